"""``compile``: trace a function of Values once, then replay it as straight-line Python.

``c = compile(f, *example_args)`` calls ``f`` on fresh leaf Values holding the example
arguments (a float becomes one ``Value``, a sequence of floats a list of them), records the
graph ``f`` built, and generates the Python source of one function that does that graph's
forward pass and then its backward pass, one line per operation, with no ``Value`` objects in
between. ``c(*args)`` runs it: it returns the output's value as a float and adds the gradient
to ``.grad`` of every leaf Value the graph *captured* (the leaves that existed before ``f`` ran,
such as a model's parameters; their current ``.data`` is read on every call), exactly as
``f(*args).backward()`` would, to the last bit.

Bit-for-bit equality holds because the generated code does what the engine does, in the
engine's order: every value comes from the row's own ``forward`` function in ``autograd.rules``
(or from the same single IEEE operation, for ``+ - * neg relu``, and for the sums the same
terms handed to ``math.fsum``; a call that fails, or meets a nan or an infinity anywhere, is
redone by the engine, so that its error or its IEEE propagation is the engine's, by its own
non-finite policy); the backward pass visits the nodes in the engine's order
(``autograd.backward_order``: the reverse of a depth-first post-order from the output); each
gradient is its first contribution as is, later ones added with ``+`` in visiting order; a
contribution is ``upstream * partial``, the partial from the row's
``partials`` (written out only where it is an operand itself, a constant, or one IEEE
operation, as ``1.0 / y``); the captured leaves get ``.grad += total`` at the end.

Which programs compile correctly: those whose graph has the same shape for every argument and
whose constants do not depend on the arguments. ``relu`` branches are fine (relu is one
primitive). Python control flow on ``.data`` is not: an ``if x.data > 0`` takes the branch of
the example arguments forever. A constant made from data (``v - max(u.data for u in zs)``, as
``nn.losses.softmax`` shifts its inputs) would be frozen at its traced value; ``compile``
traces ``f`` a third time at arguments a few units of the 20th bit away, and if any constant or
the graph's shape differs there, it says why in ``c.data_dependent`` and every call of ``c``
runs ``f`` on the engine instead (the same numbers, at the engine's speed). A branch that the
nearby arguments do not flip (``binary_cross_entropy``'s softplus branches on the sign of a
logit) is not found that way: ``c(*args, check=True)`` also runs ``f`` eagerly and raises
``TraceMismatchError`` if the graph it builds differs in shape or constants from the traced
one, or if any number differs by a bit. A call that meets a nan or an infinity is redone by
the engine, so ``detect_anomaly`` and the engine's non-finite policy hold. Not replayed:
gradients of the arguments themselves (only captured leaves receive gradients; a gradient that
only an argument would receive is not computed, so if it alone would overflow, the engine's
backward may raise where the compiled call does not). ``f`` may not use Values computed before
it ran other than leaves (their history would be frozen): ``compile`` refuses them.
"""

from __future__ import annotations

import builtins
import keyword
import math
import numbers
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from autograd.engine import Value, backward_order, enable_grad, grad
from autograd.rules import Rule

__all__ = ["Compiled", "TraceMismatchError", "compile"]

#: An argument of a compiled function: one number, or a sequence of numbers.
Arg = float | Sequence[float]


class TraceMismatchError(RuntimeError):
    """The eager engine built a different graph, or got different numbers, than the trace."""


class _NonFiniteError(ArithmeticError):
    """The generated code met a nan or an infinity: the engine's policy must decide."""


# -- the trace ----------------------------------------------------------------------------------


def _fresh_leaves(args: Sequence[object]) -> tuple[list[Value | list[Value]], list[Value]]:
    """Leaf Values for the arguments (as ``f`` receives them) and the same leaves as one list."""
    given: list[Value | list[Value]] = []
    flat: list[Value] = []
    for i, a in enumerate(args):
        if _is_scalar(a):
            v = Value(a, f"x{i}")  # type: ignore[arg-type]
            given.append(v)
            flat.append(v)
        elif isinstance(a, Sequence) and not isinstance(a, (str, bytes)):
            vs = [Value(_check_scalar(x, i, k), f"x{i}_{k}") for k, x in enumerate(a)]
            given.append(vs)
            flat.extend(vs)
        else:
            raise TypeError(
                f"compile: argument {i} must be a number or a sequence of numbers, "
                f"got {type(a).__name__} {a!r}"
            )
    return given, flat


