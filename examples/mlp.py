"""Algorithm 6.4 of the Deep Learning book: an MLP with a softmax cross-entropy loss, trained
with a loss-and-gradient function that symdiff generates, on scikit-learn's handwritten digits
(8x8 images, 10 classes).

It also shows the seed notes' result: the gradient of softmax + negative log-likelihood with
respect to the logits simplifies to S - onehot(m), divided by the batch size for a mean.
Run: python examples/mlp.py [--quick] [--plot]   (needs: pip install 'symdiff[examples]')
"""

import argparse
import sys

import numpy as np

import symdiff as sd


def progress(done: int, total: int, text: str) -> None:
    filled = int(30 * done / total)
    print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {text}", end="\n" if done == total else "", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs")
    parser.add_argument("--plot", action="store_true", help="save the loss curve as mlp_loss.png")
    args = parser.parse_args(argv)
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        print("this example needs scikit-learn: pip install 'symdiff[examples]'")
        return 2

    hidden = 64
    X = sd.var("X", shape=("n", 64))
    labels = sd.var("labels", shape=("n",), dtype="int64")
    W1, b1 = sd.var("W1", shape=(64, hidden)), sd.var("b1", shape=(hidden,))
    W2, b2 = sd.var("W2", shape=(hidden, 10)), sd.var("b2", shape=(10,))
    params = [W1, b1, W2, b2]
    logits = sd.relu(X @ W1 + b1) @ W2 + b2
    loss = -sd.mean(sd.log_softmax(logits, axis=1)[sd.arange(X.shape[0]), labels])
    train_step = sd.compile([loss, *sd.grad(loss, params)], inputs=[X, labels, *params], name="mlp_loss_and_grad")
    predict = sd.compile(logits, inputs=[X, W1, b1, W2, b2], name="mlp_logits")

    dlogits = sd.simplify(sd.grad(loss, logits))
    print("d loss / d logits =", dlogits)

    digits = load_digits()
    data = digits.data / 16.0
    rng = np.random.default_rng(0)
    order = rng.permutation(len(data))
    test, train = order[:360], order[360:]
    values = [rng.normal(0, 1 / 8, (64, hidden)), np.zeros(hidden), rng.normal(0, 1 / 8, (hidden, 10)), np.zeros(10)]
    moments = [np.zeros_like(v) for v in values]
    squares = [np.zeros_like(v) for v in values]
    epochs = 12 if args.quick else 40
    batch = 64
    losses = []
    t = 0
    for epoch in range(1, epochs + 1):
        rng.shuffle(train)
        for start in range(0, len(train), batch):
            idx = train[start:start + batch]
            value, *grads = train_step(data[idx], digits.target[idx], *values)
            losses.append(float(value))
            t += 1
            for k, g in enumerate(grads):  # Adam
                moments[k] = 0.9 * moments[k] + 0.1 * g
                squares[k] = 0.999 * squares[k] + 0.001 * g * g
                m_hat = moments[k] / (1 - 0.9**t)
                v_hat = squares[k] / (1 - 0.999**t)
                values[k] = values[k] - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
        accuracy = float(np.mean(np.argmax(predict(data[test], *values), axis=1) == digits.target[test]))
        progress(epoch, epochs, f"epoch {epoch:3d}  loss {np.mean(losses[-20:]):.4f}  test accuracy {accuracy:.1%}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3))
        ax.plot(losses)
        ax.set_xlabel("step")
        ax.set_ylabel("training loss")
        fig.savefig("mlp_loss.png", dpi=100, bbox_inches="tight")
        print("saved mlp_loss.png")
    print(f"final test accuracy: {accuracy:.1%}")
    return 0 if accuracy > 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
