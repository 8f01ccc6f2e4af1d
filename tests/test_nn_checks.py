"""``nn.checks``: a bool is never taken for an int or a number."""

from __future__ import annotations

import pytest

from nn.checks import is_int, is_real


@pytest.mark.parametrize(
    ("value", "whole", "real"),
    [(3, True, True), (-1, True, True), (2.5, False, True), (True, False, False),
     (False, False, False), ("1", False, False), (None, False, False), (1j, False, False)],
)  # fmt: skip
def test_kinds(value: object, whole: bool, real: bool) -> None:
    assert is_int(value) is whole
    assert is_real(value) is real


def test_values_names_the_operation_and_the_item() -> None:
    from autograd import Value
    from nn.checks import values

    a = Value(1.0)
    assert values((a,), "op", "thing", str) == [a]
    with pytest.raises(ValueError, match="op needs at least one thing, got an empty list"):
        values([], "op", "thing", str)
    with pytest.raises(TypeError, match=r"op: item 1 must be a Value, got float 2\.0"):
        values([a, 2.0], "op", "thing", lambda i: f"item {i}")
