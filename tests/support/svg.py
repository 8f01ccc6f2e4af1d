"""Helpers for the viz tests: reading rendered SVG, and choosing which renderer can be found.

The renderer lookup (``viz.find_renderer``) reads ``PATH`` and ``sys.executable``; the tests
point both at temporary folders holding exactly the programs a case needs.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass
class SvgNode:
    """One drawn node of a Graphviz SVG: its DOT id, its text pieces, its shapes' attributes."""

    name: str
    texts: list[str]
    shapes: list[dict[str, str]]

    @property
    def text(self) -> str:
        """All its text pieces joined by single spaces."""
        return " ".join(self.texts)


def parse_svg(svg: str | bytes) -> ET.Element:
    """The SVG document as XML (which also checks that it is well-formed)."""
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    return ET.fromstring(data)


def _groups(svg: str | bytes, kind: str) -> list[ET.Element]:
    return [g for g in parse_svg(svg).iter(f"{SVG_NS}g") if g.get("class") == kind]


def svg_nodes(svg: str | bytes) -> dict[str, SvgNode]:
    """The nodes of a Graphviz SVG by DOT id, in document order."""
    nodes = {}
    for g in _groups(svg, "node"):
        title = g.find(f"{SVG_NS}title")
        assert title is not None
        assert title.text is not None
        texts = [t.text or "" for t in g.iter(f"{SVG_NS}text")]
        kinds = {f"{SVG_NS}polygon", f"{SVG_NS}ellipse"}
        shapes = [dict(e.attrib) for e in g.iter() if e.tag in kinds]
        nodes[title.text] = SvgNode(title.text, texts, shapes)
    return nodes


def svg_edges(svg: str | bytes) -> dict[str, dict[str, str]]:
    """The edges of a Graphviz SVG, keyed "tail->head", each with its path's attributes."""
    edges = {}
    for g in _groups(svg, "edge"):
        title = g.find(f"{SVG_NS}title")
        path = next(g.iter(f"{SVG_NS}path"))
        assert title is not None
        assert title.text is not None
        edges[title.text] = dict(path.attrib)
    return edges


def svg_cluster_boxes(svg: str | bytes) -> dict[str, tuple[float, float, float, float]]:
    """Each cluster's box by its DOT name: (left, top, right, bottom) in SVG coordinates.

    Graphviz draws a cluster as one polygon, or a path when its style is rounded; the corner
    curves' control points lie on the box's sides, so the extremes of all the points are its
    edges. SVG's y grows downwards: a smaller top is higher on the page.
    """
    boxes = {}
    for g in _groups(svg, "cluster"):
        title = g.find(f"{SVG_NS}title")
        assert title is not None
        assert title.text is not None
        outline = next(e for e in g.iter() if e.tag in (f"{SVG_NS}path", f"{SVG_NS}polygon"))
        text = outline.get("d") or outline.get("points") or ""
        points = [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", text)]
        assert points, f"cluster {title.text} has no outline"
        xs, ys = [x for x, _ in points], [y for _, y in points]
        boxes[title.text] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def svg_text_elements(svg: str | bytes) -> list[ET.Element]:
    """Every <text> element of the document."""
    return list(parse_svg(svg).iter(f"{SVG_NS}text"))


def real_graphviz_pure() -> Path:
    """The installed graphviz-pure program (``make test`` installs it with the viz extra)."""
    found = shutil.which("graphviz-pure")
    beside = Path(sys.executable).parent / "graphviz-pure"
    if found:
        return Path(found)
    if beside.is_file():
        return beside
    pytest.fail("graphviz-pure is not installed: pip install 'chainrule[viz]' (make test does)")


def fake_program(folder: Path, name: str, script: str) -> Path:
    """An executable shell script ``folder/name`` with the given body."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def only_these(
    monkeypatch: pytest.MonkeyPatch, path_dir: Path, python_dir: Path | None = None
) -> None:
    """Make ``PATH`` hold only ``path_dir``, and ``sys.executable`` live in ``python_dir``.

    ``python_dir`` defaults to an empty folder beside ``path_dir``, so nothing is found next to
    the interpreter unless the test puts it there.
    """
    path_dir.mkdir(parents=True, exist_ok=True)
    if python_dir is None:
        python_dir = path_dir.parent / "python-bin"
    python_dir.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("PATH", str(path_dir))
    monkeypatch.setattr(sys, "executable", str(python_dir / "python"))


def pure_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Leave graphviz-pure as the only renderer (even where a system ``dot`` is installed)."""
    real = real_graphviz_pure()
    bindir = tmp_path / "pure-bin"
    bindir.mkdir()
    os.symlink(real, bindir / "graphviz-pure")
    only_these(monkeypatch, bindir)
    return bindir / "graphviz-pure"
