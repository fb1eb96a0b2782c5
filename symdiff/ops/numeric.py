"""More NumPy elementwise functions: inverse trigonometric and hyperbolic functions, logarithms
and powers in other bases (``float_power``), ``hypot``, ``logaddexp``, ``mod``/``fmod``, ``clip``,
``sinc``, the NaN-ignoring ``fmax``/``fmin``, ``copysign``, ``heaviside``, ``positive``,
the rounding functions ``floor``, ``ceil``, ``trunc``, ``rint``, ``round`` and ``floor_divide``
(piecewise constant: derivative 0), and the complex parts ``conj``/``real``/``imag``.

Each op is one class beside its derivative, written in symdiff ops so it differentiates again.
Non-smooth points:

- ``mod``/``fmod`` jump where ``a`` is a multiple of ``b``; there the derivative is the one of
  the piece the result lies on: ``d/da = 1`` everywhere, ``d/db = -q`` with the integer
  quotient ``q = (a - result) / b`` that NumPy's result implies.
- ``clip`` passes the gradient to ``a`` on its bounds (``a == a_min`` or ``a == a_max``, as
  PyTorch's ``clamp``); a bound gets the gradient only where it is strictly active.
- ``fmax``/``fmin`` give the gradient to ``a`` on ties (as ``maximum``) and to the argument
  that is not NaN where one is; ``copysign(a, b)`` has derivative ``sign(a)`` times b's sign in
  ``a`` (0 at 0, as ``abs``) and 0 in ``b``; ``heaviside(x1, x2)`` is piecewise constant in
  ``x1`` (derivative 0, also at the jump) and has derivative 1 in ``x2`` where ``x1 == 0``.
- ``hypot`` at ``(0, 0)``: its gradient is 0 there, and so are its higher derivatives (the
  convention of ``abs'(0) = 0`` and of ``linalg.norm`` at 0).
- ``arctan2`` at ``(0, 0)``, ``arcsin``/``arccos`` at ±1, ``arccosh`` at 1 and ``arctanh`` at
  ±1: the derivative is infinite or undefined (inf or nan, as the formula gives); ``cbrt``'s
  derivatives at 0 are the infinite limits from the side of 0's sign (inf, then -inf at 0.0
  and inf at -0.0), as ``sqrt``'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..ir import Dim, Node
from ..errors import DTypeError
from .base import as_node, as_nodes, broadcast_shapes, const, helper, is_python_scalar, no_out
from .elementwise import (
    Binary, Elementwise, Unary, _binary, _unary, astype, equal, greater_equal, isfinite, isinf,
    isnan, less, not_equal, less_equal, logical_and, logical_or, maximum, negative, power, sigmoid, sign, sqrt,
    stop_gradient, where,
)
from .elementwise import abs as _abs
from .shape import zeros_like

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


# -- inverse trigonometric and hyperbolic functions ----------------------------------------------


class Arcsin(Unary):
    name, numpy = "arcsin", "np.arcsin({0})"
    parity = "odd"
    inplace = "np.arcsin({0}, out={out})"
    math = "math.asin({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # sqrt(1 - x) * sqrt(1 + x) rather than sqrt(1 - x*x): x*x rounds away the digits of
        # 1 - x*x near |x| = 1 (a relative error up to 1e-5 at 1 - x = 1e-11), 1 - x loses none
        return (g / (sqrt(1 - x) * sqrt(1 + x)),)


class Arccos(Unary):
    name, numpy = "arccos", "np.arccos({0})"
    inplace = "np.arccos({0}, out={out})"
    math = "math.acos({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (-(g / (sqrt(1 - x) * sqrt(1 + x))),)  # as arcsin's


class Arctan(Unary):
    name, numpy = "arctan", "np.arctan({0})"
    parity = "odd"
    inplace = "np.arctan({0}, out={out})"
    math = "math.atan({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # 1 / (1 + x*x) as (g / r) / r with r = hypot(1, x): x*x overflows from |x| = 1e154
        # (1e19 in float32), and the second derivative's (1 + x*x)**2 four times sooner, where
        # the true values are ordinary numbers; r does not, and its own derivative x / r is
        # bounded, so every higher derivative is a product of bounded ratios and powers of 1/r.
        # hypot is of real values only: a complex x takes the holomorphic 1 / (1 + x*x)
        if x.dtype.kind == "c":
            return (g / (1 + x * x),)
        r = hypot(1, x)
        return ((g / r) / r,)


class Arctan2(Binary):
    """The angle of the point (x, y): ``arctan2(y, x)``, NumPy's argument order."""

    name, numpy = "arctan2", "np.arctan2({0}, {1})"
    inplace = "np.arctan2({0}, {1}, out={out})"
    math = "math.atan2({0}, {1})"

    def vjp(self, g: Node, out: Node, y: Node, x: Node) -> Sequence[Node | None]:
        # (x, -y) / (x*x + y*y) as (g / r) * (x / r) with r = hypot(x, y), as arctan's: x*x + y*y
        # overflows from 1e154 and underflows below 1e-154 (the gradient 0 or inf, the Hessian
        # nan) where the true values are ordinary numbers. The unit vector is hypot's own
        # gradient, ratio_or_zero, which simplify keeps whole: a plain x / r would be collected
        # into x * r**-3 in the Hessian, which overflows again. At (0, 0) it is inf * 0 = nan.
        r = hypot(x, y)
        gr = g / r
        return (gr * ratio_or_zero(x, r), -(gr * ratio_or_zero(y, r)))


class Sinh(Unary):
    name, numpy = "sinh", "np.sinh({0})"
    parity = "odd"
    inplace = "np.sinh({0}, out={out})"
    math = "math.sinh({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * cosh(x),)


class Cosh(Unary):
    name, numpy = "cosh", "np.cosh({0})"
    parity = "even"
    inplace = "np.cosh({0}, out={out})"
    math = "math.cosh({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * sinh(x),)


class Arcsinh(Unary):
    name, numpy = "arcsinh", "np.arcsinh({0})"
    parity = "odd"
    inplace = "np.arcsinh({0}, out={out})"
    math = "math.asinh({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g / sqrt(x * x + 1),)


