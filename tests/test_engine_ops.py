"""Every primitive of the engine, one at a time, against independent oracles.

One catalogue of test functions (unary and binary) that run on floats and on ``Value``s alike;
each entry carries the reference forward value from ``math`` and closed-form first, second and
third derivatives written here by hand. Hypothesis draws the points; ``parametrize`` runs each
property over the whole catalogue:

- forward: the float and the Value evaluations agree with ``math``;
- backward: ``.grad`` agrees with the closed form, and with the package's central difference
  of the very same function run on floats;
- higher derivatives: ``grad(grad(f, x, create_graph=True)[0], x)`` and a third level;
- each row of ``autograd.rules``: its ``partials`` against central differences of its
  ``forward``;
- ``Value.sum`` and ``Value.weighted_sum`` (constant inputs and Value inputs).

Tolerances (see ``close`` and ``central_tolerance``): closed form against engine within
``REL`` = 1e-13 relative (the engine and the closed form round differently, by a few ulps per
operation), with an absolute floor for values that are a difference of larger terms; central
differences within the bound derived from their step in ``central_tolerance``.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, central_difference, grad, no_grad, rules
from autograd.rules import Rule
from tests.strategies import moderate, nonzero, positive, reals, value_lists, values
from tests.support.numbers import close

EPS = sys.float_info.epsilon  # 2.2e-16, one ulp of 1.0


def central_tolerance(
    f: Callable[[float], float], x: float, third: Callable[[float], float], size: float
) -> float:
    """Bound on |central_difference(f, x) − f'(x)| with the default step.

    With h = 1e-6·max(1, |x|) (the step ``central_difference`` takes):
    truncation: (f(x+h) − f(x−h))/2h = f'(x) + h²/6·f'''(ξ) for some |ξ − x| <= h, and
    |f'''(ξ)| is bounded by twice the largest of |f'''| at x − h, x, x + h (h is far smaller
    than the distance to any pole in our domains, so f''' barely changes over [x−h, x+h]);
    rounding: each evaluation is within 4 ulps of ``size`` (the largest intermediate of the
    formula at x, |f(x)| for most) or of |f(x ± h)|, so the difference is within 4·EPS·size
    and the quotient within 4·EPS·size/(2h), plus half an ulp of the quotient itself; results
    below the smallest normal float (underflow) are only accurate to that absolute amount.
    """
    h = 1e-6 * max(1.0, abs(x))
    m3 = max(abs(third(x - h)), abs(third(x)), abs(third(x + h)))
    size = max(size, abs(f(x - h)), abs(f(x + h)))
    derivative = abs(central_difference(f, x))
    rounding = 4.0 * EPS * size / (2.0 * h) + EPS * derivative + sys.float_info.min
    return h * h / 6.0 * 2.0 * m3 + rounding


def grad1(f: Callable[[Value], Value], x: float) -> float:
    """df/dx by backward() on a fresh leaf."""
    v = Value(x)
    f(v).backward()
    return float(v.grad)


def nth_derivative(f: Callable[[Value], Value], x: float, n: int) -> float:
    """dⁿf/dxⁿ by differentiating the derivative's own graph n − 1 times."""
    v = Value(x)
    y = f(v)
    # A derivative that came out constant (f'' of x*x) no longer depends on x: allow_unused
    # makes its derivative 0 instead of an error.
    for _ in range(n - 1):
        (y,) = grad(y, v, create_graph=True, allow_unused=True)
    (d,) = grad(y, v, allow_unused=True)
    return float(d)


# ---------------------------------------------------------------------------------------------
# The catalogue.

R = Callable[[float], float]


@dataclass(frozen=True)
class Unary:
    """f(x) with its reference value and derivatives; ``f`` runs on floats and on Values."""

    name: str
    f: Callable[[Any], Any]
    ref: R
    d1: R
    d2: R
    d3: R
    domain: st.SearchStrategy[float]
    op: str  # the Value.op of the result
    #: Size of the terms whose difference is d2 or d3 (their cancellation sets the error).
    scale: R = lambda x: 1.0
    #: For x ** c with a constant c: c (its row is ``rules.power_rule(c)``).
    exponent: float | None = None


def _zero(x: float) -> float:
    return 0.0


def _sech2(x: float) -> float:
    return 1.0 / math.cosh(x) ** 2


def _dsigmoid(x: float) -> float:
    """σ'(x) = e^-|x| / (1 + e^-|x|)² (σ' is even), accurate where σ saturates."""
    e = math.exp(-abs(x))
    return e / (1.0 + e) ** 2


def _monomial(k: float, p: float) -> R:
    """x ↦ k·x^p, and the zero function for k = 0 (where x^p may not even exist at x = 0)."""
    if k == 0.0:
        return _zero
    return lambda x: k * math.pow(x, p)


def _power(c: float, domain: st.SearchStrategy[float], ref: R | None = None) -> Unary:
    """x ** c: c x^(c−1), c(c−1) x^(c−2), c(c−1)(c−2) x^(c−3)."""
    return Unary(
        f"x**{c:g}",
        lambda x: x**c,
        ref or (lambda x: math.pow(x, c)),
        _monomial(c, c - 1.0),
        _monomial(c * (c - 1.0), c - 2.0),
        _monomial(c * (c - 1.0) * (c - 2.0), c - 3.0),
        domain,
        f"**{c:g}",
        exponent=c,
    )


LN2 = math.log(2.0)
LN10 = math.log(10.0)


def _method(name: str) -> Callable[[Any], Any]:
    """x ↦ x.name() on a Value, and the float function of that name on a float."""
    on_float = {"abs": abs}.get(name) or getattr(math, name, None) or getattr(rules, f"f_{name}")

    def f(x: Any) -> Any:
        return getattr(x, name)() if isinstance(x, Value) else on_float(x)

    return f


UNARY: list[Unary] = [
    Unary("neg", lambda x: -x, lambda x: -x, lambda x: -1.0, _zero, _zero, moderate, "neg"),
    Unary("exp", rules.exp, math.exp, math.exp, math.exp, math.exp, reals(-10.0, 10.0), "exp"),
    Unary(
        "log", rules.log, math.log,
        lambda x: 1.0 / x, lambda x: -1.0 / x**2, lambda x: 2.0 / x**3,
        reals(0.05, 50.0), "log",
    ),
    # tanh' = sech², tanh'' = −2 tanh sech², tanh''' = 2 sech² (3 tanh² − 1).
    Unary(
        "tanh", rules.tanh, math.tanh,
        _sech2,
        lambda x: -2.0 * math.tanh(x) * _sech2(x),
        lambda x: 2.0 * _sech2(x) * (3.0 * math.tanh(x) ** 2 - 1.0),
        reals(-20.0, 20.0), "tanh",
    ),
    # σ' as above, σ'' = σ'(1 − 2σ) = −σ' tanh(x/2), σ''' = σ'(1 − 6σ').
    Unary(
        "sigmoid", rules.sigmoid, lambda x: 1.0 / (1.0 + math.exp(-x)),
        _dsigmoid,
        lambda x: -_dsigmoid(x) * math.tanh(x / 2.0),
        lambda x: _dsigmoid(x) * (1.0 - 6.0 * _dsigmoid(x)),
        reals(-30.0, 30.0), "sigmoid",
    ),
    Unary(
        "relu", rules.relu, lambda x: max(x, 0.0),
        lambda x: 1.0 if x > 0.0 else 0.0, _zero, _zero,
        nonzero, "relu",
    ),
    _power(2.0, moderate),
    _power(3.0, moderate),
    _power(0.5, positive, math.sqrt),
    _power(1.5, positive),
    _power(-1.0, nonzero, lambda x: 1.0 / x),
    _power(-2.0, nonzero),
    _power(0.0, moderate, lambda x: 1.0),
    _power(1.0, moderate, lambda x: x),
    # 2 ** x: a number base, a Value exponent (the '**' row with its exponent's gradient).
    Unary(
        "2**x", lambda x: 2.0**x, lambda x: math.pow(2.0, x),
        lambda x: math.pow(2.0, x) * LN2,
        lambda x: math.pow(2.0, x) * LN2**2,
        lambda x: math.pow(2.0, x) * LN2**3,
        moderate, "**",
    ),
    # x * x: one node with the same parent twice.
    Unary("x*x", lambda x: x * x, lambda x: x * x, lambda x: 2.0 * x, lambda x: 2.0, _zero,
          moderate, "*"),
    # The functions of the engine issue, each with f', f'' and f''' written by hand.
    Unary("sin", rules.sin, math.sin, math.cos, lambda x: -math.sin(x),
          lambda x: -math.cos(x), reals(-10.0, 10.0), "sin"),
    Unary("cos", rules.cos, math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x),
          math.sin, reals(-10.0, 10.0), "cos"),
    # tan' = sec² = 1 + tan², tan'' = 2 tan sec², tan''' = 2 sec² (1 + 3 tan²).
    Unary("tan", _method("tan"), math.tan, lambda x: 1.0 + math.tan(x) ** 2,
          lambda x: 2.0 * math.tan(x) * (1.0 + math.tan(x) ** 2),
          lambda x: 2.0 * (1.0 + math.tan(x) ** 2) * (1.0 + 3.0 * math.tan(x) ** 2),
          reals(-1.4, 1.4), "tan", scale=lambda x: (1.0 + math.tan(x) ** 2) ** 2),
    # asin' = (1 − x²)^(−1/2), asin'' = x (1 − x²)^(−3/2), asin''' = (1 + 2x²)(1 − x²)^(−5/2).
    Unary("asin", _method("asin"), math.asin, lambda x: (1.0 - x * x) ** -0.5,
          lambda x: x * (1.0 - x * x) ** -1.5,
          lambda x: (1.0 + 2.0 * x * x) * (1.0 - x * x) ** -2.5,
          reals(-0.95, 0.95), "asin", scale=lambda x: (1.0 - x * x) ** -2.5),
    Unary("acos", _method("acos"), math.acos, lambda x: -((1.0 - x * x) ** -0.5),
          lambda x: -x * (1.0 - x * x) ** -1.5,
          lambda x: -(1.0 + 2.0 * x * x) * (1.0 - x * x) ** -2.5,
          reals(-0.95, 0.95), "acos", scale=lambda x: (1.0 - x * x) ** -2.5),
    # atan' = 1/(1 + x²), atan'' = −2x/(1 + x²)², atan''' = (6x² − 2)/(1 + x²)³.
    Unary("atan", _method("atan"), math.atan, lambda x: 1.0 / (1.0 + x * x),
          lambda x: -2.0 * x / (1.0 + x * x) ** 2,
          lambda x: (6.0 * x * x - 2.0) / (1.0 + x * x) ** 3,
          reals(-10.0, 10.0), "atan"),
    Unary("sinh", rules.sinh, math.sinh, math.cosh, math.sinh, math.cosh,
          reals(-10.0, 10.0), "sinh", scale=math.cosh),
    Unary("cosh", rules.cosh, math.cosh, math.sinh, math.cosh, math.sinh,
          reals(-10.0, 10.0), "cosh", scale=math.cosh),
    # asinh' = (1 + x²)^(−1/2), asinh'' = −x (1 + x²)^(−3/2), asinh''' = (2x² − 1)(1 + x²)^(−5/2).
    Unary("asinh", _method("asinh"), math.asinh, lambda x: (1.0 + x * x) ** -0.5,
          lambda x: -x * (1.0 + x * x) ** -1.5,
          lambda x: (2.0 * x * x - 1.0) * (1.0 + x * x) ** -2.5,
          reals(-10.0, 10.0), "asinh"),
    # acosh' = (x² − 1)^(−1/2), acosh'' = −x (x² − 1)^(−3/2), acosh''' = (2x² + 1)(x² − 1)^(−5/2).
    Unary("acosh", _method("acosh"), math.acosh, lambda x: (x * x - 1.0) ** -0.5,
          lambda x: -x * (x * x - 1.0) ** -1.5,
          lambda x: (2.0 * x * x + 1.0) * (x * x - 1.0) ** -2.5,
          reals(1.05, 20.0), "acosh", scale=lambda x: (x * x - 1.0) ** -2.5),
    # atanh' = 1/(1 − x²), atanh'' = 2x/(1 − x²)², atanh''' = (2 + 6x²)/(1 − x²)³.
    Unary("atanh", _method("atanh"), math.atanh, lambda x: 1.0 / (1.0 - x * x),
          lambda x: 2.0 * x / (1.0 - x * x) ** 2,
          lambda x: (2.0 + 6.0 * x * x) / (1.0 - x * x) ** 3,
          reals(-0.95, 0.95), "atanh", scale=lambda x: (1.0 - x * x) ** -3),
    Unary("sqrt", rules.sqrt, math.sqrt, lambda x: 0.5 * x**-0.5, lambda x: -0.25 * x**-1.5,
          lambda x: 0.375 * x**-2.5, positive, "sqrt", scale=lambda x: x**-2.5),
    Unary("abs", _method("abs"), abs, lambda x: 1.0 if x > 0.0 else -1.0, _zero, _zero,
          nonzero, "abs"),
    Unary("log1p", _method("log1p"), math.log1p, lambda x: 1.0 / (1.0 + x),
          lambda x: -1.0 / (1.0 + x) ** 2, lambda x: 2.0 / (1.0 + x) ** 3,
          reals(-0.95, 20.0), "log1p", scale=lambda x: (1.0 + x) ** -3),
    Unary("expm1", _method("expm1"), math.expm1, math.exp, math.exp, math.exp,
          reals(-10.0, 10.0), "expm1", scale=math.exp),
    Unary("log2", _method("log2"), math.log2, lambda x: 1.0 / (x * LN2),
          lambda x: -1.0 / (x * x * LN2), lambda x: 2.0 / (x**3 * LN2),
          reals(0.05, 50.0), "log2", scale=lambda x: x**-3),
    Unary("log10", _method("log10"), math.log10, lambda x: 1.0 / (x * LN10),
          lambda x: -1.0 / (x * x * LN10), lambda x: 2.0 / (x**3 * LN10),
          reals(0.05, 50.0), "log10", scale=lambda x: x**-3),
    # softplus' = σ, softplus'' = σ', softplus''' = σ'' (with σ' and σ'' as above).
    Unary("softplus", _method("softplus"), lambda x: math.log1p(math.exp(x)),
          lambda x: 1.0 / (1.0 + math.exp(-x)), _dsigmoid,
          lambda x: -_dsigmoid(x) * math.tanh(x / 2.0),
          reals(-30.0, 30.0), "softplus"),
]  # fmt: skip


