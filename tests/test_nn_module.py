"""Tests of ``nn.module``: the MLP's structure, indices, labels, forward pass and initialisation.

The oracle for the forward pass is ``float_forward`` below: the notes' equations
z_j^(l) = Σ_k w_jk^(l) a_k^(l−1) + b_j^(l), a_j^(l) = σ^(l)(z_j^(l)) written with plain floats
and the math module, reading the weights by their position in nested lists.
"""

from __future__ import annotations

import ast
import math
import random
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import nn
import nn.byhand
from autograd import Value
from nn import ACTIVATIONS, MLP, Layer, Module, Neuron
from nn.module import INIT_GAIN, parameter_count, refuse_huge
from tests.strategies import NetSpec, net_specs, network_inputs, networks

#: The label grammar of the contract (viz parses these labels).
LABEL = re.compile(r"^(w|b|z|a)_\{(\d+)(?:,(\d+))?\}\^\((\d+)\)$")

#: The oracle and the engine add the same products with math.fsum, and apply the same
#: functions up to one rounding (sigmoid may be evaluated by a different but equivalent
#: formula); through up to 4 layers of 6 neurons with weights of size <= 2 such a rounding
#: grows by at most (6·2)^4 ≈ 2e4, so relative agreement to 1e-9 leaves a wide margin while a
#: wrong weight or activation shows as an error of order 1.
REL = 1e-9
ABS = 1e-12


def sigmoid(z: float) -> float:
    """σ(z) = 1 / (1 + e^−z), without overflow for very negative z."""
    if z < -700.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def activate(name: str, zs: list[float]) -> list[float]:
    """σ^(l) applied to a layer's weighted inputs, by the activation's name."""
    if name == "sigmoid":
        return [sigmoid(z) for z in zs]
    if name == "tanh":
        return [math.tanh(z) for z in zs]
    if name == "relu":
        return [z if z > 0.0 else 0.0 for z in zs]
    if name == "linear":
        return list(zs)
    if name == "softmax":
        m = max(zs)
        es = [math.exp(z - m) for z in zs]
        s = math.fsum(es)
        return [e / s for e in es]
    raise AssertionError(f"no oracle for {name}")


def weights_of(model: MLP) -> tuple[list[list[list[float]]], list[list[float]]]:
    """W[l-1][j][k] and B[l-1][j], read through the contract's attributes."""
    W = [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers]
    B = [[n.b.data for n in layer.neurons] for layer in model.layers]
    return W, B


def float_forward(
    W: list[list[list[float]]],
    B: list[list[float]],
    activations: Sequence[str],
    x: Sequence[float],
) -> list[tuple[list[float], list[float]]]:
    """[(z^(l), a^(l)) for l = 0..L] with plain floats: the notes' forward equations."""
    trace: list[tuple[list[float], list[float]]] = [([], list(x))]
    a = list(x)
    for Wl, bl, name in zip(W, B, activations, strict=True):
        z = [
            math.fsum([*(w * ak for w, ak in zip(row, a, strict=True)), bj])
            for row, bj in zip(Wl, bl, strict=True)
        ]
        a = activate(name, z)
        trace.append((z, a))
    return trace


def close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=REL, abs_tol=ABS)


# -- structure ------------------------------------------------------------------------------


def test_structure_follows_the_contract() -> None:
    """sizes, layers[l-1], neurons[j], w[k], b, activation: the contract's attribute names."""
    model = MLP(3, [4, 2], seed=0)
    assert model.sizes == [3, 4, 2]
    assert [len(layer.neurons) for layer in model.layers] == [4, 2]
    assert all(isinstance(m, Module) for m in (model, *model.layers))
    for ell, layer in enumerate(model.layers, start=1):
        assert isinstance(layer, Layer)
        assert layer.activation == "sigmoid"  # the notes' default
        for j, neuron in enumerate(layer.neurons):
            assert isinstance(neuron, Neuron)
            assert len(neuron.w) == model.sizes[ell - 1]
            assert neuron.activation == "sigmoid"
            assert neuron.b is model.b(ell, j)
            for k, w in enumerate(neuron.w):
                assert w is model.w(ell, j, k)


