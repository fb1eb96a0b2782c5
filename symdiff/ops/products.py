"""Products: matmul (NumPy semantics, batched, 1-D operands), dot, einsum (whose derivative is
again an einsum), and NumPy's other products written as einsums: tensordot, outer, inner, kron,
vdot; cross, and polyval (Horner's products), in elementwise ops; convolve and correlate, one
op whose kernel is NumPy's convolution and whose derivatives are convolutions again."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..ir import Dim, Node, Op, Type, format_shape
from .base import (
    as_node, as_nodes, broadcast_shapes, check_casting, const, is_python_scalar, no_out,
    normalize_axis, numeric_dtype,
)
from .elementwise import Binary, astype, multiply
from .layout import flip, moveaxis
from .shape import (
    broadcast_to, expand_dims, reshape, resolve_reshape, stack, swapaxes, zeros_like,
)


def _array_operands(a: Any, b: Any) -> list[Node]:
    """The operands of the products that read their arguments with ``np.asarray`` (``dot``,
    ``inner``, ``outer``, ``kron``, ``tensordot``): a Python number is an array of its own dtype
    there, float64 or int64, not weak as beside a ufunc (``np.dot(float32 array, 2.0)`` is
    float64)."""
    return as_nodes(*(const(np.asarray(v)) if is_python_scalar(v) else v for v in (a, b)))


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


def dot(a: Any, b: Any, out: Any = None) -> Node:
    """NumPy's dot: a product for scalars, matmul up to 2-D, a sum over a's last and b's
    second-to-last axis otherwise."""
    no_out("dot", out)
    a_, b_ = _array_operands(a, b)
    if a_.ndim == 0 or b_.ndim == 0:
        return multiply(a_, b_)
    k_b = 0 if b_.ndim == 1 else b_.ndim - 2
    if a_.shape[-1] != b_.shape[k_b]:
        raise ShapeError(
            f"dot: shapes {format_shape(a_.shape)} and {format_shape(b_.shape)} do not align: "
            f"the last axis of a has size {a_.shape[-1]!r}, axis {k_b} of b has size {b_.shape[k_b]!r}"
        )
    if a_.ndim <= 2 and b_.ndim <= 2:
        return matmul(a_, b_)
    letters = "abcdefghijklmnopqrstuvwxyz"
    sa = letters[: a_.ndim]
    sb = letters[a_.ndim : a_.ndim + b_.ndim - 1]
    sb = sb[:-1] + sa[-1] + sb[-1:] if b_.ndim > 1 else sa[-1]
    out = sa[:-1] + "".join(c for c in sb if c != sa[-1])
    return einsum(f"{sa},{sb}->{out}", a_, b_)


# -- einsum ---------------------------------------------------------------------------------------

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_subscripts(subscripts: str, ndims: Sequence[int]) -> tuple[tuple[str, ...], str]:
    """Explicit-form subscripts; '...' (anywhere in a term) becomes one upper-case letter per
    broadcast axis, right-aligned across operands as NumPy broadcasts them."""
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        raise ValueError(f"einsum {subscripts!r}: at most one '->' is allowed")
    if "->" in s:
        ins, out = s.split("->")
        explicit = True
    else:
        ins, out, explicit = s, "", False
    terms = ins.split(",")
    if len(terms) != len(ndims):
        raise ShapeError(f"einsum {subscripts!r}: {len(terms)} operand subscripts for {len(ndims)} operands")
    # capitals are labels as in NumPy, except beside '...', whose axes they stand for here
    letters = _LOWER if "..." in s else _LOWER + _UPPER
    for t in [*terms, out]:
        body = t.replace("...", "")
        if not all(c in letters for c in body) or t.count("...") > 1:
            raise ValueError(
                f"einsum {subscripts!r}: subscripts are letters with at most one '...' each"
            )
    ell_n = 0
    for t, nd in zip(terms, ndims):
        k = nd - len(t.replace("...", ""))
        if k < 0 or (k > 0 and "..." not in t):
            raise ShapeError(f"einsum {subscripts!r}: subscripts {t!r} for an operand of {nd} dimensions")
        ell_n = builtins_max(ell_n, k)
    full: list[str] = []
    for t, nd in zip(terms, ndims):
        k = nd - len(t.replace("...", ""))
        full.append(t.replace("...", _UPPER[ell_n - k : ell_n]))
    ell_all = _UPPER[:ell_n]
    if explicit:
        out_full = out.replace("...", ell_all)
        if "..." not in out and ell_n:
            raise ShapeError(f"einsum {subscripts!r}: the output must keep '...'")
    else:
        counts: dict[str, int] = {}
        for t in full:
            for c in t:
                if c.islower() or not ell_n:
                    counts[c] = counts.get(c, 0) + 1
        out_full = ell_all + "".join(sorted(c for c, n in counts.items() if n == 1))
    for c in out_full:
        if out_full.count(c) > 1 or not any(c in t for t in full):
            raise ShapeError(f"einsum {subscripts!r}: output label {c!r} is repeated or not in any operand")
    return tuple(full), out_full


def _without_capitals(subscripts: str) -> tuple[str, dict[int, int]]:
    """Beside '...', the same contraction with the user's capital labels renamed to unused
    lower-case letters (inside the op, capitals stand for the axes of '...'), and the
    translation back for messages. Without '...' capitals are read as they are: the op's own
    letters, so a derivative's einsum printed with them reads back as the same node. The output
    is made explicit first: NumPy's implicit output sorts the labels by character code, capitals
    before lower case."""
    s = subscripts.replace(" ", "")
    ins, arrow, out = s.partition("->")
    capitals = sorted({c for c in ins if c in _UPPER})
    if not capitals or "..." not in s:
        return subscripts, {}
    if not arrow:
        letters = "".join(c for c in ins if c.isalpha())
        once = sorted(c for c in set(letters) if letters.count(c) == 1)
        out = ("..." if "..." in ins else "") + "".join(once)
    free = [c for c in _LOWER if c not in s]
    if len(capitals) > len(free):
        raise ValueError(f"einsum {subscripts!r}: more than 26 distinct labels are not supported")
    table = str.maketrans(dict(zip(capitals, free)))
    return f"{ins}->{out}".translate(table), str.maketrans(dict(zip(free, capitals)))


def builtins_max(a: int, b: int) -> int:
    return a if a > b else b


class Einsum(Op):
    """Einstein summation over explicit subscripts (ellipses already expanded to capitals).

    The NumPy template uses these letters as they are (NumPy accepts capitals as labels and
    broadcasts size-1 axes of any label), so a term may hold its broadcast axes anywhere.
    """

    __slots__ = ("terms", "out")
    name = "einsum"
    view = True  # np.einsum("ii->i", a) is a view of a

    def __init__(self, terms: tuple[str, ...], out: str) -> None:
        self.terms, self.out = terms, out

    def params(self) -> tuple[Any, ...]:
        return (self.terms, self.out)

    def spec(self) -> str:
        """The subscripts as a user writes them, with '...' for the broadcast axes."""
        return _to_numpy_subscripts(self.terms, self.out)

    def infer(self, *types: Type) -> Type:
        # a label's axes of size 1 broadcast against its axes in other operands, in whichever
        # they come first, as NumPy's einsum broadcasts them; within one operand (a diagonal)
        # its axes have one size, as NumPy requires
        sizes: dict[str, Dim] = {}
        for k, (t, typ) in enumerate(zip(self.terms, types)):
            own: dict[str, Dim] = {}
            for c, d in zip(t, typ.shape):
                if own.setdefault(c, d) != d:
                    raise ShapeError(
                        f"einsum {self.spec()!r}: label {c!r} has sizes {own[c]!r} and {d!r} in "
                        f"operand {k} (operand shapes "
                        f"{', '.join(format_shape(t.shape) for t in types)}); the axes of a "
                        "repeated label take a diagonal, so they must have the same size"
                    )
                prev = sizes.get(c)
                if prev is None or prev == 1:
                    sizes[c] = d
                elif d != prev and d != 1:
                    raise ShapeError(
                        f"einsum {self.spec()!r}: label {c!r} has sizes {prev!r} and {d!r} "
                        f"(operand shapes {', '.join(format_shape(t.shape) for t in types)})"
                    )
        return Type(np.result_type(*(t.dtype for t in types)), tuple(sizes[c] for c in self.out))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        raw = ",".join(self.terms) + "->" + self.out
        return f"np.einsum({raw!r}, {', '.join(args)}, optimize=True)"

    def text(self, args: Sequence[str]) -> str:
        return f"einsum({self.spec()!r}, {', '.join(args)})"

    def vjp(self, g: Node, out: Node, *xs: Node) -> Sequence[Node | None]:
        return self.pullback(g, xs, "")

    def batched_vjp(self, g: Node, out: Node, *xs: Node) -> Sequence[Node | None] | None:
        """The derivative rule for a cotangent holding a batch along a new leading axis (rows
        of a Jacobian): one more label carries the batch through each product."""
        used = "".join([*self.terms, self.out])
        lead = next((c for c in _LOWER if c not in used), None)
        return None if lead is None else self.pullback(g, xs, lead)

    def pullback(self, g: Node, xs: Sequence[Node], lead: str) -> Sequence[Node | None]:
        """Each operand's cotangent: an einsum of ``g`` (labelled ``lead + out``) and the other
        operands, ``lead`` leading the result too."""
        sizes: dict[str, Dim] = {c: d for c, d in zip(lead, g.shape)}
        for t, x in zip(self.terms, xs):
            for c, d in zip(t, x.shape):
                if sizes.get(c, 1) == 1:
                    sizes[c] = d
        grads: list[Node | None] = []
        for k, (term, x) in enumerate(zip(self.terms, xs)):
            others = [(t, xi) for j, (t, xi) in enumerate(zip(self.terms, xs)) if j != k]
            terms = [lead + self.out, *(t for t, _ in others)]
            operands: list[Node] = [g, *(xi for _, xi in others)]
            # broadcast axes this operand lacks are summed by the einsum itself (they are not in
            # its output), so every term keeps its one block of capitals and prints with '...'
            target = ""
            for c in term:  # a label repeated in this operand: its gradient lives on the diagonal
                if c in target:
                    d = sizes[c]
                    if isinstance(d, str):
                        raise NotImplementedError(
                            f"einsum {self.spec()!r}: the derivative through the repeated label {c!r} "
                            f"needs a static size, not {d!r}"
                        )
                    fresh = next(ch for ch in _LOWER if ch not in
                                 "".join([*self.terms, self.out, target, *terms]))
                    terms.append(c + fresh)
                    operands.append(const(np.eye(d, dtype=g.dtype)))
                    sizes[fresh] = d
                    target += fresh
                else:
                    target += c
            present = "".join(terms)
            reachable = "".join(c for c in target if c in present)
            grad = Node(Einsum(tuple(terms), lead + reachable), tuple(operands))
            if reachable != target:  # labels summed only within this operand: size 1 for now
                kept = iter(grad.shape)
                grad = reshape(grad, tuple(next(kept) if c in present else 1 for c in lead + target))
            # ... and labels whose axes are of size 1 wherever else they occur (NumPy broadcasts
            # them): the same value all along this operand's axis
            full = tuple(sizes[c] for c in lead + target)
            if grad.shape != full:
                grad = broadcast_to(grad, full)
            grads.append(grad)
        return grads


def _to_numpy_subscripts(terms: Sequence[str], out: str) -> str:
    """Capitals back to '...' where each term holds them as one block in order (as every term
    a user writes does); a derivative's einsum that mixes them shows its letters as they are."""
    def one(t: str) -> str | None:
        caps = "".join(c for c in t if c.isupper())
        if not caps:
            return t
        i = t.index(caps[0])
        if t[i : i + len(caps)] != caps or caps != "".join(sorted(caps)):
            return None
        return t[:i] + "..." + t[i + len(caps):]

    ell = "".join(sorted({c for t in [*terms, out] for c in t if c.isupper()}))
    if ell != _UPPER[:len(ell)]:  # not the letters '...' is read as: the user's own labels
        return ",".join(terms) + "->" + out
    shown = [one(t) for t in [*terms, out]]
    # '...' means the trailing broadcast axes: each term's capitals must end the full run
    if all(s is not None for s in shown) and all(
        ell.endswith("".join(c for c in t if c.isupper())) for t in terms
    ) and "".join(c for c in out if c.isupper()) == ell:
        return ",".join(shown[:-1]) + "->" + shown[-1]  # type: ignore[arg-type]
    return ",".join(terms) + "->" + out


