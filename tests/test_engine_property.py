"""``autograd.property.search``, the machinery under check_derivative, on cases of its own.

Cases here are lists of integers and a "user" whose sum is wrong in known places, so the right
counterexample is known exactly: shrinking reaches the smallest failing list, skipped cases are
never reported, a misbehaving user is an ``error`` in plain words, the counterexample is
evaluated again, hints read the ratio, and the example budget follows the Hypothesis profile.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from autograd.property import (
    CaseError,
    Entry,
    Outcome,
    Report,
    Skip,
    example_budget,
    relative_difference,
    search,
)

LISTS = st.lists(st.integers(0, 100), max_size=8)


def run(
    user: Callable[[list[int]], float], skip: Callable[[list[int]], bool] = lambda c: False
) -> Report:
    """Compare ``user(case)`` with sum(case) on drawn lists."""

    def evaluate(case: list[int]) -> Outcome:
        if skip(case):
            raise Skip
        got = user(case)
        return Outcome(tuple(case), (Entry("sum", float(sum(case)), got, "Σ"),), show=repr(case))

    return search(LISTS, evaluate, title="sum check", examples=100, rtol=1e-9, atol=0.0)


def test_a_right_user_is_ok() -> None:
    report = run(lambda c: float(sum(c)))
    assert report.ok
    assert report.counterexample is None
    assert report.max_rel_diff == 0.0
    assert report.examples >= 1
    assert str(report).startswith("sum check: ok on")


def test_shrinking_reaches_the_smallest_failing_case() -> None:
    """Wrong by one on lists of 3 or more: the smallest such list is [0, 0, 0]."""
    report = run(lambda c: float(sum(c) + (len(c) >= 3)))
    c = report.counterexample
    assert not report.ok
    assert c is not None
    assert c.inputs == (0, 0, 0)
    assert (c.index, c.expected, c.got, c.ratio, c.label) == ("sum", 0.0, 1.0, None, "Σ")
    assert "smallest failing input: [0, 0, 0]" in str(report)
    assert "BAD Σ: expected 0.0, got 1.0" in str(report)


def test_skipped_cases_are_never_reported() -> None:
    """Wrong on every list with a 0 in it, but lists with a 0 are skipped: ok."""
    report = run(lambda c: float(sum(c) + (0 in c)), skip=lambda c: 0 in c)
    assert report.ok, str(report)


def test_a_counterexample_obeys_the_skip_rule() -> None:
    """Wrong on lists of 2+, lists holding a 0 skipped: the smallest is [1, 1]."""
    report = run(lambda c: float(sum(c)) * 2.0 if len(c) >= 2 else sum(c), skip=lambda c: 0 in c)
    assert report.counterexample is not None
    assert report.counterexample.inputs == (1, 1)
    assert report.counterexample.ratio == 2.0
    assert any("2 × expected at all" in h for h in report.hints), report.hints


def test_a_case_error_is_reported_plainly_on_the_smallest_case() -> None:
    def user(c: list[int]) -> float:
        if any(x > 10 for x in c):
            raise CaseError(f"the user gave up on {c!r}")
        return float(sum(c))

    report = run(user)
    assert not report.ok
    assert report.counterexample is None
    assert report.error == "the user gave up on [11]"
    assert str(report).splitlines()[1] == "the user gave up on [11]"


def test_when_everything_is_skipped_the_report_says_so() -> None:
    report = run(lambda c: 0.0, skip=lambda c: True)
    assert not report.ok
    assert report.error is not None
    assert "no input could be checked" in report.error


def test_relative_difference_has_a_floor_of_atol_over_rtol() -> None:
    """Measured against |expected|, or against atol/rtol when |expected| is below it."""
    assert relative_difference(Entry(0, 4.0, 5.0), 1e-9, 1e-12) == 0.25
    assert relative_difference(Entry(0, 0.0, 1e-12), 1e-9, 1e-12) == pytest.approx(1e-9)
    assert relative_difference(Entry(0, 0.0, 0.0), 0.0, 0.0) == 0.0
    assert relative_difference(Entry(0, 0.0, 1.0), 0.0, 0.0) == math.inf
    assert relative_difference(Entry(0, 1.0, math.nan), 1e-9, 0.0) == math.inf


def test_entries_agree_within_the_tolerance_and_never_on_nan() -> None:
    assert Entry(0, 1.0, 1.0 + 1e-10).agrees(1e-9, 0.0)
    assert not Entry(0, 1.0, 1.0 + 1e-8).agrees(1e-9, 0.0)
    assert Entry(0, 0.0, 1e-13).agrees(1e-9, 1e-12)
    assert not Entry(0, 1.0, math.nan).agrees(1.0, 1.0)
    assert Entry(0, 2.0, -2.0).ratio == -1.0
    assert Entry(0, 0.0, 1.0).ratio is None


def test_hints_name_a_constant_ratio_and_a_lone_wrong_entry() -> None:
    def evaluate(case: int) -> Outcome:
        entries = (Entry("a", 1.0, 1.0, "first"), Entry("b", 3.0, -3.0, "second"))
        return Outcome(case, entries, extra={"seen": case})

    report = search(
        st.integers(0, 9), evaluate, title="t", examples=10, rtol=0.0, atol=0.0, extra={"k": 1}
    )
    c = report.counterexample
    assert c is not None
    assert c.inputs == 0
    assert c.extra == {"seen": 0}
    assert report.extra == {"k": 1}
    text = str(report)
    assert "second: got = -1 × expected" in text
    assert "a sign error" in text
    assert "only second disagrees" in text


def test_hints_name_swapped_entries() -> None:
    def evaluate(case: int) -> Outcome:
        return Outcome(case, (Entry(0, 1.0, 2.0, "∂0"), Entry(1, 2.0, 1.0, "∂1")))

    report = search(st.integers(0, 9), evaluate, title="t", examples=5, rtol=0.0, atol=0.0)
    assert "∂0 equals the expected ∂1: two partials swapped?" in report.hints


def test_search_refuses_bad_settings() -> None:
    def evaluate(case: int) -> Outcome:
        return Outcome(case, ())

    with pytest.raises(ValueError, match="examples must be at least 1, got 0"):
        search(st.integers(), evaluate, title="t", examples=0, rtol=0.0, atol=0.0)
    with pytest.raises(ValueError, match="rtol and atol must be >= 0"):
        search(st.integers(), evaluate, title="t", examples=1, rtol=-1.0, atol=0.0)


def test_the_example_budget_follows_the_loaded_profile() -> None:
    """The suite's profile caps the budget; Hypothesis's own default profile leaves it."""
    profile = settings.default
    assert profile is not None
    assert example_budget(10_000) == min(10_000, profile.max_examples)
    assert example_budget(3) == 3
    settings.load_profile("default")
    try:
        assert example_budget(10_000) == 10_000
    finally:
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def test_derandomize_draws_the_same_cases_every_time() -> None:
    """derandomize=True: two searches see the very same cases, even under a random profile."""

    def cases_seen(derandomize: bool) -> list[tuple[int, ...]]:
        seen: list[tuple[int, ...]] = []

        def evaluate(case: list[int]) -> Outcome:
            seen.append(tuple(case))
            return Outcome(tuple(case), (Entry("sum", float(sum(case)), float(sum(case))),))

        report = search(
            LISTS, evaluate, title="t", examples=20, rtol=0.0, atol=0.0, derandomize=derandomize
        )
        assert report.ok
        return seen

    settings.register_profile("property-random", settings.default, derandomize=False)
    settings.load_profile("property-random")
    try:
        assert cases_seen(True) == cases_seen(True)
        # Random draws of 20 lists coincide with probability far below 1e-30.
        assert cases_seen(False) != cases_seen(False)
    finally:
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
