"""Node methods behave as the ndarray methods of the same name (values checked against NumPy)."""

import numpy as np
import pytest

import symdiff as sd

rng = np.random.default_rng(7)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((4, 2))

CASES = [
    ("sum", (), {"axis": 1, "keepdims": True}),
    ("mean", (0,), {}),
    ("max", (), {"axis": -1}),
    ("min", (), {}),
    ("prod", (1,), {}),
    ("std", (), {"axis": 0, "ddof": 1}),
    ("var", (), {"keepdims": True}),
    ("cumsum", (), {"axis": 1}),
    ("cumprod", (), {}),
    ("clip", (-0.5, 0.5), {}),
    ("reshape", (4, 3), {}),
    ("transpose", ((1, 0),), {}),
    ("swapaxes", (0, 1), {}),
    ("ravel", (), {}),
    ("flatten", (), {}),
    ("repeat", (2,), {"axis": 0}),
    ("diagonal", (), {"offset": 1}),
    ("trace", (), {}),
    ("take", ([0, 2],), {"axis": 1}),
    ("sort", (), {"axis": 0}),
    ("argsort", (), {}),
    ("argmax", (), {"axis": 1}),
    ("argmin", (), {}),
    ("astype", ("float32",), {}),
    ("dot", (B,), {}),
    ("sum", (0,), {"dtype": "float32", "initial": 2.5}),
    ("prod", (), {"axis": 1, "dtype": "float32", "keepdims": True}),
    ("mean", (), {"axis": 1, "dtype": "float32"}),
    ("max", (), {"axis": 0, "initial": 0.5}),
    ("min", (), {"initial": -10.0}),
]

# NumPy's functions hand a non-array to its method of the same name, with out=None and the
# other arguments by keyword: np.sum(x) is x.sum(axis=None, dtype=None, out=None)
NUMPY_FUNCTIONS = [
    (np.sum, {}), (np.sum, {"axis": 0, "keepdims": True}), (np.mean, {"axis": 1}), (np.max, {}),
    (np.min, {"axis": 0}), (np.prod, {"axis": 1}), (np.std, {"ddof": 1}), (np.var, {"axis": 0}),
    (np.cumsum, {"axis": 1}), (np.cumprod, {}), (np.argmax, {"axis": 1}), (np.argmin, {}),
    (np.round, {"decimals": 1}), (np.clip, {"a_min": -0.5, "a_max": 0.5}), (np.transpose, {}),
    (np.any, {"axis": 0}), (np.all, {}), (np.any, {"axis": 1, "where": A > 1.0}),
    (np.all, {"where": A < -0.5}), (np.std, {"axis": 1, "where": A > -0.5}),
    (np.var, {"axis": 0, "ddof": 1, "where": np.array([[True], [True], [False]])}),
    (np.median, {}), (np.median, {"axis": 1, "keepdims": True}), (np.quantile, {"q": [0.2, 0.8], "axis": 0}),
    (np.percentile, {"q": 30, "method": "nearest"}),
]


@pytest.mark.parametrize("fn, kwargs", NUMPY_FUNCTIONS, ids=[f"{f.__name__}-{k}" for f, k in NUMPY_FUNCTIONS])
def test_numpy_functions_work_on_expressions(fn, kwargs):
    a = sd.var("a", shape=A.shape)
    node = fn(a, **kwargs)
    assert isinstance(node, sd.Node)
    got, want = sd.evaluate(node, {"a": A}), fn(A, **kwargs)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.asarray(got).dtype == np.asarray(want).dtype


def test_reduction_arguments_without_an_equivalent_are_refused():
    a = sd.var("a", shape=A.shape)
    hint = "the argument 'out' is not supported; use the returned node"
    for call, message in ((lambda: np.sum(a, out=np.zeros(4)), f"sum: {hint}"),
                          (lambda: a.mean(out=np.zeros(3)), f"mean: {hint}"),
                          (lambda: np.argmax(a, out=np.zeros(3)), f"argmax: {hint}")):
        with pytest.raises(NotImplementedError, match=message):
            call()


