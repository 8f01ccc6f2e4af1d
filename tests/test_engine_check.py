"""``autograd.check``: ``check_derivative`` judges hand-written derivatives; ``gradcheck(order=2)``.

check_derivative is judged against closed forms written here with ``math``: right derivatives
of functions over every primitive are reported ok; a missing factor 2, a sign error, swapped
arguments and an error only far from 0 are each caught, with a counterexample that is checked
here again (the engine's number against the closed form, the user's against ``df``) and with
the right ratio and hint; second derivatives right and wrong; a ``df`` that raises or returns
the wrong shape is reported in plain words; poles, domain errors and kinks are skipped, not
failed, and so is a df failing only at a kink or a removable singularity of its formula;
inputs are 0 or at least TINY in size; the default number of examples follows the Hypothesis
profile, a chosen one does not. gradcheck(order=2) and gradgradcheck pass on right second
derivatives and name the entry of a wrong one (a row of the table whose partials are wrong
only in graph mode).
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

from autograd import GradcheckError, Value, check_derivative, gradcheck, gradgradcheck, rules
from autograd.check import DEFAULT_DOMAIN, TINY
from tests.support.rules import wrong_partials

# Closed forms differ from the engine's partials by a few roundings; with values of order 1
# to 1e4 that is far inside check_derivative's default rtol=1e-9.


def sech2(t: float) -> float:
    return 1.0 / math.cosh(t) ** 2 if abs(t) < 350.0 else 0.0


def sigma(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t)) if t >= 0.0 else math.exp(t) / (1.0 + math.exp(t))


#: (name, f on Values, its derivative in closed form, domain): one or more per primitive.
RIGHT: list[tuple[str, Callable[..., Value], Callable[..., Any], Any]] = [
    ("add", lambda x, y: x + y, lambda x, y: (1.0, 1.0), None),
    ("sub", lambda x, y: x - 3.0 * y, lambda x, y: (1.0, -3.0), None),
    ("mul", lambda x, y: x * y, lambda x, y: (y, x), None),
    ("div", lambda x, y: x / y, lambda x, y: (1.0 / y, -x / y**2), [(-5.0, 5.0), (0.5, 5.0)]),
    ("pow", lambda x, y: x**y, lambda x, y: (y * x ** (y - 1.0), x**y * math.log(x)), (0.1, 3.0)),
    ("pow_c", lambda x: x**3, lambda x: (3.0 * x**2,), None),
    ("rpow", lambda x: 2.0**x, lambda x: (2.0**x * math.log(2.0),), (-10.0, 10.0)),
    ("neg", lambda x: -x, lambda x: (-1.0,), None),
    ("exp", lambda x: x.exp(), lambda x: (math.exp(x),), None),
    ("log", lambda x: x.log(), lambda x: (1.0 / x,), None),
    ("tanh", lambda x: x.tanh(), lambda x: (sech2(x),), (-5.0, 5.0)),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: (sigma(x) * (1.0 - sigma(x)),), (-5.0, 5.0)),
    ("relu", lambda x: 3.0 * x.relu(), lambda x: (3.0 if x > 0.0 else 0.0,), None),
    ("sum", lambda x, y: Value.sum([x, y, x]), lambda x, y: (2.0, 1.0), None),
    (
        "weighted_sum",
        lambda w, a, b: Value.weighted_sum([w], [a], b),
        lambda w, a, b: (a, w, 1.0),
        None,
    ),
    (
        "weighted_sum_const",
        lambda w, b: Value.weighted_sum([w], [2.5], b),
        lambda w, b: (2.5, 1.0),
        None,
    ),
    (
        "composite",
        lambda x, y: (x * y).tanh() + (x / y).exp(),
        lambda x, y: (
            y * sech2(x * y) + math.exp(x / y) / y,
            x * sech2(x * y) - x / y**2 * math.exp(x / y),
        ),
        [(-2.0, 2.0), (0.5, 3.0)],
    ),
]


@pytest.mark.parametrize(("name", "f", "df", "domain"), RIGHT, ids=[r[0] for r in RIGHT])
def test_right_derivatives_are_reported_ok(
    name: str, f: Callable[..., Value], df: Callable[..., Any], domain: Any
) -> None:
    """Every primitive, with its closed-form derivative: ok, and the report says so."""
    report = check_derivative(f, df, domain=domain)
    assert report.ok, str(report)
    assert report.counterexample is None
    assert report.error is None
    assert report.examples >= 1
    assert report.max_rel_diff <= 1e-9
    assert str(report).startswith("check_derivative (order 1): ok on")


def assert_really_disagrees(report: Any, f: Callable[..., Value], df: Callable[..., Any]) -> None:
    """The counterexample's numbers are what the engine and df give at its inputs, and differ."""
    c = report.counterexample
    assert not report.ok
    assert c is not None, str(report)
    xs = [Value(x) for x in c.inputs]
    engine = [g.data if isinstance(g, Value) else g for g in _grads(f(*xs), xs)]
    assert c.expected == engine[c.index]
    assert c.got == float(df(*c.inputs)[c.index])
    assert abs(c.got - c.expected) > 1e-9 * abs(c.expected) + 1e-12
    assert c.ratio == (c.got / c.expected if c.expected != 0.0 else None)


