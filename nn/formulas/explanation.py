"""``explain``: one weight's chain of factors by hand, beside the engine's gradient.

The one formula module that builds a ``Value`` graph, to get that reference number from
``autograd.grad``; the texts of σ' and ∂C/∂a come from the activation and cost tables.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, cast

from autograd import Value, grad
from nn import notation
from nn.activations import BY_NAME as _ACTIVATIONS
from nn.formulas.algorithm import BackwardPass, _as_target, backpropagate
from nn.formulas.common import Matrix, Target
from nn.formulas.costs import batch_mean
from nn.formulas.layers import (
    COST_DERIVATIVES,
    ForwardPass,
    _check_loss,
    derivative,
    forward,
    read_activations,
    read_weights,
)
from nn.formulas.table import cost_gradient as _cost_gradient
from nn.formulas.table import verdict
from nn.losses import COSTS_BY_NAME as _COSTS
from nn.losses import LOSSES as ENGINE_LOSSES
from nn.losses import mean as engine_mean

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


class _Pass(NamedTuple):
    """One example's network and its two passes by hand: what every line of the chain reads."""

    W: Sequence[Matrix]
    activations: Sequence[str]
    fp: ForwardPass
    bp: BackwardPass
    ys: Sequence[float]
    loss: str


def _delta_factors(p: _Pass, l: int, j: int) -> list[tuple[str, float]]:
    """δ_j^(l) as factors (symbol, number) whose product it is (``_chain_lines`` expands them)."""
    L = len(p.W)
    act = p.activations[l - 1]
    if l == L:
        closed = _COSTS[p.loss].closed_delta
        if closed is not None and closed.activation == act:
            return [(closed.explain(j, l, p.ys)[0], p.bp.delta[l][j])]
        row = _ACTIVATIONS[act]
        if row.hand_jacobian is not None:  # layer-wide: δ_j sums over the whole layer
            return [(row.jacobian_text.format(l=l, j=j), p.bp.delta[l][j])]
        return [
            (f"{row.prime}(z_{j}^({l}))", derivative(act, p.fp.z[l][j])),
            (_cost_factor(p.loss, j, l, len(p.ys)), COST_DERIVATIVES[p.loss](p.fp.a[l], p.ys)[j]),
        ]
    if not _ACTIVATIONS[act].elementwise:
        raise ValueError(f"explain: layer {l} is a hidden {act} layer, which MLP does not make")
    above = p.W[l]  # W^(l+1): row m holds w_{m,k}^(l+1)
    back = math.fsum(above[m][j] * p.bp.delta[l + 1][m] for m in range(len(above)))
    return [
        (f"{_ACTIVATIONS[act].prime}(z_{j}^({l}))", derivative(act, p.fp.z[l][j])),
        (f"Σ_m w_{{m,{j}}}^({l + 1}) δ_m^({l + 1})", back),
    ]


ORDERS = ("000", "002")
CONVENTIONS = notation.CONVENTIONS


def _leibniz(sizes: Sequence[int], softmax_out: bool, l: int, j: int, k: int | None) -> str:
    """The Leibniz form of ∂C/∂w_jk^(l) (or ∂C/∂b_j^(l)) in note 000's order: ∂z/∂w first.

    One ∂a/∂z and ∂z/∂a factor per layer up to the output, each layer above summed over its
    neurons (000 eq. 11 and 25–29 written out, the product of note 001's Jacobians), then
    ∂C/∂a^(L).
    """
    L = len(sizes) - 1
    names = ["m", "p", "q", "r", "s", "t", "u", "v"]
    param = f"b_{j}^({l})" if k is None else f"{notation.weight(l, j, k)}"
    parts = [f"∂z_{j}^({l})/∂{param}"]
    current = str(j)
    for layer in range(l, L + 1):
        if layer == L and softmax_out:
            parts.append(f"Σ_i ∂a_i^({L})/∂z_{current}^({L}) · ∂C/∂a_i^({L})")
            break
        parts.append(f"∂a_{current}^({layer})/∂z_{current}^({layer})")
        if layer == L:
            parts.append(f"∂C/∂a_{current}^({L})")
            break
        nxt = names[(layer - l) % len(names)] + ("" if layer - l < len(names) else str(layer))
        parts.append(f"Σ_{nxt} ∂z_{nxt}^({layer + 1})/∂a_{current}^({layer})")
        current = nxt
    return " · ".join(parts)


