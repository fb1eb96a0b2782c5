"""Reverse-mode differentiation that appends derivative nodes to the graph.

One backward walk over ``toposort`` (reversed), looking up each op's ``vjp`` rule and summing
the contributions that reach a node. Results are nodes, so they can be differentiated again.

Where-masks: the cotangent that ``where(c, a, b)`` sends to ``a`` is zero where ``c`` is false.
Rather than multiplying that zero by local derivatives that may be inf or nan there (the
classic ``where(x > 0, sqrt(x), 0)`` trap), the mask travels with the cotangent through
elementwise ops (reduced along with the cotangent where one undoes a broadcast) and is applied
once, where it can no longer travel. So the branch not taken contributes exactly zero.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Mapping, Sequence
from operator import is_
from typing import Any, Union

import numpy as np

from .errors import DTypeError, NotDifferentiableError, ShapeError, UnknownVariableError
from .ir import Node, Op, Shape, Type, format_shape, gc_paused, substitute, toposort
from .ops import (
    Var, as_node, astype, broadcast_to, const, cos, eye, index, reshape, sin, stack, sum_to,
    transpose, where, zeros, zeros_like,
)
from .ops.base import const_value, constant_equals, graph_variables, not_a_variable_hint
from .ops.numeric import cotangent_as
from .ops.elementwise import (
    Add, Cos, Div, Exp, Log, Mul, Neg, Pow, Sigmoid, Sin, Sqrt, StopGradient, Sub, Tanh, Where,
    sigmoid_of_opposite,
)
from .ops.diagonals import Diagonal, DiagonalEmbed, Tril, Triu
from .ops.layout import Flip, Pad, Repeat, Roll, Tile, roll
from .ops.decompositions import (
    Cholesky, EighEigenvalues, EighValues, EighVectors, Pinv, QrQ, QrR, SingularValues, SvdS, SvdU,
    SvdVh,
)
from .ops.linalg import InvOrNan
from .ops.matrix import Det, DetDerivative, Inv, SlogdetLog, SlogdetSign, Solve
from .ops.nn import LogSoftmax, Softmax
from .ops.products import Einsum, MatMul
from .ops.reduce import Reduction, Sum
from .ops.scan import Cumprod, Cumsum, LinearRecurrence
from .ops.selection import AddAlongAxis, Sort, TakeAlongAxis, add_along_axis, gather_scatters
from .ops.shape import (
    BroadcastTo, Concatenate, Index, IndexAdd, Reshape, Transpose, split_along,
)
from .ops.stable import HEADS as STABLE_HEADS
from .ops.stable import stable_parts
from .ops.reduce import all as reduce_all
from .ops.reduce import any as reduce_any
from .ops.reduce import sum as reduce_sum

Wrt = Union[Node, str, Sequence[Union[Node, str]]]
# The where-conditions a cotangent still has to be masked by: (condition, branch) pairs, all
# of which must hold; () for none. Nested wheres compose into one mask instead of applying
# the outer one early, which would let 0 * inf = nan back in below the inner one.
Mask = tuple[tuple[Node, bool], ...]
_MASK_DEPTH = 8  # nesting beyond this applies the outermost condition where it is reached


class _Seed(Op):
    """A placeholder cotangent, differentiated away to derive a jvp from reverse mode."""

    __slots__ = ("k", "typ")
    name = "seed"

    def __init__(self, k: int, typ: Type) -> None:
        self.k, self.typ = k, typ

    def params(self) -> tuple[Any, ...]:
        return (self.k, self.typ)

    def infer(self) -> Type:
        return self.typ


def _listify(v: Any) -> tuple[list[Any], bool]:
    if isinstance(v, (list, tuple)):
        return list(v), True
    return [v], False


def _per_variable(xs: Sequence[Node], v: Any, what: str, noun: str, of: str = "variables"
                  ) -> list[Any]:
    """One vector (a tangent, a direction; a cotangent) per variable (output) of ``xs``. For
    one, a list is its vector written as numbers ([1.0, 2.0], or [2.0] for a variable of shape
    (1,)), unless it holds one array or expression."""
    vs, listed = _listify(v)
    if len(xs) == 1 and listed and (len(vs) != 1 or (xs[0].shape != () and _is_number(vs[0]))):
        return [v]
    if len(vs) != len(xs):
        raise ValueError(f"{what}: {len(xs)} {of} but {len(vs)} {noun}")
    return vs


def _label(x: Node) -> str:
    """How an error names a node differentiated by: a variable by its name."""
    return x.op.var_name if isinstance(x.op, Var) else repr(x.op)  # type: ignore[attr-defined]


def _along(x: Node, v: Node, what: str, noun: str, name: str | None = None) -> Node:
    """Direction ``v`` of variable ``x`` (a tangent; or a cotangent of output ``x``, named
    ``name`` in errors) in ``x``'s dtype, after checking its shape. A complex direction of a
    real variable is refused: the line x + t*v would leave the reals, and a cast would keep
    only its real part (JAX refuses a tangent whose dtype is not the variable's too)."""
    name = name or repr(_label(x))
    if v.shape != x.shape:
        raise ShapeError(
            f"{what}: the {noun} of {name} has shape {format_shape(v.shape)}, but {name} has "
            f"shape {format_shape(x.shape)}{_named_hint(v.shape, x.shape)}")
    if v.dtype.kind == "c" and x.dtype.kind != "c":
        raise DTypeError(
            f"{what}: the {noun} of {name} is {v.dtype}, but {name} is real "
            f"({x.dtype}); give a real {noun} (for a complex one, take its real and imaginary "
            "parts in two calls)"
        )
    return v if v.dtype == x.dtype else astype(v, x.dtype)


def _named_hint(got: Shape, want: Shape) -> str:
    """What to do when a NumPy array was given where a shape has named dimensions: an array's
    shape is fixed, and a named dimension never unifies with a number."""
    if not any(isinstance(d, str) for d in want) or any(isinstance(d, str) for d in got):
        return ""
    return (f"; a named dimension takes its size when the graph is evaluated, so give an "
            f"expression of shape {format_shape(want)}, such as a variable of that shape")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, complex, np.number, np.bool_))


def _resolve(ys: Sequence[Node], wrt: Sequence[Any], what: str) -> list[Node]:
    """The variables (or nodes) ``wrt`` names, for the public function ``what``'s errors."""
    by_name: dict[str, Node] | None = None
    out: list[Node] = []
    for w in wrt:
        if isinstance(w, str):
            if by_name is None:
                by_name = {n.op.var_name: n for n in graph_variables(toposort(ys))}  # type: ignore[attr-defined]
            if w not in by_name:
                known = ", ".join(sorted(by_name)) or "none"
                raise UnknownVariableError(f"{what}: no variable named {w!r} in the expression (its variables: "
                                           f"{known}){not_a_variable_hint(w, by_name.values())}")
            w = by_name[w]
        if not isinstance(w, Node):
            hint = ""
            if isinstance(w, Mapping):  # values where variables go, or variables keyed by name
                hint = ("; give the variables as a list" if any(isinstance(v, Node) for v in w.values())
                        else "; a dict of values is not what to differentiate with respect to: "
                             "sd.evaluate(expr, values) evaluates")
            raise TypeError(f"{what}: can only differentiate with respect to variables or nodes, got {w!r}{hint}")
        if not isinstance(w.op, Var) and not graph_variables(toposort([w])):
            # constants are interned by value: "the" 2.0 is every 2.0 in the graph, the
            # function's own and its derivative rules', so a derivative by one means nothing
            raise TypeError(
                f"{what}: cannot differentiate with respect to the constant {w!r}, which is no "
                "variable and is shared by every equal constant in the graph; declare a variable "
                "(sd.var) where the value should vary"
            )
        if not w.type.is_float:
            raise NotDifferentiableError(
                f"{what}: cannot differentiate with respect to {_label(w)!r}: its dtype {w.dtype} is not floating-point "
                "(integer and boolean inputs such as labels and indices carry no gradient)"
            )
        out.append(w)
    return out


# Provenance for readable generated code: a cotangent node -> the node it is the cotangent of,
# so the code generator can name it ``d<name>`` as in hand-written backprop. Keyed by id and
# holding only weak references (an entry leaves when its cotangent dies), so the table keeps
# no node alive; nodes are interned, so the first recording is the one kept.
_COTANGENT_OF: dict[int, _Cotangent] = {}


class _Cotangent(weakref.ref):
    """The table's weak reference to a cotangent, with its key and (weakly) the node it is the
    cotangent of: one object per entry, and one callback for all (a gradient records about
    as many cotangents as it has nodes)."""

    __slots__ = ("key", "primal")
    key: int
    primal: weakref.ref[Node]


def _forget_cotangent(entry: _Cotangent) -> None:
    _COTANGENT_OF.pop(entry.key, None)


def _record(g: Node, primal: Node) -> None:
    key = id(g)
    entry = _COTANGENT_OF.get(key)
    if entry is not None and entry() is g:
        return
    entry = _Cotangent(g, _forget_cotangent)
    entry.key = key
    entry.primal = weakref.ref(primal)
    _COTANGENT_OF[key] = entry


def cotangent_of(node: Node) -> Node | None:
    """The node whose cotangent ``node`` was built as by reverse mode, if it is one and that
    node is alive.

    >>> from symdiff.autodiff import cotangent_of
    >>> x = sd.var("x"); dx = sd.grad(sd.sin(x), x)
    >>> cotangent_of(dx) is x
    True
    """
    entry = _COTANGENT_OF.get(id(node))
    if entry is None or entry() is not node:
        return None
    return entry.primal()


