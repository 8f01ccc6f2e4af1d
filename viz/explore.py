"""Watch backpropagation happen: one self-contained HTML page that replays a backward pass.

``explore(root)`` lays out root's computation graph as ``viz.draw`` does (Graphviz, inline SVG;
a little more room between ranks, for the numbers the edges carry) and adds a small script and
style of its own; the page needs nothing else (no network, no file beside it, not even a URL), so
it opens from ``file://`` and inside a notebook (``_repr_html_``).

What the page does, and the contract tests hold on to:

* Every value's SVG element carries ``data-node="i"``, i its position in
  ``autograd.topological_order(root)`` (0 is the root), and shows ``data …`` and ``grad …``
  formatted as ``viz.draw`` formats them (``digits`` significant digits).
* The backward pass is replayed in the engine's own order, one node of ``topological_order``
  per step: step k processes node k - 1. Processing a node passes ``upstream grad × local
  partial`` to each of its parents (shown on the edge) and adds it to the parent's running grad
  (the ``+=`` where a value feeds several consumers). At step 0 only the root holds its seed, 1;
  after the last step every grad shown is the one ``root.backward()`` gives on a fresh graph. The
  numbers are computed here, with the engine's table rows and in the engine's order of
  additions, so they agree with the engine bit for bit; the script only shows them.
* ``window.chainrule`` has ``steps`` (their number), ``step`` (the current one) and ``go(k)``.
  Buttons ``#prev``, ``#next``, ``#play`` (pause) and ``#reset`` and the ← → keys step.
* Clicking or focusing a value fills ``#details``: its label, data, grad, the operation that
  made it with its local partials from the rule table (formula and number), the contributions
  its grad has received so far, and its chain from the root: the sum over paths of the products
  of local partials.
* With ``model`` (an ``nn.MLP`` whose forward pass is in root's graph) the page also holds the
  network view of ``viz.draw_network``, stepped layer by layer from the output, each neuron
  showing δ_j^(l) = ∂C/∂z_j^(l) read from root's graph.

Graphs above ``MAX_NODES`` values are refused with a message that says what to draw instead.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd import Value, topological_order
from nn.notation import parse_label
from viz.backend import run_renderer
from viz.graph import (
    _draw,
    check_digits,
    derived_labels,
    evaluation_order,
    format_number,
    is_constant,
)
from viz.network import MLPLike, check_network, draw_network

#: The largest graph a page is made for. A page of N values carries about 2 kB of SVG and
#: data per value, and the browser lays out every element of it; beyond this the page is too
#: big to step smoothly, and the whole-network picture (draw_network) is the one to look at.
MAX_NODES = 5000


class ExplorerPage(str):
    """The HTML text of an explorer page; a notebook shows it inline (``_repr_html_``)."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        return str(self)


@dataclass
class _Step:
    """One step of the replay: the node processed, its upstream grad, what each parent gets."""

    node: int
    upstream: float
    # (parent, parent position, partial, contribution, parent's grad before, after)
    passes: list[tuple[int, int, float, float, float, float]]


def _replay(order: Sequence[Value]) -> tuple[list[_Step], list[float], list[list[float]]]:
    """The backward pass from order[0] with seed 1, node by node as the engine runs it.

    Returns the steps, each value's final grad, and each value's local partials (one per
    parent). Contributions are added in the engine's order, the first one stored as is, so the
    final grads are the engine's to the last bit; a constant receives nothing.
    """
    index = {v: i for i, v in enumerate(order)}
    grads: list[float | None] = [None] * len(order)
    grads[0] = 1.0
    steps = []
    local: list[list[float]] = []
    for i, node in enumerate(order):
        g = grads[i]
        upstream = 0.0 if g is None else g
        passes = []
        local.append([])
        rule = node._rule
        if rule is not None and node.parents:
            args = [p.data for p in node.parents]
            try:
                partials = rule.partials(node.data, *args, *node._ctx)
            except (ArithmeticError, ValueError) as e:
                raise ValueError(
                    f"explore: cannot replay the backward pass through '{node.op}' (node {i}): {e}"
                ) from e
            local[i] = [float(d) for d in partials]
            for j, (p, d) in enumerate(zip(node.parents, partials, strict=True)):
                if is_constant(p):
                    continue
                k = index[p]
                before = grads[k]
                c = upstream * float(d)
                after = c if before is None else before + c
                grads[k] = after
                # Shown as the engine would store it: .grad (0.0 before the pass) += the sum,
                # which turns a sum of -0.0 into 0.0.
                shown_before = 0.0 if before is None else 0.0 + before
                passes.append((k, j, float(d), c, shown_before, 0.0 + after))
        steps.append(_Step(i, upstream, passes))
    return steps, [0.0 if g is None else 0.0 + g for g in grads], local


