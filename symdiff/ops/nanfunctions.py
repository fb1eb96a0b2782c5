"""NumPy's NaN-ignoring reductions and scans (``nansum``, ``nanmean``, ``nanmax``, ...).

Each is the plain reduction of the input with its NaNs replaced by the reduction's identity
(``where(isnan(x), 0, x)`` for a sum), so values, dtypes and arguments are the plain
function's, and the gradient follows by itself: a NaN element gets exactly 0. Integer and
boolean inputs hold no NaN and go to the plain function unchanged, as in NumPy. The positions
``nanargmax``/``nanargmin`` are NumPy's own functions (no gradient), so an all-NaN slice raises
NumPy's ValueError when the graph runs. ``nanmedian``, ``nanquantile`` and ``nanpercentile`` are
the order statistics' one definition told to leave the NaNs out (they sort last, and each
slice's positions come from its count of other values).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import Node
from .base import as_node, no_out
from .elementwise import astype, greater, isnan, logical_and, logical_not, sqrt, where
from .numeric import conj, real
from .order import _quantile
from .reduce import _keepdims, _reduced_axes, all, max, mean, min, prod, reduction_mask, sum, variance
from .scan import cumprod, cumsum, scan_axis_checked
from .shape import reshape
from .selection import ArgExtreme, _arg_extreme



def _without_nan(x: Any, fill: float) -> Node:
    """``x`` with its NaNs replaced by ``fill`` (a float or complex ``x``; others have none)."""
    x = as_node(x)
    return where(isnan(x), fill, x) if x.dtype.kind in "fc" else x


def _inexact_dtype(name: str, dtype: Any) -> None:
    # NumPy's nanmean and nanvar of float values refuse an integer dtype
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        raise TypeError(f"{name}: dtype={np.dtype(dtype)} is not supported for float input; "
                        "give a float or complex dtype, as NumPy asks (the input is inexact)")


def nansum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> Node:
    """The sum over ``axis`` treating NaN as 0: ``sd.nansum(x, axis=0)``; an all-NaN slice
    sums to 0. ``dtype``, ``initial`` and ``where`` as NumPy's."""
    no_out("nansum", out)
    x = as_node(a)
    _reduced_axes("nansum", axis, x.ndim)
    return sum(_without_nan(x, 0), axis, keepdims, dtype=dtype, initial=initial, where=where)


def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
            initial: Any = None, where: Any = None) -> Node:
    """The product over ``axis`` treating NaN as 1: ``sd.nanprod(x, axis=0)``; an all-NaN
    slice gives 1. ``dtype``, ``initial`` and ``where`` as NumPy's."""
    no_out("nanprod", out)
    x = as_node(a)
    _reduced_axes("nanprod", axis, x.ndim)
    return prod(_without_nan(x, 1), axis, keepdims, dtype=dtype, initial=initial, where=where)


def nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Node:
    """The cumulative sum along ``axis`` (of the flattened array when None) treating NaN as 0:
    ``sd.nancumsum(x, axis=1)``."""
    no_out("nancumsum", out)
    x = as_node(a)
    scan_axis_checked("nancumsum", axis, x.ndim)
    return cumsum(_without_nan(x, 0), axis, dtype)


def nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Node:
    """The cumulative product along ``axis`` (of the flattened array when None) treating NaN
    as 1: ``sd.nancumprod(x, axis=1)``."""
    no_out("nancumprod", out)
    x = as_node(a)
    scan_axis_checked("nancumprod", axis, x.ndim)
    return cumprod(_without_nan(x, 1), axis, dtype)


def _taken(x: Node, mask: Node | None) -> Node:
    """Where ``x`` is an element the reduction takes: not NaN, and in ``where``'s mask."""
    kept = logical_not(isnan(x))
    return kept if mask is None else logical_and(kept, mask)


def _count_and_total(x: Node, axes: Any, dtype: Any, keepdims: bool, taken: Node) -> tuple[Node, Node]:
    """The number of elements taken (int64) and their sum (in ``dtype``)."""
    return sum(taken, axes, keepdims), sum(where(taken, x, 0), axes, keepdims, dtype=dtype)


def _work_dtype(dtype: np.dtype) -> np.dtype:
    """The real dtype a count divides ``dtype`` values in: their own (so a float32 graph and its
    derivatives stay float32, as ``mean``'s), float32 for float16 (a count beyond 65504 is inf
    in float16), as ``mean`` divides."""
    real_dtype = np.finfo(dtype).dtype
    return np.dtype(np.float32) if real_dtype == np.float16 else real_dtype


