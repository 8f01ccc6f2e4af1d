"""The training job's I/O: its progress bar, its pictures and the files it writes.

``nn.train`` is the pure loop; this module shows it running (tqdm) and writes what it made:
the loss curve (matplotlib), the network picture (viz) and the model. tqdm and matplotlib (the
``demo`` extra) are imported by the functions that use them, so the rest of the command line
works without them.
"""

from __future__ import annotations

import io
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from autograd import Value, no_grad
from nn import train as training
from nn.datasets import Dataset
from nn.fileio import write_atomic
from nn.module import MLP
from nn.train import EpochStats, TrainConfig

#: The files the job writes into its output directory.
LOSS_CURVE = "loss.svg"
NETWORK_PICTURE = "network.svg"
MODEL_FILE = "model.json"
#: Two-dimensional data (moons): the decision boundary after the last epoch, and every epoch's.
BOUNDARY = "boundary.svg"
BOUNDARY_PAGE = "boundary.html"
#: The digits: the test digits the model gets wrong, and the test set's confusion matrix.
MISCLASSIFIED = "misclassified.svg"
CONFUSION = "confusion.svg"
#: At most this many misclassified digits are drawn (the picture stays readable).
MAX_MISCLASSIFIED = 60
#: What the loss curve's two lines are: the training figure is the running mean over the
#: epoch's steps, taken while the weights change; the test figure is taken after the epoch.
TRAIN_LABEL = "training (mean over the epoch, while it trains)"
TEST_LABEL = "test (after the epoch)"


class JobError(Exception):
    """An output that cannot be made (no renderer, a directory that cannot be written)."""


def epoch_line(stats: EpochStats, epochs: int, seconds: float) -> str:
    """One epoch as a plain line of a log: its number, costs, accuracies and duration."""
    return (
        f"epoch {stats.epoch}/{epochs}: training cost {stats.train_cost:.4f}, training accuracy "
        f"{stats.train_accuracy:.1%}, test cost {stats.test_cost:.4f}, test accuracy "
        f"{stats.test_accuracy:.1%}, {seconds:.2f} s"
    )


