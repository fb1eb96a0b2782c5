"""More elementwise functions and reductions beyond the op table: the conventions at non-smooth
points, special functions against mpmath over wide ranges, the generated scalar path, and the
SymPy and LaTeX forms."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy

import symdiff as sd


def _grads(f, values):
    vs = {k: sd.var(k, np.shape(v)) for k, v in values.items()}
    out = f(**vs)
    return sd.evaluate(sd.grad(sd.sum(out), list(vs.values())), values)


# -- non-smooth points ---------------------------------------------------------------------------


def test_clip_passes_the_gradient_to_a_on_its_bounds():
    a = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    ga, glo, ghi = _grads(lambda a, lo, hi: sd.clip(a, lo, hi), {"a": a, "lo": np.zeros(5), "hi": np.ones(5)})
    np.testing.assert_array_equal(ga, [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(glo, [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(ghi, [0, 0, 0, 0, 1])
    # a_min > a_max: NumPy's result is a_max everywhere, and so is the gradient's route
    ga, glo, ghi = _grads(lambda a, lo, hi: sd.clip(a, lo, hi), {"a": a, "lo": np.ones(5), "hi": np.zeros(5)})
    assert np.all(ga == 0) and np.all(glo == 0) and np.all(ghi == 1)


def test_mod_and_fmod_at_the_jump_take_the_piece_the_result_lies_on():
    a, b = np.array([-4.0, -2.0, 0.0, 2.0, 4.0, 5.0]), np.full(6, 2.0)
    for f, np_f in ((sd.mod, np.mod), (sd.fmod, np.fmod)):
        ga, gb = _grads(lambda a, b, f=f: f(a, b), {"a": a, "b": b})
        np.testing.assert_array_equal(ga, np.ones(6))
        np.testing.assert_array_equal(gb, -(a - np_f(a, b)) / b)  # -quotient
    # and the second derivative is zero: the quotient is held constant
    x, y = sd.symbols("x y")
    second = [sd.grad(g, [x, y]) for g in sd.grad(sd.mod(x, y), [x, y])]
    assert sd.evaluate(second[0] + second[1], {"x": 5.5, "y": 2.0}) == [0.0] * 4


def test_hypot_gradient_at_the_origin_is_zero():
    ga, gb = _grads(lambda a, b: sd.hypot(a, b), {"a": np.array([0.0, 3.0]), "b": np.array([0.0, -4.0])})
    np.testing.assert_allclose(ga, [0.0, 0.6], rtol=1e-15, atol=0)
    np.testing.assert_allclose(gb, [0.0, -0.8], rtol=1e-15, atol=0)


@pytest.mark.parametrize("f, base", [(sd.logaddexp, np.e), (sd.logaddexp2, 2.0)])
def test_logaddexp_gradient_is_exact_where_an_operand_is_infinite(f, base):
    # d/da log(e**a + e**b) is e**a / (e**a + e**b): 1 and 0 at (inf, 1), 0 and 1 at (-inf, 1);
    # written exp(a - out) it was exp(inf - inf) = nan at (inf, 1)
    a = np.array([np.inf, 1.0, -np.inf, 1.0, 0.3, 1000.0, -1000.0])
    b = np.array([1.0, np.inf, 1.0, -np.inf, -0.7, 999.0, -1001.0])
    ga, gb = _grads(lambda a, b: f(a, b), {"a": a, "b": b})
    with np.errstate(over="ignore"):
        want = 1 / (1 + base ** (b - a))
    np.testing.assert_allclose(ga, want, rtol=1e-15, atol=0)
    np.testing.assert_allclose(gb, 1 - want, rtol=1e-14, atol=0)
    assert np.all(ga[:4] == [1, 0, 0, 1]) and np.all(gb[:4] == [0, 1, 1, 0])
    h = 1e-6  # and at ordinary points, against central differences
    np.testing.assert_allclose(ga[4], (f(0.3 + h, -0.7).eval() - f(0.3 - h, -0.7).eval()) / (2 * h),
                               rtol=1e-8)


def test_hypot_higher_derivatives_at_the_origin_are_zero_as_the_norms_are():
    # the Hessian was the identity there: a / 1 differentiated, where the gradient is taken as 0;
    # hypot(a, b) is the 2-norm of (a, b), whose derivatives at 0 are all 0 (abs'' = sign' = 0)
    x, y = sd.symbols("x y")
    v = sd.var("v", (2,))
    at = {"x": 0.0, "y": 0.0}
    for f, args, values in [(sd.hypot(x, y), [x, y], at), (sd.linalg.norm(v), [v], {"v": np.zeros(2)})]:
        first = sd.grad(f, args)
        second = [d for g in first for d in sd.grad(sd.sum(g), args)]
        third = sd.grad(sd.sum(second[0]), args)
        for d in sd.evaluate(first + second + third, values):
            np.testing.assert_array_equal(d, 0.0)
    for k in (1, 2, 3):
        assert float(sd.evaluate(sd.derivative(sd.hypot(x, y), x, k), at)) == 0.0
        assert float(sd.evaluate(sd.derivative(sd.hypot(x, y), x, k, direction=1.0), at)) == 0.0
    # away from the origin the Hessian is kept: (b^2, -ab, a^2) / h^3
    got = sd.evaluate([d for g in sd.grad(sd.hypot(x, y), [x, y]) for d in sd.grad(g, [x, y])], {"x": 3.0, "y": 4.0})
    np.testing.assert_allclose(got, np.array([16.0, -12.0, -12.0, 9.0]) / 125.0, rtol=1e-15)


@pytest.mark.parametrize("a, b", [(1e308, 1e308), (3e307, -4e307), (1e300, 2e300), (1e-300, 1e-300),
                                  (3.0, 4.0)])
def test_hypot_second_derivatives_are_finite_and_right_at_any_scale(a, b):
    # a**2 / h**3 and the like: 1e-309 near the largest floats, where h * h overflows, and
    # 1e299 near the smallest normal ones, where 1 / h**2 does
    x, y = sd.symbols("x y")
    h = sd.hypot(x, y)
    first = sd.grad(h, [x, y])
    second = [d for g in first for d in sd.grad(g, [x, y])]
    with mpmath.workdps(40):
        A, B = mpmath.mpf(a), mpmath.mpf(b)
        H = mpmath.sqrt(A * A + B * B)
        want = [A / H, B / H, B * B / H**3, -A * B / H**3, -A * B / H**3, A * A / H**3]
    got = sd.evaluate(first + second, {"x": a, "y": b})
    for g, w in zip(got, want):
        # the largest inputs have second derivatives below the smallest normal float, with
        # fewer significant bits
        tol = 1e-11 if abs(w) < 2.3e-308 else 1e-14
        assert math.isfinite(g) and abs(g - float(w)) <= tol * abs(float(w)), (g, float(w))


@pytest.mark.parametrize("x, want", [
    ([2.0, 0.0, 3.0, 4.0], None),
    ([0.0, 2.0, 3.0, 4.0], None),
    ([2.0, 0.0, 3.0, 0.0], None),
    ([0.0, 0.0, 0.0, 5.0], None),
])
def test_cumprod_gradient_is_exact_with_zeros(x, want):
    x = np.array(x)
    (g,) = _grads(lambda x: sd.cumprod(x), {"x": x})
    # d sum(cumprod x) / d x_i = sum over j >= i of prod_{k <= j, k != i} x_k
    exact = [sum(np.prod(np.delete(x[: j + 1], i)) for j in range(i, len(x))) for i in range(len(x))]
    np.testing.assert_array_equal(g, exact)


def test_std_gradient_where_the_variance_is_zero_is_nan():
    with np.errstate(divide="ignore", invalid="ignore"):
        (g,) = _grads(lambda x: sd.std(x), {"x": np.ones(3)})
    assert np.all(np.isnan(g))


def test_sinc_derivatives_at_and_near_zero():
    x = sd.var("x")
    d1 = sd.grad(sd.sinc(x), x)
    d2 = sd.grad(d1, x)
    d3 = sd.grad(d2, x)
    assert sd.evaluate([d1, d3], {"x": 0.0}) == [0.0, 0.0]
    np.testing.assert_allclose(sd.evaluate(d2, {"x": 0.0}), -math.pi**2 / 3, rtol=1e-15)
    for t in (1e-9, 3e-5, 0.3, -0.99, 1.0, 2.5, 40.25):
        with mpmath.workdps(30):
            want = [float(mpmath.diff(lambda s: mpmath.sinc(mpmath.pi * s), t, k)) for k in (1, 2, 3)]
        np.testing.assert_allclose(sd.evaluate([d1, d2, d3], {"x": t}), want, rtol=1e-12, atol=1e-13)


# -- special functions -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_against_mpmath(n):
    xs = np.concatenate([np.geomspace(1e-3, 1e6, 60), np.linspace(0.05, 30, 80)])
    xs = xs[np.abs(xs - 1.4616321449683622) > 0.02]  # digamma's zero: only absolute accuracy
    got = sd.evaluate(sd.polygamma(n, sd.var("x", (xs.size,))), {"x": xs})
    want = np.array([float(mpmath.polygamma(n, t)) for t in xs])
    np.testing.assert_allclose(got, want, rtol=3e-15 if n else 1e-14)
    neg = -np.linspace(0.05, 7.9, 60) + 0.0123
    neg = neg[np.abs(neg - np.round(neg)) > 0.03]
    got = sd.evaluate(sd.polygamma(n, sd.var("x", (neg.size,))), {"x": neg})
    want = np.array([float(mpmath.polygamma(n, t)) for t in neg])
    np.testing.assert_allclose(got, want, rtol=1e-11)


def test_gammaln_poles_and_dtypes():
    x = sd.var("x", (4,))
    got = sd.evaluate(sd.gammaln(x), {"x": np.array([0.0, -1.0, -2.5, 0.5])})
    np.testing.assert_array_equal(got[:2], [np.inf, np.inf])
    np.testing.assert_allclose(got[2:], [math.lgamma(-2.5), math.lgamma(0.5)], rtol=1e-15)
    x32 = sd.var("x", (2,), "float32")
    for f in (sd.erf, sd.erfc, sd.gammaln, sd.digamma, sd.sinc):
        assert f(x32).dtype == np.float32
        assert sd.evaluate(f(x32), {"x": np.ones(2, np.float32)}).dtype == np.float32
    assert sd.erf(sd.var("i", (2,), "int64")).dtype == np.float64



def test_gammaln_and_digamma_at_poles_infinities_and_nan_are_scipys():
    # scipy.special's values (1.17), hard-coded: gammaln(-inf) is -inf (|Gamma| between the
    # poles falls to 0), where math.lgamma gives inf; digamma is +-inf at -+0 (the side of the
    # pole) and nan at the other poles and at -inf
    points = np.array([-np.inf, -3.0, -1.0, -0.0, 0.0, np.inf, np.nan])
    want = {
        sd.gammaln: [-np.inf, np.inf, np.inf, np.inf, np.inf, np.inf, np.nan],
        sd.digamma: [np.nan, np.nan, np.nan, np.inf, -np.inf, np.inf, np.nan],
    }
    x, s = sd.var("x", points.shape), sd.var("s")
    for f, values in want.items():
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            np.testing.assert_array_equal(sd.evaluate(f(x), {"x": points}), values)
            np.testing.assert_array_equal(sd.compile(f(x))(points), values)
            one = sd.compile(f(s))  # the scalar path: math.lgamma, falling back to the kernel
            for t, w in zip(points, values):
                np.testing.assert_array_equal(one(float(t)), w)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_polygamma_at_poles_and_infinities_is_scipys(n):
    # scipy.special.polygamma's values (1.17), hard-coded: (-1)^(n+1) n! zeta(n+1, x), whose
    # Hurwitz zeta is +inf at every pole (either signed zero) and at -inf, so +inf for odd n and
    # -inf for even n there, where the reflection formula gave nan (and +inf at -0.0)
    points = np.array([-np.inf, -1e20, -3.0, -1.0, -0.0, 0.0, np.inf, np.nan])
    pole = np.inf if n % 2 else -np.inf
    want = [pole] * 6 + [0.0, np.nan]
    x, s = sd.var("x", points.shape), sd.var("s")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(sd.evaluate(sd.polygamma(n, x), {"x": points}), want)
        np.testing.assert_array_equal(sd.compile(sd.polygamma(n, x))(points), want)
        one = sd.compile(sd.polygamma(n, s))
        for t, w in zip(points, want):
            np.testing.assert_array_equal(one(float(t)), w)
        # the derivative of polygamma(n - 1) is polygamma(n): the same values at the poles
        d = sd.grad(sd.polygamma(n - 1, s), s)
        for t, w in zip(points[:6], want):
            assert sd.evaluate(d, {"s": float(t)}) == w


def test_gammaln_beyond_float64s_range_is_inf_not_an_error():
    # math.lgamma raises OverflowError past about 2.6e305, which escaped from evaluation
    x, s = sd.var("x", (4,)), sd.var("s")
    value = np.array([1e305, 3e305, 1e308, np.inf])
    want = [math.lgamma(1e305), np.inf, np.inf, np.inf]
    with np.errstate(over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(sd.evaluate(sd.gammaln(x), {"x": value}), want)
        np.testing.assert_array_equal(sd.compile(sd.gammaln(x))(value), want)
        assert sd.compile(sd.gammaln(s))(1e308) == np.inf


def test_gamma_is_maths_with_scipys_poles_and_overflow():
    x, s = sd.var("x", (16,)), sd.var("s")
    value = np.array([-2.5, -0.3, -170.5, -171.5, -180.5, 0.5, 5.0, 171.6, 171.7, 1e308, np.inf,
                      0.0, -0.0, -1.0, -2.0, -np.inf])
    want = [math.gamma(t) for t in value[:8]] + [np.inf] * 3 + [np.inf, -np.inf] + [np.nan] * 3
    got = sd.evaluate(sd.gamma(x), {"x": value})
    np.testing.assert_array_equal(got, want)  # math.gamma's values exactly; -0.0 where it is -0.0
    assert np.signbit(got[4]) and not np.signbit(got[3])
    fn = sd.compile(sd.gamma(x))
    np.testing.assert_array_equal(fn(value), want)
    assert "scipy" not in fn.source and fn.source.count("def gamma_kernel") == 1
    one = sd.compile(sd.gamma(s))  # Python floats, falling back to the kernel where math raises
    for t, w in zip(value, want):
        np.testing.assert_array_equal(one(float(t)), w)
    # tiny arguments overflow on either side; float32 stays float32 (inf above 35.04)
    np.testing.assert_array_equal(sd.evaluate(sd.gamma(s), {"s": -1e-320}), -np.inf)
    f32 = sd.var("f", (3,), "float32")
    got32 = sd.evaluate(sd.gamma(f32), {"f": np.array([2.5, 35.0, 35.1], np.float32)})
    assert got32.dtype == np.float32
    np.testing.assert_array_equal(got32, np.array([math.gamma(2.5), math.gamma(35.0), np.inf], np.float32))
    # the derivative Gamma(x) psi(x), against a central difference of math.gamma
    d = sd.simplify(sd.grad(sd.gamma(s), s))
    assert d is sd.gamma(s) * sd.digamma(s)
    for t in (-2.5, -0.3, 0.7, 4.2):
        fd = (math.gamma(t + 1e-6) - math.gamma(t - 1e-6)) / 2e-6
        np.testing.assert_allclose(sd.evaluate(d, {"s": t}), fd, rtol=1e-7)
    a = sympy.Symbol("s", real=True)
    assert sd.to_sympy(sd.gamma(s)) == sympy.gamma(a) and sd.from_sympy(sympy.gamma(a)) is sd.gamma(s)
    assert sd.latex(sd.gamma(s)) == r"\Gamma\left(s\right)"


def test_erf_uses_the_same_kernel_in_generated_code():
    x = sd.var("x", (3,))
    fn = sd.compile([sd.erf(x), sd.grad(sd.sum(sd.gammaln(x)), x)], inputs=[x])
    assert "def erf_kernel" in fn.source and "def polygamma_kernel" in fn.source
    assert "import math" in fn.source and "scipy" not in fn.source


# -- the generated scalar path (math templates) --------------------------------------------------

_SCALAR = {
    "arcsin": (sd.arcsin, [0.3, 2.0]), "arccos": (sd.arccos, [-0.3, 1.5]), "arctan": (sd.arctan, [4.0]),
    "sinh": (sd.sinh, [1.5, 1000.0]), "cosh": (sd.cosh, [-0.5, -1000.0]), "arcsinh": (sd.arcsinh, [-3.0]),
    "arccosh": (sd.arccosh, [2.0, 0.5]), "arctanh": (sd.arctanh, [0.5, 1.0]), "log2": (sd.log2, [8.0, 0.0]),
    "log10": (sd.log10, [1e5, -1.0]), "exp2": (sd.exp2, [3.5, 5000.0]), "reciprocal": (sd.reciprocal, [4.0, 0.0]),
    "deg2rad": (sd.deg2rad, [90.0]), "rad2deg": (sd.rad2deg, [1.0]), "sinc": (sd.sinc, [0.0, 0.25, 3.0]),
    "erf": (sd.erf, [0.5]), "erfc": (sd.erfc, [8.0]), "gammaln": (sd.gammaln, [0.5, 0.0, -3.0]),
}
_SCALAR2 = {
    "arctan2": (sd.arctan2, [(1.0, -1.0), (0.0, 0.0)]), "hypot": (sd.hypot, [(3.0, 4.0)]),
    "logaddexp": (sd.logaddexp, [(1.0, 2.0), (-math.inf, -math.inf), (5.0, 5.0), (800.0, -800.0)]),
    "logaddexp2": (sd.logaddexp2, [(1.0, 2.0), (3.0, 3.0), (-math.inf, 0.0)]),
    "mod": (sd.mod, [(5.5, 2.0), (-5.5, 2.0), (5.5, -2.0), (1.0, 0.0), (-0.0, 3.0)]),
    "fmod": (sd.fmod, [(5.5, 2.0), (-5.5, 2.0), (1.0, 0.0), (math.inf, 2.0)]),
    "clip": (lambda a, b: sd.clip(a, -1.0, b), [(0.5, 2.0), (-3.0, 2.0), (5.0, 2.0), (math.nan, 1.0), (0.0, -2.0)]),
}


@pytest.mark.parametrize("name", sorted(_SCALAR) + sorted(_SCALAR2))
def test_scalar_fast_path_agrees_with_the_evaluator(name):
    x, y = sd.symbols("x y")
    if name in _SCALAR:
        f, points = _SCALAR[name]
        expr, ins, points = f(x), [x], [(p,) for p in points]
    else:
        f, points = _SCALAR2[name]
        expr, ins = f(x, y), [x, y]
    fn = sd.compile(expr, inputs=ins)
    assert "import math" in fn.source and "except (ArithmeticError, ValueError)" in fn.source
    for p in points:
        with np.errstate(all="ignore"):
            got = fn(*p)
            want = sd.evaluate(expr, dict(zip(["x", "y"], p)))
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0, err_msg=f"{name}{p}")
        assert math.copysign(1, got) == math.copysign(1, want) or got != got


# -- SymPy, LaTeX, text, parsing ----------------------------------------------------------------

X = sympy.Symbol("x", real=True)
_SYMPY = [
    ("arcsin(x)", 0.3), ("arccos(x)", -0.4), ("arctan(x)", 2.0), ("sinh(x)", 0.7), ("cosh(x)", -0.7),
    ("arcsinh(x)", 1.3), ("arccosh(x)", 1.7), ("arctanh(x)", 0.2), ("log2(x)", 3.0), ("log10(x)", 3.0),
    ("exp2(x)", 0.3), ("square(x)", -1.2), ("reciprocal(x)", 1.5), ("cbrt(x)", -2.0), ("deg2rad(x)", 30.0),
    ("rad2deg(x)", 0.5), ("sinc(x)", 0.3), ("erf(x)", 0.4), ("erfc(x)", 1.1), ("gammaln(x)", 2.5),
    ("digamma(x)", 2.5), ("polygamma(2, x)", 1.5), ("arctan2(x, 2.0)", 0.7), ("hypot(x, 2.0)", 0.7),
    ("logaddexp(x, 1.0)", 0.3), ("logaddexp2(x, 1.0)", 0.3), ("x % 0.75", 2.3), ("fmod(x, 0.75)", -2.3),
    ("clip(x, 0.0, 1.0)", 0.5),
]


@pytest.mark.parametrize("text, point", _SYMPY)
def test_sympy_values_and_derivatives(text, point):
    f, x = sd.parse(text), sd.var("x")
    fs = sd.to_sympy(f)
    d1 = sd.grad(f, x)
    d2 = sd.grad(d1, x)
    mine = sd.evaluate([f, d1, d2], {"x": point})
    order = 0 if "%" in text or "fmod" in text else 2  # SymPy leaves d Mod / dx unevaluated
    theirs = [complex(sympy.N(sympy.diff(fs, X, k).subs(X, point), 30)).real for k in range(order + 1)]
    mine = mine[: order + 1]
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-13)
    back = sd.from_sympy(fs)
    np.testing.assert_allclose(sd.evaluate(back, {"x": point}), mine[0], rtol=1e-13)


def test_sympy_scans_and_statistics():
    v = sd.var("v", (3,))
    vs = sympy.IndexedBase("v", shape=(3,), real=True)
    got = sd.to_sympy(sd.cumprod(v))
    assert list(got) == [vs[0], vs[0] * vs[1], vs[0] * vs[1] * vs[2]]
    g = sd.to_sympy(sd.grad(sd.sum(sd.cumsum(v) * v), v))
    assert sympy.expand(g[0] - (2 * vs[0] + vs[1] + vs[2])) == 0
    var = sd.to_sympy(sd.variance(v, ddof=1))
    m = (vs[0] + vs[1] + vs[2]) / 3
    assert sympy.simplify(var - sum((vs[k] - m) ** 2 for k in range(3)) / 2) == 0


def test_from_sympy_functions():
    x = sympy.Symbol("x")
    assert str(sd.from_sympy(sympy.asin(x) + sympy.sinh(x))) == "arcsin(x) + sinh(x)"
    assert str(sd.from_sympy(sympy.loggamma(x) * sympy.erf(x))) == "erf(x) * gammaln(x)"
    assert str(sd.from_sympy(sympy.polygamma(1, x))) == "polygamma(1, x)"
    assert str(sd.from_sympy(sympy.Mod(x, 2))) == "x % 2.0"


def test_latex_forms():
    x, y = sd.symbols("x y")
    assert sd.latex(sd.arcsin(x)) == r"\arcsin\left(x\right)"
    assert sd.latex(sd.sinh(x)) == r"\sinh\left(x\right)"
    assert sd.latex(sd.erf(x)) == r"\operatorname{erf}\left(x\right)"
    assert sd.latex(sd.gammaln(x)) == r"\ln\Gamma\left(x\right)"
    assert sd.latex(sd.polygamma(1, x)) == r"\psi^{(1)}\left(x\right)"
    assert sd.latex(sd.log10(x)) == r"\log_{10}\left(x\right)"
    assert sd.latex(sd.cbrt(x)) == r"\sqrt[3]{x}"
    assert sd.latex(sd.exp2(x)) == "2^{x}"
    assert sd.latex(sd.hypot(x, y)) == r"\sqrt{{x}^{2} + {y}^{2}}"
    assert sd.latex((x + 1) % y) == r"\left(x + 1\right) \bmod y"
    assert sd.latex(sd.clip(x, 0.0, None)) == r"\operatorname{clip}\left(x, 0, \infty\right)"
    assert sd.latex(sd.cumsum(sd.var("M", (2, 3)), axis=1)) == (
        r"\operatorname{cumsum}\left(M, \mathrm{axis}=1\right)")


def test_text_reads_back():
    x, y = sd.symbols("x y")
    v = sd.var("v", (4,))
    for e in (x % (y + 1), sd.fmod(x, y), sd.clip(x, None, y), sd.digamma(x), sd.polygamma(3, x),
              sd.cumprod(v), sd.arctan2(x, y) * sd.logaddexp2(x, y)):
        assert sd.parse(sd.to_text(e), shapes={"v": (4,)}) is e


def test_average_weights_known_only_at_run_time_that_sum_to_zero_give_inf_or_nan():
    # constant weights summing to zero are NumPy's ZeroDivisionError when the graph is built
    # (the op table checks it); an expression's sum is not known then: the division's inf or nan
    a, w = sd.var("a", shape=(3,)), sd.var("w", shape=(3,))
    e = sd.average(a, weights=w)
    fn = sd.compile(e, inputs=[a, w])
    at = {"a": np.array([1.0, 2.0, 3.0]), "w": np.array([1.0, -1.0, 0.0])}
    with np.errstate(divide="ignore", invalid="ignore"):
        assert sd.evaluate(e, at) == -np.inf == fn(at["a"], at["w"])  # -1 / 0
        at["a"] = np.array([2.0, 2.0, 5.0])
        assert np.isnan(sd.evaluate(e, at)) and np.isnan(fn(at["a"], at["w"]))  # 0 / 0
    with pytest.raises(ZeroDivisionError, match="Weights sum to zero"):
        np.average(at["a"], weights=at["w"])


def test_nan_ignoring_extrema_and_steps_follow_numpy_at_nan_and_say_what_sympy_lacks():
    x, y = sd.symbols("x y")
    at = {"x": np.array([np.nan, 1.0, np.nan, 2.0]), "y": np.array([3.0, np.nan, np.nan, 2.0])}
    xv, yv = at["x"], at["y"]
    for f, ref, to_x in [(sd.fmax, np.fmax, [0.0, 1.0, 1.0, 1.0]), (sd.fmin, np.fmin, [0.0, 1.0, 1.0, 1.0])]:
        e = f(sd.var("x", (4,)), sd.var("y", (4,)))
        np.testing.assert_array_equal(sd.evaluate(e, at), ref(xv, yv))
        gx, gy = sd.grad(sd.sum(e), [e.inputs[0], e.inputs[1]])
        # to x on the tie and where y is NaN, to y where x alone is NaN; both NaN: to x
        np.testing.assert_array_equal(sd.evaluate(gx, at), to_x)
        np.testing.assert_array_equal(sd.evaluate(gy, at), 1.0 - np.array(to_x))
    h = sd.heaviside(sd.var("x", (4,)), 0.5)
    np.testing.assert_array_equal(sd.evaluate(h, at), np.heaviside(xv, 0.5))  # nan at nan
    # fmax, fmin and heaviside convert (tests/test_sympy_bridge.py); a sign bit of variables not
    with pytest.raises(sd.UnsupportedError, match=r"to_sympy: the op 'copysign' has no SymPy equivalent"):
        sd.to_sympy(sd.copysign(x, y))


# -- bitwise ops on integers ---------------------------------------------------------------------


_BITWISE = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
            "left_shift": np.left_shift, "right_shift": np.right_shift}


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "uint32", "int64", "uint64"])
@pytest.mark.parametrize("name", sorted(_BITWISE))
def test_bitwise_ops_compiled_evaluated_and_numpy_agree(name, dtype):
    # every shift count from below zero to past the bit width (NumPy gives 0, or -1 for a
    # negative value shifted right, where C leaves it undefined), arrays, 0-d values and empties
    bits = np.dtype(dtype).itemsize * 8
    info = np.iinfo(dtype)
    values = np.array([0, 1, 5, info.max, info.min, info.max // 3, info.min + 7], dtype)
    counts = np.arange(-3 if info.min < 0 else 0, bits + 3).astype(dtype)
    a, b = values[:, None], counts[None, :]
    f = sd.FUNCTIONS[name]
    for x_val, y_val in [(a, b), (values[3], counts[-1]), (values[:0], counts[:1])]:
        x = sd.var("x", np.shape(x_val), dtype)
        y = sd.var("y", np.shape(y_val), dtype)
        e = f(x, y)
        want = _BITWISE[name](x_val, y_val)
        got = sd.evaluate(e, {"x": x_val, "y": y_val})
        compiled = sd.compile(e, inputs=[x, y])(x_val, y_val)
        for out in (got, compiled):
            assert np.asarray(out).dtype == want.dtype == e.dtype
            np.testing.assert_array_equal(out, want)


def test_invert_compiled_evaluated_and_numpy_agree():
    for dtype in ["int8", "uint8", "int64", "uint64"]:
        info = np.iinfo(dtype)
        vals = np.array([0, 1, info.max, info.min], dtype)
        x = sd.var("x", (4,), dtype)
        # the complement: -v - 1 of signed integers, max - v of unsigned ones
        complement = -vals - 1 if info.min < 0 else info.max - vals
        for e, want in [(~x, ~vals), (sd.invert(x), complement), (sd.bitwise_not(x), np.bitwise_not(vals))]:
            assert e.dtype == want.dtype
            np.testing.assert_array_equal(sd.evaluate(e, {"x": vals}), want)
            np.testing.assert_array_equal(sd.compile(e, inputs=[x])(vals), want)


def test_python_ints_beside_bitwise_operands_are_weakly_typed_as_in_numpy_2():
    u8 = sd.var("u", (3,), "uint8")
    u = np.array([1, 200, 255], np.uint8)
    for e, want in [(u8 & 3, u & 3), (3 | u8, 3 | u), (u8 ^ 255, u ^ 255), (u8 << 7, u << 7),
                    (1 << u8, 1 << u), (u8 >> 9, u >> 9), (np.bitwise_and(u8, 6), np.bitwise_and(u, 6))]:
        assert e.dtype == want.dtype == np.uint8
        np.testing.assert_array_equal(sd.evaluate(e, {"u": u}), want)
    m = sd.var("m", (3,), "bool")
    assert (m & 1).dtype == (np.ones(3, bool) & 1).dtype == np.int64
    with pytest.raises(OverflowError, match="out of bounds for uint8"):
        u & 256
    with pytest.raises(sd.DTypeError, match=r"^&: the Python integer 256 does not fit uint8"):
        u8 & 256
    with pytest.raises(sd.DTypeError, match=r"^left_shift: the Python integer -1 does not fit uint8"):
        u8 << -1
    with pytest.raises(sd.DTypeError, match=r"does not fit int64 or uint64"):
        sd.var("i", (), "int64") | 2**64


def test_bitwise_operators_on_masks_stay_logical():
    m, n = sd.var("m", (3,), "bool"), sd.var("n", (3,), "bool")
    assert str(m & n) == "logical_and(m, n)" and (m & n) is sd.bitwise_and(m, n) is sd.logical_and(m, n)
    assert (m | n) is sd.logical_or(m, n) and (m ^ n) is sd.logical_xor(m, n)
    assert ~m is sd.invert(m) is sd.logical_not(m)
    assert np.bitwise_xor(m, n) is sd.logical_xor(m, n)
    i = sd.var("i", (3,), "int32")
    assert str(i & 3) == "bitwise_and(i, 3)" and str(~i) == "invert(i)"
    assert sd.parse(str((i << 2) ^ ~i), shapes={"i": i}) is (i << 2) ^ ~i


def test_bitwise_results_carry_no_gradient_and_integers_are_not_differentiated():
    x, i = sd.var("x", (3,)), sd.var("i", (3,), "int64")
    vals = {"x": np.array([0.5, 1.5, 2.0]), "i": np.array([1, 6, -3])}
    g = sd.grad(sd.sum(x * (i & 6) + x ** 2 * (i >> 1)), x)
    want = (vals["i"] & 6) + 2 * vals["x"] * (vals["i"] >> 1)
    np.testing.assert_allclose(sd.evaluate(g, vals), want)
    np.testing.assert_allclose(sd.compile(g, inputs=[x, i])(vals["x"], vals["i"]), want)
    with pytest.raises(sd.NotDifferentiableError, match=r"'i': its dtype int64 is not floating-point"):
        sd.grad(sd.sum((i ^ 5).astype("float64")), i)


def test_bitwise_ops_refuse_floats_as_numpy_does():
    x = sd.var("x", (3,))
    with pytest.raises(TypeError, match="ufunc 'bitwise_and' not supported"):
        np.ones(3) & 1
    with pytest.raises(sd.DTypeError, match=r"^bitwise_and: takes integers or booleans, as NumPy's "
                                            r"bitwise_and, got float64, float64"):
        sd.bitwise_and(x, 1)
    with pytest.raises(sd.DTypeError, match=r"^right_shift: takes integers or booleans, .* got int64, float16"):
        sd.var("i", (), "int64") >> sd.var("h", (), "float16")
    with pytest.raises(sd.DTypeError, match=r"^\|: takes boolean masks \(as logical_or\) or integers"):
        x | 2


def test_bitwise_ops_have_no_sympy_form():
    i = sd.var("i", (), "int64")
    for e in [i & 3, i | 3, i ^ 3, ~i, i << 1, i >> 1]:
        with pytest.raises(sd.UnsupportedError, match=r"has no SymPy equivalent \(SymPy has no bitwise"):
            sd.to_sympy(e)


# -- casts ---------------------------------------------------------------------------------------


def test_a_0d_integer_cast_to_float_is_written_as_the_scalar_type():
    # the mean over a named dimension divides by the float of its size: np.float64(size), not
    # np.asarray(size).astype(np.float64); same value and dtype as the evaluator's
    X = sd.var("X", ("n", 3))
    source = sd.codegen(X.mean(axis=0), inputs=[X])
    assert "cast = np.float64(size)" in source and "np.asarray(size)" not in source
    vals = np.arange(12.0).reshape(4, 3)
    got = sd.compile(X.mean(axis=0), inputs=[X])(vals)
    np.testing.assert_array_equal(got, sd.evaluate(X.mean(axis=0), {"X": vals}))
    np.testing.assert_array_equal(got, vals.mean(axis=0))
    for dtype, to, value in [("int64", "float64", -(2**62) - 1), ("uint64", "float64", 2**64 - 1),
                             ("int8", "float32", -128), ("int32", "complex128", 7)]:
        i = sd.var("i", (), dtype)
        e = i.astype(to)
        assert f"np.{to}(i)" in sd.codegen(e, inputs=[i])
        fn = sd.compile(e, inputs=[i])
        want = np.asarray(value, dtype).astype(to)
        for given in (value, np.asarray(value, dtype)[()], np.asarray(value, dtype)):
            out, ref = fn(given), sd.evaluate(e, {"i": given})
            assert out.dtype == ref.dtype == want.dtype and out.shape == ref.shape == ()
            assert out == ref == want
    # arrays, and 0-d floats, keep the array conversion
    for var in (sd.var("v", (3,), "int64"), sd.var("s", (), "float32")):
        assert f"np.asarray({var.op.var_name}).astype(np.float64)" in sd.codegen(var.astype("float64"),
                                                                                inputs=[var])


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_just_left_of_zero_is_the_infinity_it_overflows_to(n):
    # psi^(n)(x) ~ -(-1)^n n! / x^(n+1) as x -> 0-: +inf for every n below -5.6e-309 (and
    # 1e300 for digamma at -1e-300); the reflection's cot(pi x) overflows to -inf there, and
    # NumPy's polyval, starting from c + cot * 0, made it nan
    points = np.array([-5e-324, -1e-310, -1e-300])
    want = [np.inf, np.inf, 1e300 if n == 0 else np.inf]  # scipy.special.polygamma's (1.17)
    got = sd.evaluate(sd.polygamma(n, sd.var("x", points.shape)), {"x": points})
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_allclose(sd.compile(sd.polygamma(n, sd.var("x", (3,))))(points), want, rtol=1e-14)
