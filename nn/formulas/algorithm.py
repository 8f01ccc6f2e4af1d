"""The notes' algorithm N002.DP by hand: the whole backward pass, batches, one SGD step.

``gradients`` runs it on an ``nn.MLP``'s weights: a forward pass that keeps every z_j^(l) and
a_j^(l), then the deltas from the output layer down, and returns every ∂C/∂w_jk^(l) and
∂C/∂b_j^(l).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from nn.formulas.common import Matrix, Target, Vector, _finite
from nn.formulas.costs import batch_mean
from nn.formulas.layers import (
    ForwardPass,
    Network,
    _check_loss,
    bias_gradients,
    delta_recursion,
    forward,
    output_delta,
    read_activations,
    read_weights,
    weight_gradients,
)


@dataclass(frozen=True)
class BackwardPass:
    """δ[l][j] = δ_j^(l) = ∂C/∂z_j^(l), and the gradients dW[l-1][j][k], db[l-1][j]."""

    delta: list[Vector]
    dW: list[Matrix]  # noqa: N815 (the notes' name)
    db: list[Vector]

    def gradients(self) -> tuple[list[Matrix], list[Vector]]:
        """(dW, db)."""
        return self.dW, self.db


def backpropagate(
    W: Sequence[Matrix],
    b: Sequence[Vector],
    activations: Sequence[str],
    fp: ForwardPass,
    y: Target,
    loss: str = "squared_error",
) -> BackwardPass:
    """N002.DP: δ^(L), then layer L's gradients, then δ^(L−1) from δ^(L), ... down to layer 1.

    Each δ^(l) is computed once and used twice (the "dynamic programming" of note 002): for
    layer l's gradients (N002.18, N002.19) and for δ^(l−1) (N002.6).
    """
    L = len(W)
    if len(b) != L or len(activations) != L:
        raise ValueError(
            f"backpropagate: {L} weight matrices, {len(b)} bias vectors and "
            f"{len(activations)} activations; each layer needs one of each"
        )
    if len(fp.z) != L + 1:
        raise ValueError(f"backpropagate: the forward pass has {len(fp.z) - 1} layers, not {L}")
    delta: list[Vector] = [[] for _ in range(L + 1)]
    dW: list[Matrix] = [[] for _ in range(L)]
    db: list[Vector] = [[] for _ in range(L)]
    delta[L] = output_delta(activations[L - 1], fp.z[L], fp.a[L], y, loss)
    for l in range(L, 0, -1):
        dW[l - 1] = weight_gradients(delta[l], fp.a[l - 1])
        db[l - 1] = bias_gradients(delta[l])
        if l > 1:
            delta[l - 1] = delta_recursion(W[l - 1], delta[l], fp.z[l - 1], activations[l - 2])
    return BackwardPass(delta, dW, db)


def _as_target(y: Target, n_out: int) -> Vector:
    """The target as n_out floats, or a ValueError."""
    ys = _finite("the target", "y", y)
    if len(ys) != n_out:
        raise ValueError(f"the network has {n_out} outputs but the target y has {len(ys)} values")
    return ys


def gradients(
    model: Network, x: Sequence[float], y: Target, loss: str = "squared_error"
) -> tuple[list[Matrix], list[Vector]]:
    """N002.DP on ``model``'s weights: dW[l-1][j][k] = ∂C/∂w_jk^(l), db[l-1][j] = ∂C/∂b_j^(l)."""
    _check_loss(loss)
    W, b = read_weights(model)
    activations = read_activations(model)
    fp = forward(W, b, activations, x)
    return backpropagate(W, b, activations, fp, _as_target(y, len(b[-1])), loss).gradients()


def batch_gradients(
    model: Network,
    xs: Sequence[Sequence[float]],
    ys: Sequence[Target],
    loss: str = "squared_error",
) -> tuple[list[Matrix], list[Vector]]:
    """N002.m: the gradients of C = (1/m) Σ_i C_i, the mean of each example's gradients."""
    if len(xs) != len(ys) or not xs:
        raise ValueError(f"batch_gradients: {len(xs)} inputs and {len(ys)} targets")
    each = [gradients(model, x, y, loss) for x, y in zip(xs, ys, strict=True)]
    dW = [
        [
            [batch_mean([g[0][l][j][k] for g in each]) for k in range(len(row_))]
            for j, row_ in enumerate(Wl)
        ]
        for l, Wl in enumerate(each[0][0])
    ]
    db = [
        [batch_mean([g[1][l][j] for g in each]) for j in range(len(bl))]
        for l, bl in enumerate(each[0][1])
    ]
    return dW, db


def gradient_descent_step(
    W: Sequence[Matrix],
    b: Sequence[Vector],
    dW: Sequence[Matrix],
    db: Sequence[Vector],
    alpha: float,
) -> tuple[list[Matrix], list[Vector]]:
    """N002.7: θ := θ − α ∂C/∂θ for every weight and bias; returns the new (W, b)."""
    if not (math.isfinite(alpha) and alpha > 0.0):
        raise ValueError(f"gradient_descent_step: the learning rate α must be > 0, got {alpha!r}")
    new_W = [
        [
            [w - alpha * g for w, g in zip(wr, gr, strict=True)]
            for wr, gr in zip(Wl, dWl, strict=True)
        ]
        for Wl, dWl in zip(W, dW, strict=True)
    ]
    new_b = [
        [v - alpha * g for v, g in zip(bl, dbl, strict=True)] for bl, dbl in zip(b, db, strict=True)
    ]
    return new_W, new_b
