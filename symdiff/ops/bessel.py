"""Bessel functions of integer order 0 and 1 of the first, second and third kind, SciPy's
``j0 j1 y0 y1`` (J and Y, the solutions of x^2 f'' + x f' + (x^2 - n^2) f = 0 for a wave or a
vibrating membrane in a cylinder) and ``k0 k1 k0e k1e`` (K, the modified function of the third
kind, decaying as exp(-x), and exp(x) K scaled so that it does not underflow). Kernels use NumPy
and ``math`` alone, so generated code needs nothing else; values, infinities and nans follow
SciPy's (nan for x < 0 and -inf at 0 for Y, +inf at 0 for K), float32 stays float32 and other
real dtypes give float64.

How the values are computed (the derivation, not another library's code or tables):

* below |x| = 1.25 (J, Y) or 1 (K): the power series in u = x^2/4 that J, Y, I and K share
  (``bessel_series``), the logarithmic terms of Y and K from the sums with harmonic numbers;
* J and Y for 1.25 <= |x| < 20.25: Taylor series about the nearest of the nodes 1.5, 2, ...,
  20, from the values of J0, J1, Y0 and Y1 there (``bessel_nodes``, each the correctly rounded
  value, computed once with mpmath to 40 digits; a test recomputes them). The coefficients come
  from the differential equation x f'' + f' + x f = 0 of J0 and Y0 (and J1 = -J0', Y1 = -Y0'),
  a three-term recurrence; |x - node| <= 1/4 and the radius of convergence is the node, so 26
  terms leave less than 1e-17;
* J and Y beyond: Hankel's asymptotic forms sqrt(2 / (pi x)) (P cos(chi) - Q sin(chi)) and
  (P sin(chi) + Q cos(chi)), chi = x - pi/4 (order 0) or x - 3 pi/4 (order 1), with the phase
  taken as (cos x +- sin x) / sqrt(2) so that x - pi/4 is never rounded (correct at x = 1e300);
  the series P and Q in 1/x have their smallest term near k = 2x, below 1e-17 from x = 20;
* exp(x) K for 1 <= x < 30: the trapezoidal rule for the integral over t > 0 of
  exp(-x (cosh t - 1)) cosh(n t), in steps of 1/8 up to t = 8, which converges geometrically
  (the integrand is analytic in the strip |Im t| < pi/2) and has positive terms only: an ulp
  or two; beyond 30 the asymptotic series sqrt(pi / (2x)) sum of a_k(n) / x^k, as ``i0e``'s.

Near the zeros of J and Y their error is a few ulp of the function's size sqrt(2 / (pi x)) (an
absolute error, as SciPy's), elsewhere a few ulp of the value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ir import Node
from .base import helper
from .elementwise import exp, where
from .special import _float_inputs, _i1_slope_near_zero, _Real, _scaled_slope_far


@helper
def bessel_nodes():  # type: ignore[no-untyped-def]
    # J0, J1, Y0, Y1 at x = 1.5, 2, 2.5, ..., 20 (mpmath, 40 digits, rounded once)
    return np.array([
        [0.5118276717359181, 0.5579365079100996, 0.38244892379775886, -0.4123086269739113],
        [0.22389077914123567, 0.5767248077568734, 0.5103756726497451, -0.10703243154093754],
        [-0.048383776468198, 0.49709410246427405, 0.4980703596152319, 0.1459181379667858],
        [-0.26005195490193345, 0.3390589585259365, 0.3768500100127904, 0.3246744247918],
        [-0.3801277399872634, 0.1373775273623272, 0.1890219439208265, 0.41018841788751187],
        [-0.39714980986384735, -0.06604332802354913, -0.016940739325064992, 0.3979257105571],
        [-0.32054250898512143, -0.23106043192337064, -0.19470500862950454, 0.3009973230696546],
        [-0.1775967713143383, -0.32757913759146523, -0.30851762524903376, 0.14786314339122683],
        [-0.006843869417819197, -0.34143821542904335, -0.339480592881911, -0.023758238956389618],
        [0.15064525725099692, -0.27668385812756563, -0.28819468398157916, -0.17501034430039825],
        [0.2600946055816064, -0.15384130140997185, -0.17324243491898234, -0.27409127395927546],
        [0.3000792705195556, -0.004682823482345833, -0.025949743967209265, -0.30266723702418485],
        [0.2663396578803784, 0.1352484275797055, 0.11731328614820863, -0.25912851048611624],
        [0.1716508071375539, 0.23463634685391463, 0.22352148938756622, -0.1580604617312475],
        [0.041939251842934504, 0.2731219636740537, 0.27020510536578746, -0.02616867939853747],
        [-0.09033361118287614, 0.24531178657332528, 0.24993669828502468, 0.10431457519671589],
        [-0.19392874768742235, 0.16126443075752986, 0.17121062620272384, 0.20317989938720768],
        [-0.24593576445134835, 0.04347274616886144, 0.055671167283599395, 0.24901542420695388],
        [-0.23664819446234714, -0.07885001422733148, -0.0675303724978764, 0.2337042283572686],
        [-0.1711903004071961, -0.17678529895672151, -0.16884732389207954, 0.16370553741494284],
        [-0.06765394811166522, -0.22837862066532347, -0.22523211169118787, 0.057942547143000823],
        [0.047689310796833535, -0.2234471044906276, -0.22523731263436145, -0.05709921826089652],
        [0.1468840547004211, -0.16548380461475973, -0.1712143068446693, -0.1538382565375012],
        [0.20692610237706782, -0.07031805212177837, -0.07820786452787591, -0.2100814084206935],
        [0.21498916588040082, 0.03804929208600142, 0.030077009046785588, -0.21402293034002892],
        [0.17107347611045867, 0.13337515469879324, 0.1271925685821837, -0.16664484185617226],
        [0.08754486801037623, 0.19342946359604696, 0.19030189118784452, -0.08104209092873875],
        [-0.014224472826780772, 0.20510403861352275, 0.20546429603891828, 0.02107362803687351],
        [-0.10923065090005017, 0.16721318035174715, 0.17064491122943462, 0.11478614251334232],
        [-0.1748990739836292, 0.09039717566130419, 0.0958109970807124, 0.17797516893941687],
        [-0.19638069293686103, -0.005764213735631227, 0.00018123245754096657, 0.19647583778590966],
        [-0.16985425215118355, -0.09766849275778065, -0.0926371984423237, 0.1672050360772337],
        [-0.10311039822868592, -0.1634199694257549, -0.16041119250501118, 0.09857279873421605],
        [-0.013355805721984111, -0.18799488548806959, -0.1875521596114106, 0.008155132278221441],
        [0.0771648214225547, -0.16663364001001604, -0.16865634504032312, -0.08174785849680946],
        [0.1466294396596512, -0.10570143114240926, -0.10951969138534148, -0.1495601138626533],
        [0.17885382704017289, -0.02087707014809752, -0.025451742976154466, -0.1795645668963179],
        [0.16702466434058316, 0.06683312417585005, 0.06264059680938383, -0.1655116143625213],
    ])


@helper
def bessel_series(a, sign):  # type: ignore[no-untyped-def]
    # For u = a^2/4 and s = sign * u (sign -1 for J and Y, 1 for I and K): the sums
    # f0 = sum s^k / k!^2, f1 = a/2 sum s^k / (k! (k+1)!) (J0, J1 or I0, I1), and the ones the
    # logarithmic solutions add, g0 = sum H_k s^k / k!^2 and
    # g1 = a/2 sum (2 H_k + 1/(k+1) - 2 gamma) s^k / (k! (k+1)!), H_k the harmonic numbers:
    # Y0 = 2/pi ((log(a/2) + gamma) J0 - g0), Y1 = -2/(pi a) + 2/pi log(a/2) J1 - g1/pi,
    # K0 = -(log(a/2) + gamma) I0 + g0, K1 = 1/a + log(a/2) I1 - g1/2. For a < 1.25, 16 terms
    # leave less than 1e-30.
    s = sign * (0.25 * a * a)
    euler = 0.5772156649015329
    term0, term1 = np.ones_like(a), np.ones_like(a)  # s^k / k!^2, s^k / (k! (k+1)!)
    f0, f1, g0 = np.ones_like(a), np.ones_like(a), np.zeros_like(a)
    g1 = np.full_like(a, 1.0 - 2.0 * euler)
    harmonic = 0.0
    for k in range(1, 17):
        harmonic += 1.0 / k
        term0 = term0 * s / (k * k)
        term1 = term1 * s / (k * (k + 1))
        f0, f1 = f0 + term0, f1 + term1
        g0 = g0 + harmonic * term0
        g1 = g1 + (2.0 * harmonic + 1.0 / (k + 1) - 2.0 * euler) * term1
    return f0, 0.5 * a * f1, g0, 0.5 * a * g1


@helper
def bessel_jy_kernel(x, order, second):  # type: ignore[no-untyped-def]
    # J_order(x), or Y_order(x) when second, order 0 or 1, in the three regions the module's
    # docstring describes; J0 is even, J1 odd, Y nan for x < 0 and -inf at 0
    x = np.asarray(x)
    t = x.astype(np.float64)
    a = np.abs(t)
    with np.errstate(all="ignore"):
        small = a < 1.25
        far = a >= 20.25
        # the power series
        s = np.where(small, a, 1.0)
        f0, f1, g0, g1 = bessel_series(s, -1.0)
        log_half = np.log(s) - math.log(2.0)  # log(a) first: a / 2 may be subnormal or 0
        if not second:
            near = f1 if order else f0
        elif order:
            near = -(2.0 / math.pi) / s + (2.0 / math.pi) * log_half * f1 - g1 / math.pi
        else:
            near = (2.0 / math.pi) * ((log_half + 0.5772156649015329) * f0 - g0)
        # Taylor series about the nearest node c: f = sum c_k d^k with d = a - c (exact), from
        # x f'' + f' + x f = 0: c_(m+2) = -((m+1)^2 c_(m+1) + c c_m + c_(m-1)) / (c (m+2)(m+1))
        middle = (a >= 1.25) & (a < 20.25)  # (not nan)
        index = np.where(middle, np.floor(2.0 * a + 0.5), 3.0)
        c = 0.5 * index
        d = np.where(middle, a, c) - c
        nodes = bessel_nodes()[index.astype(np.intp) - 3]
        value = nodes[..., 2] if second else nodes[..., 0]
        slope = -(nodes[..., 3] if second else nodes[..., 1])
        previous, current, following = np.zeros_like(c), value, slope
        total, total_slope = value + slope * d, np.copy(slope)
        power = np.copy(d)  # d^(m+1)
        for m in range(0, 25):
            nxt = -((m + 1) ** 2 * following + c * current + previous) / (c * ((m + 2) * (m + 1)))
            total_slope = total_slope + (m + 2) * nxt * power
            power = power * d
            total = total + nxt * power
            previous, current, following = current, following, nxt
        taylor = -total_slope if order else total
        # Hankel's asymptotic forms
        big = np.where(far & np.isfinite(a), a, 20.25)
        w = 1.0 / big
        nu = 4.0 * order * order
        p, q = np.zeros_like(big), np.zeros_like(big)
        coefficient, power = 1.0, np.ones_like(big)
        for k in range(36):
            if k:
                coefficient = coefficient * (nu - (2 * k - 1) ** 2) / (8.0 * k)
                power = power * w
            term = coefficient * power
            if k % 2:
                q = q + term if k % 4 == 1 else q - term
            else:
                p = p + term if k % 4 == 0 else p - term
        cos, sin = np.cos(big), np.sin(big)
        # sqrt(2) cos(chi) and sqrt(2) sin(chi)
        cos_chi, sin_chi = (sin - cos, -(sin + cos)) if order else (cos + sin, sin - cos)
        amplitude = (1.0 / math.sqrt(math.pi)) / np.sqrt(big)  # sqrt(2 / (pi x)) / sqrt(2)
        asymptotic = amplitude * ((p * sin_chi + q * cos_chi) if second else (p * cos_chi - q * sin_chi))
        asymptotic = np.where(np.isinf(a), 0.0, asymptotic)
        out = np.where(small, near, np.where(far, asymptotic, taylor))
        if second:
            out = np.where(t < 0, np.nan, np.where(t == 0, -np.inf, out))
        elif order:
            out = np.where(np.signbit(t), -out, out)
        out = np.where(np.isnan(t), t, out)
    return np.asarray(out.astype(np.result_type(x.dtype, 0.0)))


@helper
def bessel_k_kernel(x, order, scaled):  # type: ignore[no-untyped-def]
    # K_order(x), or exp(x) K_order(x) when scaled, order 0 or 1: nan for x < 0, inf at 0
    x = np.asarray(x)
    t = x.astype(np.float64)
    with np.errstate(all="ignore"):
        a = np.where(t > 0, t, 1.0)
        small = a < 1.0
        far = a >= 30.0
        # the power series
        s = np.where(small, a, 0.5)
        f0, f1, g0, g1 = bessel_series(s, 1.0)
        log_half = np.log(s) - math.log(2.0)
        if order:
            near = 1.0 / s + log_half * f1 - 0.5 * g1
        else:
            near = g0 - (log_half + 0.5772156649015329) * f0
        # the trapezoidal rule, exp(x) K, a block of elements at a time (65 terms each)
        steps = np.arange(65) * 0.125
        weights = np.full(65, 0.125)
        weights[0] = 0.0625
        if order:
            weights = weights * np.cosh(steps)
        rise = 2.0 * np.sinh(0.5 * steps) ** 2  # cosh t - 1, without cancellation
        inside = np.flatnonzero((~small & ~far).ravel())
        flat, total = a.ravel()[inside], np.zeros(a.size)
        for start in range(0, inside.size, 8192):
            u = np.multiply.outer(flat[start:start + 8192], rise)
            total[inside[start:start + 8192]] = np.exp(-u) @ weights
        total = total.reshape(a.shape)
        # the asymptotic series exp(x) K ~ sqrt(pi / (2x)) sum of a_k(order) / x^k
        big = np.where(far & np.isfinite(a), a, 30.0)
        term, series = np.ones_like(big), np.ones_like(big)
        for k in range(1, 41):
            term = term * (((2 * k - 1) ** 2 - 4 * order * order) / (-8.0 * k)) / big
            series = series + term
        asymptotic = series * (math.sqrt(0.5 * math.pi) / np.sqrt(big))
        if scaled:
            out = np.where(small, np.exp(s) * near, np.where(far, asymptotic, total))
        else:
            out = np.where(small, near, np.exp(-a) * np.where(far, asymptotic, total))
        out = np.where(t == np.inf, 0.0, np.where(t == 0, np.inf, np.where(t < 0, np.nan, out)))
        out = np.where(np.isnan(t), t, out)
    return np.asarray(out.astype(np.result_type(x.dtype, 0.0)))


# -- the ops ----------------------------------------------------------------------------------------
# Derivatives: J0' = -J1, Y0' = -Y1, K0' = -K1; J1' = J0 - J1/x (1/2 at 0, by its series near 0,
# where the next derivative of J1/x would cancel), Y1' = Y0 - Y1/x, K1' = -K0 - K1/x; of the
# scaled ones, (exp(x) K0)' = k0e - k1e and (exp(x) K1)' = k1e - k0e - k1e/x, which cancel to
# about 1/(2x) of their terms: beyond x = 50 their asymptotic series instead.


class J0(_Real):
    """J_0, the Bessel function of the first kind of order 0 (SciPy's ``j0``); J0' = -J1."""

    name, numpy = "j0", "bessel_jy_kernel({0}, 0, False)"
    parity = "even"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (-(g * Node(_j1, (x,))),)


class J1(_Real):
    """J_1 (SciPy's ``j1``); J1' = J0 - J1/x, 1/2 at 0."""

    name, numpy = "j1", "bessel_jy_kernel({0}, 1, False)"
    parity = "odd"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        near, series = _i1_slope_near_zero(x, -1)
        return (g * where(near, series, Node(_j0, (x,)) - out / where(near, 1, x)),)


class Y0(_Real):
    """Y_0, the Bessel function of the second kind of order 0 (SciPy's ``y0``); Y0' = -Y1."""

    name, numpy = "y0", "bessel_jy_kernel({0}, 0, True)"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (-(g * Node(_y1, (x,))),)


class Y1(_Real):
    """Y_1 (SciPy's ``y1``); Y1' = Y0 - Y1/x."""

    name, numpy = "y1", "bessel_jy_kernel({0}, 1, True)"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * (Node(_y0, (x,)) - out / x),)


class K0(_Real):
    """K_0, the modified Bessel function of the second kind of order 0 (SciPy's ``k0``);
    K0' = -K1."""

    name, numpy = "k0", "bessel_k_kernel({0}, 0, False)"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (-(g * Node(_k1, (x,))),)


class K1(_Real):
    """K_1 (SciPy's ``k1``); K1' = -K0 - K1/x."""

    name, numpy = "k1", "bessel_k_kernel({0}, 1, False)"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (-(g * (Node(_k0, (x,)) + out / x)),)


class K0e(_Real):
    """exp(x) K_0(x) (SciPy's ``k0e``); its derivative is k0e - k1e."""

    name, numpy = "k0e", "bessel_k_kernel({0}, 0, True)"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        far, asymptotic = _scaled_slope_far(x, 0, third_kind=True)
        return (g * where(far, asymptotic, out - Node(_k1e, (x,))),)


class K1e(_Real):
    """exp(x) K_1(x) (SciPy's ``k1e``); its derivative is k1e - k0e - k1e/x."""

    name, numpy = "k1e", "bessel_k_kernel({0}, 1, True)"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        far, asymptotic = _scaled_slope_far(x, 1, third_kind=True)
        return (g * where(far, asymptotic, out - Node(_k0e, (x,)) - out / x),)


_j0, _j1, _y0, _y1 = J0(), J1(), Y0(), Y1()
_k0, _k1, _k0e, _k1e = K0(), K1(), K0e(), K1e()


def _bessel(op: _Real, x: Any) -> Node:
    dtype, (x,) = _float_inputs(op.name, x)
    return Node(op, (x,))


def j0(x: Any) -> Node:
    """J_0(x), the Bessel function of the first kind of order 0 (SciPy's ``j0``): ``sd.j0(x)``.
    float32 stays float32, other real dtypes give float64."""
    return _bessel(_j0, x)


def j1(x: Any) -> Node:
    """J_1(x), the Bessel function of the first kind of order 1 (SciPy's ``j1``), -J_0'."""
    return _bessel(_j1, x)


def y0(x: Any) -> Node:
    """Y_0(x), the Bessel function of the second kind of order 0 (SciPy's ``y0``): -inf at 0,
    nan for x < 0."""
    return _bessel(_y0, x)


def y1(x: Any) -> Node:
    """Y_1(x), the Bessel function of the second kind of order 1 (SciPy's ``y1``), -Y_0'."""
    return _bessel(_y1, x)


def k0(x: Any) -> Node:
    """K_0(x), the modified Bessel function of the second kind of order 0 (SciPy's ``k0``):
    inf at 0, nan for x < 0."""
    return _bessel(_k0, x)


def k1(x: Any) -> Node:
    """K_1(x), the modified Bessel function of the second kind of order 1 (SciPy's ``k1``),
    -K_0'."""
    return _bessel(_k1, x)


def k0e(x: Any) -> Node:
    """exp(x) K_0(x) (SciPy's ``k0e``), finite where K_0 underflows: ``sd.k0e(x)``."""
    return _bessel(_k0e, x)


def k1e(x: Any) -> Node:
    """exp(x) K_1(x) (SciPy's ``k1e``)."""
    return _bessel(_k1e, x)


__all__ = ["j0", "j1", "k0", "k0e", "k1", "k1e", "y0", "y1"]
