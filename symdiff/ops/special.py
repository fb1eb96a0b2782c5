"""Special functions: ``erf``, ``erfc``, ``gamma``, ``gammaln`` and its derivatives ``digamma``
and ``polygamma``, NumPy's Bessel function ``i0`` and its derivative ``i1``, with SciPy's names and values (``scipy.special``), computed with NumPy and
``math`` alone so generated code needs nothing else.

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
from .base import as_node, helper
from .elementwise import Unary, equal, exp, where

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
            reflected = sign * out - math.pi ** (n + 1) * np.polynomial.polynomial.polyval(cot, poly)
            reflected = np.where(ts == np.floor(ts), np.nan, reflected)  # the poles -1, -2, ...
            out = np.where(negative, reflected, out)
        if n > 0:
            # SciPy's psi^(n) is (-1)^(n+1) n! zeta(n+1, x), and its Hurwitz zeta is +inf at the
            # poles 0, -1, -2, ... (either signed zero) and at -inf: +inf there for odd n, -inf
            # for even n. (digamma is +-inf at +-0 and nan at the other poles and -inf, as SciPy's.)
            out = np.where((t <= 0) & (t == np.floor(t)), -sign * np.inf, out)
    return out.astype(np.result_type(x.dtype, 0.0))


# The trapezoidal rule on a whole period of a smooth periodic function converges geometrically:
# with N nodes, I_1(x) = (1/pi) * integral over [0, pi] of exp(x cos t) cos t dt is computed with
# a relative error of about I_(N-1)(x) / I_1(x) < exp(-(N^2 - 1) / (2x)) (below 1e-18 for
# N = 256 up to x = 713, where I_1 overflows), the terms scaled by exp(-|x|) so none overflows;
# at +-inf it is nan, as SciPy's (and as NumPy's i0 there). Rounding of x (cos t - 1) makes the
# relative error grow with |x|, to about 1e-14 near 700.
@helper
def i1_kernel(x):  # type: ignore[no-untyped-def]
    # I_1(x), the modified Bessel function of the first kind of order 1 (odd in x), which NumPy
    # lacks, by the trapezoidal rule (above)
    x = np.asarray(x)
    a = np.abs(x.astype(np.float64))
    nodes = 256
    cos = np.cos(np.linspace(0.0, np.pi, nodes // 2 + 1))
    weights = np.r_[0.5, np.ones(nodes // 2 - 1), 0.5] * (2.0 / nodes)
    flat, total = a.ravel(), np.empty(a.size)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, a.size, 8192):  # a block at a time: 129 terms per element
            part = flat[start:start + 8192]
            # the weighted cosines sum to 0, so exp(.) - 1 in their place keeps small x accurate
            total[start:start + 8192] = (np.expm1(np.multiply.outer(part, cos - 1.0)) * cos) @ weights
        out = np.copysign(np.exp(a) * total.reshape(a.shape), x)
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
        at_zero = equal(x, 0)
        return (g * where(at_zero, 0.5, Node(_i0, (x,)) - out / where(at_zero, 1, x)),)


_erf, _erfc, _gamma, _gammaln, _i0, _i1 = Erf(), Erfc(), Gamma(), Gammaln(), I0(), I1()


def i0(x: Any) -> Node:
    """The modified Bessel function of the first kind of order 0, elementwise, as ``np.i0``
    (float64 of integers; float16 and float32 kept): ``sd.i0(x)``. Its derivative is ``i1``."""
    return Node(_i0, (as_node(x),))


def i1(x: Any) -> Node:
    """The modified Bessel function of the first kind of order 1 (SciPy's ``i1``), the
    derivative of ``i0``, which NumPy lacks: ``sd.i1(x)``. Computed by the trapezoidal rule
    over a period of exp(x cos t) cos t (relative error below about 1e-14)."""
    return Node(_i1, (as_node(x),))


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


__all__ = ["digamma", "erf", "erfc", "gamma", "gammaln", "i0", "i1", "polygamma"]
