"""Hypothesis strategies shared by the test suite.

Scalars (engine tests) reuse the public strategies of ``autograd.strategies``; networks (nn
tests and the by-hand tests) are the public ones of ``nn.strategies``: MLPs of 1 to 4 layers of
1 to 6 neurons with every activation (one name or one per layer, and softmax on the output),
their inputs, targets that suit each loss, and batches of 1 to 5 examples.
"""

from __future__ import annotations

from hypothesis import strategies as st

from autograd import Value
from autograd.strategies import Expression, expressions, reals, values
from nn.strategies import (
    NetSpec,
    Problem,
    activations,
    net_specs,
    network_inputs,
    network_reals,
    networks,
    problems,
    relu_margin,
    targets,
)

__all__ = [
    "Expression",
    "NetSpec",
    "Problem",
    "activations",
    "expressions",
    "moderate",
    "net_specs",
    "network_inputs",
    "network_reals",
    "networks",
    "nonzero",
    "positive",
    "problems",
    "reals",
    "relu_margin",
    "targets",
    "value_lists",
    "values",
]

# Bounds keep every operation finite and every derivative of order 1 to 1e3, so that tolerances
# can be stated relative to the result.

#: Any sign, small enough that exp, powers and products of a few stay far from overflow.
moderate = reals(-5.0, 5.0)
#: Strictly positive and away from 0: the domain of log, of a real power's base, of 1/x.
positive = reals(0.1, 5.0)
#: Either sign, at least 0.1 from 0: divisors and relu's operand away from its kink.
nonzero = reals(-5.0, 5.0, avoid=[0.0], gap=0.1)


def value_lists(min_size: int = 1, max_size: int = 5) -> st.SearchStrategy[list[Value]]:
    """Lists of leaf Values holding ``moderate`` numbers (operands of sum and weighted_sum)."""
    return st.lists(values(-5.0, 5.0), min_size=min_size, max_size=max_size)
