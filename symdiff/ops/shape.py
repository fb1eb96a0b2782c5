"""Shape and selection ops: reshape, transpose, broadcast_to, concatenate, indexing, arange.

Slicing a named (symbolic) dimension with anything but ``:`` is not supported: the result's
size would be an expression of the name. Give such a dimension a static size instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, IndexingError, OutOfBoundsError, ShapeError
from ..ir import (
    MAX_SIZE, Dim, Node, Op, Shape, Type, as_dim, check_shape, format_shape, shape_text,
)
from .base import (
    Const, _holds_node, as_node, broadcast_shapes, check_casting, check_device, check_order, const,
    Var, dim_size, helper, index_int, lone_axis_of_0d, no_out, normalize_axis, numeric_dtype,
)
from .elementwise import astype


def _dims_src(shape: Shape, dim: Callable[[Dim], str]) -> str:
    parts = [dim(d) for d in shape]
    if not parts:
        return "()"
    return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"


# -- reshape, transpose, broadcast ------------------------------------------------------------------


class Reshape(Op):
    __slots__ = ("shape",)
    name = "reshape"
    view = True

    def __init__(self, shape: Shape) -> None:
        self.shape = shape

    def params(self) -> tuple[Any, ...]:
        return (self.shape,)

    def infer(self, x: Type) -> Type:
        return Type(x.dtype, self.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.reshape({args[0]}, {_dims_src(self.shape, dim)})"

    def text(self, args: Sequence[str]) -> str:
        return f"reshape({args[0]}, {shape_text(self.shape)})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (reshape(g, x.shape),)


def _split_static(shape: Shape) -> tuple[int, list[str]]:
    static = 1
    names: list[str] = []
    for d in shape:
        if isinstance(d, str):
            names.append(d)
        else:
            static *= d
    return static, sorted(names)


def _unknown_size(d: Any) -> bool:
    # NumPy reads any negative size of a reshape's target as the one it infers, not -1 alone
    return isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)) and d < 0


def resolve_reshape(op_name: str, old: Shape, new: Any) -> Shape:
    """The target shape with its unknown size (-1, or any negative size, as NumPy reads it)
    filled in; the element counts must match exactly."""
    items = list(new) if isinstance(new, (tuple, list)) else [new]
    if sum(1 for d in items if _unknown_size(d)) > 1:
        raise ShapeError(f"{op_name}: can only specify one unknown dimension (a negative size, such "
                         f"as -1) in {tuple(items)}")
    known = check_shape([d for d in items if not _unknown_size(d)], f"{op_name} target shape")
    old_static, old_names = _split_static(old)
    new_static, new_names = _split_static(known)
    if len(known) == len(items):
        if old_static != new_static or old_names != new_names:
            raise ShapeError(
                f"{op_name}: cannot reshape an array of shape {format_shape(old)} "
                f"into shape {format_shape(known)}"
            )
        return known
    rest_names = list(old_names)
    for n in new_names:
        if n not in rest_names:
            raise ShapeError(f"{op_name}: dimension {n!r} of the target is not in {format_shape(old)}")
        rest_names.remove(n)
    fill: Dim
    if rest_names:
        if len(rest_names) > 1 or new_static == 0 or old_static != new_static:
            raise ShapeError(
                f"{op_name}: the unknown size in {tuple(items)} would have to stand for a product "
                f"of named dimensions of {format_shape(old)}; give the shape explicitly"
            )
        fill = rest_names[0]
    else:
        if new_static == 0 or old_static % new_static:
            raise ShapeError(
                f"{op_name}: cannot reshape an array of shape {format_shape(old)} into shape {tuple(items)}"
            )
        fill = old_static // new_static
    return tuple(fill if _unknown_size(d) else d for d in items)  # type: ignore[misc]


def reshape(x: Any, *dims: Any, order: str = "C", shape: Any = None, newshape: Any = None,
            copy: bool | None = None) -> Node:
    """x with a new shape of the same size (one size may be left unknown, as -1 or, as NumPy
    reads it, any negative size), its elements read and placed in row-major (``order='C'``) or
    column-major (``'F'``) order. The shape may also be
    given by keyword, ``shape=`` (or NumPy's older ``newshape=``); ``copy`` is NumPy's, and
    moot for expressions, which are never changed in place."""
    x = as_node(x)
    if shape is not None or newshape is not None:
        if dims or (shape is not None and newshape is not None):
            raise TypeError("reshape: give the new shape once (as arguments, shape= or newshape=)")
        dims = (shape if shape is not None else newshape,)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list, np.ndarray)):
        # NumPy takes the shape as an integer array too (np.reshape(x, np.array([3, 2])))
        dims = tuple(dims[0].tolist() if isinstance(dims[0], np.ndarray) else dims[0])
    target = resolve_reshape("reshape", x.shape, dims)
    if order == "F":  # column-major: the row-major reshape of the reversed axes, reversed back
        return transpose(reshape(transpose(x), target[::-1]))
    if order != "C":
        raise NotImplementedError(
            f"reshape: order={order!r} is not supported; use order='C' (row-major) or 'F' (column-major)"
        )
    return x if target == x.shape else Node(Reshape(target), (x,))


class Transpose(Op):
    __slots__ = ("axes",)
    name = "transpose"
    view = True

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def params(self) -> tuple[Any, ...]:
        return (self.axes,)

    def infer(self, x: Type) -> Type:
        return Type(x.dtype, tuple(x.shape[a] for a in self.axes))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        if self.axes == tuple(reversed(range(len(self.axes)))):
            return f"{args[0]}.T"
        return f"np.transpose({args[0]}, {self.axes!r})"

    def text(self, args: Sequence[str]) -> str:
        if self.axes == tuple(reversed(range(len(self.axes)))):
            from .elementwise import wrap

            return f"{wrap(args[0], 100)}.T"
        return super().text(args)

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (transpose(g, tuple(int(i) for i in np.argsort(self.axes))),)


def transpose(x: Any, axes: Any = None) -> Node:
    """Permute the axes (reverse them when ``axes`` is None)."""
    x = as_node(x)
    if axes is None:
        perm = tuple(reversed(range(x.ndim)))
    else:
        perm = tuple(normalize_axis("transpose", a, x.ndim) for a in axes)
        if sorted(perm) != list(range(x.ndim)):
            raise ShapeError(f"transpose: axes {tuple(axes)} are not a permutation of {x.ndim} axes")
    return x if perm == tuple(range(x.ndim)) else Node(Transpose(perm), (x,))


def swapaxes(x: Any, axis1: int, axis2: int) -> Node:
    """x with axes ``axis1`` and ``axis2`` exchanged (NumPy's names): ``sd.swapaxes(A, 0, -1)``."""
    x = as_node(x)
    perm = list(range(x.ndim))
    i, j = normalize_axis("swapaxes", axis1, x.ndim), normalize_axis("swapaxes", axis2, x.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(x, perm)


class BroadcastTo(Op):
    __slots__ = ("shape",)
    name = "broadcast_to"
    view = readonly = True

    def __init__(self, shape: Shape) -> None:
        self.shape = shape

    def params(self) -> tuple[Any, ...]:
        return (self.shape,)

    def infer(self, x: Type) -> Type:
        if broadcast_shapes("broadcast_to", x.shape, self.shape) != self.shape:
            raise ShapeError(f"broadcast_to: cannot broadcast {format_shape(x.shape)} to {format_shape(self.shape)}")
        return Type(x.dtype, self.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.broadcast_to({args[0]}, {_dims_src(self.shape, dim)})"

    def text(self, args: Sequence[str]) -> str:
        return f"broadcast_to({args[0]}, {shape_text(self.shape)})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g,)  # differentiation sums it back to x's shape


def broadcast_to(x: Any, shape: Any, subok: bool = False) -> Node:
    """x repeated along new or size-1 axes to ``shape`` (``subok`` is NumPy's, for ndarray
    subclasses, and moot for expressions)."""
    x = as_node(x)
    target = check_shape(shape, "broadcast_to shape")
    return x if target == x.shape else Node(BroadcastTo(target), (x,))


def expand_dims(x: Any, axis: Any) -> Node:
    """x with new size-1 axes at the positions ``axis`` (an int or a tuple), as in NumPy.

    >>> sd.expand_dims(sd.var("v", shape=(3,)), (0, -1)).shape
    (1, 3, 1)
    """
    x = as_node(x)
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    ndim = x.ndim + len(items)
    new = {normalize_axis("expand_dims", a, ndim) for a in items}
    if len(new) != len(items):
        raise ShapeError(f"expand_dims: repeated axis in {axis!r}")
    rest = iter(x.shape)
    return reshape(x, tuple(1 if k in new else next(rest) for k in range(ndim)))


def fill_constant(op_name: str, shape: Any, fill_value: Any, dtype: Any, order: str = "C") -> Node:
    """``fill_value`` (a number or an array of numbers) as a constant of ``dtype``, converted as
    NumPy converts it (the value's own dtype when None), checked to broadcast to ``shape``. The
    one definition behind zeros, ones, full and their ``_like`` forms; ``op_name`` is the
    function the user called."""
    if order not in ("C", "F"):  # the layout in memory only: the values are the same
        raise ValueError(f"{op_name}: order must be 'C' or 'F', got {order!r}")
    if isinstance(fill_value, Node) or not isinstance(
            fill_value, (int, float, complex, np.number, np.bool_, np.ndarray, list, tuple)) or (
            isinstance(fill_value, (list, tuple)) and _holds_node(fill_value)):
        raise TypeError(
            f"{op_name}: fill_value must be a number or an array of numbers, got "
            f"{type(fill_value).__name__}; broadcast_to(x, shape) fills a shape with an expression"
        )
    dt = None if dtype is None else numeric_dtype(dtype, op_name)
    try:
        value = np.asarray(fill_value, dtype=dt)
    except (OverflowError, ValueError, TypeError) as e:
        what = f"cannot be {dt}" if dt is not None else "is not an array of numbers"
        raise DTypeError(f"{op_name}: {fill_value!r} {what}: {e}") from None
    if value.dtype.kind not in "biufc":
        raise DTypeError(f"{op_name}: fill_value {fill_value!r} is not numeric (dtype {value.dtype})")
    target = check_shape(shape, f"{op_name}: shape")
    if broadcast_shapes(op_name, value.shape, target) != target:
        raise ShapeError(
            f"{op_name}: a fill_value of shape {format_shape(value.shape)} cannot fill the shape "
            f"{format_shape(target)}"
        )
    return const(value)


def filled(op_name: str, shape: Any, fill_value: Any, dtype: Any, order: str = "C") -> Node:
    """:func:`fill_constant` broadcast to ``shape``: it costs nothing until used."""
    return broadcast_to(fill_constant(op_name, shape, fill_value, dtype, order), shape)


def zeros(shape: Any, dtype: Any = float, order: str = "C") -> Node:
    """An array of zeros, as ``np.zeros`` (a broadcast scalar, so it costs nothing until used).

    >>> sd.zeros((2, "n"), dtype="int32").shape
    (2, 'n')
    """
    return filled("zeros", shape, 0, float if dtype is None else dtype, order)


def ones(shape: Any, dtype: Any = float, order: str = "C") -> Node:
    """An array of ones, as ``np.ones`` (a broadcast scalar, so it costs nothing until used).

    >>> sd.ones(3)
    broadcast_to(1.0, (3,))
    """
    return filled("ones", shape, 1, float if dtype is None else dtype, order)


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C") -> Node:
    """``fill_value`` in every position of ``shape``, as ``np.full``: its dtype is the value's
    own unless ``dtype`` is given, and an array value is broadcast to the shape.

    >>> sd.full((2, 2), 7).dtype
    dtype('int64')
    """
    return filled("full", shape, fill_value, dtype, order)


class ZerosLike(Op):
    """Zeros of ``x``'s shape when it has named dimensions: ``x`` stays an input, so its value
    gives their sizes (a broadcast constant zero would name sizes nothing in its graph binds)."""

    __slots__ = ("dtype",)
    name = "zeros_like"

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def params(self) -> tuple[Any, ...]:
        return (self.dtype.str,)

    def infer(self, x: Type) -> Type:
        return Type(self.dtype, x.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.zeros(np.shape({args[0]}), dtype=np.{self.dtype.name})"

    def text(self, args: Sequence[str]) -> str:
        return f"zeros_like({args[0]}, {self.dtype.name!r})"  # its own dtype: it may not be x's

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)


def _like_layout(op_name: str, order: str, device: Any) -> None:
    """The arguments of the ``_like`` functions that place an array in memory: the values are
    the same whatever they are, so they are checked as NumPy checks them and otherwise moot."""
    check_order(op_name, order)
    check_device(op_name, device)


def zeros_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True,
               shape: Any = None, *, device: Any = None) -> Node:
    """Zeros of ``a``'s shape (or ``shape``) and dtype (or ``dtype``), as ``np.zeros_like``;
    through them no gradient flows. A static shape gives a broadcast constant, which costs
    nothing until used.

    >>> sd.zeros_like(sd.var("X", shape=("n", 3))).shape
    ('n', 3)
    """
    _like_layout("zeros_like", order, device)
    x = as_node(a)
    dt = x.dtype if dtype is None else numeric_dtype(dtype, "zeros_like")
    if shape is not None:
        return zeros(shape, dt)
    if all(isinstance(d, int) for d in x.shape):
        return zeros(x.shape, dt)
    return Node(ZerosLike(dt), (x,))


def full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K", subok: bool = True,
              shape: Any = None, *, device: Any = None) -> Node:
    """``fill_value`` in ``a``'s shape (or ``shape``), in ``a``'s dtype (or ``dtype``), as
    ``np.full_like`` (the value is converted to that dtype, as NumPy does); through it no
    gradient flows."""
    _like_layout("full_like", order, device)
    x = as_node(a)
    dt = x.dtype if dtype is None else numeric_dtype(dtype, "full_like")
    if shape is not None:
        return filled("full_like", shape, fill_value, dt)
    value = fill_constant("full_like", x.shape, fill_value, dt)
    if all(isinstance(d, int) for d in x.shape):
        return broadcast_to(value, x.shape)
    return zeros_like(x, dt) + value  # named dimensions: their sizes come from x


def ones_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True,
              shape: Any = None, *, device: Any = None) -> Node:
    """Ones of ``a``'s shape (or ``shape``) and dtype (or ``dtype``), as ``np.ones_like``."""
    _like_layout("ones_like", order, device)
    return full_like(a, 1, dtype, order, subok, shape, device=device)


# -- concatenation ------------------------------------------------------------------------------------


class Concatenate(Op):
    __slots__ = ("axis",)
    name = "concatenate"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def params(self) -> tuple[Any, ...]:
        return (self.axis,)

    def infer(self, *types: Type) -> Type:
        first = types[0]
        total = 0
        for t in types:
            if t.ndim != first.ndim or any(
                a != b for k, (a, b) in enumerate(zip(t.shape, first.shape)) if k != self.axis
            ):
                shown = ", ".join(format_shape(t.shape) for t in types)
                raise ShapeError(f"concatenate along axis {self.axis}: shapes {shown} differ off that axis")
            d = t.shape[self.axis]
            if isinstance(d, str):
                raise ShapeError(
                    f"concatenate: the named dimension {d!r} on axis {self.axis} cannot be summed; "
                    "give it a static size"
                )
            total += d
        shape = list(first.shape)
        shape[self.axis] = total
        return Type(np.result_type(*(t.dtype for t in types)), tuple(shape))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.concatenate([{', '.join(args)}], axis={self.axis})"

    def text(self, args: Sequence[str]) -> str:
        return f"concatenate([{', '.join(args)}], axis={self.axis})"

    def vjp(self, g: Node, out: Node, *xs: Node) -> Sequence[Node | None]:
        return split_along(g, [x.shape[self.axis] for x in xs], self.axis)


def split_along(g: Node, sizes: Sequence[Dim], axis: int) -> list[Node | None]:
    """``g`` cut along ``axis`` into consecutive pieces of ``sizes`` (the cotangents of what a
    concatenation joined)."""
    pieces: list[Node | None] = []
    start = 0
    for size in sizes:
        assert isinstance(size, int)
        idx = [slice(None)] * g.ndim
        idx[axis] = slice(start, start + size)
        pieces.append(index(g, tuple(idx)))
        start += size
    return pieces


def array_list(op_name: str, xs: Any, dtype: Any = None, casting: str = "same_kind"
               ) -> list[Node]:
    """The arrays a joining function takes, as nodes; at least one. With ``dtype``, each is
    cast to it, where NumPy's ``casting`` rule allows (NumPy's ``dtype=`` and ``casting=``)."""
    if isinstance(xs, Node):  # concatenate(A, B) for concatenate([A, B]): an array is not a list
        named = f"{xs.op.var_name!r} " if isinstance(xs.op, Var) else ""
        axis = ", axis=0" if op_name in ("concatenate", "concat", "stack") else ""
        raise TypeError(
            f"{op_name} takes a sequence of arrays as its first argument, got one array {named}of "
            f"shape {format_shape(xs.shape)}: put the arrays in brackets, as in "
            f"{op_name}([a, b]{axis}) (NumPy's {op_name}((a1, a2, ...){axis and ', axis'}))")
    nodes = [as_node(x) for x in xs]
    if not nodes:
        raise ValueError(f"{op_name} needs at least one array")
    check_casting(op_name, casting)
    if dtype is None:
        return nodes
    dt = numeric_dtype(dtype, op_name)
    for n in nodes:
        check_casting(op_name, casting, n.dtype, dt)
    return [astype(n, dt) for n in nodes]


def concatenate(xs: Sequence[Any], axis: int | None = 0, out: Any = None, *, dtype: Any = None,
                casting: str = "same_kind") -> Node:
    """Join arrays along an existing axis (``axis=None``: flattened first, as NumPy)."""
    nodes = array_list("concatenate", xs, dtype, casting)  # (first: concatenate(A, A, A))
    no_out("concatenate", out)
    if axis is None:
        nodes, axis = [reshape(n, (-1,)) for n in nodes], 0
    if any(n.ndim == 0 for n in nodes):
        raise ShapeError("concatenate: zero-dimensional arrays cannot be concatenated")
    ax = normalize_axis("concatenate", axis, nodes[0].ndim)
    return nodes[0] if len(nodes) == 1 else Node(Concatenate(ax), nodes)


def stack(xs: Sequence[Any], axis: int = 0, out: Any = None, *, dtype: Any = None,
          casting: str = "same_kind") -> Node:
    """Join arrays of one shape along a new axis."""
    nodes = array_list("stack", xs, dtype, casting)  # (first: stack(A, A, A))
    no_out("stack", out)
    shapes = {n.shape for n in nodes}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all inputs must have the same shape, got {', '.join(map(format_shape, shapes))}")
    ax = normalize_axis("stack", axis, nodes[0].ndim + 1)
    return concatenate([expand_dims(n, ax) for n in nodes], axis=ax)


# -- indexing -------------------------------------------------------------------------------------------
# An index is stored as a tuple of items: ("i", k) an int, ("s", start, stop, step) a slice,
# ("n",) a new axis, ("a",) an integer array taken from the node's inputs (in order).


def _item_src(item: tuple[Any, ...], arrays: list[str], in_brackets: bool) -> str:
    kind = item[0]
    if kind == "i":
        return repr(item[1])
    if kind == "n":
        return "None"
    if kind == "a":
        return arrays.pop(0)
    _, start, stop, step = item
    if not in_brackets:
        return f"slice({start!r}, {stop!r}, {step!r})"
    text = f"{'' if start is None else start}:{'' if stop is None else stop}"
    return text + ("" if step is None else f":{step}")


def _index_src(spec: tuple[Any, ...], arrays: Sequence[str], in_brackets: bool) -> str:
    rest = list(arrays)
    parts = [_item_src(it, rest, in_brackets) for it in spec]
    if in_brackets:
        return ", ".join(parts) if parts else "()"
    return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"


def _whole_axis(start: int | None, stop: int | None, step: int | None) -> bool:
    """Whether a slice takes every element of an axis of any size, in order or reversed
    (``:``, ``::1``, ``0:``, ``::-1``, ``-1::-1``): then it keeps a named dimension."""
    if step is None or step == 1:
        return start in (None, 0) and stop is None
    return step == -1 and start in (None, -1) and stop is None


def index_shape(spec: tuple[Any, ...], x: Shape, arrays: Sequence[Shape]) -> Shape:
    """NumPy's indexing rule, for ints, slices, new axes and integer arrays."""
    advanced = [k for k, it in enumerate(spec) if it[0] == "a"]
    if advanced:  # ints next to arrays count as advanced (0-d) indices, as in NumPy
        advanced = [k for k, it in enumerate(spec) if it[0] in "ai"]
    adv_shape = broadcast_shapes("index arrays", *arrays) if arrays else ()
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1)) if advanced else True
    out: list[Dim] = []
    axis = 0
    for k, it in enumerate(spec):
        if it[0] == "n":
            out.append(1)
            continue
        d = x[axis]
        axis += 1
        if it[0] == "i":
            if isinstance(d, int) and not -d <= it[1] < d:
                raise OutOfBoundsError(f"index {it[1]} is out of bounds for axis {axis - 1} with size {d}")
        elif it[0] == "s":
            _, start, stop, step = it
            if isinstance(d, str):
                if not _whole_axis(start, stop, step):
                    raise NotImplementedError(
                        f"slicing the named dimension {d!r} with {_item_src(it, [], True)} is not "
                        "supported; only ':' and '::-1' keep a named dimension"
                    )
                out.append(d)
            else:
                out.append(len(range(*slice(start, stop, step).indices(d))))
        if advanced and k == advanced[0] and adjacent:
            out.extend(adv_shape)
    out.extend(x[axis:])
    if advanced and not adjacent:
        out[:0] = adv_shape
    return tuple(out)


