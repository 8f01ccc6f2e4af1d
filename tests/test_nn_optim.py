"""Tests of ``nn.optim.SGD``: the update rule N002.7 by hand, momentum by hand, validation, and
that descent does lower a loss (XOR).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, SGD, mean, squared_error
from tests.strategies import reals

#: Parameters, their gradients and a learning rate of moderate size.
steps = st.integers(1, 6).flatmap(
    lambda n: st.tuples(
        st.lists(reals(-5.0, 5.0), min_size=n, max_size=n),
        st.lists(reals(-5.0, 5.0), min_size=n, max_size=n),
        reals(1e-3, 2.0),
    )
)


@given(steps)
def test_step_is_theta_minus_alpha_gradient_N002_7(
    case: tuple[list[float], list[float], float],
) -> None:
    """N002.7: θ := θ − α ∂C/∂θ for every parameter, with the grad backward left."""
    thetas, grads, lr = case
    params = [Value(t) for t in thetas]
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    SGD(params, lr=lr).step()
    for p, t, g in zip(params, thetas, grads, strict=True):
        # One multiplication and one subtraction, rounded once each, in both: the update rule
        # is exactly this float expression (exactness is the point).
        assert p.data == t - lr * g
        assert p.grad == g  # step does not touch the gradients


def test_step_follows_backward() -> None:
    """C = (w·x − y)²: ∂C/∂w = 2(w x − y)x by hand, and w moves by −α times that."""
    w, b = Value(0.5), Value(-0.25)
    x, y = 2.0, 3.0
    C = (w * x + b - y) ** 2
    C.backward()
    residual = 0.5 * 2.0 - 0.25 - 3.0  # −2.25
    SGD([w, b], lr=0.1).step()
    # 0.5 − 0.1·(2·(−2.25)·2) = 1.4 and −0.25 − 0.1·(2·(−2.25)) = 0.2, up to the rounding of 0.1.
    assert math.isclose(w.data, 0.5 - 0.1 * (2.0 * residual * x), rel_tol=1e-15)
    assert math.isclose(b.data, -0.25 - 0.1 * (2.0 * residual), rel_tol=1e-15)


def test_momentum_follows_its_update_rule() -> None:
    """v := μ v + g, θ := θ − α v, with v = 0 at first, over three steps of varying gradients."""
    theta = [1.0, -2.0]
    params = [Value(t) for t in theta]
    mu, lr = 0.9, 0.05
    opt = SGD(params, lr=lr, momentum=mu)
    velocity = [0.0, 0.0]
    for grads in ([0.5, -1.0], [0.25, 2.0], [-1.5, 0.0]):
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        opt.step()
        for i, g in enumerate(grads):
            velocity[i] = mu * velocity[i] + g
            theta[i] = theta[i] - lr * velocity[i]
        # The same operations in the same order, so the same floats (exactness is the point).
        assert [p.data for p in params] == theta
    # And it differs from plain SGD, which would have moved θ_0 by −α(0.5 + 0.25 − 1.5) only.
    assert not math.isclose(params[0].data, 1.0 - lr * (0.5 + 0.25 - 1.5))


def test_zero_grad_resets_the_parameters_gradients() -> None:
    params = [Value(1.0), Value(2.0)]
    (params[0] * params[1]).backward()
    opt = SGD(params, lr=0.1)
    opt.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_sgd_lowers_the_loss_on_xor() -> None:
    """300 full-batch steps on XOR (2 → 4 tanh → 1 sigmoid) cut the cost at least 20-fold.

    With this seed the cost goes from 0.257 to 0.003 (88-fold); 20-fold leaves room for a
    different but valid rounding, and any sign or scaling error in step() makes it rise.
    """
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    Y = [0.0, 1.0, 1.0, 0.0]
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=1)
    opt = SGD(model.parameters(), lr=1.0)

    def cost() -> Value:
        return mean([squared_error(model(x), y) for x, y in zip(X, Y, strict=True)])

    first = cost().data
    for _ in range(300):
        opt.zero_grad()
        c = cost()
        c.backward()
        opt.step()
    last = cost().data
    assert last < first / 20.0
    for x, y in zip(X, Y, strict=True):
        out = model(x)
        assert isinstance(out, Value)
        assert (out.data > 0.5) == (y == 1.0)  # XOR learnt


@pytest.mark.parametrize("lr", [0.0, -0.1, math.nan, math.inf, -math.inf])
def test_learning_rate_must_be_positive_and_finite(lr: float) -> None:
    with pytest.raises(ValueError, match=f"lr must be positive and finite, got {lr!r}"):
        SGD([Value(1.0)], lr=lr)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD([Value(1.0)], lr="0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD([Value(1.0)], lr=True)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.0"):
        SGD([Value(1.0)], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="momentum"):
        SGD([Value(1.0)], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="empty list of parameters"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 must be a Value"):
        SGD([Value(1.0), 2.0], lr=0.1)  # type: ignore[list-item]


def test_a_non_finite_gradient_moves_no_parameter() -> None:
    """A nan gradient is reported with the parameter's label, and nothing is updated."""
    params = [Value(1.0, "w_{0,0}^(1)"), Value(2.0, "w_{0,1}^(1)")]
    params[0].grad = 0.5
    params[1].grad = math.nan
    with pytest.raises(ValueError, match=r"gradient of w_\{0,1\}\^\(1\) is nan"):
        SGD(params, lr=0.1).step()
    assert [p.data for p in params] == [1.0, 2.0]
