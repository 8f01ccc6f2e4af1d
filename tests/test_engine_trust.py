"""The engine's trust rules, attacked: interrupts, threads, mutation, unused inputs, non-finites.

- **Pass-local state.** A KeyboardInterrupt raised at every single bytecode of a ``backward()``
  or ``grad()`` (through a trace function, as a signal handler would) leaves the graph as it
  was: the next pass is exact, bit for bit, against a pass that was never interrupted. Real
  SIGINTs from an interval timer do the same.
- **Threads.** Recording and anomaly detection are per thread; ``grad()`` in several threads on
  graphs that share a weight is exact; ``backward()`` into shared leaves loses nothing.
- **Mutation.** A ``.data`` assigned after an operation used it makes backward raise.
- **Unused inputs.** ``grad`` names them unless ``allow_unused=True``.
- **Non-finite values.** Every operation: finite operands that overflow raise naming the
  operation; nan and inf given as data propagate.
- **Constants.** ``0.0 ** y`` has ∂/∂y = 0, and nothing asks for the constant base's infinite
  derivative.

Exact comparisons (``==``) here are the point: a pass after an interrupt must give the very same
floats as an undisturbed one.
"""

from __future__ import annotations

import math
import random
import re
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import (
    Constant,
    Value,
    backward_order,
    detect_anomaly,
    enable_grad,
    engine,
    grad,
    is_grad_enabled,
    no_grad,
    rules,
    topological_order,
)
from autograd.strategies import Expression, expressions
from tests.strategies import reals


def shared_graph(seed: int, size: int = 40) -> tuple[list[Value], Value]:
    """A random graph where many nodes have several consumers (sums that depend on order)."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1.0, 1.0), f"x{i}") for i in range(5)]
    nodes: list[Value] = list(leaves)
    for _ in range(size):
        a, b = rng.choice(nodes), rng.choice(nodes)
        op = rng.randrange(4)
        if op == 0:
            nodes.append(a * b)
        elif op == 1:
            nodes.append(a + b * 0.5)
        elif op == 2:
            nodes.append(a.tanh() - b)
        else:
            nodes.append(Value.sum([a, b, nodes[-1]]))
    return leaves, Value.sum(nodes[-6:])


def exact_grads(seed: int) -> list[float]:
    leaves, out = shared_graph(seed)
    out.backward()
    return [x.grad for x in leaves]


# ---------------------------------------------------------------------------------------------
# The order of the pass.


@pytest.mark.parametrize("seed", range(5))
def test_backward_processes_nodes_in_backward_order(seed: int) -> None:
    """The fused backward walk visits interior nodes exactly in ``backward_order``.

    Every row's partials are wrapped to record the output value it was called for; the
    values are distinct random floats, so they identify the nodes.
    """
    _, out = shared_graph(seed)
    order = backward_order(out)
    assert [n for n in topological_order(out) if n.parents] == order
    seen: list[float] = []
    rows = {n._rule for n in order}
    originals = {}
    for row in rows:
        assert row is not None
        originals[row] = row.partials

        def recording(o: Any, *args: Any, _f: Any = row.partials) -> Any:
            seen.append(o)
            return _f(o, *args)

        object.__setattr__(row, "partials", recording)
    try:
        out.backward()
    finally:
        for row, f in originals.items():
            object.__setattr__(row, "partials", f)
    # Rows with fixed partials (+, -, negation) are read, not called: they record nothing.
    assert seen == [n.data for n in order if n.rule is not None and n.rule.fixed is None]


@pytest.mark.parametrize("seed", range(5))
def test_backward_and_grad_agree_bit_for_bit(seed: int) -> None:
    leaves, out = shared_graph(seed)
    expected = grad(out, leaves, allow_unused=True)
    out.backward()
    assert [x.grad for x in leaves] == list(expected)


# ---------------------------------------------------------------------------------------------
# Interrupts.


class Interrupt(KeyboardInterrupt):
    """The KeyboardInterrupt our trace function raises (told apart from a real one)."""


@contextmanager
def interrupt_at(k: int) -> Iterator[list[int]]:
    """Raise Interrupt at the k-th bytecode executed in the engine's own code, then stop.

    Yields a one-item list that ends up holding how many engine bytecodes ran (to learn the
    length of a pass with a k that never triggers).
    """
    count = [0]
    engine_file = engine.__file__

    def local(frame: types.FrameType, event: str, arg: object) -> Any:
        if event == "opcode":
            count[0] += 1
            if count[0] == k:
                raise Interrupt
        return local

    def global_(frame: types.FrameType, event: str, arg: object) -> Any:
        if frame.f_code.co_filename != engine_file:
            return None
        frame.f_trace_opcodes = True
        return local

    old = sys.gettrace()
    sys.settrace(global_)
    try:
        yield count
    finally:
        sys.settrace(old)


def bytecodes_of(run: Callable[[], object]) -> int:
    with interrupt_at(-1) as count:
        run()
    return count[0]


def test_an_interrupt_at_any_bytecode_of_backward_leaves_the_graph_exact() -> None:
    leaves, out = shared_graph(11, size=4)
    reference = exact_grads_of(leaves, out)
    total = bytecodes_of(lambda: out.backward())
    assert total > 1000  # the trace really sees the pass
    for k in range(1, total + 1):
        for x in topological_order(out):
            x.grad = 0.0
        try:
            with interrupt_at(k):
                out.backward()
        except Interrupt:
            pass
        out.zero_grad()
        out.backward()
        assert [x.grad for x in leaves] == reference, f"interrupted at bytecode {k}"


def exact_grads_of(leaves: list[Value], out: Value) -> list[float]:
    out.zero_grad()
    out.backward()
    got = [x.grad for x in leaves]
    out.zero_grad()
    return got


def test_an_interrupt_at_any_bytecode_of_grad_leaves_the_graph_exact() -> None:
    leaves, out = shared_graph(12, size=4)
    reference = grad(out, leaves, allow_unused=True)
    second = grad(grad(out, leaves[0], create_graph=True)[0], leaves, allow_unused=True)
    for create_graph in (False, True):

        def run(cg: bool = create_graph) -> None:
            grad(out, leaves, create_graph=cg, allow_unused=True)

        total = bytecodes_of(run)
        for k in range(1, total + 1, 4 if create_graph else 1):
            try:
                with interrupt_at(k):
                    run()
            except Interrupt:
                pass
            assert grad(out, leaves, allow_unused=True) == reference, f"interrupted at bytecode {k}"
        assert all(x.grad == 0.0 for x in topological_order(out))
    assert grad(grad(out, leaves[0], create_graph=True)[0], leaves, allow_unused=True) == second


def test_after_an_interrupted_backward_grad_is_untouched_or_partly_added() -> None:
    """What the docstring promises: each .grad is either as before or has this pass's share."""
    leaves, out = shared_graph(13, size=12)
    full = exact_grads_of(leaves, out)
    total = bytecodes_of(lambda: out.backward())
    for k in range(1, total + 1, 7):
        out.zero_grad()
        try:
            with interrupt_at(k):
                out.backward()
        except Interrupt:
            pass
        for x, g in zip(leaves, full, strict=True):
            assert x.grad in (0.0, g)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
