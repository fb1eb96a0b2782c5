"""Arrays made from a description: ``eye``, ``identity``, ``linspace``.

The identity is ``one_hot`` of a range (row i holds its 1 at column i + k), so it costs no
constant of N * M elements and takes named dimensions. ``linspace`` between constant scalars is
one op that generated code writes as ``np.linspace``; between expressions it is NumPy's
arithmetic written in nodes, ``start + k * (stop - start) / div`` with ``stop`` itself last, so
the values are NumPy's and gradients flow to both bounds. (``zeros``, ``ones``, ``full`` and
``arange`` live in :mod:`shape`, beside ``broadcast_to``.)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError
from ..ir import Dim, Node, Op, Type, as_dim, check_shape
from .base import (
    _item_source, _scalar_text, as_nodes, broadcast_shapes, check_device, const, dim_size,
    is_python_scalar, normalize_axis, numeric_dtype,
)
from .elementwise import astype, equal, greater, greater_equal, logical_and, maximum, power, sign, where
from .layout import moveaxis
from .nn import one_hot
from .numeric import floor, log10
from .shape import arange, concatenate, reshape


def _int_argument(op_name: str, what: str, value: Any) -> int:
    """``value`` as an int, as NumPy takes a count or an offset (not a float, not a bool)."""
    if isinstance(value, (bool, np.bool_, Node)):
        raise TypeError(f"{op_name}: {what} must be an int, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op_name}: {what} must be an int, got {value!r}") from None


def _eye(op_name: str, n: Any, m: Any, k: Any, dtype: Any, order: str) -> Node:
    if order not in ("C", "F"):  # the layout in memory only: the values are the same
        raise ValueError(f"{op_name}: order must be 'C' or 'F', got {order!r}")
    (rows,) = check_shape((n,), f"{op_name}: N")
    (cols,) = (rows,) if m is None else check_shape((m,), f"{op_name}: M")
    check_shape((rows, cols), f"{op_name}: N and M")  # each alone may fit where N * M does not
    offset = _int_argument(op_name, "k", k)
    dt = numeric_dtype(float if dtype is None else dtype, op_name)
    positions = arange(rows)
    return one_hot(positions + offset if offset else positions, cols, dt)


def eye(N: Any, M: Any = None, k: Any = 0, dtype: Any = float,  # noqa: N803 - NumPy's names
        order: str = "C") -> Node:
    """An ``N`` by ``M`` (default ``N``) array with ones on diagonal ``k`` and zeros elsewhere,
    as ``np.eye``; the sizes may be named dimensions.

    >>> sd.eye(3, 4, k=1)
    one_hot(arange(3) + 1, 4)
    """
    return _eye("eye", N, M, k, dtype, order)


def identity(n: Any, dtype: Any = None) -> Node:
    """The ``n`` by ``n`` identity matrix, as ``np.identity`` (float64 unless ``dtype``).

    >>> sd.identity("n").shape
    ('n', 'n')
    """
    return _eye("identity", n, None, 0, dtype, "C")


class Linspace(Op):
    """``num`` evenly spaced values from ``start`` to ``stop`` (constant scalars), as
    ``np.linspace``: a leaf, as ``arange``."""

    __slots__ = ("start", "stop", "num", "endpoint", "dtype")
    name = "linspace"

    def __init__(self, start: float | complex, stop: float | complex, num: int, endpoint: bool,
                 dtype: np.dtype) -> None:
        self.start, self.stop, self.num, self.endpoint, self.dtype = start, stop, num, endpoint, dtype

    def params(self) -> tuple[Any, ...]:
        # by their source, so that -0.0 and 0.0 (equal as floats) are different bounds
        return (_item_source(self.start), _item_source(self.stop), self.num, self.endpoint,
                self.dtype.str)

    def infer(self) -> Type:
        return Type(self.dtype, (self.num,))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return (f"np.linspace({_item_source(self.start)}, {_item_source(self.stop)}, {self.num}, "
                f"endpoint={self.endpoint}, dtype=np.{self.dtype.name})")

    def text(self, args: Sequence[str]) -> str:
        bounds = f"{_scalar_text(self.start)}, {_scalar_text(self.stop)}, {self.num}"
        endpoint = "" if self.endpoint else ", endpoint=False"
        implied = np.result_type(self.start, self.stop, 1.0)  # what linspace(bounds) gives
        dtype = "" if self.dtype == implied else f", dtype={self.dtype.name!r}"
        return f"linspace({bounds}{endpoint}{dtype})"


def _is_constant_scalar(v: Any) -> bool:
    return isinstance(v, (int, float, complex, np.number, np.bool_)) or (
        isinstance(v, np.ndarray) and v.ndim == 0)


def linspace(start: Any, stop: Any, num: Any = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: Any = 0, *, device: Any = None) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` (without ``stop`` when
    ``endpoint`` is False), as ``np.linspace``. The bounds may be expressions or arrays (the
    values then run along a new axis, ``axis``); gradients flow to them. With ``retstep``,
    returns ``(samples, step)``.

    >>> sd.linspace(0.0, 1.0, 5)
    linspace(0.0, 1.0, 5)
    """
    check_device("linspace", device)
    n: Dim = as_dim(num)
    if not isinstance(n, str):
        n = _int_argument("linspace", "num", num)
        if n < 0:
            raise ValueError(f"linspace: num must be non-negative, got {n}")
    check_shape((n,), "linspace: num")  # a name, or a count NumPy can index
    endpoint = bool(endpoint)
    if isinstance(n, int) and _is_constant_scalar(start) and _is_constant_scalar(stop):
        div = n - 1 if endpoint else n
        work = np.result_type(start, stop, 1.0)
        if work.kind not in "fc":
            raise DTypeError(f"linspace: bounds of dtype {work} are not numbers")
        out = numeric_dtype(work if dtype is None else dtype, "linspace")
        kind = complex if work.kind == "c" else float
        a, b = kind(np.asarray(start)[()]), kind(np.asarray(stop)[()])
        normalize_axis("linspace", axis, 1)
        samples = Node(Linspace(a, b, n, endpoint, out), ())
        # NumPy's step is nan where there is no interval to divide (div <= 0: num = 0 with
        # the endpoint gives div = -1, not a step)
        step = const(np.asarray((b - a) / div if div > 0 else np.nan, work))
        return (samples, step) if retstep else samples
    # arrays as the nodes they are, so a Python number beside them is weak (NEP 50): a float32
    # array and 1 give float32 values, as NumPy's; the bounds' common dtype made inexact, as
    # NumPy's (int8 and float32 bounds give float32)
    a, b = as_nodes(*(v if isinstance(v, Node) or is_python_scalar(v) else const(np.asarray(v))
                      for v in (start, stop)))
    work = np.result_type(a.dtype, b.dtype)
    work = np.result_type(work, 1.0) if work.kind in "biu" else work
    a, b = astype(a, work), astype(b, work)
    out = numeric_dtype(work if dtype is None else dtype, "linspace")
    bounds = broadcast_shapes("linspace", a.shape, b.shape)
    check_shape((n, *bounds), "linspace: num and the bounds' shape")  # before any node of it
    ndim = len(bounds)
    along = (n,) + (1,) * ndim  # the values run along a new first axis, moved to `axis` after
    k = reshape(arange(n, dtype=np.finfo(work).dtype), along)
    # NumPy's arithmetic, so the values are NumPy's (until simplify reassociates it): start +
    # k * step, and stop itself at the end (with no step, k * (stop - start): 0 * inf is nan)
    last: Node | None = None
    if isinstance(n, int):
        div = n - 1 if endpoint else n
        step = (b - a) / div if div > 0 else (b - a) * np.nan
        samples = a + k * step if div > 0 else a + k * (b - a)
        if endpoint and n > 1:
            last = equal(arange(n), div)
    else:  # the same, with the cases NumPy tells apart by the count chosen at run time
        size = dim_size(n) - 1 if endpoint else dim_size(n)
        stepping = greater(size, 0)
        # NumPy divides by the count as a Python int, which takes the bounds' dtype (float32)
        step = where(stepping, (b - a) / astype(maximum(size, 1), work), (b - a) * np.nan)
        samples = where(stepping, a + k * step, a + k * (b - a))
        if endpoint:
            last = logical_and(equal(arange(n), size), stepping)
    if last is not None:
        samples = where(reshape(last, along), b, samples)
    ax = normalize_axis("linspace", axis, ndim + 1)
    samples = moveaxis(samples, 0, ax) if ax else samples
    if out.kind in "iu":  # NumPy rounds toward -inf, then converts
        samples = floor(samples)
    samples = astype(samples, out)
    return (samples, step) if retstep else samples




