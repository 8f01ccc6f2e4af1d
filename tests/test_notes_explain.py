"""``byhand.explain``: its numbers are the hand formula's and the engine's, and they agree.

The tests parse the string: the result must be byhand's gradient (exactly: it is printed with
every digit), the engine's number must be ``autograd.grad``'s, the two must agree to TOL, and
every factor printed (4 significant digits, as the notes write them) must be the engine's own
value of that factor: a_k^(l−1) from the forward pass, σ'(z_j^(l)) as ∂a_j/∂z_j, ∂C/∂a_j^(l)
or δ_j^(l) = ∂C/∂z_j^(l) from back-propagation.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import grad
from nn import byhand
from nn.datasets import load_digits, one_hot
from nn.module import MLP
from tests.strategies import Problem, problems
from tests.support.notes import (
    TOL,
    engine_gradients,
    flat,
    node_gradients,
    output_saturated,
    trace_cost,
)

#: The first line: target = symbols = numbers = hand   engine: number.
HEAD = re.compile(
    r"^(?P<target>∂C/∂[wb]\S+) = (?P<symbols>.+) = (?P<numbers>[^=]+) = (?P<hand>\S+)"
    r"   engine: (?P<engine>\S+)$"
)
#: The delta recursion's line below the output layer (N002.6).
RECURSION = re.compile(
    r"^  δ_(?P<j>\d+)\^\((?P<l>\d+)\) = \S+\(z_\d+\^\(\d+\)\)"
    r" · Σ_m w_\{m,\d+\}\^\(\d+\) δ_m\^\(\d+\)"
    r" = (?P<slope>\S+) · \((?P<terms>.+)\) = \S+ · (?P<total>\S+) = (?P<delta>\S+)"
    r"  \((?P<note>N002\.6.*)\)$"
)
#: A softmax output's Σ_i (∂a_i/∂z_j)(∂C/∂a_i) line (N004.softmax).
SOFTMAX = re.compile(
    r"^  Σ_i a_i\^\((?P<L>\d+)\)\(δ_i(?P<j>\d+) − a_\d+\^\(\d+\)\) ∂C/∂a_i\^\(\d+\)"
    r" = (?P<terms>.+) = (?P<total>\S+)  \((?P<note>N004\.softmax.*)\)$"
)
#: A factor printed with 4 significant digits is within this of its value, relatively.
DIGITS_4 = 5e-4
#: Plus this much absolutely: a sum that cancels is only known to its terms' rounding.
CANCELLED = 1e-13


def number(text: str) -> float:
    """A number as explain prints it: U+2212 for minus, negative factors in brackets."""
    return float(text.strip().strip("()").replace("−", "-"))


def close(printed: float, value: float) -> bool:
    """A factor printed with 4 significant digits stands for ``value``."""
    return abs(printed - value) <= DIGITS_4 * abs(value) + CANCELLED


def engine_factors(
    model: MLP, x: list[float], y: list[float], loss: str, l: int, j: int, k: int | None
) -> list[float]:
    """What each printed factor should be, taken from the engine's graph."""
    trace, cost = trace_cost(model, x, y, loss)
    L = len(model.layers)
    z, a = trace[l][0][j], trace[l][1][j]
    act = model.layers[l - 1].activation
    closed_form = l == L and (
        act == "softmax" or (act, loss) == ("sigmoid", "binary_cross_entropy")
    )
    if closed_form:  # δ_j^(L) = ∂C/∂z_j^(L) as one factor
        factors = node_gradients(cost, [z])
    else:  # σ'(z_j^(l)) = ∂a_j/∂z_j, then ∂C/∂a_j^(l) (2(a − y), or the Σ over the layer above)
        factors = [float(grad(a, [z])[0]), *node_gradients(cost, [a])]
    return factors if k is None else [trace[l - 1][1][k].data, *factors]


def check_explain(
    model: MLP, x: list[float], y: list[float], loss: str, l: int, j: int, k: int | None
) -> str:
    """Run explain and check every number in it; return the text."""
    text = byhand.explain(model, x, y, l, j, k, loss)
    head, *rest = text.split("\n")
    match = HEAD.match(head)
    assert match, head
    target = f"∂C/∂b_{j}^({l})" if k is None else f"∂C/∂w_{{{j},{k}}}^({l})"
    assert match["target"] == target
    # The result is byhand's gradient, the engine's number autograd.grad's, both exactly.
    dW, db = byhand.gradients(model, x, y, loss)
    hand = db[l - 1][j] if k is None else dW[l - 1][j][k]
    assert number(match["hand"]) == hand
    param = model.b(l, j) if k is None else model.w(l, j, k)
    (engine,) = grad(trace_cost(model, x, y, loss)[1], [param])
    assert number(match["engine"]) == engine
    scale = max(abs(g) for g in flat(engine_gradients(model, [x], [y], loss)))
    assert abs(hand - engine) <= TOL * scale  # norm-wise, as every test of the notes
    # Each factor is the engine's value of it; their product is the result.
    printed = [number(f) for f in match["numbers"].split(" · ")]
    expected = engine_factors(model, x, y, loss, l, j, k)
    assert len(printed) == len(expected), head
    assert all(close(p, e) for p, e in zip(printed, expected, strict=True)), (printed, expected)
    product = 1.0
    for p in printed:
        product *= p
    assert abs(product - hand) <= 3 * DIGITS_4 * abs(hand) + CANCELLED * 10
    for line in rest:
        check_sum_line(model, x, y, loss, line)
    return text


