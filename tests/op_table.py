"""The op test table: for every public function, good inputs with a NumPy reference, inputs
that must fail to build (with the error they raise), and which arguments carry gradients.

Other test modules import it (``from op_table import SAMPLES``) to run their own checks over
every op: forward values, finite-difference derivatives, code generation, printing.

A sample's arguments are NumPy arrays, which become variables named ``a0, a1, ...`` (so the
graph is built over symbols, not constants), or anything else, passed through unchanged
(axes, shapes, subscripts). ``call`` builds the expression from those arguments and ``ref``
computes the same thing with NumPy on the arrays.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import symdiff as sd

_rng = np.random.default_rng(20240611)


def normal(*shape: int) -> np.ndarray:
    return _rng.standard_normal(shape)


def positive(*shape: int, low: float = 0.5, high: float = 2.0) -> np.ndarray:
    return _rng.uniform(low, high, shape)


def uniform(*shape: int, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    return _rng.uniform(low, high, shape)


def away_from_zero(*shape: int) -> np.ndarray:
    """Values with |x| in [0.3, 2]: no kink of relu/abs/sign within finite-difference reach."""
    return np.asarray(_rng.uniform(0.3, 2.0, shape) * _rng.choice([-1.0, 1.0], shape))


def distinct(*shape: int) -> np.ndarray:
    """Values pairwise at least 0.1 apart (no ties for max/min/sort-like ops)."""
    n = int(np.prod(shape))
    return (_rng.permutation(n) * 0.1 + _rng.uniform(0, 0.01, n) - n * 0.05).reshape(shape)


def labels(n: int, depth: int) -> np.ndarray:
    return _rng.integers(0, depth, n).astype(np.int64)


@dataclass
class Sample:
    """One good input for one function."""

    name: str
    args: tuple[Any, ...]
    ref: Callable[..., Any]
    call: Callable[..., sd.Node] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    grad: bool = True  # check first derivatives against finite differences
    order2: bool = True  # and second derivatives against differences of the gradient
    zero_grad: bool = False  # the derivative is zero by definition (sign, stop_gradient)
    id: str = ""

    def arrays(self) -> list[int]:
        # NumPy scalars (np.float64(2.0)) would silently become static constants: not allowed
        assert not any(isinstance(a, np.generic) for a in self.args), f"{self.name}: use 0-d arrays"
        return [k for k, a in enumerate(self.args) if isinstance(a, np.ndarray)]

    def float_args(self) -> list[int]:
        return [k for k in self.arrays() if self.args[k].dtype.kind == "f"]

    def variables(self) -> dict[int, sd.Node]:
        return {
            k: sd.var(f"a{k}", shape=self.args[k].shape, dtype=self.args[k].dtype)
            for k in self.arrays()
        }

    def build(self, variables: dict[int, sd.Node] | None = None) -> tuple[sd.Node, dict[int, sd.Node]]:
        vs = self.variables() if variables is None else variables
        args = [vs.get(k, a) for k, a in enumerate(self.args)]
        fn = self.call or sd.FUNCTIONS[self.name]
        return fn(*args, **self.kwargs), vs

    def inputs(self, arrays: Sequence[Any] | None = None) -> dict[str, Any]:
        src = self.args if arrays is None else arrays
        return {f"a{k}": src[k] for k in self.arrays()}

    def reference(self, arrays: Sequence[Any] | None = None) -> np.ndarray:
        src = list(self.args if arrays is None else arrays)
        return np.asarray(self.ref(*src, **self.kwargs))

    def __str__(self) -> str:
        shapes = ",".join(
            "x".join(map(str, a.shape)) or "s" if isinstance(a, np.ndarray) else repr(a)
            for a in self.args
        )
        kw = ",".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.name}[{self.id or shapes}{';' + kw if kw else ''}]"


@dataclass
class Failure:
    """A call that must fail when the graph is built."""

    name: str
    call: Callable[[], Any]
    error: type[BaseException]
    match: str
    id: str = ""

    def __str__(self) -> str:
        return f"{self.name}[{self.id}]"


SAMPLES: list[Sample] = []
FAILURES: list[Failure] = []


def good(name: str, *args: Any, ref: Callable[..., Any], **opts: Any) -> None:
    SAMPLES.append(Sample(name, args, ref, **opts))


def bad(name: str, call: Callable[[], Any], error: type[BaseException], match: str, id: str = "") -> None:
    FAILURES.append(Failure(name, call, error, match, id or str(len(FAILURES))))


def v(name: str, *shape: Any, dtype: str = "float64") -> sd.Node:
    return sd.var(name, shape=shape, dtype=dtype)


# -- elementwise, unary ------------------------------------------------------------------------

_UNARY: dict[str, tuple[Callable[..., Any], Callable[..., np.ndarray]]] = {
    "negative": (np.negative, normal),
    "exp": (np.exp, normal),
    "log": (np.log, positive),
    "log1p": (np.log1p, positive),
    "expm1": (np.expm1, normal),
    "sqrt": (np.sqrt, positive),
    "sin": (np.sin, normal),
    "cos": (np.cos, normal),
    "tan": (np.tan, uniform),
    "tanh": (np.tanh, normal),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), normal),
    "relu": (lambda x: np.maximum(x, 0), away_from_zero),
    "softplus": (lambda x: np.log1p(np.exp(x)), normal),
    "abs": (np.abs, away_from_zero),
}
for _name, (_ref, _gen) in _UNARY.items():
    good(_name, _gen(), ref=_ref)
    good(_name, _gen(3), ref=_ref)
    good(_name, _gen(2, 3), ref=_ref)

good("sign", away_from_zero(2, 3), ref=np.sign, zero_grad=True)
good("sign", np.array([-2.0, 0.0, 3.0]), ref=np.sign, zero_grad=True, id="with-zero")
good("stop_gradient", normal(2, 3), ref=lambda x: x, zero_grad=True)
good("stop_gradient", normal(), ref=lambda x: x, zero_grad=True)
good("astype", normal(2, 3), "float32", ref=lambda x, d: x.astype(d), grad=False)
good("astype", normal(4), "float64", ref=lambda x, d: x.astype(d))
good("astype", np.array([1, 2, 3]), "float64", ref=lambda x, d: x.astype(d))
good("astype", normal(4), "int64", ref=lambda x, d: x.astype(d), grad=False)
good("exp", normal(3).astype(np.float32), ref=np.exp, grad=False, id="float32")
good("log", np.array([1, 2, 3]), ref=np.log, id="int-input")

bad("var", lambda: sd.var("x", (2,), dtype="U3"), sd.DTypeError, r"variable 'x': dtype .* not numeric",
    id="string-dtype")

# -- elementwise, binary (with broadcasting) -----------------------------------------------------

_BINARY: dict[str, tuple[Callable[..., Any], Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "add": (np.add, normal, normal),
    "subtract": (np.subtract, normal, normal),
    "multiply": (np.multiply, normal, normal),
    "divide": (np.divide, normal, away_from_zero),
    "power": (np.power, positive, normal),
    "maximum": (np.maximum, distinct, distinct),
    "minimum": (np.minimum, distinct, distinct),
}
_BROADCAST_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)),
                     ((4, 1, 3), (2, 1)), ((2, 3), (2, 3))]
for _name, (_ref, _ga, _gb) in _BINARY.items():
    for _sa, _sb in _BROADCAST_SHAPES:
        good(_name, _ga(*_sa), _gb(*_sb), ref=_ref)
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), v("b", 4)), sd.ShapeError,
        rf"{sd.FUNCTIONS[_name](v('p'), v('q')).op.name}: shapes \(2, 3\) and \(4,\) do not broadcast",
        id="mismatch")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", "n", 3), v("b", "m", 3)), sd.ShapeError,
        r"shapes \(n, 3\) and \(m, 3\) do not broadcast \(axis -2: 'n' vs 'm'\)", id="named-mismatch")

good("power", positive(2, 3), np.array(3.0), ref=np.power, id="cube")
good("power", normal(2, 3), 2.0, ref=np.power, id="square-of-negatives")
good("power", positive(3), call=lambda x: x ** 0.5, ref=np.sqrt, id="sugar-half")
good("power", normal(3), call=lambda x: x ** 3, ref=lambda x: x ** 3, id="sugar-int-exponent")
good("divide", normal(3), call=lambda x: 1 / (x * x + 1), ref=lambda x: 1 / (x * x + 1), id="rdiv")
good("subtract", normal(3), call=lambda x: 2 - x, ref=lambda x: 2 - x, id="rsub")
good("add", normal(3), np.array([1, 2, 3]), ref=np.add, id="float+int")

for _name, _ref in [("less", np.less), ("less_equal", np.less_equal), ("greater", np.greater),
                    ("greater_equal", np.greater_equal), ("equal", np.equal),
                    ("not_equal", np.not_equal)]:
    good(_name, distinct(2, 3), distinct(3), ref=_ref, grad=False)
    good(_name, np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0]), ref=_ref, grad=False, id="ties")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), v("b", 2)), sd.ShapeError,
        r"shapes \(3,\) and \(2,\) do not broadcast", id="mismatch")

_cond = normal(2, 3) > 0
good("where", _cond, normal(2, 3), normal(2, 3), ref=np.where)
good("where", normal(3) > 0, normal(2, 3), normal(), ref=np.where, id="broadcast")
good("where", normal(2, 1) > 0, normal(3), normal(2, 3), ref=np.where, id="broadcast-cond")
bad("where", lambda: sd.where(v("c", 3), v("a", 3), v("b", 3)), sd.DTypeError,
    r"where: the condition must be boolean, got float64", id="float-cond")
bad("where", lambda: sd.where(v("c", 3) > 0, v("a", 2), v("b", 3)), sd.ShapeError,
    r"where: shapes \(3,\) and \(2,\) and \(3,\) do not broadcast", id="mismatch")

# -- reductions ------------------------------------------------------------------------------------

_REDUCTIONS: dict[str, tuple[Callable[..., Any], Callable[..., np.ndarray]]] = {
    "sum": (np.sum, normal),
    "mean": (np.mean, normal),
    "max": (np.max, distinct),
    "min": (np.min, distinct),
    "prod": (np.prod, away_from_zero),
    "logsumexp": (lambda x, axis=None, keepdims=False: np.log(np.sum(np.exp(x), axis=axis,
                                                                     keepdims=keepdims)), normal),
}
for _name, (_ref, _gen) in _REDUCTIONS.items():
    good(_name, _gen(2, 3, 4), ref=_ref)
    good(_name, _gen(), ref=_ref)
    for _axis in (0, 1, -1, (0, 2), (2, 0), None):
        for _keep in (False, True):
            good(_name, _gen(2, 3, 4), ref=_ref, kwargs={"axis": _axis, "keepdims": _keep})
    good(_name, _gen(5), ref=_ref, kwargs={"axis": 0})
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=2), sd.ShapeError,
        r"axis 2 is out of bounds for an array of 2 dimensions", id="axis-out-of-bounds")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=(0, -2)), sd.ShapeError,
        r"repeated axis", id="repeated-axis")
good("prod", np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]]),
     ref=np.prod, kwargs={"axis": 1}, order2=False, id="zeros")
good("mean", np.array([[1, 2], [3, 5]]), ref=np.mean, kwargs={"axis": 0}, id="int")
good("sum", np.array([[1, 2], [3, 5]]), ref=np.sum, kwargs={"axis": 1}, id="int")
good("sum", normal(2, 3), call=lambda x: x.sum(axis=1, keepdims=True),
     ref=lambda x: x.sum(axis=1, keepdims=True), id="method")
good("mean", normal(2, 3), call=lambda x: x.mean(0), ref=lambda x: x.mean(0), id="method")

# -- more elementwise functions and reductions ------------------------------------------------------

import math as _math  # noqa: E402

import mpmath as _mpmath  # noqa: E402  (SymPy's own dependency: references for special functions)


def _float_like(x: np.ndarray) -> np.dtype:
    return np.result_type(np.asarray(x).dtype, 0.0)


def _mp(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    """A reference computed with mpmath at 30 digits, in the dtype NumPy would give."""
    def ref(x: np.ndarray, *rest: Any) -> np.ndarray:
        with _mpmath.workdps(30):
            out = np.vectorize(lambda t: float(fn(_mpmath.mpf(float(t)), *rest)), otypes=[float])(x)
        return np.asarray(out, dtype=_float_like(x))
    return ref


def _quotient_pairs(sa: tuple[int, ...], sb: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) with a / b at least 0.1 from any integer: no jump of mod/fmod within reach."""
    b = away_from_zero(*sb)
    shape = np.broadcast_shapes(sa, sb)
    q = _rng.integers(-3, 4, shape) + _rng.uniform(0.1, 0.9, shape)
    a = np.asarray(q * b)
    while a.shape != sa:  # undo broadcasting along the axes a does not have: keep one slice
        a = a[0] if a.ndim > len(sa) else a[tuple(slice(0, 1) if d == 1 else slice(None) for d in sa)]
    return a, b


