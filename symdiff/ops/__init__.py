"""The op library: every public function by name, and the operator sugar installed on Node.

``FUNCTIONS`` is the one registry of user-callable names; the parser, the printers and the
public package read it. NumPy's ``linalg`` functions are registered as ``"linalg.<name>"``.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import math
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from ..ir import Node
from . import (
    bitwise, creation, diagonals, differences, functional, layout, linalg, nanfunctions, nn, numeric, order,
    polynomial, reduce, scan, selection, shape, special, special_scipy, statistics,
)
from . import elementwise as ew
from .bessel import j0, j1, k0, k0e, k1, k1e, y0, y1
from .bitwise import bitwise_and, bitwise_or, bitwise_xor, gcd, invert, lcm, left_shift, right_shift
from .base import (
    HELPERS, Const, DimSize, Var, as_node, const, dim_size, normalize_axes, shape_text, symbols, var,
)
from .creation import eye, geomspace, identity, linspace, logspace, tri
from .diagonals import diag, diagflat, diagonal, diagonal_embed, trace, tril, triu
from .elementwise import (
    abs, add, astype, cos, divide, equal, exp, expm1, greater, greater_equal, isfinite, isinf,
    isnan, less, less_equal, log, log1p, logcosh, logical_and, logical_not, logical_or, logical_xor, mask_operator, maximum, minimum,
    multiply, negative, not_equal, power, relu, sigmoid, sign, sin, softplus, sqrt, stop_gradient,
    subtract, tan, tanh, where,
)
from .layout import (
    append, array_split, atleast_1d, atleast_2d, atleast_3d, broadcast_arrays, column_stack, delete, diff,
    block, dsplit, dstack, flip, fliplr, flipud, hsplit, hstack, insert, meshgrid, moveaxis, pad, ravel, repeat,
    resize, roll, rollaxis, rot90, split, squeeze, tile, trapezoid, unstack, vsplit, vstack,
)
from .differences import ediff1d, gradient, unwrap
from .functional import apply_along_axis, apply_over_axes, piecewise
from .polynomial import poly, polyadd, polyder, polyint, polymul, polysub, vander
from .nanfunctions import (
    nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmedian, nanmin, nanpercentile,
    nanprod, nanquantile, nanstd, nansum, nanvar,
)
from .nn import log_softmax, one_hot, softmax
from .order import median, percentile, quantile
from .numeric import (
    angle, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, cbrt, ceil, clip, conj, conjugate,
    copysign, cosh, deg2rad, divmod, exp2, fabs, float_power, floor, floor_divide, fmax, fmin, fmod, frexp,
    heaviside, hypot, imag, iscomplex, isclose, isneginf, isposinf, isreal, ldexp, log2, log10,
    logaddexp, logaddexp2, mod, modf, nan_to_num, nextafter, positive, rad2deg, real, reciprocal, rint,
    round, signbit, sinc, sinc_derivative, sinh, spacing, square, trunc,
)
from .products import (
    convolve, correlate, cross, dot, einsum, inner, kron, matmul, matrix_transpose, matvec, outer, polyval,
    tensordot, vdot, vecdot, vecmat,
)
from .reduce import (
    all, allclose, any, average, count_nonzero, logsumexp, max, mean, min, prod, ptp, std, sum, sum_to,
    variance,
)
from .scan import cummax, cummin, cumprod, cumsum, cumulative_prod, cumulative_sum, linear_recurrence
from .selection import (
    add_along_axis, argmax, argmin, argpartition, argsort, choose, compress, digitize, extract, interp, isin,
    partition, searchsorted, select, sort, sort_complex, take_along_axis,
)
from .shape import (
    arange, broadcast_to, concatenate, expand_dims, full, full_like, index, index_add, ones,
    ones_like, reshape, stack, swapaxes, take, transpose, zeros, zeros_like,
)
from .statistics import corrcoef, cov
from .special import (
    beta, betaln, boxcox, digamma, entr, erf, erfc, erfcinv, erfinv, gamma, gammaln, i0, i0e, i1, i1e,
    inv_boxcox, kl_div, log_expit, log_ndtr, logit, ndtr, ndtri, polygamma, rel_entr, xlog1py, xlogy,
)
from .special_scipy import (
    cosm1, ellipe, ellipk, erfcx, exp10, gammainc, gammaincc, huber, lambertw, loggamma, multigammaln, powm1,
    pseudo_huber,
)

FUNCTIONS: dict[str, Any] = {
    f.__name__: f
    for f in (
        # elementwise
        abs, add, angle, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, astype, bitwise_and,
        bitwise_or, bitwise_xor, cbrt, ceil,
        clip, conj, conjugate, copysign, cos, cosh, deg2rad, digamma, divide, divmod, equal, erf, erfc, exp,
        exp2, expm1, fabs, float_power, floor, floor_divide, fmax, fmin, fmod, frexp, gamma, gammaln, gcd,
        greater, greater_equal, heaviside, hypot, i0, i0e, i1, i1e, imag, invert, iscomplex, isclose, isfinite, isinf,
        isnan, isneginf, isposinf, isreal, lcm, ldexp, left_shift, less,
        less_equal, log, log10, log1p, log2, logaddexp, logaddexp2, logcosh, logical_and, logical_not,
        logical_or, logical_xor, maximum, minimum, mod, modf,
        multiply, nan_to_num, negative, nextafter, not_equal, polygamma, positive, power, rad2deg, real,
        reciprocal, relu, rint, right_shift, round, sigmoid, sign, signbit, sin, sinc, sinc_derivative,
        sinh, softplus, spacing, sqrt, square,
        stop_gradient, subtract, tan, tanh, trunc, where,
        # SciPy's special functions
        beta, betaln, boxcox, entr, erfcinv, erfinv, inv_boxcox, kl_div, log_expit, log_ndtr, logit,
        ndtr, ndtri, rel_entr, xlog1py, xlogy,
        cosm1, ellipe, ellipk, erfcx, exp10, gammainc, gammaincc, huber, lambertw, loggamma, multigammaln,
        powm1, pseudo_huber,
        j0, j1, y0, y1, k0, k1, k0e, k1e,
        # reductions and scans
        all, allclose, any, average, count_nonzero, cummax, cummin, cumprod, cumsum, cumulative_prod, cumulative_sum,
        linear_recurrence, logsumexp, max, mean, min, prod, ptp, std, sum, variance,
        # NaN-ignoring reductions and scans
        nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmedian, nanmin,
        nanpercentile, nanprod, nanquantile, nanstd, nansum, nanvar,
        # statistics
        corrcoef, cov,
        # order statistics
        median, percentile, quantile,
        # neural-network functions
        log_softmax, one_hot, softmax,
        # shape and selection
        add_along_axis, arange, argmax, argmin, argsort, array_split, atleast_1d, atleast_2d,
        atleast_3d, broadcast_to, column_stack, concatenate, diag, diagonal, diagonal_embed, diff,
        dsplit, expand_dims, flip, fliplr, flipud, full_like, hsplit, hstack, index_add, moveaxis, pad, ravel, repeat, reshape, roll, sort, split,
        matrix_transpose, squeeze, stack, swapaxes, take, take_along_axis, tile, trace, transpose,
        tril, triu,
        ones_like, trapezoid, vsplit, vstack, zeros_like,
        append, delete, insert, interp, meshgrid, rot90, searchsorted,
        block, broadcast_arrays, choose, compress, resize, diagflat, digitize, dstack, extract, rollaxis, select, unstack,
        argpartition, isin, partition, sort_complex,
        # calling the user's functions
        apply_along_axis, apply_over_axes, piecewise,
        # finite differences
        ediff1d, gradient, unwrap,
        # array creation
        eye, full, geomspace, identity, linspace, logspace, ones, tri, zeros,
        # products
        convolve, correlate, cross, dot, einsum, inner, kron, matmul, matvec, outer, polyval, tensordot, vdot,
        vecdot, vecmat,
        # polynomials as coefficient arrays
        polyadd, polyder, polyint, polymul, polysub, vander,
        poly,
    )
}
FUNCTIONS.update({
    f"linalg.{f.__name__}": f
    for f in (linalg.cholesky, linalg.cond, linalg.cross, linalg.det, linalg.det_derivative,
              linalg.diagonal, linalg.eigh, linalg.eigvalsh, linalg.inv, linalg.inv_or_nan,
              linalg.matmul,
              linalg.matrix_norm, linalg.matrix_power, linalg.matrix_rank, linalg.matrix_transpose,
              linalg.multi_dot, linalg.norm, linalg.outer, linalg.slogdet, linalg.solve,
              linalg.lstsq, linalg.pinv, linalg.qr, linalg.svd, linalg.svdvals, linalg.tensordot,
              linalg.tensorinv, linalg.tensorsolve, linalg.trace, linalg.vecdot, linalg.vector_norm)
})
# NumPy's other names for the same functions (np.asin is np.arcsin, np.absolute is np.abs):
# NumPy 2's short names (the array API's) and the older long ones. One more key for the same
# function, so the parser and ``sd.asin`` accept them while printing keeps the name above (the
# op's own name).
ALIASES: dict[str, str] = {
    "acos": "arccos", "acosh": "arccosh", "asin": "arcsin", "asinh": "arcsinh", "atan": "arctan",
    "atan2": "arctan2", "atanh": "arctanh", "pow": "power", "concat": "concatenate",
    "permute_dims": "transpose", "absolute": "abs", "true_divide": "divide", "remainder": "mod",
    "bitwise_not": "invert", "bitwise_invert": "invert", "bitwise_left_shift": "left_shift",
    "bitwise_right_shift": "right_shift",
}
FUNCTIONS.update({alias: FUNCTIONS[name] for alias, name in ALIASES.items()})
# the same names as module attributes, spelled out for type checkers (tests check they agree)
acos, acosh, asin, asinh = arccos, arccosh, arcsin, arcsinh
atan, atan2, atanh = arctan, arctan2, arctanh
pow = power  # noqa: A001 - NumPy's name
concat, permute_dims = concatenate, transpose
absolute, true_divide, remainder = abs, divide, mod
bitwise_not = bitwise_invert = invert
bitwise_left_shift, bitwise_right_shift = left_shift, right_shift


def _transpose_method(self: Node, *axes: Any) -> Node:
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return transpose(self, axes or None)


def _pow(self: Node, other: Any, modulo: Any = None) -> Node:
    if modulo is not None:
        raise NotImplementedError("pow() with a modulus is not supported")
    return power(self, other)


def _size(self: Node) -> int | Node:
    """The number of elements: an int for a static shape, else an int64 expression of the
    named dimensions' sizes (``x.sum() / x.size`` works for either)."""
    static = math.prod(d for d in self.shape if isinstance(d, int))
    named = [dim_size(d) for d in self.shape if not isinstance(d, int)]
    if not named:
        return static
    n = named[0]
    for d in named[1:]:
        n = n * d
    return n * static if static != 1 else n