@dataclass(frozen=True)
class Binary:
    """f(x, y) with its reference value, gradient and Hessian; ``f`` runs on floats and Values."""

    name: str
    f: Callable[[Any, Any], Any]
    ref: Callable[[float, float], float]
    dx: Callable[[float, float], float]
    dy: Callable[[float, float], float]
    dxx: Callable[[float, float], float]
    dxy: Callable[[float, float], float]
    dyy: Callable[[float, float], float]
    domain: st.SearchStrategy[tuple[float, float]]
    op: str
    #: Size of the terms whose difference is a second derivative.
    scale: Callable[[float, float], float] = lambda x, y: 1.0
    #: ∂³f/∂x³ and ∂³f/∂y³ where they are not 0 (they bound the central differences' error).
    dxxx: Callable[[float, float], float] | None = None
    dyyy: Callable[[float, float], float] | None = None


def _c0(x: float, y: float) -> float:
    return 0.0


def _c1(x: float, y: float) -> float:
    return 1.0


def _binary(name: str) -> Callable[[Any, Any], Any]:
    """(x, y) ↦ Value.name(x, y) when either is a Value, math's (or the builtin) on floats."""
    on_float = {"max": max, "min": min}.get(name) or getattr(math, name)
    on_value = getattr(Value, name)

    def f(x: Any, y: Any) -> Any:
        if isinstance(x, Value) or isinstance(y, Value):
            return on_value(x, y)
        return on_float(x, y)

    return f


