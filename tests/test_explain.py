import math

import numpy as np
import pytest

import symdiff as sd


def test_explain_rows_follow_the_chain_rule():
    x, y = sd.symbols("x y")
    q = x + y
    f = q * y
    e = sd.explain(f, wrt=[x, y], values={"x": -2.0, "y": 5.0})
    rows = {r["node"]: r for r in e.rows}
    assert rows["(x + y) * y"]["upstream"] == "1"
    # mul gate: the local gradient for q is the other input (y = 5)
    assert ("x + y", "5", "5") in rows["(x + y) * y"]["inputs"]
    assert ("y", "3", "3") in rows["(x + y) * y"]["inputs"]
    assert rows["x + y"]["gate"].startswith("add gate: distributes")
    assert rows["x"]["upstream"] == "5" and rows["y"]["upstream"] == "8"
    assert e.rows[0]["node"] == "(x + y) * y"  # backward order: output first


def test_explain_shows_a_node_used_several_times_accumulating_its_gradient():
    # the lecture notes' f(x, y) at x = 3, y = -4: x is used three times (dx += ... three times)
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    e = sd.explain(f, wrt=[x, y], values={"x": 3.0, "y": -4.0})
    rows = {r["node"]: r for r in e.rows}
    sent = [down for r in e.rows for name, _, down in r["inputs"] if name == "x"]
    assert sent == ["1.583", "-0.03576", "0.5121"] and rows["x"]["upstream"] == "2.06"
    assert "used 3 times" in rows["x"]["gate"] and "1.583 + -0.03576 + 0.5121 = 2.06" in rows["x"]["gate"]
    assert "x: used 3 times" in str(e) and "1.583 + -0.03576 + 0.5121 = 2.06" in e._repr_html_()
    assert "used" not in rows["sigmoid(x)"]["gate"]  # used once: nothing to accumulate
    # a * a sends a two gradients; a node with a gate keeps it; many uses are cut short
    a = sd.var("a")
    rows = {r["node"]: r for r in sd.explain(a * a * a + a, values={"a": 2.0}).rows}
    assert rows["a"]["gate"].endswith("1 + 4 + 4 + 4 = 13")
    s = a + 1.0
    rows = {r["node"]: r for r in sd.explain(s * s + s * 2.0 + s * 3.0 + s * 4.0, values={"a": 0.0}).rows}
    assert rows["a + 1.0"]["gate"].startswith("add gate: distributes")
    assert "; used 5 times" in rows["a + 1.0"]["gate"] and "+ … = 11" in rows["a + 1.0"]["gate"]


def test_explain_and_why_zero_say_where_a_tie_routes_and_that_stop_gradient_sends_nothing():
    a, c = sd.symbols("a c")
    e = sd.explain(sd.maximum(a, c), values={"a": 1.0, "c": 1.0})
    row = e.rows[0]
    assert ("a", "1", "1") in row["inputs"] and ("c", "0", "0") in row["inputs"]
    assert "(the first at a tie)" in row["gate"]
    assert "(the first at a tie)" in sd.explain(sd.minimum(a, c), values={"a": 1.0, "c": 1.0}).rows[0]["gate"]
    assert "(at 0 too)" in sd.explain(sd.relu(a), values={"a": 0.0}).rows[0]["gate"]
    why = sd.why_zero(sd.maximum(a, c), c, values={"a": 1.0, "c": 1.0})
    assert why.reason == "flat_at_values" and "at a tie, the second input" in why.message
    rows = {r["node"]: r for r in sd.explain(a * sd.stop_gradient(a), values={"a": 3.0}).rows}
    assert rows["stop_gradient(a)"]["inputs"] == [] and "no gradient back" in rows["stop_gradient(a)"]["gate"]


def test_explain_names_the_max_gate_and_routes():
    a, b = sd.symbols("a b")
    e = sd.explain(sd.maximum(a, b), values={"a": 1.0, "b": 3.0})
    row = e.rows[0]
    assert row["gate"].startswith("max gate: routes")
    assert ("a", "0", "0") in row["inputs"] and ("b", "1", "1") in row["inputs"]


def test_explain_text_and_html():
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    e = sd.explain(f, wrt=[x, y], values={"x": 3, "y": -4})
    text = str(e)
    assert "downstream = upstream × local" in text and "2.06" in text and "1.592" in text
    assert e._repr_html_().startswith("<table>") and "rowspan" in e._repr_html_()


def test_explain_needs_a_scalar_and_values():
    v = sd.var("v", shape=(3,))
    with pytest.raises(ValueError, match="scalar"):
        sd.explain(v * 2, values={"v": [1, 2, 3]})
    with pytest.raises(ValueError, match="values="):
        sd.explain(sd.sum(v))