def _is_scalar(a: object) -> bool:
    return isinstance(a, numbers.Real) and not isinstance(a, (bool, Value))


def _check_scalar(x: object, i: int, k: int) -> float:
    if not _is_scalar(x):
        raise TypeError(
            f"compile: item {k} of argument {i} must be a number, got {type(x).__name__} {x!r}"
        )
    return float(x)  # type: ignore[arg-type]


def _trace(f: Callable[..., Value], args: Sequence[object]) -> tuple[Value, list[Value]]:
    """Run ``f`` on fresh leaves, recording its graph even inside ``no_grad``."""
    given, flat = _fresh_leaves(args)
    with enable_grad():
        out = f(*given)
    if not isinstance(out, Value):
        raise TypeError(f"compile: f must return a Value, got {type(out).__name__} {out!r}")
    return out, flat


def _discover(root: Value) -> tuple[list[Value], dict[int, int]]:
    """Every node once, in the order the engine's first pass reaches them, and consumer counts."""
    nodes = [root]
    count: dict[int, int] = {}
    stack = [root] if root.parents else []
    while stack:
        for p in stack.pop().parents:
            if id(p) in count:
                count[id(p)] += 1
            else:
                count[id(p)] = 1
                nodes.append(p)
                if p.parents:
                    stack.append(p)
    return nodes, count


def _backward_order(root: Value, count: dict[int, int]) -> list[Value]:
    """The nodes with parents in the order the engine's backward pass processes them."""
    return backward_order(root)


Shape = tuple[Any, ...]


def _shape(nodes: Sequence[Value], args: dict[int, int]) -> list[Shape]:
    """Each node as comparable data: its rule, constants and parents' positions, or what leaf."""
    position = {id(n): k for k, n in enumerate(nodes)}
    out: list[Shape] = []
    for n in nodes:
        if id(n) in args:
            out.append(("arg", args[id(n)]))
        elif not n.parents:
            out.append(("leaf", id(n), n.data.hex()))
        else:
            parents = tuple(position[id(p)] for p in n.parents)
            ctx = tuple(c.hex() for c in n.constants)
            out.append(("op", id(n._rule), ctx, parents))
    return out


def _differences(
    a: list[Shape], b: list[Shape], nodes: Sequence[Value], captured: frozenset[int] = frozenset()
) -> str:
    """Where two shapes differ (captured leaves by identity, constants by value); "" if nowhere."""
    if len(a) != len(b):
        return f"the graph has {len(b)} nodes instead of {len(a)}"
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if x[0] == "leaf" and y[0] == "leaf":
            if x[1] in captured and y[1] != x[1]:
                return f"node {k} is not the captured leaf {nodes[k].label or k} any more"
            if x[1] != y[1] and x[2] != y[2]:
                return (
                    f"node {k} (a constant leaf) holds {float.fromhex(y[2])!r} instead of "
                    f"{float.fromhex(x[2])!r}"
                )
        elif x != y:
            what = nodes[k].op or "a leaf"
            return f"node {k} ('{what}' in the trace) differs"
    return ""


# -- code generation ----------------------------------------------------------------------------

