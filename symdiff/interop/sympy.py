"""The bridge to SymPy: ``to_sympy`` and ``from_sympy``, both iterative.

``to_sympy`` walks ``toposort`` once and keeps, per node, a NumPy object array of SymPy
expressions (0-d for scalars), so tensor ops (indexing, matmul, reductions) reuse NumPy's own
rules and a node used twice contributes the same SymPy object twice: sharing is kept. Tensor
variables become ``IndexedBase`` elements (``W[0, 1]``); results of static shape come back as a
SymPy expression (0-d), ``ImmutableDenseNDimArray`` (1-d, 3-d and up) or ``ImmutableMatrix`` (2-d).

``from_sympy`` walks the SymPy tree with an explicit stack (SymPy's own traversals recurse),
converting each distinct sub-expression once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from ..backends.evaluate import evaluate
from ..errors import DTypeError, UnsupportedError
from ..ir import (
    Node, check_shape, flatten_outputs, format_shape, toposort, unflatten_outputs, with_article,
)
from ..ops import FUNCTIONS, as_node, index, stack, var
from ..ops import elementwise as ew

MAX_ELEMENTS = 10_000
"""The largest tensor (in elements) ``to_sympy`` expands into SymPy scalars."""

MAX_TREE = 100_000
"""The most operations that writing the graph given to ``to_sympy`` out as a tree, each shared
sub-expression once per use, may add, as SymPy's functions read an expression: its constructors ask
their arguments' assumptions (finite? positive? a multiple of pi?) by walking them as trees, so
a graph that reuses a value at each of 30 levels, 100 nodes as a DAG, would take time
exponential in its depth to convert. Past this, ``to_sympy`` refuses at once."""

Arr = np.ndarray  # an object array of SymPy expressions

# -- to_sympy ---------------------------------------------------------------------------------


def _scalar(x: Any) -> Arr:
    a = np.empty((), dtype=object)
    a[()] = x
    return a


def _map(fn: Callable[..., Any], *arrays: Arr) -> Arr:
    out = np.frompyfunc(fn, len(arrays), 1)(*arrays)
    return out if isinstance(out, np.ndarray) else _scalar(out)


def number(v: Any) -> sympy.Basic:
    """A NumPy or Python number as an exact SymPy number where that reads naturally
    (2.0 -> 2, 0.1 -> 1/10, np.pi -> pi, np.e -> E), else a Float of full precision."""
    if isinstance(v, (bool, np.bool_)):
        return sympy.true if v else sympy.false
    if isinstance(v, (int, np.integer)):
        return sympy.Integer(int(v))
    if isinstance(v, (complex, np.complexfloating)):
        return number(v.real) + sympy.I * number(v.imag)
    f = float(v)
    if math.isnan(f):
        return sympy.nan
    if math.isinf(f):
        return sympy.oo if f > 0 else -sympy.oo
    if f.is_integer() and abs(f) < 2**53:
        return sympy.Integer(int(f))
    for constant in (sympy.pi, sympy.E):  # np.pi and np.e: the constants they round
        if abs(f) == float(constant):
            return constant if f > 0 else -constant
    r = repr(f)
    digits = r.lstrip("-").split("e")[0].replace(".", "").strip("0")
    # a short decimal such as 0.1 or 2.5e-3 is meant exactly; one past 2**53 (1e300) stays a
    # Float, as an exact integer that large is a Python int NumPy cannot take (np.sin(10**300))
    if len(digits) <= 8 and abs(f) < 2**53:
        return sympy.Rational(r)
    return sympy.Float(f, precision=53)


def _reduce(x: Arr, axes: Sequence[int], keepdims: bool, combine: Callable[[list[Any]], Any]) -> Arr:
    keep = [k for k in range(x.ndim) if k not in axes]
    moved = np.transpose(x, (*keep, *axes))
    rows = moved.reshape((*moved.shape[: len(keep)], -1))
    out = np.empty(rows.shape[:-1], dtype=object)
    for idx in np.ndindex(*out.shape):
        out[idx] = combine(list(rows[idx]))
    if keepdims:
        out = out.reshape(tuple(1 if k in axes else d for k, d in enumerate(x.shape)))
    return out


def _lse(items: list[Any]) -> Any:
    return sympy.log(sympy.Add(*[sympy.exp(i) for i in items]))


def _cast(op: Any, node: Node, x: Arr, src: Node) -> Arr:
    to, kind = op.to, src.dtype.kind
    if kind == "c" and to.kind in "iuf":  # NumPy drops the imaginary part
        x, kind = _map(sympy.re, x), "f"
    if kind == "b" and to.kind in "iufc":
        return _map(_one_if, x)
    if to.kind == "b":  # nonzero is true
        return _map(_truth, x)
    if to.kind in "fc":  # float32 rounding is not modelled
        return x
    if kind == "f":  # NumPy's cast truncates towards zero (out of range, it is the platform's)
        return _map(_UNARY["trunc"], x)
    if kind in "iu" and to.kind in "iu":
        return _map(lambda a: _wrap(a, src.dtype, to), x)
    raise UnsupportedError(
        f"to_sympy: astype from {src.dtype} to {to} has no SymPy form (only casts between numbers "
        "and to and from bool do)"
    )


def _wrap(a: Any, src: np.dtype, to: np.dtype) -> Any:
    """An integer cast as NumPy's: modulo 2**bits into the target's range (int8(200) is -56,
    uint8(-1) is 255); the value itself where the target holds every value of the source."""
    have, want = np.iinfo(src), np.iinfo(to)
    if want.min <= have.min and have.max <= want.max:
        return a
    low = int(want.min)
    return sympy.Mod(a - low, 2 ** (8 * to.itemsize)) + low


def _index_tuple(spec: tuple[Any, ...], arrays: Sequence[Arr]) -> tuple[Any, ...]:
    items: list[Any] = []
    rest = list(arrays)
    for it in spec:
        if it[0] == "i":
            items.append(it[1])
        elif it[0] == "n":
            items.append(None)
        elif it[0] == "s":
            items.append(slice(*it[1:]))
        else:
            arr = rest.pop(0)
            try:
                items.append(np.vectorize(int, otypes=[np.int64])(arr) if arr.size else arr.astype(np.int64))
            except TypeError:
                raise UnsupportedError(
                    "to_sympy: indexing with a symbolic integer array has no SymPy form; "
                    "index with constants"
                ) from None
    return tuple(items)


def _index_add(op: Any, g: Arr, *arrays: Arr) -> Arr:
    out = np.empty(op.shape, dtype=object)
    out[...] = sympy.Integer(0)
    idx = _index_tuple(op.spec, arrays)
    if any(it[0] == "a" for it in op.spec):
        np.add.at(out, idx, g)
    else:
        out[idx] = g
    return out


def _softmax(x: Arr, axis: int, log: bool) -> Arr:
    e = _map(sympy.exp, x)
    total = _reduce(e, (axis,), True, lambda items: sympy.Add(*items))
    if log:
        return _map(lambda a, s: a - sympy.log(s), x, np.broadcast_to(total, x.shape))
    return _map(lambda a, s: a / s, e, np.broadcast_to(total, x.shape))


_UNARY: dict[str, Callable[[Any], Any]] = {
    "neg": lambda a: -a,
    "exp": sympy.exp,
    "log": sympy.log,
    "log1p": lambda a: sympy.log(1 + a),
    "expm1": lambda a: sympy.exp(a) - 1,
    "sqrt": sympy.sqrt,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "tanh": sympy.tanh,
    "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)),
    "relu": lambda a: sympy.Max(a, 0),
    "softplus": lambda a: sympy.log(1 + sympy.exp(a)),
    "logcosh": lambda a: sympy.log(sympy.cosh(a)),
    "abs": sympy.Abs,
    "sign": sympy.sign,
}
_LOGIC = (bool, sympy.core.relational.Relational, sympy.logic.boolalg.BooleanFunction,
          sympy.logic.boolalg.BooleanAtom)  # not a Symbol, which SymPy also counts as Boolean


def _truth(a: Any) -> Any:
    """A value as a SymPy truth value: NumPy's logical functions take nonzero as true."""
    return a if isinstance(a, _LOGIC) else sympy.Ne(a, 0)


def _one_if(c: Any) -> Any:
    """A truth value as the number NumPy's arithmetic reads it: 1 where true, else 0."""
    return sympy.Piecewise((1, _truth(c)), (0, True))


def _numbers(a: Arr) -> Arr:
    """Booleans given to arithmetic (``sum(x > 0)``, ``x * mask``) as 0 and 1; SymPy's
    truth values cannot be added or multiplied. A boolean variable's symbols already are
    numbers."""
    return _map(lambda c: _one_if(c) if isinstance(c, _LOGIC) else c, a)


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": sympy.Max,
    "minimum": sympy.Min,
    "less": sympy.Lt,
    "less_equal": sympy.Le,
    "greater": sympy.Gt,
    "greater_equal": sympy.Ge,
    "equal": sympy.Eq,
    "not_equal": sympy.Ne,
    "logical_and": lambda a, b: sympy.And(_truth(a), _truth(b)),
    "logical_or": lambda a, b: sympy.Or(_truth(a), _truth(b)),
    "logical_xor": lambda a, b: sympy.Xor(_truth(a), _truth(b)),
}
_UNARY["logical_not"] = lambda a: sympy.Not(_truth(a))
_REDUCE: dict[str, Callable[[list[Any]], Any]] = {
    "sum": lambda items: sympy.Add(*items),
    "prod": lambda items: sympy.Mul(*items),
    "max": lambda items: sympy.Max(*items),
    "min": lambda items: sympy.Min(*items),
    "logsumexp": _lse,
    "any": lambda items: sympy.Or(*[_truth(i) for i in items]),
    "all": lambda items: sympy.And(*[_truth(i) for i in items]),
}


