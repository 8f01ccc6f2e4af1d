"""The layers by hand: reading a network, the forward pass, the output and hidden layers.

Every formula of notes 000-004 about one layer, in plain floats, with its formula id
(docs/notation.md); activations and costs are looked up by name in ``nn.activations.TABLE`` and
``nn.losses.COST_TABLE``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from nn.activations import BY_NAME as _ACTIVATIONS
from nn.activations import OUTPUT_ACTIVATIONS
from nn.formulas.common import (
    Matrix,
    Target,
    Vector,
    _finite,
    _pair,
    column,
    hadamard,
    matmul,
    row,
    transpose,
)
from nn.formulas.costs import sigmoid_bce_delta
from nn.losses import COST_TABLE

#: The costs the notes treat, by the names ``nn.losses.LOSSES`` uses.
LOSS_NAMES = tuple(c.name for c in COST_TABLE)
#: The activations ``nn.MLP`` offers; softmax is layer-wide, the others act neuron by neuron.
ACTIVATION_NAMES = OUTPUT_ACTIVATIONS
#: Cost of one example, by name.
COSTS: dict[str, Callable[[Sequence[float], Target], float]] = {c.name: c.hand for c in COST_TABLE}
#: ∂C/∂a_j^(L) of each cost, by name.
COST_DERIVATIVES: dict[str, Callable[[Sequence[float], Target], Vector]] = {
    c.name: c.hand_derivative for c in COST_TABLE
}
_CLOSED_DELTAS = {
    (c.closed_delta.activation, c.name): c.closed_delta.hand
    for c in COST_TABLE
    if c.closed_delta is not None
}


def _check_loss(loss: str) -> None:
    if loss not in LOSS_NAMES:
        raise ValueError(f"unknown loss {loss!r}: choose one of {', '.join(LOSS_NAMES)}")


class _Scalar(Protocol):
    @property
    def data(self) -> float: ...


class _Neuron(Protocol):
    @property
    def w(self) -> Sequence[_Scalar]: ...

    @property
    def b(self) -> _Scalar: ...


class _Layer(Protocol):
    @property
    def neurons(self) -> Sequence[_Neuron]: ...

    @property
    def activation(self) -> str: ...


class Network(Protocol):
    """What the by-hand module reads of a network: ``layers[l-1].neurons[j].w[k].data``, ..."""

    @property
    def layers(self) -> Sequence[_Layer]: ...


def read_weights(model: Network) -> tuple[list[Matrix], list[Vector]]:
    """(W, b) as floats: ``W[l-1][j][k]`` = w_jk^(l) and ``b[l-1][j]`` = b_j^(l) of ``model``."""
    W = [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers]
    b = [[n.b.data for n in layer.neurons] for layer in model.layers]
    return W, b


def read_activations(model: Network) -> list[str]:
    """The activation of each layer l = 1..L of ``model``, by name."""
    names = [layer.activation for layer in model.layers]
    for l, name in enumerate(names, start=1):
        _check_activation(name, f"layer {l}")
    return names


def _check_activation(name: str, where: str) -> None:
    if name not in ACTIVATION_NAMES:
        raise ValueError(
            f"unknown activation {name!r} in {where}: choose one of {', '.join(ACTIVATION_NAMES)}"
        )


def activate(activation: str, z: Sequence[float]) -> Vector:
    """a^(l) = σ^(l)(z^(l)): the activation applied to a whole layer."""
    _check_activation(activation, "activate")
    return _ACTIVATIONS[activation].apply_by_hand(z)


def derivative(activation: str, z: float) -> float:
    """σ'(z) of a neuron-wise activation (N004.dsigmoid for σ; tanh, relu and linear alike)."""
    _check_activation(activation, "derivative")
    prime = _ACTIVATIONS[activation].hand_derivative
    if prime is None:
        raise ValueError(
            f"{activation} is layer-wide: use its Jacobian (softmax_jacobian), not a "
            "derivative per z"
        )
    return prime(z)


