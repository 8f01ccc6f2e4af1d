"""The notes' formulas by hand: plain floats, one function per formula, no ``Value``.

Each function implements one formula of the five handwritten notes, in the notation they share
(NOTATION.md), and cites its id in its docstring (``grep -r N000.22 nn tests`` finds it and its
test). Layers count from 1, neurons from 0; a matrix ``W`` is a list of rows, ``W[j][k]`` being
w_jk^(l); a vector is a list of floats.

``gradients`` runs the notes' whole algorithm (N002.DP) on an ``nn.MLP``'s weights: a forward
pass that keeps every z_j^(l) and a_j^(l), then the deltas from the output layer down, and
returns every ∂C/∂w_jk^(l) and ∂C/∂b_j^(l). ``explain`` prints the chain of factors for one
weight beside the engine's number; it is the one function here that builds a ``Value`` graph,
to get that reference number from ``autograd.grad``.

>>> W = [[[0.5, -0.25]], [[2.0]]]  # a 2 -> 1 -> 1 network of sigmoid neurons
>>> b = [[0.0], [0.0]]
>>> fp = forward(W, b, ["sigmoid", "sigmoid"], [1.0, 2.0])
>>> fp.z[1], fp.a[1]
([0.0], [0.5])
>>> dW, db = backpropagate(W, b, ["sigmoid", "sigmoid"], fp, [1.0]).gradients()
>>> [round(g, 6) for g in dW[1][0]], [round(g, 6) for g in db[1]]
([-0.052877], [-0.105754])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

# Only ``explain`` uses these, for the engine's reference number; every formula is plain floats.
from autograd import grad
from nn import notation
from nn.losses import LOSSES as ENGINE_LOSSES

if TYPE_CHECKING:
    from nn.module import MLP

#: A vector of floats (one layer's z, a, δ or y).
Vector = list[float]
#: A matrix as a list of rows: ``W[j][k]`` is w_jk^(l), row j the weights into neuron j.
Matrix = list[list[float]]
#: A target: one float (one output) or one float per output.
Target = float | Sequence[float]

#: The costs the notes treat, by the names ``nn.losses.LOSSES`` uses.
LOSS_NAMES = ("squared_error", "mean_squared_error", "binary_cross_entropy", "cross_entropy")
#: The activations ``nn.MLP`` offers; softmax is layer-wide, the others act neuron by neuron.
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "linear", "softmax")


# ---------------------------------------------------------------------------------------------
# Reading a network: the only contact with nn.MLP apart from ``explain``.


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


# ---------------------------------------------------------------------------------------------
# Costs of one example and their derivative with respect to the output layer.


def _finite(what: str, name: str, values: Sequence[float] | float) -> Vector:
    """``values`` (a number or several) as a list of floats; ValueError naming a non-finite one."""
    vs = [float(values)] if isinstance(values, (int, float)) else [float(v) for v in values]
    for k, v in enumerate(vs):
        if not math.isfinite(v):
            raise ValueError(f"{what}: {name}_{k} must be finite, got {v!r}")
    return vs


def _pair(what: str, a: Sequence[float], y: Target) -> tuple[Vector, Vector]:
    """``a`` and ``y`` as equally long lists of floats, or a ValueError naming the mismatch."""
    ys = _finite(what, "y", y)
    av = _finite(what, "a", a)
    if len(av) != len(ys) or not av:
        raise ValueError(f"{what}: the output has {len(av)} values but the target has {len(ys)}")
    return av, ys


def squared_error(a: Sequence[float], y: Target) -> float:
    """N000.19: C = Σ_j (a_j^(L) − y_j)².

    >>> squared_error([0.5, 1.0], [0.0, 1.0])
    0.25
    """
    av, ys = _pair("squared_error", a, y)
    return math.fsum((aj - yj) ** 2 for aj, yj in zip(av, ys, strict=True))


def d_squared_error(a: Sequence[float], y: Target) -> Vector:
    """N000.4: ∂C/∂a_j^(L) = 2(a_j^(L) − y_j) for C = Σ_j (a_j^(L) − y_j)² (002 eq. 4)."""
    av, ys = _pair("squared_error", a, y)
    return [2.0 * (aj - yj) for aj, yj in zip(av, ys, strict=True)]


def mean_squared_error(a: Sequence[float], y: Target) -> float:
    """N001.C: C = (1/n_L) Σ_j (a_j^(L) − y_j)².

    >>> mean_squared_error([0.5, 1.0], [0.0, 1.0])
    0.125
    """
    av, ys = _pair("mean_squared_error", a, y)
    return math.fsum((aj - yj) ** 2 for aj, yj in zip(av, ys, strict=True)) / len(av)


def d_mean_squared_error(a: Sequence[float], y: Target) -> Vector:
    """N001.dC: ∂C/∂a_j^(L) = (2/n_L)(a_j^(L) − y_j)."""
    av, ys = _pair("mean_squared_error", a, y)
    return [2.0 * (aj - yj) / len(av) for aj, yj in zip(av, ys, strict=True)]


def _check_open_unit(what: str, a: Sequence[float]) -> None:
    """ValueError unless every a_j is in (0, 1), where log a_j and log(1 − a_j) are finite."""
    for j, aj in enumerate(a):
        if not 0.0 < aj < 1.0:
            raise ValueError(f"{what}: output a_{j} must be in (0, 1), got {aj!r}")


def _check_positive(what: str, a: Sequence[float], y: Sequence[float]) -> None:
    """ValueError unless a_j > 0 wherever y_j != 0 (log a_j is needed only there)."""
    for j, (aj, yj) in enumerate(zip(a, y, strict=True)):
        if yj != 0.0 and not aj > 0.0:
            raise ValueError(f"{what}: output a_{j} must be > 0 where y_{j} != 0, got {aj!r}")


def binary_cross_entropy(a: Sequence[float], y: Target) -> float:
    """N003.L: L = −Σ_j [y_j log a_j^(L) + (1 − y_j) log(1 − a_j^(L))], one term per output.

    >>> round(binary_cross_entropy([0.5], [1.0]), 12)  # ln 2
    0.69314718056
    """
    av, ys = _pair("binary_cross_entropy", a, y)
    _check_open_unit("binary_cross_entropy", av)
    return -math.fsum(
        yj * math.log(aj) + (1.0 - yj) * math.log(1.0 - aj) for aj, yj in zip(av, ys, strict=True)
    )


def d_binary_cross_entropy(a: Sequence[float], y: Target) -> Vector:
    """N003.L differentiated (003's first lines): ∂L/∂a_j = −y_j/a_j + (1 − y_j)/(1 − a_j)."""
    av, ys = _pair("binary_cross_entropy", a, y)
    _check_open_unit("binary_cross_entropy", av)
    return [-yj / aj + (1.0 - yj) / (1.0 - aj) for aj, yj in zip(av, ys, strict=True)]


def cross_entropy(a: Sequence[float], y: Target) -> float:
    """N004.E: E = −Σ_j y_j log a_j^(L) (terms with y_j = 0 are 0, even where a_j = 0).

    >>> round(cross_entropy([0.5, 0.5], [1.0, 0.0]), 12)  # ln 2
    0.69314718056
    """
    av, ys = _pair("cross_entropy", a, y)
    _check_positive("cross_entropy", av, ys)
    return -math.fsum(yj * math.log(aj) for aj, yj in zip(av, ys, strict=True) if yj != 0.0)


def d_cross_entropy(a: Sequence[float], y: Target) -> Vector:
    """N004.dE: ∂E/∂a_j = −y_j / a_j (0 where y_j = 0)."""
    av, ys = _pair("cross_entropy", a, y)
    _check_positive("cross_entropy", av, ys)
    return [-yj / aj if yj != 0.0 else 0.0 for aj, yj in zip(av, ys, strict=True)]


#: Cost of one example, by name.
COSTS: dict[str, Callable[[Sequence[float], Target], float]] = {
    "squared_error": squared_error,
    "mean_squared_error": mean_squared_error,
    "binary_cross_entropy": binary_cross_entropy,
    "cross_entropy": cross_entropy,
}
#: ∂C/∂a_j^(L) of each cost, by name.
COST_DERIVATIVES: dict[str, Callable[[Sequence[float], Target], Vector]] = {
    "squared_error": d_squared_error,
    "mean_squared_error": d_mean_squared_error,
    "binary_cross_entropy": d_binary_cross_entropy,
    "cross_entropy": d_cross_entropy,
}


def batch_mean(values: Sequence[float]) -> float:
    """N002.m: C = (1/m) Σ_i C_i, the cost (or any one gradient entry) over m examples.

    >>> batch_mean([1.0, 2.0])
    1.5
    """
    if not values:
        raise ValueError("batch_mean needs at least one example, got none")
    return math.fsum(values) / len(values)


def _check_loss(loss: str) -> None:
    if loss not in LOSS_NAMES:
        raise ValueError(f"unknown loss {loss!r}: choose one of {', '.join(LOSS_NAMES)}")


# ---------------------------------------------------------------------------------------------
# Activations and their derivatives.


def sigmoid(z: float) -> float:
    """N001.sigmoid: σ(z) = 1 / (1 + e^(−z)).

    >>> sigmoid(0.0)
    0.5
    """
    # Written so that e^t is only taken of t <= 0: e^(−z) overflows for z < −709.
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def d_sigmoid(z: float) -> float:
    """N004.dsigmoid: σ'(z) = e^(−z) / (1 + e^(−z))² = a(1 − a).

    >>> d_sigmoid(0.0)
    0.25
    """
    # The note's e^(−z)/(1 + e^(−z))² with |z| for z: σ' is even, so this is the same function,
    # but e^(−|z|) never overflows (e^(−z) does for z < −709). The other form, a(1 − a), loses
    # every digit where σ saturates: 1 − a cancels, and is exactly 0 once a rounds to 1.
    e = math.exp(-abs(z))
    return e / ((1.0 + e) * (1.0 + e))


def tanh(z: float) -> float:
    """tanh z, an activation the project offers besides the notes' σ."""
    return math.tanh(z)


def d_tanh(z: float) -> float:
    """tanh'(z) = 1 − tanh² z = 4e^(−2|z|) / (1 + e^(−2|z|))²."""
    # 1 − tanh² z cancels where tanh saturates; sech² z written with e^(−2|z|) does not, and
    # never overflows (the engine's 4σ(2z)σ(−2z) is the same function).
    e = math.exp(-2.0 * abs(z))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def relu(z: float) -> float:
    """relu(z) = max(z, 0)."""
    return z if z > 0.0 else 0.0


def d_relu(z: float) -> float:
    """relu'(z) = 1 for z > 0, else 0 (taken as 0 at the kink z = 0, as the engine does)."""
    return 1.0 if z > 0.0 else 0.0


def linear(z: float) -> float:
    """The identity, a = z (a linear output layer)."""
    return z


def d_linear(z: float) -> float:
    """The identity's derivative, 1."""
    return 1.0


def softmax(z: Sequence[float]) -> Vector:
    """a_j = e^(z_j − max z) / Σ_k e^(z_k − max z), the layer-wide activation of note 004.

    >>> softmax([1.0, 1.0])
    [0.5, 0.5]
    """
    if not z:
        raise ValueError("softmax needs at least one value, got none")
    # Shifting by max z changes nothing mathematically and keeps every exponent <= 0.
    top = max(z)
    e = [math.exp(zj - top) for zj in z]
    s = math.fsum(e)
    return [ej / s for ej in e]


def softmax_jacobian(a: Sequence[float]) -> Matrix:
    """N004.softmax: J[i][j] = ∂a_j/∂z_i = a_j(δ_ij − a_i), the full matrix of note 004.

    Row i holds the derivatives with respect to z_i, as note 004 lays the matrix out.
    """
    n = len(a)
    J = [[-a[j] * a[i] for j in range(n)] for i in range(n)]
    for i in range(n):
        # a_i(1 − a_i), with 1 − a_i written as Σ_(k≠i) a_k (the a's sum to 1): where one a_i
        # is close to 1, 1 − a_i cancels and keeps none of the digits of the small a_k's.
        J[i][i] = a[i] * math.fsum(a[k] for k in range(n) if k != i)
    return J


def softmax_backward(a: Sequence[float], dC_da: Sequence[float]) -> Vector:
    """N004.softmax: ∂E/∂z_i = Σ_j (∂a_j/∂z_i)(∂E/∂a_j), the Jacobian times the cost's gradient."""
    J = softmax_jacobian(a)
    return [math.fsum(J[i][j] * dC_da[j] for j in range(len(a))) for i in range(len(a))]


#: Each neuron-wise activation and its derivative, by name.
_ELEMENTWISE: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "sigmoid": (sigmoid, d_sigmoid),
    "tanh": (tanh, d_tanh),
    "relu": (relu, d_relu),
    "linear": (linear, d_linear),
}