def _conj_method(self: Node) -> Node:
    """``ndarray.conj``: the conjugate of a complex array, any other array itself (booleans stay
    booleans, where the function ``np.conj`` of them gives int8)."""
    return self if self.dtype.kind == "b" else conj(self)


def _copy(self: Node, order: str = "K") -> Node:
    """The expression itself: it is immutable, so a copy could never differ from it."""
    return self


# One table: Python's operator protocol and ndarray's methods -> symdiff function.
# (ndarray.sort sorts in place; here, as every method, it returns a new node.)
_SUGAR: dict[str, Any] = {
    "__add__": add,
    "__radd__": lambda s, o: add(o, s),
    "__sub__": subtract,
    "__rsub__": lambda s, o: subtract(o, s),
    "__mul__": multiply,
    "__rmul__": lambda s, o: multiply(o, s),
    "__truediv__": divide,
    "__rtruediv__": lambda s, o: divide(o, s),
    "__floordiv__": floor_divide,
    "__rfloordiv__": lambda s, o: floor_divide(o, s),
    "__mod__": mod,
    "__rmod__": lambda s, o: mod(o, s),
    "__divmod__": divmod,
    "__rdivmod__": lambda s, o: divmod(o, s),
    "__pow__": _pow,
    "__rpow__": lambda s, o: power(o, s),
    "__matmul__": matmul,
    "__rmatmul__": lambda s, o: matmul(o, s),
    "__neg__": negative,
    "__pos__": positive,
    "__abs__": abs,
    "__round__": lambda s, ndigits=None: round(s, ndigits or 0),
    "__lt__": less,
    "__le__": less_equal,
    "__gt__": greater,
    "__ge__": greater_equal,
    "__eq__": equal,
    "__ne__": not_equal,
    "__and__": mask_operator("&", logical_and),
    "__rand__": lambda s, o: mask_operator("&", logical_and)(o, s),
    "__or__": mask_operator("|", logical_or),
    "__ror__": lambda s, o: mask_operator("|", logical_or)(o, s),
    "__xor__": mask_operator("^", logical_xor),
    "__rxor__": lambda s, o: mask_operator("^", logical_xor)(o, s),
    "__invert__": mask_operator("~", logical_not),
    "__lshift__": left_shift,
    "__rlshift__": lambda s, o: left_shift(o, s),
    "__rshift__": right_shift,
    "__rrshift__": lambda s, o: right_shift(o, s),
    "__getitem__": index,
    "T": property(lambda s: transpose(s)),
    "size": property(_size),
    "mT": property(lambda s: swapaxes(s, -1, -2)),
    "real": property(lambda s: real(s)),
    "imag": property(lambda s: imag(s)),
    "all": all,
    "any": any,
    "argmax": argmax,
    "argmin": argmin,
    "argsort": argsort,
    "astype": astype,
    "clip": clip,
    "conj": _conj_method,
    "conjugate": _conj_method,
    "copy": _copy,
    "cumprod": cumprod,
    "cumsum": cumsum,
    "diagonal": diagonal,
    "dot": dot,
    "flatten": ravel,
    "max": max,
    "mean": mean,
    "min": min,
    "prod": prod,
    "ravel": ravel,
    "repeat": repeat,
    "reshape": reshape,
    "round": round,
    "searchsorted": searchsorted,
    "sort": sort,
    "squeeze": squeeze,
    "std": std,
    "sum": sum,
    "swapaxes": swapaxes,
    "take": take,
    "trace": trace,
    "transpose": _transpose_method,
    "var": variance,
}
for _name, _fn in _SUGAR.items():
    setattr(Node, _name, _fn)

