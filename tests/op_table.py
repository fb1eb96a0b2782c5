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

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

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
    "logcosh": (lambda x: np.log(np.cosh(x)), lambda *s: np.asarray(3 * normal(*s))),
    "abs": (np.abs, away_from_zero),
}
for _name, (_ref, _gen) in _UNARY.items():
    good(_name, _gen(), ref=_ref)
    good(_name, _gen(3), ref=_ref)
    good(_name, _gen(2, 3), ref=_ref)

good("sign", away_from_zero(2, 3), ref=np.sign, zero_grad=True)
good("sign", np.array([-2.0, 0.0, 3.0]), ref=np.sign, zero_grad=True, id="with-zero")
good("stop_gradient", normal(2, 3), ref=lambda x: x, zero_grad=True)

# rounding is piecewise constant: its derivative is 0 (JAX, PyTorch); halves go to the even side
good("round", away_from_zero(2, 3) * 3, ref=np.round, zero_grad=True)
good("round", np.array([0.5, 1.5, 2.5, -0.5, -1.25, 3.14159]), ref=np.round, zero_grad=True, id="halves")
good("round", normal(3, 2) * 100, ref=np.round, kwargs={"decimals": 2}, zero_grad=True, id="decimals")
good("round", normal(4) * 100, ref=np.round, kwargs={"decimals": -1}, zero_grad=True, id="tens")
good("round", np.array([15, 25, -35, 4]), ref=np.round, kwargs={"decimals": -1}, grad=False, id="int")
good("round", normal(2, 3).astype(np.float32) * 10, ref=np.round, kwargs={"decimals": 1},
     zero_grad=True, id="float32")
good("round", normal(2, 3) * 3, call=lambda x: x.round(1), ref=lambda x: x.round(1), zero_grad=True,
     id="method")
bad("round", lambda: sd.round(v("a", 3), 1.5), TypeError, r"round: decimals must be an int, got 1.5",
    id="float-decimals")
bad("round", lambda: sd.round(v("a", 3), out=np.zeros(3)), NotImplementedError,
    r"round: the argument 'out' is not supported; use the returned node$", id="out")


def off_jumps(*shape: int) -> np.ndarray:
    """Values at least 0.1 from every integer and every half-integer: no jump of floor, ceil,
    trunc or rint within finite-difference reach."""
    frac = _rng.uniform(0.1, 0.4, shape) + _rng.choice([0.0, 0.5], shape)
    return np.asarray(_rng.integers(-4, 5, shape) + frac)


# floor, ceil, trunc, rint: piecewise constant as round; finite differences away from the jumps
# see the same zero slope, and at the jumps the derivative is 0 by convention
_ROUNDING = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "rint": np.rint}
_EDGES = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -0.0, 0.0, -0.4, 0.4, 3.0, -3.0, 1e300,
                   -4.5e15 - 0.5])
for _name, _ref in _ROUNDING.items():
    good(_name, off_jumps(), ref=_ref)
    good(_name, off_jumps(3), ref=_ref)
    good(_name, off_jumps(2, 3), ref=_ref)
    good(_name, _EDGES, ref=_ref, zero_grad=True, id="halves-zeros-and-integers")
    good(_name, off_jumps(2, 3).astype(np.float32), ref=_ref, zero_grad=True, id="float32")
    # NumPy 2: floor, ceil and trunc keep integer and boolean dtypes; rint makes floats of them
    good(_name, np.array([7, -7, 0]), ref=_ref, grad=False, id="int64")
    good(_name, np.array([7, -7, 0], np.int8), ref=_ref, grad=False, id="int8")
    good(_name, np.array([True, False]), ref=_ref, grad=False, id="bool")
    if _name != "rint":
        bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("z", 3, dtype="complex128")), sd.DTypeError,
            rf"{_name}: NumPy cannot apply it to dtypes complex128", id="complex")
# NumPy's rint rounds both parts of a complex number (floor, ceil and trunc refuse them)
good("rint", np.array([1.5 - 2.5j, -0.4 + 0.6j]), ref=np.rint, grad=False, id="complex")

# the complex parts: of a real input, the input itself (conj, real) or zeros (imag)
for _name, _ref in (("conj", np.conj), ("conjugate", np.conjugate), ("real", np.real)):
    good(_name, normal(2, 3), ref=_ref)
    good(_name, normal(3) + 1j * normal(3), ref=_ref, grad=False, id="complex")
# np.conjugate has no boolean loop: booleans conjugate as int8, as they square
for _name, _ref in (("conj", np.conj), ("conjugate", np.conjugate), ("real", np.real), ("imag", np.imag)):
    good(_name, np.array([True, False]), ref=_ref, grad=False, id="bool")
good("imag", normal(2, 3), ref=np.imag, zero_grad=True)
good("imag", np.array([1, -2, 3]), ref=np.imag, grad=False, id="int")
good("imag", normal(3) + 1j * normal(3), ref=np.imag, grad=False, id="complex")
good("real", normal(3) + 1j * normal(3), call=lambda z: z.real + z.imag, ref=lambda z: z.real + z.imag,
     grad=False, id="properties")
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
    "arctan2": (np.arctan2, away_from_zero, away_from_zero),
    "hypot": (np.hypot, normal, normal),
    "logaddexp": (np.logaddexp, normal, normal),
    "logaddexp2": (np.logaddexp2, normal, normal),
    "fmax": (np.fmax, distinct, distinct),
    "fmin": (np.fmin, distinct, distinct),
    "copysign": (np.copysign, away_from_zero, away_from_zero),
    "heaviside": (np.heaviside, away_from_zero, normal),
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

# NaN-ignoring extrema: the gradient goes to the argument that is not NaN (and to the first on
# ties); NaN here is a constant, so the finite differences move only numbers
_NANS = np.array([np.nan, 0.3, np.nan, -1.0])
for _name in ("fmax", "fmin"):
    _f, _ref = sd.FUNCTIONS[_name], getattr(np, _name)
    good(_name, normal(4), call=lambda a, f=_f: f(a, _NANS), ref=lambda a, r=_ref: r(a, _NANS), id="nan-second")
    good(_name, normal(4), call=lambda b, f=_f: f(_NANS, b), ref=lambda b, r=_ref: r(_NANS, b), id="nan-first")
    good(_name, np.array([1.0, -2.0, 0.5]), call=lambda a, f=_f: f(a, a) * 3.0 + f(a, 2.0 * a),
         ref=lambda a, r=_ref: r(a, a) * 3.0 + r(a, 2.0 * a), id="ties")
    good(_name, normal(2, 3).astype(np.float32), distinct(3).astype(np.float32), ref=_ref, grad=False,
         id="float32")
    good(_name, np.array([3, -1, 4]), np.array([2, 5, 4]), ref=_ref, grad=False, id="int")
# copysign: |x1| with x2's sign bit, so -0.0 and a negative NaN count as negative
_SIGNED = np.array([0.0, -0.0, np.nan, -np.nan, 2.0, -3.0])
good("copysign", away_from_zero(6), call=lambda a: sd.copysign(a, _SIGNED), ref=lambda a: np.copysign(a, _SIGNED),
     id="signed-zeros-nans")
good("copysign", np.array([0.0, -0.0, 2.0]), np.array([-1.0, 1.0, -0.0]), ref=np.copysign, grad=False,
     id="zeros")
good("copysign", np.array([3, -2]), np.array([-1, 1]), ref=np.copysign, grad=False, id="int")
# heaviside: x2 at x1 == 0 exactly, where the gradient in x2 is 1 (nan at nan: test_numeric_ops)
_STEPS = np.array([0.0, -1.0, 2.0, -0.0])
good("heaviside", normal(4), call=lambda h: sd.heaviside(_STEPS, h), ref=lambda h: np.heaviside(_STEPS, h),
     id="at-zero")
good("heaviside", np.array([-2, 0, 3]), np.array(1), ref=np.heaviside, grad=False, id="int")
good("heaviside", normal(3), call=lambda h: sd.heaviside(np.array([[0.0], [1.0]]), h),
     ref=lambda h: np.heaviside(np.array([[0.0], [1.0]]), h), id="broadcast-at-zero")
good("copysign", normal(2, 3), np.array(-0.7), call=lambda a, b: sd.copysign(a, b) + sd.copysign(b, a),
     ref=lambda a, b: np.copysign(a, b) + np.copysign(b, a), id="both-ways")
# float_power: power in at least float64, so float32 and integer inputs give float64
for _sa, _sb in _BROADCAST_SHAPES:
    good("float_power", positive(*_sa), normal(*_sb), ref=np.float_power)
good("float_power", positive(3).astype(np.float32), np.array(2.5, np.float32), ref=np.float_power, grad=False,
     id="float32")
good("float_power", np.array([2, 3, 4]), np.array([-1, 2, -2]), ref=np.float_power, grad=False, id="int-negative")
good("float_power", normal(3), call=lambda a: sd.float_power(a, 2), ref=lambda a: np.float_power(a, 2), id="int-exponent")
bad("float_power", lambda: sd.float_power(v("a", 2, 3), v("b", 4)), sd.ShapeError,
    r"float_power: shapes \(2, 3\) and \(4,\) do not broadcast", id="mismatch")
# positive: the values themselves; NumPy has no unary plus of booleans
good("positive", normal(2, 3), ref=np.positive)
good("positive", np.array([1, -2], np.int8), ref=np.positive, grad=False, id="int8")
bad("positive", lambda: sd.positive(v("m", 3) > 0), TypeError, r"positive: booleans have no unary plus", id="bool")

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

for _name, _ref in [("logical_and", np.logical_and), ("logical_or", np.logical_or),
                    ("logical_xor", np.logical_xor)]:
    good(_name, normal(2, 3) > 0, normal(3) > 0, ref=_ref, grad=False)
    good(_name, np.array([0.0, 2.0, -1.5]), np.array([1, 0, 3]), ref=_ref, grad=False, id="numbers")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3) > 0, v("b", 2) > 0), sd.ShapeError,
        r"shapes \(3,\) and \(2,\) do not broadcast", id="mismatch")
_SPECIAL = np.array([0.0, -0.0, 1.5, np.inf, -np.inf, np.nan, 1e308, 5e-324])
for _name in ("isnan", "isinf", "isfinite"):
    good(_name, _SPECIAL, ref=getattr(np, _name), grad=False)
    good(_name, _SPECIAL.astype(np.float32).reshape(2, 4), ref=getattr(np, _name), grad=False, id="float32")
    good(_name, np.array([1 + 1j, complex(np.nan, 0), complex(0, np.inf), 2j]), ref=getattr(np, _name),
         grad=False, id="complex")
    good(_name, np.array([-3, 0, 7]), ref=getattr(np, _name), grad=False, id="int")
good("logical_not", normal(2, 3) > 0, ref=np.logical_not, grad=False)
good("logical_not", np.array([0.0, 2.0, np.nan]), ref=np.logical_not, grad=False, id="numbers")
# the operators & | ^ ~ on masks are the logical functions; on integers bitwise (rows below)
good("logical_and", normal(3), call=lambda x: (x > 0) & (x < 1) | ~(x > -0.5) ^ (x > 2),
     ref=lambda x: (x > 0) & (x < 1) | ~(x > -0.5) ^ (x > 2), grad=False, id="operators")
bad("logical_and", lambda: v("a", 3) & 1, sd.DTypeError,
    r"&: takes boolean masks \(as logical_and\) or integers \(as bitwise_and\), as NumPy's, got "
    r"float64, float64; for truth values of numbers use logical_and", id="float-operator")
bad("logical_not", lambda: ~v("a", 3), sd.DTypeError,
    r"~: takes boolean masks \(as logical_not\) or integers \(as invert\), as NumPy's, got float64",
    id="float-operator")

# bitwise ops on integers: NumPy's kernels and dtype rules; a Python int is weakly typed
_INTS = np.array([[0, 1, -7, 12], [127, -128, 5, -1]], np.int8)
_BITS = np.array([3, -1, 6, 0], np.int8)
for _name, _ref, _symbol in [("bitwise_and", np.bitwise_and, "&"), ("bitwise_or", np.bitwise_or, "|"),
                             ("bitwise_xor", np.bitwise_xor, "^")]:
    good(_name, _INTS, _BITS, ref=_ref, grad=False)
    good(_name, np.array([5, 200, 255], np.uint8), np.array([[3], [-9]], np.int16), ref=_ref, grad=False,
         id="promote")
    good(_name, np.array([0x0F0F, 2**40 + 3, -5]), call=lambda a, f=sd.FUNCTIONS[_name]: f(a, 0xFF),
         ref=lambda a, f=_ref: f(a, 0xFF), grad=False, id="python-int")
    good(_name, np.array([1, 200, 255], np.uint8), call=lambda a, f=sd.FUNCTIONS[_name]: f(3, a),
         ref=lambda a, f=_ref: f(3, a), grad=False, id="weak-int-uint8")
    good(_name, np.array([True, False, True]), np.array([5, -2, 0], np.int8), ref=_ref, grad=False,
         id="bool-int8")
    good(_name, np.array([True, False, True, False]), np.array([True, True, False, False]), ref=_ref,
         grad=False, id="bool")
    good(_name, np.zeros((0, 3), np.int32), np.array([1, 2, 3], np.uint16), ref=_ref, grad=False, id="empty")
    good(_name, _INTS, call=lambda a, s=_symbol: eval(f"a {s} 9"), ref=lambda a, s=_symbol: eval(f"a {s} 9"),
         grad=False, id="operator")
    good(_name, np.array([1, 200, 255], np.uint8), call=lambda a, s=_symbol: eval(f"6 {s} a"),
         ref=lambda a, s=_symbol: eval(f"6 {s} a"), grad=False, id="roperator")
    good(_name, np.array([3, 12], np.uint64), call=lambda a, n=_name: getattr(np, n)(a, 5),
         ref=lambda a, n=_name: getattr(np, n)(a, 5), grad=False, id="numpy-ufunc")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), v("i", 3, dtype="int64")), sd.DTypeError,
        rf"^{_name}: takes integers or booleans, as NumPy's {_name}, got float64, int64; for truth values "
        rf"of numbers use logical_{_name[8:]}$", id="float")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("i", 3, dtype="uint8"), 300), sd.DTypeError,
        rf"{_name}: the Python integer 300 does not fit uint8", id="int-beyond-dtype")
    bad(_name, lambda s=_symbol: eval(f"v('i', 3, dtype='uint8') {s} -1"), sd.DTypeError,
        rf"\{_symbol}: the Python integer -1 does not fit uint8", id="operator-beyond-dtype")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("i", 3, dtype="int8"), v("j", 2, dtype="int8")), sd.ShapeError,
        rf"{_name}: shapes \(3,\) and \(2,\) do not broadcast", id="mismatch")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("z", 3, dtype="complex128"), 1), sd.DTypeError,
        rf"{_name}: takes integers or booleans, as NumPy's {_name}, got complex128, complex128", id="complex")

# shifts: counts that are negative or at least the bit width give 0 (or -1 shifting a negative
# value right), as NumPy's kernels do
_COUNTS = np.array([[0, 1, 7, 8], [-1, 70, 3, 127]], np.int8)
for _name, _ref, _symbol in [("left_shift", np.left_shift, "<<"), ("right_shift", np.right_shift, ">>")]:
    good(_name, _INTS, _COUNTS, ref=_ref, grad=False, id="int8-counts")
    good(_name, np.array([1, -1, 2**62, -(2**62), 12345]), np.array([[63], [64], [-3], [1]]), ref=_ref,
         grad=False, id="int64-width")
    good(_name, np.array([1, 128, 255], np.uint8), call=lambda a, f=sd.FUNCTIONS[_name]: f(a, 3),
         ref=lambda a, f=_ref: f(a, 3), grad=False, id="weak-count")
    good(_name, np.array([0, 1, 9, 8], np.uint8), call=lambda a, f=sd.FUNCTIONS[_name]: f(200, a),
         ref=lambda a, f=_ref: f(200, a), grad=False, id="weak-value")
    good(_name, np.array([True, False, True]), np.array([True, True, False]), ref=_ref, grad=False,
         id="bool")
    good(_name, np.zeros((2, 0), np.uint32), np.zeros((0,), np.int64), ref=_ref, grad=False, id="empty")
    good(_name, _INTS, call=lambda a, s=_symbol: eval(f"a {s} 2"), ref=lambda a, s=_symbol: eval(f"a {s} 2"),
         grad=False, id="operator")
    good(_name, _BITS, call=lambda a, s=_symbol: eval(f"100 {s} a"), ref=lambda a, s=_symbol: eval(f"100 {s} a"),
         grad=False, id="roperator")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), 2), sd.DTypeError,
        rf"^{_name}: takes integers or booleans, as NumPy's {_name}, got float64, float64$", id="float")
    bad(_name, lambda s=_symbol: eval(f"v('i', 3, dtype='int8') {s} 1.5"), sd.DTypeError,
        rf"{_name}: takes integers or booleans, as NumPy's {_name}, got int8, float64", id="float-count")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("i", 3, dtype="int8"), 200), sd.DTypeError,
        rf"{_name}: the Python integer 200 does not fit int8", id="int-beyond-dtype")

good("invert", _INTS, ref=np.invert, grad=False)
good("invert", np.array([0, 1, 255], np.uint8), ref=np.invert, grad=False, id="uint8")
good("invert", np.array([0, 2**63 - 1], np.uint64), ref=np.invert, grad=False, id="uint64")
good("invert", np.array([True, False]), ref=np.invert, grad=False, id="bool")
good("invert", np.zeros((3, 0), np.int16), ref=np.invert, grad=False, id="empty")
good("invert", _INTS, call=lambda a: ~a, ref=lambda a: ~a, grad=False, id="operator")
good("invert", _INTS, call=lambda a: sd.bitwise_not(a), ref=np.bitwise_not, grad=False, id="bitwise_not")
good("invert", _INTS, call=lambda a: np.invert(a), ref=np.invert, grad=False, id="numpy-ufunc")
bad("invert", lambda: sd.invert(v("a", 3)), sd.DTypeError,
    r"^invert: takes integers or booleans, as NumPy's invert, got float64; for truth values of numbers "
    r"use logical_not$", id="float")
bad("invert", lambda: sd.invert(v("z", 3, dtype="complex64")), sd.DTypeError,
    r"^invert: takes integers or booleans, as NumPy's invert, got complex64", id="complex")

_cond = normal(2, 3) > 0
good("where", _cond, normal(2, 3), normal(2, 3), ref=np.where)
good("where", normal(3) > 0, normal(2, 3), normal(), ref=np.where, id="broadcast")
good("where", normal(2, 1) > 0, normal(3), normal(2, 3), ref=np.where, id="broadcast-cond")
bad("power", lambda: v("i", 3, dtype="int64") ** np.array([2, -1, 0]), sd.DTypeError,
    r"power: an integer raised to the negative integer power -1 is not an integer \(int64 \*\* int64\)",
    id="int-negative-int")
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
     ref=np.prod, kwargs={"axis": 1}, id="zeros")
# SciPy's logsumexp: weights b (broadcast; a zero weight leaves its term out) and return_sign
for _axis, _keep in ((1, False), (0, True), (None, False), ((0, 2), False), (-1, True)):
    good("logsumexp", normal(2, 3, 4), positive(3, 4),
         call=lambda x, b, a=_axis, k=_keep: sd.logsumexp(x, axis=a, b=b, keepdims=k),
         ref=lambda x, b, a=_axis, k=_keep: special.logsumexp(x, axis=a, b=b, keepdims=k),
         id=f"b-axis{_axis}-keep{_keep}")
    good("logsumexp", normal(2, 3, 4), normal(2, 1, 4),
         call=lambda x, b, a=_axis, k=_keep: sd.logsumexp(x, axis=a, b=b, keepdims=k, return_sign=True)[0],
         ref=lambda x, b, a=_axis, k=_keep: special.logsumexp(x, axis=a, b=b, keepdims=k, return_sign=True)[0],
         id=f"signed-axis{_axis}-keep{_keep}")
    good("logsumexp", normal(2, 3, 4), normal(2, 1, 4),
         call=lambda x, b, a=_axis, k=_keep: sd.logsumexp(x, axis=a, b=b, keepdims=k, return_sign=True)[1],
         ref=lambda x, b, a=_axis, k=_keep: special.logsumexp(x, axis=a, b=b, keepdims=k, return_sign=True)[1],
         zero_grad=True, id=f"sign-axis{_axis}-keep{_keep}")
# (a constant b: in b, the derivative exp(800) / sum at b = 0 is beyond float64)
good("logsumexp", np.array([[800.0, 1.0, 2.0], [-3.0, 700.0, 1.0]]),
     call=lambda x: sd.logsumexp(x, axis=1, b=np.array([0.0, 2.0, -1.0]), return_sign=True)[0],
     ref=lambda x: special.logsumexp(x, axis=1, b=np.array([0.0, 2.0, -1.0]), return_sign=True)[0],
     id="large-zero-weight")
good("logsumexp", np.array([[0.3, 1.0, 2.0], [-3.0, 0.7, 1.0]]), np.array([0.0, 2.0, 1.0]),
     call=lambda x, b: sd.logsumexp(x, axis=1, b=b), ref=lambda x, b: special.logsumexp(x, axis=1, b=b),
     id="zero-weight")
good("logsumexp", normal(3, 4), call=lambda x: sd.logsumexp(x, axis=0, return_sign=True)[0],
     ref=lambda x: special.logsumexp(x, axis=0, return_sign=True)[0], id="sign-without-b")
good("logsumexp", normal(3, 4), call=lambda x: sd.logsumexp(x, axis=0, return_sign=True)[1],
     ref=lambda x: special.logsumexp(x, axis=0, return_sign=True)[1], zero_grad=True, id="sign-without-b-sign")
good("logsumexp", np.array([[1, 2], [3, 4]]), np.array([2, 1]),
     call=lambda x, b: sd.logsumexp(x, axis=1, b=b), ref=lambda x, b: special.logsumexp(x, axis=1, b=b),
     id="int")
good("logsumexp", normal(2, 3).astype(np.float32), positive(3).astype(np.float32),
     call=lambda x, b: sd.logsumexp(x, b=b), ref=lambda x, b: special.logsumexp(x, b=b), grad=False,
     id="float32")
good("logsumexp", normal(2, 3).astype(np.float32), np.array([1, 2, 3]),
     call=lambda x, b: sd.logsumexp(x, b=b), ref=lambda x, b: special.logsumexp(x, b=b), grad=False,
     id="float32-int-weights")
good("logsumexp", normal(3), call=lambda x: sd.logsumexp(x, b=np.array([[1.0], [2.0]]), axis=1),
     ref=lambda x: special.logsumexp(x, b=np.array([[1.0], [2.0]]), axis=1), id="b-broadcasts-x")
bad("logsumexp", lambda: sd.logsumexp(v("a", 2, 3), b=v("b", 2)), sd.ShapeError,
    r"^logsumexp: shapes \(2, 3\) and \(2,\) do not broadcast", id="b-shape")
bad("logsumexp", lambda: sd.logsumexp(v("a", 3), return_sign=1), TypeError,
    r"^logsumexp: return_sign must be True or False, got 1", id="return-sign-type")
bad("logsumexp", lambda: sd.logsumexp(v("z", 3, dtype="complex128"), b=2.0), NotImplementedError,
    r"^logsumexp: complex x \(complex128\) with b= or return_sign=True is not supported", id="complex-b")
for _name in ("max", "min"):
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 0), axis=1), sd.ShapeError,
        rf"{_name}: axis 1 of \(2, 0\) is empty, and the {_name} of no values is not defined "
        r"\(give initial=", id="empty")
# NumPy's reduction arguments: dtype, initial, where (a mask; max and min need initial with it)
_MASK23 = np.array([[True, False, True], [False, False, True]])
for _name, _gen in [("sum", normal), ("prod", away_from_zero), ("max", distinct), ("min", distinct)]:
    _ref = getattr(np, _name)
    good(_name, _gen(2, 3), ref=lambda x, r=_ref: r(x, axis=1, initial=0.5),
         call=lambda x, f=sd.FUNCTIONS[_name]: f(x, axis=1, initial=0.5), id="initial")
    good(_name, _gen(2, 3), ref=lambda x, r=_ref: r(x, axis=0, where=_MASK23, initial=-0.25),
         call=lambda x, f=sd.FUNCTIONS[_name]: f(x, axis=0, where=_MASK23, initial=-0.25), id="where")
    good(_name, np.zeros((0, 3)), ref=lambda x, r=_ref: r(x, axis=0, initial=2.0),
         call=lambda x, f=sd.FUNCTIONS[_name]: f(x, axis=0, initial=2.0), grad=False, id="empty-initial")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), out=np.zeros(())), NotImplementedError,
        rf"{_name}: the argument 'out' is not supported; use the returned node$", id="out")
for _name, _low in (("max", -np.inf), ("min", np.inf)):  # initial= the dtype's bound: the op's own
    _ref = getattr(np, _name)
    good(_name, distinct(2, 3), ref=lambda x, r=_ref, b=_low: r(x, axis=1, initial=b),
         call=lambda x, f=sd.FUNCTIONS[_name], b=_low: f(x, axis=1, initial=b), id="initial-bound")
    good(_name, distinct(2, 3, 2), ref=lambda x, r=_ref, b=_low: r(x, axis=(0, 2), keepdims=True, initial=b),
         call=lambda x, f=sd.FUNCTIONS[_name], b=_low: f(x, axis=(0, 2), keepdims=True, initial=b),
         id="initial-bound-keepdims")
    _int = np.iinfo(np.int16).min if _name == "max" else np.iinfo(np.int16).max
    good(_name, np.array([[3, -7, 2], [5, 1, 0]], dtype=np.int16),
         ref=lambda x, r=_ref, b=_int: r(x, axis=0, initial=b),
         call=lambda x, f=sd.FUNCTIONS[_name], b=_int: f(x, axis=0, initial=b), id="int-initial-bound")
for _name in ("sum", "prod", "mean"):
    _ref = getattr(np, _name)
    good(_name, normal(2, 3), ref=lambda x, r=_ref: r(x, axis=1, where=_MASK23),
         call=lambda x, f=sd.FUNCTIONS[_name]: f(x, axis=1, where=_MASK23), id="where-only")
    good(_name, np.array([[1, 2, 3], [4, 5, 6]]), ref=lambda x, r=_ref: r(x, dtype=np.float32),
         call=lambda x, f=sd.FUNCTIONS[_name]: f(x, dtype="float32"), id="dtype")
bad("max", lambda: sd.max(v("a", 3), where=np.array([True, False, True])), ValueError,
    r"max: where= needs initial=", id="where-without-initial")
# a dtype= that is not one is refused by the function given it, not by the cast it makes
for _name in ("sum", "prod", "mean", "cumsum", "cumprod"):
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), dtype="foo"), sd.DTypeError,
        rf"^{_name}: 'foo' is not a dtype", id="dtype-name")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), dtype="U3"), sd.DTypeError,
        rf"^{_name}: dtype <U3 is not numeric or boolean", id="string-dtype")
bad("arange", lambda: sd.arange(3, dtype="foo"), sd.DTypeError, r"^arange: 'foo' is not a dtype",
    id="dtype-name")
bad("arange", lambda: sd.arange("n", dtype="U3"), sd.DTypeError, r"^arange: .*dtype <U3",
    id="named-string-dtype")
bad("sum", lambda: sd.sum(v("a", 3), where=np.ones(3)), sd.DTypeError,
    r"sum: where must be a boolean mask, got float64", id="float-mask")
good("mean", np.array([[1, 2], [3, 5]]), ref=np.mean, kwargs={"axis": 0}, id="int")
good("sum", np.array([[1, 2], [3, 5]]), ref=np.sum, kwargs={"axis": 1}, id="int")
good("sum", normal(2, 3), call=lambda x: x.sum(axis=1, keepdims=True),
     ref=lambda x: x.sum(axis=1, keepdims=True), id="method")
good("mean", normal(2, 3), call=lambda x: x.mean(0), ref=lambda x: x.mean(0), id="method")

# -- more elementwise functions and reductions ------------------------------------------------------

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
    "gamma": (_mp(_mpmath.gamma), lambda *s: positive(*s, low=0.2, high=6.0)),
}
for _name, (_ref, _gen) in _MORE_UNARY.items():
    good(_name, _gen(), ref=_ref)
    good(_name, _gen(2, 3), ref=_ref)
good("square", np.array([1, -2, 3]), ref=np.square, id="int")
# np.square has no boolean loop: booleans square as int8, not as booleans
good("square", np.array([True, False]), ref=np.square, grad=False, id="bool")
good("reciprocal", np.array([1, -1, 2]), ref=np.reciprocal, grad=False, id="int")
good("cbrt", np.array([-8.0, 27.0, 0.125]), ref=np.cbrt, id="exact-cubes")
good("log10", np.array([1, 10, 1000]), ref=np.log10, id="int-input")
good("deg2rad", np.array([0, 90, 180]), ref=np.deg2rad, id="int-input")
good("sinc", np.array([0.0, 1e-9, -3e-5, 0.5, -1.0, 1.0 - 1e-9, 7.25]), ref=np.sinc, id="near-0-and-integers")
good("sinc", np.array([1, 2, 0]), ref=np.sinc, grad=False, id="int-input")
_SINC = lambda t: _mpmath.sinc(_mpmath.pi * t)  # noqa: E731 - the normalized sinc
for _n in (1, 2, 3):
    good("sinc_derivative", np.array([-2.5, -0.7, 1e-6, 0.3, 1.0, 4.2]), _n,
         ref=_mp(lambda t, n: _mpmath.diff(_SINC, t, n)), id=f"order{_n}")
bad("sinc_derivative", lambda: sd.sinc_derivative(v("a", 3), 0), ValueError,
    r"sinc_derivative: the order must be a positive int, got 0", id="order")
good("erf", np.array([-6.0, -0.5, 0.0, 1e-10, 3.0, 30.0]), ref=_mp(_mpmath.erf), id="tails")
good("erfc", np.array([-3.0, 0.0, 5.0, 12.0, 26.0]), ref=_mp(_mpmath.erfc), id="tails")
good("erf", np.array([0, 1, 2]), ref=_mp(_mpmath.erf), id="int-input")
good("gammaln", np.array([-2.5, -0.3, 0.01, 1.0, 2.0, 150.0]), ref=_mp(lambda t: _mpmath.log(abs(_mpmath.gamma(t)))),
     id="negative-and-large")
good("gamma", np.array([-2.5, -0.3, 0.01, 1.0, 2.0, 150.0]), ref=_mp(_mpmath.gamma), id="negative-and-large")
good("gamma", np.array([1, 4, 7]), ref=_mp(_mpmath.gamma), id="int-input")
good("digamma", np.array([-2.5, -0.3, 0.01, 1.4616321449683622, 3.0, 1e5]), ref=_mp(_mpmath.digamma),
     id="negative-root-and-large")
# far below 0 the reflection's cot(pi x) must be taken of x reduced by its period, not of pi * x
# rounded at x's magnitude (1e-11 relative error at -1e5)
# (values only: finite differences of x = -1e5 +- 1e-6 are off by x's own rounding, 1e-5)
good("digamma", np.array([-745.5, -100.25, -1e5 - 0.5, -3e4 - 0.3]), ref=_mp(_mpmath.digamma),
     grad=False, id="large-negative")
good("polygamma", 1, np.array([-745.5, -100.25, -3e4 - 0.3]),
     ref=lambda n, x: _mp(lambda t: _mpmath.polygamma(n, t))(x), grad=False, id="large-negative")
good("digamma", np.array([-745.5, -100.25, -2000.3]), ref=_mp(_mpmath.digamma), id="negative-hundreds")
for _n in (1, 2, 3):
    good("polygamma", _n, positive(2, 3, low=0.2, high=15.0),
         ref=lambda n, x: _mp(lambda t: _mpmath.polygamma(n, t))(x))