@pytest.mark.parametrize("method, args, kwargs", CASES, ids=[c[0] for c in CASES])
def test_method_matches_ndarray(method, args, kwargs):
    a = sd.var("a", shape=A.shape)
    got = sd.evaluate(getattr(a, method)(*args, **kwargs), {"a": A})
    want = getattr(A.copy(), method)(*args, **kwargs)
    if method == "sort":  # ndarray.sort sorts in place and returns None
        want = np.sort(A, *args, **kwargs)
    # float32 sums round as their order of additions does, which need not be NumPy's
    np.testing.assert_allclose(got, want, rtol=1e-6 if np.asarray(got).dtype == np.float32 else 1e-12)
    assert np.asarray(got).dtype == np.asarray(want).dtype


@pytest.mark.parametrize("attr", ["T", "mT"])
def test_transpose_properties(attr):
    a = sd.var("a", shape=(2,) + A.shape)
    stacked = np.stack([A, 2 * A])
    np.testing.assert_array_equal(sd.evaluate(getattr(a, attr), {"a": stacked}), getattr(stacked, attr))


def test_numpy_linspace_with_expression_bounds_builds_a_graph():
    a = sd.var("a", shape=(3,))
    node = np.linspace(a, 2.0, 5, axis=-1)
    assert isinstance(node, sd.Node)
    np.testing.assert_array_equal(sd.evaluate(node, {"a": A[0, :3]}), np.linspace(A[0, :3], 2.0, 5, axis=-1))
    samples, step = np.linspace(0.5, a, 4, endpoint=False, retstep=True)
    np.testing.assert_array_equal(sd.evaluate(step, {"a": A[0, :3]}), (A[0, :3] - 0.5) / 4)


# NumPy's own keywords of the joining, product, creation and order functions: their defaults
# are taken, the dtype of a join casts as NumPy's does, a _like function's shape= sets the
# shape, and an out= array is refused by name (the functions raised Python's "unexpected
# keyword argument" for out=None, dtype=None, shape=, subok=, device= and weights=None)
JOIN_CALLS = [
    (lambda m, a, i: np.dot(a, m.T, out=None), {}),
    (lambda m, a, i: np.outer(a, a, out=None), {}),
    (lambda m, a, i: np.concatenate([a, i], out=None, dtype=None, casting="same_kind"), {}),
    (lambda m, a, i: np.concatenate([a, i], dtype=np.float32), {}),
    (lambda m, a, i: np.concatenate([a, i], dtype=np.int64, casting="unsafe"), {}),
    (lambda m, a, i: np.stack([a, a], axis=1, out=None, dtype="float32"), {}),
    (lambda m, a, i: np.vstack([a, i], dtype=None), {}),
    (lambda m, a, i: np.hstack([a, i], dtype=np.float32, casting="same_kind"), {}),
    (lambda m, a, i: np.reshape(m, shape=(4, 3)), {}),
    (lambda m, a, i: np.reshape(m, (2, 6), copy=None), {}),
    (lambda m, a, i: np.reshape(m, (2, 6), order="F", copy=True), {}),
    (lambda m, a, i: np.zeros_like(a, order="K", subok=True, shape=None, device=None) + a, {}),
    (lambda m, a, i: np.zeros_like(m, shape=(2, 2)), {}),
    (lambda m, a, i: np.ones_like(a, dtype=np.float32, shape=(2, 4), device="cpu"), {}),
    (lambda m, a, i: np.full_like(i, 2.5, shape=(3,), order="F"), {}),
    (lambda m, a, i: np.broadcast_to(a, (2, 4), subok=True), {}),
    (lambda m, a, i: np.linalg.multi_dot([a, m.T, m, a], out=None), {}),
    (lambda m, a, i: np.linspace(a[0], a[1], 3, device=None), {}),
    (lambda m, a, i: np.quantile(a, 0.3, weights=None), {}),
    (lambda m, a, i: m.astype("float32", copy=False), {}),
    (lambda m, a, i: m.astype(np.float32, "C", "same_kind", True, True), {}),
    (lambda m, a, i: i.astype(np.float64, casting="safe"), {}),
    (lambda m, a, i: m.std(axis=0, dtype=None, out=None, ddof=1, keepdims=False, where=True), {}),
    (lambda m, a, i: np.var(m, where=True), {}),
    (lambda m, a, i: (m > 0).any(axis=0, out=None, keepdims=False, where=True), {}),
    (lambda m, a, i: np.all(m > 0, where=np.True_), {}),
]


