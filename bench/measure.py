"""How the benchmark measures: timings with the collector on and off, memory, checks.

A timing is min, median and max over repeats, each repeat the mean of enough calls to last a
set minimum, after a warm-up call. The engines a workload compares are timed by ``interleave``
round-robin, repeat by repeat, so that a burst of load on a shared machine falls on all of
them alike; each runs in a worker process of its own (``WorkerRunner``, ``serve``), started
fresh and holding only its own engine's objects, as a user's program does: one engine's
garbage, arenas and mapped memory cannot slow or speed another's. ``measure`` times a
workload of one engine in this process, the heap frozen (``gc.freeze()``) first so that what
earlier workloads left alive costs nothing in its collections. The collector stays on, as
users run it; a second column switches it off. Checks compare what two engines computed
before any ratio between them is believed.
"""

from __future__ import annotations

import cProfile
import gc
import importlib
import io
import json
import math
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Protocol, TextIO, cast

from bench.workloads import (
    HEADLINE,
    MICROGRAD_VERSION,
    SEED,
    Sample,
    Variant,
    Weights,
    chain,
    count_nodes,
    flat_weights,
    floor_step,
    memory_graph,
)

#: The repository's root, where the worker processes run ``python -m bench.run`` from.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CheckError(RuntimeError):
    """Two computations that must agree (the same work in both engines) did not."""


def first_failure(fails: Callable[[int], bool], lo: int, hi: int) -> int:
    """The least n in (lo, hi] with fails(n), by bisection; ``fails`` must be monotone."""
    if fails(lo) or not fails(hi):
        raise ValueError(f"bisection needs fails({lo}) false and fails({hi}) true")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fails(mid):
            hi = mid
        else:
            lo = mid
    return hi


def micrograd_chain_fails(depth: int) -> bool:
    """Whether micrograd's backward raises RecursionError on a chain ``depth`` deep."""
    engine = importlib.import_module("micrograd.engine")
    try:
        chain(engine.Value, depth)
    except RecursionError:
        return True
    finally:
        gc.collect()  # its graphs are cycles (each node's closure holds the node)
    return False


def probe_micrograd_depth(hi: int) -> int | str:
    """The first chain depth at which micrograd's backward fails, or why it is unknown.

    Found in a fresh interpreter, which starts from a shallow stack with the default recursion
    limit whatever this process's stack (pytest, a profiler) looks like.
    """
    cmd = [sys.executable, "-m", "bench.run", "--probe-micrograd-depth", str(hi)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False, cwd=_ROOT)
    if done.returncode != 0 or not done.stdout.strip():
        return f"bisection failed: {done.stderr.strip()[-200:]}"
    return int(done.stdout.split()[-1])


@dataclass
class Memory:
    """What tracemalloc saw of one engine's memory graph."""

    nodes: int
    retained: int  # bytes the build allocated that the graph still holds
    peak: int  # the most bytes held at once during backward, the graph included
    root: float

    @property
    def per_node(self) -> float:
        """Retained bytes per Value."""
        return self.retained / self.nodes

    @property
    def peak_per_node(self) -> float:
        """Peak bytes per Value while back-propagating."""
        return self.peak / self.nodes


def measure_memory(
    value: Callable[[float], Any], parents: Callable[[Any], Iterable[Any]], terms: int
) -> Memory:
    """Build ``memory_graph`` under tracemalloc, then back-propagate through it."""
    gc.collect()  # earlier workloads' garbage must not be freed inside the measurement
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        root = memory_graph(value, terms, SEED)
        retained = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.reset_peak()
        root.backward()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return Memory(count_nodes(root, parents), retained, peak, float(root.data))


# -- timing -------------------------------------------------------------------------------------


@dataclass
class Timing:
    """Seconds per call over the repeats: the median (the number reported), best and worst."""

    median: float
    best: float
    worst: float
    number: int  # calls per repeat

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "min": self.best, "max": self.worst, "calls": self.number}


def measure(
    fn: Callable[[], object], repeats: int, min_time: float, collector: bool = True
) -> Timing:
    """Time ``fn``: a warm-up call, then ``repeats`` runs of enough calls to last ``min_time``.

    The heap is collected and frozen first, so that what earlier workloads left alive costs
    nothing in this one's collections. With ``collector=False`` the collector is off while the
    clock runs and collects between repeats, off the clock (micrograd's garbage is cycles).
    """
    gc.collect()
    gc.freeze()
    try:
        t0 = time.perf_counter()
        fn()
        once = time.perf_counter() - t0
        number = max(1, math.ceil(min_time / max(once, 1e-9)))
        times = [timed_repeat(fn, number, collector) for _ in range(repeats)]
    finally:
        gc.unfreeze()
    gc.collect()
    return Timing(statistics.median(times), min(times), max(times), number)


# -- interleaved timing: every engine of a workload, repeat by repeat ----------------------------


