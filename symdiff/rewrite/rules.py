"""The rewrite rules: constant folding, identities, shape rules, stabilization, term collection.

What rewriting may change (the NaN policy). A rewritten graph computes the same values as the
original wherever the original is finite, up to floating-point rounding (reassociating sums and
products rounds differently). No rule drops a term or factor whose NaN or infinity the original
would show, with the stabilization rules as the intended exception (they return the finite,
correct value where the raw formula overflows). Reassociation can still move where an
intermediate overflows (``x**2 * (s * (1 - s))`` is inf * 0 at x = 1e200 with s = sigmoid(x);
grouped otherwise it may stay finite): a matter of range, like rounding. So:

- ``x + 0 -> x``, ``x * 1 -> x``, ``x ** 1 -> x``, ``x ** 0 -> 1`` (NumPy's pow(nan, 0) is 1),
  ``--x -> x`` are always applied; ``x + 0`` may turn a -0.0 into +0.0's partner, nothing else.
- ``x * 0 -> 0``, ``x - x -> 0`` and dropping terms whose coefficients cancel apply only when
  ``x`` is known finite (constants, integers, booleans, bounded functions such as sin or
  sigmoid of finite values, ``where`` of finite values): ``inf * 0`` and ``inf - inf`` are NaN.
  Otherwise the cancelled term is kept (as ``x - x``), so a NaN the user would see stays.
- ``x / x -> 1`` only for a known finite, non-zero ``x`` (0/0 and inf/inf are NaN).
- Term collection reassociates sums and products and takes common factors out
  (``a*f + b*f -> (a + b)*f``): only rounding differs. A term with a zero factor (``0*x``)
  is kept whole, never merged or factored, so its NaN where ``x`` is infinite stays. The one
  exception to the policy: terms whose coefficients partly cancel merge (``x + x - x -> x``),
  so where ``x`` is infinite the raw NaN (inf - inf) becomes inf; guarding every merge would
  keep a ``t - t`` beside most sums of a gradient.
- ``exp(log x) -> x`` only for ``x`` known non-negative (log of a negative is NaN).
- Zeros from differentiation (a scalar ``0`` broadcast to a shape) vanish from sums and through
  shape ops; they are not multiplied away from values that may be infinite.
- Constant folding gives exactly what evaluation would (the same kernels), but refuses to fold
  arrays above ``FOLD_MAX_ELEMENTS`` elements and integer results that would overflow, so
  folding never takes long and never changes overflow behaviour.
- The softmax cross-entropy rule turns ``index_add`` at ``[arange(n), labels]`` (or
  ``[labels, arange(n)]``, or for one example ``[label]``) and ``add_along_axis`` at one label
  per example into ``one_hot(labels)``: this assumes labels in ``[0, k)`` (a negative label,
  which indexing would wrap around, gives a zero row instead).
- The one-hot rules turn products with a one-hot vector into indexing under the same
  assumption: a label >= k raises IndexError, a negative one counts from the end.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..ir import Node, Op, gc_paused, toposort
from ..ops.base import Const, DimSize, broadcast_shapes, const, kernel
from ..ops.elementwise import (
    Abs, Add, Cast, Compare, Cos, Div, Elementwise, Equal, Exp, Expm1, Greater, GreaterEqual, Less,
    LessEqual, Log, Log1p, LogicalAnd, LogicalNot, LogicalOr, LogicalXor, Maximum, Minimum, Mul, Neg,
    NotEqual, Pow, Relu, Sigmoid, Sign, Sin, Softplus, Sqrt, StopGradient, Sub, Tan, Tanh, Unary,
    Where,
    expm1, log1p, logical_not, negative, power, sigmoid, sqrt, tan, tanh, where,
)
from ..ops.diagonals import DiagonalEmbed, diagonal, diagonal_embed
from ..ops.layout import Flip, pad
from ..ops.elementwise import abs as abs_
from ..ops.elementwise import logcosh
from ..ops.numeric import Cosh, Sinh, cosh, hypot, sinh
from ..ops.nn import LogSoftmax, OneHot, Softmax, log_softmax, one_hot, softmax
from ..ops.numeric import Ceil, Floor, Rint, Trunc
from ..ops.products import MatMul
from ..ops.selection import AddAlongAxis, gather_scatters
from ..ops.special import Erf, Erfc, erf, erfc
from ..ops.reduce import LogSumExp, Max, Min, Prod, Reduction, Sum, count
from ..ops.stable import HEADS, stable_form
from ..ops.shape import (
    Arange, BroadcastTo, Concatenate, Index, IndexAdd, Reshape, Transpose, broadcast_to,
    concatenate, index, index_add, index_shape, reshape, transpose,
)
from .engine import Context
from .pattern import Pat, Rule, RuleSet, scalar_constant, uniform_value

FOLD_MAX_ELEMENTS = 4096
"""Constant folding refuses inputs or results with more elements than this."""

x, y, c = Pat.var("x"), Pat.var("y"), Pat.var("c")
exp_, log_ = Pat.of(Exp), Pat.of(Log)


# -- what is known about a node's values --------------------------------------------------------

_BOUNDED = (Sin, Cos, Tanh, Sigmoid, Sign, Abs, Neg, Relu, Softmax, Maximum, Minimum, Where,
            BroadcastTo, Reshape, Transpose, Index, StopGradient)
_LOOK = 32  # nodes inspected at most, so the answer costs O(1) however deep the graph


def known_finite(node: Node) -> bool:
    """True when ``node`` is finite for every input: constants of finite values, integers and
    booleans, and bounded functions (sin, tanh, sigmoid, where, ...) of finite values."""
    stack, seen = [node], 0
    while stack:
        n = stack.pop()
        seen += 1
        if seen > _LOOK:
            return False
        if n.dtype.kind in "biu" or isinstance(n.op, (Compare, OneHot, Arange, DimSize)):
            continue
        if isinstance(n.op, Const):
            if not np.all(np.isfinite(n.op.value)):
                return False
            continue
        if isinstance(n.op, Cast) and _holds_every_integer(n.inputs[0].dtype, n.dtype):
            continue
        if isinstance(n.op, _BOUNDED):
            # where's condition and an index's positions pick values, never make one
            stack.extend(n.inputs[1:] if isinstance(n.op, Where) else n.inputs[:1]
                         if isinstance(n.op, (BroadcastTo, Reshape, Transpose, Index)) else n.inputs)
            continue
        return False
    return True


def _holds_every_integer(source: np.dtype, target: np.dtype) -> bool:
    """Whether every value of the boolean or integer dtype ``source`` is finite in the float or
    complex dtype ``target`` (not so for float16, whose largest is 65504, from int32)."""
    if source.kind == "b":
        return True
    return source.kind in "iu" and float(np.finfo(target).max) >= float(np.iinfo(source).max)


def known_nonzero_finite(node: Node) -> bool:
    """True for constants that hold finite non-zero values only."""
    v = scalar_constant(node)
    if v is None and isinstance(node.op, Const):
        v = node.op.value
    return v is not None and bool(np.all(np.isfinite(v)) and np.all(v != 0))


def known_nonnegative(node: Node) -> bool:
    """True when ``node`` is >= 0 (or NaN) for every input: real values only (a complex exp or
    sqrt is not), and for signed integers no abs or square, which wrap around (abs(int8(-128))
    is -128, int8(12) * 12 is -112)."""
    op = node.op
    if node.dtype.kind == "c":
        return False
    if node.dtype.kind == "i" and not isinstance(op, (Relu, OneHot, Const, BroadcastTo)):
        return False
    if isinstance(op, (Exp, Sigmoid, Softplus, Abs, Relu, Sqrt, Softmax, OneHot)):
        return True
    if isinstance(op, Mul) and node.inputs[0] is node.inputs[1]:
        return True
    if isinstance(op, Pow):
        p = integer_value(node.inputs[1])
        return p is not None and p % 2 == 0
    v = scalar_constant(node) if not isinstance(op, Const) else op.value
    return v is not None and v.dtype.kind in "biuf" and bool(np.all(v >= 0))


def _input_uses(node: Node, i: Node, ctx: Context | None) -> int:
    """How often the graph being rewritten uses ``i``, an input of ``node`` (2, shared, when
    that is unknown). When ``i`` is a rule's replacement, which the graph does not hold, and
    ``node`` was rebuilt on it, the uses of the graph node it replaces: read as shared, a rule
    declining there would meet the same node in the same surroundings when the result is
    simplified again, and apply then, after the call that should have left a fixpoint. Where
    the count is unknown (``node`` is part of a replacement), the next pass offers ``node``'s
    normal form to the graph-reading rules again, counted then."""
    if ctx is None:
        return 1
    if i in ctx.uses:
        return ctx.uses[i]
    old = ctx.old
    k = next((k for k, j in enumerate(node.inputs) if j is i), None)
    if old is None or k is None or old.op != node.op or len(old.inputs) != len(node.inputs):
        ctx.again = True
        return 2
    return ctx.uses.get(old.inputs[k], 2)


def integer_value(node: Node) -> int | None:
    """The value of a real constant that holds one integer everywhere (2, 2.0, -1), else None
    (complex constants too: an exponent 2+0j is not taken apart)."""
    k = scalar_constant(node)
    if k is None or k.dtype.kind not in "iuf" or not np.isfinite(k) or float(k) % 1:
        return None
    return int(k)


def full(value: Any, like: Node) -> Node:
    """``value`` everywhere, with ``like``'s dtype and shape (a broadcast scalar)."""
    return broadcast_to(const(np.asarray(value, dtype=like.dtype)), like.shape)


def _is_zero(n: Node) -> bool:
    v = scalar_constant(n)
    return v is not None and v.dtype.kind in "biufc" and bool(v == 0)


# -- constant folding ---------------------------------------------------------------------------


def _fold(node: Node) -> Node | None:
    if not node.inputs:
        return None
    op = node.op
    if isinstance(op, BroadcastTo):
        return None  # a broadcast scalar is already the compact form of a constant array
    elementwise = op.elementwise
    values = []
    for i in node.inputs:
        if isinstance(i.op, Const):
            values.append(i.op.value)
        elif isinstance(i.op, BroadcastTo) and isinstance(i.inputs[0].op, Const):
            if elementwise:
                values.append(i.inputs[0].op.value)  # fold on the small value, broadcast after
                continue
            # pieces of an array joined (a jvp's tangent of a stack): the pieces themselves;
            # other ops keep a broadcast input, a form their rules read (index_add, eye)
            size = i.type.static_size
            if not isinstance(op, Concatenate) or size is None or size > FOLD_MAX_ELEMENTS:
                return None
            values.append(np.broadcast_to(i.inputs[0].op.value, i.shape))
        else:
            return None
    if sum(v.size for v in values) > FOLD_MAX_ELEMENTS:
        return None
    if not elementwise:
        size = node.type.static_size
        if size is None or size > FOLD_MAX_ELEMENTS:
            return None
    fn, names = kernel(op, len(values))
    if names:
        return None
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*values))
            if out.dtype.kind in "iu" and isinstance(op, (Pow, Mul, Add, Sub)):
                wide = np.asarray(fn(*(v.astype(np.float64) for v in values)))
                if not np.all(np.abs(wide) < 2.0**62):
                    return None  # integer overflow: leave it to run time, as written
    except Exception:  # noqa: BLE001 - a constant expression that fails is left to fail at run time
        return None
    if out.size > FOLD_MAX_ELEMENTS:
        return None
    out = out.astype(node.dtype, copy=False)
    if out.ndim:
        one = uniform_value(out)
        if one is not None:
            # an array of one number is that number broadcast (reshape(1.0, (1,)) from the
            # gradient of a sum): the form every rule reads as a scalar, and prints as one
            return broadcast_to(const(one), out.shape)
    return const(out)


# -- identities ---------------------------------------------------------------------------------


def _mul_zero(node: Node, x: Node) -> Node | None:
    return full(0, node) if known_finite(x) else None


def _same_cancels(node: Node, x: Node, value: int) -> Node | None:
    if value == 0:
        return full(0, node) if known_finite(x) else None
    return full(1, node) if known_nonzero_finite(x) else None


def _pow_const(node: Node, x: Node, c: Node) -> Node | None:
    p = scalar_constant(c)
    if p is None or p.dtype.kind not in "iuf":
        return None
    if p == 1:
        return x
    if p == 0:
        return full(1, node)
    return None


def _abs_even_power(node: Node, x: Node, c: Node) -> Node | None:
    """abs(x) ** k and (-x) ** k -> x ** k for an even integer k and real x: the same value bit
    for bit (the square of -a is the square of a, also where an integer -a wraps around; inf
    and nan as they are), one op fewer, and a power
    the rules for powers of x see (``sum(abs(v)**2)``, a norm written out)."""
    p = scalar_constant(c)
    if x.dtype.kind not in "iuf" or p is None or p.dtype.kind not in "iuf" or p != np.round(p) or p % 2:
        return None
    out = Node(node.op, (x, c))
    return out if out.type == node.type else None


def _pow_pow(node: Node, x: Node, a: Node, b: Node) -> Node | None:
    pa, pb = integer_value(a), integer_value(b)
    if pa is None or pb is None:
        return None  # (x**2)**0.5 is |x|, not x: only integer exponents compose
    if node.inputs[0].dtype != node.dtype:
        return None  # (b**2)**-1.0 for an int8 b: b**2 wraps around in int8 first
    # the exponents' common dtype: (u**-1.0)**int8(2) is u**-2.0 (an integer u ** -2 is refused)
    return power(x, const(np.asarray(pa * pb, dtype=np.result_type(a.dtype, b.dtype))))


def _pow_mul(node: Node, x: Node, a: Node, b: Node) -> Node | None:
    pa, pb = integer_value(a), integer_value(b)
    if pa is None or pb is None or any(f.dtype != node.dtype for f in node.inputs):
        return None  # b**3 * b**2.0 for an int8 b: b**3 wraps around in int8 first
    if (pa > 0) != (pb > 0) or pa == 0 or pb == 0:
        return None  # x**2 * x**-2 is nan at 0 and inf; x**0 would hide that
    return power(x, const(np.asarray(pa + pb, dtype=np.result_type(a.dtype, b.dtype))))


def _pow_times_base(node: Node, x: Node, a: Node) -> Node | None:
    """x**a * x and x * x**a -> x**(a+1) for an integer x and a positive integer a: integer
    products wrap around the same in any order, so the value is the same bit for bit (the
    term collection that does this for floats leaves integers as they are)."""
    pa = integer_value(a)
    if node.dtype.kind not in "iu" or pa is None or pa <= 0 or a.dtype.kind not in "iu" \
            or any(f.dtype != node.dtype for f in node.inputs):
        return None
    if pa + 1 > np.iinfo(a.dtype).max:
        return None
    return power(x, const(np.asarray(pa + 1, dtype=a.dtype)))


def _integer_multiple(n: Node) -> tuple[Node, np.ndarray]:
    """``n`` as (t, k) for ``k * t``, ``t * k`` (k a 0-d constant of n's dtype) or ``-t``
    (k = -1, wrapped into an unsigned dtype); else (n, 1)."""
    dtype = n.dtype
    if isinstance(n.op, Neg):
        return n.inputs[0], np.asarray(-1).astype(dtype)
    if isinstance(n.op, Mul):
        a, b = n.inputs
        for k, t in ((a, b), (b, a)):
            if k.dtype == dtype and t.type == n.type and not k.shape:
                value = scalar_constant(k)
                if value is not None:
                    return t, value
    return n, np.asarray(1, dtype=dtype)


def _integer_like_terms(node: Node, x: Node, y: Node) -> Node | None:
    """k1*t + k2*t -> (k1+k2)*t and k1*t - k2*t -> (k1-k2)*t for integers (k1, k2 constants,
    1 for t itself, -1 for -t): exact, as integer sums and products wrap around the same in
    any order (i + i + i is 3 * i even where it overflows). Float sums go to term collection."""
    dtype = node.dtype
    if dtype.kind not in "iu" or x.dtype != dtype or y.dtype != dtype or x.type != node.type:
        return None
    (t, k1), (u, k2) = _integer_multiple(x), _integer_multiple(y)
    if t is not u:
        return None
    with np.errstate(over="ignore"):
        k = np.asarray(k1 + k2 if isinstance(node.op, Add) else k1 - k2).astype(dtype)
    if k == 0:
        return full(0, node)
    if k == np.asarray(-1).astype(dtype):
        return negative(t)
    return t if k == 1 else const(k) * t


def _constant_first(node: Node) -> Node | None:
    a, b = node.inputs
    if b.ndim or scalar_constant(b) is None or scalar_constant(a) is not None:
        return None
    return Node(node.op, (b, a))


def _scale_of_scaled(node: Node, ctx: Context) -> Node | None:
    """k1 * (k2 * x) -> (k1*k2) * x, when nothing else uses k2 * x (a sum's term collection
    keeps its terms as they are when none of them merge, so this is where such a pair meets),
    or when k1*k2 is 1 (x, there already: 0.5 * (2.0 * x) of a shared 2.0 * x, as repeated
    derivatives of exp(-x**2 / 2) write it) or -1 (-x, a negation for a product)."""
    old = ctx.old
    outer = _scale_of(node)
    if old is None or outer is None:
        return None
    t, k1 = outer
    inner = _scale_of(t)
    if inner is None or t.dtype != node.dtype or t.shape != node.shape:
        return None
    u, k2 = inner
    k = _product_of_scales(k1, k2, node.dtype)
    if k is not None and k.imag == 0 and abs(k) == 1 and u.type == node.type:
        return u if k.real > 0 else negative(u)
    where = 0 if node.inputs[0] is t else 1
    if ctx.uses.get(old.inputs[where], 2) != 1:
        return None
    return None if k is None else const(k) * u


def _product_of_scales(k1: Any, k2: Any, dtype: np.dtype) -> np.ndarray | None:
    """k1 * k2 in ``dtype``, the one coefficient of k1 * (k2 * x); None where it overflows or
    underflows, as the two products need not."""
    with np.errstate(all="ignore"):
        k = np.asarray(k1 * k2, dtype=dtype)
    return k if np.isfinite(k) and k != 0 else None


def _outside_region(ctx: Context | None) -> bool:
    """Whether the node is not inside a sum or product that term collection rebuilds whole
    (which settles its signs itself: a rule there would only add work)."""
    old = ctx.old if ctx is not None else None
    return old is None or not _absorbed(old, ctx)  # type: ignore[arg-type]


def _negation_moves(x: Node, node: Node) -> bool:
    """Whether -x may be taken in ``node``'s dtype instead of ``x``'s: an integer negation
    wraps around in its own width (-uint8(5) is 251), which a wider result does not undo."""
    return x.dtype.kind in "fc" or x.dtype == node.dtype


def _exp_log(x: Node) -> Node | None:
    return x if known_nonnegative(x) else None


_ROUNDED = (Floor, Ceil, Trunc, Rint)  # each leaves a whole number as it is


def _nonnegative_as_is(node: Node, x: Node) -> Node | None:
    """abs(x) -> x and relu(x) -> x for an x that is never negative (abs(abs x), abs(exp x))."""
    return x if x.dtype == node.dtype and known_nonnegative(x) else None


def _abs_neg(node: Node, x: Node) -> Node | None:
    """abs(-x) -> abs(x), except for unsigned integers, whose negation wraps around."""
    return Node(node.op, (x,)) if x.dtype.kind in "ifc" else None


def _op_classes(base: type[Op]) -> tuple[type[Op], ...]:
    """``base`` and every op class below it (all are defined once symdiff.ops is imported)."""
    found: list[type[Op]] = []
    todo = [base]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return tuple(dict.fromkeys(found))


def _negated(n: Node) -> Node | None:
    """t where ``n`` is -t as collection writes a negation, of a real float: ``-t``, or
    ``-k * t`` for a number k > 0 (then the node ``k * t``); else None."""
    if n.dtype.kind != "f":
        return None
    if isinstance(n.op, Neg):
        return n.inputs[0]
    if isinstance(n.op, Mul) and isinstance(n.inputs[0].op, Const) and not n.inputs[0].shape:
        k, negative_ = _magnitude(n.inputs[0])
        if negative_:
            return Node(n.op, (k, n.inputs[1]))
    return None


def _parity(kind: str) -> Any:
    """The rule body for -f(-x) -> f(x) of an odd f (``kind`` "odd": sin, tanh, arctan, erf,
    ...) and f(-x) -> f(x) of an even one ("even": cos, cosh), as their ops declare
    (``Unary.parity``), for real floats: the negations a derivative or a substitution leaves,
    cancelled (abs(-x) has a rule of its own, for integers and complex values too)."""
    def body(node: Node, x: Node) -> Node | None:
        f = node.inputs[0] if kind == "odd" else node
        t = _negated(x)
        if t is None or f.dtype != x.dtype:
            return None
        return Node(f.op, (t,))
    return body


_ODD = tuple(c for c in _op_classes(Unary) if c.parity == "odd")
_EVEN = tuple(c for c in _op_classes(Unary) if c.parity == "even")


def _known_condition(node: Node, c: Node, x: Node, y: Node) -> Node | None:
    """where(True, x, y) -> x and where(False, x, y) -> y, in the result's dtype and shape."""
    v = c.op.value if isinstance(c.op, Const) else scalar_constant(c)
    if v is None:
        return None
    if np.all(v):
        pick = x
    elif not np.any(v):
        pick = y
    else:
        return None
    return broadcast_to(pick.astype(node.dtype), node.shape)


def _sum_of_negation(node: Node, x: Node) -> Node | None:
    """sum(-x) -> -sum(x), so negations meet and cancel (-sum(-v) -> sum(v)); floating point
    only: an integer sum widens (int8 to int64), and -(-128) wraps around in int8 first."""
    if x.dtype.kind not in "fc" or x.dtype != node.dtype:
        return None
    return negative(Node(node.op, (x,)))


def _signed_constant_term(node: Node, x: Node, y: Node) -> Node | None:
    """x + -2.0 -> x - 2.0 and x - -2.0 -> x + 2.0, as term collection writes them."""
    m, negative_ = _magnitude(y)
    if not negative_:
        return None
    return x - m if isinstance(node.op, Add) else x + m


def _joined_selections(node: Node, ctx: Context) -> Node | None:
    """where(c, a, 0) + where(c, 0, b) -> where(c, a, b) (and where(c, a, 0) - where(c, 0, b) ->
    where(c, a, -b)): each branch of the two selections by one condition adds a zero, as the
    gradient of where(c, f(x), g(x)) does, whose two branches each send x their part."""
    p, q = node.inputs
    if not (isinstance(p.op, Where) and isinstance(q.op, Where)) or p.inputs[0] is not q.inputs[0]:
        return None
    if node.dtype.kind not in "fc":
        return None  # an integer sum wraps or widens where the branch alone need not
    subtract = isinstance(node.op, Sub)
    branches = []
    for a, b in zip(p.inputs[1:], q.inputs[1:]):
        if _is_zero(b):
            branches.append(a)
        elif _is_zero(a) and (not subtract or _input_uses(node, q, ctx) == 1):
            branches.append(negative(b.astype(node.dtype)) if subtract else b)
        else:
            return None
    return where(p.inputs[0], *branches)


def _flipped_scale(node: Node, n: Node, ctx: Context | None, negations: bool) -> Node | None:
    """The negation of a product or quotient ``n``, an input of ``node`` that nothing else
    uses, when an operand carries its sign: ``2.0 * t`` for ``-2.0 * t``, ``t / 2.0`` for
    ``t / -2.0`` (the number in the term's dtype), and with ``negations``, ``a / k`` for
    ``-a / k``, ``a * b`` for ``(-a) * b``; else None."""
    if not isinstance(n.op, (Mul, Div)) or n.dtype.kind not in "fc":
        return None
    flipped = []
    for operand in n.inputs:
        m, negative_ = _magnitude(operand)
        if not negative_ and negations and isinstance(operand.op, Neg) \
                and _negation_moves(operand.inputs[0], n):
            m, negative_ = operand.inputs[0], True
        flipped.append(m if negative_ else None)
    if (flipped[0] is None) == (flipped[1] is None):
        return None  # no sign, or two (-a / -k): other rules cancel those
    if _input_uses(node, n, ctx) > 1:
        return None
    a, b = (f if f is not None else i for f, i in zip(flipped, n.inputs))
    return Node(n.op, (a, b))


def _signed_scaled_term(node: Node, x: Node, y: Node, ctx: Context) -> Node | None:
    """x + -2.0 * t -> x - 2.0 * t, x - -2.0 * t -> x + 2.0 * t, -2.0 * t + x -> x - 2.0 * t and
    x + -a / k -> x - a / k, as term collection writes them (the same values: -2.0 * t is
    -(2.0 * t) to the bit, and -a / k is -(a / k)). A negation is moved only outside the sums
    that term collection rebuilds whole, as the other sign rules do."""
    negations = _outside_region(ctx)
    m = _flipped_scale(node, y, ctx, negations)
    if m is not None:
        return x - m if isinstance(node.op, Add) else x + m
    if not isinstance(node.op, Add):
        return None
    m = _flipped_scale(node, x, ctx, negations)
    return y - m if m is not None else None


_REFLEXIVE = (LessEqual, GreaterEqual, Equal)  # x <= x, x >= x and x == x hold unless x is nan
_IRREFLEXIVE = (Less, Greater, NotEqual)


def _compared_with_itself(node: Node, x: Node) -> Node | None:
    """x == x -> True, x < x -> False, and so on, for integers and booleans (a float x may be
    nan, which equals nothing, itself included)."""
    if x.dtype.kind not in "biu":
        return None
    return full(isinstance(node.op, _REFLEXIVE), node)


def _truth(x: Node, node: Node) -> Node:
    """``x`` as the boolean mask a logical connective reads (nonzero, nan too, is true), in the
    shape of ``node``."""
    return broadcast_to(x.astype(np.bool_), node.shape)


