"""The activations by hand and their derivatives: σ, tanh, relu, linear and softmax.

Plain floats; each cites its formula id (docs/notation.md). The activation table
(``nn.activations.TABLE``) pairs each with the engine's function.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nn.formulas.common import Matrix, Vector


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


def softmax_layer_backward(z: Sequence[float], dC_da: Sequence[float]) -> Vector:
    """δ^(l) of a softmax layer from its z^(l): ``softmax_backward`` at a = softmax(z)."""
    return softmax_backward(softmax(z), dC_da)


def softmax_layer_jacobian(z: Sequence[float]) -> Matrix:
    """J[i][j] = ∂a_j/∂z_i of a softmax layer, from its z (``softmax_jacobian`` at softmax(z))."""
    return softmax_jacobian(softmax(z))
