"""The interpreter: how inputs are given, what comes back, each node computed once, values
freed after their last use, and the casting rules for inputs."""

from __future__ import annotations

import weakref

import numpy as np
import pytest

import symdiff as sd
from symdiff.backends import evaluate as evaluate_module


@pytest.fixture
def xy():
    return sd.symbols("x y")


def test_inputs_by_name_by_variable_or_mixed(xy):
    x, y = xy
    f = x * y + 1
    assert sd.evaluate(f, {"x": 3.0, "y": -4.0}) == -11.0
    assert sd.evaluate(f, {x: 3.0, y: -4.0}) == -11.0
    assert sd.evaluate(f, {x: 3.0, "y": -4.0}) == -11.0


def test_single_output_gives_array_list_gives_list(xy):
    x, y = xy
    one = sd.evaluate(x + y, {"x": 1.0, "y": 2.0})
    assert isinstance(one, np.ndarray) and one.shape == () and one == 3.0
    many = sd.evaluate([x + y, x * y], {"x": 1.0, "y": 2.0})
    assert isinstance(many, list) and [float(v) for v in many] == [3.0, 2.0]
    single_list = sd.evaluate([x + y], {"x": 1.0, "y": 2.0})
    assert isinstance(single_list, list) and len(single_list) == 1
    assert sd.evaluate((x, x), {"x": 5.0}) == (5.0, 5.0)  # the nest comes back as given
    assert sd.evaluate([], {}) == []

    for simplify in (True, False, "auto"):  # named outputs, as sd.compile takes them
        named = sd.evaluate({"sum": x + y, "product": x * y}, {"x": 1.0, "y": 2.0}, simplify=simplify)
        assert named == {"sum": 3.0, "product": 2.0} and list(named) == ["sum", "product"]


def test_eval_method(xy):
    x, y = xy
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    assert f.eval(x=3.0, y=-4.0) == pytest.approx(1.5456448841066441, rel=1e-14)
    assert sd.const(2.5).eval() == 2.5



def test_eval_takes_a_dict_for_names_that_are_not_keywords():
    s, v, x = sd.var("self"), sd.var("values"), sd.var("x")
    f = s * 2.0 + v - x
    assert f.eval({"self": 1.0, "values": 3.0, "x": 0.5}) == 4.5
    assert f.eval(self=1.0, values=3.0, x=0.5) == 4.5  # keywords clash with no parameter
    assert f.eval({"self": 1.0, v: 3.0}, x=0.5) == 4.5  # a dict keyed by variable, and keywords
    assert sd.var("a b").eval({"a b": 2.0}) == 2.0
    with pytest.raises(sd.InputError, match=r"eval: a value for 'x' is given twice, in the dict "
                                            r"and as a keyword"):
        f.eval({"self": 1.0, "values": 3.0, "x": 0.5}, x=0.5)
    with pytest.raises(sd.InputError, match=r"eval: a value for 'x' is given twice"):
        f.eval({x: 0.5, "self": 1.0, "values": 3.0}, x=0.5)
    with pytest.raises(TypeError, match=r"eval: values must be a dict from variables \(or their "
                                        r"names\) to values.*got list"):
        f.eval([1.0, 3.0, 0.5])


def test_subgraph_needs_only_its_own_variables(xy):
    x, y = xy
    inner = sd.sin(x)
    f = inner * y
    assert sd.evaluate(inner, {"x": 0.0}) == 0.0  # y is not needed for a sub-expression
    assert sd.evaluate([inner, f], {"x": np.pi / 2, "y": 3.0}) == [1.0, 3.0]
    # extra inputs are ignored
    assert sd.evaluate(inner, {"x": 0.0, "unused": np.ones(9)}) == 0.0


def _counting_kernels(monkeypatch):
    """Wrap every kernel the evaluator fetches; count calls and keep weak references to
    results, to observe which intermediate values are still alive."""
    calls: list[str] = []
    results: list[tuple[str, weakref.ref]] = []
    alive_at_call: list[int] = []
    real = evaluate_module.kernel

    def kernel(op, nargs):
        fn, names = real(op, nargs)

        def counted(*args, _D=()):
            alive_at_call.append(sum(1 for _, r in results if r() is not None))
            out = fn(*args, _D=_D)
            calls.append(op.name)
            if isinstance(out, np.ndarray):
                results.append((op.name, weakref.ref(out)))
            return out

        return counted, names

    monkeypatch.setattr(evaluate_module, "kernel", kernel)
    return calls, results, alive_at_call


