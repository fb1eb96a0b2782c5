"""Scale: graphs 100,000 deep and 1,000,000 nodes wide, and nothing kept once a graph is gone."""

import gc
import math
import sys
import threading

import numpy as np

import symdiff as sd
from symdiff import ir
from symdiff.ops.base import kernel


def test_deep_chain_builds_differentiates_and_evaluates_without_recursion():
    depth = 100_000
    limit = sys.getrecursionlimit()
    w = sd.var("w")
    z = w
    for _ in range(depth):
        z = sd.sin(z)
    dz = sd.grad(z, w)
    assert sd.count_nodes(z) == depth + 1
    # the gradient appends cos(u_k) and one product per level: a bit over 3x the function
    assert sd.count_nodes([z, dz]) <= 3 * depth + 3
    vz, vdz = sd.evaluate([z, dz], {"w": 1.0})
    u, du = 1.0, 1.0
    for _ in range(depth):
        u, du = math.sin(u), math.cos(u) * du
    assert np.isclose(vz, u, rtol=1e-12)
    assert np.isclose(vdz, du, rtol=1e-9)
    assert sd.to_text(z).count("sin") == depth
    assert sys.getrecursionlimit() == limit


def test_second_derivative_of_a_deep_chain():
    depth = 3_000
    w = sd.var("w")
    z = w
    for _ in range(depth):
        z = sd.tanh(z) * 0.5 + w * 0.25
    d2z = sd.grad(sd.grad(z, w), w)
    h = 1e-4
    f = [float(sd.evaluate(z, {"w": 0.3 + k * h})) for k in (-1, 0, 1)]
    assert np.isclose(float(sd.evaluate(d2z, {"w": 0.3})), (f[0] - 2 * f[1] + f[2]) / h**2, rtol=1e-4)


def test_million_node_wide_graph_builds_and_evaluates():
    k = 1000
    x = sd.var("x", shape=(k,))
    items = [x[i] for i in range(k)]
    # every product x_i * x_j with i < j (499,500 nodes), then summed as a balanced tree
    terms = [items[i] * items[j] for i in range(k) for j in range(i + 1, k)]
    while len(terms) > 1:
        pairs = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        terms = pairs + terms[len(pairs) * 2 :]
    total = terms[0]
    assert sd.count_nodes(total) >= 1_000_000
    xv = np.random.default_rng(0).standard_normal(k)
    expected = (xv.sum() ** 2 - (xv**2).sum()) / 2
    assert np.isclose(sd.evaluate(total, {"x": xv}), expected, rtol=1e-9)


def test_nodes_of_dropped_graphs_are_released():
    gc.collect()
    baseline = sd.live_node_count()
    for k in range(300):
        x, y = sd.symbols(f"x{k} y{k}")
        f = sd.exp(x * y + k) / (1 + sd.sin(x) ** 2)
        dfdx, dfdy = sd.grad(f, [x, y])
        sd.grad(dfdx, y)
        sd.evaluate([f, dfdx, dfdy], {f"x{k}": 0.5, f"y{k}": -1.0})
        assert sd.live_node_count() > baseline
        del x, y, f, dfdx, dfdy
    gc.collect()
    assert sd.live_node_count() == baseline


def test_internal_tables_stay_bounded_across_many_graphs():
    # thousands of distinct shapes and constants: each table is capped, not grown forever
    for n in range(1, ir._TYPES_MAX + 500):
        v = sd.var("v", shape=(n,))
        sd.exp(v * float(n))
    assert len(ir._types) <= ir._TYPES_MAX
    assert len(ir._inferred) <= ir._INFERRED_MAX
    assert kernel.cache_info().currsize <= kernel.cache_info().maxsize


def test_interning_from_many_threads_gives_one_node():
    x, y = sd.symbols("x y")
    results: list[list[sd.Node]] = [[] for _ in range(8)]

    def build(slot: list[sd.Node]) -> None:
        for k in range(300):
            slot.append(sd.sin(x * k) + sd.exp(y - k))

    threads = [threading.Thread(target=build, args=(r,)) for r in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results[1:]:
        assert all(a is b for a, b in zip(r, results[0]))