def test_parameters_are_listed_layer_by_layer_weights_then_bias() -> None:
    """parameters() = for each layer, for each neuron j: w_j0 .. w_j(n-1), then b_j."""
    model = MLP(2, [3, 2], seed=1)
    expected = [
        p
        for ell in (1, 2)
        for j in range(model.sizes[ell])
        for p in [*(model.w(ell, j, k) for k in range(model.sizes[ell - 1])), model.b(ell, j)]
    ]
    params = model.parameters()
    assert len(params) == 2 * 3 + 3 + 3 * 2 + 2
    assert all(p is q for p, q in zip(params, expected, strict=True))


def test_parameter_labels_are_the_contracts_strings() -> None:
    """w_{j,k}^(l) and b_{j}^(l), e.g. w_{2,1}^(2), matching viz's regex."""
    model = MLP(2, [3, 4], seed=2)
    assert model.w(2, 2, 1).label == "w_{2,1}^(2)"
    assert model.b(1, 0).label == "b_{0}^(1)"
    for ell in (1, 2):
        for j in range(model.sizes[ell]):
            assert model.b(ell, j).label == "b_{" + str(j) + "}^(" + str(ell) + ")"
            for k in range(model.sizes[ell - 1]):
                label = model.w(ell, j, k).label
                assert label == "w_{" + f"{j},{k}" + "}^(" + str(ell) + ")"
                m = LABEL.match(label)
                assert m is not None
                assert m.groups() == ("w", str(j), str(k), str(ell))


@given(spec=net_specs(), data=st.data())
def test_forward_pass_nodes_are_labelled_z_and_a(spec: NetSpec, data: st.DataObject) -> None:
    """Each neuron's forward pass is one weighted-sum node z_{j}^(l) and one node a_{j}^(l)."""
    model = spec.build()
    x = data.draw(network_inputs(spec.nin))
    trace = model.forward_trace(x)
    assert len(trace) == len(spec.nouts) + 1
    assert trace[0][0] == []
    assert [v.data for v in trace[0][1]] == x  # the inputs, unchanged (exactness is the point)
    for ell in range(1, len(trace)):
        zs, acts = trace[ell]
        layer = model.layers[ell - 1]
        assert len(zs) == len(acts) == spec.nouts[ell - 1]
        for j, (z, a) in enumerate(zip(zs, acts, strict=True)):
            neuron = layer.neurons[j]
            assert z.label == f"z_{{{j}}}^({ell})"
            assert a.label == f"a_{{{j}}}^({ell})"
            assert LABEL.match(z.label)
            assert LABEL.match(a.label)
            assert z.op == "wsum"
            if ell == 1:  # plain-float inputs are the constants of the layer-1 z nodes
                assert z.parents == (*neuron.w, neuron.b)
                assert list(z.constants) == x
            else:
                assert z.parents == (*neuron.w, *trace[ell - 1][1], neuron.b)
            if layer.activation != "softmax":
                assert a.parents == (z,)  # a_j depends on z_j alone
            else:
                assert z in _ancestors(a)
    # The output of __call__ is the same computation as the trace's last layer.
    out = model.forward(x)
    assert [v.label for v in out] == [v.label for v in trace[-1][1]]


def _ancestors(v: Value) -> set[Value]:
    seen: set[Value] = set()
    stack = [v]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


# -- the forward pass -----------------------------------------------------------------------


