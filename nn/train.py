"""The training loop behind ``chainrule train``: data, network, SGD loop and evaluation.

The default is the network of note 000 (eq. 15–18): 64 pixel inputs, 16 sigmoid hidden
neurons, 10 sigmoid outputs, the squared error C = Σ_j (a_j − y_j)² (N000.19) against one-hot
targets, trained by mini-batch SGD on the mean cost of each batch (N002.m, N002.7). The
predicted class is the output with the largest activation.

Everything random (the train/test split, the initial weights, the order of the examples in
each epoch) comes from generators seeded by ``TrainConfig.seed``, so a run is reproducible to
the last digit. The job's I/O (progress bar, pictures, output files) is the application's:
``nn.app.trainjob``; this module writes nothing.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd import Value, no_grad
from nn import byhand
from nn.activations import ACTIVATIONS
from nn.compiled import COMPILABLE_LOSSES, train_batch
from nn.datasets import Dataset, load_digits, make_moons, split, stratified_subset
from nn.limits import refuse_huge
from nn.losses import LOSSES, OUTPUT_FOR_LOSS, mean, output_problem
from nn.module import MLP
from nn.optim import SGD

DATASETS = ("digits", "moons")
#: The most examples a run may ask for: moons are generated in memory, one Python float pair
#: each, and every example is a forward pass per epoch.
MAX_SAMPLES = 100_000


@dataclass(frozen=True)
class Bound:
    """What a numeric setting must be: ``ok(value)``, and ``what`` says it in words."""

    ok: Callable[[float], bool]
    what: str


#: The numeric settings of a run and their bounds: the one place they are checked, by
#: ``TrainConfig.validate`` and by the command line's option parsers (``nn.app.options``).
SETTINGS: dict[str, Bound] = {
    "epochs": Bound(lambda v: v >= 1, "a whole number >= 1"),
    "batch_size": Bound(lambda v: v >= 1, "a whole number >= 1"),
    "lr": Bound(lambda v: math.isfinite(v) and v > 0, "a positive number"),
    "test_fraction": Bound(lambda v: 0 < v < 1, "a number strictly between 0 and 1"),
    "samples": Bound(
        lambda v: 4 <= v <= MAX_SAMPLES, f"a number of examples from 4 to {MAX_SAMPLES:,}"
    ),
    "noise": Bound(lambda v: math.isfinite(v) and v >= 0, "a number >= 0"),
}


class TrainError(Exception):
    """A problem the user can fix (a bad setting, a network too big, a diverging run)."""


class DivergedError(TrainError):
    """The cost or a gradient stopped being finite: the steps were too big for ``lr``."""

    def __init__(self, message: str, lr: float) -> None:
        super().__init__(message)
        self.lr = lr


@dataclass(frozen=True)
class BatchDone:
    """What the loop reports after each SGD step: the epoch's running mean cost and accuracy."""

    epoch: int
    epochs: int
    mean_cost: float
    accuracy: float


@dataclass(frozen=True)
class TrainConfig:
    """Every choice of a training run; the defaults are the notes' network on the digits."""

    dataset: str = "digits"
    hidden: tuple[int, ...] = (16,)
    activation: str = "sigmoid"
    #: None: softmax for cross_entropy, sigmoid for binary_cross_entropy, else ``activation``.
    output_activation: str | None = None
    loss: str = "squared_error"
    # Tuned on the digits with nn.MLP's initialisation (docs/notes.md keeps the measurements).
    epochs: int = 20
    lr: float = 2.0
    batch_size: int = 16
    seed: int = 0
    test_fraction: float = 0.2
    #: How many examples: moons generates this many (200 if None); digits takes a stratified
    #: subset of this size (all 1,797 if None).
    samples: int | None = None
    noise: float = 0.1
    #: Train through ``model.compile_step`` (``autograd.compile``): the same numbers, faster.
    compile: bool = False

    def output(self) -> str:
        """The activation of the output layer."""
        if self.output_activation is not None:
            return self.output_activation
        return OUTPUT_FOR_LOSS.get(self.loss, self.activation)

    def validate(self) -> None:
        """Raise TrainError naming the first option that makes no sense."""
        if self.dataset not in DATASETS:
            raise TrainError(
                f"unknown dataset {self.dataset!r}: choose one of {', '.join(DATASETS)}"
            )
        if self.activation not in ACTIVATIONS:
            raise TrainError(
                f"unknown activation {self.activation!r}: choose one of {', '.join(ACTIVATIONS)}"
            )
        if self.loss not in LOSSES:
            raise TrainError(f"unknown loss {self.loss!r}: choose one of {', '.join(LOSSES)}")
        if not self.hidden or any(n < 1 for n in self.hidden):
            raise TrainError(f"hidden layer sizes must be whole numbers >= 1, got {self.hidden}")
        for name, bound in SETTINGS.items():
            value = getattr(self, name)
            if value is not None and not bound.ok(value):  # samples=None: the dataset's own
                raise TrainError(f"{name.replace('_', ' ')} must be {bound.what}, got {value}")
        problem = output_problem(self.loss, self.output())
        if problem:
            raise TrainError(problem)
        if self.compile and (self.loss not in COMPILABLE_LOSSES or self.output() == "softmax"):
            raise TrainError(
                f"--compile replays only a graph that does not depend on the data: the "
                f"{', '.join(COMPILABLE_LOSSES)} losses without a softmax output layer, not "
                f"{self.loss} with a {self.output()} output"
            )