class Arccosh(Unary):
    name, numpy = "arccosh", "np.arccosh({0})"
    inplace = "np.arccosh({0}, out={out})"
    math = "math.acosh({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # sqrt(x - 1) * sqrt(x + 1) rather than sqrt(x*x - 1): no cancellation near x = 1
        return (g / (sqrt(x - 1) * sqrt(x + 1)),)


class Arctanh(Unary):
    name, numpy = "arctanh", "np.arctanh({0})"
    parity = "odd"
    inplace = "np.arctanh({0}, out={out})"
    math = "math.atanh({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g / ((1 - x) * (1 + x)),)  # not 1 - x*x, which cancels near |x| = 1 (arcsin)


# -- logarithms, exponentials and powers ------------------------------------------------------------


class Log2(Unary):
    name, numpy = "log2", "np.log2({0})"
    inplace = "np.log2({0}, out={out})"
    math = "math.log2({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g / (x * _LN2),)


class Log10(Unary):
    name, numpy = "log10", "np.log10({0})"
    inplace = "np.log10({0}, out={out})"
    math = "math.log10({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g / (x * _LN10),)


class Exp2(Unary):
    name, numpy = "exp2", "np.exp2({0})"
    inplace = "np.exp2({0}, out={out})"
    math = "math.pow(2.0, {0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * (out * _LN2),)


class Reciprocal(Unary):
    """1 / x; on integers NumPy's integer reciprocal (0 unless x is ±1)."""

    name, numpy = "reciprocal", "np.reciprocal({0})"
    inplace = "np.reciprocal({0}, out={out})"
    math = "1.0 / {0}"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (-(g * (out * out)),)


class Cbrt(Unary):
    """The real cube root (negative for negative x); its slope at 0 is infinite."""

    name, numpy = "cbrt", "np.cbrt({0})"
    parity = "odd"
    inplace = "np.cbrt({0}, out={out})"
    # no scalar template: math.cbrt needs Python 3.11

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # 1 / (3 out**2) divided by out twice, not by out * out: at 0 the second derivative is
        # then -inf (+inf at -0.0), the limit from that side, as sqrt's, where out * out gave
        # 0 * inf = nan
        return ((g / (3 * out)) / out,)


class Deg2rad(Unary):
    name, numpy = "deg2rad", "np.deg2rad({0})"
    inplace = "np.deg2rad({0}, out={out})"
    math = "math.radians({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * (math.pi / 180),)


class Rad2deg(Unary):
    name, numpy = "rad2deg", "np.rad2deg({0})"
    inplace = "np.rad2deg({0}, out={out})"
    math = "math.degrees({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * (180 / math.pi),)


def ratio_or_zero(a: Node, r: Node) -> Node:
    """``a / r`` where ``r > 0``, else 0, dividing by 1 where ``r`` is 0 so that no 0 / 0 is
    computed (a NaN warning, an error under ``np.errstate(all="raise")``): the derivative of a
    2-norm ``r`` of ``a`` (``hypot``, ``linalg.norm``), taken as 0 at 0."""
    nonzero = r > 0
    return where(nonzero, a / where(nonzero, r, 1.0), 0.0)


class Hypot(Binary):
    """sqrt(a**2 + b**2) without overflow; its gradient at (0, 0) is 0."""

    name, numpy = "hypot", "np.hypot({0}, {1})"
    inplace = "np.hypot({0}, {1}, out={out})"
    math = "math.hypot({0}, {1})"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        # The gradient is the unit vector (a, b) / out, bounded by 1 at any scale; dividing
        # each input by out (not g by out, then multiplying by the input) keeps every higher
        # derivative a product of such bounded ratios and powers of 1 / out, so it neither
        # overflows nor underflows where its true value is finite (out * out would at 1e155).
        # At (0, 0), where out is 0, both cotangents are 0 and so are all their derivatives:
        # hypot is the 2-norm of (a, b), with the norm's convention (and abs's: abs'' = sign' =
        # 0, as JAX's hypot, which is max(|a|, |b|) there); a / 1 would make the Hessian 1.
        return (g * ratio_or_zero(a, out), g * ratio_or_zero(b, out))


class LogAddExp(Binary):
    """log(exp(a) + exp(b)) without overflow."""

    name, numpy = "logaddexp", "np.logaddexp({0}, {1})"
    inplace = "np.logaddexp({0}, {1}, out={out})"
    math = ("({0} + 0.6931471805599453 if {0} == {1} else "
            "max({0}, {1}) + math.log1p(math.exp(-abs({0} - {1}))))")

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        # exp(a - out), written so that it is exact where an operand is infinite: at
        # logaddexp(inf, 1) the derivatives are 1 and 0, where exp(inf - inf) would be nan
        d = a - b
        return (g * sigmoid(d), g * sigmoid(negative(d)))


class LogAddExp2(Binary):
    """log2(2**a + 2**b) without overflow."""

    name, numpy = "logaddexp2", "np.logaddexp2({0}, {1})"
    inplace = "np.logaddexp2({0}, {1}, out={out})"
    math = ("({0} + 1.0 if {0} == {1} else "
            "max({0}, {1}) + math.log1p(math.pow(2.0, -abs({0} - {1}))) * 1.4426950408889634)")

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        # 2**(a - out), exact where an operand is infinite (see LogAddExp)
        d = (a - b) * _LN2
        return (g * sigmoid(d), g * sigmoid(negative(d)))


class Mod(Binary):
    """The remainder with the sign of the divisor (Python's ``%``, NumPy's ``mod``)."""

    name, numpy, symbol, precedence = "mod", "np.mod({0}, {1})", "%", 20
    inplace = "np.mod({0}, {1}, out={out})"
    math = "{0} % {1}"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        # result = a - b * q with q piecewise constant: q's derivative is 0, so it is held fixed
        q = stop_gradient((a - out) / b)
        return (g, -(g * q))


class Fmod(Mod):
    """The remainder with the sign of the dividend (C's ``fmod``)."""

    name, numpy, symbol, precedence = "fmod", "np.fmod({0}, {1})", "", 100
    inplace = "np.fmod({0}, {1}, out={out})"
    math = "math.fmod({0}, {1})"