def _sublist_subscripts(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """NumPy's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as a subscripts string and
    the operands: label k is the k-th of NumPy's 52 letters (0 is 'A', 26 is 'a'), so implicit
    output keeps NumPy's order; ``Ellipsis`` is ``...``."""

    def letters(labels: Any) -> str:
        if not isinstance(labels, (list, tuple)):
            raise TypeError(f"einsum: the subscripts for each operand must be a list or a tuple "
                            f"(the sublist form), got {labels!r}")
        text = ""
        for k in labels:
            if k is Ellipsis:
                text += "..."
                continue
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
                raise TypeError(f"einsum: each subscript must be an integer or Ellipsis, got {k!r} "
                                f"in {labels!r}")
            if not 0 <= k < 52:
                raise ValueError(f"einsum: subscript {k} in {labels!r} is not within the valid range "
                                 "[0, 52)")
            text += (_UPPER + _LOWER)[k]
        return text

    pairs = args[: len(args) - len(args) % 2]
    terms = ",".join(letters(labels) for labels in pairs[1::2])
    if len(args) % 2:
        terms += "->" + letters(args[-1])
    return terms, list(pairs[0::2])


def einsum(subscripts: Any, *operands: Any, out: Any = None, dtype: Any = None, order: str = "K",
           casting: str = "safe", optimize: Any = False) -> Node:
    """Einstein summation, as ``np.einsum`` (explicit or implicit output, ``...`` anywhere),
    subscripts given as a string or in NumPy's sublist form, ``einsum(a, [0, 1], b, [1, 2])``.

    ``optimize``, ``order`` and ``casting`` are accepted as NumPy's code passes them and change
    nothing (a graph has no contraction order or memory layout), except that ``casting`` rules
    the conversion of the operands to ``dtype``, as NumPy's; ``out`` raises NotImplementedError.

    >>> A, B = sd.var("A", (2, 5, 3, 4)), sd.var("B", (2, 5, 4, 6))
    >>> C = sd.einsum("b...ij,b...jk->b...ik", A, B); C.shape
    (2, 5, 3, 6)
    """
    no_out("einsum", out)
    if not isinstance(subscripts, str):  # the sublist form: operands and their labels alternate
        subscripts, operands = _sublist_subscripts((subscripts, *operands))  # type: ignore[assignment]
    nodes = [as_node(o) for o in operands]
    if dtype is not None:  # every operand converted to it, as NumPy's casting rule allows
        dt = numeric_dtype(dtype, "einsum")
        for n in nodes:
            check_casting("einsum", casting, n.dtype, dt)
        nodes = [astype(n, dt) for n in nodes]
    text, back = _without_capitals(subscripts)
    try:
        terms, out = _parse_subscripts(text, [n.ndim for n in nodes])
        return Node(Einsum(terms, out), nodes)
    except (ShapeError, ValueError) as e:
        if not back:
            raise
        # every quoted part of the message is subscripts or a label: in the user's letters
        message = str(e).replace(repr(text), repr(subscripts), 1)
        message = re.sub(r"'[^']*'", lambda m: m.group(0).translate(back), message)
        raise type(e)(message) from None


# -- products written as einsums ------------------------------------------------------------------


def _labels(op_name: str, count: int) -> str:
    if count > len(_LOWER):
        raise NotImplementedError(f"{op_name}: more than {len(_LOWER)} axes in all are not supported")
    return _LOWER[:count]


def _axis_list(op_name: str, axes: Any, ndim: int, which: str) -> list[int]:
    items = list(axes) if isinstance(axes, (tuple, list)) else [axes]
    out = [normalize_axis(op_name, a, ndim) for a in items]
    if len(set(out)) != len(out):
        raise ShapeError(f"{op_name}: repeated axis in the axes of {which}: {axes!r}")
    return out


def tensordot(a: Any, b: Any, axes: Any = 2) -> Node:
    """Sum over the last ``axes`` axes of a and the first of b, or over the pairs of axes given.

    >>> A, B = sd.var("A", (3, 4, 5)), sd.var("B", (4, 5, 2))
    >>> sd.tensordot(A, B, axes=([1, 2], [0, 1]))
    einsum('abc,bcd->ad', A, B)
    """
    a_, b_ = _array_operands(a, b)
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, (bool, np.bool_)):
        n = int(axes)
        if n < 0 or n > a_.ndim or n > b_.ndim:
            raise ShapeError(
                f"tensordot: axes={n} does not fit shapes {format_shape(a_.shape)} and "
                f"{format_shape(b_.shape)}"
            )
        ax_a, ax_b = list(range(a_.ndim - n, a_.ndim)), list(range(n))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        ax_a = _axis_list("tensordot", axes[0], a_.ndim, "a")
        ax_b = _axis_list("tensordot", axes[1], b_.ndim, "b")
        if len(ax_a) != len(ax_b):
            raise ShapeError(f"tensordot: axes {axes!r} name {len(ax_a)} axes of a and {len(ax_b)} of b")
    else:
        raise TypeError(f"tensordot: axes must be an int or a pair of axis sequences, got {axes!r}")
    for i, j in zip(ax_a, ax_b):
        if a_.shape[i] != b_.shape[j]:
            raise ShapeError(
                f"tensordot: shapes {format_shape(a_.shape)} and {format_shape(b_.shape)} do not align: "
                f"axis {i} of a has size {a_.shape[i]!r}, axis {j} of b has size {b_.shape[j]!r}"
            )
    letters = _labels("tensordot", a_.ndim + b_.ndim - len(ax_b))
    sa = letters[: a_.ndim]
    fresh = iter(letters[a_.ndim :])
    sb = "".join(sa[ax_a[ax_b.index(j)]] if j in ax_b else next(fresh) for j in range(b_.ndim))
    out = "".join(c for k, c in enumerate(sa) if k not in ax_a) + "".join(
        c for k, c in enumerate(sb) if k not in ax_b
    )
    return einsum(f"{sa},{sb}->{out}", a_, b_)