_MORE_UNARY: dict[str, tuple[Callable[..., Any], Callable[..., np.ndarray]]] = {
    "arcsin": (np.arcsin, lambda *s: uniform(*s, low=-0.9, high=0.9)),
    "arccos": (np.arccos, lambda *s: uniform(*s, low=-0.9, high=0.9)),
    "arctan": (np.arctan, normal),
    "sinh": (np.sinh, normal),
    "cosh": (np.cosh, normal),
    "arcsinh": (np.arcsinh, normal),
    "arccosh": (np.arccosh, lambda *s: positive(*s, low=1.2, high=3.0)),
    "arctanh": (np.arctanh, lambda *s: uniform(*s, low=-0.9, high=0.9)),
    "log2": (np.log2, positive),
    "log10": (np.log10, positive),
    "exp2": (np.exp2, normal),
    "square": (np.square, normal),
    "reciprocal": (np.reciprocal, away_from_zero),
    "cbrt": (np.cbrt, away_from_zero),
    "deg2rad": (np.deg2rad, normal),
    "rad2deg": (np.rad2deg, normal),
    "sinc": (np.sinc, lambda *s: np.asarray(2 * normal(*s))),
    "erf": (_mp(_mpmath.erf), normal),
    "erfc": (_mp(_mpmath.erfc), lambda *s: np.asarray(2 * normal(*s))),
    "gammaln": (_mp(lambda t: _mpmath.log(abs(_mpmath.gamma(t)))), lambda *s: positive(*s, low=0.2, high=6.0)),
    "digamma": (_mp(_mpmath.digamma), lambda *s: positive(*s, low=0.2, high=20.0)),
}
for _name, (_ref, _gen) in _MORE_UNARY.items():
    good(_name, _gen(), ref=_ref)
    good(_name, _gen(2, 3), ref=_ref)
