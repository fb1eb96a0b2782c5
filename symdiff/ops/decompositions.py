"""The decompositions of ``sd.linalg``: Cholesky, the symmetric eigenproblem (``eigh``,
``eigvalsh``), singular values and vectors (``svd``, ``svdvals``), QR, and what is built on
them (``pinv``, ``lstsq``). Their derivative rules are written in symdiff ops, so they
differentiate again; where they are undefined is stated in ``sd.linalg``. Factors one NumPy call
returns together (svd's U, S and Vh, eigh's eigenvalues and eigenvectors, qr's Q and R) are
parts of that call (``Part``): the backends run it once for all of them, and each equals
NumPy's result bit for bit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import NotDifferentiableError, ShapeError
from ..ir import Dim, Node, Op, Type, format_shape
from .base import Part, as_node, const, dim_size
from .creation import eye
from .diagonals import tril
from .elementwise import abs, astype, where
from .matrix import (
    _float_dtype, _from_triangle, _MatrixOp, _mT, _square, _static_n, solve,
)
from .reduce import max, sum
from .shape import broadcast_to, concatenate, expand_dims, index, reshape, zeros_like

__all__ = [
    "EighResult", "LstsqResult", "QRResult", "SVDResult", "cholesky", "eigh", "eigvalsh", "lstsq",
    "pinv", "qr", "svd", "svdvals",
]


# -- Cholesky ------------------------------------------------------------------------------------------


class Cholesky(_MatrixOp):
    """The lower Cholesky factor; reads the lower triangle only."""

    name, numpy = "cholesky", "cholesky"

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.cholesky", x), x.shape)

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # Murray (2016): P = Phi(L^T Lbar), S = L^-T P L^-1, Abar = (S + S^T)/2, where Phi
        # keeps the lower triangle with the diagonal halved; then onto the read triangle.
        # (Masks by tril: no static size needed.)
        m = _mT(out) @ g
        p = (tril(m) + tril(m, -1)) * 0.5
        lt = _mT(out)
        s = _mT(solve(lt, _mT(solve(lt, p))))
        return (_from_triangle((s + _mT(s)) * 0.5, x, "L"),)


def cholesky(a: Any, upper: bool = False) -> Node:
    """The Cholesky factor L (lower, ``a = L @ L.T``) of a symmetric positive-definite matrix;
    with ``upper=True`` the factor U = L.T read from the upper triangle. Batched.

    >>> A = sd.var("A", (2, 2))
    >>> L = sd.linalg.cholesky(A); L
    linalg.cholesky(A)
    >>> sd.evaluate(L, {"A": [[4.0, 2.0], [2.0, 5.0]]})
    array([[2., 0.],
           [1., 2.]])
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


def _eigenvalues_vjp(g: Node, x: Node, uplo: str) -> Node:
    """Abar of the eigenvalues (eigvalsh's or eigh's): dw_k = v_k^T dA v_k, so Abar = V
    diag(wbar) V^T, onto the triangle read."""
    v = Node(EighVectors(uplo), (x,))
    return _from_triangle((v * expand_dims(g, -2)) @ _mT(v), x, uplo)


def _inverse_gaps(values: Node) -> Node:
    """F[i, j] = 1 / (values[j] - values[i]) off the diagonal, 0 on it: the weights of the
    eigenvector (and singular vector) derivatives. Infinite where two values repeat, also where
    they are equal up to the rounding LAPACK leaves in them (a gap within 4 n eps of the largest
    magnitude; the gaps of exactly repeated values come out within 2.5 n eps): 1 / rounding error
    is a huge finite number, no derivative, and so its inf or nan carries on to higher orders.
    n, the number of values, may be a named dimension."""
    n = values.shape[-1]
    eps = np.finfo(values.dtype).eps
    gap = expand_dims(values, -2) - expand_dims(values, -1)
    scale = max(abs(values), axis=-1, keepdims=True, initial=0.0)
    # eye, not a constant array: it prints as the call that builds it, which reads back
    diagonal = eye(n, dtype=bool)
    if isinstance(n, int):
        tolerance: Any = float(4 * n * eps)
    else:
        tolerance = astype(dim_size(n), values.dtype) * float(4 * eps)
    repeated = abs(gap) <= expand_dims(scale, -1) * tolerance
    return where(diagonal, 0.0, 1.0 / where(diagonal, 1.0, where(repeated, 0.0, gap)))


