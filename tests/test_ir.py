"""The graph's invariants: interning, immutability, constant keys, thread safety, weak scalar
typing, and named dimensions."""

from __future__ import annotations

import gc
import math
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import symdiff as sd
from symdiff.ir import Node, substitute


def test_same_expression_twice_is_the_same_node():
    x, y = sd.symbols("x y")
    assert ((x + sd.sigmoid(y)) * x) is ((x + sd.sigmoid(y)) * x)
    assert sd.var("x") is x
    assert sd.sum(sd.var("M", shape=(2, 3)), axis=1) is sd.sum(sd.var("M", shape=(2, 3)), axis=-1)
    # ops with different static attributes differ
    M = sd.var("M", shape=(2, 3))
    assert sd.sum(M, axis=0) is not sd.sum(M, axis=1)
    assert sd.sum(M, axis=0) is not sd.sum(M, axis=0, keepdims=True)
    # variables differ by name, shape and dtype
    assert sd.var("x", dtype="float32") is not x
    assert sd.var("x", shape=(1,)) is not x


def test_derivative_graph_reuses_forward_nodes():
    x = sd.var("x")
    f = sd.exp(sd.sin(x))
    g = sd.grad(f, x)
    forward = set(sd.toposort(f))
    assert f in set(sd.toposort(g))  # exp'(u) = exp(u): the output node itself is reused
    assert len(set(sd.toposort(g)) - forward) <= 4


def test_constants_keyed_by_dtype_shape_and_bytes():
    assert sd.const(1.0) is sd.const(1.0)
    assert sd.const(np.array([1.0, 2.0])) is sd.const([1.0, 2.0])
    assert sd.const(1.0) is not sd.const(1.0, "float32")
    assert sd.const(1) is not sd.const(1.0)
    assert sd.const(np.zeros((2, 3))) is not sd.const(np.zeros((3, 2)))
    assert sd.const(np.zeros(6)) is not sd.const(np.zeros((2, 3)))
    assert sd.const(-0.0) is not sd.const(0.0)
    assert sd.const(np.nan) is sd.const(np.nan)  # same bytes, same node, although nan != nan
    assert str(sd.const(-0.0)) == "-0.0"


def test_constants_are_copied_and_frozen():
    a = np.array([1.0, 2.0])
    c = sd.const(a)
    a[0] = 100.0
    assert sd.evaluate(c)[0] == 1.0
    with pytest.raises(ValueError):
        c.op.value[0] = 5.0
    out = sd.evaluate(c)
    out[1] = -1.0  # the caller gets its own array
    assert sd.evaluate(c)[1] == 2.0


def test_nodes_are_immutable():
    x = sd.var("x")
    n = x + 1
    with pytest.raises(AttributeError, match="immutable"):
        n.op = x.op
    with pytest.raises(AttributeError, match="immutable"):
        n.inputs = ()
    with pytest.raises(AttributeError):
        n.type.shape = (2,)
    with pytest.raises(AttributeError):
        n.new_attribute = 1


def test_a_node_is_not_a_number_and_says_how_to_get_one():
    x = sd.var("x")
    # (expr.item() and expr.tolist() said only that a Node has no such attribute)
    for convert, use in ((float, "float()"), (int, "int()"), (complex, "complex()"),
                         (range, "used as a Python int"), (lambda e: e.item(), "item()"),
                         (lambda e: e.tolist(), "tolist()")):
        with pytest.raises(TypeError, match=rf"{re.escape(use)}.* no value until it is evaluated; use sd\.evaluate"):
            convert(x)
    # math's functions: math.sin calls float(), math.trunc, floor and ceil their own methods
    # (math.trunc said only "type Node doesn't define __trunc__ method")
    for fn, use, instead in ((math.sin, "float()", r"sd\.sin\(expr\) or np\.sin\(expr\) for "
                              r"math\.sin\(expr\)"), (math.trunc, "math.trunc()", r"sd\.trunc\(expr\)"),
                             (math.floor, "math.floor()", r"sd\.floor\(expr\)"),
                             (math.ceil, "math.ceil()", r"sd\.ceil\(expr\)")):
        with pytest.raises(TypeError, match=rf"^{re.escape(use)} of a symbolic expression.* no value "
                           rf"until it is evaluated; .*{instead}.* in the graph$"):
            fn(x)


