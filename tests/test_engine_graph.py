"""Back-propagation through whole graphs: compositions, accumulation, modes and failures.

- random expression trees (``autograd.strategies.expressions``) checked with ``gradcheck`` and
  against the forward-mode gradient the strategy computes on its own;
- fan-out, a diamond, a node reused at several depths, ``x * x``, intermediate nodes' grads;
- ``backward()`` twice doubles every ``.grad`` exactly; ``grad()`` touches no ``.grad``;
- an error in the backward pass leaves every ``.grad`` as it was and the graph usable;
- ``no_grad``/``enable_grad`` nesting, ``detect_anomaly`` forward and backward;
- ``gradcheck`` passes on correct functions and fails, naming the input and both numbers, on a
  deliberately wrong derivative;
- a 1,000,000-deep chain; sigmoid and tanh where they saturate.
"""

from __future__ import annotations

import gc
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import (
    Constant,
    GradcheckError,
    Value,
    detect_anomaly,
    enable_grad,
    grad,
    gradcheck,
    is_grad_enabled,
    no_grad,
    rules,
    topological_order,
)
from tests.strategies import Expression, expressions, moderate, reals
from tests.support.numbers import close
from tests.support.rules import wrong_partials

# ---------------------------------------------------------------------------------------------
# Random expressions.


@given(expressions())
def test_random_expressions_pass_gradcheck(expr: Expression) -> None:
    """The engine's gradient of any drawn expression agrees with central differences."""
    assert gradcheck(expr, expr.inputs)


@given(expressions())
def test_random_expressions_match_forward_mode(expr: Expression) -> None:
    """Reverse mode (the engine) and the strategy's own forward mode give the same gradient.

    Both multiply the same local derivatives along every path, in opposite orders, so each
    path differs by a few ulps; a sum of paths can cancel, hence the absolute floor relative
    to the strategy's bound on every slope (100).
    """
    xs = [Value(x) for x in expr.inputs]
    out = expr(*xs)
    assert close(out.data, expr.value, scale=100.0)
    out.backward()
    for x, expected in zip(xs, expr.gradient, strict=True):
        assert math.isclose(x.grad, expected, rel_tol=1e-9, abs_tol=1e-11)


# ---------------------------------------------------------------------------------------------
# Shapes of graphs, against derivatives worked out by hand.


@given(moderate, moderate, moderate)
def test_fan_out(x_: float, a_: float, b_: float) -> None:
    """x feeding three consumers: d(x·a + x·b + e^x)/dx = a + b + e^x."""
    x, a, b = Value(x_), Value(a_), Value(b_)
    (x * a + x * b + x.exp()).backward()
    assert close(x.grad, a_ + b_ + math.exp(x_), scale=10.0)
    assert close(a.grad, x_)
    assert close(b.grad, x_)


@given(moderate)
def test_diamond(x_: float) -> None:
    """t = tanh x feeds both 2t and e^t, which meet again: d/dx = (2 + e^t)·sech² x."""
    x = Value(x_)
    t = x.tanh()
    out = t * 2.0 + t.exp()
    out.backward()
    tv = math.tanh(x_)
    assert close(t.grad, 2.0 + math.exp(tv))
    assert close(x.grad, (2.0 + math.exp(tv)) / math.cosh(x_) ** 2)


@given(moderate)
def test_node_reused_at_several_depths(x_: float) -> None:
    """s = σ(x) used at depths 1, 2 and 3 of out = e^(s·x + s)·s.

    ∂out/∂s (x held) = e^(s(x+1))·((x+1)s + 1); dout/dx = E·(s(σ'(x+1) + s) + σ') with
    E = e^(s(x+1)) and σ' = s(1 − s).
    """
    x = Value(x_)
    s = x.sigmoid()
    out = (s * x + s).exp() * s
    out.backward()
    sv = 1.0 / (1.0 + math.exp(-x_))
    ds = sv * (1.0 - sv)
    e = math.exp(sv * (x_ + 1.0))
    assert close(s.grad, e * ((x_ + 1.0) * sv + 1.0), scale=10.0)
    assert close(x.grad, e * (sv * (ds * (x_ + 1.0) + sv) + ds), scale=10.0)


