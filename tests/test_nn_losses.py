"""Tests of ``nn.losses``: each cost of the notes against its formula in plain floats, and its
gradient against the closed form the notes derive (or central differences).

Formula ids (docs/notation.md): N000.19, N000.4, N001.C, N001.dC, N003.L, N003.w3, N004.E, N004.dE,
N004.CE, N004.softmax, N002.m.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, central_difference, grad
from nn import (
    LOSSES,
    MLP,
    binary_cross_entropy,
    cross_entropy,
    mean,
    mean_squared_error,
    softmax,
    squared_error,
)
from nn.losses import LOG_FLOOR
from tests.strategies import Problem, problems, reals, relu_margin

#: Pairs (a, y) of equal length 1..6 with entries in [-5, 5].
pairs = st.integers(1, 6).flatmap(
    lambda n: st.tuples(
        st.lists(reals(-5.0, 5.0), min_size=n, max_size=n),
        st.lists(reals(-5.0, 5.0), min_size=n, max_size=n),
    )
)


def leaves(xs: Sequence[float]) -> list[Value]:
    return [Value(x) for x in xs]


def float_sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def float_softmax(z: Sequence[float]) -> list[float]:
    m = max(z)
    es = [math.exp(v - m) for v in z]
    s = math.fsum(es)
    return [e / s for e in es]


def stable_softplus(z: float) -> float:
    """ln(1 + e^z) with log1p: an oracle independent of the engine's Value-op softplus."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


# -- squared errors -------------------------------------------------------------------------


@given(pairs)
def test_squared_error_N000_19_and_its_gradient_N000_4(ay: tuple[list[float], list[float]]) -> None:
    """N000.19: C = Σ_j (a_j − y_j)²; N000.4: ∂C/∂a_j = 2(a_j − y_j)."""
    a_f, y = ay
    a = leaves(a_f)
    C = squared_error(a, y)
    # The same differences and squares summed exactly (fsum) on both sides: equal up to one
    # rounding of each square, hence 1e-14 relative.
    assert math.isclose(
        C.data, math.fsum((p - q) ** 2 for p, q in zip(a_f, y, strict=True)), rel_tol=1e-14
    )
    C.backward()
    for v, p, q in zip(a, a_f, y, strict=True):
        assert math.isclose(v.grad, 2.0 * (p - q), rel_tol=1e-15, abs_tol=1e-300)


@given(pairs)
def test_mean_squared_error_N001_C_and_its_gradient_N001_dC(
    ay: tuple[list[float], list[float]],
) -> None:
    """N001.C: C = (1/n_L) Σ_j (a_j − y_j)²; N001.dC: ∂C/∂a_j = (2/n_L)(a_j − y_j)."""
    a_f, y = ay
    n = len(a_f)
    a = leaves(a_f)
    C = mean_squared_error(a, y)
    # One more rounding than squared_error (the division by n_L): 1e-14 relative.
    expected = math.fsum((p - q) ** 2 for p, q in zip(a_f, y, strict=True)) / n
    assert math.isclose(C.data, expected, rel_tol=1e-14)
    C.backward()
    for v, p, q in zip(a, a_f, y, strict=True):
        # (1/n)·2(a − y) against 2(a − y)/n: two roundings apart.
        assert math.isclose(v.grad, 2.0 / n * (p - q), rel_tol=1e-14, abs_tol=1e-300)


def test_single_output_and_float_target_are_accepted() -> None:
    """n_L = 1: one Value and one float, as micrograd-style single outputs give."""
    a = Value(0.75)
    C = squared_error(a, 1.0)
    assert C.data == 0.0625  # (0.75 − 1)² is exact in binary
    assert mean_squared_error(a, [1.0]).data == 0.0625


# -- binary cross-entropy -------------------------------------------------------------------

bce_targets = st.one_of(st.sampled_from([0.0, 1.0]), reals(0.0, 1.0))