# Provenance for pictures: a derivative the public functions returned (grad, vjp, jacobian,
# hessian, hvp) -> the outputs it differentiates. The outputs are held for as long as the
# result lives (a gradient drawn alone knows its function, even one built inline and gone from
# the caller), and let go with it: the entry leaves when the result dies. Not recorded, as
# reverse mode appended nothing for them: a constant or a variable (which may live for ever,
# and would keep the outputs alive with it), or a node of the outputs' own graph (which they
# keep alive, so the entry would never leave).
_DIFFERENTIATED: dict[int, tuple[weakref.ref[Node], tuple[Node, ...]]] = {}


def _record_outputs(results: Sequence[Node], ys: Sequence[Node], order: Sequence[Node]) -> None:
    """Note ``results`` as derivatives of ``ys``, whose graph is ``order`` (the reverse pass
    has it already: walking it again would cost as much as a small gradient)."""
    outputs = tuple(ys)
    forward: set[Node] | None = None
    for r in results:
        if not r.inputs:
            continue
        if forward is None:
            forward = set(order)
        if r in forward:
            continue
        key = id(r)
        # the table is bound now: a result alive at exit may die after the module's globals
        forget = lambda _, key=key, table=_DIFFERENTIATED: table.pop(key, None)
        _DIFFERENTIATED[key] = (weakref.ref(r, forget), outputs)


def appended_nodes(order: Sequence[Node]) -> set[Node] | None:
    """The nodes of ``order`` (a topological order) that reverse mode appended to the graph of
    the function it differentiated, and the nodes computed from them; None when ``order``
    holds no result of reverse mode. A function that is itself a derivative (the gradient a
    Hessian differentiates) counts its own appended nodes too."""
    pending = [n for n in order if differentiated_outputs(n) is not None]
    if not pending:
        return None
    seen = set(pending)
    appended: set[Node] = set()
    functions: dict[int, set[Node]] = {}  # the results of one call share their outputs
    while pending:
        result = pending.pop()
        outputs = differentiated_outputs(result) or ()
        inside = functions.get(id(outputs))
        if inside is None:
            inside = functions[id(outputs)] = set(toposort(outputs))
            for m in inside:
                if m not in seen and differentiated_outputs(m) is not None:
                    seen.add(m)
                    pending.append(m)
        appended.update(m for m in toposort([result]) if m not in inside)
    for n in order:
        if n not in appended and any(i in appended for i in n.inputs):
            appended.add(n)
    return appended


def carry_outputs(mapping: dict[Node, Node]) -> None:
    """Note each node a rewrite made of a derivative (``mapping``: each node of the rewritten
    graph -> the node it became) as a derivative too, so that pictures still tell its
    function's nodes from the appended ones: of the function's nodes that it reads, in their
    new forms. The function need not have been rewritten with it, and its nodes may have
    changed (``w * w`` -> ``w ** 2``); a function that is itself a derivative (a Hessian's
    gradient) counts only its own function's nodes."""
    groups: dict[int, tuple[tuple[Node, ...], list[Node]]] = {}
    for r, r2 in mapping.items():
        outs = differentiated_outputs(r)
        if outs is not None and r2 is not r and r2.inputs:
            groups.setdefault(id(outs), (outs, []))[1].append(r2)
    if not groups:
        return
    reads = set(toposort([r2 for _, rs in groups.values() for r2 in rs]))
    for outs, results in groups.values():
        order = toposort(outs)
        derived = appended_nodes(order) or ()
        function = tuple({mapping[n]: None for n in order
                          if n not in derived and n in mapping and mapping[n] in reads})
        _record_outputs(results, function, toposort(function))


def records_outputs(nodes: Iterable[Node]) -> bool:
    """Whether some of ``nodes`` is a derivative the public functions returned."""
    return any(differentiated_outputs(n) is not None for n in nodes)


def differentiated_outputs(node: Node) -> tuple[Node, ...] | None:
    """The outputs whose derivative ``node`` was returned as (by the latest of ``grad``,
    ``vjp``, ``jacobian``, ``hessian`` and ``hvp`` to return it), or None; for a derivative
    ``simplify`` rebuilt, the function's nodes it reads, as ``simplify`` left them.

    >>> from symdiff.autodiff import differentiated_outputs
    >>> x = sd.var("x"); y = sd.sin(x)
    >>> differentiated_outputs(sd.grad(y, x)) == (y,)
    True
    """
    entry = _DIFFERENTIATED.get(id(node))
    if entry is None or entry[0]() is not node:
        return None
    return entry[1]


def _apply(g: Node, mask: Mask) -> Node:
    for cond, take in mask:
        g = where(cond, g, 0) if take else where(cond, 0, g)
    return g


def _split_mask(mask: Mask, elementwise: bool) -> tuple[Mask, Mask]:
    """The part of ``mask`` that travels on through a rule, and the part applied to the
    cotangent first. The rule of an ``elementwise`` op keeps each element's branch in place,
    so all of it travels; through any other rule only scalar conditions do: one zeroes the
    whole cotangent, and so every cotangent the rule gives."""
    if not mask or elementwise:
        return mask, ()
    travel = tuple(p for p in mask if p[0].ndim == 0)
    return travel, tuple(p for p in mask if p[0].ndim != 0)


def _mask_to_shape(mask: Mask, full: Shape, shape: Shape) -> Mask:
    """``mask``, of a cotangent of shape ``full`` summed back to ``shape`` (broadcasting
    undone), as a mask of the sum: an element is taken where any of its broadcast copies is,
    so each condition is reduced over the summed axes (``any`` of a take, ``all`` of a skip,
    which keeps its branch). The sum is exactly zero elsewhere, so the mask still holds and
    keeps travelling: without it, a rule below would multiply that zero by the inf or nan of
    the branch not taken."""
    lead = len(full) - len(shape)
    summed = set(range(lead)) | {
        lead + k for k, d in enumerate(shape) if d == 1 and full[lead + k] != 1}
    out: list[tuple[Node, bool]] = []
    for cond, take in mask:
        skip = len(full) - cond.ndim  # the condition's axes line up with the last of ``full``
        axes = tuple(k for k, d in enumerate(cond.shape) if skip + k in summed and d != 1)
        if axes:
            cond = (reduce_any if take else reduce_all)(cond, axes, keepdims=True)
        if cond.ndim > len(shape):  # its leading axes are all 1 now
            cond = reshape(cond, cond.shape[cond.ndim - len(shape):])
        out.append((cond, take))
    return tuple(out)


def _total(contribs: list[tuple[Node, Mask]]) -> tuple[Node, Mask]:
    """The sum of the contributions reaching a node, and the mask they share: conditions
    common to all of them keep travelling, the others are applied to their own term."""
    if len(contribs) == 1:
        return contribs[0]  # most nodes have one consumer
    first = contribs[0][1]
    if not first:  # no condition is common to all: each term is masked by its own
        return _sum_terms([_apply(g, m) for g, m in contribs]), ()
    others = [{(id(c), t) for c, t in m} for _, m in contribs[1:]]
    shared = tuple(p for p in first if all((id(p[0]), p[1]) in o for o in others))
    keys = {(id(c), t) for c, t in shared}
    terms = [_apply(g, tuple(p for p in m if (id(p[0]), p[1]) not in keys)) for g, m in contribs]
    return _sum_terms(terms), shared


GATHER_TERMS = 8
"""A node read at this many elements, rows, columns or runs of a fixed length or more
(``x[0]``, ``x[1]``, ... or ``x[i:i + 3]``): their cotangents reach it as one node that writes
them all (``gather_scatters``)."""


def _sum_terms(terms: list[Node]) -> Node:
    """The sum of cotangents ``terms``, in order. Those that put one element, row or run each
    into zeros of the node's shape, ``index_add(g_k, shape, s_[i_k])``, as a loop reading
    ``x[i]`` or ``x[i:i + 3]`` gives, are gathered into one node: a sum of n of them would be
    n arrays of the node's size, work quadratic in n to build, evaluate and rewrite."""
    if len(terms) >= GATHER_TERMS:  # the cotangents of one node share its type
        terms = gather_scatters(terms, terms[0].type, GATHER_TERMS) or terms
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def _between(node: Node, xs: tuple[Node, ...], targets: set[Node]) -> bool:
    """Whether a node of the graph strictly between ``node`` and its operands ``xs`` (the few
    nodes of a stable form's pattern) is one whose gradient is asked for: then the cotangent
    must pass through it, not around it."""
    stack = list(node.inputs)
    while stack:
        n = stack.pop()
        if any(n is x for x in xs):
            continue
        if n in targets:
            return True
        stack.extend(n.inputs)
    return False


def _through(form: Node, g: Node, xs: tuple[Node, ...], batch: int | None = None
             ) -> list[Node | None]:
    """The cotangents of ``xs`` for ``g`` pulled back through ``form``, a small expression of
    ``xs`` (its nodes above them are walked; nothing below); ``batch`` as for ``_vjp``."""
    local: list[Node] = []  # the nodes of ``form`` above ``xs``, inputs first
    seen = set(xs)
    stack: list[tuple[Node, bool]] = [(form, False)]
    while stack:
        n, done = stack.pop()
        if done:
            local.append(n)
        elif n not in seen:
            seen.add(n)
            stack.append((n, True))
            stack.extend((i, False) for i in n.inputs if i not in seen)
    cot: dict[Node, Node] = {form: g}
    for n in reversed(local):
        gn = cot.pop(n, None)
        if gn is None or not n.inputs:  # a constant of the form: nothing to pull back to
            continue
        for inp, gi in zip(n.inputs, pullback(n, gn, batch)):
            if gi is not None:
                cot[inp] = gi if inp not in cot else cot[inp] + gi
    return [cot.get(x) for x in xs]


