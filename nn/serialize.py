"""Saving and loading MLPs: a JSON file with the architecture and every weight.

JSON, never pickle, so that loading a file can run no code. A file looks like::

    {"format": "chainrule-mlp", "version": 1,
     "sizes": [2, 3, 1], "activations": ["sigmoid", "sigmoid"],
     "weights": [[[w_00, w_01], ...], ...], "biases": [[b_0, b_1, b_2], [b_0]]}

with ``weights[l-1][j][k]`` = w_jk^(l) and ``biases[l-1][j]`` = b_j^(l). A model saved by
``chainrule train`` also has ``"data"``: the data set it was trained on and how its inputs
were made (``DATA_FIELDS``), so that its examples can be rebuilt. Floats are written as
their shortest repr, which reads back as exactly the same float. Files are written atomically:
a temporary file in the same directory, flushed to disk, then renamed over the target, so a
failure part-way leaves the previous file as it was (``nn.fileio``). Reading refuses what is
not a regular file, or too big for a network of ``nn.limits.MAX_PARAMETERS``, before reading a
byte; then it checks everything (JSON, format, version, parameter count, shapes, types,
finiteness) and raises ValueError saying what is wrong before anything is used.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from typing import Any, NoReturn

from nn.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from nn.checks import is_int, is_real
from nn.fileio import read_bounded, write_atomic
from nn.limits import MAX_PARAMETERS, max_file_bytes, refuse_huge

FORMAT = "chainrule-mlp"
VERSION = 1
_KEYS = ("format", "version", "sizes", "activations", "weights", "biases")


@dataclass(frozen=True)
class Checkpoint:
    """The validated contents of a model file."""

    sizes: list[int]
    activations: list[str]
    weights: list[list[list[float]]]
    biases: list[list[float]]
    #: What the model was trained on (``DATA_FIELDS``), if it was saved by ``chainrule train``.
    data: dict[str, Any] | None = None


#: The optional "data" object: the data set and the preprocessing a model was trained with,
#: enough to rebuild every example (``nn.train.load_dataset``). Each field and its check.
DATA_FIELDS: dict[str, tuple[str, Any]] = {
    "dataset": ("a data set name", lambda v: isinstance(v, str) and v != ""),
    "samples": ("null or a whole number >= 1", lambda v: v is None or (is_int(v) and v >= 1)),
    "noise": ("a finite number >= 0", lambda v: is_real(v) and math.isfinite(v) and v >= 0),
    "seed": ("a whole number", lambda v: is_int(v)),
    "test_fraction": ("a number in (0, 1)", lambda v: is_real(v) and 0 < v < 1),
    "preprocessing": ("a text", lambda v: isinstance(v, str)),
}


def to_dict(checkpoint: Checkpoint) -> dict[str, Any]:
    """The JSON object of a model file holding ``checkpoint``."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(checkpoint.sizes),
        "activations": list(checkpoint.activations),
        "weights": checkpoint.weights,
        "biases": checkpoint.biases,
        **({} if checkpoint.data is None else {"data": dict(checkpoint.data)}),
    }