@pytest.mark.parametrize(
    "build, point, reason, text",
    [
        (lambda x, y: sd.relu(x) * 2, None, "not_zero", "not zero by the graph's structure"),
        # gradient flows along both paths, and cancels: it is zero everywhere, not merely here
        (lambda x, y: (x - x) * 2 + y, None, "identically_zero", "its paths cancel"),
        (lambda x, y: sd.sum(sd.stack([x, y])) - x, None, "identically_zero", "simplifies to 0"),
        (lambda x, y: x * 0.0 + y, None, "identically_zero", "a factor on them is 0"),
        # simplify keeps these (0.0 * cos(x) is nan where cos(x) is inf): zero wherever finite
        (lambda x, y: sd.sin(x) ** 2 + sd.cos(x) ** 2, None, "identically_zero",
         "zero wherever it is finite"),
        (lambda x, y: sd.sin(x) * 0 + y, None, "identically_zero",
         "zero wherever it is finite: it simplifies to 0.0 * cos(x)"),
        (lambda x, y: sd.sin(x) - sd.sin(x), None, "identically_zero",
         "zero wherever it is finite: it simplifies to cos(x) - cos(x)"),
        (lambda x, y: sd.sin(x) * y, None, "not_zero", "give values="),
        (lambda x, y: sd.relu(y) * 2, None, "no_path", "no path"),
        (lambda x, y: sd.stop_gradient(x) * 2 + y, None, "stop_gradient", "stop_gradient"),
        (lambda x, y: sd.sign(x) + y, None, "flat_op", "sign"),
        (lambda x, y: sd.where(x > 0, y, 0.0) * y, None, "flat_op", "greater"),
        (lambda x, y: sd.relu(x) * 2, {"x": -1.0, "y": 0.0}, "flat_at_values", "relu is flat"),
        (lambda x, y: sd.maximum(x, y), {"x": 1.0, "y": 2.0}, "flat_at_values", "losing side of maximum"),
        (lambda x, y: sd.maximum(x, y), {"x": 3.0, "y": 2.0}, "not_zero", "not zero"),
    ],
)
def test_why_zero(build, point, reason, text):
    x, y = sd.symbols("x y")
    out = build(x, y)
    z = sd.why_zero(out, x, values=point)
    assert z.reason == reason
    assert text in str(z)
    if reason == "identically_zero":  # the gradient is 0 at finite points, and not otherwise claimed
        for xv in (-1.3, 0.4, 2.0):
            assert sd.evaluate(sd.grad(out, x), {"x": xv, "y": 0.7}) == 0.0


def test_why_zero_at_values_agrees_with_the_gradient():
    x = sd.var("x")
    f = sd.relu(x - 1.0) * sd.relu(1.0 - x)
    z = sd.why_zero(f, x, values={"x": 1.0})
    assert z.reason == "flat_at_values"
    assert sd.evaluate(sd.grad(f, x), {"x": 1.0}) == 0
    assert not math.isnan(float(sd.evaluate(f, {"x": 1.0})))


def test_explain_downstream_is_summed_back_to_a_broadcast_input():
    # d sum(x * b) / db = sum(x) = 6: the downstream gradient has b's shape, not the product's
    x, b = sd.var("x", shape=(3,)), sd.var("b")
    e = sd.explain(sd.sum(x * b), wrt=[x, b], values={"x": [1.0, 2.0, 3.0], "b": 2.0})
    rows = {r["node"]: r for r in e.rows}
    assert ("b", "[1, 2, 3]", "6") in rows["x * b"]["inputs"]  # local elementwise, downstream summed
    assert ("x", "[2, 2, 2]", "[2, 2, 2]") in rows["x * b"]["inputs"]
    assert rows["b"]["upstream"] == "6"
    # a matrix times a vector: the vector's downstream is a vector, A^T @ upstream
    A, v = sd.var("A", shape=(2, 2)), sd.var("v", shape=(2,))
    e = sd.explain(sd.sum(A @ v), wrt=[v], values={"A": [[1.0, 2.0], [3.0, 4.0]], "v": [1.0, 1.0]})
    rows = {r["node"]: r for r in e.rows}
    assert ("v", "[4, 6]") == rows["A @ v"]["inputs"][-1][::2]
    assert rows["v"]["upstream"] == "[4, 6]"


def test_explain_local_gradient_of_a_non_elementwise_op_is_its_jacobian():
    # softmax's output elements each depend on every input: its local gradient is a matrix, and
    # the ones-vector pullback (S * (1 - sum(S)) = [0, 0, 0]) would break upstream x local = downstream
    y, m = sd.var("y", shape=(3,)), sd.var("m", dtype="int64")
    e = sd.explain(-sd.log(sd.softmax(y)[m]), values={"y": [1.0, 2.0, 0.5], "m": 2})
    rows = {r["node"]: r for r in e.rows}
    ((name, local, down),) = rows["softmax(y, axis=0)"]["inputs"]
    assert name == "y" and local == "float64(3, 3)" and down == "[0.2312, 0.6285, -0.8598]"  # S - onehot(m)
    # small enough to show: d x[:1] / dx is the (1, 2) matrix [[1, 0]]
    x = sd.var("x", shape=(2,))
    e = sd.explain(sd.sum(x[:1] * 3.0), values={"x": [5.0, 7.0]})
    rows = {r["node"]: r for r in e.rows}
    assert rows["x[:1]"]["inputs"] == [("x", "[[1, 0]]", "[3, 0]")]


def test_why_zero_of_a_vector_output():
    v = sd.var("v", shape=(3,))
    assert sd.why_zero(sd.relu(v) * 2, v).reason == "not_zero"  # structure needs no scalar
    assert sd.why_zero(sd.stop_gradient(v) * 2, v).reason == "stop_gradient"
    with pytest.raises(ValueError, match=r"why_zero at values= needs a scalar .* shape \(3,\)"):
        sd.why_zero(sd.relu(v) * 2, v, values={"v": [1.0, 2.0, 3.0]})


def test_explain_names_the_rows_of_a_deep_graph_without_printing_it_whole(monkeypatch):
    # each row is named by a short text; printing every node's whole subgraph to find that
    # out made explain quadratic in depth (3.5 minutes at depth 2,000)
    import symdiff.interop.explain as explain_module

    printed: list[int] = []
    to_text = explain_module.to_text

    def counting_to_text(n):
        text = to_text(n)
        printed.append(len(text))
        return text

    monkeypatch.setattr(explain_module, "to_text", counting_to_text)
    w = sd.var("w")
    z = w
    for _ in range(300):
        z = sd.sin(z) * 0.5 + w
    e = sd.explain(z, values={"w": 0.3})
    assert len(e.rows) == 901 and e.rows[-1]["node"] == "w"
    assert sum(printed) < 100 * len(e.rows)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the chain as written divides by 0 at the sigmoid
