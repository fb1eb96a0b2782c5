"""The one-hot rules: products with one-hot vectors become indexing, values unchanged for labels in
range; labels out of range behave as the rules document (>= k raises, negative counts from the end)."""

import numpy as np
import pytest

import symdiff as sd

rng = np.random.default_rng(7)
W = sd.var("W", (3, 4))
labels = sd.var("labels", (5,), "int64")
Wv = rng.normal(size=(3, 4))
IN_RANGE = np.array([0, 3, 2, 1, 3])


def ops_of(e):
    return {n.op.name for n in sd.toposort(e)}


def column(t):
    return sd.reshape(sd.one_hot(labels, 4)[t], (4, 1))


def agree(e, **values):
    """The simplified graph, after checking it computes what the raw graph does (evaluator and
    generated code)."""
    s = sd.simplify(e)
    want = sd.evaluate(e, values, simplify=False)
    np.testing.assert_array_equal(sd.evaluate(s, values, simplify=False), want)
    fn = sd.compile(e, inputs=[sd.var(k, np.shape(v), np.asarray(v).dtype.name) for k, v in values.items()])
    np.testing.assert_array_equal(fn(*values.values()), want)
    return s


@pytest.mark.parametrize("t", [0, 2, -1, 4])
def test_matmul_by_one_hot_column_is_a_column_gather(t):
    e = W @ column(t)
    s = agree(e, W=Wv, labels=IN_RANGE)
    assert ops_of(s) == {"getitem", "var"}  # no one_hot, no matmul
    assert s.shape == (3, 1)


def test_matmul_by_one_hot_row_and_vector():
    V = sd.var("V", (4, 6))
    Vv = rng.normal(size=(4, 6))
    row = sd.transpose(column(1))  # (1, 4)
    s = agree(row @ V, V=Vv, labels=IN_RANGE)
    assert "matmul" not in ops_of(s) and s.shape == (1, 6)
    s = agree(W @ sd.one_hot(labels, 4)[3], W=Wv, labels=IN_RANGE)  # a vector: W[:, l[3]]
    assert "matmul" not in ops_of(s) and s.shape == (3,)


def test_products_with_a_constant_one_hot_vector_are_indexing():
    # one_hot(2, 4) of a constant label folds to [0, 0, 1, 0] before the one-hot rules see it:
    # the constant is read as the one-hot vector it is
    T = sd.var("T", (2, 3, 4))
    v = sd.var("v", (4,))
    Tv, vv = rng.normal(size=(2, 3, 4)), rng.normal(size=4)
    cases = [(W @ sd.one_hot(2, 4), W[:, 2]), (sd.one_hot(1, 3) @ W, W[1]),
             (W @ sd.const(np.array([[0.0], [1.0], [0.0], [0.0]])), W[:, 1:2]),
             (sd.const(np.array([[0, 0, 1]], dtype=np.int8)) @ W, W[2:3]),
             (T @ sd.one_hot(0, 4), T[:, :, 0]), (sd.sum(v * sd.one_hot(3, 4)), v[3])]
    for e, want in cases:
        assert agree(e, W=Wv, T=Tv, v=vv) is want
    # a constant with another value, or two ones, is not one-hot
    for c in ([0.0, 2.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]):
        assert "matmul" in ops_of(agree(W @ sd.const(np.array(c)), W=Wv))


def test_matmul_by_a_matrix_of_one_hot_rows_is_left_alone():
    e = W @ sd.transpose(sd.one_hot(labels, 4))  # (3, 5): several labels, not one vector
    assert "matmul" in ops_of(sd.simplify(e))


def test_sum_of_one_hot_times_x_is_an_element_gather():
    x = sd.var("x", (4, 1))
    xv = rng.normal(size=(4, 1))
    s = agree(-sd.sum(column(1) * sd.log_softmax(x, axis=0)), x=xv, labels=IN_RANGE)
    assert {"one_hot", "mul", "sum"}.isdisjoint(ops_of(s))
    s = agree(sd.sum(x * column(4), keepdims=True), x=xv, labels=IN_RANGE)
    assert s.shape == (1, 1) and "one_hot" not in ops_of(s)


