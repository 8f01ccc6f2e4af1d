"""The ``chainrule`` command's entry point: the installation check, then the command line.

``import nn`` has already checked which ``autograd`` it found (``nn.install``) without
importing the engine when it is another package's; this module reads the verdict, so that a
broken installation is one line naming the other package and the fix, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import nn
from nn.install import EXIT_INSTALL


def main(argv: Sequence[str] | None = None) -> int:
    """``chainrule``: the installation check, then the command line of ``nn.app.main``."""
    if nn.INSTALL_PROBLEM is not None:
        print(nn.INSTALL_PROBLEM, file=sys.stderr)
        return EXIT_INSTALL
    from nn.app.main import main as cli_main  # only now: it imports the engine

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