def test_explain_and_draw_give_a_variable_the_gradient_grad_gives_through_a_stable_form():
    # asking for the gradient at sigmoid(x) as well made reverse mode take log(sigmoid(x))'s chain
    # rule as written, 1/s * s(1 - s) = inf * 0 at x = -800, so x showed nan where grad gives 1
    x = sd.var("x")
    f = sd.log(sd.sigmoid(x))
    assert sd.evaluate(sd.grad(f, x), {"x": -800.0}) == 1.0
    e = sd.explain(f, values={"x": -800.0})
    rows = {r["node"]: r for r in e.rows}
    assert rows["x"]["upstream"] == "1" and rows["sigmoid(x)"]["upstream"] == "inf"
    assert "differentiates this as -softplus(-x)" in rows["log(sigmoid(x))"]["gate"]
    drawn = {it.label: it.gradient for it in sd.draw(f, values={"x": -800.0}, gradients=True).items}
    assert drawn["x"] == "1"


def test_explain_names_each_row_once_in_a_derivative_graph():
    # distinct products all shorten to mul(…, …): the rows, and the inputs naming them, were ambiguous
    v = sd.var("v", shape=(3,))
    g = sd.grad(sd.sum(sd.tanh(v) ** 2), v)
    e = sd.explain(sd.sum(g * g), values={"v": [0.1, -0.5, 2.0]})
    names = [r["node"] for r in e.rows]
    assert len(set(names)) == len(names) and "mul(…, …) #2" in names
    for r in e.rows:
        assert all(inp in names for inp, _, _ in r["inputs"])
    (total,) = [r["upstream"] for r in e.rows if r["node"] == "v"]
    assert total == "[0.7583, -0.8217, -0.06883]"  # d/dv sum((2 tanh(v) (1 - tanh(v)^2))^2)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # sqrt of a negative, in the branch not taken
def test_explain_sends_exactly_zero_to_the_branch_a_where_does_not_take():
    # reverse mode masks the cotangent after the rule, so sqrt's inf/nan local gradient at
    # x < 0 never reaches x; the table multiplied the masked zero by it and showed nan
    x = sd.var("x")
    e = sd.explain(sd.where(x > 0, sd.sqrt(x), 0.0), values={"x": -1.0})
    rows = {r["node"]: r for r in e.rows}
    assert rows["sqrt(x)"]["inputs"] == [("x", "nan", "0")] and rows["x"]["upstream"] == "0"
    v, b = sd.var("v", shape=(3,)), sd.var("b")
    f = sd.sum(sd.where(v > 0, sd.sqrt(v) * b, v))
    values = {"v": [-1.0, 4.0, 9.0], "b": 2.0}
    assert sd.evaluate(sd.grad(f, b), values) == 5.0
    rows = {r["node"]: r for r in sd.explain(f, values=values).rows}
    assert ("b", "[nan, 2, 3]", "5") in rows["sqrt(v) * b"]["inputs"] and rows["b"]["upstream"] == "5"
    assert ("v", "[nan, 0.25, 0.1667]", "[0, 0.5, 0.3333]") in rows["sqrt(v)"]["inputs"]


def _central_difference(f, values, name, eps=1e-6):
    base = {k: np.array(v, dtype=float) for k, v in values.items()}
    g = np.zeros_like(base[name])
    for idx in np.ndindex(g.shape):
        up = {k: v.copy() for k, v in base.items()}
        down = {k: v.copy() for k, v in base.items()}
        up[name][idx] += eps
        down[name][idx] -= eps
        g[idx] = (float(sd.evaluate(f, up)) - float(sd.evaluate(f, down))) / (2 * eps)
    return g


_X, _B, _A = sd.var("x", shape=(3,)), sd.var("b"), sd.var("A", shape=(2, 3))
_M, _MASK = sd.var("M", shape=(3, 3)), np.array([True, False, True])
_AVERAGE, _WEIGHTS = sd.average(_A, axis=1, weights=_X * _X + _B, returned=True)
# the newer ops: det's gradient op (with and without directions), reductions with where=,
# average's sum of weights
_NEWER = {
    "det": sd.linalg.det(_M) * _B,
    "det_derivative": sd.sum(sd.linalg.det_derivative(_M * _B) * _M),
    "det_derivative-direction": sd.sum(sd.linalg.det_derivative(_M, _M * _B)),
    "sum-where": sd.sum(_X * _B, where=_MASK),
    "mean-where": sd.mean(sd.exp(_A), axis=1, where=_MASK)[0] * _B,
    "std-where": sd.std(_X * _B, where=_MASK),
    "average-returned": sd.sum(_AVERAGE * _WEIGHTS),
}


@pytest.mark.parametrize("f", [
    sd.sum(_X * _B),  # a scalar broadcast against a vector
    sd.sum(sd.sin(_A + _X)),  # a vector broadcast against a matrix
    sd.sum((_A @ _X) ** 2),
    sd.sum(sd.exp(_X) * sd.exp(_X) + _X),  # one node used twice by one op, x by two
    sd.sum(sd.mean(_A * _A, axis=0) / _B),
    sd.log_softmax(_X * _B)[1],
    sd.sum(sd.where(_X > 0, _X ** 2, -_X)) * _B,
    sd.max(_A @ _X) + sd.sum(sd.relu(_A - _B)),
    *_NEWER.values(),
], ids=["bcast-scalar", "bcast-vector", "matvec", "shared", "mean", "log_softmax", "where", "max-relu",
        *_NEWER])
