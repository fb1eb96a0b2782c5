"""Cumulative sums and products along an axis (``axis=None`` flattens first, as NumPy)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..ir import Dim, Node, Op, Type
from .base import as_node, dtype_by_running, normalize_axis
from .elementwise import astype, equal, where
from .shape import reshape, resolve_reshape


class Scan(Op):
    """A running reduction along one axis; ``reverse`` runs it from the end (the adjoint of a
    cumulative sum is the reversed cumulative sum of its cotangent)."""

    __slots__ = ("axis", "reverse")
    numpy_name = ""

    def __init__(self, axis: int, reverse: bool = False) -> None:
        self.axis = axis
        self.reverse = reverse

    def params(self) -> tuple[Any, ...]:
        return (self.axis, self.reverse)

    def infer(self, x: Type) -> Type:
        return Type(dtype_by_running(self, [x]), x.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        if not self.reverse:
            return f"{self.numpy_name}({args[0]}, axis={self.axis})"
        flipped = f"np.flip({args[0]}, axis={self.axis})"
        return f"np.flip({self.numpy_name}({flipped}, axis={self.axis}), axis={self.axis})"

    def text(self, args: Sequence[str]) -> str:
        rev = ", reverse=True" if self.reverse else ""
        return f"{self.name}({args[0]}, axis={self.axis}{rev})"


class Cumsum(Scan):
    __slots__ = ()
    name, numpy_name = "cumsum", "np.cumsum"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (Node(Cumsum(self.axis, not self.reverse), (g,)),)


class Cumprod(Scan):
    """Running product; its gradient is exact also where the input has zeros."""

    __slots__ = ()
    name, numpy_name = "cumprod", "np.cumprod"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        if self.reverse:
            raise NotImplementedError("cumprod: no derivative rule for the reversed scan")
        # As prod's rule, for each running product: with P_j the running product of the
        # nonzero elements, c_j the number of zeros so far and s_j their sum, d out_j / d x_i
        # (i <= j) is P_j / x_i * Z_j for a nonzero x_i (Z_j: 1 without zeros, the lone zero
        # s_j, else 0), and for a zero x_i P_j times the other zeros: 1 if x_i is the only one,
        # s_j - x_i if there are two, else 0. Written so, the values are exact and so are the
        # second derivatives at zeros (s carries the derivative in the zeros, where a constant
        # 0 past the first zero dropped d2 out / dx_i dx_z).
        is_zero = equal(x, 0)
        zeros = Node(Cumsum(self.axis), (astype(is_zero, np.int64),))
        nonzero = where(is_zero, 1, x)
        zero_sum = Node(Cumsum(self.axis), (where(is_zero, x, 0),))
        lone, pair = equal(zeros, 1), equal(zeros, 2)
        gp = g * Node(Cumprod(self.axis), (nonzero,))

        def later(v: Node) -> Node:  # sum over j >= i
            return Node(Cumsum(self.axis, True), (v,))

        elsewhere = later(gp * where(equal(zeros, 0), 1, where(lone, zero_sum, 0))) / nonzero
        at_zero = (later(where(lone, gp, 0)) + later(where(pair, gp * zero_sum, 0))
                   - x * later(where(pair, gp, 0)))
        return (where(is_zero, at_zero, elsewhere),)


def _scan(cls: type[Scan], a: Any, axis: Any, dtype: Any, out: Any, reverse: bool = False) -> Node:
    if out is not None:
        raise NotImplementedError(f"{cls.name}: the argument 'out' is not supported")
    a = as_node(a)
    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        a = reshape(a, resolve_reshape(cls.name, a.shape, (-1,))) if a.ndim != 1 else a
        axis = 0
    result = Node(cls(normalize_axis(cls.name, axis, a.ndim), bool(reverse)), (a,))
    # the given dtype is also the result's (np.cumsum(x, dtype=int8) is int8, where a scan of
    # int8 values is otherwise int64); integer scans wrap around the same either way
    return result if dtype is None else astype(result, dtype)


def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, *, reverse: bool = False) -> Node:
    """Cumulative sum along ``axis`` (of the flattened array when None): ``sd.cumsum(x, axis=0)``.

    ``dtype`` converts the input first and is the result's; ``out`` is not supported
    (NotImplementedError). ``reverse=True`` sums from the end of the axis (as
    ``jax.lax.cumsum``): the derivative of a cumulative sum, as printed in derivative graphs."""
    if not isinstance(reverse, (bool, np.bool_)):
        raise TypeError(f"cumsum: reverse must be True or False, got {reverse!r}")
    return _scan(Cumsum, a, axis, dtype, out, reverse)


def cumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Node:
    """Cumulative product along ``axis`` (of the flattened array when None):
    ``sd.cumprod(x, axis=1)``. The gradient is exact where the input has zeros; second
    derivatives are exact where it has none.

    ``dtype`` converts the input first and is the result's; ``out`` is not supported
    (NotImplementedError)."""
    return _scan(Cumprod, a, axis, dtype, out)


__all__ = ["cumprod", "cumsum"]
