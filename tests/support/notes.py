"""What the tests of the notes' formulas share: the engine's gradients and how we compare.

Every test of ``nn/byhand.py`` compares a formula computed by hand, with plain floats, against
the gradient the ``Value`` engine back-propagates through the same network (an ``nn.MLP``, its
losses from ``nn.losses``): the engine is the oracle. tests/test_support.py checks the
comparison itself.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TypeAlias

from hypothesis import strategies as st

from autograd import Value, grad
from nn import byhand
from nn.losses import LOSSES, mean
from nn.module import MLP
from tests.strategies import NetSpec, Problem, network_reals, targets

#: Agreement we require between a formula by hand and the engine, as a norm-wise relative error
#: (``rel_err``). Both compute the same sums and products of the same floats, in different
#: orders and groupings; each rounding costs at most 1.1e-16 relative to the terms involved,
#: and a gradient of these small networks (4 layers of 6 at most, moderate weights) passes
#: through a few dozen of them, so 1e-12 leaves a margin of ~100x while any wrong factor,
#: index or missing term shows as an error of order 1.
TOL = 1e-12

#: The smallest scale rel_err measures against. Below the smallest normal float (2.2e-308)
#: numbers are subnormal and keep fewer digits the smaller they are, so differences under it
#: count as agreement: gradients that small are zero for any purpose. It also keeps rel_err
#: defined when every gradient is 0.0.
TINY = sys.float_info.min / TOL

#: Nested lists of floats (a vector, a matrix, a network's dW).
Nested: TypeAlias = float | Sequence["Nested"]


def flat(x: Nested) -> list[float]:
    """Every float of a nested list, in order."""
    if isinstance(x, (int, float)):
        return [float(x)]
    return [v for item in x for v in flat(item)]


def rel_err(hand: Nested, engine: Nested, floor: float = TINY) -> float:
    """max_i |hand_i − engine_i| / max(max_i |engine_i|, floor): the norm-wise relative error.

    Norm-wise, because entry-wise relative error is unbounded where a sum cancels: a
    δ_k^(l) = σ'(z_k) Σ_j w_jk δ_j whose terms of size 0.1 cancel to 1e-17 is, in either order
    of summation, only known to about 1e-17 (the rounding of the terms), so two correct
    computations may differ by 100% of it. Measured against the largest gradient, both are
    right to within rounding, and a wrong formula still shows as an error of order 1.
    ``floor`` is for the rare test where every entry may cancel at once (then the size of the
    cancelling terms is the scale rounding is relative to); by default it only avoids 0/0.
    """
    h, e = flat(hand), flat(engine)
    if len(h) != len(e):
        raise ValueError(f"rel_err: {len(h)} numbers by hand but {len(e)} from the engine")
    if not h:
        return 0.0
    scale = max(max(abs(v) for v in e), floor, TINY)
    return max(abs(a - b) for a, b in zip(h, e, strict=True)) / scale


def as_vector(y: float | Sequence[float]) -> list[float]:
    """A target as a list of floats."""
    return [float(y)] if isinstance(y, (int, float)) else [float(v) for v in y]


def batch_cost(
    model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[float | Sequence[float]], loss: str
) -> Value:
    """The engine's C = (1/m) Σ_i C_i over the batch (nn.losses.mean; m = 1 gives C_0 / 1)."""
    return mean([LOSSES[loss](model(list(x)), as_vector(y)) for x, y in zip(xs, ys, strict=True)])


def engine_gradients(
    model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[float | Sequence[float]], loss: str
) -> tuple[list[list[list[float]]], list[list[float]]]:
    """(dW, db) by the engine: ``autograd.grad`` of the batch cost, shaped as byhand's."""
    cost = batch_cost(model, xs, ys, loss)
    weights = [[list(n.w) for n in layer.neurons] for layer in model.layers]
    biases = [[n.b for n in layer.neurons] for layer in model.layers]
    every = [w for layer in weights for row in layer for w in row] + [
        b for layer in biases for b in layer
    ]
    g = iter(grad(cost, every))
    dW = [[[next(g) for _ in row] for row in layer] for layer in weights]
    db = [[next(g) for _ in layer] for layer in biases]
    return dW, db


def node_gradients(cost: Value, nodes: Sequence[Value]) -> list[float]:
    """∂cost/∂node for intermediate nodes (z_j^(l), a_j^(l) of ``forward_trace``)."""
    return [float(g) for g in grad(cost, list(nodes))]


def trace_cost(
    model: MLP, x: Sequence[float | Value], y: float | Sequence[float], loss: str
) -> tuple[list[tuple[list[Value], list[Value]]], Value]:
    """The engine's forward pass with every z^(l), a^(l) node, and the cost C of one example."""
    trace = model.forward_trace(list(x))
    return trace, LOSSES[loss](trace[-1][1], as_vector(y))


def hand_forward(model: MLP, x: Sequence[float]) -> byhand.ForwardPass:
    """byhand's forward pass (every z_j^(l), a_j^(l)) on the model's weights."""
    W, b = byhand.read_weights(model)
    return byhand.forward(W, b, byhand.read_activations(model), x)


#: Where an output saturates towards its target, the engine's δ^(L) is right to ~1e-16 in
#: absolute terms only, which is ~1e-16 / margin relative to a δ^(L) of size margin:
#: - softmax: the engine differentiates e_i / Σ_k e_k, so ∂a_i/∂z_i comes out as a_i − a_i²,
#:   which cancels where a_i is close to 1 (the by-hand a_i Σ_(k≠i) a_k keeps every digit), and
#:   cross-entropy's δ_c = a_c − 1 cancels likewise for the true class c;
#: - sigmoid with binary cross-entropy: δ = σ(z) − y, computed by the engine as
#:   (1 − σ(−z)) − y, cancels where a and y are both close to 1.
#: Tests that compare through the output layer assume the outputs stay this far from that
#: (a few percent of the drawn networks), so that the engine is right to ~1e-13.
SATURATION_MARGIN = 1e-3


def output_saturated(
    model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[Sequence[float]], loss: str
) -> bool:
    """Whether some example puts the output layer within SATURATION_MARGIN of saturation."""
    activation = model.layers[-1].activation
    for x, y in zip(xs, ys, strict=True):
        a = [v.data for v in model.forward(list(x))]
        if activation == "softmax" and len(a) > 1 and 1.0 - max(a) < SATURATION_MARGIN:
            return True
        largest_delta = max(abs(aj - yj) for aj, yj in zip(a, y, strict=True))
        bce = activation == "sigmoid" and loss == "binary_cross_entropy"
        if bce and largest_delta < SATURATION_MARGIN:
            return True
    return False


@st.composite
def note_003_problems(draw: st.DrawFn) -> Problem:
    """003's network: n inputs, 3 then 2 sigmoid neurons, 1 sigmoid output; BCE; a batch."""
    n = draw(st.integers(1, 6))
    sizes = (n, 3, 2, 1)
    weights = tuple(
        tuple(tuple(draw(network_reals) for _ in range(sizes[l - 1] + 1)) for _ in range(sizes[l]))
        for l in range(1, 4)
    )
    spec = NetSpec(n, (3, 2, 1), "sigmoid", None, draw(st.integers(0, 2**32 - 1)), weights)
    m = draw(st.integers(1, 5))
    xs = [draw(st.lists(network_reals, min_size=n, max_size=n)) for _ in range(m)]
    ys = [draw(targets("binary_cross_entropy", 1)) for _ in range(m)]
    return Problem(spec, spec.build(), "binary_cross_entropy", xs, ys)
