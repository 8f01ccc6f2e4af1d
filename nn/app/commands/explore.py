"""``chainrule explore``: write the explorer page (``viz.explore``) of a network's training step.

The network and its step come from the options ``chainrule graph`` takes too
(``nn.app.example``): ``--arch`` with ``--activation``, ``--output-activation``, ``--loss``,
``--input``, ``--target``, or ``--model`` with an example of its dataset.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nn.app.base import BadOptionError, accept_anything, require_viz, writing
from nn.app.example import add_digits_argument, add_network_arguments, build_example

NAME = "explore"
HELP = "write an HTML page that replays one backward pass step by step"
DESCRIPTION = (
    "Build a network (--arch, or --model), run one forward and one backward pass on one "
    "example, and write a self-contained HTML page that replays the backward pass node by node: "
    "each grad's contributions on its edges, the += where a value feeds several consumers, and "
    "for any value its local partials and its chain from the cost. Open it in any browser; it "
    "needs no network."
)
DEFAULT_OUT = Path("out") / "explore.html"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``chainrule explore``'s options; without the viz extra, only how to install it."""
    try:
        import viz.explore  # noqa: F401  # the page needs the viz extra (the graphviz package)
    except ImportError as e:
        accept_anything(parser, e)
        return
    add_network_arguments(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="PATH",
        help=f"the page to write, ending in .html (default: {DEFAULT_OUT})",
    )
    add_digits_argument(parser)
    parser.add_argument(
        "--no-network",
        action="store_true",
        help="leave out the one-node-per-neuron view (stepped layer by layer with δ)",
    )


def run(args: argparse.Namespace) -> int:
    """Make and write the page, print its path."""
    require_viz(args, "the explorer page")
    from viz.explore import explore

    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise BadOptionError(f"--out {str(out)!r}: the page is HTML; end the name with .html")
    example = build_example(args)
    model = None if args.no_network else example.model
    try:
        with writing(out):
            explore(example.cost, out, digits=args.digits, model=model)
    except ValueError as e:  # a graph too big for a page, a derivative that is not finite
        raise BadOptionError(str(e)) from None
    if example.about:  # which example of the model's data set is drawn
        print(example.about)
    print(f"wrote {out}")
    return 0
