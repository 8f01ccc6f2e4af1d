"""The derivative table: every primitive's forward formula beside its local partial derivatives.

One row per primitive. ``forward`` computes the value on plain floats. On finite operands it
raises where the result is not a finite real number: ``ValueError`` outside the domain
(``sqrt(-1.0)``, ``acos(1.5)``), ``ZeroDivisionError`` for a division by zero,
``OverflowError`` past the largest float (the engine catches the overflows that IEEE
arithmetic lets through silently, such as ``1e308 * 10``). On a nan or infinite operand it
gives what IEEE 754 gives (``relu(nan)`` is nan, ``sin(inf)`` is nan) and never raises: such
values were put into the graph by its user, and propagate.

``partials`` returns ``(∂out/∂arg_0, ∂out/∂arg_1, ...)`` for the operation's *Value*
arguments; it is written with the dispatching functions below (``exp``, ``log``, ``sin``, ...)
and plain arithmetic, so the very same formula runs on floats (fast first derivatives) and on
``Value``s (a differentiable graph of the derivative, hence higher derivatives). Where a
derivative is infinite or undefined at a point the forward pass accepts (``sqrt`` at 0, the
base of ``0 ** 0.5``), a unary row may raise; a row of several arguments returns ``inf`` or
``nan`` for that one entry instead, so that the others can still be had: the engine raises
only if that entry is about to reach a gradient somebody receives.

A partials function is called as ``partials(out, *args)``: ``out`` is the operation's result
and ``args`` are its arguments followed by its constants (the constant inputs of a weighted
sum; a constant exponent c is not passed, it is part of its row, ``power_rule(c)``). In float
mode these are the ``data`` of the nodes; in graph mode they are the nodes themselves.

Derivative conventions at kinks, where no derivative exists: relu'(0) = 0, abs'(0) = 0, and
max and min split the gradient evenly at a tie (∂max(a, b)/∂a = ∂max(a, b)/∂b = 1/2 where
a = b), as PyTorch does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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
    row gives one text per kind of argument (``∂/∂w_k``, ``∂/∂a_k``, ``∂/∂b``). ``constant``
    is the constant built into the row (the exponent c of ``x ** c``), if any. ``fixed`` is
    the partials themselves where they are numbers that depend on nothing (``+``, ``-``,
    negation): the engine's float pass reads them instead of calling ``partials``, and
    ``fixed_row`` makes both from one tuple, so that the two cannot disagree.
    ``from_constants`` gives the same float partials from the node's constants alone, where
    they need nothing else (a weighted sum of constant inputs: ∂z/∂w_k = x_k), so that the
    float pass does not gather every parent's number for nothing; the tests hold it to
    ``partials``. ``expression`` is ``forward`` as a Python expression in x and y, for a row
    whose forward is one arithmetic operator (``+ - *``): ``arithmetic_row`` makes ``forward``
    from it, and the engine writes it into that operator's method, so that ``x * y`` costs one
    Python call rather than three.
    """

    name: str
    symbol: str
    forward: Callable[..., float]
    partials: Callable[..., tuple[Any, ...]]
    formula: str
    derivatives: tuple[str, ...]
    constant: float | None = None
    fixed: tuple[float, ...] | None = None
    from_constants: Callable[[tuple[float, ...]], tuple[float, ...]] | None = None
    expression: str | None = None


# ---------------------------------------------------------------------------------------------
# Forward formulas on floats, with every domain check of the engine.


def _fmt(x: float) -> str:
    return repr(float(x))


def _finite(x: float) -> bool:
    # x - x is 0.0 for a finite x and nan for nan and ±inf; cheaper than a call to isfinite.
    return x - x == 0.0


def f_div(x: float, y: float) -> float:
    """x / y."""
    if y == 0.0:
        if _finite(x):
            raise ZeroDivisionError(f"division by zero in '/': {_fmt(x)} / {_fmt(y)}")
        return x * math.copysign(math.inf, y)  # IEEE: ±inf / ±0 is ±inf, nan / 0 is nan
    return x / y


def f_pow(x: float, y: float) -> float:
    """x ** y for real x and y, refusing results that are complex or infinite."""
    if x - x or y - y:  # nan (truthy) unless both are finite: what _finite does, without calls
        return math.pow(x, y)  # C99 / IEEE 754 for the special values, never complex
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
        if _finite(x):
            raise ValueError(f"log of a number <= 0 is undefined: log({_fmt(x)})")
        return math.nan  # nan, and IEEE's log(-inf)
    return math.log(x)