def test_sum_of_one_hot_vector_is_one():
    assert sd.simplify(sd.sum(column(2))).op.name in ("const", "broadcast_to")
    assert float(sd.evaluate(sd.simplify(sd.sum(-column(2))), {})) == -1.0
    assert float(sd.evaluate(sd.sum(-column(2)), {"labels": IN_RANGE})) == -1.0


def test_cross_entropy_gradient_through_a_column_is_p_minus_one_hot():
    y = sd.var("y", (4, 1))
    logp = sd.log_softmax(y, axis=0)
    loss = -sd.sum(column(1) * logp)
    g = sd.grad(loss, y)
    out = sd.simplify([loss, g])
    ops = {n.op.name for n in sd.toposort(out)}
    # the backward takes one exp of the forward's log-probabilities, no second softmax
    assert "softmax" not in ops and "exp" in ops and "sum" not in ops
    yv = rng.normal(size=(4, 1)) * 30
    p = np.exp(yv - yv.max()) / np.exp(yv - yv.max()).sum()
    fn = sd.compile([loss, g], inputs=[y, labels])
    got_loss, got_g = fn(yv, IN_RANGE)
    np.testing.assert_allclose(got_loss, -np.log(p[3, 0]), rtol=1e-12)
    np.testing.assert_allclose(got_g, p - np.eye(4)[:, 3:4], rtol=1e-12, atol=1e-15)


def test_gradient_alone_still_uses_softmax():
    y = sd.var("y", (4, 1))
    g = sd.simplify(sd.grad(-sd.sum(column(1) * sd.log_softmax(y, axis=0)), y))
    assert "softmax" in ops_of(g) and "log_softmax" not in ops_of(g)


def test_labels_out_of_range_behave_as_documented():
    e = W @ column(2)
    s = sd.simplify(e)
    fn = sd.compile(e, inputs=[W, labels])
    too_big = np.array([0, 0, 4, 0, 0])
    # unsimplified: a zero one-hot vector selects nothing; rewritten: indexing refuses the label
    np.testing.assert_array_equal(sd.evaluate(e, {"W": Wv, "labels": too_big}, simplify=False), 0)
    with pytest.raises(IndexError):
        sd.evaluate(s, {"W": Wv, "labels": too_big}, simplify=False)
    with pytest.raises(IndexError):
        fn(Wv, too_big)
    negative = np.array([0, 0, -1, 0, 0])  # counts from the end, as NumPy indexing does
    np.testing.assert_array_equal(fn(Wv, negative), Wv[:, 3:4])
    x = sd.var("x", (4, 1))
    loss = sd.sum(column(2) * x)
    with pytest.raises(IndexError):
        sd.compile(loss, inputs=[x, labels])(np.ones((4, 1)), too_big)


# -- sums of small products as one product -------------------------------------------------------

T = 7
cols = [sd.var(f"g{t}", (5, 1)) for t in range(T)]
rows = [sd.var(f"h{t}", (4, 1)) for t in range(T)]
col_values = {f"g{t}": rng.normal(size=(5, 1)) for t in range(T)}
row_values = {f"h{t}": rng.normal(size=(4, 1)) for t in range(T)}


def close(e, values):
    """The simplified graph, after checking it agrees with the raw one (evaluator and codegen)."""
    s = sd.simplify(e)
    want = sd.evaluate(e, values, simplify=False)
    np.testing.assert_allclose(sd.evaluate(s, values, simplify=False), want, rtol=1e-13, atol=1e-15)
    fn = sd.compile(e, inputs=[sd.var(k, np.shape(v)) for k, v in values.items()])
    np.testing.assert_allclose(fn(*values.values()), want, rtol=1e-13, atol=1e-15)
    return s


def count(e, name):
    return sum(1 for n in sd.toposort(e) if n.op.name == name)


def test_sum_of_outer_products_is_one_product():
    e = cols[0] @ sd.transpose(rows[0])
    for g, h in zip(cols[1:], rows[1:]):
        e = e + g @ sd.transpose(h)
    s = close(e, {**col_values, **row_values})
    assert count(s, "matmul") == 1 and count(s, "add") == 0
    assert count(s, "transpose") == 1  # the stacked rows, transposed once


