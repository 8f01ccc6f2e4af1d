"""``nn.check``: a learner's own formula for ∂C/∂w_jk^(l), ∂C/∂b_j^(l), δ_j^(l) or ∂C/∂a_j^(l),
put to the engine on networks drawn by Hypothesis.

The formula is a Python function ``formula(net, l, j, k)`` of a network view (``Net``: the
notes' ``a(l, k)``, ``z(l, j)``, ``w(l, j, k)``, ``b(l, j)``, ``y(j)``, ``dsigma(l, j)`` for
σ'(z_j^(l)), ``n(l)`` and ``L``, in the notation of docs/notation.md) and the indices, or the
same vocabulary as text (``parse_formula``), read by a whitelist of ``ast`` nodes and evaluated
by a small interpreter of its own: no ``eval``, no attribute, no import, no call outside the
vocabulary; every number is a float, exponents are small constants and the only loop is
``sum(... for m in range(n(...)))``, over a layer of the network. The search and its report
are ``autograd.property``'s (``search``): this module says what a case is (a network, an
input, a target, a loss), what the engine's number is (``grad`` of the cost) and what a
counterexample shows, and adds one hint of its own: a formula that fails only when the layer
above has more than one neuron (it agrees on the same network cut down to any one of them)
misses a sum over that layer.

Hypothesis is needed only when a check runs (the ``strategies`` extra), as for
``autograd.check_derivative``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from autograd import Value, grad
from nn.activations import ACTIVATIONS, BY_NAME
from nn.formulas import layers as hand
from nn.losses import COSTS_BY_NAME, LOSSES
from nn.module import MLP
from nn.notation import CONVENTIONS, to_theta

if TYPE_CHECKING:
    from autograd.property import Counterexample, Outcome, Report
    from autograd.strategies import NetworkData, NetworkProblem

__all__ = [
    "OF",
    "CheckReport",
    "FormulaCounterexample",
    "FormulaError",
    "FormulaSyntaxError",
    "Net",
    "check",
    "parse_formula",
]

#: What a formula may be of, and how a report writes it.
OF: dict[str, str] = {
    "w": "∂C/∂w_jk^(l)",
    "b": "∂C/∂b_j^(l)",
    "delta": "δ_j^(l) = ∂C/∂z_j^(l)",
    "a": "∂C/∂a_j^(l)",
}
#: A formula is a function of the network view and the indices l, j, k (k is None unless
#: ``of="w"``).
Formula = Callable[["Net", int, int, "int | None"], float]
#: Which number of a network: (l, j, k), k None unless of a weight.
Index = tuple[int, int, "int | None"]


class FormulaError(Exception):
    """The formula asked the network for something it does not have (a layer, an index)."""


class FormulaSyntaxError(ValueError):
    """The formula text cannot be read: the one-line message says what and where."""


# -- the network view ------------------------------------------------------------------------


class Net:
    """One drawn network at one example, in the notes' notation (layers 1..L, a^(0) = x).

    Every number is computed by hand from the weights (``nn.formulas.layers.forward``), never
    read from the engine whose gradient the formula is compared with.
    """

    def __init__(
        self,
        data: NetworkData,
        x: Sequence[float],
        y: Sequence[float],
        convention: str = "w",
    ) -> None:
        #: "w": ``w(l, j, k)`` is w_jk^(l); "theta": ``w(l, k, j)`` is note 002's Θ_kj^(l).
        self.convention = convention
        self.sizes: tuple[int, ...] = tuple(data.sizes)
        self.activations: tuple[str, ...] = tuple(data.activations)
        #: L, the output layer.
        self.L: int = len(self.sizes) - 1
        self._W = [[list(row[:-1]) for row in layer] for layer in data.weights]
        self._b = [[row[-1] for row in layer] for layer in data.weights]
        self._y = [float(v) for v in y]
        self._fp = hand.forward(self._W, self._b, list(self.activations), list(x))

    def _layer(self, name: str, l: object, lowest: int) -> int:
        i = _index(name, "l", l)
        if not lowest <= i <= self.L:
            raise FormulaError(
                f"{name}: there is no layer {i} (this network has layers {lowest}..{self.L}, "
                f"L = {self.L})"
            )
        return i

    def _neuron(self, name: str, what: str, v: object, layer: int) -> int:
        i = _index(name, what, v)
        if not 0 <= i < self.sizes[layer]:
            raise FormulaError(
                f"{name}: {what} = {i} is out of range: layer {layer} has neurons "
                f"0..{self.sizes[layer] - 1}"
            )
        return i

    def n(self, l: int) -> int:
        """n_l, the neurons in layer l (n_0: the inputs)."""
        return self.sizes[self._layer(f"n({l})", l, 0)]

    def a(self, l: int, k: int) -> float:
        """a_k^(l), the activation of neuron k of layer l (a_k^(0) = x_k)."""
        name = f"a({l}, {k})"
        layer = self._layer(name, l, 0)
        return self._fp.a[layer][self._neuron(name, "k", k, layer)]

    def z(self, l: int, j: int) -> float:
        """z_j^(l) = Σ_k w_jk^(l) a_k^(l−1) + b_j^(l)."""
        name = f"z({l}, {j})"
        layer = self._layer(name, l, 1)
        return self._fp.z[layer][self._neuron(name, "j", j, layer)]

    def w(self, l: int, j: int, k: int) -> float:
        """w_jk^(l), into neuron j of layer l from neuron k of layer l − 1.

        With ``convention="theta"`` the call is ``w(l, k, j)``: note 002's Θ_kj^(l) = w_jk^(l).
        """
        name = f"w({l}, {j}, {k})"
        if self.convention == "theta":
            j, k = k, j
        layer = self._layer(name, l, 1)
        row = self._W[layer - 1][self._neuron(name, "j", j, layer)]
        return row[self._neuron(name, "k", k, layer - 1)]

    def b(self, l: int, j: int) -> float:
        """b_j^(l)."""
        name = f"b({l}, {j})"
        layer = self._layer(name, l, 1)
        return self._b[layer - 1][self._neuron(name, "j", j, layer)]

    def y(self, j: int) -> float:
        """y_j, the target of output j."""
        return self._y[self._neuron(f"y({j})", "j", j, self.L)]

    def dsigma(self, l: int, j: int) -> float:
        """σ^(l)'(z_j^(l)), the derivative of layer l's activation at z_j^(l)."""
        name = f"dsigma({l}, {j})"
        layer = self._layer(name, l, 1)
        zj = self._fp.z[layer][self._neuron(name, "j", j, layer)]
        act = self.activations[layer - 1]
        if not BY_NAME[act].elementwise:
            raise FormulaError(
                f"{name}: layer {layer} is {act}, which acts on the whole layer: it has a "
                "Jacobian ∂a_i/∂z_j, not one σ'(z_j)"
            )
        return hand.derivative(act, zj)


def _index(name: str, what: str, v: object) -> int:
    """v as a whole number (an index), or FormulaError naming the call."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise FormulaError(f"{name}: {what} must be a whole number, got {v!r}")
    if isinstance(v, float) and not v.is_integer():
        raise FormulaError(f"{name}: {what} must be a whole number, got {v!r}")
    return int(v)


