"""Test helpers for the derivative table.

``wrong_partials`` gives one row of the derivative table other partials for a block, so that a
test can watch a checker catch a wrong derivative of the engine itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from autograd.rules import Rule


@contextmanager
def wrong_partials(rule: Rule, partials: Callable[..., tuple[Any, ...]]) -> Iterator[None]:
    """Give the row ``rule`` other partials for the duration of the block, then restore them.

    Rows are frozen so that nothing changes them by accident; the engine holds them by
    reference, so only changing the row object itself reaches every node that uses it.
    """
    original = rule.partials
    object.__setattr__(rule, "partials", partials)
    try:
        yield
    finally:
        object.__setattr__(rule, "partials", original)
