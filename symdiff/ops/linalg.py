"""``sd.linalg``: NumPy's linear algebra, batched over leading axes, with matrix-calculus
derivative rules written in symdiff ops (so they differentiate again), plus the products. The
functions of square matrices (inverse, determinants and det's derivatives, solve) live in
``matrix``, the decompositions (Cholesky, eigh, svd, QR, and pinv and lstsq on them) in
``decompositions``; the norms here.

Conventions, as NumPy computes them:

- ``cholesky``, ``eigh`` and ``eigvalsh`` read one triangle of their input (the lower one, or the
  upper one for ``UPLO="U"`` / ``upper=True``); the other triangle does not influence the result,
  so its derivative is zero. On the read triangle the derivative is that of the symmetric matrix
  it describes (off-diagonal entries count twice).
- Non-smooth or undefined points: ``det`` is a polynomial, and its derivatives of every order
  are defined at every matrix, singular ones too (``det_derivative``: the cofactor matrix, and the
  gradients of det's higher derivatives: from LU factors where no pivot is zero, else from
  the SVD without dividing by det). ``inv``'s,
  ``solve``'s and ``slogdet``'s derivatives need an invertible matrix (at a singular one the
  evaluation raises NumPy's LinAlgError or gives inf/nan); ``slogdet``'s sign is piecewise
  constant, its derivative zero. ``eigh``'s eigenvector
  derivative divides by eigenvalue gaps: repeated eigenvalues give inf/nan (the eigenvectors are
  not unique there); eigenvalue derivatives are finite but only one-sided at a crossing.
  ``svdvals`` (and ``svd``'s S, the same rule) has the gradient ``U diag(g) Vh`` of the SVD's own
  vectors, finite everywhere; its second derivative is theirs: ``svd``'s U and Vh divide by the
  gaps of the singular values (and, of a non-square matrix, by the values): zero or repeated
  singular values give inf/nan there; ``svd``'s U and Vh's
  derivative is refused for the arbitrary completion ``full_matrices=True`` adds to a non-square
  matrix. ``qr``'s derivatives need a matrix of full rank, and are refused for the completion
  mode='complete' adds to Q of a matrix with more rows than columns. ``pinv``'s derivative is
  that of a matrix of constant rank; it jumps where a singular value crosses the cutoff.
  ``norm`` of a vector at zero has derivative zero (a subgradient); matrix 2-norms and nuclear
  norms inherit ``svdvals``'s points.
- Complex matrices are not supported (the rules would need conjugate transposes).
"""

from __future__ import annotations

import math
from builtins import max as builtins_max
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..ir import Dim, Node, format_shape
from .base import as_node, as_nodes, helper, normalize_axes, normalize_axis

# the ops of the functions below are importable from here too (listed in __all__): graphs
# pickled when they lived in this module name them so
from .decompositions import (
    Cholesky, EighResult, EighValues, EighVectors, LstsqResult, Pinv, QrQ, QrR, QRResult,
    SingularValues, SVDResult, SvdU, SvdVh, cholesky, eigh, eigvalsh, lstsq, pinv, qr, svd, svdvals,
)
from .diagonals import diagonal as _diagonal
from .diagonals import trace as _trace
from .elementwise import abs, astype, greater, isnan, logical_and, logical_not, not_equal, power, where
from .numeric import ratio_or_zero
from .matrix import (
    Det, DetDerivative, Inv, SlogdetLog, SlogdetResult, SlogdetSign, Solve, _float_dtype, _square,
    abs_, det, det_derivative, inv, matrix_power, multi_dot, slogdet, solve,
)
from .products import (
    Einsum, MatMul, dot, einsum, inner, kron, matmul, matrix_transpose, tensordot, vdot,
)
from .products import vecdot as _vecdot
from .products import cross as _cross
from .products import outer as _outer
from .reduce import Reduction, any, count_nonzero, max, min, sum
from .layout import moveaxis
from .shape import expand_dims, reshape, transpose

