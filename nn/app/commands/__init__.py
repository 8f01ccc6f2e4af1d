"""The subcommands of ``chainrule``, registered in ``COMMANDS``: the one list of them.

Each is a module with ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``
(``nn.app.base.Command``). Adding a subcommand is one new module here and one entry below;
``chainrule --help`` lists exactly these, in this order, and a test fails if a module of this
package is left out.
"""

from __future__ import annotations

from nn.app.base import Command
from nn.app.commands import check, explain, explore, graph, predict, table, train

COMMANDS: tuple[Command, ...] = (train, explain, table, check, predict, graph, explore)
