"""``chainrule explore``: the page it writes for a network's step, and one-line errors.

The page's numbers are held against the same network built here directly with nn and run
through the engine; one page is also opened in headless Chromium (skipped without it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import topological_order
from nn import MLP, cross_entropy, squared_error
from nn.cli import main
from tests.test_viz_browser_support import go, load_clean, shown_grads, start_browser
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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "x.png"], "the page is HTML; end the name with .html"),
        (["--arch", "2,1", "--input", "1,2,3"], "--input has 3 numbers but the network has 2"),
        (["--arch", "2,1", "--target", "a"], "--target 'a' is not a list of finite numbers"),
        (["--arch", "2,1", "--loss", "hinge"], "--loss 'hinge': choose one of"),
        (["--arch", "2,1", "--digits", "0"], "--digits 0 is out of range"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    status, out, err = run(
        capsys, *argv, *([] if "--out" in argv else ["--out", str(tmp_path / "p.html")])
    )
    assert status == 2
    assert out == ""
    assert err.startswith("chainrule explore: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_a_model_of_no_known_dataset_needs_input_and_target(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    MLP(3, [2], seed=0).save(tmp_path / "odd.json")
    status, _, err = run(
        capsys, "--model", str(tmp_path / "odd.json"), "--out", str(tmp_path / "p.html")
    )
    assert status == 2
    assert "give --input and --target" in err
    status, _, err = run(
        capsys, "--model", str(tmp_path / "odd.json"), "--input", "1,2,3", "--target", "0.5,0.5",
        "--out", str(tmp_path / "p.html"),
    )  # fmt: skip
    assert (status, err) == (0, "")


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
