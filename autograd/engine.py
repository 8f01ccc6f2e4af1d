"""``Value``: a float that records the operations applied to it, and back-propagation through them.

A ``Value`` holds ``data`` (a float), ``grad`` (the gradient of the last ``backward`` call's
output with respect to it, accumulated), and, if an operation made it, that operation's table
row and its ``parents`` (an ordered tuple). The derivative of every operation lives in
``autograd.rules``; this module records the graph, walks it, and enforces the rules that make
its numbers trustworthy:

- **A pass keeps its state to itself.** The consumer counts and the gradients of a backward
  pass live in dictionaries of that pass, never in the nodes, so an interrupted pass
  (KeyboardInterrupt, an exception from a signal handler) leaves the graph as it was, and
  threads may walk graphs that share nodes at the same time.
- **Modes are per thread** (and per asyncio task): ``no_grad``, ``enable_grad`` and
  ``detect_anomaly`` are context variables; a new thread records, with anomaly detection off.
- **A changed ``.data`` is caught.** Each assignment to ``.data`` stamps the node with a new
  epoch; backward refuses to differentiate an operation whose operand was changed after the
  operation used it, as PyTorch's version counters do.
- **One non-finite policy.** An operation on finite operands whose result is not finite
  raises, naming the operation and operands (``OverflowError`` past the largest float,
  ``ValueError`` outside the domain, ``ZeroDivisionError`` for x / 0); nan and ±inf given as
  data propagate as IEEE 754 says. Back-propagation follows the same policy for each local
  derivative and each gradient. ``detect_anomaly()`` raises at the first non-finite value.
- **A plain number is a constant.** In ``x * 2`` the 2 becomes a ``Constant`` leaf: it takes
  part in the graph but receives no gradient, and a derivative only it could receive is never
  asked for.

Back-propagation never recurses: it orders the interior nodes by a depth-first walk from the
output with an explicit stack (the reverse of its post-order: each node after every node that
uses it), so graphs millions of nodes deep work. ``backward_order(root)`` gives that order;
each node's gradient is its first contribution, then each later one added in that order.
"""

from __future__ import annotations

import math
import numbers
import re
import textwrap
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, SupportsFloat, Union, cast

from autograd import rules
from autograd.rules import Rule

#: What arithmetic with a Value accepts on the other side.
Operand = Union["Value", float]

_recording: ContextVar[bool] = ContextVar("chainrule_grad_enabled", default=True)
_anomaly: ContextVar[bool] = ContextVar("chainrule_detect_anomaly", default=False)
_recording_now = _recording.get  # read on every operation: a bound C method is the cheapest
# While autograd.compile traces a function: the list of the Values whose number it read.
_reads: ContextVar[list[Value] | None] = ContextVar("chainrule_traced_reads", default=None)
_reads_now = _reads.get

# Every assignment to .data takes the next epoch; each node remembers the epoch it was made in.
# An operand whose epoch is later than its consumer's was changed after the consumer used it.
# The result of an operation whose own .data is assigned gets _MUTATED, earlier than every
# epoch. A graph whose interior nodes were all made since the last assignment anywhere (the
# normal loop: step, then a new forward pass) needs no look at its edges: see _check_versions.
_epoch = 0
_MUTATED = -1

# backward() adds its gradients into .grad under this lock, so that threads back-propagating
# into shared leaves (a model's parameters) lose no contribution. Reentrant, so that a thread
# can tell it holds it: see _add_grads.
_accumulating = threading.RLock()
_owned_by_me = cast("Callable[[], bool]", getattr(_accumulating, "_is_owned"))  # noqa: B009

_EMPTY: tuple[Any, ...] = ()


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
        try:
            d = float(data)
        except OverflowError:
            raise OverflowError(
                f"{what} needs a real number within the float range, got {data!r}"
            ) from None
        # A finite number of a wider type (NumPy's longdouble) that rounds to ±inf.
        if d - d != 0.0 and data == data and abs(data) != math.inf:
            raise OverflowError(f"{what} needs a real number within the float range, got {data!r}")
        return d
    raise TypeError(
        f"{what} needs a real number (int, float or NumPy scalar), "
        f"got {type(data).__name__}: {data!r}"
    )


def _operator(rule: Rule, doc: str, reflected: bool = False) -> Callable[[Value, Operand], Value]:
    """The method ``self ∘ other`` (or ``other ∘ self``) for the binary row ``rule``.

    The hottest code of every graph. It lifts only a plain number; for a row that gives its
    forward as an ``expression`` it is written out from ``_OPERATOR`` (the arithmetic and the
    new node in the method itself, one Python call in all); otherwise it calls the row's
    forward and ``_node``.
    """
    if rule.expression is not None:
        operands = ("other", "self") if reflected else ("self", "other")
        source = _OPERATOR.format(
            x=operands[0],
            y=operands[1],
            data=re.sub(r"\b([xy])\b", r"_\1._data", rule.expression),
            constant=textwrap.indent(_MAKE_CONSTANT, " " * 16).rstrip("\n"),
            node=textwrap.indent(_node_text("(_x, _y)", "_EMPTY"), " " * 8).rstrip("\n"),
        )
        written = cast("Callable[[Value, Operand], Value]", _written(source, "make")(rule))
        written.__doc__ = doc
        return written
    forward = rule.forward
    if reflected:

        def reflected_op(self: Value, other: Operand) -> Value:
            x = other if type(other) is Value else _lift(other)
            return _node(forward(x._data, self._data), rule, (x, self), _EMPTY)

        reflected_op.__doc__ = doc
        return reflected_op

    def op(self: Value, other: Operand) -> Value:
        y = other if type(other) is Value else _lift(other)
        return _node(forward(self._data, y._data), rule, (self, y), _EMPTY)

    op.__doc__ = doc
    return op


