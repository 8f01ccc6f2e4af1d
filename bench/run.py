"""Speed and memory of chainrule beside micrograd 0.1.0 and beside a no-graph pure-Python floor.

Run ``python bench/run.py`` (``make bench`` installs micrograd first), ``--quick`` for a smoke
run with fewer, shorter repeats, ``--profile`` to add cProfile's view of chainrule's MLP step.
Every workload runs in this one process with the garbage collector on, as users run it:

1. one forward+backward step of an MLP 64 -> 16 -> 10 on one sample with a squared error;
2. the same network on a batch of 32 samples, their squared errors summed into one loss;
3. a chain 100,000 operations deep, built then back-propagated (micrograd's recursive backward
   raises RecursionError there; a child process finds by bisection the first depth that fails);
4. bytes per node of a 100,000-node graph built in both engines, measured with tracemalloc;
5. the floor: the same MLP step as per-index back-propagation on plain lists of floats, with no
   graph at all, which no pure-Python engine can hope to beat by much.

A time is the median over several repeats; each repeat is the mean of enough calls to last a
set minimum, after a warm-up call. Both engines get the same seeded weights and data, and the
script checks that they compute the same loss and gradients wherever the networks are the same,
so that each ratio compares equal work. It ends with Markdown tables for the README and the
project's targets, each marked met or not.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib
import io
import itertools
import math
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from operator import mul
from typing import Any

from autograd import Value

#: The network of workloads 1, 2 and 5: 64 inputs (an 8x8 digit), 16 hidden, 10 outputs.
SIZES = (64, 16, 10)
BATCH = 32
CHAIN_DEPTH = 100_000
#: The memory graph has 4 nodes per term (two leaves, their product, one addition of the
#: pairwise-sum tree) less one addition, plus the final square: 4 * 25,000 = 100,000 nodes.
MEMORY_TERMS = 25_000
SEED = 20240607
#: The chain's shared factor: w ** 100,000 = e ** 0.1, far from overflow.
CHAIN_FACTOR = 1.000001
MICROGRAD_VERSION = "0.1.0"

#: micrograd's costs measured earlier on this kind of machine (the issue's reference numbers).
REFERENCE_STEP_S = 6e-3
REFERENCE_BATCH_S = 1.1
REFERENCE_BYTES = 600.0

#: Targets: micrograd's time (or bytes per node) divided by chainrule's must reach these...
TARGET_STEP = 10.0
TARGET_BATCH = 20.0
TARGET_MEMORY = 3.0
#: ...and, in the long term, chainrule's time divided by the no-graph floor's must not exceed
#: this.
TARGET_FLOOR = 5.0

#: One neuron's parameters (w_j0..w_j(n-1), b_j); a network is a list of layers of these.
NeuronWeights = tuple[list[float], float]
Weights = list[list[NeuronWeights]]
#: One training sample: the input x and the one-hot target y.
Sample = tuple[list[float], list[float]]
#: A network's parameters as Values of one engine, laid out as Weights.
Net = list[list[tuple[list[Any], Any]]]

#: chainrule's hand-built networks: key -> (style, hidden activation, output activation, what).
CHAINRULE_NETS = {
    "wsum-sigmoid": ("wsum", "sigmoid", "sigmoid", "Value.weighted_sum, sigmoid"),
    "plain-sigmoid": ("plain", "sigmoid", "sigmoid", "plain ops sum(w*x), sigmoid"),
    "wsum-relu": ("wsum", "relu", "linear", "Value.weighted_sum, ReLU + linear output"),
    "plain-relu": ("plain", "relu", "linear", "plain ops sum(w*x), ReLU + linear output"),
}
#: The chainrule network every target is measured on.
HEADLINE = "chainrule wsum-sigmoid"


class CheckError(RuntimeError):
    """Two computations that must agree (the same work in both engines) did not."""


# -- data ---------------------------------------------------------------------------------------


def make_weights(sizes: Sequence[int], seed: int) -> Weights:
    """Seeded weights and biases drawn uniformly from [-1, 1], layer by layer."""
    rng = random.Random(seed)
    return [
        [
            ([rng.uniform(-1.0, 1.0) for _ in range(nin)], rng.uniform(-1.0, 1.0))
            for _ in range(nout)
        ]
        for nin, nout in itertools.pairwise(sizes)
    ]


def make_samples(nin: int, nout: int, count: int, seed: int) -> list[Sample]:
    """Seeded samples: inputs in [0, 1) like pixel intensities, one-hot targets."""
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        x = [rng.random() for _ in range(nin)]
        y = [0.0] * nout
        y[rng.randrange(nout)] = 1.0
        samples.append((x, y))
    return samples


def build_net(weights: Weights, value: Callable[[float], Any]) -> Net:
    """The network's parameters as Values made by ``value`` (one engine's Value class)."""
    return [[([value(w) for w in ws], value(b)) for ws, b in layer] for layer in weights]


def net_parameters(net: Net) -> list[Any]:
    """Every parameter, layer by layer and neuron by neuron: w_j0..w_j(n-1), then b_j."""
    return [p for layer in net for ws, b in layer for p in (*ws, b)]


def nin_nouts(weights: Weights) -> tuple[int, list[int]]:
    """The (nin, nouts) arguments of an MLP constructor for the shape of ``weights``."""
    return len(weights[0][0][0]), [len(layer) for layer in weights]


def flat_weights(weights: Weights) -> list[float]:
    """The numbers of ``weights`` in the order of ``net_parameters``."""
    return [p for layer in weights for ws, b in layer for p in (*ws, b)]


# -- the MLP step, in each engine and style -----------------------------------------------------


def _activate(z: Any, activation: str) -> Any:
    """The neuron's output a = f(z) for f named by ``activation`` ("linear" leaves z as is)."""
    if activation == "sigmoid":
        return z.sigmoid()
    if activation == "relu":
        return z.relu()
    return z


