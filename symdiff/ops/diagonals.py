"""Diagonals and triangles: diagonal, diag, trace, tril, triu.

``Diagonal`` reads a diagonal out of two axes; ``DiagonalEmbed`` writes one into zeros. Each is
the other's transpose, so each one's derivative is the other and derivatives of any order stay
diagonal reads and writes. ``tril``/``triu`` keep a triangle and zero the rest: a linear mask,
their own transpose.

A sum of diagonal embeddings (a band matrix, such as a Hessian of a stencil) is computed by both
backends as ``DiagonalSum``: one zero buffer with each diagonal added in place through a strided
view, where the graph's ``add`` nodes would build and add one full array per diagonal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import ShapeError
from ..ir import Dim, Node, Op, Shape, Type, check_shape, consumers, format_shape, shape_text
from .base import as_node, helper, no_out, normalize_axis
from .elementwise import Add, Neg, Sub, astype
from .reduce import sum as reduce_sum
from .shape import _dims_src, broadcast_to, reshape


def diagonal_shape(shape: Shape, offset: int, axis1: int, axis2: int) -> Shape:
    """NumPy's rule: the other axes in order, then the diagonal's length."""
    d1, d2 = shape[axis1], shape[axis2]
    length: Dim
    if isinstance(d1, str) or isinstance(d2, str):
        if d1 != d2 or offset != 0:
            raise ShapeError(
                f"diagonal: the length of diagonal {offset} of axes {axis1} and {axis2} of "
                f"{format_shape(shape)} depends on named dimensions; only the main diagonal of two "
                "equal named dimensions is supported"
            )
        length = d1
    else:
        length = max(0, min(d1, d2 - offset) if offset >= 0 else min(d1 + offset, d2))
    return (*(d for k, d in enumerate(shape) if k not in (axis1, axis2)), length)


class Diagonal(Op):
    """The diagonal ``offset`` of axes ``axis1`` and ``axis2``, as a new last axis."""

    __slots__ = ("offset", "axis1", "axis2")
    name = "diagonal"
    view = readonly = True  # np.diagonal's view is read-only

    def __init__(self, offset: int, axis1: int, axis2: int) -> None:
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2

    def params(self) -> tuple[Any, ...]:
        return (self.offset, self.axis1, self.axis2)

    def infer(self, x: Type) -> Type:
        return Type(x.dtype, diagonal_shape(x.shape, self.offset, self.axis1, self.axis2))

    def _args(self) -> str:
        parts = []
        if self.offset:
            parts.append(f"offset={self.offset}")
        if (self.axis1, self.axis2) != (0, 1):
            parts.append(f"axis1={self.axis1}, axis2={self.axis2}")
        return "".join(f", {p}" for p in parts)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.diagonal({args[0]}{self._args()})"

    def text(self, args: Sequence[str]) -> str:
        return f"diagonal({args[0]}{self._args()})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (Node(DiagonalEmbed(self.offset, self.axis1, self.axis2, x.shape), (g,)),)


@helper
def diagonal_embed_kernel(g, shape, offset, axis1, axis2):  # type: ignore[no-untyped-def]
    # zeros of `shape` with g written along the diagonal that np.diagonal(out, offset, axis1,
    # axis2) reads: the transpose of np.diagonal
    out = np.zeros(shape, dtype=np.result_type(g))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    rows = np.arange(g.shape[-1]) + (-offset if offset < 0 else 0)
    view[..., rows, rows + offset] = g
    return out


class DiagonalEmbed(Op):
    """Zeros of ``shape`` with the input written along a diagonal (the transpose of Diagonal)."""

    __slots__ = ("offset", "axis1", "axis2", "shape")
    name = "diagonal_embed"

    def __init__(self, offset: int, axis1: int, axis2: int, shape: Shape) -> None:
        self.offset, self.axis1, self.axis2, self.shape = offset, axis1, axis2, shape

    def params(self) -> tuple[Any, ...]:
        return (self.offset, self.axis1, self.axis2, self.shape)

    def infer(self, g: Type) -> Type:
        want = diagonal_shape(self.shape, self.offset, self.axis1, self.axis2)
        if g.shape != want:
            raise ShapeError(
                f"diagonal_embed: the diagonal of {format_shape(self.shape)} has shape "
                f"{format_shape(want)}, got {format_shape(g.shape)}"
            )
        return Type(g.dtype, self.shape)

    def is_diag(self) -> bool:
        """Whether this is what ``np.diag(v, k)`` builds: a square matrix along its rows and columns."""
        return len(self.shape) == 2 and self.shape[0] == self.shape[1] and (self.axis1, self.axis2) == (0, 1)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        if self.is_diag():
            return f"np.diag({args[0]}{f', {self.offset}' if self.offset else ''})"
        return (f"diagonal_embed_kernel({args[0]}, {_dims_src(self.shape, dim)}, {self.offset}, "
                f"{self.axis1}, {self.axis2})")

    def text(self, args: Sequence[str]) -> str:
        if self.is_diag():
            return f"diag({args[0]}{f', {self.offset}' if self.offset else ''})"
        return (f"diagonal_embed({args[0]}, {shape_text(self.shape)}, offset={self.offset}, "
                f"axis1={self.axis1}, axis2={self.axis2})")

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (Node(Diagonal(self.offset, self.axis1, self.axis2), (g,)),)


class DiagonalSum(Op):
    """Zeros of ``shape`` and ``dtype`` with each input added (or subtracted) in turn, in place:
    a dense one to the whole array, a vector along a diagonal of the last two axes. It is how
    both backends compute a chain of ``add``/``sub`` over ``diagonal_embed`` nodes (see
    :func:`fuse_diagonal_sums`); it is never a node of a graph.

    ``steps`` holds one :class:`Step` per input. ``emit_lines`` given ``out`` named as the
    first input, when that is a dense input the buffer starts as a copy of, writes into that
    input's array instead (the code generator's reuse of a dead array).
    """

    __slots__ = ("dtype", "shape", "steps")
    name = "diagonal_sum"

    def __init__(self, shape: Shape, dtype: np.dtype, steps: tuple[Step, ...]) -> None:
        self.shape, self.dtype, self.steps = shape, dtype, steps

    def params(self) -> tuple[Any, ...]:
        return (self.shape, self.dtype.str, self.steps)

    def infer(self, *types: Type) -> Type:
        return Type(self.dtype, self.shape)

    def emit_lines(self, args: Sequence[str], dim: Callable[[Dim], str], out: str) -> list[str]:
        dtype = f"np.{self.dtype.name if self.dtype.kind != 'b' else 'bool_'}"
        zeros = f"np.zeros({_dims_src(self.shape, dim)}"
        lines = [f"{out} = {zeros})" if self.dtype == np.float64 else f"{out} = {zeros}, dtype={dtype})"]
        axes = "" if len(self.shape) == 2 else f", {len(self.shape) - 2}, {len(self.shape) - 1}"
        for k, (step, arg) in enumerate(zip(self.steps, args)):
            if k == 0 and arg == out and step.offset is None and step.mode == "set":
                lines = []  # the buffer is the first input's own array
                continue
            if step.offset is None:
                lines.append(f"{out}[...] = {arg}" if step.mode == "set" else f"{out} {step.sign}= {arg}")
                continue
            view = self._view(out, step.offset, dim)
            if view is None:  # an empty diagonal
                continue
            value = f"-{arg}" if step.negated else arg
            if step.mode == "add":
                lines.append(f"{view} {step.sign}= {value}")
            elif step.mode == "set":
                lines.append(f"{view} = {value}")
            else:  # redo: the dense inputs before this one along the diagonal, then this one
                total = ""
                for before, a in zip(self.steps[:k], args):
                    if before.offset is None:
                        whole = a if before.whole else f"np.broadcast_to({a}, {_dims_src(self.shape, dim)})"
                        diagonal = f"np.diagonal({whole}, {step.offset}{axes})"
                        total = (f"np.{_UFUNC[before.sign]}({total}, {diagonal}, dtype={dtype})"
                                 if total else diagonal)
                lines.append(f"{view} = np.{_UFUNC[step.sign]}({total}, {value}, dtype={dtype})")
        return lines

    def _view(self, out: str, offset: int, dim: Callable[[Dim], str]) -> str | None:
        """Source for the writeable view of diagonal ``offset`` of the last two axes of the
        C-ordered array ``out``: its last two axes read flat, every (columns + 1)-th element;
        None for an empty diagonal."""
        *lead, rows, cols = self.shape
        if isinstance(rows, str) or isinstance(cols, str):  # a main diagonal (diagonal_shape)
            size, window = f"{dim(rows)} * {dim(cols)}", f"::{dim(cols)} + 1"
        else:
            length = min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols)
            if length <= 0:
                return None
            start = offset if offset >= 0 else -offset * cols
            last = start + (length - 1) * (cols + 1)
            # the slice runs to the end unless its next element would still be in the array
            stop = "" if last + cols + 1 >= rows * cols else str(last + 1)
            size, window = str(rows * cols), f"{start or ''}:{stop}:{cols + 1}"
        if not lead:
            return f"{out}.reshape(-1)[{window}]"
        return f"{out}.reshape({', '.join(dim(d) for d in lead)}, {size})[..., {window}]"


_UFUNC = {"+": "add", "-": "subtract"}


class Step(NamedTuple):
    """One input of a :class:`DiagonalSum`: a dense array (``offset`` None; ``whole`` when it
    has the sum's shape rather than one it broadcasts from) or a vector written along diagonal
    ``offset`` (``negated``: minus the vector, a ``neg`` of its embedding), added or subtracted
    (``sign``). ``mode`` says how: ``"add"`` (``+=``, ``-=``), ``"set"`` (assign: ``-0.0 + x``)
    or ``"redo"`` (assign the diagonal of the dense inputs before it, added again from -0.0,
    plus the vector), chosen by :func:`_modes` so that every zero has the sign the graph gives it.
    """

    offset: int | None
    sign: str
    mode: str = "add"
    negated: bool = False
    whole: bool = False


class FusedSum(NamedTuple):
    """A chain of ``add``/``sub`` computed as one ``DiagonalSum`` node over the chain's terms,
    and for each term the chain node that reads it (a constant is written as that node's
    operand would be)."""

    node: Node
    consumers: tuple[Node, ...]


class FusedOrder(NamedTuple):
    """The plan :func:`fuse_diagonal_sums` makes: the nodes still to compute, in topological
    order; each fused chain's root -> its :class:`FusedSum`; and how many times each node is
    read by the nodes of ``order`` (a fused root reading its chain's terms), which a backend
    freeing values after their last use counts down."""

    order: list[Node]
    fused: dict[Node, FusedSum]
    uses: dict[Node, int]


def fuse_diagonal_sums(order: Sequence[Node], keep: Iterable[Node]) -> FusedOrder:
    """How to compute the sums of diagonal embeddings among ``order`` (a topological order),
    each in one buffer: every ``add``/``sub`` chain holding a ``diagonal_embed`` -> its
    :class:`FusedSum`, the nodes of ``order`` still to compute (those the results ``keep``
    need when each fused chain reads its terms instead of its own nodes), and how many times
    each is read.

    A chain is left-nested (``(a + b) - c``, the order NumPy adds in) and takes only nodes of
    its root's shape and dtype that nothing else reads, so each element is added in the same
    order and dtype as the graph adds it, and the result is the same to the bit (see
    :func:`_modes` for the zeros).

    >>> from symdiff.ops.diagonals import fuse_diagonal_sums
    >>> a, b = sd.var("a", (2,)), sd.var("b", (3,))
    >>> H = sd.diag(a, -1) + sd.diag(b) + sd.diag(a, 1)
    >>> plan = fuse_diagonal_sums(sd.toposort(H), [H])
    >>> plan.order   # the diag nodes are not computed: the fused sum reads a, b and a
    [a, b, diag(a, -1) + diag(b) + diag(a, 1)]
    >>> plan.fused[H].node.inputs == (a, b, a)
    True
    """
    keep = set(keep)
    uses = consumers(order)
    fused: dict[Node, FusedSum] = {}
    # the nodes of the chains looked at so far, from the outputs down: a chain declined is not
    # looked at again from each of its nodes (quadratic in a deep chain)
    inside: set[Node] = set()
    for node in reversed(order):
        if node not in inside and isinstance(node.op, (Add, Sub)) and node.ndim >= 2:
            found, chain = _fused_sum(node, uses, keep)
            inside.update(chain)
            if found is not None:
                fused[node] = found
    if not fused:
        return FusedOrder(list(order), {}, uses)
    needed = set(keep)
    fused_uses: dict[Node, int] = {}
    for n in reversed(order):
        if n in needed:
            for i in fused[n].node.inputs if n in fused else n.inputs:
                needed.add(i)
                fused_uses[i] = fused_uses.get(i, 0) + 1
    return FusedOrder([n for n in order if n in needed], fused, fused_uses)


MAX_TERMS = 64
"""The most terms one buffer takes: a longer chain is cut into several (each compiled once)."""


def _fused_sum(root: Node, uses: dict[Node, int], keep: set[Node]) -> tuple[FusedSum | None, list[Node]]:
    """The fused form of the chain ending at ``root`` (None if it has no diagonal to write or
    cannot keep the graph's zeros), and the chain's nodes."""
    chain = [root]
    terms: list[tuple[str, Node, Node]] = []  # (sign, term, the chain node reading it), last first
    node = root
    while True:
        left, right = node.inputs
        terms.append(("-" if isinstance(node.op, Sub) else "+", right, node))
        if (isinstance(left.op, (Add, Sub)) and left.type == root.type and uses[left] == 1
                and left not in keep and len(terms) < MAX_TERMS - 1):
            node = left
            chain.append(left)
            continue
        terms.append(("+", left, node))
        break
    terms.reverse()
    steps: list[Step] = []
    inputs: list[Node] = []
    negative_zeros: list[bool] = []  # a negated float embedding holds -0.0 off its diagonal
    for sign, term, _ in terms:
        negated = isinstance(term.op, Neg)
        x = term.inputs[0] if negated else term
        op = x.op
        if (isinstance(op, DiagonalEmbed) and x.shape == root.shape
                and (op.axis1, op.axis2) == (root.ndim - 2, root.ndim - 1)):
            steps.append(Step(op.offset, sign, negated=negated))
            inputs.append(x.inputs[0])
            negative_zeros.append(negated and x.dtype.kind in "fc")
        else:
            steps.append(Step(None, sign, whole=term.shape == root.shape))
            inputs.append(term)
            negative_zeros.append(False)
    if all(s.offset is None for s in steps):
        return None, chain
    if root.dtype.kind in "fc":
        modes = _modes(steps, negative_zeros)
        if modes is None:
            return None, chain
        steps = [s._replace(mode=m) for s, m in zip(steps, modes)]
    op = DiagonalSum(root.shape, root.dtype, tuple(steps))
    return FusedSum(Node(op, tuple(inputs)), tuple(t[2] for t in terms)), chain


def _modes(steps: Sequence[Step], negative_zeros: Sequence[bool]) -> list[str] | None:
    """How each step of a float sum enters the buffer so that every zero gets the sign the
    graph's additions give it; None where no choice of these does.

    The graph adds whole arrays: a diagonal embedding holds +0.0 off its diagonal (its negation
    -0.0 if it is of floats: ``negative_zeros``), and adding +0.0 (subtracting -0.0) turns a -0.0 into +0.0 where adding -0.0 changes
    nothing. The buffer skips those zeros, so an element can differ from the graph's only in
    the sign of a zero, and a sum is -0.0 only if it starts from -0.0 and adds only -0.0s. So an
    element keeps a -0.0 only where every diagonal not through it adds -0.0 (is "neutral"):
    there the first term through it must start from -0.0 (be assigned, or added to a diagonal
    of the dense terms before it taken again from -0.0) instead of from the buffer's +0.0.
    NaN's sign is kept too: each step is the graph's own operation on the same operands.
    """
    neutral: dict[int, bool] = {}  # offset -> every step along it adds -0.0 off its diagonal
    for step, negative in zip(steps, negative_zeros):
        if step.offset is not None:
            neutral[step.offset] = neutral.get(step.offset, True) and (step.sign == "-") != negative
    if all(neutral.values()):
        # every element may keep a -0.0: the buffer must start as a copy of a dense first term
        return None if steps[0].offset is not None else ["set"] + ["add"] * (len(steps) - 1)
    modes = []
    seen: set[int] = set()
    dense: list[str] = []  # the signs of the dense steps so far
    for step in steps:
        o = step.offset
        if o is None:
            dense.append(step.sign)
        if o is None or o in seen:
            modes.append("add")
            continue
        seen.add(o)
        if not all(n for other, n in neutral.items() if other != o):
            modes.append("add")  # the graph adds +0.0 here, before or after: a +0.0 start
        elif step.sign == "-" or dense[:1] == ["-"]:
            return None  # -0.0 - v is not -v for a NaN's sign (nor a complex zero's)
        else:
            modes.append("redo" if dense else "set")
    return modes


def _int(op_name: str, v: Any, what: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{op_name}: `{what}` must be an int, got {v!r}")
    return int(v)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Node:
    """The diagonal ``offset`` (above the main one when positive) of axes ``axis1`` and
    ``axis2``, as a new last axis; as ``np.diagonal``.

    >>> sd.diagonal(sd.var("A", shape=(3, 4)), 1).shape
    (3,)
    """
    return _diagonal("diagonal", a, offset, axis1, axis2)


def _diagonal(name: str, a: Any, offset: Any, axis1: Any, axis2: Any) -> Node:
    """``diagonal``, its errors naming ``name``: the function the user called."""
    x = as_node(a)
    if x.ndim < 2:
        raise ShapeError(
            f"{name}: needs an array of at least two dimensions, got shape {format_shape(x.shape)}"
        )
    k = _int(name, offset, "offset")
    a1, a2 = normalize_axis(name, axis1, x.ndim), normalize_axis(name, axis2, x.ndim)
    if a1 == a2:
        raise ShapeError(f"{name}: axis1 and axis2 cannot be the same (both are axis {a1})")
    return Node(Diagonal(k, a1, a2), (x,))


def diagonal_embed(v: Any, shape: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Node:
    """Zeros of ``shape`` with ``v`` written along the diagonal that ``sd.diagonal(.., offset,
    axis1, axis2)`` reads: the derivative of ``diagonal``, as printed in derivative graphs.

    >>> sd.diagonal_embed(sd.var("v", (3,)), (3, 4), offset=1).shape
    (3, 4)
    """
    x = as_node(v)
    shape = check_shape(shape, "diagonal_embed")
    if len(shape) < 2:
        raise ShapeError(
            f"diagonal_embed: needs a shape of at least two dimensions, got {format_shape(shape)}"
        )
    k = _int("diagonal_embed", offset, "offset")
    a1 = normalize_axis("diagonal_embed", axis1, len(shape))
    a2 = normalize_axis("diagonal_embed", axis2, len(shape))
    if a1 == a2:
        raise ShapeError(f"diagonal_embed: axis1 and axis2 cannot be the same (both are axis {a1})")
    return Node(DiagonalEmbed(k, a1, a2, shape), (x,))


def diag(v: Any, k: int = 0) -> Node:
    """A 1-d ``v`` as a square matrix with ``v`` on diagonal ``k``; a 2-d ``v``'s diagonal ``k``.

    >>> sd.diag(sd.var("v", shape=(3,))).shape
    (3, 3)
    """
    x = as_node(v)
    k = _int("diag", k, "k")
    if x.ndim == 2:
        return Node(Diagonal(k, 0, 1), (x,))
    if x.ndim != 1:
        raise ShapeError(f"diag: input must be 1- or 2-d, got shape {format_shape(x.shape)}")
    n = x.shape[0]
    if isinstance(n, str):
        if k:
            raise ShapeError(
                f"diag: a matrix of side {n!r} + {abs(k)} cannot be built from a named dimension; "
                "use k=0 or give it a static size"
            )
        side: Dim = n
    else:
        side = n + abs(k)
    return Node(DiagonalEmbed(k, 0, 1, (side, side)), (x,))


def diagflat(v: Any, k: Any = 0) -> Node:
    """The flattened ``v`` on diagonal ``k`` of a square matrix, as ``np.diagflat``.

    >>> sd.diagflat(sd.var("v", shape=(2, 2))).shape
    (4, 4)
    """
    x = as_node(v)
    return diag(reshape(x, (-1,)) if x.ndim != 1 else x, _int("diagflat", k, "k"))


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: Any = None) -> Node:
    """The sum along a diagonal (of axes ``axis1`` and ``axis2``), as ``np.trace``.

    >>> sd.trace(sd.var("A", shape=(3, 3)))
    sum(diagonal(A), axis=0)
    """
    no_out("trace", out)
    d = _diagonal("trace", a, offset, axis1, axis2)
    if dtype is not None:
        d = astype(d, dtype)
    return reduce_sum(d, axis=-1)


class Tril(Op):
    """The lower triangle of the last two axes (on and below diagonal ``k``), zeros above."""

    __slots__ = ("k",)
    name = "tril"

    def __init__(self, k: int) -> None:
        self.k = k

    def params(self) -> tuple[Any, ...]:
        return (self.k,)

    def infer(self, x: Type) -> Type:
        return x

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.{self.name}({args[0]}{f', {self.k}' if self.k else ''})"

    def text(self, args: Sequence[str]) -> str:
        return f"{self.name}({args[0]}{f', k={self.k}' if self.k else ''})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (Node(self, (g,)),)  # a mask: its own transpose


class Triu(Tril):
    """The upper triangle of the last two axes (on and above diagonal ``k``), zeros below."""

    __slots__ = ()
    name = "triu"


def _triangle(cls: type[Tril], m: Any, k: Any) -> Node:
    x = as_node(m)
    k = _int(cls.name, k, "k")
    if x.ndim == 0:
        raise ShapeError(f"{cls.name}: needs an array of at least one dimension, got a 0-d array")
    if x.ndim == 1:  # NumPy treats a vector as every row of a square matrix
        x = broadcast_to(x, (x.shape[0], x.shape[0]))
    return Node(cls(k), (x,))


def tril(m: Any, k: int = 0) -> Node:
    """``m`` with the elements above diagonal ``k`` of its last two axes set to zero.

    >>> sd.tril(sd.var("A", shape=(3, 3)))
    tril(A)
    """
    return _triangle(Tril, m, k)


def triu(m: Any, k: int = 0) -> Node:
    """``m`` with the elements below diagonal ``k`` of its last two axes set to zero.

    >>> sd.triu(sd.var("A", shape=(3, 3)), 1)
    triu(A, k=1)
    """
    return _triangle(Triu, m, k)