def activation_backward(activation: str, z: Sequence[float], dC_da: Sequence[float]) -> Vector:
    """δ^(l) = σ'(z^(l)) ∘ ∂C/∂a^(l); for softmax the Jacobian product (N004.softmax)."""
    row = _ACTIVATIONS.get(activation)  # an unknown name is reported by derivative()
    if row is not None and row.hand_layer_backward is not None:
        return row.hand_layer_backward(z, dC_da)
    return [derivative(activation, zj) * g for zj, g in zip(z, dC_da, strict=True)]


def weighted_inputs(W: Matrix, b: Sequence[float], a_prev: Sequence[float]) -> Vector:
    """z_j^(l) = Σ_k w_jk^(l) a_k^(l−1) + b_j^(l) for every neuron j of layer l (000 eq. 13)."""
    # fsum rounds the sum once, as the engine's weighted-sum node does, so the hand forward pass
    # gives bit for bit the engine's z.
    return [
        math.fsum([*(w * a for w, a in zip(row, a_prev, strict=True)), bj])
        for row, bj in zip(W, b, strict=True)
    ]


@dataclass(frozen=True)
class ForwardPass:
    """z[l][j] = z_j^(l) and a[l][j] = a_j^(l) for l = 0..L (z[0] is empty, a[0] is x)."""

    z: list[Vector]
    a: list[Vector]


def forward(
    W: Sequence[Matrix], b: Sequence[Vector], activations: Sequence[str], x: Sequence[float]
) -> ForwardPass:
    """The forward pass of 000 eq. 15–18: z^(l) = W^(l) a^(l−1) + b^(l), a^(l) = σ^(l)(z^(l))."""
    if len(W) != len(b) or len(W) != len(activations):
        raise ValueError(
            f"forward: {len(W)} weight matrices, {len(b)} bias vectors and "
            f"{len(activations)} activations; each layer needs one of each"
        )
    a_prev = _finite("forward", "x", x)
    if W and W[0] and len(W[0][0]) != len(a_prev):
        raise ValueError(f"forward: the network takes {len(W[0][0])} inputs, got {len(a_prev)}")
    zs: list[Vector] = [[]]
    acts: list[Vector] = [a_prev]
    for l, (Wl, bl, name) in enumerate(zip(W, b, activations, strict=True), start=1):
        try:
            z = weighted_inputs(Wl, bl, acts[-1])
        except OverflowError:
            raise OverflowError(
                f"forward: z^({l}) = W^({l}) a^({l - 1}) + b^({l}) overflows the largest float "
                f"(largest |a^({l - 1})| is {max(map(abs, acts[-1]), default=0.0)!r})"
            ) from None
        zs.append(z)
        acts.append(activate(name, z))
    return ForwardPass(zs, acts)


def output_weight_gradient_one(
    a_prev: float, z: float, a: float, y: float, activation: str = "sigmoid"
) -> float:
    """N000.8: ∂C/∂w^(L) = a^(L−1) σ'(z^(L)) 2(a^(L) − y), one neuron per layer."""
    return a_prev * derivative(activation, z) * 2.0 * (a - y)


def output_bias_gradient_one(z: float, a: float, y: float, activation: str = "sigmoid") -> float:
    """N000.9: ∂C/∂b^(L) = 1 · σ'(z^(L)) 2(a^(L) − y), one neuron per layer."""
    return 1.0 * derivative(activation, z) * 2.0 * (a - y)


def output_weight_gradients(
    a_prev: Sequence[float], z: Sequence[float], a: Sequence[float], y: Target, activation: str
) -> Matrix:
    """N000.22: ∂C/∂w_jk^(L) = a_k^(L−1) σ^(L)'(z_j^(L)) 2(a_j^(L) − y_j), squared error."""
    av, ys = _pair("output_weight_gradients", a, y)
    return [
        [ak * derivative(activation, zj) * 2.0 * (aj - yj) for ak in a_prev]
        for zj, aj, yj in zip(z, av, ys, strict=True)
    ]


def output_bias_gradients(
    z: Sequence[float], a: Sequence[float], y: Target, activation: str
) -> Vector:
    """N000.24: ∂C/∂b_j^(L) = σ^(L)'(z_j^(L)) 2(a_j^(L) − y_j), squared error."""
    av, ys = _pair("output_bias_gradients", a, y)
    return [
        derivative(activation, zj) * 2.0 * (aj - yj) for zj, aj, yj in zip(z, av, ys, strict=True)
    ]


