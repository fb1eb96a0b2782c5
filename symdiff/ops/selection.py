"""Selection by value and by position: sort, argsort, argmax, argmin, take_along_axis,
searchsorted, and interp, a piecewise-linear lookup built on it; and the gathering of a sum of
scatters at constant positions into one.

The ``arg*`` ops give integer positions; integers carry no gradient, so their derivative is
zero by definition. ``sort`` is a permutation of its input chosen by the values: its derivative
routes each output's cotangent back to the element that landed there, through the permutation
NumPy's *stable* sort finds. With ties, the gradient of the k-th sorted value therefore goes to
the tied element that comes k-th in the original order (the first of them to the first output
position), never split between them. Away from ties sort is smooth, and its derivatives of any
order are the same scatter.
Complex values are ordered as NumPy orders them: by real part, then imaginary part, with
values holding a nan last.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from ..ir import Dim, Node, Op, Shape, Type, check_shape, format_shape, shape_text
from .base import (
    as_node, broadcast_shapes, const, helper, index_int, is_python_scalar, lone_axis_of_0d, no_out,
    normalize_axis,
)
from .elementwise import add, astype, equal, greater, isfinite, isnan, less, logical_and, logical_not, where
from . import reduce
from .numeric import mod
from .shape import (
    IndexAdd, Reshape, _dims_src, broadcast_to, check_bounds, concatenate, expand_dims, index, index_add,
    reshape, resolve_reshape, take,
)

_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")
_INDEX = np.dtype(np.intp)  # what np.argsort and np.argmax return


def _flat(op_name: str, x: Node) -> Node:
    return reshape(x, resolve_reshape(op_name, x.shape, (-1,)))


def _sort_args(
    op_name: str, x: Node, axis: Any, kind: Any, order: Any, stable: Any
) -> tuple[Node, int, str | None]:
    if order is not None:
        raise NotImplementedError(
            f"{op_name}: order={order!r} is not supported (it sorts structured arrays by field)"
        )
    if kind not in _KINDS:
        raise ValueError(f"{op_name}: kind={kind!r} is not one of {', '.join(map(repr, _KINDS[1:]))}")
    if stable not in (None, True, False):
        raise TypeError(f"{op_name}: stable must be True, False or None, got {stable!r}")
    if stable and kind not in (None, "stable"):
        raise ValueError(f"{op_name}: stable=True cannot be combined with kind={kind!r}")
    if axis is None:
        return _flat(op_name, x), 0, "stable" if stable else kind
    if x.ndim == 0:
        raise ShapeError(f"{op_name}: axis {axis} is out of bounds for a 0-d array; use axis=None")
    return x, normalize_axis(op_name, axis, x.ndim), "stable" if stable else kind


class Argsort(Op):
    """The positions that sort along ``axis`` (``kind='stable'`` keeps ties in order)."""

    __slots__ = ("axis", "kind")
    name = "argsort"

    def __init__(self, axis: int, kind: str | None) -> None:
        self.axis, self.kind = axis, kind

    def params(self) -> tuple[Any, ...]:
        return (self.axis, self.kind)

    def infer(self, x: Type) -> Type:
        return Type(_INDEX, x.shape)

    def _args(self) -> str:
        return f"axis={self.axis}" + ("" if self.kind is None else f", kind={self.kind!r}")

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.argsort({args[0]}, {self._args()})"

    def text(self, args: Sequence[str]) -> str:
        return f"argsort({args[0]}, {self._args()})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)  # integer positions: no gradient


class Sort(Op):
    """Values sorted along ``axis``; the derivative scatters back through the stable argsort."""

    __slots__ = ("axis",)
    name = "sort"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def params(self) -> tuple[Any, ...]:
        return (self.axis,)

    def infer(self, x: Type) -> Type:
        return x

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.sort({args[0]}, axis={self.axis})"

    def text(self, args: Sequence[str]) -> str:
        return f"sort({args[0]}, axis={self.axis})"

    def permutation(self, x: Node) -> Node:
        """Where each sorted element came from (NumPy's stable argsort)."""
        return Node(Argsort(self.axis, "stable"), (x,))

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (add_along_axis(g, self.permutation(x), x.shape, self.axis),)


def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Node:
    """A sorted copy of ``a`` along ``axis`` (the flattened array when None), as ``np.sort``.

    Every ``kind`` gives the same values. The derivative follows the stable sort's permutation:
    with ties, the gradient of each sorted position goes to one tied element, in their original
    order. As a method, ``x.sort()`` returns a new expression (NumPy's sorts in place).

    >>> sd.sort(sd.var("x", shape=(4,)))
    sort(x, axis=0)
    """
    x, ax, _ = _sort_args("sort", as_node(a), axis, kind, order, stable)
    return Node(Sort(ax), (x,))


def argsort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Node:
    """The integer positions that sort ``a`` along ``axis``, as ``np.argsort`` (pass
    ``kind='stable'`` or ``stable=True`` for a defined order among ties); no gradient.

    >>> sd.argsort(sd.var("x", shape=(4,))).dtype
    dtype('int64')
    """
    x = as_node(a)
    if lone_axis_of_0d(axis, x.ndim):  # NumPy's array methods read a 0-d array as shape (1,)
        axis = None
    x, ax, k = _sort_args("argsort", x, axis, kind, order, stable)
    return Node(Argsort(ax, k), (x,))


def sort_complex(a: Any) -> Node:
    """``a`` sorted along its last axis as complex numbers, as ``np.sort_complex``: real input
    is sorted, then made complex64 (int8, int16 and their unsigned kin) or complex128 (the
    rest; long doubles clongdouble), NumPy's dtypes; ``sort``'s derivative.

    >>> sd.sort_complex(sd.var("x", shape=(3,))).dtype
    dtype('complex128')
    """
    x = sort(a)
    if x.dtype.kind == "c":
        return x
    char = x.dtype.char
    return astype(x, "complex64" if char in "bhBH" else "clongdouble" if char == "g" else "complex128")


def _partition_args(op_name: str, a: Any, kth: Any, axis: Any, kind: Any, order: Any
                    ) -> tuple[Node, int]:
    """NumPy's checks of ``partition``'s arguments; the input and axis to sort along."""
    if kind != "introselect":
        raise ValueError(f"{op_name}: kind must be 'introselect' (got {kind!r})")
    x, ax, _ = _sort_args(op_name, as_node(a), axis, None, order, None)
    positions = np.asarray(kth)
    if positions.dtype.kind == "b":
        raise ValueError(f"{op_name}: booleans are unacceptable as a partition index (kth={kth!r})")
    if positions.dtype.kind not in "iu":
        raise TypeError(f"{op_name}: the partition index kth must be an int or a sequence of "
                        f"ints, got {kth!r}")
    if positions.ndim > 1:
        raise ValueError(f"{op_name}: kth must be an int or a 1-d sequence of ints, got shape "
                         f"{positions.shape}")
    n = x.shape[ax]
    if isinstance(n, int):  # along a named dimension the size is known only when it runs
        for k in positions.ravel().tolist():
            if not -n <= k < n:
                raise ValueError(f"{op_name}: kth(={k}) out of bounds ({n})"
                                 if k >= n else f"{op_name}: kth(={k + n}) out of bounds ({n})")
    return x, ax


def partition(a: Any, kth: Any, axis: Any = -1, kind: Any = "introselect", order: Any = None) -> Node:
    """``a`` partitioned along ``axis`` (the flattened array when None) around the positions
    ``kth``, as ``np.partition``: each ``kth`` element is the one a sort puts there, smaller
    ones before it and larger after. NumPy leaves the order within the two sides open; a full
    sort is a valid partition, and this is it (``sd.sort``'s values and derivative).

    >>> sd.partition(sd.var("x", shape=(4,)), 1)
    sort(x, axis=0)
    """
    x, ax = _partition_args("partition", a, kth, axis, kind, order)
    return Node(Sort(ax), (x,))


def argpartition(a: Any, kth: Any, axis: Any = -1, kind: Any = "introselect",
                 order: Any = None) -> Node:
    """The integer positions that partition ``a`` around ``kth`` along ``axis``, as
    ``np.argpartition``; the positions that sort it are a valid answer, and these are they
    (``sd.argsort``'s); no gradient.

    >>> sd.argpartition(sd.var("x", shape=(4,)), 1).dtype
    dtype('int64')
    """
    x, ax = _partition_args("argpartition", a, kth, axis, kind, order)
    return Node(Argsort(ax, None), (x,))


class ArgExtreme(Op):
    """The position of the maximum (or minimum) along ``axis``, or in the flattened array."""

    __slots__ = ("axis", "keepdims")
    name = "argmax"

    def __init__(self, axis: int | None, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def params(self) -> tuple[Any, ...]:
        return (self.axis, self.keepdims)

    def infer(self, x: Type) -> Type:
        if self.axis is None:
            shape: Shape = (1,) * x.ndim if self.keepdims else ()
        elif self.keepdims:
            shape = tuple(1 if k == self.axis else d for k, d in enumerate(x.shape))
        else:
            shape = tuple(d for k, d in enumerate(x.shape) if k != self.axis)
        return Type(_INDEX, shape)

    def _args(self) -> str:
        axis = "" if self.axis is None else f", axis={self.axis}"
        return axis + (", keepdims=True" if self.keepdims else "")

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.{self.name}({args[0]}{self._args()})"

    def text(self, args: Sequence[str]) -> str:
        return f"{self.name}({args[0]}{self._args()})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)  # integer positions: no gradient


class ArgMin(ArgExtreme):
    __slots__ = ()
    name = "argmin"


def _arg_extreme(cls: type[ArgExtreme], a: Any, axis: Any, keepdims: Any) -> Node:
    x = as_node(a)
    # a 0-d array read as one of shape (1,) for a lone axis 0 or -1, as NumPy's: position 0
    whole = axis is None or lone_axis_of_0d(axis, x.ndim)
    ax = None if whole else normalize_axis(cls.name, axis, x.ndim)
    if ax is None and x.type.static_size == 0:
        raise ShapeError(
            f"{cls.name}: attempt to get {cls.name} of an empty sequence (shape {format_shape(x.shape)})"
        )
    if ax is not None and x.shape[ax] == 0:
        raise ShapeError(f"{cls.name}: axis {ax} of {format_shape(x.shape)} is empty")
    return Node(cls(ax, bool(keepdims)), (x,))


def argmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Node:
    """The integer position of the maximum along ``axis`` (of the flattened array when None);
    the first one among ties, as ``np.argmax``; no gradient.

    >>> sd.argmax(sd.var("x", shape=(2, 3)), axis=1).shape
    (2,)
    """
    no_out("argmax", out)
    return _arg_extreme(ArgExtreme, a, axis, keepdims)


def argmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Node:
    """The integer position of the minimum along ``axis`` (of the flattened array when None);
    the first one among ties, as ``np.argmin``; no gradient.

    >>> sd.argmin(sd.var("x", shape=(2, 3)), axis=0).shape
    (3,)
    """
    no_out("argmin", out)
    return _arg_extreme(ArgMin, a, axis, keepdims)


# -- take_along_axis and its transpose ---------------------------------------------------------------


def along_axis_shape(op_name: str, x: Shape, indices: Shape, axis: int) -> Shape:
    """The shape of ``np.take_along_axis``: the other axes broadcast, ``axis`` from the indices."""
    if len(x) != len(indices):
        raise ShapeError(
            f"{op_name}: `indices` {format_shape(indices)} and `arr` {format_shape(x)} must have the "
            "same number of dimensions"
        )
    others = broadcast_shapes(
        op_name,
        tuple(1 if k == axis else d for k, d in enumerate(x)),
        tuple(1 if k == axis else d for k, d in enumerate(indices)),
    )
    return tuple(indices[axis] if k == axis else d for k, d in enumerate(others))


class TakeAlongAxis(Op):
    """``np.take_along_axis(x, indices, axis)``."""

    __slots__ = ("axis",)
    name = "take_along_axis"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def params(self) -> tuple[Any, ...]:
        return (self.axis,)

    def infer(self, x: Type, indices: Type) -> Type:
        return Type(x.dtype, along_axis_shape(self.name, x.shape, indices.shape, self.axis))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.take_along_axis({args[0]}, {args[1]}, axis={self.axis})"

    def text(self, args: Sequence[str]) -> str:
        return f"take_along_axis({args[0]}, {args[1]}, axis={self.axis})"

    def vjp(self, g: Node, out: Node, x: Node, indices: Node) -> Sequence[Node | None]:
        return (add_along_axis(g, indices, x.shape, self.axis), None)


@helper
def add_along_axis_kernel(g, indices, shape, axis, accumulate):  # type: ignore[no-untyped-def]
    # zeros of `shape` with g added where np.take_along_axis(out, indices, axis) reads: its
    # transpose. Repeated indices add up (np.add.at) unless they are known to be a permutation.
    out = np.zeros(shape, dtype=np.result_type(g))
    if not accumulate:
        np.put_along_axis(out, indices, g, axis)
        return out
    where = []
    for d in range(len(shape)):
        if d == axis:
            where.append(indices)
        else:
            n = g.shape[d]
            at = np.arange(n) if shape[d] == n else np.zeros(n, dtype=np.intp)  # broadcast axis
            where.append(at.reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1)))
    np.add.at(out, tuple(where), g)
    return out