def plain_forward(net: Net, x: Sequence[float], hidden: str, output: str) -> list[Any]:
    """The outputs as micrograd users write them: z = sum(w_k * a_k) + b, a node per operation.

    Runs on either engine's Values, so both build the very same graph.
    """
    a: Sequence[Any] = x
    last = len(net) - 1
    for n, layer in enumerate(net):
        f = output if n == last else hidden
        a = [_activate(sum((w * ak for w, ak in zip(ws, a, strict=True)), b), f) for ws, b in layer]
    return list(a)


def wsum_forward(net: Net, x: Sequence[float], hidden: str, output: str) -> list[Any]:
    """The outputs with one ``Value.weighted_sum`` node per neuron: z_j = Σ_k w_jk a_k + b_j."""
    a: Sequence[Any] = x
    last = len(net) - 1
    for n, layer in enumerate(net):
        f = output if n == last else hidden
        a = [_activate(Value.weighted_sum(ws, a, b), f) for ws, b in layer]
    return list(a)


def plain_total(terms: list[Any]) -> Any:
    """Σ terms with Python's ``sum``: a chain of additions (starting from the int 0)."""
    return sum(terms)


def value_total(terms: list[Any]) -> Any:
    """Σ terms as one chainrule ``sum`` node."""
    return Value.sum(terms)


@dataclass
class Variant:
    """One way to run the MLP step: its parameters, zero_grad, forward and loss sum."""

    name: str
    params: list[Any]
    zero_grad: Callable[[], None]
    forward: Callable[[Sequence[float]], Sequence[Any]]
    total: Callable[[list[Any]], Any]

    def loss(self, samples: Sequence[Sample]) -> Any:
        """C = Σ_samples Σ_j (a_j - y_j)², as a node of this engine's graph."""
        forward = self.forward
        return self.total(
            [(o - t) ** 2 for x, y in samples for o, t in zip(forward(x), y, strict=True)]
        )

    def step(self, samples: Sequence[Sample]) -> float:
        """Zero the gradients, build the loss, back-propagate; return the loss."""
        self.zero_grad()
        loss = self.loss(samples)
        loss.backward()
        return float(loss.data)

    def grads(self) -> list[float]:
        """The parameters' gradients after the last step, in ``net_parameters`` order."""
        return [float(p.grad) for p in self.params]


def _zeroer(params: list[Any]) -> Callable[[], None]:
    """A zero_grad for a hand-built network: every parameter's grad back to 0."""

    def zero_grad() -> None:
        for p in params:
            p.grad = 0.0

    return zero_grad


