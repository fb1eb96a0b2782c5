"""Special functions: ``erf``, ``erfc``, ``gamma``, ``gammaln`` and its derivatives ``digamma``
and ``polygamma``, NumPy's Bessel function ``i0`` and its derivative ``i1`` (and ``i0e``, ``i1e``,
both scaled by exp(-|x|)), with SciPy's names and values (``scipy.special``), computed with NumPy
and ``math`` alone so generated code needs nothing else.

``erf``, ``erfc``, ``gamma`` and ``gammaln`` apply ``math.erf``/``math.erfc``/``math.gamma``/
``math.lgamma`` (accurate to a few ulp) element by element: exact, but about 10x slower than a
NumPy ufunc on large arrays.
``polygamma`` shifts its argument up by the recurrence psi(x + 1) = psi(x) + 1/x until it is at
least 12, then sums the asymptotic (Bernoulli) series; negative arguments use the reflection
formula. Relative accuracy is about 1e-15 away from the zero of ``digamma`` near 1.46.

Integer inputs give float64, float32 stays float32. ``gammaln`` is log|Gamma(x)| (as SciPy's)
and is +inf at the poles 0, -1, -2, ... and -inf at -inf; ``gamma`` is +-inf at +-0 and nan at the other poles,
as SciPy's; ``digamma`` is +-inf at -+0 and nan at the other poles and at -inf, and
``polygamma(n, x)`` for n >= 1 is +inf (n odd) or -inf (n even) at all of them, as SciPy's.
SymPy's ``loggamma`` agrees with ``gammaln`` for x > 0 only (it is complex for x < 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DTypeError
from ..ir import Dim, Node
from .base import as_node, broadcast_shapes, helper, is_python_scalar
from .elementwise import (
    Unary, abs, astype, equal, exp, expm1, greater, greater_equal, isfinite, isinf, isnan, less, less_equal, log,
    log1p, logical_and, logical_not, logical_or, maximum, minimum, sign, softplus, sqrt, where,
)
from .numeric import floor, mod

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@helper
def erf_kernel(x):  # type: ignore[no-untyped-def]
    x = np.asarray(x)
    return np.asarray(np.frompyfunc(math.erf, 1, 1)(x), dtype=np.result_type(x.dtype, 0.0))


@helper
def erfc_kernel(x):  # type: ignore[no-untyped-def]
    x = np.asarray(x)
    return np.asarray(np.frompyfunc(math.erfc, 1, 1)(x), dtype=np.result_type(x.dtype, 0.0))


@helper
def gamma_kernel(x, log):  # type: ignore[no-untyped-def]
    # Gamma(x) with math.gamma, or log|Gamma(x)| (gammaln) with math.lgamma when log. Both raise
    # at the poles 0, -1, -2, ... (and -inf): log|Gamma| is +inf there, and Gamma, as SciPy's,
    # +-inf at +-0 (the side it is approached from) and nan at the others. At -inf, SciPy's
    # log|Gamma| is -inf (|Gamma| between the poles falls to 0) and its Gamma nan. Beyond float64's
    # range (Gamma above x = 171.62..., log Gamma above about 2.6e305) both are inf.
    x = np.asarray(x)
    t = x.astype(np.float64)
    pole = (t <= 0) & (t == np.floor(t))
    f = math.lgamma if log else math.gamma

    def value(v):  # type: ignore[no-untyped-def]
        try:
            return f(v)
        except OverflowError:  # Gamma of a tiny negative number is -inf
            return math.inf if log else math.copysign(math.inf, v)

    at_pole = np.where(t == -np.inf, -np.inf, np.inf) if log else np.where(t == 0, np.copysign(np.inf, t), np.nan)
    with np.errstate(over="ignore"):  # inf is the value; in float32 Gamma is inf above 35.04
        out = np.asarray(np.frompyfunc(value, 1, 1)(np.where(pole, 1.0, t)), dtype=np.float64)
        return np.where(pole, at_pole, out).astype(np.result_type(x.dtype, 0.0))


@helper
def polygamma_kernel(x, n):  # type: ignore[no-untyped-def]
    # psi^(n)(x), the (n+1)-th derivative of log Gamma. For x < 0 the reflection formula
    # psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) cot^(n)(pi x), with cot^(n) a polynomial in
    # cot found from cot' = -(1 + cot^2). For z >= 0, psi^(n)(z) = psi^(n)(z + 1) - (-1)^n n! /
    # z^(n+1) lifts z to 12 or more, where the asymptotic series is accurate to float64.
    x = np.asarray(x)
    t = x.astype(np.float64)
    sign = -1.0 if n % 2 else 1.0
    bernoulli = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
                 43867 / 798, -174611 / 330)
    with np.errstate(all="ignore"):
        negative = t < 0
        z = np.where(negative, 1.0 - t, t)
        shift = np.zeros_like(z)
        low = z < 12.0
        while low.any():
            shift = shift + np.where(low, 1.0 / np.where(low, z, 1.0) ** (n + 1), 0.0)
            z = np.where(low, z + 1.0, z)
            low = z < 12.0
        if n == 0:
            series = np.log(z) - 0.5 / z
            for k, b in enumerate(bernoulli, 1):
                series = series - b / (2 * k * z ** (2 * k))
        else:
            series = math.factorial(n - 1) / z**n + math.factorial(n) / (2 * z ** (n + 1))
            for k, b in enumerate(bernoulli, 1):
                c = b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
                series = series + c / z ** (2 * k + n)
            series = -sign * series
        out = series - sign * math.factorial(n) * shift
        if negative.any():
            poly = np.array([0.0, 1.0])  # coefficients of cot^(m) as a polynomial in cot
            for _ in range(n):
                poly = -np.polynomial.polynomial.polymul([1.0, 0.0, 1.0], np.polynomial.polynomial.polyder(poly))
            ts = np.where(negative, t, 0.5)
            # cot(pi x) has period 1: of x - round(x) (exact, in [-1/2, 1/2]: x - floor(x) would
            # round a tiny negative x to 1), since pi * x rounds at x's size
            frac = ts - np.round(ts)
            cot = np.cos(math.pi * frac) / np.sin(math.pi * frac)
            # Horner's rule from the leading coefficient: polyval starts from c + cot * 0, nan
            # where cot overflows to inf (a tiny negative x, whose psi is +-inf)
            cot_poly = np.full_like(cot, poly[-1])
            for c in poly[-2::-1]:
                cot_poly = cot_poly * cot + c
            reflected = sign * out - math.pi ** (n + 1) * cot_poly
            reflected = np.where(ts == np.floor(ts), np.nan, reflected)  # the poles -1, -2, ...
            out = np.where(negative, reflected, out)
        if n > 0:
            # SciPy's psi^(n) is (-1)^(n+1) n! zeta(n+1, x), and its Hurwitz zeta is +inf at the
            # poles 0, -1, -2, ... (either signed zero) and at -inf: +inf there for odd n, -inf
            # for even n. (digamma is +-inf at +-0 and nan at the other poles and -inf, as SciPy's.)
            out = np.where((t <= 0) & (t == np.floor(t)), -sign * np.inf, out)
    return out.astype(np.result_type(x.dtype, 0.0))


@helper
def erfinv_kernel(x, complement):  # type: ignore[no-untyped-def]
    # The inverse of erf (of erfc when complement). A start good to about 1e-7 (Giles's
    # polynomials in w = -log(1 - t^2)), then Halley steps on erf(y) = t, or, in the tails, on
    # erfc(y) = q with q = 1 - |t| taken as given (erfcinv) or exactly formed (1 - |t| is exact
    # for |t| >= 1/2), so small q keep their digits. Halley's step for erf: y -= u / (1 + y u),
    # u = (erf(y) - t) / (2/sqrt(pi) exp(-y^2)); each one triples the digits.
    x = np.asarray(x)
    v = x.astype(np.float64)
    with np.errstate(all="ignore"):
        if complement:
            q = np.where(v > 1.0, 2.0 - v, v)  # erfcinv(2 - q) = -erfcinv(q)
            sign = np.where(v > 1.0, -1.0, 1.0)
            t = 1.0 - q  # exact for q in [1/2, 1]; used only there and for the start
        else:
            t = np.abs(v)
            q = 1.0 - t  # exact for t in [1/2, 1]
            sign = np.where(v < 0, -1.0, 1.0)
        tail = q < 0.5
        w = -np.log(q * (2.0 - q))
        small = w < 5.0
        ws = np.where(small, w - 2.5, np.sqrt(np.abs(w)) - 3.0)
        p = np.where(small, 2.81022636e-08, -0.000200214257)
        for c_small, c_large in ((3.43273939e-07, 0.000100950558), (-3.5233877e-06, 0.00134934322),
                                 (-4.39150654e-06, -0.00367342844), (0.00021858087, 0.00573950773),
                                 (-0.00125372503, -0.0076224613), (-0.00417768164, 0.00943887047),
                                 (0.246640727, 1.00167406), (1.50140941, 2.83297682)):
            p = np.where(small, c_small, c_large) + p * ws
        y = p * t
        # far out (q < 1e-10) the polynomials are extrapolating: start from erfc(y) ~
        # exp(-y^2) / (y sqrt(pi)) instead, solved for y^2 = -log(q) - log(y sqrt(pi)) by a few
        # fixed-point steps (a relative error of 1e-4 or less from q = 1e-10 down)
        far = q < 1e-10
        big = -np.log(np.where(far, q, 1e-10))
        z = np.sqrt(big)
        for _ in range(4):
            z = np.sqrt(big - np.log(math.sqrt(math.pi) * z))
        y = np.where(far, z, y)
        scale = 2.0 / math.sqrt(math.pi)
        for _ in range(4):
            half = np.exp(-0.5 * y * y)  # exp(-y^2) as a square: no underflow until q ~ 1e-300
            f = np.where(tail, erfc_kernel(y) - q, t - erf_kernel(y))
            u = f / half / half / scale
            u = np.where(np.isfinite(u), u, 0.0)
            y = y + u / (1.0 - y * u)
        y = np.where(q == 0.0, np.inf, np.where(t == 0.0, 0.0, y))
        y = np.where((q < 0) | (q > 1) | np.isnan(q), np.nan, y)
    return (sign * y).astype(np.result_type(x.dtype, 0.0))


# The trapezoidal rule on a whole period of a smooth periodic function converges geometrically:
# with N nodes, I_n(x) = (1/pi) * integral over [0, pi] of exp(x cos t) cos(n t) dt (n = 0, 1) is
# computed with a relative error of about I_(N-n)(x) / I_n(x) < exp(-(N^2 - 1) / (2x)), the terms
# scaled by exp(-|x|) so none overflows. From |x| = 30 on, where the peak of the integrand
# narrows, the asymptotic series exp(-x) I_n(x) ~ (2 pi x)^(-1/2) sum_k c_k / x^k, with
# c_k = c_(k-1) ((2k - 1)^2 - 4 n^2) / (8k), takes over: its 40 terms leave a relative error
# below 1e-22 there (the terms fall until k ~ 2x), and it is 0 at +-inf.
@helper
def bessel_scaled_kernel(x, order):  # type: ignore[no-untyped-def]
    # exp(-|x|) I_order(x) for order 0 (even in x) or 1 (odd), the modified Bessel functions of
    # the first kind, which NumPy lacks scaled (and I_1 altogether), by the rule above
    x = np.asarray(x)
    a = np.abs(x.astype(np.float64))
    far = a >= 30.0
    near = np.where(far, 0.0, a)
    nodes = 256
    t = np.linspace(0.0, np.pi, nodes // 2 + 1)
    cos, cos_minus_1 = np.cos(t), -2.0 * np.sin(0.5 * t) ** 2  # the latter exact to an ulp or two
    weights = np.r_[0.5, np.ones(nodes // 2 - 1), 0.5] * (2.0 / nodes)
    if order:
        weights = weights * cos
    # for order 1 and small x, exp(.) - 1 in place of exp(.) (the weighted cosines sum to 0):
    # the terms cancel to about x/2, which the differences from 1 keep; elsewhere exp(.) itself,
    # whose terms far from the peak are tiny rather than -1 to a rounding error each
    minus_one = (near < 1.0) if order else np.zeros(a.shape, bool)
    inside = np.flatnonzero(~far.ravel())  # the quadrature only where the series does not serve
    flat, small_flat, total = near.ravel()[inside], minus_one.ravel()[inside], np.zeros(a.size)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, inside.size, 8192):  # a block at a time: 129 terms per element
            u = np.multiply.outer(flat[start:start + 8192], cos_minus_1)
            small = small_flat[start:start + 8192, None]
            total[inside[start:start + 8192]] = np.where(small, np.expm1(u), np.exp(u)) @ weights
        total = total.reshape(a.shape)
        big = np.where(far, a, 1.0)
        term, series = np.ones_like(big), np.ones_like(big)
        for k in range(1, 41):
            term = term * (((2 * k - 1) ** 2 - 4 * order * order) / (8.0 * k)) / big
            series = series + term
        # sqrt(2 pi) sqrt(x), not sqrt(2 pi x): 2 pi x overflows from x ~ 2.9e307
        asymptotic = series / (math.sqrt(2.0 * math.pi) * np.sqrt(big))
        out = np.where(far, np.where(np.isinf(a), 0.0, asymptotic), total)
    if order:
        out = np.copysign(out, x)
    return np.asarray(out.astype(np.result_type(x.dtype, 0.0)))


@helper
def i1_kernel(x):  # type: ignore[no-untyped-def]
    # I_1(x), the modified Bessel function of the first kind of order 1 (odd in x), which NumPy
    # lacks: exp(|x|) times the scaled one; at +-inf it is nan, as SciPy's (and as NumPy's i0
    # there), and beyond 709.78 inf (where I_1 itself overflows at 713.98)
    x = np.asarray(x)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.exp(np.abs(x.astype(np.float64))) * bessel_scaled_kernel(x.astype(np.float64), 1)
    return np.asarray(out.astype(np.result_type(x.dtype, 0.0)))


class _Real(Unary):
    """A real function of one real argument: complex inputs are refused."""

    __slots__ = ()

    def called(self) -> str:
        """The name the user called it by, for errors."""
        return self.name

    def infer(self, *types: Any) -> Any:
        if types[0].dtype.kind == "c":
            raise DTypeError(
                f"{self.called()} is defined here for real inputs only, got {types[0].dtype}")
        return super().infer(*types)


class Erf(_Real):
    name, numpy = "erf", "erf_kernel({0})"
    parity = "odd"
    math = "math.erf({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * (_TWO_OVER_SQRT_PI * exp(-(x * x))),)


class Erfc(_Real):
    name, numpy = "erfc", "erfc_kernel({0})"
    math = "math.erfc({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (-(g * (_TWO_OVER_SQRT_PI * exp(-(x * x)))),)


class Gamma(_Real):
    name, numpy = "gamma", "gamma_kernel({0}, log=False)"
    math = "math.gamma({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * (out * Node(Polygamma(0), (x,))),)


class Gammaln(_Real):
    name, numpy = "gammaln", "gamma_kernel({0}, log=True)"
    math = "(-math.inf if {0} == -math.inf else math.lgamma({0}))"  # SciPy's; math.lgamma's is inf

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * Node(Polygamma(0), (x,)),)


class Polygamma(_Real):
    """psi^(n), the n-th derivative of digamma; prints as ``digamma(x)`` for n = 0."""

    __slots__ = ("n",)
    name = "polygamma"

    def __init__(self, n: int) -> None:
        self.n = n

    def params(self) -> tuple[Any, ...]:
        return (self.n,)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"polygamma_kernel({args[0]}, {self.n!r})"

    def called(self) -> str:
        return "digamma" if self.n == 0 else self.name

    def text(self, args: Sequence[str]) -> str:
        return f"digamma({args[0]})" if self.n == 0 else f"polygamma({self.n}, {args[0]})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * Node(Polygamma(self.n + 1), (x,)),)


class Erfinv(_Real):
    """The inverse of erf, a float64 op (``erfinv`` rounds a float32 result)."""

    name, numpy = "erfinv", "erfinv_kernel({0}, False)"
    parity = "odd"
    complement = False

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # erf(y) = x gives dy/dx = 1 / erf'(y) = sqrt(pi)/2 exp(y^2); erfc' is -erf'
        slope = (1.0 / _TWO_OVER_SQRT_PI) * exp(out * out)
        return (-(g * slope) if self.complement else g * slope,)


class Erfcinv(Erfinv):
    """The inverse of erfc, a float64 op."""

    name, numpy = "erfcinv", "erfinv_kernel({0}, True)"
    parity = ""
    complement = True


def _i1_series_coefficients(terms: int, sign: int = 1) -> tuple[float, ...]:
    # I_1'(x) = sum over k of (2k + 1) / (2 * 4**k * k! (k + 1)!) * x**(2k); with sign -1 the
    # terms alternate, J_1'(x)
    return tuple(sign**k * (2 * k + 1) / (2 * 4**k * math.factorial(k) * math.factorial(k + 1))
                 for k in range(terms))


# I_1'(x) = I_0(x) - I_1(x)/x loses nothing itself, but its derivative I_1(x) - (I_1'(x) - I_1(x)/x)/x
# is a difference of terms near 1/(2x) that leaves 3x/8: about eps / x**2 of it is rounding (all of
# it at x = 1e-10). Below |x| = 0.5 (1 in float32 and float16, whose larger eps needs the wider
# range) I_1' is its Maclaurin series instead, to as many terms as leave its value and its
# derivative exact to rounding there; ``where`` gives the other form's derivative exactly 0.
# (The same holds for J_1, whose series alternates.)
_I1_SLOPE_SERIES = {8: (0.5, 8), 4: (1.0, 6), 2: (1.0, 6)}


def _i1_slope_near_zero(x: Node, sign: int = 1) -> tuple[Node, Node]:
    """Where ``|x|`` is small enough for the series, and I_1'(x) by its series (J_1'(x) with
    ``sign`` -1)."""
    bound, terms = _I1_SLOPE_SERIES[x.dtype.itemsize if x.dtype.kind == "f" else 8]
    coefficients = _i1_series_coefficients(terms, sign)
    u = x * x
    series: Node | float = coefficients[-1]
    for c in coefficients[-2::-1]:
        series = series * u + c
    return less(abs(x), bound), series  # type: ignore[return-value]


def _hankel_coefficient(k: int, order: int) -> float:
    # a_k(v) = (4v^2 - 1)(4v^2 - 9)...(4v^2 - (2k - 1)^2) / (k! 8^k): exp(-x) I_v(x) is
    # sum over k of (-1)^k a_k(v) x**-k / sqrt(2 pi x) for large x > 0
    product = math.prod(4 * order * order - (2 * j - 1) ** 2 for j in range(1, k + 1))
    return product / (math.factorial(k) * 8**k)


def _scaled_slope_coefficients(order: int, terms: int) -> tuple[float, ...]:
    # the slope of i0e at x > 0 is i1e - i0e, of i1e it is i0e - i1e - i1e / x: differences of
    # the series above whose first terms cancel exactly here, not in rounding
    a = _hankel_coefficient
    if order == 0:
        return tuple((-1) ** k * (a(k, 1) - a(k, 0)) for k in range(terms))
    return (0.0, *((-1) ** k * (a(k, 0) - a(k, 1) + a(k - 1, 1)) for k in range(1, terms)))


# i0e' = i1e - sign(x) i0e and i1e' = i0e - i1e/x - sign(x) i1e are differences of terms near
# 1/sqrt(2 pi x) that leave about 1/(2x) of them: x eps of the slope is rounding (2e-7 at 1e10,
# all of it in float32). Beyond |x| = 50 (10 in float32 and float16) the slopes are their
# asymptotic series instead, to as many terms as leave them exact to rounding there.
_SCALED_SLOPE_SERIES = {8: 50.0, 4: 10.0, 2: 10.0}
_SCALED_SLOPE_TERMS = 14


def _scaled_slope_far(x: Node, order: int, third_kind: bool = False) -> tuple[Node, Node]:
    """Where ``|x|`` is large enough for the asymptotic series, and the slope of i0e (order 0)
    or i1e (order 1) by it; of k0e or k1e with ``third_kind`` (x > 0).

    exp(x) K_n(x) ~ sqrt(pi / (2x)) sum of a_k(n) x**-k has the terms of exp(-x) I_n(x) without
    their signs (-1)^k and with the factor pi in place of 1 / (2 pi): the slopes of k0e and
    k1e (k0e - k1e and k1e - k0e - k1e / x, the same differences) are the series above at -1/x,
    times -sqrt(pi / (2x))."""
    bound = _SCALED_SLOPE_SERIES[x.dtype.itemsize if x.dtype.kind == "f" else 8]
    far = greater(abs(x), bound)
    t = 1.0 / where(far, abs(x), 1.0)
    coefficients = _scaled_slope_coefficients(order, _SCALED_SLOPE_TERMS)
    u = -t if third_kind else t
    series: Node | float = coefficients[-1]
    for c in coefficients[-2::-1]:
        series = series * u + c
    if third_kind:
        return far, -(series * sqrt(t * (0.5 * math.pi)))
    slope = series * sqrt(t * (0.5 / math.pi))
    return far, slope * sign(x) if order == 0 else slope  # (i0e is even, i1e odd)


class I0(_Real):
    """I_0, the modified Bessel function of the first kind of order 0, NumPy's ``i0``; its
    derivative is I_1."""

    name, numpy = "i0", "np.i0({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * Node(_i1, (x,)),)


class I1(_Real):
    """I_1, the derivative of I_0 (SciPy's ``i1``); its own derivative is I_0(x) - I_1(x)/x,
    1/2 at 0."""

    name, numpy = "i1", "i1_kernel({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        near, series = _i1_slope_near_zero(x)
        return (g * where(near, series, Node(_i0, (x,)) - out / where(near, 1, x)),)


class I0e(_Real):
    """exp(-|x|) I_0(x), SciPy's ``i0e``; its derivative is i1e(x) - sign(x) i0e(x)."""

    name, numpy = "i0e", "bessel_scaled_kernel({0}, 0)"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        far, asymptotic = _scaled_slope_far(x, 0)
        return (g * where(far, asymptotic, Node(_i1e, (x,)) - sign(x) * out),)


class I1e(_Real):
    """exp(-|x|) I_1(x), SciPy's ``i1e``; its derivative is i0e(x) - i1e(x)/x - sign(x) i1e(x),
    1/2 at 0."""

    name, numpy = "i1e", "bessel_scaled_kernel({0}, 1)"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # exp(-|x|) I_1'(x) - sign(x) i1e(x), the first term as i1's slope
        near, series = _i1_slope_near_zero(x)
        scaled = where(near, exp(-abs(x)) * series, Node(_i0e, (x,)) - out / where(near, 1, x))
        far, asymptotic = _scaled_slope_far(x, 1)
        return (g * where(far, asymptotic, scaled - sign(x) * out),)


_erf, _erfc, _gamma, _gammaln, _i0, _i1 = Erf(), Erfc(), Gamma(), Gammaln(), I0(), I1()
_i0e, _i1e = I0e(), I1e()
_erfinv, _erfcinv = Erfinv(), Erfcinv()


def i0(x: Any) -> Node:
    """The modified Bessel function of the first kind of order 0, elementwise, as ``np.i0``
    (float64 of integers; float16 and float32 kept): ``sd.i0(x)``. Its derivative is ``i1``."""
    return Node(_i0, (as_node(x),))


def i1(x: Any) -> Node:
    """The modified Bessel function of the first kind of order 1 (SciPy's ``i1``), the
    derivative of ``i0``, which NumPy lacks: ``sd.i1(x)``. Computed by the trapezoidal rule
    over a period of exp(x cos t) cos t (relative error below about 1e-14)."""
    return Node(_i1, (as_node(x),))


def i0e(x: Any) -> Node:
    """The exponentially scaled Bessel function exp(-|x|) I_0(x) (SciPy's ``i0e``), finite for
    every x (0 at +-inf): ``sd.i0e(x)``. float32 stays float32, other real dtypes give float64."""
    dtype, (x,) = _float_inputs("i0e", x)
    return Node(_i0e, (x,))


def i1e(x: Any) -> Node:
    """The exponentially scaled Bessel function exp(-|x|) I_1(x) (SciPy's ``i1e``):
    ``sd.i1e(x)``; dtypes as ``i0e``'s."""
    dtype, (x,) = _float_inputs("i1e", x)
    return Node(_i1e, (x,))


def erf(x: Any) -> Node:
    """The error function, elementwise (SciPy's ``erf``): ``sd.erf(x)``."""
    return Node(_erf, (as_node(x),))


def erfc(x: Any) -> Node:
    """The complementary error function 1 - erf(x), accurate for large x: ``sd.erfc(x)``."""
    return Node(_erfc, (as_node(x),))


def gamma(x: Any) -> Node:
    """Gamma(x), elementwise (SciPy's ``gamma``): ``sd.gamma(x)``; inf at 0, nan at -1, -2, ...,
    inf above 171.62."""
    return Node(_gamma, (as_node(x),))


def gammaln(x: Any) -> Node:
    """log|Gamma(x)|, elementwise (SciPy's ``gammaln``): ``sd.gammaln(x)``; +inf at 0, -1, ..."""
    return Node(_gammaln, (as_node(x),))


def digamma(x: Any) -> Node:
    """psi(x), the derivative of gammaln (SciPy's ``digamma``): ``sd.digamma(x)``."""
    return Node(Polygamma(0), (as_node(x),))


def polygamma(n: int, x: Any) -> Node:
    """The n-th derivative of digamma (SciPy's ``polygamma(n, x)``): ``sd.polygamma(1, x)``."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise TypeError(f"polygamma: the order n must be a non-negative int, got {n!r}")
    return Node(Polygamma(int(n)), (as_node(x),))


# -- SciPy's functions written with the ops above: no kernels of their own -------------------------
# SciPy's ufuncs take the first of their loops every input casts to safely. Most list float64
# first, and compute float32 in float32 and everything else (integers, booleans, float16) in
# float64; the ones listing float32 first (``single_first``: erfinv, erfcinv, ndtri, entr,
# rel_entr, kl_div, boxcox, inv_boxcox) compute booleans, float16 and the integers of 8 and 16
# bits in float32 too. A Python number is weak, as NumPy 2's: it takes the kind of the arrays
# beside it (so ``boxcox(x32, 0.5)`` is float32) but is a float64 beside integers. These do the
# same (a float32 graph stays float32, derivatives too).


def _float_inputs(name: str, *values: Any, single_first: bool = False) -> tuple[np.dtype, list[Node]]:
    """The result dtype SciPy gives and the inputs as nodes of it; complex inputs are refused,
    naming the function."""
    nodes = [as_node(v) for v in values]
    for node in nodes:
        if node.dtype.kind not in "biuf":
            raise DTypeError(f"{name} is defined here for real inputs only, got {node.dtype}")
    broadcast_shapes(name, *(n.shape for n in nodes))  # a mismatch named here, not in the parts
    f32 = np.dtype(np.float32)
    if single_first:
        arrays = [n.dtype for v, n in zip(values, nodes) if not is_python_scalar(v)]
        own = [n.dtype if not is_python_scalar(v) else np.result_type(*arrays, v)
               for v, n in zip(values, nodes)]
        dtype = np.result_type(*(np.result_type(d, f32) for d in own))
    else:
        dtype = f32 if all(n.dtype == f32 for n in nodes) else np.dtype(np.float64)
    return dtype, [n if n.dtype == dtype else astype(n, dtype) for n in nodes]


def _result(value: Node, dtype: np.dtype) -> Node:
    return value if value.dtype == dtype else astype(value, dtype)


def xlogy(x: Any, y: Any) -> Node:
    """x * log(y), 0 where x == 0 (unless y is nan), as SciPy's ``xlogy``: ``sd.xlogy(p, q)``.
    The derivative in x is log(y) there too; in y it is x / y, 0 where x == 0."""
    dtype, (x, y) = _float_inputs("xlogy", x, y)
    # y is replaced by 1 only where x * log(y) would be nan or inf at x == 0 (y <= 0, y = inf),
    # so the derivative log(y) in x stays where y > 0, and x / y never divides 0 by 0
    bad = logical_and(equal(x, 0), logical_or(less_equal(y, 0), isinf(y)))
    return _result(x * log(where(bad, 1.0, y)), dtype)


def xlog1py(x: Any, y: Any) -> Node:
    """x * log1p(y), 0 where x == 0 (unless y is nan), as SciPy's ``xlog1py``."""
    dtype, (x, y) = _float_inputs("xlog1py", x, y)
    bad = logical_and(equal(x, 0), logical_or(less_equal(y, -1), isinf(y)))
    return _result(x * log1p(where(bad, 0.0, y)), dtype)


def logit(p: Any) -> Node:
    """log(p / (1 - p)), the inverse of ``expit`` (SciPy's ``logit``): -inf at 0, inf at 1, nan
    outside [0, 1]."""
    dtype, (p,) = _float_inputs("logit", p)
    # near 1/2 the quotient is near 1 and its log loses digits: log1p of (2p - 1) / (1 - p)
    # there, whose numerator and denominator are exact for p in [1/4, 3/4]
    middle = logical_and(greater(p, 0.25), less(p, 0.75))
    q = where(middle, p, 0.5)  # the branch not taken never divides by zero, nor its derivative
    r = where(middle, 0.5, p)
    return _result(where(middle, log1p((2.0 * q - 1.0) / (1.0 - q)), log(r / (1.0 - r))), dtype)


def log_expit(x: Any) -> Node:
    """log(expit(x)) = -softplus(-x), without underflow for very negative x (SciPy's
    ``log_expit``)."""
    dtype, (x,) = _float_inputs("log_expit", x)
    return _result(-softplus(-x), dtype)


_SQRT_HALF = math.sqrt(0.5)


def ndtr(x: Any) -> Node:
    """The standard normal distribution function, 0.5 * erfc(-x / sqrt 2) (SciPy's ``ndtr``)."""
    dtype, (x,) = _float_inputs("ndtr", x)
    return _result(0.5 * erfc(-x * _SQRT_HALF), dtype)


_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def log_ndtr(x: Any) -> Node:
    """log(ndtr(x)), accurate where ndtr underflows (SciPy's ``log_ndtr``): below x = -20 the
    asymptotic series -x^2/2 - log(-x) - log(sqrt(2 pi)) + log(1 - 1/x^2 + 3/x^4 - ...), above
    0 log1p(-ndtr(-x)) (log of ndtr, near 1, would keep only its rounding)."""
    dtype, (x,) = _float_inputs("log_ndtr", x)
    left, right = less(x, -20.0), greater(x, 0.0)
    # each branch of the where sees a point of its own range, so none is nan or inf there, nor
    # its derivative (a 0 cotangent times an inf derivative would be nan)
    a = where(left, x, -20.0)
    m = where(logical_or(left, right), 0.0, x)
    b = where(right, x, 0.0)
    w = 1.0 / (a * a)
    series: Any = 1.0
    term: Any = 1.0
    for k in range(1, 12):  # terms (2k - 1)!! / x^(2k), alternating; at x = -20 the 12th is 1e-18
        term = term * (-(2 * k - 1) * w)
        series = series + term
    tail = -0.5 * (a * a) - log(-a) - _LOG_SQRT_2PI + log(series)
    return _result(where(left, tail, where(right, log1p(-ndtr(-b)), log(ndtr(m)))), dtype)


# Stirling's series: log Gamma(x) = (x - 1/2) log x - x + log sqrt(2 pi) + sum of
# B_2k / (2k (2k - 1) x^(2k - 1)); from x = 10 on, the first eight terms leave less than 1e-18.
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)
_STIRLING_FROM = 10.0


