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
from nn.checks import values
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
    zs = values(z, "softmax", "value", lambda j: f"z[{j}]")
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
    #: The name a picture of the network shows (``viz.draw_network``).
    symbol: str
    #: Weights are drawn uniformly from ±gain·√(3/n_in), so that Var w = gain²/n_in.
    init_gain: float
    #: Neuron by neuron: the engine's a_j = σ(z_j), and the notes' σ(z) and σ'(z) by hand.
    engine: Callable[[Value], Value] | None = None
    hand: Callable[[float], float] | None = None
    hand_derivative: Callable[[float], float] | None = None
    #: How ``explain`` writes the chain rule's factor σ'(z).
    prime: str = ""
    #: Layer-wide: the layer's a^(l) from its z^(l), the engine's and by hand; by hand also
    #: δ^(l) from z^(l) and ∂C/∂a^(l), and the Jacobian J[i][m] = ∂a_m/∂z_i from z^(l).
    engine_layer: Callable[[Sequence[Value]], list[Value]] | None = None
    hand_layer: Callable[[Sequence[float]], list[float]] | None = None
    hand_layer_backward: Callable[[Sequence[float], Sequence[float]], list[float]] | None = None
    hand_jacobian: Callable[[Sequence[float]], list[list[float]]] | None = None
    #: How ``explain`` writes δ_j^(l) = Σ_i (∂a_i/∂z_j) ∂C/∂a_i (``{l}``, ``{j}`` filled in),
    #: and the formula id it cites.
    jacobian_text: str = ""
    formula: str = ""

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
        "sigmoid",
        "σ",
        2.0,
        engine=Value.sigmoid,
        hand=hand.sigmoid,
        hand_derivative=hand.d_sigmoid,
        prime="σ'",
    ),
    Activation(
        "tanh",
        "tanh",
        1.0,
        engine=Value.tanh,
        hand=hand.tanh,
        hand_derivative=hand.d_tanh,
        prime="tanh'",
    ),
    Activation(
        "relu",
        "ReLU",
        math.sqrt(2.0),
        engine=Value.relu,
        hand=hand.relu,
        hand_derivative=hand.d_relu,
        prime="relu'",
    ),
    Activation(
        "linear",
        "linear",
        1.0,
        engine=_identity,
        hand=hand.linear,
        hand_derivative=hand.d_linear,
        prime="id'",
    ),
    Activation(
        "softmax",
        "softmax",
        1.0,
        engine_layer=softmax,
        hand_layer=hand.softmax,
        hand_layer_backward=hand.softmax_layer_backward,
        hand_jacobian=hand.softmax_layer_jacobian,
        jacobian_text="Σ_i a_i^({l})(δ_i{j} − a_{j}^({l})) ∂C/∂a_i^({l})",
        formula="N004.softmax",
    ),
)

BY_NAME: dict[str, Activation] = {a.name: a for a in TABLE}
#: Activations applied neuron by neuron: any layer may use them.
ACTIVATIONS: tuple[str, ...] = tuple(a.name for a in TABLE if a.elementwise)
#: What the output layer may use: any of those, or a layer-wide one (softmax).
OUTPUT_ACTIVATIONS: tuple[str, ...] = tuple(a.name for a in TABLE)
#: The initialisation gain of each activation, by name.
INIT_GAIN: dict[str, float] = {a.name: a.init_gain for a in TABLE}