def _divided_by_count(total: Node, cnt: Node) -> Node:
    """``total / cnt`` in the result's dtype, ``total``'s (0 / 0 is nan: the mean of an all-NaN
    slice)."""
    work = _work_dtype(total.dtype)
    return astype(astype(total, np.result_type(total.dtype, work)) / astype(cnt, work), total.dtype)


def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
            *, where: Any = None) -> Node:
    """The mean over ``axis`` of the elements that are not NaN: ``sd.nanmean(x, axis=0)``; an
    all-NaN slice gives nan. ``dtype`` and ``where`` as NumPy's."""
    no_out("nanmean", out)
    x = as_node(a)
    if x.dtype.kind not in "fc":
        return mean(x, axis, keepdims, dtype=dtype, where=where)
    _inexact_dtype("nanmean", dtype)
    keepdims = _keepdims("nanmean", keepdims)
    axes = _reduced_axes("nanmean", axis, x.ndim)  # a lone 0 or -1 of a 0-d array too, as NumPy's
    cnt, total = _count_and_total(x, axes, dtype, keepdims, _taken(x, reduction_mask("nanmean", where, x)))
    return _divided_by_count(total, cnt)


def nanvar(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
           keepdims: bool = False, *, where: Any = None, mean: Any = None,
           correction: Any = None) -> Node:
    """The variance over ``axis`` of the elements that are not NaN, divided by ``N - ddof``:
    ``sd.nanvar(x, axis=0, ddof=1)``; nan where ``N - ddof <= 0`` (an all-NaN slice), as
    NumPy's. ``where``, ``mean`` and ``correction`` as NumPy's."""
    return _nanvar("nanvar", a, axis, dtype, out, ddof, keepdims, where, mean, correction)


