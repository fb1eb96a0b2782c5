"""Numerical behaviour at the edges, as README's "Guarantees and limits" documents it: NaN and inf
propagate as in NumPy (with NumPy's warnings), in the evaluator and in generated code alike;
integer and boolean inputs follow NumPy promotion and carry no gradient; float32 graphs stay
float32 end to end; the stabilized forms do not overflow."""

from __future__ import annotations

import math
import operator
import re
import warnings

import mpmath
import numpy as np
import pytest

import symdiff as sd


def _both(outs, inputs, values, simplify=False):
    """Values from the evaluator and from generated code (same rewriting on both sides)."""
    env = {v.op.var_name: a for v, a in zip(inputs, values)}
    want = sd.evaluate(outs, env, simplify=simplify)
    got = sd.compile(outs, inputs=inputs, simplify=simplify)(*values)
    return [np.asarray(w) for w in want], [np.asarray(g) for g in got]


def _same(got, want):
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)  # NaN equals NaN here; -0.0 equals 0.0


# -- NaN and inf ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (4,)])
def test_nan_and_inf_propagate_through_evaluate_and_generated_code(shape):
    x, y = sd.var("x", shape), sd.var("y", shape)
    outs = [x + y, x * y, sd.exp(x), sd.tanh(x), sd.sigmoid(x), sd.maximum(x, y), sd.minimum(x, y),
            sd.relu(x), sd.abs(x), sd.where(x > y, x, y)]
    outs += sd.grad(sd.sum(sd.sin(x) * y), [x, y])
    cases = [(np.nan, 1.0), (np.inf, 1.0), (-np.inf, 2.0), (np.inf, -np.inf), (1.0, np.nan)]
    for xv, yv in cases:
        values = [np.full(shape, xv), np.full(shape, yv)]
        with np.errstate(all="ignore"):
            want, got = _both(outs, [x, y], values)
        _same(got, want)
        np.testing.assert_array_equal(want[0], np.full(shape, xv + yv))  # inf - inf is nan
        np.testing.assert_array_equal(want[2], np.exp(np.full(shape, xv)))
        if math.isnan(xv):  # NaN wins in maximum/minimum (np.maximum), relu and abs keep it
            assert all(np.all(np.isnan(w)) for w in (want[5], want[6], want[7], want[8]))
    # NaN in one argument of a reduction reaches the result; inf - inf is NaN, not 0
    v = sd.var("v", (3,))
    with np.errstate(all="ignore"):
        want, got = _both([sd.sum(v), sd.max(v), sd.logsumexp(v), sd.softmax(v), v - v],
                          [v], [np.array([1.0, np.nan, 2.0])])
    _same(got, want)
    assert np.isnan(want[0]) and np.isnan(want[1]) and np.isnan(want[2]) and np.all(np.isnan(want[3]))
    with np.errstate(all="ignore"):
        got = sd.compile(v - v, inputs=[v])(np.array([np.inf, 1.0, -np.inf]))  # simplified: kept
    np.testing.assert_array_equal(got, [np.nan, 0.0, np.nan])


def _bits(value):
    """Sign and value of each part, NaN equal to NaN (whatever its sign), -0.0 not 0.0."""
    return [(math.isnan(v), math.isnan(v) or v, math.isnan(v) or math.copysign(1.0, v))
            for v in (complex(value).real, complex(value).imag)]


_POWER_EDGES = [-math.inf, math.inf, -0.0, 0.0, math.nan, -4.0, 4.0]


@pytest.mark.parametrize("exponent", [0.5, 1.5, -0.5, 2.0, -1.0, 3.0, 0.0])
def test_scalar_powers_agree_with_numpy_at_infinities_zeros_nan_and_negatives(exponent):
    # NumPy takes a 0-d array to the power 0.5 as np.sqrt (sqrt(-inf) is nan, sqrt(-0.0) is
    # -0.0) where C's pow, as math.pow, gives inf and 0.0; the scalar path must agree
    x, y = sd.symbols("x y")
    by_constant = sd.compile(x ** exponent, inputs=[x])
    by_variable = sd.compile(x ** y, inputs=[x, y])
    assert "except (ArithmeticError, ValueError)" in by_variable.source  # the scalar path
    for v in _POWER_EDGES:
        with np.errstate(all="ignore"):
            want = np.power(np.array(v), np.array(exponent))[()]
            got = [by_constant(v), by_variable(v, exponent), sd.evaluate(x ** exponent, {"x": v}),
                   sd.evaluate(x ** y, {"x": v, "y": exponent})]
        for g in got:
            assert _bits(g) == _bits(want), (v, exponent, g, want)


@pytest.mark.parametrize("exponent", [0.5, 2.0, -1.0])
def test_complex_powers_agree_with_numpy_at_infinities_zeros_nan_and_negatives(exponent):
    z = sd.var("z", dtype=np.complex128)
    fns = [sd.compile(z ** exponent, inputs=[z]), sd.compile(sd.sqrt(z), inputs=[z])]
    for v in [complex(-math.inf, 0.0), complex(math.inf, 0.0), complex(-0.0, 0.0), -4 + 0j,
              complex(math.nan, 0.0), complex(0.0, math.inf), complex(-1.0, -0.0), 1 + 1j]:
        with np.errstate(all="ignore"):
            want = [np.power(np.array(v), np.array(exponent, dtype=np.complex128))[()], np.sqrt(np.array(v))[()]]
            got = [f(v) for f in fns]
            evaluated = sd.evaluate([z ** exponent, sd.sqrt(z)], {"z": v})
        for g, e, w in zip(got, evaluated, want):
            assert _bits(g) == _bits(w) and _bits(e) == _bits(w), (v, exponent, g, e, w)