class Runner(Protocol):
    """One engine's side of a workload, ready to time: ``number`` calls per repeat."""

    name: str
    number: int
    result: float  # what the warm-up call computed

    def repeat(self, collector: bool) -> float:
        """One repeat of ``number`` calls: seconds per call."""
        ...

    def close(self) -> None:
        """Let go of whatever the runner holds (its process)."""
        ...


def calibrate(fn: Callable[[], object], min_time: float) -> tuple[int, object]:
    """A warm-up call of ``fn``; how many calls last ``min_time``, and what the call returned."""
    t0 = time.perf_counter()
    out = fn()
    once = time.perf_counter() - t0
    return max(1, math.ceil(min_time / max(once, 1e-9))), out


def timed_repeat(fn: Callable[[], object], number: int, collector: bool) -> float:
    """Seconds per call over ``number`` calls of ``fn``, the collector on or off.

    Off: the collector is switched off while the clock runs, and the garbage of the repeat
    (micrograd's graphs are cycles) is collected before and after it, off the clock, so that
    the next repeat, collector on or off, does not pay for it.
    """
    if not collector:
        gc.collect()
        gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        seconds = (time.perf_counter() - t0) / number
    finally:
        gc.enable()
    if not collector:
        gc.collect()
    return seconds


class LocalRunner:
    """An engine timed in this process (for workloads of one engine only, or in tests)."""

    def __init__(self, name: str, fn: Callable[[], float], min_time: float) -> None:
        self.name = name
        self.fn = fn
        self.number, out = calibrate(fn, min_time)
        self.result = float(cast("float", out))

    def repeat(self, collector: bool) -> float:
        return timed_repeat(self.fn, self.number, collector)

    def close(self) -> None:
        pass