def _flat(op_name: str, x: Node) -> Node:
    return reshape(x, resolve_reshape(op_name, x.shape, (-1,))) if x.ndim != 1 else x


def outer(a: Any, b: Any, out: Any = None) -> Node:
    """The outer product of a and b, both flattened: ``out[i, j] = a[i] * b[j]``.

    >>> u, v = sd.var("u", (3,)), sd.var("v", (2,))
    >>> sd.outer(u, v), sd.outer(u, v).shape
    (einsum('i,j->ij', u, v), (3, 2))
    """
    no_out("outer", out)
    a_, b_ = _array_operands(a, b)
    return einsum("i,j->ij", _flat("outer", a_), _flat("outer", b_))


def inner(a: Any, b: Any) -> Node:
    """Sum over the last axes of a and b (a product when either is a scalar).

    >>> u, v = sd.var("u", (3,)), sd.var("v", (3,))
    >>> sd.inner(u, v)
    einsum('a,a->', u, v)
    """
    a_, b_ = _array_operands(a, b)
    if a_.ndim == 0 or b_.ndim == 0:
        return multiply(a_, b_)
    if a_.shape[-1] != b_.shape[-1]:
        raise ShapeError(
            f"inner: shapes {format_shape(a_.shape)} and {format_shape(b_.shape)} do not align: "
            f"their last axes have sizes {a_.shape[-1]!r} and {b_.shape[-1]!r}"
        )
    letters = _labels("inner", a_.ndim + b_.ndim - 1)
    sa = letters[: a_.ndim]
    sb = letters[a_.ndim :] + sa[-1]
    return einsum(f"{sa},{sb}->{sa[:-1]}{sb[:-1]}", a_, b_)


