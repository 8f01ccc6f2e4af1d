"""Tests of ``nn.micrograd``: micrograd's networks, its demo and its graph drawing, unchanged.

The oracles: the global ``random`` generator replayed by hand (micrograd draws one
``uniform(-1, 1)`` per weight, in order, and nothing for a bias), relu(w · x + b) written with
floats, central differences of the demo's loss, and micrograd itself when it is installed
(``pip install micrograd==0.1.0``, as ``make bench`` does), run side by side.

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

import pytest

import nn
from autograd import Value, no_grad
from autograd.check import central_difference
from nn.datasets import Dataset, make_moons
from nn.micrograd import MLP, Layer, Module, Neuron

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


def demo_steps(model: Any, value: Any, data: Dataset, steps: int) -> Iterator[tuple[float, float]]:
    """The demo's training loop: yields (loss, accuracy) before each step's update."""
    for k in range(steps):
        total, accuracy = demo_loss(model, value, data)
        model.zero_grad()
        total.backward()
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


def test_demo_separates_the_moons() -> None:
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    history = list(demo_steps(model, Value, MOONS, STEPS))
    final_loss, final_accuracy = demo_loss(model, Value, MOONS)
    # micrograd reaches 99% on these points in 100 steps (0.0259 loss), as the side-by-side
    # test below shows whenever micrograd is installed; its own demo reports 100% on its moons.
    assert final_accuracy >= 0.99
    assert final_loss.data < 0.05
    assert final_loss.data < history[0][0] / 10


def _micrograd() -> tuple[ModuleType, ModuleType]:
    engine = pytest.importorskip("micrograd.engine")
    mg_nn = pytest.importorskip("micrograd.nn")
    return engine, mg_nn


#: Steps run side by side with micrograd: its graph of closures is freed only by the cycle
#: collector, which makes each of its steps slow; ten show that the training runs coincide.
SIDE_BY_SIDE_STEPS = 10


def test_demo_runs_like_micrograd_step_by_step() -> None:
    mg_engine, mg_nn = _micrograd()
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = mg_nn.MLP(2, [16, 16, 1])
    # Same seed, same draws: the very same starting weights, so == on floats.
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    gc.disable()
    try:
        ours_run = list(demo_steps(ours, Value, MOONS, SIDE_BY_SIDE_STEPS))
        theirs_run = list(demo_steps(theirs, mg_engine.Value, MOONS, SIDE_BY_SIDE_STEPS))
    finally:
        gc.enable()
    for k, ((loss, acc), (mg_loss, mg_acc)) in enumerate(zip(ours_run, theirs_run, strict=True)):
        # Only the order of additions differs (fsum against a chain of +): about 1e-16
        # relative per step, growing slowly through training; 1e-12 leaves room for it.
        assert loss == pytest.approx(mg_loss, rel=1e-12), f"step {k}"
        assert acc == mg_acc, f"step {k}"
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert p.data == pytest.approx(q.data, rel=1e-12, abs=1e-12)
        assert p.grad == pytest.approx(q.grad, rel=1e-9, abs=1e-12)


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


def draw_dot(root: Any, digraph: Callable[..., Any], rankdir: str = "LR") -> Any:
    """The notebook's drawing: records ``{ data | grad }``, an op node before each result."""
    nodes, edges = trace(root)
    dot = digraph(format="svg", graph_attr={"rankdir": rankdir})
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
    viz = pytest.importorskip("viz")
    x = Value(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    dot = draw_dot(y, viz.Digraph)
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
    assert dot.pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert isinstance(dot.pipe(format="svg", encoding="utf-8"), str)


def test_draw_dot_of_a_micrograd_neuron_shows_its_gradients() -> None:
    viz = pytest.importorskip("viz")
    random.seed(1337)
    neuron = Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = neuron(x)
    y.backward()
    _, texts = _svg_texts(viz.to_svg(draw_dot(y, viz.Digraph, rankdir="TB")))
    active = y.data > 0
    # ∂y/∂w_k = x_k and ∂y/∂x_k = w_k where the relu is active, else all 0.
    for w, xk in zip(neuron.w, x, strict=True):
        assert f"grad {xk.data * active:.4f}" in texts
        assert f"grad {w.data * active:.4f}" in texts
    assert f"data {y.data:.4f}" in texts
    assert len([t for t in texts if re.fullmatch(r"data -?\d+\.\d{4}", t)]) == 7
