"""Speed of chainrule (eager and compiled) beside micrograd 0.1.0 and a no-graph floor.

Run ``python -m bench.run`` from the repository (``make bench`` installs micrograd first and
writes the results): ``--quick`` for a smoke run with fewer, shorter repeats, ``--write`` to
store the numbers in ``bench/results.json`` and regenerate the READMEs' tables from them,
``--profile`` to add cProfile's view of chainrule's MLP step. The workloads are in
``bench/workloads.py``, how they are timed and checked in ``bench/measure.py``, the tables in
``bench/report.py``. The checks run in this process; the timings of each workload that
compares engines run in one worker process per engine (``--worker``, started fresh, holding
only that engine's objects), driven round-robin from here: repeat 1 of every engine, then
repeat 2, and so on, with the collector on (as users run) and off (a second column).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import platform
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value
from bench import measure as m
from bench import minimal, report
from bench import workloads as w

Results = dict[str, Any]
#: Repeats of a full run. Bursts of load on a shared machine slow a repeat now and then; with
#: nine, a median stays clear of two or three of them.
REPEATS = 9


def _store(results: Results, workload: str, timings: dict[str, m.Timing]) -> None:
    """Store and print a workload's timings under "workload/engine/on|off"."""
    for key, t in timings.items():
        results["timings"][f"{workload}/{key}"] = t.as_dict()
        print(
            f"  {workload + '/' + key:28} {report.fmt_time(t.median):>9} "
            f"(min {report.fmt_time(t.best)}, max {report.fmt_time(t.worst)}, {t.number} calls)"
        )


def time_engines(
    results: Results, workload: str, expected: dict[str, float], cfg: dict[str, Any]
) -> None:
    """Time ``workload`` in each engine of ``expected``, each in its own worker, interleaved.

    ``expected``: what each engine's call computed in this process, where the checks ran; a
    worker whose warm-up call computes anything else is not timing the checked work.
    """
    runners: list[m.Runner] = []
    try:
        for engine, want in expected.items():
            runner = m.WorkerRunner(workload, engine, cfg["expression_ops"], cfg["min_time"])
            runners.append(runner)
            if runner.result.hex() != want.hex():
                raise m.CheckError(
                    f"{workload}/{engine}: the worker computed {runner.result!r}, "
                    f"the checked computation {want!r}"
                )
        timings = m.interleave(runners, cfg["repeats"])
    finally:
        for started in runners:
            started.close()
    _store(results, workload, timings)


def _bits(xs: Sequence[float]) -> list[str]:
    return [float(x).hex() for x in xs]


def check_compiled(
    compiled: w.CompiledVariant, eager: w.Variant, samples: Sequence[w.Sample]
) -> str:
    """The compiled step against the eager one it replaces: equal to the last bit, or CheckError."""
    want = eager.step(samples)
    want_grads = eager.grads()
    got = compiled.step()
    if _bits([got]) != _bits([want]) or _bits(compiled.grads()) != _bits(want_grads):
        raise m.CheckError(f"{compiled.name}: the compiled step is not the eager step bit for bit")
    return (
        f"{compiled.name}: value and {len(want_grads):,} gradients equal to the eager step's bits"
    )