def pullback(node: Node, g: Node, batch: int | None = None, mask: Mask = ()) -> list[Node | None]:
    """The cotangent ``g`` of ``node`` carried back along each of its input edges: its
    derivative rule applied, then the where-``mask`` the cotangent travels with (exact zeros
    where a branch is not taken, whatever the rule gives there), summed back over broadcasting
    to the input's shape and cast to the input's dtype; None where no gradient flows (the rule
    gives none, or the input is not floating-point). ``batch`` as for ``_vjp``."""
    out: list[Node | None] = []
    for inp, gi in zip(node.inputs, _local(node, g, batch)):
        if gi is None or not inp.type.is_float:
            out.append(None)
            continue
        gi = _apply(gi, mask)
        if gi.shape != _batched(inp.shape, batch):
            gi = _to_shape(gi, inp.shape, batch)
        if gi.dtype != inp.dtype:
            gi = cotangent_as(gi, inp.dtype)
        out.append(gi)
    return out


@gc_paused
def _vjp(ys: Sequence[Node], wrt: Sequence[Node], cots: Sequence[Node],
         batch: int | None = None, masked: dict[Node, tuple[Node, Mask]] | None = None,
         forward: list[Node] | None = None) -> list[Node]:
    """Reverse mode: ``cots`` pulled back from ``ys`` to each of ``wrt``. With ``batch`` = B,
    every cotangent holds B of them along a new leading axis (shape ``(B, *node.shape)``), so
    that one pass gives B rows of a Jacobian. ``masked``, when given, receives each reached
    ``wrt`` node's cotangent before its where-mask is applied, and the mask; ``forward``, the
    nodes of the graph of ``ys``."""
    order = toposort(ys)
    if forward is not None:
        forward.extend(order)
    targets = set(wrt)
    # the nodes through which some wrt reaches some y: only they need cotangents
    depends: set[Node] = set()
    for n in order:
        if n in targets or (
            n.type.is_float
            and not isinstance(n.op, StopGradient)
            and not depends.isdisjoint(n.inputs)
        ):
            depends.add(n)
    pending: dict[Node, list[tuple[Node, Mask]]] = {}
    for y, c in zip(ys, cots):
        if y in depends:
            pending.setdefault(y, []).append((c, ()))
    found: dict[Node, Node] = {}
    for node in reversed(order):
        contribs = pending.pop(node, None)
        if not contribs:
            continue
        g, mask = _total(contribs)
        if not mask:
            _record(g, node)
        if node in targets:
            found[node] = _apply(g, mask)
            _record(found[node], node)
            if masked is not None:
                masked[node] = (g, mask)
        if not node.inputs:
            continue
        ins = node.inputs
        for at, why in node.op.no_derivative.items():
            if ins[at] in depends:
                raise NotDifferentiableError(f"{node.op.name}: {why}")
        stable = stable_parts(node) if isinstance(node.op, STABLE_HEADS) else None
        if stable is not None and not _between(node, stable[1], targets):
            # differentiated as its stable form, so the gradient is as finite as the function
            # (d log(sigmoid(x)) = sigmoid(-x), not (1 - s) * s / s, which is 0/0 once s is 0)
            form, ins = stable
            travel, stay = _split_mask(mask, False)  # the form's operands: other shapes
            local = _through(form, _apply(g, stay), ins, batch)
            masks = [travel] * len(ins)
        elif isinstance(node.op, Where):
            if len(mask) >= _MASK_DEPTH:  # bounds the work on long where-chains
                g, mask = _apply(g, mask[:1]), mask[1:]
            cond = node.inputs[0]
            local: Sequence[Node | None] = (None, g, g)
            masks: list[Mask] = [(), (*mask, (cond, True)), (*mask, (cond, False))]
        else:
            travel, stay = _split_mask(mask, node.op.elementwise)
            local = _local(node, _apply(g, stay), batch)
            masks = [travel] * len(node.inputs)
        for inp, gi, m in zip(ins, local, masks):
            if gi is None or inp not in depends:
                continue
            if gi.type is not inp.type or batch is not None:  # else its shape and dtype fit
                if gi.shape != _batched(inp.shape, batch):
                    full = gi.shape if batch is None else gi.shape[1:]
                    gi = _to_shape(_apply(gi, m), inp.shape, batch)
                    m = _mask_to_shape(m, full, inp.shape)
                if gi.dtype != inp.dtype:
                    gi = cotangent_as(gi, inp.dtype)
            pending.setdefault(inp, []).append((gi, m))
    return [found[w] if w in found else _zeros_like(w, batch) for w in wrt]


# -- batched cotangents: B rows of a Jacobian in one reverse pass --------------------------------


def _batched(shape: Shape, batch: int | None) -> Shape:
    return shape if batch is None else (batch, *shape)


def _zeros_like(x: Node, batch: int | None) -> Node:
    """The zero cotangent of ``x`` (its named dimensions sized by ``x`` at run time)."""
    z = zeros_like(x)
    return z if batch is None else broadcast_to(reshape(z, (1, *x.shape)), (batch, *x.shape))


def _to_shape(g: Node, shape: Shape, batch: int | None) -> Node:
    """Cotangent ``g`` of a broadcast value summed back to ``shape`` (after its batch axis)."""
    if batch is None:
        return sum_to(g, shape)
    inner = g.shape[1:]
    extra = len(inner) - len(shape)
    axes = [1 + k for k in range(extra)] + [
        1 + extra + k for k, d in enumerate(shape) if d == 1 and inner[extra + k] != 1]
    if axes:
        g = reduce_sum(g, tuple(axes), keepdims=True)
    g = reshape(g, (g.shape[0], *shape))
    return g if g.shape[0] == batch else broadcast_to(g, (batch, *shape))


def _local(node: Node, g: Node, batch: int | None) -> Sequence[Node | None]:
    """``node``'s derivative rule applied to cotangent ``g``. With a batch, the rule of an
    elementwise op works on the batch unchanged, as operands broadcast against the trailing
    axes, and so do those of matrix products and the linear algebra, which take the batch as one
    more axis of a stack of matrices; reductions, einsums, reshapes, transposes, broadcasts,
    indexing, scans and a few more have batched forms below; any other op takes the batch one
    row at a time. A batched result must keep the batch axis in front, or the
    row-by-row form is used."""
    op = node.op
    if batch is None:
        return op.vjp(g, node, *node.inputs)
    rule = _BATCHED_RULES.get(type(op))
    if rule is None and isinstance(op, Reduction):
        rule = _batched_reduction
    local = None
    try:
        if rule is not None:
            local = rule(node, g, batch)
        elif op.elementwise:
            local = op.vjp(g, node, *node.inputs)
    except ValueError:  # a rule written for one cotangent (ShapeError is a ValueError)
        local = None
    if local is not None and all(gi is None or (gi.ndim >= i.ndim + 1 and gi.shape[0] == batch)
                                 for gi, i in zip(local, node.inputs)):
        return local
    rows = [op.vjp(index(g, b), node, *node.inputs) for b in range(batch)]
    by_row: list[Node | None] = []
    for k, i in enumerate(node.inputs):
        col = [r[k] for r in rows]
        if any(c is None for c in col):
            by_row.append(None)
            continue
        by_row.append(stack([c if c.shape == i.shape else sum_to(c, i.shape) for c in col], axis=0))
    return by_row


def _batched_sum(node: Node, g: Node, batch: int) -> Sequence[Node | None]:
    op: Sum = node.op  # type: ignore[assignment]
    (x,) = node.inputs
    kept = g if op.keepdims else reshape(
        g, (batch, *(1 if k in op.axes else d for k, d in enumerate(x.shape))))
    return (broadcast_to(kept, (batch, *x.shape)),)


def _batched_reduction(node: Node, g: Node, batch: int) -> Sequence[Node | None]:
    """A reduction's rule, given the batch with the reduced axes kept (as size 1): its rule for
    ``keepdims=True`` then broadcasts the batch against the input like an elementwise rule."""
    op: Reduction = node.op  # type: ignore[assignment]
    (x,) = node.inputs
    kept = op.with_keepdims(True)
    out = Node(kept, (x,))
    return kept.vjp(g if op.keepdims else reshape(g, (batch, *out.shape)), out, x)