def _logical_constant(node: Node, x: Node, c: Node) -> Node | None:
    """A connective with a constant of one value: and(x, 1) -> x, and(x, 0) -> False,
    or(x, 0) -> x, or(x, 1) -> True, xor(x, 0) -> x, xor(x, 1) -> not x (as booleans)."""
    k = scalar_constant(c)
    if k is None or k.dtype.kind not in "biufc":
        return None
    true = bool(k)  # nan is true, as NumPy's logical functions read it
    if isinstance(node.op, LogicalXor):
        return _truth(logical_not(x) if true else x, node)
    if true == isinstance(node.op, LogicalOr):
        return full(true, node)
    return _truth(x, node)


IDENTITIES = RuleSet([
    Rule(x + 0, lambda x: x),  # x+0 -> x
    Rule(x - 0, lambda x: x),  # x-0 -> x
    Rule(0 - x, lambda node, x: negative(x.astype(node.dtype))),  # 0-x -> -x
    Rule(x * 1, lambda x: x),  # x*1 -> x
    Rule(x / 1, lambda x: x),  # x/1 -> x
    Rule(x * -1, lambda node, x: negative(x.astype(node.dtype))),  # x*-1 -> -x
    Rule(x / -1, lambda node, x: negative(x.astype(node.dtype))),  # x/-1 -> -x
    Rule(Pat(Mul), _constant_first, any_input=(Const, BroadcastTo), settled=True),  # x*k -> k*x
    Rule(Pat(Mul), _scale_of_scaled, any_input=(Const, BroadcastTo)),  # k1*(k2*x) -> (k1*k2)*x
    Rule(x * 0, _mul_zero),  # x*0 -> 0 (x finite)
    Rule(0 / x, lambda node, x: full(0, node) if known_nonzero_finite(x) else None),  # 0/x -> 0
    Rule(-(-x), lambda x: x),  # --x -> x
    Rule((-x) / (-y), lambda node, x, y: x / y if _negation_moves(x, node)
         and _negation_moves(y, node) else None),  # -x/-y -> x/y
    Rule(-(x - y), lambda x, y: y - x),  # -(x-y) -> y-x
    Rule(x - x, lambda node, x: _same_cancels(node, x, 0)),  # x-x -> 0 (x finite)
    Rule(x / x, lambda node, x: _same_cancels(node, x, 1)),  # x/x -> 1 (x finite, non-zero)
    # a boolean x + x is x or x, x * x is x and x: both x (2 * x and x ** 2 would be computed
    # in integers and cast back)
    # and a complex 2 * x is a complex multiply, NaN in the part beside an infinite one
    Rule(x + x, lambda x: x if x.dtype.kind == "b" else None if x.dtype.kind == "c"
         else 2 * x),  # x+x -> 2x
    Rule(x * x, lambda x: x if x.dtype.kind == "b"
         else power(x, const(np.asarray(2, dtype=x.dtype)))),  # x*x -> x**2
    Rule(x ** c, _pow_const),  # x**1 -> x, x**0 -> 1
    Rule(Pat((Abs, Neg), x) ** c, _abs_even_power),  # abs(x)**2, (-x)**2 -> x**2 (real x)
    Rule((x ** Pat.var("a")) ** Pat.var("b"), _pow_pow),  # (x**a)**b -> x**(a*b), integers
    Rule(x ** Pat.var("a") * x ** Pat.var("b"), _pow_mul),  # x**a * x**b -> x**(a+b)
    Rule(x ** Pat.var("a") * x, _pow_times_base),  # x**a * x -> x**(a+1) (integers)
    Rule(x * x ** Pat.var("a"), _pow_times_base),  # x * x**a -> x**(a+1) (integers)
    Rule(Pat((Add, Sub), x, y), _integer_like_terms),  # 2*i + i -> 3*i (integers)
    Rule(x - (-y), lambda node, x, y: x + y if _negation_moves(y, node) else None,
         settled=True),  # x - -y -> x+y
    Rule((-x) - y, lambda node, x, y, ctx: negative(x + y)
         if _outside_region(ctx) and _negation_moves(x, node) else None),  # -x-y -> -(x+y)
    Rule((-x) * y, lambda node, x, y, ctx: negative(x * y)
         if _outside_region(ctx) and _negation_moves(x, node) else None),  # -x*y -> -(xy)
    Rule(x + (-y), lambda node, x, y: x - y if _negation_moves(y, node) else None,
         settled=True),  # x + -y -> x-y
    Rule(Pat((Add, Sub), x, y), _signed_constant_term, any_input=(Const,),
         settled=True),  # x + -2.0 -> x - 2.0
    Rule(Pat((Add, Sub), x, y), _signed_scaled_term, any_input=(Mul, Div),
         settled=True),  # x + -2.0*t -> x - 2.0*t
    Rule(exp_(log_(x)), _exp_log),  # exp(log x) -> x (x >= 0)
    # log(exp x) -> x (x real: a complex log returns the imaginary part wrapped into (-pi, pi])
    Rule(log_(exp_(x)), lambda x: x if x.dtype.kind != "c" else None),
    # log1p(expm1 x) -> x (real x: expm1 is above -1 everywhere, -1 at -inf, whose log1p is -inf)
    Rule(Pat(Log1p, Pat(Expm1, x)), lambda x: x if x.dtype.kind == "f" else None),
    Rule(Pat(Where, c, x, x), lambda x: x),  # where(c, x, x) -> x
    Rule(Pat((Add, Sub), Pat(Where), Pat(Where)), _joined_selections),  # where(c,a,0) + where(c,0,b) -> where(c,a,b)
    Rule(Pat(Where, c, x, y), _known_condition),  # where(True, x, y) -> x
    Rule(Pat((Maximum, Minimum), x, x), lambda x: x),  # maximum(x, x) -> x
    Rule(Pat(_REFLEXIVE + _IRREFLEXIVE, x, x), _compared_with_itself),  # i == i -> True, i < i -> False (integers)
    Rule(Pat((Abs, Relu), x), _nonnegative_as_is),  # abs(abs x) -> abs x, relu(exp x) -> exp x
    Rule(Pat(Abs, -x), _abs_neg),  # abs(-x) -> abs(x)
    Rule(-Pat(_ODD, x), _parity("odd")),  # -sin(-x) -> sin(x)
    Rule(Pat(_EVEN, x), _parity("even")),  # cos(-x) -> cos(x)
    Rule(Pat((Sign, StopGradient), Pat((Sign, StopGradient), x)),
         lambda node, x: node.inputs[0] if type(node.op) is type(node.inputs[0].op) else None),  # sign(sign x) -> sign x
    Rule(Pat(_ROUNDED, Pat(_ROUNDED, x)), lambda node, x: node.inputs[0]),  # floor(ceil x) -> ceil x
    Rule(Pat(Sum, -x), _sum_of_negation),  # sum(-x) -> -sum(x)
    Rule(Pat((LogicalAnd, LogicalOr), x, x), lambda node, x: _truth(x, node)),  # b & b -> b, b | b -> b
    Rule(Pat(LogicalXor, x, x), lambda node, x: full(False, node)),  # b ^ b -> False
    Rule(Pat(LogicalNot, Pat(LogicalNot, x)), lambda node, x: _truth(x, node)),  # ~~b -> b
    Rule(Pat((LogicalAnd, LogicalOr, LogicalXor), x, c), _logical_constant),  # b & True -> b, b | True -> True
])


# -- shapes -------------------------------------------------------------------------------------


def _transpose_transpose(node: Node, x: Node) -> Node:
    inner = node.inputs[0].op.axes  # type: ignore[attr-defined]
    outer = node.op.axes  # type: ignore[attr-defined]
    return transpose(x, tuple(inner[a] for a in outer))


def _broadcast_of_scalar(node: Node, x: Node) -> Node | None:
    """A shape op applied to a constant broadcast from a scalar is that scalar broadcast again."""
    inner = node.inputs[0]
    if not isinstance(inner.op, BroadcastTo) or any(d != 1 for d in x.shape):
        return None  # only a broadcast single value is the same value everywhere
    x = reshape(x, ())
    if node.type.static_size is None and isinstance(node.op, Index):
        return None
    if isinstance(node.op, IndexAdd):
        return full(0, node) if _is_zero(inner) and node.inputs[0] is inner else None
    if isinstance(node.op, Sum):
        return None  # a sum of a broadcast is the sum-of-broadcast rule's
    return broadcast_to(x, node.shape)


def _sum_broadcast(node: Node, x: Node) -> Node | None:
    """sum(broadcast_to(x, S), axes) = sum of x over its own axes, times the broadcast extent:
    ``sum(broadcast_to(v, (4, 3)))`` is ``4.0 * sum(v)``."""
    b = node.inputs[0]
    op: Sum = node.op  # type: ignore[assignment]
    shape = b.shape
    lead = len(shape) - x.ndim  # the axes the broadcast puts in front of x's
    real = tuple(a for a in op.axes if a >= lead and (x.shape[a - lead] != 1 or shape[a] == 1))
    spread = tuple(a for a in op.axes if a not in real)
    if not spread:
        return None
    n = count(b, spread)
    dt = node.dtype
    if isinstance(n.op, Const):
        with np.errstate(over="ignore"):
            value = np.asarray(n.op.value, dtype=dt)
        if dt.kind in "fc" and not np.isfinite(value):
            return None  # more elements than float16 counts (65504): inf * x, nan for x = 0
        factor = const(value)
    else:
        factor = n.astype(dt)
    # x summed over its own axes among ``axes`` (those of extent 1 too, which only drops
    # them): what is left lines up with the result's shape from the right, as NumPy
    # broadcasts, so at most a broadcast_to makes it the result
    own = tuple(a - lead for a in op.axes if a >= lead)
    summed = Node(Sum(own, op.keepdims), (x,)) if own else x
    out = summed * factor
    return out if out.shape == node.shape else broadcast_to(out, node.shape)


def _empty_sum(node: Node, x: Node) -> Node | None:
    """A sum over axes of no elements is 0, whatever its operand holds: the rules that take a
    factor out of a sum (x * 0 for x = inf is nan) must not see it."""
    axes: tuple[int, ...] = node.op.axes  # type: ignore[attr-defined]
    return full(0, node) if any(x.shape[a] == 0 for a in axes) else None


def _finite_unless_empty(x: Node, shape: tuple[Any, ...]) -> bool:
    """Whether ``x`` is finite wherever a value of ``shape`` has elements: known finite, or
    built from such values and the sizes of named dimensions of ``shape`` by products,
    negation, casts and division by a size (1/n, as a mean's gradient scales, is inf only for
    n = 0, where a value of that shape holds nothing)."""
    names = {d for d in shape if isinstance(d, str)}
    stack, seen = [x], 0
    while stack:
        n = stack.pop()
        seen += 1
        if seen > _LOOK:
            return False
        if isinstance(n.op, Div):
            d = n.inputs[1]
            while isinstance(d.op, Cast):
                d = d.inputs[0]
            if isinstance(d.op, DimSize) and d.op.dim in names:
                stack.append(n.inputs[0])
                continue
        if isinstance(n.op, (Mul, Neg, Cast)):
            stack.extend(n.inputs)
        elif not known_finite(n):
            return False
    return True


def _sum_scaled(node: Node, x: Node, y: Node) -> Node | None:
    """sum(s * y) -> s * sum(y) for a scalar s that is known finite (s = inf is nan where y is
    0 and inf or -inf elsewhere, which s * sum(y) would not show), and only where the sum keeps
    the product's dtype (an integer sum widens: uint8 products wrap around before it)."""
    if x.ndim != 0 or y.shape != node.inputs[0].shape or node.dtype != node.inputs[0].dtype:
        return None
    if node.dtype.kind not in "biu" and not _finite_unless_empty(x, node.shape):
        return None
    op: Sum = node.op  # type: ignore[assignment]
    return x * Node(Sum(op.axes, op.keepdims), (y,))


def _sum_of_sum(node: Node, x: Node, ctx: Context) -> Node | None:
    """sum(sum(x, a1), a2) -> sum(x, a1 and a2 as axes of x), where nothing else uses the
    inner sum (else x would be read twice): when the inner sum keeps its axes, for an outer
    one that keeps its axes too or sums those; when it drops them, for an outer one that
    drops its own."""
    inner, outer = node.inputs[0], node.op
    old = ctx.old
    if old is None or ctx.uses.get(old.inputs[0], 2) != 1 or node.dtype != inner.dtype:
        return None
    first: Sum = inner.op  # type: ignore[assignment]
    a1, a2 = set(first.axes), set(outer.axes)  # type: ignore[attr-defined]
    if first.keepdims:
        if not (outer.keepdims or a1 <= a2):  # type: ignore[attr-defined]
            return None
        axes = a1 | a2
    else:
        if outer.keepdims:  # type: ignore[attr-defined]
            return None
        rest = [d for d in range(x.ndim) if d not in a1]  # x's axes the inner sum leaves
        axes = a1 | {rest[a] for a in a2}
    return Node(Sum(tuple(sorted(axes)), outer.keepdims), (x,))  # type: ignore[attr-defined]


def _sum_of_transpose(node: Node, x: Node) -> Node | None:
    """sum(transpose(x, perm), axes) -> sum(x, perm[axes]) where the axes left keep their
    order (``sum(X.T, axis=1)`` is ``sum(X, axis=0)``), without keepdims."""
    op: Sum = node.op  # type: ignore[assignment]
    perm: tuple[int, ...] = node.inputs[0].op.axes  # type: ignore[attr-defined]
    if op.keepdims:
        return None
    left = [perm[d] for d in range(len(perm)) if d not in op.axes]
    if left != sorted(left):
        return None
    return Node(Sum(tuple(sorted(perm[a] for a in op.axes)), False), (x,))


def _reduce_ones(node: Node, x: Node) -> Node | None:
    """A sum, product, max or min over axes that each hold one element is that element."""
    axes: tuple[int, ...] = node.op.axes  # type: ignore[attr-defined]
    if any(x.shape[a] != 1 for a in axes):
        return None
    return reshape(x, node.shape)


_ELEMENTWISE = tuple(c for c in _op_classes(Elementwise) if c.elementwise)
_MULTI_ELEMENTWISE = tuple(c for c in _ELEMENTWISE if not issubclass(c, Unary))
_UNARY = tuple(c for c in _ELEMENTWISE if issubclass(c, Unary))


def _unbroadcast(node: Node) -> Node | None:
    """An elementwise op broadcasts by itself: bcast(s, S) * t -> s * t when t has shape S, and
    a constant of one element, with axes, is its 0-d value there ([3.0] * exp(v) -> 3.0 * exp(v),
    a literal in text and generated code)."""
    ins = list(node.inputs)
    if len(ins) < 2:
        return None
    changed = False
    for k, i in enumerate(ins):
        if isinstance(i.op, BroadcastTo):
            smaller = i.inputs[0]
        elif isinstance(i.op, Const) and i.ndim and i.op.value.size == 1:
            smaller = const(i.op.value.reshape(()))
        else:
            continue
        trial = [*ins[:k], smaller, *ins[k + 1:]]
        if broadcast_shapes(node.op.name, *(t.shape for t in trial)) == node.shape:
            ins, changed = trial, True
    return Node(node.op, ins) if changed else None


# reductions read as their scalar where they keep every axis; not logsumexp, which x -
# logsumexp(x, keepdims=True) makes log_softmax (and the gradient of logsumexp, softmax)
_KEPT_SCALARS = tuple(c for c in _op_classes(Reduction) if not issubclass(c, LogSumExp))


def _reshaped_scalar(n: Node) -> Node | None:
    """``s`` where ``n`` is ``reshape(s, (1, ..., 1))`` of a 0-d ``s`` (as reverse mode keeps
    the axis a reduction of a vector dropped), or a reduction over every axis keeping them
    (``sum(v, keepdims=True)`` is ``reshape(sum(v), (1,))``), else None; not of logsumexp."""
    if not n.ndim:
        return None
    if isinstance(n.op, Reshape):
        inner = n.inputs[0]
        return inner if inner.ndim == 0 and not isinstance(inner.op, LogSumExp) else None
    if isinstance(n.op, _KEPT_SCALARS) and n.op.keepdims and len(n.op.axes) == n.ndim:
        return Node(n.op.with_keepdims(False), n.inputs)
    return None


def _scalar_reshape_out(node: Node) -> Node | None:
    """An elementwise op of one-element values, each a reshaped scalar or a scalar, is the op of
    the scalars reshaped: ``reshape(m, (1,)) > 0.0 -> reshape(m > 0.0, (1,))``, and where a
    bigger operand sets the shape, the reshape goes: ``x == reshape(max(x), (1,)) -> x ==
    max(x)`` (NumPy broadcasts a scalar), so the gradient of ``max`` or ``linalg.norm`` of a
    vector reads with the value itself."""
    ins = [i if (s := _reshaped_scalar(i)) is None else s for i in node.inputs]
    if all(a is b for a, b in zip(ins, node.inputs)):
        return None
    if all(i.ndim == 0 for i in ins) and node.ndim:
        # a cast is built anew: how it converts depends on its input's shape (an integer
        # scalar's cast is written np.float64(n))
        out = ins[0].astype(node.dtype) if isinstance(node.op, Cast) else Node(node.op, tuple(ins))
        return reshape(out, node.shape) if out.dtype == node.dtype else None
    # some operand is bigger: drop each reshape whose scalar broadcasts to the same shape
    trial = list(node.inputs)
    for k, s in enumerate(ins):
        if s is not node.inputs[k]:
            attempt = [*trial[:k], s, *trial[k + 1:]]
            if broadcast_shapes(node.op.name, *(t.shape for t in attempt)) == node.shape:
                trial = attempt
    return Node(node.op, tuple(trial)) if any(a is not b for a, b in zip(trial, node.inputs)) else None


def _drop_kept_axes(node: Node, x: Node) -> Node | None:
    """reshape(sum(x, axes, keepdims=True), shape without those axes) -> sum(x, axes): the
    reshape only drops the axes the reduction kept (as reverse mode writes a gradient)."""
    op = node.inputs[0].op
    if not op.keepdims:  # type: ignore[attr-defined]
        return None
    plain = op.with_keepdims(False)  # type: ignore[attr-defined]
    return Node(plain, (x,)) if plain.out_shape(x.shape) == node.shape else None


def _row_matmul(node: Node, a: Node, b: Node) -> Node | None:
    """reshape(v, (1, n)) @ X -> reshape(v @ X, (1, m)), X @ reshape(v, (n, 1)) -> reshape(X @ v,
    (m, 1)): NumPy multiplies by a vector directly, so the reshapes around a matrix-vector
    product (which differentiation writes) cancel with the ones around its result."""
    # (a one-hot vector is left to the one-hot rules, which make the product a gather)
    if isinstance(a.op, Reshape) and a.shape[:1] == (1,) and a.ndim == 2 and b.ndim == 2 \
            and a.inputs[0].ndim == 1 and _one_hot_vector(a) is None:
        return reshape(a.inputs[0] @ b, node.shape)
    if isinstance(b.op, Reshape) and b.ndim == 2 and b.shape[1:] == (1,) and a.ndim == 2 \
            and b.inputs[0].ndim == 1 and _one_hot_vector(b) is None:
        return reshape(a @ b.inputs[0], node.shape)
    return None


def _matmul_of_one_value(node: Node, a: Node, b: Node) -> Node | None:
    """bcast(s, S) @ Y -> s * sum(Y, axis=-2) and Y @ bcast(s, S) -> s * sum(Y, axis=-1), kept
    axes and a broadcast making the product's shape: a product with a matrix (or vector) of
    one value sums the other operand (reverse mode writes the gradient of ``sum(A @ x)`` with
    respect to ``x`` as ``ones((1, m)) @ A``; it is ``sum(A, axis=0)``). Floating-point only
    (an integer sum widens its dtype), and for ``s`` known finite (``inf * 0`` is nan in every
    term of the product, not only where the sum is 0: a value not known finite scales each
    term, ``sum(s * Y, axis=-2)``, as the product does)."""
    if node.dtype.kind not in "fc":
        return None
    for u, y, left in ((a, b, True), (b, a, False)):
        if not isinstance(u.op, BroadcastTo) or any(d != 1 for d in u.inputs[0].shape) \
                or y.dtype != node.dtype:
            continue
        s = reshape(u.inputs[0], ())
        if scalar_constant(s) == 0:
            return None  # a product by zeros: 0 * sum(...) would be no smaller
        axis = -2 if left and y.ndim >= 2 else -1  # the axis the product contracts
        op = Sum((axis % y.ndim,), u.ndim >= 2 and y.ndim >= 2)
        if scalar_constant(s) == 1:
            out = Node(op, (y,))
        elif known_finite(s):
            out = s * Node(op, (y,))
        else:
            out = Node(op, (s * y,))
        if out.dtype != node.dtype:
            return None
        return out if out.shape == node.shape else broadcast_to(out, node.shape)
    return None


def _reshape_scaled_reshape(node: Node, x: Node) -> Node | None:
    """reshape(k * reshape(t)) -> k * reshape(t), one reshape (so with t / k and -t): a scale
    between two reshapes keeps them from merging."""
    if not isinstance(x.op, Neg) and _scale_of(x) is None:
        return None
    ins = [reshape(i.inputs[0], node.shape) if isinstance(i.op, Reshape) and i.type == x.type
           else i for i in x.inputs]  # the scale k is 0-d: it broadcasts to any shape
    if all(a is b for a, b in zip(ins, x.inputs)):
        return None
    return Node(x.op, tuple(ins))


def _only_unit_axes(n: Node) -> bool:
    """Whether ``n`` is an index that only adds or drops axes of size 1 (``c[:, None]``,
    ``m[0]`` of a (1, k) m): the elements in the same order, so a reshape."""
    if not isinstance(n.op, Index):
        return False
    return _unit_axes_spec(n.op.spec, n.inputs[0].shape)  # type: ignore[attr-defined]


def _unit_axes_spec(spec: tuple[Any, ...], shape: tuple[Any, ...]) -> bool:
    """Whether index ``spec`` of an array of ``shape`` only adds or drops axes of size 1."""
    axis = 0
    for it in spec:
        if it[0] == "n":
            continue
        if it[0] == "a" or axis >= len(shape):
            return False
        d = shape[axis]
        axis += 1
        if it[0] == "i":
            if d != 1:
                return False
        elif it[0] == "s":
            if it[1:] != (None, None, None) and (
                    not isinstance(d, int) or slice(*it[1:]).indices(d) != (0, d, 1)):
                return False
        else:
            return False
    return True


def _unit_axes_of_reshape(node: Node, x: Node) -> Node | None:
    """reshape(x[:, None], s) -> reshape(x, s) and x.reshape(s)[:, None] -> reshape(x, ...):
    an index that only adds or drops axes of size 1 next to a reshape is part of it."""
    inner = node.inputs[0]
    if isinstance(node.op, Reshape):
        return reshape(x, node.shape) if _only_unit_axes(inner) else None
    if _only_unit_axes(node) and (isinstance(inner.op, Reshape) or _only_unit_axes(inner)):
        return reshape(x, node.shape)
    return None


def _index_add_of_unit_axes(node: Node, x: Node) -> Node | None:
    """index_add(g, shape, s_[:, None]) -> reshape(g, shape): adding into every element of zeros
    through an index that only adds or drops axes of size 1 is g in the same order (the
    derivative of v[:, None])."""
    op: IndexAdd = node.op  # type: ignore[assignment]
    if len(node.inputs) != 1 or not _unit_axes_spec(op.spec, op.shape):
        return None
    if x.shape != index_shape(op.spec, op.shape, []):
        return None  # g broadcast into the index: not a reshape of g
    return reshape(x, node.shape)


def _index_of_broadcast(node: Node, x: Node) -> Node | None:
    """broadcast_to(x, S)[idx] -> broadcast_to(x, shape): an index that selects along broadcast
    axes only (whole slices or new axes elsewhere) picks copies of ``x``, a smaller broadcast
    (``broadcast_to(v, (2, 3))[1]`` is ``v``; ``x``'s spread axes of size 1 are kept or dropped
    as the index keeps or drops them). An int on a named broadcast dimension is left alone:
    its bounds are checked only when the graph runs."""
    shape = node.inputs[0].shape
    lead = len(shape) - x.ndim  # the axes the broadcast puts in front of x's
    own: list[tuple[Any, ...]] = []
    axis = 0
    for it in node.op.spec:  # type: ignore[attr-defined]
        if it[0] == "a":
            return None
        if it[0] == "n":
            if axis > lead or (axis == lead and own):
                own.append(it)
            continue
        d = shape[axis]
        if axis >= lead and x.shape[axis - lead] == d:  # an axis of x's own (or 1 both ways)
            whole = it[0] == "s" and (it[1:] == (None, None, None) or isinstance(d, int)
                                      and slice(*it[1:]).indices(d) == (0, d, 1))
            if not (whole or it[0] == "i" and d == 1):
                return None  # it selects along x itself: not a smaller broadcast of x
            own.append(it)
        elif it[0] == "i" and not isinstance(d, int):
            return None
        elif axis >= lead:  # x's size-1 axis, spread: any element is its one element
            own.append(("i", 0) if it[0] == "i" else ("s", None, None, None))
        axis += 1
    while own and own[-1] == ("s", None, None, None):
        own.pop()
    picked = Node(Index(tuple(own)), (x,)) if own else x
    return broadcast_to(picked, node.shape)


def _extreme_of_broadcast(node: Node, x: Node) -> Node | None:
    """max(broadcast_to(x, S), axes) -> max(x, its own axes), broadcast to the result's shape:
    the copies a broadcast makes are the same value (nan and -0.0 too); so for min. Only over
    broadcast axes of known, non-zero size: an empty one is an error or ``initial``."""
    split = _broadcast_axes(node, x)
    if split is None:
        return None
    own, counts = split
    if any(not isinstance(n, int) or n == 0 for n in counts):
        return None
    op: Max = node.op  # type: ignore[assignment]
    # max(x, initial=lowest) is x: initial is only ever the dtype's lowest (highest for min)
    out = Node(type(op)(own, op.keepdims, op.initial), (x,)) if own else x
    return broadcast_to(out, node.shape) if out.shape != node.shape else out


