"""viz.draw_network: one node per neuron, one edge per weight, drawn by |∂C/∂w| and |δ|.

The gradients the drawing encodes are checked against central differences of the cost (the
forward pass only), not against the engine's backward pass that filled ``.grad``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import graphviz
import pytest

import viz
from autograd import Value, central_difference
from nn import MLP, squared_error
from nn.datasets import load_digits
from tests.support.svg import pure_only, svg_edges, svg_nodes
from viz.graph import SHADE_RGB
from viz.network import EDGE_DARK, EDGE_LIGHT, PEN_MAX, PEN_MIN

EDGE = re.compile(r"^n(\d+)_(\d+)->n(\d+)_(\d+)$")


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def trained_once(model: MLP, x: list[float], y: list[float]) -> Value:
    """The squared-error cost of one example, after one backward pass."""
    cost = squared_error(model.forward(x), y)
    cost.backward()
    return cost


def cost_of(model: MLP, x: list[float], y: list[float], p: Value) -> Callable[[float], float]:
    """C as a function of parameter p alone (the forward pass only; p is restored)."""

    def f(t: float) -> float:
        saved = p.data
        p.data = t
        try:
            return squared_error(model.forward(x), y).data
        finally:
            p.data = saved

    return f


def centres(svg: str | bytes) -> dict[str, tuple[float, float]]:
    """The (cx, cy) of each drawn neuron."""
    out = {}
    for name, node in svg_nodes(svg).items():
        ellipse = next(s for s in node.shapes if "cx" in s)
        out[name] = (float(ellipse["cx"]), float(ellipse["cy"]))
    return out


def test_one_node_per_neuron_and_one_edge_per_weight(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pure_only(monkeypatch, tmp_path)
    model = MLP(3, [4, 2], seed=0)
    trained_once(model, [0.5, -0.25, 1.0], [1.0, 0.0])
    drawn = viz.draw_network(model)
    assert isinstance(drawn, graphviz.Digraph)
    svg = viz.to_svg(drawn)
    nodes = svg_nodes(svg)
    assert len(nodes) == sum(model.sizes) == 3 + 4 + 2
    assert set(nodes) == {f"n{i}_{j}" for i, n in enumerate(model.sizes) for j in range(n)}
    edges = svg_edges(svg)
    assert len(edges) == 3 * 4 + 4 * 2
    for title in edges:
        m = EDGE.match(title)
        assert m is not None, title
        assert int(m.group(3)) == int(m.group(1)) + 1  # only between consecutive layers
    # Labels in the notes' notation: x_k for inputs, a_j^(l) for neurons.
    assert nodes["n0_2"].texts == ["x", "2"]
    assert nodes["n1_3"].texts == ["a", "3", "(1)"]
    assert nodes["n2_0"].texts == ["a", "0", "(2)"]


def test_neurons_are_drawn_in_index_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    model = MLP(5, [6, 3], seed=2)
    trained_once(model, [0.1, 0.2, 0.3, 0.4, 0.5], [0.0, 1.0, 0.0])
    for rankdir, axis in (("LR", 1), ("TB", 0)):
        # LR: neuron 0 at the top (smallest SVG y); TB: neuron 0 on the left (smallest x).
        where = centres(viz.to_svg(viz.draw_network(model, rankdir)))
        for l, n in enumerate(model.sizes):
            coords = [where[f"n{l}_{j}"][axis] for j in range(n)]
            assert coords == sorted(coords), (rankdir, l, coords)
            assert len(set(coords)) == n, (rankdir, l, coords)
            # ... and each layer is one column (LR) or row (TB).
            assert len({where[f"n{l}_{j}"][1 - axis] for j in range(n)}) == 1


def test_edges_and_fills_follow_central_difference_gradients(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pure_only(monkeypatch, tmp_path)
    model = MLP(2, [3, 2], seed=5)
    # x_0 = 0: every ∂C/∂w_j0^(1) = δ_j^(1)·x_0 is exactly 0, so those edges are the lightest.
    x, y = [0.0, 0.7], [1.0, 0.0]
    trained_once(model, x, y)
    svg = viz.to_svg(viz.draw_network(model))

    grads = {}
    for l, layer in enumerate(model.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                grads[f"n{l - 1}_{k}->n{l}_{j}"] = central_difference(
                    cost_of(model, x, y, w), w.data
                )
    top = max(abs(g) for g in grads.values())
    edges = svg_edges(svg)
    assert set(edges) == set(grads)
    for title, g in grads.items():
        width = float(edges[title].get("stroke-width", "1"))
        # The DOT text holds pen widths to 2 decimals (±0.005); central differences are good
        # to ~1e-8 here, far below that.
        assert width == pytest.approx(PEN_MIN + (PEN_MAX - PEN_MIN) * abs(g) / top, abs=0.006)
    strongest = max(grads, key=lambda t: abs(grads[t]))
    assert edges[strongest]["stroke"] == hex_colour(EDGE_DARK)
    for j in range(3):
        assert edges[f"n0_0->n1_{j}"]["stroke"] == hex_colour(EDGE_LIGHT)

    # Neuron fill: |∂C/∂b_j^(l)| = |δ_j^(l)|, full colour for the largest.
    deltas = {
        f"n{l}_{j}": central_difference(cost_of(model, x, y, n.b), n.b.data)
        for l, layer in enumerate(model.layers, start=1)
        for j, n in enumerate(layer.neurons)
    }
    nodes = svg_nodes(svg)
    first = max(deltas, key=lambda t: abs(deltas[t]))
    assert next(s for s in nodes[first].shapes if "cx" in s)["fill"] == hex_colour(SHADE_RGB)
    for name in ("n0_0", "n0_1"):  # inputs carry no δ
        assert next(s for s in nodes[name].shapes if "cx" in s)["fill"] == "none"


def test_the_digits_network_stays_legible(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    digits = load_digits()
    model = MLP(64, [16, 10], seed=0)
    trained_once(model, digits.inputs[0], digits.targets()[0])
    svg = viz.to_svg(viz.draw_network(model))
    nodes = svg_nodes(svg)
    assert len(nodes) == 64 + 16 + 10
    assert len(svg_edges(svg)) == 64 * 16 + 16 * 10
    # The 64 inputs are small unlabelled dots; the 26 neurons carry their a_j^(l) labels.
    assert all(nodes[f"n0_{k}"].texts == [] for k in range(64))
    assert all(nodes[f"n1_{j}"].texts == ["a", str(j), "(1)"] for j in range(16))
    where = centres(svg)
    ys = [where[f"n0_{k}"][1] for k in range(64)]
    assert ys == sorted(ys)
    # A page, not a hairball: at most 8 x 13.5 inches (Graphviz points are 1/72 inch).
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert m is not None
    width, height = float(m.group(1)), float(m.group(2))
    assert width <= 8 * 72
    assert height <= 13.5 * 72


def test_a_network_before_backward_says_so() -> None:
    model = MLP(2, [2, 1], seed=0)
    source = viz.draw_network(model).source
    assert "call backward() on the cost" in source
    assert "style=filled" not in source


def test_tooltips_name_each_weight_with_its_value_and_gradient() -> None:
    model = MLP(2, [2], seed=0)
    trained_once(model, [1.0, 2.0], [0.0, 1.0])
    source = viz.draw_network(model, digits=3).source
    w = model.w(1, 1, 0)
    assert f'tooltip="w_{{1,0}}^(1) = {w.data:.3g}, ∂C/∂w = {w.grad:.3g}"' in source


@dataclass
class _Neuron:
    w: list[Value]
    b: Value


@dataclass
class _Layer:
    neurons: list[_Neuron]


@dataclass
class _Net:
    layers: list[_Layer]
    sizes: list[int]


def test_any_model_with_the_contract_attributes_draws() -> None:
    net = _Net([_Layer([_Neuron([Value(1.0), Value(2.0)], Value(0.0))])], [2, 1])
    source = viz.draw_network(net).source
    assert "n0_0 -> n1_0" in source
    assert "n0_1 -> n1_0" in source


def test_inconsistent_models_are_refused() -> None:
    one = _Neuron([Value(1.0), Value(2.0)], Value(0.0))
    with pytest.raises(ValueError, match=r"layer 1 has 1 neurons but model.sizes\[1\] is 2"):
        viz.draw_network(_Net([_Layer([one])], [2, 2]))
    with pytest.raises(ValueError, match="neuron 0 of layer 1 has 2 weights but layer 0 has 3"):
        viz.draw_network(_Net([_Layer([one])], [3, 1]))
    with pytest.raises(ValueError, match="one layer per entry after the first"):
        viz.draw_network(_Net([], [2]))
    with pytest.raises(ValueError, match="label_limit must be a whole number >= 0, got -1"):
        viz.draw_network(_Net([_Layer([one])], [2, 1]), label_limit=-1)
    with pytest.raises(TypeError, match=r"str has no \.layers"):
        viz.draw_network("MLP(2, [1])")  # type: ignore[arg-type]
