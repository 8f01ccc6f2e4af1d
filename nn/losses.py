"""Costs of one example and the batch mean, built from ``Value`` operations; the cost table.

Every function returns a ``Value`` whose ``backward()`` gives the gradients the notes derive
by hand. ``a`` is the network's output layer (a list of Values, or one Value when n_L = 1),
``y`` the target (a list of floats, or one float). The formula ids (N000.19, N001.C, N003.L,
N004.E, N002.m) are those of the notes (docs/notation.md). ``COST_TABLE`` holds one row per
cost: the engine's loss, the notes' cost and derivative by hand, the text ``explain`` prints,
the output activation it needs and its closed-form δ; every other list of costs is read from
it. ``softmax`` lives with the activations (``nn.activations``) and is re-exported here.

Logarithms of outputs that saturated to exactly 0.0 or 1.0 are taken from the logits when the
output was made by ``sigmoid`` or by ``softmax`` (so both the loss and its gradient stay exact
and finite); only for outputs of any other origin is the argument of the log clipped. The
origin is read from the graph: under ``no_grad`` no graph is recorded, so there the
cross-entropies see bare numbers and clip (values are then less accurate near saturation).

a^(L) stays in C's graph for every cost: the cross-entropies computed from the logits add, per
output, the term P_j · (a_j − ã_j), where ã_j is the same activation recomputed from the same
logits (so a_j − ã_j is exactly 0.0 and C's value is unchanged) and P_j is the notes' ∂C/∂a_j
built from the logits (``_output_gradient``). So ``grad(C, a_L)`` is P_j (N003.L's derivative,
N004.dE), while the two paths from that term down to z^(L) (through a_j and through ã_j) are
the same products with opposite signs: z^(L) keeps the log-sum-exp's gradient a − y, exact to
the last few ulps of 1 and finite for every finite z, however far the output saturated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import SupportsFloat

from autograd import Value
from nn.activations import softmax as softmax
from nn.checks import values
from nn.formulas import costs as hand
from nn.formulas.common import Target as HandTarget

#: What a loss accepts as the network's output.
Outputs = Value | Sequence[Value]
#: What a loss accepts as the target.
Targets = SupportsFloat | Sequence[SupportsFloat]

#: Outputs of unknown origin are clipped to at least this before a log: the loss term is then at
#: most −ln(1e-12) ≈ 27.6 and its gradient at most 1e12 in size, both finite.
LOG_FLOOR = 1e-12

#: The largest |∂C/∂a_j^(L)| that ``grad(C, a_L)`` reports. Where an output rounded to exactly
#: 0.0 or 1.0 the notes' −y/a or (1 − y)/(1 − a) divides by zero; taken from the logits it is
#: y(1 + e^−z) or (1 − y)(1 + e^z), finite until e^|z| overflows. Past this bound (|z| beyond
#: about 690) the gradient is ±A_GRADIENT_CAP, a stand-in with the right sign for a number no
#: float holds; the gradients of z^(L) and of the weights never depend on it (see the module
#: docstring), and the cap leaves room for a backward seed up to 1e8 before any overflow.
A_GRADIENT_CAP = 1e300


def _capped(terms: Sequence[tuple[float, Callable[[], Value], float]]) -> Value | float:
    """Σ c · f() over (c, f, estimate of f's value), as a Value, or ±A_GRADIENT_CAP past it.

    Each f builds its factor from the logits (an exponential); it is called only when the
    estimate shows every factor and the sum stay within the cap, so no node overflows.
    """
    estimate = math.fsum(c * e for c, _, e in terms)
    if not all(abs(e) <= A_GRADIENT_CAP for _, _, e in terms) or abs(estimate) > A_GRADIENT_CAP:
        return math.copysign(A_GRADIENT_CAP, estimate)
    if not terms:
        return 0.0
    return Value.sum([c * f() for c, f, _ in terms])


def _exp_estimate(t: float) -> float:
    """e^t as a float, or inf where it overflows (only compared with the cap)."""
    return math.exp(t) if t < 709.0 else math.inf


def _keep_output(a: Value, twin: Value, p: Value | float) -> Value:
    """P · (a − ã): 0.0 in value (ã is a recomputed exactly), ∂/∂a = P; keeps a in C's graph."""
    return p * (a - twin)


def _pair(name: str, a: Outputs, y: Targets) -> tuple[list[Value], list[float]]:
    """``a`` and ``y`` as equally long lists, or a ValueError/TypeError naming the problem."""
    outs = [a] if isinstance(a, Value) else list(a)
    if isinstance(y, (str, bytes)):
        raise TypeError(f"{name}: the target y must be numbers, got {type(y).__name__} {y!r}")
    ys_raw: list[object] = list(y) if isinstance(y, Sequence) else [y]
    if len(outs) != len(ys_raw):
        raise ValueError(
            f"{name}: the output has {len(outs)} values but the target y has {len(ys_raw)}"
        )
    if not outs:
        raise ValueError(f"{name}: the output and the target are empty")
    for j, v in enumerate(outs):
        if not isinstance(v, Value):
            raise TypeError(f"{name}: output a[{j}] must be a Value, got {type(v).__name__} {v!r}")
    ys = []
    for j, t in enumerate(ys_raw):
        if isinstance(t, bool) or not isinstance(t, (int, float, SupportsFloat)):
            raise TypeError(
                f"{name}: target y[{j}] must be a real number, got {type(t).__name__} {t!r}"
            )
        f = float(t)
        if not math.isfinite(f):
            raise ValueError(f"{name}: target y[{j}] must be finite, got {f!r}")
        ys.append(f)
    return outs, ys


def squared_error(a: Outputs, y: Targets) -> Value:
    """N000.19: C = Σ_j (a_j − y_j)², whose gradient is ∂C/∂a_j = 2(a_j − y_j) (N000.4).

    >>> squared_error([Value(0.5), Value(1.0)], [0.0, 1.0]).data
    0.25
    """
    outs, ys = _pair("squared_error", a, y)
    return Value.sum([(aj - yj) ** 2 for aj, yj in zip(outs, ys, strict=True)])


def mean_squared_error(a: Outputs, y: Targets) -> Value:
    """N001.C: C = (1/n_L) Σ_j (a_j − y_j)², whose gradient is (2/n_L)(a_j − y_j) (N001.dC).

    >>> mean_squared_error([Value(0.5), Value(1.0)], [0.0, 1.0]).data
    0.125
    """
    outs, ys = _pair("mean_squared_error", a, y)
    return Value.sum([(aj - yj) ** 2 for aj, yj in zip(outs, ys, strict=True)]) / float(len(outs))


def _softplus(z: Value) -> Value:
    """softplus(z) = ln(1 + e^z), never overflowing: z + ln(1 + e^−z) for z > 0.

    Its derivative through these nodes is σ(z) on both branches (e^z/(1 + e^z), or
    1 − e^−z/(1 + e^−z)), and e^t is only ever taken of t <= 0.
    """
    if z.data > 0.0:
        return z + (1.0 + (-z).exp()).log()
    return (1.0 + z.exp()).log()


def _safe_log(v: Value) -> Value:
    """ln v for an output of unknown origin, with v clipped to at least LOG_FLOOR.

    Clipping adds a constant, so below the floor the gradient is 1/LOG_FLOOR rather than
    infinite. Negative outputs are not clipped: they are an error.
    """
    if v.data >= LOG_FLOOR:
        return v.log()
    return (v + (LOG_FLOOR - v.data)).log()


def _bce_output_gradient(z: Value, y: float) -> Value | float:
    """N003.L's ∂L/∂a = −y/a + (1 − y)/(1 − a) at a = σ(z), from the logit.

    1/σ(z) = 1 + e^−z and 1/(1 − σ(z)) = 1/σ(−z) = 1 + e^z, so the derivative is
    (1 − y)(1 + e^z) − y(1 + e^−z): no division by an a that rounded to 0 or 1, and every
    partial of these nodes stays as finite as the value. A term of weight 0 is left out.
    """
    terms: list[tuple[float, Callable[[], Value], float]] = []
    if y != 1.0:
        terms.append((1.0 - y, lambda: 1.0 + z.exp(), 1.0 + _exp_estimate(z.data)))
    if y != 0.0:
        terms.append((-y, lambda: 1.0 + (-z).exp(), 1.0 + _exp_estimate(-z.data)))
    return _capped(terms)


def binary_cross_entropy(a: Outputs, y: Targets) -> Value:
    """N003.L: L = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)], one term per output.

    Saturation: when a_j was made by ``sigmoid`` (``a_j.op == "sigmoid"``), the term is
    computed from its logit z_j = ``a_j.parents[0]`` as softplus(z_j) − y_j z_j (the same
    number, algebraically), with a softplus that never overflows. Its gradient is then
    ∂L/∂z_j = σ(z_j) − y_j = a_j − y_j (N003.w3), finite even where σ(z_j) rounds to exactly
    0.0 or 1.0, while a_j stays in L's graph with ∂L/∂a_j = −y_j/a_j + (1 − y_j)/(1 − a_j)
    taken from the logit (``_bce_output_gradient``). Outputs of any other origin are clipped
    to [LOG_FLOOR, 1 − LOG_FLOOR] inside the logs, which keeps loss and gradient finite.
    Outputs outside [0, 1] or targets outside [0, 1] raise ValueError.

    >>> round(binary_cross_entropy(Value(0.0).sigmoid(), 1.0).data, 6)  # ln 2
    0.693147
    """
    outs, ys = _pair("binary_cross_entropy", a, y)
    terms = []
    for j, (aj, yj) in enumerate(zip(outs, ys, strict=True)):
        if not 0.0 <= yj <= 1.0:
            raise ValueError(f"binary_cross_entropy: target y[{j}] must be in [0, 1], got {yj!r}")
        if not 0.0 <= aj.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: output a[{j}] must be in [0, 1] (a probability), "
                f"got {aj.data!r}; use a sigmoid output layer"
            )
        if aj.op == "sigmoid":
            z = aj.parents[0]
            terms.append(_softplus(z) - yj * z if yj != 0.0 else _softplus(z))
            terms.append(_keep_output(aj, z.sigmoid(), _bce_output_gradient(z, yj)))
            continue
        # A term whose weight y_j or 1 − y_j is 0 is left out (0 · ln 0 = 0); ln(1 − a) is
        # clipped on its own, which keeps it finite at a = 1.
        if yj != 0.0:
            terms.append(-(yj * _safe_log(aj)))
        if yj != 1.0:
            terms.append(-((1.0 - yj) * _safe_log(1.0 - aj)))
    return Value.sum(terms)


