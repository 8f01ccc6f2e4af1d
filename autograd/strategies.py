"""Hypothesis strategies for property-testing scalar functions built on chainrule's ``Value``.

Three strategies, for users who test their own functions and for chainrule's own test suite:

- ``reals(min_value, max_value, avoid=..., gap=...)``: finite floats within bounds, kept at
  least ``gap`` away from chosen points (a kink, a pole) by construction, without filtering;
- ``values(...)``: leaf ``Value``s holding such floats;
- ``expressions(...)``: random expressions over a few inputs, every one differentiable at its
  inputs, as an ``Expression``: a callable on ``Value``s plus ``inputs``, ready for
  ``gradcheck(expr, expr.inputs)``.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

try:
    from hypothesis import strategies as st
except ImportError as error:
    raise ImportError(
        "autograd.strategies needs the Hypothesis library: pip install hypothesis"
    ) from error

from autograd.engine import Value

__all__ = ["Expression", "Step", "expressions", "reals", "values"]


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
    return st.one_of([st.floats(a, b, allow_nan=False, allow_infinity=False) for a, b in pieces])


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

#: Operation names, by how many slots they read: unary ops (with a constant where named
#: ``_c``/``c_``), binary ops, and the n-ary sum and weighted sums.
UNARY = (
    "neg", "exp", "log", "tanh", "sigmoid", "relu",
    "add_c", "c_add", "sub_c", "c_sub", "mul_c", "c_mul", "div_c", "c_div", "pow_c", "c_pow",
)  # fmt: skip
BINARY = ("add", "sub", "mul", "div", "pow")
NARY = ("sum", "wsum", "wsum_c")
#: Constant exponents for ``pow_c``: 0 and 1 and 2 are special cases of the engine.
EXPONENTS = (0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5)


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
            slots.append(_apply_value(s, [slots[i] for i in s.args]))
        return slots[-1]

    def program(self) -> str:
        """The steps as text, one assignment per slot: ``t2 = exp(t1); t3 = t2 * t0; ...``."""
        n = len(self.inputs)
        return "; ".join(f"t{n + k} = {_show(s)}" for k, s in enumerate(self.steps))

    def __repr__(self) -> str:
        return f"Expression(inputs={self.inputs!r}, program={self.program()!r})"


def _show(s: Step) -> str:
    a = [f"t{i}" for i in s.args]
    c = s.constants
    infix = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
    if s.op in infix:
        return f"{a[0]} {infix[s.op]} {a[1]}"
    if s.op.endswith("_c") and s.op != "wsum_c":
        return f"{a[0]} {infix[s.op[:-2]]} {c[0]!r}"
    if s.op.startswith("c_"):
        return f"{c[0]!r} {infix[s.op[2:]]} {a[0]}"
    if s.op == "wsum":
        n = len(a) // 2
        return f"wsum(w=[{', '.join(a[:n])}], a=[{', '.join(a[n:-1])}], b={a[-1]})"
    if s.op == "wsum_c":
        return f"wsum(w=[{', '.join(a[:-1])}], x={list(c)!r}, b={a[-1]})"
    return f"{s.op}({', '.join(a)})"


def _apply_value(s: Step, a: list[Value]) -> Value:
    """One step on Values, through the engine's public operations."""
    op, c = s.op, s.constants
    result: Value
    if op == "neg":
        result = -a[0]
    elif op in ("exp", "log", "tanh", "sigmoid", "relu"):
        method: Callable[[], Value] = getattr(a[0], op)
        result = method()
    elif op == "add":
        result = a[0] + a[1]
    elif op == "sub":
        result = a[0] - a[1]
    elif op == "mul":
        result = a[0] * a[1]
    elif op == "div":
        result = a[0] / a[1]
    elif op == "pow":
        result = a[0] ** a[1]
    elif op == "add_c":
        result = a[0] + c[0]
    elif op == "c_add":
        result = c[0] + a[0]
    elif op == "sub_c":
        result = a[0] - c[0]
    elif op == "c_sub":
        result = c[0] - a[0]
    elif op == "mul_c":
        result = a[0] * c[0]
    elif op == "c_mul":
        result = c[0] * a[0]
    elif op == "div_c":
        result = a[0] / c[0]
    elif op == "c_div":
        result = c[0] / a[0]
    elif op == "pow_c":
        result = a[0] ** c[0]
    elif op == "c_pow":
        result = c[0] ** a[0]
    elif op == "sum":
        result = Value.sum(a)
    elif op == "wsum":
        n = len(a) // 2
        result = Value.weighted_sum(a[:n], a[n : 2 * n], a[-1])
    elif op == "wsum_c":
        result = Value.weighted_sum(a[:-1], c, a[-1])
    else:
        raise ValueError(f"unknown expression op {op!r}")
    return result


