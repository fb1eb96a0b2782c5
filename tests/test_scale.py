"""Scale: graphs 100,000 deep and 1,000,000 nodes wide, and nothing kept once a graph is gone."""

import gc
import math
import sys
import threading
from pathlib import Path

import numpy as np

import symdiff as sd
from symdiff import ir
from symdiff.ops import base
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


def _wide_graph(k: int) -> tuple[sd.Node, sd.Node]:
    """The memory benchmark's wide graph over a k-vector x (about k*k nodes), and x."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    try:
        from bench_memory import wide_graph
    finally:
        sys.path.pop(0)
    total = wide_graph(k)
    return sd.var("x", shape=(k,)), total


def test_wide_graph_of_100000_nodes_through_every_pass():
    # The 1,000,000-node version is measured by bench/bench_memory.py (README: Benchmarks);
    # rewriting and code generation take about 100 and 40 us per node, so the suite simplifies
    # and compiles a 10,000-node graph.
    k = 316
    x, total = _wide_graph(k)
    g = sd.grad(total, x)
    assert sd.count_nodes(total) >= 99_000 and sd.count_nodes([total, g]) >= 150_000
    xv = np.random.default_rng(0).standard_normal(k)
    expected = (xv.sum() ** 2 - (xv**2).sum()) / 2
    value, grad = sd.evaluate([total, g], {"x": xv}, simplify=False)
    assert np.isclose(value, expected, rtol=1e-9)
    np.testing.assert_allclose(grad, xv.sum() - xv, rtol=1e-9, atol=1e-9)
    del total, g
    x, small = _wide_graph(100)
    g = sd.grad(small, x)
    simple = sd.simplify([small, g])
    assert sd.count_nodes(simple) <= sd.count_nodes([small, g])
    xv = xv[:100]
    want = sd.evaluate([small, g], {"x": xv}, simplify=False)
    got = sd.compile([small, g], inputs=[x], simplify=False)(xv)
    assert got[0].tobytes() == want[0].tobytes() and got[1].tobytes() == want[1].tobytes()
    for a, b in zip(sd.compile([small, g], inputs=[x])(xv), want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


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
    assert len(base._numbers) <= base._NUMBERS_MAX  # the constants of 1.0, 2.0, ...
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


def test_memory_returns_to_baseline_across_many_compiled_graphs(monkeypatch):
    # Graphs with large constants, differentiated, simplified, evaluated and compiled, then
    # dropped: once the caches are warm, memory stays flat. The sources kept for tracebacks are
    # bounded in text, not only in number (each source here holds 0.4 MB of constants; the
    # budget is lowered so that a few graphs fill it).
    import linecache
    import tracemalloc

    from symdiff import api

    def one(k: int) -> None:
        x = sd.var(f"x{k}", (1000,))
        c = sd.const(np.random.default_rng(k).standard_normal((50, 1000)))
        f = sd.sum(sd.tanh(c @ x)[[1, 2, 3]]) + sd.sum(c[sd.const(np.arange(50) % 7)] * x)
        g = sd.grad(f, x)
        sd.evaluate(sd.simplify([f, g]), {f"x{k}": np.ones(1000)})
        sd.compile([f, g], inputs=[x])(np.ones(1000))

    monkeypatch.setattr(api, "_REGISTERED_CHARS", 2_000_000)
    tracemalloc.start()  # before warming up: what the caches evict later must have been traced
    try:
        for k in range(6):
            one(k)
        gc.collect()
        nodes = sd.live_node_count()
        # Three windows of 7 graphs: a leak would keep their 2.8 MB of constants in every window,
        # while the library's capped caches (types, kernels) may still be filling up to their
        # bound, a few MB in all, depending on what ran before; the quietest window tells.
        grown = []
        for window in range(3):
            base = tracemalloc.get_traced_memory()[0]
            for k in range(6 + 7 * window, 13 + 7 * window):
                one(k)
            gc.collect()
            grown.append(tracemalloc.get_traced_memory()[0] - base)
    finally:
        tracemalloc.stop()
    assert sd.live_node_count() == nodes
    assert min(grown) < 1_000_000, f"{[round(g / 1e6, 1) for g in grown]} MB kept by 7 dropped graphs each"
    kept = [f for f in linecache.cache if f.startswith("<symdiff ")]
    assert sum(len("".join(linecache.cache[f][2])) for f in kept) <= api._REGISTERED_CHARS


def _python_calls(fn) -> int:
    """How many Python functions (generator steps included) ``fn()`` runs: work, not time."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


def _grows_linearly(work, n: int) -> None:
    """``work(4 * n)`` costs at most about four times ``work(n)`` (sixteen if quadratic)."""
    work(n)  # imports and caches filled once
    small, large = _python_calls(lambda: work(n)), _python_calls(lambda: work(4 * n))
    assert large < 5 * small, (small, large)


