"""Products: matmul (NumPy semantics, batched, 1-D operands), dot, and einsum, whose
derivative is again an einsum."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..ir import Dim, Node, Op, Type, format_shape
from .base import as_node, as_nodes, broadcast_shapes, const
from .elementwise import Binary, multiply
from .shape import broadcast_to, expand_dims, reshape, swapaxes


class MatMul(Binary):
    name, symbol, precedence = "matmul", "@", 20
    elementwise = False

    def infer(self, a: Type, b: Type) -> Type:
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(
                f"matmul: operands must have at least one dimension, got {format_shape(a.shape)} "
                f"@ {format_shape(b.shape)} (use * for scalars)"
            )
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ShapeError(
                f"matmul: shapes {format_shape(a.shape)} and {format_shape(b.shape)} do not align "
                f"({k_a!r} != {k_b!r})"
            )
        try:
            batch = broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2])
        except ShapeError:
            raise ShapeError(
                f"matmul: shapes {format_shape(a.shape)} and {format_shape(b.shape)} do not align: "
                f"their batch dimensions {format_shape(a.shape[:-2])} and "
                f"{format_shape(b.shape[:-2])} do not broadcast"
            ) from None
        rows = a.shape[-2:-1]
        cols = b.shape[-1:] if b.ndim > 1 else ()
        return Type(np.result_type(a.dtype, b.dtype), (*batch, *rows, *cols))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"{args[0]} @ {args[1]}"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        if a.ndim == 1 and b.ndim == 1:
            return (g * b, g * a)
        if a.ndim == 1:  # (k,) @ (..., k, p) -> (..., p)
            ga = reshape(b @ expand_dims(g, -1), (*g.shape[:-1], b.shape[-2]))
            return (ga, expand_dims(a, -1) * expand_dims(g, -2))
        if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
            return (expand_dims(g, -1) * b, expand_dims(g, -2) @ a)
        return (g @ swapaxes(b, -1, -2), swapaxes(a, -1, -2) @ g)


def matmul(a: Any, b: Any) -> Node:
    """Matrix product with NumPy's rules: batched over leading axes, 1-D operands promoted."""
    a_, b_ = as_nodes(a, b)
    return Node(MatMul(), (a_, b_))


def dot(a: Any, b: Any) -> Node:
    """NumPy's dot: a product for scalars, matmul up to 2-D, a sum over a's last and b's
    second-to-last axis otherwise."""
    a_, b_ = as_nodes(a, b)
    if a_.ndim == 0 or b_.ndim == 0:
        return multiply(a_, b_)
    if a_.ndim <= 2 and b_.ndim <= 2:
        return matmul(a_, b_)
    letters = "abcdefghijklmnopqrstuvwxyz"
    sa = letters[: a_.ndim]
    sb = letters[a_.ndim : a_.ndim + b_.ndim - 1]
    sb = sb[:-1] + sa[-1] + sb[-1:] if b_.ndim > 1 else sa[-1]
    out = sa[:-1] + "".join(c for c in sb if c != sa[-1])
    return einsum(f"{sa},{sb}->{out}", a_, b_)


# -- einsum ---------------------------------------------------------------------------------------


def _parse_subscripts(subscripts: str, ndims: Sequence[int]) -> tuple[tuple[str, ...], str]:
    """Explicit-form subscripts; '...' becomes one upper-case letter per broadcast axis."""
    s = subscripts.replace(" ", "")
    if "->" in s:
        ins, out = s.split("->")
        explicit = True
    else:
        ins, out, explicit = s, "", False
    terms = ins.split(",")
    if len(terms) != len(ndims):
        raise ShapeError(f"einsum {subscripts!r}: {len(terms)} operand subscripts for {len(ndims)} operands")
    for t in [*terms, out]:
        body = t.replace("...", "")
        if not all(c.isalpha() and c.islower() for c in body) or t.count("...") > 1:
            raise ValueError(
                f"einsum {subscripts!r}: subscripts are lower-case letters with at most one '...' each"
            )
    ell_n = 0
    for t, nd in zip(terms, ndims):
        if "..." in t:
            ell_n = builtins_max(ell_n, nd - len(t.replace("...", "")))
        elif len(t) != nd:
            raise ShapeError(f"einsum {subscripts!r}: subscripts {t!r} for an operand of {nd} dimensions")
    full: list[str] = []
    for t, nd in zip(terms, ndims):
        k = nd - len(t.replace("...", ""))
        if k < 0:
            raise ShapeError(f"einsum {subscripts!r}: subscripts {t!r} for an operand of {nd} dimensions")
        ell = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[ell_n - k : ell_n]
        full.append(t.replace("...", ell))
    ell_all = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:ell_n]
    if explicit:
        out_full = out.replace("...", ell_all)
        if "..." not in out and ell_n:
            raise ShapeError(f"einsum {subscripts!r}: the output must keep '...'")
    else:
        counts: dict[str, int] = {}
        for t in full:
            for c in t:
                if c.islower():
                    counts[c] = counts.get(c, 0) + 1
        out_full = ell_all + "".join(sorted(c for c, n in counts.items() if n == 1))
    for c in out_full:
        if out_full.count(c) > 1 or not any(c in t for t in full):
            raise ShapeError(f"einsum {subscripts!r}: output label {c!r} is repeated or not in any operand")
    return tuple(full), out_full