def test_real_sigints_never_corrupt_the_next_pass() -> None:
    leaves, out = shared_graph(14, size=300)
    reference = exact_grads_of(leaves, out)
    rng = random.Random(3)
    old = signal.getsignal(signal.SIGINT)

    def to_sigint(signum: int, frame: object) -> None:
        signal.raise_signal(signal.SIGINT)

    old_alarm = signal.signal(signal.SIGALRM, to_sigint)
    interrupted = 0
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for _ in range(60):
            out.zero_grad()
            # The timer may fire after the passes are done, even while it is being turned off:
            # the outer try catches an interrupt wherever it lands.
            try:
                signal.setitimer(signal.ITIMER_REAL, rng.uniform(1e-5, 2e-3))
                try:
                    for _ in range(20):
                        out.backward()
                        grad(out, leaves, allow_unused=True)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0.0)
            except KeyboardInterrupt:
                interrupted += 1
            assert exact_grads_of(leaves, out) == reference
    finally:
        signal.signal(signal.SIGINT, old)
        signal.signal(signal.SIGALRM, old_alarm)
    assert interrupted > 10  # the timer really landed inside passes


# ---------------------------------------------------------------------------------------------
# Threads.


def run_threads(n: int, target: Callable[[int], None]) -> None:
    errors: list[BaseException] = []

    def wrapped(i: int) -> None:
        try:
            target(i)
        except BaseException as e:  # re-raised in the main thread below
            errors.append(e)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    inside = threading.Event()
    done = threading.Event()
    unrecorded = []

    def quiet(i: int) -> None:
        with no_grad():
            inside.set()
            done.wait(10)
            assert not is_grad_enabled()

    def busy() -> None:
        inside.wait(10)
        x = Value(2.0)
        for _ in range(2000):
            y = x * 3.0
            if not y.parents:
                unrecorded.append(y)
        done.set()

    t = threading.Thread(target=quiet, args=(0,))
    t.start()
    busy()
    t.join()
    assert unrecorded == []
    assert is_grad_enabled()


