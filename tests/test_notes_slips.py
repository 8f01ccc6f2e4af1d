"""The places where the notes may slip (docs/notation.md's list), each put to the engine.

Each test computes the formula as the note writes it and as corrected, and shows which one the
engine's gradient agrees with: the verdicts docs/notes.md reports.
"""

# The notes' names: l is the layer index, W a matrix.

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad
from nn import SGD, byhand, losses
from nn.activations import ACTIVATIONS
from nn.datasets import load_digits, one_hot
from nn.module import MLP
from tests.strategies import Problem, problems
from tests.support.notes import (
    TINY,
    TOL,
    batch_cost,
    engine_gradients,
    flat,
    node_gradients,
    note_003_problems,
    output_saturated,
    rel_err,
    trace_cost,
)


def digits_network() -> tuple[MLP, list[float], list[float]]:
    """000's network (64 → 16 → 10, sigmoid, squared error) and one digit with its target."""
    digits = load_digits()
    return MLP(64, [16, 10], seed=0), digits.inputs[0], one_hot(digits.labels[0], 10)


# ---------------------------------------------------------------------------------------------
# 000 eq. 20: the hidden layer indexed 0..16.


def test_slip_000_eq20_indexes_17_hidden_neurons() -> None:
    """000 eq. 20 writes w_{j,0}..w_{j,16} and a_0^(1)..a_16^(1): that is 17 neurons, not 16.

    The engine's 16-neuron layer has k = 0..15: w_{0,16}^(2) and a_16^(1) do not exist, and
    explain names the valid range; a layer indexed 0..16 is MLP(64, [17, 10])'s.
    """
    model, x, y = digits_network()
    assert byhand.shape(byhand.read_weights(model)[0][1]) == (10, 16)  # W^(2): k = 0..15
    assert len(model.forward_trace(x)[1][1]) == 16  # a_0^(1) .. a_15^(1)
    with pytest.raises(IndexError, match=r"k=16 is out of range.*0\.\.15"):
        model.w(2, 0, 16)
    with pytest.raises(IndexError, match=r"k=16 is out of range.*0\.\.15"):
        byhand.explain(model, x, y, 2, 0, 16)
    seventeen = MLP(64, [17, 10], seed=0)
    assert seventeen.w(2, 0, 16).label == "w_{0,16}^(2)"


# ---------------------------------------------------------------------------------------------
# 000 eq. 28–29: the sum over m.


def single_m_term(
    W2: byhand.Matrix, z2: list[float], a2: list[float], y: list[float], m: int
) -> list[float]:
    """000 eq. 29 as written, for one m: ∂C/∂a_j^(1) = w_{m,j}^(2) σ'(z_m^(2)) 2(a_m^(2) − y_m)."""
    return [W2[m][j] * byhand.d_sigmoid(z2[m]) * 2.0 * (a2[m] - y[m]) for j in range(len(W2[0]))]


def test_slip_000_eq28_29_need_the_sum_over_m() -> None:
    """000 eq. 28–29 without Σ_m: every single m differs from the engine; the sum agrees."""
    model, x, y = digits_network()
    W, b = byhand.read_weights(model)
    fp = byhand.forward(W, b, ["sigmoid", "sigmoid"], x)
    trace, cost = trace_cost(model, x, y, "squared_error")
    engine = node_gradients(cost, trace[1][1])  # ∂C/∂a_j^(1), j = 0..15
    for m in range(10):
        assert rel_err(single_m_term(W[1], fp.z[2], fp.a[2], y, m), engine) > 0.05
    summed = byhand.activation_gradients_below(
        W[1], fp.z[2], byhand.d_squared_error(fp.a[2], y), "sigmoid"
    )
    assert rel_err(summed, engine) < TOL  # N000.29 with its sum


@given(
    problems(
        "squared_error",
        max_neurons=1,
        max_inputs=1,
        min_layers=2,
        output_activations=(*ACTIVATIONS, None),
    )
)
def test_slip_000_eq28_29_single_term_is_right_for_one_output(p: Problem) -> None:
    """With one neuron in the layer above (000's eq. 11 network) the sum has one term: no slip."""
    W, b = byhand.read_weights(p.model)
    acts = byhand.read_activations(p.model)
    L = len(W)
    x, y = p.xs[0], p.ys[0]
    fp = byhand.forward(W, b, acts, x)
    trace, cost = trace_cost(p.model, x, y, p.loss)
    term = W[L - 1][0][0] * byhand.derivative(acts[L - 1], fp.z[L][0]) * 2.0 * (fp.a[L][0] - y[0])
    assert rel_err(term, node_gradients(cost, trace[L - 1][1])) < TOL


