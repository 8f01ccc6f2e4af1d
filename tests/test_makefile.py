"""The Makefile: ``make help`` lists every target, each with what it does."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

MAKEFILE = Path(__file__).resolve().parent.parent / "Makefile"


def targets() -> list[str]:
    """The targets a user types: every rule of a plain name (not a file such as .venv/...)."""
    text = MAKEFILE.read_text(encoding="utf-8")
    return re.findall(r"^([a-z]+):", text, flags=re.M)


def test_every_target_is_phony_and_listed_by_help() -> None:
    if shutil.which("make") is None:
        pytest.skip("no make")
    done = subprocess.run(
        ["make", "-s", "-f", str(MAKEFILE), "help"], capture_output=True, text=True, check=True
    )
    listed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("make ")]
    assert sorted(listed) == sorted(targets())
    assert {"fmt", "help", "test", "demo"} <= set(listed)
    for line in done.stdout.splitlines():
        assert len(line.split()) > 2, line  # a description after the name
    phony = re.search(r"^\.PHONY:(.*)$", MAKEFILE.read_text(encoding="utf-8"), flags=re.M)
    assert phony is not None
    assert sorted(phony.group(1).split()) == sorted(targets())
