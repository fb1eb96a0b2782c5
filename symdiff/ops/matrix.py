"""Functions of square matrices for ``sd.linalg``: the inverse, determinants, ``solve``, integer
powers and chained products, and the helpers the decompositions share (dtype and shape checks,
the transpose of a stack, gradients onto the triangle a function reads). Conventions at
non-smooth points are those stated in ``sd.linalg``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import DTypeError, ShapeError
from ..ir import Dim, Node, Op, Type, format_shape
from .base import Part, as_node, broadcast_shapes, const, helper, no_out
from .diagonals import tril, triu
from .products import dot
from .shape import array_list, broadcast_to, expand_dims, reshape, swapaxes


def _mT(x: Node) -> Node:
    return swapaxes(x, -1, -2)


def _float_dtype(op_name: str, t: Type, holomorphic: bool = False) -> np.dtype:
    """The result dtype of a float function of a matrix. ``holomorphic``: complex matrices are
    taken too (the function and its derivative rule are the same formulas over the complex
    numbers: inv, det, solve)."""
    if t.dtype.kind == "c":
        if holomorphic:
            return t.dtype
        raise NotImplementedError(f"{op_name}: complex matrices are not supported")
    if t.dtype.kind not in "iufb":
        raise DTypeError(f"{op_name}: expected a numeric matrix, got dtype {t.dtype}")
    if t.dtype == np.float16:  # LAPACK has no half precision: NumPy raises when called
        raise DTypeError(f"{op_name}: float16 matrices are not supported by NumPy's linalg; "
                         "convert them with astype('float32')")
    return t.dtype if t.dtype.kind == "f" else np.dtype(np.float64)


def _square(op_name: str, t: Type, holomorphic: bool = False) -> np.dtype:
    """The result dtype; raises unless ``t`` is a (stack of) square matrices."""
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ShapeError(
            f"{op_name}: expected a square matrix or a stack of them, shape (..., n, n); "
            f"got shape {format_shape(t.shape)}"
        )
    return _float_dtype(op_name, t, holomorphic)


def _static_n(op_name: str, x: Node) -> int:
    n = x.shape[-1]
    if isinstance(n, str):
        raise NotImplementedError(
            f"{op_name}: the derivative needs a static matrix size, not the named dimension {n!r}"
        )
    return n


def _from_triangle(g_sym: Node, x: Node, uplo: str) -> Node:
    """The gradient with respect to the entries of the read triangle of ``x``, given the
    gradient ``g_sym`` of the same function of a free matrix at the symmetric one: an entry off
    the diagonal stands for two of the symmetric matrix, so it gets both their shares (G + G^T),
    a diagonal one its own. Masks by ``tril``/``triu``, so a named matrix size serves as well."""
    if uplo == "L":
        return tril(g_sym) + tril(_mT(g_sym), -1)
    return triu(g_sym) + triu(_mT(g_sym), 1)


class _MatrixOp(Op):
    """A NumPy linalg function of one (stack of) square matrices."""

    numpy: str = ""

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.linalg.{self.numpy}({args[0]})"

    def text(self, args: Sequence[str]) -> str:
        return f"linalg.{self.name}({args[0]})"


# -- inverse, determinants, solve --------------------------------------------------------------------


class Inv(_MatrixOp):
    name, numpy = "inv", "inv"
    function = "linalg.inv"  # the name its errors give (inv_or_nan's is its own)

    def infer(self, x: Type) -> Type:
        return Type(_square(self.function, x, holomorphic=True), x.shape)

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # d inv(A) = -inv(A) dA inv(A)
        return (-(_mT(out) @ g @ _mT(out)),)


class Det(_MatrixOp):
    name, numpy = "det", "det"

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.det", x, holomorphic=True), x.shape[:-2])

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # d det(A) = tr(adj(A) dA): the gradient is the cofactor matrix adj(A)^T, which (unlike
        # det(A) inv(A)^T) every matrix has, singular ones too
        return (expand_dims(expand_dims(g, -1), -1) * Node(DetDerivative(), (x,)),)


@helper
def products_but_one(v):  # type: ignore[no-untyped-def]
    # out[..., i] = the product of v[..., k] over k != i, by prefix and suffix products: no
    # division, so exact where some v[..., k] are zero
    if v.shape[-1] == 0:
        return v.copy()
    one = np.ones((*v.shape[:-1], 1), v.dtype)
    before = np.cumprod(np.concatenate([one, v[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([one, v[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return before * after


@helper
def det_derivative_kernel(a, *directions):  # type: ignore[no-untyped-def]
    # The gradient by a of det's m-th derivative along X_1..X_m, from the SVD a = U diag(s) Vh
    # with c = det(U) det(Vh): det(a + E) = c det(diag(s) + U^H E Vh^H), and at a diagonal
    # matrix det's derivatives are products of all the s_k but one or two. So, for m = 0, the
    # cofactor matrix c conj(U) diag(prod_{k != i} s_k) conj(Vh); for m = 1, with Y = U^H X Vh^H
    # and P[i, j] = prod_{k != i, j} s_k (0 on the diagonal), c conj(U) M conj(Vh) with
    # M = diag(P diag(Y)) - P * Y^T. The products leave values out, never divide by them, so
    # singular matrices (some s_k zero) get their finite values too. For m > 1 the directions
    # but the last are expanded by rows (det is linear in each row): the sum, over distinct rows
    # j_1..j_{m-1}, of the m = 1 gradient along X_m at a with row j_i replaced by row j_i of X_i,
    # with rows j_1..j_{m-1} of X_m and of the gradient zero. A matrix holding inf or nan (which
    # the SVD refuses) gets nan.
    n, fixed = a.shape[-1], len(directions) - 1
    if not directions:
        # det(a) inv(a)^T where the LU factors have no zero pivot (a few times faster than an
        # SVD): the computed det and inverse are those of a + E, |E| ~ eps |a|, so their
        # product is adj(a + E)^T, as close to adj(a)^T as the SVD's, however near singular
        with np.errstate(all="ignore"):
            try:
                out = np.linalg.det(a)[..., None, None] * np.swapaxes(np.linalg.inv(a), -1, -2)
            except np.linalg.LinAlgError:  # a zero pivot: the SVD below
                out = None
        if out is not None and np.all(np.isfinite(out)):
            return out
    if fixed > 0:
        a, *directions = np.broadcast_arrays(a, *directions)
        grid = np.indices((n,) * fixed).reshape(fixed, -1).T
        rows = grid[[len(set(r)) == fixed for r in grid.tolist()]]
        terms = np.arange(len(rows))
        dtype = np.result_type(a, *directions, 1.0)
        a = np.repeat(a[..., None, :, :].astype(dtype), len(rows), axis=-3)
        last = np.repeat(directions[-1][..., None, :, :].astype(dtype), len(rows), axis=-3)
        for i, x in enumerate(directions[:-1]):
            a[..., terms, rows[:, i], :] = x[..., rows[:, i], :]
            last[..., terms, rows[:, i], :] = 0
        directions = [last]
    # one SVD of each matrix of a, however many directions broadcast against it
    finite = np.all(np.isfinite(a), axis=(-2, -1))[..., None, None]
    u, s, vh = np.linalg.svd(np.where(finite, a, 0))
    scale = (np.linalg.det(u) * np.linalg.det(vh))[..., None, None]
    if directions:
        eye = np.eye(n, dtype=bool)
        p = np.where(eye, 0, products_but_one(np.where(eye, 1, s[..., None, :])))
        y = np.conj(np.swapaxes(u, -1, -2)) @ directions[0] @ np.conj(np.swapaxes(vh, -1, -2))
        diagonal = np.diagonal(y, axis1=-2, axis2=-1)[..., None]
        middle = eye * (p @ diagonal) - p * np.swapaxes(y, -1, -2)
        out = scale * (np.conj(u) @ middle @ np.conj(vh))
    else:
        out = scale * ((np.conj(u) * products_but_one(s)[..., None, :]) @ np.conj(vh))
    out = np.where(finite, out, np.nan)
    if fixed > 0:
        for i in range(fixed):
            out[..., terms, rows[:, i], :] = 0
        out = np.sum(out, axis=-3)
    return out


class DetDerivative(Op):
    """The gradient of det at ``a`` (the cofactor matrix adj(a)^T), or with directions X_1..X_m
    that of det's m-th derivative along them: ``det_derivative(a, X)`` is the gradient by a of
    ``sum(det_derivative(a) * X)``. det is a polynomial, so each is defined at every matrix,
    and the derivatives of each are again this op with one direction more (zero past n - 1)."""

    name = "det_derivative"

    def infer(self, a: Type, *directions: Type) -> Type:
        dtype = _square("linalg.det_derivative", a, holomorphic=True)
        batch = a.shape[:-2]
        for k, x in enumerate(directions):
            if x.ndim < 2 or x.shape[-2:] != a.shape[-2:]:
                raise ShapeError(
                    f"linalg.det_derivative: direction {k} of shape {format_shape(x.shape)} is not a "
                    f"matrix (or stack of them) of the shape of a, {format_shape(a.shape[-2:])}"
                )
            dtype = np.result_type(dtype, _float_dtype("linalg.det_derivative", x, holomorphic=True))
            batch = broadcast_shapes("linalg.det_derivative", batch, x.shape[:-2])
        return Type(dtype, (*batch, *a.shape[-2:]))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"det_derivative_kernel({', '.join(args)})"

    def text(self, args: Sequence[str]) -> str:
        return f"linalg.det_derivative({', '.join(args)})"

    def vjp(self, g: Node, out: Node, a: Node, *directions: Node) -> Sequence[Node | None]:
        # <G, this> is det's (m + 1)-th derivative along X_1..X_m and G, symmetric in its
        # directions and linear in each: by a its gradient is this op along them all, by X_i
        # this op along the others and G. det's derivatives past the n-th are zero.
        n = a.shape[-1]
        by_a = None if isinstance(n, int) and len(directions) + 1 >= n else \
            Node(DetDerivative(), (a, *directions, g))
        by_x = [Node(DetDerivative(), (a, *directions[:k], *directions[k + 1:], g))
                for k in range(len(directions))]
        return (by_a, *by_x)


class _SlogdetPart(Part):
    """One of ``np.linalg.slogdet``'s results: the sign (part 0) or log|det| (1)."""

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.slogdet", x), x.shape[:-2])

    def call(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.linalg.slogdet({args[0]})"

    def text(self, args: Sequence[str]) -> str:
        return f"linalg.slogdet({args[0]})[{self.part}]"


class SlogdetSign(_SlogdetPart):
    name, part = "slogdet_sign", 0

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)  # piecewise constant


