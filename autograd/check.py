"""Checking derivatives: the engine's against central differences, and anyone's against the engine.

- ``gradcheck(f, inputs, order=1)``: the engine's first (``order=2``: second) derivatives of
  ``f`` at one point against central differences of ``f`` (of its first derivatives);
- ``check_derivative(f, df, ...)``: a derivative *you* wrote (a hand-derived formula, a NumPy
  backward pass, a custom op's partials) against the engine's exact numbers, on inputs drawn
  and shrunk by Hypothesis (see ``autograd.property``). Needs Hypothesis, imported only then.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, SupportsFloat

from autograd.engine import Value, grad, no_grad

if TYPE_CHECKING:
    from autograd.property import Counterexample, Outcome, Report

__all__ = [
    "GradcheckError",
    "central_difference",
    "check_derivative",
    "gradcheck",
    "gradgradcheck",
]


class GradcheckError(AssertionError):
    """The engine's gradient and the central difference disagree for some inputs."""


def central_difference(
    f: Callable[..., Any], *args: float, arg: int = 0, eps: float = 1e-6
) -> float:
    """(f(.., x + h, ..) - f(.., x - h, ..)) / 2h for x = args[arg], h = eps · max(1, |x|).

    The step grows with |x| so that x ± h differ from x in more than the last few bits. ``f``
    may return a float or a Value (then its ``data`` is used). The error is O(h² f''') from
    truncation plus about ulp(f)/h from rounding.
    """
    x = float(args[arg])
    h = eps * max(1.0, abs(x))
    up = [float(a) for a in args]
    down = list(up)
    up[arg] = x + h
    down[arg] = x - h
    # Divide by the step actually taken: x + h and x - h are rounded to floats.
    return (_scalar(f(*up)) - _scalar(f(*down))) / (up[arg] - down[arg])


def _scalar(y: Any) -> float:
    return y.data if isinstance(y, Value) else float(y)


def _engine_grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """``grad(output, inputs)`` with a structurally zero gradient where output ignores an input.

    Works with a ``grad`` that returns 0 for an unused input and with one that refuses it
    unless asked with ``allow_unused=True`` (then it may return None: read as 0).
    """
    options = {"allow_unused": True} if "allow_unused" in inspect.signature(grad).parameters else {}
    gs = grad(output, list(inputs), create_graph=create_graph, **options)
    if create_graph:
        return [Value(0.0) if g is None else g for g in gs]
    return [0.0 if g is None else float(g) for g in gs]


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[SupportsFloat],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    *,
    order: int = 1,
) -> bool:
    """Check the engine's derivatives of the scalar function ``f`` at ``inputs``.

    ``f`` takes one Value per input and returns a Value. With ``order=1`` each gradient
    ∂f/∂x_i is compared with the central difference of f; with ``order=2`` each second
    derivative ∂²f/∂x_i∂x_j (the engine's ``grad`` of its ``grad(create_graph=True)``) is
    compared with the central difference of the engine's first derivative ∂f/∂x_i along x_j.
    Each must satisfy ``|engine − central| <= atol + rtol·|central|``. The defaults suit
    functions whose values and derivatives are of order 1 (rounding error of the difference is
    about 1e-10·|f|); loosen them for larger ones. Returns True, or raises GradcheckError
    listing every input (entry) whose derivatives disagree, with both numbers.
    """
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    xs = [v.data if isinstance(v, Value) else float(v) for v in inputs]
    leaves = [Value(x) for x in xs]
    out = _call(f, leaves, "gradcheck")

    bad = []
    if order == 1:

        def f_float(*values: float) -> float:
            with no_grad():
                return _scalar(f(*(Value(v) for v in values)))

        engine = _engine_grad(out, leaves)
        for i, (x, g) in enumerate(zip(xs, engine, strict=True)):
            numeric = central_difference(f_float, *xs, arg=i, eps=eps)
            if not abs(g - numeric) <= atol + rtol * abs(numeric):
                bad.append(f"  input {i} (x = {x!r}): engine {g!r}, central difference {numeric!r}")
        what, count = "gradients", f"{len(xs)} inputs"
    else:
        hessian = _engine_hessian(out, leaves)
        for i in range(len(xs)):

            def partial_i(*values: float, i: int = i) -> float:
                points = [Value(v) for v in values]
                return float(_engine_grad(_call(f, points, "gradcheck"), points)[i])

            for j, x in enumerate(xs):
                numeric = central_difference(partial_i, *xs, arg=j, eps=eps)
                h = hessian[i][j]
                if not abs(h - numeric) <= atol + rtol * abs(numeric):
                    bad.append(
                        f"  entry ({i}, {j}) (x_{j} = {x!r}): engine {h!r}, "
                        f"central difference of ∂f/∂x_{i} {numeric!r}"
                    )
        what, count = "second derivatives", f"{len(xs) ** 2} entries"
    if bad:
        raise GradcheckError(
            f"{what} disagree for {len(bad)} of {count} "
            f"(atol={atol}, rtol={rtol}, eps={eps}):\n" + "\n".join(bad)
        )
    return True


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[SupportsFloat],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> bool:
    """``gradcheck(f, inputs, eps, atol, rtol, order=2)``, under PyTorch's name for it."""
    return gradcheck(f, inputs, eps, atol, rtol, order=2)


