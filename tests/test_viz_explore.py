"""viz.explore: the page that replays the backward pass, checked as HTML and in a real browser.

The numbers are held against oracles independent of the page's own replay: the engine's
``.grad`` after ``backward()`` (the last step must show exactly those), and, for every
intermediate step, the sum of ``upstream grad × local partial`` over the consumers processed so
far, with the local partials taken by central differences of each operation's forward formula.
The browser tests drive the system's headless Chromium from file:// with the network off; one
browser serves the whole module.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import viz
from autograd import Constant, Value, topological_order
from autograd.strategies import Expression, expressions
from nn import MLP, squared_error
from tests.support.browser import (
    console_problems,
    current_step,
    go,
    load_clean,
    load_event_seconds,
    output_dir,
    seconds_in_page,
    shown_data,
    shown_grads,
    start_browser,
)
from tests.support.graphs import mlp_step
from viz.graph import format_number

# -- graphs the tests explore ---------------------------------------------------------------------


def fan_out() -> Value:
    """d = (a·b + a)² + 3 after backward: a feeds two consumers, c = a·b + a feeds c·c twice."""
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b + a
    c.label = "c"
    d = c * c + 3
    d.label = "d"
    d.backward()
    return d


def central_partial(node: Value, j: int) -> float:
    """∂node/∂(its argument j) by a central difference of the operation's forward formula."""
    rule = node._rule
    assert rule is not None
    args = [p.data for p in node.parents]
    h = 1e-6 * max(1.0, abs(args[j]))
    up, down = list(args), list(args)
    up[j] += h
    down[j] -= h
    return (rule.forward(*up, *node._ctx) - rule.forward(*down, *node._ctx)) / (2 * h)


def expected_grads(order: list[Value], k: int) -> list[float]:
    """Each value's grad after the first k steps: the seed, plus Σ over processed consumers."""
    index = {v: i for i, v in enumerate(order)}
    grads = [0.0] * len(order)
    grads[0] = 1.0
    for c in order[:k]:
        for j, p in enumerate(c.parents):
            if not isinstance(p, Constant):
                grads[index[p]] += float(c.grad) * central_partial(c, j)
    return grads


def assert_close(shown: float, want: float, scale: float, what: str) -> None:
    # Central differences of smooth operations at well-scaled points are good to about 1e-8
    # relative (step 1e-6: truncation ~1e-12, rounding ~1e-10 / 1e-6); 1e-5 of the largest
    # number in play leaves room without letting a wrong term through.
    assert math.isclose(shown, want, rel_tol=1e-5, abs_tol=1e-5 * scale), (what, shown, want)


# -- the page as text -----------------------------------------------------------------------------


def test_every_value_carries_its_place_in_topological_order() -> None:
    root = fan_out()
    page = viz.explore(root)
    order = topological_order(root)
    marks = sorted(int(i) for i in re.findall(r'data-node="(\d+)"', page))
    assert marks == list(range(len(order)))
    assert 'id="details"' in page
    for button in ("prev", "next", "play", "reset"):
        assert f'id="{button}"' in page


def test_the_page_names_no_external_resource() -> None:
    model, cost = mlp_step((2, 2, 2))  # the network view too: its tooltips are xlink:title
    page = viz.explore(cost, model=model)
    # Attributes that make a browser fetch something: only data: URLs and in-page links allowed.
    fetched = re.findall(r'\b(?:src|href|srcset|action)\s*=\s*"([^"]*)"', page)
    assert all(u.startswith(("data:", "#")) for u in fetched), fetched
    assert "<!DOCTYPE svg" not in page  # the SVG DTD is a URL
    assert "http" not in page  # no URL of any kind, not even a namespace's
    assert "@import" not in page
    assert "url(" not in page


def test_notebook_display_and_written_file_are_the_page(tmp_path: Path) -> None:
    root = fan_out()
    target = tmp_path / "sub" / "page.html"
    page = viz.explore(root, target)
    assert target.read_text(encoding="utf-8") == page
    assert page._repr_html_() == page
    assert isinstance(page, viz.ExplorerPage)


@settings(max_examples=40)
@given(expressions(max_inputs=3, max_steps=8))
def test_the_last_step_is_the_engines_backward_to_the_bit(expr: Expression) -> None:
    xs = [Value(x, f"x{i}") for i, x in enumerate(expr.inputs)]
    root = expr(*xs)
    root.backward()
    order = topological_order(root)
    page = viz.explore(root, digits=17)
    finals = re.findall(r'"grad":"([^"]*)","engine":"([^"]*)"', page)
    assert len(finals) == len(order)
    # The replay adds the same products in the same order as the engine: equal as strings of
    # 17 significant digits means equal as floats.
    for (replayed, engine), v in zip(finals, order, strict=True):
        assert replayed == engine == format_number(float(v.grad), 17)


