"""Graphs that tests and the figures script (bench/figures.py) build alike.

The explorer's size figures in the README are measured on the very graph its browser tests
open, so both take it from here.
"""

from __future__ import annotations

import random

from autograd import Value
from nn import MLP, squared_error


def mlp_step(sizes: tuple[int, ...], seed: int = 0) -> tuple[MLP, Value]:
    """One training step's graph: nn.MLP(sizes)'s squared error on a seeded input, backward run."""
    model = MLP(sizes[0], list(sizes[1:]), seed=seed)
    rng = random.Random(seed)
    x = [round(rng.uniform(0.0, 1.0), 2) for _ in range(sizes[0])]
    y = [0.0] * sizes[-1]
    y[rng.randrange(sizes[-1])] = 1.0
    cost = squared_error(model(x), y)
    cost.label = "C"
    cost.backward()
    return model, cost
