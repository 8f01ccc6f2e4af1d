"""The engine's surface: every error case with its message, and micrograd compatibility.

Errors: a clear exception naming the operation and the bad operand (TypeError for non-reals,
ValueError for log of x <= 0 and a negative base to a non-integer power, ZeroDivisionError,
OverflowError). Compatibility: micrograd's ``_prev``/``_op``, ints, the builtin ``sum``,
identity equality and hashing.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given

from autograd import Value, grad, rules
from tests.strategies import moderate, value_lists
from tests.support.numbers import close

# ---------------------------------------------------------------------------------------------
# Errors.


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [("1.5", "str"), (None, "NoneType"), (1 + 2j, "complex"), (Value(1.0), "Value"),
     ([1.0], "list")],
)  # fmt: skip
def test_value_of_a_non_real_is_a_type_error_naming_the_type(bad: Any, type_name: str) -> None:
    """Value(x) for anything but a real number says what it got."""
    with pytest.raises(TypeError, match=rf"^Value needs a real number .*got {type_name}: "):
        Value(bad)


@pytest.mark.parametrize(
    "make",
    [
        lambda: operator.add(Value(1.0), "a"),
        lambda: operator.add("a", Value(1.0)),
        lambda: operator.mul(Value(1.0), None),
        lambda: operator.sub(Value(1.0), 1j),
        lambda: operator.truediv(Value(1.0), "2"),
    ],
)
def test_arithmetic_with_a_non_real_is_a_type_error(make: Callable[[], Any]) -> None:
    """A str, None or complex on either side of an operator is refused, naming its type."""
    with pytest.raises(TypeError, match=r"arithmetic operand of Value needs a real number.*got"):
        make()


def test_non_real_exponent_is_a_type_error() -> None:
    """x ** "2" names the exponent."""
    with pytest.raises(TypeError, match=r"'\*\*' exponent needs a real number.*got str: '2'"):
        _ = Value(2.0) ** "2"  # type: ignore[operator]


def test_int_too_large_for_a_float_names_the_operation() -> None:
    """An int beyond the float range: OverflowError naming Value and the int's size."""
    with pytest.raises(OverflowError, match=r"^Value needs a real number within the float range"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"arithmetic operand of Value .* 1329 bits"):
        _ = Value(1.0) + 10**400


@pytest.mark.parametrize("x", [0.0, -0.0, -1.0, -1e-300])
def test_log_of_non_positive_is_a_value_error(x: float) -> None:
    """log(x) for x <= 0 names the operand; on Values and on floats alike."""
    message = rf"log of a number <= 0 is undefined: log\({x!r}\)"
    with pytest.raises(ValueError, match=message):
        Value(x).log()
    with pytest.raises(ValueError, match=message):
        rules.log(x)


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda: Value(1.0) / 0.0, r"1\.0 / 0\.0"),
        (lambda: Value(1.0) / Value(0.0), r"1\.0 / 0\.0"),
        (lambda: 3 / Value(0), r"3\.0 / 0\.0"),
        (lambda: Value(0.0) / Value(-0.0), r"0\.0 / -0\.0"),
    ],
)
def test_division_by_zero(make: Callable[[], Any], shown: str) -> None:
    """x / 0 with Values or numbers on either side: ZeroDivisionError showing both operands."""
    with pytest.raises(ZeroDivisionError, match=rf"division by zero in '/': {shown}$"):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value(-8.0) ** (1.0 / 3.0),
        lambda: Value(-2.0) ** Value(0.5),
        lambda: (-2.0) ** Value(0.5),
        lambda: Value(-1e-3) ** 0.5,
    ],
)
def test_negative_base_to_non_integer_power_is_a_value_error(make: Callable[[], Any]) -> None:
    """A complex result is refused, naming base and exponent."""
    with pytest.raises(
        ValueError, match=r"'\*\*' of a negative base to a non-integer power is not real: -"
    ):
        make()


def test_negative_base_to_an_integer_power_is_fine() -> None:
    """(-2) ** 3 = -8, with derivative 3·(-2)² = 12."""
    x = Value(-2.0)
    out = x**3
    out.backward()
    assert out.data == -8.0
    assert x.grad == 12.0


def test_zero_to_a_negative_power_is_a_division_by_zero() -> None:
    """0 ** -1 names both operands."""
    with pytest.raises(
        ZeroDivisionError, match=r"'\*\*' of zero to a negative power.*0\.0 \*\* -1"
    ):
        _ = Value(0.0) ** -1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Value(1000.0).exp(), r"exp overflows: exp\(1000\.0\)"),
        (lambda: rules.exp(710.0), r"exp overflows: exp\(710\.0\)"),
        (lambda: Value(10.0) ** 400, r"'\*\*' overflows: 10\.0 \*\* 400\.0"),
        (lambda: 2 ** Value(2000.0), r"'\*\*' overflows: 2\.0 \*\* 2000\.0"),
    ],
)
def test_overflow_is_an_overflow_error(make: Callable[[], Any], message: str) -> None:
    """Results beyond the largest float raise OverflowError naming the operation."""
    with pytest.raises(OverflowError, match=message):
        make()