@given(spec=net_specs(), data=st.data())
def test_forward_matches_the_notes_equations_in_floats(spec: NetSpec, data: st.DataObject) -> None:
    """Every z_j^(l) and a_j^(l) equals the float computation of the notes' forward equations."""
    model = spec.build()
    x = data.draw(network_inputs(spec.nin))
    W, B = weights_of(model)
    expected = float_forward(W, B, spec.layer_activations, x)
    got = model.forward_trace(x)
    for (ez, ea), (gz, ga) in zip(expected[1:], got[1:], strict=True):
        assert all(close(e, g.data) for e, g in zip(ez, gz, strict=True))
        assert all(close(e, g.data) for e, g in zip(ea, ga, strict=True))


def test_call_returns_one_value_for_one_output_and_a_list_otherwise() -> None:
    """As micrograd does: a single Value when the output layer has one neuron."""
    one = MLP(2, [3, 1], seed=0)([0.5, -0.5])
    many = MLP(2, [3, 2], seed=0)([0.5, -0.5])
    assert isinstance(one, Value)
    assert isinstance(many, list)
    assert len(many) == 2


def test_relu_hidden_linear_output_is_micrographs_mlp() -> None:
    """MLP(nin, nouts, "relu", "linear"): relu hidden layers and a linear output, by hand."""
    model = MLP(2, [3, 1], activation="relu", output_activation="linear", seed=0)
    assert model.activations == ["relu", "linear"]
    W1 = [[1.0, -2.0], [0.5, 0.25], [-1.0, -1.0]]
    b1 = [0.5, -1.0, 0.0]
    W2 = [[2.0, -3.0, 4.0]]
    b2 = [-0.5]
    for j, (row, b) in enumerate(zip(W1, b1, strict=True)):
        for k, w in enumerate(row):
            model.w(1, j, k).data = w
        model.b(1, j).data = b
    for k, w in enumerate(W2[0]):
        model.w(2, 0, k).data = w
    model.b(2, 0).data = b2[0]
    x = [1.0, 2.0]
    # Layer 1 by hand: z = (1 - 4 + 0.5, 0.5 + 0.5 - 1, -1 - 2 + 0) = (-2.5, 0, -3): relu
    # zeroes all three; then z^(2) = b = -0.5, and a linear output keeps it negative.
    out = model(x)
    assert isinstance(out, Value)
    assert out.data == -0.5  # every step is exact in binary (exactness is the point)
    x = [3.0, 1.0]
    # z^(1) = (3 - 2 + 0.5, 1.5 + 0.25 - 1, -3 - 1) = (1.5, 0.75, -4) -> a^(1) = (1.5, 0.75, 0)
    # z^(2) = 2·1.5 − 3·0.75 + 4·0 − 0.5 = 0.25, the output itself (linear).
    out = model(x)
    assert isinstance(out, Value)
    assert out.data == 0.25
    # Linear means a = z: ∂a/∂z = 1, so ∂out/∂w_{0,0}^(2) is a_0^(1) = 1.5 exactly.
    out.backward()
    assert model.w(2, 0, 0).grad == 1.5
    assert model.w(2, 0, 2).grad == 0.0  # its input, relu(−4), is 0
    assert model.w(1, 2, 0).grad == 0.0  # relu's derivative is 0 for z < 0


@given(spec=net_specs(), data=st.data())
def test_weight_w_ljk_is_the_weight_of_that_connection(spec: NetSpec, data: st.DataObject) -> None:
    """Perturbing model.w(l, j, k) moves z_j^(l) by h·a_k^(l−1) and nothing else in layer l."""
    model = spec.build()
    x = data.draw(network_inputs(spec.nin))
    L = len(spec.nouts)
    ell = data.draw(st.integers(1, L), label="ell")
    j = data.draw(st.integers(0, model.sizes[ell] - 1), label="j")
    k = data.draw(st.integers(0, model.sizes[ell - 1] - 1), label="k")
    h = 0.25
    before = model.forward_trace(x)
    W, B = weights_of(model)
    model.w(ell, j, k).data += h
    W[ell - 1][j][k] += h  # the oracle's own idea of which entry that is
    after = model.forward_trace(x)
    for below in range(ell):  # layers under l cannot see the change (exactness is the point)
        assert [v.data for v in after[below][1]] == [v.data for v in before[below][1]]
    a_k = before[ell - 1][1][k].data
    for i in range(model.sizes[ell]):
        moved = after[ell][0][i].data - before[ell][0][i].data
        # Only z_j moves, by h·a_k (up to the rounding of two sums of size ~|z|).
        predicted = h * a_k if i == j else 0.0
        scale = abs(before[ell][0][i].data) + abs(h * a_k)
        assert abs(moved - predicted) <= 1e-12 * (1.0 + scale)
    expected = float_forward(W, B, spec.layer_activations, x)
    assert all(close(e, g.data) for e, g in zip(expected[-1][1], after[-1][1], strict=True))


