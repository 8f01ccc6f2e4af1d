"""``chainrule explain`` end to end (``nn.app.commands.explain``): its numbers and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograd import central_difference
from nn.losses import squared_error
from nn.module import MLP
from tests.support.cli import assert_one_line_error, run

# -- explain ------------------------------------------------------------------------------------


def _explain_numbers(out: str, symbol: str) -> tuple[float, float]:
    """(by hand, engine) from the line ``∂C/∂w... = factors = numbers = hand   engine: g``."""
    (line,) = [s for s in out.splitlines() if s.startswith(symbol) and "engine:" in s]
    head, engine = line.replace("\N{MINUS SIGN}", "-").split("engine:")
    return float(head.rsplit("=", 1)[1]), float(engine)


def test_explain_matches_a_central_difference(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys,
        "explain",
        *["--arch", "2,3,2", "--weight", "2,1,0", "--input", "0.5,-0.3", "--target", "1,0"],
    )
    assert status == 0, err
    hand, engine = _explain_numbers(out, "∂C/∂w_{1,0}^(2)")

    # The oracle: C(w) = Σ_j (a_j − y_j)² of the same network (seed 0 is the default) as a
    # function of w_{1,0}^(2) alone, differentiated numerically.
    model = MLP(2, [3, 2], seed=0)
    w = model.w(2, 1, 0)

    def cost(value: float) -> float:
        saved = w.data
        w.data = value
        try:
            return squared_error(model.forward([0.5, -0.3]), [1.0, 0.0]).data
        finally:
            w.data = saved

    numeric = central_difference(cost, w.data)
    # Central differences with h = 1e-6: truncation O(h²) and rounding ~1e-16/h, about 1e-10.
    assert hand == pytest.approx(numeric, abs=1e-8)
    assert engine == pytest.approx(numeric, abs=1e-8)


def test_explain_a_bias_with_seeded_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "explain", "--arch", "3,2,1", "--bias", "1,1", "--seed", "4")
    assert status == 0, err
    hand, engine = _explain_numbers(out, "∂C/∂b_1^(1)")
    # Both come from independent computations (the notes' deltas, the engine's graph).
    assert hand == pytest.approx(engine, rel=1e-12, abs=1e-15)
    # The defaults come from the seed: same seed, same text; another seed, another input.
    assert run(capsys, "explain", "--arch", "3,2,1", "--bias", "1,1", "--seed", "4")[1] == out
    assert run(capsys, "explain", "--arch", "3,2,1", "--bias", "1,1", "--seed", "5")[1] != out
    (x_line,) = [s for s in out.splitlines() if s.startswith("x = ")]
    x = json.loads(x_line[4:])
    assert len(x) == 3
    assert all(-1.0 <= v <= 1.0 for v in x)


def test_explain_a_saved_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = MLP(4, [3, 2], activation="tanh", output_activation="sigmoid", seed=9)
    path = tmp_path / "m.json"
    model.save(path)
    status, out, err = run(capsys, "explain", "--model", str(path), "--weight", "1,2,3")
    assert status == 0, err
    assert "network 4-3-2 (tanh, sigmoid)" in out
    hand, engine = _explain_numbers(out, "∂C/∂w_{2,3}^(1)")
    assert hand == pytest.approx(engine, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("weight", "fragments"),
    [
        ("3,0,0", ["--weight 3,0,0", "valid l are 1..2"]),
        ("0,0,0", ["valid l are 1..2"]),
        ("2,2,0", ["--weight 2,2,0", "valid j are 0..1"]),
        ("1,3,0", ["valid j are 0..2"]),
        ("2,1,3", ["--weight 2,1,3", "valid k are 0..2"]),
    ],
)
def test_weight_out_of_range(
    capsys: pytest.CaptureFixture[str], weight: str, fragments: list[str]
) -> None:
    status, out, err = run(capsys, "explain", "--arch", "2,3,2", "--weight", weight)
    assert status == 1
    assert out == ""
    assert_one_line_error(err, "chainrule explain: error:", "2-3-2", *fragments)


def test_bias_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "explain", "--arch", "2,3,2", "--bias", "1,3")
    assert status == 1
    assert_one_line_error(err, "--bias 1,3", "valid j are 0..2")


def test_input_and_target_must_fit(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["explain", "--arch", "2,3,2", "--weight", "1,0,0"]
    status, _, err = run(capsys, *base, "--input", "1,2,3")
    assert status == 1
    assert_one_line_error(err, "--input has 3 numbers", "2 inputs")
    status, _, err = run(capsys, *base, "--target", "1")
    assert status == 1
    assert_one_line_error(err, "--target has 1 numbers", "2 outputs")


def test_missing_model_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    status, _, err = run(capsys, "explain", "--model", str(path), "--weight", "1,0,0")
    assert status == 1
    assert_one_line_error(err, "no model file", str(path))


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "something else"}', "not a chainrule model file"),
        ("", "not valid JSON"),
    ],
)
def test_corrupt_model_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "model.json"
    path.write_text(content)
    status, _, err = run(capsys, "explain", "--model", str(path), "--weight", "1,0,0")
    assert status == 1
    assert_one_line_error(err, "cannot load the model file", fragment)


def test_truncated_model_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    MLP(2, [2], seed=0).save(path)
    path.write_bytes(path.read_bytes()[:-20])
    status, _, err = run(capsys, "explain", "--model", str(path), "--weight", "1,0,0")
    assert status == 1
    assert_one_line_error(err, "cannot load the model file", "not valid JSON")


def test_model_path_that_is_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "explain", "--model", str(tmp_path), "--weight", "1,0,0")
    assert status == 1
    assert_one_line_error(err, "cannot load the model file", str(tmp_path), "a directory")


def test_explain_on_an_example_of_the_training_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from nn import train as training
    from nn.datasets import one_hot
    from tests.support.cli import TINY

    status, _, err = run(capsys, "train", *TINY, "--quiet", "--out", str(tmp_path))
    assert status == 0, err
    model_file = str(tmp_path / "model.json")
    status, out, err = run(
        capsys, "explain", "--model", model_file, "--example", "4", "--weight", "1,0,1"
    )
    assert status == 0, err
    # The recorded data rebuilt independently: the same example and its one-hot target.
    data = training.load_dataset(training.TrainConfig(dataset="moons", samples=60))
    lines = out.splitlines()
    assert lines[0] == f"example 4 of the moons data (class {data.labels[4]})"
    assert f"x = {data.inputs[4]}" in lines
    assert f"y = {one_hot(data.labels[4], 2)}" in lines
    status, _, err = run(capsys, "explain", "--arch", "2,2", "--example", "0", "--bias", "1,0")
    assert status != 0
    assert_one_line_error(err, "--example needs --model")


def test_explain_order_examples_and_one_activation_per_layer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(
        capsys, "explain", "--arch", "2,3,2", "--weight", "1,0,1", "--examples", "3",
        "--order", "002", "--activation", "tanh,sigmoid",
    )  # fmt: skip
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "network 2-3-2 (tanh, sigmoid)"
    assert "(1/3) Σ_i" in out
    assert lines[-1] == "hand and engine agree to 15 significant digits"
    status, out, err = run(
        capsys, "explain", "--arch", "2,3,2", "--weight", "1,0,1", "--order", "002",
        "--activation", "tanh,sigmoid",
    )  # fmt: skip
    assert status == 0, err
    assert out.splitlines()[4].split(" = ", 1)[1].startswith("Σ_m ∂C/∂a_m^(2)")


def test_explain_examples_with_an_input_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys, "explain", "--arch", "2,2", "--weight", "1,0,1", "--examples", "2", "--input",
        "1,2",
    )  # fmt: skip
    assert status == 2
    assert_one_line_error(err, "--examples draws its inputs")
