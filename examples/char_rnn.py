"""A character-level RNN in the design of Karpathy's min-char-rnn, with its backpropagation
through time derived by symdiff instead of written by hand.

h_t = tanh(Wxh[:, x_t] + Whh h_{t-1} + bh), y_t = Why h_t + by, loss = sum_t -log softmax(y_t)[target_t]
over 25 unrolled steps. The symbolic gradient is checked against a hand-written BPTT in this
script, the model is trained with Adagrad on a text shipped beside it, and the gradient norm at
each time step shows how gradients fade as they travel back through time.
Run: python examples/char_rnn.py [--quick] [--plot]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

import symdiff as sd

HIDDEN, STEPS = 100, 25


def hand_written_bptt(xs, ts, hprev, Wxh, Whh, Why, bh, by):  # noqa: ANN001, ANN201 - mirrors the original
    """min-char-rnn's lossFun: forward through the steps, then backward through time."""
    hs, ps, loss = {-1: hprev}, {}, 0.0
    for t in range(len(xs)):
        hs[t] = np.tanh(Wxh[:, xs[t]] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        ps[t] = np.exp(y - y.max()) / np.sum(np.exp(y - y.max()))
        loss += -np.log(ps[t][ts[t]])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby, dhnext = np.zeros_like(bh), np.zeros_like(by), np.zeros_like(hprev)
    for t in reversed(range(len(xs))):
        dy = ps[t].copy()
        dy[ts[t]] -= 1  # softmax + negative log-likelihood: S - onehot
        dWhy += np.outer(dy, hs[t])
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh[:, xs[t]] += dhraw
        dWhh += np.outer(dhraw, hs[t - 1])
        dhnext = Whh.T @ dhraw
    return loss, [dWxh, dWhh, dWhy, dbh, dby], hs[len(xs) - 1]


def build(vocab: int):
    xs = sd.var("inputs", shape=(STEPS,), dtype="int64")
    ts = sd.var("targets", shape=(STEPS,), dtype="int64")
    hprev = sd.var("hprev", shape=(HIDDEN,))
    Wxh, Whh = sd.var("Wxh", shape=(HIDDEN, vocab)), sd.var("Whh", shape=(HIDDEN, HIDDEN))
    Why, bh, by = sd.var("Why", shape=(vocab, HIDDEN)), sd.var("bh", shape=(HIDDEN,)), sd.var("by", shape=(vocab,))
    params = [Wxh, Whh, Why, bh, by]
    h, loss, hs = hprev, None, []
    for t in range(STEPS):
        h = sd.tanh(Wxh[:, xs[t]] + Whh @ h + bh)
        step_loss = -sd.log_softmax(Why @ h + by)[ts[t]]
        loss = step_loss if loss is None else loss + step_loss
        hs.append(h)
    grads = sd.grad(loss, params)
    train = sd.compile([loss, *grads, h], inputs=[xs, ts, hprev, *params], name="rnn_loss_and_grad")
    per_step = sd.compile(sd.grad(loss, hs), inputs=[xs, ts, hprev, *params], name="rnn_hidden_grads")
    return train, per_step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer training iterations")
    parser.add_argument("--plot", action="store_true", help="save the loss curve and gradient norms as char_rnn.png")
    args = parser.parse_args(argv)

    text = (Path(__file__).parent / "data" / "backprop.txt").read_text()
    chars = sorted(set(text))
    index = {c: k for k, c in enumerate(chars)}
    data = np.array([index[c] for c in text], dtype=np.int64)
    vocab = len(chars)
    print(f"{len(text)} characters, {vocab} distinct; hidden size {HIDDEN}, {STEPS} steps unrolled")

    train, per_step = build(vocab)
    rng = np.random.default_rng(0)
    params = [rng.normal(0, 0.01, (HIDDEN, vocab)), rng.normal(0, 0.01, (HIDDEN, HIDDEN)),
              rng.normal(0, 0.01, (vocab, HIDDEN)), np.zeros(HIDDEN), np.zeros(vocab)]

    xs, ts, h0 = data[:STEPS], data[1:STEPS + 1], np.zeros(HIDDEN)
    loss, *grads, _ = train(xs, ts, h0, *params)
    ref_loss, ref_grads, _ = hand_written_bptt(xs, ts, h0, *params)
    gap = max(np.abs(a - b).max() / (np.abs(b).max() + 1e-300) for a, b in zip(grads, ref_grads))
    print(f"symbolic vs hand-written BPTT: loss {float(loss):.12f} vs {ref_loss:.12f}, largest relative gradient gap {gap:.1e}")
    agree = abs(float(loss) - ref_loss) < 1e-10 and gap < 1e-10

    memory = [np.zeros_like(p) for p in params]
    smooth = first = -np.log(1.0 / vocab) * STEPS
    iterations = 300 if args.quick else 3000
    curve, pos, h = [], 0, np.zeros(HIDDEN)
    for it in range(iterations + 1):
        if pos + STEPS + 1 >= len(data):
            pos, h = 0, np.zeros(HIDDEN)
        xs, ts = data[pos:pos + STEPS], data[pos + 1:pos + STEPS + 1]
        loss, *grads, h = train(xs, ts, h, *params)
        smooth = 0.99 * smooth + 0.01 * float(loss) if it else float(loss)
        curve.append(smooth)
        for p, g, m in zip(params, grads, memory):  # Adagrad with clipping, as min-char-rnn
            np.clip(g, -5, 5, out=g)
            m += g * g
            p -= 0.1 * g / np.sqrt(m + 1e-8)
        if it % (iterations // 6) == 0:
            print(f"iteration {it:5d}  smooth loss {smooth:.3f}")
        pos += STEPS

    norms = [float(np.linalg.norm(g)) for g in per_step(data[:STEPS], data[1:STEPS + 1], np.zeros(HIDDEN), *params)]
    print("gradient norm |dL/dh_t| by time step (the loss at later steps reaches h_t through fewer steps):")
    for t in range(0, STEPS, 4):
        print(f"  t = {t:2d}  {norms[t]:.4f}  " + "#" * int(40 * norms[t] / max(norms)))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3))
        left.plot(curve)
        left.set_xlabel("iteration")
        left.set_ylabel("smooth loss")
        right.bar(range(STEPS), norms)
        right.set_xlabel("time step t")
        right.set_ylabel("|dL/dh_t|")
        fig.savefig("char_rnn.png", dpi=100, bbox_inches="tight")
        print("saved char_rnn.png (loss curve and gradient norms per time step)")
    falls = curve[-1] < 0.9 * first
    print("gradients agree with hand-written BPTT:", agree, "| loss falls:", falls)
    return 0 if agree and falls else 1


if __name__ == "__main__":
    sys.exit(main())
