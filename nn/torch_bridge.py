"""Moving a network between chainrule and PyTorch: ``to_torch(mlp)`` and ``from_torch(module)``.

``to_torch`` builds a ``torch.nn.Sequential`` that computes what the ``nn.MLP`` computes, in
float64: one ``torch.nn.Linear`` per layer (``weight[j, k]`` = w_jk^(l), ``bias[j]`` = b_j^(l))
followed by the layer's activation (``Sigmoid``, ``Tanh``, ``ReLU``, ``Identity``, or
``Softmax(dim=-1)`` for a softmax output layer). It takes a batch: inputs of shape
(examples, n_0) give outputs of shape (examples, n_L), where the MLP takes one example at a
time. ``from_torch`` reads such a Sequential (one made by ``to_torch``, or any stack of
``Linear`` layers with those activations between them) back, as the ``serialize.Checkpoint``
that ``MLP.from_torch(module)`` builds a new ``nn.MLP`` from (this module cannot import
``nn.module``, which imports it).

PyTorch is optional: ``pip install 'chainrule[torch]'``. Only these two functions import it,
so ``import nn`` never does. They are used as ``MLP.to_torch()`` and ``MLP.from_torch(module)``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from nn.serialize import Checkpoint

if TYPE_CHECKING:
    from nn.module import MLP

#: The torch module class for each of nn's activations (by class name, so that this file can
#: be imported without torch).
TORCH_ACTIVATIONS: dict[str, str] = {
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "ReLU",
    "linear": "Identity",
    "softmax": "Softmax",
}
_FROM_TORCH = {cls: act for act, cls in TORCH_ACTIVATIONS.items()}


def _torch() -> Any:
    """The torch module, or ImportError saying how to install it."""
    try:
        import torch
    except ImportError as e:
        raise ImportError(
            "moving a network to or from PyTorch needs torch: pip install 'chainrule[torch]' "
            f"(or pip install torch); importing it failed: {e}"
        ) from e
    return torch


def to_torch(model: MLP) -> Any:
    """A float64 ``torch.nn.Sequential`` computing ``model``: same weights, same activations.

    The weights are copied: training one of the two networks leaves the other as it was.
    """
    torch = _torch()
    modules: list[Any] = []
    for layer in model.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if layer.activation == "softmax":
            modules.append(torch.nn.Softmax(dim=-1))
        else:
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[layer.activation])())
    return torch.nn.Sequential(*modules)


def _activation_of(module: Any, position: int) -> str:
    """nn's name for the torch activation ``module`` (at ``position`` in the Sequential)."""
    name = type(module).__name__
    act = _FROM_TORCH.get(name)
    if act is None:
        raise ValueError(
            f"from_torch: module {position} is {module!r}, which nn.MLP cannot hold: it reads "
            f"Linear layers, each optionally followed by one of {', '.join(_FROM_TORCH)}"
        )
    if act == "softmax" and module.dim not in (-1, 1):
        raise ValueError(
            f"from_torch: module {position} is {module!r}: an MLP's softmax runs over the "
            "outputs of one example, dim=-1"
        )
    return act


def from_torch(module: Any) -> Checkpoint:
    """The layer sizes, activations and weights of the torch ``module``, for ``MLP.from_torch``.

    ``module`` is a ``torch.nn.Sequential`` (or a single ``Linear``) of ``Linear`` layers, each
    followed by at most one activation: ``Sigmoid``, ``Tanh``, ``ReLU``, ``Identity`` or, after
    the last layer only, ``Softmax(dim=-1)``; a Linear with no activation after it is linear.
    Weights of any floating dtype are read as Python floats (float32 converts exactly).
    Anything else raises ValueError naming the module.
    """
    torch = _torch()
    if isinstance(module, torch.nn.Linear):
        children = [module]
    elif isinstance(module, torch.nn.Sequential):
        children = list(module)
    else:
        raise ValueError(
            f"from_torch needs a torch.nn.Sequential of Linear layers and activations, got "
            f"{type(module).__name__}"
        )
    linears: list[Any] = []
    acts: list[str] = []
    for position, child in enumerate(children):
        if isinstance(child, torch.nn.Linear):
            if linears and len(acts) < len(linears):
                acts.append("linear")  # two Linear layers in a row: the first is linear
            if linears and child.in_features != linears[-1].out_features:
                raise ValueError(
                    f"from_torch: module {position} is {child!r}, which reads "
                    f"{child.in_features} inputs, but the layer before it has "
                    f"{linears[-1].out_features} outputs"
                )
            linears.append(child)
        else:
            act = _activation_of(child, position)
            if len(acts) == len(linears):
                raise ValueError(
                    f"from_torch: module {position} is {child!r}, with no Linear layer "
                    "before it of its own: an MLP has one activation per layer"
                )
            acts.append(act)
    if not linears:
        raise ValueError("from_torch: the module has no Linear layer")
    if len(acts) < len(linears):
        acts.append("linear")
    if "softmax" in acts[:-1]:
        raise ValueError(
            f"from_torch: Softmax after layer {acts.index('softmax') + 1} of {len(acts)}: an "
            "MLP has softmax only as its output activation"
        )
    sizes = [linears[0].in_features, *(lin.out_features for lin in linears)]
    weights: list[list[list[float]]] = []
    biases: list[list[float]] = []
    with torch.no_grad():
        for l, linear in enumerate(linears, start=1):
            weight = linear.weight.detach().to("cpu", torch.float64).tolist()
            bias = (
                linear.bias.detach().to("cpu", torch.float64).tolist()
                if linear.bias is not None
                else [0.0] * linear.out_features
            )
            weights.append(
                [
                    [_finite(w, f"w_{{{j},{k}}}^({l})") for k, w in enumerate(row)]
                    for j, row in enumerate(weight)
                ]
            )
            biases.append([_finite(b, f"b_{{{j}}}^({l})") for j, b in enumerate(bias)])
    return Checkpoint(sizes, acts, weights, biases)


def _finite(x: float, name: str) -> float:
    """``x``, or ValueError naming the parameter when it is inf or nan."""
    if not math.isfinite(x):
        raise ValueError(f"from_torch: {name} is {x!r}; an MLP's weights must be finite")
    return x