def _arg_names(node: Value) -> list[tuple[str, str]]:
    """(argument name, text of ∂out/∂argument) per parent, from the node's table row."""
    rule = node._rule
    assert rule is not None
    n = len(node.parents)
    d = rule.derivatives
    if rule.name == "wsum":
        m = (n - 1) // 2
        pairs = [(f"w_{k}", d[0].replace("_k", f"_{k}")) for k in range(m)]
        pairs += [(f"a_{k}", d[1].replace("_k", f"_{k}")) for k in range(m)]
        return [*pairs, ("b", d[2])]
    if rule.name == "wsumc":
        m = n - 1
        return [*[(f"w_{k}", d[0].replace("_k", f"_{k}")) for k in range(m)], ("b", d[1])]
    if rule.name == "sum":
        return [(f"x_{k}", d[0]) for k in range(n)]
    names = ("x", "y")
    return [(names[j] if j < 2 else f"x_{j}", d[j] if j < len(d) else "?") for j in range(n)]


_SUB_SUP = re.compile(r"_\{([^}]*)\}|\^\(([^)]*)\)")


def label_markup(label: str) -> str:
    """A label as HTML for the panel: the notes' w_{j,k}^(l) with real sub- and superscripts."""
    if parse_label(label) is None:
        return html.escape(label)
    out, last = [], 0
    for m in _SUB_SUP.finditer(label):
        out.append(html.escape(label[last : m.start()]))
        if m.group(1) is not None:
            out.append(f"<sub>{html.escape(m.group(1))}</sub>")
        else:
            out.append(f"<sup>({html.escape(m.group(2))})</sup>")
        last = m.end()
    out.append(html.escape(label[last:]))
    return f"<i>{out[0]}</i>{''.join(out[1:])}"