# How a node is made, written once as text: ``_node`` is compiled from it, and each operator
# that _operator writes out has it inline, so that an operation is one Python call. It reads
# data, _rule, parents and ctx, and returns the new node v.
_MAKE_NODE = """\
v = _new(Value)
v._data = data
v.grad = 0.0
v.label = ""
v._v = _epoch
if _recording_now():
    v.parents = {parents}
    v._rule = _rule
    v._ctx = {ctx}
else:
    v.parents = _EMPTY
    v._rule = None
    v._ctx = _EMPTY
if data - data:  # nan (truthy) for nan and ±inf, 0.0 for every finite number
    _check_forward(data, _rule, {parents}, {ctx})
return v
"""

# How a constant leaf c is made from the float ``number``: ``_constant`` is compiled from it,
# and the written operators have it inline for a float operand.
_MAKE_CONSTANT = """\
c = _new(Constant)
c._data = number
c.label = ""
c.parents = _EMPTY
c._rule = None
c._ctx = _EMPTY
c._v = _epoch
"""

# One operator's method: `other` is lifted, then named _x or _y by the side it stands on;
# make(_rule) gives the method of the row _rule.
_OPERATOR = """
def make(_rule):
    def op(self, other):
        if type(other) is not Value:
            if type(other) is float:
                number = other
{constant}
                other = c
            else:
                other = _lift(other)
        _x = {x}
        _y = {y}
        data = {data}
{node}
    return op
"""


def _node_text(parents: str, ctx: str) -> str:
    return _MAKE_NODE.format(parents=parents, ctx=ctx)


def _written(source: str, name: str) -> Any:
    """The function ``name`` that ``source`` defines, compiled in this module's globals (so
    that it reads ``_epoch`` and ``Value`` as they are when it runs)."""
    scope: dict[str, Any] = {}
    exec(source, globals(), scope)
    return scope[name]


def _function(rule: Rule, doc: str) -> Callable[[Operand, Operand], Value]:
    """The two-argument function of the binary row ``rule``, on Values or numbers alike."""
    forward = rule.forward

    def function(a: Operand, b: Operand) -> Value:
        x, y = _lift(a), _lift(b)
        return _node(forward(x._data, y._data), rule, (x, y), _EMPTY)

    function.__doc__ = doc
    function.__name__ = function.__qualname__ = rule.name
    return function