def _stirling_correction(x: Node) -> Node:
    """log Gamma(x) less its Stirling approximation, for x >= 10 (0 at inf)."""
    w = 1.0 / (x * x)
    series: Any = _STIRLING[-1]  # a node from the first step of Horner's rule on
    for c in reversed(_STIRLING[:-1]):
        series = c + w * series
    return series / x


def _betaln_core(a: Node, b: Node) -> Node:
    """log|B(a, b)| away from the poles of Gamma(a) and Gamma(b).

    gammaln(a) + gammaln(b) - gammaln(a + b) cancels when the larger argument is large (to 0 at
    betaln(1e300, 1)); there, with a >= b, r = b / a and L = log1p(r), Stirling's series gives
    gammaln(a) - gammaln(a + b) = -b log a + b - (a - 1/2) L - b L + c(a) - c(a + b), c the
    correction above, whose terms do not cancel beyond the size of b; and when b is large too,
    gammaln(b) is expanded as well and b log b - b log a becomes b log r:
    betaln = log sqrt(2 pi) - log(b) / 2 + b log r - (a - 1/2) L - b L + c(a) + c(b) - c(a + b).
    (a + b is formed only inside c, where its overflow to inf gives the right 0.)"""
    big, small = maximum(a, b), minimum(a, b)
    infinite = equal(big, math.inf)  # B(inf, b) is 0 for b > 0, inf for b < 0, nan for b = inf
    at_inf = where(less(small, 0), big, where(isinf(small), small - big, -big))  # of the inputs' dtype
    far = logical_and(logical_and(greater_equal(big, _STIRLING_FROM), greater_equal(big + small, _STIRLING_FROM)),
                      logical_not(infinite))
    both = logical_and(far, greater_equal(small, _STIRLING_FROM))
    # each branch of a where sees inputs of its own range, so none of them (or its derivative)
    # is nan or inf where it is not taken
    x, y = where(far, big, _STIRLING_FROM), where(far, small, 1.0)
    r = y / x
    lr = log1p(r)
    # x L as y log1p(r) / r: its derivative in x then needs no y / x^2, which underflows to 0 at
    # x = 1e300 though x times it does not
    rs = where(equal(r, 0), 1.0, r)
    per = where(equal(r, 0), 1.0, log1p(rs) / rs)
    rest = y - y * per + 0.5 * lr - y * lr + _stirling_correction(x) - _stirling_correction(x + y)
    ys, rb = where(both, y, _STIRLING_FROM), where(both, r, 1.0)
    both_large = (_LOG_SQRT_2PI - 0.5 * log(ys) + ys * log(rb) + (rest - y)
                  + _stirling_correction(ys))
    one_large = gammaln(where(both, 1.0, y)) - y * log(x) + rest
    elsewhere = logical_or(far, infinite)
    p, q = where(elsewhere, 1.0, a), where(elsewhere, 1.0, b)
    near = gammaln(p) + gammaln(q) - gammaln(p + q)
    return where(infinite, at_inf, where(far, where(both, both_large, one_large), near))