@given(st.lists(st.tuples(reals(-8.0, 8.0), bce_targets), min_size=1, max_size=5))
def test_binary_cross_entropy_N003_L_of_sigmoid_outputs_and_delta_N003_w3(
    zy: list[tuple[float, float]],
) -> None:
    """N003.L: L = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)]; N003.w3: ∂L/∂z_j = a_j − y_j."""
    zs = [Value(z) for z, _ in zy]
    y = [t for _, t in zy]
    a = [z.sigmoid() for z in zs]
    L = binary_cross_entropy(a, y)
    a_f = [float_sigmoid(z) for z, _ in zy]
    expected = -math.fsum(
        t * math.log(p) + (1.0 - t) * math.log(1.0 - p) for p, t in zip(a_f, y, strict=True)
    )
    # The float formula computes 1 − a with a cancellation: for |z| <= 8, 1 − a >= 3e-4, so
    # its relative error is <= 1e-16/3e-4 ≈ 4e-13, and ln passes it on as an absolute error.
    assert math.isclose(L.data, expected, rel_tol=1e-11, abs_tol=1e-11)
    L.backward()
    for z, p, t in zip(zs, a_f, y, strict=True):
        # The engine's softplus route gives σ(z) as 1 − e^−z/(1 + e^−z): a few roundings.
        assert math.isclose(z.grad, p - t, rel_tol=1e-12, abs_tol=1e-14)


@given(st.lists(st.tuples(reals(0.01, 0.99), bce_targets), min_size=1, max_size=5))
def test_binary_cross_entropy_N003_L_of_any_probability(ay: list[tuple[float, float]]) -> None:
    """Outputs not made by sigmoid: the formula itself, ∂L/∂a_j = −y_j/a_j + (1 − y_j)/(1 − a_j)."""
    a = [Value(p) for p, _ in ay]
    y = [t for _, t in ay]
    L = binary_cross_entropy(a, y)
    expected = -math.fsum(t * math.log(p) + (1.0 - t) * math.log(1.0 - p) for p, t in ay)
    # Same logs of the same numbers, summed in another grouping: 1e-13 relative.
    assert math.isclose(L.data, expected, rel_tol=1e-13, abs_tol=1e-15)
    L.backward()
    for v, (p, t) in zip(a, ay, strict=True):
        assert math.isclose(v.grad, -t / p + (1.0 - t) / (1.0 - p), rel_tol=1e-13, abs_tol=1e-15)