class AddAlongAxis(Op):
    """Zeros of ``shape`` with the cotangent added at ``take_along_axis`` positions."""

    __slots__ = ("axis", "shape", "accumulate")
    name = "add_along_axis"

    def __init__(self, axis: int, shape: Shape, accumulate: bool) -> None:
        self.axis, self.shape, self.accumulate = axis, shape, accumulate

    def params(self) -> tuple[Any, ...]:
        return (self.axis, self.shape, self.accumulate)

    def infer(self, g: Type, indices: Type) -> Type:
        want = along_axis_shape(self.name, self.shape, indices.shape, self.axis)
        if g.shape != want:
            raise ShapeError(
                f"{self.name}: expected a cotangent of shape {format_shape(want)}, got {format_shape(g.shape)}"
            )
        return Type(g.dtype, self.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return (f"add_along_axis_kernel({args[0]}, {args[1]}, {_dims_src(self.shape, dim)}, {self.axis}, "
                f"{self.accumulate})")

    def text(self, args: Sequence[str]) -> str:
        return f"add_along_axis({args[0]}, {args[1]}, {shape_text(self.shape)}, axis={self.axis})"

    def vjp(self, g: Node, out: Node, upstream: Node, indices: Node) -> Sequence[Node | None]:
        return (Node(TakeAlongAxis(self.axis), (g, indices)), None)


def add_along_axis(g: Any, indices: Any, shape: Any, axis: int) -> Node:
    """Zeros of ``shape`` with ``g`` added where ``take_along_axis(.., indices, axis)`` reads
    (repeated indices add up; an ``argsort`` is a permutation and simply scatters): the
    derivative of ``take_along_axis`` and ``sort``, as printed in derivative graphs."""
    g, idx = as_node(g), as_node(indices)
    shape = check_shape(shape, "add_along_axis")
    if idx.dtype.kind not in "iu":
        raise DTypeError(f"add_along_axis: indices must be integers, got dtype {idx.dtype}")
    ax = normalize_axis("add_along_axis", axis, len(shape))
    return Node(AddAlongAxis(ax, shape, not is_permutation(idx, ax)), (g, idx))


def is_permutation(indices: Node, axis: int) -> bool:
    """Whether ``indices`` are known to hold no repeats along ``axis`` (an argsort's along that
    axis, possibly with unit axes put in front, as a batched derivative does), so a scatter to
    them needs no accumulation. An argsort along another axis can repeat values along this one."""
    while isinstance(indices.op, Reshape):
        inner = indices.inputs[0]
        extra = indices.ndim - inner.ndim
        if extra < 0 or indices.shape != (1,) * extra + inner.shape:
            return False
        indices, axis = inner, axis - extra
    return isinstance(indices.op, Argsort) and indices.op.axis == axis


def take_along_axis(arr: Any, indices: Any, axis: Any = -1) -> Node:
    """Values of ``arr`` at integer ``indices`` along ``axis``, matching 1-d slices (e.g. with
    the result of ``argsort``), as ``np.take_along_axis``; repeated indices add up in the
    derivative.

    >>> x = sd.var("x", shape=(2, 3)); sd.take_along_axis(x, sd.argsort(x), axis=1).shape
    (2, 3)
    """
    x = as_node(arr)
    idx = as_node(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"take_along_axis: indices must be integers, got dtype {idx.dtype}")
    if axis is None:
        if idx.ndim != 1:
            raise ShapeError(
                f"take_along_axis: when axis=None, `indices` must have a single dimension, got "
                f"{format_shape(idx.shape)}"
            )
        x, ax = _flat("take_along_axis", x), 0
    else:
        ax = normalize_axis("take_along_axis", axis, x.ndim)
    check_bounds("take_along_axis: ", idx, ax, x.shape[ax])
    return Node(TakeAlongAxis(ax), (x, idx))


# -- searchsorted and interp -------------------------------------------------------------------------


_SIDES = ("left", "right")


class SearchSorted(Op):
    """``np.searchsorted(a, v, side)``: where each value of ``v`` would go in the sorted 1-d
    ``a`` to keep it sorted; integer positions, so no gradient."""

    __slots__ = ("side",)
    name = "searchsorted"

    def __init__(self, side: str) -> None:
        self.side = side

    def params(self) -> tuple[Any, ...]:
        return (self.side,)

    def infer(self, a: Type, v: Type) -> Type:
        return Type(_INDEX, v.shape)

    def _args(self) -> str:
        return "" if self.side == "left" else f", side={self.side!r}"

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.searchsorted({args[0]}, {args[1]}{self._args()})"

    def text(self, args: Sequence[str]) -> str:
        return f"searchsorted({args[0]}, {args[1]}{self._args()})"

    def vjp(self, g: Node, out: Node, a: Node, v: Node) -> Sequence[Node | None]:
        return (None, None)  # integer positions: no gradient


def searchsorted(a: Any, v: Any, side: Any = "left", sorter: Any = None) -> Node:
    """The integer positions where the values ``v`` would be inserted into the sorted 1-d ``a``
    to keep it sorted, as ``np.searchsorted``: before equal elements with ``side='left'``,
    after them with ``'right'``; ``sorter``, integer positions that sort ``a`` (an argsort).
    No gradient.

    >>> sd.searchsorted(sd.var("a", shape=(5,)), sd.var("v", shape=(2, 3))).shape
    (2, 3)
    """
    if not isinstance(side, str) or side not in _SIDES:
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    sorted_a, values = as_node(a), as_node(v)
    if sorted_a.ndim != 1:
        raise ShapeError(f"searchsorted: `a` must be 1-d, got shape {format_shape(sorted_a.shape)}")
    if sorter is not None:
        order = as_node(sorter)
        if order.shape != sorted_a.shape:
            raise ShapeError(f"searchsorted: `sorter` of shape {format_shape(order.shape)} must have "
                             f"the shape of `a`, {format_shape(sorted_a.shape)}")
        sorted_a = take(sorted_a, order)
    if sorted_a.dtype.kind not in "biufc" or values.dtype.kind not in "biufc":
        raise DTypeError(f"searchsorted: cannot compare {values.dtype} values with an array of "
                         f"{sorted_a.dtype}")
    return Node(SearchSorted(side), (sorted_a, values))


def _interp_bound(what: str, value: Any, dtype: np.dtype, default: Node) -> Node:
    if value is None:
        return default
    bound = as_node(value)
    if bound.ndim != 0:
        raise TypeError(f"interp: `{what}` must be a scalar, got shape {format_shape(bound.shape)}")
    if bound.dtype.kind == "c" and dtype.kind != "c":
        raise TypeError(f"interp: `{what}` is complex while `fp` is real")
    return astype(bound, dtype)


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Node:
    """The piecewise-linear interpolant through the points (``xp``, ``fp``) at ``x``, as
    ``np.interp``: ``xp`` increasing, ``left`` and ``right`` (``fp[0]``, ``fp[-1]`` by default)
    outside them, ``period`` for angular ``x``; float64 (complex128 for a complex ``fp``).

    Built as NumPy computes it: ``searchsorted`` finds each ``x``'s segment, ``take`` its ends,
    so the derivative is the slope of the segment taken (0 outside the range; at a knot, the
    segment that starts there, the last one's at ``xp[-1]``), and flows to ``fp`` and to ``xp``
    where they are expressions.

    >>> sd.interp(sd.var("x", shape=(4,)), [0.0, 1.0, 2.0], sd.var("y", shape=(3,))).shape
    (4,)
    """
    xv, xpv, fpv = as_node(x), as_node(xp), as_node(fp)
    dtype = np.dtype(np.complex128 if fpv.dtype.kind == "c" else np.float64)
    for what, arg in (("x", xv), ("xp", xpv), ("fp", fpv)):
        if arg.dtype.kind not in "biufc" or (arg.dtype.kind == "c" and what != "fp"):
            raise DTypeError(f"interp: `{what}` must be real numbers, got dtype {arg.dtype}")
    if xpv.ndim != 1 or fpv.ndim != 1:
        raise ShapeError(f"interp: the data points must be 1-d, got `xp` of shape "
                         f"{format_shape(xpv.shape)} and `fp` of shape {format_shape(fpv.shape)}")
    n = xpv.shape[0]
    if isinstance(n, str) or isinstance(fpv.shape[0], str):
        raise ShapeError(f"interp: the number of data points must be static, got `xp` of shape "
                         f"{format_shape(xpv.shape)} and `fp` of shape {format_shape(fpv.shape)}")
    if n != fpv.shape[0]:
        raise ShapeError(f"interp: `fp` and `xp` are not of the same length ({fpv.shape[0]} and {n})")
    if n == 0:
        raise ValueError("interp: the array of sample points `xp` is empty")
    xv, xpv, fpv = astype(xv, np.float64), astype(xpv, np.float64), astype(fpv, dtype)
    if period is not None:
        if not is_python_scalar(period) and index_int(period) is None and not (
                isinstance(period, (np.floating, np.ndarray)) and np.ndim(period) == 0):
            raise TypeError(f"interp: `period` must be a number known when the graph is built, "
                            f"got {period!r}")
        p = abs(float(period))
        if p == 0:
            raise ValueError("interp: `period` must be a non-zero value")
        # NumPy's normalization: both into [0, period), the points sorted, one more at each end
        left = right = None
        xv, xpv = mod(xv, p), mod(xpv, p)
        order = argsort(xpv)
        xpv, fpv = take(xpv, order), take(fpv, order)
        xpv = concatenate([index(xpv, slice(-1, None)) - p, xpv, index(xpv, slice(0, 1)) + p])
        fpv = concatenate([index(fpv, slice(-1, None)), fpv, index(fpv, slice(0, 1))])
        n += 2
    first_x, last_x = index(xpv, 0), index(xpv, -1)
    first_f, last_f = index(fpv, 0), index(fpv, -1)
    below = _interp_bound("left", left, dtype, first_f)
    above = _interp_bound("right", right, dtype, last_f)
    if n == 1:  # NumPy's own case: fp[0] at xp[0] (and at nan)
        return where(less(xv, first_x), below, where(greater(xv, first_x), above, first_f))
    # the segment [xp[j], xp[j+1]] holding x, j in 0 .. n-2 (the end ones reach beyond the range)
    j = Node(SearchSorted("right"), (index(xpv, slice(1, -1)), xv))
    x0, x1 = take(xpv, j), take(xpv, j + 1)
    y0, y1 = take(fpv, j), take(fpv, j + 1)
    slope = (y1 - y0) / (x1 - x0)
    from_left, from_right = slope * (xv - x0) + y0, slope * (xv - x1) + y1
    # where one end gives nan (an infinite point), the other, as NumPy's
    inside = where(isnan(from_left),
                   where(logical_and(isnan(from_right), equal(y0, y1)), y0, from_right), from_left)
    # at a knot, its value; the segment's slope stays the derivative where it is finite
    finite = isfinite(slope)
    inside = where(logical_and(equal(xv, x0), logical_not(finite)), y0, inside)
    inside = where(equal(xv, last_x), where(finite, from_right, last_f), inside)
    return where(isnan(xv), astype(xv, dtype),
                 where(greater(xv, last_x), above, where(less(xv, first_x), below, inside)))


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Node:
    """Each element from the choice of the first condition true there (``default`` where none
    is), as ``np.select``: conditions are boolean arrays or expressions, all broadcast together,
    and the result takes the choices' and the default's common dtype (Python numbers weakly).

    >>> sd.select([sd.var("x", shape=(3,)) < 0], [0.0], sd.var("x", shape=(3,))).shape
    (3,)
    """
    conditions, choices = list(condlist), list(choicelist)
    if len(conditions) != len(choices):
        raise ValueError(f"select: list of cases must be same length as list of conditions, got "
                         f"{len(choices)} choices for {len(conditions)} conditions")
    if not conditions:
        raise ValueError("select: select with an empty condition list is not possible")
    conds = [c if isinstance(c, Node) else as_node(np.asarray(c)) for c in conditions]
    for k, c in enumerate(conds):
        if c.dtype.kind != "b":
            raise TypeError(f"select: invalid entry {k} in condlist: should be boolean ndarray, got "
                            f"{c.dtype}")
    values = [*choices, default]
    dtype = np.result_type(*(v.dtype if isinstance(v, Node) else
                             v if is_python_scalar(v) else np.asarray(v) for v in values))
    nodes = [astype(v if isinstance(v, Node) else as_node(np.asarray(v)), dtype) for v in values]
    shape = broadcast_shapes("select", *(n.shape for n in (*conds, *nodes)))
    result = nodes[-1]
    for c, choice in zip(reversed(conds), reversed(nodes[:-1])):
        result = where(c, choice, result)
    return broadcast_to(result, shape)


def isin(element: Any, test_elements: Any, assume_unique: Any = False, invert: Any = False, *,
         kind: Any = None) -> Node:
    """Where each element of ``element`` equals one of ``test_elements`` (any shape, read
    flattened), a boolean mask of ``element``'s shape, as ``np.isin`` (``invert`` negates it;
    nan is in no set). Either may be an expression: the test compares every pair, O(n·m), so
    the result's shape never depends on the values.

    >>> sd.isin(sd.var("x", shape=(4,)), [1.0, 2.0]).shape
    (4,)
    """
    if kind not in (None, "sort", "table"):
        raise ValueError(f"isin: invalid kind: {kind!r}; please use None, 'sort' or 'table'")
    x, t = as_node(element), as_node(test_elements)
    if kind == "table" and not (x.dtype.kind in "biu" and t.dtype.kind in "biu"):
        raise ValueError("isin: the 'table' method is only supported for boolean or integer "
                         f"arrays, got {x.dtype} and {t.dtype}; use kind=None")
    pairs = equal(expand_dims(x, -1), _flat("isin", t))
    found = reduce.any(pairs, axis=-1)
    return logical_not(found) if invert else found


def digitize(x: Any, bins: Any, right: Any = False) -> Node:
    """The index of the bin each value of ``x`` falls in, as ``np.digitize``: ``bins`` a 1-d
    array, increasing or decreasing (constant bins are checked as NumPy checks them; for bins
    that are expressions the direction is read when the graph runs, from the first and the
    last); ``right`` puts a value equal to an edge in the bin to its left. Built on
    ``searchsorted``: integer positions, no gradient.

    >>> sd.digitize(sd.var("x", shape=(4,)), [0.0, 1.0, 2.0]).shape
    (4,)
    """
    values = as_node(x)
    if values.dtype.kind == "c":
        raise TypeError("digitize: x may not be complex")
    edges = bins if isinstance(bins, Node) else np.asarray(bins)
    if edges.ndim != 1:
        raise ValueError(f"digitize: object of too small depth for desired array: bins must be 1-d, "
                         f"got shape {format_shape(edges.shape)}")
    side = "left" if right else "right"
    n = edges.shape[0]
    if isinstance(edges, np.ndarray):
        try:  # NumPy's own check of the bins, and its reading of their direction
            decreasing = n > 0 and np.digitize(np.array([-np.inf]), edges)[0] == n
        except ValueError as e:
            raise ValueError(f"digitize: {e}") from None
        if decreasing:
            return n - searchsorted(edges[::-1].copy(), values, side=side)
        return searchsorted(edges, values, side=side)
    if isinstance(n, str):
        raise ShapeError(f"digitize: bins along the named dimension {n!r}; give them a static size")
    rising = searchsorted(edges, values, side=side)
    if n < 2:
        return rising
    falling = n - searchsorted(index(edges, slice(None, None, -1)), values, side=side)
    return where(greater(index(edges, 0), index(edges, -1)), falling, rising)


def _common_dtype(values: Sequence[Any]) -> np.dtype:
    """The dtype NumPy gives arrays and numbers together (Python numbers weakly, NEP 50)."""
    return np.result_type(*(v.dtype if isinstance(v, Node) else v if is_python_scalar(v) else np.asarray(v)
                            for v in values))


def choose(a: Any, choices: Sequence[Any], out: Any = None, mode: Any = "raise") -> Node:
    """Each element from the choice ``a`` names there, all broadcast together, as ``np.choose``:
    ``mode`` 'raise' (an index out of range is an error: constant ones when the graph is built,
    others NumPy's when it runs), 'wrap' or 'clip'. Differentiable in the choices.

    >>> sd.choose(sd.var("i", shape=(3,), dtype="int64"), [sd.var("x", shape=(3,)), 0.0]).shape
    (3,)
    """
    no_out("choose", out)
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"choose: clipmode must be one of 'clip', 'raise', or 'wrap', got {mode!r}")
    which = a if isinstance(a, Node) else as_node(np.asarray(a))
    if which.dtype.kind not in "biu":
        raise TypeError(f"choose: Cannot cast array data from dtype('{which.dtype}') to dtype('int64') "
                        "according to the rule 'safe'")
    options = list(choices)
    if not options:
        raise ValueError("choose: 0-length sequence of choices")
    dtype = _common_dtype(options)
    nodes = [astype(c if isinstance(c, Node) else as_node(np.asarray(c)), dtype) for c in options]
    n = len(nodes)
    if not isinstance(a, Node) and mode == "raise" and np.any((np.asarray(a) < 0) | (np.asarray(a) >= n)):
        raise ValueError(f"choose: invalid entry in choice array: indices must be in [0, {n})")
    if mode == "raise" and which.dtype.kind == "i":
        # NumPy's take_along_axis would read a negative index from the end: moved past the
        # last choice, it is NumPy's IndexError when the graph runs, as np.choose's error
        which = where(less(which, 0), n, astype(which, _INDEX))
    elif mode == "wrap":
        which = mod(which, n)
    elif mode == "clip":
        which = where(less(which, 0), 0, where(greater(which, n - 1), n - 1, which))
    shape = broadcast_shapes("choose", which.shape, *(c.shape for c in nodes))
    stacked = concatenate([reshape(broadcast_to(c, shape), (1, *shape)) for c in nodes], axis=0)
    picked = reshape(broadcast_to(astype(which, _INDEX), shape), (1, *shape))
    return reshape(take_along_axis(stacked, picked, axis=0), shape)