def test_a_node_iterates_over_its_first_axis_as_a_numpy_array_does():
    # iter() was refused for every node, so NumPy code unpacking a vector (x, y = p) or walking
    # the rows of a matrix did not trace, although len() gave the length
    p, W = sd.var("p", (2,)), sd.var("W", (2, 3))

    def rosenbrock(p):  # as written for a NumPy array
        x, y = p
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    at = np.array([-1.2, 1.0])
    f, g = rosenbrock(p), sd.grad(rosenbrock(p), p)
    assert sd.evaluate(f, {"p": at}) == rosenbrock(at)
    np.testing.assert_allclose(sd.evaluate(g, {"p": at}), [-215.6, -88.0], rtol=1e-12)
    rows = list(W)
    assert len(rows) == len(W) == 2 and rows[1] is W[1] and rows[0].shape == (3,)
    assert list(sd.var("e", (0, 2))) == []
    with pytest.raises(TypeError, match=r"^iteration over a 0-d expression"):
        iter(sd.var("x"))
    with pytest.raises(TypeError, match=r"^iteration over an expression whose first dimension is "
                       r"symbolic \('n'\): its length is known only when it is evaluated"):
        list(sd.var("X", ("n", 3)))
    with pytest.raises(TypeError, match=r"^`in` of a symbolic expression"):  # as before
        0.0 in p


def test_a_copy_is_the_node_itself_and_a_pickle_loads_the_same_graph():
    import copy
    import pickle

    x = sd.var("x", shape=(3,))
    f = sd.sum(sd.sin(x) * np.ones(3))
    assert copy.copy(f) is f and copy.deepcopy(f) is f
    params = {"f": f, "parts": [x, f]}
    clone = copy.deepcopy(params)
    assert clone is not params and clone["f"] is f and clone["parts"][0] is x
    # in the same process, loading interns the nodes again: the very same graph
    loaded = pickle.loads(pickle.dumps(params))
    assert loaded["f"] is f and loaded["parts"][0] is x


def test_pickled_graphs_of_every_op_evaluate_the_same_in_another_process():
    import pickle
    import subprocess
    import sys

    from op_table import SAMPLES

    graphs, inputs, want = [], [], []
    for sample in SAMPLES:
        node, variables = sample.build()
        graphs.append(node)
        inputs.append(sample.inputs())
        xs = [variables[k] for k in sample.float_args()]
        # the gradient of a complex output's real part (a real variable's gradient is real)
        grads = sd.grad(sd.sum(sd.real(node)), xs) if sample.grad and node.type.is_float and xs else []
        graphs.extend(grads)
        inputs.extend([sample.inputs()] * len(grads))
    for g, i in zip(graphs, inputs):
        with np.errstate(all="ignore"):
            want.append(sd.evaluate(g, i))
    for g in graphs:
        assert pickle.loads(pickle.dumps(g)) is g
    script = (
        "import pickle, sys, numpy as np, symdiff as sd\n"
        "graphs, inputs = pickle.load(sys.stdin.buffer)\n"
        "with np.errstate(all='ignore'):\n"
        "    out = [sd.evaluate(g, i) for g, i in zip(graphs, inputs)]\n"
        "sys.stdout.buffer.write(pickle.dumps([str(g) for g in graphs] + out))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], input=pickle.dumps((graphs, inputs)),
                          capture_output=True, check=True)
    back = pickle.loads(done.stdout)
    assert back[:len(graphs)] == [str(g) for g in graphs]
    assert len(graphs) > 100
    for got, expected, g in zip(back[len(graphs):], want, graphs):
        np.testing.assert_array_equal(got, expected, err_msg=str(g))

def test_bool_of_node_raises():
    x = sd.var("x")
    with pytest.raises(TypeError, match="truth value"):
        bool(x)
    with pytest.raises(TypeError, match="truth value"):
        bool(x == x)
    with pytest.raises(TypeError):
        x in [sd.var("y")]  # list membership would compare with ==