def _check_activation(name: str, where: str) -> None:
    if name not in ACTIVATION_NAMES:
        raise ValueError(
            f"unknown activation {name!r} in {where}: choose one of {', '.join(ACTIVATION_NAMES)}"
        )


def activate(activation: str, z: Sequence[float]) -> Vector:
    """a^(l) = σ^(l)(z^(l)): the activation applied to a whole layer."""
    _check_activation(activation, "activate")
    if activation == "softmax":
        return softmax(z)
    f = _ELEMENTWISE[activation][0]
    return [f(zj) for zj in z]


def derivative(activation: str, z: float) -> float:
    """σ'(z) of a neuron-wise activation (N004.dsigmoid for σ; tanh, relu and linear alike)."""
    _check_activation(activation, "derivative")
    if activation == "softmax":
        raise ValueError("softmax is layer-wide: use softmax_jacobian, not a derivative per z")
    return _ELEMENTWISE[activation][1](z)


def activation_backward(activation: str, z: Sequence[float], dC_da: Sequence[float]) -> Vector:
    """δ^(l) = σ'(z^(l)) ∘ ∂C/∂a^(l); for softmax the Jacobian product (N004.softmax)."""
    if activation == "softmax":
        return softmax_backward(softmax(z), dC_da)
    return [derivative(activation, zj) * g for zj, g in zip(z, dC_da, strict=True)]