def write(path: str | os.PathLike[str], checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` (see the module docstring for the format)."""
    data = json.dumps(to_dict(checkpoint), allow_nan=False) + "\n"
    write_atomic(path, data.encode("utf-8"))


def _fail(path: str, what: str) -> NoReturn:
    raise ValueError(f"{path}: {what}")


def _number(path: str, value: object, where: str) -> float:
    if not is_real(value):
        _fail(path, f"{where} must be a number, got {type(value).__name__} {value!r}")
    try:
        f = float(value)
    except OverflowError:  # a JSON integer has no size limit; a float does
        _fail(path, f"{where} must be finite, got an integer of {len(str(value))} digits")
    if not math.isfinite(f):
        _fail(path, f"{where} must be finite, got {f!r}")
    return f


def _list(path: str, value: object, where: str, length: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        _fail(path, f"{where} must be a list, got {type(value).__name__}")
    if length is not None and len(value) != length:
        _fail(path, f"{where} must have {length} entries, got {len(value)}")
    return value


def structure_limits(max_parameters: int) -> dict[bytes, int]:
    """How many of each JSON bracket, separator and quote a file of a network with at most
    ``max_parameters`` parameters P can hold.

    With N neurons and L layers (N <= P/2, each neuron having a weight and a bias; L <= N):
    4 + 2L + N lists, under P + 2N + 3L + 5 commas, 14 + 2L quotes, and one object; the
    optional "data" record adds one object, 6 commas and 16 quotes.
    """
    return {
        b"[": 4 + 3 * max_parameters // 2,
        b",": 11 + 4 * max_parameters,
        b'"': 30 + max_parameters,
        b"{": 2,
    }


def _refuse_by_structure(name: str, raw: bytes, max_parameters: int) -> None:
    """ValueError before parsing if ``raw`` holds more JSON values than such a network needs.

    Counting bytes is cheap; parsing a file of a million tiny lists or objects is not (each
    becomes a Python object), so what the size alone cannot refuse is refused here.
    """
    for token, limit in structure_limits(max_parameters).items():
        count = raw.count(token)
        if count > limit:
            _fail(
                name,
                f"holds {count:,} {token.decode()!r}, more than the file of a network of at "
                f"most {max_parameters:,} parameters can ({limit:,}): too big a network to load",
            )


#: How deep a model file may nest its brackets: it needs 4 (the object, "weights", a layer, a
#: neuron). Checked before json reads the file: json's decoder recurses once per bracket, and
#: under a recursion limit some other code has raised it would overrun the C stack (a crash)
#: rather than raise RecursionError.
MAX_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def _refuse_deep(name: str, raw: bytes) -> None:
    """Refuse a file whose brackets (outside strings) nest deeper than ``MAX_DEPTH``."""
    depth = 0
    for b in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        if b == 0x5B or b == 0x7B:  # [ or {
            depth += 1
            if depth > MAX_DEPTH:
                _fail(name, "not a chainrule model file: JSON nested too deeply to read")
        else:
            depth -= 1


def read(path: str | os.PathLike[str], max_parameters: int = MAX_PARAMETERS) -> Checkpoint:
    """The checked contents of the model file at ``path``; ValueError saying what is wrong.

    A file that is not a regular file (a FIFO, a device, a directory), or bigger than a network
    of ``max_parameters`` can need (``nn.limits.max_file_bytes``), is refused before it is read,
    and so is a network of more parameters once its sizes are known.
    """
    name = os.fspath(path)
    raw = read_bounded(name, max_file_bytes(max_parameters), "a model file")
    _refuse_by_structure(name, raw, max_parameters)
    _refuse_deep(name, raw)
    try:
        # NaN and Infinity (which json accepts) become floats here, so that the checks below
        # can say which weight is not finite.
        data = json.loads(raw.decode("utf-8"), parse_constant=float)
    except UnicodeDecodeError as e:
        _fail(name, f"not a chainrule model file: not UTF-8 text ({e})")
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        _fail(name, f"not a chainrule model file: not valid JSON ({e})")
    except RecursionError:  # json's decoder recurses once per nested [ or {
        _fail(name, "not a chainrule model file: JSON nested too deeply to read")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        _fail(name, f'not a chainrule model file: expected a JSON object with "format": "{FORMAT}"')
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        _fail(
            name, f"unsupported format version {version!r}: this chainrule reads version {VERSION}"
        )
    for key in _KEYS:
        if key not in data:
            _fail(name, f'missing key "{key}"')
    extra = sorted(set(data) - {*_KEYS, "data"})
    if extra:
        _fail(name, f"unexpected keys {extra}")

    sizes_raw = _list(name, data["sizes"], '"sizes"')
    if len(sizes_raw) < 2:
        _fail(name, f'"sizes" must list the inputs and at least one layer, got {sizes_raw!r}')
    sizes = []
    for i, n in enumerate(sizes_raw):
        if not is_int(n) or n < 1:
            _fail(name, f'"sizes"[{i}] must be a whole number >= 1, got {n!r}')
        sizes.append(n)
    try:
        refuse_huge(sizes, max_parameters)
    except ValueError as e:
        _fail(name, str(e))
    L = len(sizes) - 1

    acts = _list(name, data["activations"], '"activations"', L)
    for i, act in enumerate(acts):
        allowed = OUTPUT_ACTIVATIONS if i == L - 1 else ACTIVATIONS
        if act not in allowed:
            _fail(
                name,
                f'"activations"[{i}] (layer {i + 1}) must be one of {list(allowed)}, got {act!r}',
            )

    weights_raw = _list(name, data["weights"], '"weights"', L)
    biases_raw = _list(name, data["biases"], '"biases"', L)
    weights: list[list[list[float]]] = []
    biases: list[list[float]] = []
    for l in range(1, L + 1):
        rows = _list(name, weights_raw[l - 1], f'"weights"[{l - 1}] (layer {l})', sizes[l])
        layer_w = []
        for j, row in enumerate(rows):
            where = f'"weights"[{l - 1}][{j}] (w_{{{j},k}}^({l}))'
            entries = _list(name, row, where, sizes[l - 1])
            layer_w.append(
                [
                    _number(name, v, f'"weights"[{l - 1}][{j}][{k}] (w_{{{j},{k}}}^({l}))')
                    for k, v in enumerate(entries)
                ]
            )
        weights.append(layer_w)
        bs = _list(name, biases_raw[l - 1], f'"biases"[{l - 1}] (layer {l})', sizes[l])
        biases.append(
            [
                _number(name, v, f'"biases"[{l - 1}][{j}] (b_{{{j}}}^({l}))')
                for j, v in enumerate(bs)
            ]
        )
    return Checkpoint(sizes, [str(a) for a in acts], weights, biases, _data(name, data.get("data")))


def _data(path: str, value: object) -> dict[str, Any] | None:
    """The checked "data" object of a model file (None when the file has none)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        _fail(path, f'"data" must be an object, got {type(value).__name__}')
    keys = set(value)
    if keys != set(DATA_FIELDS):
        missing, extra = sorted(set(DATA_FIELDS) - keys), sorted(keys - set(DATA_FIELDS))
        _fail(
            path,
            f'"data" must have exactly the keys {list(DATA_FIELDS)} (missing {missing}, '
            f"unexpected {extra})",
        )
    for key, (what, ok) in DATA_FIELDS.items():
        if not ok(value[key]):
            _fail(path, f'"data"."{key}" must be {what}, got {value[key]!r}')
    return dict(value)