def test_each_node_is_computed_once(monkeypatch):
    calls, _, _ = _counting_kernels(monkeypatch)
    x = sd.var("x", shape=(3,))
    s = sd.sin(x)  # shared by three consumers and two outputs
    f = s * s + sd.exp(s)
    sd.evaluate([f, s, f], {"x": np.ones(3)}, simplify=False)  # the graph as built
    assert calls.count("sin") == 1
    assert calls.count("exp") == 1 and calls.count("mul") == 1 and calls.count("add") == 1


def test_intermediate_values_are_freed_after_last_use(monkeypatch):
    calls, results, alive_at_call = _counting_kernels(monkeypatch)
    x = sd.var("x", shape=(1000,))
    z = x
    for _ in range(50):
        z = sd.tanh(z) * 1.01 + 0.1
    value = sd.evaluate(z, {"x": np.zeros(1000)})
    assert len(calls) == 150
    # a chain needs only the value being consumed at any moment, not all 149 earlier ones
    assert max(alive_at_call) <= 2
    alive = [name for name, r in results if r() is not None]
    assert len(alive) <= 1  # only the output, which the caller holds
    del value


def test_outputs_and_values_used_later_are_kept(monkeypatch):
    x = sd.var("x", shape=(4,))
    a = sd.exp(x)
    b = sd.sin(a)
    c = a + b  # a is needed again after b
    va, vb, vc = sd.evaluate([a, b, c], {"x": np.arange(4.0)})
    np.testing.assert_allclose(vc, va + vb)
    np.testing.assert_allclose(va, np.exp(np.arange(4.0)))


def test_float64_given_to_float32_variable_is_cast():
    x = sd.var("x", shape=(3,), dtype="float32")
    out = sd.evaluate(x * 2.0, {"x": np.array([1.0, 2.0, 3.0])})
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([2, 4, 6], np.float32))
    # Python numbers and lists convert too
    assert sd.evaluate(x.sum(), {"x": [1, 2, 3]}).dtype == np.float32


def test_int_given_to_float_variable_is_cast():
    x = sd.var("x")
    out = sd.evaluate(x / 2, {"x": 3})
    assert out.dtype == np.float64 and out == 1.5


def test_float_given_to_int_variable_is_refused():
    i = sd.var("i", shape=(2,), dtype="int64")
    with pytest.raises(sd.InputError, match=r"variable 'i' is declared int64 but was given float64 values"):
        sd.evaluate(i + 1, {"i": np.array([1.0, 2.0])})
    with pytest.raises(sd.InputError, match=r"declared int64 but was given float64"):
        sd.evaluate(i + 1, {"i": [0.5, 1.5]})
    # integers of another width are fine
    assert sd.evaluate(i + 1, {"i": np.array([1, 2], np.int32)}).dtype == np.int64


def test_integer_input_that_does_not_fit_is_refused_not_wrapped():
    i = sd.var("i", dtype="int32")
    with pytest.raises(sd.InputError, match=r"variable 'i' is declared int32 but was given the value "
                       r"1099511627776, outside its range \[-2147483648, 2147483647\]"):
        sd.evaluate(i * 1, {"i": 2**40})
    u = sd.var("u", shape=(2,), dtype="uint8")
    with pytest.raises(sd.InputError, match=r"was given the value -1, outside its range \[0, 255\]"):
        sd.evaluate(u + 1, {"u": [3, -1]})
    # a Python int for an unsigned input is fine when it fits, as NumPy's own conversion
    out = sd.evaluate(u * 1, {"u": [0, 255]})
    assert out.dtype == np.uint8 and out.tolist() == [0, 255]


def test_named_dimensions_bind_from_inputs():
    X = sd.var("X", shape=("n", 3))
    mean_rows = sd.mean(X, axis=0)
    count = sd.sum(sd.arange(X.shape[0]))
    vm, vc = sd.evaluate([mean_rows, count], {"X": np.arange(12.0).reshape(4, 3)})
    np.testing.assert_allclose(vm, [4.5, 5.5, 6.5])
    assert vc == 6
    with pytest.raises(sd.InputError, match=r"dimension 'm' used by .* is not bound by any input"):
        sd.evaluate(sd.arange("m"), {})