def vdot(a: Any, b: Any) -> Node:
    """The dot product of a and b flattened to vectors, the first conjugated when complex.

    >>> A, B = sd.var("A", (2, 3)), sd.var("B", (2, 3))
    >>> sd.vdot(A, B)
    einsum('i,i->', reshape(A, (6,)), reshape(B, (6,)))
    """
    from .numeric import conj

    a_, b_ = as_nodes(a, b)
    fa, fb = _flat("vdot", a_), _flat("vdot", b_)
    if fa.dtype.kind == "c":  # only then: conj of booleans is int8, where np.vdot keeps bool
        fa = conj(fa)
    if fa.shape != fb.shape:
        raise ShapeError(
            f"vdot: shapes {format_shape(a_.shape)} and {format_shape(b_.shape)} hold different "
            "numbers of elements"
        )
    return einsum("i,i->", fa, fb)


def vecdot(x1: Any, x2: Any, /, *, axis: Any = -1, out: Any = None, dtype: Any = None) -> Node:
    """NumPy 2's ``vecdot``: ``sum(conj(x1) * x2)`` along ``axis`` of each, the other axes
    broadcast: ``sd.vecdot(a, b)``. The two axes must have the same length (they do not
    broadcast); ``dtype`` converts both first, as NumPy's."""
    from .numeric import conj

    no_out("vecdot", out)
    a, b = as_nodes(x1, x2, name="vecdot")
    if dtype is not None:
        dt = numeric_dtype(dtype, "vecdot")
        a, b = astype(a, dt), astype(b, dt)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"vecdot: operands must have at least one dimension, got "
                         f"{format_shape(a.shape)} and {format_shape(b.shape)}")
    ka, kb = normalize_axis("vecdot", axis, a.ndim), normalize_axis("vecdot", axis, b.ndim)
    if a.shape[ka] != b.shape[kb]:
        raise ShapeError(
            f"vecdot: axis {axis} of {format_shape(a.shape)} and of {format_shape(b.shape)} differ "
            f"in length ({a.shape[ka]!r} != {b.shape[kb]!r})"
        )
    a, b = moveaxis(a, ka, -1), moveaxis(b, kb, -1)
    if a.dtype.kind == "c":  # only then: conj of booleans is int8, where np.vecdot keeps bool
        a = conj(a)
    return einsum("...i,...i->...", a, b)


