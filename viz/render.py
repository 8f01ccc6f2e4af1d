"""Rendering a drawn graph to a file or to SVG text, whichever renderer is installed.

``render`` and ``to_svg`` take a ``Value`` (drawn with ``viz.draw`` and the options given) or a
graph that is already drawn (``viz.draw``'s or ``viz.draw_network``'s result, or any
``graphviz`` graph).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from autograd import Value
from nn.fileio import write_atomic
from viz.backend import (
    FORMATS,
    INSTALL_HINT,
    RendererNotFound,
    check_format,
    not_found_message,
    run_renderer,
)
from viz.graph import draw, roots_of

_DRAWN = (graphviz.Digraph, graphviz.Graph, graphviz.Source)


def _source(graph: Any, options: dict[str, Any], what: str) -> str:
    """The DOT text of ``graph``: drawn now if it is a Value, as it is if already drawn."""
    if isinstance(graph, Value) or (
        isinstance(graph, (list, tuple)) and graph and all(isinstance(v, Value) for v in graph)
    ):
        return str(draw(graph, **options).source)
    if hasattr(graph, "layers") and hasattr(graph, "sizes"):
        roots_of(graph, what)  # raises, saying to use draw_network
    if isinstance(graph, _DRAWN):
        if options:
            raise TypeError(
                f"{what}: drawing options ({', '.join(sorted(options))}) apply only to a Value; "
                "this graph is already drawn"
            )
        return str(graph.source)
    raise TypeError(
        f"{what} needs a Value or a drawn graphviz graph, got {type(graph).__name__}: {graph!r}"
    )


def to_svg(root: Value | Any, **options: Any) -> str:
    """The SVG text of ``root``: a Value (drawn with ``draw(root, **options)``) or a drawn graph.

    Raises ``RendererNotFound`` when neither ``dot`` nor ``graphviz-pure`` is installed.
    """
    return run_renderer(_source(root, options, "to_svg"), "svg").decode("utf-8")


#: Suffixes that name a file format: one ``render`` writes, or one it must not pretend to write
#: (an SVG saved as x.pdf opens nowhere).
_FORMAT_SUFFIXES = {"svg": "svg", "png": "png", "dot": "dot", "gv": "dot"}
_OTHER_FORMATS = ("pdf", "ps", "eps", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "svgz")


def format_for(path: str | os.PathLike[str], format: str | None) -> str:
    """The format to write ``path`` in: ``format`` or, if None, the one its suffix names.

    ValueError when the suffix names no format ``render`` writes and ``format`` is None, or
    names another format than ``format`` (x.png with format="svg"; x.pdf whatever the format).
    """
    target = Path(path)
    suffix = target.suffix.lstrip(".").lower()
    named = _FORMAT_SUFFIXES.get(suffix)
    choices = ", ".join("." + f for f in FORMATS)
    if format is None:
        if suffix in _OTHER_FORMATS:
            # Not "cannot tell": the name says what it wants, and that is what render lacks.
            raise ValueError(
                f"render: cannot write {str(target)!r}: render writes SVG, PNG and DOT (what "
                f"every renderer it finds can write), not {suffix.upper()}; end the name with "
                f"{choices}"
            )
        if named is None:
            raise ValueError(
                f"render: cannot tell the format of {str(target)!r} from its suffix "
                f"{target.suffix!r}: end the name with {choices}, or pass format="
            )
        return named
    check_format(format)
    if (named is not None and named != format) or suffix in _OTHER_FORMATS:
        raise ValueError(
            f"render: {str(target)!r} names the format {suffix!r} but format={format!r} was "
            f"asked for: use a name ending in .{format}, or leave format out"
        )
    return format


def render(
    root: Value | Any,
    path: str | os.PathLike[str],
    format: str | None = None,
    **options: Any,
) -> Path:
    """Write ``root`` to ``path`` in ``format`` (svg, png, or dot for the DOT source).

    ``format`` defaults to the one the suffix of ``path`` names (.svg, .png, .dot or .gv); a
    suffix that names another format than ``format`` is refused (ValueError), never written
    under the wrong name. ``root`` is a Value, drawn first with ``draw(root, **options)``, or an
    already drawn graph (such as ``draw_network``'s). The file is replaced atomically.
    With no renderer installed, the DOT source is written next to ``path`` (same name, suffix
    ``.dot``) and ``RendererNotFound`` says where it is and how to install Graphviz. Returns
    the path written.
    """
    format = format_for(path, format)
    source = _source(root, options, "render")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if format == "dot":
        write_atomic(target, source.encode("utf-8"))
        return target
    try:
        data = run_renderer(source, format)
    except RendererNotFound:
        # Never the target itself: a .dot or .gv target is DOT, written above without renderer.
        dot_path = target.with_suffix(".dot")
        write_atomic(dot_path, source.encode("utf-8"))
        raise RendererNotFound(
            f"cannot render {target}: {not_found_message()}; {INSTALL_HINT}. The graph's DOT "
            f"source is in {dot_path}: render it later with "
            f"`dot -T{format} {dot_path} -o {target}`",
            dot_path,
        ) from None
    write_atomic(target, data)
    return target