class Clip(Elementwise):
    """``a`` limited to ``[a_min, a_max]``; either bound may be absent. As in NumPy the result
    is ``minimum(maximum(a, a_min), a_max)``, also when ``a_min > a_max``."""

    __slots__ = ("has_min", "has_max")
    name = "clip"

    def __init__(self, has_min: bool, has_max: bool) -> None:
        self.has_min = has_min
        self.has_max = has_max

    def params(self) -> tuple[Any, ...]:
        return (self.has_min, self.has_max)

    def _args(self, args: Sequence[str]) -> tuple[str, str, str]:
        rest = list(args[1:])
        lo = rest.pop(0) if self.has_min else "None"
        hi = rest.pop(0) if self.has_max else "None"
        return args[0], lo, hi

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return "np.clip({}, {}, {})".format(*self._args(args))

    @property
    def inplace(self) -> str:  # type: ignore[override]
        return "np.clip({0}, {1}, {2}, out={{out}})".format(*self._args(["{0}", "{1}", "{2}"]))

    def emit_scalar(self, args: Sequence[str]) -> str | None:
        # nan-propagating as NumPy. np.clip with one bound is np.maximum or np.minimum, whose
        # tie gives the bound (clip(0.0, -0.0, None) is -0.0); with both, the clip ufunc, whose
        # loop on a 0-d array keeps a on ties (clip(0.0, -0.0, 1.0) is 0.0)
        a, lo, hi = self._args(args)
        both = lo != "None" and hi != "None"
        if lo != "None":
            a = f"({a} if {a} {'>=' if both else '>'} {lo} or {a} != {a} else {lo})"
        if hi != "None":
            a = f"({a} if {a} {'<=' if both else '<'} {hi} or {a} != {a} else {hi})"
        return a

    def text(self, args: Sequence[str]) -> str:
        return "clip({}, {}, {})".format(*self._args(args))

    def vjp(self, g: Node, out: Node, a: Node, *bounds: Node) -> Sequence[Node | None]:
        rest = list(bounds)
        lo = rest.pop(0) if self.has_min else None
        hi = rest.pop(0) if self.has_max else None
        grads: list[Node | None] = []
        below = a < lo if lo is not None else None  # a_min wins (ties stay with a)
        raised = maximum(a, lo) if lo is not None else a
        above = raised > hi if hi is not None else None  # a_max wins
        g_in = g if above is None else where(above, 0, g)
        grads.append(g_in if below is None else where(below, 0, g_in))
        if below is not None:
            grads.append(where(below, g_in, 0))
        if above is not None:
            grads.append(where(above, g, 0))
        return grads


@helper
def sinc_derivative_kernel(x, n):  # type: ignore[no-untyped-def]
    # The n-th derivative of sin(pi x) / (pi x). Near 0 its Taylor series (no cancellation);
    # elsewhere the recurrence from differentiating x f = sin(pi x) / pi n times:
    # x f^(n) + n f^(n-1) = pi^(n-1) sin(pi x + n pi / 2).
    x = np.asarray(x)
    dt = np.result_type(x.dtype, 0.0)
    t = x.astype(np.result_type(dt, np.float64))  # complex stays complex: sinc is entire
    small = np.abs(t) < 1.0
    ts = np.where(small, t, 0.0)
    series = np.zeros_like(ts)
    for k in range((n + 1) // 2, 30):
        c = (-1.0) ** k * math.pi ** (2 * k) / math.factorial(2 * k + 1)
        series = series + c * (math.factorial(2 * k) / math.factorial(2 * k - n)) * ts ** (2 * k - n)
    tr = np.where(small, 1.0, t)
    s, co = np.sin(math.pi * tr), np.cos(math.pi * tr)
    f = s / (math.pi * tr)
    for m in range(1, n + 1):
        shifted = (s, co, -s, -co)[m % 4]
        f = (math.pi ** (m - 1) * shifted - m * f) / tr
    return np.where(small, series, f).astype(dt)


class Sinc(Unary):
    """NumPy's normalized sinc, sin(pi x) / (pi x), 1 at 0."""

    name, numpy = "sinc", "np.sinc({0})"
    math = "(math.sin(math.pi * {0}) / (math.pi * {0}) if {0} else 1.0)"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * Node(SincDerivative(1), (x,)),)


class SincDerivative(Unary):
    """The n-th derivative of ``sinc``, accurate also near 0 (where the closed form cancels)."""

    __slots__ = ("n",)
    name = "sinc_derivative"

    def __init__(self, n: int) -> None:
        self.n = n

    def params(self) -> tuple[Any, ...]:
        return (self.n,)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"sinc_derivative_kernel({args[0]}, {self.n!r})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * Node(SincDerivative(self.n + 1), (x,)),)


# -- NaN-ignoring extrema, signs and steps ----------------------------------------------------------


class _NanIgnoringExtremum(Binary):
    """fmax or fmin: the extremum of the two arguments, the other argument where one is NaN.
    The gradient goes to ``a`` where ``a`` wins or ties (as maximum's) and where ``b`` is NaN,
    to ``b`` elsewhere (where ``a`` alone is NaN, or loses)."""

    wins: Any  # greater_equal for fmax, less_equal for fmin

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        pick_a = logical_or(type(self).wins(a, b), isnan(b))
        return (where(pick_a, g, 0), where(pick_a, 0, g))


class Fmax(_NanIgnoringExtremum):
    """The elementwise maximum ignoring NaN."""

    name, numpy, inplace = "fmax", "np.fmax({0}, {1})", "np.fmax({0}, {1}, out={out})"
    wins = staticmethod(greater_equal)


class Fmin(_NanIgnoringExtremum):
    """The elementwise minimum ignoring NaN."""

    name, numpy, inplace = "fmin", "np.fmin({0}, {1})", "np.fmin({0}, {1}, out={out})"
    wins = staticmethod(less_equal)


