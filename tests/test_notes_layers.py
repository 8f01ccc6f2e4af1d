"""The notes' per-layer formulas by hand against the engine, on networks drawn by Hypothesis.

Output layer (N000.8, N000.9, N000.22, N000.24, N003.w3, N004.CE), hidden layers (N000.11,
N000.26, N000.29, N002.6, N002.18, N002.19), the Jacobians of 001 (N001.J, N001.w) and the
matrix forms of 003's 3 → 2 → 1 network (N003.w2, N003.w1). Each test computes the formula
with plain floats from ``nn/byhand.py`` and compares it with ``autograd.grad`` through the
``nn.MLP`` on the same weights, to a norm-wise relative error of ``TOL`` (1e-12; see
``tests/support/notes.py`` for why norm-wise). Networks, batches and targets come from
``tests/strategies.py``; these per-example formulas are checked on every example of the batch
against the engine's gradient of that example's cost (the batch mean is N002.m's test).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad
from nn import byhand
from nn.activations import ACTIVATIONS
from nn.module import MLP
from tests.strategies import Problem, problems
from tests.support.notes import (
    TOL,
    engine_gradients,
    flat,
    hand_forward,
    node_gradients,
    note_003_problems,
    output_saturated,
    rel_err,
    trace_cost,
)

#: The squared errors of 000 and 001 (any output activation is meant for them).
SQUARED = st.sampled_from(["squared_error", "mean_squared_error"])
#: Output activations that act neuron by neuron (σ'(z) exists), or None (= the hidden one).
ELEMENTWISE_OUTPUTS = (*ACTIVATIONS, None)


def squared_problems(**kwargs: Any) -> st.SearchStrategy[Problem]:
    """Problems with a squared error, the cost 000 and 001 derive for."""
    return SQUARED.flatmap(lambda loss: problems(loss, **kwargs))


# ---------------------------------------------------------------------------------------------
# One neuron per layer (000 eq. 1–11).

one_neuron: dict[str, Any] = {
    "max_neurons": 1,
    "max_inputs": 1,
    "output_activations": ELEMENTWISE_OUTPUTS,
}


@given(problems("squared_error", **one_neuron))
def test_N000_8_and_N000_9_one_neuron_per_layer(p: Problem) -> None:
    """N000.8 ∂C/∂w^(L) = a^(L−1) σ'(z^(L)) 2(a^(L) − y), N000.9 ∂C/∂b^(L) = σ'(z^(L)) 2(a^(L) − y).

    The notes' first network: one neuron per layer.
    """
    L = len(p.model.layers)
    act = p.model.layers[-1].activation
    for x, y in zip(p.xs, p.ys, strict=True):
        fp = hand_forward(p.model, x)
        z, a, a_prev = fp.z[L][0], fp.a[L][0], fp.a[L - 1][0]
        dW, db = engine_gradients(p.model, [x], [y], p.loss)
        # Entry-wise: products of a few factors, nothing cancels.
        assert (
            rel_err(byhand.output_weight_gradient_one(a_prev, z, a, y[0], act), dW[L - 1][0][0])
            < TOL
        )
        assert rel_err(byhand.output_bias_gradient_one(z, a, y[0], act), db[L - 1][0]) < TOL


@given(problems("squared_error", min_layers=2, **one_neuron))
def test_N000_11_one_neuron_per_layer_two_layers_back(p: Problem) -> None:
    """N000.11 ∂C/∂w^(L−1) = a^(L−2) σ'(z^(L−1)) w^(L) σ'(z^(L)) 2(a^(L) − y)."""
    L = len(p.model.layers)
    acts = (p.model.layers[L - 2].activation, p.model.layers[L - 1].activation)
    w_L = p.model.w(L, 0, 0).data
    for x, y in zip(p.xs, p.ys, strict=True):
        fp = hand_forward(p.model, x)
        hand = byhand.hidden_weight_gradient_one(
            fp.a[L - 2][0], fp.z[L - 1][0], w_L, fp.z[L][0], fp.a[L][0], y[0], acts
        )
        dW, _ = engine_gradients(p.model, [x], [y], p.loss)
        # Entry-wise: one product of five factors, nothing cancels.
        assert rel_err(hand, dW[L - 2][0][0]) < TOL


# ---------------------------------------------------------------------------------------------
# The output layer.


@given(problems("squared_error", output_activations=ELEMENTWISE_OUTPUTS))
def test_N000_22_output_weights_squared_error(p: Problem) -> None:
    """N000.22 ∂C/∂w_jk^(L) = a_k^(L−1) σ^(L)'(z_j^(L)) 2(a_j^(L) − y_j)."""
    L = len(p.model.layers)
    act = p.model.layers[-1].activation
    for x, y in zip(p.xs, p.ys, strict=True):
        fp = hand_forward(p.model, x)
        hand = byhand.output_weight_gradients(fp.a[L - 1], fp.z[L], fp.a[L], y, act)
        dW, _ = engine_gradients(p.model, [x], [y], p.loss)
        assert rel_err(hand, dW[L - 1]) < TOL