# Rows whose partials are written out in the generated code: each entry is checked against the
# row's text (formula and derivatives), so a row that changes falls back to calling its own
# functions. tests/test_compile.py checks every entry against the row's functions bit for bit.
# Forward: the very expression of the row's forward; partials: one expression per parent, in
# the names out, x, y (for the n-ary rows the partials are operands, handled below).
_INLINE_FORWARD: dict[tuple[str, str], str] = {
    ("add", "x + y"): "{x} + {y}",
    ("sub", "x - y"): "{x} - {y}",
    ("mul", "x · y"): "{x} * {y}",
    ("neg", "-x"): "-{x}",
    ("relu", "max(x, 0)"): "{x} if {x} > 0.0 else 0.0",
}
_INLINE_PARTIALS: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {
    ("add", ("1", "1")): ("1.0", "1.0"),
    ("sub", ("1", "-1")): ("1.0", "-1.0"),
    ("mul", ("y", "x")): ("{y}", "{x}"),
    ("div", ("1/y", "-x/y²")): ("(1.0 / {y})", "(-{out} / {y})"),
    ("neg", ("-1",)): ("-1.0",),
    ("exp", ("e^x",)): ("{out}",),
    ("log", ("1/x",)): ("(1.0 / {x})",),
    ("relu", ("1 if x > 0 else 0",)): ("(1.0 if {x} > 0.0 else 0.0)",),
}
# Rows whose partials never raise where the forward pass succeeded: the generated code may skip
# them where no captured leaf needs the gradient. Any other row (x^y, x^c: no derivative at
# some bases) is always evaluated, so that the compiled code fails where the engine does.
_NEVER_RAISES = frozenset(
    ("add", "sub", "mul", "div", "neg", "exp", "log", "tanh", "sigmoid", "relu", "sum", "wsum",
     "wsumc")
)  # fmt: skip


#: Operands the written-out expressions are tried on against the row's own functions.
_PROBES = (
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -2.5,
    3.0,
    1e308,
    -1e308,
    5e-324,
    math.inf,
    -math.inf,
    math.nan,
)


def _outcome(fn: Callable[[], Any]) -> list[str] | str:
    """The bits of what ``fn`` returns, or the name of the error it raises."""
    try:
        result = fn()
    except (ArithmeticError, ValueError) as error:
        return type(error).__name__
    values = result if isinstance(result, (tuple, list)) else (result,)
    return [float(v).hex() for v in values]


def _agrees(templates: Sequence[str], rule: Rule, forward: bool) -> bool:
    """Whether the templates give the row's own results, bit for bit, on every pair of probes.

    Run once per row and process: a row whose function changed (nan now propagating through
    relu, say) while its text did not is then called, never written out wrongly.
    """
    unary = rule.name in ("neg", "exp", "log", "relu")
    for x in _PROBES:
        for y in (1.0,) if unary else _PROBES:
            args = (x,) if unary else (x, y)
            try:
                out = rule.forward(*args)
            except (ArithmeticError, ValueError):
                continue  # the forward pass refuses these operands: the code never gets here
            names = {"x": x, "y": y, "out": out}
            want = _outcome(lambda: out if forward else rule.partials(out, *args))  # noqa: B023
            exprs = [t.format(x="x", y="y", out="out") for t in templates]
            got = _outcome(lambda: [eval(e, {}, names) for e in exprs])  # noqa: B023
            if got != want:
                return False
    return True


@cache
def _inline_forward(rule: Rule) -> str | None:
    template = _INLINE_FORWARD.get((rule.name, rule.formula))
    return template if template is not None and _agrees([template], rule, True) else None


@cache
def _inline_partials(rule: Rule) -> tuple[str, ...] | None:
    template = _INLINE_PARTIALS.get((rule.name, rule.derivatives))
    if template is None or not _agrees(template, rule, False):
        return None
    return template


def _sum_terms(rule: Rule, ops: list[str], constants: Sequence[float]) -> list[str] | None:
    """The terms the sum rows hand to fsum, in the rows' order (w_k a_k products, then b)."""
    if (rule.name, rule.formula) == ("sum", "Σ_k x_k"):
        return ops
    if (rule.name, rule.formula) == ("wsum", "Σ_k w_k a_k + b"):
        n = (len(ops) - 1) // 2
        return [*(f"{w} * {a}" for w, a in zip(ops[:n], ops[n : 2 * n], strict=True)), ops[-1]]
    if (rule.name, rule.formula) == ("wsumc", "Σ_k w_k x_k + b"):
        ws = ops[:-1]
        xs = [_literal(c) for c in constants]
        return [*(f"{w} * {x}" for w, x in zip(ws, xs, strict=True)), ops[-1]]
    return None


