"""``Value``: a float that records the operations applied to it, and back-propagation through them.

A ``Value`` holds ``data`` (a float), ``grad`` (the gradient of the last ``backward`` call's
output with respect to it, accumulated), and, if an operation made it, that operation's table
row and its ``parents`` (an ordered tuple). The derivative of every operation lives in
``autograd.rules``; this module only walks the graph.

Back-propagation never recurses: it counts each node's consumers, then releases a node once all
of them have passed their gradient on (Kahn's algorithm run from the output), so graphs millions
of nodes deep work. Gradients of one pass are collected apart from ``.grad`` and added at the
end, so that a second ``backward()`` adds exactly what the first did, and an error part-way
leaves every ``.grad`` untouched.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, SupportsFloat, Union, cast

from autograd import rules
from autograd.rules import Rule

#: What arithmetic with a Value accepts on the other side.
Operand = Union["Value", float]

# Process-wide switches, read on every operation (module globals are the fastest to read).
_grad_enabled = True
_anomaly = False

_EMPTY: tuple[Any, ...] = ()
# A node's _g holds this very object until the pass gives it a gradient: the walk tests it by
# identity (``is``), so that the first contribution is stored rather than added to 0.0, which in
# graph mode would record a useless ``0 + g`` node. Every reset must use this object.
_ZERO = 0.0


def _to_float(data: object, what: str) -> float:
    """The float a Value stores for ``data``; TypeError naming the type for a non-real."""
    if type(data) is float:
        return data
    if type(data) is int:
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(
                f"{what} needs a real number within the float range, "
                f"got an int of {data.bit_length()} bits"
            ) from None
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return float(data)
    raise TypeError(
        f"{what} needs a real number (int, float or NumPy scalar), "
        f"got {type(data).__name__}: {data!r}"
    )


class Value:
    """A scalar that remembers how it was computed, so that its gradients can be found."""

    __slots__ = ("_ctx", "_g", "_n", "_rule", "data", "grad", "label", "parents")

    data: float
    grad: Any  # a float, except inside grad(create_graph=True), which never stores it
    label: str
    parents: tuple[Value, ...]
    _rule: Rule | None
    _ctx: tuple[float, ...]
    _g: Any  # this pass's gradient (a float, or a Value when building a derivative graph)
    _n: int  # consumers not yet visited in this pass; 0 between passes

    def __init__(self, data: SupportsFloat, label: str = "") -> None:
        self.data = _to_float(data, "Value")
        self.grad = 0.0
        self.label = label
        self.parents = _EMPTY
        self._rule = None
        self._ctx = _EMPTY
        self._g = _ZERO
        self._n = 0

    # -- what made this value -------------------------------------------------------------

    @property
    def op(self) -> str:
        """The symbol of the operation that produced this value; "" for a leaf."""
        return self._rule.symbol if self._rule is not None else ""

    @property
    def constants(self) -> tuple[float, ...]:
        """Constant operands of the operation (the inputs of a weighted sum of plain numbers)."""
        return self._ctx

    @property
    def _prev(self) -> tuple[Value, ...]:
        """micrograd's name for ``parents``."""
        return self.parents

    @property
    def _op(self) -> str:
        """micrograd's name for ``op``."""
        return self.op

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    # -- arithmetic -----------------------------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        """self + other."""
        return _binary(rules.ADD, self, _lift(other))

    def __radd__(self, other: Operand) -> Value:
        """other + self."""
        return _binary(rules.ADD, _lift(other), self)

    def __sub__(self, other: Operand) -> Value:
        """self - other."""
        return _binary(rules.SUB, self, _lift(other))

    def __rsub__(self, other: Operand) -> Value:
        """other - self."""
        return _binary(rules.SUB, _lift(other), self)

    def __mul__(self, other: Operand) -> Value:
        """self · other."""
        return _binary(rules.MUL, self, _lift(other))

    def __rmul__(self, other: Operand) -> Value:
        """other · self."""
        return _binary(rules.MUL, _lift(other), self)

    def __truediv__(self, other: Operand) -> Value:
        """self / other."""
        return _binary(rules.DIV, self, _lift(other))

    def __rtruediv__(self, other: Operand) -> Value:
        """other / self."""
        return _binary(rules.DIV, _lift(other), self)

    def __pow__(self, other: Operand) -> Value:
        """self ** other; a plain-number exponent is a constant, a Value one gets a gradient."""
        if isinstance(other, Value):
            return _binary(rules.POW, self, other)
        c = other if type(other) is float else _to_float(other, "'**' exponent")
        return _unary(rules.power_rule(c), self)

    def __rpow__(self, other: Operand) -> Value:
        """other ** self, with the gradient of the exponent."""
        return _binary(rules.POW, _lift(other), self)

    def __neg__(self) -> Value:
        """-self."""
        return _unary(rules.NEG, self)

    def exp(self) -> Value:
        """e ** self."""
        return _unary(rules.EXP, self)

    def log(self) -> Value:
        """ln self, for self > 0."""
        return _unary(rules.LOG, self)

    def tanh(self) -> Value:
        """tanh self."""
        return _unary(rules.TANH, self)

    def sigmoid(self) -> Value:
        """σ(self) = 1 / (1 + e^-self)."""
        return _unary(rules.SIGMOID, self)

    def relu(self) -> Value:
        """max(self, 0); its derivative at 0 is taken to be 0."""
        return _unary(rules.RELU, self)

    @staticmethod
    def sum(values: Iterable[Value]) -> Value:
        """Σ_k values[k], as one node (a chain of ``+`` would make one node per term)."""
        parents = tuple(values)
        if not all(isinstance(v, Value) for v in parents):
            raise TypeError(
                f"Value.sum needs Values; {_first_non_value(parents)} "
                "(wrap plain numbers with Value(x))"
            )
        return _node(rules.SUM.forward(*[p.data for p in parents]), rules.SUM, parents, _EMPTY)

    @staticmethod
    def weighted_sum(
        weights: Sequence[Value], inputs: Sequence[Operand], bias: Operand = 0.0
    ) -> Value:
        """z = Σ_k w_k a_k + b as one node: the notes' weighted input z_j^(l).

        ``weights`` are Values. Plain-number ``inputs`` (such as a network's input x) are kept
        as constants of the node, which then gets no edges to them; if any input is a Value,
        every input becomes a parent.
        """
        ws = tuple(weights)
        if len(inputs) != len(ws):
            raise ValueError(
                f"weighted_sum needs as many inputs as weights: {len(inputs)} inputs, "
                f"{len(ws)} weights"
            )
        # Checking the set of types is one C-level pass; this is the hot loop of every network.
        if not set(map(type, ws)) <= _ONLY_VALUE and not all(isinstance(w, Value) for w in ws):
            raise TypeError(f"weighted_sum needs Values as weights; {_first_non_value(ws)}")
        b = _lift(bias)
        kinds = set(map(type, inputs))
        xs: tuple[float, ...]
        if kinds <= _ONLY_FLOAT:
            xs = cast("tuple[float, ...]", tuple(inputs))
        elif Value in kinds or any(isinstance(a, Value) for a in inputs):
            vs = cast("Sequence[Value]", inputs) if kinds <= _ONLY_VALUE else map(_lift, inputs)
            parents = (*ws, *vs, b)
            data = rules.f_weighted_sum(*[p.data for p in parents])
            return _node(data, rules.WEIGHTED_SUM, parents, _EMPTY)
        else:
            xs = tuple(_to_float(a, "weighted_sum input") for a in inputs)
        data = rules.f_weighted_sum_const(*[w.data for w in ws], b.data, *xs)
        return _node(data, rules.WEIGHTED_SUM_CONST, (*ws, b), xs)

    # -- gradients ------------------------------------------------------------------------

    def backward(self, seed: float = 1.0) -> None:
        """Add ∂self/∂v (times ``seed``) to ``v.grad`` for every node v of self's graph."""
        nodes = _backprop(self, float(seed), create_graph=False)
        for node in nodes:
            node.grad += node._g
            node._g = _ZERO
            node._n = 0


