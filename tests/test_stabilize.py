"""Each stabilization rule: the raw formula overflows or loses precision, the rewritten one not."""

import warnings

import numpy as np
import pytest

import symdiff as sd

x = sd.var("x")
v = sd.var("v", shape=(4,))


def raw_and_rewritten(e, **inputs):
    with np.errstate(all="ignore"):
        raw = sd.evaluate(e, inputs, simplify=False)
    return raw, sd.evaluate(sd.simplify(e), inputs, simplify=False)


def test_log_sigmoid_is_minus_softplus():
    e = sd.log(sd.sigmoid(x))
    assert sd.simplify(e) is -sd.softplus(-x)
    raw, good = raw_and_rewritten(e, x=-800.0)
    assert raw == -np.inf and good == -800.0


def test_log_one_plus_is_log1p():
    e = sd.log(1 + x)
    assert sd.simplify(e) is sd.log1p(x)
    raw, good = raw_and_rewritten(e, x=1e-18)
    assert raw == 0.0 and good == 1e-18


def test_log1p_computes_in_the_dtype_of_the_sum():
    # 1 + b for a bool b is an int64 and its log a float64; log1p(b) alone would be a float16
    # (as NumPy types log1p of a bool or an int8), cast back up with three digits left
    b, i8 = sd.var("b", dtype="bool"), sd.var("i8", dtype="int8")
    f32 = sd.var("f32", dtype="float32")
    for e, inputs in [(sd.log(1 + b), {"b": True}), (sd.log(1.0 + i8), {"i8": np.int8(3)}),
                      (sd.log(sd.const(np.float64(1.0)) + f32), {"f32": np.float32(1e-3)})]:
        s = sd.simplify(e)
        assert "log1p" in {n.op.name for n in sd.toposort(s)} and s.dtype == e.dtype == np.float64
        raw, good = sd.evaluate([e, s], inputs, simplify=False)
        np.testing.assert_allclose(good, raw, rtol=1e-15)
    # log(1 + exp(y)) for a float32 y next to a float64 one: still softplus, in float64
    e = sd.log(sd.const(np.float64(1.0)) + sd.exp(f32))
    s = sd.simplify(e)
    assert "softplus" in str(s) and s.dtype == np.float64
    assert sd.evaluate(s, {"f32": np.float32(100.0)}, simplify=False) == 100.0


def test_exp_minus_one_is_expm1():
    e = sd.exp(x) - 1
    assert sd.simplify(e) is sd.expm1(x)
    raw, good = raw_and_rewritten(e, x=1e-18)
    assert raw == 0.0 and good == 1e-18


def test_log_one_minus_is_log1p_of_the_negation():
    e = sd.log(1 - x)
    assert sd.simplify(e) is sd.log1p(-x)
    raw, good = raw_and_rewritten(e, x=1e-18)
    assert raw == 0.0 and good == -1e-18
    f32 = sd.var("f32", dtype="float32")
    e = sd.log(sd.const(np.float64(1.0)) - f32)  # negated in the difference's float64
    s = sd.simplify(e)
    assert s.dtype == np.float64 and "log1p" in str(s)
    assert sd.evaluate(s, {"f32": np.float32(2.0**-30)}, simplify=False) == np.log1p(-(2.0**-30))
    # an integer difference is exact or wraps around, as a negation would not: left as written
    u = sd.var("u", dtype="uint8")
    assert sd.simplify(sd.log(1 - u)) is sd.log(1 - u)


def test_one_minus_exp_is_minus_expm1():
    e = 1 - sd.exp(x)
    assert sd.simplify(e) is -sd.expm1(x)
    raw, good = raw_and_rewritten(e, x=1e-18)
    assert raw == 0.0 and good == -1e-18
    # so the log of it (log1mexp) keeps the digits of a tiny x
    e = sd.log(1 - sd.exp(x))
    raw, good = raw_and_rewritten(e, x=-1e-20)
    assert raw == -np.inf and good == pytest.approx(np.log(1e-20), rel=1e-15)


def test_log_sum_exp_is_logsumexp():
    e = sd.log(sd.sum(sd.exp(v)))
    assert sd.simplify(e) is sd.logsumexp(v)
    big = np.array([1000.0, 999.0, 0.0, -5.0])
    raw, good = raw_and_rewritten(e, v=big)
    assert raw == np.inf
    np.testing.assert_allclose(good, 1000.0 + np.log1p(np.exp(-1.0) + np.exp(-1000.0)), rtol=1e-15)


def test_log_mean_exp_is_logsumexp_minus_the_log_of_the_count():
    e = sd.log(sd.mean(sd.exp(v)))
    assert str(sd.simplify(e)) == f"logsumexp(v, axis=0) - {float(np.log(4.0))!r}"
    big = np.array([1000.0, 999.0, 0.0, -5.0])
    raw, good = raw_and_rewritten(e, v=big)
    assert raw == np.inf
    want = 1000.0 + np.log1p(np.exp(-1.0) + np.exp(-1000.0)) - np.log(4.0)
    np.testing.assert_allclose(good, want, rtol=1e-15)
    # its gradient, taken through the stable form, is the softmax, finite at the same inputs
    g = sd.simplify(sd.grad(e, v))
    assert g is sd.softmax(v)
    # over a named dimension, the count is a node: its log stays in the graph
    M = sd.var("M", ("n", 3))
    m = sd.simplify(sd.log(sd.mean(sd.exp(M), axis=0)))
    assert str(m) == "logsumexp(M, axis=0) - log(n.astype('float64'))"
    rows = np.array([[800.0, 1.0, -2.0], [799.0, 2.0, -1.0]])
    with np.errstate(all="ignore"):
        assert np.isinf(sd.evaluate(sd.log(sd.mean(sd.exp(M), axis=0)), {"M": rows}, simplify=False)[0])
    np.testing.assert_allclose(sd.evaluate(m, {"M": rows}, simplify=False),
                               np.log(np.mean(np.exp(rows - rows.max(0)), axis=0)) + rows.max(0), rtol=1e-14)
    # float32 stays float32
    f = sd.var("f", (3,), "float32")
    assert sd.simplify(sd.log(sd.mean(sd.exp(f)))).dtype == np.float32
    # a divisor that is not a count stays as written: at d = -0.0, log(s / d) is nan and
    # log(s) - log(d) would be inf
    d = sd.var("d")
    for q in (sd.log(sd.sum(sd.exp(v)) / d), sd.log(sd.sum(sd.exp(v)) / -2.0)):
        assert "logsumexp" not in str(sd.simplify(q))


def test_log_softmax():
    e = sd.log(sd.softmax(v))
    assert sd.simplify(e) is sd.log_softmax(v)
    raw, good = raw_and_rewritten(e, v=np.array([0.0, 800.0, 1.0, 2.0]))
    assert raw[0] == -np.inf and np.isclose(good[0], -800.0)


def test_the_log_of_picked_probabilities_is_picked_from_the_stable_form():
    # the cross-entropy as written, -log(softmax(z)[label]), was inf once the label's
    # probability underflowed, and so was log(sigmoid(z)[i]); their gradients were nan there
    z = sd.var("z", (4,))
    label = sd.var("label", (), "int64")
    at = {"z": np.array([0.0, 800.0, -800.0, 5.0]), "label": 2}
    for e, want, value, slope in [
            (-sd.log(sd.softmax(z)[label]), "-log_softmax(z, axis=0)[label]", 1600.0, [0, 1, -1, 0]),
            (-sd.log(sd.softmax(z)[2]), "-log_softmax(z, axis=0)[2]", 1600.0, [0, 1, -1, 0]),
            (sd.log(sd.sigmoid(z)[label]), "-softplus(-z[label])", -800.0, [0, 0, 1, 0]),
            (sd.log(sd.sigmoid(z)[1:3]).sum(), "-sum(softplus(-z[1:3]), axis=0)", -800.0, [0, 0, 1, 0])]:
        assert str(sd.simplify(e)) == want
        g = sd.grad(e, z)
        with np.errstate(all="ignore"):
            raw = sd.evaluate(e, at, simplify=False)
            got = sd.evaluate([e, g], at)
            unsimplified_gradient = sd.evaluate(g, at, simplify=False)  # reverse mode takes the form
        assert np.isinf(raw) and got[0] == value
        np.testing.assert_array_equal(got[1], slope)
        np.testing.assert_array_equal(unsimplified_gradient, slope)
    # the gradient of the softmax one is still softmax(z) - one_hot(label)
    assert str(sd.simplify(sd.grad(-sd.log(sd.softmax(z)[label]), z))) == \
        "softmax(z, axis=0) - one_hot(label, 4)"
    # f(x)[i] is f(x[i]) where nothing else uses f(x): only the picked elements are computed
    assert str(sd.simplify(sd.exp(z)[1:])) == "exp(z[1:])"
    assert str(sd.simplify([sd.exp(z)[1], sd.exp(z)])[0]) == "exp(z)[1]"


