"""bench/minimal.py, the benchmark's yardstick: the same numbers as chainrule, or it measures
nothing worth comparing.

The oracle is chainrule's engine on the same operations (the same float operations in the
same order, so the same bits) and central differences of the function on floats.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, central_difference
from bench import minimal, workloads

unit = st.floats(-2.0, 2.0, allow_nan=False)


def _expression(v: Any, a: float, b: float, c: float) -> tuple[Any, list[Any]]:
    leaves = [v(a), v(b), v(c)]
    x, y, z = leaves
    out = ((x * y - z) ** 2 + (x + 1.5) * z).relu() * 0.5 + y * y
    return out, leaves


@given(unit, unit, unit)
def test_its_values_and_gradients_are_chainrules_to_the_bit(a: float, b: float, c: float) -> None:
    mine, my_leaves = _expression(minimal.Value, a, b, c)
    theirs, their_leaves = _expression(Value, a, b, c)
    mine.backward()
    theirs.backward()
    assert mine.data.hex() == theirs.data.hex()
    for p, q in zip(my_leaves, their_leaves, strict=True):
        assert float(p.grad).hex() == float(q.grad).hex()


@given(unit, unit, unit)
def test_its_gradients_are_the_central_differences(a: float, b: float, c: float) -> None:
    # Next to relu's kink a central difference straddles it and means nothing.
    assume(abs((a * b - c) ** 2 + (a + 1.5) * c) > 1e-3)
    out, leaves = _expression(minimal.Value, a, b, c)
    out.backward()
    point = [a, b, c]
    for i, leaf in enumerate(leaves):

        def along(t: float, i: int = i) -> float:
            at = [*point[:i], t, *point[i + 1 :]]
            return float(_expression(minimal.Value, *at)[0].data)

        # The step's truncation and rounding error for these O(1) smooth terms is ~1e-9.
        want = central_difference(along, point[i])
        assert math.isclose(leaf.grad, want, rel_tol=1e-6, abs_tol=1e-6)


def test_its_plain_op_step_is_chainrules_step() -> None:
    """The benchmark's step-plain workload: loss and 1,210 gradients equal to the last bit."""
    weights = workloads.make_weights(workloads.SIZES, workloads.SEED)
    one = workloads.make_samples(workloads.SIZES[0], workloads.SIZES[-1], 1, workloads.SEED)
    least = workloads.minimal_variant(weights)
    chainrule = workloads.chainrule_variants(weights)["chainrule plain-relu"]
    assert least.step(one).hex() == chainrule.step(one).hex()
    assert [g.hex() for g in least.grads()] == [g.hex() for g in chainrule.grads()]
    assert any(g != 0.0 for g in least.grads())
