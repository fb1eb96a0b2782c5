"""Reductions over axes (sum, max, min, prod, logsumexp), mean, and ``sum_to``, the one place
where broadcasting is undone."""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..ir import Dim, Node, Op, Shape, Type, format_shape
from ..errors import DTypeError, ShapeError
from .base import (
    as_node, broadcast_shapes, const_value, dim_size, dtype_by_running, helper, index_int,
    lone_axis_of_0d, no_out, normalize_axes, numeric_dtype,
)
from .elementwise import (
    abs, astype, equal, exp, exp_float, isfinite, isnan, log, logical_and, logical_not, maximum, minimum,
    not_equal, sign, sqrt, stop_gradient, where,
)
from .numeric import _isclose, conj, real
from .scan import exclusive_product
from .shape import BroadcastTo, broadcast_to, reshape


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

    def with_keepdims(self, keepdims: bool) -> Reduction:
        """This reduction over the same axes with ``keepdims`` set so (its other attributes
        kept)."""
        return type(self)(self.axes, keepdims)

    def kept(self, g: Node, x: Node) -> Node:
        """``g`` (the reduced result or its cotangent) with the reduced axes back as size 1."""
        return g if self.keepdims else reshape(g, tuple(1 if k in self.axes else d for k, d in enumerate(x.shape)))


class Sum(Reduction):
    __slots__ = ()
    name, numpy_name = "sum", "np.sum"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (broadcast_to(self.kept(g, x), x.shape),)


class Max(Reduction):
    """Maximum over axes; the gradient is routed to the maximum (split evenly between ties).

    ``initial`` is None, or the lowest value of the input's dtype (the highest, for min): what
    NumPy's ``initial=`` gives a slice of no elements, and nothing else changes. ``max(x,
    initial=c)`` is ``maximum(max(x, initial=lowest), c)`` where a reduced axis is a named
    dimension, which may be empty when the function runs."""

    __slots__ = ("initial",)
    name, numpy_name = "max", "np.max"

    def __init__(self, axes: tuple[int, ...], keepdims: bool, initial: Any = None) -> None:
        super().__init__(axes, keepdims)
        self.initial = initial

    def params(self) -> tuple[Any, ...]:
        # repr: False and 0 (bool and uint8 bounds) are equal Python values, not one op
        return (*super().params(), None if self.initial is None else repr(self.initial))

    def with_keepdims(self, keepdims: bool) -> Reduction:
        return type(self)(self.axes, keepdims, self.initial)

    def _initial_src(self) -> str:
        if isinstance(self.initial, float):  # +-inf
            return "np.inf" if self.initial > 0 else "-np.inf"
        return repr(self.initial)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        if self.initial is None:
            return super().emit(args, dim)
        return f"{super().emit(args, dim)[:-1]}, initial={self._initial_src()})"

    def text(self, args: Sequence[str]) -> str:
        if self.initial is None:
            return super().text(args)
        return f"{super().text(args)[:-1]}, initial={self.initial!r})"

    def infer(self, x: Type) -> Type:
        empty = [k for k in self.axes if x.shape[k] == 0]
        if empty and self.initial is None:  # NumPy refuses it at run time: no identity
            raise ShapeError(
                f"{self.name}: axis {empty[0]} of {format_shape(x.shape)} is empty, and the {self.name} "
                "of no values is not defined (give initial=, as in NumPy)"
            )
        return super().infer(x)

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        at_max = equal(x, self.kept(out, x))
        count = Node(Sum(self.axes, True), (astype(at_max, g.dtype),))
        return (where(at_max, self.kept(g, x) / count, 0),)


class Min(Max):
    __slots__ = ()
    name, numpy_name = "min", "np.min"


class Prod(Reduction):
    """Product over axes; its derivatives are exact at every order also where inputs are zero
    (no division by zero)."""

    __slots__ = ()
    name, numpy_name = "prod", "np.prod"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # d prod / d x_i is the product of the others: along one axis, the product of the
        # elements before x_i times that of those after it, two running products without
        # division. Over several axes, one at a time: the others along the first axis times
        # the others of the product over it along the next (it has size 1 there, and
        # broadcasts back), and so on.
        gx = self.kept(g, x)
        y = x
        for axis in self.axes:  # none: the product of one element is that element
            gx = gx * exclusive_product(y, axis) * exclusive_product(y, axis, reverse=True)
            y = Node(Prod((axis,), True), (y,))
        return (gx,)


