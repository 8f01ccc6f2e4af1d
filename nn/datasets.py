"""The data ``chainrule train`` learns from, with no download: handwritten digits and two moons.

``load_digits()`` reads the 1,797 8×8 images of the UCI optical recognition of handwritten
digits (CC BY 4.0) shipped inside the package, with the pixels scaled from 0..16 to [0, 1].
``make_moons(n, noise, seed)`` draws two interleaving half circles, a small two-class problem
that a network with a few hidden neurons can separate. Both return a ``Dataset``; ``split``
divides one into a training and a test set, class by class (stratified), from a seed.

>>> digits = load_digits()
>>> len(digits), len(digits.inputs[0]), digits.n_classes
(1797, 64, 10)
>>> one_hot(3, 5)
[0.0, 0.0, 0.0, 1.0, 0.0]
"""

from __future__ import annotations

import gzip
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from nn.checks import is_int

#: Where the digits live inside the ``nn`` package.
DIGITS_RESOURCE = "data/digits.csv.gz"
#: Pixels of the digits run from 0 (white) to this value (black).
DIGITS_MAX_PIXEL = 16
DIGITS_PIXELS = 64


@dataclass(frozen=True)
class Dataset:
    """Examples for classification: ``inputs[i]`` (floats) belongs to class ``labels[i]``."""

    name: str
    inputs: list[list[float]]
    labels: list[int]
    n_classes: int

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.labels):
            raise ValueError(
                f"Dataset {self.name!r}: {len(self.inputs)} inputs but {len(self.labels)} labels"
            )
        bad = [y for y in self.labels if not 0 <= y < self.n_classes]
        if bad:
            raise ValueError(
                f"Dataset {self.name!r}: label {bad[0]} is outside 0..{self.n_classes - 1}"
            )

    def __len__(self) -> int:
        return len(self.labels)

    def targets(self) -> list[list[float]]:
        """The one-hot target vector y of every example (y_j = 1 for its class, 0 elsewhere)."""
        return [one_hot(y, self.n_classes) for y in self.labels]

    def subset(self, indices: Sequence[int]) -> Dataset:
        """The examples at ``indices``, in that order."""
        return Dataset(
            self.name,
            [self.inputs[i] for i in indices],
            [self.labels[i] for i in indices],
            self.n_classes,
        )

    def class_counts(self) -> list[int]:
        """How many examples each class has."""
        counts = [0] * self.n_classes
        for y in self.labels:
            counts[y] += 1
        return counts


def one_hot(label: int, n_classes: int) -> list[float]:
    """The vector y with y_j = 1 if j == label else 0, of length ``n_classes``."""
    if not 0 <= label < n_classes:
        raise ValueError(f"one_hot: label {label} is outside 0..{n_classes - 1}")
    y = [0.0] * n_classes
    y[label] = 1.0
    return y


def load_digits() -> Dataset:
    """The 1,797 handwritten digits: 64 pixels each, scaled to [0, 1], labels 0..9."""
    try:
        raw = resources.files("nn").joinpath(DIGITS_RESOURCE).read_bytes()
    except OSError as e:
        # An editable install made before nn/ had an __init__.py imports nn as a namespace
        # package, whose resources Python 3.11 cannot open; reinstalling fixes it.
        raise OSError(
            f"cannot read {DIGITS_RESOURCE} from the nn package ({e}); "
            "if chainrule is installed in editable mode, reinstall it: pip install -e ."
        ) from e
    text = gzip.decompress(raw).decode("ascii")
    return _parse_digits(text)


def _parse_digits(text: str) -> Dataset:
    """Rows of 64 pixel values 0..16 followed by the label, comma-separated, no header."""
    inputs: list[list[float]] = []
    labels: list[int] = []
    scale = 1.0 / DIGITS_MAX_PIXEL
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fields = [int(f) for f in line.split(",")]
        except ValueError:
            raise ValueError(f"digits data, row {number}: not a list of integers") from None
        if len(fields) != DIGITS_PIXELS + 1:
            raise ValueError(
                f"digits data, row {number}: {len(fields)} fields, expected {DIGITS_PIXELS + 1}"
            )
        *pixels, label = fields
        if not all(0 <= p <= DIGITS_MAX_PIXEL for p in pixels) or not 0 <= label <= 9:
            raise ValueError(f"digits data, row {number}: a pixel or the label is out of range")
        inputs.append([p * scale for p in pixels])
        labels.append(label)
    return Dataset("digits", inputs, labels, 10)


