"""``sd.linalg``: NumPy's linear algebra, batched over leading axes, with matrix-calculus
derivative rules written in symdiff ops (so they differentiate again), plus the products.

Conventions, as NumPy computes them:

- ``cholesky``, ``eigh`` and ``eigvalsh`` read one triangle of their input (the lower one, or the
  upper one for ``UPLO="U"`` / ``upper=True``); the other triangle does not influence the result,
  so its derivative is zero. On the read triangle the derivative is that of the symmetric matrix
  it describes (off-diagonal entries count twice).
- Non-smooth or undefined points: ``inv``, ``solve``, ``det``'s and ``slogdet``'s derivatives
  need an invertible matrix (at a singular one the evaluation raises NumPy's LinAlgError or gives
  inf/nan); ``slogdet``'s sign is piecewise constant, its derivative zero. ``eigh``'s eigenvector
  derivative divides by eigenvalue gaps: repeated eigenvalues give inf/nan (the eigenvectors are
  not unique there); eigenvalue derivatives are finite but only one-sided at a crossing.
  ``svdvals`` divides by the singular values and, through the eigenvectors of the Gram matrix,
  by their gaps: zero or repeated singular values give inf/nan; so do ``svd``'s factors, whose
  derivative is refused for the arbitrary completion ``full_matrices=True`` adds to a non-square
  matrix. ``qr``'s derivatives need a matrix of full rank, and are refused for the completion
  mode='complete' adds to Q of a matrix with more rows than columns. ``pinv``'s derivative is
  that of a matrix of constant rank; it jumps where a singular value crosses the cutoff.
  ``norm`` of a vector at zero has derivative zero (a subgradient); matrix 2-norms and nuclear
  norms inherit ``svdvals``'s points.
- Complex matrices are not supported (the rules would need conjugate transposes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import DTypeError, NotDifferentiableError, ShapeError
from ..ir import Dim, Node, Op, Type, format_shape
from .base import Part, as_node, broadcast_shapes, const, normalize_axis
from .elementwise import abs, astype, not_equal, power, where
from .products import (
    Einsum, MatMul, dot, einsum, inner, kron, matmul, outer, tensordot, vdot,
)
from .reduce import Reduction, max, min, sum
from .diagonals import tril
from .shape import (
    broadcast_to, concatenate, expand_dims, index, reshape, swapaxes, transpose, zeros_like,
)

__all__ = [
    "Einsum", "MatMul", "cholesky", "det", "dot", "eigh", "eigvalsh", "einsum", "inner", "inv",
    "kron", "lstsq", "matmul", "norm", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
    "tensordot", "vdot",
]


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


def _triangle_mask(n: int, uplo: str, dtype: np.dtype) -> Node:
    """Weights taking the gradient of a symmetric function of the matrix a triangle describes
    to that triangle: 1 on the diagonal's share, and (G + G^T) is weighed by this mask."""
    tri = np.tril(np.ones((n, n))) if uplo == "L" else np.triu(np.ones((n, n)))
    return const((tri - 0.5 * np.eye(n)).astype(dtype))


def _from_triangle(g_sym: Node, x: Node, uplo: str) -> Node:
    """The gradient with respect to the entries of the read triangle of ``x``, given the
    gradient ``g_sym`` of the same function of a free matrix at the symmetric one."""
    n = _static_n("the triangle-read matrix", x)
    return (g_sym + _mT(g_sym)) * _triangle_mask(n, uplo, g_sym.dtype)


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

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.inv", x, holomorphic=True), x.shape)

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # d inv(A) = -inv(A) dA inv(A)
        return (-(_mT(out) @ g @ _mT(out)),)