def train_with_progress(
    model: MLP,
    train_set: Dataset,
    test_set: Dataset,
    config: TrainConfig,
    stream: TextIO | None = None,
    on_epoch: Callable[[EpochStats], None] | None = None,
) -> list[EpochStats]:
    """``nn.train.train``, shown on ``stream`` (stderr by default) as it runs.

    On a terminal a tqdm bar follows each step. Anywhere else (a log file, CI, a notebook's
    captured output) a bar would be hundreds of updates joined by carriage returns into one
    line, so each epoch gets one plain line instead (``epoch_line``), flushed as it ends.
    ``on_epoch`` is called after each epoch, after its line.
    """
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        start = time.perf_counter()

        def log(stats: EpochStats) -> None:
            nonlocal start
            seconds = time.perf_counter() - start
            print(epoch_line(stats, config.epochs, seconds), file=out, flush=True)
            if on_epoch is not None:
                on_epoch(stats)
            start = time.perf_counter()  # the next epoch's time, without on_epoch's

        return training.train(model, train_set, test_set, config, on_epoch=log)

    from tqdm import tqdm

    bar = tqdm(
        total=config.epochs * training.batches_per_epoch(config, len(train_set)),
        desc="training",
        unit="batch",
        file=out,
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
        return training.train(model, train_set, test_set, config, on_batch=show, on_epoch=on_epoch)
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
        cost_ax.plot(epochs, [h.train_cost for h in history], marker=".", label=TRAIN_LABEL)
        cost_ax.plot(epochs, [h.test_cost for h in history], marker=".", label=TEST_LABEL)
        cost_ax.set_ylabel("mean cost C")
        cost_ax.set_title(title)
        cost_ax.grid(alpha=0.3)
        cost_ax.legend()
        train_acc = [100 * h.train_accuracy for h in history]
        acc_ax.plot(epochs, train_acc, marker=".", label=TRAIN_LABEL)
        acc_ax.plot(epochs, [100 * h.test_accuracy for h in history], marker=".", label=TEST_LABEL)
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
    model.save(saved, data=training.data_record(config))
    return [
        (curve, "cost and accuracy per epoch, training and test"),
        (picture, f"the network, with |∂C/∂w| of the mean cost over {len(examples)} test examples"),
        (saved, "the trained model (MLP.load reads it back)"),
    ]


# -- pictures of what the model does ------------------------------------------------------------


def class_one_share(model: MLP) -> Callable[[float, float], float]:
    """(x, y) ↦ a number that is 1/2 exactly where the model's two outputs are equal.

    The predicted class is the larger output, so the decision boundary is a_1 = a_0: for
    outputs in [0, 1] (sigmoid, softmax) the share is (1 + a_1 − a_0) / 2, otherwise
    σ(a_1 − a_0). Either grows with a_1 − a_0, so the picture shades by confidence.
    """
    bounded = model.activations[-1] in ("sigmoid", "softmax")

    def share(x: float, y: float) -> float:
        with no_grad():
            a0, a1 = (v.data for v in model.forward([x, y]))
        d = a1 - a0
        if bounded:
            return (1.0 + d) / 2.0
        return 1.0 / (1.0 + math.exp(-d)) if d >= 0 else math.exp(d) / (1.0 + math.exp(d))

    return share


def boundary_frame(model: MLP, data: Dataset, epoch: int) -> str:
    """The model's decision boundary over the points of ``data`` (two inputs, two classes)."""
    import viz.training

    return viz.training.boundary_svg(
        class_one_share(model), data.inputs, data.labels, title=f"epoch {epoch}", grid=32
    )


def predictions(model: MLP, data: Dataset) -> list[int]:
    """The predicted class of every example of ``data``."""
    with no_grad():
        return [training.predict(model.forward(x)) for x in data.inputs]


def write_pictures(
    model: MLP,
    test_set: Dataset,
    frames: Sequence[str],
    directory: Path,
) -> list[tuple[Path, str]]:
    """The pictures of what the model does; return (path, what) of each.

    With boundary ``frames`` (two-dimensional data), the last one and a page of all of them;
    for the digits, the misclassified test digits and the confusion matrix.
    """
    import viz.training

    written: list[tuple[Path, str]] = []
    if frames:
        write_atomic(directory / BOUNDARY, frames[-1].encode("utf-8"))
        page = viz.training.boundary_page(frames, [f"epoch {k}" for k in range(1, len(frames) + 1)])
        write_atomic(directory / BOUNDARY_PAGE, page.encode("utf-8"))
        written.append((directory / BOUNDARY, "the decision boundary after the last epoch"))
        written.append((directory / BOUNDARY_PAGE, "the decision boundary, epoch by epoch"))
    if test_set.name == "digits":
        predicted = predictions(model, test_set)
        wrong = [
            i for i, (t, p) in enumerate(zip(test_set.labels, predicted, strict=True)) if t != p
        ]
        shown = wrong[:MAX_MISCLASSIFIED]
        title = f"{len(wrong)} of {len(test_set)} test digits misclassified"
        if len(shown) < len(wrong):
            title += f" (the first {len(shown)})"
        svg = viz.training.digits_svg(
            [test_set.inputs[i] for i in shown],
            [test_set.labels[i] for i in shown],
            [predicted[i] for i in shown],
            title=title,
        )
        write_atomic(directory / MISCLASSIFIED, svg.encode("utf-8"))
        matrix = viz.training.confusion_matrix(test_set.labels, predicted, test_set.n_classes)
        confusion = viz.training.confusion_svg(matrix, title="test set: true class × predicted")
        write_atomic(directory / CONFUSION, confusion.encode("utf-8"))
        written.append(
            (directory / MISCLASSIFIED, "the test digits it gets wrong, true → predicted")
        )
        written.append((directory / CONFUSION, "the confusion matrix of the test set"))
    return written