@pytest.mark.parametrize("z", [40.0, 800.0, -800.0, -40.0, 36.8, 0.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_binary_cross_entropy_of_a_saturated_sigmoid_is_finite(z: float, y: float) -> None:
    """σ(40) and σ(800) round to 1.0, σ(−800) to 0.0: the loss and ∂L/∂z = a − y stay exact."""
    zv = Value(z)
    a = zv.sigmoid()
    if z >= 40.0 or z <= -800.0:
        assert a.data in (0.0, 1.0)  # saturated: ln a or ln(1 − a) would be −inf
    L = binary_cross_entropy(a, y)
    # L = y·softplus(−z) + (1 − y)·softplus(z) = softplus(z) − y z, by a log1p oracle.
    expected = stable_softplus(z) - y * z
    assert math.isfinite(L.data)
    assert math.isclose(L.data, expected, rel_tol=1e-14, abs_tol=1e-15)
    L.backward()
    # σ(z) − y written as (1 − y)σ(z) − yσ(−z), which has no cancellation. The engine adds
    # terms of size <= 1 (1, −e^−z/(1 + e^−z), −y), so its error is a few ulp(1) ≈ 2.2e-16.
    expected_grad = (1.0 - y) * float_sigmoid(z) - y * float_sigmoid(-z)
    assert math.isclose(zv.grad, expected_grad, rel_tol=1e-14, abs_tol=5e-16)


@pytest.mark.parametrize(("p", "y"), [(0.0, 1.0), (1.0, 0.0), (0.0, 0.5), (1.0, 0.5)])
def test_binary_cross_entropy_of_a_clipped_output_is_finite(p: float, y: float) -> None:
    """An output of unknown origin at exactly 0 or 1 is clipped to LOG_FLOOR inside the log."""
    a = Value(p)
    L = binary_cross_entropy(a, y)
    L.backward()
    # The term whose log sees 0 is −w·ln(LOG_FLOOR), w = y or 1 − y; the other is w'·ln 1 = 0.
    weight = y if p == 0.0 else 1.0 - y
    assert math.isclose(L.data, -weight * math.log(LOG_FLOOR), rel_tol=1e-12)
    assert math.isfinite(a.grad)
    assert abs(a.grad) <= 1.0 / LOG_FLOOR + 1.0


# -- cross-entropy and softmax --------------------------------------------------------------


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(reals(0.05, 1.0), min_size=n, max_size=n),
            st.lists(reals(0.0, 1.0), min_size=n, max_size=n),
        )
    )
)
def test_cross_entropy_N004_E_and_its_gradient_N004_dE(ay: tuple[list[float], list[float]]) -> None:
    """N004.E: E = −Σ_j y_j ln a_j; N004.dE: ∂E/∂a_j = −y_j / a_j (outputs not from softmax)."""
    a_f, y = ay
    a = leaves(a_f)
    E = cross_entropy(a, y)
    expected = -math.fsum(t * math.log(p) for p, t in zip(a_f, y, strict=True))
    # Same products of the same logs, summed in another order: 1e-13 relative.
    assert math.isclose(E.data, expected, rel_tol=1e-13, abs_tol=1e-15)
    E.backward()
    for v, p, t in zip(a, a_f, y, strict=True):
        assert math.isclose(v.grad, -t / p, rel_tol=1e-14, abs_tol=1e-300)


@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.lists(reals(-5.0, 5.0), min_size=n, max_size=n), st.integers(0, n - 1))))  # fmt: skip
def test_cross_entropy_of_softmax_N004_CE(zc: tuple[list[float], int]) -> None:
    """N004.CE: softmax output, one-hot y: E = −ln a_c and ∂E/∂z_i = a_i − y_i."""
    z_f, c = zc
    zs = leaves(z_f)
    y = [1.0 if i == c else 0.0 for i in range(len(z_f))]
    E = cross_entropy(softmax(zs), y)
    a_f = float_softmax(z_f)
    # −ln of a softmax entry in floats: a few roundings of numbers of order 1 to 1e-5.
    assert math.isclose(E.data, -math.log(a_f[c]), rel_tol=1e-13, abs_tol=1e-14)
    E.backward()
    for v, p, t in zip(zs, a_f, y, strict=True):
        assert math.isclose(v.grad, p - t, rel_tol=1e-12, abs_tol=1e-14)


def test_cross_entropy_of_a_saturated_softmax_is_finite() -> None:
    """a = softmax(1000, 0) = (1.0, 0.0) exactly; E for class 1 is 1000, ∂E/∂z = a − y = (1, −1)."""
    zs = [Value(1000.0), Value(0.0)]
    a = softmax(zs)
    assert a[1].data == 0.0  # e^−1000 underflows: ln a_1 would be −inf
    E = cross_entropy(a, [0.0, 1.0])
    # log-sum-exp oracle: ln(e^1000 + e^0) − 0 = 1000 + ln(1 + e^−1000) = 1000 in floats.
    assert E.data == 1000.0 + math.log1p(math.exp(-1000.0))
    E.backward()
    assert zs[0].grad == 1.0  # a_0 − y_0 = 1 − 0, exact in floats here
    assert zs[1].grad == -1.0


