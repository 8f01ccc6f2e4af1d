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
from bench import measure, report, run, workloads

# A network small enough for milliseconds but with every part of the real one: 2 layers, a
# hidden layer narrower than the input, several outputs.
TINY = (5, 4, 3)


@pytest.fixture
def weights() -> workloads.Weights:
    return workloads.make_weights(TINY, seed=7)


@pytest.fixture
def samples() -> list[workloads.Sample]:
    return workloads.make_samples(TINY[0], TINY[-1], count=3, seed=8)


def test_make_data_shapes_and_seeding() -> None:
    w = workloads.make_weights(TINY, seed=1)
    assert [len(layer) for layer in w] == [4, 3]
    assert all(len(ws) == nin for layer, nin in zip(w, TINY, strict=False) for ws, _ in layer)
    assert workloads.make_weights(TINY, seed=1) == w  # seeded: the same weights every run
    assert workloads.make_weights(TINY, seed=2) != w
    for x, y in workloads.make_samples(5, 3, count=4, seed=1):
        assert len(x) == 5
        assert sorted(y) == [0.0, 0.0, 1.0]  # one-hot


@pytest.mark.parametrize("count", [1, 3])
def test_floor_gradients_match_central_differences(
    weights: workloads.Weights, samples: list[workloads.Sample], count: int
) -> None:
    """The floor's delta recursion is independent code: check it against the loss itself."""
    data = samples[:count]
    _, grads = workloads.floor_step(weights, data)
    flat = workloads.flat_weights(grads)
    # One weight of each layer and one bias, by their position in the flat parameter list.
    for layer, j, k in [(0, 1, 2), (1, 2, 0), (1, 0, None)]:

        def loss(v: float, layer: int = layer, j: int = j, k: int | None = k) -> float:
            w = copy.deepcopy(weights)
            ws, _ = w[layer][j]
            if k is None:
                w[layer][j] = (ws, v)
            else:
                ws[k] = v
            return workloads.floor_step(w, data)[0]

        ws, b = weights[layer][j]
        numeric = central_difference(loss, b if k is None else ws[k])
        _, g = grads[layer][j]
        analytic = g if k is None else grads[layer][j][0][k]
        # Central differences with h = 1e-6 on an O(1) smooth loss are good to ~1e-9; 1e-6
        # leaves margin while any wrong term in the recursion would be off by O(0.01) or more.
        assert math.isclose(analytic, numeric, rel_tol=1e-6, abs_tol=1e-8)
    assert len(flat) == len(workloads.flat_weights(weights))


@pytest.mark.parametrize("count", [1, 3])
def test_chainrule_networks_match_the_floor(
    weights: workloads.Weights, samples: list[workloads.Sample], count: int
) -> None:
    data = samples[:count]
    floor_loss, floor_grads = workloads.floor_step(weights, data)
    variants = workloads.chainrule_variants(weights)
    for key in ("chainrule wsum-sigmoid", "chainrule plain-sigmoid"):
        loss = variants[key].step(data)
        # The floor sums left to right and uses σ' = a(1 - a); chainrule uses fsum and σ(z)σ(-z):
        # different roundings of the same numbers, ~1e-16 relative apart (see measure.REORDERED).
        assert math.isclose(loss, floor_loss, rel_tol=1e-9)
        for got, want in zip(
            variants[key].grads(), workloads.flat_weights(floor_grads), strict=True
        ):
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    # The report's check runs the same comparisons; it must pass on equal work.
    lines = measure.check_equal_work(variants, weights, data, "tiny")
    assert all(line.startswith("  ok:") for line in lines)


def test_check_close_reports_the_relative_difference() -> None:
    # Gradients near 1e30 that agree to one unit in the last place differ by 1e14 absolutely.
    big = 2.0**100
    line = measure.check_close("big", [big, 1.0], [big * (1 + 2.0**-52), 1.0], 1e-12, 0.0)
    assert "largest relative difference 2.2e-16" in line


def test_check_close_rejects_different_numbers() -> None:
    assert "ok" in measure.check_close("same", [1.0, 2.0], [1.0, 2.0 + 1e-15], 1e-12, 0.0)
    with pytest.raises(measure.CheckError, match="entry 1 differs"):
        measure.check_close("off", [1.0, 2.0], [1.0, 2.001], 1e-9, 0.0)
    with pytest.raises(measure.CheckError, match="2 numbers against 1"):
        measure.check_close("short", [1.0, 2.0], [1.0], 1e-9, 0.0)


def test_chain_gradients_match_the_closed_form() -> None:
    depth = 3_000  # deeper than micrograd's recursion limit, still milliseconds
    x, w = workloads.chain(Value, depth)
    # Independent closed form for x = 1: ∂(x w^d)/∂x = w^d, ∂/∂w = d w^(d-1). 3,000 roundings
    # of relative size 2^-53 each stay below 1e-12 relative.
    assert math.isclose(x.grad, workloads.CHAIN_FACTOR**depth, rel_tol=1e-12)
    assert math.isclose(w.grad, depth * workloads.CHAIN_FACTOR ** (depth - 1), rel_tol=1e-12)