# ---------------------------------------------------------------------------------------------
# 002 eq. 5: the factor 2.


# 002's g is a sigmoid ("usually g = 1/(1 + e^(−u))"): output activations neuron by neuron.
@given(problems("squared_error", output_activations=(*ACTIVATIONS, None)))
def test_slip_002_eq5_without_the_factor_2(p: Problem) -> None:
    """002 eq. 5's δ^(L) = σ'(z) (a − y) is exactly half the engine's for C = Σ (a − y)².

    and it is the engine's δ^(L) for C = ½ Σ (a − y)², the cost it is right for.
    """
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    W, b = byhand.read_weights(p.model)
    acts = byhand.read_activations(p.model)
    L = len(W)
    x, y = p.xs[0], p.ys[0]
    fp = byhand.forward(W, b, acts, x)
    as_written = byhand.activation_backward(
        acts[L - 1], fp.z[L], [aj - yj for aj, yj in zip(fp.a[L], y, strict=True)]
    )
    trace, cost = trace_cost(p.model, x, y, "squared_error")
    engine = node_gradients(cost, trace[L][0])
    assume(max(abs(g) for g in engine) > TINY)  # a = y: 0 = 0, nothing to see
    assert rel_err([2.0 * d for d in as_written], engine) < TOL
    assert rel_err(as_written, engine) == pytest.approx(0.5, abs=TOL)  # off by exactly 2
    half = 0.5 * losses.squared_error(trace[L][1], y)  # C = ½ Σ (a − y)²
    assert rel_err(as_written, node_gradients(half, trace[L][0])) < TOL


# ---------------------------------------------------------------------------------------------
# 003: the update rule without α; the factor order of ∂L/∂w^(1).


