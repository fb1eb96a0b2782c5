"""Rearranging elements without computing new ones: squeeze, moveaxis, flip, roll, tile, repeat,
pad, atleast_1d/2d/3d, ravel, split, hstack/vstack/column_stack, rot90, meshgrid, append, insert,
delete; and diff, their one difference.

Each follows NumPy's signature and semantics. Ops that NumPy spells as one call (``np.flip``,
``np.roll``, ``np.tile``, ``np.repeat``, ``np.pad``) are op classes, so generated code reads the
same way; the others are compositions of reshape, transpose and slicing. Every derivative is
again a rearrangement (flip of a flip, roll by the opposite shift, a sum over a reshape for
tile and repeat, a slice for pad), so derivatives of any order stay cheap.

Named (symbolic) dimensions are kept wherever the operation leaves their size alone; where a
result's size would be an expression of the name (tiling, repeating or padding along it,
splitting it), a ShapeError names the op and the dimension.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from ..ir import Dim, Node, Op, Shape, Type, format_shape
from .base import (
    _item_source, _scalar_text, as_node, broadcast_shapes, dim_size, helper, index_int, lone_axis_of_0d,
    normalize_axes, normalize_axis,
)
from .elementwise import astype, minimum, not_equal, where
from .reduce import sum as reduce_sum
from .shape import (
    arange, array_list, broadcast_to, concatenate, full, index, index_add, reshape, resolve_reshape, take,
    take_indices, transpose,
)


def _is_int(v: Any) -> bool:
    return index_int(v) is not None  # a 0-d integer array too, as NumPy reads it


def axis_sequence(op_name: str, axis: Any, ndim: int, what: str = "axis") -> tuple[int, ...]:
    """An int or a sequence of ints as normalized axes, in the order given; repeats are errors."""
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(normalize_axis(op_name, a, ndim) for a in items)
    if len(set(axes)) != len(axes):
        raise ShapeError(f"{op_name}: repeated axis in `{what}` {axis!r}")
    return axes


def int_tuple(op_name: str, value: Any, what: str) -> tuple[int, ...]:
    """An int or a sequence of ints (static values known when the graph is built)."""
    sequence = isinstance(value, (tuple, list)) or (isinstance(value, np.ndarray) and value.ndim)
    items = tuple(value) if sequence else (value,)
    if not all(_is_int(v) for v in items):
        raise TypeError(
            f"{op_name}: `{what}` must be an int or a sequence of ints known when the graph is built, "
            f"got {value!r}"
        )
    return tuple(int(v) for v in items)


def _static(op_name: str, x: Node, axis: int, doing: str) -> int:
    d = x.shape[axis]
    if isinstance(d, str):
        raise ShapeError(
            f"{op_name}: cannot {doing} the named dimension {d!r} (axis {axis} of "
            f"{format_shape(x.shape)}); the result's size would depend on it. Give it a static size"
        )
    return d


# -- squeeze, moveaxis, ravel, atleast_nd ------------------------------------------------------


def squeeze(a: Any, axis: Any = None) -> Node:
    """``a`` without its size-1 axes (only those in ``axis`` when given).

    Named dimensions are never squeezed by ``axis=None``: they stand for sizes that vary.

    >>> sd.squeeze(sd.var("x", shape=(1, 3, 1))).shape
    (3,)
    """
    x = as_node(a)
    if axis is None:
        return reshape(x, tuple(d for d in x.shape if d != 1))
    if lone_axis_of_0d(axis, x.ndim):  # NumPy squeezes the one element a 0-d array has
        return x
    axes = normalize_axes("squeeze", axis, x.ndim)
    for ax in axes:
        d = x.shape[ax]
        if isinstance(d, str):
            raise ShapeError(
                f"squeeze: axis {ax} has the named dimension {d!r}, which is not known to be 1; "
                "index it with [0] instead"
            )
        if d != 1:
            raise ShapeError(
                f"squeeze: cannot select an axis to squeeze out which has size not equal to one "
                f"(axis {ax} of {format_shape(x.shape)} has size {d})"
            )
    return reshape(x, tuple(d for k, d in enumerate(x.shape) if k not in axes))


def moveaxis(a: Any, source: Any, destination: Any) -> Node:
    """``a`` with the axes ``source`` moved to positions ``destination``, the others in order.

    >>> sd.moveaxis(sd.var("x", shape=(2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    x = as_node(a)
    src = axis_sequence("moveaxis", source, x.ndim, "source")
    dst = axis_sequence("moveaxis", destination, x.ndim, "destination")
    if len(src) != len(dst):
        raise ShapeError(
            f"moveaxis: `source` {source!r} and `destination` {destination!r} must have the same "
            "number of elements"
        )
    order = [k for k in range(x.ndim) if k not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def rollaxis(a: Any, axis: Any, start: Any = 0) -> Node:
    """``a`` with ``axis`` moved to just before position ``start``, as ``np.rollaxis`` (NumPy
    keeps it for old code; ``moveaxis`` says the same more plainly).

    >>> sd.rollaxis(sd.var("x", shape=(2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    x = as_node(a)
    n = x.ndim
    ax = normalize_axis("rollaxis", axis, n)
    to = index_int(start)
    if to is None:
        raise TypeError(f"rollaxis: start must be an int, got {start!r}")
    if to < 0:
        to += n
    if not 0 <= to < n + 1:
        raise ShapeError(f"rollaxis: 'start' arg requires {-n} <= start < {n + 1}, but {start} was "
                         "passed in")
    if ax < to:
        to -= 1
    if ax == to:
        return x
    order = [k for k in range(n) if k != ax]
    order.insert(to, ax)
    return transpose(x, order)


def unstack(x: Any, /, *, axis: Any = 0) -> tuple[Node, ...]:
    """The slices of ``x`` along ``axis``, as a tuple, as NumPy 2's ``np.unstack``.

    >>> [p.shape for p in sd.unstack(sd.var("x", shape=(2, 3)), axis=1)]
    [(2,), (2,), (2,)]
    """
    v = as_node(x)
    if v.ndim == 0:
        raise ShapeError("unstack: input must be at least 1-d, got a 0-d array")
    ax = normalize_axis("unstack", axis, v.ndim)
    n = _static("unstack", v, ax, "unstack along")
    lead = (slice(None),) * ax
    return tuple(index(v, (*lead, k)) for k in range(n))


def broadcast_arrays(*args: Any, subok: Any = False) -> tuple[Node, ...]:
    """The arrays broadcast against each other, as ``np.broadcast_arrays`` (a tuple).

    >>> [b.shape for b in sd.broadcast_arrays(sd.var("x", shape=(3, 1)), sd.var("y", shape=(4,)))]
    [(3, 4), (3, 4)]
    """
    nodes = [_array(a) for a in args]
    shape = broadcast_shapes("broadcast_arrays", *(n.shape for n in nodes))
    return tuple(broadcast_to(n, shape) for n in nodes)


def ravel(a: Any, order: str = "C") -> Node:
    """``a`` as a 1-d array, read in row-major (``order='C'``) or column-major (``'F'``) order.

    ``x.ravel()`` and ``x.flatten()`` are the same as methods.

    >>> sd.ravel(sd.var("x", shape=(2, 3))).shape
    (6,)
    """
    x = as_node(a)
    if order == "F":
        x = transpose(x)
    elif order != "C":
        raise NotImplementedError(
            f"ravel: order={order!r} is not supported; use order='C' (row-major) or 'F' (column-major)"
        )
    return reshape(x, resolve_reshape("ravel", x.shape, (-1,)))


def _atleast(op_name: str, arys: tuple[Any, ...], place: Callable[[Shape], Shape]) -> Any:
    if not arys:
        raise TypeError(f"{op_name}() needs at least one array")
    out = []
    for a in arys:
        x = as_node(a)
        out.append(reshape(x, place(x.shape)))
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys: Any) -> Any:
    """Each array with at least one axis (a scalar becomes shape (1,)); a tuple for several.

    >>> sd.atleast_1d(sd.var("s")).shape
    (1,)
    """
    return _atleast("atleast_1d", arys, lambda s: s if s else (1,))


def atleast_2d(*arys: Any) -> Any:
    """Each array with at least two axes (new axes in front, as NumPy); a tuple for several.

    >>> sd.atleast_2d(sd.var("v", shape=(3,))).shape
    (1, 3)
    """
    return _atleast("atleast_2d", arys, lambda s: s if len(s) >= 2 else (1,) * (2 - len(s)) + s)


def atleast_3d(*arys: Any) -> Any:
    """Each array with at least three axes: (n,) -> (1, n, 1), (m, n) -> (m, n, 1), as NumPy.

    >>> sd.atleast_3d(sd.var("A", shape=(2, 3))).shape
    (2, 3, 1)
    """
    def place(s: Shape) -> Shape:
        if len(s) >= 3:
            return s
        return {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}[len(s)]

    return _atleast("atleast_3d", arys, place)


# -- flip and roll -------------------------------------------------------------------------------


def _axis_src(axes: tuple[int, ...]) -> str:
    return repr(axes[0]) if len(axes) == 1 else repr(axes)


class Flip(Op):
    """Reverse the order of elements along ``axes`` (its own transpose)."""

    __slots__ = ("axes",)
    name = "flip"
    view = True

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def params(self) -> tuple[Any, ...]:
        return (self.axes,)

    def infer(self, x: Type) -> Type:
        return x

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        # a slice is the view np.flip returns, without its Python-level call (a microsecond)
        steps = ", ".join("::-1" if a in self.axes else ":" for a in range(max(self.axes) + 1))
        return f"{args[0]}[{steps}]"

    def text(self, args: Sequence[str]) -> str:
        return f"flip({args[0]}, axis={_axis_src(self.axes)})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (Node(self, (g,)),)


def flip(m: Any, axis: Any = None) -> Node:
    """``m`` with the order of elements reversed along ``axis`` (every axis when None).

    >>> sd.flip(sd.var("x", shape=(2, 3)), axis=-1)
    flip(x, axis=1)
    """
    x = as_node(m)
    axes = normalize_axes("flip", axis, x.ndim, lists=True)
    return Node(Flip(axes), (x,)) if axes else x


def fliplr(m: Any) -> Node:
    """``m`` with its columns (axis 1) in reverse order; needs at least two axes.

    >>> sd.fliplr(sd.var("A", shape=(2, 3)))
    flip(A, axis=1)
    """
    x = as_node(m)
    if x.ndim < 2:
        raise ShapeError(f"fliplr: input must be >= 2-d, got shape {format_shape(x.shape)}")
    return flip(x, 1)


def flipud(m: Any) -> Node:
    """``m`` with its rows (axis 0) in reverse order; needs at least one axis.

    >>> sd.flipud(sd.var("A", shape=(2, 3)))
    flip(A, axis=0)
    """
    x = as_node(m)
    if x.ndim < 1:
        raise ShapeError("flipud: input must be >= 1-d, got a 0-d array")
    return flip(x, 0)


class Roll(Op):
    """Shift elements along axes, wrapping around; ``axes`` None rolls the flattened array."""

    __slots__ = ("shifts", "axes")
    name = "roll"

    def __init__(self, shifts: tuple[int, ...], axes: tuple[int, ...] | None) -> None:
        self.shifts = shifts
        self.axes = axes

    def params(self) -> tuple[Any, ...]:
        return (self.shifts, self.axes)

    def infer(self, x: Type) -> Type:
        return x

    def _args(self) -> str:
        shift = _axis_src(self.shifts)
        return shift if self.axes is None else f"{shift}, axis={_axis_src(self.axes)}"

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.roll({args[0]}, {self._args()})"

    def text(self, args: Sequence[str]) -> str:
        return f"roll({args[0]}, {self._args()})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # through roll(): the shift normalized as one the user writes, so the two are one node
        return (roll(g, tuple(-s for s in self.shifts), self.axes),)


def roll(a: Any, shift: Any, axis: Any = None) -> Node:
    """``a`` with elements shifted by ``shift`` along ``axis``, wrapping around; with
    ``axis=None`` the flattened array is rolled and the shape restored.

    >>> sd.roll(sd.var("x", shape=(5,)), 2)
    roll(x, 2)
    """
    x = as_node(a)
    shifts = int_tuple("roll", shift, "shift")
    if axis is None:
        total = sum(shifts)  # NumPy rolls the flat array by each shift in turn
        size = x.type.static_size
        if size is not None:
            total = total % size if size else 0
        return Node(Roll((total,), None), (x,)) if total else x
    axes_given = int_tuple("roll", axis, "axis")
    if len(shifts) != len(axes_given) and len(shifts) != 1 and len(axes_given) != 1:
        raise ShapeError(
            f"roll: `shift` {shift!r} and `axis` {axis!r} must have the same length (or one be an int)"
        )
    n = max(len(shifts), len(axes_given))
    by_axis: dict[int, int] = {}
    for s, ax in zip(shifts * (n // len(shifts)), axes_given * (n // len(axes_given))):
        k = normalize_axis("roll", ax, x.ndim)
        by_axis[k] = by_axis.get(k, 0) + s  # a repeated axis rolls by the sum, as in NumPy
    for k in list(by_axis):
        d = x.shape[k]
        if isinstance(d, int):
            by_axis[k] = by_axis[k] % d if d else 0
        if by_axis[k] == 0:
            del by_axis[k]
    if not by_axis:
        return x
    axes = tuple(sorted(by_axis))
    return Node(Roll(tuple(by_axis[k] for k in axes), axes), (x,))


# -- tile and repeat ------------------------------------------------------------------------------


class Tile(Op):
    """``np.tile`` with one repetition count per axis (the caller aligns ranks as NumPy does)."""

    __slots__ = ("reps",)
    name = "tile"

    def __init__(self, reps: tuple[int, ...]) -> None:
        self.reps = reps

    def params(self) -> tuple[Any, ...]:
        return (self.reps,)

    def infer(self, x: Type) -> Type:
        shape = tuple(d if r == 1 else d * r for d, r in zip(x.shape, self.reps))  # type: ignore[operator]
        return Type(x.dtype, shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.tile({args[0]}, {self.reps!r})"

    def text(self, args: Sequence[str]) -> str:
        return f"tile({args[0]}, {self.reps!r})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # g's axis k holds reps[k] copies of x's axis k one after another: split it in two
        # and add the copies up
        split = tuple(p for r, d in zip(self.reps, x.shape) for p in (r, d))
        copies = tuple(range(0, 2 * x.ndim, 2))
        return (reduce_sum(reshape(g, split), axis=copies),)


def tile(A: Any, reps: Any) -> Node:  # noqa: N803 - NumPy's parameter name
    """``A`` repeated ``reps`` times along each axis (``reps`` aligned to the last axes; extra
    entries add leading axes), as ``np.tile``.

    >>> sd.tile(sd.var("x", shape=(3,)), (2, 2)).shape
    (2, 6)
    """
    x = as_node(A)
    counts = int_tuple("tile", reps, "reps")
    if any(r < 0 for r in counts):
        raise ShapeError(f"tile: `reps` {reps!r} has a negative entry")
    ndim = max(len(counts), x.ndim)
    counts = (1,) * (ndim - len(counts)) + counts
    x = reshape(x, (1,) * (ndim - x.ndim) + x.shape)
    for k, r in enumerate(counts):
        if r != 1:
            _static("tile", x, k, f"repeat {r} times")
    if all(r == 1 for r in counts):
        return x
    return Node(Tile(counts), (x,))


class Repeat(Op):
    """Each element repeated ``repeats`` times in place along ``axis`` (``np.repeat``)."""

    __slots__ = ("repeats", "axis")
    name = "repeat"

    def __init__(self, repeats: int, axis: int) -> None:
        self.repeats = repeats
        self.axis = axis

    def params(self) -> tuple[Any, ...]:
        return (self.repeats, self.axis)

    def infer(self, x: Type) -> Type:
        shape = list(x.shape)
        shape[self.axis] = shape[self.axis] * self.repeats  # type: ignore[operator]
        return Type(x.dtype, tuple(shape))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.repeat({args[0]}, {self.repeats}, axis={self.axis})"

    def text(self, args: Sequence[str]) -> str:
        return f"repeat({args[0]}, {self.repeats}, axis={self.axis})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        a = self.axis
        split = (*x.shape[: a + 1], self.repeats, *x.shape[a + 1 :])
        return (reduce_sum(reshape(g, split), axis=a + 1),)


def repeat(a: Any, repeats: Any, axis: Any = None) -> Node:
    """Each element of ``a`` repeated ``repeats`` times along ``axis`` (the flattened array when
    None); ``repeats`` is an int or one count per element along the axis.

    >>> sd.repeat(sd.var("x", shape=(3,)), 2).shape
    (6,)
    """
    x = as_node(a)
    if isinstance(repeats, Node):
        raise TypeError(
            "repeat: `repeats` must be ints known when the graph is built (the output shape depends on them)"
        )
    counts = int_tuple("repeat", repeats, "repeats")
    if any(r < 0 for r in counts):
        raise ShapeError(f"repeat: `repeats` may not contain negative values, got {repeats!r}")
    if axis is None or lone_axis_of_0d(axis, x.ndim):  # a 0-d array read as shape (1,)
        x, ax = ravel(x), 0
    else:
        ax = normalize_axis("repeat", axis, x.ndim)
    if len(counts) == 1:
        r = counts[0]
        if r == 1:
            return x
        _static("repeat", x, ax, f"repeat {r} times")
        return Node(Repeat(r, ax), (x,))
    d = _static("repeat", x, ax, "repeat by counts along")
    if len(counts) != d:
        raise ShapeError(
            f"repeat: {len(counts)} repeat counts for axis {ax} of size {d} (of shape "
            f"{format_shape(x.shape)}); give one count per element or a single int"
        )
    # uneven counts: a gather of each position as often as it is repeated
    positions = np.repeat(np.arange(d, dtype=np.int64), counts)
    return take_indices(x, positions, ax)


# -- pad ----------------------------------------------------------------------------------------------


class Pad(Op):
    """``np.pad``: ``widths`` is one (before, after) pair per axis. In ``'constant'`` mode the
    new elements are ``values``; in ``'edge'``, ``'reflect'``, ``'symmetric'`` and ``'wrap'``
    they are copies of elements of the array, so the derivative adds each copy's cotangent back
    to the element it copies (a scatter along each padded axis)."""

    __slots__ = ("widths", "values", "mode")
    name = "pad"

    def __init__(self, widths: tuple[tuple[int, int], ...], values: Any, mode: str = "constant") -> None:
        self.widths = widths
        self.values = values  # a scalar, or one (before, after) pair of scalars per axis
        self.mode = mode

    def params(self) -> tuple[Any, ...]:
        # the values by their source: -0.0 and 0.0 (equal as floats) pad with different zeros,
        # while 0, 0.0 and False are all NumPy's default
        return (self.widths, "0" if self._is_default() else self._values_text(_item_source), self.mode)

    def _is_default(self) -> bool:
        return _item_source(self.values) in ("0", "0.0", "False", "complex(0.0, 0.0)")

    def infer(self, x: Type) -> Type:
        shape = tuple(
            d if b + e == 0 else d + b + e for d, (b, e) in zip(x.shape, self.widths)  # type: ignore[operator]
        )
        return Type(x.dtype, shape)

    def _values_text(self, spell: Callable[[Any], str]) -> str:
        values = self.values
        if isinstance(values, tuple):
            return "(" + ", ".join(f"({spell(b)}, {spell(e)})" for b, e in values) + ",)"
        return spell(values)

    def _args(self, spell: Callable[[Any], str]) -> str:
        if self.mode != "constant":
            return f"{self.widths!r}, mode={self.mode!r}"
        # NumPy's default of 0 goes unwritten; -0.0 (np.pad writes its sign) does not
        if self._is_default():
            return repr(self.widths)
        return f"{self.widths!r}, constant_values={self._values_text(spell)}"

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        if self.mode == "constant" and self._is_default() and self.widths:
            # zeros and one copy: np.pad's own bookkeeping costs ~10 us a call
            extra = tuple(b + e for b, e in self.widths)
            at = ", ".join("slice(None)" if b == e == 0 else f"slice({b}, {-e if e else None})"
                           for b, e in self.widths)
            return f"pad_zeros({args[0]}, {extra!r}, ({at}{',' if len(extra) == 1 else ''}))"
        return f"np.pad({args[0]}, {self._args(_item_source)})"

    def text(self, args: Sequence[str]) -> str:
        # as sd.parse reads numbers back: inf, -inf and nan are its constants
        return f"pad({args[0]}, {self._args(_scalar_text)})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        if self.mode == "constant":
            return (index(g, tuple(slice(b or None, -e or None) for b, e in self.widths)),)
        # the padding of each axis is a gather of positions along it (the axes apart): its
        # adjoint adds the cotangent of every copy to the element copied, axis by axis
        shape = list(g.shape)
        for k, (b, e) in enumerate(self.widths):
            if b + e:
                shape[k] = x.shape[k]
                positions = pad_positions(self.mode, x.shape[k], b, e)  # type: ignore[arg-type]
                g = index_add(g, tuple(shape), (*(slice(None),) * k, positions))
        return (g,)


def pad_positions(mode: str, size: int, before: int, after: int) -> np.ndarray:
    """Which element of an axis of ``size`` each position of its padding by (``before``,
    ``after``) copies, in a mode other than ``'constant'``: NumPy's padding of the positions."""
    return np.pad(np.arange(size, dtype=np.int64), (before, after), mode=mode)  # type: ignore[call-overload]


@helper
def pad_zeros(x, extra, at):  # type: ignore[no-untyped-def]
    # x padded with zeros, as NumPy pads by default: each axis grows by `extra`, x goes at `at`
    out = np.zeros(np.add(np.shape(x), extra), dtype=np.result_type(x))
    out[at] = x
    return out


def _pairs(op_name: str, value: Any, ndim: int, what: str) -> np.ndarray:
    if isinstance(value, dict) and what == "pad_width":  # {axis: width or (before, after)}
        rows = [(0, 0)] * ndim  # the axes not named are not padded
        for axis, width in value.items():
            rows[normalize_axis(op_name, axis, ndim)] = tuple(_pairs(op_name, width, 1, what)[0])
        return np.array(rows, dtype=object).reshape(ndim, 2)
    if isinstance(value, Node):
        raise TypeError(f"{op_name}: `{what}` must be ints known when the graph is built, got the "
                        f"expression {value}")
    arr = np.asarray(value)
    try:
        return np.broadcast_to(arr, (ndim, 2))
    except ValueError:
        raise ShapeError(
            f"{op_name}: `{what}` {value!r} does not fit an array of {ndim} dimensions; give an int, "
            "a (before, after) pair, one pair per axis, or a dict of them by axis"
        ) from None


_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")
_NUMPY_PAD_MODES = ("empty", "linear_ramp", "maximum", "mean", "median", "minimum")


class _Unset:
    """The default of a keyword of ``pad`` that only some modes take: given to another mode, it
    is an error, as in NumPy."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()


def pad(array: Any, pad_width: Any, mode: str = "constant", *, constant_values: Any = _UNSET,
        reflect_type: Any = _UNSET) -> Node:
    """``array`` padded by ``pad_width`` (an int, a (before, after) pair, one pair per axis, or
    a dict of them by axis), as ``np.pad``: with ``constant_values`` (0 by default) in
    ``mode='constant'``, or with copies of its elements in ``'edge'``, ``'reflect'``,
    ``'symmetric'`` and ``'wrap'`` (``reflect_type='even'``).

    >>> sd.pad(sd.var("x", shape=(3,)), (1, 2)).shape
    (6,)
    >>> sd.pad(sd.var("x", shape=(3,)), 2, mode="reflect").shape
    (7,)
    """
    x = as_node(array)
    if not isinstance(mode, str):
        raise NotImplementedError(f"pad: mode={mode!r} is not supported; give one of the names "
                                  f"{', '.join(map(repr, _PAD_MODES))}")
    if mode not in _PAD_MODES:
        if mode in _NUMPY_PAD_MODES:
            raise NotImplementedError(
                f"pad: mode={mode!r} is not supported; the modes are "
                f"{', '.join(map(repr, _PAD_MODES))} (compose others from slicing and concatenate)"
            )
        raise ValueError(f"pad: mode {mode!r} is not supported (NumPy's modes are "
                         f"{', '.join(map(repr, _PAD_MODES + _NUMPY_PAD_MODES))})")
    takes = {"constant": {"constant_values"}, "reflect": {"reflect_type"},
             "symmetric": {"reflect_type"}}.get(mode, set())
    given = {k for k, val in (("constant_values", constant_values), ("reflect_type", reflect_type))
             if val is not _UNSET}
    if given - takes:
        raise ValueError(f"pad: unsupported keyword arguments for mode {mode!r}: "
                         f"{', '.join(sorted(given - takes))}")
    if reflect_type is not _UNSET and reflect_type != "even":
        if reflect_type == "odd":
            raise NotImplementedError(f"pad: reflect_type='odd' is not supported (mode {mode!r}); "
                                      "only reflect_type='even' is")
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {reflect_type!r}")
    if constant_values is _UNSET:
        constant_values = 0
    if isinstance(constant_values, Node):
        raise NotImplementedError("pad: `constant_values` must be numbers; an expression is not supported")
    widths = _pairs("pad", pad_width, x.ndim, "pad_width")
    if not all(_is_int(w) for w in widths.ravel()):
        raise TypeError(f"pad: `pad_width` must be of integral type, got {pad_width!r}")
    if any(w < 0 for w in widths.ravel()):
        raise ShapeError(f"pad: `pad_width` {pad_width!r} has a negative entry")
    pairs = tuple((int(b), int(e)) for b, e in widths)
    for k, (b, e) in enumerate(pairs):
        if b + e:
            d = _static("pad", x, k, "pad")
            if d == 0 and mode != "constant":
                raise ValueError(f"pad: can't extend the empty axis {k} of {format_shape(x.shape)} "
                                 f"in mode {mode!r}; only mode='constant' pads an empty axis")
    if mode != "constant":
        if not any(b + e for b, e in pairs):
            return x
        return Node(Pad(pairs, 0, mode), (x,))
    values_arr = np.asarray(constant_values)
    if values_arr.dtype.kind not in "biufc":
        raise TypeError(f"pad: `constant_values` must be numbers, got {constant_values!r}")
    values: Any
    if values_arr.ndim == 0:
        values = values_arr.item()
    else:
        values = tuple((b, e) for b, e in _pairs("pad", values_arr, x.ndim, "constant_values").tolist())
        if len({_item_source(v) for p in values for v in p}) == 1:  # -0.0 is not 0.0 here
            values = values[0][0]
    if x.dtype.kind in "iu" and values_arr.dtype.kind in "iu":
        # NumPy writes the value into the padded array: 300 raises in int8 (at run time) and
        # wraps around in uint8; refused here, where the graph is built, as for clip's bounds
        info = np.iinfo(x.dtype)
        for v in values_arr.ravel().tolist():
            if not info.min <= v <= info.max:
                raise DTypeError(
                    f"pad: the constant value {v} does not fit {x.dtype}, the dtype of the array it "
                    "pads; convert the array first, such as x.astype('int64')"
                )
    if not any(b + e for b, e in pairs):
        return x
    return Node(Pad(pairs, values), (x,))


# -- split ----------------------------------------------------------------------------------------------


def _split(op_name: str, ary: Any, indices_or_sections: Any, axis: Any, equal: bool) -> list[Node]:
    x = as_node(ary)
    if x.ndim == 0:
        raise ShapeError(f"{op_name}: a 0-d array cannot be split")
    ax = normalize_axis(op_name, axis, x.ndim)
    d = _static(op_name, x, ax, "split")
    if _is_int(indices_or_sections):
        n = int(indices_or_sections)
        if n <= 0:
            raise ValueError(f"{op_name}: the number of sections must be larger than 0, got {n}")
        if equal and d % n:
            raise ShapeError(
                f"{op_name}: array split does not result in an equal division (axis {ax} of size {d} "
                f"into {n} sections); use array_split for unequal parts"
            )
        each, extra = divmod(d, n)
        sizes = [each + 1] * extra + [each] * (n - extra)
        bounds = [0]
        for s in sizes:
            bounds.append(bounds[-1] + s)
        pieces = list(zip(bounds[:-1], bounds[1:]))
    else:
        cuts = int_tuple(op_name, indices_or_sections, "indices_or_sections")
        starts = (0, *cuts)
        pieces = [(s, e) for s, e in zip(starts, (*cuts, None))]  # type: ignore[misc]
    lead = (slice(None),) * ax
    return [index(x, (*lead, slice(s, e))) for s, e in pieces]


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Node]:
    """A list of sub-arrays: ``indices_or_sections`` equal parts, or cuts at the given indices.

    >>> a, b = sd.split(sd.var("x", shape=(4, 3)), 2)
    >>> a, b, a.shape
    (x[0:2], x[2:4], (2, 3))
    """
    return _split("split", ary, indices_or_sections, axis, equal=True)


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Node]:
    """As ``split``, but a number of sections need not divide the axis (the first parts are
    one longer), as ``np.array_split``.

    >>> [p.shape for p in sd.array_split(sd.var("x", shape=(5,)), 2)]
    [(3,), (2,)]
    """
    return _split("array_split", ary, indices_or_sections, axis, equal=False)


def _split_along(op_name: str, ary: Any, indices_or_sections: Any, ndim: int, axis: int) -> list[Node]:
    x = as_node(ary)
    if x.ndim < ndim:
        raise ShapeError(f"{op_name}: only works on arrays of {ndim} or more dimensions, got shape "
                         f"{format_shape(x.shape)}")
    return _split(op_name, x, indices_or_sections, axis, equal=True)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Node]:
    """``split`` along the second axis (the first of a 1-d array), as ``np.hsplit``.

    >>> [p.shape for p in sd.hsplit(sd.var("x", shape=(2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
    x = as_node(ary)
    return _split_along("hsplit", x, indices_or_sections, 1, 1 if x.ndim > 1 else 0)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Node]:
    """``split`` along the first axis of an array of 2 or more dimensions, as ``np.vsplit``."""
    return _split_along("vsplit", ary, indices_or_sections, 2, 0)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Node]:
    """``split`` along the third axis of an array of 3 or more dimensions, as ``np.dsplit``."""
    return _split_along("dsplit", ary, indices_or_sections, 3, 2)


# -- stacking and differences ---------------------------------------------------------------------


def hstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Node:
    """Arrays joined along their second axis (the first for 1-d ones), as ``np.hstack``."""
    nodes = [atleast_1d(x) for x in array_list("hstack", tup, dtype, casting)]
    return concatenate(nodes, axis=0 if nodes[0].ndim == 1 else 1)


def vstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Node:
    """Arrays joined along their first axis, 1-d ones as rows, as ``np.vstack``."""
    return concatenate([atleast_2d(x) for x in array_list("vstack", tup, dtype, casting)], axis=0)


def dstack(tup: Sequence[Any]) -> Node:
    """Arrays joined along their third axis (after ``atleast_3d``), as ``np.dstack``."""
    return concatenate([atleast_3d(x) for x in array_list("dstack", tup)], axis=2)


def column_stack(tup: Sequence[Any]) -> Node:
    """1-d arrays as the columns of a 2-d one (2-d arrays joined as they are), as
    ``np.column_stack``."""
    nodes = [reshape(x, (-1, 1)) if x.ndim < 2 else x for x in array_list("column_stack", tup)]
    return concatenate(nodes, axis=1)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Node:
    """The ``n``-th difference along ``axis``, ``a[1:] - a[:-1]`` applied ``n`` times, as
    ``np.diff`` (``prepend``/``append`` values join ``a`` first; a scalar is spread over the
    other axes; of booleans, ``a[1:] != a[:-1]``)."""
    x = as_node(a)
    if not _is_int(n) or n < 0:
        raise ValueError(f"diff: order must be a non-negative integer, got {n!r}")
    if x.ndim == 0:
        raise ShapeError("diff: a 0-d array has no axis to take differences along")
    ax = normalize_axis("diff", axis, x.ndim)
    if isinstance(x.shape[ax], str) and n:
        raise NotImplementedError(
            f"diff: axis {ax} of {format_shape(x.shape)} is the named dimension {x.shape[ax]!r}, and "
            f"the differences along it have {x.shape[ax]} - {int(n)} elements (and those prepend "
            "and append add), which a shape cannot name: it holds only ints and dimension names; "
            f"give {x.shape[ax]!r} a static size, or take the differences along a static axis"
        )
    parts = []
    for value in (prepend, x, append):
        if value is None:
            continue
        v = as_node(value)
        if v.ndim == 0:
            v = broadcast_to(v, (*x.shape[:ax], 1, *x.shape[ax + 1:]))
        parts.append(v)
    if len(parts) > 1:
        x = concatenate(parts, axis=ax)
    lead = (slice(None),) * ax
    for _ in range(int(n)):
        upper, lower = index(x, (*lead, slice(1, None))), index(x, (*lead, slice(None, -1)))
        # booleans have no subtraction: NumPy's diff of them is not_equal, and stays boolean
        x = not_equal(upper, lower) if x.dtype.kind == "b" else upper - lower
    return x


def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Node:
    """The integral of ``y`` along ``axis`` by the trapezoidal rule, at sample points ``x`` (1-d
    along the axis, or of ``y``'s shape) or spaced ``dx`` apart, as ``np.trapezoid``; also
    along a named dimension."""
    yv = as_node(y)
    if yv.ndim == 0:
        raise ShapeError("trapezoid: a 0-d array has no axis to integrate along")
    ax = normalize_axis("trapezoid", axis, yv.ndim)
    xv = None if x is None else as_node(x)
    size = yv.shape[ax]
    if isinstance(size, str):
        # y[1:] and y[:-1] would have n - 1 elements, which no shape names: each position
        # takes its next value instead (the last its own), and the last term is left out
        i = arange(size)
        following = minimum(i + 1, dim_size(size) - 1)
        along = tuple(size if k == ax else 1 for k in range(yv.ndim))
        d: Any = dx
        if xv is not None:
            if xv.ndim == 1 and xv.shape != (size,):
                raise ShapeError(f"trapezoid: x of shape {format_shape(xv.shape)} does not run along "
                                 f"axis {ax} of y, of shape {format_shape(yv.shape)}")
            step = take(xv, following, axis=0 if xv.ndim == 1 else ax) - xv
            d = reshape(step, along) if xv.ndim == 1 else step
        has_next = reshape(i + 1 < dim_size(size), along)
        upper = take(yv, following, axis=ax)
        return reduce_sum(where(has_next, d * (upper + yv) / 2.0, 0.0), axis=ax)
    if xv is not None and xv.ndim == 1 and xv.shape != (size,):
        raise ShapeError(f"trapezoid: x of shape {format_shape(xv.shape)} does not run along "
                         f"axis {ax} of y, of shape {format_shape(yv.shape)}")
    if xv is not None and xv.ndim > 1:
        broadcast_shapes("trapezoid", yv.shape, xv.shape)
    if xv is None:
        d = dx
    elif xv.ndim == 1:
        d = diff(xv)
        d = reshape(d, tuple(d.shape[0] if k == ax else 1 for k in range(yv.ndim)))
    else:
        d = diff(xv, axis=ax)
    lead = (slice(None),) * ax
    upper, lower = index(yv, (*lead, slice(1, None))), index(yv, (*lead, slice(None, -1)))
    return reduce_sum(d * (upper + lower) / 2.0, axis=ax)


# -- rot90, meshgrid, append, insert, delete ----------------------------------------------------------


def rot90(m: Any, k: Any = 1, axes: Any = (0, 1)) -> Node:
    """``m`` rotated by 90 degrees ``k`` times in the plane of ``axes``, from the first axis
    towards the second, as ``np.rot90``: flips and a transpose.

    >>> sd.rot90(sd.var("A", shape=(2, 3))).shape
    (3, 2)
    """
    x = as_node(m)
    turns = index_int(k)
    if turns is None:
        raise TypeError(f"rot90: k must be an int, got {k!r}")
    pair = tuple(axes) if isinstance(axes, (tuple, list)) else None
    if pair is None or len(pair) != 2:
        raise ValueError(f"rot90: `axes` must be a pair of axes, got {axes!r}")
    first, second = pair
    if not all(_is_int(a) for a in pair):
        raise TypeError(f"rot90: `axes` must be ints, got {axes!r}")
    if first == second or abs(first - second) == x.ndim:
        raise ValueError(f"rot90: the axes must be different, got {axes!r}")
    if not all(-x.ndim <= a < x.ndim for a in pair):
        raise ShapeError(f"rot90: axes {axes!r} are out of range for an array of {x.ndim} dimensions")
    first, second = first % x.ndim, second % x.ndim
    turns %= 4
    if turns == 0:
        return x
    if turns == 2:
        return flip(x, (first, second))
    order = list(range(x.ndim))
    order[first], order[second] = order[second], order[first]
    if turns == 1:
        return transpose(flip(x, second), order)
    return flip(transpose(x, order), second)


def meshgrid(*xi: Any, copy: Any = True, sparse: Any = False, indexing: Any = "xy") -> tuple[Node, ...]:
    """Coordinate arrays from 1-d coordinate vectors (others are flattened), as ``np.meshgrid``:
    ``indexing='xy'`` (Cartesian: the first two axes swapped) or ``'ij'`` (matrix);
    ``sparse=True`` keeps each one's unit axes instead of broadcasting them. ``copy`` changes
    nothing here (expressions are never written to).

    >>> [g.shape for g in sd.meshgrid(sd.var("x", shape=(3,)), sd.var("y", shape=(2,)))]
    [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    if not isinstance(copy, (bool, np.bool_)) or not isinstance(sparse, (bool, np.bool_)):
        raise TypeError(f"meshgrid: copy and sparse must be True or False, got {copy!r} and {sparse!r}")
    ndim = len(xi)
    grids = []
    for k, x in enumerate(xi):
        v = ravel(x if isinstance(x, Node) else as_node(np.asarray(x)))
        at = (1 - k if k < 2 else k) if indexing == "xy" and ndim > 1 else k
        grids.append(reshape(v, tuple(v.shape[0] if a == at else 1 for a in range(ndim))))
    if sparse or not grids:
        return tuple(grids)
    shape = broadcast_shapes("meshgrid", *(g.shape for g in grids))
    return tuple(broadcast_to(g, shape) for g in grids)


def _array(value: Any) -> Node:
    """An argument NumPy converts with ``asarray``: a number becomes an array of its own dtype
    (float64 for a Python float), not one typed by the other arguments."""
    return value if isinstance(value, Node) else as_node(np.asarray(value))


def append(arr: Any, values: Any, axis: Any = None) -> Node:
    """``values`` joined to the end of ``arr`` along ``axis`` (both flattened when None), as
    ``np.append``.

    >>> sd.append(sd.var("x", shape=(2, 3)), [1.0, 2.0]).shape
    (8,)
    """
    x, v = _array(arr), _array(values)
    if axis is None:
        return concatenate([ravel(x), ravel(v)], axis=0)
    return concatenate([x, v], axis=normalize_axis("append", axis, x.ndim))


def _axis_for_positions(op_name: str, arr: Any, axis: Any) -> tuple[Node, int, int]:
    x = _array(arr)
    if axis is None:
        x, ax = (ravel(x)), 0
    else:
        ax = normalize_axis(op_name, axis, x.ndim)
    return x, ax, _static(op_name, x, ax, f"{op_name} along")


def _static_positions(op_name: str, obj: Any) -> Any:
    if isinstance(obj, Node):
        raise TypeError(f"{op_name}: `obj` must be an int, a slice or ints known when the graph is "
                        "built (the result's shape depends on it), not an expression")
    return obj


def insert(arr: Any, obj: Any, values: Any, axis: Any = None) -> Node:
    """``arr`` with ``values`` inserted before the positions ``obj`` (an int, a slice or
    constant ints) along ``axis`` (the flattened array when None), as ``np.insert``: the
    values are cast to ``arr``'s dtype and broadcast as NumPy's (a single int position reads
    them with their first axis along ``axis``). A gather from ``arr`` and the values joined.

    >>> sd.insert(sd.var("x", shape=(4,)), 1, sd.var("v", shape=())).shape
    (5,)
    """
    x, ax, n = _axis_for_positions("insert", arr, axis)
    obj = _static_positions("insert", obj)
    v = astype(_array(values), x.dtype)
    if isinstance(obj, slice):
        positions = np.arange(*obj.indices(n))
    else:
        positions = np.array(obj)
        if positions.dtype == bool:
            if positions.ndim != 1:
                raise ValueError("insert: a boolean array `obj` must be one dimensional")
            positions = np.flatnonzero(positions)
        elif positions.ndim > 1:
            raise ValueError("insert: an index array `obj` must be one dimensional or a scalar")
        elif positions.size and positions.dtype.kind not in "iu":
            raise TypeError(f"insert: `obj` must be integers, got {obj!r}")
    if positions.size == 1:
        at = int(positions.item())
        if not -n <= at <= n:
            raise IndexError(f"insert: index {obj} is out of bounds for axis {ax} with size {n}")
        if v.ndim < x.ndim:
            v = reshape(v, (1,) * (x.ndim - v.ndim) + v.shape)
        if positions.ndim == 0:  # x[:, 0, :] = values reads their first axis along `axis`
            v = moveaxis(v, 0, ax)
        count = v.shape[ax]
        obj = at
    else:
        count = len(positions)
        obj = positions.astype(np.intp)
    if isinstance(count, str):
        raise ShapeError(f"insert: the values inserted along the named dimension {count!r} would "
                         "make the result's size depend on it")
    block = tuple(count if k == ax else d for k, d in enumerate(x.shape))
    while v.ndim > len(block) and v.shape[0] == 1:  # as NumPy assigns them: leading unit axes go
        v = reshape(v, v.shape[1:])
    try:
        v = broadcast_to(v, block)
    except ShapeError:
        raise ShapeError(f"insert: values of shape {format_shape(v.shape)} do not broadcast to the "
                         f"{format_shape(block)} inserted into {format_shape(x.shape)}") from None
    if count == 0:
        return x
    # where each element of the result comes from in [arr, values] joined: NumPy's own insert
    # of the values' positions into arr's
    source = np.insert(np.arange(n), obj, n + np.arange(count))
    return take_indices(concatenate([x, v], axis=ax), source, ax)


def delete(arr: Any, obj: Any, axis: Any = None) -> Node:
    """``arr`` without the positions ``obj`` (an int, a slice, constant ints or a boolean mask)
    along ``axis`` (the flattened array when None), as ``np.delete``: a gather of the rest.

    >>> sd.delete(sd.var("x", shape=(2, 4)), [0, 2], axis=1).shape
    (2, 2)
    """
    x, ax, n = _axis_for_positions("delete", arr, axis)
    obj = _static_positions("delete", obj)
    try:
        kept = np.delete(np.arange(n), obj)
    except IndexError as e:  # NumPy's message, of the axis here
        raise IndexError(f"delete: {str(e).replace('for axis 0 ', f'for axis {ax} ')}") from None
    except ValueError as e:
        raise ValueError(f"delete: {e}") from None
    if len(kept) == n:
        return x
    return take_indices(x, kept, ax)


# -- resize, block ----------------------------------------------------------------------------------


def resize(a: Any, new_shape: Any) -> Node:
    """The flattened ``a`` repeated as often as needed to fill ``new_shape``, as ``np.resize``
    (zeros when ``a`` is empty): a gather, so the derivative adds each copy's cotangent back.

    >>> sd.resize(sd.var("x", shape=(3,)), (2, 4)).shape
    (2, 4)
    """
    x = ravel(_array(a))
    shape = int_tuple("resize", new_shape, "new_shape")
    if any(d < 0 for d in shape):
        raise ValueError(f"resize: all elements of `new_shape` must be non-negative, got {new_shape!r}")
    size = _static("resize", x, 0, "resize")
    total = int(np.prod(shape, dtype=np.int64))
    if size == 0 or total == 0:
        return reshape(index(full((1,), 0, x.dtype), np.zeros(total, np.intp)), shape)
    return reshape(take_indices(x, np.arange(total) % size, 0), shape)


def _block_depths(arrays: Any) -> tuple[int, list[tuple[tuple[int, ...], Any]]]:
    """The list depth of ``np.block``'s argument and its leaves with their positions, checked as
    NumPy checks them (lists only, none empty, every leaf at the same depth)."""
    leaves: list[tuple[tuple[int, ...], Any]] = []
    pending: list[tuple[tuple[int, ...], Any]] = [((), arrays)]
    while pending:
        at, item = pending.pop()
        where_ = "arrays" + "".join(f"[{k}]" for k in at)
        if isinstance(item, tuple):
            raise TypeError(f"block: {where_} is a tuple. Only lists can be used to arrange blocks, "
                            "and np.block does not allow implicit conversion from tuple to ndarray.")
        if isinstance(item, list):
            if not item:
                raise ValueError(f"block: List at {where_} cannot be empty")
            pending.extend(((*at, k), sub) for k, sub in reversed(list(enumerate(item))))
        else:
            leaves.append((at, item))
    depth = len(leaves[0][0])
    for at, _ in leaves:
        if len(at) != depth:
            shown = "arrays" + "".join(f"[{k}]" for k in at)
            raise ValueError(f"block: List depths are mismatched. First element was at depth {depth}, "
                             f"but there is an element at depth {len(at)} ({shown})")
    return depth, leaves


def block(arrays: Any) -> Node:
    """An array assembled from nested lists of blocks, as ``np.block``: the innermost lists are
    joined along the last axis, the next along the one before, each block first given as many
    dimensions as the result (leading ones).

    >>> A = sd.var("A", shape=(2, 2))
    >>> sd.block([[A, sd.zeros((2, 1))], [sd.ones((1, 2)), 1.0]]).shape
    (3, 3)
    """
    depth, leaves = _block_depths(arrays)
    nodes = [(at, _array(leaf)) for at, leaf in leaves]
    ndim = max(depth, *(n.ndim for _, n in nodes))
    # join the innermost lists first: a level at a time, from the deepest, as one flat pass
    level = [(at, reshape(n, (1,) * (ndim - n.ndim) + n.shape)) for at, n in nodes]
    for d in range(depth, 0, -1):
        grouped: dict[tuple[int, ...], list[Node]] = {}
        for at, n in level:
            grouped.setdefault(at[:-1], []).append(n)
        level = [(at, concatenate(parts, axis=ndim - (depth - d) - 1)) for at, parts in grouped.items()]
    return level[0][1]
