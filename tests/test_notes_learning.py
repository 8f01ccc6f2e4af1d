"""The notes' whole algorithm by hand against the engine: N002.DP, N002.m, N002.7.

Also the notes' own networks as named cases: 000's 64 → 16 → 10 digits network with squared
error (eq. 15–29) and 004's softmax output with cross-entropy (3 classes, as 004's matrix).
"""

# The notes' names: l is the layer index.

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nn import SGD, byhand
from nn.datasets import load_digits, one_hot
from nn.module import MLP
from tests.strategies import Problem, problems
from tests.support.notes import (
    TOL,
    batch_cost,
    engine_gradients,
    flat,
    node_gradients,
    output_saturated,
    rel_err,
    trace_cost,
)


@given(problems())
def test_N002_DP_whole_backward_pass(p: Problem) -> None:
    """N002.DP δ^(L), layer L's gradients, δ^(L−1), ... down to layer 1: every ∂C/∂w, ∂C/∂b."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    for x, y in zip(p.xs, p.ys, strict=True):
        hand = byhand.gradients(p.model, x, y, p.loss)
        assert rel_err(hand, engine_gradients(p.model, [x], [y], p.loss)) < TOL


@given(problems())
def test_N002_DP_keeps_every_z_a_and_delta(p: Problem) -> None:
    """N002.DP's forward pass keeps every z_j^(l), a_j^(l); its δ_j^(l) are the engine's ∂C/∂z."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    W, b = byhand.read_weights(p.model)
    acts = byhand.read_activations(p.model)
    x, y = p.xs[0], p.ys[0]
    fp = byhand.forward(W, b, acts, x)
    trace, cost = trace_cost(p.model, x, y, p.loss)
    # The hand forward pass sums with fsum, as the engine's weighted-sum node: z's are identical.
    assert fp.z[1:] == [[z.data for z in zs] for zs, _ in trace[1:]]
    assert rel_err(fp.a, [[a.data for a in acts_l] for _, acts_l in trace]) < TOL
    bp = byhand.backpropagate(W, b, acts, fp, y, p.loss)
    engine_deltas = [node_gradients(cost, zs) for zs, _ in trace[1:]]
    assert rel_err(bp.delta[1:], engine_deltas) < TOL


@given(problems(min_batch=2))
def test_N002_m_batch_gradient_is_the_mean(p: Problem) -> None:
    """N002.m C = (1/m) Σ_i C_i: the batch gradient is the mean of the examples' gradients."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    hand = byhand.batch_gradients(p.model, p.xs, p.ys, p.loss)
    # Examples may pull opposite ways (y = ±1.5 on the same x): the mean then cancels, and is
    # known only to the rounding of the examples' gradients, which sets the scale.
    terms = max_example_gradient(p)
    assert rel_err(hand, engine_gradients(p.model, p.xs, p.ys, p.loss), floor=terms) < TOL
    # The cost too: the mean of the engine's C_i by hand is the engine's C.
    each = [trace_cost(p.model, x, y, p.loss)[1].data for x, y in zip(p.xs, p.ys, strict=True)]
    assert rel_err(byhand.batch_mean(each), batch_cost(p.model, p.xs, p.ys, p.loss).data) < TOL


@given(problems(), st.sampled_from([0.01, 0.1, 0.5, 1.0, 2.0]))
def test_N002_7_one_gradient_descent_step(p: Problem, alpha: float) -> None:
    """N002.7 θ := θ − α ∂C/∂θ by hand gives the weights nn.SGD(lr=α).step() gives."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    W, b = byhand.read_weights(p.model)
    dW, db = byhand.batch_gradients(p.model, p.xs, p.ys, p.loss)
    new_W, new_b = byhand.gradient_descent_step(W, b, dW, db, alpha)
    p.model.zero_grad()
    batch_cost(p.model, p.xs, p.ys, p.loss).backward()
    SGD(p.model.parameters(), lr=alpha).step()
    engine_W, engine_b = byhand.read_weights(p.model)
    assert rel_err([new_W, new_b], [engine_W, engine_b]) < TOL
    # The steps themselves, α ∂C/∂θ: new − old also carries the rounding of θ (2 ulps of the
    # largest |θ|), so measure against at least the step that rounding is 1e-12 of, and a mean
    # that cancels against its examples' gradients (see the N002.m test).
    old = flat(W) + flat(b)
    largest = max(abs(v) for v in old)
    steps = [u - v for u, v in zip(flat(new_W) + flat(new_b), old, strict=True)]
    engine_steps = [u - v for u, v in zip(flat(engine_W) + flat(engine_b), old, strict=True)]
    floor = max(4.4e-16 * largest / TOL, alpha * max_example_gradient(p))
    assert rel_err(steps, engine_steps, floor=floor) < TOL