def test_overlapping_no_grad_blocks_in_two_threads_restore_recording() -> None:
    barrier = threading.Barrier(2)

    def block(i: int) -> None:
        with no_grad():
            barrier.wait(10)  # both inside
            assert not is_grad_enabled()
        barrier.wait(10)  # both outside, in either order of exit
        assert is_grad_enabled()

    run_threads(2, block)
    assert is_grad_enabled()
    assert (Value(1.0) * 2.0).parents


def test_a_new_thread_records_with_anomaly_detection_off() -> None:
    seen: list[tuple[bool, bool]] = []

    def look(i: int) -> None:
        y = Value(math.inf) * 1.0  # inf given as data propagates without the mode
        seen.append((is_grad_enabled(), math.isinf(y.data)))

    with no_grad(), detect_anomaly():
        run_threads(1, look)
    assert seen == [(True, True)]


def test_detect_anomaly_in_one_thread_does_not_raise_in_another() -> None:
    inside = threading.Event()
    done = threading.Event()
    results: list[float] = []

    def strict(i: int) -> None:
        with detect_anomaly():
            inside.set()
            done.wait(10)
            with pytest.raises(FloatingPointError):
                _ = Value(math.nan) + 1.0

    t = threading.Thread(target=strict, args=(0,))
    t.start()
    inside.wait(10)
    results.append((Value(math.nan) + 1.0).data)
    done.set()
    t.join()
    assert math.isnan(results[0])


def test_grad_in_many_threads_on_graphs_sharing_a_weight_is_exact() -> None:
    w = Value(0.7, "w")
    xs = [random.Random(i).uniform(-2.0, 2.0) for i in range(8)]
    # d/dw of tanh(w x)·w = x(1 - tanh²(wx))·w + tanh(wx), built and checked alone first.
    expected = {}
    for x in xs:
        expected[x] = grad((w * x).tanh() * w, w)[0]
    wrong: list[tuple[float, float, float]] = []

    def work(i: int) -> None:
        x = xs[i]
        for _ in range(200):
            (g,) = grad((w * x).tanh() * w, w)
            if g != expected[x]:
                wrong.append((x, g, expected[x]))

    run_threads(len(xs), work)
    assert wrong == []


def test_backward_into_shared_leaves_from_many_threads_loses_nothing() -> None:
    w = Value(1.5, "w")
    b = Value(-0.5, "b")
    per_call = grad(w * w + b * 3.0, [w, b])
    calls = 300

    def work(i: int) -> None:
        for _ in range(calls):
            (w * w + b * 3.0).backward()

    run_threads(6, work)
    assert math.isclose(w.grad, 6 * calls * per_call[0], rel_tol=1e-12)
    assert math.isclose(b.grad, 6 * calls * per_call[1], rel_tol=1e-12)


# ---------------------------------------------------------------------------------------------
# Mutation.


def test_changing_an_operand_before_backward_raises_naming_it() -> None:
    x = Value(2.0, "x")
    y = x * x
    x.data = 5.0
    with pytest.raises(RuntimeError, match=r"\.data of 'x' was assigned after '\*' used it"):
        y.backward()
    assert x.grad == 0.0
    with pytest.raises(RuntimeError, match=r"'x'"):
        grad(y, x)


def test_changing_a_result_before_backward_raises() -> None:
    x = Value(2.0, "x")
    y = x.exp()
    y.label = "y"
    z = y * 3.0
    y.data = 1.0
    for root in (y, z):
        with pytest.raises(RuntimeError, match=r"\.data of 'y', the result of 'exp'"):
            root.backward()


def test_the_normal_training_loop_is_free() -> None:
    """Forward, backward, then step under no_grad, then a new forward: no error, right slope."""
    w = Value(3.0, "w")
    for _ in range(3):
        loss = (w - 1.0) ** 2
        w.grad = 0.0
        loss.backward()
        assert w.grad == 2.0 * (w.data - 1.0)
        with no_grad():
            w.data = w.data - 0.1 * w.grad
    assert math.isclose(w.data, 1.0 + 2.0 * 0.8**3, rel_tol=1e-12)


def test_a_graph_built_after_the_change_uses_the_new_point() -> None:
    x = Value(2.0)
    x.data = 5.0
    y = x * x
    y.backward()
    assert x.grad == 10.0