@helper
def max_shift(x, axis):  # type: ignore[no-untyped-def]
    # the maximum along axis, kept, that logsumexp, softmax and log_softmax subtract so exp
    # cannot overflow; 0 where it is infinite (or the slice empty), so an inf element makes
    # inf - inf in its own place only and an all -inf slice sums exp(-inf) = 0; of complex
    # values the largest real part, so log's imaginary part stays in (-pi, pi]
    m = np.max(np.real(x), axis=axis, keepdims=True, initial=-np.inf)
    return np.where(np.isfinite(m), m, 0)


@helper
def logsumexp_kernel(x, axis, keepdims):  # type: ignore[no-untyped-def]
    # an all -inf slice gives -inf, not nan, and an empty one log(0) = -inf, as NumPy's
    # log(sum(exp(x)))
    x = exp_float(x)
    m = max_shift(x, axis)
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


class LogSumExp(Reduction):
    __slots__ = ()
    name = "logsumexp"

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"logsumexp_kernel({args[0]}, {self.axes!r}, {self.keepdims})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (self.kept(g, x) * exp(x - self.kept(out, x)),)


class Any_(Reduction):
    """Whether any element along the axes is nonzero: a boolean mask, with no gradient."""

    __slots__ = ()
    name, numpy_name = "any", "np.any"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)


class All(Any_):
    """Whether every element along the axes is nonzero: a boolean mask, with no gradient."""

    __slots__ = ()
    name, numpy_name = "all", "np.all"


def _keepdims(name: str, keepdims: Any, *, positional: bool = True) -> bool:
    """``keepdims`` as NumPy reads it (a bool or an int; None is NumPy's default of the
    argument in that place). Anything else is refused: the third positional argument is
    keepdims here, where NumPy's is dtype or out, so ``sum(x, 0, np.float32)`` must not be
    read as keepdims=True; ``positional=False`` for functions taking keepdims by keyword only,
    whose errors need no such hint."""
    if keepdims is None or isinstance(keepdims, (bool, np.bool_)):
        return bool(keepdims)
    try:
        return bool(operator.index(keepdims))
    except TypeError:
        hint = (
            "; the third positional argument is keepdims here (NumPy's is dtype or out): give "
            f"those by keyword, as in {name}(x, axis, dtype=...)" if positional else ""
        )
        raise TypeError(f"{name}: keepdims must be True or False, got {keepdims!r}{hint}") from None


def _reduced_axes(name: str, axis: Any, ndim: int) -> tuple[int, ...]:
    """The axes NumPy's reductions (its ufuncs' ``reduce``: sum, prod, max, min, any, all) take:
    also a lone 0 or -1 for a 0-d array, reducing nothing, which mean, var, std and median
    refuse (they count the elements of the axes first)."""
    return () if lone_axis_of_0d(axis, ndim) else normalize_axes(name, axis, ndim)


def _reduce(cls: type[Reduction], x: Any, axis: Any, keepdims: bool) -> Node:
    keepdims = _keepdims(cls.name, keepdims)
    x = as_node(x)
    axes = _reduced_axes(cls.name, axis, x.ndim)
    # a complex logsumexp of one element is log(exp(z)), z with its imaginary part wrapped
    alone_is_itself = cls is not LogSumExp or x.dtype.kind != "c"
    if not axes and not keepdims and alone_is_itself:
        # each element reduced alone, in the reduction's dtype (NumPy's int8 sum is int64)
        return astype(x, dtype_by_running(cls(axes, False), [x.type]))
    return Node(cls(axes, bool(keepdims)), (x,))


_where = where  # ``where`` is also an argument of the reductions, as in NumPy


