"""Elementwise ops: NumPy ufuncs with broadcasting, each with its derivative beside it.

Non-smooth points follow the usual conventions: relu'(0) = 0, abs'(0) = 0, sign' = 0,
``maximum``/``minimum`` route the gradient to the first argument on ties.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..errors import DTypeError
from ..ir import Dim, Node, Op, Type
from .base import (
    NEEDED, as_node, as_nodes, broadcast_shapes, check_casting, check_device, check_order, const, const_value,
    dtype_by_running, fits_numpy_int, helper, numeric_dtype,
)


_CONSTANT_NAMES = frozenset({"inf", "nan"})  # the parser's float constants that print by name


_LITERAL = re.compile(r"(\d[\d.]*(e[+-]?\d+)?j?|inf|nan|complex\(.*\))")


def _reads_as_literal(text: str) -> bool:
    """Whether ``-text`` reads back as one number literal (``-1.0``, ``-inf``,
    ``-complex(1.0, 2.0)``), not a negation: only when ``text`` is a literal itself."""
    body = text[1:] if text.startswith("-") else text
    return _LITERAL.fullmatch(body) is not None and (not body.startswith("complex(")
                                                     or body.count("(") == 1)
UNARY_PRECEDENCE = 30  # unary minus: binds tighter than * and looser than **


class Printed(str):
    """Printed text of a sub-expression, remembering how tightly it binds."""

    prec: int

    def __new__(cls, text: str, prec: int) -> Printed:
        s = super().__new__(cls, text)
        s.prec = prec
        return s


def wrap(arg: str, prec: int, strict: bool = False) -> str:
    """Parenthesize ``arg`` when it binds looser than ``prec`` (or equally, when ``strict``)."""
    p = getattr(arg, "prec", 100)
    return f"({arg})" if p < prec or (strict and p == prec) else str(arg)


class Elementwise(Op):
    """A NumPy ufunc-like op: shapes broadcast, the dtype is whatever NumPy gives."""

    __slots__ = ()
    elementwise = True
    numpy: ClassVar[str] = ""  # a format string over the argument expressions {0}, {1}, ...
    # The same ufunc call writing into an existing array {out} (the code generator reuses dead
    # buffers with it); empty when the template is not a single ufunc call.
    inplace: ClassVar[str] = ""
    # The operation on Python floats (the scalar fast path); empty when there is none. Errors
    # (OverflowError, ZeroDivisionError, math domain errors) make generated code fall back to NumPy.
    math: ClassVar[str] = ""

    def infer(self, *types: Type) -> Type:
        shape = broadcast_shapes(self.name, *(t.shape for t in types))
        return Type(dtype_by_running(self, types), shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return self.numpy.format(*args)

    def emit_scalar(self, args: Sequence[str]) -> str | None:
        return self.math.format(*args) if self.math else None


class Unary(Elementwise):
    __slots__ = ()
    # "odd" where f(-x) is -f(x) for every real x, "even" where it is f(x) (the rewriter
    # cancels the negations: -sin(-x) is sin(x), cos(-x) is cos(x))
    parity: ClassVar[str] = ""


class Binary(Elementwise):
    __slots__ = ()
    symbol: ClassVar[str] = ""  # infix operator for printing, if any
    chains: ClassVar[bool] = False  # Python reads a < b < c as a chain, not (a < b) < c

    def text(self, args: Sequence[str]) -> str:
        if not self.symbol:
            return super().text(args)
        # An operand that binds as tightly as the operator is parenthesized on the side
        # Python would not group it by itself, so the text reads back as this very graph:
        # a - (b + c), a * (b @ c), a + (b + c) and (a ** b) ** c keep their parentheses.
        # The exponent of ** may itself be a unary minus (a ** -b), as Python's grammar allows.
        right_assoc = self.name == "pow"
        a = wrap(args[0], self.precedence, strict=right_assoc or self.chains)
        b = wrap(args[1], UNARY_PRECEDENCE if right_assoc else self.precedence, strict=not right_assoc)
        return f"{a} {self.symbol} {b}"


def _unary(op: Op, x: Any) -> Node:
    return Node(op, (x if isinstance(x, Node) else as_node(x),))


def _binary(op: Op, a: Any, b: Any) -> Node:
    if isinstance(a, Node) and isinstance(b, Node):
        return Node(op, (a, b))  # the common case (every op inside a derivative graph)
    if isinstance(op, Compare):
        beyond = _compare_beyond_integers(op, a, b)
        if beyond is not None:
            return beyond
    a, b = _int_beyond_range(op, a, b), _int_beyond_range(op, b, a)
    # NumPy compares with, and true-divides by, a Python int beyond the array's integer range
    exact = isinstance(op, (Div, Compare, Logical))
    return Node(op, tuple(as_nodes(a, b, exact_ints=exact, name=op.name)))


def _compare_beyond_integers(op: Op, a: Any, b: Any) -> Node | None:
    """An integer array compared with a Python int no integer dtype holds (``x == 2**64``):
    NumPy compares exactly, and the answer is the same for every element (False here). No
    constant holds the int, so this is the comparison of ``x`` with its dtype's bound that has
    that answer (``x > 255`` for a uint8 ``x``); None for any other pair of operands."""
    for value, x in ((b, a), (a, b)):
        if type(value) is not int or not isinstance(x, Node) or x.dtype.kind not in "iu" \
                or fits_numpy_int(value):
            continue
        zero = np.zeros((), x.dtype)
        holds = bool(getattr(np, op.name)(*((zero, value) if x is a else (value, zero))))
        info = np.iinfo(x.dtype)
        if value > 0:
            return less_equal(x, info.max) if holds else greater(x, info.max)
        return greater_equal(x, info.min) if holds else less(x, info.min)
    return None


def _int_beyond_range(op: Op, value: Any, other: Any) -> Any:
    """A Python int beyond the integer dtype of the array beside it, as NumPy converts it for an
    op it computes in floats only (arctan2, hypot, logaddexp of uint8 and -1 or 300 run in
    float16): a constant of that float dtype. Any other value is returned as it is."""
    if type(value) is not int or not isinstance(other, Node) or other.dtype.kind not in "iu":
        return value
    info = np.iinfo(other.dtype)
    if info.min <= value <= info.max:
        return value
    computed = dtype_by_running(op, (other.type, other.type))
    return const(np.asarray(value, dtype=computed)) if computed.kind in "fc" else value


# -- arithmetic ----------------------------------------------------------------------------------


class Neg(Unary):
    name, numpy, precedence = "neg", "-{0}", UNARY_PRECEDENCE
    inplace = "np.negative({0}, out={out})"
    math = "-{0}"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (-g,)

    def text(self, args: Sequence[str]) -> str:
        if _reads_as_literal(args[0]):
            # -1.0 and -inf read back as the literals -1.0 and -inf, constants; the negation of
            # a constant keeps its own form
            return f"negative({args[0]})"
        return f"-{wrap(args[0], self.precedence)}"


class Add(Binary):
    name, numpy, symbol, precedence = "add", "{0} + {1}", "+", 10
    inplace = "np.add({0}, {1}, out={out})"
    math = "{0} + {1}"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        return (g, g)  # the add gate distributes


class Sub(Binary):
    name, numpy, symbol, precedence = "sub", "{0} - {1}", "-", 10
    inplace = "np.subtract({0}, {1}, out={out})"
    math = "{0} - {1}"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        return (g, -g)


class Mul(Binary):
    name, numpy, symbol, precedence = "mul", "{0} * {1}", "*", 20
    inplace = "np.multiply({0}, {1}, out={out})"
    math = "{0} * {1}"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        return (g * b, g * a)  # the mul gate switches


class Div(Binary):
    name, numpy, symbol, precedence = "div", "{0} / {1}", "/", 20
    inplace = "np.divide({0}, {1}, out={out})"
    math = "{0} / {1}"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        ga = g / b
        return (ga, -(ga * out))


class Pow(Binary):
    name, numpy, symbol, precedence = "pow", "{0} ** {1}", "**", 40
    math = "math.pow({0}, {1})"

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        # The ** operator takes an array to a Python number's power 0.5 as np.sqrt (NumPy's
        # fast path), which a float16 or complex power does not match: sqrt(-inf) is nan where
        # np.power, as the evaluator computes the power (its exponent a NumPy scalar), gives
        # inf. Such an exponent is written np.power; others keep the operator, whose fast paths
        # (x ** 2.0 as np.square, x ** -1.0 as np.reciprocal) give np.power's numbers, faster.
        a, b = args
        return f"np.power({a}, {b})" if "0.5" in b else f"{a} ** {b}"

    def emit_scalar(self, args: Sequence[str]) -> str | None:
        # NumPy takes a 0-d array to the power 0.5 as its square root, which differs from C's
        # pow at -inf (nan, not inf) and at -0.0 (-0.0, not 0.0); math.sqrt raises where NumPy
        # gives nan, so the generated code falls back to NumPy there
        a, b = args
        if b == "0.5":
            return f"math.sqrt({a})"
        if b.isidentifier():  # a value known only when the function runs
            return f"(math.sqrt({a}) if {b} == 0.5 else math.pow({a}, {b}))"
        return self.math.format(a, b)

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        p = const_value(b)
        # d(a**0)/da is 0 everywhere, also at a == 0 where b * a**(b-1) would be 0 * inf
        da: Node | None
        if p is not None and p.ndim == 0:
            pm1 = p - 1
            if p == 0:
                da = None
            else:
                da = b if pm1 == 0 else b * (a if pm1 == 1 else a ** const(pm1.astype(b.dtype)))
        else:
            da = where(equal(b, 0), 0, b * a ** (b - 1))
        # d(a**b)/db = log(a) * a**b; where a == 0 the limit is 0 for b > 0. A real base of a
        # complex power is raised as a complex number (a negative one too), so its log is too
        base = astype(a, out.dtype) if out.dtype.kind == "c" and a.dtype.kind != "c" else a
        return (None if da is None else g * da, g * (log(where(equal(base, 0), 1, base)) * out))


class Maximum(Binary):
    name, numpy = "maximum", "np.maximum({0}, {1})"
    inplace = "np.maximum({0}, {1}, out={out})"
    # NumPy's loop gives the second argument on ties, which tells 0.0 from -0.0
    math = "({0} if {0} > {1} or {0} != {0} else {1})"

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        pick_a = a >= b  # ties route to the first argument
        return (where(pick_a, g, 0), where(pick_a, 0, g))


class Minimum(Binary):
    name, numpy = "minimum", "np.minimum({0}, {1})"
    inplace = "np.minimum({0}, {1}, out={out})"
    math = "({0} if {0} < {1} or {0} != {0} else {1})"  # the second on ties, as NumPy

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        pick_a = a <= b
        return (where(pick_a, g, 0), where(pick_a, 0, g))


# -- elementary functions --------------------------------------------------------------------------


class Exp(Unary):
    name, numpy = "exp", "np.exp({0})"
    inplace = "np.exp({0}, out={out})"
    math = "math.exp({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * out,)


class Log(Unary):
    name, numpy = "log", "np.log({0})"
    inplace = "np.log({0}, out={out})"
    math = "math.log({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g / x,)


class Log1p(Unary):
    name, numpy = "log1p", "np.log1p({0})"
    inplace = "np.log1p({0}, out={out})"
    math = "math.log1p({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g / (1 + x),)


class Expm1(Unary):
    name, numpy = "expm1", "np.expm1({0})"
    inplace = "np.expm1({0}, out={out})"
    math = "math.expm1({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # exp(x), not expm1(x) + 1, which keeps no digit of exp(x) once expm1(x) is near -1
        # (at x = -30 it was 1.7e-4 off, at x = -40 zero)
        return (g * exp(x),)


class Sqrt(Unary):
    name, numpy = "sqrt", "np.sqrt({0})"
    inplace = "np.sqrt({0}, out={out})"
    math = "math.sqrt({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * 0.5 / out,)


class Sin(Unary):
    name, numpy = "sin", "np.sin({0})"
    parity = "odd"
    inplace = "np.sin({0}, out={out})"
    math = "math.sin({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * cos(x),)


class Cos(Unary):
    name, numpy = "cos", "np.cos({0})"
    parity = "even"
    inplace = "np.cos({0}, out={out})"
    math = "math.cos({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (-(g * sin(x)),)


class Tan(Unary):
    name, numpy = "tan", "np.tan({0})"
    parity = "odd"
    inplace = "np.tan({0}, out={out})"
    math = "math.tan({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * (1 + out * out),)


class Tanh(Unary):
    name, numpy = "tanh", "np.tanh({0})"
    parity = "odd"
    inplace = "np.tanh({0}, out={out})"
    math = "math.tanh({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * self.slope(x, out),)

    @staticmethod
    def slope(x: Node, out: Node) -> Node:
        """tanh'(x) as 1 - tanh(x)**2, on the forward node. Its relative error grows in the
        tails (0 past |x| = 19 in float64, where the true value is near 4 exp(-2|x|), though
        its absolute error stays below an ulp of 1); a form exact there, 4 s(2x) s(-2x), would
        compute two more exponentials per element in every gradient through tanh and make
        derivative graphs of tanh a quarter larger."""
        return 1 - out * out


@helper
def exp_float(x):  # type: ignore[no-untyped-def]
    # An integer or boolean array as the float dtype np.exp gives it (int8 to half precision,
    # int64 to double): negating it, or shifting it by its maximum, must not wrap around
    # (uint8 -3 is 253, 3 - 200 is 59).
    x = np.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(np.exp(np.zeros(0, x.dtype)).dtype)


@helper
def sigmoid_kernel(x):  # type: ignore[no-untyped-def]
    # exact in both tails: for very negative x, exp(-x) overflows to inf and 1/inf is 0
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-exp_float(x)))


class Sigmoid(Unary):
    name, numpy = "sigmoid", "sigmoid_kernel({0})"
    math = "1.0 / (1.0 + math.exp(-{0}))"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * self.slope(x, out),)

    @staticmethod
    def slope(x: Node, out: Node) -> Node:
        """sigmoid'(x) as s(x) s(-x): 1 - s(x) cancels to 0 once s(x) rounds to 1 (x > 37 in
        float64), where s(-x) keeps every digit. The sigmoid of -(-y) is that of y, and both
        slopes are the one product s(y) * s(-y), so the derivatives of every order hold the two
        sigmoids s(y) and s(-y) alone."""
        if isinstance(x.op, Neg):
            return sigmoid_of_opposite(x) * out
        return out * sigmoid_of_opposite(x)


def sigmoid_of_opposite(x: Node) -> Node:
    """s(-x), which is 1 - s(x) without its cancellation; of x = -y, the node s(y) itself."""
    return sigmoid(x.inputs[0]) if isinstance(x.op, Neg) else sigmoid(negative(x))


class Relu(Unary):
    name, numpy = "relu", "np.maximum({0}, 0)"
    inplace = "np.maximum({0}, 0, out={out})"
    math = "({0} if {0} > 0.0 or {0} != {0} else 0.0)"  # relu(-0.0) is 0.0, as np.maximum's

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        # relu'(0) = 0; testing the output (out > 0 exactly when x > 0, nan included) lets the
        # pre-activation be freed (or overwritten) as soon as relu has run
        return (where(out > 0, g, 0),)


class Softplus(Unary):
    name, numpy = "softplus", "np.logaddexp(0, {0})"
    inplace = "np.logaddexp(0, {0}, out={out})"
    math = "(max({0}, 0.0) + math.log1p(math.exp(-abs({0}))))"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * sigmoid(x),)


@helper
def logcosh_kernel(x):  # type: ignore[no-untyped-def]
    # log(cosh(x)) for real x, finite wherever the value is. Below |x| = 1 it is
    # log1p(2 sinh(|x|/2)**2), cosh(x) - 1 kept whole (log(cosh(x)) itself is 0 at x = 1e-8,
    # where the value is 5e-17); above, |x| - log 2 + log1p(exp(-2|x|)), which cosh's overflow
    # past |x| = 710 never reaches. Each branch reads |x| clipped to its side of 1, so neither
    # overflows where it is not taken. float16 computes in float32 and rounds once.
    x = exp_float(x)
    a = np.abs(x.astype(np.float32) if x.dtype == np.float16 else x)
    half = np.sinh(np.minimum(a, 1) * 0.5)
    big = np.maximum(a, 1)
    out = np.where(a < 1, np.log1p(2 * (half * half)), (big - math.log(2)) + np.log1p(np.exp(-2 * big)))
    return out.astype(x.dtype, copy=False)


class LogCosh(Unary):
    """log(cosh(x)) of real x (the log-cosh loss), finite past |x| = 710 where cosh overflows;
    its derivative is tanh(x)."""

    name, numpy = "logcosh", "logcosh_kernel({0})"
    parity = "even"
    math = ("(math.log1p(2.0 * math.sinh(0.5 * abs({0})) ** 2) if abs({0}) < 1.0"
            " else abs({0}) - 0.6931471805599453 + math.log1p(math.exp(-2.0 * abs({0}))))")

    def infer(self, x: Type) -> Type:
        if x.dtype.kind == "c":
            raise DTypeError(f"logcosh is defined here for real inputs only, got {x.dtype}")
        return super().infer(x)

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (g * tanh(x),)


class Abs(Unary):
    name, numpy = "abs", "np.abs({0})"
    inplace = "np.abs({0}, out={out})"
    math = "abs({0})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        if x.dtype.kind == "c":
            # d|z| = Re(conj(z) dz) / |z|: the cotangent is g * conj(z) / |z| (complex
            # cotangents follow JAX's convention: holomorphic ops multiply by f'(z))
            from .numeric import conj

            return (g * conj(sign(x)),)
        return (g * sign(x),)  # abs'(0) = sign(0) = 0


class Sign(Unary):
    name, numpy = "sign", "np.sign({0})"
    inplace = "np.sign({0}, out={out})"

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        if x.dtype.kind != "c":
            return (None,)  # piecewise constant
        # sign(z) = z / |z| moves with z: d sign = (dz - Re(conj(s) dz) s) / |z|, whose
        # transpose is (g - Re(g s) conj(s)) / |z|; 0 at z = 0, as for real inputs
        from .numeric import conj, real

        s = sign(x)
        a = abs(x)
        zero = equal(a, 0)
        return (where(zero, 0, (g - real(g * s) * conj(s)) / where(zero, 1, a)),)


# -- comparisons, selection, casts ----------------------------------------------------------------


class Compare(Binary):
    __slots__ = ()
    precedence = 5
    chains = True

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        return (None, None)


class Less(Compare):
    name, numpy, symbol = "less", "{0} < {1}", "<"
    math = "{0} < {1}"


class LessEqual(Compare):
    name, numpy, symbol = "less_equal", "{0} <= {1}", "<="
    math = "{0} <= {1}"


class Greater(Compare):
    name, numpy, symbol = "greater", "{0} > {1}", ">"
    math = "{0} > {1}"


class GreaterEqual(Compare):
    name, numpy, symbol = "greater_equal", "{0} >= {1}", ">="
    math = "{0} >= {1}"


class Equal(Compare):
    name, numpy, symbol = "equal", "{0} == {1}", "=="
    math = "{0} == {1}"


class NotEqual(Compare):
    name, numpy, symbol = "not_equal", "{0} != {1}", "!="
    math = "{0} != {1}"


class Logical(Binary):
    """A logical connective, as NumPy's: nonzero is true; the result is a boolean mask."""

    __slots__ = ()

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        return (None, None)


