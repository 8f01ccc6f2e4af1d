"""viz.render and viz.to_svg: real SVG from graphviz-pure, and how the renderer is found.

Rendered SVG is parsed as XML and its nodes are checked against values worked out by hand or
computed independently (forward-mode derivatives of random expressions). The renderer lookup
is steered through ``PATH`` and ``sys.executable`` (see ``tests/support/svg.py``).
"""

from __future__ import annotations

import math
import os
import re
import time
from pathlib import Path

import graphviz
import pytest
from hypothesis import given
from hypothesis import strategies as st

import viz
from autograd import Value, topological_order
from autograd.strategies import Expression, expressions
from nn import MLP, squared_error
from tests.support.svg import (
    fake_program,
    only_these,
    parse_svg,
    pure_only,
    real_graphviz_pure,
    svg_edges,
    svg_nodes,
    svg_text_elements,
)

# The stand-ins run with PATH holding only their own folder: shell built-ins only.
SWALLOW_STDIN = "while read -r _; do :; done\n"
FAKE_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><!-- fake renderer --></svg>'


def recording_renderer(folder: Path, name: str, log: Path) -> Path:
    """A stand-in renderer that logs its name and arguments and prints a fixed SVG."""
    return fake_program(
        folder, name, f'echo "{name} $@" >> "{log}"\n{SWALLOW_STDIN}printf \'{FAKE_SVG}\'\n'
    )


def example() -> Value:
    """a * b + c after backward: a=2, b=-3, c=10, so ∂/∂a = -3, ∂/∂b = 2, ∂/∂c = 1."""
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c")
    e = a * b + c
    e.backward()
    return e


def test_svg_of_a_times_b_plus_c_shows_every_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pure_only(monkeypatch, tmp_path)
    svg = viz.to_svg(example())
    nodes = svg_nodes(svg)
    assert set(nodes) == {"v0", "v1", "op2", "v2", "v3", "op4", "v4"}
    assert nodes["v0"].texts == ["a", "data 2", "grad -3"]
    assert nodes["v1"].texts == ["b", "data -3", "grad 2"]
    assert nodes["op2"].texts == ["×"]
    assert nodes["v2"].texts == ["data -6", "grad 1"]
    assert nodes["v3"].texts == ["c", "data 10", "grad 1"]
    assert nodes["op4"].texts == ["+"]
    assert nodes["v4"].texts == ["data 4", "grad 1"]
    assert set(svg_edges(svg)) == {
        "v0->op2",
        "v1->op2",
        "op2->v2",
        "v2->op4",
        "v3->op4",
        "op4->v4",
    }