def _constant_condition(op_name: str, condition: Any) -> np.ndarray:
    if isinstance(condition, Node):
        raise TypeError(
            f"{op_name}: the condition must be constant (a NumPy array or a list): the result's "
            "shape is its count of true values, which an expression has only when the graph runs; "
            "use where(condition, x, 0) to keep the shape")
    return np.asarray(condition)


def compress(condition: Any, a: Any, axis: Any = None, out: Any = None) -> Node:
    """The slices of ``a`` along ``axis`` (the flattened ``a`` when None) where the constant
    1-d ``condition`` is true, as ``np.compress`` (a shorter condition leaves the rest out).

    >>> sd.compress([True, False, True], sd.var("x", shape=(3, 2)), axis=0).shape
    (2, 2)
    """
    no_out("compress", out)
    kept = _constant_condition("compress", condition)
    if kept.ndim != 1:
        raise ValueError(f"compress: condition must be a 1-d array, got shape {kept.shape}")
    x = as_node(a)
    if axis is None or lone_axis_of_0d(axis, x.ndim):  # a 0-d array read as shape (1,)
        x, ax = _flat("compress", x), 0
    else:
        ax = normalize_axis("compress", axis, x.ndim)
    positions = np.flatnonzero(kept)
    size = x.shape[ax]
    if positions.size and isinstance(size, int) and positions[-1] >= size:
        raise IndexError(f"compress: index {positions[-1]} is out of bounds for axis {ax} with size {size}")
    return take(x, positions, axis=ax)