CREATIONS_OF_A_SIZE = {
    "zeros": lambda lib, s: lib.zeros((s, 3)), "ones": lambda lib, s: lib.ones(s),
    "full": lambda lib, s: lib.full((2, s), 7, dtype="int32"), "eye": lambda lib, s: lib.eye(s),
    "eye_nm": lambda lib, s: lib.eye(s, 4, k=-1), "eye_mn": lambda lib, s: lib.eye(3, s, k=1),
    "identity": lambda lib, s: lib.identity(s), "arange": lambda lib, s: lib.arange(s),
    "arange_f32": lambda lib, s: lib.arange(s, dtype="float32"),
    "linspace": lambda lib, s: lib.linspace(-1.0, 2.0, s),
    "linspace_open": lambda lib, s: lib.linspace(-1.0, 2.0, s, endpoint=False),
    "linspace_array": lambda lib, s: lib.linspace(np.array([0.0, 1.0]), 3.0, s, axis=1),
    "linspace_int": lambda lib, s: lib.linspace(-3, 4, s, dtype="int64"),
}


@pytest.mark.parametrize("case", CREATIONS_OF_A_SIZE)
def test_creation_functions_take_a_named_dimension_as_a_size(case):
    build = CREATIONS_OF_A_SIZE[case]
    x = sd.var("x", shape=("n",))
    for size in (x.shape[0], sd.dim_size("n"), x.size):
        e = build(sd, size)
        fn = sd.compile(e + 0 * sd.sum(x).astype(e.dtype), inputs=[x])
        for n in (0, 1, 2, 5):
            want = build(np, n)
            for got in (sd.evaluate(e, {x: np.ones(n)}, simplify=False),
                        sd.evaluate(e, {x: np.ones(n)}, simplify=True), fn(np.ones(n))):
                assert got.dtype == want.dtype and got.shape == want.shape
                np.testing.assert_array_equal(got, want)


def test_text_takes_a_named_dimension_as_a_size():
    for text, built in (("linspace(0.0, 1.0, 'n')", sd.linspace(0.0, 1.0, "n")),
                        ("eye('n', 3)", sd.eye("n", 3)), ("arange('n')", sd.arange("n"))):
        assert sd.parse(text) is built


def test_a_size_that_is_no_dimension_is_refused_saying_why():
    X = sd.var("X", shape=("n", 3))
    with pytest.raises(sd.ShapeError, match=r"zeros: shape \(n \* 3,\): n \* 3 is an expression, "
                                            r"and a shape holds only ints and dimension names"):
        sd.zeros(X.size)
    with pytest.raises(NotImplementedError, match=r"arange\(1, 'n'\) would have n - 1 elements, "
                                                  r"and a shape holds only ints and dimension names"):
        sd.arange(1, X.shape[0])
    with pytest.raises(NotImplementedError, match=r"arange\(0, 'n', 2\) would have ceil\(n / 2\) "
                                                  r"elements"):
        sd.arange(0, sd.dim_size("n"), 2)


def test_results_are_the_callers_own_arrays():
    x = sd.var("x", shape=(3,))
    b = sd.broadcast_to(sd.var("s"), (3,))
    out = sd.evaluate(b + 0 * x, {"x": np.zeros(3), "s": 1.0})
    out[0] = 5.0
    bv = sd.evaluate(b, {"s": 1.0})
    assert bv.flags.writeable
    bv[1] = 7.0


def test_evaluate_rejects_non_expressions():
    with pytest.raises(TypeError, match="evaluate: item 0 is a float, not an expression"):
        sd.evaluate([1.0], {})
    with pytest.raises(TypeError, match="evaluate: expects an expression, a list or a dict of expressions, got float"):
        sd.evaluate(1.0, {})
    with pytest.raises(TypeError, match="evaluate: item 'a' is a float, not an expression"):
        sd.evaluate({"a": 1.0}, {})
    with pytest.raises(TypeError, match=r"evaluate: item 1\[0\]\['b'\] is a str, not an expression"):
        sd.evaluate([sd.var("x"), [{"b": "x"}]], {"x": 1.0})
    x, y = sd.symbols("x y")
    # a set has no order: its results could not be matched to its expressions
    for call in (lambda: sd.evaluate({x, y}, {"x": 1.0, "y": 2.0}), lambda: sd.simplify({x + 0, y}),
                 lambda: sd.compile(frozenset([x]))):
        with pytest.raises(TypeError, match="a set of expressions has no order"):
            call()
    assert sd.count_nodes({x + 1, y}) == sd.count_nodes([x + 1, y]) == 4  # counting needs no order