def test_code_for_many_inputs_and_outputs_is_generated_in_linear_work():
    # checking the inputs compared every variable with every other one, and naming gradient
    # outputs counted each name among all of them: codegen of a sum of 16,000 variables took 9 s
    def generate(n: int) -> None:
        xs = [sd.var(f"x{i}") for i in range(n)]
        total = xs[0]
        for x in xs[1:]:
            total = total + x * x
        source = sd.codegen([total, *sd.grad(total, xs)], simplify=False)
        assert f"dx{n - 1}" in source

    _grows_linearly(generate, 300)


def test_long_sums_convert_to_sympy_in_linear_work():
    # SymPy sorts and collects a sum's terms each time one is built: building x1 + ... + xn
    # one addition at a time was quadratic (to_sympy of 4,000 terms took 29 s)
    import sympy

    def chain(n: int, first, add):
        total = first
        for k in range(1, n):
            total = add(total, k)
        return total

    def graph(n: int) -> sd.Node:
        xs = sd.symbols(" ".join(f"x{i}" for i in range(n)))
        return chain(n, xs[0] * 0.5, lambda t, k: t + xs[k] - 1 / 3 if k % 3 else t - xs[k] / 7)

    small, large = graph(60), graph(240)
    sd.to_sympy(graph(20))  # imports and caches filled once
    calls = [_python_calls(lambda: sd.to_sympy(small)), _python_calls(lambda: sd.to_sympy(large))]
    assert calls[1] < 5 * calls[0], calls
    # the same expression as one SymPy addition per node gives, floats added in the same order
    ss = [sympy.Symbol(f"x{i}", real=True) for i in range(240)]
    third = sympy.Float(1 / 3, 15)
    want = chain(240, ss[0] / 2, lambda t, k: t + ss[k] - third if k % 3 else t - ss[k] / 7)
    assert sympy.srepr(sd.to_sympy(large)) == sympy.srepr(want)


def test_long_products_convert_to_sympy_in_linear_work():
    # SymPy collects the factors of a product each time one is built: building x1 * ... * xn one
    # multiplication at a time was quadratic (to_sympy of 4,000 factors took 81 s, now 0.1 s)
    def graph(n: int) -> sd.Node:
        xs = sd.symbols(" ".join(f"x{i}" for i in range(n)))
        total = xs[0] * 2.0
        for k in range(1, n):
            total = total * xs[k] if k % 3 else -(total / xs[k])
        return total

    small, large = graph(60), graph(240)
    sd.to_sympy(graph(20))  # imports and caches filled once
    calls = [_python_calls(lambda: sd.to_sympy(small)), _python_calls(lambda: sd.to_sympy(large))]
    assert calls[1] < 5 * calls[0], calls


def test_product_chain_100000_deep_converts_to_sympy():
    # quotients and negations in the chain too: SymPy's product is built once, without
    # recursion, where one product per node took 15 s
    import sympy

    x, y, z = sd.symbols("x y z")
    e, cycle = x, [y, z, x]
    for k in range(100_000):
        e = e * cycle[k % 3] if k % 5 else -(e / cycle[k % 3])
    X, Y, Z = sympy.symbols("x y z", real=True)
    assert sd.to_sympy(e) == X**20000 * Y**20000 * Z**20001


def test_many_inputs_and_outputs_evaluate_in_linear_work():
    # each result was compared with every input array for shared memory: the gradient of a
    # sum of 2,000 scalar variables took 2 s to evaluate, 0.3 s of it computing values
    def run(n: int) -> None:
        xs = [sd.var(f"x{i}") for i in range(n)]
        total = sum(x * x for x in xs)
        values = {f"x{i}": float(i) for i in range(n)}
        got = sd.evaluate([total, *sd.grad(total, xs)], values, simplify=False)
        assert got[-1] == 2.0 * (n - 1)

    _grows_linearly(run, 150)


def test_many_rows_of_one_array_evaluate_in_linear_work():
    # the rows of one computed matrix are views of one array: each is the caller's own, yet
    # rows taken in order need no comparison with the ones before
    def run(n: int) -> None:
        a = sd.var("a", shape=(n,))
        m = sd.outer(a, a)
        rows = sd.evaluate([m[i] for i in range(n)] + [m[0]], {"a": np.arange(n, dtype=float)},
                           simplify=False)
        assert not np.shares_memory(rows[0], rows[-1])
        rows[-1][1] = -1.0
        assert rows[0][1] == 0.0 and rows[1][1] == 1.0

    _grows_linearly(run, 150)


def _elements(outputs) -> int:
    """How many elements the nodes of ``outputs`` hold in all: the work of evaluating them."""
    return sum(math.prod(n.shape) for n in sd.toposort(outputs))


def test_gradient_of_a_loop_reading_elements_is_linear_in_its_length():
    # each x[i] gave its cotangent as zeros of x's shape with one element set, and their sum
    # added n arrays of n elements: quadratic to evaluate (and simplify folded each to a
    # constant of n elements, 4000 of them for n = 4000)
    def graph(n: int) -> tuple[sd.Node, sd.Node, sd.Node, sd.Node]:
        x, y = sd.var("x", (n,)), sd.var("y", (n,))
        f = sum(x[i] ** 2 * y[i] for i in range(n))
        return x, y, f, sd.grad(f, x)

    small, large = _elements(graph(100)[3]), _elements(graph(400)[3])
    assert large < 5 * small, (small, large)
    x, y, f, g = graph(50)
    rng = np.random.default_rng(0)
    vx, vy = rng.normal(size=50), rng.normal(size=50)
    np.testing.assert_allclose(sd.evaluate(g, {x: vx, y: vy}, simplify=False), 2 * vx * vy, rtol=1e-15)
    np.testing.assert_allclose(sd.compile(g, inputs=[x, y])(vx, vy), 2 * vx * vy, rtol=1e-15)


