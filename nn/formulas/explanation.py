"""``explain``: one weight's chain of factors by hand, beside the engine's gradient.

The one formula module that builds a ``Value`` graph, to get that reference number from
``autograd.grad``; the texts of σ' and ∂C/∂a come from the activation and cost tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from autograd import grad
from nn import notation
from nn.activations import BY_NAME as _ACTIVATIONS
from nn.formulas.algorithm import BackwardPass, _as_target, backpropagate
from nn.formulas.common import Matrix, Target
from nn.formulas.layers import (
    COST_DERIVATIVES,
    ForwardPass,
    _check_loss,
    derivative,
    forward,
    read_activations,
    read_weights,
)
from nn.losses import COSTS_BY_NAME as _COSTS
from nn.losses import LOSSES as ENGINE_LOSSES

if TYPE_CHECKING:
    from nn.module import MLP

#: Above this many terms a sum is shown by its first few and its last term.
_MAX_TERMS = 6


def _num(x: float, bracket: bool = True) -> str:
    """A factor with 4 significant digits, as the notes write them; negative ones in brackets."""
    s = f"{x:#.4g}".replace("-", "−")
    return f"({s})" if bracket and x < 0.0 else s


def _exact(x: float) -> str:
    """A result with every digit (the shortest repr, which reads back as the same float)."""
    return repr(x).replace("-", "−")


def _sum_text(terms: Sequence[str]) -> str:
    """t_0 + t_1 + ..., or its first three and last terms when there are more than _MAX_TERMS."""
    if len(terms) <= _MAX_TERMS:
        return " + ".join(terms)
    return " + ".join(terms[:3]) + f" + … + {terms[-1]}"


def _count(terms: Sequence[str]) -> str:
    """ ", n terms" for a sum _sum_text shortened, else nothing."""
    return f", {len(terms)} terms" if len(terms) > _MAX_TERMS else ""


def _cost_factor(loss: str, j: int, l: int, n_out: int) -> str:
    """∂C/∂a_j^(l) of the output layer, in the notes' notation (the cost table's text)."""
    return _COSTS[loss].explain(f"a_{j}^({l})", f"y_{j}", n_out)


def _delta_factors(
    W: Sequence[Matrix],
    activations: Sequence[str],
    fp: ForwardPass,
    bp: BackwardPass,
    ys: Sequence[float],
    loss: str,
    l: int,
    j: int,
) -> tuple[list[tuple[str, float]], list[str]]:
    """δ_j^(l) as factors (symbol, number) whose product it is, and lines expanding any sum."""
    L = len(W)
    act = activations[l - 1]
    if l == L:
        closed = _COSTS[loss].closed_delta
        if closed is not None and closed.activation == act:
            symbol, note = closed.explain(j, l, ys)
            return [(symbol, bp.delta[l][j])], [note]
        row = _ACTIVATIONS[act]
        if row.hand_jacobian is not None:  # layer-wide: δ_j sums over the whole layer
            n = len(fp.a[l])
            dC_da = COST_DERIVATIVES[loss](fp.a[l], ys)
            symbol = row.jacobian_text.format(l=l, j=j)
            J = row.hand_jacobian(fp.z[l])
            terms = [f"{_num(J[j][i])} · {_num(dC_da[i])}" for i in range(n)]
            total = _num(bp.delta[l][j], bracket=False)
            line = f"  {symbol} = {_sum_text(terms)} = {total}  ({row.formula}{_count(terms)})"
            return [(symbol, bp.delta[l][j])], [line]
        return [
            (f"{_ACTIVATIONS[act].prime}(z_{j}^({l}))", derivative(act, fp.z[l][j])),
            (_cost_factor(loss, j, l, len(ys)), COST_DERIVATIVES[loss](fp.a[l], ys)[j]),
        ], []
    if not _ACTIVATIONS[act].elementwise:
        raise ValueError(f"explain: layer {l} is a hidden {act} layer, which MLP does not make")
    above = W[l]  # W^(l+1): row m holds w_{m,k}^(l+1)
    back = math.fsum(above[m][j] * bp.delta[l + 1][m] for m in range(len(above)))
    symbol = f"Σ_m w_{{m,{j}}}^({l + 1}) δ_m^({l + 1})"
    prime = f"{_ACTIVATIONS[act].prime}(z_{j}^({l}))"
    slope = derivative(act, fp.z[l][j])
    terms = [f"{_num(above[m][j])} · {_num(bp.delta[l + 1][m])}" for m in range(len(above))]
    line = (
        f"  δ_{j}^({l}) = {prime} · {symbol} = {_num(slope)} · ({_sum_text(terms)}) "
        f"= {_num(slope)} · {_num(back)} = {_num(bp.delta[l][j], bracket=False)}  "
        f"(N002.6{_count(terms)}; δ^({l + 1}) from the layer above)"
    )
    return [(prime, slope), (symbol, back)], [line]


def explain(
    model: MLP,
    x: Sequence[float],
    y: Target,
    l: int,
    j: int,
    k: int | None,
    loss: str = "squared_error",
) -> str:
    """∂C/∂w_jk^(l) as the notes' chain of factors with their numbers, beside the engine's.

    With ``k=None`` it explains ∂C/∂b_j^(l) instead. The hand number comes from the notes'
    algorithm (N002.DP: N000.22 at the output layer, N002.6 and N002.18 below it); the engine's
    from building the graph and calling ``autograd.grad``. Out-of-range l, j or k raise
    IndexError, an unknown loss ValueError, each naming the value and the valid choices.
    """
    _check_loss(loss)
    param = model.b(l, j) if k is None else model.w(l, j, k)  # IndexError names the range
    W, b = read_weights(model)
    activations = read_activations(model)
    ys = _as_target(y, len(b[-1]))
    fp = forward(W, b, activations, x)
    bp = backpropagate(W, b, activations, fp, ys, loss)
    hand = bp.db[l - 1][j] if k is None else bp.dW[l - 1][j][k]

    out = model([float(v) for v in x])
    (engine,) = grad(ENGINE_LOSSES[loss](out, ys), [param])

    factors, lines = _delta_factors(W, activations, fp, bp, ys, loss, l, j)
    if k is None:
        target = f"∂C/∂b_{j}^({l})"
    else:
        target = f"∂C/∂{notation.weight(l, j, k)}"
        factors = [(f"a_{k}^({l - 1})", fp.a[l - 1][k]), *factors]
    symbols = " · ".join(s for s, _ in factors)
    numbers = " · ".join(_num(v) for _, v in factors)
    head = f"{target} = {symbols} = {numbers} = {_exact(hand)}   engine: {_exact(float(engine))}"
    return "\n".join([head, *lines])
