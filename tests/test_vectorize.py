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


def _rows_loop(n, m=3):
    X = sd.var("X", shape=(n, m))
    w = sd.var("w", shape=(m,))
    # a chain of springs between rows, and a potential of each row against a shared vector
    f = sum(sd.sum((X[i + 1] - X[i]) ** 2) + 0.5 * sd.sum(sd.cos(X[i] * w)) for i in range(n - 1))
    return X, w, f


def test_loops_over_rows_of_a_matrix_are_vectorized():
    X, w, f = _rows_loop(10)
    g = sd.grad(f, X)
    s = sd.simplify([f, g])
    assert str(s[0]) == ("sum((X[1:] - X[:9]) ** 2.0, axis=(0, 1)) "
                         "+ 0.5 * sum(cos(X[:9] * w), axis=(0, 1))")
    assert _concatenated_parts(s[1]) <= 3  # the first row, the run, the last row
    sizes = {n: len(toposort(sd.simplify(list(_rows_loop(n)[2:]) + [sd.grad(_rows_loop(n)[2], "X")])))
             for n in (20, 400)}
    assert sizes[20] == sizes[400]
    rng = np.random.default_rng(3)
    for xv in (rng.normal(size=(10, 3)), np.where(rng.random((10, 3)) < 0.2, np.inf, rng.normal(size=(10, 3)))):
        vals = {X: xv, w: rng.normal(size=3)}
        with np.errstate(all="ignore"):
            raw = sd.evaluate([f, g], vals, simplify=False)
            got = sd.evaluate(s, vals, simplify=False)
            compiled = sd.compile(s, inputs=[X, w])(xv, vals[w])
        for a, b, c in zip(raw, got, compiled):
            np.testing.assert_allclose(b, a, rtol=1e-12)
            assert np.asarray(b).tobytes() == np.asarray(c).tobytes()


def test_rows_of_three_axes_and_parts_of_rows():
    T = sd.var("T", shape=(10, 2, 2))
    f = sum(sd.sum(T[i] * T[i + 1]) for i in range(9))
    assert str(sd.simplify(f)) == "sum(T[:9] * T[1:], axis=(0, 1, 2))"
    X = sd.var("X", shape=(10, 3))
    e = sd.concatenate([sd.reshape(sd.exp(X[k]) - X[k + 1], (1, 3)) for k in range(4)])
    assert str(sd.simplify(e)) == "exp(X[:4]) - X[1:5]"
    # a shared row that every part reads, and parts that read no row at all
    e = sd.concatenate([sd.reshape(X[k] * X[0], (1, 3)) for k in range(1, 10)])
    assert str(sd.simplify(e)) == "X[1:] * X[0]"
    v = np.random.default_rng(4).normal(size=(10, 3))
    for e in (e, sum(sd.sum(X[i] * X[i + 1]) for i in range(9))):
        np.testing.assert_allclose(sd.evaluate(sd.simplify(e), {X: v}, simplify=False),
                                   sd.evaluate(e, {X: v}, simplify=False), rtol=1e-14)


def test_rows_that_would_not_stack_stay_as_written():
    X = sd.var("X", shape=(12, 3))
    y = sd.var("y", shape=(12,))
    M = sd.var("M", shape=(2, 3))
    # an element y[i] beside a row X[i]: its slice y[a:b] would not broadcast against X[a:b]
    f = sum(sd.sum(X[i] * y[i]) for i in range(11))
    assert "y[:11]" not in str(sd.simplify(f))
    # a leaf of more axes than the row: the tree is no row's
    f = sum(sd.sum(X[i] * M) for i in range(11))
    assert "X[:11]" not in str(sd.simplify(f))
    # a sum over part of the axes of a row tree is a vector term, not a scalar one
    Z = sd.var("Z", shape=(12, 2, 3))
    f = sum(sd.sum(sd.sum(Z[i] * Z[i + 1], axis=0) * Z[i][0]) for i in range(11))
    s = sd.simplify(f)
    v = np.random.default_rng(5).normal(size=(12, 2, 3))
    np.testing.assert_allclose(sd.evaluate(s, {Z: v}), sd.evaluate(f, {Z: v}, simplify=False),
                               rtol=1e-13)
    vals = {X: np.random.default_rng(6).normal(size=(12, 3)), y: np.arange(12.0), M: np.ones((2, 3))}
    for f in (sum(sd.sum(X[i] * y[i]) for i in range(11)), sum(sd.sum(X[i] * M) for i in range(11))):
        np.testing.assert_allclose(sd.evaluate(sd.simplify(f), vals, simplify=False),
                                   sd.evaluate(f, vals, simplify=False), rtol=1e-13)


