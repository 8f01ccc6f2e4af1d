"""``compile``: trace a function of Values once, then replay it as straight-line Python.

``c = compile(f, *example_args)`` calls ``f`` on fresh leaf Values holding the example
arguments (a float becomes one ``Value``, a sequence of floats a list of them), records the
graph ``f`` built, and generates the Python source (``c.source``) of that graph's forward
pass and then its backward pass, one line per operation, with no ``Value`` objects in
between. ``c(*args)`` runs it: it returns the output's value as a float and adds the gradient
to ``.grad`` of every leaf Value the graph *captured* (the leaves that existed before ``f`` ran,
such as a model's parameters; their current ``.data`` is read on every call), exactly as
``f(*args).backward()`` would, to the last bit. The pass is the body of a generator's
``while True`` loop: each call resumes the generator for one pass, which ends at a ``yield``
of the value (a plain function of that many variables would have its frame allocated anew at
every call, at a cost that grows with them).

Bit-for-bit equality holds because the generated code does what the engine does, in the
engine's order: every value comes from the row's own ``forward`` function in ``autograd.rules``,
or from the row's own expression written out (``+ - * neg relu``, ``x ** 2``, sigmoid's two
branches; each tried against the row's function on ordinary and special operands first, and
called instead where it disagrees), and for the sums the same terms handed to ``math.fsum``;
a call that fails, or meets a nan or an infinity anywhere, is redone by the engine, so that
its error or its IEEE propagation is the engine's, by its own non-finite policy. The backward
pass visits the nodes in the order ``autograd.backward_order`` gives, the order of the
engine's own backward. A contribution is ``upstream * partial`` (``upstream`` itself where the
partial is 1, as it is exactly; ``-upstream`` where it is -1), the partial from the row's
``partials``, written out on the same terms as the forward expressions (``1.0 / y``,
``out * σ(-x)``). Each gradient is one line, right after the last operation that contributes
to it: its contributions summed left to right in visiting order, the first one as it is,
which is how the engine adds them up. The captured leaves get ``.grad += total`` at the end,
one line each, after a check that every number of the pass is finite.

Which programs compile correctly: those whose graph has the same shape for every argument and
whose constants do not depend on the arguments. ``relu`` branches are fine (relu is one
primitive). Python control flow on ``.data`` is not: an ``if x.data > 0`` would take the
branch of the example arguments forever, and a constant made from data (``v - max(u.data for
u in zs)``, as ``nn.activations.softmax`` shifts its inputs) would be frozen at its traced
value. So ``compile`` finds such functions and does not replay them: a function that reads
the number of a Value (``.data`` or ``float()``, constants aside) while it builds its graph,
or whose graph or constants differ in a second trace at arguments a few units of the 20th bit
away (which also tells the captured leaves, the same objects in both graphs, from constants
made inside ``f``), is *data-dependent*: ``c.data_dependent`` says why, and every call of
``c`` runs ``f`` on the engine instead (the same numbers, at the engine's speed). Reading
``._data``, the engine's own slot, is not seen, nor is a number taken from outside the graph
(a global that changes between calls). ``c(*args, check=True)`` runs the traced program and
``f`` eagerly, and raises ``TraceMismatchError`` (changing no ``.grad``) if the graph ``f``
builds differs in shape or constants from the traced one, or if any number differs by a bit:
the way to see whether a data-dependent function's trace fits given arguments. A call that
meets a nan or an infinity is redone by the engine, so ``detect_anomaly`` and the engine's
non-finite policy hold. Not replayed:
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
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, cast

from autograd import rules
from autograd.engine import Value, backward_order, enable_grad, grad, reads_of_data
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
    out, flat, _ = _traced(f, args)
    return out, flat


def _traced(
    f: Callable[..., Value], args: Sequence[object]
) -> tuple[Value, list[Value], list[Value]]:
    """``_trace``, and the Values whose number ``f`` read while it ran (see reads_of_data)."""
    given, flat = _fresh_leaves(args)
    with enable_grad(), reads_of_data() as reads:
        out = f(*given)
    if not isinstance(out, Value):
        raise TypeError(f"compile: f must return a Value, got {type(out).__name__} {out!r}")
    return out, flat, reads


def _read_message(reads: Sequence[Value]) -> str:
    """Why a trace that read numbers may not fit other arguments, naming the first Value read."""
    v = reads[0]
    what = f"'{v.label}'" if v.label else (f"a '{v.op}' node" if v.op else "an argument or leaf")
    more = f" (and {len(reads) - 1} more)" if len(reads) > 1 else ""
    return (
        f"f read the number of {what}, {v._data!r}, while it built its graph{more} (.data or "
        "float()): its branches or constants may follow the data"
    )


class _Trace:
    """One run of ``f``: its operations in the engine's backward order, then its leaves."""

    __slots__ = ("args", "leaves", "nodes", "order", "reads", "root")

    def __init__(self, f: Callable[..., Value], args: Sequence[object]) -> None:
        self.root, self.args, self.reads = _traced(f, args)
        #: The nodes with parents, each before its parents, as ``backward`` processes them.
        self.order = backward_order(self.root)
        #: The leaves, each once, in the order the operations above first use them.
        self.leaves: list[Value] = (
            list(dict.fromkeys([p for v in self.order for p in v.parents if not p.parents]))
            if self.order
            else [self.root]
        )
        self.nodes = self.order + self.leaves