# ---------------------------------------------------------------------------------------------
# The forward pass, keeping every z_j^(l) and a_j^(l).


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


# ---------------------------------------------------------------------------------------------
# The output layer.


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


def sigmoid_bce_delta(a: Sequence[float], y: Target) -> Vector:
    """N003.w3: δ^(L) = a^(L) − y for a sigmoid output with binary cross-entropy.

    003 derives it: −[y(1 − a) − (1 − y)a] = a − y; σ'(z) = a(1 − a) cancels ∂L/∂a's denominators.
    """
    av, ys = _pair("sigmoid_bce_delta", a, y)
    return [aj - yj for aj, yj in zip(av, ys, strict=True)]


def sigmoid_bce_output_gradients(
    a_prev: Sequence[float], a: Sequence[float], y: Target
) -> tuple[Matrix, Vector]:
    """N003.w3: ∂L/∂w^(L) = −(y − a^(L)) a^(L−1)T and ∂L/∂b^(L) = −(y − a^(L))."""
    av, ys = _pair("sigmoid_bce_output_gradients", a, y)
    residual = [-(yj - aj) for aj, yj in zip(av, ys, strict=True)]
    return matmul(column(residual), row(a_prev)), residual


def softmax_cross_entropy_delta(a: Sequence[float], y: Target) -> Vector:
    """N004.CE: δ_i^(L) = a_i^(L) − y_i for a softmax output with cross-entropy, one-hot y.

    In general δ_i = a_i Σ_j y_j − y_i (N004.softmax applied to N004.dE); Σ_j y_j = 1 for a
    one-hot (or any probability) target, which leaves the note's a − y.
    """
    av, ys = _pair("softmax_cross_entropy_delta", a, y)
    total = math.fsum(ys)
    return [aj * total - yj for aj, yj in zip(av, ys, strict=True)]