def test_sum_of_products_with_large_inner_dimension_is_left_alone():
    A, B = sd.var("A", (3, 8)), sd.var("B", (8, 3))
    C, D = sd.var("C", (3, 8)), sd.var("D", (8, 3))
    s = sd.simplify(A @ B + C @ D)  # stacking would copy more than the one addition saves
    assert count(s, "matmul") == 2 and count(s, "concatenate") == 0


def test_sum_of_many_columns_is_one_reduction_and_few_stay_additions():
    s = close(sum(cols[1:], cols[0]), col_values)
    assert count(s, "add") == 0 and count(s, "sum") == 1 and count(s, "concatenate") == 1
    few = sd.simplify(cols[0] + cols[1] + cols[2])
    assert count(few, "add") == 2 and count(few, "concatenate") == 0


def test_stacked_rows_of_one_array_are_a_slice():
    X = sd.var("X", (6, 3))
    Xv = rng.normal(size=(6, 3))
    up = sd.concatenate([sd.reshape(X[t], (1, 3)) for t in range(1, 5)], axis=0)
    s = close(up, {"X": Xv})
    assert s.op.name == "getitem" and str(s) == "X[1:5]"
    down = sd.concatenate([sd.reshape(X[t], (1, 3)) for t in (3, 2, 1, 0)], axis=0)
    s = close(down, {"X": Xv})
    assert str(s) == "X[3::-1]"
    # rows a constant step apart are a strided slice; steps that change are no slice
    strided = sd.concatenate([sd.reshape(X[t], (1, 3)) for t in (0, 2)], axis=0)
    assert str(close(strided, {"X": Xv})) == "X[:3:2]"
    gap = sd.concatenate([sd.reshape(X[t], (1, 3)) for t in (0, 2, 3)], axis=0)
    assert sd.simplify(gap).op.name == "concatenate"


def test_scatters_into_rows_of_a_sequence_are_one_array():
    # the gradient by a sequence read one row per step: one scatter of the whole (T, k) shape
    # per step would make the sum cost T times the sequence; the rows stacked cost it once
    steps = 7
    Z = sd.var("Z", (steps, 4))
    T = sd.var("T", (steps,), "int64")
    Zv, Tv = rng.normal(size=(steps, 4)) * 5, np.array([0, 3, 2, 1, 3, 0, 2])
    g = sd.grad(sum(-sd.log_softmax(Z[t])[T[t]] for t in range(steps)), Z)
    s = sd.simplify(g)
    assert count(s, "index_add") == 0 and count(s, "add") == 0 and count(s, "concatenate") == 1
    want = sd.evaluate(g, {"Z": Zv, "T": Tv}, simplify=False)
    e = np.exp(Zv - Zv.max(axis=1, keepdims=True))
    np.testing.assert_allclose(want, e / e.sum(axis=1, keepdims=True) - np.eye(4)[Tv], atol=1e-15)
    np.testing.assert_allclose(sd.evaluate(s, {"Z": Zv, "T": Tv}, simplify=False), want, atol=1e-15)
    np.testing.assert_allclose(sd.compile(s, inputs=[Z, T])(Zv, Tv), want, atol=1e-15)
    # rows no step writes are zeros, or with fewer than half written, one scatter of the
    # stacked rows; a row written again (X[-4] is X[2]) is added in its place
    for size, rows, scatters, zeros in [(6, (0, 1, 2, 4, -1), 0, 0), (6, (2, 5), 0, 1),
                                         (10, (1, 4), 1, 0), (6, (2, -4, 5), 0, 1)]:
        X = sd.var("X", (size, 2))
        e = sd.sum(sum((X[t] * (t + 2.0)) ** 2 for t in rows) * X[3])  # X[3] is a row too
        s = close(sd.grad(e, X), {"X": rng.normal(size=(size, 2))})
        assert count(s, "index_add") == scatters and count(s, "concatenate") == 1
        assert count(s, "broadcast_to") == zeros
    # a Hessian built one column at a time (s_[:, t]) by a loop over a vector's elements
    x = sd.var("x", (5,))
    for steps, scatters in [(range(5), 0), ((0, 3), 1)]:
        H = sd.hessian(sum(sd.sin(x[t]) * x[t] for t in steps), x)
        s = close(H, {"x": rng.normal(size=5)})
        assert count(s, "index_add") == scatters and count(s, "concatenate") == 1