def _reversed_leibniz(text: str) -> str:
    """The same product in note 002's order (∂C/∂a first): every sum written in front."""
    factors = text.split(" · ")
    sums = [f.split(" ", 1)[0] for f in factors if f.startswith("Σ_")]
    bare = [f.split(" ", 1)[1] if f.startswith("Σ_") else f for f in factors]
    product = " · ".join(reversed(bare))
    return " ".join([*sums, product])


def _output_line(p: _Pass, m: int, order: str) -> str:
    """δ_m^(L) from the cost: σ'(z) · ∂C/∂a, or the notes' factors and their closed form."""
    activations, fp, bp, ys, loss = p.activations, p.fp, p.bp, p.ys, p.loss
    L = len(fp.z) - 1
    act = activations[L - 1]
    row = _ACTIVATIONS[act]
    dC_da = _cost_gradient(loss, fp.a[L], ys)
    delta = _num(bp.delta[L][m], bracket=False)
    closed = _COSTS[loss].closed_delta
    if not row.elementwise:  # softmax: Σ_i (∂a_i/∂z_m) ∂C/∂a_i (N004.softmax)
        assert row.hand_jacobian is not None
        J = row.hand_jacobian(fp.z[L])
        symbol = row.jacobian_text.format(l=L, j=m)
        terms = [f"{_num(J[m][i])} · {_num(dC_da[i])}" for i in range(len(fp.a[L]))]
        line = f"  {symbol} = {_sum_text(terms)} = {delta}  ({row.formula}{_count(terms)})"
        if closed is not None and closed.activation == act:
            line += f"\n  where δ_{m}^({L}) = {closed.explain(m, L, ys)[0]} (N004.CE)"
        return line
    prime = f"{row.prime}(z_{m}^({L}))"
    slope = derivative(act, fp.z[L][m])
    cost = _cost_factor(loss, m, L, len(ys))
    factors = [(prime, _num(slope)), (cost, _num(dC_da[m]))]
    if order == "002":
        factors.reverse()
    symbols = " · ".join(f for f, _ in factors)
    numbers = " · ".join(v for _, v in factors)
    if closed is not None and closed.activation == act:
        symbol, note = closed.explain(m, L, ys)
        note = note.strip().removeprefix("where ")
        return f"  δ_{m}^({L}) = {symbols} = {numbers} = {symbol} = {delta}  ({note})"
    return f"  δ_{m}^({L}) = {symbols} = {numbers} = {delta}  (N000.22: the cost's ∂C/∂a)"


def _recursion_line(p: _Pass, l: int, j: int, order: str) -> str:
    """δ_j^(l) = σ'(z_j^(l)) · Σ_m w_{m,j}^(l+1) δ_m^(l+1), with its numbers (N002.6)."""
    W, activations, fp, bp = p.W, p.activations, p.fp, p.bp
    act = activations[l - 1]
    if not _ACTIVATIONS[act].elementwise:
        raise ValueError(f"explain: layer {l} is a hidden {act} layer, which MLP does not make")
    above = W[l]
    back = math.fsum(above[m][j] * bp.delta[l + 1][m] for m in range(len(above)))
    symbol = f"Σ_m w_{{m,{j}}}^({l + 1}) δ_m^({l + 1})"
    prime = f"{_ACTIVATIONS[act].prime}(z_{j}^({l}))"
    slope = _num(derivative(act, fp.z[l][j]))
    terms = [f"{_num(above[m][j])} · {_num(bp.delta[l + 1][m])}" for m in range(len(above))]
    delta = _num(bp.delta[l][j], bracket=False)
    note = f"(N002.6{_count(terms)}; δ^({l + 1}) from the layer above)"
    if order == "002":
        return (
            f"  δ_{j}^({l}) = {symbol} · {prime} = ({_sum_text(terms)}) · {slope} "
            f"= {_num(back)} · {slope} = {delta}  {note}"
        )
    return (
        f"  δ_{j}^({l}) = {prime} · {symbol} = {slope} · ({_sum_text(terms)}) "
        f"= {slope} · {_num(back)} = {delta}  {note}"
    )