def plain_name(markup: str) -> str:
    """A derived label's HTML-like markup as plain text in the labels' own notation.

    ``<SUB>0</SUB>`` becomes ``_{0}`` and ``<SUP>(2)</SUP>`` ``^(2)``, as in ``a_{0}^(2)``; other
    tags are dropped.

    >>> plain_name("(<I>a</I><SUB>0</SUB><SUP>(2)</SUP> − <I>y</I><SUB>0</SUB>)<SUP>2</SUP>")
    '(a_{0}^(2) − y_{0})^2'
    """
    text = re.sub(r"<SUB>(.*?)</SUB>", r"_{\1}", markup, flags=re.IGNORECASE)
    text = re.sub(r"<SUP>(.*?)</SUP>", r"^\1", text, flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def _check_model(model: Any) -> MLPLike:
    check_network(model)
    return model  # type: ignore[no-any-return]


def explore(
    root: Value,
    path: str | os.PathLike[str] | None = None,
    digits: int = 4,
    *,
    model: MLPLike | None = None,
    rankdir: str = "LR",
) -> ExplorerPage:
    """The explorer page of root's graph (module docstring); also written to ``path`` if given.

    ``digits``: significant digits, as in ``viz.draw``. ``model``: the ``nn.MLP`` whose forward
    pass root's graph holds, for the layer-by-layer network view. Raises ``TypeError`` if root is
    not a Value, ``ValueError`` for a graph of more than ``MAX_NODES`` values or one whose
    backward pass has no finite derivative, and the renderer's errors (``RendererNotFound``,
    ``RenderError``) as ``viz.render`` does.
    """
    if not isinstance(root, Value):
        hint = (
            " (for a network use viz.draw_network, or pass model=)"
            if hasattr(root, "layers")
            else ""
        )
        raise TypeError(f"explore needs a Value, got {type(root).__name__}: {root!r}{hint}")
    check_digits(digits)
    order = topological_order(root)
    if len(order) > MAX_NODES:
        raise ValueError(
            f"explore: the graph has {len(order):,} values, more than the {MAX_NODES:,} a page "
            "steps through smoothly; explore a smaller example (one input, a smaller network), "
            "or draw the whole network with viz.draw_network"
        )
    net = _check_model(model) if model is not None else None
    steps, final, local = _replay(order)
    topo = {v: i for i, v in enumerate(order)}
    evals = evaluation_order(root)
    ev = {v: i for i, v in enumerate(evals)}

    def num(x: float) -> str:
        return format_number(x, digits)

    # The widest number each grad cell will show, so that the layout leaves room for it.
    widest: dict[Value, str] = {v: num(0.0) for v in order}
    widest[root] = num(1.0)
    for s in steps:
        for k, _j, _d, _c, _b, after in s.passes:
            text = num(after)
            if len(text) > len(widest[order[k]]):
                widest[order[k]] = text
    graph = _draw(
        root,
        rankdir,
        digits=digits,
        grad_text=lambda v: widest[v],
        ids=True,
        deltas=False,
        spacing=1.2,  # inches between ranks: room on each edge for "g × d = c"
    )
    svg = _inline_svg(run_renderer(graph.source, "svg").decode("utf-8"))
    svg = re.sub(
        r'<g id="v(\d+)" class="node">',
        lambda m: (
            f'<g id="v{m.group(1)}" class="node value" data-node="{topo[evals[int(m.group(1))]]}" '
            'tabindex="0">'
        ),
        svg,
    )

    derived = derived_labels(order)  # y_j, a − y, (a − y)²: as the picture names them
    nodes = []
    for i, v in enumerate(order):
        entry: dict[str, Any] = {
            "label": str(v.label),
            "html": label_markup(str(v.label)) if v.label else derived.get(v, ""),
            # What the panel and the status line call it: the picture's name for y_j, a − y
            # and (a − y)², which have no label of their own.
            "name": str(v.label) or plain_name(derived.get(v, "")),
            "data": num(v.data),
            "grad": num(final[i]),
            "engine": num(float(v.grad)),
            "op": v.op,
            "parents": [topo[p] for p in v.parents],
            "partials": local[i],
            "constant": is_constant(v),
        }
        if v._rule is not None and v.parents:
            entry["formula"] = v._rule.formula
            entry["args"] = _arg_names(v)
            entry["constants"] = [num(c) for c in v.constants]
        nodes.append(entry)
    data = {
        "digits": digits,
        "nodes": nodes,
        "steps": [
            {
                "node": s.node,
                "up": num(s.upstream),
                "passes": [
                    [k, f"e{ev[order[s.node]]}_{j}", d, num(d), num(c), num(b), num(a), j]
                    for k, j, d, c, b, a in s.passes
                ],
            }
            for s in steps
        ],
    }
    network = ""
    if net is not None:
        network, data["network"] = _network_view(net, root, order, final, digits)
    page = ExplorerPage(_page(svg, network, data, str(root.label) or "the output"))
    if path is not None:
        from nn.fileio import write_atomic  # as viz.render does: atomic replacement

        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, page.encode("utf-8"))
    return page