# -- more elementwise functions and reductions
_UNARY.update({
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "arcsinh": sympy.asinh,
    "arccosh": sympy.acosh,
    "arctanh": sympy.atanh,
    "log2": lambda a: sympy.log(a, 2),
    "log10": lambda a: sympy.log(a, 10),
    "exp2": lambda a: 2**a,
    "reciprocal": lambda a: 1 / a,
    "cbrt": lambda a: sympy.real_root(a, 3),
    "deg2rad": lambda a: a * sympy.pi / 180,
    "rad2deg": lambda a: a * 180 / sympy.pi,
    "sinc": lambda a: sympy.sinc(sympy.pi * a),  # SymPy's sinc is the unnormalized sin(x)/x
    "erf": sympy.erf,
    "erfc": sympy.erfc,
    "erfinv": sympy.erfinv,
    "erfcinv": sympy.erfcinv,
    "gamma": sympy.gamma,
    "gammaln": sympy.loggamma,  # equal for x > 0; SymPy's is complex for x < 0
    "i0": lambda a: sympy.besseli(0, a),
    "i1": lambda a: sympy.besseli(1, a),
    "i0e": lambda a: sympy.exp(-sympy.Abs(a)) * sympy.besseli(0, a),
    "i1e": lambda a: sympy.exp(-sympy.Abs(a)) * sympy.besseli(1, a),
    "erfcx": lambda a: sympy.exp(a**2) * sympy.erfc(a),
    "j0": lambda a: sympy.besselj(0, a),
    "j1": lambda a: sympy.besselj(1, a),
    "y0": lambda a: sympy.bessely(0, a),
    "y1": lambda a: sympy.bessely(1, a),
    "k0": lambda a: sympy.besselk(0, a),
    "k1": lambda a: sympy.besselk(1, a),
    "k0e": lambda a: sympy.exp(a) * sympy.besselk(0, a),
    "k1e": lambda a: sympy.exp(a) * sympy.besselk(1, a),
    "lambertw": sympy.LambertW,
    "ellipk": sympy.elliptic_k,  # of the parameter m, as SciPy's
    "ellipe": sympy.elliptic_e,
})
_BINARY.update({
    "gammainc": lambda a, x: sympy.lowergamma(a, x) / sympy.gamma(a),
    "gammaincc": lambda a, x: sympy.uppergamma(a, x) / sympy.gamma(a),
    # for delta > 0 (SciPy's is inf for delta < 0 and 0 at delta = 0)
    "pseudo_huber": lambda d, r: d**2 * (sympy.sqrt(1 + (r / d) ** 2) - 1),
})
_BINARY.update({
    "arctan2": sympy.atan2,
    "hypot": lambda a, b: sympy.sqrt(a**2 + b**2),
    "logaddexp": lambda a, b: sympy.log(sympy.exp(a) + sympy.exp(b)),
    "logaddexp2": lambda a, b: sympy.log(2**a + 2**b, 2),
    "mod": sympy.Mod,  # the sign of the divisor, as NumPy's mod
    "fmod": lambda a, b: sympy.sign(a) * sympy.Mod(sympy.Abs(a), sympy.Abs(b)),
    # NaN-ignoring in NumPy; SymPy has no such form, and its real symbols are never NaN
    "fmax": sympy.Max,
    "fmin": sympy.Min,
    "heaviside": sympy.Heaviside,  # the value at 0 given, as NumPy's
})
# -- rounding (SymPy has no function that rounds halves to even: rint and round do not convert)
_UNARY.update({
    "floor": sympy.floor,
    "ceil": sympy.ceiling,
    "trunc": lambda a: sympy.Piecewise((sympy.floor(a), a >= 0), (sympy.ceiling(a), True)),
})
_BINARY["floor_divide"] = lambda a, b: sympy.floor(a / b)


def _by_zero(name: str, kind: str, a: Any, sign: int) -> Any:
    """NumPy's value of ``a`` divided by a zero of sign ``sign`` (SymPy's a/0 is the unsigned
    zoo, and its Mod(a, 0) raises): for real floats the signed infinity of a / 0 (nan at
    a = 0, as IEEE), which floor_divide keeps, and nan for the remainders; for integers 0."""
    if kind in "iu":
        return sympy.Integer(0)
    if name in ("mod", "fmod"):
        return sympy.nan
    return sign * sympy.oo * a


def _zero_signs(divisor: Node, varying: Container[Node]) -> Any:
    """-1 where a divisor without variables (not in ``varying``) is -0.0 (NumPy's 1.0 / -0.0
    is -inf), else 1."""
    if divisor.dtype.kind != "f" or divisor in varying:
        return 1
    return np.where(np.signbit(evaluate(divisor)), -1, 1)


_LOGARITHMS = frozenset({"log", "log2", "log10", "log1p"})


def _unsigned_infinities(n: Node, out: Arr, varying: Container[Node]) -> Arr:
    """NumPy's values where SymPy's is the unsigned infinity zoo (log(0), 0 ** -1, 1 / 0 with
    complex numbers, gamma(0)): a node without variables takes them from the evaluator
    (0.0 ** -1 is inf, (-0.0) ** -1 -inf, gamma(-1.0) nan), and a logarithm's is -oo at
    either sign of zero; any other stays zoo, its sign depending on the variables'
    (``(x - x) ** -1.0`` is inf, ``(x * 0.0) ** -1.0`` -inf at x < 0). ``varying`` holds the
    nodes that depend on variables."""
    at = _map(lambda v: v is sympy.zoo, out)
    if not at.any():
        return out
    if n not in varying:
        with np.errstate(all="ignore"):
            known = _map(number, np.broadcast_to(np.asarray(evaluate(n)).astype(object), out.shape))
    elif n.op.name in _LOGARITHMS:
        known = _map(lambda v: -sympy.oo, out)
    else:
        return out
    return _map(lambda z, v, k: k if z else v, at, out, known)


def _copysign(n: Node, a: Arr, b: Arr, varying: Container[Node]) -> Arr:
    """``copysign(a, b)`` for a ``b`` without variables (not in ``varying``): ``Abs(a)`` or
    ``-Abs(a)`` by the sign bit of b's value, which the evaluator gives (-0.0's is set)."""
    source = n.inputs[1]
    if source in varying:
        raise UnsupportedError(
            "to_sympy: the op 'copysign' has no SymPy equivalent for a sign taken from variables: "
            "it takes the sign bit of b, and SymPy has no signed zero (NumPy's copysign(a, -0.0) "
            "is -|a|), while Abs(a)*sign(b) is 0 at b = 0; copysign(a, b) with a constant b converts"
        )
    negative = np.broadcast_to(np.signbit(evaluate(source)), b.shape)
    return _map(lambda u, neg: -sympy.Abs(u) if neg else sympy.Abs(u), a, negative)


# what isnan, isinf and isfinite say of a NaN, an infinity and a finite real number
_FLOAT_TESTS: dict[str, tuple[bool, bool, bool]] = {
    "isnan": (True, False, False),
    "isinf": (False, True, False),
    "isfinite": (False, False, True),
}


def _float_test(n: Node, a: Arr) -> Arr:
    """``isnan``, ``isinf`` or ``isfinite`` of ``a`` (the values of ``n``'s operand) as SymPy's
    true or false, where SymPy's assumptions make the answer certain: an integer or boolean
    operand is never NaN or infinite, nor is a float value SymPy knows to be real (it takes
    real as finite: a variable of ``to_sympy``'s default ``real=True`` and arithmetic on them
    that stays real); ``nan``, ``oo`` and ``-oo`` are what they are. Anything else is refused:
    a complex operand (SymPy takes complex symbols as finite, NumPy's complex values need not
    be), and a float value whose reality SymPy does not know (``sqrt(x)``, which NumPy makes
    nan for x < 0, ``log(x)``, ``x / y``, every variable of ``real=False``). Of a choice
    (``where``, a ``Piecewise``) each value it may take is tested."""
    name, operand = n.op.name, n.inputs[0]
    nan, infinite, finite = _FLOAT_TESTS[name]
    if operand.dtype.kind in "iub":
        return _map(lambda v: sympy.sympify(finite), a)
    if operand.dtype.kind == "c":
        raise UnsupportedError(
            f"to_sympy: the op {name!r} has no SymPy equivalent for a complex operand: SymPy takes "
            "complex symbols as finite, while NumPy's complex values may be nan or inf"
        )

    def test(v: Any) -> Any:
        v = sympy.piecewise_fold(v) if isinstance(v, sympy.Piecewise) else v
        if not isinstance(v, sympy.Piecewise):
            return known(v)
        # a choice (where): the test of each value it may take, as a truth value (ITE, not a
        # Piecewise of booleans, which arithmetic and where would read as a number); past the
        # last condition a Piecewise is undefined, SymPy's nan
        out = known(sympy.nan)
        for e, c in reversed(v.args):
            out = sympy.ITE(c, known(e), out)
        return out

    def known(v: Any) -> Any:
        if v is sympy.nan:
            return sympy.sympify(nan)
        if v is sympy.oo or v is sympy.S.NegativeInfinity:
            return sympy.sympify(infinite)
        if getattr(v, "is_real", None):  # SymPy's real is finite
            return sympy.sympify(finite)
        raise UnsupportedError(
            f"to_sympy: the op {name!r} has no SymPy equivalent for {v}: SymPy cannot tell whether "
            "it is real (and so finite); it can for real variables (real=True, the default) and "
            "arithmetic on them that stays real, not where NumPy's floats may give nan or inf "
            "(sqrt(x) at x < 0, x / y at y = 0)"
        )
    return _map(test, a)