def _same_bits(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Whether two tuples of floats hold the same floats, bit for bit (nan equal to nan)."""
    if a == b and 0.0 not in a:  # equal values, and no zero whose sign could differ
        return True
    return len(a) == len(b) and list(map(float.hex, a)) == list(map(float.hex, b))


def _same_constants(a: list[tuple[float, ...]], b: list[tuple[float, ...]]) -> bool:
    """``_same_bits`` for each pair, the common case (equal, and no zero) at C speed."""
    if a == b and not any(0.0 in c for c in a if c):
        return True
    return all(map(_same_bits, a, b))


def _differences(a: _Trace, b: _Trace, captured: frozenset[Value] = frozenset()) -> str:
    """Where two traces differ (captured leaves by identity, constants by value); "" if nowhere.

    Node k of one is node k of the other: the same rule, the same constants, and its parents
    the images of the other's parents.
    """
    if len(a.order) != len(b.order) or len(a.leaves) != len(b.leaves):
        return f"the graph has {len(b.nodes)} nodes instead of {len(a.nodes)}"
    image = dict(zip(a.nodes, b.nodes, strict=True))
    get = image.get
    same = (
        [x._rule for x in a.order] == [y._rule for y in b.order]
        and [tuple(map(get, x.parents)) for x in a.order] == [y.parents for y in b.order]
        and _same_constants([x._ctx for x in a.order], [y._ctx for y in b.order])
    )
    if not same:
        k = next(
            k
            for k, (x, y) in enumerate(zip(a.order, b.order, strict=True))
            if x._rule is not y._rule
            or tuple(map(get, x.parents)) != y.parents
            or not _same_bits(x._ctx, y._ctx)
        )
        return f"node {k} ('{a.order[k].op}' in the trace) differs"
    arg_a = {v: k for k, v in enumerate(a.args)}
    arg_b = {v: k for k, v in enumerate(b.args)}
    for k, (x, y) in enumerate(zip(a.leaves, b.leaves, strict=True), len(a.order)):
        if x is y:
            continue
        if x in arg_a or y in arg_b:
            if arg_a.get(x) != arg_b.get(y):
                return f"node {k} (a leaf) differs: an argument in one graph only"
        elif x in captured:
            return f"node {k} is not the captured leaf {x.label or k} any more"
        elif x._data.hex() != y._data.hex():
            return f"node {k} (a constant leaf) holds {y._data!r} instead of {x._data!r}"
    return ""


# -- code generation ----------------------------------------------------------------------------

# Rows whose partials are written out in the generated code: each entry is checked against the
# row's text (formula and derivatives), so a row that changes falls back to calling its own
# functions. tests/test_compile.py checks every entry against the row's functions bit for bit.
# Forward: the very expression of the row's forward; partials: one expression per parent, in
# the names out, x, y (for the n-ary rows the partials are operands, handled below).
# σ's two branches as the row computes them (e^t with t <= 0 never overflows), e^x twice
# rather than in a variable of its own.
_SIGMOID = "1.0 / (1.0 + _exp(-{x})) if {x} >= 0.0 else _exp({x}) / (1.0 + _exp({x}))"
_INLINE_FORWARD: dict[tuple[str, str], str] = {
    ("add", "x + y"): "{x} + {y}",
    ("sub", "x - y"): "{x} - {y}",
    ("mul", "x · y"): "{x} * {y}",
    ("neg", "-x"): "-{x}",
    ("relu", "max(x, 0)"): "{x} if {x} > 0.0 else 0.0",
    ("sigmoid", "σ(x)"): _SIGMOID,
}
# Rows with a constant of their own (x ** c, one row per exponent): the forward in x and c, and
# the partials of the rows for these constants only (the row's text does not tell c exactly).
_INLINE_CONSTANT_FORWARD: dict[str, str] = {"powc": "{x} ** {c}"}
_INLINE_CONSTANT_PARTIALS: dict[tuple[str, float], tuple[str, ...]] = {
    ("powc", 2.0): ("(2.0 * {x})",),
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
    ("sigmoid", ("σ(x)(1 - σ(x))",)): ("({out} * _sigmoid(-{x}))",),
    ("tanh", ("1 - tanh²x",)): ("(4.0 * _sigmoid(2.0 * {x}) * _sigmoid(-2.0 * {x}))",),
}
#: The functions the written-out partials call: σ on floats, as the rows' partials compute it.
_HELPERS: dict[str, Any] = {"_sigmoid": rules.SIGMOID.forward, "_exp": math.exp}
# Rows whose partials never raise where the forward pass succeeded: the generated code may skip
# them where no captured leaf needs the gradient. Any other row (x^y, x^c: no derivative at
# some bases) is always evaluated, so that the compiled code fails where the engine does.
_NEVER_RAISES = frozenset(
    ("add", "sub", "mul", "div", "neg", "exp", "log", "tanh", "sigmoid", "relu", "sum", "wsum",
     "wsumc")
)  # fmt: skip


#: Operands the written-out expressions are tried on against the row's own functions: every
#: one as x, and as y (of a row of two arguments) the ones that tell IEEE cases apart.
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
_Y_PROBES = (0.0, -0.0, -2.5, 1e308, 5e-324, -math.inf, math.nan)


def _outcome(fn: Callable[[], Any]) -> tuple[float, ...] | str:
    """What ``fn`` returns, as a tuple of floats, or the name of the error it raises."""
    try:
        result = fn()
    except (ArithmeticError, ValueError) as error:
        return type(error).__name__
    return tuple(map(float, result)) if isinstance(result, (tuple, list)) else (float(result),)


def _same_outcome(a: tuple[float, ...] | str, b: tuple[float, ...] | str) -> bool:
    """Whether two outcomes are one error, or the same floats bit for bit."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return _same_bits(a, b)


def _agrees(templates: Sequence[str], rule: Rule, forward: bool) -> bool:
    """Whether the templates give the row's own results, bit for bit, on every pair of probes.

    Run once per row and process: a row whose function changed (nan now propagating through
    relu, say) while its text did not is then called, never written out wrongly. A row of one
    argument has templates in x (and out) only. Where the row's forward refuses the operands,
    a written-out forward must fail too (raise, or give a nan or an infinity, which the
    generated code hands to the engine); written-out partials are never reached there.
    """
    unary = all("{y}" not in t for t in templates) and (forward or len(templates) == 1)
    exprs = "".join(t.format(x="x", y="y", out="out") + ", " for t in templates)
    try:
        # One function for all the probes: compiling an expression per probe would cost more
        # than the compilation of a whole graph.
        written = eval(f"lambda x, y, out: ({exprs})", dict(_HELPERS))
        for x in _PROBES:
            for y in (1.0,) if unary else _Y_PROBES:
                args = (x,) if unary else (x, y)
                out = _outcome(lambda: rule.forward(*args))  # noqa: B023
                if isinstance(out, str):  # the row refuses these operands
                    if forward and not _fails(_outcome(lambda: written(x, y, 0.0))):  # noqa: B023
                        return False
                    continue
                want = out if forward else _outcome(lambda: rule.partials(out[0], *args))  # noqa: B023
                if not _same_outcome(_outcome(lambda: written(x, y, out[0])), want):  # noqa: B023
                    return False
    except Exception:  # a template that cannot even run (a complex result, say) does not agree
        return False
    return True


def _fails(outcome: tuple[float, ...] | str) -> bool:
    """Whether an outcome of ``_outcome`` is an error or holds a nan or an infinity."""
    return isinstance(outcome, str) or not all(map(math.isfinite, outcome))


# The templates found for each row, by identity: a Rule is a frozen dataclass, whose hash
# (what functools.cache would key on) hashes every field at every lookup. The row is kept, so
# that its id is not reused.
_FOUND: dict[tuple[int, bool], tuple[Rule, Any]] = {}


def _memo(rule: Rule, forward: bool, find: Callable[[], Any]) -> Any:
    """What ``find()`` gives for the row's forward (or partials) templates, found once."""
    found = _FOUND.get((id(rule), forward))
    if found is not None and found[0] is rule:
        return found[1]
    template = find()
    if template is not None and not _agrees([template] if forward else template, rule, forward):
        template = None
    _FOUND[id(rule), forward] = (rule, template)
    return template


def _inline_forward(rule: Rule) -> str | None:
    """The written-out forward of the row, if it has one that gives the row's bits."""

    def find() -> str | None:
        if rule.constant is None:
            return _INLINE_FORWARD.get((rule.name, rule.formula))
        written = _INLINE_CONSTANT_FORWARD.get(rule.name)
        return None if written is None else written.replace("{c}", _literal(rule.constant))

    return cast("str | None", _memo(rule, True, find))


def _inline_partials(rule: Rule) -> tuple[str, ...] | None:
    """The written-out partials of the row, if it has some that give the row's bits."""

    def find() -> tuple[str, ...] | None:
        if rule.constant is None:
            return _INLINE_PARTIALS.get((rule.name, rule.derivatives))
        return _INLINE_CONSTANT_PARTIALS.get((rule.name, rule.constant))

    return cast("tuple[str, ...] | None", _memo(rule, False, find))


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


#: Bytes to themselves if a letter or a digit, to a space if not: label separators.
_SEPARATORS = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256))


