"""Stable forms of compositions that overflow or lose their precision as written.

``log(sigmoid(x))`` is ``log(0) = -inf`` once ``sigmoid(x)`` underflows (x below about -745),
and its derivative ``(1 - s) * s / s`` is ``0/0``; ``-softplus(-x)`` is the same function, finite
everywhere, with the derivative ``sigmoid(-x)``. This module is the one table of such pairs: the
rewriter's stabilization rules replace them in a graph, and reverse mode differentiates the
stable form, so a gradient is as stable as the function it came from.
"""

from __future__ import annotations

import numpy as np

from ..ir import Node
from .base import Const, DimSize, constant_equals
from .elementwise import (Add, Cast, Div, Exp, Expm1, Log, Log1p, Maximum, Minimum, Neg, Pow, Sigmoid, Sub,
                          exp, expm1, log, log1p, maximum, minimum, negative, sigmoid, softplus, where)
from .nn import Softmax, log_softmax, softmax
from .numeric import Exp2, Log2, logaddexp, logaddexp2
from .reduce import LogSumExp, Sum
from .shape import Index
from .special import Erfc, log_ndtr

HEADS = (Log, Log1p, Log2, Div, Pow)
"""The op types at the root of every form below (a cheap test before ``stable_form``)."""


_SQRT2, _LOG2 = float(np.sqrt(2.0)), float(np.log(2.0))


def _written_out(node: Node) -> tuple[Node | None, Node | None]:
    """(form, x) for the logistic function and softmax as users write them: ``1 / (1 + exp(x))``
    and ``(1 + exp(x)) ** -1`` are ``sigmoid(-x)``, ``exp(x) / (1 + exp(x))`` is
    ``sigmoid(x)``, ``exp(x) / sum(exp(x), axis, keepdims=True)`` is ``softmax(x, axis)``
    (over every axis, the plain sum too). As written, the first two are finite but their
    derivatives are ``inf / inf`` for x past about 709; the others overflow themselves."""
    a, b = node.inputs
    if isinstance(node.op, Pow):
        x = _exp_plus_one(a) if isinstance(a.op, Add) and constant_equals(b, -1) else None
        return (sigmoid(negative(x)), x) if x is not None else (None, None)
    if isinstance(b.op, Add):
        x = _exp_plus_one(b)
        if x is not None and constant_equals(a, 1):
            return sigmoid(negative(x)), x
        if x is not None and isinstance(a.op, Exp) and a.inputs[0] is x:
            return sigmoid(x), x
    elif isinstance(b.op, Sum) and isinstance(a.op, Exp) and b.inputs[0] is a:
        s: Sum = b.op  # type: ignore[assignment]
        x = a.inputs[0]
        if s.axes and (s.keepdims or len(s.axes) == x.ndim):  # else it divides along other axes
            return softmax(x, s.axes), x
    return None, None


def _exp_plus_one(a: Node) -> Node | None:
    """x when ``a`` is ``1 + exp(x)`` or ``exp(x) + 1``."""
    u, v = a.inputs
    if constant_equals(u, 1) and isinstance(v.op, Exp):
        return v.inputs[0]
    if constant_equals(v, 1) and isinstance(u.op, Exp):
        return u.inputs[0]
    return None


def _power_of(n: Node, two: bool) -> Node | None:
    """x when ``n`` is ``exp(x)`` (``two``: ``exp2(x)`` or ``2 ** x``)."""
    if not two:
        return n.inputs[0] if isinstance(n.op, Exp) else None
    if isinstance(n.op, Exp2):
        return n.inputs[0]
    if isinstance(n.op, Pow) and isinstance(n.inputs[0].op, Const):
        v = n.inputs[0].op.value
        if v.size == 1 and bool(v.reshape(()) == 2):
            return n.inputs[1]
    return None


def _log1mexp_operand(node: Node) -> Node | None:
    """x when ``node`` is ``log(1 - exp(x))``, ``log1p(-exp(x))`` or ``log(-expm1(x))`` of a
    real float, in the dtype the exponential computes in (an integer x: exp's float); None for
    the two branches of ``log1mexp`` itself, whose operand is clamped to the side where the
    spelling is accurate (``log(-expm1(maximum(x, -ln 2)))``, ``log1p(-exp(minimum(x,
    -ln 2)))``), so that the form is not rewritten again."""
    if node.dtype.kind != "f":
        return None
    (a,) = node.inputs
    e: Node | None = None
    if isinstance(node.op, Log1p):
        e = a.inputs[0] if isinstance(a.op, Neg) and isinstance(a.inputs[0].op, Exp) else None
        clamp = Minimum
    elif isinstance(a.op, Neg):
        e = a.inputs[0] if isinstance(a.inputs[0].op, Expm1) else None
        clamp = Maximum
    elif isinstance(a.op, Sub) and constant_equals(a.inputs[0], 1) and isinstance(a.inputs[1].op, Exp):
        e, clamp = a.inputs[1], Maximum  # (1 - exp(maximum(x, -ln 2))) is no branch: rewritten
    if e is None or a.dtype != e.dtype:
        return None  # a float64 1 - exp(x) of a float32 x: as written
    x = e.inputs[0]
    if isinstance(x.op, clamp) and not isinstance(a.op, Sub):
        c = x.inputs[1].op.value if isinstance(x.inputs[1].op, Const) else None
        if c is not None and c.size == 1 and bool(c.reshape(()) == np.asarray(-_LOG2, c.dtype)):
            return None
    return x if x.dtype == e.dtype else x.astype(e.dtype)