def _is_zero(v: Any) -> bool:
    return bool(sympy.sympify(v).is_zero)


def _division(n: Node, a: Arr, b: Arr, varying: Container[Node]) -> Arr:
    name, kind = n.op.name, n.dtype.kind
    at_zero = _map(_is_zero, b)
    if kind == "c" or not at_zero.any():
        return _map(_BINARY[name], a, b)
    signs = np.broadcast_to(np.asarray(_zero_signs(n.inputs[1], varying), dtype=object), b.shape)
    return _map(lambda u, v, z, sign: _by_zero(name, kind, u, sign) if z else _BINARY[name](u, v),
                a, b, at_zero, signs)
# -- complex parts (of a real value SymPy gives the value itself, as NumPy does)
_UNARY.update({
    "conj": sympy.conjugate,
    "real": sympy.re,
    "imag": sympy.im,
})


def _clip(op: Any, args: list[Arr]) -> Arr:
    rest = list(args[1:])
    lo = rest.pop(0) if op.has_min else None
    hi = rest.pop(0) if op.has_max else None
    out = args[0]
    if lo is not None:
        out = _map(sympy.Max, out, lo)
    if hi is not None:
        out = _map(sympy.Min, out, hi)
    return out


def _scan(op: Any, args: list[Arr]) -> Arr:
    x = args[0]
    if op.reverse:
        x = np.flip(x, op.axis)
    out = (np.cumsum if op.name == "cumsum" else np.cumprod)(x, axis=op.axis)
    return np.flip(out, op.axis) if op.reverse else out


def _linear_recurrence(op: Any, args: list[Arr]) -> Arr:
    a, b = (np.moveaxis(np.asarray(x, dtype=object), op.axis, 0) for x in args)
    order = range(len(b) - 1, -1, -1) if op.reverse else range(len(b))
    out = np.empty(b.shape, dtype=object)
    h = None
    for i in order:
        if op.exclusive:
            out[i] = np.zeros(b.shape[1:], dtype=int) if h is None else h
        h = b[i] if h is None else a[i] * h + b[i]
        if not op.exclusive:
            out[i] = h
    return np.moveaxis(out, 0, op.axis)


def _sinc_derivative(op: Any, args: list[Arr]) -> Arr:
    t = sympy.Dummy("t", real=True)
    expr = sympy.diff(sympy.sinc(sympy.pi * t), t, op.n)
    # the derivative's formula is 0/0 at 0; its value there is the limit, from the series
    # sinc(x) = sum (-1)^k (pi x)^(2k) / (2k + 1)!, as the evaluator's kernel gives it
    k, odd = divmod(op.n, 2)
    at_zero = sympy.Integer(0) if odd else (-1) ** k * sympy.pi ** op.n / (op.n + 1)
    return _map(lambda a: sympy.Piecewise((at_zero, sympy.Eq(a, 0)), (expr.subs(t, a), True)),
                args[0])


_WITH_PARAMS: dict[str, Callable[[Any, list[Arr]], Arr]] = {
    "clip": _clip,
    "cumsum": _scan,
    "cumprod": _scan,
    "linear_recurrence": _linear_recurrence,
    "sinc_derivative": _sinc_derivative,
    "polygamma": lambda op, args: _map(lambda a: sympy.polygamma(op.n, a), args[0]),
    "convolve": lambda op, args: np.convolve(args[0], args[1], op.mode),  # sums of products
}
# -- products and linear algebra


def _per_matrix(fn: Callable[[sympy.Matrix], Any], x: Arr) -> Arr:
    """``fn`` on each matrix of a stack ``(..., m, n)``; its scalar or matrix results stacked."""
    parts = [fn(sympy.Matrix(x[idx].tolist())) for idx in np.ndindex(*x.shape[:-2])]
    out = np.empty(len(parts), dtype=object)
    out[:] = [np.array(p.tolist(), dtype=object) if isinstance(p, sympy.MatrixBase) else p for p in parts]
    if parts and isinstance(parts[0], sympy.MatrixBase):
        return np.stack(list(out)).reshape((*x.shape[:-2], *out[0].shape))
    return out.reshape(x.shape[:-2])


def _from_lower(m: sympy.Matrix) -> sympy.Matrix:
    """The symmetric matrix NumPy's cholesky reads from the lower triangle."""
    return sympy.Matrix(m.rows, m.cols, lambda i, j: m[i, j] if i >= j else m[j, i])


def _inverse(m: sympy.Matrix) -> sympy.Matrix:
    """The adjugate over the determinant: Matrix.inv() simplifies while it eliminates, which
    takes minutes on a 3x3 matrix of sums (a Gram matrix W W^T) and milliseconds this way."""
    d = m.det()
    if d.is_zero:
        return m.inv()  # raises SymPy's NonInvertibleMatrixError (a ValueError)
    return m.adjugate() / d


def _det_derivative(a: Arr, *directions: Arr) -> Arr:
    """det's gradient (the cofactor matrix), or that of its derivative along ``directions``:
    det is linear in each row, so the sum over distinct rows j_1..j_m of the cofactor matrices
    of ``a`` with row j_i taken from direction i, those rows then zero."""
    a, *directions = np.broadcast_arrays(a, *directions)
    n = a.shape[-1]
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(*a.shape[:-2]):
        total = sympy.zeros(n, n)
        for rows in itertools.permutations(range(n), len(directions)):
            m = sympy.Matrix(a[idx].tolist())
            for r, x in zip(rows, directions):
                m[r, :] = sympy.Matrix([list(x[idx][r])])
            cofactors = m.adjugate().T
            for r in rows:
                cofactors[r, :] = sympy.zeros(1, n)
            total += cofactors
        out[idx] = np.array(total.tolist(), dtype=object)
    return out


def _solve(a: Arr, b: Arr) -> Arr:
    vector = b.ndim == 1
    bm = b[:, None] if vector else b
    batch = np.broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    a_ = np.broadcast_to(a, (*batch, *a.shape[-2:]))
    b_ = np.broadcast_to(bm, (*batch, *bm.shape[-2:]))
    out = np.empty((*batch, *bm.shape[-2:]), dtype=object)
    for idx in np.ndindex(*batch):
        x = sympy.Matrix(a_[idx].tolist()).LUsolve(sympy.Matrix(b_[idx].tolist()))
        out[idx] = np.array(x.tolist(), dtype=object)
    return out[..., 0] if vector else out


_LINALG: dict[str, Callable[[Arr], Arr]] = {
    "inv": lambda x: _per_matrix(_inverse, x),
    "det": lambda x: _per_matrix(lambda m: m.det(), x),
    "slogdet_sign": lambda x: _per_matrix(lambda m: sympy.sign(m.det()), x),
    "slogdet_logabsdet": lambda x: _per_matrix(lambda m: sympy.log(sympy.Abs(m.det())), x),
    "cholesky": lambda x: _per_matrix(lambda m: _from_lower(m).cholesky(hermitian=False), x),
    # for symbolic entries SymPy assumes the rank the entries have in general (full rank)
    "pinv": lambda x: _per_matrix(lambda m: m.pinv(), x),
}
_NO_CLOSED_FORM = {
    "eigvalsh": "eigenvalues in ascending order",
    "eigh_values": "eigenvalues in ascending order",
    "eigh_vectors": "eigenvectors ordered by their eigenvalues",
    "svdvals": "singular values in descending order",
    "svd_s": "singular values in descending order",
    "svd_u": "left singular vectors ordered by their singular values",
    "svd_vh": "right singular vectors ordered by their singular values",
}


# -- more shape and selection ops: rearrangements of the object arrays, by NumPy itself


def _zeros(shape: tuple[int, ...]) -> Arr:
    out = np.empty(shape, dtype=object)
    out[...] = sympy.Integer(0)
    return out


def _pad(op: Any, x: Arr) -> Arr:
    if op.mode != "constant":  # copies of elements: NumPy pads object arrays so too
        return np.pad(x, op.widths, mode=op.mode)
    values = op.values
    if isinstance(values, tuple):
        values = tuple((number(b), number(e)) for b, e in values)
    else:
        values = number(values)
    return np.pad(x, op.widths, constant_values=values)


def _diagonal_embed(op: Any, g: Arr) -> Arr:
    out = _zeros(op.shape)
    view = np.moveaxis(out, (op.axis1, op.axis2), (-2, -1))
    rows = np.arange(g.shape[-1]) + (-op.offset if op.offset < 0 else 0)
    view[..., rows, rows + op.offset] = g
    return out


def _triangle(op: Any, x: Arr) -> Arr:
    n, m = x.shape[-2:]
    keep = np.tri(n, m, op.k, dtype=bool)
    if op.name == "triu":
        keep = ~np.tri(n, m, op.k - 1, dtype=bool)
    return np.where(keep, x, sympy.Integer(0))


def _integers(arr: Arr, what: str) -> np.ndarray:
    try:
        return np.vectorize(int, otypes=[np.int64])(arr) if arr.size else arr.astype(np.int64)
    except TypeError:
        raise UnsupportedError(
            f"to_sympy: {what} with symbolic integer positions has no SymPy form; use constant indices"
        ) from None


def _add_along_axis(op: Any, g: Arr, indices: Arr) -> Arr:
    out = _zeros(op.shape)
    idx = _integers(indices, "add_along_axis")
    where: list[Any] = []
    for d in range(len(op.shape)):
        if d == op.axis:
            where.append(idx)
        else:
            n = g.shape[d]
            at = np.arange(n) if op.shape[d] == n else np.zeros(n, dtype=np.intp)
            where.append(at.reshape((1,) * d + (n,) + (1,) * (len(op.shape) - d - 1)))
    np.add.at(out, tuple(where), g)
    return out


