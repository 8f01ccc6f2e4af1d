"""``chainrule train`` end to end (``nn.app.commands.train``): its runs, outputs and errors.

The runs are tiny (two moons, a few hidden neurons, one or two epochs) so that the file takes a
few seconds; the default digits run is measured by ``make demo``, not here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn import train as training
from nn.datasets import make_moons, split
from nn.module import MLP
from tests.support.cli import REPO, SVG, TINY, assert_one_line_error, printed_accuracy, run

# -- runs ---------------------------------------------------------------------------------------


def test_train_end_to_end(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "results"  # does not exist yet: train creates it
    status, out, err = run(capsys, "train", *TINY, "--seed", "3", "--out", str(out_dir))
    assert status == 0, err

    # The outputs: two SVGs that parse as XML with an <svg> root, and a model MLP.load reads.
    for name in ("loss.svg", "network.svg"):
        root = ET.parse(out_dir / name).getroot()
        assert root.tag == SVG
    curve = (out_dir / "loss.svg").read_text()
    assert "epoch" in curve  # svg.fonttype "none" keeps the axis labels as text
    model = MLP.load(out_dir / "model.json")
    assert model.sizes == [2, 4, 2]
    assert model.activations == ["sigmoid", "sigmoid"]

    # The printed accuracy is that of the saved model on the test set, recomputed here from
    # the same seeded data with the model's own outputs.
    _, test = split(make_moons(60, 0.1, seed=3), 0.2, seed=3)
    correct = 0
    for x, label in zip(test.inputs, test.labels, strict=True):
        a = [v.data for v in model.forward(x)]
        correct += a.index(max(a)) == label
    assert printed_accuracy(out) == pytest.approx(round(100 * correct / len(test), 1))

    # The hand formulas agree with the engine to rounding (both are sums of the same products,
    # in a different order): far below 1e-9.
    (rel,) = re.findall(r"largest relative difference (\S+),", out)
    assert float(rel) < 1e-9

    # It ends by listing the files it wrote.
    names = ("loss.svg", "network.svg", "model.json", "boundary.svg", "boundary.html")
    tail = out.strip().splitlines()[-len(names) :]
    assert [line.split()[0] for line in tail] == [str(out_dir / name) for name in names]
    # No temporary files are left behind by the atomic writes or the writability probe.
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(names)

    # stderr is not a terminal here: one plain line per epoch, no progress bar.
    assert "\r" not in err
    assert [line.split(":")[0] for line in err.splitlines()] == ["epoch 1/2", "epoch 2/2"]


def test_train_on_a_digits_subset(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(
        capsys,
        "train",
        *["--samples", "150", "--hidden", "6", "--epochs", "1", "--quiet"],
        *["--out", str(tmp_path)],
    )
    assert status == 0, err
    assert err == ""  # --quiet: no progress bar
    assert "data: digits" in out
    model = MLP.load(tmp_path / "model.json")
    assert model.sizes == [64, 6, 10]
    assert 0.0 <= printed_accuracy(out) <= 100.0


def test_train_options_reach_the_model(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(
        capsys,
        "train",
        *TINY,
        *["--hidden", "5,3", "--activation", "tanh", "--loss", "cross_entropy", "--quiet"],
        *["--lr", "0.1", "--batch-size", "7", "--out", str(tmp_path)],
    )
    assert status == 0, err
    model = MLP.load(tmp_path / "model.json")
    assert model.sizes == [2, 5, 3, 2]
    # cross_entropy needs a probability distribution: the output layer becomes softmax.
    assert model.activations == ["tanh", "tanh", "softmax"]


def test_seeded_runs_are_reproducible(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outputs = []
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        status, out, err = run(
            capsys, "train", *TINY, "--seed", seed, "--quiet", "--out", str(tmp_path / name)
        )
        assert status == 0, err
        outputs.append(out.replace(str(tmp_path / name), "OUT"))
    first, second, other = outputs
    assert first == second  # every printed number, to the last digit
    for name in ("model.json", "loss.svg", "network.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # The seed matters: another one gives other weights.
    assert (tmp_path / "a" / "model.json").read_bytes() != (
        tmp_path / "c" / "model.json"
    ).read_bytes()
    assert first != other


def test_python_m_nn_runs_train_reproducibly_across_processes(tmp_path: Path) -> None:
    # Two interpreters with different string hashes: an order taken from a set or a hash
    # would make the runs differ here, where the in-process test above cannot see it.
    runs = []
    for hash_seed in ("1", "2"):
        out_dir = tmp_path / hash_seed
        done = subprocess.run(
            [sys.executable, "-m", "nn", "train", *TINY, "--quiet", "--out", str(out_dir)],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert 0.0 <= printed_accuracy(done.stdout) <= 100.0
        files = {p.name: p.read_bytes() for p in sorted(out_dir.iterdir())}
        assert list(files) == [
            "boundary.html",
            "boundary.svg",
            "loss.svg",
            "model.json",
            "network.svg",
        ]
        runs.append((done.stdout.replace(str(out_dir), "OUT"), files))
    assert runs[0] == runs[1]


def test_python_m_nn_bad_input_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nn", "train", "--activation", "swish"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert_one_line_error(done.stderr, "chainrule train: error:", "'swish'")


def test_train_refuses_a_network_too_big_before_loading_memory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The size depends on the data set's inputs and classes, so it is checked once they are
    # known (exit status 1, like the other checks after parsing), still before any training.
    status, out, err = run(capsys, "train", "--hidden", "100000,100", "--out", str(tmp_path))
    assert status == 1
    assert out == ""
    assert_one_line_error(err, "--hidden 100000,100", "64,100000,100,10", "16,501,110 parameters")


@pytest.mark.parametrize("make", ["file", "under_a_file"])
def test_unwritable_output_directory_fails_before_training(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: str
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    out_dir = blocker if make == "file" else blocker / "sub"
    # The default digits run for 1000 epochs would take minutes: the error must come first.
    start = time.perf_counter()
    status, out, err = run(capsys, "train", "--epochs", "1000", "--quiet", "--out", str(out_dir))
    assert time.perf_counter() - start < 10
    assert status == 1
    assert out == ""
    assert_one_line_error(err, "cannot write to the output directory", str(out_dir))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
def test_read_only_output_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "ro"
    out_dir.mkdir()
    out_dir.chmod(0o500)
    try:
        status, _, err = run(capsys, "train", *TINY, "--quiet", "--out", str(out_dir))
    finally:
        out_dir.chmod(0o700)
    assert status == 1
    assert_one_line_error(err, "cannot write to the output directory", "ermission denied")


def test_a_diverging_run_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # relu with a huge learning rate blows the weights up to infinity within a few steps.
    status, _, err = run(
        capsys,
        "train",
        *TINY,
        *["--activation", "relu", "--loss", "mean_squared_error", "--lr", "1e150"],
        *["--epochs", "5", "--quiet", "--out", str(tmp_path)],
    )
    assert status == 1
    assert_one_line_error(err, "training diverged", "smaller --lr")


def test_moons_pictures_show_the_training_points_each_epoch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(capsys, "train", *TINY, "--epochs", "3", "--quiet", "--out", str(tmp_path))
    assert status == 0, err
    train, _ = split(make_moons(60, 0.1, seed=0), 0.2, seed=0)
    root = ET.parse(tmp_path / "boundary.svg").getroot()
    circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert len(circles) == len(train)
    assert sum("class1" in str(c.get("class")) for c in circles) == sum(train.labels)
    page = (tmp_path / "boundary.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3  # one frame per epoch
    assert re.findall(r"<figcaption>(.*?)</figcaption>", page) == [
        "epoch 1",
        "epoch 2",
        "epoch 3",
    ]


def test_digits_pictures_show_the_mistakes_the_saved_model_makes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["--samples", "150", "--hidden", "6", "--epochs", "2", "--quiet"]
    status, _, err = run(capsys, "train", *args, "--out", str(tmp_path))
    assert status == 0, err
    # The same seeded subset and split as the run, and the saved model's own predictions.
    config = training.TrainConfig(samples=150, hidden=(6,), epochs=2)
    _, test = training.load_data(config)
    model = MLP.load(tmp_path / "model.json")
    predicted = [training.predict(model.forward(x)) for x in test.inputs]
    wrong = sum(p != t for p, t in zip(predicted, test.labels, strict=True))
    ns = "{http://www.w3.org/2000/svg}"
    digits = ET.parse(tmp_path / "misclassified.svg").getroot()
    shown = [g for g in digits.iter(f"{ns}g") if g.get("class") == "digit"]
    assert len(shown) == min(wrong, 60)
    cells = [
        g
        for g in ET.parse(tmp_path / "confusion.svg").getroot().iter(f"{ns}g")
        if g.get("class") == "cell"
    ]
    counts = {(g.get("data-true"), g.get("data-predicted")): int(next(g.itertext())) for g in cells}
    assert sum(counts.values()) == len(test)
    assert sum(v for (t, p), v in counts.items() if t == p) == len(test) - wrong


def test_a_run_at_chance_ends_with_a_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["--samples", "150", "--epochs", "4", "--lr", "500", "--quiet"]
    status, out, err = run(capsys, "train", *args, "--out", str(tmp_path))
    assert status == 1
    assert_one_line_error(err, "stayed at chance", "try a smaller --lr than 500", "--seed")
    assert "wrote:" in out  # the outputs are there to look at
