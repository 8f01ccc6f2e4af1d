"""The benchmark's workloads, the same in every engine: MLP steps, a chain, random plain-op
expressions, large graphs, and the no-graph floor.

Every workload takes the engine's ``Value`` class (chainrule's or micrograd's) so that both
engines run the same operations on the same seeded numbers. The floor is the sigmoid MLP step
as per-index back-propagation on plain lists of floats, with no graph at all.
"""

from __future__ import annotations

import gc
import importlib
import itertools
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import mul
from typing import Any

from autograd import Value, compile
from autograd.compile import Compiled
from bench import minimal

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
#: The chainrule network the micrograd comparison of earlier runs was headed by.
HEADLINE = "chainrule wsum-sigmoid"
#: The random plain-op expression of point 3: this many operations of micrograd's kinds.
EXPRESSION_OPS = 100_000
#: Large graphs (point 6): the node counts whose per-op build cost is compared.
LARGE_SIZES = (1_000, 10_000, 100_000, 1_000_000)


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
    return {
        "micrograd mlp": micrograd_mlp_variant(mg_mlp, weights),
        "micrograd hand": micrograd_hand_variant(mg_value, weights),
    }


def micrograd_hand_variant(mg_value: Any, weights: Weights) -> Variant:
    """The plain-op ReLU network built by hand from micrograd's Value ops."""
    what = "by hand from micrograd Value ops, ReLU + linear output"
    return hand_variant(what, mg_value, weights, "plain", "relu", "linear")


def minimal_variant(weights: Weights) -> Variant:
    """The plain-op ReLU network built by hand from ``bench.minimal``'s Value (no checks)."""
    what = "by hand from bench.minimal's Value (no checks), ReLU + linear output"
    return hand_variant(what, minimal.Value, weights, "plain", "relu", "linear")


def micrograd_mlp_variant(mg_mlp: Any, weights: Weights) -> Variant:
    """micrograd's own ``nn.MLP`` with our weights, stepped as its users step it."""
    random.seed(SEED)  # micrograd draws its initial weights from the global generator
    model = mg_mlp(*nin_nouts(weights))
    params = list(model.parameters())
    # Its own initial weights give way to ours, so that its loss can be checked against ours.
    for p, w in zip(params, flat_weights(weights), strict=True):
        p.data = w
    what = "micrograd's nn.MLP(64, [16, 10]): ReLU + linear output"
    return Variant(what, params, model.zero_grad, model, plain_total)


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


# -- compiled steps -----------------------------------------------------------------------------


@dataclass
class CompiledVariant:
    """An MLP step through ``autograd.compile``: the model's parameters and the traced step."""

    name: str
    params: list[Value]
    compiled: Compiled
    args: list[list[float]]
    compile_seconds: float

    def step(self) -> float:
        """Zero the gradients (timed too), then the compiled forward and backward."""
        for p in self.params:
            p.grad = 0.0
        return self.compiled(*self.args)

    def grads(self) -> list[float]:
        return [p.grad for p in self.params]


def compiled_variant(variant: Variant, samples: Sequence[Sample], name: str) -> CompiledVariant:
    """``variant``'s whole loss over ``samples`` traced once, every input x an argument."""
    xs = [list(x) for x, _ in samples]
    ys = [y for _, y in samples]

    def loss(*inputs: list[Value]) -> Value:
        terms = [
            (o - t) ** 2
            for x, y in zip(inputs, ys, strict=True)
            for o, t in zip(variant.forward(x), y, strict=True)  # type: ignore[arg-type]
        ]
        return variant.total(terms)  # type: ignore[no-any-return]

    t0 = time.perf_counter()
    c = compile(loss, *xs)
    seconds = time.perf_counter() - t0
    return CompiledVariant(name, list(variant.params), c, xs, seconds)


# -- a random expression of micrograd's operations ----------------------------------------------


