"""``python -m viz``: draw a small network's computation graph, with gradients, to a file.

It builds ``nn.MLP`` with the layer sizes of ``--arch`` (default 2,1: a single neuron with two
inputs) and the activations of ``--activation`` and ``--output-activation`` (default sigmoid),
or loads ``--model``; runs one forward pass on ``--input`` (default: random, or an example of
the model's dataset) and one backward pass of ``--loss`` (default: the squared error
C = Σ_j (a_j − y_j)²) against ``--target``, so that every gradient is filled in; then it draws
either the whole computation graph or, with ``--collapse``, one node per neuron. A full graph
of more than ``MAX_GRAPH_VALUES`` values is refused at once (its layout would take minutes).

The parts are reusable: ``add_arguments(parser)`` declares the options, ``run(args)`` does the
work and returns the exit status (0; 2 for bad input; 1 if the file cannot be made), and
``main(argv)`` is the command itself. ``add_network_arguments`` and ``build_example`` are the
network options alone and the step they describe, which ``chainrule explore`` shares.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from viz.backend import FORMATS, RendererNotFound, RenderError
from viz.graph import RANKDIRS, draw
from viz.network import draw_network
from viz.render import render

DEFAULT_GRAPH = Path("out") / "graph.svg"
#: The most values a full graph may have: its layout takes seconds up to here (4,000 values of
#: --arch 60,60 take under 10 s with graphviz-pure) and grows faster than the graph beyond.
MAX_GRAPH_VALUES = 5000
DEFAULT_NETWORK = Path("out") / "network.svg"


class UsageError(ValueError):
    """A command-line value that cannot be used; the message names it."""


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options that choose the example network and its one training step.

    Shared by ``chainrule graph`` and ``chainrule explore``; ``build_example(args)`` reads them.
    """
    parser.add_argument(
        "--arch",
        default="2,1",
        metavar="SIZES",
        help="layer sizes from the input to the output, comma-separated, e.g. 2,3,1 "
        "(default: 2,1, a single neuron with two inputs)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        metavar="FILE",
        help="a model saved by chainrule train instead of --arch; its input and target are an "
        "example of its dataset (digits for 64 inputs and 10 outputs, moons for 2 and 2) "
        "unless --input and --target say otherwise",
    )
    parser.add_argument(
        "--activation",
        default="sigmoid",
        metavar="NAME",
        help="σ of the hidden layers with --arch: sigmoid, tanh, relu or linear (default: sigmoid)",
    )
    parser.add_argument(
        "--output-activation",
        default=None,
        metavar="NAME",
        help="σ of the output layer with --arch: an activation or softmax (default: softmax "
        "for cross_entropy, sigmoid for binary_cross_entropy, otherwise --activation)",
    )
    parser.add_argument(
        "--loss",
        default=None,
        metavar="NAME",
        help="the cost C: squared_error, mean_squared_error, binary_cross_entropy or "
        "cross_entropy (default: squared_error; cross_entropy for a --model with softmax)",
    )
    parser.add_argument(
        "--input",
        default=None,
        metavar="X0,X1,...",
        help="the input x (default: drawn from --seed, or an example of --model's dataset)",
    )
    parser.add_argument(
        "--target",
        default=None,
        metavar="Y0,Y1,...",
        help="the target y (default: drawn from --seed, or the example's one-hot class)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the weights, the input and the target (default: 0)",
    )


def add_digits_argument(parser: argparse.ArgumentParser) -> None:
    """Declare ``--digits``, the significant digits of the numbers drawn."""
    parser.add_argument(
        "--digits",
        type=int,
        default=4,
        metavar="N",
        help="significant digits of data and grad (1-17, default: 4)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the drawing options on ``parser`` (shared by ``python -m viz`` and ``chainrule``)."""
    add_network_arguments(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"file to write; its suffix picks the format ({', '.join(FORMATS)}; "
        f"default: {DEFAULT_GRAPH}, or {DEFAULT_NETWORK} with --collapse)",
    )
    parser.add_argument(
        "--collapse",
        action="store_true",
        help="draw one node per neuron and one edge per weight (width and colour by |∂C/∂w|, "
        "fill by |∂C/∂b|) instead of every operation",
    )
    parser.add_argument(
        "--shade",
        action="store_true",
        help="fill each value of the full graph by its |grad| relative to the largest",
    )
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="box the nodes of each neuron and of each layer in the full graph",
    )
    add_digits_argument(parser)
    parser.add_argument(
        "--rankdir",
        choices=RANKDIRS,
        default="LR",
        help="direction of the drawing: LR puts the inputs on the left (default: LR)",
    )