def _softmax_logits(outs: Sequence[Value]) -> tuple[list[Value], Value] | None:
    """(u, s) if ``outs`` is exactly a softmax layer a_j = e^(u_j) / s, s = Σ_k e^(u_k); else None.

    The pattern is recognised from the graph, so that it holds however the softmax was built
    (``softmax`` below, an MLP's softmax output layer, or a learner's own e_j / Σ e_k).
    """
    first = outs[0]
    if first.op != "/":
        return None
    s = first.parents[1]
    if s.op != "sum" or len(s.parents) != len(outs):
        return None
    logits = []
    for aj, ej in zip(outs, s.parents, strict=True):
        if aj.op != "/" or aj.parents[0] is not ej or aj.parents[1] is not s or ej.op != "exp":
            return None
        logits.append(ej.parents[0])
    return logits, s


def _keep_softmax_outputs(
    outs: Sequence[Value], logits: Sequence[Value], ys: Sequence[float]
) -> Value:
    """Σ_j P_j · (a_j − ã_j) with P_j = N004.dE's −y_j/a_j, from the logits u_j.

    ã is the softmax recomputed from the same u (so a_j − ã_j is exactly 0.0), and
    −y_j/a_j = −y_j · s · e^(−u_j) with s = Σ_k e^(u_k), which stays finite where a_j rounded
    to 0.0 (until e^(−u_j) overflows: then ±A_GRADIENT_CAP).
    """
    exps = [u.exp() for u in logits]
    s = Value.sum(exps)
    kept = []
    for aj, ej, uj, yj in zip(outs, exps, logits, ys, strict=True):

        def factor(u: Value = uj) -> Value:
            return s * (-u).exp()  # s / e^(u_j) = 1 / a_j

        terms = [(-yj, factor, s.data * _exp_estimate(-uj.data))] if yj != 0.0 else []
        kept.append(_keep_output(aj, ej / s, _capped(terms)))
    return Value.sum(kept)


