"""Realistic workloads side by side with hand-written NumPy, in one run.

For each workload and size it prints the node count as built and simplified, the time to
differentiate, simplify and compile, the generated function's time per call, that of the same
derivative written by hand in NumPy, their ratio, and whether the two agree: Hessians of the
n-dimensional Rosenbrock function and of a pairwise energy, Jacobians of an ODE right-hand side
(banded, written with pad, and dense), the gradient and Hessian-vector product of a logistic
regression (10,000 x 100), a three-layer MLP of width 512, a finite-difference PDE residual,
an RNN and a scalar time stepping unrolled T times, and the value and gradient of the energy of a
1-d convolution (a signal of n samples, a kernel of m taps).

    python bench/bench_realistic.py            # the sizes of each workload up to the largest
    python bench/bench_realistic.py --quick    # the small sizes only
"""

from __future__ import annotations

import os
import sys
import time
import timeit
from typing import Any

# Run from a source checkout without installing: the package is one directory up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402

import symdiff as sd  # noqa: E402

QUICK = "--quick" in sys.argv
rng = np.random.default_rng(0)


def run(name: str, build: Any, inputs: dict[str, Any], ref: Any = None) -> None:
    t0 = time.perf_counter()
    outs, order = build()
    t1 = time.perf_counter()
    n_built = sd.count_nodes(outs)
    outs = sd.simplify(outs)
    t2 = time.perf_counter()
    n_simp = sd.count_nodes(outs)
    fn = sd.compile(outs, inputs=order)
    t3 = time.perf_counter()
    args = [inputs[v.op.var_name] for v in order]
    res = fn(*args)
    pc = min(timeit.repeat(lambda: fn(*args), number=3, repeat=3)) / 3
    line = (f"{name:30s} nodes {n_built:6d} -> {n_simp:6d}  diff {t1 - t0:6.3f}s  simplify "
            f"{t2 - t1:6.3f}s  compile {t3 - t2:6.3f}s  call {pc * 1e3:9.3f}ms")
    if ref is not None:
        r = ref(*args)
        pr = min(timeit.repeat(lambda: ref(*args), number=3, repeat=3)) / 3
        res_l = res if isinstance(res, (list, tuple)) else [res]
        r_l = r if isinstance(r, (list, tuple)) else [r]
        ok = all(np.allclose(a, b, rtol=1e-6, atol=1e-8) for a, b in zip(res_l, r_l))
        line += f"  NumPy {pr * 1e3:9.3f}ms  ratio {pc / pr:6.1f}  {'agree' if ok else 'DIFFER'}"
    print(line, flush=True)



def case_rosen(n: int) -> None:
    from scipy.optimize import rosen_hess  # noqa: PLC0415
    def b():
        v = sd.var('v', (n,))
        return sd.hessian(sd.sum(100*(v[1:]-v[:-1]**2)**2 + (1-v[:-1])**2), v), [v]
    run(f'rosen hessian n={n}', b, {'v': rng.normal(size=n)}, rosen_hess)


def case_pair(n: int) -> None:
    def E(x):
        D = x[:, None, :] - x[None, :, :]
        r2 = (D**2).sum(-1)
        return (1/(1+r2)).sum()
    def b():
        x = sd.var('x', (n, 3))
        return sd.hessian(E(x), x), [x]
    def ref(x):
        D = x[:, None, :] - x[None, :, :]
        r2 = (D**2).sum(-1); s = 1/(1+r2)
        # E = sum_ij s_ij ; d s/dD = -2 s^2 D ; Hess wrt D_ij: 8 s^3 D D^T - 2 s^2 I
        k = 8*s**3; c = -2*s**2
        Hb = k[..., None, None]*D[..., :, None]*D[..., None, :] + c[..., None, None]*np.eye(3)
        # each pair (i,j) appears twice (ij and ji), both contribute same block
        Hb = 2*Hb
        H = np.zeros((n, 3, n, 3))
        idx = np.arange(n)
        H -= Hb.transpose(0, 2, 1, 3)  # off-diagonal blocks  H[i,:,j,:] = -Hb_ij
        H[idx, :, idx, :] += Hb.sum(1)
        return H
    run(f'pair energy hessian n={n}', b, {'x': rng.normal(size=(n, 3))}, ref)