def test_refuses_a_graph_above_the_limit_naming_its_size() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(viz.MAX_NODES):
        y = y + 1.0
    n = len(topological_order(y))
    with pytest.raises(ValueError, match=f"{n:,} values, more than the {viz.MAX_NODES:,}"):
        viz.explore(y)


def test_a_model_is_not_a_value_and_the_message_says_what_to_do() -> None:
    model, _ = mlp_step((2, 2, 1))
    with pytest.raises(TypeError, match="draw_network"):
        viz.explore(model)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="digits"):
        viz.explore(Value(1.0), digits=0)


def test_a_model_whose_graph_is_not_roots_is_refused() -> None:
    model, _ = mlp_step((2, 2, 1))
    with pytest.raises(ValueError, match="no z_"):
        viz.explore(Value(1.0) * 2.0, model=model)


# -- in the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    driver = start_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


def check_every_step(chrome: Any, root: Value, scale_min: float = 1.0) -> None:
    order = topological_order(root)
    n = len(order)
    assert chrome.execute_script("return window.chainrule.steps;") == n
    data = shown_data(chrome)
    assert data == {i: format_number(v.data, 17) for i, v in enumerate(order)}
    for k in range(n + 1):
        assert go(chrome, k) == k
        assert current_step(chrome) == k
        shown = shown_grads(chrome)
        want = expected_grads(order, k)
        scale = max([scale_min, *map(abs, want)])
        for i in range(n):
            assert_close(float(shown[i]), want[i], scale, f"node {i} at step {k}")
        if k == 0:
            assert shown == {i: "1" if i == 0 else "0" for i in range(n)}
    # The last step: exactly the engine's numbers.
    assert shown_grads(chrome) == {i: format_number(float(v.grad), 17) for i, v in enumerate(order)}


def test_stepping_shows_every_grad_as_the_oracles_say(chrome: Any, tmp_path: Path) -> None:
    root = fan_out()
    path = tmp_path / "fan-out.html"
    viz.explore(root, path, digits=17)
    load_clean(chrome, path)
    check_every_step(chrome, root)
    check_every_panel(chrome, root)
    assert console_problems(chrome) == []


@settings(max_examples=6)
@given(expr=expressions(max_inputs=3, max_steps=6), seed=st.integers(0, 3))
def test_random_expressions_step_as_the_oracles_say(
    chrome: Any, tmp_path_factory: pytest.TempPathFactory, expr: Expression, seed: int
) -> None:
    xs = [Value(x, f"x{i}") for i, x in enumerate(expr.inputs)]
    root = expr(*xs)
    root.backward()
    path = tmp_path_factory.mktemp("expr") / "expr.html"
    viz.explore(root, path, digits=17)
    load_clean(chrome, path)
    check_every_step(chrome, root)
    check_every_panel(chrome, root)


def check_every_panel(chrome: Any, root: Value) -> None:
    """Each value's panel: its data, its final grad, and each local partial's number."""
    from selenium.webdriver.common.by import By

    order = topological_order(root)
    for i, v in enumerate(order):
        chrome.execute_script("window.chainrule.details(arguments[0]);", i)
        text = chrome.find_element(By.ID, "details").text
        assert f"data = {format_number(v.data, 17)}" in text
        assert f"grad after the whole pass = {format_number(float(v.grad), 17)}" in text
        # "∂(formula)/∂arg = text = number (arg is …, node p)", or "(arg is node p)" for a
        # parent with no name, one line per parent.
        lines = [line for line in text.splitlines() if line.startswith("∂(")]
        assert len(lines) == len(v.parents)
        for j, line in enumerate(lines):
            m = re.search(r" = (\S+) \(\S+ is (?:.+, )?node (\d+)\)$", line)
            assert m is not None, line
            want = central_partial(v, j)
            assert math.isclose(float(m.group(1)), want, rel_tol=1e-5, abs_tol=1e-6), (line, want)
            assert int(m.group(2)) == order.index(v.parents[j])
    assert console_problems(chrome) == []