def hand_variant(
    name: str, value: Callable[[float], Any], weights: Weights, style: str, hidden: str, output: str
) -> Variant:
    """The network built by hand from ``value``'s ops, in ``style`` "plain" or "wsum"."""
    net = build_net(weights, value)
    params = net_parameters(net)
    build = wsum_forward if style == "wsum" else plain_forward

    def forward(x: Sequence[float]) -> list[Any]:
        return build(net, x, hidden, output)

    total = value_total if style == "wsum" else plain_total
    return Variant(name, params, _zeroer(params), forward, total)


def chainrule_variants(weights: Weights) -> dict[str, Variant]:
    """chainrule's hand-built networks of ``CHAINRULE_NETS``, keyed "chainrule <key>"."""
    return {
        f"chainrule {key}": hand_variant(what, Value, weights, style, hidden, output)
        for key, (style, hidden, output, what) in CHAINRULE_NETS.items()
    }


def micrograd_variants(mg_value: Any, mg_mlp: Any, weights: Weights) -> dict[str, Variant]:
    """micrograd's networks: its own ``nn.MLP`` as users run it, and the same net by hand."""
    what = "by hand from micrograd Value ops, ReLU + linear output"
    hand = hand_variant(what, mg_value, weights, "plain", "relu", "linear")
    random.seed(SEED)  # micrograd draws its initial weights from the global generator
    model = mg_mlp(*nin_nouts(weights))
    params = list(model.parameters())
    # Its own initial weights give way to ours, so that its loss can be checked against ours.
    for p, w in zip(params, flat_weights(weights), strict=True):
        p.data = w
    what = "micrograd's nn.MLP(64, [16, 10]): ReLU + linear output"
    mlp = Variant(what, params, model.zero_grad, model, plain_total)
    return {"micrograd mlp": mlp, "micrograd hand": hand}


def nn_mlp_variant(weights: Weights) -> tuple[Variant | None, str]:
    """chainrule's own ``nn.MLP(64, [16, 10])`` with our weights, or None and why not.

    nn/ is being written alongside this benchmark, so a failure to build or run it is reported
    rather than raised.
    """
    try:
        nn = importlib.import_module("nn")
        nin, nouts = nin_nouts(weights)
        model = nn.MLP(nin, nouts, seed=SEED)
        params = list(model.parameters())
        flat = flat_weights(weights)
        if len(params) != len(flat):
            return None, f"it has {len(params)} parameters, expected {len(flat)}"
        for p, w in zip(params, flat, strict=True):
            p.data = w
        variant = Variant("nn.MLP(64, [16, 10])", params, _zeroer(params), model, value_total)
        variant.step(make_samples(nin, nouts[-1], 1, SEED))
    except Exception as e:  # whatever a module under construction raises is only reported
        return None, f"{type(e).__name__}: {e}"
    return variant, ""


# -- the floor: back-propagation by hand on lists of floats -------------------------------------


def floor_step(weights: Weights, samples: Sequence[Sample]) -> tuple[float, Weights]:
    """C = Σ (a_j - y_j)² of the all-sigmoid network, and ∂C/∂w, ∂C/∂b, with no graph.

    Forward: a^(l)_j = σ(Σ_k w_jk a^(l-1)_k + b_j). Backward, the delta recursion:
    δ^(L)_j = 2 (a_j - y_j) σ'(z_j), δ^(l-1)_k = σ'(z_k) Σ_j w_jk δ^(l)_j, with σ' = a (1 - a);
    then ∂C/∂w_jk = Σ_samples δ_j a_k and ∂C/∂b_j = Σ_samples δ_j.
    """
    exp = math.exp
    depth = len(weights)
    # Column k of each weight matrix (the w_jk that multiply a_k), for the delta recursion.
    columns = [list(zip(*[ws for ws, _ in layer], strict=True)) for layer in weights]
    inputs: list[list[list[float]]] = [[] for _ in range(depth)]  # a^(l-1), per sample
    deltas: list[list[list[float]]] = [[] for _ in range(depth)]  # δ^(l), per sample
    loss = 0.0
    for x, y in samples:
        acts = [x]
        a = x
        for layer in weights:
            # z stays within a few units for these weights, so exp(-z) cannot overflow.
            a = [1.0 / (1.0 + exp(-(b + sum(map(mul, ws, a))))) for ws, b in layer]
            acts.append(a)
        err = [aj - yj for aj, yj in zip(a, y, strict=True)]
        loss += sum([e * e for e in err])
        delta = [2.0 * e * aj * (1.0 - aj) for e, aj in zip(err, a, strict=True)]
        for n in range(depth - 1, -1, -1):
            inputs[n].append(acts[n])
            deltas[n].append(delta)
            if n:
                delta = [
                    ak * (1.0 - ak) * sum(map(mul, col, delta))
                    for ak, col in zip(acts[n], columns[n], strict=True)
                ]
    grads: Weights = []
    for n in range(depth):
        if len(samples) == 1:
            a_prev = inputs[n][0]
            grads.append([([d * ak for ak in a_prev], d) for d in deltas[n][0]])
        else:
            by_k = list(zip(*inputs[n], strict=True))  # a_k across the samples
            by_j = zip(*deltas[n], strict=True)  # δ_j across the samples
            grads.append([([sum(map(mul, d_j, a_k)) for a_k in by_k], sum(d_j)) for d_j in by_j])
    return loss, grads


