"""to_text: infix text that Python reads back as the same computation (precedence,
associativity, comparison chains, negative literals), and shared sub-expressions named once."""

from __future__ import annotations

import ast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symdiff as sd

a, b, c = sd.symbols("a b c")
M = sd.var("M", shape=(3, 3))
v = sd.var("v", shape=(3,))


@pytest.mark.parametrize("expr, text", [
    ((a - b) - c, "a - b - c"),
    (a - (b - c), "a - (b - c)"),
    (a + (b + c), "a + (b + c)"),
    (a / (b * c), "a / (b * c)"),
    ((a / b) * c, "a / b * c"),
    (-a ** 2, "-a ** 2.0"),
    ((-a) ** 2, "(-a) ** 2.0"),
    (a ** b ** c, "a ** b ** c"),
    ((a ** b) ** c, "(a ** b) ** c"),
    (a ** -b, "a ** -b"),
    (a ** (b * c), "a ** (b * c)"),
    (sd.const(-2.0) ** a, "(-2.0) ** a"),
    (sd.const(-2.0) * a, "-2.0 * a"),
    (a - -b, "a - -b"),
    ((a > b) > c, "(a > b) > c"),
    (a == (b < c), "a == (b < c)"),
    (v * (M @ v), "v * (M @ v)"),
    ((M @ M) @ v, "M @ M @ v"),
    (M @ (M @ v), "M @ (M @ v)"),
    (sd.concatenate([v, v * 2], axis=0), "concatenate([v, v * 2.0], axis=0)"),
    (sd.sum(M, axis=1, keepdims=True), "sum(M, axis=1, keepdims=True)"),
    ((M * 2).T, "(M * 2.0).T"),
    (v[1:], "v[1:]"),
    (sd.const(-0.0) + a, "-0.0 + a"),
    (-sd.const(1.0) * a, "negative(1.0) * a"),  # -1.0 would read back as a literal
    (-sd.const(-2.0), "negative(-2.0)"),
    (-sd.const(np.array([1.0, 2.0])), "-[1.0, 2.0]"),
    (a * np.array([0.1, 2.0, np.pi]), "a * [0.1, 2.0, 3.141592653589793]"),  # every bit kept
    (a * np.eye(2), "a * [[1.0, 0.0], [0.0, 1.0]]"),  # on one line
    (sd.const(np.array([0.1, 2.0], dtype=np.float32)), "astype([0.1, 2.0], 'float32')"),
    (sd.const(np.array([1, 2], dtype=np.int32)), "astype([1, 2], 'int32')"),
    (sd.const(np.zeros((2, 0))), "[[], []]"),
    (sd.const(np.ones((0, 2))), "broadcast_to(0.0, (0, 2))"),  # [] would read back as shape (0,)
    (sd.const(np.ones((0, 2), np.int8)), "broadcast_to(astype(0, 'int8'), (0, 2))"),
    (M.astype("float32"), "M.astype('float32')"),
    (sd.round(a, 2) + sd.round(b), "round(a, 2) + round(b)"),
])
def test_text(expr, text):
    assert sd.to_text(expr) == text
    assert str(expr) == text


def test_shared_subexpressions_are_named_once():
    x = sd.var("x")
    big = sd.sin(x * x + sd.exp(x) * sd.cos(x) + sd.tanh(x) / (1 + x * x) + sd.sqrt(x * x + 1))
    f = big * big + big
    text = sd.to_text(f)
    assert text.count("tanh") == 1
    assert text.startswith("_1 * _1 + _1\nwhere\n  _1 = sin(")


def test_several_outputs_one_per_line():
    assert sd.to_text([a + b, a * b]) == "a + b\na * b"


_NAMESPACE = {"sin": np.sin, "exp": np.exp, "tanh": np.tanh, "abs": np.abs, "where": np.where,
              "negative": np.negative}

_leaves = st.one_of(st.sampled_from([a, b, c]),
                    st.sampled_from([-2.0, -0.5, 0.0, 0.5, 3.0]).map(sd.const))


def _extend(children):
    binary = st.tuples(st.sampled_from(["+", "-", "*", "/", "**"]), children, children)
    unary = st.tuples(st.sampled_from(["neg", "sin", "exp", "tanh", "abs"]), children)
    choice = st.tuples(st.just("where"), st.sampled_from(["<", ">", "==", ">="]), children, children,
                       children, children)
    return st.one_of(binary, unary, choice)


