"""The computation graph of a ``Value`` as a Graphviz digraph, in the notation of the notes.

What the drawing shows, and the choices behind it:

* Every value is a record ``label | data … | grad …`` (numbers to ``digits`` significant
  digits; a value without a label has no label cell). Labels in the notes' notation
  (``w_{j,k}^(l)``, ``b_{j}^(l)``, ``z_{j}^(l)``, ``a_{j}^(l)``) are typeset with real
  subscripts and superscripts; any other label is shown as escaped plain text.
* Every operation is a small separate node with its symbol (see ``op_symbol_html``) between
  its arguments and its result. Where the order of the arguments matters (``-``, ``/``, ``**``)
  each incoming edge says the argument's position, 0 or 1. A weighted sum
  ``z = Σ_k w_k a_k + b`` pairs weights with inputs, so its edges say which term they fill
  (w₀, a₀, …, b), except from values whose label already says it in the notes' notation.
* A weighted sum of plain numbers (a network's input x given as floats) keeps them as
  ``constants``, not as parent values: they are drawn as one small table ``x_k | value`` joined
  to the operation by a dashed edge. Weighted sums with equal constants (every neuron of layer 1
  reads the same x) share one table.
* Node ids follow evaluation order: values are numbered ``v0, v1, …`` so that each comes after
  all of its arguments, taken depth-first in argument order (for ``a * b + c``: a, b, a·b, c,
  the sum); the operation that made ``v<i>`` is ``op<i>``, and the i-th distinct constants
  table is ``x<i>``. The walk is iterative, so any depth draws, and the DOT text is the same
  on every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from autograd import Constant, Value
from nn.checks import is_int
from nn.notation import parse_label
from viz.backend import CLUSTER_MCLIMIT, clusters_come_out_reversed, run_renderer

try:
    import graphviz
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "viz needs the graphviz Python package: pip install 'chainrule[viz]'"
    ) from exc

RANKDIRS = ("LR", "RL", "TB", "BT")

#: The font the layout measures text with: Verdana, the widest of the common sans fonts (DejaVu
#: Sans, rsvg-convert's and most Linux browsers' fallback, is a little narrower; Helvetica and
#: Arial much narrower), so that every cell is wide enough whichever of them a viewer draws with.
FONT = "Verdana"
FONT_SIZE = 12
#: Subscripts and superscripts are set smaller, as in print.
SCRIPT_SIZE = 9
#: |grad| shading runs from white (0) to this colour (the largest |grad|).
SHADE_RGB = (0xEF, 0x65, 0x48)


def is_constant(v: Value) -> bool:
    """Whether v is a constant of the engine (``autograd.Constant``): a plain number lifted into
    an expression (the 2 of ``x * 2``), which is not differentiated and receives no gradient."""
    return isinstance(v, Constant)


def escape_html(text: str) -> str:
    """``text`` safe inside a Graphviz HTML-like label (&, <, > and " escaped)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def sub(text: str) -> str:
    """HTML-like markup for ``text`` as a (smaller) subscript."""
    return f'<SUB><FONT POINT-SIZE="{SCRIPT_SIZE}">{text}</FONT></SUB>'


def sup(text: str) -> str:
    """HTML-like markup for ``text`` as a (smaller) superscript."""
    return f'<SUP><FONT POINT-SIZE="{SCRIPT_SIZE}">{text}</FONT></SUP>'


def label_html(label: str) -> str:
    """A value's label as HTML-like text: ``w_{2,1}^(3)`` becomes w with ₂,₁ and ⁽³⁾."""
    parts = parse_label(label)
    if parts is None:
        return escape_html(label)
    script = parts.j if parts.k is None else f"{parts.j},{parts.k}"
    return f"<I>{parts.letter}</I>{sub(script)}{sup(f'({parts.layer})')}"


def format_number(x: float, digits: int) -> str:
    """``x`` to ``digits`` significant digits, trailing zeros dropped (2.0 -> "2")."""
    return f"{x:.{digits}g}"


def check_digits(digits: int) -> int:
    """``digits`` if it is a usable number of significant digits (1 to 17); ValueError if not."""
    if not is_int(digits) or not 1 <= digits <= 17:
        raise ValueError(f"draw: digits must be an integer from 1 to 17, got {digits!r}")
    return digits


def check_rankdir(rankdir: str) -> str:
    """``rankdir`` if Graphviz knows it (LR, RL, TB, BT); ValueError naming it if not."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    return rankdir


_SYMBOLS = {
    "+": "+",
    "-": "−",
    "*": "×",
    "/": "÷",
    "**": f"x{sup('y')}",
    "neg": "−x",
    "exp": "exp",
    "log": "ln",
    "tanh": "tanh",
    "sigmoid": "σ",
    "relu": "ReLU",
    "sum": "Σ",
}

#: Operation nodes: small ellipses, just big enough for a one-character symbol.
_OP_ATTRS = {"shape": "ellipse", "width": "0.4", "height": "0.3", "margin": "0.04"}

#: Operations whose arguments' order matters: their edges carry the position 0 or 1.
ORDERED_OPS = frozenset({"-", "/", "**"})


def op_symbol_html(op: str, has_constants: bool = False) -> str:
    """The symbol drawn for an operation, as HTML-like text.

    × for ``*``, ÷ for ``/``, − for ``-``, x² for ``**2`` (any constant exponent c as x^c),
    x^y for ``**``, σ for sigmoid, ln for log, Σ for sum, Σwa+b for a weighted sum of values and
    Σwx+b for one of constant inputs x; unknown operations show their name.
    """
    if op in _SYMBOLS:
        return _SYMBOLS[op]
    if op == "wsum":
        return "Σwx+b" if has_constants else "Σwa+b"
    if op.startswith("**"):
        return f"x{sup(escape_html(op[2:]))}"
    return escape_html(op)


def roots_of(root: Value | Sequence[Value], what: str = "draw") -> list[Value]:
    """The outputs to draw: ``root`` itself, or each Value of a list or tuple of them.

    TypeError naming what was given otherwise; for a network, saying to use draw_network.
    """
    if isinstance(root, Value):
        return [root]
    if hasattr(root, "layers") and hasattr(root, "sizes"):
        raise TypeError(
            f"{what} draws the computation graph of a Value; for a whole network "
            f"({type(root).__name__}) use viz.draw_network(model), or {what} its cost"
        )
    if isinstance(root, (list, tuple)) and root:
        bad = [v for v in root if not isinstance(v, Value)]
        if not bad:
            return list(root)
        raise TypeError(
            f"{what} needs Values, but the list holds {type(bad[0]).__name__}: {bad[0]!r}"
        )
    raise TypeError(
        f"{what} needs a Value, got {type(root).__name__}: {root!r} "
        "(a non-empty list of Values draws several outputs in one picture)"
    )


def evaluation_order(root: Value | Sequence[Value]) -> list[Value]:
    """Every value of root's graph once, each after all of its arguments (root last).

    Depth-first in the order of ``parents``, with an explicit stack (no recursion). For several
    outputs, each one's graph in turn, values they share taken once (where first reached).
    """
    order: list[Value] = []
    entered: set[Value] = set()
    for top in roots_of(root):
        if top in entered:
            continue
        entered.add(top)
        stack = [(top, iter(top.parents))]
        while stack:
            node, pending = stack[-1]
            for p in pending:
                if p not in entered:
                    entered.add(p)
                    stack.append((p, iter(p.parents)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def shade_colour(t: float) -> str:
    """The fill for relative strength t in [0, 1]: white blended linearly toward SHADE_RGB."""
    t = min(max(t, 0.0), 1.0)
    r, g, b = (round(255 + t * (c - 255)) for c in SHADE_RGB)
    return f"#{r:02x}{g:02x}{b:02x}"


def relative_sizes(magnitudes: Iterable[float]) -> tuple[list[float], float]:
    """Each |m| divided by the largest finite |m| (non-finite ones count as 1), and that max.

    All zero gives all 0.0 and a max of 0.0.
    """
    mags = [abs(m) for m in magnitudes]
    finite = [m for m in mags if math.isfinite(m)]
    top = max(finite, default=0.0)
    return [1.0 if not math.isfinite(m) else (m / top if top > 0.0 else 0.0) for m in mags], top


class Digraph(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that notebooks display through chainrule's renderer lookup.

    ``graphviz.Digraph`` shows itself by running a program called ``dot``; this one uses
    ``viz.backend.find_renderer``, so ``graphviz-pure`` works where no system Graphviz is.
    """

    # The two methods graphviz's own _repr_mimebundle_ calls for SVG and PNG output.
    def _repr_image_svg_xml(self) -> str:
        return run_renderer(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return run_renderer(self.source, "png")

    def pipe(self, format: str | None = None, *args: Any, **kwargs: Any) -> bytes | str:
        """The rendered graph as bytes (str with ``encoding=``), in ``format`` (svg or png)."""
        data = run_renderer(self.source, format or self.format or "svg")
        encoding = kwargs.get("encoding")
        return data.decode(encoding) if encoding else data


class _Node(NamedTuple):
    """One node statement: its id, HTML label body, attributes, and the cluster it joins."""

    name: str
    html: str
    attrs: dict[str, str]
    group: tuple[int, int | None] | None  # (layer, neuron), (0, None) for inputs, None: none


def _group(label: str) -> tuple[int, int | None] | None:
    parts = parse_label(label)
    if parts is None:
        return None
    layer = int(parts.layer)
    # Layer 0 holds the network's inputs: no neuron computes them, so no neuron cluster.
    return (layer, None) if layer == 0 else (layer, int(parts.j))


def _edge_labels(node: Value) -> list[str | None]:
    """What each incoming edge of node's operation says (None: nothing), in parents' order."""
    op, parents = node.op, node.parents
    if op in ORDERED_OPS:
        return [str(i) for i in range(len(parents))]
    if op != "wsum":
        return [None] * len(parents)
    if node.constants:
        n = len(node.constants)
        roles = [f"w{sub(str(k))}" for k in range(n)] + ["b"]
    else:
        n = (len(parents) - 1) // 2
        roles = [f"w{sub(str(k))}" for k in range(n)]
        roles += [f"a{sub(str(k))}" for k in range(n)] + ["b"]
    return [None if parse_label(str(p.label)) else r for p, r in zip(parents, roles, strict=True)]


def draw(
    root: Value | Sequence[Value],
    rankdir: str = "LR",
    *,
    digits: int = 4,
    shade: bool = False,
    cluster: bool = False,
    expand: bool = False,
) -> Digraph:
    """The computation graph of ``root`` as a ``graphviz.Digraph`` (a notebook shows it inline).

    ``root`` is a Value, or a list of Values drawn in one picture (values they share once).

    ``rankdir``: LR (inputs on the left), RL, TB or BT. ``digits``: significant digits of
    data and grad. ``shade``: fill each value's record by its |grad| relative to the largest
    |grad| in the graph: white for 0, linearly up to orange-red for the largest (a non-finite
    grad gets the full colour). ``cluster``: box the nodes of each neuron (its weights, bias,
    z and a, with their operations) inside a box per layer, found from the notes' labels;
    layer 0 (inputs labelled ``a_{k}^(0)`` and constant inputs of layer 1) gets its own box.
    ``expand``: draw each weighted sum z = Σ_k w_k a_k + b as micrograd's lecture does, one
    ``×`` per term (its product a value of its own, whose grad is z's: ∂z/∂(w_k a_k) = 1) and
    one ``+`` adding the products and b; constant inputs x_k become leaves beside their weight.

    Drawing is linear in the graph's size; laying out tens of thousands of nodes takes the
    renderer minutes, so for a whole network prefer ``draw_network``.
    """
    return _draw(root, rankdir, digits=digits, shade=shade, cluster=cluster, expand=expand)


def _draw(
    root: Value | Sequence[Value],
    rankdir: str = "LR",
    *,
    digits: int = 4,
    shade: bool = False,
    cluster: bool = False,
    grad_text: Callable[[Value], str] | None = None,
    ids: bool = False,
    deltas: bool = True,
    expand: bool = False,
    spacing: float | None = None,
) -> Digraph:
    """``draw``, plus what ``viz.explore`` needs to bring the picture to life.

    ``grad_text(v)`` replaces the number in v's grad cell (the explorer lays each cell out for
    the widest number it will show there). ``ids`` gives the SVG elements ids a script can find:
    value ``v<i>`` keeps its DOT name as id, and the edge from its parent at position j into
    ``op<i>`` gets the id ``e<i>_<j>``. ``deltas=False`` leaves out the "= δ_j^(l)" cell (a
    running sum is not yet δ). ``spacing``: Graphviz's ``ranksep`` in inches, room on every edge
    for the explorer's labels.
    """
    check_rankdir(rankdir)
    check_digits(digits)
    values = evaluation_order(root)
    index = {v: i for i, v in enumerate(values)}
    names = derived_labels(values)
    fills: list[float] = []
    if shade:
        fills, _ = relative_sizes(float(v.grad) for v in values)

    tables: dict[tuple[float, ...], int] = {}
    # Per constants table: does each of its users compute a z of layer 1?
    table_users: dict[int, list[bool]] = {}
    nodes: list[_Node] = []
    edges: list[tuple[str, str, dict[str, str]]] = []
    for i, v in enumerate(values):
        label = str(v.label)
        group = _group(label)
        if expand and v.op == "wsum":
            nodes_, edges_ = _expanded_sum(v, i, index, digits, group)
            nodes += nodes_
            edges += edges_
        elif v.op:
            if v.constants:
                if v.constants not in tables:
                    t = tables[v.constants] = len(tables)
                    nodes.append(_Node(f"x{t}", _constants_html(v.constants, digits), {}, None))
                    table_users[t] = []
                t = tables[v.constants]
                parts = parse_label(label)
                table_users[t].append(
                    parts is not None and parts.letter == "z" and int(parts.layer) == 1
                )
            symbol = op_symbol_html(v.op, bool(v.constants))
            nodes.append(_Node(f"op{i}", symbol, _OP_ATTRS, group))
            for j, (p, text) in enumerate(zip(v.parents, _edge_labels(v), strict=True)):
                attrs = {} if text is None else {"label": text}
                if ids:
                    attrs["id"] = f"e{i}_{j}"
                edges.append((f"v{index[p]}", f"op{i}", attrs))
            if v.constants:
                edges.append((f"x{tables[v.constants]}", f"op{i}", {"style": "dashed"}))
            edges.append((f"op{i}", f"v{i}", {}))
        fill = shade_colour(fills[i]) if shade and fills[i] > 0.0 else None
        grad: str | None
        if grad_text is not None:
            grad = grad_text(v)
        elif is_constant(v) or (v in names and not v.parents):
            # A plain number (a target y_j given to the cost, the 2 of x * 2) is not
            # differentiated: a grad beside it would mean nothing.
            grad = None
        else:
            grad = format_number(float(v.grad), digits)
        delta = _delta_html(label) if deltas else None
        html = _value_html(label, format_number(v.data, digits), grad, fill, names.get(v), delta)
        nodes.append(_Node(f"v{i}", html, {"id": f"v{i}"} if ids else {}, group))

    if cluster:
        # A table read only by the z's of layer 1 is the network's input x: it goes in layer 0.
        layer0 = {f"x{t}" for t, users in table_users.items() if all(users)}
        nodes = [n._replace(group=(0, None)) if n.name in layer0 else n for n in nodes]

    g = Digraph(
        graph_attr={
            "rankdir": rankdir,
            "fontname": FONT,
            **({} if spacing is None else {"ranksep": f"{spacing:g}"}),
            **({"mclimit": CLUSTER_MCLIMIT} if cluster else {}),
        },
        # Records are HTML tables on a shape-less node with no minimum size, so that edges end
        # at the table's border rather than at Graphviz's default 0.75 x 0.5 inch box.
        node_attr={
            "shape": "none",
            "margin": "0",
            "width": "0",
            "height": "0",
            "fontname": FONT,
            "fontsize": str(FONT_SIZE),
        },
        edge_attr={"fontname": FONT, "fontsize": "10"},
    )
    if cluster:
        _emit_clustered(g, nodes, reverse=clusters_come_out_reversed(rankdir))
    else:
        for n in nodes:
            g.node(n.name, f"<{n.html}>", **n.attrs)
    for tail, head, attrs in edges:
        if "label" in attrs:
            attrs = {**attrs, "label": f"<{attrs['label']}>"}
        g.edge(tail, head, **attrs)
    return g


def derived_labels(values: Iterable[Value]) -> dict[Value, str]:
    """Names, as HTML-like text, for the unlabelled values of a squared error's terms.

    ``squared_error`` computes (a_j − y_j)² from an output a_j^(L) and a plain number y_j, and
    labels neither y_j nor the difference nor the square; the picture names them from that
    shape: a leaf subtracted from a value labelled a_{j}^(l) is the target y_j.
    """
    names: dict[Value, str] = {}
    for v in values:
        if v.label or v.op != "-":
            continue
        a, y = v.parents
        parts = parse_label(str(a.label))
        if parts is None or parts.letter != "a" or y.label or y.parents:
            continue
        y_name = f"<I>y</I>{sub(parts.j)}"
        names.setdefault(y, y_name)
        names[v] = f"{label_html(str(a.label))} − {y_name}"
    for v in values:
        if not v.label and v.op == "**2" and v.parents[0] in names and v not in names:
            names[v] = f"({names[v.parents[0]]}){sup('2')}"
    return names


def _delta_html(label: str) -> str | None:
    """ "= δ_j^(l)" for the grad of z_j^(l): ∂C/∂z_j^(l) is the notes' error δ of that neuron."""
    parts = parse_label(label)
    if parts is None or parts.letter != "z" or parts.k is not None:
        return None
    return f"= <I>δ</I>{sub(parts.j)}{sup(f'({parts.layer})')}"


def _value_html(
    label: str, data: str, grad: str | None, fill: str | None, name: str | None, delta: str | None
) -> str:
    bg = f' BGCOLOR="{fill}"' if fill else ""
    head = f"<TD>{label_html(label)}</TD>" if label else ""
    if name is not None:
        head = f"<TD>{name}</TD>"
    tail = f"<TD>{delta}</TD>" if delta else ""
    grad_cell = "" if grad is None else f"<TD>grad {escape_html(grad)}</TD>"
    return (
        f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="5"{bg}><TR>{head}'
        f"<TD>data {escape_html(data)}</TD>{grad_cell}{tail}</TR></TABLE>"
    )


def _expanded_sum(
    v: Value, i: int, index: dict[Value, int], digits: int, group: tuple[int, int | None] | None
) -> tuple[list[_Node], list[tuple[str, str, dict[str, str]]]]:
    """The nodes and edges of weighted sum ``v`` (value ``v<i>``) as × per term and one +."""
    parents = v.parents
    if v.constants:
        n = len(v.constants)
        weights, bias = parents[:n], parents[n]
        inputs: list[Value | float] = list(v.constants)
    else:
        n = (len(parents) - 1) // 2
        weights, bias = parents[:n], parents[-1]
        inputs = list(parents[n : 2 * n])
    nodes: list[_Node] = []
    edges: list[tuple[str, str, dict[str, str]]] = []
    grad = format_number(float(v.grad), digits)
    for k, (w, a) in enumerate(zip(weights, inputs, strict=True)):
        w_name = label_html(str(w.label)) if w.label else f"w{sub(str(k))}"
        if isinstance(a, Value):
            a_id = f"v{index[a]}"
            a_name = label_html(str(a.label)) if a.label else f"a{sub(str(k))}"
            a_data = a.data
        else:  # a constant input: a leaf of its own, with no grad (nothing asks ∂C/∂x)
            a_id, a_name, a_data = f"c{i}_{k}", f"x{sub(str(k))}", a
            nodes.append(
                _Node(a_id, _value_html("", format_number(a, digits), None, None, a_name, None),
                      {}, group)
            )  # fmt: skip
        product = f"m{i}_{k}"
        html = _value_html(
            "", format_number(w.data * a_data, digits), grad, None, f"{w_name}·{a_name}", None
        )
        nodes.append(_Node(f"mop{i}_{k}", _SYMBOLS["*"], _OP_ATTRS, group))
        nodes.append(_Node(product, html, {}, group))
        edges += [
            (f"v{index[w]}", f"mop{i}_{k}", {}),
            (a_id, f"mop{i}_{k}", {}),
            (f"mop{i}_{k}", product, {}),
            (product, f"op{i}", {}),
        ]
    nodes.append(_Node(f"op{i}", _SYMBOLS["+"], _OP_ATTRS, group))
    edges += [(f"v{index[bias]}", f"op{i}", {}), (f"op{i}", f"v{i}", {})]
    return nodes, edges


def _constants_html(xs: tuple[float, ...], digits: int) -> str:
    rows = "".join(
        f"<TR><TD>x{sub(str(k))}</TD><TD>{format_number(x, digits)}</TD></TR>"
        for k, x in enumerate(xs)
    )
    return f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">{rows}</TABLE>'


def _emit_clustered(g: Any, nodes: list[_Node], reverse: bool) -> None:
    """Emit the nodes boxed by layer, then by neuron, then the rest.

    The neurons of a layer must come out in index order, neuron 0 first (on top in LR, on the
    left in TB), as ``draw_network`` draws them. Graphviz takes no order constraint between
    clusters; the graph's ``mclimit`` keeps the order they are written in, which the renderer
    may turn round: ``reverse`` writes them last to first for such a renderer
    (``viz.backend.clusters_come_out_reversed``).
    """
    layers: dict[int, dict[int | None, list[_Node]]] = {}
    for n in nodes:
        if n.group is not None:
            layers.setdefault(n.group[0], {}).setdefault(n.group[1], []).append(n)
    box = {"style": "rounded", "color": "#999999", "fontsize": "11"}
    for layer in sorted(layers):
        title = "inputs (layer 0)" if layer == 0 else f"layer {layer}"
        with g.subgraph(name=f"cluster_layer{layer}", graph_attr={**box, "label": title}) as lg:
            neurons = layers[layer]
            for n in neurons.get(None, []):
                lg.node(n.name, f"<{n.html}>", **n.attrs)
            for j in sorted((k for k in neurons if k is not None), reverse=reverse):
                name = f"cluster_layer{layer}_neuron{j}"
                with lg.subgraph(name=name, graph_attr={**box, "label": f"neuron {j}"}) as ng:
                    for n in neurons[j]:
                        ng.node(n.name, f"<{n.html}>", **n.attrs)
    for n in nodes:
        if n.group is None:
            g.node(n.name, f"<{n.html}>", **n.attrs)
