"""autograd.compile: the generated code against the eager engine, bit for bit.

The oracle is the eager engine itself (``f(*args).backward()`` on a separate copy of the
captured leaves): compile promises the very same floats, so every comparison here is of the
floats' exact bits (``float.hex``), never a tolerance. The inline expressions the generator
writes out are checked against the table's own functions in the same way, on ordinary and
special floats.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import TraceMismatchError, Value, compile, grad, no_grad, rules
from autograd.compile import (
    _HELPERS,
    _INLINE_FORWARD,
    _INLINE_PARTIALS,
    _NEVER_RAISES,
    _identifier,
    _inline_forward,
    _inline_partials,
    _run,
)
from autograd.strategies import Expression, expressions
from nn import MLP
from nn.activations import ACTIVATIONS
from nn.losses import LOSSES


def bits(x: float) -> str:
    """The exact float: equal bits, equal text (nan included)."""
    return float(x).hex()


def assert_same(got: Sequence[float], want: Sequence[float]) -> None:
    assert [bits(g) for g in got] == [bits(w) for w in want]


def eager(
    build: Callable[[list[Value]], Value], data: Sequence[float]
) -> tuple[float, list[float]]:
    """Value and gradients of ``build`` on fresh leaves holding ``data``, by the engine."""
    leaves = [Value(x) for x in data]
    out = build(leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


# -- random expressions of every primitive ------------------------------------------------------


@settings(max_examples=150)
@given(expressions(max_inputs=4, max_steps=12), st.integers(0, 4))
def test_random_expressions_match_the_engine_bit_for_bit(expr: Expression, n_args: int) -> None:
    """The first ``n_args`` inputs are arguments, the others captured leaves (parameters)."""
    k = min(n_args, len(expr.inputs))
    params = [Value(x, f"p{i}") for i, x in enumerate(expr.inputs[k:])]

    def f(*xs: Value) -> Value:
        return expr(*xs, *params)

    c = compile(f, *expr.inputs[:k])
    want_value, want_grads = eager(lambda vs: expr(*vs), expr.inputs)
    value = c(*expr.inputs[:k])
    assert bits(value) == bits(want_value)
    assert_same([p.grad for p in params], want_grads[k:])
    # A second call adds the same gradients again, as a second backward() would.
    c(*expr.inputs[:k], check=True)
    assert_same([p.grad for p in params], [g + g for g in want_grads[k:]])


SPECIAL_ARGS = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, 1e300, math.inf, -math.inf, math.nan]


@settings(max_examples=150)
@given(expressions(max_inputs=4, max_steps=12), st.integers(0, 4), st.data())
def test_random_expressions_at_other_arguments(
    expr: Expression, n_args: int, data: st.DataObject
) -> None:
    """Traced at one point, called at another: the engine's numbers there, or its error.

    The contract is ``f(*args).backward()``, with the one exception the module states: the
    arguments receive no gradient from a compiled call, so an error that only an argument's
    gradient would raise need not be raised. So a compiled call may raise only what
    ``backward()`` raises, and must raise if even the captured leaves' ``grad`` raises; when it
    does not raise, its numbers are those of ``grad`` for the captured leaves.
    """
    k = min(n_args, len(expr.inputs))
    params = [Value(x) for x in expr.inputs[k:]]
    c = compile(lambda *xs: expr(*xs, *params), *expr.inputs[:k])
    other = [data.draw(st.floats(-3.0, 3.0) | st.sampled_from(SPECIAL_ARGS)) for _ in range(k)]

    def outcome(run: Callable[[list[Value]], Any]) -> Any:
        leaves = [Value(x) for x in [*other, *expr.inputs[k:]]]
        try:
            return run(leaves)
        except (ArithmeticError, ValueError) as e:
            return type(e)

    def backward(leaves: list[Value]) -> None:
        expr(*leaves).backward()

    def captured(leaves: list[Value]) -> tuple[float, list[float]]:
        out = expr(*leaves)
        want = grad(out, leaves[k:], allow_unused=True) if params else ()
        return out.data, [0.0 + g for g in want]  # .grad starts at 0.0: 0.0 + g is what it gets

    by_backward, by_grad = outcome(backward), outcome(captured)
    got = outcome(lambda _: c(*other))
    if isinstance(got, type):
        assert got in (by_backward, by_grad)
        assert all(p.grad == 0.0 for p in params)  # exact: a failed call adds nothing
        return
    value = got
    assert not isinstance(by_grad, type), f"the engine raises {by_grad} for the leaves"
    want_value, want_grads = by_grad
    assert bits(value) == bits(want_value)
    assert_same([p.grad for p in params], want_grads)


@settings(max_examples=40)
@given(expressions(max_inputs=3, max_steps=8))
def test_every_input_captured_or_every_input_an_argument(expr: Expression) -> None:
    want_value, want_grads = eager(lambda vs: expr(*vs), expr.inputs)
    params = [Value(x) for x in expr.inputs]
    c = compile(lambda: expr(*params))
    assert bits(c()) == bits(want_value)
    assert_same([p.grad for p in params], want_grads)
    as_args = compile(lambda *xs: expr(*xs), *expr.inputs)
    assert bits(as_args(*expr.inputs)) == bits(want_value)  # no captured leaf: a value only
    assert as_args.leaves == ()


# -- networks of every activation and loss ------------------------------------------------------

# Outputs the losses accept: cross-entropy needs a softmax layer, binary cross-entropy outputs
# in (0, 1).
OUTPUTS = {
    "squared_error": (*ACTIVATIONS, "softmax"),
    "mean_squared_error": (*ACTIVATIONS, "softmax"),
    "binary_cross_entropy": ("sigmoid", "softmax"),
    "cross_entropy": ("softmax",),
}
# Losses and outputs whose graph has the same shape and constants for every input: softmax
# shifts by max z (a constant made from data) and binary cross-entropy's softplus branches on
# the logit's sign, so those replay exactly only at inputs that keep the traced constants.
DATA_INDEPENDENT = {"squared_error", "mean_squared_error"}

networks = st.builds(
    lambda act, loss, out, sizes, seed: (act, loss, out, sizes, seed),
    st.sampled_from(ACTIVATIONS),
    st.sampled_from(sorted(LOSSES)),
    st.integers(0, 3),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.integers(0, 2**16),
)
unit = st.floats(-2.0, 2.0, allow_nan=False)


@dataclass
class NetCase:
    """A network and its twin (same seed), a loss with its target, inputs to call it at."""

    model: MLP
    twin: MLP
    loss_name: str
    output: str
    y: list[float]
    xs: list[list[float]]

    @property
    def data_dependent(self) -> bool:
        return self.loss_name not in DATA_INDEPENDENT or self.output == "softmax"

    def cost(self, model: MLP, x: Sequence[Any]) -> Value:
        return LOSSES[self.loss_name](model.forward(x), self.y)


@st.composite
def net_cases(draw: st.DrawFn, calls: int) -> NetCase:
    act, loss_name, out_pick, sizes, seed = draw(networks)
    output = OUTPUTS[loss_name][out_pick % len(OUTPUTS[loss_name])]
    nin = sizes[0]
    nouts = [*sizes[1:], draw(st.integers(1, 3))]
    model = MLP(nin, nouts, activation=act, output_activation=output, seed=seed)
    twin = MLP(nin, nouts, activation=act, output_activation=output, seed=seed)
    y = draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=nouts[-1], max_size=nouts[-1]))
    xs = [draw(st.lists(unit, min_size=nin, max_size=nin)) for _ in range(calls)]
    return NetCase(model, twin, loss_name, output, y, xs)


@settings(max_examples=60)
@given(net_cases(2))
def test_networks_of_every_activation_and_loss(case: NetCase) -> None:
    model, twin = case.model, case.twin
    c = compile(lambda xs: case.cost(model, xs), case.xs[0])
    for inputs in case.xs:
        twin.zero_grad()
        model.zero_grad()
        want = case.cost(twin, inputs)
        want.backward()
        try:
            value = c(inputs, check=case.data_dependent)
        except TraceMismatchError:
            # Allowed only where the graph depends on the data, and nothing was added then.
            assert case.data_dependent
            assert all(p.grad == 0.0 for p in model.parameters())  # exact: untouched
            continue
        assert bits(value) == bits(want.data)
        assert_same([p.grad for p in model.parameters()], [p.grad for p in twin.parameters()])


@settings(max_examples=60)
@given(net_cases(3))
def test_networks_of_every_activation_and_loss_without_check(case: NetCase) -> None:
    """Without check=True too, every call gives the engine's numbers or the engine's error.

    A loss that reads the numbers of its outputs (a softmax's max, cross-entropy's checks and
    floor, binary cross-entropy's branch on the logit's sign) is found data-dependent and run
    on the engine; the squared errors on the other outputs are replayed.
    """
    model, twin = case.model, case.twin
    c = compile(lambda a: case.cost(model, a), case.xs[0])
    assert bool(c.data_dependent) == case.data_dependent
    for inputs in case.xs:
        twin.zero_grad()
        model.zero_grad()
        try:
            want = case.cost(twin, inputs)
            want.backward()
        except ValueError as e:  # an output the loss refuses (a tanh output of -0.5 for BCE)
            with pytest.raises(type(e)):
                c(inputs)
            continue
        assert bits(c(inputs)) == bits(want.data)
        assert_same([p.grad for p in model.parameters()], [p.grad for p in twin.parameters()])


def test_a_branch_the_nearby_trace_cannot_see_is_found_by_the_read() -> None:
    """Dead relus hide the softmax's shift from arguments near the example, not from the read.

    With every hidden relu at 0 at the example, a second trace a few bits away computes the
    very same max z, so only seeing ``softmax`` read ``z.data`` tells that other inputs shift
    by another constant; replayed, they would get the example's shift, silently.
    """
    model = MLP(2, [2, 2], activation="relu", output_activation="softmax", seed=3)
    twin = MLP(2, [2, 2], activation="relu", output_activation="softmax", seed=3)
    for m in (model, twin):
        for n, sign in zip(m.layers[0].neurons, (1.0, -1.0), strict=True):
            n.w[0].data, n.w[1].data, n.b.data = sign, sign, -5.0  # dead at (0, 0)
        for j, n in enumerate(m.layers[1].neurons):
            n.w[0].data, n.w[1].data, n.b.data = 1.0, -1.0, 0.1 * j
    y = [1.0, 0.0]
    c = compile(lambda a: LOSSES["squared_error"](model.forward(a), y), [0.0, 0.0])
    assert "read the number" in c.data_dependent
    for x in ([9.0, 1.0], [1.0, 9.0]):  # each wakes one hidden relu: another max z
        model.zero_grad()
        twin.zero_grad()
        want = LOSSES["squared_error"](twin.forward(x), y)
        want.backward()
        assert bits(c(x)) == bits(want.data)
        assert_same([p.grad for p in model.parameters()], [p.grad for p in twin.parameters()])
    with pytest.raises(TraceMismatchError, match="does not fit"):
        c([9.0, 1.0], check=True)  # check=True still compares the trace with the new graph


def test_reading_a_number_outside_a_trace_or_of_a_constant_is_not_seen() -> None:
    w = Value(2.0, "w")
    assert compile(lambda x: w * x * 3.0, 1.0).data_dependent == ""
    assert w.data == 2.0  # exact; read outside any trace, it changes nothing above
    c = compile(lambda x: x * (x * 3.0).parents[1].data, 1.0)  # a constant's number: fixed
    assert c.data_dependent == ""
    c = compile(lambda x: x * float(w), 1.0)  # a captured leaf's number: it may change
    assert "'w'" in c.data_dependent


def test_parameters_are_read_on_every_call() -> None:
    """After the weights move, the compiled step computes with the new ones."""
    model = MLP(3, [4, 2], seed=1)
    twin = MLP(3, [4, 2], seed=1)
    loss = LOSSES["squared_error"]
    c = compile(lambda xs: loss(model.forward(xs), [0.0, 1.0]), [0.5, -0.2, 0.1])
    for step in range(5):
        x = [0.1 * step, -0.3, 0.7]
        model.zero_grad()
        twin.zero_grad()
        value = c(x)
        want = loss(twin.forward(x), [0.0, 1.0])
        want.backward()
        assert bits(value) == bits(want.data)
        for p, q in zip(model.parameters(), twin.parameters(), strict=True):
            assert bits(p.grad) == bits(q.grad)
            p.data -= 0.5 * p.grad
            q.data -= 0.5 * q.grad


def test_accumulate_replays_a_batch_mean_in_the_engines_order() -> None:
    """Seeded per-example calls, first example first, sum as mean(costs).backward() does."""
    model = MLP(2, [3, 2], activation="tanh", seed=3)
    twin = MLP(2, [3, 2], activation="tanh", seed=3)
    loss = LOSSES["squared_error"]
    y = [1.0, 0.0]
    c = compile(lambda xs: loss(model.forward(xs), y), [0.0, 0.0])
    xs = [[0.1, 0.2], [-1.0, 0.5], [0.3, -0.7], [2.0, 1.0], [0.0, -0.1]]
    mean = Value.sum([loss(twin.forward(x), y) for x in xs]) / float(len(xs))
    mean.backward()
    acc = [-0.0] * len(c.leaves)
    seed = 1.0 * rules.DIV.partials(mean.data, 1.0, float(len(xs)))[0] * 1.0
    for x in xs:
        c.accumulate([x], seed, acc)
    by_leaf = {id(v): g for v, g in zip(c.leaves, acc, strict=True)}
    assert_same([by_leaf[id(p)] for p in model.parameters()], [p.grad for p in twin.parameters()])


# -- the generated source -----------------------------------------------------------------------


def test_source_names_variables_after_labels_and_comments_each_rule() -> None:
    model = MLP(2, [2, 1], seed=0)
    c = compile(lambda xs: LOSSES["squared_error"](model.forward(xs), 1.0), [1.0, 2.0])
    lines = c.source.splitlines()
    assert lines[0] == "def step(x0):"
    values = [f"V_{name}" for name in ("w_0_0_2", "w_0_1_2", "b_0_2")]
    assert all(v in lines[1].split(" = ")[0] for v in values)  # the leaves' Values, once
    assert lines[2].startswith("    while True:  # ")
    body = [line.removeprefix("        ") for line in lines[3:]]
    assert all(len(b) < len(line) for b, line in zip(body, lines[3:], strict=True))  # indented
    assert "x0_0, x0_1 = x0  # argument 0" in body
    assert any(line.startswith("z_0_2 = ") for line in body)
    assert any(line.startswith("dC_dw_1_0_1 = dC_dz_1_1 * x0_0  # wsum") for line in body)
    backward = body[body.index("# backward pass, in the engine's order") + 1 :]
    assert all("  # " in line for line in backward)  # every line says what it does
    assert body[-1].startswith("x0 = yield C  # ")
    assert "V_w_1_0_1.grad += dC_dw_1_0_1" in [line.split("  # ")[0] for line in body]
    # One line per operation: each node's forward assignment appears exactly once.
    forward = body[body.index("# forward pass") + 1 : body.index(backward[0]) - 1]
    assert len(forward) == len({line.split(" = ")[0] for line in forward})


def test_a_factor_of_one_is_not_multiplied_out() -> None:
    """g · 1 is g and g · (-1) is -g exactly: + and - pass gradients on without a product."""
    w = Value(0.5, "w")
    b = Value(0.25, "b")
    c = compile(lambda x: (w * x + b) - w, 2.0)
    lines = [line.strip() for line in c.source.splitlines()]
    assert not any("* 1.0" in line or "* -1.0" in line for line in lines)
    # w's two contributions, in the engine's order, on one line: -g first, then g · x.
    assert "dC_dw = -dC_dC + dC_dt3 * x0  # -: ∂/∂arg1 = -1; *: ∂/∂arg0 = y" in lines
    assert any(line.startswith("dC_db = dC_dt") for line in lines)
    twin_w, twin_b = Value(0.5), Value(0.25)
    want = (twin_w * 3.0 + twin_b) - twin_w
    want.backward()
    assert bits(c(3.0)) == bits(want.data)
    assert_same([w.grad, b.grad], [twin_w.grad, twin_b.grad])


def test_a_leaf_used_hundreds_of_times_sums_its_contributions_in_order() -> None:
    """A gradient of 250 contributions, written over several lines, still adds them in turn."""
    w = Value(0.7, "w")
    twin = Value(0.7)
    xs = [0.1 * k - 3.0 for k in range(250)]

    def f(vs: Sequence[Value], weight: Value) -> Value:
        return Value.sum([(weight * v).tanh() for v in vs])

    c = compile(lambda vs: f(vs, w), xs)
    lines = [line.strip() for line in c.source.splitlines()]
    assert sum(line.startswith("dC_dw = ") for line in lines) >= 3  # 250 terms, 100 a line
    want = f([Value(x) for x in xs], twin)
    want.backward()
    assert bits(c(xs)) == bits(want.data)
    assert bits(w.grad) == bits(twin.grad)


def test_labels_that_look_like_the_generated_names() -> None:
    """Leaves and nodes labelled like the code's own variables keep names of their own."""
    labels = ["w", "V_w", "seed", "acc", "d_C", "dC_dw", "C", "x0", "_G", "step"]
    leaves = [Value(0.25 * (k + 1), label) for k, label in enumerate(labels)]
    twins = [Value(0.25 * (k + 1)) for k in range(len(labels))]

    def f(x: Value, vs: Sequence[Value], named: bool) -> Value:
        total = x
        for k, v in enumerate(vs):
            total = (total * v).tanh() if k % 2 else total + v.exp()
            if named:
                total.label = labels[-1 - k]
        return total

    c = compile(lambda x: f(x, leaves, True), 0.5)
    want = f(Value(0.7), twins, False)
    want.backward()
    assert bits(c(0.7)) == bits(want.data)
    assert_same([v.grad for v in leaves], [t.grad for t in twins])
    acc = [-0.0] * len(c.leaves)
    assert bits(c.accumulate([0.7], 1.0, acc)) == bits(want.data)
    by_id = {id(v): t for v, t in zip(leaves, twins, strict=True)}
    assert_same(acc, [by_id[id(v)].grad for v in c.leaves])