def extract(condition: Any, arr: Any) -> Node:
    """The elements of the flattened ``arr`` where the flattened constant ``condition`` is
    nonzero, as ``np.extract``.

    >>> sd.extract(np.array([[True, False], [False, True]]), sd.var("x", shape=(2, 2))).shape
    (2,)
    """
    positions = np.flatnonzero(_constant_condition("extract", condition))
    return take(arr, positions)


# -- a sum of scatters at constant positions, gathered -----------------------------------------------
# Reading x[i] (or x[i:i + 3], X[i], X[:, j]) in a loop gives one cotangent per step that writes
# its values into zeros of x's shape: index_add(v_k, shape, s_[p_k]). Their sum would be n arrays
# of x's size, work quadratic in n to build, evaluate and rewrite; gathered, it is one array.

_WHOLE = ("s", None, None, None)


def _scatter_place(t: Node, typ: Type) -> tuple[int, Shape, np.ndarray] | None:
    """(axis, frame, positions) when ``t`` is ``index_add(v, shape, s_[...])`` of type ``typ`` at
    ints and slices only: ``t`` writes ``v`` at ``positions`` along ``axis`` of an array of shape
    ``frame``, reshaped to ``shape``. A slot ``s_[:, .., :, p]`` is position p along its own axis
    (the sizes of the axes before it may be named); any other index, of axes of static sizes,
    is its flat positions along the leading axes taken as one, shaped as the part of ``v`` they
    index. None for any other node."""
    op = t.op
    if not isinstance(op, IndexAdd) or len(t.inputs) != 1 or t.type != typ or not op.spec:
        return None
    spec, shape = op.spec, op.shape
    axis = len(spec) - 1
    if spec[-1][0] == "i" and all(it == _WHOLE for it in spec[:-1]) and isinstance(shape[axis], int):
        return axis, shape, np.asarray(spec[-1][1] % shape[axis], dtype=np.intp)
    lead = shape[:len(spec)]
    if not all(isinstance(d, int) for d in lead) or any(it[0] not in "is" for it in spec):
        return None
    runs = sum(it[0] == "s" for it in spec)
    positions = np.zeros((1,) * runs, dtype=np.intp)
    stride, axis = 1, runs
    for it, d in zip(reversed(spec), reversed(lead)):  # (no array of the node's size)
        if it[0] == "i":
            positions = positions + (it[1] % d) * stride
        else:
            axis -= 1
            run = np.arange(*slice(*it[1:]).indices(d), dtype=np.intp) * stride
            positions = positions + run.reshape((-1,) + (1,) * (runs - 1 - axis))
        stride *= d
    if not positions.size:
        return None
    return 0, (math.prod(lead), *shape[len(spec):]), positions  # type: ignore[arg-type]