def _chain_lines(p: _Pass, l: int, j: int, order: str) -> list[str]:
    """Every δ the gradient needs, from δ_j^(l) up to the output layer, each with its numbers."""
    L = len(p.W)
    lines = []
    wanted = [j]
    for layer in range(l, L):
        lines += [_recursion_line(p, layer, i, order) for i in wanted]
        wanted = list(range(len(p.fp.z[layer + 1])))
    lines += [_output_line(p, m, order) for m in wanted]
    return [part for line in lines for part in line.split("\n")]


def _verdict(hand: float, engine: float, scale: float) -> str:
    """The verdict line: agreement relative to the largest gradient of the network."""
    d = abs(hand - engine)
    rel = 0.0 if d == 0.0 else d / max(scale, abs(engine), sys.float_info.min)
    return verdict(rel)


def explain(
    model: MLP,
    x: Sequence[float] | Sequence[Sequence[float]],
    y: Target | Sequence[Target],
    l: int,
    j: int,
    k: int | None,
    loss: str = "squared_error",
    *,
    order: str = "000",
    convention: str = "w",
) -> str:
    """∂C/∂w_jk^(l) as the notes' chain of factors with their numbers, beside the engine's.

    With ``k=None`` it explains ∂C/∂b_j^(l) instead. The first line is the Leibniz form
    (∂z/∂w · ∂a/∂z · Σ_m ∂z_m/∂a · ... · ∂C/∂a^(L), 000 eq. 11 and 25–29); the second the
    factors of N000.22 / N002.18 with their numbers, the hand result and the engine's; then
    every δ the result needs, expanded down to the cost (N002.6, and at the output the
    cost's ∂C/∂a with σ'(z), or the notes' σ'(z^(L)) · ∂L/∂a^(L) = a − y of N003.w3 and
    N004.CE); the last line the verdict. ``order="002"`` writes every product with ∂C/∂a
    first, as notes 002 and 003 do. ``x`` may be a list of examples (with ``y`` a list of
    targets): then each example's gradient is shown and their mean (N002.m) is compared with
    the engine's gradient of the batch cost. ``convention="theta"`` prints it in note 002's
    notation (Θ_kj^(l) = w_jk^(l), s for δ; j and k keep their meaning). Out-of-range l, j or
    k raise IndexError, an unknown loss, order or convention ValueError, each naming the value
    and the valid choices.
    """
    _check_loss(loss)
    if order not in ORDERS:
        raise ValueError(f"explain: unknown order {order!r}, choose one of {', '.join(ORDERS)}")
    if convention not in CONVENTIONS:
        raise ValueError(
            f"explain: unknown convention {convention!r}, choose one of {', '.join(CONVENTIONS)}"
        )
    text = _explain(model, x, y, l, j, k, loss, order)
    return notation.to_theta(text) if convention == "theta" else text