@given(st.text(max_size=12))
def test_a_label_becomes_a_python_name(label: str) -> None:
    """Runs of anything but ASCII letters and digits become one _, as the pattern says."""
    want = re.sub(r"[^0-9A-Za-z]+", "_", label).strip("_")
    if not want or want[0].isdigit() or keyword.iskeyword(want):
        want = f"v_{want}"
    assert _identifier(label) == want
    assert want.isidentifier()


def test_the_compiled_function_keeps_working_after_a_failed_call() -> None:
    """A call the engine redoes (here a log of a negative) leaves the next calls exact."""
    w = Value(1.0)
    twin = Value(1.0)
    c = compile(lambda x: (w * x).log(), 1.0)
    for x in (2.0, -1.0, 3.0, 0.5):
        w.grad = twin.grad = 0.0
        try:
            want = (twin * x).log()
            want.backward()
        except (ArithmeticError, ValueError) as error:
            with pytest.raises(type(error)):
                c(x)
            continue
        assert bits(c(x)) == bits(want.data)
        assert bits(w.grad) == bits(twin.grad)


def test_a_pass_started_while_another_runs_gets_its_own_generator() -> None:
    """Each pass is a resumed generator; one that is running is not lent to a second call."""
    idle: list[Callable[[Any], Any]] = []

    def passes(x: float) -> Generator[float, float, None]:
        while True:
            if x > 0.0:  # a call made from inside the running pass
                inner = _run(passes, idle, [-x])
                assert len(idle) == 1  # the inner pass's generator, put back
                x = yield x + inner
            else:
                x = yield x * 10.0

    assert _run(passes, idle, [2.0]) == -18.0  # exact: 2 + (-2 · 10)
    assert len(idle) == 2
    assert _run(passes, idle, [-1.0]) == -10.0  # exact
    assert _run(passes, idle, [-3.0]) == -30.0  # exact
    assert len(idle) == 2