# -- formula text ----------------------------------------------------------------------------

#: The functions a formula text may call, with their number of arguments.
CALLS: dict[str, int] = {"a": 2, "z": 2, "w": 3, "b": 2, "y": 1, "dsigma": 2, "n": 1}
#: The names a formula text may read (and ``sum``/``range`` in one form).
NAMES = ("L", "l", "j", "k")
#: Limits that keep a hostile text from exhausting time or memory.
MAX_TEXT = 2000
MAX_NODES = 300
MAX_SUM_DEPTH = 3
MAX_EXPONENT = 16.0
MAX_CONSTANT = 1e15

_Env = dict[str, Any]
_Eval = Callable[[_Env], float]

_WHAT: dict[type, str] = {
    ast.Attribute: "attribute access (.)",
    ast.Subscript: "indexing ([])",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.ListComp: "list comprehensions",
    ast.SetComp: "set comprehensions",
    ast.DictComp: "dict comprehensions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.JoinedStr: "f-strings",
    ast.Starred: "* unpacking",
    ast.NamedExpr: "the := operator",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


def parse_formula(text: str) -> Formula:
    """The formula ``text`` as a callable ``(net, l, j, k) -> float``, read safely.

    Allowed: numbers, + − × / and ** to a constant exponent (|c| <= 16), parentheses, the
    names L, l, j, k, the calls a(l, k), z(l, j), w(l, j, k), b(l, j), y(j), dsigma(l, j),
    n(l), and ``sum(<expr> for m in range(n(<expr>)))`` (at most 3 deep). Anything else raises
    FormulaSyntaxError with a one-line message; nothing of the text is ever run by Python.
    """
    if not isinstance(text, str):
        raise FormulaSyntaxError(f"the formula must be text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise FormulaSyntaxError(f"the formula is {len(text)} characters long: at most {MAX_TEXT}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        where = f" at column {e.offset}" if e.offset else ""
        raise FormulaSyntaxError(f"cannot read the formula{where}: {e.msg}") from None
    except (RecursionError, MemoryError, ValueError) as e:  # nested too deep, a NUL byte
        raise FormulaSyntaxError(f"cannot read the formula: {type(e).__name__}") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise FormulaSyntaxError(f"the formula has {count} parts: at most {MAX_NODES}")
    body = _compile(tree.body, frozenset(), 0)

    def formula(net: Net, l: int, j: int, k: int | None) -> float:
        return body({"net": net, "L": net.L, "l": l, "j": j, "k": k})

    formula.__doc__ = text
    return formula


def _refuse(node: ast.AST, why: str) -> FormulaSyntaxError:
    col = getattr(node, "col_offset", None)
    where = f" (column {col + 1})" if col is not None else ""
    return FormulaSyntaxError(f"not allowed in a formula{where}: {why}")


def _compile(node: ast.expr, bound: frozenset[str], depth: int) -> _Eval:
    """node as a closure over an environment, or FormulaSyntaxError."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _refuse(node, f"the constant {v!r} (only numbers)")
        if not abs(v) <= MAX_CONSTANT:
            raise _refuse(node, f"the number {v!r} (at most {MAX_CONSTANT:g} in size)")
        f = float(v)
        return lambda env: f
    if isinstance(node, ast.Name):
        return _name(node, bound)
    if isinstance(node, ast.UnaryOp):
        inner = _compile(node.operand, bound, depth)
        if isinstance(node.op, ast.USub):
            return lambda env: -inner(env)
        if isinstance(node.op, ast.UAdd):
            return inner
        raise _refuse(node, f"the operator {type(node.op).__name__}")
    if isinstance(node, ast.BinOp):
        return _binop(node, bound, depth)
    if isinstance(node, ast.Call):
        return _call(node, bound, depth)
    what = _WHAT.get(type(node), type(node).__name__)
    raise _refuse(node, what)


def _name(node: ast.Name, bound: frozenset[str]) -> _Eval:
    name = node.id
    if "__" in name:
        raise _refuse(node, f"the name {name!r} (no dunder names)")
    if name in bound:
        return lambda env: float(env[name])
    if name in ("l", "j", "L"):
        return lambda env: float(env[name])
    if name == "k":

        def k(env: _Env) -> float:
            if env["k"] is None:
                raise FormulaError("k is defined only for a weight (of='w')")
            return float(env["k"])

        return k
    if name in CALLS or name in ("sum", "range"):
        raise _refuse(node, f"{name} without its arguments")
    known = ", ".join([*NAMES, *(f"{c}(...)" for c in CALLS)])
    raise _refuse(node, f"the unknown name {name!r} (known: {known})")


_ARITHMETIC: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda x, y: x + y,
    ast.Sub: lambda x, y: x - y,
    ast.Mult: lambda x, y: x * y,
    ast.Div: lambda x, y: x / y,
}


def _binop(node: ast.BinOp, bound: frozenset[str], depth: int) -> _Eval:
    left = _compile(node.left, bound, depth)
    if isinstance(node.op, ast.Pow):
        c = _constant_exponent(node.right)
        if c is None:
            raise _refuse(node, f"** needs a constant exponent of at most {MAX_EXPONENT:g}")

        def power(env: _Env) -> float:
            return math.pow(left(env), c)

        return power
    op = _ARITHMETIC.get(type(node.op))
    if op is None:
        raise _refuse(node, f"the operator {type(node.op).__name__} (only + - * / **)")
    right = _compile(node.right, bound, depth)
    return lambda env: op(left(env), right(env))


def _constant_exponent(node: ast.expr) -> float | None:
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    v = node.value if isinstance(node, ast.Constant) else None
    if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= MAX_EXPONENT:
        return sign * float(v)
    return None


def _call(node: ast.Call, bound: frozenset[str], depth: int) -> _Eval:
    if not isinstance(node.func, ast.Name):
        raise _refuse(node, "a call of anything but a(...), z(...), w(...), b(...), y(...), "
                      "dsigma(...), n(...) or sum(... for m in range(n(...)))")  # fmt: skip
    name = node.func.id
    if node.keywords:
        raise _refuse(node, f"keyword arguments in {name}(...)")
    if name == "sum":
        return _sum(node, bound, depth)
    if name not in CALLS:
        raise _refuse(node, f"the call {name}(...) (known: {', '.join(CALLS)} and sum)")
    if len(node.args) != CALLS[name]:
        raise _refuse(node, f"{name}(...) takes {CALLS[name]} arguments, got {len(node.args)}")
    args = [_compile(a, bound, depth) for a in node.args]

    def call(env: _Env) -> float:
        return float(getattr(env["net"], name)(*(a(env) for a in args)))

    return call


def _sum(node: ast.Call, bound: frozenset[str], depth: int) -> _Eval:
    form = "sum(<expr> for m in range(n(<layer>)))"
    if len(node.args) != 1 or not isinstance(node.args[0], ast.GeneratorExp):
        raise _refuse(node, f"sum takes one generator: {form}")
    gen = node.args[0]
    if depth >= MAX_SUM_DEPTH:
        raise _refuse(node, f"sums nested more than {MAX_SUM_DEPTH} deep")
    if len(gen.generators) != 1:
        raise _refuse(gen, f"one 'for' per sum: {form}")
    comp = gen.generators[0]
    if comp.ifs or comp.is_async:
        raise _refuse(gen, f"'if' or 'async' in a sum: {form}")
    target = comp.target
    if not isinstance(target, ast.Name) or "__" in target.id or target.id in (*NAMES, *CALLS):
        raise _refuse(gen, f"the loop variable must be a new plain name such as m: {form}")
    it = comp.iter
    if not (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id == "range"
        and len(it.args) == 1
        and not it.keywords
        and isinstance(it.args[0], ast.Call)
        and isinstance(it.args[0].func, ast.Name)
        and it.args[0].func.id == "n"
    ):
        raise _refuse(gen, f"a sum runs over the neurons of a layer: {form}")
    count = _compile(it.args[0], bound, depth)
    var = target.id
    element = _compile(gen.elt, bound | {var}, depth + 1)

    def total(env: _Env) -> float:
        terms = []
        for m in range(int(count(env))):
            inner = dict(env)
            inner[var] = m
            terms.append(element(inner))
        return math.fsum(terms)

    return total


# -- the check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormulaCounterexample:
    """The smallest network found where the formula and the engine disagree."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    #: w^(l) rows as (w_j0, ..., w_j(n−1), b_j) per layer, as ``NetworkData.weights``.
    weights: tuple[tuple[tuple[float, ...], ...], ...]
    l: int
    j: int
    k: int | None
    #: The engine's number, and the formula's.
    expected: float
    got: float
    #: got / expected (None where expected is 0).
    ratio: float | None


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` found: agreement on every network, or the smallest counterexample."""

    of: str
    formula: str
    ok: bool
    examples: int
    max_rel_diff: float
    rtol: float
    atol: float
    counterexample: FormulaCounterexample | None = None
    #: Why the formula could not be compared (it raised, or asked for what is not there).
    error: str | None = None
    hints: tuple[str, ...] = ()
    #: "w" (the notes' w_jk^(l)) or "theta" (note 002's Θ_kj^(l)): how the report is written.
    convention: str = "w"

    def __str__(self) -> str:
        text = self._text()
        return to_theta(text) if self.convention == "theta" else text

    def _text(self) -> str:
        head = f"{OF[self.of]} = {self.formula}" if self.formula else OF[self.of]
        nets = f"{self.examples} network{'' if self.examples == 1 else 's'}"
        tol = f"rtol {self.rtol:g}, atol {self.atol:g}"
        if self.ok:
            return (
                f"{head}\nagrees with the engine on {nets} ({tol}); largest relative "
                f"difference {self.max_rel_diff:.3g}"
            )
        lines = [head, f"DISAGREES with the engine (after {nets}; {tol})"]
        if self.error is not None:
            lines.append(self.error)
        c = self.counterexample
        if c is not None:
            acts = ", ".join(c.activations)
            lines.append("smallest counterexample found:")
            lines.append(f"  network {'-'.join(map(str, c.sizes))} ({acts}), loss {c.loss}")
            for l, layer in enumerate(c.weights, start=1):
                W = [list(row[:-1]) for row in layer]
                b = [row[-1] for row in layer]
                if self.convention == "theta":  # Θ^(l)[k][j] = w_jk^(l)
                    theta = [list(col) for col in zip(*W, strict=True)]
                    lines.append(f"  Θ^({l}) = {theta}, b^({l}) = {b}")
                else:
                    lines.append(f"  w^({l}) = {W}, b^({l}) = {b}")
            lines.append(f"  x = {list(c.x)}, y = {list(c.y)}")
            where = f"l = {c.l}, j = {c.j}" + ("" if c.k is None else f", k = {c.k}")
            ratio = "" if c.ratio is None else f", ratio formula/engine = {c.ratio:.6g}"
            lines.append(f"  at {where}: engine {c.expected!r}, formula {c.got!r}{ratio}")
        lines.extend(f"hint: {h}" for h in self.hints)
        return "\n".join(lines)


LayerSpec = int | str


def _layer_number(spec: LayerSpec, L: int) -> int:
    """A layer given as 3, "3", "L" or "L-1" in a network of L layers."""
    if isinstance(spec, bool):
        raise ValueError(f"a layer must be a number, L or L-<n>, got {spec!r}")
    if isinstance(spec, int):
        return spec
    text = spec.replace(" ", "")
    if text.isdigit():
        return int(text)
    if text == "L":
        return L
    if text.startswith("L-") and text[2:].isdigit():
        return L - int(text[2:])
    raise ValueError(f"a layer must be a number, L or L-<n>, got {spec!r}")


def _depth_needed(spec: LayerSpec) -> int:
    """The fewest layers a network needs for ``spec`` to name one of them."""
    probe = _layer_number(spec, 100)
    if isinstance(spec, int) or str(spec).strip().isdigit():
        if probe < 1:
            raise ValueError(f"layers count from 1, got {spec!r}")
        return probe
    return 100 - probe + 1


def check(
    formula: Formula | str,
    of: str = "w",
    layers: LayerSpec | Sequence[LayerSpec] | None = None,
    activations: str | Sequence[str] | None = None,
    losses: str | Sequence[str] | None = None,
    examples: int = 200,
    *,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    max_layers: int = 3,
    max_neurons: int = 4,
    derandomize: bool | None = None,
    convention: str = "w",
) -> CheckReport:
    """Compare ``formula`` with the engine's gradient on networks drawn by Hypothesis.

    ``formula`` is ``f(net, l, j, k)`` (``k`` is None unless ``of="w"``) or its text in the
    vocabulary of ``parse_formula``; ``of`` is "w", "b", "delta" or "a"; ``layers`` the layer
    or layers l to check it at (a number, "L", "L-1", a list of them; None: every layer);
    ``activations`` the hidden layers' (and the squared errors' output) activations to draw
    from (default: all element-wise ones); ``losses`` the costs (default: all; binary
    cross-entropy gets a sigmoid output, cross-entropy a softmax one and a one-hot y).
    ``examples`` networks are drawn, of 1 to ``max_layers`` layers of 1 to ``max_neurons``.
    An entry agrees when |formula − engine| <= atol + rtol·|engine|. ``derandomize=True``
    draws the same networks on every run (so the same report); None keeps the Hypothesis
    profile's choice. ``convention="theta"``: the formula's ``w(l, k, j)`` is note 002's
    Θ_kj^(l) = w_jk^(l) (l, j, k keep their meaning), and the report is written in Θ.

    Raises FormulaSyntaxError for a text it cannot read and ValueError for a bad argument.
    """
    from autograd import property as prop
    from autograd import strategies as core
    from nn import strategies as nst

    text = formula if isinstance(formula, str) else ""
    fn = parse_formula(formula) if isinstance(formula, str) else formula
    if not callable(fn):
        raise TypeError(f"check: the formula must be a function or text, got {formula!r}")
    if of not in OF:
        raise ValueError(f"check: of must be one of {', '.join(OF)}, got {of!r}")
    if convention not in CONVENTIONS:
        raise ValueError(
            f"check: unknown convention {convention!r}, choose one of {', '.join(CONVENTIONS)}"
        )
    specs: list[LayerSpec] | None
    if layers is None:
        specs = None
    elif isinstance(layers, (int, str)):
        specs = [layers]
    else:
        specs = list(layers)
    min_layers = max([1, *(_depth_needed(s) for s in specs or [])])
    if min_layers > max_layers:
        max_layers = min_layers
    acts = _names(activations, ACTIVATIONS, "activation")
    loss_names = _names(losses, tuple(sorted(LOSSES)), "loss")
    targets: dict[str, tuple[str, tuple[str | None, ...]]] = {}
    for name in loss_names:
        kind, outputs = nst.LOSS_TARGETS[name]
        targets[name] = (kind, outputs if kind != "real" else tuple(acts))
    cases = core.network_problems(
        acts,
        targets,
        min_batch=1,
        max_batch=1,
        max_inputs=3,
        min_layers=min_layers,
        max_layers=max_layers,
        max_neurons=max_neurons,
    )

    def evaluate(case: NetworkProblem) -> Outcome:
        return _evaluate(fn, of, specs, case, prop, convention)

    def explain(case: NetworkProblem, outcome: Outcome, c: Counterexample) -> list[str]:
        return _missing_sum_hint(fn, of, case, c, rtol, atol, convention)

    report = prop.search(
        cases,
        evaluate,
        title=OF[of],
        examples=prop.example_budget(examples),
        rtol=rtol,
        atol=atol,
        explain=explain,
        derandomize=derandomize,
    )
    return _report(report, of, text, convention)


def _names(given: str | Sequence[str] | None, known: tuple[str, ...], what: str) -> list[str]:
    names = list(known) if given is None else [given] if isinstance(given, str) else list(given)
    for name in names:
        if name not in known:
            raise ValueError(f"check: unknown {what} {name!r}, choose from {', '.join(known)}")
    if not names:
        raise ValueError(f"check: give at least one {what}")
    return names


def _indices(of: str, sizes: Sequence[int], ls: Sequence[int]) -> list[tuple[int, int, int | None]]:
    out: list[tuple[int, int, int | None]] = []
    for l in ls:
        for j in range(sizes[l]):
            if of == "w":
                out.extend((l, j, k) for k in range(sizes[l - 1]))
            else:
                out.append((l, j, None))
    return out


def _engine(
    case: NetworkProblem, of: str, idx: Sequence[tuple[int, int, int | None]]
) -> list[float]:
    """The engine's ∂C/∂(w, b, z or a) at each index, through ``grad`` of the cost."""
    data = case.network
    # Softmax may only be the output_activation; "linear" holds the output layer's place.
    hidden = [*data.activations[:-1], "linear"]
    model = MLP(data.sizes[0], list(data.sizes[1:]), hidden, data.activations[-1], seed=0)
    for layer, rows in zip(model.layers, data.weights, strict=True):
        for neuron, row in zip(layer.neurons, rows, strict=True):
            for p, v in zip(neuron.parameters(), row, strict=True):
                p.data = v
    trace = model.forward_trace(list(case.xs[0]))
    cost = COSTS_BY_NAME[case.loss].engine(trace[-1][1], list(case.ys[0]))
    nodes: list[Value] = []
    for l, j, k in idx:
        if of == "w":
            assert k is not None
            nodes.append(model.w(l, j, k))
        elif of == "b":
            nodes.append(model.b(l, j))
        else:
            nodes.append(trace[l][0 if of == "delta" else 1][j])
    return [float(g) for g in grad(cost, nodes, allow_unused=True)]


def _label(of: str, l: int, j: int, k: int | None) -> str:
    return {
        "w": f"∂C/∂w_{{{j},{k}}}^({l})",
        "b": f"∂C/∂b_{{{j}}}^({l})",
        "delta": f"δ_{{{j}}}^({l})",
        "a": f"∂C/∂a_{{{j}}}^({l})",
    }[of]


def _evaluate(
    fn: Formula,
    of: str,
    specs: Sequence[LayerSpec] | None,
    case: NetworkProblem,
    prop: Any,
    convention: str = "w",
) -> Outcome:
    data = case.network
    L = data.layers
    ls = list(range(1, L + 1)) if specs is None else sorted({_layer_number(s, L) for s in specs})
    if any(not 1 <= l <= L for l in ls):
        raise prop.Skip()
    net = Net(data, case.xs[0], case.ys[0], convention)
    _skip_where_not_smooth(net, case.loss, prop)
    idx = _indices(of, data.sizes, ls)
    expected = _engine(case, of, idx)
    entries = []
    for (l, j, k), e in zip(idx, expected, strict=True):
        got = _run(fn, net, l, j, k, prop)
        label = _label(of, l, j, k)
        entries.append(
            prop.Entry((l, j, k), e, got, to_theta(label) if convention == "theta" else label)
        )
    return cast("Outcome", prop.Outcome(case, tuple(entries), ""))


def _run(fn: Formula, net: Net, l: int, j: int, k: int | None, prop: Any) -> float:
    where = f"at l = {l}, j = {j}" + ("" if k is None else f", k = {k}")
    where += f" on the network {'-'.join(map(str, net.sizes))}"
    try:
        got = fn(net, l, j, k)
    except FormulaError as e:
        raise prop.CaseError(f"the formula {where}: {e}") from None
    except (ArithmeticError, ValueError, TypeError, IndexError, KeyError) as e:
        raise prop.CaseError(f"the formula raised {type(e).__name__} {where}: {e}") from None
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        raise prop.CaseError(f"the formula returned {got!r} {where}, not a number")
    return float(got)


def _skip_where_not_smooth(net: Net, loss: str, prop: Any) -> None:
    """Skip a network on a relu kink, or whose cross-entropy output rounds to 0 or 1."""
    for l in range(1, net.L + 1):
        kink = any(abs(net.z(l, j)) < 1e-6 for j in range(net.n(l)))
        if net.activations[l - 1] == "relu" and kink:
            raise prop.Skip()
    outputs = [net.a(net.L, j) for j in range(net.n(net.L))]
    if (
        loss in ("binary_cross_entropy", "cross_entropy")
        and min(min(outputs), 1.0 - max(outputs)) < 1e-6
    ):
        raise prop.Skip()


def _cut_above(case: NetworkProblem, l: int, m: int) -> NetworkProblem:
    """The same case with layer l + 1 cut down to its neuron m alone."""
    from autograd.strategies import NetworkData, NetworkProblem

    d = case.network
    sizes = list(d.sizes)
    sizes[l + 1] = 1
    weights = [list(layer) for layer in d.weights]
    weights[l] = [d.weights[l][m]]  # layer l + 1's rows: neuron m's
    if l + 1 < d.layers:
        weights[l + 1] = [(row[m], row[-1]) for row in d.weights[l + 1]]
    ys = case.ys
    if l + 1 == d.layers:
        ys = ((case.ys[0][m],),)
    data = NetworkData(tuple(sizes), d.activations, tuple(tuple(w) for w in weights))
    return NetworkProblem(data, case.loss, case.xs, ys)


def _missing_sum_hint(
    fn: Formula,
    of: str,
    case: NetworkProblem,
    c: Counterexample,
    rtol: float,
    atol: float,
    convention: str = "w",
) -> list[str]:
    """The hint for a formula that agrees once the layer above has a single neuron."""
    from autograd import property as prop

    l, j, k = cast(Index, c.index)
    d = case.network
    if l >= d.layers or d.sizes[l + 1] < 2:
        return []
    for m in range(d.sizes[l + 1]):
        cut = _cut_above(case, l, m)
        try:
            outcome = _evaluate(fn, of, [l], cut, prop, convention)
        except (prop.Skip, prop.CaseError):
            return []
        if not all(e.agrees(rtol, atol) for e in outcome.entries if e.index == (l, j, k)):
            return []
    return [
        f"it fails only with more than one neuron in layer {l + 1} (n({l + 1}) = "
        f"{d.sizes[l + 1]} here): cut down to any one of them, it agrees. A missing sum "
        f"over the layer above, sum(... for m in range(n(l+1)))?"
    ]


def _report(report: Report, of: str, text: str, convention: str = "w") -> CheckReport:
    """property's Report in the terms of a network."""
    counter = None
    c = report.counterexample
    if c is not None:
        case: NetworkProblem = c.inputs
        l, j, k = cast(Index, c.index)
        counter = FormulaCounterexample(
            tuple(case.network.sizes),
            tuple(case.network.activations),
            case.loss,
            tuple(case.xs[0]),
            tuple(case.ys[0]),
            case.network.weights,
            l,
            j,
            k,
            c.expected,
            c.got,
            c.ratio,
        )
    return CheckReport(
        of,
        text,
        report.ok,
        report.examples,
        report.max_rel_diff,
        report.rtol,
        report.atol,
        counter,
        report.error,
        report.hints,
        convention,
    )
