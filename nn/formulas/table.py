"""``table``: the notes' backward pass for one example, layer by layer, as a table.

One row per neuron j of layer l: z_j^(l), a_j^(l), σ'(z_j^(l)), ∂C/∂a_j^(l), δ_j^(l) and
∂C/∂b_j^(l) (and, on request, every ∂C/∂w_jk^(l) of that neuron), each computed by hand with
the notes' formulas (the forward pass of 000 eq. 15–18, ∂C/∂a^(L) from the cost table, N000.29
for ∂C/∂a below the output, N002.6 and the closed forms N003.w3 / N004.CE for δ, N002.18 and
N002.19 for the gradients), and every one checked against the engine: the same quantities
read off ``autograd.grad`` of the cost built on the network's ``Value`` graph. The table says
how well they agree in its verdict line. It prints as text, Markdown or CSV, each column
headed in the notes' notation (docs/notation.md), or in note 002's Θ_kj^(l) = w_jk^(l) with
``convention="theta"``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograd import Value, grad
from nn.activations import BY_NAME as _ACTIVATIONS
from nn.formulas.algorithm import _as_target, backpropagate
from nn.formulas.common import Target
from nn.formulas.layers import (
    COST_DERIVATIVES,
    _check_loss,
    derivative,
    forward,
    read_activations,
    read_weights,
)
from nn.losses import LOSSES as ENGINE_LOSSES
from nn.notation import CONVENTIONS

if TYPE_CHECKING:
    from nn.module import MLP

#: The formats ``DeltaTable.render`` writes.
FORMATS = ("text", "markdown", "csv")


@dataclass(frozen=True)
class Row:
    """Neuron j of layer l. ``dsigma`` is None for a layer-wide activation (softmax)."""

    l: int
    j: int
    z: float
    a: float
    dsigma: float | None
    dC_da: float  # noqa: N815 (the notes' names)
    delta: float
    dC_db: float  # noqa: N815
    #: ∂C/∂w_jk^(l) for k = 0..n_{l−1} − 1.
    dC_dw: tuple[float, ...]  # noqa: N815


def _quotient(top: float, bottom: float) -> float:
    """top / bottom, ±inf where bottom is 0 (the derivative's value as a → 0 or 1)."""
    if bottom == 0.0:
        return math.copysign(math.inf, top) if top else 0.0
    return top / bottom


def cost_gradient(loss: str, a: Sequence[float], ys: Sequence[float]) -> list[float]:
    """∂C/∂a^(L) by the notes' formula, ±inf where an output rounded to exactly 0 or 1.

    There −y/a or (1 − y)/(1 − a) divides by zero and the cost table's hand derivative
    refuses the output; a term whose weight (y or 1 − y) is 0 is left out, as in the cost.
    """
    try:
        return COST_DERIVATIVES[loss](a, ys)
    except (ValueError, ZeroDivisionError):
        if loss == "binary_cross_entropy":
            return [
                (_quotient(-y, a_) if y else 0.0)
                + (_quotient(1.0 - y, 1.0 - a_) if y != 1 else 0.0)
                for a_, y in zip(a, ys, strict=True)
            ]
        if loss == "cross_entropy":
            return [_quotient(-y, a_) if y else 0.0 for a_, y in zip(a, ys, strict=True)]
        raise


def verdict(max_rel_diff: float) -> str:
    """The line that says how well hand and engine agree (relative to the largest number).

    Rounding in two different orders leaves a few ulps, so up to 15 significant digits is
    agreement; below 9 digits it is a disagreement, never a matter of rounding here.
    """
    if max_rel_diff == 0.0:
        return "hand and engine agree exactly (every digit)"
    if not math.isfinite(max_rel_diff):
        return f"hand and engine DISAGREE (relative difference {max_rel_diff!r})"
    digits = min(15, math.floor(-math.log10(max_rel_diff)))
    if digits >= 9:
        return f"hand and engine agree to {digits} significant digits"
    return f"hand and engine DISAGREE: relative difference {max_rel_diff:.3g}"


@dataclass(frozen=True)
class DeltaTable:
    """The table, and how far the hand numbers are from the engine's (``max_rel_diff``)."""

    rows: tuple[Row, ...]
    loss: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    weights: bool
    convention: str
    #: max over every number of |hand − engine|, divided by the largest |engine| of its column.
    max_rel_diff: float

    @property
    def verdict(self) -> str:
        """``verdict(max_rel_diff)``."""
        return verdict(self.max_rel_diff)

    def columns(self) -> list[str]:
        """The column heads, in the notes' notation (or 002's, for ``convention="theta"``)."""
        heads = ["l", "j", "z_j^(l)", "a_j^(l)", "σ'(z_j^(l))", "∂C/∂a_j^(l)"]
        if self.convention == "theta":
            heads += ["s_j^(l) = δ_j^(l)", "∂C/∂b_j^(l)"]
        else:
            heads += ["δ_j^(l)", "∂C/∂b_j^(l)"]
        if self.weights:
            fan_in = max(len(r.dC_dw) for r in self.rows)
            for k in range(fan_in):
                if self.convention == "theta":
                    heads.append(f"∂C/∂Θ_{k}j^(l)")
                else:
                    heads.append(f"∂C/∂w_j{k}^(l)")
        return heads

    def cells(self, digits: int = 6) -> list[list[str]]:
        """Each row as text: numbers to ``digits`` significant digits ("" where none)."""
        fan_in = max(len(r.dC_dw) for r in self.rows) if self.weights else 0

        def num(v: float | None) -> str:
            if v is None:
                return "—"
            return repr(v) if digits >= 17 else f"{v:.{digits}g}"

        out = []
        for r in self.rows:
            cells = [str(r.l), str(r.j), num(r.z), num(r.a), num(r.dsigma), num(r.dC_da)]
            cells += [num(r.delta), num(r.dC_db)]
            if self.weights:
                ws = [num(v) for v in r.dC_dw]
                cells += ws + [""] * (fan_in - len(ws))
            out.append(cells)
        return out

    def _caption(self) -> str:
        net = "-".join(map(str, self.sizes))
        return f"network {net} ({', '.join(self.activations)}), C = {self.loss}"

    def render(self, fmt: str = "text", digits: int = 6) -> str:
        """The table as "text" (aligned columns), "markdown" or "csv" (every digit in CSV)."""
        if fmt not in FORMATS:
            raise ValueError(f"table: unknown format {fmt!r}, choose one of {', '.join(FORMATS)}")
        heads = self.columns()
        if fmt == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            writer.writerow(heads)
            writer.writerows(self.cells(17))
            return buf.getvalue()
        rows = self.cells(digits)
        if fmt == "markdown":
            lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
            lines += ["| " + " | ".join(r) + " |" for r in rows]
            return "\n".join([self._caption(), "", *lines, "", self.verdict])
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
        lines = ["  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True))]
        lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        return "\n".join([self._caption(), *lines, self.verdict])

    def __str__(self) -> str:
        return self.render()


def table(
    model: MLP,
    x: Sequence[float],
    y: Target,
    loss: str = "squared_error",
    *,
    weights: bool = False,
    convention: str = "w",
) -> DeltaTable:
    """The notes' backward pass on ``model`` for the example (x, y), checked by the engine.

    ``weights=True`` adds ∂C/∂w_jk^(l) for every k; ``convention="theta"`` heads the columns
    in note 002's notation (Θ_kj^(l) = w_jk^(l), s_j^(l) = δ_j^(l)). An unknown loss or a
    target of the wrong length raise ValueError naming it.
    """
    _check_loss(loss)
    if convention not in CONVENTIONS:
        raise ValueError(
            f"table: unknown convention {convention!r}, choose one of {', '.join(CONVENTIONS)}"
        )
    W, b = read_weights(model)
    acts = read_activations(model)
    ys = _as_target(y, len(b[-1]))
    fp = forward(W, b, acts, x)
    bp = backpropagate(W, b, acts, fp, ys, loss)
    L = len(W)
    dC_da: list[list[float]] = [[] for _ in range(L + 1)]
    dC_da[L] = cost_gradient(loss, fp.a[L], ys)
    for l in range(L - 1, 0, -1):  # N000.29: Σ_m w_mj^(l+1) δ_m^(l+1)
        dC_da[l] = [
            math.fsum(W[l][m][j] * bp.delta[l + 1][m] for m in range(len(W[l])))
            for j in range(len(W[l][0]))
        ]
    rows = []
    for l in range(1, L + 1):
        elementwise = _ACTIVATIONS[acts[l - 1]].elementwise
        for j in range(len(fp.z[l])):
            rows.append(
                Row(
                    l,
                    j,
                    fp.z[l][j],
                    fp.a[l][j],
                    derivative(acts[l - 1], fp.z[l][j]) if elementwise else None,
                    dC_da[l][j],
                    bp.delta[l][j],
                    bp.db[l - 1][j],
                    tuple(bp.dW[l - 1][j]),
                )
            )
    engine = _engine_rows(model, x, ys, loss)
    worst = 0.0
    for column in range(7):  # z, a, σ', ∂C/∂a, δ, ∂C/∂b, ∂C/∂w (flattened)
        hand_col = [_fields(r)[column] for r in rows]
        eng_col = [_fields(r)[column] for r in engine]
        worst = max(worst, _rel(hand_col, eng_col))
    return DeltaTable(
        tuple(rows), loss, tuple(model.sizes), tuple(acts), weights, convention, worst
    )


def _fields(r: Row) -> list[list[float]]:
    return [
        [r.z],
        [r.a],
        [] if r.dsigma is None else [r.dsigma],
        [r.dC_da],
        [r.delta],
        [r.dC_db],
        list(r.dC_dw),
    ]


def _rel(hand: Sequence[Sequence[float]], engine: Sequence[Sequence[float]]) -> float:
    """max |hand − engine| / max |engine| over one column (0 for a column of zeros)."""
    hs = [v for cell in hand for v in cell]
    es = [v for cell in engine for v in cell]
    if len(hs) != len(es):
        return math.inf
    # Where ∂C/∂a^(L) is not a float (an output rounded to 0 or 1) the hand formula gives ±inf
    # and the engine a capped stand-in (nn.losses.A_GRADIENT_CAP): not a number to compare.
    kept = [(h, e) for h, e in zip(hs, es, strict=True) if math.isfinite(h)]
    hs, es = [h for h, _ in kept], [e for _, e in kept]
    scale = max((abs(e) for e in es), default=0.0)
    diff = max((abs(h - e) for h, e in zip(hs, es, strict=True)), default=0.0)
    if scale == 0.0:
        return 0.0 if diff == 0.0 else math.inf
    return diff / scale


def _engine_rows(model: MLP, x: Sequence[float], ys: Sequence[float], loss: str) -> list[Row]:
    """The same rows from the engine: values of the graph, ``grad`` of C and of each a_j."""
    trace = model.forward_trace([float(v) for v in x])
    cost = ENGINE_LOSSES[loss](trace[-1][1], list(ys))
    L = len(trace) - 1
    nodes: list[Value] = []
    for l in range(1, L + 1):
        zs, a_s = trace[l]
        nodes += [*zs, *a_s]
        for j in range(len(zs)):
            nodes += [model.b(l, j), *(model.w(l, j, k) for k in range(len(trace[l - 1][1])))]
    grads = iter(grad(cost, nodes, allow_unused=True))
    got: dict[tuple[int, int], tuple[float, float, float, tuple[float, ...]]] = {}
    for l in range(1, L + 1):
        zs, a_s = trace[l]
        n = len(zs)
        by_z = [float(next(grads)) for _ in range(n)]
        by_a = [float(next(grads)) for _ in range(n)]
        for j in range(n):
            by_b = float(next(grads))
            by_w = tuple(float(next(grads)) for _ in range(len(trace[l - 1][1])))
            got[(l, j)] = (by_z[j], by_a[j], by_b, by_w)
    rows = []
    for l in range(1, L + 1):
        zs, a_s = trace[l]
        elementwise = _ACTIVATIONS[model.activations[l - 1]].elementwise
        for j, (z, a) in enumerate(zip(zs, a_s, strict=True)):
            dz, da, db, dw = got[(l, j)]
            slope = float(grad(a, [z])[0]) if elementwise else None
            rows.append(Row(l, j, z.data, a.data, slope, da, dz, db, dw))
    return rows
