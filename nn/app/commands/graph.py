"""``chainrule graph`` (also ``python -m viz``): a small network's computation graph, to a file.

It builds ``nn.MLP`` with the layer sizes of ``--arch`` (default 2,1: a single neuron with two
inputs) and the activations of ``--activation`` and ``--output-activation`` (default sigmoid),
or loads ``--model``; runs one forward pass on ``--input`` (default: random, or an example of
the model's dataset) and one backward pass of ``--loss`` (default: the squared error
C = Σ_j (a_j − y_j)²) against ``--target``, so that every gradient is filled in
(``nn.app.example``); then it draws either the whole computation graph or, with ``--collapse``,
one node per neuron (``viz``). A full graph of more than ``MAX_GRAPH_VALUES`` values is refused
at once (its layout would take minutes).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd import topological_order
from nn.app.base import BadOptionError, accept_anything, require_viz, writing
from nn.app.example import add_digits_argument, add_network_arguments, build_example

NAME = "graph"
HELP = "draw a computation graph to SVG"
DESCRIPTION = (
    "Draw the computation graph of a small network after one forward and one backward "
    "pass (by default the squared error against a random target), with every value's data "
    "and grad, as an SVG (or PNG, or DOT) file."
)
EPILOG = (
    "examples: python -m viz --shade --out graph.svg ; "
    "python -m viz --arch 2,3,1 --collapse --out network.svg"
)
DEFAULT_GRAPH = Path("out") / "graph.svg"
DEFAULT_NETWORK = Path("out") / "network.svg"
#: The most values a full graph may have: Graphviz's layout time grows faster than the graph,
#: from seconds up to here to minutes beyond (the README gives the figures).
MAX_GRAPH_VALUES = 5000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The drawing options; without the viz extra, a parser that only says how to install it."""
    try:
        from viz.backend import FORMATS
        from viz.graph import RANKDIRS
    except ImportError as e:  # the viz extra (the graphviz package) is not installed
        accept_anything(parser, e)
        return
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


def output_format(path: Path) -> str:
    """The format named by ``path``'s suffix; BadOptionError unless ``viz.render`` writes it."""
    from viz.backend import FORMATS

    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        # Said so for .pdf too: the suffix is clear enough, it is the format graph lacks.
        raise BadOptionError(
            f"--out {str(path)!r}: graph writes {', '.join(f.upper() for f in FORMATS)}, which "
            f"the suffix {path.suffix!r} does not name; end the name with one of "
            f"{', '.join('.' + f for f in FORMATS)}"
        )
    return fmt


def output_path(args: argparse.Namespace) -> Path:
    """``--out``, or the default file for the chosen view."""
    if args.out is not None:
        return Path(args.out)
    return DEFAULT_NETWORK if args.collapse else DEFAULT_GRAPH


def run(args: argparse.Namespace) -> int:
    """Build the example, draw it, write it; print the path."""
    require_viz(args, "drawing graphs")
    from viz.graph import draw
    from viz.network import draw_network
    from viz.render import render

    out = output_path(args)
    fmt = output_format(out)
    example = build_example(args)
    model, cost = example.model, example.cost
    if not args.collapse:
        n = len(topological_order(cost))
        if n > MAX_GRAPH_VALUES:
            raise BadOptionError(
                f"the full graph of this network has {n:,} values, more than the "
                f"{MAX_GRAPH_VALUES:,} drawn whole (Graphviz's layout time grows faster than "
                "the graph: minutes for 10,000); draw one node per neuron with --collapse"
            )

    if args.collapse:
        graph = draw_network(model, args.rankdir, digits=args.digits)
    else:
        graph = draw(cost, args.rankdir, digits=args.digits, shade=args.shade, cluster=args.cluster)
    with writing(out):
        written = render(graph, out, format=fmt)
    if example.about:  # which example of the model's data set is drawn
        print(example.about)
    print(f"wrote {written}")
    return 0