def test_backward_table_agrees_with_finite_differences_and_adds_up(f):
    # each variable's upstream gradient is the finite difference; each node's upstream is the
    # sum of the downstream gradients its consumers send it, in its own shape
    from symdiff.autodiff import backward_edges

    rng = np.random.default_rng(7)
    values = {"x": rng.normal(size=3) + 0.5, "b": 1.3, "A": rng.normal(size=(2, 3)),
              "M": rng.normal(size=(3, 3))}
    nodes = [n for n in sd.toposort(f) if n.type.is_float and not isinstance(n.op, sd.ops.Const)]
    table = backward_edges(f, nodes)
    ups = sd.evaluate([up for up, _ in table], values, simplify=False)
    up_of = dict(zip(nodes, ups))
    for n in nodes:
        if isinstance(n.op, sd.ops.Var):
            np.testing.assert_allclose(up_of[n], _central_difference(f, values, n.op.var_name), atol=1e-6)
    edges = [(n, i, d) for n, (_, downs) in zip(nodes, table) for i, d in zip(n.inputs, downs)
             if d is not None and i in up_of]
    downs = sd.evaluate([d for _, _, d in edges], values, simplify=False)
    sent = {n: 0.0 for n in nodes if n is not f}
    for (_, i, _), d in zip(edges, downs):
        assert np.shape(d) == np.shape(up_of[i])
        sent[i] = sent[i] + d
    for n, total in sent.items():
        np.testing.assert_allclose(total, up_of[n], atol=1e-12)


@pytest.mark.parametrize("f", _NEWER.values(), ids=_NEWER)
def test_explain_and_why_zero_read_the_newer_ops(f):
    # each node of the graph has its row, and b's upstream is its gradient
    rng = np.random.default_rng(3)
    values = {"x": rng.normal(size=3), "b": 1.3, "A": rng.normal(size=(2, 3)),
              "M": rng.normal(size=(3, 3))}
    e = sd.explain(f, values=values)
    rows = {r["node"]: r for r in e.rows}
    moved = [n for n in sd.toposort(f) if n.type.is_float
             and any(isinstance(m.op, sd.ops.Var) for m in sd.toposort(n))]
    assert len(rows) == len(e.rows) == len(moved)  # a row for each node a variable moves
    want = float(sd.evaluate(sd.grad(f, _B), values))
    assert float(rows["b"]["upstream"]) == pytest.approx(want, rel=1e-3)
    assert e._repr_html_().startswith("<table>")
    for v in (n for n in sd.toposort(f) if isinstance(n.op, sd.ops.Var)):
        assert sd.why_zero(f, v, values=values).reason == "not_zero"


@pytest.mark.parametrize("f, wrt, values, text", [
    (sd.linalg.det(_M), _M, {"M": np.zeros((3, 3))}, "the derivative of det is 0 there"),
    (sd.sum(sd.linalg.det_derivative(_M, _M + _B)), _B, {"M": np.zeros((3, 3)), "b": 1.0},
     "the derivative of det_derivative is 0 there"),
    (sd.sum(sd.exp(_X), where=np.array([False, False, False])), _X, {"x": np.ones(3)},
     "where sends gradient only to the branch its condition picks"),
], ids=["det", "det_derivative", "sum-where"])
def test_why_zero_names_the_newer_op_that_is_flat_at_the_values(f, wrt, values, text):
    z = sd.why_zero(f, wrt, values=values)
    assert z.reason == "flat_at_values" and text in str(z)


def test_explain_names_variables_with_long_or_multiline_names():
    long_a = "learning_rate_of_the_second_layer_weights"
    a, b, c = sd.var(long_a), sd.var("bias_of_the_second_layer_and_more"), sd.var("new\nline")
    f = a * b + c
    point = {a: 2.0, b: 3.0, c: 1.0}
    e = sd.explain(f, values=point)
    rows = {r["node"]: r for r in e.rows}
    # each variable's row is named by its own name, cut to a line, never by the op's name
    named = {long_a[:31] + "…": a, "bias_of_the_second_layer_and_mo…": b, "new\\nline": c}
    assert set(named) <= set(rows)
    for name, v in named.items():
        assert float(rows[name]["upstream"]) == pytest.approx(float(sd.evaluate(sd.grad(f, v), point)))
    product = rows["mul(learning_ra…, bias_of_the…)"]
    assert [inp for inp, _, _ in product["inputs"]] == [long_a[:31] + "…", "bias_of_the_second_layer_and_mo…"]
    assert not any("var()" in line for line in str(e).splitlines())
    assert all("\n" not in r["node"] and "\t" not in r["node"] for r in e.rows)
    assert long_a[:31] in str(sd.why_zero(sd.stop_gradient(a) * b, a))


