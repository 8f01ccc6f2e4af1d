"""The example network of ``chainrule graph`` and ``chainrule explore``, and its one training step.

Both commands draw one forward and one backward pass of a network: ``add_network_arguments``
declares the options that choose it (``--arch`` with ``--activation``, ``--output-activation``,
``--loss``, ``--input``, ``--target``, ``--seed``; or ``--model`` with an example of the data
set it was trained on, ``--example N`` or one drawn from ``--seed``), each parsed by
``nn.app.options``, and ``build_example(args)`` runs the step they describe.
``check_fits`` is the one check that an input and a target fit a network (``explain`` uses it too).
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograd import Value
from nn.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.app import options
from nn.app.base import BadOptionError, CommandError
from nn.datasets import Dataset, load_digits, make_moons, one_hot
from nn.losses import COSTS_BY_NAME, LOSSES, OUTPUT_FOR_LOSS, output_problem
from nn.module import MLP


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options that choose the example network and its one training step."""
    net = parser.add_mutually_exclusive_group()
    net.add_argument(
        "--arch",
        type=options.architecture,
        default="2,1",
        metavar="SIZES",
        help="layer sizes from the input to the output, comma-separated, e.g. 2,3,1 "
        "(default: 2,1, a single neuron with two inputs)",
    )
    net.add_argument(
        "--model",
        type=Path,
        default=None,
        metavar="FILE",
        help="a model saved by chainrule train instead of --arch; its input and target are an "
        "example of the data set it was trained on (which the file records; for a file without "
        "that record, digits for 64 inputs and 10 outputs, moons for 2 and 2) unless --input "
        "and --target say otherwise",
    )
    parser.add_argument(
        "--example",
        type=options.whole_number,
        default=None,
        metavar="N",
        help="with --model: x and y are example N of that data set (default: one drawn from "
        "--seed)",
    )
    parser.add_argument(
        "--activation",
        choices=ACTIVATIONS,
        default="sigmoid",
        help="σ of the hidden layers with --arch (default: sigmoid)",
    )
    parser.add_argument(
        "--output-activation",
        choices=OUTPUT_ACTIVATIONS,
        default=None,
        help="σ of the output layer with --arch (default: softmax for cross_entropy, sigmoid "
        "for binary_cross_entropy, otherwise --activation)",
    )
    parser.add_argument(
        "--loss",
        choices=list(LOSSES),
        default=None,
        help="the cost C (default: squared_error; cross_entropy for a --model with softmax)",
    )
    parser.add_argument(
        "--input",
        type=options.numbers,
        default=None,
        metavar="X0,X1,...",
        help="the input x (default: drawn from --seed, or an example of --model's dataset)",
    )
    parser.add_argument(
        "--target",
        type=options.numbers,
        default=None,
        metavar="Y0,Y1,...",
        help="the target y (default: drawn from --seed, or the example's one-hot class)",
    )
    parser.add_argument(
        "--seed",
        type=options.whole_number,
        default=0,
        metavar="N",
        help="seed of the weights, the input and the target (default: 0)",
    )


def add_digits_argument(parser: argparse.ArgumentParser) -> None:
    """Declare ``--digits``, the significant digits of the numbers drawn."""
    parser.add_argument(
        "--digits",
        type=options.digits,
        default=4,
        metavar="N",
        help="significant digits of data and grad (1-17, default: 4)",
    )


@dataclass
class Example:
    """The network of the options, one input and target, and the cost after ``backward()``."""

    model: MLP
    x: list[float]
    y: list[float]
    loss: str
    cost: Value  # labelled C
    #: Which example of a model's data set x is ("example 7 of the moons data (class 1)").
    about: str | None = None


def random_input(rng: random.Random, n: int) -> list[float]:
    """n inputs drawn uniformly from [-1, 1], to two decimals: easy to read and to recompute."""
    return [round(rng.uniform(-1.0, 1.0), 2) for _ in range(n)]


def check_input(x: Sequence[float], sizes: Sequence[int]) -> None:
    """CommandError unless x has one number per input of the network ``sizes``."""
    if len(x) != sizes[0]:
        raise CommandError(f"--input has {len(x)} numbers but the network has {sizes[0]} inputs")


def check_fits(x: Sequence[float], y: Sequence[float], sizes: Sequence[int]) -> None:
    """CommandError unless x has one number per input and y one per output of ``sizes``."""
    check_input(x, sizes)
    if len(y) != sizes[-1]:
        raise CommandError(f"--target has {len(y)} numbers but the network has {sizes[-1]} outputs")


def build_example(args: argparse.Namespace) -> Example:
    """The network ``add_network_arguments``'s options describe, after one backward pass."""
    rng = random.Random(args.seed)
    x: list[float] | None = args.input
    y: list[float] | None = args.target
    loss: str | None = args.loss
    about: str | None = None
    if args.example is not None and (args.model is None or x is not None):
        raise BadOptionError("--example needs --model (its data set is the model's) and no --input")
    if args.model is not None:
        model = options.load_model(args.model)
        if loss is None:
            loss = "cross_entropy" if model.activations[-1] == "softmax" else "squared_error"
        if x is None or y is None:
            data = _model_data(model.sizes, args.model)
            n = rng.randrange(len(data)) if args.example is None else args.example
            ex, label = options.example(data, n)
            if x is None:
                x = list(ex)
                about = f"example {n} of the {data.name} data (class {label})"
            y = one_hot(label, data.n_classes) if y is None else y
    else:
        sizes: list[int] = args.arch
        loss = loss or "squared_error"
        output = args.output_activation or OUTPUT_FOR_LOSS.get(loss, args.activation)
        model = MLP(sizes[0], sizes[1:], args.activation, output_activation=output, seed=args.seed)
        # Two decimals, so that the drawn inputs and targets are easy to read and to recompute.
        if x is None:
            x = random_input(rng, sizes[0])
        if y is None:
            if COSTS_BY_NAME[loss].allowed_outputs is None:  # a cost of any numbers
                y = [round(rng.uniform(0.0, 1.0), 2) for _ in range(sizes[-1])]
            else:  # a cost of probabilities compares them with a class: one-hot
                y = [0.0] * sizes[-1]
                y[rng.randrange(sizes[-1])] = 1.0
    check_fits(x, y, model.sizes)
    problem = output_problem(loss, model.activations[-1])
    if problem:  # e.g. --loss cross_entropy after a sigmoid output layer
        raise BadOptionError(problem)
    try:
        cost = LOSSES[loss](model.forward(x), y)
    except (ArithmeticError, ValueError) as e:
        raise CommandError(f"the {loss} of this example cannot be computed: {e}") from None
    cost.label = "C"
    cost.backward()
    return Example(model, x, y, loss, cost, about)


def _model_data(sizes: Sequence[int], path: Path) -> Dataset:
    """The data set the model at ``path`` (of these sizes) was trained on.

    The one its file records (``chainrule train`` records its data set, samples, noise and
    seed); for a file without that record, the built-in data set its sizes fit, as train
    makes it by default.
    """
    recorded = options.recorded_data(path)
    if recorded is not None:
        return recorded
    if sizes[0] == 64 and sizes[-1] == 10:
        return load_digits()
    if sizes[0] == 2 and sizes[-1] == 2:
        return make_moons(200, 0.1, 0)
    raise CommandError(
        f"the model {str(path)!r} has {sizes[0]} inputs and {sizes[-1]} outputs, like no "
        "built-in dataset (digits: 64 and 10, moons: 2 and 2): give --input and --target"
    )