def expression_program(ops: int, seed: int, width: int = 1024) -> list[tuple[str, int, int]]:
    """A seeded program of about ``ops`` operations on a pool of ``width`` live values.

    Each step replaces one pool slot by an operation of two random slots. The kinds are
    micrograd's (+ − × ** relu) in forms that keep every value in [-1, 1]: (a + b)·0.5,
    (a − b)·0.5, a·b, a**2, relu(a). Products and squares shrink values, and subnormal floats
    are a hundred times slower than normal ones on most CPUs, which would time the FPU rather
    than the engines: so the program is simulated on floats while it is drawn, and a result
    below 1/4 in size is followed by steps "x4" (times 4.0) until it is in [1/4, 1]; a relu
    of a negative, or any other zero, is drawn again.
    The graph stays shallow enough, through the pool, for micrograd's recursive backward.
    """
    rng = random.Random(seed)
    pool = _expression_leaves(seed, width)
    kinds = ("add", "sub", "mul", "sq", "relu")
    cost = {"add": 2, "sub": 2, "mul": 1, "sq": 1, "relu": 1, "x4": 1}  # nodes, constants aside
    program: list[tuple[str, int, int]] = []
    made = 0
    while made < ops:
        kind, i, j = rng.choice(kinds), rng.randrange(width), rng.randrange(width)
        a, b = pool[i], pool[j]
        if kind == "add":
            r = (a + b) * 0.5
        elif kind == "sub":
            r = (a - b) * 0.5
        elif kind == "mul":
            r = a * b
        elif kind == "sq":
            r = a**2
        else:
            r = a if a > 0.0 else 0.0
        if r == 0.0:
            continue  # a zero would spread through the products: draw another step
        program.append((kind, i, j))
        made += cost[kind]
        while abs(r) < 0.25:
            r *= 4.0
            program.append(("x4", i, i))
            made += 1
        pool[i] = r
    return program


def _expression_leaves(seed: int, width: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.choice((-1.0, 1.0)) * rng.uniform(0.25, 1.0) for _ in range(width)]


def run_expression(
    value: Callable[[float], Any], program: Sequence[tuple[str, int, int]], seed: int, width: int
) -> tuple[Any, list[Any]]:
    """Build the program's graph in one engine, summed pairwise into one output; backward."""
    leaves = [value(x) for x in _expression_leaves(seed, width)]
    pool = list(leaves)
    for kind, i, j in program:
        a, b = pool[i], pool[j]
        if kind == "add":
            pool[i] = (a + b) * 0.5
        elif kind == "sub":
            pool[i] = (a - b) * 0.5
        elif kind == "mul":
            pool[i] = a * b
        elif kind == "sq":
            pool[i] = a**2
        elif kind == "x4":
            pool[i] = a * 4.0
        else:
            pool[i] = a.relu()
    while len(pool) > 1:
        pool = [pool[k] + pool[k + 1] for k in range(0, len(pool) - 1, 2)] + (
            [pool[-1]] if len(pool) % 2 else []
        )
    pool[0].backward()
    return pool[0], leaves


# -- large graphs -------------------------------------------------------------------------------