def test_calls_from_several_threads_each_get_the_engines_numbers() -> None:
    import threading

    model = MLP(4, [6, 3], seed=5)
    twin = MLP(4, [6, 3], seed=5)
    loss = LOSSES["squared_error"]
    y = [0.0, 1.0, 0.0]
    c = compile(lambda xs: loss(model.forward(xs), y), [0.0] * 4)
    xs = [[0.1 * k, -0.2, 0.3 * k, 0.05] for k in range(8)]
    results: dict[int, list[tuple[float, list[float]]]] = {k: [] for k in range(len(xs))}

    def run(k: int) -> None:
        for _ in range(20):
            acc = [-0.0] * len(c.leaves)
            value = c.accumulate([xs[k]], 1.0, acc)
            results[k].append((value, acc))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by_id = {id(p): q for p, q in zip(model.parameters(), twin.parameters(), strict=True)}
    for k, x in enumerate(xs):
        want = loss(twin.forward(x), y)
        want_grads = grad(want, [by_id[id(v)] for v in c.leaves])
        assert len(results[k]) == 20
        for value, acc in results[k]:
            assert bits(value) == bits(want.data)
            assert_same(acc, want_grads)


def test_constants_and_special_floats_are_exact_literals() -> None:
    w = Value(1.5, "w")
    c = compile(lambda x: (w * -0.0 + x * 0.1) * (w + math.inf).exp(), 2.0)
    want_w = Value(1.5)
    want = (want_w * -0.0 + Value(2.0) * 0.1) * (want_w + math.inf).exp()
    want.backward()
    assert bits(c(2.0)) == bits(want.data)
    assert bits(w.grad) == bits(want_w.grad)