# Where a Value keeps its number: a plain slot, or behind a ``data`` property (an engine that
# stamps assignments) whose getter only reads the slot ``_data``; the generated code reads it.
_DATA = "_data" if type(getattr(Value, "_data", None)).__name__ == "member_descriptor" else "data"


def _identifier(label: str) -> str:
    """A Python name read off a node's label: ``z_{0}^(2)`` -> ``z_0_2``."""
    name = re.sub(r"[^0-9A-Za-z]+", "_", label).strip("_")
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = f"v_{name}"
    return name


def _literal(x: float) -> str:
    """Python source for the float x exactly (repr round-trips); non-finite ones by name."""
    if math.isfinite(x):
        return f"({x!r})" if x < 0.0 or (x == 0.0 and math.copysign(1.0, x) < 0.0) else repr(x)
    return "_NAN" if math.isnan(x) else ("_INF" if x > 0.0 else "(-_INF)")


def _derivative_text(rule: Rule, i: int, n_parents: int) -> str:
    """The row's text for ∂out/∂parent_i, for the comment of a backward line."""
    texts = rule.derivatives
    if rule.name == "wsum":
        n = (n_parents - 1) // 2
        return texts[0 if i < n else 1 if i < 2 * n else 2]
    if rule.name == "wsumc":
        return texts[0 if i < n_parents - 1 else 1]
    return texts[i] if i < len(texts) else texts[-1]


