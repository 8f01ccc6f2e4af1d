"""``chainrule explore``: the page it writes for a network's step, and one-line errors.

The page's numbers are held against the same network built here directly with nn and run
through the engine; one page is also opened in headless Chromium (skipped without it).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import topological_order
from nn import MLP, cross_entropy, squared_error
from nn import train as training
from nn.app.main import main
from nn.datasets import make_moons, one_hot
from tests.support.browser import go, load_clean, shown_grads, start_browser
from viz.graph import format_number


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["explore", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def engine_grads(page: str) -> list[str]:
    """The final grad of each value as the page's data holds it, in topological order."""
    return re.findall(r'"grad":"([^"]*)","engine"', page)


def test_writes_the_page_of_the_network_the_options_describe(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "deep" / "page.html"
    status, stdout, err = run(
        capsys, "--arch", "2,3,2", "--activation", "tanh", "--loss", "cross_entropy",
        "--input", "0.5,-0.25", "--target", "0,1", "--seed", "1", "--out", str(out),
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert stdout == f"wrote {out}\n"
    page = out.read_text(encoding="utf-8")
    # The same step, built directly: tanh hidden layer, softmax output (cross_entropy's default).
    model = MLP(2, [3, 2], "tanh", output_activation="softmax", seed=1)
    cost = cross_entropy(model.forward([0.5, -0.25]), [0.0, 1.0])
    cost.backward()
    order = topological_order(cost)
    assert engine_grads(page) == [format_number(float(v.grad), 4) for v in order]
    assert len(re.findall(r'data-node="\d+"', page)) == len(order)
    assert 'id="network"' in page  # the layer-by-layer view is there by default
    assert "tanh" in page


def test_a_saved_model_is_explored_on_an_example_of_its_dataset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    MLP(2, [4, 2], output_activation="softmax", seed=3).save(tmp_path / "moons.json")
    out = tmp_path / "m.html"
    status, _, err = run(capsys, "--model", str(tmp_path / "moons.json"), "--out", str(out))
    assert (status, err) == (0, "")
    page = out.read_text(encoding="utf-8")
    # 2 inputs, 4 + 2 neurons, softmax + cross entropy: as many values as the same graph built
    # on any input of the right size.
    model = MLP.load(tmp_path / "moons.json")
    cost = cross_entropy(model.forward([0.1, 0.2]), [1.0, 0.0])
    assert len(re.findall(r'data-node="\d+"', page)) == len(topological_order(cost))


def test_example_n_of_a_trained_model_is_explored_and_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = training.TrainConfig(dataset="moons", samples=60, noise=0.3, seed=7)
    MLP(2, [3, 2], output_activation="softmax", seed=3).save(
        tmp_path / "m.json", data=training.data_record(config)
    )
    out = tmp_path / "m.html"
    status, stdout, err = run(
        capsys, "--model", str(tmp_path / "m.json"), "--example", "17", "--out", str(out)
    )
    assert (status, err) == (0, "")
    moons = make_moons(60, 0.3, 7)  # the model's own data, made here directly
    label = moons.labels[17]
    assert stdout == f"example 17 of the moons data (class {label})\nwrote {out}\n"
    model = MLP.load(tmp_path / "m.json")
    cost = cross_entropy(model.forward(moons.inputs[17]), one_hot(label, 2))
    cost.backward()
    # The page holds the engine's grads of that very step, in topological order.
    want = [format_number(float(v.grad), 4) for v in topological_order(cost)]
    assert engine_grads(out.read_text(encoding="utf-8")) == want


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--out", "x.png"], 2, "--out 'x.png': the page is HTML; end the name with .html"),
        (["--target", "a"], 2, "argument --target: 'a' is not a list of finite numbers"),
        (["--loss", "hinge"], 2, "argument --loss: invalid choice: 'hinge'"),
        (["--activation", "swish"], 2, "argument --activation: invalid choice: 'swish'"),
        (["--digits", "0"], 2, "argument --digits: '0' is not a number of significant digits"),
        (["--arch", "2,x"], 2, "argument --arch: '2,x' is not an architecture"),
        (["--arch", "2,1", "--model", "m.json"], 2, "not allowed with argument --arch"),
        (["--loss", "cross_entropy", "--output-activation", "tanh"], 2, "needs a softmax"),
        (["--arch", "2,1", "--input", "1,2,3"], 1, "--input has 3 numbers but the network has 2"),
        (["--arch", "2,1", "--target", "1,2"], 1, "--target has 2 numbers but the network has 1"),
        (["--model", "nowhere.json"], 1, "no model file 'nowhere.json'"),
    ],
)
def test_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    status: int,
    message: str,
) -> None:
    out = tmp_path / "p.html"
    got, stdout, err = run(capsys, *argv, *([] if "--out" in argv else ["--out", str(out)]))
    assert got == status
    assert stdout == ""
    assert err.startswith("chainrule explore: error: ")
    assert message in err, err
    assert err.count("\n") == 1
    assert not out.exists()


def test_a_model_of_no_known_dataset_needs_input_and_target(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    MLP(3, [2], seed=0).save(tmp_path / "odd.json")
    status, _, err = run(
        capsys, "--model", str(tmp_path / "odd.json"), "--out", str(tmp_path / "p.html")
    )
    assert status == 1
    assert "give --input and --target" in err
    status, _, err = run(
        capsys, "--model", str(tmp_path / "odd.json"), "--input", "1,2,3", "--target", "0.5,0.5",
        "--out", str(tmp_path / "p.html"),
    )  # fmt: skip
    assert (status, err) == (0, "")


def test_a_graph_too_big_for_a_page_is_refused_and_nothing_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "big.html"
    status, stdout, err = run(capsys, "--arch", "64,80,10", "--out", str(out))
    # 64·80 + 80·10 weights alone are 5,920 values, beyond viz.MAX_NODES (5,000).
    assert (status, stdout) == (2, "")
    assert err.startswith("chainrule explore: error: explore: the graph has ")
    assert "more than the 5,000" in err
    assert err.count("\n") == 1
    assert not out.exists()


def test_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    for option in ("--arch", "--model", "--activation", "--output-activation", "--loss"):
        assert option in out
    for option in ("--input", "--target", "--seed", "--digits", "--out", "--no-network"):
        assert option in out


def test_no_network_leaves_out_the_network_view(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "p.html"
    assert run(capsys, "--arch", "2,2,1", "--no-network", "--out", str(out))[0] == 0
    assert 'id="network"' not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("argv", [[], ["--arch", "2,1"], ["--help"]])
def test_without_viz_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setitem(sys.modules, "viz.explore", None)  # `import viz.explore` now fails
    status, out, err = run(capsys, *argv)
    assert (status, out) == (1, "")
    assert err.startswith("chainrule explore: error: the explorer page needs the viz extra")
    assert "pip install 'chainrule[viz]'" in err
    assert err.count("\n") == 1


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    driver = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def test_the_commands_page_steps_to_the_engines_grads_in_a_browser(
    chrome: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "cli.html"
    argv = ["--arch", "2,2,1", "--input", "0.3,-0.7", "--target", "0.25", "--out", str(out)]
    assert run(capsys, *argv)[0] == 0
    model = MLP(2, [2, 1], seed=0)
    cost = squared_error(model.forward([0.3, -0.7]), [0.25])
    cost.backward()
    order = topological_order(cost)
    load_clean(chrome, out)
    assert chrome.execute_script("return window.chainrule.steps;") == len(order)
    go(chrome, len(order))
    assert shown_grads(chrome) == {i: format_number(float(v.grad), 4) for i, v in enumerate(order)}
