"""Memory benchmark: bytes per node of a wide graph, and what stays alive after many graphs.

A wide graph sums every product x[i] * x[j] (i < j) of a vector's entries as a balanced tree,
so almost all of its nodes are binary ops over distinct inputs; it is differentiated,
evaluated, compiled, simplified and compiled again, each result checked. Then many small independent
graphs are built, differentiated, evaluated and dropped: the number of live interned nodes must
come back to where it started, and the library's internal tables must stay bounded.

    python bench/bench_memory.py            # a wide graph of about 1,000,000 nodes
    python bench/bench_memory.py --quick    # about 100,000 nodes
    python bench/bench_memory.py --no-passes  # only build and evaluate
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402

import symdiff as sd  # noqa: E402
from symdiff import ir  # noqa: E402

BUDGET = 1024  # bytes per node: the documented limit


def wide_graph(k: int) -> sd.Node:
    """Every product x[i] * x[j] (i < j) of the entries of a k-vector ``x``, summed as a balanced
    tree: about k*k nodes (tests/test_scale.py runs every pass over a 100,000-node one)."""
    x = sd.var("x", shape=(k,))
    items = [x[i] for i in range(k)]
    terms = [items[i] * items[j] for i in range(k) for j in range(i + 1, k)]
    while len(terms) > 1:
        pairs = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        terms = pairs + terms[len(pairs) * 2 :]
    return terms[0]


def many_graphs(count: int) -> None:
    for k in range(count):
        x, y = sd.symbols(f"x{k} y{k}")
        f = sd.exp(x * y + 0.001 * k) / (1 + sd.sin(x) ** 2)
        dfdx, dfdy = sd.grad(f, [x, y])
        d2 = sd.grad(dfdx, y)
        sd.evaluate([f, dfdx, dfdy, d2], {f"x{k}": 0.5, f"y{k}": -1.0})


def passes(total: sd.Node, xv: np.ndarray) -> None:
    """The wide graph through the other passes: gradient, evaluation of both, code generation
    (as built, then simplified), each checked against the closed form."""
    x = next(n for n in sd.toposort(total) if n.op.name == "var")
    timed: list[tuple[str, float]] = []

    def clock(label: str, fn: Any) -> Any:
        start = time.process_time()
        out = fn()
        timed.append((label, time.process_time() - start))
        return out

    g = clock("gradient", lambda: sd.grad(total, x))
    values = clock("evaluate f and gradient", lambda: sd.evaluate([total, g], {"x": xv}))
    np.testing.assert_allclose(values[1], xv.sum() - xv, rtol=1e-9, atol=1e-9)
    fn = clock("compile as built", lambda: sd.compile([total, g], inputs=[x], simplify=False))
    got = clock("run compiled", lambda: fn(xv))
    assert got[0].tobytes() == values[0].tobytes()
    del fn, got
    simple = clock("simplify", lambda: sd.simplify([total, g]))
    fn = clock("compile simplified", lambda: sd.compile(simple, inputs=[x], simplify=False))
    np.testing.assert_allclose(fn(xv)[1], xv.sum() - xv, rtol=1e-9, atol=1e-9)
    print(f"wide graph + gradient: {sd.count_nodes([total, g]):,} nodes, "
          f"{sd.count_nodes(simple):,} simplified")
    for label, seconds in timed:
        print(f"  {label:<24} {seconds:8.2f} s (CPU)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a graph of about 100,000 nodes")
    parser.add_argument("--no-passes", action="store_true",
                        help="only build and evaluate (no gradient, simplify, compile)")
    args = parser.parse_args(argv)
    k = 316 if args.quick else 1000

    wide_graph(4)  # compile kernels and fill the dtype caches first
    gc.collect()
    # tracemalloc slows allocation down several times, so memory and time come from two builds
    tracemalloc.start()
    small = wide_graph(316)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    n_small = sd.count_nodes(small)
    per_node = size / n_small
    del small
    gc.collect()
    start = time.process_time()
    total = wide_graph(k)
    built = time.process_time() - start
    n = sd.count_nodes(total)
    xv = np.random.default_rng(0).standard_normal(k)
    start = time.process_time()
    value = sd.evaluate(total, {"x": xv})
    evaluated = time.process_time() - start
    assert np.isclose(value, (xv.sum() ** 2 - (xv**2).sum()) / 2)
    print(f"wide graph: {per_node:.0f} bytes per node (tracemalloc, {n_small:,} nodes; "
          f"budget {BUDGET})")
    print(f"wide graph: {n:,} nodes built in {built:.2f} s, evaluated in {evaluated:.2f} s (CPU)")
    if not args.no_passes:
        passes(total, xv)
    del total
    gc.collect()

    baseline = sd.live_node_count()
    many_graphs(2000)
    gc.collect()
    after = sd.live_node_count()
    print(f"2,000 independent graphs built, differentiated twice, evaluated and dropped: "
          f"{baseline:,} live nodes before, {after:,} after")
    print(f"internal tables: {len(ir._types):,} types (cap {ir._TYPES_MAX:,}), "
          f"{len(ir._inferred):,} inferred types (cap {ir._INFERRED_MAX:,})")
    return 0 if per_node < BUDGET and after == baseline else 1


if __name__ == "__main__":
    sys.exit(main())
