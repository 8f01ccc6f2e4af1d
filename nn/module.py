"""Neurons, layers and multi-layer perceptrons on ``Value``, in the notation of the notes.

Layers count from 1 (layer 0 is the input), neurons from 0. Neuron j of layer l holds the
weights ``w[k]`` = w_jk^(l) (from neuron k of layer l−1) and the bias ``b`` = b_j^(l), labelled
``w_{j,k}^(l)`` and ``b_{j}^(l)``. Its forward pass makes one weighted-sum node
z_j^(l) = Σ_k w_jk^(l) a_k^(l−1) + b_j^(l) (``Value.weighted_sum``, labelled ``z_{j}^(l)``) and
one activation node a_j^(l) = σ^(l)(z_j^(l)) (labelled ``a_{j}^(l)``), so that a drawing of the
graph reads like the notes.

>>> model = MLP(2, [3, 1], seed=0)
>>> model.sizes
[2, 3, 1]
>>> model.w(2, 0, 1).label, model.b(1, 2).label
('w_{0,1}^(2)', 'b_{2}^(1)')
>>> out = model([1.0, -2.0])
>>> out.label, out.parents[0].label
('a_{0}^(2)', 'z_{0}^(2)')
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Sequence
from typing import Any, SupportsFloat

from autograd import Value
from nn import notation, serialize, torch_bridge
from nn.activations import ACTIVATIONS, BY_NAME, OUTPUT_ACTIVATIONS
from nn.activations import INIT_GAIN as INIT_GAIN
from nn.checks import is_int
from nn.compiled import CompiledStep
from nn.limits import parameter_count as parameter_count
from nn.limits import refuse_huge as refuse_huge

#: A network input: a plain number (kept as a constant of the layer-1 z nodes) or a Value.
Input = SupportsFloat | Value


def _check_index(value: object, name: str, low: int, high: int, where: str) -> int:
    """``value`` as an int in [low, high], or IndexError/TypeError naming it and the range."""
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise IndexError(f"{name}={value} is out of range{where}: valid {name} is {low}..{high}")
    return value


class Module:
    """Anything with parameters: ``parameters()`` lists them, ``zero_grad()`` resets their grads."""

    def parameters(self) -> list[Value]:
        """Every trainable Value, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Set ``grad`` of every parameter to 0.0 (``backward`` adds to it)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """Neuron j of layer l: weights w_jk^(l) for k = 0..nin−1, bias b_j^(l), an activation."""

    def __init__(
        self,
        nin: int,
        activation: str = "sigmoid",
        *,
        layer: int = 1,
        index: int = 0,
        rng: random.Random | None = None,
    ) -> None:
        if not is_int(nin) or nin < 1:
            raise ValueError(f"Neuron needs nin >= 1 inputs, got {nin!r}")
        if activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}: choose one of {list(OUTPUT_ACTIVATIONS)}"
            )
        self.nin = nin
        self.activation = activation
        self.layer = layer
        self.index = index
        gen = rng if rng is not None else random.Random()
        r = INIT_GAIN[activation] * math.sqrt(3.0 / nin)
        self.w: list[Value] = [
            Value(gen.uniform(-r, r), notation.weight(layer, index, k)) for k in range(nin)
        ]
        self.b = Value(0.0, notation.bias(layer, index))
        self.z_label = notation.weighted_sum(layer, index)
        self.a_label = notation.activation(layer, index)

    def weighted_input(self, x: Sequence[Input]) -> Value:
        """z_j^(l) = Σ_k w_jk^(l) x_k + b_j^(l), one node labelled ``z_{j}^(l)``."""
        z = Value.weighted_sum(self.w, x, self.b)  # type: ignore[arg-type]
        z.label = self.z_label
        return z

    def __call__(self, x: Sequence[Input]) -> Value:
        """a_j^(l) = σ(z_j^(l)), labelled ``a_{j}^(l)`` (its parent is the z_j^(l) node)."""
        if not BY_NAME[self.activation].elementwise:
            raise ValueError(
                f"neuron {self.index} of layer {self.layer} has the layer-wide activation "
                f"{self.activation}: call its Layer, which needs every z of the layer"
            )
        (a,) = BY_NAME[self.activation].apply([self.weighted_input(x)])
        a.label = self.a_label
        return a

    def parameters(self) -> list[Value]:
        """w_j0 .. w_j(nin−1), then b_j."""
        return [*self.w, self.b]

    def zero_grad(self) -> None:
        # Without the list parameters() builds: a training step zeroes every grad each time.
        for w in self.w:
            w.grad = 0.0
        self.b.grad = 0.0

    def __repr__(self) -> str:
        return (
            f"Neuron(nin={self.nin}, activation={self.activation!r}, "
            f"j={self.index}, l={self.layer})"
        )


