"""The notes' costs, activations and their derivatives by hand, against the engine.

Each cost of ``nn/byhand.py`` is compared with the same cost built from ``Value``s by
``nn.losses``, and each derivative with ``autograd.grad`` of it, on outputs and targets drawn by
Hypothesis. The output layer is given as leaf Values here (not made by an activation), so the
engine differentiates the notes' formula itself: ``nn.losses`` computes cross-entropies from the
logits only when the outputs come from a sigmoid or a softmax node, which the network tests
cover.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad
from nn import byhand, losses
from tests.strategies import Problem, problems
from tests.support.notes import (
    TOL,
    hand_forward,
    node_gradients,
    output_saturated,
    rel_err,
    trace_cost,
)

#: Outputs and targets: n_L from 1 to 6.
sizes = st.integers(1, 6)
#: Outputs of a sigmoid or softmax, kept 1e-3 from 0 and 1 so that the logs are of order 1.
probabilities = st.floats(1e-3, 1.0 - 1e-3)
targets = st.floats(0.0, 1.0)
#: Weighted inputs z over the whole range where exp does not overflow.
logits = st.floats(-700.0, 700.0)


def pairs(
    outputs: st.SearchStrategy[float], ys: st.SearchStrategy[float] = targets
) -> st.SearchStrategy[tuple[list[float], list[float]]]:
    """(a, y) of equal length n_L."""
    return sizes.flatmap(
        lambda n: st.tuples(
            st.lists(outputs, min_size=n, max_size=n), st.lists(ys, min_size=n, max_size=n)
        )
    )


def engine_cost_and_gradient(
    loss: Callable[[list[Value], list[float]], Value], a: list[float], y: list[float]
) -> tuple[float, list[float]]:
    """C and ∂C/∂a_j by the engine, with the outputs a as leaf Values."""
    leaves = [Value(v) for v in a]
    cost = loss(leaves, y)
    # Cross-entropy has no term for a class with y_j = 0, so a_j is not in the graph: ∂E/∂a_j
    # is exactly 0, which allow_unused gives.
    return cost.data, [float(g) for g in grad(cost, leaves, allow_unused=True)]


def check_cost(
    hand_cost: Callable[[Sequence[float], Sequence[float]], float],
    hand_derivative: Callable[[Sequence[float], Sequence[float]], list[float]],
    loss: Callable[[list[Value], list[float]], Value],
    a: list[float],
    y: list[float],
) -> None:
    """The hand cost and its derivative agree with the engine's to TOL."""
    cost, gradient = engine_cost_and_gradient(loss, a, y)
    assert rel_err(hand_cost(a, y), cost) < TOL
    assert rel_err(hand_derivative(a, y), gradient) < TOL


@given(pairs(st.floats(-5.0, 5.0), st.floats(-5.0, 5.0)))
def test_N000_19_and_N000_4_squared_error(pair: tuple[list[float], list[float]]) -> None:
    """N000.19 C = Σ_j (a_j − y_j)² and N000.4 ∂C/∂a_j = 2(a_j − y_j)."""
    a, y = pair
    check_cost(byhand.squared_error, byhand.d_squared_error, losses.squared_error, a, y)


@given(pairs(st.floats(-5.0, 5.0), st.floats(-5.0, 5.0)))
def test_N001_C_and_N001_dC_mean_squared_error(pair: tuple[list[float], list[float]]) -> None:
    """N001.C C = (1/n_L) Σ_j (a_j − y_j)² and N001.dC ∂C/∂a_j = (2/n_L)(a_j − y_j)."""
    a, y = pair
    check_cost(
        byhand.mean_squared_error, byhand.d_mean_squared_error, losses.mean_squared_error, a, y
    )


@given(pairs(probabilities))
def test_N003_L_binary_cross_entropy_and_its_derivative(
    pair: tuple[list[float], list[float]],
) -> None:
    """N003.L: L = −Σ_j [y_j log a_j + (1 − y_j) log(1 − a_j)] and its derivative.

    ∂L/∂a_j = −y_j/a_j + (1 − y_j)/(1 − a_j), as 003's first lines differentiate it.
    """
    a, y = pair
    cost, gradient = engine_cost_and_gradient(losses.binary_cross_entropy, a, y)
    assert rel_err(byhand.binary_cross_entropy(a, y), cost) < TOL
    # Where a_j = y_j the two terms (each up to 1e3 here) cancel to 0 exactly by hand, and to a
    # rounding error of their size in the engine's order: measure against that size.
    terms = max(yj / aj + (1.0 - yj) / (1.0 - aj) for aj, yj in zip(a, y, strict=True))
    assert rel_err(byhand.d_binary_cross_entropy(a, y), gradient, floor=terms) < TOL


@given(pairs(probabilities))
def test_N004_E_and_N004_dE_cross_entropy(pair: tuple[list[float], list[float]]) -> None:
    """N004.E E = −Σ_j y_j log a_j and N004.dE ∂E/∂a_j = −y_j / a_j."""
    a, y = pair
    check_cost(byhand.cross_entropy, byhand.d_cross_entropy, losses.cross_entropy, a, y)


