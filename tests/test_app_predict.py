"""``chainrule predict``: a trained model's class for examples of its data or given inputs.

The oracle is the saved model itself, loaded with ``MLP.load``, on the data rebuilt here
from the same options as the training run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nn import train as training
from nn.module import MLP
from tests.support.cli import TINY, assert_one_line_error, run


@pytest.fixture
def trained(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    status, _, err = run(capsys, "train", *TINY, "--quiet", "--out", str(tmp_path))
    assert status == 0, err
    return tmp_path / "model.json"


LINE = re.compile(r"^(.*): predicted (\d+), outputs \[(.*)\]$")


def test_predict_examples_of_the_training_data(
    capsys: pytest.CaptureFixture[str], trained: Path
) -> None:
    status, out, err = run(capsys, "predict", "--model", str(trained), "--example", "0", "7")
    assert status == 0, err
    data = training.load_dataset(training.TrainConfig(dataset="moons", samples=60))
    model = MLP.load(trained)
    lines = out.splitlines()
    assert len(lines) == 2
    for line, n in zip(lines, (0, 7), strict=True):
        m = LINE.match(line)
        assert m is not None, line
        assert m.group(1) == f"example {n} (class {data.labels[n]})"
        outputs = model.forward(data.inputs[n])
        assert int(m.group(2)) == training.predict(outputs)
        # Printed to 4 decimals: equal to the model's own outputs at that rounding.
        assert m.group(3) == ", ".join(f"{a.data:.4f}" for a in outputs)


def test_predict_given_inputs(capsys: pytest.CaptureFixture[str], trained: Path) -> None:
    args = ["--input", "0.5,-0.25", "--input", "1,1"]
    status, out, err = run(capsys, "predict", "--model", str(trained), *args)
    assert status == 0, err
    model = MLP.load(trained)
    for line, x in zip(out.splitlines(), ([0.5, -0.25], [1.0, 1.0]), strict=True):
        m = LINE.match(line)
        assert m is not None, line
        assert int(m.group(2)) == training.predict(model.forward(x))


def test_predict_names_what_is_wrong(capsys: pytest.CaptureFixture[str], trained: Path) -> None:
    status, _, err = run(capsys, "predict", "--model", str(trained), "--example", "60")
    assert status != 0
    assert_one_line_error(err, "--example 60 is out of range", "0..59")
    status, _, err = run(capsys, "predict", "--model", str(trained), "--input", "1,2,3")
    assert status != 0
    assert_one_line_error(err, "--input has 3 numbers", "2 inputs")
    bare = trained.parent / "bare.json"
    MLP(2, [2]).save(bare)  # no data record
    status, _, err = run(capsys, "predict", "--model", str(bare), "--example", "0")
    assert status != 0
    assert_one_line_error(err, "does not record its data set", "--input")