class LogicalAnd(Logical):
    name, numpy = "logical_and", "np.logical_and({0}, {1})"
    math = "(bool({0}) and bool({1}))"


class LogicalOr(Logical):
    name, numpy = "logical_or", "np.logical_or({0}, {1})"
    math = "(bool({0}) or bool({1}))"


class LogicalXor(Logical):
    name, numpy = "logical_xor", "np.logical_xor({0}, {1})"
    math = "(bool({0}) != bool({1}))"


class UnaryMask(Unary):
    """A boolean mask of one input: nothing flows back through it."""

    __slots__ = ()

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)


class LogicalNot(UnaryMask):
    name, numpy = "logical_not", "np.logical_not({0})"
    math = "(not {0})"


class IsNan(UnaryMask):
    name, numpy = "isnan", "np.isnan({0})"
    math = "math.isnan({0})"


class IsInf(UnaryMask):
    name, numpy = "isinf", "np.isinf({0})"
    math = "math.isinf({0})"


class IsFinite(UnaryMask):
    name, numpy = "isfinite", "np.isfinite({0})"
    math = "math.isfinite({0})"


@helper
def where_kernel(cond, a, b, out=None):  # type: ignore[no-untyped-def]
    # np.where(cond, a, b). Its loop branches on every element, which irregular masks (relu's
    # gradient) make several times slower than a multiply. When one branch is the Python number
    # +0 and the other a float array, multiplying that array's bit pattern by the 0/1 mask gives
    # the very same bits (+0.0 where masked; nan, inf and -0.0 kept where not) without branches.
    # ``out``: an array of the result's dtype and shape to write into (it may be ``a`` or ``b``).
    if (type(b) is float or type(b) is int) and b == 0 and math.copysign(1.0, b) > 0:
        keep, x = cond, a
    elif (type(a) is float or type(a) is int) and a == 0 and math.copysign(1.0, a) > 0:
        keep, x = np.logical_not(cond), b
    else:
        keep = x = None
    if type(x) is not np.ndarray or x.dtype.kind != "f" or x.ndim == 0:
        if out is None:
            return np.where(cond, a, b)
        np.copyto(out, np.where(cond, a, b))
        return out
    bits = f"u{x.itemsize}"
    if out is None:
        return np.multiply(x.view(bits), keep).view(x.dtype)
    np.multiply(x.view(bits), keep, out=out.view(bits))
    return out