good("square", np.array([1, -2, 3]), ref=np.square, id="int")
good("reciprocal", np.array([1, -1, 2]), ref=np.reciprocal, grad=False, id="int")
good("cbrt", np.array([-8.0, 27.0, 0.125]), ref=np.cbrt, id="exact-cubes")
good("log10", np.array([1, 10, 1000]), ref=np.log10, id="int-input")
good("deg2rad", np.array([0, 90, 180]), ref=np.deg2rad, id="int-input")
good("sinc", np.array([0.0, 1e-9, -3e-5, 0.5, -1.0, 1.0 - 1e-9, 7.25]), ref=np.sinc, id="near-0-and-integers")
good("sinc", np.array([1, 2, 0]), ref=np.sinc, grad=False, id="int-input")
good("erf", np.array([-6.0, -0.5, 0.0, 1e-10, 3.0, 30.0]), ref=_mp(_mpmath.erf), id="tails")
good("erfc", np.array([-3.0, 0.0, 5.0, 12.0, 26.0]), ref=_mp(_mpmath.erfc), id="tails")
good("erf", np.array([0, 1, 2]), ref=_mp(_mpmath.erf), id="int-input")
good("gammaln", np.array([-2.5, -0.3, 0.01, 1.0, 2.0, 150.0]), ref=_mp(lambda t: _mpmath.log(abs(_mpmath.gamma(t)))),
     id="negative-and-large")