def _product_of_broadcast(node: Node, x: Node) -> Node | None:
    """prod(broadcast_to(x, S), axes) -> prod(x, its own axes) ** n, n the number of copies:
    for booleans and integers only, where products wrap the same in any order and ``**``
    multiplies (a float power rounds once where the product rounds n - 1 times)."""
    if x.dtype.kind not in "biu":
        return None
    split = _broadcast_axes(node, x)
    if split is None:
        return None
    own, counts = split
    if any(not isinstance(n, int) for n in counts):
        return None
    op: Prod = node.op  # type: ignore[assignment]
    out = Node(Prod(own, op.keepdims), (x,)) if own else x.astype(node.dtype)
    out = power(out, const(np.asarray(int(np.prod(counts, dtype=object)), dtype=node.dtype)))
    return broadcast_to(out, node.shape) if out.shape != node.shape else out


def _broadcast_axes(node: Node, x: Node) -> tuple[tuple[int, ...], list[Any]] | None:
    """For a reduction of ``broadcast_to(x, S)``: the axes of ``x`` it reduces, and the sizes of
    the broadcast axes it reduces (None when it reduces none of those)."""
    shape = node.inputs[0].shape
    axes: tuple[int, ...] = node.op.axes  # type: ignore[attr-defined]
    lead = len(shape) - x.ndim
    spread = [shape[a] for a in axes if a < lead or (x.shape[a - lead] == 1 and shape[a] != 1)]
    if not spread:
        return None
    return tuple(a - lead for a in axes if a >= lead), spread


def _flip_flip(node: Node, x: Node) -> Node:
    """flip(flip(x, a), b) -> flip(x, the axes in one of a and b): flipping twice is the same."""
    axes = set(node.op.axes) ^ set(node.inputs[0].op.axes)  # type: ignore[attr-defined]
    return Node(Flip(tuple(sorted(axes))), (x,)) if axes else x


def _composed_slice(inner: tuple[Any, ...], outer: tuple[Any, ...], d: Any) -> tuple[Any, ...]:
    """The one index item that picks, along an axis of size ``d``, what ``outer`` (a slice or an
    int) picks of what the slice ``inner`` picked."""
    if not isinstance(d, int):  # a named dimension: only ':' and '::-1' slice it
        backward = [it[0] == "s" and it[3] == -1 for it in (inner, outer)]
        if outer[0] == "i":
            return ("i", -1 - outer[1]) if backward[0] else outer
        return ("s", None, None, -1) if backward[0] != backward[1] else ("s", None, None, None)
    picked = range(d)[slice(*inner[1:])]
    if outer[0] == "i":
        return ("i", picked[outer[1]])
    r = picked[slice(*outer[1:])]
    if len(r) == 0:
        return ("s", 0, 0, None)
    step = r.step
    if step > 0:
        start = None if r.start == 0 else r.start
        stop = None if r.stop >= d else r.stop
    else:
        start = None if r.start == d - 1 else r.start
        stop = None if r.stop < 0 else r.stop
    return ("s", start, stop, None if step == 1 else step)


def _index_of_slices(node: Node, x: Node) -> Node | None:
    """x[s1][s2] -> x[s]: two indices of slices (the second may hold ints) are one index
    (``v[::-1][::-1]`` is ``v``, ``v[1:][::2]`` is ``v[1::2]``)."""
    inner = node.inputs[0].op.spec  # type: ignore[attr-defined]
    outer = node.op.spec  # type: ignore[attr-defined]
    if any(it[0] != "s" for it in inner) or any(it[0] not in "is" for it in outer):
        return None
    full_axis = ("s", None, None, None)
    items = []
    for k in range(max(len(inner), len(outer))):
        a = inner[k] if k < len(inner) else full_axis
        b = outer[k] if k < len(outer) else full_axis
        items.append(a if b == full_axis else b if a == full_axis else
                     _composed_slice(a, b, x.shape[k]))
    while items and items[-1] == full_axis:
        items.pop()
    return Node(Index(tuple(items)), (x,)) if items else x


def _index_of_unary(node: Node, x: Node, ctx: Context) -> Node | None:
    """f(x)[i] -> f(x[i]) for an elementwise function of one input that nothing else uses: only
    the picked elements are computed, and they meet f's own rules (log(sigmoid(z)[2]) is then
    -softplus(-z[2]), finite where sigmoid(z[2]) underflows)."""
    fx = node.inputs[0]
    if _input_uses(node, fx, ctx) > 1:
        return None
    return Node(fx.op, (Node(node.op, (x,)),))


SHAPES = RuleSet([
    Rule(Pat(Transpose, Pat(Transpose, x)), _transpose_transpose),  # (x^T)^T -> x
    Rule(Pat(Reshape, Pat(Reshape, x)), lambda node, x: reshape(x, node.shape)),  # reshape(reshape x) -> reshape x
    Rule(Pat(Reshape, x), lambda node, x: x if x.shape == node.shape else None),  # reshape(x, x.shape) -> x
    Rule(Pat(Reshape, Pat(Index, x)), _unit_axes_of_reshape),  # reshape(x[:, None]) -> reshape x
    Rule(Pat(Index, Pat((Reshape, Index), x)), _unit_axes_of_reshape),  # reshape(x)[:, None] -> reshape x
    Rule(Pat(IndexAdd, x), _index_add_of_unit_axes),  # index_add(g, (k, n), s_[:, :, None]) -> reshape g
    Rule(Pat(Reshape, Pat((Mul, Div, Neg), name="x")), _reshape_scaled_reshape),  # reshape(k * reshape x) -> k * reshape x
    Rule(Pat(BroadcastTo, Pat(BroadcastTo, x)), lambda node, x: broadcast_to(x, node.shape)),  # bcast(bcast x) -> bcast x
    Rule(Pat(Reshape, Pat(BroadcastTo, x)), lambda node, x: _broadcast_of_scalar(node, x)),  # reshape(bcast c) -> bcast c
    Rule(Pat(Transpose, Pat(BroadcastTo, x)), lambda node, x: _broadcast_of_scalar(node, x)),  # transpose(bcast c) -> bcast c
    Rule(Pat(Index, Pat(BroadcastTo, x)), lambda node, x: _broadcast_of_scalar(node, x)),  # bcast(c)[i] -> bcast c
    Rule(Pat(Index, Pat(BroadcastTo, x)), _index_of_broadcast),  # broadcast_to(v, (2, 3))[1] -> v
    Rule(Pat(Index, Pat(Index, x)), _index_of_slices),  # v[::-1][::-1] -> v, v[1:][::2] -> v[1::2]
    Rule(Pat(Index, Pat(_UNARY, x)), _index_of_unary),  # f(x)[i] -> f(x[i]) (unshared)
    Rule(Pat(Flip, Pat(Flip, x)), _flip_flip),  # flip(flip(v)) -> v
    Rule(Pat(IndexAdd, Pat(BroadcastTo, x)), lambda node, x: _broadcast_of_scalar(node, x)),  # index_add(0) -> 0
    Rule(Pat(Sum, x), _empty_sum),  # sum over no elements -> 0
    Rule(Pat(Sum, Pat(BroadcastTo, x)), _sum_broadcast),  # sum(bcast(x, S)) -> sum(x) * |S / x|
    Rule(Pat(Sum, x), lambda node, x: full(0, node) if _is_zero(x) else None),  # sum(0) -> 0
    Rule(Pat(BroadcastTo, Pat(Reshape, x)),
         lambda node, x: broadcast_to(x, node.shape) if x.ndim == 0 else None),  # bcast(reshape s) -> bcast s
    Rule(Pat(Sum, Pat(BroadcastTo, x) * y), _sum_scaled),  # sum(bcast(s) * y) -> s * sum(y)
    Rule(Pat(Sum, x * y), _sum_scaled),  # sum(s * y) -> s * sum(y)
    Rule(Pat((Sum, Prod, Max, Min), x), _reduce_ones),  # sum(x, axes of extent 1) -> x
    Rule(Pat((Max, Min), Pat(BroadcastTo, x)), _extreme_of_broadcast),  # max(broadcast_to(x, S)) -> x
    Rule(Pat(Prod, Pat(BroadcastTo, x)), _product_of_broadcast),  # prod(broadcast_to(i, (3,))) -> i ** 3 (integers)
    Rule(Pat(Sum, Pat(Sum, x)), _sum_of_sum),  # sum(sum(x, a1), a2) -> sum(x, a1 + a2)
    Rule(Pat(Sum, Pat(Transpose, x)), _sum_of_transpose),  # sum(X.T, axis=1) -> sum(X, axis=0)
    Rule(Pat(Reshape, Pat((Sum, Prod, Max, Min), x)), _drop_kept_axes),  # reshape(sum(x, keepdims)) -> sum(x)
    # bcast(s, S) * t -> s * t (t of shape S), [3.0] * t -> 3.0 * t
    Rule(Pat(_MULTI_ELEMENTWISE), _unbroadcast, any_input=(BroadcastTo, Const)),
    # reshape(m, (1,)) > 0.0 -> reshape(m > 0.0, (1,)); x == reshape(m, (1,)) -> x == m
    Rule(Pat(_ELEMENTWISE), _scalar_reshape_out, any_input=(Reshape, *_KEPT_SCALARS)),
    Rule(Pat(MatMul, x, y), lambda node, x, y: _row_matmul(node, x, y)),  # reshape(v, (1, n)) @ X -> reshape(v @ X, (1, m))
    Rule(Pat(MatMul, x, y), lambda node, x, y: _matmul_of_one_value(node, x, y), any_input=(BroadcastTo,)),  # bcast(s) @ Y -> s * sum(Y, axis=-2)
])


# -- zeros from differentiation -----------------------------------------------------------------


def _add_zero(node: Node, x: Node, z: Node) -> Node | None:
    return broadcast_to(x, node.shape) if _is_zero(z) else None


ZEROS = RuleSet([
    Rule(Pat(Add, x, Pat.var("z")), _add_zero),  # x + zeros -> x
    Rule(Pat(Sub, x, Pat.var("z")), _add_zero),  # x - zeros -> x
    Rule(Pat(Where, c, x, y), lambda node, x, y: full(0, node) if _is_zero(x) and _is_zero(y) else None),  # where(c,0,0) -> 0
])


# -- numerical stabilization ----------------------------------------------------------------------


def _is_range(r: Node, n: Any) -> bool:
    """Whether ``r`` is ``arange(n)``: 0, 1, ..., n - 1 (``n`` an int or a dimension name), as
    an op or as the constant array an index like ``np.arange(4)`` makes."""
    op = r.op
    if isinstance(op, Const):
        v = op.value
        return isinstance(n, int) and v.shape == (n,) and v.dtype.kind in "iu" \
            and bool(np.all(v == np.arange(n)))
    return isinstance(op, Arange) and (op.start, op.step, op.stop) == (0, 1, n)


def _finite_where_present(g: Node) -> bool:
    """Whether every element ``g`` has is finite: ``known_finite``, or a mean's cotangent
    ``a / n`` (``a`` known finite) broadcast along the named dimension ``n``, whose elements
    exist only where ``n`` is at least 1."""
    if known_finite(g):
        return True
    if not isinstance(g.op, BroadcastTo) or not isinstance(g.inputs[0].op, Div):
        return False
    a, n = g.inputs[0].inputs
    if isinstance(n.op, Cast):
        n = n.inputs[0]
    return isinstance(n.op, DimSize) and n.op.dim in g.shape and known_finite(a)


def _one_hot_nll(node: Node) -> Node | None:
    """index_add(g, (n, k), [arange(n), labels]) -> g[:, None] * one_hot(labels, k), and for one
    example, index_add(g, (k,), [label]) -> g * one_hot(label, k) (the label a node or an int
    of the index, the rows arange(n) as an op or as a constant). Only for a ``g`` known finite:
    the product is inf * 0 = nan off the label where ``g`` is infinite, and spreads a nan ``g``
    over the row, where index_add writes zeros there."""
    op: IndexAdd = node.op  # type: ignore[assignment]
    g = node.inputs[0]
    if not _finite_where_present(g):
        return None
    if len(op.spec) == 1 and op.spec[0][0] in "ai" and len(op.shape) == 1:
        k = op.shape[0]
        if op.spec[0][0] == "a":
            label = node.inputs[1]
        else:  # a label written in the index, x[3] or x[-1]
            i = op.spec[0][1]
            if i < 0 and not isinstance(k, int):
                return None
            label = const(np.int64(i % k if i < 0 else i))  # type: ignore[operator]
        if label.shape != () or g.shape != ():
            return None
        return g * one_hot(label, k, node.dtype)
    if op.spec != (("a",), ("a",)) or len(op.shape) != 2:
        return None
    # the examples along either axis: [arange(n), labels] of an (n, k) array, or
    # [labels, arange(n)] of a (k, n) one (classes along axis 0), whose one-hot is transposed
    for at in (0, 1):
        rows, labels = node.inputs[1 + at], node.inputs[2 - at]
        n, k = op.shape[at], op.shape[1 - at]
        if _is_range(rows, n) and labels.shape == (n,) and g.shape in ((), (n,)):
            hot = one_hot(labels, k, node.dtype)
            if at == 1:
                hot = transpose(hot)
            shape = (1, n) if at == 1 else (n, 1)
            return (reshape(g, shape) if g.shape == (n,) else g) * hot
    return None


def _one_hot_along_axis(node: Node) -> Node | None:
    """add_along_axis(g, labels, shape, axis) with one label per example (``labels`` of size 1
    along ``axis``, the derivative of ``take_along_axis(x, labels, axis)``) -> g * one_hot(labels)
    with the new axis at ``axis``: the cross-entropy of take_along_axis, as _one_hot_nll's of
    an index, under the same assumptions (labels in [0, k), ``g`` known finite)."""
    op: AddAlongAxis = node.op  # type: ignore[assignment]
    g, labels = node.inputs
    a, shape = op.axis, op.shape
    if labels.shape[a] != 1 or g.shape != labels.shape or not _finite_where_present(g):
        return None
    rest = labels.shape[:a] + labels.shape[a + 1:]
    hot = one_hot(reshape(labels, rest), shape[a], node.dtype)
    if a != len(shape) - 1:  # the one-hot axis, last, moved to ``axis``
        hot = transpose(hot, tuple(range(a)) + (len(shape) - 1,) + tuple(range(a, len(shape) - 1)))
    return g * hot


def _sum_one_hot(node: Node, x: Node, sign: int) -> Node | None:
    """sum(one_hot(l), axis) -> 1 (and of -one_hot(l), -1) along the one-hot axis: the last,
    or where a transpose moved it (one_hot(l).T, a one-hot with the classes along axis 0)."""
    op: Sum = node.op  # type: ignore[assignment]
    hot = node.inputs[0].inputs[0] if sign < 0 else node.inputs[0]
    axis = hot.ndim - 1
    if isinstance(hot.op, Transpose):
        if not isinstance(hot.inputs[0].op, OneHot):
            return None
        axis = hot.op.axes.index(axis)
    if op.axes != (axis,):
        return None
    return full(sign, node)


def _softmax_of_log_softmax(node: Node, x: Node, ctx: Context) -> Node | None:
    """exp(log_softmax x) -> softmax x, unless log_softmax x is computed anyway (one exp of it
    is then cheaper than the softmax's max, subtract, exp, sum and divide)."""
    ls = node.inputs[0]
    if _input_uses(node, ls, ctx) > 1:
        return None
    return softmax(x, ls.op.axis)  # type: ignore[attr-defined]


def _log_softmax_written_out(node: Node, x: Node, ctx: Context) -> Node | None:
    """x - logsumexp(x, axis, keepdims=True) -> log_softmax(x, axis), for one axis (the kept
    axis a reshape or keepdims), when nothing else uses the logsumexp: the gradient of
    logsumexp(x) is exp(x - logsumexp(x)), which is then softmax(x). Where the logsumexp is
    computed anyway (the value of a loss beside its gradient), subtracting it is less work."""
    kept = node.inputs[1]
    lse = kept.inputs[0] if isinstance(kept.op, Reshape) else kept
    op = lse.op
    if not isinstance(op, LogSumExp) or len(op.axes) != 1 or node.dtype != x.dtype:
        return None
    if kept.shape != tuple(1 if k in op.axes else d for k, d in enumerate(x.shape)) \
            and kept.ndim != 0:
        return None  # (a 0-d logsumexp of a vector broadcasts as the kept one does)
    if _input_uses(node, kept, ctx) > 1:
        return None
    if lse is not kept and ctx is not None:
        # the reshape of a logsumexp a rule built: how often the graph used the one it replaces
        old = ctx.old.inputs[1] if ctx.old is not None and ctx.old.op == node.op else None
        if lse in ctx.uses:
            shared = ctx.uses[lse] > 1
        elif old is None or old.op != kept.op:
            shared = ctx.again = True  # counted next pass
        else:
            shared = ctx.uses.get(old.inputs[0], 2) > 1
        if shared:
            return None
    return log_softmax(x, op.axes[0])


def _log1p(node: Node, x: Node) -> Node | None:
    """log(1 + x) -> log1p(x), in the dtype the sum 1 + x has: log1p of a narrower x (a bool, an
    int8 or a float32 next to a float64 one) would compute in float16 or float32. An integer
    sum only where it cannot wrap around (1 + b of a bool, 1 + i8 in int64: int8(1) + 127 is
    -128, whose log is nan); and real only: 1 + z of a complex z = -2 - 0j is -1 + 0j, whose
    log is +pi*j, where log1p(z) reads the -0.0 and is on the other side of the branch cut."""
    wide = node.inputs[0].dtype
    if wide.kind == "c" or wide.kind in "iu" and not (x.dtype.kind == "b" or (
            x.dtype.kind in "iu" and np.iinfo(x.dtype).max < np.iinfo(wide).max)):
        return None
    if x.dtype == wide:
        return log1p(x)
    if isinstance(x.op, Exp) and wide.kind in "fc":
        # the exp computed in that dtype too: log1p(exp(y)) is then softplus(y), which a
        # float32 exp overflowing to inf (y > 88) would no longer be
        return log1p(Node(x.op, (x.inputs[0].astype(wide),)))
    return log1p(x.astype(wide))


def _log1m(node: Node, x: Node) -> Node | None:
    """log(1 - x) -> log1p(-x), negated in the floating dtype the difference has (an integer
    difference is exact, or wraps around as -x would not: 1 - 1 is 0, 1 + 255 is 256). Real
    only: 1 - z of a complex z = 2 + 0j is -1 + 0j, -z is -2 - 0j, and log1p(-z) is -pi*j
    where log(1 - z) is +pi*j."""
    wide = node.inputs[0].dtype
    if wide.kind != "f":
        return None
    return log1p(negative(x if x.dtype == wide else x.astype(wide)))


def _one_minus_exp(node: Node, x: Node) -> Node | None:
    """1 - exp(x) -> -expm1(x): for x near 0, 1 - exp(x) keeps no digit of a tiny x. Real only:
    for a complex x the negation flips the sign of a zero imaginary part, and a log of the
    result (log(1 - exp(x)), the form this serves) lands on the other side of its branch cut."""
    if node.dtype.kind != "f" or node.dtype != node.inputs[1].dtype:
        return None
    return negative(expm1(x))


sqrt_ = Pat.of(Sqrt)


def _real_float(*ns: Node) -> bool:
    return all(n.dtype.kind == "f" for n in ns)


def _same_real_type(node: Node, form: Node) -> Node | None:
    """``form`` where it is a real float of ``node``'s dtype and shape (a float64 ``1 - t`` of
    a float32 ``t`` computes in float64; a broadcast one has a larger shape), else None."""
    return form if _real_float(node) and form.type == node.type else None


def _complement(node: Node, x: Node, ctx: Context) -> Node | None:
    """1 - sigmoid(x) -> sigmoid(-x): the difference rounds to 0 where sigmoid(x) is within
    half an ulp of 1 (x above 37), losing sigmoid(-x) whole. Only where nothing else uses
    sigmoid(x): beside it (s * (1 - s), sigmoid's derivative as users write it), a second
    sigmoid would cost a node, and its derivatives would share none of those of s (a fifth derivative twice as
    large). Real floats only: an integer's negation wraps around (-(-128) is -128 in int8)."""
    if not _real_float(x) or _input_uses(node, node.inputs[1], ctx) > 1:
        return None
    return _same_real_type(node, sigmoid(negative(x)))


erf_, erfc_ = Pat.of(Erf), Pat.of(Erfc)
expm1_x = Pat(Expm1, x)


def _half_power(node: Node, x: Node) -> Node | None:
    """x ** 0.5 -> sqrt(x) for float32 and float64 (NumPy computes that power as the square
    root), so the rules on sqrt see it; not float16, whose power NumPy takes in float32 as
    C's pow, +inf at -inf and +0.0 at -0.0, where the square root is nan and -0.0."""
    return sqrt(x) if _real_float(node, x) and node.dtype == x.dtype \
        and node.dtype != np.float16 else None


def _sqrt_of_square(node: Node, x: Node) -> Node | None:
    """sqrt(x**2) -> abs(x) for real floats: the same number wherever x**2 neither overflows
    (|x| above 1.3e154, where the raw form is inf) nor loses bits to underflow (below 1.5e-154),
    and exact there too."""
    return abs_(x) if _real_float(node, x) else None


def _sqrt_of_squares(node: Node, x: Node, y: Node) -> Node | None:
    """sqrt(x**2 + y**2) -> hypot(x, y) for real floats: the same to rounding, and finite where
    a square overflows (|x| above 1.3e154) or exact where both underflow."""
    return hypot(x, y) if _real_float(node, x, y) else None


# (sine, cosine, the function that builds their quotient): the rules below and collection's
# tangents (_tangents) read this one table
_QUOTIENTS = ((Sinh, Cosh, tanh), (Sin, Cos, tan))


def _quotient_is(f: Any) -> Any:
    """The rule body for sinh(x) / cosh(x) -> tanh(x) (``f`` tanh) and sin(x) / cos(x) -> tan(x)
    (``f`` tan), of real values (integers in the float their functions compute in): one
    function where the quotient rounds twice, and finite where it is not (sinh and cosh are
    inf past |x| = 710, their quotient nan, tanh 1). The derivatives of log(cosh(x)) and
    log(cos(x)) are these quotients. Their reciprocals alike (``f`` 1 / tanh): cosh(x) / sinh(x)
    is 1 / tanh(x), the derivative of log(sinh(x)), and +-inf at +-0 as the quotient is."""
    def body(node: Node, x: Node) -> Node | None:
        if not _real_float(node) or x.dtype.kind not in "iuf":
            return None
        form = f(x)
        return form if form.dtype == node.dtype else None
    return body


def _log_cosh(node: Node, x: Node) -> Node | None:
    """log(cosh(x)) -> logcosh(x) of real values (integers in the float cosh computes in): inf
    past |x| = 710, where cosh overflows and the value is |x| - log 2, and 0 at tiny x, where
    cosh(x) rounds to 1 and the value is x**2 / 2. Its derivative stays tanh(x). A complex
    log(cosh(z)) is kept as written (logcosh is a real function)."""
    if not _real_float(node) or x.dtype.kind not in "biuf":
        return None
    form = logcosh(x)
    return form if form.type == node.type else None


def _hyperbolic(f: Any, odd: bool) -> Any:
    """The rule body for exp(x) - exp(-x) -> 2 sinh(x) (``f`` sinh, ``odd``) and exp(x) +
    exp(-x) -> 2 cosh(x) (``f`` cosh), of the operand without the minus sign, for real floats:
    the hyperbolic functions written out, whose difference keeps few digits of a small x
    (exp(1e-10) - exp(-1e-10) has 7 right) and whose quotient, tanh written out, is inf / inf
    past |x| = 710 (then 2 sinh(x) / (2 cosh(x)) is tanh(x), by the rule above)."""
    def body(node: Node, x: Node, y: Node) -> Node | None:
        negated = _negated(x) is y
        if not negated and _negated(y) is not x:
            return None
        form = f(y if negated else x) * 2
        if negated and odd:
            form = negative(form)
        return form if form.type == node.type else None
    return body


def _tanh_written_out(negated: bool) -> Any:
    """The rule body for expm1(x) / (exp(x) + 1) -> tanh(x / 2) (with ``negated``, -expm1(x) /
    (exp(x) + 1) -> -tanh(x / 2)), for real floats: tanh as it is often written, (exp(2t) - 1) /
    (exp(2t) + 1) or (1 - exp(-2t)) / (1 + exp(-2t)), once its numerator is expm1; nan past
    |t| = 355 (inf / inf), and few digits of tanh's left where the numerator was a difference."""
    def body(node: Node, x: Node, y: Node) -> Node | None:
        if y is not x or not _real_float(node):
            return None
        form = tanh(x * 0.5)
        form = negative(form) if negated else form
        return form if form.type == node.type else None
    return body


def _real_stable_form(node: Node) -> Node | None:
    """The stable form of ``node`` (``stable_form``) for real values. A complex log's imaginary
    part is its principal value, in (-pi, pi], where logsumexp and log_softmax add up the
    imaginary parts of the shift and of the shifted log: log(exp(3.1j) + exp(-0.5 + 4j)) has
    imaginary part -2.85, logsumexp 3.43. (Reverse mode still differentiates through them:
    the two differ by a constant.)"""
    return None if node.dtype.kind == "c" else stable_form(node)