def _log1mexp(x: Node) -> Node:
    """log(1 - exp(x)) to the last digits for every x <= 0 (M. Maechler, "Accurately computing
    log(1 - exp(-|a|))", 2012): ``log(-expm1(x))`` above -ln 2, where 1 - exp(x) cancels,
    ``log1p(-exp(x))`` below, where -expm1(x) rounds to 1 (x under -37: log(1 - exp(-40)) is
    -4.2e-18, not 0). Each branch reads x clamped to its side, so the branch not taken is
    finite (no warning, no nan in a derivative); ties in maximum and minimum go to x, so the
    derivative at -ln 2 is whole. nan, 0 (-inf) and x > 0 (nan) are as the raw form's."""
    c = -_LOG2
    return where(x > c, log(negative(expm1(maximum(x, c)))), log1p(negative(exp(minimum(x, c)))))


def _is_count(d: Node) -> bool:
    """Whether ``d`` is a positive constant or a dimension's size as a float: what ``mean``
    divides by. (log(s / d) is log(s) - log(d) for every real d but -0.0, where s / d is -inf
    and its log nan, and log(-0.0) is -inf.)"""
    if isinstance(d.op, Const):
        v = d.op.value
        return v.dtype.kind in "iuf" and v.size > 0 and bool(np.all(v > 0)) and bool(np.all(np.isfinite(v)))
    return isinstance(d.op, Cast) and isinstance(d.inputs[0].op, DimSize)