def test_data_accepts_real_numbers_only() -> None:
    x = Value(1.0)
    x.data = 3  # an int is a real number
    assert x.data == 3.0
    with pytest.raises(TypeError, match=r"Value\.data needs a real number.*str"):
        x.data = "4"  # type: ignore[assignment]


# ---------------------------------------------------------------------------------------------
# Unused inputs.


def test_grad_names_an_input_the_output_does_not_depend_on() -> None:
    x, y = Value(1.0, "x"), Value(2.0, "y")
    with pytest.raises(ValueError, match=r"does not depend on input 0 \('y'\).*allow_unused"):
        grad(x * 3.0, [y])
    assert grad(x * 3.0, [y], allow_unused=True) == (0.0,)
    (g,) = grad(x * 3.0, [y], allow_unused=True, create_graph=True)
    assert isinstance(g, Constant)
    assert g.data == 0.0


def test_grad_of_an_output_built_under_no_grad_is_an_error() -> None:
    x = Value(1.0, "x")
    with no_grad():
        y = x * 3.0
    with pytest.raises(ValueError, match=r"input 0 \('x'\).*output is a leaf.*no_grad"):
        grad(y, x)


def test_a_constant_second_derivative_says_so() -> None:
    x = Value(1.0, "x")
    (g,) = grad(3.0 * x, x, create_graph=True)
    assert g.data == 3.0
    with pytest.raises(ValueError, match=r"came out constant.*allow_unused=True"):
        grad(g, x)
    assert grad(g, x, allow_unused=True) == (0.0,)
    with enable_grad():
        (h,) = grad(x * x, x, create_graph=True)
    assert grad(h, x) == (2.0,)  # 2x depends on x: no error


def test_grad_evaluates_only_derivatives_on_a_path_to_an_input() -> None:
    """∂(x^y)/∂x at x = 0, y = 0.5 is infinite; asking only for ∂/∂y must not touch it."""
    x, y = Value(0.0, "x"), Value(0.5, "y")
    assert grad(x**y, y) == (0.0,)
    with pytest.raises(OverflowError, match=r"derivative of '\*\*' with respect to input 0 is inf"):
        grad(x**y, x)
    with pytest.raises(OverflowError, match=r"'\*\*'"):
        (x**y).backward()
    assert (x.grad, y.grad) == (0.0, 0.0)


# ---------------------------------------------------------------------------------------------
# Constants and 0 ** y.


@given(reals(1e-6, 5.0))
def test_zero_to_a_variable_power_has_a_zero_exponent_gradient(y_: float) -> None:
    y = Value(y_)
    out = 0.0**y
    out.backward()
    assert out.data == 0.0
    assert y.grad == 0.0
    assert grad(0.0**y, y) == (0.0,)


def test_constants_receive_no_gradient() -> None:
    x = Value(2.0)
    out = x * 4.0 + 1.0
    out.backward()
    constants = [n for n in topological_order(out) if isinstance(n, Constant)]
    assert sorted(c.data for c in constants) == [1.0, 4.0]
    assert all(c.grad == 0.0 for c in constants)
    assert x.grad == 4.0


# ---------------------------------------------------------------------------------------------
# The non-finite policy, one operation at a time.

#: For each operation, finite operands whose exact result is beyond the largest float.
OVERFLOWS: list[tuple[str, Callable[[], Value]]] = [
    ("+", lambda: Value(1e308) + Value(1e308)),
    ("+", lambda: Value(1e308) + 1e308),
    ("-", lambda: Value(-1e308) - Value(1e308)),
    ("*", lambda: Value(1e308) * 10),
    ("/", lambda: Value(1e308) / 1e-10),
    ("**", lambda: Value(10.0) ** Value(400.0)),
    ("**", lambda: Value(10.0) ** 400),
    ("exp", lambda: Value(1000.0).exp()),
    ("sinh", lambda: Value(1000.0).sinh()),
    ("cosh", lambda: Value(-1000.0).cosh()),
    ("expm1", lambda: Value(1000.0).expm1()),
    ("sum", lambda: Value.sum([Value(1e308), Value(1e308)])),
    ("wsum", lambda: Value.weighted_sum([Value(1e308)], [10.0], 0.0)),
    ("wsum", lambda: Value.weighted_sum([Value(1e308)], [Value(10.0)], 0.0)),
    ("hypot", lambda: Value.hypot(1.7e308, 1.7e308)),
]


