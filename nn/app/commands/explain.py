"""``chainrule explain``: one gradient as the notes' chain of factors, beside the engine's."""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path

from nn import byhand
from nn.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.app import options
from nn.app.base import CommandError, Formatter
from nn.app.example import check_fits
from nn.datasets import one_hot
from nn.losses import LOSSES, OUTPUT_FOR_LOSS
from nn.module import MLP

NAME = "explain"
HELP = "one gradient as the notes' chain of factors, beside the engine's"
DESCRIPTION = (
    "Print ∂C/∂w_jk^(l) (or ∂C/∂b_j^(l)) as the notes' per-index chain of factors with "
    "their numbers, next to the gradient the engine computes, for a network given by "
    "--arch (weights drawn from --seed) or loaded from --model."
)
FORMATTER = Formatter


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``chainrule explain``."""
    net = p.add_mutually_exclusive_group(required=True)
    net.add_argument(
        "--arch",
        type=options.architecture,
        metavar="N0,N1,...",
        help="layer sizes, inputs first: 2,3,2",
    )
    net.add_argument("--model", type=Path, metavar="FILE", help="a model saved by train")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--weight",
        type=options.indices(3, "l,j,k", "2,1,0"),
        metavar="L,J,K",
        help="the weight w_jk^(l): layer l (from 1), neuron j, input k (from 0)",
    )
    which.add_argument(
        "--bias", type=options.indices(2, "l,j", "2,1"), metavar="L,J", help="the bias b_j^(l)"
    )
    p.add_argument(
        "--input",
        type=options.numbers,
        metavar="X0,X1,...",
        help="the input x (default: drawn from --seed, uniform in [-1, 1])",
    )
    p.add_argument(
        "--example",
        type=options.whole_number,
        metavar="N",
        help="with --model: x and y are example N of the data set the model was trained on",
    )
    p.add_argument(
        "--target",
        type=options.numbers,
        metavar="Y0,Y1,...",
        help="the target y (default: a one-hot vector, its class drawn from --seed)",
    )
    p.add_argument(
        "--activation", choices=ACTIVATIONS, default="sigmoid", help="σ of every layer (--arch)"
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


def _default_input(rng: random.Random, n: int) -> list[float]:
    return [round(rng.uniform(-1.0, 1.0), 2) for _ in range(n)]


def _default_target(rng: random.Random, n: int) -> list[float]:
    if n == 1:
        return [float(rng.randrange(2))]
    y = [0.0] * n
    y[rng.randrange(n)] = 1.0
    return y


def _index_problem(sizes: Sequence[int], l: int, j: int, k: int | None) -> str:
    """Why (l, j, k) names no parameter of a network with these sizes ("" if it does one)."""
    L = len(sizes) - 1
    if not 1 <= l <= L:
        return f"l={l} is out of range: valid l are 1..{L} (the layers)"
    if not 0 <= j < sizes[l]:
        return f"j={j} is out of range: valid j are 0..{sizes[l] - 1} (layer {l}'s neurons)"
    if k is not None and not 0 <= k < sizes[l - 1]:
        return (
            f"k={k} is out of range: valid k are 0..{sizes[l - 1] - 1} "
            f"(the {sizes[l - 1]} inputs of layer {l})"
        )
    return ""


def run(args: argparse.Namespace) -> int:
    """Print the notes' chain of factors for one parameter, and the engine's gradient."""
    if args.model is not None:
        model = options.load_model(args.model)
    else:
        sizes: list[int] = args.arch
        output = args.output_activation
        if output is None:
            output = OUTPUT_FOR_LOSS.get(args.loss, args.activation)
        model = MLP(sizes[0], sizes[1:], args.activation, output_activation=output, seed=args.seed)
    rng = random.Random(args.seed)
    x = args.input if args.input is not None else _default_input(rng, model.sizes[0])
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
    if args.weight is not None:
        layer, j, k = args.weight
        option = f"--weight {layer},{j},{k}"
    else:
        (layer, j), k = args.bias, None
        option = f"--bias {layer},{j}"
    problem = _index_problem(model.sizes, layer, j, k)
    if problem:
        sizes_text = "-".join(str(n) for n in model.sizes)
        raise CommandError(f"{option} is not in the network {sizes_text}: {problem}")
    try:
        text = byhand.explain(model, x, y, layer, j, k, loss=args.loss)
    except (ValueError, ArithmeticError) as e:
        raise CommandError(str(e)) from None
    print(f"network {'-'.join(str(n) for n in model.sizes)} ({', '.join(model.activations)})")
    print(f"x = {x}")
    print(f"y = {y}")
    print(f"C = {args.loss}")
    print(text)
    return 0
