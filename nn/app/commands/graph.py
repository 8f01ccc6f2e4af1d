"""``chainrule graph`` (also ``python -m viz``): a small network's computation graph, to a file.

It builds ``nn.MLP`` with the layer sizes of ``--arch`` (default 2,1: a single neuron with two
inputs), runs one forward pass on a random input, and one backward pass of the squared error
C = Σ_j (a_j − y_j)² against a random target, so that every gradient is filled in; then it draws
either the whole computation graph or, with ``--collapse``, one node per neuron (``viz``).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from nn.app import options
from nn.app.base import BadOptionError, CommandError
from nn.losses import squared_error
from nn.module import MLP

NAME = "graph"
HELP = "draw a computation graph to SVG"
DESCRIPTION = (
    "Draw the computation graph of a small network after one forward and one backward "
    "pass (squared error against a random target), with every value's data and grad, as an "
    "SVG (or PNG, or DOT) file."
)
EPILOG = (
    "examples: python -m viz --shade --out graph.svg ; "
    "python -m viz --arch 2,3,1 --collapse --out network.svg"
)
DEFAULT_GRAPH = Path("out") / "graph.svg"
DEFAULT_NETWORK = Path("out") / "network.svg"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The drawing options; without the viz extra, a parser that only says how to install it."""
    try:
        from viz.backend import FORMATS
        from viz.graph import RANKDIRS
    except ImportError as e:  # the viz extra (the graphviz package) is not installed
        # Every argument, --arch or --help included, must land in `rest`, so that the user
        # reads how to install viz, not "unrecognized arguments": no prefix marks an option.
        parser.prefix_chars = "\0"
        parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
        parser.set_defaults(missing_viz=str(e))
        return
    parser.add_argument(
        "--arch",
        type=options.architecture,
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
        type=options.digits,
        default=4,
        metavar="N",
        help="significant digits of data and grad (1-17, default: 4)",
    )
    parser.add_argument(
        "--seed",
        type=options.whole_number,
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


def output_format(path: Path) -> str:
    """The format named by ``path``'s suffix; BadOptionError unless ``viz.render`` writes it."""
    from viz.backend import FORMATS

    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise BadOptionError(
            f"--out {str(path)!r}: cannot tell the format from the suffix {path.suffix!r}; "
            f"end the name with one of {', '.join('.' + f for f in FORMATS)}"
        )
    return fmt


def output_path(args: argparse.Namespace) -> Path:
    """``--out``, or the default file for the chosen view."""
    if args.out is not None:
        return Path(args.out)
    return DEFAULT_NETWORK if args.collapse else DEFAULT_GRAPH


def run(args: argparse.Namespace) -> int:
    """Build the example, draw it, write it; print the path."""
    missing = getattr(args, "missing_viz", None)
    if missing is not None:
        raise CommandError(
            f"drawing graphs needs the viz extra ({missing}): pip install 'chainrule[viz]'"
        )
    from viz.backend import RendererNotFound, RenderError
    from viz.graph import draw
    from viz.network import draw_network
    from viz.render import render

    sizes: list[int] = args.arch
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
    try:
        written = render(graph, out, format=fmt)
    except (RendererNotFound, RenderError) as e:
        raise CommandError(str(e)) from None
    except OSError as e:
        raise CommandError(f"cannot write {out}: {e}") from None
    print(f"wrote {written}")
    return 0
