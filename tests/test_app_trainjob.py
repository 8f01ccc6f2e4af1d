"""The training job's I/O (``nn.app.trainjob``): progress bar, loss curve, output directory."""

from __future__ import annotations

import io
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from nn import train as training
from nn.app import trainjob


def test_progress_bar_shows_running_cost_and_accuracy() -> None:
    config = training.TrainConfig(dataset="moons", samples=40, hidden=(2,), epochs=2, seed=0)
    train_set, test_set = training.load_data(config)
    model = training.build_model(config, 2, 2)
    stream = io.StringIO()
    trainjob.train_with_progress(model, train_set, test_set, config, stream=stream)
    text = stream.getvalue()
    n_batches = -(-len(train_set) // config.batch_size)
    assert f"{2 * n_batches}/{2 * n_batches}" in text
    assert re.search(r"epoch 2/2, cost \d+\.\d{4}, accuracy \d+\.\d%", text)


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