class Copysign(Binary):
    """The magnitude of ``a`` with the sign (bit) of ``b``: ``|a|`` times +1 or -1."""

    name, numpy = "copysign", "np.copysign({0}, {1})"
    inplace = "np.copysign({0}, {1}, out={out})"
    math = "math.copysign({0}, {1})"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        # |a|' = sign(a) (0 at a = 0, as abs), times b's sign; b's sign is piecewise constant
        return (g * (sign(a) * copysign(1.0, b)), None)


class Nextafter(Binary):
    """The next floating-point value after ``x1`` towards ``x2`` (``x2`` where they are equal).

    It moves ``x1`` by one unit in the last place at most: its derivative is taken as 1 in
    ``x1`` and 0 in ``x2`` (a finite difference sees exactly that)."""

    name, numpy = "nextafter", "np.nextafter({0}, {1})"
    inplace = "np.nextafter({0}, {1}, out={out})"

    def vjp(self, g: Node, out: Node, x1: Node, x2: Node) -> Sequence[Node | None]:
        return (g, None)


class Ldexp(Binary):
    """``x1 * 2**x2`` for an integer ``x2``, exactly (no overflow of ``2**x2`` on the way)."""

    name, numpy = "ldexp", "np.ldexp({0}, {1})"
    inplace = "np.ldexp({0}, {1}, out={out})"

    def vjp(self, g: Node, out: Node, x1: Node, x2: Node) -> Sequence[Node | None]:
        return (ldexp(g, x2), None)  # x2 is an integer: no gradient


class FrexpExponent(Unary):
    """The exponent e of ``x == m * 2**e`` with ``0.5 <= |m| < 1`` (0 for 0, inf and nan), an
    int32, as the second result of NumPy's ``frexp``; an integer, so no gradient."""

    name, numpy = "frexp_exponent", "np.frexp({0})[1]"

    def text(self, args: Sequence[str]) -> str:
        return f"frexp({args[0]})[1]"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)


class Heaviside(Binary):
    """The step function: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``."""

    name, numpy = "heaviside", "np.heaviside({0}, {1})"
    inplace = "np.heaviside({0}, {1}, out={out})"

    def vjp(self, g: Node, out: Node, x1: Node, x2: Node) -> Sequence[Node | None]:
        # piecewise constant in x1 (0 also at the jump, as the rounding functions); x2 is the
        # value at x1 == 0 exactly
        return (None, where(equal(x1, 0), g, 0))


class PiecewiseConstant(Unary):
    """A rounding op: piecewise constant, so its derivative is 0 wherever it exists (as in JAX
    and PyTorch) and nothing flows back through it."""

    __slots__ = ()

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)


def _rounding_template(call: str) -> str:
    # math.floor/ceil/trunc and round give Python ints, and raise on inf and nan (which are their
    # own results); copysign turns the int back into a float with the sign of zero NumPy gives
    # (floor(-0.0), ceil(-0.5) and rint(-0.4) are -0.0)
    return f"(math.copysign({call}({{0}}), {{0}}) if math.isfinite({{0}}) else {{0}})"


class Floor(PiecewiseConstant):
    """The largest integer <= x (integer and boolean inputs keep their dtype, as in NumPy)."""

    name, numpy = "floor", "np.floor({0})"
    inplace = "np.floor({0}, out={out})"
    math = _rounding_template("math.floor")


class Ceil(PiecewiseConstant):
    """The smallest integer >= x."""

    name, numpy = "ceil", "np.ceil({0})"
    inplace = "np.ceil({0}, out={out})"
    math = _rounding_template("math.ceil")


class Trunc(PiecewiseConstant):
    """x rounded towards zero."""

    name, numpy = "trunc", "np.trunc({0})"
    inplace = "np.trunc({0}, out={out})"
    math = _rounding_template("math.trunc")


class Rint(PiecewiseConstant):
    """x rounded to the nearest integer, halves to even (integers give floats, as in NumPy)."""

    name, numpy = "rint", "np.rint({0})"
    inplace = "np.rint({0}, out={out})"
    math = _rounding_template("round")  # Python's round of a float: halves to even


class Round(PiecewiseConstant):
    """NumPy's round to ``decimals`` places (halves to even; negative ``decimals`` round to tens,
    hundreds, ...). It is piecewise constant: its derivative is 0 wherever it exists, as in
    JAX and PyTorch, and nothing flows back through it."""

    __slots__ = ("decimals",)
    name = "round"

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals

    def params(self) -> tuple[Any, ...]:
        return (self.decimals,)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.round({args[0]}, {self.decimals!r})"

    def text(self, args: Sequence[str]) -> str:
        return f"round({args[0]}, {self.decimals!r})" if self.decimals else f"round({args[0]})"


class FloorDivide(Binary):
    """The floor of a / b (Python's ``//``, NumPy's ``floor_divide``). Piecewise constant in
    both arguments: its derivative is 0 (as JAX's), and nothing flows back through it."""

    name, numpy, symbol, precedence = "floor_divide", "np.floor_divide({0}, {1})", "//", 20
    inplace = "np.floor_divide({0}, {1}, out={out})"
    # Python's float // is NumPy's algorithm (fmod, then correct the quotient); x // 0.0 raises
    # ZeroDivisionError, where the generated code falls back to NumPy's inf and nan
    math = "{0} // {1}"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        return (None, None)


# -- complex parts -------------------------------------------------------------------------------


class Conj(Unary):
    """The complex conjugate (built only for complex inputs; a real input is its own)."""

    name, numpy = "conj", "np.conj({0})"
    inplace = "np.conj({0}, out={out})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (conj(g),)


class Real(Unary):
    """The real part of a complex input (a real input is its own)."""

    name, numpy = "real", "np.real({0})"
    view = True  # the real part of a complex array, not a copy

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # the transpose of taking the real part: g + 0j (the convention of JAX's complex rules)
        return (astype(g, x.dtype),)


class Imag(Unary):
    """The imaginary part of a complex input (of a real input, zeros)."""

    name, numpy = "imag", "np.imag({0})"
    view = True  # the imaginary part of a complex array, not a copy

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (astype(g, x.dtype) * -1j,)  # the transpose of taking the imaginary part


# -- the public functions ----------------------------------------------------------------------------