_off_origin = st.tuples(moderate, moderate).filter(lambda p: math.hypot(*p) > 0.3)
_untied = st.tuples(moderate, moderate).filter(lambda p: abs(p[0] - p[1]) > 1e-3)


BINARY: list[Binary] = [
    Binary("add", lambda x, y: x + y, lambda x, y: math.fsum([x, y]),
           _c1, _c1, _c0, _c0, _c0, st.tuples(moderate, moderate), "+"),
    Binary("sub", lambda x, y: x - y, lambda x, y: math.fsum([x, -y]),
           _c1, lambda x, y: -1.0, _c0, _c0, _c0, st.tuples(moderate, moderate), "-"),
    Binary("mul", lambda x, y: x * y, lambda x, y: x * y,
           lambda x, y: y, lambda x, y: x, _c0, _c1, _c0, st.tuples(moderate, moderate), "*"),
    # x / y: 1/y, −x/y²; second: 0, −1/y², 2x/y³.
    Binary("div", lambda x, y: x / y, lambda x, y: x / y,
           lambda x, y: 1.0 / y, lambda x, y: -x / y**2,
           _c0, lambda x, y: -1.0 / y**2, lambda x, y: 2.0 * x / y**3,
           st.tuples(moderate, nonzero), "/", dyyy=lambda x, t: -6.0 * x / t**4),
    # x ** y: y x^(y−1), x^y ln x; second: y(y−1) x^(y−2), x^(y−1)(1 + y ln x), x^y ln² x.
    Binary("pow", lambda x, y: x**y, math.pow,
           lambda x, y: y * math.pow(x, y - 1.0),
           lambda x, y: math.pow(x, y) * math.log(x),
           lambda x, y: y * (y - 1.0) * math.pow(x, y - 2.0),
           lambda x, y: math.pow(x, y - 1.0) * (1.0 + y * math.log(x)),
           lambda x, y: math.pow(x, y) * math.log(x) ** 2,
           st.tuples(positive, reals(-3.0, 3.0)), "**",
           scale=lambda x, y: math.pow(x, y - 1.0) * (1.0 + abs(y * math.log(x))),
           dxxx=lambda t, y: y * (y - 1) * (y - 2) * math.pow(t, y - 3),
           dyyy=lambda x, t: math.pow(x, t) * math.log(x) ** 3),
    # atan2(x, y) (x the first argument, the ordinate): with r² = x² + y², ∂/∂x = y/r²,
    # ∂/∂y = −x/r²; second: −2xy/r⁴, (x² − y²)/r⁴, 2xy/r⁴. Kept off the origin and off the
    # branch cut (y < 0, x = 0), where atan2 jumps by 2π.
    Binary("atan2", _binary("atan2"), math.atan2,
           lambda x, y: y / (x * x + y * y), lambda x, y: -x / (x * x + y * y),
           lambda x, y: -2.0 * x * y / (x * x + y * y) ** 2,
           lambda x, y: (x * x - y * y) / (x * x + y * y) ** 2,
           lambda x, y: 2.0 * x * y / (x * x + y * y) ** 2,
           _off_origin.filter(lambda p: not (p[1] < 0.0 and abs(p[0]) < 0.3)), "atan2",
           scale=lambda x, y: (x * x + y * y) ** -1.5,
           dxxx=lambda t, y: y * (6.0 * t * t - 2.0 * y * y) / (t * t + y * y) ** 3,
           dyyy=lambda x, t: x * (2.0 * x * x - 6.0 * t * t) / (x * x + t * t) ** 3),
    # hypot: ∂/∂x = x/r, ∂/∂y = y/r; second: y²/r³, −xy/r³, x²/r³.
    Binary("hypot", _binary("hypot"), math.hypot,
           lambda x, y: x / math.hypot(x, y), lambda x, y: y / math.hypot(x, y),
           lambda x, y: y * y / math.hypot(x, y) ** 3,
           lambda x, y: -x * y / math.hypot(x, y) ** 3,
           lambda x, y: x * x / math.hypot(x, y) ** 3,
           _off_origin, "hypot", scale=lambda x, y: 1.0 / math.hypot(x, y),
           dxxx=lambda t, y: -3.0 * t * y * y / math.hypot(t, y) ** 5,
           dyyy=lambda x, t: -3.0 * t * x * x / math.hypot(x, t) ** 5),
    # max and min away from a tie (at one, each operand gets half: tested apart).
    Binary("max", _binary("max"), max,
           lambda x, y: 1.0 if x > y else 0.0, lambda x, y: 1.0 if y > x else 0.0,
           _c0, _c0, _c0, _untied, "max"),
    Binary("min", _binary("min"), min,
           lambda x, y: 1.0 if x < y else 0.0, lambda x, y: 1.0 if y < x else 0.0,
           _c0, _c0, _c0, _untied, "min"),
]  # fmt: skip