def parse_arch(text: str) -> list[int]:
    """``"2,3,1"`` as [2, 3, 1]; UsageError unless it is two or more whole numbers >= 1."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise UsageError(
            f"--arch {text!r} is not a list of layer sizes: give two or more whole numbers >= 1 "
            "separated by commas, e.g. 2,3,1"
        )
    from nn.module import refuse_huge  # here, not at the top: `viz` itself must not need nn

    try:
        refuse_huge(sizes)
    except ValueError as e:
        raise UsageError(f"--arch {text}: {e}") from None
    return sizes


def parse_numbers(option: str, text: str) -> list[float]:
    """``"0.5,-1"`` as [0.5, -1.0]; UsageError naming ``option`` unless all are finite numbers."""
    try:
        values = [float(p) for p in str(text).split(",")]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) for v in values):
        raise UsageError(
            f"{option} {text!r} is not a list of finite numbers separated by commas (e.g. 0.5,-1)"
        )
    return values


def _choice(option: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise UsageError(f"{option} {value!r}: choose one of {', '.join(choices)}")
    return value


@dataclass
class Example:
    """The network of the options, one input and target, and the cost after ``backward()``."""

    model: Any  # nn.MLP (not imported at the top: `viz` itself must not need nn)
    x: list[float]
    y: list[float]
    loss: str
    cost: Any  # autograd.Value, labelled C


def build_example(args: argparse.Namespace) -> Example:
    """The network ``add_network_arguments``'s options describe, after one backward pass."""
    # nn is imported here, not at the top: `viz` itself must not need it.
    from nn import LOSSES, MLP
    from nn.module import ACTIVATIONS, OUTPUT_ACTIVATIONS

    rng = random.Random(args.seed)
    loss = args.loss
    if loss is not None:
        _choice("--loss", loss, list(LOSSES))
    x = parse_numbers("--input", args.input) if args.input is not None else None
    y = parse_numbers("--target", args.target) if args.target is not None else None
    if args.model is not None:
        model = _load(Path(args.model))
        if loss is None:
            loss = "cross_entropy" if model.activations[-1] == "softmax" else "squared_error"
        if x is None or y is None:
            ex, ey = _dataset_example(model.sizes, rng, args.model)
            x = ex if x is None else x
            y = ey if y is None else y
    else:
        sizes = parse_arch(args.arch)
        activation = _choice("--activation", args.activation, ACTIVATIONS)
        loss = loss or "squared_error"
        output = args.output_activation
        if output is None:
            defaults = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid"}
            output = defaults.get(loss, activation)
        _choice("--output-activation", output, OUTPUT_ACTIVATIONS)
        model = MLP(sizes[0], sizes[1:], activation, output_activation=output, seed=args.seed)
        # Two decimals, so that the drawn inputs and targets are easy to read and to recompute.
        if x is None:
            x = [round(rng.uniform(-1.0, 1.0), 2) for _ in range(sizes[0])]
        if y is None:
            if loss in ("squared_error", "mean_squared_error"):
                y = [round(rng.uniform(0.0, 1.0), 2) for _ in range(sizes[-1])]
            else:  # the cross entropies need a class: one-hot (a 0 or 1 for one output)
                y = [0.0] * sizes[-1]
                y[rng.randrange(sizes[-1])] = 1.0
    if len(x) != model.sizes[0]:
        raise UsageError(
            f"--input has {len(x)} numbers but the network has {model.sizes[0]} inputs"
        )
    if len(y) != model.sizes[-1]:
        raise UsageError(
            f"--target has {len(y)} numbers but the network has {model.sizes[-1]} outputs"
        )
    try:
        cost = LOSSES[loss](model.forward(x), y)
    except (ArithmeticError, ValueError) as e:
        raise UsageError(f"--loss {loss}: {e}") from None
    cost.label = "C"
    cost.backward()
    return Example(model, x, y, loss, cost)


