"""The README's examples are true: its Python blocks run and print what it says they print, and
its pictures are what the commands it shows for them draw.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.support.svg import pure_only, svg_edges, svg_nodes

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
#: A picture the README says a command made: `.venv/bin/python -m viz ARGS --out docs/img/X`.
VIZ_COMMAND = re.compile(r"`\.venv/bin/python -m viz ([^`]*?)--out (docs/img/[\w.-]+)`")
#: Every picture the README shows.
PICTURE = re.compile(r"!\[[^\]]*\]\((docs/img/[^)]+)\)")
#: The demo's pictures, as the README pairs them: a header row naming the files `make demo`
#: writes, then a row of their copies in docs/img.
DEMO_PICTURES = re.compile(
    r"^\| `(out/[\w.]+)` \| `(out/[\w.]+)`[^\n]*\n\|[-|]+\n"
    r"\| !\[[^\]]*\]\(([^)]+)\) \| !\[[^\]]*\]\(([^)]+)\) \|$",
    re.M,
)


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def run_block(code: str, where: Path) -> tuple[str, dict[str, Any]]:
    """What the block prints, and the names it defines."""
    out = io.StringIO()
    names: dict[str, Any] = {}
    cwd = os.getcwd()
    os.chdir(where)  # the examples write their pictures to the current directory
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), names)
    finally:
        os.chdir(cwd)
    return out.getvalue(), names


def drawn(svg: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a Graphviz SVG shows, apart from where the renderer placed it.

    Each node's text pieces and fill colours (|grad| shading), each edge's colour and width
    (|∂C/∂w| in the collapsed view): everything that comes from the graph and its numbers.
    """
    nodes = {
        name: (node.texts, [shape.get("fill") for shape in node.shapes])
        for name, node in svg_nodes(svg).items()
    }
    edges = {
        title: (path.get("stroke"), float(path.get("stroke-width", "1")))
        for title, path in svg_edges(svg).items()
    }
    return nodes, edges


