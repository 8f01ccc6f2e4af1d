"""``chainrule`` itself (``nn.app.main``): --help, bad command lines, a closed stdout."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from nn.app.main import main
from tests.support.cli import assert_one_line_error, run

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