def reduction_mask(name: str, mask: Any, x: Node) -> Node | None:
    """NumPy's ``where=`` of a reduction over ``x``: None where it selects every element (None,
    or True, the default of NumPy's methods), else a boolean mask broadcast to ``x``'s shape
    (the mask broadcasts against the input, never the input against it)."""
    if mask is None or (isinstance(mask, (bool, np.bool_)) and mask):
        return None
    m = as_node(mask)
    if m.dtype != np.bool_:
        raise DTypeError(f"{name}: where must be a boolean mask, got {m.dtype}")
    try:
        if broadcast_shapes(name, m.shape, x.shape) == x.shape:
            return broadcast_to(m, x.shape)
    except ShapeError:
        pass
    raise ShapeError(f"{name}: where of shape {format_shape(m.shape)} does not broadcast to the "
                     f"input's shape {format_shape(x.shape)}")


def _reduce_with(cls: type[Reduction], x: Any, axis: Any, keepdims: bool, dtype: Any, out: Any,
                 initial: Any, mask: Any, identity: float | None) -> Node:
    """NumPy's reduction arguments around the plain reduction: ``dtype`` converts first and is
    the result's dtype (np.sum(x, dtype=int8) adds in int8, wrapping around, where the sum of
    int8 values is otherwise int64), elements where the mask ``where`` is false count as the
    ``identity`` (max and min have none: NumPy asks for ``initial`` with ``where`` there, as
    here), and ``initial`` joins the reduced elements."""
    result = _reduce_with_elements(cls, x, axis, keepdims, dtype, out, initial, mask, identity)
    # integer sums and products wrap around the same whether cast before or after adding
    return result if dtype is None else astype(result, dtype)


def _reduce_with_elements(cls: type[Reduction], x: Any, axis: Any, keepdims: bool, dtype: Any,
                          out: Any, initial: Any, mask: Any, identity: float | None) -> Node:
    name = cls.name
    keepdims = _keepdims(name, keepdims)
    no_out(name, out)
    x = as_node(x)
    if dtype is not None:
        x = astype(x, numeric_dtype(dtype, name))
    m = reduction_mask(name, mask, x)
    if m is not None:
        if identity is None and initial is None:
            raise ValueError(f"{name}: where= needs initial=, the value of a reduction of no elements")
        if identity is not None:
            fill = identity
        else:  # max and min: beyond any element (or the initial value, for integers)
            fill = (-np.inf if name == "max" else np.inf) if x.dtype.kind == "f" else initial
        x = _where(m, x, astype(as_node(fill, like=x), x.dtype))
    if initial is None:
        return _reduce(cls, x, axis, keepdims)
    axes = _reduced_axes(name, axis, x.ndim)
    out_dtype = dtype_by_running(cls(axes, bool(keepdims)), [x.type])
    start = astype(initial, out_dtype) if isinstance(initial, Node) else as_node(
        _initial_value(name, initial, out_dtype))
    if start.ndim:
        raise ShapeError(f"{name}: initial must be a scalar, got shape {format_shape(start.shape)}")
    if builtins.any(x.shape[k] == 0 for k in axes):  # only the initial value: NumPy's result
        shape = tuple(1 if k in axes else d for k, d in enumerate(x.shape)) if keepdims else tuple(
            d for k, d in enumerate(x.shape) if k not in axes)
        return broadcast_to(start, shape)
    bound = _bound(name, x.dtype)
    from_bound = bound is not None and start is as_node(np.asarray(bound).astype(out_dtype))
    if bound is not None and axes and (
            from_bound or builtins.any(isinstance(x.shape[k], str) for k in axes)):
        # a named dimension may be empty when the function runs, where NumPy's max has no
        # value but the initial one: the reduction starts from the dtype's bound, which changes
        # no other result (NaN still wins), and is all there is when that is the initial value
        reduced = Node(cls(axes, bool(keepdims), bound), (x,))  # type: ignore[call-arg]
        if from_bound:
            return reduced
    else:
        reduced = _reduce(cls, x, axis, keepdims)
    combine = {"sum": lambda a, b: a + b, "prod": lambda a, b: a * b,
               "max": maximum, "min": minimum}[name]
    return combine(reduced, start)