def _leading_slice(spec: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """An index spec with a full slice in front (for the batch axis), or None where that would
    move the result's axes (NumPy puts the axes of split advanced indices first)."""
    adv = [k for k, it in enumerate(spec) if it[0] in "ai"]
    if any(it[0] == "a" for it in spec) and adv != list(range(adv[0], adv[-1] + 1)):
        return None
    return (("s", None, None, None), *spec)


def _batched_index(node: Node, g: Node, batch: int) -> Sequence[Node | None] | None:
    full = _leading_slice(node.op.spec)  # type: ignore[attr-defined]
    if full is None:
        return None
    x, *arrays = node.inputs
    return (Node(IndexAdd(full, (batch, *x.shape)), (g, *arrays)), *([None] * len(arrays)))


def _batched_index_add(node: Node, g: Node, batch: int) -> Sequence[Node | None] | None:
    full = _leading_slice(node.op.spec)  # type: ignore[attr-defined]
    if full is None:
        return None
    _, *arrays = node.inputs
    return (Node(Index(full), (g, *arrays)), *([None] * len(arrays)))


def _batched_along_axis(node: Node, g: Node, batch: int) -> Sequence[Node | None]:
    """The rule of an op along one axis (softmax, log_softmax), that axis moved past the batch."""
    op = node.op
    shifted = type(op)(op.axis % node.ndim + 1)  # type: ignore[call-arg, attr-defined]
    return shifted.vjp(g, node, *node.inputs)


def _batched_along(node: Node, g: Node, batch: int) -> Sequence[Node | None]:
    """Gathers and scatters along an axis (take_along_axis, add_along_axis, sort): the indices
    broadcast over the batch axis (a unit axis in front), the axis moves past it."""
    op = node.op
    axis = op.axis + 1  # type: ignore[attr-defined]
    if isinstance(op, Sort):
        (x,) = node.inputs
        idx = op.permutation(x)
    else:
        x, idx = node.inputs
    idx1 = reshape(idx, (1, *idx.shape))
    if isinstance(op, AddAlongAxis):
        return (Node(TakeAlongAxis(axis), (g, idx1)), None)
    scatter = add_along_axis(g, idx1, (batch, *x.shape), axis)
    return (scatter,) if isinstance(op, Sort) else (scatter, None)


def _batched_roll(node: Node, g: Node, batch: int) -> Sequence[Node | None]:
    op = node.op
    back = tuple(-k for k in op.shifts)  # type: ignore[attr-defined]
    if op.axes is None:  # type: ignore[attr-defined]  # a roll of the flattened array, per row
        return (reshape(roll(reshape(g, (batch, -1)), back, 1), g.shape),)
    return (roll(g, back, tuple(a % node.ndim + 1 for a in op.axes)),)  # type: ignore[attr-defined]


def _spread(x: Node, batch: int) -> Node:
    """``x`` repeated along a new batch axis in front (a broadcast: no copies)."""
    return broadcast_to(reshape(x, (1, *x.shape)), (batch, *x.shape))


def _with_batch_axis(widen: Any) -> Any:
    """The batched rule of an op whose rule holds for any number of leading axes: the rule of
    ``widen(op)``, the same op with the batch axis in front, on the inputs and output spread
    along it. Ops of pads, tiles, repeats and scans along an axis take the batch in one node
    this way, where one row at a time would add nodes in proportion to the batch."""
    def rule(node: Node, g: Node, batch: int) -> Sequence[Node | None]:
        ins = [_spread(i, batch) for i in node.inputs]
        return widen(node.op).vjp(g, _spread(node, batch), *ins)
    return rule


def _broadcasting(node: Node, g: Node, batch: int) -> Sequence[Node | None]:
    """The rule itself, for an op whose rule treats leading axes of the cotangent as more
    matrices of a stack (matrix products, solves, masks of the last two axes, all broadcasting
    from the right): the batch is one more such axis."""
    return node.op.vjp(g, node, *node.inputs)


def _batched_matmul(node: Node, g: Node, batch: int) -> Sequence[Node | None]:
    a, b = node.inputs
    if a.ndim == 1 and b.ndim == 1:  # a number per row, which scales the other vector
        per_row = reshape(g, (batch, 1))
        return (per_row * b, per_row * a)
    return _broadcasting(node, g, batch)


def _pad_with_batch_axis(op: Pad) -> Pad:
    values = ((0, 0), *op.values) if isinstance(op.values, tuple) else op.values
    return Pad(((0, 0), *op.widths), values, op.mode)


_BATCHED_RULES: dict[type[Op], Any] = {
    Sum: _batched_sum,
    MatMul: _batched_matmul,
    Einsum: lambda node, g, batch: node.op.batched_vjp(g, node, *node.inputs),
    Cumsum: lambda node, g, batch: (Node(Cumsum(node.op.axis + 1, not node.op.reverse), (g,)),),
    Diagonal: lambda node, g, batch: (Node(DiagonalEmbed(
        node.op.offset, node.op.axis1 + 1, node.op.axis2 + 1, (batch, *node.inputs[0].shape)),
        (g,)),),
    DiagonalEmbed: lambda node, g, batch: (Node(Diagonal(
        node.op.offset, node.op.axis1 + 1, node.op.axis2 + 1), (g,)),),
    Softmax: _batched_along_axis,
    LogSoftmax: _batched_along_axis,
    Roll: _batched_roll,
    Pad: _with_batch_axis(_pad_with_batch_axis),
    Tile: _with_batch_axis(lambda op: Tile((1, *op.reps))),
    Repeat: _with_batch_axis(lambda op: Repeat(op.repeats, op.axis + 1)),
    Cumprod: _with_batch_axis(lambda op: Cumprod(op.axis + 1, op.reverse)),
    LinearRecurrence: _with_batch_axis(
        lambda op: LinearRecurrence(op.axis + 1, op.reverse, op.exclusive)),
    Sort: _batched_along,
    TakeAlongAxis: _batched_along,
    AddAlongAxis: _batched_along,
    Tril: lambda node, g, batch: (Node(node.op, (g,)),),  # masks of the last two axes
    Triu: lambda node, g, batch: (Node(node.op, (g,)),),
    Flip: lambda node, g, batch: (Node(Flip(tuple(a + 1 for a in node.op.axes)), (g,)),),
    Reshape: lambda node, g, batch: (reshape(g, (batch, *node.inputs[0].shape)),),
    BroadcastTo: lambda node, g, batch: (g,),  # summed back by _to_shape
    Transpose: lambda node, g, batch: (
        transpose(g, (0, *(int(a) + 1 for a in np.argsort(node.op.axes)))),),
    Index: _batched_index,
    IndexAdd: _batched_index_add,
    Concatenate: lambda node, g, batch: split_along(
        g, [x.shape[node.op.axis] for x in node.inputs], node.op.axis + 1),
}
# the linear algebra: their rules broadcast the cotangent against the matrices' batch axes
_BATCHED_RULES.update(dict.fromkeys((
    Det, DetDerivative, SlogdetSign, SlogdetLog, Inv, InvOrNan, Solve, Cholesky, EighValues,
    EighEigenvalues, EighVectors, SingularValues, SvdU, SvdS, SvdVh, QrQ, QrR, Pinv,
), _broadcasting))


def vjp(y: Node | Sequence[Node], wrt: Wrt, cotangent: Any) -> Node | list[Node]:
    """The vector-Jacobian product: ``cotangent`` pulled back through ``y`` to each of ``wrt``.
    An integer or boolean output is piecewise constant and pulls back zeros (JAX's float0
    cotangents), where ``grad``, ``jacobian`` and ``hessian`` refuse it.

    >>> x, v = sd.var("x", shape=(3,)), sd.var("v", shape=(3,))
    >>> sd.vjp(sd.sin(x), x, v)
    v * cos(x)
    """
    ys, _ = _listify(y)
    ys = [as_node(v) for v in ys]
    cots_in = _per_variable(ys, cotangent, "vjp", "cotangents", "outputs")
    cots: list[Node] = []
    for k, (yk, c) in enumerate(zip(ys, cots_in)):
        c = as_node(c, yk)
        if c.shape != yk.shape:
            raise ShapeError(
                f"vjp: cotangent {k} has shape {format_shape(c.shape)}, but the output has shape "
                f"{format_shape(yk.shape)}{_named_hint(c.shape, yk.shape)}"
            )
        # in the output's dtype, as a tangent is in its variable's: a float64 cotangent of a
        # float32 output would make the whole pullback float64; an integer output's is any
        cots.append(_along(yk, c, "vjp", "cotangent", f"output {k}") if yk.type.is_float else c)
    ws, many = _listify(wrt)
    order: list[Node] = []
    result = _vjp(ys, _resolve(ys, ws, "vjp"), cots, forward=order)
    _record_outputs(result, ys, order)
    return result if many else result[0]


def _float_output(y: Node, what: str) -> None:
    """Refuse an integer or boolean output: it is piecewise constant, so a derivative of it is
    no derivative (JAX's ``grad`` and ``jacrev`` refuse it too); ``vjp`` and ``jvp`` give zeros."""
    if not y.type.is_float:
        raise NotDifferentiableError(
            f"{what} needs a floating-point output, got dtype {y.dtype} (an integer or boolean "
            "value is piecewise constant; sd.vjp and sd.jvp give its zero derivatives)"
        )


def _gradient_dtypes(y: Node, xs: Sequence[Node], what: str) -> None:
    """Refuse a complex output with a real variable: its derivative is complex, and a gradient
    has its variable's dtype (reverse mode would keep the derivative's real part alone)."""
    if y.dtype.kind != "c":
        return
    for x in xs:
        if x.dtype.kind != "c":
            raise NotDifferentiableError(
                f"{what} of a complex output ({y.dtype}) with respect to the real {_label(x)!r} "
                f"({x.dtype}): the derivative is complex, and a gradient has the variable's "
                f"dtype; use sd.jacobian(y, {_label(x)!r}) for the complex derivative, or take "
                "the real or imaginary part of y first"
            )


def grad(y: Node, wrt: Wrt, *, mode: str = "auto") -> Node | list[Node]:
    """The gradient of a scalar ``y``: one node per variable in ``wrt``, each of its shape, by
    reverse mode. For one scalar variable, forward mode is one sweep too: with ``mode="auto"``
    both are built and the smaller graph kept (reverse mode on a tie; of a derivative, forward
    mode's unless reverse mode's adds under 4/5 of its operations), which keeps derivatives of
    derivatives small (polynomial in the order, where reverse mode's double) at the cost of the
    second sweep; ``mode="reverse"`` or ``"forward"``
    builds that one alone (forward mode for one scalar variable only).

    Complex variables follow JAX's convention: for a real ``y`` of ``z = a + ib`` the gradient
    is ``dy/da - i dy/db`` (``2 * conj(z)`` for ``abs(z)**2``); a complex ``y`` is taken as
    holomorphic, its gradient being its real part's, ``f'(z)`` for a holomorphic ``f``.

    >>> x, y = sd.symbols("x y")
    >>> dfdx, dfdy = sd.grad(x * y + sd.sin(x), [x, y])
    >>> dfdx, dfdy
    (1.0 * cos(x) + 1.0 * y, 1.0 * x)
    >>> sd.simplify(dfdx)
    cos(x) + y
    """
    if mode not in ("auto", "reverse", "forward"):
        raise ValueError(f"grad: mode must be 'auto', 'reverse' or 'forward', got {mode!r}")
    y = as_node(y)
    if y.shape != ():
        raise ShapeError(
            f"grad needs a scalar output, got shape {format_shape(y.shape)}; "
            "use sd.vjp(y, wrt, cotangent) or sd.jacobian(y, wrt) for non-scalar outputs"
        )
    _float_output(y, "grad")
    ws, many = _listify(wrt)
    xs = _resolve([y], ws, "grad")
    _gradient_dtypes(y, xs, "grad")
    order: list[Node] = []
    one_scalar = len(xs) == 1 and xs[0].shape == () and xs[0].dtype == y.dtype and y.dtype.kind == "f"
    if mode == "forward" and y.dtype.kind == "c":
        raise ValueError(
            f"grad: mode='forward' takes a real output, got a complex one ({y.dtype}); a forward "
            "sweep along the real axis gives df/da (sd.jvp), which is the gradient of a "
            "holomorphic f alone, reverse mode the gradient")
    if mode == "forward" and not one_scalar:
        got = (f"{len(xs)} variables" if len(xs) != 1 else
               f"{_label(xs[0])!r} of shape {format_shape(xs[0].shape)} and dtype {xs[0].dtype}")
        raise ValueError(
            f"grad: mode='forward' takes one scalar variable of the output's dtype ({y.dtype}), "
            f"got {got}; a forward sweep gives one directional derivative (sd.jvp), reverse mode "
            "the whole gradient")
    if one_scalar and mode != "reverse":
        result = [_one_scalar(y, xs[0], order, mode == "forward")]
    else:
        result = _vjp([y], xs, [const(np.ones((), y.dtype))], forward=order)
    _record_outputs(result, [y], order)
    return result if many else result[0]


@gc_paused
def _one_scalar(y: Node, x: Node, order: list[Node], forward: bool = False) -> Node:
    """dy/dx for a scalar ``y`` and one scalar variable ``x``: reverse mode pulls a cotangent
    back, forward mode pushes a tangent forward, one sweep each, and the two graphs hold the same
    values. Of a function, the smaller is kept (ties go to reverse mode, as on most first
    derivatives); of a function holding derivatives (``grad`` of a ``grad``), forward mode's
    unless reverse mode's adds under 4/5 of its operations, as the tangent's grows polynomially
    with the order where the cotangent's doubles (forward-over-reverse is the cheaper Hessian),
    and it stays so once simplified: the 4th to 6th derivatives of
    ``(x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)`` in x, each ``grad`` of the one before, are
    about a third of the size (220 nodes at the 6th, against 659)."""
    one = const(np.ones((), y.dtype))
    if forward:
        order.extend(toposort([y]))
        return _coefficient(_series([y], _leaves({x: one}, 1), 1, True, order)[0][1], y)
    (back,) = _vjp([y], [x], [one], forward=order)
    if not back.inputs:
        return back  # a constant (zero, or one for y = x): nothing to choose
    ahead = _series([y], _leaves({x: one}, 1), 1, True, order)[0][1]
    if ahead is None or ahead.dtype != y.dtype or ahead.shape != ():
        return back
    function = set(order)
    reverse = _appended(back, function)
    if not records_outputs(order):  # a first derivative: the smaller, reverse mode on a tie
        return ahead if _appended(ahead, function, reverse) < reverse else back
    # a derivative of a derivative: forward mode unless reverse mode adds under 4/5 of its
    # operations. A forward sweep over a forward-built derivative finds the derivatives of its
    # derivatives built already (nodes are interned), so the orders grow polynomially, where
    # reverse sweeps build fresh cotangents and double per order: taking reverse mode on ties,
    # the 8th derivative of tanh was 452 nodes (139 now), of 1/sqrt(x + y**2) 2,494 (475)
    return ahead if _appended(ahead, function, reverse * 5 // 4 + 1) * 4 <= reverse * 5 else back


def _appended(root: Node, function: set[Node], limit: int | None = None) -> int:
    """How many operations the graph of ``root`` adds to that of ``function``, not counting
    constants and products by one (the seed's 1.0 * ..., which rewriting drops): the sweeps
    differ in where they multiply by the seed, not in what they compute. The count stops at
    ``limit`` when one is given (a graph that large loses the comparison already)."""
    seen = set(function)  # the function's nodes are passed over as if counted already
    stack = [root]
    count = 0
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        ins = n.inputs
        if not ins:
            continue
        stack.extend(ins)
        if not (isinstance(n.op, Mul) and any(map(_is_one, ins))):
            count += 1
            if count == limit:
                break
    return count


def _is_one(n: Node) -> bool:
    """Whether ``n`` is a constant 1 (of one element)."""
    return not n.inputs and constant_equals(n, 1)


def _stable_interiors(y: Node) -> set[Node]:
    """The nodes of ``y``'s graph strictly inside a stable form (the sigmoid of
    ``log(sigmoid(x))``): asking reverse mode for one of them makes it take that form's chain
    rule as written, and the nodes below it would get its inf * 0 = nan where ``grad`` gives a
    number."""
    inside: set[Node] = set()
    for n in toposort(y):
        parts = stable_parts(n) if isinstance(n.op, STABLE_HEADS) else None
        if parts is None:
            continue
        stack = list(n.inputs)
        while stack:
            m = stack.pop()
            if all(m is not x for x in parts[1]) and m not in inside:
                inside.add(m)
                stack.extend(m.inputs)
    return inside


def _node_cotangents(y: Node, nodes: Sequence[Node]) -> dict[Node, tuple[Node, Mask]]:
    """Each of ``nodes``' cotangent from scalar ``y`` before its where-mask, and the mask;
    the nodes inside a stable form in a pass of their own, so that the others get the
    gradients ``grad`` gives."""
    inside = _stable_interiors(y)
    one = const(np.ones((), y.dtype))
    found: dict[Node, tuple[Node, Mask]] = {}
    for group in ([n for n in nodes if n not in inside], [n for n in nodes if n in inside]):
        if group:
            masked: dict[Node, tuple[Node, Mask]] = {}
            _vjp([y], group, [one], masked=masked)
            found.update((n, masked.get(n) or (_zeros_like(n, None), ())) for n in group)
    return found


def node_gradients(y: Node, nodes: Sequence[Node]) -> list[Node]:
    """The gradient of a scalar ``y`` with respect to each of ``nodes`` (floating-point nodes of
    its graph, intermediate ones too), each as ``grad(y, node)`` alone gives it."""
    found = _node_cotangents(y, nodes)
    return [_apply(*found[n]) for n in nodes]


def backward_edges(y: Node, nodes: Sequence[Node]) -> list[tuple[Node, list[Node | None]]]:
    """For each of ``nodes``, the gradient of scalar ``y`` with respect to it (upstream) and
    what reverse mode sends along each of its input edges (downstream): a cotangent that
    travels with a where-mask through an elementwise op is masked after its rule, so the branch
    not taken gets exactly zero, as ``grad`` counts it, even where the rule gives inf or nan."""
    found = _node_cotangents(y, nodes)
    out: list[tuple[Node, list[Node | None]]] = []
    for n in nodes:
        g, mask = found[n]
        up = _apply(g, mask)
        travel, stay = _split_mask(mask, n.op.elementwise and not isinstance(n.op, Where))
        downs = [] if not n.inputs else pullback(n, _apply(g, stay), mask=travel)
        out.append((up, downs))
    return out


@gc_paused
def jvp(y: Node | Sequence[Node], wrt: Wrt, tangent: Any) -> Node | list[Node]:
    """The Jacobian-vector product (forward mode): how ``y`` moves when ``wrt`` moves along
    ``tangent``. Tangents are pushed through the graph from the variables up (Taylor mode to
    the first order, see ``taylor``), so only what ``y`` needs is built, once. An integer or
    boolean output moves by float64 zeros (JAX's float0 tangents).

    >>> x = sd.var("x", shape=(3,))
    >>> sd.jvp(sd.sin(x), x, np.ones(3))
    [1.0, 1.0, 1.0] * cos(x)
    """
    ys_in, many_y = _listify(y)
    ys = [as_node(v) for v in ys_in]
    line = _line(ys, wrt, tangent, "jvp")
    out = [_coefficient(s[1], yk) for yk, s in zip(ys, _series(ys, _leaves(line, 1), 1, True))]
    return out if many_y else out[0]


def _jvp_by_transpose(y: Node, xs: Sequence[Node], ts: Sequence[Node]) -> Node:
    """The jvp of ``y`` from reverse mode: a vjp is linear in its cotangent, so its transpose
    (reverse mode through the vjp, the tangents as the cotangents of its results) is the jvp,
    with no trace of the cotangent left. Every op with a ``vjp`` has a jvp this way (Taylor
    mode uses it for ops without a rule of their own). It is the derivative of
    sum(<vjp_i, t_i>) in the cotangent without that sum's products by ones (``1.0 * t``, or
    broadcast ones), which every node filling in a template would carry."""
    seed = Node(_Seed(0, Type(y.dtype, y.shape)), ())
    pulled = _vjp([y], xs, [seed])
    (out,) = _vjp(pulled, [seed], list(ts))
    (out,) = substitute([out], {seed: zeros(seed.shape, seed.dtype)})
    return cotangent_as(out, y.dtype)


def jacobian(y: Node | Sequence[Node], wrt: Wrt) -> Node | list[Node] | list[Any]:
    """d y / d wrt as an array of shape ``y.shape + wrt.shape``: one reverse pass whose
    cotangents carry the rows of the identity along a leading axis, so the graph does not grow
    with the size of the output (ops without a batched rule take the rows one at a time). For a
    list of outputs, one Jacobian per output, a pass each (as ``jax.jacrev`` of a function
    returning a tuple), each a list per variable when ``wrt`` is a list.

    >>> x = sd.var("x", shape=(3,))
    >>> J = sd.jacobian(sd.sin(x) * x[0], x); J.shape
    (3, 3)
    >>> sd.simplify(J)
    index_add(sin(x), (3, 3), s_[:, 0]) + diag(x[0] * cos(x))
    >>> dy1, dy2 = sd.jacobian([sd.sin(x), sd.sum(x ** 2)], x)
    >>> sd.simplify([dy1, dy2])
    [diag(cos(x)), 2.0 * x]
    """
    ys_in, many_y = _listify(y)
    ys = [as_node(v) for v in ys_in]
    ws, many = _listify(wrt)
    xs = _resolve(ys, ws, "jacobian")
    out = [_jacobian(yk, xs, _of_output("jacobian", k, many_y)) for k, yk in enumerate(ys)]
    per_output = out if many else [blocks[0] for blocks in out]
    return per_output if many_y else per_output[0]


def _of_output(what: str, k: int, many: bool) -> str:
    """How an error names the function asked of output ``k`` (when there is a list of them)."""
    return f"{what} of output {k}" if many else what


def _jacobian(y: Node, xs: Sequence[Node], what: str) -> list[Node]:
    """The Jacobian of one output ``y`` with respect to each of ``xs``."""
    _float_output(y, what)
    size = y.type.static_size
    if size is None:
        raise NotImplementedError(
            f"{what} needs an output of static shape, got {format_shape(y.shape)}; use sd.vjp or sd.jvp"
        )
    if size == 0:
        blocks = [zeros((0, *x.shape), x.dtype) for x in xs]
        return [reshape(b, (*y.shape, *x.shape)) for b, x in zip(blocks, xs)]
    if y.shape == ():
        rows, batch = const(np.ones((), y.dtype)), None
    else:
        # all rows in one reverse pass: the cotangents are the rows of the identity (built in
        # the graph, not stored as a size-by-size constant)
        rows, batch = reshape(eye(size, dtype=y.dtype), (size, *y.shape)), size
    order: list[Node] = []
    blocks = _vjp([y], xs, [rows], batch=batch, forward=order)
    real = [k for k, x in enumerate(xs) if y.dtype.kind == "c" and x.dtype.kind != "c"]
    if real:
        # a real variable keeps the real part of a complex cotangent, Re(c J): the rows for
        # c = e give Re J, those for c = i e give -Im J, and J = Re J + i Im J
        imag = _vjp([y], [xs[k] for k in real], [rows * 1j], batch=batch)
        for k, im in zip(real, imag):
            blocks[k] = blocks[k] - im * 1j
    result = [reshape(b, (*y.shape, *x.shape)) for b, x in zip(blocks, xs)]
    _record_outputs(result, [y], order)
    return result


def hessian(y: Node | Sequence[Node], wrt: Wrt) -> Node | list[list[Node]] | list[Any]:
    """Second derivatives of a scalar ``y``: shape ``wrt.shape * 2`` (nested blocks for a list).
    For a list of scalar outputs, one Hessian per output (as ``jax.hessian`` of a function
    returning a tuple).

    >>> v = sd.var("v", shape=(3,))
    >>> H = sd.simplify(sd.hessian(sd.sum(v ** 3), v)); H
    diag(6.0 * v)
    >>> sd.evaluate(H, {"v": [1.0, 2.0, 3.0]})
    array([[ 6.,  0.,  0.],
           [ 0., 12.,  0.],
           [ 0.,  0., 18.]])
    >>> h1, h2 = sd.hessian([sd.sum(v ** 3), sd.sum(sd.sin(v))], v)
    >>> sd.simplify(h2)
    -diag(sin(v))
    """
    ys_in, many_y = _listify(y)
    ys = [as_node(v) for v in ys_in]
    ws, many = _listify(wrt)
    xs = _resolve(ys, ws, "hessian")
    out = [_hessian(yk, xs, _of_output("hessian", k, many_y)) for k, yk in enumerate(ys)]
    per_output = out if many else [blocks[0][0] for blocks in out]
    return per_output if many_y else per_output[0]


def _hessian(y: Node, xs: Sequence[Node], what: str) -> list[list[Node]]:
    """The Hessian blocks of one scalar output ``y``: row i is the Jacobian of its gradient in
    ``xs[i]`` with respect to each of ``xs``."""
    # checked here, not left to grad and jacobian, whose errors would name them
    if y.shape != ():
        raise ShapeError(
            f"{what} needs a scalar output, got shape {format_shape(y.shape)}; use sd.jacobian "
            "of a gradient for the second derivatives of several outputs"
        )
    _float_output(y, what)
    _gradient_dtypes(y, xs, what)
    for x in xs:
        if y.dtype.kind != "c" and x.dtype.kind == "c":
            # the gradient of a real y is not holomorphic (of |z|**2 it is 2 * conj(z)), so the
            # Jacobian taken as holomorphic would keep d(dy/da) alone and lose d(dy/db)
            raise NotDifferentiableError(
                f"{what} of a real output with respect to the complex {_label(x)!r} ({x.dtype}): "
                "its second derivative is not complex-linear (the gradient of |z|**2, "
                "2 * conj(z), moves by 2 * conj(v) along v), so no complex matrix holds it; use "
                f"sd.hvp(y, {_label(x)!r}, v) for its products with vectors, or write y in the "
                "real and imaginary parts as real variables"
            )
        if x.type.static_size is None:
            raise NotImplementedError(
                f"{what} needs variables of static shape, got {_label(x)!r} of shape "
                f"{format_shape(x.shape)}; use sd.hvp for Hessian-vector products"
            )
    g = grad(y, xs)
    assert isinstance(g, list)
    # the blocks on and above the diagonal; each below it is the transpose of its mirror, so
    # the Hessian is symmetric to the bit (mixed partials taken both ways differ in rounding)
    # and its graph holds each off-diagonal block once
    rows = [[None] * k + _jacobian(gi, xs[k:], what) for k, gi in enumerate(g)]
    for i in range(len(xs)):
        for j in range(i):
            upper = rows[j][i]
            ni, nj = xs[i].ndim, xs[j].ndim
            rows[i][j] = upper if not ni or not nj else transpose(
                upper, (*range(nj, nj + ni), *range(nj)))
    return rows  # type: ignore[return-value]


def hvp(y: Node, wrt: Wrt, v: Any) -> Node | list[Node]:
    """The Hessian-vector product of a scalar ``y``, without forming the Hessian.

    >>> x = sd.var("x", shape=(3,))
    >>> sd.simplify(sd.hvp(sd.sum(x ** 3), x, np.ones(3)))
    6.0 * x
    """
    ws, many = _listify(wrt)
    y = as_node(y)
    xs = _resolve([y], ws, "hvp")
    if y.shape != ():  # checked here, not left to grad, whose error would name it
        raise ShapeError(
            f"hvp needs a scalar output, got shape {format_shape(y.shape)}; take one output at a "
            "time, sd.hvp(y[i], x, v), or a weighted sum of them, sd.hvp(sd.sum(w * y), x, v)"
        )
    vs = _per_variable(xs, v, "hvp", "vectors")
    _float_output(y, "hvp")
    _gradient_dtypes(y, xs, "hvp")
    if not xs:
        return []  # no variables: no products, as grad gives no gradients
    vecs: list[Node] = []
    for x, vi in zip(xs, vs):
        vecs.append(_along(x, as_node(vi, x), "hvp", "vector"))
    g = grad(y, xs)
    assert isinstance(g, list)
    # the vectors pulled back through the gradient as cotangents (H is symmetric), so they are
    # held fixed: the gradient of <grad y, v> would also differentiate a v built from xs
    order: list[Node] = []
    out = _vjp(g, xs, vecs, forward=order)
    _record_outputs(out, g, order)
    return out if many else out[0]


# -- Taylor mode --------------------------------------------------------------------------------
#
# The k-th derivative along a line, t -> y(x + t*v), from the Taylor coefficients
# y_k = (1/k!) d^k y / dt^k at t = 0, propagated through the graph once, all orders together
# (Griewank and Walther, "Evaluating Derivatives", ch. 13). A product needs the Cauchy sum of
# its operands' coefficients, an exponential or a sigmoid a recurrence over the lower ones, so
# the coefficients up to order K take about K^2 / 2 nodes per node of the function: the graph
# of the 6th derivative of a small function is a few times the function, where differentiating
# six times over multiplies it by about 2.4 each time. Ops without a rule of their own
# (softmax, det, maximum, ...) take their first derivative from reverse mode and expand that
# to one order less, so every differentiable op works; the recursion is over the order, not the graph.

Series = list[Union[Node, None]]  # coefficients 0..K of one node; None is a known zero


class _Slot(_Seed):
    """A placeholder input of an op whose Taylor rule is derived from its ``vjp`` (a class of
    its own, so a slot is never the same node as a seed)."""

    __slots__ = ()
    name = "slot"


def _plus(a: Node | None, b: Node | None) -> Node | None:
    if a is None:
        return b
    return a if b is None else a + b


def _times(c: float, v: Node | None) -> Node | None:
    """``c * v`` for a Python number ``c`` (weakly typed: float32 stays float32)."""
    if v is None or c == 1:
        return v
    return -v if c == -1 else v * c


def _fit(v: Node | None, like: Node) -> Node | None:
    """``v`` broadcast and cast to the shape and dtype of ``like`` (one operand of a sum)."""
    if v is None:
        return None
    if v.dtype != like.dtype:
        v = cotangent_as(v, like.dtype)
    return v if v.shape == like.shape else broadcast_to(v, like.shape)


def _cauchy(a: Series, b: Series, k: int, pair: Any = None) -> Node | None:
    """sum over i of a_i * b_(k-i): the k-th coefficient of a product (``pair`` builds one
    term; elementwise ``*`` by default)."""
    total: Node | None = None
    for i in range(k + 1):
        ai, bj = a[i], b[k - i]
        if ai is not None and bj is not None:
            total = _plus(total, ai * bj if pair is None else pair(ai, bj))
    return total


def _products(terms: Iterable[tuple[float, Node | None, Node | None]]) -> Node | None:
    """sum of c * u * v over the terms whose u and v are not known zeros."""
    total: Node | None = None
    for c, u, v in terms:
        if u is not None and v is not None:
            total = _plus(total, _times(c, u * v))
    return total


def _chain(x: Series, q: Series, k: int) -> Node | None:
    """The k-th coefficient of y with y' = q * x': sum over j of (j/k) x_j q_(k-j)."""
    return _products((j / k, x[j], q[k - j]) for j in range(1, k + 1))


def _solved(a: Node | None, rest: Node | None, d: Node) -> Node | None:
    """(a - rest) / d: a coefficient from a relation d*y_k + rest = a."""
    top = a if rest is None else (-rest if a is None else a - rest)
    return None if top is None else top / d


def _selectors(n: Node) -> range:
    """The inputs of a linear op that choose where values go rather than carry them (where's
    condition, index arrays): every coefficient of the output reads them as they are."""
    if isinstance(n.op, Where):
        return range(1)
    return range(1, len(n.inputs)) if isinstance(n.op, (Index, IndexAdd)) else range(0)


def _t_linear(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    """An op linear in its values together (sums, reshapes, indexing, where): each coefficient
    is the op of its inputs' coefficients; an integer or boolean value (where(c, x, 0), with an
    integer 0, or x concatenated with integers) is constant, so its coefficients are zeros."""
    out: Series = [y0]
    select = _selectors(n)
    for k in range(1, K + 1):
        if all(s[k] is None for s, i in zip(ins, n.inputs) if i.type.is_float):
            out.append(None)
            continue
        args = [s[0] if j in select else
                s[k] if s[k] is not None else zeros(s[0].shape, s[0].dtype)  # type: ignore[union-attr]
                for j, s in enumerate(ins)]
        out.append(Node(n.op, args))  # type: ignore[arg-type]
    return out


def _t_add(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    a, b = ins
    sub = isinstance(n.op, Sub)
    out: Series = [y0]
    for k in range(1, K + 1):
        ak, bk = a[k], b[k]
        if ak is not None and bk is not None:
            out.append(ak - bk if sub else ak + bk)
        else:
            out.append(_fit(ak if bk is None else (-bk if sub else bk), y0))
    return out


def _t_neg(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    return [y0, *(None if c is None else -c for c in ins[0][1:])]


def _t_bilinear(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    """``a * b``, ``a @ b``, a two-operand einsum: the Cauchy product."""
    a, b = ins
    pair = None if isinstance(n.op, Mul) else (lambda u, v: Node(n.op, (u, v)))
    return [y0, *(_cauchy(a, b, k, pair) for k in range(1, K + 1))]


def _t_div(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    """y = a / b: b*y = a, so y_k = (a_k - sum over j >= 1 of b_j y_(k-j)) / b_0."""
    a, b = ins
    out: Series = [y0]
    for k in range(1, K + 1):
        rest = _products((1, b[j], out[k - j]) for j in range(1, k + 1))
        out.append(_solved(a[k], rest, b[0]))  # type: ignore[arg-type]
    return out


def _t_exp(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    out: Series = [y0]  # y' = y x'
    for k in range(1, K + 1):
        out.append(_chain(ins[0], out, k))
    return out


def _t_log(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    """x y' = x': y_k = (x_k - sum over 1 <= j < k of (j/k) y_j x_(k-j)) / x_0."""
    x = ins[0]
    out: Series = [y0]
    for k in range(1, K + 1):
        rest = _products((j / k, out[j], x[k - j]) for j in range(1, k))
        out.append(_solved(x[k], rest, x[0]))  # type: ignore[arg-type]
    return out


def _t_sqrt(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    """y*y = x: y_k = (x_k - sum over 1 <= j < k of y_j y_(k-j)) / (2 y_0)."""
    x = ins[0]
    out: Series = [y0]
    for k in range(1, K + 1):
        out.append(_solved(x[k], _products((1, out[j], out[k - j]) for j in range(1, k)), y0 * 2))
    return out


def _t_sin_cos(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    """sin' = cos x', cos' = -sin x': the two series together (the last coefficient of the
    one not returned is not needed)."""
    x = ins[0]
    is_sin = isinstance(n.op, Sin)
    s: Series = [y0 if is_sin else sin(x[0])]  # type: ignore[arg-type]
    c: Series = [cos(x[0]) if is_sin else y0]  # type: ignore[arg-type]
    for k in range(1, K + 1):
        if is_sin or k < K:
            s.append(_chain(x, c, k))
        if not is_sin or k < K:
            c.append(_times(-1, _chain(x, s, k)))
    return s if is_sin else c


def _t_logistic(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    """sigmoid' = s (1 - s) x', tanh' = (1 - t^2) x': q, the factor of x', is built alongside
    (its first term by the op's own ``slope``: sigmoid's s(x) s(-x) keeps its digits where
    1 - s cancels)."""
    x = ins[0]
    out: Series = [y0]
    q: Series = [n.op.slope(x[0], y0)]  # type: ignore[attr-defined]
    if isinstance(n.op, Sigmoid):
        w: Series = [sigmoid_of_opposite(x[0])]  # 1 - s
    else:
        w = [y0]
    for k in range(1, K + 1):
        out.append(_chain(x, q, k))
        if k == K:
            break
        yk = out[k]
        if isinstance(n.op, Sigmoid):
            w.append(None if yk is None else -yk)
            q.append(_cauchy(out, w, k))
        else:
            w.append(yk)
            q.append(_times(-1, _cauchy(out, w, k)))
    return out


def _t_pow(n: Node, y0: Node, ins: list[Series], K: int) -> Series | None:
    """``a ** p`` for a constant integer 2 <= p <= 8: Cauchy products (no division by a_0, so
    exact at a = 0); other powers take the ``jvp`` rule."""
    a, e = ins
    p = const_value(n.inputs[1]) if all(c is None for c in e[1:]) else None
    if p is None or p.ndim != 0 or p.dtype.kind not in "iuf" or float(p) % 1 \
            or not 2 <= float(p) <= 8:
        return None
    if n.inputs[0].dtype != n.dtype:  # a float32 base to a float64 power: powers in float64
        a = [None if c is None else astype(c, n.dtype) for c in a]
    out: Series = list(a)
    for m in range(2, int(p) + 1):  # out holds the series of a ** m
        out = [y0 if m == int(p) else a[0] ** m, *(_cauchy(out, a, k) for k in range(1, K + 1))]
    return out


def _t_constant(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    return [y0] + [None] * K


_TAYLOR: dict[type[Op], Any] = {
    Add: _t_add, Sub: _t_add, Neg: _t_neg, Mul: _t_bilinear, MatMul: _t_bilinear,
    Div: _t_div, Exp: _t_exp, Log: _t_log, Sqrt: _t_sqrt, Sin: _t_sin_cos, Cos: _t_sin_cos,
    Sigmoid: _t_logistic, Tanh: _t_logistic, Pow: _t_pow, StopGradient: _t_constant,
    Sum: _t_linear, Reshape: _t_linear, Transpose: _t_linear, BroadcastTo: _t_linear,
    Concatenate: _t_linear, Index: _t_linear, IndexAdd: _t_linear, Where: _t_linear,
}


class _Template:
    """The jvp of one op applied to placeholder inputs (``slots``), in placeholder tangents of
    the inputs that move (``tangents``): ``jvp``, with its nodes in topological order
    (``order``) and those of them that read a placeholder (``filled``, what filling the
    placeholders in rebuilds)."""

    __slots__ = ("slots", "tangents", "jvp", "order", "filled")

    def __init__(self, op: Op, types: tuple[Type, ...], moving: tuple[int, ...]) -> None:
        self.slots = [Node(_Slot(i, typ), ()) for i, typ in enumerate(types)]
        self.tangents = [Node(_Slot(len(types) + j, types[i]), ()) for j, i in enumerate(moving)]
        self.jvp = _jvp_by_transpose(
            Node(op, self.slots), [self.slots[i] for i in moving], self.tangents)
        self.order = toposort([self.jvp])
        reads = {*self.slots, *self.tangents}
        self.filled = []
        for n in self.order:
            if n.inputs and not reads.isdisjoint(n.inputs):
                reads.add(n)
                self.filled.append(n)


# (op, input types, moving inputs) -> its _Template. A template depends on nothing else, and
# nodes are interned, so one built again would be the very same nodes: a chain of a thousand
# relus transposes relu once, not a thousand times. Bounded, and cleared when full like the
# type tables of ``ir``, so it stays small across any number of graphs; a template whose
# constants hold more than _TEMPLATE_ELEMENTS elements (the identity of an eigh of a big matrix)
# is not kept, so the table never holds big arrays alive: such an op costs far more to run
# than its template does to build.
_TEMPLATES_MAX = 512
_TEMPLATE_ELEMENTS = 4096
_templates: dict[tuple[Any, ...], _Template] = {}


def _template(n: Node, moving: tuple[int, ...]) -> _Template:
    key = (n.op, moving, *(i.type for i in n.inputs))
    found = _templates.get(key)
    if found is None:
        found = _Template(n.op, tuple(i.type for i in n.inputs), moving)  # errors store nothing
        held = sum(c.type.static_size or 0 for c in found.order
                   if not c.inputs and not isinstance(c.op, _Seed))
        if held <= _TEMPLATE_ELEMENTS:
            if len(_templates) >= _TEMPLATES_MAX:
                _templates.clear()
            _templates[key] = found
    return found


def _t_jvp(n: Node, y0: Node, ins: list[Series], K: int) -> Series:
    """Any differentiable op: y' = T(x, x') with T its ``jvp`` built over placeholder inputs
    (once per op, input types and moving inputs: ``_template``), expanded to order K - 1 (with
    the placeholders' series), so y_k = T_(k-1) / k."""
    moving = tuple(i for i, (s, inp) in enumerate(zip(ins, n.inputs))
                   if inp.type.is_float and any(c is not None for c in s[1:]))
    template = _template(n, moving)
    if K == 1:  # the expansion to order 0 is the template with its placeholders filled in
        filled = {slot: s[0] for slot, s in zip(template.slots, ins)}
        filled.update((slot, ins[i][1]) for slot, i in zip(template.tangents, moving))
        return [y0, substitute([template.jvp], filled, template.filled)[0]]  # type: ignore[dict-item]
    leaves: dict[Node, Series] = {slot: s[:K] for slot, s in zip(template.slots, ins)}
    for slot, i in zip(template.tangents, moving):
        leaves[slot] = [_times(m + 1, ins[i][m + 1]) for m in range(K)]
    inner = _series([template.jvp], leaves, K - 1, order=template.order)[0]
    return [y0, *(_times(1 / k, inner[k - 1]) for k in range(1, K + 1))]


def _series(ys: Sequence[Node], leaves: dict[Node, Series], K: int, added: bool = False,
            order: Sequence[Node] | None = None) -> list[Series]:
    """The Taylor coefficients 0..K of each of ``ys``, given those of ``leaves``: one walk in
    topological order (``order``, ``toposort(ys)`` when the caller has it already). A node that
    no leaf reaches is its own constant series. A leaf's series is its whole series, or with
    ``added`` (the lines of jvp and taylor) its own motion: a leaf that other leaves reach
    (``x`` and ``sin(x)`` both moved) moves by that on top of what they give it, so that a jvp
    is the Jacobian that reverse mode gives times the tangents."""
    ser: dict[Node, Series] = dict(leaves)
    moved = set(leaves) if added else set()
    for n in toposort(ys) if order is None else order:
        own = leaves.get(n)
        if (own is not None and not added) or ser.keys().isdisjoint(n.inputs):
            continue
        out = _node_series(n, ser, moved, K)
        ser[n] = out if own is None else [out[0], *map(_plus, out[1:], own[1:])]
    return [ser.get(y) or [y] + [None] * K for y in ys]


def _node_series(n: Node, ser: dict[Node, Series], moved: set[Node], K: int) -> Series:
    """The coefficients of ``n`` from those of its inputs (``ser``)."""
    ins = [ser.get(i) or [i] + [None] * K for i in n.inputs]
    args = [s[0] for s in ins]
    y0 = n if all(map(is_, args, n.inputs)) else Node(n.op, args)  # type: ignore[arg-type]
    if not n.type.is_float or not any(
            c is not None for s, i in zip(ins, n.inputs) if i.type.is_float for c in s[1:]):
        return [y0] + [None] * K
    stable = stable_parts(n) if isinstance(n.op, STABLE_HEADS) else None
    if stable is not None and any(x in ser for x in stable[1]) and not _between(
            n, stable[1], moved):
        # through its stable form, so the coefficients are as finite as the function
        # (log(sigmoid(x)) as -softplus(-x): no division by a sigmoid that underflowed);
        # not when a node inside it moves by a tangent of its own
        form = _series([stable[0]], {x: ser[x] for x in stable[1] if x in ser}, K)[0]
        return [y0, *form[1:]]
    rule = _TAYLOR.get(type(n.op))
    out = rule(n, y0, ins, K) if rule is not None else None
    return out if out is not None else _t_jvp(n, y0, ins, K)


def _leaves(line: dict[Node, Node], K: int) -> dict[Node, Series]:
    """The series of the variables of a line: ``x + t*v``."""
    return {x: [x, v, *[None] * (K - 1)] if K else [x] for x, v in line.items()}


def _coefficient(c: Node | None, y: Node) -> Node:
    """A coefficient as returned to users: zeros for a known zero, in ``y``'s dtype (float64
    for an integer ``y``, whose derivatives are zero)."""
    dtype = y.dtype if y.type.is_float else np.dtype(np.float64)
    if c is None:
        return zeros_like(y, dtype)  # with named dimensions, y gives their sizes
    return c if c.dtype == dtype else cotangent_as(c, dtype)


def _line(ys: Sequence[Node], wrt: Wrt, direction: Any, what: str) -> dict[Node, Node]:
    """The variables of ``wrt`` and their directions (1 for a scalar when none is given)."""
    ws, _ = _listify(wrt)
    xs = _resolve(ys, ws, what)
    if direction is None:
        for x in xs:
            if x.shape != ():
                raise ValueError(
                    f"{what}: {_label(x)!r} has shape {format_shape(x.shape)}; give a direction of that "
                    "shape (the derivative is taken along the line x + t*direction)")
        vs = [1.0] * len(xs)
    else:
        vs = _per_variable(xs, direction, what, "tangents" if what == "jvp" else "directions")
    kind = "tangent" if what == "jvp" else "direction"
    out: dict[Node, Node] = {}
    for x, v in zip(xs, vs):
        v = _along(x, as_node(v, x), what, kind)
        out[x] = out[x] + v if x in out else v  # a variable named twice moves by both
    return out


@gc_paused
def taylor(y: Node | Sequence[Node], wrt: Wrt, order: int, direction: Any = None
           ) -> list[Node] | list[list[Node]]:
    """The Taylor coefficients ``[y, y_1, ..., y_order]`` of ``t -> y(wrt + t*direction)`` at
    ``t = 0``: ``y_k`` is the k-th derivative along the line divided by ``k!``. All orders come
    from one walk (Taylor mode), so the graph grows with the square of the order, not
    exponentially. ``direction`` defaults to 1 for scalar variables.

    >>> x = sd.var("x")
    >>> sd.simplify(sd.taylor(sd.exp(2 * x), x, 3))
    [exp(2.0 * x), 2.0 * exp(2.0 * x), 2.0 * exp(2.0 * x), 1.3333333333333333 * exp(2.0 * x)]
    """
    return _taylor(y, wrt, order, direction, "taylor")


def _taylor(y: Node | Sequence[Node], wrt: Wrt, order: int, direction: Any, what: str
            ) -> list[Node] | list[list[Node]]:
    """``taylor``, its errors naming the function called (``what``)."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise ValueError(f"{what}: order must be a non-negative integer, got {order!r}")
    ys_in, many = _listify(y)
    ys = [as_node(v) for v in ys_in]
    K = int(order)
    line = _line(ys, wrt, direction, what)
    out = [[yk, *(_coefficient(c, yk) for c in s[1:])]
           for yk, s in zip(ys, _series(ys, _leaves(line, K), K, True))]
    return out if many else out[0]


def derivative(y: Node | Sequence[Node], wrt: Wrt, order: int = 1, direction: Any = None
               ) -> Node | list[Node]:
    """The ``order``-th derivative of ``y`` in a scalar variable (or along ``direction``),
    built in Taylor mode: ``order! * taylor(y, wrt, order)[order]``. Far smaller than
    differentiating ``order`` times for high orders.

    >>> x = sd.var("x")
    >>> sd.simplify(sd.derivative(sd.sin(x) * x, x, 4))
    x * sin(x) - 4.0 * cos(x)
    """
    ys_in, many = _listify(y)
    coeffs = _taylor(list(ys_in), wrt, order, direction, "derivative")
    scale = math.factorial(int(order))
    out = [c[-1] if scale == 1 else c[-1] * float(scale) for c in coeffs]  # type: ignore[index]
    return out if many else out[0]