def _build(tree):
    if isinstance(tree, sd.Node):
        return tree
    op, *rest = tree
    if op == "where":
        cmp, l, r, x, y = rest
        left, right = _build(l), _build(r)
        cond = {"<": left < right, ">": left > right, "==": left == right, ">=": left >= right}[cmp]
        return sd.where(cond, _build(x), _build(y))
    args = [_build(t) for t in rest]
    if op == "neg":
        return -args[0]
    if len(args) == 1:
        return sd.FUNCTIONS[op](args[0])
    x, y = args
    return {"+": x + y, "-": x - y, "*": x * y, "/": x / y, "**": x ** y}[op]


class _Float64Literals(ast.NodeTransformer):
    """Python floats would turn (-2.0) ** -0.5 complex; NumPy's float64 gives nan, as symdiff."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, float):
            return ast.Call(ast.Name("f64", ast.Load()), [node], [])
        return node


def _eval(expr: str, env: dict):
    tree = ast.fix_missing_locations(_Float64Literals().visit(ast.parse(expr, mode="eval")))
    return eval(compile(tree, "<printed>", "eval"), {"__builtins__": {}}, env)  # noqa: S307


def _run_text(text: str, values: dict) -> np.ndarray:
    """Python's own reading of the printed text (the expression and its named parts)."""
    body, _, defs = text.partition("\nwhere\n")
    env = dict(_NAMESPACE, f64=np.float64, **values)
    for line in defs.splitlines():
        name, _, expr = line.strip().partition(" = ")
        env[name] = _eval(expr, env)
    return _eval(body, env)


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(tree=st.recursive(_leaves, _extend, max_leaves=10))
def test_printed_text_computes_the_same_values(tree):
    expr = _build(tree)
    for values in ({"a": 0.5, "b": 1.25, "c": -2.0}, {"a": -1.5, "b": 0.5, "c": 3.0}):
        values = {k: np.float64(x) for k, x in values.items()}
        with np.errstate(all="ignore"):
            want = sd.evaluate(expr, values, simplify=False)  # the graph exactly as printed
            got = _run_text(sd.to_text(expr), values)
        np.testing.assert_array_equal(got, want, err_msg=sd.to_text(expr))


def test_negation_is_spelled_negative_only_where_minus_would_make_a_literal():
    x, y = sd.symbols("x y")
    cases = [(-(2.0 * (x + y) + x), "-(2.0 * (x + y) + x)"), (-(2.0 * x), "-(2.0 * x)"),
             (-sd.const(1.0), "negative(1.0)"), (-sd.const(np.inf), "negative(inf)"),
             (-sd.const(1e-5), "negative(1e-05)"),
             (-sd.const(np.complex128(1 + 2j)), "negative(complex(1.0, 2.0))")]
    for e, text in cases:
        assert sd.to_text(e) == text
        assert sd.parse(text) is e


def test_a_cast_integer_literal_prints_in_brackets():
    # 2.astype('float64') is a syntax error: Python reads 2. as a float and then a name
    a = sd.var("a")
    for e, text in [(sd.const(2).astype("float64") ** a, "(2).astype('float64') ** a"),
                    (sd.const(-3).astype("int8"), "(-3).astype('int8')"),
                    (sd.const(2.5).astype("float32") * a, "2.5.astype('float32') * a")]:
        assert sd.to_text(e) == text
        assert sd.parse(text) is e


def test_float32_and_float16_constants_print_as_their_own_shortest_text():
    # x32 * 0.1 holds float32(0.1); its float64 spelling 0.10000000149011612 is the same bits
    # once read in float32, but not what anyone wrote
    for dtype in ("float32", "float16"):
        x = sd.var("x", dtype=dtype)
        for e, text, tex in [(x * 0.1, "x * 0.1", r"x \cdot 0.1"), (x + 1e-3, "x + 0.001", "x + 0.001"),
                             (x * np.array([0.1, 0.2], dtype), f"x * astype([0.1, 0.2], {dtype!r})",
                              r"x \cdot \begin{bmatrix} 0.1 & 0.2 \end{bmatrix}")]:
            assert str(e) == text and sd.latex(e) == tex, (dtype, str(e), sd.latex(e))
            assert sd.parse(str(e), shapes={"x": ((), dtype)}) is e
    z = sd.var("z", dtype="complex64")
    e = z * np.complex64(0.1 + 0.2j)
    assert str(e) == "z * complex(0.1, 0.2)" and sd.latex(e) == r"z \cdot \left(0.1 + 0.2 i\right)"
    assert sd.parse(str(e), shapes={"z": ((), "complex64")}) is e