def mlp_workloads(results: Results, cfg: dict[str, Any], mg: tuple[Any, Any]) -> None:
    """The MLP step and batch: micrograd's nn.MLP, chainrule's nn.MLP eager and compiled, floor."""
    weights = w.make_weights(w.SIZES, w.SEED)
    one = w.make_samples(w.SIZES[0], w.SIZES[-1], 1, w.SEED)
    batch = w.make_samples(w.SIZES[0], w.SIZES[-1], w.BATCH, w.SEED + 1)
    variants = w.chainrule_variants(weights)
    nn_variant, reason = w.nn_mlp_variant(weights)
    if nn_variant is None:
        raise m.CheckError(f"chainrule's nn.MLP cannot run: {reason}")
    variants["chainrule nn"] = nn_variant
    variants["minimal hand"] = w.minimal_variant(weights)
    if mg[0] is not None:
        variants.update(w.micrograd_variants(mg[0], mg[1], weights))
    checks = results["checks"]
    for samples, what in ((one, "1 sample"), (batch, f"batch of {w.BATCH}")):
        checks += [
            line.removeprefix("  ok: ")
            for line in m.check_equal_work(variants, weights, samples, what)
        ]
        nn_loss, floor_loss = nn_variant.step(samples), w.floor_step(weights, samples)[0]
        floor_grads = w.flat_weights(w.floor_step(weights, samples)[1])
        checks.append(
            m.check_close(
                f"{what}: nn.MLP vs floor, loss", [nn_loss], [floor_loss], *m.REORDERED
            ).removeprefix("  ok: ")
        )
        checks.append(
            m.check_close(
                f"{what}: nn.MLP vs floor, gradients", nn_variant.grads(), floor_grads, *m.REORDERED
            ).removeprefix("  ok: ")
        )
    compiled = {
        "step": w.compiled_variant(nn_variant, one, "compiled nn.MLP step"),
        "batch": w.compiled_variant(nn_variant, batch, "compiled nn.MLP batch of 32"),
        "step-plain": w.compiled_variant(
            variants["chainrule plain-relu"], one, "compiled plain-op ReLU step"
        ),
    }
    checks.append(check_compiled(compiled["step"], nn_variant, one))
    checks.append(check_compiled(compiled["batch"], nn_variant, batch))
    checks.append(check_compiled(compiled["step-plain"], variants["chainrule plain-relu"], one))
    results["compile_seconds"].update({k: c.compile_seconds for k, c in compiled.items()})
    for line in checks:
        print(f"  ok: {line}")

    print(
        "\nTiming (median, min, max over repeats; each engine in its own process, the engines "
        "of a workload interleaved):"
    )
    for size, samples in (("step", one), ("batch", batch)):
        expected = {
            "floor": w.floor_step(weights, samples)[0],
            "chainrule": nn_variant.step(samples),
            "compiled": compiled[size].step(),
        }
        if "micrograd mlp" in variants:
            expected["micrograd"] = variants["micrograd mlp"].step(samples)
        time_engines(results, size, expected, cfg)
    expected = {
        "chainrule": variants["chainrule plain-relu"].step(one),
        "compiled": compiled["step-plain"].step(),
    }
    if "micrograd hand" in variants:
        expected["micrograd"] = variants["micrograd hand"].step(one)
    expected["minimal"] = variants["minimal hand"].step(one)
    time_engines(results, "step-plain", expected, cfg)
    if cfg["profile"]:
        print(m.profile_step(nn_variant, one, 200))


def expression_workload(results: Results, cfg: dict[str, Any], mg_value: Any) -> None:
    """The random expression of micrograd's operations, built and back-propagated."""
    ops = cfg["expression_ops"]
    width = w.EXPRESSION_WIDTH
    program = w.expression_program(ops, w.SEED, width)
    print(f"\nRandom expression: {len(program):,} steps, {ops:,}+ operations, pool of {width}")
    out, leaves = w.run_expression(Value, program, w.SEED, width)
    expected = {"chainrule": float(out.data)}
    least, least_leaves = w.run_expression(minimal.Value, program, w.SEED, width)
    results["checks"] += [
        m.check_close(
            f"expression: chainrule vs bench.minimal, {what}", mine, theirs, *tolerance
        ).removeprefix("  ok: ")
        for what, mine, theirs, tolerance in (
            ("value", [out.data], [least.data], m.SAME_ORDER),
            ("gradients", [v.grad for v in leaves], [v.grad for v in least_leaves], m.REORDERED),
        )
    ]
    expected["minimal"] = float(least.data)
    del least, least_leaves
    if mg_value is not None:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 100_000))  # micrograd's backward recurses
        try:
            mg_out, mg_leaves = w.run_expression(mg_value, program, w.SEED, width)
            results["checks"].append(
                m.check_close(
                    "expression: chainrule vs micrograd, value",
                    [out.data],
                    [mg_out.data],
                    *m.SAME_ORDER,
                ).removeprefix("  ok: ")
            )
            results["checks"].append(
                m.check_close(
                    "expression: chainrule vs micrograd, gradients",
                    [v.grad for v in leaves],
                    [v.grad for v in mg_leaves],
                    *m.REORDERED,
                ).removeprefix("  ok: ")
            )
            expected["micrograd"] = float(mg_out.data)
            del mg_out, mg_leaves
        finally:
            sys.setrecursionlimit(limit)
    del out, leaves
    time_engines(results, "expression", expected, cfg)


