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
from hypothesis import find, given, settings
from hypothesis import strategies as st

from autograd import Value
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