def _constant_mask(item: Any) -> np.ndarray | None:
    """``item`` as a boolean array if it is a NumPy array or list of booleans (not a node)."""
    if isinstance(item, np.ndarray) or (isinstance(item, list) and item):
        arr = np.asarray(item)
        if arr.dtype.kind == "b" and arr.ndim:
            return arr
    return None


def _is_0d_bool(item: Any) -> bool:
    if isinstance(item, (bool, np.bool_)):
        return True
    return isinstance(item, (np.ndarray, Node)) and item.ndim == 0 and item.dtype.kind == "b"


_INDEX_MAX = int(np.iinfo(np.intp).max)


def _parse_index(shape: Shape, index: Any) -> tuple[tuple[Any, ...], list[Node]]:
    """An index of an array of ``shape`` as the op's spec and its integer array operands."""
    items = index if isinstance(index, tuple) else (index,)
    masks = [_constant_mask(it) for it in items]
    # a k-d boolean mask stands for the k axes it covers (and for k integer arrays: np.nonzero);
    # a 0-d one covers none (NumPy adds an axis: `index` inserts it first; here it is refused)
    consumed = sum(1 if m is None else m.ndim
                   for it, m in zip(items, masks)
                   if it is not None and it is not Ellipsis and not _is_0d_bool(it))
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > len(shape):
        raise OutOfBoundsError(
            f"too many indices for an array of shape {format_shape(shape)}: {consumed} were given"
        )
    spec: list[tuple[Any, ...]] = []
    arrays: list[Node] = []
    for position, (it, mask) in enumerate(zip(items, masks)):
        if mask is not None:
            axis = sum(1 for item in spec if item[0] != "n")
            covered = shape[axis: axis + mask.ndim]
            if covered != mask.shape:
                raise IndexingError(
                    f"index: a boolean mask of shape {format_shape(mask.shape)} does not match the "
                    f"axes {format_shape(covered)} it indexes (from axis {axis} of "
                    f"{format_shape(shape)})"
                )
            for positions in np.nonzero(mask):
                spec.append(("a",))
                arrays.append(as_node(positions.astype(np.int64)))
        elif it is Ellipsis:
            spec.extend([("s", None, None, None)] * (len(shape) - consumed))
        elif it is None:
            spec.append(("n",))
        elif isinstance(it, slice):
            # as NumPy: ints, NumPy integers, 0-d integer arrays, and bools (as 0 and 1)
            bounds = [None if p is None else int(p) if isinstance(p, (bool, np.bool_)) else index_int(p)
                      for p in (it.start, it.stop, it.step)]
            if any(b is None and p is not None for b, p in zip(bounds, (it.start, it.stop, it.step))):
                raise TypeError(f"slice bounds must be ints or None, got {it!r}")
            if bounds[2] == 0:
                raise ValueError("slice step cannot be zero")
            axis = sum(1 for item in spec if item[0] != "n")
            size = shape[axis] if axis < len(shape) else None
            if isinstance(size, int) and size and slice(*bounds).indices(size) in (
                    (0, size, 1), (size - 1, -1, -1)):
                # every element in order (v[0:3] of 3, v[-3:]) or reversed (v[2::-1]): the same
                # node as v[:] or v[::-1]
                spec.append(("s", None, None, None if bounds[2] in (None, 1) else -1))
                continue
            # clamped to the index range, as NumPy reads a slice (no axis is that long), so
            # the text of x[:2**70] reads back and x[:2**70] is x[:2**71]
            spec.append(("s", *(None if b is None else min(max(b, -_INDEX_MAX), _INDEX_MAX)
                                for b in bounds)))
        elif index_int(it) is not None:  # a 0-d integer array too, as NumPy takes it
            spec.append(("i", index_int(it)))
        else:
            if isinstance(it, list) and np.size(it) == 0:
                it = np.zeros(np.shape(it), np.intp)  # as NumPy: an empty list indexes nothing
            if not isinstance(it, (Node, np.ndarray, list, tuple, str, bool, np.bool_)) or (
                    not isinstance(it, (Node, np.ndarray)) and _object_array(it)):
                where_ = f" at position {position}" if len(items) > 1 else ""
                raise IndexingError(
                    f"index: {it!r}{where_} is not an index; only integers, slices (:), "
                    "ellipsis (...), None and integer or boolean arrays are, as in NumPy"
                )
            arr = as_node(it)
            if arr.dtype.kind == "b" and isinstance(arr.op, Const):
                raise NotImplementedError(  # `index` lifts it first: only index_add meets it
                    "index_add: a 0-d boolean in the index is not supported (it would add an axis)")
            if arr.dtype.kind == "b":
                raise NotImplementedError(
                    "indexing with a symbolic boolean mask gives a shape known only at run time; "
                    "use sd.where(mask, x, 0) instead (a constant mask, a NumPy array, is fine)"
                )
            if arr.dtype.kind not in "iu":
                raise IndexingError(f"index arrays must be integers, got dtype {arr.dtype}")
            spec.append(("a",))
            arrays.append(arr)
    # drop trailing full slices so x[i, :] and x[i] are the same node
    while spec and spec[-1] == ("s", None, None, None):
        spec.pop()
    return tuple(spec), arrays