def test_cross_entropy_of_an_mlp_softmax_output_uses_its_logits() -> None:
    """An MLP's softmax output layer (labelled a_{j}^(L)) is recognised: finite when saturated."""
    model = MLP(2, [3], activation="linear", output_activation="softmax", seed=0)
    for k in range(2):
        model.w(1, 0, k).data = 400.0  # z_0 = 400(x_0 + x_1), far above the others
    trace = model.forward_trace([1.0, 1.0])
    zs, a = trace[1]
    assert a[2].label == "a_{2}^(1)"
    assert min(v.data for v in a) == 0.0
    y = [0.0, 0.0, 1.0]
    E = cross_entropy(a, y)
    a_f = float_softmax([z.data for z in zs])
    m = max(z.data for z in zs)
    lse = m + math.log(math.fsum(math.exp(z.data - m) for z in zs))
    assert math.isclose(E.data, lse - zs[2].data, rel_tol=1e-14)
    dz = grad(E, zs)
    for g, p, t in zip(dz, a_f, y, strict=True):
        assert math.isclose(g, p - t, rel_tol=1e-12, abs_tol=1e-14)


def test_cross_entropy_of_zero_probability_output_is_finite() -> None:
    """A leaf a_j = 0.0 with y_j > 0: clipped to LOG_FLOOR; a term with y_j = 0 is left out."""
    a = [Value(0.0), Value(1.0)]
    E = cross_entropy(a, [1.0, 0.0])
    E.backward()
    assert math.isclose(E.data, -math.log(LOG_FLOOR), rel_tol=1e-12)
    assert math.isfinite(a[0].grad)
    assert a[1].grad == 0.0  # y_1 = 0: its term is 0 · ln a_1, absent
    all_zero = cross_entropy([Value(0.0), Value(0.5)], [0.0, 0.0])
    assert all_zero.data == 0.0


@given(st.lists(reals(-30.0, 30.0), min_size=1, max_size=6))
def test_softmax_values_and_jacobian_N004_softmax(z_f: list[float]) -> None:
    """a_j = e^z_j / Σ_k e^z_k and N004.softmax: ∂a_j/∂z_i = a_j(δ_ij − a_i), a full Jacobian."""
    zs = leaves(z_f)
    a = softmax(zs)
    a_f = float_softmax(z_f)
    assert all(
        math.isclose(v.data, p, rel_tol=1e-14, abs_tol=1e-300) for v, p in zip(a, a_f, strict=True)
    )
    for j, aj in enumerate(a):
        row = grad(aj, zs)
        for i, g in enumerate(row):
            expected = a_f[j] * ((1.0 if i == j else 0.0) - a_f[i])
            # Through exp, the sum and the division: a few roundings of terms of size <= 1.
            assert math.isclose(g, expected, rel_tol=1e-12, abs_tol=1e-15)


def test_softmax_is_stable_for_large_inputs() -> None:
    """e^1000 overflows, e^(1000 − max z) does not."""
    a = softmax([Value(1000.0), Value(999.0)])
    expected = float_softmax([1.0, 0.0])  # softmax does not change when all z move together
    assert [v.data for v in a] == expected


# -- the batch cost -------------------------------------------------------------------------


def _batch_cost(problem: Problem) -> Value:
    loss = LOSSES[problem.loss]
    return mean(
        [loss(problem.model.forward(x), y) for x, y in zip(problem.xs, problem.ys, strict=True)]
    )