def large_workload(results: Results, cfg: dict[str, Any]) -> None:
    """Per-node build cost of growing graphs, collector on, heap frozen first, collector off."""
    keep = w.ballast(cfg["ballast"])
    print(f"\nLarge graphs, {len(keep):,} other Values alive (a model's parameters):")
    results["large"] = {}
    for n in cfg["large_sizes"]:
        modes = {
            mode: min(w.build_cost(n, mode) for _ in range(cfg["large_repeats"]))
            for mode in ("on", "frozen", "off")
        }
        results["large"][str(n)] = modes
        print(f"  {n:>9,} nodes: " + ", ".join(f"{k} {v * 1e6:.2f} µs" for k, v in modes.items()))
    results["large_note"] = (
        f"Each size is built with {len(keep):,} other Values alive (standing for a model's "
        f"parameters), the best of {cfg['large_repeats']} builds. The graph's nodes make no "
        "reference cycles, yet every Value is tracked by the cyclic collector, whose full "
        "passes traverse every tracked object alive. `gc.freeze()` moves the objects alive "
        "when it is called (the model) out of those passes, not the graph built afterwards; "
        "`gc.disable()` around the build removes the passes altogether."
    )
    del keep


def training_workload(results: Results, cfg: dict[str, Any]) -> None:
    """An epoch of chainrule train's defaults (digits, 64-16-10 sigmoid), eager and compiled."""
    model, optimizer, inputs, targets, labels = w.training_setup()
    twin, twin_optimizer, _, _, _ = w.training_setup()
    data = (inputs, targets, labels)
    step = twin.compile_step()
    t0 = time.perf_counter()
    for y in {tuple(t) for t in data[1]}:
        # One trace per class, and the program batch training runs (not the one-example step).
        step.compiled(list(y)).generate(step=False, accumulate=True)
    results["compile_seconds"]["epoch"] = time.perf_counter() - t0
    eager_total = w.epoch(model, optimizer, data)
    compiled_total = w.epoch(twin, twin_optimizer, data, step)
    if _bits([eager_total]) != _bits([compiled_total]) or _bits(
        [p.data for p in model.parameters()]
    ) != _bits([p.data for p in twin.parameters()]):
        raise m.CheckError("an epoch through the compiled step moved the weights differently")
    results["checks"].append(
        f"one epoch of chainrule train's defaults, eager and compiled: the same cost and "
        f"{len(model.parameters()):,} weights to the last bit"
    )
    print(f"  ok: {results['checks'][-1]}")
    # Both sides are chainrule's and make no cyclic garbage: one process, interleaved.
    runners: list[m.Runner] = [
        m.LocalRunner("chainrule", lambda: w.epoch(model, optimizer, data), 0.0),
        m.LocalRunner("compiled", lambda: w.epoch(twin, twin_optimizer, data, step), 0.0),
    ]
    _store(results, "epoch", m.interleave(runners, cfg["epoch_repeats"]))


def chain_and_memory(results: Results, cfg: dict[str, Any], mg_value: Any) -> None:
    """A chain 100,000 deep (micrograd's recursive backward fails) and bytes per node."""
    x, v = w.chain(Value, w.CHAIN_DEPTH)
    results["checks"].append(
        m.check_close(
            f"chain {w.CHAIN_DEPTH:,} deep: ∂v/∂x, ∂v/∂w vs the closed form",
            [x.grad, v.grad], list(w.chain_gradients(w.CHAIN_DEPTH)), 1e-9, 0.0,
        ).removeprefix("  ok: ")
    )  # fmt: skip
    del x, v
    t = m.measure(lambda: w.chain(Value, w.CHAIN_DEPTH), cfg["repeats"], cfg["min_time"])
    results["timings"]["chain/chainrule/on"] = t.as_dict()
    results["micrograd_chain"] = "not run"
    if mg_value is not None:
        first = m.probe_micrograd_depth(w.CHAIN_DEPTH)
        results["micrograd_chain"] = (
            f"RecursionError from depth {first:,}" if isinstance(first, int) else str(first)
        )
    engines: list[tuple[str, Any, Callable[[Any], Any]]] = [
        ("chainrule", Value, lambda n: n.parents)
    ]
    if mg_value is not None:
        engines.append(("micrograd", mg_value, lambda n: n._prev))
    results["memory"] = {}
    for name, value, parents in engines:
        mem = m.measure_memory(value, parents, w.MEMORY_TERMS)
        results["memory"][name] = {
            "nodes": mem.nodes,
            "held": mem.per_node,
            "peak": mem.peak_per_node,
        }
    print(f"\nChain: {report.fmt_time(t.median)}; micrograd: {results['micrograd_chain']}")
    print(f"Memory per node: {results['memory']}")


