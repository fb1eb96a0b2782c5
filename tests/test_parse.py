import time

import numpy as np
import pytest

import symdiff as sd


def refusal(text, **kw):
    with pytest.raises(sd.ParseError) as info:
        sd.parse(text, **kw)
    assert isinstance(info.value, ValueError)
    return str(info.value)


@pytest.mark.parametrize("text, reason, caret", [
    ("__import__('os').system('ls')", "attribute access is not allowed", "  ^^^^^^^^^^^^^^^^^^^^^^^"),
    ("x.__class__", "attribute access is not allowed", "  ^^^^^^^^^^^"),
    ("(lambda: 1)()", "only functions called by name", "   ^^^^^^^^^"),
    ("[i for i in x]", "a list comprehension is not allowed", "  ^^^^^^^^^^^^^^"),
    ("f'{x}'", "an f-string is not allowed", "  ^^^^^^"),
    ("'abc'", "a string cannot be used as a value here", "  ^^^^^"),
    ("(y := 2)", "an assignment expression (:=) is not allowed", "   ^^^^^^"),
    ("x if y else z", "a conditional expression", "  ^^^^^^^^^^^^^"),
    ("x and y", "'and'/'or'", "  ^^^^^^^"),
    ("sin(*x)", "starred arguments (*args) are not supported", "      ^^"),
    ("sin(**x)", "keyword unpacking (**kwargs) is not supported", "      ^^^"),
    ("x ^ 2", "the operator '^' is not supported; write ** for a power", "    ^"),
    ("x // 2", "the operator '//' is not supported", "    ^^"),
    ("x < y < z", "chained comparisons", "  ^^^^^^^^^"),
    ("sum(x, axs=0)", "sum() takes no keyword argument 'axs'; did you mean axis=?", "         ^^^^^"),
    ("sin(x, axis=0)", "sin() takes no keyword argument 'axis'", "         ^^^^^^"),
    ("sum(x, keepdims=True, keepdims=False)", "keyword argument 'keepdims' is repeated", "                        ^^^^^^^^^^^^^^"),
    ("exp(x, y)", "exp(): too many positional arguments", "  ^^^^^^^^^"),
    ("sum(x, axis='a')", "sum(): a string is not accepted as 'axis'", "              ^^^"),
    ("x + (1, 2)", "a tuple cannot be used as a value here", "      ^^^^^^"),
    ("sin", "'sin' is a function; call it, as in sin(x)", "  ^^^"),
    ("__x + 1", "names beginning with '__' are reserved", "  ^^^"),
    ("1e999", "float literal is out of the float64 range", "  ^^^^^"),
    ("99999999999999999999", "integer literal does not fit in int64", "  ^^^^^^^^^^^^^^^^^^^^"),
    ("3j * x", "complex literal is not supported", "  ^^"),
    ("x +", "invalid syntax", None),
])
def test_refusals_point_at_the_text(text, reason, caret):
    msg = refusal(text)
    first, shown, marks = msg.split("\n")
    assert reason in first and "(line 1, column" in first
    assert shown == "  " + text
    if caret is not None:
        assert marks == caret


def test_unknown_function_suggests_near_names():
    msg = refusal("sinn(x) + 1")
    # the closest names come first; how many more follow depends on the registry's size
    assert msg.split("\n")[0].startswith("unknown function 'sinn'; did you mean sin, ")
    assert msg.split("\n")[0].endswith("? (line 1, column 1)")
    assert msg.split("\n")[2] == "  ^^^^"
    assert "did you mean softmax" in refusal("softmx(x)")


def test_op_errors_become_parse_errors_at_the_operator():
    msg = refusal("W @ h + b", shapes={"W": (4, 3), "h": (4,), "b": (4,)})
    assert msg == ("matmul: shapes (4, 3) and (4,) do not align (3 != 4) (line 1, column 3)\n"
                   "  W @ h + b\n"
                   "    ^")