def test_division_by_zero_gives_inf_and_nan_with_numpy_warnings():
    x, y = sd.symbols("x y")
    vec = sd.var("v", (3,))
    for outs, inputs, values, expected in [
        ([x / y], [x, y], [1.0, 0.0], [math.inf]),          # scalar path: ZeroDivisionError -> NumPy
        ([x / y], [x, y], [-1.0, 0.0], [-math.inf]),
        ([1.0 / vec], [vec], [np.array([0.0, -0.0, 2.0])], [np.array([np.inf, -np.inf, 0.5])]),
    ]:
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            want = sd.evaluate(outs, dict(zip([i.op.var_name for i in inputs], values)), simplify=False)
        with pytest.warns(RuntimeWarning, match="divide by zero"):
            got = sd.compile(outs, inputs=inputs)(*values)
        np.testing.assert_array_equal(want[0], expected[0])
        np.testing.assert_array_equal(np.asarray(got[0]), expected[0])
    with pytest.warns(RuntimeWarning, match="invalid value"):
        assert math.isnan(sd.compile(x / y, inputs=[x, y])(0.0, 0.0))


def test_the_gradient_of_a_norm_at_zero_computes_no_zero_over_zero():
    # the rule where(r > 0, x / r, 0) divided 0 by 0 where the norm is 0: a NaN warning for a
    # gradient that is 0 there, and a FloatingPointError under np.errstate(all="raise")
    v, W = sd.var("v", (3,)), sd.var("W", (2, 2))
    for f, var, zero in [(sd.linalg.norm(v), v, np.zeros(3)), (sd.sum(sd.linalg.norm(W, axis=1)), W,
                                                                np.array([[0.0, 0.0], [3.0, 4.0]]))]:
        g, h = sd.grad(f, var), sd.hessian(f, var)
        name = var.op.var_name
        with np.errstate(all="raise"):
            for simplify in (False, True):
                got = sd.evaluate([g, h], {name: zero}, simplify=simplify)
                assert np.all(np.isfinite(got[0])) and np.all(np.isfinite(got[1]))
            got = sd.compile([g, h], inputs=[var])(zero)
        assert np.all(np.isfinite(got[0])) and np.all(np.isfinite(got[1]))
    with np.errstate(all="raise"):
        assert sd.evaluate(sd.grad(sd.linalg.norm(v), v), {"v": np.zeros(3)}).tolist() == [0.0] * 3
        assert sd.evaluate(sd.grad(sd.linalg.norm(v), v), {"v": [3.0, 4.0, 0.0]}).tolist() == [0.6, 0.8, 0.0]


