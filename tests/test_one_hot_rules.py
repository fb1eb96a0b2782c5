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