def test_equality_operator_builds_a_mask_and_hash_is_identity():
    x = sd.var("x", shape=(3,))
    eq = x == 1.0
    assert isinstance(eq, Node) and eq.dtype == np.bool_ and eq.op.name == "equal"
    assert {x: 1}[sd.var("x", shape=(3,))] == 1


def test_threads_building_the_same_graphs_share_nodes():
    def build(_):
        X = sd.var("X", shape=("n", 4))
        W = sd.var("W", shape=(4, 3))
        b = sd.var("b", shape=(3,))
        loss = sd.sum(sd.log_softmax(sd.tanh(X @ W + b), axis=1)) + sd.sum(W * W) * 0.01
        gW, gb = sd.grad(loss, [W, b])
        return [loss, gW, gb, *sd.toposort([gW, gb])]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(build, range(32)))
    first = results[0]
    for other in results[1:]:
        assert len(other) == len(first)
        assert all(a is b for a, b in zip(first, other))


def test_weak_python_scalars_keep_the_array_dtype():
    x32 = sd.var("x", shape=(3,), dtype="float32")
    assert (x32 * 2.0).dtype == np.float32
    assert (2.0 * x32).dtype == np.float32
    assert (x32 + 1).dtype == np.float32
    assert (x32 ** 2).dtype == np.float32
    assert sd.where(x32 > 0, x32, 0.0).dtype == np.float32
    assert sd.evaluate(x32 * 2.0, {"x": np.ones(3, np.float32)}).dtype == np.float32
    i = sd.var("i", shape=(3,), dtype="int32")
    assert (i + 1).dtype == np.int32
    assert (i * 1.5).dtype == np.float64  # a float beside ints promotes, as in NumPy 2
    # strongly typed arrays and NumPy scalars promote
    assert (x32 * np.float64(2.0)).dtype == np.float64
    assert (x32 + np.ones(3)).dtype == np.float64


def test_python_numbers_give_the_same_constants_every_time():
    # the constants Python numbers become are remembered; numbers that are equal but make
    # different constants (signed zeros, NaNs of either sign, int and float) stay apart
    x = sd.var("x")
    i = sd.var("i", dtype="int32")
    for _ in range(2):
        assert (x * 0.5).inputs[1] is sd.const(0.5)
        assert np.signbit(sd.evaluate((x * -0.0).inputs[1]))
        assert not np.signbit(sd.evaluate((x * 0.0).inputs[1]))
        assert not np.signbit(sd.evaluate((x + np.nan).inputs[1]))
        assert np.signbit(sd.evaluate((x + -np.nan).inputs[1]))
        assert (i + 1).inputs[1] is sd.const(1, "int32")
        assert (i + 1.0).inputs[1] is sd.const(1.0)
        assert (i + True).inputs[1] is sd.const(1, "int32")
        assert (x < 2**70).inputs[1].dtype == np.float64
        with pytest.raises(sd.DTypeError):
            i + 2**40


def test_gradients_keep_the_variable_dtype():
    x32 = sd.var("x", shape=(3,), dtype="float32")
    g = sd.grad(sd.sum(sd.exp(x32) * 2.0), x32)
    assert g.dtype == np.float32
    value = sd.evaluate(g, {"x": np.zeros(3, np.float32)})
    assert value.dtype == np.float32 and np.all(value == 2)


def test_named_dimensions():
    X = sd.var("X", shape=("n", 784))
    assert X.shape == ("n", 784)
    assert X.shape[0] == "n"
    y = sd.var("y", shape=("n",))
    # broadcast and unify by name
    assert (sd.sum(X, axis=1) + y).shape == ("n",)
    assert (X + sd.var("row", shape=(1, 784))).shape == ("n", 784)
    assert (X + sd.var("col", shape=("n", 1))).shape == ("n", 784)
    with pytest.raises(sd.ShapeError, match=r"'n' vs 'm'"):
        X + sd.var("Z", shape=("m", 784))
    with pytest.raises(sd.ShapeError, match=r"'n' vs 5|5 vs 'n'"):
        X + sd.var("Z", shape=(5, 784))
    # a named dimension carries through matmul, reductions and gather
    W = sd.var("W", shape=(784, 10))
    logits = X @ W
    assert logits.shape == ("n", 10)
    labels = sd.var("labels", shape=("n",), dtype="int64")
    picked = logits[sd.arange(X.shape[0]), labels]
    assert picked.shape == ("n",)
    assert picked.mean().shape == ()
    values = sd.evaluate(picked.mean(), {"X": np.ones((5, 784)), "W": np.ones((784, 10)),
                                         "labels": np.arange(5)})
    assert values == 784.0


