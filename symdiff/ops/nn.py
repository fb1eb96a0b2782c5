"""Neural-network ops: softmax, log_softmax, one_hot (stable kernels, derivatives in symdiff ops)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError
from ..ir import Dim, Node, Op, Type, check_shape
from .base import (
    as_node, dtype_by_running, helper, lone_axis_of_0d, normalize_axes, normalize_axis, numeric_dtype,
)
from .elementwise import exp, exp_float  # noqa: F401 - exp_float: a helper the kernels call
from .reduce import logsumexp, max_shift, sum  # noqa: F401 - max_shift: the kernels call it


@helper
def softmax_kernel(x, axis):  # type: ignore[no-untyped-def]
    # exp(x - logsumexp(x)) as over several axes: [1, inf] gives [0, nan], not nan throughout
    x = exp_float(x)  # integers shifted in their own dtype would wrap around
    e = np.exp(x - max_shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


@helper
def log_softmax_kernel(x, axis):  # type: ignore[no-untyped-def]
    # x - logsumexp(x), as SciPy's: [1, inf] gives [-inf, nan]
    x = exp_float(x)
    shifted = x - max_shift(x, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class _AxisOp(Op):
    __slots__ = ("axis",)
    kernel_name = ""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def params(self) -> tuple[Any, ...]:
        return (self.axis,)

    def infer(self, x: Type) -> Type:
        return Type(dtype_by_running(self, [x]), x.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"{self.kernel_name}({args[0]}, {self.axis})"

    def text(self, args: Sequence[str]) -> str:
        return f"{self.name}({args[0]}, axis={self.axis})"


class Softmax(_AxisOp):
    __slots__ = ()
    name, kernel_name = "softmax", "softmax_kernel"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (out * (g - sum(g * out, self.axis, keepdims=True)),)


class LogSoftmax(_AxisOp):
    __slots__ = ()
    name, kernel_name = "log_softmax", "log_softmax_kernel"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g - exp(out) * sum(g, self.axis, keepdims=True),)


def _several_axes(op_name: str, x: Node, axis: Any) -> tuple[int, ...] | None:
    """The normalized axes when ``axis`` names several (a tuple, or None for every axis, as
    SciPy's and JAX's softmax take), else None: one axis is the op's own, several are written
    with ``logsumexp``. A 0-d array under None, or a lone axis 0 or -1 (the default), is its own
    one element (``logsumexp`` over no axes is the array itself), so its softmax is 1 and its
    log_softmax 0, as SciPy's (nan at +-inf and nan, as SciPy's x - max(x))."""
    if axis is None or lone_axis_of_0d(axis, x.ndim):
        return tuple(range(x.ndim)) if x.ndim != 1 else None
    if not isinstance(axis, (tuple, list)):
        return None
    axes = normalize_axes(op_name, axis, x.ndim)  # refuses a list, as SciPy's
    if not axes:
        raise ShapeError(f"{op_name}: axis must name at least one axis, got {axis!r}")
    return axes if len(axes) > 1 else None


def _one_axis(op_name: str, x: Node, axis: Any) -> int:
    """The one axis left when ``_several_axes`` found no more: an int, a one-item tuple, or
    None for a vector."""
    if axis is None:
        return 0
    return normalize_axis(op_name, axis[0] if isinstance(axis, tuple) else axis, x.ndim)


def softmax(x: Any, axis: Any = -1) -> Node:
    """exp(x) / sum(exp(x)) along ``axis`` (an int, a tuple of ints, or None for every axis),
    computed without overflow."""
    x = as_node(x)
    axes = _several_axes("softmax", x, axis)
    if axes is not None:
        return exp(x - logsumexp(x, axis=axes, keepdims=True))
    return Node(Softmax(_one_axis("softmax", x, axis)), (x,))


def log_softmax(x: Any, axis: Any = -1) -> Node:
    """x - logsumexp(x) along ``axis`` (an int, a tuple of ints, or None for every axis): the
    log of softmax, without its underflow."""
    x = as_node(x)
    axes = _several_axes("log_softmax", x, axis)
    if axes is not None:
        return x - logsumexp(x, axis=axes, keepdims=True)
    return Node(LogSoftmax(_one_axis("log_softmax", x, axis)), (x,))


class OneHot(Op):
    __slots__ = ("depth", "dtype")
    name = "one_hot"

    def __init__(self, depth: Dim, dtype: np.dtype) -> None:
        self.depth, self.dtype = depth, dtype

    def params(self) -> tuple[Any, ...]:
        return (self.depth, self.dtype.str)

    def infer(self, labels: Type) -> Type:
        if labels.dtype.kind not in "iu":
            raise DTypeError(f"one_hot: labels must be integers, got {labels.dtype}")
        return Type(self.dtype, (*labels.shape, self.depth))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"(np.expand_dims({args[0]}, -1) == np.arange({dim(self.depth)})).astype(np.{self.dtype.name})"

    def text(self, args: Sequence[str]) -> str:
        dtype = "" if self.dtype == np.float64 else f", dtype={self.dtype.name!r}"
        return f"one_hot({args[0]}, {self.depth!r}{dtype})"

    def vjp(self, g: Node, out: Node, labels: Node) -> Sequence[Node | None]:
        return (None,)


def one_hot(labels: Any, depth: Dim, dtype: Any = "float64") -> Node:
    """A new last axis of size ``depth`` holding 1 at each label and 0 elsewhere."""
    (d,) = check_shape((depth,), "one_hot depth")
    return Node(OneHot(d, numeric_dtype(dtype, "one_hot")), (as_node(labels),))