class Det(_MatrixOp):
    name, numpy = "det", "det"

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.det", x, holomorphic=True), x.shape[:-2])

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # d det(A) = det(A) tr(inv(A) dA)
        scale = expand_dims(expand_dims(g * out, -1), -1)
        return (scale * _mT(inv(x)),)


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

    >>> sd.linalg.inv(A) @ b
    """
    return Node(Inv(), (as_node(a),))


def matrix_power(a: Any, n: int) -> Node:
    """A square matrix (or each in a stack) to an integer power, with NumPy's products: the
    identity for 0, the inverse's power for a negative n, binary powers above 3.

    >>> sd.linalg.matrix_power(A, 3)   # (A @ A) @ A
    """
    x = as_node(a)
    if not isinstance(n, (int, np.integer)) or isinstance(n, (bool, np.bool_)):
        raise TypeError(f"matrix_power: the exponent must be an integer, got {type(n).__name__}")
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ShapeError(f"matrix_power: last 2 dimensions of the array must be square, got shape "
                         f"{format_shape(x.shape)}")
    if n == 0:
        k = x.shape[-1]
        if not isinstance(k, int):
            raise NotImplementedError(f"matrix_power: the identity needs a static size, not {k!r}")
        return broadcast_to(const(np.eye(k, dtype=x.dtype)), x.shape)
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


def multi_dot(arrays: Sequence[Any]) -> Node:
    """The product of matrices (the first and last may be vectors), left to right, as
    ``np.linalg.multi_dot`` computes it up to the order of the products."""
    nodes = [as_node(a) for a in arrays]
    if len(nodes) < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    for k, m in enumerate(nodes):
        if m.ndim != 2 and not (m.ndim == 1 and k in (0, len(nodes) - 1)):
            raise ShapeError(f"multi_dot: array {k} has {m.ndim} dimensions; only the first and last "
                             "may be 1-d, the others must be 2-d")
    out = nodes[0]
    for m in nodes[1:]:
        out = dot(out, m)
    return out


def det(a: Any) -> Node:
    """The determinant of a square matrix, or of each in a stack ``(..., n, n)``.

    >>> sd.linalg.det(A)
    """
    return Node(Det(), (as_node(a),))


class SlogdetResult(NamedTuple):
    """``slogdet``'s two results, as NumPy names them."""

    sign: Node
    logabsdet: Node


def slogdet(a: Any) -> SlogdetResult:
    """The sign and the log of the absolute value of the determinant, ``(sign, logabsdet)``.

    >>> sign, logabsdet = sd.linalg.slogdet(A)
    """
    a_ = as_node(a)
    return SlogdetResult(Node(SlogdetSign(), (a_,)), Node(SlogdetLog(), (a_,)))


def solve(a: Any, b: Any) -> Node:
    """The solution x of ``a @ x = b`` (b a vector ``(n,)`` or matrices ``(..., n, k)``).

    >>> sd.linalg.solve(A, b)
    """
    a_, b_ = as_node(a), as_node(b)
    return Node(Solve(), (a_, b_))


# -- Cholesky ------------------------------------------------------------------------------------------


class Cholesky(_MatrixOp):
    """The lower Cholesky factor; reads the lower triangle only."""

    name, numpy = "cholesky", "cholesky"

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.cholesky", x), x.shape)

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # Murray (2016): P = Phi(L^T Lbar), S = L^-T P L^-1, Abar = (S + S^T)/2, where Phi
        # keeps the lower triangle with the diagonal halved; then onto the read triangle.
        n = _static_n("linalg.cholesky", x)
        phi = _triangle_mask(n, "L", g.dtype)
        p = (_mT(out) @ g) * phi
        lt = _mT(out)
        s = _mT(solve(lt, _mT(solve(lt, p))))
        return (_from_triangle((s + _mT(s)) * 0.5, x, "L"),)


def cholesky(a: Any, upper: bool = False) -> Node:
    """The Cholesky factor L (lower, ``a = L @ L.T``) of a symmetric positive-definite matrix;
    with ``upper=True`` the factor U = L.T read from the upper triangle. Batched.

    >>> L = sd.linalg.cholesky(A)
    """
    a_ = as_node(a)
    if not isinstance(upper, (bool, np.bool_)):
        raise TypeError(f"linalg.cholesky: upper must be True or False, got {upper!r}")
    if upper:
        _square("linalg.cholesky", a_.type)
        return _mT(Node(Cholesky(), (_mT(a_),)))
    return Node(Cholesky(), (a_,))


# -- symmetric eigenproblem ------------------------------------------------------------------------------


def _check_uplo(op_name: str, uplo: Any) -> str:
    if uplo not in ("L", "U"):
        raise ValueError(f"{op_name}: UPLO must be 'L' or 'U', got {uplo!r}")
    return str(uplo)


