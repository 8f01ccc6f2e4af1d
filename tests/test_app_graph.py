"""``python -m viz`` (``nn.app.commands.graph``) end to end: its pictures, its one-line errors."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import viz
from nn import train as training
from nn.app.commands import graph
from nn.app.main import run_alone
from nn.datasets import make_moons
from nn.losses import binary_cross_entropy, cross_entropy
from nn.module import MLP
from tests.support.cli import SVG, assert_one_line_error, run
from tests.support.svg import only_these, pure_only, svg_nodes

# The folder holding the viz package under test, so that a child Python imports the same code.
SOURCE_ROOT = str(Path(viz.__file__).resolve().parent.parent)


def viz_main(argv: list[str]) -> int:
    """``python -m viz ARGV`` in this process."""
    return run_alone(graph, argv, prog="python -m viz", name="viz")


def run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m viz ARGS`` in a child process."""
    env = {**os.environ, "PYTHONPATH": SOURCE_ROOT}
    return subprocess.run(
        [sys.executable, "-m", "viz", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_default_draws_a_neuron_with_its_gradients(tmp_path: Path) -> None:
    done = run_module("--out", "n.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "wrote n.svg\n"
    nodes = svg_nodes((tmp_path / "n.svg").read_bytes())
    texts = [n.texts for n in nodes.values()]
    # One neuron of layer 1 with two inputs: w_00, w_01, b_0, z_0, a_0, and the cost C.
    for head in (["w", "0,0", "(1)"], ["w", "0,1", "(1)"], ["b", "0", "(1)"]):
        assert any(t[:3] == head for t in texts), head
    assert any(t[:3] == ["z", "0", "(1)"] for t in texts)
    assert any(t[:3] == ["a", "0", "(1)"] for t in texts)
    cost = next(t for t in texts if t[0] == "C")
    # After backward, ∂C/∂C = 1.
    assert cost[2] == "grad 1"
    # And the gradients reached the weights: not all zero.
    grads = [float(t[-1].removeprefix("grad ")) for t in texts if t[0] == "w"]
    assert len(grads) == 2
    assert any(g != 0.0 for g in grads)


def test_importing_the_main_module_runs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    # pytest given viz/__main__.py, or a documentation tool, imports it: that must not run
    # the command (which would parse pytest's own arguments and exit).
    importlib.import_module("viz.__main__")
    assert capsys.readouterr() == ("", "")


def test_help_explains_every_option(tmp_path: Path) -> None:
    done = run_module("--help", cwd=tmp_path)
    assert done.returncode == 0
    for option in ("--arch", "--out", "--collapse", "--shade", "--digits", "--seed", "2,3,1"):
        assert option in done.stdout


def test_collapsed_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    out = tmp_path / "net.svg"
    assert viz_main(["--arch", "2,3,1", "--collapse", "--out", str(out)]) == 0
    nodes = svg_nodes(out.read_bytes())
    assert len(nodes) == 2 + 3 + 1


def test_default_output_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)
    assert viz_main(["--collapse"]) == 0
    assert viz_main([]) == 0
    assert (tmp_path / "out" / "network.svg").is_file()
    assert (tmp_path / "out" / "graph.svg").is_file()


def test_digits_seed_shade_cluster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pure_only(monkeypatch, tmp_path)
    paths = [tmp_path / f"{i}.svg" for i in range(3)]
    assert viz_main(["--arch", "2,2,1", "--digits", "2", "--out", str(paths[0])]) == 0
    numbers = [
        t.split(" ", 1)[1]
        for n in svg_nodes(paths[0].read_bytes()).values()
        for t in n.texts
        if t.startswith(("data ", "grad "))
    ]
    assert numbers
    for text in numbers:
        # At most 2 significant digits: strip sign, exponent, leading zeros and the point.
        mantissa = re.sub(r"e[-+]\d+$", "", text.lstrip("-")).replace(".", "").lstrip("0")
        assert len(mantissa) <= 2, text
    # The same seed gives the same picture; another seed, other weights.
    assert viz_main(["--arch", "2,2,1", "--digits", "2", "--out", str(paths[1])]) == 0
    assert paths[1].read_bytes() == paths[0].read_bytes()
    args = ["--arch", "2,2,1", "--digits", "2", "--seed", "7", "--out", str(paths[2])]
    assert viz_main(args) == 0
    assert paths[2].read_bytes() != paths[0].read_bytes()
    # --shade fills records; --cluster boxes the neurons.
    assert viz_main(["--shade", "--cluster", "--out", str(tmp_path / "s.dot")]) == 0
    source = (tmp_path / "s.dot").read_text()
    assert "BGCOLOR=" in source
    assert "subgraph cluster_layer1_neuron0 {" in source


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["--arch", "2,x,1"], 2, "argument --arch: '2,x,1' is not an architecture"),
        (["--arch", "3"], 2, "argument --arch: '3' is not an architecture"),
        (["--arch", "2,0"], 2, "argument --arch: '2,0' is not an architecture"),
        (["--arch", "2,9999999,2"], 2, "49,999,997 parameters, more than the 1,000,000"),
        (
            ["--digits", "0"],
            2,
            "argument --digits: '0' is not a number of significant digits from 1 to 17",
        ),
        (
            ["--digits", "many"],
            2,
            "argument --digits: 'many' is not a number of significant digits",
        ),
        (["--out", "picture.pdf"], 2, "writes SVG, PNG, DOT, which the suffix '.pdf' does not"),
        (["--out", "picture"], 2, "which the suffix '' does not name; end the name with one of"),
        (["--rankdir", "XY"], 2, "argument --rankdir: invalid choice: 'XY'"),
        (["--activation", "swish"], 2, "argument --activation: invalid choice: 'swish'"),
        (["--loss", "hinge"], 2, "argument --loss: invalid choice: 'hinge'"),
        (["--input", "1,nan"], 2, "argument --input: '1,nan' is not a list of finite numbers"),
        (["--arch", "2,1", "--model", "m.json"], 2, "not allowed with argument --arch"),
        (
            ["--arch", "2,2", "--loss", "cross_entropy", "--output-activation", "tanh"],
            2,
            "the cross_entropy loss needs a softmax output layer, not tanh",
        ),
        (["--arch", "2,1", "--target", "1,0"], 1, "--target has 2 numbers but the network has 1"),
        (["--model", "none.json"], 1, "no model file 'none.json'"),
        (["--out", "blocker/g.svg"], 1, "cannot write blocker/g.svg"),
    ],
)
def test_bad_input_is_one_line_on_stderr(
    tmp_path: Path, args: list[str], status: int, message: str
) -> None:
    (tmp_path / "blocker").write_text("a file where a folder is needed")
    done = run_module(*args, cwd=tmp_path)
    assert done.returncode == status
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("viz: error: ")
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_renderer_is_one_line_and_leaves_the_dot_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    only_these(monkeypatch, tmp_path / "empty")
    out = tmp_path / "g.svg"
    assert viz_main(["--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("viz: error: cannot render")
    assert "pip install 'chainrule[viz]'" in err
    assert (tmp_path / "g.dot").read_text().startswith("digraph {")
    assert not out.exists()


def test_the_parts_are_reusable_by_another_parser(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # What `chainrule graph` does: its own parser, our options and our run().
    pure_only(monkeypatch, tmp_path)
    parser = argparse.ArgumentParser(prog="chainrule graph")
    graph.add_arguments(parser)
    args = parser.parse_args(["--arch", "3,2", "--collapse", "--out", str(tmp_path / "n.svg")])
    assert graph.run(args) == 0
    assert len(svg_nodes((tmp_path / "n.svg").read_bytes())) == 5


def test_network_options_choose_activations_loss_input_and_target(tmp_path: Path) -> None:
    # Drawn to DOT (no renderer needed): the operations and numbers are in the source.
    out = tmp_path / "g.dot"
    argv = ["--arch", "2,2,2", "--activation", "tanh", "--loss", "cross_entropy"]
    argv += ["--input", "0.5,-0.25", "--target", "0,1", "--out", str(out)]
    assert viz_main(argv) == 0
    source = out.read_text()
    # tanh in the hidden layer (op symbol "tanh"), the output through softmax (exp), and the
    # constant inputs x as given.
    assert source.count("<tanh>") == 2
    assert "<exp>" in source
    assert "<TD>0.5</TD>" in source
    assert "<TD>-0.25</TD>" in source
    # The cost is the cross entropy of the same network built here: -ln a_1 (target 0,1).
    model = MLP(2, [2, 2], "tanh", output_activation="softmax", seed=0)
    cost = cross_entropy(model.forward([0.5, -0.25]), [0.0, 1.0])
    assert f"<TD>C</TD><TD>data {viz.graph.format_number(cost.data, 4)}</TD>" in source


def test_a_saved_model_is_drawn_on_an_example_of_its_dataset(tmp_path: Path) -> None:
    MLP(2, [3, 2], output_activation="softmax", seed=5).save(tmp_path / "m.json")
    out = tmp_path / "g.dot"
    assert viz_main(["--model", str(tmp_path / "m.json"), "--out", str(out)]) == 0
    source = out.read_text()
    # The model's own weights are drawn (not a fresh --arch network's).
    w = MLP.load(tmp_path / "m.json").w(1, 0, 0).data
    assert f"data {viz.graph.format_number(w, 4)}</TD>" in source
    assert "<exp>" in source  # softmax output, so cross entropy by default


def test_example_n_of_a_trained_model_is_drawn_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = training.TrainConfig(dataset="moons", samples=60, noise=0.3, seed=7)
    MLP(2, [3, 2], output_activation="softmax", seed=5).save(
        tmp_path / "m.json", data=training.data_record(config)
    )
    out = tmp_path / "g.dot"
    assert viz_main(["--model", str(tmp_path / "m.json"), "--example", "4", "--out", str(out)]) == 0
    moons = make_moons(60, 0.3, 7)  # the model's own data, made here directly
    assert capsys.readouterr().out == (
        f"example 4 of the moons data (class {moons.labels[4]})\nwrote {out}\n"
    )
    source = out.read_text()
    for x in moons.inputs[4]:
        assert f"<TD>{viz.graph.format_number(x, 4)}</TD>" in source


def test_a_graph_too_big_to_lay_out_is_refused_at_once(tmp_path: Path) -> None:
    # --arch 150,150: 22,650 weights, 23,401 values; Graphviz would take many minutes.
    started = time.monotonic()
    done = run_module("--arch", "150,150", "--out", "g.svg", cwd=tmp_path)
    assert time.monotonic() - started < 30.0
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "the full graph of this network has 23,401 values" in done.stderr
    assert f"more than the {graph.MAX_GRAPH_VALUES:,}" in done.stderr
    assert "--collapse" in done.stderr
    assert not (tmp_path / "g.svg").exists()


# -- as `chainrule graph` ---------------------------------------------------------------------


def test_graph_draws_an_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "g.svg"
    status, out, err = run(capsys, "graph", "--arch", "2,2,1", "--out", str(path))
    assert status == 0, err
    assert str(path) in out
    root = ET.parse(path).getroot()
    assert root.tag == SVG
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    # One record per weight of a 2-2-1 network (2·2 + 2·1 = 6), each labelled w_{j,k}^(l).
    assert texts.count("w") == 6
    # The weights drawn are those of MLP(2, [2, 1], seed=0) (the graph command's default
    # seed), shown with 4 significant digits (its default --digits).
    weight = MLP(2, [2, 1], seed=0).w(2, 0, 0).data
    assert f"data {weight:.4g}".replace("-", "&#45;") in path.read_text()


def test_graph_takes_the_network_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "g.dot"
    argv = ["--arch", "2,2", "--activation", "relu", "--loss", "binary_cross_entropy"]
    argv += ["--input", "0.5,1", "--target", "1,0", "--out", str(path)]
    status, _, err = run(capsys, "graph", *argv)
    assert status == 0, err
    # The same step built here: binary cross entropy gets a sigmoid output layer by default.
    model = MLP(2, [2], "relu", output_activation="sigmoid", seed=0)
    cost = binary_cross_entropy(model.forward([0.5, 1.0]), [1.0, 0.0])
    source = path.read_text()
    assert f"<TD>C</TD><TD>data {viz.graph.format_number(cost.data, 4)}</TD>" in source
    assert "<TD>0.5</TD>" in source  # the input as given


def test_graph_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "graph", "--arch", "2,x")
    assert status == 2
    # the graph command reports it, under the name of the command the user ran.
    assert_one_line_error(err, "chainrule graph: error:", "'2,x'")
    status, _, err = run(capsys, "graph", "--digits", "many")
    assert status == 2
    assert_one_line_error(err, "chainrule graph: error:", "'many'")


@pytest.mark.parametrize("argv", [[], ["--arch", "2,1", "--collapse"], ["--help"]])
def test_graph_without_viz_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setitem(sys.modules, "viz.backend", None)  # `import viz.backend` now fails
    status, out, err = run(capsys, "graph", *argv)
    assert status == 1
    assert out == ""
    assert_one_line_error(err, "chainrule graph: error:", "pip install 'chainrule[viz]'")
