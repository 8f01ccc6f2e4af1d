"""Tests of ``nn.check`` (``nn.formula_check``): the notes' correct formulas agree, each slip of
the notes is caught with a counterexample that really disagrees, and hostile formula text is
refused without being run.

The oracle for a counterexample is independent of the checker: the network is rebuilt from
the reported sizes and weights as an ``MLP``, the engine's gradient is read off ``.grad``
after ``backward()``, and the formula is evaluated by hand on ``nn.byhand.forward``'s numbers.
Formula ids (docs/notation.md): N000.22, N000.24, N000.29, N001.dC, N002.6, N002.18, N003.w3,
N004.CE, N004.dE, N003.L.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from nn import MLP, byhand, check
from nn.formula_check import (
    CheckReport,
    FormulaCounterexample,
    FormulaSyntaxError,
    Net,
    parse_formula,
)
from nn.losses import COSTS_BY_NAME

# 60 networks per check (the ci profile caps every search there anyway).
N = 60

# ∂C/∂a_j^(L) of the squared error, N000.4, as the notes write it.
DC_DA = "2*(a(L,j) - y(j))"
HIDDEN_SUM = "sum(w(l+1,m,j)*dsigma(l+1,m)*2*(a(l+1,m)-y(m)) for m in range(n(l+1)))"


def really_disagrees(report: CheckReport, of: str, text: str) -> FormulaCounterexample:
    """The counterexample's two numbers, recomputed without the checker; they must differ."""
    assert not report.ok
    c = report.counterexample
    assert c is not None, str(report)
    acts = list(c.activations)
    model = MLP(c.sizes[0], list(c.sizes[1:]), [*acts[:-1], "linear"], acts[-1], seed=0)
    for layer, rows in zip(model.layers, c.weights, strict=True):
        for neuron, row in zip(layer.neurons, rows, strict=True):
            for p, v in zip(neuron.parameters(), row, strict=True):
                p.data = v
    trace = model.forward_trace(list(c.x))
    cost = COSTS_BY_NAME[c.loss].engine(trace[-1][1], list(c.y))
    model.zero_grad()
    cost.zero_grad()  # every node of the fresh graph starts at 0
    cost.backward()
    if of == "w":
        assert c.k is not None
        engine = model.w(c.l, c.j, c.k).grad
    elif of == "b":
        engine = model.b(c.l, c.j).grad
    else:
        engine = trace[c.l][0 if of == "delta" else 1][c.j].grad
    # backward() and the checker's grad() add the same contributions in the same order; allow
    # a few ulps should they ever group them differently.
    assert math.isclose(engine, c.expected, rel_tol=1e-14, abs_tol=1e-300)
    # The formula by hand: byhand's forward pass, then the text's own arithmetic.
    W, b = byhand.read_weights(model)
    from autograd.strategies import NetworkData

    net = Net(NetworkData(c.sizes, c.activations, c.weights), c.x, c.y)
    fp = byhand.forward(W, b, acts, list(c.x))
    assert [net.a(l, k) for l in range(net.L + 1) for k in range(net.n(l))] == [
        v for layer in fp.a for v in layer
    ]
    got = parse_formula(text)(net, c.l, c.j, c.k)
    assert got == c.got
    assert abs(got - engine) > report.atol + report.rtol * abs(engine)
    return c


# -- the correct formulas agree -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "of", "layers", "losses"),
    [
        # N000.22 / N000.24: the output layer, squared error.
        (f"a(l-1,k) * dsigma(l,j) * {DC_DA}", "w", "L", "squared_error"),
        (f"dsigma(l,j) * {DC_DA}", "b", "L", "squared_error"),
        # N001.dC: mean squared error.
        ("dsigma(l,j) * 2/n(L) * (a(L,j) - y(j))", "delta", "L", "mean_squared_error"),
        # N003.w3 and N004.CE: δ^(L) = a − y.
        ("a(l-1,k) * (a(L,j) - y(j))", "w", "L", ["binary_cross_entropy", "cross_entropy"]),
        # N000.4, N003.L's derivative and N004.dE as ∂C/∂a^(L) (a^(L) is in C's graph).
        (DC_DA, "a", "L", "squared_error"),
        ("-y(j)/a(L,j) + (1 - y(j))/(1 - a(L,j))", "a", "L", "binary_cross_entropy"),
        ("-y(j)/a(L,j)", "a", "L", "cross_entropy"),
        # N000.29 with its sum, N002.6 and N002.18 one layer below the output.
        (HIDDEN_SUM, "a", "L-1", "squared_error"),
        (f"dsigma(l,j) * {HIDDEN_SUM}", "delta", "L-1", "squared_error"),
        (f"a(l-1,k) * dsigma(l,j) * {HIDDEN_SUM}", "w", "L-1", "squared_error"),
    ],
)
def test_a_correct_formula_agrees(text: str, of: str, layers: str, losses: str | list[str]) -> None:
    report = check(text, of=of, layers=layers, losses=losses, examples=N)
    assert report.ok, str(report)
    assert report.counterexample is None
    assert report.examples >= 1
    assert 0.0 <= report.max_rel_diff <= report.rtol
    assert str(report).splitlines()[1].startswith("agrees with the engine on")


