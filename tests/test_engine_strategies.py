"""The public Hypothesis strategies of ``autograd.strategies`` keep their promises.

``reals`` stays within its bounds and away from the points it avoids; ``values`` are leaves;
``expressions`` can produce every operation, and every operand it produces is as far from a
kink or pole as documented (checked here on the Values themselves, not with the strategy's own
bookkeeping); the module explains how to get Hypothesis when it is missing.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import sys

import pytest
from hypothesis import HealthCheck, assume, find, given, settings
from hypothesis import strategies as st

from autograd import Value, central_difference
from autograd import strategies as public
from tests.strategies import Expression, expressions, reals, values


@given(st.data())
def test_reals_stay_in_bounds_and_away_from_avoided_points(data: st.DataObject) -> None:
    """Every draw lies in [lo, hi] and at least gap from each p (up to the rounding of p ± gap,
    an ulp of numbers below 300: 1e-12 is ample)."""
    lo = data.draw(st.floats(-100.0, 100.0), label="lo")
    hi = data.draw(st.floats(lo + 10.0, lo + 200.0), label="hi")  # 3 cuts take at most 6
    avoid = data.draw(st.lists(st.floats(lo, hi), max_size=3), label="avoid")
    gap = data.draw(st.floats(0.0, 1.0), label="gap")
    x = data.draw(reals(lo, hi, avoid=avoid, gap=gap), label="x")
    assert lo <= x <= hi
    assert math.isfinite(x)
    for p in avoid:
        assert abs(x - p) >= gap - 1e-12


def test_reals_with_a_zero_gap_around_both_zeros_still_draws() -> None:
    """Cutting ±0 with gap 0 leaves a piece from 0.0 to -0.0: it holds 0 and must be drawable
    (Hypothesis found lo=-1, hi=9, avoid=[0.0, -0.0], gap=0 raising InvalidArgument)."""
    strategy = reals(-1.0, 9.0, avoid=[0.0, -0.0], gap=0.0)
    assert find(strategy, lambda x: x == 0.0) == 0.0
    assert find(strategy, lambda x: x > 1.0) > 1.0
    assert find(strategy, lambda x: x < 0.0) < 0.0


def test_reals_can_reach_both_sides_of_an_avoided_point() -> None:
    """Cutting out a neighbourhood leaves both sides available."""
    strategy = reals(-1.0, 1.0, avoid=[0.0], gap=0.25)
    assert find(strategy, lambda x: x > 0) >= 0.25
    assert find(strategy, lambda x: x < 0) <= -0.25


@pytest.mark.parametrize(
    ("lo", "hi", "avoid", "gap", "message"),
    [
        (1.0, 0.0, (), 0.0, r"finite bounds with min <= max"),
        (-math.inf, 0.0, (), 0.0, r"finite bounds"),
        (0.0, 1.0, (), -1.0, r"finite gap >= 0"),
        (0.0, 1.0, (0.5,), 1.0, r"nothing in \[0\.0, 1\.0\] is at least 1\.0 away from \[0\.5\]"),
    ],
)
def test_reals_refuses_impossible_requests(
    lo: float, hi: float, avoid: tuple[float, ...], gap: float, message: str
) -> None:
    """Bad bounds are an error when the strategy is made, not an empty strategy later."""
    with pytest.raises(ValueError, match=message):
        reals(lo, hi, avoid=avoid, gap=gap)


@given(values(-2.0, 3.0, avoid=[1.0], gap=0.5))
def test_values_are_leaves_in_bounds(v: Value) -> None:
    """values() draws fresh leaf Values of the requested reals."""
    assert isinstance(v, Value)
    assert v.op == ""
    assert v.parents == ()
    assert v.grad == 0.0
    assert -2.0 <= v.data <= 3.0
    assert abs(v.data - 1.0) >= 0.5


ALL_OPS = public.UNARY + public.BINARY + public.NARY


@pytest.mark.parametrize("op", ALL_OPS)
def test_expressions_produce_every_operation(op: str) -> None:
    """Each operation of the engine turns up in some drawn expression."""
    found = find(
        expressions(),
        lambda e: any(s.op == op for s in e.steps),
        settings=settings(max_examples=5000, database=None),
    )
    assert any(s.op == op for s in found.steps)


@given(expressions(max_inputs=2, max_steps=4))
def test_expressions_respect_their_size_limits(expr: Expression) -> None:
    """1..max_inputs inputs, 1..max_steps steps, each step reading earlier slots only."""
    assert 1 <= len(expr.inputs) <= 2
    assert 1 <= len(expr.steps) <= 4
    assert len(expr.gradient) == len(expr.inputs)
    for k, s in enumerate(expr.steps):
        assert s.op in ALL_OPS
        assert all(0 <= i < len(expr.inputs) + k for i in s.args)
        assert s.args[0] == len(expr.inputs) + k - 1  # the chain goes through every step


@given(expressions())
def test_expressions_keep_operands_away_from_kinks_and_poles(expr: Expression) -> None:
    """Replaying the program on Values: every guarded operand is at least GAP from its kink.

    relu's operand, a divisor, 1/x's x, log's operand, a real power's base: |u| >= GAP (and
    u >= GAP where the operation needs u > 0); every intermediate within ±MAX_MAGNITUDE.
    """
    slots = list(expr.inputs)
    for k, s in enumerate(expr.steps):
        args = [slots[i] for i in s.args]
        if s.op in ("relu", "c_div"):
            assert abs(args[0]) >= public.GAP
        elif s.op == "div":
            assert abs(args[1]) >= public.GAP
        elif s.op in ("log", "pow") or (s.op == "pow_c" and not s.constants[0].is_integer()):
            assert args[0] >= public.GAP
        elif s.op == "pow_c" and s.constants[0] < 0.0:
            assert abs(args[0]) >= public.GAP
        # The value of slot n + k: the program cut after step k, run on Values.
        prefix = dataclasses.replace(expr, steps=expr.steps[: k + 1])
        slots.append(prefix(*(Value(x) for x in expr.inputs)).data)
        assert abs(slots[-1]) <= public.MAX_MAGNITUDE * (1.0 + 1e-9)


def test_expression_call_checks_the_number_of_inputs() -> None:
    """An Expression of n inputs takes exactly n Values."""
    expr = find(expressions(), lambda e: len(e.inputs) == 2, settings=settings(database=None))
    with pytest.raises(TypeError, match=r"this expression takes 2 Values, got 1"):
        expr(Value(1.0))


def test_expression_program_text() -> None:
    """program() and repr show the steps in a readable form."""
    expr = Expression(
        inputs=(0.5, 2.0),
        steps=(
            public.Step("mul", (1, 0)),
            public.Step("c_pow", (2,), (2.0,)),
            public.Step("wsum_c", (3, 0), (1.5,)),
        ),
        value=0.0,  # not used by program()
        gradient=(0.0, 0.0),
    )
    assert expr.program() == "t2 = t1 * t0; t3 = 2.0 ** t2; t4 = wsum(w=[t3], x=[1.5], b=t0)"
    assert "program='t2 = t1 * t0;" in repr(expr)
    out = expr(Value(0.5), Value(2.0))
    assert math.isclose(out.data, 2.0 ** (2.0 * 0.5) * 1.5 + 0.5, rel_tol=1e-15)


def test_expressions_refuses_bad_sizes() -> None:
    """Sizes outside the supported range are an error at once."""
    with pytest.raises(ValueError, match=r"max_inputs must be within 1\.\.8, got 0"):
        expressions(max_inputs=0)
    with pytest.raises(ValueError, match=r"max_steps must be within 1\.\.50, got 51"):
        expressions(max_steps=51)


def test_expressions_refuses_inputs_out_of_range() -> None:
    """An inputs strategy drawing beyond ±MAX_MAGNITUDE is reported, naming the value."""

    @given(expressions(inputs=st.just(1e3)))
    def use(expr: Expression) -> None:
        pass  # never reached: drawing fails

    with pytest.raises(ValueError, match=r"the inputs strategy drew 1000\.0; inputs must be"):
        use()


def test_import_without_hypothesis_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """With Hypothesis missing, importing the module raises ImportError naming the fix."""
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # makes `import hypothesis` fail
    monkeypatch.delitem(sys.modules, "autograd.strategies")  # restored after the test
    with pytest.raises(ImportError, match=r"pip install hypothesis"):
        importlib.import_module("autograd.strategies")


# ---------------------------------------------------------------------------------------------
# The catalogue of operations: one row per primitive, each row's formulas checked on its own.


def operands(row: public.Operation, data: st.DataObject) -> tuple[list[float], tuple[float, ...]]:
    """Operands in [-3, 3] for one application of ``row`` (3 for a sum, 2 weights, 2 inputs and
    a bias for a weighted sum), and its constants."""
    arity = {"unary": 1, "binary": 2, "sum": 3, "wsum": 5, "wsum_c": 3}[row.shape]
    u = [data.draw(reals(-3.0, 3.0), label=f"u{k}") for k in range(arity)]
    consts: tuple[float, ...] = ()
    if row.constants is not None:
        consts = data.draw(row.constants, label="constants")
    elif row.shape == "wsum_c":
        consts = tuple(data.draw(reals(-3.0, 3.0), label="x") for _ in range(arity - 1))
    return u, consts


@pytest.mark.parametrize("row", public.CATALOGUE, ids=[row.name for row in public.CATALOGUE])
@settings(max_examples=30, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_row_s_derivative_matches_central_differences_of_its_value(
    row: public.Operation, data: st.DataObject
) -> None:
    """Each row's partials (rows for primitives the engine lacks included) against central
    differences of the row's own value formula, at operands 0.2 or more from any of its kinks
    and poles. The functions are smooth there with slopes below 1e3, so the difference is
    good to about 1e-7 relative (truncation h²·f''' and rounding 1e-16·|f|/h, h = 1e-6)."""
    u, consts = operands(row, data)
    for s in row.singular(consts):
        q = math.fsum(c * x for c, x in zip(s.coefficients, u, strict=False))
        assume((abs(q - s.point) if s.two_sided else q - s.point) >= 0.2)
    try:
        value, partials = row.local(u, consts)
    except (ValueError, OverflowError, ZeroDivisionError):
        assume(False)
        raise  # unreachable: assume(False) raises
    assume(math.isfinite(value) and all(abs(d) < 1e3 for d in partials))
    for k, d in enumerate(partials):

        def along(t: float, k: int = k) -> float:
            moved = list(u)
            moved[k] = t
            return row.local(moved, consts)[0]

        numeric = central_difference(along, u[k])
        assert abs(d - numeric) <= 1e-6 * max(1.0, abs(d), abs(value)), (row.name, u, consts, k)


@pytest.mark.parametrize(
    "row",
    [row for row in public.CATALOGUE if row.available],
    ids=[row.name for row in public.CATALOGUE if row.available],
)
@settings(max_examples=30, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_available_row_computes_on_values_what_it_computes_on_floats(
    row: public.Operation, data: st.DataObject
) -> None:
    """The engine's result of a row's operation is the row's float formula, to 1e-12 relative
    (different formulas, as log1p(e^x) and the engine's softplus, round differently)."""
    u, consts = operands(row, data)
    try:
        expected = row.local(u, consts)[0]
        got = row.value([Value(x) for x in u], consts).data
    except (ValueError, OverflowError, ZeroDivisionError):
        assume(False)
        raise  # unreachable
    assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-300), (row.name, u, consts)


def test_a_row_is_drawn_exactly_when_the_engine_has_its_method() -> None:
    """OPERATIONS (and UNARY, BINARY, NARY) hold the available rows; a row needing a method
    Value lacks is left out, one whose method exists is in."""
    names = [row.name for row in public.CATALOGUE]
    assert len(names) == len(set(names))
    assert set(public.OPERATIONS) == {row.name for row in public.CATALOGUE if row.available}
    assert set(ALL_OPS) == set(public.OPERATIONS)
    for row in public.CATALOGUE:
        assert row.available == (not row.needs or callable(getattr(Value, row.needs, None)))
    # Every primitive of the engine's table (the operations Value offers) has a row.
    for method in ("exp", "log", "tanh", "sigmoid", "relu"):
        assert method in public.OPERATIONS
    ghost = dataclasses.replace(public.CATALOGUE[1], needs="no_such_method")
    assert not ghost.available


# ---------------------------------------------------------------------------------------------
# Networks as plain data.

NAMES = ("a", "b", "c")


@given(public.networks(NAMES, output_activations=("out", None), max_layers=3, max_neurons=4))
def test_networks_are_consistent_plain_data(net: public.NetworkData) -> None:
    """sizes, one name per layer from the given ones (the output one replaced or kept), and
    weights[l-1][j] holding n_{l-1} weights and a bias, each in network_reals' bounds."""
    assert 2 <= len(net.sizes) <= 4
    assert net.layers == len(net.sizes) - 1 == len(net.activations) == len(net.weights)
    assert all(a in NAMES for a in net.activations[:-1])
    assert net.activations[-1] in (*NAMES, "out")
    for l in range(1, len(net.sizes)):
        assert len(net.weights[l - 1]) == net.sizes[l]
        for row in net.weights[l - 1]:
            assert len(row) == net.sizes[l - 1] + 1
            assert all(-2.0 <= w <= 2.0 for w in row)


LOSSES = {"one": ("one_hot", ("soft",)), "lab": ("label", ("sig",)), "sq": ("real", (None,))}


@given(public.network_problems(NAMES, LOSSES, max_batch=3))
def test_network_problems_suit_their_loss(problem: public.NetworkProblem) -> None:
    net = problem.network
    kind, outputs = LOSSES[problem.loss]
    assert 1 <= len(problem.xs) == len(problem.ys) <= 3
    assert all(len(x) == net.sizes[0] for x in problem.xs)
    assert all(len(y) == net.sizes[-1] for y in problem.ys)
    if outputs != (None,):
        assert net.activations[-1] in outputs
    for y in problem.ys:
        if kind == "one_hot":
            assert sorted(y) == [0.0] * (len(y) - 1) + [1.0]
        elif kind == "label":
            assert all(0.0 <= t <= 1.0 for t in y)
        else:
            assert all(-2.0 <= t <= 2.0 for t in y)


def test_network_strategies_refuse_what_they_cannot_draw() -> None:
    with pytest.raises(ValueError, match=r"unknown kind 'hot', choose one of"):
        public.targets("hot", 3)
    with pytest.raises(ValueError, match="at least one activation name"):
        find(public.networks(()), lambda n: True)
    with pytest.raises(ValueError, match="at least one loss"):
        find(public.network_problems(NAMES, {}), lambda n: True)
    with pytest.raises(ValueError, match="min_layers <= max_layers"):
        find(public.layer_sizes(min_layers=3, max_layers=2), lambda n: True)