def test_scatters_of_runs_and_of_one_place_are_one_scatter():
    # runs, and blocks of a matrix, written at different places are one scatter of the values
    # stacked; written at one place, one scatter of the values added
    a, b, c = (sd.var(k, (3,)) for k in "abc")
    vals = {k: rng.normal(size=3) for k in "abc"}
    runs = sd.index_add(a, (10,), np.s_[0:3]) + sd.index_add(b, (10,), np.s_[4:7]) \
        + sd.index_add(sd.sin(c), (10,), np.s_[2:5])  # overlapping: positions 2 and 4 add up
    s = close(runs, vals)
    assert count(s, "index_add") == 1 and count(s, "add") == 0
    same = sd.index_add(a, (10,), np.s_[1:4]) + sd.index_add(b, (10,), np.s_[1:4])
    s = close(same, vals)
    assert count(s, "index_add") == 1 and str(s) == "index_add(a + b, (10,), s_[1:4])"
    X = sd.var("X", (4, 5))
    blocks = sd.grad(sd.sum(sd.sin(X[0:2, 1:3])) + sd.sum(sd.cos(X[1:3, 2:4])), X)
    s = close(blocks, {"X": rng.normal(size=(4, 5))})
    assert count(s, "index_add") == 1

def test_rnn_gradients_stack_and_stay_exact():
    # a small unrolled RNN: every parameter gradient is one product, values match hand-written BPTT
    h_, v_, steps = 4, 3, 6
    Wxh, Whh = sd.var("Wxh", (h_, v_)), sd.var("Whh", (h_, h_))
    xs = sd.var("xs", (steps,), "int64")
    h = sd.var("h0", (h_, 1))
    loss = 0
    for t in range(steps):
        h = sd.tanh(Wxh @ sd.reshape(sd.one_hot(xs, v_)[t], (v_, 1)) + Whh @ h)
        loss = loss + sd.sum(h)
    gx, gh = sd.grad(loss, [Wxh, Whh])
    out = sd.simplify([gx, gh])
    for o, p in zip(out, (Wxh, Whh)):  # one product of stacked columns, not one per step
        assert sum(1 for n in sd.toposort(o) if n.op.name == "matmul" and n.shape == p.shape) == 1
    vals = {"Wxh": rng.normal(size=(h_, v_)), "Whh": rng.normal(size=(h_, h_)) * 0.5,
            "xs": np.array([0, 2, 1, 1, 0, 2]), "h0": rng.normal(size=(h_, 1))}
    fn = sd.compile({"gx": gx, "gh": gh}, inputs=[xs, Wxh, Whh, sd.var("h0", (h_, 1))])
    got = fn(vals["xs"], vals["Wxh"], vals["Whh"], vals["h0"])
    for g, w in zip(got, sd.evaluate([gx, gh], vals, simplify=False)):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_sum_of_identity_times_m_is_the_diagonal():
    eye = sd.eye(3)
    v, x = sd.var("v", (3,)), sd.var("x")
    M, B = sd.var("M", (3, 3)), sd.var("B", (2, 3, 3))
    c, r = sd.var("c", (3, 1)), sd.var("r", (1, 3))
    values = dict(v=rng.normal(size=3), x=1.5, M=rng.normal(size=(3, 3)), B=rng.normal(size=(2, 3, 3)),
                  c=rng.normal(size=(3, 1)), r=rng.normal(size=(1, 3)))
    for e, want in [(sd.sum(eye * v, axis=1), v), (sd.sum(v * eye, axis=0), v),
                    (sd.sum(eye * M, axis=1), sd.diagonal(M)),
                    (sd.sum(eye * B, axis=-1), sd.diagonal(B, 0, -2, -1)),
                    (sd.sum(eye * c, axis=0), sd.reshape(c, (3,))), (sd.sum(eye * x, axis=1), sd.broadcast_to(x, (3,)))]:
        s = sd.simplify(e)
        assert s is sd.simplify(want)
        np.testing.assert_array_equal(sd.evaluate(s, values, simplify=False),
                                      sd.evaluate(e, values, simplify=False))
    kept = sd.sum(eye * r, axis=1, keepdims=True)
    assert "one_hot" not in ops_of(sd.simplify(kept))
    np.testing.assert_array_equal(sd.evaluate(sd.simplify(kept), values), sd.evaluate(kept, values, simplify=False))
    across = sd.sum(eye * B, axis=0)  # over the batch axis, not the identity's: left as written
    assert sd.simplify(across) is across
    # a Hessian's mixed block contracts its identity: d2/dv dx of sum(v**2) * x is 2v
    H = sd.hessian(sd.sum(v ** 2) * x, [v, x])
    assert sd.simplify(H[0][1]) is sd.simplify(2.0 * v)