def case_pairgrad(n: int) -> None:
    def b():
        x = sd.var('x', (n, 3))
        D = x[:, None, :] - x[None, :, :]
        return sd.grad((1/(1+(D**2).sum(-1))).sum(), x), [x]
    def ref(x):
        D = x[:, None, :] - x[None, :, :]
        s = 1/(1+(D**2).sum(-1))
        return -4*((s**2)[..., None]*D).sum(1)
    run(f'pair energy grad n={n}', b, {'x': rng.normal(size=(n, 3))}, ref)


def case_odeband(n: int) -> None:
    def b():
        y = sd.var('y', (n,))
        yp = sd.pad(y, 1)
        f = yp[:-2] - 2*y + yp[2:] + y**2 * (1 - y)
        return sd.jacobian(f, y), [y]
    def ref(y):
        J = np.diag(-2 + 2*y - 3*y**2) + np.eye(n, k=1) + np.eye(n, k=-1)
        return J
    run(f'ode banded jacobian n={n}', b, {'y': rng.normal(size=n)}, ref)


def case_odedense(n: int) -> None:
    A = rng.normal(size=(n, n)) / np.sqrt(n)
    def b():
        y = sd.var('y', (n,))
        return sd.jacobian(-y + sd.tanh(A @ y), y), [y]
    def ref(y):
        return -np.eye(n) + (1 - np.tanh(A @ y)**2)[:, None] * A
    run(f'ode dense jacobian n={n}', b, {'y': rng.normal(size=n)}, ref)


def case_logreg(n: int) -> None:
    N, d = n, 100
    X = rng.normal(size=(N, d)); yl = (rng.random(N) < 0.5).astype(float)
    def b():
        w = sd.var('w', (d,)); v = sd.var('v', (d,))
        z = X @ w
        loss = sd.mean(sd.logaddexp(0, z) - yl * z)
        return [sd.grad(loss, w), sd.hvp(loss, w, v)], [w, v]
    def ref(w, v):
        z = X @ w; p = 1/(1+np.exp(-z))
        g = X.T @ (p - yl) / N
        hv = X.T @ (p*(1-p) * (X @ v)) / N
        return [g, hv]
    run(f'logreg grad+hvp N={N}', b, {'w': rng.normal(size=d)*0.1, 'v': rng.normal(size=d)}, ref)


def case_mlp(n: int) -> None:
    B = n
    def b():
        X = sd.var('X', (B, 512)); Ws = [sd.var(f'W{i}', (512, 512)) for i in range(3)]
        bs = [sd.var(f'b{i}', (512,)) for i in range(3)]
        h = X
        for W, bb in zip(Ws, bs):
            h = sd.tanh(h @ W + bb)
        loss = sd.mean(h**2)
        return sd.grad(loss, Ws + bs), [X] + Ws + bs
    def ref(X, W0, W1, W2, b0, b1, b2):
        hs = [X]
        for W, bb in ((W0, b0), (W1, b1), (W2, b2)):
            hs.append(np.tanh(hs[-1] @ W + bb))
        g = 2*hs[-1]/hs[-1].size
        gW = []; gb = []
        for k, W in zip((2, 1, 0), (W2, W1, W0)):
            gz = g*(1-hs[k+1]**2)
            gW.append(hs[k].T @ gz); gb.append(gz.sum(0)); g = gz @ W.T
        return gW[::-1] + gb[::-1]
    inp = {'X': rng.normal(size=(B, 512))}
    for i in range(3):
        inp[f'W{i}'] = rng.normal(size=(512, 512))/np.sqrt(512); inp[f'b{i}'] = rng.normal(size=512)*0.1
    run(f'mlp 3x512 grad batch={B}', b, inp, ref)