def matrix_transpose(x: Any, /) -> Node:
    """NumPy 2's ``matrix_transpose``: the last two axes swapped (``x.mT``), of an array of at
    least 2 dimensions: ``sd.matrix_transpose(A)``."""
    a = as_node(x)
    if a.ndim < 2:
        raise ShapeError(f"matrix_transpose: input must have at least 2 dimensions, got shape "
                         f"{format_shape(a.shape)}")
    return swapaxes(a, -1, -2)


def kron(a: Any, b: Any) -> Node:
    """The Kronecker product: blocks ``a[i, j] * b``, over any number of axes.

    >>> A, B = sd.var("A", (2, 2)), sd.var("B", (3, 3))
    >>> sd.kron(A, B)
    reshape(einsum('ab,cd->acbd', A, B), (6, 6))
    """
    a_, b_ = _array_operands(a, b)
    nd = builtins_max(a_.ndim, b_.ndim)
    sa_shape = (1,) * (nd - a_.ndim) + a_.shape
    sb_shape = (1,) * (nd - b_.ndim) + b_.shape
    if any(isinstance(d, str) for d in (*sa_shape, *sb_shape)):
        raise NotImplementedError(
            f"kron: named dimensions are not supported (shapes {format_shape(a_.shape)} and "
            f"{format_shape(b_.shape)}); the result's sizes would be products of them"
        )
    if nd == 0:
        return multiply(a_, b_)
    letters = _labels("kron", 2 * nd)
    sa, sb = letters[:nd], letters[nd:]
    spread = einsum(f"{sa},{sb}->{''.join(x + y for x, y in zip(sa, sb))}",
                    reshape(a_, sa_shape), reshape(b_, sb_shape))
    return reshape(spread, tuple(int(x) * int(y) for x, y in zip(sa_shape, sb_shape)))


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Node:
    """The cross product of 3-vectors along ``axisa`` of ``a`` and ``axisb`` of ``b`` (``axis``
    sets all three), broadcasting over the other axes, as ``np.cross``: a 2-vector has a zero
    third component, and two 2-vectors give the scalar third component of their product."""
    x, y = as_nodes(a, b)
    if axis is not None:
        axisa = axisb = axisc = axis
    for name, v in (("a", x), ("b", y)):
        if v.ndim == 0:
            raise ShapeError(f"cross: {name} must have at least one axis, got a 0-d array")
    x = moveaxis(x, normalize_axis("cross", axisa, x.ndim), -1)
    y = moveaxis(y, normalize_axis("cross", axisb, y.ndim), -1)
    nx, ny = x.shape[-1], y.shape[-1]
    if nx not in (2, 3) or ny not in (2, 3):
        raise ShapeError(f"cross: incompatible dimensions for cross product (dimension must be 2 or 3), "
                         f"got {format_shape(x.shape)} and {format_shape(y.shape)} along the vector axes")
    try:  # the other axes broadcast
        broadcast_shapes("cross", x.shape[:-1], y.shape[:-1])
    except ShapeError:
        shown = " and ".join(format_shape(as_node(v).shape) for v in (a, b))
        raise ShapeError(f"cross: shapes {shown} do not broadcast outside the vector axes") from None
    a0, a1, b0, b1 = x[..., 0], x[..., 1], y[..., 0], y[..., 1]
    third = a0 * b1 - a1 * b0
    if nx == 2 and ny == 2:
        return third
    # the products NumPy computes, none with the missing zero (so an inf makes no NaN)
    if nx == 2:
        b2 = y[..., 2]
        parts = [a1 * b2, -(a0 * b2), third]
    elif ny == 2:
        a2 = x[..., 2]
        parts = [-(a2 * b1), a2 * b0, third]
    else:
        a2, b2 = x[..., 2], y[..., 2]
        parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, third]
    c = stack(parts, axis=-1)
    return moveaxis(c, -1, normalize_axis("cross", axisc, c.ndim))