def builtins_max(a: int, b: int) -> int:
    return a if a > b else b


class Einsum(Op):
    """Einstein summation over explicit subscripts (ellipses already expanded to capitals)."""

    __slots__ = ("terms", "out")
    name = "einsum"

    def __init__(self, terms: tuple[str, ...], out: str) -> None:
        self.terms, self.out = terms, out

    def params(self) -> tuple[Any, ...]:
        return (self.terms, self.out)

    def spec(self) -> str:
        return _to_numpy_subscripts(self.terms, self.out)

    def infer(self, *types: Type) -> Type:
        sizes: dict[str, Dim] = {}
        for t, typ in zip(self.terms, types):
            for c, d in zip(t, typ.shape):
                prev = sizes.get(c)
                if prev is None or prev == 1:
                    sizes[c] = d
                elif d != prev and not (c.isupper() and d == 1):
                    raise ShapeError(
                        f"einsum {self.spec()!r}: label {c!r} has sizes {prev!r} and {d!r} "
                        f"(operand shapes {', '.join(format_shape(t.shape) for t in types)})"
                    )
        return Type(np.result_type(*(t.dtype for t in types)), tuple(sizes[c] for c in self.out))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.einsum({self.spec()!r}, {', '.join(args)}, optimize=True)"

    def text(self, args: Sequence[str]) -> str:
        return f"einsum({self.spec()!r}, {', '.join(args)})"

    def vjp(self, g: Node, out: Node, *xs: Node) -> Sequence[Node | None]:
        sizes: dict[str, Dim] = {}
        for t, x in zip(self.terms, xs):
            for c, d in zip(t, x.shape):
                if sizes.get(c, 1) == 1:
                    sizes[c] = d
        grads: list[Node | None] = []
        for k, (term, x) in enumerate(zip(self.terms, xs)):
            others = [(t, xi) for j, (t, xi) in enumerate(zip(self.terms, xs)) if j != k]
            terms = [self.out, *(t for t, _ in others)]
            operands: list[Node] = [g, *(xi for _, xi in others)]
            # leading broadcast axes this operand lacks are summed away by the caller
            target = ""
            missing = "".join(c for c in self.out if c.isupper() and c not in term)
            for c in missing + term:  # a label repeated in this operand: its gradient lives on the diagonal
                if c in target:
                    d = sizes[c]
                    if isinstance(d, str):
                        raise NotImplementedError(
                            f"einsum {self.spec()!r}: the derivative through the repeated label {c!r} "
                            f"needs a static size, not {d!r}"
                        )
                    fresh = next(ch for ch in "abcdefghijklmnopqrstuvwxyz" if ch not in
                                 "".join([*self.terms, self.out, target, *terms]))
                    terms.append(c + fresh)
                    operands.append(const(np.eye(d, dtype=g.dtype)))
                    target += fresh
                else:
                    target += c
            present = "".join(terms)
            reachable = "".join(c for c in target if c in present)
            grad = Node(Einsum(tuple(terms), reachable), tuple(operands))
            if reachable != target:  # labels summed only within this operand: broadcast back
                grad = reshape(grad, tuple(sizes[c] if c in present else 1 for c in target))
                grad = broadcast_to(grad, tuple(sizes[c] for c in target))
            grads.append(grad)
        return grads


def _to_numpy_subscripts(terms: Sequence[str], out: str) -> str:
    def one(t: str) -> str:
        caps = [c for c in t if c.isupper()]
        if not caps:
            return t
        i = t.index(caps[0])
        return t[:i] + "..." + t[i + len(caps):]

    return ",".join(one(t) for t in terms) + "->" + one(out)


def _ellipses_leading(terms: Sequence[str], out: str) -> bool:
    for t in [*terms, out]:
        caps = "".join(c for c in t if c.isupper())
        if caps and not t.startswith(caps):
            return False
    return True


def einsum(subscripts: str, *operands: Any) -> Node:
    """Einstein summation, as ``np.einsum`` (explicit or implicit output, ``...`` leading)."""
    if not isinstance(subscripts, str):
        raise TypeError("einsum: the first argument must be the subscripts string")
    nodes = [as_node(o) for o in operands]
    terms, out = _parse_subscripts(subscripts, [n.ndim for n in nodes])
    if not _ellipses_leading(terms, out):
        raise NotImplementedError(f"einsum {subscripts!r}: '...' is supported only at the start of each term")
    return Node(Einsum(terms, out), nodes)

