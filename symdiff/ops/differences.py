"""Finite differences of sampled values: ``gradient`` (NumPy's second-order central differences,
one- or two-sided at the edges), ``ediff1d`` and ``unwrap``.

Each is NumPy's arithmetic written in slices, concatenation and elementwise ops, so its values
are NumPy's and its derivatives (to any order) come from the ops it is made of: a gradient is
linear in the samples, and in coordinate arrays it is the derivative of NumPy's weights.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from ..ir import Node, format_shape
from .base import as_node, normalize_axis
from .elementwise import abs as absolute
from .elementwise import astype, greater, less, logical_and, not_equal, where
from .layout import _array, _static, axis_sequence, ravel
from .numeric import mod
from .scan import cumsum
from .shape import concatenate, index


def _along(ax: int, ndim: int, s: Any) -> tuple[Any, ...]:
    return (*(slice(None),) * ax, s, *(slice(None),) * (ndim - ax - 1))


def _spread(d: Node, ax: int, ndim: int) -> Node:
    """A 1-d array of steps laid along axis ``ax`` of an ``ndim``-d array."""
    return index(d, tuple(slice(None) if k == ax else None for k in range(ndim)))


def _spacings(varargs: tuple[Any, ...], axes: tuple[int, ...], f: Node) -> list[Any]:
    """Each axis's spacing: a Python or 0-d number, or the differences of its coordinates."""
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0 and not (
            isinstance(varargs[0], Node) and varargs[0].ndim):
        return [varargs[0]] * len(axes)
    if len(varargs) != len(axes):
        raise TypeError(f"gradient: invalid number of arguments: {len(varargs)} spacings for "
                        f"{len(axes)} axes (give one for all, or one per axis)")
    out: list[Any] = []
    for spacing, ax in zip(varargs, axes):
        if isinstance(spacing, Node) and spacing.ndim == 0 or (
                not isinstance(spacing, Node) and np.ndim(spacing) == 0):
            out.append(spacing)
            continue
        x = spacing if isinstance(spacing, Node) else np.asarray(spacing)
        if x.ndim != 1:
            raise ValueError(f"gradient: distances must be either scalars or 1d, got shape "
                             f"{format_shape(x.shape)} for axis {ax}")
        if x.shape[0] != f.shape[ax]:
            raise ValueError(f"gradient: when 1d, distances must match the length of the "
                             f"corresponding dimension: {x.shape[0]} coordinates for axis {ax} "
                             f"of size {f.shape[ax]}")
        if isinstance(x, np.ndarray):
            d = np.diff(x)
            if d.dtype.kind in "iub":
                d = d.astype(np.float64)
            # NumPy takes evenly spaced coordinates as their one step; a number here, read
            # in f's dtype as a step given as a number is (float32 samples stay float32)
            out.append(d[0].item() if d.size and np.all(d == d[0]) else as_node(d))
        else:
            d = index(x, slice(1, None)) - index(x, slice(None, -1))
            out.append(astype(d, np.float64) if d.dtype.kind in "iub" else d)
    return out


