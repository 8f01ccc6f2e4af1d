"""The ``chainrule`` command (also ``python -m nn``): its parser, built from ``COMMANDS``.

``main(argv)`` parses, runs the chosen subcommand and turns every error it knows into one line
on stderr and an exit status; ``run_alone`` runs one subcommand as a program of its own
(``python -m viz`` is ``chainrule graph``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from nn.app.base import (
    PROG,
    BadOptionError,
    Command,
    CommandError,
    Parser,
    UsageError,
    encodable_output,
)
from nn.app.commands import COMMANDS


def _configure(parser: argparse.ArgumentParser, command: Command) -> None:
    command.add_arguments(parser)
    parser.set_defaults(run=command.run)


def _options(command: Command) -> dict[str, object]:
    """The parser settings a command may give besides its arguments (description, formatter)."""
    settings: dict[str, object] = {"description": getattr(command, "DESCRIPTION", command.HELP)}
    for name, key in (("EPILOG", "epilog"), ("FORMATTER", "formatter_class")):
        if hasattr(command, name):
            settings[key] = getattr(command, name)
    return settings


def build_parser() -> argparse.ArgumentParser:
    """The ``chainrule`` parser, one subparser per entry of ``COMMANDS``."""
    parser = Parser(
        prog=PROG,
        description="chainrule: a scalar autograd engine for learning and testing backpropagation.",
    )
    # No metavar: argparse lists the registered names itself.
    subparsers = parser.add_subparsers(
        title="commands", dest="command", required=True, parser_class=Parser
    )
    for command in COMMANDS:
        sub = subparsers.add_parser(command.NAME, help=command.HELP, **_options(command))  # type: ignore[arg-type]
        _configure(sub, command)
    return parser


def _execute(parser: argparse.ArgumentParser, argv: Sequence[str] | None, name: str) -> int:
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        print(f"{e.prog}: error: {e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help prints, then exits
        return e.code if isinstance(e.code, int) else 0
    if getattr(args, "command", None):
        name = f"{name} {args.command}"
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except BadOptionError as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        return 2
    except CommandError as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (`chainrule train | head`): say nothing more, and keep
        # Python from failing again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``chainrule`` with ``argv`` (default: the process's); return the exit status."""
    with encodable_output():
        return _execute(build_parser(), argv, PROG)


def run_alone(command: Command, argv: Sequence[str] | None, prog: str, name: str) -> int:
    """Run one subcommand as the program ``prog`` (errors say ``name: error: ...``)."""
    with encodable_output():
        parser = _NamedParser(name, prog=prog, **_options(command))
        _configure(parser, command)
        return _execute(parser, argv, name)


class _NamedParser(Parser):
    """A Parser whose one-line errors begin with ``name`` rather than its usage's ``prog``."""

    def __init__(self, name: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.name = name

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.name, f"{message} (see {self.prog} --help)")