#: How the operands are passed: both Values, a plain number on the left, or on the right.
MODES = ["value-value", "number-value", "value-number"]


def _ids(cases: Sequence[Unary | Binary]) -> list[str]:
    return [c.name for c in cases]


# ---------------------------------------------------------------------------------------------
# Unary functions.


@pytest.mark.parametrize("case", UNARY, ids=_ids(UNARY))
@given(data=st.data())
def test_unary_forward_matches_math(case: Unary, data: st.DataObject) -> None:
    """The float path and the Value path both give math's value; the node records its op."""
    x = data.draw(case.domain, label="x")
    expected = case.ref(x)
    on_float = case.f(x)
    assert isinstance(on_float, float)
    assert close(on_float, expected)
    leaf = Value(x)
    out = case.f(leaf)
    assert isinstance(out, Value)
    assert close(out.data, expected)
    assert out.op == case.op
    assert leaf in out.parents


@pytest.mark.parametrize("case", UNARY, ids=_ids(UNARY))
@given(data=st.data())
def test_unary_backward_matches_closed_form(case: Unary, data: st.DataObject) -> None:
    """backward() gives the derivative written by hand."""
    x = data.draw(case.domain, label="x")
    assert close(grad1(case.f, x), case.d1(x))


@pytest.mark.parametrize("case", UNARY, ids=_ids(UNARY))
@given(data=st.data())
def test_unary_backward_matches_central_difference(case: Unary, data: st.DataObject) -> None:
    """backward() on Values agrees with the central difference of the same function on floats."""
    x = data.draw(case.domain, label="x")
    numeric = central_difference(case.f, x)
    tol = central_tolerance(case.f, x, case.d3, abs(case.ref(x)))
    assert abs(grad1(case.f, x) - numeric) <= tol