good("digamma", np.array([-2.5, -0.3, 0.01, 1.4616321449683622, 3.0, 1e5]), ref=_mp(_mpmath.digamma),
     id="negative-root-and-large")
for _n in (1, 2, 3):
    good("polygamma", _n, positive(2, 3, low=0.2, high=15.0),
         ref=lambda n, x: _mp(lambda t: _mpmath.polygamma(n, t))(x))
good("polygamma", 1, np.array([-3.7, -0.5, 0.05, 11.9, 12.0, 300.0]),
     ref=lambda n, x: _mp(lambda t: _mpmath.polygamma(n, t))(x), id="reflection-and-shift")
bad("erf", lambda: sd.erf(v("z", 3, dtype="complex128")), sd.DTypeError,
    r"erf is defined here for real inputs only, got complex128", id="complex")
bad("polygamma", lambda: sd.polygamma(-1, v("x", 3)), TypeError,
    r"polygamma: the order n must be a non-negative int, got -1", id="negative-order")
bad("arcsinh", lambda: sd.arcsinh(v("s", 2, dtype="U3")), sd.DTypeError, r"dtype .* not numeric",
    id="string")

_MORE_BINARY: dict[str, tuple[Callable[..., Any], Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "arctan2": (np.arctan2, away_from_zero, away_from_zero),
    "hypot": (np.hypot, normal, normal),
    "logaddexp": (np.logaddexp, normal, normal),
    "logaddexp2": (np.logaddexp2, normal, normal),
}
for _name, (_ref, _ga, _gb) in _MORE_BINARY.items():
    for _sa, _sb in [((), ()), ((2, 3), (3,)), ((2, 1), (1, 3))]:
        good(_name, _ga(*_sa), _gb(*_sb), ref=_ref)
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), v("b", 4)), sd.ShapeError,
        rf"{_name}: shapes \(2, 3\) and \(4,\) do not broadcast", id="mismatch")
good("logaddexp", np.array([-800.0, 700.0, 3.0]), np.array([-801.0, 0.0, 3.0]), ref=np.logaddexp,
     id="far-tails-and-ties")
good("hypot", np.array([3e200, 1e-200]), np.array([4e200, 1e-200]), ref=np.hypot, grad=False,
     id="no-overflow")
for _name, _ref in [("mod", np.mod), ("fmod", np.fmod)]:
    for _sa, _sb in [((), ()), ((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), ())]:
        good(_name, *_quotient_pairs(_sa, _sb), ref=_ref)
    good(_name, np.array([7, -7, 7, -7]), np.array([3, 3, -3, -3]), ref=_ref, id="int-signs")
    good(_name, normal(3), call=lambda a, f=sd.FUNCTIONS[_name]: f(a * 0.25 + 10.0, 3.0),
         ref=lambda a, f=_ref: f(a * 0.25 + 10.0, 3.0), id="const-divisor")
good("mod", np.array([2.5, -2.5]), call=lambda a: a % 2.0, ref=lambda a: a % 2.0, id="operator")
good("mod", np.array([2.5, -2.5]), call=lambda a: 7.0 % a, ref=lambda a: 7.0 % a, id="roperator")