_SHAPE_OPS: dict[str, Callable[..., Any]] = {
    "flip": lambda op, x: np.flip(x, op.axes),
    "roll": lambda op, x: np.roll(x, op.shifts, op.axes),
    "tile": lambda op, x: np.tile(x, op.reps),
    "repeat": lambda op, x: np.repeat(x, op.repeats, op.axis),
    "pad": _pad,
    "diagonal": lambda op, x: np.diagonal(x, op.offset, op.axis1, op.axis2).copy(),
    "diagonal_embed": _diagonal_embed,
    "tril": _triangle,
    "triu": _triangle,
    "take_along_axis": lambda op, x, i: np.take_along_axis(x, _integers(i, "take_along_axis"), op.axis),
    "add_along_axis": _add_along_axis,
}
_ORDER_HINT = (
    " (the result depends on how the values compare, which SymPy cannot decide for symbols; "
    "convert the expression before sorting, or use max/min, which become Max/Min)"
)
_SHAPE_HINTS = {"sort": _ORDER_HINT, "argsort": _ORDER_HINT, "argmax": _ORDER_HINT, "argmin": _ORDER_HINT,
                "searchsorted": _ORDER_HINT}


# Ops whose boolean results are boolean inputs passed through, or truth values of their own;
# every other op with a boolean result computes on booleans as NumPy does (x * y, x + y,
# maximum, matmul, max, ...): on 0 and 1, with nonzero read as true.
_KEEPS_TRUTH = frozenset({
    "var", "const", "where", "astype", "logical_and", "logical_or", "logical_xor", "logical_not",
    "any", "all", "isnan", "isinf", "isfinite", "reshape", "transpose", "broadcast_to",
    "concatenate", "getitem", "flip", "roll", "tile", "repeat", "diagonal", "take_along_axis",
})


def _convert_node(n: Node, args: list[Arr], leaf: Callable[[Node], Arr],
                  varying: Container[Node]) -> Arr:
    if n.dtype.kind == "b" and n.op.name not in _KEEPS_TRUTH:
        args = [_numbers(a) if i.dtype.kind == "b" else a for a, i in zip(args, n.inputs)]
        return _map(_truth, _convert_values(n, args, leaf, varying))
    return _convert_values(n, args, leaf, varying)


def _convert_values(n: Node, args: list[Arr], leaf: Callable[[Node], Arr],
                    varying: Container[Node]) -> Arr:
    op, name = n.op, n.op.name
    if n.dtype.kind != "b" and name not in ("where", "astype"):
        # an op computing numbers reads its boolean inputs as 0 and 1, as NumPy does
        args = [_numbers(a) if i.dtype.kind == "b" else a for a, i in zip(args, n.inputs)]
    if name in _LINALG:
        return _LINALG[name](args[0])
    if name == "solve":
        return _solve(*args)
    if name == "det_derivative":
        return _det_derivative(*args)
    if name == "norm":
        squares = _reduce(args[0], op.axes, op.keepdims, lambda items: sympy.Add(*[i**2 for i in items]))  # type: ignore[attr-defined]
        return _map(sympy.sqrt, squares)
    if name in ("qr_q", "qr_r"):
        raise UnsupportedError(
            f"to_sympy: the op {name!r} has no SymPy equivalent: NumPy's QR (Householder reflections) "
            "takes the sign of each column of Q from a pivot, which SymPy cannot decide for symbolic "
            "entries (its QRdecomposition makes R's diagonal positive instead)"
        )
    if name in _NO_CLOSED_FORM:
        raise UnsupportedError(
            f"to_sympy: the op {name!r} has no SymPy equivalent: {_NO_CLOSED_FORM[name]} are roots "
            "of a polynomial that SymPy cannot order for symbolic entries"
        )
    if not n.inputs:
        if name == "var":
            return leaf(n)
        if name == "const":
            return _map(number, op.value.astype(object))  # type: ignore[attr-defined]
        if name == "arange":
            values = np.arange(op.start, op.stop, op.step, dtype=op.dtype)  # type: ignore[attr-defined]
            return _map(number, values.astype(object))  # as NumPy makes them: int64 from 0.5 is 0, 1, ...
        if name == "linspace":
            values = np.linspace(op.start, op.stop, op.num,  # type: ignore[attr-defined]
                                 endpoint=op.endpoint, dtype=op.dtype)  # type: ignore[attr-defined]
            return _map(number, values.astype(object))
    elif name in _UNARY:
        return _map(_UNARY[name], args[0])
    elif name in ("div", "floor_divide", "mod", "fmod"):
        return _division(n, *args, varying)
    elif name == "copysign":
        return _copysign(n, *args, varying)
    elif name in _FLOAT_TESTS:
        return _float_test(n, args[0])
    elif name in _BINARY:
        return _map(_BINARY[name], *args)
    elif name == "where" and n.dtype.kind == "b":
        # a choice of truth values is one itself: a Piecewise of booleans would be read as a
        # number wherever a truth value is wanted (compared with 0, always true)
        return _map(lambda c, a, b: sympy.ITE(_truth(c), _truth(a), _truth(b)), *args)
    elif name == "where":
        return _map(lambda c, a, b: sympy.Piecewise((a, _truth(c)), (b, True)), *args)
    elif name == "astype":
        return _cast(op, n, args[0], n.inputs[0])
    elif name in _REDUCE:
        return _reduce(args[0], op.axes, op.keepdims, _REDUCE[name])  # type: ignore[attr-defined]
    elif name in ("softmax", "log_softmax"):
        return _softmax(args[0], op.axis, name == "log_softmax")  # type: ignore[attr-defined]
    elif name == "reshape":
        return args[0].reshape(n.shape)
    elif name == "transpose":
        return np.transpose(args[0], op.axes)  # type: ignore[attr-defined]
    elif name == "broadcast_to":
        return np.broadcast_to(args[0], n.shape)
    elif name == "concatenate":
        return np.concatenate(args, axis=op.axis)  # type: ignore[attr-defined]
    elif name == "getitem":
        out = args[0][_index_tuple(op.spec, args[1:])]  # type: ignore[attr-defined]
        return out if isinstance(out, np.ndarray) else _scalar(out)
    elif name == "index_add":
        return _index_add(op, *args)
    elif name == "matmul":
        out = np.matmul(args[0], args[1])
        return out if isinstance(out, np.ndarray) else _scalar(out)
    elif name == "einsum":
        out = np.einsum(op.spec(), *args)  # type: ignore[attr-defined]
        return out if isinstance(out, np.ndarray) else _scalar(out)
    elif name == "one_hot":
        depth = np.arange(op.depth)  # type: ignore[attr-defined]
        labels = np.expand_dims(args[0], -1)
        return _map(lambda lab, k: sympy.Piecewise((1, sympy.Eq(lab, k)), (0, True)), labels, depth)
    elif name in _WITH_PARAMS:
        return _WITH_PARAMS[name](op, args)
    elif name in _SHAPE_OPS:
        out = _SHAPE_OPS[name](op, *args)
        return out if isinstance(out, np.ndarray) else _scalar(out)
    hint = {
        **_SHAPE_HINTS,
        "stop_gradient": " (SymPy would differentiate through it)",
        "dimsize": " (the size of a named dimension is known only at run time)",
        "rint": " (SymPy has no function rounding halves to even; floor(x + 1/2) rounds them up)",
        "round": " (SymPy has no function rounding halves to even)",
        **dict.fromkeys(("bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift",
                         "right_shift"), " (SymPy has no bitwise operations on integers of a width)"),
    }.get(name, "")
    raise UnsupportedError(f"to_sympy: the op {name!r} has no SymPy equivalent{hint}")


def _float_values(a: Arr, floating: bool) -> Arr:
    """The values of a float output that ``from_sympy`` would read back as int64, as Floats:
    an integer (the constant 2.0 is SymPy's 2, x - x + 2.0 too) and, for an output without
    float variables (``floating`` false), any value that may be one, having only integer
    symbols and numbers (2.0 * i is SymPy's 2*i, made 2.0*i). A value SymPy knows is no
    integer (1/10) reads back as a float already."""
    def as_float(v: Any) -> Any:
        if getattr(v, "is_Integer", False) or not floating and getattr(v, "is_integer", None) is not False:
            return sympy.Float(1.0) * v
        return v

    return _map(as_float, a)


def _on_variables(order: Sequence[Node]) -> tuple[set[Node], set[Node]]:
    """The nodes of ``order`` (a toposort) that depend on a variable, and those that depend on
    a float variable, found in one walk: asking each node that needs to know would walk its
    graph each time, quadratic in a deep graph with many divisions by zero."""
    varying: set[Node] = set()
    floating: set[Node] = set()
    for n in order:
        if n.op.name == "var":
            varying.add(n)
            if n.dtype.kind == "f":
                floating.add(n)
            continue
        if any(i in varying for i in n.inputs):
            varying.add(n)
            if any(i in floating for i in n.inputs):
                floating.add(n)
    return varying, floating


def _to_result(a: Arr) -> Any:
    if a.ndim == 0:
        return a[()]
    if a.ndim == 2:  # rows, columns and elements: a.tolist() of a (0, 3) array loses its 3
        return sympy.ImmutableMatrix(a.shape[0], a.shape[1], a.ravel().tolist())
    return sympy.ImmutableDenseNDimArray(a.ravel().tolist(), a.shape)


def _is_plain_sum(n: Node) -> bool:
    return n.op.name in ("add", "sub") and _on_numbers(n)


