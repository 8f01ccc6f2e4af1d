"""Hypothesis strategies for networks, with nn's own names: for testing formulas on drawn MLPs.

``autograd.strategies`` draws networks as plain data (sizes, a name per layer, numbers) and
knows no names; this module passes nn's (``ACTIVATIONS``, ``OUTPUT_ACTIVATIONS``, ``LOSSES``)
and builds real ``MLP``s:

- ``activations``, ``output_activations``, ``losses``: nn's names; ``layer_sizes`` and
  ``weights_for`` (sizes and weights, from ``autograd.strategies``);
- ``net_specs(...)``: the arguments of one ``MLP(...)`` call plus its weights (``NetSpec``),
  ``networks(...)``: the MLPs themselves;
- ``network_inputs(nin)``, ``targets(loss, n)``: an input x and a target y that suits a loss;
- ``problems(loss)``: a network whose output suits the loss, with a batch (``Problem``);
- ``network_data(...)``, ``network_problems(...)``: the plain-data forms with nn's names, as a
  checker of a learner's ∂C/∂w_jk^(l) draws them;
- ``relu_margin(model, xs)``: how close a relu neuron comes to its kink.

Needs Hypothesis (the ``strategies`` extra), as ``autograd.strategies`` does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from autograd import strategies as core
from autograd.strategies import (
    NetworkData,
    NetworkProblem,
    layer_sizes,
    network_reals,
    weights_for,
)
from nn.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.losses import LOSSES
from nn.module import MLP

__all__ = [
    "LOSS_TARGETS",
    "NetSpec",
    "Problem",
    "activations",
    "layer_sizes",
    "losses",
    "net_specs",
    "network_data",
    "network_inputs",
    "network_problems",
    "network_reals",
    "networks",
    "output_activations",
    "problems",
    "relu_margin",
    "targets",
    "weights_for",
]

#: One of the element-wise activations (sigmoid, tanh, relu, linear).
activations = st.sampled_from(ACTIVATIONS)
#: One of the output activations (the element-wise ones and softmax).
output_activations = st.sampled_from(OUTPUT_ACTIVATIONS)
#: The name of one of nn's losses.
losses = st.sampled_from(sorted(LOSSES))

#: For each loss of ``nn.LOSSES``: the kind of target it takes (``autograd.strategies.targets``)
#: and the output activations it is meant for (None: whatever the layer drew). Binary
#: cross-entropy gets labels and a sigmoid output, cross-entropy a one-hot target and softmax
#: (the case N004.CE treats), so both stay in their domain.
LOSS_TARGETS: dict[str, tuple[str, tuple[str | None, ...]]] = {
    name: {
        "binary_cross_entropy": ("label", ("sigmoid",)),
        "cross_entropy": ("one_hot", ("softmax",)),
    }.get(name, ("real", (*OUTPUT_ACTIVATIONS, None)))
    for name in sorted(LOSSES)
}


@dataclass(frozen=True)
class NetSpec:
    """The arguments of one ``MLP(...)`` call, plus the weights to put in it (if drawn)."""

    nin: int
    nouts: tuple[int, ...]
    activation: str | tuple[str, ...]
    output_activation: str | None
    seed: int
    #: ``weights[l-1][j]`` = [w_j0^(l), ..., w_j(n-1)^(l), b_j^(l)]; None keeps the seeded init.
    weights: tuple[tuple[tuple[float, ...], ...], ...] | None = field(default=None, repr=False)

    @property
    def layer_activations(self) -> list[str]:
        """The activation of each layer 1..L once ``output_activation`` is applied."""
        acts = (
            [self.activation] * len(self.nouts)
            if isinstance(self.activation, str)
            else list(self.activation)
        )
        if self.output_activation is not None:
            acts[-1] = self.output_activation
        return acts

    def build(self) -> MLP:
        """A fresh MLP for this spec (a new one on every call: networks are mutable)."""
        act = self.activation if isinstance(self.activation, str) else list(self.activation)
        model = MLP(self.nin, list(self.nouts), act, self.output_activation, seed=self.seed)
        if self.weights is not None:
            for layer, rows in zip(model.layers, self.weights, strict=True):
                for neuron, row in zip(layer.neurons, rows, strict=True):
                    for p, v in zip(neuron.parameters(), row, strict=True):
                        p.data = v
        return model

    def data(self) -> NetworkData:
        """The same network as plain data (the seeded weights read off a build if not drawn)."""
        weights = self.weights
        if weights is None:
            weights = tuple(
                tuple(tuple(p.data for p in neuron.parameters()) for neuron in layer.neurons)
                for layer in self.build().layers
            )
        return NetworkData((self.nin, *self.nouts), tuple(self.layer_activations), weights)


@st.composite
def net_specs(
    draw: st.DrawFn,
    /,
    *,
    output_activations: tuple[str | None, ...] = (*OUTPUT_ACTIVATIONS, None),
    weights: st.SearchStrategy[float] | None = network_reals,
    **sizes: int,
) -> NetSpec:
    """An MLP's arguments: sizes, one activation or a list of them, an output activation.

    The sizes come from ``autograd.strategies.layer_sizes(**sizes)`` (``max_inputs``,
    ``min_layers``, ``max_layers``, ``max_neurons``: 6, 1, 4, 6 by default). ``weights``
    draws every weight and bias (default: ``network_reals``); None keeps the seeded fan-in
    initialisation, with zero biases.
    """
    shape = draw(core.layer_sizes(**sizes))
    nin, nouts = shape[0], tuple(shape[1:])
    activation: str | tuple[str, ...]
    if draw(st.booleans()):
        activation = draw(activations)
    else:
        activation = tuple(draw(activations) for _ in nouts)
    output_activation = draw(st.sampled_from(output_activations))
    seed = draw(st.integers(0, 2**32 - 1))
    drawn = None if weights is None else draw(core.weights_for(shape, weights))
    return NetSpec(nin, nouts, activation, output_activation, seed, drawn)


def networks(**kwargs: Any) -> st.SearchStrategy[MLP]:
    """MLPs built from ``net_specs(**kwargs)``."""
    return net_specs(**kwargs).map(NetSpec.build)


def network_inputs(nin: int) -> st.SearchStrategy[list[float]]:
    """An input x of ``nin`` floats from ``network_reals``."""
    return core.vectors(nin).map(list)


def targets(loss: str, n: int) -> st.SearchStrategy[list[float]]:
    """A target y of ``n`` values that suits ``loss`` (a key of ``nn.LOSSES``).

    Squared errors: any reals in [-2, 2]. Binary cross-entropy: labels 0 or 1, or soft labels
    in [0, 1]. Cross-entropy: a one-hot vector (the case N004.CE treats).
    """
    if loss not in LOSSES:
        raise ValueError(f"targets: unknown loss {loss!r}, choose one of {sorted(LOSSES)}")
    return core.targets(LOSS_TARGETS[loss][0], n).map(list)


@dataclass
class Problem:
    """A network (``spec``, ``model``), a ``loss`` (a key of ``nn.LOSSES``), a batch xs, ys."""

    spec: NetSpec
    model: MLP
    loss: str
    xs: list[list[float]]
    ys: list[list[float]]


@st.composite
def problems(
    draw: st.DrawFn,
    /,
    loss: str | None = None,
    *,
    min_batch: int = 1,
    max_batch: int = 5,
    **spec_kwargs: Any,
) -> Problem:
    """A network whose output suits ``loss`` (drawn if None), with a batch of 1 to 5 examples.

    Binary cross-entropy gets a sigmoid output layer, cross-entropy a softmax one (so both
    stay in their domain); the squared errors get any output activation.
    """
    name = draw(st.sampled_from(sorted(LOSSES))) if loss is None else loss
    if name not in LOSSES:
        raise ValueError(f"problems: unknown loss {name!r}, choose one of {sorted(LOSSES)}")
    kind, outputs = LOSS_TARGETS[name]
    if kind != "real":
        spec_kwargs["output_activations"] = outputs
    spec = draw(net_specs(**spec_kwargs))
    m = draw(st.integers(min_batch, max_batch))
    xs = [draw(network_inputs(spec.nin)) for _ in range(m)]
    ys = [draw(targets(name, spec.nouts[-1])) for _ in range(m)]
    return Problem(spec, spec.build(), name, xs, ys)


def network_data(**kwargs: Any) -> st.SearchStrategy[NetworkData]:
    """``autograd.strategies.networks`` with nn's activation names (output: any, or as drawn)."""
    kwargs.setdefault("output_activations", (*OUTPUT_ACTIVATIONS, None))
    return core.networks(ACTIVATIONS, **kwargs)


def network_problems(**kwargs: Any) -> st.SearchStrategy[NetworkProblem]:
    """``autograd.strategies.network_problems`` with nn's activations and ``LOSS_TARGETS``."""
    return core.network_problems(ACTIVATIONS, LOSS_TARGETS, **kwargs)


def relu_margin(model: MLP, xs: Sequence[Sequence[float]]) -> float:
    """The smallest |z_j^(l)| of any relu neuron over the inputs ``xs`` (inf if there is none).

    relu has a kink at 0: a test that compares with central differences should
    ``assume(relu_margin(model, xs) > 1e-3)`` or so.
    """
    smallest = math.inf
    for x in xs:
        for l, (zs, _) in enumerate(model.forward_trace(list(x))):
            if l and model.layers[l - 1].activation == "relu":
                smallest = min([smallest, *(abs(z.data) for z in zs)])
    return smallest
