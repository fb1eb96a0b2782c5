"""Reductions over axes (sum, max, min, prod, logsumexp), mean, and ``sum_to``, the one place
where broadcasting is undone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..ir import Dim, Node, Op, Shape, Type, format_shape
from ..errors import ShapeError
from .base import as_node, dim_size, dtype_by_running, helper, normalize_axes
from .elementwise import astype, equal, exp, where
from .shape import broadcast_to, reshape


class Reduction(Op):
    __slots__ = ("axes", "keepdims")
    numpy_name = ""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def params(self) -> tuple[Any, ...]:
        return (self.axes, self.keepdims)

    def out_shape(self, shape: Shape) -> Shape:
        if self.keepdims:
            return tuple(1 if k in self.axes else d for k, d in enumerate(shape))
        return tuple(d for k, d in enumerate(shape) if k not in self.axes)

    def infer(self, x: Type) -> Type:
        return Type(dtype_by_running(self, [x]), self.out_shape(x.shape))

    def axis_src(self) -> str:
        return repr(self.axes[0]) if len(self.axes) == 1 else repr(self.axes)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        keep = ", keepdims=True" if self.keepdims else ""
        return f"{self.numpy_name}({args[0]}, axis={self.axis_src()}{keep})"

    def text(self, args: Sequence[str]) -> str:
        keep = ", keepdims=True" if self.keepdims else ""
        return f"{self.name}({args[0]}, axis={self.axis_src()}{keep})"

    def kept(self, g: Node, x: Node) -> Node:
        """``g`` (the reduced result or its cotangent) with the reduced axes back as size 1."""
        return g if self.keepdims else reshape(g, tuple(1 if k in self.axes else d for k, d in enumerate(x.shape)))


class Sum(Reduction):
    __slots__ = ()
    name, numpy_name = "sum", "np.sum"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (broadcast_to(self.kept(g, x), x.shape),)


class Max(Reduction):
    """Maximum over axes; the gradient is routed to the maximum (split evenly between ties)."""

    __slots__ = ()
    name, numpy_name = "max", "np.max"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        at_max = equal(x, self.kept(out, x))
        count = Node(Sum(self.axes, True), (astype(at_max, g.dtype),))
        return (where(at_max, self.kept(g, x) / count, 0),)


class Min(Max):
    __slots__ = ()
    name, numpy_name = "min", "np.min"


class Prod(Reduction):
    """Product over axes; its gradient is exact where inputs are zero (no division by zero)."""

    __slots__ = ()
    name, numpy_name = "prod", "np.prod"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        is_zero = equal(x, 0)
        zeros = Node(Sum(self.axes, True), (astype(is_zero, np.int64),))
        nonzero_prod = Node(Prod(self.axes, True), (where(is_zero, 1, x),))
        gk = self.kept(g, x)
        at_zero = where(equal(zeros, 1), gk * nonzero_prod, 0)  # only the lone zero sees the rest
        elsewhere = where(equal(zeros, 0), gk * nonzero_prod / where(is_zero, 1, x), 0)
        return (where(is_zero, at_zero, elsewhere),)


@helper
def logsumexp_kernel(x, axis, keepdims):  # type: ignore[no-untyped-def]
    # shifted by the maximum so exp cannot overflow; an all -inf slice gives -inf, not nan
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


class LogSumExp(Reduction):
    __slots__ = ()
    name = "logsumexp"

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"logsumexp_kernel({args[0]}, {self.axes!r}, {self.keepdims})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (self.kept(g, x) * exp(x - self.kept(out, x)),)


def _reduce(cls: type[Reduction], x: Any, axis: Any, keepdims: bool) -> Node:
    x = as_node(x)
    axes = normalize_axes(cls.name, axis, x.ndim)
    if not axes and not keepdims:
        return x
    return Node(cls(axes, bool(keepdims)), (x,))


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Node:  # noqa: A001
    """Sum over ``axis`` (all axes when None)."""
    return _reduce(Sum, x, axis, keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Node:  # noqa: A001
    """Maximum over ``axis``; its gradient goes to the maximum (ties share it equally)."""
    return _reduce(Max, x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Node:  # noqa: A001
    """Minimum over ``axis``; its gradient goes to the minimum (ties share it equally)."""
    return _reduce(Min, x, axis, keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Node:
    """Product over ``axis``."""
    return _reduce(Prod, x, axis, keepdims)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Node:
    """log(sum(exp(x))) over ``axis``, computed without overflow."""
    return _reduce(LogSumExp, x, axis, keepdims)


def count(x: Node, axes: Sequence[int]) -> Node:
    """How many elements the axes hold: a constant, or a product of named dimension sizes."""
    static = 1
    names: list[Node] = []
    for a in axes:
        d = x.shape[a]
        if isinstance(d, str):
            names.append(dim_size(d))
        else:
            static *= d
    total: Node | None = None
    for n in names:
        total = n if total is None else total * n
    if total is None:
        return as_node(static)
    return total if static == 1 else total * static


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Node:
    """Arithmetic mean over ``axis``; integer inputs give float64, as in NumPy."""
    x = as_node(x)
    axes = normalize_axes("mean", axis, x.ndim)
    total = sum(x, axes, keepdims)
    n = count(x, axes)
    out_dtype = x.dtype if x.type.is_float else np.dtype(np.float64)
    if n.op.name == "const":
        return astype(total / float(n.op.value), out_dtype)  # type: ignore[attr-defined]
    return astype(total, out_dtype) / astype(n, out_dtype)


def sum_to(g: Node, shape: Shape) -> Node:
    """``g`` summed over the axes along which something of ``shape`` was broadcast to it."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead < 0:
        raise ShapeError(f"sum_to: {format_shape(g.shape)} has fewer axes than {format_shape(shape)}")
    axes = tuple(range(lead)) + tuple(
        lead + k for k, d in enumerate(shape) if d == 1 and g.shape[lead + k] != 1
    )
    if axes:
        g = Node(Sum(axes, True), (g,))
    return reshape(g, shape)