class Where(Elementwise):
    """``where(cond, a, b)``: a where cond holds, else b. The gradient of the branch not taken
    is exactly zero, even where that branch is inf or nan (see ``autodiff``)."""

    name, numpy = "where", "where_kernel({0}, {1}, {2})"
    inplace = "where_kernel({0}, {1}, {2}, out={out})"
    math = "({1} if {0} else {2})"

    def infer(self, c: Type, a: Type, b: Type) -> Type:
        if c.dtype.kind != "b":
            raise DTypeError(f"where: the condition must be boolean, got {c.dtype}")
        return super().infer(c, a, b)

    def vjp(self, g: Node, out: Node, c: Node, a: Node, b: Node) -> Sequence[Node | None]:
        return (None, where(c, g, 0), where(c, 0, g))


class Cast(Unary):
    """``x`` converted to dtype ``to``. ``of_integer_scalar``: the input is a 0-d integer (a
    Python or NumPy int at run time, such as a dimension's size), which NumPy's scalar type
    converts directly, ``np.float64(n)``; on an array that call would convert it all the same."""

    __slots__ = ("to", "of_integer_scalar")
    name = "astype"

    def __init__(self, to: np.dtype, of_integer_scalar: bool = False) -> None:
        self.to = np.dtype(to)
        self.of_integer_scalar = of_integer_scalar and self.to.kind in "fc"

    def params(self) -> tuple[Any, ...]:
        return (self.to.str, self.of_integer_scalar)

    def infer(self, x: Type) -> Type:
        return Type(self.to, x.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        if self.of_integer_scalar:
            return f"np.{self.to.name}({args[0]})"
        return f"np.asarray({args[0]}).astype(np.{self.to.name})"

    def emit_scalar(self, args: Sequence[str]) -> str | None:
        return f"float({args[0]})" if self.to == np.float64 else None

    def text(self, args: Sequence[str]) -> str:
        x = wrap(args[0], 100)
        if x.isdigit():  # 2.astype would read as the float 2. followed by a name
            x = f"({x})"
        return f"{x}.astype({self.to.name!r})"  # as sd.parse reads it back

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        from .numeric import cotangent_as

        return (cotangent_as(g, x.dtype) if x.type.is_float else None,)


class StopGradient(Unary):
    name, numpy = "stop_gradient", "{0}"
    math = "{0}"
    view = True

    def infer(self, x: Type) -> Type:
        return x

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)