def _network_view(
    model: MLPLike, root: Value, order: Sequence[Value], final: Sequence[float], digits: int
) -> tuple[str, dict[str, Any]]:
    """The draw_network SVG with data-neuron="l,j" marks, and δ_j^(l) per layer from the graph."""
    sizes = list(model.sizes)
    z_grad: dict[tuple[int, int], float] = {}
    for i, v in enumerate(order):
        parts = parse_label(str(v.label))
        if parts is not None and parts.letter == "z" and parts.k is None:
            z_grad[(int(parts.layer), int(parts.j))] = final[i]
    layers = []
    for l in range(len(sizes) - 1, 0, -1):
        deltas = []
        for j in range(sizes[l]):
            if (l, j) not in z_grad:
                raise ValueError(
                    f"explore: model= is given but root's graph has no z_{{{j}}}^({l}): pass the "
                    "model whose forward pass made root"
                )
            deltas.append(format_number(z_grad[(l, j)], digits))
        layers.append({"layer": l, "deltas": deltas})
    svg = _inline_svg(run_renderer(draw_network(model, digits=digits).source, "svg").decode())
    svg = re.sub(
        r'(<g id="[^"]*" class="node">\s*<title>n(\d+)_(\d+)</title>)',
        lambda m: m.group(1).replace(
            'class="node">', f'class="node neuron" data-neuron="{m.group(2)},{m.group(3)}">'
        ),
        svg,
    )
    return svg, {"layers": layers, "sizes": sizes}