def test_cost_errors_name_the_bad_value() -> None:
    """Outputs outside a cost's domain and mismatched lengths raise ValueError, never nan."""
    with pytest.raises(ValueError, match=r"a_1 must be in \(0, 1\), got 1.0"):
        byhand.binary_cross_entropy([0.5, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"a_0 must be > 0 where y_0 != 0, got 0.0"):
        byhand.d_cross_entropy([0.0, 1.0], [1.0, 0.0])
    assert byhand.cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0  # 0 · log 0 counts as 0
    with pytest.raises(ValueError, match="the output has 2 values but the target has 3"):
        byhand.squared_error([0.0, 1.0], [0.0, 1.0, 2.0])


@given(logits)
def test_N001_sigmoid(z: float) -> None:
    """N001.sigmoid σ(z) = 1/(1 + e^(−z)), as the engine's sigmoid node computes it."""
    # One correctly rounded-ish float each side: relative 1e-12 is far looser than needed.
    assert rel_err(byhand.sigmoid(z), Value(z).sigmoid().data) < TOL


def _identity(v: Value) -> Value:
    """The linear activation as MLP builds it: a one-term sum node."""
    return Value.sum((v,))


def engine_derivative(activation: str, z: float) -> float:
    """σ'(z) by the engine: autograd.grad through the activation node an MLP uses."""
    leaf = Value(z)
    node = {
        "sigmoid": Value.sigmoid,
        "tanh": Value.tanh,
        "relu": Value.relu,
        "linear": _identity,
    }[activation](leaf)
    (g,) = grad(node, [leaf])
    return float(g)


@given(logits)
def test_N004_dsigmoid(z: float) -> None:
    """N004.dsigmoid σ'(z) = e^(−z)/(1 + e^(−z))² = a(1 − a), against the engine's σ(z)σ(−z)."""
    # Entry-wise relative: a single product of positive numbers cancels nothing.
    d = byhand.d_sigmoid(z)
    assert abs(d - engine_derivative("sigmoid", z)) <= TOL * d
    if z > -350.0:  # the note's own form, where (1 + e^(−z))² does not overflow
        e = math.exp(-z)
        assert abs(d - e / (1.0 + e) ** 2) <= TOL * d
    # 003's a(1 − a): the same function, but a is rounded to within 1.1e-16 (half an ulp of 1),
    # and 1 − a keeps only that absolute accuracy: 4 ulps of 1 absolute, not relative to σ'.
    a = byhand.sigmoid(z)
    assert abs(d - a * (1.0 - a)) <= 4 * 2.2e-16


def test_N004_dsigmoid_stays_exact_where_sigma_saturates() -> None:
    """N004.dsigmoid: at z = 40, a(1 − a) is exactly 0 but σ'(z) is 4.2e-18 (the engine agrees)."""
    a = byhand.sigmoid(40.0)
    assert a == 1.0
    assert a * (1.0 - a) == 0.0  # the form 003 writes loses everything here
    d = byhand.d_sigmoid(40.0)
    assert d == pytest.approx(math.exp(-40.0), rel=1e-12)  # σ'(z) ~ e^(−z) for large z
    assert abs(d - engine_derivative("sigmoid", 40.0)) <= TOL * d


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
@given(z=st.floats(-350.0, 350.0))
def test_other_activations_follow_N004_dsigmoid(activation: str, z: float) -> None:
    """tanh, relu, identity: σ(z), σ'(z) by hand (δ = σ'(z) ∘ ∂C/∂a as for N004.dsigmoid)."""
    d = byhand.derivative(activation, z)
    assert abs(d - engine_derivative(activation, z)) <= TOL * abs(d)
    a = byhand.activate(activation, [z])[0]
    engine_a = {"tanh": math.tanh(z), "relu": max(z, 0.0), "linear": z}[activation]
    assert a == engine_a  # the same library function or the same comparison: exact


def test_tanh_derivative_where_tanh_saturates() -> None:
    """tanh'(20) is 1.7e-17 by hand and by the engine, where 1 − tanh² z is exactly 0."""
    assert 1.0 - math.tanh(20.0) ** 2 == 0.0
    d = byhand.d_tanh(20.0)
    assert d == pytest.approx(4.0 * math.exp(-40.0), rel=1e-12)  # sech² z ~ 4e^(−2z)
    assert abs(d - engine_derivative("tanh", 20.0)) <= TOL * d


# z within ±3: where softmax saturates, the engine's ∂a_i/∂z_i = a_i − a_i² (through e_i / s)
# cancels, and loses the digits the hand form keeps (see the two-class test below).
@given(st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=6), st.data())
def test_N004_softmax_jacobian_and_backward(z: list[float], data: st.DataObject) -> None:
    """N004.softmax ∂a_j/∂z_i = a_j(δ_ij − a_i), and ∂E/∂z_i = Σ_j (∂a_j/∂z_i)(∂E/∂a_j)."""
    leaves = [Value(v) for v in z]
    a = losses.softmax(leaves)
    assert rel_err(byhand.softmax(z), [v.data for v in a]) < TOL
    # The engine's Jacobian, J[i][j] = ∂a_j/∂z_i: row j of grad(a_j, z) is column j of J.
    columns = [grad(a_j, leaves) for a_j in a]
    engine_J = [[float(columns[j][i]) for j in range(len(z))] for i in range(len(z))]
    J = byhand.softmax_jacobian(byhand.softmax(z))
    assert rel_err(J, engine_J) < TOL
    # Through a cost: any ∂C/∂a (here a random linear cost C = Σ_j c_j a_j, so ∂C/∂a_j = c_j).
    c = data.draw(st.lists(st.floats(-3.0, 3.0), min_size=len(z), max_size=len(z)))
    cost = Value.sum([cj * aj for cj, aj in zip(c, a, strict=True)])
    engine_dz = [float(g) for g in grad(cost, leaves)]
    # A constant c (C = Σ a_j = 1) makes every entry cancel to 0: measure against the terms.
    terms = max(sum(abs(J[i][j] * c[j]) for j in range(len(z))) for i in range(len(z)))
    assert rel_err(byhand.softmax_backward(byhand.softmax(z), c), engine_dz, floor=terms) < TOL