def test_explain_and_draw_of_a_non_scalar_or_integer_output_say_what_to_do():
    v, i = sd.var("v", shape=(2,)), sd.var("i", dtype="int64")
    H = sd.hessian(sd.sum(v**3), v)
    with pytest.raises(ValueError, match=r"shape \(2, 2\): explain sum\(y\) or one element of it \(H\[0, 1\]"):
        sd.explain(H, values={"v": [1.0, 2.0]})
    with pytest.raises(ValueError, match="dtype int64 and shape \\(\\): integer and boolean values carry no gradient"):
        sd.explain(i * 2, values={"i": 1})
    with pytest.raises(ValueError, match=r"shape \(2, 2\): draw sum\(y\) or one element of it first"):
        sd.draw(H, values={"v": [1.0, 2.0]}, gradients=True)
    with pytest.raises(ValueError, match="dtype int64 and shape \\(\\): integer and boolean values carry no"):
        sd.draw(i * 2, values={"i": 1}, gradients=True)
    # the hint works: H[1, 1] = 6 v[1] is explained, and its gradient is (0, 6)
    rows = {r["node"]: r for r in sd.explain(H[1, 1], values={"v": [1.0, 2.0]}).rows}
    assert float(rows["v"]["value"][1:-1].split(", ")[1]) == 2.0
    assert [float(t) for t in rows["v"]["upstream"][1:-1].split(", ")] == pytest.approx([0.0, 6.0])