@pytest.mark.parametrize("case", UNARY, ids=_ids(UNARY))
@given(data=st.data())
def test_unary_second_derivative(case: Unary, data: st.DataObject) -> None:
    """grad(grad(f, x, create_graph=True)[0], x) is f''."""
    x = data.draw(case.domain, label="x")
    assert close(nth_derivative(case.f, x, 2), case.d2(x), case.scale(x))


@pytest.mark.parametrize("case", UNARY, ids=_ids(UNARY))
@given(data=st.data())
def test_unary_third_derivative(case: Unary, data: st.DataObject) -> None:
    """Differentiating the derivative's graph twice gives f'''."""
    x = data.draw(case.domain, label="x")
    assert close(nth_derivative(case.f, x, 3), case.d3(x), case.scale(x))


@pytest.mark.parametrize(("x", "slope"), [(0.0, 0.0), (-0.0, 0.0), (-1e-300, 0.0), (1e-300, 1.0)])
def test_relu_at_and_next_to_its_kink(x: float, slope: float) -> None:
    """relu'(0) is taken to be 0 (the engine's documented convention); either side is exact."""
    assert grad1(rules.relu, x) == slope
    assert rules.relu(x) == max(x, 0.0)


def test_power_at_a_zero_base() -> None:
    """0 ** y, y > 1: ∂/∂x = y·0^(y−1) = 0, and ∂/∂y = 0^y ln 0 is taken as its limit, 0."""
    x, y = Value(0.0), Value(2.5)
    out = x**y
    out.backward()
    assert out.data == 0.0
    assert x.grad == 0.0
    assert y.grad == 0.0
    z = Value(1.5)
    (0.0**z).backward()
    assert z.grad == 0.0


# ---------------------------------------------------------------------------------------------
# Binary operators, with Values and plain numbers on either side.


def _operands(mode: str, x: float, y: float) -> tuple[Any, Any]:
    return (
        Value(x) if mode != "number-value" else x,
        Value(y) if mode != "value-number" else y,
    )


def _expected_op(case: Binary, mode: str, y: float) -> str:
    # A plain-number exponent makes the one-parent x ** c row, whose symbol shows c (with
    # -0.0 shown as 0: x ** -0.0 is x ** 0).
    return f"**{y + 0.0:g}" if case.name == "pow" and mode == "value-number" else case.op


def test_power_symbol_of_negative_zero_does_not_depend_on_history() -> None:
    """x ** -0.0 and x ** 0.0 share one cached row; its symbol is '**0' in either order."""
    rules.power_rule.cache_clear()  # the cache is only a speed-up: start it empty
    x = Value(3.0)
    assert (x**-0.0).op == "**0"
    assert (x**0.0).op == "**0"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", BINARY, ids=_ids(BINARY))
@given(data=st.data())
def test_binary_forward_matches_math(case: Binary, mode: str, data: st.DataObject) -> None:
    """x ∘ y on floats and on Values gives the reference value; numbers become constant leaves."""
    x, y = data.draw(case.domain, label="x, y")
    expected = case.ref(x, y)
    assert close(case.f(x, y), expected)
    a, b = _operands(mode, x, y)
    out = case.f(a, b)
    assert isinstance(out, Value)
    assert close(out.data, expected)
    assert out.op == _expected_op(case, mode, y)
    assert [p.data for p in out.parents] == ([x, y] if out.op == case.op else [x])
    for operand, parent in zip((a, b), out.parents, strict=False):
        if isinstance(operand, Value):
            assert parent is operand
        else:
            # A plain number becomes a new leaf.
            assert parent.op == ""
            assert not parent.parents


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", BINARY, ids=_ids(BINARY))
@given(data=st.data())
def test_binary_backward_matches_closed_form(case: Binary, mode: str, data: st.DataObject) -> None:
    """backward() gives ∂/∂x and ∂/∂y written by hand, for whichever operands are Values."""
    x, y = data.draw(case.domain, label="x, y")
    a, b = _operands(mode, x, y)
    case.f(a, b).backward()
    if isinstance(a, Value):
        assert close(a.grad, case.dx(x, y))
    if isinstance(b, Value):
        assert close(b.grad, case.dy(x, y))


@pytest.mark.parametrize("case", BINARY, ids=_ids(BINARY))
@given(data=st.data())
def test_binary_backward_matches_central_difference(case: Binary, data: st.DataObject) -> None:
    """Each partial derivative agrees with the central difference of the float function."""
    x, y = data.draw(case.domain, label="x, y")
    a, b = Value(x), Value(y)
    case.f(a, b).backward()
    # Third derivatives along each axis, where they are not 0.
    dxxx, dyyy = case.dxxx, case.dyyy
    third_x: R = _zero if dxxx is None else (lambda t: dxxx(t, y))
    third_y: R = _zero if dyyy is None else (lambda t: dyyy(x, t))
    size = max(abs(x), abs(y), abs(case.ref(x, y)))

    def along_x(t: float) -> float:
        return float(case.f(t, y))

    def along_y(t: float) -> float:
        return float(case.f(x, t))

    tol_x = central_tolerance(along_x, x, third_x, size)
    tol_y = central_tolerance(along_y, y, third_y, size)
    assert abs(a.grad - central_difference(along_x, x)) <= tol_x
    assert abs(b.grad - central_difference(along_y, y)) <= tol_y