good("polygamma", 1, np.array([-3.7, -0.5, 0.05, 11.9, 12.0, 300.0]),
     ref=lambda n, x: _mp(lambda t: _mpmath.polygamma(n, t))(x), id="reflection-and-shift")
bad("erf", lambda: sd.erf(v("z", 3, dtype="complex128")), sd.DTypeError,
    r"erf is defined here for real inputs only, got complex128", id="complex")
for _name, _call in (("digamma", lambda: sd.digamma(v("z", 3, dtype="complex128"))),
                     ("polygamma", lambda: sd.polygamma(2, v("z", 3, dtype="complex128")))):
    bad(_name, _call, sd.DTypeError, rf"^{_name} is defined here for real inputs only, got complex128",
        id="complex")
bad("polygamma", lambda: sd.polygamma(-1, v("x", 3)), TypeError,
    r"polygamma: the order n must be a non-negative int, got -1", id="negative-order")
bad("arcsinh", lambda: sd.arcsinh(v("s", 2, dtype="U3")), sd.DTypeError, r"dtype .* not numeric",
    id="string")

# SciPy's special functions: values and derivatives against scipy.special itself
for _name, _gen in (("xlogy", lambda *s: (positive(*s), positive(*s))),
                    ("xlog1py", lambda *s: (normal(*s), positive(*s, low=-0.5, high=2.0))),
                    ("betaln", lambda *s: (positive(*s, low=0.5, high=5.0), positive(*s, low=0.5, high=5.0))),
                    ("beta", lambda *s: (positive(*s, low=0.5, high=5.0), positive(*s, low=0.5, high=5.0))),
                    ("rel_entr", lambda *s: (positive(*s), positive(*s))),
                    ("kl_div", lambda *s: (positive(*s), positive(*s))),
                    ("boxcox", lambda *s: (positive(*s), normal(*s))),
                    ("inv_boxcox", lambda *s: (uniform(*s, low=0.1, high=1.0), uniform(*s, low=-0.5, high=0.5))),
                    ("logit", lambda *s: (uniform(*s, low=0.05, high=0.95),)),
                    ("log_expit", lambda *s: (np.asarray(5 * normal(*s)),)),
                    ("ndtr", lambda *s: (np.asarray(3 * normal(*s)),)),
                    ("log_ndtr", lambda *s: (np.asarray(3 * normal(*s)),)),
                    ("entr", lambda *s: (positive(*s, low=0.1, high=3.0),)),
                    ("erfinv", lambda *s: (uniform(*s, low=-0.95, high=0.95),)),
                    ("erfcinv", lambda *s: (uniform(*s, low=0.05, high=1.95),)),
                    ("ndtri", lambda *s: (uniform(*s, low=0.02, high=0.98),))):
    good(_name, *_gen(), ref=getattr(special, _name))
    good(_name, *_gen(2, 3), ref=getattr(special, _name))
# at x = 0: the value 0 and the derivatives log(y) in x and 0 in y (x / y would be 0 / 0 at y = 0)
good("xlogy", np.array([0.0, 0.0, 0.0, 1.5]), np.array([0.5, 2.0, 1e300, 3.0]), ref=special.xlogy, id="x-zero")
good("xlog1py", np.array([0.0, 0.0, 1.5]), np.array([-0.5, 2.0, 3.0]), ref=special.xlog1py, id="x-zero")
# lmbda = 0 is log(x) (exp(y) inverted), with the derivatives in lmbda of the series there
good("boxcox", np.array([0.5, 2.0, 3.0]), np.array([0.0, 0.0, 0.0]), ref=special.boxcox, id="lmbda-zero")
good("inv_boxcox", np.array([-0.5, 0.2, 1.0]), np.array([0.0, 0.0, 0.0]), ref=special.inv_boxcox, id="lmbda-zero")
# the tails: log_ndtr where ndtr underflows (x = -40) or rounds to 1, erfinv near +-1, ndtri and
# erfcinv of tiny probabilities, logit near 1/2
good("log_ndtr", np.array([-1e3, -40.0, -21.0, -19.0, 0.5, 7.0, 30.0]), ref=special.log_ndtr, id="tails")
good("logit", np.array([1e-300, 0.3, 0.5 - 1e-9, 0.5 + 1e-9, 0.8, 1 - 1e-12]), ref=special.logit, grad=False,
     id="tails")
good("log_expit", np.array([-800.0, -40.0, 0.0, 40.0, 800.0]), ref=special.log_expit, id="tails")
# log(cosh(x)) where cosh overflows (|x| > 710) or rounds to 1 (tiny x), at either sign of 0
_LOGCOSH = _mp(lambda t: _mpmath.log(_mpmath.cosh(t)))
good("logcosh", np.array([-800.0, -40.0, -1.0, -1e-3, 0.5, 0.999, 1.001, 20.0, 709.0, 711.0]), ref=_LOGCOSH,
     id="tails")
good("logcosh", np.array([1e-300, -1e-8, -0.0, 0.0, 1e300, -1e300]), ref=_LOGCOSH, grad=False, id="extremes")
good("logcosh", np.array([-3, 0, 5, 800]), ref=_LOGCOSH, grad=False, id="int64")
# int8 in float16, as np.cosh gives it
good("logcosh", np.array([-3, 0, 5, 100], np.int8), ref=lambda x: _LOGCOSH(x).astype(np.float16), grad=False,
     id="int8")
bad("logcosh", lambda: sd.logcosh(v("z", 3, dtype="complex128")), sd.DTypeError,
    r"^logcosh is defined here for real inputs only, got complex128$", id="complex")
good("erfinv", np.array([-1 + 1e-15, -0.7, 1e-300, 0.3, 0.51, 1 - 2**-53]), ref=special.erfinv, grad=False, id="tails")
good("erfcinv", np.array([1e-300, 1e-100, 1e-20, 1e-9, 0.5, 1.0, 1.7, 2 - 1e-15]), ref=special.erfcinv,
     grad=False, id="tails")
good("ndtri", np.array([1e-300, 1e-50, 1e-9, 0.5, 0.999, 1 - 1e-12]), ref=special.ndtri, grad=False, id="tails")
good("erfinv", np.array([-0.99, -0.5, 0.5, 0.98]), ref=special.erfinv, id="near-ends")
good("ndtr", np.array([-37.0, -20.5, -3, 0, 9]), ref=special.ndtr, id="int-input")
good("beta", np.array([-0.5, -1.5, 2.5]), np.array([0.25, 0.25, -3.25]), ref=special.beta, id="negative")
good("rel_entr", np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0, 0.5]), ref=special.rel_entr, grad=False,
     id="x-zero")
good("kl_div", np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0, 0.5]), ref=special.kl_div, grad=False,
     id="x-zero")
# more of SciPy's special functions, against scipy.special (values and derivatives)
good("huber", positive(2, 3), np.asarray(3 * normal(2, 3)), ref=special.huber)
good("huber", np.array([1.0, 1.0, 2.0, 0.5]), np.array([0.3, -2.5, -1.2, 4.0]), ref=special.huber,
     id="both-sides")
good("pseudo_huber", positive(2, 3), np.asarray(3 * normal(2, 3)), ref=special.pseudo_huber)
good("pseudo_huber", np.array([2.0, 1.0, 1e-3]), np.array([1e-6, -1.0, 3.0]), ref=special.pseudo_huber,
     id="small-and-large-ratio")
good("erfcx", np.asarray(3 * normal(2, 3)), ref=special.erfcx)
good("erfcx", np.array([-26.0, -5.0, 9.99, 10.0, 30.0, 1e5]), ref=special.erfcx, id="tails")
good("exp10", normal(2, 3), ref=special.exp10)
good("cosm1", np.asarray(3 * normal(2, 3)), ref=special.cosm1)
good("cosm1", np.array([1e-8, -1e-4, 6.283185307179586, 1e3]), ref=special.cosm1, id="near-zeros")
good("powm1", positive(2, 3, low=0.2, high=3.0), normal(2, 3), ref=special.powm1)
good("powm1", np.array([1.0 + 1e-9, 0.999, 5.0, 2.0]), np.array([3.0, 1e-8, -0.1, 10.0]), ref=special.powm1,
     id="near-one-and-zero")
# SciPy's is complex: its real part, float32 kept as the other functions keep it
_LAMBERTW = lambda x: special.lambertw(x).real.astype(np.result_type(x, 0.0))  # noqa: E731
good("lambertw", uniform(2, 3, low=-0.3, high=5.0), ref=_LAMBERTW)
good("lambertw", np.array([-0.367, -0.2, 1e-9, 2.5, 3.5, 1e6]), ref=_LAMBERTW, id="range")
good("ellipk", uniform(2, 3, low=-3.0, high=0.95), ref=special.ellipk)
good("ellipe", uniform(2, 3, low=-3.0, high=0.95), ref=special.ellipe)
for _name in ("ellipk", "ellipe"):
    # the derivative near m = 0 by its series, and of the Legendre form past m = 1/2
    good(_name, np.array([-1e5, -0.3, -1e-6, 0.0, 1e-4, 0.2, 0.3, 0.9, 0.99]), ref=getattr(special, _name),
         id="range")
_A = np.array([[0.5, 2.0, 7.5], [12.0, 40.0, 0.05]])
for _name in ("gammainc", "gammaincc"):
    # differentiable in x only: the shape a is a constant here
    good(_name, positive(2, 3, low=0.1, high=30.0), call=lambda x, f=sd.FUNCTIONS[_name]: f(_A, x),
         ref=lambda x, f=getattr(special, _name): f(_A, x))
    good(_name, np.array([0.5, 3.0, 11.0, 60.0, 1.0]), np.array([0.01, 2.5, 11.5, 40.0, 30.0]),
         ref=getattr(special, _name), grad=False, id="regions")
good("loggamma", positive(2, 3, low=0.1, high=20.0), ref=special.loggamma)
# SciPy's is float64 for float32 a: here float32 is kept
_MULTIGAMMALN = lambda a, d: special.multigammaln(a, d).astype(np.result_type(a, 0.0))  # noqa: E731
good("multigammaln", positive(2, 3, low=1.6, high=9.0), 3, ref=_MULTIGAMMALN)
good("multigammaln", np.array([2.5, 8.0]), 1, ref=_MULTIGAMMALN, id="d1")
bad("multigammaln", lambda: sd.multigammaln(v("a", 3), 0), ValueError,
    r"^multigammaln: the dimension d must be a positive integer, got 0", id="d")
bad("lambertw", lambda: sd.lambertw(v("a", 3), k=-1), ValueError,
    r"^lambertw: only the principal branch k=0 is real and supported, got k=-1", id="branch")
for _name, _nargs in (("erfcx", 1), ("lambertw", 1), ("ellipk", 1), ("gammainc", 2), ("huber", 2),
                      ("pseudo_huber", 2), ("powm1", 2)):
    bad(_name, lambda f=sd.FUNCTIONS[_name], n=_nargs: f(*[v("z", 3, dtype="complex128")] * n), sd.DTypeError,
        rf"^{_name} is defined here for real inputs only, got complex128", id="complex")
for _name, _nargs in (("xlogy", 2), ("ndtr", 1), ("erfinv", 1), ("betaln", 2)):
    bad(_name, lambda f=sd.FUNCTIONS[_name], n=_nargs: f(*[v("z", 3, dtype="complex128")] * n), sd.DTypeError, rf"^{_name} is defined here for real inputs only, got complex128", id="complex")

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
# divmod: both results, the quotient and the remainder, one above the other
for _sa, _sb in [((), ()), ((2, 3), (3,)), ((3,), ())]:
    good("divmod", *_quotient_pairs(_sa, _sb), call=lambda a, b: sd.stack(sd.divmod(a, b)),
         ref=lambda a, b: np.stack(np.divmod(a, b)))
good("divmod", np.array([7, -7, 7, -7, 0]), np.array([3, 3, -3, -3, 5]), call=lambda a, b: sd.stack(sd.divmod(a, b)),
     ref=lambda a, b: np.stack(np.divmod(a, b)), id="int-signs")
good("divmod", np.array([7, -7], np.int8), np.array([2, -3], np.int8),
     call=lambda a, b: sd.stack(divmod(a, b)), ref=lambda a, b: np.stack(divmod(a, b)), id="builtin-int8")
good("divmod", off_jumps(2, 3), call=lambda a: sd.stack(np.divmod(a, 2.0)),
     ref=lambda a: np.stack(np.divmod(a, 2.0)), id="numpy-ufunc")
good("divmod", off_jumps(3), call=lambda a: sd.stack(divmod(7.0, a)),
     ref=lambda a: np.stack(divmod(7.0, a)), id="rdivmod")
good("divmod", np.zeros((0, 2)), np.ones(2), call=lambda a, b: sd.stack(sd.divmod(a, b)),
     ref=lambda a, b: np.stack(np.divmod(a, b)), id="empty")
bad("divmod", lambda: sd.divmod(v("a", 3), v("b", 2)), sd.ShapeError,
    r"^divmod: shapes \(3,\) and \(2,\) do not broadcast", id="shapes")
# floor_divide: the quotients stay 0.1 from an integer, so finite differences see the zero slope
for _sa, _sb in [((), ()), ((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), ()), ((4, 1, 3), (3,))]:
    good("floor_divide", *_quotient_pairs(_sa, _sb), ref=np.floor_divide)
good("floor_divide", np.array([7.0, -7.0, 7.0, -7.0, -0.5, 0.5, 1.0]),
     np.array([2.0, 2.0, -2.0, -2.0, 1.0, -1.0, 0.1]), ref=np.floor_divide, zero_grad=True,
     id="signs-and-rounding")  # 1.0 // 0.1 is 9.0 in NumPy (the remainder is counted first)
good("floor_divide", np.array([7, -7, 7, -7]), np.array([3, 3, -3, -3]), ref=np.floor_divide,
     grad=False, id="int-signs")
good("floor_divide", np.array([7, -7, 3], np.int8), np.array([2, 2, -2], np.int8),
     ref=np.floor_divide, grad=False, id="int8")
good("floor_divide", np.array([True, False]), np.array([True, True]), ref=np.floor_divide,
     grad=False, id="bool")  # bool // bool is int8, as NumPy gives it
good("floor_divide", np.array([7, -7, 2]), off_jumps(3), ref=np.floor_divide, id="int-by-float")
good("floor_divide", off_jumps(2, 3), call=lambda a: a // 2.0, ref=lambda a: a // 2.0, id="operator")
good("floor_divide", off_jumps(2, 3), call=lambda a: 7.0 // a, ref=lambda a: 7.0 // a, id="roperator")
good("floor_divide", np.array([7, -8]), call=lambda i: i // 2, ref=lambda i: i // 2, grad=False,
     id="int-operator")
bad("floor_divide", lambda: sd.floor_divide(v("a", 2, 3), v("b", 4)), sd.ShapeError,
    r"floor_divide: shapes \(2, 3\) and \(4,\) do not broadcast", id="mismatch")
bad("floor_divide", lambda: v("z", 3, dtype="complex128") // 2.0, sd.DTypeError,
    r"floor_divide: NumPy cannot apply it to dtypes complex128, complex128", id="complex")
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
    r"clip: the argument 'out' is not supported; use the returned node$", id="out")
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
    good(_name, np.array([[1, 2, 4], [3, 5, 9]], dtype=np.int8), ref=_ref,
         kwargs={"axis": 1, "dtype": "float32"}, id="dtype")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=0, dtype="int32"), NotImplementedError,
        rf"{_name}: dtype=int32 is not supported; give a float or complex dtype", id="int-dtype")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=2), sd.ShapeError,
        rf"^{_name}: axis 2 is out of bounds for an array of 2 dimensions", id="axis")
    # NumPy 2's correction (ddof's array-API name) and a precomputed mean
    good(_name, normal(3, 4), ref=_ref, kwargs={"axis": 1, "correction": 1}, id="correction")
    good(_name, normal(3, 4),
         call=lambda x, f=sd.FUNCTIONS[_name]: f(x, axis=0, mean=sd.mean(x, 0, keepdims=True)),
         ref=lambda x, r=_ref: r(x, axis=0, mean=x.mean(0, keepdims=True)), id="mean")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), ddof=1, correction=1), ValueError,
        rf"^{_name}: give ddof or correction, not both", id="ddof-and-correction")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=0, mean=v("m", 3)), sd.ShapeError,
        rf"^{_name}: mean has shape \(3,\); it must be the mean with keepdims=True, of shape \(1, 3\)",
        id="mean-shape")
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
        rf"{_name}: the argument 'out' is not supported; use the returned node$", id="out")
for _name, _ref, _gen in [("cumsum", np.cumsum, normal), ("cumprod", np.cumprod, away_from_zero)]:
    good(_name, _gen(2, 3), call=lambda x, n=_name: sd.FUNCTIONS[n](x, axis=1, reverse=True),
         ref=lambda x, r=_ref: np.flip(r(np.flip(x, 1), axis=1), 1), id="reverse")
    bad(_name, lambda n=_name: sd.FUNCTIONS[n](v("a", 2, 3), reverse=1), TypeError,
        rf"{_name}: reverse must be True or False, got 1", id="reverse-type")
good("cumprod", np.array([[1.5, 0.0, 2.0, 0.0, 3.0], [0.0, 0.5, 2.0, -1.0, 0.0], [1.0, 2.0, -1.0, 0.5, 3.0]]),
     ref=np.cumprod, kwargs={"axis": 1}, order2=False, id="zeros")

# running maxima and minima: NumPy's np.maximum.accumulate, which builds them too
for _name, _ufunc in (("cummax", np.maximum), ("cummin", np.minimum)):
    _ref = lambda x, axis=None, u=_ufunc: u.accumulate(x.ravel() if axis is None else x, axis=axis or 0)
    good(_name, distinct(2, 3, 4), ref=_ref)
    for _axis in (0, 1, -1):
        good(_name, distinct(2, 3, 4), ref=_ref, kwargs={"axis": _axis})
    good(_name, distinct(6), ref=_ref, kwargs={"axis": 0})
    good(_name, distinct(), ref=_ref, id="scalar-flattens")
    good(_name, np.array([[3, -7, 2, 9], [5, 1, 0, 5]], dtype=np.int8), ref=_ref, kwargs={"axis": 1}, id="int8")
    good(_name, np.array([[True, False], [False, True]]), ref=_ref, kwargs={"axis": 0}, id="bool")
    good(_name, distinct(2, 3).astype(np.float16), ref=_ref, kwargs={"axis": 1}, grad=False, id="float16")
    good(_name, np.array([1 + 2j, 1 + 1j, 2 - 1j, 1 + 5j, 2 + 0j]), ref=_ref, id="complex")
    good(_name, np.zeros((2, 0)), ref=_ref, kwargs={"axis": 1}, id="empty")
    good(_name, distinct(3, 4), call=lambda x, u=_ufunc: u.accumulate(x, axis=-1),
         ref=lambda x, u=_ufunc: u.accumulate(x, axis=-1), id="ufunc-method")
    good(_name, distinct(3, 4), call=lambda x, u=_ufunc: u.accumulate(x),
         ref=lambda x, u=_ufunc: u.accumulate(x), id="ufunc-method-default-axis")
    good(_name, distinct(3, 4), call=lambda x, n=_name: sd.FUNCTIONS[n](x, axis=1, reverse=True),
         ref=lambda x, u=_ufunc: np.flip(u.accumulate(np.flip(x, 1), axis=1), 1), id="reverse")
    good(_name, distinct(3, 4), call=lambda x, n=_name: sd.FUNCTIONS[n](x, axis=0, reverse=True),
         ref=lambda x, u=_ufunc: np.flip(u.accumulate(np.flip(x, 0), axis=0), 0), id="reverse-axis0")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=-3), sd.ShapeError,
        rf"{_name}: axis -3 is out of bounds for an array of 2 dimensions", id="axis")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), out=np.zeros(6)), NotImplementedError,
        rf"{_name}: the argument 'out' is not supported; use the returned node$", id="out")


def _linear_recurrence(a, b, axis=-1, reverse=False, exclusive=False):
    """h[i] = a[i] * h[i-1] + b[i], written out one element at a time."""
    a, b = np.moveaxis(np.broadcast_to(a, np.broadcast_shapes(np.shape(a), np.shape(b))), axis, 0), \
        np.moveaxis(np.broadcast_to(b, np.broadcast_shapes(np.shape(a), np.shape(b))), axis, 0)
    order = range(len(b) - 1, -1, -1) if reverse else range(len(b))
    out = np.zeros(b.shape, np.result_type(a, b))
    h = None
    for i in order:
        if exclusive and h is not None:
            out[i] = h
        h = b[i] if h is None else a[i] * h + b[i]
        if not exclusive:
            out[i] = h
    return np.moveaxis(out, 0, axis)


good("linear_recurrence", normal(5), normal(5), ref=_linear_recurrence)
for _kw in [{"axis": 0}, {"axis": 1, "reverse": True}, {"axis": 1, "exclusive": True},
            {"axis": -1, "reverse": True, "exclusive": True}]:
    good("linear_recurrence", normal(2, 4), normal(2, 4), ref=_linear_recurrence, kwargs=_kw)
good("linear_recurrence", np.array([[1.5, 0.0, 2.0, 0.0], [0.0, 0.5, 0.0, -1.0]]), normal(2, 4),
     ref=_linear_recurrence, kwargs={"axis": 1, "exclusive": True}, id="zeros")
good("linear_recurrence", normal(3), normal(2, 3), ref=_linear_recurrence, id="broadcast")
good("linear_recurrence", np.array([np.inf, 2.0]), np.array([1.0, 1.0]), ref=_linear_recurrence,
     grad=False, id="inf-first")  # h[0] is b[0]: no inf * 0 before the first element
bad("linear_recurrence", lambda: sd.linear_recurrence(v("a", 2, 3), v("b", 2)), sd.ShapeError,
    r"linear_recurrence: ", id="shapes")
bad("linear_recurrence", lambda: sd.linear_recurrence(v("a", 3), v("b", 3), exclusive=1), TypeError,
    r"linear_recurrence: exclusive must be True or False, got 1", id="flag-type")
bad("linear_recurrence", lambda: sd.linear_recurrence(v("a", 3), v("b", 3), axis=1), sd.ShapeError,
    r"linear_recurrence: axis 1 is out of bounds", id="axis")

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
# average is built from mean (no weights) or sum (weights), whose names its errors once bore
bad("average", lambda: sd.average(v("a", 2, 3), keepdims="yes"), TypeError,
    r"^average: keepdims must be True or False, got 'yes'$", id="keepdims-no-weights")
bad("average", lambda: sd.average(v("a", 2, 3), 1, v("w", 3), keepdims=[1]), TypeError,
    r"^average: keepdims must be True or False, got \[1\]$", id="keepdims-weights")
# constant weights summing to zero: NumPy's ZeroDivisionError, when the graph is built (sd.zeros
# is a broadcast constant); weights that are expressions give the division's nan instead
_ZERO_SUM = r"average: weights sum to zero along axis {}, can't be normalized \(constant weights of shape {}\)"
bad("average", lambda: sd.average(v("a", 3), weights=np.zeros(3)), ZeroDivisionError,
    _ZERO_SUM.format(0, r"\(3,\)"), id="zero-weights")
bad("average", lambda: sd.average(v("a", 3), weights=sd.zeros(3)), ZeroDivisionError,
    _ZERO_SUM.format(0, r"\(3,\)"), id="sd-zeros-weights")
bad("average", lambda: sd.average(v("a", 2, 3), axis=-2, weights=sd.const([1.0, -1.0])), ZeroDivisionError,
    _ZERO_SUM.format(0, r"\(2,\)"), id="weights-cancel-1d")
bad("average", lambda: sd.average(v("a", 2, 3), axis=1, weights=[[1, -1, 0], [1, 1, 1]]), ZeroDivisionError,
    _ZERO_SUM.format(1, r"\(2, 3\)"), id="one-row-sums-to-zero")
bad("average", lambda: sd.average(v("a", 2, 3), weights=[[1, -1, 0], [1, 1, -2]]), ZeroDivisionError,
    _ZERO_SUM.format(r"\(0, 1\)", r"\(2, 3\)"), id="all-sum-to-zero")
good("average", normal(2, 3), ref=lambda a: np.average(a, axis=1, weights=[[1.0, -1.0, 2.0], [1.0, 1.0, 1.0]]),
     call=lambda a: sd.average(a, axis=1, weights=[[1.0, -1.0, 2.0], [1.0, 1.0, 1.0]]), id="signed-weights")

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
for _axis in ((0, 2), (-1, 0, 1)):  # several axes at once, as SciPy's and JAX's softmax
    good("softmax", normal(2, 3, 4), ref=lambda x, axis=-1: np.exp(_np_log_softmax(x, axis)),
         kwargs={"axis": _axis})
    good("log_softmax", normal(2, 3, 4), ref=_np_log_softmax, kwargs={"axis": _axis})
for _shape in ((), (5,), (3, 4), (2, 3, 4)):  # axis=None: every element at once, as SciPy's
    good("softmax", normal(*_shape), ref=special.softmax,
         kwargs={"axis": None}, id=f"axis-none-{len(_shape)}d")
    good("log_softmax", normal(*_shape), ref=special.log_softmax,
         kwargs={"axis": None}, id=f"axis-none-{len(_shape)}d")
for _name in ("softmax", "log_softmax"):
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=3), sd.ShapeError,
        rf"{_name}: axis 3 is out of bounds for an array of 2 dimensions", id="axis")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=()), sd.ShapeError,
        rf"{_name}: axis must name at least one axis, got \(\)", id="no-axis")

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
bad("dot", lambda: sd.dot(v("a", 2, 3, 4), v("b", 5, 3)), sd.ShapeError,
    r"dot: shapes \(2, 3, 4\) and \(5, 3\) do not align: the last axis of a has size 4, axis 0 "
    r"of b has size 5", id="align-nd")

for _spec, _shapes in [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij->ji", [(2, 3)]), ("ii->i", [(3, 3)]),
                       ("ii", [(3, 3)]), ("i,i->", [(3,), (3,)]), ("i,j->ij", [(2,), (3,)]),
                       ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("...ij,jk->...ik", [(2, 5, 3), (3, 4)]),
                       ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("ij->", [(2, 3)]),
                       ("ij,j", [(2, 3), (3,)]), ("ijk->kj", [(2, 3, 4)]), ("ij,kj->ikj", [(2, 3), (4, 3)])]:
    good("einsum", _spec, *(normal(*s) for s in _shapes), ref=np.einsum, id=_spec)
# a label's axes of size 1 broadcast, as in NumPy, in any operand (the gradient's einsums put the
# size-1 operand second)
for _spec, _shapes in [("ij,ij->ij", [(1, 3), (2, 3)]), ("ij,ij,ij->i", [(2, 3), (2, 3), (1, 3)]),
                       ("ij,jk->ik", [(2, 1), (3, 4)])]:
    good("einsum", _spec, *(normal(*s) for s in _shapes), ref=np.einsum,
         id=_spec + "-" + "-".join("x".join(map(str, s)) for s in _shapes))
# capital labels, as NumPy's (implicit output sorted by character code: capitals first)
for _spec, _shapes in [("BHQD,BHKD->BHQK", [(2, 2, 3, 2), (2, 2, 4, 2)]), ("aB,Ca", [(2, 3), (4, 2)]),
                       ("zZ", [(2, 3)]), ("...Q,Qk", [(2, 2, 3), (3, 2)])]:
    good("einsum", _spec, *(normal(*s) for s in _shapes), ref=np.einsum, id=_spec)
bad("einsum", lambda: sd.einsum("iJ,Jk->ik", v("a", 2, 3), v("b", 4, 5)), sd.ShapeError,
    r"einsum 'iJ,Jk->ik': label 'J' has sizes 3 and 4", id="capital-label-sizes")
bad("einsum", lambda: sd.einsum("ij,jk->ik", v("a", 2, 3), v("b", 4, 5)), sd.ShapeError,
    r"einsum 'ij,jk->ik': label 'j' has sizes 3 and 4", id="label-sizes")
bad("einsum", lambda: sd.einsum("ij,jk->ik", v("a", 2, 3)), sd.ShapeError,
    r"2 operand subscripts for 1 operands", id="operand-count")
bad("einsum", lambda: sd.einsum("ijk->ik", v("a", 2, 3)), sd.ShapeError,
    r"subscripts 'ijk' for an operand of 2 dimensions", id="rank")
bad("einsum", lambda: sd.einsum("ij->iz", v("a", 2, 3)), sd.ShapeError,
    r"output label 'z' is repeated or not in any operand", id="output-label")
# NumPy broadcasts a label's size-1 axes across operands, never within one: a diagonal of a
# (1, 2) operand is refused, as np.einsum refuses it (it was built, and failed when run)
bad("einsum", lambda: sd.einsum("ii->i", v("a", 1, 2)), sd.ShapeError,
    r"einsum 'ii->i': label 'i' has sizes 1 and 2 in operand 0 \(operand shapes \(1, 2\)\)",
    id="repeated-label-sizes")

# -- products and linear algebra ---------------------------------------------------------------------

for _spec, _shapes in [("i...j,j->i...", [(2, 3, 4), (4,)]), ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
                       ("...i,...i", [(2, 3), (3,)]), ("...ii->...i", [(2, 3, 3)]),
                       ("b...i,...i->b...", [(2, 3, 4), (3, 4)]), ("i...,...i->...", [(2, 3), (3, 2)]),
                       ("i...", [(2, 3, 4)]), ("ij...,jk->ik...", [(2, 3), (3, 4)])]:
    good("einsum", _spec, *(normal(*s) for s in _shapes), ref=np.einsum, id=_spec)
bad("einsum", lambda: sd.einsum("i...j,...j->i...", v("a", 2, 5, 3), v("b", 5, 4)), sd.ShapeError,
    r"einsum 'i\.\.\.j,\.\.\.j->i\.\.\.': label 'j' has sizes 3 and 4", id="ellipsis-label-sizes")
bad("einsum", lambda: sd.einsum("i...->i", v("a", 2, 3)), sd.ShapeError,
    r"einsum 'i\.\.\.->i': the output must keep '\.\.\.'", id="ellipsis-dropped")
bad("einsum", lambda: sd.einsum("ij", v("a", 2, 3, 4)), sd.ShapeError,
    r"einsum 'ij': subscripts 'ij' for an operand of 3 dimensions", id="rank-no-ellipsis")

good("tensordot", normal(2, 3, 4), normal(3, 4, 2), ref=np.tensordot, id="axes2")
good("tensordot", normal(2, 3), normal(3, 4), ref=np.tensordot, kwargs={"axes": 1}, id="axes1")
good("tensordot", normal(2), normal(3), ref=np.tensordot, kwargs={"axes": 0}, id="axes0")
good("tensordot", normal(2, 3, 4), normal(3, 5, 2), ref=np.tensordot,
     kwargs={"axes": ([1, 0], [0, 2])}, id="pairs")
good("tensordot", normal(2, 3), normal(4, 3), ref=np.tensordot, kwargs={"axes": (1, 1)}, id="int-pair")
bad("tensordot", lambda: sd.tensordot(v("a", 2, 3), v("b", 4, 3), axes=1), sd.ShapeError,
    r"tensordot: shapes \(2, 3\) and \(4, 3\) do not align: axis 1 of a has size 3, axis 0 of b has "
    r"size 4", id="align")
bad("tensordot", lambda: sd.tensordot(v("a", 2, 3), v("b", 3), axes=([0, 1], [0])), sd.ShapeError,
    r"tensordot: axes \(\[0, 1\], \[0\]\) name 2 axes of a and 1 of b", id="counts")
bad("tensordot", lambda: sd.tensordot(v("a", 2), v("b", 2), axes=3), sd.ShapeError,
    r"tensordot: axes=3 does not fit shapes \(2,\) and \(2,\)", id="too-many")

