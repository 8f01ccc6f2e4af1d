"""Tests of ``nn.micrograd``: micrograd's networks, its demo and its graph drawing, unchanged.

The oracles: the global ``random`` generator replayed by hand (micrograd draws one
``uniform(-1, 1)`` per weight, in order, and nothing for a bias), relu(w · x + b) written with
floats, central differences of the demo's loss, and micrograd itself (0.1.0, in the ``test``
extra so that CI always has it), run side by side for the demo's whole training.

micrograd's ``demo.ipynb`` and ``trace_graph.ipynb`` are re-told here in our own code, from
what they do: the demo trains ``MLP(2, [16, 16, 1])`` on 100 two-moons points labelled ±1 with
the SVM max-margin loss mean(relu(1 − y·score)), an L2 penalty 1e-4 · Σ p², and plain gradient
descent with the learning rate falling from 1.0 to 0.1 over 100 steps; the notebook's
``draw_dot`` builds a ``graphviz.Digraph`` with one record ``{ data | grad }`` per value and
one small node per operation.
"""

from __future__ import annotations

import gc
import math
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import graphviz
import pytest

import nn
import viz
from autograd import Value, no_grad
from autograd.check import central_difference
from nn.datasets import Dataset, make_moons
from nn.micrograd import MLP, Layer, Module, Neuron
from viz import Digraph  # was: from graphviz import Digraph

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# -- the networks ---------------------------------------------------------------------------


def test_module_is_nn_module() -> None:
    # One Module class: micrograd-style networks and nn's share zero_grad and parameters.
    assert Module is nn.Module
    assert issubclass(MLP, nn.Module)


def test_seed_gives_the_weights_random_draws_in_order() -> None:
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    random.seed(1337)
    params = model.parameters()
    for layer_in, layer in zip([2, 16, 16], model.layers, strict=True):
        for neuron in layer.neurons:
            expected = [random.uniform(-1, 1) for _ in range(layer_in)]
            # Exactness is the point: the very same draws, so == on floats.
            assert [w.data for w in neuron.w] == expected
            assert neuron.b.data == 0.0
    assert len(params) == 16 * 3 + 16 * 17 + 17
    # Building the network consumed exactly one draw per weight, no more.
    random.seed(1337)
    for _ in range(16 * 2 + 16 * 16 + 16):
        random.random()
    after_weights = random.random()
    random.seed(1337)
    MLP(2, [16, 16, 1])
    assert random.random() == after_weights


def test_neuron_is_relu_of_the_weighted_sum_or_linear() -> None:
    random.seed(7)
    relu_neuron = Neuron(3)
    linear_neuron = Neuron(3, nonlin=False)
    relu_neuron.b.data = 0.25
    x = [0.5, -2.0, 3.0]
    cases: list[tuple[Neuron, Callable[[float], float]]] = [
        (relu_neuron, lambda z: max(z, 0.0)),
        (linear_neuron, lambda z: z),
    ]
    for neuron, act in cases:
        z = math.fsum([w.data * xi for w, xi in zip(neuron.w, x, strict=True)]) + neuron.b.data
        out = neuron(x)
        assert isinstance(out, Value)
        # One rounding apart at most (the engine sums with fsum, the oracle adds b after).
        assert out.data == pytest.approx(act(z), rel=1e-15, abs=1e-15)
    assert repr(relu_neuron) == "ReLUNeuron(3)"
    assert repr(linear_neuron) == "LinearNeuron(3)"


def test_relu_neuron_passes_gradient_only_when_active() -> None:
    neuron = Neuron(2)
    neuron.w[0].data, neuron.w[1].data = 1.0, -1.0
    for x, active in (([2.0, 1.0], True), ([1.0, 2.0], False)):
        neuron.zero_grad()
        neuron(x).backward()
        # ∂a/∂w_k = x_k where z > 0, 0 where z < 0; ∂a/∂b = 1 or 0.
        assert [p.grad for p in neuron.parameters()] == ([*x, 1.0] if active else [0.0] * 3)