def _grads(out: Value, xs: list[Value]) -> tuple[Any, ...]:
    from autograd import grad

    return grad(out, xs)


def test_a_missing_factor_2_is_caught_with_ratio_half_and_a_hint() -> None:
    """d(x²)/dx written as x: ratio 0.5 at every failing input, and the hint names it."""

    def f(x: Value) -> Value:
        return x**2

    def df(x: float) -> tuple[float]:
        return (x,)

    report = check_derivative(f, df)
    assert_really_disagrees(report, f, df)
    assert report.counterexample is not None
    assert report.counterexample.ratio == 0.5
    assert report.counterexample.index == 0
    assert "missing factor 2" in str(report)
    assert "∂f/∂x" in str(report)


def test_a_sign_error_is_caught_with_ratio_minus_one() -> None:
    """d(x·e^x)/dx with its sign flipped."""

    def f(x: Value) -> Value:
        return x * x.exp()

    def df(x: float) -> tuple[float]:
        return (-(1.0 + x) * math.exp(x),)

    report = check_derivative(f, df, domain=[(-3.0, 3.0)])
    assert_really_disagrees(report, f, df)
    assert report.counterexample is not None
    assert report.counterexample.ratio == -1.0
    assert "sign error" in str(report)


def test_swapped_arguments_are_caught_and_hinted() -> None:
    """∂(x·y²) computed as if the arguments came in the other order."""

    def f(x: Value, y: Value) -> Value:
        return x * y**2

    def df(x: float, y: float) -> tuple[float, float]:
        return (x**2, 2.0 * x * y)  # the derivative at (y, x)

    report = check_derivative(f, df, domain=[(-3.0, 3.0), (-3.0, 3.0)])
    assert_really_disagrees(report, f, df)
    assert "x and y swapped" in str(report)


def test_a_wrong_argument_in_one_partial_is_pointed_at() -> None:
    """∂(x²·y)/∂y written y² instead of x²: only that partial disagrees, and the hint says so."""

    def f(x: Value, y: Value) -> Value:
        return x**2 * y

    def df(x: float, y: float) -> tuple[float, float]:
        return (2.0 * x * y, y**2)

    report = check_derivative(f, df, domain=[(-3.0, 3.0), (-3.0, 3.0)])
    assert_really_disagrees(report, f, df)
    assert report.counterexample is not None
    assert report.counterexample.index == 1
    assert "only ∂f/∂y disagrees" in str(report)


def test_an_error_only_far_from_zero_is_found_and_shrunk_to_its_edge() -> None:
    """A derivative right for |x| < 20 and doubled beyond: the counterexample is at the edge
    (Hypothesis shrinks floats towards simple numbers: 20.0 or -20.0 exactly)."""

    def f(x: Value) -> Value:
        return x * x * x

    def df(x: float) -> tuple[float]:
        return (3.0 * x * x if abs(x) < 20.0 else 6.0 * x * x,)

    report = check_derivative(f, df)
    assert_really_disagrees(report, f, df)
    c = report.counterexample
    assert c is not None
    assert 20.0 <= abs(c.inputs[0]) <= 21.0, str(report)
    assert c.ratio == 2.0
    assert "factor 2" in str(report)