def _is_pole(x: Node) -> Node:
    """Where x is 0, -1, -2, ..., a pole of Gamma."""
    return logical_and(less_equal(x, 0), equal(floor(x), x))


def _at_poles(a: Node, b: Node) -> tuple[Node, Node, Node, Node, Node]:
    """SciPy's values where a or b is a pole of Gamma. With n the pole (a if both are) and m the
    other argument: if m is a positive integer below 1 - n, B(a, b) is taken as
    (-1)^m B(1 - n - m, m) (the limit along a = n, as Gamma(n)/Gamma(n + m) has one); otherwise
    it is +inf, except that B is (-1)^m inf when both are poles (log|B| is +inf). These are
    SciPy's (cephes') conventions: B has no limit at the poles.
    Returns where a pole is met, where it reflects, the arguments to use there, and where the
    sign is (-1)^m = -1."""
    pa, pb = _is_pole(a), _is_pole(b)
    pole = logical_or(pa, pb)
    n, m = where(pa, a, b), where(pa, b, a)
    reflect = logical_and(logical_and(pole, isfinite(n)),
                          logical_and(logical_and(greater(m, 0), equal(floor(m), m)), greater(1.0 - n - m, 0)))
    # the sign (-1)^m where B reflects or both are poles
    flip = logical_and(logical_or(reflect, logical_and(pa, pb)), equal(mod(m, 2.0), 1.0))
    p = where(reflect, 1.0 - n - m, where(pole, 1.0, a))
    q = where(reflect, m, where(pole, 1.0, b))
    return pole, reflect, p, q, flip