# The ndarray methods and properties (``x.sum(axis=0)``, ``x.T``) by name: the parser reads
# ``expr.name(...)`` and ``expr.T`` through this table only, never through getattr.
METHODS: dict[str, Any] = {k: v for k, v in _SUGAR.items() if not k.startswith("__")}

# -- NumPy's dispatch protocols: np.exp(expr), np.sum(expr), np.linalg.norm(expr), ndarray + expr ---
# A NumPy ufunc or function given an expression calls the symdiff function of the same name, so
# code written with np.* builds a graph when it is given variables. In-place arithmetic on an
# ndarray (acc += expr) rebinds the name to the expression, as it would for any Python number.

# NumPy's names that symdiff spells otherwise (np.amax, np.around, np.degrees and np.fix are
# other functions of NumPy's with the arguments and values of max, round, rad2deg and trunc, not
# the same objects, so they are no aliases)
_NUMPY_NAMES = {"var": "variance", "amax": "max", "amin": "min", "around": "round",
                "degrees": "rad2deg", "radians": "deg2rad", "fix": "trunc",
                # an array of any values: zeros are as good as any
                "empty_like": "zeros_like",
                # SciPy's ufuncs by their own names: scipy.special.digamma is the ufunc "psi"
                "psi": "digamma", "expit": "sigmoid",
                # scipy.special.lambertw(z, k, tol) calls the ufunc _lambertw(z, k, tol)
                "_lambertw": "lambertw"}
