"""Stiff ODEs with generated Jacobians: SciPy's implicit solvers (BDF, Radau) fed the Jacobian
symdiff builds from a right-hand side written once in plain NumPy, against SciPy's own
finite-difference Jacobian.

Two problems: Robertson's chemical kinetics (three species, rate constants from 0.04 to 3e7,
integrated on a log grid), and the 1-D Brusselator, a reaction-diffusion system of N grid
points written with np.pad, its unknowns interleaved (u1, v1, u2, v2, ...) so that its
Jacobian is banded. The Brusselator's Jacobian is generated twice: dense (sd.jacobian), and
as five Jacobian-vector products (sd.jvp) along column groups no two of which share a row,
assembled into a sparse matrix, work in proportion to N rather than N squared.

Checked: each generated Jacobian equals a central finite-difference one at states along the
solution and symdiff's evaluator bit for bit; with it, the solver calls the right-hand side
only to step (SciPy's nfev leaves out the calls its finite differences make, so the calls are
counted here); every solution agrees with a tight-tolerance reference (Radau, rtol 1e-10)
within 100 times the tolerance asked (the solvers control the error of each step, not the
error accumulated over the steps; BDF's stays below 25 times, Radau's below once). Wall
times are printed, not claimed: they vary with the machine and its BLAS threads, and at
N = 200 each LU factorization the solver makes of a dense Jacobian is of a 400 x 400 matrix,
of a banded one a sparse factorization.
Run: python examples/stiff_ode.py [--quick]
"""

import argparse
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.sparse import csc_matrix

import symdiff as sd


def robertson(t, y):
    """Plain NumPy: for arrays and for symdiff expressions alike."""
    y1, y2, y3 = y[0], y[1], y[2]
    return np.stack([
        -0.04 * y1 + 1e4 * y2 * y3,
        0.04 * y1 - 1e4 * y2 * y3 - 3e7 * y2**2,
        3e7 * y2**2,
    ])


def brusselator(t, y, a=1.0, b=3.0, alpha=0.02):
    """u' = a + u^2 v - (b + 1) u + alpha u_xx, v' = b u - u^2 v + alpha v_xx on (0, 1), u = 1
    and v = 3 at both ends, y = (u1, v1, u2, v2, ...) on N inner points."""
    u, v = y[0::2], y[1::2]
    n = u.shape[0]
    dx2 = (1.0 / (n + 1)) ** 2
    up, vp = np.pad(u, 1, constant_values=1.0), np.pad(v, 1, constant_values=3.0)
    uxx = (up[2:] - 2 * u + up[:-2]) / dx2
    vxx = (vp[2:] - 2 * v + vp[:-2]) / dx2
    du = a + u**2 * v - (b + 1) * u + alpha * uxx
    dv = b * u - u**2 * v + alpha * vxx
    return np.stack([du, dv], axis=1).reshape(-1)


class Counted:
    """The right-hand side, counting every call (SciPy's finite differences call it too)."""

    def __init__(self, rhs):
        self.rhs, self.calls = rhs, 0

    def __call__(self, t, y):
        self.calls += 1
        return self.rhs(t, y)


def central_differences(rhs, y, rel=1e-5):
    """The Jacobian by central differences, a column per unknown."""
    cols = []
    for j in range(y.size):
        h = rel * max(abs(y[j]), 1e-3)
        e = np.zeros_like(y)
        e[j] = h
        cols.append((rhs(0.0, y + e) - rhs(0.0, y - e)) / (2 * h))
    return np.stack(cols, axis=1)


def banded(rhs, n, width):
    """A function giving the Jacobian of rhs (n unknowns, nonzero only within `width` of the
    diagonal) as a sparse matrix, from 2 * width + 1 generated Jacobian-vector products: seed k
    moves the unknowns j = k mod (2 * width + 1), whose columns share no row."""
    groups = 2 * width + 1
    y = sd.var("y", (n,))
    f = rhs(0.0, y)
    seeds = [(np.arange(n) % groups == k).astype(float) for k in range(groups)]
    products = sd.compile([sd.jvp(f, y, s) for s in seeds], inputs=[y],
                          name=f"{rhs.__name__}_jvps")
    rows, cols = [], []
    for d in range(-width, width + 1):
        j = np.arange(max(0, -d), min(n, n - d))
        rows.append(j + d)
        cols.append(j)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    which = cols % groups

    def jac(t, state):
        compressed = np.stack(products(state), axis=1)  # (n, groups): column k is J @ seed k
        return csc_matrix((compressed[rows, which], (rows, cols)), shape=(n, n))

    return jac


