"""Generated code against hand-written NumPy, side by side in one run.

    python bench/bench_codegen.py [--quick] [--markdown] [--threads N] [--blas-core NAME]

MLP 784-256-256-10 softmax cross-entropy (loss + all gradients), a char-RNN (hidden 100,
vocab 65, 25 steps unrolled), an ODE right-hand side with its Jacobian (also through
sd.evaluate), svd and eigh (all their parts, against one NumPy call), the
seed's scalar f(x, y) with its gradient, time from expression to callable, and peak memory of
one MLP call. JAX, PyTorch, PyTensor and autograd get a column each when importable
(bench/frameworks.py); none of them is required. Each cell gives the time and its ratio to
hand-written NumPy; all columns of a row are timed interleaved.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

QUICK = "--quick" in sys.argv
# --threads N: every library computes on N threads (set before NumPy loads its BLAS). On a
# machine shared with other work, OpenBLAS's default spinning threads can make the NumPy
# columns several times slower than their single-threaded selves.
THREADS = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else None
if THREADS is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = THREADS
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                               + ("false" if THREADS == "1" else "true")).strip()

# --blas-core NAME: the OpenBLAS kernel family every NumPy column uses (OPENBLAS_CORETYPE, read
# when NumPy loads its BLAS). OpenBLAS builds that choose their kernels at run time can miss a
# newer CPU and fall back to older ones: on an AVX-512 machine that OpenBLAS 0.3.31 took for
# Haswell, SkylakeX kernels made its float64 matrix products about 1.6x faster.
BLAS_CORE = sys.argv[sys.argv.index("--blas-core") + 1] if "--blas-core" in sys.argv else None
if BLAS_CORE is not None:
    os.environ["OPENBLAS_CORETYPE"] = BLAS_CORE

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import symdiff as sd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import frameworks  # noqa: E402



def best(fn, number: int, repeat: int = 7) -> float:
    """Seconds per call: the minimum over repeats (the least disturbed run)."""
    return min(timeit.repeat(fn, number=number, repeat=3 if QUICK else repeat)) / number


# -- MLP ------------------------------------------------------------------------------------------


def mlp_graph(dtype: str):
    X, labels = sd.var("X", ("n", 784), dtype), sd.var("labels", ("n",), "int64")
    W1, b1 = sd.var("W1", (784, 256), dtype), sd.var("b1", (256,), dtype)
    W2, b2 = sd.var("W2", (256, 256), dtype), sd.var("b2", (256,), dtype)
    W3, b3 = sd.var("W3", (256, 10), dtype), sd.var("b3", (10,), dtype)
    h1 = sd.relu(X @ W1 + b1)
    h2 = sd.relu(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    loss = -sd.mean(sd.sum(sd.one_hot(labels, 10, dtype) * sd.log_softmax(logits), axis=1))
    ps = [W1, b1, W2, b2, W3, b3]
    return loss, ps, [X, labels, *ps]


def mlp_compile(dtype: str):
    loss, ps, inputs = mlp_graph(dtype)
    gs = sd.grad(loss, ps)
    names = ["loss"] + ["d" + p.op.var_name for p in ps]
    return sd.compile(dict(zip(names, [loss, *gs])), inputs=inputs, name="mlp_loss_and_grad")


def mlp_hand(X, labels, W1, b1, W2, b2, W3, b3):
    """Hand-written forward/backward, the usual way (cs231n style)."""
    n = X.shape[0]
    h1 = X @ W1
    h1 += b1
    np.maximum(h1, 0, out=h1)
    h2 = h1 @ W2
    h2 += b2
    np.maximum(h2, 0, out=h2)
    logits = h2 @ W3
    logits += b3
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    probs = logits
    probs /= probs.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = -np.mean(np.log(probs[rows, labels]))
    dlogits = probs
    dlogits[rows, labels] -= 1
    dlogits /= n
    dW3 = h2.T @ dlogits
    db3 = dlogits.sum(axis=0)
    dh2 = dlogits @ W3.T
    dh2[h2 <= 0] = 0
    dW2 = h1.T @ dh2
    db2 = dh2.sum(axis=0)
    dh1 = dh2 @ W2.T
    dh1[h1 <= 0] = 0
    dW1 = X.T @ dh1
    db1 = dh1.sum(axis=0)
    return loss, dW1, db1, dW2, db2, dW3, db3


def mlp_values(n: int, dtype: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    return {
        "X": rng.standard_normal((n, 784)).astype(dt), "labels": rng.integers(0, 10, n),
        "W1": (rng.standard_normal((784, 256)) * 0.05).astype(dt), "b1": np.zeros(256, dt),
        "W2": (rng.standard_normal((256, 256)) * 0.06).astype(dt), "b2": np.zeros(256, dt),
        "W3": (rng.standard_normal((256, 10)) * 0.06).astype(dt), "b3": np.zeros(10, dt),
    }


# -- char-RNN ------------------------------------------------------------------------------------

H, VOCAB, STEPS = 100, 65, 25


def rnn_graph():
    Wxh, Whh, Why = sd.var("Wxh", (H, VOCAB)), sd.var("Whh", (H, H)), sd.var("Why", (VOCAB, H))
    bh, by = sd.var("bh", (H, 1)), sd.var("by", (VOCAB, 1))
    hprev = sd.var("hprev", (H, 1))
    xs, ts = sd.var("xs", (STEPS,), "int64"), sd.var("targets", (STEPS,), "int64")
    onehot_x = sd.one_hot(xs, VOCAB)  # (STEPS, VOCAB)
    onehot_t = sd.one_hot(ts, VOCAB)
    h = hprev
    loss = None
    for t in range(STEPS):
        x = sd.reshape(onehot_x[t], (VOCAB, 1))
        h = sd.tanh(Wxh @ x + Whh @ h + bh)
        y = Why @ h + by
        logp = sd.log_softmax(y, axis=0)
        term = -sd.sum(sd.reshape(onehot_t[t], (VOCAB, 1)) * logp)
        loss = term if loss is None else loss + term
    ps = [Wxh, Whh, Why, bh, by]
    return loss, ps, [xs, ts, hprev, *ps]


def rnn_compile():
    loss, ps, inputs = rnn_graph()
    gs = sd.grad(loss, ps)
    names = ["loss"] + ["d" + p.op.var_name for p in ps]
    return sd.compile(dict(zip(names, [loss, *gs])), inputs=inputs, name="rnn_loss_and_grad")


def rnn_hand(xs, targets, hprev, Wxh, Whh, Why, bh, by):
    """min-char-rnn's lossFun, forward and backward through time."""
    hs, ps_, loss = {-1: hprev}, {}, 0.0
    x_idx = xs
    for t in range(STEPS):
        hs[t] = np.tanh(Wxh[:, x_idx[t] : x_idx[t] + 1] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by
        e = np.exp(y - y.max())
        ps_[t] = e / e.sum()
        loss += -math.log(ps_[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(STEPS)):
        dy = ps_[t].copy()
        dy[targets[t]] -= 1
        dWhy += dy @ hs[t].T
        dby += dy
        dh = Why.T @ dy + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh[:, x_idx[t]] += dhraw[:, 0]
        dWhh += dhraw @ hs[t - 1].T
        dhnext = Whh.T @ dhraw
    return loss, dWxh, dWhh, dWhy, dbh, dby


def rnn_values(seed: int = 0):
    rng = np.random.default_rng(seed)
    return {
        "xs": rng.integers(0, VOCAB, STEPS), "targets": rng.integers(0, VOCAB, STEPS),
        "hprev": np.zeros((H, 1)), "Wxh": rng.standard_normal((H, VOCAB)) * 0.01,
        "Whh": rng.standard_normal((H, H)) * 0.01, "Why": rng.standard_normal((VOCAB, H)) * 0.01,
        "bh": np.zeros((H, 1)), "by": np.zeros((VOCAB, 1)),
    }


# -- the seed's scalar function --------------------------------------------------------------------


def seed_compile():
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    dfdx, dfdy = sd.grad(f, [x, y])
    return sd.compile({"f": f, "dfdx": dfdx, "dfdy": dfdy}, inputs=[x, y], name="seed"), (x, y, f, dfdx, dfdy)


def seed_hand(x, y):
    """The seed notes' staged forward/backward, verbatim in spirit."""
    sigy = 1.0 / (1 + math.exp(-y))
    num = x + sigy
    sigx = 1.0 / (1 + math.exp(-x))
    xpy = x + y
    xpysqr = xpy**2
    den = sigx + xpysqr
    invden = 1.0 / den
    f = num * invden
    dnum = invden
    dinvden = num
    dden = (-1.0 / (den**2)) * dinvden
    dsigx = dden
    dxpysqr = dden
    dxpy = (2 * xpy) * dxpysqr
    dx = dxpy
    dy = dxpy
    dx += ((1 - sigx) * sigx) * dsigx
    dx += dnum
    dsigy = dnum
    dy += ((1 - sigy) * sigy) * dsigy
    return f, dx, dy


# -- decompositions -------------------------------------------------------------------------------


def decompositions_compile():
    """U, S, Vh of a 200x100 matrix and eigh of a 200x200 one, against one NumPy call each:
    symdiff runs one call for all the parts too."""
    a = sd.var("A", (200, 100))
    h = sd.var("H", (200, 200))
    return sd.compile(list(sd.linalg.svd(a, full_matrices=False))), sd.compile(list(sd.linalg.eigh(h)))


# -- the table -------------------------------------------------------------------------------------


def peak_bytes(fn, values) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(**values)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def timed_together(fns: dict[str, Callable[[], Any]], number: int, rounds: int = 5) -> dict[str, float]:
    """Seconds per call of each function, the rounds interleaved so background load hits all
    alike; the minimum over rounds (the least disturbed)."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(2 if QUICK else rounds):
        for k, f in fns.items():
            times[k].append(best(f, number, 3))
    return {k: min(v) for k, v in times.items()}


def first_call(fn, *args, **kwargs) -> float:
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0


# -- ODE right-hand side and its Jacobian (what an implicit integrator asks for) ----------------


def ode_graph() -> tuple[dict[str, Any], list[Any]]:
    u, p = sd.var("u", (3,)), sd.var("p", (3,))
    rhs = sd.stack([p[0] * u[0] - u[0] * u[1], u[0] * u[1] - p[1] * u[1] + sd.sin(u[2]),
                    -p[2] * u[2] + u[0] ** 2])
    return {"rhs": rhs, "J": sd.jacobian(rhs, u)}, [u, p]


def ode_hand(u: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rhs = np.array([p[0] * u[0] - u[0] * u[1], u[0] * u[1] - p[1] * u[1] + np.sin(u[2]),
                    -p[2] * u[2] + u[0] ** 2])
    J = np.array([[p[0] - u[1], -u[0], 0.0],
                  [u[1], u[0] - p[1], np.cos(u[2])],
                  [2 * u[0], 0.0, -p[2]]])
    return rhs, J


def main() -> None:
    fws = [k for k in frameworks.NAMES if frameworks.installed(k)]
    print(f"NumPy {np.__version__}; BLAS threads: {THREADS or 'default'}; OpenBLAS kernels: "
          f"{BLAS_CORE or 'chosen by OpenBLAS'}")
    header = ["case", "symdiff", "hand-written", *(frameworks.NAMES[k] for k in fws)]
    rows: list[list[str]] = []

    def cell(t: float, ref: float, unit: str, scale: float) -> str:
        return f"{t * scale:.3g} {unit} ({t / ref:.2f}x)"

    def row(what: str, t: dict[str, float], unit: str = "ms", scale: float = 1e3) -> None:
        ref = t["hand"]
        rows.append([what, cell(t["symdiff"], ref, unit, scale), f"{ref * scale:.3g} {unit}",
                     *(cell(t[k], ref, unit, scale) if k in t else "" for k in fws)])

    # compile time (expression -> callable, including differentiation and simplification)
    t0 = time.perf_counter()
    mlp64 = mlp_compile("float64")
    t_mlp = time.perf_counter() - t0
    t0 = time.perf_counter()
    rnn = rnn_compile()
    t_rnn = time.perf_counter() - t0
    t0 = time.perf_counter()
    seed_fn, seed_graph = seed_compile()
    t_seed = time.perf_counter() - t0
    mlp32 = mlp_compile("float32")
    build: dict[str, float] = {}  # framework -> seconds from expression to a callable (MLP float64)

    for dtype, fn in (("float64", mlp64), ("float32", mlp32)):
        fw_fns = {k: frameworks.MLP[k](dtype) for k in fws}
        for n in (128, 1024):
            v = mlp_values(n, dtype)
            want = mlp_hand(**v)
            tol = 1e-4 if dtype == "float32" else 1e-9
            cands: dict[str, Callable[[], Any]] = {"symdiff": lambda: fn(**v), "hand": lambda: mlp_hand(**v)}
            for k, made in fw_fns.items():
                if made is None:
                    continue
                f, seconds = made
                t_first = first_call(f, **v)
                if dtype == "float64" and n == 128:
                    build[k] = seconds + t_first
                for g, w in zip(f(**v), want):
                    np.testing.assert_allclose(g, w, rtol=tol * 10, atol=tol * 10)
                cands[k] = lambda f=f: f(**v)
            for g, w in zip(fn(**v), want):
                np.testing.assert_allclose(g, w, rtol=tol, atol=tol)
            number = 20 if n == 128 else 4
            row(f"MLP loss+grads n={n} {dtype}", timed_together(cands, number))

    rv = rnn_values()
    got, want = rnn(**rv), rnn_hand(**rv)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)
    row("char-RNN loss+grads (25 steps)",
        timed_together({"symdiff": lambda: rnn(**rv), "hand": lambda: rnn_hand(**rv)}, 20))

    svd_fn, eigh_fn = decompositions_compile()
    rng = np.random.default_rng(0)
    a, h = rng.standard_normal((200, 100)), rng.standard_normal((200, 200))
    h = h + h.T
    for g, w in zip(svd_fn(a), np.linalg.svd(a, full_matrices=False)):
        np.testing.assert_array_equal(g, w)
    row("svd U, S, Vh of 200x100", timed_together(
        {"symdiff": lambda: svd_fn(a), "hand": lambda: np.linalg.svd(a, full_matrices=False)}, 10))
    for g, w in zip(eigh_fn(h), np.linalg.eigh(h)):
        np.testing.assert_array_equal(g, w)
    row("eigh values, vectors of 200x200", timed_together(
        {"symdiff": lambda: eigh_fn(h), "hand": lambda: np.linalg.eigh(h)}, 10))

    outs, ode_inputs = ode_graph()
    ode_fn = sd.compile(outs, inputs=ode_inputs)
    ode_eval = sd.simplify(list(outs.values()))
    uv, pv = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.7, 0.3])
    for g, w in zip(ode_fn(uv, pv), ode_hand(uv, pv)):
        np.testing.assert_allclose(g, w, rtol=1e-14)
    t = timed_together({"symdiff": lambda: ode_fn(uv, pv), "hand": lambda: ode_hand(uv, pv),
                        "evaluate": lambda: sd.evaluate(ode_eval, {"u": uv, "p": pv})}, 2000)
    row("ODE rhs+Jacobian (3 states) per call", t, "us", 1e6)
    rows.append(["  sd.evaluate of the same graph", cell(t["evaluate"], t["hand"], "us", 1e6),
                 f"{t['hand'] * 1e6:.3g} us", *[""] * len(fws)])

    want = seed_hand(3.0, -4.0)
    np.testing.assert_allclose(seed_fn(3.0, -4.0), want, rtol=1e-13)
    cands = {"symdiff": lambda: seed_fn(3.0, -4.0), "hand": lambda: seed_hand(3.0, -4.0)}
    seed_build: dict[str, float] = {}
    for k in fws:
        made = frameworks.SEED[k]()
        if made is None:
            continue
        f, seconds = made
        seed_build[k] = seconds + first_call(f, 3.0, -4.0)
        np.testing.assert_allclose(f(3.0, -4.0), want, rtol=1e-12)
        cands[k] = lambda f=f: f(3.0, -4.0)
    per_call = timed_together(cands, 2000)
    fast = {k: per_call[k] for k in ("symdiff", "hand")}
    fast.update(timed_together({k: cands[k] for k in ("symdiff", "hand")}, 100000))
    per_call.update(fast)
    row("seed f(x,y)+grad per call", per_call, "us", 1e6)
    if importlib.util.find_spec("sympy") is not None:
        import sympy

        xs, ys = sympy.symbols("x y")
        sig = lambda z: 1 / (1 + sympy.exp(-z))  # noqa: E731
        fs = (xs + sig(ys)) / (sig(xs) + (xs + ys) ** 2)
        t0 = time.perf_counter()
        lam = sympy.lambdify((xs, ys), [fs, sympy.diff(fs, xs), sympy.diff(fs, ys)], "math", cse=True)
        t_sympy = time.perf_counter() - t0
        t = timed_together({"sympy": lambda: lam(3.0, -4.0), "hand": lambda: seed_hand(3.0, -4.0)}, 100000)
        rows.append(["  SymPy lambdify(cse=True) per call", cell(t["sympy"], t["hand"], "us", 1e6),
                     f"{t['hand'] * 1e6:.3g} us", *[""] * len(fws)])
        rows.append(["  SymPy expression -> callable", f"{t_sympy * 1e3:.3g} ms", "", *[""] * len(fws)])

    v = mlp_values(1024, "float64")
    pg, ph = peak_bytes(mlp64, v), peak_bytes(mlp_hand, v)
    rows.append(["peak memory, MLP n=1024 float64", f"{pg / 2**20:.2f} MiB ({pg / ph:.2f}x)",
                 f"{ph / 2**20:.2f} MiB", *[""] * len(fws)])

    def build_cell(k: str, table: dict[str, float]) -> str:
        return f"{table[k] * 1e3:.3g} ms" if k in table else ""

    rows.append(["expression -> callable, MLP", f"{t_mlp * 1e3:.3g} ms", "",
                 *(build_cell(k, build) for k in fws)])
    rows.append(["expression -> callable, char-RNN", f"{t_rnn * 1e3:.3g} ms", "", *[""] * len(fws)])
    rows.append(["expression -> callable, seed", f"{t_seed * 1e3:.3g} ms", "",
                 *(build_cell(k, seed_build) for k in fws)])

    for name in frameworks.NAMES:
        if name not in fws:
            print(f"{frameworks.NAMES[name]}: not installed, skipped")
    if "--markdown" in sys.argv:
        for r in [header, ["---"] * len(header), *rows]:
            print("| " + " | ".join(r) + " |")
        return
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


if __name__ == "__main__":
    main()
