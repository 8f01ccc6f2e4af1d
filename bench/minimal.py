"""The least a graph engine in pure Python can do: a yardstick for the eager targets of #9.

``Value`` here records each operation and back-propagates in topological order, as chainrule
does, with none of what makes chainrule's numbers trustworthy: no non-finite policy, no check
of a changed ``.data``, no constants kept out of the gradients, no pass-local exception
handling, and each operation's local derivatives computed when the node is made (so a
derivative nobody receives is evaluated anyway). It has only micrograd's operations
(+ − × ** relu), enough for the plain-op step and the random expression.

The benchmark times it beside chainrule and micrograd: micrograd ÷ this engine is what
dropping every guarantee would buy, the ceiling of the per-node design in this interpreter.
It is not part of the library and nothing imports it but ``bench``.
"""

from __future__ import annotations

from typing import Any

_new = object.__new__
_ONES = (1.0, 1.0)
_ONE_MINUS = (1.0, -1.0)


class Value:
    """A float with its parents and its local derivatives with respect to them."""

    __slots__ = ("data", "grad", "parents", "partials")

    data: float
    grad: float
    parents: tuple[Value, ...]
    partials: tuple[float, ...]

    def __init__(self, data: float) -> None:
        self.data = float(data)
        self.grad = 0.0
        self.parents = ()
        self.partials = ()

    # Each operation writes its node out in full: a helper call per node would cost more
    # than the node, and this engine is meant to be the least a node can cost.

    def __add__(self, other: Any) -> Value:
        o = other if type(other) is Value else Value(other)
        v: Value = _new(Value)
        v.data = self.data + o.data
        v.grad = 0.0
        v.parents = (self, o)
        v.partials = _ONES
        return v

    def __radd__(self, other: Any) -> Value:
        return Value(other) + self

    def __sub__(self, other: Any) -> Value:
        o = other if type(other) is Value else Value(other)
        v: Value = _new(Value)
        v.data = self.data - o.data
        v.grad = 0.0
        v.parents = (self, o)
        v.partials = _ONE_MINUS
        return v

    def __mul__(self, other: Any) -> Value:
        o = other if type(other) is Value else Value(other)
        v: Value = _new(Value)
        v.data = self.data * o.data
        v.grad = 0.0
        v.parents = (self, o)
        v.partials = (o.data, self.data)
        return v

    def __rmul__(self, other: Any) -> Value:
        return Value(other) * self

    def __pow__(self, c: float) -> Value:
        x = self.data
        v: Value = _new(Value)
        v.data = x**c
        v.grad = 0.0
        v.parents = (self,)
        v.partials = (c * x ** (c - 1),)
        return v

    def relu(self) -> Value:
        x = self.data
        v: Value = _new(Value)
        v.data = x if x > 0.0 else 0.0
        v.grad = 0.0
        v.parents = (self,)
        v.partials = (1.0,) if x > 0.0 else (0.0,)
        return v

    def backward(self) -> None:
        """Add ∂self/∂v to ``v.grad`` for every node v, in the order chainrule uses.

        The walk is chainrule's own (autograd.engine's depth-first post-order), written again
        here without its version stamps: the same order gives the same sums, so the two
        engines' numbers can be checked equal to the bit, and the yardstick imports nothing
        of the engine it is measured against.
        """
        post: list[Value] = []
        expanded: set[Value] = set()
        stack: list[Value | None] = [self]
        while stack:
            node = stack.pop()
            if node is None:
                post.append(stack.pop())  # type: ignore[arg-type]
                continue
            if node in expanded:
                continue
            expanded.add(node)
            stack.append(node)
            stack.append(None)
            for p in node.parents:
                if p.parents and p not in expanded:
                    stack.append(p)
        grads: dict[Value, float] = {self: 1.0}
        store = grads.setdefault
        for node in reversed(post):
            g = grads[node]
            for p, d in zip(node.parents, node.partials):  # noqa: B905 (one per parent)
                c = g * d
                q = store(p, c)
                if q is not c:
                    grads[p] = q + c
        for node, g in grads.items():
            node.grad += g