_lo_hi = np.array([-0.125, 0.075, -0.025]), np.array([0.175, 0.275, 0.025])
good("clip", distinct(2, 3), -0.125, 0.175, ref=np.clip, id="scalar-bounds")
good("clip", distinct(2, 3), *_lo_hi, ref=np.clip, id="array-bounds")
good("clip", distinct(2, 3), np.array(-0.025), call=lambda a, lo: sd.clip(a, lo),
     ref=lambda a, lo: np.clip(a, lo, None), id="min-only")
good("clip", distinct(2, 3), np.array(0.075), call=lambda a, hi: sd.clip(a, None, hi),
     ref=lambda a, hi: np.clip(a, None, hi), id="max-only")
good("clip", distinct(2, 3), call=lambda a: a.clip(min=-0.125, max=0.075),
     ref=lambda a: np.clip(a, -0.125, 0.075), id="method-min-max-keywords")
good("clip", distinct(2, 3), np.array(0.175), np.array(-0.125), ref=np.clip, id="min-above-max")
good("clip", np.array([[1, 5, 9]]), 2, 6, ref=np.clip, grad=False, id="int")
good("clip", distinct(4), call=lambda a: sd.clip(a, None, None), ref=lambda a: np.clip(a, None, None),
     id="no-bounds")
bad("clip", lambda: sd.clip(v("a", 3), 0.0, 1.0, out=np.zeros(3)), NotImplementedError,
    r"clip: the argument 'out' is not supported", id="out")
bad("clip", lambda: sd.clip(v("a", 3), 0.0, min=1.0), TypeError, r"clip: give a_min or min, not both",
    id="min-twice")
bad("clip", lambda: sd.clip(v("a", 3), v("lo", 2), 1.0), sd.ShapeError,
    r"clip: shapes \(3,\) and \(2,\) and \(\) do not broadcast", id="mismatch")

for _name, _ref in [("variance", np.var), ("std", np.std)]:
    good(_name, normal(2, 3, 4), ref=_ref)
    good(_name, normal(5), ref=_ref, kwargs={"ddof": 1})
    for _axis, _keep, _ddof in [(0, False, 0), (1, True, 1), (-1, False, 2), ((0, 2), True, 0),
                                ((2, 0), False, 1), (None, True, 1)]:
        good(_name, normal(2, 3, 4), ref=_ref, kwargs={"axis": _axis, "keepdims": _keep, "ddof": _ddof})
    good(_name, np.array([[1, 2, 4], [3, 5, 9]]), ref=_ref, kwargs={"axis": 1}, id="int")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=0, dtype="float32"), NotImplementedError,
        rf"{_name}: the argument 'dtype' is not supported", id="dtype")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), where=np.ones((2, 3), bool)), NotImplementedError,
        rf"{_name}: the argument 'where' is not supported", id="where")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=2), sd.ShapeError,
        r"variance: axis 2 is out of bounds for an array of 2 dimensions", id="axis")
good("variance", normal(3, 4), call=lambda x: x.var(axis=0, ddof=1), ref=lambda x: x.var(axis=0, ddof=1),
     id="method")
good("std", normal(3, 4), call=lambda x: x.std(1, keepdims=True), ref=lambda x: x.std(1, keepdims=True),
     id="method")

for _name, _ref, _gen in [("cumsum", np.cumsum, normal), ("cumprod", np.cumprod, away_from_zero)]:
    good(_name, _gen(2, 3, 4), ref=_ref)
    for _axis in (0, 1, -1):
        good(_name, _gen(2, 3, 4), ref=_ref, kwargs={"axis": _axis})
    good(_name, _gen(5), ref=_ref, kwargs={"axis": 0})
    good(_name, _gen(), ref=_ref, id="scalar-flattens")
    good(_name, np.array([[1, 2], [3, 4]], dtype=np.int32), ref=_ref, kwargs={"axis": 1}, id="int32")
    good(_name, _gen(2, 3), ref=_ref, kwargs={"axis": 1, "dtype": "float32"}, grad=False, id="dtype")
    good(_name, _gen(2, 3), call=lambda x, n=_name: getattr(x, n)(axis=0),
         ref=lambda x, n=_name: getattr(x, n)(axis=0), id="method")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=2), sd.ShapeError,
        rf"{_name}: axis 2 is out of bounds for an array of 2 dimensions", id="axis")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), out=np.zeros(6)), NotImplementedError,
        rf"{_name}: the argument 'out' is not supported", id="out")
good("cumprod", np.array([[1.5, 0.0, 2.0, 0.0, 3.0], [0.0, 0.5, 2.0, -1.0, 0.0], [1.0, 2.0, -1.0, 0.5, 3.0]]),
     ref=np.cumprod, kwargs={"axis": 1}, order2=False, id="zeros")

good("average", normal(2, 3), ref=np.average, id="no-weights")
good("average", normal(2, 3, 4), positive(2, 3, 4), call=lambda a, w: sd.average(a, weights=w),
     ref=lambda a, w: np.average(a, weights=w), id="full-weights")
