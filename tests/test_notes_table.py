"""Tests of ``nn.byhand.table`` (``nn.formulas.table``): every column against an implementation
of its own, in this file: a forward pass in plain floats that can nudge any z_j^(l) or
a_j^(l), and central differences of the cost for δ, ∂C/∂a, ∂C/∂b and ∂C/∂w, on the notes'
networks (000's 64-16-10 and one-neuron chain, 003's n-3-2-1 with BCE, 004's softmax).

Formula ids (docs/notation.md): N000.29, N002.6, N002.18, N002.19, N003.w3, N004.CE, N004.dE.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import MLP, byhand
from nn.datasets import load_digits, one_hot
from nn.formulas.table import verdict
from nn.losses import COSTS_BY_NAME

Nudge = tuple[str, int, int, float]  # ("z" or "a", l, j, amount)


def _act(name: str, z: list[float]) -> list[float]:
    if name == "softmax":
        m = max(z)
        es = [math.exp(v - m) for v in z]
        s = math.fsum(es)
        return [e / s for e in es]
    f: dict[str, Callable[[float], float]] = {
        "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
        "tanh": math.tanh,
        "relu": lambda v: max(v, 0.0),
        "linear": lambda v: v,
    }
    return [f[name](v) for v in z]


def cost_of(
    model: MLP, x: Sequence[float], y: Sequence[float], loss: str, nudge: Nudge | None = None
) -> float:
    """C of one example, forward in plain floats, with one z or a (or a parameter) nudged."""
    a = [float(v) for v in x]
    for l, layer in enumerate(model.layers, start=1):
        z = []
        for j, neuron in enumerate(layer.neurons):
            w = [p.data for p in neuron.w]
            b = neuron.b.data
            if nudge is not None and nudge[0] == "b" and (nudge[1], nudge[2]) == (l, j):
                b += nudge[3]
            z.append(math.fsum([*(wk * ak for wk, ak in zip(w, a, strict=True)), b]))
        if nudge is not None and nudge[0] == "z" and nudge[1] == l:
            z[nudge[2]] += nudge[3]
        a = _act(layer.activation, z)
        if nudge is not None and nudge[0] == "a" and nudge[1] == l:
            a[nudge[2]] += nudge[3]
    return COSTS_BY_NAME[loss].hand(a, list(y))


def central(f: Callable[[float], float], at: float = 0.0) -> float:
    h = 1e-6
    return (f(at + h) - f(at - h)) / (2.0 * h)


def slope_of(name: str, z: float) -> float:
    """σ'(z) by a central difference of the activation."""
    return central(lambda e: _act(name, [z + e])[0])


def check_against_central_differences(
    model: MLP, x: Sequence[float], y: Sequence[float], loss: str
) -> None:
    t = byhand.table(model, x, y, loss)
    assert t.verdict.startswith("hand and engine agree")
    scale = max(1.0, *(abs(r.dC_da) for r in t.rows))

    def by_nudging(kind: str, l: int, j: int) -> float:
        return central(lambda e: cost_of(model, x, y, loss, (kind, l, j, e)))

    for r in t.rows:
        # Central differences with h = 1e-6 on costs of order 1: truncation ~h^2 C''' ~ 1e-12,
        # rounding ~1e-16/h ~ 1e-10; 1e-6 of the largest entry is far above both and far
        # below any wrong factor.
        tol = 1e-6 * scale
        assert abs(r.delta - by_nudging("z", r.l, r.j)) <= tol
        assert abs(r.dC_da - by_nudging("a", r.l, r.j)) <= tol
        assert abs(r.dC_db - by_nudging("b", r.l, r.j)) <= tol
        if r.dsigma is not None:
            name = model.activations[r.l - 1]
            assert abs(r.dsigma - slope_of(name, r.z)) <= 1e-8
            assert r.a == pytest.approx(_act(name, [r.z])[0], rel=1e-12)


def test_table_of_note_000_digits_network() -> None:
    """000's 64 → 16 → 10 sigmoid network, squared error, on the first digit."""
    digits = load_digits()
    model = MLP(64, [16, 10], seed=0)
    check_against_central_differences(
        model, digits.inputs[0], one_hot(digits.labels[0], 10), "squared_error"
    )


def test_table_of_note_000_one_neuron_chain() -> None:
    """000 eq. 8–11: one neuron per layer, three layers."""
    model = MLP(1, [1, 1, 1], seed=4)
    check_against_central_differences(model, [0.7], [0.2], "squared_error")


@given(n=st.integers(1, 4), seed=st.integers(0, 10**6), label=st.sampled_from([0.0, 1.0]))
def test_table_of_note_003_network_with_bce(n: int, seed: int, label: float) -> None:
    """003's n → 3 → 2 → 1 sigmoid network with binary cross-entropy (δ^(3) = a − y)."""
    model = MLP(n, [3, 2, 1], seed=seed)
    x = [0.25 * (k + 1) * (-1) ** k for k in range(n)]
    check_against_central_differences(model, x, [label], "binary_cross_entropy")
    t = byhand.table(model, x, [label], "binary_cross_entropy")
    out = t.rows[-1]
    assert out.delta == pytest.approx(out.a - label, rel=1e-13)  # N003.w3