def test_the_logistic_function_written_out_is_sigmoid():
    for e, want in ((1 / (1 + sd.exp(-x)), sd.sigmoid(x)), ((sd.exp(-x) + 1) ** -1, sd.sigmoid(x)),
                    (1 / (1 + sd.exp(x)), sd.sigmoid(-x)), (sd.exp(x) / (sd.exp(x) + 1), sd.sigmoid(x))):
        assert sd.simplify(e) is want
    raw, good = raw_and_rewritten(sd.exp(x) / (1 + sd.exp(x)), x=800.0)
    assert np.isnan(raw) and good == 1.0
    # and its log is then stable too
    raw, good = raw_and_rewritten(sd.log(1 / (1 + sd.exp(-x))), x=-800.0)
    assert raw == -np.inf and good == -800.0


def test_softmax_written_out_is_softmax():
    m = sd.var("m", shape=(2, 4))
    assert sd.simplify(sd.exp(v) / sd.sum(sd.exp(v))) is sd.softmax(v)
    assert sd.simplify(sd.exp(m) / sd.sum(sd.exp(m), axis=0, keepdims=True)) is sd.softmax(m, axis=0)
    whole = sd.exp(m) / sd.sum(sd.exp(m))  # over every axis of a matrix: softmax over both
    assert sd.simplify(whole) is sd.softmax(m, axis=None)
    assert sd.simplify(sd.exp(m) / sd.sum(sd.exp(m), axis=(0, 1), keepdims=True)) is sd.softmax(m, axis=None)
    t = sd.var("t", shape=(2, 2, 2))
    part = sd.exp(t) / sd.sum(sd.exp(t), axis=0)  # (2, 2, 2) / (2, 2): divides along other axes
    assert sd.simplify(part) is part
    with np.errstate(all="ignore"):
        big_m = np.array([[0.0, 800.0, 1.0, 2.0], [3.0, 4.0, 790.0, 5.0]])
        raw = sd.evaluate(whole, {"m": big_m}, simplify=False)
    good = sd.evaluate(sd.simplify(whole), {"m": big_m}, simplify=False)
    assert np.isnan(raw[0, 1]) and np.isclose(good.sum(), 1.0) and np.isclose(good[0, 1], 1 / (1 + np.exp(-10.0)))
    big = np.array([0.0, 800.0, 1.0, 2.0])
    raw, good = raw_and_rewritten(sd.exp(v) / sd.sum(sd.exp(v)), v=big)
    assert np.isnan(raw[1]) and good[1] == 1.0
    raw, good = raw_and_rewritten(sd.log(sd.exp(v) / sd.sum(sd.exp(v))), v=big)
    assert raw[0] == -np.inf and np.isclose(good[0], -800.0)


def test_x_minus_its_logsumexp_is_log_softmax_and_the_gradient_of_logsumexp_is_softmax():
    m = sd.var("m", shape=(3, 4))
    assert sd.simplify(v - sd.logsumexp(v)) is sd.log_softmax(v)
    assert sd.simplify(m - sd.logsumexp(m, axis=1, keepdims=True)) is sd.log_softmax(m, axis=1)
    # the gradient of logsumexp, exp(x - logsumexp(x)), for one axis
    for axis in (0, 1, -1):
        g = sd.grad(sd.sum(sd.logsumexp(m, axis=axis)), m)
        assert sd.simplify(g) is sd.softmax(m, axis=axis % 2)
        mv = np.random.default_rng(3).normal(size=(3, 4))
        np.testing.assert_allclose(sd.evaluate(sd.simplify(g), {"m": mv}, simplify=False),
                                   sd.evaluate(g, {"m": mv}, simplify=False), rtol=1e-14)
    # the cross-entropy written with logsumexp has the gradient of the one written with log_softmax
    assert str(sd.simplify(sd.grad(sd.logsumexp(v) - v[2], v))) == "softmax(v, axis=0) - [0.0, 0.0, 1.0, 0.0]"
    # the logsumexp computed anyway (the loss beside its gradient) is reused, not recomputed
    f = sd.logsumexp(v) - v[2]
    both = sd.simplify([f, sd.grad(f, v)])
    lse = sd.logsumexp(v, axis=0)
    assert "softmax" not in str(both[1]) and any(n is lse for n in sd.toposort(both[1]))
    # several axes at once stay as they are (softmax over several axes is written this way)
    g2 = sd.simplify(sd.grad(sd.logsumexp(m, axis=(0, 1)), m))
    assert "logsumexp" in str(g2)
    # stable where the written form is: large inputs give the softmax, not nan
    big = np.array([0.0, 800.0, 1.0, 2.0])
    good = sd.evaluate(sd.simplify(sd.grad(sd.logsumexp(v), v)), {"v": big}, simplify=False)
    assert good[1] == 1.0 and np.all(np.isfinite(good))


@pytest.mark.parametrize("t", [np.inf, -np.inf, np.nan])
def test_a_scatter_of_a_value_that_may_be_infinite_keeps_its_zeros(t):
    # index_add writes zeros off the index; g * one_hot would be inf * 0 = nan there
    s = sd.var("s")
    labels = sd.var("labels", shape=(2,), dtype="int64")
    cases = [
        (sd.grad(v[1] * s, v), {"v": np.ones(4), "s": t}, 3),
        (sd.grad(sd.sum(sd.reshape(v, (2, 2))[sd.arange(2), labels]) * s, v),
         {"v": np.ones(4), "s": t, "labels": np.array([1, 0])}, 2),
    ]
    for g, env, zeros in cases:
        raw, rewritten = raw_and_rewritten(g, **env)
        assert np.count_nonzero(raw == 0) == zeros
        np.testing.assert_array_equal(rewritten, raw)


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot():
    z = sd.var("z", shape=("n", 5))
    labels = sd.var("labels", shape=("n",), dtype="int64")
    loss = -sd.mean(sd.log_softmax(z)[sd.arange(z.shape[0]), labels])
    g = sd.grad(loss, z)
    s = sd.simplify(g)
    ops = {n.op.name for n in sd.toposort(s)}
    assert "index_add" not in ops and "one_hot" in ops and "softmax" in ops
    assert "log_softmax" not in ops and "sum" not in ops
    assert str(s) == "(softmax(z, axis=1) - one_hot(labels, 5)) / n.astype('float64')"
    assert sd.count_nodes(s) <= 11
    rng = np.random.default_rng(0)
    zv = rng.normal(size=(6, 5)) * 50
    lv = rng.integers(0, 5, size=6)
    e = np.exp(zv - zv.max(axis=1, keepdims=True))
    want = (e / e.sum(axis=1, keepdims=True) - np.eye(5)[lv]) / 6
    np.testing.assert_allclose(sd.evaluate(s, {"z": zv, "labels": lv}, simplify=False), want, atol=1e-15)
    np.testing.assert_allclose(sd.evaluate(g, {"z": zv, "labels": lv}, simplify=False), want, atol=1e-15)


def test_summed_cross_entropy_gradient_is_softmax_minus_one_hot():
    # summed rather than averaged, the loss's cotangent is -1 per row, so the softmax's
    # derivative meets sum(-one_hot(labels), axis=-1), which is -1 as sum(one_hot(...)) is 1
    z = sd.var("z", shape=(4, 3))
    labels = sd.var("labels", shape=(4,), dtype="int64")
    for loss in [sd.sum(-sd.log(sd.softmax(z))[sd.arange(4), labels]),
                 -sd.sum(sd.one_hot(labels, 3) * sd.log_softmax(z))]:
        g = sd.grad(loss, z)
        s = sd.simplify(g)
        assert str(s) == "softmax(z, axis=1) - one_hot(labels, 3)"
        zv = np.random.default_rng(1).normal(size=(4, 3)) * 50
        lv = np.array([0, 2, 1, 2])
        e = np.exp(zv - zv.max(axis=1, keepdims=True))
        want = e / e.sum(axis=1, keepdims=True) - np.eye(3)[lv]
        for h in (g, s):
            np.testing.assert_allclose(sd.evaluate(h, {"z": zv, "labels": lv}, simplify=False), want,
                                       atol=1e-15)