def _first_non_value(items: Sequence[object]) -> str:
    """Which of ``items`` is not a Value, for an error message: "item k is <type> <repr>"."""
    k, bad = next((k, v) for k, v in enumerate(items) if not isinstance(v, Value))
    return f"item {k} is {type(bad).__name__} {bad!r}"


def _lift(x: Operand) -> Value:
    """x as a Value: itself, or a new leaf holding a plain number (a constant)."""
    if isinstance(x, Value):
        return x
    return Value(_to_float(x, "an arithmetic operand of Value"))


def _node(data: float, rule: Rule, parents: tuple[Value, ...], ctx: tuple[float, ...]) -> Value:
    """A new Value made by ``rule`` from ``parents``; a leaf when recording is off."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    v._g = _ZERO
    v._n = 0
    if _grad_enabled:
        v.parents = parents
        v._rule = rule
        v._ctx = ctx
    else:
        v.parents = _EMPTY
        v._rule = None
        v._ctx = _EMPTY
    if _anomaly and not math.isfinite(data):
        _raise_anomaly(f"forward of '{rule.symbol}' gave {data!r}", parents, ctx)
    return v


def _unary(rule: Rule, x: Value) -> Value:
    return _node(rule.forward(x.data), rule, (x,), _EMPTY)


def _binary(rule: Rule, x: Value, y: Value) -> Value:
    return _node(rule.forward(x.data, y.data), rule, (x, y), _EMPTY)


_new = object.__new__
_ONLY_VALUE = frozenset((Value,))
_ONLY_FLOAT = frozenset((float,))


# -- the graph walk -----------------------------------------------------------------------------


def _backprop(root: Value, seed: Any, create_graph: bool) -> list[Value]:
    """Leave ∂root/∂v · seed in ``v._g`` for every node v reachable from root; return them all.

    The caller reads the ``_g`` it needs, then must hand the nodes to ``_release``. With
    ``create_graph`` the partials are computed on the nodes themselves, so the gradients are
    Values with a graph of their own.
    """
    nodes = [root]
    zero = _ZERO
    try:
        # Pass 1: reach every node once (explicit stack, no recursion), counting its consumers.
        stack = [root] if root.parents else []
        while stack:
            for p in stack.pop().parents:
                if p._n:
                    p._n += 1
                else:
                    p._n = 1
                    nodes.append(p)
                    if p.parents:
                        stack.append(p)
        # Pass 2: a node is ready once all its consumers have passed their gradient on. Only
        # nodes with parents go on the stack: a leaf just keeps what it was given.
        root._g = seed
        ready = [root] if root.parents else []
        push = ready.append
        while ready:
            node = ready.pop()
            g = node._g
            parents = node.parents
            rule: Rule = node._rule  # type: ignore[assignment]
            try:
                if create_graph:
                    partials = rule.partials(node, *parents, *node._ctx)
                elif node._ctx or len(parents) > 2:
                    partials = rule.partials(node.data, *[p.data for p in parents], *node._ctx)
                elif len(parents) == 2:
                    # Unary and binary ops are most nodes; a plain call is 4x cheaper than one
                    # that unpacks a list of the parents' data.
                    x, y = parents
                    partials = rule.partials(node.data, x.data, y.data)
                else:
                    partials = rule.partials(node.data, parents[0].data)
            except (ArithmeticError, ValueError) as e:
                raise type(e)(
                    f"backward pass: no finite derivative of '{rule.symbol}' at "
                    f"{_describe(parents, node._ctx)}: {e}"
                ) from e
            if _anomaly:
                _check_backward(node, g, partials)
            for p, d in zip(parents, partials):  # noqa: B905 (the table gives one per parent)
                if p._g is zero:
                    p._g = g * d
                else:
                    p._g += g * d
                if p.parents:
                    p._n -= 1
                    if not p._n:
                        push(p)
    except BaseException:
        _release(nodes)
        raise
    return nodes


def _release(nodes: list[Value]) -> None:
    """Return the walk's scratch slots to their resting state."""
    for node in nodes:
        node._g = _ZERO
        node._n = 0


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph once, each before all of its parents (root first).

    Deterministic (it follows the order of ``parents``) and without recursion. Back-propagation
    visits the nodes in this order.
    """
    counts: dict[Value, int] = {}
    stack = [root]
    seen = {root}
    while stack:
        for p in stack.pop().parents:
            counts[p] = counts.get(p, 0) + 1
            if p not in seen:
                seen.add(p)
                stack.append(p)
    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for p in node.parents:
            counts[p] -= 1
            if not counts[p]:
                ready.append(p)
    return order


def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool = False
) -> tuple[Any, ...]:
    """∂output/∂x for each x in ``inputs``, without touching any ``.grad``.

    Returns floats; with ``create_graph=True`` returns Values whose own graphs can be
    differentiated again (second and higher derivatives).
    """
    xs = (inputs,) if isinstance(inputs, Value) else tuple(inputs)
    for x in (output, *xs):
        if not isinstance(x, Value):
            raise TypeError(f"grad needs Values, got {type(x).__name__}: {x!r}")
    if create_graph:
        with enable_grad():
            nodes = _backprop(output, 1.0, create_graph=True)
    else:
        nodes = _backprop(output, 1.0, create_graph=False)
    result = tuple(x._g for x in xs)
    _release(nodes)
    # Inputs the output does not depend on still hold _ZERO: their gradient is 0.
    if create_graph:
        return tuple(g if isinstance(g, Value) else Value(g) for g in result)
    return tuple(g.data if isinstance(g, Value) else g for g in result)


# -- modes --------------------------------------------------------------------------------------


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations record no graph: results are leaves (and come faster)."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record operations again, even inside ``no_grad``."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = True
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """Whether operations are being recorded."""
    return _grad_enabled


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block the first non-finite forward value or gradient raises FloatingPointError.

    The error names the operation and its inputs. Checking costs time: use it to debug.
    """
    global _anomaly
    previous = _anomaly
    _anomaly = True
    try:
        yield
    finally:
        _anomaly = previous


def _describe(parents: Sequence[Value], ctx: Sequence[float]) -> str:
    shown = [f"{p.label or 'input ' + str(i)}={p.data!r}" for i, p in enumerate(parents[:8])]
    if len(parents) > 8:
        shown.append(f"... ({len(parents)} inputs)")
    if ctx:
        shown.append(f"constants={list(ctx[:8])!r}")
    return ", ".join(shown)


def _raise_anomaly(what: str, parents: Sequence[Value], ctx: Sequence[float]) -> None:
    raise FloatingPointError(f"{what}; inputs: {_describe(parents, ctx)}")


def _check_backward(node: Value, g: Any, partials: Sequence[Any]) -> None:
    for i, d in enumerate(partials):
        c = g * d
        cv = c.data if isinstance(c, Value) else c
        if not math.isfinite(cv):
            _raise_anomaly(
                f"backward of '{node.op}' gave gradient {cv!r} for input {i} "
                f"(upstream gradient {g!r}, local partial {d!r})",
                node.parents,
                node._ctx,
            )