def f_sigmoid(x: float) -> float:
    """1 / (1 + e^-x), evaluated so that e^t never overflows (t <= 0 always)."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def f_relu(x: float) -> float:
    """max(x, 0); nan stays nan."""
    return 0.0 if x <= 0.0 else x


def f_softplus(x: float) -> float:
    """ln(1 + e^x), without overflow for large x or loss of precision for very negative x."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


def f_abs(x: float) -> float:
    """|x|."""
    return abs(x)


def f_max(x: float, y: float) -> float:
    """The larger of x and y; nan if either is nan."""
    if x != x or y != y:
        return math.nan
    return x if x >= y else y


def f_min(x: float, y: float) -> float:
    """The smaller of x and y; nan if either is nan."""
    if x != x or y != y:
        return math.nan
    return x if x <= y else y


def _math(
    name: str, fn: Callable[[float], float], inside: Callable[[float], bool] | None, domain: str
) -> Callable[[float], float]:
    """The forward function of a one-argument math function, with the table's error policy.

    ``inside`` says whether a finite x is in the domain; outside it, ValueError names the
    operation and operand and says what the domain is.
    """

    def forward(x: float) -> float:
        if x - x != 0.0:  # nan or ±inf
            try:
                return fn(x)
            except (ValueError, OverflowError):
                return math.nan  # IEEE's invalid operation, as sin(inf)
        if inside is not None and not inside(x):
            raise ValueError(f"{name} is defined only for {domain}: {name}({_fmt(x)})")
        try:
            return fn(x)
        except OverflowError:
            raise OverflowError(
                f"{name} overflows: {name}({_fmt(x)}) exceeds the largest float"
            ) from None

    forward.__name__ = forward.__qualname__ = f"f_{name}"
    forward.__doc__ = f"{name}(x) for x in {domain}."
    return forward


f_sin = _math("sin", math.sin, None, "every real x")
f_cos = _math("cos", math.cos, None, "every real x")
f_tan = _math("tan", math.tan, None, "every real x")
f_asin = _math("asin", math.asin, lambda x: -1.0 <= x <= 1.0, "-1 <= x <= 1")
f_acos = _math("acos", math.acos, lambda x: -1.0 <= x <= 1.0, "-1 <= x <= 1")
f_atan = _math("atan", math.atan, None, "every real x")
f_sinh = _math("sinh", math.sinh, None, "every real x")
f_cosh = _math("cosh", math.cosh, None, "every real x")
f_asinh = _math("asinh", math.asinh, None, "every real x")
f_acosh = _math("acosh", math.acosh, lambda x: x >= 1.0, "x >= 1")
f_atanh = _math("atanh", math.atanh, lambda x: -1.0 < x < 1.0, "-1 < x < 1")
f_sqrt = _math("sqrt", math.sqrt, lambda x: x >= 0.0, "x >= 0")
f_log1p = _math("log1p", math.log1p, lambda x: x > -1.0, "x > -1")
f_expm1 = _math("expm1", math.expm1, None, "every real x")
f_log2 = _math("log2", math.log2, lambda x: x > 0.0, "x > 0")
f_log10 = _math("log10", math.log10, lambda x: x > 0.0, "x > 0")


def f_atan2(y: float, x: float) -> float:
    """The angle of the point (x, y), in (-π, π]."""
    return math.atan2(y, x)


def f_hypot(x: float, y: float) -> float:
    """√(x² + y²), without overflow or underflow of the squares."""
    return math.hypot(x, y)


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
        return math.nan  # +inf and -inf among the terms: IEEE's inf - inf


def f_sum(*xs: float) -> float:
    """Σ_k x_k."""
    return _fsum(list(xs), "sum")


def weighted_sum_of(ws: Sequence[float], xs: Sequence[float], b: float) -> float:
    """Σ_k w_k x_k + b: what both weighted-sum rows compute, on their numbers laid out apart.

    The engine calls it with the weights' and inputs' numbers as they are, rather than spread
    into one argument list for the row's ``forward``: spreading 130 numbers into a call and
    slicing them apart again cost more than the correctly rounded sum itself.
    """
    terms = list(map(mul, ws, xs))
    terms.append(b)
    return _fsum(terms, "wsum")