def make_moons(n: int = 200, noise: float = 0.1, seed: int | None = None) -> Dataset:
    """Two interleaving half circles of radius 1, ``n`` points in all, labels 0 and 1.

    Class 0 lies on (cos t, sin t) and class 1 on (1 − cos t, 1/2 − sin t), t ∈ [0, π], at
    evenly spaced t; each coordinate then gets Gaussian noise of standard deviation ``noise``.
    Class 0 has ⌈n/2⌉ points, class 1 ⌊n/2⌋. The points come in a seeded random order.
    """
    if not is_int(n) or n < 2:
        raise ValueError(f"make_moons needs n >= 2 points, got {n!r}")
    if not (isinstance(noise, (int, float)) and math.isfinite(noise) and noise >= 0):
        raise ValueError(f"make_moons needs a finite noise >= 0, got {noise!r}")
    rng = random.Random(seed)
    points: list[tuple[list[float], int]] = []
    for label, count in ((0, n - n // 2), (1, n // 2)):
        for i in range(count):
            t = math.pi * i / (count - 1) if count > 1 else math.pi / 2
            if label == 0:
                x, y = math.cos(t), math.sin(t)
            else:
                x, y = 1.0 - math.cos(t), 0.5 - math.sin(t)
            if noise:
                x += rng.gauss(0.0, noise)
                y += rng.gauss(0.0, noise)
            points.append(([x, y], label))
    rng.shuffle(points)
    return Dataset("moons", [p for p, _ in points], [c for _, c in points], 2)


def _stratified_indices(
    dataset: Dataset, fraction: float, rng: random.Random, lowest: int, spare: int
) -> list[int]:
    """Round(f · k) of each class's k indices, chosen at random, clamped to lowest..k − spare.

    A class with fewer than ``lowest`` indices gives all it has.
    """
    by_class: list[list[int]] = [[] for _ in range(dataset.n_classes)]
    for i, y in enumerate(dataset.labels):
        by_class[y].append(i)
    chosen: list[int] = []
    for members in by_class:
        rng.shuffle(members)
        take = max(lowest, min(len(members) - spare, round(fraction * len(members))))
        chosen.extend(members[:take])
    return chosen


def split(dataset: Dataset, test_fraction: float, seed: int | None) -> tuple[Dataset, Dataset]:
    """(train, test): each class split at random in the ratio (1 − f) : f, then shuffled.

    Stratified, so both sets keep the classes' proportions; each class with examples keeps at
    least one in each set.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(
            f"split needs a test fraction strictly between 0 and 1, not {test_fraction}"
        )
    counts = dataset.class_counts()
    small = [c for c, k in enumerate(counts) if k == 1]
    if small:
        raise ValueError(
            f"split: class {small[0]} of {dataset.name!r} has one example, "
            "too few for both a training and a test set"
        )
    rng = random.Random(seed)
    # lowest=1 for every class: an empty class takes nothing from it (the slice is empty), and
    # lowering it for all classes because one is empty would let small ones lose their test set.
    test = _stratified_indices(dataset, test_fraction, rng, lowest=1, spare=1)
    in_test = set(test)
    train = [i for i in range(len(dataset)) if i not in in_test]
    rng.shuffle(train)
    rng.shuffle(test)
    return dataset.subset(train), dataset.subset(test)


def stratified_subset(dataset: Dataset, n: int, seed: int | None) -> Dataset:
    """About ``n`` examples drawn class by class in the dataset's proportions (order shuffled).

    Every class keeps at least two examples (when it has them), enough for ``split``.
    """
    if n < 1:
        raise ValueError(f"stratified_subset needs n >= 1, got {n}")
    if n >= len(dataset):
        return dataset
    rng = random.Random(seed)
    # A class with fewer than two examples gives what it has (the slice is shorter).
    chosen = _stratified_indices(dataset, n / len(dataset), rng, lowest=2, spare=0)
    rng.shuffle(chosen)
    return dataset.subset(chosen)
