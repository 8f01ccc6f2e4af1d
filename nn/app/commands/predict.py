"""``chainrule predict``: what a trained model says for examples of its data set or for inputs."""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd import no_grad
from nn import train as training
from nn.app import options
from nn.app.base import Formatter
from nn.app.example import check_input

NAME = "predict"
HELP = "the predicted class of a trained model for examples of its data or given inputs"
DESCRIPTION = (
    "Load a model saved by train and print its predicted class (the largest output) and its "
    "outputs, for examples of the data set it was trained on (--example, rebuilt from the "
    "record in the model file) or for inputs given with --input."
)
FORMATTER = Formatter


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``chainrule predict``."""
    p.add_argument(
        "--model", type=Path, metavar="FILE", required=True, help="a model saved by train"
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--example",
        type=options.whole_number,
        nargs="+",
        metavar="N",
        help="examples of the data set the model was trained on, by index",
    )
    which.add_argument(
        "--input",
        type=options.numbers,
        action="append",
        metavar="X0,X1,...",
        help="an input x (repeat for several)",
    )


def run(args: argparse.Namespace) -> int:
    """Print one line per example or input: its predicted class and the outputs."""
    model = options.load_model(args.model)
    cases: list[tuple[str, list[float]]] = []
    if args.example is not None:
        data = options.trained_data(args.model)
        for n in args.example:
            x, label = options.example(data, n)
            cases.append((f"example {n} (class {label})", x))
    else:
        for x in args.input:
            check_input(x, model.sizes)
            cases.append((f"x = {x}", x))
    for what, x in cases:
        with no_grad():
            outputs = model.forward(x)
        shown = ", ".join(f"{a.data:.4f}" for a in outputs)
        print(f"{what}: predicted {training.predict(outputs)}, outputs [{shown}]")
    return 0