def _object_array(items: list[Any] | tuple[Any, ...]) -> bool:
    """Whether a list in an index holds something other than numbers (a slice, a string)."""
    try:
        return np.asarray(items).dtype.kind not in "biufc"
    except ValueError:  # ragged
        return True


class Index(Op):
    """``x[...]`` with ints, slices, ``None`` and integer arrays (NumPy semantics)."""

    __slots__ = ("spec",)
    name = "getitem"
    view = True  # basic indexing is a view

    def __init__(self, spec: tuple[Any, ...]) -> None:
        self.spec = spec

    def params(self) -> tuple[Any, ...]:
        return (self.spec,)

    def infer(self, x: Type, *arrays: Type) -> Type:
        return Type(x.dtype, index_shape(self.spec, x.shape, [a.shape for a in arrays]))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"{args[0]}[{_index_src(self.spec, args[1:], True)}]"

    def text(self, args: Sequence[str]) -> str:
        from .elementwise import wrap

        return f"{wrap(args[0], 100)}[{_index_src(self.spec, args[1:], True)}]"

    def vjp(self, g: Node, out: Node, x: Node, *arrays: Node) -> Sequence[Node | None]:
        return (Node(IndexAdd(self.spec, x.shape), (g, *arrays)), *([None] * len(arrays)))