def _explain(
    model: MLP,
    x: Sequence[float] | Sequence[Sequence[float]],
    y: Target | Sequence[Target],
    l: int,
    j: int,
    k: int | None,
    loss: str,
    order: str,
) -> str:
    """``explain`` in the notes' own convention."""
    param = model.b(l, j) if k is None else model.w(l, j, k)  # IndexError names the range
    if x and not isinstance(x[0], (int, float)):
        xs = [list(map(float, cast("Sequence[float]", v))) for v in x]
        ys_all = list(cast("Sequence[Target]", y))
        if len(xs) != len(ys_all) or not xs:
            raise ValueError(f"explain: {len(xs)} examples but {len(ys_all)} targets")
        return _explain_batch(model, xs, ys_all, l, j, k, loss, order, param)
    W, b = read_weights(model)
    activations = read_activations(model)
    ys = _as_target(cast("Target", y), len(b[-1]))
    xv = [float(v) for v in cast("Sequence[float]", x)]
    fp = forward(W, b, activations, xv)
    bp = backpropagate(W, b, activations, fp, ys, loss)
    hand = bp.db[l - 1][j] if k is None else bp.dW[l - 1][j][k]

    out = model(xv)
    (engine,) = grad(ENGINE_LOSSES[loss](out, ys), [param])

    chain = _Pass(W, activations, fp, bp, ys, loss)
    factors = _delta_factors(chain, l, j)
    if k is None:
        target = f"∂C/∂b_{j}^({l})"
    else:
        target = f"∂C/∂{notation.weight(l, j, k)}"
        factors = [(f"a_{k}^({l - 1})", fp.a[l - 1][k]), *factors]
    if order == "002":
        factors.reverse()
    softmax_out = not _ACTIVATIONS[activations[-1]].elementwise
    leibniz = _leibniz(model.sizes, softmax_out, l, j, k)
    if order == "002":
        leibniz = _reversed_leibniz(leibniz)
    symbols = " · ".join(s for s, _ in factors)
    numbers = " · ".join(_num(v) for _, v in factors)
    head = f"{target} = {symbols} = {numbers} = {_exact(hand)}   engine: {_exact(float(engine))}"
    scale = max(abs(g) for g in [*_flat(bp.dW), *_flat(bp.db)])
    return "\n".join(
        [
            f"{target} = {leibniz}  (the chain rule, 000 eq. 11 and 25–29)",
            head,
            *_chain_lines(chain, l, j, order),
            _verdict(hand, float(engine), scale),
        ]
    )


def _flat(x: Sequence[Sequence[float]] | Sequence[Sequence[Sequence[float]]]) -> list[float]:
    out: list[float] = []
    for item in x:
        for v in item:
            if isinstance(v, (int, float)):
                out.append(float(v))
            else:
                out.extend(float(u) for u in v)
    return out


def _explain_batch(
    model: MLP,
    xs: Sequence[Sequence[float]],
    ys: Sequence[Target],
    l: int,
    j: int,
    k: int | None,
    loss: str,
    order: str,
    param: Value,
) -> str:
    """N002.m: the mean over the examples of each example's gradient, beside the engine's."""
    target = f"∂C/∂b_{j}^({l})" if k is None else f"∂C/∂{notation.weight(l, j, k)}"
    W, b = read_weights(model)
    activations = read_activations(model)
    each = []
    lines = []
    scale = 0.0
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        yv = _as_target(y, len(b[-1]))
        fp = forward(W, b, activations, x)
        bp = backpropagate(W, b, activations, fp, yv, loss)
        g = bp.db[l - 1][j] if k is None else bp.dW[l - 1][j][k]
        each.append(g)
        scale = max(scale, *(abs(v) for v in [*_flat(bp.dW), *_flat(bp.db)]))
        lines.append(f"  example {i}: x = {list(x)}, y = {yv}: {target}_{i} = {_exact(g)}")
    hand = batch_mean(each)
    n_out = len(b[-1])
    costs = [
        ENGINE_LOSSES[loss](model(list(x)), _as_target(y, n_out))
        for x, y in zip(xs, ys, strict=True)
    ]
    cost = engine_mean(costs)
    (engine,) = grad(cost, [param])
    m = len(xs)
    terms = _sum_text([_num(g) for g in each])
    head = (
        f"{target} = (1/{m}) Σ_i {target}_i = (1/{m})({terms}) = {_exact(hand)}   "
        f"engine: {_exact(float(engine))}  (N002.m)"
    )
    return "\n".join([head, *lines, _verdict(hand, float(engine), scale / m)])
