"""The activation table (``nn.activations.TABLE``): every row checked against independent oracles.

``EXPECTED`` holds, for each activation, its value at a few points from its closed form
(written here, not taken from the code under test); a row of the table without an entry here,
or an entry without a row, fails ``test_every_row_has_a_test_entry``.
"""

from __future__ import annotations

import math

import pytest

from autograd import Value, central_difference
from nn.activations import (
    ACTIVATIONS,
    BY_NAME,
    INIT_GAIN,
    OUTPUT_ACTIVATIONS,
    TABLE,
    Activation,
)

ZS = (-3.0, -0.5, 0.25, 2.0)

#: Closed forms, neuron by neuron, or of the whole layer for a layer-wide activation.
EXPECTED: dict[str, tuple[bool, object]] = {
    "sigmoid": (True, lambda z: 1.0 / (1.0 + math.exp(-z))),
    "tanh": (True, math.tanh),
    "relu": (True, lambda z: max(z, 0.0)),
    "linear": (True, lambda z: z),
    "softmax": (
        False,
        lambda zs: [math.exp(z) / math.fsum(math.exp(u) for u in zs) for z in zs],
    ),
}
#: Relative tolerance: a few ulps of rounding between the engine, the hand form and the oracle.
TOL = 1e-12
#: Central differences with step 1e-6 are good to about 1e-8 relative on these smooth functions.
CD_TOL = 1e-7


def test_every_row_has_a_test_entry() -> None:
    assert sorted(EXPECTED) == sorted(BY_NAME)
    assert len(BY_NAME) == len(TABLE)  # no name twice


def test_the_lists_are_read_from_the_table() -> None:
    assert tuple(a.name for a in TABLE) == OUTPUT_ACTIVATIONS
    assert tuple(a.name for a in TABLE if EXPECTED[a.name][0]) == ACTIVATIONS
    assert {name: INIT_GAIN[name] for name in BY_NAME} == {a.name: a.init_gain for a in TABLE}


@pytest.mark.parametrize("row", TABLE, ids=lambda a: a.name)
def test_a_row_is_whole(row: Activation) -> None:
    elementwise, _ = EXPECTED[row.name]
    assert row.elementwise is elementwise
    if elementwise:
        assert row.engine
        assert row.hand
        assert row.hand_derivative
        assert row.prime
        assert row.engine_layer is None
        assert row.hand_layer is None
    else:
        assert row.engine_layer
        assert row.hand_layer
        assert row.hand_layer_backward
        assert row.hand_jacobian
        assert "{l}" in row.jacobian_text
        assert row.formula.startswith("N00")
        assert row.engine is None
        assert row.hand is None
        assert row.hand_derivative is None
    assert row.symbol
    assert row.init_gain > 0.0


@pytest.mark.parametrize("row", TABLE, ids=lambda a: a.name)
def test_engine_and_hand_agree_with_the_closed_form(row: Activation) -> None:
    elementwise, oracle = EXPECTED[row.name]
    expected = [oracle(z) for z in ZS] if elementwise else oracle(list(ZS))  # type: ignore[operator]
    engine = [a.data for a in row.apply([Value(z) for z in ZS])]
    by_hand = row.apply_by_hand(list(ZS))
    for e, x, h in zip(expected, engine, by_hand, strict=True):
        assert math.isclose(x, e, rel_tol=TOL, abs_tol=1e-300)
        assert math.isclose(h, e, rel_tol=TOL, abs_tol=1e-300)


@pytest.mark.parametrize("row", [a for a in TABLE if a.elementwise], ids=lambda a: a.name)
def test_the_derivative_is_the_slope(row: Activation) -> None:
    assert row.hand is not None
    assert row.hand_derivative is not None
    assert row.engine is not None
    for z in ZS:  # none at relu's kink, where the slope is not defined
        slope = central_difference(row.hand, z)
        assert math.isclose(row.hand_derivative(z), slope, rel_tol=CD_TOL, abs_tol=1e-9)
        v = Value(z)
        row.engine(v).backward()
        assert math.isclose(v.grad, row.hand_derivative(z), rel_tol=TOL, abs_tol=1e-300)


@pytest.mark.parametrize("row", [a for a in TABLE if not a.elementwise], ids=lambda a: a.name)
def test_a_layer_wide_jacobian_is_the_slope(row: Activation) -> None:
    assert row.hand_jacobian is not None
    assert row.hand_layer is not None
    assert row.hand_layer_backward is not None
    hand_layer = row.hand_layer
    z = list(ZS)
    J = row.hand_jacobian(z)  # J[i][m] = ∂a_m/∂z_i
    for i in range(len(z)):
        for m in range(len(z)):

            def a_m(t: float, i: int = i, m: int = m) -> float:
                return hand_layer([t if k == i else v for k, v in enumerate(z)])[m]

            slope = central_difference(a_m, z[i])
            assert math.isclose(J[i][m], slope, rel_tol=CD_TOL, abs_tol=1e-9)
    # δ = J ∂C/∂a, the product the backward pass takes.
    g = [0.5, -1.0, 2.0, 0.25]
    expected = [math.fsum(J[i][m] * g[m] for m in range(len(z))) for i in range(len(z))]
    for d, e in zip(row.hand_layer_backward(z, g), expected, strict=True):
        assert math.isclose(d, e, rel_tol=TOL, abs_tol=1e-15)