@helper
def index_add_kernel(g, shape, index, accumulate):  # type: ignore[no-untyped-def]
    # zeros of `shape` with g added at `index` (np.add.at sums repeated array indices)
    out = np.zeros(shape, dtype=np.result_type(g))
    if accumulate:
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


class IndexAdd(Op):
    """The transpose of indexing: zeros of ``shape`` with ``g`` added at the index."""

    __slots__ = ("spec", "shape")
    name = "index_add"

    def __init__(self, spec: tuple[Any, ...], shape: Shape) -> None:
        self.spec = spec
        self.shape = shape

    def params(self) -> tuple[Any, ...]:
        return (self.spec, self.shape)

    def infer(self, g: Type, *arrays: Type) -> Type:
        want = index_shape(self.spec, self.shape, [a.shape for a in arrays])
        broadcast_shapes("index_add", g.shape, want)
        return Type(g.dtype, self.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        accumulate = any(it[0] == "a" for it in self.spec)
        idx = _index_src(self.spec, args[1:], False)
        return f"index_add_kernel({args[0]}, {_dims_src(self.shape, dim)}, {idx}, {accumulate})"

    def text(self, args: Sequence[str]) -> str:
        # s_[...] is NumPy's notation for an index as a value (np.s_), which the parser reads
        idx = _index_src(self.spec, args[1:], True)
        return f"index_add({args[0]}, {shape_text(self.shape)}, s_[{idx}])"

    def vjp(self, g: Node, out: Node, upstream: Node, *arrays: Node) -> Sequence[Node | None]:
        return (Node(Index(self.spec), (g, *arrays)), *([None] * len(arrays)))


def index_add(g: Any, shape: Any, idx: Any) -> Node:
    """Zeros of ``shape`` with ``g`` added at ``idx`` (repeated integer indices add up): the
    derivative of indexing, as printed in derivative graphs (``index_add(g, (4, 3), s_[1:])``).

    >>> sd.index_add(sd.var("g", (2,)), (4,), [0, 0]).shape   # both entries land in row 0
    (4,)
    """
    g = as_node(g)
    shape = check_shape(shape, "index_add")
    spec, arrays = _checked_index(shape, idx)
    return Node(IndexAdd(spec, shape), (g, *arrays))


def check_bounds(prefix: str, indices: Node, axis: int, size: Dim) -> None:
    """Constant integer ``indices`` along an ``axis`` of static ``size`` must lie in
    [-size, size): an index out of bounds is an error where the graph is built, as for an int."""
    if isinstance(indices.op, Const) and isinstance(size, int) and indices.op.value.size:
        lo, hi = int(indices.op.value.min()), int(indices.op.value.max())
        if lo < -size or hi >= size:
            bad = lo if lo < -size else hi
            raise OutOfBoundsError(f"{prefix}index {bad} is out of bounds for axis {axis} with size {size}")


def index(x: Any, idx: Any) -> Node:
    """``x[idx]`` with NumPy semantics for ints, slices, None, ``...``, integer arrays and constant
    boolean masks (taken as the integer arrays ``np.nonzero`` gives)."""
    x, idx = _lift_0d_bools(as_node(x), idx)
    spec, arrays = _checked_index(x.shape, idx)
    if not spec:
        return x
    return Node(Index(spec), (x, *arrays))


def _constant_0d_bool(item: Any) -> bool | None:
    """The value of ``item`` if it is a constant 0-d boolean (not a variable's), else None."""
    if isinstance(item, Node):
        return bool(item.op.value) if isinstance(item.op, Const) and _is_0d_bool(item) else None
    return bool(item) if _is_0d_bool(item) else None


def _lift_0d_bools(x: Node, idx: Any) -> tuple[Node, Any]:
    """NumPy reads a constant 0-d boolean in an index as a new axis of length 1 under the mask
    ``[True]`` or ``[False]`` (``x[True]`` has shape (1, *x.shape), ``x[False]`` (0, *x.shape)),
    an advanced index like any mask: insert that axis into ``x`` and index it with that mask."""
    items = list(idx) if isinstance(idx, tuple) else [idx]

    def consumed(part: list[Any]) -> int:
        return sum(0 if it is None or it is Ellipsis or _is_0d_bool(it)
                   else m.ndim if (m := _constant_mask(it)) is not None else 1 for it in part)

    if consumed(items) > x.ndim or sum(it is Ellipsis for it in items) > 1:
        return x, idx  # the index's own checks name the fault, in the shape as given
    while True:
        k = next((k for k, it in enumerate(items) if _constant_0d_bool(it) is not None), None)
        if k is None:
            return x, (tuple(items) if isinstance(idx, tuple) else items[0])
        if any(it is Ellipsis for it in items[:k]):
            axis = x.ndim - consumed(items[k + 1:])
        else:
            axis = consumed(items[:k])
        mask = np.array([_constant_0d_bool(items[k])])
        x, items[k] = expand_dims(x, axis), mask


def _checked_index(shape: Shape, idx: Any) -> tuple[tuple[Any, ...], list[Node]]:
    """``_parse_index``, with constant integer arrays checked against the axes they index."""
    spec, arrays = _parse_index(shape, idx)
    axis, rest = 0, iter(arrays)
    for item in spec:
        if item[0] == "a":
            check_bounds("", next(rest), axis, shape[axis])
        axis += item[0] != "n"
    return spec, arrays


# -- take: a gather along one axis, through the indexing op ---------------------------------------------


def take_indices(x: Node, indices: Any, axis: int) -> Node:
    """``x`` gathered at integer ``indices`` along ``axis`` (already normalized)."""
    return index(x, (*(slice(None),) * axis, indices))


def take(a: Any, indices: Any, axis: Any = None, out: Any = None, mode: str = "raise") -> Node:
    """Elements of ``a`` at integer ``indices`` along ``axis`` (of the flattened array when
    None), as ``np.take``; the derivative scatters back with repeated indices adding up.
    ``mode='wrap'`` reads an index modulo the axis' size, ``mode='clip'`` clips it to the axis
    (a negative index to 0, as NumPy's), instead of refusing one out of bounds.

    >>> sd.take(sd.var("x", shape=(4, 3)), [0, 2], axis=1).shape
    (4, 2)
    >>> sd.take(sd.var("x", shape=(4,)), [-5, 7], mode="clip").shape
    (2,)
    """
    no_out("take", out)
    x = as_node(a)
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be one of 'clip', 'raise', or 'wrap', got {mode!r}")
    if axis is None or lone_axis_of_0d(axis, x.ndim):  # a 0-d array read as shape (1,)
        x = reshape(x, resolve_reshape("take", x.shape, (-1,)))
        ax = 0
    else:
        if x.ndim == 0:
            raise ShapeError("take: a 0-d array has no axis to take along; use axis=None")
        ax = normalize_axis("take", axis, x.ndim)
    d = x.shape[ax]
    k = index_int(indices)  # a 0-d integer array too, as NumPy takes it
    if k is not None:
        if mode != "raise" and d != 0 and isinstance(d, int):
            k = k % d if mode == "wrap" else min(max(k, 0), d - 1)
        if isinstance(d, int) and not -d <= k < d:
            raise _out_of_bounds(k, ax, d, mode)
        if mode != "raise" and isinstance(d, str):
            indices = np.int64(k)  # wrapped or clipped to the size when the graph runs
        else:
            return take_indices(x, k, ax)
    if not isinstance(indices, Node):
        arr = np.asarray(indices)
        if arr.size == 0 and arr.dtype.kind not in "iu":
            arr = arr.astype(np.int64)  # [] is a float array to NumPy, but means no indices
        if arr.dtype.kind in "iu" and mode != "raise" and isinstance(d, int) and (d or not arr.size):
            if d:
                arr = np.mod(arr, d) if mode == "wrap" else np.clip(arr, 0, d - 1)
            mode = "raise"  # in bounds now
        indices = arr
    idx = as_node(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"take: indices must be integers, got dtype {idx.dtype}")
    if mode != "raise":
        if d == 0:
            if idx.type.static_size != 0:
                raise _out_of_bounds(0, ax, d, mode)
        else:
            from .numeric import clip, mod  # numeric reads this module

            if idx.dtype != np.uint64:  # NumPy wraps and clips indices as intp
                idx = astype(idx, np.int64)
            size = as_node(d, like=idx) if isinstance(d, int) else astype(dim_size(d), idx.dtype)
            idx = mod(idx, size) if mode == "wrap" else clip(idx, 0, size - 1)
    check_bounds("take: ", idx, ax, d)
    return take_indices(x, idx, ax)


def _out_of_bounds(k: int, axis: int, size: int, mode: str) -> OutOfBoundsError:
    if mode != "raise":  # only an empty axis has nothing to wrap or clip to
        return OutOfBoundsError(f"take: cannot do a non-empty take from the empty axis {axis} "
                                f"(mode={mode!r})")
    return OutOfBoundsError(f"take: index {k} is out of bounds for axis {axis} with size {size}")


# -- ranges -----------------------------------------------------------------------------------------------


class Arange(Op):
    __slots__ = ("start", "stop", "step", "dtype")
    name = "arange"

    def __init__(self, start: Any, stop: Dim | float, step: Any, dtype: np.dtype) -> None:
        self.start, self.stop, self.step, self.dtype = start, stop, step, dtype

    def params(self) -> tuple[Any, ...]:
        return (self.start, self.stop, self.step, self.dtype.str)

    def infer(self) -> Type:
        if isinstance(self.stop, str):
            return Type(self.dtype, (self.stop,))
        span = self.stop - self.start
        if isinstance(self.step, float) and math.isinf(self.step):
            n = int(span * self.step > 0)  # one element when the step points to stop, as NumPy
        else:
            n = max(0, math.ceil(span / self.step))
        return Type(self.dtype, (n,))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        def literal(v: Any) -> str:  # an infinite step (one element) is np.inf in code
            return repr(v) if not isinstance(v, float) or math.isfinite(v) else f"{'-' * (v < 0)}np.inf"

        stop = dim(self.stop) if isinstance(self.stop, str) else literal(self.stop)
        if self.start == 0 and self.step == 1:
            return f"np.arange({stop}, dtype=np.{self.dtype.name})"
        return (f"np.arange({literal(self.start)}, {stop}, {literal(self.step)}, "
                f"dtype=np.{self.dtype.name})")

    def text(self, args: Sequence[str]) -> str:
        stop = repr(self.stop) if isinstance(self.stop, str) else self.stop  # arange('n')
        bounds = f"{stop}" if self.start == 0 and self.step == 1 else f"{self.start}, {stop}, {self.step}"
        integral = isinstance(self.stop, str) or all(
            isinstance(v, int) for v in (self.start, self.stop, self.step))
        implied = np.dtype(np.int64 if integral else np.float64)  # what arange(bounds) gives
        if self.dtype == implied:
            return f"arange({bounds})"
        return f"arange({bounds}, dtype={self.dtype.name!r})"


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Node:
    """Evenly spaced values; ``sd.arange(X.shape[0])`` also takes a named dimension."""
    if stop is None:
        start, stop = 0, start
    start, stop, step = (as_dim(v) for v in (start, stop, step))
    for v in (start, step):
        if isinstance(v, str) or isinstance(v, Node):
            raise TypeError("arange: only `stop` may be a named dimension")
    if isinstance(stop, Node):
        raise TypeError(
            "arange needs static bounds or a named dimension as `stop` (X.shape[0] in Python, "
            f"arange('n') in text), not an expression computed at run time ({stop!r})"
        )
    if step == 0:  # NumPy divides by it, and raises ZeroDivisionError
        raise ZeroDivisionError(f"arange: step cannot be zero, got step={step!r}")
    if isinstance(stop, str):
        check_shape((stop,), "arange stop")
        if start != 0 or step != 1:
            call = f"arange({start!r}, {stop!r}" + (f", {step!r})" if step != 1 else ")")
            length = (f"{stop} - {start}" if step == 1 else f"ceil({stop} / {step})" if start == 0
                      else f"ceil(({stop} - {start}) / {step})")
            raise NotImplementedError(
                f"{call} would have {length} elements, and a shape holds only ints and dimension "
                f"names, not arithmetic on them; arange({stop!r}) * {step!r} + {start!r} has "
                f"{stop} elements, or give the range a static size"
            )
        dt = numeric_dtype(dtype, "arange") if dtype is not None else np.dtype(np.int64)
    else:
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (start, stop, step)):
            # before the dtype, which is NumPy's object for ints past int64 and uint64: a range
            # of 2**70 elements is one too long, not one of an unsupported dtype
            _check_arange_length(int(start), int(stop), int(step))
        # NumPy's dtype for the bounds (at least int64: float32 bounds give float64), found
        # without building the range itself
        dt = numeric_dtype(dtype, "arange") if dtype is not None else np.result_type(
            np.int64, *(np.asarray(v).dtype for v in (start, stop, step)))
    if dt.kind not in "iuf":
        raise DTypeError(f"arange: unsupported dtype {dt}")

    def bound(v: Any) -> Any:
        # integer bounds stay ints; other bounds stay floats also for an integer dtype, whose
        # length NumPy takes from them as given (arange(4.5, dtype=int64) has 5 elements)
        if isinstance(v, str):
            return v
        return int(v) if dt.kind in "iu" and isinstance(v, (int, np.integer)) else float(v)
    start, stop, step = bound(start), bound(stop), bound(step)
    if not isinstance(stop, str):
        _check_arange_length(start, stop, step)
    return Node(Arange(start, stop, step, dt), ())