def test_second_derivatives_right_and_wrong() -> None:
    """The Hessian of x²y + e^(xy) by hand; then with ∂²/∂x∂y halved in both places."""

    def f(x: Value, y: Value) -> Value:
        return x * x * y + (x * y).exp()

    def hessian(x: float, y: float) -> tuple[tuple[float, float], tuple[float, float]]:
        e = math.exp(x * y)
        cross = 2.0 * x + e * (1.0 + x * y)
        return ((2.0 * y + y * y * e, cross), (cross, x * x * e))

    def wrong(x: float, y: float) -> tuple[tuple[float, float], tuple[float, float]]:
        (a, b), (c, d) = hessian(x, y)
        return ((a, b / 2.0), (c / 2.0, d))

    domain = [(-2.0, 2.0), (-2.0, 2.0)]
    ok = check_derivative(f, hessian, domain=domain, order=2)
    assert ok.ok, str(ok)
    assert str(ok).startswith("check_derivative (order 2): ok")
    bad = check_derivative(f, wrong, domain=domain, order=2)
    c = bad.counterexample
    assert not bad.ok
    assert c is not None, str(bad)
    assert c.index == (0, 1)
    assert c.expected == pytest.approx(hessian(*c.inputs)[0][1], rel=1e-12)
    assert c.ratio == pytest.approx(0.5, rel=1e-12)
    assert "∂²f/∂x∂y" in str(bad)


def test_second_derivatives_accept_a_numpy_matrix() -> None:
    """df may return a 2-D array (and first partials a 1-D one)."""

    def f(x: Value, y: Value) -> Value:
        return x**3 * y

    first = check_derivative(f, lambda x, y: np.array([3 * x**2 * y, x**3]), domain=(-2.0, 2.0))
    second = check_derivative(
        f, lambda x, y: np.array([[6 * x * y, 3 * x**2], [3 * x**2, 0.0]]), domain=(-2, 2), order=2
    )
    assert first.ok, str(first)
    assert second.ok, str(second)


@pytest.mark.parametrize(
    ("df", "order", "message"),
    [
        (lambda x, y: (1.0 / 0.0, 0.0), 1, "df raised ZeroDivisionError: float division by zero"),
        (lambda x, y: (y,), 1, "df returned 1 value where 2 first partials"),
        (lambda x, y: (y, x, 1.0), 1, "df returned 3 values where 2 first partials"),
        (lambda x, y: "y, x", 1, "df must return 2 first partials"),
        (lambda x, y: None, 1, "df must return 2 first partials"),
        (lambda x, y: (y, "x"), 1, "df must return numbers, got str"),
        (lambda x, y: (y, x), 2, "df must return the 2 × 2 matrix of second partials"),
        (lambda x, y: ((0.0, 1.0),), 2, "df returned 1 value where 2 rows of second partials"),
    ],
)
def test_a_misbehaving_df_is_reported_plainly(
    df: Callable[..., Any], order: int, message: str
) -> None:
    """No traceback, no Hypothesis output: the report says what df did, at which input."""
    report = check_derivative(lambda x, y: x * y, df, domain=(-1.0, 1.0), order=order)
    assert not report.ok
    assert report.counterexample is None
    assert report.error is not None
    text = str(report)
    assert message in text, text
    assert "at x = " in text
    assert "Traceback" not in text
    assert "hypothesis" not in text.lower()


def test_f_returning_a_float_is_reported_plainly() -> None:
    def constant(x: Value) -> Any:
        return 2.0

    report = check_derivative(constant, lambda x: (0.0,), domain=(-1.0, 1.0))
    assert not report.ok
    assert report.error is not None
    assert "f must return a Value, got float" in report.error


def test_poles_and_domain_errors_are_skipped_not_failed() -> None:
    """1/x, log x and x^0.5 over domains that include where they are undefined."""
    cases: list[tuple[Callable[..., Value], Callable[..., Any]]] = [
        (lambda x: 1.0 / x, lambda x: (-1.0 / x**2,)),
        (lambda x: x.log(), lambda x: (1.0 / x,)),
        (lambda x: x**0.5, lambda x: (0.5 / math.sqrt(x),)),
        (lambda x: (x * 800.0).exp(), lambda x: (800.0 * math.exp(800.0 * x),)),  # overflow
    ]
    for f, df in cases:
        report = check_derivative(f, df, domain=(-2.0, 2.0))
        assert report.ok, str(report)


def test_kinks_are_skipped_not_failed() -> None:
    """relu's derivative at 0 is a convention: a df that takes 1 there is not wrong. |x − y|
    made of two relus has a kink along the whole diagonal, where Hypothesis likes to draw."""
    relu = check_derivative(lambda x: x.relu(), lambda x: (1.0 if x >= 0.0 else 0.0,))
    assert relu.ok, str(relu)

    def distance(x: Value, y: Value) -> Value:
        return (x - y).relu() + (y - x).relu()

    def d_distance(x: float, y: float) -> tuple[float, float]:
        s = 1.0 if x >= y else -1.0
        return (s, -s)

    report = check_derivative(distance, d_distance, domain=(-3.0, 3.0))
    assert report.ok, str(report)
    # The same kink in f', for the second order: relu(x)² has f'' = 2 or 0.
    second = check_derivative(
        lambda x: x.relu() ** 2, lambda x: 2.0 if x >= 0.0 else 0.0, domain=(-3.0, 3.0), order=2
    )
    assert second.ok, str(second)


