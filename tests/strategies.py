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
# Networks (nn tests and the by-hand tests): MLPs of 1 to 4 layers of 1 to 6 neurons with every
# activation (one name or one per layer, and softmax on the output), their inputs, targets that
# suit each loss, and batches of 1 to 5 examples.

import math  # noqa: E402 (this block's own imports, kept beside the strategies that use them)
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

from nn import ACTIVATIONS, LOSSES, MLP, OUTPUT_ACTIVATIONS  # noqa: E402

__all__ += [
    "NetSpec",
    "Problem",
    "activations",
    "net_specs",
    "network_inputs",
    "networks",
    "problems",
    "relu_margin",
    "targets",
]

#: One of the element-wise activations (sigmoid, tanh, relu, linear).
activations = st.sampled_from(ACTIVATIONS)
#: Network inputs and drawn weights: order 1, so that 4 layers stay far from overflow.
network_reals = reals(-2.0, 2.0)


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


@st.composite
def net_specs(
    draw: st.DrawFn,
    *,
    min_layers: int = 1,
    max_layers: int = 4,
    max_neurons: int = 6,
    max_inputs: int = 6,
    output_activations: tuple[str | None, ...] = (*OUTPUT_ACTIVATIONS, None),
    weights: st.SearchStrategy[float] | None = network_reals,
) -> NetSpec:
    """An MLP's arguments: sizes, one activation or a list of them, an output activation.

    ``weights`` draws every weight and bias (default: ``network_reals``); None keeps the
    seeded fan-in initialisation, with zero biases.
    """
    nin = draw(st.integers(1, max_inputs))
    nouts = tuple(
        draw(st.lists(st.integers(1, max_neurons), min_size=min_layers, max_size=max_layers))
    )
    activation: str | tuple[str, ...]
    if draw(st.booleans()):
        activation = draw(activations)
    else:
        activation = tuple(draw(activations) for _ in nouts)
    output_activation = draw(st.sampled_from(output_activations))
    seed = draw(st.integers(0, 2**32 - 1))
    drawn = None
    if weights is not None:
        sizes = (nin, *nouts)
        drawn = tuple(
            tuple(tuple(draw(weights) for _ in range(sizes[l - 1] + 1)) for _ in range(sizes[l]))
            for l in range(1, len(sizes))
        )
    return NetSpec(nin, nouts, activation, output_activation, seed, drawn)


def networks(**kwargs: Any) -> st.SearchStrategy[MLP]:
    """MLPs built from ``net_specs(**kwargs)``."""
    return net_specs(**kwargs).map(NetSpec.build)


def network_inputs(nin: int) -> st.SearchStrategy[list[float]]:
    """An input x of ``nin`` floats from ``network_reals``."""
    return st.lists(network_reals, min_size=nin, max_size=nin)


def targets(loss: str, n: int) -> st.SearchStrategy[list[float]]:
    """A target y of ``n`` values that suits ``loss`` (a key of ``nn.LOSSES``).

    Squared errors: any reals in [-2, 2]. Binary cross-entropy: labels 0 or 1, or soft labels
    in [0, 1]. Cross-entropy: a one-hot vector (the case N004.CE treats).
    """
    if loss not in LOSSES:
        raise ValueError(f"targets: unknown loss {loss!r}, choose one of {sorted(LOSSES)}")
    if loss == "binary_cross_entropy":
        label = st.one_of(st.sampled_from([0.0, 1.0]), reals(0.0, 1.0))
        return st.lists(label, min_size=n, max_size=n)
    if loss == "cross_entropy":
        return st.integers(0, n - 1).map(lambda c: [1.0 if j == c else 0.0 for j in range(n)])
    return st.lists(reals(-2.0, 2.0), min_size=n, max_size=n)


@dataclass
class Problem:
    """A network (``spec``, ``model``), a ``loss`` (a key of ``nn.LOSSES``), a batch xs, ys."""

    spec: NetSpec
    model: MLP
    loss: str
    xs: list[list[float]]
    ys: list[list[float]]


#: The output activation each loss is meant for; squared errors take any.
_OUTPUT_FOR_LOSS: dict[str, tuple[str | None, ...]] = {
    "binary_cross_entropy": ("sigmoid",),
    "cross_entropy": ("softmax",),
}


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
    if name in _OUTPUT_FOR_LOSS:
        spec_kwargs["output_activations"] = _OUTPUT_FOR_LOSS[name]
    spec = draw(net_specs(**spec_kwargs))
    m = draw(st.integers(min_batch, max_batch))
    xs = [draw(network_inputs(spec.nin)) for _ in range(m)]
    ys = [draw(targets(name, spec.nouts[-1])) for _ in range(m)]
    return Problem(spec, spec.build(), name, xs, ys)


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
