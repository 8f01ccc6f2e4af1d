"""The training job's I/O (``nn.app.trainjob``): progress bar, loss curve, output directory."""

from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from nn import train as training
from nn.app import trainjob


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a console's stderr does."""

    def isatty(self) -> bool:
        return True


def test_progress_bar_shows_running_cost_and_accuracy() -> None:
    config = training.TrainConfig(dataset="moons", samples=40, hidden=(2,), epochs=2, seed=0)
    train_set, test_set = training.load_data(config)
    model = training.build_model(config, 2, 2)
    stream = Terminal()
    trainjob.train_with_progress(model, train_set, test_set, config, stream=stream)
    text = stream.getvalue()
    n_batches = -(-len(train_set) // config.batch_size)
    assert f"{2 * n_batches}/{2 * n_batches}" in text
    assert re.search(r"epoch 2/2, cost \d+\.\d{4}, accuracy \d+\.\d%", text)


EPOCH_LINE = re.compile(
    r"^epoch (\d+)/(\d+): training cost (\d+\.\d{4}), training accuracy (\d+\.\d)%, "
    r"test cost (\d+\.\d{4}), test accuracy (\d+\.\d)%, (\d+\.\d\d) s$"
)


def test_a_log_gets_one_plain_line_per_epoch() -> None:
    config = training.TrainConfig(dataset="moons", samples=40, hidden=(3,), epochs=3, seed=1)
    train_set, test_set = training.load_data(config)
    model = training.build_model(config, 2, 2)
    stream = io.StringIO()  # not a terminal: a file, a pipe, CI
    seen: list[int] = []
    history = trainjob.train_with_progress(
        model, train_set, test_set, config, stream=stream, on_epoch=lambda h: seen.append(h.epoch)
    )
    text = stream.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert len(lines) == config.epochs
    for line, stats in zip(lines, history, strict=True):
        m = EPOCH_LINE.match(line)
        assert m is not None, line
        # The figures are the loop's own, rounded as printed.
        assert m.groups()[:6] == (
            str(stats.epoch),
            "3",
            f"{stats.train_cost:.4f}",
            f"{100 * stats.train_accuracy:.1f}",
            f"{stats.test_cost:.4f}",
            f"{100 * stats.test_accuracy:.1f}",
        )
    assert seen == [1, 2, 3]


def _history() -> list[training.EpochStats]:
    return [
        training.EpochStats(1, 0.9, 0.4, 0.8, 0.5),
        training.EpochStats(2, 0.5, 0.7, 0.6, 0.65),
        training.EpochStats(3, 0.3, 0.85, 0.4, 0.8),
    ]


def test_loss_curve_is_a_deterministic_svg() -> None:
    first = trainjob.loss_curve_svg(_history(), "a title")
    second = trainjob.loss_curve_svg(_history(), "a title")
    assert first == second
    root = ET.fromstring(first)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = first.decode()
    assert "a title" in text  # svg.fonttype "none": text stays text
    assert "<dc:date>" not in text
    # Four lines through the three epochs (M x y L x y L x y): the training and test costs,
    # which fall, then the two accuracies, which rise. SVG's y axis points down.
    curves = [
        [float(v) for v in re.findall(r"[-\d.]+", p.attrib["d"])[1::2]]
        for p in root.iter("{http://www.w3.org/2000/svg}path")
        if "clip-path" in p.attrib and p.attrib["d"].count("L") == 2
    ]
    assert len(curves) == 4
    for ys in curves[:2]:
        assert ys == sorted(ys)
    for ys in curves[2:]:
        assert ys == sorted(ys, reverse=True)


def test_check_writable_creates_the_directory(tmp_path: Path) -> None:
    out_dir = tmp_path / "a" / "b"
    trainjob.check_writable(out_dir)
    assert out_dir.is_dir()
    assert os.listdir(out_dir) == []  # the probe file is gone
