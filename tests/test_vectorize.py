"""Loops written element by element (x[i], x[i+1], ...) become vector expressions over slices."""

import numpy as np
import pytest

import symdiff as sd
from symdiff.ir import toposort


def _ported_loop(n):
    x = sd.var("x", shape=(n,))
    f = sum(x[i] * x[i + 1] + sd.sin(x[i]) for i in range(n - 1))
    return x, f, sd.grad(f, x)


def _concatenated_parts(g):
    return max((len(m.inputs) for m in toposort([g]) if m.op.name == "concatenate"), default=0)


def _with_specials(n, seed=0):
    v = np.random.default_rng(seed).normal(size=n)
    v[::7] = np.inf
    v[3::11] = np.nan
    v[5::13] = -np.inf
    return v


def test_gradient_of_a_ported_loop_is_vectorized():
    sizes = {}
    for n in (50, 1000):
        _, _, g = _ported_loop(n)
        s = sd.simplify(g)
        assert _concatenated_parts(s) <= 3  # first element, the run, last element
        sizes[n] = len(toposort([s]))
    assert sizes[50] == sizes[1000]
    _, _, g = _ported_loop(10)
    assert str(sd.simplify(g)) == ("concatenate([reshape(cos(x[0]) + x[1], (1,)), "
                                   "cos(x[1:9]) + x[2:] + x[:8], reshape(x[8], (1,))], axis=0)")


@pytest.mark.parametrize("n", [2, 3, 10, 1000])
def test_vectorized_gradient_keeps_the_values(n):
    x, f, g = _ported_loop(n)
    for v in (np.random.default_rng(n).normal(size=n), _with_specials(n, n)):
        raw = sd.evaluate([f, g], {x: v}, simplify=False)
        simplified = sd.evaluate(sd.simplify([f, g]), {x: v}, simplify=False)
        for a, b in zip(raw, simplified):
            np.testing.assert_allclose(b, a, rtol=1e-12)
        compiled = sd.compile([f, g], inputs=[x])(v)
        for a, b in zip(simplified, compiled):
            assert np.asarray(a).tobytes() == np.asarray(b).tobytes()


def _parts(*scalars):
    return sd.concatenate([sd.reshape(s, (1,)) for s in scalars])


def _check(e, x, expected, n):
    s = sd.simplify(e)
    assert str(s) == expected
    values = (np.random.default_rng(1).normal(size=n), _with_specials(n))
    if x.dtype.kind == "i":
        values = (np.arange(-n, n, 2, dtype=x.dtype),)
    for v in (np.asarray(v, dtype=x.dtype) for v in values):
        a = sd.evaluate(e, {x: v}, simplify=False)
        b = sd.evaluate(s, {x: v}, simplify=False)
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
        assert np.asarray(sd.compile(s, inputs=[x])(v)).tobytes() == b.tobytes()


def test_runs_descending_shared_and_mixed_parts():
    x = sd.var("x", shape=(8,))
    # descending indices, and a leaf every part shares (a scalar that broadcasts)
    _check(_parts(*(sd.exp(x[7 - k]) * x[0] for k in range(4))), x, "exp(x[:3:-1]) * x[0]", 8)
    # the same variable at several offsets, one of them moving down
    _check(_parts(*(x[k] - x[7 - k] for k in range(1, 5))), x, "x[1:5] - x[6:2:-1]", 8)
    # a part that is no reshaped scalar and a run of one stay as they are
    e = sd.concatenate([x[:2]] + [sd.reshape(sd.tanh(x[k]) + 1.0, (1,)) for k in range(2, 5)]
                       + [sd.reshape(sd.cos(x[5]), (1,))])
    _check(e, x, "concatenate([x[:2], tanh(x[2:5]) + 1.0, reshape(cos(x[5]), (1,))], axis=0)", 8)


def test_indices_that_do_not_progress_stay_as_written():
    x = sd.var("x", shape=(8,))
    e = _parts(sd.sin(x[0]), sd.sin(x[2]), sd.sin(x[5]))
    assert _concatenated_parts(sd.simplify(e)) == 3
    # steps that change along the run end it: sin(x[0]), sin(x[1]), then sin(x[3])
    _check(_parts(sd.sin(x[0]), sd.sin(x[1]), sd.sin(x[3]), sd.sin(x[6])), x,
           "concatenate([sin(x[:2]), reshape(sin(x[3]), (1,)), reshape(sin(x[6]), (1,))], axis=0)",
           8)
    # and a run that turns back: x[3], x[4], x[3] is two runs
    _check(_parts(sd.sin(x[3]), sd.sin(x[4]), sd.sin(x[3]), sd.sin(x[2])), x,
           "concatenate([sin(x[3:5]), sin(x[3:1:-1])], axis=0)", 8)
    # different trees (another constant) are different runs
    e = _parts(x[0] * 2.0, x[1] * 3.0, x[2] * 4.0)
    assert _concatenated_parts(sd.simplify(e)) == 3


def test_dtypes_and_casts_are_kept():
    k = sd.var("k", shape=(6,), dtype="int32")
    _check(_parts(*(k[j].astype("float32") * 0.5 for j in range(6))), k,
           "0.5 * k.astype('float32')", 6)
    y = sd.var("y", shape=(5,), dtype="float32")
    _check(_parts(*(y[j] * y[j + 1] for j in range(4))), y, "y[:4] * y[1:]", 5)


def test_many_parts_stay_fast():
    import time
    n = 10_000
    x = sd.var("x", shape=(n,))
    e = _parts(*(sd.sin(x[j]) + x[j + 1] for j in range(n - 1)))
    start = time.perf_counter()
    s = sd.simplify(e)
    assert time.perf_counter() - start < 10
    assert str(s) == "sin(x[:9999]) + x[1:]"


def test_sum_of_a_ported_loop_is_vectorized():
    _, f, _ = _ported_loop(10)
    assert str(sd.simplify(f)) == "sum(x[:9] * x[1:], axis=0) + sum(sin(x[:9]), axis=0)"
    sizes = {n: len(toposort([sd.simplify(_ported_loop(n)[1])])) for n in (50, 1000)}
    assert sizes[50] == sizes[1000]
    # terms in any order, a shared scalar, and a short run that stays scalar additions
    x = sd.var("x", shape=(12,))
    e = sum((sd.exp(x[11 - k]) * x[0] for k in range(8)), sd.cos(x[1]) + sd.cos(x[2]))
    s = sd.simplify(e)
    assert "sum(exp(x[4:]) * x[0], axis=0)" in str(s) and "cos(x[1])" in str(s)
    for v in (np.random.default_rng(2).normal(size=12), _with_specials(12, 2)):
        a = sd.evaluate(e, {x: v}, simplify=False)
        b = sd.evaluate(s, {x: v}, simplify=False)
        np.testing.assert_allclose(b, a, rtol=1e-12)
        assert np.asarray(sd.compile(s, inputs=[x])(v)).tobytes() == np.asarray(b).tobytes()