def test_a_one_by_one_identity_broadcast_sums_rather_than_picks_a_diagonal():
    # eye(1) broadcast along m's axes is all ones: the sum adds m up, there is no diagonal
    M, v = sd.var("M", (2, 2)), sd.var("v", (3,))
    values = dict(M=np.array([[1.0, 2.0], [3.0, 4.0]]), v=np.array([0.5, -1.0, 2.0]))
    for e, want, name in [(sd.sum(sd.eye(1) * M, axis=-1), [3.0, 7.0], "M"),
                          (sd.sum(M * sd.eye(1), axis=0), [4.0, 6.0], "M"),
                          (sd.sum(sd.eye(1) * v, axis=-1), [1.5], "v")]:
        np.testing.assert_array_equal(sd.evaluate(e, values), want)
        agree(e, **{name: values[name]})
    # the Jacobian of an output of one element (np.var with keepdims) seeds such an identity
    x = sd.var("x", (3,))
    J = sd.jacobian(np.var(x, keepdims=True), x)
    x0 = np.array([0.1, 0.5, -0.3])
    np.testing.assert_allclose(sd.evaluate(J, {"x": x0}), [2 * (x0 - x0.mean()) / 3], rtol=1e-12, atol=1e-15)


def test_a_scale_between_two_reshapes_lets_them_merge():
    v = sd.var("v", (3,))
    col = sd.reshape(v, (3, 1))
    for e, want in [(sd.reshape(2.0 * col, (3,)), 2.0 * v), (sd.reshape(-col, (3,)), -v),
                    (sd.reshape(col / 3.0, (1, 3)), sd.reshape(v, (1, 3)) / 3.0)]:
        assert sd.simplify(e) is want
        values = {"v": rng.normal(size=3)}
        np.testing.assert_array_equal(sd.evaluate(sd.simplify(e), values, simplify=False),
                                      sd.evaluate(e, values, simplify=False))


Am = sd.var("A", (4, 3))
xm = sd.var("x", (3,))
cm = sd.var("c", (3,))
AT_POINT = {"A": rng.normal(size=(4, 3)), "x": rng.normal(size=3), "c": rng.normal(size=3)}


