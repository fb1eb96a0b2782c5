"""Deep-chain benchmark: build, differentiate twice and evaluate z = f(f(...f(w))).

For f(u) = sin(u)*u + exp(-u*u) and depths 10 to 100,000 it prints the time to build z, its
gradient dz = dz/dw and its second derivative d2z = d(dz)/dw, the node counts of z, z+dz and
z+dz+d2z (shared nodes counted once) with their ratios to z, and the time to evaluate each as
built (``simplify=False``: the evaluator alone). Times are CPU time of this process. Then it
measures memory per node with tracemalloc and checks that every node is released when the graph
is dropped.

    python bench/bench_chain.py                    # depths 10 .. 100,000
    python bench/bench_chain.py --max-depth 10000  # stop earlier
    python bench/bench_chain.py --quick            # depths 10 .. 1,000, for a smoke run
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

# Run from a source checkout without installing: the package is one directory up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402

import symdiff as sd  # noqa: E402

W_VALUE = 0.5


def f(u: sd.Node) -> sd.Node:
    return sd.sin(u) * u + sd.exp(-u * u)


def chain(w: sd.Node, depth: int) -> sd.Node:
    z = w
    for _ in range(depth):
        z = f(z)
    return z


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    # CPU time of this process: the code is single-threaded, so on an idle machine this is the
    # wall time, and on a busy one other processes do not inflate it.
    start = time.process_time()
    result = fn()
    return result, time.process_time() - start


def reference(depth: int) -> tuple[float, float, float]:
    """z, dz/dw and d2z/dw2 by hand (forward mode with second-order terms), for a check."""
    u, du, d2u = W_VALUE, 1.0, 0.0
    for _ in range(depth):
        e = np.exp(-u * u)
        f1 = np.sin(u) + u * np.cos(u) - 2 * u * e  # f'(u)
        f2 = 2 * np.cos(u) - u * np.sin(u) + (4 * u * u - 2) * e  # f''(u)
        u, du, d2u = np.sin(u) * u + e, f1 * du, f2 * du * du + f1 * d2u
    return float(u), float(du), float(d2u)


def run_depth(depth: int) -> dict[str, Any]:
    w = sd.var("w")
    z, t_z = timed(lambda: chain(w, depth))
    dz, t_dz = timed(lambda: sd.grad(z, w))
    d2z, t_d2z = timed(lambda: sd.grad(dz, w))
    n_z = sd.count_nodes(z)
    n_dz = sd.count_nodes([z, dz])
    n_d2z = sd.count_nodes([z, dz, d2z])
    vz, e_z = timed(lambda: sd.evaluate(z, {"w": W_VALUE}, simplify=False))
    vdz, e_dz = timed(lambda: sd.evaluate(dz, {"w": W_VALUE}, simplify=False))
    vd2z, e_d2z = timed(lambda: sd.evaluate(d2z, {"w": W_VALUE}, simplify=False))
    ok = np.allclose([vz, vdz, vd2z], reference(depth), rtol=1e-9, atol=1e-12)
    return {
        "depth": depth, "t_z": t_z, "t_dz": t_dz, "t_d2z": t_d2z,
        "n_z": n_z, "n_dz": n_dz, "n_d2z": n_d2z,
        "e_z": e_z, "e_dz": e_dz, "e_d2z": e_d2z, "ok": ok,
    }


def memory_per_node(depth: int) -> tuple[int, float, int, float]:
    """Bytes allocated per node while building z, and while building z, dz and d2z."""
    chain(sd.var("w"), 10)  # compile kernels and fill the dtype caches first
    gc.collect()
    tracemalloc.start()
    w = sd.var("w")
    base = tracemalloc.get_traced_memory()[0]
    z = chain(w, depth)
    bytes_z = tracemalloc.get_traced_memory()[0] - base
    n_z = sd.count_nodes(z)
    dz = sd.grad(z, w)
    d2z = sd.grad(dz, w)
    gc.collect()
    bytes_all = tracemalloc.get_traced_memory()[0] - base
    n_all = sd.count_nodes([z, dz, d2z])
    tracemalloc.stop()
    return n_z, bytes_z / n_z, n_all, bytes_all / n_all


def release_check(depth: int) -> tuple[int, int, int]:
    """Live interned nodes before building, with the graph alive, and after dropping it."""
    gc.collect()
    before = sd.live_node_count()
    w = sd.var("w")
    z = chain(w, depth)
    dz = sd.grad(z, w)
    d2z = sd.grad(dz, w)
    during = sd.live_node_count()
    del w, z, dz, d2z
    gc.collect()
    return before, during, sd.live_node_count()


def seconds(t: float) -> str:
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.2f} s"


def chain_options(description: str, depths: tuple[int, ...], argv: list[str] | None
                  ) -> tuple[argparse.Namespace, int, list[int]]:
    """A chain benchmark's options: ``--max-depth N`` (default 100,000) or ``--quick`` (up to
    1,000), as (options, deepest depth, the depths of ``depths`` to run)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--max-depth", type=int, default=100_000, help="deepest chain to time")
    parser.add_argument("--quick", action="store_true", help="depths up to 1,000 only")
    args = parser.parse_args(argv)
    max_depth = min(args.max_depth, 1000) if args.quick else args.max_depth
    return args, max_depth, [d for d in depths if d <= max_depth]