def _is_plain_product(n: Node) -> bool:
    return n.op.name in ("mul", "div", "neg") and _on_numbers(n)


def _on_numbers(n: Node) -> bool:
    return n.dtype.kind != "b" and all(i.dtype.kind != "b" for i in n.inputs)


def _inner_links(order: Sequence[Node], roots: Sequence[Node],
                 is_link: Callable[[Node], bool]) -> set[Node]:
    """The links of a chain (``is_link``: sums, or products) whose one use is as the first
    input of another link of the same shape: ``x1 + x2`` in ``x1 + x2 + x3``. SymPy sorts and
    collects the arguments of every sum and product it builds, so building ``x1 + ... + xn``
    one operation at a time takes time quadratic in n; the outermost link is built once from
    all the chain's arguments instead, and the inner ones are never built. Only first inputs
    are followed, so SymPy meets the arguments in the order and grouping the operations give
    (floats add up and multiply in the same order), and ``a - (b + c)`` is still SymPy's
    ``a - b - c``."""
    uses: dict[Node, int] = {r: 1 for r in roots}
    first_of: dict[Node, Node] = {}
    for n in order:
        for i in n.inputs:
            uses[i] = uses.get(i, 0) + 1
        if n.inputs and is_link(n):
            first_of[n.inputs[0]] = n
    return {a for a, n in first_of.items() if uses.get(a) == 1 and is_link(a) and a.shape == n.shape}


def _spread(items: Iterable[Any], is_same: str) -> list[Any]:
    """The arguments of one SymPy sum (``is_same="is_Add"``) or product (``"is_Mul"``), an
    argument that is itself one giving its own arguments in its place: SymPy reads such an
    argument after all the others, which would add or multiply its number in another order
    (rounding floats differently) than the operations one at a time did."""
    out: list[Any] = []
    for item in items:
        if getattr(item, is_same, False):
            out.extend(item.args)
        else:
            out.append(item)
    return out


def _add_all(terms: list[Arr], shape: tuple[int, ...]) -> Arr:
    """Elementwise SymPy sums of ``terms`` (arrays broadcasting to ``shape``), each built once:
    the sum ``(t1 + t2) + t3 ...`` would be."""
    spread = [np.broadcast_to(t, shape) for t in terms]
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = sympy.Add(*_spread((t[idx] for t in spread), "is_Add"))
    return out


def _factor_lists(a: Arr, shape: tuple[int, ...]) -> Arr:
    """The start of a chain of products: per element, the list of its factors so far."""
    a = np.broadcast_to(a, shape)
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = [a[idx]]
    return out


def _is_long_product(v: Any) -> bool:
    """Whether ``v`` is a product of two or more factors besides a number: multiplying such a
    product by one more factor, SymPy only merges that factor in. A shorter one may become
    something else (``2 * (x + 1)`` is ``2*x + 2``, ``-(x + 1)`` is ``-x - 1``)."""
    if not getattr(v, "is_Mul", False):
        return False
    return sum(1 for a in v.args if not a.is_Number) >= 2


def _has_numeric_root(v: Any) -> bool:
    """Whether ``v`` has a factor such as sqrt(7): SymPy merges those into the product's number
    (sqrt(7) * sqrt(7) is 7) only after all its other factors, so the number it meets, if a
    float, would be rounded in another order than one multiplication at a time gives."""
    return any(a.is_Pow and a.base.is_Number and a.exp.is_Rational and not a.exp.is_Integer
               for a in sympy.Mul.make_args(v))


def _multiply_on(n: Node, factors: Arr, args: list[Arr], varying: Container[Node]) -> Arr:
    """The factor lists ``factors`` (per element) of ``n``'s first input, taken on by ``n``
    (a product, quotient or negation): while a product is short, the operation itself is
    applied, as one operation at a time would; once it is long, the next factor is kept, to
    be merged in once by ``_products``. Dividing by zero goes through ``_division``. A long
    product that cancels down to a short one (``x * y / x / y``) is not noticed: its later
    factors are still merged in at once, which gives the same value but may keep a sum whole
    that one operation at a time would have multiplied out (``... * 2 * (z + 1) * x`` is
    ``2*x*(z + 1)``, not ``x*(2*z + 2)``). ``varying`` holds the nodes that depend on
    variables."""
    name = n.op.name
    if name == "div" and _map(_is_zero, args[0]).any():
        return _factor_lists(_division(n, _products(factors), args[0], varying), n.shape)
    other = np.broadcast_to(args[0], n.shape) if args else None
    for idx in np.ndindex(*n.shape):
        items = factors[idx]
        b = None if other is None else other[idx]
        # a / b is SymPy's a * b**-1, -a its a * -1
        factor = sympy.S.NegativeOne if b is None else b if name == "mul" else sympy.Pow(b, -1)
        if len(items) == 1 and not _is_long_product(items[0]) or _has_numeric_root(factor):
            p = _product_of(items)
            items[:] = [_UNARY["neg"](p) if b is None else _BINARY[name](p, b)]
        else:
            items.append(factor)
    return factors


def _product_of(items: list[Any]) -> Any:
    return items[0] if len(items) == 1 else sympy.Mul(*_spread(items, "is_Mul"))


def _products(factors: Arr) -> Arr:
    """The SymPy products of the factor lists ``factors`` (per element), each built once."""
    out = np.empty(factors.shape, dtype=object)
    for idx in np.ndindex(*factors.shape):
        out[idx] = _product_of(factors[idx])
    return out


def _check_tree_size(order: list[Node], roots: list[Node]) -> None:
    """Refuses a graph with an output whose operations, written out as a tree, are more than
    ``MAX_TREE`` beyond the graph's: shared parts repeated at each use. (Leaves are SymPy's
    atoms, repeated freely; a long chain that shares nothing, such as a product of 100,000
    factors, converts.)"""
    cap = MAX_TREE + len(order) + 1  # (capped: no huge ints)
    size: dict[Node, int] = {}
    for n in order:
        size[n] = min(1 + sum(size[i] for i in n.inputs), cap) if n.inputs else 0
    operations = sum(1 for n in order if n.inputs)
    written = max((size[r] for r in roots), default=0)  # (outputs sharing parts convert one by one)
    if written - operations > MAX_TREE:
        raise UnsupportedError(
            f"to_sympy: written out as a SymPy tree, with each shared part repeated at each of "
            f"its uses, an output has more than {MAX_TREE:,} operations beyond the "
            f"{operations:,} of the graph; SymPy's constructors inspect their arguments as trees, "
            f"so it would take time exponential in the graph's depth. Convert a part of it, or "
            f"print it with sd.to_text or sd.latex, which name the shared parts"
        )


def to_sympy(outputs: Node | Iterable[Node], real: bool = True) -> Any:
    """The expression in SymPy: scalars give SymPy expressions, small tensors matrices or arrays;
    a list, tuple or dict of expressions (nested too) gives the same nest of results.

    Scalar variables become ``Symbol``s (``real=True`` by default, so ``Abs`` and ``Max``
    differentiate simply; integer ones ``integer=True``, complex ones ``complex=True``); a tensor variable ``W`` becomes the elements ``W[i, j]`` of an
    ``IndexedBase``. Raises UnsupportedError naming an op SymPy cannot express. Poles at zero
    take NumPy's values (``log(0.0)`` is -oo, ``(-0.0) ** -1`` -oo), where SymPy's would be
    the unsigned ``zoo``; zoo remains only where the sign depends on variables
    (``(x - x) ** -1.0``), and ``from_sympy`` refuses it. Numbers read exactly (``x * 2.0`` is
    ``2*x``, ``x * 0.1`` ``x/10``), but a float output SymPy would hold as an integer is a Float
    (the constant 2.0 is ``Float(2.0)``, ``2.0 * i`` ``2.0*i``), so ``from_sympy``, which reads
    a Float as float64 and an Integer as int64, gives float64 back.

    >>> x, y = sd.symbols("x y")
    >>> sd.to_sympy(sd.sigmoid(x) * y)
    y/(1 + exp(-x))
    >>> sd.to_sympy([x * 2.0, x * 0.1])
    [2*x, x/10]
    """
    if isinstance(outputs, sympy.Basic):
        raise TypeError(f"to_sympy: expects a symdiff expression, a list or a dict of them, got a "
                        f"SymPy {type(outputs).__name__}; sd.from_sympy reads SymPy")
    single = isinstance(outputs, Node)
    roots, spec = flatten_outputs(outputs, "to_sympy")
    order = toposort(roots)
    for n in order:
        size = n.type.static_size
        what = f"variable {n.op.var_name!r}" if n.op.name == "var" else f"the op {n.op.name!r}"  # type: ignore[attr-defined]
        if size is None:
            raise UnsupportedError(
                f"to_sympy: {what} has the symbolic shape {format_shape(n.shape)}; "
                "SymPy conversion needs static shapes"
            )
        if size > MAX_ELEMENTS:
            raise UnsupportedError(
                f"to_sympy: {what} of shape {format_shape(n.shape)} has {size} elements, more than "
                f"{MAX_ELEMENTS}; convert a smaller expression"
            )

    _check_tree_size(order, roots)

    def leaf(n: Node) -> Arr:
        op = n.op
        kind = n.dtype.kind
        assumptions = ({"integer": True} if kind in "iu" else {"complex": True} if kind == "c"
                       else {"real": True} if real and kind == "f" else {})
        if n.shape == ():
            return _scalar(sympy.Symbol(op.var_name, **assumptions))  # type: ignore[attr-defined]
        base = sympy.IndexedBase(op.var_name, shape=n.shape, **assumptions)  # type: ignore[attr-defined]
        out = np.empty(n.shape, dtype=object)
        for idx in np.ndindex(*n.shape):
            out[idx] = base[idx]
        return out

    values: dict[Node, Arr] = {}
    varying, floating = _on_variables(order)
    sums = _inner_links(order, roots, _is_plain_sum)
    products = _inner_links(order, roots, _is_plain_product)
    terms: dict[Node, list[Arr]] = {}  # the terms of an inner sum, which is never built itself
    factors: dict[Node, Arr] = {}  # the factor lists of an inner product, never built either
    try:
        for n in order:
            first = n.inputs[0] if n.inputs else None
            if n in sums or first in sums:
                a, b = n.inputs
                last = values[b] if n.op.name == "add" else _map(lambda v: -v, values[b])
                n_terms = [*terms.pop(a)] if a in sums else [values[a]]
                n_terms.append(last)
                if n in sums:
                    terms[n] = n_terms
                else:
                    values[n] = _add_all(n_terms, n.shape)
                continue
            if n in products or first in products:
                start = factors.pop(first) if first in products else _factor_lists(values[first], n.shape)
                n_factors = _multiply_on(n, start, [values[i] for i in n.inputs[1:]], varying)
                if n in products:
                    factors[n] = n_factors
                else:
                    values[n] = _products(n_factors)
                continue
            values[n] = _unsigned_infinities(
                n, _convert_node(n, [values[i] for i in n.inputs], leaf, varying), varying)
        results = [_to_result(_float_values(values[r], r in floating) if r.dtype.kind == "f" else values[r])
                   for r in roots]
    except RecursionError:  # SymPy's constructors and assumptions inspect their arguments recursively
        raise UnsupportedError(
            f"to_sympy: SymPy cannot build an expression this deep ({len(order)} nodes); "
            "convert a part of it"
        ) from None
    return results[0] if single else unflatten_outputs(spec, results)