def svg_texts(svg: bytes) -> list[str]:
    """Every text of an SVG (matplotlib's title, axis labels, tick labels and legend)."""
    return [t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def test_there_are_examples() -> None:
    assert len(python_blocks()) >= 2


def test_the_ten_line_example_prints_the_numbers_its_comments_give(tmp_path: Path) -> None:
    code = python_blocks()[0]
    printed, names = run_block(code, tmp_path)
    # The comment rounds to 4 decimals; the engine's numbers must round to exactly those.
    claimed = re.search(r"print\(e\.data.*?#\s*(.*?)\(rounded\)", code)
    assert claimed is not None
    expected = [float(t) for t in claimed.group(1).split()]
    got = [float(t) for t in printed.split()[:4]]
    assert [round(g, 4) for g in got] == pytest.approx(expected, abs=0, rel=0)
    claimed_d2 = re.search(r"= ([-\d.]+): derivatives of derivatives", code)
    assert claimed_d2 is not None
    # ∂²e/∂b² for e = tanh(ab + c)·a is a³·(−2 tanh d · sech² d), d = ab + c: the closed form.
    a, b, c = names["a"].data, names["b"].data, names["c"].data
    d = a * b + c
    closed = a**3 * -2.0 * math.tanh(d) / math.cosh(d) ** 2
    assert names["d2"] == pytest.approx(closed, rel=1e-12)  # a few roundings apart
    assert round(closed, 4) == float(claimed_d2.group(1))
    assert (tmp_path / "e.svg").read_text().lstrip().startswith(("<?xml", "<svg"))


def test_the_explain_example_prints_the_line_shown(tmp_path: Path) -> None:
    code = python_blocks()[1]
    printed = run_block(code, tmp_path)[0].splitlines()
    shown = [line.removeprefix("# ") for line in code.splitlines() if line.startswith("# ∂C")]
    assert shown
    assert shown[0] in printed


def test_the_readme_pictures_are_what_their_commands_draw(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from nn.app.commands import graph
    from nn.app.main import run_alone

    text = README.read_text(encoding="utf-8")
    commands = VIZ_COMMAND.findall(text)
    demo = DEMO_PICTURES.search(text)
    assert demo is not None
    # Every picture shown is either made by a command shown or a copy of the demo's output.
    shown = set(PICTURE.findall(text))
    assert shown == {picture for _, picture in commands} | {demo.group(3), demo.group(4)}
    pure_only(monkeypatch, tmp_path)
    for args, picture in commands:
        out = tmp_path / Path(picture).name
        assert (
            run_alone(graph, [*shlex.split(args), "--out", str(out)], "python -m viz", "viz") == 0
        )
        assert drawn(out.read_bytes()) == drawn((REPO / picture).read_bytes()), picture


@pytest.mark.slow
def test_make_demo_prints_what_the_readme_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default `chainrule train` (what `make demo` runs), in full.

    Also the project's headline targets: at least 95% test accuracy, and the notes' formulas
    agreeing with the engine to a relative 1e-12; and the README's pictures of the demo are
    copies of what it wrote.
    """
    from nn.app.main import main

    text = README.read_text(encoding="utf-8")
    block = re.search(r"it prints.*?```\n(.*?)```", text, re.S)
    assert block is not None
    shown = block.group(1).splitlines()

    out = tmp_path / "out"
    assert main(["train", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.replace(str(out), "out").splitlines()

    check = "largest relative difference"
    assert [s for s in shown if check not in s] == [p for p in printed if check not in p]
    # The agreement is printed to two digits; it must be at the level of rounding, as shown.
    (line,) = [p for p in printed if check in p]
    agreement = re.search(rf"{check} ([\d.e+-]+)", line)
    assert agreement is not None
    assert float(agreement.group(1)) < 1e-12
    accuracy = re.search(r"^test accuracy: ([\d.]+)%$", "\n".join(printed), re.M)
    assert accuracy is not None
    assert float(accuracy.group(1)) >= 95.0

    demo = DEMO_PICTURES.search(text)
    assert demo is not None
    (loss, network), (loss_copy, network_copy) = demo.group(1, 2), demo.group(3, 4)
    assert (loss, network) == ("out/loss.svg", "out/network.svg")
    written = {name: (tmp_path / name).read_bytes() for name in (loss, network)}
    assert drawn(written[network]) == drawn((REPO / network_copy).read_bytes())
    # Its texts (title, axis ranges, legend), not its coordinates: those move with matplotlib.
    assert svg_texts(written[loss]) == svg_texts((REPO / loss_copy).read_bytes())


def _block_containing(text: str) -> str:
    found = [code for code in python_blocks() if text in code]
    assert len(found) == 1, f"one README block should contain {text!r}"
    return found[0]


def test_the_micrograd_example_prints_what_its_comment_says(tmp_path: Path) -> None:
    code = _block_containing("from nn.micrograd import MLP")
    printed, names = run_block(code, tmp_path)
    claimed = re.search(r"print\(z\.grad, y\.grad, x\.grad\)\s*#\s*(.*)", code)
    assert claimed is not None
    # Two passes through z = 3 · (2 · x): twice ∂z/∂v = (1, 3, 6), exactly (small integers).
    assert printed.split() == claimed.group(1).split() == ["2.0", "6.0", "12.0"]
    assert len(names["model"].parameters()) == 337
    assert type(names["score"]).__name__ == "Value"


def test_the_torch_example_runs_and_comes_back(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    code = _block_containing("to_torch()")
    _, names = run_block(code, tmp_path)
    module = names["module"]
    assert [type(m).__name__ for m in module] == ["Linear", "Sigmoid", "Linear", "Softmax"]
    assert module[0].weight.dtype == torch.float64
    model = names["model"]
    assert model.sizes == [64, 16, 10]
    assert model.activations == ["sigmoid", "softmax"]
    # The round trip keeps every float64 weight as it was: exact.
    assert [p.data for p in model.parameters()] == [
        v
        for lin in (module[0], module[2])
        for row, b in zip(lin.weight.tolist(), lin.bias.tolist(), strict=True)
        for v in [*row, b]
    ]


def test_the_install_note_shows_what_the_command_prints() -> None:
    from nn import install

    text = README.read_text(encoding="utf-8")
    shown = re.search(r"^chainrule: `import autograd` loads .*$", text, re.M)
    assert shown is not None
    # The message's fixed parts, as nn.install writes them (the path and version vary).
    source = Path(install.__file__).read_text(encoding="utf-8")
    for part in ("not chainrule's ", "engine (both are named autograd); fix: pip uninstall -y"):
        assert part in shown.group(0)
        assert part in source


def test_the_check_example_prints_what_its_comments_say(tmp_path: Path) -> None:
    (code,) = [b for b in python_blocks() if "from nn import check" in b]
    printed = run_block(code, tmp_path)[0].splitlines()
    claimed = [
        line.split("  # ", 1)[1].split(":")[0]
        for line in code.splitlines()
        if line.startswith("print(")
    ]
    assert printed == claimed == ["False 0.5", "True"]