def polyval(p: Any, x: Any) -> Node:
    """The polynomial with coefficients ``p`` (highest power first) at ``x``, by Horner's rule
    from zeros of ``x``'s shape and dtype, as ``np.polyval`` computes it (so an infinite ``x``
    gives NaN there too).

    >>> x = sd.var("x")
    >>> sd.polyval([3.0, 0.0, 1.0], x)   # 3x**2 + 1
    ((0.0 * x + 3.0) * x + 0.0) * x + 1.0
    >>> sd.evaluate(sd.polyval([3.0, 0.0, 1.0], x), {"x": 2.0})
    array(13.)
    """
    xs = as_node(x)
    if isinstance(p, Node):
        if p.ndim != 1 or not isinstance(p.shape[0], int):
            raise ShapeError(f"polyval: coefficients must be a 1-d array of known length, got shape "
                             f"{format_shape(p.shape)}")
        coefficients: list[Any] = [p[k] for k in range(p.shape[0])]
    else:
        arr = np.asarray(p)
        if arr.ndim != 1:
            raise ShapeError(f"polyval: coefficients must be 1-d, got shape {arr.shape}")
        coefficients = [arr[k:k + 1].reshape(()) for k in range(arr.shape[0])]  # 0-d arrays: typed as p
    y = zeros_like(xs)
    for c in coefficients:
        y = y * xs + c
    return y


# -- convolve and correlate --------------------------------------------------------------------------

_MODES = {"valid": 0, "same": 1, "full": 2}


