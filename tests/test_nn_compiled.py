"""nn.compiled: a model's compiled training step against the eager step, bit for bit.

The oracle is the eager engine on a twin model (same seed, same weights): the compiled step
promises the very same floats, so values and gradients are compared by their exact bits.
"""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import MLP
from nn.activations import ACTIVATIONS
from nn.compiled import train_batch
from nn.losses import LOSSES, mean
from nn.optim import SGD


def bits(xs: list[float]) -> list[str]:
    return [float(x).hex() for x in xs]


def grads(model: MLP) -> list[str]:
    return bits([p.grad for p in model.parameters()])


unit = st.floats(-2.0, 2.0, allow_nan=False)


@settings(max_examples=40)
@given(
    st.sampled_from(ACTIVATIONS),
    st.sampled_from(["squared_error", "mean_squared_error"]),
    st.integers(0, 1000),
    st.data(),
)
def test_step_and_batch_are_the_eager_numbers(
    activation: str, loss: str, seed: int, data: st.DataObject
) -> None:
    model = MLP(3, [4, 3], activation=activation, seed=seed)
    twin = MLP(3, [4, 3], activation=activation, seed=seed)
    cost = LOSSES[loss]
    step = model.compile_step(loss)
    m = data.draw(st.integers(1, 6))
    xs = [data.draw(st.lists(unit, min_size=3, max_size=3)) for _ in range(m)]
    ys = [[1.0 if j == data.draw(st.integers(0, 2)) else 0.0 for j in range(3)] for _ in range(m)]
    # One example.
    value = step(xs[0], ys[0])
    want = cost(twin.forward(xs[0]), ys[0])
    want.backward()
    assert bits([value]) == bits([want.data])
    assert grads(model) == grads(twin)
    # A batch, on top of the gradients already there.
    batch_cost, outputs = step.batch(xs, ys)
    forwards = [twin.forward(x) for x in xs]
    want = mean([cost(a, y) for a, y in zip(forwards, ys, strict=True)])
    want.backward()
    assert bits([batch_cost]) == bits([want.data])
    assert grads(model) == grads(twin)
    assert [bits(o) for o in outputs] == [bits([v.data for v in a]) for a in forwards]


def test_training_through_the_compiled_step_moves_the_weights_identically() -> None:
    model = MLP(4, [5, 2], activation="tanh", seed=11)
    twin = MLP(4, [5, 2], activation="tanh", seed=11)
    step = model.compile_step()
    sgd, sgd_twin = SGD(model.parameters(), lr=0.5), SGD(twin.parameters(), lr=0.5)
    xs = [[0.1 * k, -0.2, 0.3 * k, 1.0] for k in range(8)]
    ys = [[1.0, 0.0] if k % 3 else [0.0, 1.0] for k in range(8)]
    for start in range(0, 8, 3):
        sgd.zero_grad()
        step.batch(xs[start : start + 3], ys[start : start + 3])
        sgd.step()
        sgd_twin.zero_grad()
        costs = [LOSSES["squared_error"](twin.forward(x), y) for x, y in zip(xs, ys, strict=True)]
        mean(costs[start : start + 3]).backward()
        sgd_twin.step()
    assert bits([p.data for p in model.parameters()]) == bits([p.data for p in twin.parameters()])
    assert len(step._compiled) == 2  # one trace per distinct target


def test_a_scalar_target_and_one_output() -> None:
    model = MLP(2, [3, 1], seed=2)
    twin = MLP(2, [3, 1], seed=2)
    value = model.compile_step()([0.5, -1.0], 1.0)
    want = LOSSES["squared_error"](twin([0.5, -1.0]), 1.0)
    want.backward()
    assert bits([value]) == bits([want.data])
    assert grads(model) == grads(twin)


def test_steps_whose_graph_depends_on_the_data_are_refused() -> None:
    with pytest.raises(ValueError, match="'cross_entropy' loss cannot be compiled exactly"):
        MLP(2, [2], output_activation="softmax").compile_step("cross_entropy")
    with pytest.raises(ValueError, match="softmax output layer cannot be compiled"):
        MLP(2, [2], output_activation="softmax").compile_step("squared_error")
    with pytest.raises(ValueError, match="as many targets as inputs"):
        MLP(2, [2]).compile_step().batch([[0.0, 0.0]], [])
    assert isinstance(MLP(1, [1]).compile_step()([0.0], 0.0), float)


def test_train_batch_is_the_training_loops_batch() -> None:
    """nn.train's inner loop, eager, against train_batch: costs, accuracy and weights."""
    from nn.datasets import make_moons
    from nn.train import predict

    data = make_moons(40, 0.1, seed=5)
    targets = data.targets()
    model = MLP(2, [6, 2], seed=4)
    twin = MLP(2, [6, 2], seed=4)
    step = model.compile_step()
    sgd, sgd_twin = SGD(model.parameters(), lr=1.0), SGD(twin.parameters(), lr=1.0)
    for start in range(0, 40, 16):
        batch = range(start, min(start + 16, 40))
        sgd.zero_grad()
        cost, correct = train_batch(
            step,
            [data.inputs[i] for i in batch],
            [targets[i] for i in batch],
            [data.labels[i] for i in batch],
        )
        sgd.step()
        sgd_twin.zero_grad()
        outs = [twin.forward(data.inputs[i]) for i in batch]
        want = mean(
            [LOSSES["squared_error"](a, targets[i]) for a, i in zip(outs, batch, strict=True)]
        )
        want.backward()
        sgd_twin.step()
        assert bits([cost]) == bits([want.data])
        assert correct == sum(
            predict(a) == data.labels[i] for a, i in zip(outs, batch, strict=True)
        )
    assert bits([p.data for p in model.parameters()]) == bits([p.data for p in twin.parameters()])


def test_batch_training_generates_only_the_program_it_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch runs the accumulate program alone: the one-example step is never generated.

    Generating a program the size of the graph is most of compile's time; batch training,
    which ``chainrule train --compile`` does, used to pay for a step program it never called.
    """
    # autograd.compile is also the name of the function the package exports.
    compile_module = importlib.import_module("autograd.compile")
    made: list[bool] = []
    real = compile_module._function

    def recording(gen: object, accumulate: bool) -> object:
        made.append(accumulate)
        return real(gen, accumulate)

    monkeypatch.setattr(compile_module, "_function", recording)
    model, twin = MLP(2, [3, 2], seed=5), MLP(2, [3, 2], seed=5)
    xs, ys = [[0.5, -1.0], [1.5, 0.25], [0.0, 2.0]], [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    value, _ = model.compile_step().batch(xs, ys)
    assert made == [True, True]  # one accumulate program per distinct target, no step
    want = mean([LOSSES["squared_error"](twin.forward(x), y) for x, y in zip(xs, ys, strict=True)])
    want.backward()
    assert bits([value]) == bits([want.data])
    assert grads(model) == grads(twin)
    made.clear()
    model.compile_step()(xs[0], ys[0])  # a one-example step makes its own program when used
    assert made == [False]
