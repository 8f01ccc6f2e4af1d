"""chainrule's pytest plugin: the ``derivative_check`` fixture and ``--chainrule-examples N``.

Installed with chainrule, pytest loads it by itself (the ``pytest11`` entry point); without the
installed entry point, load it with ``pytest -p autograd.pytest_plugin``. In a test:

    def test_my_derivative(derivative_check):
        derivative_check(lambda x: x * x.exp(), lambda x: ((1 + x) * math.exp(x),))

``derivative_check(f, df, **options)`` runs ``autograd.check_derivative(f, df, **options)``
and fails the test with the report's text as the assertion message when it is not ok; it
returns the report otherwise. ``--chainrule-examples N`` sets the number of examples of every
such check in the run, beyond the Hypothesis profile's cap and a test's own ``examples=``: a
quick default for CI, a thorough run on demand (``pytest --chainrule-examples 5000``).

The plugin imports nothing that chainrule's engine does not already need; Hypothesis is
imported when a check runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from autograd.check import check_derivative

if TYPE_CHECKING:
    from autograd.property import Report

__all__ = ["derivative_check", "pytest_addoption", "pytest_configure"]

OPTION = "--chainrule-examples"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--chainrule-examples N``."""
    group = parser.getgroup("chainrule", "chainrule derivative checks")
    group.addoption(
        OPTION,
        type=int,
        default=None,
        metavar="N",
        help=(
            "number of examples for every derivative_check (default: check_derivative's own, "
            "capped by the Hypothesis profile in force)"
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a bad ``--chainrule-examples`` before any test runs."""
    _examples(config)


def _examples(config: pytest.Config) -> int | None:
    n = config.getoption(OPTION)
    if n is not None and n < 1:
        raise pytest.UsageError(f"{OPTION} needs a number of examples >= 1, got {n}")
    return n if n is None else int(n)


@pytest.fixture
def derivative_check(request: pytest.FixtureRequest) -> Callable[..., Report]:
    """``check(f, df, **options)``: check_derivative that fails the test with its report."""
    examples = _examples(request.config)

    def check(f: Callable[..., Any], df: Callable[..., Any], **options: Any) -> Report:
        __tracebackhide__ = True
        if examples is not None:
            options["examples"] = examples
            options["respect_profile"] = False
        report = check_derivative(f, df, **options)
        if not report.ok:
            raise AssertionError(str(report))
        return report

    return check