def _mode(op_name: str, mode: Any) -> int:
    if isinstance(mode, str):
        if mode not in _MODES:
            raise ValueError(f"{op_name}: mode must be one of 'valid', 'same', or 'full', got {mode!r}")
        return _MODES[mode]
    if isinstance(mode, (int, np.integer)) and not isinstance(mode, (bool, np.bool_)) and 0 <= mode <= 2:
        return int(mode)  # NumPy's numbers for them: 0 valid, 1 same, 2 full
    raise ValueError(f"{op_name}: mode must be 'valid', 'same' or 'full' (or 0, 1, 2), got {mode!r}")


def _vector(op_name: str, what: str, value: Any, at_least_1d: bool) -> Node:
    # a number is an array here, as NumPy converts it: float64, not typed by the other argument
    x = value if isinstance(value, Node) else as_node(np.asarray(value))
    if x.ndim == 0 and at_least_1d:
        x = reshape(x, (1,))
    if x.ndim != 1:
        raise ShapeError(f"{op_name}: `{what}` must be 1-d, got shape {format_shape(x.shape)}")
    if isinstance(x.shape[0], str):
        raise ShapeError(f"{op_name}: `{what}` has the named dimension {x.shape[0]!r}; the result's "
                         "length would depend on it. Give it a static size")
    return x


class Convolve(Op):
    """The discrete linear convolution of two 1-d arrays, ``c[k] = sum_j a[j] * v[k - j]``, by
    NumPy's own kernel, ``np.convolve``: ``mode`` 'full' (all ``n + m - 1`` sums) or 'valid'
    (the ``|n - m| + 1`` sums where the shorter lies wholly inside the longer; either argument
    may be the longer, as NumPy swaps them). NumPy's 'same' is a slice of 'full', and its
    correlation a convolution with the reversed conjugated kernel (:func:`correlate`), each
    value to the bit what NumPy's own call gives.

    The derivative rules are convolutions again, so every order stays one: the cotangent of a
    full convolution is the valid convolution of ``g`` with the other argument reversed; of a
    valid one, the full convolution for the longer argument and the valid one for the shorter
    (each costs the sums it keeps, ``O(n * m)``). A Jacobian's batch of cotangents takes the
    rule one row at a time (the reverse pass's fallback for ops with no batched form), a node
    per row."""

    __slots__ = ("mode",)
    name = "convolve"

    def __init__(self, mode: str) -> None:
        if mode not in ("full", "valid"):
            raise ValueError(f"convolve: the op's mode is 'full' or 'valid', got {mode!r}")
        self.mode = mode

    def params(self) -> tuple[Any, ...]:
        return (self.mode,)

    def infer(self, a: Type, v: Type) -> Type:
        for what, t in (("a", a), ("v", v)):
            if t.ndim != 1 or not isinstance(t.shape[0], int) or t.shape[0] == 0:
                raise ShapeError(f"convolve: `{what}` must be 1-d, non-empty and of static length, "
                                 f"got shape {format_shape(t.shape)}")
        n, m = a.shape[0], v.shape[0]
        size = n + m - 1 if self.mode == "full" else abs(n - m) + 1  # type: ignore[operator]
        return Type(np.result_type(a.dtype, v.dtype), (size,))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.convolve({args[0]}, {args[1]}{'' if self.mode == 'full' else ', ' + repr(self.mode)})"

    def text(self, args: Sequence[str]) -> str:
        return f"convolve({args[0]}, {args[1]}{'' if self.mode == 'full' else ', ' + repr(self.mode)})"

    def vjp(self, g: Node, out: Node, a: Node, v: Node) -> Sequence[Node | None]:
        # c = a * v is linear in each argument; its transpose correlates g with the other one,
        # a convolution with it reversed, of the sums that land on that argument's positions
        n, m = a.shape[0], v.shape[0]
        if self.mode == "full":
            return (_convolution(g, flip(v), "valid"), _convolution(g, flip(a), "valid"))
        a_mode, v_mode = ("full", "valid") if n >= m else ("valid", "full")  # type: ignore[operator]
        return (_convolution(g, flip(v), a_mode), _convolution(g, flip(a), v_mode))


def _convolution(a: Node, v: Node, mode: str) -> Node:
    return Node(Convolve(mode), (a, v))


def _same(full: Node, n: int, m: int) -> Node:
    """NumPy's 'same' from the full convolution of lengths ``n`` and ``m``: the length of the
    longer, centred as NumPy centres it (the shorter's ``len // 2`` on the left)."""
    long, short = max(n, m), min(n, m)
    start = short - 1 - short // 2
    return full if start == 0 and long == full.shape[0] else full[start : start + long]


