"""``python -m viz``: ``chainrule graph`` under its own name (``nn.app.commands.graph``)."""

import sys

import nn
from nn.install import EXIT_INSTALL


def main() -> int:
    """The installation check (as ``chainrule``'s entry point makes it), then the command."""
    if nn.INSTALL_PROBLEM is not None:
        print(nn.INSTALL_PROBLEM, file=sys.stderr)
        return EXIT_INSTALL
    # Only now: the command imports the engine.
    from nn.app.commands import graph
    from nn.app.main import run_alone

    return run_alone(graph, None, prog="python -m viz", name="viz")


if __name__ == "__main__":
    raise SystemExit(main())