def _load(path: Path) -> Any:
    from nn import MLP

    try:
        return MLP.load(path)
    except FileNotFoundError:
        raise UsageError(
            f"--model {str(path)!r}: no such file (chainrule train writes one)"
        ) from None
    except (OSError, ValueError) as e:
        raise UsageError(f"--model {str(path)!r}: cannot load it: {e}") from None


def _dataset_example(
    sizes: Sequence[int], rng: random.Random, path: Path
) -> tuple[list[float], list[float]]:
    """One example (x, one-hot y) of the dataset a model of these sizes was trained on."""
    from nn.datasets import load_digits, make_moons, one_hot

    if sizes[0] == 64 and sizes[-1] == 10:
        data = load_digits()
    elif sizes[0] == 2 and sizes[-1] == 2:
        data = make_moons(200, 0.1, 0)
    else:
        raise UsageError(
            f"--model {str(path)!r} has {sizes[0]} inputs and {sizes[-1]} outputs, like no "
            "built-in dataset (digits: 64 and 10, moons: 2 and 2): give --input and --target"
        )
    i = rng.randrange(len(data.inputs))
    return list(data.inputs[i]), one_hot(data.labels[i], data.n_classes)


def output_format(path: Path) -> str:
    """The format named by ``path``'s suffix; UsageError if it is not one ``render`` writes."""
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise UsageError(
            f"--out {str(path)!r}: cannot tell the format from the suffix {path.suffix!r}; "
            f"end the name with one of {', '.join('.' + f for f in FORMATS)}"
        )
    return fmt


def output_path(args: argparse.Namespace) -> Path:
    """``--out``, or the default file for the chosen view."""
    if args.out is not None:
        return Path(args.out)
    return DEFAULT_NETWORK if args.collapse else DEFAULT_GRAPH


def run(args: argparse.Namespace, prog: str = "viz") -> int:
    """Build the example, draw it, write it; print the path. Returns the exit status.

    Errors are one line on stderr, ``<prog>: error: ...`` (``prog`` names the command that
    was run, e.g. ``chainrule graph``).
    """
    try:
        return _run(args)
    except UsageError as e:
        _error(prog, str(e))
        return 2
    except (RendererNotFound, RenderError) as e:
        _error(prog, str(e))
        return 1
    except OSError as e:
        _error(prog, f"cannot write {output_path(args)}: {e}")
        return 1


def _run(args: argparse.Namespace) -> int:
    if not 1 <= args.digits <= 17:
        raise UsageError(f"--digits {args.digits} is out of range: give 1 to 17")
    out = output_path(args)
    fmt = output_format(out)
    example = build_example(args)
    model, cost = example.model, example.cost
    if not args.collapse:
        from autograd import topological_order

        n = len(topological_order(cost))
        if n > MAX_GRAPH_VALUES:
            raise UsageError(
                f"the full graph of this network has {n:,} values, more than the "
                f"{MAX_GRAPH_VALUES:,} drawn whole (Graphviz's layout time grows faster than "
                "the graph: minutes for 10,000); draw one node per neuron with --collapse"
            )

    if args.collapse:
        graph = draw_network(model, args.rankdir, digits=args.digits)
    else:
        graph = draw(cost, args.rankdir, digits=args.digits, shade=args.shade, cluster=args.cluster)
    written = render(graph, out, format=fmt)
    print(f"wrote {written}")
    return 0


def _error(prog: str, message: str) -> None:
    print(f"{prog}: error: {message}", file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (and exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"viz: error: {message} (see python -m viz --help)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """The ``python -m viz`` command; returns its exit status."""
    parser = _Parser(
        prog="python -m viz",
        description="Draw the computation graph of a small network after one forward and one "
        "backward pass (squared error against a random target), with every value's data and "
        "grad, as an SVG (or PNG, or DOT) file.",
        epilog="examples: python -m viz --shade --out graph.svg ; "
        "python -m viz --arch 2,3,1 --collapse --out network.svg",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