# -- the deep chain -----------------------------------------------------------------------------


def chain(value: Callable[[float], Any], depth: int) -> tuple[Any, Any]:
    """Build v = x · w · w ··· w (``depth`` multiplications), back-propagate; return (x, w)."""
    x = value(1.0)
    w = value(CHAIN_FACTOR)
    v = x
    for _ in range(depth):
        v = v * w
    v.backward()
    return x, w


def chain_gradients(depth: int) -> tuple[float, float]:
    """The closed form for ``chain`` at x = 1: ∂v/∂x = w^d, ∂v/∂w = d w^(d-1)."""
    return CHAIN_FACTOR**depth, depth * CHAIN_FACTOR ** (depth - 1)


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
    cmd = [sys.executable, os.path.abspath(__file__), "--probe-micrograd-depth", str(hi)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        return f"bisection failed: {done.stderr.strip()[-200:]}"
    return int(done.stdout.split()[-1])


# -- memory -------------------------------------------------------------------------------------


def memory_graph(value: Callable[[float], Any], terms: int, seed: int) -> Any:
    """(Σ_i a_i b_i)² over ``terms`` seeded pairs of leaves, the sum a balanced tree of '+'.

    4 * terms nodes. Balanced, so that micrograd's recursive backward gets through it too.
    """
    rng = random.Random(seed)
    level = [value(rng.random()) * value(rng.random()) for _ in range(terms)]
    while len(level) > 1:
        pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            pairs.append(level[-1])
        level = pairs
    return level[0] ** 2


def describe_memory_graph(terms: int) -> str:
    """What ``memory_graph(terms)`` holds, for the output."""
    return (
        f"(Σ_i a_i·b_i)² over {terms:,} pairs of leaves, the sum a balanced tree of '+': "
        f"{2 * terms:,} leaves + {terms:,} '*' + {terms - 1:,} '+' + 1 '**2' "
        f"= {4 * terms:,} Values"
    )


def count_nodes(root: Any, parents: Callable[[Any], Iterable[Any]]) -> int:
    """How many distinct Values root's graph holds, leaves included (no recursion)."""
    seen = {root}
    stack = [root]
    while stack:
        for p in parents(stack.pop()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen)


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
    """Seconds per call: the median (the number reported), best and worst of the repeats."""

    median: float
    best: float
    worst: float
    number: int  # calls per repeat


def measure(fn: Callable[[], object], repeats: int, min_time: float) -> Timing:
    """Time ``fn``: a warm-up call, then ``repeats`` runs of enough calls to last ``min_time``."""
    gc.collect()  # no other workload's garbage is collected on this one's clock
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    number = max(1, math.ceil(min_time / max(once, 1e-9)))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return Timing(statistics.median(times), min(times), max(times), number)


def measure_without_gc(fn: Callable[[], object], repeats: int, number: int) -> float:
    """Median seconds per call of ``fn`` with the garbage collector off, ``number`` calls a repeat.

    A diagnostic of how much of a time is the collector's. Between repeats, off the clock, the
    collector runs once, so that cyclic garbage (all of micrograd's) cannot pile up.
    """
    fn()
    times = []
    try:
        for _ in range(repeats):
            gc.enable()
            gc.collect()
            gc.disable()
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            times.append((time.perf_counter() - t0) / number)
    finally:
        gc.enable()
    gc.collect()
    return statistics.median(times)


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


def fmt_time(seconds: float) -> str:
    """A duration to three significant digits in a readable unit."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_ratio(x: float) -> str:
    """A ratio such as 12.3x."""
    return f"{x:.3g}x"


# -- checks -------------------------------------------------------------------------------------


def check_close(what: str, a: Sequence[float], b: Sequence[float], rel: float, abs_: float) -> str:
    """Raise CheckError unless a and b agree entry by entry; else a line saying how closely."""
    if len(a) != len(b):
        raise CheckError(f"{what}: {len(a)} numbers against {len(b)}")
    worst = 0.0
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if not math.isclose(x, y, rel_tol=rel, abs_tol=abs_):
            raise CheckError(f"{what}: entry {i} differs: {x!r} against {y!r}")
        worst = max(worst, abs(x - y))
    count = f"{len(a)} number" + ("s" if len(a) != 1 else "")
    return f"  ok: {what} ({count}, largest difference {worst:.1e})"


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


# -- running and reporting ----------------------------------------------------------------------


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


@dataclass
class Results:
    """Everything the tables and targets are made from."""

    times: dict[tuple[str, str], Timing] = field(default_factory=dict)  # (variant, size) keys
    no_gc: dict[tuple[str, str], float] = field(default_factory=dict)  # the same, GC off
    chain: Timing | None = None
    micrograd_chain: str = "not run"
    memory: dict[str, Memory] = field(default_factory=dict)  # "chainrule", "micrograd"
    nn_reason: str = ""  # why chainrule's nn.MLP was not timed ("" if it was)

    def ratio(self, num: str, den: str, size: str) -> float | None:
        """times[num] / times[den] for one size, or None if either is missing."""
        if (num, size) not in self.times or (den, size) not in self.times:
            return None
        return self.times[num, size].median / self.times[den, size].median

    def time(self, key: str, size: str) -> str:
        """The median time of one variant, formatted; "n/a" if it was not run."""
        return fmt_time(self.times[key, size].median) if (key, size) in self.times else "n/a"


SIZE_LABELS = {"step": "MLP step", "batch": f"batch of {BATCH}"}


def speed_rows(res: Results) -> list[tuple[str, str, str, str]]:
    """The speed-up table's rows: workload, micrograd, chainrule, micrograd ÷ chainrule."""
    pairs = [
        ("micrograd nn.MLP (ReLU) vs chainrule weighted_sum (sigmoid)", "mlp", "wsum-sigmoid"),
        ("micrograd nn.MLP (ReLU) vs chainrule plain ops (sigmoid)", "mlp", "plain-sigmoid"),
        ("same ReLU net: micrograd by hand vs chainrule weighted_sum", "hand", "wsum-relu"),
        ("same ReLU net, same plain ops in both", "hand", "plain-relu"),
    ]
    if not res.nn_reason:
        pairs.append(("micrograd nn.MLP (ReLU) vs chainrule nn.MLP", "mlp", "nn"))
    rows = []
    for size, label in SIZE_LABELS.items():
        for what, mg, cr in pairs:
            mg_key, cr_key = f"micrograd {mg}", f"chainrule {cr}"
            ratio = res.ratio(mg_key, cr_key, size)
            rows.append(
                (
                    f"{label}: {what}",
                    res.time(mg_key, size),
                    res.time(cr_key, size),
                    fmt_ratio(ratio) if ratio is not None else "n/a",
                )
            )
    if res.chain is not None:
        only = "only chainrule completes" if "RecursionError" in res.micrograd_chain else "n/a"
        rows.append(
            (
                f"chain {CHAIN_DEPTH:,} deep, build + backward",
                res.micrograd_chain,
                fmt_time(res.chain.median),
                only,
            )
        )
    cr_mem, mg_mem = res.memory.get("chainrule"), res.memory.get("micrograd")
    if cr_mem is not None:
        nodes = f"{cr_mem.nodes:,}-node graph"
        for what, per in (("held after build", "per_node"), ("peak in backward", "peak_per_node")):
            cr_b = getattr(cr_mem, per)
            mg_b = getattr(mg_mem, per) if mg_mem is not None else None
            rows.append(
                (
                    f"memory per node, {nodes}, {what}",
                    f"{mg_b:.0f} B" if mg_b is not None else "n/a",
                    f"{cr_b:.0f} B",
                    fmt_ratio(mg_b / cr_b) if mg_b is not None else "n/a",
                )
            )
    return rows


def floor_rows(res: Results) -> list[tuple[str, str, str, str]]:
    """The floor table's rows: workload, floor, chainrule, chainrule ÷ floor."""
    rows = []
    for size, label in SIZE_LABELS.items():
        nets = [("wsum-sigmoid", "weighted_sum"), ("plain-sigmoid", "plain ops")]
        if not res.nn_reason:
            nets.append(("nn", "nn.MLP"))
        for key, how in nets:
            ratio = res.ratio(f"chainrule {key}", "floor", size)
            rows.append(
                (
                    f"{label} (sigmoid), chainrule {how}",
                    res.time("floor", size),
                    res.time(f"chainrule {key}", size),
                    fmt_ratio(ratio) if ratio is not None else "n/a",
                )
            )
    return rows


def targets(res: Results) -> list[tuple[str, str, bool | None]]:
    """Each target: what it asks, the measured value, and whether it is met (None: unknown)."""
    out: list[tuple[str, str, bool | None]] = []
    for size, goal in (("step", TARGET_STEP), ("batch", TARGET_BATCH)):
        r = res.ratio("micrograd mlp", HEADLINE, size)
        what = f"{SIZE_LABELS[size]} at least {goal:g}x faster than micrograd"
        out.append((what, fmt_ratio(r) if r else "n/a", r >= goal if r else None))
    cr_mem, mg_mem = res.memory.get("chainrule"), res.memory.get("micrograd")
    what = f"memory per node at most 1/{TARGET_MEMORY:g} of micrograd's"
    if cr_mem is not None and mg_mem is not None:
        r = mg_mem.per_node / cr_mem.per_node
        value = f"{cr_mem.per_node:.0f} B vs {mg_mem.per_node:.0f} B = 1/{r:.3g}"
        out.append((what, value, r >= TARGET_MEMORY))
    else:
        out.append((what, "n/a", None))
    for size in SIZE_LABELS:
        r = res.ratio(HEADLINE, "floor", size)
        what = f"(long-term aim) {SIZE_LABELS[size]} within {TARGET_FLOOR:g}x of the no-graph floor"
        out.append((what, fmt_ratio(r) if r else "n/a", r <= TARGET_FLOOR if r else None))
    return out


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(res: Results, mg_status: str) -> None:
    """Print the tables, what their networks are, and the targets."""
    print("\n## Speed and memory against micrograd (ratio = micrograd ÷ chainrule)\n")
    print(markdown_table(["workload", "micrograd 0.1.0", "chainrule", "ratio"], speed_rows(res)))
    print(
        "\nmicrograd's `nn.MLP(64, [16, 10])` is its own class used as its users would (ReLU\n"
        "hidden layer, linear output: it has no sigmoid); 'by hand' is that same network written\n"
        "with micrograd Value ops. chainrule's 'weighted_sum' nets make each z_j one\n"
        "Value.weighted_sum node; its 'plain ops' nets write sum(w * x ...) + b as micrograd\n"
        "does, node for node. Each step: zero_grad, forward, squared-error loss, backward."
    )
    if res.nn_reason:
        print(f"chainrule's nn.MLP was not timed: {res.nn_reason}")
    print("\n## Against the no-graph floor (ratio = chainrule ÷ floor)\n")
    print(markdown_table(["workload", "no-graph floor", "chainrule", "ratio"], floor_rows(res)))
    print("\n## Targets (chainrule's weighted_sum sigmoid net against micrograd's nn.MLP)\n")
    for what, value, met in targets(res):
        verdict = "unknown" if met is None else "MET" if met else "NOT MET"
        print(f"- {what}: {value}: {verdict}")
    gc_lines = []
    for size in SIZE_LABELS:
        off = res.no_gc.get(("micrograd mlp", size)), res.no_gc.get((HEADLINE, size))
        if off[0] is not None and off[1] is not None:
            gc_lines.append(
                f"{SIZE_LABELS[size]} {fmt_ratio(off[0] / off[1])} ({fmt_time(off[0])} vs "
                f"{fmt_time(off[1])})"
            )
    if gc_lines:
        print(
            "\nWith the garbage collector off (a diagnostic, not how users run), micrograd ÷ "
            "chainrule is: " + "; ".join(gc_lines) + ". micrograd's nodes are reference cycles "
            "(each one's _backward closure holds the node), so only the cyclic collector frees "
            "its graphs, and much of its time above is that collector's."
        )
    if "micrograd mlp" in {key for key, _ in res.times}:
        mg_mem = res.memory.get("micrograd")
        print(
            f"\n{mg_status} here: {res.time('micrograd mlp', 'step')} per step, "
            f"{res.time('micrograd mlp', 'batch')} per batch, "
            f"{mg_mem.per_node if mg_mem else math.nan:.0f} B per node (reference numbers "
            f"measured earlier: about {fmt_time(REFERENCE_STEP_S)}, {fmt_time(REFERENCE_BATCH_S)}, "
            f"{REFERENCE_BYTES:.0f} B)."
        )


def run(quick: bool, profile: bool) -> Results:
    """Run every workload, printing as it goes; return what the report needs."""
    repeats, min_time = (2, 0.01) if quick else (5, 0.1)
    mg_value, mg_mlp, mg_status = load_micrograd()
    print("# chainrule benchmark" + (" (--quick: few repeats, rough numbers)" if quick else ""))
    print(machine())
    print(
        f"{mg_status}. Times: time.perf_counter, median of {repeats} repeats after a warm-up "
        f"call, each repeat the mean of enough calls to last {min_time:g} s."
    )
    res = Results()
    weights = make_weights(SIZES, SEED)
    one = make_samples(SIZES[0], SIZES[-1], 1, SEED)
    batch = make_samples(SIZES[0], SIZES[-1], BATCH, SEED + 1)
    variants = chainrule_variants(weights)
    nn_variant, res.nn_reason = nn_mlp_variant(weights)
    if nn_variant is not None:
        variants["chainrule nn"] = nn_variant
    if mg_value is not None:
        variants.update(micrograd_variants(mg_value, mg_mlp, weights))

    print("\nEqual work: the compared networks compute the same numbers")
    for samples, what in ((one, "1 sample"), (batch, f"batch of {BATCH}")):
        for line in check_equal_work(variants, weights, samples, what):
            print(line)
    if nn_variant is not None:
        nn_loss = nn_variant.step(one)
        hand_loss = variants[HEADLINE].step(one)
        if math.isclose(nn_loss, hand_loss, rel_tol=REORDERED[0]):
            what = "1 sample: chainrule nn.MLP vs the hand-built weighted_sum sigmoid net"
            print(check_close(f"{what}, loss", [nn_loss], [hand_loss], *REORDERED))
            grads = nn_variant.grads(), variants[HEADLINE].grads()
            print(check_close(f"{what}, gradients", *grads, *REORDERED))
        else:
            print(
                f"  note: chainrule nn.MLP's loss {nn_loss!r} is not the hand-built sigmoid "
                f"net's {hand_loss!r}: its default activations must differ"
            )

    for size, samples in (("step", one), ("batch", batch)):
        print(f"\nTiming the {SIZE_LABELS[size]} (median, best, worst, calls per repeat):")
        runs: list[tuple[str, Callable[[], object]]] = [("floor", _floor_call(weights, samples))]
        runs += [(key, _step_call(v, samples)) for key, v in variants.items()]
        for key, fn in runs:
            t = measure(fn, repeats, min_time)
            res.times[key, size] = t
            print(
                f"  {key:24} {fmt_time(t.median):>9} {fmt_time(t.best):>9} "
                f"{fmt_time(t.worst):>9} {t.number:>5}"
            )
    print(
        "\nDiagnostic only, the garbage collector off (collected between repeats, off the clock):"
    )
    for size, samples in (("step", one), ("batch", batch)):
        for key in (HEADLINE, "micrograd mlp"):
            if key in variants:
                # A batch of micrograd garbage is ~100 MB: one call per repeat, then collect.
                number = 1 if size == "batch" else 10
                fn = _step_call(variants[key], samples)
                t_off = measure_without_gc(fn, repeats, number)
                res.no_gc[key, size] = t_off
                share = 1.0 - t_off / res.times[key, size].median
                # Below a few per cent the difference is within the timing noise.
                shown = f"{share:.0%}" if share > 0.03 else "within noise"
                print(
                    f"  {key:24} {SIZE_LABELS[size]:12} {fmt_time(t_off):>9} "
                    f"(the collector's share of the time with it on: {shown})"
                )
    split = phase_split(variants[HEADLINE], one, 20 if quick else 100)
    print(
        f"\n{HEADLINE} step by phase (median of calls): "
        + ", ".join(f"{phase} {fmt_time(t)}" for phase, t in split.items())
    )

    print(f"\nChain {CHAIN_DEPTH:,} deep: v = x·w·w···w, build + backward")
    x, w = chain(Value, CHAIN_DEPTH)
    # Each of the 100,000 products rounds once: relative error <= 1e5 * 2^-53 ~ 1e-11 < 1e-9.
    want = chain_gradients(CHAIN_DEPTH)
    print(check_close("chainrule's ∂v/∂x, ∂v/∂w vs closed form", [x.grad, w.grad], want, 1e-9, 0))
    del x, w
    res.chain = measure(lambda: chain(Value, CHAIN_DEPTH), repeats, min_time)
    print(f"  chainrule: {fmt_time(res.chain.median)} (best {fmt_time(res.chain.best)})")
    if mg_value is not None:
        try:
            chain(mg_value, CHAIN_DEPTH)
            res.micrograd_chain = "completed"
        except RecursionError:
            first = probe_micrograd_depth(CHAIN_DEPTH)
            res.micrograd_chain = "RecursionError" + (
                f" (first fails at depth {first:,})" if isinstance(first, int) else f" ({first})"
            )
        gc.collect()
        print(
            f"  micrograd: {res.micrograd_chain}; the first failing depth found by bisection in "
            f"a fresh interpreter, recursion limit {sys.getrecursionlimit()}"
        )

    print(f"\nMemory (tracemalloc) of one graph: {describe_memory_graph(MEMORY_TERMS)}")
    engines: list[tuple[str, Any, Callable[[Any], Iterable[Any]]]] = [
        ("chainrule", Value, lambda v: v.parents)
    ]
    if mg_value is not None:
        engines.append(("micrograd", mg_value, lambda v: v._prev))
    for name, value, parents in engines:
        mem = measure_memory(value, parents, MEMORY_TERMS)
        res.memory[name] = mem
        print(
            f"  {name}: {mem.nodes:,} Values, {mem.retained:,} bytes held "
            f"({mem.per_node:.0f} per node), peak in backward {mem.peak_per_node:.0f} per node"
        )
    if "micrograd" in res.memory:
        cr_mem, mg_mem = res.memory["chainrule"], res.memory["micrograd"]
        if cr_mem.nodes != mg_mem.nodes:
            raise CheckError(f"memory graphs differ: {cr_mem.nodes} vs {mg_mem.nodes} nodes")
        print(check_close("the graph's value in both engines", [cr_mem.root], [mg_mem.root], 0, 0))

    if profile:
        print(f"\ncProfile of {HEADLINE}'s step, top 15 by own time (cProfile slows it):")
        print(profile_step(variants[HEADLINE], one, 200))
    report(res, mg_status)
    return res


def _step_call(variant: Variant, samples: Sequence[Sample]) -> Callable[[], float]:
    """A no-argument call of one step, for ``measure``."""
    return lambda: variant.step(samples)


def _floor_call(weights: Weights, samples: Sequence[Sample]) -> Callable[[], object]:
    """A no-argument call of the floor's step, for ``measure``."""
    return lambda: floor_step(weights, samples)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run; 0 on success, 1 if the engines disagreed."""
    parser = argparse.ArgumentParser(
        description="Benchmark chainrule against micrograd 0.1.0 and a no-graph pure-Python "
        "floor: an MLP 64-16-10 step, a batch of 32, a 100,000-deep chain, memory per node.",
    )
    parser.add_argument("--quick", action="store_true", help="few, short repeats (a smoke run)")
    parser.add_argument(
        "--profile", action="store_true", help="also print cProfile's top costs of the MLP step"
    )
    parser.add_argument("--probe-micrograd-depth", type=int, metavar="HI", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe_micrograd_depth is not None:
        # The child process of probe_micrograd_depth.
        print(first_failure(micrograd_chain_fails, 1, args.probe_micrograd_depth))
        return 0
    try:
        run(quick=args.quick, profile=args.profile)
    except CheckError as e:
        print(f"\nCHECK FAILED: {e}\nThe engines did not do the same work; no ratio would hold.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