def test_unused_nodes_are_released():
    gc.collect()
    before = sd.live_node_count()

    def build():
        x = sd.var("x_released", shape=(4,))
        return sd.grad(sd.sum(sd.tanh(x) * sd.exp(x)), x)

    g = build()
    assert sd.live_node_count() > before
    del g
    gc.collect()
    assert sd.live_node_count() <= before


def test_substitute_rebuilds_only_what_changed():
    x, y, z = sd.symbols("x y z")
    shared = sd.sin(y)
    f = shared * x + shared
    (g,) = substitute([f], {x: z})
    assert g is shared * z + shared
    (same,) = substitute([f], {sd.var("unused"): z})
    assert same is f


def test_type_reports_shape_and_dtype():
    x = sd.var("x", shape=(2, "n"), dtype="float32")
    assert x.type == sd.Type("float32", (2, "n"))
    assert x.ndim == 2 and x.dtype == np.float32
    assert repr(x.type) == "float32[2, n]"
    assert len(x) == 2
    with pytest.raises(TypeError, match="symbolic"):
        len(x.T)


def test_toposort_names_itself_and_the_roots_it_cannot_walk():
    x = sd.var("x")
    with pytest.raises(TypeError, match=r"toposort: roots must be an expression or an iterable of "
                                        r"expressions, got an int \(3\)"):
        sd.toposort(3)
    with pytest.raises(TypeError, match=r"toposort: roots must be .* got a str \('x'\)"):
        sd.toposort("x")  # a name is not an expression, nor a list of its letters
    with pytest.raises(TypeError, match=r"toposort: item 1 of roots is a float \(2\.0\), not an expression"):
        sd.toposort([x, 2.0])
    assert sd.toposort(n for n in [x, sd.sin(x)]) == [x, sd.sin(x)]  # any iterable of expressions


def test_messages_built_from_type_names_take_the_spoken_article():
    from symdiff.ir import kind_of

    assert [kind_of(v) for v in (1, 1.0, object(), np.zeros(1), np.uint8(1), "s", None)] == [
        "an int", "a float", "an object", "an ndarray", "a uint8", "a str", "a NoneType"]
    x = sd.var("x")
    with pytest.raises(TypeError, match=r"count_nodes: item 1 is an int, not an expression"):
        sd.count_nodes([x, 1])
    with pytest.raises(TypeError, match=r"cannot use an object \(<object"):
        x + object()
    # dtype names take it from the same rule: "a int64" was written where the name came in
    from symdiff.ir import with_article

    names = [np.dtype(d).name for d in ("int64", "int8", "uint8", "float32", "complex128", "bool", "object")]
    assert [with_article(n) for n in names] == [
        "an int64", "an int8", "a uint8", "a float32", "a complex128", "a bool", "an object"]
    if np.finfo(np.longdouble).nmant > np.finfo(np.float64).nmant:  # astype keeps all digits
        with pytest.raises(sd.ParseError, match=rf"astype: a complex literal cannot be "
                           rf"{with_article(np.dtype(np.longdouble).name)} constant; give a complex dtype"):
            sd.parse("astype(2j, 'longdouble')")


def test_item_assignment_and_membership_explain_themselves():
    X = sd.var("X", (3, 3))
    with pytest.raises(TypeError, match=r"immutable.*sd\.where\(mask, value, expr\).*sd\.index_add"):
        X[0, 0] = 1.0
    with pytest.raises(TypeError, match=r"immutable, so `del expr\[index\]`"):
        del X[0]
    with pytest.raises(TypeError, match=r"`in` of a symbolic expression.*evaluated"):
        _ = 1.0 in X
    # the replacement the message offers sets the element
    v = np.arange(9.0).reshape(3, 3)
    Y = X + sd.index_add(7.0 - X[0, 1], X.shape, (0, 1))
    want = v.copy()
    want[0, 1] = 7.0
    np.testing.assert_array_equal(Y.eval(X=v), want)