@lru_cache(maxsize=1 << 16)
def _identifier(label: str) -> str:
    """A Python name read off a node's label: ``z_{0}^(2)`` -> ``z_0_2``."""
    if label.isascii():  # the common case, without the regular expression's cost
        name = "_".join(label.encode().translate(_SEPARATORS).decode().split())
    else:
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


def _filler(templates: Sequence[str]) -> Callable[[str, str, str], list[str]]:
    """The templates as one function of the names x, y and out, filling each in: f-strings,
    which are filled faster than ``str.format`` with keywords (once per node of a graph)."""
    texts = ", ".join(f"f{t!r}" for t in templates)
    return eval(f"lambda x, y, out: [{texts}]")  # type: ignore[no-any-return]


class _RowCode:
    """What the generated code writes for one row: its templates and the comments."""

    __slots__ = (
        "comment", "comments", "fixed_partials", "forward", "partials", "partials_kind", "rule",
    )  # fmt: skip

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        forward = _inline_forward(rule)
        partials = _inline_partials(rule)
        #: The templates as functions of the operands' and the result's names.
        self.forward = None if forward is None else _filler([forward])
        self.partials = None if partials is None else _filler(partials)
        #: Written-out partials that are numbers (+, -, neg): the same for every node.
        self.fixed_partials = (
            list(partials) if partials is not None and not any("{" in t for t in partials) else None
        )
        #: The n-ary rows whose partials are 1 or the operands themselves.
        self.partials_kind = _NARY_PARTIALS.get((rule.name, rule.derivatives), "")
        self.comment = f"{rule.symbol}: {rule.formula}"
        self.comments: dict[int, list[str]] = {}

    def backward_comments(self, n_parents: int) -> list[str]:
        """The comments of the backward lines of a node of this row, one per argument."""
        texts = self.comments.get(n_parents)
        if texts is None:
            texts = self.comments[n_parents] = [
                f"{self.rule.symbol}: ∂/∂arg{i} = {_derivative_text(self.rule, i, n_parents)}"
                for i in range(n_parents)
            ]
        return texts