class Value:
    """A scalar that remembers how it was computed, so that its gradients can be found."""

    # _custom_op and _custom_backward are set only on nodes built the micrograd lecture's way
    # (Value(data, children, op) with a hand-written _backward); reading them elsewhere raises.
    __slots__ = (
        "_ctx", "_custom_backward", "_custom_op", "_data", "_rule", "_v", "grad", "label",
        "parents",
    )  # fmt: skip

    grad: Any  # a float, except inside grad(create_graph=True), which never stores it
    label: str
    parents: tuple[Value, ...]
    _data: float
    _rule: Rule | None
    _ctx: tuple[float, ...]
    _v: int  # the epoch this node was made in, or its .data last assigned; see _epoch

    def __init__(
        self,
        data: SupportsFloat,
        _children: Iterable[Value] | str = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        """A leaf holding ``data``: ``Value(2.0, "a")`` or ``Value(2.0, label="a")``.

        micrograd's and its lecture's form ``Value(data, (a, b), "op")`` is accepted too: a
        node of your own operation, whose ``_backward`` you then set (see ``_backward``).
        """
        d = _to_float(data, "Value")
        self._data = d
        self.grad = 0.0
        self.parents = _EMPTY
        self._rule = None
        self._ctx = _EMPTY
        self._v = _epoch
        if isinstance(_children, str):
            self.label = label or _children  # the second positional is chainrule's label
            return
        self.label = label
        children = tuple(_children)
        if children or _op:
            for c in children:
                if not isinstance(c, Value):
                    raise TypeError(
                        f"Value's children must be Values, got {type(c).__name__}: {c!r}"
                    )
            if _recording_now():
                self.parents = children
            self._custom_op = _op
            self._custom_backward = _no_backward

    @property
    def data(self) -> float:
        """The number this node holds.

        Assigning to it is how an optimizer steps. An operation recorded before the assignment
        still used the old number, so back-propagating through it afterwards raises
        RuntimeError rather than mix two points: step after ``backward``, not before.
        """
        reads = _reads_now()
        if reads is not None and type(self) is not Constant:
            reads.append(self)  # inside a trace: see reads_of_data
        return self._data

    @data.setter
    def data(self, value: float) -> None:
        global _epoch
        d = value if type(value) is float else _to_float(value, "Value.data")
        _epoch += 1
        self._data = d
        self._v = _MUTATED if self.parents else _epoch

    # -- what made this value -------------------------------------------------------------

    @property
    def op(self) -> str:
        """The symbol of the operation that produced this value; "" for a leaf."""
        if self._rule is not None:
            return self._rule.symbol
        return cast(str, getattr(self, "_custom_op", ""))

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's step of the chain rule at this node, for stepping through by hand.

        Calling it adds ``self.grad × ∂self/∂p`` into ``p.grad`` for each parent p, once, from
        the rule table (the lecture's manual cells give its numbers). Assigning a function of
        no arguments to it, as the lecture does for an operation of your own, makes
        ``backward()`` call that function for this node: it must add ``out.grad × ∂out/∂p``
        into each parent's ``.grad``, linearly in ``out.grad``. Such nodes are differentiated
        once only (not by ``grad(create_graph=True)``), and their function sees the ``.grad``
        slots of its node and parents set for the call, so keep them to one thread.
        """
        custom = getattr(self, "_custom_backward", None)
        if custom is not None:
            return cast("Callable[[], None]", custom)
        return self._apply_rule_once

    @_backward.setter
    def _backward(self, fn: Callable[[], None]) -> None:
        if not callable(fn):
            raise TypeError(f"_backward must be a function of no arguments, got {fn!r}")
        if self._rule is not None:  # a table node taken over by a hand-written rule
            self._custom_op = self._rule.symbol
            self._rule = None
        elif not hasattr(self, "_custom_op"):
            self._custom_op = ""
        self._custom_backward = fn

    def _apply_rule_once(self) -> None:
        if not self.parents:
            return
        partials = _partials(self, False)
        for p, d in zip(self.parents, partials):  # noqa: B905 (one per parent)
            p.grad += self.grad * d

    @property
    def rule(self) -> Rule | None:
        """The table row of the operation that produced this value; None for a leaf."""
        return self._rule

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
        return f"Value(data={self._data!r}, grad={self.grad!r}{label})"

    def __format__(self, spec: str) -> str:
        return format(self._data, spec) if spec else repr(self)

    def __float__(self) -> float:
        """The number this node holds (the graph is left behind: use it for reporting)."""
        reads = _reads_now()
        if reads is not None and type(self) is not Constant:
            reads.append(self)
        return self._data

    # -- arithmetic -----------------------------------------------------------------------

    # The arithmetic operators come from _operator, one line each (see there).
    __add__ = _operator(rules.ADD, "self + other.")
    __radd__ = _operator(rules.ADD, "other + self.", reflected=True)
    __sub__ = _operator(rules.SUB, "self - other.")
    __rsub__ = _operator(rules.SUB, "other - self.", reflected=True)
    __mul__ = _operator(rules.MUL, "self · other.")
    __rmul__ = _operator(rules.MUL, "other · self.", reflected=True)
    __truediv__ = _operator(rules.DIV, "self / other.")
    __rtruediv__ = _operator(rules.DIV, "other / self.", reflected=True)

    def __pow__(self, other: Operand) -> Value:
        """self ** other; a plain-number exponent is a constant, a Value one gets a gradient."""
        kind = type(other)
        if kind is float or kind is int:
            n = cast(float, other)
            c = float(n) if -_INT_EXACT <= n <= _INT_EXACT else _to_float(n, _EXPONENT)
        elif isinstance(other, Value):
            return _binary(rules.POW, self, other)
        else:
            c = _to_float(other, _EXPONENT)
        rule = rules.power_rule(c)
        return _node(rule.forward(self._data), rule, (self,), _EMPTY)

    def __rpow__(self, other: Operand) -> Value:
        """other ** self, with the gradient of the exponent (a plain-number base is constant)."""
        return _binary(rules.POW, _lift(other), self)

    def __neg__(self) -> Value:
        """-self."""
        return _unary(rules.NEG, self)

    def __abs__(self) -> Value:
        """|self|, as ``abs()``."""
        return _unary(rules.ABS, self)

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

    def sin(self) -> Value:
        """sin self."""
        return _unary(rules.SIN, self)

    def cos(self) -> Value:
        """cos self."""
        return _unary(rules.COS, self)

    def tan(self) -> Value:
        """tan self."""
        return _unary(rules.TAN, self)

    def asin(self) -> Value:
        """arcsin self, for -1 <= self <= 1 (its derivative is infinite at ±1)."""
        return _unary(rules.ASIN, self)

    def acos(self) -> Value:
        """arccos self, for -1 <= self <= 1 (its derivative is infinite at ±1)."""
        return _unary(rules.ACOS, self)

    def atan(self) -> Value:
        """arctan self."""
        return _unary(rules.ATAN, self)

    def sinh(self) -> Value:
        """sinh self."""
        return _unary(rules.SINH, self)

    def cosh(self) -> Value:
        """cosh self."""
        return _unary(rules.COSH, self)

    def asinh(self) -> Value:
        """arsinh self."""
        return _unary(rules.ASINH, self)

    def acosh(self) -> Value:
        """arcosh self, for self >= 1 (its derivative is infinite at 1)."""
        return _unary(rules.ACOSH, self)

    def atanh(self) -> Value:
        """artanh self, for -1 < self < 1."""
        return _unary(rules.ATANH, self)

    def sqrt(self) -> Value:
        """√self, for self >= 0 (its derivative is infinite at 0)."""
        return _unary(rules.SQRT, self)

    def abs(self) -> Value:
        """|self|; its derivative at 0 is taken to be 0."""
        return _unary(rules.ABS, self)

    def log1p(self) -> Value:
        """ln(1 + self), for self > -1, accurate where self is tiny."""
        return _unary(rules.LOG1P, self)

    def expm1(self) -> Value:
        """e ** self - 1, accurate where self is tiny."""
        return _unary(rules.EXPM1, self)

    def log2(self) -> Value:
        """log₂ self, for self > 0."""
        return _unary(rules.LOG2, self)

    def log10(self) -> Value:
        """log₁₀ self, for self > 0."""
        return _unary(rules.LOG10, self)

    def softplus(self) -> Value:
        """ln(1 + e^self), finite for every finite self; its derivative is σ(self)."""
        return _unary(rules.SOFTPLUS, self)

    # Functions of two arguments, either a Value or a number: called as Value.max(a, b).
    atan2 = staticmethod(
        _function(rules.ATAN2, "Value.atan2(y, x): the angle of the point (x, y), in (-π, π]; "
                  "no derivative at the origin.")
    )  # fmt: skip
    hypot = staticmethod(
        _function(rules.HYPOT, "Value.hypot(x, y) = √(x² + y²); no derivative at the origin.")
    )
    max = staticmethod(
        _function(rules.MAX, "Value.max(a, b): the larger; at a tie each gets half the gradient.")
    )
    min = staticmethod(
        _function(rules.MIN, "Value.min(a, b): the smaller; at a tie each gets half the gradient.")
    )

    @staticmethod
    def sum(values: Iterable[Value]) -> Value:
        """Σ_k values[k], as one node (a chain of ``+`` would make one node per term)."""
        parents = tuple(values)
        if not all(isinstance(v, Value) for v in parents):
            raise TypeError(
                f"Value.sum needs Values; {_first_non_value(parents)} "
                "(wrap plain numbers with Value(x))"
            )
        return _node(rules.SUM.forward(*[p._data for p in parents]), rules.SUM, parents, _EMPTY)

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
            n = len(ws)
            data = rules.weighted_sum_of(
                [w._data for w in ws], [a._data for a in parents[n:-1]], b._data
            )
            return _node(data, rules.WEIGHTED_SUM, parents, _EMPTY)
        else:
            xs = tuple(_to_float(a, "weighted_sum input") for a in inputs)
        data = rules.weighted_sum_of([w._data for w in ws], xs, b._data)
        return _node(data, rules.WEIGHTED_SUM_CONST, (*ws, b), xs)

    # -- gradients ------------------------------------------------------------------------

    def backward(self, seed: float = 1.0) -> None:
        """Add ∂self/∂v (times ``seed``) to ``v.grad`` for every node v of self's graph.

        The pass computes every gradient apart from the nodes and checks them before adding
        any: an error (a non-finite derivative, a ``.data`` changed since the forward pass)
        leaves every ``.grad`` untouched. An interruption (KeyboardInterrupt) during the pass
        leaves them untouched too; one during the final additions, which take microseconds
        per node, may leave some nodes with this pass's gradient added and the rest without.
        Either way the graph itself is unchanged, the next ``backward`` or ``grad`` on it is
        exact, and ``zero_grad()`` gives a clean start.

        Constants (plain numbers in an expression) receive nothing. ``seed`` must be a real
        number.
        """
        s = _to_float(seed, "backward seed")
        order = _order(self)
        if _anomaly.get():
            grads = _propagate(self, s, order, None, False, "anomaly")
        else:
            grads = _backward_pass(self, s, order)
            total = sum(grads.values())  # finite exactly when every gradient is (or overflowed)
            if total - total != 0.0 and _finite(s):
                _propagate(self, s, order, None, False, "policy")
        _add_grads(grads)

    def zero_grad(self) -> None:
        """Set ``grad`` of every node of this graph back to 0.0: a clean start."""
        for node in topological_order(self):
            node.grad = 0.0


def _add_grads(grads: dict[Value, float]) -> None:
    """node.grad += g for every node, as one step for other threads."""
    # An interrupt that lands just after `with` took the lock, before the block's protection
    # begins, leaves it held: a thread entering here while holding it is holding what an
    # interrupted pass of its own kept, and gives it back instead of waiting for itself.
    while _owned_by_me():
        _accumulating.release()
    with _accumulating:
        for node, g in grads.items():
            # Constants take no gradient; skipping them here is cheaper than their .grad
            # property, and than telling them apart on every edge of the pass.
            if type(node) is not Constant:
                node.grad += g


class Constant(Value):
    """A plain number that took part in an operation (the 2 of ``x * 2``): it gets no gradient.

    Its ``grad`` reads 0.0 and ignores assignments, and no derivative that only a constant
    could receive is ever evaluated.
    """

    __slots__ = ()

    @property
    def grad(self) -> float:
        """Always 0.0: a constant is not differentiated."""
        return 0.0

    @grad.setter
    def grad(self, value: Any) -> None:
        pass


def _first_non_value(items: Sequence[object]) -> str:
    """Which of ``items`` is not a Value, for an error message: "item k is <type> <repr>"."""
    k, bad = next((k, v) for k, v in enumerate(items) if not isinstance(v, Value))
    return f"item {k} is {type(bad).__name__} {bad!r}"


def _lift(x: Operand) -> Value:
    """x as a Value: itself, or a new Constant holding a plain number."""
    if isinstance(x, Value):
        return x
    return _constant(x if type(x) is float else _to_float(x, "an arithmetic operand of Value"))


#: A new Constant holding the float ``number`` (see _MAKE_CONSTANT).
_constant: Callable[[float], Constant] = _written(
    "def _constant(number):\n" + textwrap.indent(_MAKE_CONSTANT + "return c\n", "    "), "_constant"
)

#: ``_node(data, rule, parents, ctx)``: a new Value made by ``rule`` from ``parents``, with
#: the operation's constants ``ctx``; a leaf when recording is off (see _MAKE_NODE).
_node: Callable[[float, Rule, tuple[Value, ...], tuple[float, ...]], Value] = _written(
    "def _node(data, _rule, parents, ctx):\n"
    + textwrap.indent(_node_text("parents", "ctx"), "    "),
    "_node",
)


def _unary(rule: Rule, x: Value) -> Value:
    return _node(rule.forward(x._data), rule, (x,), _EMPTY)


def _binary(rule: Rule, x: Value, y: Value) -> Value:
    return _node(rule.forward(x._data, y._data), rule, (x, y), _EMPTY)


_new = object.__new__
# An int exponent this small converts to a float without a check (a huge one can overflow).
_INT_EXACT = 2**53
_EXPONENT = "'**' exponent"
_ONLY_VALUE = frozenset((Value,))
_ONLY_FLOAT = frozenset((float,))


def _finite(x: float) -> bool:
    return x - x == 0.0


def _operands(rule: Rule | None, parents: Sequence[Value], ctx: Sequence[float]) -> list[float]:
    """Every number an operation read: its parents' data, its constants, its row's constant."""
    numbers_ = [p._data for p in parents]
    numbers_.extend(ctx)
    if rule is not None and rule.constant is not None:
        numbers_.append(rule.constant)
    return numbers_


class AnomalyOverflowError(OverflowError, FloatingPointError):
    """An overflow found inside ``detect_anomaly()``: both what the policy and the mode raise."""


class AnomalyValueError(ValueError, FloatingPointError):
    """An undefined derivative found inside ``detect_anomaly()``."""


def _check_forward(data: float, rule: Rule, parents: Sequence[Value], ctx: Sequence[float]) -> None:
    """The non-finite policy for a forward result: raise unless a non-finite operand explains it."""
    finite_in = all(map(_finite, _operands(rule, parents, ctx)))
    if _anomaly.get():
        raise (AnomalyOverflowError if finite_in else FloatingPointError)(
            f"detect_anomaly: forward of '{rule.symbol}' gave {data!r}; "
            f"inputs: {_describe(parents, ctx, rule)}"
        )
    if finite_in:
        raise OverflowError(
            f"'{rule.symbol}' has no finite result: {_describe(parents, ctx, rule)} "
            f"gives {data!r} (beyond the largest float, about 1.8e308)"
        )


# -- the graph walk -----------------------------------------------------------------------------


def _order(root: Value) -> list[Value]:
    """root's interior nodes (those with parents), each before its parents, in backward order.

    The reverse of a depth-first post-order from the output (explicit stack, no recursion; a
    node's parents are pushed in argument order, so the last is walked first): a node comes
    after every node that uses it, so that its gradient is complete when it is processed.
    Raises RuntimeError if a node's ``.data`` changed after an operation of the graph used it.
    """
    if not root.parents:
        return []
    epoch = _epoch
    oldest = epoch
    post: list[Value] = []
    emit = post.append
    expanded: set[Value] = set()
    expand = expanded.add
    stack: list[Value | None] = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = pop()
        if node is None:  # the marker under which a node's parents were pushed: all done
            emit(cast(Value, pop()))
            continue
        if node in expanded:  # pushed by two consumers; the first push was walked already
            continue
        expand(node)
        if node._v < oldest:
            oldest = node._v
        push(node)
        push(None)
        for p in node.parents:
            if p.parents and p not in expanded:
                push(p)
    if oldest < epoch:
        _check_versions(root)
    post.reverse()
    return post


def _check_versions(root: Value) -> None:
    """RuntimeError if a ``.data`` of root's graph was assigned after an operation used it.

    Run only when some interior node is older than the last assignment anywhere: a leaf
    whose epoch is later than its consumer's was changed after the consumer read it, and an
    interior node at _MUTATED had its own result changed.
    """
    seen = {root}
    stack = [root] if root.parents else []
    while stack:
        node = stack.pop()
        t = node._v
        if t == _MUTATED:
            raise RuntimeError(_mutated_message(node, None))
        for p in node.parents:
            if p.parents:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
            elif p._v > t:
                raise RuntimeError(_mutated_message(p, node))


def _backward_pass(root: Value, seed: float, order: list[Value]) -> dict[Value, float]:
    """∂root/∂v · seed for every node v of root's graph, in float mode, without any check.

    The hot loop of ``backward``: ``_propagate`` without its options.
    """
    grads: dict[Value, float] = {root: seed}
    store = grads.setdefault
    for node in order:
        g = grads[node]
        parents = node.parents
        rule: Rule = node._rule  # type: ignore[assignment]
        try:
            partials = rule.fixed
            if partials is not None:
                pass
            elif len(parents) == 2 and not node._ctx:
                # Binary ops are most nodes; a plain call is 4x cheaper than one that unpacks
                # a list of the parents' data.
                x, y = parents
                partials = rule.partials(node._data, x._data, y._data)
            elif rule.from_constants is not None:
                partials = rule.from_constants(node._ctx)
            elif len(parents) == 1 and not node._ctx:
                partials = rule.partials(node._data, parents[0]._data)
            else:
                partials = rule.partials(node._data, *[p._data for p in parents], *node._ctx)
        except (ArithmeticError, ValueError, AttributeError):
            # A derivative that failed (raises naming the operation, or gives nans), or a node
            # with a hand-written _backward (no row: None.partials).
            partials = _partials(node, False)
        # One dict operation for a first contribution (a fresh float, so `is` tells whether
        # setdefault stored it), two for a later one. Written out for the one and two parents
        # of most nodes: the loop's zip costs as much as the arithmetic.
        if len(parents) == 2:
            x, y = parents
            dx, dy = partials
            c = g * dx
            q = store(x, c)
            if q is not c:
                grads[x] = q + c
            c = g * dy
            q = store(y, c)
            if q is not c:
                grads[y] = q + c
        elif len(parents) == 1:
            x = parents[0]
            c = g * partials[0]
            q = store(x, c)
            if q is not c:
                grads[x] = q + c
        else:
            for p, d in zip(parents, partials):  # noqa: B905 (the table gives one per parent)
                c = g * d
                q = store(p, c)
                if q is not c:
                    grads[p] = q + c
    return grads


def _no_backward() -> None:
    """micrograd's default _backward: a node of one's own passes nothing on until given one."""


def _custom_partials(node: Value) -> tuple[float, ...]:
    """The local partials of a node with a hand-written ``_backward``, read off by calling it.

    The function adds ``out.grad × ∂out/∂p`` into each parent's ``.grad``: called with
    ``out.grad = 1`` and the parents' at 0, what it adds is ∂out/∂p (a parent listed twice gets
    its whole derivative on its first place). The slots are put back afterwards.
    """
    parents = node.parents
    unique = list(dict.fromkeys(parents))
    saved = [(p, p.grad) for p in (node, *unique)]
    try:
        node.grad = 1.0
        for p in unique:
            p.grad = 0.0
        node._custom_backward()
        got = {p: p.grad for p in unique}
    finally:
        for p, g in saved:
            p.grad = g
    first = {p: i for i, p in reversed(list(enumerate(parents)))}
    return tuple(_number(got[p]) if first[p] == i else 0.0 for i, p in enumerate(parents))


def _partials(node: Value, create_graph: bool) -> tuple[Any, ...]:
    """The local partials of node's operation, at the point its forward pass used."""
    parents = node.parents
    if node._rule is None:
        if create_graph:
            raise TypeError(
                f"grad(create_graph=True) cannot differentiate through '{node.op}', a node "
                "with a hand-written _backward: it gives numbers, not a graph"
            )
        return _custom_partials(node)
    rule = node._rule
    try:
        if create_graph:
            return rule.partials(node, *parents, *node._ctx)
        if node._ctx or len(parents) > 2:
            return rule.partials(node._data, *[p._data for p in parents], *node._ctx)
        if len(parents) == 2:
            # Unary and binary ops are most nodes; a plain call is 4x cheaper than one that
            # unpacks a list of the parents' data.
            x, y = parents
            return rule.partials(node._data, x._data, y._data)
        return rule.partials(node._data, parents[0]._data)
    except (ArithmeticError, ValueError) as e:
        if not all(map(_finite, _operands(rule, parents, node._ctx))):
            return (math.nan,) * len(parents)  # nan or inf in the data: IEEE propagation
        raise type(e)(
            f"backward pass: no finite derivative of '{rule.symbol}' at "
            f"{_describe(parents, node._ctx, rule)}: {e}"
        ) from e


def _propagate(
    root: Value,
    seed: Any,
    order: list[Value],
    needed: set[Value] | None,
    create_graph: bool,
    check: str | None,
) -> dict[Value, Any]:
    """∂root/∂v · seed for every node v reached (only those in ``needed``, when given).

    ``check`` is None (no checks: the fast path), "policy" (raise at the first non-finite
    contribution or sum that finite numbers produced) or "anomaly" (raise at the first
    non-finite one, whatever produced it).
    """
    grads: dict[Value, Any] = {root: seed}
    get = grads.get
    for node in order:
        if needed is not None and node not in needed:
            continue
        g = grads[node]
        partials = _partials(node, create_graph)
        if check is not None:
            _check_step(node, g, partials, needed, grads, check)
        for p, d in zip(node.parents, partials):  # noqa: B905 (the table gives one per parent)
            if needed is not None and p not in needed:
                continue
            c = g * d
            q = get(p)
            grads[p] = c if q is None else q + c
    return grads


def _number(x: Any) -> float:
    return x._data if isinstance(x, Value) else float(x)


def _settle(
    root: Value,
    seed: float,
    order: list[Value],
    needed: set[Value] | None,
    results: Iterable[Any],
) -> None:
    """Apply the non-finite policy to a pass that ran unchecked: cheap unless one is non-finite.

    The sum of the results is finite exactly when all of them are (or it overflowed, which the
    rerun clears); only then is the pass run again with every step checked, which raises if
    finite numbers produced the non-finite one and lets IEEE propagation of nan or inf given
    as data through.
    """
    total = sum(map(_number, results))
    if total - total != 0.0 and _finite(seed):
        _propagate(root, seed, order, needed, False, "policy")


def _check_step(
    node: Value,
    g: Any,
    partials: Sequence[Any],
    needed: set[Value] | None,
    grads: dict[Value, Any],
    check: str,
) -> None:
    """Raise if one step of the pass would put a non-finite number into a received gradient.

    With ``check="policy"`` only where finite numbers produced it: the upstream gradient, the
    operation's operands and the parent's gradient so far all finite.
    """
    rule = node._rule
    symbol = node.op
    gv = _number(g)
    finite_in = _finite(gv) and all(map(_finite, _operands(rule, node.parents, node._ctx)))
    if check == "policy" and not finite_in:
        return
    for i, (p, d) in enumerate(zip(node.parents, partials)):  # noqa: B905
        if isinstance(p, Constant) or (needed is not None and p not in needed):
            continue
        dv = _number(d)
        cv = gv * dv
        q = grads.get(p)
        qv = 0.0 if q is None else _number(q)
        total = cv + qv
        if _finite(total) or (check == "policy" and not _finite(qv)):
            continue
        where = f"{_describe(node.parents, node._ctx, rule)}, upstream gradient {gv!r}"
        if check == "anomaly":
            kind = FloatingPointError
            if finite_in and _finite(qv):
                kind = AnomalyValueError if dv != dv else AnomalyOverflowError
            raise kind(
                f"detect_anomaly: backward of '{symbol}' gave gradient {total!r} for "
                f"input {i} (local partial {dv!r}); inputs: {where}"
            )
        if dv != dv:
            raise ValueError(
                f"backward pass: the derivative of '{symbol}' with respect to input {i} "
                f"is undefined at {where}"
            )
        if not _finite(dv):
            raise OverflowError(
                f"backward pass: the derivative of '{symbol}' with respect to input {i} "
                f"is infinite ({dv!r}) at {where}"
            )
        raise OverflowError(
            f"backward pass: the gradient of {_name(p, i)} overflows at '{symbol}' "
            f"({where}, local partial {dv!r}): beyond the largest float"
        )


def _name(p: Value, i: int) -> str:
    return repr(p.label) if p.label else f"input {i}"


def _mutated_message(changed: Value, user: Value | None) -> str:
    what = f"{changed.label!r}" if changed.label else f"a node holding {changed._data!r}"
    if changed.parents:
        return (
            f"backward: the .data of {what}, the result of '{changed.op}', was assigned after "
            "it was computed, so its derivative would mix two points; recompute the graph "
            "instead of assigning to a result"
        )
    used_by = f"'{user.op}'" if user is not None else "an operation"
    return (
        f"backward: the .data of {what} was assigned after {used_by} used it, so its "
        "derivative would mix the old point and the new one (was an optimizer step taken "
        "before backward?); run the forward pass again after changing it"
    )


def backward_order(root: Value) -> list[Value]:
    """The nodes that ``backward`` processes, in its order: root's interior nodes.

    Each comes before all of its parents; leaves only receive, so they are not listed.
    """
    return _order(root)


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph once, each before all of its parents (root first).

    Deterministic (it follows the order of ``parents``) and without recursion. It is the walk
    of ``backward_order`` with the leaves included, so its interior nodes come in the order
    back-propagation processes them.
    """
    post: list[Value] = []
    emit = post.append
    expanded: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            emit(cast(Value, stack.pop()))
            continue
        if node in expanded:
            continue
        expanded.add(node)
        stack.append(node)
        stack.append(None)
        for p in node.parents:
            if p not in expanded:
                stack.append(p)
    post.reverse()
    return post


def _needed(order: list[Value], inputs: Sequence[Value]) -> set[Value]:
    """The nodes on a path from the root to one of ``inputs``: only they need a gradient."""
    needed = set(inputs)
    for node in reversed(order):  # parents before the nodes that use them
        if node not in needed and any(p in needed for p in node.parents):
            needed.add(node)
    return needed


def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """∂output/∂x for each x in ``inputs``, without touching any ``.grad``.

    Returns floats; with ``create_graph=True`` returns Values whose own graphs can be
    differentiated again (second and higher derivatives). Only derivatives on a path from
    ``output`` to an input are evaluated. An input that ``output`` does not depend on through
    the graph raises ValueError naming it, unless ``allow_unused=True``: then its gradient is
    0.0 (a ``Constant`` 0.0 with ``create_graph``).
    """
    xs = (inputs,) if isinstance(inputs, Value) else tuple(inputs)
    for x in (output, *xs):
        if not isinstance(x, Value):
            raise TypeError(f"grad needs Values, got {type(x).__name__}: {x!r}")
    check = "anomaly" if _anomaly.get() else None
    order = _order(output)
    needed = _needed(order, xs)
    if create_graph:
        token = _recording.set(True)
        try:
            grads = _propagate(output, 1.0, order, needed, True, check)
        finally:
            _recording.reset(token)
    else:
        grads = _propagate(output, 1.0, order, needed, False, check)
    unused = [i for i, x in enumerate(xs) if x not in grads]
    if unused and not allow_unused:
        raise ValueError(_unused_message(output, xs, unused))
    if check is None:
        _settle(output, 1.0, order, needed, [grads[x] for x in xs if x in grads])
    if create_graph:
        return tuple(_as_value(grads.get(x, 0.0)) for x in xs)
    return tuple(_number(grads.get(x, 0.0)) for x in xs)


def _as_value(g: Any) -> Value:
    if isinstance(g, Value):
        return g
    c = _lift(float(g))
    return c


def _unused_message(output: Value, xs: Sequence[Value], unused: list[int]) -> str:
    names = ", ".join(
        f"input {i}" + (f" ({xs[i].label!r})" if xs[i].label else f" (holding {xs[i]._data!r})")
        for i in unused
    )
    if not output.parents:
        why = (
            "the output is a leaf: it was built under no_grad(), is a plain Value, or is a "
            "derivative from grad(create_graph=True) that came out constant"
        )
    elif all(isinstance(n, Constant) for n in topological_order(output) if not n.parents):
        why = (
            "the output is a constant: it depends on no variable (a derivative from "
            "grad(create_graph=True) that came out constant, as d²(3x)/dx² does)"
        )
    else:
        why = "no path of the graph leads from the output to it (was it detached, or unused?)"
    return (
        f"grad: the output does not depend on {names}: {why}. Pass allow_unused=True to "
        "get 0 for such inputs"
    )


# -- modes --------------------------------------------------------------------------------------


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations record no graph: results are leaves (and come faster).

    Per thread: other threads go on recording.
    """
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record operations again, even inside ``no_grad`` (in this thread)."""
    token = _recording.set(True)
    try:
        yield
    finally:
        _recording.reset(token)


def is_grad_enabled() -> bool:
    """Whether operations are being recorded in this thread."""
    return _recording_now()


@contextmanager
def reads_of_data() -> Iterator[list[Value]]:
    """Inside this block, every Value (constants aside) whose ``.data`` or ``float()`` is read.

    What ``autograd.compile`` runs a traced function in: a function that reads the number of
    a Value while it builds its graph may branch on it, or make a constant of it, so its graph
    may not be the same for other arguments. Per thread, like the modes.
    """
    found: list[Value] = []
    token = _reads.set(found)
    try:
        yield found
    finally:
        _reads.reset(token)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block the first non-finite value or gradient raises FloatingPointError.

    That includes nan and ±inf given as data, which otherwise propagate. The error names the
    operation and its inputs. Per thread; checking costs time: use it to debug.
    """
    token = _anomaly.set(True)
    try:
        yield
    finally:
        _anomaly.reset(token)


def _describe(parents: Sequence[Value], ctx: Sequence[float], rule: Rule | None = None) -> str:
    shown = [f"{p.label or 'input ' + str(i)}={p._data!r}" for i, p in enumerate(parents[:8])]
    if len(parents) > 8:
        shown.append(f"... ({len(parents)} inputs)")
    if ctx:
        shown.append(f"constants={list(ctx[:8])!r}")
    if rule is not None and rule.constant is not None:
        shown.append(f"exponent={rule.constant!r}")
    return ", ".join(shown)
