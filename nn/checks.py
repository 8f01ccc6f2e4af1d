"""The checks nn's arguments share, so that each is written once.

``True`` is an ``int`` to Python, but never a size, an index, a seed or a weight here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeGuard

from autograd import Value


def is_int(value: object) -> TypeGuard[int]:
    """An int that is not a bool.

    >>> is_int(3), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool)


def is_real(value: object) -> TypeGuard[int | float]:
    """An int or a float that is not a bool.

    >>> is_real(0.5), is_real(2), is_real(False), is_real("1")
    (True, True, False, False)
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def values(
    items: Iterable[object], operation: str, noun: str, name: Callable[[int], str]
) -> list[Value]:
    """``items`` as a non-empty list of Values, or ValueError/TypeError naming ``operation``
    and the item (``name(i)``, such as ``z[2]``) that is not a Value.
    """
    listed = list(items)
    if not listed:
        raise ValueError(f"{operation} needs at least one {noun}, got an empty list")
    checked: list[Value] = []
    for i, v in enumerate(listed):
        if not isinstance(v, Value):
            raise TypeError(f"{operation}: {name(i)} must be a Value, got {type(v).__name__} {v!r}")
        checked.append(v)
    return checked