def _initial_value(name: str, initial: Any, dtype: np.dtype) -> np.ndarray:
    """``initial`` in the result's ``dtype`` as NumPy converts it: a float joins an integer
    result truncated (2.5 as 2), and a value the integer dtype cannot hold (300 for int8, -2
    for uint64, nan) is refused, as NumPy's OverflowError, rather than wrapped around."""
    value = np.asarray(initial)
    if dtype.kind in "iu" and value.dtype.kind in "iuf" and value.size == 1:
        number = value.reshape(()).item()
        fits = math.isfinite(number) if isinstance(number, float) else True
        info = np.iinfo(dtype)
        if not fits or not info.min <= math.trunc(number) <= info.max:
            raise DTypeError(
                f"{name}: initial={initial!r} does not fit {dtype}, the dtype of the result; "
                f"give a value in [{info.min}, {info.max}] or convert the input first (dtype=...)"
            )
    return value.astype(dtype)


def _bound(name: str, dtype: np.dtype) -> float | int | bool | None:
    """The value below (above, for min) every value of ``dtype``: where max (min) starts, or
    None when there is none (sum and prod have their identities; complex numbers)."""
    if name not in ("max", "min"):
        return None
    low = name == "max"
    if dtype.kind == "f":
        return -np.inf if low else np.inf
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return int(info.min if low else info.max)
    if dtype.kind == "b":
        return not low
    return None


def sum(x: Any, axis: Any = None, keepdims: bool = False, *, dtype: Any = None,  # noqa: A001
        out: Any = None, initial: Any = None, where: Any = None) -> Node:
    """Sum over ``axis`` (all axes when None); ``dtype``, ``initial`` and ``where`` as NumPy's."""
    if dtype is None and out is None and initial is None and where is None:
        return _reduce(Sum, x, axis, keepdims)
    return _reduce_with(Sum, x, axis, keepdims, dtype, out, initial, where, 0.0)


def max(x: Any, axis: Any = None, keepdims: bool = False, *, out: Any = None,  # noqa: A001
        initial: Any = None, where: Any = None) -> Node:
    """Maximum over ``axis``; its gradient goes to the maximum (ties share it equally).
    ``initial`` and ``where`` (which needs ``initial``) as NumPy's."""
    _not_two_values("max", "maximum", axis)
    if out is None and initial is None and where is None:
        return _reduce(Max, x, axis, keepdims)
    return _reduce_with(Max, x, axis, keepdims, None, out, initial, where, None)


def min(x: Any, axis: Any = None, keepdims: bool = False, *, out: Any = None,  # noqa: A001
        initial: Any = None, where: Any = None) -> Node:
    """Minimum over ``axis``; its gradient goes to the minimum (ties share it equally).
    ``initial`` and ``where`` (which needs ``initial``) as NumPy's."""
    _not_two_values("min", "minimum", axis)
    if out is None and initial is None and where is None:
        return _reduce(Min, x, axis, keepdims)
    return _reduce_with(Min, x, axis, keepdims, None, out, initial, where, None)


def _not_two_values(name: str, elementwise: str, axis: Any) -> None:
    # max(x, y) in Python's sense: NumPy's max takes an axis there; say which function is meant
    if isinstance(axis, (Node, float)) or (isinstance(axis, np.ndarray) and index_int(axis) is None):
        raise TypeError(f"{name}: axis must be an int or a tuple of ints, got {axis!r}; for the "
                        f"elementwise {elementwise} of two arrays use {elementwise}(a, b)")


def prod(x: Any, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, out: Any = None,
         initial: Any = None, where: Any = None) -> Node:
    """Product over ``axis``; ``dtype``, ``initial`` and ``where`` as NumPy's."""
    if dtype is None and out is None and initial is None and where is None:
        return _reduce(Prod, x, axis, keepdims)
    return _reduce_with(Prod, x, axis, keepdims, dtype, out, initial, where, 1.0)


