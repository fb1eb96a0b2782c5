"""Order statistics: ``median``, ``quantile`` and ``percentile``, built on ``sort``.

The values are sorted along the reduced axes (moved last and flattened into one); a quantile is
then the sorted value at a position, or the mix ``(1 - g) * s[i] + g * s[i + 1]`` of two
neighbours. For constant ``q`` and static sizes the positions and weights are numbers known when
the graph is built, so the graph is a sort, a gather and at most one mix, and its gradient goes
to the elements that sit at those positions, through sort's derivative. Along a named
dimension (reduced alone) the positions are computed from its size when the function runs, by
the same arithmetic on a node, and the values taken with an index node: the graph is then a
sort, two gathers and a mix, whose weights are nodes too. A named dimension empty when the
function runs raises IndexError there (as NumPy's quantile; NumPy's median gives nan).

Each of NumPy's methods (Hyndman and Fan's nine definitions and NumPy's four discrete ones)
is the position it picks for ``n`` sorted values: :func:`positions`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from ..ir import Node, format_shape
from .base import _holds_node, as_node, const, dim_size, no_out, normalize_axes
from .elementwise import astype, equal, isnan, logical_not, maximum, where
from .layout import moveaxis
from .reduce import _keepdims, mean, sum
from .selection import sort, take_along_axis
from .shape import reshape, take, transpose

# the continuous methods: virtual index n*q + alpha + q*(1 - alpha - beta) - 1 (0-based),
# Hyndman and Fan's definitions 4 to 9
_CONTINUOUS = {
    "interpolated_inverted_cdf": (0.0, 1.0),
    "hazen": (0.5, 0.5),
    "weibull": (0.0, 0.0),
    "linear": (1.0, 1.0),
    "median_unbiased": (1 / 3, 1 / 3),
    "normal_unbiased": (3 / 8, 3 / 8),
}
# methods whose result is one of the values (the input's dtype), and those that mix two
_DISCRETE = ("inverted_cdf", "closest_observation", "lower", "higher", "nearest")
METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           *_CONTINUOUS, "lower", "higher", "midpoint", "nearest")


def positions(method: str, n: Any, q: np.ndarray) -> tuple[Any, Any, Any]:
    """For ``n`` sorted values and quantiles ``q`` in [0, 1]: the positions ``lo`` and
    ``hi = lo + 1`` (clipped to the last) and the weight ``g`` of ``hi`` in the result.

    ``n`` is an int, and the results are arrays; or the size of a named dimension as a node in
    ``q``'s dtype (a Python int is weak, as in NumPy: its products with ``q`` round in ``q``'s
    dtype), and the results are nodes, built by NumPy's functions, which build symdiff's on
    nodes (``g`` stays an array of zeros for the methods that pick one value)."""
    nq = n * q
    g = np.zeros(q.shape)
    if method == "linear":
        v = (n - 1) * q
        lo = np.floor(v)
        g = v - lo
    elif method in _CONTINUOUS:
        alpha, beta = _CONTINUOUS[method]
        # grouped as NumPy's, which rounds in q's dtype: float16 q is not associative
        v = np.clip(nq + (alpha + q * (1 - alpha - beta)) - 1, 0, n - 1)
        lo = np.floor(v)
        g = v - lo
    elif method in ("lower", "higher", "nearest", "midpoint"):
        v = (n - 1) * q
        lo = {"higher": np.ceil, "nearest": np.round}.get(method, np.floor)(v)
        if method == "midpoint":
            g = np.where(np.ceil(v) > lo, 0.5, 0.0)
    elif method == "inverted_cdf":  # the first value whose share of the values reaches q
        lo = np.ceil(nq) - 1
    elif method == "averaged_inverted_cdf":  # as inverted_cdf, averaging where it jumps
        step = nq == np.floor(nq)
        lo = np.where(step, nq - 1, np.ceil(nq) - 1)
        g = np.where(step & (nq > 0) & (nq < n), 0.5, 0.0)
    else:  # closest_observation: the nearest value, the even-numbered one at a tie
        j = np.floor(nq - 0.5)
        lo = np.where((nq - 0.5 == j) & (j % 2 == 0), j - 1, j)
    lo = np.clip(lo, 0, n - 1).astype(np.int64)
    return lo, np.minimum(lo + 1, n - 1).astype(np.int64), g


def _index_dtype(method: str, q: np.dtype) -> np.dtype:
    """The dtype of NumPy's virtual index, the position of a quantile among the sorted values:
    computed from q in q's dtype, the count and the method's constants being Python numbers
    (weak), so a float q keeps its dtype and an integer q stays integer where the constants
    are integers (``(n - 1) * q`` for linear; alpha and beta 0 or 1)."""
    if method in ("linear", "averaged_inverted_cdf", "interpolated_inverted_cdf", "weibull"):
        return np.result_type(q, 1)  # a boolean q counts as int64, as n * True does
    return np.result_type(q, 1.0)


def _quantile_dtype(op_name: str, method: str, values: np.dtype, q: np.dtype,
                    weak: bool) -> np.dtype:
    """The dtype of NumPy's quantile of ``values`` at a ``q`` of dtype ``q`` (``weak``: a Python
    int or float): the values' own where a method picks one of them, as linear does at integer
    positions (an integer q, 0 or 1); else that of the mix ``low + (high - low) * g``, with
    ``g`` in the index's dtype, or a Python float for a Python number q. NumPy cannot subtract
    booleans, and refuses to mix them."""
    index = _index_dtype(method, q)
    if method in _DISCRETE or (method == "linear" and index.kind in "iu"):
        return values
    if values.kind == "b":
        raise DTypeError(
            f"{op_name}: method={method!r} mixes two neighbouring values, which NumPy cannot do "
            "for dtype bool (it cannot subtract booleans); convert them first, as "
            f"{op_name}(x.astype(int), ...), or pick one of the values with method= one of "
            f"{', '.join(_DISCRETE)}"
        )
    return np.result_type(values, 0.0 if weak else index)


def _quantile(op_name: str, a: Any, q: Any, axis: Any, method: str, keepdims: Any,
              scale: float, mean_of_two: bool = False, skip_nan: bool = False) -> Node:
    """The one definition behind median, quantile and percentile (``q / scale`` in [0, 1]).
    With ``mean_of_two`` (median's) two values are averaged, not mixed: ``np.median`` takes the
    mean of the middle values, which is inf for [1, inf] where quantile's mix is inf - inf, nan,
    and in float32 for float16 values.

    With ``skip_nan`` (nanmedian's, nanquantile's) the NaNs, sorted last, are left out: the
    positions are computed from each slice's count of other values when the function runs, and
    the values taken from each slice at its own positions; a slice of NaNs alone gives nan. An
    input of no elements gives ``mean``'s nan (of the shape ``mean`` gives, whatever ``q``), as
    NumPy's nan functions return ``nanmean`` there."""
    keep = _keepdims(op_name, keepdims)
    if method not in METHODS:
        raise ValueError(f"{op_name}: method={method!r} is not one of {', '.join(METHODS)}")
    if isinstance(q, Node) or (isinstance(q, (list, tuple)) and _holds_node(q)):
        raise TypeError(f"{op_name}: q must be constant numbers (a number, a list or a NumPy array), "
                        "not an expression: the positions it picks are fixed when the graph is built")
    try:
        qs_given = np.asarray(q)
        # positions are computed in a float q's own dtype, as NumPy's (float32 rounds 15 * 0.3
        # to the tie 4.5, float64 widening of that q does not)
        qs = qs_given.astype(qs_given.dtype if qs_given.dtype.kind == "f" else np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{op_name}: q must be numbers, got {q!r} ({e})") from None
    if not np.all((qs >= 0) & (qs <= scale)):  # nan too
        bad = float(qs[~((qs >= 0) & (qs <= scale))].flat[0])
        raise ValueError(f"{op_name}: q must be in the range [0, {scale:g}], got {bad!r}")
    x = as_node(a)
    if x.dtype.kind == "c" and not mean_of_two:
        # np.median orders complex values by real part, then imaginary part; quantile refuses them
        raise DTypeError(f"{op_name}: a must be an array of real numbers, as NumPy's {op_name} "
                         f"requires, got {x.dtype}; take the {op_name} of real(x) or abs(x)")
    if mean_of_two:  # np.mean's dtype
        out = x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64)
    else:
        # NumPy's percentile takes q / 100 in q's dtype; a Python number q is weakly typed
        q_dtype = qs_given.dtype if scale == 1 else qs.dtype
        out = _quantile_dtype(op_name, method, x.dtype, q_dtype, type(q) in (int, float))
    if x.dtype.kind == "b":
        x = astype(x, np.int64)  # sorted as NumPy counts True: 1
    axes = normalize_axes(op_name, axis, x.ndim, lists=True)
    if skip_nan and 0 in x.shape:
        return mean(x, axes, keep)
    skip_nan = skip_nan and x.dtype.kind in "fc"  # other values hold no NaN
    reduced = [x.shape[k] for k in axes]
    named = [d for d in reduced if isinstance(d, str)]
    n: int | str = math.prod(d for d in reduced if isinstance(d, int))
    if named:
        # the values are sorted along one axis: that of the named dimension alone (others of
        # size 1 aside), whose size the positions are computed from when the function runs
        if len(named) > 1 or n != 1:
            raise NotImplementedError(
                f"{op_name}: axes {tuple(axes)} of {format_shape(x.shape)} would be sorted as one "
                f"axis of {' * '.join(map(str, reduced))} values, and a shape holds only ints and "
                f"dimension names, not arithmetic on them; take the {op_name} along the axis of "
                f"{named[0]!r} alone, or give {' and '.join(map(repr, named))} a static size"
            )
        n = named[0]
    elif n == 0 and mean_of_two:
        # np.median is the mean of the middle values, here of none: nan in mean's dtype, with
        # NumPy's RuntimeWarning (0 / 0) when it runs
        return mean(x, axes, keep)
    elif n == 0:  # NumPy's quantile indexes the last value, and raises IndexError
        raise ShapeError(f"{op_name}: the axes {tuple(axes)} of {format_shape(x.shape)} hold no "
                         f"values, and the {op_name} of no values is not defined")
    rest = [k for k in range(x.ndim) if k not in axes]
    rest_shape = tuple(x.shape[k] for k in rest)
    flat = reshape(transpose(x, [*rest, *axes]), (*rest_shape, n))
    s = sort(flat, axis=-1)  # NaNs last
    q01 = qs / scale
    counts: Node | None = None
    if skip_nan:  # positions among each slice's values that are not NaN, in q's dtype
        counts = reshape(sum(logical_not(isnan(flat)), -1), (*rest_shape, *(1,) * qs.ndim))
        lo, hi, g = positions(method, astype(counts, q01.dtype), q01)
        # a slice of NaNs alone (its positions -1) reads its first NaN, and gives nan below
        lo, hi = maximum(lo, 0), maximum(hi, 0)
    elif isinstance(n, str):  # positions computed when the function runs, in q's dtype
        lo, hi, g = positions(method, astype(dim_size(n), q01.dtype), q01)
    else:
        lo, hi, g = positions(method, n, q01)
        if qs.ndim == 0:
            lo, hi = int(lo), int(hi)
    known = not isinstance(g, Node)  # g numbers (else a node, computed when the function runs)

    def take_sorted(at: Any) -> Node:
        """The sorted values at positions ``at``: the reduced axis gone, q's axes last."""
        if counts is None:  # the same positions in every slice
            return take(s, at, axis=-1)
        at = reshape(at, (*rest_shape, qs.size))
        return reshape(take_along_axis(s, at, axis=-1), (*rest_shape, *qs.shape))

    low = take_sorted(lo)
    if known and not np.any(g):
        result = low
    elif mean_of_two:  # g is 0.5 for an even count: its two middle values
        wide = np.result_type(out, np.float32)  # np.mean's accumulator
        result = astype((astype(low, wide) + astype(take_sorted(hi), wide)) / 2, out)
        if not known:  # an odd count: the middle value itself (low + low may overflow)
            result = where(g > 0, result, astype(low, out))
    else:
        # as NumPy's mix: the difference in the values' own dtype (float16 rounds it, an
        # integer one wraps around), then the rest in the result's
        high = take_sorted(hi)
        d = astype(high - low, out)
        low, high = astype(low, out), astype(high, out)

        def weight(w: Any) -> Node:
            return const(w.astype(out)) if known else astype(w, out)

        upper = g >= 0.5  # from the nearer end, so that g = 1 gives s[hi]
        near_low = low + d * weight(np.where(upper, 0, g))
        near_high = high - d * weight(np.where(upper, 1 - g, 0))
        if known and (np.all(upper) or not np.any(upper)):
            result = near_high if np.all(upper) else near_low
        else:
            result = where(upper, near_high, near_low)
    result = astype(result, out)  # a value picked, in the result's dtype (bool kept bool)
    if counts is not None:  # a slice of NaNs alone: nan, as NumPy's (with a RuntimeWarning)
        result = where(equal(counts, 0), np.nan, result)
    elif x.dtype.kind in "fc":  # a nan anywhere in a slice makes its quantiles nan, as NumPy's
        last = reshape(take(s, -1, axis=-1), (*(x.shape[k] for k in rest), *(1,) * qs.ndim))
        # (a complex median is that last value, which sorts last for a nan in either part)
        result = where(isnan(last), astype(last, out) if x.dtype.kind == "c" else np.nan, result)
    if qs.ndim:
        result = moveaxis(result, list(range(len(rest), result.ndim)), list(range(qs.ndim)))
    if keep:
        kept = tuple(1 if k in axes else d for k, d in enumerate(x.shape))
        result = reshape(result, (*qs.shape, *kept))
    return result


def quantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: Any = False, *, weights: Any = None) -> Node:
    """The ``q``-th quantiles of ``a`` along ``axis`` (of all values when None), as
    ``np.quantile``: ``q`` (in [0, 1]) is a number or an array of them, whose axes come first
    in the result. Each of NumPy's ``method`` values is supported; the gradient goes to the
    values the quantile is taken from. The dtype is NumPy's: the values' where a method picks
    one of them (also linear at an integer ``q``), else that of mixing them at ``q``'s dtype
    (a Python number weakly typed); booleans cannot be mixed (DTypeError), as in NumPy.

    >>> sd.quantile(sd.var("x", shape=(5, 3)), [0.25, 0.75], axis=0).shape
    (2, 3)
    """
    no_out("quantile", out)
    if weights is not None:
        raise NotImplementedError("quantile: the argument 'weights' is not supported")
    return _quantile("quantile", a, q, axis, method, keepdims, 1.0)


def percentile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
               method: str = "linear", keepdims: Any = False, *, weights: Any = None
               ) -> Node:
    """The ``q``-th percentiles (``q`` in [0, 100]) of ``a`` along ``axis``, as
    ``np.percentile``: the quantiles at ``q / 100``.

    >>> sd.percentile(sd.var("x", shape=(5,)), 90).shape
    ()
    """
    no_out("percentile", out)
    if weights is not None:
        raise NotImplementedError("percentile: the argument 'weights' is not supported")
    return _quantile("percentile", a, q, axis, method, keepdims, 100.0)


def median(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
           keepdims: Any = False) -> Node:
    """The median along ``axis`` (of all values when None), as ``np.median``: the middle value,
    or the mean of the two middle values for an even count; the gradient goes to them.

    >>> sd.median(sd.var("x", shape=(4, 3)), axis=1).shape
    (4,)
    """
    no_out("median", out)
    return _quantile("median", a, 0.5, axis, "linear", keepdims, 1.0, mean_of_two=True)
