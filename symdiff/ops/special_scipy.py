"""More of SciPy's special functions, the ones losses and models reach for: the robust losses
``huber`` and ``pseudo_huber``, ``exp10``, ``cosm1``, ``powm1``, the scaled complementary error
function ``erfcx``, the principal branch of Lambert's W (``lambertw``, real), the complete
elliptic integrals ``ellipk`` and ``ellipe`` (of the parameter m, as SciPy's), the regularized
incomplete gamma functions ``gammainc`` and ``gammaincc``, ``loggamma`` of real arguments and
``multigammaln``.

Six of them have kernels of their own (NumPy and ``math`` only, so generated code needs nothing
else): ``erfcx``, ``lambertw``, ``ellipk``, ``ellipe``, ``gammainc``/``gammaincc`` and
``pseudo_huber`` (whose derivative, taken through the formula, cancels). The others are written
with existing ops, each in a form that keeps its digits where the textbook formula loses them
(see each function). Values, infinities and nans follow SciPy's; float32 stays
float32, integers give float64.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ir import Node
from .base import helper
from .elementwise import (
    Binary, abs, equal, exp, expm1, greater, greater_equal, less, less_equal, log, logical_and,
    logical_or, power, sin, where,
)
from .numeric import hypot, mod, ratio_or_zero
from .special import (
    _TWO_OVER_SQRT_PI, _float_inputs, _result, _Real, erfc_kernel, gamma_kernel, gammaln,
)

_SQRT_PI = math.sqrt(math.pi)

# -- kernels --------------------------------------------------------------------------------------


@helper
def erfcx_kernel(x):  # type: ignore[no-untyped-def]
    # exp(x^2) erfc(x). Below x = 10: math.erfc(x) times exp(x^2), with x^2 = hi + lo split
    # exactly (Dekker's product), as exp(hi) (1 + lo): exp of a rounded x^2 would be off by
    # x^2 eps (400 ulp at x = -20). From 10 on, where erfc heads for underflow (at 26.5), the
    # asymptotic series 1 / (x sqrt(pi)) * sum of (-1)^k (2k - 1)!! / (2 x^2)^k, whose 25 terms
    # leave less than 1e-25 there.
    x = np.asarray(x)
    t = x.astype(np.float64)
    with np.errstate(all="ignore"):
        far = t >= 10.0
        # below -26.7 exp(x^2) erfc(x) > 2 exp(713) overflows (and x * 2^27 may)
        overflow = t < -26.7
        s = np.where(far | overflow | np.isnan(t), 0.0, t)
        c = s * 134217729.0  # 2^27 + 1: s = high + low, each of 26 bits
        high = c - (c - s)
        low = s - high
        hi = s * s
        lo = ((high * high - hi) + 2.0 * high * low) + low * low
        erfc = erfc_kernel(s)
        near = erfc * np.exp(hi) * (1.0 + lo)
        big = np.where(far, t, 10.0)
        w = 0.5 / (big * big)
        series = np.zeros_like(big)
        for k in range(24, 0, -1):  # Horner's rule from the last term
            series = -(2 * k - 1) * w * (1.0 + series)
        asymptotic = (1.0 + series) / (big * math.sqrt(math.pi))
        out = np.where(far, asymptotic, near)
        out = np.where(overflow, np.inf, np.where(np.isnan(t), np.nan, out))
    return out.astype(np.result_type(x.dtype, 0.0))


@helper
def lambertw_kernel(x):  # type: ignore[no-untyped-def]
    # W(x) on the principal branch, the w >= -1 with w exp(w) = x, for x >= -1/e (nan below, as
    # SciPy's real part there is of a complex value). Starts: near the branch point the series
    # in p = sqrt(2 (e x + 1)), with e x + 1 formed from 1/e in two parts; up to x = 3,
    # log1p(x); beyond, log x - log log x + log log x / log x. Then Halley's steps on
    # w exp(w) - x below x = 3 (each triples the digits), and beyond, Newton's steps on
    # w + log w - log x, which neither overflows nor cancels for large x.
    x = np.asarray(x)
    t = x.astype(np.float64)
    with np.errstate(all="ignore"):
        shifted = (t + 0.36787944117144233) + -1.2428753672788363e-17  # x + 1/e, 1/e in two parts
        p = np.sqrt(2.0 * math.e * np.where(shifted > 0, shifted, 0.0))
        branch = -1.0 + p * (1.0 + p * (-1.0 / 3 + p * (11.0 / 72 + p * (-43.0 / 540 + p * (769.0 / 17280)))))
        large = t > 3.0
        lx = np.log(np.where(large, t, 3.0))
        llx = np.log(lx)
        w = np.where(t < -0.25, branch, np.where(large, lx - llx + llx / lx, np.log1p(np.maximum(t, -0.25))))
        small = ~large
        for _ in range(6):
            e = np.exp(w)
            f = w * e - t
            w1 = w + 1.0
            halley = w - f / (e * w1 - (w + 2.0) * f / (2.0 * w1))
            ws = np.where(large, w, 1.0)
            newton = ws - (ws + np.log(ws) - lx) * ws / (ws + 1.0)
            # at the branch point itself w + 1 is 0: keep the series' -1 there
            w = np.where(small, np.where(w1 == 0, w, halley), newton)
        w = np.where(shifted < 0, np.nan, np.where(t == np.inf, np.inf, w))
        w = np.where(t == 0, t, w)  # W(x) = x - x^2 + ...: exact 0 and tiny x
    return w.astype(np.result_type(x.dtype, 0.0))


@helper
def agm_kernel(b, c0):  # type: ignore[no-untyped-def]
    # The arithmetic-geometric mean of 1 and b > 0, and the sum of 2^(n-1) c_n^2 over its steps
    # (c_0^2 = c0 given, c_n = (a_(n-1) - b_(n-1)) / 2): the Gauss-Legendre sums of the
    # complete elliptic integrals. Quadratic: about 5 steps, 14 for b = 1e-300.
    a = np.ones_like(b)
    total = 0.5 * c0
    scale = 0.5
    done = b == 0  # agm(1, 0) is 0, which no number of steps reaches: the caller's to replace
    with np.errstate(all="ignore"):
        for _ in range(64):
            c = np.where(done, 0.0, 0.5 * (a - b))
            a, b = np.where(done, a, 0.5 * (a + b)), np.where(done, b, np.sqrt(a * b))
            scale = scale * 2.0
            total = total + scale * c * c
            # the next c is c^2 / (4a), below 1e-18 a: a and b agree and the terms left are
            # nothing; a test of c against rounding would go on with a and b an ulp apart, and
            # 2^n times the square of that ulp would grow into the sum
            done = done | (np.abs(c) <= 1e-9 * a)
            if done.all():
                break
    return a, total


@helper
def ellip_kernel(m, second):  # type: ignore[no-untyped-def]
    # K(m), or E(m) when second, for m <= 1 (nan above, as SciPy's), by the arithmetic-geometric
    # mean: K = pi / (2 agm(1, sqrt(1 - m))), E = K (1 - S(m)), S the sum agm_kernel gives with
    # c_0^2 = m. Where E / K nears 0 (m past 1/2) that difference cancels: there Legendre's
    # relation gives E = agm(1, sqrt(m)) + K S'(1 - m), two positive terms. Negative m are
    # taken to m' = m / (m - 1) in (0, 1), with 1 - m' = 1 / (1 - m) formed directly:
    # K(m) = K(m') / sqrt(1 - m), E(m) = sqrt(1 - m) E(m').
    m = np.asarray(m)
    t = m.astype(np.float64)
    with np.errstate(all="ignore"):
        negative = t < 0
        ok = (t <= 1.0) & np.isfinite(t)
        ts = np.where(ok, t, 0.0)
        scale = np.sqrt(1.0 - np.where(negative, ts, 0.0))
        mp = np.where(negative, ts / (ts - 1.0), ts)
        mc = np.where(negative, 1.0 / (1.0 - ts), 1.0 - ts)
        agm, s = agm_kernel(np.sqrt(mc), mp)
        k = math.pi / (2.0 * agm)
        if second:
            agm2, s2 = agm_kernel(np.sqrt(mp), mc)
            e = np.where(mp < 0.5, k * (1.0 - s), agm2 + k * s2)
            out = np.where(mc == 0, 1.0, e) * scale
            out = np.where(t == -np.inf, np.inf, out)
        else:
            out = np.where(mc == 0, np.inf, k) / scale
            out = np.where(t == -np.inf, 0.0, out)
        out = np.where(ok | (t == -np.inf), out, np.nan)
    return out.astype(np.result_type(m.dtype, 0.0))


@helper
def gammainc_kernel(a, x, upper):  # type: ignore[no-untyped-def]
    # The regularized incomplete gamma functions P(a, x), or Q(a, x) = 1 - P when upper, in
    # SciPy's regions: for x > 1.1, P by its series below x = a and Q by Legendre's continued
    # fraction (modified Lentz) above; for x <= 1.1, Q by its series for small a (a <= -0.4 /
    # log x, or a <= 1.1 x), P by its series otherwise. The other one is 1 minus the one
    # formed, which is then at least about 1/3. The factor x^a exp(-x) / Gamma(a) is
    # exp(a log x - x - log Gamma(a)) for a < 10; for larger a, where those terms cancel,
    # sqrt(a / (2 pi)) exp(-a phi - c(a)), phi = x/a - 1 - log(x/a) and c Stirling's correction.
    # Its rounding is a phi eps, the function's own condition there. The series run until their
    # terms fall below rounding: about 8 sqrt(a) steps where x is near a large a (a second at
    # a = 1e8, 8 at 1e10); what has not converged in 10^6 steps is nan.
    dtype = np.result_type(a, x, 0.0)  # before asarray: a Python number stays weak, as in a ufunc
    a, x = np.broadcast_arrays(np.asarray(a), np.asarray(x))
    ta, tx = a.astype(np.float64), x.astype(np.float64)
    eps = 1.1102230246251565e-16
    with np.errstate(all="ignore"):
        ok = (ta > 0) & (tx > 0) & np.isfinite(ta) & np.isfinite(tx)
        aa, xx = np.where(ok, ta, 1.0), np.where(ok, tx, 1.0)
        lga = gamma_kernel(aa, True)
        # for a < 10: exp(-x) x^a / Gamma(a), each to an ulp or so, where all three are normal
        # numbers; the exponent a log x - x - log Gamma(a) would carry the rounding of its
        # largest term (30 ulp at a = 9.5, x = 10)
        small_a = np.where(aa < 10.0, aa, 1.0)
        decay, rise = np.exp(-xx), np.power(xx, small_a)
        product = decay * rise / gamma_kernel(small_a, False)
        normal = (decay > 1e-300) & (rise > 1e-300) & (rise < 1e300) & (product > 1e-300) & (product < 1e300)
        direct = np.where(normal, product, np.exp(aa * np.log(xx) - xx - lga))
        ab = np.maximum(aa, 10.0)
        u = (xx - ab) / ab
        # phi by its series u^2/2 - u^3/3 + ... where it cancels (|u| < 0.1: 20 terms leave 1e-20)
        series = np.zeros_like(u)
        for k in range(21, 1, -1):
            series = u * (((-1.0) ** k) / k + series)
        phi = np.where(np.abs(u) < 0.1, u * series, u - np.log(xx / ab))
        w = 1.0 / (ab * ab)
        stirling = (1 / 12 + w * (-1 / 360 + w * (1 / 1260 + w * (-1 / 1680 + w * (1 / 1188 + w * (
            -691 / 360360 + w * (1 / 156 + w * (-3617 / 122400)))))))) / ab
        factor = np.where(aa < 10.0, direct, np.sqrt(ab / (2 * math.pi)) * np.exp(-ab * phi - stirling))
        low = xx <= 1.1
        q_small = low & np.where(xx <= 0.5, aa <= -0.4 / np.log(xx), aa <= 1.1 * xx)
        fraction = ~low & (xx >= aa)
        p_series = ~q_small & ~fraction
        flat_ok = ok.ravel()
        # P = factor / a * (1 + x / (a + 1) + x^2 / ((a + 1)(a + 2)) + ...)
        out_p = np.zeros(aa.size)
        idx = np.flatnonzero(p_series.ravel() & flat_ok)
        if idx.size:
            av, xv = aa.ravel()[idx], xx.ravel()[idx]
            term, total, n = np.ones_like(av), np.ones_like(av), 0
            live = np.arange(av.size)
            while live.size and n < 1000000:
                n += 1
                term[live] = term[live] * xv[live] / (av[live] + n)
                total[live] = total[live] + term[live]
                live = live[term[live] > eps * 0.25 * total[live]]
            total[live] = np.nan  # not converged in 10^6 terms (a beyond about 10^12, x near a)
            out_p[idx] = factor.ravel()[idx] / av * total
        # Q = factor / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...))
        out_q = np.zeros(aa.size)
        idx = np.flatnonzero(fraction.ravel() & flat_ok)
        if idx.size:
            av, xv = aa.ravel()[idx], xx.ravel()[idx]
            tiny = 1e-300
            b = xv + 1.0 - av
            c = np.full_like(av, 1.0 / tiny)
            d = 1.0 / np.where(np.abs(b) < tiny, tiny, b)
            h = d.copy()
            live, n = np.arange(av.size), 0
            while live.size and n < 1000000:
                n += 1
                an = -n * (n - av[live])
                b[live] = b[live] + 2.0
                dl = an * d[live] + b[live]
                dl = 1.0 / np.where(np.abs(dl) < tiny, tiny, dl)
                cl = b[live] + an / c[live]
                cl = np.where(np.abs(cl) < tiny, tiny, cl)
                d[live], c[live] = dl, cl
                delta = dl * cl
                h[live] = h[live] * delta
                live = live[np.abs(delta - 1.0) > eps * 0.25]
            h[live] = np.nan  # not converged (as above)
            out_q[idx] = factor.ravel()[idx] * h
        # Q for small a and x <= 1.1 (where 1 - P would cancel): with S = sum over n >= 1 of
        # (-x)^n / (n! (a + n)), Q = -expm1(a log x - log Gamma(1 + a)) - x^a / Gamma(a) * S;
        # log Gamma(1 + a) by its Taylor series for |a| <= 1/2 (and through log a + log
        # Gamma(a) = log Gamma(1 + (a - 1)) up to 1.5), as 1 + a rounds away a's digits
        idx = np.flatnonzero(q_small.ravel() & flat_ok)
        if idx.size:
            av, xv = aa.ravel()[idx], xx.ravel()[idx]
            total, fac = np.zeros_like(av), np.ones_like(av)
            for n in range(1, 60):  # x <= 1.1: x^n / n! falls below 1e-17 relative by n = 30
                fac = fac * (-xv / n)
                total = total + fac / (av + n)
            zeta = (1.6449340668482264, 1.2020569031595943, 1.0823232337111382, 1.0369277551433699,
                    1.0173430619844491, 1.0083492773819228, 1.0040773561979443, 1.0020083928260822,
                    1.0009945751278181, 1.0004941886041195, 1.0002460865533080, 1.0001227133475785,
                    1.0000612481350587, 1.0000305882363070, 1.0000152822594087, 1.0000076371976379,
                    1.0000038172932650, 1.0000019082127166, 1.0000009539620339)  # zeta(2) .. zeta(20)
            shifted = np.where(av > 0.5, av - 1.0, av)
            taylor = np.zeros_like(av)
            for k in range(60, 1, -1):  # log Gamma(1 + t) = -gamma t + sum of (-1)^k zeta(k) t^k / k
                z = zeta[k - 2] if k <= 20 else 1.0 + 2.0**-k + 3.0**-k + 4.0**-k
                taylor = shifted * ((-1.0) ** k * z / k + taylor)
            taylor = shifted * (-0.5772156649015329 + taylor)
            lg1p = np.where(av > 0.5, np.log(av) + taylor, taylor)
            lx = np.log(xv)
            q_value = -np.expm1(av * lx - lg1p) - np.exp(av * lx - lga.ravel()[idx]) * total
            out_q[idx] = q_value
        out_p, out_q = out_p.reshape(aa.shape), out_q.reshape(aa.shape)
        p = np.where(p_series, out_p, 1.0 - out_q)
        q = np.where(p_series, 1.0 - out_p, out_q)
        out = q if upper else p
        # SciPy's edges: nan for a < 0, x < 0, or a = x = 0; P(0, x > 0) = 1, P(a, 0) = 0,
        # P(a, inf) = 1, P(inf, x) = 0 for finite x (and Q = 1 - P at all of them)
        edge = np.where((ta == 0) & (tx > 0), 1.0, np.where(tx == 0, 0.0, np.where(
            tx == np.inf, np.where(ta == np.inf, np.nan, 1.0), np.where(ta == np.inf, 0.0, np.nan))))
        edge = np.where((ta < 0) | (tx < 0) | ((ta == 0) & (tx == 0)), np.nan, edge)
        edge = 1.0 - edge if upper else edge
        out = np.where(ok, out, edge)
    return out.astype(dtype)


@helper
def pseudo_huber_kernel(d, r):  # type: ignore[no-untyped-def]
    # delta^2 (sqrt(1 + (r/delta)^2) - 1) as delta |r| * (|r| / (hypot(delta, r) + delta)): the
    # same value with the difference rationalized, so no digit cancels at small r / delta and
    # nothing overflows before the value does; the last factor is in [0, 1). SciPy's edges:
    # inf for delta < 0, 0 where delta or r is 0 (also beside a nan), nan at delta = inf.
    dtype = np.result_type(d, r, 0.0)  # before asarray: a Python number stays weak, as in a ufunc
    d, r = np.broadcast_arrays(np.asarray(d, dtype), np.asarray(r, dtype))
    with np.errstate(all="ignore"):
        ar = np.abs(r)
        value = np.where(np.isinf(r), d * ar, d * ar * (ar / (np.hypot(d, r) + d)))
        out = np.where(d < 0, np.inf, np.where((d == 0) | (r == 0), 0.0, value))
    return out.astype(dtype)


# -- ops with kernels -----------------------------------------------------------------------------


# erfcx(x) = sum of c_k x^-(2k+1) / sqrt(pi) for large x, c_k = (-1)^k (2k - 1)!! / 2^k: its
# derivative term by term, -w sum of (2k + 1) c_k w^k / sqrt(pi) with w = 1 / x^2, from x = 10 on
# (24 terms leave 1e-25 there, as in the kernel)
_ERFCX_SLOPE = [-(2 * k + 1) * (-1) ** k * math.prod(range(1, 2 * k, 2)) / 2**k / _SQRT_PI for k in range(25)]


class Erfcx(_Real):
    """exp(x^2) erfc(x), SciPy's ``erfcx``; its derivative is 2 x erfcx(x) - 2 / sqrt(pi), which
    beyond x = 10 cancels (to -1 / (sqrt(pi) x^2): at x = 1e8 nothing would be left) and is its
    asymptotic series there instead."""

    name, numpy = "erfcx", "erfcx_kernel({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        far = greater_equal(x, 10.0)
        xs = where(far, x, 10.0)
        # w = 1/x^2 as (1/x)^2: its derivatives then hold powers of 1/x alone, which stay
        # small (or underflow) however simplify collects them; 1/(x*x) gave x / x^4, whose
        # collected forms overflow to inf / inf for x near 1e300
        t = 1.0 / xs
        w = t * t
        series: Any = _ERFCX_SLOPE[-1]
        for c in reversed(_ERFCX_SLOPE[:-1]):
            series = c + w * series
        return (g * where(far, w * series, 2.0 * x * out - _TWO_OVER_SQRT_PI),)


class Lambertw(_Real):
    """W(x), the principal branch of Lambert's W for real x >= -1/e; its derivative
    W / (x (1 + W)), written exp(-W) / (1 + W) (x = W exp(W)), which is 1 at x = 0, not 0 / 0."""

    name, numpy = "lambertw", "lambertw_kernel({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * (exp(-out) / (1.0 + out)),)


# K(m) and E(m) near m = 0: pi/2 sum of c_n^2 m^n and of c_n^2 m^n / (1 - 2n), c_n = (2n choose
# n) / 4^n. Their derivatives in closed form, (E - (1 - m) K) / (2 m (1 - m)) and (E - K) / (2m),
# cancel to O(m): for |m| < 1/4 the derivatives of these series serve instead (30 terms leave
# 1e-19 there).
_ELLIP_NEAR = 0.25
_C2 = [(math.comb(2 * n, n) / 4**n) ** 2 for n in range(32)]
_K_SERIES = [math.pi / 2 * c for c in _C2]
_E_SERIES = [math.pi / 2 * c / (1 - 2 * n) for n, c in enumerate(_C2)]


def _series_slope(m: Node, coefficients: Sequence[float]) -> Node:
    """The derivative of sum of c_n m^n, sum of n c_n m^(n-1), by Horner's rule."""
    last = len(coefficients) - 1
    slope: Any = last * coefficients[last]
    for n in range(last - 1, 0, -1):
        slope = n * coefficients[n] + m * slope
    return slope  # type: ignore[no-any-return]