_arcsin, _arccos, _arctan, _sinh, _cosh = Arcsin(), Arccos(), Arctan(), Sinh(), Cosh()
_arcsinh, _arccosh, _arctanh, _log2, _log10 = Arcsinh(), Arccosh(), Arctanh(), Log2(), Log10()
_exp2, _reciprocal, _cbrt, _deg2rad, _rad2deg = Exp2(), Reciprocal(), Cbrt(), Deg2rad(), Rad2deg()
_sinc = Sinc()
_floor, _ceil, _trunc, _rint, _floor_divide = Floor(), Ceil(), Trunc(), Rint(), FloorDivide()


def arcsin(x: Any) -> Node:
    """Inverse sine, elementwise: ``sd.arcsin(x)``; its derivative is infinite at ±1."""
    return _unary(_arcsin, x)


def arccos(x: Any) -> Node:
    """Inverse cosine, elementwise: ``sd.arccos(x)``; its derivative is infinite at ±1."""
    return _unary(_arccos, x)


def arctan(x: Any) -> Node:
    """Inverse tangent, elementwise: ``sd.arctan(x)``."""
    return _unary(_arctan, x)


def arctan2(x1: Any, x2: Any) -> Node:
    """The angle of the point (x2, x1), as NumPy: ``sd.arctan2(y, x)``; undefined slope at (0, 0)."""
    return _binary(Arctan2(), x1, x2)


def sinh(x: Any) -> Node:
    """Hyperbolic sine, elementwise: ``sd.sinh(x)``."""
    return _unary(_sinh, x)


def cosh(x: Any) -> Node:
    """Hyperbolic cosine, elementwise: ``sd.cosh(x)``."""
    return _unary(_cosh, x)


def arcsinh(x: Any) -> Node:
    """Inverse hyperbolic sine, elementwise: ``sd.arcsinh(x)``."""
    return _unary(_arcsinh, x)


def arccosh(x: Any) -> Node:
    """Inverse hyperbolic cosine (x >= 1), elementwise: ``sd.arccosh(x)``."""
    return _unary(_arccosh, x)


def arctanh(x: Any) -> Node:
    """Inverse hyperbolic tangent (|x| < 1), elementwise: ``sd.arctanh(x)``."""
    return _unary(_arctanh, x)


def log2(x: Any) -> Node:
    """Base-2 logarithm, elementwise: ``sd.log2(x)``."""
    return _unary(_log2, x)


def log10(x: Any) -> Node:
    """Base-10 logarithm, elementwise: ``sd.log10(x)``."""
    return _unary(_log10, x)


def exp2(x: Any) -> Node:
    """2**x, elementwise: ``sd.exp2(x)``."""
    return _unary(_exp2, x)


def square(x: Any) -> Node:
    """x**2, elementwise: ``sd.square(x)`` (the same node as ``x ** 2``)."""
    x = as_node(x)
    if x.dtype.kind == "b":
        x = astype(x, np.int8)  # np.square has no boolean loop: NumPy squares booleans as int8
    return power(x, 2)


def reciprocal(x: Any) -> Node:
    """1 / x, elementwise, as NumPy (integer inputs give integer results): ``sd.reciprocal(x)``."""
    return _unary(_reciprocal, x)


def cbrt(x: Any) -> Node:
    """The real cube root, elementwise: ``sd.cbrt(x)``; its slope at 0 is infinite."""
    return _unary(_cbrt, x)


def deg2rad(x: Any) -> Node:
    """Degrees to radians, elementwise: ``sd.deg2rad(x)``."""
    return _unary(_deg2rad, x)


def rad2deg(x: Any) -> Node:
    """Radians to degrees, elementwise: ``sd.rad2deg(x)``."""
    return _unary(_rad2deg, x)


def hypot(x1: Any, x2: Any) -> Node:
    """sqrt(x1**2 + x2**2) without overflow: ``sd.hypot(a, b)``; its gradient at (0, 0) is 0."""
    return _binary(Hypot(), x1, x2)


def fmax(x1: Any, x2: Any) -> Node:
    """Elementwise maximum ignoring NaN (the other argument where one is NaN):
    ``sd.fmax(a, b)``; on ties the gradient goes to ``x1``, where one is NaN to the other."""
    return _binary(Fmax(), x1, x2)


def fmin(x1: Any, x2: Any) -> Node:
    """Elementwise minimum ignoring NaN (the other argument where one is NaN):
    ``sd.fmin(a, b)``; on ties the gradient goes to ``x1``, where one is NaN to the other."""
    return _binary(Fmin(), x1, x2)


def copysign(x1: Any, x2: Any) -> Node:
    """The magnitude of x1 with the sign bit of x2: ``sd.copysign(a, -1.0)`` is ``-abs(a)``.

    Its derivative in x1 is ``sign(x1)`` times x2's sign (0 at x1 = 0, as abs); in x2 it is 0."""
    return _binary(Copysign(), x1, x2)


def heaviside(x1: Any, x2: Any) -> Node:
    """The step function, 0 for x1 < 0, x2 at x1 == 0, 1 for x1 > 0 (NaN at NaN):
    ``sd.heaviside(x, 0.5)``. Its derivative in x1 is 0 (also at the jump); in x2 it is 1
    where x1 == 0."""
    return _binary(Heaviside(), x1, x2)


def nextafter(x1: Any, x2: Any) -> Node:
    """The next floating-point value after x1 towards x2, elementwise: ``sd.nextafter(x, inf)``.
    Integer inputs give float64, as NumPy's; the derivative is 1 in x1 and 0 in x2."""
    return _binary(Nextafter(), x1, x2)


def ldexp(x1: Any, x2: Any) -> Node:
    """``x1 * 2**x2`` for an integer x2, computed exactly: ``sd.ldexp(x, 3)``. A float x2 is
    refused, as NumPy's (no loop for it)."""
    if type(x2) in (int, bool):  # an exponent, never a value of x1's dtype (ldexp(x, 4) of a
        # float32 x); True is 1, as NumPy casts a bool to its int exponent
        x2 = as_node(np.asarray(x2))
    return _binary(Ldexp(), x1, x2)