# -- the public functions ----------------------------------------------------------------------------

_neg, _exp, _log, _log1p, _expm1, _sqrt = Neg(), Exp(), Log(), Log1p(), Expm1(), Sqrt()
_sin, _cos, _tan, _tanh, _sigmoid, _relu = Sin(), Cos(), Tan(), Tanh(), Sigmoid(), Relu()
_softplus, _logcosh, _abs, _sign, _stop = Softplus(), LogCosh(), Abs(), Sign(), StopGradient()
_add, _sub, _mul, _div, _pow = Add(), Sub(), Mul(), Div(), Pow()
_maximum, _minimum, _where = Maximum(), Minimum(), Where()
_less, _less_equal, _greater, _greater_equal = Less(), LessEqual(), Greater(), GreaterEqual()
_equal, _not_equal = Equal(), NotEqual()
_logical_and, _logical_or, _logical_xor = LogicalAnd(), LogicalOr(), LogicalXor()
_logical_not, _isnan, _isinf, _isfinite = LogicalNot(), IsNan(), IsInf(), IsFinite()


def negative(x: Any) -> Node:
    """-x"""
    return _unary(_neg, x)


def exp(x: Any) -> Node:
    """e**x, elementwise."""
    return _unary(_exp, x)


def log(x: Any) -> Node:
    """Natural logarithm, elementwise."""
    return _unary(_log, x)