@given(problem=problems(), data=st.data())
def test_batch_cost_N002_m_gradient_is_the_mean_and_matches_central_differences(
    problem: Problem, data: st.DataObject
) -> None:
    """N002.m: C = (1/m) Σ_i C_i; ∂C/∂θ is the mean of the ∂C_i/∂θ, and C's central difference."""
    assume(relu_margin(problem.model, problem.xs) > 1e-3)  # central differences need no kink
    params = problem.model.parameters()
    C = _batch_cost(problem)
    m = len(problem.xs)
    loss = LOSSES[problem.loss]
    expected_value = math.fsum(
        loss(problem.model.forward(x), y).data for x, y in zip(problem.xs, problem.ys, strict=True)
    )
    assert math.isclose(C.data, expected_value / m, rel_tol=1e-13, abs_tol=1e-300)
    batch = grad(C, params)
    each = [
        grad(loss(problem.model.forward(x), y), params)
        for x, y in zip(problem.xs, problem.ys, strict=True)
    ]
    for i, g in enumerate(batch):
        # The mean of the per-example gradients, summed in another order. A gradient is a sum
        # of contributions of order 1 (weights, inputs <= 2) that may cancel, and rounding
        # errors of ~1e-16 per contribution do not cancel with them: so the bound is absolute,
        # 1e-12 on the scale of the largest per-example gradient (or of 1).
        terms = [e[i] for e in each]
        scale = max(1.0, *(abs(t) for t in terms))
        assert abs(g - math.fsum(terms) / m) <= 1e-12 * scale

    # Central differences of the batch cost for a few parameters (all would be slow).
    picked = data.draw(st.lists(st.integers(0, len(params) - 1), min_size=1, max_size=4))

    def cost_at(theta: float, p: Value) -> float:
        # With the graph recorded, as for the gradient: under no_grad an output carries no
        # trace of the sigmoid or softmax that made it, and the cross-entropies fall back to
        # the log of the output itself, which is less accurate near saturation.
        old = p.data
        p.data = theta
        try:
            return _batch_cost(problem).data
        finally:
            p.data = old

    for i in picked:
        p = params[i]
        numeric = central_difference(lambda t, p=p: cost_at(t, p), p.data)
        # Step h = 1e-6·max(1, |θ|): truncation ~h²·C''' and rounding ~1e-16·|C|/h; with
        # weights and inputs of order 1 both stay below ~1e-6 of the size of C.
        assert math.isclose(batch[i], numeric, rel_tol=1e-5, abs_tol=1e-6 * (1.0 + abs(C.data)))


def test_mean_N002_m_of_plain_values() -> None:
    """(1/m) Σ_i C_i, and each C_i receives ∂C/∂C_i = 1/m."""
    costs = [Value(1.0), Value(2.0), Value(4.5)]
    C = mean(costs)
    assert C.data == 2.5  # 7.5 / 3 is exact
    C.backward()
    assert all(math.isclose(c.grad, 1.0 / 3.0, rel_tol=1e-15) for c in costs)
    with pytest.raises(ValueError, match="at least one cost"):
        mean([])


# -- validation -----------------------------------------------------------------------------


