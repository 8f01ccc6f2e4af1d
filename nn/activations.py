"""The activations a layer may use, by name: the one list that nn, the files and the CLI share.

Element-wise activations act neuron by neuron; "softmax", layer-wide, is only for the output
layer.
"""

from __future__ import annotations

#: Activations applied neuron by neuron.
ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "linear")
#: What the output layer may use: any of those, or the layer-wide softmax.
OUTPUT_ACTIVATIONS: tuple[str, ...] = (*ACTIVATIONS, "softmax")