def test_an_output_that_is_a_leaf() -> None:
    w = Value(4.0)
    assert compile(lambda: w)() == 4.0  # exact: a copy
    assert w.grad == 1.0  # exact: the seed, as w.backward() gives
    c2 = compile(lambda x: x, 3.0)
    assert c2(5.0) == 5.0  # exact: the argument itself


# -- what compile refuses, and check ------------------------------------------------------------


def test_python_control_flow_on_data_is_caught_by_check() -> None:
    w = Value(1.0, "w")

    def f(x: Value) -> Value:
        return w * x if x.data > 0 else w - x

    c = compile(f, 2.0)
    assert c(3.0, check=True) == 3.0  # exact: 1 * 3
    before = w.grad
    with pytest.raises(TraceMismatchError, match="does not fit these arguments"):
        c(-3.0, check=True)
    assert w.grad == before  # exact: a failed check adds nothing


def test_constants_made_from_data_are_found_and_run_on_the_engine() -> None:
    w = Value(0.5)
    twin = Value(0.5)

    def f(x: Value) -> Value:
        return w * (x - x.data) + w * x  # x - x.data: a constant made from the data

    c = compile(f, 1.0)
    assert "constant leaf" in c.data_dependent
    want = twin * (Value(2.0) - 2.0) + twin * 2.0
    want.backward()
    assert bits(c(2.0)) == bits(want.data)  # not the traced constant 1.0: the engine's number
    assert bits(w.grad) == bits(twin.grad)
    with pytest.raises(TraceMismatchError, match="cannot replay"):
        c.accumulate([2.0], 1.0, [-0.0])
    assert compile(lambda x: w * x, 1.0).data_dependent == ""


