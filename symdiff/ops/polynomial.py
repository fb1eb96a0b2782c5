"""Polynomials as NumPy's coefficient arrays (highest power first): ``polyder``, ``polyint``,
``polyadd``, ``polysub``, ``polymul``, and ``vander``, the matrix of a vector's powers.

Each is NumPy's own arithmetic on the coefficients written in nodes (slices, products with
constant ranges, joins, ``convolve``, ``cumprod``), so the values and dtypes are NumPy's and
the derivatives in the coefficients come from those ops. ``polyval`` lives in :mod:`products`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..ir import Node, format_shape
from .base import as_node, index_int
from .elementwise import astype
from .layout import _array, _static, atleast_1d, flip
from .products import convolve
from .scan import cumprod
from .shape import broadcast_to, concatenate, full, index, reshape, stack


def _coefficients(op_name: str, p: Any) -> Node:
    c = atleast_1d(_array(p))
    if c.ndim != 1:
        raise ShapeError(f"{op_name}: coefficients must be a 1-d array (highest power first), got "
                         f"shape {format_shape(c.shape)}")
    _static(op_name, c, 0, "take the coefficients of")
    return c


def _order(op_name: str, m: Any, of: str) -> int:
    n = index_int(m)
    if n is None or isinstance(m, (bool, np.bool_)):
        raise TypeError(f"{op_name}: the order m must be an int, got {m!r}")
    if n < 0:
        raise ValueError(f"{op_name}: Order of {of} must be positive, got {n}")
    return n


def polyder(p: Any, m: Any = 1) -> Node:
    """The ``m``-th derivative of the polynomial with coefficients ``p``, as ``np.polyder``.

    >>> sd.polyder(sd.var("p", shape=(4,))).shape
    (3,)
    """
    c = _coefficients("polyder", p)
    for _ in range(_order("polyder", m, "derivative")):
        n = c.shape[0] - 1
        c = index(c, slice(None, -1)) * np.arange(n, 0, -1)
    return c


def polyint(p: Any, m: Any = 1, k: Any = None) -> Node:
    """The ``m``-th antiderivative of the polynomial with coefficients ``p``, the constants of
    integration ``k`` (one, or one per integration: expressions too), as ``np.polyint``.

    >>> sd.polyint(sd.var("p", shape=(3,)), k=2.0).shape
    (4,)
    """
    order = _order("polyint", m, "integral")
    if isinstance(k, (list, tuple)) and any(isinstance(c, Node) for c in k):
        constants = stack(list(k))  # constants that are expressions, in a list
    else:
        constants = atleast_1d(_array(np.zeros(order) if k is None else k))
    if constants.ndim != 1:
        raise ValueError("polyint: k must be a scalar or a rank-1 array of length 1 or >m.")
    if constants.shape[0] == 1 and order > 1:
        constants = broadcast_to(constants, (order,))
    if _static("polyint", constants, 0, "read constants along") < order:
        raise ValueError("polyint: k must be a scalar or a rank-1 array of length 1 or >m.")
    c = _coefficients("polyint", p)
    for j in range(order):
        c = concatenate([c / np.arange(c.shape[0], 0, -1), index(constants, slice(j, j + 1))], axis=0)
    return c


def _aligned(op_name: str, a1: Any, a2: Any) -> tuple[Node, Node]:
    """Both coefficient arrays, the shorter padded with leading zeros of its own dtype."""
    a, b = _coefficients(op_name, a1), _coefficients(op_name, a2)
    extra = b.shape[0] - a.shape[0]
    if extra > 0:
        a = concatenate([full((extra,), 0, a.dtype), a], axis=0)
    elif extra < 0:
        b = concatenate([full((-extra,), 0, b.dtype), b], axis=0)
    return a, b


def polyadd(a1: Any, a2: Any) -> Node:
    """The sum of two polynomials' coefficient arrays, aligned at the constant term, as
    ``np.polyadd``."""
    a, b = _aligned("polyadd", a1, a2)
    return a + b


def polysub(a1: Any, a2: Any) -> Node:
    """The difference of two polynomials' coefficient arrays, aligned at the constant term, as
    ``np.polysub``."""
    a, b = _aligned("polysub", a1, a2)
    return a - b


def polymul(a1: Any, a2: Any) -> Node:
    """The product of two polynomials: the convolution of their coefficients, as ``np.polymul``
    (constant coefficients without their leading zeros, as NumPy's ``poly1d`` reads them).

    >>> sd.polymul(sd.var("p", shape=(3,)), sd.var("q", shape=(2,))).shape
    (4,)
    """
    return convolve(*(_leading("polymul", a) for a in (a1, a2)))


def _leading(op_name: str, p: Any) -> Node:
    """Coefficients as NumPy's ``poly1d`` reads them: a constant array without its leading zeros
    (``[0]`` if all are). Those of an expression are taken whole, as its shape must be known when
    the graph is built; where a leading one is 0 when it runs, NumPy's result is shorter by as
    many (the same polynomial)."""
    if isinstance(p, Node):
        return _coefficients(op_name, p)
    c = np.atleast_1d(np.asarray(p))
    if c.ndim == 1:
        c = np.trim_zeros(c, "f")
        c = c if c.size else np.zeros(1, c.dtype)
    return _coefficients(op_name, c)


def poly(seq_of_zeros: Any) -> Node | float:
    """The coefficients of the monic polynomial with the given real roots, highest power first,
    as ``np.poly``: ``(x - r0)(x - r1)...`` multiplied out one root at a time with NumPy's own
    arithmetic (float32 roots stay float32, the rest give float64); no roots give NumPy's 1.0.
    Complex roots (NumPy's result is real only where they come in conjugate pairs, which
    depends on the values) and a matrix (whose eigenvalues NumPy takes) are refused.

    >>> sd.poly(sd.var("r", shape=(2,))).shape
    (3,)
    """
    roots = atleast_1d(_array(seq_of_zeros))
    if roots.ndim == 2 and roots.shape[0] == roots.shape[1] and roots.shape[0] != 0:
        raise TypeError("poly: of a matrix NumPy takes the roots to be its eigenvalues "
                        "(np.linalg.eigvals), which symdiff has not; of a symmetric matrix, "
                        "poly(linalg.eigvalsh(A)) is the same polynomial")
    if roots.ndim != 1:
        raise ValueError(f"poly: input must be 1d or non-empty square 2d array, got shape "
                         f"{format_shape(roots.shape)}")
    if roots.dtype.kind == "c":
        raise TypeError("poly: of complex roots NumPy's result is real where they come in "
                        "conjugate pairs, a dtype that depends on the values, which a graph is "
                        "built without; poly(r.real) for real roots")
    n = _static("poly", roots, 0, "take the roots of")
    if n == 0:
        return 1.0
    roots = astype(roots, "float32" if roots.dtype == np.float32 else "float64")
    a = full(1, 1, roots.dtype)
    zero = full(1, 0, roots.dtype)
    for k in range(n):  # a convolution with (1, -r): NumPy's two products, summed alike
        a = concatenate([a, zero]) - roots[k] * concatenate([zero, a])
    return a


def vander(x: Any, N: Any = None, increasing: bool = False) -> Node:  # noqa: N803 - NumPy's name
    """The Vandermonde matrix of a vector: its powers ``N - 1`` down to 0 as columns (up from 0
    with ``increasing``), as ``np.vander``, by NumPy's running products; of an integer or float
    vector at least int64 or float64.

    >>> sd.vander(sd.var("x", shape=(3,)), 4).shape
    (3, 4)
    """
    v = as_node(x)
    if v.ndim != 1:
        raise ShapeError(f"vander: x must be a one-dimensional array or sequence, got shape "
                         f"{format_shape(v.shape)}")
    columns = v.shape[0] if N is None else index_int(N)
    if columns is None or isinstance(N, (bool, np.bool_)):
        raise TypeError(f"vander: N must be an int, got {N!r}")
    if not isinstance(columns, int):
        raise ShapeError(f"vander: the number of columns would be the named dimension {columns!r}; "
                         "give N")
    if columns < 0:
        raise ValueError(f"vander: N must be non-negative, got {columns}")
    dtype = np.promote_types(v.dtype, np.int_)
    rows = v.shape[0]
    v = v.astype(dtype)
    powers = full((rows, min(columns, 1)), 1, dtype)
    if columns > 1:
        grown = cumprod(broadcast_to(reshape(v, (rows, 1)), (rows, columns - 1)), axis=1)
        powers = concatenate([powers, grown], axis=1)
    return powers if increasing else flip(powers, 1)