def test_loops_that_subtract_are_vectorized():
    n = 12
    x = sd.var("x", shape=(n,))
    f = 0
    for i in range(n - 1):
        f -= x[i] * x[i + 1]
    assert str(sd.simplify(f)) == "-sum(x[:11] * x[1:], axis=0)"
    f = 0
    for i in range(n - 1):
        f += sd.sin(x[i])
        f -= x[i] * x[i + 1]
    assert str(sd.simplify(f)) == "sum(sin(x[:11]), axis=0) - sum(x[:11] * x[1:], axis=0)"
    g = x[0]
    for i in range(n - 1):
        g = g - sd.cos(x[i + 1])
    assert str(sd.simplify(g)) == "x[0] - sum(cos(x[1:]), axis=0)"
    # the runs a sign splits: + and - terms of one form are two sums
    h = sum(x[i] ** 3 for i in range(6)) - sum((x[i] ** 3 for i in range(6, 12)), start=0)
    for e in (f, g, h, sd.grad(f, x)):
        for v in (np.random.default_rng(7).normal(size=n), _with_specials(n, 7)):
            with np.errstate(all="ignore"):
                a = sd.evaluate(e, {x: v}, simplify=False)
                b = sd.evaluate(sd.simplify(e), {x: v}, simplify=False)
            np.testing.assert_allclose(b, a, rtol=1e-12)


# -- loops with a step: records of several elements, every k-th element, rows with a step --------