class _Generator:
    """Builds the source of the forward+backward function of one traced graph."""

    def __init__(
        self,
        root: Value,
        shapes: list[int | None],
        arg_leaves: list[Value],
        captured: list[Value],
        watched: Sequence[Value] = (),
    ) -> None:
        self.root = root
        self.watched = list(watched)
        self.names: dict[int, str] = {}
        self.used: set[str] = set()
        self.consts: dict[int, str] = {}
        self.namespace: dict[str, Any] = {
            "_NAN": math.nan,
            "_INF": math.inf,
            "_fsum": math.fsum,
            "_sum": sum,
            "_NonFiniteError": _NonFiniteError,
        }
        self.rule_slots: dict[int, int] = {}
        self.captured = captured
        self.captured_index = {id(v): k for k, v in enumerate(captured)}
        # The parameters: a number argument by its leaf's name, a sequence as x<i>, unpacked.
        self.signature: list[str] = []
        self.unpacking: list[str] = []
        k = 0
        for i, size in enumerate(shapes):
            if size is None:
                self.signature.append(self._name(arg_leaves[k], arg_leaves[k].label))
                k += 1
                continue
            self.signature.append(f"x{i}")
            self.used.add(f"x{i}")
            names = [self._name(v, v.label) for v in arg_leaves[k : k + size]]
            k += size
            if names:
                comma = "," if len(names) == 1 else ""
                self.unpacking.append(f"    {', '.join(names)}{comma} = x{i}  # argument {i}")
        for v in captured:
            self._name(v, v.label or "p")
        nodes, count = _discover(root)
        self.order = _backward_order(root, count)
        self.forward_order = self.order[::-1]
        for v in nodes:
            if not v.parents and id(v) not in self.names:
                self.operand(v)  # a constant made inside f
        for v in self.forward_order:
            self._name(v, v.label if v is not root else v.label or "C")
        # need: some captured leaf lies below the node, so its gradient matters.
        self.need: dict[int, bool] = {id(v): id(v) in self.captured_index for v in nodes}
        for v in self.forward_order:
            self.need[id(v)] = any(self.need[id(p)] for p in v.parents)

    def _name(self, node: Value, label: str) -> str:
        base = _identifier(label) if label else f"t{len(self.names)}"
        name = base
        k = 1
        while name in self.used:
            k += 1
            name = f"{base}__{k}"
        self.used.add(name)
        self.names[id(node)] = name
        return name

    def operand(self, node: Value) -> str:
        """How the generated code reads a node's value: its variable, or a constant literal."""
        if id(node) in self.names:
            return self.names[id(node)]
        return self.consts.setdefault(id(node), _literal(node.data))

    def _row(self, rule: Rule, kind: str) -> str:
        """A name in the generated code's namespace for the row's forward or partials."""
        slot = self.rule_slots.setdefault(id(rule), len(self.rule_slots))
        name = f"_{kind}{slot}_{rule.name}"
        self.namespace[name] = rule.forward if kind == "F" else rule.partials
        return name

    def forward_line(self, node: Value) -> str:
        rule: Rule = node._rule  # type: ignore[assignment]
        ops = [self.operand(p) for p in node.parents]
        template = _inline_forward(rule)
        terms = _sum_terms(rule, ops, node.constants)
        if template is not None:
            expr = template.format(x=ops[0], y=ops[-1])
        elif terms is not None:
            expr = f"_fsum([{', '.join(terms)}])"
        else:
            ctx = [_literal(c) for c in node.constants]
            expr = f"{self._row(rule, 'F')}({', '.join([*ops, *ctx])})"
        return f"    {self.names[id(node)]} = {expr}  # {rule.symbol}: {rule.formula}"

    def partial_exprs(self, node: Value, lines: list[str]) -> list[str]:
        """Source for each partial of ``node``; may first append a line calling the row."""
        rule: Rule = node._rule  # type: ignore[assignment]
        ops = [self.operand(p) for p in node.parents]
        out = self.names[id(node)]
        if rule.name == "sum" and rule.derivatives == ("1",):
            return ["1.0"] * len(ops)
        if rule.name == "wsum" and rule.derivatives == ("a_k", "w_k", "1"):
            n = (len(ops) - 1) // 2
            return [*ops[n : 2 * n], *ops[:n], "1.0"]
        if rule.name == "wsumc" and rule.derivatives == ("x_k", "1"):
            return [*(_literal(c) for c in node.constants), "1.0"]
        template = _inline_partials(rule)
        if template is not None:
            return [t.format(x=ops[0], y=ops[-1], out=out) for t in template]
        d = f"d_{out}"
        args = ", ".join([out, *ops, *(_literal(c) for c in node.constants)])
        lines.append(f"    {d} = {self._row(rule, 'P')}({args})  # {rule.name}: the row's partials")
        return [f"{d}[{i}]" for i in range(len(ops))]

    def source(self, accumulate: bool) -> str:
        """The function's source: ``step(args)`` adds to ``.grad``; ``accumulate`` into a list."""
        root = self.root
        params = self.signature
        head = ", ".join([*params, "seed", "acc"] if accumulate else params)
        body = [f"def {'accumulate' if accumulate else 'step'}({head}):"]
        leaves = "".join(f"{self.names[id(v)]}, " for v in self.captured)
        if leaves:
            body.append(
                f"    ({leaves}) = [_p.{_DATA} for _p in _L]  # the captured leaves, as now"
            )
        body.extend(self.unpacking)
        body.append("    # forward pass")
        for v in self.forward_order:
            body.append(self.forward_line(v))
        out = self.operand(root)
        body.append("    # backward pass, in the engine's order")
        first: set[int] = set()
        if accumulate and self.captured:
            grads = "".join(f"dC_d{self.names[id(v)]}, " for v in self.captured)
            body.append(f"    ({grads}) = acc  # the sums so far")
            first.update(id(v) for v in self.captured)
        assigned: list[str] = []
        if root.parents:
            seed = "seed" if accumulate else "1.0"
            body.append(f"    dC_d{out} = {seed}  # the seed: ∂{out}/∂{out} = 1")
            assigned.append(f"dC_d{out}")
        need = self.need
        for v in self.order:
            rule: Rule = v._rule  # type: ignore[assignment]
            if not need[id(v)] and rule.name in _NEVER_RAISES:
                continue
            partials = self.partial_exprs(v, body)
            if partials and partials[0].startswith("d_"):
                # The row's partials, each one, go into the check too: a nan partial that only
                # an argument receives makes the engine's backward raise.
                assigned.extend(partials)
            g = f"dC_d{self.names[id(v)]}"
            for i, (p, d) in enumerate(zip(v.parents, partials, strict=True)):
                if not need[id(p)]:
                    continue
                gp = f"dC_d{self.names[id(p)]}"
                term = f"{g} * {d}"
                rhs = f"{gp} + {term}" if id(p) in first else term
                if id(p) not in first:
                    assigned.append(gp)
                first.add(id(p))
                what = _derivative_text(rule, i, len(v.parents))
                body.append(f"    {gp} = {rhs}  # {rule.symbol}: ∂/∂arg{i} = {what}")
        # Every number of the pass, summed: finite exactly when all are (or it overflowed). A
        # non-finite one sends the call to the engine, whose policy decides (raise or propagate).
        every = [self.names[id(v)] for v in self.forward_order] + assigned
        if every:
            body.append(f"    _s = _sum(({''.join(e + ', ' for e in every)}))  # all finite?")
            body.append("    if _s - _s:  # nan or inf somewhere: the engine's policy decides")
            body.append("        raise _NonFiniteError  # caught: the engine redoes the call")
        root_k = self.captured_index.get(id(root))
        totals = [f"dC_d{self.names[id(v)]}" for v in self.captured]
        if root_k is not None:  # the output is a captured leaf: its gradient is the seed
            totals[root_k] = f"{totals[root_k]} + seed" if accumulate else "1.0"
        if accumulate and totals:
            body.append(f"    acc[:] = ({''.join(t + ', ' for t in totals)})  # the new sums")
        elif totals:
            totals_src = "".join(t + ", " for t in totals)
            body.append(f"    for _p, _g in zip(_L, ({totals_src})):  # as backward() ends:")
            body.append("        _p.grad += _g  # each captured leaf's .grad += its gradient")
        if accumulate and self.watched:
            shown = ", ".join(self.operand(v) for v in self.watched)
            body.append(f"    return {out}, ({shown},)")
        else:
            body.append(f"    return {out}")
        return "\n".join(body) + "\n"