def same_as_raw(e, s):
    """``s``, the simplified ``e``, computes ``e``'s values (to rounding: products regroup)."""
    want = sd.evaluate(e, AT_POINT, simplify=False)
    np.testing.assert_allclose(sd.evaluate(s, AT_POINT, simplify=False), want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("e, want", [
    (sd.jacobian(Am @ xm, xm), "A"),
    (sd.jacobian(xm @ Am.T, xm), "A"),
    (sd.hessian(sd.sum((Am @ xm) ** 2), xm), "2.0 * A.T @ A"),
    (sd.hessian(xm @ (Am.T @ Am) @ xm, xm), "A.T @ A + (A.T @ A).T"),
    (sd.eye(3) @ Am.T, "A.T"),
    (Am @ sd.eye(3), "A"),
    ((sd.eye(3) * cm) @ Am.T, "reshape(c, (3, 1)) * A.T"),
    (Am @ (sd.eye(3) * cm), "A * c"),
    (Am @ (sd.eye(3) * 2.0), "2.0 * A"),
    (xm @ (sd.eye(3) * cm), "x * c"),
], ids=str)
def test_products_with_the_identity_select(e, want):
    # the identity seeds of a batched Jacobian or Hessian meet matrix products as
    # reshape(I, (k, 1, k)) @ b and a @ reshape(I, (k, k, 1)): they pick rows and columns,
    # and a batch of vector-matrix products is one matrix product
    s = sd.simplify(e)
    assert str(s) == want
    assert "one_hot" not in str(s)
    same_as_raw(e, s)


def test_jacobian_of_an_elementwise_function_of_a_product_scales_rows():
    W2 = sd.var("A", (4, 3))
    j = sd.jacobian(sd.tanh(W2 @ xm), xm)  # diag(1 - tanh**2) @ A
    s = sd.simplify(j)
    assert str(s) == "reshape(1.0 - tanh(A @ x) ** 2.0, (4, 1)) * A"
    same_as_raw(j, s)
    h = sd.hessian(sd.sum(sd.tanh(W2 @ xm)), xm)
    s = sd.simplify(h)
    assert "one_hot" not in str(s) and "reshape" not in str(s)
    same_as_raw(h, s)


def test_identity_products_that_do_not_select_stay():
    # a batch of 3 identity rows against a batch of 3 matrices reads b[i, i]: not a reshape of b
    b = sd.var("b", (3, 3, 2))
    e = sd.reshape(sd.eye(3), (3, 1, 3)) @ b
    s = sd.simplify(e)
    assert "one_hot" in str(s)
    bv = rng.normal(size=(3, 3, 2))
    np.testing.assert_array_equal(sd.evaluate(s, {"b": bv}), np.eye(3).reshape(3, 1, 3) @ bv)
    # the rows of a batch of row products read in another order are not the matrix product
    y = sd.var("y", (2, 3))
    p = sd.reshape(y, (2, 1, 3)) @ Am.T
    e = sd.reshape(p, (4, 2))
    s = sd.simplify(e)
    yv = rng.normal(size=(2, 3))
    want = (yv.reshape(2, 1, 3) @ AT_POINT["A"].T).reshape(4, 2)
    np.testing.assert_allclose(sd.evaluate(s, {"y": yv, "A": AT_POINT["A"]}), want, rtol=1e-14)
    assert str(s) != "y @ A.T"


def test_stencil_jacobian_is_three_diagonals():
    v = sd.var("v", (6,))
    r = v[2:] - 2 * v[1:-1] + v[:-2] + v[1:-1] ** 3
    j = sd.jacobian(r, v)
    s = sd.simplify(j)
    assert ops_of(s) & {"one_hot", "index_add", "matmul"} == set()
    assert sorted(n.op.offset for n in sd.toposort(s) if n.op.name == "diagonal_embed") == [0, 1, 2]
    vv = rng.normal(size=6)
    want = np.zeros((4, 6))
    for i in range(4):
        want[i, i], want[i, i + 1], want[i, i + 2] = 1.0, 3 * vv[i + 1] ** 2 - 2, 1.0
    np.testing.assert_allclose(sd.evaluate(s, {"v": vv}, simplify=False), want, rtol=1e-14)
    np.testing.assert_allclose(sd.compile(j, inputs=[v])(vv), want, rtol=1e-14)


def test_a_band_divided_by_a_scalar_a_row_or_a_column_is_each_diagonal_divided():
    # the Jacobian of a stencil divided elementwise (log of it, 1 / it) meets a row; a matrix of
    # diagonals over a column or a scalar divides each diagonal by the part it meets
    v = sd.var("v", (6,))
    r = v[2:] - 2 * v[1:-1] + v[:-2]
    band = sd.simplify(sd.jacobian(r, v))  # (4, 6), diagonals 0, 1, 2
    row, col, k = sd.var("row", (6,)), sd.var("col", (4, 1)), sd.var("k")
    at = {"row": rng.uniform(1, 2, 6), "col": rng.uniform(1, 2, (4, 1)), "k": 1.5, "v": rng.normal(size=6)}
    dense = np.zeros((4, 6))
    for i in range(4):
        dense[i, i], dense[i, i + 1], dense[i, i + 2] = 1.0, -2.0, 1.0
    for by, value in ((row, at["row"]), (col, at["col"]), (k, at["k"])):
        s = sd.simplify(band / by)
        assert s.op.name == "add" and "one_hot" not in ops_of(s)  # diagonals added, no dense quotient
        assert sorted(n.op.offset for n in sd.toposort(s) if n.op.name == "diagonal_embed") == [0, 1, 2]
        np.testing.assert_allclose(sd.evaluate(s, at, simplify=False), dense / value, rtol=1e-15)
    # the zeros off the band stay zeros where the divisor is 0 (the quotient as built: 0 / 0)
    j = sd.jacobian(sd.log(r), v)
    vv = np.array([0.0, 0.0, 0.0, 1.0, 3.0, 4.0])  # r = [0, 1, -1, 0]
    with np.errstate(all="ignore"):
        raw = sd.evaluate(j, {"v": vv}, simplify=False)
        got = sd.evaluate(j, {"v": vv})
    assert np.isnan(raw).sum() == 9 and np.isnan(got).sum() == 0  # I / r: 0 / 0 below r[0]
    np.testing.assert_array_equal(got[0], [np.inf, -np.inf, np.inf, 0, 0, 0])
    rv = vv[2:] - 2 * vv[1:-1] + vv[:-2]
    for i in range(1, 4):
        want = np.zeros(6)
        want[i:i + 3] = np.array([1.0, -2.0, 1.0]) / rv[i]
        np.testing.assert_array_equal(got[i], want)
    # a divisor that varies along both axes is left as written
    m = sd.var("m", (4, 6))
    assert "div" in ops_of(sd.simplify(band / m)) and sd.simplify(band / m).op.name == "div"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rosenbrock_hessian_is_tridiagonal(dtype):
    v = sd.var("v", (7,), dtype)
    f = sd.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)
    h = sd.hessian(f, v)
    s = sd.simplify(h)
    assert ops_of(s) & {"one_hot", "index_add"} == set()
    assert sorted(n.op.offset for n in sd.toposort(s) if n.op.name == "diagonal_embed") == [-1, 0, 1]
    x = np.linspace(-1.5, 2.0, 7).astype(dtype)
    want = np.zeros((7, 7))  # scipy.optimize.rosen_hess, written out
    want[np.arange(6), np.arange(1, 7)] = want[np.arange(1, 7), np.arange(6)] = -400 * x[:-1]
    diagonal = np.zeros(7)
    diagonal[0] = 1200 * x[0] ** 2 - 400 * x[1] + 2
    diagonal[-1] = 200
    diagonal[1:-1] = 202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]
    want[np.arange(7), np.arange(7)] = diagonal
    rtol = 1e-5 if dtype == "float32" else 1e-12
    got = sd.evaluate(s, {"v": x}, simplify=False)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)
    compiled = sd.compile(h, inputs=[v])(x)
    assert compiled.dtype == dtype
    np.testing.assert_allclose(compiled, want, rtol=rtol, atol=rtol)