def betaln(a: Any, b: Any) -> Node:
    """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b) (SciPy's ``betaln``), by
    Stirling's series where an argument is large; +inf at the poles, as SciPy's (see
    ``_at_poles``)."""
    dtype, (a, b) = _float_inputs("betaln", a, b)
    pole, reflect, p, q, _ = _at_poles(a, b)
    return _result(where(logical_and(pole, logical_not(reflect)), math.inf, _betaln_core(p, q)), dtype)


def _gamma_sign(x: Node) -> Node:
    """The sign of Gamma(x): 1 for x > 0, alternating -1, 1, ... on (-1, 0), (-2, -1), ..."""
    return where(logical_or(greater(x, 0), equal(mod(floor(x), 2), 0)), 1.0, -1.0)


def beta(a: Any, b: Any) -> Node:
    """B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b) (SciPy's ``beta``): so computed where the
    Gammas are finite (the smaller argument's over Gamma(a + b) first), elsewhere as
    sign * exp(betaln); at the poles SciPy's values (see ``_at_poles``)."""
    dtype, (a, b) = _float_inputs("beta", a, b)
    pole, reflect, p, q, flip = _at_poles(a, b)
    s = p + q
    moderate = logical_and(logical_and(less(abs(p), 170.0), less(abs(q), 170.0)),
                           logical_and(less(abs(s), 170.0), logical_not(_is_pole(s))))
    pm, qm = where(moderate, p, 1.0), where(moderate, q, 1.0)
    small, big = minimum(pm, qm), maximum(pm, qm)
    direct = gamma(small) / gamma(pm + qm) * gamma(big)
    moderate = logical_and(moderate, isfinite(direct))  # Gamma of a subnormal overflows
    pe, qe = where(moderate, 1.0, p), where(moderate, 1.0, q)
    # where a + b is a pole B is 0, signed as Gamma(a) Gamma(b) (SciPy's)
    sign = _gamma_sign(pe) * _gamma_sign(qe) * where(_is_pole(pe + qe), 1.0, _gamma_sign(pe + qe))
    value = where(moderate, direct, sign * exp(_betaln_core(pe, qe)))
    return _result(where(logical_and(pole, logical_not(reflect)), where(flip, -math.inf, math.inf),
                         where(flip, -value, value)), dtype)


