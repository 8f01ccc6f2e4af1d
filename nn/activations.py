"""The activation table: one row per activation, as ``autograd/rules.py`` has one per primitive.

A row holds everything the project knows of an activation: the engine's function (on Values),
the notes' function and derivative by hand (plain floats, ``nn.formulas.activations``), the
symbol a picture shows, the σ' text ``explain`` prints, the initialisation gain, and whether it
acts neuron by neuron or on the whole layer (softmax). Every other list of activations (nn's,
``nn.byhand``'s, the files', the command line's, viz's) is read from ``TABLE``; adding one is a
row here plus its tests (tests/test_activations.py fails for a row without them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd import Value
from nn.formulas import activations as hand


def _identity(z: Value) -> Value:
    """The linear activation a = z, as its own node (a one-term sum) so that a_j can be labelled."""
    return Value.sum((z,))


def softmax(z: Sequence[Value]) -> list[Value]:
    """a_j = e^(z_j − max z) / Σ_k e^(z_k − max z) (stable: every exponent is <= 0).

    The shift is a constant (softmax does not change when all z move together), so the
    gradient is that of the unshifted formula; its Jacobian is ∂a_j/∂z_i = a_j(δ_ij − a_i)
    (N004.softmax).

    >>> [round(v.data, 6) for v in softmax([Value(1.0), Value(1.0)])]
    [0.5, 0.5]
    """
    zs = list(z)
    if not zs:
        raise ValueError("softmax needs at least one value, got an empty list")
    for j, v in enumerate(zs):
        if not isinstance(v, Value):
            raise TypeError(f"softmax: z[{j}] must be a Value, got {type(v).__name__} {v!r}")
    m = max(v.data for v in zs)
    if not math.isfinite(m):
        raise ValueError(f"softmax: max z must be finite, got {m!r}")
    es = [(v - m).exp() for v in zs]
    s = Value.sum(es)
    return [e / s for e in es]


@dataclass(frozen=True)
class Activation:
    """One activation σ: a = σ(z), neuron by neuron, or a = σ(z) for the whole layer."""

    name: str
    #: The engine's a_j = σ(z_j) of one neuron (None for a layer-wide activation).
    engine: Callable[[Value], Value] | None
    #: The notes' σ(z) and σ'(z) by hand, neuron by neuron (None for a layer-wide activation).
    hand: Callable[[float], float] | None
    hand_derivative: Callable[[float], float] | None
    #: The layer's a^(l) from its z^(l): the engine's and by hand (layer-wide activations only).
    engine_layer: Callable[[Sequence[Value]], list[Value]] | None
    hand_layer: Callable[[Sequence[float]], list[float]] | None
    #: δ^(l) = ∂C/∂z^(l) from z^(l) and ∂C/∂a^(l), by hand (layer-wide activations only).
    hand_layer_backward: Callable[[Sequence[float], Sequence[float]], list[float]] | None
    #: The name a picture of the network shows (``viz.draw_network``).
    symbol: str
    #: How ``explain`` writes the chain rule's factor σ'(z) ("" for a layer-wide activation).
    prime: str
    #: Weights are drawn uniformly from ±gain·√(3/n_in), so that Var w = gain²/n_in.
    init_gain: float

    @property
    def elementwise(self) -> bool:
        """True if it acts neuron by neuron; False for a layer-wide one (softmax)."""
        return self.engine is not None

    def apply(self, zs: Sequence[Value]) -> list[Value]:
        """The engine's a^(l) = σ(z^(l)) for a whole layer."""
        if self.engine is not None:
            return [self.engine(z) for z in zs]
        assert self.engine_layer is not None  # a row has one of the two (checked in its test)
        return self.engine_layer(zs)

    def apply_by_hand(self, zs: Sequence[float]) -> list[float]:
        """The notes' a^(l) = σ(z^(l)) for a whole layer, in plain floats."""
        if self.hand is not None:
            return [self.hand(z) for z in zs]
        assert self.hand_layer is not None
        return self.hand_layer(zs)


# The gains: fan-in scaling makes z = Σ_k w_k a_k have the variance of one a_k times gain².
# σ'(z) <= 1/4 shrinks the signal going back through every sigmoid layer, and a gain of 2
# makes up for part of it (docs/notes.md has the measurement); ReLU's gain √2 makes up for the
# half of the inputs it zeroes (He et al.).
TABLE: tuple[Activation, ...] = (
    Activation(
        "sigmoid", Value.sigmoid, hand.sigmoid, hand.d_sigmoid, None, None, None, "σ", "σ'", 2.0
    ),
    Activation("tanh", Value.tanh, hand.tanh, hand.d_tanh, None, None, None, "tanh", "tanh'", 1.0),
    Activation(
        "relu",
        Value.relu,
        hand.relu,
        hand.d_relu,
        None,
        None,
        None,
        "ReLU",
        "relu'",
        math.sqrt(2.0),
    ),
    Activation(
        "linear", _identity, hand.linear, hand.d_linear, None, None, None, "linear", "id'", 1.0
    ),
    Activation(
        "softmax",
        None,
        None,
        None,
        softmax,
        hand.softmax,
        hand.softmax_layer_backward,
        "softmax",
        "",
        1.0,
    ),
)

BY_NAME: dict[str, Activation] = {a.name: a for a in TABLE}
#: Activations applied neuron by neuron: any layer may use them.
ACTIVATIONS: tuple[str, ...] = tuple(a.name for a in TABLE if a.elementwise)
#: What the output layer may use: any of those, or a layer-wide one (softmax).
OUTPUT_ACTIVATIONS: tuple[str, ...] = tuple(a.name for a in TABLE)
#: The initialisation gain of each activation, by name.
INIT_GAIN: dict[str, float] = {a.name: a.init_gain for a in TABLE}