def ptp(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Node:
    """The range (peak to peak), ``max - min`` over ``axis``: ``sd.ptp(x, axis=0)``, in the
    input's dtype (an integer range wraps around, as NumPy's). The gradient goes to the maximum
    and, negated, to the minimum."""
    no_out("ptp", out)
    x = as_node(a)
    if x.dtype == np.bool_:
        raise DTypeError("ptp: boolean input is not supported, as in NumPy (max - min of "
                         "booleans is no subtraction); convert it first, astype(x, int)")
    _reduced_axes("ptp", axis, x.ndim)  # checked here, so that an error names ptp, not max
    return _reduce(Max, x, axis, keepdims) - _reduce(Min, x, axis, keepdims)


def count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Node:
    """How many elements are not zero (not false) over ``axis``, an intp count, as NumPy's:
    ``sd.count_nonzero(x > 0, axis=0)``. It has no gradient."""
    x = as_node(a)
    _reduced_axes("count_nonzero", axis, x.ndim)
    return sum(x if x.dtype == np.bool_ else not_equal(x, 0), axis, keepdims, dtype=np.intp)


def allclose(a: Any, b: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False) -> Node:
    """Whether ``isclose`` holds for every element: ``sd.allclose(x, y)``, a 0-d boolean
    expression (NumPy's is a Python bool, which an expression's value is not until it runs)."""
    return _logical(All, _isclose("allclose", a, b, rtol, atol, equal_nan), None, False)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False, *, b: Any = None,
              return_sign: bool = False) -> Node | tuple[Node, Node]:
    """log(sum(exp(x))) over ``axis``, computed without overflow: ``sd.logsumexp(x, axis=1)``.

    As SciPy's: ``b`` weighs the terms, log(sum(b * exp(x))), broadcast against ``x`` (a term
    whose weight is 0 is left out, also where x is inf or nan); a negative sum is nan (log of
    it), unless ``return_sign=True``, which gives the pair (log|sum|, sign of the sum) instead
    (-inf and 0 for a sum of 0). Gradients flow to ``x`` and to ``b``. Both by keyword: the third
    positional argument is ``keepdims`` here, as in the other reductions (SciPy's is ``b``)."""
    if not isinstance(return_sign, (bool, np.bool_)):
        raise TypeError(f"logsumexp: return_sign must be True or False, got {return_sign!r}")
    keepdims = _keepdims("logsumexp", keepdims)
    if b is None and not return_sign:
        return _reduce(LogSumExp, x, axis, keepdims)
    x = as_node(x)
    if x.dtype.kind == "c":
        raise NotImplementedError(f"logsumexp: complex x ({x.dtype}) with b= or return_sign=True "
                                  "is not supported; give real values")
    if b is None:  # the plain graph, and the sign of a sum of exponentials: 1, 0 when -inf
        out = _reduce(LogSumExp, x, axis, keepdims)
        return out, where(isnan(out), out, astype(not_equal(out, -math.inf), out.dtype))
    w = as_node(b, like=x)
    if w.dtype.kind == "c":
        raise NotImplementedError(f"logsumexp: complex b ({w.dtype}) is not supported; give real values")
    dt = np.result_type(x.dtype, w.dtype)  # as SciPy's: integers and booleans give float64
    dt = dt if dt.kind == "f" else np.dtype(np.float64)
    shape = broadcast_shapes("logsumexp", x.shape, w.shape)
    x, w = broadcast_to(astype(x, dt), shape), broadcast_to(astype(w, dt), shape)
    axes = _reduced_axes("logsumexp", axis, len(shape))
    # the shift is the largest x among the terms that count (weight not 0), kept finite as in
    # the plain kernel; it cancels from the value, so it carries no gradient
    counted = not_equal(w, 0)
    top = Node(Max(axes, True, -math.inf), (where(counted, x, -math.inf),))
    shift = stop_gradient(where(isfinite(top), top, 0))
    e = exp(x - shift)
    # a left-out term is 0 also where exp overflows or x is nan (0 * inf is nan), while its
    # derivative in b, exp(x - shift), stays where it is finite
    e = where(logical_and(logical_not(counted), logical_not(isfinite(e))), 0, e)
    total = Node(Sum(axes, True), (w * e,))
    if return_sign:
        out, sgn = log(abs(total)) + shift, sign(total)
        if not keepdims:
            kept = Sum(axes, False).out_shape(shape)
            out, sgn = reshape(out, kept), reshape(sgn, kept)
        return out, sgn
    out = log(total) + shift
    return out if keepdims else reshape(out, Sum(axes, False).out_shape(shape))