def test_gathered_cotangents_add_up_at_repeated_and_negative_positions():
    # positions read twice (x[2] and x[-8] are one element), rows, and elements never read
    X = sd.var("X", (10, 3))
    picks = [(0, 1), (2, 2), (-8, 2), (9, 0), (3, -1), (3, 2), (5, 0), (9, 0), (1, 1), (2, 0)]
    f = sum(X[i, j] * (k + 1.0) for k, (i, j) in enumerate(picks)) + sum(
        sd.sum(X[i] ** 2) for i in (4, 4, 0, 7, 1, 6, 8, 2, -1))
    g = sd.grad(f, X)
    v = np.random.default_rng(1).normal(size=(10, 3))
    want = np.zeros((10, 3))
    for k, (i, j) in enumerate(picks):
        want[i, j] += k + 1.0
    for i in (4, 4, 0, 7, 1, 6, 8, 2, -1):
        want[i] += 2 * v[i]
    np.testing.assert_allclose(sd.evaluate(g, {X: v}, simplify=False), want, rtol=1e-14)
    np.testing.assert_allclose(sd.evaluate(g, {X: v}), want, rtol=1e-14)
    np.testing.assert_allclose(sd.compile(g, inputs=[X])(v), want, rtol=1e-14)
    h = sd.hessian(f, X)  # differentiable again
    np.testing.assert_allclose(sd.evaluate(h, {X: v}).reshape(30, 30).sum(axis=0), 2 * np.isin(
        np.arange(30) // 3, [4, 0, 7, 1, 6, 8, 2, 9]).astype(float) * np.where(
        np.arange(30) // 3 == 4, 2, 1))



def test_gathered_columns_and_most_elements_are_concatenated():
    # a loop reading X[:, j] gave one scatter at arrays of every element's row and column; the
    # columns side by side are the gradient. Elements of which at least half are read (some
    # twice) are concatenated too, zeros where none is, the repeated ones added in place
    C = sd.var("C", (3, 12))
    g = sd.grad(sum(sd.sum(sd.sin(C[:, j]) * (j + 1.0)) for j in range(12)), C)
    ops = [n.op.name for n in sd.toposort(g)]
    assert "index_add" not in ops and ops.count("concatenate") == 1
    v = np.random.default_rng(3).normal(size=(3, 12))
    want = np.cos(v) * np.arange(1.0, 13.0)
    np.testing.assert_allclose(sd.evaluate(g, {C: v}, simplify=False), want, rtol=1e-15)
    np.testing.assert_allclose(sd.compile(g, inputs=[C])(v), want, rtol=1e-15)
    x = sd.var("x", (12,))
    picks = [0, 3, 1, 5, 7, -9, 9, 11, 2]  # x[-9] is x[3]: 8 of the 12 elements read
    g = sd.grad(sum(sd.sin(x[i]) * (k + 1.0) for k, i in enumerate(picks)), x)
    ops = [n.op.name for n in sd.toposort(g)]
    assert "index_add" not in ops and ops.count("concatenate") == 1
    u = v[0]
    want = np.zeros(12)
    for k, i in enumerate(picks):
        want[i] += np.cos(u[i]) * (k + 1.0)
    np.testing.assert_allclose(sd.evaluate(g, {x: u}, simplify=False), want, rtol=1e-15)
    np.testing.assert_allclose(sd.evaluate(g, {x: u}), want, rtol=1e-15)
    np.testing.assert_allclose(sd.compile(g, inputs=[x])(u), want, rtol=1e-15)

def test_gradient_of_a_loop_reading_runs_is_linear_in_its_length():
    # a moving window x[i:i + 3] gave, as a single element did, zeros of x's shape per step
    def graph(n: int) -> tuple[sd.Node, sd.Node]:
        x = sd.var("x", (n,))
        return x, sd.grad(sum(sd.sum(x[i:i + 3] ** 2 * (i + 1.0)) for i in range(n - 2)), x)

    small, large = _elements(graph(100)[1]), _elements(graph(400)[1])
    assert large < 5 * small, (small, large)
    x, g = graph(30)
    v = np.random.default_rng(2).normal(size=30)
    want = np.zeros(30)
    for i in range(28):
        want[i:i + 3] += 2 * v[i:i + 3] * (i + 1.0)
    np.testing.assert_allclose(sd.evaluate(g, {x: v}, simplify=False), want, rtol=1e-14)
    np.testing.assert_allclose(sd.evaluate(g, {x: v}), want, rtol=1e-14)
    np.testing.assert_allclose(sd.compile(g, inputs=[x])(v), want, rtol=1e-14)