@pytest.mark.parametrize("case", BINARY, ids=_ids(BINARY))
@given(data=st.data())
def test_binary_second_derivatives(case: Binary, data: st.DataObject) -> None:
    """The Hessian by differentiating the gradient's graph, against the closed form."""
    x, y = data.draw(case.domain, label="x, y")
    a, b = Value(x), Value(y)
    gx, gy = grad(case.f(a, b), (a, b), create_graph=True)
    hxx, hxy = grad(gx, (a, b), allow_unused=True)
    hyx, hyy = grad(gy, (a, b), allow_unused=True)
    s = case.scale(x, y)
    assert close(hxx, case.dxx(x, y), s)
    assert close(hxy, case.dxy(x, y), s)
    assert close(hyx, case.dxy(x, y), s)
    assert close(hyy, case.dyy(x, y), s)


@pytest.mark.parametrize("mode", ["number-value", "value-number"])
@pytest.mark.parametrize("case", BINARY, ids=_ids(BINARY))
@given(data=st.data())
def test_binary_second_derivative_with_a_number(
    case: Binary, mode: str, data: st.DataObject
) -> None:
    """With one operand a plain number, the second derivative in the other one."""
    x, y = data.draw(case.domain, label="x, y")
    a, b = _operands(mode, x, y)
    v = a if isinstance(a, Value) else b
    assert isinstance(v, Value)
    (g,) = grad(case.f(a, b), v, create_graph=True)
    (h,) = grad(g, v, allow_unused=True)
    expected = case.dxx(x, y) if v is a else case.dyy(x, y)
    assert close(h, expected, case.scale(x, y))


# ---------------------------------------------------------------------------------------------
# Value.sum and Value.weighted_sum.


@given(value_lists(1, 6))
def test_sum_forward_and_gradient(xs: list[Value]) -> None:
    """Σ x_k as one node: value fsum(x), every ∂/∂x_k = 1, no second derivative."""
    out = Value.sum(xs)
    assert out.op == "sum"
    assert out.parents == tuple(xs)
    assert close(out.data, math.fsum(x.data for x in xs))
    out.backward()
    assert all(x.grad == 1.0 for x in xs)  # exactly: 1.0 times the seed 1.0
    (g,) = grad(Value.sum(xs), xs[0], create_graph=True)
    assert grad(g, xs[0], allow_unused=True) == (0.0,)


@given(values(-5.0, 5.0), values(-5.0, 5.0))
def test_sum_counts_a_repeated_term_twice(a: Value, b: Value) -> None:
    """Value.sum([a, a, b]) = 2a + b: a's gradient is 2."""
    Value.sum([a, a, b]).backward()
    assert a.grad == 2.0
    assert b.grad == 1.0


@st.composite
def _weighted(draw: st.DrawFn) -> tuple[list[float], list[float], float]:
    n = draw(st.integers(1, 5))
    return (
        draw(st.lists(moderate, min_size=n, max_size=n)),
        draw(st.lists(moderate, min_size=n, max_size=n)),
        draw(moderate),
    )


@given(_weighted())
def test_weighted_sum_of_constant_inputs(wxb: tuple[list[float], list[float], float]) -> None:
    """z = Σ w_k x_k + b with plain-number x: one node, parents (w.., b), ∂z/∂w_k = x_k."""
    w_, x, b_ = wxb
    w = [Value(t) for t in w_]
    b = Value(b_)
    z = Value.weighted_sum(w, x, b)
    assert z.op == "wsum"
    assert z.parents == (*w, b)
    assert z.constants == tuple(x)
    expected = math.fsum([*(wk * xk for wk, xk in zip(w_, x, strict=True)), b_])
    scale = math.fsum([*(abs(wk * xk) for wk, xk in zip(w_, x, strict=True)), abs(b_)])
    assert close(z.data, expected, scale)
    z.backward()
    assert all(close(wk.grad, xk) for wk, xk in zip(w, x, strict=True))
    assert b.grad == 1.0
    # Linear in the parameters: every second derivative is 0.
    (g,) = grad(Value.weighted_sum(w, x, b), w[0], create_graph=True)
    assert grad(g, (*w, b), allow_unused=True) == (0.0,) * (len(w) + 1)


@given(_weighted())
def test_weighted_sum_of_value_inputs(wab: tuple[list[float], list[float], float]) -> None:
    """z = Σ w_k a_k + b with Value a: parents (w.., a.., b), ∂z/∂w_k = a_k, ∂z/∂a_k = w_k."""
    w_, a_, b_ = wab
    w = [Value(t) for t in w_]
    a = [Value(t) for t in a_]
    b = Value(b_)
    z = Value.weighted_sum(w, a, b)
    assert z.op == "wsum"
    assert z.parents == (*w, *a, b)
    assert z.constants == ()
    expected = math.fsum([*(wk * ak for wk, ak in zip(w_, a_, strict=True)), b_])
    scale = math.fsum([*(abs(wk * ak) for wk, ak in zip(w_, a_, strict=True)), abs(b_)])
    assert close(z.data, expected, scale)
    z.backward()
    assert all(close(wk.grad, ak) for wk, ak in zip(w, a_, strict=True))
    assert all(close(ak.grad, wk) for ak, wk in zip(a, w_, strict=True))
    assert b.grad == 1.0
    # ∂²z/∂w_0∂a_k is 1 for k = 0 and 0 otherwise; ∂²z/∂w_0∂w_k = 0.
    (g,) = grad(Value.weighted_sum(w, a, b), w[0], create_graph=True)
    n = len(w)
    assert grad(g, (*w, *a, b), allow_unused=True) == (*(0.0,) * n, 1.0, *(0.0,) * (n - 1), 0.0)