def _ellip_slope(m: Node, k: Node, e: Node, second: bool) -> Node:
    near = less(abs(m), _ELLIP_NEAR)
    mn, mf = where(near, m, 0.0), where(near, 0.5, m)
    kf, ef = where(near, 1.0, k), where(near, 1.0, e)
    if second:
        return where(near, _series_slope(mn, _E_SERIES), (ef - kf) / (2.0 * mf))
    return where(near, _series_slope(mn, _K_SERIES), (ef - (1.0 - mf) * kf) / (2.0 * mf * (1.0 - mf)))


class Ellipk(_Real):
    """K(m), the complete elliptic integral of the first kind of the parameter m (SciPy's
    ``ellipk``); its derivative is (E - (1 - m) K) / (2 m (1 - m))."""

    name, numpy = "ellipk", "ellip_kernel({0}, False)"

    def vjp(self, g: Node, out: Node, m: Node) -> Sequence[Node | None]:
        return (g * _ellip_slope(m, out, Node(_ellipe, (m,)), False),)


class Ellipe(_Real):
    """E(m), the complete elliptic integral of the second kind (SciPy's ``ellipe``); its
    derivative is (E - K) / (2 m)."""

    name, numpy = "ellipe", "ellip_kernel({0}, True)"

    def vjp(self, g: Node, out: Node, m: Node) -> Sequence[Node | None]:
        return (g * _ellip_slope(m, Node(_ellipk, (m,)), out, True),)


