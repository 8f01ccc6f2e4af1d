"""``nn.train``: the SGD loop, the evaluation and the hand-formula check (no I/O: see
tests/test_app_trainjob.py and tests/test_app_train.py)."""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from nn import byhand
from nn import train as training
from nn.datasets import Dataset
from nn.losses import squared_error
from nn.module import MLP

SMALL = training.TrainConfig(
    dataset="moons", samples=120, hidden=(8,), epochs=25, lr=2.0, batch_size=8, seed=1
)


def test_training_lowers_the_cost_and_learns_the_moons() -> None:
    train_set, test_set = training.load_data(SMALL)
    model = training.build_model(SMALL, 2, 2)
    before = training.evaluate(model, train_set, SMALL.loss)
    history = training.train(model, train_set, test_set, SMALL)
    after = training.evaluate(model, train_set, SMALL.loss)
    assert len(history) == SMALL.epochs
    assert after[0] < 0.5 * before[0]
    # Two half circles with a little noise: a straight line alone gets about 85% of the points
    # right, so clearly better than a coin (50%) is a fair bar for 25 short epochs.
    assert after[1] >= 0.8
    assert history[-1].test_accuracy >= 0.7


def test_one_epoch_is_the_mean_cost_sgd_of_the_notes() -> None:
    # One batch holding the whole training set: one step θ := θ − α ∂C/∂θ with C the mean of
    # the examples' costs. The oracle is the notes' own formulas: nn.byhand.batch_gradients.
    config = training.TrainConfig(
        dataset="moons", samples=20, hidden=(3,), epochs=1, lr=0.5, batch_size=1000, seed=2
    )
    train_set, test_set = training.load_data(config)
    model = training.build_model(config, 2, 2)
    before = [p.data for p in model.parameters()]
    dW, db = byhand.batch_gradients(model, train_set.inputs, train_set.targets())
    expected_grads = [
        g
        for Wl, bl in zip(dW, db, strict=True)
        for row, bj in zip(Wl, bl, strict=True)
        for g in (*row, bj)
    ]
    training.train(model, train_set, test_set, config)
    for p, p0, g in zip(model.parameters(), before, expected_grads, strict=True):
        # Both sides add the same products in a different order: a few ulps of the update.
        assert p.data == pytest.approx(p0 - 0.5 * g, rel=1e-12, abs=1e-15)


def test_epoch_statistics_match_an_evaluation(tmp_path: Path) -> None:
    config = training.TrainConfig(dataset="moons", samples=40, hidden=(4,), epochs=2, seed=0)
    train_set, test_set = training.load_data(config)
    model = training.build_model(config, 2, 2)
    history = training.train(model, train_set, test_set, config)
    # The test columns are measured after the epoch: an evaluation now must agree exactly.
    assert (history[-1].test_cost, history[-1].test_accuracy) == training.evaluate(
        model, test_set, config.loss
    )


def test_predict_takes_the_largest_output_and_the_first_on_a_tie() -> None:
    model = MLP(1, [3], activation="linear", seed=0)
    for j, w in enumerate([0.5, 2.0, -1.0]):
        model.w(1, j, 0).data = w
        model.b(1, j).data = 0.0
    assert training.predict(model.forward([1.0])) == 1
    assert training.predict(model.forward([-1.0])) == 2
    assert training.predict(model.forward([0.0])) == 0  # all three are 0