def log1p(x: Any) -> Node:
    """log(1 + x), accurate for small x."""
    return _unary(_log1p, x)


def expm1(x: Any) -> Node:
    """exp(x) - 1, accurate for small x."""
    return _unary(_expm1, x)


def sqrt(x: Any) -> Node:
    """Square root, elementwise."""
    return _unary(_sqrt, x)


def sin(x: Any) -> Node:
    """Sine, elementwise."""
    return _unary(_sin, x)


def cos(x: Any) -> Node:
    """Cosine, elementwise."""
    return _unary(_cos, x)


def tan(x: Any) -> Node:
    """Tangent, elementwise."""
    return _unary(_tan, x)


def tanh(x: Any) -> Node:
    """Hyperbolic tangent, elementwise."""
    return _unary(_tanh, x)


def sigmoid(x: Any) -> Node:
    """The logistic function 1 / (1 + exp(-x)), elementwise."""
    return _unary(_sigmoid, x)


def relu(x: Any) -> Node:
    """max(x, 0), elementwise; its derivative at 0 is 0."""
    return _unary(_relu, x)


def softplus(x: Any) -> Node:
    """log(1 + exp(x)), computed without overflow."""
    return _unary(_softplus, x)


def logcosh(x: Any) -> Node:
    """log(cosh(x)) of real x, computed without overflow: ``sd.logcosh(x)`` (800 - log 2 at 800)."""
    return _unary(_logcosh, x)


