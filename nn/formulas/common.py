"""What the notes' formulas by hand share: their vector and matrix types, checked inputs.

The formulas (``nn.formulas.*``, gathered in ``nn.byhand``) work on plain floats: a matrix is a
list of rows, ``W[j][k]`` being w_jk^(l); a vector is a list of floats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: A vector of floats (one layer's z, a, δ or y).
Vector = list[float]
#: A matrix as a list of rows: ``W[j][k]`` is w_jk^(l), row j the weights into neuron j.
Matrix = list[list[float]]
#: A target: one float (one output) or one float per output.
Target = float | Sequence[float]


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