STABILIZE = RuleSet([
    # log(sigmoid x) -> -softplus(-x), log(1 - sigmoid x) -> -softplus(x), log(1 + exp x) ->
    # softplus x, log(softmax x) -> log_softmax x, log(sum(exp x)) -> logsumexp x, log(erfc x)
    # -> log_ndtr(-sqrt(2) x) + log 2, log(1 - exp x) -> where(x > -ln 2, log(-expm1 x),
    # log1p(-exp x)), and the
    # logistic function and softmax as users write them (1/(1+exp(-x)) -> sigmoid(x),
    # exp(x)/sum(exp(x)) -> softmax(x)), so that their logs then stabilize too
    Rule(Pat(HEADS), _real_stable_form),
    Rule(log_(1 + x), _log1p),  # log(1+x) -> log1p(x)
    Rule(log_(x - -1), _log1p),  # log(x - -1) -> log1p(x)
    Rule(exp_(x) - 1, lambda x: expm1(x)),  # exp(x)-1 -> expm1(x)
    Rule(exp_(x) + -1, lambda x: expm1(x)),  # exp(x) + -1 -> expm1(x)
    Rule(log_(1 - x), _log1m),  # log(1-x) -> log1p(-x)
    Rule(x ** 0.5, _half_power),  # x ** 0.5 -> sqrt(x)
    Rule(sqrt_(x ** 2), _sqrt_of_square),  # sqrt(x**2) -> abs(x)
    Rule(sqrt_(x ** 2 + y ** 2), _sqrt_of_squares),  # sqrt(x**2 + y**2) -> hypot(x, y)
    Rule(1 - exp_(x), _one_minus_exp),  # 1-exp(x) -> -expm1(x)
    # sinh(x)/cosh(x) -> tanh(x), sin(x)/cos(x) -> tan(x)
    *(Rule(Pat(sine, x) / Pat(cosine, x), _quotient_is(f)) for sine, cosine, f in _QUOTIENTS),
    # cosh(x)/sinh(x) -> 1/tanh(x), cos(x)/sin(x) -> 1/tan(x)
    *(Rule(Pat(cosine, x) / Pat(sine, x), _quotient_is(lambda x, f=f: 1.0 / f(x)))
      for sine, cosine, f in _QUOTIENTS),
    Rule(log_(Pat(Cosh, x)), _log_cosh),  # log(cosh(x)) -> logcosh(x)
    Rule(exp_(x) - exp_(y), _hyperbolic(sinh, True)),  # exp(x) - exp(-x) -> 2 sinh(x)
    Rule(exp_(x) + exp_(y), _hyperbolic(cosh, False)),  # exp(x) + exp(-x) -> 2 cosh(x)
    # expm1(x) / (exp(x) + 1) -> tanh(x / 2), -expm1(x) / (1 + exp(x)) -> -tanh(x / 2)
    *(Rule(top / bottom, _tanh_written_out(top is not expm1_x))
      for top in (expm1_x, -expm1_x) for bottom in (exp_(y) + 1, 1 + exp_(y))),
    Rule(1 - Pat(Sigmoid, x), _complement),  # 1-sigmoid(x) -> sigmoid(-x)
    Rule(1 - erf_(x), lambda node, x: _same_real_type(node, erfc(x))),  # 1-erf(x) -> erfc(x)
    Rule(erf_(x) - 1, lambda node, x: _same_real_type(node, -erfc(x))),  # erf(x)-1 -> -erfc(x)
    Rule(1 - erfc_(x), lambda node, x: _same_real_type(node, erf(x))),  # 1-erfc(x) -> erf(x)
    Rule(exp_(Pat(LogSoftmax, x)), _softmax_of_log_softmax),  # exp(log_softmax x) -> softmax x (unshared)
    Rule(x - Pat(Reshape, Pat(LogSumExp, x)), _log_softmax_written_out),  # x - lse(x) -> log_softmax(x)
    Rule(x - Pat(LogSumExp, x), _log_softmax_written_out),  # x - lse(x, keepdims) -> log_softmax(x)
    Rule(Pat(IndexAdd), _one_hot_nll),  # index_add(g, [arange n, labels]) -> g * one_hot(labels), index_add(g, [label])
    Rule(Pat(AddAlongAxis), _one_hot_along_axis),  # add_along_axis(g, labels[:, None]) -> g * one_hot(labels)
    # sum(one_hot(l), -1) -> 1, sum(one_hot(l).T, 0) -> 1
    Rule(Pat(Sum, Pat((OneHot, Transpose), x)), lambda node, x: _sum_one_hot(node, x, 1)),
    # sum(-one_hot(l), -1) -> -1, sum(-one_hot(l).T, 0) -> -1
    Rule(Pat(Sum, -Pat((OneHot, Transpose), x)), lambda node, x: _sum_one_hot(node, x, -1)),
])


# -- one-hot vectors as indexing ---------------------------------------------------------------------
# A one-hot vector (``one_hot(labels)[t]``, possibly reshaped or transposed into a row or a
# column) multiplied into a matrix, or summed against an array, selects one column, row or
# element: indexing does that in one step without multiplying by zeros. Like the cross-entropy
# rule above, these rules assume the label is in [0, k): a label >= k (whose one-hot vector is
# all zeros) makes the rewritten graph raise IndexError, a negative one counts from the end as
# NumPy indexing does, and an inf or NaN in the unselected entries no longer leaks into the
# result through 0 * inf.


def _one_hot_vector(v: Node) -> tuple[Node, tuple[int, ...], int] | None:
    """(labels, ints, axis) when ``v`` is ``one_hot(labels)[ints]`` (every label axis indexed by
    an int) seen through reshapes and transposes that keep one axis of size k and the others of
    size 1, or a constant of that shape with one 1 and zeros (``one_hot(2, 4)`` folded; labels
    is then the constant label); ``axis`` is the axis of ``v`` holding the k values."""
    big = [a for a, d in enumerate(v.shape) if d != 1]
    if len(big) != 1 or not isinstance(v.shape[big[0]], int):
        return None
    n = v
    while isinstance(n.op, (Reshape, Transpose)):
        n = n.inputs[0]
        if sum(1 for d in n.shape if d != 1) != 1:
            return None  # reshaping a matrix can reorder its elements
    if isinstance(n.op, Index) and isinstance(n.inputs[0].op, OneHot):
        spec: tuple[Any, ...] = n.op.spec  # type: ignore[attr-defined]
        oh = n.inputs[0]
        labels = oh.inputs[0]
        if len(spec) != labels.ndim or any(it[0] != "i" for it in spec):
            return None
        ints = tuple(it[1] for it in spec)
    elif isinstance(n.op, OneHot) and n.inputs[0].ndim == 0:
        oh, labels, ints = n, n.inputs[0], ()
    elif isinstance(v.op, Const):  # one_hot(2, 4) folded: [0.0, 0.0, 1.0, 0.0]
        value = v.op.value
        if value.dtype.kind not in "iuf" or value.size < 2:
            return None
        flat = value.reshape(-1)
        hot = np.flatnonzero(flat)
        if len(hot) != 1 or flat[hot[0]] != 1:
            return None
        return const(np.asarray(hot[0], dtype=np.int64)), (), big[0]
    else:
        return None
    if oh.shape[-1] != v.shape[big[0]]:
        return None
    return labels, ints, big[0]


def _label(labels: Node, ints: tuple[int, ...], size_one: bool) -> Node:
    """``labels[ints]`` as a 0-d node, or as a node of shape (1,) (an index keeping its axis)."""
    if not size_one:
        return Node(Index(tuple(("i", t) for t in ints)), (labels,)) if ints else labels
    if not ints:
        return reshape(labels, (1,))
    *lead, t = ints
    last = ("s", t, None if t == -1 else t + 1, None)
    return Node(Index((*(("i", k) for k in lead), last)), (labels,))


def _take(x: Node, lead: int, labels: Node, ints: tuple[int, ...], size_one: bool) -> Node:
    """x[:, ..., :, l] with ``lead`` whole axes before, l = labels[ints] (an index keeping the
    axis, of size 1, where ``size_one``); a constant label as an int or a slice, x[:, 2]."""
    if isinstance(labels.op, Const) and not ints:
        t = int(labels.op.value)
        return index(x, (slice(None),) * lead + (slice(t, t + 1) if size_one else t,))
    spec = (("s", None, None, None),) * lead + (("a",),)
    return Node(Index(spec), (x, _label(labels, ints, size_one)))


def _matmul_one_hot(node: Node, a: Node, b: Node) -> Node | None:
    """W @ e_l -> W[..., l] (a column), e_l @ W -> W[..., l, :] (a row)."""
    found = _one_hot_vector(b)
    if found is not None and (b.ndim == 1 or b.shape[1] == 1) and a.ndim >= 2:
        labels, ints, axis = found
        if b.ndim == 2 and axis != 0:
            return None
        return _take(a, a.ndim - 1, labels, ints, b.ndim == 2)
    found = _one_hot_vector(a)
    if found is not None and (a.ndim == 1 or a.shape[0] == 1) and b.ndim >= 2:
        labels, ints, axis = found
        if a.ndim == 2 and axis != 1:
            return None
        return _take(b, b.ndim - 2, labels, ints, a.ndim == 2)
    return None


def _sum_times_one_hot(node: Node, x: Node, y: Node) -> Node | None:
    """sum(e_l * x) over every axis -> x[l] (the other axes of size 1 indexed at 0)."""
    op: Sum = node.op  # type: ignore[assignment]
    if len(op.axes) != x.ndim or x.shape != y.shape:
        return None
    for v, other in ((x, y), (y, x)):
        found = _one_hot_vector(v)
        if found is not None:
            labels, ints, axis = found
            if isinstance(labels.op, Const) and not ints:  # a folded one-hot: an int index
                t = int(labels.op.value)
                picked = index(other, tuple(t if a == axis else 0 for a in range(v.ndim)))
            else:
                spec = tuple(("a",) if a == axis else ("i", 0) for a in range(v.ndim))
                picked = Node(Index(spec), (other, _label(labels, ints, False)))
            return reshape(picked, node.shape) if node.shape != () else picked
    return None


def _is_identity(n: Node) -> bool:
    """Whether ``n`` is ``one_hot(arange(k), k)``, the k x k identity (how reverse mode and
    ``eye`` write it)."""
    return isinstance(n.op, OneHot) and n.ndim == 2 and _is_range(n.inputs[0], n.shape[1])


def _sum_times_identity(node: Node, x: Node, y: Node) -> Node | None:
    """sum(I * m, axis) over one of the identity's axes -> the diagonal of m (a vector m
    broadcast along them is its own diagonal): a Jacobian's or Hessian's diagonal block
    contracted, with no k x k product."""
    op: Sum = node.op  # type: ignore[assignment]
    prod = node.inputs[0]
    if len(op.axes) != 1 or op.axes[0] < prod.ndim - 2:
        return None
    for eye, m in ((x, y), (y, x)):
        # a 1 x 1 identity broadcast along m's axes sums them, it picks no diagonal
        if not _is_identity(eye) or tuple(prod.shape[-2:]) != tuple(eye.shape):
            continue
        if m.ndim < 2 or m.shape[-2] == 1:
            d = m if m.ndim < 2 else m[..., 0, :]  # the same row on every row
        elif m.shape[-1] == 1:
            d = m[..., :, 0]  # the same column on every column
        else:
            d = diagonal(m, 0, -2, -1)
        d = broadcast_to(d, prod.shape[:-1])
        return reshape(d, node.shape) if op.keepdims else d
    return None


def _identity_seeds(n: Node) -> tuple[int, int, int] | None:
    """(k, r, c) when ``n`` is the k x k identity reshaped to (k, r, c) with r * c = k: a batch of
    the r x c unit matrices E_ij, as a batched Jacobian or Hessian seeds a matrix product (row
    i * c + j is E_ij); else None."""
    if not isinstance(n.op, Reshape) or n.ndim != 3 or not _is_identity(n.inputs[0]):
        return None
    k, r, c = n.shape
    if not (isinstance(k, int) and isinstance(r, int) and isinstance(c, int)) or k != r * c:
        return None
    return k, r, c


def _diagonal_of_scaled_identity(n: Node) -> Node | None:
    """d when square matrix ``n`` is diag(d): the identity times a scalar, a row or a column
    (d is then that as a vector, or the scalar itself), or a sum of diagonals with only the
    main one."""
    if n.ndim != 2 or n.shape[0] != n.shape[1]:
        return None
    if isinstance(n.op, Mul):
        for eye, m in (n.inputs, n.inputs[::-1]):
            if _is_identity(eye):
                k = eye.shape[0]
                if m.shape in ((), (1,), (1, 1)):
                    return reshape(m, ())
                if m.shape in ((k,), (1, k), (k, 1)):
                    return reshape(m, (k,))
    parts = _band(n)
    return parts[0] if parts is not None and set(parts) == {0} else None


def _matmul_identity(node: Node, a: Node, b: Node) -> Node | None:
    """I @ b -> b, a @ I -> a, and the batched seeds: reshape(I, (k, 1, k)) @ b, row i of
    which is e_i @ b = b[i], -> reshape(b, (k, 1, m)); a @ reshape(I, (k, k, 1)), whose batch i
    is a @ e_i = a[:, i], -> reshape(a.T, (k, m, 1)). Like the one-hot rules, these select
    rather than multiply: entries the identity's zeros meet are not read."""
    if _is_identity(a):
        return b
    if _is_identity(b):
        return a
    d = _diagonal_of_scaled_identity(a)
    if d is not None and b.ndim <= 2:
        return (reshape(d, (d.shape[0], 1)) if b.ndim == 2 and d.ndim else d) * b
    d = _diagonal_of_scaled_identity(b)
    if d is not None:
        return a * d
    seeds = _identity_seeds(a)
    if seeds is not None and b.ndim <= 2 and _static(node.shape):
        # E_ij @ b: row i holds b[j], the other rows zeros
        _, r, c = seeds
        tail = b.shape[1:]  # () for a vector b
        rows = broadcast_to(reshape(b, (c, *tail, 1)), (c, *tail, r))
        return reshape(diagonal_embed(rows, (r, c, r, *tail), 0, 0, 2), node.shape)
    seeds = _identity_seeds(b)
    if seeds is not None and a.ndim <= 2 and _static(node.shape):
        # a @ E_ij: column j holds a[:, i], the other columns zeros
        _, r, c = seeds
        head = a.shape[:-1]  # () for a vector a
        columns = broadcast_to(reshape(transpose(a), (r, *head, 1)), (r, *head, c))
        return reshape(diagonal_embed(columns, (r, c, *head, c), 0, 1, a.ndim + 1), node.shape)
    return None


def _static(shape: tuple[Any, ...]) -> bool:
    return all(isinstance(d, int) for d in shape)


def _either_way(x: Node, y: Node, rule: Callable[[Node, Node], Node | None]) -> Node | None:
    """``rule(x, y)``, else ``rule(y, x)``: a rule for one operand of a product (a seed, a band)
    and the other, tried with the operands either way round."""
    out = rule(x, y)
    return out if out is not None else rule(y, x)


def _spread_identity(n: Node) -> tuple[int, int, int] | None:
    """(k, a1, a2) when ``n`` is the k x k identity (k > 1) reshaped, or indexed with None, to
    put its two axes at ``a1`` and ``a2`` with axes of size 1 around them (how reverse mode
    writes the outer product of an identity seed with a vector: reshape(I, (k, k, 1))), counted
    from the end of ``n``'s shape as negative axes; else None."""
    if not isinstance(n.op, (Reshape, Index)) or not (
            isinstance(n.op, Reshape) or _only_unit_axes(n)):
        return None
    eye = n.inputs[0]
    if not _is_identity(eye) or not _static(n.shape):
        return None
    big = [a - n.ndim for a, d in enumerate(n.shape) if d != 1]
    k = eye.shape[0]
    if not isinstance(k, int) or k < 2 or len(big) != 2 or any(n.shape[a] != k for a in big):
        return None
    return k, big[0], big[1]


def _identity_times(node: Node, x: Node, y: Node) -> Node | None:
    """reshape(I, (k, k, 1)) * v -> diagonal_embed(v placed along the diagonal): the identity
    times something constant along at least one of its axes is that broadcast along the
    diagonal and zeros elsewhere (a Jacobian of W @ x by W is delta_ik * x_l), written into
    zeros with no k x k identity and no product. Where v varies along both of the identity's
    axes the product masks v, which the sum rules read as its diagonal: left to them."""
    return _either_way(x, y, lambda eye, v: _identity_scaled(node, eye, v, False))


def _identity_divided(node: Node, x: Node, y: Node) -> Node | None:
    """reshape(I, (k, k, 1)) / v -> diagonal_embed(1 / v placed along the diagonal), as
    ``_identity_times``: the zeros off the diagonal stay zeros where v is 0 (I / sqrt(v) at
    v = 0 gave 0 / 0 = nan there)."""
    return _identity_scaled(node, x, y, True)


def _identity_scaled(node: Node, eye: Node, v: Node, divide: bool) -> Node | None:
    """The identity spread over two axes (or d on the diagonal of two axes of the product's
    shape, possibly reshaped) times or divided by ``v``: d * v (or d / v) on that diagonal."""
    if not _static(node.shape):
        return None
    d: Node | None = None
    spread = _spread_identity(eye)
    if spread is None:
        spread = _diagonal_axes(eye, node)
        if spread is None:
            return _reshaped_diagonal_scaled(node, eye, v, divide)
        d = eye.inputs[0]
    if spread is not None:
        k, a1, a2 = spread
        nd = node.ndim
        a1, a2 = a1 + nd, a2 + nd
        full_v = reshape(v, (1,) * (nd - v.ndim) + v.shape)
        varies = [a for a in (a1, a2) if full_v.shape[a] != 1]
        if len(varies) == 2:
            return None
        others = [a for a in range(nd) if a not in (a1, a2)]
        # the diagonal's axes: the others in order, then the identity's axis v varies along
        # (or one of size 1), as np.diagonal puts them
        perm = (*others, *varies, *(a for a in (a1, a2) if a not in varies))
        big = [a for a in perm if full_v.shape[a] != 1]
        # moving only axes of size 1 keeps the elements in order: a reshape, not a transpose
        moved = full_v if big == sorted(big) else transpose(full_v, perm)
        picked = reshape(moved, tuple(full_v.shape[a] for a in perm[:-1]))
        if divide:
            picked = (const(np.asarray(1, dtype=node.dtype)) if d is None else d) / picked
        elif d is not None:
            picked = d * picked
        along = broadcast_to(picked, (*(node.shape[a] for a in others), k))
        return diagonal_embed(along, node.shape, 0, a1, a2)
    return None


def _diagonal_axes(n: Node, node: Node) -> tuple[int, int, int] | None:
    """(k, a1, a2) when ``n`` is diagonal_embed(d) on the main diagonal of two axes of size k of
    the product's own shape (a1, a2 counted from the end), else None."""
    op = n.op
    if not isinstance(op, DiagonalEmbed) or op.offset or n.shape != node.shape or n.ndim < 2:
        return None
    a1, a2 = op.axis1 % n.ndim, op.axis2 % n.ndim
    if n.shape[a1] != n.shape[a2] or not isinstance(n.shape[a1], int):
        return None
    return n.shape[a1], a1 - n.ndim, a2 - n.ndim


def _reshaped_diagonal_scaled(node: Node, r: Node, v: Node, divide: bool) -> Node | None:
    """reshape(diagonal_embed(d, S), T) times or divided by v -> reshape(diagonal_embed(d) times
    or divided by v as an array of S's axes, T): v may vary only along axes of T that are whole
    axes of S (the Jacobian of a broadcast, reshaped, divided by a derivative of its input)."""
    if not isinstance(r.op, Reshape) or r.shape != node.shape or v.ndim > node.ndim:
        return None
    x = r.inputs[0]
    if _diagonal_axes(x, x) is None or not _static(x.shape):
        return None
    full = (1,) * (node.ndim - v.ndim) + v.shape
    target = [1] * x.ndim
    before = 1
    for t, size in enumerate(full):
        if size != 1:
            j = next((j for j in range(x.ndim) if x.shape[j] == size
                      and int(np.prod(x.shape[:j])) == before), None)
            if j is None or node.shape[t] != size:
                return None
            target[j] = size
        before *= node.shape[t]
    scaled = _identity_scaled(x, x, reshape(v, tuple(target)), divide)
    return None if scaled is None else reshape(scaled, node.shape)


def _unit_arrays_times(node: Node, x: Node, y: Node) -> Node | None:
    """reshape(I, (k, *s)) * v -> reshape(diag(v flattened), (k, *s)) (and reshape(diag(d), ...) * v
    -> reshape(diag(d * v flattened), ...)): the batch of
    unit arrays that seeds the Jacobian of an output of shape s (two axes or more, k elements)
    times a v that does not vary along the batch is v's elements on the diagonal of the k x k
    identity, zeros elsewhere, as a vector output's I * v is diag(v): the zeros are the seed's
    structure, so an inf in v (the Hessian's diagonal of a separable function of a matrix)
    leaves them zeros where the product made them nan."""
    return _either_way(x, y, lambda seeds, v: _unit_arrays_scaled(node, seeds, v, False))


def _unit_arrays_divided(node: Node, x: Node, y: Node) -> Node | None:
    """reshape(I, (k, *s)) / v -> reshape(diag(1 / v flattened), (k, *s)), as
    ``_unit_arrays_times``: the Jacobian of sqrt(M) by M is the seeds divided by 2 sqrt(M), and
    the zeros off the diagonal stay zeros where M is 0 (the quotient made them 0 / 0)."""
    return _unit_arrays_scaled(node, x, y, True)


def _unit_arrays_scaled(node: Node, seeds: Node, v: Node, divide: bool) -> Node | None:
    if not _static(node.shape) or node.ndim < 3:
        return None
    k, *s = node.shape
    if not isinstance(seeds.op, Reshape) or seeds.shape != node.shape:
        return None
    square = seeds.inputs[0]
    if _is_identity(square):
        d: Node = const(np.asarray(1, dtype=node.dtype))
    elif isinstance(square.op, DiagonalEmbed) and square.op.is_diag() and not square.op.offset:
        d = square.inputs[0]  # seeds already scaled by this rule: scaled again
    else:
        return None
    if square.shape != (k, k):
        return None
    if v.ndim == node.ndim:
        if v.shape[0] != 1:
            return None  # v varies along the batch: the product masks it
        v = reshape(v, v.shape[1:])
    flat = reshape(broadcast_to(v, tuple(s)), (k,))
    if divide:
        scaled = d / flat
    else:
        scaled = flat if _is_identity(square) else d * flat
    return reshape(diagonal_embed(scaled, (k, k), 0, 0, 1), node.shape)


def _seeds_contracted(node: Node, x: Node, y: Node) -> Node | None:
    """sum(reshape(I, (k, m, n)) * v, axis=2) -> reshape(diagonal_embed(v.T, (m, n, m), 0, 0, 2)):
    the batch of unit arrays E_s (s in (m, n), k = m * n) that seeds a Jacobian or Hessian, times
    v and summed over every axis of s but one, is v[s] at the one place where that axis of the
    result meets s's own, zeros elsewhere: at most one diagonal, written with no k x k identity.
    v must not vary along the batch."""
    return _either_way(x, y, lambda seeds, v: _seeds_summed(node, seeds, v))


def _seeds_summed_alone(node: Node, x: Node) -> Node | None:
    """sum(reshape(I, (k, m, n)), axis=2) -> the same placed ones, as ``_seeds_contracted`` with
    v = 1: the Jacobian of a broadcast (v[:, None] * ones((1, n)) by v) sums the seeds over the
    broadcast axes."""
    return _seeds_summed(node, x, const(np.asarray(1, dtype=x.dtype)))


def _seeds_summed(node: Node, seeds: Node, v: Node) -> Node | None:
    op: Sum = node.op  # type: ignore[assignment]
    prod = node.inputs[0]
    if not _static(prod.shape) or prod.ndim < 3:
        return None
    if not isinstance(seeds.op, Reshape) or seeds.shape != prod.shape:
        return None
    square, s = seeds.inputs[0], prod.shape[1:]
    if square.shape != (prod.shape[0], prod.shape[0]):
        return None
    if 0 in op.axes or len(op.axes) < len(s) - 1 or (v.ndim == prod.ndim and v.shape[0] != 1):
        return None
    vs = broadcast_to(reshape(v, v.shape[1:]) if v.ndim == prod.ndim else v, tuple(s))
    if isinstance(square.op, DiagonalEmbed) and square.op.is_diag() and not square.op.offset:
        vs = reshape(square.inputs[0], tuple(s)) * vs  # seeds scaled by _unit_arrays_times
    elif not _is_identity(square):
        return None
    kept = [a - 1 for a in range(1, prod.ndim) if a not in op.axes]
    if not kept:  # summed over all of s: v[s] itself
        return reshape(vs, node.shape)
    r = kept[0]
    perm = (*(a for a in range(len(s)) if a != r), r)
    placed = diagonal_embed(transpose(vs, perm), (*s, s[r]), 0, r, len(s))
    return reshape(placed, node.shape)


def _unit_diagonal_embed(node: Node, x: Node) -> Node | None:
    """diagonal_embed(d) into two axes of size 1 -> reshape(d): nothing but d, in order."""
    op: DiagonalEmbed = node.op  # type: ignore[assignment]
    if op.offset != 0 or node.shape[op.axis1] != 1 or node.shape[op.axis2] != 1:
        return None
    return reshape(x, node.shape)