@given(spec=net_specs(), data=st.data())
def test_bias_b_lj_is_the_bias_of_that_neuron(spec: NetSpec, data: st.DataObject) -> None:
    """Perturbing model.b(l, j) moves z_j^(l) by h and no other z of layer l."""
    model = spec.build()
    x = data.draw(network_inputs(spec.nin))
    ell = data.draw(st.integers(1, len(spec.nouts)), label="ell")
    j = data.draw(st.integers(0, model.sizes[ell] - 1), label="j")
    h = 0.5
    before = [z.data for z in model.forward_trace(x)[ell][0]]
    model.b(ell, j).data += h
    after = [z.data for z in model.forward_trace(x)[ell][0]]
    for i, (zb, za) in enumerate(zip(before, after, strict=True)):
        predicted = h if i == j else 0.0
        assert abs((za - zb) - predicted) <= 1e-12 * (1.0 + abs(zb) + h)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.w(0, 0, 0), r"l=0 is out of range.*valid l is 1\.\.2"),
        (lambda m: m.w(3, 0, 0), r"l=3 is out of range.*valid l is 1\.\.2"),
        (lambda m: m.w(1, 4, 0), r"j=4 is out of range \(layer 1 has 4 neurons\).*0\.\.3"),
        (lambda m: m.w(2, -1, 0), r"j=-1 is out of range.*0\.\.1"),
        (lambda m: m.w(1, 0, 3), r"k=3 is out of range \(layer 1 has 3 inputs\).*0\.\.2"),
        (lambda m: m.w(2, 0, 4), r"k=4 is out of range.*0\.\.3"),
        (lambda m: m.b(2, 2), r"j=2 is out of range.*0\.\.1"),
        (lambda m: m.b(-1, 0), r"l=-1 is out of range.*1\.\.2"),
    ],
)
def test_out_of_range_indices_name_the_index_and_the_range(call: object, message: str) -> None:
    """Layers count from 1 and neurons from 0; Python's negative indices are not allowed."""
    model = MLP(3, [4, 2], seed=0)
    with pytest.raises(IndexError, match=message):
        call(model)  # type: ignore[operator]


def test_non_integer_indices_are_refused() -> None:
    model = MLP(3, [4, 2], seed=0)
    with pytest.raises(TypeError, match="l must be an int"):
        model.w(1.0, 0, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="k must be an int"):
        model.w(1, 0, True)


# -- initialisation ---------------------------------------------------------------------------


def test_seeded_initialisation_is_reproducible_and_leaves_the_global_rng_alone() -> None:
    """Same seed, same weights; another seed, other weights; random's global state untouched."""
    state = random.getstate()
    a = [p.data for p in MLP(5, [4, 3], seed=7).parameters()]
    b = [p.data for p in MLP(5, [4, 3], seed=7).parameters()]
    c = [p.data for p in MLP(5, [4, 3], seed=8).parameters()]
    MLP(5, [4, 3])  # seed=None: fresh entropy, still not the global generator
    assert random.getstate() == state
    assert a == b  # reproducible to the bit (exactness is the point)
    assert a != c


