"""``python -m viz``: draw a small network's computation graph, with gradients, to a file.

It builds ``nn.MLP`` with the layer sizes of ``--arch`` (default 2,1: a single neuron with two
inputs), runs one forward pass on a random input, and one backward pass of the squared error
C = Σ_j (a_j − y_j)² against a random target, so that every gradient is filled in; then it draws
either the whole computation graph or, with ``--collapse``, one node per neuron.

The parts are reusable: ``add_arguments(parser)`` declares the options, ``run(args)`` does the
work and returns the exit status (0; 2 for bad input; 1 if the file cannot be made), and
``main(argv)`` is the command itself.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from viz.backend import FORMATS, RendererNotFound, RenderError
from viz.graph import RANKDIRS, draw
from viz.network import draw_network
from viz.render import render

DEFAULT_GRAPH = Path("out") / "graph.svg"
DEFAULT_NETWORK = Path("out") / "network.svg"


class UsageError(ValueError):
    """A command-line value that cannot be used; the message names it."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the drawing options on ``parser`` (shared by ``python -m viz`` and ``chainrule``)."""
    parser.add_argument(
        "--arch",
        default="2,1",
        metavar="SIZES",
        help="layer sizes from the input to the output, comma-separated, e.g. 2,3,1 "
        "(default: 2,1, a single neuron with two inputs)",
    )
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
    parser.add_argument(
        "--digits",
        type=int,
        default=4,
        metavar="N",
        help="significant digits of data and grad (1-17, default: 4)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the weights, the input and the target (default: 0)",
    )
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
    # nn is imported here, not at the top: `viz` itself must not need it.
    from nn import MLP, squared_error

    sizes = parse_arch(args.arch)
    if not 1 <= args.digits <= 17:
        raise UsageError(f"--digits {args.digits} is out of range: give 1 to 17")
    out = output_path(args)
    fmt = output_format(out)

    rng = random.Random(args.seed)
    model = MLP(sizes[0], sizes[1:], seed=args.seed)
    # Two decimals, so that the drawn inputs and targets are easy to read and to recompute.
    x = [round(rng.uniform(-1.0, 1.0), 2) for _ in range(sizes[0])]
    y = [round(rng.uniform(0.0, 1.0), 2) for _ in range(sizes[-1])]
    cost = squared_error(model.forward(x), y)
    cost.label = "C"
    cost.backward()

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
