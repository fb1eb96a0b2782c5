"""Whole networks against hand-written NumPy backpropagation: the MLP of the README (with a
named batch dimension) and a tanh RNN unrolled over 10 steps with a softmax cross-entropy
loss per step (the design of min-char-rnn)."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd

rng = np.random.default_rng(11)


# -- MLP ----------------------------------------------------------------------------------------------


def mlp_graph(hidden: int):
    X = sd.var("X", shape=("n", 784))
    W1 = sd.var("W1", shape=(784, hidden))
    b1 = sd.var("b1", shape=(hidden,))
    W2 = sd.var("W2", shape=(hidden, 10))
    b2 = sd.var("b2", shape=(10,))
    labels = sd.var("labels", shape=("n",), dtype="int64")
    logits = sd.relu(X @ W1 + b1) @ W2 + b2
    loss = -sd.log_softmax(logits, axis=1)[sd.arange(X.shape[0]), labels].mean()
    return loss, sd.grad(loss, [W1, b1, W2, b2])


def mlp_numpy(X, W1, b1, W2, b2, labels):
    """Forward and backward by hand."""
    n = X.shape[0]
    pre = X @ W1 + b1
    h = np.maximum(pre, 0)
    logits = h @ W2 + b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(n), labels].mean()
    dlogits = np.exp(logp)
    dlogits[np.arange(n), labels] -= 1
    dlogits /= n
    gW2 = h.T @ dlogits
    gb2 = dlogits.sum(axis=0)
    dpre = (dlogits @ W2.T) * (pre > 0)
    gW1 = X.T @ dpre
    gb1 = dpre.sum(axis=0)
    return loss, [gW1, gb1, gW2, gb2]


def mlp_values(n: int, hidden: int) -> dict[str, np.ndarray]:
    return {
        "X": rng.standard_normal((n, 784)),
        "W1": rng.standard_normal((784, hidden)) * 0.05,
        "b1": rng.standard_normal(hidden) * 0.1,
        "W2": rng.standard_normal((hidden, 10)) * 0.1,
        "b2": rng.standard_normal(10) * 0.1,
        "labels": rng.integers(0, 10, n),
    }


@pytest.fixture(scope="module")
def small_mlp():
    return mlp_graph(hidden=16)


@pytest.mark.parametrize("n", [1, 5, 33])
def test_mlp_small_matches_hand_backprop_for_any_batch(small_mlp, n):
    loss, grads = small_mlp
    values = mlp_values(n, 16)
    got_loss, *got = sd.evaluate([loss, *grads], values)
    want_loss, want = mlp_numpy(**values)
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-12)
    for g, w, name in zip(got, want, ["W1", "b1", "W2", "b2"]):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-14, err_msg=name)


def test_mlp_at_full_size_batch_8():
    loss, grads = mlp_graph(hidden=256)
    assert [g.shape for g in grads] == [(784, 256), (256,), (256, 10), (10,)]
    values = mlp_values(8, 256)
    got_loss, *got = sd.evaluate([loss, *grads], values)
    want_loss, want = mlp_numpy(**values)
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-12)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-14)


def test_mlp_gradient_graph_is_compact(small_mlp):
    loss, grads = small_mlp
    assert sd.count_nodes([loss, *grads]) <= 3 * sd.count_nodes(loss) + 20


# -- RNN ----------------------------------------------------------------------------------------------

VOCAB, HIDDEN, STEPS = 7, 12, 10


def rnn_graph(embedding_by_gather: bool = False):
    Wxh = sd.var("Wxh", shape=(HIDDEN, VOCAB))
    Whh = sd.var("Whh", shape=(HIDDEN, HIDDEN))
    Why = sd.var("Why", shape=(VOCAB, HIDDEN))
    bh = sd.var("bh", shape=(HIDDEN,))
    by = sd.var("by", shape=(VOCAB,))
    h0 = sd.var("h0", shape=(HIDDEN,))
    inputs = sd.var("inputs", shape=(STEPS,), dtype="int64")
    targets = sd.var("targets", shape=(STEPS,), dtype="int64")
    h = h0
    loss = None
    for t in range(STEPS):
        if embedding_by_gather:
            xh = Wxh[:, inputs[t]]
        else:
            xh = Wxh @ sd.one_hot(inputs[t], VOCAB)
        h = sd.tanh(xh + Whh @ h + bh)
        y = Why @ h + by
        step = -sd.log_softmax(y)[targets[t]]
        loss = step if loss is None else loss + step
    params = [Wxh, Whh, Why, bh, by, h0]
    return loss, h, sd.grad(loss, params)


def rnn_numpy(Wxh, Whh, Why, bh, by, h0, inputs, targets):
    """min-char-rnn's loss function: forward over the sequence, then backward through time."""
    xs, hs, ps = {}, {-1: h0}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros(VOCAB)
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        ys = Why @ hs[t] + by
        ps[t] = np.exp(ys - ys.max()) / np.sum(np.exp(ys - ys.max()))
        loss += -np.log(ps[t][targets[t]])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(h0)
    for t in reversed(range(len(inputs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1
        dWhy += np.outer(dy, hs[t])
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.outer(dhraw, xs[t])
        dWhh += np.outer(dhraw, hs[t - 1])
        dhnext = Whh.T @ dhraw
    return loss, hs[len(inputs) - 1], [dWxh, dWhh, dWhy, dbh, dby, dhnext]


def rnn_values() -> dict[str, np.ndarray]:
    return {
        "Wxh": rng.standard_normal((HIDDEN, VOCAB)) * 0.3,
        "Whh": rng.standard_normal((HIDDEN, HIDDEN)) * 0.3,
        "Why": rng.standard_normal((VOCAB, HIDDEN)) * 0.3,
        "bh": rng.standard_normal(HIDDEN) * 0.1,
        "by": rng.standard_normal(VOCAB) * 0.1,
        "h0": rng.standard_normal(HIDDEN) * 0.5,
        "inputs": rng.integers(0, VOCAB, STEPS),
        "targets": rng.integers(0, VOCAB, STEPS),
    }


@pytest.mark.parametrize("embedding_by_gather", [False, True], ids=["one_hot", "gather"])
def test_rnn_matches_hand_backprop_through_time(embedding_by_gather):
    loss, h_last, grads = rnn_graph(embedding_by_gather)
    values = rnn_values()
    got_loss, got_h, *got = sd.evaluate([loss, h_last, *grads], values)
    want_loss, want_h, want = rnn_numpy(**values)
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-12)
    np.testing.assert_allclose(got_h, want_h, rtol=1e-12)
    for g, w, name in zip(got, want, ["Wxh", "Whh", "Why", "bh", "by", "h0"]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-13, err_msg=name)


def test_rnn_integer_inputs_carry_no_gradient():
    loss, _, _ = rnn_graph()
    inputs = next(n for n in sd.toposort(loss) if n.op.name == "var" and n.op.var_name == "inputs")
    with pytest.raises(sd.NotDifferentiableError, match="'inputs'"):
        sd.grad(loss, inputs)