@given(note_003_problems())
def test_slip_003_update_without_alpha_is_a_step_with_alpha_1(p: Problem) -> None:
    """003's w := w − (1/m) Σ ∂L/∂w (no α) is N002.7 with α = 1, not the step of another α."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    W, b = byhand.read_weights(p.model)
    dW, db = byhand.batch_gradients(p.model, p.xs, p.ys, p.loss)
    as_written = [
        [[w - g for w, g in zip(r, gr, strict=True)] for r, gr in zip(Wl, dWl, strict=True)]
        for Wl, dWl in zip(W, dW, strict=True)
    ]
    with_alpha_1, _ = byhand.gradient_descent_step(W, b, dW, db, 1.0)
    assert as_written == with_alpha_1  # 1.0 · g is g: exactly the same numbers
    # The new weights by the engine's SGD: equal to the note's for lr = 1 (to the rounding of
    # w − g, relative to the weights), not for lr = 0.1, whose steps are 0.9 ∂J/∂w shorter;
    # that shows once the gradient is above the rounding of the weights.
    assume(max(abs(g) for g in flat(dW)) > 1e-9 * max(1.0, *(abs(w) for w in flat(W))))
    for lr, agrees in ((1.0, True), (0.1, False)):
        model = p.spec.build()
        batch_cost(model, p.xs, p.ys, p.loss).backward()
        SGD(model.parameters(), lr=lr).step()
        engine_W, _ = byhand.read_weights(model)
        assert (rel_err(as_written, engine_W) < TOL) is agrees


def note_003_delta_2(p: Problem, x: list[float], y: list[float]) -> tuple[byhand.Matrix, ...]:
    """(w^(2), δ^(2) as a (2, 1) column, a^(1)(1 − a^(1)) as a (3, 1) column, xᵀ as (1, n))."""
    W, b = byhand.read_weights(p.model)
    fp = byhand.forward(W, b, ["sigmoid"] * 3, x)
    delta_2 = byhand.bce_delta_2(W[2], fp.a[2], fp.a[3], y)
    slope_1 = byhand.column([a * (1.0 - a) for a in fp.a[1]])
    return W[1], delta_2, slope_1, byhand.row(x)


@given(note_003_problems())
def test_slip_003_w1_factor_order_does_not_type_check(p: Problem) -> None:
    """003's ∂L/∂w^(1) as ordered in the note does not type-check; the corrected order agrees.

    The note (its own "Shape doesn't match!" for w^(2)) puts δ^(2) (2, 1) before w^(2)T (3, 2),
    then w^(2)T (3, 2) beside a^(1)(1 − a^(1)) (3, 1); (w^(2)T δ^(2)) ∘ a^(1)(1 − a^(1)), then
    xᵀ, is (3, n) and is the engine's gradient.
    """
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    x, y = p.xs[0], p.ys[0]
    w2, delta_2, slope_1, x_T = note_003_delta_2(p, x, y)
    w2_T = byhand.transpose(w2)
    for product in (byhand.matmul, byhand.hadamard):  # "*" read either way
        with pytest.raises(ValueError, match=r"\(2, 1\) and \(3, 2\)"):
            product(delta_2, w2_T)  # first line: [δ^(2)] (2,1) * w^(2)T (3,2)
        with pytest.raises(ValueError, match=r"\(3, 2\) and \(3, 1\)"):
            product(w2_T, slope_1)  # second and last lines: w^(2)T * a^(1)(1 − a^(1))
    corrected = byhand.matmul(byhand.hadamard(byhand.matmul(w2_T, delta_2), slope_1), x_T)
    assert byhand.shape(corrected) == (3, len(x))
    dW, _ = engine_gradients(p.model, [x], [y], p.loss)
    # Norm-wise over the network's gradient, as test_notes_layers' N003 tests do.
    assert rel_err(corrected, dW[0], floor=max(abs(g) for g in flat(dW))) < TOL


@given(note_003_problems())
def test_slip_003_w2_the_note_corrects_its_own_order(p: Problem) -> None:
    """003's ∂L/∂w^(2): (a^(3) − y) w^(3)T, (1,1)(2,1), does not fit; its 2nd order agrees."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    x, y = p.xs[0], p.ys[0]
    W, b = byhand.read_weights(p.model)
    fp = byhand.forward(W, b, ["sigmoid"] * 3, x)
    residual = byhand.column(byhand.sigmoid_bce_delta(fp.a[3], y))  # (1, 1)
    w3_T = byhand.transpose(W[2])  # (2, 1)
    slope_2 = byhand.column([a * (1.0 - a) for a in fp.a[2]])  # (2, 1)
    with pytest.raises(ValueError, match=r"\(1, 1\) and \(2, 1\) do not fit"):
        byhand.matmul(residual, w3_T)
    # w^(3)T (2,1) * a^(2)(1 − a^(2)) (2,1), times (a^(3) − y) (1,1), times a^(1)T (1,3): (2, 3).
    second = byhand.matmul(
        byhand.matmul(byhand.hadamard(w3_T, slope_2), residual), byhand.row(fp.a[1])
    )
    dW, _ = engine_gradients(p.model, [x], [y], p.loss)
    # Norm-wise over the network's gradient, as test_notes_layers' N003 tests do.
    assert rel_err(second, dW[1], floor=max(abs(g) for g in flat(dW))) < TOL


# ---------------------------------------------------------------------------------------------
# 004: the spurious Σ_j in the softmax Jacobian.


def spurious_jacobian(a: list[float]) -> byhand.Matrix:
    """004 as written: ∂a_j/∂z_i = Σ_j a_j(δ_ij − a_i), the same for every j."""
    n = len(a)
    entry = [sum(a[j] * ((1.0 if i == j else 0.0) - a[i]) for j in range(n)) for i in range(n)]
    return [[entry[i] for _ in range(n)] for i in range(n)]


@given(st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=6))
def test_slip_004_spurious_sum_in_the_softmax_jacobian(z: list[float]) -> None:
    """004's Σ_j a_j(δ_ij − a_i) = a_i(1 − Σ_j a_j) = 0: a zero matrix; without Σ it agrees."""
    leaves = [Value(v) for v in z]
    outputs = losses.softmax(leaves)
    columns = [grad(a_j, leaves) for a_j in outputs]
    engine = [[float(columns[j][i]) for j in range(len(z))] for i in range(len(z))]
    a = byhand.softmax(z)
    spurious = spurious_jacobian(a)
    assert max(abs(v) for v in flat(spurious)) < 1e-15  # a_i(1 − Σ a) with Σ a = 1 ± rounding
    assert rel_err(spurious, engine) > 0.99  # misses the whole Jacobian
    assert rel_err(byhand.softmax_jacobian(a), engine) < TOL  # N004.softmax, no Σ
