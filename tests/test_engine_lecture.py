"""micrograd's lecture, cell by cell in our own words: the engine takes its code unchanged.

The lecture builds ``Value(data, (a, b), "op")`` nodes, steps through the chain rule by hand
with ``o._backward()``, and adds operations of its own by assigning ``out._backward``. The
oracles: the lecture's neuron worked by hand (tanh'(n) = 1 − tanh²(n)), the engine's own table
nodes for the same expression, and central differences.
"""

from __future__ import annotations

import math

import pytest

from autograd import Value, central_difference, grad


def lecture_neuron() -> tuple[dict[str, Value], Value]:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    nodes = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "x1w1": x1w1, "x2w2": x2w2}
    nodes.update({"x1w1x2w2": x1w1x2w2, "n": n, "o": o})
    return nodes, o


def test_constructor_takes_micrograds_and_the_lectures_arguments() -> None:
    a = Value(2.0, label="a")
    assert (a.label, a.op, a.parents) == ("a", "", ())
    assert Value(2.0, "b").label == "b"  # chainrule's own positional label
    c = Value(5.0, (a,), "+")
    assert c.parents == (a,)
    assert c.op == "+"
    assert c._prev == (a,)
    d = Value(1.0, _children=(a, c), _op="*", label="d")
    assert d.parents == (a, c)
    assert (d._op, d.label) == ("*", "d")
    with pytest.raises(TypeError, match=r"children must be Values, got float"):
        Value(1.0, (2.0,), "+")  # type: ignore[arg-type]


def test_the_manual_step_through_gives_the_lectures_numbers() -> None:
    v, o = lecture_neuron()
    o.grad = 1.0
    for name in ["o", "n", "x1w1x2w2", "x2w2", "x1w1"]:
        (o if name == "o" else v[name])._backward()
    t = math.tanh(v["n"].data)
    dn = 1.0 - t * t  # 0.5: tanh of the lecture's n is 1/√2
    assert math.isclose(dn, 0.5, rel_tol=1e-12)
    expected = {"n": dn, "b": dn, "x1w1": dn, "x2w2": dn, "x1": -3.0 * dn, "w1": 2.0 * dn}
    expected.update({"x2": 1.0 * dn, "w2": 0.0})
    for name, g in expected.items():
        assert math.isclose(v[name].grad, g, rel_tol=1e-12, abs_tol=1e-15), name
    # The same numbers as one backward() on a fresh copy.
    fresh, o2 = lecture_neuron()
    o2.backward()
    for name in expected:
        assert fresh[name].grad == v[name].grad, name


def lecture_tanh(x: Value) -> Value:
    """tanh the way the lecture first writes it: a node of its own with its own _backward."""
    n = x.data
    t = (math.exp(2 * n) - 1) / (math.exp(2 * n) + 1)
    out = Value(t, (x,), "tanh")

    def _backward() -> None:
        x.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def lecture_mul(a: Value, b: Value) -> Value:
    out = Value(a.data * b.data, (a, b), "*")

    def _backward() -> None:
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    return out


def test_a_students_own_operation_is_honoured_by_backward() -> None:
    x, w, b = Value(0.3, "x"), Value(-1.2, "w"), Value(0.4, "b")
    out = lecture_tanh(x * w + b) * 3.0
    out.backward()
    ref = [Value(0.3), Value(-1.2), Value(0.4)]
    ((ref[0] * ref[1] + ref[2]).tanh() * 3.0).backward()
    for mine, table in zip((x, w, b), ref, strict=True):
        assert math.isclose(mine.grad, table.grad, rel_tol=1e-12)
    assert (out.op, out.parents[0].op) == ("*", "tanh")

    def f(x_: float) -> float:
        return lecture_tanh(Value(x_) * -1.2 + 0.4).data * 3.0

    assert math.isclose(x.grad, central_difference(f, 0.3), rel_tol=1e-7)


def test_a_students_operation_on_one_parent_twice_counts_it_once() -> None:
    x = Value(1.5, "x")
    out = lecture_mul(x, x) + x
    out.backward()
    assert x.grad == 2.0 * 1.5 + 1.0
    assert grad(lecture_mul(x, x), x) == (3.0,)
    assert x.grad == 4.0  # grad() left it as backward() did
    with pytest.raises(TypeError, match=r"create_graph=True.*hand-written _backward"):
        grad(lecture_mul(x, x), x, create_graph=True)


def test_a_node_without_a_backward_passes_nothing_on_as_in_micrograd() -> None:
    a = Value(2.0)
    c = Value(4.0, (a,), "square")
    c.backward()
    assert (c.grad, a.grad) == (1.0, 0.0)


def test_a_second_backward_accumulates_into_the_root_too() -> None:
    """micrograd leaves the root at 1.0; chainrule adds the root's seed each time, as every
    other node's gradient, so that .grad always holds the sum over the passes."""
    x = Value(3.0)
    y = x * x
    y.backward()
    y.backward()
    assert (y.grad, x.grad) == (2.0, 12.0)