@given(moderate)
def test_a_value_combined_with_itself(x_: float) -> None:
    """x·x, x + x, x − x and x / x: the same node as both parents."""
    x = Value(x_)
    square = x * x
    assert square.parents == (x, x)
    square.backward()
    assert close(x.grad, 2.0 * x_)
    assert grad(x + x, x) == (2.0,)
    assert grad(x - x, x) == (0.0,)
    if abs(x_) >= 1e-300:  # below, 1/x overflows and the two terms give inf − inf
        # 1/x − x/x² is 0 up to rounding of the two terms (size 1/|x|).
        assert close(grad(x / x, x)[0], 0.0, scale=1.0 / abs(x_))


@given(expressions())
def test_intermediate_nodes_get_their_gradient(expr: Expression) -> None:
    """backward() leaves ∂out/∂v in v.grad for every node v, not only for the leaves."""
    xs = [Value(x) for x in expr.inputs]
    out = expr(*xs)
    nodes = topological_order(out)
    expected = grad(out, nodes)
    out.backward()
    assert out.grad == 1.0
    for node, g in zip(nodes, expected, strict=True):
        if isinstance(node, Constant):
            assert node.grad == 0.0  # a plain number of the expression receives nothing
        else:
            assert node.grad == g  # the same pass, so exactly the same numbers


@given(moderate, moderate, reals(-4.0, 4.0))
def test_backward_seed_scales_every_gradient(x_: float, y_: float, seed: float) -> None:
    """backward(seed) gives seed times the gradient: d(x·y)/dx = y."""
    x, y = Value(x_), Value(y_)
    (x * y).backward(seed)
    assert close(x.grad, seed * y_)
    assert close(y.grad, seed * x_)


# ---------------------------------------------------------------------------------------------
# Accumulation.


@given(expressions())
def test_backward_twice_doubles_every_grad_exactly(expr: Expression) -> None:
    """A second backward() adds exactly what the first did, to every node.

    (Accumulating into .grad while walking would propagate the already-doubled gradients of
    intermediate nodes a second time: the classic micrograd mistake.)
    """
    xs = [Value(x) for x in expr.inputs]
    out = expr(*xs)
    nodes = topological_order(out)
    out.backward()
    first = [n.grad for n in nodes]
    out.backward()
    assert [n.grad for n in nodes] == [2.0 * g for g in first]  # doubling is exact


@given(expressions(), st.floats(-1e3, 1e3))
def test_grad_leaves_every_grad_untouched(expr: Expression, marker: float) -> None:
    """grad() (also with create_graph) returns gradients without writing any .grad."""
    xs = [Value(x) for x in expr.inputs]
    out = expr(*xs)
    # Constants ignore assignments to .grad (they always read 0.0): mark the other nodes.
    nodes = [n for n in topological_order(out) if not isinstance(n, Constant)]
    for k, n in enumerate(nodes):
        n.grad = marker + k
    firsts = grad(out, xs, allow_unused=True)  # a random expression may leave an input out
    grad(out, xs, create_graph=True, allow_unused=True)
    assert [n.grad for n in nodes] == [marker + k for k in range(len(nodes))]
    for g, expected in zip(firsts, expr.gradient, strict=True):
        assert math.isclose(g, expected, rel_tol=1e-9, abs_tol=1e-11)


def test_grad_of_an_input_the_output_does_not_depend_on_is_an_error() -> None:
    """grad(out, z) for z outside out's graph names z; allow_unused=True makes it 0.0."""
    x, z = Value(2.0, "x"), Value(3.0, "z")
    with pytest.raises(ValueError, match=r"does not depend on input 1 \('z'\).*allow_unused"):
        grad(x * x, [x, z])
    assert grad(x * x, [x, z], allow_unused=True) == (4.0, 0.0)
    gz = grad(x * x, z, create_graph=True, allow_unused=True)[0]
    assert isinstance(gz, Value)
    assert gz.data == 0.0


# ---------------------------------------------------------------------------------------------
# Errors during the backward pass.


def test_error_in_backward_leaves_grads_and_graph_usable() -> None:
    """(x ** 0.5) at x = 0 has no finite derivative: the pass fails, nothing is written."""
    x, y = Value(0.0, "x"), Value(2.0, "y")
    xy = x * y
    out = (x**0.5) * y + xy
    assert out.data == 0.0  # the forward pass is fine
    (xy + y).backward()  # earlier gradients that must survive the failure
    nodes = topological_order(out)
    before = [n.grad for n in nodes]
    with pytest.raises(
        ZeroDivisionError, match=r"backward pass: no finite derivative of '\*\*0\.5' at x=0\.0"
    ):
        out.backward()
    assert [n.grad for n in nodes] == before
    # The same error again (no half-finished state left behind), then the graph still works:
    # d(x·y + y)/dx = y, d/dy = x + 1, added to what was there.
    with pytest.raises(ZeroDivisionError):
        grad(out, [x, y])
    (xy + y).backward()
    assert x.grad == 2.0 * 2.0
    assert y.grad == 2.0 * (0.0 + 1.0)
    assert grad(xy, [x, y]) == (2.0, 0.0)