def test_a_df_that_fails_only_at_a_kink_or_a_removable_singularity_is_not_blamed() -> None:
    """|x| as relu(x) + relu(−x), its derivative as x / |x|: ZeroDivisionError at 0 only, where
    |x| has no derivative anyway. x² with 2x written 2x²/x: a removable singularity of the
    formula at 0, with df working right beside it. A df failing in a whole region (x > 1)
    or everywhere is reported, on the smallest input of the region."""
    report = check_derivative(lambda x: x.relu() + (-x).relu(), lambda x: (x / abs(x),))
    assert report.ok, str(report)
    removable = check_derivative(lambda x: x * x, lambda x: (2.0 * x * x / x,))
    assert removable.ok, str(removable)

    def fails_above_1(x: float) -> tuple[float]:
        return (2.0 * x,) if x <= 1.0 else (math.log(-x),)

    region = check_derivative(lambda x: x * x, fails_above_1, domain=(-3.0, 3.0))
    assert region.error is not None
    assert "df raised ValueError: math domain error" in region.error
    where = re.search(r"at x = (\S+)", region.error)
    assert where is not None
    assert 1.0 < float(where.group(1)) <= 3.0  # inside the region (shrinking likes 2.0)
    everywhere = check_derivative(lambda x: x * x, lambda x: (1.0 / 0.0,))
    assert everywhere.error is not None
    assert "df raised ZeroDivisionError" in everywhere.error


def test_no_input_is_drawn_next_to_zero_but_zero_is() -> None:
    """Inputs are 0 or at least TINY in size, so that x², 1/x³ of a hand formula stay finite."""
    seen: list[float] = []

    def record(x: float) -> tuple[float]:
        seen.append(x)
        return (2.0 * x,)

    assert check_derivative(lambda x: x * x, record, examples=200).ok
    assert 0.0 in seen
    assert all(x == 0.0 or abs(x) >= TINY for x in seen)
    assert any(0.0 < abs(x) < 1e-3 for x in seen)  # small numbers are still drawn


def test_a_df_of_one_argument_may_give_its_second_derivative_in_any_shape() -> None:
    """A bare number, (f'',) or ((f'',),) for a function of one argument."""
    for shape in (lambda v: v, lambda v: (v,), lambda v: ((v,),)):
        report = check_derivative(
            lambda x: x**3, lambda x, shape=shape: shape(6.0 * x), domain=(-3.0, 3.0), order=2
        )
        assert report.ok, str(report)


def test_a_wrong_derivative_next_to_a_kink_is_still_caught() -> None:
    """Skipping kinks must not hide an error just beside one: relu' given as 0.5 for x > 0."""
    report = check_derivative(lambda x: x.relu(), lambda x: (0.5 if x > 0.0 else 0.0,))
    assert report.counterexample is not None, str(report)
    assert report.counterexample.inputs[0] > 0.0
    assert report.counterexample.ratio == 0.5


def test_the_default_number_of_examples_follows_the_profile_a_chosen_one_does_not() -> None:
    """The suite's profile caps the default 200; a number passed runs as it is, unless
    respect_profile=True; respect_profile=False lifts the cap from the default too."""
    profile = settings.default
    assert profile is not None
    cap = profile.max_examples

    def run(**options: Any) -> int:
        return check_derivative(lambda x: x * x, lambda x: (2.0 * x,), **options).examples

    assert run() == min(200, cap)
    assert run(examples=7) == 7
    assert run(examples=250) == 250
    assert run(examples=250, respect_profile=True) == min(250, cap)
    assert run(respect_profile=False) == 200
    assert inspect.signature(check_derivative).parameters["examples"].default == 200