def any(a: Any, axis: Any = None, keepdims: bool = False, *, out: Any = None,  # noqa: A001
        where: Any = None) -> Node:
    """Whether any element is nonzero (true) over ``axis``: ``sd.any(x > 0, axis=1)``;
    ``where`` as NumPy's (only the elements where it is true count: none gives False)."""
    no_out("any", out)
    return _logical(Any_, a, axis, keepdims, where)


def all(a: Any, axis: Any = None, keepdims: bool = False, *, out: Any = None,  # noqa: A001
        where: Any = None) -> Node:
    """Whether every element is nonzero (true) over ``axis``: ``sd.all(x > 0, axis=1)``;
    ``where`` as NumPy's (only the elements where it is true count: none gives True)."""
    no_out("all", out)
    return _logical(All, a, axis, keepdims, where)


def _logical(cls: type[Reduction], x: Any, axis: Any, keepdims: bool, where: Any = None) -> Node:
    keepdims = _keepdims(cls.name, keepdims)
    x = as_node(x)
    axes = _reduced_axes(cls.name, axis, x.ndim)
    m = reduction_mask(cls.name, where, x)
    if m is not None:  # an element left out is the reduction's identity: False for any, True for all
        x = _where(m, astype(x, np.bool_), cls is All)
    if not axes and not keepdims and x.dtype == np.bool_:
        return x
    return Node(cls(axes, bool(keepdims)), (x,))  # over no axes, still the cast to bool


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


def mean(x: Any, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, out: Any = None,
         where: Any = None) -> Node:
    """Arithmetic mean over ``axis``; integer inputs give float64, as in NumPy. ``dtype`` and
    ``where`` (the mean of the elements where the mask is true) as NumPy's."""
    keepdims = _keepdims("mean", keepdims)
    no_out("mean", out)
    x = as_node(x)
    if dtype is not None:
        x = astype(x, numeric_dtype(dtype, "mean"))
    elif x.dtype.kind in "biu":  # as NumPy's dtype f8: a sum past int64 must not wrap around
        x = astype(x, np.float64)
    axes = normalize_axes("mean", axis, x.ndim)
    # a given dtype is the sum's and the result's, also an integer one: np.mean(x, dtype=int64)
    # is the int64 sum divided, truncated back to int64
    out_dtype = x.dtype if x.type.is_float or dtype is not None else np.dtype(np.float64)
    if dtype is not None and x.dtype.kind in "biu":
        x_dtype = {"dtype": x.dtype}
    else:
        x_dtype = {}
    # as NumPy: a float16 mean adds and divides in float32 (65504 is float16's largest, so
    # the sum or the count of 70,000 elements would be inf), then rounds to float16
    work = np.dtype(np.float32) if out_dtype == np.float16 else out_dtype
    if x.dtype == np.float16:
        x = astype(x, work)
    m = reduction_mask("mean", where, x)
    if m is not None:
        total = sum(x, axes, keepdims, where=m, **x_dtype)
        return astype(astype(total, work) / astype(sum(m, axes, keepdims), work), out_dtype)
    total = sum(x, axes, keepdims, **x_dtype)
    n = count(x, axes)
    if n.op.name == "const":
        return astype(total / float(n.op.value), out_dtype)  # type: ignore[attr-defined]
    return astype(astype(total, work) / astype(n, work), out_dtype)


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



# -- statistics: variance, standard deviation, weighted average -------------------------------------


_mean = mean  # the name ``mean`` is also an argument of variance and std, as in NumPy