def test_cross_entropy_gradient_with_classes_along_axis_0_or_take_along_axis_is_softmax_minus_one_hot():
    # classes along axis 0 (labels indexing the rows, arange the columns) and labels picked with
    # take_along_axis stayed a scatter and a sum of it: the collapse read [arange(n), labels]
    zt = sd.var("zt", shape=(5, 3))
    z = sd.var("z", shape=(3, 5))
    labels = sd.var("labels", shape=(3,), dtype="int64")
    rng = np.random.default_rng(3)
    zv = rng.normal(size=(3, 5)) * 300
    lv = np.array([4, 0, 2])
    e = np.exp(zv - zv.max(axis=1, keepdims=True))
    want = (e / e.sum(axis=1, keepdims=True) - np.eye(5)[lv]) / 3
    cases = [
        (-sd.mean(sd.log_softmax(zt, axis=0)[labels, sd.arange(3)]), zt, want.T,
         "0.3333333333333333 * softmax(zt, axis=0) - 0.3333333333333333 * one_hot(labels, 5).T"),
        (-sd.mean(sd.log(sd.softmax(zt, axis=0))[labels, np.arange(3)]), zt, want.T,
         "0.3333333333333333 * softmax(zt, axis=0) - 0.3333333333333333 * one_hot(labels, 5).T"),
        (-sd.mean(sd.take_along_axis(sd.log_softmax(z, axis=-1), labels[:, None], axis=1)), z,
         want, "0.3333333333333333 * softmax(z, axis=1) - 0.3333333333333333 * one_hot(labels, 5)"),
        (-sd.sum(sd.take_along_axis(sd.log_softmax(zt, axis=0), sd.reshape(labels, (1, 3)), axis=0)),
         zt, 3 * want.T, "softmax(zt, axis=0) - one_hot(labels, 5).T"),
    ]
    for loss, wrt, expected, text in cases:
        g = sd.grad(loss, wrt)
        s = sd.simplify(g)
        assert str(s) == text
        values = {"zt": zv.T, "z": zv, "labels": lv}
        for h in (g, s):
            np.testing.assert_allclose(sd.evaluate(h, values, simplify=False), expected, atol=1e-15)
        np.testing.assert_allclose(sd.compile(s, inputs=[wrt, labels], simplify=False)(
            values[wrt.op.var_name], lv), expected, atol=1e-15)


def test_one_example_cross_entropy_gradient_is_softmax_minus_one_hot():
    # one example, its label a 0-d integer (a char-RNN's target at one step): the gradient
    # meets index_add(-1.0, (k,), s_[label]), which is -one_hot(label, k)
    z = sd.var("z", shape=(6,))
    label = sd.var("label", dtype="int64")
    zv = np.random.default_rng(2).normal(size=6) * 40
    e = np.exp(zv - zv.max())
    for loss in [-sd.log_softmax(z)[label], -sd.log(sd.softmax(z))[label]]:
        g = sd.grad(loss, z)
        s = sd.simplify(g)
        assert str(s) == "softmax(z, axis=0) - one_hot(label, 6)"
        for lv in range(6):
            want = e / e.sum() - np.eye(6)[lv]
            for h in (g, s):
                np.testing.assert_allclose(sd.evaluate(h, {"z": zv, "label": lv}, simplify=False),
                                           want, atol=1e-15)
    # a label that is not 0-d, or a cotangent that is not a scalar, stays a scatter
    two = sd.var("two", shape=(2,), dtype="int64")
    s = sd.simplify(sd.grad(-sd.sum(sd.log_softmax(z)[two]), z))
    assert "one_hot" not in {n.op.name for n in sd.toposort(s)}


def test_log_of_a_sum_of_two_exponentials_is_logaddexp():
    y = sd.var("y")
    for e, want in [(sd.log(sd.exp(x) + sd.exp(y)), sd.logaddexp(x, y)),
                    (sd.log2(2 ** x + 2 ** y), sd.logaddexp2(x, y)),
                    (sd.log2(sd.exp2(x) + sd.exp2(v)), sd.logaddexp2(x, v))]:
        assert sd.simplify(e) is want
    raw, good = raw_and_rewritten(sd.log(sd.exp(x) + sd.exp(y)), x=1000.0, y=999.0)
    assert raw == np.inf and good == np.logaddexp(1000.0, 999.0)
    raw, good = raw_and_rewritten(sd.log2(2 ** x + 2 ** y), x=-1100.0, y=-1101.0)
    assert raw == -np.inf and good == np.logaddexp2(-1100.0, -1101.0)
    # exp(x) + exp(y) over float32 and a vector: types as NumPy's, the form keeps them
    f32 = sd.var("f", dtype="float32")
    e = sd.log(sd.exp(f32) + sd.exp(v))
    assert sd.simplify(e) is sd.logaddexp(f32, v) and e.type is sd.logaddexp(f32, v).type
    # its gradient and second derivative go through the stable form: finite, and the softmax
    # weights exp(x - out), exp(y - out)
    f = sd.log(sd.exp(x) + sd.exp(y))
    dx, dy = sd.grad(f, [x, y])
    dxy = sd.grad(dx, y)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        got = sd.evaluate([dx, dy, dxy, sd.derivative(f, x, 2)], {"x": 1000.0, "y": 999.0},
                          simplify=False)
    p = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(got, [p, 1 - p, -p * (1 - p), p * (1 - p)], rtol=1e-13)
    h = 1e-5  # and at ordinary values, against central differences
    at = {"x": 0.3, "y": -0.7}
    fd = (np.logaddexp(0.3 + h, -0.7) - np.logaddexp(0.3 - h, -0.7)) / (2 * h)
    assert np.isclose(sd.evaluate(dx, at), fd, rtol=1e-9)


def test_square_roots_of_squares_are_abs_and_hypot():
    y = sd.var("y")
    f32 = sd.var("f", dtype="float32")
    for e, want in [(sd.sqrt(x * x), sd.abs(x)), ((x ** 2) ** 0.5, sd.abs(x)),
                    (sd.sqrt(sd.square(f32)), sd.abs(f32)),
                    (sd.sqrt(x ** 2 + y ** 2), sd.hypot(x, y)), ((x * x + v * v) ** 0.5, sd.hypot(x, v)),
                    (x ** 0.5, sd.sqrt(x))]:
        assert sd.simplify(e) is want
    raw, good = raw_and_rewritten(sd.sqrt(x * x), x=-3e200)
    assert raw == np.inf and good == 3e200
    raw, good = raw_and_rewritten(sd.sqrt(x * x), x=1e-170)  # x*x underflows to 0
    assert raw == 0.0 and good == 1e-170
    raw, good = raw_and_rewritten((x ** 2 + y ** 2) ** 0.5, x=3e200, y=-4e200)
    assert raw == np.inf and good == np.hypot(3e200, -4e200)
    rng = np.random.default_rng(0)
    for a, b in rng.standard_normal((20, 2)) * 10.0 ** rng.integers(-5, 5, (20, 2)):
        raw, good = raw_and_rewritten(sd.sqrt(x ** 2 + y ** 2), x=a, y=b)
        assert np.isclose(raw, good, rtol=4e-16, atol=0)
        raw, good = raw_and_rewritten(sd.sqrt(x * x), x=a)
        assert raw == good  # a correctly rounded square root of a correctly rounded square
    # complex and integer squares keep their square roots: sqrt(z**2) is not |z|
    z = sd.var("z", dtype="complex128")
    i = sd.var("i", dtype="int64")
    for e in [sd.sqrt(z * z), (z * z) ** 0.5, sd.sqrt(i * i), sd.sqrt(z * z + x * x)]:
        assert "abs" not in str(sd.simplify(e)) and "hypot" not in str(sd.simplify(e))
    raw, good = raw_and_rewritten(sd.sqrt(z * z), z=1j)  # |z| is 1
    assert raw == good == 1j


def test_log_one_minus_sigmoid_and_log_one_plus_exp_are_softplus():
    for e, want in [(sd.log(1 - sd.sigmoid(x)), -sd.softplus(x)),
                    (sd.log1p(-sd.sigmoid(x)), -sd.softplus(x)),
                    (sd.log(1 + sd.exp(x)), sd.softplus(x)),
                    (sd.log(sd.exp(x) + 1.0), sd.softplus(x)),
                    (sd.log1p(sd.exp(x)), sd.softplus(x))]:
        assert sd.simplify(e) is want
        raw, good = raw_and_rewritten(e, x=800.0)
        assert not np.isfinite(raw) and abs(good) == 800.0
    b = sd.log(1 - sd.sigmoid(x) * sd.const(np.ones(3)))  # not the pattern: left as written
    assert "softplus" not in str(sd.simplify(b))


def test_log_sigmoid_of_an_integer_is_negated_in_sigmoids_float_dtype():
    # -softplus(-u) of an integer u negates it in the float dtype sigmoid computes in: an
    # integer negation wraps around (-(-128) is -128 in int8, -3 is 253 in uint8)
    i8, u8 = sd.var("i8", dtype="int8"), sd.var("u8", dtype="uint8")
    raw, good = raw_and_rewritten(sd.log(sd.sigmoid(i8)), i8=np.int8(-128))
    assert raw == -np.inf and good == -128.0
    raw, good = raw_and_rewritten(sd.log(sd.sigmoid(u8)), u8=np.uint8(3))
    assert good == pytest.approx(-np.log1p(np.exp(-3.0)), rel=1e-3)  # (a float16 result)


