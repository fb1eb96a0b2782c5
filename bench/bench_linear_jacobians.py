"""Jacobians of linear maps by their matrix, as built and simplified.

For W of shape (m, n) and m, n = 30, 300 it prints, per Jacobian (W @ x, u @ W, W @ X, Y @ W,
sum(W * x, axis=1), W @ x + b, all by W), the node count as built and simplified, and the time
to evaluate the simplified graph (``sd.evaluate(..., simplify=False)``) and its compiled
function, and the compiled function followed by one read of every element of its result
(np.sum): the zeros of a large new array are mapped by the operating system only when first
touched, so a result written sparsely into zeros costs part of its time at that first read.
Best of several runs, in milliseconds. Run it on two checkouts to compare rules.

    python bench/bench_linear_jacobians.py
"""

from __future__ import annotations

import os
import sys
import timeit

# Run from a source checkout without installing: the package is one directory up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np

import symdiff as sd


def best(fn, repeat: int = 7) -> float:
    number = max(1, int(0.2 / max(timeit.timeit(fn, number=1), 1e-6)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e3


def main() -> None:
    m, n, p = 30, 300, 4
    W, x, u = sd.var("W", (m, n)), sd.var("x", (n,)), sd.var("u", (m,))
    X, Y, b = sd.var("X", (n, p)), sd.var("Y", (p, m)), sd.var("b", (m,))
    rng = np.random.default_rng(0)
    cases = {"W @ x": W @ x, "u @ W": u @ W, "W @ X": W @ X, "Y @ W": Y @ W,
             "sum(W * x, axis=1)": sd.sum(W * x, axis=1), "W @ x + b": W @ x + b}
    print(f"m, n = {m}, {n}; X ({n}, {p}), Y ({p}, {m})")
    print(f"{'Jacobian by W of':22} {'nodes built':>11} {'simplified':>10} {'evaluate ms':>12} "
          f"{'compiled ms':>12} {'+ read ms':>10}")
    for name, f in cases.items():
        j = sd.jacobian(f, W)
        s = sd.simplify(j)
        inputs = [v for v in sd.toposort(f) if type(v.op).__name__ == "Var"]
        values = {v.op.var_name: rng.normal(size=v.shape) for v in inputs}
        fn = sd.compile(s, inputs=inputs)
        args = [values[v.op.var_name] for v in inputs]
        t_eval = best(lambda s=s, values=values: sd.evaluate(s, values, simplify=False))
        t_fn = best(lambda fn=fn, args=args: fn(*args))
        t_read = best(lambda fn=fn, args=args: np.sum(fn(*args)))
        print(f"{name:22} {sd.count_nodes(j):>11} {sd.count_nodes(s):>10} {t_eval:>12.3f} "
              f"{t_fn:>12.3f} {t_read:>10.3f}")


if __name__ == "__main__":
    main()