# -- from_sympy -------------------------------------------------------------------------------

_FUNCS: dict[type, Callable[..., Any]] = {
    sympy.exp: FUNCTIONS["exp"],
    sympy.sin: FUNCTIONS["sin"],
    sympy.cos: FUNCTIONS["cos"],
    sympy.tan: FUNCTIONS["tan"],
    sympy.tanh: FUNCTIONS["tanh"],
    sympy.Abs: FUNCTIONS["abs"],
    sympy.sign: FUNCTIONS["sign"],
    sympy.cot: lambda a: 1 / ew.tan(a),
    sympy.sec: lambda a: 1 / ew.cos(a),
    sympy.csc: lambda a: 1 / ew.sin(a),
    sympy.StrictLessThan: ew.less,
    sympy.LessThan: ew.less_equal,
    sympy.StrictGreaterThan: ew.greater,
    sympy.GreaterThan: ew.greater_equal,
    sympy.Equality: ew.equal,
    sympy.Unequality: ew.not_equal,
    sympy.UnevaluatedExpr: lambda a: a,  # a wrapper that only keeps SymPy from evaluating
}


# -- more elementwise functions and reductions
_FUNCS.update({
    sympy.asin: FUNCTIONS["arcsin"],
    sympy.acos: FUNCTIONS["arccos"],
    sympy.atan: FUNCTIONS["arctan"],
    sympy.atan2: FUNCTIONS["arctan2"],
    sympy.sinh: FUNCTIONS["sinh"],
    sympy.cosh: FUNCTIONS["cosh"],
    sympy.asinh: FUNCTIONS["arcsinh"],
    sympy.acosh: FUNCTIONS["arccosh"],
    sympy.atanh: FUNCTIONS["arctanh"],
    sympy.erf: FUNCTIONS["erf"],
    sympy.erfc: FUNCTIONS["erfc"],
    sympy.erfinv: FUNCTIONS["erfinv"],
    sympy.erfcinv: FUNCTIONS["erfcinv"],
    sympy.gamma: FUNCTIONS["gamma"],
    sympy.loggamma: FUNCTIONS["gammaln"],
    sympy.polygamma: FUNCTIONS["polygamma"],
    sympy.Mod: FUNCTIONS["mod"],
    sympy.floor: FUNCTIONS["floor"],
    sympy.ceiling: FUNCTIONS["ceil"],
    sympy.sinc: lambda a: FUNCTIONS["sinc"](ew.divide(a, math.pi)),
    # through Γ, as SymPy evaluates them at non-integer arguments
    sympy.factorial: lambda a: FUNCTIONS["gamma"](a + 1),
    sympy.binomial: lambda n, k: FUNCTIONS["gamma"](n + 1) / (
        FUNCTIONS["gamma"](k + 1) * FUNCTIONS["gamma"](n - k + 1)),
    # NumPy's heaviside is SymPy's: h0 at 0 (SymPy's default 1/2)
    sympy.Heaviside: lambda a, h0=0.5: FUNCTIONS["heaviside"](a, h0),
})
# the reciprocal functions and their inverses, as SymPy defines them for real arguments
_FUNCS.update({
    sympy.coth: lambda a: 1 / FUNCTIONS["tanh"](a),
    sympy.sech: lambda a: 1 / FUNCTIONS["cosh"](a),
    sympy.csch: lambda a: 1 / FUNCTIONS["sinh"](a),
    sympy.acot: lambda a: FUNCTIONS["arctan"](1 / a),
    sympy.asec: lambda a: FUNCTIONS["arccos"](1 / a),
    sympy.acsc: lambda a: FUNCTIONS["arcsin"](1 / a),
    sympy.acoth: lambda a: FUNCTIONS["arctanh"](1 / a),
    sympy.asech: lambda a: FUNCTIONS["arccosh"](1 / a),
    sympy.acsch: lambda a: FUNCTIONS["arcsinh"](1 / a),
})


def _one_argument(name: str, sympy_name: str, what: str) -> Callable[..., Node]:
    """SymPy's function ``sympy_name`` of one argument as symdiff's ``name``; its forms of more
    arguments (``what``) are refused by name."""
    def convert(*args: Any) -> Node:
        if len(args) != 1:
            raise UnsupportedError(f"from_sympy: {sympy_name} of {len(args)} arguments ({what}) has no "
                                   f"symdiff equivalent; {name} is the one of one argument")
        return FUNCTIONS[name](args[0])  # type: ignore[no-any-return]
    return convert


_FUNCS.update({
    sympy.LambertW: _one_argument("lambertw", "LambertW", "a branch k other than 0"),
    sympy.elliptic_k: FUNCTIONS["ellipk"],
    sympy.elliptic_e: _one_argument("ellipe", "elliptic_e", "the incomplete integral"),
    # the regularized functions times Gamma(a)
    sympy.lowergamma: lambda a, x: FUNCTIONS["gammainc"](a, x) * FUNCTIONS["gamma"](a),
    sympy.uppergamma: lambda a, x: FUNCTIONS["gammaincc"](a, x) * FUNCTIONS["gamma"](a),
})
_FUNCS.update({
    sympy.conjugate: FUNCTIONS["conj"],
    sympy.re: FUNCTIONS["real"],
    sympy.im: FUNCTIONS["imag"],
    sympy.arg: FUNCTIONS["angle"],  # NumPy's angle(0) is 0, SymPy's arg(0) nan
})


def _bessel(kind: str, letter: str, odd: bool) -> Callable[[Any, Any], Node]:
    """SymPy's ``besseli(nu, a)`` (``besselj``, ``bessely``, ``besselk``) for the orders symdiff
    has, 0 and 1: i0 and i1 (j0, j1, ...); order -1 is order 1, negated where ``odd``
    (J_-1 = -J_1, Y_-1 = -Y_1; I_-1 = I_1, K_-1 = K_1)."""

    def convert(order: Any, a: Any) -> Node:
        if isinstance(order, int) and abs(order) in (0, 1):
            value = FUNCTIONS[f"{letter}{abs(order)}"](a)
            return ew.negative(value) if odd and order == -1 else value
        shown = order if isinstance(order, int) else str(order)
        raise UnsupportedError(f"from_sympy: {kind} of order {shown} has no symdiff equivalent; only "
                               f"orders 0 and 1 convert (to {letter}0 and {letter}1)")

    return convert


_FUNCS.update({
    sympy.frac: lambda a: ew.subtract(a, FUNCTIONS["floor"](a)),  # SymPy's for real a
    sympy.beta: lambda a, b=None: FUNCTIONS["beta"](a, a if b is None else b),
    sympy.besseli: _bessel("besseli", "i", False),
    sympy.besselj: _bessel("besselj", "j", True),
    sympy.bessely: _bessel("bessely", "y", True),
    sympy.besselk: _bessel("besselk", "k", False),
})

def _is_negated(v: Any) -> bool:
    return isinstance(v, Node) and v.op.name == "neg"


def _denominator_power(e: sympy.Basic) -> bool:
    return bool(e.is_Pow and e.exp.is_number and e.exp.is_negative)


# an element of a MatrixSymbol (as sympy.Matrix(A) or A.as_explicit() gives them) is a leaf, as
# an Indexed one is
_LEAVES = (sympy.Indexed, sympy.matrices.expressions.matexpr.MatrixElement, sympy.MatrixSymbol,
           sympy.Symbol, sympy.Number, sympy.NumberSymbol)