@given(seed=st.integers(0, 10**6), c=st.integers(0, 2))
def test_table_of_note_004_softmax_with_cross_entropy(seed: int, c: int) -> None:
    """004's softmax output with cross-entropy: σ' is a Jacobian (—), δ = a − y (N004.CE)."""
    model = MLP(2, [3, 3], activation="tanh", output_activation="softmax", seed=seed)
    y = [1.0 if i == c else 0.0 for i in range(3)]
    check_against_central_differences(model, [0.3, -0.8], y, "cross_entropy")
    t = byhand.table(model, [0.3, -0.8], y, "cross_entropy")
    for r in t.rows[-3:]:
        assert r.dsigma is None
        assert r.delta == pytest.approx(r.a - y[r.j], rel=1e-12, abs=1e-15)
        assert r.dC_da == pytest.approx(-y[r.j] / r.a, rel=1e-12)  # N004.dE


def test_weights_and_the_three_formats() -> None:
    model = MLP(2, [3, 2], activation="tanh", seed=2)
    x, y = [0.5, -0.5], [0.0, 1.0]
    t = byhand.table(model, x, y, "squared_error", weights=True)
    heads = t.columns()
    assert heads[:8] == [
        "l", "j", "z_j^(l)", "a_j^(l)", "σ'(z_j^(l))", "∂C/∂a_j^(l)", "δ_j^(l)", "∂C/∂b_j^(l)",
    ]  # fmt: skip
    assert heads[8:] == ["∂C/∂w_j0^(l)", "∂C/∂w_j1^(l)", "∂C/∂w_j2^(l)"]
    # N002.18: ∂C/∂w_jk^(l) = a_k^(l−1) δ_j^(l), with a^(0) = x.
    a1 = [r.a for r in t.rows if r.l == 1]
    for r in t.rows:
        prev = x if r.l == 1 else a1
        assert r.dC_dw == pytest.approx([ak * r.delta for ak in prev], rel=1e-14, abs=1e-300)
    rows = list(csv.reader(io.StringIO(t.render("csv"))))
    assert rows[0] == heads
    for line, r in zip(rows[1:], t.rows, strict=True):
        assert float(line[6]) == r.delta  # CSV keeps every digit
        assert [float(v) for v in line[8 : 8 + len(r.dC_dw)]] == list(r.dC_dw)
    md = t.render("markdown").splitlines()
    assert "| l | j | z_j^(l) |" in md[2]
    assert md[-1] == t.verdict
    text = str(t).splitlines()
    assert text[0] == "network 2-3-2 (tanh, tanh), C = squared_error"
    assert text[-1] == t.verdict
    assert len(text) == 1 + 1 + len(t.rows) + 1
    with pytest.raises(ValueError, match="unknown format"):
        t.render("html")


def test_theta_convention_heads() -> None:
    """002's Θ_kj^(l) = w_jk^(l): the same numbers, headed ∂C/∂Θ_kj^(l) and s_j^(l)."""
    model = MLP(2, [2, 1], seed=5)
    w = byhand.table(model, [1.0, 2.0], [1.0], weights=True)
    theta = byhand.table(model, [1.0, 2.0], [1.0], weights=True, convention="theta")
    assert theta.rows == w.rows
    assert "∂C/∂Θ_0j^(l)" in theta.columns()
    assert "s_j^(l) = δ_j^(l)" in theta.columns()
    with pytest.raises(ValueError, match="unknown convention"):
        byhand.table(model, [1.0, 2.0], [1.0], convention="x")


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        (0.0, "hand and engine agree exactly (every digit)"),
        (1e-17, "hand and engine agree to 15 significant digits"),
        (2.5e-13, "hand and engine agree to 12 significant digits"),
        (1e-3, "hand and engine DISAGREE: relative difference 0.001"),
        (math.inf, "hand and engine DISAGREE (relative difference inf)"),
    ],
)
def test_verdict(rel: float, text: str) -> None:
    assert verdict(rel) == text


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy"])
def test_a_saturated_output_has_an_infinite_dC_da_and_an_exact_delta(loss: str) -> None:
    """z^(L) = ±1000: a rounds to 0 or 1, so ∂C/∂a^(L) is ±inf by the notes' formula; δ and
    the gradients stay a − y (N003.w3, N004.CE), and explain shows the same without failing."""
    if loss == "binary_cross_entropy":
        model, y = MLP(1, [1], seed=0), [0.0]
    else:
        model, y = MLP(1, [2], output_activation="softmax", seed=0), [0.0, 1.0]
    model.w(1, 0, 0).data = 1000.0
    t = byhand.table(model, [1.0], y, loss)
    assert t.verdict.startswith("hand and engine agree")
    for r in t.rows:
        assert r.delta == r.a - y[r.j]  # a is exactly 0.0 or 1.0 here
    assert math.inf in [abs(r.dC_da) for r in t.rows]
    text = byhand.explain(model, [1.0], y, 1, 0, 0, loss)
    assert text.splitlines()[-1].startswith("hand and engine agree")
    assert "inf" in text