def rel_entr(x: Any, y: Any) -> Node:
    """x log(x / y) for x, y > 0; 0 for x = 0, y >= 0; inf otherwise (SciPy's ``rel_entr``)."""
    dtype, (x, y) = _float_inputs("rel_entr", x, y, single_first=True)
    return _result(_rel_entr(x, y), dtype)


def _rel_entr(x: Node, y: Node) -> Node:
    both = logical_and(greater(x, 0), greater(y, 0))
    xs, ys = where(both, x, 1.0), where(both, y, 1.0)
    # log(x) - log(y) where x / y overflows or falls below the normal numbers (rel_entr(1e300,
    # 1e-300) is 1.38e303, not inf), log(x / y) elsewhere, where it is the more accurate
    q = xs / ys
    ok = logical_and(isfinite(q), greater_equal(q, float(np.finfo(q.dtype).tiny)))
    ratio = where(ok, log(where(ok, q, 1.0)), log(xs) - log(ys))
    edge = where(logical_and(equal(x, 0), greater_equal(y, 0)), 0.0, math.inf)
    nan = logical_or(isnan(x), isnan(y))
    return where(both, xs * ratio, where(nan, math.nan, edge))


def kl_div(x: Any, y: Any) -> Node:
    """x log(x / y) - x + y for x, y > 0; y for x = 0, y >= 0; inf otherwise (SciPy's
    ``kl_div``)."""
    dtype, (x, y) = _float_inputs("kl_div", x, y, single_first=True)
    # SciPy's cases: x log(x / y) - x + y for x, y > 0, y for x = 0, y >= 0, inf otherwise (so
    # kl_div(inf, 0) is inf, not inf - inf)
    inner = logical_or(logical_and(greater(x, 0), greater(y, 0)),
                       logical_and(equal(x, 0), greater_equal(y, 0)))
    return _result(where(inner, _rel_entr(x, y) - x + y, _rel_entr(x, y)), dtype)