def _grad_at(f, var, value):
    g = sd.grad(f, var)
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        got = sd.evaluate(g, {var.op.var_name: value}, simplify=False)
    return got, sd.compile(g, inputs=[var])(value)


def test_gradients_of_unstable_forms_are_taken_through_their_stable_forms():
    # d/dx log(sigmoid x) = sigmoid(-x); as written it is (1 - s) * s / s, 0/0 once s underflows
    for f, df in [(sd.log(sd.sigmoid(x)), lambda t: 1 / (1 + np.exp(t))),
                  (sd.log(1 - sd.sigmoid(x)), lambda t: -1 / (1 + np.exp(-t))),
                  (sd.log(1 + sd.exp(x)), lambda t: 1 / (1 + np.exp(-t)))]:
        for t in (-1000.0, -30.0, 0.5, 30.0, 1000.0):
            with np.errstate(over="ignore"):
                want = df(t)
            got, compiled = _grad_at(f, x, t)
            assert np.isclose(got, want, rtol=1e-12, atol=0) and compiled == got
    s = sd.sigmoid(x)
    with np.errstate(all="ignore"):  # the chain rule applied to the raw form is 0/0 there
        assert np.isnan(sd.evaluate(s * (1 - s) / s, {"x": -1000.0}, simplify=False))
    big = np.array([1000.0, 0.0, -1000.0, 1.0])
    got, _ = _grad_at(sd.log(sd.sum(sd.exp(v))), v, big)
    np.testing.assert_allclose(got, [1.0, 0.0, 0.0, 0.0], atol=1e-300)
    got, _ = _grad_at(sd.sum(sd.log(sd.softmax(v))), v, big)
    np.testing.assert_allclose(got, [-3.0, 1.0, 1.0, 1.0], atol=1e-12)


def test_the_logistic_function_written_out_has_the_derivatives_of_sigmoid():
    # 1 / (1 + exp(-x)) is finite everywhere, but the chain rule applied as written gives
    # exp(-x) / (1 + exp(-x))**2, inf / inf for x below about -709: reverse and Taylor mode
    # differentiate sigmoid(x) instead, so the derivative is as finite as the function
    def dsig(t):
        with np.errstate(over="ignore"):
            return np.exp(-abs(t)) / (1 + np.exp(-abs(t))) ** 2

    for f in (1 / (1 + sd.exp(-x)), (1 + sd.exp(-x)) ** -1.0, sd.exp(x) / (1 + sd.exp(x))):
        for t in (-1000.0, -30.0, 0.5, 30.0, 1000.0):
            got, compiled = _grad_at(f, x, t)
            # (sigmoid's own derivative, s * (1 - s), keeps 1 - s to about 1e-16 absolutely)
            assert np.isclose(got, dsig(t), rtol=1e-12, atol=1e-16) and compiled == got, (f, t)
        second = sd.evaluate(sd.derivative(f, x, 2), {"x": -1000.0}, simplify=False)
        assert second == 0.0
    # softmax written out: its gradient through softmax's own, finite where exp overflows
    big = np.array([1000.0, 0.0, -1000.0, 1.0])
    got, _ = _grad_at((sd.exp(v) / sd.sum(sd.exp(v)))[0], v, big)
    np.testing.assert_allclose(got, [0.0, 0.0, 0.0, 0.0], atol=1e-300)


def test_logistic_regression_gradient_is_finite_for_separable_data():
    X = sd.var("X", shape=("n", 2))
    y = sd.var("y", shape=("n",))
    w = sd.var("w", shape=(2,))
    p = sd.sigmoid(X @ w)
    loss = -sd.mean(y * sd.log(p) + (1 - y) * sd.log(1 - p))
    f = sd.compile([loss, sd.grad(loss, w)], inputs=[X, y, w])
    Xv = np.array([[100.0, 1.0], [-100.0, 1.0], [0.5, 1.0]])
    yv = np.array([1.0, 0.0, 0.0])
    wv = np.array([10.0, 0.0])
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        value, grad = f(Xv, yv, wv)
    z = Xv @ wv
    want_loss = np.mean(np.logaddexp(0, -z) * yv + np.logaddexp(0, z) * (1 - yv))
    want_grad = (1 / (1 + np.exp(-z)) - yv) @ Xv / 3
    assert np.isclose(value, want_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-12)


def test_gradient_with_respect_to_a_node_inside_a_stable_form_passes_through_it():
    s = sd.sigmoid(x)
    ds, dx = sd.grad(sd.log(s), [s, x])  # asked for s: the cotangent must reach it
    got = sd.evaluate([ds, dx], {"x": 0.5})
    want_s = 1 / (1 + np.exp(-0.5))
    np.testing.assert_allclose(got, [1 / want_s, 1 - want_s], rtol=1e-12)


def test_stabilization_does_not_depend_on_which_type_objects_nodes_hold():
    # equal types are shared through a bounded table that is cleared when full: nodes built
    # before and after a clear hold equal but distinct Type objects, and every rule must treat
    # them as the same type (log(sigmoid x) was left as written, a NaN gradient, after many
    # shapes had been seen, as in a long notebook session)
    from symdiff.ir import _INFERRED_MAX, _TYPES_MAX, Type

    t = sd.var("t_before_clear")
    forms = [sd.log(sd.sigmoid(t)), 1 / (1 + sd.exp(-t)), sd.log(1 + sd.exp(t))]
    before = t.type
    for k in range(max(_TYPES_MAX, _INFERRED_MAX) + 1):  # types, and type rules remembered
        -sd.var("many", (k + 1, 7))
    assert Type(np.float64, ()) is not before and Type(np.float64, ()) == before
    assert sd.simplify(forms[0]) is -sd.softplus(-t)
    assert sd.simplify(forms[1]) is sd.sigmoid(t)
    assert sd.simplify(forms[2]) is sd.softplus(t)
    got, _ = _grad_at(forms[0], t, -1000.0)
    assert got == 1.0


@pytest.mark.parametrize("build", [
    lambda c: sd.log(sd.sigmoid(c)), lambda c: sd.log(1 - sd.sigmoid(c)), lambda c: sd.log1p(-sd.sigmoid(c)),
    lambda c: sd.log1p(sd.exp(c)), lambda c: sd.log(1 + sd.exp(c)), lambda c: sd.log(sd.exp(c) + sd.exp(2.0 * c)),
    lambda c: sd.log2(2.0 ** c + 2.0 ** (2.0 * c)),
])
def test_forms_with_no_complex_stable_form_stay_as_written_for_complex_values(build):
    # softplus and logaddexp are real functions (NumPy has no complex logaddexp): a complex
    # argument keeps the formula as written, in simplify and in reverse mode
    c = sd.var("c", shape=(3,), dtype="complex128")
    C = np.array([0.5 + 1.0j, -1.0 - 0.25j, 2.0 + 0.0j])
    e = build(c)
    s = sd.simplify(e)
    np.testing.assert_allclose(sd.evaluate(s, {"c": C}, simplify=False),
                               sd.evaluate(e, {"c": C}, simplify=False), rtol=1e-13)
    loss = sd.sum(sd.real(e))
    g = sd.evaluate(sd.grad(loss, c), {"c": C})
    h, fd = 1e-6, np.zeros(3, complex)
    for k in range(3):
        d = np.zeros(3, complex)
        d[k] = h
        da = (sd.evaluate(loss, {"c": C + d}) - sd.evaluate(loss, {"c": C - d})) / (2 * h)
        db = (sd.evaluate(loss, {"c": C + 1j * d}) - sd.evaluate(loss, {"c": C - 1j * d})) / (2 * h)
        fd[k] = da - 1j * db  # JAX's convention, as README states
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def test_log1p_and_expm1_forms_keep_the_branch_of_a_complex_log():
    # 1 + z of z = -2 - 0j is -1 + 0j (-0.0 + 0.0 is +0.0), whose log is +pi*j; log1p(z) reads
    # the -0.0 and gives -pi*j: a finite value 2*pi away, so the real-valued rules leave
    # complex values as written
    z = sd.var("z", shape=(3,), dtype="complex128")
    at = np.array([complex(-2, -0.0), complex(2, 0), complex(1, 0)])
    for e in [sd.log(1 + z), sd.log(1 - z), sd.log(1 - sd.exp(z)), sd.log(z - -1)]:
        s = sd.simplify(e)
        raw, got = sd.evaluate([e, s], {"z": at}, simplify=False)
        np.testing.assert_array_equal(got, raw)
        assert s.dtype == e.dtype
    assert str(sd.simplify(sd.log(1 + x))) == "log1p(x)"  # real values are still rewritten