class Gammainc(Binary):
    """P(a, x), the regularized lower incomplete gamma function (SciPy's ``gammainc``); its
    derivative in x is x^(a-1) exp(-x) / Gamma(a). The derivative in a has no closed form: it is
    refused where a variable being differentiated reaches a (``no_derivative``)."""

    name, numpy = "gammainc", "gammainc_kernel({0}, {1}, False)"
    upper = False
    no_derivative = {0: "the derivative in its first argument a has no closed form here; only the "
                        "derivative in x is given (hold a constant: a number, or sd.stop_gradient(a))"}

    def vjp(self, g: Node, out: Node, a: Node, x: Node) -> Sequence[Node | None]:
        # x^(a-1) exp(-x) / Gamma(a) as exp((a - 1) log x - x - gammaln(a)) beyond x = 1,
        # where the power alone may overflow; up to 1 (and at 0) the power itself,
        # x^(a-1) exp(-x - gammaln(a)). Near 0 its derivatives are powers of their own, exact
        # where the density has underflowed (the log form's were 0 times 1/x^k: 0 or nan at
        # x = 1e-300), and at 0 its value is the limit (0 for a > 1, 1 at a = 1, inf below),
        # and so are its derivatives, the one-sided higher derivatives of P there (a constant
        # would give 0); nan for x < 0, where P is
        far, near = greater(x, 1.0), less_equal(x, 1.0)
        xs, x0 = where(far, x, 2.0), where(logical_and(near, greater_equal(x, 0)), x, 0.5)
        density = where(far, exp((a - 1.0) * log(xs) - xs - gammaln(a)),
                        where(greater_equal(x, 0), power(x0, a - 1.0) * exp(-x0 - gammaln(a)), math.nan))
        return (None, -(g * density) if self.upper else g * density)