def tolerance_units(y, ref, rtol, atol):
    """The largest error against the reference, in units of the tolerance asked."""
    atol = np.reshape(atol, (-1, 1))  # per component (rows), or one for all
    return float(np.max(np.abs(y - ref) / (atol + rtol * np.abs(ref))))


def run(label, rhs, t_span, y0, t_eval, method, rtol, atol, reference, **jac):
    counted = Counted(rhs)
    start = time.perf_counter()
    sol = solve_ivp(counted, t_span, y0, method=method, t_eval=t_eval, rtol=rtol, atol=atol, **jac)
    wall = time.perf_counter() - start
    units = tolerance_units(sol.y, reference, rtol, atol) if sol.success else np.inf
    print(f"  {method:5s} {label:28s} {counted.calls:9d} {sol.nfev:6d} {sol.njev:5d} "
          f"{sol.nlu:5d} {1e3 * wall:9.1f} {units:8.2f}")
    return counted.calls, sol.nfev, units


HEADER = (f"  {'':5s} {'Jacobian':28s} {'rhs calls':>9s} {'nfev':>6s} {'njev':>5s} {'nlu':>5s} "
          f"{'wall ms':>9s} {'error':>8s}")
ERROR_NOTE = "  (error: the largest |y - reference| / (atol + rtol |reference|) on the output grid)"