def abs(x: Any) -> Node:  # noqa: A001 - NumPy's name
    """|x|, elementwise; its derivative at 0 is 0."""
    return _unary(_abs, x)


def sign(x: Any) -> Node:
    """-1, 0 or 1, elementwise; its derivative is 0 (of a complex ``z``, ``z / |z|``, which is not
    constant)."""
    return _unary(_sign, x)


def stop_gradient(x: Any) -> Node:
    """x itself, through which no gradient flows."""
    return _unary(_stop, x)


def add(a: Any, b: Any) -> Node:
    """a + b with broadcasting."""
    return _binary(_add, a, b)


def subtract(a: Any, b: Any) -> Node:
    """a - b with broadcasting."""
    return _binary(_sub, a, b)


def multiply(a: Any, b: Any) -> Node:
    """a * b with broadcasting."""
    return _binary(_mul, a, b)


def divide(a: Any, b: Any) -> Node:
    """a / b (true division) with broadcasting."""
    return _binary(_div, a, b)


def power(a: Any, b: Any) -> Node:
    """a ** b with broadcasting."""
    base, exponent = as_nodes(a, b, name="power")
    if base.dtype.kind == "b" and exponent.dtype.kind != "b":
        # np.power(b, 2) is int64, but generated code's b ** 2 takes NumPy's fast path to
        # np.square, int8 for booleans: the power is taken in np.power's dtype in every backend
        base = astype(base, dtype_by_running(_pow, [base.type, exponent.type]))
    p = const_value(exponent)
    if base.dtype.kind in "iu" and p is not None and p.dtype.kind == "i" and (p < 0).any():
        # NumPy refuses it at run time; the constant exponent shows it now
        raise negative_integer_power(base.dtype, p.dtype, int(p.min()))
    return Node(_pow, (base, exponent))