@given(values(-5.0, 5.0), values(-5.0, 5.0), moderate, moderate)
def test_weighted_sum_mixed_inputs_and_number_bias(
    w0: Value, a0: Value, x1: float, bias: float
) -> None:
    """A mix of a Value and a number as inputs, and a plain-number bias, all become parents."""
    w1 = Value(0.5)
    z = Value.weighted_sum([w0, w1], [a0, x1], bias)
    assert len(z.parents) == 5
    assert [p.data for p in z.parents[3:]] == [x1, bias]
    assert close(z.data, math.fsum([w0.data * a0.data, 0.5 * x1, bias]), 10.0)
    z.backward()
    assert close(w1.grad, x1)
    assert close(a0.grad, w0.data)


# ---------------------------------------------------------------------------------------------
# The derivative table, row by row: partials against central differences of forward.


@dataclass(frozen=True)
class RowCase:
    """Arguments for one row, how many of them are Value arguments, and oracle data."""

    rule: Rule
    args: st.SearchStrategy[tuple[float, ...]]
    n_values: Callable[[Sequence[float]], int]
    #: ∂³forward/∂arg_i³ at args (with arg i replaced by t).
    third: Callable[[Sequence[float], int, float], float]
    #: Largest intermediate of the forward formula (sets its rounding error).
    size: Callable[[Sequence[float]], float]


def _all(args: Sequence[float]) -> int:
    return len(args)


def _no_third(args: Sequence[float], i: int, t: float) -> float:
    return 0.0


def _unary_third(d3: R) -> Callable[[Sequence[float], int, float], float]:
    return lambda args, i, t: d3(t)


def _size_of_terms(args: Sequence[float]) -> float:
    return math.fsum(abs(a) for a in args)


def _size_weighted(args: Sequence[float]) -> float:
    n = len(args) // 2
    return math.fsum([*(abs(args[k] * args[n + k]) for k in range(n)), abs(args[-1])]) + 1.0


def _size_weighted_const(args: Sequence[float]) -> float:
    n = len(args) // 2
    return math.fsum([*(abs(args[k] * args[n + 1 + k]) for k in range(n)), abs(args[n])]) + 1.0


def _pow_third(args: Sequence[float], i: int, t: float) -> float:
    x, y = args
    if i == 0:
        return y * (y - 1.0) * (y - 2.0) * math.pow(t, y - 3.0)
    return math.pow(x, t) * math.log(x) ** 3


def _div_third(args: Sequence[float], i: int, t: float) -> float:
    return 0.0 if i == 0 else -6.0 * args[0] / t**4


def _weighted_args(draw: st.DrawFn, const: bool) -> tuple[float, ...]:
    n = draw(st.integers(1, 4))
    w = [draw(moderate) for _ in range(n)]
    a = [draw(moderate) for _ in range(n)]
    b = draw(moderate)
    return (*w, b, *a) if const else (*w, *a, b)


def _by_name(name: str) -> Unary:
    return next(c for c in UNARY if c.name == name)


def _by_binary(name: str) -> Binary:
    return next(c for c in BINARY if c.name == name)


def _binary_third(case: Binary) -> Callable[[Sequence[float], int, float], float]:
    def third(args: Sequence[float], i: int, t: float) -> float:
        x, y = args
        d = case.dxxx if i == 0 else case.dyyy
        if d is None:
            return 0.0
        return d(t, y) if i == 0 else d(x, t)

    return third


def _f_result(rule: Rule) -> Callable[[Sequence[float]], float]:
    return lambda args: abs(rule.forward(*args))


def _power_row(case: Unary) -> RowCase:
    assert case.exponent is not None
    return RowCase(
        rules.power_rule(case.exponent),
        st.tuples(case.domain),
        _all,
        _unary_third(case.d3),
        lambda args: abs(case.ref(args[0])),
    )


