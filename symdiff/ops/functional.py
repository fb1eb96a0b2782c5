"""NumPy's functions that call the user's functions: piecewise, apply_along_axis and
apply_over_axes.

Each calls the functions given once, on expressions, while the graph is built, and puts their
results together with symdiff's own ops (``where``, indexing, ``stack``), so the result is
differentiable wherever the functions are. Where NumPy calls a function on values picked by a
condition, a graph can only call it on the whole array and pick its values afterwards: a
condition's untaken values are masked, and ``where``'s derivative gives them zero, nan and all.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..ir import Node, toposort
from .base import as_node, const, normalize_axis, shape_text
from .elementwise import astype, where
from .shape import broadcast_to, expand_dims, reshape, stack, transpose, zeros_like


def _conditions(condlist: Any, x: Node) -> list[Node]:
    """``piecewise``'s conditions as boolean masks of ``x``'s shape, read as NumPy reads them:
    a lone condition (an expression, a scalar, or a flat sequence of booleans for an array
    that is not 0-d) is a list of one."""
    if (isinstance(condlist, Node) or np.isscalar(condlist)
            or (not isinstance(condlist[0], (list, np.ndarray, Node)) and x.ndim != 0)):
        condlist = [condlist]
    conds = []
    for k, c in enumerate(condlist):
        mask = astype(c, bool) if isinstance(c, Node) else const(np.asarray(c, dtype=bool))
        if mask.shape != x.shape:
            raise ShapeError(f"piecewise: condition {k} has shape {shape_text(mask.shape)}, x "
                             f"has {shape_text(x.shape)}; each condition is a mask of x's shape")
        conds.append(mask)
    return conds


def _piece(k: int, func: Any, x: Node, args: tuple[Any, ...], kw: dict[str, Any]) -> Node:
    """Function ``k``'s value (or the value given in its place) in ``x``'s dtype, as NumPy
    writes it into an array of that dtype."""
    if callable(func):
        value = as_node(func(x, *args, **kw))
        elementwise = value.shape == x.shape or not builtins.any(n is x for n in toposort(value))
        if not elementwise:
            raise ShapeError(
                f"piecewise: function {k} gave shape {shape_text(value.shape)} for x of shape "
                f"{shape_text(x.shape)}; a graph calls each function on the whole of x (NumPy "
                f"calls it on the values its condition picks), so it must work elementwise")
    else:
        value = as_node(func)
    if value.ndim != 0 and value.shape != x.shape:
        raise ShapeError(f"piecewise: function {k} gave shape {shape_text(value.shape)}; x has "
                         f"{shape_text(x.shape)}: a value is a scalar or of x's shape")
    return astype(value, x.dtype)


def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Node:
    """``x`` mapped piece by piece, as ``np.piecewise``: where condition k holds, function k
    of ``x`` (called as ``funclist[k](x, *args, **kw)``), or the scalar given in its place; a
    later condition wins where several hold; one function more than conditions is the value
    where none holds, else 0 there. The result has ``x``'s dtype, as NumPy's. Each function is
    called on the whole of ``x``, so it must work elementwise; its derivative reaches ``x``
    only where its condition holds (no nan from a piece not taken).

    >>> x = sd.var("x", shape=(3,))
    >>> sd.piecewise(x, [x < 0], [lambda v: -v, np.sqrt]).shape
    (3,)
    """
    node = as_node(x)
    conds = _conditions(condlist, node)
    funcs = list(funclist)
    n = len(conds)
    if len(funcs) == n + 1:  # the last function holds where no condition does
        result = _piece(n, funcs[n], node, args, kw)
    elif len(funcs) == n:
        result = zeros_like(node)
    else:
        raise ValueError(f"piecewise: with {n} condition(s), either {n} or {n + 1} functions "
                         f"are expected, got {len(funcs)}")
    for k, (cond, func) in enumerate(zip(conds, funcs)):
        result = where(cond, _piece(k, func, node, args, kw), result)
    return broadcast_to(result, node.shape)


def _result(value: Any) -> Node:
    """A function's result as one expression; a list or tuple of them stacked, as NumPy's
    ``asanyarray`` makes one array of them."""
    if isinstance(value, (list, tuple)):
        return stack([as_node(v) for v in value])
    return as_node(value)


def apply_along_axis(func1d: Callable[..., Any], axis: Any, arr: Any, *args: Any,
                     **kwargs: Any) -> Node:
    """``func1d`` applied to each 1-d slice of ``arr`` along ``axis``, as
    ``np.apply_along_axis``: called as ``func1d(slice, *args, **kwargs)`` once per slice while
    the graph is built (the other axes need sizes, not names), its results (scalars or arrays
    of the first one's shape, in its dtype) stacked so that their axes replace ``axis``.

    >>> sd.apply_along_axis(lambda v: v / v.sum(), 1, sd.var("x", shape=(2, 3))).shape
    (2, 3)
    """
    node = as_node(arr)
    ax = normalize_axis("apply_along_axis", axis, node.ndim)
    outer = node.shape[:ax] + node.shape[ax + 1:]
    for d in outer:
        if not isinstance(d, int):
            raise ShapeError(f"apply_along_axis: dimension {d!r} of arr's shape "
                             f"{shape_text(node.shape)} has no size when the graph is built, "
                             f"and func1d is called once per slice; give it a size")
    if 0 in outer:
        raise ValueError("apply_along_axis: cannot apply_along_axis when any iteration "
                         f"dimensions are 0 (arr has shape {shape_text(node.shape)}, axis {ax})")
    results: list[Node] = []
    for position in itertools.product(*(range(d) for d in outer)):  # type: ignore[arg-type]
        piece = node[(*position[:ax], slice(None), *position[ax:])]
        value = _result(func1d(piece, *args, **kwargs))
        if results:  # written into an array of the first result's dtype and shape, as NumPy's
            value = broadcast_to(astype(value, results[0].dtype), results[0].shape)
        results.append(value)
    first = results[0]
    stacked = reshape(stack(results), (*outer, *first.shape))
    k = len(outer)
    order = (*range(ax), *range(k, k + first.ndim), *range(ax, k))
    return transpose(stacked, order)


def apply_over_axes(func: Callable[[Any, int], Any], a: Any, axes: Any) -> Node:
    """``func(a, axis)`` applied over each axis in ``axes`` in turn, as
    ``np.apply_over_axes``: a result with one dimension fewer gets it back (size 1), so the
    result keeps ``a``'s number of dimensions.

    >>> sd.apply_over_axes(sd.sum, sd.var("x", shape=(2, 3, 4)), [0, 2]).shape
    (1, 3, 1)
    """
    val = as_node(a)
    ndim = val.ndim
    for axis in (axes,) if np.ndim(axes) == 0 else axes:
        axis = axis + ndim if axis < 0 else axis
        res = as_node(func(val, axis))
        if res.ndim != val.ndim:
            res = expand_dims(res, axis)
            if res.ndim != val.ndim:
                raise ValueError(f"apply_over_axes: the function is not returning an array of "
                                 f"the correct shape (axis {axis}: shape "
                                 f"{shape_text(res.shape)} for {shape_text(val.shape)})")
        val = res
    return val


__all__ = ["apply_along_axis", "apply_over_axes", "piecewise"]
