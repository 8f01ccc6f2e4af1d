"""The notes' formulas by hand: plain floats, one function per formula, no ``Value``.

Each function implements one formula of the five handwritten notes, in the notation they
share (docs/notation.md), and cites its id in its docstring (``grep -r N000.22 nn tests`` finds
it and its test). They live in ``nn.formulas``, one module per seam (costs, activations, layers,
the algorithm N002.DP, explain); this module gathers their names in one namespace. Layers
count from 1, neurons from 0; a matrix ``W`` is a list of rows, ``W[j][k]`` being w_jk^(l); a
vector is a list of floats.

``gradients`` runs the notes' whole algorithm (N002.DP) on an ``nn.MLP``'s weights: a forward
pass that keeps every z_j^(l) and a_j^(l), then the deltas from the output layer down, and
returns every ∂C/∂w_jk^(l) and ∂C/∂b_j^(l). ``explain`` prints the chain of factors for one
weight beside the engine's number, and ``table`` the whole backward pass layer by layer
(z, a, σ'(z), ∂C/∂a, δ, ∂C/∂b, ∂C/∂w) with a verdict; they are the two functions here that
build a ``Value`` graph, to get the reference numbers from ``autograd.grad``.

>>> W = [[[0.5, -0.25]], [[2.0]]]  # a 2 -> 1 -> 1 network of sigmoid neurons
>>> b = [[0.0], [0.0]]
>>> fp = forward(W, b, ["sigmoid", "sigmoid"], [1.0, 2.0])
>>> fp.z[1], fp.a[1]
([0.0], [0.5])
>>> dW, db = backpropagate(W, b, ["sigmoid", "sigmoid"], fp, [1.0]).gradients()
>>> [round(g, 6) for g in dW[1][0]], [round(g, 6) for g in db[1]]
([-0.052877], [-0.105754])
"""

from nn.formulas.activations import (
    d_linear,
    d_relu,
    d_sigmoid,
    d_tanh,
    linear,
    relu,
    sigmoid,
    softmax,
    softmax_backward,
    softmax_jacobian,
    tanh,
)
from nn.formulas.algorithm import (
    BackwardPass,
    backpropagate,
    batch_gradients,
    gradient_descent_step,
    gradients,
)
from nn.formulas.common import (
    Matrix,
    Target,
    Vector,
    column,
    hadamard,
    matmul,
    row,
    shape,
    transpose,
)
from nn.formulas.costs import (
    batch_mean,
    binary_cross_entropy,
    cross_entropy,
    d_binary_cross_entropy,
    d_cross_entropy,
    d_mean_squared_error,
    d_squared_error,
    mean_squared_error,
    sigmoid_bce_delta,
    softmax_cross_entropy_delta,
    squared_error,
)
from nn.formulas.explanation import (
    explain,
)
from nn.formulas.layers import (
    ACTIVATION_NAMES,
    COST_DERIVATIVES,
    COSTS,
    LOSS_NAMES,
    ForwardPass,
    Network,
    activate,
    activation_backward,
    activation_bias_derivative,
    activation_gradients_below,
    activation_weight_derivative,
    bce_delta_2,
    bce_gradient_w1,
    bce_gradient_w2,
    bias_gradients,
    delta_recursion,
    derivative,
    forward,
    hidden_weight_gradient_one,
    hidden_weight_gradients,
    jacobian_product,
    layer_jacobian,
    output_bias_gradient_one,
    output_bias_gradients,
    output_delta,
    output_weight_gradient_one,
    output_weight_gradients,
    read_activations,
    read_weights,
    sigmoid_bce_output_gradients,
    weight_gradients,
    weighted_inputs,
)
from nn.formulas.table import DeltaTable, table

__all__ = [
    "ACTIVATION_NAMES",
    "COSTS",
    "COST_DERIVATIVES",
    "LOSS_NAMES",
    "BackwardPass",
    "DeltaTable",
    "ForwardPass",
    "Matrix",
    "Network",
    "Target",
    "Vector",
    "activate",
    "activation_backward",
    "activation_bias_derivative",
    "activation_gradients_below",
    "activation_weight_derivative",
    "backpropagate",
    "batch_gradients",
    "batch_mean",
    "bce_delta_2",
    "bce_gradient_w1",
    "bce_gradient_w2",
    "bias_gradients",
    "binary_cross_entropy",
    "column",
    "cross_entropy",
    "d_binary_cross_entropy",
    "d_cross_entropy",
    "d_linear",
    "d_mean_squared_error",
    "d_relu",
    "d_sigmoid",
    "d_squared_error",
    "d_tanh",
    "delta_recursion",
    "derivative",
    "explain",
    "forward",
    "gradient_descent_step",
    "gradients",
    "hadamard",
    "hidden_weight_gradient_one",
    "hidden_weight_gradients",
    "jacobian_product",
    "layer_jacobian",
    "linear",
    "matmul",
    "mean_squared_error",
    "output_bias_gradient_one",
    "output_bias_gradients",
    "output_delta",
    "output_weight_gradient_one",
    "output_weight_gradients",
    "read_activations",
    "read_weights",
    "relu",
    "row",
    "shape",
    "sigmoid",
    "sigmoid_bce_delta",
    "sigmoid_bce_output_gradients",
    "softmax",
    "softmax_backward",
    "softmax_cross_entropy_delta",
    "softmax_jacobian",
    "squared_error",
    "table",
    "tanh",
    "transpose",
    "weight_gradients",
    "weighted_inputs",
]