def _batched_rows_product(node: Node, p: Node) -> Node | None:
    """reshape(reshape(y, (k, 1, n)) @ x, (k, m)) -> y @ x, and reshape(x @ reshape(y,
    (k, n, 1)), (k, m)) -> y @ x.T: a batch of vector-matrix products that is one matrix
    product (what a batched reverse pass writes for the rows of a Jacobian)."""
    a, b = p.inputs
    if len(node.shape) != 2 or p.ndim != 3:
        return None
    if isinstance(a.op, Reshape) and b.ndim == 2 and a.shape[1] == 1 \
            and node.shape == (p.shape[0], p.shape[2]):
        y = a.inputs[0]
        if y.shape == (a.shape[0], a.shape[2]):
            return y @ b
    if isinstance(b.op, Reshape) and a.ndim == 2 and b.shape[2] == 1 \
            and node.shape == (p.shape[0], p.shape[1]):
        y = b.inputs[0]
        if y.shape == (b.shape[0], b.shape[1]):
            return y @ transpose(a)
    return None


# -- banded matrices ------------------------------------------------------------------------------
# A Jacobian's or Hessian's seed is the identity; where a function reads shifted slices of its
# input (v[1:] - v[:-1], a stencil), the batched reverse pass slices the identity, multiplies it
# by vectors and adds it into slices of a zero matrix: a band of a few diagonals, built as dense
# n x n products. These rules write such a matrix as diagonal_embed(d, shape, k) per diagonal,
# with d computed on vectors: the identity's zeros select, as in the one-hot rules above.

_BAND_STEPS = 32  # nodes walked at most to read a sum of diagonals


def _unit_slices(spec: tuple[Any, ...], shape: tuple[Any, ...]) -> tuple[int, int] | None:
    """(row start, column start) when ``spec`` indexes a matrix of static ``shape`` with two
    slices of step 1 (a contiguous block; I[1:2] is I[1:2, :]), else None."""
    if len(spec) not in (1, 2) or len(shape) != 2 or not all(isinstance(d, int) for d in shape):
        return None
    starts = []
    for it, d in zip((*spec, ("s", None, None, None))[:2], shape):
        if it[0] != "s":
            return None
        start, _, step = slice(*it[1:]).indices(d)
        if step != 1:
            return None
        starts.append(start)
    return starts[0], starts[1]


def _diagonal_span(shape: tuple[Any, ...], k: int) -> tuple[int, int]:
    """(first row, length) of diagonal ``k`` of a matrix of ``shape``."""
    rows, cols = shape
    first = max(-k, 0)
    return first, max(0, min(rows - first, cols - first - k))


def _band_leaf(n: Node) -> tuple[int, Node] | None:
    """(k, d) when matrix ``n`` is one diagonal: d on diagonal k, zeros elsewhere."""
    if _is_identity(n) and isinstance(n.shape[0], int):
        return 0, _ones(n.shape[0], n.dtype)
    op = n.op
    if isinstance(op, DiagonalEmbed) and n.ndim == 2 and (op.axis1, op.axis2) == (0, 1):
        return op.offset, n.inputs[0]
    return None


def _band(n: Node) -> dict[int, Node] | None:
    """Matrix ``n`` as its diagonals (offset -> vector) when it is a sum, difference, negation or
    scaling of diagonals (the identity, diagonal_embed over axes 0 and 1), else None."""
    if n.ndim != 2 or not all(isinstance(d, int) for d in n.shape):
        return None
    leaves: list[tuple[Any, Node]] = []
    stack: list[tuple[Any, Node]] = [(1, n)]
    for _ in range(_BAND_STEPS):
        if not stack:
            break
        k, m = stack.pop()
        if m.type != n.type:
            return None  # a cast or a broadcast between: not read through
        op = m.op
        if isinstance(op, (Add, Sub)):
            stack.append((k, m.inputs[0]))
            stack.append((-k if isinstance(op, Sub) else k, m.inputs[1]))
        elif isinstance(op, Neg):
            stack.append((-k, m.inputs[0]))
        elif (scaled := _scale_of(m)) is not None:
            stack.append((k * scaled[1], scaled[0]))
        else:
            leaves.append((k, m))
    else:
        if stack:
            return None
    parts: dict[int, Node] = {}
    for k, m in leaves:
        leaf = _band_leaf(m)
        if leaf is None:
            return None
        off, d = leaf
        term = d if k == 1 else -d if k == -1 else const(np.asarray(k, dtype=m.dtype)) * d
        parts[off] = parts[off] + term if off in parts else term
    return parts


def _ones(length: int, dtype: np.dtype) -> Node:
    return broadcast_to(const(np.asarray(1, dtype=dtype)), (length,))


def _band_matrix(parts: dict[int, Node], shape: tuple[int, ...], dtype: np.dtype) -> Node:
    """The sum of diagonal_embed(d, shape, k) over ``parts``, offsets in order."""
    out: Node | None = None
    for k in sorted(parts):
        if _diagonal_span(shape, k)[1] == 0:
            continue
        t = diagonal_embed(parts[k], shape, k)
        out = t if out is None else out + t
    return out if out is not None else broadcast_to(const(np.asarray(0, dtype=dtype)), shape)


def _identity_block(node: Node, x: Node) -> Node | None:
    """I[r0:r1, c0:c1] -> diagonal_embed(1, shape, r0 - c0): a block of the identity is one
    diagonal of it."""
    if not _is_identity(x) or not isinstance(x.shape[0], int):
        return None
    starts = _unit_slices(node.op.spec, x.shape)  # type: ignore[attr-defined]
    if starts is None:
        return None
    k = starts[0] - starts[1]  # I[r0 + i, c0 + j] is 1 where j = i + r0 - c0
    length = _diagonal_span(node.shape, k)[1]
    if length == 0:
        return full(0, node)  # a block off the diagonal: zeros
    return diagonal_embed(_ones(length, x.dtype), node.shape, k)


def _band_times(node: Node, x: Node, y: Node) -> Node | None:
    """(sum of diagonals) * m, m a scalar, a row or a column -> each diagonal times the part of
    m it meets: one product of vectors per diagonal instead of a dense one."""
    return _either_way(x, y, lambda b, m: _band_scaled(node, b, m, False))


def _band_divided(node: Node, x: Node, y: Node) -> Node | None:
    """(sum of diagonals) / m -> each diagonal divided by the part of m it meets, as
    ``_band_times``. The zeros off the band stay zeros where m is 0 or nan (a Jacobian's seed
    divided by an elementwise derivative's denominator: that of sqrt(v) at v = 0 is exactly 0
    off the diagonal, where I / sqrt(v) gave 0 / 0)."""
    return _band_scaled(node, x, y, True)


def _band_scaled(node: Node, b: Node, m: Node, divide: bool) -> Node | None:
    if node.ndim != 2 or b.shape != node.shape:
        return None
    parts = _band(b)
    if parts is None:
        return None
    rows, cols = node.shape
    if m.ndim == 0 or all(d == 1 for d in m.shape):
        v, along = reshape(m, ()), None
    elif m.shape in ((cols,), (1, cols)):
        v, along = reshape(m, (cols,)), "col"
    elif m.shape == (rows, 1):
        v, along = reshape(m, (rows,)), "row"
    else:
        return None
    out: dict[int, Node] = {}
    for k, d in parts.items():
        first, length = _diagonal_span(node.shape, k)
        part = v
        if along is not None:
            at = first if along == "row" else first + k
            if (at, length) != (0, v.shape[0]):
                part = v[at:at + length]
        out[k] = d / part if divide else d * part
    return _band_matrix(out, node.shape, node.dtype)


def _band_index_add(node: Node, x: Node) -> Node | None:
    """index_add(sum of diagonals, shape, s_[r0:, c0:]) -> the same diagonals of the larger
    matrix, shifted by c0 - r0 and padded with zeros."""
    op: IndexAdd = node.op  # type: ignore[assignment]
    if len(node.inputs) != 1 or len(op.shape) != 2:
        return None
    starts = _unit_slices(op.spec, op.shape)
    if starts is None or x.shape != index_shape(op.spec, op.shape, []):
        return None
    parts = _band(x)
    if parts is None:
        return None
    r0, c0 = starts
    out: dict[int, Node] = {}
    for k, d in parts.items():
        first, length = _diagonal_span(x.shape, k)
        if length == 0:
            continue
        big = k + c0 - r0
        bfirst, blength = _diagonal_span(op.shape, big)
        # the small diagonal's first element, (first, first + k), is (first + r0, first + k + c0)
        out[big] = _placed(d, (first + r0) - bfirst, blength)
    return _band_matrix(out, op.shape, node.dtype)


def _placed(d: Node, at: int, size: int) -> Node:
    """Vector ``d`` at position ``at`` of a vector of zeros of length ``size``."""
    after = size - at - d.shape[0]
    return d if (at, after) == (0, 0) else pad(d, ((at, after),))


def _band_sum_axis(node: Node, x: Node) -> Node | None:
    """sum(sum of diagonals, axis) -> each diagonal in its place in a vector: sum(diag(v), 1)
    is v, with no n x n matrix."""
    op: Sum = node.op  # type: ignore[assignment]
    if x.ndim != 2 or len(op.axes) != 1:
        return None
    parts = _band(x)
    if parts is None:
        return None
    axis = op.axes[0]
    size = x.shape[1 - axis]
    out: Node | None = None
    for k, d in sorted(parts.items()):
        first, length = _diagonal_span(x.shape, k)
        if length:
            t = _placed(d, first if axis == 1 else first + k, size)
            out = t if out is None else out + t
    if out is None:
        return None
    return reshape(out, node.shape) if out.shape != node.shape else out


def _summed_diagonal_embed(node: Node, x: Node) -> Node | None:
    """sum(diagonal_embed(x, axis1=a, axis2=b), axis=a) -> x with its diagonal axis where b was:
    of any rank, with no array of the embedding's size (a Hessian's rows of a product of
    two axes of one vector are such sums, n**3 elements for n**2 values)."""
    op: Sum = node.op  # type: ignore[assignment]
    embedded = node.inputs[0]
    emb: DiagonalEmbed = embedded.op  # type: ignore[assignment]
    if len(op.axes) != 1 or emb.offset or embedded.shape[emb.axis1] != embedded.shape[emb.axis2]:
        return None
    axis = op.axes[0]
    if axis not in (emb.axis1, emb.axis2):
        return None
    kept = emb.axis2 if axis == emb.axis1 else emb.axis1
    position = kept - (axis < kept)  # among the axes the sum keeps
    others = list(range(x.ndim - 1))
    out = transpose(x, tuple(others[:position] + [x.ndim - 1] + others[position:]))
    return reshape(out, node.shape) if out.shape != node.shape else out


def _band_sum(node: Node) -> Node | None:
    """a + b of diagonals that share an offset -> one diagonal_embed per offset."""
    a, b = node.inputs
    if node.ndim != 2 or a.shape != node.shape or b.shape != node.shape:
        return None
    pa, pb = _band(a), _band(b)
    if pa is None or pb is None or not set(pa) & set(pb):
        return None
    parts = _band(node)
    return None if parts is None else _band_matrix(parts, node.shape, node.dtype)


def _identity_in_sum(node: Node) -> Node | None:
    """m + I, m - I, I - m -> the same with I as diagonal_embed(ones): written as a diagonal, the
    identity is added along it in place of the sum's buffer (see fuse_diagonal_sums), where the
    k x k identity would be built and added whole (a Jacobian of -y + f(y))."""
    a, b = node.inputs
    if node.ndim != 2 or not any(_is_identity(t) and t.type == node.type for t in (a, b)):
        return None
    k = node.shape[0]
    if not isinstance(k, int):
        return None
    eye = diagonal_embed(_ones(k, node.dtype), node.shape, 0)
    a, b = (eye if _is_identity(t) and t.type == node.type else t for t in (a, b))
    return Node(node.op, (a, b))


def _sum_one_hot_vector(node: Node, v: Node, sign: int) -> Node | None:
    """sum(e_l) -> 1 over axes that include the one-hot axis (and -e_l -> -1)."""
    found = _one_hot_vector(v)
    if found is None or found[2] not in node.op.axes:  # type: ignore[attr-defined]
        return None
    return full(sign, node)


ONE_HOT = RuleSet([
    Rule(Pat(MatMul, x, y), lambda node, x, y: _matmul_one_hot(node, x, y)),  # W @ e_l -> W[:, l]
    Rule(Pat(Index, x), _identity_block),  # I[:, 1:] -> diagonal_embed(1, (n, n - 1), -1)
    Rule(Pat(Mul, x, y), _band_times),  # diagonal_embed(d) * v -> diagonal_embed(d * v[...])
    Rule(Pat(Div, x, y), _band_divided),  # diagonal_embed(d) / v -> diagonal_embed(d / v[...])
    Rule(Pat(IndexAdd, x), _band_index_add),  # index_add(diagonal_embed(d), s_[:, 1:]) -> diagonal_embed(pad d)
    Rule(Pat((Add, Sub)), _band_sum),  # diagonal_embed(a) + diagonal_embed(b) -> diagonal_embed(a + b)
    Rule(Pat((Add, Sub)), _identity_in_sum),  # m - I -> m - diagonal_embed(1)
    Rule(Pat(Sum, x), _band_sum_axis),  # sum(diag(v), axis=1) -> v
    Rule(Pat(Sum, Pat(DiagonalEmbed, x)), _summed_diagonal_embed),  # sum(diagonal_embed(v), axis1) -> v
    Rule(Pat(MatMul, x, y), lambda node, x, y: _matmul_identity(node, x, y)),  # I @ b -> b, reshape(I, (k, r, c)) @ b -> diagonal_embed(b)
    Rule(Pat(Mul, x, y), _identity_times,
         any_input=(Reshape, Index, DiagonalEmbed)),  # reshape(I, (k, k, 1)) * v -> diagonal_embed(v)
    Rule(Pat(Div, x, y), _identity_divided,
         any_input=(Reshape, Index, DiagonalEmbed)),  # reshape(I, (k, k, 1)) / v -> diagonal_embed(1 / v)
    Rule(Pat(Mul, x, y), _unit_arrays_times,
         any_input=(Reshape,)),  # reshape(I, (k, m, n)) * v -> reshape(diagonal_embed(reshape(v, k)))
    Rule(Pat(Div, x, y), _unit_arrays_divided,
         any_input=(Reshape,)),  # reshape(I, (k, m, n)) / v -> reshape(diagonal_embed(1 / reshape(v, k)))
    Rule(Pat(DiagonalEmbed, x), _unit_diagonal_embed),  # diagonal_embed(d) into axes of size 1 -> reshape(d)
    Rule(Pat(Reshape, Pat(MatMul, name="p")), _batched_rows_product),  # reshape(reshape(y) @ x) -> y @ x
    Rule(Pat(Sum, x * y), _sum_times_one_hot),  # sum(e_l * x) -> x[l]
    Rule(Pat(Sum, x * y), _sum_times_identity),  # sum(I * m, axis=1) -> diagonal(m)
    Rule(Pat(Sum, x * y), _seeds_contracted),  # sum(reshape(I, (k, m, n)) * v, axis=2) -> diagonal_embed(v.T)
    Rule(Pat(Sum, x), _seeds_summed_alone),  # sum(reshape(I, (k, m, n)), axis=2) -> diagonal_embed(ones)
    Rule(Pat(Sum, x), lambda node, x: _sum_one_hot_vector(node, x, 1)),  # sum(e_l) -> 1
    Rule(Pat(Sum, -x), lambda node, x: _sum_one_hot_vector(node, x, -1)),  # sum(-e_l) -> -1
])


# -- sums of small products as one product --------------------------------------------------------
# Backpropagation through an unrolled loop sums one outer product per step (dW = sum_t g_t h_t^T)
# and one column per step (db = sum_t g_t). Side by side those are one matrix product of the
# stacked columns, and one sum over them: sum_t A_t @ B_t = [A_1 .. A_T] @ [B_1; ..; B_T]. With
# small operands NumPy's per-call cost dominates, so T products and T-1 additions become two
# concatenations and one product. The rules fire only while copying the stacked operands
# touches fewer elements than the additions it saves (and stays below STACK_MAX_ELEMENTS).
# Reassociating the sum rounds differently (the NaN policy allows it).

STACK_MAX_ELEMENTS = 1 << 16
"""A concatenation these rules build holds at most this many elements."""
STACK_MIN_TERMS = 6
"""A sum of columns becomes one reduction from this many terms on (fewer stay in-place adds)."""


def _static_size(n: Node) -> int | None:
    size = n.type.static_size
    return size if isinstance(size, int) else None


def _addition_chain(ctx: Context) -> list[Node] | None:
    """The terms of the chain of additions rooted at the node being rewritten (through the
    additions only it uses), in order, in normal form; None for an inner addition of a chain
    (its root takes the whole chain) or a node that is not in the graph."""
    terms = _signed_chain(ctx, (Add,))
    return None if terms is None else [t for t, _ in terms]


def _signed_chain(ctx: Context, ops: tuple[type[Op], ...]) -> list[tuple[Node, bool]] | None:
    """As ``_addition_chain``, through the nodes of the types ``ops`` (Add; or also Sub and
    Neg, each term then with whether it is subtracted: ``f -= t`` in a loop)."""
    old = ctx.old if ctx is not None else None
    if old is None:
        return None
    owner = ctx.sole.get(old)
    if owner is not None and isinstance(owner.op, ops) and owner.type == old.type:
        return None
    terms: list[tuple[Node, bool]] = []
    stack = [(old, False)]
    while stack:
        n, minus = stack.pop()
        if isinstance(n.op, ops) and n.type == old.type and (n is old or ctx.uses.get(n, 0) == 1):
            if isinstance(n.op, Neg):
                stack.append((n.inputs[0], not minus))
                continue
            stack.append((n.inputs[1], minus != isinstance(n.op, Sub)))
            stack.append((n.inputs[0], minus))
        else:
            terms.append((ctx.new.get(n, n), minus))
    return terms


def _stack_products(node: Node, terms: list[Node]) -> Node | None:
    """A_1 @ B_1 + ... + A_T @ B_T (+ other terms) -> [A_1 .. A_T] @ [B_1; ..; B_T] (+ others)."""
    if node.ndim != 2 or not all(isinstance(d, int) for d in node.shape):
        return None
    m, p = node.shape
    products: list[Node] = []
    others: list[Node] = []
    inner = 0
    for t in terms:
        if isinstance(t.op, MatMul) and t.type == node.type and isinstance(t.inputs[0].shape[-1], int) \
                and all(i.ndim == 2 and i.dtype == node.dtype for i in t.inputs):
            products.append(t)
            inner += t.inputs[0].shape[1]  # type: ignore[operator]
        else:
            others.append(t)
    # stacking copies inner * (m + p) elements; the additions it saves read (T - 1) * m * p
    saved = (len(products) - 1) * m * p  # type: ignore[operator]
    if len(products) < 2 or inner * (m + p) > min(saved, STACK_MAX_ELEMENTS):  # type: ignore[operator]
        return None
    left = concatenate([t.inputs[0] for t in products], axis=1)
    right = concatenate([t.inputs[1] for t in products], axis=0)
    out = left @ right
    for t in others:
        out = out + t
    return out


def _stack_columns(node: Node, terms: list[Node]) -> Node | None:
    """x_1 + ... + x_T -> sum([x_1 .. x_T], last axis) for arrays of size 1 along their last axis
    and T >= STACK_MIN_TERMS (two calls instead of T - 1; fewer terms stay in-place additions)."""
    size = _static_size(node)
    if node.ndim < 2 or node.shape[-1] != 1 or size is None or len(terms) < STACK_MIN_TERMS:
        return None
    if any(t.type != node.type for t in terms) or len(terms) * size > STACK_MAX_ELEMENTS:
        return None
    axis = node.ndim - 1
    return Node(Sum((axis,), True), (concatenate(terms, axis=axis),))


def _stack_scatters(node: Node, terms: list[Node]) -> Node | None:
    """index_add(v_1, shape, s_[t_1]) + ... + index_add(v_T, shape, s_[t_T]) (+ other terms) ->
    one node that writes them all (``gather_scatters``): the slices stacked, zeros where no
    term writes, one array of the whole shape instead of T (the gradient by a sequence that
    each unrolled step reads one row of, or a Hessian built one column at a time, writes one
    scatter per step, so the sum costs T times the array); with fewer than half the positions
    written, one scatter of the stacked slices."""
    gathered = gather_scatters(terms, node.type, 2)
    if gathered is None:
        return None
    out = gathered[0]
    for t in gathered[1:]:
        out = out + t
    return out


def _stack_sum(node: Node, ctx: Context) -> Node | None:
    terms = _addition_chain(ctx)
    if terms is None or len(terms) < 2:
        return None
    for stack in (_stack_products, _stack_columns, _stack_scatters):
        stacked = stack(node, terms)
        if stacked is not None:
            return stacked
    return None


def _rows_of(n: Node, axis: int = 0) -> tuple[Node, tuple[Any, ...], int, int, int] | None:
    """(X, before, first, last, step) when ``n`` is the rows first, first+step, ..., last of X
    along ``axis`` (any constant step; 1 for a single row), of slices ``before`` of the axes
    before it (index items, each a slice): a row X[..., t] given an axis of size 1 there (by
    reshapes, or along the first axis transposes of a vector), or a slice of X."""
    if n.ndim > axis and n.shape[axis] == 1 and isinstance(n.op, (Reshape, Transpose)):
        row = n.shape[:axis] + n.shape[axis + 1:]
        while isinstance(n.op, (Reshape, Transpose)) and (isinstance(n.op, Reshape) or (
                axis == 0 and sum(1 for d in n.shape if d != 1) <= 1)):
            n = n.inputs[0]  # reshapes, and transposes of a vector, keep the element order
        if n.shape != row:
            return None
        spec = n.op.spec if isinstance(n.op, Index) else None  # type: ignore[attr-defined]
        if spec is None or len(spec) != axis + 1 or spec[axis][0] != "i" \
                or any(it[0] != "s" for it in spec[:axis]) or not isinstance(n.inputs[0].shape[axis], int):
            return None
        t = spec[axis][1] % n.inputs[0].shape[axis]
        return n.inputs[0], spec[:axis], t, t, 1
    spec = n.op.spec if isinstance(n.op, Index) else ()  # type: ignore[attr-defined]
    if len(spec) == axis + 1 and spec[axis][0] == "s" and all(it[0] == "s" for it in spec[:axis]):
        size = n.inputs[0].shape[axis]
        if not isinstance(size, int) or n.shape[axis] == 0:
            return None
        _, start, stop, step = spec[axis]
        r = range(size)[slice(start, stop, step)]
        return n.inputs[0], spec[:axis], r[0], r[-1], r.step if len(r) > 1 else 1
    return None


def _run_slice(first: int, step: int, length: int, size: int) -> slice:
    """Elements first, first + step, ... (``length`` of them, any step but 0) of an axis of
    ``size`` as a slice written as users write it, open at an end it reaches and stopping just
    past its last element: [:3], [1:], [::2] and [1:6:2], not [0:3], [1:4], [0:4:2], [1:7:2]."""
    last = first + step * (length - 1)
    if step > 0:
        return slice(first or None, None if last + step >= size else last + 1,
                     None if step == 1 else step)
    return slice(None if first == size - 1 else first, None if last + step < 0 else last - 1, step)