def test_a_zero_constant_that_changes_its_sign_changes_the_graph() -> None:
    """-0.0 == 0.0, yet x * -0.0 and x * 0.0 differ in sign: constants compare by their bits."""
    w = Value(2.0)
    for make in (
        lambda x, c: w * x * c,  # a constant leaf
        lambda x, c: Value.weighted_sum([w, x], [c, 1.0], w),  # an operation's constant
    ):
        signs = iter([0.0, -0.0, 0.0])
        c = compile(lambda x, make=make, signs=signs: make(x, next(signs)), 1.0)
        assert "differs" in c.data_dependent or "constant leaf" in c.data_dependent
        assert compile(lambda x, make=make: make(x, -0.0), 1.0).data_dependent == ""


def test_softmax_networks_are_found_data_dependent() -> None:
    model = MLP(2, [3], output_activation="softmax", seed=0)
    c = compile(lambda xs: LOSSES["cross_entropy"](model.forward(xs), [0.0, 1.0, 0.0]), [1.0, 2.0])
    assert c.data_dependent


def test_refusals_name_the_problem() -> None:
    w = Value(2.0, "w")
    with pytest.raises(TypeError, match="must return a Value"):
        compile(lambda x: 1.0, 1.0)  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match="argument 0 must be a number or a sequence"):
        compile(lambda x: x, "a")  # type: ignore[arg-type]
    h = w * 3.0
    with pytest.raises(ValueError, match="computed before it ran"):
        compile(lambda x: h * x, 1.0)
    calls = iter(range(10))
    with pytest.raises(TraceMismatchError, match="two different graphs"):
        compile(lambda x: x * float(next(calls)), 1.0)
    c = compile(lambda xs: Value.sum(xs) * w, [1.0, 2.0])
    with pytest.raises(TypeError, match="sequence of 2 numbers"):
        c([1.0])
    with pytest.raises(TypeError, match="takes 1 arguments"):
        c()
    with pytest.raises(TypeError, match="item 1 of argument 0"):
        c([1.0, "x"])  # type: ignore[list-item]
    assert c([1, 2]) == 6.0  # exact: ints are converted as Value converts them