def output_delta(
    activation: str, z: Sequence[float], a: Sequence[float], y: Target, loss: str
) -> Vector:
    """δ^(L) = ∂C/∂z^(L): σ'(z^(L)) ∘ ∂C/∂a^(L), or the notes' closed forms where they apply.

    Sigmoid with binary cross-entropy gives a − y (N003.w3) and softmax with cross-entropy
    a − y for one-hot y (N004.CE); these are also what the engine computes (its losses take the
    logarithms from the logits there), and they stay exact where a saturates.
    """
    _check_loss(loss)
    if activation == "sigmoid" and loss == "binary_cross_entropy":
        return sigmoid_bce_delta(a, y)
    if activation == "softmax" and loss == "cross_entropy":
        return softmax_cross_entropy_delta(a, y)
    return activation_backward(activation, z, COST_DERIVATIVES[loss](a, y))


# ---------------------------------------------------------------------------------------------
# Hidden layers.


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
    if activation == "softmax":
        J = softmax_jacobian(softmax(z))  # J[i][m] = ∂a_m/∂z_i
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


# ---------------------------------------------------------------------------------------------
# Note 003's matrix forms, with shapes checked as the note tracks them.


def shape(M: Matrix) -> tuple[int, int]:
    """(rows, columns) of a matrix."""
    return len(M), len(M[0]) if M else 0


