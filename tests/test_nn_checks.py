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
