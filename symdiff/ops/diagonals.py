"""Diagonals and triangles: diagonal, diag, trace, tril, triu.

``Diagonal`` reads a diagonal out of two axes; ``DiagonalEmbed`` writes one into zeros. Each is
the other's transpose, so each one's derivative is the other and derivatives of any order stay
diagonal reads and writes. ``tril``/``triu`` keep a triangle and zero the rest: a linear mask,
their own transpose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..ir import Dim, Node, Op, Shape, Type, check_shape, format_shape, shape_text
from .base import as_node, helper, no_out, normalize_axis
from .elementwise import astype
from .reduce import sum as reduce_sum
from .shape import _dims_src, broadcast_to


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
def diagonal_embed(g, shape, offset, axis1, axis2):  # type: ignore[no-untyped-def]
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
        return (f"diagonal_embed({args[0]}, {_dims_src(self.shape, dim)}, {self.offset}, "
                f"{self.axis1}, {self.axis2})")

    def text(self, args: Sequence[str]) -> str:
        if self.is_diag():
            return f"diag({args[0]}{f', {self.offset}' if self.offset else ''})"
        return (f"diagonal_embed({args[0]}, {shape_text(self.shape)}, offset={self.offset}, "
                f"axis1={self.axis1}, axis2={self.axis2})")

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (Node(Diagonal(self.offset, self.axis1, self.axis2), (g,)),)


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