good("outer", normal(3), normal(4), ref=np.outer)
good("outer", normal(2, 2), normal(3), ref=np.outer, id="flattens")
good("inner", normal(3), normal(3), ref=np.inner)
good("inner", normal(2, 3), normal(4, 3), ref=np.inner)
good("inner", normal(2, 3, 4), normal(4), ref=np.inner)
good("inner", normal(), normal(2, 3), ref=np.inner, id="scalar")
bad("inner", lambda: sd.inner(v("a", 2, 3), v("b", 2)), sd.ShapeError,
    r"inner: shapes \(2, 3\) and \(2,\) do not align: their last axes have sizes 3 and 2", id="align")
good("vdot", normal(3), normal(3), ref=np.vdot)
good("vdot", normal(2, 3), normal(3, 2), ref=np.vdot, id="flattens")
# flattening a named dimension with others: the error names the function that flattens
for _name, _call in [("cumsum", lambda: sd.cumsum(v("a", "n", 3))),
                     ("cumprod", lambda: sd.cumprod(v("a", "n", 3))),
                     ("outer", lambda: sd.outer(v("a", "n", 3), v("b", 2))),
                     ("vdot", lambda: sd.vdot(v("a", "n", 3), v("b", "n", 3)))]:
    bad(_name, _call, sd.ShapeError,
        rf"^{_name}: the unknown size in \(-1,\) would have to stand for a product of named dimensions of \(n, 3\)",
        id="flatten-named")
bad("vdot", lambda: sd.vdot(v("a", 2, 3), v("b", 5)), sd.ShapeError,
    r"vdot: shapes \(2, 3\) and \(5,\) hold different numbers of elements", id="size")
good("kron", normal(2, 2), normal(2, 3), ref=np.kron)
good("kron", normal(3), normal(2), ref=np.kron)
good("kron", normal(2), normal(2, 3), ref=np.kron, id="ranks")
good("kron", normal(2, 1, 2), normal(2, 2), ref=np.kron, id="3d")


def invertible(*shape: int) -> np.ndarray:
    """Well-conditioned square matrices: the identity times 3 plus noise."""
    return np.eye(shape[-1]) * 3 + normal(*shape)


def spd(*shape: int) -> np.ndarray:
    """Symmetric positive-definite matrices with eigenvalues well apart (in [1, 2n])."""
    n = shape[-1]
    q, _ = np.linalg.qr(normal(*shape))
    w = np.arange(1, n + 1) * 2.0 - 1.0 + uniform(*shape[:-1], low=0.0, high=0.5)
    return np.einsum("...ij,...j,...kj->...ik", q, w, q)


for _shape in [(2, 2), (3, 3), (2, 3, 3)]:
    good("linalg.inv", invertible(*_shape), ref=np.linalg.inv)
    good("linalg.det", invertible(*_shape), ref=np.linalg.det)
    good("linalg.slogdet", invertible(*_shape), call=lambda a: sd.linalg.slogdet(a)[1],
         ref=lambda a: np.linalg.slogdet(a)[1], id="logabsdet")
good("linalg.det", -invertible(3, 3), ref=np.linalg.det, id="negative")