def test_positions_count_characters_on_the_right_line():
    msg = refusal("α + β +\n  γ.real", )  # a newline outside brackets is a syntax error
    assert "invalid syntax" in msg
    msg = refusal("(α + β +\n  sinn(γ))")
    assert "(line 2, column 3)" in msg and msg.endswith("    sinn(γ))\n    ^^^^")
    assert "(line 1, column 8)" in refusal("  αβ + x.y")  # leading spaces and 2-byte letters


def test_caret_can_be_left_out():
    assert "\n" not in refusal("x.y", caret=False)


def test_power_caret_option():
    x = sd.var("x")
    assert sd.parse("x ^ 2", power_caret=True) is x ** 2


def test_accepted_grammar_builds_the_same_nodes_as_the_api():
    x, y = sd.symbols("x y")
    A, B = sd.var("A", (2, 3)), sd.var("B", (3, 2))
    shapes = {"A": (2, 3), "B": (3, 2)}
    cases = {
        "(x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)": (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2),
        "-x + +y - 2.5e-3 * x": -x + y - 2.5e-3 * x,
        "x ** -1": x ** -1,
        "where(x > 0, x, 0)": sd.where(x > 0, x, 0),
        "x <= y": x <= y,
        "A @ B": A @ B,
        "sum(A, axis=(0, 1), keepdims=True)": sd.sum(A, axis=(0, 1), keepdims=True),
        "sum(A, 1)": sd.sum(A, 1),
        "A[0, ::2]": A[0, ::2],
        "A[None, ..., -1]": A[None, ..., -1],
        "A[[1, 0]]": A[[1, 0]],
        "reshape(A, (3, -1))": sd.reshape(A, (3, -1)),
        "reshape(A, 6)": sd.reshape(A, 6),
        "transpose(A, (1, 0))": A.T,
        "einsum('ij,jk->ik', A, B)": sd.einsum("ij,jk->ik", A, B),
        "concatenate([A, transpose(B)], axis=0)": sd.concatenate([A, B.T], axis=0),
        "stack((x, y))": sd.stack([x, y]),
        "astype(A, 'float32')": A.astype("float32"),
        "softmax(A, axis=0)": sd.softmax(A, axis=0),
        "logsumexp(A)": sd.logsumexp(A),
        "maximum(x, 1.5)": sd.maximum(x, 1.5),
        "2": sd.const(2),
    }
    for text, want in cases.items():
        assert sd.parse(text, shapes=shapes) is want, text


def test_same_text_gives_the_same_nodes():
    text = "sum(tanh(W @ h + b))"
    shapes = {"W": (4, 3), "h": (3,), "b": (4,)}
    assert sd.parse(text, shapes) is sd.parse(text, dict(shapes))


def test_shapes_and_dtypes():
    g = sd.parse("sum(tanh(W @ h + b))", shapes={"W": (4, 3), "h": (3,), "b": (4,)})
    assert g.shape == () and g.dtype == np.float64
    e = sd.parse("x * 2.0 + n", shapes={"x": ((3,), "float32"), "n": ((), "float32")})
    assert e.dtype == np.float32 and e.shape == (3,)  # Python literals are weakly typed
    assert sd.parse("X", shapes={"X": ("n", 3)}).shape == ("n", 3)
    assert sd.parse("one_hot(l, 3)", shapes={"l": ((4,), "int64")}).shape == (4, 3)
    v = sd.var("v", (2,))
    assert sd.parse("v * 2", shapes={"v": v}) is v * 2
    assert "shapes['x']" in refusal("x + 1", shapes={"x": (-1,)})


def test_unicode_names():
    e = sd.parse("α * β + sin(θ)")
    assert sorted(n.op.var_name for n in sd.toposort(e) if n.op.name == "var") == ["α", "β", "θ"]
    assert sd.evaluate(e, {"α": 2.0, "β": 3.0, "θ": 0.0}) == 6.0


def test_names_are_accepted_by_grad():
    f = sd.parse("x ** 3 * y")
    assert sd.evaluate(sd.grad(f, "x"), {"x": 2.0, "y": 1.0}) == 12.0