def _call(f: Callable[..., Any], leaves: Sequence[Value], who: str) -> Value:
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__}")
    return out


def _engine_hessian(out: Value, leaves: Sequence[Value]) -> list[list[float]]:
    """H[i][j] = ∂²out/∂x_i∂x_j: the engine's grad of each of its first derivatives."""
    first = _engine_grad(out, leaves, create_graph=True)
    return [[float(h) for h in _engine_grad(g, leaves)] for g in first]


# ---------------------------------------------------------------------------------------------
# check_derivative: the user's derivative against the engine's, on drawn inputs.

#: Where inputs are drawn when no domain is given: wide enough to reach errors far from 0, and
#: small enough that exp, powers and products of a few stay far from overflow.
DEFAULT_DOMAIN = (-100.0, 100.0)


class _DefaultCount(int):
    """An int that says it is the default: check_derivative caps the default, not a choice."""


#: check_derivative's number of examples when none is given.
DEFAULT_EXAMPLES = _DefaultCount(200)

#: No input is drawn with 0 < |x| < TINY (0 is): there a hand formula's x², 1/x³, ... under-
#: or overflow in floats (y**2 is 0 for y = 1e-200) where the engine's own steps do not.
TINY = 1e-20

# The kink test compares the jump of the one-sided slopes at two steps (relative to max(1,|x|)):
# for a smooth function it shrinks with the step (it is about h·|f''|), at a kink it stays.
_KINK_STEPS = (1e-4, 1e-6)
# Rounding in f(x ± h) makes a slope uncertain by about ulp(f)/h: jumps below this many times
# that are noise, not kinks.
_NOISE = 16.0 * 2.0**-52