def variance(x: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
             keepdims: bool = False, *, where: Any = None, mean: Any = None,
             correction: Any = None) -> Node:
    """NumPy's ``var``: the mean squared deviation over ``axis``, divided by ``N - ddof``:
    ``sd.variance(x, axis=0, ddof=1)`` (also ``x.var(...)``; ``sd.var`` declares variables).

    ``correction`` is the array API's name for ``ddof`` and ``mean`` a mean already computed
    (with ``keepdims=True``), as in NumPy 2; ``where`` a boolean mask of the elements taken (a
    slice of none has variance nan, as in NumPy). Integer inputs give float64. ``dtype``, a float or
    complex dtype, is the one computed in and the result's, as NumPy's; ``out`` is not
    supported."""
    return _variance("variance", x, axis, dtype, out, ddof, keepdims, where, mean, correction)


def _variance(name: str, x: Any, axis: Any, dtype: Any, out: Any, ddof: Any, keepdims: bool,
              where: Any, mean: Any, correction: Any) -> Node:
    """``variance``, its errors naming ``name``: the function the user called."""
    no_out(name, out)
    if dtype is not None:  # computed in that dtype, the result in it too (complex too, as NumPy)
        computed = _statistics_dtype(name, as_node(x), dtype)
        x = astype(x, computed)
        return astype(_variance(name, x, axis, None, out, ddof, keepdims, where, mean, correction),
                      computed)
    keepdims = _keepdims(name, keepdims)
    x = as_node(x)
    if correction is not None:
        if not (isinstance(ddof, (int, float, np.integer, np.floating)) and ddof == 0):
            raise ValueError(f"{name}: give ddof or correction, not both (they are the same)")
        ddof = correction
    if isinstance(ddof, Node) or not isinstance(ddof, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: ddof must be a number, got {ddof!r}")
    axes = normalize_axes(name, axis, x.ndim)
    if x.dtype.kind not in "fc":
        x = astype(x, np.float64)
    mask = reduction_mask(name, where, x)
    if mean is not None:
        mean = as_node(mean, like=x)
        kept = tuple(1 if k in axes else d for k, d in enumerate(x.shape))
        if mean.shape != kept:
            raise ShapeError(
                f"{name}: mean has shape {format_shape(mean.shape)}; it must be the mean with "
                f"keepdims=True, of shape {format_shape(kept)}"
            )
    # with a mask, the mean, the sum of squares and the count all take its elements only (a
    # slice of none: 0 / 0, nan, as NumPy's)
    d = x - (_mean(x, axes, keepdims=True, where=mask) if mean is None else mean)
    if d.dtype.kind == "c":  # |d|**2 as NumPy takes it, real(d * conj(d)): a real variance
        total = sum(real(d * conj(d)), axes, keepdims, where=mask)
    else:
        total = sum(d ** 2, axes, keepdims, where=mask)
    n = count(x, axes) if mask is None else sum(mask, axes, keepdims)
    if n.op.name == "const":
        dof = builtins.max(float(n.op.value) - float(ddof), 0.0)  # type: ignore[attr-defined]
        return total / dof if dof != 1 else total
    # a count per slice (an integer array in NumPy) divides float16 in a wider dtype, as mean's:
    # a count above 2048 is not a float16 number
    work = np.dtype(np.float32) if total.dtype == np.float16 else total.dtype
    dof = astype(n, work)
    if ddof:  # NumPy's max(N - ddof, 0)
        dof = maximum(dof - float(ddof), 0) if ddof > 0 else dof - float(ddof)
    return astype(astype(total, work) / dof, total.dtype)


def _statistics_dtype(name: str, x: Node, dtype: Any) -> np.dtype:
    """The ``dtype`` std and variance compute in: a float or complex one. NumPy's integer one
    truncates the mean, and a real one for complex values drops their imaginary parts from the
    mean only (so neither is a variance): both are refused."""
    dt = numeric_dtype(dtype, name)
    if dt.kind not in "fc":
        raise NotImplementedError(
            f"{name}: dtype={dt} is not supported; give a float or complex dtype (in an integer "
            "or boolean one the mean would be truncated)"
        )
    if x.dtype.kind == "c" and dt.kind != "c":
        raise DTypeError(f"{name}: dtype={dt} would drop the imaginary parts of the {x.dtype} "
                         "values; give a complex dtype, or take real(x) first")
    return dt


def std(x: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
        keepdims: bool = False, *, where: Any = None, mean: Any = None,
        correction: Any = None) -> Node:
    """NumPy's ``std``: the square root of ``variance`` with the same arguments:
    ``sd.std(x, axis=1)`` or ``x.std(axis=1)``. Its gradient is nan where the variance is 0."""
    return sqrt(_variance("std", x, axis, dtype, out, ddof, keepdims, where, mean, correction))


def _constant_weights(weights: Any) -> np.ndarray | None:
    """The values of weights known when the graph is built: an array or number, a constant, or
    a constant broadcast to a static shape (``sd.zeros(3)``); else None."""
    if not isinstance(weights, Node):
        return np.asarray(weights)
    if isinstance(weights.op, BroadcastTo) and builtins.all(isinstance(d, int) for d in weights.shape):
        value = const_value(weights.inputs[0])
        return None if value is None else np.broadcast_to(value, weights.shape)
    return const_value(weights)


def _check_weight_sums(weights: Any, dtype: np.dtype, axes: tuple[int, ...], like_a: bool) -> None:
    """NumPy's ZeroDivisionError for constant weights summing to zero along ``axes`` (weights
    of a's shape, ``like_a``) or in all (1-D weights along one axis)."""
    value = _constant_weights(weights)
    if value is not None and value.dtype.kind in "biufc":
        sums = value.astype(dtype).sum(axis=axes if like_a else None)
        if np.any(sums == 0):
            where = f" along axis {axes[0] if len(axes) == 1 else axes}"
            raise ZeroDivisionError(f"average: weights sum to zero{where}, can't be normalized "
                                    f"(constant weights of shape {format_shape(value.shape)})")


def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Node | tuple[Node, Node]:
    """NumPy's ``average``: ``sum(a * w) / sum(w)`` over ``axis``: ``sd.average(x, weights=w)``.

    ``weights`` has the shape of ``a``, or is 1-D along a single ``axis``; without weights it is
    ``mean``. ``returned=True`` gives the pair ``(average, sum of weights)``, the sum (the count
    of elements without weights) broadcast to the average's shape and in its dtype, as NumPy's.
    Constant weights that sum to zero (along the axes, in the result's dtype) raise NumPy's
    ZeroDivisionError when the graph is built; weights that are an expression are not known
    then, and where their sum is zero the average is the division's inf or nan."""
    # checked here, not by the mean or sum it is built from, so that errors say average
    keepdims = _keepdims("average", keepdims, positional=False)
    a = as_node(a)
    axes = normalize_axes("average", axis, a.ndim, lists=True)
    if weights is None:
        avg = _mean(a, axes, keepdims)
        if not returned:
            return avg
        return avg, broadcast_to(astype(count(a, axes), avg.dtype), avg.shape)
    w = as_node(weights, like=a)
    if a.dtype.kind in "iub":
        dt = np.result_type(a.dtype, w.dtype, np.float64)
    else:
        dt = np.result_type(a.dtype, w.dtype)
    a, w = astype(a, dt), astype(w, dt)
    like_a = w.shape == a.shape
    if not like_a:
        if axis is None:
            raise ShapeError(
                f"average: weights of shape {format_shape(w.shape)} differ from a's "
                f"{format_shape(a.shape)}; give the axis they run along"
            )
        if w.ndim != len(axes) or tuple(a.shape[k] for k in axes) != w.shape:
            raise ShapeError(
                f"average: weights of shape {format_shape(w.shape)} do not match a's shape "
                f"{format_shape(a.shape)} along axis {axis!r}"
            )
        w = reshape(w, tuple(a.shape[k] if k in axes else 1 for k in range(a.ndim)))
    _check_weight_sums(weights, dt, axes, like_a)
    # a reshaped w broadcasts against the result; its sum over the axes is the normalizer
    total = sum(w, axes, keepdims)
    avg = sum(a * w, axes, keepdims) / total
    return (avg, broadcast_to(total, avg.shape)) if returned else avg
