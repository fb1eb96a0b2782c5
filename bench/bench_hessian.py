"""Hessian benchmark: the n-dimensional Rosenbrock function's Hessian, built by sd.hessian (one
batched reverse pass) and row by row (one reverse pass per row, the way a Jacobian is built
without batching), side by side with SciPy's hand-written ``rosen_hess``.

For each n it prints the simplified graph's node count, the time from expression to callable
(differentiation, simplification and code generation), the time per call of the generated
function, and SciPy's time per call, all measured in the same run.

    python bench/bench_hessian.py             # n = 10, 100, 1000
    python bench/bench_hessian.py --quick     # n = 10, 100
"""

from __future__ import annotations

import os
import sys
import time
import timeit
from collections.abc import Callable

# Run from a source checkout without installing: the package is one directory up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402

import symdiff as sd  # noqa: E402

QUICK = "--quick" in sys.argv


def rosenbrock(v: sd.Node) -> sd.Node:
    return sd.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)


def row_by_row(y: sd.Node, x: sd.Node) -> sd.Node:
    """The Hessian as n reverse passes through the gradient, one per row, stacked."""
    g = sd.grad(y, x)
    n = x.shape[0]
    rows = []
    for k in range(n):
        e = np.zeros(n)
        e[k] = 1.0
        rows.append(sd.vjp(g, x, sd.const(e)))
    return sd.stack(rows, axis=0)


def per_call(fn: Callable[[], object]) -> float:
    number = 20
    return min(timeit.repeat(fn, number=number, repeat=3 if QUICK else 7)) / number


def main() -> None:
    try:
        from scipy.optimize import rosen_hess
    except ImportError:
        rosen_hess = None
    print(f"{'n':>6} {'how':>11} {'nodes':>7} {'to callable':>12} {'per call':>10} {'SciPy':>10}")
    for n in (10, 100) if QUICK else (10, 100, 1000):
        v = sd.var("v", shape=(n,))
        x = np.random.default_rng(0).standard_normal(n)
        scipy_time = per_call(lambda: rosen_hess(x)) if rosen_hess else float("nan")
        want = rosen_hess(x) if rosen_hess else None
        for how, build in (("batched", lambda: sd.hessian(rosenbrock(v), v)),
                           ("row by row", lambda: row_by_row(rosenbrock(v), v))):
            t0 = time.perf_counter()
            H = build()
            fn = sd.compile(H, inputs=[v])
            t_build = time.perf_counter() - t0
            if want is not None:
                np.testing.assert_allclose(fn(x), want, rtol=1e-10)
            t_call = per_call(lambda: fn(x))
            print(f"{n:>6} {how:>11} {sd.count_nodes(sd.simplify(H)):>7} {t_build * 1e3:>9.1f} ms"
                  f" {t_call * 1e6:>7.1f} us {scipy_time * 1e6:>7.1f} us", flush=True)


if __name__ == "__main__":
    main()
