"""The values of the command line's options, each parsed and checked in one place.

Each function here is an argparse ``type``: it turns the text of one option into its value
or raises ``argparse.ArgumentTypeError`` with the one message for that mistake (argparse adds
the option's name). Subcommands share them, so ``--arch`` means the same everywhere.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from nn import serialize
from nn import train as training
from nn.app.base import CommandError
from nn.datasets import Dataset
from nn.module import MLP, refuse_huge
from nn.train import SETTINGS

T = TypeVar("T")


def _int_list(text: str, what: str, example: str, lowest: int) -> list[int]:
    """Comma-separated whole numbers >= lowest, or ArgumentTypeError quoting ``text``."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or any(v < lowest for v in values):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not {what} "
            f"(whole numbers >= {lowest} separated by commas, e.g. {example})"
        )
    return values


def layer_sizes(text: str) -> list[int]:
    """--hidden: one size per hidden layer, e.g. "16" or "16,8"."""
    return _int_list(text, "a list of layer sizes", "16 or 16,8", 1)


def architecture(text: str) -> list[int]:
    """--arch: n_0,n_1,...,n_L, the inputs then each layer's size, e.g. "2,3,2"."""
    sizes = _int_list(text, "an architecture", "2,3,2", 1)
    if len(sizes) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an architecture: give the number of inputs and at least one "
            "layer size, separated by commas (e.g. 2,3,2)"
        )
    try:
        refuse_huge(sizes)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is too big: {e}") from None
    return sizes


def indices(count: int, names: str, example: str) -> Callable[[str], tuple[int, ...]]:
    """An argparse type for ``count`` comma-separated indices, such as --weight l,j,k."""

    def parse(text: str) -> tuple[int, ...]:
        values = _int_list(text, f"an index {names}", example, 0)
        if len(values) != count:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not an index {names}: give {count} whole numbers separated by "
                f"commas (e.g. {example})"
            )
        return tuple(values)

    return parse


def numbers(text: str) -> list[float]:
    """--input/--target: comma-separated finite numbers, e.g. "0.5,-1"."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of finite numbers separated by commas (e.g. 0.5,-1)"
        )
    return values


def checked(convert: Callable[[str], T], ok: Callable[[T], bool], what: str) -> Callable[[str], T]:
    """An argparse type: ``convert`` the text and require ``ok`` of the result."""

    def parse(text: str) -> T:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    parse.__doc__ = f"Parse {what}."
    return parse


def setting(name: str, convert: Callable[[str], float]) -> Callable[[str], float]:
    """The argparse type of the run setting ``name``, held to ``nn.train.SETTINGS[name]``."""
    bound = SETTINGS[name]
    return checked(convert, bound.ok, bound.what)


whole_number = checked(int, lambda v: True, "a whole number")  # a seed: any integer
digits = checked(int, lambda v: 1 <= v <= 17, "a number of significant digits from 1 to 17")


def load_model(path: Path) -> MLP:
    """The model saved at ``path``, or CommandError saying in one line why it cannot be used.

    ``MLP.load`` refuses anything but a regular file, and a file too big to hold a network the
    command line may build, before reading it.
    """
    try:
        return MLP.load(path)
    except FileNotFoundError:
        raise CommandError(f"no model file '{path}' (train writes one: chainrule train)") from None
    except OSError as e:
        raise CommandError(f"cannot read the model file '{path}': {e.strerror or e}") from None
    except ValueError as e:
        raise CommandError(f"cannot load the model file: {e}") from None


def trained_data(path: Path) -> Dataset:
    """Every example of the data set the model at ``path`` was trained on, rebuilt from the
    record ``chainrule train`` leaves in the model file; CommandError if it has none."""
    data = recorded_data(path)
    if data is None:
        raise CommandError(
            f"the model file '{path}' does not record its data set (chainrule train records "
            "it; MLP.save without data= does not): give the input with --input instead"
        )
    return data


def recorded_data(path: Path) -> Dataset | None:
    """``trained_data(path)``, or None when the model file records no data set."""
    try:
        record = serialize.read(path).data
    except (OSError, ValueError) as e:
        raise CommandError(f"cannot read the model file '{path}': {e}") from None
    if record is None:
        return None
    try:
        return training.load_dataset(training.config_of_record(record))
    except (OSError, ValueError) as e:
        raise CommandError(
            f"cannot rebuild the {record['dataset']} data of '{path}': {e}"
        ) from None


def example(data: Dataset, n: int) -> tuple[list[float], int]:
    """(x, label) of example ``n`` of ``data``; CommandError naming the valid range."""
    if not 0 <= n < len(data):
        raise CommandError(
            f"--example {n} is out of range: the {data.name} data has examples 0..{len(data) - 1}"
        )
    return data.inputs[n], data.labels[n]


#: --examples of ``check``: how many networks to draw (at most a million keeps a run finite).
examples = checked(int, lambda v: 1 <= v <= 1_000_000, "a whole number from 1 to 1000000")


def names(known: tuple[str, ...], what: str) -> Callable[[str], list[str]]:
    """An argparse type for comma-separated names of ``known`` (--activation tanh,sigmoid)."""

    def parse(text: str) -> list[str]:
        parts = [part.strip() for part in text.split(",")]
        for part in parts:
            if part not in known:
                raise argparse.ArgumentTypeError(
                    f"{part!r} is not a known {what}: choose from {','.join(known)}"
                )
        return parts

    parse.__doc__ = f"Parse comma-separated {what} names."
    return parse