def entr(x: Any) -> Node:
    """-x log(x) for x > 0, 0 at 0, -inf for x < 0 (SciPy's ``entr``)."""
    dtype, (x,) = _float_inputs("entr", x, single_first=True)
    positive = greater(x, 0)
    xs = where(positive, x, 1.0)
    return _result(where(positive, -xs * log(xs), where(equal(x, 0), 0.0, where(isnan(x), x, -math.inf))),
                   dtype)


def _near_zero_lmbda(t: Node, lmbda: Node, coefficients: Sequence[float]) -> tuple[Node, Node, Node]:
    """Where |lmbda t| < 0.1 (``small``), the series t * sum(c_k (lmbda t)^k) of ``coefficients``
    c_k; and lmbda with 1 there (``lm``), for the closed form elsewhere. Evaluating the closed
    form at small lmbda cancels digits in its derivatives in lmbda (the second one at lmbda =
    1e-7 kept two digits); the series is accurate to rounding for |lmbda t| < 0.1 with the
    terms given. An infinite t (x = 0 or inf) counts as small only at lmbda = 0, where the
    value is t itself, as SciPy's."""
    finite = isfinite(t)
    ts = where(finite, t, 1.0)  # nan-free, so that the unselected branches stay finite
    small = less(abs(lmbda * ts), 0.1)
    u = where(small, lmbda, 0.0) * ts
    series: Any = coefficients[-1]  # a node from the first step of Horner's rule on
    for c in reversed(coefficients[:-1]):
        series = c + u * series
    return small, where(finite, ts * series, t), where(small, 1.0, lmbda)