@given(problems("squared_error", output_activations=ELEMENTWISE_OUTPUTS))
def test_N000_24_output_biases_squared_error(p: Problem) -> None:
    """N000.24 ∂C/∂b_j^(L) = σ^(L)'(z_j^(L)) 2(a_j^(L) − y_j)."""
    L = len(p.model.layers)
    act = p.model.layers[-1].activation
    for x, y in zip(p.xs, p.ys, strict=True):
        fp = hand_forward(p.model, x)
        _, db = engine_gradients(p.model, [x], [y], p.loss)
        assert rel_err(byhand.output_bias_gradients(fp.z[L], fp.a[L], y, act), db[L - 1]) < TOL


@given(problems("binary_cross_entropy"))
def test_N003_w3_sigmoid_output_binary_cross_entropy(p: Problem) -> None:
    """N003.w3 ∂L/∂w^(L) = −(y − a^(L)) a^(L−1)T, ∂L/∂b^(L) = −(y − a^(L)): δ^(L) = a^(L) − y."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    L = len(p.model.layers)
    for x, y in zip(p.xs, p.ys, strict=True):
        fp = hand_forward(p.model, x)
        hand_w, hand_b = byhand.sigmoid_bce_output_gradients(fp.a[L - 1], fp.a[L], y)
        dW, db = engine_gradients(p.model, [x], [y], p.loss)
        assert rel_err([hand_w, [hand_b]], [dW[L - 1], [db[L - 1]]]) < TOL


@given(problems("cross_entropy"))
def test_N004_CE_softmax_output_cross_entropy(p: Problem) -> None:
    """N004.CE δ_i^(L) = a_i^(L) − y_i for a softmax output, cross-entropy and a one-hot y.

    Also by 004's own route: the Jacobian N004.softmax times ∂E/∂a = −y/a (N004.dE).
    """
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    L = len(p.model.layers)
    for x, y in zip(p.xs, p.ys, strict=True):
        fp = hand_forward(p.model, x)
        trace, cost = trace_cost(p.model, x, y, p.loss)
        engine_delta = node_gradients(cost, trace[L][0])
        assert rel_err(byhand.softmax_cross_entropy_delta(fp.a[L], y), engine_delta) < TOL
        by_jacobian = byhand.softmax_backward(fp.a[L], byhand.d_cross_entropy(fp.a[L], y))
        assert rel_err(by_jacobian, engine_delta) < TOL


@given(problems("cross_entropy"), st.data())
def test_N004_CE_general_form_for_a_target_that_is_not_one_hot(
    p: Problem, data: st.DataObject
) -> None:
    """N004.CE's general form δ_i^(L) = a_i Σ_j y_j − y_i, for any y >= 0 (not only one-hot).

    N004.softmax applied to N004.dE gives it; for a one-hot y (Σ_j y_j = 1) it is the note's
    a − y, which is all the drawn targets of the other tests exercise.
    """
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    L = len(p.model.layers)
    n = p.model.sizes[-1]
    for x in p.xs:
        y = data.draw(st.lists(st.floats(0.0, 2.0), min_size=n, max_size=n), label="y")
        fp = hand_forward(p.model, x)
        trace, cost = trace_cost(p.model, x, y, p.loss)
        engine_delta = node_gradients(cost, trace[L][0])
        # Norm-wise against the terms a_i Σ_j y_j and y_i, which cancel where a_i Σ y ≈ y_i.
        floor = max(*y, *(a * sum(y) for a in fp.a[L]))
        assert rel_err(byhand.softmax_cross_entropy_delta(fp.a[L], y), engine_delta, floor) < TOL
        by_jacobian = byhand.softmax_backward(fp.a[L], byhand.d_cross_entropy(fp.a[L], y))
        assert rel_err(by_jacobian, engine_delta, floor) < TOL


@pytest.mark.parametrize(("bias", "y"), [(60.0, 0.0), (-800.0, 1.0)])
def test_N003_w3_where_the_sigmoid_output_saturated(bias: float, y: float) -> None:
    """N003.w3's δ^(L) = a − y has no 1/a or 1/(1 − a): it still gives the engine's gradients
    where σ(z^(L)) rounded to exactly 1.0 or 0.0, where N003.L's derivative by itself fails.

    (The saturated output far from its target: there a − y is of order 1 and exact; beside its
    target, a − y cancels, as the engine's σ(z) − y does.)
    """
    model = MLP(2, [3, 1], seed=0)
    model.b(2, 0).data = bias
    x = [0.5, -1.0]
    fp = hand_forward(model, x)
    assert fp.a[2][0] == (1.0 if bias > 0.0 else 0.0)
    with pytest.raises(ValueError, match=r"output a_0 must be in \(0, 1\)"):
        byhand.d_binary_cross_entropy(fp.a[2], [y])
    hand = byhand.gradients(model, x, [y], "binary_cross_entropy")
    assert rel_err(hand, engine_gradients(model, [x], [[y]], "binary_cross_entropy")) < TOL


# ---------------------------------------------------------------------------------------------
# Hidden layers.


def activation_gradients(p: Problem, x: list[float], y: list[float]) -> list[byhand.Vector]:
    """000's way down: ∂C/∂a^(L) (N000.4 or N001.dC), then ∂C/∂a^(l−1) by N000.29, to l = 0."""
    W, _ = byhand.read_weights(p.model)
    acts = byhand.read_activations(p.model)
    fp = hand_forward(p.model, x)
    L = len(W)
    dC_da: list[byhand.Vector] = [[] for _ in range(L + 1)]
    dC_da[L] = byhand.COST_DERIVATIVES[p.loss](fp.a[L], y)
    for l in range(L, 0, -1):
        dC_da[l - 1] = byhand.activation_gradients_below(W[l - 1], fp.z[l], dC_da[l], acts[l - 1])
    return dC_da


@given(squared_problems(output_activations=ELEMENTWISE_OUTPUTS))
def test_N000_26_weights_from_the_activation_gradient(p: Problem) -> None:
    """N000.26 ∂C/∂w_jk^(l) = a_k^(l−1) σ^(l)'(z_j^(l)) ∂C/∂a_j^(l), at every layer."""
    acts = byhand.read_activations(p.model)
    for x, y in zip(p.xs, p.ys, strict=True):
        fp = hand_forward(p.model, x)
        dC_da = activation_gradients(p, x, y)
        hand = [
            byhand.hidden_weight_gradients(fp.a[l - 1], fp.z[l], dC_da[l], acts[l - 1])
            for l in range(1, len(acts) + 1)
        ]
        dW, _ = engine_gradients(p.model, [x], [y], p.loss)
        assert rel_err(hand, dW) < TOL


@given(squared_problems(min_layers=2))
def test_N000_29_activation_gradient_sums_over_the_layer_above(p: Problem) -> None:
    """N000.29 ∂C/∂a_k^(l−1) = Σ_j w_jk^(l) σ'(z_j^(l)) ∂C/∂a_j^(l), against the engine's a's."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    L = len(p.model.layers)
    for x, y in zip(p.xs, p.ys, strict=True):
        dC_da = activation_gradients(p, x, y)
        trace, cost = trace_cost(p.model, x, y, p.loss)
        # Down to a^(1), with a^(L) for scale: below a softmax whose neurons are fed alike, a
        # whole layer's ∂C/∂a cancels to 0 (Σ_i δ_i^(L) = 0), known only to its terms' rounding.
        engine = [node_gradients(cost, trace[l][1]) for l in range(1, L + 1)]
        assert rel_err(dC_da[1 : L + 1], engine) < TOL


@given(problems())
def test_N002_6_delta_recursion(p: Problem) -> None:
    """N002.6 δ_k^(l) = σ'(z_k^(l)) Σ_j w_jk^(l+1) δ_j^(l+1), every layer, every loss."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    W, _ = byhand.read_weights(p.model)
    acts = byhand.read_activations(p.model)
    L = len(W)
    for x, y in zip(p.xs, p.ys, strict=True):
        trace, cost = trace_cost(p.model, x, y, p.loss)
        engine = [node_gradients(cost, trace[l][0]) for l in range(1, L + 1)]
        # δ^(L) by hand, then the recursion alone, layer by layer.
        fp = hand_forward(p.model, x)
        delta = [byhand.output_delta(acts[L - 1], fp.z[L], fp.a[L], y, p.loss)]
        for l in range(L - 1, 0, -1):
            delta.insert(0, byhand.delta_recursion(W[l], delta[0], fp.z[l], acts[l - 1]))
        assert rel_err(delta, engine) < TOL


@given(problems())
def test_N002_18_and_N002_19_gradients_from_deltas(p: Problem) -> None:
    """N002.18 ∂C/∂w_jk^(l) = a_k^(l−1) δ_j^(l) and N002.19 ∂C/∂b_j^(l) = δ_j^(l).

    From the engine's own δ_j^(l) (its gradient at the z nodes), so that only these two formulas
    are under test.
    """
    L = len(p.model.layers)
    for x, y in zip(p.xs, p.ys, strict=True):
        trace, cost = trace_cost(p.model, x, y, p.loss)
        deltas = [node_gradients(cost, trace[l][0]) for l in range(1, L + 1)]
        a = [[v.data for v in trace[l][1]] for l in range(L + 1)]
        dW, db = engine_gradients(p.model, [x], [y], p.loss)
        # The same graph, built twice: the engine's δ and its dW are the same numbers.
        assert (
            rel_err([byhand.weight_gradients(deltas[l - 1], a[l - 1]) for l in range(1, L + 1)], dW)
            < TOL
        )
        assert rel_err([byhand.bias_gradients(deltas[l - 1]) for l in range(1, L + 1)], db) < TOL


# ---------------------------------------------------------------------------------------------
# 001: Jacobians.


@given(problems())
def test_N001_J_layer_jacobians_and_their_product(p: Problem) -> None:
    """N001.J ∂a_m^(l)/∂a_p^(l−1) = σ'(z_m^(l)) w_mp^(l); ∂a^(L)/∂a^(l) is their product."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    W, _ = byhand.read_weights(p.model)
    acts = byhand.read_activations(p.model)
    L = len(W)
    for x in p.xs:
        # Inputs as Values, so that the engine also differentiates with respect to a^(0).
        inputs = [Value(v, f"a_{{{k}}}^(0)") for k, v in enumerate(x)]
        trace = p.model.forward_trace(inputs)
        fp = hand_forward(p.model, x)
        layer = [byhand.layer_jacobian(W[l - 1], fp.z[l], acts[l - 1]) for l in range(1, L + 1)]
        bound = [terms_bound(W[l - 1], fp.z[l], acts[l - 1]) for l in range(1, L + 1)]
        for l in range(L):  # ∂a^(L)/∂a^(l): rows m of layer L, columns p of layer l
            engine = [[float(g) for g in grad(a_m, trace[l][1])] for a_m in trace[L][1]]
            # Where every entry cancels (two softmax neurons fed alike: Σ_i ∂a_m/∂z_i = 0), the
            # rounding is relative to the terms: the product of the |terms| matrices.
            floor = max(flat(byhand.jacobian_product(bound[l:])))
            assert rel_err(byhand.jacobian_product(layer[l:]), engine, floor=floor) < TOL


def terms_bound(W: byhand.Matrix, z: list[float], activation: str) -> byhand.Matrix:
    """|σ'(z_m) w_mp|, or Σ_i |∂a_m/∂z_i| |w_ip| for softmax: what N001.J's entries sum."""
    if activation != "softmax":
        return [[abs(v) for v in row] for row in byhand.layer_jacobian(W, z, activation)]
    J = byhand.softmax_jacobian(byhand.softmax(z))
    return [
        [sum(abs(J[i][m] * W[i][p]) for i in range(len(z))) for p in range(len(W[0]))]
        for m in range(len(z))
    ]


@given(squared_problems(output_activations=ELEMENTWISE_OUTPUTS))
def test_N001_w_activation_by_its_own_weight_and_bias(p: Problem) -> None:
    """N001.w ∂a_A^(l)/∂w_AB^(l) = σ'(z_A^(l)) a_B^(l−1), and σ'(z_A^(l)) for b_A^(l)."""
    acts = byhand.read_activations(p.model)
    x = p.xs[0]
    fp = hand_forward(p.model, x)
    trace = p.model.forward_trace(x)
    for l, layer in enumerate(p.model.layers, start=1):
        for A, neuron in enumerate(layer.neurons):
            engine = [float(g) for g in grad(trace[l][1][A], [*neuron.w, neuron.b])]
            hand = [
                *(
                    byhand.activation_weight_derivative(fp.z[l][A], a_B, acts[l - 1])
                    for a_B in fp.a[l - 1]
                ),
                byhand.activation_bias_derivative(fp.z[l][A], acts[l - 1]),
            ]
            assert rel_err(hand, engine) < TOL


# ---------------------------------------------------------------------------------------------
# 003: the n → 3 → 2 → 1 sigmoid network with binary cross-entropy, in matrices.


def note_003_matrices(
    p: Problem, x: list[float]
) -> tuple[list[byhand.Matrix], list[byhand.Vector]]:
    """(w^(1), w^(2), w^(3)) with 003's shapes (3, n), (2, 3), (1, 2), and a^(1..3)."""
    W, _ = byhand.read_weights(p.model)
    assert [byhand.shape(Wl) for Wl in W] == [(3, len(x)), (2, 3), (1, 2)]
    return W, hand_forward(p.model, x).a


@given(note_003_problems())
def test_N003_w2_matrix_form(p: Problem) -> None:
    """N003.w2 ∂L/∂w^(2) = ((w^(3)T (a^(3) − y)) ∘ a^(2)(1 − a^(2))) a^(1)T, shape (2, 3)."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    for x, y in zip(p.xs, p.ys, strict=True):
        W, a = note_003_matrices(p, x)
        g = byhand.bce_gradient_w2(W[2], a[1], a[2], a[3], y)
        assert byhand.shape(g) == (2, 3)
        dW, _ = engine_gradients(p.model, [x], [y], p.loss)
        # Norm-wise over the network's gradient: a layer's may cancel as a whole (w^(3) = (1, 1)
        # with equal rows of w^(2), say), and is then only known to the rounding of its terms.
        assert rel_err(g, dW[1], floor=max(abs(v) for v in flat(dW))) < TOL


@given(note_003_problems())
def test_N003_w1_matrix_form(p: Problem) -> None:
    """N003.w1 ∂L/∂w^(1) = ((w^(2)T δ^(2)) ∘ a^(1)(1 − a^(1))) xᵀ, shape (3, n)."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    for x, y in zip(p.xs, p.ys, strict=True):
        W, a = note_003_matrices(p, x)
        g = byhand.bce_gradient_w1(W[1], W[2], x, a[1], a[2], a[3], y)
        assert byhand.shape(g) == (3, len(x))
        dW, _ = engine_gradients(p.model, [x], [y], p.loss)
        # Norm-wise over the network's gradient: a layer's may cancel as a whole (w^(3) = (1, 1)
        # with equal rows of w^(2), say), and is then only known to the rounding of its terms.
        assert rel_err(g, dW[0], floor=max(abs(v) for v in flat(dW))) < TOL


def test_matrix_helpers_check_shapes() -> None:
    """matmul and hadamard refuse shapes that do not fit, naming both."""
    with pytest.raises(ValueError, match=r"shapes \(1, 1\) and \(2, 1\) do not fit"):
        byhand.matmul([[1.0]], [[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"shapes \(2, 1\) and \(1, 2\) differ"):
        byhand.hadamard([[1.0], [2.0]], [[1.0, 2.0]])
    assert byhand.matmul([[1.0, 2.0]], [[3.0], [4.0]]) == [[11.0]]
    assert byhand.transpose([[1.0, 2.0]]) == [[1.0], [2.0]]
