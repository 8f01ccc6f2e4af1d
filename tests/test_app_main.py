"""The ``chainrule`` command end to end: train, explain, graph, --help, and every bad input.

The runs are tiny (two moons, a few hidden neurons, one or two epochs) so that the file takes a
few seconds; the default digits run is measured by ``make demo``, not here.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import central_difference
from nn.app.main import main
from nn.datasets import make_moons, split
from nn.losses import squared_error
from nn.module import MLP

SVG = "{http://www.w3.org/2000/svg}svg"
REPO = Path(__file__).resolve().parent.parent

#: A training run of well under a second: 60 moons, 2-4-2, 2 epochs.
TINY = ["--dataset", "moons", "--samples", "60", "--hidden", "4", "--epochs", "2"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """main(argv) in this process: (exit status, stdout, stderr)."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(err: str, *fragments: str) -> None:
    """stderr is a single line, no traceback, and it contains every fragment."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error:" in lines[0]
    for fragment in fragments:
        assert fragment in lines[0]


def printed_accuracy(out: str) -> float:
    """The number in the line ``test accuracy: 96.1%``, which must be a line of its own."""
    (match,) = re.findall(r"^test accuracy: (\d+\.\d)%$", out, flags=re.MULTILINE)
    return float(match)


# -- train --------------------------------------------------------------------------------------


def test_train_end_to_end(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "results"  # does not exist yet: train creates it
    status, out, err = run(capsys, "train", *TINY, "--seed", "3", "--out", str(out_dir))
    assert status == 0, err

    # The outputs: two SVGs that parse as XML with an <svg> root, and a model MLP.load reads.
    for name in ("loss.svg", "network.svg"):
        root = ET.parse(out_dir / name).getroot()
        assert root.tag == SVG
    curve = (out_dir / "loss.svg").read_text()
    assert "epoch" in curve  # svg.fonttype "none" keeps the axis labels as text
    model = MLP.load(out_dir / "model.json")
    assert model.sizes == [2, 4, 2]
    assert model.activations == ["sigmoid", "sigmoid"]

    # The printed accuracy is that of the saved model on the test set, recomputed here from
    # the same seeded data with the model's own outputs.
    _, test = split(make_moons(60, 0.1, seed=3), 0.2, seed=3)
    correct = 0
    for x, label in zip(test.inputs, test.labels, strict=True):
        a = [v.data for v in model.forward(x)]
        correct += a.index(max(a)) == label
    assert printed_accuracy(out) == pytest.approx(round(100 * correct / len(test), 1))

    # The hand formulas agree with the engine to rounding (both are sums of the same products,
    # in a different order): far below 1e-9.
    (rel,) = re.findall(r"largest relative difference (\S+),", out)
    assert float(rel) < 1e-9

    # It ends by listing the files it wrote.
    tail = out.strip().splitlines()[-3:]
    assert [line.split()[0] for line in tail] == [
        str(out_dir / name) for name in ("loss.svg", "network.svg", "model.json")
    ]
    # No temporary files are left behind by the atomic writes or the writability probe.
    assert sorted(p.name for p in out_dir.iterdir()) == ["loss.svg", "model.json", "network.svg"]

    # The progress bar went to stderr with the running cost and accuracy.
    assert "epoch 2/2" in err
    assert "cost" in err
    assert "accuracy" in err


def test_train_on_a_digits_subset(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(
        capsys,
        "train",
        *["--samples", "150", "--hidden", "6", "--epochs", "1", "--quiet"],
        *["--out", str(tmp_path)],
    )
    assert status == 0, err
    assert err == ""  # --quiet: no progress bar
    assert "data: digits" in out
    model = MLP.load(tmp_path / "model.json")
    assert model.sizes == [64, 6, 10]
    assert 0.0 <= printed_accuracy(out) <= 100.0


def test_train_options_reach_the_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(
        capsys,
        "train",
        *TINY,
        *["--hidden", "5,3", "--activation", "tanh", "--loss", "cross_entropy", "--quiet"],
        *["--lr", "0.1", "--batch-size", "7", "--out", str(tmp_path)],
    )
    assert status == 0, err
    model = MLP.load(tmp_path / "model.json")
    assert model.sizes == [2, 5, 3, 2]
    # cross_entropy needs a probability distribution: the output layer becomes softmax.
    assert model.activations == ["tanh", "tanh", "softmax"]


def test_seeded_runs_are_reproducible(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outputs = []
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        status, out, err = run(
            capsys, "train", *TINY, "--seed", seed, "--quiet", "--out", str(tmp_path / name)
        )
        assert status == 0, err
        outputs.append(out.replace(str(tmp_path / name), "OUT"))
    first, second, other = outputs
    assert first == second  # every printed number, to the last digit
    for name in ("model.json", "loss.svg", "network.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # The seed matters: another one gives other weights.
    assert (tmp_path / "a" / "model.json").read_bytes() != (
        tmp_path / "c" / "model.json"
    ).read_bytes()
    assert first != other


def test_python_m_nn_runs_train_reproducibly_across_processes(tmp_path: Path) -> None:
    # Two interpreters with different string hashes: an order taken from a set or a hash
    # would make the runs differ here, where the in-process test above cannot see it.
    runs = []
    for hash_seed in ("1", "2"):
        out_dir = tmp_path / hash_seed
        done = subprocess.run(
            [sys.executable, "-m", "nn", "train", *TINY, "--quiet", "--out", str(out_dir)],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert 0.0 <= printed_accuracy(done.stdout) <= 100.0
        files = {p.name: p.read_bytes() for p in sorted(out_dir.iterdir())}
        assert list(files) == ["loss.svg", "model.json", "network.svg"]
        runs.append((done.stdout.replace(str(out_dir), "OUT"), files))
    assert runs[0] == runs[1]


def test_python_m_nn_bad_input_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nn", "train", "--activation", "swish"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert_one_line_error(done.stderr, "chainrule train: error:", "'swish'")


# -- explain ------------------------------------------------------------------------------------


def _explain_numbers(out: str, symbol: str) -> tuple[float, float]:
    """(by hand, engine) from the line ``∂C/∂w... = factors = numbers = hand   engine: g``."""
    (line,) = [s for s in out.splitlines() if s.startswith(symbol)]
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


# -- graph --------------------------------------------------------------------------------------


def test_graph_draws_an_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "g.svg"
    status, out, err = run(capsys, "graph", "--arch", "2,2,1", "--out", str(path))
    assert status == 0, err
    assert str(path) in out
    root = ET.parse(path).getroot()
    assert root.tag == SVG
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    # One record per weight of a 2-2-1 network (2·2 + 2·1 = 6), each labelled w_{j,k}^(l).
    assert texts.count("w") == 6
    # The weights drawn are those of MLP(2, [2, 1], seed=0) (the graph command's default
    # seed), shown with 4 significant digits (its default --digits).
    weight = MLP(2, [2, 1], seed=0).w(2, 0, 0).data
    assert f"data {weight:.4g}".replace("-", "&#45;") in path.read_text()


def test_graph_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "graph", "--arch", "2,x")
    assert status == 2
    # the graph command reports it, under the name of the command the user ran.
    assert_one_line_error(err, "chainrule graph: error:", "'2,x'")
    status, _, err = run(capsys, "graph", "--digits", "many")
    assert status == 2
    assert_one_line_error(err, "chainrule graph: error:", "'many'")


@pytest.mark.parametrize("argv", [[], ["--arch", "2,1", "--collapse"], ["--help"]])
def test_graph_without_viz_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setitem(sys.modules, "viz.backend", None)  # `import viz.backend` now fails
    status, out, err = run(capsys, "graph", *argv)
    assert status == 1
    assert out == ""
    assert_one_line_error(err, "chainrule graph: error:", "pip install 'chainrule[viz]'")


# -- --help -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "options"),
    [
        ([], ["train", "explain", "graph"]),
        (["train"], ["--dataset", "--hidden", "--activation", "--loss", "--epochs", "--lr"]),
        (["train"], ["--batch-size", "--seed", "--out", "--output-activation", "--quiet"]),
        (["train"], ["--test-fraction", "--samples", "--noise"]),
        (["explain"], ["--arch", "--model", "--weight", "--bias", "--input", "--target"]),
        (["graph"], ["--arch", "--out", "--collapse", "--shade", "--cluster", "--digits"]),
    ],
)
def test_help(capsys: pytest.CaptureFixture[str], argv: list[str], options: list[str]) -> None:
    status, out, err = run(capsys, *argv, "--help")
    assert status == 0
    assert err == ""
    assert out.startswith(" ".join(["usage: chainrule", *argv]))
    for option in options:
        assert option in out


# -- bad input: one line on stderr, a non-zero status, no traceback ---------------------------


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["train", "--activation", "swish"], ["'swish'", "sigmoid", "tanh", "relu", "linear"]),
        (["train", "--loss", "hinge"], ["'hinge'", "squared_error", "cross_entropy"]),
        (["explain", "--arch", "2,3,2", "--weight", "1,0,0", "--activation", "gelu"], ["gelu"]),
        (["explain", "--arch", "2,3,2", "--weight", "1,0,0", "--loss", "l1"], ["'l1'"]),
        (["explain", "--arch", "2,x,2", "--weight", "1,0,0"], ["'2,x,2' is not an architecture"]),
        (["explain", "--arch", "2", "--weight", "1,0,0"], ["'2' is not an architecture"]),
        (["explain", "--arch", "2,0,1", "--weight", "1,0,0"], ["'2,0,1'"]),
        # A typo that would build 3e20 parameters must fail at once, not exhaust memory.
        (["explain", "--arch", "2,99999999999999999999", "--weight", "1,0,0"], ["1,000,000"]),
        (["graph", "--arch", "2,9999999,2"], ["--arch", "'2,9999999,2'", "49,999,997 parameters"]),
        (["explain", "--arch", "2,3,2", "--weight", "1,0"], ["'1,0' is not an index l,j,k"]),
        (["explain", "--arch", "2,3,2", "--weight", "a,b,c"], ["'a,b,c'"]),
        (["explain", "--weight", "1,0,0"], ["--arch", "--model"]),
        (["explain", "--arch", "2,3,2"], ["--weight", "--bias"]),
        (["train", "--hidden", "0"], ["'0'", "layer sizes"]),
        (["train", "--hidden", "16,x"], ["'16,x'"]),
        (["train", "--epochs", "0"], ["'0' is not a whole number >= 1"]),
        (["train", "--lr", "-1"], ["'-1' is not a positive number"]),
        (["train", "--lr", "nan"], ["'nan'"]),
        (["train", "--dataset", "mnist"], ["'mnist'", "digits", "moons"]),
        (["train", "--test-fraction", "1"], ["strictly between 0 and 1"]),
        (["frobnicate"], ["'frobnicate'"]),
        ([], ["required"]),
    ],
)
def test_bad_command_lines(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert_one_line_error(err, *fragments)


def test_train_refuses_a_network_too_big_before_loading_memory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The size depends on the data set's inputs and classes, so it is checked once they are
    # known (exit status 1, like the other checks after parsing), still before any training.
    status, out, err = run(capsys, "train", "--hidden", "100000,100", "--out", str(tmp_path))
    assert status == 1
    assert out == ""
    assert_one_line_error(err, "--hidden 100000,100", "64,100000,100,10", "16,501,110 parameters")


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


@pytest.mark.parametrize("make", ["file", "under_a_file"])
def test_unwritable_output_directory_fails_before_training(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: str
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    out_dir = blocker if make == "file" else blocker / "sub"
    # The default digits run for 1000 epochs would take minutes: the error must come first.
    start = time.perf_counter()
    status, out, err = run(capsys, "train", "--epochs", "1000", "--quiet", "--out", str(out_dir))
    assert time.perf_counter() - start < 10
    assert status == 1
    assert out == ""
    assert_one_line_error(err, "cannot write to the output directory", str(out_dir))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
def test_read_only_output_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "ro"
    out_dir.mkdir()
    out_dir.chmod(0o500)
    try:
        status, _, err = run(capsys, "train", *TINY, "--quiet", "--out", str(out_dir))
    finally:
        out_dir.chmod(0o700)
    assert status == 1
    assert_one_line_error(err, "cannot write to the output directory", "ermission denied")


def test_a_diverging_run_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # relu with a huge learning rate blows the weights up to infinity within a few steps.
    status, _, err = run(
        capsys,
        "train",
        *TINY,
        *["--activation", "relu", "--loss", "mean_squared_error", "--lr", "1e150"],
        *["--epochs", "5", "--quiet", "--out", str(tmp_path)],
    )
    assert status == 1
    assert_one_line_error(err, "training diverged", "smaller --lr")


class _ClosedPipe(io.StringIO):
    """A stdout whose reader has gone away, as with ``chainrule train | head -1``."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        return self.fd


def test_a_closed_stdout_ends_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with open(tmp_path / "stdout", "w") as sink:
        monkeypatch.setattr(sys, "stdout", _ClosedPipe(sink.fileno()))
        status = main(["explain", "--arch", "2,2", "--weight", "1,0,0"])
    assert status == 1
    assert capsys.readouterr().err == ""