@given(st.floats(-700.0, 700.0), st.floats(-700.0, 700.0))
def test_N004_softmax_of_two_is_a_sigmoid(u: float, v: float) -> None:
    """N004.softmax for two classes: a_0 = σ(u − v), so ∂a_0/∂z_0 = a_0 a_1 = σ'(u − v).

    An oracle independent of the engine that holds however far softmax saturates: the
    diagonal a_i(1 − a_i) is computed as a_i Σ_(k≠i) a_k, so it keeps its digits where
    1 − a_i would cancel (at u − v = 60 it is 8.8e-27, where 1 − a_0 is exactly 0).
    """
    J = byhand.softmax_jacobian(byhand.softmax([u, v]))
    slope = byhand.d_sigmoid(u - v)
    # Each entry is a product or quotient of a few correctly rounded numbers.
    assert rel_err([J[0][0], J[1][1], -J[0][1], -J[1][0]], [slope] * 4) < 1e-13


# ---------------------------------------------------------------------------------------------
# The same costs on the output layers of drawn networks.


@given(problems())
def test_N000_19_N001_C_N003_L_N004_E_costs_of_drawn_networks(p: Problem) -> None:
    """N000.19, N001.C, N003.L, N004.E of a network's output a^(L), by hand and by the engine."""
    # The engine takes CE of a softmax from the logits; the note's −log a_c of an a_c close to
    # 1 keeps only the digits of a_c, ~1e-16 absolute against E ≈ 1 − a_c.
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    for x, y in zip(p.xs, p.ys, strict=True):
        a = hand_forward(p.model, x).a[-1]
        if p.loss == "binary_cross_entropy":
            # The engine takes BCE from the logit, softplus(z) − y z, which for y = 1 cancels to
            # ln(1 + e^(−z)) within an ulp of z, and the note's log(1 − a) keeps only the digits
            # of 1 − a: outputs in [0.01, 0.99] keep both right to ~1e-13.
            assume(all(0.01 <= aj <= 0.99 for aj in a))
        _, cost = trace_cost(p.model, x, y, p.loss)
        assert rel_err(byhand.COSTS[p.loss](a, y), cost.data) < TOL


@given(st.sampled_from(["squared_error", "mean_squared_error"]).flatmap(problems))
def test_N000_4_and_N001_dC_at_a_networks_output(p: Problem) -> None:
    """N000.4 ∂C/∂a_j^(L) = 2(a_j − y_j), N001.dC (2/n_L)(a_j − y_j), at the a^(L) nodes."""
    for x, y in zip(p.xs, p.ys, strict=True):
        a = hand_forward(p.model, x).a[-1]
        trace, cost = trace_cost(p.model, x, y, p.loss)
        engine = node_gradients(cost, trace[-1][1])
        assert rel_err(byhand.COST_DERIVATIVES[p.loss](a, y), engine) < TOL


@given(problems("binary_cross_entropy"))
def test_N003_L_derivative_through_a_sigmoid_output(p: Problem) -> None:
    """N003.L's ∂L/∂a times σ'(z) (N004.dsigmoid) is the engine's δ^(L), as 003 derives it.

    003 multiplies −[y/a − (1 − y)/(1 − a)] by a(1 − a) and gets a − y; the engine computes
    the same δ from the logit without ever forming ∂L/∂a.
    """
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    for x, y in zip(p.xs, p.ys, strict=True):
        fp = hand_forward(p.model, x)
        # (1 − y)/(1 − a) keeps ~1e-16/(1 − a) of its digits: outputs at least 1e-3 from 0 and 1.
        assume(all(1e-3 <= aj <= 1.0 - 1e-3 for aj in fp.a[-1]))
        chain = byhand.activation_backward(
            "sigmoid", fp.z[-1], byhand.d_binary_cross_entropy(fp.a[-1], y)
        )
        trace, cost = trace_cost(p.model, x, y, p.loss)
        engine = node_gradients(cost, trace[-1][0])
        assert rel_err(chain, engine) < TOL
        assert rel_err(byhand.sigmoid_bce_delta(fp.a[-1], y), engine) < TOL