def test_diagonals_of_blocks_land_where_the_dense_product_puts_them():
    # blocks of the identity, scaled by rows, columns and scalars, added into blocks of larger
    # matrices: every placement against the dense graph
    pick = np.random.default_rng(11)
    for _ in range(60):
        n = int(pick.integers(2, 6))
        r0, c0 = int(pick.integers(0, n)), int(pick.integers(0, n))
        r1, c1 = int(pick.integers(r0 + 1, n + 1)), int(pick.integers(c0 + 1, n + 1))
        block = sd.eye(n)[r0:r1, c0:c1]
        rows, cols = block.shape
        kind = pick.integers(0, 3)
        m = [sd.var("m", ()), sd.var("m", (cols,)), sd.var("m", (rows, 1))][kind]
        R, C = rows + int(pick.integers(0, 3)), cols + int(pick.integers(0, 3))
        a, b = int(pick.integers(0, R - rows + 1)), int(pick.integers(0, C - cols + 1))
        e = sd.index_add(block * m, (R, C), np.s_[a:a + rows, b:b + cols])
        e = e + sd.index_add(2.0 * block, (R, C), np.s_[a:a + rows, b:b + cols])
        s = sd.simplify(e)
        assert "one_hot" not in ops_of(s), str(s)
        mv = pick.normal(size=m.shape)
        np.testing.assert_allclose(sd.evaluate(s, {"m": mv}, simplify=False),
                                   sd.evaluate(e, {"m": mv}, simplify=False), rtol=1e-14)
        for axis in (0, 1):
            total = sd.sum(e, axis=axis)
            np.testing.assert_allclose(sd.evaluate(sd.simplify(total), {"m": mv}, simplify=False),
                                       sd.evaluate(total, {"m": mv}, simplify=False), rtol=1e-14)
    # a block of whole rows, its column slice left out (I[1:3] is I[1:3, :])
    m = sd.var("m", ())
    e = sd.index_add(sd.eye(4)[1:3] * m, (5, 4), np.s_[2:4])
    assert "one_hot" not in ops_of(sd.simplify(e)), str(sd.simplify(e))
    np.testing.assert_allclose(sd.evaluate(e, {"m": 1.5}), sd.evaluate(e, {"m": 1.5}, simplify=False))