def test_to_dot_names_the_outputs_of_a_dict_by_its_keys():
    x, y = sd.symbols("x y")
    dot = sd.to_dot({"f": x * y, 'd"f/dx': y})
    assert 'out0 [label="f"' in dot and 'out1 [label="d\\"f/dx"' in dot
    assert 'out0 [label="mine"' in sd.to_dot({"f": x * y}, names=["mine"])


def test_shared_parts_are_not_named_as_a_variable():
    # a variable called _1 printed beside a shared part named _1 (`_1 = exp(_1 * _2 + 1.0)`):
    # the text did not read back, and LaTeX's t_{1} could be a variable t_1 too
    a, b, t1 = sd.var("_1"), sd.var("_2"), sd.var("t_1")
    s = sd.exp(a * b + 1.0)
    e = s * s + s * a
    for _ in range(3):
        e = sd.exp(e) * e + e * a
    text = sd.to_text(e)
    assert "  _3 = exp(_1 * _2 + 1.0)" in text and "  _1 =" not in text and "  _2 =" not in text
    assert sd.parse(text) is e
    tex = sd.latex(e * t1)
    assert r"t_{2} &= " in tex and r"t_{1} &=" not in tex


def test_boolean_and_integer_arrays_print_without_column_padding():
    # NumPy's repr pads columns: where([ True, False,  True], x, 0.0), x * [ 9223372036854775807, ...]
    x = sd.var("x", (3,))
    cases = [(sd.where(sd.const(np.array([True, False, True])), x, 0.0), "where([True, False, True], x, 0.0)"),
             (x * np.array([2**63 - 1, -2**63, 0]), "x * [9223372036854775807, -9223372036854775808, 0]"),
             (x * np.array([1, -2, 30], np.int8), "x * astype([1, -2, 30], 'int8')")]
    for e, text in cases:
        assert sd.to_text(e) == text
        assert sd.parse(text, shapes={"x": (3,)}) is e


@pytest.mark.parametrize("value, text", [
    (np.eye(10)[3], "one_hot(3, 10)"),
    (-np.eye(10)[3], "-one_hot(3, 10)"),  # zeros -0.0, as the negation makes them
    (np.eye(10, dtype=np.float32)[3], "one_hot(3, 10, dtype='float32')"),
    (np.eye(10, dtype=np.int32)[2], "one_hot(2, 10, dtype='int32')"),
    (3 * np.eye(8, dtype=np.uint8)[1], "3 * one_hot(1, 8, dtype='uint8')"),
    (0.25 * np.eye(10)[[1, 2, 3, 0]], "0.25 * one_hot([1, 2, 3, 0], 10)"),
    (np.eye(4), "eye(4)"),
    (np.eye(4, 5, 1), "eye(4, 5, k=1)"),
    (-np.eye(3, k=-1, dtype=np.float32), "-eye(3, k=-1, dtype='float32')"),
    (np.arange(10), "arange(10)"),
    (np.arange(10.0), "arange(10, dtype='float64')"),
    (np.full((3, 4), 0.5), "full((3, 4), 0.5)"),
    (np.full((7,), 7), "full((7,), 7)"),
    (np.zeros((3, 3), np.float32), "full((3, 3), 0.0, dtype='float32')"),
])
def test_a_large_constant_prints_as_the_call_that_builds_it(value, text):
    c = sd.const(value)
    assert str(c) == text
    back = sd.evaluate(sd.parse(text), {}, simplify=False)
    assert back.dtype == value.dtype and back.shape == value.shape
    assert back.tobytes() == value.tobytes()  # to the bit, signs of zeros included