def f_weighted_sum(*args: float) -> float:
    """Σ_k w_k a_k + b for args = (w_0..w_{n-1}, a_0..a_{n-1}, b)."""
    n = len(args) // 2
    return weighted_sum_of(args[:n], args[n : 2 * n], args[-1])


def f_weighted_sum_const(*args: float) -> float:
    """Σ_k w_k x_k + b for args = (w_0..w_{n-1}, b, x_0..x_{n-1}), the x_k constants."""
    n = len(args) // 2
    return weighted_sum_of(args[:n], args[n + 1 :], args[n])


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


def sin(x: S) -> S:
    """sin x."""
    return f_sin(x) if isinstance(x, float) else x.sin()


def cos(x: S) -> S:
    """cos x."""
    return f_cos(x) if isinstance(x, float) else x.cos()


def sinh(x: S) -> S:
    """sinh x."""
    return f_sinh(x) if isinstance(x, float) else x.sinh()


def cosh(x: S) -> S:
    """cosh x."""
    return f_cosh(x) if isinstance(x, float) else x.cosh()


def sqrt(x: S) -> S:
    """√x."""
    return f_sqrt(x) if isinstance(x, float) else x.sqrt()


def hypot(x: S, y: S) -> S:
    """√(x² + y²)."""
    if isinstance(x, float) and isinstance(y, float):
        return f_hypot(x, y)
    v = y if isinstance(x, float) else x
    return type(v).hypot(x, y)


def power(x: S, y: float) -> S:
    """x ** y for a constant exponent y."""
    return f_pow(x, y) if isinstance(x, float) else x**y


def _data(x: float | Value) -> float:
    return x if isinstance(x, float) else x.data


def step(x: float | Value) -> float:
    """1 where x > 0, else 0: the derivative of relu, a constant on each side of the kink."""
    return 1.0 if _data(x) > 0.0 else 0.0


def sign(x: float | Value) -> float:
    """1, 0 or -1 as x is positive, zero or negative: the derivative of |x| (0 at the kink)."""
    v = _data(x)
    return 1.0 if v > 0.0 else -1.0 if v < 0.0 else 0.0 if v == 0.0 else math.nan


def larger(x: float | Value, y: float | Value) -> float:
    """∂max(x, y)/∂x: 1 where x > y, 0 where x < y, 1/2 at a tie."""
    a, b = _data(x), _data(y)
    return 1.0 if a > b else 0.0 if a < b else 0.5 if a == b else math.nan


# ---------------------------------------------------------------------------------------------
# Partial derivatives. Each returns one entry per Value argument, in argument order.


def _d_pow(out: S, x: S, y: S) -> tuple[S | float, S | float]:
    """∂(x^y)/∂x = y x^(y-1);  ∂(x^y)/∂y = x^y ln x.

    At a zero base the first is +inf for 0 < y < 1 (and undefined at y = 0), and the second
    is 0 for y > 0 (x^y ln x -> 0 as x -> 0+); below zero the second is not real. Those
    entries are inf or nan, not errors: ``0.0 ** y`` with a constant base needs only ∂/∂y.
    """
    xv, yv = _data(x), _data(y)
    dx: S | float
    if xv == 0.0 and yv < 1.0:
        dx = math.inf if yv > 0.0 else math.nan
    else:
        dx = y * _pow_any(x, y - 1.0)
    dy: S | float
    if xv > 0.0:
        dy = out * log(x)
    elif xv == 0.0 and yv > 0.0:
        dy = 0.0
    else:
        dy = math.nan
    return dx, dy


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
        f"x^{shown}", (f"{shown}·x^{c - 1.0 + 0.0:g}",), c,
    )  # fmt: skip


def _d_weighted_sum(out: Any, *args: Any) -> tuple[Any, ...]:
    """∂z/∂w_k = a_k, ∂z/∂a_k = w_k, ∂z/∂b = 1 for z = Σ_k w_k a_k + b."""
    n = len(args) // 2
    return (*args[n : 2 * n], *args[:n], 1.0)


def _d_weighted_sum_const(out: Any, *args: Any) -> tuple[Any, ...]:
    """∂z/∂w_k = x_k, ∂z/∂b = 1 for z = Σ_k w_k x_k + b with constant x_k."""
    n = len(args) // 2
    return (*args[n + 1 :], 1.0)