def negative_integer_power(base: np.dtype, exponent: np.dtype, least: int) -> DTypeError:
    """NumPy's run-time refusal of an integer raised to a negative integer power, said when the
    exponent is known while building (a constant, or integer arithmetic of literals in text)."""
    return DTypeError(
        f"power: an integer raised to the negative integer power {least} is not an integer "
        f"({base} ** {exponent}); make one of them a float, as in 2.0 ** -1"
    )


def maximum(a: Any, b: Any) -> Node:
    """Elementwise maximum; on ties the gradient goes to ``a``."""
    return _binary(_maximum, a, b)


def minimum(a: Any, b: Any) -> Node:
    """Elementwise minimum; on ties the gradient goes to ``a``."""
    return _binary(_minimum, a, b)


def less(a: Any, b: Any) -> Node:
    """a < b, a boolean mask."""
    return _binary(_less, a, b)


def less_equal(a: Any, b: Any) -> Node:
    """a <= b, a boolean mask."""
    return _binary(_less_equal, a, b)


def greater(a: Any, b: Any) -> Node:
    """a > b, a boolean mask."""
    return _binary(_greater, a, b)


def greater_equal(a: Any, b: Any) -> Node:
    """a >= b, a boolean mask."""
    return _binary(_greater_equal, a, b)


def equal(a: Any, b: Any) -> Node:
    """a == b, a boolean mask."""
    return _binary(_equal, a, b)


def not_equal(a: Any, b: Any) -> Node:
    """a != b, a boolean mask."""
    return _binary(_not_equal, a, b)