def test_the_default_domain_and_argument_names() -> None:
    """Inputs come from DEFAULT_DOMAIN; a report names the arguments as f does."""
    lo, hi = DEFAULT_DOMAIN
    report = check_derivative(lambda rate, t: rate * t, lambda rate, t: (t, 2.0 * rate))
    c = report.counterexample
    assert c is not None
    assert all(lo <= x <= hi for x in c.inputs)
    assert "rate = " in str(report)
    assert "∂f/∂t" in str(report)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"order": 3}, ValueError, "order must be 1 or 2, got 3"),
        ({"domain": [(0.0, 1.0)]}, ValueError, "domain has 1 .* but f takes 2 arguments"),
        ({"domain": [(1.0, 0.0), (0.0, 1.0)]}, ValueError, "argument 0 must be finite"),
        ({"domain": (0.0, math.inf)}, ValueError, "must be finite with low <= high"),
        ({"examples": 0}, ValueError, "examples must be at least 1"),
        ({"rtol": -1.0}, ValueError, "rtol and atol must be >= 0"),
    ],
)
def test_bad_arguments_are_refused_up_front(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        check_derivative(lambda x, y: x * y, lambda x, y: (y, x), **kwargs)


def test_a_variadic_f_needs_a_domain() -> None:
    def f(*xs: Value) -> Value:
        return Value.sum(xs)

    with pytest.raises(TypeError, match="cannot tell how many arguments f takes"):
        check_derivative(f, lambda *xs: (1.0,) * len(xs))
    assert check_derivative(f, lambda *xs: (1.0,) * len(xs), domain=[(-1.0, 1.0)] * 3).ok


def test_an_input_f_ignores_has_a_zero_partial() -> None:
    """A structurally zero gradient (f does not use y) is 0, whatever grad does with it."""
    assert check_derivative(lambda x, y: x * 2.0, lambda x, y: (2.0, 0.0)).ok
    assert check_derivative(lambda x, y: x * x, lambda x, y: ((2.0, 0.0), (0.0, 0.0)), order=2).ok


# ---------------------------------------------------------------------------------------------
# gradcheck(order=2): the engine's second derivatives against central differences.


def test_gradcheck_order_2_passes_on_right_second_derivatives() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + (x / y).exp(), [0.3, 1.7], order=2)
    assert gradcheck(lambda x: x.sigmoid() * x.log(), [0.8], order=2)
    assert gradcheck(lambda x, y: x**y, [1.3, 0.7], order=2)
    assert gradcheck(
        lambda w, b: Value.weighted_sum([w, b], [w, 2.0], b).tanh(), [0.4, -0.2], order=2
    )


def test_gradcheck_order_2_names_the_entry_of_a_wrong_second_derivative() -> None:
    """tanh's partial right on floats but doubled on Values (the graph that second derivatives
    differentiate): first derivatives pass, the second ones fail, and the report names
    entry (0, 0) with the engine's number and the central difference."""
    right = rules.TANH.partials

    def graph_mode_wrong(out: Any, x: Any) -> tuple[Any, ...]:
        (d,) = right(out, x)
        return (d if isinstance(x, float) else 2.0 * d,)

    def f(x: Value, y: Value) -> Value:
        return x.tanh() * y

    with wrong_partials(rules.TANH, graph_mode_wrong):
        assert gradcheck(f, [0.5, 1.5])
        with pytest.raises(GradcheckError, match=r"second derivatives disagree for") as info:
            gradcheck(f, [0.5, 1.5], order=2)
    message = str(info.value)
    found = re.search(
        r"entry \(0, 0\) .*: engine (\S+), central difference of ∂f/∂x_0 (\S+)", message
    )
    assert found is not None, message
    # tanh'' = −2 tanh sech²: the central difference is that (times y), the engine's doubled.
    # The difference of first derivatives is accurate to about 1e-9 here.
    true = -2.0 * math.tanh(0.5) * sech2(0.5) * 1.5
    assert float(found.group(1)) == pytest.approx(2.0 * true, rel=1e-12)
    assert float(found.group(2)) == pytest.approx(true, rel=1e-7)
    assert gradcheck(f, [0.5, 1.5], order=2)  # restored


def test_gradcheck_refuses_other_orders() -> None:
    with pytest.raises(ValueError, match="order must be 1 or 2, got 3"):
        gradcheck(lambda x: x * x, [1.0], order=3)


def test_gradgradcheck_is_gradcheck_of_order_2() -> None:
    """PyTorch's name: the same check, the same report on a wrong second derivative."""
    assert gradgradcheck(lambda x, y: (x * y).tanh(), [0.3, 1.7])
    right = rules.TANH.partials

    def graph_mode_wrong(out: Any, x: Any) -> tuple[Any, ...]:
        (d,) = right(out, x)
        return (d if isinstance(x, float) else 2.0 * d,)

    with (
        wrong_partials(rules.TANH, graph_mode_wrong),
        pytest.raises(GradcheckError, match=r"second derivatives disagree for .* of 4 entries"),
    ):
        gradgradcheck(lambda x, y: x.tanh() * y, [0.5, 1.5])
