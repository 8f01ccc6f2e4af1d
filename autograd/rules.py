"""The derivative table: every primitive's forward formula beside its local partial derivatives.

One row per primitive. ``forward`` computes the value on plain floats and catches and reports
domain errors and overflow (the partials can still fail where the value exists but a
derivative does not, as x^y's in y at x <= 0, or x^0.5's at 0; the engine then names the
operation and its operands). ``partials`` returns
``(∂out/∂arg_0, ∂out/∂arg_1, ...)`` for the operation's *Value* arguments; it is written with
the dispatching functions below (``exp``, ``log``, ``sigmoid``, ``power``, ``step``) and plain
arithmetic, so the very same formula runs on floats (fast first derivatives) and on ``Value``s
(a differentiable graph of the derivative, hence higher derivatives).

A partials function is called as ``partials(out, *args)``: ``out`` is the operation's result
and ``args`` are its arguments followed by its constants (the constant inputs of a weighted
sum; a constant exponent c is not passed, it is part of its row, ``power_rule(c)``). In float
mode these are the ``data`` of the nodes; in graph mode they are the nodes themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import mul
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from autograd.engine import Value

#: A scalar the derivative formulas run on: a float, or a ``Value`` when building the graph of
#: a derivative.
S = TypeVar("S", float, "Value")


@dataclass(frozen=True, slots=True)
class Rule:
    """One primitive: its name, the symbol shown as ``Value.op``, and its two formulas.

    ``formula`` is the forward formula as text in the arguments' names (x, y; for the n-ary
    rows x_k, w_k, a_k, b) and ``derivatives`` the text of each partial in argument order, as
    a learner would write it: what ``viz`` and ``explain`` show beside the numbers. An n-ary
    row gives one text per kind of argument (``∂/∂w_k``, ``∂/∂a_k``, ``∂/∂b``).
    """

    name: str
    symbol: str
    forward: Callable[..., float]
    partials: Callable[..., tuple[Any, ...]]
    formula: str
    derivatives: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Forward formulas on floats, with every domain check of the engine.


def _fmt(x: float) -> str:
    return repr(float(x))


def f_div(x: float, y: float) -> float:
    """x / y."""
    if y == 0.0:
        raise ZeroDivisionError(f"division by zero in '/': {_fmt(x)} / {_fmt(y)}")
    return x / y


def f_pow(x: float, y: float) -> float:
    """x ** y for real x and y, refusing results that are complex or infinite."""
    if x < 0.0 and not float(y).is_integer():
        raise ValueError(
            f"'**' of a negative base to a non-integer power is not real: {_fmt(x)} ** {_fmt(y)}"
        )
    if x == 0.0 and y < 0.0:
        raise ZeroDivisionError(
            f"'**' of zero to a negative power divides by zero: {_fmt(x)} ** {_fmt(y)}"
        )
    try:
        return float(x**y)
    except OverflowError:
        raise OverflowError(f"'**' overflows: {_fmt(x)} ** {_fmt(y)}") from None


def f_exp(x: float) -> float:
    """e ** x."""
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(
            f"exp overflows: exp({_fmt(x)}) exceeds the largest float (operand must be <= 709.78)"
        ) from None


def f_log(x: float) -> float:
    """Natural logarithm, for x > 0."""
    if not x > 0.0:
        if math.isnan(x):
            return x
        raise ValueError(f"log of a number <= 0 is undefined: log({_fmt(x)})")
    return math.log(x)


def f_sigmoid(x: float) -> float:
    """1 / (1 + e^-x), evaluated so that e^t never overflows (t <= 0 always)."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def f_relu(x: float) -> float:
    """max(x, 0)."""
    return x if x > 0.0 else 0.0


# Sums are correctly rounded (fsum), so that a hand computation in any order of the terms gives
# exactly the engine's number.