def test_initialisation_draws_from_the_documented_random_stream() -> None:
    """w_jk^(l) are the successive draws U(−r, r), r = gain·√(3/n_{l−1}), of Random(seed)."""
    model = MLP(3, [2, 1], activation=["relu", "sigmoid"], seed=11)
    rng = random.Random(11)
    for ell, name in ((1, "relu"), (2, "sigmoid")):
        r = INIT_GAIN[name] * math.sqrt(3.0 / model.sizes[ell - 1])
        for j in range(model.sizes[ell]):
            for k in range(model.sizes[ell - 1]):
                assert model.w(ell, j, k).data == rng.uniform(-r, r)  # the same draw, bit for bit
            assert model.b(ell, j).data == 0.0


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_initial_weights_are_scaled_by_fan_in(activation: str) -> None:
    """Var w = gain²/n_in and |w| <= gain·√(3/n_in): z keeps the scale of one input."""
    nin = 100
    model = MLP(nin, [100], activation=activation, seed=3)
    ws = [w for n in model.layers[0].neurons for w in (x.data for x in n.w)]
    gain = INIT_GAIN[activation]
    bound = gain * math.sqrt(3.0 / nin)
    assert max(abs(w) for w in ws) <= bound
    variance = math.fsum(w * w for w in ws) / len(ws)
    # 10,000 uniform draws: the sample variance has a relative standard error of
    # √(0.8/10000) ≈ 0.9%, so 5% is more than five standard errors.
    assert abs(variance / (gain**2 / nin) - 1.0) < 0.05


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"nin": 0, "nouts": [2]}, ValueError, "nin >= 1"),
        ({"nin": 2, "nouts": []}, ValueError, "non-empty list"),
        ({"nin": 2, "nouts": [3, 0]}, ValueError, "layer 2 .* got 0"),
        ({"nin": 2, "nouts": [2], "activation": "swish"}, ValueError, "'swish'"),
        ({"nin": 2, "nouts": [2, 2], "activation": ["relu"]}, ValueError, "1 activations for 2"),
        ({"nin": 2, "nouts": [2, 2], "activation": ["softmax", "relu"]}, ValueError, "softmax"),
        ({"nin": 2, "nouts": [2], "output_activation": "max"}, ValueError, "'max'"),
        ({"nin": 2, "nouts": [2], "seed": 1.5}, TypeError, "seed"),
    ],
)
def test_bad_architectures_are_refused(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        MLP(**kwargs)  # type: ignore[arg-type]


def test_bad_inputs_are_refused_with_the_reason() -> None:
    model = MLP(3, [2], seed=0)
    with pytest.raises(ValueError, match=r"expects 3 inputs .* got 2"):
        model([1.0, 2.0])
    with pytest.raises(ValueError, match="x_1 must be finite, got nan"):
        model([1.0, math.nan, 2.0])
    with pytest.raises(TypeError, match="x_2 must be a number"):
        model([1.0, 2.0, "3"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="list of 3"):
        model("abc")  # type: ignore[arg-type]


def test_integer_inputs_are_the_same_as_floats() -> None:
    model = MLP(3, [2], seed=0)
    ints = model.forward([1, 2, 3])
    floats = model.forward([1.0, 2.0, 3.0])
    assert [v.data for v in ints] == [v.data for v in floats]  # same floats in, same out


def test_softmax_output_layer_is_a_distribution() -> None:
    """a_j = e^(z_j − max z) / Σ_k e^(z_k − max z): positive, summing to 1, ordered like z."""
    model = MLP(4, [5, 3], output_activation="softmax", seed=5)
    trace = model.forward_trace([0.3, -1.2, 2.0, 0.7])
    zs = [z.data for z in trace[-1][0]]
    a = [v.data for v in trace[-1][1]]
    assert math.isclose(math.fsum(a), 1.0, rel_tol=1e-15)  # three roundings of a division
    assert all(v > 0.0 for v in a)
    assert sorted(range(3), key=lambda i: zs[i]) == sorted(range(3), key=lambda i: a[i])
    with pytest.raises(ValueError, match="layer-wide"):
        model.layers[-1].neurons[0]([0.0] * 5)


def test_value_inputs_are_parents_and_get_gradients() -> None:
    """Inputs given as Values (labelled a_{k}^(0)) are parents of the layer-1 z nodes."""
    model = MLP(2, [2, 1], seed=4)
    xs = [Value(0.5, "a_{0}^(0)"), Value(-1.0, "a_{1}^(0)")]
    trace = model.forward_trace(xs)
    assert trace[0][1] == xs
    z = trace[1][0][0]
    assert z.parents == (*model.layers[0].neurons[0].w, *xs, model.b(1, 0))
    out = trace[-1][1][0]
    out.backward()
    # ∂out/∂x_0 by central differences of the float forward pass.
    W, B = weights_of(model)
    h = 1e-6
    up = float_forward(W, B, model.activations, [0.5 + h, -1.0])[-1][1][0]
    down = float_forward(W, B, model.activations, [0.5 - h, -1.0])[-1][1][0]
    # Central difference: truncation O(h²) ≈ 1e-12, rounding ≈ 1e-16/h = 1e-10.
    assert math.isclose(xs[0].grad, (up - down) / (2 * h), rel_tol=1e-6, abs_tol=1e-9)


@given(networks())
def test_zero_grad_resets_every_parameter(model: MLP) -> None:
    out = model.forward([0.5] * model.sizes[0])
    Value.sum(out).backward()
    assume(any(p.grad != 0.0 for p in model.parameters()))
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_forward_costs_little_more_than_the_weighted_sums() -> None:
    """MLP(64, [16, 10]) forward vs. its 26 bare Value.weighted_sum calls: under 2x.

    Measured at about 1.06x on an idle machine; the bound is loose so that load from other
    processes (both timings are minima over interleaved runs) cannot make it fail.
    """
    model = MLP(64, [16, 10], seed=0)
    x = [random.Random(1).random() for _ in range(64)]
    layers = [[(n.w, n.b) for n in layer.neurons] for layer in model.layers]

    def bare() -> None:
        a: list[float] | list[Value] = x
        for layer in layers:
            a = [Value.weighted_sum(w, a, b) for w, b in layer]

    def forward() -> None:
        model.forward(x)

    best = {bare: math.inf, forward: math.inf}
    for _ in range(40):
        for f in (bare, forward):
            t = time.perf_counter()
            f()
            best[f] = min(best[f], time.perf_counter() - t)
    assert best[forward] < 2.0 * best[bare]


def test_import_nn_needs_nothing_beyond_the_standard_library() -> None:
    """The engine and nn have no runtime dependencies: ``import nn`` loads only stdlib modules."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import nn\n"
        "allowed = set(sys.stdlib_module_names) | {'autograd', 'nn'}\n"
        "print(sorted({m.split('.')[0] for m in set(sys.modules) - before} - allowed))\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert ast.literal_eval(result.stdout) == []
    assert nn.explain is nn.byhand.explain


def test_parameter_count_is_the_length_of_parameters() -> None:
    """parameter_count(sizes) predicts len(MLP(...).parameters()) without building the model."""
    for sizes in ([1, 1], [2, 3, 1], [64, 16, 10], [3, 2, 4, 1]):
        model = MLP(sizes[0], sizes[1:], seed=0)
        assert parameter_count(sizes) == len(model.parameters())


def test_refuse_huge_names_the_network_and_its_size() -> None:
    refuse_huge([64, 16, 10])  # 1,210 parameters: fine
    refuse_huge([999, 1000], limit=1_000_000)  # exactly the limit: fine
    with pytest.raises(ValueError, match=r"a 1000,1000 network would have 1,001,000 parameters"):
        refuse_huge([1000, 1000])
