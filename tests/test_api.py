"""The public surface as a user meets it: the example from the project's description run as
written, names accepted where variables are, the networkx view, reprs and the demo."""

from __future__ import annotations

import re

import numpy as np
import pytest

import symdiff as sd


def test_the_described_example_runs_as_written():
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    dfdx, dfdy = sd.grad(f, [x, y])
    d2fdxdy = sd.grad(dfdx, y)
    values = sd.evaluate([f, dfdx, dfdy], {"x": 3.0, "y": -4.0})
    assert values == pytest.approx([1.5456448841066441, 2.059569795572165, 1.5922327514838093], rel=1e-13)
    assert d2fdxdy.shape == ()

    X = sd.var("X", shape=("n", 784))
    W1 = sd.var("W1", shape=(784, 256)); b1 = sd.var("b1", shape=(256,))  # noqa: E702
    W2 = sd.var("W2", shape=(256, 10)); b2 = sd.var("b2", shape=(10,))  # noqa: E702
    labels = sd.var("labels", shape=("n",), dtype="int64")
    logits = sd.relu(X @ W1 + b1) @ W2 + b2
    loss = -sd.log_softmax(logits, axis=1)[sd.arange(X.shape[0]), labels].mean()
    gW1, gb1, gW2, gb2 = sd.grad(loss, [W1, b1, W2, b2])
    assert [g.shape for g in (gW1, gb1, gW2, gb2)] == [(784, 256), (256,), (256, 10), (10,)]
    assert loss.shape == () and loss.dtype == np.float64
    v = sd.var("v", shape=(100,))
    H = sd.hessian(sd.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2), v)
    assert H.shape == (100, 100)


def test_variables_may_be_named_by_string():
    x, y = sd.symbols("x, y")
    f = x * x * y
    gx, gy = sd.evaluate(sd.grad(f, ["x", "y"]), {"x": 3.0, "y": 2.0})
    assert (gx, gy) == (12.0, 9.0)
    assert sd.evaluate(sd.grad(f, "y"), {"x": 3.0, "y": 2.0}) == 9.0


def test_grad_of_single_variable_gives_a_node_and_of_list_a_list():
    x = sd.var("x")
    assert isinstance(sd.grad(x * x, x), sd.Node)
    out = sd.grad(x * x, [x])
    assert isinstance(out, list) and len(out) == 1
    assert sd.evaluate(sd.grad(x, x), {"x": 2.0}) == 1.0


def test_results_are_graph_nodes_in_the_same_graph():
    x = sd.var("x", shape=(3,))
    f = sd.sum(sd.tanh(x))
    g = sd.grad(f, x)
    assert isinstance(g, sd.Node)
    assert sd.tanh(x) in set(sd.toposort(g))  # tanh' = 1 - tanh**2 reuses the forward node


def test_to_networkx_describes_every_node():
    x, y = sd.symbols("x y")
    f = x * x + y
    graph = sd.to_networkx(f)
    assert graph.number_of_nodes() == sd.count_nodes(f) == 4
    ops = sorted(graph.nodes[n]["op"] for n in graph.nodes)
    assert ops == ["add", "mul", "var", "var"]
    root = next(n for n in graph.nodes if graph.nodes[n]["output"])
    assert graph.nodes[root]["op"] == "add"
    assert graph.nodes[root]["shape"] == "()" and graph.nodes[root]["dtype"] == "float64"
    square = next(n for n in graph.nodes if graph.nodes[n]["op"] == "mul")
    (edge,) = graph.in_edges(square, data=True)
    assert edge[2]["positions"] == [0, 1]  # x fills both inputs of x * x
    X = sd.var("X", shape=("n", 3), dtype="float32")
    attrs = sd.to_networkx(X).nodes[0]
    assert attrs["shape"] == "(n, 3)" and attrs["dtype"] == "float32" and attrs["label"] == "X"


def test_repr_and_str():
    x, y = sd.symbols("x y")
    f = x * y + 1
    assert str(f) == "x * y + 1.0" and repr(f) == "x * y + 1.0"
    z = x
    for _ in range(300):
        z = sd.sin(z)
    assert repr(z) == "<symdiff expression sin: float64[], more than 200 nodes>"