def test_explain_of_a_big_graph_shows_the_rows_nearest_the_output_in_a_notebook():
    from html.parser import HTMLParser

    class Table(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open: list[str] = []
            self.rows = 0
            self.cells: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.open.append(tag)
            self.rows += tag == "tr"

        def handle_endtag(self, tag):
            assert self.open.pop() == tag  # well nested

        def handle_data(self, data):
            self.cells.append(data)

    x, y = sd.symbols("x y")
    z = x
    for _ in range(500):
        z = sd.sin(z) * y
    e = sd.explain(z, values={"x": 0.5, "y": 0.9})
    assert len(e.rows) == 1002
    table = Table()
    table.feed(e._repr_html_())
    assert table.open == []
    shown = e.rows[:200]
    assert table.rows == 1 + sum(len(r["inputs"]) or 1 for r in shown) + 1
    assert f"… {len(e.rows) - 200} more nodes" in "".join(table.cells)
    assert e.rows[-1]["node"] not in table.cells  # the input x, 1,001 rows down
    assert str(e).count("\n" + e.rows[-1]["node"] + " ") == 1  # the text has every row


def test_html_table_shows_the_whole_text_of_a_cut_name_on_hover():
    import html.parser

    class Titles(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.titles = {}
            self.title = None

        def handle_starttag(self, tag, attrs):
            self.title = dict(attrs).get("title") if tag == "code" else None

        def handle_data(self, data):
            if self.title is not None:
                self.titles[data] = self.title
                self.title = None

    w = sd.var("w")
    z = w
    for _ in range(2):
        z = sd.sin(z) * z + sd.exp(-z * z)
    # a comparison in a cut name: '<' must reach the tooltip escaped
    e = sd.explain(sd.where(z < 2.0, z * w, w), values={"w": 0.5})
    parser = Titles()
    parser.feed(e._repr_html_())
    cut = [r["node"] for r in e.rows if "…" in r["node"]]
    assert cut and all(name in parser.titles for name in cut)
    for name, whole in parser.titles.items():
        assert e.texts[name] == whole and "…" not in whole and len(whole) > len(name)
    assert any("<" in whole for whole in parser.titles.values())
    assert "title" not in sd.explain(w * w, values={"w": 0.5})._repr_html_()  # nothing is cut


def test_draw_and_why_zero_at_values_given_by_name_of_a_graph_with_a_named_dimension():
    # the gradient of sum(x) / n with respect to each node holds only n, no variable
    x = sd.var("x", shape=("n",))
    mean = sd.sum(x) / sd.dim_size("n")
    point = {"x": np.array([1.0, 2.0, 4.0])}
    d = sd.draw(mean, values=point, gradients=True, engine="python")
    shown = {it.label: it for it in d.items}
    assert float(shown["÷"].value) == pytest.approx(7 / 3, rel=1e-3)
    eps = 1e-6
    for k in range(3):
        step = np.eye(3)[k] * eps
        fd = (sd.evaluate(mean, {"x": point["x"] + step}) - sd.evaluate(mean, {"x": point["x"] - step})) / (2 * eps)
        assert float(shown["x"].gradient[1:-1].split(", ")[k]) == pytest.approx(fd, rel=1e-3)
    assert float(shown["sum"].gradient) == pytest.approx(1 / 3, rel=1e-3)
    assert sd.why_zero(mean, "x", values=point).reason == "not_zero"
    flat = sd.why_zero(sd.relu(sd.sum(x) - 100.0) / sd.dim_size("n"), "x", values=point)
    assert flat.reason == "flat_at_values" and "relu" in flat.message


def test_explain_says_which_variables_the_output_does_not_use():
    x, q = sd.var("x"), sd.var("q")
    alone = sd.explain(x * 2, wrt=[q], values={"x": 1.0, "q": 1.0})
    assert alone.rows == [] and alone.unreached == ["q"]
    assert str(alone).splitlines()[-1] == "q: x * 2.0 does not depend on it, so its gradient is 0"
    assert "does not depend on it" in alone._repr_html_()
    both = sd.explain(x * 2, wrt=[x, q], values={"x": 1.0, "q": 1.0})
    assert [r["node"] for r in both.rows] == ["x * 2.0", "x"] and both.unreached == ["q"]
    assert sd.explain(x * 2, values={"x": 1.0}).unreached == []


def _sorted_then_joined():
    x, w = sd.var("x", shape=(3,)), sd.var("w", shape=(2,))
    return x, sd.concatenate([sd.sort(x), w]), {"x": np.array([3.0, 1.0, 2.0]), "w": np.array([5.0, 6.0])}


@pytest.mark.parametrize(
    "build, op, text",
    [
        # the elements of x sit at positions 0..2 of the concatenation; each case leaves them out
        (lambda c: sd.sum(c[3:]), "getitem", "uses none of the 3 elements"),
        (lambda c: c[4] * 2.0, "getitem", "a slice or an index keeps only the elements it picks"),
        (lambda c: sd.sum(c[np.array([3, 4, 3])]), "getitem", "uses none of the 3 elements"),
        (lambda c: sd.sum(sd.where(sd.const(np.arange(5) >= 3), c, 0.0)), "where", "branch its condition picks"),
        (lambda c: sd.sum(c * sd.const(np.array([0.0, 0, 0, 1, 1]))), "mul", "a factor is 0 there"),
        (lambda c: sd.sum(c @ sd.const(np.eye(5)[:, 3:])), "matmul", "uses none of the 3 elements"),
    ],
)
def test_why_zero_of_tensors_names_the_op_that_leaves_the_elements_out(build, op, text):
    # the gradient of the whole concatenation is not zero, that of its first three elements is:
    # the op to blame is the one that leaves them out, not the concatenation (or the sort)
    x, c, point = _sorted_then_joined()
    z = sd.why_zero(build(c), x, values=point)
    assert np.all(sd.evaluate(sd.grad(build(c), x), point) == 0)
    assert z.reason == "flat_at_values"
    assert [n.op.name for n in z.nodes] == [op]
    assert text in str(z) and "concatenate" in str(z)


def test_why_zero_names_an_op_whose_derivative_underflows_to_zero():
    v = sd.var("v", shape=(3,))
    z = sd.why_zero(sd.sum(sd.exp(v - 1000.0)), v, values={"v": [1.0, 2.0, 3.0]})
    assert [n.op.name for n in z.nodes] == ["exp"]
    assert "uses none of the 3 elements of v - 1000.0 that v moves (the derivative of exp is 0 there)" in str(z)


def test_why_zero_counts_the_elements_each_op_drops():
    # the slice keeps one of sort(x)'s three elements, and a zero factor drops that one
    x, c, point = _sorted_then_joined()
    z = sd.why_zero(sd.sum(c[2:] * sd.const(np.array([0.0, 1.0, 1.0]))), x, values=point)
    assert [n.op.name for n in z.nodes] == ["getitem", "mul"]
    assert "drops 2 of the 3 elements of concatenate(…, w) that x moves" in str(z)
    assert "does not use the element of" in str(z)


def test_why_zero_names_the_slice_that_drops_where_sort_puts_a_variable():
    x, w = sd.var("x"), sd.var("w", shape=(2,))
    f = sd.sum(sd.sort(sd.concatenate([sd.reshape(x, (1,)), w]))[1:])
    z = sd.why_zero(f, x, values={"x": -5.0, "w": [1.0, 2.0]})  # the smallest: sorted to position 0
    assert [n.op.name for n in z.nodes] == ["getitem"]
    assert "sort(" in str(z)
    assert sd.why_zero(f, x, values={"x": 5.0, "w": [1.0, 2.0]}).reason == "not_zero"


def test_why_zero_of_tensors_names_where_changes_cancel():
    v = sd.var("v", shape=(3,))
    z = sd.why_zero((sd.sum(v) - sd.sum(v * 1.0)) * 2.0, v, values={"v": [1.0, 2.0, 3.0]})
    assert [n.op.name for n in z.nodes] == ["sub"] and "cancel there" in str(z)


@pytest.mark.parametrize("n", [3, 4, 7])
def test_why_zero_names_the_reduction_where_changes_cancel_but_for_rounding(n):
    # forward mode's sum(d) - n * mean(d) leaves a few ulps at every node above v; the
    # gradient itself is exactly 0, and the sum is where the changes meet and cancel
    v = sd.var("v", (n,))
    z = sd.why_zero(sd.sum(v - sd.mean(v)) * 3.0 + 1.0, v, values={"v": np.arange(float(n))})
    assert z.reason == "flat_at_values"
    assert [m.op.name for m in z.nodes] == ["sum"]
    assert "combined over its input's elements" in str(z)


def test_why_zero_names_an_underflow_not_a_cancellation():
    # one path of elementwise ops: no two changes meet to cancel; each derivative is nonzero
    # and their product rounds to 0
    x = sd.var("x")
    y = sd.sin(sd.sin(x) * 1e-200) * 1e-200
    assert sd.evaluate(sd.grad(y, x), {"x": 0.5}) == 0
    z = sd.why_zero(y, x, values={"x": 0.5})
    assert z.reason == "flat_at_values" and [n.op.name for n in z.nodes] == ["mul"]
    assert "underflow to 0" in str(z) and "too small for float64" in str(z) and "cancel" not in str(z)
    # a deep chain whose derivatives multiply below the smallest float64
    z = x
    for k in range(2500):
        z = sd.sin(z) + 0.001 * k
    found = sd.why_zero(z, x, values={"x": 0.7})
    assert found.reason == "flat_at_values" and "underflow to 0" in str(found) and "cancel" not in str(found)
    # where changes meet by two inputs, they still cancel
    z = sd.why_zero(sd.exp(x) * sd.exp(-x) - 1.0, x, values={"x": 3.0})
    assert "by several inputs and cancel there" in str(z)


def test_why_zero_without_values_says_tensors_are_read_whole():
    x, c, _ = _sorted_then_joined()
    z = sd.why_zero(sd.sum(c[3:]), x)
    assert z.reason == "not_zero" and "tensor by tensor" in str(z) and "give values=" in str(z)


def test_why_zero_probes_do_not_take_the_names_of_the_variables():
    # forward mode runs along a random direction held in a variable of its own: a variable of
    # the expression with the name that variable would take is left alone
    x = sd.var("x", shape=(2,))
    other = sd.var("random float64(2,) #0", shape=(3,))
    f = sd.sum(x[1:] * 0.0) + sd.sum(other)
    z = sd.why_zero(f, x, values={"x": [1.0, 2.0], "random float64(2,) #0": [1.0, 1.0, 1.0]})
    assert z.reason == "flat_at_values" and [n.op.name for n in z.nodes] == ["getitem", "mul"]


def test_explain_and_why_zero_of_something_not_an_expression_name_it():
    # outputs are read as every function reads them: a str points to sd.parse, a value that is
    # no expression is named, and several expressions are refused, each under the caller's name
    x = sd.var("x", shape=(3,))
    for y, given in (
        ([sd.sum(x)], r"y must be one expression, got a list of 1 expression \(explain each output on its own\)"),
        ((sd.sum(x), x[0]), r"y must be one expression, got a tuple of 2 expressions"),
        ({"loss": sd.sum(x)}, r"y must be one expression, got a dict of 1 expression"),
        (3.0, r"expects an expression, a list or a dict of expressions, got float$"),
        (None, r"expects an expression, a list or a dict of expressions, got NoneType$"),
        ("x", r"expects an expression, a list or a dict of expressions, got the str 'x'; sd.parse\(text\) reads an expression from text$"),
        ([sd.sum(x), "x"], r"item 1 is a str, not an expression \(sd.const makes a constant one\)$"),
    ):
        with pytest.raises(TypeError, match=rf"^explain: {given}"):
            sd.explain(y, values={"x": [1.0, 2.0, 3.0]})
        with pytest.raises(TypeError, match=rf"^why_zero: {given}"):
            sd.why_zero(y, x)


def test_why_zero_of_a_deep_chain_does_not_simplify_its_gradient(monkeypatch):
    # a chain has one path from the variable to the output, so its gradient is a product with
    # nothing to cancel: simplifying the whole gradient to find that out cost 15 s at depth 10^5
    import symdiff.interop.explain as explain_module

    simplified: list[int] = []
    simplify = explain_module.simplify

    def counting_simplify(e):
        simplified.append(sd.count_nodes(e))
        return simplify(e)

    monkeypatch.setattr(explain_module, "simplify", counting_simplify)
    w, v = sd.symbols("w v")
    z = w
    for _ in range(2000):
        z = sd.sin(z) * 0.5 + v
    assert sd.why_zero(z, w).reason == "not_zero"
    assert simplified and max(simplified) < 10  # each op's own derivative, once
    # a chain on which an op's own derivative is 0 is still simplified to tell
    assert sd.why_zero((w - w) * 2.0 + v, w).reason == "identically_zero"
    assert sd.why_zero(w * 0.0 + v, w).reason == "identically_zero"


def test_explanation_echoed_in_a_terminal_shows_the_rows_nearest_the_output():
    # repr is what a terminal echoes: the table of a deep graph is cut as the HTML one is,
    # while print (str) still lists every node
    w = sd.var("w")
    z = w
    for _ in range(500):
        z = sd.sin(z)
    e = sd.explain(z, values={"w": 0.5})
    shown = repr(e).splitlines()
    assert len(shown) < 220 and shown[-1].startswith("… 301 more nodes, down to the inputs")
    assert len(str(e).splitlines()) == 3 + 501
    small = sd.explain(sd.sin(w), values={"w": 0.5})
    assert repr(small) == str(small)


def test_why_zero_names_a_few_of_many_flat_ops_and_keeps_them_all_in_its_nodes():
    w = sd.var("w")
    y = sd.relu(w - 0.0)
    for k in range(1, 30):
        y = y + sd.relu(w - float(k))
    assert sd.evaluate(sd.grad(y, w), {"w": -1.0}) == 0
    z = sd.why_zero(y, w, values={"w": -1.0})
    assert z.reason == "flat_at_values" and len(z.nodes) == 30
    assert all(n.op.name == "relu" for n in z.nodes)
    assert str(z).count("relu is flat") == 10 and str(z).endswith("and 20 more ops like these (all of them are in .nodes)")
    assert len(repr(z)) < len(str(z)) + 40 and "relu(w - 29.0)" not in z._repr_html_()


def test_why_zero_of_an_empty_variable_or_a_square_says_so_once():
    e = sd.var("e", shape=(0,))
    z = sd.why_zero(sd.sum(e * e), e, values={"e": np.zeros(0)})
    assert z.reason == "empty" and str(z) == "e has no elements at these values (shape (0,)), so its gradient is empty"
    # c * c takes c twice: at c = 0 both edges drop its changes, and the message says it once
    c = sd.var("c", dtype="complex128")
    assert sd.evaluate(sd.grad(sd.real(c * c), c), {"c": 0j}) == 0
    z = sd.why_zero(sd.real(c * c), c, values={"c": 0j})
    assert z.reason == "flat_at_values" and str(z).count("c * c passes no gradient to c") == 1


def _relu_chain(depth, shift):
    w = sd.var("w")
    z = w
    for _ in range(depth):
        z = sd.relu(z) + shift
    return z, w


def test_why_zero_of_a_deep_chain_pulls_back_only_near_its_variable(monkeypatch):
    # 10,000 nodes, flat from its first relu: the changes of w stop there, so the edges above,
    # which carry none, are not pulled back (they were all pulled back, and evaluated)
    import symdiff.interop.explain as explain_module

    z, w = _relu_chain(5000, 0.5)
    assert sd.evaluate(sd.grad(z, w), {"w": -5.0}) == 0
    pulled: list[sd.Node] = []
    pullback = explain_module.pullback

    def counting_pullback(node, g):
        pulled.append(node)
        return pullback(node, g)

    monkeypatch.setattr(explain_module, "pullback", counting_pullback)
    why = sd.why_zero(z, w, values={"w": -5.0})
    assert why.reason == "flat_at_values" and why.nodes == [sd.relu(w)]
    assert str(why) == ("the gradient with respect to w is zero at these values: relu(w) passes no "
                        "gradient to w (relu is flat where its input is ≤ 0)")
    assert pulled == [sd.relu(w)]


def _flat_sum(w):
    y = sd.relu(w)
    for k in range(1, 30):
        y = y + sd.relu(w - float(k))
    return y


def _nan_above_the_flat_op(w):
    z = sd.log(sd.relu(w))  # log(0): its tangent 0/0 is nan, which moves the nodes above it
    for _ in range(20):
        z = sd.relu(z) + 0.0 * z
    return z


def _cancelling_chain(w):
    z = w
    for _ in range(40):
        z = sd.sin(z) * 0.5 + 0.1
    return (z - z * 1.0) * 2.0


def _vector_slices(v):
    t = v
    for k in range(30):
        t = sd.where(t > 100.0, t, t * 0.5) if k % 3 == 0 else sd.maximum(t, -50.0) - 0.1
    return sd.sum(t[2:] * 0.0) + sd.sum(sd.relu(t[:2] - 100.0))


def _named(x):
    t = x
    for _ in range(20):
        t = sd.relu(t - 1.0)
    return sd.sum(t) / sd.dim_size("n")


@pytest.mark.parametrize("build, wrt, point, reason, count", [
    (_flat_sum, sd.var("w"), {"w": -1.0}, "flat_at_values", 30),
    (_nan_above_the_flat_op, sd.var("w"), {"w": -2.0}, "flat_at_values", 41),
    (_cancelling_chain, sd.var("w"), {"w": 0.3}, "flat_at_values", 1),
    (_vector_slices, sd.var("v", shape=(4,)), {"v": [1.0, 2.0, 3.0, 4.0]}, "flat_at_values", 14),
    (_named, sd.var("x", shape=("n",)), {"x": np.array([-3.0, -2.0, 0.5])}, "flat_at_values", 1),
    (lambda w: _relu_chain(40, 0.5)[0], sd.var("w"), {"w": 2.0}, "not_zero", 0),
])
def test_why_zero_pulling_back_only_where_changes_arrive_says_the_same(monkeypatch, build, wrt, point,
                                                                      reason, count):
    # a big graph is pulled back only along the edges whose input moves somewhere, a small one
    # (rewritten before evaluation) along all of them: the same graphs both ways, unrewritten,
    # give the same answer
    import symdiff.interop.explain as explain_module

    y = build(wrt)
    evaluate = explain_module.evaluate
    monkeypatch.setattr(explain_module, "evaluate",
                        lambda outputs, inputs, simplify: evaluate(outputs, inputs, simplify=False))
    found = {}
    for big in (False, True):
        monkeypatch.setattr(explain_module, "_worth_simplifying", lambda roots, inputs, big=big: not big)
        found[big] = sd.why_zero(y, wrt, values=point)
    assert (found[True].reason, str(found[True]), found[True].nodes) == (
        found[False].reason, str(found[False]), found[False].nodes)
    assert found[True].reason == reason and len(found[True].nodes) == count
    if reason == "flat_at_values":
        assert np.all(sd.evaluate(sd.grad(y, wrt), point) == 0)


def test_explain_shows_an_array_value_as_a_summary_of_its_entries():
    W = sd.var("W", (4, 3))
    v = np.arange(12.0).reshape(4, 3)
    e = sd.explain(sd.sum(W * W), values={"W": v})
    row = next(r for r in e.rows if r["node"] == "W * W")
    assert row["value"] == "(4, 3) [0, 1, …, 121] min 0 max 121"
    assert row["upstream"] == "(4, 3) all 1"
    # the local gradient of W * W along W is 2 W, elementwise
    assert row["inputs"][0][1] == "(4, 3) [0, 1, …, 11] min 0 max 11"
    assert "(4, 3) [0, 1, …, 121]" in str(e)


def test_explain_titles_a_long_output_the_output_and_a_short_one_by_its_text():
    W, v = sd.var("W", (4, 3)), sd.var("v", (3,))
    values = {"W": np.arange(12.0).reshape(4, 3) / 10, "v": np.ones(3)}
    loss = -sd.sum(sd.log(sd.sigmoid(W @ v)) + sd.log1p(-sd.sigmoid(W @ v)) * 0.5 + sd.tanh(W @ v))
    e = sd.explain(loss, values=values)
    assert str(e).startswith("backward pass of the output: downstream")
    assert "<caption>backward pass of the output:" in e._repr_html_()
    short = sd.explain(sd.sum(W @ v), values=values)
    assert str(short).startswith("backward pass of sum(W @ v, axis=0): ")
    x = sd.var("x")
    assert "x: the output does not depend on it" in str(sd.explain(
        loss, wrt=[x, W], values={**values, "x": 1.0}))


def test_explain_without_values_says_so_and_reads_a_dict_given_second_as_wrt():
    x = sd.var("x")
    with pytest.raises(ValueError, match=r"^explain needs values= for the variables, to show the numbers$"):
        sd.explain(x * 3.0, x)
    with pytest.raises(ValueError, match=r"the dict given second is read as wrt.*explain\(y, values=\{\.\.\.\}\)"):
        sd.explain(x * 3.0, {"x": 2.0})
    assert "x * 3.0" in str(sd.explain(x * 3.0, values={"x": 2.0}))