def test_log1p_of_an_integer_sum_only_where_the_sum_cannot_wrap_around():
    # int8(1) + 127 is -128 and int64 max + 1 is int64 min, whose logs are nan: log1p of the
    # summand would give log(128) and 43.7
    for dt, big in [("int8", 127), ("int64", 2**63 - 1)]:
        i = sd.var("i", dtype=dt)
        e = sd.log(1 + i)
        s = sd.simplify(e)
        with np.errstate(all="ignore"):
            raw, got = sd.evaluate([e, s], {"i": np.asarray(big, dtype=dt)}, simplify=False)
        assert np.isnan(raw) and np.isnan(got) and s.dtype == e.dtype
    i8 = sd.var("i8", dtype="int8")
    wide = sd.log(sd.const(np.int64(1)) + i8)  # in int64, 1 + 127 is 128
    assert "log1p" in str(sd.simplify(wide))


def test_a_float16_half_power_is_not_a_square_root():
    # NumPy takes a float16 to the power 0.5 in float32 with C's pow: +inf at -inf and +0.0 at
    # -0.0, where the square root gives nan and -0.0
    h = sd.var("h", shape=(4,), dtype="float16")
    at = np.array([-np.inf, -0.0, 4.0, np.inf], dtype=np.float16)
    e = h ** 0.5
    s = sd.simplify(e)
    with np.errstate(all="ignore"):
        raw, got = sd.evaluate([e, s], {"h": at}, simplify=False)
    np.testing.assert_array_equal(got, raw)
    assert np.array_equal(np.signbit(got), np.signbit(raw)) and got.dtype == np.float16
    assert sd.simplify(sd.var("f", dtype="float32") ** 0.5).op.name == "sqrt"


def test_logs_of_complex_sums_of_exponentials_keep_the_principal_branch():
    # log(exp(3.1j) + exp(-0.5 + 4j)) has imaginary part -2.85, in (-pi, pi]; logsumexp shifts
    # by the element 3.1j and adds the shifted log's 0.33, 3.43 (log_softmax as much)
    z = sd.var("z", shape=(2,), dtype="complex128")
    at = np.array([3.1j, -0.5 + 4j])
    for e in [sd.log(sd.sum(sd.exp(z))), sd.log(sd.softmax(z)), sd.log(sd.exp(z) / sd.sum(sd.exp(z)))]:
        s = sd.simplify(e)
        raw, got = sd.evaluate([e, s], {"z": at}, simplify=False)
        np.testing.assert_allclose(got, raw, rtol=1e-13)
        assert np.all(np.abs(np.imag(got)) <= np.pi)
    assert sd.simplify(sd.log(sd.sum(sd.exp(v)))) is sd.logsumexp(v)  # real values still are


def test_one_minus_sigmoid_is_sigmoid_of_the_negation():
    # 1 - sigmoid(40) rounds to 0; sigmoid(-40) is 4.25e-18
    e = 1 - sd.sigmoid(x)
    assert sd.simplify(e) is sd.sigmoid(-x)
    raw, good = raw_and_rewritten(e, x=40.0)
    assert raw == 0.0 and good == pytest.approx(4.248354255291589e-18, rel=1e-15)
    at = np.array([-np.inf, -800.0, -1.0, -0.0, 0.0, 0.5, 36.0, 800.0, np.inf, np.nan])
    u = sd.var("u", shape=(10,))
    raw, good = raw_and_rewritten(1 - sd.sigmoid(u), u=at)
    np.testing.assert_allclose(good, raw, rtol=1e-15, atol=2e-16)
    # where sigmoid(x) is computed anyway (its derivative s * (1 - s)), 1 - s costs one node
    # and sigmoid(-x)'s own derivatives would share nothing with those of s: left as written
    s = sd.sigmoid(x)
    assert sd.simplify(s * (1 - s)) is s * (1 - s)
    # an integer's negation wraps around (-(-128) is -128 in int8), a bool has none, and a
    # float64 one minus a float32 sigmoid computes in float64: each left as written
    for u, at in [(sd.var("i8", dtype="int8"), np.int8(-128)), (sd.var("b", dtype="bool"), True),
                  (sd.var("f32", dtype="float32"), np.float32(3.0))]:
        e = sd.const(np.float64(1.0)) - sd.sigmoid(u)
        s = sd.simplify(e)
        raw, good = sd.evaluate([e, s], {u.op.var_name: at}, simplify=False)
        assert good == raw and s.dtype == e.dtype


def test_one_minus_erf_is_erfc():
    # 1 - erf(10) rounds to 0; erfc(10) is 2.09e-45 (and 1 - erfc(1e-20) is 0, erf 1.13e-20)
    u = sd.var("u", shape=(7,))
    edges = np.array([-np.inf, -3.0, -0.0, 0.0, 0.5, np.inf, np.nan])
    for form, want, at, value in [(lambda t: 1 - sd.erf(t), sd.erfc, 10.0, 2.088487583762545e-45),
                                  (lambda t: sd.erf(t) - 1, lambda t: -sd.erfc(t), 10.0,
                                   -2.088487583762545e-45),
                                  (lambda t: 1 - sd.erfc(t), sd.erf, 1e-20, 1.1283791670955126e-20)]:
        assert sd.simplify(form(x)) is want(x)
        raw, good = raw_and_rewritten(form(x), x=at)
        assert raw == 0.0 and good == pytest.approx(value, rel=1e-14)
        raw, good = raw_and_rewritten(form(u), u=edges)  # the same at the ends and at nan
        np.testing.assert_allclose(good, raw, rtol=1e-15, atol=1e-16)
    f32 = sd.var("f32", dtype="float32")  # a float64 difference of a float32 erf: as written
    assert "erfc" not in str(sd.simplify(sd.const(np.float64(1.0)) - sd.erf(f32)))


def test_log_erfc_goes_on_past_erfcs_underflow():
    # erfc(30) underflows to 0, its log is -903.974...; the rewritten form reads log_ndtr's
    # asymptotic series there, and agrees with the raw log everywhere erfc does not underflow
    e = sd.log(sd.erfc(x))
    raw, good = raw_and_rewritten(e, x=30.0)
    assert raw == -np.inf and good == pytest.approx(-903.9741171106439, rel=1e-14)
    at = np.array([-np.inf, -30.0, -1.0, -0.0, 0.0, 1e-20, 0.5, 3.0, 20.0, 26.0, np.inf, np.nan])
    u = sd.var("u", shape=at.shape)
    raw, good = raw_and_rewritten(sd.log(sd.erfc(u)), u=at)
    np.testing.assert_allclose(good, raw, rtol=1e-13, atol=1e-300)
    f32 = sd.var("f32", dtype="float32")
    assert sd.simplify(sd.log(sd.erfc(f32))).dtype == np.float32
    # and its derivative stays finite where erfc underflows: -2/sqrt(pi) exp(-x^2) / erfc(x)
    g = sd.evaluate(sd.simplify(sd.grad(e, x)), {"x": 30.0}, simplify=False)
    assert g == pytest.approx(-60.03329639875623, rel=1e-9)


