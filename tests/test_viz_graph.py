"""viz.draw: the DOT text of computation graphs, checked against hand-written expectations.

The golden DOT texts below are the specification of the drawing, written out by hand from the
rules in ``viz.graph``'s docstring (ids in evaluation order, a record per value, an op node per
operation, argument positions where order matters, a table for constant inputs). Any change of
the drawing shows up here as a diff to review.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import viz
from autograd import Value
from nn import MLP, cross_entropy, squared_error
from tests.support.browser import open_page, start_browser
from tests.support.svg import svg_cluster_boxes
from viz.graph import (
    SHADE_RGB,
    evaluation_order,
    format_number,
    label_html,
    op_symbol_html,
    shade_colour,
)

# Node and edge defaults every drawing starts with (Graphviz sorts no attributes: the graphviz
# package writes keyword attributes in alphabetical order).
HEADER = """digraph {
\tgraph [fontname=Verdana rankdir=LR]
\tnode [fontname=Verdana fontsize=12 height=0 margin=0 shape=none width=0]
\tedge [fontname=Verdana fontsize=10]
"""
TABLE = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="5">'
OP = "height=0.3 margin=0.04 shape=ellipse width=0.4"


def record(cells: str) -> str:
    """The label of a value's record with the given cells, as it appears in the DOT text."""
    return f"label=<{TABLE}<TR>{cells}</TR></TABLE>>"


def test_golden_dot_of_a_times_b_plus_c() -> None:
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c")
    e = a * b + c
    e.backward()
    # Evaluation order: a, b, then a*b (v2, made by op2), then c, then the sum (v4, op4).
    # Gradients by hand: ∂e/∂a = b = -3, ∂e/∂b = a = 2, ∂e/∂c = ∂e/∂(ab) = 1.
    expected = (
        HEADER
        + f"\tv0 [{record('<TD>a</TD><TD>data 2</TD><TD>grad -3</TD>')}]\n"
        + f"\tv1 [{record('<TD>b</TD><TD>data -3</TD><TD>grad 2</TD>')}]\n"
        + f"\top2 [label=<×> {OP}]\n"
        + f"\tv2 [{record('<TD>data -6</TD><TD>grad 1</TD>')}]\n"
        + f"\tv3 [{record('<TD>c</TD><TD>data 10</TD><TD>grad 1</TD>')}]\n"
        + f"\top4 [label=<+> {OP}]\n"
        + f"\tv4 [{record('<TD>data 4</TD><TD>grad 1</TD>')}]\n"
        + "\tv0 -> op2\n"
        + "\tv1 -> op2\n"
        + "\top2 -> v2\n"
        + "\tv2 -> op4\n"
        + "\tv3 -> op4\n"
        + "\top4 -> v4\n"
        + "}\n"
    )
    assert viz.draw(e).source == expected


def test_golden_dot_of_ordered_operations_shows_argument_positions() -> None:
    # e = a - b / c: both '-' and '/' care about order, so every incoming edge says 0 or 1.
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c")
    e = a - b / c
    e.backward()
    # By hand: e = 2 - (-0.3) = 2.3; ∂e/∂a = 1, ∂e/∂b = -1/c = -0.1, ∂e/∂c = b/c² = -0.03,
    # ∂e/∂(b/c) = -1.
    expected = (
        HEADER
        + f"\tv0 [{record('<TD>a</TD><TD>data 2</TD><TD>grad 1</TD>')}]\n"
        + f"\tv1 [{record('<TD>b</TD><TD>data -3</TD><TD>grad -0.1</TD>')}]\n"
        + f"\tv2 [{record('<TD>c</TD><TD>data 10</TD><TD>grad -0.03</TD>')}]\n"
        + f"\top3 [label=<÷> {OP}]\n"
        + f"\tv3 [{record('<TD>data -0.3</TD><TD>grad -1</TD>')}]\n"
        + f"\top4 [label=<−> {OP}]\n"
        + f"\tv4 [{record('<TD>data 2.3</TD><TD>grad 1</TD>')}]\n"
        + "\tv1 -> op3 [label=<0>]\n"
        + "\tv2 -> op3 [label=<1>]\n"
        + "\top3 -> v3\n"
        + "\tv0 -> op4 [label=<0>]\n"
        + "\tv3 -> op4 [label=<1>]\n"
        + "\top4 -> v4\n"
        + "}\n"
    )
    assert viz.draw(e).source == expected


def test_golden_dot_of_a_weighted_sum_of_constants() -> None:
    # z = 0.5·3 + (-1)·4 + 0.25 = -2.25, with the inputs 3 and 4 kept as constants of the node.
    w = [Value(0.5), Value(-1.0)]
    z = Value.weighted_sum(w, [3.0, 4.0], Value(0.25, "bias"))
    z.backward()
    sub = '<SUB><FONT POINT-SIZE="9">{}</FONT></SUB>'
    xs = (
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
        f"<TR><TD>x{sub.format(0)}</TD><TD>3</TD></TR>"
        f"<TR><TD>x{sub.format(1)}</TD><TD>4</TD></TR></TABLE>"
    )
    # ∂z/∂w_k = x_k (3 and 4), ∂z/∂b = 1. The weights have no label, so their edges say which
    # term they fill; the constants table joins the operation with a dashed edge.
    expected = (
        HEADER
        + f"\tv0 [{record('<TD>data 0.5</TD><TD>grad 3</TD>')}]\n"
        + f"\tv1 [{record('<TD>data -1</TD><TD>grad 4</TD>')}]\n"
        + f"\tv2 [{record('<TD>bias</TD><TD>data 0.25</TD><TD>grad 1</TD>')}]\n"
        + f"\tx0 [label=<{xs}>]\n"
        + f"\top3 [label=<Σwx+b> {OP}]\n"
        + f"\tv3 [{record('<TD>data -2.25</TD><TD>grad 1</TD>')}]\n"
        + f"\tv0 -> op3 [label=<w{sub.format(0)}>]\n"
        + f"\tv1 -> op3 [label=<w{sub.format(1)}>]\n"
        + "\tv2 -> op3 [label=<b>]\n"
        + "\tx0 -> op3 [style=dashed]\n"
        + "\top3 -> v3\n"
        + "}\n"
    )
    assert viz.draw(z).source == expected


def test_node_ids_follow_evaluation_order_and_the_text_is_deterministic() -> None:
    def build() -> Value:
        x = Value(1.5, "x")
        y = x * x + (x + 2.0).tanh()
        y.backward()
        return y

    first, second = viz.draw(build()).source, viz.draw(build()).source
    assert first == second
    # Depth-first in argument order: x, x*x, the constant 2, x + 2, tanh(x + 2), the sum.
    # (approx only to compare a list; the values are computed exactly as written here.)
    y = build()
    order = evaluation_order(y)
    assert [v.data for v in order] == pytest.approx([1.5, 2.25, 2.0, 3.5, math.tanh(3.5), y.data])
    assert order[-1] is y
    position = {v: i for i, v in enumerate(order)}
    assert all(position[p] < position[v] for v in order for p in v.parents)
    # Every value once: x is used three times but drawn once.
    assert len(order) == len(set(order)) == 6
    assert len(re.findall(r"^\tv\d+ \[", first, flags=re.M)) == 6


def test_a_graph_ten_thousand_deep_draws_without_recursion() -> None:
    x = Value(1.0, "x")
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    limit = sys.getrecursionlimit()
    source = viz.draw(y).source
    assert sys.getrecursionlimit() == limit
    # Values: x, then per step the constant 1.0001 and the product; one op per product.
    assert len(re.findall(r"^\tv\d+ \[", source, flags=re.M)) == 1 + 2 * 10_000
    assert len(re.findall(r"^\top\d+ \[", source, flags=re.M)) == 10_000
    # ∂y/∂x = 1.0001^10000 = e^(10000·ln 1.0001) ≈ 2.718 (to 4 digits: 2.718).
    assert "<TD>x</TD><TD>data 1</TD><TD>grad 2.718</TD>" in source


def test_notes_labels_get_subscripts_and_superscripts() -> None:
    # The labels themselves are read by nn.notation (tests/test_nn_notation.py).
    sub = '<SUB><FONT POINT-SIZE="9">{}</FONT></SUB>'
    sup = '<SUP><FONT POINT-SIZE="9">{}</FONT></SUP>'
    assert label_html("w_{2,1}^(3)") == f"<I>w</I>{sub.format('2,1')}{sup.format('(3)')}"
    assert label_html("a_{0}^(2)") == f"<I>a</I>{sub.format('0')}{sup.format('(2)')}"


def test_other_labels_are_escaped_plain_text() -> None:
    assert label_html("a<b") == "a&lt;b"
    assert label_html("x & y > 0") == "x &amp; y &gt; 0"
    assert label_html('say "hi"') == "say &quot;hi&quot;"
    v = Value(1.0, "a<b>&c")
    source = viz.draw(v).source
    assert "<TD>a&lt;b&gt;&amp;c</TD>" in source
    assert "a<b>" not in source


def test_digits_are_configurable() -> None:
    assert format_number(3.14159265, 4) == "3.142"
    assert format_number(3.14159265, 2) == "3.1"
    assert format_number(-0.000123456, 3) == "-0.000123"
    assert format_number(2.0, 4) == "2"
    x = Value(3.14159265, "x")
    y = x * x
    y.backward()  # ∂y/∂x = 2x = 6.2831853
    assert "<TD>data 3.1</TD><TD>grad 6.3</TD>" in viz.draw(y, digits=2).source
    assert "<TD>data 3.14159</TD><TD>grad 6.28319</TD>" in viz.draw(y, digits=6).source


def test_operation_symbols() -> None:
    sup2 = '<SUP><FONT POINT-SIZE="9">2</FONT></SUP>'
    assert op_symbol_html("*") == "×"
    assert op_symbol_html("/") == "÷"
    assert op_symbol_html("-") == "−"
    assert op_symbol_html("**2") == f"x{sup2}"
    assert op_symbol_html("sigmoid") == "σ"
    assert op_symbol_html("sum") == "Σ"
    assert op_symbol_html("log") == "ln"
    assert op_symbol_html("wsum") == "Σwa+b"
    assert op_symbol_html("wsum", has_constants=True) == "Σwx+b"
    assert op_symbol_html("<odd>") == "&lt;odd&gt;"
    # Drawn: (x**2 - y**y).sigmoid(), a Σ over two terms, and ln.
    x, y = Value(0.5, "x"), Value(1.5, "y")
    out = Value.sum([(x**2 - y**y).sigmoid(), x.log()])
    source = viz.draw(out).source
    for symbol in (f"x{sup2}", "x<SUP>", "−", "σ", "Σ", "ln"):
        assert f"label=<{symbol}" in source, symbol
    # '**' with a Value exponent: base at position 0, exponent at position 1.
    assert re.search(r"\tv2 -> op(\d+) \[label=<0>\]\n\tv2 -> op\1 \[label=<1>\]", source)


def test_weighted_sum_of_values_labels_its_terms_unless_the_notes_do() -> None:
    w0, w1 = Value(0.5, "w_{0,0}^(2)"), Value(-1.0)
    a0, a1 = Value(2.0, "a_{0}^(1)"), Value(3.0, "h")
    z = Value.weighted_sum([w0, w1], [a0, a1], Value(0.1))
    edges = [line for line in viz.draw(z).source.splitlines() if "-> op" in line]
    sub = '<SUB><FONT POINT-SIZE="9">{}</FONT></SUB>'
    # Parents are (w0, w1, a0, a1, b): w0 and a0 say their index in their own labels.
    assert edges == [
        "\tv0 -> op5",
        f"\tv1 -> op5 [label=<w{sub.format(1)}>]",
        "\tv2 -> op5",
        f"\tv3 -> op5 [label=<a{sub.format(1)}>]",
        "\tv4 -> op5 [label=<b>]",
    ]


def test_equal_constant_inputs_share_one_table() -> None:
    x = [1.0, 2.0]
    z1 = Value.weighted_sum([Value(1.0), Value(1.0)], x)
    z2 = Value.weighted_sum([Value(2.0), Value(2.0)], list(x))
    z3 = Value.weighted_sum([Value(2.0), Value(2.0)], [1.0, 5.0])
    source = viz.draw(z1 + z2 + z3).source
    assert len(re.findall(r"^\tx\d+ \[", source, flags=re.M)) == 2
    assert len(re.findall(r"^\tx0 -> op\d+ \[style=dashed\]", source, flags=re.M)) == 2
    assert len(re.findall(r"^\tx1 -> op\d+ \[style=dashed\]", source, flags=re.M)) == 1


def test_shading_is_linear_in_abs_grad_relative_to_the_largest() -> None:
    a, b = Value(1.0, "a"), Value(4.0, "b")
    c = a * b
    c.backward()  # grads: a 4 (the largest), b 1, c 1; so a is full colour, b and c a quarter.
    # d and the nodes added after the backward pass have grad 0: no fill.
    d = Value(5.0, "d")
    source = viz.draw(c + 0.0 * d, shade=True).source
    full = "#{:02x}{:02x}{:02x}".format(*SHADE_RGB)
    assert full == "#ef6548"
    # t = 1/4 of the way from white (255) to (239, 101, 72): 251, 216.5 -> 216 (Python rounds
    # halves to even), 209.25 -> 209.
    quarter = "#fbd8d1"
    assert shade_colour(1.0) == full
    assert shade_colour(0.25) == quarter
    assert shade_colour(0.0) == "#ffffff"

    def fill(label: str) -> str | None:
        m = re.search(rf'(?:BGCOLOR="(#[0-9a-f]+)")?><TR><TD>{label}</TD>', source)
        assert m is not None, label
        return m.group(1)

    assert fill("a") == full
    assert fill("b") == quarter
    assert fill("d") is None
    assert "BGCOLOR" not in viz.draw(c).source


@pytest.mark.parametrize("reversed_by_renderer", [False, True])
def test_clusters_group_each_neuron_and_layer_by_the_notes_labels(
    monkeypatch: pytest.MonkeyPatch, reversed_by_renderer: bool
) -> None:
    # Which way round the neurons are written depends on the renderer (see the SVG test
    # below); here it is fixed, so that the text is known.
    monkeypatch.setattr(
        viz.graph, "clusters_come_out_reversed", lambda rankdir: reversed_by_renderer
    )
    model = MLP(2, [2, 1], seed=3)
    cost = squared_error(model.forward([0.5, -1.0]), [1.0])
    cost.backward()
    source = viz.draw(cost, cluster=True).source
    blocks = _subgraph_blocks(source)
    neurons = ["cluster_layer1_neuron0", "cluster_layer1_neuron1"]
    assert list(blocks) == [
        "cluster_layer0",
        "cluster_layer1",
        *(neurons[::-1] if reversed_by_renderer else neurons),
        "cluster_layer2",
        "cluster_layer2_neuron0",
    ]
    # Few crossing-minimisation sweeps, so that the written order survives the layout.
    assert "mclimit=0.1" in source.splitlines()[1]
    assert "mclimit" not in viz.draw(cost).source
    order = evaluation_order(cost)
    for l in (1, 2):
        for j, neuron in enumerate(model.layers[l - 1].neurons):
            block = blocks[f"cluster_layer{l}_neuron{j}"]
            members = set(re.findall(r"^\s*((?:v|op)\d+) \[", block, flags=re.M))
            labels = {f"w_{{{j},{k}}}^({l})" for k in range(len(neuron.w))}
            labels |= {f"b_{{{j}}}^({l})", f"z_{{{j}}}^({l})", f"a_{{{j}}}^({l})"}
            # The neuron's values, and the operations that made its z and its a.
            expected = set()
            for i, v in enumerate(order):
                if v.label in labels:
                    expected.add(f"v{i}")
                    if v.op:
                        expected.add(f"op{i}")
            assert len(expected) == len(neuron.w) + 1 + 2 * 2
            assert members == expected, (l, j)
    # The input x (constants of the layer-1 z's) is one table in layer 0.
    assert re.findall(r"^\s*(x\d+) \[", blocks["cluster_layer0"], flags=re.M) == ["x0"]


#: Small networks whose neurons tie for every crossing (each joined to all the inputs and all
#: the next layer), the case where Graphviz shuffled them: squared error, and a softmax output.
ORDERED_CASES = [
    ((2, 3, 3, 2), "sigmoid", squared_error),
    ((3, 4, 3), "softmax", cross_entropy),
]


@pytest.mark.parametrize("rankdir", ["LR", "RL", "TB", "BT"])
@pytest.mark.parametrize(("sizes", "output", "loss"), ORDERED_CASES)
def test_clustered_neurons_come_out_in_index_order(
    rankdir: str, sizes: tuple[int, ...], output: str, loss: Any
) -> None:
    """Rendered by the project's renderer, neuron j's box is above neuron j + 1's (LR, RL) or
    to its left (TB, BT), in every layer: the order of ``draw_network`` and of the notes."""
    model = MLP(sizes[0], list(sizes[1:]), output_activation=output, seed=2)
    y = [0.0] * sizes[-1]
    y[-1] = 1.0
    cost = loss(model([0.25 * (k + 1) for k in range(sizes[0])]), y)
    cost.backward()
    boxes = svg_cluster_boxes(viz.to_svg(cost, cluster=True, rankdir=rankdir))
    for l, n in enumerate(sizes[1:], start=1):
        for j in range(n - 1):
            _, _, right, bottom = boxes[f"cluster_layer{l}_neuron{j}"]
            next_left, next_top, _, _ = boxes[f"cluster_layer{l}_neuron{j + 1}"]
            # Disjoint boxes, in order: the next one starts where this one has ended.
            if rankdir in ("LR", "RL"):
                assert bottom <= next_top, (rankdir, l, j)
            else:
                assert right <= next_left, (rankdir, l, j)


def _subgraph_blocks(source: str) -> dict[str, str]:
    """Each ``subgraph NAME {...}`` of a DOT text with its body, nested ones included."""
    blocks = {}
    for m in re.finditer(r"subgraph (\w+) \{", source):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(source[i], 0)
            i += 1
        blocks[m.group(1)] = source[m.end() : i - 1]
    return blocks


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="draw needs a Value, got float"):
        viz.draw(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir must be one of LR, RL, TB, BT, got 'XY'"):
        viz.draw(Value(1.0), rankdir="XY")
    for bad in (0, 18, True, 2.5):
        with pytest.raises(ValueError, match="digits must be an integer from 1 to 17"):
            viz.draw(Value(1.0), digits=bad)  # type: ignore[arg-type]


def test_rankdir_is_passed_to_graphviz() -> None:
    assert "rankdir=TB" in viz.draw(Value(1.0), rankdir="TB").source


def test_several_outputs_in_one_picture_share_their_values() -> None:
    a, b = Value(2.0, "a"), Value(3.0, "b")
    product, total = a * b, a + b
    product.label, total.label = "p", "s"
    source = viz.draw([product, total]).source
    # a and b once each, the two results, and one operation per result: 3 edges each.
    assert len(re.findall(r"^\s*v\d+ \[", source, flags=re.M)) == 4
    assert source.count("->") == 6
    assert "<TD>p</TD>" in source
    assert "<TD>s</TD>" in source
    # The same as drawing each alone, where nothing is shared.
    assert viz.draw([product]).source == viz.draw(product).source


def test_a_network_is_sent_to_draw_network() -> None:
    with pytest.raises(TypeError, match=r"for a whole network \(MLP\) use viz.draw_network"):
        viz.draw(MLP(2, [1], seed=0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="the list holds int"):
        viz.draw([Value(1.0), 3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="draw needs a Value, got list"):
        viz.draw([])


def test_a_squared_errors_terms_are_named_and_z_grads_called_delta() -> None:
    model = MLP(2, [1], seed=0)
    cost = squared_error(model([0.3, 0.5]), [0.25])
    cost.backward()
    source = viz.draw(cost).source
    y = '<I>y</I><SUB><FONT POINT-SIZE="9">0</FONT></SUB>'
    a = label_html("a_{0}^(1)")
    # The target y_0 (a plain number: data, no grad), a − y and (a − y)².
    assert f"<TD>{y}</TD><TD>data 0.25</TD></TR>" in source
    diff = next(v for v in evaluation_order(cost) if v.op == "-")
    assert f"<TD>{a} − {y}</TD><TD>data {format_number(diff.data, 4)}</TD>" in source
    sup2 = '<SUP><FONT POINT-SIZE="9">2</FONT></SUP>'
    assert f"<TD>({a} − {y}){sup2}</TD>" in source
    # ∂C/∂z_0^(1) is the notes' δ_0^(1).
    z = next(v for v in evaluation_order(cost) if v.label == "z_{0}^(1)")
    delta = "= <I>δ</I>" + label_html("z_{0}^(1)").removeprefix("<I>z</I>")
    assert f"<TD>grad {format_number(z.grad, 4)}</TD><TD>{delta}</TD>" in source
    # A difference of anything else stays unnamed.
    u, w = Value(1.0, "u"), Value(2.0)
    assert "<I>y</I>" not in viz.draw(u - w).source


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    driver = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def test_every_text_fits_its_cell_in_a_browser(chrome: Any, tmp_path: Path) -> None:
    # The layout measures text in Verdana; Chromium here draws with whatever sans font the
    # machine has (DejaVu Sans on Debian, wider than Helvetica): each text must still end
    # inside its own cell, measured by the browser itself.
    model = MLP(2, [3, 2], seed=1)
    cost = squared_error(model([0.8607, -0.3333]), [0.123456, 0.987654])
    cost.backward()
    path = tmp_path / "g.svg"
    viz.render(cost, path, digits=6, cluster=True)
    open_page(chrome, path)
    overflows = chrome.execute_script(
        """const bad = [];
        document.querySelectorAll('g.node').forEach((g) => {
          const cells = Array.from(g.querySelectorAll('polygon')).map((p) => p.getBBox());
          g.querySelectorAll('text').forEach((t) => {
            const b = t.getBBox();
            const mid = b.y + b.height / 2;
            const cell = cells.find((c) => b.x >= c.x - 0.5 && b.x <= c.x + c.width &&
                                           mid >= c.y && mid <= c.y + c.height);
            if (cell && b.x + b.width > cell.x + cell.width + 0.5) bad.push(t.textContent);
          });
        });
        return bad;"""
    )
    assert overflows == []
    fonts = chrome.execute_script(
        "return getComputedStyle(document.querySelector('text')).fontFamily;"
    )
    assert "Verdana" in fonts


def test_expand_draws_each_weighted_sum_as_products_and_a_sum() -> None:
    model = MLP(2, [2, 1], seed=0)
    x = [0.3, 0.5]
    cost = squared_error(model(x), [0.5])
    cost.backward()
    source = viz.draw(cost, expand=True).source
    assert "Σw" not in source
    # One × per weight (2·2 + 2·1), one + per neuron, plus the cost's own operations.
    assert len(re.findall(r"^\s*mop\d+_\d+ \[label=<×>", source, flags=re.M)) == 6
    assert len(re.findall(r"^\s*op\d+ \[label=<\+>", source, flags=re.M)) == 3
    # Every product's data is w_k · a_k and its grad is z's: ∂z/∂(w_k a_k) = 1.
    zs = [v for v in evaluation_order(cost) if v.label.startswith("z_")]
    assert len(zs) == 3
    for z in zs:
        n = len(z.parents) // 2 if not z.constants else len(z.constants)
        ins = list(z.constants) if z.constants else [a.data for a in z.parents[n : 2 * n]]
        for w, a in zip(z.parents[:n], ins, strict=True):
            cell = (
                f"<TD>data {format_number(w.data * a, 4)}</TD><TD>grad {format_number(z.grad, 4)}"
            )
            assert cell in source, z.label


def test_a_constant_shows_no_grad() -> None:
    x = Value(3.0, "x")
    out = x * 2.0
    out.backward()
    source = viz.draw(out).source
    assert "<TD>data 2</TD></TR>" in source  # the constant 2: data, and no grad cell
    assert "<TD>x</TD><TD>data 3</TD><TD>grad 2</TD>" in source