class SlogdetLog(_SlogdetPart):
    name, part = "slogdet_logabsdet", 1

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # d log|det(A)| = tr(inv(A) dA)
        return (expand_dims(expand_dims(g, -1), -1) * _mT(inv(x)),)


class Solve(Op):
    """x with a @ x = b. NumPy 2 semantics: b is a vector only when it is 1-D; otherwise it is
    a (stack of) matrices whose batch axes broadcast with a's."""

    name = "solve"

    def infer(self, a: Type, b: Type) -> Type:
        dtype = _square("linalg.solve", a, holomorphic=True)
        dtype = np.result_type(dtype, _float_dtype("linalg.solve", b, holomorphic=True))
        n = a.shape[-1]
        if b.ndim == 1:
            if b.shape[0] != n:
                raise ShapeError(
                    f"linalg.solve: a of shape {format_shape(a.shape)} and the vector b of shape "
                    f"{format_shape(b.shape)} do not align ({n!r} != {b.shape[0]!r})"
                )
            return Type(dtype, a.shape[:-1])
        if b.ndim < 2 or b.shape[-2] != n:
            raise ShapeError(
                f"linalg.solve: a of shape {format_shape(a.shape)} and b of shape {format_shape(b.shape)} "
                f"do not align: b must be a vector (n,) or matrices (..., n, k) with n = {n!r}"
            )
        batch = broadcast_shapes("linalg.solve", a.shape[:-2], b.shape[:-2])
        return Type(dtype, (*batch, n, b.shape[-1]))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.linalg.solve({args[0]}, {args[1]})"

    def text(self, args: Sequence[str]) -> str:
        return f"linalg.solve({args[0]}, {args[1]})"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        # x = inv(A) b: db-bar = inv(A)^T g, dA-bar = -db-bar x^T
        if b.ndim == 1:
            gb = solve(_mT(a), expand_dims(g, -1))
            return (-(gb * expand_dims(out, -2)), reshape(gb, gb.shape[:-1]))
        gb = solve(_mT(a), g)
        return (-(gb @ _mT(out)), gb)