def build_graph(nodes: int) -> Value:
    """A graph of about ``nodes`` chainrule Values, v := v·w + c repeated (two ops a step)."""
    w = Value(0.999)
    v = Value(1.0)
    for _ in range(nodes // 3):  # each step: a product, a constant leaf, a sum
        v = v * w + 0.001
    return v


def build_cost(nodes: int, mode: str) -> float:
    """Seconds per node to build ``build_graph(nodes)``, the collector "on", "frozen" or "off".

    "frozen": ``gc.freeze()`` first, the remedy a user can apply once a model is built (every
    object alive then is left out of the collector's passes).
    """
    gc.collect()
    if mode == "frozen":
        gc.freeze()
    if mode == "off":
        gc.disable()
    try:
        t0 = time.perf_counter()
        root = build_graph(nodes)
        seconds = time.perf_counter() - t0
    finally:
        gc.enable()
        if mode == "frozen":
            gc.unfreeze()
    del root
    gc.collect()
    return seconds / nodes


def ballast(count: int) -> list[Value]:
    """``count`` live Values, standing for a big model's parameters while a graph is built."""
    return [Value(float(k)) for k in range(count)]


# -- a training epoch ---------------------------------------------------------------------------


def training_setup() -> tuple[Any, Any, list[list[float]], list[list[float]], list[int]]:
    """``chainrule train``'s defaults: its model, optimizer and the digits' training set."""
    from nn.optim import SGD
    from nn.train import TrainConfig, build_model, load_data

    config = TrainConfig()
    train_set, _ = load_data(config)
    model = build_model(config, len(train_set.inputs[0]), 10)
    inputs = [list(map(float, x)) for x in train_set.inputs]
    return (
        model,
        SGD(model.parameters(), lr=config.lr),
        inputs,
        train_set.targets(),
        list(train_set.labels),
    )


def epoch(
    model: Any,
    optimizer: Any,
    data: tuple[list[list[float]], list[list[float]], list[int]],
    step: Any = None,
    batch_size: int = 16,
) -> float:
    """One epoch of ``nn.train.train``'s loop (no shuffle, no progress bar); the total cost.

    ``step``: an ``nn.compiled.CompiledStep`` to go through, or None for the eager loop.
    """
    from nn.compiled import train_batch
    from nn.losses import LOSSES, mean
    from nn.train import predict

    inputs, targets, labels = data
    cost = LOSSES["squared_error"]
    total = 0.0
    for start in range(0, len(inputs), batch_size):
        batch = range(start, min(start + batch_size, len(inputs)))
        optimizer.zero_grad()
        if step is None:
            outs = [model.forward(inputs[i]) for i in batch]
            loss = mean([cost(a, targets[i]) for a, i in zip(outs, batch, strict=True)])
            sum(predict(a) == labels[i] for a, i in zip(outs, batch, strict=True))
            loss.backward()
            value = loss.data
        else:
            value, _ = train_batch(
                step,
                [inputs[i] for i in batch],
                [targets[i] for i in batch],
                [labels[i] for i in batch],
            )
        optimizer.step()
        total += value * len(batch)
    return total


# -- what each timed workload calls, engine by engine -------------------------------------------

#: The workloads timed engine beside engine, and the engines each one compares.
TIMED: dict[str, tuple[str, ...]] = {
    "step": ("floor", "chainrule", "compiled", "micrograd"),
    "batch": ("floor", "chainrule", "compiled", "micrograd"),
    "step-plain": ("chainrule", "compiled", "micrograd", "minimal"),
    "expression": ("chainrule", "micrograd", "minimal"),
}
#: The width of the random expression's pool of live values.
EXPRESSION_WIDTH = 1024


def timed_call(workload: str, engine: str, expression_ops: int) -> Callable[[], float]:
    """The call that ``workload`` times for ``engine``, built from nothing but the seeds.

    Each returns the number it computed (the loss, the expression's value), so that whoever
    runs it can check that it is the computation that was checked against the other engines.
    A worker process builds only its own engine's objects with this, so that what it times
    runs on a heap holding nothing of the other engines'.
    """
    if engine not in TIMED.get(workload, ()):
        raise ValueError(f"no timed call for {workload!r} in {engine!r}")
    if workload == "expression":
        return _expression_call(engine, expression_ops)
    weights = make_weights(SIZES, SEED)
    if workload == "batch":
        samples = make_samples(SIZES[0], SIZES[-1], BATCH, SEED + 1)
    else:
        samples = make_samples(SIZES[0], SIZES[-1], 1, SEED)
    if engine == "floor":
        return lambda: floor_step(weights, samples)[0]
    if engine == "micrograd":
        if workload == "step-plain":
            variant = micrograd_hand_variant(
                importlib.import_module("micrograd.engine").Value, weights
            )
        else:
            variant = micrograd_mlp_variant(importlib.import_module("micrograd.nn").MLP, weights)
        return lambda: variant.step(samples)
    if engine == "minimal":
        variant = minimal_variant(weights)
        return lambda: variant.step(samples)
    if workload == "step-plain":
        style, hidden, output, what = CHAINRULE_NETS["plain-relu"]
        variant = hand_variant(what, Value, weights, style, hidden, output)
    else:
        nn_variant, reason = nn_mlp_variant(weights)
        if nn_variant is None:
            raise RuntimeError(f"chainrule's nn.MLP cannot run: {reason}")
        variant = nn_variant
    if engine == "compiled":
        return compiled_variant(variant, samples, f"compiled {workload}").step
    return lambda: variant.step(samples)


def _expression_call(engine: str, ops: int) -> Callable[[], float]:
    """The random expression built and back-propagated by ``engine``'s Value."""
    program = expression_program(ops, SEED, EXPRESSION_WIDTH)
    deep = engine == "micrograd"  # its backward recurses once per level of the graph
    if engine == "micrograd":
        value: Callable[[float], Any] = importlib.import_module("micrograd.engine").Value
    elif engine == "minimal":
        value = minimal.Value
    else:
        value = Value

    def call() -> float:
        # The limit is raised for the call alone: left raised, it would let other code of the
        # process (json's decoder, in the tests) recurse past the C stack instead of raising.
        limit = sys.getrecursionlimit()
        if deep:
            sys.setrecursionlimit(max(limit, 100_000))
        try:
            return float(run_expression(value, program, SEED, EXPRESSION_WIDTH)[0].data)
        finally:
            sys.setrecursionlimit(limit)

    return call