def sigmoid_bce_output_gradients(
    a_prev: Sequence[float], a: Sequence[float], y: Target
) -> tuple[Matrix, Vector]:
    """N003.w3: ∂L/∂w^(L) = −(y − a^(L)) a^(L−1)T and ∂L/∂b^(L) = −(y − a^(L))."""
    av, ys = _pair("sigmoid_bce_output_gradients", a, y)
    residual = [-(yj - aj) for aj, yj in zip(av, ys, strict=True)]
    return matmul(column(residual), row(a_prev)), residual


def output_delta(
    activation: str, z: Sequence[float], a: Sequence[float], y: Target, loss: str
) -> Vector:
    """δ^(L) = ∂C/∂z^(L): σ'(z^(L)) ∘ ∂C/∂a^(L), or the notes' closed forms where they apply.

    Sigmoid with binary cross-entropy gives a − y (N003.w3) and softmax with cross-entropy
    a − y for one-hot y (N004.CE); these are also what the engine computes (its losses take the
    logarithms from the logits there), and they stay exact where a saturates.
    """
    _check_loss(loss)
    closed = _CLOSED_DELTAS.get((activation, loss))
    if closed is not None:
        return closed(a, y)
    return activation_backward(activation, z, COST_DERIVATIVES[loss](a, y))


def hidden_weight_gradient_one(
    a_prev2: float,
    z_prev: float,
    w: float,
    z: float,
    a: float,
    y: float,
    activations: tuple[str, str] = ("sigmoid", "sigmoid"),
) -> float:
    """N000.11: ∂C/∂w^(L−1) = a^(L−2) σ'(z^(L−1)) w^(L) σ'(z^(L)) 2(a^(L) − y), one neuron each.

    ``activations`` are σ^(L−1) and σ^(L); ``w`` is w^(L), ``z_prev`` is z^(L−1).
    """
    hidden, output = activations
    return a_prev2 * derivative(hidden, z_prev) * w * derivative(output, z) * 2.0 * (a - y)


def hidden_weight_gradients(
    a_prev: Sequence[float], z: Sequence[float], dC_da: Sequence[float], activation: str
) -> Matrix:
    """N000.26: ∂C/∂w_jk^(l) = a_k^(l−1) σ^(l)'(z_j^(l)) ∂C/∂a_j^(l)."""
    return [
        [ak * derivative(activation, zj) * gj for ak in a_prev]
        for zj, gj in zip(z, dC_da, strict=True)
    ]


def activation_gradients_below(
    W: Matrix, z: Sequence[float], dC_da: Sequence[float], activation: str
) -> Vector:
    """N000.29: ∂C/∂a_k^(l−1) = Σ_j w_jk^(l) σ'(z_j^(l)) ∂C/∂a_j^(l), summed over every j.

    000 eq. 28–29 write one term (index m) and leave the sum implied; every neuron j of layer l
    receives a_k^(l−1), so every one contributes.
    """
    delta = activation_backward(activation, z, dC_da)
    n_prev = len(W[0]) if W else 0
    return [math.fsum(W[j][k] * delta[j] for j in range(len(W))) for k in range(n_prev)]


def delta_recursion(
    W_next: Matrix, delta_next: Sequence[float], z: Sequence[float], activation: str
) -> Vector:
    """N002.6: δ_k^(l) = σ'(z_k^(l)) Σ_j w_jk^(l+1) δ_j^(l+1), i.e. (W^(l+1)T δ^(l+1)) ∘ σ'(z^(l)).

    004's ∂E/∂z_1^1 = ∂a_1^1/∂z_1^1 Σ_k w_k1^2 ∂E/∂z_k^2 is the same line.
    """
    if len(W_next) != len(delta_next):
        raise ValueError(
            f"delta_recursion: W^(l+1) has {len(W_next)} rows but δ^(l+1) has {len(delta_next)}"
        )
    back = [
        math.fsum(W_next[j][k] * delta_next[j] for j in range(len(W_next))) for k in range(len(z))
    ]
    return activation_backward(activation, z, back)