class Layer(Module):
    """Layer l: ``nout`` neurons, each fed by all ``nin`` activations of layer l−1."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "sigmoid",
        *,
        layer: int = 1,
        rng: random.Random | None = None,
    ) -> None:
        if not is_int(nout) or nout < 1:
            raise ValueError(f"Layer {layer} needs nout >= 1 neurons, got {nout!r}")
        gen = rng if rng is not None else random.Random()
        self.nin = nin
        self.nout = nout
        self.activation = activation
        self.layer = layer
        self.neurons = [Neuron(nin, activation, layer=layer, index=j, rng=gen) for j in range(nout)]

    def forward(self, x: Sequence[Input]) -> tuple[list[Value], list[Value]]:
        """(z^(l), a^(l)) for the activations ``x`` = a^(l−1) of the layer below."""
        zs = [n.weighted_input(x) for n in self.neurons]
        acts = BY_NAME[self.activation].apply(zs)
        for n, a in zip(self.neurons, acts, strict=True):
            a.label = n.a_label
        return zs, acts

    def __call__(self, x: Sequence[Input]) -> list[Value]:
        """a^(l) = σ^(l)(W^(l) x + b^(l)), one Value per neuron."""
        return self.forward(x)[1]

    def parameters(self) -> list[Value]:
        """Neuron by neuron: w_j0 .. w_j(nin−1), b_j."""
        return [p for n in self.neurons for p in n.parameters()]

    def zero_grad(self) -> None:
        for n in self.neurons:
            n.zero_grad()

    def __repr__(self) -> str:
        return (
            f"Layer(l={self.layer}, nin={self.nin}, nout={self.nout}, "
            f"activation={self.activation!r})"
        )


class MLP(Module):
    """A multi-layer perceptron: layers 1..L of sizes ``nouts`` on ``nin`` inputs.

    ``activation`` is σ of every layer (one of "sigmoid", "tanh", "relu", "linear") or a list
    with one entry per layer; ``output_activation``, if given, replaces the last layer's and
    may also be "softmax". Weights are drawn from ``random.Random(seed)`` (never the global
    generator): uniform on ±gain·√(3/n_{l−1}), gain 2 for sigmoid, √2 for relu, 1 otherwise;
    biases start at 0. ``MLP(nin, nouts, activation="relu", output_activation="linear")`` is
    micrograd's ``MLP(nin, nouts)``: relu hidden layers, a linear output.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        output_activation: str | None = None,
        seed: int | None = None,
    ) -> None:
        if not is_int(nin) or nin < 1:
            raise ValueError(f"MLP needs nin >= 1 inputs, got {nin!r}")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP needs nouts, a non-empty list of layer sizes, got {nouts!r}")
        sizes = list(nouts)
        for i, n in enumerate(sizes):
            if not is_int(n) or n < 1:
                raise ValueError(
                    f"MLP layer {i + 1} must have a whole number >= 1 of neurons, got {n!r}"
                )
        if isinstance(activation, str):
            acts = [activation] * len(sizes)
        else:
            acts = list(activation)
            if len(acts) != len(sizes):
                raise ValueError(
                    f"MLP got {len(acts)} activations for {len(sizes)} layers: give one per "
                    f"layer, or a single name"
                )
        for i, act in enumerate(acts):
            if act not in ACTIVATIONS:
                raise ValueError(
                    f"unknown activation {act!r} for layer {i + 1}: choose one of "
                    f"{list(ACTIVATIONS)} (softmax only as output_activation)"
                )
        if output_activation is not None:
            if output_activation not in OUTPUT_ACTIVATIONS:
                raise ValueError(
                    f"unknown output_activation {output_activation!r}: choose one of "
                    f"{list(OUTPUT_ACTIVATIONS)}"
                )
            acts[-1] = output_activation
        if seed is not None and (not is_int(seed)):
            raise TypeError(f"MLP seed must be an int or None, got {type(seed).__name__}")
        rng = random.Random(seed)
        self.nin = nin
        self.sizes = [nin, *sizes]
        self.activations = acts
        self.layers = [
            Layer(self.sizes[i], self.sizes[i + 1], acts[i], layer=i + 1, rng=rng)
            for i in range(len(sizes))
        ]

    # -- the forward pass -----------------------------------------------------------------

    def _inputs(self, x: Sequence[Input]) -> Sequence[Input]:
        """``x`` checked once for the whole pass: its length, its types, finite numbers."""
        if isinstance(x, (Value, str, bytes)):
            raise TypeError(
                f"MLP input must be a list of {self.nin} numbers or Values, got {type(x).__name__}"
            )
        if not isinstance(x, Sequence):
            try:
                x = list(x)
            except TypeError:
                raise TypeError(
                    f"MLP input must be a list of {self.nin} numbers or Values, "
                    f"got {type(x).__name__}"
                ) from None
        if len(x) != self.nin:
            raise ValueError(f"MLP expects {self.nin} inputs (x_0..x_{self.nin - 1}), got {len(x)}")
        if set(map(type, x)) <= {float}:
            xs: Sequence[Input] = x
            floats: Sequence[float] = x  # type: ignore[assignment]
        else:
            converted: list[Input] = []
            for k, v in enumerate(x):
                if isinstance(v, Value):
                    converted.append(v)
                elif isinstance(v, bool) or not isinstance(v, (int, float, SupportsFloat)):
                    raise TypeError(
                        f"MLP input x_{k} must be a number or a Value, got {type(v).__name__} {v!r}"
                    )
                else:
                    converted.append(float(v))
            xs = converted
            floats = [v for v in converted if type(v) is float]
        if not all(map(math.isfinite, floats)):
            bad = next(k for k, v in enumerate(xs) if type(v) is float and not math.isfinite(v))
            raise ValueError(f"MLP input x_{bad} must be finite, got {xs[bad]!r}")
        return xs

    def forward(self, x: Sequence[Input]) -> list[Value]:
        """a^(L), the output layer's activations, always as a list."""
        a: Sequence[Input] = self._inputs(x)
        for layer in self.layers:
            a = layer.forward(a)[1]
        return a  # type: ignore[return-value]

    def __call__(self, x: Sequence[Input]) -> Value | list[Value]:
        """a^(L) for the input x; a single Value when the output layer has one neuron."""
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def forward_trace(self, x: Sequence[Input]) -> list[tuple[list[Value], list[Value]]]:
        """[(z^(l), a^(l)) for l = 0..L]: every node of the forward pass, layer by layer.

        Layer 0 has no z (an empty list) and a^(0) is the input: the caller's Values, or, for
        plain numbers, new leaves labelled ``a_{k}^(0)`` holding them (the layer-1 z nodes keep
        the numbers themselves as constants, so these leaves are not part of the graph).
        """
        xs = self._inputs(x)
        a0 = [
            v if isinstance(v, Value) else Value(v, notation.activation(0, k))
            for k, v in enumerate(xs)
        ]
        trace: list[tuple[list[Value], list[Value]]] = [([], a0)]
        a: Sequence[Input] = xs
        for layer in self.layers:
            zs, acts = layer.forward(a)
            trace.append((zs, acts))
            a = acts
        return trace

    # -- the notes' indices ---------------------------------------------------------------

    def _neuron(self, l: int, j: int) -> Neuron:
        L = len(self.layers)
        _check_index(l, "l", 1, L, f" (this MLP has {L} layers)")
        n = self.sizes[l]
        _check_index(j, "j", 0, n - 1, f" (layer {l} has {n} neurons)")
        return self.layers[l - 1].neurons[j]

    def w(self, l: int, j: int, k: int) -> Value:
        """w_jk^(l): the weight into neuron j of layer l from neuron k of layer l−1."""
        neuron = self._neuron(l, j)
        _check_index(k, "k", 0, neuron.nin - 1, f" (layer {l} has {neuron.nin} inputs)")
        return neuron.w[k]

    def b(self, l: int, j: int) -> Value:
        """b_j^(l): the bias of neuron j of layer l."""
        return self._neuron(l, j).b

    def parameters(self) -> list[Value]:
        """Layer by layer, neuron by neuron: w_j0 .. w_j(n−1), then b_j."""
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        for layer in self.layers:
            layer.zero_grad()

    # -- compiled training ----------------------------------------------------------------

    def compile_step(self, loss: str = "squared_error") -> CompiledStep:
        """One training step with ``loss``, compiled (``autograd.compile``): the same numbers.

        ``step = model.compile_step("squared_error")``; ``step(x, y)`` returns the cost and
        adds its gradient to every parameter, as ``loss(model.forward(x), y).backward()``;
        ``step.batch(xs, ys)`` does a batch's mean cost. See ``nn.compiled``.
        """
        return CompiledStep(self, loss)

    # -- files ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], data: dict[str, Any] | None = None) -> None:
        """Write the architecture and every weight to ``path`` as JSON, atomically.

        ``data``, if given, records what the model was trained on (``serialize.DATA_FIELDS``).

        ValueError if a weight is not finite (JSON has no nan), before anything is written.
        """
        weights = []
        biases = []
        for layer in self.layers:
            for n in layer.neurons:
                for p in (*n.w, n.b):
                    if not math.isfinite(p.data):
                        raise ValueError(
                            f"cannot save the model: {p.label or 'a parameter'} of layer "
                            f"{layer.layer} is {p.data!r} (only finite weights can be saved)"
                        )
            weights.append([[w.data for w in n.w] for n in layer.neurons])
            biases.append([n.b.data for n in layer.neurons])
        checkpoint = serialize.Checkpoint(
            list(self.sizes), list(self.activations), weights, biases, data
        )
        serialize.write(path, checkpoint)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MLP:
        """A new MLP with the architecture and weights stored in ``path`` (by ``save``)."""
        return cls._from_checkpoint(serialize.read(path), os.fspath(path))

    @classmethod
    def _from_checkpoint(cls, checkpoint: serialize.Checkpoint, where: str) -> MLP:
        """A new MLP with ``checkpoint``'s architecture and weights (read from ``where``)."""
        *hidden, last = checkpoint.activations
        model = cls(
            checkpoint.sizes[0],
            checkpoint.sizes[1:],
            activation=[*hidden, "linear"],
            output_activation=last,
            seed=0,  # any seed: every weight is overwritten below
        )
        model._assign(checkpoint, where)
        return model

    def load_weights(self, path: str | os.PathLike[str]) -> None:
        """Replace this model's weights with those in ``path``; all checked before any is set."""
        self._assign(serialize.read(path), os.fspath(path))

    def _assign(self, checkpoint: serialize.Checkpoint, path: str) -> None:
        """Copy ``checkpoint``'s weights in after checking that the architectures match."""
        if checkpoint.sizes != self.sizes:
            raise ValueError(
                f"{path}: sizes {checkpoint.sizes} do not match the model's {self.sizes}"
            )
        if checkpoint.activations != self.activations:
            raise ValueError(
                f"{path}: activations {checkpoint.activations} do not match the model's "
                f"{self.activations}"
            )
        # Everything was checked above and in read(): from here on nothing can fail half-way.
        for layer, layer_w, layer_b in zip(
            self.layers, checkpoint.weights, checkpoint.biases, strict=True
        ):
            for neuron, row, b in zip(layer.neurons, layer_w, layer_b, strict=True):
                for w, v in zip(neuron.w, row, strict=True):
                    w.data = v
                neuron.b.data = b

    # -- PyTorch (optional) ---------------------------------------------------------------

    def to_torch(self) -> Any:
        """An equivalent float64 ``torch.nn.Sequential`` (see ``nn.torch_bridge``); needs torch."""
        return torch_bridge.to_torch(self)

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """A new MLP holding the torch ``module``'s layers and weights (``nn.torch_bridge``)."""
        return cls._from_checkpoint(torch_bridge.from_torch(module), "the torch module")

    def __repr__(self) -> str:
        return f"MLP(sizes={self.sizes}, activations={self.activations})"
