"""Smoke test of the benchmark (bench/run.py) at tiny sizes, so that the script cannot rot.

Each workload's chainrule side runs on a tiny network or graph and is checked against an
oracle that does not share its code: central differences for the floor's hand-written
back-propagation, the floor for chainrule's gradients, a closed form for the chain, a plain
float computation for the memory graph. The micrograd side runs only where micrograd is
installed (the ``bench`` extra).
"""

from __future__ import annotations

import copy
import gc
import math
import random

import pytest

from autograd import Value, central_difference
from bench import run as bench

# A network small enough for milliseconds but with every part of the real one: 2 layers, a
# hidden layer narrower than the input, several outputs.
TINY = (5, 4, 3)


@pytest.fixture
def weights() -> bench.Weights:
    return bench.make_weights(TINY, seed=7)


@pytest.fixture
def samples() -> list[bench.Sample]:
    return bench.make_samples(TINY[0], TINY[-1], count=3, seed=8)


def test_make_data_shapes_and_seeding() -> None:
    w = bench.make_weights(TINY, seed=1)
    assert [len(layer) for layer in w] == [4, 3]
    assert all(len(ws) == nin for layer, nin in zip(w, TINY, strict=False) for ws, _ in layer)
    assert bench.make_weights(TINY, seed=1) == w  # seeded: the same weights every run
    assert bench.make_weights(TINY, seed=2) != w
    for x, y in bench.make_samples(5, 3, count=4, seed=1):
        assert len(x) == 5
        assert sorted(y) == [0.0, 0.0, 1.0]  # one-hot


@pytest.mark.parametrize("count", [1, 3])
def test_floor_gradients_match_central_differences(
    weights: bench.Weights, samples: list[bench.Sample], count: int
) -> None:
    """The floor's delta recursion is independent code: check it against the loss itself."""
    data = samples[:count]
    _, grads = bench.floor_step(weights, data)
    flat = bench.flat_weights(grads)
    # One weight of each layer and one bias, by their position in the flat parameter list.
    for layer, j, k in [(0, 1, 2), (1, 2, 0), (1, 0, None)]:

        def loss(v: float, layer: int = layer, j: int = j, k: int | None = k) -> float:
            w = copy.deepcopy(weights)
            ws, _ = w[layer][j]
            if k is None:
                w[layer][j] = (ws, v)
            else:
                ws[k] = v
            return bench.floor_step(w, data)[0]

        ws, b = weights[layer][j]
        numeric = central_difference(loss, b if k is None else ws[k])
        _, g = grads[layer][j]
        analytic = g if k is None else grads[layer][j][0][k]
        # Central differences with h = 1e-6 on an O(1) smooth loss are good to ~1e-9; 1e-6
        # leaves margin while any wrong term in the recursion would be off by O(0.01) or more.
        assert math.isclose(analytic, numeric, rel_tol=1e-6, abs_tol=1e-8)
    assert len(flat) == len(bench.flat_weights(weights))


@pytest.mark.parametrize("count", [1, 3])
def test_chainrule_networks_match_the_floor(
    weights: bench.Weights, samples: list[bench.Sample], count: int
) -> None:
    data = samples[:count]
    floor_loss, floor_grads = bench.floor_step(weights, data)
    variants = bench.chainrule_variants(weights)
    for key in ("chainrule wsum-sigmoid", "chainrule plain-sigmoid"):
        loss = variants[key].step(data)
        # The floor sums left to right and uses σ' = a(1 - a); chainrule uses fsum and σ(z)σ(-z):
        # different roundings of the same numbers, ~1e-16 relative apart (see bench.REORDERED).
        assert math.isclose(loss, floor_loss, rel_tol=1e-9)
        for got, want in zip(variants[key].grads(), bench.flat_weights(floor_grads), strict=True):
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    # The report's check runs the same comparisons; it must pass on equal work.
    lines = bench.check_equal_work(variants, weights, data, "tiny")
    assert all(line.startswith("  ok:") for line in lines)


def test_check_close_rejects_different_numbers() -> None:
    assert "ok" in bench.check_close("same", [1.0, 2.0], [1.0, 2.0 + 1e-15], 1e-12, 0.0)
    with pytest.raises(bench.CheckError, match="entry 1 differs"):
        bench.check_close("off", [1.0, 2.0], [1.0, 2.001], 1e-9, 0.0)
    with pytest.raises(bench.CheckError, match="2 numbers against 1"):
        bench.check_close("short", [1.0, 2.0], [1.0], 1e-9, 0.0)


def test_chain_gradients_match_the_closed_form() -> None:
    depth = 3_000  # deeper than micrograd's recursion limit, still milliseconds
    x, w = bench.chain(Value, depth)
    # Independent closed form for x = 1: ∂(x w^d)/∂x = w^d, ∂/∂w = d w^(d-1). 3,000 roundings
    # of relative size 2^-53 each stay below 1e-12 relative.
    assert math.isclose(x.grad, bench.CHAIN_FACTOR**depth, rel_tol=1e-12)
    assert math.isclose(w.grad, depth * bench.CHAIN_FACTOR ** (depth - 1), rel_tol=1e-12)