def tri(N: Any, M: Any = None, k: Any = 0, dtype: Any = float, *,  # noqa: N803 - NumPy's names
        like: Any = None) -> Node:
    """An ``N`` by ``M`` (default ``N``) array with ones at and below diagonal ``k`` and zeros
    above, as ``np.tri``; the sizes may be named dimensions.

    >>> sd.tri(3, k=-1).shape
    (3, 3)
    """
    if like is not None:
        raise NotImplementedError("tri: the argument 'like' is not supported")
    (rows,) = check_shape((N,), "tri: N")
    (cols,) = (rows,) if M is None else check_shape((M,), "tri: M")
    check_shape((rows, cols), "tri: N and M")
    offset = _int_argument("tri", "k", k)
    below = greater_equal(reshape(arange(rows), (rows, 1)) + offset, reshape(arange(cols), (1, cols)))
    return astype(below, numeric_dtype(float if dtype is None else dtype, "tri"))


def logspace(start: Any, stop: Any, num: Any = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: Any = 0) -> Node:
    """``base ** linspace(start, stop, num)``, as ``np.logspace``: ``num`` values spaced evenly
    on a log scale; the bounds and ``base`` may be expressions or arrays (broadcast together,
    the values along ``axis``), and gradients flow to each.

    >>> sd.logspace(0.0, 2.0, 3).shape
    (3,)
    """
    if isinstance(base, Node) and base.ndim or not isinstance(base, Node) and np.ndim(base):
        # an array of bases is broadcast with the bounds: it decides where ``axis`` falls
        b, lo, hi = (v if isinstance(v, Node) else const(np.asarray(v)) for v in (base, start, stop))
        ndim = len(broadcast_shapes("logspace", b.shape, lo.shape, hi.shape))
        lo, hi, b = (reshape(v, (1,) * (ndim - v.ndim) + v.shape) for v in (lo, hi, b))
        start, stop = lo, hi
        base = reshape(b, _inserted(b.shape, normalize_axis("logspace", axis, ndim + 1)))
    elif isinstance(base, (np.ndarray, np.generic)):
        base = const(np.asarray(base))
    broadcast_shapes("logspace", *(v.shape if isinstance(v, Node) else np.shape(v) for v in (start, stop)))
    y = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    result = power(base, y)
    return result if dtype is None else astype(result, numeric_dtype(dtype, "logspace"))