def _function(gen: _Generator, accumulate: bool) -> tuple[str, Callable[..., Any]]:
    """Generate and compile one of the two functions: its source and the function."""
    src = gen.source(accumulate)
    namespace = dict(gen.namespace)
    namespace["_L"] = tuple(gen.captured)
    exec(builtins.compile(src, "<autograd.compile>", "exec"), namespace)
    return src, namespace["accumulate" if accumulate else "step"]


def _nearby(a: object) -> object:
    """An argument moved by a few units in its 20th bit: the same branches, other constants."""
    if _is_scalar(a):
        x = float(a)  # type: ignore[arg-type]
        return x + max(abs(x), 1e-3) * 2.0**-20
    return [_nearby(x) for x in a]  # type: ignore[attr-defined]


def _nearby_difference(
    f: Callable[..., Value], args: Sequence[object], shape: list[Shape], nodes: Sequence[Value]
) -> str:
    """How the graph traced at nearby arguments differs from ``shape``; "" where it does not.

    A constant made from the arguments' data (softmax's shift by max z) differs; a branch on
    the data usually does not, so close to the example: ``check=True`` is the way to catch it.
    """
    try:
        out, arg_leaves = _trace(f, [_nearby(a) for a in args])
    except (ArithmeticError, ValueError):
        return ""  # no nearby graph to compare with: the trace stands
    near, _ = _discover(out)
    problem = _differences(shape, _shape(near, {id(v): k for k, v in enumerate(arg_leaves)}), nodes)
    if problem:
        return f"at arguments near the example, {problem}"
    return ""


# -- the compiled function ----------------------------------------------------------------------