def test_buttons_and_keys_step_and_stepping_back_restores(chrome: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    root = fan_out()
    path = tmp_path / "keys.html"
    viz.explore(root, path)
    load_clean(chrome, path)
    n = len(topological_order(root))
    body = chrome.find_element(By.TAG_NAME, "body")
    before = shown_grads(chrome)
    for k in range(n):
        assert current_step(chrome) == k
        chrome.find_element(By.ID, "next").click()
        after = shown_grads(chrome)
        chrome.find_element(By.ID, "prev").click()
        assert shown_grads(chrome) == before, f"prev after next at step {k}"
        body.send_keys(Keys.ARROW_RIGHT)
        assert shown_grads(chrome) == after
        body.send_keys(Keys.ARROW_LEFT)
        assert shown_grads(chrome) == before
        body.send_keys(Keys.ARROW_RIGHT)
        before = after
    assert current_step(chrome) == n
    body.send_keys(Keys.ARROW_RIGHT)  # past the end: stays
    assert current_step(chrome) == n
    assert shown_grads(chrome) == {
        i: format_number(float(v.grad), 4) for i, v in enumerate(topological_order(root))
    }
    chrome.find_element(By.ID, "reset").click()
    assert current_step(chrome) == 0
    chrome.find_element(By.ID, "play").click()
    deadline = time.monotonic() + 10.0
    while current_step(chrome) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    chrome.find_element(By.ID, "play").click()  # pause
    paused = current_step(chrome)
    assert paused >= 2
    time.sleep(1.0)  # longer than one play tick
    assert current_step(chrome) == paused
    assert console_problems(chrome) == []


def test_clicking_a_value_explains_its_numbers(chrome: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    root = fan_out()
    order = topological_order(root)
    a = next(v for v in order if v.label == "a")
    product = next(v for v in order if v.op == "*" and v.parents[0].label == "a")
    path = tmp_path / "details.html"
    viz.explore(root, path)
    load_clean(chrome, path)
    go(chrome, len(order))
    chrome.find_element(By.CSS_SELECTOR, f'g[data-node="{order.index(a)}"]').click()
    text = chrome.find_element(By.ID, "details").text
    assert "data = 2" in text
    # d = (a·b + a)² + 3 at a = 2, b = -3: ∂d/∂a = 2c · (b + 1) = 2·(-4)·(-2) = 16.
    assert a.grad == 16.0  # exact: small integers
    assert "grad after the whole pass = 16" in text
    # Two paths from d to a (through a·b and directly into the sum), each a product of partials.
    assert "Σ over 4 paths" in text  # c is used twice by c·c, and a twice under c: 2 × 2
    assert "sum = 16" in text
    chrome.find_element(By.CSS_SELECTOR, f'g[data-node="{order.index(product)}"]').click()
    text = chrome.find_element(By.ID, "details").text
    assert "∂(x · y)/∂x = y = -3" in text  # ∂(a·b)/∂a = b
    assert "∂(x · y)/∂y = x = 2" in text
    assert chrome.execute_script("return document.activeElement.getAttribute('data-node')") == str(
        order.index(product)
    )
    chrome.save_screenshot(str(output_dir() / "explore-expression.png"))
    assert console_problems(chrome) == []


def test_the_panel_names_each_value_as_the_picture_does(chrome: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    cost = squared_error(MLP(2, [2], seed=0)([0.5, -0.25]), [0.0, 1.0])
    cost.label = "C"
    unnamed = Value(1.5) * cost  # a value with neither a label nor a name from the picture
    unnamed.backward()
    order = topological_order(unnamed)
    path = tmp_path / "names.html"
    viz.explore(unnamed, path)
    load_clean(chrome, path)

    def panel(v: Value) -> str:
        chrome.execute_script("window.chainrule.details(arguments[0]);", order.index(v))
        return str(chrome.find_element(By.ID, "details").text)

    # squared_error labels neither y_j nor a_j − y_j nor its square; the picture names them
    # from the output's label, and so does the panel where they are arguments.
    for square in (v for v in order if v.op == "**2"):
        diff = square.parents[0]
        a, y = diff.parents
        j = re.fullmatch(r"a_\{(\d+)\}\^\(1\)", str(a.label))
        assert j is not None, a.label
        name = f"{a.label} − y_{{{j.group(1)}}}"
        assert f"(x is {name}, node {order.index(diff)})" in panel(square)
        assert f"(y is y_{{{j.group(1)}}}, node {order.index(y)})" in panel(diff)
    # An unnamed value is "node k" once, not "node k, node k".
    text = panel(unnamed)
    assert f"is node {order.index(leaf_holding(order, 1.5))})" in text
    assert not re.search(r"node (\d+), node \1\b", text)
    assert console_problems(chrome) == []


def leaf_holding(order: list[Value], data: float) -> Value:
    """The one leaf of ``order`` holding ``data``."""
    (leaf,) = [v for v in order if not v.parents and v.data == data]
    return leaf


def test_the_mlp_training_step_page_loads_and_steps(chrome: Any, tmp_path: Path) -> None:
    _, cost = mlp_step((64, 16, 10))
    order = topological_order(cost)
    assert len(order) == 1293
    path = tmp_path / "mlp.html"
    started = time.monotonic()
    viz.explore(cost, path)
    made = time.monotonic() - started
    started = time.monotonic()
    load_clean(chrome, path)
    loaded = time.monotonic() - started
    load_event = load_event_seconds(chrome)
    started = time.monotonic()
    go(chrome, len(order))
    to_end = time.monotonic() - started
    # One step back at a time, as the ← key does, timed inside the page (no driver round trips).
    twenty = seconds_in_page(
        chrome, "for (let i = 0; i < 20; i++) window.chainrule.go(window.chainrule.step - 1)"
    )
    assert current_step(chrome) == len(order) - 20
    go(chrome, len(order))
    assert shown_grads(chrome) == {i: format_number(float(v.grad), 4) for i, v in enumerate(order)}
    chrome.save_screenshot(str(output_dir() / "explore-mlp.png"))
    go(chrome, 40)  # mid-way through the output layer, scrolled to the node being processed
    chrome.find_element("id", "next").click()
    chrome.save_screenshot(str(output_dir() / "explore-mlp-step.png"))
    size = path.stat().st_size
    (output_dir() / "explore-mlp-figures.txt").write_text(
        f"nodes {len(order)}; page {size:,} bytes; made in {made:.2f} s; "
        f"driver.get {loaded:.2f} s; "
        f"load event {load_event * 1000:.0f} ms; go(last) {to_end * 1000:.0f} ms; "
        f"20 steps back {twenty * 1000:.0f} ms\n"
    )
    # Stated limits (README): the page stays under 4 MB and opens within 10 s even on a shared
    # two-core machine; a step answers within a fraction of a second.
    assert size < 4_000_000
    assert loaded < 10.0
    assert twenty / 20 < 0.2


def test_the_network_view_steps_layer_by_layer_with_deltas(chrome: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    model, cost = mlp_step((2, 3, 2), seed=4)
    order = topological_order(cost)
    z = {v.label: float(v.grad) for v in order if v.label.startswith("z_")}
    path = tmp_path / "network.html"
    viz.explore(cost, path, model=model)
    load_clean(chrome, path)
    chrome.find_element(By.ID, "view-network").click()
    assert chrome.find_element(By.ID, "network").is_displayed()
    assert not chrome.find_element(By.ID, "graph").is_displayed()

    def deltas() -> dict[str, str]:
        pairs = chrome.execute_script(
            "return Array.from(document.querySelectorAll('text.delta'))"
            ".map((t) => [t.getAttribute('data-delta'), t.textContent]);"
        )
        return {str(k): str(t) for k, t in pairs}

    assert deltas() == {}
    chrome.find_element(By.ID, "net-next").click()  # the output layer first
    want2 = {f"2,{j}": f"δ = {format_number(z[f'z_{{{j}}}^(2)'], 4)}" for j in range(2)}
    assert deltas() == want2
    chrome.find_element(By.ID, "net-next").click()
    want1 = {f"1,{j}": f"δ = {format_number(z[f'z_{{{j}}}^(1)'], 4)}" for j in range(3)}
    assert deltas() == {**want2, **want1}
    chrome.save_screenshot(str(output_dir() / "explore-network.png"))
    chrome.find_element(By.ID, "net-prev").click()
    assert deltas() == want2
    assert console_problems(chrome) == []


def test_a_notebook_shows_the_page(chrome: Any, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    code = (
        "from autograd import Value\nimport viz\n"
        "a, b = Value(2.0, 'a'), Value(-3.0, 'b')\nc = a * b + a\nc.backward()\nviz.explore(c)"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute(
        cwd=str(Path(__file__).resolve().parents[1])
    )
    outputs = nb.cells[0].outputs
    shown = [o for o in outputs if o.get("output_type") == "execute_result"]
    assert len(shown) == 1, outputs
    html = shown[0]["data"]["text/html"]
    assert 'id="details"' in html
    assert len(re.findall(r'data-node="\d+"', html)) == 4  # c, a·b, b, a
    # The notebook's output, opened as a page, is a working explorer.
    path = tmp_path / "from-notebook.html"
    path.write_text(html, encoding="utf-8")
    load_clean(chrome, path)
    assert chrome.execute_script("return window.chainrule.steps;") == 4
    go(chrome, 4)
    # c = a·b + a at a = 2, b = -3: ∂c/∂a = b + 1 = -2, ∂c/∂b = a = 2.
    assert sorted(shown_grads(chrome).values()) == ["-2", "1", "1", "2"]
    chrome.save_screenshot(str(output_dir() / "explore-notebook.png"))
