"""The README's figures (bench/figures.py): each one generated from a stored measurement.

The README's passages must be exactly what ``bench/figures.py`` renders from
``bench/figures.json``, so a figure edited by hand fails here; and no time or size may appear
in the README outside a generated passage, except the limits the code sets, checked against
the code. The rest tests the script's own parts on inputs whose answers are known by hand, so
that it cannot rot between two runs of ``make figures``. Nothing here measures.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

import pytest

import nn.limits
import viz.backend
from bench import figures

README_TEXT = figures.README.read_text(encoding="utf-8")

#: A number with a unit of time or size, or a percentage.
UNIT_FIGURE = re.compile(
    r"\d[\d,.]*\s?(?:ns|µs|ms|s|seconds?|min|minutes?|hours?|B|KB|kB|MB|GB|%)(?!\w)"
)
#: The README's figures that are settings of the code, not measurements: each with the
#: constant it must equal.
STATED_LIMITS = {
    "60 s": f"{viz.backend.RENDER_TIMEOUT:g} s",  # a renderer is stopped after this long
    "4 KB": f"{nn.limits.FILE_OVERHEAD_BYTES // 1024} KB",  # a model file's allowance
}


def outside_generated_passages(text: str) -> str:
    """The README without its generated parts: the benchmark's tables and every passage."""
    text = re.sub(r"<!-- bench:begin.*?<!-- bench:end -->", "", text, flags=re.S)
    return re.sub(r"<!-- figures:([\w-]+):begin.*?<!-- figures:\1:end -->", "", text, flags=re.S)


def test_every_passage_is_the_rendering_of_the_stored_figures() -> None:
    stored = figures.load()
    for passage in figures.PASSAGES:
        if passage.name == "tests" and os.environ.get(figures.MEASURING_TESTS):
            continue  # this run of the suite is what will replace that passage
        assert passage.measurement in stored, "run python -m bench.figures --all --write"
        assert README_TEXT.count(figures.begin_marker(passage.name)) == 1, passage.name
        assert figures.rendered(passage, stored) in README_TEXT, (
            f"README passage {passage.name!r} is not what bench/figures.py renders from "
            "bench/figures.json: run python -m bench.figures --render (or measure again)"
        )


def test_every_figures_marker_has_a_row_and_every_row_its_markers() -> None:
    found = figures.MARKER.findall(README_TEXT)
    names = [p.name for p in figures.PASSAGES]
    assert sorted(found) == sorted([(n, "begin") for n in names] + [(n, "end") for n in names])
    assert {p.measurement for p in figures.PASSAGES} == set(figures.MEASUREMENTS)


def test_no_time_or_size_is_typed_outside_the_generated_passages() -> None:
    rest = outside_generated_passages(README_TEXT)
    typed = [m.group(0) for m in UNIT_FIGURE.finditer(rest)]
    assert sorted(typed) == sorted(STATED_LIMITS), (
        "a time, size or percentage in the README outside the generated passages: "
        "measure it in bench/figures.py, or, for a limit the code sets, list it here"
    )
    for shown, constant in STATED_LIMITS.items():
        assert shown == constant
    # The guard sees what it must: the old hand-typed figures would have been caught.
    assert [m.group(0) for m in UNIT_FIGURE.finditer("0.5 to 0.8 s, 2.8 MB, 99%")] == [
        "0.8 s",
        "2.8 MB",
        "99%",
    ]


def test_rendering_the_stored_figures_again_changes_nothing(tmp_path: Path) -> None:
    copy = tmp_path / "README.md"
    copy.write_text(README_TEXT, encoding="utf-8")
    stored = figures.load()
    missing = figures.write_readme(stored, copy)
    assert missing == [p.name for p in figures.PASSAGES if p.measurement not in stored]
    assert copy.read_text(encoding="utf-8") == README_TEXT
    # A figure changed by hand is put back.
    passage = next(p for p in figures.PASSAGES if p.name == "micrograd")
    text = figures.rendered(passage, stored)
    edited = re.sub(r"\d+%", "100%", text, count=1)
    assert edited != text
    copy.write_text(README_TEXT.replace(text, edited), encoding="utf-8")
    figures.write_readme(stored, copy)
    assert copy.read_text(encoding="utf-8") == README_TEXT


def test_splice_replaces_only_between_the_markers() -> None:
    b, e = figures.begin_marker("x"), figures.end_marker("x")
    doc = f"head\n{b}\nold\n{e}\ntail {b}old{e}."
    with pytest.raises(ValueError, match="needs one"):
        figures.splice(doc, "x", "new", inline=False)  # two passages of one name
    block = f"head\n{b}\nold\n{e}\ntail\n"
    assert figures.splice(block, "x", "new", inline=False) == f"head\n{b}\nnew\n{e}\ntail\n"
    inline = f"it took {b}old{e}."
    assert figures.splice(inline, "x", "new", inline=True) == f"it took {b}new{e}."
    with pytest.raises(ValueError, match="needs one"):
        figures.splice("no markers", "x", "new", inline=True)