@pytest.mark.parametrize("simplify", [True, False, "auto"])
def test_evaluate_inputs_must_be_a_mapping(simplify):
    x = sd.var("x")
    for inputs, kind in (([3.0], "list"), (3.0, "float"), ("x", "str")):
        with pytest.raises(TypeError, match=rf"evaluate: inputs must be a dict .*; got {kind}"):
            sd.evaluate(x * 2, inputs, simplify=simplify)


def test_results_never_alias_the_input_arrays():
    x = sd.var("x", shape=(2, 3))
    arr = np.zeros((2, 3))
    flat, row, same = sd.evaluate([x.reshape(6), x[0], x], {"x": arr})
    assert same is not arr
    flat[0] = 5.0
    row[1] = 7.0
    same[1, 1] = 9.0
    assert np.all(arr == 0)


class _ArrayLike:
    """An array-like that is no ndarray and hands out its own memory (as a CPU tensor does)."""

    def __init__(self, array):
        self.array = array

    def __array__(self, dtype=None, copy=None):
        return self.array


@pytest.mark.parametrize("wrap", [memoryview, _ArrayLike], ids=["memoryview", "__array__"])
def test_results_never_alias_inputs_given_as_array_likes(wrap):
    # np.asarray of these does not copy: the values returned must still be the caller's own,
    # as generated code returns them
    x = sd.var("x", shape=(2, 3))
    arr = np.zeros((2, 3))
    outs = [x, x.reshape(6), x.T, x[0]]
    for results in (sd.evaluate(outs, {"x": wrap(arr)}, simplify=False),
                    sd.evaluate({"a": outs}, {x: wrap(arr)})["a"],
                    sd.compile(outs)(wrap(arr))):
        for r in results:
            assert not np.shares_memory(r, arr)
            r[...] = 1.0
    assert np.all(arr == 0)


@pytest.mark.parametrize("simplify", [True, False])
def test_named_dimension_binds_from_a_variable_the_rewritten_graph_no_longer_reads(simplify):
    # one_hot(l, 3) * 0.0 simplifies to zeros of shape (n, 3), which reads no variable: 'n' was
    # then unbound; arange(X.shape[0]) never reads X, whose value keyed by X gives n
    l, X = sd.var("l", ("n",), "int64"), sd.var("X", ("n", 3))
    env = {"l": np.array([0, 2]), "X": np.ones((2, 3))}
    zeros = sd.one_hot(l, 3) * 0.0
    np.testing.assert_array_equal(sd.evaluate(zeros, env, simplify=simplify), np.zeros((2, 3)))
    (g,) = sd.evaluate([sd.grad(sd.sum(zeros * X), X)], env, simplify=simplify)
    np.testing.assert_array_equal(g, np.zeros((2, 3)))
    np.testing.assert_array_equal(sd.evaluate(sd.arange(X.shape[0]), {X: np.ones((4, 3))},
                                              simplify=simplify), np.arange(4))
    with pytest.raises(sd.InputError, match=r"dimension 'n' used by .* key the value of one"):
        sd.evaluate(sd.arange(X.shape[0]), {"X": np.ones((4, 3))}, simplify=simplify)
    with pytest.raises(sd.InputError, match=r"variable 'l' is declared int64"):
        sd.evaluate(zeros, {"l": np.array([0.5, 1.0])}, simplify=simplify)


def test_a_value_keyed_by_another_variable_of_the_same_name_is_named_in_the_error():
    X = sd.var("X", ("n", 3))
    other = sd.var("X", (4, 3))
    with pytest.raises(sd.InputError, match=r"no value given for variable 'X' .*; a different "
                       r"variable of that name was given, var\('X', shape=\(4, 3\)"):
        sd.evaluate(X * 2.0, {other: np.ones((4, 3))})