def _log1mexp_reference(t, k):
    """log(1 - exp(t)) (k = 0) and its first two derivatives, to 400 digits."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(400):
        t = mp.mpf(float(t))
        return float([mp.log(-mp.expm1(t)), mp.exp(t) / mp.expm1(t), -mp.exp(t) / mp.expm1(t) ** 2][k])


@pytest.mark.parametrize("spelling", [lambda u: sd.log(1 - sd.exp(u)), lambda u: sd.log1p(-sd.exp(u)),
                                      lambda u: sd.log(-sd.expm1(u))])
def test_log_one_minus_exp_keeps_its_digits_on_both_sides_of_minus_log_two(spelling):
    # log(-expm1(x)) is 0 below -37, where -expm1(x) rounds to 1 (log(1 - exp(-40)) is
    # -4.2e-18), log1p(-exp(x)) is -inf above -1e-16, where exp(x) rounds to 1: each spelling
    # is computed as the first above -ln 2 and the second below, and so is its derivative
    ln2 = np.log(2.0)
    at = -np.concatenate([np.geomspace(1e-300, 800.0, 60), [ln2, np.nextafter(ln2, 0), np.nextafter(ln2, 1),
                                                          1e-16, 36.0, 40.0, 745.0]])
    u = sd.var("u", shape=("n",))
    f = spelling(u)
    d1 = sd.grad(sd.sum(f), u)
    d2 = sd.grad(sd.sum(d1), u)
    run = sd.compile([f, d1, d2], inputs=[u])
    # (no 0/0 nor log of a negative in the branch not taken; the second derivative, about
    # -1/x**2, overflows below -1e-154 as the exact value rounds to -inf)
    with np.errstate(divide="raise", invalid="raise", over="ignore", under="ignore"):
        for k, got in enumerate(sd.evaluate([f, d1, d2], {"u": at})):
            want = np.array([_log1mexp_reference(t, k) for t in at])
            np.testing.assert_allclose(got, want, rtol=5e-16, atol=0)
            np.testing.assert_array_equal(run(at)[k], got)
        # so too the derivatives of the form as written, which reverse mode takes through it
        raw = sd.evaluate(d1, {"u": at}, simplify=False)
        np.testing.assert_allclose(raw, [_log1mexp_reference(t, 1) for t in at], rtol=5e-16, atol=0)
    # at 0 it is -inf, above 0 nan (as the raw form, but for 1 - exp(1e-300) rounding to 0)
    ends = np.array([0.0, -0.0, 1e-300, 1.0, np.inf, np.nan])
    want = np.array([-np.inf, -np.inf, np.nan, np.nan, np.nan, np.nan])
    with np.errstate(all="ignore"):
        for got in (sd.evaluate(f, {"u": ends}), run(ends)[0]):
            np.testing.assert_array_equal(got, want)
    # float32 stays float32, with float32's digits
    v = sd.var("v", shape=("n",), dtype="float32")
    g = spelling(v)
    s = sd.simplify(g)
    assert s.dtype == np.float32 and "where" in str(s)
    at32 = -np.geomspace(1e-37, 100.0, 40).astype(np.float32)
    want = np.array([_log1mexp_reference(t, 0) for t in at32])
    for got in (sd.evaluate(g, {"v": at32}), sd.compile(g, inputs=[v])(at32)):
        assert got.dtype == np.float32
        # (below -87 the value is a float32 subnormal: within a few of its steps, 1.4e-45)
        np.testing.assert_allclose(got, want, rtol=3e-7, atol=4 * np.finfo(np.float32).smallest_subnormal)
    # a complex log stays as written: log(-expm1(z)) reads the sign of a zero imaginary part
    z = sd.var("z", dtype="complex128")
    assert "where" not in str(sd.simplify(spelling(z)))


def test_quotients_of_sines_and_cosines_are_tangents():
    # sinh(800) and cosh(800) are inf, their quotient nan; tanh(800) is 1. The gradient of
    # log(cosh(x)) (the log-cosh loss) is that quotient, so it is finite too
    e = sd.sinh(x) / sd.cosh(x)
    raw, good = raw_and_rewritten(e, x=800.0)
    assert np.isnan(raw) and good == 1.0
    assert sd.simplify(e) is sd.tanh(x)
    g = sd.grad(sd.log(sd.cosh(x)), x)
    assert sd.simplify(g) is sd.tanh(x)
    assert sd.evaluate(g, {"x": -800.0}) == -1.0
    assert sd.simplify(sd.grad(sd.log(sd.cos(x)), x)) is -sd.tan(x)
    at = np.linspace(-1.5, 1.5, 41)
    u = sd.var("u", shape=at.shape)
    for num, den, f in [(sd.sinh, sd.cosh, np.tanh), (sd.sin, sd.cos, np.tan)]:
        got = sd.evaluate(num(u) / den(u), {"u": at})
        np.testing.assert_allclose(got, f(at), rtol=1e-15, atol=0)
    # in the dtype the quotient has: float32 stays float32, an int8 computes in float16
    for dtype in ("float32", "int8"):
        t = sd.var("t", dtype=dtype)
        q = sd.sinh(t) / sd.cosh(t)
        assert sd.simplify(q) is sd.tanh(t) and sd.tanh(t).dtype == q.dtype
    # the reciprocals: cosh(x) / sinh(x), the derivative of log(sinh(x)), is nan past 710
    e = sd.cosh(x) / sd.sinh(x)
    assert sd.simplify(e) is 1.0 / sd.tanh(x)
    assert sd.simplify(sd.grad(sd.log(sd.sinh(x)), x)) is 1.0 / sd.tanh(x)
    assert sd.simplify(sd.cos(x) / sd.sin(x)) is 1.0 / sd.tan(x)
    raw, good = raw_and_rewritten(e, x=-800.0)
    assert np.isnan(raw) and good == -1.0
    for at in (0.0, -0.0, 1e-300, 2.5):
        raw, good = raw_and_rewritten(e, x=at)
        assert good == raw or abs(good - raw) <= 2e-16 * abs(raw)
    # other quotients, and complex ones, stay as written
    assert "tanh" not in str(sd.simplify(sd.sinh(x) / sd.cosh(2 * x)))
    assert "tanh" not in str(sd.simplify(sd.cosh(x) / sd.sinh(2 * x)))
    z = sd.var("z", dtype="complex128")
    assert "tan" not in str(sd.simplify(sd.sin(z) / sd.cos(z)))


def test_hyperbolic_functions_written_out_are_sinh_cosh_and_tanh():
    E = sd.exp
    # tanh as written: inf / inf past |x| = 710, and at 1e-10 exp(x) - exp(-x) keeps 7 digits
    for e in [(E(x) - E(-x)) / (E(x) + E(-x)), (E(2 * x) - 1) / (E(2 * x) + 1),
              (1 - E(-2 * x)) / (1 + E(-2 * x)), (E(-x) - E(x)) / -(E(-x) + E(x))]:
        assert sd.simplify(e) is sd.tanh(x), sd.to_text(sd.simplify(e))
        for at in (-800.0, 800.0, 1e-10, 0.5, -3.0):
            raw, good = raw_and_rewritten(e, x=at)
            assert good == np.tanh(at)
        # each written form is inf / inf on one side at least
        assert any(np.isnan(raw_and_rewritten(e, x=at)[0]) for at in (-800.0, 800.0))
    assert sd.simplify((E(x) - E(-x)) / 2) is sd.sinh(x)
    assert sd.simplify(0.5 * (E(-x) + E(x))) is sd.cosh(x)
    raw, good = raw_and_rewritten((E(x) - E(-x)) / 2, x=1e-10)
    assert abs(raw - 1e-10) > 1e-18 and good == np.sinh(1e-10) == 1e-10
    # a scaled operand, and its sign on either side
    assert sd.simplify(E(-3 * x) - E(3 * x)) is -(2 * sd.sinh(3 * x))
    assert sd.simplify(E(2 * x) + E(-2 * x)) is 2 * sd.cosh(2 * x)
    at = np.linspace(-3, 3, 13)
    w = sd.var("w", shape=at.shape)
    for e, want in [((E(w) - E(-w)) / 2, np.sinh(at)), ((E(w) + E(-w)) / 2, np.cosh(at)),
                    ((E(w) - E(-w)) / (E(w) + E(-w)), np.tanh(at))]:
        np.testing.assert_allclose(sd.evaluate(e, {"w": at}), want, rtol=1e-15, atol=1e-300)
    # float32 stays float32; other pairs, and complex ones, stay as written
    t = sd.var("t", dtype="float32")
    assert sd.simplify(E(t) - E(-t)) is 2 * sd.sinh(t) and (2 * sd.sinh(t)).dtype == np.float32
    assert "sinh" not in str(sd.simplify(E(x) - E(-2 * x)))
    assert "cosh" not in str(sd.simplify(E(x) + E(x * -1.0 + 1)))
    z = sd.var("z", dtype="complex128")
    assert "sinh" not in str(sd.simplify(E(z) - E(-z)))


def test_gradient_of_tanh_written_out_is_one_minus_tanh_squared():
    # the raw gradient holds 2 * cosh(x) and 2 * sinh(x) (the sums of exps rewritten) shared
    # by several terms; collection reads through them where that makes tangents
    E = sd.exp
    g = sd.simplify(sd.grad((E(x) - E(-x)) / (E(x) + E(-x)), x))
    assert g is 1.0 - sd.tanh(x) ** 2.0, sd.to_text(g)
    for at in (-800.0, -3.0, 0.3, 800.0):
        assert sd.evaluate(g, {"x": at}) == pytest.approx(1 - np.tanh(at) ** 2, rel=1e-15, abs=0)
    raw = sd.grad((E(x) - E(-x)) / (E(x) + E(-x)), x)
    with np.errstate(all="ignore"):
        assert np.isnan(sd.evaluate(raw, {"x": 800.0}, simplify=False))
    assert sd.simplify(sd.grad(sd.log((E(x) + E(-x)) / 2), x)) is sd.tanh(x)


def test_hyperbolic_functions_written_out_in_longer_sums_are_sinh_and_cosh():
    # the second derivative of tanh written out held exp(x) - ... - exp(-x), a sum whose two
    # exps no rule saw side by side: nan past |x| = 710, where it is -2 tanh(x) (1 - tanh(x)**2)
    E = sd.exp
    d2 = sd.simplify(sd.grad(sd.grad((E(x) - E(-x)) / (E(x) + E(-x)), x), x))
    assert "exp" not in sd.to_text(d2), sd.to_text(d2)
    for at in (-800.0, 800.0, -20.0):
        assert sd.evaluate(d2, {"x": at}, simplify=False) == 0.0
    at = np.concatenate([np.linspace(-3.0, 3.0, 25), [0.05, -17.0]])
    want = -2 * np.tanh(at) * (1 - np.tanh(at) ** 2)
    got = np.array([sd.evaluate(d2, {"x": t}, simplify=False) for t in at])
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    # in a longer sum, with a coefficient, on either side and in either order
    t, y = sd.var("t"), sd.var("y")
    assert sd.simplify(E(x) - t - E(-x)) is 2.0 * sd.sinh(x) - t
    assert sd.simplify(3 * E(x) + t + 3 * E(-x)) is t + 6.0 * sd.cosh(x)
    for e, form in [(t - 2 * E(-x) + y + 2 * E(x), 4.0 * sd.sinh(x)),
                    (t + E(-2 * x) - E(2 * x) + y, 2.0 * sd.sinh(2 * x))]:
        s = sd.simplify(e)
        assert "exp" not in sd.to_text(s) and any(n is form for n in sd.toposort(s)), sd.to_text(s)
        point = {"x": 0.7, "t": 0.25, "y": -2.0}
        assert sd.evaluate(s, point) == pytest.approx(sd.evaluate(e, point, simplify=False),
                                                      rel=1e-15)
    # other coefficients, other arguments, complex and integer values stay as written
    for e in (2 * E(x) + t - E(-x), E(x) + t - E(-2 * x), E(x) - t - E(x * -1.0 + 1)):
        assert "sinh" not in str(sd.simplify(e)) and "cosh" not in str(sd.simplify(e))
    z = sd.var("z", dtype="complex128")
    assert "sinh" not in str(sd.simplify(E(z) - t - E(-z)))


def test_random_sums_with_hyperbolic_pairs_keep_their_values():
    # sums of a few terms, among them c * exp(a) * r and +-c * exp(-a) * r: simplified, they
    # agree with the graph as written wherever that is finite, and generated code with the
    # evaluator
    rng = np.random.default_rng(58)
    at = np.concatenate([np.linspace(-3.0, 3.0, 13), [-400.0, 720.0]])
    u, w = sd.var("u", shape=at.shape), sd.var("w", shape=at.shape)
    args = [u, 2.0 * u, u * w, u - w]
    others = [w, sd.sin(u), u * u, sd.exp(u) * w, sd.const(1.5)]
    for _ in range(30):
        terms = []
        for _ in range(rng.integers(1, 3)):
            a = args[rng.integers(len(args))]
            c = float(rng.choice([1.0, 0.5, 3.0]))
            r = others[rng.integers(len(others))] if rng.random() < 0.3 else 1.0
            terms += [c * sd.exp(a) * r, float(rng.choice([-1, 1])) * c * sd.exp(-a) * r]
        terms += [others[rng.integers(len(others))] for _ in range(rng.integers(0, 3))]
        order = rng.permutation(len(terms))
        e = terms[order[0]]
        for j in order[1:]:
            e = e + terms[j] if rng.random() < 0.5 else e - terms[j]
        inputs = {"u": at, "w": np.linspace(-1.0, 2.0, at.size)}
        with np.errstate(all="ignore"):
            raw = sd.evaluate(e, inputs, simplify=False)
            s = sd.simplify(e)
            got = sd.evaluate(s, inputs, simplify=False)
            code = sd.compile(s, inputs=[u, w], simplify=False)(inputs["u"], inputs["w"])
        finite = np.isfinite(raw)
        np.testing.assert_allclose(got[finite], raw[finite], rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(code, got)


def test_negations_inside_odd_and_even_functions_cancel():
    for f in (sd.sin, sd.tan, sd.tanh, sd.sinh, sd.arcsin, sd.arctan, sd.arcsinh, sd.arctanh,
              sd.erf, sd.erfinv, sd.cbrt):
        assert sd.simplify(-f(-x)) is f(x), f
        assert sd.simplify(-f(-2.0 * x)) is f(2.0 * x), f
    for f in (sd.cos, sd.cosh):
        assert sd.simplify(f(-x)) is f(x), f
        assert sd.simplify(f(-0.5 * x)) is f(0.5 * x), f
    # neither parity: as written (erfcinv is no odd function, though its op is erfinv's kind)
    for e in (-sd.erfcinv(-x), sd.exp(-x), -sd.arccos(-x), sd.sin(-x)):
        assert sd.simplify(e) is e, sd.to_text(sd.simplify(e))
    # the values, at signed zeros, infinities and nan too
    at = np.array([-0.0, 0.0, 0.3, -0.7, np.inf, -np.inf, np.nan, 1e-300])
    w = sd.var("w", shape=at.shape)
    with np.errstate(all="ignore"):
        for e in (-sd.sin(-w), -sd.tanh(-w), sd.cos(-w), sd.cosh(-w), -sd.erf(-w), -sd.arctan(-w)):
            raw = sd.evaluate(e, {"w": at}, simplify=False)
            got = sd.evaluate(e, {"w": at})
            np.testing.assert_array_equal(got, raw)
            number = ~np.isnan(raw)  # (a nan's sign bit is no value's)
            assert np.array_equal(np.signbit(got[number]), np.signbit(raw[number]))
    # integers negate with wrap-around: as written
    i = sd.var("i", dtype="int8")
    assert "-" in str(sd.simplify(sd.cos(-i)))


def _second_derivatives(f):
    """f's second derivative in x, as sd.hessian gives it and as sd.grad twice, simplified."""
    return [sd.simplify(sd.hessian(f, x)), sd.simplify(sd.grad(sd.grad(f, x), x))]