#: The n-ary rows whose partials the code writes as 1 or as the operands, by their texts.
_NARY_PARTIALS = {
    ("sum", ("1",)): "sum",
    ("wsum", ("a_k", "w_k", "1")): "wsum",
    ("wsumc", ("x_k", "1")): "wsumc",
}

#: Terms per line of a long sum (a gradient's contributions, the finiteness check): more
#: would nest the expression deeper than Python's compiler goes.
_CHAIN = 100
_READS = 20
#: The indentation of the generated pass: the body of the generator's loop.
_IN = " " * 8


class _Generator:
    """Builds the source of the forward+backward pass of one traced graph."""

    def __init__(
        self,
        trace: _Trace,
        shapes: list[int | None],
        captured: list[Value],
        watched: Sequence[Value] = (),
    ) -> None:
        root = self.root = trace.root
        arg_leaves = trace.args
        self.watched = list(watched)
        self.names: dict[Value, str] = {}
        # The names the generated code gives its own variables and parameters are not free.
        self.used: set[str] = {"seed", "acc", "step", "accumulate"}
        self.consts: dict[Value, str] = {}
        self.suffixes: dict[str, int] = {}  # the last k of base__k, so that naming stays linear
        self.namespace: dict[str, Any] = {
            "_NAN": math.nan,
            "_INF": math.inf,
            "_fsum": math.fsum,
            "_sum": sum,
            "_max": max,
            "_map": map,
            "_abs": abs,
            "_NonFiniteError": _NonFiniteError,
            **_HELPERS,
        }
        self.rule_slots: dict[int, int] = {}
        self.rows: dict[int, _RowCode] = {}
        self.operands: dict[Value, list[str]] = {}
        self.partial_names: dict[Value, str] = {}  # the tuple of a row's partials, when called
        self.captured = captured
        self.captured_index = {v: k for k, v in enumerate(captured)}
        # The parameters: a number argument by its leaf's name, a sequence as x<i>, unpacked.
        self.signature: list[str] = []
        self.unpacking: list[tuple[str, str]] = []
        self.arguments: dict[tuple[str, ...], str] = {}  # a sequence argument's names: x<i>
        k = 0
        for i, size in enumerate(shapes):
            if size is None:
                self.signature.append(self._name(arg_leaves[k], arg_leaves[k].label))
                k += 1
                continue
            self.signature.append(f"x{i}")
            self.used.add(f"x{i}")
            names = [self._name(v, v.label) for v in arg_leaves[k : k + size]]
            self.arguments[tuple(names)] = f"x{i}"
            k += size
            if names:
                comma = "," if len(names) == 1 else ""
                self.unpacking.append((f"{_IN}{', '.join(names)}{comma} = x{i}", f"argument {i}"))
        self._name_all(captured, [_identifier(v.label) if v.label else "p" for v in captured])
        self.order = trace.order
        self.forward_order = self.order[::-1]
        for v in trace.leaves:
            if v not in self.names:
                self.operand(v)  # a constant made inside f
        for v in self.forward_order:
            self._name(v, v.label if v is not root else v.label or "C")
        # A gradient is dC_d and its node's name, unless a label made a name like that too.
        clash = any(name.startswith("dC_d") for name in self.used)
        self.dnames = {
            v: self._unique(f"dC_d{name}") if clash else f"dC_d{name}"
            for v, name in self.names.items()
        }
        #: The generator's names for the captured leaves' Values: V_ and the number's name.
        self.leaf_values = self._unique_all([f"V_{self.names[v]}" for v in captured])
        # need: some captured leaf lies below the node, so its gradient matters.
        need = self.need = dict.fromkeys(trace.leaves, False)
        need.update(dict.fromkeys(captured, True))
        get = need.__getitem__
        for v in self.forward_order:
            need[v] = any(map(get, v.parents))

    def _name(self, node: Value, label: str) -> str:
        name = self.names[node] = self._unique(
            _identifier(label) if label else f"t{len(self.names)}"
        )
        return name

    def _name_all(self, nodes: Sequence[Value], bases: list[str]) -> None:
        """Name each node after its base, as ``_name`` would, all at once."""
        self.names.update(zip(nodes, self._unique_all(bases), strict=True))

    def _unique_all(self, bases: list[str]) -> list[str]:
        """``_unique`` of each base in turn; at C speed where none is taken."""
        if len(set(bases)) == len(bases) and self.used.isdisjoint(bases):
            self.used.update(bases)
            return bases
        return [self._unique(b) for b in bases]

    def _unique(self, base: str) -> str:
        """``base``, or ``base__k``, whichever no other variable is called."""
        if base not in self.used:
            self.used.add(base)
            return base
        name = base
        k = self.suffixes.get(base, 1)
        while name in self.used:
            k += 1
            name = f"{base}__{k}"
        self.suffixes[base] = k
        self.used.add(name)
        return name

    def operand(self, node: Value) -> str:
        """How the generated code reads a node's value: its variable, or a constant literal."""
        name = self.names.get(node)
        if name is not None:
            return name
        return self.consts.setdefault(node, _literal(node._data))

    def _row(self, rule: Rule, kind: str) -> str:
        """A name in the generated code's namespace for the row's forward or partials."""
        slot = self.rule_slots.setdefault(id(rule), len(self.rule_slots))
        name = f"_{kind}{slot}_{rule.name}"
        self.namespace[name] = rule.forward if kind == "F" else rule.partials
        return name

    def _code(self, rule: Rule) -> _RowCode:
        """What this graph's code writes for the row (worked out once per row)."""
        code = self.rows.get(id(rule))
        if code is None:
            code = self.rows[id(rule)] = _RowCode(rule)
        return code

    def _operands(self, node: Value) -> list[str]:
        ops = self.operands.get(node)
        if ops is None:
            ops = self.operands[node] = [self.operand(p) for p in node.parents]
        return ops

    def forward_line(self, node: Value) -> str:
        """The line computing ``node``'s value (its comment is the row's ``comment``)."""
        rule: Rule = node._rule  # type: ignore[assignment]
        code = self._code(rule)
        ops = self._operands(node)
        if code.forward is not None:
            expr = code.forward(ops[0], ops[-1], "")[0]
        else:
            terms = _sum_terms(rule, ops, node._ctx)
            if terms is not None:
                expr = f"_fsum([{', '.join(terms)}])"
            else:
                ctx = [_literal(c) for c in node._ctx]
                expr = f"{self._row(rule, 'F')}({', '.join([*ops, *ctx])})"
        return f"{_IN}{self.names[node]} = {expr}"

    def partial_exprs(self, node: Value, lines: _Lines) -> list[str]:
        """Source for each partial of ``node``; may first add a line calling the row."""
        rule: Rule = node._rule  # type: ignore[assignment]
        code = self._code(rule)
        ops = self._operands(node)
        kind = code.partials_kind
        if kind == "sum":
            return ["1.0"] * len(ops)
        if kind == "wsum":
            n = (len(ops) - 1) // 2
            return [*ops[n : 2 * n], *ops[:n], "1.0"]
        if kind == "wsumc":
            return [*(_literal(c) for c in node._ctx), "1.0"]
        if code.fixed_partials is not None:
            return code.fixed_partials
        out = self.names[node]
        if code.partials is not None:
            return code.partials(ops[0], ops[-1], out)
        d = self.partial_names.get(node)
        if d is None:
            d = self.partial_names[node] = self._unique(f"d_{out}")
        args = ", ".join([out, *ops, *(_literal(c) for c in node._ctx)])
        lines.add(f"{_IN}{d} = {self._row(rule, 'P')}({args})", f"{rule.name}: the row's partials")
        return [f"{d}[{i}]" for i in range(len(ops))]

    def source(self, accumulate: bool) -> _Lines:
        """The generator's lines: ``step`` adds to ``.grad``, ``accumulate`` into a list.

        A generator rather than a function: a frame of thousands of variables would be
        allocated afresh at every call of a function (CPython 3.11 on), while a generator
        keeps its frame; each call of the compiled function resumes it for one pass.
        """
        root = self.root
        names = self.names
        dnames = self.dnames
        lines = _Lines()
        add = lines.add
        params = [*self.signature, "seed", "acc"] if accumulate else self.signature
        add(f"def {'accumulate' if accumulate else 'step'}({', '.join(params)}):", "")
        if self.leaf_values:
            add(f"    {', '.join(self.leaf_values)}, = _L", "the captured leaves' Values, once")
        add("    while True:", "one pass per call, resumed at the yield below")
        # Unpacking into names without parentheses, which Python's parser reads much faster.
        # One assignment per leaf, _READS a line: three bytecodes a leaf, where a list
        # comprehension unpacked into the names took three times as long.
        reads = [
            f"{names[v]} = {value}.{_DATA}"
            for v, value in zip(self.captured, self.leaf_values, strict=True)
        ]
        for k in range(0, len(reads), _READS):
            add(f"{_IN}{'; '.join(reads[k : k + _READS])}", "the captured leaves, as now")
        for line, comment in self.unpacking:
            add(line, comment)
        add("", "forward pass")
        codes, comments = lines.codes, lines.comments
        codes.extend(map(self.forward_line, self.forward_order))
        comments.extend([self._code(v._rule).comment for v in self.forward_order])  # type: ignore[arg-type]
        out = self.operand(root)
        add("", "backward pass, in the engine's order")
        first: set[Value] = set()
        if accumulate and self.captured:
            grads = "".join(f"{dnames[v]}, " for v in self.captured).rstrip(" ")
            add(f"{_IN}{grads} = acc", "the sums so far")
            first.update(self.captured)
        # The numbers the finiteness check reads: every value, every gradient assigned.
        checked = [names[v] for v in self.forward_order]
        if root.parents:
            add(
                f"{_IN}{dnames[root]} = {'seed' if accumulate else '1.0'}",
                f"the seed: ∂{out}/∂{out} = 1",
            )
            checked.append(dnames[root])
        need = self.need
        captured_index = self.captured_index
        # Each gradient is one line, written right after the last operation that contributes
        # to it: its contributions upstream · partial in the engine's visiting order, summed
        # left to right, which is how the engine adds them up (the first one as it is).
        # How many operations use each node: a gradient's line is written once they all have
        # contributed (right away for most, which have one).
        uses = Counter([p for v in self.order for p in v.parents])
        terms: dict[Value, list[str]] = {}
        notes: dict[Value, list[str]] = {}
        # A captured weight of a weighted sum whose only contribution is g · a_k is not summed
        # into the check one by one: g · max_k |a_k| is finite exactly when no g · a_k
        # overflows (rounding is monotone; g and every a_k are checked themselves, a
        # non-finite a_k making the sum z non-finite). ``bounded``: each such node's g and
        # the operands a_k; ``covered``: the weights whose one contribution it bounds.
        bounded: dict[str, tuple[str, ...]] = {}
        covered: set[Value] = set()
        for v in self.order:
            rule: Rule = v._rule  # type: ignore[assignment]
            if not need[v] and rule.name in _NEVER_RAISES:
                continue
            called = len(codes)
            partials = self.partial_exprs(v, lines)
            if len(codes) > called:  # a line calling the row's partials
                # The row's partials, each one, go into the check too: a nan partial that only
                # an argument receives makes the engine's backward raise.
                checked.extend(partials)
            g = dnames[v]
            code = self._code(rule)
            weights = (len(partials) - 1) // 2 if code.partials_kind == "wsum" else 0
            texts = code.backward_comments(len(partials))
            start = 0
            ws = v.parents[:weights]
            if (
                weights
                and not accumulate
                and all(map(captured_index.__contains__, ws))
                and all(map((1).__eq__, map(uses.__getitem__, ws)))
            ):
                # A weighted sum's weights, each used here only (a layer of a network): the
                # loop below, for all of them at once.
                a_k = partials[:weights]
                codes.extend(
                    [f"{_IN}{dnames[w]} = {g} * {a}" for w, a in zip(ws, a_k, strict=True)]
                )
                comments.extend(texts[:weights])
                covered.update(ws)
                bounded[g] = tuple(a_k)  # ∂z/∂w_k = a_k
                start = weights
            for i in range(start, len(partials)):
                p, d, text = v.parents[i], partials[i], texts[i]
                if not need[p]:
                    continue
                # g · 1 is g and g · (-1) is -g exactly, in every case: no multiplication.
                term = g if d == "1.0" else f"-{g}" if d == "-1.0" else f"{g} * {d}"
                gp = dnames[p]
                if uses[p] == 1 and p not in first:  # its only contribution: the line now
                    codes.append(f"{_IN}{gp} = {term}")
                    comments.append(text)
                    if p not in captured_index:
                        checked.append(gp)
                    elif i < weights and not accumulate:
                        covered.add(p)
                        bounded[g] = tuple(partials[:weights])  # ∂z/∂w_k = a_k
                    continue
                ts = terms.get(p)
                if ts is None:
                    # accumulate: a captured leaf's sum so far comes first
                    ts = terms[p] = [gp, term] if p in first else [term]
                    notes[p] = [text]
                else:
                    ts.append(term)
                    notes[p].append(text)
                if len(notes[p]) == uses[p]:  # the last contribution: the sum, in order
                    codes.extend(_sum_lines(gp, ts))
                    comments.extend([_summed(notes[p])] * (len(codes) - len(comments)))
                    if p not in captured_index:
                        checked.append(gp)
        totals = [dnames[v] for v in self.captured]
        root_k = captured_index.get(root)
        if root_k is not None:  # the output is a captured leaf: its gradient is the seed
            totals[root_k] = f"{totals[root_k]} + seed" if accumulate else "1.0"
        if accumulate and totals:
            gradients = "".join(t + ", " for t in totals).rstrip(" ")
            add(f"{_IN}_G = {gradients}", "the leaves' gradients, as a tuple")
            checked.append("_sum(_G)")
        elif totals:
            checked.extend(
                t
                for v, t in zip(self.captured, totals, strict=True)
                if t != "1.0" and v not in covered
            )
            largest: dict[tuple[str, ...], str] = {}
            for g, operands in bounded.items():
                m = largest.get(operands)
                if m is None:
                    m = largest[operands] = self._unique(f"_m{len(largest)}")
                    whole = self.arguments.get(operands)  # all of an argument: the list itself
                    of = whole if whole is not None else f"({', '.join(operands)},)"
                    add(f"{_IN}{m} = _max(_map(_abs, {of}))", "the largest |a_k| of these inputs")
                checked.append(f"{g} * {m}")
        # Every number of the pass, summed: finite exactly when all are (or it overflowed). A
        # non-finite one sends the call to the engine, whose policy decides (raise or propagate).
        if checked:
            # Chains of + (Python reads a + b faster than a tuple), _CHAIN terms a line.
            for k in range(0, len(checked), _CHAIN):
                chain = " + ".join(checked[k : k + _CHAIN])
                line = f"_s = {chain}" if k == 0 else f"_s += {chain}"
                add(f"{_IN}{line}", "all finite? (the sum of every number so far)")
            add(f"{_IN}if _s - _s:", "nan or inf somewhere: the engine's policy decides")
            add(f"{_IN}    raise _NonFiniteError", "caught: the engine redoes the call")
        if accumulate and totals:
            add(f"{_IN}acc[:] = _G", "the new sums")
        else:
            # One line per leaf: cheaper per leaf than a loop over them.
            codes.extend(
                [f"{_IN}{v}.grad += {t}" for v, t in zip(self.leaf_values, totals, strict=True)]
            )
            comments.extend(["as backward() ends: .grad += ∂C/∂leaf"] * len(totals))
        value = out
        if accumulate and self.watched:
            value = f"{out}, ({''.join(self.operand(v) + ', ' for v in self.watched)})"
        resumed = ", ".join(params)
        if resumed:
            add(f"{_IN}{resumed} = yield {value}", "the value; the next call's arguments")
        else:
            add(f"{_IN}yield {value}", "the value, to the caller")
        return lines