def test_exponent_gradient_at_a_negative_base_is_an_error() -> None:
    """(-2) ** y with y = 2 is 4, but ∂/∂y = x^y ln x does not exist: ValueError, grads kept."""
    b, y = Value(-2.0, "base"), Value(2.0, "y")
    out = b**y
    assert out.data == 4.0
    with pytest.raises(
        ValueError,
        match=r"derivative of '\*\*' with respect to input 1 is undefined at base=-2\.0, y=2\.0",
    ):
        out.backward()
    assert b.grad == 0.0
    assert y.grad == 0.0


# ---------------------------------------------------------------------------------------------
# no_grad / enable_grad.


def test_no_grad_records_nothing_and_nests() -> None:
    """Inside no_grad results are leaves; nesting and enable_grad restore the outer state."""
    x, y = Value(2.0), Value(3.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        for made in (x * y, x.exp(), Value.sum([x, y]), Value.weighted_sum([x], [1.0], y)):
            assert made.parents == ()
            assert made.op == ""
            assert made.constants == ()
        assert (x * y).data == 6.0  # values are still computed
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()  # the inner block restored "off", not "on"
        with enable_grad():
            assert is_grad_enabled()
            assert (x * y).parents == (x, y)
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert (x * y).parents == (x, y)


def test_no_grad_restores_after_an_exception() -> None:
    """An exception inside the block still switches recording back on."""
    with pytest.raises(ZeroDivisionError), no_grad():
        _ = Value(1.0) / 0.0
    assert is_grad_enabled()


def test_second_derivative_inside_no_grad() -> None:
    """grad(..., create_graph=True) records the derivative's graph even inside no_grad."""
    x = Value(1.5)
    out = x**3  # built outside: it has a graph
    with no_grad():
        (g,) = grad(out, x, create_graph=True)
        (h,) = grad(g, x)
    assert close(g.data, 3.0 * 1.5**2)
    assert close(h, 6.0 * 1.5)


# ---------------------------------------------------------------------------------------------
# detect_anomaly.


def test_anomaly_in_forward_names_op_and_inputs() -> None:
    """A non-finite forward value raises FloatingPointError naming the op and its inputs."""
    a, b = Value(1e308, "a"), Value(1e308, "b")
    with (
        detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"forward of '\+' gave inf.*a=1e\+308, b=1e\+308"),
    ):
        _ = a + b
    with (
        detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"forward of '\*' gave nan.*i=inf, input 1=0\.0"),
    ):
        _ = Value(math.inf, "i") * 0.0


def test_anomaly_in_backward_names_op_and_inputs() -> None:
    """Finite values whose gradient overflows: FloatingPointError, and no .grad is written."""
    a, b, c = Value(1e300, "a"), Value(1e-300, "b"), Value(1e10, "c")
    ab = a * b  # 1.0
    out = ab * c  # 1e10
    with (
        detect_anomaly(),
        pytest.raises(
            FloatingPointError,
            match=r"backward of '\*' gave gradient inf for input 1 .*a=1e\+300, b=1e-300",
        ),
    ):
        out.backward()
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)
    tiny = Value(5e-324, "tiny")
    log = tiny.log()  # about −744.4: finite, but 1 / 5e-324 overflows
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"backward of 'log'.*tiny="):
        log.backward()


def test_an_infinite_local_derivative_raises_with_or_without_the_mode() -> None:
    """d(x/x)/dx = 1/x − (x/x)/x at a subnormal x: 1/x is inf from finite numbers.

    The non-finite policy raises without the mode (naming '/'), and inside it the error is also
    a FloatingPointError, so code written for either catches it.
    """
    x = Value(2.5e-309, "x")
    with pytest.raises(OverflowError, match=r"derivative of '/' with respect to input 0 is inf"):
        grad(x / x, x)
    with (
        detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"backward of '/' gave gradient inf for input 0"),
    ):
        grad(x / x, x)