def _check_arange_length(start: Any, stop: Any, step: Any) -> None:
    """Refuse, as NumPy does, a range whose length is not a number (a nan bound or step, or
    inf - inf) or is beyond the largest array NumPy can index (an infinite bound)."""
    call = f"arange(start={start!r}, stop={stop!r}, step={step!r})"
    span = stop - start
    if isinstance(span, float) and math.isnan(span) or isinstance(step, float) and math.isnan(step):
        bad = next(f"{k}={v!r}" for k, v in (("start", start), ("stop", stop), ("step", step))
                   if isinstance(v, float) and not math.isfinite(v))
        raise ValueError(f"{call}: cannot compute the length, {bad} gives a length that is not "
                         "a number")
    try:
        n = span / step
    except OverflowError:  # ints whose quotient no float holds (10**400): long, or empty
        n = None if (span > 0) == (step > 0) else 0.0
    if n is None or math.isinf(n) or math.ceil(n) > MAX_SIZE:
        # NumPy refuses an infinite length also when its sign would make the range empty
        size = ("more than 1e308" if n is None else "infinitely many" if math.isinf(n)
                else f"about {n:.3g}")
        raise ShapeError(f"{call}: the range would have {size} elements, more than the largest "
                         f"array NumPy allows ({MAX_SIZE})")