_UFUNC_METHODS = {("add", "reduce"): sum, ("multiply", "reduce"): prod, ("maximum", "reduce"): max,
                  ("minimum", "reduce"): min, ("logical_and", "reduce"): all,
                  ("logical_or", "reduce"): any, ("add", "accumulate"): cumsum,
                  ("multiply", "accumulate"): cumprod,
                  ("maximum", "accumulate"): cummax, ("minimum", "accumulate"): cummin, ("logaddexp", "reduce"): logsumexp}


def _outer(fn: Any, a: Any, b: Any) -> Node:
    """A binary ufunc's ``outer``: ``f(a[..., None, ...], b)``, every pair of elements, a's axes
    first (NumPy's ``np.add.outer(a, b)``)."""
    a, b = as_node(a), as_node(b)
    return fn(reshape(a, (*a.shape, *(1,) * b.ndim)), b)


_UFUNC_KEYWORDS = {"vecdot": ("axis",)}  # matvec and vecmat take axes= only: refused by name


def _np_size(a: Any, axis: Any = None) -> int | Node:
    """``np.size``: the number of elements, of the whole array or along an axis or a tuple of
    axes (NumPy 2.4's), an int or an int64 expression of named dimensions as ``x.size``."""
    x = as_node(a)
    if axis is None:
        return _size(x)
    sizes = [x.shape[k] for k in normalize_axes("np.size", axis, x.ndim, lists=True)]
    static = math.prod(d for d in sizes if isinstance(d, int))
    named = [dim_size(d) for d in sizes if not isinstance(d, int)]
    n = named[0] if named else static
    for d in named[1:]:
        n = n * d
    return n * static if named and static != 1 else n


# NumPy's functions that ask only about dtypes and shapes, which an expression has from the
# moment it is built: NumPy answers them for an array of its dtype and shape (no values read).
# Those of dtypes alone take any stand-in shape; those of shapes need every size known.
_DTYPE_QUERIES = frozenset({"result_type", "can_cast", "common_type", "iscomplexobj",
                            "isrealobj"})
_SHAPE_QUERIES = frozenset({"einsum_path", "diag_indices_from", "tril_indices_from",
                            "triu_indices_from"})


