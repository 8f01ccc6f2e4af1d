"""The places where the notes may slip (docs/notation.md's list), each put to the engine.

Each test computes the formula as the note writes it and as corrected, and shows which one the
engine's gradient agrees with: the verdicts docs/notes.md reports.
"""

# The notes' names: l is the layer index, W a matrix.

from __future__ import annotations

from collections.abc import Callable

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
    """003's first line for ∂L/∂w^(1) does not type-check; the corrected order agrees.

    The note (its own "Shape doesn't match!" for w^(2)) puts δ^(2) (2, 1) before w^(2)T (3, 2).
    w^(2)T (3, 2) beside a^(1)(1 − a^(1)) (3, 1) fits neither a matrix product nor a strict
    element-wise one; the note reads its * as element-wise with broadcasting, and that reading
    agrees (the next test). (w^(2)T δ^(2)) ∘ a^(1)(1 − a^(1)), then xᵀ, is (3, n) and is the
    engine's gradient.
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


def broadcast(M: byhand.Matrix, col: byhand.Matrix) -> byhand.Matrix:
    """M * col with the note's element-wise * broadcasting a (rows, 1) column over M's columns."""
    return [[v * col[i][0] for v in row] for i, row in enumerate(M)]


@given(note_003_problems())
def test_slip_003_w1_second_line_broadcasts_and_agrees(p: Problem) -> None:
    """003 labels w^(2)T * a^(1)(1 − a^(1)) (3, 2): broadcasting. Read so, its second line
    (w^(2)T * a^(1)(1 − a^(1))) δ^(2) xᵀ is (3, n) and agrees; the last line, without xᵀ, is
    (3, 1): the engine's gradient only for n = 1 and x_0 = 1."""
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    x, y = p.xs[0], p.ys[0]
    w2, delta_2, slope_1, x_T = note_003_delta_2(p, x, y)
    scaled = broadcast(byhand.transpose(w2), slope_1)
    assert byhand.shape(scaled) == (3, 2)  # the note's label
    second = byhand.matmul(byhand.matmul(scaled, delta_2), x_T)
    dW, _ = engine_gradients(p.model, [x], [y], p.loss)
    assert rel_err(second, dW[0], floor=max(abs(g) for g in flat(dW))) < TOL
    last = byhand.matmul(scaled, delta_2)
    assert byhand.shape(last) == (3, 1)
    if len(x) == 1:  # same shape: then it is off by the factor x_0 (all of it at x_0 = 0)
        scale = max(abs(g) for g in flat(dW))
        assume(abs(x[0] - 1.0) > 1e-3 and max(abs(g) for g in flat(dW[0])) > 1e-6 * scale)
        assert rel_err(last, dW[0], floor=scale) > 1e-6


@given(note_003_problems())
def test_slip_003_update_rule_2_takes_w2s_gradient_for_w3(p: Problem) -> None:
    """003's update ② subtracts ∂L/∂w^(2) from w^(3): a (2, 3) gradient for a (1, 2) weight.

    The step cannot even be formed; with ∂L/∂w^(3) (1, 2) it is the engine's SGD step.
    """
    W, b = byhand.read_weights(p.model)
    dW, db = byhand.batch_gradients(p.model, p.xs, p.ys, p.loss)
    assert byhand.shape(W[2]) == (1, 2)
    assert byhand.shape(dW[1]) == (2, 3)  # the gradient ② uses
    with pytest.raises(ValueError, match="zip"):  # rows of 2 and of 3 numbers cannot pair up
        byhand.gradient_descent_step([W[2]], [b[2]], [dW[1]], [db[1]], 0.5)
    (right,), _ = byhand.gradient_descent_step([W[2]], [b[2]], [dW[2]], [db[2]], 0.5)
    model = p.spec.build()
    batch_cost(model, p.xs, p.ys, p.loss).backward()
    SGD(model.parameters(), lr=0.5).step()
    engine_W, _ = byhand.read_weights(model)
    assert rel_err(right, engine_W[2], floor=1.0) < TOL