def case_pde(n: int) -> None:
    h = 1.0/n
    def b():
        u = sd.var('u', (n,)); v = sd.var('v', (n,))
        r = (u[2:] - 2*u[1:-1] + u[:-2]) / h**2 - u[1:-1]**3 + 1.0
        phi = 0.5*sd.sum(r**2)
        return [r, sd.grad(phi, u), sd.jvp(r, u, v)], [u, v]
    def ref(u, v):
        r = (u[2:] - 2*u[1:-1] + u[:-2]) / h**2 - u[1:-1]**3 + 1.0
        g = np.zeros(n); g[2:] += r/h**2; g[:-2] += r/h**2; g[1:-1] += r*(-2/h**2 - 3*u[1:-1]**2)
        jv = (v[2:] - 2*v[1:-1] + v[:-2]) / h**2 - 3*u[1:-1]**2*v[1:-1]
        return [r, g, jv]
    run(f'pde residual grad+jvp n={n}', b, {'u': rng.normal(size=n), 'v': rng.normal(size=n)}, ref)


def case_pdejac(n: int) -> None:
    h = 1.0/n
    def b():
        u = sd.var('u', (n,))
        r = (u[2:] - 2*u[1:-1] + u[:-2]) / h**2 - u[1:-1]**3 + 1.0
        return sd.jacobian(r, u), [u]
    def ref(u):
        J = np.zeros((n-2, n)); i = np.arange(n-2)
        J[i, i] = 1/h**2; J[i, i+2] = 1/h**2; J[i, i+1] = -2/h**2 - 3*u[1:-1]**2
        return J
    run(f'pde jacobian n={n}', b, {'u': rng.normal(size=n)}, ref)


def case_rnn(n: int) -> None:
    T = n; H = 32; D = 8
    xs = rng.normal(size=(T, D))
    def b():
        W = sd.var('W', (H, H)); U = sd.var('U', (H, D))
        h = sd.zeros(H)
        for t in range(T):
            h = sd.tanh(W @ h + U @ xs[t])
        return sd.grad(sd.sum(h**2), [W, U]), [W, U]
    def ref(W, U):
        hs = [np.zeros(H)]
        for t in range(T):
            hs.append(np.tanh(W @ hs[-1] + U @ xs[t]))
        g = 2*hs[-1]; gW = np.zeros_like(W); gU = np.zeros_like(U)
        for t in range(T-1, -1, -1):
            gz = g*(1-hs[t+1]**2); gW += np.outer(gz, hs[t]); gU += np.outer(gz, xs[t]); g = W.T @ gz
        return [gW, gU]
    run(f'rnn unrolled T={T}', b, {'W': rng.normal(size=(H, H))*0.3/np.sqrt(H), 'U': rng.normal(size=(H, D))*0.3}, ref)


def case_ts(n: int) -> None:
    T = n
    def b():
        k = sd.var('k'); y0 = sd.var('y0')
        y = y0
        for t in range(T):
            y = y + 0.001*(-k*y + sd.sin(y))
        return [y, *sd.grad(y, [k, y0])], [k, y0]
    run(f'scalar time stepping T={T}', b, {'k': 0.5, 'y0': 1.0})


def case_conv(nm: tuple[int, int]) -> None:
    n, m = nm
    def b():
        a = sd.var('a', (n,)); v = sd.var('v', (m,))
        y = sd.sum(sd.convolve(a, v) ** 2)
        return [y, *sd.grad(y, [a, v])], [a, v]
    def ref(a, v):
        c = np.convolve(a, v); g = 2*c
        return [c @ c, np.convolve(g, v[::-1], 'valid'), np.convolve(g, a[::-1], 'valid')]
    run(f'convolve value+grad n={n} m={m}', b, {'a': rng.normal(size=n), 'v': rng.normal(size=m)}, ref)


# The pairwise energy's Hessian stops at n = 100: the batched reverse pass carries the 3n rows
# through the n x n pair differences, an array of 9 n**3 elements (67 GB at n = 1000), where the
# Hessian itself has 9 n**2.
SIZES = {
    "rosen": (10, 100, 1000), "pair": (10, 100), "pairgrad": (10, 100, 1000),
    "odeband": (10, 100, 1000), "odedense": (10, 100, 1000), "logreg": (10_000,),
    "mlp": (64, 1024), "pde": (1000, 10_000, 100_000), "pdejac": (100, 1000),
    "rnn": (100, 1000), "ts": (100, 1000, 10_000), "conv": ((2000, 64), (100_000, 5)),
}

if __name__ == "__main__":
    for case, sizes in SIZES.items():
        for n in sizes[:2] if QUICK else sizes:
            globals()[f"case_{case}"](n)
