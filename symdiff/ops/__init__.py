"""The op library: every public function by name, and the operator sugar installed on Node.

``FUNCTIONS`` is the one registry of user-callable names; the parser, the printers and the
public package read it.
"""

from __future__ import annotations

from typing import Any

from ..ir import Node
from . import elementwise as ew
from . import linalg, nn, reduce, shape
from .base import HELPERS, Const, DimSize, Var, as_node, const, dim_size, symbols, var
from .elementwise import (
    abs, add, astype, cos, divide, equal, exp, expm1, greater, greater_equal, less, less_equal,
    log, log1p, maximum, minimum, multiply, negative, not_equal, power, relu, sigmoid, sign, sin,
    softplus, sqrt, stop_gradient, subtract, tan, tanh, where,
)
from .linalg import dot, einsum, matmul
from .nn import log_softmax, one_hot, softmax
from .reduce import logsumexp, max, mean, min, prod, sum, sum_to
from .shape import (
    arange, broadcast_to, concatenate, expand_dims, index, reshape, stack, swapaxes, transpose,
    zeros, zeros_like,
)

FUNCTIONS: dict[str, Any] = {
    f.__name__: f
    for f in (
        abs, add, arange, astype, broadcast_to, concatenate, cos, divide, dot, einsum, equal, exp,
        expand_dims, expm1, greater, greater_equal, less, less_equal, log, log1p, log_softmax,
        logsumexp, matmul, max, maximum, mean, min, minimum, multiply, negative, not_equal, one_hot,
        power, prod, relu, reshape, sigmoid, sign, sin, softmax, softplus, sqrt, stack,
        stop_gradient, subtract, sum, swapaxes, tan, tanh, transpose, where,
    )
}
# -- products and linear algebra (NumPy's linalg functions are named "linalg.<name>")
from .products import inner, kron, outer, tensordot, vdot  # noqa: E402

FUNCTIONS.update({f.__name__: f for f in (inner, kron, outer, tensordot, vdot)})
FUNCTIONS.update({
    f"linalg.{f.__name__}": f
    for f in (linalg.cholesky, linalg.det, linalg.eigh, linalg.eigvalsh, linalg.inv, linalg.norm,
              linalg.slogdet, linalg.solve, linalg.svdvals)
})

# -- more shape and selection functions
from . import diagonals, layout, selection  # noqa: E402
from .diagonals import diag, diagonal, trace, tril, triu  # noqa: E402
from .layout import (  # noqa: E402
    array_split, atleast_1d, atleast_2d, atleast_3d, flip, fliplr, flipud, moveaxis, pad, ravel,
    repeat, roll, split, squeeze, tile,
)
from .selection import argmax, argmin, argsort, sort, take_along_axis  # noqa: E402
from .shape import take  # noqa: E402

FUNCTIONS.update({
    f.__name__: f
    for f in (
        argmax, argmin, argsort, array_split, atleast_1d, atleast_2d, atleast_3d, diag, diagonal,
        flip, fliplr, flipud, moveaxis, pad, ravel, repeat, roll, sort, split, squeeze, take,
        take_along_axis, tile, trace, tril, triu,
    )
})


def _transpose_method(self: Node, *axes: Any) -> Node:
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        axes = axes[0]
    return transpose(self, axes or None)


def _pow(self: Node, other: Any, modulo: Any = None) -> Node:
    if modulo is not None:
        raise NotImplementedError("pow() with a modulus is not supported")
    return power(self, other)


# One table: Python's operator protocol -> symdiff function.
_SUGAR: dict[str, Any] = {
    "__add__": add,
    "__radd__": lambda s, o: add(o, s),
    "__sub__": subtract,
    "__rsub__": lambda s, o: subtract(o, s),
    "__mul__": multiply,
    "__rmul__": lambda s, o: multiply(o, s),
    "__truediv__": divide,
    "__rtruediv__": lambda s, o: divide(o, s),
    "__pow__": _pow,
    "__rpow__": lambda s, o: power(o, s),
    "__matmul__": matmul,
    "__rmatmul__": lambda s, o: matmul(o, s),
    "__neg__": negative,
    "__pos__": lambda s: s,
    "__abs__": abs,
    "__lt__": less,
    "__le__": less_equal,
    "__gt__": greater,
    "__ge__": greater_equal,
    "__eq__": equal,
    "__ne__": not_equal,
    "__getitem__": index,
    "sum": sum,
    "mean": mean,
    "max": max,
    "min": min,
    "prod": prod,
    "reshape": reshape,
    "transpose": _transpose_method,
    "astype": astype,
    "T": property(lambda s: transpose(s)),
}
for _name, _fn in _SUGAR.items():
    setattr(Node, _name, _fn)
# -- more shape and selection methods (ndarray.sort sorts in place; here it returns a new node)
_SHAPE_METHODS: dict[str, Any] = {
    "squeeze": squeeze,
    "swapaxes": swapaxes,
    "ravel": ravel,
    "flatten": ravel,
    "repeat": repeat,
    "diagonal": diagonal,
    "trace": trace,
    "take": take,
    "sort": sort,
    "argsort": argsort,
    "argmax": argmax,
    "argmin": argmin,
}
for _name, _fn in _SHAPE_METHODS.items():
    setattr(Node, _name, _fn)

Node.__array_ufunc__ = None  # type: ignore[attr-defined]  # ndarray * node defers to Node.__rmul__

__all__ = [
    "FUNCTIONS", "HELPERS", "Const", "DimSize", "Var", "as_node", "const", "dim_size", "ew",
    "linalg", "nn", "reduce", "shape", "diagonals", "layout", "selection", "sum_to", "symbols", "var", "zeros", "zeros_like",
    *(name for name in FUNCTIONS if name.isidentifier()),  # linalg.<name> is reached as sd.linalg
]