good("average", normal(2, 3, 4), positive(3), call=lambda a, w: sd.average(a, axis=1, weights=w),
     ref=lambda a, w: np.average(a, axis=1, weights=w), id="axis-weights")
good("average", normal(2, 3, 4), positive(4), call=lambda a, w: sd.average(a, -1, w, keepdims=True),
     ref=lambda a, w: np.average(a, -1, w, keepdims=True), id="keepdims")
good("average", normal(2, 3, 4), positive(2, 3, 4), call=lambda a, w: sd.average(a, (0, 2), w),
     ref=lambda a, w: np.average(a, (0, 2), w), id="axes-full-weights")
good("average", np.array([[1, 2], [3, 7]]), np.array([1, 3]), call=lambda a, w: sd.average(a, 0, w),
     ref=lambda a, w: np.average(a, 0, w), id="int")
good("average", normal(2, 3), ref=np.average, kwargs={"axis": 1}, id="axis-no-weights")
bad("average", lambda: sd.average(v("a", 2, 3), weights=v("w", 3)), sd.ShapeError,
    r"average: weights of shape \(3,\) differ from a's \(2, 3\); give the axis they run along",
    id="no-axis")
bad("average", lambda: sd.average(v("a", 2, 3), axis=0, weights=v("w", 3)), sd.ShapeError,
    r"average: weights of shape \(3,\) do not match a's shape \(2, 3\) along axis 0", id="wrong-axis")
bad("average", lambda: sd.average(v("a", 2, 3), returned=True), NotImplementedError,
    r"average: the argument 'returned' is not supported", id="returned")

# -- neural-network ops ----------------------------------------------------------------------------


def _np_log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


for _axis in (-1, 0, 1):
    good("softmax", normal(3, 4), ref=lambda x, axis=-1: np.exp(_np_log_softmax(x, axis)),
         kwargs={"axis": _axis})
    good("log_softmax", normal(3, 4), ref=_np_log_softmax, kwargs={"axis": _axis})
good("softmax", normal(5), ref=lambda x: np.exp(_np_log_softmax(x)))
good("log_softmax", 30 * normal(5), ref=_np_log_softmax, id="large-logits")
good("softmax", normal(2, 3, 4), ref=lambda x, axis=-1: np.exp(_np_log_softmax(x, axis)),
     kwargs={"axis": 1})
for _name in ("softmax", "log_softmax"):
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=3), sd.ShapeError,
        rf"{_name}: axis 3 is out of bounds for an array of 2 dimensions", id="axis")

good("one_hot", labels(5, 4), 4, ref=lambda y, d: np.eye(d)[y], grad=False)
good("one_hot", labels(6, 3).reshape(2, 3), 3, ref=lambda y, d: np.eye(d)[y], grad=False)
good("one_hot", labels(5, 4), 4, call=lambda y, d: sd.one_hot(y, d, dtype="float32"),
     ref=lambda y, d: np.eye(d, dtype=np.float32)[y], grad=False, id="float32")
bad("one_hot", lambda: sd.one_hot(v("y", 3), 4), sd.DTypeError,
    r"one_hot: labels must be integers, got float64", id="float-labels")
bad("one_hot", lambda: sd.one_hot(v("y", 3, dtype="int64"), -2), sd.ShapeError,
    r"dimension -2 is negative", id="negative-depth")

# -- products ---------------------------------------------------------------------------------------

for _sa, _sb in [((2, 3), (3, 4)), ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)),
                 ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2)),
                 ((3,), (5, 3, 2)), ((5, 2, 3), (3,))]:
    good("matmul", normal(*_sa), normal(*_sb), ref=np.matmul)
good("matmul", normal(2, 3), call=lambda a: a @ a.T, ref=lambda a: a @ a.T, id="gram")
bad("matmul", lambda: v("a", 2, 3) @ v("b", 4, 5), sd.ShapeError,
    r"matmul: shapes \(2, 3\) and \(4, 5\) do not align \(3 != 4\)", id="align")
bad("matmul", lambda: v("a", 2, 3) @ v("b"), sd.ShapeError,
    r"matmul: operands must have at least one dimension", id="scalar")
bad("matmul", lambda: v("a", 2, 2, 3) @ v("b", 4, 3, 1), sd.ShapeError,
    r"matmul: shapes \(2, 2, 3\) and \(4, 3, 1\) do not align: their batch dimensions \(2,\) "
    r"and \(4,\) do not broadcast", id="batch")