def signbit(x: Any) -> Node:
    """Whether the sign bit is set, elementwise (also of -0.0 and of a negative nan):
    ``sd.signbit(x)``, a boolean mask with no gradient. Complex input is refused, as NumPy's."""
    x = as_node(x)
    if x.dtype.kind == "c":
        raise DTypeError(f"signbit: complex input ({x.dtype}) has no sign bit, as in NumPy; "
                         "take real(x) or imag(x) first")
    if x.dtype.kind != "f":
        return less(x, 0)
    return less(copysign(1, x), 0)  # copysign reads the bit itself, also of -0.0 and nan


def angle(z: Any, deg: bool = False) -> Node:
    """The angle of the complex argument, ``arctan2(imag(z), real(z))``, in radians, or degrees
    with ``deg=True``: ``sd.angle(z)``. Of a real input, 0 or pi, as NumPy's."""
    if not isinstance(deg, (bool, np.bool_)):
        raise TypeError(f"angle: deg must be True or False, got {deg!r}")
    z = as_node(z)
    a = arctan2(imag(z), real(z)) if z.dtype.kind == "c" else arctan2(0, z)
    return a * (180 / math.pi) if deg else a


def isclose(a: Any, b: Any, rtol: Any = 1e-05, atol: Any = 1e-08, equal_nan: bool = False) -> Node:
    """Whether ``|a - b| <= atol + rtol * |b|`` elementwise, as NumPy's (inf equals only inf of
    its sign; nan equals nan with ``equal_nan=True``): ``sd.isclose(x, y)``, a boolean mask."""
    return _isclose("isclose", a, b, rtol, atol, equal_nan)


def _isclose(name: str, a: Any, b: Any, rtol: Any, atol: Any, equal_nan: bool) -> Node:
    """``isclose``, its errors naming ``name`` (``allclose`` is built on it)."""
    if not isinstance(equal_nan, (bool, np.bool_)):
        raise TypeError(f"{name}: equal_nan must be True or False, got {equal_nan!r}")
    x, y = (v if is_python_scalar(v) else as_node(v) for v in (a, b))
    broadcast_shapes(name, *(v.shape for v in (x, y) if isinstance(v, Node)))
    tolerances = [t if is_python_scalar(t) else as_node(t) for t in (rtol, atol)]
    # NumPy compares with b in a float dtype at least (an int b as float64)
    if isinstance(y, Node):
        y = astype(y, np.result_type(y.dtype, 1.0))
    elif isinstance(y, (bool, int)):
        y = float(y)
    if not isinstance(x, Node) and not isinstance(y, Node):
        x = as_node(x)
    rtol, atol = tolerances
    close = logical_and(less_equal(_abs(x - y), atol + rtol * _abs(y)), isfinite(y))
    result = logical_or(close, equal(x, y))
    if equal_nan:
        result = logical_or(result, logical_and(isnan(x), isnan(y)))
    return result


def _as_float(name: str, ufunc: Any, x: Any) -> Node:
    """``x`` in the float dtype NumPy's float-only ``ufunc`` computes it in (int8 and booleans as
    float16, int64 as float64, floats as they are); complex input is refused, as NumPy's."""
    node = as_node(x)
    if node.dtype.kind == "c":
        raise DTypeError(f"{name}: complex input ({node.dtype}) is not supported, as in NumPy; "
                         "take real(x), imag(x) or abs(x) first")
    if node.dtype.kind not in "biuf":
        raise DTypeError(f"{name}: expected numbers, got dtype {node.dtype}")
    out = ufunc(np.zeros(0, node.dtype))
    return astype(node, (out[0] if isinstance(out, tuple) else out).dtype)


def fabs(x: Any) -> Node:
    """The absolute value as a float, elementwise, as NumPy's: ``sd.fabs(n)`` of an int64 ``n``
    is float64; complex input is refused (use ``abs``). Its derivative is ``sign(x)``."""
    return _abs(_as_float("fabs", np.fabs, x))


def spacing(x: Any) -> Node:
    """The distance from x to the next float of larger magnitude, elementwise, as NumPy's
    (negative for negative x, positive at -0.0, nan at inf; float16 steps up from every x, as
    NumPy's float16 loop does): ``sd.spacing(x)``, the unit in the last place. Its derivative
    is 0."""
    y = _as_float("spacing", np.spacing, x)
    inf = const(np.inf, y.dtype)
    # NumPy's float16 loop steps towards +inf from every x (a positive spacing, also of -128.0)
    step = nextafter(y, inf if y.dtype == np.float16 else where(less(y, 0), -inf, inf)) - y
    return where(isinf(y), const(np.nan, y.dtype), step)  # inf - inf would be a negative NaN


def modf(x: Any) -> tuple[Node, Node]:
    """The fractional and integral parts, ``(x - trunc(x), trunc(x))``, both with the sign of x
    (``modf(-3.0)`` is ``(-0.0, -3.0)``, ``modf(inf)`` is ``(0.0, inf)``), as NumPy's:
    ``frac, whole = sd.modf(x)``. The fractional part has derivative 1 (0 at the integers,
    where it jumps), the integral part 0."""
    y = _as_float("modf", np.modf, x)
    whole = trunc(y)
    frac = y - whole
    return where(logical_or(isinf(y), equal(frac, 0)), copysign(0.0, y), frac), whole


def frexp(x: Any) -> tuple[Node, Node]:
    """The mantissa and exponent, ``x == m * 2**e`` with ``0.5 <= |m| < 1`` (``m`` is x and e
    is 0 for 0, inf and nan), as NumPy's: ``m, e = sd.frexp(x)``, e an int32. Both exact: e is
    NumPy's own, and ``m`` is ``ldexp(x, -e)``, so its derivative is ``2**-e`` (e has none)."""
    y = _as_float("frexp", np.frexp, x)
    e = Node(FrexpExponent(), (y,))
    return ldexp(y, negative(e)), e


def _no_complex(name: str, x: Node) -> None:
    if x.dtype.kind == "c":
        raise DTypeError(f"{name}: complex input ({x.dtype}) is ambiguous (which part?), as in "
                         "NumPy; test real(x) or imag(x)")