def test_overflow_from_finite_numbers_raises_the_same_inside_and_outside_the_mode() -> None:
    """1e308 + 1e308 and a gradient past the largest float raise whether the mode is on or not;
    the mode only adds what the policy lets through (nan and inf given as data). It nests and
    resets."""
    a, b, c = Value(1e300), Value(1e-300), Value(1e10)
    with detect_anomaly(), detect_anomaly():
        pass
    with pytest.raises(OverflowError, match=r"'\+' has no finite result"):
        _ = Value(1e308) + Value(1e308)
    with pytest.raises(OverflowError, match=r"gradient of input 1 overflows at '\*'"):
        (a * b * c).backward()
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)
    nan = Value(math.nan) + 1.0  # given as data: propagates silently outside the mode
    assert math.isnan(nan.data)
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"forward of '\+' gave nan"):
        _ = Value(math.nan, "n") + 1.0
    with detect_anomaly():
        ok = Value(2.0) * 3.0  # finite: nothing raised inside the mode either
        ok.backward()
    assert ok.grad == 1.0


# ---------------------------------------------------------------------------------------------
# gradcheck, on right and wrong derivatives.


def test_gradcheck_returns_true_on_correct_functions() -> None:
    """A few hand-picked functions of several inputs pass."""
    assert gradcheck(lambda x, y: (x * y).tanh() + (x / y).exp(), [0.3, 1.7])
    assert gradcheck(lambda x: Value.sum([x, x**2, x.sigmoid()]), [-0.4])
    assert gradcheck(lambda w, b: Value.weighted_sum([w], [2.0], b).relu(), [0.8, 0.1])


def test_gradcheck_fails_on_a_wrong_derivative_and_names_the_input() -> None:
    """With exp' deliberately doubled, gradcheck fails on x in e^x·w and reports both numbers."""

    def f(x: Value, w: Value) -> Value:
        return x.exp() * w

    with wrong_partials(rules.EXP, lambda out, x: (2.0 * out,)):
        with pytest.raises(GradcheckError, match=r"gradients disagree for 1 of 2 inputs") as info:
            gradcheck(f, [0.5, 1.5])
        assert isinstance(info.value, AssertionError)
    message = str(info.value)
    found = re.search(r"input 0 \(x = 0\.5\): engine (\S+), central difference (\S+)", message)
    assert found is not None, message
    engine, central = float(found.group(1)), float(found.group(2))
    true = math.exp(0.5) * 1.5
    assert math.isclose(engine, 2.0 * true, rel_tol=1e-12)  # exp and · round an ulp each
    assert math.isclose(central, true, rel_tol=1e-8)  # central difference error ~1e-10
    assert "input 1" not in message  # w's gradient e^x is still right
    assert gradcheck(f, [0.5, 1.5])  # restored


def test_gradcheck_fails_on_a_small_error_in_a_partial() -> None:
    """An error of 1e-3 relative in tanh' is far above the tolerance: caught."""
    true_partials = rules.TANH.partials
    with (
        wrong_partials(rules.TANH, lambda out, x: (true_partials(out, x)[0] * 1.001,)),
        pytest.raises(GradcheckError, match=r"input 0 \(x = 0\.2\): engine"),
    ):
        gradcheck(lambda x: x.tanh(), [0.2])


# ---------------------------------------------------------------------------------------------
# Memory: no closure and no reference cycle per node.


def test_nodes_share_their_table_row_and_form_no_reference_cycles() -> None:
    """Every node points at a shared row of the table (no closure of its own), and a graph,
    its backward pass and a derivative graph are freed by reference counting alone.

    With the cycle collector off, dropping the last reference must free everything: a
    following ``gc.collect()`` then finds no unreachable object, whereas any per-node cycle
    (a closure over the node, a gradient left holding a derivative graph) would be found.
    """
    assert not hasattr(Value(1.0), "__dict__")  # __slots__: nothing can be hung on a node
    gc.collect()
    gc.disable()
    try:
        x, y = Value(0.7), Value(1.3)
        out = Value.sum(
            [
                (x * y - x / y).tanh(),
                (x**2 + y**0.5).log(),
                (-x).exp().sigmoid() * (y**x).relu(),
                Value.weighted_sum([x, y], [y, 2.0], x),
                Value.weighted_sum([x, y], [0.5, 2.0], y),
            ]
        )
        for node in topological_order(out):
            assert node._rule is None or node._rule in rules.TABLE or node.op.startswith("**")
        assert (x * y)._rule is (y * x)._rule is rules.MUL
        assert (x**0.5)._rule is (y**0.5)._rule  # one row per constant exponent, cached
        out.backward()
        (g,) = grad(out, x, create_graph=True)
        grad(g, [x, y])
        del x, y, out, g, node
        assert gc.collect() == 0
    finally:
        gc.enable()