def _stand_in(name: str, a: Any) -> Any:
    """A NumPy array of expression ``a``'s dtype and shape (one element repeated, so no memory
    for its size) for NumPy to answer query ``name`` about; anything else as it is."""
    if not isinstance(a, Node):
        return a
    named = [d for d in a.shape if not isinstance(d, int)]
    if named and name in _SHAPE_QUERIES:
        raise TypeError(f"np.{name}: the expression's shape {shape_text(a.shape)} has named "
                        f"dimensions, whose sizes are known only when the graph runs; give "
                        f"them sizes (sd.var(name, shape=(3, 4)))")
    shape = tuple(d if isinstance(d, int) else 1 for d in a.shape)  # a dtype query: any size
    return np.broadcast_to(np.zeros((), a.dtype), shape)


def _metadata_query(name: str) -> Any:
    query = getattr(np, name)

    def answer(*args: Any, **kwargs: Any) -> Any:
        return query(*(_stand_in(name, a) for a in args),
                     **{k: _stand_in(name, v) for k, v in kwargs.items()})
    return answer


def _min_scalar_type(a: Any) -> np.dtype:
    """NumPy's ``min_scalar_type``: an array's own dtype, but of a 0-d one the smallest dtype
    holding its value, which a graph is built without."""
    x = as_node(a)
    if x.ndim == 0:
        raise TypeError("np.min_scalar_type: of a 0-d array it is the smallest dtype holding the "
                        "value, which a graph is built without; x.dtype is the expression's dtype")
    return x.dtype


def _real_if_close(a: Any, tol: Any = 100) -> Node:
    """NumPy's ``real_if_close``: a real array itself; of a complex one the dtype depends on
    the values, which a graph is built without."""
    x = as_node(a)
    if x.dtype.kind == "c":
        raise TypeError("np.real_if_close: of complex values its dtype depends on the values "
                        "(real where every imaginary part is within tol of 0), which a graph "
                        "is built without; use np.real(x) where the imaginary parts are known "
                        "to be negligible, or keep x complex")
    return x


_NUMPY_QUERIES = {"shape": lambda a: as_node(a).shape, "ndim": lambda a: as_node(a).ndim,
                  "size": _np_size, "copy": lambda a, order="K", subok=False: as_node(a),
                  "min_scalar_type": _min_scalar_type, "real_if_close": _real_if_close,
                  **{name: _metadata_query(name) for name in _DTYPE_QUERIES | _SHAPE_QUERIES}}

_CHANGES_IN_PLACE = ("changes its first argument in place, which an expression (immutable, and "
                     "no NumPy array) cannot take part in")
# NumPy's functions that write into an array, each refused with the expression of the array
# it makes
IN_PLACE: dict[str, str] = {
    "fill_diagonal": "sd.where(sd.eye(n, m, dtype=bool), val, a) is the array it makes of a 2-d "
                     "a of shape (n, m), or a + sd.diagonal_embed(val - sd.diagonal(a), a.shape)",
    "put_along_axis": "arr + sd.add_along_axis(values - sd.take_along_axis(arr, indices, axis), "
                      "indices, arr.shape, axis) is the array it makes where no index repeats",
    "put": "sd.where(mask, v, a) with a constant boolean mask of the positions is the array it "
           "makes, or a + sd.index_add(v - a.ravel()[ind], (a.size,), ind).reshape(a.shape) "
           "where no index repeats",
    "place": "sd.where(mask, v, arr) is the array it makes, v holding the new values at the "
             "masked positions of arr's shape",
    "putmask": "sd.where(mask, values, a) is the array it makes, values of a's shape "
               "(np.putmask repeats a shorter one)",
    "copyto": "src itself (broadcast to dst's shape), or sd.where(where, src, dst) with a mask, "
              "is the array it makes",
}
# NumPy's functions whose result (a Python bool) depends on the values
_VALUE_ANSWERS: dict[str, str] = {
    "array_equal": "sd.all(a1 == a2) is the 0-d boolean expression of arrays of one shape (with "
                   "equal_nan, sd.all((a1 == a2) | (sd.isnan(a1) & sd.isnan(a2))))",
    "array_equiv": "sd.all(a1 == a2) is the 0-d boolean expression, the two broadcast",
}


def refused(name: str) -> str | None:
    """Why NumPy's function ``name`` takes no expressions when it writes into an array or
    answers a Python bool of the values, with what to write instead; None for other names."""
    if name in IN_PLACE:
        return f"it {_CHANGES_IN_PLACE}; {IN_PLACE[name]}"
    if name in _VALUE_ANSWERS:
        return (f"its result is a Python bool of the values, which a graph is built without; "
                f"{_VALUE_ANSWERS[name]}")
    return None