def _fsum(terms: list[float], op: str) -> float:
    """math.fsum(terms), with its errors naming the operation and the largest term."""
    try:
        return math.fsum(terms)
    except OverflowError:
        raise OverflowError(
            f"'{op}' overflows: the sum of its {len(terms)} terms exceeds the largest float "
            f"(largest term {max(terms, key=abs)!r})"
        ) from None
    except ValueError:
        raise ValueError(
            f"'{op}' adds +inf and -inf among its {len(terms)} terms: the sum is undefined"
        ) from None


def f_sum(*xs: float) -> float:
    """Σ_k x_k."""
    return _fsum(list(xs), "sum")


def f_weighted_sum(*args: float) -> float:
    """Σ_k w_k a_k + b for args = (w_0..w_{n-1}, a_0..a_{n-1}, b)."""
    n = len(args) // 2
    return _fsum([*map(mul, args[:n], args[n : 2 * n]), args[-1]], "wsum")


def f_weighted_sum_const(*args: float) -> float:
    """Σ_k w_k x_k + b for args = (w_0..w_{n-1}, b, x_0..x_{n-1}), the x_k constants."""
    n = len(args) // 2
    return _fsum([*map(mul, args[:n], args[n + 1 :]), args[n]], "wsum")


# ---------------------------------------------------------------------------------------------
# Functions that run on floats and on Values alike: the vocabulary of the partials below.


def exp(x: S) -> S:
    """e ** x."""
    return f_exp(x) if isinstance(x, float) else x.exp()


def log(x: S) -> S:
    """ln x."""
    return f_log(x) if isinstance(x, float) else x.log()


def sigmoid(x: S) -> S:
    """σ(x) = 1 / (1 + e^-x)."""
    return f_sigmoid(x) if isinstance(x, float) else x.sigmoid()


def tanh(x: S) -> S:
    """tanh x."""
    return math.tanh(x) if isinstance(x, float) else x.tanh()


def relu(x: S) -> S:
    """max(x, 0)."""
    return f_relu(x) if isinstance(x, float) else x.relu()


def power(x: S, y: float) -> S:
    """x ** y for a constant exponent y."""
    return f_pow(x, y) if isinstance(x, float) else x**y


def step(x: float | Value) -> float:
    """1 where x > 0, else 0: the derivative of relu, a constant on each side of the kink."""
    return 1.0 if (x if isinstance(x, float) else x.data) > 0.0 else 0.0


# ---------------------------------------------------------------------------------------------
# Partial derivatives. Each returns one entry per Value argument, in argument order.


def _d_pow(out: S, x: S, y: S) -> tuple[S, S | float]:
    """∂(x^y)/∂x = y x^(y-1);  ∂(x^y)/∂y = x^y ln x."""
    base = y * _pow_any(x, y - 1.0)
    xv = x if isinstance(x, float) else x.data
    if xv > 0.0:
        return base, out * log(x)
    yv = y if isinstance(y, float) else y.data
    if xv == 0.0 and yv > 0.0:
        return base, 0.0  # x^y ln x -> 0 as x -> 0+ for y > 0
    raise ValueError(
        f"'**' has no derivative with respect to the exponent at a base <= 0: "
        f"{_fmt(xv)} ** {_fmt(yv)} (x^y ln x needs x > 0)"
    )


def _pow_any(x: S, y: S) -> S:
    """x ** y where the exponent may itself be a Value (graph mode)."""
    if isinstance(x, float) and isinstance(y, float):
        return f_pow(x, y)
    return x**y


@lru_cache(maxsize=256)
def power_rule(c: float) -> Rule:
    """The row for x ** c with a constant exponent c (one row per exponent, shared by nodes)."""

    def partials(out: S, x: S) -> tuple[S | float]:
        """∂(x^c)/∂x = c x^(c-1)."""
        if c == 0.0:
            return (0.0,)  # x^0 is constant, and 0 * x^-1 would divide by zero at x = 0
        if c == 1.0:
            return (1.0,)
        if c == 2.0:
            return (2.0 * x,)  # exact, and the common case (squared errors)
        return (c * power(x, c - 1.0),)

    # The cache treats 0.0 and -0.0 as one key: name the row "**0" whichever came first.
    shown = f"{c + 0.0:g}"
    return Rule(
        "powc", f"**{shown}", lambda x: f_pow(x, c), partials,
        f"x^{shown}", (f"{shown}·x^{c - 1.0 + 0.0:g}",),
    )  # fmt: skip