def gather_scatters(terms: Sequence[Node], typ: Type, least: int) -> list[Node] | None:
    """``terms`` of a sum of type ``typ`` with each group of ``least`` or more scatters of that
    type at constant positions, ``index_add(v_k, shape, s_[p_k])`` for elements, rows, columns
    or runs alike, written as one node in the place of the group's first term (the others
    dropped); None when no group is that large. Values at one position are added first, in
    the order given. Each writing one slot along an axis, with at least half the slots
    written, the group is the slots concatenated, zeros where none is written (their stack
    when every slot is written); else one index_add of the values stacked, at the array of
    their positions.

    >>> from symdiff.ops.selection import gather_scatters
    >>> x = sd.var("x", (4,)); g = [sd.index_add(x[i], (4,), i) for i in (3, 0, 1)]
    >>> gather_scatters(g, g[0].type, 2)
    [concatenate([reshape(x[0], (1,)), reshape(x[1], (1,)), broadcast_to(0.0, (1,)), reshape(x[3], (1,))], axis=0)]
    """
    groups: dict[tuple[Any, ...], list[tuple[int, np.ndarray]]] = {}
    for k, t in enumerate(terms):
        place = _scatter_place(t, typ)
        if place is not None:
            axis, frame, positions = place
            groups.setdefault((axis, frame, positions.shape), []).append((k, positions))
    out: list[Node | None] = list(terms)
    found = False
    for (axis, frame, part), members in groups.items():
        if len(members) < least:
            continue
        found = True
        row = frame[:axis] + part + frame[axis + 1:]
        at: dict[bytes, tuple[np.ndarray, Node]] = {}  # position -> (positions, values summed)
        for k, positions in members:
            v = terms[k].inputs[0]
            v = v if v.shape == row else broadcast_to(v, row)
            key = positions.tobytes()
            at[key] = (positions, add(at[key][1], v)) if key in at else (positions, v)
        # in the order of their positions (a reverse pass meets the last element first)
        places = sorted(at.values(), key=lambda pv: int(pv[0].flat[0]))
        size = frame[axis]
        if len(places) == 1:  # one scatter of the values added
            gathered = Node(terms[members[0][0]].op, (places[0][1],))
        elif not part and 2 * len(places) >= size:
            written = {int(p): v for p, v in places}
            zero = broadcast_to(const(np.zeros((), typ.dtype)), frame[:axis] + (1,) + frame[axis + 1:])
            gathered = concatenate([expand_dims(written[p], axis) if p in written else zero
                                    for p in range(size)], axis=axis)  # type: ignore[arg-type]
        else:
            stacked = concatenate([expand_dims(v, axis) for _, v in places], axis=axis)
            positions = np.stack([p for p, _ in places])
            gathered = index_add(stacked, frame, (*[slice(None)] * axis, positions))
        out[members[0][0]] = gathered if gathered.shape == typ.shape else reshape(gathered, typ.shape)
        for k, _ in members[1:]:
            out[k] = None
    return [t for t in out if t is not None] if found else None