def _children(e: sympy.Basic) -> list[Any]:
    if isinstance(e, (sympy.MatrixBase, sympy.NDimArray)):
        return list(e)
    wrap = _wrap_64(e)
    if wrap is not None:
        return [wrap[0]]
    if isinstance(e, _LEAVES):
        return []
    if isinstance(e, sympy.MatrixExpr) and not isinstance(e, sympy.MatrixBase):
        return []  # A*B of MatrixSymbols is a MatMul, also a Mul: not an elementwise product
    if type(e) not in _FUNCS and not isinstance(e, _COMBINED):
        return []  # not convertible: reported as itself (Integral), not by a part (its limits' Tuple)
    if isinstance(e, sympy.Mul):  # a / b rather than a * b**-1
        return [sympy.Pow(a.base, -a.exp) if _denominator_power(a) else a for a in e.args]
    if isinstance(e, (sympy.floor, sympy.ceiling)) and _integer_quotient(e.args[0]):
        return list(sympy.fraction(e.args[0]))  # an integer division, as to_sympy writes n // k
    return list(e.args)


def _wrap_64(e: sympy.Basic) -> tuple[Any, str] | None:
    """An integer ``a`` wrapped into 64 bits as ``to_sympy`` writes a cast (see ``_wrap``):
    ``Mod(a, 2**64)`` is ``a.astype("uint64")`` and ``Mod(a + 2**63, 2**64) - 2**63``
    ``a.astype("int64")``, as ``(a, dtype)``, else None. The remainder itself could not be
    computed in int64, and in float64 it loses the low bits."""
    low = 0
    if isinstance(e, sympy.Add) and len(e.args) == 2 and e.args[0] == -(2**63):
        e, low = e.args[1], -(2**63)
    if not (isinstance(e, sympy.Mod) and e.args[1] == 2**64):
        return None
    a = e.args[0] + low
    return (a, "int64" if low else "uint64") if a.is_integer else None


def _integer_quotient(e: sympy.Basic) -> bool:
    num, den = sympy.fraction(e)
    return bool(den != 1 and num.is_integer and den.is_integer)


def _finite_float(e: sympy.Number) -> float:
    """A finite SymPy number as float64, the dtype symdiff reads it as; one past float64's range
    (10**400, which float64 would make inf or refuse) has no value there: refused."""
    try:
        value = float(e)
    except OverflowError:  # float(10**400) of an Integer
        value = math.inf
    if not math.isfinite(value):
        raise UnsupportedError(f"from_sympy: the number {e.evalf(6)!s} is past float64's range "
                               f"(about 1.8e308); scale the expression, or use sympy.oo for infinity")
    return value


def _leaf(e: sympy.Basic, shapes: Mapping[str, Any], made: dict[str, tuple[Node, Any]]) -> Any:
    if isinstance(e, sympy.Integer):  # of the dtype NumPy gives it: int64, or uint64 past int64
        v = int(e)
        if -(2**63) <= v < 2**64:
            return v
    if e is sympy.nan:
        return math.nan
    if isinstance(e, sympy.Number):
        if e.is_infinite:
            return math.inf if e.is_extended_positive else -math.inf  # oo.is_positive is False
        if e.is_real is False:
            raise UnsupportedError(f"from_sympy: the complex number {e} is not supported")
        return _finite_float(e)
    if isinstance(e, sympy.NumberSymbol):
        return float(e)
    if e is sympy.I:  # complex constants are sums and products of it: 1.5 + 2*I
        return 1j
    dtype = _declared_dtype(e)
    if isinstance(e, sympy.Symbol):
        return _variable(e.name, shapes, made, (), dtype, e)
    if isinstance(e, sympy.Indexed):
        base = e.base
        default = tuple(int(d) for d in base.shape) if base.shape else None
        v = _variable(str(base.label), shapes, made, default, dtype, base)
        try:
            idx = tuple(int(i) for i in e.indices)
        except TypeError:
            raise UnsupportedError(f"from_sympy: {e} has symbolic indices; only integer indices convert") from None
        return index(v, idx)
    if isinstance(e, sympy.MatrixSymbol):
        try:
            return _variable(e.name, shapes, made, tuple(int(d) for d in e.shape), "float64", e)
        except TypeError:
            raise UnsupportedError(f"from_sympy: the MatrixSymbol {e} has the symbolic shape "
                                   f"{e.shape}; only integer shapes convert") from None
    if isinstance(e, sympy.matrices.expressions.matexpr.MatrixElement):
        if not isinstance(e.parent, sympy.MatrixSymbol):
            raise UnsupportedError(f"from_sympy: the element {e} of the matrix expression {e.parent} "
                                   "has no symdiff equivalent; index a MatrixSymbol or a Matrix")
        try:
            shape, idx = tuple(int(d) for d in e.parent.shape), (int(e.i), int(e.j))
        except TypeError:
            raise UnsupportedError(f"from_sympy: {e} has a symbolic shape or index; only integers "
                                   "convert") from None
        return index(_variable(e.parent.name, shapes, made, shape, dtype, e.parent), idx)
    raise UnsupportedError(f"from_sympy: {type(e).__name__} ({e}) has no symdiff equivalent{_hint(e)}")


def _declared_dtype(e: sympy.Basic) -> str:
    """The dtype of a variable read from a symbol's assumptions, as ``to_sympy`` declares them:
    int64 for ``integer=True``, complex128 for a symbol that may be non-real (``complex=True``,
    ``imaginary=True``, ``real=False``; read as float64, ``im(z)`` would silently be 0),
    float64 otherwise (also for a symbol with no assumptions)."""
    if e.is_integer:
        return "int64"
    if e.is_extended_real:
        return "float64"
    return "complex128" if e.is_complex or e.is_real is False else "float64"


def _hint(e: Any) -> str:
    if isinstance(e, (sympy.MatrixExpr, sympy.Trace, sympy.Determinant)):
        return "; write the matrix expression out with .as_explicit()"
    if isinstance(e, (sympy.Sum, sympy.Product, sympy.Integral, sympy.Derivative, sympy.Subs,
                      sympy.Limit)):
        return "; evaluate it with .doit() first"
    if e is sympy.zoo:
        return ("; SymPy's unsigned infinity (as of 1/0 or log(0)) has no NumPy value: replace it "
                "with the signed one meant, as in expr.xreplace({sympy.zoo: sympy.oo})")
    if isinstance(e, sympy.exp_polar):
        return "; sympy.unpolarify(expr) writes it as exp"
    if isinstance(e, sympy.DiracDelta):
        return ("; SymPy's derivatives of Heaviside, Abs, sign and Max have it: convert the function "
                "and differentiate it with sd.grad")
    if isinstance(e, sympy.core.function.AppliedUndef):
        return f"; an undefined function has no values: substitute an expression for {e.func}(...) first"
    return ""


def _variable(name: str, shapes: Mapping[str, Any], made: dict[str, tuple[Node, Any]], default: Any,
              dtype: str, source: Any) -> Node:
    """The variable ``name`` read from ``source`` (a Symbol, IndexedBase or MatrixSymbol), made
    once; ``made`` maps each name to its variable and source. Two different SymPy objects of
    one name (``Symbol('x')`` and ``Symbol('x', integer=True)``, a Symbol and a MatrixSymbol,
    two MatrixSymbols of different shapes) are different to SymPy and are refused, rather than
    merged into one variable."""
    if name in made:
        node, first = made[name]
        if first != source:
            raise UnsupportedError(
                f"from_sympy: two different SymPy objects are named {name!r}: {_describe(first)} "
                f"and {_describe(source)}; one variable cannot be both, so rename one of them "
                "(or xreplace one by the other)")
        return node
    spec = shapes.get(name, default if default is not None else ())
    if default is None and name not in shapes:
        raise UnsupportedError(
            f"from_sympy: the shape of the indexed variable {name!r} is unknown; pass shapes={{{name!r}: ...}}"
        )
    if isinstance(spec, Node):
        made[name] = (spec, source)
        return spec
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], (tuple, list)):
        spec, dtype = spec
    node = var(name, check_shape(spec, f"shape of {name!r}"), dtype)
    made[name] = (node, source)
    return node


def _describe(source: Any) -> str:
    """A SymPy leaf with what tells it apart from others of its name."""
    kind = type(source).__name__
    shape = getattr(source, "shape", None)
    assumptions = {k: v for k, v in getattr(source, "assumptions0", {}).items() if k != "commutative"}
    if isinstance(source, sympy.Symbol) and not assumptions:
        return f"{kind} {source.name!r} with no assumptions"
    if isinstance(source, sympy.Symbol):
        # the assumptions given, as SymPy keeps them with what they imply
        given = getattr(source, "_assumptions_orig", None) or assumptions
        return f"{kind} {source.name!r} with " + ", ".join(f"{k}={v}" for k, v in sorted(given.items()))
    return f"{kind} {str(getattr(source, 'label', source))!r}" + (f" of shape {tuple(shape)}" if shape else "")


# the classes _combine converts besides those of _FUNCS
_COMBINED = (sympy.Add, sympy.Mul, sympy.Pow, sympy.log, sympy.Max, sympy.Min, sympy.Piecewise,
             sympy.functions.elementary.piecewise.ExprCondPair, sympy.And, sympy.Or, sympy.Not,
             sympy.Xor, sympy.Implies, sympy.Equivalent, sympy.ITE, sympy.MatrixBase, sympy.NDimArray)
# SymPy's logic: every operand must be a truth value (SymPy also counts a plain Symbol as one;
# Nand, Nor and Xnor are Not of And, Or and Xor)
_LOGIC_FUNCTIONS = (sympy.And, sympy.Or, sympy.Not, sympy.Xor, sympy.Implies, sympy.Equivalent)