def _inserted(shape: tuple[Dim, ...], at: int) -> tuple[Dim, ...]:
    return (*shape[:at], 1, *shape[at:])


def geomspace(start: Any, stop: Any, num: Any = 50, endpoint: bool = True, dtype: Any = None,
              axis: Any = 0) -> Node:
    """``num`` values spaced evenly on a log scale from ``start`` to ``stop`` (each the first
    and last value exactly), as ``np.geomspace``: negative and complex bounds are rotated to
    the positive reals and back. The bounds may be expressions or arrays; gradients flow to
    them. A bound known to be 0 is NumPy's ValueError; one that is an expression gives nan
    where it is 0.

    >>> sd.geomspace(1.0, 8.0, 4).shape
    (4,)
    """
    n = _int_argument("geomspace", "num", num)
    if n < 0:
        raise ValueError(f"geomspace: num must be non-negative, got {n}")
    for bound in (start, stop):
        if not isinstance(bound, Node) and np.any(np.asarray(bound) == 0):
            raise ValueError("geomspace: Geometric sequence cannot include zero")
    lo, hi = (v if isinstance(v, Node) else const(np.asarray(v)) for v in (start, stop))
    broadcast_shapes("geomspace", lo.shape, hi.shape)
    work = np.result_type(lo.dtype, hi.dtype, float(n), np.zeros((), dtype))
    out = work if dtype is None else numeric_dtype(dtype, "geomspace")
    lo, hi = astype(lo, work), astype(hi, work)
    # rotated to the positive reals and back: NumPy's way to take negative and complex bounds
    turn = sign(lo)
    lo, hi = lo / turn, hi / turn
    result = logspace(log10(lo), log10(hi), num=n, endpoint=endpoint, base=10.0, dtype=work)
    if n > 0:
        ends = [reshape(lo, (1, *lo.shape)), result[1:]]
        if n > 1 and endpoint:
            ends[1:] = [result[1:-1], reshape(hi, (1, *hi.shape))]
        result = concatenate(ends, axis=0)
    result = result * turn
    ax = normalize_axis("geomspace", axis, result.ndim)
    return astype(moveaxis(result, 0, ax) if ax else result, out)