def test_jacobian_of_an_elementwise_function_is_its_diagonal():
    v = sd.var("v", (4,))
    assert str(sd.simplify(sd.jacobian(sd.sin(v), v))) == "diag(cos(v))"
    assert sd.simplify(sd.sum(sd.jacobian(sd.sin(v), v), axis=1)) is sd.simplify(sd.cos(v))


@pytest.mark.parametrize("scale", ["row", "column", "scalar"])
def test_several_diagonals_times_a_vector_take_each_its_part(scale):
    d = sd.var("d", (3,))
    band = sd.eye(4) + sd.diagonal_embed(d, (4, 4), 1) - 2.0 * sd.diagonal_embed(d, (4, 4), -1)
    m = {"row": sd.var("m", (4,)), "column": sd.var("m", (4, 1)), "scalar": sd.var("m")}[scale]
    values = {"d": np.array([7.0, 8.0, 9.0]), "m": np.arange(1.0, 5.0).reshape(m.shape)
              if m.ndim else 1.5}
    for e in (band * m, m * band):
        s = sd.simplify(e)
        assert ops_of(s) & {"one_hot", "mul"} == {"mul"} and "diagonal_embed" in ops_of(s)
        np.testing.assert_array_equal(sd.evaluate(s, values, simplify=False),
                                      sd.evaluate(e, values, simplify=False))


Zc, zc = sd.var("Zc", (4, 10)), sd.var("zc", (10,))
Zv = rng.normal(size=(4, 10))


@pytest.mark.parametrize("wrt, loss, text", [
    (zc, lambda: -sd.log_softmax(zc, axis=0)[3], "softmax(zc, axis=0) - one_hot(3, 10)"),
    (zc, lambda: -sd.log_softmax(zc, axis=0)[-1], "softmax(zc, axis=0) - one_hot(9, 10)"),
    (Zc, lambda: -sd.sum(sd.log_softmax(Zc, axis=1)[np.arange(4), np.array([1, 2, 3, 0])]),
     "softmax(Zc, axis=1) - one_hot([1, 2, 3, 0], 10)"),
    (Zc, lambda: -sd.mean(sd.log_softmax(Zc, axis=1)[np.arange(4), [1, 2, 3, 0]]),
     "0.25 * softmax(Zc, axis=1) - 0.25 * one_hot([1, 2, 3, 0], 10)"),
], ids=["label", "last label", "batch", "batch mean"])
def test_cross_entropy_gradient_for_labels_written_as_numbers(wrt, loss, text):
    # labels given as numbers (z[3], Z[np.arange(4), [1, 2, 3, 0]]) fold to constant arrays:
    # the gradient still collapses to softmax - one_hot, and prints as the call, not as const<...>
    values = {wrt.op.var_name: Zv if wrt is Zc else Zv[0]}
    g = sd.grad(loss(), wrt)
    s = sd.simplify(g)
    assert str(s) == text
    want = sd.evaluate(g, values, simplify=False)
    got = sd.evaluate(s, values, simplify=False)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(sd.compile(s, inputs=[wrt])(*values.values()), got)
    # the text reads back as the same function
    back = sd.parse(text, shapes={wrt.op.var_name: wrt.shape})
    np.testing.assert_array_equal(sd.evaluate(back, values, simplify=False), got)
