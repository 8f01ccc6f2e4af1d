"""micrograd's ``nn`` module on chainrule's engine, so that micrograd code runs unchanged.

Code written for micrograd (its ``demo.ipynb``, the lecture's networks) needs only its imports
changed: ``from micrograd.nn import MLP`` becomes ``from nn.micrograd import MLP`` and
``from micrograd.engine import Value`` becomes ``from autograd import Value``.

The classes behave as micrograd's do:

* ``Neuron(nin, nonlin=True)``: a = relu(Σ_k w_k x_k + b), or the plain sum when ``nonlin`` is
  False. Its weights are drawn with ``random.uniform(-1, 1)`` from the global ``random``
  generator, one per input in order, and the bias starts at 0 without a draw, so that after
  ``random.seed(1337)`` a network starts from exactly micrograd's weights.
* ``Layer(nin, nout, **kwargs)``: ``nout`` neurons made in order with ``Neuron(nin, **kwargs)``;
  calling it returns a list of Values, or the Value itself when the layer has one neuron.
* ``MLP(nin, nouts)``: ReLU hidden layers and a linear output layer.
* ``Module`` (the same class as ``nn.Module``): ``parameters()`` and ``zero_grad()``.

Unlike micrograd, an input of the wrong length is an error (micrograd's ``zip`` would silently
drop the extra inputs or weights), and each neuron's sum is one ``weighted_sum`` node of the
engine rather than a chain of ``*`` and ``+`` nodes.

>>> import random
>>> random.seed(1337)
>>> model = MLP(2, [3, 1])
>>> model
MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(3)]]
>>> len(model.parameters())
13
>>> type(model([2.0, -1.0])).__name__
'Value'
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, SupportsFloat

from autograd import Value
from nn.checks import is_int
from nn.module import Module

__all__ = ["MLP", "Layer", "Module", "Neuron"]

#: What a neuron reads: plain numbers or Values (micrograd's demo wraps its inputs in Values).
Input = SupportsFloat | Value


def _check_count(value: object, what: str) -> int:
    """``value`` if it is a whole number >= 1; otherwise an error naming ``what`` and it."""
    if not is_int(value):
        raise TypeError(f"{what} must be an int >= 1, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{what} must be >= 1, got {value}")
    return value


def _as_list(x: Sequence[Input] | Value, nin: int, where: str) -> Sequence[Input]:
    """The inputs ``x`` of a layer or neuron with ``nin`` inputs, checked for their number."""
    if isinstance(x, Value):
        # A one-neuron layer returns its Value, not a list; feeding it on means one input.
        x = [x]
    elif isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        x = list(x)
    if len(x) != nin:
        raise ValueError(f"{where} has {nin} inputs, got {len(x)}")
    return x


class Neuron(Module):
    """relu(Σ_k w_k x_k + b) (or the sum itself with ``nonlin=False``), micrograd's neuron."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.nin = _check_count(nin, "Neuron's nin")
        # One draw per weight from the global generator and none for the bias: the sequence
        # micrograd consumes, so random.seed gives the same starting network in both.
        self.w = [Value(random.uniform(-1, 1)) for _ in range(self.nin)]
        self.b = Value(0.0)
        self.nonlin = bool(nonlin)

    def __call__(self, x: Sequence[Input] | Value) -> Value:
        """relu(w · x + b) if ``nonlin`` else w · x + b, for the ``nin`` inputs ``x``."""
        xs = _as_list(x, self.nin, repr(self))
        act = Value.weighted_sum(self.w, xs, self.b)  # type: ignore[arg-type]
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        """w_0 .. w_(nin−1), then b (micrograd's order)."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({self.nin})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; ``kwargs`` go to each ``Neuron``."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        _check_count(nin, "Layer's nin")
        _check_count(nout, "Layer's nout")
        self.nin = nin
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def outputs(self, x: Sequence[Input] | Value) -> list[Value]:
        """Every neuron's output, always as a list (``__call__`` unwraps a single one)."""
        xs = _as_list(x, self.nin, f"a layer of {len(self.neurons)} neurons")
        return [n(xs) for n in self.neurons]

    def __call__(self, x: Sequence[Input] | Value) -> Value | list[Value]:
        """The neurons' outputs: a list, or one Value when the layer has a single neuron."""
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        """Neuron by neuron: its weights, then its bias."""
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(map(repr, self.neurons))}]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs: ReLU hidden layers, a linear output layer."""

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        _check_count(nin, "MLP's nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP needs nouts, a non-empty list of layer sizes, got {nouts!r}")
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last) for i in range(len(nouts))]

    def __call__(self, x: Sequence[Input] | Value) -> Value | list[Value]:
        """The output layer's values: one Value when it has a single neuron, else a list."""
        # Inside the network the activations stay lists, so a one-neuron hidden layer works.
        out = self.layers[0].outputs(x)
        for layer in self.layers[1:]:
            out = layer.outputs(out)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        """Layer by layer, neuron by neuron: weights, then bias."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(repr, self.layers))}]"