# NumPy's functions whose result's shape depends on the values, which no graph built before
# they are known can have: each refused with what to write instead
VALUE_SHAPED: dict[str, str] = {
    "nonzero": "a boolean mask with where(mask, x, 0), or constant positions (np.nonzero of a "
               "NumPy array) to index with",
    "argwhere": "a boolean mask with where(mask, x, 0), or constant positions (np.argwhere of a "
                "NumPy array) to index with",
    "flatnonzero": "a boolean mask with where(mask, x, 0), or constant positions (np.flatnonzero "
                   "of a NumPy array) to index with",
    "unique": "sort, with equal neighbours found by diff(sort(x)) == 0 as a mask",
    "unique_values": "sort, with equal neighbours found by diff(sort(x)) == 0 as a mask",
    "unique_counts": "sort, with equal neighbours found by diff(sort(x)) == 0 as a mask",
    "unique_inverse": "sort and argsort",
    "unique_all": "sort and argsort",
    "trim_zeros": "a constant slice, or where(x != 0, x, 0) to keep the shape",
    "bincount": "one_hot(x, length).sum(axis=0) (with weights: weights @ one_hot(x, length)), "
                "whose length is given",
    "intersect1d": "isin(a, b) as a mask, with where(isin(a, b), a, fill) to keep the shape",
    "union1d": "concatenate and sort, with equal neighbours found by diff(sort(x)) == 0 as a mask",
    "setdiff1d": "isin(a, b, invert=True) as a mask, with where(mask, a, fill) to keep the shape",
    "setxor1d": "isin(a, b, invert=True) and isin(b, a, invert=True) as masks",
}


def value_shaped(name: str) -> str | None:
    """Why function ``name`` has no symdiff counterpart when its result's shape depends on the
    values (``nonzero``, ``unique``, ...), with what to write instead; None for other names."""
    if name not in VALUE_SHAPED:
        return None
    return (f"the shape of its result depends on the values, which a graph is built without; "
            f"use {VALUE_SHAPED[name]}")


def _numpy_counterpart(name: str, label: str | None = None) -> Any:
    fn = FUNCTIONS.get(_NUMPY_NAMES.get(name, name))
    if fn is None and name in VALUE_SHAPED:
        raise TypeError(f"np.{name}: {value_shaped(name)}")
    if fn is None and (why := refused(name)):
        raise TypeError(f"np.{name}: {why}")
    if fn is None:
        raise TypeError(f"{label or 'np.' + name} has no symdiff counterpart for symbolic "
                        "expressions (sd.FUNCTIONS lists the functions)")
    return fn


def _ufunc_label(ufunc: Any) -> str:
    """NumPy's ufuncs as np.<name>; another library's (SciPy's) by its ufunc's name alone, as
    the name it was called by is not known (scipy.special.digamma is the ufunc 'psi')."""
    name = ufunc.__name__
    return f"np.{name}" if getattr(np, name, None) is ufunc else f"the ufunc {name!r}"


def _moot(key: str, value: Any) -> bool:
    """Whether a ufunc keyword asks for nothing: its default, or a memory layout (the values
    are the same in any); the others are refused by name."""
    if key == "order":
        return isinstance(value, str) and value in ("K", "A", "C", "F")
    if key == "subok":
        return isinstance(value, bool)
    if key in ("dtype", "signature"):
        return value is None
    if key == "where":
        return value is True
    return key == "casting" and isinstance(value, str) and value == "same_kind"


def _in_place(label: str, name: str) -> str:
    """Why ``ufunc.at(a, indices, b)`` is refused, and for add and subtract the expression of the
    array it makes (index_add sums repeated indices as ``np.add.at`` does)."""
    why = f"{label}.at {_CHANGES_IN_PLACE}"
    op = {"add": "+", "subtract": "-"}.get(name)
    if op is None:
        return f"{why}; build the array it makes with sd.where or sd.index_add"
    return (f"{why}; a {op} sd.index_add(b, a.shape, indices) is the array it makes (repeated "
            "indices add up, as JAX's a.at[indices].add(b))")