for _sa, _sb in [((), (3,)), ((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((2, 3, 4), (4,)),
                 ((2, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3))]:
    good("dot", normal(*_sa), normal(*_sb), ref=np.dot)
bad("dot", lambda: sd.dot(v("a", 2, 3), v("b", 4)), sd.ShapeError, r"\(2, 3\) and \(4,\)", id="align")

for _spec, _shapes in [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij->ji", [(2, 3)]), ("ii->i", [(3, 3)]),
                       ("ii", [(3, 3)]), ("i,i->", [(3,), (3,)]), ("i,j->ij", [(2,), (3,)]),
                       ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("...ij,jk->...ik", [(2, 5, 3), (3, 4)]),
                       ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("ij->", [(2, 3)]),
                       ("ij,j", [(2, 3), (3,)]), ("ijk->kj", [(2, 3, 4)]), ("ij,kj->ikj", [(2, 3), (4, 3)])]:
    good("einsum", _spec, *(normal(*s) for s in _shapes), ref=np.einsum, id=_spec)
bad("einsum", lambda: sd.einsum("ij,jk->ik", v("a", 2, 3), v("b", 4, 5)), sd.ShapeError,
    r"einsum 'ij,jk->ik': label 'j' has sizes 3 and 4", id="label-sizes")
bad("einsum", lambda: sd.einsum("ij,jk->ik", v("a", 2, 3)), sd.ShapeError,
    r"2 operand subscripts for 1 operands", id="operand-count")
bad("einsum", lambda: sd.einsum("ijk->ik", v("a", 2, 3)), sd.ShapeError,
    r"subscripts 'ijk' for an operand of 2 dimensions", id="rank")
bad("einsum", lambda: sd.einsum("ij->iz", v("a", 2, 3)), sd.ShapeError,
    r"output label 'z' is repeated or not in any operand", id="output-label")

# -- shapes ------------------------------------------------------------------------------------------

good("reshape", normal(2, 3), (3, 2), ref=np.reshape)
good("reshape", normal(2, 3), (-1,), ref=np.reshape)
good("reshape", normal(2, 3, 4), (4, -1), ref=np.reshape)
good("reshape", normal(6), (1, 6, 1), ref=np.reshape)
good("reshape", normal(), (1, 1), ref=np.reshape)
good("reshape", normal(2, 3), call=lambda x: x.reshape(6), ref=lambda x: x.reshape(6), id="method")
bad("reshape", lambda: sd.reshape(v("a", 2, 3), (4, 2)), sd.ShapeError,
    r"reshape: cannot reshape an array of shape \(2, 3\) into shape \(4, 2\)", id="size")
bad("reshape", lambda: sd.reshape(v("a", 2, 3), (-1, -1)), sd.ShapeError,
    r"can only specify one unknown dimension", id="two-unknown")
bad("reshape", lambda: sd.reshape(v("a", 2, 3), (4, -1)), sd.ShapeError,
    r"cannot reshape an array of shape \(2, 3\) into shape \(4, -1\)", id="unknown-size")

good("transpose", normal(2, 3), ref=np.transpose)
good("transpose", normal(2, 3, 4), (1, 2, 0), ref=np.transpose)
good("transpose", normal(2, 3, 4), (-1, 0, 1), ref=np.transpose)
good("transpose", normal(2, 3, 4), call=lambda x: x.T, ref=lambda x: x.T, id="T")
good("transpose", normal(2, 3, 4), call=lambda x: x.transpose(0, 2, 1),
     ref=lambda x: x.transpose(0, 2, 1), id="method")
bad("transpose", lambda: sd.transpose(v("a", 2, 3, 4), (0, 0, 1)), sd.ShapeError,
    r"transpose: axes \(0, 0, 1\) are not a permutation of 3 axes", id="perm")
good("swapaxes", normal(2, 3, 4), 0, 2, ref=np.swapaxes)
good("swapaxes", normal(2, 3), -1, 0, ref=np.swapaxes)
bad("swapaxes", lambda: sd.swapaxes(v("a", 2, 3), 0, 2), sd.ShapeError,
    r"swapaxes: axis 2 is out of bounds for an array of 2 dimensions", id="axis")
good("expand_dims", normal(2, 3), 0, ref=np.expand_dims)
good("expand_dims", normal(2, 3), -1, ref=np.expand_dims)
good("expand_dims", normal(2, 3), 1, ref=np.expand_dims)
bad("expand_dims", lambda: sd.expand_dims(v("a", 2, 3), 4), sd.ShapeError,
    r"expand_dims: axis 4 is out of bounds", id="axis")

good("broadcast_to", normal(3), (2, 3), ref=np.broadcast_to)
good("broadcast_to", normal(2, 1), (4, 2, 3), ref=np.broadcast_to)
good("broadcast_to", normal(), (2, 2), ref=np.broadcast_to)
bad("broadcast_to", lambda: sd.broadcast_to(v("a", 3), (3, 2)), sd.ShapeError,
    r"broadcast_to: shapes \(3,\) and \(3, 2\) do not broadcast", id="mismatch")
bad("broadcast_to", lambda: sd.broadcast_to(v("a", 2, 3), (3,)), sd.ShapeError,
    r"broadcast_to: cannot broadcast \(2, 3\) to \(3,\)", id="fewer-axes")

good("concatenate", normal(2, 3), normal(4, 3), call=lambda a, b: sd.concatenate([a, b]),
     ref=lambda a, b: np.concatenate([a, b]), id="axis0")
good("concatenate", normal(2, 3), normal(2, 1), normal(2, 2),
     call=lambda a, b, c: sd.concatenate([a, b, c], axis=-1),
     ref=lambda a, b, c: np.concatenate([a, b, c], axis=-1), id="axis-1")
good("concatenate", normal(3), call=lambda a: sd.concatenate([a, a * 2]),
     ref=lambda a: np.concatenate([a, a * 2]), id="same-input")
bad("concatenate", lambda: sd.concatenate([v("a", 2, 3), v("b", 2, 4)]), sd.ShapeError,
    r"concatenate along axis 0: shapes \(2, 3\), \(2, 4\) differ off that axis", id="mismatch")
bad("concatenate", lambda: sd.concatenate([v("a"), v("b")]), sd.ShapeError,
    r"zero-dimensional arrays cannot be concatenated", id="scalars")
good("stack", normal(2, 3), normal(2, 3), call=lambda a, b: sd.stack([a, b]),
     ref=lambda a, b: np.stack([a, b]), id="axis0")
good("stack", normal(2, 3), normal(2, 3), normal(2, 3), call=lambda a, b, c: sd.stack([a, b, c], axis=-1),
     ref=lambda a, b, c: np.stack([a, b, c], axis=-1), id="axis-1")
good("stack", normal(), normal(), call=lambda a, b: sd.stack([a, b]),
     ref=lambda a, b: np.stack([a, b]), id="scalars")
bad("stack", lambda: sd.stack([v("a", 2, 3), v("b", 3, 2)]), sd.ShapeError,
    r"stack: all inputs must have the same shape", id="mismatch")

good("arange", 5, ref=np.arange, grad=False)
good("arange", 2, 11, 3, ref=np.arange, grad=False)
good("arange", 0.0, 1.0, 0.25, ref=np.arange, grad=False)
good("arange", 5, 0, -2, ref=np.arange, grad=False)
bad("arange", lambda: sd.arange(0, 5, 0), ValueError, r"arange: step cannot be zero", id="step0")
bad("arange", lambda: sd.arange(v("n", dtype="int64")), TypeError, r"arange needs static bounds",
    id="node")

# -- indexing (operator sugar; not in FUNCTIONS, tested the same way) --------------------------------

_INDEXES: list[tuple[str, Any]] = [
    ("int", 1), ("neg-int", -1), ("slice", slice(1, None)), ("rev", slice(None, None, -1)),
    ("step", slice(0, 4, 2)), ("pair", (1, 2)), ("slice-int", (slice(None), 1)),
    ("newaxis", (None, slice(1, 3))), ("ellipsis", (Ellipsis, 0)),
]
for _id, _ix in _INDEXES:
    good("index", normal(4, 3), call=lambda x, ix=_ix: x[ix], ref=lambda x, ix=_ix: x[ix], id=_id)
good("index", normal(4, 3), np.array([0, 2, 2, 3]), call=lambda x, i: x[i], ref=lambda x, i: x[i],
     id="gather-repeats")
good("index", normal(4, 3), np.array([0, 2, 1]), np.array([1, 1, 0]),
     call=lambda x, i, j: x[i, j], ref=lambda x, i, j: x[i, j], id="gather-pairs")
good("index", normal(4, 3), np.array([2, 0]), call=lambda x, i: x[:, i], ref=lambda x, i: x[:, i],
     id="gather-axis1")
good("index", normal(4, 3, 2), np.array([[0, 1], [2, 2]]), call=lambda x, i: x[1:, i, 0],
     ref=lambda x, i: x[1:, i, 0], id="gather-mixed")
good("index", normal(5, 3), labels(5, 3), call=lambda x, y: x[sd.arange(5), y],
     ref=lambda x, y: x[np.arange(5), y], id="pick-labels")
bad("index", lambda: v("a", 2, 3)[2], sd.OutOfBoundsError,
    r"index 2 is out of bounds for axis 0 with size 2", id="bounds")
bad("index", lambda: v("a", 2, 3)[0, 0, 0], sd.OutOfBoundsError,
    r"too many indices for an array of shape \(2, 3\): 3 were given", id="too-many")
bad("index", lambda: v("a", 2, 3)[v("i", 2)], TypeError, r"index arrays must be integers", id="float-index")
bad("index", lambda: v("a", 3)[v("a", 3) > 0], NotImplementedError, r"boolean-mask indexing", id="mask")

# Operators and methods outside FUNCTIONS, each tied to the function it spells.
SUGAR_ONLY = {"index"}


def samples_for(name: str) -> list[Sample]:
    return [s for s in SAMPLES if s.name == name]


def idfn(x: Any) -> str:
    return re.sub(r"\s+", "", str(x))