def _concatenate_rows(node: Node) -> Node | None:
    """concatenate([X[t], X[t+1], ...] as rows, axis=0) -> X[t:t+n] (and descending: X[t:t-n:-1],
    and with any step: X[t], X[t+2], ... -> X[t:t+2n-1:2]); along a later axis likewise, of
    slices and single rows of X along it that take the same slices of the axes before it
    (X[1:, :2] and X[1:, 2:] are X[1:])."""
    axis = node.op.axis  # type: ignore[attr-defined]
    if len(node.inputs) < 2:
        return None
    runs = [_rows_of(i, axis) for i in node.inputs]
    if any(r is None for r in runs):
        return None
    source, before = runs[0][0], runs[0][1]  # type: ignore[index]
    first, last = runs[0][2], runs[-1][3]  # type: ignore[index]
    step: int | None = None
    previous: int | None = None
    for r in runs:
        assert r is not None
        if r[0] is not source or r[1] != before:
            return None
        # the gap from the last run and the step inside this one (if of several rows) are one
        gap = (r[2] - previous,) if previous is not None else ()
        for d in gap + ((r[4],) if r[3] != r[2] else ()):
            if step is None:
                step = d
            elif d != step:
                return None
        previous = r[3]
    if not step:
        return None
    # (through ``index``, which reads a slice of every row in order as the source itself)
    along = _run_slice(first, step, (last - first) // step + 1, source.shape[axis])
    return index(source, (*(slice(*it[1:]) for it in before), along))


def _concatenate_transposed(node: Node) -> Node | None:
    """concatenate([a^T, b^T], axis) -> concatenate([a, b], 1 - axis)^T for 2-D parts (one copy
    and one transpose, not a transpose per part); a row reshaped from a column counts as its
    transpose."""
    if node.ndim != 2:
        return None
    cols: list[Node] = []
    for i in node.inputs:
        if isinstance(i.op, Transpose):
            cols.append(i.inputs[0])
        elif isinstance(i.op, Reshape) and i.inputs[0].ndim == 2 and i.inputs[0].shape == i.shape[::-1] \
                and 1 in i.shape:
            cols.append(i.inputs[0])
        else:
            return None
    return transpose(concatenate(cols, axis=1 - node.op.axis))  # type: ignore[attr-defined]


# -- loops written element by element, as vector expressions -------------------------------------
# A loop ported element by element (sum(x[i] * x[i+1] + sin(x[i]) for i in range(n - 1))) has a
# gradient that concatenates one reshaped scalar per element: cos(x[1]) + x[2] + x[0], then
# cos(x[2]) + x[3] + x[1], ... The same tree over indices that move by one from part to part is
# that tree over slices: cos(x[1:n-1]) + x[2:n] + x[0:n-2], one NumPy call per op instead of
# one per element. Each part is read at most _VECTOR_STEPS nodes deep, so a concatenation of
# many parts costs time proportional to their number.

_VECTOR_STEPS = 64  # nodes of one part read at most (a bigger part stays as it is)
_AT = object()  # marks an element leaf X[k] in a form (X's id follows)
_LEAF = object()  # marks any other leaf (its id follows)


def _element_of(n: Node) -> tuple[Node, int] | None:
    """(X, k) when ``n`` is X[k], an element or a row of an X whose first axis has a static
    size, k counted from the front."""
    if not isinstance(n.op, Index) or len(n.inputs) != 1:
        return None
    spec = n.op.spec
    x = n.inputs[0]
    if len(spec) != 1 or spec[0][0] != "i" or x.ndim < 1 or not isinstance(x.shape[0], int):
        return None
    return x, spec[0][1] % x.shape[0]


def _element_form(e: Node) -> tuple[tuple[Any, ...], tuple[int, ...], list[Node]] | None:
    """How ``e`` reads as a tree of elementwise ops over leaves: (form, indices, nodes).
    ``form`` lists in preorder each op with its number of inputs, each element leaf X[k] (an
    element, or a row of as many axes as ``e``) as X (its k apart, in ``indices``), each other
    leaf as itself (by identity; of no more axes than ``e``, so that it broadcasts against the
    slices as against the rows); ``nodes`` are the tree's nodes in that order. None past
    ``_VECTOR_STEPS`` nodes, or where a leaf would not stack so."""
    form: list[Any] = []
    indices: list[int] = []
    nodes: list[Node] = []
    stack = [e]
    while stack:
        n = stack.pop()
        if len(nodes) >= _VECTOR_STEPS:
            return None
        nodes.append(n)
        element = _element_of(n)
        if element is not None:
            if n.ndim != e.ndim:  # x[k] of a vector beside rows: its slice would not stack
                return None
            form += (_AT, id(element[0]))
            indices.append(element[1])
        elif n.inputs and n.op.elementwise:
            form += (n.op, len(n.inputs))
            stack.extend(reversed(n.inputs))
        else:
            if n.ndim > e.ndim:
                return None
            form += (_LEAF, id(n))
    return tuple(form), tuple(indices), nodes


def _element_slice(x: Node, first: int, step: int, length: int) -> Node:
    """x[first], x[first + step], ... (``length`` of them) as a slice of x's first axis."""
    return index(x, (_run_slice(first, step, length, x.shape[0]),))


def _vectorized(nodes: list[Node], indices: tuple[int, ...], steps: tuple[int, ...],
                length: int) -> Node:
    """The tree of ``nodes`` (a form's, in preorder) with each element leaf that moves (by its
    constant step) replaced by the slice of the ``length`` elements it takes over the run;
    leaves that stay are kept, a scalar that broadcasts."""
    leaf = len(indices)
    values: list[Node] = []
    for n in reversed(nodes):
        element = _element_of(n)
        if element is not None:
            leaf -= 1
            step = steps[leaf]
            values.append(n if step == 0 else _element_slice(element[0], indices[leaf], step, length))
        elif n.inputs and n.op.elementwise:
            ins = [values.pop() for _ in n.inputs]
            op = n.op
            if isinstance(op, Cast) and op.of_integer_scalar and any(i.ndim for i in ins):
                op = Cast(op.to)  # on an array, NumPy's scalar type would not convert
            values.append(Node(op, tuple(ins)))
        else:
            values.append(n)
    return values[0]


_Form = tuple[tuple[Any, ...], tuple[int, ...], list[Node]]
_PERIODS = 8  # parts of a record read at most: a loop that writes up to 8 elements per step


def _part_form(p: Node) -> _Form | None:
    """The form of a part of a concatenation along its first axis that is one element or row:
    reshape(e, (1, *e.shape)) as ``_element_form`` reads e, or a constant broadcast_to(c, (1,
    ...)) (the zeros of a position no term of a gradient writes) as the leaf c."""
    if isinstance(p.op, Reshape):
        e = p.inputs[0]
        return _element_form(e) if p.shape == (1, *e.shape) else None
    if isinstance(p.op, BroadcastTo) and p.shape[:1] == (1,) and isinstance(p.inputs[0].op, Const) \
            and p.inputs[0].ndim < p.ndim:
        return (_LEAF, id(p.inputs[0])), (), [p.inputs[0]]
    return None


def _steps_apart(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(y - x for x, y in zip(a, b))


def _runs(forms: Sequence[_Form | None]) -> list[tuple[int, int, tuple[int, ...] | None]]:
    """Maximal runs (i, j, steps) of the parts i..j-1 of one form whose element leaves move by
    constant ``steps`` from part to part, from the first part on; steps None for a part
    alone. Steps past +-1 make a run from three parts on (two parts so far apart are no loop)."""
    out: list[tuple[int, int, tuple[int, ...] | None]] = []
    i = 0
    while i < len(forms):
        start = forms[i]
        j = i + 1
        steps: tuple[int, ...] | None = None
        if start is not None:
            while j < len(forms):
                f, g = forms[j - 1], forms[j]
                if g is None or g[0] != start[0]:
                    break
                d = _steps_apart(f[1], g[1])  # type: ignore[index]
                if steps is None:
                    steps = d
                elif d != steps:
                    break
                j += 1
        if steps is not None and j - i == 2 and any(abs(s) > 1 for s in steps):
            j, steps = i + 1, None
        out.append((i, j, steps))
        i = j
    return out


def _run_pieces(parts: Sequence[Node], forms: Sequence[_Form | None],
                runs: list[tuple[int, int, tuple[int, ...] | None]], dtype: np.dtype) -> list[Node]:
    """The parts with each run of ``_runs`` one array: its tree over slices."""
    out: list[Node] = []
    for i, j, steps in runs:
        form = forms[i]
        if steps is None or form is None:
            out.append(parts[i])
            continue
        vector = _vectorized(form[2], form[1], steps, j - i)
        rows = (j - i, *parts[i].shape[1:])
        if vector.ndim < len(rows):  # no leaf moves: the same value for each part
            vector = broadcast_to(vector, rows)
        if vector.dtype != dtype or vector.shape != rows:  # (NumPy types an array and a
            out.extend(parts[i:j])                         # scalar alike: a guard)
        else:
            out.append(vector)
    return out


def _interleaved(parts: Sequence[Node], forms: Sequence[_Form | None], period: int,
                 classes: list[list[tuple[int, int, tuple[int, ...] | None]]]) -> Node:
    """The first ``period * m`` parts (m = len(parts) // period) as ``period`` arrays, the parts
    c, c + period, ... each, interleaved: one scatter at a strided slice where the others are
    zeros, else the arrays side by side along a new second axis, reshaped."""
    m = len(parts) // period
    row = parts[0].shape[1:]
    dtype = parts[0].dtype
    arrays = []
    for c, runs in enumerate(classes):
        pieces = _run_pieces(parts[c:m * period:period], forms[c:m * period:period], runs, dtype)
        arrays.append(pieces[0] if len(pieces) == 1 else concatenate(pieces, axis=0))
    written = [c for c, a in enumerate(arrays) if not _positive_zeros(a)]
    if len(written) == 1:
        c = written[0]
        return index_add(arrays[c], (m * period, *row), (_run_slice(c, period, m, m * period),))
    side_by_side = concatenate([reshape(a, (m, 1, *row)) for a in arrays], axis=1)
    return reshape(side_by_side, (m * period, *row))


def _positive_zeros(n: Node) -> bool:
    """Whether ``n`` is zeros that the zeros of index_add are, bit for bit (no -0.0)."""
    v = scalar_constant(n)
    return v is not None and v.dtype.kind in "biufc" and bool(v == 0) \
        and not np.signbit(np.real(v)) and not np.signbit(np.imag(v))


def _vectorize_parts(node: Node) -> Node | None:
    """concatenate([reshape(e_1, (1,)), reshape(e_2, (1,)), ...]) where the scalars e_t are one
    tree of elementwise ops whose element leaves X[k] move by constant steps from part to part
    -> that tree over slices of X (a shared leaf stays a scalar): cos(x[1]) + x[0], cos(x[2]) +
    x[1], ... -> cos(x[1:n]) + x[:n-1]; x[0] * x[1], x[2] * x[3], ... -> x[:n-1:2] * x[1::2].
    Rows alike: parts reshape(e_t, (1, 3)) of trees over rows X[k] of an (n, 3) X are the tree
    over slices X[a:b]. Maximal runs of such parts become one array each; a part that is not a
    reshaped scalar or row, or a run of one, stays as it is. Parts that repeat with a period
    (a loop that writes two or more elements per step, a record of them: the gradient of
    sum(x[2i] * x[2i+1]) is x[1], x[0], x[3], x[2], ...) are read one array per position in
    the record, interleaved, when that takes fewer pieces: x[1::2] and x[::2] side by side."""
    parts = node.inputs
    if node.op.axis != 0 or len(parts) < 2:  # type: ignore[attr-defined]
        return None
    forms = [_part_form(p) for p in parts]
    static = all(isinstance(d, int) for d in node.shape)
    out: list[Node] = []
    i = 0
    while i < len(parts):  # each stretch of parts of one position each, apart
        j = i + 1
        while j < len(parts) and (parts[j].shape[0] == 1) == (parts[i].shape[0] == 1):
            j += 1
        if parts[i].shape[0] != 1:
            out.extend(parts[i:j])
        else:
            out.extend(_stretch(parts[i:j], forms[i:j], static, node.dtype))
        i = j
    if len(out) == len(parts) and all(a is b for a, b in zip(out, parts)):
        return None
    return out[0] if len(out) == 1 else concatenate(out, axis=0)


def _stretch(parts: Sequence[Node], forms: Sequence[_Form | None], static: bool,
             dtype: np.dtype) -> list[Node]:
    """The parts (each of one position) as ``_vectorize_parts`` writes them: runs, or records
    interleaved. Constant parts join the arrays of a record only (zeros where a gradient
    writes no position of it); alone they stay as they are, one node however many."""
    plain = [None if isinstance(p.op, BroadcastTo) else f for p, f in zip(parts, forms)]
    runs = _runs(plain)
    best: tuple[int, int, list[list[tuple[int, int, tuple[int, ...] | None]]]] | None = None
    if len(runs) > 3 and static:
        least = len(runs)
        for period in range(2, _PERIODS + 1):
            m = len(parts) // period
            if m < 2:
                break
            if len(_runs(forms[:min(m, 8) * period:period])) > 2:
                continue  # the first position's parts, at the head, are no run: no record
            classes = [_runs(forms[c:m * period:period]) for c in range(period)]
            # a piece per run, and the interleaving: a reshape per array, a concatenation and
            # a reshape (which cost more than the concatenation of a few slices they replace)
            cost = sum(len(r) for r in classes) + period + 2 + len(parts) - m * period
            if cost < least:
                least, best = cost, (period, m, classes)
    if best is None:
        return _run_pieces(parts, plain, runs, dtype)
    period, m, classes = best
    return [_interleaved(parts, forms, period, classes), *parts[m * period:]]


def _strided_positions(node: Node) -> Node | None:
    """index_add(g, shape, s_[[1, 5, 9, 13]]) -> index_add(g, shape, s_[1::4]): distinct
    positions a constant step apart along an axis (the scatters of a strided loop's gradient,
    gathered) are a slice, which NumPy writes in one assignment where np.add.at, which adds up
    repeated positions, takes many times longer."""
    op: IndexAdd = node.op  # type: ignore[assignment]
    kinds = [it[0] for it in op.spec]
    if len(node.inputs) != 2 or kinds.count("a") != 1 or any(k not in "as" for k in kinds):
        return None
    axis = kinds.index("a")
    positions, size = node.inputs[1], op.shape[axis]
    if not isinstance(positions.op, Const) or positions.ndim != 1 or positions.shape[0] < 2 \
            or positions.dtype.kind not in "iu" or not isinstance(size, int):
        return None
    at = positions.op.value.astype(np.int64) % size  # (in bounds: checked when built)
    steps = np.diff(at)
    if steps[0] == 0 or np.any(steps != steps[0]):
        return None
    along = _run_slice(int(at[0]), int(steps[0]), len(at), size)
    return index_add(node.inputs[0], op.shape, (*(slice(*it[1:]) for it in op.spec[:axis]), along,
                                                *(slice(*it[1:]) for it in op.spec[axis + 1:])))


def _summed_rows(t: Node) -> tuple[Node | None, Node]:
    """(k, tree) where the scalar ``t`` is ``sum(tree)`` over all of the tree's (one or more)
    axes, or ``k * sum(tree)`` as collection writes a scaled one (k a scalar); else (None, t)."""
    scale, total = None, t
    if isinstance(t.op, Mul) and isinstance(t.inputs[1].op, Sum) and t.inputs[0].ndim == 0:
        scale, total = t.inputs
    if isinstance(total.op, Sum) and total.inputs[0].ndim \
            and len(total.op.axes) == total.inputs[0].ndim:  # type: ignore[attr-defined]
        return scale, total.inputs[0]
    return None, t


def _vectorize_sum(node: Node, ctx: Context) -> Node | None:
    """t_1 + ... + t_T of scalars where runs of terms (in any order: the sum is reassociated)
    are one elementwise tree over element leaves moving by constant steps, as
    ``_vectorize_parts`` reads them -> sum of that tree over slices per run, plus the other
    terms: sum(x[i] * x[i+1] + sin(x[i]) for i in range(n - 1)) -> sum(x[:n-1] * x[1:]) +
    sum(sin(x[:n-1])), sum(x[2*i] * x[2*i+1] for i in range(n // 2)) -> sum(x[::2] * x[1::2]).
    Terms that sum a tree over rows whole, sum((X[i+1] - X[i])**2) of an
    (n, 3) X, are alike: sum((X[1:] - X[:n-1])**2). Terms subtracted (``f -= t`` in a loop) are
    runs of their own, subtracted. A run of fewer than STACK_MIN_TERMS terms stays scalar
    additions."""
    if node.ndim != 0:
        return None
    signed = _signed_chain(ctx, (Add, Sub, Neg))
    if signed is None or len(signed) < STACK_MIN_TERMS:
        return None
    terms = [t for t, _ in signed]
    groups: dict[tuple[Any, ...], list[tuple[tuple[int, ...], int, list[Node]]]] = {}
    scales: dict[tuple[Any, ...], Node | None] = {}
    for k, (t, minus) in enumerate(signed):
        if t.ndim:
            continue
        scale, tree = _summed_rows(t)
        form = _element_form(tree)
        if form is not None and form[1]:
            key = (minus, tree is t, id(scale), *form[0])
            scales[key] = scale
            groups.setdefault(key, []).append((form[1], k, form[2]))
    taken: set[int] = set()
    sums: list[tuple[Node, bool]] = []
    for key, members in groups.items():
        if len(members) < STACK_MIN_TERMS:
            continue
        members.sort(key=lambda m: m[0])
        i = 0
        while i < len(members):
            j = i + 1
            steps: tuple[int, ...] | None = None
            while j < len(members):
                d = _steps_apart(members[j - 1][0], members[j][0])
                if steps is None:
                    if not any(d):
                        break
                    steps = d
                elif d != steps:
                    break
                j += 1
            if steps is not None and j - i >= STACK_MIN_TERMS:
                vector = _vectorized(members[i][2], members[i][0], steps, j - i)
                rows = members[i][2][0].ndim + 1
                total = Node(Sum(tuple(range(rows)), False), (vector,)) if vector.ndim == rows else None
                scale = scales[key]
                if total is not None and scale is not None:
                    total = scale * total
                if total is not None and total.type == node.type:
                    sums.append((total, key[0]))
                    taken.update(m[1] for m in members[i:j])
            i = j
    if not sums:
        return None
    out: Node | None = None
    for t, minus in [*sums, *(tm for k, tm in enumerate(signed) if k not in taken)]:
        out = (negative(t) if minus else t) if out is None else out - t if minus else out + t
    return out


# what runs before term collection: a sum of scalars read as loops (collection would take its
# terms apart and factor them, x[2] * (x[3] + x[1]), so the runs no longer show)
LOOPS = RuleSet([
    Rule(Pat((Add, Sub)), _vectorize_sum),  # x[0]*x[1] + x[1]*x[2] + ... -> sum(x[:n-1] * x[1:])
])


STACK = RuleSet([
    Rule(Pat(Add), _stack_sum),  # A1@B1 + A2@B2 -> [A1 A2] @ [B1; B2], x1 + .. + xT -> sum([x1 .. xT]),
    # index_add(v1, s_[1]) + index_add(v2, s_[2]) -> stack([0, v1, v2, ..])
    Rule(Pat(Concatenate), _concatenate_rows),  # concat([X[t], X[t+1], ..]) -> X[t:t+n]
    Rule(Pat(Concatenate), _vectorize_parts),  # concat([[f(x[t])], [f(x[t+1])], ..]) -> f(x[t:t+n])
    Rule(Pat(Concatenate), _concatenate_transposed),  # concat([a^T, b^T]) -> concat([a, b])^T
    Rule(Pat(IndexAdd), _strided_positions),  # index_add(g, (n,), s_[[1, 5, 9]]) -> same at s_[1::4]
])



# -- term collection ------------------------------------------------------------------------------

_ADDITIVE = (Add, Sub, Neg)
_PRODUCT = (Mul, Div, Neg)
_FACTORS = (Mul, Div, Neg, Pow)  # what a monomial can look inside


def _scale_of(n: Node, new: dict[Node, Node] | None = None) -> tuple[Node, Any] | None:
    """``k * x`` or ``x * k`` or ``x / k`` with a scalar constant k != 0, as (x, k). Given
    ``new`` (graph node -> normal form), an operand whose normal form is a constant counts as
    one: ``softplus(2.0) * x`` is a scaled ``x`` once ``softplus(2.0)`` is folded, as it is in
    the rewritten graph.

    ``0 * x`` is not a scaled ``x``: a zero coefficient would let ``x + 0*x`` become ``x``,
    hiding the NaN that ``inf * 0`` gives (the ``x * 0`` rule decides when that is safe)."""
    op = n.op
    if isinstance(op, Mul):
        a, b = n.inputs
        k = _constant_of(a, new)
        if k is not None and k != 0:
            return b, k
        k = _constant_of(b, new)
        if k is not None and k != 0:
            return a, k
    elif isinstance(op, Div):
        a, b = n.inputs
        k = _constant_of(b, new)
        if k is not None and k != 0 and np.isfinite(k):
            return a, 1 / k
    return None


_CONSTANTS = (Const, BroadcastTo)  # the ops of a node that ``scalar_constant`` may read


def _constant_of(n: Node, new: dict[Node, Node] | None = None) -> np.ndarray | None:
    """The value of ``n`` if it is a 0-d scalar constant (with ``new``: if its normal form is)."""
    if new is not None:
        n = new.get(n, n)  # of the same type as ``n``, as every normal form
    # the op first: this runs for every operand of every product that collection reads
    if not isinstance(n.op, _CONSTANTS) or n.type.shape:
        return None
    return scalar_constant(n)


class _Monomial:
    """coefficient * prod(factor ** power), powers split into numerator and denominator."""

    __slots__ = ("coef", "num", "den", "merged", "cost", "blocked", "capped", "repeats", "scales")

    def __init__(self, coef: Any) -> None:
        self.coef = coef
        self.num: dict[Node, int] = {}
        self.den: dict[Node, int] = {}
        self.blocked: dict[Node, dict[Node, None]] = {}
        self.merged = 0  # repeated factors or constants combined
        self.cost = 0  # product nodes of the original expression absorbed
        self.capped = False  # the term whole: reading it meant more than _INSIDE_OPENS shared nodes
        self.repeats = 0  # factors met again
        self.scales = False  # a shared k * t of a shared t kept whole (see _scale_of_shared)

    def key(self) -> frozenset[tuple[Node, int, int]]:
        num, den = self.num, self.den
        if not den:
            return frozenset([(f, p, 0) for f, p in num.items()])
        return frozenset([(f, num.get(f, 0), den.get(f, 0)) for f in num.keys() | den.keys()])


def _monomial(term: Node, owned: bool, ctx: Context, dtype: np.dtype, coef: Any,
              inside: set[Node] | frozenset[Node] = frozenset()) -> _Monomial:
    """``term`` as a monomial, expanding the products that it alone uses (they have one
    consumer) or that are in ``inside`` (all their consumers are in the region being
    collected). A product left whole because of other uses is noted in ``blocked``, with the
    nodes that reached it.

    A shared ``k * t`` of a shared ``t`` is read through when the term's coefficient is not
    +-1 anyway (``2 * ((400 * t) * u)`` is ``800 * (t * u)``, as many products) or a factor then
    repeats (``(200 * (2 * t)) * (2 * t)`` is ``800 * t**2``). Otherwise ``(k * t) * a``, whose
    ``k * t`` other nodes compute anyway, is one product where ``k * (t * a)`` would be two."""
    if not isinstance(term.op, _FACTORS) and not (
            isinstance(term.op, (Const, BroadcastTo)) and _is_zero(term)):
        return _atom(term, ctx, coef)  # the loop below would do just this
    m = _read_monomial(term, owned, ctx, dtype, coef, inside, False)
    if m.scales:
        through = _read_monomial(term, owned, ctx, dtype, coef, inside, True)
        if through.repeats > m.repeats or not np.all(np.abs(m.coef) == 1) or (
                dtype.kind == "f" and _tangent_pairs(through) > _tangent_pairs(m)):
            m = through
    if m.den and dtype.kind == "f":
        _tangents(m, ctx)
    return m


_COSINES = tuple(cosine for _, cosine, _ in _QUOTIENTS)
_SINE_OF = {cosine: sine for sine, cosine, _ in _QUOTIENTS}  # cosh -> sinh, cos -> sin


def _tangent_pairs(m: _Monomial) -> int:
    """How many cosh(x) (cos(x)) below ``m``'s line have a sinh(x) (sin(x)) above it, or a sum
    they may divide into (see _spread): the quotients written with tangents. A shared
    2 * cosh(x) is read through for them: sinh(x)**2 / (2 * cosh(x)) is 0.5 * tanh(x) * sinh(x),
    and (2 * cosh(x) - 2 * tanh(x) * sinh(x)) / (2 * cosh(x)) is 1 - tanh(x)**2."""
    if not m.den:
        return 0
    sines = {(type(g.op), g.inputs[0]) for g in m.num if type(g.op) in _SINE_OF.values()}
    summed = any(isinstance(g.op, _ADDITIVE) for g in m.num)
    return sum(1 for f in m.den if type(f.op) in _SINE_OF and (
        summed or (_SINE_OF[type(f.op)], f.inputs[0]) in sines))


def _tangents(m: _Monomial, ctx: Context) -> None:
    """sinh(x)**a / cosh(x)**b in ``m`` as tanh(x)**min(a, b) times sinh(x)**(a - b) or
    1 / cosh(x)**(b - a), and sin(x), cos(x) as tan(x) alike, for real floats: the
    stabilizing rule's tanh(x) for sinh(x) / cosh(x) (see _quotient_is), in a product however it
    is grouped. ``sinh(x)**2 / cosh(x)``, inf past |x| = 355 where ``(sinh(x) / cosh(x)) * sinh(x)``
    as written is finite, is ``tanh(x) * sinh(x)``, finite up to 710.

    Then cosh(x) (cos(x)) above and below the line cancel where the product holds tanh(x)
    (tan(x)), as they do in a sum where another term holds it (_cancel_cosines): for a finite x, cosh(x) is at least 1 and cos(x) of a float is never 0 (nor
    +-inf), so the quotient is 1 but for rounding, or nan where cosh(x) overflows (|x| above
    710), a range artifact as sinh(x) / cosh(x)'s; where x is nan or +-inf the quotient is nan,
    and so is tan(x), while tanh(x) is nan at a nan x and +-1 at +-inf (the limit, as the rule
    gives for sinh(x) / cosh(x)): the sum or product keeps x's nan."""
    num, den = m.num, m.den
    for f in [f for f in den if isinstance(f.op, _COSINES)]:
        x = f.inputs[0]
        if f.dtype.kind != "f" or x.dtype.kind not in "iuf":
            continue
        for sine, cosine, build in _QUOTIENTS:
            if not isinstance(f.op, cosine):
                continue
            g = next((g for g in num if isinstance(g.op, sine) and g.inputs[0] is x), None)
            if g is None or g.dtype != f.dtype:
                break
            t = build(x)
            if t.dtype != f.dtype:
                break
            k = min(num[g], den[f])
            for side, h in ((num, g), (den, f)):
                side[h] -= k
                if not side[h]:
                    del side[h]
            num[t] = num.get(t, 0) + k
            _inherit_rank(g, t, ctx.rank)
            m.merged += 1
            break
    if den:
        _cancel_cosines(m, _held(m))


_TRIGONOMETRIC = tuple(f for sine, cosine, _ in _QUOTIENTS for f in (sine, cosine))
_SPREAD_TERMS = 8  # terms of a sum that _spread multiplies out, at most
_SPREAD_NESTED = 3  # terms of that sum that _spread multiplies out in turn, at most


def _spread(m: _Monomial, ctx: Context, dtype: np.dtype
            ) -> list[tuple[Node, bool, _Monomial]] | None:
    """The terms of ``m``, a product holding a sum s that only it uses and sinh, cosh, sin or
    cos factors, with the rest of the product multiplied into each term of s, when that leaves
    no sinh, cosh, sin or cos of those arguments in any term (see _tangents): ``(cosh(x) -
    tanh(x) * sinh(x)) / cosh(x)``, the second derivative of log(cosh(x)), nan past |x| = 710,
    is 1 - tanh(x)**2, finite. And a constant times a sum (``m`` holding nothing else), with
    the constant multiplied into the terms' coefficients, when that leaves no more terms with a
    coefficient of their own: 2 * (0.5*a - 0.5*b) is a - b. None otherwise (a product is not
    otherwise multiplied out)."""
    num, den = m.num, m.den
    xs = {f.inputs[0] for side in (num, den) for f in side
          if isinstance(f.op, _TRIGONOMETRIC) and f.dtype.kind == "f"}
    # a constant times a sum: multiplied out where that cancels constants (2 * (0.5*a - 0.5*b)
    # is a - b), the product's own multiplication saved
    scaling = not xs and not den and len(num) == 1 and np.ndim(m.coef) == 0 \
        and dtype.kind in "fc" and abs(m.coef) != 1
    if not xs and not scaling:
        return None
    new = ctx.new

    def single(n: Node) -> bool:
        # used once in the graph, as n or as the graph node the pass rebuilt it from (on
        # inputs that rules changed, and left so: the sum's terms a rule made tanh(x))
        g = n if n in ctx.uses else ctx.kept.get(n)
        return g is not None and ctx.uses.get(g, 0) == 1

    def sum_of(t: _Monomial) -> Node | None:
        # the sum in t that t's other factors may be multiplied into
        s = next((f for f, p in t.num.items()
                  if p == 1 and isinstance(f.op, _ADDITIVE) and f.dtype == dtype), None)
        return s if s is not None and new.get(s, s) is s and single(s) else None

    def trigonometric(t: _Monomial) -> bool:
        return any(isinstance(f.op, _TRIGONOMETRIC) and f.inputs[0] in xs
                   for side in (t.num, t.den) for f in side)

    s = sum_of(m)
    if s is None:
        return None
    out: list[tuple[Node, bool, _Monomial]] = []
    held: set[tuple[type, Node]] = set()
    # a term of the sum that is itself a product holding a sum, and sinh, cosh, sin or cos
    # factors once the rest is multiplied in, is multiplied out in turn (a few of them): the
    # second derivative of tanh written out is (2 sinh(x) - (6 cosh(x) - 4 sinh(x) tanh(x))
    # tanh(x)) / cosh(x) before it is 2 tanh(x) - 6 tanh(x) + 4 tanh(x)**3
    pending = [(m, s)]
    nested = 0
    while pending:
        top, s = pending.pop()
        leaves: list[tuple[Node, Any]] = []
        stack: list[tuple[Node, Any]] = [(s, top.coef)]
        while stack:
            n, k = stack.pop()
            op = n.op
            if isinstance(op, _ADDITIVE) and n.dtype == dtype and new.get(n, n) is n and (
                    n is s or single(n)):
                if isinstance(op, Neg):
                    stack.append((n.inputs[0], -k))
                else:
                    stack.append((n.inputs[1], k if isinstance(op, Add) else -k))
                    stack.append((n.inputs[0], k))
                continue
            leaves.append((n, k))
            if len(leaves) + len(out) > _SPREAD_TERMS:
                return None
        rest_num = {f: p for f, p in top.num.items() if f is not s}
        for leaf, k in leaves:
            owned = single(leaf)
            t = _monomial(leaf, owned, ctx, dtype, k)
            for side, extra in ((t.num, rest_num), (t.den, top.den)):
                for f, p in extra.items():
                    side[f] = side.get(f, 0) + p
            if t.den:
                _tangents(t, ctx)
            inner = sum_of(t) if not scaling and nested < _SPREAD_NESTED and trigonometric(t) \
                else None
            if inner is not None:
                nested += 1
                pending.append((t, inner))
                continue
            held |= _held(t)
            out.append((leaf, owned, t))
    if scaling:  # no more terms with a coefficient of their own than before
        after = sum(1 for _, _, t in out if np.ndim(t.coef) or abs(t.coef) != 1)
        before = sum(1 for _, _, t in out if np.ndim(t.coef) or abs(t.coef / m.coef) != 1)
        return out if after <= before else None
    for _, _, t in out:
        if t.den:
            _cancel_cosines(t, held)
        if trigonometric(t):
            return None
    return out


def _held(m: _Monomial) -> set[tuple[type, Node]]:
    """(Cosh, x) for each tanh(x) above ``m``'s line, (Cos, x) for each tan(x)."""
    return {(Cosh if isinstance(t.op, Tanh) else Cos, t.inputs[0])
            for t in m.num if isinstance(t.op, (Tanh, Tan))}


def _cancel_cosines(m: _Monomial, held: set[tuple[type, Node]]) -> None:
    """cosh(x) above and below ``m``'s line cancelled where (Cosh, x) is ``held``, cos(x) where
    (Cos, x) is (see _tangents)."""
    num, den = m.num, m.den
    for f in [f for f in den if f in num and isinstance(f.op, _COSINES)
              and (type(f.op), f.inputs[0]) in held]:
        k = min(num[f], den[f])
        for side in (num, den):
            side[f] -= k
            if not side[f]:
                del side[f]
        m.merged += 1


def _read_monomial(term: Node, owned: bool, ctx: Context, dtype: np.dtype, coef: Any,
                   inside: set[Node] | frozenset[Node], through_scales: bool) -> _Monomial:
    """The walk of :func:`_monomial`, reading through shared scales of shared nodes when
    ``through_scales``."""
    m = _Monomial(coef)
    stack: list[tuple[Node, int, Node | None]] = [(term, 1, None)]
    uses, new, rank = ctx.uses, ctx.new, ctx.rank
    opened = 0
    while stack:
        n, e, parent = stack.pop()
        op = n.op
        # only a product, quotient, negation or power of the term's dtype is opened: the rest
        # are factors as they stand (``inside`` holds products only, see _collect_region)
        if isinstance(op, _FACTORS) and n.type.dtype == dtype:
            single = owned if n is term else uses.get(n, 2) == 1
            expandable = single or n in inside
            if not expandable and parent is not None and isinstance(op, (Mul, Div, Pow)):
                m.blocked.setdefault(n, {})[parent] = None
            if isinstance(op, Neg) or (
                    isinstance(op, Div) and _constant_of(n.inputs[0], new) is not None):
                expandable = True  # seeing through a shared -t or k/t duplicates nothing
            elif not expandable and isinstance(op, (Mul, Div)) and (
                    _scale_of_shared(n, ctx) or _scaled_trigonometric(n, ctx)):
                expandable = through_scales
                m.scales = True
            if expandable and not single:
                # a node other terms or nodes use too: each monomial reading through it
                # repeats the walk below it, so along a chain of them (the adjoints of a deep
                # chain, each -(previous * f)) the walks would be quadratic; past a few, the
                # term stays whole
                opened += 1
                if opened > _INSIDE_OPENS:
                    whole = _atom(term, ctx, coef)  # the term whole, as a factor of its own
                    whole.capped = True
                    return whole
            if expandable and isinstance(op, _PRODUCT):
                scaled = _scale_of(n, new)
                if scaled is not None:
                    # in the product's dtype, as NumPy multiplies by it: an integer k of a
                    # float product is a float (k ** -1 of an integer is refused)
                    m.coef = m.coef * (np.asarray(scaled[1], dtype=dtype) ** e)
                    m.cost += 1
                    if m.coef.ndim == 0:
                        m.merged += 1 if m.cost > 1 else 0
                    stack.append((scaled[0], e, n))
                    continue
                m.cost += 1
                a = n.inputs[0]
                if isinstance(op, Neg):
                    if e % 2:  # (-x)**e is -(x**e) for odd e only
                        if np.ndim(m.coef) == 0 and m.coef < 0:
                            m.merged += 1  # two signs cancel: -(x * -y) is x * y
                        m.coef = -m.coef
                    stack.append((a, e, n))
                else:
                    stack.append((n.inputs[1], e if isinstance(op, Mul) else -e, n))
                    stack.append((a, e, n))
                continue
            if expandable and isinstance(op, Pow):
                p = _integer_power(n)
                if p is not None:
                    m.cost += 1
                    stack.append((n.inputs[0], e * p, n))
                    continue
        f = new.get(n, n)
        if isinstance(f.op, _CONSTANTS):
            if _is_zero(f):
                # 0 * t is NaN where t is infinite: the term stays whole, sharing nothing with
                # the others, so no merge or common factor can drop it
                whole = _Monomial(coef)
                whole.num[new.get(term, term)] = 1
                return whole
            k = scalar_constant(f) if f.type.dtype == dtype and (
                f is not n or not f.type.shape) else None
            if k is not None and np.isfinite(k) and (f is not n or k != 1):
                # a factor a rule folded to a constant (exp(1.0), or an array of one number
                # such as broadcast_to([100.0], (4,))) joins the coefficient, as it does in the
                # rewritten graph; so does a number written as a factor (the 3.0 of 3.0 / x,
                # but not the 1.0 of 1.0 / x, which stays the product's numerator), which
                # changes the product only when it meets another constant of the product
                if f is not n or m.coef != coef:
                    m.merged += 1
                m.coef = m.coef * (k ** e)
                continue
        if f is not n:  # (_inherit_rank, spelled out: this runs for every factor read)
            if isinstance(f.op, _FACTORS) and not isinstance(op, _FACTORS) \
                    and f.type.dtype == dtype and (owned if n is term else uses.get(n, 2) == 1):
                # a factor that only this term uses, read whole, that a rule has made a
                # product (a sum collected to 2 * t): the next pass, which sees that product
                # in the graph, reads it through, whatever this one decides
                ctx.again = True
            r = rank.get(n, _LAST)
            if r < rank.get(f, _LAST):
                rank[f] = r
        side = m.num if e > 0 else m.den
        if f in side:
            m.merged += 1
            m.repeats += 1
            side[f] += abs(e)
        else:
            side[f] = abs(e)
    return m


_READ_AS_MULTIPLE = (Neg, Mul, Div)  # the ops of a factor _scale_read may read as a multiple


def _scale_read(m: _Monomial, ctx: Context, dtype: np.dtype) -> _Monomial | None:
    """``m`` with each factor f that is ``k * t``, ``-(k * t)`` or ``-t`` (a node other nodes
    use too, kept whole) read as the multiple of ``t`` it is: c * (2*t) * u as 2c * t * u;
    None if ``m`` has no such factor."""
    if not any(isinstance(f.op, _READ_AS_MULTIPLE) for side in (m.num, m.den) for f in side):
        return None  # (most terms: said before building anything)
    new = ctx.new
    one = np.asarray(1, dtype=dtype)
    coef = m.coef
    sides: list[dict[Node, int]] = [{}, {}]
    changed = False
    for side, factors in zip(sides, (m.num, m.den)):
        below = side is sides[1]
        for f, p in factors.items():
            k, t = one, f
            if f.dtype == dtype:
                if isinstance(t.op, Neg):
                    k = -k
                    t = new.get(t.inputs[0], t.inputs[0])
                scaled = _scale_of(t, new)
                if scaled is not None and scaled[0].type == t.type:
                    k = k * np.asarray(scaled[1], dtype=dtype)
                    t = new.get(scaled[0], scaled[0])
                if t.type != f.type:
                    k, t = one, f
            if t is not f:
                changed = True
                coef = coef * (k ** -p if below else k ** p)
            side[t] = side.get(t, 0) + p
    if not changed:
        return None
    through = _Monomial(coef)
    through.num, through.den = sides
    # what reading the term merged or absorbed stays counted (the region rebuilds on it)
    through.merged, through.cost, through.repeats = m.merged, m.cost, m.repeats
    return through


def _scales_that_merge(monos: list[tuple[Node, bool, _Monomial]], ctx: Context, dtype: np.dtype
                       ) -> list[tuple[Node, bool, _Monomial]]:
    """The terms, each shared ``k * t`` read as a multiple of ``t`` where that makes it like
    another term (``2*e + e`` with ``2*e`` used elsewhere too is ``3*e``; so is ``a + e`` where
    shared ``a`` became ``2*e``). A shared scale kept whole is one factor, not to be repeated
    in a product (see _monomial); in a sum, reading it through merges two terms into one and
    computes nothing twice."""
    read = [_scale_read(m, ctx, dtype) for _, _, m in monos]
    if not any(read):
        return monos
    count: dict[frozenset[tuple[Node, int, int]], int] = {}
    for (_, _, m), r in zip(monos, read):
        key = (r or m).key()
        count[key] = count.get(key, 0) + 1
    return [(leaf, owned, r) if r is not None and count[r.key()] > 1 else (leaf, owned, m)
            for (leaf, owned, m), r in zip(monos, read)]


def _atom(term: Node, ctx: Context, coef: Any) -> _Monomial:
    """``coef`` * ``term``, the term one factor (in its normal form)."""
    m = _Monomial(coef)
    f = ctx.new.get(term, term)
    _inherit_rank(term, f, ctx.rank)
    m.num[f] = 1
    return m


_LAST = 1 << 62  # the rank of a node that is not in the pass's order


def _inherit_rank(n: Node, f: Node, rank: dict[Node, int]) -> None:
    """Give ``f``, the normal form of graph node ``n``, ``n``'s rank when that is earlier."""
    if f is not n:
        r = rank.get(n, _LAST)
        if r < rank.get(f, _LAST):
            rank[f] = r


def _product(m_num: dict[Node, int], m_den: dict[Node, int], dtype: np.dtype,
             rank: dict[Node, int]) -> Node | None:
    """prod(f**p for num) / prod(f**p for den), factors in the order of ``rank``."""
    def chain(fs: dict[Node, int]) -> Node | None:
        out: Node | None = None
        for f, p in sorted(fs.items(), key=lambda fp: rank.get(fp[0], _LAST)):
            if p == 0:
                continue
            # a boolean is its own square (m * m is m): no power, which would cast it first
            t = f if p == 1 or f.dtype.kind == "b" else power(f, const(np.asarray(p, dtype=dtype)))
            out = t if out is None else out * t
        return out

    top, bottom = chain(m_num), chain(m_den)
    if bottom is None:
        return top
    return (top if top is not None else const(np.asarray(1, dtype=dtype))) / bottom


def _scaled(k: Any, body: Node | None, dtype: np.dtype) -> tuple[Node, bool]:
    """(|k| * body, negative?) with the coefficient folded in when it is +-1, and into a body
    that is itself a multiple (``2.0 * (200.0 * t)`` is ``400.0 * t``: one product either way,
    and ``200.0 * t``, which other nodes use, stays for them)."""
    # (``k.imag == 0`` is NumPy's isreal, of a number rather than an array)
    inner = _scale_of(body) if body is not None else None
    if inner is not None and k.imag == 0:
        folded = _product_of_scales(k, inner[1], dtype)
        if folded is not None:
            k, body = folded, inner[0]
    neg = bool(k.real < 0) if k.imag == 0 else False
    mag = -k if neg else k
    if body is None:
        return const(np.asarray(mag, dtype=dtype)), neg
    if mag == 1:
        return body, neg
    if isinstance(body.op, Div) and _is_one(body.inputs[0]):
        return const(np.asarray(mag, dtype=dtype)) / body.inputs[1], neg  # k / d, not k * (1 / d)
    return const(np.asarray(mag, dtype=dtype)) * body, neg


_Term = tuple[Any, dict[Node, int], dict[Node, int]]  # coefficient, numerator, denominator
_INSIDE_ROUNDS = 3  # rounds of expanding products shared only within one region
_INSIDE_OPENS = 8  # shared nodes one monomial reads through, at most
_FACTOR_DEPTH = 6  # nesting of factored sums built for one region (bounds the work per region)


def _shared_factor(terms: list[_Term]) -> tuple[int, Node] | None:
    """The factor (side 1: numerator, 2: denominator) that the most terms share, when at least
    two do; ties go to the first seen, so the choice depends only on the terms' order."""
    counts: dict[tuple[int, Node], int] = {}
    for t in terms:
        for side in (1, 2):
            for f, p in t[side].items():
                if p:
                    k = (side, f)
                    counts[k] = counts.get(k, 0) + 1
    best, most = None, 1
    for k, c in counts.items():
        if c > most:
            best, most = k, c
    return best


def _factor_out(terms: list[_Term]) -> tuple[int, Node, int, list[_Term]] | None:
    """(side, factor, power, the terms that hold it) for the factor ``_sum_terms`` takes out of
    ``terms`` first, or None when it takes none out."""
    best = _shared_factor(terms)
    if best is None:
        return None
    side, f = best
    inside = [t for t in terms if t[side].get(f, 0)]
    p = min(t[side][f] for t in inside)
    if side == 1 and sum(1 for t in inside if _keeps_a_body(t[0], t[1], t[2], {f: p})) < 2:
        return None  # as for factors common to every term (see _collect)
    return side, f, p, inside


def _keeps_a_body(coef: Any, num: dict[Node, int], den: dict[Node, int],
                  taken: dict[Node, int]) -> bool:
    """Whether a term ``coef`` * ``num`` / ``den`` keeps a product when the powers ``taken``
    come out of its numerator (a factor, or a coefficient other than 1 and -1)."""
    return bool(abs(coef) != 1) or any(p > taken.get(f, 0) for f, p in num.items()) \
        or any(p for p in den.values())


def _sum_terms(terms: list[_Term], dtype: np.dtype, depth: int, rank: dict[Node, int],
               found: tuple[int, Node, int, list[_Term]] | None = None) -> Node | None:
    """The sum of ``terms``, factors shared by several of them taken out once (greedily, the
    most shared first: a*f + b*f + c -> (a + b)*f + c), positive terms added before negative
    ones are subtracted. Recursion is over nested factorings, at most ``_FACTOR_DEPTH`` deep.
    ``found`` is ``_factor_out(terms)`` when the caller has it already (None: not known)."""
    parts: list[Node] = []
    while depth < _FACTOR_DEPTH and len(terms) >= 2:
        if found is None:
            found = _factor_out(terms)
            if found is None:
                break
        side, f, p, inside = found
        terms = [t for t in terms if not t[side].get(f, 0)]
        reduced: list[_Term] = []
        for k, num, den in inside:
            if side == 1:
                num = {**num, f: num[f] - p}
            else:
                den = {**den, f: den[f] - p}
            reduced.append((k, num, den))
        inner = _sum_terms(reduced, dtype, depth + 1, rank)
        assert inner is not None
        fac = f if p == 1 else power(f, const(np.asarray(p, dtype=dtype)))
        parts.append(fac * inner if side == 1 else inner / fac)
        depth += 1
        found = None
    pos: list[Node] = []
    negs: list[Node] = []
    for k, num, den in terms:
        t, neg = _scaled(k, _product(num, den, dtype, rank), dtype)
        (negs if neg else pos).append(t)
    if not pos and not parts:
        # a negative constant leads a sum of negative terms: -2.0 - x, not -(x + 2.0)
        for j, t in enumerate(negs):
            if isinstance(t.op, Const):
                del negs[j]
                pos.append(const(np.negative(t.op.value)))
                break
    def wide(t: Node, other: Node | None = None) -> Node:
        # an integer or boolean term computed in its own dtype would wrap around where the
        # sum does not: -u of a uint8 u is 256 - u, and u1 + u2 of two wraps past 255
        narrow = t.dtype != dtype and t.dtype.kind in "biu"
        return t.astype(dtype) if narrow and (other is None or other.dtype.kind in "biu") else t

    total: Node | None = None
    # the constant term after the factored parts, last as in a sum with nothing factored
    consts = [t for t in pos if isinstance(t.op, Const)]
    for t in [*[t for t in pos if not isinstance(t.op, Const)], *parts, *consts]:
        total = t if total is None else wide(total, t) + t
    if total is None and len(negs) > 1:
        # -a - b is written -(a + b), so that it shares a + b with the sums that hold it
        for t in negs:
            total = t if total is None else wide(total, t) + t
        return negative(wide(total))  # type: ignore[arg-type]
    for t in negs:
        total = negative(wide(t)) if total is None else wide(total, t) - t
    return total


def _absorbed(old: Node, ctx: Context) -> bool:
    """Whether graph node ``old`` is inside the region of its one consumer, which collects it
    (a product's region stops at the sums among its factors, so those are collected alone)."""
    owner = ctx.sole.get(old)
    if owner is None or owner.type != old.type:
        return False
    if isinstance(owner.op, _ADDITIVE):
        return True
    if _scale_of(owner) is None:
        return isinstance(owner.op, _PRODUCT) and not isinstance(old.op, (Add, Sub))
    if not isinstance(old.op, _ADDITIVE):
        return True  # a product (or power) the scale's monomial reads through
    # a sum under scales: collected by the walk of a sum that holds the scales, or by the
    # outermost scale's own region (see _scaled_sums); not by a product holding them, whose
    # monomial reads the sum as one factor, so there it is collected alone
    top = owner
    for _ in range(_LOOK):
        up = ctx.sole.get(top)
        if up is None or up.type != top.type or _scale_of(up) is None:
            break
        top = up
    up = ctx.sole.get(top)
    return up is None or up.type != top.type or not isinstance(up.op, _PRODUCT + (Pow,))


_OPENS = (Add, Sub, Neg, Mul, Div, Pow)  # what a region walk or a monomial can look inside


def _plain_pair(old: Node, ctx: Context) -> bool:
    """Whether ``old`` is ``a + b``, ``a - b``, ``a * b`` or ``a / b`` of two different operands
    that neither a region walk nor a monomial would open: then there is nothing to collect
    (most nodes of a graph already in normal form), which this says without building the
    monomials. Passes the operands' ranks on as ``_monomial`` would."""
    if not isinstance(old.op, (Add, Sub, Mul, Div)):
        return False
    a, b = old.inputs
    if isinstance(a.op, _OPENS) or isinstance(b.op, _OPENS):
        return False
    new = ctx.new
    fa, fb = new.get(a, a), new.get(b, b)
    if fa is fb:
        return False
    if (fa is not a and isinstance(fa.op, _OPENS)) or (fb is not b and isinstance(fb.op, _OPENS)):
        # another rule made an operand a sum or product (sum(broadcast_to(x)) -> 5 * x): the
        # next pass sees it in the graph and collects across it
        return True
    if isinstance(old.op, (Add, Sub)) and a.ndim == 0 and b.ndim == 0 \
            and scalar_constant(a) is not None and scalar_constant(b) is not None:
        return False  # two constants add up
    _inherit_rank(a, fa, ctx.rank)
    _inherit_rank(b, fb, ctx.rank)
    return True


def _distinct_atoms(leaves: dict[Node, None], ctx: Context) -> bool:
    """Whether the terms of a sum, none repeated, are atoms: no product, quotient, power or
    negation a monomial would open, and at most one scalar constant. Then nothing can merge or
    come out as a common factor, which this says without building the monomials (and passes
    the terms' ranks on as ``_monomial`` would)."""
    constants = 0
    new, rank = ctx.new, ctx.rank
    forms: set[Node] = set()
    for leaf in leaves:
        if isinstance(leaf.op, _FACTORS):
            return False
        if _constant_of(leaf, new) is not None:
            constants += 1
            if constants > 1:
                return False
        f = new.get(leaf, leaf)
        if f in forms:
            return False  # terms a rule made one (maximum(y, y) and y) merge
        forms.add(f)
    if _paired_exps(forms):
        return False
    for leaf in leaves:
        _inherit_rank(leaf, new.get(leaf, leaf), rank)
    return True


def _apart(monos: list[tuple[Node, bool, _Monomial]]) -> bool:
    """Whether the monomials of a region have nothing to combine: none merged factors of its
    own or has a zero coefficient, no factor is in two of them and at most one is a number
    alone. Then no terms merge or cancel and no factor comes out, so collection keeps the
    region as it is, which this says without grouping the terms (most sums of a graph in
    normal form)."""
    seen: set[Node] = set()
    numbers = 0
    for _, _, m in monos:
        if m.merged or m.coef == 0:
            return False
        num, den = m.num, m.den
        if not num and not den:
            numbers += 1
            if numbers > 1:
                return False
        if not seen.isdisjoint(num) or not seen.isdisjoint(den):
            return False
        seen.update(num)
        seen.update(den)
    return not _paired_exps(seen)


def _collect(node: Node, ctx: Context) -> Node | None:
    """a*x + b*x -> (a+b)*x, x*x**2 -> x**3, g*a + g*b -> g*(a+b): one sum of products at a time.

    The region is the sum (or product) rooted at ``node``, through the additive nodes that it
    alone uses, so nothing shared is ever duplicated.
    """
    old = ctx.old
    if old is None:
        return None  # another rule's replacement: the next pass sees it in the graph
    if not old.type.is_float or _absorbed(old, ctx):
        return None
    if _plain_pair(old, ctx):
        return None
    if isinstance(old.op, Sub) and ctx.new.get(old.inputs[0], old.inputs[0]) is \
            ctx.new.get(old.inputs[1], old.inputs[1]):
        # t - t, a guard already: t's terms each guarded would be larger (x - y - (x - y) as
        # x - x + (y - y)); where t is known finite, the identity rule makes it 0
        return None
    # Coefficients multiply and add in the region's dtype: one that overflows (1e200 * 1e200),
    # underflows to zero (1e-200 * 1e-200, which would read as terms that cancel) or becomes
    # NaN would change values the graph as written keeps finite, so such a region stays as it is.
    with np.errstate(over="raise", under="raise", invalid="raise"):
        try:
            return _collect_region(old, ctx)
        except FloatingPointError:
            return None


def _scaled_sums(m: _Monomial, old: Node, ctx: Context) -> bool:
    """Each factor of ``m`` (the monomial of product ``old``) that is a sum under scales
    that only ``old``'s region uses, collected as a region of its own: (2*t + t) / k is
    (3*t) / k. The sum belongs to ``old``'s region (see _absorbed), which first tries to
    multiply the constant into it (_spread). Whether a factor changed."""
    changed = False
    for side in (m.num, m.den):
        for f in [f for f in side if isinstance(f.op, _ADDITIVE) and f.type == old.type
                  and ctx.new.get(f, f) is f and f is not old and _absorbed(f, ctx)
                  and _scale_of(ctx.sole[f]) is not None]:  # type: ignore[arg-type]
            r = _collect_region(f, ctx)
            if r is not None and r is not f:
                side[r] = side.get(r, 0) + side.pop(f)
                _inherit_rank(f, r, ctx.rank)
                m.merged += 1
                changed = True
    return changed


def _scale_of_shared(n: Node, ctx: Context) -> bool:
    """Whether ``n`` is ``k * t`` (or ``t / k``) with a ``t`` other nodes use too: reading
    through ``n`` to ``t`` then reads no node only ``n`` computes."""
    scaled = _scale_of(n, ctx.new)
    return scaled is not None and ctx.uses.get(scaled[0], 0) > 1


def _scaled_trigonometric(n: Node, ctx: Context) -> bool:
    """Whether ``n`` is ``k * sinh(t)``, ``k * cosh(t)``, ``k * sin(t)`` or ``k * cos(t)`` (or
    over k) of a real float: read through where that makes a tangent (see _tangent_pairs), as
    exp(x) - exp(-x) and exp(x) + exp(-x) become 2 * sinh(x) and 2 * cosh(x)."""
    scaled = _scale_of(n, ctx.new)
    return scaled is not None and isinstance(scaled[0].op, _TRIGONOMETRIC) and n.dtype.kind == "f"


def _exp_factors(m: _Monomial) -> list[Node]:
    """The factors exp(a) of ``m``, real floats, above its line once and not below it."""
    return [f for f, p in m.num.items() if p == 1 and isinstance(f.op, Exp)
            and f.dtype.kind == "f" and f not in m.den]


def _paired_exps(factors: Any) -> bool:
    """Whether ``factors`` hold exp(a) and exp(-a) of a real float, -a as _negated reads it:
    terms that _hyperbolic_pairs may join, though no factor repeats."""
    args = {f.inputs[0] for f in factors if isinstance(f.op, Exp) and f.dtype.kind == "f"}
    return len(args) > 1 and any(_negated(a) in args for a in args)


def _hyperbolic_pairs(groups: dict[frozenset[tuple[Node, int, int]], _Monomial], ctx: Context,
                      dtype: np.dtype) -> int:
    """The like terms ``groups`` with each c * exp(a) * r and +-c * exp(-a) * r (the same rest
    r, ``-a`` as _negated reads it, real floats) made one term 2c * cosh(a) * r or
    2c * sinh(a) * r, the sign as it falls: the stabilizing rule's exp(x) - exp(-x) ->
    2 sinh(x) and exp(x) + exp(-x) -> 2 cosh(x) (see _hyperbolic) in a longer sum, whose terms
    it would otherwise see two at a time. Written out, the two exps are inf past |a| = 710,
    where sinh(a) / cosh(a) is tanh(a) and cosh(a)'s reciprocal is 0. How many pairs merged."""
    if dtype.kind != "f" or len(groups) < 2:
        return 0
    # (rest of the term, argument) -> (group key, exp factor), for the terms holding an exp
    found: dict[tuple[frozenset[tuple[Node, int, int]], Node], tuple[Any, Node]] = {}
    for key, m in groups.items():
        if np.ndim(m.coef) or m.coef == 0:
            continue
        for f in _exp_factors(m):
            found.setdefault((key - {(f, 1, 0)}, f.inputs[0]), (key, f))
    merged = 0
    for (rest, a), (key, f) in list(found.items()):
        b = _negated(a)  # f is exp(-b): its partner is exp(b)
        if b is None or (rest, b) not in found or key not in groups:
            continue
        pkey, pf = found[(rest, b)]
        if pkey not in groups or pkey == key:
            continue
        m, pm = groups[pkey], groups[key]  # c * exp(b) * r and d * exp(-b) * r
        if abs(m.coef) != abs(pm.coef) or pf.type != f.type:
            continue
        form = (cosh if m.coef == pm.coef else sinh)(b)
        if form.type != pf.type:
            continue
        both = _Monomial(m.coef * np.asarray(2, dtype=dtype))
        both.num = {g: p for g, p in m.num.items() if g is not pf}
        both.num[form] = both.num.get(form, 0) + 1
        both.den = dict(m.den)
        both.merged = 1
        _inherit_rank(pf, form, ctx.rank)
        del groups[pkey], groups[key]
        _join(groups, both.key(), both)
        merged += 1
    return merged


def _powers_of(key: frozenset[tuple[Node, int, int]]) -> frozenset[tuple[Node, int, int]]:
    """The factors and powers of a like-terms key with each factor ``t ** k`` (k a nonzero
    integer constant) read as ``t`` to the power k times its own."""
    out: dict[Node, tuple[int, int]] = {}
    for f, p, q in key:
        k = _integer_power(f) if isinstance(f.op, Pow) else None
        base, k = (f.inputs[0], k) if k is not None and f.inputs[0].type == f.type else (f, 1)
        a, b = out.get(base, (0, 0))
        out[base] = (a + p * k, b + q * k) if k > 0 else (a - q * k, b - p * k)
    return frozenset((f, a, b) for f, (a, b) in out.items())


def _spelled_powers(groups: dict[frozenset[tuple[Node, int, int]], _Monomial],
                    summed: set[frozenset[tuple[Node, int, int]]]) -> int:
    """The like terms ``groups`` with those that are the same powers written two ways joined:
    ``5 * x**2`` with the power a node other terms share (read whole) and ``4 * x * x`` from a
    product the region owns (read as x to the power 2), which written out is the same node
    ``x ** 2``. The first group's factors stay. How many groups joined."""
    if len(groups) < 2 or not any(isinstance(f.op, Pow) for key in groups for f, _, _ in key):
        return 0
    first: dict[frozenset[tuple[Node, int, int]], frozenset[tuple[Node, int, int]]] = {}
    joined = 0
    for key in list(groups):
        powers = _powers_of(key)
        other = first.setdefault(powers, key)
        if other is not key:
            groups[other].coef = groups[other].coef + groups.pop(key).coef
            summed.add(other)
            joined += 1
    return joined


def _join(groups: dict[frozenset[tuple[Node, int, int]], _Monomial], key: Any,
          m: _Monomial) -> bool:
    """Monomial ``m`` (of ``key``) added to the like terms ``groups``: its coefficient added to
    that of the term of the same factors, or a term of its own. Whether it merged."""
    g = groups.get(key)
    if g is None:
        groups[key] = m
        return False
    g.coef = g.coef + m.coef
    return True


def _collect_region(old: Node, ctx: Context) -> Node | None:
    dtype, otype = old.dtype, old.type
    one = np.asarray(1, dtype=dtype)
    uses, new = ctx.uses, ctx.new
    coef: dict[Node, Any] = {old: one}
    arrived: dict[Node, int] = {}
    stack = [old]
    merges = 0
    guards_met = 0  # t - t nodes in the region: the terms that cancel in them are kept as they are
    leaves: dict[Node, None] = {}
    summed: set[Node] = set()  # nodes whose coefficient adds up the coefficients of several uses
    additive = isinstance(old.op, _ADDITIVE)
    while stack and additive:
        n = stack.pop()
        if n not in coef:
            continue  # a negation pushed once per use: its first visit took every coefficient
        k = coef.pop(n)
        inherited = n in summed
        leaves.pop(n, None)
        op = n.op
        if isinstance(op, Add):
            parts = [(n.inputs[0], k), (n.inputs[1], k)]
        elif isinstance(op, Sub):
            parts = [(n.inputs[0], k), (n.inputs[1], -k)]
            if n.inputs[0] is n.inputs[1]:
                guards_met += 1
        elif isinstance(op, Neg):
            parts = [(n.inputs[0], -k)]
        else:
            scaled = _scale_of(n, new)  # the walk enters no other product
            assert scaled is not None
            parts = [(scaled[0], k * scaled[1])]
            if isinstance(scaled[0].op, Neg):
                merges += 1  # k * -t: the sign joins the coefficient (x + 2 * -t is x - 2 * t)
        for child, kc in parts:
            if child in coef:
                merges += 1
                coef[child] = coef[child] + kc
                summed.add(child)
            else:
                coef[child] = kc
                leaves[child] = None
            if inherited:
                summed.add(child)
            arrived[child] = arrived.get(child, 0) + 1
            if child.type == otype and (isinstance(child.op, Neg) or (
                    arrived[child] == uses.get(child, 0)
                    and (isinstance(child.op, _ADDITIVE) or _scale_of(child, new) is not None))):
                stack.append(child)
    if additive and not merges and _distinct_atoms(leaves, ctx):
        return None
    groups: dict[frozenset[tuple[Node, int, int]], _Monomial] = {}
    constant = np.asarray(0, dtype=dtype)
    n_constants = 0
    monos: list[tuple[Node, bool, _Monomial]] = []
    spread = None
    if not additive:
        # a product alone: a single monomial, which changes only if factors merge
        m = _monomial(old, True, ctx, dtype, one)
        spread = _spread(m, ctx, dtype) if dtype.kind == "f" and (m.den or len(m.num) == 1) else None
        if spread is not None:
            monos, additive = spread, True
            merges += 1
        elif not _scaled_sums(m, old, ctx) and not m.merged:  # (a term read whole merged nothing)
            return None
        else:
            monos.append((old, True, m))
    for leaf in leaves:  # (none for a product alone)
        k = coef[leaf]
        owned = arrived.get(leaf, 0) == uses.get(leaf, 0) or leaf is old
        v = _constant_of(leaf, new)
        if v is not None:
            with np.errstate(all="ignore"):
                constant = constant + k * v.astype(dtype)
            n_constants += 1
            continue
        monos.append((leaf, owned, _monomial(leaf, owned, ctx, dtype, k)))
    # A product that several terms of the region share, and nothing outside it uses, is
    # expanded too (g*e used by both g*e*u and -(g*e)*u): a few rounds, each a linear scan.
    inside: set[Node] = set()
    for _ in range(_INSIDE_ROUNDS if len(monos) > 1 and spread is None else 0):
        reached: dict[Node, dict[Node, None]] = {}
        for _, _, m in monos:
            for n, parents in m.blocked.items():
                reached.setdefault(n, {}).update(parents)
        grow = {n for n, parents in reached.items()
                if sum(1 for p in parents for i in p.inputs if i is n) == uses.get(n, 0)}
        if not grow:
            break
        inside |= grow
        wider = [(leaf, owned, _monomial(leaf, owned, ctx, dtype, coef[leaf], inside)
                  if not grow.isdisjoint(m.blocked) else m) for leaf, owned, m in monos]
        if any(m.capped for _, _, m in wider):
            break  # the terms as the last round read them: a partial copy would not be shared
        monos = wider
    monos = _scales_that_merge(monos, ctx, dtype)
    if dtype.kind == "f" and len(monos) > 1:
        # cosh(x) / cosh(x) in one term, tanh(x) in another: see _tangents
        held = {h for _, _, m in monos if m.num for h in _held(m)}
        if held:
            for _, _, m in monos:
                if m.den:
                    _cancel_cosines(m, held)
    if not merges and n_constants <= 1 and _apart(monos):
        return None
    summed_groups: set[frozenset[tuple[Node, int, int]]] = set()
    for leaf, _, m in monos:
        merges += m.merged
        key = m.key()
        if _join(groups, key, m):
            merges += 1
            summed_groups.add(key)
        if leaf in summed:
            summed_groups.add(key)
    merges += _hyperbolic_pairs(groups, ctx, dtype)
    merges += _spelled_powers(groups, summed_groups)
    if dtype.kind == "c" and any(np.abs(groups[key].coef) not in (0, 1) for key in summed_groups):
        # z + z -> 2 * z is a complex multiply, (2+0j) * (inf+0j) = inf+nanj where z + z is
        # inf+0j; NumPy multiplies by a real as by a complex with imaginary part 0, so no way of
        # writing the coefficient keeps the infinity: a complex sum whose terms would merge
        # into a multiple stays as written
        return None
    merges += max(0, n_constants - 1)
    gl = list(groups.values())
    # factors shared by every term come out once: g*a + g*b -> g*(a+b)
    common_num: dict[Node, int] = {}
    common_den: dict[Node, int] = {}
    if len(gl) >= 2 and n_constants == 0:
        for common, (first, *rest) in ((common_num, [g.num for g in gl]),
                                       (common_den, [g.den for g in gl])):
            for f, least in first.items():
                for powers in rest:
                    least = min(least, powers.get(f, 0))
                    if not least:
                        break
                if least:
                    common[f] = least
        if common_num and sum(1 for g in gl if _keeps_a_body(g.coef, g.num, g.den, common_num)) < 2:
            # f + f * g -> f * (1 + g) multiplies no less and adds a constant (v - v / x ->
            # v * (1 - 1 / x) adds a product): a factor above the line comes out only of
            # terms that keep factors of their own (below it, f / D + 1 / D -> (f + 1) / D
            # saves a division)
            common_num.clear()
    cancelled = [g for g in gl if g.coef == 0]
    # cancelled terms stay as t - t unless t is known finite (so a NaN from inf - inf is not
    # hidden), t whole, in the order of the pass (which a later simplify of the result keeps)
    guards = [t for t in (_product(g.num, g.den, dtype, ctx.rank) for g in cancelled)
              if t is not None and not known_finite(t)]
    guards.sort(key=lambda t: ctx.rank.get(t, _LAST))
    if guards:
        # and beside the other terms, with no common factor taken out: f * (t/f + (t - t))
        # would hold t/f next to t, which a later simplify merges (x*x + x - x would be
        # x * (x + (x - x)), then x**2); taking out part of t instead would leave a guard
        # that may be finite (h/y + h - h as h * (1/y + (1 - 1)) is -inf at h = inf, y = -0)
        common_num, common_den = {}, {}
    terms: list[_Term] = [
        (g.coef, {f: p - common_num.get(f, 0) for f, p in g.num.items()},
         {f: p - common_den.get(f, 0) for f, p in g.den.items()}) for g in gl if g.coef != 0]
    shared = _factor_out(terms) if additive else None
    if merges <= guards_met and not common_num and not common_den and shared is None and (
            not cancelled or not additive or len(cancelled) <= guards_met):
        # nothing merges but in the guards the region holds already: rebuilt, it would be
        # the same sum, its terms perhaps in another order
        return None
    if constant != 0 or (not terms and not guards):
        terms.append((constant, {}, {}))  # (which holds no factor, so leaves ``shared`` as it is)
    total = _sum_terms(terms, dtype, 0, ctx.rank, shared)
    for t in guards:
        d = t - t
        total = d if total is None else total + d
    assert total is not None
    outer = _product(common_num, common_den, dtype, ctx.rank)
    if outer is not None:
        total = outer * total if not isinstance(outer.op, Div) else (
            total * outer.inputs[0] / outer.inputs[1] if not _is_one(outer.inputs[0]) else total / outer.inputs[1])
    return total


def _is_one(n: Node) -> bool:
    v = scalar_constant(n)
    return v is not None and bool(v == 1)


# -- one node for one sum or product, however it is grouped ---------------------------------------
# Term collection rebuilds a region only when something merges; reverse mode and collection can
# still write one sum or product in different groupings and orders ((a + b) + c, c + (b + a),
# -(x * y) and (-x) * y). Each sum and product of the pass is hashed by its terms (the hash of
# a sum is the sum of its terms' hashes, so it costs O(1) per node from its inputs'); a node
# whose hash was seen is compared term by term with the earlier node, and becomes it when they
# hold the same terms with the same coefficients (a product: the same factors with the same
# powers above and below the line, and the same sign). Only rounding differs: terms that
# cancel and factors that appear above and below the line are compared as they are, so a NaN
# stays.

_HASH_MOD = (1 << 61) - 1
_SAME_FORM_STEPS = 64  # nodes walked at most to compare two forms (bigger ones stay apart)
_SUM_OPS = (Add, Sub, Neg)
_PRODUCT_OPS = (Mul, Div, Neg, Pow)
_FORM_KIND = {Add: 0, Sub: 1, Neg: 2, Mul: 3, Div: 4, Pow: 5}


def _integer_power(n: Node) -> int | None:
    """The exponent of ``x ** k`` for a scalar integer-valued constant k != 0, else None."""
    k = integer_value(n.inputs[1]) if n.inputs[1].ndim == 0 else None
    return k if k else None


def _sum_terms_of(n: Node) -> dict[Node, int] | None:
    """A sum's terms (through the sums of the same type below it) -> integer coefficients."""
    out: dict[Node, int] = {}
    stack = [(n, 1)]
    for _ in range(_SAME_FORM_STEPS):
        if not stack:
            return out
        m, k = stack.pop()
        if m.type == n.type and isinstance(m.op, _SUM_OPS):
            a = m.inputs[0]
            if isinstance(m.op, Neg):
                stack.append((a, -k))
            else:
                stack.append((a, k))
                stack.append((m.inputs[1], k if isinstance(m.op, Add) else -k))
            continue
        m, negative = _magnitude(m)
        out[m] = out.get(m, 0) + (-k if negative else k)
    return None


def _negated_terms(terms: dict[Node, int]) -> dict[Node, int]:
    return {t: -k for t, k in terms.items()}


def _negated_factors(factors: tuple[dict[Node, tuple[int, int]], int]
                     ) -> tuple[dict[Node, tuple[int, int]], int]:
    return factors[0], factors[1] ^ 1


def _magnitude(n: Node) -> tuple[Node, bool]:
    """(-c, True) for a negative floating-point constant c, else (n, False): a sum or product
    holding -2.0 holds 2.0 with the opposite sign (-2.0 - x is -(x + 2.0), -2.0 * x is
    -(2.0 * x)), so the two forms hash and compare alike. An array is negative when no
    element is positive or NaN and one is below zero (x + [0.0, -1.0] is x - [0.0, 1.0]); its
    magnitude's zeros are +0.0, so it prints as the call that builds it (one_hot(1, 2)), and
    only the sign of a zero result can differ, as it does when x + 0 becomes x."""
    op = n.op
    if isinstance(op, Const) and n.dtype.kind == "f":
        v = op.value
        if not n.shape:
            if v < 0:
                return const(-v), True
        elif np.all(v <= 0) and np.any(v < 0):
            return const(np.negative(v) + 0.0), True
    return n, False


def _factors_of(n: Node) -> tuple[dict[Node, tuple[int, int]], int] | None:
    """A product's factors (through the products of the same type below it) -> (power above the
    line, power below), and its sign (1 for negative)."""
    out: dict[Node, tuple[int, int]] = {}
    sign = 0
    stack = [(n, 1)]
    for _ in range(_SAME_FORM_STEPS):
        if not stack:
            return out, sign
        m, e = stack.pop()
        if m.type == n.type and isinstance(m.op, _PRODUCT_OPS):
            if isinstance(m.op, Neg):
                sign ^= e & 1
                stack.append((m.inputs[0], e))
                continue
            if isinstance(m.op, Pow):
                p = _integer_power(m)
                if p is not None:
                    stack.append((m.inputs[0], e * p))
                    continue
            else:
                stack.append((m.inputs[0], e))
                stack.append((m.inputs[1], e if isinstance(m.op, Mul) else -e))
                continue
        m, negative = _magnitude(m)
        if negative:
            sign ^= e & 1
        up, down = out.get(m, (0, 0))
        out[m] = (up + e, down) if e > 0 else (up, down - e)
    return None


class _Forms:
    """The sums and products seen so far, by the hash of their terms."""

    __slots__ = ("sums", "products", "seen", "atoms", "random")

    def __init__(self) -> None:
        self.sums: dict[Node, int] = {}
        self.products: dict[Node, tuple[int, int, int]] = {}
        self.seen: dict[tuple[Any, ...], Node] = {}
        # a random number per term: sums of them collide only by chance (a hash of the node's
        # address would not do: nodes built alike lie at addresses a constant apart)
        self.atoms: dict[Node, int] = {}
        self.random = random.Random(0)

    def atom(self, n: Node) -> int:
        h = self.atoms.get(n)
        if h is None:
            h = self.atoms[n] = self.random.getrandbits(61)
        return h

    def term(self, n: Node) -> int:
        """The hash of ``n`` as a term of a sum (a negative number as its negation)."""
        m, negative = _magnitude(n)
        return -self.atom(m) if negative else self.atom(m)

    def factor(self, n: Node) -> tuple[int, int, int]:
        """The form of ``n`` as a factor of a product (a negative number as its negation)."""
        m, negative = _magnitude(n)
        return self.atom(m), 0, int(negative)

    def find(self, node: Node) -> Node | None:
        """An earlier node with the same terms (or factors) as ``node``, else None (and
        ``node`` is remembered)."""
        kind = _FORM_KIND.get(type(node.op))
        if kind is None:
            return None
        typ = node.type
        ins = node.inputs
        a = ins[0]
        same_a = a.type == typ
        if kind <= 2:  # a sum (or a negation, which is both)
            sums = self.sums
            h = sums.get(a) if same_a else None
            if h is None:
                h = self.term(a)
            if kind == 2:
                h = -h
            else:
                b = ins[1]
                t = sums.get(b) if b.type == typ else None
                if t is None:
                    t = self.term(b)
                h = h + t if kind == 0 else h - t
            h %= _HASH_MOD
            sums[node] = h
            same = self.confirmed((0, typ, h), node, _sum_terms_of)
            if same is None and kind != 2:
                same = self.negated((0, typ, -h % _HASH_MOD), node, _sum_terms_of, _negated_terms)
            if same is not None or kind != 2:
                return same
        products = self.products
        f = products.get(a) if same_a else None
        up, down, sign = f if f is not None else self.factor(a)
        if kind == 2:
            sign ^= 1
        elif kind == 5:
            p = _integer_power(node)
            if p is None:
                return None
            up, down = (up * p, down * p) if p > 0 else (down * -p, up * -p)
            sign &= p & 1
        else:
            b = ins[1]
            g = products.get(b) if b.type == typ else None
            bu, bd, bs = g if g is not None else self.factor(b)
            if kind == 4:
                bu, bd = bd, bu
            up, down, sign = up + bu, down + bd, sign ^ bs
        form = (up % _HASH_MOD, down % _HASH_MOD, sign)
        products[node] = form
        same = self.confirmed((1, typ, form), node, _factors_of)
        if same is None and kind != 2 and sign:
            # a negative product as the negation of a positive one seen before (never the
            # other way round, so that simplifying the result again keeps the same choice)
            same = self.negated((1, typ, (form[0], form[1], sign ^ 1)), node, _factors_of,
                                _negated_factors)
        return same

    def confirmed(self, key: Any, node: Node, parts_of: Any) -> Node | None:
        """The earlier node with this hash ``key`` when its terms or factors (``parts_of``) are
        ``node``'s too, else None (``node`` is then the first seen with the key, if it is)."""
        other = self.seen.setdefault(key, node)
        if other is not node:
            mine = parts_of(node)
            if mine is not None and mine == parts_of(other):
                return other  # type: ignore[no-any-return]
        return None

    def negated(self, key: Any, node: Node, parts_of: Any, negate: Any) -> Node | None:
        """``-other`` for an earlier node ``other`` with hash ``key`` whose terms or factors
        are ``node``'s negated (``x - 2.0`` where ``2.0 - x`` was seen): one negation in place
        of a sum or product, never more nodes."""
        other = self.seen.get(key)
        if other is None or other is node or isinstance(other.op, Sub):
            return None  # (-(a - b) is rewritten b - a: the sum would come back)
        mine = parts_of(node)
        if mine is None or negate(mine) != parts_of(other):
            return None
        neg = negative(other)
        for table in (self.sums, self.products):  # its form is node's, for the nodes above
            if node in table:
                table[neg] = table[node]  # type: ignore[index]
        return neg


@gc_paused
def merge_same_forms(roots: Sequence[Node], mapping: dict[Node, Node] | None = None,
                     rebuilt: dict[Node, Node] | None = None) -> list[Node]:
    """``roots`` with every sum or product that holds the same terms (or factors) as an earlier
    one replaced by that one. ``mapping``, when given, has its values updated to match;
    ``rebuilt``, when given, receives each node rebuilt only because inputs below its own were
    (it is the same expression as before, over merged inputs) -> the node it was rebuilt from.

    >>> from symdiff.rewrite.rules import merge_same_forms
    >>> a, b, c = sd.symbols("a b c")
    >>> first, second = merge_same_forms([(a + b) + c, a + (c + b)])
    >>> first, first is second
    (a + b + c, True)
    """
    forms = _Forms()
    new: dict[Node, Node] = {}
    replaced: set[Node] = set()  # nodes that became another form
    changed = False
    for n in toposort(roots):
        ins = n.inputs
        m = n
        if ins and changed:
            mapped = tuple([new[i] for i in ins])
            for a, b in zip(mapped, ins):
                if a is not b:
                    m = Node(n.op, mapped)
                    break
        if ins and m.dtype.kind in "fc":
            other = forms.find(m)
            if other is not None:
                m = other
                replaced.add(n)
        if m is not n:
            changed = True
            if rebuilt is not None and n not in replaced and not any(i in replaced for i in ins):
                rebuilt[m] = n
        new[n] = m
    if not changed:
        return list(roots)
    if mapping is not None:
        for k, v in mapping.items():
            mapping[k] = new.get(v, v)
    return [new[r] for r in roots]


COLLECT = RuleSet([
    Rule(Pat((Add, Sub, Neg, Mul, Div)), _collect),  # a*x + b*x -> (a+b)*x, x*x**2 -> x**3
])

FOLD = RuleSet([
    Rule(Pat(Op), _fold, inputs=(Const, BroadcastTo)),  # f(constants) -> constant
])

DEFAULT = FOLD + LOOPS + COLLECT + IDENTITIES + ZEROS + SHAPES + STABILIZE + ONE_HOT + STACK
"""Every rule, in the order they are tried on a node."""


def iter_rules() -> Iterator[Rule]:
    """Every default rule (for documentation and tests)."""
    return iter(DEFAULT)


__all__ = [
    "COLLECT", "DEFAULT", "FOLD", "FOLD_MAX_ELEMENTS", "IDENTITIES", "LOOPS", "ONE_HOT", "SHAPES", "STACK",
    "STACK_MAX_ELEMENTS", "STABILIZE", "ZEROS",
    "full", "iter_rules", "merge_same_forms", "known_finite", "known_nonnegative", "known_nonzero_finite",
]
