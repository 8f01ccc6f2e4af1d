"""Hypothesis strategies shared by the test suite.

The scalar block below reuses the public strategies of ``autograd.strategies``; network
strategies (nn/) go in their own block after it.
"""

from __future__ import annotations

from hypothesis import strategies as st

from autograd import Value
from autograd.strategies import Expression, expressions, reals, values

# ---------------------------------------------------------------------------------------------
# Scalars (engine tests). Bounds keep every operation finite and every derivative of order 1
# to 1e3, so that tolerances can be stated relative to the result.

__all__ = [
    "Expression",
    "expressions",
    "moderate",
    "nonzero",
    "positive",
    "reals",
    "value_lists",
    "values",
]

#: Any sign, small enough that exp, powers and products of a few stay far from overflow.
moderate = reals(-5.0, 5.0)
#: Strictly positive and away from 0: the domain of log, of a real power's base, of 1/x.
positive = reals(0.1, 5.0)
#: Either sign, at least 0.1 from 0: divisors and relu's operand away from its kink.
nonzero = reals(-5.0, 5.0, avoid=[0.0], gap=0.1)


def value_lists(min_size: int = 1, max_size: int = 5) -> st.SearchStrategy[list[Value]]:
    """Lists of leaf Values holding ``moderate`` numbers (operands of sum and weighted_sum)."""
    return st.lists(values(-5.0, 5.0), min_size=min_size, max_size=max_size)


# ---------------------------------------------------------------------------------------------