def _d_atan2(out: S, y: S, x: S) -> tuple[S, S]:
    """∂atan2(y, x)/∂y = x / (x² + y²), ∂/∂x = -y / (x² + y²), with r = hypot(x, y)."""
    r = hypot(x, y)
    return x / r / r, -y / r / r


def fixed_row(
    name: str,
    symbol: str,
    forward: Callable[..., float],
    partials: tuple[float, ...],
    formula: str,
    derivatives: tuple[str, ...],
) -> Rule:
    """A row whose partials are numbers that depend on nothing, given once as a tuple."""
    return Rule(
        name, symbol, forward, _constant(partials), formula, derivatives, None, partials
    )  # fmt: skip


def _constant(partials: tuple[float, ...]) -> Callable[..., tuple[float, ...]]:
    def constant_partials(*args: Any) -> tuple[float, ...]:
        return partials

    return constant_partials


def arithmetic_row(
    name: str,
    symbol: str,
    expression: str,
    partials: tuple[float, ...] | Callable[..., tuple[Any, ...]],
    formula: str,
    derivatives: tuple[str, ...],
) -> Rule:
    """A binary row whose forward is one arithmetic operator, given as ``expression``.

    ``forward`` is made from the expression, which the engine also writes into the operator's
    method (see ``Rule.expression``); ``partials`` is a tuple where they are fixed numbers.
    """
    if expression not in _EXPRESSIONS:
        raise ValueError(f"not an expression the engine writes into an operator: {expression!r}")
    forward: Callable[[float, float], float] = eval(f"lambda x, y: {expression}")
    if isinstance(partials, tuple):
        return Rule(
            name, symbol, forward, _constant(partials), formula, derivatives, None, partials,
            expression=expression,
        )  # fmt: skip
    return Rule(name, symbol, forward, partials, formula, derivatives, expression=expression)


#: The expressions an arithmetic row may give: one IEEE operation each, whose result the
#: engine's policy check then sees exactly as it would see the forward function's.
_EXPRESSIONS = frozenset(("x + y", "x - y", "x * y"))


_LN2 = math.log(2.0)
_LN10 = math.log(10.0)

#: The table. Every primitive the engine records is one row here and nowhere else.
ADD = arithmetic_row("add", "+", "x + y", (1.0, 1.0), "x + y", ("1", "1"))
SUB = arithmetic_row("sub", "-", "x - y", (1.0, -1.0), "x - y", ("1", "-1"))
MUL = arithmetic_row("mul", "*", "x * y", lambda out, x, y: (y, x), "x · y", ("y", "x"))
DIV = Rule("div", "/", f_div, lambda out, x, y: (1.0 / y, -out / y), "x / y", ("1/y", "-x/y²"))
POW = Rule("pow", "**", f_pow, _d_pow, "x ** y", ("y·x^(y-1)", "x^y·ln x"))
NEG = fixed_row("neg", "neg", lambda x: -x, (-1.0,), "-x", ("-1",))
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
    "sigmoid", "sigmoid", f_sigmoid, lambda out, x: (out * sigmoid(-x),), "σ(x)",
    ("σ(x)(1 - σ(x))",),
)  # fmt: skip
RELU = Rule("relu", "relu", f_relu, lambda out, x: (step(x),), "max(x, 0)", ("1 if x > 0 else 0",))
SUM = Rule("sum", "sum", f_sum, lambda out, *xs: (1.0,) * len(xs), "Σ_k x_k", ("1",))
WEIGHTED_SUM = Rule(
    "wsum", "wsum", f_weighted_sum, _d_weighted_sum, "Σ_k w_k a_k + b", ("a_k", "w_k", "1")
)
WEIGHTED_SUM_CONST = Rule(
    "wsumc", "wsum", f_weighted_sum_const, _d_weighted_sum_const,
    "Σ_k w_k x_k + b", ("x_k", "1"), from_constants=lambda xs: (*xs, 1.0),
)  # fmt: skip
SIN = Rule("sin", "sin", f_sin, lambda out, x: (cos(x),), "sin x", ("cos x",))
COS = Rule("cos", "cos", f_cos, lambda out, x: (-sin(x),), "cos x", ("-sin x",))
TAN = Rule("tan", "tan", f_tan, lambda out, x: (1.0 + out * out,), "tan x", ("1 + tan²x",))
# (1 - x)(1 + x) rather than 1 - x², which cancels near ±1.
ASIN = Rule(
    "asin", "asin", f_asin, lambda out, x: (1.0 / sqrt((1.0 - x) * (1.0 + x)),), "asin x",
    ("1/√(1 - x²)",),
)  # fmt: skip
ACOS = Rule(
    "acos", "acos", f_acos, lambda out, x: (-1.0 / sqrt((1.0 - x) * (1.0 + x)),), "acos x",
    ("-1/√(1 - x²)",),
)  # fmt: skip
ATAN = Rule("atan", "atan", f_atan, lambda out, x: (1.0 / (1.0 + x * x),), "atan x",
            ("1/(1 + x²)",))  # fmt: skip
