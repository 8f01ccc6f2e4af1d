"""Optional: gradients of random expression trees against PyTorch's autograd in float64.

Skipped where PyTorch is not installed (the suite never needs it). Each drawn expression is
rebuilt step by step from torch operations; values, gradients and one second derivative must
agree with the engine's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given

from autograd import Value, grad
from autograd import strategies as public
from tests.strategies import Expression, expressions

torch = pytest.importorskip("torch")

T = Any  # a torch.Tensor (torch ships no type information we rely on here)


def _weighted(w: list[T], a: list[T], b: T) -> T:
    return (torch.stack(w) * torch.stack(a)).sum() + b


def _elementwise(name: str) -> Callable[[list[T], tuple[float, ...]], T]:
    """torch's function of the same name on the one operand."""
    return lambda a, c: getattr(torch, name)(a[0])


#: Each step of an expression, in torch: f(operands, constants).
TORCH_STEPS: dict[str, Callable[[list[T], tuple[float, ...]], T]] = {
    "neg": lambda a, c: -a[0],
    "exp": lambda a, c: torch.exp(a[0]),
    "log": lambda a, c: torch.log(a[0]),
    "tanh": lambda a, c: torch.tanh(a[0]),
    "sigmoid": lambda a, c: torch.sigmoid(a[0]),
    "relu": lambda a, c: torch.relu(a[0]),
    "add": lambda a, c: a[0] + a[1],
    "sub": lambda a, c: a[0] - a[1],
    "mul": lambda a, c: a[0] * a[1],
    "div": lambda a, c: a[0] / a[1],
    "pow": lambda a, c: a[0] ** a[1],
    "add_c": lambda a, c: a[0] + c[0],
    "c_add": lambda a, c: c[0] + a[0],
    "sub_c": lambda a, c: a[0] - c[0],
    "c_sub": lambda a, c: c[0] - a[0],
    "mul_c": lambda a, c: a[0] * c[0],
    "c_mul": lambda a, c: c[0] * a[0],
    "div_c": lambda a, c: a[0] / c[0],
    "c_div": lambda a, c: c[0] / a[0],
    "pow_c": lambda a, c: a[0] ** c[0],
    "c_pow": lambda a, c: c[0] ** a[0],
    "sum": lambda a, c: torch.stack(a).sum(),
    "wsum": lambda a, c: _weighted(a[: len(a) // 2], a[len(a) // 2 : -1], a[-1]),
    "wsum_c": lambda a, c: _weighted(a[:-1], [torch.tensor(x, dtype=torch.float64) for x in c],
                                     a[-1]),
    # The engine's newer functions (their rows are drawn once Value has them).
    **{name: _elementwise(name)
       for name in ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh",
                    "acosh", "atanh", "sqrt", "abs", "log1p", "expm1", "log2", "log10")},
    "softplus": lambda a, c: torch.nn.functional.softplus(a[0]),
    "atan2": lambda a, c: torch.atan2(a[0], a[1]),
    "hypot": lambda a, c: torch.hypot(a[0], a[1]),
    "max": lambda a, c: torch.maximum(a[0], a[1]),
    "min": lambda a, c: torch.minimum(a[0], a[1]),
}  # fmt: skip


def in_torch(expr: Expression, xs: list[T]) -> T:
    """The expression rebuilt from torch operations on the 0-d float64 tensors xs."""
    slots = list(xs)
    for s in expr.steps:
        slots.append(TORCH_STEPS[s.op]([slots[i] for i in s.args], s.constants))
    return slots[-1]


def test_every_operation_has_a_torch_translation() -> None:
    """An operation added to the strategy's catalogue without a translation here fails this
    test (rows the engine cannot run yet included)."""
    assert set(TORCH_STEPS) == {row.name for row in public.CATALOGUE}


@given(expressions())
def test_gradients_match_torch(expr: Expression) -> None:
    """Value, gradient and ∂²/∂x_0² of random expressions agree with torch.autograd.

    Both compute in float64 but with different formulas (torch's sigmoid, tanh' and pow
    kernels) and summation orders: a few ulps per operation, and sums of paths can cancel, so
    rel 1e-9 with an absolute floor of 1e-11 (slopes are at most 100, see the strategy) for
    first derivatives, and 1e-7/1e-8 for the second (differentiated formulas differ more).
    """
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in expr.inputs]
    out_t = in_torch(expr, ts)
    grads_t = torch.autograd.grad(out_t, ts, create_graph=True, allow_unused=True)
    g0_t = grads_t[0]
    xs = [Value(x) for x in expr.inputs]
    out = expr(*xs)
    assert math.isclose(out.data, out_t.item(), rel_tol=1e-12, abs_tol=1e-12)
    ours = grad(out, xs, allow_unused=True)
    for g, g_t in zip(ours, grads_t, strict=True):
        theirs = 0.0 if g_t is None else g_t.item()
        assert math.isclose(g, theirs, rel_tol=1e-9, abs_tol=1e-11)
    # Second derivative in the first input.
    if g0_t is None or not g0_t.requires_grad:
        h_t = 0.0
    else:
        (h,) = torch.autograd.grad(g0_t, ts[0], allow_unused=True)
        h_t = 0.0 if h is None else h.item()
    (g0,) = grad(out, xs[0], create_graph=True, allow_unused=True)
    (h0,) = grad(g0, xs[0], allow_unused=True)
    assert math.isclose(h0, h_t, rel_tol=1e-7, abs_tol=1e-8)
