"""bench/workloads.py's timed calls: each worker's call is the computation the checks ran."""

from __future__ import annotations

import sys

import pytest

from bench import workloads


def test_timed_calls_compute_what_the_checked_variants_compute() -> None:
    weights = workloads.make_weights(workloads.SIZES, workloads.SEED)
    one = workloads.make_samples(workloads.SIZES[0], workloads.SIZES[-1], 1, workloads.SEED)
    plain = workloads.chainrule_variants(weights)["chainrule plain-relu"]
    nn_variant, reason = workloads.nn_mlp_variant(weights)
    assert nn_variant is not None, reason
    want = {
        ("step", "floor"): workloads.floor_step(weights, one)[0],
        ("step", "chainrule"): nn_variant.step(one),
        ("step-plain", "chainrule"): plain.step(one),
        ("step-plain", "compiled"): plain.step(one),
    }
    for (workload, engine), value in want.items():
        assert workloads.timed_call(workload, engine, 1_000)().hex() == value.hex()
    # The sigmoid step and the ReLU step are different computations: the check can fail.
    assert want["step", "chainrule"] != want["step-plain", "chainrule"]


def test_every_timed_engine_has_a_call_and_others_are_refused() -> None:
    assert set(workloads.TIMED) == {"step", "batch", "step-plain", "expression"}
    assert workloads.timed_call("expression", "chainrule", 200)() != 0.0
    with pytest.raises(ValueError, match="no timed call"):
        workloads.timed_call("step-plain", "floor", 1_000)
    with pytest.raises(ValueError, match="no timed call"):
        workloads.timed_call("epoch", "chainrule", 1_000)


def test_micrograd_timed_calls_match_chainrule_plain_ops() -> None:
    pytest.importorskip("micrograd")
    chainrule = workloads.timed_call("step-plain", "chainrule", 1_000)()
    assert workloads.timed_call("step-plain", "micrograd", 1_000)().hex() == chainrule.hex()
    chainrule_expr = workloads.timed_call("expression", "chainrule", 500)()
    assert workloads.timed_call("expression", "micrograd", 500)() == chainrule_expr


def test_a_timed_call_leaves_the_recursion_limit_as_it_was() -> None:
    """micrograd's expression needs a deep stack for its call only, not for the whole process.

    Left raised, the limit let json's decoder in a later test recurse through the C stack (a
    segmentation fault) where it raises RecursionError at the default.
    """
    pytest.importorskip("micrograd")
    before = sys.getrecursionlimit()
    call = workloads.timed_call("expression", "micrograd", 200)
    assert sys.getrecursionlimit() == before
    assert call() != 0.0
    assert sys.getrecursionlimit() == before