def test_log_of_negative_is_nan_and_of_zero_is_minus_inf_with_numpy_warnings():
    x = sd.var("x")
    fn = sd.compile(sd.log(x), inputs=[x])
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        assert math.isnan(fn(-1.0))  # math.log raised ValueError: the NumPy version answers
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log"):
        assert np.isnan(sd.evaluate(sd.log(x), {"x": -1.0}, simplify=False))
    with pytest.warns(RuntimeWarning, match="divide by zero encountered in log"):
        assert fn(0.0) == -math.inf
    v = sd.var("v", (3,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = sd.compile([sd.log(v), sd.sqrt(v)], inputs=[v])(np.array([-1.0, 0.0, 4.0]))
    np.testing.assert_array_equal(got[0], [np.nan, -np.inf, np.log(4.0)])
    np.testing.assert_array_equal(got[1], [np.nan, 0.0, 2.0])
    with np.errstate(invalid="raise"):  # NumPy's error state applies to both as usual
        with pytest.raises(FloatingPointError):
            sd.compile(sd.log(v), inputs=[v])(np.array([-1.0, 1.0, 2.0]))


# -- stabilized forms -----------------------------------------------------------------------------


def test_stabilized_forms_do_not_overflow():
    v = sd.var("v", (3,))
    big = np.array([1000.0, 1.0, 2.0])
    raw = sd.log(sd.sum(sd.exp(v)))
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert sd.evaluate(raw, {"v": big}, simplify=False) == np.inf  # as written: exp(1000) overflows
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a warning on the stabilized paths
        assert sd.evaluate(raw, {"v": big}, simplify=True) == pytest.approx(1000.0)
        assert sd.compile(raw, inputs=[v])(big) == pytest.approx(1000.0)  # compile simplifies
        assert sd.evaluate(sd.logsumexp(v), {"v": big}) == pytest.approx(1000.0)
        # the gradient of the simplified form is softmax: finite
        np.testing.assert_allclose(sd.evaluate(sd.grad(sd.simplify(raw), v), {"v": big}), [1, 0, 0], atol=1e-12)
        np.testing.assert_allclose(sd.evaluate(sd.grad(sd.logsumexp(v), v), {"v": big}), [1, 0, 0], atol=1e-12)
        x = sd.var("x")
        for e, at, value in [(sd.log(sd.sigmoid(x)), -1000.0, -1000.0), (sd.softplus(x), 1000.0, 1000.0),
                             (sd.sigmoid(x), -1000.0, 0.0), (sd.log(1 + x), 1e-20, 1e-20),
                             (sd.exp(x) - 1, 1e-20, 1e-20)]:
            # the stabilized form and its gradient are finite
            got = sd.compile([e, sd.grad(sd.simplify(e), x)], inputs=[x])(at)
            assert got[0] == pytest.approx(value, rel=1e-12) and math.isfinite(got[1]), (e, got)
        logp = sd.log_softmax(v)
        assert np.all(np.isfinite(sd.evaluate([logp, *sd.grad(sd.sum(logp), [v])], {"v": big * 1e3})[0]))


def test_gradients_of_listed_forms_are_stable_and_other_raw_forms_are_not():
    # reverse mode takes the log forms of the stabilization table through their stable
    # equivalents; a documented limit: a softmax written out by hand is differentiated as written
    v, x = sd.var("v", (3,)), sd.var("x")
    big = np.array([1000.0, 1.0, 2.0])
    g = sd.compile(sd.grad(sd.log(sd.sum(sd.exp(v))), v), inputs=[v])(big)
    np.testing.assert_allclose(g, [1.0, 0.0, 0.0], atol=1e-300)
    assert sd.compile(sd.grad(sd.log(sd.sigmoid(x)), x), inputs=[x])(-1000.0) == 1.0
    by_hand = sd.exp(v)[0] / sd.sum(sd.exp(v))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(sd.compile(sd.grad(by_hand, v), inputs=[v])(big)[0])
    assert np.all(np.isfinite(sd.compile(sd.grad(sd.softmax(v)[0], v), inputs=[v])(big)))


def test_where_gradient_is_not_poisoned_by_the_branch_not_taken():
    x = sd.var("x")
    f = sd.where(x > 0, sd.log(x), x) + sd.where(x < 10, 0.0, sd.exp(x * 1e3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # log(-1) and exp(...) are computed, then not chosen
        for at, want in [(-1.0, 1.0), (2.0, 0.5)]:
            assert sd.evaluate(sd.grad(f, x), {"x": at}) == want
            assert sd.compile(sd.grad(f, x), inputs=[x])(at) == want
            assert sd.evaluate(sd.grad(sd.grad(f, x), x), {"x": at}) == (0.0 if at < 0 else -0.25)


# -- integers and booleans ------------------------------------------------------------------------


def test_integer_and_boolean_inputs_follow_numpy_promotion():
    x = sd.var("x")
    i = sd.var("i", (2,), "int64")
    b = sd.var("b", (2,), "bool")
    outs = [i * 2, i - 1, i / 2, x * i, sd.sin(i), b + b,
            b * 2.5, sd.where(b, x, -x), sd.sum(i), sd.mean(i), sd.astype(b, "int64") + i]
    env = {"x": 1.5, "i": np.array([3, -4]), "b": np.array([True, False])}
    want, got = _both(outs, [x, i, b], [1.5, env["i"], env["b"]])
    _same(got, want)
    dtypes = [w.dtype.name for w in want]
    assert dtypes == ["int64", "int64", "float64", "float64", "float64", "bool", "float64", "float64",
                      "int64", "float64", "int64"]
    expected = [2 * env["i"], env["i"] - 1, env["i"] / 2, 1.5 * env["i"], np.sin(env["i"]),
                env["b"] + env["b"], env["b"] * 2.5, [1.5, -1.5], -1, -0.5, env["b"] + env["i"]]
    for w, e in zip(want, expected):
        np.testing.assert_array_equal(w, e)
    # integer arithmetic wraps around as in NumPy (int64), in both
    big = np.array([2**62, -(2**62)])
    with np.errstate(all="ignore"):
        want, got = _both([i * 4], [i], [big])
    _same(got, want)
    np.testing.assert_array_equal(want[0], big * 4)


def test_gradients_flow_through_integer_inputs_but_not_into_them():
    x = sd.var("x", (2,))
    i = sd.var("i", (2,), "int64")
    f = sd.sum(x * i + sd.astype(i, "float64") ** 2)
    (gx,) = sd.grad(f, [x])
    np.testing.assert_array_equal(sd.evaluate(gx, {"x": np.ones(2), "i": np.array([3, -4])}), [3.0, -4.0])
    with pytest.raises(sd.NotDifferentiableError, match="'i': its dtype int64 is not floating-point"):
        sd.grad(f, i)
    # a float value given for an integer input is refused rather than truncated
    fn = sd.compile(gx, inputs=[x, i])
    with pytest.raises(ValueError, match="argument 'i' is declared int64 but was given float64"):
        fn(np.ones(2), np.array([3.5, 1.0]))
    with pytest.raises(sd.InputError, match="variable 'i' is declared int64 but was given float64"):
        sd.evaluate(gx, {"x": np.ones(2), "i": np.array([3.5, 1.0])})


# -- float32 ---------------------------------------------------------------------------------------


def _mlp32(loss_form: str):
    X, labels = sd.var("X", ("n", 8), "float32"), sd.var("labels", ("n",), "int64")
    W1, b1 = sd.var("W1", (8, 6), "float32"), sd.var("b1", (6,), "float32")
    W2, b2 = sd.var("W2", (6, 3), "float32"), sd.var("b2", (3,), "float32")
    logits = sd.tanh(X @ W1 + b1) @ W2 + b2
    if loss_form == "index":
        loss = -sd.log_softmax(logits, axis=1)[sd.arange(X.shape[0]), labels].mean()
    else:
        onehot = sd.one_hot(labels, 3, dtype="float32")  # the default dtype is float64
        loss = -sd.mean(sd.sum(onehot * sd.log(sd.softmax(logits, axis=1)), axis=1))
    loss = loss + 0.01 * sd.sum(W1 * W1) + sd.sum(sd.relu(b1) * 0.5) + sd.max(sd.sigmoid(W2))
    return loss, [X, labels, W1, b1, W2, b2], [W1, b1, W2, b2]


@pytest.mark.parametrize("loss_form", ["index", "onehot"])
def test_float32_graph_stays_float32_in_generated_code(loss_form):
    loss, inputs, params = _mlp32(loss_form)
    grads = sd.grad(loss, params)
    outs = [loss, *grads]
    for simplify in (False, True):
        graph = sd.simplify(outs) if simplify else outs
        wide = sorted({n.op.name for n in sd.toposort(graph) if n.dtype == np.float64})
        assert wide == [], f"float64 nodes in a float32 graph: {wide}"
        fn = sd.compile(outs, inputs=inputs, simplify=simplify)
        assert "float64" not in fn.source, [ln for ln in fn.source.splitlines() if "float64" in ln]
        rng = np.random.default_rng(0)
        values = [rng.standard_normal((5, 8)).astype("f4"), rng.integers(0, 3, 5),
                  *(rng.standard_normal(p.shape).astype("f4") for p in params)]
        got = fn(*values)
        assert [np.asarray(g).dtype for g in got] == [np.float32] * 5
        want = sd.evaluate(graph, dict(zip([v.op.var_name for v in inputs], values)), simplify=False)
        for g, w in zip(got, want):
            assert np.asarray(g).tobytes() == np.asarray(w).tobytes()


def test_mixing_float64_into_float32_promotes_where_the_user_asks():
    x = sd.var("x", (3,), "float32")
    assert (x * 0.1).dtype == np.float32  # Python numbers are weak
    assert (x * sd.const(np.float32(0.1))).dtype == np.float32
    assert (x * sd.const(np.array(0.1))).dtype == np.float64  # a float64 array constant is not
    assert (x * sd.one_hot(sd.var("l", (), "int64"), 3)).dtype == np.float64  # one_hot's default
    assert sd.mean(x).dtype == np.float32 and sd.softmax(x).dtype == np.float32


def test_float16_mean_of_more_elements_than_float16_counts_is_numpys():
    # NumPy adds and divides a float16 mean in float32: 70,000 is inf in float16, which made the
    # mean 0 (sum / inf) and its named-size form inf / inf
    v = np.full(70_000, np.float16(0.001))
    h, hn = sd.var("h", shape=(70_000,), dtype="float16"), sd.var("hn", shape=("n",), dtype="float16")
    mask = sd.var("mask", shape=(70_000,), dtype="bool")
    for m in [sd.mean(h), sd.mean(hn), sd.mean(h, where=mask)]:
        got = sd.evaluate(m, {"h": v, "hn": v, "mask": np.ones(70_000, bool)}, simplify=False)
        assert got.dtype == np.float16 and m.dtype == np.float16
        np.testing.assert_allclose(got, np.mean(v), rtol=1e-3)
    np.testing.assert_allclose(sd.compile(sd.mean(h))(v), np.mean(v), rtol=1e-3)


_MASK = np.array([True, True, False])


@pytest.mark.parametrize("build, reference", [
    (sd.mean, np.mean),
    (lambda x: sd.mean(x, where=_MASK), lambda v: np.mean(v, where=_MASK)),
    (lambda x: sd.mean(sd.reshape(x, (3, 1)), axis=0, keepdims=True),
     lambda v: np.mean(v.reshape(3, 1), axis=0, keepdims=True)),
    (sd.nanmean, np.nanmean),
    (sd.average, np.average),
], ids=["mean", "where", "axis-keepdims", "nanmean", "average"])
@pytest.mark.parametrize("dtype", ["int64", "uint64"])
def test_integer_mean_adds_in_float64_as_numpys(build, reference, dtype):
    # np.mean of integers adds them in float64 (its dtype f8), so a sum past the integer's range
    # does not wrap around: the mean of three 2**62 is 2**62, not a negative number
    value = np.full(3, 2**62 if dtype == "int64" else 2**63, dtype=dtype)
    x = sd.var("x", shape=(3,), dtype=dtype)
    e = build(x)
    want = reference(value)
    for got in [*_both([e], [x], [value])[0], sd.compile(e, inputs=[x])(value)]:
        assert got.dtype == want.dtype == e.dtype == np.float64
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32"])
@pytest.mark.parametrize("name", ["sum", "prod", "logsumexp"])
def test_reduction_over_no_axes_has_numpys_dtype(name, dtype):
    # axis=() reduces each element alone, but still in the reduction's dtype: np.sum of int8
    # values over () is int64, as over any axes; the expression was the input itself
    value = (np.arange(6).reshape(2, 3) % 3).astype(dtype)
    x = sd.var("x", shape=(2, 3), dtype=dtype)
    e = sd.FUNCTIONS[name](x, axis=())
    want = (np.log(np.sum(np.exp(value), axis=())) if name == "logsumexp"
            else getattr(np, name)(value, axis=()))
    for got in [*_both([e], [x], [value])[0], sd.compile(e, inputs=[x])(value)]:
        assert got.dtype == want.dtype and e.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-3)


def test_python_int_beyond_an_integer_dtype_compares_and_divides_as_numpy_or_is_refused():
    # NumPy 2 compares uint8 values with 300 or -1 exactly and divides them by 256 in float64;
    # building the constant in uint8 raised a bare OverflowError naming nothing
    u, i = sd.var("u", (3,), "uint8"), sd.var("i", (3,), "int8")
    uv, iv = np.array([0, 5, 200], np.uint8), np.array([-128, 5, 127], np.int8)
    cases = [(u / 256, uv / 256), (u / -3, uv / -3), (u < 300, uv < 300), (u == -1, uv == -1),
             (-1 < u, -1 < uv), (i / 1000, iv / 1000), (i >= -129, iv >= -129), (300 > i, 300 > iv)]
    # ops NumPy computes in floats only take the value in that float (float16 for uint8 and
    # int8), and the logical ones take it as nonzero: these were refused as not fitting uint8
    cases += [(sd.arctan2(u, -1), np.arctan2(uv, -1)), (sd.hypot(300, u), np.hypot(300, uv)),
              (sd.logaddexp(i, 1000), np.logaddexp(iv, 1000)), (sd.logaddexp2(-1, u), np.logaddexp2(-1, uv)),
              (sd.logical_and(u, -1), np.logical_and(uv, -1)),
              (sd.logical_xor(300, i), np.logical_xor(300, iv))]
    for e, want in cases:
        for got in [*_both([e], [u, i], [uv, iv])[0], *_both([e], [u, i], [uv, iv], True)[0]]:
            assert got.dtype == want.dtype and np.array_equal(got, want), (str(e), got, want)
    # where NumPy raises OverflowError (or wraps the value around), an error names the op
    for build, name, value in [(lambda: u + 300, "add", 300), (lambda: i - 129, "sub", 129),
                               (lambda: sd.maximum(u, -1), "maximum", -1),
                               (lambda: sd.clip(u, None, -1), "clip", -1),
                               (lambda: sd.where(u > 0, u, -1), "where", -1)]:
        with pytest.raises(sd.DTypeError, match=rf"^{name}: the Python integer {value} does not fit "):
            build()


def test_python_int_beyond_every_integer_dtype_compares_as_numpy_or_is_refused_by_op():
    # NumPy 2 compares an integer array with 2**64 (which no integer dtype holds) exactly, each
    # element the same way; building the constant raised an error naming the constant alone
    u, i, w = sd.var("u", (3,), "uint8"), sd.var("i", (2,), "int64"), sd.var("w", (2,), "uint64")
    values = [np.array([0, 5, 255], np.uint8), np.array([-2**63, 2**63 - 1]),
              np.array([0, 2**64 - 1], np.uint64)]
    compares = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]
    for x, xv in zip((u, i, w), values):
        for compare in compares:
            for big in (2**64, -2**64 - 1, 10**400, -10**400):
                for e, want in [(compare(x, big), compare(xv, big)), (compare(big, x), compare(big, xv))]:
                    for got in [*_both([e], [u, i, w], values)[0], *_both([e], [u, i, w], values, True)[0]]:
                        assert got.dtype == want.dtype and np.array_equal(got, want), (str(e), got, want)
    assert str(u == 2**64) == "u > 255" and str(sd.less(-2**64, w)) == "w >= 0"
    # where NumPy raises OverflowError, the error names the op, the value and the array's dtype
    for build, message in [
        (lambda: sd.var("b", (2,), "bool") == 2**64,
         "equal: the Python integer 18446744073709551616 does not fit int64 or uint64, so it "
         "cannot meet an array of bool"),
        (lambda: sd.logical_or(u, -2**64),
         "logical_or: the Python integer -18446744073709551616 does not fit int64 or uint64, so "
         "it cannot meet an array of uint8"),
        (lambda: u + 2**64, "add: the Python integer 18446744073709551616 does not fit int64 or uint64"),
        (lambda: sd.var("f", (2,), "float32") < 10**400,
         "less: the Python integer of 401 digits is beyond float64's range, so it cannot meet an "
         "array of float32"),
        (lambda: -10**400 * sd.var("z", (), "complex64"),
         "mul: the Python integer of 401 digits is beyond float64's range, so it cannot meet an "
         "array of complex64"),
    ]:
        with pytest.raises(sd.DTypeError, match="^" + re.escape(message)):
            build()


def test_power_of_booleans_has_np_powers_dtype_in_generated_code_too():
    # b ** 2 in generated source is NumPy's fast path to np.square (int8 for booleans), while
    # the evaluator and the static type follow np.power (int64)
    b, i = sd.var("b", (2,), "bool"), sd.var("i", (2,), "int8")
    bv, iv = np.array([True, False]), np.array([1, 2], np.int8)
    for e, want in [(b ** 2, np.power(bv, 2)), (b ** 2.5, np.power(bv, 2.5)),
                    (b ** i, np.power(bv, iv)), (b ** b, np.power(bv, bv))]:
        for simplify in (False, True):
            want_eval, got_code = _both([e], [b, i], [bv, iv], simplify)
            for got in want_eval + got_code:
                assert got.dtype == want.dtype == e.dtype and np.array_equal(got, want), str(e)


@pytest.mark.parametrize("name", ["sum", "prod", "mean"])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "float32"])
def test_reduction_dtype_is_the_results_dtype_as_in_numpy(name, dtype):
    # np.sum(x, dtype=int8) adds in int8 (wrapping around) and returns int8, and np.mean(x,
    # dtype=int64) is an int64; the conversion came first, then NumPy's own promotion of the
    # converted values (int8 sums to int64, integer means to float64)
    rng = np.random.default_rng(3)
    value = rng.integers(-100, 100, (3, 40))
    x = sd.var("x", (3, 40), "int64")
    mask = value > 0
    for kwargs in [{}, {"where": mask}]:
        e = sd.FUNCTIONS[name](x, axis=1, dtype=dtype, **kwargs)
        with np.errstate(over="ignore"):
            want = getattr(np, name)(value, axis=1, dtype=dtype, **kwargs)
            got = [*_both([e], [x], [value])[0], *_both([e], [x], [value], True)[1]]
        for g in got:
            assert g.dtype == want.dtype == e.dtype
            np.testing.assert_allclose(g, want, rtol=1e-6)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "float32"])
