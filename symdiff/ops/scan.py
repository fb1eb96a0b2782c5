"""Cumulative sums, products, maxima and minima along an axis (``axis=None`` flattens first, as
NumPy)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..ir import Dim, Node, Op, Type, format_shape
from .base import (
    as_node, broadcast_shapes, dtype_by_running, helper, lone_axis_of_0d, no_out, normalize_axis,
    numeric_dtype,
)
from .elementwise import astype, equal, isnan, logical_and, logical_not, logical_or, not_equal, where
from .shape import broadcast_to, concatenate, full, ones_like, reshape, resolve_reshape


class Scan(Op):
    """A running reduction along one axis; ``reverse`` runs it from the end (the adjoint of a
    cumulative sum is the reversed cumulative sum of its cotangent)."""

    __slots__ = ("axis", "reverse")
    numpy_name = ""

    def __init__(self, axis: int, reverse: bool = False) -> None:
        self.axis = axis
        self.reverse = reverse

    def params(self) -> tuple[Any, ...]:
        return (self.axis, self.reverse)

    def infer(self, x: Type) -> Type:
        return Type(dtype_by_running(self, [x]), x.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        if not self.reverse:
            return f"{self.numpy_name}({args[0]}, axis={self.axis})"
        flipped = f"np.flip({args[0]}, axis={self.axis})"
        return f"np.flip({self.numpy_name}({flipped}, axis={self.axis}), axis={self.axis})"

    def text(self, args: Sequence[str]) -> str:
        rev = ", reverse=True" if self.reverse else ""
        return f"{self.name}({args[0]}, axis={self.axis}{rev})"


class Cumsum(Scan):
    __slots__ = ()
    name, numpy_name = "cumsum", "np.cumsum"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (Node(Cumsum(self.axis, not self.reverse), (g,)),)


class Cumprod(Scan):
    """Running product; its derivatives are exact at every order, also where the input has
    zeros (no division)."""

    __slots__ = ()
    name, numpy_name = "cumprod", "np.cumprod"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # d out_j / d x_i (i <= j in the scan's direction) is the product of x_k for k <= j,
        # k != i: the product of the elements before i times that of those from i + 1 to j.
        # Summed against g, the second factor is g_i plus a scan in the other direction,
        # l_i = g_i + x_{i+1} l_{i+1}; both are linear recurrences, whose derivatives are
        # again linear recurrences, so every order is exact where x has zeros.
        later = g + linear_recurrence(x, x * g, self.axis, reverse=not self.reverse, exclusive=True)
        return (exclusive_product(x, self.axis, self.reverse) * later,)


class Cummax(Scan):
    """Running maximum, NumPy's ``np.maximum.accumulate``: the dtype kept (int8, bool, float16,
    complex in NumPy's lexicographic order), nan from the first nan on. Each output position's
    gradient goes to the element that is the running maximum there, the first of equal ones
    in the scan's direction (as argmax's); piecewise linear, so its own derivatives are exact."""

    __slots__ = ()
    name, numpy_name = "cummax", "np.maximum.accumulate"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        from .selection import add_along_axis  # selection reads reductions, which read this module

        return (add_along_axis(g, self.source(out), x.shape, self.axis),)

    def source(self, out: Node) -> Node:
        """The index along the axis of the element each output position holds: the last
        position, in the scan's direction, where the running extreme changed (``out`` is
        ``take_along_axis(x, source, axis)``). An element starts a run where it differs from the
        output before it; after a nan, nothing does (nan != nan, yet the nan stays)."""
        from .layout import roll  # layout reads reductions, which read this module

        count = Node(Cumsum(self.axis, self.reverse), (ones_like(out, np.int64),))
        first = equal(count, 1)
        before = roll(out, -1 if self.reverse else 1, self.axis)
        changed = logical_and(not_equal(out, before), logical_not(isnan(before)))
        start = logical_or(first, changed)
        position = Node(Cumsum(self.axis, False), (ones_like(out, np.int64),)) - 1
        # the latest start so far: the largest position scanning forward, the smallest backward
        if self.reverse:
            return Node(Cummin(self.axis, True), (where(start, position, np.iinfo(np.int64).max),))
        return Node(Cummax(self.axis, False), (where(start, position, -1),))


class Cummin(Cummax):
    """Running minimum, NumPy's ``np.minimum.accumulate``; the gradient as ``cummax``'s."""

    __slots__ = ()
    name, numpy_name = "cummin", "np.minimum.accumulate"


def exclusive_product(x: Node, axis: int, reverse: bool = False) -> Node:
    """The product of the elements before each one along ``axis`` (after it when ``reverse``),
    1 for the first: the running product of ``x`` shifted by one, no division, so exact with
    zeros, and so are its derivatives (through cumprod's)."""
    from .layout import roll  # layout reads reductions, which read this module

    first = equal(Node(Cumsum(axis, reverse), (ones_like(x, np.int64),)), 1)
    shifted = where(first, 1, roll(x, -1 if reverse else 1, axis))
    return Node(Cumprod(axis, reverse), (astype(shifted, x.dtype),))


@helper
def linear_recurrence_kernel(a, b, axis, reverse, exclusive):  # type: ignore[no-untyped-def]
    # h[i] = a[i] * h[i - 1] + b[i] along the axis (from its end when reverse), h[0] = b[0]
    # (no a[0] * 0, which is nan for an infinite a[0]); exclusive: h[i - 1] at i, 0 at the first.
    # One element after the other, as the recurrence reads: a parallel scan would multiply
    # runs of a first, which can overflow where h does not.
    a, b = np.broadcast_arrays(a, b)
    a, b = np.moveaxis(a, axis, 0), np.moveaxis(b, axis, 0)
    if reverse:
        a, b = a[::-1], b[::-1]
    h = np.zeros(b.shape, np.result_type(a, b))
    if len(b) and b.ndim == 1 and h.dtype == np.float64:
        # on Python floats (the same IEEE doubles): a NumPy call per element costs far more
        # than its arithmetic
        a_list, b_list = a.tolist(), b.tolist()
        last = b_list[0]
        values = [last]
        for i in range(1, len(b_list)):
            last = a_list[i] * last + b_list[i]
            values.append(last)
        h[:] = values
    elif len(b):
        h[0] = b[0]
        for i in range(1, len(b)):
            h[i] = a[i] * h[i - 1] + b[i]
    if exclusive:
        h = np.concatenate([np.zeros_like(h[:1]), h[:-1]])
    if reverse:
        h = h[::-1]
    return np.moveaxis(h, 0, axis)


class LinearRecurrence(Op):
    """``h[i] = a[i] * h[i-1] + b[i]`` along an axis (``reverse``: from its end), nothing
    before the first element; ``exclusive`` gives each position the ``h`` of the one before it
    (0 at the first). Closed under differentiation: with ``h`` written H(a, b) and R the
    recurrence the other way, the cotangent ``l`` of ``b`` is
    ``R(a shifted by one, g)`` (inclusive: ``l[i] = g[i] + a[i+1] l[i+1]``) or ``R_excl(a, g)``
    (exclusive), and that of ``a`` is ``l * H_excl(a, b)``: derivatives of running products at
    every order, without division, and never multiplied by the unused first ``a``."""

    __slots__ = ("axis", "reverse", "exclusive")
    name = "linear_recurrence"

    def __init__(self, axis: int, reverse: bool, exclusive: bool) -> None:
        self.axis = axis
        self.reverse = reverse
        self.exclusive = exclusive

    def params(self) -> tuple[Any, ...]:
        return (self.axis, self.reverse, self.exclusive)

    def infer(self, a: Type, b: Type) -> Type:
        if a.shape != b.shape:
            raise ShapeError(f"{self.name}: a has shape {format_shape(a.shape)} and b "
                             f"{format_shape(b.shape)}; they must be the same")
        return Type(dtype_by_running(self, [a, b]), a.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return (f"linear_recurrence_kernel({args[0]}, {args[1]}, {self.axis}, {self.reverse}, "
                f"{self.exclusive})")

    def text(self, args: Sequence[str]) -> str:
        flags = "".join(f", {k}=True" for k in ("reverse", "exclusive") if getattr(self, k))
        return f"{self.name}({args[0]}, {args[1]}, axis={self.axis}{flags})"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        def other(v: Node, w: Node) -> Node:
            return Node(LinearRecurrence(self.axis, not self.reverse, True), (v, w))

        if self.exclusive:
            gb = other(a, g)
            return (gb * out, gb)
        # l[i] = g[i] + a[i+1] l[i+1]: the recurrence the other way over a shifted by one, whose
        # wrapped-around a[0] comes first there and is never multiplied (g + R_excl(a, a * g),
        # the same values, multiplied a[0] into a * g, and inf * 0 made its derivatives nan)
        from .layout import roll  # layout reads reductions, which read this module

        gb = Node(LinearRecurrence(self.axis, not self.reverse, False),
                  (roll(a, 1 if self.reverse else -1, self.axis), g))
        return (gb * Node(LinearRecurrence(self.axis, self.reverse, True), (a, b)), gb)


def linear_recurrence(a: Any, b: Any, axis: Any = -1, *, reverse: bool = False,
                      exclusive: bool = False) -> Node:
    """The first-order linear recurrence ``h[i] = a[i] * h[i-1] + b[i]`` along ``axis``, with
    nothing before the first element (``h[0] = b[0]``): ``sd.linear_recurrence(a, b, axis=0)``.

    ``reverse=True`` runs it from the end of the axis; ``exclusive=True`` gives each position
    the ``h`` of the element before it (0 at the first). The derivatives of ``cumprod`` and
    ``prod`` are written with it: it multiplies, never divides, so they are exact at zeros."""
    for flag, value in (("reverse", reverse), ("exclusive", exclusive)):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"linear_recurrence: {flag} must be True or False, got {value!r}")
    a, b = as_node(a), as_node(b)
    shape = broadcast_shapes("linear_recurrence", a.shape, b.shape)
    a, b = broadcast_to(a, shape), broadcast_to(b, shape)
    op = LinearRecurrence(normalize_axis("linear_recurrence", axis, len(shape)), bool(reverse),
                          bool(exclusive))
    return Node(op, (a, b))


def scan_axis_checked(name: str, axis: Any, ndim: int) -> None:
    """Refuse, naming ``name``, an ``axis`` a scan of an array of ``ndim`` dimensions does not
    take: for functions built on ``cumsum`` and ``cumprod``, whose errors name them."""
    if axis is not None and not lone_axis_of_0d(axis, ndim):
        normalize_axis(name, axis, ndim)


def _scan(cls: type[Scan], a: Any, axis: Any, dtype: Any, out: Any, reverse: bool = False) -> Node:
    no_out(cls.name, out)
    if not isinstance(reverse, (bool, np.bool_)):
        raise TypeError(f"{cls.name}: reverse must be True or False, got {reverse!r}")
    a = as_node(a)
    if dtype is not None:
        a = astype(a, numeric_dtype(dtype, cls.name))
    if axis is None or lone_axis_of_0d(axis, a.ndim):  # NumPy reads a 0-d array as shape (1,)
        a = reshape(a, resolve_reshape(cls.name, a.shape, (-1,))) if a.ndim != 1 else a
        axis = 0
    result = Node(cls(normalize_axis(cls.name, axis, a.ndim), bool(reverse)), (a,))
    # the given dtype is also the result's (np.cumsum(x, dtype=int8) is int8, where a scan of
    # int8 values is otherwise int64); integer scans wrap around the same either way
    return result if dtype is None else astype(result, dtype)


def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, *, reverse: bool = False) -> Node:
    """Cumulative sum along ``axis`` (of the flattened array when None): ``sd.cumsum(x, axis=0)``.

    ``dtype`` converts the input first and is the result's; ``out`` is not supported
    (NotImplementedError). ``reverse=True`` sums from the end of the axis (as
    ``jax.lax.cumsum``): the derivative of a cumulative sum, as printed in derivative graphs."""
    return _scan(Cumsum, a, axis, dtype, out, reverse)


def cumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, *,
            reverse: bool = False) -> Node:
    """Cumulative product along ``axis`` (of the flattened array when None):
    ``sd.cumprod(x, axis=1)``. Derivatives of every order are exact where the input has zeros.

    ``dtype`` converts the input first and is the result's; ``out`` is not supported
    (NotImplementedError). ``reverse=True`` multiplies from the end of the axis, as in the
    derivative of ``prod``."""
    return _scan(Cumprod, a, axis, dtype, out, reverse)


def cummax(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, *,
           reverse: bool = False) -> Node:
    """Running maximum along ``axis`` (of the flattened array when None), NumPy's
    ``np.maximum.accumulate``, which builds it too: ``sd.cummax(x, axis=0)``.

    NumPy has no function of its own for it, nor the array API; the name is ``jax.lax.cummax``'s
    (PyTorch's and pandas' too). The dtype is kept and nan propagates, as NumPy's; ``dtype``
    converts the input first, ``out`` is not supported. ``reverse=True`` runs from the end of the
    axis. The gradient of each position goes to the element that is the maximum there (the
    first of equal ones in the scan's direction, as argmax)."""
    return _scan(Cummax, a, axis, dtype, out, reverse)


def cummin(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, *,
           reverse: bool = False) -> Node:
    """Running minimum along ``axis``, NumPy's ``np.minimum.accumulate``: ``sd.cummin(x, axis=0)``;
    otherwise as ``cummax``."""
    return _scan(Cummin, a, axis, dtype, out, reverse)


