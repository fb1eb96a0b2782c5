"""Derivative graph sizes and rewrite times, side by side with SymPy (and CasADi, PyTensor, JAX
when installed).

    python bench/bench_rewrite.py [--max-depth 100000] [--budget 60]

Sizes count distinct nodes of the function and its derivatives together (shared nodes once),
as a ratio to the function's own count. Depths whose previous step took longer than the
budget are skipped and reported as such.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import multiprocessing as mp
import os
import sys
import time
from typing import Any

# Run from a source checkout without installing: the package is one directory up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import symdiff as sd  # noqa: E402


def chain(depth: int) -> tuple[sd.Node, sd.Node]:
    w = sd.var("w")
    z = w
    for _ in range(depth):
        z = sd.sin(z) * z + sd.exp(-z * z)
    return w, z


def bench_chain(depths: list[int], orders: int, budget: float) -> None:
    print(f"\n== chain f(u) = sin(u)*u + exp(-u*u), ratios to the function's nodes (orders 1..{orders})")
    print("   (d1..d4: function and derivatives together, shared nodes once, over the function;"
          " targets d1 <= 2.3, d2 <= 6.5;\n    t grad, t simp: the first derivative (t rev: grad's"
          " reverse sweep alone, mode='reverse'); t again: simplifying the result again;\n    t higher: differentiating and simplifying orders 2..4)")
    print(f"{'depth':>8} {'f nodes':>9} " + " ".join(f"{'d' + str(k):>7}" for k in range(1, orders + 1))
          + f" {'raw d1':>7} {'t rev':>8} {'t grad':>8} {'t simp':>8} {'t again':>8} {'t higher':>8}")
    for depth in depths:
        w, z = chain(depth)
        n = sd.count_nodes(z)
        t0 = time.perf_counter()
        alone = sd.grad(z, w, mode="reverse")
        t_rev = time.perf_counter() - t0
        del alone
        t0 = time.perf_counter()
        g = sd.grad(z, w)
        t1 = time.perf_counter()
        outs = sd.simplify([z, g])
        t_simp = time.perf_counter() - t1
        raw = sd.count_nodes([z, g]) / n
        ratios = [sd.count_nodes(outs) / n]
        t_again = time.perf_counter()
        sd.simplify(outs)
        t_again = time.perf_counter() - t_again
        t2 = time.perf_counter()
        for _ in range(orders - 1):
            if time.perf_counter() - t0 > budget:
                break
            outs = sd.simplify([*outs, sd.grad(outs[-1], w)])
            ratios.append(sd.count_nodes(outs) / n)
        t3 = time.perf_counter()
        cells = " ".join(f"{r:7.3f}" for r in ratios) + " " * 8 * (orders - len(ratios))
        print(f"{depth:>8} {n:>9} {cells} {raw:7.3f} {t_rev:8.3f} {t1 - t0:8.3f} {t_simp:8.3f}"
              f" {t_again:8.3f} {t3 - t2:8.2f}", flush=True)
        if t1 - t0 + t_simp > budget:
            print(f"  (stopping: depth {depth} took {t1 - t0 + t_simp:.1f} s)")
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
    print("\n== seed f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x+y)**2): k-th derivative in x"
          " (target: growth <= 2x per order)")
    print("   (nested: sd.grad applied k times, each simplified, raw: its last step before"
          " simplifying; once: sd.grad applied k times, simplified once at the end; taylor:"
          " sd.derivative(f, x, k), Taylor mode, simplified)")
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    d = plain = f
    first = prev = prev_o = prev_t = sd.count_nodes(f)
    print(f"{'k':>3} {'raw':>7} {'nested':>7} {'growth':>7} {'time':>7} {'once':>7} {'growth':>7}"
          f" {'time':>7} {'taylor':>7} {'growth':>7} {'time':>7}")
    print(f"{0:>3} {prev:>7} {prev:>7} {'':>7} {'':>7} {prev:>7} {'':>7} {'':>7} {prev:>7}")
    growth: list[float] = []
    growth_o: list[float] = []
    growth_t: list[float] = []
    for k in range(1, orders + 1):
        t0 = time.perf_counter()
        raw = sd.grad(d, x)
        d = sd.simplify(raw)
        dt = time.perf_counter() - t0
        t0 = time.perf_counter()
        plain = sd.grad(plain, x)  # (the k-1 earlier steps were timed in earlier rows)
        once = sd.simplify(plain)
        dt_o = time.perf_counter() - t0
        t0 = time.perf_counter()
        dk = sd.simplify(sd.derivative(f, x, k))
        dt_t = time.perf_counter() - t0
        size, size_o, size_t = sd.count_nodes(d), sd.count_nodes(once), sd.count_nodes(dk)
        growth.append(size / prev)
        growth_o.append(size_o / prev_o)
        growth_t.append(size_t / prev_t)
        print(f"{k:>3} {sd.count_nodes(raw):>7} {size:>7} {size / prev:7.2f} {dt:7.3f}"
              f" {size_o:>7} {size_o / prev_o:7.2f} {dt_o:7.3f}"
              f" {size_t:>7} {size_t / prev_t:7.2f} {dt_t:7.3f}", flush=True)
        prev, prev_o, prev_t = size, size_o, size_t
    for label, g, last in (("nested", growth, prev), ("once", growth_o, prev_o),
                           ("taylor", growth_t, prev_t)):
        mean = (last / first) ** (1 / orders)
        print(f"  {label}: growth per order largest {max(g):.2f}, geometric mean {mean:.2f}")


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


def _casadi_sizes(depth: int, q: mp.Queue) -> None:
    import casadi as ca

    w = ca.SX.sym("w")
    z = w
    for _ in range(depth):
        z = ca.sin(z) * z + ca.exp(-z * z)
    t0 = time.perf_counter()
    g = ca.gradient(z, w)
    h = ca.gradient(g, w)
    sizes = [ca.Function("f", [w], outs).n_instructions() for outs in ([z], [z, g], [z, g, h])]
    q.put((*sizes, time.perf_counter() - t0))


def _pytensor_sizes(depth: int, q: mp.Queue) -> None:
    import pytensor
    import pytensor.tensor as pt
    from pytensor.compile.mode import Mode
    from pytensor.graph.traversal import applys_between

    w = pt.dscalar("w")
    z = w
    for _ in range(depth):
        z = pt.sin(z) * z + pt.exp(-z * z)
    t0 = time.perf_counter()
    g = pytensor.grad(z, w)
    h = pytensor.grad(g, w)
    raw = [len(set(applys_between([w], outs))) for outs in ([z], [z, g], [z, g, h])]
    # The Python linker (no C compilation to wait for) and no fusion, so that the rewritten
    # graph counts scalar operations rather than one fused loop.
    mode = Mode(linker="py", optimizer="fast_run").excluding("fusion")
    fns = [pytensor.function([w], outs, mode=mode) for outs in ([z], [z, g], [z, g, h])]
    rewritten = [len(fn.maker.fgraph.apply_nodes) for fn in fns]
    q.put((*raw, *rewritten, time.perf_counter() - t0))


def _jax_sizes(depth: int, q: mp.Queue) -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def f(w: Any) -> Any:
        z = w
        for _ in range(depth):
            z = jnp.sin(z) * z + jnp.exp(-z * z)
        return z

    t0 = time.perf_counter()
    # value_and_grad traces f once for both; the second derivative's trace holds f and f' too.
    sizes = [len(jax.make_jaxpr(fn)(0.5).eqns) for fn in (
        f, jax.value_and_grad(f), jax.value_and_grad(jax.grad(f)))]
    q.put((*sizes, time.perf_counter() - t0))


def _run_capped(target: Any, depth: int, cap: float) -> tuple[Any, float] | None:
    q: mp.Queue = mp.Queue()
    p = mp.Process(target=target, args=(depth, q))
    t0 = time.perf_counter()
    p.start()
    p.join(cap)
    if p.is_alive():
        p.terminate()
        p.join()
        return None
    if p.exitcode != 0:
        return None
    return q.get(), time.perf_counter() - t0


def others(depths: list[int], cap: float) -> None:
    """CasADi's instruction counts, PyTensor's graphs (raw and rewritten) and JAX's jaxprs for
    the same chain, when those libraries are installed (each depth in a process of its own,
    stopped after ``cap`` seconds)."""
    systems = [
        ("casadi", _casadi_sizes, "instructions: f, f+d1, f+d1+d2"),
        ("pytensor", _pytensor_sizes, "apply nodes raw f, f+d1, f+d1+d2, then after its rewrites"),
        ("jax", _jax_sizes, "jaxpr equations: f, value_and_grad f, value_and_grad f'"),
    ]
    for name, target, what in systems:
        if importlib.util.find_spec(name) is None:
            print(f"\n== {name}: not installed, skipped")
            continue
        version = getattr(importlib.import_module(name), "__version__", "?")
        print(f"\n== {name} {version} on the chain ({what}; ratios to f; over {cap:.0f} s stops)")
        for depth in depths:
            got = _run_capped(target, depth, cap)
            if got is None:
                print(f"{depth:>7}  (over {cap:.0f} s or failed, stopping)")
                break
            sizes, dt = got
            *counts, t_inner = sizes
            groups = [counts[i:i + 3] for i in range(0, len(counts), 3)]
            cells = "   ".join(
                f"{g[0]:>7} {g[1] / g[0]:6.2f}x {g[2] / g[0]:6.2f}x" for g in groups)
            print(f"{depth:>7}  {cells}   differentiate+build {t_inner:7.2f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--max-depth", type=int, default=100_000)
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per row before stopping")
    ap.add_argument("--orders", type=int, default=4)
    ap.add_argument("--other-cap", type=float, default=60.0,
                    help="seconds per depth for CasADi, PyTensor and JAX")
    args = ap.parse_args()
    depths = [d for d in (10, 100, 1000, 10_000, 100_000) if d <= args.max_depth]
    bench_chain(depths, args.orders, args.budget)
    bench_product([10, 100, 1000, 10_000], args.budget)
    bench_seed(6)
    bench_sympy([1, 2, 3, 4, 5, 6, 7, 8], 5.0)
    others([d for d in (10, 100, 1000, 10_000) if d <= args.max_depth], args.other_cap)


if __name__ == "__main__":
    main()