def test_scan_dtype_is_the_results_dtype_as_in_numpy(name, dtype):
    value = np.random.default_rng(4).integers(-9, 9, (3, 20))
    x = sd.var("x", (3, 20), "int64")
    e = sd.FUNCTIONS[name](x, axis=1, dtype=dtype)
    with np.errstate(over="ignore"):
        want = getattr(np, name)(value, axis=1, dtype=dtype)
        got = [*_both([e], [x], [value])[0], *_both([e], [x], [value], True)[1]]
    for g in got:
        assert g.dtype == want.dtype == e.dtype
        np.testing.assert_allclose(g, want, rtol=1e-6)


# -- accuracy of derivative rules -------------------------------------------------------------------


@pytest.mark.parametrize("fn, exact, points", [
    # expm1' = exp: expm1(x) + 1 kept no digit of it once expm1(x) is near -1
    ("expm1", lambda t: mpmath.exp(t), [-30.0, -40.0, -700.0, 1e-12, 3.0]),
    # 1 - x*x near |x| = 1: x*x rounds away the digits the difference keeps
    ("arcsin", lambda t: 1 / mpmath.sqrt(1 - t * t), [0.99999999999, -0.9999999999873, 1 - 3e-9, 0.5]),
    ("arccos", lambda t: -1 / mpmath.sqrt(1 - t * t), [0.99999999999, -0.9999999999873, 1 - 3e-9, 0.5]),
    ("arctanh", lambda t: 1 / (1 - t * t), [0.99999999999, -0.9999999999873, 1 - 3e-9, 0.5]),
    # s (1 - s): s rounds to 1 in the tail, where the slope is far from 0
    ("sigmoid", lambda t: 1 / (4 * mpmath.cosh(t / 2) ** 2), [20.0, 40.0, 100.0, -40.0, -100.0, 0.7]),
    ("softplus", lambda t: 1 / (1 + mpmath.exp(-t)), [40.0, 100.0, -40.0, 2.5]),
])
def test_derivative_rules_keep_full_precision_where_their_textbook_form_cancels(fn, exact, points):
    x = sd.var("x")
    f = sd.FUNCTIONS[fn](x)
    g = sd.grad(f, x)
    outs = [g, sd.grad(g, x), sd.derivative(f, x, 1), sd.derivative(f, x, 2)]
    for p in points:
        with mpmath.workdps(80):  # sigmoid(100) is 1 - 4e-44
            d1, d2 = float(exact(mpmath.mpf(p))), float(mpmath.diff(exact, mpmath.mpf(p)))
        want = [d1, d2, d1, d2]
        for simplify in (False, True):
            for got in _both(outs, [x], [p], simplify):
                np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=f"{fn} at {p}")