def test_layer_takes_neuron_kwargs_and_unwraps_one_output() -> None:
    layer = Layer(2, 3, nonlin=False)
    assert all(not n.nonlin for n in layer.neurons)
    out = layer([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 3
    single = Layer(2, 1)([1.0, 2.0])
    assert isinstance(single, Value)
    assert repr(Layer(1, 2)) == "Layer of [ReLUNeuron(1), ReLUNeuron(1)]"


def test_mlp_has_relu_hidden_layers_and_a_linear_output() -> None:
    model = MLP(3, [4, 5, 2])
    assert [[n.nonlin for n in layer.neurons] for layer in model.layers] == [
        [True] * 4,
        [True] * 5,
        [False] * 2,
    ]
    out = model([1.0, 0.0, -1.0])
    assert isinstance(out, list)
    assert len(out) == 2
    # A one-neuron hidden layer feeds the next layer (its Value is one input).
    narrow = MLP(2, [1, 3, 1])
    assert isinstance(narrow([0.5, 0.5]), Value)


def test_mlp_forward_matches_the_formula_with_floats() -> None:
    random.seed(3)
    model = MLP(2, [3, 2, 1])
    x = [0.7, -1.3]
    a = x
    for layer in model.layers:
        z = [
            math.fsum([w.data * ai for w, ai in zip(n.w, a, strict=True)]) + n.b.data
            for n in layer.neurons
        ]
        a = [max(zi, 0.0) if n.nonlin else zi for zi, n in zip(z, layer.neurons, strict=True)]
    out = model(x)
    assert isinstance(out, Value)
    # A few roundings through three layers of weights below 1 in size.
    assert out.data == pytest.approx(a[0], rel=1e-12, abs=1e-12)


def test_zero_grad_resets_every_parameter() -> None:
    model = MLP(2, [3, 1])
    out = model([1.0, 1.0])
    assert isinstance(out, Value)
    (out * out + 1.0).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Neuron(0), "nin must be >= 1"),
        (lambda: Neuron(2.5), "nin must be an int"),  # type: ignore[arg-type]
        (lambda: Layer(2, 0), "nout must be >= 1"),
        (lambda: MLP(2, []), "non-empty list"),
        (lambda: Neuron(2)([1.0, 2.0, 3.0]), "has 2 inputs, got 3"),
        (lambda: MLP(2, [3, 1])([1.0]), "has 2 inputs, got 1"),
    ],
)
def test_bad_sizes_and_inputs_are_named(make: Callable[[], object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        make()


# -- demo.ipynb -----------------------------------------------------------------------------

#: The demo's 100 points with noise 0.1 (ours: the demo's come from scikit-learn's make_moons,
#: the same construction with NumPy's random numbers).
MOONS = make_moons(100, noise=0.1, seed=0)
STEPS = 100
ALPHA = 1e-4


def demo_loss(model: Any, value: Any, data: Dataset) -> tuple[Any, float]:
    """(total loss, accuracy) of the demo: max-margin loss on labels ±1 plus 1e-4 · Σ p²."""
    inputs = [[value(x) for x in row] for row in data.inputs]
    ys = [2 * c - 1 for c in data.labels]
    scores = [model(x) for x in inputs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    hits = [(y > 0) == (s.data > 0) for y, s in zip(ys, scores, strict=True)]
    return data_loss + reg_loss, sum(hits) / len(hits)


def demo_steps(
    model: Any,
    value: Any,
    data: Dataset,
    steps: int,
    backward: Callable[[Any], None] = lambda total: total.backward(),
) -> Iterator[tuple[float, float]]:
    """The demo's training loop: yields (loss, accuracy) before each step's update."""
    for k in range(steps):
        total, accuracy = demo_loss(model, value, data)
        model.zero_grad()
        backward(total)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        yield total.data, accuracy


def test_demo_gradients_are_the_central_differences_of_its_loss() -> None:
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    data = MOONS.subset(range(20))
    total, _ = demo_loss(model, Value, data)
    total.backward()
    params = model.parameters()
    rng = random.Random(0)
    for i in rng.sample(range(len(params)), 12):
        p = params[i]

        def f(x: float, p: Value = p) -> float:
            saved, p.data = p.data, x
            with no_grad():
                loss = demo_loss(model, Value, data)[0].data
            p.data = saved
            return float(loss)

        # The loss is piecewise quadratic in one weight; away from a kink the difference is
        # exact up to rounding (~1e-16 / 1e-6), so 1e-7 separates a wrong gradient.
        assert p.grad == pytest.approx(central_difference(f, p.data), abs=1e-7)


def micrograd_order(root: Any) -> list[Any]:
    """Every value behind ``root``, each after its ``_prev``: micrograd's depth-first order.

    micrograd's ``backward`` builds its order by recursion, visiting each node's ``_prev`` set
    in iteration order and appending the node after them; this is the same walk with a stack
    (so the same order, the same sets being iterated), which no graph depth can overflow.
    """
    order: list[Any] = []
    seen = {root}  # micrograd's values hash by identity, as in its own visited set
    stack = [(root, iter(root._prev))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(child._prev)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _nothing() -> None:
    pass


def micrograd_backward(root: Any) -> None:
    """micrograd's ``root.backward()``, with the graph left for reference counting to free.

    The same steps as micrograd's: its order, the root's grad set to 1, then each node's own
    ``_backward`` closure (micrograd's chain rule for that operation) in reverse order. What
    differs is what is left behind. micrograd's closures refer to the node that holds them, and
    its ``backward`` keeps its order in a recursive inner function that refers to itself: every
    step's graph (some 450,000 objects here) is then garbage only the cycle collector can free.
    With the collector on, its repeated passes over the growing graph make the demo's 100 steps
    take about four minutes; with it off, they hold 5 GB. So this replaces each closure, once
    used, by a function that refers to nothing, and keeps the order in a plain list.
    """
    order = micrograd_order(root)
    root.grad = 1
    for node in reversed(order):
        node._backward()
        node._backward = _nothing


def test_micrograd_backward_here_is_micrograds_own() -> None:
    mg_engine, mg_nn = _micrograd()
    random.seed(1337)
    model = mg_nn.MLP(2, [16, 16, 1])
    total, _ = demo_loss(model, mg_engine.Value, MOONS.subset(range(10)))
    total.backward()
    nodes = micrograd_order(total)
    theirs = [v.grad for v in nodes]
    for v in nodes:
        v.grad = 0
    micrograd_backward(total)
    # On the same graph both add the same products in the same order: exactly equal floats.
    assert [v.grad for v in nodes] == theirs
    assert any(g != 0 for g in theirs)
    # Nothing behind the root refers back to it any more: the graph is freed when dropped.
    assert all(v._backward is _nothing for v in nodes)


def _micrograd() -> tuple[ModuleType, ModuleType]:
    # In the test extra (pyproject.toml), so CI always compares: an import error, not a skip.
    import micrograd.engine
    import micrograd.nn

    return micrograd.engine, micrograd.nn


def test_demo_trains_like_micrograd_for_all_its_steps() -> None:
    """micrograd's demo.ipynb, all 100 steps on the 100 moons, in both engines side by side.

    micrograd is the oracle: the same starting weights (the same seed), then at every step the
    same loss and the same accuracy, and at the end the same weights and the same accuracy.
    The test takes about 30 s on two shared cores, micrograd's 100 steps nearly all of it
    (chainrule's take 3 to 5 s): the price of comparing the whole run rather than its start.
    So they run once, in this one test, which also holds the checks of chainrule's own run (no
    second run elsewhere). The cycle
    collector is off while they run: with it on, its passes over each step's live graph take
    minutes (micrograd_backward above says why the graphs are still freed). chainrule's graphs
    hold no cycles, so its run goes without the collector too: with it, the collector's passes
    over the whole test session's heap cost seconds more.
    """
    mg_engine, mg_nn = _micrograd()
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = mg_nn.MLP(2, [16, 16, 1])
    # Same seed, same draws: the very same starting weights, so == on floats.
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    gc.collect()
    gc.disable()
    try:
        ours_run = list(demo_steps(ours, Value, MOONS, STEPS))
        theirs_run = list(demo_steps(theirs, mg_engine.Value, MOONS, STEPS, micrograd_backward))
        # Neither run left a cycle behind: each step's graph went as soon as it was dropped.
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert len(ours_run) == len(theirs_run) == STEPS
    for k, ((loss, acc), (mg_loss, mg_acc)) in enumerate(zip(ours_run, theirs_run, strict=True)):
        # The two engines add the same terms in different orders (one fsum per neuron and for
        # each sum() of the demo, against micrograd's chain of +; its backward visits nodes in
        # an order that follows their addresses): each step's loss differs by a few roundings,
        # and the steps carry that through the weights. Over the whole run the losses stayed
        # within 6e-15 relative of each other when measured; 1e-12 leaves room, and a wrong
        # gradient moves the loss by far more after one step.
        assert loss == pytest.approx(mg_loss, rel=1e-12), f"step {k}"
        assert acc == mg_acc, f"step {k}"
    final_loss, final_accuracy = demo_loss(ours, Value, MOONS)
    mg_final_loss, mg_final_accuracy = demo_loss(theirs, mg_engine.Value, MOONS)
    assert final_accuracy == mg_final_accuracy
    assert final_loss.data == pytest.approx(mg_final_loss.data, rel=1e-12)
    # The run learned: micrograd's demo separates its moons, and the loss falls tenfold.
    assert final_loss.data < ours_run[0][0] / 10
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        # The weights carry the same few roundings as the losses (measured: 1.4e-14 relative,
        # 9e-16 absolute for weights near 0).
        assert p.data == pytest.approx(q.data, rel=1e-12, abs=1e-12)
        # The last step's gradients: sums of 100 terms, some of which cancel, so rounding
        # shows more in them than in the weights (3e-14 relative at most when measured).
        assert p.grad == pytest.approx(q.grad, rel=1e-11, abs=1e-13)


# -- trace_graph.ipynb ----------------------------------------------------------------------


def trace(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """Every value behind ``root`` and every (argument, result) edge, through ``_prev``."""
    nodes: set[Any] = set()
    edges: set[tuple[Any, Any]] = set()
    stack = [root]
    while stack:
        v = stack.pop()
        if v in nodes:
            continue
        nodes.add(v)
        for parent in v._prev:
            edges.add((parent, v))
            stack.append(parent)
    return nodes, edges


def draw_dot(root: Any, format: str = "svg", rankdir: str = "LR") -> Any:
    """The notebook's drawing: records ``{ data | grad }``, an op node before each result.

    Written as the notebook writes it against ``graphviz.Digraph``; the only change a
    micrograd user makes is the import at the top of this file, ``from viz import Digraph``.
    """
    assert rankdir in ("LR", "TB")
    nodes, edges = trace(root)
    dot = Digraph(format=format, graph_attr={"rankdir": rankdir})
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label=f"{{ data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for child, parent in edges:
        dot.edge(str(id(child)), str(id(parent)) + parent._op)
    return dot


def _svg_texts(svg: str) -> tuple[ET.Element, list[str]]:
    root = ET.fromstring(svg)
    return root, [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_draw_dot_renders_through_viz_digraph() -> None:
    x = Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    dot = draw_dot(y)
    assert isinstance(dot, graphviz.Digraph)
    # What a notebook calls to show the last expression of a cell.
    bundle = dot._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    root, texts = _svg_texts(svg)
    groups = [g.get("class") for g in root.iter("{http://www.w3.org/2000/svg}g")]
    # Values x, 2, x·2, 1, x·2 + 1, relu: six records; three operations; 5 + 3 edges.
    assert groups.count("node") == 9
    assert groups.count("edge") == 8
    assert "data 3.0000" in texts
    # dy/dx = relu'(3) · 2 = 2, and dy/d(the constant 2) = x = 1.
    assert texts.count("grad 2.0000") == 1
    assert sorted(t for t in texts if not t.startswith(("data", "grad"))) == ["*", "+", "relu"]
    assert viz.to_svg(dot).count('class="node"') == 9
    # graphviz's own pipe() needs a program called dot; viz.Digraph's uses viz's renderer.
    assert dot.pipe(format="svg").count(b'class="node"') == 9
    assert dot.pipe(format="png")[:8] == PNG_MAGIC
    assert isinstance(dot.pipe(format="svg", encoding="utf-8"), str)
    # The notebook's draw_dot(root, format="png"): pipe() then gives PNG bytes by default.
    assert draw_dot(y, format="png").pipe()[:8] == PNG_MAGIC


def test_draw_dot_of_a_micrograd_neuron_shows_its_gradients() -> None:
    random.seed(1337)
    neuron = Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = neuron(x)
    y.backward()
    _, texts = _svg_texts(viz.to_svg(draw_dot(y, rankdir="TB")))
    active = y.data > 0
    # ∂y/∂w_k = x_k and ∂y/∂x_k = w_k where the relu is active, else all 0.
    for w, xk in zip(neuron.w, x, strict=True):
        assert f"grad {xk.data * active:.4f}" in texts
        assert f"grad {w.data * active:.4f}" in texts
    assert f"data {y.data:.4f}" in texts
    assert len([t for t in texts if re.fullmatch(r"data -?\d+\.\d{4}", t)]) == 7