__all__ = [
    "cholesky", "cond", "cross", "det", "det_derivative", "diagonal", "dot", "eigh", "eigvalsh", "einsum",
    "inner", "inv", "inv_or_nan", "kron", "lstsq", "matmul", "matrix_norm", "matrix_power",
    "matrix_rank",
    "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve", "svd",
    "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vdot", "vecdot", "vector_norm",
    # ops, importable from here for pickled graphs
    "Cholesky", "Det", "DetDerivative", "EighValues", "EighVectors", "Einsum", "Inv", "InvOrNan",
    "MatMul",
    "Pinv", "QrQ", "QrR", "SingularValues", "SlogdetLog", "SlogdetSign", "Solve", "SvdU", "SvdVh",
]


class EuclideanNorm(Reduction):
    """sqrt(sum(x**2)) over ``axes``: the vector 2-norm and the Frobenius norm. Its derivative
    x / norm is taken as zero where the norm is zero (a subgradient), not 0/0."""

    __slots__ = ()
    name = "norm"

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        keep = ", keepdims=True" if self.keepdims else ""
        return f"np.sqrt(np.sum(np.square({args[0]}), axis={self.axis_src()}{keep}))"

    def text(self, args: Sequence[str]) -> str:
        keep = ", keepdims=True" if self.keepdims else ""
        if len(self.axes) not in (1, 2):  # only ever all the axes: that is norm without axis
            return f"linalg.norm({args[0]}{keep})"
        return f"linalg.norm({args[0]}, axis={self.axis_src()}{keep})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (ratio_or_zero(x, self.kept(out, x)) * self.kept(g, x),)


def _euclidean(x: Node, axes: Sequence[int], keepdims: bool) -> Node:
    return Node(EuclideanNorm(tuple(sorted(axes)), bool(keepdims)), (x,))


def _smallest(values: Node, axis: int, keepdims: bool, x: Node, ord: Any, along: Any) -> Node:
    """``min`` of ``values`` along ``axis``, for a norm of ``x`` along the axes ``along``:
    refused when the axis is empty, as NumPy refuses the minimum of no values, with the error
    naming norm (``min``'s would name the function norm is built on)."""
    if values.shape[axis] == 0:
        raise ShapeError(
            f"linalg.norm: ord={ord!r} of shape {format_shape(x.shape)} along "
            f"{'axes' if isinstance(along, tuple) else 'axis'} {along!r} is "
            "the smallest of no values, which is not defined (NumPy raises ValueError)"
        )
    return min(values, axis=axis, keepdims=keepdims)