def cross_entropy(a: Outputs, y: Targets) -> Value:
    """N004.E: E = −Σ_j y_j ln a_j, whose gradient is ∂E/∂a_j = −y_j / a_j (N004.dE).

    Saturation: when ``a`` is a softmax layer a_j = e^(u_j) / Σ_k e^(u_k) (as made by
    ``softmax`` or a softmax output layer), ln a_j is computed from the logits as
    u_j − ln Σ_k e^(u_k) (log-sum-exp, with u already shifted so that max u = 0), so it is
    finite even where a_j rounds to 0.0, and ∂E/∂z_i = a_i − y_i for a one-hot y (N004.CE).
    The outputs a_j stay in E's graph (the module docstring says how), so ``grad(E, a)`` is
    N004.dE's −y_j/a_j at the network's own output, taken from the logits where a_j rounded
    to 0.0 and ±A_GRADIENT_CAP past the largest float. Otherwise terms with y_j = 0 are
    skipped (0 · ln 0 = 0; their a_j still get ∂E/∂a_j = 0) and a_j is clipped to at least
    LOG_FLOOR inside the log. Negative targets or outputs raise ValueError.

    >>> round(cross_entropy(softmax([Value(0.0), Value(0.0)]), [1.0, 0.0]).data, 6)  # ln 2
    0.693147
    """
    outs, ys = _pair("cross_entropy", a, y)
    for j, (aj, yj) in enumerate(zip(outs, ys, strict=True)):
        if yj < 0.0:
            raise ValueError(f"cross_entropy: target y[{j}] must be >= 0, got {yj!r}")
        if aj.data < 0.0:
            raise ValueError(
                f"cross_entropy: output a[{j}] must be >= 0 (a probability), got {aj.data!r}; "
                "use a softmax output layer"
            )
    found = _softmax_logits(outs)
    terms = []
    if found is not None:
        logits, s = found
        log_s = s.log()
        for uj, yj in zip(logits, ys, strict=True):
            if yj != 0.0:
                terms.append(yj * (uj - log_s))
        if terms:
            return -Value.sum(terms) + _keep_softmax_outputs(outs, logits, ys)
    else:
        for aj, yj in zip(outs, ys, strict=True):
            if yj != 0.0:
                terms.append(yj * _safe_log(aj))
    if not terms:
        return Value.sum([0.0 * aj for aj in outs])  # y = 0: E = 0, still a node of the graph
    return -Value.sum(terms)


