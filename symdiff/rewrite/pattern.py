"""Patterns and rules: a rule is a pattern over the graph and a replacement built from what the
pattern bound, both written in the algebra itself.

>>> from symdiff.rewrite.pattern import Pat, Rule
>>> x = Pat.var("x")
>>> rule = Rule(x * 1, lambda x: x)  # x*1 -> x
>>> y = sd.var("y")
>>> sd.simplify(sd.exp(y) * 1, rules=[rule])
exp(y)

A pattern is an op class (or several) with sub-patterns, a named capture (``Pat.var("x")``; the
same name twice must bind the same node), or a literal number, which matches a constant (a
``Const``, or a scalar ``Const`` broadcast to a shape) whose every element equals it. Binary
commutative ops (``+``, ``*``, ``maximum``, ``minimum``, ``==``, ``!=``, and the logical
connectives) match in either order.

A rule's replacement is a function of the captured names (and, if it asks for them by name, of
``node``, the matched node, and ``ctx``, what the engine knows about the graph being rewritten).
It returns the new node, or ``None`` to decline. Rule sets combine with ``+``.

Matching recurses over the *pattern*, whose depth is fixed by the rule's author (a handful of
levels), never over the graph.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any, Union

import numpy as np

from ..ir import Node, Op
from ..ops.base import NEEDED, Const, var
from ..ops.elementwise import (
    Add, Div, Equal, LogicalAnd, LogicalOr, LogicalXor, Maximum, Minimum, Mul, Neg, NotEqual, Pow,
    Sub,
)
from ..ops.shape import BroadcastTo

COMMUTATIVE: frozenset[type[Op]] = frozenset({Add, Mul, Maximum, Minimum, Equal, NotEqual,
                                              LogicalAnd, LogicalOr, LogicalXor})

Bindings = dict[str, Node]
OpTypes = Union[type[Op], tuple[type[Op], ...]]


def scalar_constant(node: Node) -> np.ndarray | None:
    """The value of a constant that holds one number everywhere (a 0-d ``Const``, a ``Const``
    broadcast to a shape, or a small constant array of equal elements) as a 0-d array, else None."""
    op = node.op
    if isinstance(op, BroadcastTo):
        node = node.inputs[0]
        op = node.op
    if not isinstance(op, Const):
        return None
    return uniform_value(op.value)


def uniform_value(v: np.ndarray) -> np.ndarray | None:
    """The one number array ``v`` holds everywhere, as a 0-d array (``v`` itself when 0-d;
    arrays of up to 64 elements are read, and -0.0 beside 0.0 is two numbers), else None."""
    if v.ndim == 0:
        return v
    if 0 < v.size <= 64:
        first = v.reshape(-1)[0]
        same = np.all(v == first) or (np.isnan(first) and np.all(np.isnan(v)))
        if same and not (first == 0 and np.any(_sign_bits(v) != _sign_bits(first))):
            return np.asarray(first)
    return None


def _sign_bits(v: Any) -> np.ndarray:
    """The sign bits of ``v``, of both parts of a complex number (NumPy's signbit takes none)."""
    v = np.asarray(v)
    if v.dtype.kind == "c":
        return np.stack([np.signbit(v.real), np.signbit(v.imag)], axis=-1)  # (pairs broadcast)
    return np.signbit(v)


def _op_type_of(fn: Callable[..., Any]) -> type[Op]:
    """The op class a public function such as ``sd.sin`` puts at the root of what it builds,
    found by applying it to fresh 2x2 variables, one per required positional argument."""
    name = getattr(fn, "__name__", repr(fn))
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        params = []  # type: ignore[assignment]
    # a parameter defaulting to NEEDED is required too: it has a default only so that leaving
    # it out gets the function's own error (where(cond) says where NumPy's nonzero went)
    arity = sum(1 for p in params if (p.default is p.empty or p.default is NEEDED)
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    built: Any = None
    error: Exception | None = None
    # floats first, then a mask first, as where(cond, a, b) takes (it converts a float condition)
    for first in ("float64", "bool"):
        probes = [var(f"pattern_probe_{k}", shape=(2, 2), dtype=first if k == 0 else "float64")
                  for k in range(arity)]
        try:
            built = fn(*probes)
        except Exception as e:  # noqa: BLE001 - any refusal means no op to read off
            error = e
            continue
        if isinstance(built, Node) and len(built.inputs) == arity and all(
                a is b for a, b in zip(built.inputs, probes)):
            return type(built.op)
    if built is None:
        raise TypeError(f"Pat.of: cannot tell which op {name} builds ({error}); give the op "
                        "class, as in Pat.of(Exp)") from None
    raise TypeError(f"Pat.of: {name} builds no single op of its own to match (it composes "
                    "others); give the op class, as in Pat.of(Exp)")


class Pat:
    """A pattern over nodes; build them with the arithmetic operators, ``Pat.var``, ``Pat(op, ...)``."""

    __slots__ = ("ops", "src", "name", "literal")

    def __init__(self, ops: OpTypes | None = None, *src: Any, name: str | None = None) -> None:
        self.ops = (ops,) if isinstance(ops, type) else ops
        self.src = tuple(as_pat(s) for s in src) if src else None
        self.name = name
        self.literal: complex | float | None = None

    @staticmethod
    def var(name: str) -> Pat:
        """Any node, bound to ``name``."""
        return Pat(None, name=name)

    @staticmethod
    def number(value: float) -> Pat:
        """A constant equal to ``value`` everywhere (also written as a plain number in a pattern)."""
        p = Pat(None)
        p.literal = value
        return p

    @staticmethod
    def of(ops: OpTypes | Callable[..., Any]) -> Callable[..., Pat]:
        """A pattern builder for an op, given by its class or by the public function that builds
        it: ``exp = Pat.of(Exp)`` or ``Pat.of(sd.exp)``; then ``exp(x)``."""
        if not isinstance(ops, (type, tuple)):
            ops = _op_type_of(ops)
        return lambda *src, name=None: Pat(ops, *src, name=name)

    def named(self, name: str) -> Pat:
        """This pattern, also binding the matched node to ``name``."""
        p = Pat(self.ops, *(self.src or ()), name=name)
        p.literal = self.literal
        return p

    # The algebra, on patterns.
    def __add__(self, o: Any) -> Pat: return Pat(Add, self, o)
    def __radd__(self, o: Any) -> Pat: return Pat(Add, o, self)
    def __sub__(self, o: Any) -> Pat: return Pat(Sub, self, o)
    def __rsub__(self, o: Any) -> Pat: return Pat(Sub, o, self)
    def __mul__(self, o: Any) -> Pat: return Pat(Mul, self, o)
    def __rmul__(self, o: Any) -> Pat: return Pat(Mul, o, self)
    def __truediv__(self, o: Any) -> Pat: return Pat(Div, self, o)
    def __rtruediv__(self, o: Any) -> Pat: return Pat(Div, o, self)
    def __pow__(self, o: Any) -> Pat: return Pat(Pow, self, o)
    def __neg__(self) -> Pat: return Pat(Neg, self)

    def match(self, node: Node) -> Iterator[Bindings]:
        """Every way this pattern matches ``node``, as bindings of its names."""
        return _match(self, node, {})

    def __repr__(self) -> str:
        if self.literal is not None:
            return repr(self.literal)
        if self.ops is None:
            return self.name or "_"
        head = "|".join(o.__name__ for o in self.ops)
        inner = ", ".join(map(repr, self.src or ()))
        return f"{head}({inner})" + (f" as {self.name}" if self.name else "")


def as_pat(v: Any) -> Pat:
    if isinstance(v, Pat):
        return v
    if isinstance(v, (int, float, complex)) and not isinstance(v, bool):
        return Pat.number(v)
    raise TypeError(f"cannot use {v!r} in a pattern; use Pat.var, a number, or Pat(op, ...)")


def _bind(p: Pat, node: Node, b: Bindings) -> Bindings | None:
    if p.name is None:
        return b
    seen = b.get(p.name)
    if seen is not None:
        return b if seen is node else None
    nb = dict(b)
    nb[p.name] = node
    return nb


def _is_literal(node: Node, value: complex | float) -> bool:
    """Whether ``node`` is a numeric constant equal to ``value`` everywhere."""
    if not isinstance(node.op, (Const, BroadcastTo)):
        return False
    v = scalar_constant(node)
    return v is not None and v.dtype.kind in "biufc" and bool(v == value)


def _match(p: Pat, node: Node, b: Bindings) -> Iterator[Bindings]:
    if p.ops is None:
        if p.literal is not None and not _is_literal(node, p.literal):
            return
        nb = _bind(p, node, b)
        if nb is not None:
            yield nb
        return
    op_type = type(node.op)
    if op_type not in p.ops and Op not in p.ops:
        return
    nb = _bind(p, node, b)
    if nb is None:
        return
    if p.src is None:
        yield nb
        return
    ins = node.inputs
    if len(p.src) != len(ins):
        return
    yield from _match_all(p.src, ins, nb)
    if op_type in COMMUTATIVE and len(ins) == 2 and ins[0] is not ins[1]:
        yield from _match_all(p.src, (ins[1], ins[0]), nb)


def _match_all(pats: Sequence[Pat], nodes: Sequence[Node], b: Bindings) -> Iterator[Bindings]:
    if not pats:
        yield b
        return
    for nb in _match(pats[0], nodes[0], b):
        yield from _match_all(pats[1:], nodes[1:], nb)


class Rule:
    """A pattern and its replacement: ``Rule(x * 1, lambda x: x)  # x*1 -> x``.

    ``inputs``, when given, is a tuple of op types every input of a matched node must have
    (and there must be at least one input): constant folding declares ``(Const, BroadcastTo)``
    so that the rule set's index offers it only nodes of constants. ``any_input`` is a tuple
    of op types at least one input must have. ``settled`` says the replacement only moves
    signs, scalar constants and operands around, which term collection sees through: the
    engine then takes it as final for collection, as it does what a graph-reading rule builds
    (rather than asking for a second pass to collect it where it stands in the graph).
    """

    __slots__ = ("pattern", "fn", "name", "inputs", "any_input", "contextual", "settled", "_args",
                 "_flat", "_same", "_pick", "_literals", "_try")

    def __init__(self, pattern: Pat, fn: Callable[..., Node | None], name: str | None = None,
                 inputs: tuple[type[Op], ...] | None = None,
                 any_input: tuple[type[Op], ...] | None = None, settled: bool = False) -> None:
        if pattern.ops is None:
            raise ValueError("a rule's pattern must start with an op, not a bare capture")
        self.pattern = pattern
        self.fn = fn
        self.name = name or repr(pattern)
        self.inputs = inputs
        self.any_input = any_input
        self._args = tuple(inspect.signature(fn).parameters)
        self.contextual = "ctx" in self._args  # reads the graph around the node, not only below
        self.settled = settled or self.contextual
        # An op over plain captures (``x + x``, ``x ** c``, ``where(c, x, x)``) is matched by
        # binding the inputs directly, without the general matcher's generators: ``_same``
        # lists the input positions a repeated name ties together, ``_pick`` takes the
        # arguments of ``fn`` out of (*inputs, ctx, node), the inputs in the order matched.
        src = pattern.src
        if src is None:  # an op alone: the index checked the op type, the node is the match
            src = ()
        self._flat: tuple[str | None, ...] | None = None
        self._same: tuple[tuple[int, int], ...] = ()
        self._pick: Callable[[tuple[Any, ...]], tuple[Any, ...]] = tuple
        self._literals: tuple[tuple[int, complex | float], ...] = ()
        if src is not None and all(q.ops is None for q in src):
            names = tuple(q.name for q in src)
            self._flat = names
            self._literals = tuple((k, q.literal) for k, q in enumerate(src)
                                   if q.literal is not None)
            first: dict[str, int] = {}
            same = []
            for k, nm in enumerate(names):
                if nm is None:
                    continue
                if nm in first:
                    same.append((first[nm], k))
                else:
                    first[nm] = k
            self._same = tuple(same)
            take = []
            for a in self._args:
                if a in first:
                    take.append(first[a])
                elif a == "node" or a == pattern.name:
                    take.append(-1)  # the last of (*inputs, ctx, node)
                elif a == "ctx":
                    take.append(-2)
                else:
                    raise ValueError(f"rule {self.name}: argument {a!r} is not a name of the pattern")
            self._pick = _picker(take)
        # how ``find`` tries the rule (this runs for every candidate of every node)
        self._try = self._apply_flat if self._flat is not None else self._apply_matched

    def _apply_flat(self, node: Node, ctx: Any) -> Node | None:
        if not self._flat:  # a bare op pattern matches every node the index offers
            out = self.fn(*self._pick((ctx, node)))
            return out if out is not node else None
        ins = node.inputs
        if len(ins) != len(self._flat):
            return None
        same = self._same
        commutes = len(ins) == 2 and ins[0] is not ins[1] and type(node.op) in COMMUTATIVE
        for order in ((ins, (ins[1], ins[0])) if commutes else (ins,)):
            if same and any(order[i] is not order[j] for i, j in same):
                continue
            if self._literals and not all(_is_literal(order[k], v) for k, v in self._literals):
                continue
            out = self.fn(*self._pick((*order, ctx, node)))
            if out is not None and out is not node:
                return out
        return None

    def _apply_matched(self, node: Node, ctx: Any) -> Node | None:
        for b in self.pattern.match(node):
            out = self.fn(**{a: b[a] if a in b else node if a == "node" else ctx
                             for a in self._args})
            if out is not None and out is not node:
                return out
        return None

    def apply(self, node: Node, ctx: Any = None) -> Node | None:
        """The replacement for ``node`` from the first match the function accepts, or None."""
        return self._try(node, ctx)

    def __add__(self, other: Rule | RuleSet) -> RuleSet:
        return RuleSet([self]) + other

    def __repr__(self) -> str:
        return f"Rule({self.name})"


def _picker(take: Sequence[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A function taking the items at positions ``take`` out of a tuple, as a tuple (one
    ``itemgetter`` call: for one position, a slice, which keeps the result a tuple)."""
    if len(take) == 1:
        k = take[0]
        return itemgetter(slice(k, k + 1 or None))
    return itemgetter(*take) if take else lambda items: ()


def _admits(p: Pat, op_type: type[Op]) -> bool:
    """Whether a node of ``op_type`` can stand where pattern ``p`` stands (a type test only)."""
    if p.ops is None:
        return p.literal is None or op_type in (Const, BroadcastTo)
    return op_type in p.ops or Op in p.ops


def _admits_inputs(rule: Rule, sig: tuple[type[Op], ...]) -> bool:
    """Whether ``rule`` can match a node whose op and input ops have the types in ``sig``."""
    p = rule.pattern
    if rule.inputs is not None and (len(sig) == 1 or any(t not in rule.inputs for t in sig[1:])):
        return False
    if rule.any_input is not None and not any(t in rule.any_input for t in sig[1:]):
        return False
    if not _admits(p, sig[0]):
        return False
    if p.src is None:
        return True
    ins = sig[1:]
    if len(p.src) != len(ins):
        return False
    if all(_admits(q, t) for q, t in zip(p.src, ins)):
        return True
    return sig[0] in COMMUTATIVE and len(ins) == 2 and all(
        _admits(q, t) for q, t in zip(p.src, ins[::-1]))


class RuleSet:
    """Rules tried in order, indexed by the op types at the root of their pattern and one level
    below it; ``a + b`` joins sets.

    The index maps a node's signature (its op's type and its inputs' op types) to the rules
    that can match it, so a node is offered only to its candidates: most rules fail on the
    first level under the root, and that test then costs one dict lookup per node. A node of
    two different inputs has an index of its own, without the rules that need them to be one
    node (``x * x``, ``x - x``): most binary nodes are such.
    """

    __slots__ = ("rules", "_index", "_apart", "_contextual")

    def __init__(self, rules: Sequence[Rule] = ()) -> None:
        self.rules = tuple(rules)
        self._index: dict[tuple[type[Op], ...], tuple[Rule, ...]] = {}
        self._apart: dict[tuple[type[Op], ...], tuple[Rule, ...]] = {}
        self._contextual: RuleSet | None = None

    def for_op(self, op_type: type[Op]) -> tuple[Rule, ...]:
        """The rules whose pattern can match a node of this op type, in order (``Op`` matches all)."""
        return tuple(r for r in self.rules if _admits(r.pattern, op_type))

    def candidates(self, node: Node) -> tuple[Rule, ...]:
        """The rules whose pattern can match ``node`` judging by op types two levels deep."""
        ins = node.inputs
        n = len(ins)
        # the common shapes spelled out: this runs for every node a pass visits
        if n == 2:
            a, b = ins
            sig: tuple[type[Op], ...] = (type(node.op), type(a.op), type(b.op))
            if a is not b:
                found = self._apart.get(sig)
                if found is None:  # (a flat rule that ties two names together ties both inputs)
                    found = tuple(r for r in self._candidates(sig) if not r._same)
                    self._apart[sig] = found
                return found
        elif n == 1:
            sig = (type(node.op), type(ins[0].op))
        else:
            sig = (type(node.op), *[type(i.op) for i in ins])
        return self._candidates(sig)

    def _candidates(self, sig: tuple[type[Op], ...]) -> tuple[Rule, ...]:
        """The rules that can match a node of signature ``sig``, from the index."""
        found = self._index.get(sig)
        if found is None:
            found = tuple(r for r in self.rules if _admits_inputs(r, sig))
            self._index[sig] = found
        return found

    def contextual(self) -> RuleSet:
        """The rules that read the graph around a node (they name ``ctx``), in order."""
        if self._contextual is None:  # one set, whose index then serves every pass
            self._contextual = RuleSet([r for r in self.rules if r.contextual])
        return self._contextual

    def __add__(self, other: Rule | RuleSet) -> RuleSet:
        more = [other] if isinstance(other, Rule) else list(other.rules)
        return RuleSet([*self.rules, *more])

    @staticmethod
    def of(rules: Rule | RuleSet | Sequence[Rule | RuleSet], caller: str) -> RuleSet:
        """``rules`` as one set: a rule set itself, one rule, or a list or tuple of rules and
        rule sets, joined in order; anything else is a TypeError naming it and ``caller``."""
        if isinstance(rules, RuleSet):
            return rules
        items = [rules] if isinstance(rules, Rule) else rules
        if isinstance(items, (list, tuple)):
            bad = [r for r in items if not isinstance(r, (Rule, RuleSet))]
            if not bad:
                return sum(items, RuleSet())  # joined in order, as ``+`` joins them
            rules = bad[0]
        raise TypeError(f"{caller}: rules must be a Rule, a RuleSet or a list of them, got "
                        f"{type(rules).__name__} {rules!r}")

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def apply(self, node: Node, ctx: Any = None) -> Node | None:
        """The first replacement some rule offers for ``node``, or None."""
        found = self.find(node, ctx)
        return None if found is None else found[0]

    def find(self, node: Node, ctx: Any = None) -> tuple[Node, Rule] | None:
        """The first replacement some rule offers for ``node`` and that rule, or None."""
        for r in self.candidates(node):
            out = r._try(node, ctx)
            if out is not None:
                return out, r
        return None

    def __repr__(self) -> str:
        return f"RuleSet({len(self.rules)} rules)"