def column(v: Sequence[float]) -> Matrix:
    """v as an (n, 1) matrix."""
    return [[float(x)] for x in v]


def row(v: Sequence[float]) -> Matrix:
    """v as a (1, n) matrix (v transposed, vᵀ)."""
    return [[float(x) for x in v]]


def transpose(M: Matrix) -> Matrix:
    """Mᵀ."""
    rows, cols = shape(M)
    return [[M[i][j] for i in range(rows)] for j in range(cols)]


def matmul(A: Matrix, B: Matrix) -> Matrix:
    """The matrix product AB, or a ValueError naming both shapes when they do not fit."""
    (n, m), (m2, p) = shape(A), shape(B)
    if m != m2:
        raise ValueError(f"matmul: shapes {(n, m)} and {(m2, p)} do not fit (need {m} == {m2})")
    return [[math.fsum(A[i][k] * B[k][j] for k in range(m)) for j in range(p)] for i in range(n)]


def hadamard(A: Matrix, B: Matrix) -> Matrix:
    """The element-wise product A ∘ B (003's "*"), or a ValueError when the shapes differ."""
    if shape(A) != shape(B):
        raise ValueError(f"hadamard: shapes {shape(A)} and {shape(B)} differ")
    return [[x * y for x, y in zip(ra, rb, strict=True)] for ra, rb in zip(A, B, strict=True)]


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


# ---------------------------------------------------------------------------------------------
# Learning: the whole backward pass, batches, one step of gradient descent.


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


# ---------------------------------------------------------------------------------------------
# explain: one weight's chain of factors, by hand, beside the engine's gradient.

#: How the chain rule's factor σ'(z) is written for each neuron-wise activation.
_PRIME = {"sigmoid": "σ'", "tanh": "tanh'", "relu": "relu'", "linear": "id'"}
#: Above this many terms a sum is shown by its first few and its last term.
_MAX_TERMS = 6


def _num(x: float, bracket: bool = True) -> str:
    """A factor with 4 significant digits, as the notes write them; negative ones in brackets."""
    s = f"{x:#.4g}".replace("-", "−")
    return f"({s})" if bracket and x < 0.0 else s


def _exact(x: float) -> str:
    """A result with every digit (the shortest repr, which reads back as the same float)."""
    return repr(x).replace("-", "−")


def _sum_text(terms: Sequence[str]) -> str:
    """t_0 + t_1 + ..., or its first three and last terms when there are more than _MAX_TERMS."""
    if len(terms) <= _MAX_TERMS:
        return " + ".join(terms)
    return " + ".join(terms[:3]) + f" + … + {terms[-1]}"


def _count(terms: Sequence[str]) -> str:
    """ ", n terms" for a sum _sum_text shortened, else nothing."""
    return f", {len(terms)} terms" if len(terms) > _MAX_TERMS else ""


def _cost_factor(loss: str, j: int, l: int, n_out: int) -> str:
    """∂C/∂a_j^(l) of the output layer, in the notes' notation."""
    a, y = f"a_{j}^({l})", f"y_{j}"
    return {
        "squared_error": f"2({a} − {y})",
        "mean_squared_error": f"(2/{n_out})({a} − {y})",
        "binary_cross_entropy": f"(−{y}/{a} + (1 − {y})/(1 − {a}))",
        "cross_entropy": f"(−{y}/{a})",
    }[loss]


