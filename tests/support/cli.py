"""Running ``chainrule`` in this process, and what its tests check of its output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nn.app.main import main

SVG = "{http://www.w3.org/2000/svg}svg"
REPO = Path(__file__).resolve().parent.parent.parent

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
