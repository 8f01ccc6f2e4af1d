"""A model's training step through ``autograd.compile``: the eager step's numbers, faster.

``CompiledStep(model, loss)`` (or ``model.compile_step(loss)``) replaces
``loss(model.forward(x), y).backward()`` for one example and
``mean([loss(model.forward(x), y) for ...]).backward()`` for a batch, with the same value and
the same gradients in every parameter's ``.grad``, to the last bit. The target y is part of
the traced graph (its numbers are constants of the loss), so one compiled function is made per
distinct target and kept: a one-hot classification task compiles once per class.

Only steps whose graph does not depend on the data compile: the squared-error losses with a
sigmoid, tanh, relu or linear output layer. A softmax output shifts its inputs by max z (a
constant made from the data), and binary cross-entropy's softplus branches on the sign of each
logit, so both are refused with a ValueError rather than replayed wrongly.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, SupportsFloat

from autograd import Value, rules
from autograd.compile import Compiled
from nn.losses import LOSSES

if TYPE_CHECKING:
    from nn.module import MLP

#: Losses whose graph has the same shape and constants for every input.
COMPILABLE_LOSSES = ("squared_error", "mean_squared_error")


def _target_key(y: SupportsFloat | Sequence[SupportsFloat]) -> tuple[float, ...]:
    if isinstance(y, Sequence) and not isinstance(y, (str, bytes)):
        return tuple(float(t) for t in y)
    return (float(y),)


class CompiledStep:
    """Forward and backward of ``loss(model.forward(x), y)``, compiled per target y."""

    def __init__(self, model: MLP, loss: str = "squared_error") -> None:
        if loss not in COMPILABLE_LOSSES:
            raise ValueError(
                f"compile_step: the {loss!r} loss cannot be compiled exactly (its graph depends "
                f"on the data); choose one of {list(COMPILABLE_LOSSES)} or train without compiling"
            )
        if model.activations[-1] == "softmax":
            raise ValueError(
                "compile_step: a softmax output layer cannot be compiled exactly (it shifts z "
                "by max z, a constant made from the data); train without compiling"
            )
        self.model = model
        self.loss = loss
        self._cost: Callable[..., Value] = LOSSES[loss]
        self._compiled: dict[tuple[float, ...], Compiled] = {}
        self._outputs: list[Value] = []
        self.parameters = model.parameters()

    def compiled(self, y: SupportsFloat | Sequence[SupportsFloat]) -> Compiled:
        """The compiled step for the target y (traced on first use)."""
        key = _target_key(y)
        c = self._compiled.get(key)
        if c is None:
            target: float | list[float] = list(key) if isinstance(y, Sequence) else key[0]

            def step(x: list[Value]) -> Value:
                self._outputs = self.model.forward(x)
                return self._cost(self._outputs, target)

            c = Compiled(step, [[0.0] * self.model.nin], watch=lambda: self._outputs)
            if c.data_dependent:  # the losses above read no number; a new one might
                raise ValueError(
                    f"compile_step: the step's graph depends on the data: "
                    f"{c.data_dependent}; train without compiling"
                )
            if {id(v) for v in c.leaves} - {id(p) for p in self.parameters}:
                raise ValueError("compile_step: the step reads Values that are not parameters")
            self._compiled[key] = c
        return c

    def __call__(self, x: Sequence[float], y: SupportsFloat | Sequence[SupportsFloat]) -> float:
        """The cost of one example; adds its gradient to every parameter's ``.grad``."""
        return self.compiled(y)(list(x))

    def batch(
        self, xs: Sequence[Sequence[float]], ys: Sequence[SupportsFloat | Sequence[SupportsFloat]]
    ) -> tuple[float, list[list[float]]]:
        """(mean cost, output layer of each example); adds the mean cost's gradient to ``.grad``.

        The same numbers as ``nn.losses.mean([...]).backward()``: that backward pass walks
        the examples' graphs one after the other, the first example's first (the reverse of a
        depth-first post-order that reached the last one first), each with the seed 1/m from
        the mean's row, and adds every contribution to a parameter in that order; so do these
        calls.
        """
        m = len(xs)
        if m != len(ys) or m == 0:
            raise ValueError(f"batch needs as many targets as inputs, at least one: {m}, {len(ys)}")
        costs: list[float] = [0.0] * m
        outputs: list[list[float]] = [[]] * m
        # The mean is sum / m: its row's partial for the sum, times the sum row's 1 per cost.
        sum_partial = rules.DIV.partials(1.0, 1.0, float(m))[0]
        cost_partials = rules.SUM.partials(0.0, *[0.0] * m)
        acc: list[float] | None = None
        order: tuple[Value, ...] = ()
        for i in range(m):
            c = self.compiled(ys[i])
            if acc is None:
                acc = [-0.0] * len(c.leaves)  # -0.0 + g is g exactly: the first contribution
                order = c.leaves
            seed = (1.0 * sum_partial) * cost_partials[i]
            if len(c.leaves) == len(order) and all(map(operator.is_, c.leaves, order)):
                cost, outs = c.accumulate_watched([list(xs[i])], seed, acc)
            else:  # a trace that reached the parameters in another order
                by_id = {id(v): k for k, v in enumerate(order)}
                mine = [acc[by_id[id(v)]] for v in c.leaves]
                cost, outs = c.accumulate_watched([list(xs[i])], seed, mine)
                for v, g in zip(c.leaves, mine, strict=True):
                    acc[by_id[id(v)]] = g
            costs[i] = cost
            outputs[i] = list(outs)
        mean = rules.DIV.forward(rules.SUM.forward(*costs), float(m))
        for p, g in zip(order, acc or (), strict=True):
            p.grad += g
        return mean, outputs


def train_batch(
    step: CompiledStep,
    inputs: Sequence[Sequence[float]],
    targets: Sequence[Sequence[float]],
    labels: Sequence[int],
) -> tuple[float, int]:
    """One batch of ``nn.train.train``'s loop through ``step``: (mean cost, correct predictions).

    The caller zeroes the gradients before and steps the optimizer after, as without
    compiling; the gradients left in ``.grad`` are those of ``mean(costs).backward()``, and a
    prediction is the index of the largest output (the first on a tie), as ``nn.train.predict``.
    """
    cost, outputs = step.batch(inputs, targets)
    correct = 0
    for out, label in zip(outputs, labels, strict=True):
        best = 0
        for j in range(1, len(out)):
            if out[j] > out[best]:
                best = j
        correct += best == label
    return cost, correct