def test_compiling_inside_no_grad_still_traces() -> None:
    w = Value(2.0)
    with no_grad():
        c = compile(lambda x: w * x, 3.0)
    assert c(3.0) == 6.0  # exact
    assert w.grad == 3.0  # exact


def engine_error(build: Callable[[], Value]) -> BaseException:
    """The error the engine raises building and back-propagating ``build()``."""
    try:
        build().backward()
    except (ArithmeticError, ValueError) as error:
        return error
    raise AssertionError("the engine did not fail")


def test_backward_errors_are_raised_where_the_engine_raises() -> None:
    """x^y has no derivative in y at a base <= 0: the engine raises even if y is an input."""
    w = Value(-2.0)
    c = compile(lambda y: w**y, 2.0)
    want = engine_error(lambda: Value(-2.0) ** Value(2.0, "x0"))  # x0: the argument's label
    with pytest.raises(type(want)) as got:
        c(2.0)
    assert str(got.value) == str(want)  # the engine's own message, naming the operation
    assert w.grad == 0.0  # exact: nothing added


def test_forward_errors_are_the_engines_errors() -> None:
    w = Value(1.0)
    c = compile(lambda x: (w * x).log(), 1.0)
    want = engine_error(lambda: (Value(1.0) * -1.0).log())
    with pytest.raises(type(want)) as got:
        c(-1.0)
    assert str(got.value) == str(want)
    assert "log" in str(want)