def cofactor_matrix(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix by its definition, signed minors (np.linalg.det of each submatrix):
    defined at singular matrices too."""
    n = a.shape[-1]
    out = np.empty(a.shape, np.result_type(a, 1.0))
    for i, j in itertools.product(range(n), repeat=2):
        minor = np.delete(np.delete(a, i, axis=-2), j, axis=-1)
        out[..., i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return out


def det_derivative_reference(a: np.ndarray, *directions: np.ndarray) -> np.ndarray:
    """The gradient of det's derivative along ``directions``: det is linear in each row, so its
    derivative is a sum over distinct rows of determinants with those rows replaced."""
    a, *directions = np.broadcast_arrays(a, *directions)
    total = np.zeros(a.shape, np.result_type(a, *directions, 1.0))
    for rows in itertools.permutations(range(a.shape[-1]), len(directions)):
        m = a.astype(total.dtype)
        for r, x in zip(rows, directions):
            m[..., r, :] = x[..., r, :]
        c = cofactor_matrix(m)
        c[..., list(rows), :] = 0
        total += c
    return total


def of_rank(rank: int, *shape: int) -> np.ndarray:
    """Square matrices of the given rank (products of n x rank and rank x n factors)."""
    n = shape[-1]
    return normal(*shape[:-1], rank) @ normal(*shape[:-2], rank, n)


# det's gradient is the cofactor matrix, which singular matrices have too (det(A) inv(A)^T has
# none): rank n - 1, where it is a rank-one matrix, and rank n - 2, where it is zero but not its
# derivative, as the second derivatives (checked against differences of the gradient) show
for _rank, _shape in [(2, (3, 3)), (1, (3, 3)), (3, (4, 4)), (2, (4, 4)), (2, (2, 3, 3)), (0, (2, 2))]:
    good("linalg.det", of_rank(_rank, *_shape), ref=np.linalg.det,
         id=f"rank{_rank}-{'x'.join(map(str, _shape))}")
good("linalg.det", np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]), ref=np.linalg.det,
     id="singular-rows")
good("linalg.det", invertible(3, 3) + 1j * normal(3, 3) * 0.1, ref=np.linalg.det, grad=False, id="complex")
for _shape, _rank in [((1, 1), 1), ((2, 2), 2), ((3, 3), 3), ((2, 3, 3), 3), ((3, 3), 2), ((4, 4), 2),
                      ((3, 3), 0)]:
    good("linalg.det_derivative", of_rank(_rank, *_shape), ref=det_derivative_reference,
         id=f"rank{_rank}-{'x'.join(map(str, _shape))}")
    good("linalg.det_derivative", of_rank(_rank, *_shape), normal(*_shape), ref=det_derivative_reference,
         id=f"one-direction-rank{_rank}-{'x'.join(map(str, _shape))}")
for _rank in (4, 3, 2):
    good("linalg.det_derivative", of_rank(_rank, 4, 4), normal(4, 4), normal(2, 4, 4),
         ref=det_derivative_reference, id=f"two-directions-rank{_rank}")
good("linalg.det_derivative", invertible(3, 3), normal(3, 3), normal(3, 3), normal(3, 3),
     ref=det_derivative_reference, id="three-directions")
# det of a 2 x 2 matrix has no third derivative: this one's gradient by a is zero
good("linalg.det_derivative", invertible(2, 2), normal(2, 2), normal(2, 2), ref=det_derivative_reference,
     id="past-n")
good("linalg.det_derivative", np.array([[1, 2], [3, 4]]), ref=det_derivative_reference, grad=False, id="int")
good("linalg.det_derivative", invertible(3, 3) + 1j * normal(3, 3), normal(3, 3), ref=det_derivative_reference,
     grad=False, id="complex")
good("linalg.det_derivative", np.zeros((0, 0)), ref=det_derivative_reference, grad=False, id="empty")
bad("linalg.det_derivative", lambda: sd.linalg.det_derivative(v("a", 3, 3), v("x", 3, 2)), sd.ShapeError,
    r"^linalg.det_derivative: direction 0 of shape \(3, 2\) is not a matrix \(or stack of them\) of the "
    r"shape of a, \(3, 3\)$", id="direction")
bad("linalg.det_derivative", lambda: sd.linalg.det_derivative(v("a", 2, 3, 3), v("x", 4, 3, 3)), sd.ShapeError,
    r"^linalg.det_derivative: shapes \(2,\) and \(4,\) do not broadcast", id="batch")
good("linalg.inv", np.array([[2, 1], [1, 3]]), ref=np.linalg.inv, id="int")
for _n in (0, 1, 3, 4, -2):
    good("linalg.matrix_power", invertible(3, 3) / 2, _n, ref=np.linalg.matrix_power, id=f"n{_n}",
         zero_grad=_n == 0)
good("linalg.matrix_power", invertible(2, 3, 3) / 2, 5, ref=np.linalg.matrix_power, id="stack")
good("linalg.matrix_power", np.array([[1, 2], [3, 4]]), 3, ref=np.linalg.matrix_power, grad=False, id="int")
bad("linalg.matrix_power", lambda: sd.linalg.matrix_power(v("a", 2, 3), 2), sd.ShapeError,
    r"^linalg.matrix_power: last 2 dimensions of the array must be square")
bad("linalg.matrix_power", lambda: sd.linalg.matrix_power(v("a", 2, 2), 1.5), TypeError,
    r"^linalg.matrix_power: the exponent must be an integer", id="float")
good("linalg.multi_dot", normal(3), normal(3, 4), normal(4, 2), normal(2),
     call=lambda a, b, c, d: sd.linalg.multi_dot([a, b, c, d]),
     ref=lambda a, b, c, d: np.linalg.multi_dot([a, b, c, d]))
good("linalg.multi_dot", normal(2, 3), normal(3, 4), call=lambda a, b: sd.linalg.multi_dot([a, b]),
     ref=lambda a, b: np.linalg.multi_dot([a, b]), id="two")
bad("linalg.multi_dot", lambda: sd.linalg.multi_dot([v("a", 2, 2)]), ValueError,
    r"^linalg.multi_dot: expecting at least two arrays")
good("linalg.slogdet", -invertible(3, 3), call=lambda a: sd.linalg.slogdet(a).logabsdet,
     ref=lambda a: np.linalg.slogdet(a).logabsdet, id="negative")
good("linalg.slogdet", invertible(2, 3, 3) * np.array([1.0, -1.0])[:, None, None],
     call=lambda a: sd.linalg.slogdet(a).sign, ref=lambda a: np.linalg.slogdet(a).sign,
     zero_grad=True, id="sign")
for _name in ("inv", "det", "det_derivative", "slogdet", "cholesky", "eigh", "eigvalsh"):
    bad(f"linalg.{_name}", lambda f=sd.FUNCTIONS[f"linalg.{_name}"]: f(v("a", 2, 3)), sd.ShapeError,
        rf"^linalg.{_name}: expected a square matrix or a stack of "
        r"them, shape \(\.\.\., n, n\); got shape \(2, 3\)", id="not-square")
bad("linalg.inv", lambda: sd.linalg.inv(v("a", 3)), sd.ShapeError, r"linalg.inv: .*got shape \(3,\)",
    id="vector")
# NumPy's linalg (LAPACK) has no float16 routines: refused when built, not at evaluation
for _name in ("inv", "det", "det_derivative", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals",
              "qr", "pinv", "solve", "lstsq"):
    bad(f"linalg.{_name}", lambda f=sd.FUNCTIONS[f"linalg.{_name}"], n=_name: (
        f(v("a", 3, 3, dtype="float16"), *([v("b", 3, dtype="float16")] if n in ("solve", "lstsq") else []))),
        sd.DTypeError, rf"^linalg\.{_name}: float16 matrices are not supported by NumPy's linalg; convert "
        r"them with astype\('float32'\)", id="float16")
bad("linalg.cholesky", lambda: sd.linalg.cholesky(v("a", 2, 2, dtype="complex128")), NotImplementedError,
    r"linalg.cholesky: complex matrices are not supported", id="complex")
good("linalg.inv", invertible(3, 3) + 1j * normal(3, 3) * 0.1, ref=np.linalg.inv, grad=False, id="complex")

for _sa, _sb in [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3, 2)),
                 ((3, 3), (2, 3, 1)), ((2, 3, 3), (3, 2)), ((2, 1, 3, 3), (4, 3, 2))]:
    good("linalg.solve", invertible(*_sa), normal(*_sb), ref=np.linalg.solve)
bad("linalg.solve", lambda: sd.linalg.solve(v("a", 3, 3), v("b", 4)), sd.ShapeError,
    r"linalg.solve: a of shape \(3, 3\) and the vector b of shape \(4,\) do not align \(3 != 4\)",
    id="vector")
bad("linalg.solve", lambda: sd.linalg.solve(v("a", 3, 3), v("b", 2, 4, 2)), sd.ShapeError,
    r"linalg.solve: a of shape \(3, 3\) and b of shape \(2, 4, 2\) do not align: b must be a vector "
    r"\(n,\) or matrices \(\.\.\., n, k\) with n = 3", id="matrix")
bad("linalg.solve", lambda: sd.linalg.solve(v("a", 2, 3, 3), v("b", 4, 3, 1)), sd.ShapeError,
    r"linalg.solve: shapes \(2,\) and \(4,\) do not broadcast", id="batch")

for _shape in [(2, 2), (3, 3), (2, 3, 3)]:
    good("linalg.cholesky", spd(*_shape), ref=np.linalg.cholesky)
    good("linalg.eigvalsh", spd(*_shape), ref=np.linalg.eigvalsh)
    good("linalg.eigh", spd(*_shape), call=lambda a: sd.linalg.eigh(a)[0],
         ref=lambda a: np.linalg.eigh(a)[0], id="values")
    good("linalg.eigh", spd(*_shape), call=lambda a: sd.linalg.eigh(a).eigenvectors,
         ref=lambda a: np.linalg.eigh(a).eigenvectors, id="vectors")
good("linalg.cholesky", spd(3, 3) + np.triu(normal(3, 3), 1), ref=np.linalg.cholesky, id="reads-lower")
good("linalg.cholesky", spd(3, 3) + np.tril(normal(3, 3), -1), ref=np.linalg.cholesky,
     kwargs={"upper": True}, id="upper")
good("linalg.eigh", spd(3, 3) + np.triu(normal(3, 3), 1), call=lambda a: sd.linalg.eigh(a)[1],
     ref=lambda a: np.linalg.eigh(a)[1], id="reads-lower")
good("linalg.eigh", spd(3, 3) + np.tril(normal(3, 3), -1), call=lambda a: sd.linalg.eigh(a, "U")[1],
     ref=lambda a: np.linalg.eigh(a, "U")[1], id="upper")
good("linalg.eigvalsh", spd(3, 3) + np.tril(normal(3, 3), -1), ref=np.linalg.eigvalsh,
     kwargs={"UPLO": "U"}, id="upper")
good("linalg.eigh", spd(3, 3) + np.tril(normal(3, 3), -1), call=lambda a: sd.linalg.eigh(a, "U")[0],
     ref=lambda a: np.linalg.eigh(a, "U")[0], id="upper-values")
bad("linalg.eigh", lambda: sd.linalg.eigh(v("a", 2, 2), "X"), ValueError,
    r"linalg.eigh: UPLO must be 'L' or 'U', got 'X'", id="uplo")

for _shape in [(3, 3), (4, 2), (2, 4), (2, 3, 2)]:
    good("linalg.svdvals", normal(*_shape), ref=lambda a: np.linalg.svd(a, compute_uv=False))
bad("linalg.svdvals", lambda: sd.linalg.svdvals(v("a", 3)), sd.ShapeError,
    r"linalg.svdvals: expected a matrix or a stack of them, shape \(\.\.\., m, n\); got shape \(3,\)",
    id="vector")
# min(n, 3) singular values: which side is smaller is known only when the graph runs
bad("linalg.svdvals", lambda: sd.linalg.svdvals(v("a", "n", 3)), NotImplementedError,
    r"linalg.svdvals: the size min\('n', 3\) of the result depends on the size the named dimension "
    r"of \(n, 3\) takes; give the matrix static sizes", id="named")
bad("linalg.svd", lambda: sd.linalg.svd(v("a", 3, "n"), full_matrices=False), NotImplementedError,
    r"linalg.svd: the size min\(3, 'n'\) of the result depends on the size the named dimension", id="named")
bad("linalg.qr", lambda: sd.linalg.qr(v("a", "n", 3)), NotImplementedError,
    r"linalg.qr: the size min\('n', 3\) of the result depends on the size the named dimension", id="named")
bad("linalg.norm", lambda: sd.linalg.norm(v("a", "n", 3), "nuc"), NotImplementedError,
    r"linalg.svdvals: the size min\('n', 3\) of the result", id="named-nuc")
for _shape in [(3, 3), (4, 2), (2, 4), (2, 3, 2)]:
    for _k, _part in enumerate(("U", "S", "Vh")):
        good("linalg.svd", normal(*_shape), call=lambda a, k=_k: sd.linalg.svd(a, full_matrices=False)[k],
             ref=lambda a, k=_k: np.linalg.svd(a, full_matrices=False)[k], id=f"reduced-{_part}")
good("linalg.svd", normal(3, 3), call=lambda a: sd.linalg.svd(a).Vh, ref=lambda a: np.linalg.svd(a).Vh,
     id="square-full")
good("linalg.svd", normal(2, 4, 2), call=lambda a: sd.linalg.svd(a).U, ref=lambda a: np.linalg.svd(a).U,
     grad=False, id="full-U")
good("linalg.svd", normal(2, 4), call=lambda a: sd.linalg.svd(a)[2], ref=lambda a: np.linalg.svd(a)[2],
     grad=False, id="full-Vh")
for _shape in [(3, 3), (2, 4, 2), (2, 4)]:  # S has a derivative whatever full_matrices
    good("linalg.svd", normal(*_shape), call=lambda a: sd.linalg.svd(a).S, ref=lambda a: np.linalg.svd(a).S,
         id="full-S")
good("linalg.svd", normal(4, 3), ref=np.linalg.svd,
     kwargs={"compute_uv": False}, id="values")
bad("linalg.svd", lambda: sd.linalg.svd(v("a", 3)), sd.ShapeError,
    r"linalg.svd: expected a matrix or a stack of them, shape \(\.\.\., m, n\); got shape \(3,\)",
    id="vector")
bad("linalg.svd", lambda: sd.linalg.svd(v("a", 2, 2), hermitian=True), NotImplementedError,
    r"linalg.svd: hermitian=True is not supported", id="hermitian")
bad("linalg.svd", lambda: sd.linalg.svd(v("a", 2, 2), full_matrices="no"), TypeError,
    r"linalg.svd: full_matrices must be True or False, got 'no'", id="flag")
bad("linalg.svd", lambda: sd.linalg.svd(v("a", 2, 2, dtype="complex128")), NotImplementedError,
    r"linalg.svd: complex matrices are not supported", id="complex")
for _shape in [(3, 3), (4, 2), (2, 4), (2, 3, 2), (2, 2, 3)]:
    for _k, _part in enumerate(("Q", "R")):
        good("linalg.qr", normal(*_shape), call=lambda a, k=_k: sd.linalg.qr(a)[k],
             ref=lambda a, k=_k: np.linalg.qr(a)[k], id=f"reduced-{_part}")
good("linalg.qr", normal(4, 2), call=lambda a: sd.linalg.qr(a, "complete").Q,
     ref=lambda a: np.linalg.qr(a, "complete").Q, grad=False, id="complete-Q")
good("linalg.qr", normal(2, 4, 2), call=lambda a: sd.linalg.qr(a, mode="complete").R,
     ref=lambda a: np.linalg.qr(a, mode="complete").R, id="complete-R")
good("linalg.qr", normal(2, 4), call=lambda a: sd.linalg.qr(a, "complete")[0],
     ref=lambda a: np.linalg.qr(a, "complete")[0], id="complete-wide")
good("linalg.qr", normal(4, 3), ref=np.linalg.qr, kwargs={"mode": "r"}, id="r")
bad("linalg.qr", lambda: sd.linalg.qr(v("a", 3)), sd.ShapeError,
    r"linalg.qr: expected a matrix or a stack of them, shape \(\.\.\., m, n\); got shape \(3,\)",
    id="vector")
bad("linalg.qr", lambda: sd.linalg.qr(v("a", 2, 2), "full"), ValueError,
    r"linalg.qr: unrecognized mode 'full'; use 'reduced', 'complete' or 'r'", id="mode")
bad("linalg.qr", lambda: sd.linalg.qr(v("a", 2, 2), "raw"), NotImplementedError,
    r"linalg.qr: mode='raw' .* is not supported", id="raw")
bad("linalg.qr", lambda: sd.linalg.qr(v("a", 2, 2, dtype="complex128")), NotImplementedError,
    r"linalg.qr: complex matrices are not supported", id="complex")
for _shape in [(3, 3), (4, 2), (2, 4), (2, 3, 2)]:
    good("linalg.pinv", normal(*_shape), ref=np.linalg.pinv)
good("linalg.pinv", normal(3, 2) @ normal(2, 4), ref=np.linalg.pinv, grad=False, id="rank-2")
for _keyword, _cutoff in [("rcond", 1e-10), ("rtol", None)]:
    good("linalg.pinv", np.diag([2.0, 1e-12]), ref=np.linalg.pinv, kwargs={_keyword: _cutoff}, grad=False,
         id=_keyword)
good("linalg.pinv", np.array([[1, 2], [3, 4], [5, 7]]), ref=np.linalg.pinv, id="int")
bad("linalg.pinv", lambda: sd.linalg.pinv(v("a", 3)), sd.ShapeError,
    r"linalg.pinv: expected a matrix or a stack of them, shape \(\.\.\., m, n\); got shape \(3,\)",
    id="vector")
bad("linalg.pinv", lambda: sd.linalg.pinv(v("a", 2, 2), rcond=0.1, rtol=0.1), ValueError,
    r"linalg.pinv: give rcond or rtol, not both", id="both")
bad("linalg.pinv", lambda: sd.linalg.pinv(v("a", 2, 2), rcond=v("r")), TypeError,
    r"linalg.pinv: rcond must be a number", id="symbolic-rcond")
bad("linalg.pinv", lambda: sd.linalg.pinv(v("a", 2, 2), hermitian=True), NotImplementedError,
    r"linalg.pinv: hermitian=True is not supported", id="hermitian")
for _sa, _sb in [((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 5), (3,)), ((3, 3), (3, 2))]:
    for _k, _part in enumerate(("x", "residuals", "rank", "s")):
        if _part == "residuals" and _sa[0] <= _sa[1]:
            continue  # an empty array, as NumPy's
        good("linalg.lstsq", normal(*_sa), normal(*_sb), call=lambda a, b, k=_k: sd.linalg.lstsq(a, b)[k],
             ref=lambda a, b, k=_k: np.linalg.lstsq(a, b)[k], grad=_part != "rank", id=_part)
good("linalg.lstsq", normal(3, 5), normal(3, 2), call=lambda a, b: sd.linalg.lstsq(a, b).residuals,
     ref=lambda a, b: np.linalg.lstsq(a, b)[1], grad=False, id="no-residuals")
good("linalg.lstsq", normal(4, 1) @ normal(1, 3), normal(4), call=lambda a, b: sd.linalg.lstsq(a, b).rank,
     ref=lambda a, b: np.linalg.lstsq(a, b)[2], grad=False, id="rank-1")
good("linalg.lstsq", normal(4, 1) @ normal(1, 3), normal(4), call=lambda a, b: sd.linalg.lstsq(a, b, 1e-8).x,
     ref=lambda a, b: np.linalg.lstsq(a, b, 1e-8)[0], grad=False, id="rank-1-x")
good("linalg.lstsq", np.array([[1, 0], [1, 1], [1, 2]]), normal(3).astype(np.float32),
     call=lambda a, b: sd.linalg.lstsq(a, b)[0], ref=lambda a, b: np.linalg.lstsq(a, b)[0], grad=False,
     id="int-float32")
bad("linalg.lstsq", lambda: sd.linalg.lstsq(v("a", 2, 3, 2), v("b", 3)), sd.ShapeError,
    r"linalg.lstsq: a must be a matrix \(m, n\), got shape \(2, 3, 2\)", id="stack")
bad("linalg.lstsq", lambda: sd.linalg.lstsq(v("a", 3, 2), v("b", 2)), sd.ShapeError,
    r"linalg.lstsq: a of shape \(3, 2\) and b of shape \(2,\) do not align: b must be \(m,\) or "
    r"\(m, k\) with m = 3", id="align")
bad("linalg.lstsq", lambda: sd.linalg.lstsq(v("a", "m", 2), v("b", "m")), NotImplementedError,
    r"linalg.lstsq: needs a static matrix size, not the named dimensions of \(m, 2\)", id="named")
bad("linalg.lstsq", lambda: sd.linalg.lstsq(v("a", 3, 2), v("b", 3), rcond="x"), TypeError,
    r"linalg.lstsq: rcond must be a number, got 'x'", id="rcond")

for _ord in (None, 2, 1, np.inf, -np.inf, 3, 0.5, -1.5):
    good("linalg.norm", away_from_zero(4), ref=np.linalg.norm, kwargs={"ord": _ord})
good("linalg.norm", np.array([0.0, 1.5, -2.0, 0.0]), ref=np.linalg.norm, kwargs={"ord": 0},
     zero_grad=True, id="ord0")
for _ord in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
    good("linalg.norm", away_from_zero(3, 3), ref=np.linalg.norm, kwargs={"ord": _ord})
good("linalg.norm", away_from_zero(4, 2), ref=np.linalg.norm, kwargs={"ord": "nuc"}, id="nuc-tall")
# NumPy's largest |x| starts from 0: a vector of no elements has inf-norm 0, not an error
good("linalg.norm", np.zeros((3, 0)), ref=np.linalg.norm, kwargs={"ord": np.inf, "axis": 1},
     grad=False, id="inf-of-empty")
# the largest column sum, row sum or singular value of a matrix with no elements is 0 in NumPy
for _ord, _shape in [(1, (3, 0)), (np.inf, (0, 3)), (2, (0, 3)), (2, (2, 3, 0))]:
    good("linalg.norm", np.zeros(_shape), ref=np.linalg.norm, kwargs={"ord": _ord, "axis": (-2, -1)},
         grad=False, id=f"empty-{_ord}-{'x'.join(map(str, _shape))}")
good("linalg.norm", normal(2, 3, 4), ref=np.linalg.norm, id="all-axes")
good("linalg.norm", normal(2, 3, 4), ref=np.linalg.norm, kwargs={"keepdims": True}, id="all-keepdims")
# NumPy 2's vector_norm (several axes as one vector) and matrix_norm (the last two axes)
for _kw in ({}, {"axis": (0, 2), "ord": 1}, {"axis": -1, "keepdims": True, "ord": np.inf},
            {"axis": (2, 1), "keepdims": True, "ord": 3}):
    good("linalg.vector_norm", away_from_zero(2, 3, 4), ref=np.linalg.vector_norm, kwargs=_kw)
for _ord in ("fro", "nuc", 1, -2, np.inf):
    good("linalg.matrix_norm", away_from_zero(2, 3, 4), ref=np.linalg.matrix_norm,
         kwargs={"ord": _ord, "keepdims": _ord == 1})
bad("linalg.matrix_norm", lambda: sd.linalg.matrix_norm(v("a", 3)), sd.ShapeError,
    r"linalg.matrix_norm: needs matrices, an array of at least 2 dimensions; got shape \(3,\)",
    id="vector")
bad("linalg.vector_norm", lambda: sd.linalg.vector_norm(v("a", 3), axis=(0, 0)), sd.ShapeError,
    r"linalg.vector_norm: ", id="repeated-axis")
good("linalg.norm", normal(2, 3, 4), ref=np.linalg.norm, kwargs={"axis": 1}, id="axis1")
good("linalg.norm", away_from_zero(2, 3, 4), ref=np.linalg.norm, kwargs={"axis": -1, "ord": 1, "keepdims": True},
     id="axis-1-ord1-keepdims")
good("linalg.norm", normal(2, 3, 4), ref=np.linalg.norm, kwargs={"axis": (0, 2)}, id="fro-axes")
good("linalg.norm", away_from_zero(2, 3, 4), ref=np.linalg.norm, kwargs={"axis": (2, 0), "ord": 1},
     id="ord1-axes")
good("linalg.norm", normal(2, 3, 4), ref=np.linalg.norm, kwargs={"axis": (1, 2), "ord": "nuc", "keepdims": True},
     id="nuc-batched-keepdims")
good("linalg.norm", normal(2, 3, 2), ref=np.linalg.norm, kwargs={"axis": (-2, -1), "ord": 2}, id="2-batched")
good("linalg.norm", np.array([[1, 2], [3, 4]]), ref=np.linalg.norm, id="int")
bad("linalg.norm", lambda: sd.linalg.norm(v("x", 3), "fro"), ValueError,
    r"linalg.norm: invalid norm order 'fro' for vectors", id="fro-vector")
bad("linalg.norm", lambda: sd.linalg.norm(v("x", 3, 3), 3), ValueError,
    r"linalg.norm: invalid norm order 3 for matrices", id="ord3-matrix")
bad("linalg.norm", lambda: sd.linalg.norm(v("x", 2, 3, 4), 2), sd.ShapeError,
    r"linalg.norm: ord=2 without axis needs a vector or a matrix, got shape \(2, 3, 4\)", id="3d")
bad("linalg.norm", lambda: sd.linalg.norm(v("x", 2, 3), axis=(1, -1)), sd.ShapeError,
    r"linalg.norm: duplicate axes \(1, -1\)", id="duplicate-axes")

# -- shapes ------------------------------------------------------------------------------------------

good("reshape", normal(2, 3), (3, 2), ref=np.reshape)
good("reshape", normal(2, 3), (-1,), ref=np.reshape)
good("reshape", normal(2, 3, 4), (4, -1), ref=np.reshape)
good("reshape", normal(6), (1, 6, 1), ref=np.reshape)
good("reshape", normal(), (1, 1), ref=np.reshape)
good("reshape", normal(2, 3), call=lambda x: x.reshape(6), ref=lambda x: x.reshape(6), id="method")
good("reshape", normal(2, 3), call=lambda x: sd.reshape(x, np.array([3, -1])),
     ref=lambda x: np.reshape(x, np.array([3, -1])), id="array-shape")
good("reshape", normal(2, 3, 4), call=lambda x: sd.reshape(x, (4, -1), order="F"),
     ref=lambda x: np.reshape(x, (4, -1), order="F"), id="order-F")
good("reshape", normal(2, 3), call=lambda x: x.reshape(3, 2, order="F"),
     ref=lambda x: x.reshape(3, 2, order="F"), id="method-order-F")
bad("reshape", lambda: sd.reshape(v("a", 2, 3), (3, 2), order="A"), NotImplementedError,
    r"reshape: order='A' is not supported", id="order-A")
bad("reshape", lambda: sd.reshape(v("a", 2, 3), (4, 2)), sd.ShapeError,
    r"reshape: cannot reshape an array of shape \(2, 3\) into shape \(4, 2\)", id="size")
bad("reshape", lambda: sd.reshape(v("a", 2, 3), (-1, -1)), sd.ShapeError,
    r"can only specify one unknown dimension", id="two-unknown")
# NumPy reads any negative size as the unknown one (np.ones(12).reshape(-2, 6) is (2, 6))
good("reshape", normal(12), (-2, 6), ref=np.reshape, id="minus-two")
good("reshape", normal(2, 3, 4), call=lambda x: x.reshape(-7, 2, order="F"),
     ref=lambda x: x.reshape(-7, 2, order="F"), id="minus-seven-F")
bad("reshape", lambda: sd.reshape(v("a", 2, 3), (-2, -1)), sd.ShapeError,
    r"reshape: can only specify one unknown dimension \(a negative size, such as -1\) in \(-2, -1\)",
    id="two-negative")
bad("reshape", lambda: sd.reshape(v("a", 12), (-2, 5)), sd.ShapeError,
    r"reshape: cannot reshape an array of shape \(12,\) into shape \(-2, 5\)", id="negative-size")
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
good("swapaxes", normal(2, 3, 4), ref=np.swapaxes, kwargs={"axis1": -1, "axis2": 0}, id="keywords")
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
for _name in ("hstack", "vstack", "column_stack"):
    good(_name, normal(3), normal(3), call=lambda a, b, _n=_name: getattr(sd, _n)([a, b]),
         ref=lambda a, b, _n=_name: getattr(np, _n)([a, b]), id="1d")
    good(_name, normal(2, 3), normal(2, 3), call=lambda a, b, _n=_name: getattr(sd, _n)([a, b * 2]),
         ref=lambda a, b, _n=_name: getattr(np, _n)([a, b * 2]), id="2d")
good("hstack", normal(), normal(2), call=lambda a, b: sd.hstack([a, b]), ref=lambda a, b: np.hstack([a, b]),
     id="scalar")
good("vstack", normal(3), normal(2, 3), call=lambda a, b: sd.vstack([a, b]), ref=lambda a, b: np.vstack([a, b]),
     id="row")
good("column_stack", normal(2), normal(2, 3), call=lambda a, b: sd.column_stack([a, b]),
     ref=lambda a, b: np.column_stack([a, b]), id="mixed")
bad("vstack", lambda: sd.vstack([]), ValueError, r"vstack needs at least one array")
good("diff", normal(5), ref=np.diff)
good("diff", normal(3, 4), 2, ref=np.diff, id="n2")
good("diff", normal(3, 4), call=lambda a: sd.diff(a, axis=0, prepend=0.0, append=[[1.0, 2.0, 3.0, 4.0]]),
     ref=lambda a: np.diff(a, axis=0, prepend=0.0, append=[[1.0, 2.0, 3.0, 4.0]]), id="ends")
good("diff", np.array([3, 1, 7]), ref=np.diff, grad=False, id="int")
# NumPy takes differences of booleans with not_equal (they have no subtraction): boolean results
good("diff", np.array([[True, False, False, True], [False, False, True, True]]), 2, ref=np.diff, grad=False,
     id="bool")
good("diff", np.array([True, True, False]), call=lambda a: sd.diff(a, prepend=False, append=[True]),
     ref=lambda a: np.diff(a, prepend=False, append=[True]), grad=False, id="bool-prepend")
bad("diff", lambda: sd.diff(v("a")), sd.ShapeError, r"diff: a 0-d array has no axis")
bad("diff", lambda: sd.diff(v("a", 3), -1), ValueError, r"diff: order must be a non-negative integer", id="order")
good("trapezoid", normal(2, 5), ref=np.trapezoid)
good("trapezoid", normal(2, 5), np.sort(uniform(5)), ref=np.trapezoid, id="x1d")
good("trapezoid", normal(4, 3), np.sort(uniform(4, 3), axis=0), call=lambda y, x: sd.trapezoid(y, x, axis=0),
     ref=lambda y, x: np.trapezoid(y, x, axis=0), id="x2d")
good("trapezoid", normal(6), call=lambda y: sd.trapezoid(y, dx=0.25), ref=lambda y: np.trapezoid(y, dx=0.25),
     id="dx")
good("cross", normal(3), normal(3), ref=np.cross)
good("cross", normal(4, 3), normal(3), ref=np.cross, id="broadcast")
good("cross", normal(4, 2), normal(4, 3), ref=np.cross, id="2and3")
good("cross", normal(3, 4), normal(3), call=lambda a, b: sd.cross(a, b, axisa=0, axisc=0),
     ref=lambda a, b: np.cross(a, b, axisa=0, axisc=0), id="axes")
bad("cross", lambda: sd.cross(v("a", 4), v("b", 4)), sd.ShapeError, r"cross: incompatible dimensions")
good("polyval", normal(4), normal(2, 3), ref=np.polyval)
good("polyval", normal(3), call=lambda x: sd.polyval([2.0, -1.0, 0.5], x), ref=lambda x: np.polyval([2.0, -1.0, 0.5], x),
     id="list")
bad("polyval", lambda: sd.polyval(np.ones((2, 2)), v("x")), sd.ShapeError, r"polyval: coefficients must be 1-d")

good("arange", 5, ref=np.arange, grad=False)
good("arange", 2, 11, 3, ref=np.arange, grad=False)
good("arange", 0.0, 1.0, 0.25, ref=np.arange, grad=False)
good("arange", 5, 0, -2, ref=np.arange, grad=False)
# float bounds with an integer dtype: NumPy counts the elements from the bounds as given (4.6 - 0.5
# holds 5 steps), and converts the first value and the step's difference
good("arange", 0.5, 4.6, 1, ref=np.arange, kwargs={"dtype": "int64"}, grad=False, id="float-bounds-int")
good("arange", -0.5, 3.0, ref=np.arange, kwargs={"dtype": "int32"}, grad=False, id="float-step-int")
good("arange", 1, 2, 0.3, ref=np.arange, kwargs={"dtype": "int64"}, grad=False, id="step-below-one")
# an infinite step gives the start alone when it points to stop, as NumPy's
good("arange", 0.0, 5.0, np.inf, ref=np.arange, grad=False, id="inf-step")
good("arange", 0.0, -5.0, -np.inf, ref=np.arange, grad=False, id="neg-inf-step")
good("arange", 0.0, 5.0, -np.inf, ref=np.arange, grad=False, id="inf-step-away")
# NumPy's errors: ZeroDivisionError for a zero step, ValueError for a length that is not a
# number or beyond the largest array (an infinite bound, also one whose range would be empty)
bad("arange", lambda: sd.arange(0, 5, 0), ZeroDivisionError, r"arange: step cannot be zero, got step=0",
    id="step0")
bad("arange", lambda: sd.arange(float("nan")), ValueError,
    r"arange\(start=0.0, stop=nan, step=1.0\): cannot compute the length, stop=nan", id="nan")
bad("arange", lambda: sd.arange(0, 5, float("nan")), ValueError, r"cannot compute the length, step=nan",
    id="nan-step")
bad("arange", lambda: sd.arange(float("inf"), float("inf")), ValueError,
    r"cannot compute the length, start=inf", id="inf-inf")
bad("arange", lambda: sd.arange(float("inf")), ValueError,
    r"arange\(start=0.0, stop=inf, step=1.0\): the range would have infinitely many elements", id="inf")
bad("arange", lambda: sd.arange(0, float("inf"), -1), ValueError, r"stop=inf, step=-1.0\): the range would",
    id="inf-empty")
bad("arange", lambda: sd.arange(1e30), ValueError, r"about 1e\+30 elements, more than the largest array",
    id="huge")
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
bad("index", lambda: v("a", 2, 3)[:, np.array([0, -4])], sd.OutOfBoundsError,
    r"index -4 is out of bounds for axis 1 with size 3", id="bounds-array")
bad("index", lambda: v("a", 2, 3)[0, 0, 0], sd.OutOfBoundsError,
    r"too many indices for an array of shape \(2, 3\): 3 were given", id="too-many")
bad("index", lambda: v("a", 2, 3)[v("i", 2)], sd.IndexingError, r"index arrays must be integers", id="float-index")
bad("index", lambda: v("a", 3)[v("a", 3) > 0], NotImplementedError,
    r"indexing with a symbolic boolean mask gives a shape known only at run time", id="mask")
_MASK = np.array([[True, False, True], [False, False, True]])
good("index", normal(2, 3, 2), call=lambda x: x[_MASK], ref=lambda x: x[_MASK], id="constant-mask")
good("index", normal(2, 3), call=lambda x: x[:, [True, False, True]],
     ref=lambda x: x[:, [True, False, True]], id="constant-mask-list")
good("index", normal(2, 4, 3), call=lambda x: x[1, [False, True, True, False], 1:],
     ref=lambda x: x[1, [False, True, True, False], 1:], id="constant-mask-mixed")
bad("index", lambda: v("a", 2, 3)[_MASK.T], sd.IndexingError,
    r"index: a boolean mask of shape \(3, 2\) does not match the axes \(2, 3\) it indexes", id="mask-shape")
# a 0-d boolean adds an axis, as NumPy's (test_ops.py); the derivative's index_add takes none
bad("index_add", lambda: sd.index_add(v("g", 1, 2), (2,), True), NotImplementedError,
    r"index_add: a 0-d boolean in the index", id="mask-0d")

# -- more shape and selection functions ---------------------------------------------------------


def _parts(fn, scale=lambda k: k + 1):
    """A single array from a list of parts, each scaled differently so every part's derivative
    is told apart (split returns a list)."""
    return lambda x, *a, **kw: _join([p * scale(k) for k, p in enumerate(fn(x, *a, **kw))], kw.get("axis", 0))


def _join(parts, axis):
    return sd.concatenate(parts, axis) if isinstance(parts[0], sd.Node) else np.concatenate(parts, axis)


good("expand_dims", normal(3), (0, -1), ref=np.expand_dims, id="tuple")
good("expand_dims", normal(2, 3), (3, 1), ref=np.expand_dims, id="tuple-unsorted")
bad("expand_dims", lambda: sd.expand_dims(v("a", 3), (0, -3)), sd.ShapeError,
    r"expand_dims: repeated axis in \(0, -3\)", id="repeated")
good("swapaxes", normal(2, 3, 4), call=lambda x: x.swapaxes(1, -1), ref=lambda x: x.swapaxes(1, -1),
     id="method")

good("squeeze", normal(1, 3, 1), ref=np.squeeze)
for _axis in (0, -1, (0, 2), (-1, 0)):
    good("squeeze", normal(1, 3, 1), ref=np.squeeze, kwargs={"axis": _axis})
good("squeeze", normal(2, 3), ref=np.squeeze, id="nothing-to-squeeze")
good("squeeze", normal(1, 1), ref=np.squeeze, id="to-scalar")
good("squeeze", normal(1, 4), call=lambda x: x.squeeze(0), ref=lambda x: x.squeeze(0), id="method")
bad("squeeze", lambda: sd.squeeze(v("a", 1, 3), 1), sd.ShapeError,
    r"squeeze: cannot select an axis to squeeze out which has size not equal to one "
    r"\(axis 1 of \(1, 3\) has size 3\)", id="size")
bad("squeeze", lambda: sd.squeeze(v("a", "n", 3), 0), sd.ShapeError,
    r"squeeze: axis 0 has the named dimension 'n', which is not known to be 1", id="named")
bad("squeeze", lambda: sd.squeeze(v("a", 1, 3), 2), sd.ShapeError,
    r"squeeze: axis 2 is out of bounds for an array of 2 dimensions", id="axis")

good("moveaxis", normal(2, 3, 4), 0, -1, ref=np.moveaxis)
good("moveaxis", normal(2, 3, 4), -1, 0, ref=np.moveaxis)
good("moveaxis", normal(2, 3, 4, 5), (0, 1), (3, -3), ref=np.moveaxis)
good("moveaxis", normal(2, 3, 4), [2, 0], [0, 1], ref=np.moveaxis)
bad("moveaxis", lambda: sd.moveaxis(v("a", 2, 3, 4), (0, 1), 2), sd.ShapeError,
    r"moveaxis: `source` \(0, 1\) and `destination` 2 must have the same number of elements", id="count")
bad("moveaxis", lambda: sd.moveaxis(v("a", 2, 3, 4), (0, -3), (1, 2)), sd.ShapeError,
    r"moveaxis: repeated axis in `source` \(0, -3\)", id="repeated")

good("flip", normal(2, 3, 4), ref=np.flip)
for _axis in (0, -1, (0, 2), (2, 1)):
    good("flip", normal(2, 3, 4), ref=np.flip, kwargs={"axis": _axis})
good("flip", normal(), ref=np.flip, id="scalar")
bad("flip", lambda: sd.flip(v("a", 2, 3), 2), sd.ShapeError,
    r"flip: axis 2 is out of bounds for an array of 2 dimensions", id="axis")
good("fliplr", normal(2, 3), ref=np.fliplr)
good("fliplr", normal(2, 3, 4), ref=np.fliplr)
good("flipud", normal(3), ref=np.flipud)
good("flipud", normal(2, 3), ref=np.flipud)
bad("fliplr", lambda: sd.fliplr(v("a", 3)), sd.ShapeError, r"fliplr: input must be >= 2-d, got shape \(3,\)",
    id="1d")
bad("flipud", lambda: sd.flipud(v("a")), sd.ShapeError, r"flipud: input must be >= 1-d", id="0d")

good("roll", normal(5), 2, ref=np.roll)
good("roll", normal(2, 3), -1, ref=np.roll, id="flat")
good("roll", normal(2, 3), 7, ref=np.roll, id="flat-wraps")
good("roll", normal(2, 3), 1, ref=np.roll, kwargs={"axis": -1})
good("roll", normal(2, 3, 4), (1, -2), ref=np.roll, kwargs={"axis": (0, 2)})
good("roll", normal(2, 3, 4), 1, ref=np.roll, kwargs={"axis": (1, 2)}, id="one-shift-two-axes")
good("roll", normal(3, 4), (1, 2), ref=np.roll, kwargs={"axis": (1, 1)}, id="repeated-axis")
good("roll", normal(2, 3), 2, ref=np.roll, kwargs={"axis": 0}, id="full-turn")
bad("roll", lambda: sd.roll(v("a", 2, 3), (1, 2, 3), axis=(0, 1)), sd.ShapeError,
    r"roll: `shift` \(1, 2, 3\) and `axis` \(0, 1\) must have the same length", id="lengths")
bad("roll", lambda: sd.roll(v("a", 3), 1.5), TypeError,
    r"roll: `shift` must be an int or a sequence of ints known when the graph is built, got 1.5", id="float")
bad("roll", lambda: sd.roll(v("a", 3), 1, axis=1), sd.ShapeError,
    r"roll: axis 1 is out of bounds for an array of 1 dimensions", id="axis")

# counts, shifts and cuts given as NumPy integer arrays, 0-d ones too, as NumPy takes them
for _name, _arg, _kw in [("repeat", np.array(2), {"axis": 1}), ("repeat", np.array([1, 0, 2]), {"axis": 1}),
                         ("tile", np.array(2), {}), ("tile", np.array([2, 1]), {}),
                         ("roll", np.array(1), {"axis": -1}), ("roll", np.int64(-1), {}),
                         ("split", np.array([1]), {"axis": 1}), ("array_split", np.array(2), {"axis": 1})]:
    good(_name, normal(2, 3), call=lambda x, f=sd.FUNCTIONS[_name], a=_arg, k=_kw: (
        lambda r: sd.concatenate(r, axis=1) if isinstance(r, list) else r)(f(x, a, **k)),
        ref=lambda x, f=getattr(np, _name), a=_arg, k=_kw: (
        lambda r: np.concatenate(r, axis=1) if isinstance(r, list) else r)(f(x, a, **k)),
        id=f"numpy-{np.ndim(_arg)}d-{type(_arg).__name__}")
good("tile", normal(3), 2, ref=np.tile)
good("tile", normal(3), (2, 2), ref=np.tile)
good("tile", normal(2, 3), (2, 1, 3), ref=np.tile)
good("tile", normal(2, 3), (2,), ref=np.tile, id="fewer-reps")
good("tile", normal(2, 3), (1, 1), ref=np.tile, id="identity")
good("tile", normal(), (2, 3), ref=np.tile, id="scalar")
bad("tile", lambda: sd.tile(v("a", 3), (2, -1)), sd.ShapeError, r"tile: `reps` \(2, -1\) has a negative entry",
    id="negative")
bad("tile", lambda: sd.tile(v("a", "n", 3), (2, 1)), sd.ShapeError,
    r"tile: cannot repeat 2 times the named dimension 'n' \(axis 0 of \(n, 3\)\)", id="named")

good("repeat", normal(2, 3), 2, ref=np.repeat, id="flat")
good("repeat", normal(2, 3), 2, ref=np.repeat, kwargs={"axis": 1})
good("repeat", normal(2, 3), 3, ref=np.repeat, kwargs={"axis": -2})
good("repeat", normal(2, 3), [1, 0, 2], ref=np.repeat, kwargs={"axis": -1}, id="counts")
good("repeat", normal(3), [2], ref=np.repeat, id="one-count")
good("repeat", normal(2, 3), [2, 1, 1, 0, 3, 1], ref=np.repeat, id="flat-counts")
good("repeat", normal(2, 3), call=lambda x: x.repeat(2, axis=0), ref=lambda x: x.repeat(2, axis=0),
     id="method")
bad("repeat", lambda: sd.repeat(v("a", 2, 3), [1, 2], axis=1), sd.ShapeError,
    r"repeat: 2 repeat counts for axis 1 of size 3", id="counts")
bad("repeat", lambda: sd.repeat(v("a", 3), -1), sd.ShapeError,
    r"repeat: `repeats` may not contain negative values, got -1", id="negative")
bad("repeat", lambda: sd.repeat(v("a", "n", 3), 2, axis=0), sd.ShapeError,
    r"repeat: cannot repeat 2 times the named dimension 'n'", id="named")
bad("repeat", lambda: sd.repeat(v("a", 3), v("r", dtype="int64")), TypeError,
    r"repeat: `repeats` must be ints known when the graph is built", id="node")

good("diag", normal(3), ref=np.diag)
good("diag", normal(3), 1, ref=np.diag)
good("diag", normal(3), -2, ref=np.diag)
good("diag", normal(3, 4), ref=np.diag)
good("diag", normal(3, 4), 2, ref=np.diag)
good("diag", normal(4, 3), -1, ref=np.diag)
good("diag", normal(2, 3), 5, ref=np.diag, id="empty")
bad("diag", lambda: sd.diag(v("a", 2, 2, 2)), sd.ShapeError, r"diag: input must be 1- or 2-d, got shape \(2, 2, 2\)",
    id="3d")
bad("diag", lambda: sd.diag(v("a", "n"), 1), sd.ShapeError,
    r"diag: a matrix of side 'n' \+ 1 cannot be built from a named dimension", id="named")

good("diagonal", normal(3, 4), ref=np.diagonal)
good("diagonal", normal(3, 4), 1, ref=np.diagonal)
good("diagonal", normal(2, 3, 4), -1, 2, 0, ref=np.diagonal)
good("diagonal", normal(2, 3, 4), 0, 1, 2, ref=np.diagonal)
good("diagonal", normal(2, 3, 4), 1, -1, -3, ref=np.diagonal, id="negative-axes")
good("diagonal", normal(3, 3), call=lambda x: x.diagonal(1), ref=lambda x: x.diagonal(1), id="method")


def _diagonal_embed(x: np.ndarray, shape: tuple[int, ...], offset: int = 0, axis1: int = 0,
                    axis2: int = 1) -> np.ndarray:
    out = np.zeros(shape, x.dtype)
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writing it writes ``out``
    k = np.arange(x.shape[-1])
    view[..., k + max(-offset, 0), k + max(offset, 0)] = x
    return out


good("diagonal_embed", normal(3), (3, 4), ref=_diagonal_embed)
good("diagonal_embed", normal(3), (3, 4), 1, ref=_diagonal_embed, id="offset")
good("diagonal_embed", normal(3, 2), (2, 3, 4), -1, 2, 0, ref=_diagonal_embed, id="axes")
good("diagonal_embed", normal(2), call=lambda x: sd.diagonal_embed(x, (3, 3), offset=-1),
     ref=lambda x: np.diag(x, -1), id="as-diag")
bad("diagonal_embed", lambda: sd.diagonal_embed(v("a", 2), (3, 4)), sd.ShapeError,
    r"diagonal_embed: the diagonal of \(3, 4\) has shape \(3,\), got \(2,\)", id="shape")
bad("diagonal_embed", lambda: sd.diagonal_embed(v("a", 3), (3,)), sd.ShapeError,
    r"diagonal_embed: needs a shape of at least two dimensions, got \(3,\)", id="1d")
bad("diagonal_embed", lambda: sd.diagonal_embed(v("a", 3), (3, 3), axis1=1, axis2=-1), sd.ShapeError,
    r"diagonal_embed: axis1 and axis2 cannot be the same \(both are axis 1\)", id="same-axes")
bad("diagonal", lambda: sd.diagonal(v("a", 2, 3), 0, 1, -1), sd.ShapeError,
    r"diagonal: axis1 and axis2 cannot be the same \(both are axis 1\)", id="same-axes")
bad("diagonal", lambda: sd.diagonal(v("a", 3)), sd.ShapeError,
    r"diagonal: needs an array of at least two dimensions, got shape \(3,\)", id="1d")
bad("diagonal", lambda: sd.diagonal(v("a", "n", "m")), sd.ShapeError,
    r"diagonal: the length of diagonal 0 of axes 0 and 1 of \(n, m\) depends on named dimensions", id="named")

good("trace", normal(3, 3), ref=np.trace)
good("trace", normal(3, 4), 1, ref=np.trace)
good("trace", normal(2, 3, 4), -1, 1, 2, ref=np.trace)
good("trace", np.array([[1, 2], [3, 4]]), ref=np.trace, id="int")
good("trace", np.array([[1, 2], [3, 4]]), ref=np.trace, kwargs={"dtype": "float32"}, id="dtype")
good("trace", normal(3, 3), call=lambda x: x.trace(), ref=lambda x: x.trace(), id="method")
bad("trace", lambda: sd.trace(v("a", 3, 3), 0, 1, 1), sd.ShapeError,
    r"^trace: axis1 and axis2 cannot be the same", id="same-axes")
bad("trace", lambda: sd.trace(v("a", 3)), sd.ShapeError,
    r"^trace: needs an array of at least two dimensions, got shape \(3,\)", id="1d")
bad("trace", lambda: sd.trace(v("a", 3, 3), axis2=2), sd.ShapeError,
    r"^trace: axis 2 is out of bounds for an array of 2 dimensions", id="axis")

for _name, _ref in (("tril", np.tril), ("triu", np.triu)):
    good(_name, normal(3, 3), ref=_ref)
    good(_name, normal(3, 4), 1, ref=_ref)
    good(_name, normal(2, 3, 4), -1, ref=_ref)
    good(_name, normal(3), ref=_ref, id="vector")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a")), sd.ShapeError,
        rf"{_name}: needs an array of at least one dimension, got a 0-d array", id="0d")

good("pad", normal(3), (1, 2), ref=np.pad)
good("pad", normal(2, 3), 1, ref=np.pad)
good("pad", normal(2, 3), ((0, 1), (2, 0)), ref=np.pad, kwargs={"constant_values": 1.5})
good("pad", normal(2, 3), ((1, 1), (0, 2)), ref=np.pad, kwargs={"constant_values": ((1, 2), (3, 4))},
     id="values-per-side")
good("pad", normal(2, 3), ((0, 0), (0, 0)), ref=np.pad, id="nothing")
good("pad", normal(2, 3), {1: (1, 2)}, ref=np.pad, id="dict")
# the modes that copy elements: repeated reflections and wraps where the padding is wider than
# the axis, every form of pad_width, integer, complex, empty and 0-d arrays
for _mode in ("edge", "reflect", "symmetric", "wrap"):
    _kw = {"mode": _mode}
    good("pad", normal(4), (2, 3), ref=np.pad, kwargs=_kw, id=f"{_mode}-pair")
    good("pad", normal(3, 4), ((1, 7), (0, 2)), ref=np.pad, kwargs=_kw, id=f"{_mode}-per-axis-wide")
    good("pad", normal(2, 3), 5, ref=np.pad, kwargs=_kw, id=f"{_mode}-int-wide")
    good("pad", normal(2, 1, 3), ((2,),), ref=np.pad, kwargs=_kw, id=f"{_mode}-one-side-of-1")
    good("pad", normal(2, 3), {-1: 2}, ref=np.pad, kwargs=_kw, id=f"{_mode}-dict")
    good("pad", np.arange(6, dtype=np.int32).reshape(2, 3), (1, 2), ref=np.pad, kwargs=_kw,
         id=f"{_mode}-int32")
    good("pad", normal(3) + 1j * normal(3), 2, ref=np.pad, kwargs=_kw, id=f"{_mode}-complex")
    good("pad", normal(0, 3), ((0, 0), (1, 2)), ref=np.pad, kwargs=_kw, id=f"{_mode}-empty")
    good("pad", normal(), 2, ref=np.pad, kwargs=_kw, id=f"{_mode}-0d")
    bad("pad", lambda m=_mode: sd.pad(v("a", 0, 3), 1, mode=m), ValueError,
        rf"pad: can't extend the empty axis 0 of \(0, 3\) in mode '{_mode}'", id=f"{_mode}-empty-axis")
good("pad", normal(5), (3, 4), ref=np.pad, kwargs={"mode": "reflect", "reflect_type": "even"},
     id="reflect-even")
bad("pad", lambda: sd.pad(v("a", 3), 1, mode="maximum"), NotImplementedError,
    r"pad: mode='maximum' is not supported; the modes are 'constant', 'edge'", id="mode")
bad("pad", lambda: sd.pad(v("a", 3), 1, mode="mirror"), ValueError,
    r"pad: mode 'mirror' is not supported \(NumPy's modes are", id="mode-unknown")
bad("pad", lambda: sd.pad(v("a", 3), 1, mode="edge", constant_values=1), ValueError,
    r"pad: unsupported keyword arguments for mode 'edge': constant_values", id="mode-keyword")
bad("pad", lambda: sd.pad(v("a", 3), 1, reflect_type="even"), ValueError,
    r"pad: unsupported keyword arguments for mode 'constant': reflect_type", id="constant-keyword")
bad("pad", lambda: sd.pad(v("a", 3), 1, mode="reflect", reflect_type="odd"), NotImplementedError,
    r"pad: reflect_type='odd' is not supported \(mode 'reflect'\)", id="odd")
bad("pad", lambda: sd.pad(v("a", 3), 1, mode="symmetric", reflect_type="up"), ValueError,
    r"pad: reflect_type must be 'even' or 'odd', got 'up'", id="reflect-type")
bad("pad", lambda: sd.pad(v("a", 2, 3), {2: 1}, mode="wrap"), sd.ShapeError,
    r"pad: axis 2 is out of bounds for an array of 2 dimensions", id="dict-axis")
bad("pad", lambda: sd.pad(v("a", "n", 3), 1, mode="edge"), sd.ShapeError,
    r"pad: cannot pad the named dimension 'n'", id="named-edge")
bad("pad", lambda: sd.pad(v("a", 3), (1, -1)), sd.ShapeError, r"pad: `pad_width` \(1, -1\) has a negative entry",
    id="negative")
bad("pad", lambda: sd.pad(v("a", 2, 3), ((1, 2, 3),)), sd.ShapeError,
    r"pad: `pad_width` \(\(1, 2, 3\),\) does not fit an array of 2 dimensions", id="width-shape")
bad("pad", lambda: sd.pad(v("a", "n", 3), 1), sd.ShapeError, r"pad: cannot pad the named dimension 'n'",
    id="named")
bad("pad", lambda: sd.pad(v("a", 3), 1, constant_values=v("c")), NotImplementedError,
    r"pad: `constant_values` must be numbers", id="node-value")
# np.pad raises for 300 in int8 only when run, and wraps -1 around to 255 in uint8
bad("pad", lambda: sd.pad(v("a", 3, dtype="int8"), 1, constant_values=300), sd.DTypeError,
    r"pad: the constant value 300 does not fit int8, the dtype of the array it pads", id="int-range")
bad("pad", lambda: sd.pad(v("a", 3, dtype="uint8"), 1, constant_values=((0, -1),)), sd.DTypeError,
    r"pad: the constant value -1 does not fit uint8", id="uint-range")

good("atleast_1d", normal(), ref=np.atleast_1d)
good("atleast_1d", normal(2, 3), ref=np.atleast_1d)
good("atleast_2d", normal(), ref=np.atleast_2d)
good("atleast_2d", normal(3), ref=np.atleast_2d)
good("atleast_2d", normal(2, 3, 4), ref=np.atleast_2d)
good("atleast_2d", normal(3), normal(), call=lambda a, b: sd.atleast_2d(a, b)[0] * sd.atleast_2d(a, b)[1],
     ref=lambda a, b: np.atleast_2d(a, b)[0] * np.atleast_2d(a, b)[1], id="several")
good("atleast_3d", normal(), ref=np.atleast_3d)
good("atleast_3d", normal(3), ref=np.atleast_3d)
good("atleast_3d", normal(2, 3), ref=np.atleast_3d)
good("atleast_3d", normal(2, 3, 4), ref=np.atleast_3d)
bad("atleast_2d", lambda: sd.atleast_2d(), TypeError, r"atleast_2d\(\) needs at least one array", id="none")

good("ravel", normal(2, 3), ref=np.ravel)
good("ravel", normal(2, 3, 4), ref=np.ravel, kwargs={"order": "F"})
good("ravel", normal(), ref=np.ravel, id="scalar")
good("ravel", normal(2, 3), call=lambda x: x.flatten(), ref=lambda x: x.flatten(), id="flatten")
good("ravel", normal(2, 3), call=lambda x: x.ravel(), ref=lambda x: x.ravel(), id="method")
bad("ravel", lambda: sd.ravel(v("a", 2, 3), order="K"), NotImplementedError,
    r"ravel: order='K' is not supported", id="order")
bad("ravel", lambda: sd.ravel(v("a", "n", "m")), sd.ShapeError, r"ravel: the unknown size in \(-1,\)", id="named")

good("sort", distinct(6), ref=np.sort)
good("sort", distinct(3, 4), ref=np.sort)
for _axis in (0, -2, None):
    good("sort", distinct(3, 4), ref=np.sort, kwargs={"axis": _axis})
good("sort", distinct(2, 3, 4), ref=np.sort, kwargs={"axis": 1, "kind": "mergesort"})
good("sort", distinct(3, 4), ref=np.sort, kwargs={"stable": True}, id="stable")
good("sort", np.array([3, 1, 2]), ref=np.sort, id="int")
good("sort", distinct(3, 4), call=lambda x: x.sort(0), ref=lambda x: np.sort(x, 0), id="method")
bad("sort", lambda: sd.sort(v("a", 3), order="f"), NotImplementedError, r"sort: order='f' is not supported",
    id="order")
bad("sort", lambda: sd.sort(v("a", 3), kind="bogo"), ValueError, r"sort: kind='bogo' is not one of", id="kind")
bad("sort", lambda: sd.sort(v("a")), sd.ShapeError, r"sort: axis -1 is out of bounds for a 0-d array", id="0d")
bad("sort", lambda: sd.sort(v("a", 3), axis=1), sd.ShapeError,
    r"sort: axis 1 is out of bounds for an array of 1 dimensions", id="axis")
# complex values: NumPy's order, by real part, then imaginary part, a nan in either part last
_COMPLEX = np.array([[1 + 2j, 1 + 3j, 9j, 1 - 3j], [complex(1, np.nan), 2, -1j, 3 + 1j],
                     [complex(np.nan, 0), 5j, 1, 2 + 0j]])
_COMPLEX_FINITE = np.array([[1 + 2j, 1 + 3j, 9j, 1 - 3j], [-1j, 2, -1j, 3 + 1j], [-2 + 0j, 5j, 1, 2 + 0j]])
for _name in ("sort", "argsort", "argmax", "argmin", "max", "min", "median"):
    for _kw in ({}, {"axis": 0}, {"axis": -1}):
        good(_name, _COMPLEX_FINITE, ref=getattr(np, _name), kwargs=_kw, grad=False, id=f"complex-{_kw}")
    good(_name, _COMPLEX_FINITE.astype(np.complex64), ref=getattr(np, _name), kwargs={"axis": 0}, grad=False,
         id="complex64")

good("argsort", distinct(6), ref=np.argsort, zero_grad=True)
good("argsort", distinct(3, 4), ref=np.argsort, kwargs={"axis": 0}, zero_grad=True)
good("argsort", distinct(3, 4), ref=np.argsort, kwargs={"axis": None}, zero_grad=True)
good("argsort", np.array([2.0, 1.0, 2.0, 1.0]), ref=np.argsort, kwargs={"kind": "stable"}, zero_grad=True,
     id="ties-stable")
good("argsort", distinct(3, 4), call=lambda x: x.argsort(), ref=lambda x: x.argsort(), zero_grad=True,
     id="method")
bad("argsort", lambda: sd.argsort(v("a", 3), stable=True, kind="heapsort"), ValueError,
    r"argsort: stable=True cannot be combined with kind='heapsort'", id="stable-kind")

good("sort_complex", distinct(3, 4), ref=np.sort_complex, grad=False)  # complex output: differences below
good("sort_complex", distinct(5), call=lambda a: sd.real(sd.sort_complex(a)), ref=lambda a: np.sort_complex(a).real,
     id="real-part")
good("sort_complex", _COMPLEX_FINITE, ref=np.sort_complex, grad=False, id="complex")
for _dtype in ("int8", "uint16", "int32", "float32", "bool"):
    good("sort_complex", np.array([3, 0, 1]).astype(_dtype), ref=np.sort_complex, grad=False, id=_dtype)
bad("sort_complex", lambda: sd.sort_complex(v("a")), sd.ShapeError, r"^sort: axis -1 is out of bounds", id="0d")

# poly: NumPy's own arithmetic, so its bits (the forward check compares closely; the bits in
# tests/test_numpy_semantics.py)
good("poly", normal(4), ref=np.poly)
good("poly", normal(1), call=lambda r: np.poly(r), ref=np.poly, id="one-root-numpy")
good("poly", normal(3).astype(np.float32), ref=np.poly, grad=False, id="float32")
good("poly", np.array([1, -2, 3], np.int8), ref=np.poly, grad=False, id="int8")
bad("poly", lambda: sd.poly(v("A", 3, 3)), TypeError, r"^poly: of a matrix NumPy takes the roots to be its "
    r"eigenvalues", id="matrix")
bad("poly", lambda: sd.poly(v("A", 2, 3)), ValueError, r"^poly: input must be 1d or non-empty square 2d array",
    id="shape")
bad("poly", lambda: sd.poly(v("z", 3, dtype="complex128")), TypeError, r"^poly: of complex roots", id="complex")
bad("poly", lambda: sd.poly(v("r", "n")), sd.ShapeError, r"^poly: cannot take the roots of the named dimension",
    id="named")

# partition: a full sort is a valid partition, and the one given (NumPy's kth elements agree:
# tests/test_numpy_semantics.py)
good("partition", distinct(6), 2, ref=lambda a, k: np.sort(a))
good("partition", distinct(3, 4), [0, -1], ref=lambda a, k, axis: np.sort(a, axis), kwargs={"axis": 0})
good("partition", distinct(3, 4), 5, ref=lambda a, k, axis: np.sort(a, axis), kwargs={"axis": None},
     id="flat")
good("partition", np.array([3, 1, 2], np.int8), 1, call=lambda a, k: np.partition(a, k),
     ref=lambda a, k: np.sort(a), grad=False, id="int8-numpy")
good("argpartition", distinct(3, 4), 1, ref=lambda a, k: np.argsort(a), zero_grad=True)
good("argpartition", distinct(3, 4), (0, 2), call=lambda a, k: np.argpartition(a, k, axis=0),
     ref=lambda a, k: np.argsort(a, axis=0), zero_grad=True, id="numpy")
for _name in ("partition", "argpartition"):
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), 3), ValueError, rf"^{_name}: kth\(=3\) out of "
        r"bounds \(3\)", id="kth")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), -4), ValueError, rf"^{_name}: kth\(=-1\) out of "
        r"bounds \(3\)", id="negative-kth")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), True), ValueError, rf"^{_name}: booleans are "
        "unacceptable", id="bool-kth")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), 1.0), TypeError, rf"^{_name}: the partition index "
        "kth must be an int", id="float-kth")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), 1, kind="quicksort"), ValueError,
        rf"^{_name}: kind must be 'introselect'", id="kind")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a"), 0), sd.ShapeError,
        rf"^{_name}: axis -1 is out of bounds for a 0-d array", id="0d")

for _name, _other in (("max", "maximum"), ("min", "minimum")):
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), v("b", 3)), TypeError,
        rf"{_name}: axis must be an int or a tuple of ints, got b; for the elementwise {_other} of two "
        rf"arrays use {_other}\(a, b\)", id="two-arrays")

for _name, _ref in (("any", np.any), ("all", np.all)):
    good(_name, normal(3, 4), call=lambda x, f=sd.FUNCTIONS[_name]: f(x > 0.5),
         ref=lambda x, f=_ref: f(x > 0.5), grad=False)
    good(_name, normal(2, 3, 4), call=lambda x, f=sd.FUNCTIONS[_name]: f(x > -0.5, axis=(0, -1)),
         ref=lambda x, f=_ref: f(x > -0.5, axis=(0, -1)), grad=False, id="axes")
    good(_name, np.array([[0.0, 1.0], [0.0, 0.0]]), ref=_ref, kwargs={"axis": 1, "keepdims": True},
         grad=False, id="float-input")
    good(_name, np.array([[0, 3], [2, 5]]), ref=_ref, kwargs={"axis": ()}, grad=False, id="no-axes")
    good(_name, np.zeros((2, 0)), ref=_ref, kwargs={"axis": -1}, grad=False, id="empty")
    good(_name, normal(3, 4), call=lambda x, n=_name: getattr(x < 0, n)(axis=0),
         ref=lambda x, n=_name: getattr(x < 0, n)(axis=0), grad=False, id="method")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=-3), sd.ShapeError,
        rf"{_name}: axis -3 is out of bounds for an array of 2 dimensions", id="axis")

for _name, _ref in (("argmax", np.argmax), ("argmin", np.argmin)):
    good(_name, distinct(3, 4), ref=_ref, zero_grad=True)
    good(_name, distinct(3, 4), ref=_ref, kwargs={"axis": 1}, zero_grad=True)
    good(_name, distinct(2, 3, 4), ref=_ref, kwargs={"axis": -3, "keepdims": True}, zero_grad=True)
    good(_name, distinct(3, 4), ref=_ref, kwargs={"keepdims": True}, zero_grad=True, id="flat-keepdims")
    good(_name, np.array([1.0, 3.0, 3.0, 1.0]), ref=_ref, zero_grad=True, id="ties-first")
    good(_name, distinct(3, 4), call=lambda x, n=_name: getattr(x, n)(axis=0),
         ref=lambda x, n=_name: getattr(x, n)(axis=0), zero_grad=True, id="method")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 0, 3), axis=0), sd.ShapeError,
        rf"{_name}: axis 0 of \(0, 3\) is empty", id="empty")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=2), sd.ShapeError,
        rf"{_name}: axis 2 is out of bounds", id="axis")

good("take", normal(4, 3), [0, 2, 2], ref=np.take, kwargs={"axis": 0}, id="list-repeats")
good("take", normal(4, 3), np.array([[0, 1], [2, 2]]), ref=np.take, kwargs={"axis": -1}, id="array")
good("take", normal(4, 3), np.array([5, 0, 11, -1]), ref=np.take, id="flat")
good("take", normal(4, 3), 2, ref=np.take, kwargs={"axis": 1}, id="int")
good("take", normal(4, 3), -1, ref=np.take, id="flat-int")
good("take", normal(4, 3), [], ref=np.take, kwargs={"axis": 0}, id="empty")
good("take", normal(4, 3), call=lambda x: x.take([1, 1], axis=1), ref=lambda x: x.take([1, 1], axis=1),
     id="method")
bad("take", lambda: sd.take(v("a", 4, 3), [0, 12]), sd.OutOfBoundsError,
    r"take: index 12 is out of bounds for axis 0 with size 12", id="bounds-flat")
bad("take", lambda: sd.take(v("a", 4, 3), [0, -5], axis=0), sd.OutOfBoundsError,
    r"take: index -5 is out of bounds for axis 0 with size 4", id="bounds")
bad("take", lambda: sd.take(v("a", 4, 3), 3, axis=1), sd.OutOfBoundsError,
    r"take: index 3 is out of bounds for axis 1 with size 3", id="bounds-int")
# indices out of bounds wrapped or clipped (a negative one clipped to 0): constant ones (lists)
# when the graph is built, variable ones (arrays) when it runs, of any integer dtype
for _mode in ("wrap", "clip"):
    _kw = {"mode": _mode}
    good("take", normal(4, 3), [-13, -1, 0, 5, 12, 5], ref=np.take, kwargs=_kw, id=f"{_mode}-flat")
    good("take", normal(4, 3), [[-5, 4], [7, 1]], ref=np.take, kwargs={**_kw, "axis": 0},
         id=f"{_mode}-axis")
    good("take", normal(4, 3), -4, ref=np.take, kwargs={**_kw, "axis": -1}, id=f"{_mode}-int")
    good("take", normal(4, 3), np.array([-7, -1, 3, 9], dtype=np.int8), ref=np.take,
         kwargs={**_kw, "axis": 1}, id=f"{_mode}-int8-variable")
    good("take", normal(5), np.array([0, 7, 255, 4], dtype=np.uint8), ref=np.take, kwargs=_kw,
         id=f"{_mode}-uint8-variable")
    good("take", normal(4, 3), np.array(-2), ref=np.take, kwargs={**_kw, "axis": 0},
         id=f"{_mode}-0d-variable")
    good("take", normal(4, 3) + 1j * normal(4, 3), [9, -9], ref=np.take, kwargs={**_kw, "axis": 0},
         id=f"{_mode}-complex")
    good("take", normal(0, 3), [], ref=np.take, kwargs={**_kw, "axis": 0}, id=f"{_mode}-empty")
    bad("take", lambda m=_mode: sd.take(v("a", 0, 3), [0], axis=0, mode=m), sd.OutOfBoundsError,
        rf"take: cannot do a non-empty take from the empty axis 0 \(mode='{_mode}'\)", id=f"{_mode}-empty-axis")
    bad("take", lambda m=_mode: sd.take(v("a", 0, 3), v("i", 2, dtype="int64"), axis=0, mode=m),
        sd.OutOfBoundsError, r"take: cannot do a non-empty take from the empty axis 0",
        id=f"{_mode}-empty-axis-variable")
good("take", normal(4, 3), call=lambda x: x.take([5, -6], axis=0, mode="wrap"),
     ref=lambda x: x.take([5, -6], axis=0, mode="wrap"), id="wrap-method")
bad("take", lambda: sd.take(v("a", 4), [0], mode="wraps"), ValueError,
    r"take: mode must be one of 'clip', 'raise', or 'wrap', got 'wraps'", id="mode")
bad("take", lambda: sd.take(v("a", 4), [4], mode="raise"), sd.OutOfBoundsError,
    r"take: index 4 is out of bounds for axis 0 with size 4", id="raise")
# np.take(a, indices, axis, out, mode): out comes before mode, also when given by position
bad("take", lambda: sd.take(v("a", 4), [0], 0, np.zeros(1)), NotImplementedError,
    r"take: the argument 'out' is not supported; use the returned node$", id="out")
good("take", normal(4, 3), [2, 0], call=lambda x, i: sd.take(x, i, 1, None),
     ref=lambda x, i: np.take(x, i, 1, None), id="out-none")
bad("take", lambda: sd.take(v("a", 4), v("i", 2)), TypeError, r"take: indices must be integers, got dtype float64",
    id="float-indices")

good("take_along_axis", normal(3, 4), np.array([[0, 3], [1, 1], [2, 0]]), ref=np.take_along_axis,
     kwargs={"axis": 1}, id="repeats")
good("take_along_axis", normal(3, 4), np.array([[2, 0, 1, 1]]), ref=np.take_along_axis,
     kwargs={"axis": 0}, id="broadcast-indices")
good("take_along_axis", normal(1, 4), np.array([[0, 3], [1, 1], [2, 0]]), ref=np.take_along_axis,
     kwargs={"axis": -1}, id="broadcast-arr")
good("take_along_axis", normal(3, 4), np.array([11, 0, 5]), ref=np.take_along_axis,
     kwargs={"axis": None}, id="flat")
good("take_along_axis", distinct(3, 4), call=lambda x: sd.take_along_axis(x, sd.argsort(x, axis=0), axis=0),
     ref=lambda x: np.take_along_axis(x, np.argsort(x, axis=0), axis=0), id="with-argsort")


def _add_along_axis(g: np.ndarray, indices: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    out = np.zeros(shape, g.dtype)
    at = list(np.indices(indices.shape, sparse=True))
    at[axis] = indices
    np.add.at(out, tuple(at), g)
    return out


good("add_along_axis", normal(3, 2), np.array([[0, 3], [1, 1], [2, 0]]), (3, 4), 1, ref=_add_along_axis,
     id="repeats")
good("add_along_axis", normal(3, 4), np.array([[2, 0, 1], [1, 2, 0], [0, 1, 2], [0, 0, 0]]).T, (3, 4), 0,
     ref=_add_along_axis, id="axis0")
good("add_along_axis", normal(3, 4), call=lambda g: sd.add_along_axis(g, sd.argsort(g, axis=-1), (3, 4), -1),
     ref=lambda g: _add_along_axis(g, np.argsort(g, axis=-1), (3, 4), 1), grad=False, id="permutation")
bad("add_along_axis", lambda: sd.add_along_axis(v("g", 3, 2), v("i", 3, 2), (3, 4), 1), sd.DTypeError,
    r"add_along_axis: indices must be integers, got dtype float64", id="float-indices")
bad("add_along_axis", lambda: sd.add_along_axis(v("g", 3, 3), v("i", 3, 2, dtype="int64"), (3, 4), 1),
    sd.ShapeError, r"add_along_axis: expected a cotangent of shape \(3, 2\), got \(3, 3\)", id="shape")


def _index_add(g: np.ndarray, shape: tuple[int, ...], idx: Any) -> np.ndarray:
    out = np.zeros(shape, g.dtype)
    np.add.at(out, idx, g)
    return out


good("index_add", normal(2, 2), (3, 4), np.s_[1:, ::2], ref=_index_add, id="slices")
good("index_add", normal(3), (4, 3), 1, ref=_index_add, id="int")
good("index_add", normal(3, 3), (4, 3), np.array([0, 2, 2]), ref=_index_add, id="repeated-array")
good("index_add", normal(), (4, 3), (1, 2), ref=_index_add, id="element")
good("index_add", normal(4, 1, 3), (4, 3), (slice(None), None), ref=lambda g, shape, idx: g[:, 0, :],
     id="new-axis")
bad("index_add", lambda: sd.index_add(v("g", 3), (4, 3), 5), sd.OutOfBoundsError,
    r"index 5 is out of bounds for axis 0 with size 4", id="bounds")
bad("index_add", lambda: sd.index_add(v("g", 2), (4, 3), 1), sd.ShapeError,
    r"index_add: shapes \(2,\) and \(3,\) do not broadcast", id="shape")
bad("take_along_axis", lambda: sd.take_along_axis(v("a", 3, 4), v("i", 3, dtype="int64"), 1), sd.ShapeError,
    r"take_along_axis: `indices` \(3,\) and `arr` \(3, 4\) must have the same number of dimensions", id="ndim")
bad("take_along_axis", lambda: sd.take_along_axis(v("a", 3, 4), v("i", 2, 2, dtype="int64"), 1), sd.ShapeError,
    r"take_along_axis: shapes \(3, 1\) and \(2, 1\) do not broadcast", id="broadcast")
bad("take_along_axis", lambda: sd.take_along_axis(v("a", 3, 4), v("i", 3, 1), 1), TypeError,
    r"take_along_axis: indices must be integers, got dtype float64", id="float-indices")
bad("take_along_axis", lambda: sd.take_along_axis(v("a", 3, 4), v("i", 3, 1, dtype="int64"), None),
    sd.ShapeError, r"when axis=None, `indices` must have a single dimension", id="flat-2d")
good("zeros_like", normal(2, 3), ref=np.zeros_like, zero_grad=True)
good("ones_like", normal(2, 3), ref=np.ones_like, zero_grad=True)
good("ones_like", normal(3) > 0, ref=np.ones_like, grad=False, id="bool")
good("ones_like", normal(3), call=lambda x: sd.ones_like(x, dtype="int8") * x,
     ref=lambda x: np.ones_like(x, dtype=np.int8) * x, id="dtype")
good("full_like", normal(2, 3), 2.5, ref=np.full_like, zero_grad=True)
good("full_like", np.array([1, 2, 3]), 3.7, ref=np.full_like, grad=False, id="int")
good("full_like", normal(3), call=lambda x: sd.full_like(x, -1, dtype="complex64") * x,
     ref=lambda x: np.full_like(x, -1, dtype=np.complex64) * x, id="dtype")
bad("full_like", lambda: sd.full_like(v("a", 3, dtype="int8"), 300), sd.DTypeError,
    r"full_like: 300 cannot be int8", id="range")
bad("full_like", lambda: sd.full_like(v("a", 3), v("b")), TypeError,
    r"full_like: fill_value must be a number or an array of numbers, got Node", id="node")
good("zeros_like", normal(3), call=lambda x: sd.zeros_like(x, dtype="int64") + x,
     ref=lambda x: np.zeros_like(x, dtype=np.int64) + x, id="dtype")
bad("zeros_like", lambda: sd.zeros_like(v("a", 3), dtype="U3"), sd.DTypeError,
    r"zeros_like: dtype <U3 is not numeric", id="dtype")
bad("take_along_axis", lambda: sd.take_along_axis(v("a", 3, 4), np.array([[0], [4], [1]]), 1),
    sd.OutOfBoundsError, r"take_along_axis: index 4 is out of bounds for axis 1 with size 4", id="bounds")

# -- array creation: zeros, ones and full are one definition (a broadcast constant) --------------
good("zeros", (2, 3), ref=np.zeros, grad=False)
good("zeros", 3, ref=np.zeros, kwargs={"dtype": "int32"}, grad=False, id="int32")
good("zeros", normal(2, 3), call=lambda x: sd.zeros((3,)) + x, ref=lambda x: np.zeros((3,)) + x, id="plus")
good("ones", (2, 3), ref=np.ones, grad=False)
good("ones", (4,), ref=np.ones, kwargs={"dtype": "complex64"}, grad=False, id="complex64")
good("ones", (0, 2), ref=np.ones, grad=False, id="empty")
good("ones", normal(2, 3), call=lambda x: sd.ones(x.shape, "float32") * x,
     ref=lambda x: np.ones(x.shape, np.float32) * x, id="times")
good("full", (2, 3), 2.5, ref=np.full, grad=False)
good("full", (2, 3), 7, ref=np.full, grad=False, id="int")  # the value's own dtype: int64
good("full", (2,), True, ref=np.full, grad=False, id="bool")
good("full", (2, 3), [1.0, -2.0, 3.5], ref=np.full, grad=False, id="row")
good("full", (3,), 2.7, ref=np.full, kwargs={"dtype": "int64"}, grad=False, id="cast")
good("full", (), -1.5, ref=np.full, kwargs={"order": "F"}, grad=False, id="0d")
good("full", normal(3), call=lambda x: sd.full(3, 0.5) * x, ref=lambda x: np.full(3, 0.5) * x, id="times")
bad("full", lambda: sd.full((2, 3), [1, 2]), sd.ShapeError,
    r"full: shapes \(2,\) and \(2, 3\) do not broadcast", id="broadcast")
bad("full", lambda: sd.full((3,), [[1, 2, 3]]), sd.ShapeError,
    r"full: a fill_value of shape \(1, 3\) cannot fill the shape \(3,\)", id="more-axes")
bad("full", lambda: sd.full(3, 300, dtype="int8"), sd.DTypeError, r"full: 300 cannot be int8", id="range")
bad("full", lambda: sd.full(3, v("b")), TypeError,
    r"full: fill_value must be a number or an array of numbers, got Node; broadcast_to", id="node")
bad("full", lambda: sd.full(3, "a"), TypeError, r"full: fill_value must be a number", id="str")
bad("full", lambda: sd.full(3, [v("b"), 1.0]), TypeError, r"full: fill_value must be a number", id="list-of-nodes")
bad("full", lambda: sd.full(2, [[1.0], [2.0, 3.0]]), sd.DTypeError, r"full: \[\[1.0\], \[2.0, 3.0\]\] is not an array",
    id="ragged")
bad("ones", lambda: sd.ones((2, -1)), sd.ShapeError, r"ones: shape \(2, -1\): dimension -1 is negative",
    id="negative")
bad("zeros", lambda: sd.zeros(2.5), sd.ShapeError, r"zeros: shape must be a tuple", id="float")
bad("zeros", lambda: sd.zeros(3, order="K"), ValueError, r"zeros: order must be 'C' or 'F', got 'K'",
    id="order")
bad("ones", lambda: sd.ones(3, dtype="U2"), sd.DTypeError, r"ones: dtype <U2 is not numeric", id="dtype")

good("eye", 3, ref=np.eye, grad=False)
good("eye", 3, 4, 1, ref=np.eye, grad=False, id="k1")
good("eye", 4, 3, -2, ref=np.eye, kwargs={"dtype": "int32"}, grad=False, id="k-2")
good("eye", 2, 3, 5, ref=np.eye, grad=False, id="beyond")
good("eye", 3, ref=np.eye, kwargs={"dtype": bool, "order": "F"}, grad=False, id="bool")
good("eye", 0, ref=np.eye, grad=False, id="empty")
good("eye", normal(3, 3), call=lambda x: sd.eye(3, k=-1) @ x, ref=lambda x: np.eye(3, k=-1) @ x, id="matmul")
good("identity", 4, ref=np.identity, grad=False)
good("identity", 2, ref=np.identity, kwargs={"dtype": "float32"}, grad=False, id="float32")
good("identity", normal(2, 2), call=lambda x: sd.identity(2) * x, ref=lambda x: np.identity(2) * x,
     id="times")
bad("eye", lambda: sd.eye(3, k=1.5), TypeError, r"eye: k must be an int, got 1.5", id="k")
bad("eye", lambda: sd.eye(-2), sd.ShapeError, r"eye: N \(-2,\): dimension -2 is negative", id="negative")
bad("eye", lambda: sd.eye(3, 2.0), sd.ShapeError, r"eye: M \(2.0,\): 2.0 is neither", id="float-M")
bad("identity", lambda: sd.identity(3, dtype="U1"), sd.DTypeError, r"identity: dtype <U1 is not numeric",
    id="dtype")

good("linspace", 0.0, 1.0, ref=np.linspace, grad=False)  # num=50
good("linspace", 2, 10, 5, ref=np.linspace, kwargs={"endpoint": False}, grad=False, id="no-endpoint")
good("linspace", 0, 10, 4, ref=np.linspace, kwargs={"dtype": "int64"}, grad=False, id="int")
good("linspace", -1.0, 1.0, 7, ref=np.linspace, kwargs={"dtype": "float32"}, grad=False, id="float32")
good("linspace", 1j, 2.0, 3, ref=np.linspace, grad=False, id="complex")
good("linspace", 1.0, 2.0, 1, ref=np.linspace, grad=False, id="one")
good("linspace", 1.0, 2.0, 0, ref=np.linspace, grad=False, id="none")
good("linspace", 0.5, 2.0, 4, call=lambda a, b, n: sd.linspace(a, b, n, retstep=True)[1],
     ref=lambda a, b, n: np.linspace(a, b, n, retstep=True)[1], grad=False, id="retstep")
# expression bounds: the gradient flows to start and stop
good("linspace", np.array(0.3), np.array(2.0), 5, ref=np.linspace, id="bounds")
good("linspace", np.array(-1.5), 4.0, 6, ref=np.linspace, kwargs={"endpoint": False}, id="start")
good("linspace", normal(3), normal(2, 1), 4, ref=np.linspace, kwargs={"axis": -1}, id="arrays-last-axis")
good("linspace", normal(2), np.array(1.0), 3, ref=np.linspace, kwargs={"axis": 1}, id="axis1")
good("linspace", normal(2).astype(np.float32), np.array(1.0, np.float32), 3, ref=np.linspace, grad=False,
     id="float32-vars")
good("linspace", np.array([0.25, 3.5]), 9.0, 4, ref=np.linspace, kwargs={"dtype": "int64"}, grad=False,
     id="int-vars")
good("linspace", np.array(1.0), np.array(3.0), 1, ref=np.linspace, id="one-var")
good("linspace", np.array(0.5), np.array(2.0), 4, call=lambda a, b, n: sd.linspace(a, b, n, retstep=True)[1],
     ref=lambda a, b, n: np.linspace(a, b, n, retstep=True)[1], id="retstep-vars")
bad("linspace", lambda: sd.linspace(0, 1, -1), ValueError, r"linspace: num must be non-negative, got -1",
    id="negative")
bad("linspace", lambda: sd.linspace(0, 1, 2.5), TypeError, r"linspace: num must be an int, got 2.5",
    id="float")
bad("linspace", lambda: sd.linspace(v("a"), 1, 3, axis=2), sd.ShapeError,
    r"linspace: axis 2 is out of bounds for an array of 1 dimensions", id="axis")
bad("linspace", lambda: sd.linspace(v("a", 2), v("b", 3), 3), sd.ShapeError,
    r"shapes \(2,\) and \(3,\) do not broadcast", id="broadcast")

good("split", normal(6, 2), 3, call=_parts(sd.split), ref=_parts(np.split), id="sections")
good("split", normal(2, 6), [1, 4], call=_parts(sd.split), ref=_parts(np.split), kwargs={"axis": 1},
     id="indices")
good("split", normal(2, 6), [-2], call=_parts(sd.split), ref=_parts(np.split), kwargs={"axis": -1},
     id="negative-index")
good("split", normal(5), [2, 2, 7], call=_parts(sd.split), ref=_parts(np.split), id="empty-parts")
bad("split", lambda: sd.split(v("a", 5), 2), sd.ShapeError,
    r"split: array split does not result in an equal division \(axis 0 of size 5 into 2 sections\)", id="unequal")
bad("split", lambda: sd.split(v("a", 4), 0), ValueError, r"split: the number of sections must be larger than 0",
    id="zero")
bad("split", lambda: sd.split(v("a", "n", 2), 2), sd.ShapeError, r"split: cannot split the named dimension 'n'",
    id="named")
good("array_split", normal(5, 2), 2, call=_parts(sd.array_split), ref=_parts(np.array_split), id="uneven")
good("array_split", normal(2, 7), 3, call=_parts(sd.array_split), ref=_parts(np.array_split),
     kwargs={"axis": 1}, id="axis1")
for _name, _axis, _shapes in [("hsplit", 1, [(2, 6), (2, 4, 3)]), ("hsplit", 0, [(6,)]),
                               ("vsplit", 0, [(6, 2), (4, 2, 3)]), ("dsplit", 2, [(2, 1, 6), (1, 2, 4, 3)])]:
    for _shape in _shapes:
        for _cut in (2, [1, 3], [0, 9]):
            good(_name, normal(*_shape), _cut, id=f"{_name}-{_shape}-{_cut}",
                 call=lambda x, c, f=sd.FUNCTIONS[_name], a=_axis: _join(
                     [p * (k + 1) for k, p in enumerate(f(x, c))], a),
                 ref=lambda x, c, f=getattr(np, _name), a=_axis: _join(
                     [p * (k + 1) for k, p in enumerate(f(x, c))], a))
good("hsplit", np.arange(6, dtype=np.int16), 3, call=lambda x, c: sd.stack(sd.hsplit(x, c)),
     ref=lambda x, c: np.stack(np.hsplit(x, c)), id="int16")
for _name, _ndim, _shape in [("hsplit", 1, ()), ("vsplit", 2, (4,)), ("dsplit", 3, (2, 4))]:
    bad(_name, lambda f=sd.FUNCTIONS[_name], s=_shape: f(v("a", *s), 2), sd.ShapeError,
        rf"{_name}: only works on arrays of {_ndim} or more dimensions, got shape", id="ndim")
bad("vsplit", lambda: sd.vsplit(v("a", 5, 2), 2), sd.ShapeError,
    r"vsplit: array split does not result in an equal division \(axis 0 of size 5", id="unequal")
bad("dsplit", lambda: sd.dsplit(v("a", 2, 2, "n"), 2), sd.ShapeError,
    r"dsplit: cannot split the named dimension 'n'", id="named")

# -- order statistics, on sort: values pairwise apart, so no tie moves within a difference step ----
good("median", distinct(5), ref=np.median, id="odd")
good("median", distinct(6), ref=np.median, id="even")
good("median", distinct(3, 4), ref=np.median, kwargs={"axis": 0})
good("median", distinct(3, 4), ref=np.median, kwargs={"axis": -1, "keepdims": True})
good("median", distinct(2, 3, 4), ref=np.median, kwargs={"axis": (0, 2)})
good("median", distinct(2, 3, 2), ref=np.median, kwargs={"keepdims": True}, id="all-kept")
good("median", np.array(2.5), ref=np.median, id="0d")
good("median", np.array([3, 1, 2, 8]), ref=np.median, grad=False, id="int")
good("median", np.array([True, False, True]), ref=np.median, grad=False, id="bool")
# a float32 q places the quantiles in float32 arithmetic, as NumPy's: 15 * 0.3 is then 4.5, a tie
# that closest_observation breaks to the even side, and the linear mix weighs by float32's 0.3
for _method in ("closest_observation", "linear"):
    good("quantile", distinct(15), call=lambda x, m=_method: sd.quantile(x, np.float32(0.3), method=m),
         ref=lambda x, m=_method: np.quantile(x, np.float32(0.3), method=m), id=f"float32-q-{_method}")
good("quantile", distinct(7), 0.3, ref=np.quantile)
good("quantile", distinct(6), [0.0, 0.25, 0.5, 1.0], ref=np.quantile, id="list")
good("quantile", distinct(4, 5), [[0.1, 0.9]], ref=np.quantile, kwargs={"axis": 1, "keepdims": True},
     id="2d-q-kept")
good("quantile", distinct(3, 2, 4), [0.2, 0.7], ref=np.quantile, kwargs={"axis": (2, 0)}, id="two-axes")
for _method in sd.ops.order.METHODS:
    good("quantile", distinct(6), [0.0, 0.1, 0.35, 0.5, 0.8, 1.0], ref=np.quantile,
         kwargs={"method": _method}, id=_method)
good("quantile", np.array([5, 1, 4, 2]), 0.5, ref=np.quantile, kwargs={"method": "lower"}, grad=False,
     id="int-lower")
good("quantile", np.array([5, 1, 4, 2], np.int8), 0.4, ref=np.quantile, grad=False, id="int8")
# the methods that pick one of the values keep booleans boolean, as NumPy's
good("quantile", np.array([[True, False, True, True], [False, False, True, False]]), [0.1, 0.5, 0.9],
     ref=np.quantile, kwargs={"axis": 1, "method": "nearest"}, grad=False, id="bool-nearest")
good("quantile", np.array([True, False, True, False, False]), 0.3, ref=np.quantile,
     kwargs={"method": "inverted_cdf"}, grad=False, id="bool-inverted-cdf")
good("percentile", distinct(5, 2), [10, 50, 95], ref=np.percentile, kwargs={"axis": 0})
good("percentile", distinct(6), 25, ref=np.percentile, kwargs={"method": "midpoint"}, id="midpoint")
bad("quantile", lambda: sd.quantile(v("a", 3), 1.5), ValueError,
    r"quantile: q must be in the range \[0, 1\], got 1.5", id="range")
bad("percentile", lambda: sd.percentile(v("a", 3), [50, -1]), ValueError,
    r"percentile: q must be in the range \[0, 100\], got -1.0", id="range")
bad("quantile", lambda: sd.quantile(v("a", 3), 0.5, method="bogus"), ValueError,
    r"quantile: method='bogus' is not one of inverted_cdf, ", id="method")
bad("quantile", lambda: sd.quantile(v("a", 3), v("q")), TypeError,
    r"quantile: q must be constant numbers .* not an expression", id="node-q")
bad("quantile", lambda: sd.quantile(v("a", 3), [0.5, v("q")]), TypeError,
    r"quantile: q must be constant numbers .* not an expression", id="list-with-node")
for _name in ("quantile", "percentile"):
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3, dtype="complex128"), 0.5), sd.DTypeError,
        rf"^{_name}: a must be an array of real numbers, as NumPy's {_name} requires, got complex128",
        id="complex")
# along a named dimension alone the positions are computed when the function runs (test_ops);
# with other axes the values would be sorted along one axis of n * 3, which no shape names
bad("median", lambda: sd.median(v("a", "n", 3)), NotImplementedError,
    r"^median: axes \(0, 1\) of \(n, 3\) would be sorted as one axis of n \* 3 values, and a shape "
    r"holds only ints and dimension names, not arithmetic on them; take the median along the axis "
    r"of 'n' alone, or give 'n' a static size$", id="named-and-static")
bad("quantile", lambda: sd.quantile(v("a", "n", 2, "m"), 0.5, axis=(0, 2)), NotImplementedError,
    r"^quantile: axes \(0, 2\) of \(n, 2, m\) would be sorted as one axis of n \* m values, .* "
    r"or give 'n' and 'm' a static size$", id="two-named")
bad("diff", lambda: sd.diff(v("a", 3, "n")), NotImplementedError,
    r"^diff: axis 1 of \(3, n\) is the named dimension 'n', and the differences along it have "
    r"n - 1 elements \(and those prepend and append add\), which a shape cannot name", id="named")
bad("diff", lambda: sd.diff(v("a", "n", 3), 2, axis=0, prepend=0.0), NotImplementedError,
    r"^diff: axis 0 of \(n, 3\) is the named dimension 'n', and the differences along it have "
    r"n - 2 elements", id="named-order-2")
bad("trapezoid", lambda: sd.trapezoid(v("y", 3, "n"), v("x", 4)), sd.ShapeError,
    r"^trapezoid: x of shape \(4,\) does not run along axis 1 of y, of shape \(3, n\)$", id="named-x")
# NumPy's quantile of no values raises IndexError (its median is nan: test_ops)
bad("quantile", lambda: sd.quantile(v("a", 0, 3), 0.5, axis=0), sd.ShapeError,
    r"^quantile: the axes \(0,\) of \(0, 3\) hold no values", id="empty")
bad("percentile", lambda: sd.percentile(v("a", 2, 0), [10, 90], method="lower"), sd.ShapeError,
    r"^percentile: the axes \(0, 1\) of \(2, 0\) hold no values", id="empty")
bad("median", lambda: sd.median(v("a", 3), axis=1), sd.ShapeError,
    r"median: axis 1 is out of bounds for an array of 1 dimensions", id="axis")
bad("median", lambda: sd.median(v("a", 3), out=np.zeros(())), NotImplementedError,
    r"median: the argument 'out' is not supported; use the returned node$", id="out")
bad("percentile", lambda: sd.percentile(v("a", 3), "x"), TypeError, r"percentile: q must be numbers",
    id="str")
bad("quantile", lambda: sd.quantile(v("a", 3, dtype="bool"), 0.3), sd.DTypeError,
    r"^quantile: method='linear' mixes two neighbouring values, which NumPy cannot do for dtype bool",
    id="bool-mixed")
bad("percentile", lambda: sd.percentile(v("a", 3, dtype="bool"), [10, 50], method="hazen"), sd.DTypeError,
    r"^percentile: method='hazen' mixes two neighbouring values, which NumPy cannot do for dtype bool",
    id="bool-mixed")

# -- 0-d arrays given a lone axis (last in the table: samples draw from the tests' shared random
# stream, and those before keep their draws) ------------------------------------------------------
# NumPy's reductions take a lone axis 0 or -1 for a 0-d array, reducing nothing (also with
# keepdims), and so do argmax, argmin and the scans, which read it as an array of shape (1,); a
# tuple of axes, any other axis, and mean, var, std and the order statistics refuse it
_REDUCE_0D = {**{k: r for k, (r, _) in _REDUCTIONS.items() if k != "mean"},
              "any": np.any, "all": np.all, "argmax": np.argmax, "argmin": np.argmin}
for _name, _ref in _REDUCE_0D.items():
    _arg = np.array(True) if _name in ("any", "all") else np.array(-1.25)
    for _axis in (0, -1):
        for _keep in (False, True):
            good(_name, _arg, ref=_ref, kwargs={"axis": _axis, "keepdims": _keep},
                 grad=_name not in ("any", "all", "argmax", "argmin"), id=f"0d-axis{_axis}-keep{_keep}")
    good(_name, np.array(3), ref=_ref, kwargs={"axis": np.int64(-1)}, grad=False, id="0d-int-numpy-axis")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a"), axis=1), sd.ShapeError,
        rf"^{_name}: axis 1 is out of bounds for an array of 0 dimensions", id="0d-axis1")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a"), axis=-2), sd.ShapeError,
        rf"^{_name}: axis -2 is out of bounds for an array of 0 dimensions", id="0d-axis-2")
    if _name.startswith("arg"):
        bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a"), axis=(0,)), TypeError,
            rf"^{_name}: axis must be an int, got \(0,\)", id="0d-tuple")
    else:
        bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a"), axis=(0,)), sd.ShapeError,
            rf"^{_name}: axis 0 is out of bounds for an array of 0 dimensions", id="0d-tuple")
good("sum", np.array(2.5), ref=lambda x: np.sum(x, axis=0, initial=1.0, where=np.array(False)),
     call=lambda x: sd.sum(x, axis=0, initial=1.0, where=np.array(False)), id="0d-axis0-initial-where")
good("max", np.array(2.5), ref=lambda x: np.max(x, axis=-1, initial=3.0),
     call=lambda x: sd.max(x, axis=-1, initial=3.0), id="0d-axis-1-initial")
good("sum", np.array(7, np.int8), ref=np.sum, kwargs={"axis": 0}, grad=False, id="0d-int8")
for _name in ("mean", "variance", "std", "median"):
    for _axis in (0, -1):
        bad(_name, lambda f=sd.FUNCTIONS[_name], a=_axis: f(v("a"), axis=a), sd.ShapeError,
            rf"^{_name}: axis {_axis} is out of bounds for an array of 0 dimensions", id=f"0d-axis{_axis}")
bad("quantile", lambda: sd.quantile(v("a"), 0.5, axis=0), sd.ShapeError,
    r"^quantile: axis 0 is out of bounds for an array of 0 dimensions", id="0d-axis0")
for _name, _ref in [("cumsum", np.cumsum), ("cumprod", np.cumprod)]:  # read as shape (1,)
    for _axis in (0, -1):
        good(_name, np.array(-1.25), ref=_ref, kwargs={"axis": _axis}, id=f"0d-axis{_axis}")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a"), axis=1), sd.ShapeError,
        rf"^{_name}: axis 1 is out of bounds for an array of 0 dimensions", id="0d-axis1")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a"), axis=(0,)), TypeError,
        rf"^{_name}: axis must be an int, got \(0,\)", id="0d-tuple")

# an axis given as a 0-d integer array, as NumPy takes it (max's too: it is not a second array)
for _name, _ref in [("max", np.max), ("min", np.min), ("sum", np.sum), ("prod", np.prod),
                    ("mean", np.mean)]:
    good(_name, distinct(2, 3), ref=_ref, kwargs={"axis": np.array(1)}, id="axis-0d-array")
good("max", distinct(2, 3), ref=lambda x: np.max(x, axis=(np.array(0), -1)),
     call=lambda x: sd.max(x, axis=(np.array(0), -1)), id="axis-tuple-0d-array")
for _name in ("max", "min"):
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), axis=np.array([0])), TypeError,
        rf"^{_name}: axis must be an int or a tuple of ints, got array\(\[0\]\)", id="axis-1d-array")
# a list as axis: NumPy's reductions, squeeze and norm, and SciPy's softmax refuse it (TypeError);
# median, quantile, percentile, average and flip read it as a tuple
for _name, _call in [
    ("sum", lambda: sd.sum(v("a", 2, 3), axis=[0])),
    ("prod", lambda: sd.prod(v("a", 2, 3), axis=[0])),
    ("max", lambda: sd.max(v("a", 2, 3), axis=[0])),
    ("min", lambda: sd.min(v("a", 2, 3), axis=[0], initial=0.0)),
    ("mean", lambda: sd.mean(v("a", 2, 3), axis=[0])),
    ("variance", lambda: sd.variance(v("a", 2, 3), axis=[0])),
    ("std", lambda: sd.std(v("a", 2, 3), axis=[0])),
    ("any", lambda: sd.any(v("a", 2, 3), axis=[0])),
    ("all", lambda: sd.all(v("a", 2, 3), axis=[0])),
    ("logsumexp", lambda: sd.logsumexp(v("a", 2, 3), axis=[0])),
    ("squeeze", lambda: sd.squeeze(v("a", 1, 3), axis=[0])),
    ("softmax", lambda: sd.softmax(v("a", 2, 3), axis=[0])),
    ("log_softmax", lambda: sd.log_softmax(v("a", 2, 3), axis=[0])),
]:
    bad(_name, _call, TypeError,
        rf"^{_name}: axis must be an int or a tuple of ints, got the list \[0\]; pass a tuple, "
        r"axis=\(0,\)$", id="axis-list")
bad("sum", lambda: sd.sum(v("a"), axis=[0]), TypeError,  # not the lone 0 a 0-d array takes
    r"^sum: axis must be an int or a tuple of ints, got the list \[0\]", id="0d-axis-list")
bad("linalg.norm", lambda: sd.linalg.norm(v("a", 2, 3), axis=[0, 1]), TypeError,
    r"^linalg.norm: axis must be None, an int or a tuple of ints, got the list \[0, 1\]; "
    r"pass axis=\(0, 1\)$", id="axis-list")
good("median", distinct(2, 3, 4), ref=lambda x: np.median(x, axis=[0, 2]),
     call=lambda x: sd.median(x, axis=[0, 2]), id="axis-list")
good("quantile", distinct(2, 3, 4), ref=lambda x: np.quantile(x, 0.3, axis=[2, 1]),
     call=lambda x: sd.quantile(x, 0.3, axis=[2, 1]), id="axis-list")
good("percentile", distinct(2, 3), ref=lambda x: np.percentile(x, 70, axis=[1]),
     call=lambda x: sd.percentile(x, 70, axis=[1]), id="axis-list")
good("average", normal(2, 3), ref=lambda x: np.average(x, axis=[1]),
     call=lambda x: sd.average(x, axis=[1]), id="axis-list")
good("average", normal(2, 3), positive(2, 3), ref=lambda x, w: np.average(x, axis=[0, 1], weights=w),
     call=lambda x, w: sd.average(x, axis=[0, 1], weights=w), id="axis-list-weights")
good("flip", normal(2, 3), ref=lambda x: np.flip(x, axis=[1, 0]), call=lambda x: sd.flip(x, axis=[1, 0]),
     id="axis-list")
# softmax and log_softmax of a 0-d value at axis 0 or -1 (the default): SciPy's softmax of one
# value is 1.0 and log_softmax 0.0, in the value's float dtype (float64 for an integer)
for _name, _value in [("softmax", 1.0), ("log_softmax", 0.0)]:
    for _kwargs in ({}, {"axis": 0}, {"axis": -1}):
        good(_name, np.array(0.7), ref=lambda x, axis=-1, r=_value: np.full((), r, np.result_type(x, 0.0)),
             kwargs=_kwargs, id=f"0d-{_kwargs.get('axis', 'default')}")
    good(_name, np.array(2.5, np.float32), ref=lambda x, r=_value: np.full((), r, np.result_type(x, 0.0)),
         id="0d-float32")
    good(_name, np.array(3), ref=lambda x, r=_value: np.full((), r, np.float64), grad=False, id="0d-int")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a"), axis=1), sd.ShapeError,
        rf"^{_name}: axis 1 is out of bounds for an array of 0 dimensions", id="0d-axis1")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a"), axis=(0,)), sd.ShapeError,
        rf"^{_name}: axis 0 is out of bounds for an array of 0 dimensions", id="0d-tuple")

# just below a pole the reflection takes cot(pi x) of x less its nearest integer, exactly: of
# x - floor(x), -1e-300 became 1.0 (digamma 2.6e16, not 1e300) and -1e-8 lost half its digits
good("digamma", np.array([-1e-300, -1e-20, -1e-8, -0.9999999, -2.0000001]), ref=_mp(_mpmath.digamma),
     grad=False, id="just-below-poles")
good("polygamma", 1, np.array([-1e-150, -1e-8, -2.0000001]),
     ref=lambda n, x: _mp(lambda t: _mpmath.polygamma(n, t))(x), grad=False, id="just-below-poles")

# functions built on other ops report errors under their own name, not that of the op beneath
for _ord, _shape, _along in [(-np.inf, (0,), "axis 0"), (-1, (3, 0), r"axes \(0, 1\)"),
                             (-np.inf, (0, 3), r"axes \(0, 1\)"), (-2, (0, 3), r"axes \(0, 1\)")]:
    bad("linalg.norm", lambda o=_ord, s=_shape: sd.linalg.norm(sd.const(np.zeros(s)), o), sd.ShapeError,
        rf"^linalg.norm: ord={_ord!r} of shape {re.escape(str(_shape))} along {_along} is the smallest "
        r"of no values", id=f"empty-{_ord}-{'x'.join(map(str, _shape))}")
bad("linalg.multi_dot", lambda: sd.linalg.multi_dot([v("a", 3), v("b", 3, 4), v("c", 2, 2)]), sd.ShapeError,
    r"^linalg.multi_dot: arrays 1 and 2, of shapes \(3, 4\) and \(2, 2\), do not align \(4 vs 2\)",
    id="misaligned")
bad("linalg.matrix_power", lambda: sd.linalg.matrix_power(v("a", 2, 2, dtype="float16"), -1), sd.DTypeError,
    r"^linalg.matrix_power: float16 matrices are not supported", id="float16-inverse")

# einsum's sublist form: operands and lists of integer labels (0-51) alternate, then the output's
good("einsum", normal(2, 3), [0, 1], normal(3, 4), [1, 2], [0, 2], ref=np.einsum, id="sublist")
good("einsum", normal(2, 3), [0, 1], normal(3, 4), (1, 2), ref=np.einsum, id="sublist-implicit")
good("einsum", normal(2, 3), (np.int64(30), 1), ref=np.einsum, id="sublist-implicit-order")
good("einsum", normal(3, 3), [51, 51], [], ref=np.einsum, id="sublist-trace")
good("einsum", normal(5, 2, 3), [Ellipsis, 0, 1], normal(2, 3), [0, 1], [Ellipsis], ref=np.einsum,
     id="sublist-ellipsis")
good("einsum", np.array([[1, 2], [3, 4]]), [0, 1], np.array([5, 6]), [1], ref=np.einsum, grad=False,
     id="sublist-int")
bad("einsum", lambda: sd.einsum(v("a", 2, 3), [52, 1]), ValueError,
    r"^einsum: subscript 52 in \[52, 1\] is not within the valid range \[0, 52\)", id="sublist-range")
bad("einsum", lambda: sd.einsum(v("a", 2, 3), [True, 1]), TypeError,
    r"^einsum: each subscript must be an integer or Ellipsis, got True in \[True, 1\]", id="sublist-bool")
bad("einsum", lambda: sd.einsum(v("a", 2, 3), 5), TypeError,
    r"^einsum: the subscripts for each operand must be a list or a tuple \(the sublist form\), got 5",
    id="sublist-not-a-list")
bad("einsum", lambda: sd.einsum(v("a", 2, 3), [0]), sd.ShapeError,
    r"^einsum 'A': subscripts 'A' for an operand of 2 dimensions", id="sublist-too-few")

# where= of variance, std, any and all: a mask of the elements taken, a constant broadcast
# against the input or a boolean expression of it (its own random stream, so that the samples
# above keep their draws). Every slice keeps two elements at least: the value of none, nan with
# a RuntimeWarning as NumPy's, is checked in test_ops.
_where_rng = np.random.default_rng(20260107)
_SIGNS = np.array([[1, -1, 1, 1], [-1, 1, 1, -1], [1, 1, -1, 1]], dtype=float)  # two + per row and column
_AT_LEAST_TWO = _SIGNS > 0  # (3, 4)
_AWAY = _where_rng.uniform(0.3, 2.0, (2, 3, 4)) * _SIGNS  # x > 0 is _AT_LEAST_TWO, far from a flip
for _name, _ref in [("variance", np.var), ("std", np.std)]:
    for _kwargs, _id in [({"axis": 1, "ddof": 1}, "where-axis"),
                         ({"axis": (0, 2), "keepdims": True}, "where-axes-keepdims"),
                         ({"axis": -1, "ddof": 1, "keepdims": True}, "where-keepdims"),
                         ({}, "where-all")]:
        good(_name, _where_rng.standard_normal((2, 3, 4)), ref=_ref,
             kwargs={**_kwargs, "where": _AT_LEAST_TWO}, id=_id)
    good(_name, _where_rng.standard_normal((2, 3, 4)), ref=_ref,
         kwargs={"axis": 2, "where": np.array([True, False, True, True])}, id="where-broadcast")
    good(_name, _AWAY, call=lambda x, f=sd.FUNCTIONS[_name]: f(x, axis=-1, ddof=1, where=x > 0),
         ref=lambda x, r=_ref: r(x, axis=-1, ddof=1, where=x > 0), id="where-expression")
    good(_name, _AWAY, call=lambda x, f=sd.FUNCTIONS[_name]: x.var(axis=(0, 1), where=x > 0) if f is sd.variance
         else x.std(axis=(0, 1), where=x > 0), ref=lambda x, r=_ref: r(x, axis=(0, 1), where=x > 0),
         id="where-method")
    good(_name, _where_rng.standard_normal((2, 3, 4)) + 1j * _where_rng.standard_normal((2, 3, 4)),
         ref=_ref, kwargs={"axis": 1, "where": _AT_LEAST_TWO}, grad=False, id="where-complex")
    good(_name, np.array([[1, 2, 4, 8], [3, 5, 9, 0]]), ref=_ref,
         kwargs={"axis": 1, "where": np.array([True, True, False, True])}, id="where-int")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), where=np.ones(3)), sd.DTypeError,
        rf"^{_name}: where must be a boolean mask, got float64$", id="where-float")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), where=np.ones((2, 3), bool)), sd.ShapeError,
        rf"^{_name}: where of shape \(2, 3\) does not broadcast to the input's shape \(3,\)$",
        id="where-larger")
for _name, _ref in (("any", np.any), ("all", np.all)):
    good(_name, _AWAY, call=lambda x, f=sd.FUNCTIONS[_name]: f(x > 1.0, axis=1, where=x > 0),
         ref=lambda x, f=_ref: f(x > 1.0, axis=1, where=x > 0), grad=False, id="where-expression")
    good(_name, _AWAY, call=lambda x, f=sd.FUNCTIONS[_name]: f(x, axis=(0, 2), keepdims=True,
                                                               where=_AT_LEAST_TWO[:, :1]),
         ref=lambda x, f=_ref: f(x, axis=(0, 2), keepdims=True, where=_AT_LEAST_TWO[:, :1]), grad=False,
         id="where-float-input")
    good(_name, _AWAY, call=lambda x, n=_name: getattr(x < 0, n)(where=np.array([True, False, False, True])),
         ref=lambda x, n=_name: getattr(x < 0, n)(where=np.array([True, False, False, True])), grad=False,
         id="where-method")
    good(_name, np.array([[0, 3], [2, 5]]), ref=_ref, kwargs={"axis": (), "where": np.array([False, True])},
         grad=False, id="where-no-axes")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), where=np.ones((3, 3), bool)), sd.ShapeError,
        rf"^{_name}: where of shape \(3, 3\) does not broadcast to the input's shape \(2, 3\)$",
        id="where-mismatch")

# average(..., returned=True): the pair (average, sum of weights), the sum broadcast to the
# average's shape (the count of elements without weights)
for _k in (0, 1):
    good("average", _where_rng.standard_normal((2, 3, 4)), _where_rng.uniform(0.5, 2.0, 3),
         call=lambda a, w, k=_k: sd.average(a, 1, w, returned=True)[k],
         ref=lambda a, w, k=_k: np.average(a, 1, w, returned=True)[k], id=f"returned-axis-weights-{_k}")
    good("average", _where_rng.standard_normal((2, 3, 4)), _where_rng.uniform(0.5, 2.0, (2, 3, 4)),
         call=lambda a, w, k=_k: sd.average(a, (0, 2), w, returned=True, keepdims=True)[k],
         ref=lambda a, w, k=_k: np.average(a, (0, 2), w, returned=True, keepdims=True)[k],
         id=f"returned-full-weights-keepdims-{_k}")
    good("average", _where_rng.standard_normal((2, 3)), _where_rng.uniform(0.5, 2.0, (2, 3)),
         call=lambda a, w, k=_k: sd.average(a, weights=w, returned=True)[k],
         ref=lambda a, w, k=_k: np.average(a, weights=w, returned=True)[k], id=f"returned-all-axes-{_k}")
    good("average", np.array([[1, 2, 4], [3, 5, 9]]), np.array([1, 0, 3]),
         call=lambda a, w, k=_k: sd.average(a, -1, w, returned=1)[k],
         ref=lambda a, w, k=_k: np.average(a, -1, w, returned=1)[k], grad=False, id=f"returned-int-{_k}")
    good("average", _where_rng.standard_normal((2, 3, 4)).astype(np.float32),
         call=lambda a, k=_k: sd.average(a, axis=(2, 0), returned=True)[k],
         ref=lambda a, k=_k: np.average(a, axis=(2, 0), returned=True)[k], grad=False,
         id=f"returned-no-weights-float32-{_k}")
    good("average", _where_rng.standard_normal((2, 3)), call=lambda a, k=_k: sd.average(a, returned=True)[k],
         ref=lambda a, k=_k: np.average(a, returned=True)[k], id=f"returned-no-weights-all-{_k}")

# -- searching, interpolation, convolution, layout -----------------------------------------------------

_KNOTS = np.array([-1.0, 0.0, 0.5, 2.0, 3.5])  # sorted, with the values between and beyond them below
_BETWEEN = np.array([[-2.5, -0.4, 0.2], [1.1, 2.9, 4.25]])
good("searchsorted", _KNOTS, _BETWEEN, ref=np.searchsorted, zero_grad=True)
good("searchsorted", _KNOTS, np.array([-1.0, 0.5, 0.7, 3.5, 9.0]), ref=np.searchsorted, kwargs={"side": "right"},
     zero_grad=True, id="right-at-knots")
good("searchsorted", np.array([2.0, 0.5, -1.0, 3.5, 0.0]), np.array([0.5, 0.1, -3.0]),
     call=lambda a, v: sd.searchsorted(a, v, sorter=np.argsort(np.array([2.0, 0.5, -1.0, 3.5, 0.0]))),
     ref=lambda a, v: np.searchsorted(a, v, sorter=np.argsort(a)), zero_grad=True, id="sorter")
good("searchsorted", np.array([1, 3, 3, 7]), call=lambda a: sd.searchsorted(a, 3), ref=lambda a: np.searchsorted(a, 3),
     grad=False, id="int-scalar")
good("searchsorted", np.array([1, 3, 3, 7], np.int8), call=lambda a: sd.searchsorted(a, [300, -300, 3.5]),
     ref=lambda a: np.searchsorted(a, [300, -300, 3.5]), grad=False, id="int8-wide-values")
good("searchsorted", normal(3), call=lambda v: sd.searchsorted(np.array([-0.5, 0.0, 0.5]), v, "right"),
     ref=lambda v: np.searchsorted([-0.5, 0.0, 0.5], v, "right"), zero_grad=True, id="constant-a")
good("searchsorted", _KNOTS, _BETWEEN, call=lambda a, v: a.searchsorted(v, "right"),
     ref=lambda a, v: a.searchsorted(v, "right"), zero_grad=True, id="method")
bad("searchsorted", lambda: sd.searchsorted(v("a", 2, 3), v("v", 2)), sd.ShapeError,
    r"^searchsorted: `a` must be 1-d, got shape \(2, 3\)$", id="2d")
bad("searchsorted", lambda: sd.searchsorted(v("a", 3), v("v", 2), side="Right"), ValueError,
    r"^searchsorted: side must be 'left' or 'right', got 'Right'$", id="side")
bad("searchsorted", lambda: sd.searchsorted(v("a", 3), 1.0, sorter=[0, 1]), sd.ShapeError,
    r"`sorter` of shape \(2,\) must have the shape of `a`, \(3,\)", id="sorter-length")

_XP = np.array([-1.0, 0.0, 0.5, 2.0, 3.5])
_X_OFF_KNOTS = np.array([[-1.7, -0.6, 0.3, 1.2], [1.9, 2.6, 3.3, 4.4]])  # inside, and beyond both ends
good("interp", _X_OFF_KNOTS, normal(5), call=lambda x, f: sd.interp(x, _XP, f),
     ref=lambda x, f: np.interp(x, _XP, f), id="x-and-fp")
good("interp", _X_OFF_KNOTS, _XP, normal(5), ref=np.interp, id="all-variables")
good("interp", _X_OFF_KNOTS, _XP, normal(5), ref=np.interp, kwargs={"left": -3.0, "right": 0.25}, id="left-right")
good("interp", _X_OFF_KNOTS, _XP, normal(5), np.array(-3.0), np.array(4.0), ref=np.interp, id="bounds-variables")
good("interp", np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.5, -2.0, 7.0]), _XP, normal(5), ref=np.interp, grad=False,
     id="at-knots")
good("interp", np.array([0.3, 2.6]), _XP, normal(5), ref=np.interp, kwargs={"period": 4.0}, id="period")
good("interp", np.array([-7.3, 0.3, 2.6, 11.1]), np.array([0.5, 3.0, 1.5, -0.7]), normal(4), ref=np.interp,
     kwargs={"period": -4.0}, id="period-unsorted")
good("interp", np.array(0.7), np.array([0.0, 1.0]), normal(2), ref=np.interp, id="0d")
good("interp", np.array([-0.5, 0.5, 1.5]), np.array([0.5]), normal(1), ref=np.interp, grad=False, id="one-point")
good("interp", np.array([-0.5, 0.2, 0.7]), normal(3) + 1j * normal(3), call=lambda x, f: sd.interp(x, [0.0, 0.5, 1.0], f),
     ref=lambda x, f: np.interp(x, [0.0, 0.5, 1.0], f), grad=False, id="complex")
good("interp", np.array([1, 2, 5]), call=lambda x: sd.interp(x, np.array([0, 3, 6]), np.array([2, 8, -1])),
     ref=lambda x: np.interp(x, np.array([0, 3, 6]), np.array([2, 8, -1])), grad=False, id="ints")
good("interp", _X_OFF_KNOTS.astype(np.float32), call=lambda x: sd.interp(x, _XP, _XP ** 2),
     ref=lambda x: np.interp(x, _XP, _XP ** 2), grad=False, id="float32-gives-float64")
bad("interp", lambda: sd.interp(v("x", 3), v("xp", 2, 2), v("fp", 2, 2)), sd.ShapeError,
    r"interp: the data points must be 1-d, got `xp` of shape \(2, 2\)", id="2d")
bad("interp", lambda: sd.interp(v("x", 3), v("xp", 3), v("fp", 2)), sd.ShapeError,
    r"^interp: `fp` and `xp` are not of the same length \(2 and 3\)$", id="lengths")
bad("interp", lambda: sd.interp(v("x", 3), v("xp", 0), v("fp", 0)), ValueError,
    r"interp: the array of sample points `xp` is empty", id="empty")
bad("interp", lambda: sd.interp(v("x", 3), v("xp", 2), v("fp", 2), period=0), ValueError,
    r"interp: `period` must be a non-zero value", id="period-zero")
bad("interp", lambda: sd.interp(v("x", 3), v("xp", 2), v("fp", 2), left=[1.0, 2.0]), TypeError,
    r"interp: `left` must be a scalar, got shape \(2,\)", id="left-array")

for _name in ("convolve", "correlate"):
    for _na, _nv in ((5, 3), (3, 5), (4, 4), (1, 3), (6, 1)):
        for _mode in ("full", "same", "valid"):
            good(_name, normal(_na), normal(_nv), ref=getattr(np, _name), kwargs={"mode": _mode},
                 id=f"{_na}-{_nv}-{_mode}")
    good(_name, normal(4) + 1j * normal(4), normal(3) - 1j * normal(3), ref=getattr(np, _name),
         kwargs={"mode": "same"}, grad=False, id="complex")
    good(_name, np.array([1, -2, 3], np.int8), np.array([2, 1], np.int8), ref=getattr(np, _name), grad=False,
         id="int8")
    good(_name, np.array([True, False, True]), np.array([True, True]), ref=getattr(np, _name), grad=False, id="bool")
    good(_name, normal(4).astype(np.float32), call=lambda a, f=sd.FUNCTIONS[_name]: f(a, [0.5, 2.0], 1),
         ref=lambda a, f=getattr(np, _name): f(a, [0.5, 2.0], 1), grad=False, id="list-promotes-mode-number")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), v("v", 2), mode="SAME"), ValueError,
        rf"^{_name}: mode must be one of 'valid', 'same', or 'full', got 'SAME'$", id="mode")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3), v("v", 2)), sd.ShapeError,
        rf"^{_name}: `a` must be 1-d, got shape \(2, 3\)$", id="2d")
good("convolve", normal(3), call=lambda a: sd.convolve(a, 2.0), ref=lambda a: np.convolve(a, 2.0), id="scalar")
bad("convolve", lambda: sd.convolve(v("a", 0), v("v", 2)), ValueError, r"^convolve: `v` cannot be empty$",
    id="empty")
bad("correlate", lambda: sd.correlate(v("a", 0), v("v", 2)), ValueError,
    r"^correlate: the first array argument cannot be empty$", id="empty")


def _grids(fn):
    """meshgrid's arrays as one (each scaled differently, so each one's derivative is told apart)."""
    def call(*xs, **kw):
        grids = [g * (k + 1) for k, g in enumerate(fn(*xs, **kw))]
        if isinstance(grids[0], sd.Node):
            return sd.stack([sd.broadcast_to(g, sd.meshgrid(*xs, **{**kw, "sparse": False})[0].shape) for g in grids])
        return np.stack(np.broadcast_arrays(*grids))
    return call


for _indexing in ("xy", "ij"):
    for _sparse in (False, True):
        good("meshgrid", normal(3), normal(2), normal(4), call=_grids(sd.meshgrid), ref=_grids(np.meshgrid),
             kwargs={"indexing": _indexing, "sparse": _sparse}, id=f"{_indexing}-sparse-{_sparse}")
    good("meshgrid", normal(2, 2), normal(3), call=_grids(sd.meshgrid), ref=_grids(np.meshgrid),
         kwargs={"indexing": _indexing}, id=f"{_indexing}-flattens")
    good("meshgrid", normal(3), call=_grids(sd.meshgrid), ref=_grids(np.meshgrid), kwargs={"indexing": _indexing},
         id=f"{_indexing}-one")
good("meshgrid", np.array([1, 2], np.int8), call=lambda a: sd.meshgrid(a, np.array([0.5, 1.5, 2.5]), copy=False)[1],
     ref=lambda a: np.meshgrid(a, np.array([0.5, 1.5, 2.5]), copy=False)[1], grad=False, id="dtypes-kept")
bad("meshgrid", lambda: sd.meshgrid(v("a", 2), indexing="xyz"), ValueError,
    r"^meshgrid: indexing must be 'xy' or 'ij', got 'xyz'$", id="indexing")

for _k in (-1, 0, 1, 2, 3, 5):
    good("rot90", normal(2, 3), _k, ref=np.rot90, id=f"k{_k}")
for _axes in ((1, 0), (0, 2), (2, -3), (-1, 1)):
    good("rot90", normal(2, 3, 4), 1, _axes, ref=np.rot90, id=f"axes{_axes}")
    good("rot90", normal(2, 3, 4), 3, _axes, ref=np.rot90, id=f"axes{_axes}-k3")
bad("rot90", lambda: sd.rot90(v("a", 2, 3), axes=(0, 2)), ValueError, r"^rot90: the axes must be different", id="same")
bad("rot90", lambda: sd.rot90(v("a", 2, 3), axes=(0,)), ValueError, r"^rot90: `axes` must be a pair", id="one")
bad("rot90", lambda: sd.rot90(v("a", 2, 3), axes=(0, 3)), sd.ShapeError, r"out of range", id="range")

good("append", normal(2, 3), normal(4), ref=np.append, id="flat")
good("append", normal(2, 3), normal(1, 3), ref=np.append, kwargs={"axis": 0}, id="axis0")
good("append", normal(2, 3), normal(2, 2), ref=np.append, kwargs={"axis": -1}, id="axis-1")
good("append", normal(3).astype(np.float32), call=lambda a: sd.append(a, 1.5), ref=lambda a: np.append(a, 1.5),
     grad=False, id="float32-and-a-python-float")
good("append", np.array([1, 2], np.int8), call=lambda a: sd.append(a, [3]), ref=lambda a: np.append(a, [3]), grad=False,
     id="int8-and-a-list")
bad("append", lambda: sd.append(v("a", 2, 3), v("b", 3), axis=0), sd.ShapeError, r"concatenate", id="ndim")

for _obj, _values, _axis, _id in (
        (1, np.array(7.5), None, "int-flat"), (-1, np.array([7.5, 8.5]), 1, "int-axis"),
        (3, np.array([[7.5], [8.5]]), 1, "int-column"), ([1], np.array([[7.5], [8.5]]), 1, "list-of-one"),
        ([2, 0, 2], np.array([7.5, 8.5, 9.5]), None, "unsorted-repeats"), (slice(0, 3, 2), np.array(1.5), 1, "slice"),
        ([-2, 2], np.array([[1.0, 2.0, 3.0]]), 0, "negative-and-end")):
    good("insert", normal(2, 3), _obj, _values, ref=np.insert, kwargs={"axis": _axis}, id=_id)
good("insert", normal(2, 3), call=lambda a: sd.insert(a, np.array([True, False, True]), 0.5, axis=1),
     ref=lambda a: np.insert(a, np.array([True, False, True]), 0.5, axis=1), id="mask")
good("insert", np.array([[1, 2], [3, 4]]), call=lambda a: sd.insert(a, 1, 9.75, axis=0),
     ref=lambda a: np.insert(a, 1, 9.75, axis=0), grad=False, id="values-cast-to-int")
good("insert", normal(3), call=lambda a: sd.insert(a, [], 2.0), ref=lambda a: np.insert(a, [], 2.0), id="nothing")
bad("insert", lambda: sd.insert(v("a", 3), 5, 1.0), IndexError, r"^insert: index 5 is out of bounds for axis 0 "
    r"with size 3$", id="bounds")
bad("insert", lambda: sd.insert(v("a", 2, 3), [0, 1], np.ones(3), axis=1), sd.ShapeError,
    r"^insert: values of shape \(3,\) do not broadcast to the \(2, 2\) inserted into \(2, 3\)$", id="values")
bad("insert", lambda: sd.insert(v("a", 3), v("i", dtype="int64"), 1.0), TypeError, r"insert: `obj` must be",
    id="expression")

for _obj, _axis, _id in ((1, None, "int-flat"), (-1, 1, "int-axis"), ([0, 2], 1, "list"), ([2, 2, 0], 1, "repeats"),
                         (slice(None, None, 2), None, "slice"), ([], 0, "nothing")):
    good("delete", normal(2, 3), _obj, ref=np.delete, kwargs={"axis": _axis}, id=_id)
good("delete", normal(2, 3), call=lambda a: sd.delete(a, np.array([True, False, True]), axis=1),
     ref=lambda a: np.delete(a, np.array([True, False, True]), axis=1), id="mask")
bad("delete", lambda: sd.delete(v("a", 2, 3), 5, axis=1), IndexError,
    r"^delete: index 5 is out of bounds for axis 1 with size 3$", id="bounds")

# -- NaN-ignoring reductions and scans: NaNs count as the identity (none for the extrema) -------
_nan_rng = np.random.default_rng(20260301)


def with_nans(*shape: int, every: int = 3) -> np.ndarray:
    """Normal values with a NaN at every ``every``-th position (never a whole row of 4)."""
    x = _nan_rng.standard_normal(shape)
    x.reshape(-1)[::every] = np.nan
    return x


_MASK_ROW = np.array([False, True, True, True])  # where= of rows of 4, leaving two numbers in each
_AT_NAN = np.array([[True, False, False, False], [False, False, True, False], [False, True, False, True]])
_NAN_REDUCTIONS = {"nansum": np.nansum, "nanprod": np.nanprod, "nanmean": np.nanmean,
                   "nanvar": np.nanvar, "nanstd": np.nanstd}
for _name, _ref in _NAN_REDUCTIONS.items():
    good(_name, with_nans(7), ref=_ref)
    good(_name, with_nans(3, 4), ref=_ref, kwargs={"axis": 1})
    good(_name, with_nans(3, 4), ref=_ref, kwargs={"axis": 0, "keepdims": True})
    good(_name, with_nans(2, 3, 4), ref=_ref, kwargs={"axis": (0, -1)})
    good(_name, with_nans(3, 4).astype(np.float32), ref=_ref, kwargs={"axis": -1}, grad=False, id="float32")
    good(_name, np.array([[1, 2, 4], [3, 5, 9]]), ref=_ref, kwargs={"axis": 1}, grad=False, id="int")
    good(_name, with_nans(3, 4), ref=_ref, kwargs={"axis": 1, "where": _MASK_ROW}, id="where")
for _name in ("nanvar", "nanstd"):
    good(_name, with_nans(3, 4), ref=_NAN_REDUCTIONS[_name], kwargs={"axis": 0, "ddof": 1}, id="ddof")
    good(_name, with_nans(4, 5), ref=_NAN_REDUCTIONS[_name], kwargs={"axis": 1, "correction": 1.5},
         id="correction")
    good(_name, with_nans(3, 4) + 1j * _nan_rng.standard_normal((3, 4)), ref=_NAN_REDUCTIONS[_name],
         kwargs={"axis": 1}, grad=False, id="complex")
good("nansum", with_nans(3, 4), ref=np.nansum, kwargs={"axis": 1, "dtype": np.float32}, grad=False, id="dtype")
good("nansum", with_nans(3, 4), ref=np.nansum, kwargs={"initial": 2.5}, id="initial")
good("nanprod", with_nans(3, 4), ref=np.nanprod, kwargs={"axis": 0, "initial": -2.0}, id="initial")
good("nanmean", with_nans(3, 4) + 1j * _nan_rng.standard_normal((3, 4)), ref=np.nanmean, kwargs={"axis": 0},
     grad=False, id="complex")
for _name, _ref in (("nanmax", np.nanmax), ("nanmin", np.nanmin)):
    good(_name, np.where(_AT_NAN, np.nan, distinct(3, 4)), ref=_ref)
    good(_name, np.where(_AT_NAN, np.nan, distinct(3, 4)), ref=_ref, kwargs={"axis": 1})
    good(_name, np.where(_AT_NAN, np.nan, distinct(3, 4)), ref=_ref, kwargs={"axis": 0, "keepdims": True})
    good(_name, np.array([[np.nan, np.nan], [1.0, np.nan]]), ref=_ref,
         kwargs={"axis": 1, "initial": 2.0 if _name == "nanmax" else -2.0}, id="all-nan-initial")
    good(_name, np.where(_AT_NAN, np.nan, distinct(3, 4)), ref=_ref,
         kwargs={"axis": 1, "initial": 0.0, "where": _MASK_ROW}, id="where")
    good(_name, np.array([[3, 1, 4], [1, 5, 9]], np.int8), ref=_ref, kwargs={"axis": 0}, grad=False, id="int8")
    good(_name, np.where(_AT_NAN, np.nan, distinct(3, 4)).astype(np.float32), ref=_ref, grad=False, id="float32")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 0, 3), axis=0), sd.ShapeError,
        r"axis 0 of \(0, 3\) is empty", id=f"{_name}-empty")
# the NaN-ignoring order statistics: each slice's own count of numbers places its quantiles
_NAN_DISTINCT = np.where(_AT_NAN, np.nan, distinct(3, 4))
good("nanmedian", _NAN_DISTINCT, ref=np.nanmedian)
good("nanmedian", _NAN_DISTINCT, ref=np.nanmedian, kwargs={"axis": 1})
good("nanmedian", _NAN_DISTINCT, ref=np.nanmedian, kwargs={"axis": 0, "keepdims": True})
good("nanmedian", np.where(_AT_NAN, np.nan, distinct(3, 4)).reshape(2, 3, 2), ref=np.nanmedian,
     kwargs={"axis": (0, -1)}, id="two-axes")
good("nanmedian", np.array([[3, 1, 4], [1, 5, 9]], np.int8), ref=np.nanmedian, kwargs={"axis": 1}, grad=False,
     id="int8")
good("nanmedian", _NAN_DISTINCT.astype(np.float16), ref=np.nanmedian, kwargs={"axis": 1}, grad=False,
     id="float16")
good("nanmedian", np.array(2.5), ref=np.nanmedian, id="0d")
for _method in sd.ops.order.METHODS:
    good("nanquantile", _NAN_DISTINCT, [0.0, 0.3, 0.5, 1.0], ref=np.nanquantile,
         kwargs={"axis": 1, "method": _method}, id=_method)
good("nanquantile", _NAN_DISTINCT, 0.3, ref=np.nanquantile)
good("nanquantile", _NAN_DISTINCT, 0.7, ref=np.nanquantile, kwargs={"axis": -2, "keepdims": True}, id="keepdims")
good("nanquantile", _NAN_DISTINCT, [[0.2], [0.9]], ref=np.nanquantile, kwargs={"axis": 0}, id="2d-q")
good("nanquantile", _NAN_DISTINCT.astype(np.float32), 0.4, ref=np.nanquantile, kwargs={"axis": 1},
     grad=False, id="float32")
good("nanquantile", np.array([[5, 1, 4, 2], [3, 3, 0, 7]]), [0.25, 0.5], ref=np.nanquantile,
     kwargs={"axis": 1, "method": "midpoint"}, grad=False, id="int")
good("nanpercentile", _NAN_DISTINCT, [10, 50, 95], ref=np.nanpercentile, kwargs={"axis": 0})
good("nanpercentile", _NAN_DISTINCT, 25, ref=np.nanpercentile, kwargs={"axis": 1, "method": "nearest"},
     id="nearest")
for _name in ("nanquantile", "nanpercentile"):
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("z", 3, dtype="complex128"), 0.5), TypeError,
        rf"^{_name}: a must be an array of real numbers", id="complex")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), 101), ValueError,
        rf"^{_name}: q must be in the range", id="range")
bad("nanquantile", lambda: sd.nanquantile(v("a", 3), 0.5, method="bogus"), ValueError,
    r"^nanquantile: method='bogus' is not one of", id="method")
for _name, _ref in (("nanargmax", np.nanargmax), ("nanargmin", np.nanargmin)):
    good(_name, np.where(_AT_NAN, np.nan, distinct(3, 4)), ref=_ref, grad=False)
    good(_name, np.where(_AT_NAN, np.nan, distinct(3, 4)), ref=_ref, kwargs={"axis": 1}, grad=False)
    good(_name, np.where(_AT_NAN, np.nan, distinct(3, 4)), ref=_ref, kwargs={"axis": 0, "keepdims": True},
         grad=False)
    good(_name, np.array([4, 1, 7], np.int8), ref=_ref, grad=False, id="int8")
for _name, _ref in (("nancumsum", np.nancumsum), ("nancumprod", np.nancumprod)):
    good(_name, with_nans(7), ref=_ref)
    good(_name, with_nans(3, 4), ref=_ref)
    good(_name, with_nans(3, 4), ref=_ref, kwargs={"axis": 1})
    good(_name, with_nans(3, 4), ref=_ref, kwargs={"axis": -2, "dtype": np.float32}, grad=False, id="dtype")
    good(_name, np.array([[1, 2, 4], [3, 5, 9]], np.int8), ref=_ref, kwargs={"axis": 0}, grad=False, id="int8")

# -- ranges, closeness, signs and angles ------------------------------------------------------------
good("ptp", distinct(3, 4), ref=np.ptp)
good("ptp", distinct(3, 4), ref=np.ptp, kwargs={"axis": 1})
good("ptp", distinct(2, 3, 4), ref=np.ptp, kwargs={"axis": (0, 2), "keepdims": True})
good("ptp", np.array([[-128, 127], [5, 3]], np.int8), ref=np.ptp, kwargs={"axis": 1}, grad=False, id="int8-wraps")
bad("ptp", lambda: sd.ptp(v("a", 3, dtype="bool")), sd.DTypeError, r"ptp: boolean input is not supported")
_NEAR = np.array([[1.0, np.inf, -np.inf, np.nan], [1e-9, 0.0, np.inf, 2.0]])
_NEAR_B = np.array([[1.0 + 1e-6, np.inf, np.inf, np.nan], [0.0, 1e-9, 1e308, 2.0 + 3e-5]])
good("isclose", _NEAR, _NEAR_B, ref=np.isclose, grad=False)
good("isclose", _NEAR, _NEAR_B, ref=np.isclose, kwargs={"equal_nan": True, "rtol": 1e-4, "atol": 0.0},
     grad=False, id="equal_nan")
good("isclose", np.array([1, 2, 3]), np.array([1, 3, 3]), ref=np.isclose, grad=False, id="int")
good("isclose", np.float32([1.0, 1.00001, 2.0]), call=lambda a: sd.isclose(a, 1), ref=lambda a: np.isclose(a, 1),
     grad=False, id="python-int")
good("allclose", _NEAR, _NEAR_B, ref=np.allclose, grad=False)
good("allclose", _NEAR, _NEAR, ref=np.allclose, kwargs={"equal_nan": True}, grad=False, id="equal_nan")
good("signbit", np.array([0.0, -0.0, np.nan, -np.nan, -2.0, np.inf]), ref=np.signbit, grad=False)
good("signbit", np.float32([-0.0, 1.0]), ref=np.signbit, grad=False, id="float32")
good("signbit", np.array([0, -1, 3], np.int8), ref=np.signbit, grad=False, id="int8")
bad("signbit", lambda: sd.signbit(v("z", 3, dtype="complex128")), sd.DTypeError, r"signbit: complex input")
good("nextafter", normal(2, 3), normal(3), ref=np.nextafter)
good("nextafter", np.array([0.0, 1.0, -0.0, 5e-324]), np.array([1.0, 1.0, -1.0, 0.0]), ref=np.nextafter,
     grad=False, id="edges")
good("nextafter", np.array([1, 2]), call=lambda a: sd.nextafter(a, 0), ref=lambda a: np.nextafter(a, 0),
     grad=False, id="int")
good("ldexp", normal(2, 3), np.array([3, -2, 0]), ref=np.ldexp)
good("ldexp", np.array([2.0**-1074, 1e-310, 3.0]), np.array([1100, 1000, -1080]), ref=np.ldexp, grad=False,
     id="exact")
good("ldexp", normal(3).astype(np.float32), call=lambda a: sd.ldexp(a, 4), ref=lambda a: np.ldexp(a, 4),
     grad=False, id="float32-python-int")
good("ldexp", np.array([1, 3], np.int8), np.array([3, -2], np.int8), ref=np.ldexp, grad=False, id="int8")
bad("ldexp", lambda: sd.ldexp(v("a", 3), v("b", 3)), sd.DTypeError, r"ldexp: NumPy cannot apply it to dtypes float64, float64")
good("angle", normal(2, 3) + 1j * normal(2, 3), ref=np.angle, grad=False, id="complex")
good("angle", normal(2, 3) + 1j * normal(2, 3), ref=np.angle, kwargs={"deg": True}, grad=False, id="deg")
good("angle", away_from_zero(5), ref=np.angle)
good("angle", np.float32([-1.0, 2.0, -0.0]), ref=np.angle, kwargs={"deg": True}, grad=False, id="float32")
good("angle", np.array([-1, 2]), ref=np.angle, grad=False, id="int")

# -- NumPy 2's vecdot, matrix_transpose, cumulative_sum and cumulative_prod -------------------------
good("vecdot", normal(2, 3), normal(3), ref=np.vecdot)
good("vecdot", normal(4, 1, 3), normal(2, 3), ref=np.vecdot, id="broadcast")
good("vecdot", normal(3, 2), normal(3, 2), ref=np.vecdot, kwargs={"axis": 0})
good("vecdot", normal(2, 3) + 1j * normal(2, 3), normal(2, 3) - 2j * normal(2, 3), ref=np.vecdot, grad=False,
     id="complex")
good("vecdot", np.array([100, 100], np.int8), np.array([2, 2], np.int8), ref=np.vecdot, grad=False, id="int8-wraps")
good("vecdot", np.array([True, False]), np.array([True, True]), ref=np.vecdot, grad=False, id="bool")
bad("vecdot", lambda: sd.vecdot(v("a", 2, 3), v("b", 1)), sd.ShapeError,
    r"vecdot: axis -1 of \(2, 3\) and of \(1,\) differ in length \(3 != 1\)")
good("matrix_transpose", normal(2, 3), ref=np.matrix_transpose)
good("matrix_transpose", normal(2, 3, 4), ref=np.matrix_transpose)
bad("matrix_transpose", lambda: sd.matrix_transpose(v("a", 3)), sd.ShapeError,
    r"matrix_transpose: input must have at least 2 dimensions, got shape \(3,\)")
for _name, _ref, _gen in (("cumulative_sum", np.cumulative_sum, normal),
                          ("cumulative_prod", np.cumulative_prod, away_from_zero)):
    good(_name, _gen(5), ref=_ref)
    good(_name, _gen(5), ref=_ref, kwargs={"include_initial": True})
    good(_name, _gen(2, 3), ref=_ref, kwargs={"axis": 1, "include_initial": True})
    good(_name, _gen(2, 3), ref=_ref, kwargs={"axis": -2})
    good(_name, np.array(2.5), ref=_ref, kwargs={"include_initial": True}, id="0d")
    good(_name, np.array([1, 2, 3], np.int8), ref=_ref, kwargs={"include_initial": True}, grad=False, id="int8")
    good(_name, _gen(2, 3), ref=_ref, kwargs={"axis": 0, "dtype": np.float32}, grad=False, id="dtype")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 2, 3)), sd.ShapeError,
        rf"{_name}: an array of more than one dimension \(shape \(2, 3\)\) needs axis=", id=f"{_name}-axis")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", "n"), include_initial=True), sd.ShapeError,
        rf"{_name}: include_initial=True along the named dimension 'n' is not supported",
        id=f"{_name}-named")

# -- covariance and correlation -----------------------------------------------------------------------
_FW, _AW = np.array([1, 2, 0, 3, 1]), np.array([0.5, 1.0, 2.0, 1.0, 0.25])
good("cov", normal(3, 5), ref=np.cov)
good("cov", normal(5, 3), ref=np.cov, kwargs={"rowvar": False})
good("cov", normal(3, 5), ref=np.cov, kwargs={"bias": True})
good("cov", normal(3, 5), ref=np.cov, kwargs={"ddof": 3})
good("cov", normal(5), ref=np.cov, id="one-variable")
good("cov", normal(5), normal(5), ref=np.cov, id="y")
good("cov", normal(5, 2), normal(5), ref=np.cov, kwargs={"rowvar": False}, id="y-columns")
good("cov", normal(3, 5), ref=np.cov, kwargs={"fweights": _FW, "aweights": _AW}, id="weights")
good("cov", normal(3, 5), ref=np.cov, kwargs={"fweights": _FW, "ddof": 0}, id="fweights")
good("cov", normal(3, 5), ref=np.cov, kwargs={"aweights": _AW}, id="aweights")
good("cov", normal(3, 5).astype(np.float32), ref=np.cov, grad=False, id="float32")
good("cov", normal(3, 5).astype(np.float32), ref=np.cov, kwargs={"dtype": np.float32}, grad=False,
     id="dtype")
good("cov", np.array([[1, 4, 2], [3, 3, 9]]), ref=np.cov, grad=False, id="int")
good("cov", normal(2, 4) + 1j * normal(2, 4), ref=np.cov, grad=False, id="complex")
bad("cov", lambda: sd.cov(v("a", 2, 2, 2)), sd.ShapeError, r"cov: m has more than 2 dimensions")
bad("cov", lambda: sd.cov(v("a", 2, 3), v("b", 2, 4)), sd.ShapeError,
    r"cov: m has 3 observations of each variable and y 4; they must have the same number")
bad("cov", lambda: sd.cov(v("a", 2, 3), fweights=[1.5, 1, 1]), TypeError, r"cov: fweights must be integer")
bad("cov", lambda: sd.cov(v("a", 2, 3), aweights=[1, -1, 1]), ValueError, r"cov: aweights cannot be negative")
bad("cov", lambda: sd.cov(v("a", 2, 3), aweights=[1, 1]), sd.ShapeError,
    r"cov: incompatible numbers of samples \(3\) and aweights \(2\)")
bad("cov", lambda: sd.cov(v("a", 2, 3), aweights=v("w", 3)), NotImplementedError,
    r"cov: aweights given as an expression are not supported")
bad("cov", lambda: sd.cov(v("a", 2, 3), ddof=1.5), ValueError, r"cov: ddof must be integer")
good("corrcoef", normal(3, 5), ref=np.corrcoef)
good("corrcoef", normal(5, 3), ref=np.corrcoef, kwargs={"rowvar": False})
good("corrcoef", normal(5), normal(5), ref=np.corrcoef, id="y")
good("corrcoef", normal(5), ref=np.corrcoef, grad=False, id="one-variable")
good("corrcoef", normal(2, 4) + 1j * normal(2, 4), ref=np.corrcoef, grad=False, id="complex")
good("corrcoef", normal(3, 5).astype(np.float32), ref=np.corrcoef, kwargs={"dtype": np.float32}, grad=False,
     id="float32")

# -- float-only and integer elementwise functions, counts, NaN and inf replacement ------------------
_EDGES = np.array([-3.5, -3.0, -0.0, 0.0, 2.25, np.inf, -np.inf, np.nan, 1e308, 5e-324])
good("fabs", away_from_zero(3, 4), ref=np.fabs)
good("fabs", np.array([-128, 0, 5], np.int8), ref=np.fabs, grad=False, id="int8-float16")
good("fabs", np.array([-7, 3]), ref=np.fabs, grad=False, id="int64")
bad("fabs", lambda: sd.fabs(v("z", 3, dtype="complex128")), sd.DTypeError, r"fabs: complex input \(complex128\)")
good("spacing", normal(3, 4), ref=np.spacing, zero_grad=True)
good("spacing", np.float32([-1.0, 0.0, 3e38]), ref=np.spacing, grad=False, id="float32")
good("spacing", np.float16([-3.5, -128.0, 2.0]), ref=np.spacing, grad=False, id="float16")
good("spacing", np.array([-128, 0, 100], np.int8), ref=np.spacing, grad=False, id="int8")
good("modf", distinct(3, 4), call=lambda a: sd.modf(a)[0], ref=lambda a: np.modf(a)[0], id="fraction")
good("modf", normal(3, 4), call=lambda a: sd.modf(a)[1], ref=lambda a: np.modf(a)[1], zero_grad=True, id="whole")
for _k in (0, 1):
    good("modf", np.array([-3, 0, 7], np.int8), call=lambda a, k=_k: sd.modf(a)[k],
         ref=lambda a, k=_k: np.modf(a)[k], grad=False, id=f"int8-{_k}")
# frexp: values away from powers of two (the mantissa jumps there), and NumPy's edges bit for bit
_FREXP = np.array([[0.3, -1.7, 5.5, 12.0], [-0.7, 100.3, 0.02, -6e7]])
good("frexp", _FREXP, call=lambda a: np.frexp(a)[0], ref=lambda a: np.frexp(a)[0], id="mantissa")
good("frexp", _FREXP, call=lambda a: np.frexp(a)[1], ref=lambda a: np.frexp(a)[1], grad=False, id="exponent")
# (the mantissa of inf and nan, which the table's checks of finite values cannot take: in
# tests/test_numpy_semantics.py)
_FREXP_EDGES = np.array([0.0, -0.0, 5e-324, -2.2e-308, 1.0, 0.5, 1.7976931348623157e308])
for _k in (0, 1):
    good("frexp", _FREXP_EDGES, call=lambda a, k=_k: sd.frexp(a)[k], ref=lambda a, k=_k: np.frexp(a)[k],
         grad=False, id=f"edges-{_k}")
    good("frexp", np.array([-3, 0, 96], np.int8), call=lambda a, k=_k: sd.frexp(a)[k],
         ref=lambda a, k=_k: np.frexp(a)[k], grad=False, id=f"int8-{_k}")
    good("frexp", np.float32([0.1, -3e38, 1e-45]), call=lambda a, k=_k: sd.frexp(a)[k],
         ref=lambda a, k=_k: np.frexp(a)[k], grad=False, id=f"float32-{_k}")
bad("frexp", lambda: sd.frexp(v("z", 3, dtype="complex128")), sd.DTypeError, r"^frexp: complex input",
    id="complex")
good("nan_to_num", normal(3, 4), ref=np.nan_to_num)
good("nan_to_num", _EDGES, ref=np.nan_to_num, grad=False, id="edges")
good("nan_to_num", _EDGES, ref=np.nan_to_num, kwargs={"nan": -1.5, "posinf": 1e300, "neginf": 7}, grad=False,
     id="values")
good("nan_to_num", np.array([complex(np.nan, np.inf), complex(-np.inf, 2), 1 + 2j]), ref=np.nan_to_num,
     grad=False, id="complex")
good("nan_to_num", np.array([-3, 0, 7], np.int8), ref=np.nan_to_num, grad=False, id="int8")
bad("nan_to_num", lambda: sd.nan_to_num(v("a", 3), nan=1j), TypeError, r"nan_to_num: a complex replacement 1j")
for _name in ("isposinf", "isneginf"):
    good(_name, _EDGES, ref=getattr(np, _name), grad=False)
    good(_name, np.array([-3, 0, 7], np.int8), ref=getattr(np, _name), grad=False, id="int8")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("z", 3, dtype="complex128")), sd.DTypeError,
        rf"{_name}: complex input \(complex128\) is ambiguous", id=f"{_name}-complex")
for _name in ("isreal", "iscomplex"):
    good(_name, np.array([1 + 2j, 3 + 0j, complex(np.nan, 0)]), ref=getattr(np, _name), grad=False)
    good(_name, _EDGES, ref=getattr(np, _name), grad=False, id="real")
good("count_nonzero", np.array([[0.0, 1.5, -0.0], [np.nan, 0.0, 2.0]]), ref=np.count_nonzero, grad=False)
good("count_nonzero", np.array([[0, 1, 3], [0, 0, 2]], np.int8), ref=np.count_nonzero, kwargs={"axis": 1},
     grad=False, id="axis")
good("count_nonzero", np.array([[True, False], [True, True]]), ref=np.count_nonzero,
     kwargs={"axis": (0, 1), "keepdims": True}, grad=False, id="bool-keepdims")
for _name in ("gcd", "lcm"):
    good(_name, np.array([12, -18, 0, 7]), np.array([8, 12, 0, -21]), ref=getattr(np, _name), grad=False)
    good(_name, np.array([12, 100], np.int8), np.array([8, 3], np.uint8), ref=getattr(np, _name), grad=False,
         id="int8-uint8")
    good(_name, np.array([12, 9], np.int16), call=lambda a, f=sd.FUNCTIONS[_name]: f(a, 6),
         ref=lambda a, f=getattr(np, _name): f(a, 6), grad=False, id="python-int")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("a", 3), 2), sd.DTypeError,
        rf"{_name}: takes integers or booleans, as NumPy's {_name}, got float64", id=f"{_name}-float")

# -- NumPy 2's linalg functions of the last axes, condition numbers, ranks, tensor inverses ---------
good("linalg.cross", normal(4, 3), normal(3), ref=np.linalg.cross)
good("linalg.cross", normal(3, 2), normal(3, 2), ref=np.linalg.cross, kwargs={"axis": 0}, id="axis")
bad("linalg.cross", lambda: sd.linalg.cross(v("a", 2), v("b", 2)), sd.ShapeError,
    r"linalg.cross: both inputs must be \(arrays of\) 3-vectors along axis -1, got shapes \(2,\) and \(2,\)")
good("linalg.outer", normal(3), normal(4), ref=np.linalg.outer)
bad("linalg.outer", lambda: sd.linalg.outer(v("a", 2, 2), v("b", 2)), sd.ShapeError,
    r"linalg.outer: both inputs must be vectors, got shapes \(2, 2\) and \(2,\)")
good("linalg.diagonal", normal(2, 3, 4), ref=np.linalg.diagonal)
good("linalg.diagonal", normal(3, 4), ref=np.linalg.diagonal, kwargs={"offset": -1}, id="offset")
bad("linalg.diagonal", lambda: sd.linalg.diagonal(v("a", 3)), sd.ShapeError,
    r"linalg.diagonal: needs matrices, an array of at least 2 dimensions; got shape \(3,\)")
good("linalg.trace", normal(2, 3, 3), ref=np.linalg.trace)
good("linalg.trace", normal(3, 4), ref=np.linalg.trace, kwargs={"offset": 1}, id="offset")
good("linalg.trace", np.array([[1, 2], [3, 4]], np.int8), ref=np.linalg.trace, kwargs={"dtype": np.float32},
     grad=False, id="dtype")
good("linalg.matrix_transpose", normal(2, 3, 4), ref=np.linalg.matrix_transpose)
good("linalg.vecdot", normal(2, 3), normal(3), ref=np.linalg.vecdot)
good("linalg.matmul", normal(2, 3, 4), normal(4, 2), ref=np.linalg.matmul)
good("linalg.tensordot", normal(2, 3, 4), normal(3, 4, 5), ref=np.linalg.tensordot)
good("linalg.inv_or_nan", normal(2, 3, 3) + 3 * np.eye(3), ref=np.linalg.inv)
_COND = normal(3, 3) + 3 * np.eye(3)
for _p in (None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"):
    good("linalg.cond", _COND, ref=np.linalg.cond, kwargs={} if _p is None else {"p": _p}, id=f"p={_p}")
good("linalg.cond", normal(2, 3, 4), ref=np.linalg.cond, id="stack-rectangular")
bad("linalg.cond", lambda: sd.linalg.cond(v("a", 2, 3), 1), sd.ShapeError,
    r"linalg.cond: the norm 1 needs square matrices, got shape \(2, 3\)")
_RANKS = np.stack([normal(3, 3), np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0]), np.zeros((3, 3))])
good("linalg.matrix_rank", _RANKS, ref=np.linalg.matrix_rank, grad=False)
good("linalg.matrix_rank", _RANKS, ref=np.linalg.matrix_rank, kwargs={"rtol": 0.5}, grad=False, id="rtol")
good("linalg.matrix_rank", _RANKS, ref=np.linalg.matrix_rank, kwargs={"tol": 1.0}, grad=False, id="tol")
good("linalg.matrix_rank", _RANKS + _RANKS.transpose(0, 2, 1), ref=np.linalg.matrix_rank,
     kwargs={"hermitian": True}, grad=False, id="hermitian")
good("linalg.matrix_rank", np.array([0.0, 2.0]), ref=np.linalg.matrix_rank, grad=False, id="vector")
good("linalg.tensorinv", normal(2, 3, 6) + np.eye(6).reshape(2, 3, 6), ref=np.linalg.tensorinv)
good("linalg.tensorinv", normal(6, 2, 3) + np.eye(6).reshape(6, 2, 3), ref=np.linalg.tensorinv,
     kwargs={"ind": 1}, id="ind=1")
bad("linalg.tensorinv", lambda: sd.linalg.tensorinv(v("a", 2, 3, 4)), sd.ShapeError,
    r"linalg.tensorinv: the first 2 axes and the others must hold as many elements")
good("linalg.tensorsolve", normal(2, 3, 6) + np.eye(6).reshape(2, 3, 6), normal(2, 3), ref=np.linalg.tensorsolve)
good("linalg.tensorsolve", normal(6, 2, 3) + np.eye(6).reshape(2, 3, 6).transpose(2, 0, 1), normal(2, 3),
     ref=np.linalg.tensorsolve, kwargs={"axes": (0,)}, id="axes")
bad("linalg.tensorsolve", lambda: sd.linalg.tensorsolve(v("a", 2, 3, 4), v("b", 2, 3)), sd.ShapeError,
    r"linalg.tensorsolve: a must be square once reshaped, 6 equations for 4 unknowns")
# a function built on another names itself in the errors of its input, not the function it uses
for _k, (_name, _call, _error, _match) in enumerate([
    ("linalg.cond", lambda: sd.linalg.cond(v("a", 3, 3, dtype="complex128")), NotImplementedError,
     r"^linalg.cond: complex matrices are not supported"),
    ("linalg.cond", lambda: sd.linalg.cond(v("a", 3, 3, dtype="float16")), sd.DTypeError,
     r"^linalg.cond: float16 matrices are not supported"),
    ("linalg.cond", lambda: sd.linalg.cond(v("a", 3, 3, dtype="float16"), "fro"), sd.DTypeError,
     r"^linalg.cond: float16 matrices are not supported"),
    ("linalg.matrix_rank", lambda: sd.linalg.matrix_rank(v("a", 3, 3, dtype="complex128")),
     NotImplementedError, r"^linalg.matrix_rank: complex matrices are not supported"),
    ("linalg.matrix_rank", lambda: sd.linalg.matrix_rank(v("a", 3, 3, dtype="float16")), sd.DTypeError,
     r"^linalg.matrix_rank: float16 matrices are not supported"),
    ("linalg.matrix_rank", lambda: sd.linalg.matrix_rank(v("a", 2, 3), hermitian=True), sd.ShapeError,
     r"^linalg.matrix_rank: expected a square matrix .* got shape \(2, 3\)"),
    ("linalg.tensorinv", lambda: sd.linalg.tensorinv(v("a", 2, 3, 6, dtype="float16")), sd.DTypeError,
     r"^linalg.tensorinv: float16 matrices are not supported"),
    ("linalg.tensorsolve", lambda: sd.linalg.tensorsolve(v("a", 2, 3, 6, dtype="float16"), v("b", 2, 3)),
     sd.DTypeError, r"^linalg.tensorsolve: float16 matrices are not supported"),
    ("linalg.norm", lambda: sd.linalg.norm(v("a", 3, 3, dtype="float16"), "nuc"), sd.DTypeError,
     r"^linalg.norm: float16 matrices are not supported"),
    ("linalg.inv_or_nan", lambda: sd.linalg.inv_or_nan(v("a", 2, 3)), sd.ShapeError,
     r"^linalg.inv_or_nan: expected a square matrix"),
]):
    bad(_name, _call, _error, _match, id=f"names-itself-{_k}")

# -- finite differences, selection by conditions, more layout, creation, polynomials ---------------
_Y = normal(5, 4)
good("gradient", normal(6), ref=np.gradient)
good("gradient", normal(6), ref=np.gradient, kwargs={"edge_order": 2}, id="edge2")
good("gradient", _Y, 0.5, ref=lambda y, h: np.stack(np.gradient(y, h)), call=lambda y, h: sd.stack(sd.gradient(y, h)),
     id="all-axes")
good("gradient", _Y, 0.5, 2.0, ref=lambda y, a, b: np.stack(np.gradient(y, a, b, edge_order=2)),
     call=lambda y, a, b: sd.stack(sd.gradient(y, a, b, edge_order=2)), id="spacings-edge2")
good("gradient", _Y, np.sort(uniform(5)), ref=np.gradient, kwargs={"axis": 0}, id="coordinates")
good("gradient", _Y, np.sort(uniform(5)), ref=np.gradient, kwargs={"axis": -2, "edge_order": 2},
     id="coordinates-edge2")
good("gradient", _Y, np.array([0, 1, 3, 4, 7]), ref=np.gradient, kwargs={"axis": (0,)}, id="integer-coordinates")
good("gradient", _Y, call=lambda y: sd.gradient(y, [0.0, 1.0, 2.0, 3.0, 4.0], axis=0),
     ref=lambda y: np.gradient(y, [0.0, 1.0, 2.0, 3.0, 4.0], axis=0), id="even-constant-coordinates")
good("gradient", np.array([1, 4, 9, 16], np.int8), ref=np.gradient, grad=False, id="int8-float64")
good("gradient", normal(4).astype(np.float32), 0.5, ref=np.gradient, grad=False, id="float32")
bad("gradient", lambda: sd.gradient(v("y", 2), edge_order=2), ValueError,
    r"^gradient: shape of array too small to calculate a numerical gradient, at least \(edge_order \+ 1\) = 3",
    id="too-small")
bad("gradient", lambda: sd.gradient(v("y", 3), np.ones(2)), ValueError,
    r"^gradient: when 1d, distances must match the length of the corresponding dimension", id="coordinates")
bad("gradient", lambda: sd.gradient(v("y", 3, 3), 1.0, 2.0, 3.0), TypeError, r"^gradient: invalid number of arguments",
    id="spacings")
bad("gradient", lambda: sd.gradient(v("y", 3), edge_order=3), ValueError, r"^gradient: 'edge_order' must be 1 or 2",
    id="edge-order")
bad("gradient", lambda: sd.gradient(v("b", 3, dtype="bool")), sd.DTypeError, r"^gradient: booleans", id="bool")
good("ediff1d", normal(2, 3), ref=np.ediff1d)
good("ediff1d", normal(4), normal(2), normal(), ref=lambda a, e, b: np.ediff1d(a, to_end=e, to_begin=b),
     call=lambda a, e, b: sd.ediff1d(a, to_end=e, to_begin=b), id="ends")
good("ediff1d", np.array([1, 5, 2], np.int8), ref=lambda a: np.ediff1d(a, to_begin=[7, 8]),
     call=lambda a: sd.ediff1d(a, to_begin=[7, 8]), grad=False, id="int8")
bad("ediff1d", lambda: sd.ediff1d(v("i", 3, dtype="int64"), to_end=0.5), TypeError,
    r"^ediff1d: dtype of `to_end` \(float64\) must be compatible with input `ary` \(int64\)")
_PHASE = np.cumsum(uniform(3, 9, low=-3.0, high=3.0), axis=1)
good("unwrap", _PHASE, ref=np.unwrap)
good("unwrap", _PHASE, ref=np.unwrap, kwargs={"period": 4.0, "axis": 0}, id="period-axis")
good("unwrap", _PHASE, ref=np.unwrap, kwargs={"discont": 4.0}, id="discont")
for _period in (6, 7):
    good("unwrap", np.array([0, 5, 9, 3, 7, 1, 4]), ref=np.unwrap, kwargs={"period": _period}, grad=False,
         id=f"int-period{_period}")
good("unwrap", np.array([0.0, 3.0, 6.5, 9.0]), ref=np.unwrap, kwargs={"period": 6.0}, grad=False, id="boundary")
# the corrections' running sum (int64) written back in int8, wrapping as NumPy's does
good("unwrap", np.array([0, 4, 8, -3, 100, -100], np.int8), ref=np.unwrap, kwargs={"period": 10}, grad=False,
     id="int8")
good("unwrap", np.array([True, False, False, True]), ref=np.unwrap, grad=False, id="bool")
bad("unwrap", lambda: sd.unwrap(v("p", dtype="float64")), sd.ShapeError, r"^unwrap: a 0-d array")
_C = uniform(3, 4)
good("select", _C, normal(3, 4), normal(4), ref=lambda c, a, b: np.select([c < -0.3, c > 0.3], [a, b], -1.0),
     call=lambda c, a, b: sd.select([c < -0.3, c > 0.3], [a, b], -1.0))
good("select", normal(3), call=lambda a: sd.select([np.array([True, False, True])], [a]),
     ref=lambda a: np.select([np.array([True, False, True])], [a]), id="constant-condition")
good("select", np.array([1.5, 2.5], np.float32), call=lambda a: sd.select([a > 2], [a], 0),
     ref=lambda a: np.select([a > 2], [a], 0), grad=False, id="float32-weak-default")
good("select", np.array([1, 2, 3], np.int8), call=lambda a: sd.select([a > 1, a > 2], [a, 2 * a], 0.5),
     ref=lambda a: np.select([a > 1, a > 2], [a, 2 * a], 0.5), grad=False, id="int8-float-default")
bad("select", lambda: sd.select([v("c", 3)], [v("a", 3)]), TypeError,
    r"^select: invalid entry 0 in condlist: should be boolean ndarray, got float64")
bad("select", lambda: sd.select([], []), ValueError, r"^select: select with an empty condition list", id="empty")
bad("select", lambda: sd.select([v("a", 3) > 0], []), ValueError, r"^select: list of cases must be same length",
    id="lengths")
# piecewise through np.piecewise itself: the same call builds the graph and computes NumPy's
# values; the pieces not taken (sqrt and log of negatives) give no nan to the value or gradient
_PIECES = (lambda a: np.piecewise(a, [a < -0.5, a > 0.5], [lambda t: -t, np.sqrt, lambda t: t ** 3]),
           lambda a: np.piecewise(a, [a > 0], [np.log]),
           lambda a: np.piecewise(a, [a > 0], [lambda t, k, c: k * t + c, 2.0], 3.0, c=-1.0),
           lambda a: np.piecewise(a, [a > -0.5, a > 0.5], [lambda t: t ** 2, np.sin]),  # later wins
           lambda a: np.piecewise(a, [a > 0], [np.sqrt, lambda t: np.exp(t)]))
for _k, _fn in enumerate(_PIECES):
    good("piecewise", away_from_zero(3, 4), call=_fn, ref=_fn, id=f"pieces-{_k}")
good("piecewise", away_from_zero(5), call=_PIECES[0], ref=_PIECES[0], id="vector")
# a lone condition is a list of one (NumPy reads a lone mask so of a 1-d x only)
good("piecewise", away_from_zero(5), call=lambda a: np.piecewise(a, a > 0, [np.sqrt, np.exp]),
     ref=lambda a: np.piecewise(a, a > 0, [np.sqrt, np.exp]), id="lone-condition")
good("piecewise", np.array(0.8), call=_PIECES[2], ref=_PIECES[2], id="0d")
_INT_PIECES = (lambda a: np.piecewise(a, [a > 0], [lambda t: t / 2, 7.9]))
good("piecewise", np.array([-3, 1, 4], np.int8), call=_INT_PIECES, ref=_INT_PIECES, grad=False,
     id="int8-truncates")
good("piecewise", normal(4), call=lambda a: sd.piecewise(a, [np.array([True, False, True, False])], [np.cos]),
     ref=lambda a: np.piecewise(a, [np.array([True, False, True, False])], [np.cos]), id="constant-condition")
bad("piecewise", lambda: sd.piecewise(v("a", 3), [v("a", 3) > 0], [1.0, 2.0, 3.0]), ValueError,
    r"^piecewise: with 1 condition\(s\), either 1 or 2 functions are expected, got 3", id="count")
bad("piecewise", lambda: sd.piecewise(v("a", 3, 2), [v("a", 3, 2)[:, 0] > 0], [1.0]), sd.ShapeError,
    r"^piecewise: condition 0 has shape \(3,\), x has \(3, 2\)", id="condition-shape")
bad("piecewise", lambda: sd.piecewise(v("a", 3), [v("a", 3) > 0], [lambda t: t.sum()]), sd.ShapeError,
    r"^piecewise: function 0 gave shape \(\) for x of shape \(3,\); .* it must work elementwise",
    id="not-elementwise")
bad("piecewise", lambda: sd.piecewise(v("a", 3), [v("a", 3) > 0], [np.ones(2)]), sd.ShapeError,
    r"^piecewise: function 0 gave shape \(2,\); x has \(3,\)", id="value-shape")

# apply_along_axis through NumPy's own: func1d giving a scalar, an array, a 2-d array
_ALONG = (lambda a: np.apply_along_axis(lambda t: np.sum(t ** 2), 0, a),
          lambda a: np.apply_along_axis(lambda t: t / np.sum(np.exp(t)), 1, a),
          lambda a: np.apply_along_axis(lambda t: np.outer(t, t[:2]), -1, a),
          lambda a: np.apply_along_axis(lambda t, p: np.polyval(t, p), 1, a, 0.5))
for _k, _fn in enumerate(_ALONG):
    good("apply_along_axis", normal(3, 4), call=_fn, ref=_fn, id=f"along-{_k}")
good("apply_along_axis", normal(2, 3, 4), call=_ALONG[2], ref=_ALONG[2], id="3d-matrix-result")
good("apply_along_axis", normal(2, 3, 4), call=lambda a: np.apply_along_axis(np.cumsum, 1, a),
     ref=lambda a: np.apply_along_axis(np.cumsum, 1, a), id="3d-middle-axis")
good("apply_along_axis", normal(4), call=lambda a: np.apply_along_axis(np.sort, 0, a),
     ref=lambda a: np.apply_along_axis(np.sort, 0, a), id="1d")
good("apply_along_axis", np.array([[1, 2], [3, 4]], np.int8),
     call=lambda a: np.apply_along_axis(lambda t: t * 1.5 if t[0] is a else np.mean(t), 0, a),
     ref=lambda a: np.apply_along_axis(np.mean, 0, a), grad=False, id="int8-mean")
bad("apply_along_axis", lambda: sd.apply_along_axis(sd.sum, 0, v("a")), sd.ShapeError,
    r"^apply_along_axis: axis 0 is out of bounds for an array of 0 dimensions", id="0d")
bad("apply_along_axis", lambda: sd.apply_along_axis(sd.sum, 1, v("a", 0, 3)), ValueError,
    r"^apply_along_axis: cannot apply_along_axis when any iteration dimensions are 0", id="empty")
bad("apply_along_axis", lambda: sd.apply_along_axis(sd.sum, 1, v("a", "n", 3)), sd.ShapeError,
    r"^apply_along_axis: dimension 'n' of arr's shape \(n, 3\) has no size", id="named")
good("apply_over_axes", normal(2, 3, 4), call=lambda a: np.apply_over_axes(np.sum, a, [0, 2]),
     ref=lambda a: np.apply_over_axes(np.sum, a, [0, 2]))
good("apply_over_axes", normal(2, 3, 4), call=lambda a: np.apply_over_axes(np.mean, a * a, -1),
     ref=lambda a: np.apply_over_axes(np.mean, a * a, -1), id="one-negative-axis")
_OVER = (lambda a: np.apply_over_axes(lambda t, ax: np.cumsum(t, ax), a, (0, 1)))
good("apply_over_axes", normal(2, 3), call=_OVER, ref=_OVER, id="same-shape")
bad("apply_over_axes", lambda: sd.apply_over_axes(lambda t, ax: sd.sum(t), v("a", 2, 3), [0]), ValueError,
    r"^apply_over_axes: the function is not returning an array of the correct shape", id="shape")

# isin: every pair compared, so test elements may be expressions too
good("isin", np.array([[1.0, 2.5], [np.nan, -1.0]]), ref=lambda a: np.isin(a, [2.5, np.nan, 3.0]),
     call=lambda a: np.isin(a, [2.5, np.nan, 3.0]), grad=False)
good("isin", np.array([1, 5, 2, 7]), np.array([[2, 9], [7, 7]]), ref=np.isin, grad=False, id="both-variables")
good("isin", np.array([1, 5, 2]), np.array([5]), ref=lambda a, b: np.isin(a, b, invert=True),
     call=lambda a, b: sd.isin(a, b, invert=True), grad=False, id="invert")
good("isin", np.array(3.0), np.zeros(0), ref=np.isin, grad=False, id="0d-in-nothing")
bad("isin", lambda: sd.isin(v("a", 3), [1.0], kind="hash"), ValueError, r"^isin: invalid kind: 'hash'",
    id="kind")
bad("isin", lambda: sd.isin(v("a", 3), [1.0], kind="table"), ValueError,
    r"^isin: the 'table' method is only supported for boolean or integer arrays", id="table")

good("broadcast_arrays", normal(3, 1), normal(4), call=lambda a, b: sd.stack(sd.broadcast_arrays(a, 2 * b)),
     ref=lambda a, b: np.stack(np.broadcast_arrays(a, 2 * b)))
good("broadcast_arrays", normal(2), call=lambda a: sd.broadcast_arrays(a, np.zeros((3, 1), np.int8))[1],
     ref=lambda a: np.broadcast_arrays(a, np.zeros((3, 1), np.int8))[1], grad=False, id="int8")
bad("broadcast_arrays", lambda: sd.broadcast_arrays(v("a", 2), v("b", 3)), sd.ShapeError, r"^broadcast_arrays")
good("unstack", normal(2, 3), call=lambda a: sd.unstack(a, axis=1)[2] * 3 + sd.unstack(a)[0][1],
     ref=lambda a: np.unstack(a, axis=1)[2] * 3 + np.unstack(a)[0][1])
good("unstack", normal(2, 3), call=lambda a: sd.stack(sd.unstack(a, axis=-1), axis=0),
     ref=lambda a: np.stack(np.unstack(a, axis=-1), axis=0), id="negative-axis")
bad("unstack", lambda: sd.unstack(v("a")), sd.ShapeError, r"^unstack: input must be at least 1-d")
good("matvec", normal(4, 2, 3), normal(5, 1, 3), ref=np.matvec)
good("matvec", normal(2, 3), normal(3), ref=np.matvec, id="plain")
good("matvec", np.array([[1, 2], [3, 4]], np.int8), np.array([1, -1], np.int8), ref=np.matvec, grad=False, id="int8")
bad("matvec", lambda: sd.matvec(v("A", 2, 3), v("x", 2)), sd.ShapeError,
    r"^matvec: the core dimension n of \(m,n\),\(n\)->\(m\) differs: 3 in shape \(2, 3\) and 2 in shape \(2,\)")
bad("matvec", lambda: sd.matvec(v("A", 3), v("x", 3)), sd.ShapeError,
    r"^matvec: Input operand 0 does not have enough dimensions \(has 1", id="rank")
good("vecmat", normal(5, 3), normal(3, 2), ref=np.vecmat)
good("vecmat", normal(3) + 1j * normal(3), normal(2, 3, 4), ref=np.vecmat, grad=False, id="complex-conjugated")
bad("vecmat", lambda: sd.vecmat(v("x", 2), v("A", 3, 2)), sd.ShapeError, r"^vecmat: the core dimension n")
good("dstack", normal(2, 3), normal(2, 3, 2), call=lambda a, b: sd.dstack([a, b]), ref=lambda a, b: np.dstack([a, b]))
good("dstack", normal(3), call=lambda a: sd.dstack([a, np.ones(3, np.float32)]),
     ref=lambda a: np.dstack([a, np.ones(3, np.float32)]), id="1d")
for _axis, _start in ((2, 0), (0, 2), (0, 3), (-1, -3), (1, 1), (1, 2)):
    good("rollaxis", normal(2, 3, 4), _axis, _start, ref=np.rollaxis, id=f"{_axis}-{_start}")
bad("rollaxis", lambda: sd.rollaxis(v("a", 2, 3), 0, 3), sd.ShapeError,
    r"^rollaxis: 'start' arg requires -2 <= start < 3, but 3 was passed in")
good("diagflat", normal(2, 2), ref=np.diagflat)
good("diagflat", normal(3), ref=np.diagflat, kwargs={"k": -1}, id="k")
good("diagflat", normal(), ref=np.diagflat, kwargs={"k": 2}, id="0d")
good("tri", 3, ref=np.tri, grad=False)
good("tri", 3, 4, 1, ref=np.tri, kwargs={"dtype": int}, grad=False, id="int")
good("tri", 2, 4, -1, ref=np.tri, kwargs={"dtype": bool}, grad=False, id="bool")
good("tri", 0, ref=np.tri, grad=False, id="empty")
good("tri", normal(3, 3), call=lambda x: sd.tri(3, k=-1) * x, ref=lambda x: np.tri(3, k=-1) * x, id="mask")
good("logspace", normal(), normal(), 5, ref=np.logspace)
good("logspace", normal(2), normal(3, 1), 4, ref=np.logspace, kwargs={"axis": -1, "base": 2.0}, id="arrays")
good("logspace", normal(), normal(), 4, positive(2), call=lambda a, b, n, base: sd.logspace(a, b, n, base=base, axis=1),
     ref=lambda a, b, n, base: np.logspace(a, b, n, base=base, axis=1), id="base-array")
good("logspace", normal(), normal(), 4, ref=np.logspace, kwargs={"endpoint": False, "dtype": np.float32}, grad=False,
     id="float32")
good("logspace", normal().astype(np.float32), call=lambda a: sd.logspace(a, 1.0, 3),
     ref=lambda a: np.logspace(a, 1.0, 3), grad=False, id="float32-bounds")
good("geomspace", positive(), positive(), 5, ref=np.geomspace)
good("geomspace", -positive(2), -positive(2), 4, ref=np.geomspace, kwargs={"axis": 1}, id="negative-axis1")
good("geomspace", positive(), positive(), 4, ref=np.geomspace, kwargs={"endpoint": False}, id="no-endpoint")
good("geomspace", 1, 64, 7, call=lambda a, b, n: sd.geomspace(a, b, n, dtype=int),
     ref=lambda a, b, n: np.geomspace(a, b, n, dtype=int), grad=False, id="int")
good("geomspace", 1j, 8j, 4, ref=np.geomspace, grad=False, id="complex")
bad("geomspace", lambda: sd.geomspace(0.0, v("b")), ValueError, r"^geomspace: Geometric sequence cannot include zero")
_P, _Q = normal(5), normal(3)
for _m in (0, 1, 2, 6):
    good("polyder", _P, _m, ref=np.polyder, id=f"m{_m}")
good("polyder", np.array([1, 2, 3], np.int8), ref=np.polyder, grad=False, id="int8")
bad("polyder", lambda: sd.polyder(v("p", 3), -1), ValueError, r"^polyder: Order of derivative must be positive")
for _m, _k in ((0, None), (1, None), (2, None), (1, 3.0), (3, [1.0, 2.0, 3.0])):
    good("polyint", _P, _m, _k, ref=np.polyint, id=f"m{_m}-k{_k}")
good("polyint", _P, 2, _Q, ref=np.polyint, id="k-expression")
good("polyint", np.array([1, 2, 3]), ref=np.polyint, grad=False, id="int")
bad("polyint", lambda: sd.polyint(v("p", 3), 3, [1.0, 2.0]), ValueError, r"^polyint: k must be a scalar")
for _name in ("polyadd", "polysub", "polymul"):
    good(_name, _P, _Q, ref=getattr(np, _name))
    good(_name, _Q, _P, ref=getattr(np, _name), id="shorter-first")
    good(_name, _Q, call=lambda q, f=sd.FUNCTIONS[_name]: f(q, 2.0), ref=lambda q, f=getattr(np, _name): f(q, 2.0),
         id="scalar")
    good(_name, np.array([1, 2], np.int8), np.array([1.0, 2.0, 3.0], np.float32), ref=getattr(np, _name), grad=False,
         id="int8-float32")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("p", 2, 2), v("q", 2)), sd.ShapeError,
        rf"^{_name}: coefficients must be a 1-d array", id=f"{_name}-2d")
good("vander", normal(4), ref=np.vander)
good("vander", normal(4), 2, ref=np.vander, id="N2")
good("vander", normal(4), 0, ref=np.vander, id="N0")
good("vander", normal(3), 5, True, ref=np.vander, id="increasing")
good("vander", np.array([1, 2, 3], np.int8), ref=np.vander, grad=False, id="int8-int64")
good("vander", np.array([True, False]), ref=np.vander, grad=False, id="bool")
good("vander", np.array([1.5, 2.0], np.float32), ref=np.vander, grad=False, id="float32-float64")
bad("vander", lambda: sd.vander(v("x", 2, 2)), sd.ShapeError, r"^vander: x must be a one-dimensional array")


_X = np.array([-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
for _bins in ([0.0, 1.0, 2.0], [2.0, 1.0, 0.0], [0, 0, 1, 1, 2], [1.0]):
    for _right in (False, True):
        good("digitize", _X, _bins, _right, ref=np.digitize, grad=False, id=f"{_bins}-right{_right}")
good("digitize", _X, np.array([2.0, 1.0, 1.0, 0.0]), ref=np.digitize, grad=False, id="bins-expression-decreasing")
good("digitize", _X, np.array([0.0, 1.0, 1.0, 2.0]), ref=np.digitize, kwargs={"right": True}, grad=False,
     id="bins-expression-increasing")
good("digitize", np.array([1, 5, 9], np.int8), [0, 4, 8], ref=np.digitize, grad=False, id="int8")
bad("digitize", lambda: sd.digitize(v("x", 3), [1.0, 3.0, 2.0]), ValueError,
    r"^digitize: bins must be monotonically increasing or decreasing")
bad("digitize", lambda: sd.digitize(v("z", 3, dtype="complex128"), [1.0]), TypeError, r"^digitize: x may not be complex",
    id="complex")
good("i0", normal(3, 4) * 3, ref=np.i0)
good("i0", np.array([0.0, -0.0, 1e-8, -30.0, 700.0]), ref=np.i0, grad=False, id="edges")
good("i0", np.array([0, 3, -7]), ref=np.i0, grad=False, id="int-float64")
good("i0", np.array([0.5, 2.0], np.float32), ref=np.i0, grad=False, id="float32")
bad("i0", lambda: sd.i0(v("z", 3, dtype="complex128")), sd.DTypeError, r"^i0 is defined here for real inputs only")
good("i1", normal(3, 4) * 3, ref=special.i1)
good("i1", np.array([0.0, -0.0, 1e-8, -30.0, 700.0, -700.0]), ref=special.i1, grad=False, id="edges")
good("i1", np.array([0.0, 1e-3]), ref=special.i1, id="near-zero")
for _name, _ref in (("i0e", special.i0e), ("i1e", special.i1e)):
    good(_name, normal(3, 4) * 3, ref=_ref)
    good(_name, away_from_zero(3, 4) * 40, ref=_ref, id="asymptotic")
    good(_name, np.array([0.0, -0.0, 1e-8, -29.5, 30.0, 700.0, -1e5, 1e300, np.inf, -np.inf]), ref=_ref,
         grad=False, id="edges")
    good(_name, np.array([1e-3, -0.5, -2e-2]), ref=_ref, id="near-zero")
    good(_name, np.array([0, 3, -7], np.int8), ref=_ref, grad=False, id="int-float64")
    good(_name, np.array([0.5, -2.0], np.float32), ref=_ref, grad=False, id="float32")
    good(_name, np.array([0.5, -2.0], np.float16), ref=_ref, grad=False, id="float16-float64")
    good(_name, normal(2, 3), call=lambda x, f=_ref: f(x), ref=_ref, id="scipy-ufunc")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("z", 3, dtype="complex128")), sd.DTypeError,
        rf"^{_name} is defined here for real inputs only")
# Bessel functions of the first, second and third kind: J even or odd over the whole line, Y and
# K for x > 0 (nan below); each region of the kernels (series, Taylor about the nodes or the
# trapezoidal rule, asymptotic forms); the edges in test_bessel.py
for _name in ("j0", "j1", "y0", "y1", "k0", "k1", "k0e", "k1e"):
    _ref = getattr(special, _name)
    _line = _name[0] == "j"
    good(_name, normal(3, 4) * 8 if _line else positive(3, 4, low=0.2, high=25.0), ref=_ref)
    good(_name, np.array([0.05, 1.0, 1.3, 7.3, 20.0, 20.3, 31.0, 55.0]) * (-1 if _line else 1), ref=_ref,
         id="regions")
    good(_name, np.array([1e-300, 5e-3, 700.0, 1e5]), ref=_ref, grad=False, id="far")
    good(_name, np.array([1, 3, 7], np.int8), ref=_ref, grad=False, id="int-float64")
    good(_name, np.array([0.5, 2.0, 30.0], np.float32), ref=_ref, grad=False, id="float32")
    good(_name, np.array([0.5, 2.0], np.float16), ref=_ref, grad=False, id="float16-float64")
    good(_name, positive(2, 3), call=lambda x, f=_ref: f(x), ref=_ref, id="scipy-ufunc")
    bad(_name, lambda f=sd.FUNCTIONS[_name]: f(v("z", 3, dtype="complex128")), sd.DTypeError,
        rf"^{_name} is defined here for real inputs only, got complex128")
_I = np.array([[0, 1, 2], [2, 1, 0]])
good("choose", _I, normal(3), normal(2, 3), ref=lambda i, a, b: np.choose(i, [a, b, -1.0]),
     call=lambda i, a, b: sd.choose(i, [a, b, -1.0]))
good("choose", _I + 2, normal(3), normal(2, 3), ref=lambda i, a, b: np.choose(i, [a, b, 3], mode="wrap"),
     call=lambda i, a, b: sd.choose(i, [a, b, 3], mode="wrap"), id="wrap")
good("choose", 3 * _I - 2, normal(3), normal(2, 3), ref=lambda i, a, b: np.choose(i, [a, b, 3], mode="clip"),
     call=lambda i, a, b: sd.choose(i, [a, b, 3], mode="clip"), id="clip")
good("choose", normal(2), call=lambda a: sd.choose([0, 1], [a.astype("float32"), 3]),
     ref=lambda a: np.choose([0, 1], [a.astype("float32"), 3]), grad=False, id="float32-weak")
bad("choose", lambda: sd.choose([3], [v("a", 1)]), ValueError, r"^choose: invalid entry in choice array")
bad("choose", lambda: sd.choose(v("i", 2), [v("a", 2)]), TypeError, r"^choose: Cannot cast array data from dtype\('float64'\)",
    id="float-index")
good("compress", normal(3, 2), call=lambda a: sd.compress([True, False, True], a, axis=0),
     ref=lambda a: np.compress([True, False, True], a, axis=0))
good("compress", normal(3, 2), call=lambda a: sd.compress([0, 1], a), ref=lambda a: np.compress([0, 1], a), id="flat-short")
good("compress", normal(3, 2), call=lambda a: sd.compress([], a, axis=-1), ref=lambda a: np.compress([], a, axis=-1),
     id="none")
bad("compress", lambda: sd.compress([0, 0, 0, 1], v("a", 3)), IndexError,
    r"^compress: index 3 is out of bounds for axis 0 with size 3")
bad("compress", lambda: sd.compress(v("a", 3) > 0, v("a", 3)), TypeError,
    r"^compress: the condition must be constant .* the result's shape is its count of true values", id="symbolic")
good("extract", normal(2, 3), call=lambda a: sd.extract(np.arange(6).reshape(2, 3) % 2, a),
     ref=lambda a: np.extract(np.arange(6).reshape(2, 3) % 2, a))
bad("extract", lambda: sd.extract(v("a", 3) > 0, v("a", 3)), TypeError, r"^extract: the condition must be constant")
for _shape in ((2, 4), 3, 0, (2, 0), 7):
    good("resize", normal(3), _shape, ref=np.resize, id=f"{_shape}")
good("resize", normal(2, 2), (3, 3), ref=np.resize, id="2d")
good("resize", np.zeros(0, np.int8), 3, ref=np.resize, grad=False, id="empty-zeros")
bad("resize", lambda: sd.resize(v("a", 3), -1), ValueError, r"^resize: all elements of `new_shape` must be non-negative")
good("block", normal(2, 2), normal(3), call=lambda a, x: sd.block([[a, x[:2, None]], [x[None, 1:], 2.0]]),
     ref=lambda a, x: np.block([[a, x[:2, None]], [x[None, 1:], 2.0]]))
good("block", normal(2, 2), call=lambda a: sd.block([[[a]], [[a]]]), ref=lambda a: np.block([[[a]], [[a]]]), id="deeper")
good("block", normal(3), call=lambda x: sd.block([x, np.float32(1), 2]), ref=lambda x: np.block([x, np.float32(1), 2]),
     id="dtypes")
bad("block", lambda: sd.block([v("a", 2), [v("a", 2)]]), ValueError, r"^block: List depths are mismatched")
bad("block", lambda: sd.block((v("a", 2),)), TypeError, r"^block: arrays is a tuple", id="tuple")
bad("block", lambda: sd.block([[v("a", 2)], []]), ValueError, r"^block: List at arrays\[1\] cannot be empty", id="empty")

# Operators and methods outside FUNCTIONS, each tied to the function it spells.
SUGAR_ONLY = {"index"}


def samples_for(name: str) -> list[Sample]:
    return [s for s in SAMPLES if s.name == name]


def idfn(x: Any) -> str:
    return re.sub(r"\s+", "", str(x))