def _d_weighted_sum(out: Any, *args: Any) -> tuple[Any, ...]:
    """∂z/∂w_k = a_k, ∂z/∂a_k = w_k, ∂z/∂b = 1 for z = Σ_k w_k a_k + b."""
    n = len(args) // 2
    return (*args[n : 2 * n], *args[:n], 1.0)


def _d_weighted_sum_const(out: Any, *args: Any) -> tuple[Any, ...]:
    """∂z/∂w_k = x_k, ∂z/∂b = 1 for z = Σ_k w_k x_k + b with constant x_k."""
    n = len(args) // 2
    return (*args[n + 1 :], 1.0)


#: The table. Every primitive the engine records is one row here and nowhere else.
ADD = Rule("add", "+", lambda x, y: x + y, lambda out, x, y: (1.0, 1.0), "x + y", ("1", "1"))
SUB = Rule("sub", "-", lambda x, y: x - y, lambda out, x, y: (1.0, -1.0), "x - y", ("1", "-1"))
MUL = Rule("mul", "*", lambda x, y: x * y, lambda out, x, y: (y, x), "x · y", ("y", "x"))
DIV = Rule("div", "/", f_div, lambda out, x, y: (1.0 / y, -out / y), "x / y", ("1/y", "-x/y²"))
POW = Rule("pow", "**", f_pow, _d_pow, "x ** y", ("y·x^(y-1)", "x^y·ln x"))
NEG = Rule("neg", "neg", lambda x: -x, lambda out, x: (-1.0,), "-x", ("-1",))
EXP = Rule("exp", "exp", f_exp, lambda out, x: (out,), "e^x", ("e^x",))
LOG = Rule("log", "log", f_log, lambda out, x: (1.0 / x,), "ln x", ("1/x",))
# tanh' = 1 - tanh² and σ' = σ(1 - σ) lose all precision where the activation saturates
# (1 - out cancels); 4σ(2x)σ(-2x) and σ(x)σ(-x) are the same functions without cancellation.
TANH = Rule(
    "tanh", "tanh", math.tanh,
    lambda out, x: (4.0 * sigmoid(2.0 * x) * sigmoid(-2.0 * x),), "tanh x",
    ("1 - tanh²x",),
)  # fmt: skip
SIGMOID = Rule(
    "sigmoid",
    "sigmoid",
    f_sigmoid,
    lambda out, x: (out * sigmoid(-x),),
    "σ(x)",
    ("σ(x)(1 - σ(x))",),
)
RELU = Rule("relu", "relu", f_relu, lambda out, x: (step(x),), "max(x, 0)", ("1 if x > 0 else 0",))
SUM = Rule("sum", "sum", f_sum, lambda out, *xs: (1.0,) * len(xs), "Σ_k x_k", ("1",))
WEIGHTED_SUM = Rule(
    "wsum", "wsum", f_weighted_sum, _d_weighted_sum, "Σ_k w_k a_k + b", ("a_k", "w_k", "1")
)
WEIGHTED_SUM_CONST = Rule(
    "wsumc", "wsum", f_weighted_sum_const, _d_weighted_sum_const,
    "Σ_k w_k x_k + b", ("x_k", "1"),
)  # fmt: skip

TABLE: tuple[Rule, ...] = (
    ADD, SUB, MUL, DIV, POW, NEG, EXP, LOG, TANH, SIGMOID, RELU, SUM, WEIGHTED_SUM,
    WEIGHTED_SUM_CONST,
)  # fmt: skip