def _truth_value(role: str, arg: Any, v: Any) -> None:
    """Refuse ``v``, converted from the SymPy ``arg``, as ``role`` (the operands of And, the
    conditions of Piecewise) unless it is a boolean: a plain Symbol reads as a float64 variable,
    which ``where`` would refuse without saying which operand of the logic is at fault."""
    if isinstance(v, (bool, np.bool_)) or (isinstance(v, Node) and v.dtype.kind == "b"):
        return
    if isinstance(v, Node):
        kind = f"{with_article(v.dtype.name)} {'variable' if v.op.name == 'var' else 'expression'}"
    else:
        kind = f"the number {v!r}"
    name = arg.name if isinstance(arg, sympy.Symbol) else "a"
    text = str(arg)
    text = text if len(text) <= 60 else text[:57] + "..."
    raise DTypeError(
        f"from_sympy: {role} must be boolean (relations such as x > 0, or symbols declared "
        f"boolean with shapes={{{name!r}: ((), 'bool')}}); {text} is {kind}")


def _combine(e: sympy.Basic, vals: list[Any]) -> Any:
    wrap = _wrap_64(e)
    if wrap is not None:
        return FUNCTIONS["astype"](vals[0], wrap[1])
    if isinstance(e, sympy.Add):
        terms = sorted(vals, key=_is_negated)  # positive terms first: a + b - c
        acc = terms[0]
        for t in terms[1:]:
            acc = ew.subtract(acc, t.inputs[0]) if _is_negated(t) else ew.add(acc, t)
        return acc
    if isinstance(e, sympy.Mul):
        num: list[Any] = []
        den: list[Any] = []
        negate = False
        for a, v in zip(e.args, vals):
            if _denominator_power(a):
                den.append(v)
            elif a == -1:
                negate = not negate
            elif a.is_Number and a.is_negative and not (isinstance(v, int) and -v >= 2**63):
                # -2 * n as -(2 * n); but -2**63 is an int64 whose negation is not
                negate = not negate
                num.append(-v)
            else:
                num.append(v)
        out: Any = _product(num) if num else 1
        if den:
            out = ew.divide(out, _product(den))
        return ew.negative(out) if negate else out
    if isinstance(e, sympy.Pow):
        base, ex = vals
        if e.exp == sympy.Rational(1, 2):
            return ew.sqrt(base)
        if e.exp == sympy.Rational(-1, 2):
            return ew.divide(1, ew.sqrt(base))
        if e.exp == -1:
            return ew.divide(1, base)
        if isinstance(ex, (int, float)) and ex < 0 and e.exp.is_number:
            return ew.divide(1, ew.power(base, -ex))
        if _is_integer(base) and _is_integer(ex) and not e.exp.is_nonnegative:
            # SymPy's (-1)**k and 2**k are rational for k < 0, where NumPy's integer power raises
            base = float(base) if isinstance(base, int) else FUNCTIONS["astype"](base, "float64")
        return ew.power(base, ex)
    if isinstance(e, sympy.log):
        out = ew.log(vals[0])
        return ew.divide(out, ew.log(vals[1])) if len(vals) > 1 else out
    if isinstance(e, (sympy.Max, sympy.Min)):
        fn = ew.maximum if isinstance(e, sympy.Max) else ew.minimum
        if len(vals) == 2 and any(v == 0 for v in vals if not isinstance(v, Node)) and fn is ew.maximum:
            return FUNCTIONS["relu"](next(v for v in vals if isinstance(v, Node)))
        acc = vals[0]
        for v in vals[1:]:
            acc = fn(acc, v)
        return acc
    if isinstance(e, sympy.Piecewise):
        for pair, (_, cond) in zip(e.args, vals):
            _truth_value("the conditions of Piecewise", pair.cond, cond)
        acc: Any = math.nan  # SymPy leaves a Piecewise undefined where no condition holds
        for value, cond in reversed(vals):
            if cond is True:
                acc = value
            elif cond is not False:
                acc = ew.where(cond, value, acc)
        return acc
    if isinstance(e, (sympy.floor, sympy.ceiling)) and len(vals) == 2:
        num, den = vals  # ceil(a / b) is -(-a // b)
        if isinstance(e, sympy.floor):
            return FUNCTIONS["floor_divide"](num, den)
        return ew.negative(FUNCTIONS["floor_divide"](ew.negative(num), den))
    if isinstance(e, sympy.functions.elementary.piecewise.ExprCondPair):
        return (vals[0], vals[1])
    if e is sympy.true or e is sympy.false:
        return bool(e)
    # SymPy rewrites the conditions of nested Piecewise into boolean logic: as selections
    if isinstance(e, _LOGIC_FUNCTIONS):
        for arg, v in zip(e.args, vals):
            _truth_value(f"the operands of {type(e).__name__}", arg, v)
    if isinstance(e, sympy.ITE):  # its branches may be values, as where's: ITE(x > 0, y, z)
        _truth_value("the condition of ITE", e.args[0], vals[0])
    if isinstance(e, sympy.And):
        acc = vals[-1]
        for v in reversed(vals[:-1]):
            acc = ew.where(v, acc, False)
        return acc
    if isinstance(e, sympy.Or):
        acc = vals[-1]
        for v in reversed(vals[:-1]):
            acc = ew.where(v, True, acc)
        return acc
    if isinstance(e, sympy.Not):
        return ew.where(vals[0], False, True)
    if isinstance(e, sympy.Xor):
        acc = vals[0]
        for v in vals[1:]:
            acc = ew.logical_xor(acc, v)
        return acc
    if isinstance(e, sympy.Implies):
        return ew.where(vals[0], vals[1], True)  # p -> q: q where p holds, else true
    if isinstance(e, sympy.Equivalent):  # all alike: none differs from the first
        differs = ew.logical_xor(vals[0], vals[1])
        for v in vals[2:]:
            differs = ew.where(ew.logical_xor(vals[0], v), True, differs)
        return ew.where(differs, False, True)
    if isinstance(e, sympy.ITE):
        return ew.where(*vals)
    if isinstance(e, (sympy.MatrixBase, sympy.NDimArray)):
        shape = tuple(int(d) for d in e.shape)  # an array of rank 3 or more has SymPy Integers
        return FUNCTIONS["reshape"](stack(vals), shape)
    fn = _FUNCS.get(type(e))
    if fn is None:
        raise UnsupportedError(f"from_sympy: {type(e).__name__} ({e}) has no symdiff equivalent{_hint(e)}")
    return fn(*vals)


def _is_integer(v: Any) -> bool:
    return isinstance(v, int) or (isinstance(v, Node) and v.dtype.kind in "iu")


def _product(items: list[Any]) -> Any:
    acc = items[0]
    for v in items[1:]:
        acc = ew.multiply(acc, v)
    return acc


def from_sympy(expr: Any, shapes: Mapping[str, Any] | None = None) -> Node:
    """A symdiff expression from a SymPy one; Symbols become variables (scalars, float64, or
    int64 for symbols declared ``integer=True``, complex128 for those declared ``complex=True``
    or not real, unless ``shapes`` says otherwise, as in ``sd.parse``), ``IndexedBase``
    elements index tensors.

    >>> import sympy
    >>> a = sympy.Symbol("a")
    >>> sd.from_sympy(sympy.log(1 + sympy.exp(a)))
    log(1.0 + exp(a))
    >>> sd.from_sympy(2 * sympy.IndexedBase("W")[1, 0], shapes={"W": (2, 3)})
    2.0 * W[1, 0]
    """
    if shapes is not None and not isinstance(shapes, Mapping):
        raise TypeError("from_sympy: shapes must be a dict from variable names to shapes, such as "
                        f"{{'x': (3,)}} or {{'b': ((), 'bool')}}; got {type(shapes).__name__}")
    shapes = dict(shapes or {})
    if isinstance(expr, sympy.Poly):  # a polynomial with its generators: its expression
        expr = expr.as_expr()
    if isinstance(expr, (sympy.MatrixBase, sympy.NDimArray)):
        expr = sympy.ImmutableMatrix(expr) if isinstance(expr, sympy.MatrixBase) else sympy.ImmutableDenseNDimArray(expr)
    elif isinstance(expr, (bool, int, float, np.number)):
        return as_node(expr)
    elif not isinstance(expr, sympy.Basic):
        hint = ("; sd.to_sympy converts a symdiff expression to SymPy" if isinstance(expr, Node)
                else "; sd.parse reads an expression from text" if isinstance(expr, str) else "")
        raise TypeError("from_sympy: expr must be a SymPy expression, matrix or array, or a number; "
                        f"got {type(expr).__name__}{hint}")
    made: dict[str, tuple[Node, Any]] = {}
    # keyed by identity: hashing a deep SymPy tree recurses, and equal sub-trees that are distinct
    # objects still meet again as one node, since nodes are interned
    memo: dict[int, Any] = {}
    alive: list[Any] = []  # ids stay unique only while their objects live
    stack_: list[tuple[Any, list[Any] | None]] = [(expr, None)]
    while stack_:
        e, kids = stack_.pop()
        if kids is None:
            if id(e) in memo:
                continue
            kids = _children(e)
            stack_.append((e, kids))
            stack_.extend((k, None) for k in reversed(kids) if id(k) not in memo)
            continue
        if id(e) in memo:
            continue
        memo[id(e)] = _combine(e, [memo[id(k)] for k in kids]) if kids else _leaf_or_empty(e, shapes, made)
        alive.append(e)
    return as_node(memo[id(expr)])


def _leaf_or_empty(e: Any, shapes: Mapping[str, Any], made: dict[str, tuple[Node, Any]]) -> Any:
    if e is sympy.true or e is sympy.false:
        return bool(e)
    if isinstance(e, _LEAVES) or e is sympy.I:
        return _leaf(e, shapes, made)
    if isinstance(e, (sympy.MatrixBase, sympy.NDimArray)):  # no elements: a constant of its shape
        return as_node(np.zeros(tuple(int(d) for d in e.shape)))
    raise UnsupportedError(f"from_sympy: {type(e).__name__} ({e}) has no symdiff equivalent{_hint(e)}")
