"""``nn.app.explained``: the network and example that ``explain`` and ``table`` share."""

from __future__ import annotations

import argparse

import pytest

from nn.app import explained as example
from nn.app.base import CommandError, Parser


def parse(*argv: str) -> argparse.Namespace:
    p = Parser(prog="test")
    example.add_arguments(p)
    return p.parse_args(list(argv))


def test_one_activation_per_layer() -> None:
    model, x, y = example.build(parse("--arch", "2,3,2", "--activation", "tanh,relu"))
    assert model.activations == ["tanh", "relu"]
    assert len(x) == 2
    assert sorted(y) == [0.0, 1.0]  # one-hot default


def test_one_activation_for_all_and_the_loss_output() -> None:
    model, _, _ = example.build(
        parse("--arch", "2,3,3", "--activation", "tanh", "--loss", "cross_entropy")
    )
    assert model.activations == ["tanh", "softmax"]


def test_wrong_number_of_activations() -> None:
    with pytest.raises(CommandError, match="3 names for 2 layers"):
        example.build(parse("--arch", "2,3,2", "--activation", "tanh,tanh,tanh"))


def test_describe() -> None:
    model, x, y = example.build(parse("--arch", "1,1", "--input", "0.5", "--target", "1"))
    assert example.describe(model, x, y, "squared_error").splitlines() == [
        "network 1-1 (sigmoid)",
        "x = [0.5]",
        "y = [1.0]",
        "C = squared_error",
    ]
