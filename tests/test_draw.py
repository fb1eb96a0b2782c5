import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import symdiff as sd


def seed():
    x, y = sd.symbols("x y")
    return x, y, (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # valid XML, or this raises
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_python_engine_svg_is_valid_and_labels_ops():
    x, y, f = seed()
    texts = svg_texts(sd.draw(f, engine="python").svg)
    for label in ("x", "y", "sigmoid", "+", "÷", "^", "2.0"):
        assert label in texts


def test_forward_and_derivative_nodes_are_styled_apart():
    x, y, f = seed()
    svg = sd.draw([f, *sd.grad(f, [x, y])], engine="python").svg
    root = ET.fromstring(svg)
    kinds = [g.get("class") for g in root.iter("{http://www.w3.org/2000/svg}g")]
    assert "node forward" in kinds and "node derivative" in kinds and "node var" in kinds


def test_values_and_gradients_match_the_lecture_numbers():
    x, y, f = seed()
    texts = svg_texts(sd.draw(f, values={"x": 3, "y": -4}, gradients=True, engine="python").svg)
    assert "1.546" in texts  # f
    assert "2.06" in texts and "1.592" in texts  # df/dx, df/dy
    assert "-0.7916" in texts  # the gradient at the denominator


def test_gradients_need_values():
    x, y, f = seed()
    with pytest.raises(ValueError, match="needs values="):
        sd.draw(f, gradients=True)


def test_tensor_edges_show_shapes():
    W = sd.var("W", shape=(4, 3))
    h = sd.var("h", shape=(3,))
    texts = svg_texts(sd.draw(sd.sum(sd.tanh(W @ h)), engine="python").svg)
    assert "0: (4, 3)" in texts and "(4,)" in texts  # W fills the matrix product's first place


def test_big_graphs_are_cut_with_a_warning():
    z = w = sd.var("w")
    for _ in range(400):
        z = sd.sin(z) * 0.5 + w
    with pytest.warns(UserWarning, match="drawing the 60 nearest"):
        d = sd.draw(z, max_nodes=60, engine="python")
    texts = svg_texts(d.svg)
    assert "…" in texts and len([t for t in texts if t == "sin"]) < 40


def test_save_svg_dot_and_unknown_suffix(tmp_path):
    x, y, f = seed()
    d = sd.draw(f, engine="python")
    assert svg_texts(d.save(tmp_path / "f.svg").read_text())
    dot = d.save(tmp_path / "f.dot").read_text()
    assert dot.startswith("digraph symdiff {") and "rankdir=LR" in dot and "->" in dot
    with pytest.raises(ValueError, match="use .svg, .png or .dot"):
        d.save(tmp_path / "f.jpeg")


def test_dot_escapes_labels():
    q = sd.var('a"b')
    dot = sd.draw(q * 2).dot
    assert 'label="a\\"b"' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_graphviz_engine_svg():
    x, y, f = seed()
    texts = svg_texts(sd.draw(f, engine="graphviz").svg)
    assert "sigmoid" in " ".join(texts)


def test_graphviz_engine_without_the_program_says_so(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    x, y, f = seed()
    with pytest.raises(RuntimeError, match="needs Graphviz") as caught:
        _ = sd.draw(f, engine="graphviz").svg
    # what to install (the pip package named graphviz is not the program), and what works without it
    message = str(caught.value)
    assert "apt install graphviz" in message and "brew install graphviz" in message
    assert "conda install graphviz" in message and "pip install graphviz" in message
    assert "engine='python'" in message
    assert svg_texts(sd.draw(f).svg)  # auto falls back to the pure-Python drawing


def test_repr_svg_for_jupyter():
    x, y, f = seed()
    assert "<svg" in sd.draw(f)._repr_svg_()[:400]


def test_evaluated_values_are_finite():
    x, y, f = seed()
    d = sd.draw(f, values={"x": 3, "y": -4}, gradients=True)
    assert all(np.isfinite(float(it.gradient)) for it in d.items if it.gradient)


def test_expressions_render_as_math_in_jupyter_and_big_ones_do_not():
    x, y, f = seed()
    assert f._repr_latex_().startswith("$\\displaystyle \\frac{x + \\sigma")
    z = x
    for _ in range(200):
        z = sd.sin(z) + y
    assert z._repr_latex_() is None
    assert "more than 200 nodes" in repr(z)


def test_compiled_functions_render_as_signature_docstring_and_folded_source():
    x, y, f = seed()
    fn = sd.compile([f, *sd.grad(f, [x, y])], inputs=[x, y], names=["f", "dfdx", "dfdy"])
    page = fn._repr_html_()
    assert "<code>f(x, y)</code>" in page
    assert "dfdx: float64, shape ()" in page  # the docstring's outputs with dtypes and shapes
    assert "<details><summary>source</summary>" in page
    assert "def f(x, y):" in page and "math.exp(" in page
    assert fn(3.0, -4.0)[0] == pytest.approx(1.5456448841066441)  # still a plain fast function


def test_a_big_compiled_function_shows_only_its_first_lines_escaped():
    x = sd.var("x<b>")  # a name that would be markup
    z = x
    for _ in range(400):
        z = sd.sin(z) * z
    fn = sd.compile(z, inputs=[x], simplify=False)
    page = fn._repr_html_()
    assert "<b>" not in page.replace("<b>compiled</b>", "")
    assert "x&lt;b&gt;" in page
    hidden = len(fn.source.splitlines()) - 200
    assert hidden > 0 and f"# ... {hidden} more lines: print(fn.source)" in page


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_save_png_with_graphviz(tmp_path):
    x, y, f = seed()
    assert sd.draw(f).save(tmp_path / "f.png").read_bytes().startswith(PNG_MAGIC)


def test_save_png_without_graphviz_uses_matplotlib(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    x, y, f = seed()
    assert sd.draw(f).save(tmp_path / "f.png").read_bytes().startswith(PNG_MAGIC)


def test_save_png_with_neither_says_what_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    x, y, f = seed()
    with pytest.raises(RuntimeError, match=r"saving PNG needs Graphviz's `dot` program or matplotlib") as caught:
        sd.draw(f).save(tmp_path / "f.png")
    assert "apt install graphviz" in str(caught.value) and "symdiff[viz]" in str(caught.value)
    assert not (tmp_path / "f.png").exists()  # nothing half-written


def test_save_png_shows_the_values_and_gradients_as_the_svg_does(tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.axes import Axes

    drawn: list[str] = []
    text = Axes.text

    def recording_text(ax, x, y, s, *args, **kwargs):
        drawn.append(s)
        return text(ax, x, y, s, *args, **kwargs)

    monkeypatch.setattr(Axes, "text", recording_text)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    x, y, f = seed()
    d = sd.draw(f, values={"x": 3, "y": -4}, gradients=True)
    assert d.save(tmp_path / "f.png").read_bytes().startswith(PNG_MAGIC)
    assert "1.546" in drawn and "2.06" in drawn and "1.592" in drawn and "-0.7916" in drawn
    assert sorted(drawn) == sorted(svg_texts(d.svg))  # the same texts as the SVG


def test_svg_stays_valid_xml_for_any_variable_name():
    # XML 1.0 cannot hold most control characters: one in a name made the whole picture unreadable
    for name in ("a\x01b", "esc\x1b", "<&>", "]]>", "é∂"):
        v = sd.var(name)
        texts = svg_texts(sd.draw(sd.sin(v) * v, values={name: 1.0}, gradients=True, engine="python").svg)
        assert "0.8415" in texts and any(name[0] in t for t in texts)


@pytest.mark.parametrize("max_nodes", [0, -3, 2.5, True])
def test_max_nodes_must_be_a_positive_count(max_nodes):
    _, _, f = seed()
    expected = f"max_nodes must be a whole number of nodes, at least 1, got {max_nodes}$"
    with pytest.raises(ValueError, match=expected):
        sd.draw(f, max_nodes=max_nodes)  # 0 drew an empty picture without a word


def test_complex_values_and_gradients_show_rounded_as_real_ones_do():
    z = sd.var("z", dtype="complex128")
    w = z * z
    f = sd.abs(w)
    point = {"z": 1 / 3 + 2j / 3}
    d = sd.draw(f, values=point, gradients=True, engine="python")
    shown = {it.label: it for it in d.items}
    assert shown["z"].value in svg_texts(d.svg)
    expected = {"z": (point["z"], sd.grad(f, z)), "×": (sd.evaluate(w, point), sd.grad(f, w))}
    for label, (value, gradient) in expected.items():
        assert complex(shown[label].value) == pytest.approx(complex(value), rel=1e-3)
        assert complex(shown[label].gradient) == pytest.approx(complex(sd.evaluate(gradient, point)), rel=1e-3)
        assert len(shown[label].value) <= 16 and len(shown[label].gradient) <= 16
    rows = {r["node"]: r for r in sd.explain(f, values=point).rows}
    assert complex(rows["z"]["upstream"]) == pytest.approx(complex(sd.evaluate(sd.grad(f, z), point)), rel=1e-3)
    assert len(rows["z * z"]["value"]) <= 16


def kinds_of(drawing):
    return {it.node: it.kind for it in drawing.items if it.node is not None}


def test_a_gradient_drawn_alone_tells_derivative_nodes_from_forward_ones():
    # the forward nodes are the function's own (exp(y) is reused by the gradient); the nodes
    # reverse mode appended (cos(x), the products and the sum) are derivative nodes
    x, y = sd.symbols("x y")
    f = x * sd.exp(y) + sd.sin(x)
    g = sd.grad(f, x)
    function = set(sd.toposort(f))
    shown = kinds_of(sd.draw(g, engine="python"))
    assert shown[sd.exp(y)] == "forward" and shown[sd.cos(x)] == "derivative" and shown[g] == "derivative"
    for n, kind in shown.items():
        if kind in ("forward", "derivative"):
            assert kind == ("forward" if n in function else "derivative"), sd.to_text(n)
    # the same as when the function is drawn with it
    both = kinds_of(sd.draw([f, g], engine="python"))
    assert all(both[n] == kind for n, kind in shown.items())


def test_a_gradient_of_a_function_built_inline_is_drawn_with_its_forward_nodes():
    x, y = sd.symbols("x y")
    shown = kinds_of(sd.draw(sd.grad(x * sd.exp(y) + sd.sin(x), y), engine="python"))
    assert shown[sd.exp(y)] == "forward"
    assert sorted(k for k in shown.values() if k != "forward") == ["const", "derivative", "derivative", "var", "var"]


def test_a_simplified_gradient_drawn_alone_still_tells_its_function_apart():
    # simplify rewrites the function's nodes the gradient reads too (w * w -> w ** 2): they are
    # still the function's, though the function itself is not drawn or simplified
    w = sd.var("w")
    z = w
    for _ in range(3):
        z = sd.sin(z) * z + sd.exp(-z * z)
    for g in (sd.simplify(sd.grad(z, w)), sd.simplify([z, sd.grad(z, w)])[1]):
        function = set(sd.toposort(sd.simplify(z)))
        shown = kinds_of(sd.draw(g, engine="python", max_nodes=500))
        assert shown[w ** 2.0] == "forward" and shown[sd.cos(w)] == "derivative"
        for n, kind in shown.items():
            if kind in ("forward", "derivative"):
                assert kind == ("forward" if n in function else "derivative"), sd.to_text(n)
    # a Hessian's blocks, simplified together: the gradient's own nodes count as derivative
    x, y, f = seed()
    H = sd.simplify(sd.hessian(f, [x, y]))
    function = set(sd.toposort(sd.simplify(f)))
    shown = kinds_of(sd.draw([b for row in H for b in row], engine="python", max_nodes=500))
    assert "derivative" in shown.values()
    for n, kind in shown.items():
        if kind in ("forward", "derivative"):
            assert kind == ("forward" if n in function else "derivative"), sd.to_text(n)


def test_a_hessian_drawn_alone_counts_both_passes_as_derivative():
    v = sd.var("v", shape=(2,))
    f = sd.sum(sd.exp(v) * v)
    function = set(sd.toposort(f))
    shown = kinds_of(sd.draw(sd.hessian(f, v), engine="python"))
    assert [n for n, kind in shown.items() if kind == "forward"] == [sd.exp(v)]
    assert all(n in function for n, kind in shown.items() if kind in ("forward", "var"))


def test_functions_and_given_forward_nodes_are_drawn_as_before():
    x, y = sd.symbols("x y")
    f = x * sd.exp(y) + sd.sin(x)
    assert "derivative" not in kinds_of(sd.draw(f, engine="python")).values()
    g = sd.grad(f, x)
    shown = kinds_of(sd.draw(g, forward=sd.cos(x), engine="python"))
    assert shown[sd.cos(x)] == "forward" and shown[sd.exp(y)] == "derivative"


def test_a_gradient_lets_its_function_go_when_it_dies():
    import gc

    kept = sd.var("kept_cotangent")
    gc.collect()
    before = sd.live_node_count()

    def build():
        x = sd.var("x_drawn_released", shape=(3,))
        s = sd.var("s_drawn_released")
        y = sd.sin(s) + s
        # derivatives that are the constant 1, a variable that lives on, and a node of y's own graph
        return (sd.grad(sd.sum(sd.tanh(x) * sd.exp(x)), x), sd.grad(y + 1.0, y), sd.vjp(y, y, kept),
                sd.vjp(y, y, sd.sin(s)), sd.hessian(sd.sum(x**3), x))

    g = build()
    assert sd.live_node_count() > before
    del g
    gc.collect()
    assert sd.live_node_count() <= before


LONG = "learning_rate_of_the_second_layer_" * 6 + "end"


def test_a_long_name_is_cut_in_the_box_and_whole_in_its_tooltip():
    from symdiff.interop.dot import LABEL_CHARS

    q, x = sd.var(LONG), sd.var("x")
    d = sd.draw(q * x, engine="python")
    root = ET.fromstring(d.svg)
    ns = "{http://www.w3.org/2000/svg}"
    labels = [t.text for g in root.iter(f"{ns}g") for t in g.iter(f"{ns}text")]
    cut = LONG[: LABEL_CHARS - 1] + "…"
    assert cut in labels and LONG not in labels and "x" in labels
    assert [t.text for t in root.iter(f"{ns}title")] == [LONG]  # only the cut label has one
    assert max(it.width for it in d.items) <= 7.0 * LABEL_CHARS + 18.0
    assert f'label="{cut}"' in d.dot and f'tooltip="{LONG}"' in d.dot
    assert d.dot.count("tooltip=") == 1


def test_to_dot_cuts_a_long_name_and_keeps_it_whole_in_a_tooltip():
    from symdiff.interop.dot import LABEL_CHARS

    dot = sd.to_dot(sd.var(LONG) * sd.var("x"))
    assert f'label="{LONG[: LABEL_CHARS - 1]}…"' in dot and f'tooltip="{LONG}"' in dot
    assert dot.count("tooltip=") == 1


def test_a_name_with_line_breaks_is_drawn_on_one_line():
    q = sd.var("two\nlines<&>")
    d = sd.draw(q * 2, engine="python")
    texts = svg_texts(d.svg)
    assert "two\\nlines<&>" in texts  # escaped for XML, and read back
    assert [t.text for t in ET.fromstring(d.svg).iter("{http://www.w3.org/2000/svg}title")] == ["two\nlines<&>"]


def test_a_constant_drawn_as_its_shape_has_its_text_as_tooltip():
    # two different constants of one shape are boxed alike; hovering tells them apart
    x = sd.var("x", (1000,))
    f = sd.sum(x * np.arange(1000.0) + np.full(1000, 2.0))
    d = sd.draw(f, engine="python")
    consts = [it for it in d.items if it.kind == "const"]
    assert [it.label for it in consts] == ["const (1000,)", "const (1000,)"]
    titles = [t.text for t in ET.fromstring(d.svg).iter("{http://www.w3.org/2000/svg}title")]
    assert titles == [c.node.op.text([]) for c in consts] and titles[0] != titles[1]
    assert "arange(1000" in titles[0] and "full((1000,), 2.0)" in titles[1]
    assert d.dot.count("tooltip=") == 2


_M, _B, _X = sd.var("M", (3, 3)), sd.var("b"), sd.var("x", (3,))
_AVERAGE, _WEIGHTS = sd.average(_X, weights=_X * _X + _B, returned=True)


@pytest.mark.parametrize("f, label", [
    (sd.sum(sd.linalg.det_derivative(_M, _M * _B)), "det_derivative"),
    (sd.sum(sd.grad(sd.linalg.det(_M * _B), _M) * _M), "det_derivative"),
    (sd.std(_X * _B, where=np.array([True, False, True])), "where"),
    (_AVERAGE * _WEIGHTS, "÷"),
], ids=["det_derivative", "det-gradient", "std-where", "average-returned"])
def test_the_newer_ops_are_drawn_with_their_values_and_gradients(f, label):
    # det's gradient op, a reduction with where= and average's sum of weights
    point = {"M": np.eye(3) + 0.1, "b": 1.3, "x": np.array([1.0, 2.0, 3.0])}
    d = sd.draw(f, values=point, gradients=True, engine="python")
    texts = svg_texts(d.svg)
    assert label in texts
    shown = {it.label: it for it in d.items}
    assert float(shown["b"].value) == 1.3
    want = float(sd.evaluate(sd.grad(f, _B), point))
    assert float(shown["b"].gradient) == pytest.approx(want, rel=1e-3)
    assert shown["b"].gradient in texts


def test_no_outputs_draw_an_empty_picture_as_to_dot_and_to_networkx_give_an_empty_graph():
    d = sd.draw([], engine="python")
    assert repr(d).startswith("<Drawing of 0 nodes")
    root = ET.fromstring(d.svg)
    assert not list(root.iter("{http://www.w3.org/2000/svg}rect"))
    assert "->" not in d.dot and " n0 " not in d.dot
    assert "->" not in sd.to_dot([]) and " n0 " not in sd.to_dot([])
    nx = pytest.importorskip("networkx")
    assert nx.number_of_nodes(sd.to_networkx([])) == 0
    assert sd.draw([], values={}).items == []
    with pytest.raises(ValueError, match="gradients=True needs .* got no outputs"):
        sd.draw([], values={}, gradients=True)


def test_an_array_of_more_than_three_elements_shows_a_summary_of_its_entries():
    from symdiff.interop.draw import VALUE_CHARS, format_value

    a = np.arange(12.0).reshape(4, 3)
    assert format_value(a) == "(4, 3) [0, …, 11] min 0 max 11"
    assert format_value(a, 60) == "(4, 3) [0, 1, …, 11] min 0 max 11"
    assert format_value(np.ones((4, 3))) == "(4, 3) all 1"
    assert format_value(np.arange(5)) == "int64(5,) min 0 max 4"
    assert format_value(np.array([True, False, True, True])) == "bool(4,) 3 of 4 true"
    assert format_value(np.array([np.nan, 1.0, 2.0, 3.0])) == "(4,) min 1 max 3, 1 nan"
    assert format_value(np.zeros((0, 4))) == "(0, 4)"
    wide = np.random.default_rng(0).normal(size=(100, 10))
    assert len(format_value(wide)) <= VALUE_CHARS
    assert f"max {wide.max():.4g}" in format_value(wide)
    # in a picture, beside the node
    W = sd.var("W", (4, 3))
    texts = svg_texts(sd.draw(sd.sum(W * 2.0), values={"W": a}, engine="python").svg)
    assert "(4, 3) [0, …, 22] min 0 max 22" in texts


def test_a_small_array_shows_its_shape_by_its_brackets_as_numpy_prints_it():
    from symdiff.interop.draw import format_value

    assert format_value(np.array([1.0, 2.0, 3.0])) == "[1, 2, 3]"
    assert format_value(np.array([[1.0, 2.0, 3.0]])) == "[[1, 2, 3]]"  # a row, not a (3,)
    assert format_value(np.array([[0.5], [2.0]])) == "[[0.5], [2]]"  # a kept axis
    assert format_value(np.ones((1, 1, 1))) == "[[[1]]]"
    assert format_value(np.zeros((0,))) == "[]"
    # the value of sum(x, axis=1, keepdims=True) and the gradient it sends back are (2, 1)
    x = sd.var("x", (2, 3))
    s = sd.sum(x, axis=1, keepdims=True)
    e = sd.explain(sd.sum(s * x), x, {"x": np.arange(6.0).reshape(2, 3)})
    (row,) = [r for r in e.rows if r["node"] == "sum(x, axis=1, keepdims=True)"]
    assert row["value"] == "[[3], [12]]"
    assert row["upstream"] == "[[3], [12]]"


def test_dot_shows_control_characters_of_a_name_as_escapes():
    # a NUL in a DOT string ends it for Graphviz, and a carriage return was dropped: both are
    # shown as escapes, in the label and the tooltip, and the DOT text holds no control character
    v = sd.var("a\x00b\rc\x1bd")
    for dot in (sd.to_dot(sd.sin(v) * 2), sd.draw(sd.sin(v) * 2).dot):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", dot)
        assert "a\\\\x00b\\\\rc\\\\x1bd" in dot


def _mlp_loss():
    X, W1, b1 = sd.var("X", (3,)), sd.var("W1", (4, 3)), sd.var("b1", (4,))
    W2, b2 = sd.var("W2", (2, 4)), sd.var("b2", (2,))
    loss = -sd.log_softmax(W2 @ sd.tanh(W1 @ X + b1) + b2)[1]
    rng = np.random.default_rng(0)
    point = {"X": rng.normal(size=3), "W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=4),
             "W2": rng.normal(size=(2, 4)), "b2": rng.normal(size=2)}
    return loss, point


def test_values_and_gradients_beside_nodes_neither_overlap_nor_leave_the_picture():
    # summaries of arrays are wider than the nodes they annotate: the columns make room for
    # them, so no two texts on one line overlap and none is cut at the picture's left edge
    from symdiff.interop.draw import CHAR_WIDTH, _annotations

    loss, point = _mlp_loss()
    d = sd.draw(loss, values=point, gradients=True, engine="python")
    width = float(ET.fromstring(d.svg).get("width"))
    spans: dict[float, list[tuple[float, float]]] = {}
    for x, y, text, _ in _annotations(d.items, d.edges):
        half = CHAR_WIDTH * len(text) / 2
        assert 0 <= x - half and x + half <= width, text
        spans.setdefault(y, []).append((x - half, x + half))
    for line in spans.values():
        line.sort()
        for (_, right), (left, _) in zip(line, line[1:]):
            assert right <= left


def test_edges_say_which_input_they_fill_where_the_order_matters_and_how_often_one_is_used():
    # x / y drew two bare arrows into ÷, so the numerator could not be told from the
    # denominator; s * s drew one arrow into ×, which read as a function of one input
    x, y = sd.symbols("x y")
    s = sd.sigmoid(x)
    d = sd.draw([x / y, s * s, sd.where(x > 0, y, x)], values={"x": 3.0, "y": -4.0}, engine="python")
    marks = {(d.items[source].label, d.items[target].label, above) for source, target, above, _ in d.edges}
    assert ("x", "÷", "0") in marks and ("y", "÷", "1") in marks
    assert ("sigmoid", "×", "×2") in marks
    assert ("x", "where", "0") not in marks and ("x", "where", "2") in marks and ("y", "where", "1") in marks
    texts = svg_texts(d.svg)
    assert "×2" in texts and "0" in texts and "1" in texts
    dot = d.dot
    assert 'label="×2"' in dot and 'label="0"' in dot and 'label="1"' in dot
    # tensors: the position beside the shape
    W, h = sd.var("W", (4, 3)), sd.var("h", (3,))
    marks = {above for _, _, above, _ in sd.draw(W @ h, engine="python").edges}
    assert marks == {"0: (4, 3)", "1: (3,)"}


def test_outputs_given_as_a_dict_or_with_names_point_to_a_box_holding_their_name():
    x, y = sd.symbols("x y")
    f = x * y + sd.sin(x)
    dfdx = sd.grad(f, x)
    d = sd.draw({"f": f, "df/dx": dfdx}, engine="python")
    named = {it.label: it for it in d.items if it.kind == "output"}
    assert set(named) == {"f", "df/dx"}
    by_node = {it.node: it.key for it in d.items if it.node is not None}
    # each name box is fed by its output's node, and by nothing else
    assert {(s, t) for s, t, _, _ in d.edges if t in {i.key for i in named.values()}} == {
        (by_node[f], named["f"].key), (by_node[dfdx], named["df/dx"].key)}
    assert all(it.x > d.items[by_node[f]].x for it in named.values())  # right of what they name
    assert repr(d).startswith(f"<Drawing of {sd.count_nodes([f, dfdx])} nodes")  # names are not nodes
    texts = [t.text for t in ET.fromstring(d.svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "df/dx" in texts
    assert 'label="df/dx", shape=doubleoctagon' in d.dot
    # names= names a list; the same node may be two outputs with two names
    d2 = sd.draw([f, f], names=["loss", "value"], values={"x": 1.0, "y": 2.0}, gradients=True,
                 engine="python")
    assert sorted(it.label for it in d2.items if it.kind == "output") == ["loss", "value"]
    long = "a" * 40
    d3 = sd.draw([f], names=[long], engine="python")
    (box,) = [it for it in d3.items if it.kind == "output"]
    assert box.label.endswith("…") and box.title == long
    assert not any(it.kind == "output" for it in sd.draw([f, dfdx], engine="python").items)
    with pytest.raises(ValueError, match=r"draw: 1 outputs but 2 names"):
        sd.draw([f], names=["a", "b"])
    with pytest.raises(TypeError, match="names must be a list of strings"):
        sd.draw([f], names="a")