class Gammaincc(Gammainc):
    """Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function (SciPy's
    ``gammaincc``), accurate where Q is small."""

    name, numpy = "gammaincc", "gammainc_kernel({0}, {1}, True)"
    upper = True


class PseudoHuber(Binary):
    """SciPy's ``pseudo_huber(delta, r)``, a kernel of its own rather than the formula in ops:
    the derivative in delta, 2 delta (s - 1) - r^2 / (delta s) with s = sqrt(1 + (r/delta)^2),
    cancels to nothing for small r / delta (the formula's autodiff gave 0 where it is 3e-38 at
    r / delta = 5e-10). Written with h = hypot(delta, r) and q = |r| (|r| / (h + delta)), the
    loss's value over delta, the derivatives are delta (r / h) in r and q (q / h) in delta:
    products of bounded ratios, each exact to rounding and finite wherever the value is. The
    slope in r is bounded by delta, so that a product simplify reorders around it (the chain
    rule's g * (delta * (r / h))) meets no huge factor of r's: written r (delta / h) it made
    r * g first, inf for r = 1e308 where the slope is delta."""

    name, numpy = "pseudo_huber", "pseudo_huber_kernel({0}, {1})"

    def vjp(self, g: Node, out: Node, d: Node, r: Node) -> Sequence[Node | None]:
        # ratio_or_zero: 0 at (0, 0), and kept whole by simplify (q * q / h would overflow)
        h = hypot(d, r)
        ar = abs(r)
        q = ar * ratio_or_zero(ar, h + d)
        return (g * (q * ratio_or_zero(q, h)), g * (d * ratio_or_zero(r, h)))


