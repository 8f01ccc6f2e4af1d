"""``chainrule explore``: write the explorer page (``viz.explore``) of a network's training step.

A subcommand in the small interface the command line's registry reads: ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args)`` (the exit status: 0; 2 for bad input; 1 if the page
cannot be made). The network and its step come from the options ``chainrule graph`` takes too
(``viz.cli.add_network_arguments``): ``--arch`` with ``--activation``, ``--output-activation``,
``--loss``, ``--input``, ``--target``, or ``--model`` with an example of its dataset.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from viz.backend import RendererNotFound, RenderError
from viz.cli import UsageError, add_digits_argument, add_network_arguments, build_example
from viz.explore import explore

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
    """Declare ``chainrule explore``'s options on ``parser``."""
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


def run(args: argparse.Namespace, prog: str = f"chainrule {NAME}") -> int:
    """Make and write the page, print its path; errors are one line on stderr."""
    try:
        if not 1 <= args.digits <= 17:
            raise UsageError(f"--digits {args.digits} is out of range: give 1 to 17")
        out = Path(args.out)
        if out.suffix.lower() not in (".html", ".htm"):
            raise UsageError(f"--out {str(out)!r}: the page is HTML; end the name with .html")
        example = build_example(args)
        model = None if args.no_network else example.model
        explore(example.cost, out, digits=args.digits, model=model)
    except ValueError as e:  # UsageError, a graph too big for a page, no finite derivative
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except (RendererNotFound, RenderError) as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{prog}: error: cannot write {args.out}: {e}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0