def test_a_formula_may_be_a_python_function() -> None:
    """The same check with a function of the view: N002.18 at the output layer, every loss
    whose output activation is element-wise with its σ' (squared errors)."""

    def formula(net: Net, l: int, j: int, k: int | None) -> float:
        assert k is not None
        return net.a(l - 1, k) * net.dsigma(l, j) * 2.0 * (net.a(net.L, j) - net.y(j))

    report = check(formula, of="w", layers="L", losses="squared_error", examples=N)
    assert report.ok, str(report)


# -- each slip of the notes is caught ------------------------------------------------------


def test_slip_002_eq5_without_the_factor_2_reports_ratio_one_half() -> None:
    """002 eq. 5: δ^(L) = σ'(z)(a − y) for C = Σ (a − y)²: half the engine's, everywhere."""
    text = "dsigma(l,j) * (a(L,j) - y(j))"
    report = check(text, of="delta", layers="L", losses="squared_error", examples=N)
    c = really_disagrees(report, "delta", text)
    assert c.ratio is not None
    assert math.isclose(c.ratio, 0.5, rel_tol=1e-9)
    assert any("0.5 × expected" in h and "missing factor 2" in h for h in report.hints)


def test_slip_000_eq28_29_without_the_sum_over_m_reports_the_missing_sum() -> None:
    """000 eq. 28–29 with one m for Σ_m: fails only where layer l + 1 has two neurons or more."""
    text = "w(l+1,0,j)*dsigma(l+1,0)*2*(a(l+1,0)-y(0))"
    report = check(text, of="a", layers="L-1", losses="squared_error", examples=N)
    c = really_disagrees(report, "a", text)
    assert c.sizes[c.l + 1] >= 2
    assert any("missing sum" in h for h in report.hints), report.hints


def test_slip_003_w1_without_x_transposed() -> None:
    """003's last line for ∂L/∂w^(1) drops xᵀ: ∂L/∂w_jk^(1) = δ_j^(1) is off by 1/x_k."""
    delta1 = (
        "dsigma(l,j) * sum(w(l+1,m,j) * dsigma(l+1,m) * "
        "sum(w(l+2,p,m) * (a(L,p) - y(p)) for p in range(n(l+2))) for m in range(n(l+1)))"
    )
    wrong = check(delta1, of="w", layers="L-2", losses="binary_cross_entropy", examples=N)
    c = really_disagrees(wrong, "w", delta1)
    assert len(c.sizes) == 4  # the 003 network's depth: x → 3 → 2 → 1 has L = 3
    right = check(
        f"a(l-1,k) * {delta1}", of="w", layers="L-2", losses="binary_cross_entropy", examples=N
    )
    assert right.ok, str(right)


def test_slip_002_eq6_prime_with_the_layer_above_is_refused_or_disagrees() -> None:
    """002's (6') writes s^(e+1)·a^(e+1) where (3') has s^(e)·a^(e−1): wrong layers."""
    text = f"a(l+1,k) * dsigma(l+1,j) * {HIDDEN_SUM.replace('l+1', 'l+2')}"
    report = check(text, of="w", layers="L-2", losses="squared_error", examples=N)
    assert not report.ok
    assert report.counterexample is not None or report.error is not None


def test_an_index_out_of_range_is_reported_plainly() -> None:
    report = check("a(l+5,k)", of="w", layers=1, losses="squared_error", examples=N)
    assert not report.ok
    assert report.error is not None
    assert "out of range" in report.error or "no layer" in report.error
    assert "Traceback" not in str(report)