def _written_into(label: str, result: Any, out: tuple[Any, ...]) -> Any:
    """What NumPy leaves in ``out``, one of the inputs (``acc += expr`` is ``np.add(acc, expr,
    out=(acc,))``): the result in out's dtype, cast under casting='same_kind' as NumPy casts
    it, and of out's shape, which the result may not broadcast beyond."""
    results = result if isinstance(result, tuple) else (result,)
    written = []
    for r, o in zip(results, out):
        shape, dtype = o.shape, o.dtype  # an ndarray's or an expression's
        if len(r.shape) != len(shape) or builtins.any(
                a != b for a, b in zip(r.shape, shape) if isinstance(a, int) and isinstance(b, int)):
            raise ShapeError(f"{label}: the result's shape {shape_text(r.shape)} is not "
                             f"out={shape_text(shape)}, into which NumPy writes it in place (as "
                             f"`a += expr` does); write a = a + expr for a new array")
        if r.dtype != dtype:
            if not np.can_cast(r.dtype, dtype, "same_kind"):
                raise DTypeError(f"{label}: cannot cast the result from {r.dtype} to out=({dtype}) "
                                 f"under casting='same_kind', as NumPy refuses (`a += expr` writes "
                                 f"into a); write a = a + expr for an array of the result's dtype")
            r = astype(r, dtype)
        written.append(r)
    return tuple(written) if isinstance(result, tuple) else written[0]