def _inline_svg(svg: str) -> str:
    """Renderer output fit to sit inside HTML: no XML prolog, DOCTYPE, namespaces, comments."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg)
    # HTML puts <svg> and xlink:* in their namespaces by itself: the declarations (URLs, never
    # fetched, but URLs) can go, and the page then names no URL at all.
    svg = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", svg)
    return re.sub(r"<!--.*?-->", "", svg, flags=re.S).strip()


def _script_json(data: Any) -> str:
    """``data`` as a JavaScript literal that cannot end the <script> element it sits in."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # json writes NaN and Infinity for non-finite floats: valid JavaScript, as wanted here.
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _page(svg: str, network: str, data: dict[str, Any], title: str) -> str:
    tabs = (
        '<div id="views"><button type="button" id="view-graph" aria-pressed="true">graph'
        '</button><button type="button" id="view-network" aria-pressed="false">network'
        "</button></div>"
        if network
        else ""
    )
    network_html = (
        '<section id="network" hidden><div class="controls"><button type="button" '
        'id="net-prev">← layer</button><button type="button" id="net-next">layer →</button>'
        '<span id="net-status" aria-live="polite"></span></div>'
        f'<div class="canvas">{network}</div></section>'
        if network
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>chainrule: backpropagation of {html.escape(title)}</title>
<style>{_CSS}</style></head>
<body><div class="chainrule-explorer">
<header><h1>Backpropagation of {html.escape(title)}</h1>{tabs}</header>
<section id="graph"><div class="controls">
<button type="button" id="reset" title="back to step 0">reset</button>
<button type="button" id="prev" title="previous step (←)">← prev</button>
<button type="button" id="play" title="play / pause">play</button>
<button type="button" id="next" title="next step (→)">next →</button>
<button type="button" id="fit" aria-pressed="false" title="fit the graph to the window">fit
</button><span id="status" aria-live="polite"></span></div>
<div class="main"><div class="canvas">{svg}</div>
<aside id="details" aria-live="polite"><p>Click a value (or Tab to it) to see where its
numbers come from.</p></aside></div></section>
{network_html}
</div>
<script>const CHAINRULE_DATA = {_script_json(data)};
{_JS}</script></body></html>
"""


_CSS = """
body { font-family: Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; margin: 0;
  color: #222; }
header { display: flex; align-items: center; gap: 1em; padding: 0.4em 1em;
  border-bottom: 1px solid #ddd; }
h1 { font-size: 1.1em; margin: 0; }
.controls { padding: 0.4em 1em; display: flex; gap: 0.4em; align-items: center;
  flex-wrap: wrap; }
.controls button, #views button { font: inherit; padding: 0.2em 0.7em; }
#views button[aria-pressed="true"] { font-weight: bold; }
#status, #net-status { margin-left: 0.6em; font-size: 0.95em; }
.main { display: flex; align-items: flex-start; }
.canvas { flex: 1 1 auto; overflow: auto; max-height: 85vh; padding: 0 0.5em; }
#details { flex: 0 0 26em; max-height: 85vh; overflow: auto; border-left: 1px solid #ddd;
  padding: 0 1em; font-size: 0.92em; }
#details h2 { font-size: 1.05em; margin: 0.6em 0 0.3em; }
#details h3 { font-size: 0.95em; margin: 0.8em 0 0.2em; }
#details ul { padding-left: 1.2em; margin: 0.2em 0; }
#details .num { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
svg.fit { width: 100%; height: auto; max-height: 84vh; }
g.value { cursor: pointer; }
g.value:focus { outline: none; }
g.value:focus polygon, g.value.selected polygon { stroke: #1f6feb; stroke-width: 2.5; }
g.value.current polygon { fill: #ffe08a; }
g.value.done polygon { fill: #eef6ee; }
g.value.current.done polygon { fill: #ffe08a; }
g.value.received polygon { fill: #fde2d5; }
g.edge.active path { stroke: #d1480f; stroke-width: 2.5; }
g.edge.active polygon { fill: #d1480f; stroke: #d1480f; }
text.contribution { font-size: 10px; fill: #8a2b06; paint-order: stroke; stroke: white;
  stroke-width: 3px; }
text.contribution { fill: #999; font-size: 9px; }
text.contribution.now { fill: #8a2b06; font-size: 10px; }
g.neuron.has-delta ellipse { stroke: #d1480f; stroke-width: 2; }
text.delta { font-size: 10px; fill: #8a2b06; paint-order: stroke; stroke: white;
  stroke-width: 3px; }
"""

_JS = r"""
(function () {
  "use strict";
  const D = CHAINRULE_DATA;
  const root = (document.currentScript && document.currentScript.previousElementSibling) ||
    document;
  const $ = (id) => root.querySelector("#" + id) || document.getElementById(id);
  // The SVG namespace, read from the page (so that the page holds no URL at all).
  const SVG_NS = root.querySelector("svg").namespaceURI;
  const N = D.nodes.length;
  const els = new Array(N);
  const gradText = new Array(N);
  root.querySelectorAll("g[data-node]").forEach((g) => {
    const i = Number(g.getAttribute("data-node"));
    els[i] = g;
    g.querySelectorAll("text").forEach((t) => {
      if (t.textContent.startsWith("grad ")) gradText[i] = t;
    });
  });
  const shown = new Array(N).fill(null);
  const received = D.nodes.map(() => []);  // [step, pass] pairs applied so far, per node
  let step = 0;
  let selected = null;
  let timer = null;

  function num(x) {  // Python's format(x, ".<digits>g"), for sums and products made here
    const d = D.digits;
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const e = Number(x.toExponential(d - 1).split("e")[1]);
    const strip = (s) => s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, "");
    if (e < -4 || e >= d) {
      const [m, ex] = x.toExponential(d - 1).split("e");
      const n = Number(ex);
      return strip(m) + "e" + (n < 0 ? "-" : "+") + String(Math.abs(n)).padStart(2, "0");
    }
    return strip(x.toFixed(Math.max(0, d - 1 - e)));
  }
  // Steps change the page only through these two buffers, flushed once per go(): reading an
  // edge's geometry after a write would make the browser lay out the whole page again.
  const dirty = new Set();
  const wanted = new Map();  // edge id -> [text, shift] to show, or null to hide
  function setGrad(i, text) {
    if (shown[i] === text) return;
    shown[i] = text;
    dirty.add(i);
  }
  const edgeEl = new Map();
  $("graph").querySelectorAll("g.edge").forEach((g) => { if (g.id) edgeEl.set(g.id, g); });
  const byId = (id) => edgeEl.get(id) || null;
  const labels = new Map();  // edge id -> its <text class="contribution">
  function flush() {
    const places = new Map();
    wanted.forEach((w, id) => {  // reads first: where each new label goes
      if (w && !labels.has(id) && edgeEl.has(id)) {
        const path = edgeEl.get(id).querySelector("path");
        places.set(id, path ? path.getPointAtLength(path.getTotalLength() / 2) : null);
      }
    });
    dirty.forEach((i) => { if (gradText[i]) gradText[i].textContent = "grad " + shown[i]; });
    dirty.clear();
    wanted.forEach((w, id) => {
      let t = labels.get(id);
      if (!w) { if (t) t.style.display = "none"; return; }
      if (!t) {
        const g = edgeEl.get(id);
        if (!g) return;
        t = document.createElementNS(SVG_NS, "text");
        t.setAttribute("class", "contribution");
        t.setAttribute("text-anchor", "middle");
        const p = places.get(id);
        if (p) {
          t.setAttribute("x", p.x.toFixed(1));
          t.setAttribute("y", (p.y - 3 - 11 * w[1]).toFixed(1));
        }
        g.appendChild(t);
        labels.set(id, t);
      }
      t.textContent = w[0];
      t.style.display = "";
    });
    wanted.clear();
  }
  const edgeLabel = (id) => labels.get(id) || null;
  function passText(s, p) {
    return D.steps[s].up + " × " + p[3] + " = " + p[4];
  }
  function apply(s) {  // forward over step s (1-based): node s-1 passes its grad on
    const st = D.steps[s - 1];
    const parents = D.nodes[st.node].parents;
    st.passes.forEach((p) => {
      setGrad(p[0], p[6]);
      received[p[0]].push([s, p]);
      // A value feeding one operation twice (x · x): two edges side by side, labels stacked.
      const shift = parents.slice(0, p[7]).filter((q) => q === p[0]).length;
      wanted.set(p[1], [passText(s - 1, p), shift]);
    });
  }
  function undo(s) {  // back over step s: every parent's grad as it was before it
    const st = D.steps[s - 1];
    for (let q = st.passes.length - 1; q >= 0; q--) {
      const p = st.passes[q];
      setGrad(p[0], p[5]);
      received[p[0]].pop();
      wanted.set(p[1], null);
    }
  }
  let marked = [];  // what the last mark() highlighted, to undo without searching the page
  let doneUpTo = 0;
  function mark(scroll) {
    marked.forEach(([e, cls]) => e.classList.remove(cls));
    marked = [];
    const add = (e, cls) => { if (e) { e.classList.add(cls); marked.push([e, cls]); } };
    for (let i = Math.min(doneUpTo, step); i < Math.max(doneUpTo, step); i++) {
      if (els[i]) els[i].classList.toggle("done", i < step);
    }
    doneUpTo = step;
    if (step > 0) {
      const st = D.steps[step - 1];
      add(els[st.node], "current");
      st.passes.forEach((p) => {
        add(els[p[0]], "received");
        add(byId(p[1]), "active");
        add(edgeLabel(p[1]), "now");
      });
      if (scroll && els[st.node]) {
        els[st.node].scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    }
    $("status").textContent = statusText();
    $("prev").disabled = step === 0;
    $("next").disabled = step === N;
    if (selected !== null) details(selected);
  }
  function name(i) {
    return D.nodes[i].name ? D.nodes[i].name : "node " + i;
  }
  function statusText() {
    if (step === 0) {
      return "step 0 of " + N + ": only " + name(0) + " holds its seed, grad 1";
    }
    const st = D.steps[step - 1];
    const head = "step " + step + " of " + N + ": " + name(st.node) + " (grad " + st.up + ")";
    if (!st.passes.length) return head + " is a leaf: its grad is final, nothing to pass on";
    return head + " passes on: " + st.passes.map((p) => {
      const r = received[p[0]].length;
      const sum = r > 1 ? " (+=: now " + p[6] + ")" : "";
      return name(p[0]) + " += " + passText(step - 1, p) + sum;
    }).join("; ");
  }
  function go(k, scroll) {
    k = Math.max(0, Math.min(N, Math.trunc(Number(k)) || 0));
    while (step < k) { step += 1; apply(step); }
    while (step > k) { undo(step); step -= 1; }
    flush();
    window.chainrule.step = step;
    mark(scroll === true);
    return step;
  }
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function li(list, text) { list.appendChild(el("li", text)); }
  function consumers() {
    const c = D.nodes.map(() => []);
    D.nodes.forEach((n, i) => n.parents.forEach((p, j) => c[p].push([i, j])));
    return c;
  }
  const users = consumers();
  function paths(i, limit) {  // paths root -> i as lists of [consumer, position, parent]
    const count = new Array(N).fill(0);
    count[0] = 1;
    for (let v = 0; v < N; v++) D.nodes[v].parents.forEach((p) => { count[p] += count[v]; });
    const found = [];
    const walk = (v, tail) => {
      if (found.length >= limit) return;
      if (v === 0) { found.push(tail); return; }
      users[v].forEach(([c, j]) => walk(c, [[c, j, v], ...tail]));
    };
    walk(i, []);
    return { total: count[i], list: found };
  }
  function details(i) {
    selected = i;
    root.querySelectorAll("g.value.selected").forEach((e) => e.classList.remove("selected"));
    if (els[i]) els[i].classList.add("selected");
    const n = D.nodes[i];
    const box = $("details");
    box.replaceChildren();
    const h = el("h2");
    if (n.html) h.innerHTML = n.html; else h.textContent = "unlabelled value";
    h.appendChild(document.createTextNode(" (node " + i + ")"));
    box.appendChild(h);
    const facts = el("ul");
    li(facts, "data = " + n.data);
    li(facts, "grad now (step " + step + ") = " + (shown[i] === null ? "0" : shown[i]));
    li(facts, "grad after the whole pass = " + n.grad +
      (n.engine === n.grad ? " (the engine's .grad: " + n.engine + ")"
        : " (its .grad holds " + n.engine + ": backward() not run once on this graph)"));
    box.appendChild(facts);
    if (n.op) {
      box.appendChild(el("h3", "made by " + n.op + ": " + n.formula));
      const ps = el("ul");
      n.parents.forEach((p, j) => {
        const [arg, text] = n.args[j];
        const d = n.partials[j];
        // "x is a, node 4", or "x is node 2" for a value with no name.
        const who = D.nodes[p].name ? name(p) + ", node " + p : "node " + p;
        li(ps, "∂(" + n.formula + ")/∂" + arg + " = " + text + " = " + num(d) +
          "   (" + arg + " is " + who + ")");
      });
      if (n.constants.length) li(ps, "constants x = " + n.constants.join(", "));
      box.appendChild(ps);
    } else {
      box.appendChild(el("h3", i === 0 ? "the root, a leaf" : "a leaf: no operation made it"));
    }
    if (received[i].length) {
      box.appendChild(el("h3", "its grad so far, the += of each consumer"));
      const rs = el("ul");
      let run = [];
      received[i].forEach(([s, p]) => {
        run.push(p[4]);
        li(rs, "step " + s + ": from " + name(D.steps[s - 1].node) + ": " + passText(s - 1, p) +
          (run.length > 1 ? "; grad = " + run.join(" + ") + " = " + p[6] : ""));
      });
      box.appendChild(rs);
    }
    if (n.constant) {
      box.appendChild(el("h3", "a constant: a plain number in the expression, not " +
        "differentiated (the engine gives it no grad)"));
      return;
    }
    const ch = paths(i, 12);
    box.appendChild(el("h3", "chain from " + name(0) + ": Σ over " + ch.total +
      (ch.total === 1 ? " path" : " paths") + " of Π local partials"));
    const cs = el("ul");
    if (i === 0) li(cs, "∂" + name(0) + "/∂" + name(0) + " = 1 (the seed)");
    let sum = 0;
    ch.list.forEach((path) => {
      let prod = 1;
      const names = [name(0)];
      const factors = path.map(([c, j, v]) => {
        const d = D.nodes[c].partials[j];
        prod *= d;
        names.push(name(v));
        return num(d);
      });
      sum += prod;
      li(cs, names.join(" → ") + ": " + factors.join(" × ") + " = " + num(prod));
    });
    if (ch.total > ch.list.length) {
      li(cs, "… and " + (ch.total - ch.list.length) + " more paths");
    } else if (i !== 0) {
      li(cs, "sum = " + num(sum) + " (grad " + n.grad + ")");
    }
    box.appendChild(cs);
  }
  els.forEach((g, i) => {
    if (!g) return;
    g.addEventListener("click", () => { g.focus(); details(i); });
    g.addEventListener("focus", () => details(i));
  });
  $("next").addEventListener("click", () => go(step + 1, true));
  $("prev").addEventListener("click", () => go(step - 1, true));
  $("reset").addEventListener("click", () => { stop(); go(0); });
  $("fit").addEventListener("click", () => {
    const svg = $("graph").querySelector("svg");
    const on = $("fit").getAttribute("aria-pressed") !== "true";
    $("fit").setAttribute("aria-pressed", String(on));
    svg.classList.toggle("fit", on);
  });
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    $("play").textContent = "play";
  }
  $("play").addEventListener("click", () => {
    if (timer !== null) { stop(); return; }
    if (step === N) go(0);
    $("play").textContent = "pause";
    timer = setInterval(() => { if (step >= N) stop(); else go(step + 1, true); }, 600);
  });
  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    // Keys belong to this explorer when nothing else has the focus (inside a notebook, the
    // notebook's own cells keep their arrow keys).
    const a = document.activeElement;
    if (a && a !== document.body && a !== document.documentElement && !root.contains(a)) return;
    if (e.key === "ArrowRight") { go(step + 1, true); e.preventDefault(); }
    if (e.key === "ArrowLeft") { go(step - 1, true); e.preventDefault(); }
  });
  window.chainrule = { steps: N, step: 0, go: (k) => go(k, false), details: details };
  for (let i = 0; i < N; i++) setGrad(i, i === 0 ? num(1) : num(0));
  flush();
  mark();

  if (D.network) {  // the collapsed view, stepped layer by layer from the output
    const net = D.network;
    const L = net.layers.length;
    let layerStep = 0;
    const neurons = {};
    root.querySelectorAll("g[data-neuron]").forEach((g) => {
      neurons[g.getAttribute("data-neuron")] = g;
    });
    function showLayers(k) {
      layerStep = Math.max(0, Math.min(L, k));
      root.querySelectorAll("text.delta").forEach((t) => t.remove());
      root.querySelectorAll("g.neuron").forEach((g) => g.classList.remove("has-delta"));
      for (let s = 0; s < layerStep; s++) {
        const lay = net.layers[s];
        lay.deltas.forEach((d, j) => {
          const g = neurons[lay.layer + "," + j];
          if (!g) return;
          g.classList.add("has-delta");
          const shape = g.querySelector("ellipse");
          const t = document.createElementNS(SVG_NS, "text");
          t.setAttribute("class", "delta");
          t.setAttribute("text-anchor", "middle");
          if (shape) {
            t.setAttribute("x", shape.getAttribute("cx"));
            t.setAttribute("y", String(Number(shape.getAttribute("cy")) +
              Number(shape.getAttribute("ry")) + 11));
          }
          t.textContent = "δ" + " = " + d;
          t.setAttribute("data-delta", lay.layer + "," + j);
          g.appendChild(t);
        });
      }
      const done = net.layers.slice(0, layerStep).map((x) => x.layer);
      $("net-status").textContent = layerStep === 0
        ? "layer step 0 of " + L + ": no δ yet"
        : "layer step " + layerStep + " of " + L + ": δ_j^(l) = ∂C/∂z_j^(l) of layers " +
          done.join(", ");
      window.chainrule.layerStep = layerStep;
    }
    $("net-next").addEventListener("click", () => showLayers(layerStep + 1));
    $("net-prev").addEventListener("click", () => showLayers(layerStep - 1));
    const views = { graph: $("graph"), network: $("network") };
    ["graph", "network"].forEach((v) => $("view-" + v).addEventListener("click", () => {
      ["graph", "network"].forEach((w) => {
        views[w].hidden = w !== v;
        $("view-" + w).setAttribute("aria-pressed", String(w === v));
      });
    }));
    window.chainrule.layers = L;
    window.chainrule.goLayer = showLayers;
    showLayers(0);
  }
})();
"""