@pytest.mark.parametrize("value", [
    np.r_[0.0, -2.0, np.zeros(6)],  # -2 * one_hot(1, 8) would have -0.0 zeros
    np.r_[0.0, np.nan, np.zeros(6)],
    np.r_[1.0, 2.0, np.zeros(6)],
    np.eye(9)[[0, 1, 2, 3, 4, 5, 6, 7, 8]][:, ::-1][[0]].repeat(9, axis=0),  # not one hot per row
    np.arange(10)[::-1],  # an index array
    np.linspace(-1, 1, 100).astype(np.float32).reshape(4, 25),
    np.array([np.inf, -np.nan, -0.0, 1e-310, 2**-1074, np.pi, 1 / 3, -1e308]),
    np.array([complex(-0.0, np.nan), 1j, 2, 3, 4, 5, 6], np.complex64),
    np.array([2**64 - 1, 0, 1, 2, 3, 4, 5, 6, 7], np.uint64),
], ids=["signed zeros", "nan", "two entries", "repeated row", "index", "float32", "specials",
        "complex64", "uint64"])
def test_other_constants_of_up_to_a_hundred_elements_print_their_values(value):
    # no call builds them: the values are written out, and read back to the bit (they once
    # printed as const<float64(8,)>, which did not read back)
    c = sd.const(value)
    assert "const<" not in str(c) and "[" in str(c)
    assert sd.parse(str(c)) is c, str(c)


def test_larger_constants_print_as_a_placeholder_that_parse_refuses_as_what_it_is():
    v = sd.var("v", (200,))
    e = sd.sum(v[sd.const(np.arange(200)[::-1] ** 2 % 200)]) * 2.0
    assert str(e) == "sum(v[const<int64(200,)>], axis=0) * 2.0"
    with pytest.raises(sd.ParseError) as info:  # it once was 'invalid syntax'
        sd.parse(str(e), shapes={"v": v})
    assert str(info.value).startswith(
        "const<int64(200,)> stands for a constant array whose values are not in the text (to_text "
        "writes out the values of constants of up to 100 elements)"), str(info.value)
    assert "(line 1, column 7)\n  sum(v[const<int64(200,)>], axis=0) * 2.0\n        ^^^^^^^^^^^^^^^^^^" \
        in str(info.value)
    assert str(sd.const(np.arange(101.0) ** 2)) == "const<float64(101,)>"
    assert sd.parse("var('const<int64(2,)>') + 1") is sd.var("const<int64(2,)>") + 1  # a name


def test_a_negative_constant_array_is_subtracted_and_named_in_latex_and_generated_code():
    v = sd.var("v", (10,))
    # x + c is x - (-c) when no element of c is positive, as for numbers
    assert str(sd.simplify(v + -np.eye(10)[3])) == "v - one_hot(3, 10)"
    assert str(sd.simplify(v - -np.eye(10)[3])) == "v + one_hot(3, 10)"
    assert str(sd.simplify(v + np.r_[-1.0, np.zeros(9)])) == "v - one_hot(0, 10)"
    assert str(sd.simplify(v + np.r_[-1.0, np.nan, np.zeros(8)])) == \
        "v + [-1.0, nan, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]"  # NaN: as written
    e = sd.simplify(v + -0.5 * np.eye(10)[3])
    vals = np.linspace(-1, 1, 10)
    np.testing.assert_array_equal(sd.evaluate(e, {"v": vals}, simplify=False), vals - 0.5 * np.eye(10)[3])
    w = sd.var("w", (20,))  # (ten elements show as a bmatrix in LaTeX)
    assert sd.latex(sd.simplify(w + -0.5 * np.eye(20)[3])) == \
        r"w - 0.5 \cdot \operatorname{one\_hot}\left(3, 20\right)"
    assert "# float64(10,): 0.5 * one_hot(3, 10)" in sd.codegen(e, inputs=[v])


@pytest.mark.parametrize("left, right", [(3.0, -3), (-0.0, 2), (2.0, 1), (2.0, True), (2, 1.5)])
@pytest.mark.parametrize("op", ["+", "**", "//", "%", ">", "=="])
def test_two_literals_around_an_operator_read_back_with_their_dtypes(left, right, op):
    # the parser reads the left literal by itself and the right one beside it, as 3.0 ** -3.0
    x, y = sd.const(left), sd.const(right)
    expr = {"+": lambda: x + y, "**": lambda: x ** y, "//": lambda: x // y, "%": lambda: x % y,
            ">": lambda: x > y, "==": lambda: x == y}[op]()
    assert sd.parse(sd.to_text(expr)) is expr, sd.to_text(expr)