def check_derivative(
    f: Callable[..., Value],
    df: Callable[..., Any],
    *,
    domain: Sequence[tuple[float, float]] | tuple[float, float] | None = None,
    examples: int = DEFAULT_EXAMPLES,
    order: int = 1,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    respect_profile: bool | None = None,
) -> Report:
    """Check your derivative ``df`` of ``f`` against the engine's exact one, on drawn inputs.

    ``f`` takes n Values and returns a Value. ``df`` takes the same n numbers as floats and
    returns, for ``order=1``, the n first partials (a tuple, list or array; a bare number for a
    function of one argument), for ``order=2``, the n × n matrix of second partials
    ∂²f/∂x_i∂x_j as rows (a tuple of tuples or a 2-D array).

    Inputs are drawn by Hypothesis within ``domain``: one ``(low, high)`` per argument, or one
    pair for all of them (default ``DEFAULT_DOMAIN``). An input is skipped where the engine
    raises (a pole, a domain error, an overflow), where ``f`` or the engine's derivative is not
    finite, and where a disagreement (or ``df`` raising) comes with a kink of ``f`` (for
    ``order=2``, of its first derivative) along the arguments concerned, as relu and abs at 0
    or max at a tie: there the derivative is a convention, not a fact. An entry agrees when
    ``|df − engine| <= atol + rtol·|engine|``.

    Returns a ``Report``: ``ok``, ``examples`` (inputs compared), ``max_rel_diff``, and when
    not ok a ``counterexample`` (the smallest failing input Hypothesis's shrinking found,
    evaluated again: ``inputs``, ``index`` of the first wrong partial — i or (i, j) — the
    engine's ``expected``, your ``got`` and their ``ratio``) or an ``error`` saying plainly how
    ``df`` or ``f`` misbehaved. ``str(report)`` says it all, with hints where the ratio is a
    simple constant (−1: a sign; 2 or 0.5: a factor 2), where only one partial is wrong, or
    where ``df`` matches the engine with two arguments swapped.

    ``examples`` left at its default (200) is capped by a loaded Hypothesis profile's
    ``max_examples``, so that a test suite's quick profile keeps the check quick; a number you
    pass is run as it is. ``respect_profile=True`` caps any number, ``False`` none.
    """
    try:
        from hypothesis import strategies as st

        from autograd import property as prop
        from autograd.strategies import reals
    except ImportError as error:  # pragma: no cover - the strategies extra is missing
        raise ImportError(
            "check_derivative needs the Hypothesis library: pip install hypothesis"
        ) from error
    if order not in (1, 2):
        raise ValueError(f"check_derivative: order must be 1 or 2, got {order!r}")
    if examples < 1:
        raise ValueError(f"check_derivative: examples must be at least 1, got {examples!r}")
    bounds = _bounds(f, domain)
    n = len(bounds)
    names = _names(f, n)
    label = _labels(names, order)

    def show(xs: Sequence[float]) -> str:
        return ", ".join(f"{name} = {x!r}" for name, x in zip(names, xs, strict=True))

    def reference(xs: Sequence[float]) -> list[float] | None:
        """The engine's partials at xs (flattened rows for order 2), None where undefined."""
        try:
            return _reference(f, xs, order)
        except (ArithmeticError, ValueError):
            return None

    def evaluate(xs: tuple[float, ...]) -> Outcome:
        expected = reference(xs)
        if expected is None:
            raise prop.Skip
        try:
            got = _user(df, xs, order, show(xs))
        except prop.CaseError as failure:
            # A formula may well fail where f itself has a kink or a singular point (x / |x|
            # at 0), or at a removable singularity or edge of its own (x^y·ln x at x = 0, where
            # the derivative is the limit 0): a math error with df working right beside it.
            # A df that fails anywhere else, or in a whole region, is reported.
            raised = getattr(failure, "raised", None)
            if _kinked(f, xs, order, range(n)) or _isolated(df, xs, raised):
                raise prop.Skip from None
            raise
        indices = _indices(n, order)
        entries = tuple(
            prop.Entry(k, e, g, label[k]) for k, e, g in zip(indices, expected, got, strict=True)
        )
        # A kink only matters where it could excuse a disagreement, and only along the
        # arguments of the first entry that disagrees (the one a report names): testing just
        # there keeps checks of many arguments, and their shrinking, quick.
        bad = next((k for k, e in enumerate(entries) if not e.agrees(rtol, atol)), None)
        if bad is not None and _kinked(f, xs, order, divmod(bad, n) if order == 2 else (bad,)):
            raise prop.Skip
        return prop.Outcome(xs, entries, show(xs))

    def explain(xs: tuple[float, ...], outcome: Outcome, counter: Counterexample) -> list[str]:
        """df may be the derivative at the inputs in another order: try every swap of two."""
        got = [e.got for e in outcome.entries]
        hints = []
        for i in range(n):
            for j in range(i + 1, n):
                swapped = list(xs)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                there = reference(swapped)
                if there is not None and all(
                    prop.Entry(0, e, g).agrees(rtol, atol) for e, g in zip(there, got, strict=True)
                ):
                    hints.append(
                        f"df here equals the engine's derivative at {names[i]} and {names[j]} "
                        "swapped: the formula takes its arguments in the wrong order"
                    )
        return hints

    def draws(lo: float, hi: float) -> st.SearchStrategy[float]:
        """reals(lo, hi), but nothing in 0 < |x| < TINY (0 itself, if in the domain)."""
        # Positive numbers first, then negative ones: Hypothesis shrinks towards the first
        # branch, so a counterexample is positive where the slip shows on both sides.
        pieces = [reals(a, b) for a, b in ((max(lo, TINY), hi), (lo, min(hi, -TINY))) if a <= b]
        if not pieces:  # a domain of tiny numbers only: the user wants those
            return reals(lo, hi)
        return st.one_of(([st.just(0.0)] if lo <= 0.0 <= hi else []) + pieces)

    cases = st.tuples(*(draws(lo, hi) for lo, hi in bounds))
    cap = examples is DEFAULT_EXAMPLES if respect_profile is None else respect_profile
    budget = prop.example_budget(examples) if cap else examples
    return prop.search(
        cases,
        evaluate,
        title=f"check_derivative (order {order})",
        examples=budget,
        rtol=rtol,
        atol=atol,
        explain=explain,
        extra={"order": order, "domain": bounds},
    )