def _local(s: Step, u: list[float]) -> tuple[float, list[float]] | None:
    """(result, [∂result/∂arg_j]) on floats, or None where the step is not safely smooth.

    The distance conditions on the operands are checked by the caller; this refuses what has
    no real value at all.
    """
    op, c = s.op, s.constants
    x = u[0]
    try:
        if op == "neg":
            return -x, [-1.0]
        if op == "exp":
            r = math.exp(x)
            return r, [r]
        if op == "log":
            return math.log(x), [1.0 / x]
        if op == "tanh":
            return math.tanh(x), [1.0 / math.cosh(x) ** 2]
        if op == "sigmoid":
            e = math.exp(-abs(x))  # σ(x) and σ'(x) = e^-|x| / (1 + e^-|x|)², without overflow
            r = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
            return r, [e / (1.0 + e) ** 2]
        if op == "relu":
            return max(x, 0.0), [1.0 if x > 0.0 else 0.0]
        if op == "add":
            return x + u[1], [1.0, 1.0]
        if op == "sub":
            return x - u[1], [1.0, -1.0]
        if op == "mul":
            return x * u[1], [u[1], x]
        if op == "div":
            return x / u[1], [1.0 / u[1], -x / u[1] ** 2]
        if op == "pow":
            r = math.pow(x, u[1])
            return r, [u[1] * math.pow(x, u[1] - 1.0), r * math.log(x)]
        if op in ("add_c", "c_add"):
            return x + c[0], [1.0]
        if op == "sub_c":
            return x - c[0], [1.0]
        if op == "c_sub":
            return c[0] - x, [-1.0]
        if op in ("mul_c", "c_mul"):
            return x * c[0], [c[0]]
        if op == "div_c":
            return x / c[0], [1.0 / c[0]]
        if op == "c_div":
            return c[0] / x, [-c[0] / x**2]
        if op == "pow_c":
            k = c[0]
            return math.pow(x, k), [0.0 if k == 0.0 else k * math.pow(x, k - 1.0)]
        if op == "c_pow":
            r = math.pow(c[0], x)
            return r, [r * math.log(c[0])]
        if op == "sum":
            return math.fsum(u), [1.0] * len(u)
        if op == "wsum":
            n = len(u) // 2
            w, a = u[:n], u[n : 2 * n]
            return math.fsum([*(wk * ak for wk, ak in zip(w, a, strict=True)), u[-1]]), [
                *a,
                *w,
                1.0,
            ]
        if op == "wsum_c":
            w = u[:-1]
            return math.fsum([*(wk * xk for wk, xk in zip(w, c, strict=True)), u[-1]]), [*c, 1.0]
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    raise ValueError(f"unknown expression op {op!r}")


def _singular_points(s: Step) -> list[tuple[int, float, bool]]:
    """(argument index, point, two-sided) for each kink or pole the step's operands must avoid.

    Two-sided points must be avoided on both sides (|u - p| >= margin); one-sided ones bound
    the domain from below (u - p >= margin).
    """
    op, c = s.op, s.constants
    if op == "relu":
        return [(0, 0.0, True)]
    if op == "c_div":
        return [(0, 0.0, True)]
    if op == "div":
        return [(1, 0.0, True)]
    if op in ("log", "pow"):
        return [(0, 0.0, False)]
    if op == "pow_c":
        k = c[0]
        if k.is_integer():
            # x^k is a polynomial for k >= 0; a negative integer power has a pole at 0.
            return [] if k >= 0.0 else [(0, 0.0, True)]
        return [(0, 0.0, False)]  # not real for x < 0
    return []


def _sensitivity(grads: Sequence[float], xs: Sequence[float]) -> float:
    """How far a central-difference step on any one input can move a slot: max_i h_i |∂/∂x_i|."""
    return max(_STEP * max(1.0, abs(x)) * abs(g) for x, g in zip(xs, grads, strict=True))


def _evaluate(
    s: Step, vals: list[float], grads: list[tuple[float, ...]], xs: Sequence[float]
) -> tuple[float, tuple[float, ...]] | None:
    """The step's value and gradient with respect to the inputs, or None if it is unsafe."""
    u = [vals[i] for i in s.args]
    for j, point, two_sided in _singular_points(s):
        distance = abs(u[j] - point) if two_sided else u[j] - point
        if distance < max(GAP, _SAFETY * _sensitivity(grads[s.args[j]], xs)):
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
        op = draw(st.sampled_from(UNARY + BINARY + NARY))
        consts: tuple[float, ...] = ()
        if op in BINARY:
            args: tuple[int, ...] = (last, draw(slot))
        elif op == "sum":
            args = (last, *draw(st.lists(slot, max_size=3)))
        elif op == "wsum":
            k = draw(st.integers(1, 3))
            args = (last, *(draw(slot) for _ in range(2 * k)))
        elif op == "wsum_c":
            k = draw(st.integers(1, 3))
            args = (last, *(draw(slot) for _ in range(k)))
            consts = tuple(draw(constants) for _ in range(k))
        else:
            args = (last,)
            if op == "pow_c":
                consts = (draw(st.sampled_from(EXPONENTS)),)
            elif op == "c_pow":
                consts = (draw(reals(0.2, 5.0)),)
            elif op == "div_c":
                consts = (draw(reals(-3.0, 3.0, avoid=[0.0], gap=0.5)),)
            elif "_c" in op or "c_" in op:
                consts = (draw(constants),)
        step = Step(op, args, consts)
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
