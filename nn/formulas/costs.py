"""The costs of one example by hand: C, ∂C/∂a^(L), and the closed-form output deltas.

Plain floats (``nn.formulas.common``); each function cites its formula id (docs/notation.md).
The cost table (``nn.losses.COST_TABLE``) pairs each of them with the engine's loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nn.formulas.common import Target, Vector, _pair


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


def batch_mean(values: Sequence[float]) -> float:
    """N002.m: C = (1/m) Σ_i C_i, the cost (or any one gradient entry) over m examples.

    >>> batch_mean([1.0, 2.0])
    1.5
    """
    if not values:
        raise ValueError("batch_mean needs at least one example, got none")
    return math.fsum(values) / len(values)


def sigmoid_bce_delta(a: Sequence[float], y: Target) -> Vector:
    """N003.w3: δ^(L) = a^(L) − y for a sigmoid output with binary cross-entropy.

    003 derives it: −[y(1 − a) − (1 − y)a] = a − y; σ'(z) = a(1 − a) cancels ∂L/∂a's denominators.
    """
    av, ys = _pair("sigmoid_bce_delta", a, y)
    return [aj - yj for aj, yj in zip(av, ys, strict=True)]


def softmax_cross_entropy_delta(a: Sequence[float], y: Target) -> Vector:
    """N004.CE: δ_i^(L) = a_i^(L) − y_i for a softmax output with cross-entropy, one-hot y.

    In general δ_i = a_i Σ_j y_j − y_i (N004.softmax applied to N004.dE); Σ_j y_j = 1 for a
    one-hot (or any probability) target, which leaves the note's a − y.
    """
    av, ys = _pair("softmax_cross_entropy_delta", a, y)
    total = math.fsum(ys)
    return [aj * total - yj for aj, yj in zip(av, ys, strict=True)]
