"""Checking gradients against central differences: for our tests and for users' own functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, SupportsFloat

from autograd.engine import Value, grad, no_grad


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


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[SupportsFloat],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> bool:
    """Check the engine's gradients of the scalar function ``f`` at ``inputs``.

    ``f`` takes one Value per input and returns a Value. Each gradient must satisfy
    ``|engine − central| <= atol + rtol·|central|``. The defaults suit functions whose values
    and derivatives are of order 1 (rounding error of the difference is about 1e-10·|f|);
    loosen them for larger ones. Returns True, or raises GradcheckError listing every input
    whose gradients disagree, with both numbers.
    """
    xs = [v.data if isinstance(v, Value) else float(v) for v in inputs]
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    engine = grad(out, leaves, allow_unused=True)

    def f_float(*values: float) -> float:
        with no_grad():
            return _scalar(f(*(Value(v) for v in values)))

    bad = []
    for i, (x, g) in enumerate(zip(xs, engine, strict=True)):
        numeric = central_difference(f_float, *xs, arg=i, eps=eps)
        if not abs(g - numeric) <= atol + rtol * abs(numeric):
            bad.append(f"  input {i} (x = {x!r}): engine {g!r}, central difference {numeric!r}")
    if bad:
        raise GradcheckError(
            f"gradients disagree for {len(bad)} of {len(xs)} inputs "
            f"(atol={atol}, rtol={rtol}, eps={eps}):\n" + "\n".join(bad)
        )
    return True