def test_write_readme_leaves_a_passage_not_yet_measured(tmp_path: Path) -> None:
    copy = tmp_path / "README.md"
    copy.write_text(README_TEXT, encoding="utf-8")
    stored = {k: v for k, v in figures.load().items() if k != "tests"}
    assert figures.write_readme(stored, copy) == ["tests"]
    assert copy.read_text(encoding="utf-8") == README_TEXT


def test_pytest_counts_are_read_from_its_last_summary_line() -> None:
    output = (
        "...s.. [100%]\n"
        "FAILED tests/test_x.py::test_y - took 3.5s\n"
        "1585 passed, 5 skipped, 2 deselected, 1 error in 283.45s (0:04:43)\n"
    )
    assert figures.pytest_counts(output) == {
        "passed": 1585,
        "skipped": 5,
        "deselected": 2,
        "errors": 1,
    }
    with pytest.raises(figures.MeasurementError, match="no summary"):
        figures.pytest_counts("collected nothing\n")


def test_the_demo_lines_are_read_as_chainrule_train_prints_them() -> None:
    line = (
        "notes' formulas (nn.byhand.gradients) vs engine, 1,210 gradients on each of 10 test "
        "examples (one per class): largest relative difference 1.4e-14, largest absolute "
        "difference 2.8e-17"
    )
    found = figures.CHECK_LINE.search(line)
    assert found is not None
    assert found.group(1, 2) == ("1,210", "1.4e-14")
    epoch = "epoch 3/20: training cost 0.1, test accuracy 97.5%, 1.76 s"
    time = figures.EPOCH_TIME.search(epoch)
    assert time is not None
    assert time.group(1) == "1.76"
    assert figures.epoch_lines(f"x\n{epoch}\nepoch 4/20: y\n") == [epoch, "epoch 4/20: y"]


def test_formats() -> None:
    assert figures.fmt_duration(42.0) == "42 s"
    assert figures.fmt_duration(0.25) == "250 ms"
    assert figures.fmt_duration(283.45) == "4 min 43 s"
    assert figures.fmt_duration(60.2) == "1 min 00 s"
    assert figures.fmt_size(2_773_977) == "2.8 MB"
    assert figures.fmt_size(52_400) == "52 KB"
    assert figures.fmt_range([0.6, 0.8, 0.7]) == "600 ms to 800 ms"
    assert figures.fmt_range([1.5]) == "1.5 s"
    assert figures.mlp_name((64, 16, 10)) == "nn.MLP(64, [16, 10])"


def entry(values: dict[str, Any]) -> figures.Entry:
    return {
        "date": "2026-01-02 03:04 UTC",
        "machine": "Linux x86_64, some CPU, 2 CPUs",
        "python": "Python 3.11.7 (CPython)",
        "load": [0.5, 0.25, 0.125],
        "values": values,
    }


def test_the_micrograd_sentence_says_what_was_measured() -> None:
    values = {
        "micrograd": "micrograd 0.1.0",
        "points": 100,
        "steps": 100,
        "relative_loss_difference": 3.8e-16,
        "equal_accuracies": 101,
        "accuracies": 101,
        "final_accuracy": 0.99,
        "final_accuracy_micrograd": 0.99,
    }
    text = figures.render_micrograd(entry(values))
    assert "the 100 losses agreed to 4e-16 (relative) and every accuracy exactly (99% at" in text
    assert "2026-01-02 03:04 UTC on Linux x86_64, some CPU, 2 CPUs" in text
    values.update(relative_loss_difference=0.0, equal_accuracies=99, final_accuracy=1.0)
    text = figures.render_micrograd(entry(values))
    assert "agreed exactly and 99 of 101 accuracies exactly (100% against micrograd's 99%" in text


def test_the_tests_sentence_counts_and_adds_up_the_steps() -> None:
    values = {
        "steps": [
            {"name": "ruff check", "seconds": 1.0},
            {"name": "mypy --strict", "seconds": 20.0},
            {"name": "pytest", "seconds": 279.0},
        ],
        "counts": {"passed": 1585, "skipped": 5},
    }
    text = figures.render_tests(entry(values))
    assert text.startswith("1,590 tests: 1,585 passed, 5 skipped; on Linux x86_64")
    assert text.endswith("pytest took 4 min 39 s and all of `make test` 5 min 00 s")


def test_the_micrograd_demo_runs_like_micrograd() -> None:
    """Two steps of the measurement itself, beside micrograd (the bench extra installs it)."""
    pytest.importorskip("micrograd")
    values = figures.measure_micrograd(argparse.Namespace(steps=2))
    assert values["steps"] == 2
    assert values["equal_accuracies"] == values["accuracies"] == 3
    # The same float operations in another order of additions: ~1e-16 relative.
    assert values["relative_loss_difference"] < 1e-12