def test_the_counterexample_and_report_text() -> None:
    text = f"a(l-1,k) * dsigma(l,j) * {DC_DA} * -1"
    report = check(text, of="w", layers="L", losses="squared_error", examples=N)
    c = really_disagrees(report, "w", text)
    assert c.ratio is not None
    assert math.isclose(c.ratio, -1.0, rel_tol=1e-9)
    assert c.loss == "squared_error"
    assert len(c.activations) == len(c.sizes) - 1
    assert c.l == len(c.sizes) - 1
    assert c.k is not None
    shown = str(report)
    assert shown.startswith("∂C/∂w_jk^(l) = " + text)
    assert "DISAGREES" in shown
    assert f"engine {c.expected!r}, formula {c.got!r}" in shown
    assert "sign error" in shown


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="of must be one of"):
        check("1", of="q")
    with pytest.raises(ValueError, match="unknown activation"):
        check("1", activations="swish")
    with pytest.raises(ValueError, match="unknown loss"):
        check("1", losses="hinge")
    with pytest.raises(ValueError, match="a layer must be"):
        check("1", layers="top")


# -- hostile text is refused without being run ------------------------------------------------

HOSTILE = [
    "a.__class__",
    "().__class__.__bases__",
    "__import__('os').system('touch {sentinel}')",
    "__builtins__",
    "import os",
    "open('{sentinel}', 'w')",
    "eval('1')",
    "getattr(a, 'x')",
    "lambda: 1",
    "(lambda: 1)()",
    "[x for x in range(10)]",
    "9**9**9",
    "2**1000000",
    "a(l,k)**n(l)",
    "sum(1 for m in range(10**12))",
    "sum(1 for m in range(100000000))",
    "sum(1 for m in range(n(l)) if m)",
    "sum(sum(sum(sum(1 for p in range(n(l))) for q in range(n(l))) for r in range(n(l))) "
    "for s in range(n(l)))",
    "a(l, k)[0]",
    "'text'",
    "1 if l else 0",
    "l == 1",
    "x",
    "a",
    "a(l)",
    "a(l, k, j=1)",
    "sum(a(l, m) for a in range(n(l)))",
    "(m := 1)",
    "1e400",
    "-" * 1990 + "1",
    "a(l,k)\x00",
    "f'{l}'",
    "*l",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_refused_without_running_it(text: str, tmp_path: Path) -> None:
    sentinel = tmp_path / "ran"
    source = text.replace("{sentinel}", str(sentinel))
    with pytest.raises(FormulaSyntaxError) as info:
        parse_formula(source)
    message = str(info.value)
    assert "\n" not in message
    assert message
    with pytest.raises(FormulaSyntaxError):
        check(source, examples=1)
    assert not sentinel.exists()


def test_numbers_and_arithmetic_are_allowed() -> None:
    from autograd.strategies import NetworkData

    net = Net(NetworkData((1, 1), ("linear",), (((2.0, 0.5),),)), (3.0,), (1.0,))
    f = parse_formula("-(a(1,0) - y(0))**2 / 4 + 1.5e0 * +z(l,j) - w(1,0,0)*b(1,0) + n(L) + L")
    # a = z = 2·3 + 0.5 = 6.5: −(5.5)²/4 + 1.5·6.5 − 2·0.5 + 1 + 1, exact in binary here.
    assert f(net, 1, 0, None) == -(5.5**2) / 4 + 9.75 - 1.0 + 2.0
    with pytest.raises(Exception, match="defined only for a weight"):
        parse_formula("k")(net, 1, 0, None)


def test_theta_convention_swaps_the_weight_indices() -> None:
    """002's Θ_kj^(l) = w_jk^(l): w(l, k, j) in the formula; the report is written in Θ."""
    hidden = "sum(w(l+1,j,m)*dsigma(l+1,m)*2*(a(l+1,m)-y(m)) for m in range(n(l+1)))"
    ok = check(hidden, of="a", layers="L-1", losses="squared_error", examples=N,
               convention="theta")  # fmt: skip
    assert ok.ok, str(ok)
    # The same text read in the notes' convention takes w_{j,m} for w_{m,j}: it disagrees.
    wrong = check(hidden, of="a", layers="L-1", losses="squared_error", examples=N)
    assert not wrong.ok
    slip = check("a(l-1,k)*dsigma(l,j)*(a(L,j)-y(j))", of="w", layers="L",
                 losses="squared_error", examples=N, convention="theta")  # fmt: skip
    shown = str(slip)
    assert shown.startswith("∂C/∂Θ_kj^(l) = ")
    assert "Θ^(1) = " in shown
    assert "w^(" not in shown
    with pytest.raises(ValueError, match="unknown convention"):
        check("1", convention="v")