@dataclass(frozen=True)
class EpochStats:
    """One epoch: the mean training cost and accuracy during it, then the test set's after it."""

    epoch: int
    train_cost: float
    train_accuracy: float
    test_cost: float
    test_accuracy: float


@dataclass(frozen=True)
class HandCheck:
    """How far the notes' formulas (``nn.byhand.gradients``) are from the engine's gradients."""

    max_relative_difference: float
    max_absolute_difference: float
    n_examples: int
    n_parameters: int


# -- data and model -----------------------------------------------------------------------------


#: How each data set's inputs are made from the raw data (recorded in the model file).
PREPROCESSING = {
    "digits": "pixels 0..16 scaled to [0, 1] (nn.datasets.load_digits)",
    "moons": "none: the points as nn.datasets.make_moons draws them",
}


def load_dataset(config: TrainConfig) -> Dataset:
    """Every example of the configured data set, in its order, before the split."""
    if config.dataset == "moons":
        return make_moons(config.samples or 200, config.noise, config.seed)
    data = load_digits()
    if config.samples is not None:
        data = stratified_subset(data, config.samples, config.seed)
    return data


def load_data(config: TrainConfig) -> tuple[Dataset, Dataset]:
    """(train, test) for the configured dataset, split class by class (stratified)."""
    return split(load_dataset(config), config.test_fraction, config.seed)


def data_record(config: TrainConfig) -> dict[str, object]:
    """What a model file records of the data (``serialize.DATA_FIELDS``), to rebuild it."""
    return {
        "dataset": config.dataset,
        "samples": config.samples,
        "noise": config.noise,
        "seed": config.seed,
        "test_fraction": config.test_fraction,
        "preprocessing": PREPROCESSING[config.dataset],
    }


def config_of_record(record: dict[str, object]) -> TrainConfig:
    """The TrainConfig whose ``load_dataset`` rebuilds the data a ``data_record`` describes."""
    return TrainConfig(
        dataset=str(record["dataset"]),
        samples=record["samples"],  # type: ignore[arg-type]
        noise=float(record["noise"]),  # type: ignore[arg-type]
        seed=int(record["seed"]),  # type: ignore[call-overload]
        test_fraction=float(record["test_fraction"]),  # type: ignore[arg-type]
    )


def build_model(config: TrainConfig, nin: int, n_classes: int) -> MLP:
    """The MLP nin → hidden... → n_classes with the configured activations, seeded."""
    try:
        refuse_huge([nin, *config.hidden, n_classes])
    except ValueError as e:
        raise TrainError(str(e)) from None
    return MLP(
        nin,
        [*config.hidden, n_classes],
        activation=config.activation,
        output_activation=config.output(),
        seed=config.seed,
    )


def predict(outputs: Sequence[Value]) -> int:
    """The predicted class: the index of the largest output (the first one on a tie)."""
    best = 0
    for j in range(1, len(outputs)):
        if outputs[j].data > outputs[best].data:
            best = j
    return best


def evaluate(model: MLP, data: Dataset, loss: str) -> tuple[float, float]:
    """(mean cost, accuracy) of ``model`` on ``data``, without recording a graph."""
    cost = LOSSES[loss]
    total = 0.0
    correct = 0
    with no_grad():
        for x, label, y in zip(data.inputs, data.labels, data.targets(), strict=True):
            a = model.forward(x)
            total += cost(a, y).data
            correct += predict(a) == label
    return total / len(data), correct / len(data)


# -- the training loop --------------------------------------------------------------------------


