"""Derivative graph sizes and rewrite times, side by side with SymPy (and CasADi, PyTensor, JAX
when installed).

    python bench/bench_rewrite.py [--max-depth 100000] [--budget 60]

Sizes count distinct nodes of the function and its derivatives together (shared nodes once),
as a ratio to the function's own count. Depths whose previous step took longer than the
budget are skipped and reported as such.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import time

import symdiff as sd


def chain(depth: int) -> tuple[sd.Node, sd.Node]:
    w = sd.var("w")
    z = w
    for _ in range(depth):
        z = sd.sin(z) * z + sd.exp(-z * z)
    return w, z


def bench_chain(depths: list[int], orders: int, budget: float) -> None:
    print(f"\n== chain f(u) = sin(u)*u + exp(-u*u), ratios to the function's nodes (orders 1..{orders})")
    print(f"{'depth':>8} {'f nodes':>9} " + " ".join(f"{'d' + str(k):>7}" for k in range(1, orders + 1))
          + f" {'raw d1':>7} {'t grad':>8} {'t simp':>8}")
    for depth in depths:
        w, z = chain(depth)
        n = sd.count_nodes(z)
        t0 = time.perf_counter()
        g = sd.grad(z, w)
        t1 = time.perf_counter()
        outs = sd.simplify([z, g])
        t2 = time.perf_counter()
        raw = sd.count_nodes([z, g]) / n
        ratios = [sd.count_nodes(outs) / n]
        for _ in range(orders - 1):
            if time.perf_counter() - t0 > budget:
                break
            outs = sd.simplify([*outs, sd.grad(outs[-1], w)])
            ratios.append(sd.count_nodes(outs) / n)
        cells = " ".join(f"{r:7.3f}" for r in ratios) + " " * 8 * (orders - len(ratios))
        print(f"{depth:>8} {n:>9} {cells} {raw:7.3f} {t1 - t0:8.3f} {t2 - t1:8.3f}", flush=True)
        if t2 - t0 > budget:
            print(f"  (stopping: depth {depth} took {t2 - t0:.1f} s)")
            break


def bench_product(ns: list[int], budget: float) -> None:
    print("\n== full gradient of x1*x2*...*xn: nodes beyond the function (target <= 3n)")
    print(f"{'n':>7} {'f nodes':>8} {'raw extra':>10} {'simp extra':>11} {'per n':>6} {'time':>7}")
    for n in ns:
        xs = sd.symbols([f"x{k}" for k in range(n)])
        p = xs[0]
        for t in xs[1:]:
            p = p * t
        t0 = time.perf_counter()
        g = sd.grad(p, list(xs))
        s = sd.simplify([p, *g])
        dt = time.perf_counter() - t0
        f = sd.count_nodes(p)
        raw = sd.count_nodes([p, *g]) - f
        extra = sd.count_nodes(s) - f
        print(f"{n:>7} {f:>8} {raw:>10} {extra:>11} {extra / n:6.2f} {dt:7.3f}", flush=True)
        if dt > budget:
            break


def bench_seed(orders: int) -> None:
    print("\n== seed f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x+y)**2): k-th derivative in x")
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    d = f
    prev = sd.count_nodes(f)
    print(f"{'k':>3} {'raw':>7} {'simp':>7} {'growth':>7}")
    print(f"{0:>3} {prev:>7} {prev:>7}")
    for k in range(1, orders + 1):
        raw = sd.grad(d, x)
        d = sd.simplify(raw)
        size = sd.count_nodes(d)
        print(f"{k:>3} {sd.count_nodes(raw):>7} {size:>7} {size / prev:7.2f}", flush=True)
        prev = size


def _sympy_sizes(depth: int, q: mp.Queue) -> None:
    import sympy

    w = sympy.Symbol("w")
    z = w
    for _ in range(depth):
        z = sympy.sin(z) * z + sympy.exp(-z * z)
    d = sympy.diff(z, w)
    ops_f = sympy.count_ops(z)
    ops_d = sympy.count_ops(d)
    repl, red = sympy.cse([z, d])
    ops_cse = sum(sympy.count_ops(e) for _, e in repl) + sum(sympy.count_ops(e) for e in red)
    q.put((ops_f, ops_d, ops_cse))


def bench_sympy(depths: list[int], cap: float) -> None:
    print(f"\n== SymPy on the chain (count_ops; stops after the first depth over {cap:.0f} s)")
    print(f"{'depth':>6} {'f ops':>8} {'diff ops':>9} {'ratio':>7} {'cse ops':>8} {'ratio':>7} {'time':>7}")
    for depth in depths:
        q: mp.Queue = mp.Queue()
        p = mp.Process(target=_sympy_sizes, args=(depth, q))
        t0 = time.perf_counter()
        p.start()
        p.join(cap)
        dt = time.perf_counter() - t0
        if p.is_alive():
            p.terminate()
            p.join()
            print(f"{depth:>6} {'(over ' + str(int(cap)) + ' s, skipped)':>40}")
            break
        f, d, c = q.get()
        print(f"{depth:>6} {f:>8} {d:>9} {d / f:7.2f} {c:>8} {c / f:7.2f} {dt:7.2f}", flush=True)


def others() -> None:
    for name in ("casadi", "pytensor", "jax"):
        found = importlib.util.find_spec(name) is not None
        print(f"{name}: {'installed (comparison not yet written)' if found else 'not installed, skipped'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--max-depth", type=int, default=100_000)
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per row before stopping")
    ap.add_argument("--orders", type=int, default=4)
    args = ap.parse_args()
    depths = [d for d in (10, 100, 1000, 10_000, 100_000) if d <= args.max_depth]
    bench_chain(depths, args.orders, args.budget)
    bench_product([10, 100, 1000, 10_000], args.budget)
    bench_seed(6)
    bench_sympy([1, 2, 3, 4, 5, 6, 7, 8], 5.0)
    others()


if __name__ == "__main__":
    main()
