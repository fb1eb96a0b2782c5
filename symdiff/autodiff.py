"""Reverse-mode differentiation that appends derivative nodes to the graph.

One backward walk over ``toposort`` (reversed), looking up each op's ``vjp`` rule and summing
the contributions that reach a node. Results are nodes, so they can be differentiated again.

Where-masks: the cotangent that ``where(c, a, b)`` sends to ``a`` is zero where ``c`` is false.
Rather than multiplying that zero by local derivatives that may be inf or nan there (the
classic ``where(x > 0, sqrt(x), 0)`` trap), the mask travels with the cotangent through
elementwise ops and is applied once, where it can no longer travel. So the branch not taken
contributes exactly zero.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, Union

import numpy as np

from .errors import NotDifferentiableError, ShapeError
from .ir import Node, Op, Type, format_shape, gc_paused, substitute, toposort
from .ops import Var, as_node, astype, const, reshape, stack, sum_to, where, zeros
from .ops.elementwise import StopGradient, Where
from .ops.stable import HEADS as STABLE_HEADS
from .ops.stable import stable_parts
from .ops.reduce import sum as reduce_sum

Wrt = Union[Node, str, Sequence[Union[Node, str]]]
# The where-conditions a cotangent still has to be masked by: (condition, branch) pairs, all
# of which must hold; () for none. Nested wheres compose into one mask instead of applying
# the outer one early, which would let 0 * inf = nan back in below the inner one.
Mask = tuple[tuple[Node, bool], ...]
_MASK_DEPTH = 8  # nesting beyond this applies the outermost condition where it is reached


class _Seed(Op):
    """A placeholder cotangent used to derive forward mode from reverse mode."""

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


def _resolve(ys: Sequence[Node], wrt: Sequence[Any]) -> list[Node]:
    by_name: dict[str, Node] | None = None
    out: list[Node] = []
    for w in wrt:
        if isinstance(w, str):
            if by_name is None:
                by_name = {n.op.var_name: n for n in toposort(ys) if isinstance(n.op, Var)}  # type: ignore[attr-defined]
            if w not in by_name:
                known = ", ".join(sorted(by_name)) or "none"
                raise KeyError(f"no variable named {w!r} in the expression (its variables: {known})")
            w = by_name[w]
        if not isinstance(w, Node):
            raise TypeError(f"can only differentiate with respect to variables or nodes, got {w!r}")
        if not w.type.is_float:
            what = w.op.var_name if isinstance(w.op, Var) else repr(w.op)  # type: ignore[attr-defined]
            raise NotDifferentiableError(
                f"cannot differentiate with respect to {what!r}: its dtype {w.dtype} is not floating-point "
                "(integer and boolean inputs such as labels and indices carry no gradient)"
            )
        out.append(w)
    return out


# Provenance for readable generated code: a cotangent node -> the node it is the cotangent of,
# so the code generator can name it ``d<name>`` as in hand-written backprop. Keyed by id and
# holding only weak references (an entry leaves when its cotangent dies), so the table keeps
# no node alive; nodes are interned, so the first recording is the one kept.
_COTANGENT_OF: dict[int, tuple[weakref.ref[Node], weakref.ref[Node]]] = {}


def _record(g: Node, primal: Node) -> None:
    key = id(g)
    entry = _COTANGENT_OF.get(key)
    if entry is not None and entry[0]() is g:
        return
    _COTANGENT_OF[key] = (weakref.ref(g, lambda _, key=key: _COTANGENT_OF.pop(key, None)),
                          weakref.ref(primal))


def cotangent_of(node: Node) -> Node | None:
    """The node whose cotangent ``node`` was built as by reverse mode, if it is one and that
    node is alive.

    >>> x = sd.var("x"); y = sd.sin(x); dx = sd.grad(y, x); cotangent_of(dx) is x
    """
    entry = _COTANGENT_OF.get(id(node))
    if entry is None or entry[0]() is not node:
        return None
    return entry[1]()


def _apply(g: Node, mask: Mask) -> Node:
    for cond, take in mask:
        g = where(cond, g, 0) if take else where(cond, 0, g)
    return g


def _total(contribs: list[tuple[Node, Mask]]) -> tuple[Node, Mask]:
    """The sum of the contributions reaching a node, and the mask they share: conditions
    common to all of them keep travelling, the others are applied to their own term."""
    if len(contribs) == 1:
        return contribs[0]  # most nodes have one consumer
    first = contribs[0][1]
    others = [{(id(c), t) for c, t in m} for _, m in contribs[1:]]
    shared = tuple(p for p in first if all((id(p[0]), p[1]) in o for o in others))
    keys = {(id(c), t) for c, t in shared}
    total: Node | None = None
    for g, m in contribs:
        term = _apply(g, tuple(p for p in m if (id(p[0]), p[1]) not in keys))
        total = term if total is None else total + term
    assert total is not None
    return total, shared


def _between(node: Node, x: Node, targets: set[Node]) -> bool:
    """Whether a node of the graph strictly between ``node`` and its operand ``x`` (the few
    nodes of a stable form's pattern) is one whose gradient is asked for: then the cotangent
    must pass through it, not around it."""
    stack = list(node.inputs)
    while stack:
        n = stack.pop()
        if n is x:
            continue
        if n in targets:
            return True
        stack.extend(n.inputs)
    return False


def _through(form: Node, g: Node, x: Node) -> Node | None:
    """The cotangent of ``x`` for ``g`` pulled back through ``form``, a small expression of ``x``
    (its nodes above ``x`` are walked; nothing below)."""
    local: list[Node] = []  # the nodes of ``form`` above ``x``, inputs first
    seen = {x}
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
        if gn is None:
            continue
        for inp, gi in zip(n.inputs, n.op.vjp(gn, n, *n.inputs)):
            if gi is None or not inp.type.is_float:
                continue
            if gi.shape != inp.shape:
                gi = sum_to(gi, inp.shape)
            if gi.dtype != inp.dtype:
                gi = astype(gi, inp.dtype)
            cot[inp] = gi if inp not in cot else cot[inp] + gi
    return cot.get(x)


@gc_paused
def _vjp(ys: Sequence[Node], wrt: Sequence[Node], cots: Sequence[Node]) -> list[Node]:
    order = toposort(ys)
    targets = set(wrt)
    # the nodes through which some wrt reaches some y: only they need cotangents
    depends: set[Node] = set()
    for n in order:
        if n in targets or (
            n.type.is_float
            and not isinstance(n.op, StopGradient)
            and any(i in depends for i in n.inputs)
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
        if not node.inputs:
            continue
        ins = node.inputs
        stable = stable_parts(node) if isinstance(node.op, STABLE_HEADS) else None
        if stable is not None and not _between(node, stable[1], targets):
            # differentiated as its stable form, so the gradient is as finite as the function
            # (d log(sigmoid(x)) = sigmoid(-x), not (1 - s) * s / s, which is 0/0 once s is 0)
            form, ins = stable[0], (stable[1],)
            local = (_through(form, _apply(g, mask), stable[1]),)
            masks = [()]
        elif isinstance(node.op, Where):
            if len(mask) >= _MASK_DEPTH:  # bounds the work on long where-chains
                g, mask = _apply(g, mask[:1]), mask[1:]
            cond = node.inputs[0]
            local: Sequence[Node | None] = (None, g, g)
            masks: list[Mask] = [(), (*mask, (cond, True)), (*mask, (cond, False))]
        elif node.op.elementwise and mask:
            local = node.op.vjp(g, node, *node.inputs)
            masks = [mask] * len(node.inputs)
        else:
            g = _apply(g, mask)
            local = node.op.vjp(g, node, *node.inputs)
            masks = [()] * len(node.inputs)
        for inp, gi, m in zip(ins, local, masks):
            if gi is None or inp not in depends:
                continue
            if gi.shape != inp.shape:
                gi = sum_to(_apply(gi, m), inp.shape)
                m = ()
            if gi.dtype != inp.dtype:
                gi = astype(gi, inp.dtype)
            pending.setdefault(inp, []).append((gi, m))
    return [found[w] if w in found else zeros(w.shape, w.dtype) for w in wrt]


def vjp(y: Node | Sequence[Node], wrt: Wrt, cotangent: Any) -> Node | list[Node]:
    """The vector-Jacobian product: ``cotangent`` pulled back through ``y`` to each of ``wrt``.

    >>> x = sd.var("x", shape=(3,)); sd.vjp(sd.sin(x), x, sd.var("v", shape=(3,)))
    """
    ys, _ = _listify(y)
    ys = [as_node(v) for v in ys]
    cots_in, _ = _listify(cotangent)
    if len(cots_in) != len(ys):
        raise ValueError(f"vjp: {len(ys)} outputs but {len(cots_in)} cotangents")
    cots: list[Node] = []
    for k, (yk, c) in enumerate(zip(ys, cots_in)):
        c = as_node(c, yk)
        if c.shape != yk.shape:
            raise ShapeError(
                f"vjp: cotangent {k} has shape {format_shape(c.shape)}, but the output has shape "
                f"{format_shape(yk.shape)}"
            )
        cots.append(c)
    ws, many = _listify(wrt)
    result = _vjp(ys, _resolve(ys, ws), cots)
    return result if many else result[0]


def grad(y: Node, wrt: Wrt) -> Node | list[Node]:
    """The gradient of a scalar ``y``: one node per variable in ``wrt``, each of its shape.

    >>> x, y = sd.symbols("x y"); dfdx, dfdy = sd.grad(x * y + sd.sin(x), [x, y])
    """
    y = as_node(y)
    if y.shape != ():
        raise ShapeError(
            f"grad needs a scalar output, got shape {format_shape(y.shape)}; "
            "use sd.vjp(y, wrt, cotangent) or sd.jacobian(y, wrt) for non-scalar outputs"
        )
    if not y.type.is_float:
        raise NotDifferentiableError(f"grad needs a floating-point output, got dtype {y.dtype}")
    ws, many = _listify(wrt)
    result = _vjp([y], _resolve([y], ws), [const(np.ones((), y.dtype))])
    return result if many else result[0]


def jvp(y: Node | Sequence[Node], wrt: Wrt, tangent: Any) -> Node | list[Node]:
    """The Jacobian-vector product (forward mode): how ``y`` moves when ``wrt`` moves along
    ``tangent``. Built as the derivative of a vector-Jacobian product, which is linear in its
    cotangent, so the result holds no trace of that cotangent.

    >>> x = sd.var("x", shape=(3,)); sd.jvp(sd.sin(x), x, np.ones(3))   # cos(x)
    """
    ys_in, many_y = _listify(y)
    ys = [as_node(v) for v in ys_in]
    ws, _ = _listify(wrt)
    xs = _resolve(ys, ws)
    ts_in, _ = _listify(tangent)
    if len(ts_in) != len(xs):
        raise ValueError(f"jvp: {len(xs)} variables but {len(ts_in)} tangents")
    ts = []
    for x, t in zip(xs, ts_in):
        t = as_node(t, x)
        if t.shape != x.shape:
            raise ShapeError(f"jvp: tangent shape {format_shape(t.shape)} != variable shape {format_shape(x.shape)}")
        ts.append(t)
    seeds = [Node(_Seed(k, Type(v.dtype if v.type.is_float else np.float64, v.shape)), ()) for k, v in enumerate(ys)]
    pulled = _vjp(ys, xs, seeds)
    inner: Node | None = None
    for gx, t in zip(pulled, ts):
        term = reduce_sum(gx * t)
        inner = term if inner is None else inner + term
    assert inner is not None
    out = _vjp([inner], seeds, [const(np.ones((), inner.dtype))])
    out = substitute(out, {s: zeros(s.shape, s.dtype) for s in seeds})
    out = [astype(o, y.dtype) if y.type.is_float else o for o, y in zip(out, ys)]
    return out if many_y else out[0]


def jacobian(y: Node, wrt: Wrt) -> Node | list[Node]:
    """d y / d wrt as an array of shape ``y.shape + wrt.shape`` (one vjp per output element).

    >>> x = sd.var("x", shape=(3,)); sd.jacobian(sd.sin(x) * x[0], x)   # (3, 3)
    """
    y = as_node(y)
    ws, many = _listify(wrt)
    xs = _resolve([y], ws)
    size = y.type.static_size
    if size is None:
        raise NotImplementedError(
            f"jacobian needs an output of static shape, got {format_shape(y.shape)}; use sd.vjp or sd.jvp"
        )
    if y.shape == ():
        rows = [_vjp([y], xs, [const(np.ones((), y.dtype))])]
    else:
        rows = []
        for i in range(size):
            e = np.zeros(size, dtype=y.dtype)
            e[i] = 1
            rows.append(_vjp([y], xs, [const(e.reshape(y.shape))]))
    result = []
    for k, x in enumerate(xs):
        per_row = [r[k] for r in rows]
        block = per_row[0] if y.shape == () else stack(per_row, axis=0)
        result.append(reshape(block, (*y.shape, *x.shape)))
    return result if many else result[0]


def hessian(y: Node, wrt: Wrt) -> Node | list[list[Node]]:
    """Second derivatives of a scalar ``y``: shape ``wrt.shape * 2`` (nested blocks for a list).

    >>> v = sd.var("v", shape=(3,)); sd.hessian(sd.sum(v ** 3), v)
    """
    ws, many = _listify(wrt)
    y = as_node(y)
    xs = _resolve([y], ws)
    g = grad(y, xs)
    assert isinstance(g, list)
    if not many:
        return jacobian(g[0], xs[0])  # type: ignore[return-value]
    return [jacobian(gi, xs) for gi in g]  # type: ignore[misc]


def hvp(y: Node, wrt: Wrt, v: Any) -> Node | list[Node]:
    """The Hessian-vector product of a scalar ``y``, without forming the Hessian.

    >>> x = sd.var("x", shape=(3,)); sd.hvp(sd.sum(x ** 3), x, np.ones(3))   # 6x
    """
    ws, many = _listify(wrt)
    y = as_node(y)
    xs = _resolve([y], ws)
    vs, _ = _listify(v)
    if len(vs) != len(xs):
        raise ValueError(f"hvp: {len(xs)} variables but {len(vs)} vectors")
    g = grad(y, xs)
    assert isinstance(g, list)
    inner: Node | None = None
    for gi, x, vi in zip(g, xs, vs):
        vi = as_node(vi, x)
        if vi.shape != x.shape:
            raise ShapeError(f"hvp: vector shape {format_shape(vi.shape)} != variable shape {format_shape(x.shape)}")
        term = reduce_sum(gi * vi)
        inner = term if inner is None else inner + term
    assert inner is not None
    out = grad(inner, xs)
    return out if many else out[0]  # type: ignore[index]