def _vector_norm(x: Node, ord: Any, axis: int, keepdims: bool) -> Node:
    if ord is None or (not isinstance(ord, str) and ord == 2):
        return _euclidean(x, (axis,), keepdims)
    if isinstance(ord, str):
        raise ValueError(f"linalg.norm: invalid norm order {ord!r} for vectors")
    if ord == np.inf:
        # NumPy's largest |x| starts from 0, so a vector of no elements has norm 0
        initial = 0 if x.shape[axis] == 0 else None
        return max(abs(x), axis=axis, keepdims=keepdims, initial=initial)
    if ord == -np.inf:
        return _smallest(abs(x), axis, keepdims, x, ord, axis)
    if ord == 0:
        return sum(astype(not_equal(x, 0), x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    p = float(ord)
    s = sum(power(abs(x), p), axis=axis, keepdims=keepdims)
    if p > 0:  # 0 at s = 0 (no infinite slope there); a nan in x stays nan, as NumPy's
        return where(not_equal(s, 0), power(s, 1.0 / p), 0.0)
    return power(s, 1.0 / p)


def _matrix_norm(x: Node, ord: Any, axes: tuple[int, int], keepdims: bool) -> Node:
    row, col = axes
    if ord is None or ord in ("fro", "f"):  # 'f', NumPy's other name of the Frobenius norm
        return _euclidean(x, axes, keepdims)
    if ord in (1, -1, np.inf, -np.inf) and not isinstance(ord, str):
        # 1: the largest column sum of |x|; inf: the largest row sum
        inner_axis, outer_axis = (row, col) if abs_(ord) == 1 else (col, row)
        sums = sum(abs(x), axis=inner_axis, keepdims=True)
        # NumPy's largest sum starts from 0, so a matrix of no columns (rows) has norm 0
        initial = 0 if ord > 0 and x.shape[outer_axis] == 0 else None
        if ord > 0:
            out = max(sums, axis=outer_axis, keepdims=True, initial=initial)
        else:
            out = _smallest(sums, outer_axis, True, x, ord, axes)
        return out if keepdims else reshape(out, tuple(d for k, d in enumerate(x.shape) if k not in axes))
    if ord in ("nuc", 2, -2):
        _float_dtype("linalg.norm", x.type)  # svdvals' dtype check, naming norm
        rest = [k for k in range(x.ndim) if k not in axes]
        sv = svdvals(transpose(x, (*rest, row, col)))
        initial = 0 if ord == 2 and sv.shape[-1] == 0 else None  # as for ord=1 and inf
        if ord == -2:
            out = _smallest(sv, -1, False, x, ord, axes)
        else:
            out = {"nuc": sum, 2: max}[ord](sv, axis=-1, initial=initial)
        if keepdims:
            out = reshape(out, tuple(1 if k in axes else d for k, d in enumerate(x.shape)))
        return out
    raise ValueError(f"linalg.norm: invalid norm order {ord!r} for matrices")


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Node:  # noqa: A002
    """Vector or matrix norms as ``np.linalg.norm``: ``ord`` None/2/1/inf/-inf/0/p for vectors,
    None/'fro'/'nuc'/1/-1/2/-2/inf/-inf for matrices (``axis`` a pair, or 2-D input).

    >>> x, A = sd.var("x", (2,)), sd.var("A", (2, 3))
    >>> sd.linalg.norm(x), sd.linalg.norm(A, "fro"), sd.linalg.norm(A, axis=1).shape
    (linalg.norm(x, axis=0), linalg.norm(A, axis=(0, 1)), (2,))
    >>> sd.evaluate(sd.linalg.norm(x), {"x": [3.0, 4.0]})
    array(5.)
    """
    x_ = as_node(x)
    spectral_ok = True
    if x_.dtype.kind == "c":
        # every norm but the spectral and nuclear ones is the same norm of the moduli
        x_, spectral_ok = abs(x_), False
    if x_.dtype.kind != "f":
        x_ = astype(x_, np.float64)
    if axis is None:
        if ord is None:
            return _euclidean(x_, range(x_.ndim), keepdims)
        if x_.ndim not in (1, 2):
            raise ShapeError(
                f"linalg.norm: ord={ord!r} without axis needs a vector or a matrix, got shape "
                f"{format_shape(x_.shape)}"
            )
        axis = tuple(range(x_.ndim))
    if isinstance(axis, list):  # NumPy's norm refuses one
        raise TypeError(f"linalg.norm: axis must be None, an int or a tuple of ints, got the list "
                        f"{axis!r}; pass axis={tuple(axis)!r}")
    if isinstance(axis, tuple):
        if len(axis) == 1:
            axis = axis[0]
        elif len(axis) == 2:
            a0 = normalize_axis("linalg.norm", axis[0], x_.ndim)
            a1 = normalize_axis("linalg.norm", axis[1], x_.ndim)
            if a0 == a1:
                raise ShapeError(f"linalg.norm: duplicate axes {tuple(axis)!r}")
            if not spectral_ok and ord in ("nuc", 2, -2):
                raise NotImplementedError(
                    f"linalg.norm: ord={ord!r} of complex matrices (their singular values) is not supported"
                )
            return _matrix_norm(x_, ord, (a0, a1), keepdims)
        else:
            raise ShapeError(f"linalg.norm: axis must be an int or a pair of ints, got {axis!r}")
    a = normalize_axis("linalg.norm", axis, x_.ndim)
    return _vector_norm(x_, ord, a, keepdims)


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Node:  # noqa: A002
    """NumPy 2's ``linalg.vector_norm``: the ``ord``-norm (as ``norm``'s for vectors) of the
    elements over ``axis``, all of them when None, several axes taken together as one vector:
    ``sd.linalg.vector_norm(X, axis=(0, 2), ord=1)``."""
    x_ = as_node(x)
    if isinstance(ord, str):
        raise ValueError(f"linalg.vector_norm: invalid norm order {ord!r} for vectors")
    axes = normalize_axes("linalg.vector_norm", axis, x_.ndim)
    if len(axes) == 1:
        return norm(x_, ord, axes[0], keepdims)
    # the axes taken moved to the front and made one, as NumPy reshapes them
    rest = [d for k, d in enumerate(x_.shape) if k not in axes]
    taken = [x_.shape[k] for k in axes]
    size = int(np.prod(taken)) if all(isinstance(d, int) for d in taken) else -1
    vectors = reshape(moveaxis(x_, axes, tuple(range(len(axes)))), (size, *rest))
    result = norm(vectors, ord, 0)
    if keepdims:
        result = reshape(result, tuple(1 if k in axes else d for k, d in enumerate(x_.shape)))
    return result


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Node:  # noqa: A002
    """NumPy 2's ``linalg.matrix_norm``: ``norm`` of the matrices in the last two axes (any
    leading axes are a batch): ``sd.linalg.matrix_norm(A, ord="nuc")``."""
    x_ = as_node(x)
    if not (ord is None or (ord in ("fro", "f", "nuc") if isinstance(ord, str)
                            else ord in (1, -1, 2, -2, np.inf, -np.inf))):
        raise ValueError(f"linalg.matrix_norm: invalid norm order {ord!r} for matrices")
    _matrices("matrix_norm", x_)
    return norm(x_, ord, (-2, -1), keepdims)


# -- NumPy 2's array-API functions of linalg: the same products, on the last axes -------------


def _matrices(name: str, x: Node) -> None:
    if x.ndim < 2:
        raise ShapeError(f"linalg.{name}: needs matrices, an array of at least 2 dimensions; got "
                         f"shape {format_shape(x.shape)}")


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Node:
    """NumPy 2's ``linalg.cross``: the cross product of 3-vectors along ``axis`` (2-vectors are
    refused, unlike ``np.cross``): ``sd.linalg.cross(u, v)``."""
    a, b = as_nodes(x1, x2, name="linalg.cross")
    for v in (a, b):
        if v.ndim == 0 or v.shape[normalize_axis("linalg.cross", axis, v.ndim)] != 3:
            raise ShapeError(f"linalg.cross: both inputs must be (arrays of) 3-vectors along axis "
                             f"{axis}, got shapes {format_shape(a.shape)} and {format_shape(b.shape)}")
    return _cross(a, b, axis=axis)


def outer(x1: Any, x2: Any, /) -> Node:
    """NumPy 2's ``linalg.outer``: the outer product of two vectors (other shapes are refused,
    where ``np.outer`` flattens them): ``sd.linalg.outer(u, v)``."""
    a, b = as_nodes(x1, x2, name="linalg.outer")
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"linalg.outer: both inputs must be vectors, got shapes "
                         f"{format_shape(a.shape)} and {format_shape(b.shape)}")
    return _outer(a, b)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Node:
    """NumPy 2's ``linalg.vecdot``: ``vecdot`` along ``axis``, the other axes broadcast:
    ``sd.linalg.vecdot(a, b)``."""
    return _vecdot(x1, x2, axis=axis)


def diagonal(x: Any, /, *, offset: int = 0) -> Node:
    """NumPy 2's ``linalg.diagonal``: the diagonal ``offset`` of the matrices in the last two
    axes: ``sd.linalg.diagonal(A)``."""
    a = as_node(x)
    _matrices("diagonal", a)
    return _diagonal(a, offset, -2, -1)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Node:
    """NumPy 2's ``linalg.trace``: the sum along the diagonal ``offset`` of the matrices in the
    last two axes (``np.trace`` takes the first two): ``sd.linalg.trace(A)``."""
    a = as_node(x)
    _matrices("trace", a)
    return _trace(a, offset, -2, -1, dtype=dtype)


@helper
def inv_or_nan_kernel(a):  # type: ignore[no-untyped-def]
    # the inverse of each matrix of a stack, NaNs for a singular one, where np.linalg.inv raises
    # for the whole stack: the inverse NumPy's cond takes (a gufunc call ignoring the error)
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        out = np.empty_like(a)
    for k in np.ndindex(a.shape[:-2]):
        try:
            out[k] = np.linalg.inv(a[k])
        except np.linalg.LinAlgError:
            out[k] = np.nan
    return out


class InvOrNan(Inv):
    """``inv`` that gives NaNs for a singular matrix (of a stack) instead of raising: the
    inverse ``cond`` takes, as NumPy's. Printed, drawn and converted to SymPy as the inverse it
    is wherever one exists; its derivative is inv's."""

    __slots__ = ()
    function = "linalg.inv_or_nan"

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"inv_or_nan_kernel({args[0]})"

    def text(self, args: Sequence[str]) -> str:
        return f"linalg.inv_or_nan({args[0]})"


def inv_or_nan(x: Any) -> Node:
    """The inverse of a matrix (or of each in a stack), NaNs for a singular one where ``inv``
    raises for the whole stack: the inverse ``cond`` takes, as NumPy's:
    ``sd.linalg.inv_or_nan(A)``."""
    return Node(InvOrNan(), (as_node(x),))


def _nan_as_inf(r: Node, a: Node) -> Node:
    """``r`` with NaN replaced by inf where the matrix of ``a`` holds no NaN, as NumPy's cond
    reports a singular matrix (0/0 of singular values, or NaNs of its inverse)."""
    return where(logical_and(isnan(r), logical_not(any(isnan(a), axis=(-2, -1)))), np.inf, r)


def cond(x: Any, p: Any = None) -> Node:
    """The condition number of a matrix (or of each in a stack) in the norm ``p``, as NumPy's:
    ``sd.linalg.cond(A)``. For ``p`` None, 2 or -2 it is a ratio of singular values; for the
    other norms (1, -1, inf, -inf, "fro", "nuc") it is ``norm(A, p) * norm(inv(A), p)``. A
    singular matrix (of a stack) gives inf, one holding NaN gives NaN; for "nuc" the singular
    values of a singular matrix's inverse (NaNs) raise NumPy's LinAlgError, as NumPy's cond
    does. Differentiable where the matrix is invertible; where the result is that inf, its
    gradient is zero (a replaced value has no slope)."""
    a = as_node(x)
    _matrices("cond", a)
    rows, cols = a.shape[-2:]
    if 0 in (rows, cols):
        raise ShapeError(f"linalg.cond: not defined for empty matrices, got shape "
                         f"{format_shape(a.shape)} (NumPy raises LinAlgError)")
    singular_values = p is None or (not isinstance(p, str) and p in (2, -2))
    # the dtype checks of svdvals or inv, naming cond (inv and the other norms take complex)
    _float_dtype("linalg.cond", a.type, holomorphic=not singular_values)
    if singular_values:
        s = svdvals(a)
        big, small = s[..., 0], s[..., -1]
        return _nan_as_inf(small / big if p == -2 else big / small, a)
    if rows != cols:
        raise ShapeError(f"linalg.cond: the norm {p!r} needs square matrices, got shape "
                         f"{format_shape(a.shape)}")
    # NumPy's cond inverts in double precision; a float32 matrix's inverse is rounded to float32
    # here (as np.linalg.inv's is), so that its derivatives stay float32
    r = norm(a, p, (-2, -1)) * norm(inv_or_nan(a), p, (-2, -1))
    return _nan_as_inf(r, a)


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Node:
    """The rank of a matrix (or of each in a stack), the number of singular values above
    ``tol`` (by default the largest times ``max(M, N) * eps``, or times ``rtol``), as NumPy's:
    ``sd.linalg.matrix_rank(A)``, an integer with no gradient. ``hermitian=True`` reads the
    singular values from eigvalsh of the lower triangle."""
    a = as_node(A)
    if tol is not None and rtol is not None:
        raise ValueError("linalg.matrix_rank: give tol or rtol, not both")
    if a.ndim < 2:
        return astype(any(not_equal(a, 0)), np.intp)
    # the checks of eigvalsh or svdvals, naming matrix_rank
    (_square if hermitian else _float_dtype)("linalg.matrix_rank", a.type)
    s = abs(eigvalsh(a)) if hermitian else svdvals(a)
    if tol is None:
        if rtol is None:
            m, n = a.shape[-2:]
            if not (isinstance(m, int) and isinstance(n, int)):
                raise ShapeError(f"linalg.matrix_rank: the default tolerance needs the matrix "
                                 f"size, got named dimensions {format_shape(a.shape)}; give rtol")
            rtol = builtins_max(m, n) * np.finfo(s.dtype).eps
        # initial=0: a matrix with no singular values (a 0 x n one) has rank 0, as NumPy's
        largest = max(s, axis=-1, keepdims=True, initial=0)
        limit = largest * (rtol if isinstance(rtol, (int, float)) else expand_dims(as_node(rtol), -1))
    else:  # a tolerance per matrix, beside the singular values of each
        limit = tol if isinstance(tol, (int, float)) else expand_dims(as_node(tol), -1)
    return count_nonzero(greater(s, limit), axis=-1)


def tensorinv(a: Any, ind: int = 2) -> Node:
    """The inverse of a tensor under ``tensordot(., ., ind)``, as NumPy's:
    ``sd.linalg.tensorinv(A, ind=2)`` of a shape ``(*s, *t)`` with ``prod(s) == prod(t)`` is of
    shape ``(*t, *s)``."""
    x = as_node(a)
    if isinstance(ind, bool) or not isinstance(ind, (int, np.integer)) or ind <= 0:
        raise ValueError(f"linalg.tensorinv: ind must be a positive integer, got {ind!r}")
    ind = int(ind)
    _known_shape("tensorinv", x)
    _float_dtype("linalg.tensorinv", x.type, holomorphic=True)  # inv's check, naming tensorinv
    outer_shape, inner_shape = x.shape[:ind], x.shape[ind:]
    rows, cols = math.prod(outer_shape), math.prod(inner_shape)
    if rows != cols:
        raise ShapeError(f"linalg.tensorinv: the first {ind} axes and the others must hold as "
                         f"many elements, got shape {format_shape(x.shape)}")
    return reshape(inv(reshape(x, (rows, cols))), (*inner_shape, *outer_shape))


def tensorsolve(a: Any, b: Any, axes: Any = None) -> Node:
    """The x with ``tensordot(a, x, axes=x.ndim) == b``, as NumPy's:
    ``sd.linalg.tensorsolve(A, B)``; ``axes`` moves those axes of ``a`` to the end first."""
    x, y = as_nodes(a, b, name="linalg.tensorsolve")
    if axes is not None:
        order = [normalize_axis("linalg.tensorsolve", k, x.ndim) for k in axes]
        x = transpose(x, [k for k in range(x.ndim) if k not in order] + order)
    if y.ndim > x.ndim or x.shape[:y.ndim] != y.shape:
        raise ShapeError(f"linalg.tensorsolve: the leading axes of a must be b's shape, got "
                         f"{format_shape(x.shape)} and {format_shape(y.shape)}")
    _known_shape("tensorsolve", x)  # b's shape is a's leading axes
    _float_dtype("linalg.tensorsolve", x.type, holomorphic=True)  # solve's, naming tensorsolve
    sol_shape = x.shape[y.ndim:]
    rows, cols = math.prod(y.shape), math.prod(sol_shape)
    if rows != cols:
        raise ShapeError(f"linalg.tensorsolve: a must be square once reshaped, {rows} equations "
                         f"for {cols} unknowns (shapes {format_shape(x.shape)} and "
                         f"{format_shape(y.shape)})")
    return reshape(solve(reshape(x, (rows, cols)), reshape(y, (rows,))), sol_shape)


def _known_shape(name: str, x: Node) -> None:
    if x.type.static_size is None:
        raise ShapeError(f"linalg.{name}: needs a known shape, got {format_shape(x.shape)}")


__all__ += ["EighResult", "LstsqResult", "QRResult", "SVDResult", "SlogdetResult"]
