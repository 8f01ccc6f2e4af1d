"""docs/notes.md stays true: every formula id, with a function and a test that exist and cite it.

The ids are those of docs/notation.md (the notes in one notation, shared by the engineers of the
project), copied here as the contract the documentation and the code must cover.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from nn import MLP, byhand

DOC = Path(__file__).resolve().parent.parent / "docs" / "notes.md"

#: Every formula id of docs/notation.md.
IDS = {
    "N000.4", "N000.8", "N000.9", "N000.11", "N000.19", "N000.22", "N000.24", "N000.26",
    "N000.29", "N001.C", "N001.dC", "N001.sigmoid", "N001.J", "N001.w", "N002.6", "N002.7",
    "N002.18", "N002.19", "N002.DP", "N002.m", "N003.L", "N003.w1", "N003.w2", "N003.w3",
    "N004.E", "N004.dE", "N004.dsigmoid", "N004.softmax", "N004.CE",
}  # fmt: skip

#: A reference to code in the table: `path/to/file.py::name`.
REFERENCE = re.compile(r"`([\w/]+\.py)::(\w+)`")


def table() -> dict[str, list[str]]:
    """The rows of the formula table: id -> [what, function, test, verdict]."""
    rows: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| N0"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 5, line
        assert cells[0] not in rows, f"{cells[0]} has two rows"
        rows[cells[0]] = cells[1:]
    return rows


def resolve(path: str, name: str) -> object:
    """The object ``name`` of the module at ``path`` (a .py file of this repository)."""
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert hasattr(module, name), f"{path} has no {name}"
    return getattr(module, name)


def test_every_formula_id_has_a_row() -> None:
    """The table has one row per id of docs/notation.md, and no other."""
    assert set(table()) == IDS


@pytest.mark.parametrize("formula", sorted(IDS))
def test_each_row_names_a_function_and_a_test_that_cite_the_id(formula: str) -> None:
    """The row's functions exist and cite the id; its tests exist and name it; a verdict."""
    what, functions, tests, verdict = table()[formula]
    assert what
    assert verdict.startswith(("agrees", "slip confirmed")), verdict
    found = REFERENCE.findall(functions)
    assert found, functions
    for path, name in found:
        doc = inspect.getdoc(resolve(path, name)) or ""
        assert formula in doc, f"{path}::{name} does not cite {formula} in its docstring"
    found = REFERENCE.findall(tests)
    assert found, tests
    token = formula.replace(".", "_")
    for path, name in found:
        assert path.startswith("tests/test_notes_"), path
        doc = inspect.getdoc(resolve(path, name)) or ""
        assert token in name or formula in doc, f"{path}::{name} does not name {formula}"


def test_every_test_the_doc_names_exists() -> None:
    """The slip sections' tests too: every `tests/...::name` in the document is a real test."""
    found = REFERENCE.findall(DOC.read_text(encoding="utf-8"))
    tests = [(path, name) for path, name in found if path.startswith("tests/")]
    assert len(tests) > len(IDS)
    for path, name in tests:
        assert callable(resolve(path, name)), name
    slips = {name for path, name in tests if name.startswith("test_slip_")}
    assert {s.split("_")[2] for s in slips} == {"000", "002", "003", "004"}


def test_the_explain_example_is_what_explain_prints() -> None:
    """The document's example output is explain's, for the call it describes."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## explain\n")[1]
    example = section.split("```\n")[1].rstrip("\n")  # the section's first code block
    model = MLP(2, [3, 2], seed=1)
    x, y = [0.5, -1.0], [0.0, 1.0]
    printed = byhand.explain(model, x, y, 2, 1, 2) + "\n" + byhand.explain(model, x, y, 1, 0, 1)
    assert example == printed


def test_the_ids_are_those_of_docs_notation() -> None:
    notation = (DOC.parent / "notation.md").read_text(encoding="utf-8")
    assert set(re.findall(r"\bN00\d\.[A-Za-z0-9]+", notation)) == IDS


def test_each_chainrule_check_report_is_what_the_command_prints() -> None:
    """Every ```console block of the slips: the command, its report and its exit status.

    Each runs in a process of its own, as a reader runs it: the command draws its networks
    deterministically, but Hypothesis's draws also depend on the searches that ran before in
    the same process (this suite's), which a reader's shell does not have.
    """
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)\n```", text, flags=re.DOTALL)
    assert len(blocks) >= 5
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for block in blocks:
        command, *printed, status = block.split("\n")
        assert command.startswith("$ chainrule check ")
        argv = shlex.split(command.removeprefix("$ chainrule "))
        done = subprocess.run(
            [sys.executable, "-m", "nn", *argv], capture_output=True, text=True, env=env,
            encoding="utf-8", timeout=600, check=False,
        )  # fmt: skip
        assert done.stdout.rstrip("\n").split("\n") == printed, done.stderr
        assert status == f"[exit {done.returncode}]"