def boxcox(x: Any, lmbda: Any) -> Node:
    """(x**lmbda - 1) / lmbda, log(x) at lmbda = 0 (SciPy's ``boxcox``)."""
    dtype, (x, lmbda) = _float_inputs("boxcox", x, lmbda, single_first=True)
    lx = log(x)
    # log(x) * expm1(u) / u with u = lmbda log(x): the sum of u^k / (k + 1)!
    small, near, lm = _near_zero_lmbda(lx, lmbda, [1.0 / math.factorial(k + 1) for k in range(14)])
    return _result(where(small, near, expm1(lm * lx) / lm), dtype)


def inv_boxcox(y: Any, lmbda: Any) -> Node:
    """The inverse of ``boxcox``: (1 + lmbda y)**(1 / lmbda), exp(y) at lmbda = 0 (SciPy's
    ``inv_boxcox``)."""
    dtype, (y, lmbda) = _float_inputs("inv_boxcox", y, lmbda, single_first=True)
    # log1p(u) / lmbda = y * sum((-u)^k / (k + 1)) with u = lmbda y
    small, near, lm = _near_zero_lmbda(y, lmbda, [(-1.0) ** k / (k + 1) for k in range(20)])
    # where lmbda y > 1e16, log1p(lmbda y) is log|lmbda| + log|y| to rounding, and lmbda y
    # itself may overflow (inv_boxcox(1e300, 1e300) is 1)
    large = logical_and(logical_not(small), greater(lm * y, 1e16))
    ll, yl = where(large, lm, 1.0), where(large, y, 1.0)
    lm, yn = where(large, 1.0, lm), where(large, 0.0, y)
    log_large = (log(abs(ll)) + log(abs(yl))) / ll
    return _result(exp(where(small, near, where(large, log_large, log1p(lm * yn) / lm))), dtype)