def _strided_loops(n):
    x = sd.var("x", shape=(n,))
    X = sd.var("X", shape=(n, 3))
    return {
        # pairs stored flat (re/im, x/y): sum(x[2i] * x[2i+1])
        "pairs": (x, sum(x[2 * i] * x[2 * i + 1] for i in range(n // 2))),
        # records of three, of which two elements are read
        "records": (x, sum((x[3 * i] - 1) ** 2 + x[3 * i + 2] ** 2 for i in range(n // 3))),
        "every other": (x, sum(sd.sin(x[i]) for i in range(0, n, 2))),
        "reversed": (x, sum(sd.sin(x[i]) * x[i - 1] for i in range(n - 1, 0, -2))),
        "rows": (X, sum(sd.sum((X[2 * i] - X[2 * i + 1]) ** 2) for i in range(n // 2))),
    }


def _same_values(exprs, simplified, v, vals):
    raw = sd.evaluate(exprs, vals, simplify=False)
    got = sd.evaluate(simplified, vals, simplify=False)
    compiled = sd.compile(simplified, inputs=[v])(vals[v])
    for a, b, c in zip(raw, got, compiled):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-300)
        assert np.asarray(b).tobytes() == np.asarray(c).tobytes()


def test_strided_loops_and_their_gradients_are_vectorized():
    expected = {
        "pairs": ("sum(x[::2] * x[1::2], axis=0)",
                  "reshape(concatenate([reshape(x[1::2], (8, 1)), reshape(x[::2], (8, 1))], axis=1), (16,))"),
        "records": ("sum((x[::3] - 1.0) ** 2.0, axis=0) + sum(x[2::3] ** 2.0, axis=0)", None),
        "every other": ("sum(sin(x[::2]), axis=0)", "index_add(cos(x[::2]), (16,), s_[::2])"),
        "reversed": ("sum(sin(x[1::2]) * x[::2], axis=0)", None),
        "rows": ("sum((X[::2] - X[1::2]) ** 2.0, axis=(0, 1))", None),
    }
    loops = _strided_loops(16)
    loops["records"] = _strided_loops(18)["records"]
    for name, (v, f) in loops.items():
        g = sd.grad(f, v)
        s = sd.simplify([f, g])
        assert str(s[0]) == expected[name][0], name
        if expected[name][1] is not None:
            assert str(s[1]) == expected[name][1], name
        assert "reshape(cos(x[" not in str(s[1]) and _concatenated_parts(s[1]) <= 3, name
        if name == "pairs":  # fewer pairs stay slices of two, reversed: one call fewer
            small = sd.simplify(sd.grad(_strided_loops(12)[name][1], "x"))
            assert str(small).startswith("concatenate([x[1::-1], x[3:1:-1], ")
        rng = np.random.default_rng(8)
        spiked = np.where(rng.random(v.shape) < 0.2, np.inf, rng.normal(size=v.shape))
        for vals in (rng.normal(size=v.shape), spiked):
            with np.errstate(all="ignore"):
                _same_values([f, g], s, v, {v: vals})


def test_strided_loops_take_as_many_nodes_at_any_size():
    for name in _strided_loops(12):
        sizes = set()
        for n in (24, 120):
            v, f = _strided_loops(n)[name]
            sizes.add(len(toposort(sd.simplify([f, sd.grad(f, v)]))))
        assert len(sizes) == 1, name


def test_strided_gradient_with_ends_and_records_of_three():
    x = sd.var("x", shape=(31,))
    # a stencil over the even elements: the even positions are first, a run, last; the odd zeros
    f = sum((x[i + 2] - x[i]) ** 2 for i in range(0, 29, 2))
    s = sd.simplify([f, sd.grad(f, x)])
    assert str(s[0]) == "sum((x[2::2] - x[:29:2]) ** 2.0, axis=0)"
    assert "index_add(concatenate([reshape(" in str(s[1]) and "s_[::2]" in str(s[1])
    _same_values([f, sd.grad(f, x)], s, x, {x: np.random.default_rng(9).normal(size=31)})
    # records of three with all three written, and one element left over after the records
    f = sum(sd.sin(x[3 * i]) * x[3 * i + 1] - x[3 * i + 2] for i in range(10))
    s = sd.simplify([f, sd.grad(f, x)])
    assert str(s[1]) == ("concatenate([reshape(concatenate([reshape(x[1::3] * cos(x[:28:3]), (10, 1)), "
                         "reshape(sin(x[:28:3]), (10, 1)), broadcast_to(-1.0, (10, 1))], axis=1), (30,)), "
                         "broadcast_to(0.0, (1,))], axis=0)")
    _same_values([f, sd.grad(f, x)], s, x, {x: np.random.default_rng(10).normal(size=31)})


def test_parts_with_steps():
    x = sd.var("x", shape=(12,))
    _check(_parts(*(sd.exp(x[k]) * x[k + 1] for k in range(0, 10, 3))), x, "exp(x[::3]) * x[1::3]", 12)
    _check(_parts(*(x[k] - x[11 - 2 * k] for k in range(5))), x, "x[:5] - x[:2:-2]", 12)
    # two parts far apart are no loop; a step that changes ends the run
    _check(_parts(sd.sin(x[0]), sd.sin(x[5])), x,
           "concatenate([reshape(sin(x[0]), (1,)), reshape(sin(x[5]), (1,))], axis=0)", 12)
    _check(_parts(*(sd.sin(x[k]) for k in (0, 2, 4, 5, 6))), x,
           "concatenate([sin(x[:5:2]), sin(x[5:7])], axis=0)", 12)


def test_rows_and_slices_with_steps_concatenate_into_one_slice():
    x = sd.var("x", shape=(10,))
    X = sd.var("X", shape=(9, 3))
    _check(sd.concatenate([x[0:4:2], x[4:8:2]]), x, "x[:7:2]", 10)
    _check(sd.concatenate([x[9:4:-2], x[3:0:-2]]), x, "x[::-2]", 10)
    _check(sd.concatenate([x[9:], x[7:8], x[5:6]]), x, "x[:4:-2]", 10)
    # a gap that is not the step of the slices stays a concatenation
    _check(sd.concatenate([x[0:4:2], x[5:8:2]]), x, "concatenate([x[0:4:2], x[5:8:2]], axis=0)", 10)
    e = sd.concatenate([sd.reshape(X[k], (1, 3)) for k in (0, 2, 4, 6)])
    assert str(sd.simplify(e)) == "X[:7:2]"
    assert str(sd.simplify(sd.concatenate([X[:, 0:1], X[:, 2:3]], axis=1))) == "X[:, ::2]"
    v = np.random.default_rng(11).normal(size=(9, 3))
    np.testing.assert_array_equal(sd.evaluate(sd.simplify(e), {X: v}, simplify=False), v[:7:2])


def test_scatters_at_positions_a_step_apart_are_one_slice():
    G = sd.var("G", shape=(3, 2))
    H = sd.var("H", shape=(2, 3))
    cases = [(sd.index_add(G, (9, 2), [1, 4, 7]), G, "index_add(G, (9, 2), s_[1::3])"),
             (sd.index_add(G, (9, 2), [-8, 4, 7]), G, "index_add(G, (9, 2), s_[1::3])"),
             (sd.index_add(H, (2, 9), np.s_[:, [7, 4, 1]]), H, "index_add(H, (2, 9), s_[:, 7::-3])"),
             # repeated positions add up: no slice
             (sd.index_add(G, (9, 2), [1, 1, 1]), G, "index_add(G, (9, 2), s_[[1, 1, 1]])"),
             (sd.index_add(G, (9, 2), [0, 2, 3]), G, "index_add(G, (9, 2), s_[[0, 2, 3]])")]
    for e, v, text in cases:
        s = sd.simplify(e)
        assert str(s) == text
        vals = np.random.default_rng(12).normal(size=v.shape)
        np.testing.assert_array_equal(sd.evaluate(s, {v: vals}, simplify=False),
                                      sd.evaluate(e, {v: vals}, simplify=False))
    # the gradient of every fourth element: its scatters gathered, at a slice
    x = sd.var("x", shape=(16,))
    f = sum(sd.sin(x[i]) for i in range(1, 16, 4))
    assert str(sd.simplify(sd.grad(f, x))) == "index_add(cos(x[1::4]), (16,), s_[1::4])"


_TEMPLATES = [
    lambda a, b, c: a * b,
    lambda a, b, c: (b - a) ** 2,
    lambda a, b, c: sd.sin(a) + c * 0.5,
    lambda a, b, c: sd.exp(-a * a) * c - b,
    lambda a, b, c: (a - 1.0) ** 2 + b ** 2,
]


@pytest.mark.parametrize("seed", range(24))
def test_random_strided_loops_keep_values_and_gradients(seed):
    # a loop over elements or rows with a random step 1..4 of either sign, reading three
    # elements at random offsets in one of a few forms, added or subtracted
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 40))
    v = sd.var("X", shape=(n, 2)) if seed % 2 else sd.var("x", shape=(n,))
    step = int(rng.integers(1, 5)) * int(rng.choice([-1, 1]))
    offsets = sorted(int(o) for o in rng.integers(0, 4, size=3))
    positions = list(range(n - offsets[-1]))[::abs(step)][::1 if step > 0 else -1]
    form = _TEMPLATES[int(rng.integers(len(_TEMPLATES)))]
    terms = [form(*(v[i + o] for o in offsets)) for i in positions]
    terms = [sd.sum(t) for t in terms] if v.ndim == 2 else terms
    subtract = bool(rng.integers(2))
    f = terms[0]
    for t in terms[1:]:
        f = f - t if subtract else f + t
    g = sd.grad(f, v)
    s = sd.simplify([f, g])
    if len(positions) >= 12:
        assert len(toposort(s)) < len(toposort([f, g])) // 2
    spiked = np.where(rng.random(v.shape) < 0.2, -np.inf, rng.normal(size=v.shape))
    for vals in (rng.normal(size=v.shape), spiked):
        with np.errstate(all="ignore"):
            raw = sd.evaluate([f, g], {v: vals}, simplify=False)
            got = sd.evaluate(s, {v: vals}, simplify=False)
            compiled = sd.compile(s, inputs=[v])(vals)
        for a, b, c in zip(raw, got, compiled):
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
            assert np.asarray(b).tobytes() == np.asarray(c).tobytes()


def test_records_after_a_part_of_several_positions():
    # the records are read from where the parts of one position each begin
    x = sd.var("x", shape=(24,))
    e = sd.concatenate([x[:4]] + [sd.reshape(sd.sin(x[k]) if k % 2 else sd.cos(x[k]), (1,))
                                  for k in range(4, 24)] + [x[20:]])
    _check(e, x, "concatenate([x[:4], reshape(concatenate([reshape(cos(x[4::2]), (10, 1)), "
           "reshape(sin(x[5::2]), (10, 1))], axis=1), (20,)), x[20:]], axis=0)", 24)