def isposinf(x: Any, out: Any = None) -> Node:
    """Where x is +inf, a boolean mask, as NumPy's: ``sd.isposinf(x)`` (all false for integers;
    complex input is refused)."""
    no_out("isposinf", out)
    node = as_node(x)
    _no_complex("isposinf", node)
    return equal(node, math.inf)


def isneginf(x: Any, out: Any = None) -> Node:
    """Where x is -inf, a boolean mask, as NumPy's: ``sd.isneginf(x)`` (all false for integers;
    complex input is refused)."""
    no_out("isneginf", out)
    node = as_node(x)
    _no_complex("isneginf", node)
    return equal(node, -math.inf)


def isreal(x: Any) -> Node:
    """Where the imaginary part is 0, a boolean mask, as NumPy's (all true for real input):
    ``sd.isreal(z)``."""
    return equal(imag(x), 0)


def iscomplex(x: Any) -> Node:
    """Where the imaginary part is not 0, a boolean mask, as NumPy's (all false for real input):
    ``sd.iscomplex(z)``."""
    return not_equal(imag(x), 0)


def nan_to_num(x: Any, copy: bool = True, nan: Any = 0.0, posinf: Any = None,
               neginf: Any = None) -> Node:
    """x with NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (by default the
    largest and the most negative finite value of x's dtype), in x's dtype, as NumPy's:
    ``sd.nan_to_num(x)``. Complex parts are replaced each on its own; integers are returned as
    they are. The gradient passes where x is finite and is 0 where a value was replaced.
    ``copy`` is accepted for NumPy's signature: an expression is never changed in place."""
    if not isinstance(copy, (bool, np.bool_)):
        raise TypeError(f"nan_to_num: copy must be True or False, got {copy!r}")
    node = as_node(x)
    if node.dtype.kind in "biu":
        return node
    if node.dtype.kind == "c":
        return (nan_to_num(real(node), copy, nan, posinf, neginf)
                + 1j * nan_to_num(imag(node), copy, nan, posinf, neginf))
    if node.dtype.kind != "f":
        raise DTypeError(f"nan_to_num: expected numbers, got dtype {node.dtype}")
    info = np.finfo(node.dtype)
    result = node
    for value, default, where_ in ((neginf, info.min, equal(node, -math.inf)),
                                   (posinf, info.max, equal(node, math.inf)),
                                   (nan, None, isnan(node))):
        value = default if value is None else value
        if isinstance(value, Node):
            value = astype(value, node.dtype)
        else:
            if np.iscomplexobj(value):
                raise TypeError(f"nan_to_num: a complex replacement {value!r} for a real "
                                f"{node.dtype} array, as NumPy refuses")
            with np.errstate(over="ignore"):  # 1e300 in float32 is inf, as NumPy's copy gives
                value = const(np.asarray(value).astype(node.dtype))
        result = where(where_, value, result)
    return result


def float_power(x1: Any, x2: Any) -> Node:
    """x1 ** x2 computed in at least float64 (complex128 for complex), as ``np.float_power``:
    ``sd.float_power(2, -1)`` is 0.5 where an integer power would be refused."""
    # NumPy's loops are float64 and complex128 only: a Python number joins one of them, never
    # the integer dtype of the array beside it (float_power(u8, -1) is fine)
    if isinstance(x1, Node) and is_python_scalar(x2):
        x2 = const(x2, np.result_type(x1.dtype, x2, np.float64))
    elif isinstance(x2, Node) and is_python_scalar(x1):
        x1 = const(x1, np.result_type(x2.dtype, x1, np.float64))
    a, b = as_nodes(x1, x2, name="float_power")
    broadcast_shapes("float_power", a.shape, b.shape)  # so that a mismatch names float_power
    dt = np.result_type(a.dtype, b.dtype, np.float64)
    if dt.kind not in "fc":
        raise TypeError(f"float_power: no power of {a.dtype} and {b.dtype} as NumPy's float_power")
    return power(astype(a, dt), astype(b, dt))


def positive(x: Any) -> Node:
    """``+x``, the values themselves, as ``np.positive`` (refused for booleans, as NumPy does)."""
    node = as_node(x)
    if node.dtype.kind == "b":
        raise TypeError("positive: booleans have no unary plus in NumPy; use astype(x, 'int64') "
                        "for numbers")
    return node


def logaddexp(x1: Any, x2: Any) -> Node:
    """log(exp(x1) + exp(x2)) without overflow: ``sd.logaddexp(a, b)``."""
    return _binary(LogAddExp(), x1, x2)


def logaddexp2(x1: Any, x2: Any) -> Node:
    """log2(2**x1 + 2**x2) without overflow: ``sd.logaddexp2(a, b)``."""
    return _binary(LogAddExp2(), x1, x2)


def mod(x1: Any, x2: Any) -> Node:
    """The remainder of x1 / x2 with the sign of x2 (Python's %): ``sd.mod(a, 2.0)``.

    It jumps where x1 is a multiple of x2; there the derivative is that of the piece the result
    lies on (d/dx1 = 1, d/dx2 = -quotient)."""
    return _binary(Mod(), x1, x2)


def divmod(x1: Any, x2: Any) -> tuple[Node, Node]:  # noqa: A001 - NumPy's name
    """The pair ``(floor_divide(x1, x2), mod(x1, x2))``, as ``np.divmod`` and Python's
    ``divmod(a, b)`` of expressions.

    >>> q, r = sd.divmod(sd.var("x"), 3.0); q, r
    (x // 3.0, x % 3.0)
    >>> sd.evaluate([q, r], {"x": 7.5})
    [array(2.), array(1.5)]
    """
    broadcast_shapes("divmod", *(as_node(v).shape for v in (x1, x2)))
    return floor_divide(x1, x2), mod(x1, x2)


def fmod(x1: Any, x2: Any) -> Node:
    """The remainder of x1 / x2 with the sign of x1 (C's fmod): ``sd.fmod(a, 2.0)``.

    It jumps where x1 is a non-zero multiple of x2; there the derivative is that of the piece the
    result lies on (d/dx1 = 1, d/dx2 = -quotient)."""
    return _binary(Fmod(), x1, x2)


def clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *,
         min: Any = None, max: Any = None) -> Node:  # noqa: A002 - NumPy's names
    """``a`` limited to ``[a_min, a_max]`` (either may be None): ``sd.clip(x, 0.0, 1.0)``.

    On a bound (a == a_min or a == a_max) the gradient goes to ``a``; a bound receives it only
    where it is strictly active. ``min``/``max`` are NumPy 2's aliases of ``a_min``/``a_max``."""
    no_out("clip", out)
    if min is not None:
        if a_min is not None:
            raise TypeError("clip: give a_min or min, not both")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise TypeError("clip: give a_max or max, not both")
        a_max = max
    a_min, a_max = _clip_bounds(a, a_min, a_max)
    given = [v for v in (a_min, a_max) if v is not None]
    nodes = as_nodes(a, *given, name="clip")
    if not given:
        return nodes[0]
    return Node(Clip(a_min is not None, a_max is not None), tuple(nodes))


def _clip_bounds(a: Any, a_min: Any, a_max: Any) -> tuple[Any, Any]:
    """The bounds of ``clip`` as NumPy 2 takes them: a Python int below the range of the
    integer dtype the arrays clip in (above it, for ``a_max``) limits nothing and is dropped,
    so ``clip(u8, -1, 3)`` is ``clip(u8, None, 3)``; one beyond the range on the other side
    stays, and is refused as any int the dtype cannot hold."""
    arrays = [v for v in (a, a_min, a_max) if isinstance(v, (Node, np.ndarray, np.generic))]
    if not arrays:
        return a_min, a_max
    dtype = np.result_type(*(v.dtype for v in arrays))
    if dtype.kind not in "iu":
        return a_min, a_max
    info = np.iinfo(dtype)
    if type(a_min) is int and a_min < info.min:
        a_min = None
    if type(a_max) is int and a_max > info.max:
        a_max = None
    return a_min, a_max


def round(a: Any, decimals: int = 0, out: Any = None) -> Node:  # noqa: A001 - NumPy's name
    """``a`` rounded to ``decimals`` places, halves to even as NumPy: ``sd.round(x, 2)``.

    Its derivative is 0 (it is piecewise constant)."""
    no_out("round", out)
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an int, got {decimals!r}")
    return _unary(Round(int(decimals)), a)


def floor(x: Any) -> Node:
    """The largest integer <= x, elementwise, as NumPy: ``sd.floor(x)``; its derivative is 0.

    Integer and boolean inputs keep their dtype (NumPy 2)."""
    return _unary(_floor, x)


def ceil(x: Any) -> Node:
    """The smallest integer >= x, elementwise, as NumPy: ``sd.ceil(x)``; its derivative is 0."""
    return _unary(_ceil, x)


def trunc(x: Any) -> Node:
    """x rounded towards zero, elementwise, as NumPy: ``sd.trunc(x)``; its derivative is 0."""
    return _unary(_trunc, x)


def rint(x: Any) -> Node:
    """x rounded to the nearest integer, halves to even, as NumPy: ``sd.rint(x)``.

    Its derivative is 0; integer inputs give floats, as in NumPy."""
    return _unary(_rint, x)


def floor_divide(x1: Any, x2: Any) -> Node:
    """The floor of x1 / x2 (Python's ``//``) with broadcasting, as NumPy: ``sd.floor_divide(a, 2.0)``.

    Its derivative is 0 (it is piecewise constant). Division by zero gives NumPy's results:
    inf or nan for floats, 0 for integers."""
    return _binary(_floor_divide, x1, x2)


def conj(x: Any) -> Node:
    """The complex conjugate, elementwise; a real input is returned as it is (booleans as int8,
    as NumPy's, which has no boolean loop for it): ``sd.conj(z)``."""
    x = as_node(x)
    if x.dtype.kind == "b":
        return astype(x, np.int8)
    return Node(Conj(), (x,)) if x.dtype.kind == "c" else x


def conjugate(x: Any) -> Node:
    """The complex conjugate (NumPy's other name for ``conj``): ``sd.conjugate(z)``."""
    return conj(x)


def real(val: Any) -> Node:
    """The real part, elementwise; a real input is returned as it is: ``sd.real(z)``."""
    x = as_node(val)
    return Node(Real(), (x,)) if x.dtype.kind == "c" else x


def cotangent_as(g: Node, dtype: np.dtype) -> Node:
    """Cotangent ``g`` in ``dtype``. A complex one bound for a real dtype keeps its real part:
    the transpose of a real value's inclusion into the complex numbers (as in JAX), said
    explicitly rather than left to a cast that discards the imaginary part with a warning."""
    if g.dtype.kind == "c" and dtype.kind != "c":
        g = real(g)
    return g if g.dtype == dtype else astype(g, dtype)


def imag(val: Any) -> Node:
    """The imaginary part, elementwise; of a real input, zeros of its dtype: ``sd.imag(z)``."""
    x = as_node(val)
    return Node(Imag(), (x,)) if x.dtype.kind == "c" else zeros_like(x)  # 0 also where x is inf


def sinc(x: Any) -> Node:
    """The normalized sinc, sin(pi x) / (pi x) and 1 at 0, as NumPy: ``sd.sinc(x)``."""
    return _unary(_sinc, x)


def sinc_derivative(x: Any, n: int) -> Node:
    """The ``n``-th derivative of ``sinc`` at ``x`` (accurate near 0 too), as printed in
    derivative graphs: ``sinc_derivative(x, 1)``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"sinc_derivative: the order must be a positive int, got {n!r}")
    return Node(SincDerivative(int(n)), (as_node(x),))


__all__ = [
    "angle", "fabs", "frexp", "iscomplex", "isclose", "isneginf", "isposinf", "isreal", "ldexp", "modf",
    "nan_to_num", "nextafter", "signbit", "spacing",
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "cbrt", "ceil",
    "clip", "conj", "conjugate", "cosh", "deg2rad", "exp2", "floor", "floor_divide", "fmod",
    "hypot", "imag", "log10", "log2", "logaddexp", "logaddexp2", "mod", "rad2deg", "real",
    "reciprocal", "rint", "round", "sinc", "sinc_derivative", "sinh", "square", "trunc",
]