@pytest.mark.parametrize("call", [c for c, _ in JOIN_CALLS], ids=range(len(JOIN_CALLS)))
def test_numpy_keywords_of_joins_products_and_reshape_are_numpys(call):
    a, m = sd.var("a", shape=(4,)), sd.var("m", shape=A.shape)
    i = sd.var("i", shape=(4,), dtype="int64")
    values = {"a": B[:, 0], "m": A, "i": np.array([3, -1, 0, 2])}
    got = sd.evaluate(call(m, a, i), values)
    want = call(A, values["a"], values["i"])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert np.asarray(got).dtype == np.asarray(want).dtype


def test_numpy_keywords_of_joins_and_products_without_an_equivalent_are_refused():
    a, i = sd.var("a", shape=(4,)), sd.var("i", shape=(4,), dtype="int64")
    for call, error, message in (
            (lambda: np.dot(a, a, out=np.zeros(())), NotImplementedError,
             r"^dot: the argument 'out' is not supported; use the returned node$"),
            (lambda: np.outer(a, a, out=np.zeros((4, 4))), NotImplementedError,
             r"^outer: the argument 'out' is not supported; use the returned node"),
            (lambda: np.concatenate([a, a], out=np.zeros(8)), NotImplementedError,
             r"^concatenate: the argument 'out' is not supported; use the returned node"),
            (lambda: np.stack([a, a], out=np.zeros((2, 4))), NotImplementedError,
             r"^stack: the argument 'out' is not supported; use the returned node"),
            (lambda: np.concatenate([a, i], dtype=np.int64), TypeError,
             r"^concatenate: cannot cast float64 to int64 under casting='same_kind'$"),
            (lambda: np.stack([a, a], casting="bogus"), ValueError, r"^stack: casting must be one of"),
            (lambda: sd.reshape(a, (4,), shape=(4,)), TypeError, r"^reshape: give the new shape once"),
            (lambda: np.linalg.multi_dot([a, a], out=np.zeros(())), NotImplementedError,
             r"^linalg.multi_dot: the argument 'out' is not supported; use the returned node"),
            (lambda: np.ones_like(a, device="gpu"), ValueError,
             r"^ones_like: device must be None or 'cpu', as for NumPy, got 'gpu'$"),
            (lambda: np.zeros_like(a, order="Q"), ValueError, r"^zeros_like: order must be"),
            (lambda: a.astype("float32", casting="safe"), TypeError,
             r"^astype: cannot cast float64 to float32 under casting='safe'$"),
            (lambda: np.percentile(a, 30, method="inverted_cdf", weights=np.ones(4)),
             NotImplementedError, r"^percentile: the argument 'weights' is not supported$")):
        with pytest.raises(error, match=message):
            call()
    with pytest.raises(TypeError):  # NumPy refuses the cast as well
        np.concatenate([np.ones(2), np.ones(2, np.int64)], dtype=np.int64)


def test_ndarray_attributes_an_expression_lacks_are_refused_saying_what_to_write():
    # x.fill(0), x.nonzero(), x.compress(...) in code written for arrays raised a bare
    # "'Node' object has no attribute" naming neither the reason nor the expression to build
    x = sd.var("x", (3,))
    cases = {
        "fill": r"it changes the array in place, which an expression \(immutable, and no NumPy "
                r"array\) cannot; sd\.full_like\(x, value\) is the array it makes",
        "partition": r"it changes the array in place.*np\.partition\(x, kth, axis\) is the array it makes",
        "nonzero": r"the shape of its result depends on the values",
        "compress": r"not a method of expressions; np\.compress\(condition, x, axis\) builds it",
        "view": r"an expression is a node of a graph, not an array in memory",
        "nbytes": r"an expression is a node of a graph, not an array in memory; it has an array's shape, dtype, ndim and size",
    }
    for name, message in cases.items():
        with pytest.raises(AttributeError, match=rf"^ndarray\.{name} of a symbolic expression: "
                                                 rf"{message}"):
            getattr(x, name)
    # names that are no ndarray's, and the protocols NumPy probes for, stay plain misses
    assert not hasattr(x, "__array_interface__") and not hasattr(x, "__array_struct__")
    with pytest.raises(AttributeError, match=r"^'Node' object has no attribute 'lenght'$"):
        x.lenght  # noqa: B018
    np.testing.assert_array_equal(np.compress([True, False, True], x).eval(x=np.arange(3.0)),
                                  [0.0, 2.0])