def _sum_lines(target: str, terms: list[str]) -> list[str]:
    """``target = t0 + t1 + ...``, a hundred terms a line at most: the sum evaluated left to
    right, as the engine adds contributions one after the other (``x - g`` for ``x + -g``,
    which is the same IEEE operation)."""
    out = []
    for k in range(0, len(terms), _CHAIN):
        chunk = terms[k : k + _CHAIN] if k == 0 else [target, *terms[k : k + _CHAIN]]
        rest = "".join(f" - {t[1:]}" if t[0] == "-" else f" + {t}" for t in chunk[1:])
        out.append(f"{_IN}{target} = {chunk[0]}{rest}")
    return out


def _summed(texts: list[str]) -> str:
    """The comment of a gradient's line: the rule of each contribution, repeats counted."""
    counted: dict[str, int] = {}
    for t in texts:
        counted[t] = counted.get(t, 0) + 1
    return "; ".join(t if n == 1 else f"{t} (×{n})" for t, n in counted.items())


class _Lines:
    """Generated lines, each as code and comment: the code is compiled without the comments
    (the same program line for line, read faster), and shown with them."""

    __slots__ = ("codes", "comments")

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.comments: list[str] = []

    def add(self, code: str, comment: str) -> None:
        self.codes.append(code)
        self.comments.append(comment)

    def code(self) -> str:
        return "\n".join(self.codes) + "\n"

    def text(self) -> str:
        """The lines with their comments, aligned as a person would write them."""
        return "".join(
            f"{c}  # {n}\n" if c.strip() and n else f"{c or _IN}# {n}\n" if n else f"{c}\n"
            for c, n in zip(self.codes, self.comments, strict=True)
        )