def test_hand_check_agrees_and_would_catch_a_wrong_formula(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = Dataset("d", [[0.2, -0.4, 0.9], [1.0, 0.5, -0.3]], [0, 1], 2)
    model = MLP(3, [4, 2], seed=5)
    check = training.check_by_hand(model, data, [0, 1], "squared_error")
    assert check.n_parameters == 4 * 4 + 2 * 5
    assert check.n_examples == 2
    assert check.max_relative_difference < 1e-12
    assert all(p.grad == 0.0 for p in model.parameters())  # it leaves no gradients behind

    # A by-hand formula that is off by 1% in one place must show up as a 1% difference.
    real = byhand.gradients

    def off_by_one_percent(
        *args: Any, **kwargs: Any
    ) -> tuple[list[byhand.Matrix], list[byhand.Vector]]:
        dW, db = real(*args, **kwargs)
        dW[0][1][2] *= 1.01
        return dW, db

    monkeypatch.setattr(byhand, "gradients", off_by_one_percent)
    check = training.check_by_hand(model, data, [0, 1], "squared_error")
    assert check.max_relative_difference == pytest.approx(0.01 / 1.01, rel=1e-6)


def test_picture_gradients_are_the_mean_over_the_examples() -> None:
    data = Dataset("d", [[0.2, -0.4], [1.0, 0.5]], [0, 1], 2)
    model = MLP(2, [2], seed=3)
    training.batch_gradients(model, data, [0, 1], "squared_error")
    got = [p.grad for p in model.parameters()]
    model.zero_grad()
    for x, y in zip(data.inputs, data.targets(), strict=True):
        squared_error(model.forward(x), y).backward()
    # backward() adds: after both examples .grad holds the sum; the mean is half of it.
    assert got == pytest.approx([p.grad / 2 for p in model.parameters()], rel=1e-12)


def test_one_per_class_picks_the_first_of_each() -> None:
    data = Dataset("d", [[0.0]] * 6, [2, 0, 2, 1, 0, 1], 4)
    assert training.one_per_class(data) == [1, 3, 0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hidden": ()}, "hidden layer sizes"),
        ({"loss": "cross_entropy", "output_activation": "sigmoid"}, "needs a softmax output"),
        ({"loss": "binary_cross_entropy", "output_activation": "relu"}, r"outputs in \(0, 1\)"),
        ({"samples": 2}, "samples must be a number of examples from 4 to 100,000"),
        (
            {"samples": 100_001},
            "samples must be a number of examples from 4 to 100,000, got 100001",
        ),
        ({"activation": "swish"}, "unknown activation 'swish': choose one of sigmoid"),
    ],
)
def test_config_validation(change: dict[str, object], message: str) -> None:
    config = training.TrainConfig(**change)  # type: ignore[arg-type]
    with pytest.raises(training.TrainError, match=message):
        config.validate()


def test_output_layer_follows_the_loss() -> None:
    assert training.TrainConfig().output() == "sigmoid"
    assert training.TrainConfig(activation="tanh").output() == "tanh"
    assert training.TrainConfig(loss="cross_entropy").output() == "softmax"
    assert training.TrainConfig(activation="relu", loss="binary_cross_entropy").output() == (
        "sigmoid"
    )


@pytest.mark.parametrize("name", sorted(training.SETTINGS))
def test_each_setting_is_checked_with_the_words_the_cli_uses(name: str) -> None:
    """One bound per setting: TrainConfig.validate and the --option parser say the same."""
    from nn.app import options

    bound = training.SETTINGS[name]
    bad = {"epochs": 0, "batch_size": 0, "lr": 0.0, "test_fraction": 1.0, "samples": 3}
    value = bad.get(name, -1.0)
    with pytest.raises(training.TrainError, match=f"must be {re.escape(bound.what)}, got"):
        training.TrainConfig(**{name: value}).validate()  # type: ignore[arg-type]
    parse = options.setting(name, type(value))
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(f"is not {bound.what}")):
        parse(str(value))


def test_compile_trains_to_the_same_numbers() -> None:
    """--compile: the same epoch statistics and weights as the eager loop, to the last bit."""
    config = dataclasses.replace(SMALL, epochs=3, samples=60)
    train_set, test_set = training.load_data(config)
    eager, compiled = training.build_model(config, 2, 2), training.build_model(config, 2, 2)
    want = training.train(eager, train_set, test_set, config)
    got = training.train(compiled, train_set, test_set, dataclasses.replace(config, compile=True))
    assert got == want  # exactness is the point: the dataclasses' floats compared with ==
    assert [p.data.hex() for p in compiled.parameters()] == [
        p.data.hex() for p in eager.parameters()
    ]


def test_compile_refuses_a_graph_that_depends_on_the_data() -> None:
    config = dataclasses.replace(SMALL, loss="cross_entropy", compile=True)
    with pytest.raises(training.TrainError, match="--compile replays only"):
        config.validate()
    dataclasses.replace(SMALL, compile=True).validate()  # squared error, sigmoid: fine


def test_at_chance_speaks_only_after_epochs_at_chance() -> None:
    def stats(acc: float) -> training.EpochStats:
        return training.EpochStats(1, 1.0, acc, 1.0, acc)

    assert training.at_chance([stats(0.1)] * 3, 10) is not None
    assert training.at_chance([stats(0.1)] * 2, 10) is None  # too early to say
    assert training.at_chance([stats(0.1), stats(0.1), stats(0.5)], 10) is None
    assert training.at_chance([stats(0.52)] * 3, 2) is not None  # two classes: chance is 50%
    assert training.at_chance([stats(0.6)] * 3, 2) is None