@pytest.mark.parametrize("fn, exact, points", [
    ("sigmoid", lambda t: 1 / (4 * mpmath.cosh(t / 2) ** 2), [5.0, 20.0, 40.0, -40.0]),
])
def test_float32_logistic_slopes_keep_their_digits_in_the_tails(fn, exact, points):
    # in float32 sigmoid(x) rounds to 1 from x = 17; its slope there is a normal float32 number
    # down to 1e-38
    x = sd.var("x", dtype="float32")
    f = sd.FUNCTIONS[fn](x)
    g = sd.grad(f, x)
    outs = [g, sd.grad(g, x), sd.derivative(f, x, 2)]
    for p in points:
        with mpmath.workdps(40):
            d1, d2 = float(exact(mpmath.mpf(p))), float(mpmath.diff(exact, mpmath.mpf(p)))
        for got in _both(outs, [x], [np.float32(p)], simplify=True):
            assert all(v.dtype == np.float32 for v in got)
            np.testing.assert_allclose(got, [d1, d2, d2], rtol=2e-6, err_msg=f"{fn} at {p}")


def _i1_slopes(t):
    i0, i1 = mpmath.besseli(0, t), mpmath.besseli(1, t)
    if t == 0:
        return i1, mpmath.mpf(0.5), mpmath.mpf(0)
    d1 = i0 - i1 / t
    return i1, d1, i1 - d1 / t + i1 / (t * t)


