"""``nn.app.example``: the network the shared options describe, and its one training step.

Each example is held against the same step built here directly with ``nn`` and run through the
engine; equal weights, inputs and operations in the same order give bit-for-bit the same
floats, so those comparisons are exact on purpose.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pytest

from nn.app.base import BadOptionError, CommandError, Parser
from nn.app.example import add_network_arguments, build_example, check_fits
from nn.datasets import make_moons
from nn.losses import binary_cross_entropy, squared_error
from nn.module import MLP


def parse(*argv: str) -> argparse.Namespace:
    parser = Parser(prog="test")
    add_network_arguments(parser)
    return parser.parse_args(list(argv))


def test_the_default_is_one_sigmoid_neuron_with_squared_error() -> None:
    example = build_example(parse())
    assert example.model.sizes == [2, 1]
    assert example.model.activations == ["sigmoid"]
    assert example.loss == "squared_error"
    # Inputs in [-1, 1], targets in [0, 1], both to two decimals (easy to read in a picture).
    assert all(-1.0 <= v <= 1.0 and round(v, 2) == v for v in example.x)
    assert all(0.0 <= v <= 1.0 and round(v, 2) == v for v in example.y)
    want = squared_error(MLP(2, [1], seed=0).forward(example.x), example.y)
    assert example.cost.data == want.data
    assert example.cost.label == "C"
    assert example.cost.grad == 1.0  # backward() has run: the seed ∂C/∂C


def test_the_options_build_the_same_step_as_nn_directly() -> None:
    argv = ["--arch", "2,3,1", "--activation", "tanh", "--loss", "binary_cross_entropy"]
    example = build_example(parse(*argv, "--input", "0.5,-0.25", "--target", "1", "--seed", "4"))
    # binary cross entropy gets a sigmoid output layer unless told otherwise.
    model = MLP(2, [3, 1], "tanh", output_activation="sigmoid", seed=4)
    cost = binary_cross_entropy(model.forward([0.5, -0.25]), [1.0])
    cost.backward()
    assert example.model.activations == ["tanh", "sigmoid"]
    assert example.cost.data == cost.data
    assert [p.grad for p in example.model.parameters()] == [p.grad for p in model.parameters()]


@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy"])
def test_a_cost_of_probabilities_gets_a_one_hot_target(loss: str) -> None:
    for seed in range(5):
        example = build_example(parse("--arch", "2,3", "--loss", loss, "--seed", str(seed)))
        assert sorted(example.y) == [0.0, 0.0, 1.0]
        assert math.isfinite(example.cost.data)


def test_a_saved_model_runs_on_an_example_of_its_dataset(tmp_path: Path) -> None:
    MLP(2, [4, 2], output_activation="softmax", seed=3).save(tmp_path / "m.json")
    example = build_example(parse("--model", str(tmp_path / "m.json")))
    assert example.loss == "cross_entropy"  # a softmax output layer: its cost by default
    moons = make_moons(200, 0.1, 0)
    rows = [list(x) for x in moons.inputs]
    assert example.x in rows
    label = moons.labels[rows.index(example.x)]
    assert example.y == [1.0 if c == label else 0.0 for c in range(2)]


def test_a_loss_that_does_not_fit_the_output_layer_is_refused() -> None:
    args = parse("--arch", "2,2", "--loss", "cross_entropy", "--output-activation", "sigmoid")
    with pytest.raises(BadOptionError, match="cross_entropy loss needs a softmax output layer"):
        build_example(args)


def test_a_model_of_no_known_dataset_needs_input_and_target(tmp_path: Path) -> None:
    MLP(3, [2], seed=0).save(tmp_path / "odd.json")
    with pytest.raises(CommandError, match="like no built-in dataset"):
        build_example(parse("--model", str(tmp_path / "odd.json")))


def test_check_fits_names_the_option_and_both_counts() -> None:
    check_fits([0.0, 1.0], [1.0], [2, 3, 1])  # fits: no error
    with pytest.raises(CommandError, match="--input has 3 numbers but the network has 2 inputs"):
        check_fits([0.0, 1.0, 2.0], [1.0], [2, 3, 1])
    with pytest.raises(CommandError, match="--target has 2 numbers but the network has 1 out"):
        check_fits([0.0, 1.0], [1.0, 0.0], [2, 3, 1])