def _bounds(
    f: Callable[..., Any], domain: Sequence[tuple[float, float]] | tuple[float, float] | None
) -> tuple[tuple[float, float], ...]:
    """One (low, high) per argument of f, checked."""
    if domain is None or (
        len(domain) == 2 and all(isinstance(b, numbers.Real) for b in domain)  # one pair for all
    ):
        pair = DEFAULT_DOMAIN if domain is None else domain
        n = _arity(f)
        bounds = tuple((float(pair[0]), float(pair[1])) for _ in range(n))  # type: ignore[arg-type]
    else:
        bounds = tuple((float(lo), float(hi)) for lo, hi in domain)  # type: ignore[misc]
        arity = _arity(f, required=False)
        if arity is not None and arity != len(bounds):
            raise ValueError(
                f"check_derivative: domain has {len(bounds)} (low, high) pairs but f takes "
                f"{arity} arguments"
            )
    if not bounds:
        raise ValueError("check_derivative: f must take at least one argument")
    for k, (lo, hi) in enumerate(bounds):
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise ValueError(
                f"check_derivative: domain of argument {k} must be finite with low <= high, "
                f"got ({lo!r}, {hi!r})"
            )
    return bounds


def _arity(f: Callable[..., Any], required: bool = True) -> int | None:
    """How many positional arguments f needs, from its signature."""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        params = None
    if params is None or any(p.kind is p.VAR_POSITIONAL for p in params):
        if not required:
            return None
        raise TypeError(
            "check_derivative: cannot tell how many arguments f takes; give domain=[(low, high), "
            "...] with one pair per argument"
        )
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in positional and p.default is p.empty)