_erfcx, _lambertw, _ellipk, _ellipe = Erfcx(), Lambertw(), Ellipk(), Ellipe()
_pseudo_huber = PseudoHuber()
_gammainc, _gammaincc = Gammainc(), Gammaincc()


def erfcx(x: Any) -> Node:
    """exp(x**2) * erfc(x), finite where erfc underflows (SciPy's ``erfcx``): ``sd.erfcx(x)``."""
    dtype, (x,) = _float_inputs("erfcx", x)
    return Node(_erfcx, (x,))


def lambertw(z: Any, k: Any = 0, tol: Any = 1e-8) -> Node:
    """W(z), the principal branch of Lambert's W, real for real z >= -1/e and nan below (SciPy's
    ``lambertw`` gives the complex value; this its real part where that is real):
    ``sd.lambertw(x)``. Only the branch k = 0; ``tol`` is accepted for SciPy's signature (the
    value is always to full precision)."""
    if np.any(np.asarray(k) != 0):
        raise ValueError(f"lambertw: only the principal branch k=0 is real and supported, got k={k!r}")
    dtype, (z,) = _float_inputs("lambertw", z)
    return Node(_lambertw, (z,))


def ellipk(m: Any) -> Node:
    """K(m), the complete elliptic integral of the first kind, of the parameter m = k**2
    (SciPy's ``ellipk``): inf at m = 1, nan above."""
    dtype, (m,) = _float_inputs("ellipk", m)
    return Node(_ellipk, (m,))


