"""``autograd.pytest_plugin``, run by pytest itself on throwaway test files (pytester).

The plugin is found through the installed ``pytest11`` entry point, and with ``-p`` when entry
points are not loaded (then, without ``-p``, the fixture is missing: proof that ``-p`` is what
loaded it). A right derivative passes; a wrong one fails with the report's text (the shrunk
input, the ratio, the hint) as the assertion message and without a traceback from inside
Hypothesis; ``--chainrule-examples N`` sets the number of examples of every check.
"""

from __future__ import annotations

import pytest

THROWAWAY = """
import math


def test_right(derivative_check):
    report = derivative_check(lambda x: x * x.exp(), lambda x: ((1.0 + x) * math.exp(x),),
                              domain=[(-5.0, 5.0)])
    assert report.ok


def test_wrong(derivative_check):
    derivative_check(lambda x: x ** 2, lambda x: (x,))
"""

COUNTS = """
def test_count(derivative_check):
    report = derivative_check(lambda x, y: x * y, lambda x, y: (y, x), examples=3)
    print("EXAMPLES", report.examples)
"""


def test_the_entry_point_loads_the_plugin(pytester: pytest.Pytester) -> None:
    """No -p: the installed entry point provides the fixture; the wrong derivative fails with
    the report as its message."""
    pytester.makepyfile(test_throwaway=THROWAWAY)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: check_derivative (order 1): FAILED after *",
            "*smallest failing input: x = *",
            "*BAD ∂f/∂x: expected *, got *, ratio 0.5",
            "*hint: ∂f/∂x: got = 0.5 × expected * a missing factor 2",
        ]
    )
    output = result.stdout.str()
    assert "hypothesis/core.py" not in output
    assert "Falsifying example" not in output


def test_a_separate_pytest_process_finds_the_plugin_too(pytester: pytest.Pytester) -> None:
    """As a user's `pytest` would: a fresh interpreter, the installed entry point."""
    pytester.makepyfile(test_throwaway=THROWAWAY)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*hint: ∂f/∂x: got = 0.5 × expected * a missing factor 2"])


def test_dash_p_loads_the_plugin_without_entry_points(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(test_throwaway=THROWAWAY)
    without = pytester.runpytest()
    without.assert_outcomes(errors=2)
    without.stdout.fnmatch_lines(["*fixture 'derivative_check' not found*"])
    with_p = pytester.runpytest("-p", "autograd.pytest_plugin")
    with_p.assert_outcomes(passed=1, failed=1)
    with_p.stdout.fnmatch_lines(["*hint: ∂f/∂x: got = 0.5 × expected * a missing factor 2"])


def test_chainrule_examples_sets_the_number_of_examples(pytester: pytest.Pytester) -> None:
    """The option overrides the test's own examples=3 (and the profile's cap)."""
    pytester.makepyfile(test_counts=COUNTS)
    default = pytester.runpytest("-s")
    default.assert_outcomes(passed=1)
    default.stdout.fnmatch_lines(["*EXAMPLES 3"])
    many = pytester.runpytest("-s", "--chainrule-examples", "250")
    many.assert_outcomes(passed=1)
    many.stdout.fnmatch_lines(["*EXAMPLES 250"])


def test_chainrule_examples_must_be_positive(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_counts=COUNTS)
    result = pytester.runpytest("--chainrule-examples", "0")
    result.stderr.fnmatch_lines(["*--chainrule-examples needs a number of examples >= 1, got 0*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_the_option_is_listed_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--chainrule-examples=N*"])