class Compiled:
    """A traced function, replayed by generated code. Call it as the function it came from."""

    def __init__(
        self,
        f: Callable[..., Value],
        example_args: Sequence[object],
        watch: Callable[[], Sequence[Value]] | None = None,
    ) -> None:
        """Trace ``f`` (see ``compile``). ``watch``, called right after the first trace, names
        nodes of it whose values ``accumulate_watched`` returns too (a network's outputs)."""
        self.f = f
        first, arg_leaves = _trace(f, example_args)
        watched = list(watch()) if watch is not None else []
        second, arg_leaves2 = _trace(f, example_args)
        nodes, _ = _discover(first)
        nodes2, _ = _discover(second)
        arg_pos = {id(v): k for k, v in enumerate(arg_leaves)}
        shape = _shape(nodes, arg_pos)
        shape2 = _shape(nodes2, {id(v): k for k, v in enumerate(arg_leaves2)})
        problem = _differences(shape, shape2, nodes)
        if problem:
            raise TraceMismatchError(
                f"compile: f built two different graphs from the same arguments ({problem}); "
                "only a deterministic f can be compiled"
            )
        self._shape = shape
        # The shape holds ids: the traced nodes must stay alive so that no new Value reuses one.
        self._nodes_list = nodes
        self.shapes: list[int | None] = [
            None if _is_scalar(a) else len(a)  # type: ignore[arg-type]
            for a in example_args
        ]
        captured: list[Value] = []
        for v, s, s2 in zip(nodes, shape, shape2, strict=True):
            if s[0] == "leaf" and s[1] == s2[1]:
                captured.append(v)
        for v, v2 in zip(nodes, nodes2, strict=True):
            if v is v2 and v.parents:
                raise ValueError(
                    f"compile: f uses a Value computed before it ran ('{v.op}' node "
                    f"{v.label or '(unlabelled)'} = {v.data!r}); pass its inputs to f, or make "
                    "it inside f, so that its history is part of the trace"
                )
        #: The leaves the graph captured (they receive gradients), in the engine's order.
        self.leaves: tuple[Value, ...] = tuple(captured)
        #: Why f's graph depends on its arguments' data, if a trace at nearby arguments found
        #: it so ("" if not): then every call runs f on the engine instead of the trace.
        self.data_dependent = _nearby_difference(f, example_args, shape, nodes)
        self._generator = _Generator(first, self.shapes, arg_leaves, captured, watched)
        #: The generated program that ``c(*args)`` runs.
        self.source, self._step = _function(self._generator, accumulate=False)
        # Made on first use (Python's compiler takes tens of µs per line).
        self._accumulate: Callable[..., Any] | None = None
        self._watching = bool(watched)
        self._nodes = len(nodes)

    def _arguments(self, args: Sequence[object]) -> list[Any]:
        """The call's arguments as the generated code takes them, checked against the shapes."""
        if len(args) != len(self.shapes):
            raise TypeError(
                f"this compiled function takes {len(self.shapes)} arguments, got {len(args)}"
            )
        out: list[Any] = []
        for i, (a, size) in enumerate(zip(args, self.shapes, strict=True)):
            if size is None:
                if type(a) is not float:
                    if not _is_scalar(a):
                        raise TypeError(
                            f"compiled function: argument {i} must be a number, as when "
                            f"compiled, got {type(a).__name__} {a!r}"
                        )
                    a = float(a)  # type: ignore[arg-type]
                out.append(a)
                continue
            if not isinstance(a, Sequence) or isinstance(a, (str, bytes)) or len(a) != size:
                shown = f"{len(a)} items" if isinstance(a, Sequence) else type(a).__name__
                raise TypeError(
                    f"compiled function: argument {i} must be a sequence of {size} numbers, "
                    f"as when compiled, got {shown}"
                )
            if not set(map(type, a)) <= _ONLY_FLOAT:
                a = [_check_scalar(x, i, k) for k, x in enumerate(a)]
            out.append(a)
        return out

    def __call__(self, *args: Arg, check: bool = False) -> float:
        """The output's value; adds its gradient to ``.grad`` of every leaf in ``leaves``.

        With ``check=True`` the function also runs on the eager engine, and TraceMismatchError is
        raised (with no ``.grad`` changed) unless its graph, value and gradients are the trace's
        to the last bit.
        """
        flat = self._arguments(args)
        if self.data_dependent:
            out, _ = _trace(self.f, args)
            out.backward()
            return out.data
        if not check:
            try:
                return self._step(*flat)  # type: ignore[no-any-return]
            except (ArithmeticError, ValueError):
                # A failed domain check, or a nan or infinity anywhere: the engine redoes the
                # call, raising its own error (naming the operation) or propagating as it does.
                out, _ = _trace(self.f, args)
                out.backward()
                return out.data
        acc = [-0.0] * len(self.leaves)
        value = self.accumulate(flat, 1.0, acc)
        self._check(args, value, acc)
        for leaf, g in zip(self.leaves, acc, strict=True):
            leaf.grad += g
        return value

    def accumulate(self, args: Sequence[Arg], seed: float, acc: list[float]) -> float:
        """Back-propagate ``seed`` into ``acc`` (one float per leaf) instead of ``.grad``.

        ``acc[k]`` gets each contribution to ``leaves[k]`` added in the engine's order: start
        it at -0.0 (which adds exactly), and several calls (seeded by a sum's partials) sum as
        one backward pass through all their graphs would, visited in the order of the calls.
        """
        result = self.accumulate_watched(args, seed, acc)
        return result[0] if self._watching else result  # type: ignore[no-any-return]

    def accumulate_watched(self, args: Sequence[Arg], seed: float, acc: list[float]) -> Any:
        """``accumulate``, returning (value, watched values) when the trace watched nodes."""
        if self.data_dependent:
            raise TraceMismatchError(
                f"accumulate cannot replay this function: {self.data_dependent}"
            )
        if self._accumulate is None:
            self._accumulate = _function(self._generator, accumulate=True)[1]
        try:
            return self._accumulate(*self._arguments(args), seed, acc)
        except (ArithmeticError, ValueError) as e:
            self._fail_as_the_engine(args)
            raise TraceMismatchError(
                "the compiled code met a nan or an infinity that the engine lets through; "
                "run this call on the engine"
            ) from e

    def _fail_as_the_engine(self, args: Sequence[object]) -> None:
        """Run f and its backward pass eagerly, so that the engine's own error is raised.

        The generated code calls ``math.fsum`` where the sum rows wrap it with a message that
        names the operation; rather than copy those messages, a failed call is redone by the
        engine (without touching any ``.grad``). If the engine does not fail, the caller
        raises.
        """
        out, _ = _trace(self.f, args)
        if self.leaves:
            grad(out, self.leaves)

    def _check(self, args: Sequence[object], value: float, acc: list[float]) -> None:
        out, arg_leaves = _trace(self.f, args)
        nodes, _ = _discover(out)
        shape = _shape(nodes, {id(v): k for k, v in enumerate(arg_leaves)})
        captured = frozenset(id(v) for v in self.leaves)
        problem = _differences(self._shape, shape, self._nodes_list, captured)
        if problem:
            raise TraceMismatchError(
                f"the traced graph does not fit these arguments: {problem} (f's Python control "
                "flow, or a constant it makes, depends on the data; see autograd.compile)"
            )
        eager = grad(out, self.leaves) if self.leaves else ()
        # Bit-for-bit is the point here: compare the floats' exact representations.
        if out.data.hex() != value.hex():
            raise TraceMismatchError(
                f"compiled value {value!r} differs from the engine's {out.data!r}"
            )
        for k, (g, e) in enumerate(zip(acc, eager, strict=True)):
            if float(g).hex() != float(e).hex():
                leaf = self.leaves[k]
                raise TraceMismatchError(
                    f"compiled gradient of {leaf.label or f'leaf {k}'} is {g!r}, the engine's {e!r}"
                )

    def __repr__(self) -> str:
        return (
            f"<compiled {getattr(self.f, '__name__', 'function')}: {self._nodes} nodes, "
            f"{len(self.leaves)} captured leaves>"
        )


_ONLY_FLOAT = frozenset((float,))


def compile(f: Callable[..., Value], *example_args: Arg) -> Compiled:
    """Trace ``f`` on the example arguments and generate its forward and backward code.

    ``f`` takes one argument per example argument: a number is given to it as a ``Value``,
    a sequence of numbers as a list of ``Value``s; it returns a ``Value``. See the module's
    documentation for which functions compile correctly.

    >>> from autograd import Value, compile
    >>> w = Value(3.0, "w")
    >>> c = compile(lambda x: (w * x).tanh(), 0.5)
    >>> c(0.5) == (w * 0.5).tanh().data  # exactness is the point
    True
    >>> print(c.source.splitlines()[3])
        t2 = w * x0  # *: x · y
    """
    return Compiled(f, example_args)