def new_results(quick: bool) -> Results:
    cfg_note = "few repeats (--quick)" if quick else f"{REPEATS} repeats"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": m.machine().split("; garbage")[0].split(" on ", 1)[1],
        "python": f"Python {platform.python_version()} ({platform.python_implementation()})",
        "micrograd": "micrograd not run",
        "method": (
            f"Times are time.perf_counter, {cfg_note} after a warm-up call, each repeat the mean "
            "of enough calls to last a set minimum; each engine runs in a fresh process of its "
            "own, and the engines of a workload are timed round-robin (repeat 1 of each, then "
            "repeat 2 of each, ...); 'collector off' disables the garbage collector while the "
            "clock runs."
        ),
        "quick": quick,
        "timings": {},
        "checks": [],
        "compile_seconds": {},
    }


def run(quick: bool, profile: bool, large: bool = True) -> Results:
    """Run every workload, printing as it goes; return the results (see bench/report.py)."""
    cfg: dict[str, Any] = {
        "repeats": 2 if quick else REPEATS,
        "min_time": 0.01 if quick else 0.1,
        "profile": profile,
        "expression_ops": 10_000 if quick else w.EXPRESSION_OPS,
        "large_sizes": w.LARGE_SIZES[:3] if quick else w.LARGE_SIZES,
        "large_repeats": 1 if quick else 3,
        "ballast": 20_000 if quick else 200_000,
        "epoch_repeats": 2 if quick else 5,
    }
    results = new_results(quick)
    mg_value, mg_mlp, results["micrograd"] = m.load_micrograd()
    print("# chainrule benchmark" + (" (--quick: rough numbers)" if quick else ""))
    print(m.machine())
    print(results["micrograd"])
    print("\nChecks before timing:")
    mlp_workloads(results, cfg, (mg_value, mg_mlp))
    expression_workload(results, cfg, mg_value)
    chain_and_memory(results, cfg, mg_value)
    print("\nTraining (an epoch of chainrule train's defaults):")
    training_workload(results, cfg)
    if large:
        large_workload(results, cfg)
    gc.collect()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run; 0 on success, 1 if two computations disagreed."""
    parser = argparse.ArgumentParser(
        description="Benchmark chainrule (eager and compiled) against micrograd 0.1.0 and a "
        "no-graph pure-Python floor.",
    )
    parser.add_argument("--quick", action="store_true", help="few, short repeats (a smoke run)")
    parser.add_argument(
        "--write", action="store_true", help="store bench/results.json and regenerate the READMEs"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print cProfile's top costs of the MLP step"
    )
    parser.add_argument("--probe-micrograd-depth", type=int, metavar="HI", help=argparse.SUPPRESS)
    parser.add_argument(
        "--worker", nargs=3, metavar=("WORKLOAD", "ENGINE", "OPS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.worker is not None:
        # The child process of measure.WorkerRunner: its replies own stdout, anything else
        # printed goes to stderr.
        workload, engine, ops = args.worker
        replies, sys.stdout = sys.stdout, sys.stderr
        try:
            m.serve(w.timed_call(workload, engine, int(ops)), sys.stdin, replies)
        finally:
            sys.stdout = replies
        return 0
    if args.probe_micrograd_depth is not None:
        # The child process of measure.probe_micrograd_depth.
        print(m.first_failure(m.micrograd_chain_fails, 1, args.probe_micrograd_depth))
        return 0
    try:
        results = run(quick=args.quick, profile=args.profile)
    except m.CheckError as e:
        print(f"\nCHECK FAILED: {e}\nThe engines did not do the same work; no ratio would hold.")
        return 1
    print()
    print(report.render(results))
    if args.write:
        report.save(results)
        report.write_documents(results)
        print(f"wrote {report.RESULTS_FILE.name} and regenerated the READMEs' tables")
    return 0


if __name__ == "__main__":
    sys.exit(main())