class EighValues(_MatrixOp):
    """Eigenvalues of a symmetric matrix (ascending), from one triangle: ``np.linalg.eigvalsh``,
    values alone (LAPACK computes them by another method than beside the vectors, to other
    last bits than eigh's)."""

    __slots__ = ("uplo",)
    name = "eigvalsh"

    def __init__(self, uplo: str) -> None:
        self.uplo = uplo

    def params(self) -> tuple[Any, ...]:
        return (self.uplo,)

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.eigvalsh", x), x.shape[:-1])

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.linalg.eigvalsh({args[0]}, UPLO={self.uplo!r})"

    def text(self, args: Sequence[str]) -> str:
        extra = "" if self.uplo == "L" else f", UPLO={self.uplo!r}"
        return f"linalg.eigvalsh({args[0]}{extra})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (_eigenvalues_vjp(g, x, self.uplo),)


class _EighPart(Part):
    """One result of ``np.linalg.eigh``: the eigenvalues (part 0) or the eigenvectors (1) of
    one call, which runs once for both."""

    __slots__ = ("uplo",)

    def __init__(self, uplo: str) -> None:
        self.uplo = uplo

    def params(self) -> tuple[Any, ...]:
        return (self.uplo,)

    def call(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.linalg.eigh({args[0]}, UPLO={self.uplo!r})"

    def text(self, args: Sequence[str]) -> str:
        extra = "" if self.uplo == "L" else f", UPLO={self.uplo!r}"
        return f"linalg.eigh({args[0]}{extra})[{self.part}]"


class EighEigenvalues(_EighPart):
    """Eigenvalues (ascending) of a symmetric matrix, as eigh gives them beside the vectors."""

    __slots__ = ()
    name, part = "eigh_values", 0

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.eigh", x), x.shape[:-1])

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (_eigenvalues_vjp(g, x, self.uplo),)


class EighVectors(_EighPart):
    """Eigenvectors (columns, in the order of the ascending eigenvalues) of a symmetric matrix."""

    __slots__ = ()
    name, part = "eigh_vectors", 1

    def infer(self, x: Type) -> Type:
        return Type(_square("linalg.eigh", x), x.shape)

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # Abar = V (F o (V^T Vbar)) V^T with F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on
        # it: infinite where eigenvalues repeat (the eigenvectors are not unique there).
        f = _inverse_gaps(Node(EighEigenvalues(self.uplo), (x,)))
        g_sym = out @ ((f * (_mT(out) @ g)) @ _mT(out))
        return (_from_triangle(g_sym, x, self.uplo),)


class EighResult(NamedTuple):
    """``eigh``'s two results, as NumPy names them."""

    eigenvalues: Node
    eigenvectors: Node


def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803 - NumPy's name
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, batched; only
    the triangle ``UPLO`` is read.

    >>> A = sd.var("A", (3, 3))
    >>> w, V = sd.linalg.eigh(A); w, V
    (linalg.eigh(A)[0], linalg.eigh(A)[1])
    >>> w.shape, V.shape
    ((3,), (3, 3))
    """
    a_ = as_node(a)
    uplo = _check_uplo("linalg.eigh", UPLO)
    return EighResult(Node(EighEigenvalues(uplo), (a_,)), Node(EighVectors(uplo), (a_,)))


def eigvalsh(a: Any, UPLO: str = "L") -> Node:  # noqa: N803 - NumPy's name
    """The eigenvalues (ascending) of a symmetric matrix, batched; only the triangle ``UPLO``
    is read.

    >>> A = sd.var("A", (2, 2))
    >>> sd.evaluate(sd.linalg.eigvalsh(A), {"A": [[2.0, 1.0], [1.0, 2.0]]})
    array([1., 3.])
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
    """k = min(m, n) of a stack of (m, n) matrices: the number of singular values (and of the
    rows of QR's reduced R)."""
    _matrix_shape(op_name, x)
    m, n = x.shape[-2], x.shape[-1]
    if m == n:
        return n
    if isinstance(m, str) or isinstance(n, str):
        # a named dimension takes any size when the graph runs, so min(m, n) has no one value:
        # a static k would be wrong whenever the named side turns out the smaller
        raise NotImplementedError(
            f"{op_name}: the size min({m!r}, {n!r}) of the result depends on the size the named "
            f"dimension of {format_shape(x.shape)} takes; give the matrix static sizes"
        )
    return min(m, n)


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
        return (_singular_values_vjp("linalg.svdvals", g, out, x),)


def _singular_values_vjp(op_name: str, g: Node, s: Node, x: Node) -> Node:
    """Xbar of the singular values ``s`` of ``x`` (svdvals' or svd's): dsigma_k = u_k^T dX v_k,
    so Xbar = U diag(gbar) Vh, with U and Vh of one reduced ``np.linalg.svd`` call (their signs
    agree, and cancel in each u_k v_k^T). Differentiable again through svd's U and Vh; accurate
    to rounding for an ill-conditioned X (the eigenvectors of the Gram matrix X^T X lose the
    small singular directions to rounding, eps * cond(X)**2 of them)."""
    full = x.shape[-1] == x.shape[-2]  # a square matrix's reduced svd is its full one
    u, vh = Node(SvdU(full), (x,)), Node(SvdVh(full), (x,))
    return (u * expand_dims(g, -2)) @ vh


def svdvals(x: Any) -> Node:
    """The singular values of a matrix (descending), batched over leading axes.

    >>> A = sd.var("A", (2, 2))
    >>> sd.evaluate(sd.linalg.svdvals(A), {"A": [[3.0, 0.0], [0.0, -4.0]]})
    array([4., 3.])
    """
    return Node(SingularValues(), (as_node(x),))


class _SvdFactor(Part):
    """One factor of NumPy's ``a = U @ diag(S) @ Vh``: ``U`` (part 0), ``S`` (1) or ``Vh`` (2)
    of one ``np.linalg.svd`` call, so the two orthogonal factors of one matrix carry the same
    signs and S is the full call's (``svdvals``, values alone, is another LAPACK method, whose
    last bits differ); ``full`` keeps NumPy's full_matrices."""

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
        s = Node(SvdS(self.full), (x,))
        u, vh = Node(SvdU(self.full), (x,)), Node(SvdVh(self.full), (x,))
        return u, s, vh, _inverse_gaps(s * s)


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


class SvdS(_SvdFactor):
    """The singular values (descending), as the call that gives the singular vectors computes
    them."""

    __slots__ = ()
    name, part = "svd_s", 1

    def infer(self, x: Type) -> Type:
        return Type(_float_dtype("linalg.svd", x), (*x.shape[:-2], _smaller_side("linalg.svd", x)))

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (_singular_values_vjp("linalg.svd", g, out, x),)


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
    (..., k, n) with ``full_matrices=False`` (k = min(m, n)). One call gives all three, S bit
    for bit as NumPy's; ``compute_uv=False`` gives S alone (``svdvals``, which LAPACK computes
    by another method, to other last bits).

    Derivatives need distinct, nonzero singular values (inf/nan otherwise). Singular vectors are
    unique up to the sign of each pair (u_k, v_k), which NumPy chooses; the derivative follows
    that choice, so functions that do not depend on the signs (``(U * S) @ Vh``, ``U @ U.T``) have
    the derivative of any choice. With ``full_matrices=True`` and a non-square matrix the extra
    columns of U (rows of Vh) are any orthonormal completion: their derivative is refused
    (NotDifferentiableError); use ``full_matrices=False``.

    >>> A = sd.var("A", (4, 3))
    >>> U, S, Vh = sd.linalg.svd(A, full_matrices=False)
    >>> S, (U.shape, S.shape, Vh.shape)
    (linalg.svd(A, full_matrices=False)[1], ((4, 3), (3,), (3, 3)))
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
    return SVDResult(Node(SvdU(full), (a_,)), Node(SvdS(full), (a_,)), Node(SvdVh(full), (a_,)))


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
            left_bar = _qr_square_vjp(q, index(r, left), g_q, None)
            # Ybar is zero, with the leading axes Qbar brings (more than x's in a batch of them)
            zero = broadcast_to(zeros_like(y), (*left_bar.shape[:-1], y.shape[-1]))
            return concatenate([left_bar, zero], axis=-1)
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

    >>> A = sd.var("A", (4, 3))
    >>> Q, R = sd.linalg.qr(A); Q.shape, R.shape
    ((4, 3), (3, 3))
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

    >>> A, b = sd.var("A", (4, 3)), sd.var("b", (4,))
    >>> sd.linalg.pinv(A) @ b   # the least-squares solution of A x = b
    linalg.pinv(A) @ b
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

    >>> A, b = sd.var("A", (4, 3)), sd.var("b", (4,))
    >>> x, residuals, rank, s = sd.linalg.lstsq(A, b)
    >>> x.shape, residuals.shape, rank.shape, s.shape
    ((3,), (1,), (), (3,))
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