def erfinv(x: Any) -> Node:
    """The inverse of erf on [-1, 1] (SciPy's ``erfinv``): +-inf at +-1, nan outside."""
    dtype, (x,) = _float_inputs("erfinv", x, single_first=True)
    return _result(Node(_erfinv, (x,)), dtype)


def erfcinv(q: Any) -> Node:
    """The inverse of erfc on [0, 2] (SciPy's ``erfcinv``), accurate for tiny q."""
    dtype, (q,) = _float_inputs("erfcinv", q, single_first=True)
    return _result(Node(_erfcinv, (q,)), dtype)


def ndtri(p: Any) -> Node:
    """The inverse of ``ndtr``, -sqrt(2) erfcinv(2 p) (SciPy's ``ndtri``)."""
    dtype, (p,) = _float_inputs("ndtri", p, single_first=True)
    return _result(-math.sqrt(2.0) * Node(_erfcinv, (2.0 * p,)), dtype)


__all__ = [
    "beta", "betaln", "boxcox", "digamma", "entr", "erf", "erfc", "erfcinv", "erfinv", "gamma", "gammaln", "i0",
    "i0e", "i1", "i1e", "inv_boxcox", "kl_div", "log_expit", "log_ndtr", "logit", "ndtr", "ndtri", "polygamma", "rel_entr",
    "xlog1py", "xlogy",
]