@pytest.mark.parametrize(
    ("op", "make"), OVERFLOWS, ids=[f"{o}-{i}" for i, (o, _) in enumerate(OVERFLOWS)]
)
def test_finite_operands_that_overflow_raise_naming_the_operation(
    op: str, make: Callable[[], Value]
) -> None:
    with pytest.raises(OverflowError, match=re.escape(op)):
        make()


#: nan given as data: the result is nan (IEEE), for every operation.
NAN_IN: list[Callable[[Value], Value]] = [
    lambda v: v + 1.0, lambda v: v - 1.0, lambda v: v * 2.0, lambda v: v / 2.0,
    lambda v: v**2, lambda v: 2.0**v, lambda v: -v, lambda v: v.exp(), lambda v: v.log(),
    lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v.relu(), lambda v: v.sin(),
    lambda v: v.cos(), lambda v: v.tan(), lambda v: v.asin(), lambda v: v.acos(),
    lambda v: v.atan(), lambda v: v.sinh(), lambda v: v.cosh(), lambda v: v.asinh(),
    lambda v: v.acosh(), lambda v: v.atanh(), lambda v: v.sqrt(), lambda v: abs(v),
    lambda v: v.log1p(), lambda v: v.expm1(), lambda v: v.log2(), lambda v: v.log10(),
    lambda v: v.softplus(), lambda v: Value.atan2(v, 1.0), lambda v: Value.hypot(v, 1.0),
    lambda v: Value.max(v, 1.0), lambda v: Value.min(v, 1.0), lambda v: Value.sum([v, v]),
    lambda v: Value.weighted_sum([v], [1.0], 0.0),
]  # fmt: skip


@pytest.mark.parametrize("f", NAN_IN)
def test_nan_given_as_data_propagates_through_every_operation(f: Callable[[Value], Value]) -> None:
    v = Value(math.nan)
    out = f(v)
    assert math.isnan(out.data)
    out.backward()  # gradients are nan too, silently: the data was nan
    with detect_anomaly(), pytest.raises(FloatingPointError):
        f(Value(math.nan))


def test_relu_of_nan_is_nan_and_infinities_follow_ieee() -> None:
    assert math.isnan(Value(math.nan).relu().data)
    assert Value(math.inf).relu().data == math.inf
    assert math.isnan((Value(math.inf) - math.inf).data)
    assert math.isnan(Value.sum([Value(math.inf), Value(-math.inf)]).data)
    assert math.isnan(Value.weighted_sum([Value(math.inf)], [1.0], -math.inf).data)
    assert math.isnan(Value(math.inf).sin().data)
    assert Value(math.inf).exp().data == math.inf
    assert Value(-math.inf).exp().data == 0.0
    assert (Value(math.inf) / 0.0).data == math.inf


def test_the_constructor_and_backward_seed_take_real_numbers_only() -> None:
    with pytest.raises(OverflowError, match=r"float range.*1329 bits"):
        Value(10**400)
    with pytest.raises(TypeError, match=r"backward seed needs a real number.*str"):
        Value(1.0).backward("2")  # type: ignore[arg-type]
    np = pytest.importorskip("numpy")
    if np.finfo(np.longdouble).max > 1e308:  # x86's 80-bit long double
        with pytest.raises(OverflowError, match=r"float range"):
            Value(np.longdouble("1e4000"))
    assert Value(np.float32(math.inf)).data == math.inf  # inf given as data is accepted


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Value(-1.0).sqrt(), r"sqrt\(-1\.0\)"),
        (lambda: Value(1.5).acos(), r"acos\(1\.5\)"),
        (lambda: Value(-1.5).asin(), r"asin\(-1\.5\)"),
        (lambda: Value(-1.0).log1p(), r"log1p\(-1\.0\)"),
        (lambda: Value(0.5).acosh(), r"acosh\(0\.5\)"),
        (lambda: Value(1.0).atanh(), r"atanh\(1\.0\)"),
        (lambda: Value(0.0).log2(), r"log2\(0\.0\)"),
        (lambda: Value(-2.0).log10(), r"log10\(-2\.0\)"),
        (lambda: Value(0.0).log(), r"log\(0\.0\)"),
        (lambda: Value(1.0) / 0.0, r"1\.0 / 0\.0"),
    ],
)
def test_domain_errors_name_the_operation_and_operand(
    make: Callable[[], Value], message: str
) -> None:
    with pytest.raises((ValueError, ZeroDivisionError), match=message):
        make()


