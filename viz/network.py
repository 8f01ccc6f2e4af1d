"""The collapsed view of a network: one node per neuron, one edge per weight.

The full computation graph of even a small network has thousands of nodes; this view keeps
only what the notes draw: a column per layer (layer 0 is the input x), a circle per neuron
``a_j^(l)``, and an edge ``k -> j`` per weight ``w_{j,k}^(l)``. After ``backward()`` the weights'
and biases' ``.grad`` say where the cost is sensitive: each edge's width and colour grow with
|∂C/∂w_{j,k}^(l)|, and each neuron is filled by |∂C/∂b_j^(l)| = |δ_j^(l)|, the notes' error of
that neuron. Both are linear in the magnitude relative to the largest one in the network, so
the strongest edge is dark and thick, and an edge whose gradient is near 0 is a thin light line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from autograd import Value
from nn import notation
from nn.activations import BY_NAME
from nn.checks import is_int
from viz.graph import (
    FONT,
    Digraph,
    check_digits,
    check_rankdir,
    escape_html,
    format_number,
    label_html,
    relative_sizes,
    shade_colour,
    sub,
)

#: Edge colours: light grey for |∂C/∂w| = 0, up to dark blue for the largest.
EDGE_LIGHT = (0xDD, 0xDD, 0xDD)
EDGE_DARK = (0x08, 0x30, 0x6B)
#: Edge widths in points, for |∂C/∂w| = 0 and for the largest.
PEN_MIN, PEN_MAX = 0.3, 3.5


class NeuronLike(Protocol):
    """What ``draw_network`` reads of a neuron: its weights ``w[k]`` and its bias ``b``."""

    @property
    def w(self) -> Sequence[Value]: ...

    @property
    def b(self) -> Value: ...


class LayerLike(Protocol):
    """What ``draw_network`` reads of a layer: its neurons."""

    @property
    def neurons(self) -> Sequence[NeuronLike]: ...


class MLPLike(Protocol):
    """What ``draw_network`` reads of a network (``nn.MLP``): its layers and its sizes."""

    @property
    def layers(self) -> Sequence[LayerLike]: ...

    @property
    def sizes(self) -> Sequence[int]: ...


def check_network(model: MLPLike) -> list[int]:
    """``model.sizes`` after checking that the layers, neurons and weights agree with it."""
    for attr in ("layers", "sizes"):
        if not hasattr(model, attr):
            raise TypeError(
                f"draw_network needs an nn.MLP-like model with .layers and .sizes; "
                f"{type(model).__name__} has no .{attr}"
            )
    sizes = list(model.sizes)
    layers = list(model.layers)
    if len(sizes) < 2 or len(layers) != len(sizes) - 1:
        raise ValueError(
            f"draw_network: model.sizes {sizes} needs one layer per entry after the first, "
            f"but the model has {len(layers)} layers"
        )
    for l, layer in enumerate(layers, start=1):
        if len(layer.neurons) != sizes[l]:
            raise ValueError(
                f"draw_network: layer {l} has {len(layer.neurons)} neurons "
                f"but model.sizes[{l}] is {sizes[l]}"
            )
        for j, neuron in enumerate(layer.neurons):
            if len(neuron.w) != sizes[l - 1]:
                raise ValueError(
                    f"draw_network: neuron {j} of layer {l} has {len(neuron.w)} weights "
                    f"but layer {l - 1} has {sizes[l - 1]} neurons"
                )
    return sizes


def _blend(t: float, lo: tuple[int, int, int], hi: tuple[int, int, int]) -> str:
    r, g, b = (round(a + t * (c - a)) for a, c in zip(lo, hi, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _activation(layer: LayerLike) -> str:
    """The layer's activation as the notes write it ("" if unknown or mixed)."""
    names = {str(getattr(n, "activation", "")) for n in layer.neurons}
    if len(names) != 1:
        return ""
    name = names.pop()
    row = BY_NAME.get(name)
    return row.symbol if row is not None else name