def test_first_failure_bisects_to_the_threshold() -> None:
    calls: list[int] = []

    def fails(n: int) -> bool:
        calls.append(n)
        return n >= 993

    assert measure.first_failure(fails, 1, 100_000) == 993
    assert len(calls) <= 2 + math.ceil(math.log2(100_000))  # bisection, not a linear scan
    with pytest.raises(ValueError, match="bisection needs"):
        measure.first_failure(lambda n: True, 1, 10)
    with pytest.raises(ValueError, match="bisection needs"):
        measure.first_failure(lambda n: False, 1, 10)


def test_memory_graph_counts_every_value() -> None:
    terms = 37  # odd, so the pairwise-sum tree carries a term up a level
    mem = measure.measure_memory(Value, lambda v: v.parents, terms)
    assert mem.nodes == 4 * terms  # 2 leaves + '*' per term, terms - 1 '+', one '**2'
    # Each chainrule Value is at least an object with 8 slots (>= 80 bytes) plus its float.
    assert mem.per_node > 80
    assert mem.peak >= mem.retained
    rng = random.Random(workloads.SEED)
    products = [rng.random() * rng.random() for _ in range(terms)]
    assert math.isclose(mem.root, math.fsum(products) ** 2, rel_tol=1e-12)
    assert f"{4 * terms:,} Values" in workloads.describe_memory_graph(terms)


def test_measure_and_formatting() -> None:
    for collector in (True, False):
        t = measure.measure(lambda: sum(range(100)), repeats=3, min_time=0.001, collector=collector)
        assert 0.0 < t.best <= t.median <= t.worst
        assert t.number >= 1
        assert gc.isenabled()  # the collector is handed back on, and the heap unfrozen
        assert gc.get_freeze_count() == 0
    assert t.as_dict()["min"] == t.best  # exact: the same float stored
    assert report.fmt_time(0.0123) == "12.3 ms"
    assert report.fmt_time(2.5e-5) == "25 µs"
    assert report.fmt_ratio(12.345) == "12.3x"


def _timing(seconds: float) -> dict[str, float]:
    return {"median": seconds, "min": seconds, "max": seconds, "calls": 1}


def test_targets_are_judged_from_the_ratios() -> None:
    results = run.new_results(quick=True)
    results["timings"] = {
        "step-plain/micrograd/off": _timing(3e-3),
        "step-plain/chainrule/off": _timing(1e-3),  # 3x: meets 2.5x
        "step/chainrule/on": _timing(4e-4),
        "step/floor/on": _timing(1e-4),  # 4x the floor: misses 3.5x
        "step/compiled/on": _timing(1.4e-4),  # 1.4x the floor: meets 1.5x
    }
    rows = report.target_table(results).splitlines()[2:]
    assert len(rows) == len(report.TARGETS)
    verdicts = {row.split(" | ")[0].lstrip("| "): row.split(" | ")[4] for row in rows}
    assert verdicts["3a"] == "met"
    assert verdicts["3b"] == "not measured"
    assert verdicts["3c"] == "NOT met"
    assert verdicts["4a"] == "met"
    assert "| at least 2.5x | 3x | met |" in rows[0]
    text = report.render(results)
    assert results["date"] in text
    assert "| MLP 64→16→10 step, one sample | chainrule (eager) | 400 µs (400 µs–400 µs) |" in text
    table = report.markdown_table(["a", "b"], [("1", "2")])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | 2 |"]


def test_the_documents_are_spliced_between_the_markers() -> None:
    doc = f"head\n{report.BEGIN}\nold\n{report.END}\ntail\n"
    assert report.splice(doc, "new\n") == f"head\n{report.BEGIN}\nnew\n{report.END}\ntail\n"
    with pytest.raises(ValueError, match="markers"):
        report.splice("no markers", "x")
    for path in (report.BENCH_README, report.TOP_README):
        assert report.BEGIN in path.read_text(encoding="utf-8")


def test_stored_results_are_what_the_documents_show() -> None:
    """The READMEs' tables are the rendering of bench/results.json, not typed by hand."""
    if not report.RESULTS_FILE.exists():
        pytest.skip("no bench/results.json yet: run make bench")
    text = report.render(report.load())
    for path in (report.BENCH_README, report.TOP_README):
        assert f"{report.BEGIN}\n{text}{report.END}" in path.read_text(encoding="utf-8")