@pytest.mark.parametrize(
    ("make", "op"),
    [
        (lambda x: x.sqrt(), "sqrt"),
        (lambda x: (x + 1.0).asin(), "asin"),
        (lambda x: (x + 1.0).acosh(), "acosh"),
        (lambda x: x**0.5, r"\*\*0\.5"),
    ],
)
def test_an_infinite_derivative_raises_in_backward_naming_the_operation(
    make: Callable[[Value], Value], op: str
) -> None:
    x = Value(0.0, "x")
    with pytest.raises(ArithmeticError, match=op):
        make(x).backward()
    assert x.grad == 0.0


def test_a_gradient_that_overflows_raises_and_writes_nothing() -> None:
    a, b, c = Value(1e300, "a"), Value(1e-300, "b"), Value(1e10, "c")
    out = a * b * c  # 1e10, but ∂out/∂b = a·c = 1e310
    with pytest.raises(OverflowError, match=r"gradient of 'b' overflows at '\*'"):
        out.backward()
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)
    with pytest.raises(OverflowError, match=r"gradient of 'b' overflows"):
        grad(out, [a, b])


def test_float_of_a_value_is_its_data() -> None:
    assert float(Value(2.5)) == 2.5
    assert math.isclose(math.sin(Value(0.5)), math.sin(0.5))


@settings(max_examples=30)
@given(expressions())
def test_a_second_pass_after_any_first_is_exact(expr: Expression) -> None:
    """Two passes in a row add exactly twice the gradient (nothing left over from the first)."""
    xs = [Value(x) for x in expr.inputs]
    out = expr(*xs)
    once = grad(out, xs, allow_unused=True)
    out.backward()
    out.backward()
    assert [x.grad for x in xs] == [2.0 * g for g in once]


def test_every_row_has_a_formula_and_one_text_per_partial() -> None:
    """viz and explain show these; a binary row has two, a unary one, an n-ary one per kind."""
    kinds = {"sum": 1, "wsum": 3, "wsumc": 2}
    for row in rules.TABLE:
        assert row.formula
        arity = kinds.get(row.name)
        if arity is None:
            arity = row.forward.__code__.co_argcount if hasattr(row.forward, "__code__") else 1
        assert len(row.derivatives) == arity, row.name


def test_fixed_partials_are_what_the_row_computes() -> None:
    """A row's ``fixed`` tuple (read by the float pass) is exactly what its partials return."""
    fixed = [row for row in rules.TABLE if row.fixed is not None]
    assert {row.name for row in fixed} == {"add", "sub", "neg"}
    for row in fixed:
        assert row.fixed is not None
        args = (0.25, -3.0)[: len(row.fixed)]
        assert row.partials(row.forward(*args), *args) == row.fixed


@given(st.lists(reals(-5.0, 5.0), min_size=1, max_size=6), st.data())
def test_partials_from_constants_are_what_the_row_computes(xs: list[float], data: Any) -> None:
    """A row's ``from_constants`` (read by the float pass) gives exactly its partials."""
    rows = [row for row in rules.TABLE if row.from_constants is not None]
    assert {row.name for row in rows} == {"wsumc"}
    ws = data.draw(st.lists(reals(-5.0, 5.0), min_size=len(xs), max_size=len(xs)))
    b = data.draw(reals(-5.0, 5.0))
    for row in rows:
        assert row.from_constants is not None
        args = (*ws, b, *xs)  # the weighted sum's (w_0..w_n-1, b, x_0..x_n-1)
        assert row.from_constants(tuple(xs)) == row.partials(row.forward(*args), *args)


def test_reads_of_data_are_seen_in_their_own_thread_only() -> None:
    """compile's record of the numbers a traced function reads is per thread, like the modes.

    Another thread reading Values during a trace (a training loop logging its loss) must not
    make the traced function look data-dependent, nor be slowed by the record.
    """
    from autograd.engine import reads_of_data

    a, b = Value(1.0, "a"), Value(2.0, "b")
    started, release = threading.Event(), threading.Event()
    elsewhere: list[float] = []

    def other() -> None:
        started.wait()
        elsewhere.append(b.data + float(b))
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with reads_of_data() as seen:
        c = a * 3.0
        started.set()
        release.wait(5.0)
        _ = c.data, c.parents[1].data  # the product, and the constant 3.0 (never recorded)
        float(a)
    t.join()
    assert elsewhere == [4.0]  # exact: 2 + 2
    assert seen == [c, a]
    assert a.data == 1.0  # exact; outside the block nothing is recorded
    assert seen == [c, a]