def test_losses_dict_names_the_four_costs() -> None:
    expected = {
        "squared_error": squared_error,
        "mean_squared_error": mean_squared_error,
        "binary_cross_entropy": binary_cross_entropy,
        "cross_entropy": cross_entropy,
    }
    assert expected == LOSSES


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_lengths_must_match(name: str) -> None:
    """A ValueError naming both lengths, for every loss."""
    a = [Value(0.2), Value(0.3)]
    with pytest.raises(ValueError, match=f"{name}: the output has 2 values but .* y has 3"):
        LOSSES[name](a, [0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="has 1"):
        LOSSES[name](a, 1.0)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_bad_targets_are_refused(name: str) -> None:
    a = [Value(0.2), Value(0.3)]
    with pytest.raises(ValueError, match=r"y\[1\] must be finite, got nan"):
        LOSSES[name](a, [0.0, math.nan])
    with pytest.raises(TypeError, match=r"y\[0\] must be a real number"):
        LOSSES[name](a, ["0", 1.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"a\[1\] must be a Value"):
        LOSSES[name]([Value(0.2), 0.3], [0.0, 1.0])  # type: ignore[list-item]


def test_cross_entropies_refuse_values_outside_their_domain() -> None:
    with pytest.raises(
        ValueError, match=r"binary_cross_entropy: target y\[0\] must be in \[0, 1\]"
    ):
        binary_cross_entropy(Value(0.5), 1.5)
    with pytest.raises(ValueError, match=r"output a\[0\] must be in \[0, 1\].*got 1.5"):
        binary_cross_entropy(Value(1.5), 1.0)
    with pytest.raises(ValueError, match=r"cross_entropy: output a\[1\] must be >= 0"):
        cross_entropy([Value(0.5), Value(-0.5)], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"cross_entropy: target y\[0\] must be >= 0"):
        cross_entropy([Value(0.5), Value(0.5)], [-1.0, 1.0])
    with pytest.raises(ValueError, match="empty"):
        softmax([])


# -- the cost table --------------------------------------------------------------------------------

#: Each cost's closed form at a = A, y = Y, written here from the notes (not read from the code).
A_ROW = [0.2, 0.7, 0.1]
Y_ROW = [0.0, 1.0, 0.0]
COST_EXPECTED: dict[str, float] = {
    "squared_error": 0.2**2 + 0.3**2 + 0.1**2,  # N000.19
    "mean_squared_error": (0.2**2 + 0.3**2 + 0.1**2) / 3,  # N001.C
    "binary_cross_entropy": -(math.log(0.8) + math.log(0.7) + math.log(0.9)),  # N003.L
    "cross_entropy": -math.log(0.7),  # N004.E
}


def test_every_cost_row_has_a_test_entry() -> None:
    from nn.losses import COST_TABLE, COSTS_BY_NAME, LOSSES

    assert sorted(COST_EXPECTED) == sorted(COSTS_BY_NAME)
    assert len(COSTS_BY_NAME) == len(COST_TABLE)
    assert {c.name: c.engine for c in COST_TABLE} == LOSSES


@pytest.mark.parametrize("name", sorted(COST_EXPECTED))
def test_each_cost_row_agrees_with_its_closed_form(name: str) -> None:
    from nn.activations import OUTPUT_ACTIVATIONS
    from nn.losses import COSTS_BY_NAME

    row = COSTS_BY_NAME[name]
    expected = COST_EXPECTED[name]
    # A few ulps between the engine, the hand form and the oracle.
    assert math.isclose(row.hand(A_ROW, Y_ROW), expected, rel_tol=1e-12)
    a = [Value(v) for v in A_ROW]
    engine = row.engine(a, Y_ROW)
    assert math.isclose(engine.data, expected, rel_tol=1e-12)
    engine.backward()  # an output the cost does not use keeps grad 0 (cross_entropy's y_j = 0)
    gradient = [v.grad for v in a]
    by_hand = row.hand_derivative(A_ROW, Y_ROW)
    for j, (g, h) in enumerate(zip(gradient, by_hand, strict=True)):
        assert math.isclose(g, h, rel_tol=1e-12, abs_tol=1e-15)

        def cost_at(t: float, j: int = j) -> float:
            return row.hand([t if i == j else v for i, v in enumerate(A_ROW)], Y_ROW)

        # Central differences with a relative step of 1e-6: good to ~1e-8 on these smooth costs.
        assert math.isclose(central_difference(cost_at, A_ROW[j]), h, rel_tol=1e-7, abs_tol=1e-9)
    assert row.explain("a_0^(2)", "y_0", 3)
    if row.output_activation is not None:
        assert row.output_activation in OUTPUT_ACTIVATIONS
        assert row.allowed_outputs is not None
        assert row.output_activation in row.allowed_outputs
        assert row.needs


@pytest.mark.parametrize("name", sorted(COST_EXPECTED))
def test_a_closed_form_delta_is_the_chain_rule(name: str) -> None:
    from nn import byhand
    from nn.losses import COSTS_BY_NAME

    closed = COSTS_BY_NAME[name].closed_delta
    if closed is None:
        pytest.skip(f"{name} has no closed-form δ in the notes")
    z = [-1.0, 0.5, 2.0]
    a = byhand.activate(closed.activation, z)
    chain = byhand.activation_backward(
        closed.activation, z, COSTS_BY_NAME[name].hand_derivative(a, Y_ROW)
    )
    for c, g in zip(closed.hand(a, Y_ROW), chain, strict=True):
        assert math.isclose(c, g, rel_tol=1e-9, abs_tol=1e-15)
    symbol, note = closed.explain(1, 2, Y_ROW)
    assert "a_1^(2)" in symbol
    assert "y_1" in symbol
    assert "N00" in note  # it cites the formula id


# -- a^(L) stays in C's graph for every cost (N000.4, N001.dC, N003.L's derivative, N004.dE) -----


def _output_cases() -> list[tuple[str, str]]:
    """Every (cost, output activation) pair the cost table allows."""
    from nn.activations import OUTPUT_ACTIVATIONS
    from nn.losses import COST_TABLE

    return [
        (c.name, act)
        for c in COST_TABLE
        for act in OUTPUT_ACTIVATIONS
        if c.allowed_outputs is None or act in c.allowed_outputs
    ]


@pytest.mark.parametrize(("loss", "output"), _output_cases())
@given(
    x=st.lists(reals(-2.0, 2.0), min_size=2, max_size=2),
    t=st.lists(reals(0.0, 1.0), min_size=3, max_size=3),
    seed=st.integers(0, 10**6),
)
def test_grad_of_C_by_a_L_is_the_notes_dC_da(
    loss: str, output: str, x: list[float], t: list[float], seed: int
) -> None:
    """grad(C, a^(L)) is the cost row's ∂C/∂a^(L) by hand, at the network's own output a^(L).

    The hand formula runs on the float a^(L); the engine takes BCE's and CE's from the logits
    (1/(1 − a) as 1 + e^z), the same number up to the rounding of 1 − a: with |z| <= ~4 here,
    1 − a >= 0.01 and that is below 1e-13 relative.
    """
    from nn.losses import COSTS_BY_NAME

    row = COSTS_BY_NAME[loss]
    model = MLP(2, [2, 3], activation="tanh", output_activation=output, seed=seed)
    y = t if loss != "cross_entropy" else [v / math.fsum(t) if math.fsum(t) else 1.0 for v in t]
    trace = model.forward_trace(x)
    a = trace[-1][1]
    C = row.engine(a, y)
    assert math.isclose(C.data, row.hand([v.data for v in a], y), rel_tol=1e-12, abs_tol=1e-14)
    got = grad(C, a)  # raises ValueError if some a_j were not in C's graph
    want = row.hand_derivative([v.data for v in a], y)
    for g, w in zip(got, want, strict=True):
        assert math.isclose(g, w, rel_tol=1e-11, abs_tol=1e-13), (got, want)


@pytest.mark.parametrize("z", [-1000.0, -800.0, -40.0, -10.0, 0.0, 3.0, 40.0, 700.0, 1000.0])
@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_bce_grad_by_a_where_sigma_saturates(z: float, y: float) -> None:
    """Where σ(z) rounds to 0 or 1, grad(C, a) is (1 − y)(1 + e^z) − y(1 + e^−z), the notes'
    −y/a + (1 − y)/(1 − a) at the true σ(z); past ±A_GRADIENT_CAP it is the cap, with its
    sign. Meanwhile ∂C/∂z stays σ(z) − y, finite."""
    from nn.losses import A_GRADIENT_CAP

    zv = Value(z)
    a = zv.sigmoid()
    C = binary_cross_entropy(a, y)
    ga, gz = grad(C, [a, zv])
    # An oracle in exact rationals of the float e^z would not help: e^z itself is the limit.
    # math.exp is correctly rounded to < 1 ulp, and the engine adds at most 3 roundings.
    terms = []
    if y != 1.0:
        terms.append((1.0 - y) * (1.0 + math.exp(z)) if z < 709.0 else math.inf)
    if y != 0.0:
        terms.append(-y * (1.0 + math.exp(-z)) if -z < 709.0 else -math.inf)
    expected = math.fsum(terms)
    if abs(expected) > A_GRADIENT_CAP:
        assert ga == math.copysign(A_GRADIENT_CAP, expected)
    else:
        assert math.isclose(ga, expected, rel_tol=1e-14)
    # σ(z) − y without cancellation, as above; a few ulps of 1 at most.
    assert math.isclose(gz, (1.0 - y) * float_sigmoid(z) - y * float_sigmoid(-z),
                        rel_tol=1e-14, abs_tol=5e-16)  # fmt: skip


def test_softmax_ce_grad_by_a_where_an_output_rounded_to_zero() -> None:
    """softmax(0, −30, −1000): a_1 = e^−30/s is tiny but a float, a_2 rounds to 0.0.

    ∂E/∂a_j = −y_j/a_j (N004.dE): for a_1 the formula on the float; for a_2 it would divide
    by 0, and e^1000 is past any float, so grad gives −A_GRADIENT_CAP; ∂E/∂z stays a − y.
    """
    from nn.losses import A_GRADIENT_CAP

    zs = [Value(0.0), Value(-30.0), Value(-1000.0)]
    a = softmax(zs)
    assert a[2].data == 0.0
    y = [0.0, 0.5, 0.5]
    E = cross_entropy(a, y)
    got = grad(E, [*a, *zs])
    assert got[0] == 0.0
    assert math.isclose(got[1], -0.5 / a[1].data, rel_tol=1e-14)
    assert got[2] == -A_GRADIENT_CAP
    a_f = float_softmax([0.0, -30.0, -1000.0])
    for g, p, t in zip(got[3:], a_f, y, strict=True):
        assert math.isclose(g, p - t, rel_tol=1e-14, abs_tol=5e-16)


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy"])
@pytest.mark.parametrize("scale", [1.0, -1.0, 1000.0, -1000.0])
def test_weight_gradients_stay_a_minus_y_at_saturated_outputs(loss: str, scale: float) -> None:
    """Output weights scaled until z^(L) reaches ±1000: ∂C/∂w_jk^(L) = a_k^(L−1)(a_j − y_j)
    (N003.w3, N004.CE), finite and exact, while a^(L) is in C's graph."""
    from autograd import topological_order

    out = "sigmoid" if loss == "binary_cross_entropy" else "softmax"
    n_out = 1 if out == "sigmoid" else 3
    model = MLP(2, [2, n_out], activation="sigmoid", output_activation=out, seed=3)
    for j in range(n_out):
        for k in range(2):
            model.w(2, j, k).data = scale * (j + 1) * (1.0 if k == 0 else 0.5)
    trace = model.forward_trace([0.5, -0.25])
    a1 = [v.data for v in trace[1][1]]
    zs, a = trace[2]
    y = [1.0] if n_out == 1 else [0.0, 1.0, 0.0]
    C = LOSSES[loss](a, y)
    nodes = set(topological_order(C))
    assert all(v in nodes for v in a)  # a drawn graph shows a^(L) → C
    ws = [model.w(2, j, k) for j in range(n_out) for k in range(2)]
    gw = grad(C, ws)
    z_f = [z.data for z in zs]
    probs = [float_sigmoid(z_f[0])] if out == "sigmoid" else float_softmax(z_f)
    for (j, k), g in zip([(j, k) for j in range(n_out) for k in range(2)], gw, strict=True):
        assert math.isfinite(g)
        # a_k^(1) (a_j − y_j): one product of numbers <= 1, a few ulps of 1.
        assert math.isclose(g, a1[k] * (probs[j] - y[j]), rel_tol=1e-13, abs_tol=1e-15)