def ellipe(m: Any) -> Node:
    """E(m), the complete elliptic integral of the second kind (SciPy's ``ellipe``): 1 at
    m = 1, nan above."""
    dtype, (m,) = _float_inputs("ellipe", m)
    return Node(_ellipe, (m,))


def gammainc(a: Any, x: Any) -> Node:
    """P(a, x), the regularized lower incomplete gamma function, the Gamma(a) distribution
    function at x (SciPy's ``gammainc``): differentiable in x only."""
    dtype, (a, x) = _float_inputs("gammainc", a, x)
    return Node(_gammainc, (a, x))


def gammaincc(a: Any, x: Any) -> Node:
    """Q(a, x) = 1 - P(a, x) (SciPy's ``gammaincc``), e.g. the Poisson distribution function:
    P(N <= k) = gammaincc(k + 1, lam). Differentiable in x only."""
    dtype, (a, x) = _float_inputs("gammaincc", a, x)
    return Node(_gammaincc, (a, x))


# -- written with existing ops --------------------------------------------------------------------


def huber(delta: Any, r: Any) -> Node:
    """SciPy's ``huber(delta, r)``: r**2 / 2 for |r| <= delta, delta (|r| - delta / 2) beyond,
    inf for delta < 0. Differentiable in both (r or delta sign(r) in r, 0 or |r| - delta in
    delta)."""
    dtype, (d, r) = _float_inputs("huber", delta, r, single_first=True)
    ar = abs(r)
    inside = less_equal(ar, d)
    return _result(where(less(d, 0), math.inf, where(inside, 0.5 * (r * r), d * (ar - 0.5 * d))), dtype)