def check_sum_line(model: MLP, x: list[float], y: list[float], loss: str, line: str) -> None:
    """A line expanding a sum: every number in it is the engine's value of what it stands for.

    Below the output layer the delta recursion (N002.6),
    δ_j^(l) = σ'(z_j^(l)) · Σ_m w_{m,j}^(l+1) δ_m^(l+1) = σ' · (w · δ + ...) = σ' · Σ = δ;
    at a softmax output Σ_i a_i(δ_ij − a_j) ∂C/∂a_i^(L) = Σ_i (∂a_i/∂z_j) · ∂C/∂a_i (N004.softmax).
    """
    trace, cost = trace_cost(model, x, y, loss)
    recursion = RECURSION.match(line)
    softmax = SOFTMAX.match(line)
    if recursion:
        j, l = int(recursion["j"]), int(recursion["l"])
        second = node_gradients(cost, trace[l + 1][0])  # δ_m^(l+1)
        first = [model.w(l + 1, m, j).data for m in range(len(second))]
        z_j, a_j = trace[l][0][j], trace[l][1][j]
        assert close(number(recursion["slope"]), float(grad(a_j, [z_j])[0]))
        assert close(number(recursion["delta"]), node_gradients(cost, [z_j])[0])
        match = recursion
    elif softmax:
        L, j = int(softmax["L"]), int(softmax["j"])
        z_j = trace[L][0][j]
        first = [float(grad(a_i, [z_j])[0]) for a_i in trace[L][1]]  # ∂a_i/∂z_j
        second = node_gradients(cost, trace[L][1])  # ∂C/∂a_i
        match = softmax
    else:
        assert line.startswith("  where "), line  # the closed forms' one-line remarks
        return
    n = len(second)
    shown = [t for t in match["terms"].split(" + ") if t != "…"]
    which = list(range(n)) if n <= 6 else [0, 1, 2, n - 1]  # explain's summary of a long sum
    assert len(shown) == len(which), line
    for i, term in zip(which, shown, strict=True):
        u, v = (number(t) for t in term.split(" · "))
        assert close(u, first[i]), (term, first[i])
        assert close(v, second[i]), (term, second[i])
    assert (f"{n} terms" in match["note"]) is (n > 6)
    total = sum(u * v for u, v in zip(first, second, strict=True))
    assert close(number(match["total"]), total)


@st.composite
def explained(draw: st.DrawFn) -> tuple[Problem, int, int, int | None]:
    """A problem and a weight (or, with k None, a bias) of its network."""
    p = draw(problems())
    sizes = p.model.sizes
    l = draw(st.integers(1, len(sizes) - 1))
    j = draw(st.integers(0, sizes[l] - 1))
    k = draw(st.one_of(st.none(), st.integers(0, sizes[l - 1] - 1)))
    return p, l, j, k


@given(explained())
def test_explain_numbers_are_the_hand_formulas_and_the_engines(
    case: tuple[Problem, int, int, int | None],
) -> None:
    """Every number explain prints, for any weight or bias of any network and loss."""
    p, l, j, k = case
    assume(not output_saturated(p.model, p.xs, p.ys, p.loss))
    text = check_explain(p.model, p.xs[0], p.ys[0], p.loss, l, j, k)
    if l < len(p.model.layers):  # a hidden layer shows the delta recursion's sum
        assert RECURSION.match(text.split("\n")[1])


def test_explain_the_notes_example_format() -> None:
    """The output layer reads as the notes write N000.22, factor by factor."""
    model = MLP(2, [3, 3], seed=1)
    text = check_explain(model, [0.5, -1.0], [0.0, 1.0, 0.0], "squared_error", 2, 2, 1)
    assert text.startswith("∂C/∂w_{2,1}^(2) = a_1^(1) · σ'(z_2^(2)) · 2(a_2^(2) − y_2) = ")
    assert "   engine: " in text


def test_explain_summarises_a_long_sum() -> None:
    """000's digits network: the hidden layer's sum runs over 10 outputs, shown as 3 + … + 1."""
    digits = load_digits()
    model = MLP(64, [16, 10], seed=0)
    x, y = digits.inputs[0], one_hot(digits.labels[0], 10)
    k = next(k for k, v in enumerate(x) if v > 0.5)  # a dark pixel: a_k^(0) is not 0
    text = check_explain(model, x, y, "squared_error", 1, 4, k)
    assert ", 10 terms;" in text


@pytest.mark.parametrize(
    ("l", "j", "k", "pattern"),
    [
        (0, 0, 0, r"l=0 is out of range.*1\.\.2"),
        (3, 0, 0, r"l=3 is out of range.*1\.\.2"),
        (1, 4, 0, r"j=4 is out of range.*0\.\.3"),
        (2, 0, 4, r"k=4 is out of range.*0\.\.3"),
        (1, 0, -1, r"k=-1 is out of range.*0\.\.1"),
    ],
)
def test_explain_out_of_range_names_the_value_and_the_range(
    l: int, j: int, k: int, pattern: str
) -> None:
    """l, j or k out of range: IndexError naming the value and the valid range."""
    model = MLP(2, [4, 1], seed=0)
    with pytest.raises(IndexError, match=pattern):
        byhand.explain(model, [0.5, 1.0], [1.0], l, j, k)


def test_explain_unknown_loss_names_the_choices() -> None:
    """An unknown loss: ValueError naming it and the losses there are."""
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'.*squared_error.*cross_entropy"):
        byhand.explain(model, [0.5, 1.0], 1.0, 1, 0, 0, loss="hinge")