def _nanvar(name: str, a: Any, axis: Any, dtype: Any, out: Any, ddof: Any, keepdims: bool,
            where_: Any, mean_: Any, correction: Any) -> Node:
    no_out(name, out)
    x = as_node(a)
    if x.dtype.kind not in "fc":
        v = variance(x, axis, dtype, None, ddof, keepdims, where=where_, mean=mean_,
                     correction=correction)
        return sqrt(v) if name == "nanstd" else v
    _inexact_dtype(name, dtype)
    keepdims = _keepdims(name, keepdims)
    if correction is not None:
        if ddof != 0:
            raise ValueError(f"{name}: give ddof or correction, not both (they are the same)")
        ddof = correction
    if isinstance(ddof, Node) or not isinstance(ddof, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: ddof must be a number, got {ddof!r}")
    axes = _reduced_axes(name, axis, x.ndim)
    taken = _taken(x, reduction_mask(name, where_, x))
    # counted without keepdims, the mean reshaped: the count's cast stays that of a reduced
    # count, which simplification keeps as the cast of a scalar where it reduces all axes
    cnt, total = _count_and_total(x, axes, dtype, False, taken)
    kept = tuple(1 if k in axes else n for k, n in enumerate(x.shape))
    avg = reshape(_divided_by_count(total, cnt), kept) if mean_ is None else as_node(mean_, like=x)
    # the deviations in the input's dtype, as NumPy subtracts in place; 0 where not taken
    d = where(taken, astype(x - avg, x.dtype), 0)
    squares = real(d * conj(d)) if d.dtype.kind == "c" else d * d
    ss = sum(squares, axes, keepdims, dtype=dtype)
    if keepdims:
        cnt = reshape(cnt, kept)
    work = _work_dtype(ss.dtype)
    dof = astype(cnt, work) - float(ddof)
    v = astype(astype(ss, work) / dof, ss.dtype)
    v = where(greater(dof, 0), v, np.nan)  # NumPy's nan where N - ddof <= 0
    return sqrt(v) if name == "nanstd" else v


def nanstd(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
           keepdims: bool = False, *, where: Any = None, mean: Any = None,
           correction: Any = None) -> Node:
    """The square root of ``nanvar`` with the same arguments: ``sd.nanstd(x, axis=1)``."""
    return _nanvar("nanstd", a, axis, dtype, out, ddof, keepdims, where, mean, correction)


def _nan_extremum(name: str, a: Any, axis: Any, out: Any, keepdims: bool, initial: Any,
                  where_: Any) -> Node:
    no_out(name, out)
    x = as_node(a)
    _reduced_axes(name, axis, x.ndim)
    reduce = max if name == "nanmax" else min
    if x.dtype.kind not in "fc":
        return reduce(x, axis, keepdims, initial=initial, where=where_)
    nan = isnan(x)
    beyond = -np.inf if name == "nanmax" else np.inf
    result = reduce(where(nan, beyond, x), axis, keepdims, initial=initial, where=where_)
    if initial is not None:  # an all-NaN slice is the initial value, as NumPy's fmax.reduce
        return result
    # NumPy's nan for an all-NaN slice (with a warning)
    return where(all(nan, axis, keepdims, where=where_), np.nan, result)


def nanmax(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, initial: Any = None,
           where: Any = None) -> Node:
    """The maximum over ``axis`` ignoring NaN: ``sd.nanmax(x, axis=0)``; nan for an all-NaN
    slice. The gradient goes to the maximum (ties share it), none to the NaNs."""
    return _nan_extremum("nanmax", a, axis, out, keepdims, initial, where)


def nanmin(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, initial: Any = None,
           where: Any = None) -> Node:
    """The minimum over ``axis`` ignoring NaN: ``sd.nanmin(x, axis=0)``; nan for an all-NaN
    slice. The gradient goes to the minimum (ties share it), none to the NaNs."""
    return _nan_extremum("nanmin", a, axis, out, keepdims, initial, where)


def nanmedian(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
              keepdims: Any = False) -> Node:
    """The median along ``axis`` of the values that are not NaN, as ``np.nanmedian``:
    ``sd.nanmedian(x, axis=1)``; nan for an all-NaN slice. The gradient goes to the middle
    values, none to the NaNs."""
    no_out("nanmedian", out)
    return _quantile("nanmedian", a, 0.5, axis, "linear", keepdims, 1.0, mean_of_two=True,
                     skip_nan=True)


def nanquantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
                method: str = "linear", keepdims: Any = False, *, weights: Any = None) -> Node:
    """The ``q``-th quantiles along ``axis`` of the values that are not NaN, as
    ``np.nanquantile``: ``sd.nanquantile(x, [0.25, 0.75], axis=0)``, with ``quantile``'s
    methods and dtypes; nan for an all-NaN slice. No gradient reaches the NaNs."""
    no_out("nanquantile", out)
    if weights is not None:
        raise NotImplementedError("nanquantile: the argument 'weights' is not supported")
    return _quantile("nanquantile", a, q, axis, method, keepdims, 1.0, skip_nan=True)


def nanpercentile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: Any = False, *, weights: Any = None) -> Node:
    """The ``q``-th percentiles (``q`` in [0, 100]) along ``axis`` of the values that are not
    NaN, as ``np.nanpercentile``: the NaN-ignoring quantiles at ``q / 100``."""
    no_out("nanpercentile", out)
    if weights is not None:
        raise NotImplementedError("nanpercentile: the argument 'weights' is not supported")
    return _quantile("nanpercentile", a, q, axis, method, keepdims, 100.0, skip_nan=True)


class NanArgMax(ArgExtreme):
    """The position of the maximum ignoring NaN: NumPy's ``nanargmax`` (ValueError for an
    all-NaN slice, when the graph runs)."""

    __slots__ = ()
    name = "nanargmax"


class NanArgMin(ArgExtreme):
    """The position of the minimum ignoring NaN: NumPy's ``nanargmin``."""

    __slots__ = ()
    name = "nanargmin"


def nanargmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Node:
    """The integer position of the maximum along ``axis`` ignoring NaN (of the flattened array
    when None): ``sd.nanargmax(x, axis=1)``; an all-NaN slice raises NumPy's ValueError when
    the graph runs. No gradient."""
    no_out("nanargmax", out)
    return _arg_extreme(NanArgMax, a, axis, keepdims)


def nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Node:
    """The integer position of the minimum along ``axis`` ignoring NaN (of the flattened array
    when None): ``sd.nanargmin(x, axis=1)``; an all-NaN slice raises NumPy's ValueError when
    the graph runs. No gradient."""
    no_out("nanargmin", out)
    return _arg_extreme(NanArgMin, a, axis, keepdims)


__all__ = ["nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian",
           "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar"]
