"""The shared test helpers themselves (``tests.support``): the comparison they make is sound."""

from __future__ import annotations

import pytest

from nn.module import MLP
from tests.support.notes import TOL, batch_cost, engine_gradients, rel_err
from tests.support.svg import svg_cluster_boxes


def test_rel_err_is_normwise_because_sums_cancel() -> None:
    """Two correct orders of one cancelling sum differ by 50% entry-wise, 0 norm-wise."""
    one_order = (0.1 + 0.2) - 0.3  # 5.55e-17
    other_order = 0.1 + (0.2 - 0.3)  # 2.78e-17
    assert abs(one_order - other_order) / abs(one_order) > 0.4  # entry-wise: unbounded
    gradient = [0.25, one_order]  # beside a gradient entry of ordinary size
    assert rel_err([0.25, other_order], gradient) < TOL
    # ...while a wrong entry of ordinary size is caught.
    assert rel_err([0.5, other_order], gradient) == 1.0


def test_rel_err_of_zero_gradients_and_shapes() -> None:
    """All-zero gradients agree with all-zero ones; mismatched shapes are an error."""
    assert rel_err([[0.0, 0.0]], [[0.0, 0.0]]) == 0.0
    assert rel_err([1e-290], [0.0]) > 1.0  # a nonzero hand value against an exact 0 fails
    assert rel_err([2.2e-309], [2.5e-309]) < TOL  # subnormals: a few digits at most
    with pytest.raises(ValueError, match="2 numbers by hand but 1"):
        rel_err([1.0, 2.0], [1.0])


def test_engine_gradients_match_backward() -> None:
    """The helper's autograd.grad gives what .backward() leaves in each parameter's grad."""
    model = MLP(3, [4, 2], seed=3)
    xs, ys = [[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]], [[0.0, 1.0], [1.0, 0.0]]
    dW, db = engine_gradients(model, xs, ys, "squared_error")
    batch_cost(model, xs, ys, "squared_error").backward()
    by_backward = [p.grad for p in model.parameters()]
    # parameters() lists w_j0..w_j(n-1) then b_j, neuron by neuron.
    in_that_order = [
        g
        for dWl, dbl in zip(dW, db, strict=True)
        for row, bj in zip(dWl, dbl, strict=True)
        for g in [*row, bj]
    ]
    assert in_that_order == by_backward  # the same pass: exactly equal


def test_cluster_boxes_span_the_outline_of_each_cluster() -> None:
    """A rounded cluster (a path with corner curves) and a square one (a polygon), written the
    way Graphviz writes them, give the boxes read off by hand."""
    svg = """<svg xmlns="http://www.w3.org/2000/svg"><g class="graph">
    <g class="cluster"><title>cluster_r</title>
    <path fill="none" d="M20,-100C20,-100 90,-100 90,-100 96,-100 100,-96 100,-90C100,-90 100,-30
    100,-30 100,-24 96,-20 90,-20C90,-20 20,-20 20,-20 14,-20 10,-24 10,-30C10,-30 10,-90 10,-90
    10,-96 14,-100 20,-100"/><text x="55" y="-85">neuron 0</text></g>
    <g class="cluster"><title>cluster_s</title>
    <polygon fill="none" points="8,-10 8,4.5 120,4.5 120,-10 8,-10"/></g>
    <g class="node"><title>n</title><polygon points="0,0 1,1 2,2"/></g></g></svg>"""
    assert svg_cluster_boxes(svg) == {
        "cluster_r": (10.0, -100.0, 100.0, -20.0),
        "cluster_s": (8.0, -10.0, 120.0, 4.5),
    }


def test_no_test_module_imports_another() -> None:
    """Helpers live in tests.support (or tests.strategies); a test module is imported by none."""
    import ast
    from pathlib import Path

    here = Path(__file__).resolve().parent
    crossing = []
    for path in sorted(here.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            crossing += [f"{path.name}: {n}" for n in names if n.split(".")[-1].startswith("test_")]
    assert crossing == []
