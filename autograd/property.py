"""Searching for the smallest input where someone's numbers disagree with exact ones.

The machinery under ``autograd.check_derivative`` (and any other checker of the same kind, such
as a check of a learner's formula for ∂C/∂w on drawn networks): Hypothesis draws cases, an
``evaluate`` callable turns each case into an ``Outcome`` (the numbers that must agree, each
an ``Entry`` with the reference's ``expected`` and the user's ``got``), and ``search`` returns
a ``Report``: ``ok``, how many ``examples`` were compared, the largest relative difference,
and, on failure, the ``Counterexample`` at the smallest failing case Hypothesis's shrinking
finds, re-evaluated outside Hypothesis so that it is known to really disagree.

``evaluate`` skips a case where the comparison means nothing (the reference is undefined
there) by raising ``Skip`` (Hypothesis then draws another); it raises ``CaseError`` when the
user's callable misbehaves (raises, returns the wrong shape): that is reported plainly as
``report.error``, on the smallest case that shows it, never as a traceback from inside
Hypothesis. Nothing here knows
what a case is: checkers add their own fields through the ``extra`` mappings.

This module needs Hypothesis; ``autograd`` imports it only when a check runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import HealthCheck, Verbosity, given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, Unsatisfiable

__all__ = [
    "SIMPLE_RATIOS",
    "CaseError",
    "Counterexample",
    "Entry",
    "Outcome",
    "Report",
    "Skip",
    "example_budget",
    "relative_difference",
    "search",
]

C = TypeVar("C")

#: Ratios got / expected that point at one slip, with what the slip usually is.
SIMPLE_RATIOS: tuple[tuple[float, str], ...] = (
    (-1.0, "a sign error"),
    (2.0, "an extra factor 2 (or a missing 1/2)"),
    (0.5, "a missing factor 2"),
    (-2.0, "a sign error and an extra factor 2"),
    (-0.5, "a sign error and a missing factor 2"),
    (3.0, "an extra factor 3"),
    (1.0 / 3.0, "a missing factor 3"),
    (4.0, "an extra factor 4"),
    (0.25, "a missing factor 4"),
)
# How close a ratio must come to one of SIMPLE_RATIOS to be called that constant: far looser
# than rounding (1e-16) and far tighter than any coincidence worth a hint.
_RATIO_RTOL = 1e-6


class CaseError(Exception):
    """The user's callable misbehaved on a case (raised, or returned the wrong shape).

    The message says what happened in plain words; ``search`` reports it as ``report.error``.
    """


class Skip(Exception):  # noqa: N818 (it is not an error: the case is simply not checked)
    """The case cannot be checked (the reference is undefined or not smooth there)."""


@dataclass(frozen=True)
class Entry:
    """One number to compare: the reference's ``expected`` and the user's ``got`` at ``index``.

    ``index`` says which number it is (for derivatives: which partial, an int, or a pair (i, j)
    of a second derivative); ``label`` is how a report names it (``∂f/∂x1``).
    """

    index: Hashable
    expected: float
    got: float
    label: str = ""

    def agrees(self, rtol: float, atol: float) -> bool:
        """|got − expected| <= atol + rtol·|expected| (False for a nan or infinite got)."""
        return abs(self.got - self.expected) <= atol + rtol * abs(self.expected)

    @property
    def ratio(self) -> float | None:
        """got / expected, or None when expected is 0 or the quotient is not finite."""
        if self.expected == 0.0:
            return None
        r = self.got / self.expected
        return r if math.isfinite(r) else None


@dataclass(frozen=True)
class Outcome:
    """What ``evaluate`` found on one case: the ``inputs`` as a report shows them, the entries.

    ``show`` is the inputs as text (``x0 = 1.0, x1 = -2.5``); ``extra`` carries whatever else a
    checker wants in its counterexample.
    """

    inputs: Any
    entries: tuple[Entry, ...]
    show: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Counterexample:
    """The smallest failing case found: where ``got`` (the user's) differs from ``expected``.

    ``index`` is the first entry that disagrees (which partial, for a derivative); ``ratio`` is
    got / expected (None where expected is 0). ``entries`` holds every number compared at these
    inputs, agreeing or not.
    """

    inputs: Any
    index: Hashable
    expected: float
    got: float
    ratio: float | None
    label: str = ""
    show: str = ""
    entries: tuple[Entry, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """The result of a search: ``ok``, or a ``counterexample``, or a plain ``error``.

    ``examples`` counts the cases compared (skipped ones not included) up to and including the
    first failing one; ``max_rel_diff`` is the largest ``relative_difference`` over every case
    compared, the shrinker's included. ``hints`` are guesses at the slip behind a
    counterexample. ``str(report)`` is the whole story as text, ready for an assertion message.
    """

    title: str
    ok: bool
    examples: int
    max_rel_diff: float
    rtol: float
    atol: float
    counterexample: Counterexample | None = None
    error: str | None = None
    hints: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        tol = f"rtol={self.rtol:g}, atol={self.atol:g}"
        seen = f"{self.examples} example{'' if self.examples == 1 else 's'}"
        if self.ok:
            return (
                f"{self.title}: ok on {seen} ({tol}); "
                f"largest relative difference {self.max_rel_diff:.3g}"
            )
        lines = [f"{self.title}: FAILED after {seen} ({tol})"]
        if self.error is not None:
            lines.append(self.error)
        c = self.counterexample
        if c is not None:
            lines.append(f"smallest failing input: {c.show or repr(c.inputs)}")
            for e in c.entries:
                mark = "ok " if e.agrees(self.rtol, self.atol) else "BAD"
                ratio = "" if e.ratio is None else f", ratio {e.ratio:.6g}"
                lines.append(
                    f"  {mark} {e.label or e.index}: expected {e.expected!r}, got {e.got!r}{ratio}"
                )
        lines.extend(f"hint: {h}" for h in self.hints)
        return "\n".join(lines)


def relative_difference(e: Entry, rtol: float, atol: float) -> float:
    """|got − expected| / max(|expected|, atol / rtol): an entry agrees when this is <= rtol.

    Below |expected| = atol / rtol the absolute tolerance is the one that matters, so the
    difference is measured against that floor instead of against a tiny or zero expected.
    """
    floor = atol / rtol if rtol > 0.0 else 0.0
    scale = max(abs(e.expected), floor)
    d = abs(e.got - e.expected)
    if scale == 0.0:
        return 0.0 if d == 0.0 else math.inf
    return d / scale if math.isfinite(d) else math.inf


def example_budget(examples: int) -> int:
    """``examples``, capped by the Hypothesis profile in force when one has been loaded.

    Hypothesis's own default profile leaves ``examples`` alone; a loaded profile (such as a
    test suite's quick ``ci`` profile) caps it at that profile's ``max_examples``, exactly as it
    caps every ``@given`` test.
    """
    current = settings.default
    if current is not None and current.max_examples != settings.get_profile("default").max_examples:
        return max(1, min(examples, current.max_examples))
    return examples


class _FailingCaseError(Exception):
    """Raised inside the Hypothesis test on a failing case, carrying it out to ``search``."""

    def __init__(self, case: Any) -> None:
        super().__init__("case fails")
        self.case = case


@dataclass
class _Tally:
    examples: int = 0
    failed: bool = False
    max_rel: float = 0.0
    #: got/expected of the first failing entry of every failing case seen, by entry index.
    ratios: dict[Hashable, list[float | None]] = field(default_factory=dict)


def search(
    cases: st.SearchStrategy[C],
    evaluate: Callable[[C], Outcome],
    *,
    title: str,
    examples: int,
    rtol: float,
    atol: float,
    explain: Callable[[C, Outcome, Counterexample], Sequence[str]] | None = None,
    extra: Mapping[str, Any] | None = None,
    derandomize: bool | None = None,
) -> Report:
    """Draw up to ``examples`` cases from ``cases``; return a Report of how ``evaluate`` fared.

    A case fails when one of its entries does not agree within ``atol + rtol·|expected|``, or
    when ``evaluate`` raises CaseError. On failure Hypothesis shrinks the case; the smallest
    one is evaluated once more, outside Hypothesis, and reported. ``explain`` may add hints of
    its own about the counterexample (the ratio hints and "only one entry disagrees" are given
    here). Settings: no example database, no deadline, every health check off (a checker's
    skips are its own business), and the rest from the Hypothesis profile in force;
    ``derandomize=True`` draws the same cases on every run (a report that can be printed in
    a document), None keeps the profile's choice.
    """
    if examples < 1:
        raise ValueError(f"{title}: examples must be at least 1, got {examples!r}")
    if not (rtol >= 0.0 and atol >= 0.0):
        raise ValueError(f"{title}: rtol and atol must be >= 0, got rtol={rtol!r}, atol={atol!r}")
    tally = _Tally()

    base = settings.default
    if derandomize is not None:
        base = settings(base, derandomize=derandomize)

    @settings(
        parent=base,
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(cases)
    def run(case: C) -> None:
        try:
            outcome = evaluate(case)
        except Skip:
            reject()
        except CaseError:
            tally.failed = True
            raise _FailingCaseError(case) from None
        if not tally.failed:  # the cases compared up to the first failing one, not the shrinker's
            tally.examples += 1
        bad = [e for e in outcome.entries if not e.agrees(rtol, atol)]
        for e in outcome.entries:
            tally.max_rel = max(tally.max_rel, relative_difference(e, rtol, atol))
        if bad:
            tally.failed = True
            tally.ratios.setdefault(bad[0].index, []).append(bad[0].ratio)
            raise _FailingCaseError(case)

    def report(ok: bool, **fields: Any) -> Report:
        return Report(
            title, ok, tally.examples, tally.max_rel, rtol, atol, extra=dict(extra or {}), **fields
        )

    try:
        run()
    except _FailingCaseError as failed:
        return _replay(failed.case, evaluate, tally, explain, report, rtol, atol)
    except Unsatisfiable:
        return report(
            False,
            error=(
                "no input could be checked: every case drawn was skipped (the reference is "
                "undefined or not smooth there); widen or move the domain"
            ),
        )
    except Flaky as error:
        return report(False, error=f"the results were not reproducible: {error}")
    if tally.examples == 0:
        return report(False, error="no input could be checked: every case drawn was skipped")
    return report(True)


def _replay(
    case: C,
    evaluate: Callable[[C], Outcome],
    tally: _Tally,
    explain: Callable[[C, Outcome, Counterexample], Sequence[str]] | None,
    report: Callable[..., Report],
    rtol: float,
    atol: float,
) -> Report:
    """Evaluate the shrunk case again, outside Hypothesis, and describe what really happens."""
    try:
        outcome = evaluate(case)
    except CaseError as error:
        return report(False, error=str(error))
    except Skip:
        return report(False, error=f"the failing case {case!r} is skipped when evaluated again")
    bad = [e for e in outcome.entries if not e.agrees(rtol, atol)]
    if not bad:
        return report(
            False, error=f"the failing case agrees when evaluated again: {outcome.show or case!r}"
        )
    first = bad[0]
    counter = Counterexample(
        outcome.inputs,
        first.index,
        first.expected,
        first.got,
        first.ratio,
        first.label,
        outcome.show,
        outcome.entries,
        dict(outcome.extra),
    )
    hints = _hints(outcome.entries, bad, tally.ratios.get(first.index, []), rtol, atol)
    if explain is not None:
        hints.extend(explain(case, outcome, counter))
    return report(False, counterexample=counter, hints=tuple(hints))


def _simple(ratio: float | None) -> tuple[float, str] | None:
    if ratio is None:
        return None
    for constant, slip in SIMPLE_RATIOS:
        if abs(ratio - constant) <= _RATIO_RTOL * abs(constant):
            return constant, slip
    return None


def _hints(
    entries: Sequence[Entry],
    bad: Sequence[Entry],
    seen: Sequence[float | None],
    rtol: float,
    atol: float,
) -> list[str]:
    """Guesses from the numbers alone: a constant ratio, one wrong entry, two entries swapped."""
    hints = []
    first = bad[0]
    name = first.label or str(first.index)
    simple = _simple(first.ratio)
    if simple is not None:
        constant, slip = simple
        everywhere = all(_simple(r) == simple for r in seen)
        where = (
            f"at all {len(seen)} failing inputs seen" if everywhere and len(seen) > 1 else "here"
        )
        hints.append(f"{name}: got = {constant:g} × expected {where}: {slip}")
    if len(bad) == 1 and len(entries) > 1:
        hints.append(
            f"only {name} disagrees, every other entry agrees: look at that one formula "
            "(a swapped or wrong argument, a slip in one term)"
        )
    for e in bad:
        for other in entries:
            if other.index != e.index and Entry(e.index, other.expected, e.got).agrees(rtol, atol):
                hints.append(
                    f"{e.label or e.index} equals the expected "
                    f"{other.label or other.index}: two partials swapped?"
                )
                break
    return hints