def weight_gradients(delta: Sequence[float], a_prev: Sequence[float]) -> Matrix:
    """N002.18: ∂C/∂w_jk^(l) = a_k^(l−1) δ_j^(l) (004: ∂E/∂w_ij^x = a_j^(x−1) ∂E/∂z_i^x)."""
    return [[ak * dj for ak in a_prev] for dj in delta]


def bias_gradients(delta: Sequence[float]) -> Vector:
    """N002.19: ∂C/∂b_j^(l) = δ_j^(l)."""
    return list(delta)


def layer_jacobian(W: Matrix, z: Sequence[float], activation: str) -> Matrix:
    """N001.J: ∂a_m^(l)/∂a_p^(l−1) = σ'(z_m^(l)) w_mp^(l), a matrix with rows m, columns p.

    For a softmax layer a_m depends on every z_i: Σ_i (∂a_m/∂z_i) w_ip (N004.softmax).
    """
    row = _ACTIVATIONS.get(activation)  # an unknown name is reported by derivative()
    if row is not None and row.hand_jacobian is not None:
        J = row.hand_jacobian(z)  # J[i][m] = ∂a_m/∂z_i
        return [
            [math.fsum(J[i][m] * W[i][p] for i in range(len(z))) for p in range(len(W[0]))]
            for m in range(len(z))
        ]
    return [[derivative(activation, zm) * wmp for wmp in row] for zm, row in zip(z, W, strict=True)]


def jacobian_product(jacobians: Sequence[Matrix]) -> Matrix:
    """N001.J: ∂a^(L)/∂a^(l) = J^(L) J^(L−1) ⋯ J^(l+1), given [J^(l+1), ..., J^(L)].

    "These are all matrices" (001): the chain rule for vectors is their product.
    """
    if not jacobians:
        raise ValueError("jacobian_product needs at least one layer Jacobian")
    result = jacobians[0]
    for J in jacobians[1:]:
        result = matmul(J, result)
    return result


def activation_weight_derivative(z_A: float, a_B: float, activation: str = "sigmoid") -> float:
    """N001.w: ∂a_A^(l)/∂w_AB^(l) = σ'(z_A^(l)) a_B^(l−1) (001's "quick remark")."""
    return derivative(activation, z_A) * a_B


def activation_bias_derivative(z_A: float, activation: str = "sigmoid") -> float:
    """N001.w for the bias: ∂a_A^(l)/∂b_A^(l) = σ'(z_A^(l)) (the same without a_B^(l−1))."""
    return derivative(activation, z_A)


def _sigmoid_slope(a: Sequence[float]) -> Matrix:
    """a(1 − a) as a column: σ'(z) as 003 writes it, from the activations."""
    return column([aj * (1.0 - aj) for aj in a])


def bce_delta_2(w3: Matrix, a2: Sequence[float], a3: Sequence[float], y: Target) -> Matrix:
    """δ^(2) = (w^(3)T (a^(3) − y)) ∘ a^(2)(1 − a^(2)), shape (2, 1): N003.w2 without a^(1)T."""
    residual = column(sigmoid_bce_delta(a3, y))
    return hadamard(matmul(transpose(w3), residual), _sigmoid_slope(a2))


def bce_gradient_w2(
    w3: Matrix, a1: Sequence[float], a2: Sequence[float], a3: Sequence[float], y: Target
) -> Matrix:
    """N003.w2: ∂L/∂w^(2) = ((w^(3)T (a^(3) − y)) ∘ a^(2)(1 − a^(2))) a^(1)T, shape (2, 3)."""
    return matmul(bce_delta_2(w3, a2, a3, y), row(a1))


def bce_gradient_w1(
    w2: Matrix,
    w3: Matrix,
    x: Sequence[float],
    a1: Sequence[float],
    a2: Sequence[float],
    a3: Sequence[float],
    y: Target,
) -> Matrix:
    """N003.w1: ∂L/∂w^(1) = ((w^(2)T δ^(2)) ∘ a^(1)(1 − a^(1))) xᵀ, shape (3, n).

    δ^(2) is N003.w2's (2, 1) column; w^(2)T is (3, 2), so w^(2)T δ^(2) is (3, 1), and xᵀ (1, n).
    """
    delta_1 = hadamard(matmul(transpose(w2), bce_delta_2(w3, a2, a3, y)), _sigmoid_slope(a1))
    return matmul(delta_1, row(x))
