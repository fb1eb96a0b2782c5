"""Forward-mode benchmark: jvp and third derivatives of chains through ops with and without a
Taylor rule of their own.

For z = g(g(...g(w))) with g(u) = f(u) + 0.5 and f one of relu, abs, softplus, maximum(u, u/4)
(no Taylor rule: their jvp is the transpose of their reverse-mode rule, built once per op and
input types) and sin (a rule of its own), it prints the time per level to build ``sd.jvp(z, w,
1.0)`` and ``sd.derivative(z, w, 3)`` and the nodes per level each adds to the chain's graph,
checks the jvp against reverse mode's gradient, and, at the deepest depth, times
``sd.why_zero`` on a relu chain that is flat at the given value. Times are CPU time of this
process.

    python bench/bench_forward.py                    # depths 1,000 .. 100,000
    python bench/bench_forward.py --max-depth 10000  # stop earlier
    python bench/bench_forward.py --quick            # depths up to 1,000, no why_zero
"""

from __future__ import annotations

import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

# Run from a source checkout without installing: the package is one directory up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import numpy as np  # noqa: E402

import symdiff as sd  # noqa: E402
from bench_chain import chain_options  # noqa: E402

W_VALUE = 0.3
FUNCTIONS: dict[str, Callable[[sd.Node], sd.Node]] = {
    "relu": sd.relu,
    "abs": sd.abs,
    "softplus": sd.softplus,
    "maximum": lambda u: sd.maximum(u, 0.25 * u),
    "sin": sd.sin,
}


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.process_time()
    result = fn()
    return result, time.process_time() - start


def chain(w: sd.Node, f: Callable[[sd.Node], sd.Node], depth: int, shift: float) -> sd.Node:
    z = w
    for _ in range(depth):
        z = f(z) + shift
    return z


def run(name: str, depth: int) -> tuple[float, float, bool, float, float]:
    """Seconds for the jvp and the third derivative, whether the jvp equals the gradient, and
    the nodes per level the jvp and the third derivative add to the chain."""
    w = sd.var(f"w_{name}_{depth}")  # a variable of its own: no nodes shared with earlier runs
    z = chain(w, FUNCTIONS[name], depth, 0.5)
    gc.collect()
    d1, t1 = timed(lambda: sd.jvp(z, w, 1.0))
    back = sd.grad(z, w, mode="reverse")
    got, want = sd.evaluate([d1, back], {w: W_VALUE}, simplify=False)
    base = sd.count_nodes(z)
    n1 = (sd.count_nodes([z, d1]) - base) / depth
    del d1, back  # released, so the third derivative reuses none of the jvp's nodes
    gc.collect()
    d3, t3 = timed(lambda: sd.derivative(z, w, 3))
    n3 = (sd.count_nodes([z, d3]) - base) / depth
    return t1, t3, bool(np.isclose(got, want, rtol=1e-12, atol=0)), n1, n3


def main(argv: list[str] | None = None) -> int:
    args, _, depths = chain_options(__doc__.splitlines()[0], (1_000, 10_000, 100_000), argv)

    print(f"z = g(g(...g(w))), g(u) = f(u) + 0.5, at w = {W_VALUE}; µs per level, CPU time")
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} cores")
    print()
    print("| f | depth | jvp | derivative, 3rd order | jvp = reverse-mode gradient "
          "| nodes per level: jvp, 3rd |")
    print("|---|---|---|---|---|---|")
    ok = True
    for name in FUNCTIONS:
        for depth in depths:
            t1, t3, same, n1, n3 = run(name, depth)
            ok &= same
            print(f"| {name} | {depth:,} | {t1 / depth * 1e6:.1f} | {t3 / depth * 1e6:.1f} "
                  f"| {'yes' if same else 'NO'} | {n1:.2f}, {n3:.2f} |", flush=True)
            gc.collect()
    if not args.quick and depths:
        depth = depths[-1]
        w = sd.var("w_flat")
        z = chain(w, sd.relu, depth, -0.5)  # flat from w = -1: relu(-0.5) - 0.5 = -0.5
        why, t = timed(lambda: sd.why_zero(z, w, values={w: -1.0}))
        ok &= why.reason == "flat_at_values"
        print(f"\nwhy_zero of a relu chain {depth:,} deep, flat at w = -1: {t:.1f} s ({why.reason})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