def test_compiled_variant_is_the_eager_step(
    weights: workloads.Weights, samples: list[workloads.Sample]
) -> None:
    variant, reason = workloads.nn_mlp_variant(weights)
    assert variant is not None, reason
    compiled = workloads.compiled_variant(variant, samples, "tiny")
    assert "equal to the eager step's bits" in run.check_compiled(compiled, variant, samples)
    assert compiled.compile_seconds > 0.0
    compiled.args[0][0] += 1e-12  # another input: the check must notice
    with pytest.raises(measure.CheckError, match="not the eager step bit for bit"):
        run.check_compiled(compiled, variant, samples)


def test_expression_program_stays_bounded() -> None:
    program = workloads.expression_program(2_000, seed=3, width=16)
    assert {kind for kind, _, _ in program} == {"add", "sub", "mul", "sq", "relu", "x4"}
    out, leaves = workloads.run_expression(Value, program, seed=3, width=16)
    assert math.isfinite(out.data)
    assert all(0.25 <= abs(v.data) <= 1.0 for v in leaves)
    # Every value of the pool stays in [1/4, 1] once its x4 steps are done (never subnormal,
    # which would time the FPU's slow path): rebuild on floats and look.
    pool = [v.data for v in leaves]
    for step, (kind, i, j) in enumerate(program):
        a, b = pool[i], pool[j]
        pool[i] = {
            "add": (a + b) * 0.5, "sub": (a - b) * 0.5, "mul": a * b, "sq": a**2,
            "x4": a * 4.0, "relu": max(a, 0.0),
        }[kind]  # fmt: skip
        if step + 1 == len(program) or program[step + 1][0] != "x4":
            assert 0.25 <= abs(pool[i]) <= 1.0
    # Central differences on one leaf: the expression's own gradient, independently. A short
    # program: the x4 steps make a long one too steep for a finite difference.
    program = workloads.expression_program(60, seed=3, width=16)
    out, leaves = workloads.run_expression(Value, program, seed=3, width=16)
    k = max(range(16), key=lambda i: abs(leaves[i].grad))

    def value_at(x: float) -> float:
        vals = [v.data for v in leaves]
        vals[k] = x
        given = iter(vals)

        def make(_: float) -> Value:
            return Value(next(given))

        return float(workloads.run_expression(make, program, seed=3, width=16)[0].data)

    numeric = central_difference(value_at, leaves[k].data)
    # A smooth path almost surely (no relu operand within 1e-6 of 0); 1e-5 covers the
    # difference quotient's error for an O(1) function.
    assert math.isclose(leaves[k].grad, numeric, rel_tol=1e-5, abs_tol=1e-8)


def test_build_cost_modes() -> None:
    for mode in ("on", "frozen", "off"):
        assert workloads.build_cost(300, mode) > 0.0
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0
    assert workloads.build_graph(300).data > 0.0


def test_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run.main(["--help"])
    assert exit_info.value.code == 0
    assert "--quick" in capsys.readouterr().out


def test_micrograd_computes_the_same_relu_network(
    weights: workloads.Weights, samples: list[workloads.Sample]
) -> None:
    mg_engine = pytest.importorskip("micrograd.engine")
    mg_nn = pytest.importorskip("micrograd.nn")
    variants = workloads.chainrule_variants(weights)
    variants.update(workloads.micrograd_variants(mg_engine.Value, mg_nn.MLP, weights))
    # Both ReLU nets do the same float operations in the same order: equal to the last bits.
    mg_loss = variants["micrograd mlp"].step(samples)
    assert math.isclose(variants["chainrule plain-relu"].step(samples), mg_loss, rel_tol=1e-12)
    lines = measure.check_equal_work(variants, weights, samples, "tiny")
    assert sum("ReLU" in line for line in lines) == 6  # 3 comparisons, loss and gradients each


def test_micrograd_chain_fails_only_when_deep() -> None:
    pytest.importorskip("micrograd")
    assert not measure.micrograd_chain_fails(50)
    assert measure.micrograd_chain_fails(50_000)  # far beyond any default recursion limit


def test_nn_mlp_is_timed_with_our_weights_or_reported(
    weights: workloads.Weights, samples: list[workloads.Sample]
) -> None:
    variant, reason = workloads.nn_mlp_variant(weights)
    if variant is None:
        assert reason  # nn.MLP is missing or broken: the bench says why instead of crashing
        return
    assert reason == ""
    # Our seeded weights were copied in, in the contract's parameter order.
    assert [p.data for p in variant.params] == workloads.flat_weights(weights)
    assert math.isfinite(variant.step(samples))


def test_an_epoch_through_the_compiled_step_is_the_eager_epoch() -> None:
    model, optimizer, inputs, targets, labels = workloads.training_setup()
    twin, twin_optimizer, _, _, _ = workloads.training_setup()
    data = (inputs[:40], targets[:40], labels[:40])
    eager = workloads.epoch(model, optimizer, data)
    compiled = workloads.epoch(twin, twin_optimizer, data, twin.compile_step())
    assert eager.hex() == compiled.hex()  # exactness is the point
    assert [p.data.hex() for p in model.parameters()] == [p.data.hex() for p in twin.parameters()]