class WorkerRunner:
    """An engine timed in a process of its own, which builds only that engine's objects.

    The process (``python -m bench.run --worker WORKLOAD ENGINE OPS``, see ``serve``) starts
    from a fresh interpreter, as a user's program does: no other engine's garbage, arenas or
    frozen objects are in its heap, and its collector passes walk only its own objects.
    """

    def __init__(self, workload: str, engine: str, expression_ops: int, min_time: float) -> None:
        self.name = engine
        cmd = [sys.executable, "-m", "bench.run", "--worker", workload, engine, str(expression_ops)]
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=_ROOT
        )
        reply = self._ask(f"calibrate {min_time!r}")
        self.number, self.result = int(reply["number"]), float(reply["result"])

    def _ask(self, request: str) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        if stdin is None or stdout is None:
            raise RuntimeError(f"worker {self.name} has no pipes")
        stdin.write(request + "\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            self.process.wait(timeout=60)
            raise RuntimeError(f"worker {self.name} exited ({self.process.returncode})")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def repeat(self, collector: bool) -> float:
        return float(self._ask(f"repeat {'on' if collector else 'off'}")["seconds"])

    def close(self) -> None:
        if self.process.poll() is None:
            self._ask("quit")
            self.process.wait(timeout=60)


def serve(fn: Callable[[], float], requests: TextIO, replies: TextIO) -> None:
    """A worker's loop: answer "calibrate MIN_TIME", "repeat on|off" and "quit", one JSON line
    per request, timing ``fn`` in this process."""
    number = 1
    for line in requests:
        word, *rest = line.split()
        if word == "quit":
            reply: dict[str, Any] = {"ok": True}
        elif word == "calibrate":
            number, out = calibrate(fn, float(rest[0]))
            reply = {"number": number, "result": out}
        elif word == "repeat":
            reply = {"seconds": timed_repeat(fn, number, rest[0] == "on")}
        else:
            reply = {"error": f"unknown request {word!r}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
        if word == "quit":
            return


def interleave(runners: Sequence[Runner], repeats: int) -> dict[str, Timing]:
    """Time every runner round-robin: repeat 1 of each, then repeat 2 of each, and so on.

    Each round times every runner with the collector on, then every one with it off; the
    order within a round turns by one each round, so that no engine always follows the same
    one. A burst of load on the machine then falls on every engine of the workload alike.
    Keyed "ENGINE/on" and "ENGINE/off".
    """
    times: dict[str, list[float]] = {}
    for r in range(repeats):
        shift = r % len(runners)
        order = [*runners[shift:], *runners[:shift]]
        for collector, suffix in ((True, "on"), (False, "off")):
            for runner in order:
                times.setdefault(f"{runner.name}/{suffix}", []).append(runner.repeat(collector))
    numbers = {runner.name: runner.number for runner in runners}
    return {
        key: Timing(statistics.median(ts), min(ts), max(ts), numbers[key.split("/")[0]])
        for key, ts in times.items()
    }


def phase_split(variant: Variant, samples: Sequence[Sample], calls: int) -> dict[str, float]:
    """Median seconds of each phase of one step: zero_grad, forward+loss, backward, freeing."""
    phases: dict[str, list[float]] = {"zero_grad": [], "forward": [], "backward": [], "free": []}
    variant.step(samples)
    gc.collect()
    clock = time.perf_counter
    for _ in range(calls):
        t0 = clock()
        variant.zero_grad()
        t1 = clock()
        loss = variant.loss(samples)
        t2 = clock()
        loss.backward()
        t3 = clock()
        del loss  # the graph goes here, by reference counting
        t4 = clock()
        for ts, dt in zip(phases.values(), (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            ts.append(dt)
    return {key: statistics.median(ts) for key, ts in phases.items()}


def profile_step(variant: Variant, samples: Sequence[Sample], calls: int) -> str:
    """cProfile's top 15 functions by own time over ``calls`` steps of ``variant``."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        variant.step(samples)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()


# -- checks -------------------------------------------------------------------------------------


def check_close(what: str, a: Sequence[float], b: Sequence[float], rel: float, abs_: float) -> str:
    """Raise CheckError unless a and b agree entry by entry; else a line saying how closely.

    The line gives the largest relative difference, |x − y| / max(|x|, |y|), which is what
    the tolerance bounds: an absolute one says nothing about gradients of 1e30 or of 1e-30.
    """
    if len(a) != len(b):
        raise CheckError(f"{what}: {len(a)} numbers against {len(b)}")
    worst = 0.0
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if not math.isclose(x, y, rel_tol=rel, abs_tol=abs_):
            raise CheckError(f"{what}: entry {i} differs: {x!r} against {y!r}")
        if x != y:
            worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    count = f"{len(a)} number" + ("s" if len(a) != 1 else "")
    return f"  ok: {what} ({count}, largest relative difference {worst:.1e})"


# Tolerances. SAME_ORDER: both sides do the same float operations in the same order, so they
# should agree to the last bit; 1e-12 relative leaves room for nothing but a genuine difference.
# REORDERED: chainrule's correctly rounded weighted sum against a left-to-right sum, or the
# floor's σ' = a(1 - a) against chainrule's σ(z)σ(-z), round differently; over 64-term sums of
# O(1) numbers that moves results by ~1e-15 relative, far below 1e-9, while any real error in a
# gradient (a missing term, a wrong sign) moves it by orders of magnitude more. The absolute
# 1e-12 covers gradients that are ~0 and so have no meaningful relative error.
SAME_ORDER = (1e-12, 0.0)
REORDERED = (1e-9, 1e-12)


def check_equal_work(
    variants: dict[str, Variant], weights: Weights, samples: Sequence[Sample], what: str
) -> list[str]:
    """Check that the networks compared in the tables compute the same loss and gradients."""
    runs: dict[str, tuple[float, list[float]]] = {}
    floor_loss, floor_grads = floor_step(weights, samples)
    runs["floor"] = floor_loss, flat_weights(floor_grads)

    def result(key: str) -> tuple[float, list[float]]:
        # Each network runs once per sample set: micrograd's batch takes seconds.
        if key not in runs:
            runs[key] = variants[key].step(samples), variants[key].grads()
        return runs[key]

    lines = []
    pairs = [
        (HEADLINE, "floor", "sigmoid, weighted_sum vs floor", REORDERED),
        ("chainrule plain-sigmoid", HEADLINE, "sigmoid, plain ops vs weighted_sum", REORDERED),
    ]
    if "minimal hand" in variants:
        pairs.append(
            ("minimal hand", "chainrule plain-relu", "ReLU, bench.minimal's same plain ops",
             SAME_ORDER)
        )  # fmt: skip
    if "micrograd hand" in variants:
        pairs += [
            ("micrograd hand", "chainrule plain-relu", "ReLU, same plain ops", SAME_ORDER),
            ("micrograd hand", "chainrule wsum-relu", "ReLU, by hand vs weighted_sum", REORDERED),
            ("micrograd mlp", "micrograd hand", "ReLU, nn.MLP vs by hand", SAME_ORDER),
        ]
    for a, b, label, tol in pairs:
        (loss_a, grads_a), (loss_b, grads_b) = result(a), result(b)
        lines.append(check_close(f"{what}: {label}, loss", [loss_a], [loss_b], *tol))
        lines.append(check_close(f"{what}: {label}, gradients", grads_a, grads_b, *REORDERED))
    return lines


def machine() -> str:
    """The Python and machine the numbers are measured on, and the load at the start."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}) on "
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs; "
        f"load average {load}; garbage collector {'on' if gc.isenabled() else 'OFF'}"
    )


def load_micrograd() -> tuple[Any, Any, str]:
    """micrograd's Value and MLP classes (None if absent) and a line saying which version."""
    try:
        engine = importlib.import_module("micrograd.engine")
        mg_nn = importlib.import_module("micrograd.nn")
    except ImportError:
        why = f"micrograd not installed (pip install micrograd=={MICROGRAD_VERSION}): skipped"
        return None, None, why
    version = metadata.version("micrograd")
    warn = "" if version == MICROGRAD_VERSION else f" (the targets assume {MICROGRAD_VERSION})"
    return engine.Value, mg_nn.MLP, f"micrograd {version}{warn}"