def test_first_failure_bisects_to_the_threshold() -> None:
    calls: list[int] = []

    def fails(n: int) -> bool:
        calls.append(n)
        return n >= 993

    assert bench.first_failure(fails, 1, 100_000) == 993
    assert len(calls) <= 2 + math.ceil(math.log2(100_000))  # bisection, not a linear scan
    with pytest.raises(ValueError, match="bisection needs"):
        bench.first_failure(lambda n: True, 1, 10)
    with pytest.raises(ValueError, match="bisection needs"):
        bench.first_failure(lambda n: False, 1, 10)


def test_memory_graph_counts_every_value() -> None:
    terms = 37  # odd, so the pairwise-sum tree carries a term up a level
    mem = bench.measure_memory(Value, lambda v: v.parents, terms)
    assert mem.nodes == 4 * terms  # 2 leaves + '*' per term, terms - 1 '+', one '**2'
    # Each chainrule Value is at least an object with 8 slots (>= 80 bytes) plus its float.
    assert mem.per_node > 80
    assert mem.peak >= mem.retained
    rng = random.Random(bench.SEED)
    products = [rng.random() * rng.random() for _ in range(terms)]
    assert math.isclose(mem.root, math.fsum(products) ** 2, rel_tol=1e-12)
    assert f"{4 * terms:,} Values" in bench.describe_memory_graph(terms)


def test_measure_and_formatting() -> None:
    t = bench.measure(lambda: sum(range(100)), repeats=3, min_time=0.001)
    assert 0.0 < t.best <= t.median <= t.worst
    assert t.number >= 1
    assert bench.measure_without_gc(lambda: sum(range(100)), repeats=2, number=3) > 0.0
    assert gc.isenabled()  # the diagnostic must hand the collector back on
    assert bench.fmt_time(0.0123) == "12.3 ms"
    assert bench.fmt_time(2.5e-5) == "25 µs"
    assert bench.fmt_ratio(12.345) == "12.3x"


def _timing(seconds: float) -> bench.Timing:
    return bench.Timing(seconds, seconds, seconds, 1)


def test_targets_are_judged_from_the_ratios() -> None:
    res = bench.Results()
    res.times = {
        ("micrograd mlp", "step"): _timing(6e-3),
        (bench.HEADLINE, "step"): _timing(5e-4),  # 12x: meets 10x
        ("floor", "step"): _timing(5e-5),  # chainrule 10x the floor: misses 5x
        ("micrograd mlp", "batch"): _timing(1.0),
        (bench.HEADLINE, "batch"): _timing(0.1),  # 10x: misses 20x
        ("floor", "batch"): _timing(0.05),  # 2x the floor: meets 5x
    }
    res.memory = {
        "chainrule": bench.Memory(100, 25_000, 30_000, 1.0),
        "micrograd": bench.Memory(100, 60_000, 70_000, 1.0),  # 2.4x: misses 3x
    }
    met = [m for _, _, m in bench.targets(res)]
    assert met == [True, False, False, False, True]
    rows = bench.speed_rows(res)
    assert rows[0][1:] == ("6 ms", "500 µs", "12x")
    assert rows[-2][1:] == ("600 B", "250 B", "2.4x")
    table = bench.markdown_table(["a", "b"], [("1", "2")])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | 2 |"]


def test_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--help"])
    assert exit_info.value.code == 0
    assert "--quick" in capsys.readouterr().out


def test_micrograd_computes_the_same_relu_network(
    weights: bench.Weights, samples: list[bench.Sample]
) -> None:
    mg_engine = pytest.importorskip("micrograd.engine")
    mg_nn = pytest.importorskip("micrograd.nn")
    variants = bench.chainrule_variants(weights)
    variants.update(bench.micrograd_variants(mg_engine.Value, mg_nn.MLP, weights))
    # Both ReLU nets do the same float operations in the same order: equal to the last bits.
    mg_loss = variants["micrograd mlp"].step(samples)
    assert math.isclose(variants["chainrule plain-relu"].step(samples), mg_loss, rel_tol=1e-12)
    lines = bench.check_equal_work(variants, weights, samples, "tiny")
    assert sum("ReLU" in line for line in lines) == 6  # 3 comparisons, loss and gradients each


def test_micrograd_chain_fails_only_when_deep() -> None:
    pytest.importorskip("micrograd")
    assert not bench.micrograd_chain_fails(50)
    assert bench.micrograd_chain_fails(50_000)  # far beyond any default recursion limit


def test_nn_mlp_is_timed_with_our_weights_or_reported(
    weights: bench.Weights, samples: list[bench.Sample]
) -> None:
    variant, reason = bench.nn_mlp_variant(weights)
    if variant is None:
        assert reason  # nn.MLP is missing or broken: the bench says why instead of crashing
        return
    assert reason == ""
    # Our seeded weights were copied in, in the contract's parameter order.
    assert [p.data for p in variant.params] == bench.flat_weights(weights)
    assert math.isfinite(variant.step(samples))
