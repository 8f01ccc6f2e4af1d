"""nn: neurons, layers and MLPs on Value, in the notation of the notes; losses, SGD, and
``explain`` (the notes' chain rule for one weight, by hand, beside the engine's number).

>>> from nn import MLP, SGD, squared_error
>>> model = MLP(2, [2, 1], seed=1)
>>> loss = squared_error(model([0.5, -1.0]), 1.0)
>>> model.zero_grad()
>>> loss.backward()
>>> SGD(model.parameters(), lr=0.5).step()
>>> squared_error(model([0.5, -1.0]), 1.0).data < loss.data
True
"""

from nn.install import autograd_problem

#: None when ``autograd`` is chainrule's engine; otherwise the one line that says which package
#: is in its place and how to fix it (``nn.install``). nn's names then raise ImportError with it.
INSTALL_PROBLEM = autograd_problem()

if INSTALL_PROBLEM is None:
    from nn.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
    from nn.byhand import explain
    from nn.formula_check import check
    from nn.losses import (
        LOSSES,
        binary_cross_entropy,
        cross_entropy,
        mean,
        mean_squared_error,
        softmax,
        squared_error,
    )
    from nn.module import MLP, Layer, Module, Neuron
    from nn.optim import SGD
else:

    def __getattr__(name: str) -> object:
        raise ImportError(INSTALL_PROBLEM)


__all__ = [
    "ACTIVATIONS",
    "INSTALL_PROBLEM",
    "LOSSES",
    "MLP",
    "OUTPUT_ACTIVATIONS",
    "SGD",
    "Layer",
    "Module",
    "Neuron",
    "binary_cross_entropy",
    "check",
    "cross_entropy",
    "explain",
    "mean",
    "mean_squared_error",
    "softmax",
    "squared_error",
]
