"""One network and one example (x, y) from the command line: what ``explain`` and ``table`` share.

``add_arguments`` declares --arch or --model, --input, --target, --example (with --model: an
example of the data set the model was trained on), --activation (one name, or one per layer:
``tanh,sigmoid``, as ``MLP`` takes them and note 000 writes σ^(1), σ^(2)),
--output-activation, --loss and --seed; ``build`` turns them into the model, x and y.
(``nn.app.example`` is the same for ``graph`` and ``explore``, which also run the step.)
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from nn.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.app import options
from nn.app.base import CommandError
from nn.app.example import check_fits, random_input
from nn.datasets import one_hot
from nn.losses import LOSSES, OUTPUT_FOR_LOSS
from nn.module import MLP


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options that pick the network, its example and its cost."""
    net = p.add_mutually_exclusive_group(required=True)
    net.add_argument(
        "--arch",
        type=options.architecture,
        metavar="N0,N1,...",
        help="layer sizes, inputs first: 2,3,2",
    )
    net.add_argument("--model", type=Path, metavar="FILE", help="a model saved by train")
    p.add_argument(
        "--input",
        type=options.numbers,
        metavar="X0,X1,...",
        help="the input x (default: drawn from --seed, uniform in [-1, 1])",
    )
    p.add_argument(
        "--target",
        type=options.numbers,
        metavar="Y0,Y1,...",
        help="the target y (default: a one-hot vector, its class drawn from --seed)",
    )
    p.add_argument(
        "--example",
        type=options.whole_number,
        metavar="N",
        help="with --model: x and y are example N of the data set the model was trained on",
    )
    p.add_argument(
        "--activation",
        type=options.names(ACTIVATIONS, "activation"),
        default=["sigmoid"],
        metavar="NAME[,NAME...]",
        help="σ of every layer, or one per layer (tanh,sigmoid) (--arch); default: sigmoid",
    )
    p.add_argument(
        "--output-activation",
        choices=OUTPUT_ACTIVATIONS,
        default=None,
        help="σ of the output layer (--arch; default: softmax for cross_entropy, else "
        "--activation)",
    )
    p.add_argument("--loss", choices=list(LOSSES), default="squared_error", help="the cost C")
    p.add_argument(
        "--seed", type=options.whole_number, default=0, help="seeds the weights, x and y"
    )


def _default_target(rng: random.Random, n: int) -> list[float]:
    if n == 1:
        return [float(rng.randrange(2))]
    y = [0.0] * n
    y[rng.randrange(n)] = 1.0
    return y


def build(args: argparse.Namespace) -> tuple[MLP, list[float], list[float]]:
    """(model, x, y) from the options; CommandError for sizes that do not fit."""
    if args.model is not None:
        model = options.load_model(args.model)
    else:
        sizes: list[int] = args.arch
        acts: list[str] = args.activation
        layers = len(sizes) - 1
        if len(acts) not in (1, layers):
            raise CommandError(
                f"--activation has {len(acts)} names for {layers} layers: give one, or one "
                "per layer"
            )
        output = args.output_activation
        if output is None:
            output = OUTPUT_FOR_LOSS.get(args.loss, acts[-1])
        activation: str | list[str] = acts[0] if len(acts) == 1 else acts
        model = MLP(sizes[0], sizes[1:], activation, output_activation=output, seed=args.seed)
    rng = random.Random(args.seed)
    x = args.input if args.input is not None else random_input(rng, model.sizes[0])
    y = args.target if args.target is not None else _default_target(rng, model.sizes[-1])
    if args.example is not None:
        if args.model is None or args.input is not None:
            raise CommandError(
                "--example needs --model (its data set is the model's) and no --input"
            )
        data = options.trained_data(args.model)
        x, label = options.example(data, args.example)
        if args.target is None:
            y = one_hot(label, data.n_classes)
        print(f"example {args.example} of the {data.name} data (class {label})")
    check_fits(x, y, model.sizes)
    return model, x, y


def draw(model: MLP, seed: int, n: int) -> tuple[list[list[float]], list[list[float]]]:
    """n examples (x, y) drawn from ``seed`` as the defaults of --input and --target are."""
    rng = random.Random(seed)
    xs, ys = [], []
    for _ in range(n):
        xs.append(random_input(rng, model.sizes[0]))
        ys.append(_default_target(rng, model.sizes[-1]))
    return xs, ys


def describe(model: MLP, x: list[float], y: list[float], loss: str) -> str:
    """The lines that say which network and example a printout is about."""
    return "\n".join(
        [
            f"network {'-'.join(str(n) for n in model.sizes)} ({', '.join(model.activations)})",
            f"x = {x}",
            f"y = {y}",
            f"C = {loss}",
        ]
    )
