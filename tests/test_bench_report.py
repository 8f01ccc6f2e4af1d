"""bench/report.py's targets table: the medians' ratio and the minimums' ratio side by side.

The results are written by hand, so each ratio and verdict is known in advance.
"""

from __future__ import annotations

from typing import Any

from bench import report, run


def _timing(median: float, best: float) -> dict[str, float]:
    return {"median": median, "min": best, "max": median * 2, "calls": 1}


#: A unit of time that is a power of two, so that the ratios below are exact.
MS = 2.0**-10


def _results() -> dict[str, Any]:
    results = run.new_results(quick=True)
    results["timings"] = {
        # 3a: medians 3.0 ÷ 1.0 = 3x (meets at least 2.5x), mins 2.0 ÷ 1.0 = 2x (misses it).
        "step-plain/micrograd/off": _timing(3 * MS, 2 * MS),
        "step-plain/chainrule/off": _timing(MS, MS),
        # 3c: medians 4x the floor (misses at most 3.5x), mins 3x (meets it).
        "step/chainrule/on": _timing(4 * MS, 3 * MS),
        "step/floor/on": _timing(MS, MS),
    }
    return results


def test_ratio_divides_the_chosen_statistic() -> None:
    results = _results()
    assert report.ratio(results, "step/chainrule/on", "step/floor/on") == 4.0
    assert report.ratio(results, "step/chainrule/on", "step/floor/on", "min") == 3.0
    assert report.ratio(results, "step/chainrule/on", "batch/floor/on", "min") is None


def test_target_table_shows_both_ratios_each_with_its_verdict() -> None:
    lines = report.target_table(_results()).splitlines()
    assert lines[0] == (
        "| target | what it compares (first time ÷ second) | limit | median ÷ median "
        "| verdict (medians) | min ÷ min | verdict (mins) |"
    )
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[2:] for line in lines[2:]}
    assert len(rows) == len(report.TARGETS)
    assert rows["3a"] == ["at least 2.5x", "3x", "met", "2x", "NOT met |"]
    assert rows["3c"] == ["at most 3.5x", "4x", "NOT met", "3x", "met |"]
    assert rows["3b"] == ["at least 2.5x", "n/a", "not measured", "n/a", "not measured |"]


def test_ratio_lines_label_both_ratios() -> None:
    results = _results()
    results["timings"]["step-plain/micrograd/on"] = _timing(8 * MS, 6 * MS)
    results["timings"]["step-plain/chainrule/on"] = _timing(2 * MS, 2 * MS)
    lines = report.ratio_lines(results)
    assert "- the same, collector off: 3x (median ÷ median), 2x (min ÷ min)" in lines
    assert any(line.endswith("4x (median ÷ median), 3x (min ÷ min)") for line in lines)
    text = report.render(results)
    assert report.target_table(results) in text