def inv(a: Any) -> Node:
    """The inverse of a square matrix, or of each in a stack ``(..., n, n)``.

    >>> A, b = sd.var("A", (2, 2)), sd.var("b", (2,))
    >>> sd.linalg.inv(A) @ b
    linalg.inv(A) @ b
    >>> sd.evaluate(sd.linalg.inv(A), {"A": [[2.0, 0.0], [0.0, 4.0]]})
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return Node(Inv(), (as_node(a),))


def matrix_power(a: Any, n: int) -> Node:
    """A square matrix (or each in a stack) to an integer power, with NumPy's products: the
    identity for 0, the inverse's power for a negative n, binary powers above 3.

    >>> A = sd.var("A", (2, 2))
    >>> sd.linalg.matrix_power(A, 3)
    A @ A @ A
    """
    x = as_node(a)
    if not isinstance(n, (int, np.integer)) or isinstance(n, (bool, np.bool_)):
        raise TypeError(f"linalg.matrix_power: the exponent must be an integer, got {type(n).__name__}")
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ShapeError(f"linalg.matrix_power: last 2 dimensions of the array must be square, got shape "
                         f"{format_shape(x.shape)}")
    if n == 0:
        k = x.shape[-1]
        if not isinstance(k, int):
            raise NotImplementedError(f"linalg.matrix_power: the identity needs a static size, not {k!r}")
        return broadcast_to(const(np.eye(k, dtype=x.dtype)), x.shape)
    if n < 0:  # checked here so the error names the function called, not inv
        _float_dtype("linalg.matrix_power", x.type, True)
    base = inv(x) if n < 0 else x
    n = abs_(int(n))
    if n <= 3:
        out = base
        for _ in range(n - 1):
            out = out @ base
        return out
    z: Node | None = None
    result: Node | None = None
    while n > 0:
        z = base if z is None else z @ z
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else result @ z
    assert result is not None
    return result


def multi_dot(arrays: Sequence[Any], *, out: Any = None) -> Node:
    """The product of matrices (the first and last may be vectors), left to right, as
    ``np.linalg.multi_dot`` computes it up to the order of the products."""
    if isinstance(arrays, Node):  # multi_dot(A, B) for multi_dot([A, B]), as concatenate says it
        array_list("linalg.multi_dot", arrays)
    no_out("linalg.multi_dot", out)
    nodes = [as_node(a) for a in arrays]
    if len(nodes) < 2:
        raise ValueError("linalg.multi_dot: expecting at least two arrays")
    for k, m in enumerate(nodes):
        if m.ndim != 2 and not (m.ndim == 1 and k in (0, len(nodes) - 1)):
            raise ShapeError(f"linalg.multi_dot: array {k} has {m.ndim} dimensions; only the first "
                             "and last may be 1-d, the others must be 2-d")
    for k, (a, b) in enumerate(zip(nodes, nodes[1:])):
        if a.shape[-1] != b.shape[0]:  # checked here so the error names the function called
            raise ShapeError(
                f"linalg.multi_dot: arrays {k} and {k + 1}, of shapes {format_shape(a.shape)} and "
                f"{format_shape(b.shape)}, do not align ({a.shape[-1]!r} vs {b.shape[0]!r})"
            )
    out = nodes[0]
    for m in nodes[1:]:
        out = dot(out, m)
    return out


def det(a: Any) -> Node:
    """The determinant of a square matrix, or of each in a stack ``(..., n, n)``.

    >>> A = sd.var("A", (2, 2))
    >>> sd.evaluate(sd.linalg.det(A), {"A": [[2.0, 1.0], [1.0, 3.0]]})
    array(5.)
    """
    return Node(Det(), (as_node(a),))


def det_derivative(a: Any, *directions: Any) -> Node:
    """The gradient of ``det`` at ``a``, the cofactor matrix adj(a).T, defined at singular
    matrices too; with directions X_1, ..., X_m (matrices of a's shape, batched alike), the
    gradient by a of det's m-th derivative along them, as printed in derivative graphs:
    ``det_derivative(a, X)`` is the gradient of ``sum(det_derivative(a) * X)``.

    >>> A = sd.var("A", (2, 2))
    >>> sd.linalg.det_derivative(A)   # the gradient of sd.linalg.det(A)
    linalg.det_derivative(A)
    >>> sd.evaluate(sd.linalg.det_derivative(A), {"A": [[2.0, 1.0], [1.0, 3.0]]})
    array([[ 3., -1.],
           [-1.,  2.]])
    """
    return Node(DetDerivative(), (as_node(a), *(as_node(x) for x in directions)))


class SlogdetResult(NamedTuple):
    """``slogdet``'s two results, as NumPy names them."""

    sign: Node
    logabsdet: Node


def slogdet(a: Any) -> SlogdetResult:
    """The sign and the log of the absolute value of the determinant, ``(sign, logabsdet)``.

    >>> A = sd.var("A", (2, 2))
    >>> sign, logabsdet = sd.linalg.slogdet(A)
    >>> sd.evaluate([sign, logabsdet], {"A": [[-2.0, 0.0], [0.0, 1.5]]})   # -1 and log(3)
    [array(-1.), array(1.09861229)]
    """
    a_ = as_node(a)
    return SlogdetResult(Node(SlogdetSign(), (a_,)), Node(SlogdetLog(), (a_,)))


def solve(a: Any, b: Any) -> Node:
    """The solution x of ``a @ x = b`` (b a vector ``(n,)`` or matrices ``(..., n, k)``).

    >>> A, b = sd.var("A", (2, 2)), sd.var("b", (2,))
    >>> x = sd.linalg.solve(A, b); x
    linalg.solve(A, b)
    >>> sd.evaluate(x, {"A": [[2.0, 0.0], [0.0, 4.0]], "b": [1.0, 1.0]})
    array([0.5 , 0.25])
    """
    a_, b_ = as_node(a), as_node(b)
    return Node(Solve(), (a_, b_))


def abs_(v: Any) -> Any:
    return v if v >= 0 else -v