# -- the inline expressions against the table's functions ---------------------------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e308, -1e308, 5e-324, math.inf, -math.inf, math.nan]
floats = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))


def _inline(template: str, x: float, y: float, out: float) -> float:
    code = template.format(x="x", y="y", out="out")
    return float(eval(code, dict(_HELPERS), {"x": x, "y": y, "out": out}))


#: Every row, and x ** c rows for a few exponents (one row per exponent).
ROWS = [*rules.TABLE, *(rules.power_rule(c) for c in (2.0, 3.0, -1.0, 0.5, 2.5))]


def outcome(fn: Callable[[], object]) -> list[str] | str:
    """The bits of what ``fn`` returns (a number or a tuple of them), or its error's name."""
    try:
        result = fn()
    except (ArithmeticError, ValueError) as error:
        return type(error).__name__
    values = result if isinstance(result, tuple) else (result,)
    return [bits(v) for v in values]


@settings(max_examples=300)
@given(floats, floats)
def test_inline_forward_is_the_rows_forward(x: float, y: float) -> None:
    """Every expression the generator writes out (it tries them first) is the row's forward."""
    rows = [r for r in ROWS if _inline_forward(r) is not None]
    assert {r.name for r in rows} >= {"add", "sub", "mul", "neg", "powc"}
    assert {r.name for r in rows} <= {name for name, _ in _INLINE_FORWARD} | {"powc"}
    for r in rows:
        template = _inline_forward(r) or ""
        args = (x, y) if "{y}" in template else (x,)
        want = outcome(lambda: r.forward(*args))  # noqa: B023
        got = outcome(lambda: _inline(template, x, y, 0.0))  # noqa: B023
        if isinstance(want, str):  # the row refuses: the code must fail too, so the engine redoes
            assert isinstance(got, str) or not math.isfinite(_inline(template, x, y, 0.0)), r.name
        else:
            assert got == want, r.name


def test_a_power_with_complex_results_is_not_written_out() -> None:
    """Python's (-8.0) ** 0.5 is complex where the row raises: the row is called instead."""
    assert _inline_forward(rules.power_rule(0.5)) is None
    assert _inline_forward(rules.power_rule(2.0)) == "{x} ** 2.0"
    assert _inline_partials(rules.power_rule(2.0)) is not None
    assert _inline_partials(rules.power_rule(3.0)) is None  # written out for c = 2 only


@settings(max_examples=300)
@given(floats, floats)
def test_inline_partials_are_the_rows_partials(x: float, y: float) -> None:
    rows = [r for r in ROWS if _inline_partials(r) is not None]
    assert {r.name for r in rows} >= {"add", "sub", "mul", "neg", "sigmoid", "tanh", "powc"}
    assert {r.name for r in rows} <= {name for name, _ in _INLINE_PARTIALS} | {"powc"}
    for r in rows:
        templates = _inline_partials(r) or ()
        args = (x,) if len(templates) == 1 else (x, y)
        try:
            out = r.forward(*args)
        except (ArithmeticError, ValueError):
            continue  # the forward refuses these operands: the generated code never gets there
        want = outcome(lambda: tuple(r.partials(out, *args)))  # noqa: B023
        got = outcome(lambda: tuple(_inline(t, x, y, out) for t in templates))  # noqa: B023
        assert got == want, r.name