def mean(costs: Sequence[Value]) -> Value:
    """N002.m: C = (1/m) Σ_i C_i, the batch cost; its gradient is the mean of the C_i's.

    >>> mean([Value(1.0), Value(2.0)]).data
    1.5
    """
    cs = values(costs, "mean", "cost", lambda i: f"cost {i}")
    return Value.sum(cs) / float(len(cs))


# -- the cost table ------------------------------------------------------------------------------


def _explain_squared_error(a: str, y: str, n_out: int) -> str:
    return f"2({a} − {y})"


def _explain_mean_squared_error(a: str, y: str, n_out: int) -> str:
    return f"(2/{n_out})({a} − {y})"


def _explain_binary_cross_entropy(a: str, y: str, n_out: int) -> str:
    return f"(−{y}/{a} + (1 − {y})/(1 − {a}))"


def _explain_cross_entropy(a: str, y: str, n_out: int) -> str:
    return f"(−{y}/{a})"


def _explain_sigmoid_bce_delta(j: int, l: int, ys: Sequence[float]) -> tuple[str, str]:
    return f"(a_{j}^({l}) − y_{j})", "  where σ'(z) · ∂L/∂a = a − y (N003.w3)"


def _explain_softmax_ce_delta(j: int, l: int, ys: Sequence[float]) -> tuple[str, str]:
    # The closed form: ∂E/∂a_i = −y_i/a_i would divide by an a_i that rounded to 0.
    sums_to_1 = math.fsum(ys) == 1.0
    symbol = f"(a_{j}^({l}) − y_{j})" if sums_to_1 else f"(a_{j}^({l}) Σ_i y_i − y_{j})"
    note = (
        "  where Σ_i a_i(δ_ij − a_j) · (−y_i/a_i) = a_j Σ_i y_i − y_j, which is a_j − y_j "
        "for one-hot y (N004.softmax with N004.dE gives N004.CE)"
    )
    return symbol, note


