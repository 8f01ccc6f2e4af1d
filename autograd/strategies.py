"""Hypothesis strategies for property-testing scalar functions built on chainrule's ``Value``.

What a tester needs, for users who test their own functions and for chainrule's own suite:

- ``reals(min_value, max_value, avoid=..., gap=...)``: finite floats within bounds, kept at
  least ``gap`` away from chosen points (a kink, a pole) by construction, without filtering;
- ``values(...)``: leaf ``Value``s holding such floats;
- ``expressions(...)``: random expressions over a few inputs, every one differentiable at its
  inputs, as an ``Expression``: a callable on ``Value``s plus ``inputs``, ready for
  ``gradcheck(expr, expr.inputs)``. The operations come from ``CATALOGUE``, one ``Operation``
  row per primitive (a new primitive of the engine is one more row);
- networks as plain data, for checks of formulas on drawn networks: ``layer_sizes``,
  ``weights_for``, ``vectors`` (inputs), ``targets`` (by kind), ``networks`` (``NetworkData``)
  and ``network_problems`` (``NetworkProblem``: a network, a loss, a batch). The engine knows
  no activation or loss names: pass them in, or use ``nn.strategies``, which passes nn's.

This module needs Hypothesis (``pip install hypothesis``); the engine itself does not.

A test of the engine's gradients on random expressions (a real doctest: it runs 20 examples):

>>> from hypothesis import given, settings
>>> from autograd import gradcheck
>>> from autograd.strategies import expressions
>>> @settings(max_examples=20, deadline=None)
... @given(expressions())
... def test_gradients(expr):
...     assert gradcheck(expr, expr.inputs)
>>> test_gradients()
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as error:
    raise ImportError(
        "autograd.strategies needs the Hypothesis library: pip install hypothesis"
    ) from error

from autograd.engine import Value

__all__ = [
    "CATALOGUE",
    "OPERATIONS",
    "TARGET_KINDS",
    "Expression",
    "NetworkData",
    "NetworkProblem",
    "Operation",
    "Singularity",
    "Step",
    "expressions",
    "layer_sizes",
    "network_problems",
    "network_reals",
    "networks",
    "reals",
    "targets",
    "values",
    "vectors",
    "weights_for",
]


def reals(
    min_value: float = -10.0,
    max_value: float = 10.0,
    *,
    avoid: Sequence[float] = (),
    gap: float = 1e-3,
) -> st.SearchStrategy[float]:
    """Finite floats x with min_value <= x <= max_value and |x - p| >= gap for each p in avoid.

    The excluded neighbourhoods are cut out of the interval, so nothing is drawn and rejected:
    ``reals(-5, 5, avoid=[0.0])`` never comes within 1e-3 of relu's kink.

    >>> from hypothesis import given
    >>> @given(reals(-5.0, 5.0, avoid=[0.0], gap=0.5))
    ... def test_away_from_zero(x):
    ...     assert 0.5 <= abs(x) <= 5.0
    >>> test_away_from_zero()
    """
    lo, hi = float(min_value), float(max_value)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"reals needs finite bounds with min <= max, got [{lo!r}, {hi!r}]")
    if not (math.isfinite(gap) and gap >= 0.0):
        raise ValueError(f"reals needs a finite gap >= 0, got {gap!r}")
    pieces = [(lo, hi)]
    for p in sorted(float(p) for p in avoid):
        # Cut [p - gap, p + gap] out of every piece; a piece that ends up empty is dropped.
        cut = [((a, min(b, p - gap)), (max(a, p + gap), b)) for a, b in pieces]
        pieces = [piece for pair in cut for piece in pair if piece[0] <= piece[1]]
    if not pieces:
        raise ValueError(
            f"reals: nothing in [{lo!r}, {hi!r}] is at least {gap!r} away from {list(avoid)!r}"
        )
    # + 0.0 turns a bound of -0.0 into 0.0: a cut at ±0 with gap 0 leaves the piece [0.0, -0.0],
    # which holds 0 but which Hypothesis refuses (it orders -0.0 below 0.0).
    return st.one_of(
        [st.floats(a + 0.0, b + 0.0, allow_nan=False, allow_infinity=False) for a, b in pieces]
    )


def values(
    min_value: float = -10.0,
    max_value: float = 10.0,
    *,
    avoid: Sequence[float] = (),
    gap: float = 1e-3,
) -> st.SearchStrategy[Value]:
    """Leaf ``Value``s holding ``reals(min_value, max_value, avoid=avoid, gap=gap)``."""
    return reals(min_value, max_value, avoid=avoid, gap=gap).map(Value)


# ---------------------------------------------------------------------------------------------
# Random expressions.
#
# An expression is a short program: slots 0..n-1 hold the inputs and each step appends one
# operation applied to earlier slots (the first argument is always the latest slot, so the
# program is one chain with side branches, and a slot may be reused at several depths). While
# drawing, every candidate step is evaluated on floats together with its derivatives with
# respect to the inputs (forward mode, with this module's own formulas, not the engine's). A
# step is kept only if the result is differentiable with a margin to spare; otherwise tanh of
# the latest slot, which is always safe, takes its place. So no draw is ever rejected.

#: Largest |value| and |∂value/∂input| of any intermediate result: keeps central differences
#: accurate (their rounding error is about 1e-16·|f|/step) and far from overflow.
MAX_MAGNITUDE = 100.0
#: Smallest distance from a kink or pole (relu at 0, log / division / power base at 0).
GAP = 0.1
# A kink must also be this many times farther than a central-difference step (gradcheck's
# eps = 1e-6, relative) can move the operand.
_SAFETY = 1e3
_STEP = 1e-6


#: Constant exponents for ``pow_c``: 0 and 1 and 2 are special cases of the engine.
EXPONENTS = (0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5)


@dataclass(frozen=True)
class Singularity:
    """A kink or pole of an operation, on q = Σ_k ``coefficients[k]``·operand_k.

    Two-sided: the operands must keep |q − point| >= margin (relu at 0, 1/x at 0, max at a
    tie: q = u_0 − u_1); one-sided: q − point >= margin (log's operand above 0; asin's
    operand below 1 is q = −u, point −1).
    """

    coefficients: tuple[float, ...]
    point: float
    two_sided: bool = True


_KINK = (Singularity((1.0,), 0.0),)  # |u| >= margin
_POSITIVE = (Singularity((1.0,), 0.0, two_sided=False),)  # u >= margin
_INSIDE_UNIT = (  # -1 + margin <= u <= 1 - margin
    Singularity((1.0,), -1.0, two_sided=False),
    Singularity((-1.0,), -1.0, two_sided=False),
)


@dataclass(frozen=True)
class Operation:
    """One row of the catalogue of operations that ``expressions`` draws from.

    ``value(operands, constants)`` applies the operation to Values through the engine's public
    API; ``local(operands, constants)`` gives its result and its partial derivatives with
    respect to each operand on floats, with this module's own formulas (an oracle independent
    of the engine's table); ``show(names, constants)`` writes it as text. ``shape`` says which
    slots it reads: "unary" (the latest slot), "binary" (the latest and any earlier one), or
    one of the n-ary shapes "sum", "wsum", "wsum_c". ``constants`` draws its plain-number
    operands, if any; ``singular(constants)`` lists the kinks and poles its operands must keep
    away from. A row naming ``needs`` (a method of Value) is used only where Value has it.
    """

    name: str
    shape: str
    value: Callable[[Sequence[Value], tuple[float, ...]], Value]
    local: Callable[[Sequence[float], tuple[float, ...]], tuple[float, Sequence[float]]]
    show: Callable[[Sequence[str], tuple[float, ...]], str]
    singular: Callable[[tuple[float, ...]], tuple[Singularity, ...]] = lambda c: ()
    constants: st.SearchStrategy[tuple[float, ...]] | None = None
    needs: str = ""

    @property
    def available(self) -> bool:
        """Whether the engine has what this row needs."""
        return not self.needs or callable(getattr(Value, self.needs, None))


def _method(name: str) -> Callable[[Sequence[Value], tuple[float, ...]], Value]:
    """Apply ``Value.name`` to the operands in order: ``Value.sin(t)``, ``Value.max(t, s)``
    (called on the class, this works for methods and static methods alike)."""

    def apply(a: Sequence[Value], c: tuple[float, ...]) -> Value:
        result: Value = getattr(Value, name)(*a)
        return result

    return apply


def _unary(
    name: str,
    local: Callable[[float], tuple[float, float]],
    singular: tuple[Singularity, ...] = (),
    needs: str = "",
) -> Operation:
    """A row for the Value method ``name`` of one operand, shown as ``name(t)``."""
    return Operation(
        name,
        "unary",
        _method(name),
        lambda u, c: (lambda r: (r[0], [r[1]]))(local(u[0])),
        lambda a, c: f"{name}({a[0]})",
        lambda c: singular,
        needs=needs,
    )


def _binary_method(
    name: str,
    local: Callable[[float, float], tuple[float, Sequence[float]]],
    singular: tuple[Singularity, ...],
) -> Operation:
    """A row for ``Value.name`` of two operands, ``Value.name(t, s)``, shown ``name(t, s)``."""
    return Operation(
        name,
        "binary",
        _method(name),
        lambda u, c: local(u[0], u[1]),
        lambda a, c: f"{name}({a[0]}, {a[1]})",
        lambda c: singular,
        needs=name,
    )


def _infix(symbol: str) -> Callable[[Sequence[str], tuple[float, ...]], str]:
    return lambda a, c: f"{a[0]} {symbol} {a[1]}"


def _pow_c_singular(c: tuple[float, ...]) -> tuple[Singularity, ...]:
    k = c[0]
    if k.is_integer():
        # x^k is a polynomial for k >= 0; a negative integer power has a pole at 0.
        return () if k >= 0.0 else _KINK
    return _POSITIVE  # not real for x < 0


def _wsum_value(a: Sequence[Value], c: tuple[float, ...]) -> Value:
    n = len(a) // 2
    return Value.weighted_sum(a[:n], a[n : 2 * n], a[-1])


def _wsum_local(u: Sequence[float], c: tuple[float, ...]) -> tuple[float, list[float]]:
    n = len(u) // 2
    w, a = u[:n], u[n : 2 * n]
    total = math.fsum([*(wk * ak for wk, ak in zip(w, a, strict=True)), u[-1]])
    return total, [*a, *w, 1.0]


def _wsum_c_local(u: Sequence[float], c: tuple[float, ...]) -> tuple[float, list[float]]:
    w = u[:-1]
    return math.fsum([*(wk * xk for wk, xk in zip(w, c, strict=True)), u[-1]]), [*c, 1.0]


def _wsum_show(a: Sequence[str], c: tuple[float, ...]) -> str:
    n = len(a) // 2
    return f"wsum(w=[{', '.join(a[:n])}], a=[{', '.join(a[n:-1])}], b={a[-1]})"


def _wsum_c_show(a: Sequence[str], c: tuple[float, ...]) -> str:
    return f"wsum(w=[{', '.join(a[:-1])}], x={list(c)!r}, b={a[-1]})"


def _sigmoid(x: float) -> tuple[float, float]:
    e = math.exp(-abs(x))  # σ(x) and σ'(x) = e^-|x| / (1 + e^-|x|)², without overflow
    r = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
    return r, e / (1.0 + e) ** 2


def _softplus(x: float) -> tuple[float, float]:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|), without overflow; its derivative is σ(x).
    return max(x, 0.0) + math.log1p(math.exp(-abs(x))), _sigmoid(x)[0]


_CONSTANT = reals(-3.0, 3.0).map(lambda c: (c,))

#: Every operation ``expressions`` draws from, one row each. A new primitive of the engine is
#: one more row here (its float formula and derivative written independently of the engine's
#: table); rows whose ``needs`` the engine lacks are left out until it has them.
CATALOGUE: tuple[Operation, ...] = (
    Operation("neg", "unary", lambda a, c: -a[0], lambda u, c: (-u[0], [-1.0]),
              lambda a, c: f"neg({a[0]})"),
    _unary("exp", lambda x: (math.exp(x), math.exp(x))),
    _unary("log", lambda x: (math.log(x), 1.0 / x), _POSITIVE),
    _unary("tanh", lambda x: (math.tanh(x), 1.0 / math.cosh(x) ** 2)),
    _unary("sigmoid", _sigmoid),
    _unary("relu", lambda x: (max(x, 0.0), 1.0 if x > 0.0 else 0.0), _KINK),
    Operation("add_c", "unary", lambda a, c: a[0] + c[0], lambda u, c: (u[0] + c[0], [1.0]),
              lambda a, c: f"{a[0]} + {c[0]!r}", constants=_CONSTANT),
    Operation("c_add", "unary", lambda a, c: c[0] + a[0], lambda u, c: (c[0] + u[0], [1.0]),
              lambda a, c: f"{c[0]!r} + {a[0]}", constants=_CONSTANT),
    Operation("sub_c", "unary", lambda a, c: a[0] - c[0], lambda u, c: (u[0] - c[0], [1.0]),
              lambda a, c: f"{a[0]} - {c[0]!r}", constants=_CONSTANT),
    Operation("c_sub", "unary", lambda a, c: c[0] - a[0], lambda u, c: (c[0] - u[0], [-1.0]),
              lambda a, c: f"{c[0]!r} - {a[0]}", constants=_CONSTANT),
    Operation("mul_c", "unary", lambda a, c: a[0] * c[0], lambda u, c: (u[0] * c[0], [c[0]]),
              lambda a, c: f"{a[0]} * {c[0]!r}", constants=_CONSTANT),
    Operation("c_mul", "unary", lambda a, c: c[0] * a[0], lambda u, c: (c[0] * u[0], [c[0]]),
              lambda a, c: f"{c[0]!r} * {a[0]}", constants=_CONSTANT),
    Operation("div_c", "unary", lambda a, c: a[0] / c[0],
              lambda u, c: (u[0] / c[0], [1.0 / c[0]]), lambda a, c: f"{a[0]} / {c[0]!r}",
              constants=reals(-3.0, 3.0, avoid=[0.0], gap=0.5).map(lambda c: (c,))),
    Operation("c_div", "unary", lambda a, c: c[0] / a[0],
              lambda u, c: (c[0] / u[0], [-c[0] / u[0] ** 2]),
              lambda a, c: f"{c[0]!r} / {a[0]}", lambda c: _KINK, constants=_CONSTANT),
    Operation("pow_c", "unary", lambda a, c: a[0] ** c[0],
              lambda u, c: (math.pow(u[0], c[0]),
                            [0.0 if c[0] == 0.0 else c[0] * math.pow(u[0], c[0] - 1.0)]),
              lambda a, c: f"{a[0]} ** {c[0]!r}", _pow_c_singular,
              constants=st.sampled_from(EXPONENTS).map(lambda c: (c,))),
    Operation("c_pow", "unary", lambda a, c: c[0] ** a[0],
              lambda u, c: (math.pow(c[0], u[0]), [math.pow(c[0], u[0]) * math.log(c[0])]),
              lambda a, c: f"{c[0]!r} ** {a[0]}", constants=reals(0.2, 5.0).map(lambda c: (c,))),
    Operation("add", "binary", lambda a, c: a[0] + a[1],
              lambda u, c: (u[0] + u[1], [1.0, 1.0]), _infix("+")),
    Operation("sub", "binary", lambda a, c: a[0] - a[1],
              lambda u, c: (u[0] - u[1], [1.0, -1.0]), _infix("-")),
    Operation("mul", "binary", lambda a, c: a[0] * a[1],
              lambda u, c: (u[0] * u[1], [u[1], u[0]]), _infix("*")),
    Operation("div", "binary", lambda a, c: a[0] / a[1],
              lambda u, c: (u[0] / u[1], [1.0 / u[1], -u[0] / u[1] ** 2]), _infix("/"),
              lambda c: (Singularity((0.0, 1.0), 0.0),)),
    Operation("pow", "binary", lambda a, c: a[0] ** a[1],
              lambda u, c: (math.pow(u[0], u[1]),
                            [u[1] * math.pow(u[0], u[1] - 1.0),
                             math.pow(u[0], u[1]) * math.log(u[0])]),
              _infix("**"), lambda c: (Singularity((1.0, 0.0), 0.0, two_sided=False),)),
    Operation("sum", "sum", lambda a, c: Value.sum(a), lambda u, c: (math.fsum(u), [1.0] * len(u)),
              lambda a, c: f"sum({', '.join(a)})"),
    Operation("wsum", "wsum", _wsum_value, _wsum_local, _wsum_show),
    Operation("wsum_c", "wsum_c", lambda a, c: Value.weighted_sum(a[:-1], c, a[-1]),
              _wsum_c_local, _wsum_c_show),
    # The engine's newer functions: each row is drawn once Value has the method of its name.
    _unary("sin", lambda x: (math.sin(x), math.cos(x)), needs="sin"),
    _unary("cos", lambda x: (math.cos(x), -math.sin(x)), needs="cos"),
    # tan's poles: the bound on every slope (MAX_MAGNITUDE) keeps |cos u| >= 0.1 from them.
    _unary("tan", lambda x: (math.tan(x), 1.0 / math.cos(x) ** 2), needs="tan"),
    _unary("asin", lambda x: (math.asin(x), 1.0 / math.sqrt(1.0 - x * x)), _INSIDE_UNIT, "asin"),
    _unary("acos", lambda x: (math.acos(x), -1.0 / math.sqrt(1.0 - x * x)), _INSIDE_UNIT, "acos"),
    _unary("atan", lambda x: (math.atan(x), 1.0 / (1.0 + x * x)), needs="atan"),
    _unary("sinh", lambda x: (math.sinh(x), math.cosh(x)), needs="sinh"),
    _unary("cosh", lambda x: (math.cosh(x), math.sinh(x)), needs="cosh"),
    _unary("asinh", lambda x: (math.asinh(x), 1.0 / math.sqrt(x * x + 1.0)), needs="asinh"),
    _unary("acosh", lambda x: (math.acosh(x), 1.0 / math.sqrt(x * x - 1.0)),
           (Singularity((1.0,), 1.0, two_sided=False),), "acosh"),
    _unary("atanh", lambda x: (math.atanh(x), 1.0 / (1.0 - x * x)), _INSIDE_UNIT, "atanh"),
    _unary("sqrt", lambda x: (math.sqrt(x), 0.5 / math.sqrt(x)), _POSITIVE, "sqrt"),
    _unary("abs", lambda x: (abs(x), 1.0 if x > 0.0 else -1.0), _KINK, "abs"),
    _unary("log1p", lambda x: (math.log1p(x), 1.0 / (1.0 + x)),
           (Singularity((1.0,), -1.0, two_sided=False),), "log1p"),
    _unary("expm1", lambda x: (math.expm1(x), math.exp(x)), needs="expm1"),
    _unary("log2", lambda x: (math.log2(x), 1.0 / (x * math.log(2.0))), _POSITIVE, "log2"),
    _unary("log10", lambda x: (math.log10(x), 1.0 / (x * math.log(10.0))), _POSITIVE, "log10"),
    _unary("softplus", _softplus, needs="softplus"),
    # atan2(y, x) jumps by 2π across y = 0 for x < 0: keep y off 0 (that also avoids (0, 0)).
    _binary_method("atan2",
                   lambda y, x: (math.atan2(y, x), [x / (x * x + y * y), -y / (x * x + y * y)]),
                   (Singularity((1.0, 0.0), 0.0),)),
    _binary_method("hypot", lambda x, y: (math.hypot(x, y), [x / math.hypot(x, y),
                                                             y / math.hypot(x, y)]),
                   (Singularity((1.0, 0.0), 0.0),)),
    _binary_method("max", lambda x, y: (max(x, y), [1.0, 0.0] if x > y else [0.0, 1.0]),
                   (Singularity((1.0, -1.0), 0.0),)),
    _binary_method("min", lambda x, y: (min(x, y), [1.0, 0.0] if x < y else [0.0, 1.0]),
                   (Singularity((1.0, -1.0), 0.0),)),
)  # fmt: skip

#: The rows the engine supports now, by name.
OPERATIONS: dict[str, Operation] = {op.name: op for op in CATALOGUE if op.available}
#: Operation names, by how many slots they read: unary ops (with a constant where named
#: ``_c``/``c_``), binary ops, and the n-ary sum and weighted sums.
UNARY = tuple(name for name, op in OPERATIONS.items() if op.shape == "unary")
BINARY = tuple(name for name, op in OPERATIONS.items() if op.shape == "binary")
NARY = tuple(name for name, op in OPERATIONS.items() if op.shape not in ("unary", "binary"))


@dataclass(frozen=True)
class Step:
    """One operation: ``op`` (a name in UNARY, BINARY or NARY) on slots ``args``.

    ``constants`` holds the plain-number operand of a ``_c``/``c_`` op, or the constant inputs
    x_k of ``wsum_c``. For ``wsum`` the args are (w_0..w_{n-1}, a_0..a_{n-1}, b); for
    ``wsum_c`` they are (w_0..w_{n-1}, b).
    """

    op: str
    args: tuple[int, ...]
    constants: tuple[float, ...] = ()


@dataclass(frozen=True)
class Expression:
    """A random differentiable function of ``len(inputs)`` Values, with the point to test at.

    ``expr(*xs)`` builds the expression on the Values ``xs``; ``value`` is its result at
    ``inputs`` and ``gradient`` its gradient there, both computed on plain floats while drawing
    (forward mode, independently of the engine's backward pass).
    """

    inputs: tuple[float, ...]
    steps: tuple[Step, ...]
    value: float
    gradient: tuple[float, ...]

    def __call__(self, *xs: Value) -> Value:
        """The expression applied to the Values ``xs`` (one per input)."""
        if len(xs) != len(self.inputs):
            raise TypeError(f"this expression takes {len(self.inputs)} Values, got {len(xs)}")
        slots: list[Value] = list(xs)
        for s in self.steps:
            slots.append(_row(s).value([slots[i] for i in s.args], s.constants))
        return slots[-1]

    def program(self) -> str:
        """The steps as text, one assignment per slot: ``t2 = exp(t1); t3 = t2 * t0; ...``."""
        n = len(self.inputs)
        return "; ".join(
            f"t{n + k} = {_row(s).show([f't{i}' for i in s.args], s.constants)}"
            for k, s in enumerate(self.steps)
        )

    def __repr__(self) -> str:
        return f"Expression(inputs={self.inputs!r}, program={self.program()!r})"


def _row(s: Step) -> Operation:
    try:
        return OPERATIONS[s.op]
    except KeyError:
        raise ValueError(f"unknown expression op {s.op!r}") from None


def _local(s: Step, u: list[float]) -> tuple[float, list[float]] | None:
    """(result, [∂result/∂arg_j]) on floats, or None where the step has no real value."""
    try:
        r, d = _row(s).local(u, s.constants)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return r, list(d)


def _sensitivity(grads: Sequence[float], xs: Sequence[float]) -> float:
    """How far a central-difference step on any one input can move a slot: max_i h_i |∂/∂x_i|."""
    return max(_STEP * max(1.0, abs(x)) * abs(g) for x, g in zip(xs, grads, strict=True))


def _evaluate(
    s: Step, vals: list[float], grads: list[tuple[float, ...]], xs: Sequence[float]
) -> tuple[float, tuple[float, ...]] | None:
    """The step's value and gradient with respect to the inputs, or None if it is unsafe."""
    u = [vals[i] for i in s.args]
    for point in _row(s).singular(s.constants):
        terms = list(zip(point.coefficients, s.args, strict=False))
        q = math.fsum(c * vals[i] for c, i in terms)
        q_grad = [math.fsum(c * grads[i][k] for c, i in terms) for k in range(len(xs))]
        distance = abs(q - point.point) if point.two_sided else q - point.point
        if distance < max(GAP, _SAFETY * _sensitivity(q_grad, xs)):
            return None
    local = _local(s, u)
    if local is None:
        return None
    r, d = local
    g = tuple(
        math.fsum(dj * grads[i][k] for dj, i in zip(d, s.args, strict=True)) for k in range(len(xs))
    )
    if not all(math.isfinite(t) and abs(t) <= MAX_MAGNITUDE for t in (r, *g)):
        return None
    return r, g


@st.composite
def _expressions(
    draw: st.DrawFn,
    max_inputs: int,
    max_steps: int,
    inputs: st.SearchStrategy[float],
) -> Expression:
    n = draw(st.integers(1, max_inputs))
    xs = tuple(draw(inputs) for _ in range(n))
    for x in xs:
        if not (math.isfinite(x) and abs(x) <= MAX_MAGNITUDE):
            raise ValueError(
                f"expressions: the inputs strategy drew {x!r}; inputs must be finite and "
                f"within ±{MAX_MAGNITUDE:g}"
            )
    vals = list(xs)
    grads = [tuple(1.0 if i == k else 0.0 for i in range(n)) for k in range(n)]
    steps: list[Step] = []
    constants = reals(-3.0, 3.0)
    for _ in range(draw(st.integers(1, max_steps))):
        last = len(vals) - 1
        slot = st.integers(0, last)
        op = OPERATIONS[draw(st.sampled_from(UNARY + BINARY + NARY))]
        consts: tuple[float, ...] = ()
        if op.shape == "binary":
            args: tuple[int, ...] = (last, draw(slot))
        elif op.shape == "sum":
            args = (last, *draw(st.lists(slot, max_size=3)))
        elif op.shape == "wsum":
            k = draw(st.integers(1, 3))
            args = (last, *(draw(slot) for _ in range(2 * k)))
        elif op.shape == "wsum_c":
            k = draw(st.integers(1, 3))
            args = (last, *(draw(slot) for _ in range(k)))
            consts = tuple(draw(constants) for _ in range(k))
        else:
            args = (last,)
            if op.constants is not None:
                consts = draw(op.constants)
        step = Step(op.name, args, consts)
        result = _evaluate(step, vals, grads, xs)
        if result is None:
            # tanh of an in-bounds slot is in bounds too: |tanh| <= 1 and sech² <= 1.
            step = Step("tanh", (last,))
            result = _evaluate(step, vals, grads, xs)
            if result is None:  # pragma: no cover - would be a bug of this module
                raise RuntimeError(f"expressions: no safe step after {steps!r}")
        steps.append(step)
        vals.append(result[0])
        grads.append(result[1])
    return Expression(xs, tuple(steps), vals[-1], grads[-1])


def expressions(
    max_inputs: int = 3,
    max_steps: int = 6,
    inputs: st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[Expression]:
    """Random expressions of 1..max_inputs inputs and 1..max_steps operations.

    Every operation of the engine appears (``+ - * / **`` between Values and with numbers on
    either side, ``neg exp log tanh sigmoid relu``, ``Value.sum`` and both kinds of
    ``Value.weighted_sum``), and every drawn expression is differentiable at its inputs with a
    margin: operands stay at least ``GAP`` (and well over a central-difference step) from any
    kink or pole, and every intermediate value and slope stays within ``MAX_MAGNITUDE``. So
    ``gradcheck(expr, expr.inputs)`` holds with its default tolerances. Nothing is rejected
    while drawing; narrow the domain further with ``assume`` on ``expr.value`` or
    ``expr.inputs`` if your own function needs it. ``inputs`` draws each input (default
    ``reals(-2, 2)``); it must draw finite numbers within ±MAX_MAGNITUDE (ValueError otherwise).
    """
    if not 1 <= max_inputs <= 8:
        raise ValueError(f"expressions: max_inputs must be within 1..8, got {max_inputs!r}")
    if not 1 <= max_steps <= 50:
        raise ValueError(f"expressions: max_steps must be within 1..50, got {max_steps!r}")
    return _expressions(max_inputs, max_steps, reals(-2.0, 2.0) if inputs is None else inputs)


# ---------------------------------------------------------------------------------------------
# Networks as plain data: what a check of a formula for ∂C/∂w_jk^(l) draws. The engine knows
# no layers, activations or losses, so their names are passed in (``nn.strategies`` passes
# nn's own); a network is sizes, a name per layer and numbers, in the notes' notation.

#: Network inputs, weights and biases: order 1, so that 4 layers stay far from overflow.
network_reals = reals(-2.0, 2.0)

#: What ``targets`` can draw: any reals, labels in [0, 1] (0 and 1 included), or one-hot.
TARGET_KINDS = ("real", "label", "one_hot")


@dataclass(frozen=True)
class NetworkData:
    """An MLP as plain data, layers 1..L as in the notes.

    ``sizes`` = (n_0, n_1, ..., n_L): n_0 inputs and n_l neurons in layer l. ``activations``
    holds layer l's activation name at index l − 1. ``weights[l-1][j]`` =
    (w_j0^(l), ..., w_j(n_{l-1}−1)^(l), b_j^(l)): the weights into neuron j of layer l from
    neuron k of layer l − 1, then its bias.
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    weights: tuple[tuple[tuple[float, ...], ...], ...]

    @property
    def layers(self) -> int:
        """L, the number of layers with weights."""
        return len(self.sizes) - 1


@dataclass(frozen=True)
class NetworkProblem:
    """A network, a ``loss`` name and a batch: inputs ``xs[i]`` (n_0 each), targets ``ys[i]``."""

    network: NetworkData
    loss: str
    xs: tuple[tuple[float, ...], ...]
    ys: tuple[tuple[float, ...], ...]


@st.composite
def layer_sizes(
    draw: st.DrawFn,
    *,
    max_inputs: int = 6,
    min_layers: int = 1,
    max_layers: int = 4,
    max_neurons: int = 6,
) -> tuple[int, ...]:
    """(n_0, n_1, ..., n_L): 1..max_inputs inputs, min..max_layers layers of 1..max_neurons."""
    if not 1 <= min_layers <= max_layers:
        raise ValueError(f"layer_sizes needs 1 <= min_layers <= max_layers, got {min_layers}, "
                         f"{max_layers}")  # fmt: skip
    nin = draw(st.integers(1, max_inputs))
    layers = draw(st.lists(st.integers(1, max_neurons), min_size=min_layers, max_size=max_layers))
    return (nin, *layers)


def weights_for(
    sizes: Sequence[int], weights: st.SearchStrategy[float] = network_reals
) -> st.SearchStrategy[tuple[tuple[tuple[float, ...], ...], ...]]:
    """Every weight and bias of a network of ``sizes``, laid out as ``NetworkData.weights``."""
    return st.tuples(
        *(
            st.tuples(*(st.tuples(*([weights] * (sizes[l - 1] + 1))) for _ in range(sizes[l])))
            for l in range(1, len(sizes))
        )
    )


def vectors(
    n: int, elements: st.SearchStrategy[float] = network_reals
) -> st.SearchStrategy[tuple[float, ...]]:
    """n floats: an input x of a network with n inputs, by default from ``network_reals``."""
    return st.tuples(*([elements] * n))


def targets(kind: str, n: int) -> st.SearchStrategy[tuple[float, ...]]:
    """A target y of n values: "real" in [-2, 2], "label" 0 or 1 or soft in [0, 1], "one_hot"."""
    if kind == "real":
        return vectors(n, reals(-2.0, 2.0))
    if kind == "label":
        return vectors(n, st.one_of(st.sampled_from([0.0, 1.0]), reals(0.0, 1.0)))
    if kind == "one_hot":
        return st.integers(0, n - 1).map(lambda c: tuple(1.0 if j == c else 0.0 for j in range(n)))
    raise ValueError(f"targets: unknown kind {kind!r}, choose one of {list(TARGET_KINDS)}")


@st.composite
def networks(
    draw: st.DrawFn,
    /,
    activations: Sequence[str],
    *,
    output_activations: Sequence[str | None] = (None,),
    weights: st.SearchStrategy[float] = network_reals,
    **sizes: int,
) -> NetworkData:
    """A network: sizes from ``layer_sizes(**sizes)``, each layer's activation drawn from
    ``activations`` (all one name, or one per layer), the output layer's replaced by one of
    ``output_activations`` unless that is None, and every weight and bias from ``weights``."""
    if not activations:
        raise ValueError("networks needs at least one activation name")
    shape = draw(layer_sizes(**sizes))
    layers = len(shape) - 1
    names = st.sampled_from(list(activations))
    one_for_all = draw(st.booleans())
    acts = [draw(names)] * layers if one_for_all else [draw(names) for _ in range(layers)]
    output = draw(st.sampled_from(list(output_activations)))
    if output is not None:
        acts[-1] = output
    return NetworkData(shape, tuple(acts), draw(weights_for(shape, weights)))


@st.composite
def network_problems(
    draw: st.DrawFn,
    /,
    activations: Sequence[str],
    losses: Mapping[str, tuple[str, Sequence[str | None]]],
    *,
    min_batch: int = 1,
    max_batch: int = 5,
    **network_options: Any,
) -> NetworkProblem:
    """A loss drawn from ``losses``, a network whose output suits it, and a batch.

    ``losses`` maps each loss name to (target kind, output activations it is meant for): e.g.
    ``{"cross_entropy": ("one_hot", ("softmax",)), "squared_error": ("real", (None,))}`` (None
    keeps the drawn activation of the output layer).
    """
    if not losses:
        raise ValueError("network_problems needs at least one loss")
    loss = draw(st.sampled_from(sorted(losses)))
    kind, outputs = losses[loss]
    net = draw(networks(activations, output_activations=outputs, **network_options))
    m = draw(st.integers(min_batch, max_batch))
    xs = tuple(draw(vectors(net.sizes[0])) for _ in range(m))
    ys = tuple(draw(targets(kind, net.sizes[-1])) for _ in range(m))
    return NetworkProblem(net, loss, xs, ys)