def train(
    model: MLP,
    train_set: Dataset,
    test_set: Dataset,
    config: TrainConfig,
    on_batch: Callable[[BatchDone], None] | None = None,
    on_epoch: Callable[[EpochStats], None] | None = None,
) -> list[EpochStats]:
    """Mini-batch SGD on the mean cost of each batch, θ := θ − α ∂C/∂θ; one EpochStats each epoch.

    The examples are shuffled at the start of every epoch (seeded). ``on_batch``, if given, is
    called after every step with the epoch's running mean cost and accuracy (a progress bar);
    ``on_epoch`` after every epoch with its EpochStats (a log line, a picture of the model).
    """
    cost = LOSSES[config.loss]
    optimizer = SGD(model.parameters(), lr=config.lr)
    targets = train_set.targets()
    order = list(range(len(train_set)))
    # A generator of its own: the split and the initial weights use the same seed elsewhere.
    rng = random.Random(config.seed + 1)
    history: list[EpochStats] = []
    step = model.compile_step(config.loss) if config.compile else None
    for epoch in range(1, config.epochs + 1):
        rng.shuffle(order)
        seen = 0
        total = 0.0
        correct = 0
        try:
            for start in range(0, len(order), config.batch_size):
                batch = order[start : start + config.batch_size]
                optimizer.zero_grad()
                if step is not None:
                    # The same numbers as the branch below (tests/test_nn_compiled.py).
                    value, right = train_batch(
                        step,
                        [train_set.inputs[i] for i in batch],
                        [targets[i] for i in batch],
                        [train_set.labels[i] for i in batch],
                    )
                    correct += right
                    if not math.isfinite(value):
                        raise FloatingPointError(f"the cost became {value!r}")
                else:
                    costs = []
                    for i in batch:
                        a = model.forward(train_set.inputs[i])
                        costs.append(cost(a, targets[i]))
                        correct += predict(a) == train_set.labels[i]
                    batch_cost = mean(costs)
                    if not math.isfinite(batch_cost.data):
                        raise FloatingPointError(f"the cost became {batch_cost.data!r}")
                    batch_cost.backward()
                    value = batch_cost.data
                optimizer.step()  # ValueError, moving nothing, if a gradient is not finite
                seen += len(batch)
                total += value * len(batch)
                if on_batch is not None:
                    on_batch(BatchDone(epoch, config.epochs, total / seen, correct / seen))
            test_cost, test_accuracy = evaluate(model, test_set, config.loss)
        except (ArithmeticError, ValueError) as e:
            # Overflow, a log of 0, an infinite cost or gradient: the steps were too big.
            raise DivergedError(
                f"training diverged in epoch {epoch}: {e} (the learning rate {config.lr:g} "
                "is too large for this run)",
                config.lr,
            ) from e
        history.append(EpochStats(epoch, total / seen, correct / seen, test_cost, test_accuracy))
        if on_epoch is not None:
            on_epoch(history[-1])
    return history


#: ``at_chance`` speaks after this many epochs: the first few may be slow to start.
CHANCE_EPOCHS = 3


def at_chance(history: Sequence[EpochStats], n_classes: int) -> str | None:
    """What is wrong when the test accuracy stayed at chance for the last epochs; else None.

    Chance is 1/n_classes (10% for the digits); "at chance" allows 5 points above it, since
    a constant prediction scores the largest class's share, which sits a little above 1/n.
    """
    if len(history) < CHANCE_EPOCHS or n_classes < 2:
        return None
    chance = 1.0 / n_classes
    last = history[-CHANCE_EPOCHS:]
    if all(h.test_accuracy <= chance + 0.05 for h in last):
        return (
            f"the test accuracy stayed at chance ({last[-1].test_accuracy:.1%} with "
            f"{n_classes} classes) for the last {CHANCE_EPOCHS} epochs"
        )
    return None


def batches_per_epoch(config: TrainConfig, n_examples: int) -> int:
    """How many SGD steps one epoch over ``n_examples`` takes (the last batch may be short)."""
    return math.ceil(n_examples / config.batch_size)


# -- the notes' formulas against the engine -----------------------------------------------------


def one_per_class(data: Dataset) -> list[int]:
    """The index of the first example of each class present in ``data``, by class."""
    first: dict[int, int] = {}
    for i, label in enumerate(data.labels):
        first.setdefault(label, i)
    return [first[c] for c in sorted(first)]


def check_by_hand(model: MLP, data: Dataset, indices: Sequence[int], loss: str) -> HandCheck:
    """Compare ``nn.byhand.gradients`` with ``backward()`` for each example at ``indices``.

    The relative difference of a parameter is |g_engine − g_hand| / max(|g_engine|, |g_hand|)
    (0 when both are 0); the largest over every parameter and example is reported.
    """
    cost = LOSSES[loss]
    targets = data.targets()
    params = model.parameters()
    worst_rel = 0.0
    worst_abs = 0.0
    for i in indices:
        model.zero_grad()
        cost(model.forward(data.inputs[i]), targets[i]).backward()
        dW, db = byhand.gradients(model, data.inputs[i], targets[i], loss=loss)
        # The order of model.parameters(): layer by layer, neuron by neuron, w_j0..w_j(n-1), b_j.
        by_hand = [
            g
            for Wl, bl in zip(dW, db, strict=True)
            for row, bj in zip(Wl, bl, strict=True)
            for g in (*row, bj)
        ]
        for p, h in zip(params, by_hand, strict=True):
            diff = abs(p.grad - h)
            scale = max(abs(p.grad), abs(h))
            worst_abs = max(worst_abs, diff)
            if scale > 0:
                worst_rel = max(worst_rel, diff / scale)
    model.zero_grad()
    return HandCheck(worst_rel, worst_abs, len(indices), len(params))


def batch_gradients(model: MLP, data: Dataset, indices: Sequence[int], loss: str) -> None:
    """Leave in each parameter's ``grad`` the gradient of the mean cost of those examples."""
    cost = LOSSES[loss]
    targets = data.targets()
    model.zero_grad()
    mean([cost(model.forward(data.inputs[i]), targets[i]) for i in indices]).backward()