def _convolve_mode(a: Node, v: Node, mode: int) -> Node:
    """``np.convolve(a, v, mode)`` of two non-empty vectors (mode 0 valid, 1 same, 2 full)."""
    if mode == 0:
        return _convolution(a, v, "valid")
    full = _convolution(a, v, "full")
    return full if mode == 2 else _same(full, a.shape[0], v.shape[0])  # type: ignore[arg-type]


def correlate(a: Any, v: Any, mode: Any = "valid") -> Node:
    """The cross-correlation of two 1-d sequences, ``c[k] = sum_n a[n + k] * conj(v[n])``, as
    ``np.correlate``: ``mode`` 'valid' (the default), 'same' or 'full'; with ``v`` the longer,
    the result is NumPy's too (computed the other way round and reversed). Differentiable in
    both arguments.

    >>> sd.correlate(sd.var("a", shape=(5,)), sd.var("v", shape=(3,))).shape
    (3,)
    """
    from .numeric import conj  # numeric reads this module

    k = _mode("correlate", mode)
    x, y = _vector("correlate", "a", a, False), _vector("correlate", "v", v, False)
    for what, arg in (("first", x), ("second", y)):
        if arg.shape[0] == 0:
            raise ValueError(f"correlate: the {what} array argument cannot be empty")
    if y.dtype.kind == "c":
        y = conj(y)
    # NumPy's own order of the sums: with v the longer, it correlates the other way round and
    # reverses the result
    if x.shape[0] < y.shape[0]:  # type: ignore[operator]
        return flip(_convolve_mode(y, flip(x), k))
    return _convolve_mode(x, flip(y), k)


def convolve(a: Any, v: Any, mode: Any = "full") -> Node:
    """The discrete linear convolution of two 1-d sequences, ``c[k] = sum_n a[n] * v[k - n]``,
    as ``np.convolve``: ``mode`` 'full' (the default), 'same' (the length of the longer,
    centred as NumPy's) or 'valid'; numbers are read as one-element arrays. Differentiable in
    both arguments.

    >>> sd.convolve(sd.var("a", shape=(5,)), sd.var("v", shape=(3,))).shape
    (7,)
    """
    k = _mode("convolve", mode)
    x, y = _vector("convolve", "a", a, True), _vector("convolve", "v", v, True)
    longer, shorter = (y, x) if y.shape[0] > x.shape[0] else (x, y)  # type: ignore[operator]
    if longer.shape[0] == 0:  # NumPy's checks, after its swap
        raise ValueError("convolve: `a` cannot be empty")
    if shorter.shape[0] == 0:
        raise ValueError("convolve: `v` cannot be empty")
    return _convolve_mode(x, y, k)  # in the order given: np.convolve swaps them itself


def _gufunc_operands(op_name: str, x1: Any, x2: Any, signature: str, ranks: tuple[int, int],
                     core: tuple[int, int]) -> tuple[Node, Node]:
    """The operands of a matrix-vector gufunc, checked: ``ranks`` core axes each, and the
    shared core dimension at ``core`` of each equal."""
    a, b = as_nodes(x1, x2)
    for k, (n, want) in enumerate(zip((a, b), ranks)):
        if n.ndim < want:
            raise ShapeError(f"{op_name}: Input operand {k} does not have enough dimensions (has "
                             f"{n.ndim}, gufunc core with signature {signature} requires {want})")
    da, db = a.shape[core[0]], b.shape[core[1]]
    if da != db:
        raise ShapeError(f"{op_name}: the core dimension n of {signature} differs: {da} in shape "
                         f"{format_shape(a.shape)} and {db} in shape {format_shape(b.shape)}")
    return a, b


def matvec(x1: Any, x2: Any, /) -> Node:
    """Matrices times vectors, ``(m,n),(n)->(m)`` over the last axes, the leading ones broadcast,
    as NumPy 2.2's ``np.matvec`` (no conjugation).

    >>> sd.matvec(sd.var("A", shape=(5, 2, 3)), sd.var("x", shape=(3,))).shape
    (5, 2)
    """
    a, b = _gufunc_operands("matvec", x1, x2, "(m,n),(n)->(m)", (2, 1), (-1, -1))
    return matmul(a, expand_dims(b, -1))[..., 0]


def vecmat(x1: Any, x2: Any, /) -> Node:
    """Conjugated vectors times matrices, ``(n),(n,m)->(m)`` over the last axes, the leading ones
    broadcast, as NumPy 2.2's ``np.vecmat``.

    >>> sd.vecmat(sd.var("x", shape=(3,)), sd.var("A", shape=(3, 2))).shape
    (2,)
    """
    a, b = _gufunc_operands("vecmat", x1, x2, "(n),(n,m)->(m)", (1, 2), (-1, -2))
    if a.dtype.kind == "c":
        a = a.conj()
    return matmul(expand_dims(a, -2), b)[..., 0, :]
