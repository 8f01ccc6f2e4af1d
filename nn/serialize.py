"""Saving and loading MLPs: a JSON file with the architecture and every weight.

JSON, never pickle, so that loading a file can run no code. A file looks like::

    {"format": "chainrule-mlp", "version": 1,
     "sizes": [2, 3, 1], "activations": ["sigmoid", "sigmoid"],
     "weights": [[[w_00, w_01], ...], ...], "biases": [[b_0, b_1, b_2], [b_0]]}

with ``weights[l-1][j][k]`` = w_jk^(l) and ``biases[l-1][j]`` = b_j^(l). Floats are written as
their shortest repr, which reads back as exactly the same float. Files are written atomically:
a temporary file in the same directory, flushed to disk, then renamed over the target, so a
failure part-way leaves the previous file as it was. Reading checks everything (JSON, format,
version, shapes, types, finiteness) and raises ValueError saying what is wrong before anything
is used.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from nn.fileio import write_atomic

if TYPE_CHECKING:
    from nn.module import MLP

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


def to_dict(model: MLP) -> dict[str, Any]:
    """The JSON object for ``model``; ValueError if a weight is not finite (JSON has no nan)."""
    weights = []
    biases = []
    for layer in model.layers:
        weights.append([[w.data for w in n.w] for n in layer.neurons])
        biases.append([n.b.data for n in layer.neurons])
        for n in layer.neurons:
            for p in (*n.w, n.b):
                if not math.isfinite(p.data):
                    raise ValueError(
                        f"cannot save the model: {p.label or 'a parameter'} of layer "
                        f"{layer.layer} is {p.data!r} (only finite weights can be saved)"
                    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "sizes": list(model.sizes),
        "activations": list(model.activations),
        "weights": weights,
        "biases": biases,
    }


def save(model: MLP, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` (see the module docstring for the format)."""
    write_atomic(path, (json.dumps(to_dict(model), allow_nan=False) + "\n").encode("utf-8"))


def _fail(path: str, what: str) -> NoReturn:
    raise ValueError(f"{path}: {what}")


def _number(path: str, value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
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


def read(path: str | os.PathLike[str]) -> Checkpoint:
    """The checked contents of the model file at ``path``; ValueError saying what is wrong."""
    name = os.fspath(path)
    with open(name, "rb") as f:
        raw = f.read()
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
    extra = sorted(set(data) - set(_KEYS))
    if extra:
        _fail(name, f"unexpected keys {extra}")

    sizes_raw = _list(name, data["sizes"], '"sizes"')
    if len(sizes_raw) < 2:
        _fail(name, f'"sizes" must list the inputs and at least one layer, got {sizes_raw!r}')
    sizes = []
    for i, n in enumerate(sizes_raw):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            _fail(name, f'"sizes"[{i}] must be a whole number >= 1, got {n!r}')
        sizes.append(n)
    L = len(sizes) - 1

    from nn.module import ACTIVATIONS, OUTPUT_ACTIVATIONS

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
    return Checkpoint(sizes, [str(a) for a in acts], weights, biases)


def assign(model: MLP, checkpoint: Checkpoint, path: str = "the checkpoint") -> None:
    """Copy ``checkpoint``'s weights into ``model`` after checking the architectures match."""
    if checkpoint.sizes != model.sizes:
        _fail(path, f"sizes {checkpoint.sizes} do not match the model's {model.sizes}")
    if checkpoint.activations != model.activations:
        _fail(
            path,
            f"activations {checkpoint.activations} do not match the model's {model.activations}",
        )
    # Everything was checked above and in read(): from here on nothing can fail half-way.
    for layer, layer_w, layer_b in zip(
        model.layers, checkpoint.weights, checkpoint.biases, strict=True
    ):
        for neuron, row, b in zip(layer.neurons, layer_w, layer_b, strict=True):
            for w, v in zip(neuron.w, row, strict=True):
                w.data = v
            neuron.b.data = b


def load(path: str | os.PathLike[str]) -> MLP:
    """A new MLP built from the file at ``path``."""
    from nn.module import MLP

    checkpoint = read(path)
    *hidden, last = checkpoint.activations
    model = MLP(
        checkpoint.sizes[0],
        checkpoint.sizes[1:],
        activation=[*hidden, "linear"],
        output_activation=last,
        seed=0,  # any seed: every weight is overwritten below
    )
    assign(model, checkpoint, os.fspath(path))
    return model


def load_weights(model: MLP, path: str | os.PathLike[str]) -> None:
    """Load the weights stored at ``path`` into ``model``, which must have the same architecture."""
    assign(model, read(path), os.fspath(path))
