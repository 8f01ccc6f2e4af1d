"""Tests of ``nn.torch_bridge``: an MLP moved to PyTorch computes the same numbers, and back.

The oracle is PyTorch itself: its own forward pass and autograd on the module ``to_torch``
built, in float64, with the loss written with torch operations. Every test that needs torch
skips without it; the missing-torch message is tested by hiding torch.
"""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import pytest

from nn import MLP, cross_entropy, mean, squared_error
from nn.datasets import load_digits, one_hot
from nn.torch_bridge import from_torch, to_torch


def _torch() -> Any:
    return pytest.importorskip("torch")


def torch_grads_in_our_order(module: Any) -> list[float]:
    """The gradients of a Sequential's Linear layers, in ``MLP.parameters()`` order.

    nn lists neuron j's weights w_j0..w_j(n-1) then its bias b_j; torch keeps a (out, in)
    weight matrix and a bias vector per layer, so row j of the weight, then bias[j].
    """
    torch = _torch()
    grads: list[float] = []
    for child in module:
        if isinstance(child, torch.nn.Linear):
            for row, b in zip(child.weight.grad.tolist(), child.bias.grad.tolist(), strict=True):
                grads.extend([*row, b])
    return grads


#: A batch of digits big enough to touch every weight: all ten classes, 40 examples.
BATCH = 40


@pytest.mark.parametrize(
    ("output", "loss"), [("softmax", "cross_entropy"), ("sigmoid", "squared_error")]
)
def test_digits_network_has_the_same_loss_and_1210_gradients(output: str, loss: str) -> None:
    torch = _torch()
    digits = load_digits()
    xs, labels = digits.inputs[:BATCH], digits.labels[:BATCH]
    model = MLP(64, [16, 10], "sigmoid", output_activation=output, seed=0)
    cost_fn = cross_entropy if loss == "cross_entropy" else squared_error
    ours = mean(
        [cost_fn(model.forward(x), one_hot(y, 10)) for x, y in zip(xs, labels, strict=True)]
    )
    model.zero_grad()
    ours.backward()

    module = model.to_torch()
    a = module(torch.tensor(xs, dtype=torch.float64))
    assert a.dtype == torch.float64
    y = torch.nn.functional.one_hot(torch.tensor(labels), 10).to(torch.float64)
    if loss == "cross_entropy":
        theirs = -(y * torch.log(a)).sum(dim=1).mean()  # E = −Σ_j y_j ln a_j
    else:
        theirs = ((a - y) ** 2).sum(dim=1).mean()  # C = Σ_j (a_j − y_j)²
    theirs.backward()

    # Same float64 arithmetic in another order (and log-sum-exp against log of the softmax):
    # a few roundings of numbers of order 1, far below 1e-12.
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-12)
    ours_grads = [p.grad for p in model.parameters()]
    theirs_grads = torch_grads_in_our_order(module)
    assert len(ours_grads) == len(theirs_grads) == 1210
    for i, (g, h) in enumerate(zip(ours_grads, theirs_grads, strict=True)):
        assert g == pytest.approx(h, rel=1e-12, abs=1e-12), f"parameter {i}"
    assert max(map(abs, ours_grads)) > 1e-3  # the comparison is not of zeros


@pytest.mark.parametrize(
    ("hidden", "output"),
    [("relu", "linear"), ("tanh", "sigmoid"), (["relu", "tanh"], "softmax"), ("linear", "tanh")],
)
def test_forward_matches_for_every_activation(hidden: str | list[str], output: str) -> None:
    torch = _torch()
    model = MLP(3, [5, 4, 2], hidden if isinstance(hidden, str) else [*hidden, "linear"], output)
    module = to_torch(model)
    names = [type(m).__name__ for m in module]
    assert names[::2] == ["Linear"] * 3
    inputs = [[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [-3.0, 1.5, 0.25]]
    out = module(torch.tensor(inputs, dtype=torch.float64)).tolist()
    for x, row in zip(inputs, out, strict=True):
        ours = [a.data for a in model.forward(x)]
        assert ours == pytest.approx(row, rel=1e-12, abs=1e-12)


def test_the_torch_copy_is_independent() -> None:
    torch = _torch()
    model = MLP(2, [3, 1], seed=4)
    module = model.to_torch()
    with torch.no_grad():
        module[0].weight.add_(1.0)
    # Exactness is the point: the MLP's weight was not touched, so the same float.
    assert module[0].weight[0, 0].item() == model.w(1, 0, 0).data + 1.0


def test_round_trip_gives_the_same_network() -> None:
    _torch()
    model = MLP(4, [6, 5, 3], ["tanh", "relu", "linear"], output_activation="softmax", seed=2)
    back = MLP.from_torch(model.to_torch())
    assert back.sizes == model.sizes
    assert back.activations == model.activations
    # float64 in and out: the very same floats, so == is right.
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert back.w(2, 1, 3).label == "w_{1,3}^(2)"


def test_from_torch_reads_a_hand_made_float32_network() -> None:
    torch = _torch()
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2), torch.nn.Linear(2, 2)
    )
    model = MLP.from_torch(module)
    assert model.sizes == [3, 4, 2, 2]
    assert model.activations == ["relu", "linear", "linear"]
    x = [0.3, -0.7, 1.1]
    expected = module.double()(torch.tensor([x], dtype=torch.float64))[0].tolist()
    assert [a.data for a in model.forward(x)] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    single = MLP.from_torch(torch.nn.Linear(2, 1, bias=False))
    assert single.sizes == [2, 1]
    assert single.b(1, 0).data == 0.0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Conv1d(1, 1, 1)), "module 1 is Conv1d"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), "reads 4 inputs"),
        (lambda nn: nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), "no Linear layer before it"),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.ReLU()), "one activation"),
        (
            lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=-1), nn.Linear(3, 1)),
            "softmax only as its output",
        ),
        (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=0)), "dim=-1"),
        (lambda nn: nn.Sequential(), "no Linear layer"),
        (lambda nn: nn.ReLU(), "needs a torch.nn.Sequential"),
    ],
)
def test_from_torch_names_what_it_cannot_read(build: Any, message: str) -> None:
    torch = _torch()
    with pytest.raises(ValueError, match=message):
        MLP.from_torch(build(torch.nn))


def test_from_torch_refuses_non_finite_weights() -> None:
    torch = _torch()
    linear = torch.nn.Linear(2, 1, dtype=torch.float64)
    with torch.no_grad():
        linear.weight[0, 1] = math.inf
    with pytest.raises(ValueError, match=r"w_\{0,1\}\^\(1\) is inf"):
        MLP.from_torch(linear)


def test_without_torch_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes `import torch` raise ImportError, as if it were not installed.
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[torch\]'"):
        MLP(2, [1]).to_torch()
    with pytest.raises(ImportError, match="needs torch"):
        from_torch(object())


def test_importing_nn_does_not_import_torch() -> None:
    code = "import nn, nn.torch_bridge, sys; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_linear_layer_computes_w_x_plus_b_exactly() -> None:
    torch = _torch()
    model = MLP(1, [1], "linear", seed=0)
    model.w(1, 0, 0).data = 2.0
    model.b(1, 0).data = 0.5
    # 2 · 3 + 0.5 is exact in floats, so == is right.
    assert model.to_torch()(torch.tensor([[3.0]], dtype=torch.float64)).item() == 6.5
