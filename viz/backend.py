"""Finding a Graphviz layout program, running it, and writing its output safely.

Two programs can lay out a graph: the system Graphviz ``dot``, and ``graphviz-pure`` (a
self-contained port of ``dot`` installed by ``pip install 'chainrule[viz]'``). The system
``dot`` wins when it is on ``PATH``; ``graphviz-pure`` is looked for on ``PATH`` and then next
to the running Python (a virtual environment's ``bin`` need not be on ``PATH``).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

#: The fonts an SVG names for its text; kept here (not in viz.graph, which imports this module).
FONT_FAMILY = "Verdana,DejaVu Sans,Helvetica,Arial,sans-serif"

#: Output formats ``render`` accepts: those both renderers write (graphviz-pure has no PDF),
#: and the DOT source itself.
FORMATS = ("svg", "png", "dot")

INSTALL_HINT = (
    "install a Graphviz renderer: `pip install 'chainrule[viz]'` (or just "
    "`pip install graphviz-pure`), or the system Graphviz package "
    "(`apt install graphviz`, `brew install graphviz`, `conda install graphviz`)"
)


class RendererNotFound(RuntimeError):  # noqa: N818 (the name the API promises)
    """Neither the system Graphviz ``dot`` nor ``graphviz-pure`` could be found.

    ``dot_path`` is where the graph's DOT source was saved instead (None if nothing was).
    """

    def __init__(self, message: str, dot_path: Path | None = None) -> None:
        super().__init__(message)
        self.dot_path = dot_path


class RenderError(RuntimeError):
    """The renderer ran but failed; the message carries its exit status and its stderr."""


def find_renderer() -> str | None:
    """The path of the program that will lay out graphs, or None if there is none.

    Order: ``dot`` on PATH, ``graphviz-pure`` on PATH, ``graphviz-pure`` beside sys.executable.
    """
    for name in ("dot", "graphviz-pure"):
        found = shutil.which(name)
        if found:
            return found
    # Not resolved: a venv's python is a symlink, and its bin/ (not the target's) holds the
    # scripts pip installed.
    bindir = Path(sys.executable).parent
    for name in ("graphviz-pure", "graphviz-pure.exe"):
        candidate = bindir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def not_found_message() -> str:
    """Where ``find_renderer`` looked, for error messages."""
    bindir = Path(sys.executable).parent
    return (
        "no Graphviz renderer found (looked for `dot` and `graphviz-pure` on PATH, "
        f"and for `graphviz-pure` in {bindir})"
    )


def check_format(format: str) -> str:
    """``format`` if it is one ``render`` can write; ValueError naming it otherwise."""
    if format not in FORMATS:
        raise ValueError(f"render: unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    return format


#: Seconds a renderer may take before it is stopped: far more than any graph ``draw`` is meant
#: for needs, so that a ``dot`` that never answers ends with an error instead of a hang.
#: ``CHAINRULE_RENDER_TIMEOUT`` (seconds) overrides it.
RENDER_TIMEOUT = 60.0


def render_timeout() -> float:
    """``RENDER_TIMEOUT``, or ``$CHAINRULE_RENDER_TIMEOUT`` if that is a positive number."""
    text = os.environ.get("CHAINRULE_RENDER_TIMEOUT", "")
    try:
        value = float(text)
    except ValueError:
        return RENDER_TIMEOUT
    return value if value > 0 else RENDER_TIMEOUT


def run_renderer(source: str, format: str) -> bytes:
    """Lay out DOT ``source`` and return the output in ``format`` (svg or png).

    Stops the renderer after ``render_timeout()`` seconds with a ``RenderError``.
    """
    check_format(format)
    exe = find_renderer()
    if exe is None:
        raise RendererNotFound(f"{not_found_message()}; {INSTALL_HINT}")
    if format == "png":
        source = unicode_scripts(source)
    timeout = render_timeout()
    try:
        done = _run_with_timeout([exe, f"-T{format}"], source.encode("utf-8"), timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{exe} -T{format} did not finish within {timeout:g} s and was stopped; draw a "
            "smaller graph (for a network, one node per neuron: --collapse or viz.draw_network)"
            ", or allow more time with CHAINRULE_RENDER_TIMEOUT=<seconds>"
        ) from None
    except OSError as e:
        raise RenderError(f"could not run the renderer {exe}: {e}") from e
    if done.returncode != 0:
        # The renderer's warnings (e.g. about glyph widths) only matter when it fails.
        err = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{exe} -T{format} failed with exit status {done.returncode}: {err}")
    if format == "svg":
        svg = place_scripts(done.stdout.decode("utf-8"))
        # The layout measured text in Verdana; a viewer without it falls back to a sans font no
        # wider (DejaVu Sans, Helvetica, Arial), never to its default serif.
        return svg.replace('font-family="Verdana"', f'font-family="{FONT_FAMILY}"').encode()
    return done.stdout


#: Graphviz's ``mclimit`` for drawings whose sibling clusters must keep the order they are
#: written in (a layer's neurons): 0.1 leaves two sweeps of crossing minimisation (24 by
#: default), which untangle the edges but no longer reshuffle clusters whose crossings tie.
CLUSTER_MCLIMIT = "0.1"

#: Two sibling clusters, ``a`` written before ``b``, joined to the same nodes on both sides: as
#: tied as a layer's neurons, whose edges all run to the same inputs and the same consumers.
_ORDER_PROBE = """digraph {{
graph [rankdir={rankdir} mclimit={mclimit}]
node [shape=box]
s -> a; s -> b; a -> t; b -> t
subgraph cluster_p {{ subgraph cluster_a {{ a }} subgraph cluster_b {{ b }} }}
}}"""
_PROBE_NODE = re.compile(r"<title>([ab])</title>\s*<polygon[^>]*\spoints=\"(-?[\d.]+),(-?[\d.]+)")


def clusters_come_out_reversed(rankdir: str) -> bool:
    """Whether the renderer places tied sibling clusters in the reverse of the written order.

    dot cannot be told the order of sibling clusters (flat edges and ``ordering`` stop at a
    cluster's border): with ``CLUSTER_MCLIMIT`` it keeps the order it starts from, and which
    end of a rank that order starts at depends on the program (the first cluster written comes
    out on top in LR and on the right in TB with Debian's dot 2.42, at the bottom in LR and on
    the left in TB with graphviz-pure). So this asks the renderer that will lay the drawing
    out, with a two-cluster graph, once per program and rankdir. Without a renderer, or if the
    probe fails, the answer is False (the written order).
    """
    exe = find_renderer()
    return False if exe is None else _probe_cluster_order(exe, rankdir)


@functools.cache
def _probe_cluster_order(exe: str, rankdir: str) -> bool:
    source = _ORDER_PROBE.format(rankdir=rankdir, mclimit=CLUSTER_MCLIMIT)
    try:
        done = _run_with_timeout([exe, "-Tsvg"], source.encode("utf-8"), render_timeout())
    except (OSError, subprocess.TimeoutExpired):
        return False
    corners = {
        m.group(1): (float(m.group(2)), float(m.group(3)))
        for m in _PROBE_NODE.finditer(done.stdout.decode("utf-8", "replace"))
    }
    if done.returncode != 0 or set(corners) != {"a", "b"}:
        return False
    # SVG's y grows downwards: "first" is the top in LR and RL, the left in TB and BT.
    axis = 1 if rankdir in ("LR", "RL") else 0
    return corners["b"][axis] < corners["a"][axis]


_SCRIPT = re.compile(r'<text\b[^>]*\sbaseline-shift="(sub|super)"[^>]*>')
_Y = re.compile(r'(?<=\s)y="(-?[\d.]+)"')
_FONT_SIZE = re.compile(r'\sfont-size="([\d.]+)"')


def place_scripts(svg: str) -> str:
    """Move Graphviz's subscripts and superscripts by their y coordinate.

    Graphviz marks them ``<text baseline-shift="sub">``, which browsers ignore on ``<text>``
    (they honour it only on ``<tspan>``), so w_{2,1}^(3) would read "w2,1(3)". Shifting y by a
    fraction of the script's font size (down 0.35 em, up 0.55 em) looks the same everywhere.
    """

    def move(m: re.Match[str]) -> str:
        tag = m.group(0).replace(f' baseline-shift="{m.group(1)}"', "")
        size_match = _FONT_SIZE.search(tag)
        size = float(size_match.group(1)) if size_match else 14.0
        shift = 0.35 * size if m.group(1) == "sub" else -0.55 * size
        return _Y.sub(lambda y: f'y="{float(y.group(1)) + shift:.2f}"', tag, count=1)

    return _SCRIPT.sub(move, svg)


def _run_with_timeout(
    command: list[str], data: bytes, timeout: float
) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` on ``data``; on timeout stop it and everything it started, then raise.

    ``subprocess.run`` would kill only the program itself, and then wait for its output pipes
    to close, which a child it left running (a wrapper script's) may never do.
    """
    posix = os.name == "posix"
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=posix,  # its own process group, so that the group can be stopped
    )
    try:
        out, err = proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows has no process groups to signal
            proc.kill()
        proc.communicate()
        raise
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


_SUBSCRIPTS = dict(
    zip("0123456789+-−=()aehijklmnoprstuvx,", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ,", strict=True)
)
_SUPERSCRIPTS = dict(zip("0123456789+-−=()inyx,", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁱⁿʸˣ,", strict=True))
_HTML_SCRIPT = re.compile(
    r'<(SUB|SUP)>(?:<FONT POINT-SIZE="[\d.]+">)?([^<]*)(?:</FONT>)?</\1>', re.IGNORECASE
)


def unicode_scripts(source: str) -> str:
    """DOT ``source`` with HTML-like subscripts and superscripts as Unicode script characters.

    graphviz-pure's PNG output sets <SUB> and <SUP> text on the baseline at full size, so
    w_{0,0}^(1) would read "w0,0(1)"; ₀,₀⁽¹⁾ are ordinary characters that any renderer places
    right. Scripts holding a character with no Unicode script form are left as they are.
    """

    def replace(m: re.Match[str]) -> str:
        table = _SUBSCRIPTS if m.group(1).upper() == "SUB" else _SUPERSCRIPTS
        text = m.group(2)
        if all(c in table for c in text):
            return "".join(table[c] for c in text)
        return m.group(0)

    return _HTML_SCRIPT.sub(replace, source)