def max_example_gradient(p: Problem) -> float:
    """The largest |∂C_i/∂θ| of any one example: the scale a batch mean is rounded at."""
    return max(
        abs(g)
        for x, y in zip(p.xs, p.ys, strict=True)
        for g in flat(engine_gradients(p.model, [x], [y], p.loss))
    )


def test_N002_7_refuses_a_learning_rate_that_is_not_positive() -> None:
    """N002.7 needs α > 0: 0, negative or nan α is a ValueError naming it."""
    for alpha in (0.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="learning rate α must be > 0"):
            byhand.gradient_descent_step([[[1.0]]], [[0.0]], [[[1.0]]], [[0.0]], alpha)


@pytest.mark.parametrize(
    ("x", "y", "loss", "message"),
    [
        ([float("nan"), 1.0], [1.0], "squared_error", "x_0 must be finite, got nan"),
        ([1.0, 1.0], [float("inf")], "squared_error", "y_0 must be finite, got inf"),
        ([1.0], [1.0], "squared_error", "takes 2 inputs, got 1"),
        ([1.0, 1.0], [1.0, 0.0], "squared_error", "1 outputs but the target y has 2"),
        ([1.0, 1.0], [1.0], "hinge", "unknown loss 'hinge'"),
    ],
)
def test_N002_DP_refuses_bad_input(x: list[float], y: list[float], loss: str, message: str) -> None:
    """N002.DP on bad input: a ValueError naming the value, never a silent nan."""
    with pytest.raises(ValueError, match=re.escape(message)):
        byhand.gradients(MLP(2, [3, 1], seed=0), x, y, loss)


def test_N002_DP_backpropagate_refuses_mismatched_layers() -> None:
    """backpropagate names what does not fit: a forward pass, biases or activations too few."""
    W, b = [[[0.5]], [[2.0]]], [[0.0], [0.0]]
    fp = byhand.forward(W, b, ["sigmoid", "sigmoid"], [1.0])
    with pytest.raises(ValueError, match="2 weight matrices, 2 bias vectors and 1 activations"):
        byhand.backpropagate(W, b, ["sigmoid"], fp, [1.0])
    with pytest.raises(ValueError, match="2 weight matrices, 1 bias vectors and 2 activations"):
        byhand.backpropagate(W, b[:1], ["sigmoid", "sigmoid"], fp, [1.0])
    short = byhand.forward(W[:1], b[:1], ["sigmoid"], [1.0])
    with pytest.raises(ValueError, match="the forward pass has 1 layers, not 2"):
        byhand.backpropagate(W, b, ["sigmoid", "sigmoid"], short, [1.0])


# ---------------------------------------------------------------------------------------------
# The notes' own networks.