@pytest.mark.parametrize("case", ["log cosh", "log cos"])
def test_second_derivatives_of_log_cosh_and_log_cos_are_written_with_tangents(case):
    # (log cosh x)'' = (cosh x - sinh(x)**2 / cosh x) / cosh x collected was nan past |x| = 710,
    # where sinh and cosh overflow; it is 1 - tanh(x)**2 = sech(x)**2, and (log cos x)'' is
    # -1 - tan(x)**2 = -sec(x)**2
    mp = pytest.importorskip("mpmath")
    hyperbolic = case == "log cosh"
    f = sd.log(sd.cosh(x)) if hyperbolic else sd.log(sd.cos(x))
    exact = (lambda t: mp.sech(t) ** 2) if hyperbolic else (lambda t: -mp.sec(t) ** 2)
    at = np.concatenate([np.linspace(-1.5, 1.5, 31), [-800.0, 800.0] if hyperbolic else [3.0, -20.0]])
    with mp.workdps(50):
        want = np.array([float(exact(mp.mpf(float(t)))) for t in at])
    u = sd.var("u", shape=at.shape)
    g = sd.log(sd.cosh(u)) if hyperbolic else sd.log(sd.cos(u))
    d2u = sd.simplify(sd.grad(sd.sum(sd.grad(sd.sum(g), u)), u))  # elementwise, on an array
    for d2 in [*_second_derivatives(f), d2u]:
        text = sd.to_text(d2)
        assert ("sinh" not in text and "cosh" not in text) if hyperbolic else \
            ("sin(" not in text and "cos(" not in text), text
        got = (sd.evaluate(d2, {"u": at}, simplify=False) if d2 is d2u else
               np.array([sd.evaluate(d2, {"x": t}, simplify=False) for t in at]))
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
    # (on arrays: on float scalars, generated code calls math.tanh, which may differ from
    # NumPy's in the last bit)
    np.testing.assert_array_equal(sd.compile(d2u, inputs=[u], simplify=False)(at), got)
    # at 800 the raw graph is nan and the collected one 0.0, the true value (sech(800)**2 is
    # 1e-695); x's nan stays a nan
    if hyperbolic:
        d2 = _second_derivatives(f)[0]
        with np.errstate(all="ignore"):
            assert np.isnan(sd.evaluate(sd.hessian(f, x), {"x": 800.0}, simplify=False))
            assert np.isnan(sd.evaluate(d2, {"x": np.nan}, simplify=False))
        assert sd.evaluate(d2, {"x": -800.0}, simplify=False) == 0.0