def _gradient_along(f: Node, ax: int, dx: Any, edge_order: int) -> Node:
    nd = f.ndim
    at = lambda s: index(f, _along(ax, nd, s))  # noqa: E731
    uniform = not (isinstance(dx, Node) and dx.ndim)
    if uniform:
        h = dx
        inner = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * h)
        if edge_order == 1:
            first = (at(slice(1, 2)) - at(slice(0, 1))) / h
            last = (at(slice(-1, None)) - at(slice(-2, -1))) / h
        else:
            first = (-1.5 / h) * at(slice(0, 1)) + (2.0 / h) * at(slice(1, 2)) + (-0.5 / h) * at(slice(2, 3))
            last = ((0.5 / h) * at(slice(-3, -2)) + (-2.0 / h) * at(slice(-2, -1))
                    + (1.5 / h) * at(slice(-1, None)))
    else:
        step = lambda s: _spread(index(dx, s), ax, nd)  # noqa: E731
        dx1, dx2 = step(slice(None, -1)), step(slice(1, None))
        a = -dx2 / (dx1 * (dx1 + dx2))
        b = (dx2 - dx1) / (dx1 * dx2)
        c = dx1 / (dx2 * (dx1 + dx2))
        inner = a * at(slice(None, -2)) + b * at(slice(1, -1)) + c * at(slice(2, None))
        if edge_order == 1:
            first = (at(slice(1, 2)) - at(slice(0, 1))) / step(slice(0, 1))
            last = (at(slice(-1, None)) - at(slice(-2, -1))) / step(slice(-1, None))
        else:
            dx1, dx2 = step(slice(0, 1)), step(slice(1, 2))
            a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
            b = (dx1 + dx2) / (dx1 * dx2)
            c = -dx1 / (dx2 * (dx1 + dx2))
            first = a * at(slice(0, 1)) + b * at(slice(1, 2)) + c * at(slice(2, 3))
            dx1, dx2 = step(slice(-2, -1)), step(slice(-1, None))
            a = dx2 / (dx1 * (dx1 + dx2))
            b = -(dx2 + dx1) / (dx1 * dx2)
            c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
            last = a * at(slice(-3, -2)) + b * at(slice(-2, -1)) + c * at(slice(-1, None))
    return concatenate([first, inner, last], axis=ax)


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: Any = 1) -> Any:
    """The derivative of sampled values along each axis (or ``axis``: an int or a tuple) by
    second-order central differences inside and one-sided differences of ``edge_order`` 1 or 2
    at the edges, as ``np.gradient``; spacings are one scalar for all axes, or one per axis, a
    scalar or the 1-d coordinates along it (expressions too). One axis gives an array, several
    a tuple, as NumPy 2.

    >>> sd.gradient(sd.var("y", shape=(5,)), 0.5).shape
    (5,)
    """
    x = _array(f)
    if x.dtype.kind == "b":
        raise DTypeError("gradient: booleans have no differences (NumPy's subtract refuses them); "
                         "cast them with astype first")
    if x.dtype.kind in "iu":
        x = astype(x, np.float64)
    out_dtype = x.dtype
    axes = tuple(range(x.ndim)) if axis is None else axis_sequence("gradient", axis, x.ndim)
    if edge_order not in (1, 2) or isinstance(edge_order, bool):
        raise ValueError(f"gradient: 'edge_order' must be 1 or 2, got {edge_order!r}")
    spacings = _spacings(varargs, axes, x)
    results = []
    for ax, dx in zip(axes, spacings):
        if _static("gradient", x, ax, "take differences along") < edge_order + 1:
            raise ValueError(
                f"gradient: shape of array too small to calculate a numerical gradient, at least "
                f"(edge_order + 1) = {edge_order + 1} elements are required along axis {ax} of "
                f"{format_shape(x.shape)}")
        results.append(astype(_gradient_along(x, ax, dx, int(edge_order)), out_dtype))
    return results[0] if len(results) == 1 else tuple(results)


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Node:
    """The differences of consecutive elements of the flattened ``ary``, with ``to_begin`` and
    ``to_end`` (flattened) joined before and after, as ``np.ediff1d``: of ``ary``'s dtype.

    >>> sd.ediff1d(sd.var("x", shape=(2, 3)), to_end=0.0).shape
    (6,)
    """
    x = ravel(_array(ary))
    if x.dtype.kind == "b":
        raise DTypeError("ediff1d: booleans have no differences (NumPy's subtract refuses them)")
    _static("ediff1d", x, 0, "take differences along")
    parts = [index(x, slice(1, None)) - index(x, slice(None, -1))]
    for name, extra, place in (("to_begin", to_begin, 0), ("to_end", to_end, 1)):
        if extra is None:
            continue
        e = ravel(_array(extra))
        if not np.can_cast(e.dtype, x.dtype, casting="same_kind"):
            raise TypeError(f"ediff1d: dtype of `{name}` ({e.dtype}) must be compatible with input "
                            f"`ary` ({x.dtype}) under the `same_kind` rule.")
        parts.insert(0 if place == 0 else len(parts), astype(e, x.dtype))
    return astype(concatenate(parts, axis=0), x.dtype)


def unwrap(p: Any, discont: Any = None, axis: Any = -1, *, period: Any = 2 * math.pi) -> Node:
    """``p`` with each jump between neighbours along ``axis`` larger than ``discont`` (default
    ``period / 2``) moved by a multiple of ``period`` to its complement, as ``np.unwrap``; its
    derivative in ``p`` is the identity (the corrections are steps).

    >>> sd.unwrap(sd.var("phase", shape=(8,))).shape
    (8,)
    """
    x = _array(p)
    if x.ndim == 0:
        raise ShapeError("unwrap: a 0-d array has no axis to unwrap along")
    ax = normalize_axis("unwrap", axis, x.ndim)
    if isinstance(period, Node) or isinstance(discont, Node):
        raise TypeError("unwrap: `period` and `discont` must be numbers known when the graph is built")
    _static("unwrap", x, ax, "unwrap along")
    head, tail = index(x, _along(ax, x.ndim, slice(None, -1))), index(x, _along(ax, x.ndim, slice(1, None)))
    # NumPy's diff of booleans is where neighbours differ (subtraction refuses them)
    dd = not_equal(tail, head) if x.dtype.kind == "b" else tail - head
    if discont is None:
        discont = period / 2
    dtype = np.result_type(np.empty(0, dd.dtype), period)
    if dtype.kind in "iu":
        high, rem = divmod(period, 2)
        ambiguous = rem == 0
    else:
        high, ambiguous = period / 2, True
        dd = astype(dd, dtype)
    low = -high
    ddmod = mod(dd - low, period) + low
    if ambiguous:  # NumPy takes the boundary -period/2 of a positive jump as +period/2
        ddmod = where(logical_and(ddmod == low, greater(dd, 0)), high, ddmod)
    correction = where(less(absolute(dd), discont), 0, ddmod - dd)
    first = astype(index(x, _along(ax, x.ndim, slice(0, 1))), dtype)
    # NumPy writes the sums into an array of the jumps' dtype: the cumulative sum of narrow
    # integers (int64) wraps back to int8
    rest = astype(astype(tail, dtype) + cumsum(correction, axis=ax), dtype)
    return concatenate([first, rest], axis=ax)
