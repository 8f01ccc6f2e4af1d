"""Stochastic gradient descent: the notes' update rule θ := θ − α ∂C/∂θ (N002.7).

>>> from autograd import Value
>>> w = Value(1.0)
>>> (w * w).backward()  # ∂(w²)/∂w = 2
>>> opt = SGD([w], lr=0.25)
>>> opt.step()
>>> w.data
0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value, no_grad
from nn.checks import is_real


def _positive_finite(name: str, value: object) -> float:
    if not is_real(value):
        raise TypeError(f"SGD {name} must be a number, got {type(value).__name__} {value!r}")
    f = float(value)
    if not (math.isfinite(f) and f > 0.0):
        raise ValueError(f"SGD {name} must be positive and finite, got {f!r}")
    return f


class SGD:
    """Gradient descent on ``parameters`` with learning rate α = ``lr``.

    Without momentum (μ = 0) each ``step()`` is θ := θ − α ∂C/∂θ (N002.7). With momentum μ in
    (0, 1) every parameter keeps a velocity v (0 at first) and a step is
    v := μ v + ∂C/∂θ, then θ := θ − α v, so a gradient that keeps its sign builds up speed.
    ``∂C/∂θ`` is the parameter's ``grad`` as ``backward`` left it; ``zero_grad()`` resets
    it before the next pass.
    """

    def __init__(self, parameters: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        self.parameters = list(parameters)
        for i, p in enumerate(self.parameters):
            if not isinstance(p, Value):
                raise TypeError(f"SGD parameter {i} must be a Value, got {type(p).__name__}")
        if not self.parameters:
            raise ValueError("SGD got an empty list of parameters: nothing to train")
        self.lr = _positive_finite("lr", lr)
        if not is_real(momentum):
            raise TypeError(f"SGD momentum must be a number, got {type(momentum).__name__}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity = [0.0] * len(self.parameters)

    def step(self) -> None:
        """θ := θ − α ∂C/∂θ for every parameter (with momentum: v := μv + ∂C/∂θ; θ := θ − αv).

        Every gradient is checked first: a nan or infinite one raises ValueError naming the
        parameter, and no parameter moves.
        """
        params = self.parameters
        grads = [p.grad for p in params]
        for p, g in zip(params, grads, strict=True):
            if not is_real(g) or not math.isfinite(g):
                raise ValueError(
                    f"SGD.step: the gradient of {p.label or 'a parameter'} is {g!r}; "
                    "no parameter was updated"
                )
        lr = self.lr
        with no_grad():
            if self.momentum == 0.0:
                for p, g in zip(params, grads, strict=True):
                    p.data -= lr * g
            else:
                mu = self.momentum
                vel = self.velocity
                for i, (p, g) in enumerate(zip(params, grads, strict=True)):
                    v = mu * vel[i] + g
                    vel[i] = v
                    p.data -= lr * v

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.parameters:
            p.grad = 0.0