@given(note_003_problems())
def test_slip_002_eq6_prime_shifts_the_layers_of_eq3_prime(p: Problem) -> None:
    """002's (6') writes s^(e+1) a^(e+1) where (3') has s^(e) a^(e−1) for ∂C/∂Θ^(e).

    On 003's network, for layer 1: (3')'s δ^(1) a^(0)T is (3, n), W^(1)'s shape, and agrees;
    (6')'s δ^(2) a^(2)T is (2, 2), the shape of no weight matrix of the layer.
    """
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    x, y = p.xs[0], p.ys[0]
    W, b = byhand.read_weights(p.model)
    fp = byhand.forward(W, b, ["sigmoid"] * 3, x)
    bp = byhand.backpropagate(W, b, ["sigmoid"] * 3, fp, y, p.loss)
    three = byhand.matmul(byhand.column(bp.delta[1]), byhand.row(fp.a[0]))
    six = byhand.matmul(byhand.column(bp.delta[2]), byhand.row(fp.a[2]))
    dW, _ = engine_gradients(p.model, [x], [y], p.loss)
    assert byhand.shape(three) == byhand.shape(W[0]) == (3, len(x))
    assert rel_err(three, dW[0], floor=max(abs(g) for g in flat(dW))) < TOL
    assert byhand.shape(six) == (2, 2)
    assert byhand.shape(six) not in {byhand.shape(M) for M in W}


@given(note_003_problems())
def test_slip_002_batch_cost_as_sum_and_as_mean(p: Problem) -> None:
    """002 writes the batch cost as Σ_i C_i and as (1/m) Σ_i C_i: gradients m times apart.

    The engine's batch cost (nn.losses.mean, N002.m) is the mean; the sum's gradient is m
    times it, so a learning rate tuned for one is m times off for the other.
    """
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    m = len(p.xs)
    model = p.spec.build()
    costs = [losses.LOSSES[p.loss](model(x), y) for x, y in zip(p.xs, p.ys, strict=True)]
    params = model.parameters()
    by_sum = grad(Value.sum(costs), params)
    by_mean = grad(losses.mean(costs), params)
    hand_dW, hand_db = byhand.batch_gradients(p.model, p.xs, p.ys, p.loss)
    assert (
        rel_err([float(g) for g in by_mean], [float(g) for g in engine_flat(hand_dW, hand_db)])
        < TOL
    )
    scale = max(abs(float(g)) for g in by_sum)
    assume(scale > 1e-9)
    for s_, m_ in zip(by_sum, by_mean, strict=True):
        assert abs(float(s_) - m * float(m_)) <= 1e-12 * scale


def engine_flat(dW: list[byhand.Matrix], db: list[byhand.Vector]) -> list[float]:
    """byhand's (dW, db) in the order of model.parameters(): per neuron, its weights then bias."""
    out: list[float] = []
    for dWl, dbl in zip(dW, db, strict=True):
        for row_, bj in zip(dWl, dbl, strict=True):
            out.extend([*row_, bj])
    return out


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


def engine_softmax_jacobian(z: list[float]) -> byhand.Matrix:
    """J[i][j] = ∂a_j/∂z_i of the engine's softmax, by autograd.grad."""
    leaves = [Value(v) for v in z]
    columns = [grad(a_j, leaves) for a_j in losses.softmax(leaves)]
    return [[float(columns[j][i]) for j in range(len(z))] for i in range(len(z))]


@given(st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=6))
def test_slip_004_spurious_sum_in_the_softmax_jacobian(z: list[float]) -> None:
    """004's Σ_j a_j(δ_ij − a_i) = a_i(1 − Σ_j a_j) = 0: a zero matrix; without Σ it agrees."""
    engine = engine_softmax_jacobian(z)
    a = byhand.softmax(z)
    spurious = spurious_jacobian(a)
    assert max(abs(v) for v in flat(spurious)) < 1e-15  # a_i(1 − Σ a) with Σ a = 1 ± rounding
    assert rel_err(spurious, engine) > 0.99  # misses the whole Jacobian
    assert rel_err(byhand.softmax_jacobian(a), engine) < TOL  # N004.softmax, no Σ


@given(st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=6))
def test_slip_004_off_diagonal_for_i_less_than_j_only(z: list[float]) -> None:
    """004 gives ∂a_j/∂z_i = −a_i a_j "for i < j": the Jacobian needs it for every i ≠ j.

    Filled only above the diagonal (the rest of the off-diagonal left 0), it misses half of the
    engine's off-diagonal entries; for every i ≠ j (N004.softmax) it agrees.
    """
    engine = engine_softmax_jacobian(z)
    a = byhand.softmax(z)
    n = len(z)

    def jacobian(off: Callable[[int, int], bool]) -> byhand.Matrix:
        return [
            [a[i] * (1.0 - a[i]) if i == j else (-a[i] * a[j] if off(i, j) else 0.0)
             for j in range(n)]
            for i in range(n)
        ]  # fmt: skip

    upper = jacobian(lambda i, j: i < j)
    every = jacobian(lambda i, j: i != j)
    assert rel_err(every, engine) < TOL
    below = max(abs(engine[i][j]) for i in range(n) for j in range(i))
    assume(below > 1e-6 * max(abs(v) for v in flat(engine)))
    assert rel_err(upper, engine) >= below / max(abs(v) for v in flat(engine)) * 0.999
