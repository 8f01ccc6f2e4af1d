"""chainrule's engine: ``Value``, a float that records its computation and back-propagates.

>>> from autograd import Value
>>> a, b = Value(2.0, "a"), Value(-3.0, "b")
>>> c = a * b + a
>>> c.backward()
>>> a.grad, b.grad
(-2.0, 2.0)
"""

from autograd.check import (
    GradcheckError,
    central_difference,
    check_derivative,
    gradcheck,
    gradgradcheck,
)
from autograd.compile import Compiled, TraceMismatchError, compile
from autograd.engine import (
    Constant,
    Value,
    backward_order,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    topological_order,
)

__all__ = [
    "Compiled",
    "Constant",
    "GradcheckError",
    "TraceMismatchError",
    "Value",
    "backward_order",
    "central_difference",
    "check_derivative",
    "compile",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
]