def _function(gen: _Generator, accumulate: bool) -> tuple[_Lines, Callable[..., Any]]:
    """Generate and compile one of the two generator functions: its lines and the function."""
    lines = gen.source(accumulate)
    namespace = dict(gen.namespace)
    namespace["_L"] = tuple(gen.captured)
    exec(builtins.compile(lines.code(), "<autograd.compile>", "exec"), namespace)
    return lines, namespace["accumulate" if accumulate else "step"]


def _run(function: Callable[..., Any], idle: list[Callable[[Any], Any]], args: list[Any]) -> Any:
    """One pass of a generated generator: resume an idle one with ``args``, or start one.

    A generator that raised is finished and not kept; two threads (or a call made while
    another is running) each get their own.
    """
    try:
        send = idle.pop()
    except IndexError:
        generator = function(*args)
        result = next(generator)
        idle.append(generator.send)
        return result
    result = send(args[0] if len(args) == 1 else args)
    idle.append(send)
    return result


def _nearby(a: object) -> object:
    """An argument moved by a few units in its 20th bit: the same branches, other constants."""
    if _is_scalar(a):
        x = float(a)  # type: ignore[arg-type]
        return x + max(abs(x), 1e-3) * 2.0**-20
    return [_nearby(x) for x in a]  # type: ignore[attr-defined]


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
        first = _Trace(f, example_args)
        watched = list(watch()) if watch is not None else []
        #: Why f's graph depends on its arguments' data, if a trace at nearby arguments found
        #: it so ("" if not): then every call runs f on the engine instead of the trace.
        self.data_dependent = ""
        # The second trace, at arguments a little away from the example, finds the captured
        # leaves (the same objects in both) and constants made from the data; only if the
        # two differ is f traced again at the example, to tell which of the two it is.
        near: _Trace | None
        try:
            near = _Trace(f, [_nearby(a) for a in example_args])
        except (ArithmeticError, ValueError):
            near = None  # no nearby graph to compare with: the trace stands
        problem = _differences(first, near) if near is not None else "no nearby graph"
        second = near if near is not None and not problem else _Trace(f, example_args)
        if problem:
            same = _differences(first, second)
            if same:
                raise TraceMismatchError(
                    f"compile: f built two different graphs from the same arguments ({same}); "
                    "only a deterministic f can be compiled"
                )
            if near is not None:
                self.data_dependent = f"at arguments near the example, {problem}"
        if first.reads and not self.data_dependent:
            self.data_dependent = _read_message(first.reads)
        # The first trace stays: check=True compares new traces with it.
        self._trace = first
        self.shapes: list[int | None] = [
            None if _is_scalar(a) else len(a)  # type: ignore[arg-type]
            for a in example_args
        ]
        for v, v2 in zip(first.order, second.order, strict=True):
            if v is v2:
                raise ValueError(
                    f"compile: f uses a Value computed before it ran ('{v.op}' node "
                    f"{v.label or '(unlabelled)'} = {v._data!r}); pass its inputs to f, or make "
                    "it inside f, so that its history is part of the trace"
                )
        captured = [v for v, v2 in zip(first.leaves, second.leaves, strict=True) if v is v2]
        #: The leaves the graph captured (they receive gradients), in the engine's order.
        self.leaves: tuple[Value, ...] = tuple(captured)
        self._generator = _Generator(first, self.shapes, captured, watched)
        # Each program is made on first use (or by ``generate``): compiling a program the
        # size of the graph is most of compile's time, and batch training uses only one.
        self._lines: _Lines | None = None
        self._step: Callable[..., Any] | None = None
        self._source = ""
        self._steps: list[Callable[[Any], Any]] = []
        self._accumulate: Callable[..., Any] | None = None
        self._accumulates: list[Callable[[Any], Any]] = []
        self._watching = bool(watched)
        self._nodes = len(first.nodes)

    def generate(self, step: bool = True, accumulate: bool = False) -> None:
        """Generate and compile the programs now rather than on first use.

        ``step`` is the program that ``c(*args)`` runs and ``source`` shows; ``accumulate``
        the one of ``accumulate`` (a batch's examples summed in the engine's order).
        ``compile`` generates the step; what ``nn``'s batch training calls generates only the
        accumulate program, when it is first needed. Call this to time either apart from use.
        """
        if step:
            self._step_program()
        if accumulate:
            self._accumulate_program()

    def _step_program(self) -> tuple[_Lines, Callable[..., Any]]:
        if self._lines is None or self._step is None:
            self._lines, self._step = _function(self._generator, accumulate=False)
        return self._lines, self._step

    def _accumulate_program(self) -> Callable[..., Any]:
        if self._accumulate is None:
            self._accumulate = _function(self._generator, accumulate=True)[1]
        return self._accumulate

    @property
    def source(self) -> str:
        """The generated program that ``c(*args)`` runs, commented (joined on first use)."""
        if not self._source:
            self._source = self._step_program()[0].text()
        return self._source

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
            if (
                not (type(a) is list or type(a) is tuple or isinstance(a, Sequence))
                or isinstance(a, (str, bytes))
                or len(a) != size
            ):
                shown = f"{len(a)} items" if isinstance(a, Sequence) else type(a).__name__
                raise TypeError(
                    f"compiled function: argument {i} must be a sequence of {size} numbers, "
                    f"as when compiled, got {shown}"
                )
            if not _ONLY_FLOAT.issuperset(map(type, a)):
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
        if self.data_dependent and not check:
            out, _ = _trace(self.f, args)
            out.backward()
            return out.data
        if not check:
            program = self._step if self._step is not None else self._step_program()[1]
            try:
                return _run(program, self._steps, flat)  # type: ignore[no-any-return]
            except (ArithmeticError, ValueError):
                # A failed domain check, or a nan or infinity anywhere: the engine redoes the
                # call, raising its own error (naming the operation) or propagating as it does.
                out, _ = _trace(self.f, args)
                out.backward()
                return out.data
        acc = [-0.0] * len(self.leaves)
        result = self._replay(args, 1.0, acc)
        value = cast(float, result[0] if self._watching else result)
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
        return self._replay(args, seed, acc)

    def _replay(self, args: Sequence[Arg], seed: float, acc: list[float]) -> Any:
        """The accumulate program on ``args``, whether or not the trace fits them."""
        program = self._accumulate_program()
        try:
            flat = self._arguments(args)
            flat.append(seed)
            flat.append(acc)
            return _run(program, self._accumulates, flat)
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
        now = _Trace(self.f, args)
        problem = _differences(self._trace, now, frozenset(self.leaves))
        if problem:
            raise TraceMismatchError(
                f"the traced graph does not fit these arguments: {problem} (f's Python control "
                "flow, or a constant it makes, depends on the data; see autograd.compile)"
            )
        eager = grad(now.root, self.leaves) if self.leaves else ()
        # Bit-for-bit is the point here: compare the floats' exact representations.
        if now.root.data.hex() != value.hex():
            raise TraceMismatchError(
                f"compiled value {value!r} differs from the engine's {now.root.data!r}"
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
    >>> print(c.source.splitlines()[5])
            t2 = w * x0  # *: x · y
    """
    compiled = Compiled(f, example_args)
    compiled.generate()  # compile's time includes the program's, as its users would expect
    return compiled