class EighValues(_MatrixOp):
    """Eigenvalues of a symmetric matrix (ascending), from one triangle."""

    __slots__ = ("uplo",)
    name = "eigvalsh"

    def __init__(self, uplo: str) -> None:
        self.uplo = uplo

    def params(self) -> tuple[Any, ...]:
        return (self.uplo,)

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.eigh", x), x.shape[:-1])

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.linalg.eigvalsh({args[0]}, UPLO={self.uplo!r})"

    def text(self, args: Sequence[str]) -> str:
        extra = "" if self.uplo == "L" else f", UPLO={self.uplo!r}"
        return f"linalg.eigvalsh({args[0]}{extra})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # dw_k = v_k^T dA v_k: Abar = V diag(wbar) V^T
        v = Node(EighVectors(self.uplo), (x,))
        g_sym = (v * expand_dims(g, -2)) @ _mT(v)
        return (_from_triangle(g_sym, x, self.uplo),)


class EighVectors(Part):
    """Eigenvectors (columns, in the order of the ascending eigenvalues) of a symmetric matrix.
    (The eigenvalues are ``eigvalsh``'s, a call of its own: LAPACK computes values alone by
    another method, whose last bits differ from those ``eigh`` gives beside the vectors.)"""

    __slots__ = ("uplo",)
    name, part = "eigh_vectors", 1

    def __init__(self, uplo: str) -> None:
        self.uplo = uplo

    def params(self) -> tuple[Any, ...]:
        return (self.uplo,)

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.eigh", x), x.shape)

    def call(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.linalg.eigh({args[0]}, UPLO={self.uplo!r})"

    def text(self, args: Sequence[str]) -> str:
        extra = "" if self.uplo == "L" else f", UPLO={self.uplo!r}"
        return f"linalg.eigh({args[0]}{extra})[1]"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # Abar = V (F o (V^T Vbar)) V^T with F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on
        # it: infinite where eigenvalues repeat (the eigenvectors are not unique there).
        n = _static_n("linalg.eigh", x)
        w = Node(EighValues(self.uplo), (x,))
        gap = expand_dims(w, -2) - expand_dims(w, -1)
        diagonal = const(np.eye(n, dtype=bool))
        f = where(diagonal, 0.0, 1.0 / where(diagonal, 1.0, gap))
        g_sym = out @ ((f * (_mT(out) @ g)) @ _mT(out))
        return (_from_triangle(g_sym, x, self.uplo),)


class EighResult(NamedTuple):
    """``eigh``'s two results, as NumPy names them."""

    eigenvalues: Node
    eigenvectors: Node


def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803 - NumPy's name
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, batched; only
    the triangle ``UPLO`` is read.

    >>> w, V = sd.linalg.eigh(A)
    """
    a_ = as_node(a)
    uplo = _check_uplo("linalg.eigh", UPLO)
    return EighResult(Node(EighValues(uplo), (a_,)), Node(EighVectors(uplo), (a_,)))


def eigvalsh(a: Any, UPLO: str = "L") -> Node:  # noqa: N803 - NumPy's name
    """The eigenvalues (ascending) of a symmetric matrix, batched; only the triangle ``UPLO``
    is read.

    >>> sd.linalg.eigvalsh(A)
    """
    return Node(EighValues(_check_uplo("linalg.eigvalsh", UPLO)), (as_node(a),))


# -- singular values and norms -----------------------------------------------------------------------------


def _matrix_shape(op_name: str, x: Type) -> None:
    if x.ndim < 2:
        raise ShapeError(
            f"{op_name}: expected a matrix or a stack of them, shape (..., m, n); got shape "
            f"{format_shape(x.shape)}"
        )


def _smaller_side(op_name: str, x: Type) -> Dim:
    """k = min(m, n) of a stack of (m, n) matrices: the number of singular values."""
    _matrix_shape(op_name, x)
    m, n = x.shape[-2], x.shape[-1]
    if isinstance(m, str) and isinstance(n, str) and m != n:
        raise NotImplementedError(
            f"{op_name}: cannot tell which of the named dimensions {m!r} and {n!r} is smaller"
        )
    return n if isinstance(m, str) or (isinstance(n, int) and n <= m) else m  # type: ignore[operator]


class SingularValues(Op):
    """Singular values (descending) of a matrix, or of each in a stack ``(..., m, n)``."""

    name = "svdvals"

    def infer(self, x: Type) -> Type:
        return Type(_float_dtype("linalg.svdvals", x), (*x.shape[:-2], _smaller_side("linalg.svdvals", x)))

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.linalg.svd({args[0]}, compute_uv=False)"

    def text(self, args: Sequence[str]) -> str:
        return f"linalg.svdvals({args[0]})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # dsigma_k = u_k^T dX v_k, so Xbar = U diag(gbar) V^T = X V diag(gbar / sigma) V^T, with
        # V the eigenvectors of the Gram matrix X^T X (eigh's order reversed to descending).
        # Written this way it is differentiable again through eigh.
        wide = out.shape[-1] != x.shape[-1]  # fewer rows than columns: use X X^T and U
        gram = x @ _mT(x) if wide else _mT(x) @ x
        basis = index(Node(EighVectors("L"), (gram,)), (Ellipsis, slice(None, None, -1)))
        scaled = basis * expand_dims(g / out, -2)
        if wide:
            return ((scaled @ _mT(basis)) @ x,)
        return (x @ (scaled @ _mT(basis)),)


def svdvals(x: Any) -> Node:
    """The singular values of a matrix (descending), batched over leading axes.

    >>> sd.linalg.svdvals(A)
    """
    return Node(SingularValues(), (as_node(x),))


class _SvdFactor(Part):
    """One orthogonal factor of NumPy's ``a = U @ diag(S) @ Vh``: ``U`` (part 0) or ``Vh``
    (part 2) of one ``np.linalg.svd`` call, so the two factors of one matrix carry the same
    signs; ``full`` keeps NumPy's full_matrices. (S is ``svdvals``'s, a call of its own: LAPACK
    computes values alone by another method, whose last bits differ from the full call's.)"""

    __slots__ = ("full",)

    def __init__(self, full: bool) -> None:
        self.full = full

    def params(self) -> tuple[Any, ...]:
        return (self.full,)

    def call(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        extra = "" if self.full else ", full_matrices=False"
        return f"np.linalg.svd({args[0]}{extra})"

    def text(self, args: Sequence[str]) -> str:
        extra = "" if self.full else ", full_matrices=False"
        return f"linalg.svd({args[0]}{extra})[{self.part}]"

    def _factors(self, x: Node) -> tuple[Node, Node, Node, Node]:
        """U, S, Vh of ``x`` and F[i, j] = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it:
        infinite where singular values repeat (the singular vectors are not unique there)."""
        m, n = x.shape[-2], x.shape[-1]
        if self.full and m != n:
            raise NotDifferentiableError(
                f"linalg.svd: with full_matrices=True the extra columns of U or rows of Vh of a "
                f"non-square matrix, shape {format_shape(x.shape)}, are any orthonormal completion and "
                "have no derivative; use full_matrices=False"
            )
        s = svdvals(x)
        k = _static_n("linalg.svd", s)
        u, vh = Node(SvdU(self.full), (x,)), Node(SvdVh(self.full), (x,))
        s2 = s * s
        gap = expand_dims(s2, -2) - expand_dims(s2, -1)
        diagonal = const(np.eye(k, dtype=bool))
        return u, s, vh, where(diagonal, 0.0, 1.0 / where(diagonal, 1.0, gap))


class SvdU(_SvdFactor):
    """The left singular vectors (columns), in the order of the descending singular values."""

    __slots__ = ()
    name, part = "svd_u", 0

    def infer(self, x: Type) -> Type:
        k = _smaller_side("linalg.svd", x)
        m = x.shape[-2]
        return Type(_float_dtype("linalg.svd", x), (*x.shape[:-2], m, m if self.full else k))

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # Townsend (2016), the U terms: Abar = U (F o (U^T Ubar - Ubar^T U)) S Vh
        #   + (I - U U^T) Ubar S^-1 Vh, the second zero when U is square
        u, s, vh, f = self._factors(x)
        ut_g = _mT(u) @ g
        inner_ = (f * (ut_g - _mT(ut_g))) * expand_dims(s, -2)
        if x.shape[-2] != s.shape[-1]:
            inner_ = u @ inner_ + (g - u @ ut_g) / expand_dims(s, -2)
            return (inner_ @ vh,)
        return (u @ inner_ @ vh,)


class SvdVh(_SvdFactor):
    """The right singular vectors (rows), in the order of the descending singular values."""

    __slots__ = ()
    name, part = "svd_vh", 2

    def infer(self, x: Type) -> Type:
        k = _smaller_side("linalg.svd", x)
        n = x.shape[-1]
        return Type(_float_dtype("linalg.svd", x), (*x.shape[:-2], n if self.full else k, n))

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # The Vh terms, with V = Vh^T: Abar = U S (F o (V^T Vbar - Vbar^T V)) Vh
        #   + U S^-1 Vbar^T (I - V V^T), the second zero when Vh is square
        u, s, vh, f = self._factors(x)
        g_v = g @ _mT(vh)  # Vbar^T V
        inner_ = expand_dims(s, -1) * (f * (_mT(g_v) - g_v))
        if x.shape[-1] != s.shape[-1]:
            return (u @ (inner_ @ vh + (g - g_v @ vh) / expand_dims(s, -1)),)
        return (u @ inner_ @ vh,)


class SVDResult(NamedTuple):
    """``svd``'s three results, as NumPy names them."""

    U: Node
    S: Node
    Vh: Node


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """The singular value decomposition ``a = U @ diag(S) @ Vh`` as ``np.linalg.svd``: batched,
    singular values descending, U of shape (..., m, m) and Vh (..., n, n), or (..., m, k) and
    (..., k, n) with ``full_matrices=False`` (k = min(m, n)); ``compute_uv=False`` gives S alone
    (``svdvals``).

    Derivatives need distinct, nonzero singular values (inf/nan otherwise). Singular vectors are
    unique up to the sign of each pair (u_k, v_k), which NumPy chooses; the derivative follows
    that choice, so functions that do not depend on the signs (``(U * S) @ Vh``, ``U @ U.T``) have
    the derivative of any choice. With ``full_matrices=True`` and a non-square matrix the extra
    columns of U (rows of Vh) are any orthonormal completion: their derivative is refused
    (NotDifferentiableError); use ``full_matrices=False``.

    >>> U, S, Vh = sd.linalg.svd(A, full_matrices=False)
    """
    a_ = as_node(a)
    flags = {"full_matrices": full_matrices, "compute_uv": compute_uv, "hermitian": hermitian}
    for flag, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"linalg.svd: {flag} must be True or False, got {value!r}")
    if hermitian:
        raise NotImplementedError("linalg.svd: hermitian=True is not supported; for a symmetric matrix "
                                  "use linalg.eigh, or svd without hermitian")
    if not compute_uv:
        return svdvals(a_)
    _smaller_side("linalg.svd", a_.type)
    # a square matrix has one SVD: full_matrices makes no difference, so both share the nodes
    full = bool(full_matrices) or a_.shape[-1] == a_.shape[-2]
    return SVDResult(Node(SvdU(full), (a_,)), svdvals(a_), Node(SvdVh(full), (a_,)))


# -- QR ------------------------------------------------------------------------------------------------------


def _copyltu(m: Node) -> Node:
    """The symmetric matrix whose lower triangle (with the diagonal) is that of ``m``."""
    return tril(m) + _mT(tril(m, -1))


def _qr_square_vjp(q: Node, r: Node, g_q: Node | None, g_r: Node | None) -> Node:
    """Abar for A = Q R with R square and invertible (Walter and Lehmann 2018):
    Abar = (Qbar + Q copyltu(M)) R^-T with M = R Rbar^T - Qbar^T Q."""
    parts = [r @ _mT(g_r)] if g_r is not None else []
    if g_q is not None:
        parts.append(-(_mT(g_q) @ q))
    m = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    b = q @ _copyltu(m)
    if g_q is not None:
        b = g_q + b
    return _mT(solve(r, _mT(b)))


class _QrFactor(Part):
    """One factor of NumPy's ``a = Q @ R`` (Householder reflections, LAPACK's signs): Q (part 0)
    or R (1) of one ``np.linalg.qr`` call; ``complete`` keeps NumPy's mode='complete' for a
    matrix with more rows than columns."""

    __slots__ = ("complete",)

    def __init__(self, complete: bool) -> None:
        self.complete = complete

    def params(self) -> tuple[Any, ...]:
        return (self.complete,)

    def call(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        extra = ", mode='complete'" if self.complete else ""
        return f"np.linalg.qr({args[0]}{extra})"

    def text(self, args: Sequence[str]) -> str:
        extra = ", mode='complete'" if self.complete else ""
        return f"linalg.qr({args[0]}{extra})[{self.part}]"

    def _vjp(self, x: Node, g_q: Node | None, g_r: Node | None) -> Node:
        """Abar of the reduced factors: for m >= n directly; for m < n, with A = [X | Y] and
        R = [U | V], X = Q U is the square case and V = Q^T Y adds Ybar = Q Vbar and Y Vbar^T
        to Qbar."""
        q, r = Node(QrQ(False), (x,)), Node(QrR(False), (x,))
        if r.shape[-2] == x.shape[-1]:
            return _qr_square_vjp(q, r, g_q, g_r)
        m = _static_n("linalg.qr", q)
        left, right = (Ellipsis, slice(None, m)), (Ellipsis, slice(m, None))
        y = index(x, right)
        if g_r is None:
            assert g_q is not None
            return concatenate([_qr_square_vjp(q, index(r, left), g_q, None), zeros_like(y)], axis=-1)
        g_v = index(g_r, right)
        g_q = y @ _mT(g_v) if g_q is None else g_q + y @ _mT(g_v)
        return concatenate([_qr_square_vjp(q, index(r, left), g_q, index(g_r, left)), q @ g_v], axis=-1)


class QrQ(_QrFactor):
    """The orthonormal columns Q of NumPy's QR decomposition."""

    __slots__ = ()
    name, part = "qr_q", 0

    def infer(self, x: Type) -> Type:
        k = _smaller_side("linalg.qr", x)
        m = x.shape[-2]
        return Type(_float_dtype("linalg.qr", x), (*x.shape[:-2], m, m if self.complete else k))

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        if self.complete:
            raise NotDifferentiableError(
                f"linalg.qr: with mode='complete' the extra columns of Q of a matrix with more rows than "
                f"columns, shape {format_shape(x.shape)}, are any orthonormal completion and have no "
                "derivative; use mode='reduced'"
            )
        return (self._vjp(x, g, None),)


class QrR(_QrFactor):
    """The upper-triangular factor R of NumPy's QR decomposition."""

    __slots__ = ()
    name, part = "qr_r", 1

    def infer(self, x: Type) -> Type:
        k = _smaller_side("linalg.qr", x)
        m = x.shape[-2]
        return Type(_float_dtype("linalg.qr", x), (*x.shape[:-2], m if self.complete else k, x.shape[-1]))

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        if self.complete:  # the rows below the reduced R are zero whatever the matrix
            g = index(g, (Ellipsis, slice(None, _static_n("linalg.qr", x)), slice(None)))
        return (self._vjp(x, None, g),)


class QRResult(NamedTuple):
    """``qr``'s two results, as NumPy names them."""

    Q: Node
    R: Node


def qr(a: Any, mode: str = "reduced") -> Any:
    """The QR decomposition ``a = Q @ R`` as ``np.linalg.qr`` computes it (Householder
    reflections: the signs of R's diagonal are LAPACK's), batched. ``mode``: 'reduced' (Q of
    shape (..., m, k), R (..., k, n), k = min(m, n)), 'complete' (Q (..., m, m), R (..., m, n)),
    or 'r' (R alone).

    Derivatives need R's leading square block invertible (a matrix of full rank). With
    mode='complete' and more rows than columns, Q's extra columns are any orthonormal completion:
    their derivative is refused (NotDifferentiableError).

    >>> Q, R = sd.linalg.qr(A)
    """
    a_ = as_node(a)
    if mode not in ("reduced", "complete", "r"):
        if mode == "raw":
            raise NotImplementedError("linalg.qr: mode='raw' (LAPACK's Householder reflectors) is not "
                                      "supported; use 'reduced', 'complete' or 'r'")
        raise ValueError(f"linalg.qr: unrecognized mode {mode!r}; use 'reduced', 'complete' or 'r'")
    k = _smaller_side("linalg.qr", a_.type)
    # with no more rows than columns the complete decomposition is the reduced one: share the nodes
    complete = mode == "complete" and a_.shape[-2] != k
    r = Node(QrR(complete), (a_,))
    if mode == "r":
        return r
    return QRResult(Node(QrQ(complete), (a_,)), r)


# -- pseudo-inverse ------------------------------------------------------------------------------------------


class Pinv(Op):
    """The Moore-Penrose pseudo-inverse, as ``np.linalg.pinv``: singular values at or below
    the cutoff (``rcond`` or ``rtol`` times the largest) count as zero."""

    __slots__ = ("keyword", "cutoff")
    name = "pinv"

    def __init__(self, keyword: str, cutoff: float | None) -> None:
        self.keyword, self.cutoff = keyword, cutoff

    def params(self) -> tuple[Any, ...]:
        return (self.keyword, self.cutoff)

    def infer(self, x: Type) -> Type:
        _matrix_shape("linalg.pinv", x)
        return Type(_float_dtype("linalg.pinv", x), (*x.shape[:-2], x.shape[-1], x.shape[-2]))

    def _extra(self) -> str:
        return "" if (self.keyword, self.cutoff) == ("rcond", None) else f", {self.keyword}={self.cutoff!r}"

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.linalg.pinv({args[0]}{self._extra()})"

    def text(self, args: Sequence[str]) -> str:
        return f"linalg.pinv({args[0]}{self._extra()})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # Golub and Pereyra (1973), for a matrix of constant rank, with P = pinv(A):
        # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P, so
        # Abar = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)
        p, pt, gt = out, _mT(out), _mT(g)
        gt_ppt = gt @ (p @ pt)
        ptp_gt = (pt @ p) @ gt
        return (-(pt @ g @ pt) + (gt_ppt - x @ (p @ gt_ppt)) + (ptp_gt - (ptp_gt @ p) @ x),)


_NO_VALUE: Any = object()


def pinv(a: Any, rcond: float | None = None, hermitian: bool = False, *, rtol: Any = _NO_VALUE) -> Node:
    """The Moore-Penrose pseudo-inverse of a matrix, batched, as ``np.linalg.pinv`` (``rcond``,
    or the array API's ``rtol``, a Python float: the relative cutoff for small singular values).

    The derivative is that of a matrix of constant rank (exact for full-rank input); where the
    rank changes, as a singular value crosses the cutoff, the pseudo-inverse is not continuous.

    >>> sd.linalg.pinv(A) @ b   # the least-squares solution of A x = b
    """
    a_ = as_node(a)
    if not isinstance(hermitian, (bool, np.bool_)):
        raise TypeError(f"linalg.pinv: hermitian must be True or False, got {hermitian!r}")
    if hermitian:
        raise NotImplementedError("linalg.pinv: hermitian=True is not supported; use pinv without it")
    keyword, cutoff = ("rcond", rcond) if rtol is _NO_VALUE else ("rtol", rtol)
    if rcond is not None and rtol is not _NO_VALUE:
        raise ValueError("linalg.pinv: give rcond or rtol, not both")
    return Node(Pinv(keyword, _cutoff("linalg.pinv", keyword, cutoff)), (a_,))


def _cutoff(op_name: str, keyword: str, value: Any) -> float | None:
    """A relative cutoff for small singular values: a static number (it goes into the op)."""
    if value is None:
        return None
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op_name}: {keyword} must be a number, got {value!r}")
    return float(value)


class LstsqResult(NamedTuple):
    """``lstsq``'s four results, in NumPy's order."""

    x: Node
    residuals: Node
    rank: Node
    s: Node


def lstsq(a: Any, b: Any, rcond: float | None = None) -> LstsqResult:
    """The least-squares solution of ``a @ x = b`` as ``np.linalg.lstsq``: ``(x, residuals,
    rank, s)`` for a matrix a ``(m, n)`` and b ``(m,)`` or ``(m, k)``.

    x is ``pinv(a, rcond) @ b``, with NumPy's cutoff (``rcond=None``: machine precision times
    max(m, n)); its derivative is that of a matrix of constant rank. s are a's singular values,
    rank (int32, no derivative) counts those above the cutoff. residuals, the squared norm of
    each column of ``b - a @ x``, has a static shape: (k,) ((1,) for a vector b) when m > n, else
    (0,). That is NumPy's result for a of full rank; for a tall a of lower rank NumPy gives an
    empty array instead, which a static shape cannot follow.

    >>> x, residuals, rank, s = sd.linalg.lstsq(A, b)
    """
    a_, b_ = as_node(a), as_node(b)
    if a_.ndim != 2:
        raise ShapeError(f"linalg.lstsq: a must be a matrix (m, n), got shape {format_shape(a_.shape)}")
    m, n = a_.shape
    if b_.ndim not in (1, 2) or b_.shape[0] != m:
        raise ShapeError(
            f"linalg.lstsq: a of shape {format_shape(a_.shape)} and b of shape {format_shape(b_.shape)} "
            f"do not align: b must be (m,) or (m, k) with m = {m!r}"
        )
    if not isinstance(m, int) or not isinstance(n, int):
        raise NotImplementedError(
            f"linalg.lstsq: needs a static matrix size, not the named dimensions of {format_shape(a_.shape)}"
        )
    dtype = np.result_type(_float_dtype("linalg.lstsq", a_.type), _float_dtype("linalg.lstsq", b_.type))
    a_, b_ = astype(a_, dtype), astype(b_, dtype)
    cutoff = _cutoff("linalg.lstsq", "rcond", rcond)
    if cutoff is None:  # NumPy's default
        cutoff = float(np.finfo(dtype).eps * (m if m > n else n))
    x = pinv(a_, rcond=cutoff) @ b_
    s = svdvals(a_)
    largest = max(s, axis=-1, initial=0.0)
    rank = astype(sum(s > largest * cutoff), np.int32)
    if m > n:
        r = b_ - a_ @ x
        residuals = sum(r * r, axis=0)
        if b_.ndim == 1:
            residuals = reshape(residuals, (1,))
    else:
        residuals = const(np.zeros((0,), dtype))
    return LstsqResult(x, residuals, rank, s)


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
        r = self.kept(out, x)
        return (where(r > 0, x / r, 0.0) * self.kept(g, x),)


def _euclidean(x: Node, axes: Sequence[int], keepdims: bool) -> Node:
    return Node(EuclideanNorm(tuple(sorted(axes)), bool(keepdims)), (x,))


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
        return min(abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return sum(astype(not_equal(x, 0), x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    p = float(ord)
    s = sum(power(abs(x), p), axis=axis, keepdims=keepdims)
    if p > 0:
        return where(s > 0, power(s, 1.0 / p), 0.0)
    return power(s, 1.0 / p)


def _matrix_norm(x: Node, ord: Any, axes: tuple[int, int], keepdims: bool) -> Node:
    row, col = axes
    if ord is None or ord == "fro":
        return _euclidean(x, axes, keepdims)
    if ord in (1, -1, np.inf, -np.inf) and not isinstance(ord, str):
        # 1: the largest column sum of |x|; inf: the largest row sum
        inner_axis, outer_axis = (row, col) if abs_(ord) == 1 else (col, row)
        sums = sum(abs(x), axis=inner_axis, keepdims=True)
        # NumPy's largest sum starts from 0, so a matrix of no columns (rows) has norm 0
        initial = 0 if ord > 0 and x.shape[outer_axis] == 0 else None
        out = (max if ord > 0 else min)(sums, axis=outer_axis, keepdims=True, initial=initial)
        return out if keepdims else reshape(out, tuple(d for k, d in enumerate(x.shape) if k not in axes))
    if ord in ("nuc", 2, -2):
        rest = [k for k in range(x.ndim) if k not in axes]
        sv = svdvals(transpose(x, (*rest, row, col)))
        initial = 0 if ord == 2 and sv.shape[-1] == 0 else None  # as for ord=1 and inf
        out = {"nuc": sum, 2: max, -2: min}[ord](sv, axis=-1, initial=initial)
        if keepdims:
            out = reshape(out, tuple(1 if k in axes else d for k, d in enumerate(x.shape)))
        return out
    raise ValueError(f"linalg.norm: invalid norm order {ord!r} for matrices")


def abs_(v: Any) -> Any:
    return v if v >= 0 else -v


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Node:  # noqa: A002
    """Vector or matrix norms as ``np.linalg.norm``: ``ord`` None/2/1/inf/-inf/0/p for vectors,
    None/'fro'/'nuc'/1/-1/2/-2/inf/-inf for matrices (``axis`` a pair, or 2-D input).

    >>> sd.linalg.norm(x), sd.linalg.norm(A, "fro"), sd.linalg.norm(X, axis=1)
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
    if isinstance(axis, (tuple, list)):
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


__all__ += ["EighResult", "LstsqResult", "QRResult", "SVDResult", "SlogdetResult"]