def main(argv: list[str] | None = None) -> int:
    args, max_depth, depths = chain_options(
        __doc__.splitlines()[0], (10, 100, 1_000, 10_000, 100_000), argv)

    print(f"f(u) = sin(u)*u + exp(-u*u), z = f(f(...f(w))), evaluated at w = {W_VALUE}")
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cores"
    )
    print()
    header = (
        "| depth | build z | grad dz | 2nd d2z | nodes z | z+dz (ratio) | z+dz+d2z (ratio) "
        "| eval z | eval dz | eval d2z |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    all_ok = True
    rows = []
    for depth in depths:
        r = run_depth(depth)
        rows.append(r)
        all_ok &= r["ok"]
        print(
            f"| {depth:,} | {seconds(r['t_z'])} | {seconds(r['t_dz'])} | {seconds(r['t_d2z'])} "
            f"| {r['n_z']:,} | {r['n_dz']:,} ({r['n_dz'] / r['n_z']:.2f}x) "
            f"| {r['n_d2z']:,} ({r['n_d2z'] / r['n_z']:.2f}x) "
            f"| {seconds(r['e_z'])} | {seconds(r['e_dz'])} | {seconds(r['e_d2z'])} |"
            + ("" if r["ok"] else "  <- values differ from the hand-written reference"),
            flush=True,
        )
        gc.collect()
    print()
    # Linear time means a constant cost per node; a per-node cost growing with depth would not be.
    print("| depth | µs per node built: z | dz | d2z | µs per node evaluated: z | dz | d2z |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        new_dz, new_d2z = r["n_dz"] - r["n_z"], r["n_d2z"] - r["n_dz"]
        print(
            f"| {r['depth']:,} | {r['t_z'] / r['n_z'] * 1e6:.1f} | {r['t_dz'] / new_dz * 1e6:.1f} "
            f"| {r['t_d2z'] / new_d2z * 1e6:.1f} | {r['e_z'] / r['n_z'] * 1e6:.1f} "
            f"| {r['e_dz'] / r['n_dz'] * 1e6:.1f} | {r['e_d2z'] / r['n_d2z'] * 1e6:.1f} |"
        )
    print()

    mem_depth = min(max_depth, 10_000)
    n_z, per_z, n_all, per_all = memory_per_node(mem_depth)
    print(f"memory (tracemalloc, depth {mem_depth:,}):")
    print(f"  z alone:        {n_z:,} nodes, {per_z:.0f} bytes per node")
    print(f"  z + dz + d2z:   {n_all:,} nodes, {per_all:.0f} bytes per node")
    before, during, after = release_check(mem_depth)
    released = after == before
    print(
        f"live interned nodes: {before:,} before, {during:,} with the graph, {after:,} after "
        f"dropping it ({'all released' if released else 'NOT released'})"
    )
    return 0 if all_ok and released else 1


if __name__ == "__main__":
    sys.exit(main())