def test_svg_typesets_the_notes_labels(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    w = Value(0.25, "w_{2,1}^(3)")
    svg = viz.to_svg(w * 2.0)
    pieces = {t.text: t.attrib for t in svg_text_elements(svg)}
    assert pieces["w"].get("font-style") == "italic"
    # SVG's y grows downwards: the subscript sits lower than the letter, the superscript higher,
    # by moving the text itself (browsers ignore baseline-shift on <text>, so none is left).
    letter, low, high = (float(pieces[t]["y"]) for t in ("w", "2,1", "(3)"))
    assert low > letter > high
    assert not any("baseline-shift" in attrs for attrs in pieces.values())
    assert float(pieces["2,1"]["font-size"]) < float(pieces["w"]["font-size"])
    # Left to right: w, then 2,1, then (3).
    assert float(pieces["w"]["x"]) < float(pieces["2,1"]["x"]) < float(pieces["(3)"]["x"])


def test_svg_of_a_label_with_markup_characters_is_well_formed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pure_only(monkeypatch, tmp_path)
    v = Value(1.0, 'a<b & "c">')
    svg = viz.to_svg(v * v)
    parse_svg(svg)  # raises if the label broke the XML
    assert svg_nodes(svg)["v0"].texts[0] == 'a<b & "c">'


def test_svg_of_an_mlp_shows_every_parameter_with_its_data_and_grad(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pure_only(monkeypatch, tmp_path)
    model = MLP(2, [2, 1], seed=1)
    cost = squared_error(model.forward([0.5, -1.0]), [1.0])
    cost.backward()
    nodes = svg_nodes(viz.to_svg(cost, digits=5))
    by_text = {n.text: n for n in nodes.values()}
    for l, layer in enumerate(model.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                # A notes label is three text pieces: letter, subscript, superscript.
                text = f"w {j},{k} ({l}) data {w.data:.5g} grad {w.grad:.5g}"
                assert text in by_text, text
            text = f"b {j} ({l}) data {neuron.b.data:.5g} grad {neuron.b.grad:.5g}"
            assert text in by_text, text
    # The input x is one table: x_0 | 0.5 and x_1 | -1.
    assert ["x", "0", "0.5", "x", "1", "-1"] in [n.texts for n in nodes.values()]


@given(expressions(max_inputs=3, max_steps=5), st.integers(min_value=3, max_value=8))
def test_rendered_values_match_forward_mode_derivatives(expr: Expression, digits: int) -> None:
    # Rendered with whichever renderer is installed; Hypothesis cannot use monkeypatch.
    xs = [Value(x, f"x{i}") for i, x in enumerate(expr.inputs)]
    out = expr(*xs)
    out.backward()
    nodes = svg_nodes(viz.to_svg(out, digits=digits))
    graph = topological_order(out)
    tables = {v.constants for v in graph if v.constants}
    assert len(nodes) == len(graph) + sum(1 for v in graph if v.op) + len(tables)
    shown = {n.texts[0]: n for n in nodes.values() if n.texts[0] in {v.label for v in xs}}
    # A number printed to `digits` significant digits is within half a unit of its last digit:
    # relative error <= 0.5·10^(1-digits); the forward-mode value differs from the engine's by
    # rounding only (~1e-12), covered by the absolute part.
    rel, abs_ = 0.5 * 10.0 ** (1 - digits), 1e-9
    for i, x in enumerate(xs):
        if x.label not in shown:
            assert expr.gradient[i] == 0.0, "an input left out of the drawing must not matter"
            continue
        data, grad = _numbers(shown[x.label].texts)
        assert data == pytest.approx(expr.inputs[i], rel=rel, abs=abs_)
        assert grad == pytest.approx(expr.gradient[i], rel=rel, abs=abs_)
    # The root is drawn last in evaluation order.
    data, grad = _numbers(nodes[f"v{len(graph) - 1}"].texts)
    assert data == pytest.approx(expr.value, rel=rel, abs=abs_)
    assert grad == 1.0  # the seed of backward, exactly


def _numbers(texts: list[str]) -> tuple[float, float]:
    """(data, grad) read back from a record's text pieces [label, "data …", "grad …"]."""
    data = texts[-2].removeprefix("data ")
    grad = texts[-1].removeprefix("grad ")
    return float(data), float(grad)


# -- which renderer -----------------------------------------------------------------------------


def test_system_dot_is_preferred(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    bindir = tmp_path / "bin"
    recording_renderer(bindir, "dot", log)
    recording_renderer(bindir, "graphviz-pure", log)
    only_these(monkeypatch, bindir)
    assert viz.find_renderer() == str(bindir / "dot")
    out = viz.render(example(), tmp_path / "g.svg")
    assert out.read_text() == FAKE_SVG
    assert log.read_text() == "dot -Tsvg\n"


def test_graphviz_pure_on_path_when_there_is_no_dot(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    exe = pure_only(monkeypatch, tmp_path)
    assert viz.find_renderer() == str(exe)
    out = viz.render(example(), tmp_path / "g.svg")
    assert svg_nodes(out.read_bytes())["v1"].texts == ["b", "data -3", "grad 2"]


def test_graphviz_pure_next_to_python_when_it_is_not_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A venv's bin folder holds graphviz-pure but is not on PATH.
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    os.symlink(real_graphviz_pure(), venv_bin / "graphviz-pure")
    only_these(monkeypatch, tmp_path / "empty", python_dir=venv_bin)
    assert viz.find_renderer() == str(venv_bin / "graphviz-pure")
    assert svg_nodes(viz.to_svg(example()))["v0"].texts == ["a", "data 2", "grad -3"]
    # And it is the program that ran: a recording stand-in in its place is called.
    (venv_bin / "graphviz-pure").unlink()
    log = tmp_path / "calls.log"
    recording_renderer(venv_bin, "graphviz-pure", log)
    assert viz.to_svg(example()) == FAKE_SVG
    assert log.read_text() == "graphviz-pure -Tsvg\n"


def test_no_renderer_writes_the_dot_source_and_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only_these(monkeypatch, tmp_path / "empty")
    assert viz.find_renderer() is None
    e = example()
    target = tmp_path / "out" / "graph.svg"
    with pytest.raises(viz.RendererNotFound) as info:
        viz.render(e, target)
    err = info.value
    assert isinstance(err, RuntimeError)
    message = str(err)
    for needed in ("pip install 'chainrule[viz]'", "graphviz-pure", "apt install graphviz"):
        assert needed in message
    dot_path = tmp_path / "out" / "graph.dot"
    assert err.dot_path == dot_path
    assert str(dot_path) in message
    assert dot_path.read_text() == viz.draw(e).source
    assert not target.exists()


def test_no_renderer_keeps_a_dot_target_apart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Asked for SVG at a path ending in .dot: refused before anything is written, so neither
    # SVG bytes nor the DOT fallback can take the place of a file named for DOT.
    only_these(monkeypatch, tmp_path / "empty")
    with pytest.raises(ValueError, match=r"names the format 'dot' but format='svg'"):
        viz.render(example(), tmp_path / "odd.dot", format="svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "python-bin"]


@pytest.mark.parametrize(
    ("name", "format", "message"),
    [
        ("x.png", "svg", "names the format 'png' but format='svg'"),
        ("x.pdf", "svg", "names the format 'pdf'"),
        ("x.pdf", None, r"cannot write '.*x\.pdf': render writes SVG, PNG and DOT .*, not PDF"),
        ("x.JPG", None, "not JPG; end the name with .svg, .png, .dot"),
        ("x", None, "cannot tell the format"),
    ],
)
def test_a_name_that_disagrees_with_the_format_is_refused(
    tmp_path: Path, name: str, format: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        viz.render(example(), tmp_path / name, format=format)
    assert list(tmp_path.iterdir()) == []


def test_the_format_comes_from_the_suffix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    e = example()
    assert viz.render(e, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert viz.render(e, tmp_path / "g.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert viz.render(e, tmp_path / "g.gv").read_text() == viz.draw(e).source
    assert viz.render(e, tmp_path / "G.DOT").read_text() == viz.draw(e).source


def test_a_renderer_that_never_answers_is_stopped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bindir = tmp_path / "bin"
    # A wrapper whose child holds the output pipes open: stopping the wrapper alone would
    # leave the wait for its output hanging until the child ends.
    fake_program(bindir, "dot", "/bin/sleep 30\n")
    only_these(monkeypatch, bindir)
    monkeypatch.setenv("CHAINRULE_RENDER_TIMEOUT", "0.5")
    started = time.monotonic()
    with pytest.raises(viz.RenderError, match=r"did not finish within 0.5 s") as info:
        viz.render(example(), tmp_path / "g.svg")
    assert time.monotonic() - started < 10.0
    assert "\n" not in str(info.value)
    assert not (tmp_path / "g.svg").exists()


def probe_answer(top_of_a: float, top_of_b: float) -> str:
    """A renderer's SVG for the cluster-order probe: boxes a and b, their tops at these y."""
    return "".join(
        f'<g class="node"><title>{name}</title>\n'
        f'<polygon fill="none" points="10,{top + 30} 10,{top} 60,{top} 60,{top + 30}"/></g>'
        for name, top in (("a", top_of_a), ("b", top_of_b))
    )


@pytest.mark.parametrize(
    ("top_of_a", "top_of_b", "rankdir", "reversed_"),
    [
        (20.0, 80.0, "LR", False),  # a, written first, on top: the written order holds
        (80.0, 20.0, "LR", True),  # b on top: this renderer turns the order round
        (80.0, 20.0, "RL", True),
        (80.0, 20.0, "TB", False),  # one above the other at the same x: not "left of" in TB
    ],
)
def test_the_cluster_order_is_asked_of_the_renderer(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    top_of_a: float,
    top_of_b: float,
    rankdir: str,
    reversed_: bool,
) -> None:
    bindir = tmp_path / "bin"
    svg = probe_answer(top_of_a, top_of_b)
    fake_program(bindir, "dot", f"{SWALLOW_STDIN}printf '%s' '{svg}'\n")
    only_these(monkeypatch, bindir)
    assert viz.backend.clusters_come_out_reversed(rankdir) is reversed_


def test_the_cluster_order_defaults_to_the_written_one_when_the_renderer_cannot_say(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only_these(monkeypatch, tmp_path / "empty")
    assert viz.backend.clusters_come_out_reversed("LR") is False  # no renderer at all
    failing = tmp_path / "failing"
    fake_program(failing, "dot", f"{SWALLOW_STDIN}printf '%s' '{probe_answer(80, 20)}'; exit 1\n")
    only_these(monkeypatch, failing)
    assert viz.backend.clusters_come_out_reversed("LR") is False
    mute = tmp_path / "mute"
    fake_program(mute, "dot", SWALLOW_STDIN)
    only_these(monkeypatch, mute)
    assert viz.backend.clusters_come_out_reversed("LR") is False


def test_to_svg_without_renderer_raises_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only_these(monkeypatch, tmp_path / "empty")
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(viz.RendererNotFound, match=r"pip install 'chainrule\[viz\]'") as info:
        viz.to_svg(example())
    assert info.value.dot_path is None
    assert sorted(tmp_path.rglob("*")) == before


def test_dot_format_needs_no_renderer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    only_these(monkeypatch, tmp_path / "empty")
    e = example()
    out = viz.render(e, tmp_path / "g.dot", format="dot")
    assert out.read_text() == viz.draw(e).source


def test_a_failing_renderer_leaves_the_old_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bindir = tmp_path / "bin"
    fake_program(bindir, "dot", f"{SWALLOW_STDIN}echo 'syntax error in line 3' >&2\nexit 3\n")
    only_these(monkeypatch, bindir)
    target = tmp_path / "g.svg"
    target.write_text("old")
    with pytest.raises(viz.RenderError, match=r"exit status 3: syntax error in line 3"):
        viz.render(example(), target)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "g.svg", "python-bin"]


# -- files and formats --------------------------------------------------------------------------


def test_render_replaces_the_file_atomically_with_ordinary_permissions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pure_only(monkeypatch, tmp_path)
    out_dir = tmp_path / "pictures"
    target = out_dir / "g.svg"
    old_mask = os.umask(0o022)
    try:
        viz.render(Value(1.0, "first"), target)
        viz.render(example(), target)
    finally:
        os.umask(old_mask)
    assert sorted(p.name for p in out_dir.iterdir()) == ["g.svg"]  # no temporary file left
    assert target.stat().st_mode & 0o777 == 0o644
    assert svg_nodes(target.read_bytes())["v0"].texts[0] == "a"


def test_png(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    png = viz.render(example(), tmp_path / "g.png", format="png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_accepts_a_drawn_graph(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    drawn = viz.draw(example(), digits=2, shade=True)
    assert isinstance(drawn, graphviz.Digraph)
    assert viz.to_svg(drawn) == viz.to_svg(example(), digits=2, shade=True)
    out = viz.render(drawn, tmp_path / "g.svg")
    assert svg_nodes(out.read_bytes())["v0"].texts == ["a", "data 2", "grad -3"]


def test_bad_arguments_are_named(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="render needs a Value or a drawn graphviz graph, got str"):
        viz.render("a*b", tmp_path / "new" / "g.svg")
    assert not (tmp_path / "new").exists()  # refused before anything is made
    with pytest.raises(TypeError, match=r"drawing options \(digits\) apply only to a Value"):
        viz.to_svg(viz.draw(example()), digits=3)
    with pytest.raises(ValueError, match="unknown format 'gif'"):
        viz.render(example(), tmp_path / "g.gif", format="gif")
    assert not (tmp_path / "g.gif").exists()


def test_notebooks_display_the_graph_with_graphviz_pure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # No program called `dot` anywhere: graphviz's own display would fail; ours finds
    # graphviz-pure.
    pure_only(monkeypatch, tmp_path)
    bundle = viz.draw(example())._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert svg_nodes(bundle["image/svg+xml"])["v1"].texts == ["b", "data -3", "grad 2"]
    png = viz.draw(example())._repr_mimebundle_(include=["image/png"])["image/png"]
    assert png[:4] == b"\x89PNG"


def test_renderer_is_quiet_about_glyph_warnings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # graphviz-pure warns about the widths of non-ASCII glyphs (×, σ); a successful render
    # must not pass that noise on.
    pure_only(monkeypatch, tmp_path)
    x = Value(0.5, "x")
    svg = viz.to_svg((x * x).sigmoid())
    assert "σ" in svg
    assert "×" in svg
    assert capfd.readouterr().err == ""
    assert math.isfinite(float(re.findall(r'width="([\d.]+)pt"', svg)[0]))


def test_png_output_keeps_subscripts_and_superscripts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # graphviz-pure's PNG sets <SUB>/<SUP> on the baseline ("w0,0(1)"): the renderer is given
    # Unicode script characters instead, which it places like any other.
    bindir = tmp_path / "bin"
    seen = tmp_path / "stdin.dot"
    fake_program(bindir, "dot", f'while read -r line; do echo "$line" >> "{seen}"; done\n')
    only_these(monkeypatch, bindir)
    w = Value(0.5, "w_{0,1}^(1)")
    (w * 2.0).backward()
    viz.render(w * 2.0, tmp_path / "g.png")
    text = seen.read_text(encoding="utf-8")
    assert "<I>w</I>₀,₁⁽¹⁾" in text
    assert "<SUB>" not in text
    assert "<SUP>" not in text


def test_a_real_png_has_the_png_signature(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    data = viz.render(example(), tmp_path / "g.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