def pseudo_huber(delta: Any, r: Any) -> Node:
    """SciPy's ``pseudo_huber(delta, r)``: delta**2 (sqrt(1 + (r / delta)**2) - 1), 0 where delta
    or r is 0, inf for delta < 0; differentiable in both (see ``PseudoHuber``)."""
    dtype, (d, r) = _float_inputs("pseudo_huber", delta, r, single_first=True)
    return Node(_pseudo_huber, (d, r))


def exp10(x: Any) -> Node:
    """10**x (SciPy's ``exp10``), as ``power(10.0, x)``: NumPy's pow is accurate to an ulp, and
    its derivative log(10) 10**x comes with it."""
    dtype, (x,) = _float_inputs("exp10", x)
    return _result(power(10.0, x), dtype)


def cosm1(x: Any) -> Node:
    """cos(x) - 1 without cancellation near 0 (SciPy's ``cosm1``), as -t * (t / 2) with
    t = 2 sin(x / 2)."""
    dtype, (x,) = _float_inputs("cosm1", x)
    t = 2.0 * sin(0.5 * x)
    return _result(-(t * (0.5 * t)), dtype)


def powm1(x: Any, y: Any) -> Node:
    """x**y - 1 (SciPy's ``powm1``), as expm1(y log|x|) where |y log|x|| < 1/2 (where the
    subtraction would cancel: x near 1 or y near 0) and x > 0 or y is an even integer;
    power(x, y) - 1 elsewhere (nan for x < 0 and a y that is no integer, as SciPy's)."""
    dtype, (x, y) = _float_inputs("powm1", x, y, single_first=True)
    even = equal(mod(y, 2.0), 0.0)
    by_log = logical_or(greater(x, 0), logical_and(less(x, 0), even))
    l_all = y * log(where(by_log, abs(x), 1.0))
    small = logical_and(by_log, less(abs(l_all), 0.5))
    ls = where(small, l_all, 0.0)
    xp, yp = where(small, 2.0, x), where(small, 1.0, y)
    # 0**y for y < 0 is inf, also of -0.0 (SciPy's; NumPy's pow(-0.0, -1) is -inf)
    pole = logical_and(equal(x, 0), less(y, 0))
    return _result(where(pole, math.inf, where(small, expm1(ls), power(xp, yp) - 1.0)), dtype)