def stable_parts(node: Node) -> tuple[Node, tuple[Node, ...]] | None:
    """``(form, operands)``: the stable equivalent of ``node`` (of the same type) and the nodes
    of ``node``'s graph it is built on; None when ``node`` has no stable form (of complex
    values, only the ``log_softmax`` and ``logsumexp`` forms).

    - ``log(sigmoid(x))`` and ``log(1 - sigmoid(x))``: ``-softplus(-x)`` and ``-softplus(x)``
      (also ``log1p(-sigmoid(x))``);
    - ``log(1 + exp(x))`` and ``log1p(exp(x))``: ``softplus(x)``;
    - ``log(softmax(x))``: ``log_softmax(x)``;
    - ``log(sum(exp(x)))``: ``logsumexp(x)``, shifted by the maximum; ``log(mean(exp(x)))``,
      ``log(sum(exp(x)) / d)`` for a count ``d`` (``_is_count``): ``logsumexp(x) - log(d)``;
    - ``log(exp(x) + exp(y))`` and ``log2(2**x + 2**y)``: ``logaddexp(x, y)`` and
      ``logaddexp2(x, y)``;
    - ``log(1 - exp(x))``, ``log1p(-exp(x))`` and ``log(-expm1(x))`` of a real float: the
      branch of each accurate on its side of -ln 2 (``_log1mexp``);
    - ``log(expm1(x))`` of a real float (the inverse of softplus): ``x + log(1 - exp(-x))``, that
      one as above; expm1 overflows past x = 709.8, where the result is x to the last digit;
    - ``log(erfc(x))`` of a real float: ``log_ndtr(-sqrt(2) x) + log(2)`` (erfc(x) is
      2 ndtr(-sqrt(2) x)), whose asymptotic series goes on where erfc underflows (x past 26.5;
      log erfc(30) is -903.97), and whose derivative is then finite;
    - the logistic function and softmax written out (``1 / (1 + exp(-x))``, ``exp(x) /
      sum(exp(x))``): ``sigmoid(x)`` and ``softmax(x)``;
    - the log of elements picked from one of the above (``log(softmax(z)[label])``, the
      cross-entropy as written): those elements of its stable form (``log_softmax(z)[label]``;
      ``log(sigmoid(z)[i])`` is ``-softplus(-z[i])``), finite where the picked value underflows.

    >>> from symdiff.ops.stable import stable_parts
    >>> x = sd.var("x")
    >>> stable_parts(sd.log(sd.sigmoid(x)))
    (-softplus(-x), (x,))
    """
    op = node.op
    if not isinstance(op, HEADS):
        return None
    x: Node | None = None
    out: Node | None = None
    if node.dtype.kind == "c" and (isinstance(op, (Div, Pow)) or not (
            isinstance(op, Log) and isinstance(node.inputs[0].op, (Softmax, Sum)))):
        return None  # softplus, logaddexp, sigmoid and softmax are real functions (as NumPy's)
    if isinstance(op, (Div, Pow)):
        out, x = _written_out(node)
        if out is None or x is None or out.type != node.type:
            return None
        return out, (x,)
    (a,) = node.inputs
    if isinstance(a.op, Index) and isinstance(op, Log):
        inner, arrays = a.inputs[0], a.inputs[1:]
        if not inner.op.elementwise:  # those elements of the form (one level: no Index below)
            picked = stable_parts(log(inner))
            if picked is None:
                return None
            out = Node(a.op, (picked[0], *arrays))
            return (out, (*picked[1], *arrays)) if out.type == node.type else None
        if len(inner.inputs) != 1 or inner.inputs[0].shape != inner.shape:
            return None
        # f(x)[i] is f(x[i]): the form of that, computed on the picked elements only
        x = inner.inputs[0]
        picked = stable_parts(log(Node(inner.op, (Node(a.op, (x, *arrays)),))))
        if picked is None or picked[0].type != node.type:
            return None
        return picked[0], (x, *arrays)
    if isinstance(a.op, Add) and isinstance(op, (Log, Log2)):
        two = isinstance(op, Log2)
        u, w = (_power_of(i, two) for i in a.inputs)
        if u is not None and w is not None:
            out = (logaddexp2 if two else logaddexp)(u, w)
            # one operand once: log(exp(x) + exp(x)) is built on x alone
            return (out, tuple(dict.fromkeys((u, w)))) if out.type == node.type else None
    if isinstance(op, Log2):
        return None
    x = _log1mexp_operand(node)
    if x is not None:
        out = _log1mexp(x)
        return (out, (x,)) if out.type == node.type else None
    if isinstance(op, Log):
        inner = _exp_plus_one(a) if isinstance(a.op, Add) else None
        if isinstance(a.op, Sigmoid):
            x = a.inputs[0]
            out = negative(softplus(negative(x if x.dtype.kind in "fc" else x.astype(node.dtype))))
        elif isinstance(a.op, Sub) and constant_equals(a.inputs[0], 1) and isinstance(a.inputs[1].op, Sigmoid):
            x = a.inputs[1].inputs[0]
            out = negative(softplus(x))
        elif inner is not None:
            x = inner
            out = softplus(x)
        elif isinstance(a.op, Expm1) and a.dtype.kind == "f" and a.inputs[0].dtype == a.dtype:
            x = a.inputs[0]
            out = x + _log1mexp(negative(x))
        elif isinstance(a.op, Erfc) and a.inputs[0].dtype.kind == "f":
            x = a.inputs[0]
            out = log_ndtr(-(x * _SQRT2)) + _LOG2
        elif isinstance(a.op, Softmax):
            x = a.inputs[0]
            out = log_softmax(x, a.op.axis)  # type: ignore[attr-defined]
        elif isinstance(a.op, Sum) and isinstance(a.inputs[0].op, Exp):
            s: Sum = a.op  # type: ignore[assignment]
            x = a.inputs[0].inputs[0]
            out = Node(LogSumExp(s.axes, s.keepdims), (x,))
        elif isinstance(a.op, Div) and isinstance(a.inputs[0].op, Sum) \
                and isinstance(a.inputs[0].inputs[0].op, Exp) and _is_count(a.inputs[1]):
            total, d = a.inputs
            s = total.op  # type: ignore[assignment]
            x = total.inputs[0].inputs[0]
            out = Node(LogSumExp(s.axes, s.keepdims), (x,)) - log(d)
            if out.type != node.type:
                return None
            return out, (x, d)
    elif isinstance(a.op, Neg) and isinstance(a.inputs[0].op, Sigmoid):  # log1p(-sigmoid(x))
        x = a.inputs[0].inputs[0]
        out = negative(softplus(x))
    elif isinstance(a.op, Exp):  # log1p(exp(x))
        x = a.inputs[0]
        out = softplus(x)
    if out is None or x is None or out.type != node.type:
        return None  # e.g. 1 - sigmoid(x) broadcast to a larger shape: left as written
    return out, (x,)


def stable_form(node: Node) -> Node | None:
    """The stable equivalent of ``node`` (see ``stable_parts``), or None.

    >>> from symdiff.ops.stable import stable_form
    >>> x = sd.var("x")
    >>> stable_form(sd.log(1 - sd.sigmoid(x)))
    -softplus(x)
    """
    parts = stable_parts(node)
    return None if parts is None else parts[0]


__all__ = ["HEADS", "stable_form", "stable_parts"]