def _array_ufunc(self: Node, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    out = kwargs.get("out")
    result = _ufunc_result(ufunc, method, *inputs, **kwargs)
    return result if out is None else _written_into(_ufunc_label(ufunc), result, out)


def _ufunc_result(ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    name = ufunc.__name__
    label = _ufunc_label(ufunc)
    if method == "__call__":
        kwargs = {k: v for k, v in kwargs.items() if not _moot(k, v)}
    out = kwargs.pop("out", None)
    if out is not None and not builtins.all(builtins.any(o is i for i in inputs) for o in out):
        raise TypeError(f"{label}: out= cannot hold a symbolic result; use the expression "
                        "it returns")
    if method == "__call__":
        # NumPy 2's generalized ufuncs take the axis of their core dimension by keyword
        passed = {k: kwargs.pop(k) for k in _UFUNC_KEYWORDS.get(name, ()) if k in kwargs}
        if kwargs:
            raise TypeError(f"{label}: {', '.join(f'{k}=' for k in sorted(kwargs))} is not "
                            "supported with symbolic expressions")
        return _numpy_counterpart(name, label)(*inputs, **passed)
    fn = _UFUNC_METHODS.get((name, method))
    if method == "outer" and ufunc.nin == 2 and ufunc.nout == 1:
        if kwargs:
            raise TypeError(f"{label}.outer: {', '.join(f'{k}=' for k in sorted(kwargs))} is not "
                            "supported with symbolic expressions")
        return _outer(_numpy_counterpart(name, label), *inputs)
    if method == "at":
        raise TypeError(_in_place(label, name))
    if fn is None:
        raise TypeError(f"{label}.{method} is not supported with symbolic expressions"
                        if label.startswith("np.") else
                        f"{label}: {method} is not supported with symbolic expressions")
    kwargs.setdefault("axis", 0)  # NumPy's default for reduce and accumulate
    return fn(*inputs, **kwargs)


# NumPy's submodules by the names users write them with (np.emath is numpy.lib.scimath)
_SUBMODULES = {"numpy.lib.scimath": "np.emath"}
_DFT = ("symdiff has no FFT; a discrete Fourier transform is a product with a constant matrix: "
        "np.exp(-2j * np.pi * np.outer(k, k) / n) @ x with k = np.arange(n) is np.fft.fft(x) of "
        "a length-n x (the inverse conjugates the matrix and divides by n; O(n**2))")


def _submodule_function(module: str, name: str) -> TypeError:
    """The error for a function of one of NumPy's submodules other than linalg (np.fft.fft,
    np.emath.sqrt, np.strings.multiply): none is the symdiff function of the same name."""
    label = f"{_SUBMODULES.get(module, 'np' + module[len('numpy'):])}.{name}"
    if module == "numpy.lib.scimath":
        return TypeError(
            f"{label}: its result is complex where an input is out of the real domain, a dtype "
            f"that depends on the values, which a graph is built without; use "
            f"np.{name}(x.astype(complex), ...) for the complex values, or np.{name}(x, ...) "
            f"for the real ones")
    if module == "numpy.fft" and "fft" in name and not name.endswith(("shift", "freq")):
        return TypeError(f"{label}: {_DFT}")
    return TypeError(f"{label} has no symdiff counterpart for symbolic expressions "
                     "(sd.FUNCTIONS lists the functions)")


@functools.cache
def _parameters(fn: Any) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """A function's positional parameters in order and the names of all it takes, or None
    where they are not known (a C function) or positions run on (``*args``)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    if builtins.any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return (tuple(p.name for p in params if p.kind in positional),
            frozenset(p.name for p in params))


def _as_numpy_reads(fn: Any, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
                    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """NumPy's ``func(*args, **kwargs)`` as arguments of symdiff's ``fn``: the array given by
    NumPy's name for it (``np.sum(a=x)``) goes first, and the positional arguments from one
    that ``fn`` takes at another position on go by NumPy's names (np.sum's third is dtype,
    sd.sum's keepdims)."""
    theirs, ours = _parameters(func), _parameters(fn)
    if theirs is None or ours is None or not theirs[0]:
        return args, kwargs
    (numpy_order, _), (order, names) = theirs, ours
    first = numpy_order[0]
    if not args and first in kwargs and first not in names:
        kwargs = dict(kwargs)
        args = (kwargs.pop(first),)
    for k in range(1, builtins.min(len(args), len(numpy_order))):
        if k < len(order) and order[k] == numpy_order[k]:
            continue
        moved = numpy_order[k:len(args)]
        if builtins.all(n in names and n not in kwargs for n in moved):
            return args[:k], {**kwargs, **dict(zip(moved, args[k:]))}
        break
    return args, kwargs


def _array_function(self: Node, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    name = func.__name__
    module = getattr(func, "__module__", None) or "numpy"
    if module.startswith("numpy.linalg"):
        name = f"linalg.{name}"
    elif module != "numpy":
        raise _submodule_function(module, name)
    query = _NUMPY_QUERIES.get(name)
    if query:
        return query(*args, **kwargs)
    fn = _numpy_counterpart(name)
    args, kwargs = _as_numpy_reads(fn, func, tuple(args), kwargs)
    return fn(*args, **kwargs)


Node.__array_ufunc__ = _array_ufunc  # type: ignore[attr-defined]
Node.__array_function__ = _array_function  # type: ignore[attr-defined]


# ndarray's methods that change the array in place, each with the expression of what it makes
_IN_PLACE_METHODS = {
    "fill": "sd.full_like(x, value) is the array it makes",
    "put": "sd.where(mask, v, x) with a constant boolean mask of the positions is the array it "
           "makes, or x + sd.index_add(v - x.ravel()[ind], (x.size,), ind).reshape(x.shape) "
           "where no index repeats",
    "itemset": "sd.where(mask, value, x) with a constant boolean mask of the position is the "
               "array it makes",
    "resize": "np.resize(x, new_shape) is the array it makes (repeating x, where ndarray.resize "
              "pads with zeros: sd.pad(x.ravel(), (0, n - x.size)).reshape(new_shape))",
    "partition": "np.partition(x, kth, axis) is the array it makes",
    "setfield": "x.astype(...) converts values; symdiff has no structured dtypes",
    "setflags": "an expression has no memory of its own, so no flags to set",
    "byteswap": "an expression has no memory of its own, so no byte order to swap",
}
# ndarray's methods of the same name as a function symdiff has, and the call that builds each
_AS_FUNCTIONS = {"argpartition": "np.argpartition(x, kth, axis)",
                 "choose": "np.choose(x, choices)", "compress": "np.compress(condition, x, axis)"}


def _missing_attribute(self: Node, name: str) -> Any:
    """An ndarray attribute an expression does not have, refused saying why and what to write
    (Python calls this only for names the class lacks)."""
    if name.startswith("_") or not hasattr(np.ndarray, name):
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
    if name in _IN_PLACE_METHODS:
        why = (f"it changes the array in place, which an expression (immutable, and no NumPy "
               f"array) cannot; {_IN_PLACE_METHODS[name]}")
    elif name in VALUE_SHAPED:
        why = value_shaped(name)
    elif name in _AS_FUNCTIONS:
        why = f"not a method of expressions; {_AS_FUNCTIONS[name]} builds it"
    else:
        why = ("an expression is a node of a graph, not an array in memory; it has an array's "
               "shape, dtype, ndim and size, and sd.evaluate(expr, values) gives the array")
    raise AttributeError(f"ndarray.{name} of a symbolic expression: {why}")


Node.__getattr__ = _missing_attribute  # type: ignore[attr-defined]

__all__ = [
    "ALIASES", "FUNCTIONS", "HELPERS", "Const", "DimSize", "Var", "as_node", "const", "dim_size",
    "ew", "bessel",
    "bitwise", "creation", "diagonals", "differences", "functional", "layout", "linalg", "nanfunctions", "nn",
    "numeric", "order", "polynomial", "reduce", "scan", "selection", "shape", "special", "special_scipy",
    "statistics", "sum_to", "symbols", "var",
    *(name for name in FUNCTIONS if name.isidentifier()),  # linalg.<name> is reached as sd.linalg
]
