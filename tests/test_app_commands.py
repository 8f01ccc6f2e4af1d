"""The registry of subcommands (``nn.app.commands.COMMANDS``): one list, and --help is it.

Adding a subcommand is one module in ``nn/app/commands/`` and one entry in ``COMMANDS``; a
module left out of the list, or a name twice, fails here.
"""

from __future__ import annotations

import pkgutil

import nn.app.commands
from nn.app.commands import COMMANDS
from nn.app.main import build_parser


def test_every_subcommand_module_is_registered_once() -> None:
    modules = {
        info.name
        for info in pkgutil.iter_modules(nn.app.commands.__path__)
        if not info.name.startswith("_")
    }
    registered = [command.__name__.rpartition(".")[2] for command in COMMANDS]  # type: ignore[attr-defined]
    assert sorted(registered) == sorted(modules)
    assert len(set(registered)) == len(registered)
    names = [command.NAME for command in COMMANDS]
    assert len(set(names)) == len(names)


def test_help_lists_exactly_the_registered_subcommands() -> None:
    parser = build_parser()
    help_text = parser.format_help()
    listed = help_text.split("{", 1)[1].split("}", 1)[0].split(",")
    assert listed == [command.NAME for command in COMMANDS]
    for command in COMMANDS:
        assert command.HELP.split()[0] in help_text