def check_jacobian(name, rhs, jac, graph, y, states):
    """The generated Jacobian against central differences and against symdiff's evaluator."""
    worst, same = 0.0, True
    for state in states:
        J = jac(state)
        fd = central_differences(rhs, state)
        scale = np.abs(J).max()
        worst = max(worst, float(np.max(np.abs(J - fd) / (np.abs(J) + 1e-9 * scale))))
        same &= np.array_equal(J, sd.evaluate(graph, {y: state}, simplify=True))
    print(f"{name}: generated Jacobian against central differences at {len(states)} states: "
          f"largest relative difference {worst:.1e}")
    return worst < 1e-6, bool(same)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter time span and fewer grid points")
    args = parser.parse_args(argv)
    ok = True
    rtol = 1e-6

    # Robertson: the Jacobian's graph, traced from the NumPy function, and its generated code
    y = sd.var("y", (3,))
    J_rob = sd.jacobian(robertson(0.0, y), y)
    rob_jac = sd.compile(J_rob, inputs=[y], name="robertson_jac")
    lines = rob_jac.source.splitlines()
    start = lines.index("def robertson_jac(y):")
    body = next(k for k in range(start, len(lines)) if "_array(y" in lines[k]) + 1
    print("Robertson's Jacobian, generated (its constants, and robertson_jac without its docstring "
          "and argument check):")
    print("\n".join([line for line in lines if line.startswith("_C")] + [lines[start]]
                    + [line for line in lines[body:] if line.strip()]))

    t_end = 1e5 if args.quick else 4e10
    t_eval = np.logspace(-5, np.log10(t_end), 30)
    t_eval[-1] = t_end  # (not t_end's logarithm, rounded, raised again)
    y0 = np.array([1.0, 0.0, 0.0])
    atol = np.array([1e-8, 1e-12, 1e-8])
    ref = solve_ivp(robertson, (0, t_end), y0, method="Radau", t_eval=t_eval, rtol=1e-10,
                    atol=atol * 1e-4, jac=lambda t, s: rob_jac(s))
    states = [ref.y[:, k] for k in (5, 15, 29)]
    close, same = check_jacobian("Robertson", robertson, rob_jac, J_rob, y, states)
    print("Robertson's generated Jacobian equals central differences (rtol 1e-6):", close)
    print("Robertson's generated Jacobian equals the evaluator's bit for bit:", same)
    ok &= close and same

    print(f"Robertson to t = {t_end:g}, rtol {rtol:g}, atol {atol.tolist()}:")
    print(HEADER)
    fewer, agree = True, True
    for method in ("BDF", "Radau"):
        fd_calls, _, fd_err = run("SciPy's finite differences", robertson, (0, t_end), y0, t_eval,
                                  method, rtol, atol, ref.y)
        gen_calls, gen_nfev, gen_err = run("generated (sd.compile)", robertson, (0, t_end), y0,
                                           t_eval, method, rtol, atol, ref.y,
                                           jac=lambda t, s: rob_jac(s))
        fewer &= gen_calls == gen_nfev and gen_calls < fd_calls
        agree &= max(fd_err, gen_err) < 100
    print(ERROR_NOTE)
    print("with the generated Jacobian the solver calls Robertson's rhs only to step, "
          "fewer times than with finite differences:", fewer)
    print("Robertson's solutions agree with the reference within 100x the tolerance asked:", agree)
    ok &= fewer and agree

    # the Brusselator: a dense generated Jacobian, and a banded one from five jvps
    n_grid = 20 if args.quick else 200
    n = 2 * n_grid
    yb = sd.var("y", (n,))
    J_bru = sd.jacobian(brusselator(0.0, yb), yb)
    bru_jac = sd.compile(J_bru, inputs=[yb], name="brusselator_jac")
    bru_band = banded(brusselator, n, 2)
    x = np.arange(1, n_grid + 1) / (n_grid + 1)
    y0 = np.stack([1 + np.sin(2 * np.pi * x), np.full(n_grid, 3.0)], axis=1).reshape(-1)
    t_end = 10.0
    t_eval = np.linspace(0, t_end, 11)
    atol = 1e-6
    ref = solve_ivp(brusselator, (0, t_end), y0, method="Radau", t_eval=t_eval, rtol=1e-10,
                    atol=1e-10, jac=bru_band)
    states = [ref.y[:, k] for k in (0, 3, 10)]
    close, same = check_jacobian(f"Brusselator, N = {n_grid}", brusselator, bru_jac, J_bru, yb, states)
    band = all(np.array_equal(bru_band(0.0, s).toarray(), bru_jac(s)) for s in states)
    rows, cols = np.nonzero(bru_jac(states[1]))
    width = int(np.abs(rows - cols).max())
    print(f"the Jacobian is banded: nonzero only within {width} of the diagonal")
    print("the Brusselator's generated Jacobian equals central differences (rtol 1e-6):", close)
    print("the Brusselator's generated Jacobian equals the evaluator's bit for bit:", same)
    print("the banded Jacobian from five jvps equals the dense one bit for bit:", band)
    ok &= close and same and band and width == 2

    print(f"the Brusselator, N = {n_grid} ({n} unknowns), to t = {t_end:g}, rtol {rtol:g}, "
          f"atol {atol:g}:")
    print(HEADER)
    sparsity = csc_matrix(np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= width)
    fewer, agree = True, True
    for method in ("BDF", "Radau"):
        fd_calls, _, fd_err = run("SciPy's finite differences", brusselator, (0, t_end), y0,
                                  t_eval, method, rtol, atol, ref.y)
        sp_calls, _, sp_err = run("finite differences, banded", brusselator, (0, t_end), y0,
                                  t_eval, method, rtol, atol, ref.y, jac_sparsity=sparsity)
        gen_calls, gen_nfev, gen_err = run("generated, dense", brusselator, (0, t_end), y0, t_eval,
                                           method, rtol, atol, ref.y,
                                           jac=lambda t, s: bru_jac(s))
        band_calls, band_nfev, band_err = run("generated, banded (5 jvps)", brusselator, (0, t_end),
                                              y0, t_eval, method, rtol, atol, ref.y, jac=bru_band)
        fewer &= gen_calls == gen_nfev and band_calls == band_nfev
        fewer &= max(gen_calls, band_calls) < min(fd_calls, sp_calls)
        agree &= max(fd_err, sp_err, gen_err, band_err) < 100
    print(ERROR_NOTE)
    print("with the generated Jacobians the solver calls the Brusselator's rhs only to step, "
          "fewer times than with finite differences:", fewer)
    print("the Brusselator's solutions agree with the reference within 100x the tolerance asked:", agree)
    ok &= fewer and agree
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
