"""The built-in data: the digits read from the package, make_moons, the stratified split."""

from __future__ import annotations

import csv
import gzip
import io
import math
import statistics
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn.datasets import (
    Dataset,
    _parse_digits,
    load_digits,
    make_moons,
    one_hot,
    split,
    stratified_subset,
)

# The class sizes of the UCI optical digits set as scikit-learn ships it (its DESCR gives the
# total, 1797; each class has 174..183 images).
DIGITS_CLASS_SIZES = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def _raw_digit_rows() -> list[list[int]]:
    """The CSV read a second way (csv module, file bytes), as an oracle for load_digits."""
    raw = resources.files("nn").joinpath("data/digits.csv.gz").read_bytes()
    text = gzip.decompress(raw).decode("ascii")
    return [[int(f) for f in row] for row in csv.reader(io.StringIO(text)) if row]


def test_digits_shape_scale_and_labels() -> None:
    digits = load_digits()
    assert len(digits) == 1797
    assert digits.n_classes == 10
    assert all(len(x) == 64 for x in digits.inputs)
    assert digits.class_counts() == DIGITS_CLASS_SIZES
    pixels = [p for x in digits.inputs for p in x]
    assert min(pixels) == 0.0
    assert max(pixels) == 1.0
    # Scaled from the integers 0..16: p·16 must be a whole number (exactly: 1/16 is a power of 2).
    assert all((p * 16).is_integer() for p in pixels)


def test_digits_match_the_csv_read_independently() -> None:
    digits = load_digits()
    rows = _raw_digit_rows()
    assert len(rows) == len(digits)
    for row, x, label in zip(rows, digits.inputs, digits.labels, strict=True):
        assert label == row[-1]
        assert x == [v / 16 for v in row[:-1]]


def test_digits_parser_names_the_bad_row() -> None:
    good = ",".join(["0"] * 64 + ["3"])
    with pytest.raises(ValueError, match="row 2: 3 fields"):
        _parse_digits(f"{good}\n1,2,3\n")
    with pytest.raises(ValueError, match="row 1: not a list of integers"):
        _parse_digits("a,b\n")
    with pytest.raises(ValueError, match="row 1: a pixel or the label is out of range"):
        _parse_digits(",".join(["17"] * 64 + ["3"]))


def test_targets_are_one_hot() -> None:
    data = Dataset("t", [[0.0], [1.0], [2.0]], [2, 0, 1], 3)
    assert data.targets() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert one_hot(0, 1) == [1.0]
    with pytest.raises(ValueError, match=r"label 3 is outside 0\.\.2"):
        one_hot(3, 3)
    with pytest.raises(ValueError, match=r"label 5 is outside 0\.\.2"):
        Dataset("bad", [[0.0]], [5], 3)
    with pytest.raises(ValueError, match="2 inputs but 1 labels"):
        Dataset("bad", [[0.0], [1.0]], [0], 3)


@given(n=st.integers(2, 300), seed=st.integers(0, 2**32))
def test_moons_shape_and_balance(n: int, seed: int) -> None:
    moons = make_moons(n, noise=0.2, seed=seed)
    assert len(moons) == n
    assert all(len(p) == 2 for p in moons.inputs)
    assert all(math.isfinite(c) for p in moons.inputs for c in p)
    zeros, ones = moons.class_counts()
    assert zeros + ones == n
    assert zeros - ones in (0, 1)  # class 0 takes the odd point out


@given(n=st.integers(2, 300), seed=st.integers(0, 2**32))
def test_moons_without_noise_lie_on_their_half_circles(n: int, seed: int) -> None:
    moons = make_moons(n, noise=0.0, seed=seed)
    for (x, y), label in zip(moons.inputs, moons.labels, strict=True):
        # Class 0: the upper unit half circle about (0, 0); class 1: the lower one about
        # (1, 1/2). 1e-12: cos and sin are correctly rounded to ~1e-16, squared and summed.
        cx, cy, side = (0.0, 0.0, 1.0) if label == 0 else (1.0, 0.5, -1.0)
        assert (x - cx) ** 2 + (y - cy) ** 2 == pytest.approx(1.0, abs=1e-12)
        assert side * (y - cy) >= -1e-12


def test_moons_without_noise_cover_each_half_circle_evenly() -> None:
    # 5 points per class at t = 0, π/4, π/2, 3π/4, π: angles recovered with atan2.
    moons = make_moons(10, noise=0.0, seed=0)
    for label, (cx, cy, sign) in enumerate([(0.0, 0.0, 1.0), (1.0, 0.5, -1.0)]):
        angles = sorted(
            math.atan2(sign * (y - cy), sign * (x - cx))
            for (x, y), c in zip(moons.inputs, moons.labels, strict=True)
            if c == label
        )
        expected = [i * math.pi / 4 for i in range(5)]
        assert angles == pytest.approx(expected, abs=1e-12)