SINH = Rule("sinh", "sinh", f_sinh, lambda out, x: (cosh(x),), "sinh x", ("cosh x",))
COSH = Rule("cosh", "cosh", f_cosh, lambda out, x: (sinh(x),), "cosh x", ("sinh x",))
ASINH = Rule(
    "asinh", "asinh", f_asinh, lambda out, x: (1.0 / hypot(x, 1.0),), "asinh x",
    ("1/√(x² + 1)",),
)  # fmt: skip
ACOSH = Rule(
    "acosh", "acosh", f_acosh, lambda out, x: (1.0 / sqrt((x - 1.0) * (x + 1.0)),), "acosh x",
    ("1/√(x² - 1)",),
)  # fmt: skip
ATANH = Rule(
    "atanh", "atanh", f_atanh, lambda out, x: (1.0 / ((1.0 - x) * (1.0 + x)),), "atanh x",
    ("1/(1 - x²)",),
)  # fmt: skip
SQRT = Rule("sqrt", "sqrt", f_sqrt, lambda out, x: (0.5 / out,), "√x", ("1/(2√x)",))
ABS = Rule("abs", "abs", f_abs, lambda out, x: (sign(x),), "|x|", ("sign x",))
LOG1P = Rule("log1p", "log1p", f_log1p, lambda out, x: (1.0 / (1.0 + x),), "ln(1 + x)",
             ("1/(1 + x)",))  # fmt: skip
# e^x rather than out + 1, which loses every digit where expm1(x) is close to -1.
EXPM1 = Rule("expm1", "expm1", f_expm1, lambda out, x: (exp(x),), "e^x - 1", ("e^x",))
LOG2 = Rule("log2", "log2", f_log2, lambda out, x: (1.0 / (x * _LN2),), "log₂ x",
            ("1/(x ln 2)",))  # fmt: skip
LOG10 = Rule("log10", "log10", f_log10, lambda out, x: (1.0 / (x * _LN10),), "log₁₀ x",
             ("1/(x ln 10)",))  # fmt: skip
SOFTPLUS = Rule(
    "softplus", "softplus", f_softplus, lambda out, x: (sigmoid(x),), "ln(1 + e^x)", ("σ(x)",)
)
ATAN2 = Rule("atan2", "atan2", f_atan2, _d_atan2, "atan2(y, x)",
             ("x/(x² + y²)", "-y/(x² + y²)"))  # fmt: skip
HYPOT = Rule("hypot", "hypot", f_hypot, lambda out, x, y: (x / out, y / out), "√(x² + y²)",
             ("x/√(x² + y²)", "y/√(x² + y²)"))  # fmt: skip
MAX = Rule(
    "max", "max", f_max, lambda out, x, y: (larger(x, y), larger(y, x)), "max(x, y)",
    ("1 if x > y, 0 if x < y, 1/2 at x = y", "1 if y > x, 0 if y < x, 1/2 at x = y"),
)  # fmt: skip
MIN = Rule(
    "min", "min", f_min, lambda out, x, y: (larger(y, x), larger(x, y)), "min(x, y)",
    ("1 if x < y, 0 if x > y, 1/2 at x = y", "1 if y < x, 0 if y > x, 1/2 at x = y"),
)  # fmt: skip

TABLE: tuple[Rule, ...] = (
    ADD, SUB, MUL, DIV, POW, NEG, EXP, LOG, TANH, SIGMOID, RELU, SUM, WEIGHTED_SUM,
    WEIGHTED_SUM_CONST, SIN, COS, TAN, ASIN, ACOS, ATAN, SINH, COSH, ASINH, ACOSH, ATANH, SQRT,
    ABS, LOG1P, EXPM1, LOG2, LOG10, SOFTPLUS, ATAN2, HYPOT, MAX, MIN,
)  # fmt: skip