def loggamma(x: Any) -> Node:
    """log Gamma(x) for real x (SciPy's ``loggamma`` of real arguments): ``gammaln`` for x >= 0
    (inf at 0), nan for x < 0, where Gamma is negative in places and SciPy's real loggamma is
    nan throughout."""
    dtype, (x,) = _float_inputs("loggamma", x)
    # nan put outside gammaln, which sees 1 there instead: the nan branch then has no slope in
    # either mode (gammaln's slope at a nan put inside came out 0 in reverse mode, where the
    # branch's cotangent is dropped, but nan in forward mode, a 0 tangent times digamma(nan))
    negative = less(x, 0)
    return _result(where(negative, math.nan, gammaln(where(negative, 1.0, x))), dtype)


def multigammaln(a: Any, d: Any) -> Node:
    """log of the multivariate gamma function of dimension d (SciPy's ``multigammaln(a, d)``):
    d (d - 1) / 4 log(pi) + the sum of gammaln(a - j / 2) for j = 0 .. d - 1. Where a <=
    (d - 1) / 2, which SciPy refuses, it is nan."""
    value = d.item() if isinstance(d, np.ndarray) and d.ndim == 0 else d  # SciPy takes a 0-d array
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating))
            or not math.isfinite(value) or value != math.floor(value) or value < 1):
        raise ValueError(f"multigammaln: the dimension d must be a positive integer, got {d!r}")
    n = int(value)
    dtype, (a,) = _float_inputs("multigammaln", a)
    total: Any = n * (n - 1) * 0.25 * math.log(math.pi)
    for j in range(n):
        total = total + gammaln(a - 0.5 * j)
    return _result(where(greater(a, 0.5 * (n - 1)), total, math.nan), dtype)


__all__ = [
    "cosm1", "ellipe", "ellipk", "erfcx", "exp10", "gammainc", "gammaincc", "huber", "lambertw", "loggamma",
    "multigammaln", "powm1", "pseudo_huber",
]
