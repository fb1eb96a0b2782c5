"""Covariance and correlation matrices (``cov``, ``corrcoef``), built from means and a matrix
product, so their gradients follow from those of the ops they are made of."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..ir import Node, format_shape
from .base import as_node, const_value, numeric_dtype
from .diagonals import diag
from .elementwise import astype, greater, sqrt, where
from .numeric import clip, conj, imag, real
from .products import matmul
from .reduce import count, sum
from .shape import concatenate, reshape, swapaxes


def _observations(name: str, m: Any, rowvar: bool, dtype: np.dtype, which: str) -> Node:
    """``m`` as NumPy's ``cov`` reads it: at least 2-d, a row per variable, in ``dtype``."""
    x = as_node(m)
    if x.ndim > 2:
        raise ShapeError(f"{name}: {which} has more than 2 dimensions (shape "
                         f"{format_shape(x.shape)}); give a 1-d or 2-d array")
    x = astype(x, dtype)
    if x.ndim < 2:  # NumPy's array(m, ndmin=2): a 0-d m is one observation of one variable
        return reshape(x, (1,) * (2 - x.ndim) + x.shape)
    return x if rowvar else swapaxes(x, 0, 1)


def _weights(name: str, value: Any, n: Any, frequency: bool) -> np.ndarray | None:
    """Constant ``fweights``/``aweights`` checked as NumPy checks them; an expression is refused."""
    if value is None:
        return None
    label = "fweights" if frequency else "aweights"
    if isinstance(value, Node):
        known = const_value(value)
        if known is None:
            raise NotImplementedError(
                f"{name}: {label} given as an expression are not supported; give them as a "
                "NumPy array (their values are checked when the graph is built, as NumPy does)")
        value = known
    w = np.asarray(value, dtype=float)
    if frequency and not np.all(w == np.around(w)):
        raise TypeError(f"{name}: fweights must be integer")
    if w.ndim > 1:
        raise ShapeError(f"{name}: cannot handle multidimensional {label} (shape {format_shape(w.shape)})")
    if w.shape[0] != n:
        raise ShapeError(f"{name}: incompatible numbers of samples ({n}) and {label} ({w.shape[0]})")
    if np.any(w < 0):
        raise ValueError(f"{name}: {label} cannot be negative")
    return w


def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: Any = None,
        fweights: Any = None, aweights: Any = None, *, dtype: Any = None) -> Node:
    """The covariance matrix of the variables in the rows of ``m`` (columns with
    ``rowvar=False``), and of ``y``'s: ``sd.cov(X)``, as NumPy's (divided by ``N - 1``, or ``N``
    with ``bias=True``, or ``N - ddof``; float64 at least; a 0-d result for one variable).
    ``fweights`` and ``aweights`` are constant arrays, checked as NumPy checks them."""
    return _cov("cov", m, y, rowvar, bias, ddof, fweights, aweights, dtype)


def _cov(name: str, m: Any, y: Any, rowvar: bool, bias: bool, ddof: Any, fweights: Any,
         aweights: Any, dtype: Any) -> Node:
    if ddof is not None and (isinstance(ddof, Node) or ddof != int(ddof)):
        raise ValueError(f"{name}: ddof must be integer, got {ddof!r}")
    m = as_node(m)
    y = None if y is None else as_node(y)
    if dtype is None:
        dt = np.result_type(m.dtype, *(() if y is None else (y.dtype,)), np.float64)
    else:
        dt = numeric_dtype(dtype, name)
    x = _observations(name, m, rowvar or m.ndim == 1, dt, "m")
    if x.shape[0] == 0:
        return as_node(np.empty((0, 0)))
    if y is not None:
        yy = _observations(name, y, True, dt, "y")
        if not rowvar and yy.shape[0] != 1:
            yy = swapaxes(yy, 0, 1)
        if yy.shape[1] != x.shape[1]:
            raise ShapeError(f"{name}: m has {x.shape[1]!r} observations of each variable and y "
                             f"{yy.shape[1]!r}; they must have the same number")
        x = concatenate([x, yy], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = x.shape[1]
    fw = _weights(name, fweights, n, True)
    aw = _weights(name, aweights, n, False)
    w = fw if aw is None else (aw if fw is None else fw * aw)
    if w is None:
        n_obs = count(x, (1,))
        known_n = const_value(n_obs)
        if known_n is not None:  # a static number of observations: plain numbers
            avg = sum(x, 1, True) / float(known_n)
            fact = as_node(float(known_n) - float(ddof))
        else:
            avg = sum(x, 1, True) / astype(n_obs, dt)
            fact = astype(n_obs, dt) - float(ddof)
    else:
        w_sum = float(w.sum())
        if w_sum == 0:
            raise ZeroDivisionError(f"{name}: weights sum to zero, can't be normalized")
        avg = sum(x * w, 1, True) / w_sum
        if ddof == 0:
            fact_value = w_sum
        elif aw is None:
            fact_value = w_sum - ddof
        else:
            fact_value = w_sum - ddof * float((w * aw).sum()) / w_sum
        fact = as_node(fact_value)
    d = x - avg
    c = matmul(d, conj(swapaxes(d if w is None else d * w, 0, 1)))
    known = const_value(fact)
    if known is not None:  # NumPy's 0 (with a warning) for no degrees of freedom: inf or nan
        with np.errstate(divide="ignore"):
            scale = float(np.true_divide(1.0, builtins.max(float(known), 0.0)))
        return _squeezed(astype(c * scale, dt))
    return _squeezed(astype(c * (1.0 / where(greater(fact, 0), fact, 0.0)), dt))


def _squeezed(c: Node) -> Node:
    """NumPy's ``c.squeeze()`` of the (1, 1) covariance of one variable."""
    return reshape(c, ()) if c.shape == (1, 1) else c


def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Node:
    """The correlation coefficients of the variables in the rows of ``x`` (columns with
    ``rowvar=False``), and of ``y``'s: ``sd.corrcoef(X)``, ``cov`` divided by the outer product
    of the standard deviations, its real and imaginary parts clipped to [-1, 1], as NumPy's."""
    c = _cov("corrcoef", x, y, rowvar, False, None, None, None, dtype)
    if c.ndim == 0:  # one variable: nan if its variance is nan, inf or 0, else 1
        return c / c
    d = diag(c)
    stddev = sqrt(real(d))
    c = c / reshape(stddev, (-1, 1)) / reshape(stddev, (1, -1))
    if c.dtype.kind == "c":
        return clip(real(c), -1, 1) + 1j * clip(imag(c), -1, 1)
    return clip(c, -1, 1)


__all__ = ["corrcoef", "cov"]