@dataclass(frozen=True)
class ClosedDelta:
    """δ^(L) = ∂C/∂z^(L) in closed form for one output activation (the notes derive it)."""

    activation: str
    hand: Callable[[Sequence[float], HandTarget], list[float]]
    #: How ``explain`` writes δ_j^(l) (the factor) and the line that derives it, given y.
    explain: Callable[[int, int, Sequence[float]], tuple[str, str]]


@dataclass(frozen=True)
class Cost:
    """One cost C of an example: everything the project knows of it, in one row."""

    name: str
    #: The engine's C on Values (its ``backward()`` gives the gradients).
    engine: Callable[[Outputs, Targets], Value]
    #: The notes' C and ∂C/∂a_j^(L) by hand (``nn.formulas.costs``).
    hand: Callable[[Sequence[float], HandTarget], float]
    hand_derivative: Callable[[Sequence[float], HandTarget], list[float]]
    #: How ``explain`` writes ∂C/∂a_j^(L), given the texts of a_j^(L), y_j and n_L.
    explain: Callable[[str, str, int], str]
    #: The output activation a network for this cost gets when none is chosen (None: the
    #: hidden layers'), the ones it accepts (None: any), and how to say so.
    output_activation: str | None
    allowed_outputs: tuple[str, ...] | None
    needs: str
    #: Its closed-form δ^(L), where the notes give one.
    closed_delta: ClosedDelta | None


COST_TABLE: tuple[Cost, ...] = (
    Cost(
        "squared_error",
        squared_error,
        hand.squared_error,
        hand.d_squared_error,
        _explain_squared_error,
        None,
        None,
        "",
        None,
    ),
    Cost(
        "mean_squared_error",
        mean_squared_error,
        hand.mean_squared_error,
        hand.d_mean_squared_error,
        _explain_mean_squared_error,
        None,
        None,
        "",
        None,
    ),
    Cost(
        "binary_cross_entropy",
        binary_cross_entropy,
        hand.binary_cross_entropy,
        hand.d_binary_cross_entropy,
        _explain_binary_cross_entropy,
        "sigmoid",
        ("sigmoid", "softmax"),
        "outputs in (0, 1): a sigmoid or softmax output layer",
        ClosedDelta("sigmoid", hand.sigmoid_bce_delta, _explain_sigmoid_bce_delta),
    ),
    Cost(
        "cross_entropy",
        cross_entropy,
        hand.cross_entropy,
        hand.d_cross_entropy,
        _explain_cross_entropy,
        "softmax",
        ("softmax",),
        "a softmax output layer",
        ClosedDelta("softmax", hand.softmax_cross_entropy_delta, _explain_softmax_ce_delta),
    ),
)

COSTS_BY_NAME: dict[str, Cost] = {c.name: c for c in COST_TABLE}
#: The losses by name (as the CLI and the by-hand module name them).
LOSSES: dict[str, Callable[[Outputs, Targets], Value]] = {c.name: c.engine for c in COST_TABLE}
#: The output activation each cost needs; the others use the hidden layers' activation.
OUTPUT_FOR_LOSS: dict[str, str] = {
    c.name: c.output_activation for c in COST_TABLE if c.output_activation is not None
}


def output_problem(loss: str, output: str) -> str:
    """Why ``loss`` cannot follow an output layer of ``output`` ("" if it can)."""
    cost = COSTS_BY_NAME[loss]
    if cost.allowed_outputs is None or output in cost.allowed_outputs:
        return ""
    return f"the {loss} loss needs {cost.needs}, not {output}"