@settings(max_examples=100)
@given(st.lists(floats, min_size=1, max_size=4), st.lists(floats, min_size=4, max_size=4))
def test_nary_partials_are_the_operands(ws: list[float], other: list[float]) -> None:
    """sum's partials are 1.0 each, wsum's the operands: what the generator writes."""
    n = len(ws)
    a = other[:n]
    assert_same(list(rules.SUM.partials(0.0, *ws)), [1.0] * n)
    assert_same(list(rules.WEIGHTED_SUM.partials(0.0, *ws, *a, 0.5)), [*a, *ws, 1.0])
    assert_same(list(rules.WEIGHTED_SUM_CONST.partials(0.0, *ws, 0.5, *a)), [*a, 1.0])


@settings(max_examples=200)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=5), st.data())
def test_sums_are_the_rows_sums(ws: list[float], data: st.DataObject) -> None:
    """The generated code hands math.fsum the terms the rows do, in their order."""
    n = len(ws)
    a = data.draw(st.lists(st.floats(-1e6, 1e6), min_size=n, max_size=n))
    b = data.draw(st.floats(-1e6, 1e6))
    assert bits(math.fsum(ws)) == bits(rules.SUM.forward(*ws))
    products = [w * x for w, x in zip(ws, a, strict=True)]
    assert bits(math.fsum([*products, b])) == bits(rules.WEIGHTED_SUM.forward(*ws, *a, b))
    assert bits(math.fsum([*products, b])) == bits(rules.WEIGHTED_SUM_CONST.forward(*ws, b, *a))


def test_a_failing_sum_raises_the_engines_error() -> None:
    w = Value(1e307)
    c = compile(lambda xs: Value.weighted_sum([w, w], xs), [1.0, 1.0])
    want = engine_error(lambda: Value.weighted_sum([Value(1e307)] * 2, [10.0, 10.0]))
    with pytest.raises(type(want)) as got:
        c([10.0, 10.0])
    assert str(got.value) == str(want)
    assert "wsum" in str(want)
    assert w.grad == 0.0  # exact: nothing added


@pytest.mark.parametrize("big", [1e300, -1e300, 1e150])
def test_a_weights_gradient_that_overflows_is_the_engines_error(big: float) -> None:
    """∂C/∂w = ∂C/∂z · a overflows at a huge input a while w · a and C stay finite."""
    w = [Value(1e-10), Value(2e-10)]
    b = Value(0.5)
    twin = [Value(1e-10), Value(2e-10)]
    twin_b = Value(0.5)

    def f(xs: list[Value], ws: list[Value], bias: Value) -> Value:
        return Value.weighted_sum(ws, xs, bias) * 1e10

    c = compile(lambda xs: f(xs, w, b), [1.0, 1.0])
    try:
        want = f([Value(big), Value(1.0)], twin, twin_b)
        want.backward()
    except (ArithmeticError, ValueError) as error:
        with pytest.raises(type(error)):
            c([big, 1.0])
        assert [v.grad for v in (*w, b)] == [0.0, 0.0, 0.0]  # exact: nothing added
        return
    assert bits(c([big, 1.0])) == bits(want.data)
    assert_same([v.grad for v in (*w, b)], [v.grad for v in (*twin, twin_b)])


def test_rows_that_may_raise_in_backward_are_always_evaluated() -> None:
    never = _NEVER_RAISES
    assert "pow" not in never
    assert "powc" not in never
    assert never <= {r.name for r in rules.TABLE}


@pytest.mark.parametrize("x", [1e200, math.inf, -math.inf, math.nan, 3.0])
def test_non_finite_numbers_follow_the_engine(x: float) -> None:
    """Overflow, or nan and inf given as data: the compiled call does what the engine does."""
    w = Value(1e200)
    twin = Value(1e200)
    c = compile(lambda v: (w * v).tanh() + w * v, 3.0)
    try:
        want = (twin * x).tanh() + twin * x
        want.backward()
    except (ArithmeticError, ValueError) as error:
        with pytest.raises(type(error)):
            c(x)
        assert w.grad == 0.0  # exact: nothing added
        return
    assert bits(c(x)) == bits(want.data)
    assert bits(w.grad) == bits(twin.grad)


def test_an_expression_that_disagrees_with_its_row_is_not_written_out() -> None:
    """The generator tries each written-out expression against the row's own function."""
    from autograd.compile import _agrees

    assert _agrees(["{x} * {y}"], rules.MUL, forward=True)
    assert not _agrees(["{x} * {y} * 1.0000001"], rules.MUL, forward=True)
    assert not _agrees(["{x} + {y}"], rules.MUL, forward=True)
    assert not _agrees(["0.0", "1.0"], rules.SUB, forward=False)