def test_nothing_is_evaluated_while_parsing():
    start = time.perf_counter()
    e = sd.parse("9**9**9**9 + 10**100")
    assert time.perf_counter() - start < 1.0
    assert e.dtype == np.int64


def test_limits_on_length_nesting_and_operators():
    assert "more than the limit of 100000" in refusal("x" * 100_001)
    assert "brackets nested more than 100 deep" in refusal("(" * 150 + "x" + ")" * 150)
    assert "brackets nested more than 100 deep" in refusal("sin(" * 500 + "x" + ")" * 500)
    assert "more than 2000 operators" in refusal("-" * 50_000 + "x")
    assert "more than 2000 operators" in refusal("x**" * 20_000 + "x")
    msg = refusal("x+" * 30_000 + "x")
    assert len(msg.split("\n")[1]) < 100  # a long line is shown as a window around the column
    long_sum = sd.parse("+".join(f"x{k % 50}" for k in range(1500)))  # long but within limits
    assert sd.evaluate(long_sum, {f"x{k}": 1.0 for k in range(50)}) == 1500.0
    deep = sd.parse("(" * 99 + "x" + ")" * 99)
    assert deep is sd.var("x")


def test_round_trip_through_text():
    x, y = sd.symbols("x y")
    W = sd.var("W", (2, 2))
    for e in [x * y + 1, (x + y) ** 2 / sd.sin(x), sd.sum(sd.tanh(W @ W), axis=0), -x - -y,
              sd.where(x > y, x, y), sd.softmax(W, axis=0)]:
        assert sd.parse(sd.to_text(e), shapes={"W": (2, 2)}) is e, sd.to_text(e)


# -- products and linear algebra


def test_linalg_functions_are_called_by_their_dotted_names():
    shapes = {"A": (3, 3), "b": (3,)}
    A, b = sd.var("A", (3, 3)), sd.var("b", (3,))
    assert sd.parse("linalg.solve(A, b)", shapes=shapes) is sd.linalg.solve(A, b)
    assert sd.parse("linalg.norm(A, 'fro', keepdims=True)", shapes=shapes) is sd.linalg.norm(A, "fro", keepdims=True)
    assert sd.parse("linalg.eigh(A, UPLO='U')[1]", shapes=shapes) is sd.linalg.eigh(A, UPLO="U")[1]
    assert sd.parse("linalg.slogdet(A)[-1]", shapes=shapes) is sd.linalg.slogdet(A).logabsdet
    assert sd.parse("tensordot(A, b, axes=1) + outer(b, b)[0]", shapes=shapes) is (
        sd.tensordot(A, b, axes=1) + sd.outer(b, b)[0]
    )
    for e in [sd.linalg.inv(A) @ b, sd.linalg.det(A), sd.linalg.eigh(A)[0], sd.linalg.eigh(A, "U")[1],
              sd.linalg.slogdet(A)[0], sd.linalg.svdvals(A), sd.linalg.cholesky(A),
              sd.einsum("i...,...->i...", A, b)]:
        assert sd.parse(sd.to_text(e), shapes=shapes) is e, sd.to_text(e)


def test_dotted_names_outside_the_registry_are_refused():
    assert "attribute access is not allowed" in refusal("np.sin(x)")
    assert "attribute access is not allowed" in refusal("x.__class__(1)")
    assert "unknown function 'linalg.nope'; did you mean" in refusal("linalg.nope(x)")
    assert "attribute access is not allowed" in refusal("linalg.inv")
    assert "linalg.eigh() gives 2 results; take one with an index" in refusal(
        "linalg.eigh(A) + 1", shapes={"A": (2, 2)})
    assert "linalg.slogdet() gives 2 results; index them with 0 to 1" in refusal(
        "linalg.slogdet(A)[2]", shapes={"A": (2, 2)})
    assert "linalg.inv: expected a square matrix" in refusal("linalg.inv(A)", shapes={"A": (2, 3)})
