"""``nn.strategies``: the public network strategies, with nn's own names, keep their promises.

Every loss has a target kind and suitable outputs; drawn specs build the MLP they describe,
with the drawn weights in place; the plain-data forms use only names nn knows and build into
MLPs of the same shape; targets suit their loss; relu_margin measures what it says.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.strategies import NetworkData, NetworkProblem
from nn import ACTIVATIONS, LOSSES, MLP, OUTPUT_ACTIVATIONS
from nn.strategies import (
    LOSS_TARGETS,
    NetSpec,
    Problem,
    activations,
    losses,
    net_specs,
    network_data,
    network_problems,
    output_activations,
    problems,
    relu_margin,
    targets,
)


@given(losses, activations, output_activations)
def test_the_names_are_nn_s(loss: str, activation: str, output: str) -> None:
    assert loss in LOSSES
    assert activation in ACTIVATIONS
    assert output in OUTPUT_ACTIVATIONS


def test_every_loss_has_a_target_kind_and_outputs() -> None:
    assert set(LOSS_TARGETS) == set(LOSSES)
    assert LOSS_TARGETS["cross_entropy"] == ("one_hot", ("softmax",))
    assert LOSS_TARGETS["binary_cross_entropy"] == ("label", ("sigmoid",))
    for kind, outputs in LOSS_TARGETS.values():
        assert kind in ("real", "label", "one_hot")
        assert all(o is None or o in OUTPUT_ACTIVATIONS for o in outputs)


@given(net_specs(max_layers=3, max_neurons=4))
def test_a_spec_builds_its_network_with_the_drawn_weights(spec: NetSpec) -> None:
    model = spec.build()
    assert [len(layer.neurons) for layer in model.layers] == list(spec.nouts)
    assert [layer.activation for layer in model.layers] == spec.layer_activations
    data = spec.data()
    assert data.sizes == (spec.nin, *spec.nouts)
    assert spec.weights is not None
    assert data.weights == spec.weights
    for layer, rows in zip(model.layers, spec.weights, strict=True):
        for neuron, row in zip(layer.neurons, rows, strict=True):
            assert tuple(p.data for p in neuron.parameters()) == row  # set, not recomputed


@given(net_specs(weights=None, max_layers=2))
def test_a_spec_without_drawn_weights_reads_them_off_its_build(spec: NetSpec) -> None:
    data = spec.data()
    model = spec.build()  # seeded: the same numbers every build
    for layer, rows in zip(model.layers, data.weights, strict=True):
        assert tuple(tuple(p.data for p in n.parameters()) for n in layer.neurons) == rows


@given(network_data(max_layers=3))
def test_network_data_uses_nn_names_and_builds(net: NetworkData) -> None:
    assert all(a in ACTIVATIONS for a in net.activations[:-1])
    assert net.activations[-1] in OUTPUT_ACTIVATIONS
    # The output layer's name goes in as output_activation: softmax is valid only there.
    model = MLP(net.sizes[0], list(net.sizes[1:]), [*net.activations[:-1], "linear"],
                net.activations[-1])  # fmt: skip
    assert [layer.activation for layer in model.layers] == list(net.activations)


@given(network_problems(max_layers=2))
def test_network_problems_suit_nn_losses(problem: NetworkProblem) -> None:
    kind, outputs = LOSS_TARGETS[problem.loss]
    if kind != "real":
        assert problem.network.activations[-1] in outputs
    if kind == "one_hot":
        assert all(sum(y) == 1.0 for y in problem.ys)


@given(st.sampled_from(sorted(LOSSES)).flatmap(lambda loss: problems(loss, max_layers=2)))
def test_problems_build_a_network_for_their_loss(problem: Problem) -> None:
    assert problem.loss in LOSSES
    outputs = LOSS_TARGETS[problem.loss][1]
    if problem.loss in ("cross_entropy", "binary_cross_entropy"):
        assert problem.spec.layer_activations[-1] in outputs
    assert all(len(x) == problem.spec.nin for x in problem.xs)
    assert all(len(y) == problem.spec.nouts[-1] for y in problem.ys)


def test_unknown_losses_are_refused() -> None:
    with pytest.raises(ValueError, match=r"targets: unknown loss 'hinge'"):
        targets("hinge", 2)


def test_relu_margin_is_the_smallest_relu_weighted_input() -> None:
    """One relu neuron z = 2x − 1 at x = 0.25 and 1: |z| = 0.5 and 1, so 0.5."""
    spec = NetSpec(1, (1,), "relu", None, 0, (((2.0, -1.0),),))
    assert relu_margin(spec.build(), [[0.25], [1.0]]) == 0.5
    linear = NetSpec(1, (1,), "linear", None, 0, (((2.0, -1.0),),))
    assert relu_margin(linear.build(), [[0.5]]) == math.inf