@pytest.mark.parametrize("activations", [["sigmoid", "sigmoid"], ["tanh", "sigmoid"]])
def test_N000_19_to_N000_29_the_digits_network_64_16_10(activations: list[str]) -> None:
    """000 eq. 15–29: 64 inputs, 16 hidden, 10 outputs, σ^(1) and σ^(2), squared error.

    The eq. 15–18 shapes (16,) and (10,), the cost N000.19, the output layer's N000.22 and
    N000.24, ∂C/∂a^(1) by N000.29 (summed over all 10 outputs) and the hidden layer's N000.26,
    on real digits, against the engine.
    """
    digits = load_digits()
    model = MLP(64, [16, 10], activation=activations, seed=0)
    W, b = byhand.read_weights(model)
    for i in (0, 1, 2):
        x, y = digits.inputs[i], one_hot(digits.labels[i], 10)
        fp = byhand.forward(W, b, activations, x)
        assert [len(z) for z in fp.z[1:]] == [16, 10]  # eq. 15–18: (16,) then (10,)
        trace, cost = trace_cost(model, x, y, "squared_error")
        assert rel_err(byhand.squared_error(fp.a[2], y), cost.data) < TOL  # N000.19
        dW, db = engine_gradients(model, [x], [y], "squared_error")
        out_w = byhand.output_weight_gradients(fp.a[1], fp.z[2], fp.a[2], y, activations[1])
        out_b = byhand.output_bias_gradients(fp.z[2], fp.a[2], y, activations[1])
        assert rel_err([out_w, out_b], [dW[1], db[1]]) < TOL  # N000.22, N000.24
        dC_da2 = byhand.d_squared_error(fp.a[2], y)  # N000.4
        dC_da1 = byhand.activation_gradients_below(W[1], fp.z[2], dC_da2, activations[1])
        assert rel_err(dC_da1, node_gradients(cost, trace[1][1])) < TOL  # N000.29
        hidden_w = byhand.hidden_weight_gradients(fp.a[0], fp.z[1], dC_da1, activations[0])
        assert rel_err(hidden_w, dW[0]) < TOL  # N000.26
        assert rel_err(byhand.gradients(model, x, y), (dW, db)) < TOL  # all of it, N002.DP


def test_N004_CE_a_softmax_of_three_classes() -> None:
    """004's matrix: ∂E/∂z = (∂a_j/∂z_i) ∂E/∂a for 3 softmax outputs and a one-hot y."""
    model = MLP(4, [5, 3], activation="tanh", output_activation="softmax", seed=4)
    W, b = byhand.read_weights(model)
    x, y = [0.5, -1.0, 0.25, 2.0], [0.0, 0.0, 1.0]
    fp = byhand.forward(W, b, ["tanh", "softmax"], x)
    trace, cost = trace_cost(model, x, y, "cross_entropy")
    engine = node_gradients(cost, trace[2][0])
    J = byhand.softmax_jacobian(fp.a[2])  # 3 x 3: row i = ∂a_1..3/∂z_i, as 004 lays it out
    assert byhand.shape(J) == (3, 3)
    dE_da = byhand.d_cross_entropy(fp.a[2], y)  # N004.dE
    by_matrix = [v[0] for v in byhand.matmul(J, byhand.column(dE_da))]  # N004.softmax
    assert rel_err(by_matrix, engine) < TOL
    assert rel_err(byhand.softmax_cross_entropy_delta(fp.a[2], y), engine) < TOL  # N004.CE
    assert (
        rel_err(
            byhand.gradients(model, x, y, "cross_entropy"),
            engine_gradients(model, [x], [y], "cross_entropy"),
        )
        < TOL
    )


def test_N002_DP_forward_pass_that_overflows_names_the_layer() -> None:
    """A hand forward pass whose z overflows says which layer, not fsum's bare message."""
    W = [[[1e308, 1e308]], [[1.0]]]
    with pytest.raises(OverflowError, match=r"z\^\(1\) = W\^\(1\) a\^\(0\) \+ b\^\(1\) overflows"):
        byhand.forward(W, [[0.0], [0.0]], ["sigmoid", "sigmoid"], [1.0, 1.0])