def _i1e_slopes(t):
    i1, d1, d2 = _i1_slopes(t)
    s, e = mpmath.sign(t), mpmath.exp(-abs(t))
    return e * (d1 - s * i1), e * (d2 - 2 * s * d1 + i1)


def _i0e_slopes(t):
    i0, i1 = mpmath.besseli(0, t), mpmath.besseli(1, t)
    d1 = i0 - i1 / t if t else mpmath.mpf(0.5)  # (I_1')
    s, e = mpmath.sign(t), mpmath.exp(-abs(t))
    return e * (i1 - s * i0), e * (d1 - 2 * s * i1 + i0)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-13), ("float32", 2e-6)])
@pytest.mark.parametrize("fn, slopes, points", [
    # (1 + x*x)**2 overflows from |x| = 1e77 (1e10 in float32), 1 + x*x from 1e154 (1e19)
    ("arctan", lambda t: (1 / (1 + t * t), -2 * t / (1 + t * t) ** 2),
     {"float64": [1e10, -1e10, 1e80, -1e150, 1e-150, 0.5, -3.0],
      "float32": [1e10, -1e10, 3e12, 1e-20, 0.5, -3.0]}),
    # I_1'(x) = I_0 - I_1/x: its derivative cancels to 3x/8 from terms near 1/(2x)
    ("i1", lambda t: _i1_slopes(t)[1:],
     {"float64": [1e-10, -1e-10, 1e-5, 0.1, 0.49, 0.5, 0.9, 5.0, 0.0],
      "float32": [1e-10, -1e-5, 0.1, 0.9, 1.0, 1.5, 5.0, 0.0]}),
    # i0e' = i1e - sign(x) i0e and i1e' = i0e - i1e/x - sign(x) i1e cancel to about 1/(2x) of
    # their terms: the relative error grew as x eps (2e-7 at 1e10; all of it in float32)
    ("i1e", _i1e_slopes,
     {"float64": [1e-10, -1e-10, 1e-5, 0.1, 0.49, 0.5, 0.9, 3.0, 0.0, 60.0, -1e3, 1e10, 1e12],
      "float32": [1e-10, -1e-5, 0.1, 0.9, 1.0, 0.0, 12.0, -1e3, 1e10, 1e12]}),
    ("i0e", _i0e_slopes,
     {"float64": [0.5, -3.0, 20.0, 50.5, -60.0, 1e3, 1e10, -1e12],
      "float32": [0.5, -3.0, 10.5, -60.0, 1e3, 1e10, 1e12]}),
])
def test_first_and_second_derivatives_stay_accurate_where_their_values_are_ordinary(
        fn, slopes, points, dtype, rtol):
    x = sd.var("x", dtype=dtype)
    f = sd.FUNCTIONS[fn](x)
    g = sd.grad(f, x)
    outs = [g, sd.grad(g, x), sd.derivative(f, x, 1), sd.derivative(f, x, 2)]
    for p in points[dtype]:
        p = np.dtype(dtype).type(p)
        with mpmath.workdps(60):
            d1, d2 = (float(d) for d in slopes(mpmath.mpf(float(p))))
        for simplify in (False, True):
            for got in _both(outs, [x], [p], simplify):
                assert all(v.dtype == dtype for v in got)
                np.testing.assert_allclose(got, [d1, d2, d1, d2], rtol=rtol, atol=0,
                                           err_msg=f"{fn} at {p} ({dtype})")