def test_moons_noise_has_the_requested_spread() -> None:
    # The distance of a noisy point from its circle, minus 1, is about N(0, σ²) for small σ:
    # the radial part of a 2-D isotropic Gaussian. 4,000 points estimate σ within a few %.
    sigma = 0.05
    moons = make_moons(4000, noise=sigma, seed=7)
    radial = []
    for (x, y), label in zip(moons.inputs, moons.labels, strict=True):
        cx, cy = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        radial.append(math.hypot(x - cx, y - cy) - 1.0)
    assert statistics.fmean(radial) == pytest.approx(0.0, abs=0.01)
    assert statistics.stdev(radial) == pytest.approx(sigma, rel=0.1)


def test_moons_are_reproducible_from_the_seed() -> None:
    assert make_moons(50, 0.1, seed=3) == make_moons(50, 0.1, seed=3)
    assert make_moons(50, 0.1, seed=3).inputs != make_moons(50, 0.1, seed=4).inputs


@pytest.mark.parametrize(
    ("n", "noise", "message"),
    [
        (1, 0.1, "n >= 2"),
        (10, -0.1, "noise >= 0"),
        (10, math.nan, "noise >= 0"),
    ],
)
def test_moons_refuse_bad_arguments(n: int, noise: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_moons(n, noise)


def test_split_is_stratified_disjoint_and_complete() -> None:
    digits = load_digits()
    train, test = split(digits, 0.2, seed=0)
    assert len(train) + len(test) == len(digits)
    for k, k_test in zip(digits.class_counts(), test.class_counts(), strict=True):
        assert k_test == round(0.2 * k)
    # Every image ends up in exactly one of the two sets: compare them as multisets.
    pairs = sorted((tuple(x), y) for x, y in zip(digits.inputs, digits.labels, strict=True))
    both = sorted(
        (tuple(x), y)
        for part in (train, test)
        for x, y in zip(part.inputs, part.labels, strict=True)
    )
    assert both == pairs


def test_split_is_reproducible_and_depends_on_the_seed() -> None:
    moons = make_moons(100, 0.1, seed=0)
    assert split(moons, 0.3, seed=1) == split(moons, 0.3, seed=1)
    assert split(moons, 0.3, seed=1)[1].inputs != split(moons, 0.3, seed=2)[1].inputs


def test_split_keeps_a_tiny_class_in_both_sets() -> None:
    data = Dataset("tiny", [[float(i)] for i in range(6)], [0, 0, 1, 1, 1, 1], 2)
    for fraction in (0.01, 0.99):
        train, test = split(data, fraction, seed=0)
        assert train.class_counts()[0] == 1
        assert test.class_counts()[0] == 1


def test_an_empty_class_does_not_cost_the_others_their_minimum() -> None:
    # Class 1 has no examples (n_classes counts it all the same). Class 2 has two: split must
    # still give it one test example, and a subset must still give it two, enough to split.
    data = Dataset("gap", [[float(i)] for i in range(13)], [0] * 10 + [2] * 3, 3)
    train, test = split(data, 0.01, seed=0)
    assert train.class_counts() == [9, 0, 2]
    assert test.class_counts() == [1, 0, 1]
    subset = stratified_subset(data, 4, seed=0)
    assert subset.class_counts() == [3, 0, 2]
    split(subset, 0.5, seed=0)  # does not refuse a class of one


def test_split_refuses_what_it_cannot_do() -> None:
    data = Dataset("one", [[0.0], [1.0], [2.0]], [0, 1, 1], 2)
    with pytest.raises(ValueError, match="class 0 of 'one' has one example"):
        split(data, 0.5, seed=0)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        split(make_moons(10), 1.0, seed=0)


def test_stratified_subset_keeps_the_proportions() -> None:
    digits = load_digits()
    subset = stratified_subset(digits, 300, seed=0)
    assert len(subset) == pytest.approx(300, abs=10)  # one rounding per class
    for k, k_sub in zip(digits.class_counts(), subset.class_counts(), strict=True):
        assert k_sub == round(300 / 1797 * k)
    assert stratified_subset(digits, 5000, seed=0) is digits
    tiny = stratified_subset(digits, 10, seed=0)
    assert tiny.class_counts() == [2] * 10  # enough for split to keep one on each side
