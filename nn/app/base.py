"""What every subcommand of ``chainrule`` shares: its errors, its parser, its output streams.

A subcommand is a module of ``nn.app.commands`` with the small interface of ``Command``. Bad
input ends with one line on stderr, ``chainrule <command>: error: ...``, and a non-zero exit
status (2 for a bad command line, 1 for anything else), never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn, Protocol, TextIO

from nn.notation import to_ascii

PROG = "chainrule"


class Command(Protocol):
    """One subcommand: a module with these four names (see ``nn.app.commands``)."""

    NAME: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare the subcommand's options on ``parser``."""

    def run(self, args: argparse.Namespace) -> int:
        """Do the work; return the exit status. Raise CommandError for the user's mistakes."""


class CommandError(Exception):
    """A problem with the user's input or files, reported as one line on stderr (status 1)."""


class BadOptionError(CommandError):
    """An option that parsed but cannot be used (status 2, like a command line that does not
    parse): a value whose problem shows only once it meets the others."""


class UsageError(Exception):
    """A command line that does not parse (status 2); ``prog`` names the (sub)command."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (raised, so that ``main`` decides the exit)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, f"{message} (see {self.prog} --help)")


class Formatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show (None, a flag)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


# -- a subcommand that needs the viz extra ----------------------------------------------------


def accept_anything(parser: argparse.ArgumentParser, missing: ImportError) -> None:
    """Make ``parser`` take any arguments, so that ``require_viz`` says what to install.

    For a subcommand whose options come from viz when viz cannot be imported: every argument,
    an option or --help included, lands in ``rest`` (no prefix marks an option), so that the
    user reads how to install viz, not "unrecognized arguments".
    """
    parser.prefix_chars = "\0"
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    parser.set_defaults(missing_viz=str(missing))


def require_viz(args: argparse.Namespace, what: str) -> None:
    """CommandError saying how to install viz if ``accept_anything`` stood in for the options."""
    missing = getattr(args, "missing_viz", None)
    if missing is not None:
        raise CommandError(f"{what} needs the viz extra ({missing}): pip install 'chainrule[viz]'")


@contextlib.contextmanager
def writing(out: Path) -> Iterator[None]:
    """Within it, a renderer that fails and a file ``out`` that cannot be written end as one-line
    CommandErrors (call it after ``require_viz``: it imports viz)."""
    from viz.backend import RendererNotFound, RenderError

    try:
        yield
    except (RendererNotFound, RenderError) as e:
        raise CommandError(str(e)) from None
    except OSError as e:
        raise CommandError(f"cannot write {out}: {e}") from None


# -- output that the terminal can encode --------------------------------------------------------


class AsciiStream(io.TextIOBase):
    """Writes to ``stream`` with the notes' symbols spelled in ASCII (∂ as d, σ as sigma).

    For a stdout or stderr whose encoding cannot hold them (``PYTHONIOENCODING=ascii``, or the
    C locale without UTF-8 mode): the text stays readable instead of ending in
    UnicodeEncodeError. ``encoding`` is the stream's, so tqdm draws its ASCII bar.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    @property
    def encoding(self) -> str:  # type: ignore[override]  # read-only: the wrapped stream's
        return self._stream.encoding or "ascii"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        spelled = to_ascii(text)
        encoding = self.encoding
        # Whatever no table spells (a user's file name) is escaped, never a crash.
        self._stream.write(spelled.encode(encoding, "backslashreplace").decode(encoding))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return self._stream.isatty()


def _encodes_notation(stream: TextIO) -> bool:
    if stream.encoding is None:  # an in-memory stream (io.StringIO) holds any text
        return True
    try:
        "∂σΣδ·−²→".encode(stream.encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


@contextlib.contextmanager
def encodable_output() -> Iterator[None]:
    """Within it, sys.stdout and sys.stderr fall back to ASCII notation where they need to."""
    saved = sys.stdout, sys.stderr
    if sys.stdout is not None and not _encodes_notation(sys.stdout):
        sys.stdout = AsciiStream(sys.stdout)
    if sys.stderr is not None and not _encodes_notation(sys.stderr):
        sys.stderr = AsciiStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
