"""Tests of saving and loading MLPs: exact round trips, atomic writes, and refusal of bad files
with the model left untouched.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import MLP, serialize
from tests.strategies import NetSpec, net_specs


def snapshot(model: MLP) -> list[str]:
    """Every parameter as float.hex(): equal strings mean bitwise-equal floats (−0.0 included)."""
    return [p.data.hex() for p in model.parameters()]


def reference_model() -> MLP:
    return MLP(3, [4, 2], activation=["tanh", "sigmoid"], output_activation="softmax", seed=3)


# -- round trips ----------------------------------------------------------------------------


@given(net_specs(weights=st.floats(allow_nan=False, allow_infinity=False)))
def test_save_then_load_gives_back_every_weight_bit_for_bit(spec: NetSpec) -> None:
    """Any finite float (subnormals, −0.0, 1e308) survives JSON: repr reads back exactly."""
    model = spec.build()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.json")
        model.save(path)
        loaded = MLP.load(path)
        other = spec.build()
        for p in other.parameters():
            p.data = 0.5
        other.load_weights(path)
    assert loaded.sizes == model.sizes
    assert loaded.activations == model.activations == spec.layer_activations
    assert snapshot(loaded) == snapshot(model)  # bitwise: exactness is the point
    assert snapshot(other) == snapshot(model)
    assert [p.label for p in loaded.parameters()] == [p.label for p in model.parameters()]


def test_a_loaded_model_computes_the_same_outputs(tmp_path: Path) -> None:
    model = reference_model()
    path = tmp_path / "m.json"
    model.save(path)
    loaded = MLP.load(path)
    x = [0.25, -1.5, 3.0]
    # Same weights, same operations: the same floats (exactness is the point).
    assert [v.data for v in loaded.forward(x)] == [v.data for v in model.forward(x)]


def test_the_file_is_plain_json_with_the_architecture(tmp_path: Path) -> None:
    """Readable by any JSON reader: format, version, sizes, activations, weights[l-1][j][k]."""
    model = reference_model()
    path = tmp_path / "m.json"
    model.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "chainrule-mlp"
    assert data["version"] == 1
    assert data["sizes"] == [3, 4, 2]
    assert data["activations"] == ["tanh", "softmax"]
    assert data["weights"][1][0][3] == model.w(2, 0, 3).data  # w_{0,3}^(2), exactly
    assert data["biases"][0][2] == model.b(1, 2).data
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind


def test_a_saved_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    """Not mkstemp's private 0600: what open() would give (0666 less the umask), or the old mode."""
    umask = os.umask(0o022)
    try:
        path = tmp_path / "m.json"
        reference_model().save(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o640)
        reference_model().save(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(umask)


# -- atomic writes --------------------------------------------------------------------------


def _fail_on_fsync(fd: int) -> None:
    # Called once the bytes are in the temporary file: a disk that fills up or goes away there.
    raise OSError("no space left on device")


def _fail_on_replace(src: Any, dst: Any) -> None:
    raise OSError("rename failed")


@pytest.mark.parametrize(
    ("name", "replacement"),
    [("fsync", _fail_on_fsync), ("replace", _fail_on_replace)],
    ids=["os.fsync", "os.replace"],
)
def test_a_failed_save_leaves_the_old_file_byte_identical(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    replacement: Callable[..., None],
) -> None:
    """Crash mid-write (or at the rename): the previous file is intact, no temp file remains."""
    path = tmp_path / "model.json"
    reference_model().save(path)
    before = path.read_bytes()
    other = MLP(3, [4, 2], seed=99)
    monkeypatch.setattr(os, name, replacement)
    with pytest.raises(OSError, match=r"no space left|rename failed"):
        other.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
    assert snapshot(MLP.load(path)) == snapshot(reference_model())


def test_a_failed_save_to_a_new_path_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fsync", _fail_on_fsync)
    with pytest.raises(OSError, match="no space left"):
        reference_model().save(tmp_path / "new.json")
    assert list(tmp_path.iterdir()) == []


def test_a_model_with_a_nan_weight_is_not_saved(tmp_path: Path) -> None:
    """JSON has no nan: saving refuses, naming the parameter, and the old file stays."""
    path = tmp_path / "model.json"
    reference_model().save(path)
    before = path.read_bytes()
    model = reference_model()
    model.w(2, 1, 0).data = float("nan")
    with pytest.raises(ValueError, match=r"w_\{1,0\}\^\(2\) of layer 2 is nan"):
        model.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


# -- bad files ------------------------------------------------------------------------------


def _valid() -> dict[str, Any]:
    """The JSON object of reference_model(), to be spoilt by each case below."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.json")
        reference_model().save(path)
        with open(path, encoding="utf-8") as f:
            data: dict[str, Any] = json.load(f)
    return data


def _text(change: Callable[[dict[str, Any]], object]) -> str:
    data = _valid()
    change(data)
    return json.dumps(data)


def _set(keys: tuple[Any, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def _truncated() -> str:
    text = json.dumps(_valid())
    return text[: len(text) // 2]


BAD_FILES: list[tuple[str, Callable[[], str | bytes], str]] = [
    ("truncated", _truncated, "not valid JSON"),
    ("empty", lambda: "", "not valid JSON"),
    ("not json", lambda: "weights: 1, 2, 3", "not valid JSON"),
    ("not utf-8", lambda: b'{"format": "\xff"}', "not UTF-8"),
    ("a list", lambda: "[1, 2, 3]", "not a chainrule model file"),
    ("other format", lambda: _text(_set(("format",), "keras")), "not a chainrule model file"),
    ("version 2", lambda: _text(_set(("version",), 2)), "unsupported format version 2"),
    ("version '1'", lambda: _text(_set(("version",), "1")), "unsupported format version '1'"),
    ("no biases", lambda: _text(lambda d: d.pop("biases")), 'missing key "biases"'),
    ("extra key", lambda: _text(_set(("optimizer",), "sgd")), r"unexpected keys \['optimizer'\]"),
    ("sizes not a list", lambda: _text(_set(("sizes",), 3)), '"sizes" must be a list'),
    ("a size of 0", lambda: _text(_set(("sizes", 1), 0)), r'"sizes"\[1\] must be a whole number'),
    (
        "unknown activation",
        lambda: _text(_set(("activations", 0), "swish")),
        r'"activations"\[0\] \(layer 1\) must be one of .* got \'swish\'',
    ),
    (
        "softmax in a hidden layer",
        lambda: _text(_set(("activations", 0), "softmax")),
        r'"activations"\[0\] \(layer 1\) must be one of',
    ),
    (
        "a missing neuron",
        lambda: _text(lambda d: d["weights"][0].pop()),
        r'"weights"\[0\] \(layer 1\) must have 4 entries, got 3',
    ),
    (
        "a row too long",
        lambda: _text(lambda d: d["weights"][1][0].append(0.5)),
        r'"weights"\[1\]\[0\] \(w_\{0,k\}\^\(2\)\) must have 4 entries, got 5',
    ),
    (
        "a missing bias",
        lambda: _text(lambda d: d["biases"][1].pop()),
        r'"biases"\[1\] \(layer 2\) must have 2 entries, got 1',
    ),
    (
        "a string weight",
        lambda: _text(_set(("weights", 0, 1, 2), "0.5")),
        r'"weights"\[0\]\[1\]\[2\] \(w_\{1,2\}\^\(1\)\) must be a number, got str',
    ),
    (
        "a boolean weight",
        lambda: _text(_set(("weights", 1, 1, 0), True)),
        r'"weights"\[1\]\[1\]\[0\] .* must be a number, got bool',
    ),
    (
        "a null bias",
        lambda: _text(_set(("biases", 0, 3), None)),
        r'"biases"\[0\]\[3\] \(b_\{3\}\^\(1\)\) must be a number, got NoneType',
    ),
    (
        "a nan weight",
        lambda: _text(_set(("weights", 0, 0, 1), float("nan"))),
        r'"weights"\[0\]\[0\]\[1\] \(w_\{0,1\}\^\(1\)\) must be finite, got nan',
    ),
    (
        "an infinite bias",
        lambda: _text(_set(("biases", 1, 0), float("-inf"))),
        r'"biases"\[1\]\[0\] \(b_\{0\}\^\(2\)\) must be finite, got -inf',
    ),
    (
        # A JSON integer beyond the float range: float() of it raises OverflowError.
        "an integer weight too large for a float",
        lambda: _text(_set(("weights", 1, 0, 2), 10**400)),
        r'"weights"\[1\]\[0\]\[2\] \(w_\{0,2\}\^\(2\)\) must be finite, got an integer of 401 dig',
    ),
    # json's decoder recurses once per bracket: this depth raises RecursionError inside it.
    ("nested too deeply", lambda: "[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
]


@pytest.mark.parametrize(
    ("content", "message"), [(c, m) for _, c, m in BAD_FILES], ids=[n for n, _, _ in BAD_FILES]
)
def test_a_bad_file_is_refused_and_the_model_is_untouched(
    tmp_path: Path, content: Callable[[], str | bytes], message: str
) -> None:
    """load_weights checks everything before it assigns anything; MLP.load refuses too."""
    path = tmp_path / "bad.json"
    data = content()
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    model = reference_model()
    before = snapshot(model)
    with pytest.raises(ValueError, match=message):
        model.load_weights(path)
    assert snapshot(model) == before  # not one weight changed (exactness is the point)
    with pytest.raises(ValueError, match=message):
        MLP.load(path)


def test_a_file_of_another_architecture_is_refused(tmp_path: Path) -> None:
    """A valid file, but for other sizes or activations: load_weights names both."""
    model = reference_model()
    before = snapshot(model)
    wider = tmp_path / "wider.json"
    MLP(3, [5, 2], activation="tanh", output_activation="softmax", seed=0).save(wider)
    with pytest.raises(ValueError, match=r"sizes \[3, 5, 2\] do not match the model's \[3, 4, 2\]"):
        model.load_weights(wider)
    relu = tmp_path / "relu.json"
    MLP(3, [4, 2], activation="relu", output_activation="softmax", seed=0).save(relu)
    with pytest.raises(ValueError, match=r"activations \['relu', 'softmax'\] do not match"):
        model.load_weights(relu)
    assert snapshot(model) == before
    # The file itself is fine: MLP.load builds the architecture it describes.
    assert MLP.load(wider).sizes == [3, 5, 2]


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        MLP.load(tmp_path / "nothing.json")


# -- files too big for their network, refused before they are parsed ---------------------------


@pytest.mark.parametrize("sizes", [[1] * 40, [1, 30, 1], [5, 1], [3, 4, 4, 2]])
def test_the_structure_limits_hold_every_saved_model(tmp_path: Path, sizes: list[int]) -> None:
    from nn.limits import parameter_count
    from nn.serialize import structure_limits

    path = tmp_path / "m.json"
    MLP(sizes[0], sizes[1:], seed=0).save(path)
    raw = path.read_bytes()
    # The limits are derived for the largest allowed network: this one must fit its own.
    for token, limit in structure_limits(parameter_count(sizes)).items():
        assert raw.count(token) <= limit, token


@pytest.mark.parametrize(("body", "token"), [(b"[]," * 2_000_000, "'['"), (b"{}," * 10, "'{'")])
def test_a_file_of_many_small_values_is_refused_unparsed(
    tmp_path: Path, body: bytes, token: str
) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b'{"format": "chainrule-mlp", "sizes": [' + body + b"[]]}")
    pattern = f"holds .* {re.escape(token)}, more than the file of a network"
    with pytest.raises(ValueError, match=pattern):
        MLP.load(path)


RECORD = {
    "dataset": "moons",
    "samples": 60,
    "noise": 0.1,
    "seed": 3,
    "test_fraction": 0.2,
    "preprocessing": "none",
}


def test_the_data_record_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    MLP(2, [3, 2], seed=0).save(path, data=RECORD)
    assert serialize.read(path).data == RECORD
    MLP(2, [3, 2], seed=0).save(path)
    assert serialize.read(path).data is None  # optional: files without it still load


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seed": 1.5}, '"data"."seed" must be a whole number'),
        ({"samples": 0}, '"data"."samples" must be null or a whole number >= 1'),
        ({"test_fraction": 1.0}, r'"data"."test_fraction" must be a number in \(0, 1\)'),
        ({"extra": 1}, "unexpected \\['extra'\\]"),
    ],
)
def test_a_bad_data_record_is_named(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = tmp_path / "m.json"
    MLP(2, [2], seed=0).save(path, data=RECORD)
    raw = json.loads(path.read_text())
    raw["data"].update(change)
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=message):
        serialize.read(path)


def test_deep_nesting_is_refused_before_json_reads_it_whatever_the_recursion_limit(
    tmp_path: Path,
) -> None:
    """In a process whose recursion limit was raised, json's decoder would crash on this file.

    The depth is checked first, so the file is refused with the same message; run in a child
    process, so that a crash would fail this test instead of ending the test run.
    """
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code = (
        "import sys; sys.setrecursionlimit(10**6)\n"
        "from nn import serialize\n"
        "try:\n"
        f"    serialize.read({str(path)!r})\n"
        "except ValueError as e:\n"
        "    print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert "JSON nested too deeply" in done.stdout


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    path = tmp_path / "strings.json"
    deep = "[" * (serialize.MAX_DEPTH + 5)
    path.write_text(json.dumps({"format": deep, "note": '\\"' + deep}), encoding="utf-8")
    with pytest.raises(ValueError, match='expected a JSON object with "format"'):
        serialize.read(path)