def _names(f: Callable[..., Any], n: int) -> list[str]:
    """The names of f's arguments (x, y, ...), or x0, x1, ... where they cannot be read."""
    try:
        params = [
            p.name
            for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    if len(params) >= n and len(set(params[:n])) == n:
        return params[:n]
    return [f"x{k}" for k in range(n)]


def _indices(n: int, order: int) -> list[Any]:
    return list(range(n)) if order == 1 else [(i, j) for i in range(n) for j in range(n)]


def _labels(names: Sequence[str], order: int) -> dict[Any, str]:
    if order == 1:
        return {i: f"∂f/∂{a}" for i, a in enumerate(names)}
    return {
        (i, j): f"∂²f/∂{a}²" if i == j else f"∂²f/∂{a}∂{b}"
        for i, a in enumerate(names)
        for j, b in enumerate(names)
    }


def _forward(f: Callable[..., Any], leaves: Sequence[Value]) -> Value:
    """f on the leaves; ArithmeticError/ValueError (undefined there) pass through to skip."""
    from autograd.property import CaseError

    try:
        out = f(*leaves)
    except (ArithmeticError, ValueError):
        raise
    except Exception as error:
        raise CaseError(
            f"f raised {type(error).__name__}: {error} at "
            + ", ".join(repr(v.data) for v in leaves)
        ) from None
    if not isinstance(out, Value):
        raise CaseError(f"f must return a Value, got {type(out).__name__}: {out!r}")
    if not math.isfinite(out.data):
        raise ValueError("f is not finite here")
    return out


def _reference(f: Callable[..., Any], xs: Sequence[float], order: int) -> list[float]:
    """The engine's first partials of f at xs, or its second ones as rows laid end to end."""
    leaves = [Value(x) for x in xs]
    out = _forward(f, leaves)
    if order == 1:
        values = _engine_grad(out, leaves)
    else:
        values = [h for row in _engine_hessian(out, leaves) for h in row]
    if not all(math.isfinite(v) for v in values):
        raise ValueError("the engine's derivative is not finite here")
    return values


def _kinked(f: Callable[..., Any], xs: Sequence[float], order: int, along: Sequence[int]) -> bool:
    """Whether f (order 2: its gradient) has a kink at xs along one of the arguments ``along``,
    or is undefined close by (then a derivative there means nothing either)."""

    def at(point: Sequence[float]) -> list[float]:
        if order == 1:
            with no_grad():
                return [_forward(f, [Value(p) for p in point]).data]
        leaves = [Value(p) for p in point]
        return _engine_grad(_forward(f, leaves), leaves)

    try:
        centre = at(xs)
        for j in sorted(set(along)):
            x = xs[j]
            jumps = []
            for step in _KINK_STEPS:
                h = step * max(1.0, abs(x))
                up, down = list(xs), list(xs)
                up[j], down[j] = x + h, x - h
                hu, hd = up[j] - x, x - down[j]  # the steps actually taken, after rounding
                fu, fd = at(up), at(down)
                jumps.append(
                    [
                        (
                            abs((u - c) / hu - (c - d) / hd),
                            _NOISE * max(abs(u), abs(c), abs(d)) / min(hu, hd),
                        )
                        for u, c, d in zip(fu, centre, fd, strict=True)
                    ]
                )
            for (wide, _), (narrow, noise) in zip(jumps[0], jumps[1], strict=True):
                if narrow > noise and narrow > 0.5 * wide:
                    return True
    except (ArithmeticError, ValueError):
        return True
    return False


def _isolated(df: Callable[..., Any], xs: Sequence[float], error: BaseException | None) -> bool:
    """Whether df's math error at xs is at a removable singularity or the edge of where the
    formula can be evaluated: df works right beside it (every argument moved by 1e-7
    relative, up or down). Inside a region where df fails, neither works, and the search goes
    on to report a point there."""
    if not isinstance(error, ArithmeticError | ValueError):
        return False
    for sign in (1.0, -1.0):
        near = [x + sign * 1e-7 * max(1.0, abs(x)) for x in xs]
        try:
            df(*near)
        except Exception:
            continue
        return True
    return False


def _user(df: Callable[..., Any], xs: Sequence[float], order: int, where: str) -> list[float]:
    """The user's partials at xs, flattened like ``_reference``; CaseError if df misbehaves."""
    from autograd.property import CaseError

    n = len(xs)
    try:
        raw = df(*xs)
    except Exception as error:
        failure = CaseError(f"df raised {type(error).__name__}: {error}\n  at {where}")
        failure.raised = error  # type: ignore[attr-defined]
        raise failure from None
    if order == 1:
        return _numbers(raw, n, "first partials (one per argument)", where)
    if n == 1 and _is_number(raw):
        return [float(raw)]
    rows = _items(raw, n, "rows of second partials (an n × n matrix, one row per argument)", where)
    if n == 1 and _is_number(rows[0]):
        return [float(rows[0])]  # (f'',) for a function of one argument
    if any(_is_number(row) for row in rows):
        raise CaseError(
            f"df must return the {n} × {n} matrix of second partials as {n} rows, got {raw!r} "
            f"(first partials? order=2 wants the rows ∂/∂x_j of each ∂f/∂x_i)\n  at {where}"
        )
    return [v for row in rows for v in _numbers(row, n, "second partials in a row", where)]


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) or (
        hasattr(x, "__float__") and getattr(x, "ndim", 0) == 0 and not isinstance(x, str | bytes)
    )


def _items(raw: Any, n: int, what: str, where: str) -> list[Any]:
    from autograd.property import CaseError

    if isinstance(raw, str | bytes) or _is_number(raw) or not hasattr(raw, "__iter__"):
        raise CaseError(
            f"df must return {n} {what}, got {type(raw).__name__}: {raw!r}\n  at {where}"
        )
    items = list(raw)
    if len(items) != n:
        raise CaseError(
            f"df returned {len(items)} value{'' if len(items) == 1 else 's'} where {n} {what} "
            f"were expected: {raw!r}\n  at {where}"
        )
    return items


def _numbers(raw: Any, n: int, what: str, where: str) -> list[float]:
    from autograd.property import CaseError

    if n == 1 and _is_number(raw):
        return [float(raw)]
    values = []
    for item in _items(raw, n, what, where):
        if not _is_number(item):
            raise CaseError(
                f"df must return numbers, got {type(item).__name__}: {item!r}\n  at {where}"
            )
        values.append(float(item))
    return values