@pytest.mark.parametrize("dtype, rtol, points", [
    ("float64", 1e-13, [(1e200, 1e200), (1e-300, -1e-300), (3e-160, 1e-160), (1e100, -2e100),
                        (1.0, 2.0), (-3.0, 0.5), (1e-20, 1.0)]),
    ("float32", 2e-6, [(1e15, 1e15), (1e-15, -1e-15), (1e30, 2e30), (1e-30, 1e-30), (1.0, 2.0)]),
])
def test_arctan2_gradient_and_hessian_neither_overflow_nor_underflow_inside(dtype, rtol, points):
    # x*x + y*y overflows or underflows where the gradient (x, -y) / (x*x + y*y) and the
    # Hessian are ordinary numbers: they were 0, inf or nan there
    y, x = sd.var("y", dtype=dtype), sd.var("x", dtype=dtype)
    gy, gx = sd.grad(sd.arctan2(y, x), [y, x])
    outs = [gy, gx, *sd.grad(gy, [y, x]), sd.grad(gx, x)]
    for py, px in points:
        py, px = np.dtype(dtype).type(py), np.dtype(dtype).type(px)
        with mpmath.workdps(40):
            Y, X = mpmath.mpf(float(py)), mpmath.mpf(float(px))
            r2 = X * X + Y * Y
            want = [float(v) for v in (X / r2, -Y / r2, -2 * X * Y / r2**2, (Y * Y - X * X) / r2**2,
                                       2 * X * Y / r2**2)]
        # the mixed derivative is (y*y - x*x) / r**4: a difference that rounds to about
        # eps / r**2, not to 0, where |x| = |y|
        atol = [0, 0, 0, 4 * np.finfo(dtype).eps * float(1 / r2), 0]
        for simplify in (False, True):
            for got in _both(outs, [y, x], [py, px], simplify):
                assert all(v.dtype == dtype for v in got)
                for v, w, a in zip(got, want, atol):
                    if abs(w) < np.finfo(dtype).tiny or abs(w) > np.finfo(dtype).max:
                        continue  # not a normal number of the dtype
                    np.testing.assert_allclose(v, w, rtol=rtol, atol=a,
                                               err_msg=f"arctan2 at {(py, px)} ({dtype})")
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.isnan(sd.evaluate([gy, gx], {"y": 0.0, "x": 0.0}, simplify=False)).all()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cbrt_second_derivative_at_zero_is_the_infinite_limit_from_its_side(dtype):
    # cbrt'' = -2/9 x**(-5/3): -inf from the right, +inf from the left (sqrt''(0) is -inf);
    # 3 * out * out made it 0 * inf = nan
    x = sd.var("x", dtype=dtype)
    f = sd.cbrt(x)
    g = sd.grad(f, x)
    outs = [g, sd.grad(g, x), sd.derivative(f, x, 2)]
    zero = np.dtype(dtype).type(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        for simplify in (False, True):
            for got in _both(outs, [x], [zero], simplify):
                assert [float(v) for v in got] == [np.inf, -np.inf, -np.inf]
            for got in _both(outs, [x], [-zero], simplify):
                assert [float(v) for v in got] == [np.inf, np.inf, np.inf]


def test_float32_constant_of_a_derivative_stays_float32_where_it_meets_only_integers():
    # d ldexp(a, e)/da is ldexp(1, e) in a's dtype: written as the Python number 1.0, the
    # constant met only the int64 exponent and NumPy computed it in float64
    a, e = sd.var("a", (3,), "float32"), sd.var("e", (3,), "int64")
    f = sd.ldexp(a, e)
    outs = [f, sd.grad(sd.sum(f), a)]
    values = [np.array([2.0**-149, 1e-40, 3.0], np.float32), np.array([200, 100, -160])]
    for simplify in (False, True):
        with np.errstate(over="ignore"):
            want, got = _both(outs, [a, e], values, simplify=simplify)
            _same(got, want)
            assert [w.dtype for w in want] == [np.float32, np.float32]
            np.testing.assert_array_equal(want[1], np.ldexp(np.float32(1), values[1]))


def _float32_samples():
    from op_table import SAMPLES

    seen = {}
    for s in SAMPLES:
        fl = s.float_args()
        if fl and s.grad and not s.zero_grad and all(s.args[k].dtype == np.float64 for k in fl):
            seen.setdefault(s.name, s)
    return list(seen.values())


@pytest.mark.parametrize("sample", _float32_samples(), ids=str)
def test_float32_value_gradient_and_hvp_stay_float32_for_every_op(sample):
    """Each op's first float64 sample, its float arguments made float32: the value, the gradient
    and a Hessian-vector product are float32 in the evaluator and in generated code, as built
    and simplified (where NumPy's own result is float32)."""
    args = [a.astype(np.float32) if k in sample.float_args() else a for k, a in enumerate(sample.args)]
    s = type(sample)(sample.name, tuple(args), sample.ref, sample.call, sample.kwargs)
    out, vs = s.build()
    out = out[0] if isinstance(out, (tuple, list)) else out
    with np.errstate(all="ignore"):
        ref = s.reference()
    if ref.dtype != np.float32:  # NumPy computes it wider (an integer or float64 argument)
        pytest.skip(f"NumPy gives {ref.dtype}")
    assert out.dtype == np.float32
    wrt = [vs[k] for k in s.float_args()]
    f = sd.sum(sd.real(out)) if out.dtype.kind == "c" else sd.sum(out)
    u = sd.var("u_dir", wrt[0].shape, "float32")
    outs = [out, *sd.grad(f, wrt), sd.hvp(f, wrt[0], u)]
    assert [o.dtype for o in outs] == [np.float32] * len(outs)
    inputs = [*vs.values(), u]
    values = [*(args[k] for k in vs), np.ones(wrt[0].shape, np.float32)]
    for simplify in (False, True):
        with np.errstate(all="ignore"):
            want, got = _both(outs, inputs, values, simplify=simplify)
        assert [w.dtype for w in want] == [np.float32] * len(outs)
        assert [g.dtype for g in got] == [np.float32] * len(outs)


def test_a_jacobian_meeting_an_infinite_elementwise_derivative_is_zero_off_the_diagonal():
    # the rows of the identity are cotangents, divided by sqrt's 2 * sqrt(v) = 0: as built, 0 / 0
    # is nan in the other rows of that column (as jax.jacrev gives); simplified, the quotient
    # is the diagonal it is, with the true Jacobian's zeros off it
    v = sd.var("v", (2,))
    outs = [sd.jacobian(sd.sqrt(v), v), sd.hessian(sd.sum(sd.sqrt(v)), v)]
    at = [np.array([0.0, 1.0])]
    for simplify, off in ((False, np.nan), (True, 0.0)):
        with np.errstate(all="ignore"):
            want, got = _both(outs, [v], at, simplify=simplify)
        _same(got, want)
        np.testing.assert_array_equal(want[0], [[np.inf, 0.0], [off, 0.5]])
        np.testing.assert_array_equal(want[1], [[-np.inf, 0.0], [off, -0.25]])
    assert "diag" in str(sd.simplify(outs[0])) and "one_hot" not in str(sd.simplify(outs))


def test_a_cast_to_integers_or_booleans_passes_no_gradient_and_one_between_floats_does():
    v = sd.var("v", (3,))
    f = sd.sum(sd.astype(v * 3, "int8") * v + sd.astype(v > 0.5, "float64") + sd.astype(v, "float32") ** 2)
    g = sd.grad(f, v)
    assert g.dtype == np.float64
    x = np.array([0.25, 1.0, -2.0])
    want = (x * 3).astype(np.int8) + 2 * x.astype(np.float32)  # the casts' own derivatives are 0
    got = sd.evaluate(g, {"v": x})
    np.testing.assert_allclose(got, want, rtol=1e-7)
    np.testing.assert_array_equal(sd.compile(g, inputs=[v])(x), got)