@pytest.mark.parametrize("function", ["svd", "qr", "slogdet"])
def test_a_decomposition_runs_once_for_all_its_parts(monkeypatch, function):
    calls: list[str] = []
    original = getattr(np.linalg, function)

    def counted(*args, **kwargs):
        calls.append(function)
        return original(*args, **kwargs)

    monkeypatch.setattr(np.linalg, function, counted)
    W = sd.var("W", (5, 5))
    build = {"svd": lambda: [sd.linalg.svd(W).U, sd.linalg.svd(W).Vh], "qr": lambda: list(sd.linalg.qr(W)),
             "slogdet": lambda: list(sd.linalg.slogdet(W))}
    a = np.random.default_rng(0).standard_normal((5, 5))
    got = sd.evaluate(build[function](), {"W": a})
    assert calls == [function]
    expected = original(a)
    for g, k in zip(got, (0, 2) if function == "svd" else (0, 1)):
        assert np.array_equal(g, expected[k])


def test_values_a_fused_diagonal_sum_reads_are_freed_after_it(monkeypatch):
    # the sum fills one buffer from its terms' inputs, and its add and diagonal_embed nodes are
    # not computed: values are freed by the reads of the fused sum, not of the nodes it replaces
    calls, results, alive_at_call = _counting_kernels(monkeypatch)
    a, b = sd.var("a", shape=(4,)), sd.var("b", shape=(5,))
    lower = sd.diag(sd.exp(a), -1)  # also read by the exp below: computed, then freed after it
    H = lower + sd.diag(sd.sin(b)) - sd.diag(sd.exp(a), 1)
    a0, b0 = np.linspace(-1.0, 1.0, 4), np.linspace(0.0, 2.0, 5)
    value, total = sd.evaluate([H, sd.sum(sd.exp(lower))], {"a": a0, "b": b0}, simplify=False)
    np.testing.assert_array_equal(value, np.diag(np.exp(a0), -1) + np.diag(np.sin(b0)) - np.diag(np.exp(a0), 1))
    assert total == np.exp(np.diag(np.exp(a0), -1)).sum()
    assert calls == ["exp", "diagonal_embed", "sin", "diagonal_sum", "exp", "sum"]
    assert alive_at_call[-1] == 2  # at the sum: the output H and exp(lower); lower was freed
    del value


def test_a_missing_value_names_the_given_names_that_are_not_variables(xy):
    x, y = xy
    with pytest.raises(sd.InputError, match=r"no value given for variable 'x' .*'z' is not a "
                       r"variable of the expression, whose variables are 'x', 'y'$"):
        (x * y).eval(y=3.0, z=1.0)
    with pytest.raises(sd.InputError, match=r"'xx', 'q' are not variables of the expression, "
                       r"whose variables are 'x', 'y'; is 'xx' a misspelling of 'x'\?"):
        sd.evaluate(x * y, {"xx": 1.0, "q": 2.0, "y": 3.0})
    # every given name is a variable: nothing to point at
    with pytest.raises(sd.InputError, match=r"shape \(\)\)$"):
        sd.evaluate(x * y, {"y": 3.0})
    # extra names are still fine when nothing is missing
    assert sd.evaluate(x * y, {"x": 2.0, "y": 3.0, "z": 1.0}) == 6.0


def test_python_ints_past_int64_are_read_as_the_variables_dtype():
    # np.asarray(2**70) is an array of objects, which was refused as "given object values"
    x, n = sd.var("x"), sd.var("n", dtype="int64")
    v, c = sd.var("v", (2,)), sd.var("c", dtype="complex128")
    outputs = [x * 2.0, v * 1.0, n + 1, c * 1.0]
    want = [2.0 * 2**70, [1.0, float(2**70)], 6, complex(2**80)]
    got = sd.evaluate(outputs, {"x": 2**70, "v": [1, 2**70], "n": 5, "c": 2**80})
    fn = sd.compile(outputs, inputs=[x, v, n, c])
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    for g, w in zip(fn(2**70, [1, 2**70], 5, 2**80), want):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(sd.InputError, match=r"'n' is declared int64 but was given an integer outside its range"):
        sd.evaluate(n + 1, {"n": 2**70})
    with pytest.raises(ValueError, match=r"'n' is declared int64 but was given an integer outside its range"):
        fn(1.0, [1, 2], 2**70, 1.0)
    with pytest.raises(sd.InputError, match=r"'x' is declared float64 but was given an integer outside its range \(\+-1.798e\+308\)"):
        sd.evaluate(x * 2.0, {"x": 2**1100})
    with pytest.raises(ValueError, match=r"'x' is declared float64 but was given an integer outside its range"):
        fn(2**1100, [1, 2], 5, 1.0)
    with pytest.raises(sd.InputError, match="given object values"):  # not numbers: refused as before
        sd.evaluate(x * 2.0, {"x": object()})