def draw_network(
    model: MLPLike,
    rankdir: str = "LR",
    *,
    digits: int = 4,
    label_limit: int = 20,
) -> Digraph:
    """One node per neuron (inputs included) and one edge per weight, as a ``graphviz.Digraph``.

    ``model`` is an ``nn.MLP`` (or anything with its ``layers``, ``neurons``, ``w``, ``b`` and
    ``sizes``), after a backward pass so that the ``.grad``s are filled in. Edge width and colour
    are linear in |∂C/∂w| (the weight's ``.grad``) relative to the largest in the network;
    neuron fill is linear in |∂C/∂b| = |δ| relative to the largest. ``rankdir``: LR (inputs on
    the left, neuron 0 of each layer on top) or RL, TB, BT. ``digits``: significant digits of
    the numbers in the legend and tooltips. Layers with more than ``label_limit`` neurons
    (typically the 64 pixels of the input) are drawn as small unlabelled dots; every node and
    edge carries a tooltip with its name, value and gradient.
    """
    check_rankdir(rankdir)
    check_digits(digits)
    if not is_int(label_limit) or label_limit < 0:
        raise ValueError(
            f"draw_network: label_limit must be a whole number >= 0, got {label_limit!r}"
        )
    sizes = check_network(model)
    layers = list(model.layers)

    def num(x: float) -> str:
        return format_number(x, digits)

    weights = [
        (l, j, k, w)
        for l, layer in enumerate(layers, start=1)
        for j, neuron in enumerate(layer.neurons)
        for k, w in enumerate(neuron.w)
    ]
    strength, w_top = relative_sizes(float(w.grad) for *_, w in weights)
    biases = [n.b for layer in layers for n in layer.neurons]
    fill, b_top = relative_sizes(float(b.grad) for b in biases)
    fills = iter(fill)

    compact = any(n > label_limit for n in sizes)
    columns = [f"layer 0: x ({sizes[0]})"]
    for l, layer in enumerate(layers, start=1):
        act = _activation(layer)
        columns.append(f"layer {l}: {sizes[l]}{' ' + act if act else ''}")
    lines = [escape_html(" → ".join(columns))]
    if w_top > 0.0:
        lines.append(f"edge k → j: width, colour ∝ |∂C/∂w| (max {num(w_top)})")
        lines.append(f"neuron fill ∝ |∂C/∂b| = |δ| (max {num(b_top)})")
    else:
        lines.append("every ∂C/∂w is 0: call backward() on the cost to see the gradients")
    g = Digraph(
        name="network",
        graph_attr={
            "rankdir": rankdir,
            "splines": "line",
            "ranksep": "2.6" if compact else "1.0",
            "nodesep": "0.05" if compact else "0.2",
            # Edges first, so that nodes sit on top of the lines that meet them.
            "outputorder": "edgesfirst",
            "fontname": FONT,
            "fontsize": "11",
            "labelloc": "t",
            # Room around the legend, for viewers whose fallback font is wider than Helvetica.
            "pad": "0.3",
            "label": f"<{'<BR/>'.join(lines)}>",
        },
        node_attr={"fontname": FONT, "fontsize": "11", "shape": "circle", "fixedsize": "true"},
        edge_attr={"arrowhead": "none"},
    )
    for l, n in enumerate(sizes):
        small = n > label_limit
        # A plain rank=same subgraph, not a cluster: Graphviz keeps the invisible chain
        # n_0 -> n_1 -> ... (neurons in index order, 0 on top) only outside clusters.
        with g.subgraph(name=f"layer{l}", graph_attr={"rank": "same"}) as sg:
            for j in range(n):
                if l == 0:
                    text, tip, colour = f"x{sub(str(j))}", f"input x_{j}", None
                else:
                    b = layers[l - 1].neurons[j].b
                    t = next(fills)
                    text = label_html(notation.activation(l, j))
                    tip = f"neuron a_{j}^({l}): b = {num(b.data)}, ∂C/∂b = δ = {num(b.grad)}"
                    colour = shade_colour(t) if t > 0.0 else None
                attrs = {"tooltip": tip, "width": "0.12" if small else "0.5"}
                if colour:
                    attrs.update(style="filled", fillcolor=colour)
                sg.node(f"n{l}_{j}", "" if small else f"<{text}>", **attrs)
            for j in range(n - 1):
                sg.edge(f"n{l}_{j}", f"n{l}_{j + 1}", style="invis")

    # Weakest first: Graphviz writes each neuron's edges in the order they were made, and SVG
    # paints in document order, so among the edges leaving one neuron the strong ones end up on
    # top (across neurons, Graphviz's node order decides).
    order = sorted(range(len(weights)), key=lambda i: strength[i])
    for i in order:
        l, j, k, w = weights[i]
        t = strength[i]
        g.edge(
            f"n{l - 1}_{k}",
            f"n{l}_{j}",
            color=_blend(t, EDGE_LIGHT, EDGE_DARK),
            penwidth=f"{PEN_MIN + t * (PEN_MAX - PEN_MIN):.2f}",
            tooltip=f"{notation.weight(l, j, k)} = {num(w.data)}, ∂C/∂w = {num(w.grad)}",
        )
    return g
