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
#: An output δ from the cost (000's order): σ'(z) · ∂C/∂a = numbers [= closed form] = δ.
OUTPUT = re.compile(
    r"^  δ_(?P<m>\d+)\^\((?P<L>\d+)\) = \S+\(z_\d+\^\(\d+\)\) · (?P<cost>[^=]+)"
    r" = (?P<slope>\S+) · (?P<dcda>\S+)(?: = (?P<closed>[^=]+))? = (?P<delta>\S+)"
    r"  \((?P<note>.+)\)$"
)
#: The verdict, the last line.
VERDICT = re.compile(
    r"^hand and engine (agree to (?P<digits>\d+) significant digits|agree exactly \(every digit\))$"
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
    leibniz, head, *rest, last = text.split("\n")
    check_leibniz(leibniz, len(model.layers), l, j, k)
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
    check_chain_is_complete(model, l, j, rest)
    verdict = VERDICT.match(last)
    assert verdict, last
    digits = 16 if verdict["digits"] is None else int(verdict["digits"])
    assert abs(hand - engine) <= 10.0 ** (1 - digits) * max(scale, abs(engine))
    return text


def check_leibniz(line: str, L: int, l: int, j: int, k: int | None) -> None:
    """000 eq. 11, 25–29: ∂z/∂w · ∂a/∂z, then ∂z/∂a · ∂a/∂z per layer above, then ∂C/∂a^(L)."""
    param = f"b_{j}^({l})" if k is None else f"w_{{{j},{k}}}^({l})"
    first = f"∂C/∂{param} = ∂z_{j}^({l})/∂{param} · "
    assert line.startswith(first + f"∂a_{j}^({l})/∂z_{j}^({l})") or (
        l == L and line.startswith(first + f"Σ_i ∂a_i^({L})/∂z_{j}^({L})")  # softmax's Jacobian
    )
    assert line.count("/∂z_") == L - l + 1
    assert line.count("Σ_") == L - l + (1 if "Σ_i" in line else 0)
    assert "∂C/∂a_" in line
    assert f"^({L})" in line.split("∂C/∂a_")[-1]


def check_chain_is_complete(model: MLP, l: int, j: int, lines: list[str]) -> None:
    """Every δ the gradient needs is expanded: δ_j^(l), then every δ of each layer above."""
    shown = set()
    for line in lines:
        for pattern in (RECURSION, OUTPUT):
            match = pattern.match(line)
            if match:
                shown.add((int(match["L" if pattern is OUTPUT else "l"]),
                           int(match["m" if pattern is OUTPUT else "j"])))  # fmt: skip
        softmax = SOFTMAX.match(line)
        if softmax:
            shown.add((int(softmax["L"]), int(softmax["j"])))
    L = len(model.layers)
    needed = {(l, j)} | {(up, m) for up in range(l + 1, L + 1) for m in range(model.sizes[up])}
    assert shown == needed, (shown, needed)


def check_sum_line(model: MLP, x: list[float], y: list[float], loss: str, line: str) -> None:
    """A line expanding a sum: every number in it is the engine's value of what it stands for.

    Below the output layer the delta recursion (N002.6),
    δ_j^(l) = σ'(z_j^(l)) · Σ_m w_{m,j}^(l+1) δ_m^(l+1) = σ' · (w · δ + ...) = σ' · Σ = δ;
    at a softmax output Σ_i a_i(δ_ij − a_j) ∂C/∂a_i^(L) = Σ_i (∂a_i/∂z_j) · ∂C/∂a_i (N004.softmax).
    """
    trace, cost = trace_cost(model, x, y, loss)
    recursion = RECURSION.match(line)
    softmax = SOFTMAX.match(line)
    output = OUTPUT.match(line)
    if output:  # the notes' σ'(z_m^(L)) and ∂C/∂a_m^(L) (a^(L) is in C's graph), and δ_m^(L)
        m, L = int(output["m"]), int(output["L"])
        z_m, a_m = trace[L][0][m], trace[L][1][m]
        assert close(number(output["slope"]), float(grad(a_m, [z_m])[0]))
        assert close(number(output["dcda"]), node_gradients(cost, [a_m])[0])
        assert close(number(output["delta"]), node_gradients(cost, [z_m])[0])
        return
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
        assert RECURSION.match(text.split("\n")[2])


def test_explain_the_notes_example_format() -> None:
    """The output layer reads as the notes write N000.22, factor by factor."""
    model = MLP(2, [3, 3], seed=1)
    text = check_explain(model, [0.5, -1.0], [0.0, 1.0, 0.0], "squared_error", 2, 2, 1)
    head = text.split("\n")[1]
    assert head.startswith("∂C/∂w_{2,1}^(2) = a_1^(1) · σ'(z_2^(2)) · 2(a_2^(2) − y_2) = ")
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


def test_explain_order_002_is_the_same_product_with_dC_da_first() -> None:
    """Notes 002 and 003 write ∂C/∂a first: the same factors and numbers, reversed."""
    model = MLP(2, [3, 2, 2], seed=1)
    x, y = [0.5, -0.3], [1.0, 0.0]
    first = byhand.explain(model, x, y, 1, 0, 1).split("\n")
    second = byhand.explain(model, x, y, 1, 0, 1, order="002").split("\n")
    head_000, head_002 = HEAD.match(first[1]), HEAD.match(second[1])
    assert head_000
    assert head_002
    assert head_002["hand"] == head_000["hand"]
    assert head_002["engine"] == head_000["engine"]
    assert head_002["numbers"].split(" · ") == head_000["numbers"].split(" · ")[::-1]
    assert head_002["symbols"].startswith("Σ_m w_{m,0}^(2) δ_m^(2)")
    assert second[0].split(" = ", 1)[1].startswith("Σ_m Σ_p ∂C/∂a_p^(3) · ∂a_p^(3)/∂z_p^(3)")
    assert second[0].split("  (")[0].endswith("∂z_0^(1)/∂w_{0,1}^(1)")
    assert second[-1] == first[-1]
    assert len(second) == len(first)
    with pytest.raises(ValueError, match="unknown order '001'"):
        byhand.explain(model, x, y, 1, 0, 1, order="001")


@pytest.mark.parametrize("loss", ["binary_cross_entropy", "cross_entropy"])
def test_explain_shows_the_notes_own_output_factors(loss: str) -> None:
    """003's n-3-2-1 with BCE and 004's softmax: σ'(z^(L)), ∂L/∂a^(L), then a − y."""
    if loss == "binary_cross_entropy":
        model, y = MLP(3, [3, 2, 1], seed=2), [1.0]
    else:
        model, y = MLP(3, [3, 3], output_activation="softmax", seed=2), [0.0, 0.0, 1.0]
    text = check_explain(model, [0.5, -1.0, 0.25], y, loss, 1, 0, 2)
    if loss == "binary_cross_entropy":
        (line,) = [s for s in text.split("\n") if s.startswith("  δ_0^(3)")]
        assert "σ'(z_0^(3)) · (−y_0/a_0^(3) + (1 − y_0)/(1 − a_0^(3)))" in line
        assert "= (a_0^(3) − y_0) = " in line
        assert "N003.w3" in line
    else:
        assert "where δ_2^(2) = (a_2^(2) − y_2) (N004.CE)" in text


def test_explain_a_batch_is_the_mean_N002_m() -> None:
    model = MLP(2, [3, 2], activation=["tanh", "sigmoid"], seed=3)
    xs = [[0.5, -1.0], [1.0, 0.25], [-0.5, 0.5]]
    ys = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    text = byhand.explain(model, xs, ys, 1, 2, 0)
    head, *examples, verdict = text.split("\n")
    assert len(examples) == 3
    dW, _ = byhand.batch_gradients(model, xs, ys)
    assert head.startswith("∂C/∂w_{2,0}^(1) = (1/3) Σ_i ∂C/∂w_{2,0}^(1)_i = (1/3)(")
    hand = number(head.split(" = ")[3].split("   engine:")[0])
    assert hand == pytest.approx(dW[0][2][0], rel=1e-15)
    from nn.losses import mean, squared_error

    cost = mean([squared_error(model(x), y) for x, y in zip(xs, ys, strict=True)])
    (engine,) = grad(cost, [model.w(1, 2, 0)])
    assert number(head.split("engine: ")[1].split()[0]) == engine
    for i, line in enumerate(examples):
        each, _ = byhand.gradients(model, xs[i], ys[i])
        assert number(line.rsplit(" = ", 1)[1]) == each[0][2][0]
    assert VERDICT.match(verdict)
    with pytest.raises(ValueError, match="3 examples but 2 targets"):
        byhand.explain(model, xs, ys[:2], 1, 2, 0)


def test_explain_in_note_002s_theta_convention() -> None:
    """Θ_kj^(l) = w_jk^(l) and s for δ: the same numbers, written as note 002 writes them."""
    model = MLP(2, [3, 2], seed=1)
    w = byhand.explain(model, [0.5, -1.0], [0.0, 1.0], 1, 0, 1)
    theta = byhand.explain(model, [0.5, -1.0], [0.0, 1.0], 1, 0, 1, convention="theta")
    assert theta.startswith("∂C/∂Θ_{1,0}^(1) = ∂z_0^(1)/∂Θ_{1,0}^(1)")
    assert "Σ_m Θ_{0,m}^(2) s_m^(2)" in theta
    assert "w_{" not in theta
    assert "δ_" not in theta
    numbers = re.compile(r"[−-]?\d+\.\d+(?:e[−-]?\d+)?")
    assert numbers.findall(theta) == numbers.findall(w)
    with pytest.raises(ValueError, match="unknown convention 'v'"):
        byhand.explain(model, [0.5, -1.0], [0.0, 1.0], 1, 0, 1, convention="v")