def test_exp_just_below_overflow_is_fine() -> None:
    """exp(709.78) is finite: the bound in the message is the real one."""
    assert math.isfinite(Value(709.78).exp().data)


def test_sum_and_weighted_sum_refuse_bad_arguments() -> None:
    """Plain numbers where Values are needed, and mismatched lengths."""
    with pytest.raises(TypeError, match=r"Value\.sum needs Values; item 1 is float 2\.0"):
        Value.sum([Value(1.0), 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"weighted_sum needs Values as weights; item 0 is int 1"):
        Value.weighted_sum([1], [2.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"as many inputs as weights: 1 inputs, 2 weights"):
        Value.weighted_sum([Value(1.0), Value(2.0)], [3.0])
    with pytest.raises(TypeError, match=r"weighted_sum input needs a real number.*got str"):
        Value.weighted_sum([Value(1.0)], ["3"])  # type: ignore[list-item]


def test_grad_refuses_non_values() -> None:
    """grad(output, inputs) names what it got instead of a Value."""
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"grad needs Values, got float: 2\.0"):
        grad(x * x, [x, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"grad needs Values, got int: 3"):
        grad(3, x)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# micrograd compatibility.


def test_micrograd_attribute_names() -> None:
    """_prev and _op, as micrograd's visualisers read them."""
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert set(c._prev) == {a, b}
    assert c._op == "*"
    assert c._prev == c.parents
    assert c._op == c.op
    assert a._prev == ()
    assert a._op == ""
    assert (a + b)._op == "+"
    assert a.tanh()._op == "tanh"
    assert (a**2)._op == "**2"


def test_ints_become_floats() -> None:
    """Value(3) and int operands work and are stored as floats."""
    v = Value(3)
    assert type(v.data) is float
    assert v.data == 3.0
    w = v * 2 + 1
    assert type(w.data) is float
    assert w.data == 7.0
    w.backward()
    assert v.grad == 2.0
    assert type(Value(True).data) is float  # bool is an int


def test_numpy_scalars_are_accepted_and_arrays_refused() -> None:
    """NumPy scalars are real numbers; an array is not one (optional: needs NumPy)."""
    np = pytest.importorskip("numpy")
    assert Value(np.float64(1.5)).data == 1.5
    assert type(Value(np.int64(3)).data) is float
    assert (Value(2.0) * np.float32(0.5)).data == 1.0
    with pytest.raises(TypeError, match=r"got ndarray"):
        Value(np.array([1.0]))


@given(value_lists(1, 6))
def test_builtin_sum(xs: list[Value]) -> None:
    """sum([...]) starts from the int 0 and works: value fsum(x) (a few ulps), each grad 1."""
    total = sum(xs)
    assert isinstance(total, Value)
    scale = math.fsum(abs(x.data) for x in xs)
    assert close(total.data, math.fsum(x.data for x in xs), scale)
    total.backward()
    assert all(x.grad == 1.0 for x in xs)


@given(moderate)
def test_identity_equality_and_hashing(x: float) -> None:
    """Two Values with the same data are different nodes: == is identity, hash follows it."""
    a, b = Value(x), Value(x)
    assert a == a
    assert a != b
    assert len({a, b, a}) == 2
    table = {a: "a", b: "b"}
    assert table[a] == "a"
    assert table[b] == "b"
    assert hash(a) == hash(a)
    assert a in {a}
    assert b not in {a}


def test_repr_and_format() -> None:
    """repr shows data, grad and label; a format spec formats the data like a float."""
    v = Value(2.0, "a")
    assert repr(v) == "Value(data=2.0, grad=0.0, label='a')"
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0.0)"
    assert f"{v:.3f}" == "2.000"
    assert f"{v}" == repr(v)


def test_sums_that_overflow_or_meet_opposite_infinities_name_the_operation() -> None:
    """fsum's own messages ("intermediate overflow in fsum") name neither op nor operands."""
    big = [Value(1e308), Value(1e308)]
    with pytest.raises(OverflowError, match=r"'wsum' overflows: .* 3 terms .*1e\+308"):
        Value.weighted_sum(big, [1.0, 1.0], 0.0)
    with pytest.raises(OverflowError, match=r"'sum' overflows: the sum of its 2 terms"):
        Value.sum(big)
    # +inf and -inf given as data: IEEE's inf - inf, propagated rather than raised.
    assert math.isnan(Value.sum([Value(math.inf), Value(-math.inf)]).data)