def _cumulative(name: str, scan: Callable[..., Node], x: Any, axis: Any, dtype: Any, out: Any,
                include_initial: Any, identity: int) -> Node:
    no_out(name, out)
    if not isinstance(include_initial, (bool, np.bool_)):
        raise TypeError(f"{name}: include_initial must be True or False, got {include_initial!r}")
    a = as_node(x)
    if axis is None:
        if a.ndim > 1:
            raise ShapeError(f"{name}: an array of more than one dimension (shape "
                             f"{format_shape(a.shape)}) needs axis=, as NumPy's")
    scan_axis_checked(name, axis, a.ndim)
    result = scan(a, axis, dtype)
    if not include_initial:
        return result
    k = result.ndim - 1 if axis is None else normalize_axis(name, axis, result.ndim)
    if isinstance(result.shape[k], str):  # one more than a named size has no name
        raise ShapeError(f"{name}: include_initial=True along the named dimension "
                         f"{result.shape[k]!r} is not supported (the result would be one longer); "
                         "give that axis a static size")
    start = full(tuple(1 if j == k else d for j, d in enumerate(result.shape)), identity,
                 dtype=result.dtype)
    return concatenate([start, result], axis=k)


def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                   include_initial: bool = False) -> Node:
    """NumPy 2.1's ``cumulative_sum``: ``cumsum`` along ``axis`` (needed for more than one
    dimension), with a leading 0 when ``include_initial``: ``sd.cumulative_sum(x, axis=0)``."""
    return _cumulative("cumulative_sum", cumsum, x, axis, dtype, out, include_initial, 0)


def cumulative_prod(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                    include_initial: bool = False) -> Node:
    """NumPy 2.1's ``cumulative_prod``: ``cumprod`` along ``axis`` (needed for more than one
    dimension), with a leading 1 when ``include_initial``: ``sd.cumulative_prod(x, axis=0)``."""
    return _cumulative("cumulative_prod", cumprod, x, axis, dtype, out, include_initial, 1)


__all__ = ["cummax", "cummin", "cumprod", "cumsum", "cumulative_prod", "cumulative_sum", "linear_recurrence"]