# ---------------------------------------------------------------------------------------------
# Size and saturation.


def test_million_deep_chain() -> None:
    """x → tanh → tanh → ... 1,000,000 times back-propagates without recursion.

    Oracle: the chain rule by hand, Π_k sech²(y_k) over the inputs y_k of every tanh,
    multiplied in a plain float loop (1e6 roundings of relative 1e-16: rel 1e-9 is ample).
    """
    n = 1_000_000
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = y.tanh()
    middle = y
    for _ in range(3):
        middle = middle.parents[0]
    y.backward()
    expected, t = 1.0, 0.5
    for _ in range(n):
        expected /= math.cosh(t) ** 2
        t = math.tanh(t)
    assert math.isclose(y.data, t, rel_tol=1e-9)
    assert math.isclose(x.grad, expected, rel_tol=1e-9)
    # An intermediate node three steps below the output: Π of the last three sech².
    m = middle.data
    expected_middle = 1.0
    for _ in range(3):
        expected_middle /= math.cosh(m) ** 2
        m = math.tanh(m)
    assert math.isclose(middle.grad, expected_middle, rel_tol=1e-12)  # 3 factors, a few ulps


@pytest.mark.parametrize("x", [-1000.0, 1000.0])
def test_sigmoid_and_tanh_at_plus_minus_1000(x: float) -> None:
    """Saturated: values exactly 0/1 and ±1, derivatives exactly 0, nothing non-finite."""
    s, t = Value(x), Value(x)
    sig, th = s.sigmoid(), t.tanh()
    assert sig.data == (1.0 if x > 0 else 0.0)
    assert th.data == math.copysign(1.0, x)
    sig.backward()
    th.backward()
    assert s.grad == 0.0  # e^-1000 underflows to exactly 0
    assert t.grad == 0.0
    # The second derivatives, σ'(1 − 2σ) and −2 tanh sech², are 0 there too.
    for f in (Value.sigmoid, Value.tanh):
        v = Value(x)
        (g,) = grad(f(v), v, create_graph=True)
        assert grad(g, v) == (0.0,)


@settings(max_examples=30)
@given(reals(20.0, 300.0), st.sampled_from([-1.0, 1.0]))
def test_saturating_derivatives_are_accurate(r: float, sign: float) -> None:
    """Far out on the flat parts: σ'(x) = e^-|x|/(1+e^-|x|)², tanh'(x) = 4e^-2|x|/(1+e^-2|x|)².

    Computing them as σ(1 − σ) or 1 − tanh² would give 0 or garbage; the engine must match the
    closed form to rel 1e-12 (the issue's bound) even where the derivative is 1e-260.
    """
    x = sign * r
    s, t = Value(x), Value(x)
    s.sigmoid().backward()
    t.tanh().backward()
    e1, e2 = math.exp(-r), math.exp(-2.0 * r)
    assert math.isclose(s.grad, e1 / (1.0 + e1) ** 2, rel_tol=1e-12)
    assert math.isclose(t.grad, 4.0 * e2 / (1.0 + e2) ** 2, rel_tol=1e-12)


def test_saturating_derivatives_at_30() -> None:
    """The issue's example: x = 30."""
    s, t = Value(30.0), Value(30.0)
    s.sigmoid().backward()
    t.tanh().backward()
    e1, e2 = math.exp(-30.0), math.exp(-60.0)
    assert math.isclose(s.grad, e1 / (1.0 + e1) ** 2, rel_tol=1e-12)
    assert math.isclose(t.grad, 4.0 * e2 / (1.0 + e2) ** 2, rel_tol=1e-12)


# ---------------------------------------------------------------------------------------------
# topological_order.


@given(expressions())
def test_topological_order(expr: Expression) -> None:
    """Root first, every node once, each before all of its parents, the same order each time."""
    out = expr(*(Value(x) for x in expr.inputs))
    order = topological_order(out)
    assert order[0] is out
    assert len(set(order)) == len(order)
    position = {node: k for k, node in enumerate(order)}
    for node in order:
        for p in node.parents:
            assert position[p] > position[node]
    assert topological_order(out) == order
    # Every node reachable from the root is listed.
    reachable, stack = {out}, [out]
    while stack:
        for p in stack.pop().parents:
            if p not in reachable:
                reachable.add(p)
                stack.append(p)
    assert set(order) == reachable
