"""``chainrule check`` end to end (``nn.app.commands.check``): its report and exit statuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, run

OUTPUT_W = "a(l-1,k) * dsigma(l,j) * 2*(a(L,j) - y(j))"


def test_a_formula_that_agrees_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, "check", OUTPUT_W, "--of", "w", "--layer", "L", "--loss", "squared_error",
        "--examples", "30",
    )  # fmt: skip
    assert status == 0, err
    assert out.splitlines()[0] == f"∂C/∂w_jk^(l) = {OUTPUT_W}"
    assert out.splitlines()[1].startswith("agrees with the engine on")


def test_a_counterexample_exits_1_with_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    """002 eq. 5's δ^(L) without the 2, over tanh and sigmoid layers."""
    status, out, err = run(
        capsys, "check", "dsigma(l,j) * (a(L,j) - y(j))", "--of", "delta", "--layer", "L",
        "--loss", "squared_error", "--activation", "tanh,sigmoid", "--examples", "30",
    )  # fmt: skip
    assert status == 1, err
    assert "DISAGREES" in out
    assert "ratio formula/engine = 0.5" in out
    assert "missing factor 2" in out
    (network,) = [line for line in out.splitlines() if line.startswith("  network ")]
    drawn = network.split("(")[1].split(")")[0].split(", ")
    assert set(drawn) <= {"tanh", "sigmoid"}


@pytest.mark.parametrize(
    ("formula", "fragment"),
    [
        ("__import__('os').system('touch {sentinel}')", "not allowed"),
        ("a.__class__", "attribute access"),
        ("import os", "cannot read"),
        ("9**9**9", "constant exponent"),
        ("sum(1 for m in range(10**9))", "neurons of a layer"),
    ],
)
def test_text_that_cannot_be_read_exits_2_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, formula: str, fragment: str
) -> None:
    sentinel = tmp_path / "ran"
    status, out, err = run(capsys, "check", formula.replace("{sentinel}", str(sentinel)))
    assert status == 2
    assert out == ""
    assert_one_line_error(err, "chainrule check", fragment)
    assert not sentinel.exists()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--activation", "swish"], "'swish' is not a known activation"),
        (["--loss", "hinge"], "'hinge' is not a known loss"),
        (["--examples", "0"], "--examples"),
        (["--layer", "top"], "a layer must be"),
        (["--of", "q"], "--of"),
    ],
)
def test_bad_options_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    status, _, err = run(capsys, "check", "1", *argv)
    assert status == 2
    assert_one_line_error(err, fragment)