def _delta_factors(
    W: Sequence[Matrix],
    activations: Sequence[str],
    fp: ForwardPass,
    bp: BackwardPass,
    ys: Sequence[float],
    loss: str,
    l: int,
    j: int,
) -> tuple[list[tuple[str, float]], list[str]]:
    """δ_j^(l) as factors (symbol, number) whose product it is, and lines expanding any sum."""
    L = len(W)
    act = activations[l - 1]
    if l == L:
        if act == "sigmoid" and loss == "binary_cross_entropy":
            note = "σ'(z) · ∂L/∂a = a − y (N003.w3)"
            return [(f"(a_{j}^({l}) − y_{j})", bp.delta[l][j])], [f"  where {note}"]
        if act == "softmax" and loss == "cross_entropy":
            # The closed form: ∂E/∂a_i = −y_i/a_i would divide by an a_i that rounded to 0.
            sums_to_1 = math.fsum(ys) == 1.0
            symbol = f"(a_{j}^({l}) − y_{j})" if sums_to_1 else f"(a_{j}^({l}) Σ_i y_i − y_{j})"
            note = (
                "  where Σ_i a_i(δ_ij − a_j) · (−y_i/a_i) = a_j Σ_i y_i − y_j, which is a_j − y_j "
                "for one-hot y (N004.softmax with N004.dE gives N004.CE)"
            )
            return [(symbol, bp.delta[l][j])], [note]
        if act == "softmax":
            n = len(fp.a[l])
            dC_da = COST_DERIVATIVES[loss](fp.a[l], ys)
            symbol = f"Σ_i a_i^({l})(δ_i{j} − a_{j}^({l})) ∂C/∂a_i^({l})"
            J = softmax_jacobian(fp.a[l])
            terms = [f"{_num(J[j][i])} · {_num(dC_da[i])}" for i in range(n)]
            total = _num(bp.delta[l][j], bracket=False)
            line = f"  {symbol} = {_sum_text(terms)} = {total}  (N004.softmax{_count(terms)})"
            return [(symbol, bp.delta[l][j])], [line]
        return [
            (f"{_PRIME[act]}(z_{j}^({l}))", derivative(act, fp.z[l][j])),
            (_cost_factor(loss, j, l, len(ys)), COST_DERIVATIVES[loss](fp.a[l], ys)[j]),
        ], []
    if act == "softmax":
        raise ValueError(f"explain: layer {l} is a hidden softmax layer, which MLP does not make")
    above = W[l]  # W^(l+1): row m holds w_{m,k}^(l+1)
    back = math.fsum(above[m][j] * bp.delta[l + 1][m] for m in range(len(above)))
    symbol = f"Σ_m w_{{m,{j}}}^({l + 1}) δ_m^({l + 1})"
    prime = f"{_PRIME[act]}(z_{j}^({l}))"
    slope = derivative(act, fp.z[l][j])
    terms = [f"{_num(above[m][j])} · {_num(bp.delta[l + 1][m])}" for m in range(len(above))]
    line = (
        f"  δ_{j}^({l}) = {prime} · {symbol} = {_num(slope)} · ({_sum_text(terms)}) "
        f"= {_num(slope)} · {_num(back)} = {_num(bp.delta[l][j], bracket=False)}  "
        f"(N002.6{_count(terms)}; δ^({l + 1}) from the layer above)"
    )
    return [(prime, slope), (symbol, back)], [line]


def explain(
    model: MLP,
    x: Sequence[float],
    y: Target,
    l: int,
    j: int,
    k: int | None,
    loss: str = "squared_error",
) -> str:
    """∂C/∂w_jk^(l) as the notes' chain of factors with their numbers, beside the engine's.

    With ``k=None`` it explains ∂C/∂b_j^(l) instead. The hand number comes from the notes'
    algorithm (N002.DP: N000.22 at the output layer, N002.6 and N002.18 below it); the engine's
    from building the graph and calling ``autograd.grad``. Out-of-range l, j or k raise
    IndexError, an unknown loss ValueError, each naming the value and the valid choices.
    """
    _check_loss(loss)
    param = model.b(l, j) if k is None else model.w(l, j, k)  # IndexError names the range
    W, b = read_weights(model)
    activations = read_activations(model)
    ys = _as_target(y, len(b[-1]))
    fp = forward(W, b, activations, x)
    bp = backpropagate(W, b, activations, fp, ys, loss)
    hand = bp.db[l - 1][j] if k is None else bp.dW[l - 1][j][k]

    out = model([float(v) for v in x])
    (engine,) = grad(ENGINE_LOSSES[loss](out, ys), [param])

    factors, lines = _delta_factors(W, activations, fp, bp, ys, loss, l, j)
    if k is None:
        target = f"∂C/∂b_{j}^({l})"
    else:
        target = f"∂C/∂{notation.weight(l, j, k)}"
        factors = [(f"a_{k}^({l - 1})", fp.a[l - 1][k]), *factors]
    symbols = " · ".join(s for s, _ in factors)
    numbers = " · ".join(_num(v) for _, v in factors)
    head = f"{target} = {symbols} = {numbers} = {_exact(hand)}   engine: {_exact(float(engine))}"
    return "\n".join([head, *lines])
