"""The training job's I/O: its progress bar, its pictures and the files it writes.

``nn.train`` is the pure loop; this module shows it running (tqdm) and writes what it made:
the loss curve (matplotlib), the network picture (viz) and the model. tqdm and matplotlib (the
``demo`` extra) are imported by the functions that use them, so the rest of the command line
works without them.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from autograd import Value
from nn import train as training
from nn.datasets import Dataset
from nn.fileio import write_atomic
from nn.module import MLP
from nn.train import EpochStats, TrainConfig

#: The files the job writes into its output directory.
LOSS_CURVE = "loss.svg"
NETWORK_PICTURE = "network.svg"
MODEL_FILE = "model.json"


class JobError(Exception):
    """An output that cannot be made (no renderer, a directory that cannot be written)."""


def train_with_progress(
    model: MLP,
    train_set: Dataset,
    test_set: Dataset,
    config: TrainConfig,
    stream: TextIO | None = None,
) -> list[EpochStats]:
    """``nn.train.train`` with a tqdm bar on ``stream`` (stderr by default) showing each step."""
    from tqdm import tqdm

    bar = tqdm(
        total=config.epochs * training.batches_per_epoch(config, len(train_set)),
        desc="training",
        unit="batch",
        file=stream if stream is not None else sys.stderr,
        dynamic_ncols=True,
    )

    def show(done: training.BatchDone) -> None:
        bar.set_postfix_str(
            f"epoch {done.epoch}/{done.epochs}, cost {done.mean_cost:.4f}, "
            f"accuracy {done.accuracy:.1%}",
            refresh=False,
        )
        bar.update(1)

    try:
        return training.train(model, train_set, test_set, config, on_batch=show)
    finally:
        bar.close()


def check_writable(directory: Path) -> None:
    """Create ``directory`` if needed and make sure a file can be written in it (JobError)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".chainrule-probe-", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        reason = e.strerror or str(e)
        raise JobError(f"cannot write to the output directory '{directory}': {reason}") from None


def loss_curve_svg(history: Sequence[EpochStats], title: str) -> bytes:
    """The cost and the accuracy per epoch, training and test, as a deterministic SVG.

    matplotlib's Agg canvas, with ``svg.hashsalt`` fixed (the ids in the file) and
    ``svg.fonttype`` "none" (text kept as text, not glyph paths), and no date in the metadata:
    the same history always gives the same bytes.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    epochs = [h.epoch for h in history]
    with matplotlib.rc_context({"svg.hashsalt": "chainrule", "svg.fonttype": "none"}):
        fig = Figure(figsize=(7.0, 6.0), layout="constrained")
        FigureCanvasAgg(fig)
        cost_ax, acc_ax = fig.subplots(2, 1, sharex=True)
        cost_ax.plot(epochs, [h.train_cost for h in history], marker=".", label="training")
        cost_ax.plot(epochs, [h.test_cost for h in history], marker=".", label="test")
        cost_ax.set_ylabel("mean cost C")
        cost_ax.set_title(title)
        cost_ax.grid(alpha=0.3)
        cost_ax.legend()
        acc_ax.plot(epochs, [100 * h.train_accuracy for h in history], marker=".", label="training")
        acc_ax.plot(epochs, [100 * h.test_accuracy for h in history], marker=".", label="test")
        acc_ax.set_ylabel("accuracy (%)")
        acc_ax.set_xlabel("epoch")
        acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        acc_ax.grid(alpha=0.3)
        acc_ax.legend(loc="lower right")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def check_renderer() -> None:
    """Raise JobError now, not after training, if ``viz`` cannot render the network picture."""
    try:
        import viz

        viz.to_svg(Value(0.0, "probe"))
    except ImportError as e:
        raise JobError(
            f"drawing the network needs the viz extra ({e}): pip install 'chainrule[viz]'"
        ) from None
    except RuntimeError as e:  # viz.RendererNotFound, or a renderer that fails
        raise JobError(f"cannot draw the network picture: {e}") from None


def write_outputs(
    model: MLP,
    history: Sequence[EpochStats],
    data: Dataset,
    examples: Sequence[int],
    config: TrainConfig,
    directory: Path,
) -> list[tuple[Path, str]]:
    """Write the loss curve, the network picture and the model; return (path, what) of each.

    The picture's gradients are those of the mean cost over ``examples`` of ``data``.
    """
    import viz

    sizes = "-".join(str(n) for n in model.sizes)
    curve = directory / LOSS_CURVE
    title = f"{config.dataset}: {sizes} {model.activations[0]}, {config.loss}, lr {config.lr:g}"
    write_atomic(curve, loss_curve_svg(history, title))
    picture = directory / NETWORK_PICTURE
    training.batch_gradients(model, data, examples, config.loss)
    viz.render(viz.draw_network(model), picture, format="svg")
    model.zero_grad()
    saved = directory / MODEL_FILE
    model.save(saved)
    return [
        (curve, "cost and accuracy per epoch, training and test"),
        (picture, f"the network, with |∂C/∂w| of the mean cost over {len(examples)} test examples"),
        (saved, "the trained model (MLP.load reads it back)"),
    ]