def test_format_of_an_expression_is_its_text_and_a_number_format_needs_a_value():
    x = sd.var("x")
    f = x * 2.0
    assert f"{f}" == format(f) == "x * 2.0"
    # a number format fell to object.__format__: "unsupported format string passed to Node.__format__"
    with pytest.raises(TypeError, match=r"^the format '\.3f' of a symbolic expression: it has no value "
                                        r"until it is evaluated; use sd.evaluate\(expr, values\) or expr.eval"):
        f"{f:.3f}"
    assert f"{f.eval(x=1.5):.3f}" == "3.000"


def test_demo_prints_values(capsys):
    from symdiff.__main__ import main

    assert main([]) == 0
    out = capsys.readouterr().out
    assert "f = 1.5456449" in out and "df/dx = 2.0595698" in out and "df/dy = 1.5922328" in out


def test_every_public_function_has_a_docstring():
    for name, fn in sd.FUNCTIONS.items():
        assert fn.__doc__ and fn.__doc__.strip(), name


def test_a_generator_of_outputs_is_read_as_the_list_it_yields():
    # read once only: entry points that look at the outputs twice (to decide whether to
    # simplify, to find their variables) must not see it empty the second time
    x = sd.var("x", shape=(3,))
    outs = [sd.sum(x), sd.sum(x * 2.0)]
    X = np.arange(3.0)
    for simplify in ("auto", True, False):
        assert sd.evaluate((o for o in outs), {"x": X}, simplify=simplify) == [3.0, 6.0]
    assert sd.simplify(o for o in outs) == sd.simplify(outs)
    assert sd.to_text(o for o in outs) == sd.to_text(outs)
    assert sd.codegen(o for o in outs) == sd.codegen(outs)
    assert sd.compile(o for o in outs)(X) == (3.0, 6.0)


def test_symbols_gives_one_variable_for_one_name_as_sympy_does():
    x = sd.symbols("x")
    assert isinstance(x, sd.Node) and x.op.var_name == "x" and x.shape == ()
    assert str(sd.simplify(sd.grad(x ** 2, x))) == "2.0 * x"
    assert sd.symbols(" y ", dtype="float32").dtype == np.float32
    for many, names in (("x,", ["x"]), ("x, y", ["x", "y"]), ("x y", ["x", "y"]), ("x:1", ["x0"]),
                        (["x"], ["x"]), (("x", "y"), ["x", "y"])):
        got = sd.symbols(many)
        assert isinstance(got, tuple) and [v.op.var_name for v in got] == names, many
    # text naming nothing is refused, as SymPy refuses it (it gave an empty tuple, and
    # `x, y = sd.symbols("")` failed only in the unpacking)
    for empty in ("", " ", ",", " , "):
        with pytest.raises(ValueError, match=rf"^symbols: no names given in {re.escape(repr(empty))}"):
            sd.symbols(empty)


def test_symbols_reads_ranges_as_sympy_does():
    assert [v.op.var_name for v in sd.symbols("x:3")] == ["x0", "x1", "x2"]
    assert [v.op.var_name for v in sd.symbols("x1:4, y")] == ["x1", "x2", "x3", "y"]
    # SymPy's letter ranges include their end (its 'a:d' is a, b, c, d), unlike number ranges;
    # 'a:d' gave a, b, c, and 'a:a' was refused as empty
    assert [v.op.var_name for v in sd.symbols("a:d")] == ["a", "b", "c", "d"]
    assert [v.op.var_name for v in sd.symbols("x:z")] == ["x", "y", "z"]
    assert [v.op.var_name for v in sd.symbols("a:a")] == ["a"]
    assert sd.symbols("w10:12", dtype="float32")[1].dtype == np.float32
    for bad, msg in [("x3:1", "the range 'x3:1' is empty"), (":3", "cannot read ':3'"),
                     ("x:", "cannot read 'x:'"), ("d:a", "the range 'd:a' is empty")]:
        with pytest.raises(ValueError, match=re.escape(msg)):
            sd.symbols(bad)


def test_numpys_constants_are_there_as_numpy_has_them():
    # sd.pi was an AttributeError, for users who write sd.<NumPy name> throughout
    import sympy

    x = sd.var("x")
    v = sd.var("v", (3,))
    assert (sd.pi, sd.e, sd.euler_gamma) == (np.pi, np.e, np.euler_gamma)
    assert sd.inf == np.inf and np.isnan(sd.nan) and sd.newaxis is None
    assert v[:, sd.newaxis].shape == (3, 1)
    assert sd.evaluate(sd.sin(sd.pi * x), {"x": 0.5}) == 1.0
    assert sd.to_sympy(sd.pi * x).has(sympy.pi)
    assert "np" not in dir(sd)
