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

from nn import train as training
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


def _trained_on_odd_moons(path: Path) -> list[list[float]]:
    """A model file recording moons unlike train's default ones; the rows of those moons."""
    config = training.TrainConfig(dataset="moons", samples=60, noise=0.3, seed=7)
    MLP(2, [4, 2], output_activation="softmax", seed=3).save(
        path, data=training.data_record(config)
    )
    # The oracle: the same 60 points made directly, not through the model file.
    return [list(x) for x in make_moons(60, 0.3, 7).inputs]


def test_a_trained_model_runs_on_an_example_of_the_data_it_recorded(tmp_path: Path) -> None:
    rows = _trained_on_odd_moons(tmp_path / "m.json")
    for seed in range(3):
        example = build_example(parse("--model", str(tmp_path / "m.json"), "--seed", str(seed)))
        # One of the model's own 60 points, not one of train's default 200.
        assert example.x in rows
        n = rows.index(example.x)
        label = make_moons(60, 0.3, 7).labels[n]
        assert example.y == [1.0 if c == label else 0.0 for c in range(2)]
        assert example.about == f"example {n} of the moons data (class {label})"


def test_example_n_is_that_example_of_the_recorded_data(tmp_path: Path) -> None:
    rows = _trained_on_odd_moons(tmp_path / "m.json")
    labels = make_moons(60, 0.3, 7).labels
    for n in (0, 17, 59):
        example = build_example(parse("--model", str(tmp_path / "m.json"), "--example", str(n)))
        assert example.x == rows[n]  # the very same floats: exactness is the point
        assert example.y == [1.0 if c == labels[n] else 0.0 for c in range(2)]
    # A target of one's own for the example's input.
    example = build_example(
        parse("--model", str(tmp_path / "m.json"), "--example", "3", "--target", "0.25,0.75")
    )
    assert (example.x, example.y) == (rows[3], [0.25, 0.75])
    with pytest.raises(CommandError, match=r"--example 60 is out of range: .* examples 0\.\.59"):
        build_example(parse("--model", str(tmp_path / "m.json"), "--example", "60"))


@pytest.mark.parametrize(
    "argv",
    [("--example", "0"), ("--arch", "2,2", "--example", "0")],
)
def test_example_without_a_model_is_refused(argv: tuple[str, ...]) -> None:
    with pytest.raises(BadOptionError, match="--example needs --model"):
        build_example(parse(*argv))


def test_example_and_input_together_are_refused(tmp_path: Path) -> None:
    _trained_on_odd_moons(tmp_path / "m.json")
    args = parse("--model", str(tmp_path / "m.json"), "--example", "0", "--input", "0.5,0.5")
    with pytest.raises(BadOptionError, match="and no --input"):
        build_example(args)


def test_example_of_a_file_without_its_data_record_uses_the_built_in_data(tmp_path: Path) -> None:
    MLP(2, [4, 2], output_activation="softmax", seed=3).save(tmp_path / "m.json")
    example = build_example(parse("--model", str(tmp_path / "m.json"), "--example", "5"))
    assert example.x == list(make_moons(200, 0.1, 0).inputs[5])


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