def logical_and(a: Any, b: Any) -> Node:
    """a and b elementwise (nonzero is true), a boolean mask; ``a & b`` for masks."""
    return _binary(_logical_and, a, b)


def logical_or(a: Any, b: Any) -> Node:
    """a or b elementwise (nonzero is true), a boolean mask; ``a | b`` for masks."""
    return _binary(_logical_or, a, b)


def logical_xor(a: Any, b: Any) -> Node:
    """a or b but not both, elementwise (nonzero is true), a boolean mask; ``a ^ b`` for masks."""
    return _binary(_logical_xor, a, b)


def logical_not(x: Any) -> Node:
    """not x elementwise (zero is false), a boolean mask; ``~x`` for a mask."""
    return _unary(_logical_not, x)


def isnan(x: Any) -> Node:
    """Where x is NaN (for complex x: either part), a boolean mask."""
    return _unary(_isnan, x)


def isinf(x: Any) -> Node:
    """Where x is +inf or -inf (for complex x: either part), a boolean mask."""
    return _unary(_isinf, x)


def isfinite(x: Any) -> Node:
    """Where x is neither NaN nor infinite (for complex x: both parts), a boolean mask."""
    return _unary(_isfinite, x)


def mask_operator(symbol: str, fn: Callable[..., Node]) -> Callable[..., Node]:
    """The operator ``& | ^ ~`` as NumPy's: on boolean masks the logical function ``fn``, on
    integers the bitwise one (``bitwise_and``, ..., ``invert``); other dtypes are refused."""

    def apply(*operands: Any) -> Node:
        from .bitwise import OPERATORS  # (bitwise builds on this module)

        bitwise = OPERATORS[symbol]
        nodes = as_nodes(*operands, name=symbol)
        if any(n.dtype.kind not in "biu" for n in nodes):
            dtypes = ", ".join(str(n.dtype) for n in nodes)
            raise DTypeError(
                f"{symbol}: takes boolean masks (as {fn.__name__}) or integers (as "
                f"{bitwise.__name__}), as NumPy's, got {dtypes}; for truth values of numbers use "
                f"{fn.__name__}"
            )
        return bitwise(*nodes)

    apply.__name__ = apply.__qualname__ = symbol  # how errors (and the parser) name it
    return apply


def where(cond: Any, a: Any = NEEDED, b: Any = NEEDED) -> Node:
    """``a`` where ``cond`` is true, else ``b`` (NumPy's three-argument where)."""
    if a is NEEDED and b is NEEDED:
        # np.where(cond) is np.nonzero(cond): its length depends on the values, which no node's
        # shape can (a graph's shapes are known before it runs)
        raise TypeError(
            "where: takes cond and both branches, where(cond, a, b), but was given only cond; "
            "NumPy's one-argument where(cond) is nonzero(cond), whose length depends on the "
            "values, which symdiff has no op for: use where(cond, a, b) to choose values, or "
            "np.nonzero on the evaluated condition, np.nonzero(sd.evaluate(cond, values))"
        )
    if a is NEEDED or b is NEEDED:
        missing = "a" if a is NEEDED else "b"
        raise TypeError(f"where: takes cond and both branches, where(cond, a, b), but {missing} "
                        "was not given")
    a_, b_ = as_nodes(a, b, name="where")
    c = as_node(cond)
    if c.dtype.kind != "b":  # as NumPy: a number's truth, nonzero (nan too), as astype gives it
        c = astype(c, bool)
    return Node(_where, (c, a_, b_))


def astype(x: Any, dtype: Any, order: str = "K", casting: str = "unsafe", subok: bool = True,
           copy: bool = True, *, device: Any = None) -> Node:
    """x converted to ``dtype`` (a no-op when it already has it). NumPy's ``casting`` rule is
    checked; ``order``, ``subok``, ``copy`` and ``device`` place an array in memory, moot for
    an expression (which is never changed in place)."""
    dt = numeric_dtype(dtype, "astype")
    check_order("astype", order)
    check_device("astype", device)
    check_casting("astype", casting, x.dtype if isinstance(x, (Node, np.ndarray)) else as_node(x).dtype, dt)
    if isinstance(x, np.ndarray):  # a constant array: converted now, as NumPy would
        return const(x.astype(dt))
    x = as_node(x)
    return x if x.dtype == dt else Node(Cast(dt, x.ndim == 0 and x.dtype.kind in "iu"), (x,))