def test_log_cosh_is_logcosh_finite_past_coshs_overflow():
    # log(cosh(x)), the log-cosh loss, is inf past |x| = 710 where cosh overflows, and 0 below
    # |x| = 1e-8 where cosh rounds to 1; its value there is |x| - log 2, and x**2 / 2
    mp = pytest.importorskip("mpmath")
    e = sd.log(sd.cosh(x))
    assert sd.simplify(e) is sd.logcosh(x)
    raw, good = raw_and_rewritten(e, x=800.0)
    assert raw == np.inf and good == 800.0 - np.log(2.0)
    raw, good = raw_and_rewritten(e, x=-1e-8)
    assert raw == 0.0 and good == pytest.approx(5e-17, rel=3e-16, abs=0)
    at = np.array([1e-300, 1e-8, 0.5, 1.0, 20.0, 709.0, 711.0, 1e300, np.inf, np.nan, -0.0, -0.999, -1.001,
                   -3.7, 1e-160])
    with mp.workdps(700):  # cosh(1e-160) is 1 + 5e-321
        want = np.array([float(mp.log(mp.cosh(mp.mpf(float(t))))) if np.isfinite(t) else abs(t) for t in at])
    u = sd.var("u", shape=at.shape)
    got = sd.evaluate(sd.simplify(sd.log(sd.cosh(u))), {"u": at}, simplify=False)
    finite = np.isfinite(want)
    ulps = np.abs(got[finite] - want[finite]) / np.spacing(np.abs(want[finite]))
    assert np.all(ulps <= 3), ulps
    assert np.isnan(got[9]) and np.isinf(got[8]) and got[10] == 0.0 and not np.signbit(got[10])
    # the generated code computes the same, on arrays and on Python floats (math's functions
    # may differ from NumPy's in the last bit); no warning from the branch not taken
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(sd.compile(sd.log(sd.cosh(u)))(at), got)
        scalar = sd.compile(e)
        for t, w in zip(at, got):
            assert scalar(float(t)) == pytest.approx(w, rel=4e-16, abs=0, nan_ok=True)
    # its derivatives stay tanh(x) and 1 - tanh(x)**2, whether taken before or after
    for f in (e, sd.simplify(e)):
        assert sd.simplify(sd.grad(f, x)) is sd.tanh(x)
        assert sd.simplify(sd.grad(sd.grad(f, x), x)) is 1.0 - sd.tanh(x) ** 2.0
    assert sd.evaluate(sd.grad(sd.logcosh(x), x), {"x": -800.0}) == -1.0
    # float32 stays float32, an int8 computes in float16 as cosh does; complex stays as written
    for dtype in ("float32", "int8", "float16"):
        t = sd.var("t", dtype=dtype)
        assert sd.simplify(sd.log(sd.cosh(t))) is sd.logcosh(t)
        assert sd.logcosh(t).dtype == sd.log(sd.cosh(t)).dtype
    t32 = sd.var("t", shape=(3,), dtype="float32")
    got32 = sd.evaluate(sd.log(sd.cosh(t32)), {"t": np.array([100.0, 0.5, 1e-4], np.float32)})
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, [100 - np.log(2), 0.12011451, 5e-9], rtol=2e-7)
    z = sd.var("z", dtype="complex128")
    assert sd.simplify(sd.log(sd.cosh(z))) is sd.log(sd.cosh(z))
    with pytest.raises(sd.DTypeError, match="logcosh is defined here for real inputs only, got complex128"):
        sd.logcosh(z)


def test_products_of_sines_and_cosines_are_collected_as_tangents():
    # (sinh(x) / cosh(x)) * sinh(x) was collected to sinh(x)**2 / cosh(x), inf past |x| = 355
    # where the product as written is finite: tanh(x) * sinh(x) is finite to 710
    e = (sd.sinh(x) / sd.cosh(x)) * sd.sinh(x)
    assert sd.simplify(e) is sd.tanh(x) * sd.sinh(x) or sd.simplify(e) is sd.sinh(x) * sd.tanh(x)
    raw, good = raw_and_rewritten(e, x=400.0)
    assert np.isfinite(raw) and good == raw
    # a whole tanh(x) cancels cosh(x) above and below the line (finite x: cosh(x) >= 1); a
    # product with no tanh(x) keeps them, as it keeps y / y: cosh(x) is nan at a nan x
    assert sd.simplify(sd.sinh(x) * sd.cosh(x) / sd.cosh(x) ** 2) is sd.tanh(x)
    y = sd.var("y")
    assert "cosh" in str(sd.simplify(y * sd.cosh(x) / sd.cosh(x)))
    assert "cosh" in str(sd.simplify((sd.cosh(x) + y) / sd.cosh(x)))
    with np.errstate(all="ignore"):
        assert np.isnan(sd.evaluate(sd.cosh(x) / sd.cosh(x) + sd.tanh(x), {"x": np.nan}))
    # other arguments and complex values stay as written
    assert "tan" not in str(sd.simplify(sd.sinh(2 * x) / sd.cosh(x) * sd.sin(x) / sd.cos(3 * x)))
    z = sd.var("z", dtype="complex128")
    assert "tan" not in str(sd.simplify(sd.sin(z) ** 2 / sd.cos(z)))


def test_random_products_of_sines_and_cosines_keep_their_values():
    # products and quotients of powers of sinh, cosh, sin, cos (and tanh, tan) of one argument,
    # grouped at random, and sums of two of them: simplified, they agree with the graph as
    # written wherever that is finite (and with the exact value where it underflows to 0, as
    # sinh(u) / cosh(u)**2 does past 355 where tanh(u) / cosh(u) does not), and the generated
    # code with the evaluator bit for bit
    mp = pytest.importorskip("mpmath")
    rng = np.random.default_rng(49)
    at = np.concatenate([np.linspace(-3.0, 3.0, 25), [-400.0, 200.0, 356.0, 700.0, 720.0]])
    u = sd.var("u", shape=at.shape)
    fs = [(sd.sinh, mp.sinh), (sd.cosh, mp.cosh), (sd.sin, mp.sin), (sd.cos, mp.cos),
          (sd.tanh, mp.tanh), (sd.tan, mp.tan)]

    def product():
        e, parts = None, []
        for _ in range(rng.integers(2, 6)):
            f, g = fs[rng.integers(len(fs))]
            p = int(rng.integers(1, 4)) * (1 if e is None or rng.random() < 0.5 else -1)
            t = f(u) if abs(p) == 1 else f(u) ** abs(p)
            e = t if e is None else (e * t if p > 0 else e / t)
            parts.append((g, p))
        return e, lambda t: mp.fprod(g(t) ** p for g, p in parts)

    def exact(h, points):
        with mp.workdps(40):
            return np.array([float(h(mp.mpf(float(t)))) for t in points])

    cases = [product() for _ in range(60)]
    for _ in range(20):
        (a, ha), (b, hb) = product(), product()
        cases.append((a + b, lambda t, ha=ha, hb=hb: ha(t) + hb(t)))
    with np.errstate(all="ignore"):
        for e, h in cases:
            raw = sd.evaluate(e, {"u": at}, simplify=False)
            s = sd.simplify(e)
            got = sd.evaluate(s, {"u": at}, simplify=False)
            ok = np.isfinite(raw) & (raw != 0)
            # (atol: reassociated, a product may underflow where the written one is subnormal)
            np.testing.assert_allclose(got[ok], raw[ok], rtol=1e-12, atol=1e-300, err_msg=sd.to_text(e))
            zero = np.isfinite(raw) & (raw == 0)
            np.testing.assert_allclose(got[zero], exact(h, at[zero]), rtol=1e-12, atol=1e-300,
                                       err_msg=sd.to_text(e))
            np.testing.assert_array_equal(sd.compile(s, inputs=[u], simplify=False)(at), got)


def test_log_expm1_the_inverse_of_softplus_goes_on_past_expm1s_overflow():
    # expm1(800) is inf; log(expm1(x)) is x there to the last digit, and its derivative
    # exp(x) / expm1(x), inf / inf as written, is 1
    e = sd.log(sd.expm1(x))
    raw, good = raw_and_rewritten(e, x=800.0)
    assert raw == np.inf and good == 800.0
    assert sd.evaluate(sd.grad(e, x), {"x": 800.0}) == 1.0
    assert sd.evaluate(sd.derivative(e, x, 2), {"x": 800.0}) == 0.0
    # and it is softplus's inverse to the last digits where the raw form is finite
    mp = pytest.importorskip("mpmath")
    at = np.array([1e-300, 1e-20, 1e-8, 0.1, 0.5, 1.0, 1.5, 2.0, 5.0, 20.0, 36.0, 40.0, 100.0, 709.0])
    u = sd.var("u", shape=at.shape)
    f = sd.log(sd.expm1(u))
    d1 = sd.grad(sd.sum(f), u)
    with mp.workdps(60):
        want = [np.array([float(mp.log(mp.expm1(mp.mpf(t)))) for t in at]),
                np.array([float(mp.exp(t) / mp.expm1(t)) for t in at])]
    got = sd.evaluate([f, d1], {"u": at})
    run = sd.compile([f, d1], inputs=[u])
    for k in range(2):
        np.testing.assert_allclose(got[k], want[k], rtol=5e-16, atol=0)
        np.testing.assert_array_equal(run(at)[k], got[k])
    # 0 gives -inf and a negative nan, as written; float32 stays float32
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(sd.evaluate(sd.log(sd.expm1(sd.var("w", shape=(2,)))),
                                                  {"w": np.array([0.0, -1.0])}), [-np.inf, np.nan])
    f32 = sd.var("f32", dtype="float32")
    assert sd.simplify(sd.log(sd.expm1(f32))).dtype == np.float32