ROWS: list[RowCase] = [
    RowCase(rules.ADD, st.tuples(moderate, moderate), _all, _no_third, _size_of_terms),
    RowCase(rules.SUB, st.tuples(moderate, moderate), _all, _no_third, _size_of_terms),
    RowCase(rules.MUL, st.tuples(moderate, moderate), _all, _no_third, _f_result(rules.MUL)),
    RowCase(rules.DIV, st.tuples(moderate, nonzero), _all, _div_third, _f_result(rules.DIV)),
    RowCase(
        rules.POW, st.tuples(positive, reals(-3.0, 3.0)), _all, _pow_third,
        _f_result(rules.POW),
    ),
    RowCase(rules.NEG, st.tuples(moderate), _all, _no_third, _size_of_terms),
    *(
        RowCase(row, st.tuples(_by_name(name).domain), _all, _unary_third(_by_name(name).d3),
                _f_result(row))
        for row, name in [
            (rules.EXP, "exp"), (rules.LOG, "log"), (rules.TANH, "tanh"),
            (rules.SIGMOID, "sigmoid"), (rules.RELU, "relu"), (rules.SIN, "sin"),
            (rules.COS, "cos"), (rules.TAN, "tan"), (rules.ASIN, "asin"), (rules.ACOS, "acos"),
            (rules.ATAN, "atan"), (rules.SINH, "sinh"), (rules.COSH, "cosh"),
            (rules.ASINH, "asinh"), (rules.ACOSH, "acosh"), (rules.ATANH, "atanh"),
            (rules.SQRT, "sqrt"), (rules.ABS, "abs"), (rules.LOG1P, "log1p"),
            (rules.EXPM1, "expm1"), (rules.LOG2, "log2"), (rules.LOG10, "log10"),
            (rules.SOFTPLUS, "softplus"),
        ]
    ),
    *(
        RowCase(row, _by_binary(name).domain, _all, _binary_third(_by_binary(name)),
                _f_result(row))
        for row, name in [
            (rules.ATAN2, "atan2"), (rules.HYPOT, "hypot"), (rules.MAX, "max"),
            (rules.MIN, "min"),
        ]
    ),
    RowCase(rules.SUM, value_lists(1, 5).map(lambda vs: tuple(v.data for v in vs)), _all,
            _no_third, _size_of_terms),
    RowCase(rules.WEIGHTED_SUM, st.composite(_weighted_args)(const=False), _all, _no_third,
            _size_weighted),
    RowCase(rules.WEIGHTED_SUM_CONST, st.composite(_weighted_args)(const=True),
            lambda args: len(args) // 2 + 1, _no_third, _size_weighted_const),
    # One row per constant exponent (power_rule(c)); 0, 1 and 2 take special branches.
    *(_power_row(c) for c in UNARY if c.exponent is not None),
]  # fmt: skip


def test_every_row_of_the_table_is_checked() -> None:
    """A row added to autograd.rules without a case here fails this test."""
    checked = {case.rule.name for case in ROWS}
    assert {row.name for row in rules.TABLE} | {"powc"} == checked


@pytest.mark.parametrize("case", ROWS, ids=[f"{c.rule.name}{c.rule.symbol}" for c in ROWS])
@given(data=st.data())
def test_row_partials_match_central_differences(case: RowCase, data: st.DataObject) -> None:
    """Each entry of ``partials`` is the central difference of ``forward`` in that argument."""
    args = data.draw(case.args, label="args")
    rule = case.rule
    out = rule.forward(*args)
    partials = rule.partials(out, *args)
    n = case.n_values(args)
    assert len(partials) == n
    for i in range(n):

        def along(t: float, i: int = i) -> float:
            return float(rule.forward(*args[:i], t, *args[i + 1 :]))

        def third(t: float, i: int = i) -> float:
            return case.third(args, i, t)

        numeric = central_difference(along, args[i])
        tol = central_tolerance(along, args[i], third, case.size(args))
        assert abs(float(partials[i]) - numeric) <= tol, (i, partials[i], numeric, tol)


# -- the rows whose forward the engine writes into its operators ----------------------------------

ARITHMETIC = [r for r in rules.TABLE if r.expression is not None]
OPERATORS = {"add": ("__add__", "__radd__"), "sub": ("__sub__", "__rsub__"),
             "mul": ("__mul__", "__rmul__")}  # fmt: skip
SPECIAL = [0.0, -0.0, 1.0, -2.5, 1e308, -1e308, 5e-324, math.inf, -math.inf, math.nan]


def test_the_operators_written_from_expressions_are_those_rows() -> None:
    """Each arithmetic row has its operator pair, and no row outside them claims an expression."""
    assert sorted(r.name for r in ARITHMETIC) == sorted(OPERATORS)
    for rule in ARITHMETIC:
        assert Value.__dict__[OPERATORS[rule.name][0]].__doc__


def _same_bits(a: float, b: float) -> bool:
    return math.copysign(1.0, a) == math.copysign(1.0, b) and (a == b or (a != a and b != b))


@pytest.mark.parametrize("rule", ARITHMETIC, ids=[r.name for r in ARITHMETIC])
@given(x=st.floats() | st.sampled_from(SPECIAL), y=st.floats() | st.sampled_from(SPECIAL))
def test_a_written_operator_gives_its_rows_forward_to_the_bit(
    rule: Rule, x: float, y: float
) -> None:
    """x ∘ y through the method, in all three operand kinds, is ``rule.forward(x, y)`` exactly.

    Or, where that overflows from finite operands, both raise: the operator keeps the policy.
    """
    op, rop = OPERATORS[rule.name]
    want = rule.forward(x, y)
    calls: list[Callable[[], Value]] = [
        lambda: getattr(Value(x), op)(Value(y)),
        lambda: getattr(Value(x), op)(y),
        lambda: getattr(Value(y), rop)(x),
    ]
    for call in calls:
        if math.isfinite(x) and math.isfinite(y) and not math.isfinite(want):
            with pytest.raises(OverflowError, match=re.escape(f"'{rule.symbol}'")):
                call()
            continue
        out = call()
        assert _same_bits(out.data, want)
        assert out.rule is rule
        assert [p.data for p in out.parents] == pytest.approx([x, y], nan_ok=True)


def test_a_written_operator_records_nothing_under_no_grad() -> None:
    """The written-out method keeps _node's recording switch: a leaf, no parents, no row."""
    a = Value(2.0)
    with no_grad():
        for out in (a + 1.0, 1.0 - a, a * a):
            assert out.parents == ()
            assert out.rule is None
    assert type((a * 3).parents[1]).__name__ == "Constant"  # the int became a constant leaf


def test_an_arithmetic_row_takes_only_an_expression_the_engine_can_write() -> None:
    """A row cannot hand the engine arbitrary text to write into a method."""
    with pytest.raises(ValueError, match="not an expression"):
        rules.arithmetic_row("div", "/", "x / y", (1.0, 1.0), "x / y", ("1", "1"))
