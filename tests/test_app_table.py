"""``chainrule table`` end to end (``nn.app.commands.table``): formats, options and errors."""

from __future__ import annotations

import csv
import io

import pytest

from nn import MLP, byhand
from tests.support.cli import assert_one_line_error, run

ARGS = ["--arch", "3,3,2,1", "--loss", "binary_cross_entropy", "--input", "0.5,-1,2"]


def test_text_table_is_the_library_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "table", *ARGS, "--target", "1")
    assert status == 0, err
    model = MLP(3, [3, 2, 1], "sigmoid", output_activation="sigmoid", seed=0)
    expected = byhand.table(model, [0.5, -1.0, 2.0], [1.0], "binary_cross_entropy")
    assert out.endswith(str(expected) + "\n")
    assert out.splitlines()[-1] == "hand and engine agree to 15 significant digits"


def test_csv_has_every_digit_and_the_weights(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "table", *ARGS, "--target", "0", "--format", "csv", "--weights")
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][6] == "δ_j^(l)"
    assert rows[0][-1] == "∂C/∂w_j2^(l)"
    model = MLP(3, [3, 2, 1], "sigmoid", output_activation="sigmoid", seed=0)
    t = byhand.table(model, [0.5, -1.0, 2.0], [0.0], "binary_cross_entropy", weights=True)
    assert [float(r[7]) for r in rows[1:]] == [r.dC_db for r in t.rows]


def test_per_layer_activations_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    """--activation tanh,sigmoid gives σ^(1) = tanh and σ^(2) = sigmoid, as note 000 writes."""
    status, out, err = run(
        capsys, "table", "--arch", "2,3,2", "--activation", "tanh,sigmoid", "--format",
        "markdown", "--convention", "theta", "--weights",
    )  # fmt: skip
    assert status == 0, err
    assert "network 2-3-2 (tanh, sigmoid), C = squared_error" in out
    assert "| s_j^(l) = δ_j^(l) |" in out
    assert "∂C/∂Θ_0j^(l)" in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--arch", "2,3,2", "--activation", "tanh,sigmoid,relu"], "3 names for 2 layers"),
        (["--arch", "2,3,2", "--activation", "swish"], "'swish' is not a known activation"),
        (["--arch", "2,3,2", "--input", "1"], "--input has 1 numbers"),
        (["--arch", "2,3,2", "--format", "html"], "--format"),
    ],
)
def test_bad_options_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    status, _, err = run(capsys, "table", *argv)
    assert status in (1, 2)
    assert_one_line_error(err, fragment)
