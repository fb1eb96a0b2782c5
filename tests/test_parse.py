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
    ("x ^ 2", "^: takes boolean masks (as logical_xor) or integers (as bitwise_xor), as NumPy's, "
              "got float64, float64; for truth values of numbers use logical_xor; write ** for a "
              "power (or parse with power_caret=True)", "    ^"),
    ("x << 2", "left_shift: takes integers or booleans, as NumPy's left_shift, got float64",
     "    ^^"),
    ("(x + 1) >> 2", "right_shift: takes integers or booleans", "          ^^"),
    ("x // (1, 2)", "a tuple cannot be used as a value here", "       ^^^^^^"),
    ("x < y < z", "chained comparisons", "  ^^^^^^^^^"),
    ("x > 0 & y > 0", "(& and | bind tighter than comparisons: write (a > 0) & (b < 1))", "  ^^^^^^^^^^^^^"),
    ("x & y", "&: takes boolean masks (as logical_and) or integers (as bitwise_and), as NumPy's, got float64, float64", "    ^"),
    ("~x", "~: takes boolean masks (as logical_not) or integers (as invert), as NumPy's, got float64", "  ^^"),
    ("norm(x)", "unknown function 'norm'; did you mean linalg.norm?", "  ^^^^"),
    ("det(x)", "unknown function 'det'; did you mean linalg.det", "  ^^^"),
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
    ("b'ab' * x", "bytes literal is not supported", "  ^^^^^"),
    ("1e999j * x", "complex literal is out of the float64 range", "  ^^^^^^"),
    ("arange(x)", "a named dimension as `stop` (X.shape[0] in Python, arange('n') in text)", "  ^^^^^^^^^"),
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


def test_unknown_function_of_another_notation_suggests_numpys_name():
    # math's ln, statistics' var (sd.var declares variables), SciPy's expit: not near by spelling
    for text, name in [("ln(x)", "log"), ("var(x)", "variance"), ("sgn(x)", "sign"),
                       ("expit(x)", "sigmoid"), ("lgamma(x)", "gammaln")]:
        assert f"did you mean {name}" in refusal(text).split("\n")[0], text
    assert "did you mean sin, " in refusal("sinn(x)")


def test_a_function_whose_result_is_shaped_by_the_values_says_what_to_write():
    # as np.nonzero(expr) says: not an unknown name with near spellings
    first = refusal("nonzero(x)").split("\n")[0]
    assert first.startswith("unknown function 'nonzero': the shape of its result depends on the "
                            "values") and "where(mask, x, 0)" in first and "did you mean" not in first
    assert "one_hot(x, length).sum(axis=0)" in refusal("bincount(x)")


@pytest.mark.parametrize("text, written, same", [
    ("Abs(x)", "abs(x)", "abs(x)"), ("ceiling(x)", "ceil(x)", "ceil(x)"),
    ("Mod(x, 3)", "mod(x, y) or x % y", "x % 3"),
    ("Max(x, y, 1)", "maximum(x, y)", "maximum(x, maximum(y, 1))"),
    ("Min(x, y)", "minimum(x, y)", "minimum(x, y)"),
    ("Heaviside(x)", "heaviside(x, 0.5)", "heaviside(x, 0.5)"),
    ("sec(x)", "1 / cos(x)", "1 / cos(x)"),
    ("csc(x)", "1 / sin(x)", "1 / sin(x)"), ("cot(x)", "1 / tan(x)", "1 / tan(x)"),
    ("sech(x)", "1 / cosh(x)", "1 / cosh(x)"), ("csch(x)", "1 / sinh(x)", "1 / sinh(x)"),
    ("coth(x)", "1 / tanh(x)", "1 / tanh(x)"), ("asec(y)", "arccos(1 / x)", "arccos(1 / y)"),
    ("acsc(y)", "arcsin(1 / x)", "arcsin(1 / y)"), ("acot(x)", "arctan(1 / x)", "arctan(1 / x)"),
    ("asech(x / 4)", "arccosh(1 / x)", "arccosh(4 / x)"), ("acsch(x)", "arcsinh(1 / x)", "arcsinh(1 / x)"),
    ("acoth(y)", "arctanh(1 / x)", "arctanh(1 / y)"), ("frac(x)", "x - floor(x)", "x - floor(x)"),
    ("re(x)", "real(z)", "real(x)"), ("arg(x)", "angle(z)", "angle(x)"),
    ("factorial(y)", "gamma(x + 1)", "gamma(y + 1)"),
    ("Piecewise((x, x > 0), (0, True))", "where(", "where(x > 0, x, 0)"),
])
def test_sympys_names_say_what_to_write(text, written, same):
    # these were "unknown function 'sec'; did you mean select?" ('Max' suggested the reduction
    # max, 'frac' trace); and what the message says to write computes SymPy's function
    sympy = pytest.importorskip("sympy")
    name = text[:text.index("(")]
    assert refusal(text).startswith(f"unknown function {name!r}; that is SymPy's name: write {written}")
    mine, theirs = sd.parse(same), sd.from_sympy(sympy.sympify(text))
    for xv, yv in [(-2.3, 2.5), (0.7, 1.5), (1.4, 3.25), (0.0, -1.0)]:
        point = {k: v for k, v in {"x": xv, "y": yv}.items() if k in text}
        with np.errstate(all="ignore"):
            want = sd.evaluate(theirs, point)
            assert sd.evaluate(mine, point) == pytest.approx(want, rel=1e-13, nan_ok=True)


def test_log_with_a_base_says_how_to_write_it():
    assert "a base is SymPy's log(x, b): write log(x) / log(b), or log2(x), log10(x)" in refusal("log(x, 2)")


def test_op_errors_become_parse_errors_at_the_operator():
    msg = refusal("W @ h + b", shapes={"W": (4, 3), "h": (4,), "b": (4,)})
    assert msg == ("matmul: shapes (4, 3) and (4,) do not align (3 != 4) (line 1, column 3)\n"
                   "  W @ h + b\n"
                   "    ^")

    # integer literals are int64, as NumPy's, so 2**-1 is refused where it is written (NumPy
    # would refuse it at evaluation) rather than being Python's 0.5
    msg = refusal("x + 2**-1")
    assert msg.startswith("power: an integer raised to the negative integer power -1 is not an "
                          "integer (int64 ** int64); make one of them a float")
    assert msg.endswith("(line 1, column 6)\n  x + 2**-1\n       ^^")
    assert sd.evaluate(sd.parse("2.0**-1")) == 0.5


def test_a_number_written_against_a_name_suggests_the_product():
    assert refusal("3 + 2.5y") == ("invalid syntax: invalid decimal literal (for a product write "
                                   "2.5*y) (line 1, column 7)\n  3 + 2.5y\n        ^")
    assert "(for a product write 1e3*x)" in refusal("sin(1e3x)")
    assert "for a product" not in refusal("0x1g")  # a bad hexadecimal number: no product meant


def test_positions_count_characters_on_the_right_line():
    msg = refusal("α + β +\n  γ.real", )  # a newline outside brackets is a syntax error
    assert "invalid syntax" in msg
    msg = refusal("(α + β +\n  sinn(γ))")
    assert "(line 2, column 3)" in msg and msg.endswith("    sinn(γ))\n    ^^^^")
    assert "(line 1, column 8)" in refusal("  αβ + x.y")  # leading spaces and 2-byte letters


def test_the_caret_line_stays_under_its_column_as_a_terminal_draws_the_text():
    # the caret line counted one space per character before the column: under a tab, a wide
    # character (CJK, fullwidth) or a combining accent it pointed at the wrong place
    assert refusal("\tfoo(x)").endswith("\n  \tfoo(x)\n  \t^^^")
    assert refusal("ｘｙ + foo(1)").endswith("\n  ｘｙ + foo(1)\n         ^^^")  # ｘｙ is 4 columns
    assert refusal("e\u0301 + foo(2)").endswith("\n  e\u0301 + foo(2)\n      ^^^")  # é is one
    assert refusal("x + 漢字(1)").endswith("\n  x + 漢字(1)\n      ^^^^")  # 漢字 underlined whole
    assert "(line 1, column 6)" in refusal("ｘｙ + foo(1)")  # positions still count characters


def test_caret_can_be_left_out():
    assert "\n" not in refusal("x.y", caret=False)


def test_power_caret_option():
    x = sd.var("x")
    assert sd.parse("x ^ 2", power_caret=True) is x ** 2


def test_shifts_and_xor_read_as_python_and_numpy():
    S = {"i": ((), "int64"), "k": ((3,), "int32"), "u": ((2,), "uint8"), "b": ((3,), "bool"),
         "c": ((3,), "bool")}
    i, k, u, b, c = (sd.var(n, shape=s, dtype=d) for n, (s, d) in S.items())
    cases = {
        "i << 2": i << 2, "i >> k": i >> k, "u << 3": u << 3, "i ^ k": i ^ k,
        "i ^ 5 + 1": i ^ (sd.as_node(5) + 1),  # Python's precedence: + before ^
        "b ^ c": b ^ c, "~b ^ c": ~b ^ c, "b << c": sd.left_shift(b, c), "1 << i": 1 << i,
        "i << 1 + 1 & k": (i << (sd.as_node(1) + 1)) & k, "i | k ^ i & 3": i | (k ^ (i & 3)),
    }
    values = {"i": np.int64(-13), "k": np.array([0, 3, 70], np.int32),
              "u": np.array([1, 255], np.uint8),
              "b": np.array([True, False, True]), "c": np.array([True, True, False])}
    for text, want in cases.items():
        got = sd.parse(text, S)
        assert got is want, text
        assert sd.parse(str(got), S) is got, text  # printed as calls, read back exactly
        assert np.array_equal(sd.evaluate(got, values), eval(text, {}, values)), text
        assert sd.evaluate(got, values).dtype == eval(text, {}, values).dtype, text
    # with power_caret, ^ is a power even of integers; xor is then written as a call
    assert sd.parse("i ^ 2", S, power_caret=True) is i ** 2
    assert sd.parse("bitwise_xor(i, 2)", S, power_caret=True) is i ^ 2


def test_power_caret_binds_as_power():
    # Python's ^ binds looser than + and * and groups to the left; as power it must bind as **
    x, y = sd.symbols("x y")
    cases = {
        "x^2 + 1": x ** 2 + 1,
        "x^2 + y^2": x ** 2 + y ** 2,
        "2*x^2": 2 * x ** 2,
        "-x^2": -(x ** 2),
        "x^2 * 3": x ** 2 * 3,
        "x^y^2": x ** (y ** 2),
        "x^-1 - 1": x ** -1 - 1,
        "sum(x^2, axis=None)": sd.sum(x ** 2),
    }
    for text, expected in cases.items():
        assert sd.parse(text, power_caret=True) is sd.parse(text.replace("^", "**")) is expected, text
    assert sd.parse("x**2^2", power_caret=True) is sd.parse("x**(2**2)")
    assert sd.parse("2^3^2", power_caret=True).eval() == 512
    # positions in messages still count in the text as written
    msg = refusal("x^2 + foo(y)", power_caret=True)
    assert "(line 1, column 7)" in msg and msg.endswith("\n  x^2 + foo(y)\n        ^^^")
    msg = refusal("x^2^^3", power_caret=True)
    assert "(line 1, column 5)" in msg, msg
    msg = refusal("(x^2 +\n  y^2 + bar(x))", power_caret=True)
    assert "(line 2, column 9)" in msg and msg.endswith("\n    y^2 + bar(x))\n          ^^^")


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
        "reshape(A, (3, 2), order='F')": sd.reshape(A, (3, 2), order="F"),
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


def test_a_name_both_a_variable_and_a_dimension_is_refused_where_the_text_uses_it():
    # the text n prints for the variable n and for the size of a dimension n alike: it was read
    # as the variable without a word, so sum(x) / n of the printed mean changed its value
    for shapes in [{"x": ("n",), "n": ()}, {"x": (("n", 3), "float32"), "n": sd.var("n")}]:
        message = refusal("sum(x) / n", shapes=shapes)
        assert message.startswith("'n' is both a variable (shapes['n']) and a named dimension in "
                                  "the shape ('n'"), message
        assert ("of 'x'; a name in the text is one or the other: rename the variable or the "
                "dimension") in message
        assert message.endswith("\n  sum(x) / n\n           ^")
        assert sd.parse("sum(x)", shapes=shapes).shape == ()  # text without n reads as before
    x = sd.var("x", ("n",))
    mean = sd.sum(x) / sd.dim_size("n").astype("float64")
    assert sd.parse(sd.to_text(mean), shapes={"x": ("n",)}) is mean  # unlisted: the size


def test_unicode_names():
    e = sd.parse("α * β + sin(θ)")
    assert sorted(n.op.var_name for n in sd.toposort(e) if n.op.name == "var") == ["α", "β", "θ"]
    assert sd.evaluate(e, {"α": 2.0, "β": 3.0, "θ": 0.0}) == 6.0


def test_names_are_accepted_by_grad():
    f = sd.parse("x ** 3 * y")
    assert sd.evaluate(sd.grad(f, "x"), {"x": 2.0, "y": 1.0}) == 12.0


def test_nothing_is_evaluated_while_parsing():
    # integer arithmetic of literals is checked by its exact value, but a power past any
    # integer dtype is refused from bit-length bounds, without computing its digits
    start = time.perf_counter()
    message = refusal("9**9**9**9 + 10**100")
    assert time.perf_counter() - start < 1.0
    assert message.startswith("9**9**9 has about 369693101 digits, which do not fit in int64")
    start = time.perf_counter()
    e = sd.parse("9.0**9.0**9.0**9.0 + 10.0**100")  # float powers are a graph, as written
    assert time.perf_counter() - start < 1.0
    assert e.dtype == np.float64


def test_length_limit_and_text_of_any_depth():
    assert "more than the limit of 100000" in refusal("x" * 100_001)
    x = sd.var("x")
    assert sd.parse("(" * 150 + "x" + ")" * 150) is x
    nested = sd.parse("sin(" * 500 + "x" + ")" * 500)
    want = 0.5
    for _ in range(500):
        want = np.sin(want)
    assert sd.count_nodes(nested) == 501 and sd.evaluate(nested, {"x": 0.5}) == want
    tower = sd.parse("x**" * 10_000 + "x")  # right-nested, 10,000 deep
    assert sd.count_nodes(tower) == 10_001 and sd.evaluate(tower, {"x": 1.0}) == 1.0
    long_sum = sd.parse("x+" * 10_000 + "x")
    assert sd.count_nodes(long_sum) == 10_001
    assert sd.evaluate(long_sum, {"x": 1.0}, simplify=False) == 10_001.0
    # a long line of non-ASCII names (columns counted in bytes once per line, not per token)
    wide = sd.parse(" + ".join(f"é{k % 50} * x" for k in range(5000)))
    assert sd.count_nodes(wide) == 51 + 50 + 4999  # variables, the 50 distinct products, the sums
    # a polynomial of 3,000 terms reads as the same graph the Python API builds
    terms = [(k + 1.5, k % 5) for k in range(3000)]
    poly = sd.parse(" + ".join(f"{c}*x**{p}" for c, p in terms))
    built = terms[0][0] * x ** terms[0][1]
    for c, p in terms[1:]:
        built = built + c * x ** p
    assert poly is built


def test_text_the_reader_leaves_to_python_keeps_the_limits():
    # a construct outside the expression language (here a conditional) is read by Python's
    # own parser, within the operator limit, so that its refusal is worded as usual
    assert "a conditional expression" in refusal("x + " * 100 + "(y if x else x)")
    # beyond what Python's parser takes, the message points at where the reading stopped
    msg = refusal("x + " * 3000 + "(y if x else x)", caret=False)
    assert msg == "cannot read 'if' here (invalid or unsupported syntax) (line 1, column 12004)"
    msg = refusal("(" * 150 + "not x" + ")" * 150, caret=False)
    assert msg.startswith("cannot read 'not' here") and "column 151" in msg
    msg = refusal("x+" * 30_000 + "x" + " x")  # a syntax error
    assert msg.startswith("cannot read 'x' here") and "column 60003" in msg
    assert len(msg.split("\n")[1]) < 100  # a long line is shown as a window around the column
    assert "the expression ends too early" in refusal("x+" * 30_000)
    assert "the operator 'not' is not supported" in refusal("x + (not y)")


def test_floor_division_and_rounding_read_as_numpy_has_them():
    x, y = sd.symbols("x y")
    i = sd.var("i", (3,), "int64")
    assert sd.parse("x // y") is sd.floor_divide(x, y) is x // y
    assert sd.parse("2 // x") is sd.floor_divide(2, x) is 2 // x
    assert sd.parse("x // 2 % 3") is (x // 2) % 3  # Python's precedence: // and % as * and /
    assert sd.parse("-x // 2 ** y") is (-x) // (2 ** y)
    assert sd.parse("i // 2", shapes={"i": ((3,), "int64")}).dtype == np.int64
    assert sd.parse("floor(x) + ceil(x) * trunc(y) - rint(y)") is (
        sd.floor(x) + sd.ceil(x) * sd.trunc(y) - sd.rint(y))
    q = sd.parse("i // -2", shapes={"i": i})
    assert sd.evaluate(q, {"i": np.array([7, -7, 0])}).tolist() == [-4, 3, 0]


def test_pi_inf_and_nan_are_numpys_constants_unless_declared():
    x = sd.var("x")
    f = sd.parse("sin(pi * x)")
    assert f is sd.sin(np.pi * x)
    assert [v.op.var_name for v in sd.toposort(f) if isinstance(v.op, sd.Var)] == ["x"]
    assert sd.parse("pi").op.value == np.pi and sd.parse("pi").dtype == np.float64
    assert sd.parse("x + inf") is x + np.inf
    assert sd.parse("x * -inf") is x * -np.inf  # -inf is one literal, as -1.0 is
    assert sd.parse("-inf").op.value == -np.inf
    n = sd.parse("nan")
    assert n.op.value.tobytes() == np.float64(np.nan).tobytes()
    assert np.signbit(sd.parse("-nan").op.value)
    assert sd.parse("[inf, -inf, nan, pi]").op.value.tobytes() == np.array(
        [np.inf, -np.inf, np.nan, np.pi]).tobytes()
    # weakly typed, as the literal 3.14 and NumPy's np.pi: a float32 x stays float32
    assert sd.parse("x * pi + inf", shapes={"x": ((), "float32")}).dtype == np.float32
    # a name declared in shapes is a variable again; e is always a variable (write exp(1))
    assert sd.parse("sin(pi * x)", shapes={"pi": ()}) is sd.sin(sd.var("pi") * x)
    declared = sd.parse("inf + nan", shapes={"inf": (2,), "nan": (2,)})
    assert declared is sd.var("inf", (2,)) + sd.var("nan", (2,))
    assert sd.parse("e * x") is sd.var("e") * x and sd.parse("E").op.var_name == "E"
    assert sd.parse("exp(1)") is sd.exp(1)
    assert refusal("pi(x)").split("\n")[0] == (
        "unknown function 'pi'; 'pi' is a constant (NumPy's pi), not a function (line 1, column 1)")


def test_constants_inf_and_nan_read_back_from_their_text():
    x = sd.var("x")
    W = sd.var("W", (3,), "float32")
    exprs = [x + np.inf, x * -np.inf, x - np.nan, x + sd.const(-np.nan), sd.const(np.inf),
             -sd.const(np.inf), -sd.const(-np.inf), -sd.const(np.nan), sd.const(-np.nan) * x,
             x ** -np.inf, np.pi * x,
             sd.sin(sd.const(np.pi)), x * np.array([np.inf, -np.inf, np.nan, -np.nan, np.pi]),
             W * np.float32([np.inf, -np.nan, 0.1]), sd.where(x > 0, x, np.nan), sd.floor(x) // np.inf,
             sd.maximum(x, -np.inf) + sd.minimum(x, np.inf)]
    for e in exprs:
        text = sd.to_text(e)
        assert sd.parse(text, shapes={"W": ((3,), "float32")}) is e, text
    assert sd.to_text(-sd.const(np.inf)) == "negative(inf)"  # not -inf, which is the constant -inf
    assert sd.to_text(x + sd.const(-np.nan)) == "x + -nan"


def test_round_trip_through_text():
    x, y = sd.symbols("x y")
    W = sd.var("W", (2, 2))
    for e in [x * y + 1, (x + y) ** 2 / sd.sin(x), sd.sum(sd.tanh(W @ W), axis=0), -x - -y,
              sd.where(x > y, x, y), sd.softmax(W, axis=0)]:
        assert sd.parse(sd.to_text(e), shapes={"W": (2, 2)}) is e, sd.to_text(e)



def test_several_outputs_read_back_as_a_list_sharing_their_named_parts():
    # to_text prints several outputs one per line, their shared parts named once below 'where':
    # parse_outputs reads them back, each the same node; parse refuses, pointing at the second
    x = sd.var("x", (3,))
    f = sd.sum(sd.sin(x))
    g1, g2 = sd.grad(f * f, x), sd.hessian(f * f, x)
    outputs = [f, g1, g2, *sd.simplify([g1, g2])]
    text = sd.to_text(outputs)
    assert "\nwhere\n" in text and len(text.partition("\nwhere\n")[0].splitlines()) == 5
    back = sd.parse_outputs(text, shapes={"x": x})
    assert len(back) == 5 and all(b is o for b, o in zip(back, outputs))
    assert sd.parse_outputs(sd.to_text(f), shapes={"x": x}) == [f]
    assert sd.parse_outputs(sd.to_text([])) == [] and "empty expression" in refusal(" \n")
    assert sd.parse_outputs("x + 1\n\n  sum(\n  x)\n", shapes={"x": x}) == [x + 1, sd.sum(x)]
    msg = refusal(text, shapes={"x": x})
    assert msg.startswith("the text holds 5 expressions, one per line; parse reads one: read a list "
                          "of them with sd.parse_outputs(text, shapes=...) (line 2, column 1)"), msg
    assert "invalid syntax" in refusal("x\nimport os")  # text that is no expression says so first
    with pytest.raises(sd.ParseError, match="'_9' is defined below 'where' but nothing reads it"):
        sd.parse_outputs("x\n2 * x\nwhere\n  _9 = x + 1")


def test_an_unsigned_constant_past_int64_beside_small_values_reads_back():
    # NumPy reads [18446744073709551615, 0] as float64 (no one integer dtype holds both), which
    # rounded the largest uint64 to 2**64 before the cast: read in the dtype astype names
    for value in [np.array([2**64 - 1, 0, 2**63 + 1], np.uint64), np.array([[2**63, 1]], np.uint64)]:
        c = sd.const(value)
        assert sd.to_text(c).startswith("astype([")
        assert sd.parse(sd.to_text(c)) is c, sd.to_text(c)
    # a list whose values the dtype does not hold wraps, as NumPy's astype
    assert sd.evaluate(sd.parse("astype([300, -1], 'uint8')"), {}).tolist() == [44, 255]

def test_an_index_argument_reads_as_an_index_beside_a_variable_named_s_():
    # the gradient of s_[1] prints index_add(..., s_[1]), whose s_[1] read as indexing the
    # variable s_ once shapes declared it; elsewhere s_[0] is still the variable indexed
    s_ = sd.var("s_", (3,))
    g = sd.grad(s_[1] ** 2, s_)
    assert sd.to_text(g) == "index_add(1.0 * (2.0 * s_[1]), (3,), s_[1])"
    assert sd.parse(sd.to_text(g), shapes={"s_": s_}) is g
    assert sd.parse("index_add(s_[0], (3,), idx=s_[2])", shapes={"s_": s_}) is \
        sd.index_add(s_[0], (3,), 2)
    assert sd.parse("s_[0] + 1", shapes={"s_": s_}) is s_[0] + 1

def test_a_constant_beside_the_variable_of_its_name_reads_back():
    # a variable named inf prints as var('inf') and the constant as inf; with shapes listing the
    # variable, the bare inf read as the variable too
    M, inf_, nan_ = sd.var("M", (2, 3)), sd.var("inf", (3,)), sd.var("nan")
    e = sd.sum(M + inf_, axis=1) * np.inf + np.nan * nan_
    assert sd.to_text(e) == "sum(M + var('inf'), axis=1) * inf + nan * var('nan')"
    assert sd.parse(sd.to_text(e), shapes={"M": M, "inf": inf_, "nan": nan_}) is e
    assert sd.parse("inf * 2", shapes={"inf": inf_}) is inf_ * 2  # without var('inf'): the variable

def test_a_deep_chain_of_named_parts_reads_back():
    # z = sin(z) * z + exp(-z * z) 10,000 times over prints as 5,000 named parts, about a million
    # characters; each part is short, and the whole reads back without recursion, as the same node
    z = y = sd.var("z")
    for _ in range(10_000):
        y = sd.sin(y) * y + sd.exp(-y * y)
    text = sd.to_text(y)
    assert len(text) > 900_000 and text.count("\n") == 5_000
    assert sd.parse(text) is y
    msg = refusal("1.0 * " * 20_000 + "z")
    assert msg.startswith("the expression has 120001 characters, more than the limit of 100000"), msg
    assert "more than the limit of 10000000" in refusal("z\nwhere\n" + "  _1 = z + 1\n" * 10**6)


# -- hostile text: fuzzing and known attacks --------------------------------------------------------

import ast as _ast  # noqa: E402
import builtins  # noqa: E402
import contextlib  # noqa: E402
import sys  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import re  # noqa: E402

from symdiff.ops.base import HELPERS, KERNEL_NAMESPACE, Const  # noqa: E402
from symdiff.rewrite.rules import _fold  # noqa: E402

KERNEL_NAMES = set(KERNEL_NAMESPACE) | set(HELPERS) | {"lambda"}
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
SHAPES = {"A": (2, 3), "B": (3, 2), "v": (3,), "l": ((3,), "int64")}
VALID = [
    "(x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)", "sum(tanh(A @ B), axis=0, keepdims=True)",
    "where(x > 0, sqrt(x), 0)", "A[0, ::2] + v[None, ..., -1]", "einsum('ij,jk->ik', A, B)",
    "reshape(A, (3, -1))[l]", "log_softmax(A, axis=1)[arange(2), l[:2]]", "x ** -2.5e-3 - -y",
    "concatenate([v, stack((x, y))], axis=0)", "astype(one_hot(l, 4), 'float32')",
    "maximum(x, 1.5) <= logsumexp(v)", "transpose(A, (1, 0)) @ A[:, :2]",
]
# pieces of Python and of the grammar, so random text often gets deep into the parser
TOKENS = [
    "x", "y", "A", "v", "l", "1", "2.5", "1e308", "9", "0", "(", ")", "[", "]", "{", "}", ",", ":", "::",
    ".", "...", "+", "-", "*", "/", "**", "@", "^", "%", "//", "<", "==", "!=", "=", "~", "not ", " and ",
    " if ", " else ", "lambda ", "'", '"', "f'", "b'", "\\", "\n", "\t", " ", "#", ";", "sin", "sum",
    "axis=", "keepdims=True", "None", "True", "__", "__import__", "__class__", "os", "import ",
    "einsum", "'ij->j'", "astype", "'float32'", "where", "arange", "α", "ﬁ", "\u200b", "\x00", "\ud800",
]
_MUTATIONS = st.lists(st.tuples(st.sampled_from(["insert", "delete", "replace", "repeat"]),
                                st.floats(0, 1), st.sampled_from(TOKENS)), min_size=1, max_size=4)


def _mutate(text: str, edits) -> str:
    for kind, where_, token in edits:
        k = int(where_ * len(text))
        if kind == "insert":
            text = text[:k] + token + text[k:]
        elif kind == "delete":
            text = text[:k] + text[k + len(token):]
        elif kind == "replace":
            text = text[:k] + token + text[k + 1:]
        else:  # a slice repeated: deeper nesting, longer chains
            text = text[:k] + text[k:k + 12] * 20 + text[k:]
    return text


@contextlib.contextmanager
def _nothing_executes():
    """Within: eval/exec/breakpoint raise, compile() may only produce syntax trees, and no
    module may be imported that is not imported already."""
    saved = {n: getattr(builtins, n) for n in ("eval", "exec", "compile", "__import__", "breakpoint")}

    def refuse(*args, **kwargs):
        raise AssertionError("parse ran code")

    def eval_kernels_only(code, *args, **kwargs):
        # the one eval in symdiff: an op's own NumPy template (ops.base.kernel), checked below
        assert getattr(code, "co_filename", "").startswith("<symdiff kernel "), "parse ran code"
        return saved["eval"](code, *args, **kwargs)

    def compile_ast_only(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & _ast.PyCF_ONLY_AST:
            # an op template: it may name only the kernel's arguments and namespace, and reach
            # no private attribute, whatever the text being parsed held
            assert filename.startswith("<symdiff kernel "), "parse compiled code"
            tree = _ast.parse(source, mode="eval")
            for n in _ast.walk(tree):
                if isinstance(n, _ast.Name):
                    assert n.id in KERNEL_NAMES or re.fullmatch(r"_\d+|_D", n.id), source
                if isinstance(n, _ast.Attribute):
                    assert not n.attr.startswith("_"), source
        return saved["compile"](source, filename, mode, flags, *args, **kwargs)

    def import_known(name, *args, **kwargs):
        level = args[3] if len(args) > 3 else kwargs.get("level", 0)
        assert level or name in sys.modules, f"parse imported {name}"
        return saved["__import__"](name, *args, **kwargs)

    builtins.exec = builtins.breakpoint = refuse
    builtins.eval = eval_kernels_only
    builtins.compile, builtins.__import__ = compile_ast_only, import_known
    try:
        yield
    finally:
        for n, f in saved.items():
            setattr(builtins, n, f)


def _parse_or_refuse(text: str) -> None:
    """The property: an expression or a ParseError, nothing else, quickly, nothing run."""
    start = time.perf_counter()
    with _nothing_executes():
        try:
            out = sd.parse(text, shapes=SHAPES)
        except sd.ParseError as e:
            assert str(e)
        else:
            assert isinstance(out, sd.Node)
    assert time.perf_counter() - start < 5.0, "parse took seconds on a short text"


@FUZZ
@given(st.text(max_size=200))
def test_fuzz_arbitrary_text(text):
    _parse_or_refuse(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_fuzz_token_soup(text):
    _parse_or_refuse(text)


@FUZZ
@given(st.sampled_from(VALID), _MUTATIONS)
def test_fuzz_mutated_valid_expressions(text, edits):
    _parse_or_refuse(_mutate(text, edits))


def test_valid_corpus_parses():
    for text in VALID:
        assert isinstance(sd.parse(text, shapes=SHAPES), sd.Node), text


@pytest.mark.parametrize("text, reason", [
    # dunder access and the ways to reach builtins
    ("x.__class__.__mro__[1].__subclasses__()", "attribute access is not allowed"),
    ("().__class__.__bases__[0]", "attribute access is not allowed"),
    ("__builtins__", "names beginning with '__' are reserved"),
    ("sum(x, axis=__import__('os'))", "unknown function '__import__'"),
    ("getattr(x, '__class__')", "unknown function 'getattr'"),
    ("eval('1')", "unknown function 'eval'"),
    ("exec('import os')", "unknown function 'exec'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("breakpoint()", "unknown function 'breakpoint'"),
    ("globals()['x']", "unknown function 'globals'"),
    # format strings
    ("'{0.__class__}'.format(x)", "attribute access is not allowed"),
    ("'%s' % x", "a string cannot be used as a value here"),  # % is mod, never formatting
    ("f'{__import__(\"os\").system(\"echo owned\")}'", "an f-string is not allowed"),
    # lambdas and other callables
    ("(lambda x: x)(1)", "only functions called by name"),
    ("sum(lambda: 0)", "a lambda is not allowed"),
    ("sin(x)(y)", "only functions called by name"),
    ("sum(i for i in x)", "a generator expression is not allowed"),
    # attribute access outside the namespace
    ("np.exp(x)", "attribute access is not allowed"),
    ("math.pi * x", "attribute access is not allowed"),
    ("sd.exp(x)", "attribute access is not allowed"),
    ("x.data", "attribute access is not allowed"),
    ("x.real.__class__", "attribute access is not allowed"),
    ("x.T.__class__(1)", "attribute access is not allowed"),
    ("sin.__globals__", "attribute access is not allowed"),
    # the one dotted namespace (linalg.*) leads to its functions only
    ("linalg.__dict__", "attribute access is not allowed"),
    ("linalg.solve.__globals__", "attribute access is not allowed"),
    ("linalg.__class__(1)", "unknown function 'linalg.__class__'"),
    ("linalg.inv.__call__(x)", "attribute access is not allowed"),
    # statements smuggled in
    ("x; import os", "invalid syntax"),
    ("x\nimport os", "invalid syntax"),
    # strings where a function takes one must still be what it expects
    ("astype(x, 'O')", "astype: dtype object is not numeric or boolean"),
    ("astype(x, '__import__')", "data type '__import__' not understood"),
    ("one_hot(l, 3, dtype='U8')", "one_hot: dtype <U8 is not numeric or boolean"),
    ("einsum(\"'); import os; ('\", v)", "subscripts are letters"),
    # text Python cannot read
    ("x + \ud800", "unpaired surrogate U+D800"),
    ("x\x00 + 1", "cannot contain null bytes"),
])
def test_known_attacks_are_refused(text, reason):
    with _nothing_executes():
        msg = refusal(text, shapes={"l": ((3,), "int64")})
    assert reason in msg.split("\n")[0], msg


@pytest.mark.parametrize("text, reason", [
    ("x" * 10**6, "more than the limit of 100000"),
    ("9" * 10**6, "more than the limit of 100000"),
    ("(" * 10**5 + "x" + ")" * 10**5, "more than the limit of 100000"),
    ("[" * 5_000 + "x" + "]" * 5_000, "a list used as an array holds numbers only"),
    ("~" * 50_000 + "x", "~: takes boolean masks (as logical_not) or integers"),
    ("x" + "[0]" * 30_000, "too many indices for an array of shape ()"),
    ("x" + ".a" * 40_000, "attribute access is not allowed"),
    ("not " * 20_000 + "x", "nested too deeply for Python's parser"),
    ("9" * 99_999, "Exceeds the limit (4300 digits)"),
    ("1" + "0" * 99_990 + ".5", "float literal is out of the float64 range"),
], ids=lambda v: v if len(v) < 40 else f"{v[:8]!r}...({len(v)} chars)")
def test_huge_and_deep_inputs_are_refused_without_recursion(text, reason):
    limit = sys.getrecursionlimit()
    assert reason in refusal(text, caret=False)
    assert sys.getrecursionlimit() == limit


@pytest.mark.parametrize("text, nodes", [
    ("(" * 49_999 + "x" + ")" * 49_999, 1),
    ("sin(" * 10_000 + "x" + ")" * 10_000, 10_001),
    ("-" * 99_000 + "x", 99_001),
    ("+-" * 10_000 + "x", 10_001),  # a unary plus makes no node
], ids=lambda v: v if isinstance(v, int) else f"{v[:8]!r}...({len(v)} chars)")
def test_deep_inputs_build_without_recursion(text, nodes):
    limit = sys.getrecursionlimit()
    assert sd.count_nodes(sd.parse(text)) == nodes
    assert sys.getrecursionlimit() == limit


def test_long_chains_within_the_limits_build():
    e = sd.parse("x" + "**x" * 1999)  # the operator limit: a right-nested chain 2,000 deep
    assert sd.count_nodes(e) == 2000 and sd.evaluate(e, {"x": 1.0}) == 1.0
    minus = sd.parse("-" * 1999 + "x")  # each minus is a node, as written
    assert sd.count_nodes(minus) == 2000 and sd.evaluate(minus, {"x": 2.0}) == -2.0


def _no_python_int_power(source: str) -> bool:
    """No ``a ** b`` of two Python int literals in generated code (Python would compute it
    exactly, with no size limit)."""
    for n in _ast.walk(_ast.parse(source)):
        if isinstance(n, _ast.BinOp) and isinstance(n.op, _ast.Pow):
            if all(isinstance(s, _ast.Constant) and type(s.value) is int for s in (n.left, n.right)):
                return False
    return True


def test_huge_integer_powers_are_not_folded_anywhere():
    nine = sd.const(9)
    e = nine ** (nine ** (nine ** nine))  # the text 9**9**9**9 is refused; the API builds it
    assert e.dtype == np.int64
    # folding refuses a power whose exact result leaves int64, instead of computing it
    inner = sd.parse("9**9")
    assert _fold(inner).op.value == 387420489
    huge = sd.const(9) ** sd.const(387420489)
    assert _fold(huge) is None
    assert _fold(sd.const(9.0) ** sd.const(387420489)) is not None  # a float power is just inf
    s = sd.simplify(e)
    assert s.op.name == "pow" and s.inputs[1].op.name == "pow"
    assert not isinstance(s.inputs[1].op, Const) and s.inputs[1].inputs[1].op.value == 387420489
    # evaluation and generated code run NumPy's fixed-width int64 power (wraps like NumPy; the
    # wrapped exponent here is negative, which NumPy refuses): an error, never a long run
    for run in (lambda: sd.evaluate(e, {}), lambda: sd.compile(e, inputs=[])()):
        with pytest.raises(ValueError, match="Integers to negative integer powers"):
            run()
    x = sd.var("x")
    ten, eighteen = sd.const(10), sd.const(18)
    for f in (e, x ** (nine ** (nine ** 9)), x * ten ** (eighteen ** 18),
              (x + nine ** (nine ** 9)) ** (nine ** 9)):
        assert _no_python_int_power(sd.codegen(f, inputs=[v for v in sd.toposort(f) if v.op.name == "var"]))
    assert sd.evaluate(x ** (nine ** (nine ** 9)), {x: 1.0}) == 1.0


# -- products and linear algebra


def test_linalg_functions_are_called_by_their_dotted_names():
    shapes = {"A": (3, 3), "b": (3,)}
    A, b = sd.var("A", (3, 3)), sd.var("b", (3,))
    assert sd.parse("linalg.solve(A, b)", shapes=shapes) is sd.linalg.solve(A, b)
    assert sd.parse("linalg.norm(A, 'fro', keepdims=True)", shapes=shapes) is sd.linalg.norm(A, "fro", keepdims=True)
    assert sd.parse("linalg.eigh(A, UPLO='U')[1]", shapes=shapes) is sd.linalg.eigh(A, UPLO="U")[1]
    assert sd.parse("linalg.slogdet(A)[-1]", shapes=shapes) is sd.linalg.slogdet(A).logabsdet
    assert sd.parse("linalg.lstsq(A, b, 1e-10)[3]", shapes=shapes) is sd.linalg.lstsq(A, b, 1e-10).s
    assert sd.parse("tensordot(A, b, axes=1) + outer(b, b)[0]", shapes=shapes) is (
        sd.tensordot(A, b, axes=1) + sd.outer(b, b)[0]
    )
    for e in [sd.linalg.inv(A) @ b, sd.linalg.det(A), sd.linalg.eigh(A)[0], sd.linalg.eigh(A, "U")[1],
              sd.linalg.slogdet(A)[0], sd.linalg.svdvals(A), sd.linalg.cholesky(A), sd.linalg.svd(A).Vh,
              sd.linalg.svd(A[:, :2], full_matrices=False)[0], sd.linalg.svd(A[:2], compute_uv=False),
              sd.linalg.svd(A).S, sd.linalg.svd(A[:, :2]).S, sd.linalg.svd(A[:2], full_matrices=False)[1],
              sd.linalg.eigh(A, "U").eigenvalues,
              sd.linalg.qr(A)[0], sd.linalg.qr(A[:, :2], "complete").R, sd.linalg.qr(A[:2], mode="r"),
              sd.linalg.pinv(A), sd.linalg.pinv(A[:2], rcond=1e-10), sd.linalg.pinv(A, rtol=None),
              sd.linalg.lstsq(A[:, :2], b)[0], sd.linalg.lstsq(A[:, :2], b).residuals,
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


# -- ndarray methods and properties, and printed text read back -----------------------------------


def test_methods_and_properties_read_as_the_functions_they_stand_for():
    shapes = {"A": (3, 3), "x": (3,), "B": (2, 3, 4)}
    A, x, B = sd.var("A", (3, 3)), sd.var("x", (3,)), sd.var("B", (2, 3, 4))
    cases = {
        "x.T @ A": x.T @ A,
        "A.T @ x": A.T @ x,
        "B.mT": B.mT,
        "x.sum()": x.sum(),
        "A.sum(axis=0, keepdims=True)": A.sum(axis=0, keepdims=True),
        "(A @ x).max(-1)": (A @ x).max(-1),
        "A.var(ddof=1)": A.var(ddof=1),
        "A.astype('float32').T": A.astype("float32").T,
        "B.transpose(1, 0, 2)": B.transpose(1, 0, 2),
        "B.transpose((2, 0, 1)).reshape(4, 6)": B.transpose((2, 0, 1)).reshape(4, 6),
        "sin(A).dot(x).clip(0, 1)": sd.sin(A).dot(x).clip(0, 1),
        "linalg.inv(A).T": sd.linalg.inv(A).T,
        "x.sort(kind='stable')": x.sort(kind="stable"),
    }
    for text, want in cases.items():
        assert sd.parse(text, shapes=shapes) is want, text


@pytest.mark.parametrize("text, message", [
    ("x.__class__", "attribute access is not allowed in a symdiff expression (line 1, column 1)"),
    ("x.shape", "attribute access is not allowed in a symdiff expression (the methods and properties accepted: T, "),
    ("x.sum", "attribute access is not allowed in a symdiff expression; 'sum' is a method: call it, as in x.sum()"),
    ("x.T()", "attribute access is not allowed in a symdiff expression; 'T' is a property, not a method: write x.T"),
    ("np.exp(x)", "attribute access is not allowed in a symdiff expression; write exp(...) without the 'np.' prefix"),
    # a method's name under a module was read as that method of a variable 'np': np.sum(x) said
    # "sum: axis must be an int, got x", and sd.mean(x, axis=0) "multiple values for argument 'axis'"
    ("np.sum(x)", "attribute access is not allowed in a symdiff expression; write sum(...) without the 'np.' prefix"),
    ("sd.mean(x, axis=0)", "attribute access is not allowed in a symdiff expression; write mean(...) without the 'sd.' prefix"),
    ("jnp.max(x)", "attribute access is not allowed in a symdiff expression; write max(...) without the 'jnp.' prefix"),
    # a dotted path, a constant, a dtype: each said "write pi(...)" or listed the ndarray methods
    ("np.linalg.inv(x[:, None] * x)", "attribute access is not allowed in a symdiff expression; write "
                                      "linalg.inv(...) without the 'np.' prefix"),
    ("scipy.special.erf(x)", "attribute access is not allowed in a symdiff expression; write erf(...) "
                             "without the 'scipy.special.' prefix"),
    ("np.pi * x", "attribute access is not allowed in a symdiff expression; write pi without the 'np.' prefix"),
    ("math.e ** x", "attribute access is not allowed in a symdiff expression; write exp(1) for Euler's number"),
    ("x.astype(np.float32)", "attribute access is not allowed in a symdiff expression; write a dtype by its "
                             "name in quotes, as in 'float32'"),
    ("np.lexsort(x)", "attribute access is not allowed in a symdiff expression; np.lexsort has no "
                      "symdiff counterpart"),
    ("x.sum(axs=0)", ".sum() takes no keyword argument 'axs'; did you mean axis=? "
                     "(it accepts axis=, keepdims=, dtype=, initial=, where=)"),
    ("x.sum('a')", ".sum(): a string is not accepted as 'axis'"),
    ("x.reshape(2, 2)", "reshape: cannot reshape an array of shape (3,) into shape (2, 2)"),
    # a name where a dtype belongs is a variable, not the dtype: refused, never a silent no-op cast
    ("x.astype(float32)", "astype: the dtype must be a dtype or its name, such as 'float32', not an "
                          "expression of dtype float64"),
    ("astype(x, float32)", "astype: the dtype must be a dtype or its name"),
])
def test_method_refusals_say_what_to_write(text, message):
    assert refusal(text, shapes={"x": (3,)}).startswith(message)


def test_a_variable_named_like_a_module_keeps_its_methods():
    np_ = sd.var("np", (3,))
    assert sd.parse("np.sum() + np.T[0]", shapes={"np": (3,)}) is np_.sum() + np_.T[0]


def test_text_with_named_shared_parts_reads_back_as_the_same_graph():
    x = sd.var("x")
    big = sd.sin(x * x + sd.exp(x) * sd.cos(x) + sd.tanh(x) / (1 + x * x) + sd.sqrt(x * x + 1))
    f = big * big + big
    for e in [f, sd.grad(f, x), sd.grad(sd.grad(f, x), x)]:
        text = sd.to_text(e)
        assert "\nwhere\n" in text
        assert sd.parse(text) is e
    assert sd.parse("u * u + u\nwhere\n  u = sin(x) + cos(x)") is (
        (sd.sin(x) + sd.cos(x)) * (sd.sin(x) + sd.cos(x)) + (sd.sin(x) + sd.cos(x)))


@pytest.mark.parametrize("text, message", [
    ("u + v\nwhere\n  u = v\n  v = x", "'v' is used before its definition below 'where' (line 3, column 7)"),
    ("u\nwhere\n  sin = x", "'sin' cannot be defined here: it is a function (line 3, column 3)"),
    ("u\nwhere\n  u = x\n  u = y", "'u' cannot be defined here: it is already defined (line 4, column 3)"),
    ("u\nwhere\n  u == x", "after 'where' each line defines one part: name = expression (line 3, column 3)"),
    ("where\n  u = x", "the expression is missing before 'where' (line 1, column 1)"),
    ("u\nwhere\n  u = sinn(x)", "unknown function 'sinn'; did you mean sin"),
    ("u\nwhere\n  u = sin(u) + x", "'u' is used in its own definition (line 3, column 11)"),
    # a part nothing reads: the use was misspelled, and read silently as a new variable '_2'
    ("_2 * _2\nwhere\n  _1 = x + 1", "'_1' is defined below 'where' but nothing reads it; a "
     "misspelled use of it would read as a new variable (line 3, column 3)"),
    ("v * v\nwhere\n  u = x + 1\n  v = sin(x)", "'u' is defined below 'where' but nothing reads it"),
])
def test_refusals_in_named_parts_point_at_their_line(text, message):
    assert refusal(text).startswith(message)


def test_printed_tensor_expressions_read_back_as_the_same_graph():
    shapes = {"A": (3, 3), "x": (3,), "B": (2, 3, 4), "l": ((3,), "int64")}
    A, x, B = sd.var("A", (3, 3)), sd.var("x", (3,)), sd.var("B", (2, 3, 4))
    l = sd.var("l", (3,), "int64")
    exprs = [x.T @ A, A.T, sd.swapaxes(B, 0, 2), B.mT, A.astype("float32"), l.astype("float64") * x,
             sd.average(B.astype("float32"), axis=-1), sd.std(l), sd.round(A, 2), sd.any(A > 0, axis=0),
             sd.all(A > 0), sd.grad(sd.sum(sd.tanh(A @ x) ** 2), A), sd.hessian(sd.sum(sd.sin(x) * x), x),
             x + np.array([0.1, 1e-300, np.pi]), A @ np.eye(3)[:, :2], x.astype("float32") * np.float32([0.1, 2, 3]),
             x[np.array([], np.int64)], A * np.zeros((3, 0)).sum(axis=1), -sd.const(1.0) * x, -(-x)]
    for e in exprs:
        assert sd.parse(sd.to_text(e), shapes=shapes) is e, sd.to_text(e)


def _assert_reads_back(node, text, leaves, inputs, sample):
    """parse(text) is ``node``; where ``node`` holds a constant array printed as the call that
    builds it (eye(3)), parse builds that call: the same values, to the bit."""
    back = sd.parse(text, shapes=leaves)
    if any(isinstance(n.op, Const) and n.op.value.size > 6 for n in sd.toposort(node)):
        with np.errstate(all="ignore"):
            want, got = (np.asarray(sd.evaluate(e, inputs, simplify=False)) for e in (node, back))
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), f"{sample}: {text}"
    else:
        assert back is node, f"{sample}: {text}"


def test_every_op_table_expression_reads_back_from_its_text():
    # parse(str(e)) is e for every sample of every public function (constant arrays of more
    # than 6 elements print as const<...>, which does not read back, and are left out; those
    # that print as the call that builds them, eye(3), read back as that call, the same bits)
    from op_table import SAMPLES

    checked = 0
    for sample in SAMPLES:
        node, _ = sample.build()
        text = sd.to_text(node)
        if "const<" in text:
            continue
        leaves = {n.op.var_name: n for n in sd.toposort(node) if isinstance(n.op, sd.Var)}
        _assert_reads_back(node, text, leaves, sample.inputs(), sample)
        checked += 1
    assert checked > 0.9 * len(SAMPLES)


def test_every_op_tables_derivative_reads_back_from_its_text():
    # derivative graphs hold ops of their own (index_add, add_along_axis, diagonal_embed,
    # sinc_derivative, cumsum(..., reverse=True), einsums that sum broadcast axes), constants of
    # the inputs' dtypes and complex constants: raw and simplified, each reads back as itself
    from op_table import SAMPLES

    checked = 0
    for sample in SAMPLES:
        node, _ = sample.build()
        wrt = [n for n in sd.toposort(node) if isinstance(n.op, sd.Var) and n.type.is_float]
        if not wrt or not node.type.is_float or not sample.grad:
            continue
        loss = sd.sum(node * node)
        grads = sd.grad(sd.real(loss) if node.dtype.kind == "c" else loss, wrt)
        leaves = {n.op.var_name: n for n in sd.toposort(grads) if isinstance(n.op, sd.Var)}
        for g in [*grads, *sd.simplify(grads)]:
            text = sd.to_text(g)
            if "const<" not in text:
                _assert_reads_back(g, text, leaves, sample.inputs(), sample)
                checked += 1
    assert checked > 1000


def test_derivatives_over_named_dimensions_read_back_from_their_text():
    # shapes holding a dimension name print it quoted (a bare n would read as a variable)
    X, w, S = sd.var("X", ("n", 3)), sd.var("w", (3,)), sd.var("S", ("n", "n"))
    shapes = {"X": X, "w": w, "S": S}
    exprs = [sd.reshape(X, (3, "n")), sd.broadcast_to(w, X.shape), sd.grad(sd.sum(X[:, 0]), X),
             sd.grad(sd.sum(sd.sort(X, axis=0)), X), sd.grad(sd.trace(S) ** 2, S),
             sd.hessian(sd.sum(sd.tanh(X @ w) ** 2), w)]
    assert sd.to_text(exprs[0]) == "reshape(X, (3, 'n'))"
    for e in [*exprs, *sd.simplify(exprs)]:
        assert sd.parse(sd.to_text(e), shapes=shapes) is e, sd.to_text(e)


def test_arange_and_dimension_sizes_read_back_from_their_text():
    # arange names a dtype its bounds do not imply and quotes a dimension name; a dimension's
    # size (the mean over n rows divides by it) prints as the bare name, which reads back as it
    for e in [sd.arange(3, dtype="float32"), sd.arange(0, 5, 2, dtype="int32"), sd.arange(4.0),
              sd.arange("n"), sd.arange("n", dtype="float64")]:
        assert sd.parse(sd.to_text(e)) is e, sd.to_text(e)
    assert sd.to_text(sd.arange(3, dtype="float32")) == "arange(3.0, dtype='float32')"
    X, W = sd.var("X", ("n", 4)), sd.var("W", (4, 3))
    labels = sd.var("labels", ("n",), "int64")
    loss = -sd.log_softmax(X @ W, axis=1)[sd.arange(X.shape[0]), labels].mean()
    shapes = {"X": X, "W": W, "labels": labels}
    for e in [loss, sd.grad(loss, W), sd.simplify(sd.grad(loss, W)), sd.std(X, axis=0)]:
        assert sd.parse(sd.to_text(e), shapes=shapes) is e, sd.to_text(e)
    assert sd.parse("n * 2", shapes={"X": (("n", 3), "float32")}).dtype == np.int64
    assert sd.parse("n * 2").dtype == np.float64  # no shape names n: a variable


def test_an_indexed_constant_array_reads_back():
    # a jvp's tangent is a constant array, indexed where the variable is: [[0.5, ...]][:, [0, 2]]
    x = sd.var("x", (2, 3))
    for e in [sd.jvp(x[:, [0, 2]] ** 2, x, np.full((2, 3), 0.5)), sd.const(np.arange(5))[::2],
              sd.const(np.ones((1, 3), np.float32))[:, [0, 2]]]:
        assert sd.parse(sd.to_text(e), shapes={"x": x}) is e, sd.to_text(e)
    with pytest.raises(sd.ParseError, match="holds numbers only"):
        sd.parse("[x, 2.0][0]")


def test_every_op_tables_jacobian_reads_back_from_its_text():
    # a Jacobian's graph holds the batched forms of the derivative ops (a scatter to an argsort
    # with a unit axis put in front, for the batch, is still a permutation): each reads back
    from op_table import SAMPLES

    checked = 0
    for sample in SAMPLES:
        node, _ = sample.build()
        wrt = [n for n in sd.toposort(node) if isinstance(n.op, sd.Var) and n.type.is_float]
        if not wrt or not node.type.is_float or not sample.grad or node.dtype.kind == "c":
            continue
        if not node.type.static_size or node.type.static_size > 24 or wrt[0].type.static_size is None:
            continue
        jac = sd.jacobian(node, wrt[0])
        leaves = {n.op.var_name: n for n in sd.toposort(jac) if isinstance(n.op, sd.Var)}
        for g in (jac, sd.simplify(jac)):
            text = sd.to_text(g)
            if "const<" not in text:
                _assert_reads_back(g, text, leaves, sample.inputs(), sample)
                checked += 1
    assert checked > 1000


@pytest.mark.parametrize("expr", [
    lambda x, z: sd.broadcast_to(sd.const(np.float32(0.5)), (2, 3)),  # alone: its own dtype
    lambda x, z: x * sd.const(np.float64(2.0)),  # beside float32, a float64 literal would not be
    lambda x, z: sd.where(x > 0, x, sd.const(np.float64(0.0))),
    lambda x, z: sd.const(np.float32(2.5)),
    lambda x, z: x * 2.0 + 1,  # weakly typed: printed bare
    lambda x, z: z * complex(-0.0, -1.0) + 2j,
    lambda x, z: z + np.array([1 + 2j, complex(0.0, np.nan), 3]),
    lambda x, z: sd.einsum("Aij,Aj->i", sd.var("T", (2, 3, 4)), sd.var("U", (2, 4))),
])
def test_typed_and_complex_constants_read_back(expr):
    x, z = sd.var("x", (3,), "float32"), sd.var("z", (3,), "complex128")
    e = expr(x, z)
    text = sd.to_text(e)
    assert sd.parse(text, shapes={"x": x, "z": z, "T": (2, 3, 4), "U": (2, 4)}) is e, text


def test_printed_constants_name_their_dtype_only_where_needed():
    x = sd.var("x", (3,), "float32")
    assert sd.to_text(x * 2.0) == "x * 2.0"
    assert sd.to_text(x * sd.const(np.float64(2.0))) == "x * astype(2.0, 'float64')"
    assert sd.to_text(sd.broadcast_to(sd.const(np.float32(0.0)), (2,))) == "broadcast_to(astype(0.0, 'float32'), (2,))"
    assert sd.to_text(sd.var("z", (), "complex128") * complex(-0.0, 1.0)) == "z * complex(-0.0, 1.0)"


@pytest.mark.skipif(np.finfo(np.longdouble).nmant <= 52, reason="long double is float64 here")
def test_long_double_constants_read_back_with_all_their_digits():
    # a bare literal reads as float64: a longdouble constant names its dtype, and the parser
    # reads the digits of astype's literal at that precision (they once read back as float64)
    third, name = np.longdouble(1) / 3, np.dtype(np.longdouble).name
    cname = np.dtype(np.clongdouble).name
    x = sd.var("x", (), "longdouble")
    tiny = np.nextafter(np.longdouble(0), np.longdouble(1))  # below float64's least subnormal
    constants = [
        sd.const(third),
        sd.const(-np.longdouble("1e4000")),  # beyond float64's range
        sd.const(np.array([[third, tiny], [-np.longdouble("nan"), -0.0]])),
        sd.const(np.clongdouble(complex(1, -1)) / 3),
        sd.const(np.array([np.clongdouble(complex(-0.0, 2)) / 3])),
        x * third,
        sd.var("y") * third,  # float64 * longdouble: the constant's dtype
        sd.broadcast_to(sd.const(third), (2, 3)),
    ]
    for e in constants:
        text = sd.to_text(e)
        assert name in text or cname in text, text
        back = sd.parse(text, shapes={"x": x})
        assert back is e, text
        got, want = sd.evaluate(back, {"x": third, "y": 3.0}), sd.evaluate(e, {"x": third, "y": 3.0})
        np.testing.assert_array_equal(got, want)
        assert np.all(np.signbit(got) == np.signbit(want)) if got.dtype.kind == "f" else True
    assert sd.to_text(sd.const(third)) == f"astype({third!s}, {name!r})"
    # equal long doubles are one constant, whatever the padding bytes beside their 80 bits hold
    assert sd.const(np.longdouble(1) / 3) is sd.const(third)
    # eye, one_hot and full keep a factor a float64 literal holds; other factors are refused
    assert sd.to_text(sd.const(np.eye(8, dtype=np.longdouble) / 2)) == f"0.5 * eye(8, dtype={name!r})"
    # (a factor no float64 literal holds: the 64 elements written out, each with all its digits)
    c = sd.const(np.eye(8, dtype=np.longdouble) / 3)
    assert sd.to_text(c).startswith(f"astype([[{third!s}, 0.0,") and sd.parse(sd.to_text(c)) is c
    assert f"cannot be a {name} constant" in refusal(f"astype(2j, {name!r})")


def test_index_values_and_complex_literals():
    g = sd.var("g", (2, 2))
    e = sd.parse("index_add(g, (3, 4), s_[1:, ::2])", shapes={"g": g})
    assert e is sd.index_add(g, (3, 4), np.s_[1:, ::2])
    np.testing.assert_array_equal(sd.evaluate(e, {"g": np.ones((2, 2))}),
                                  [[0, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0]])
    assert sd.parse("s_[0] * 2", shapes={"s_": (3,)}).shape == ()  # a variable named s_ is indexed
    assert sd.parse("complex(1.0, -0.0)").op.value.item().imag == 0.0
    assert np.signbit(sd.parse("complex(1.0, -0.0)").op.value.item().imag)
    assert sd.parse("x * 2j").dtype == np.complex128


@pytest.mark.parametrize("text, reason", [
    ("s_[1]", "an index s_[...] cannot be used as a value here"),
    ("x + s_[1]", "an index s_[...] cannot be used as a value here"),
    ("sum(x, axis=s_[1])", "sum(): an index s_[...] is not accepted as 'axis'"),
    # as an index it was refused naming an internal class and its address in memory
    ("x[s_[1:]]", "an index s_[...] is only index_add's index; index with what is inside the brackets"),
    ("x[0, s_[1:]]", "an index s_[...] is only index_add's index"),
    ("index_add(x, (3,), s_['a'])", "strings cannot be indices"),
    ("index_add(x, (3,), s_[5])", "index_add: index 5 is out of bounds for axis 0 with size 3"),
    ("complex(x, 1.0)", "complex(re, im) takes two real number literals, not an expression"),
    ("complex(1.0)", "complex(re, im) takes two number literals"),
    ("complex(1j, 1.0)", "complex(re, im) takes two real number literals, not complex"),
])
def test_index_value_and_complex_refusals(text, reason):
    assert reason in refusal(text)


def test_int64_least_value_reads_as_a_literal_and_prints_back():
    # Python reads -9223372036854775808 as minus the literal 2**63, which alone does not fit
    least = np.iinfo(np.int64).min
    e = sd.parse("-9223372036854775808")
    assert e.dtype == np.int64 and sd.evaluate(e) == least
    x = sd.var("x", shape=(3,), dtype="int64")
    arr = x * np.array([least, 5, -7])
    assert sd.parse(str(arr), shapes={"x": ((3,), "int64")}) is arr
    # negating it again in text is int64 arithmetic of literals whose exact value does not fit:
    # refused at the minus sign, where NumPy's negation would wrap around
    message = refusal("--9223372036854775808")
    assert message.startswith("--9223372036854775808 is 9223372036854775808, which does not fit in "
                              "int64; write it as a float: 9.223372036854776e18 (line 1, column 1)")
    assert message.endswith("\n  --9223372036854775808\n  ^")
    # the graph the Python API builds (NumPy's wrapping negation) prints and reads back
    again = sd.negative(sd.const(np.int64(least)))
    assert sd.parse(sd.to_text(again)) is again
    with np.errstate(over="ignore"):
        assert sd.evaluate(again) == least
    # past int64's largest, an integer is uint64, as np.asarray(2**63) is; past that, refused
    big = sd.parse("9223372036854775808")
    assert big.dtype == np.uint64 and sd.evaluate(big) == 2**63
    c = sd.const(np.uint64(2**64 - 1))
    assert sd.parse(str(c)) is c
    assert "does not fit in int64 or uint64" in refusal("18446744073709551616")
    # a negative number below int64's least fits no integer dtype (a uint64 negated would wrap)
    assert "does not fit in int64" in refusal("-9223372036854775809")


_NOT_INT64 = "which does not fit in int64; write it as a float: "


@pytest.mark.parametrize("text, message, caret", [
    # int64 arithmetic of literals wrapped around silently: 10**20 read as 7766279631452241920
    ("10**20*x", "10**20 is 100000000000000000000, " + _NOT_INT64 + "10.0**20 or 1e20 (line 1, column 3)",
     "    ^^"),
    ("2**63*x", "2**63 is 9223372036854775808, " + _NOT_INT64 + "2.0**63 or 9.223372036854776e18",
     "   ^^"),
    ("3**40*x", "3**40 is 12157665459056928801, " + _NOT_INT64 + "3.0**40 or 1.2157665459056929e19",
     "   ^^"),
    ("2**100*x", "2**100 is 1267650600228229401496703205376, " + _NOT_INT64 + "2.0**100 or "
     "1.2676506002282294e30", "   ^^"),
    ("-2**63 + x", "2**63 is 9223372036854775808, " + _NOT_INT64, "    ^^"),
    ("2**62*4*x", "2**62*4 is 18446744073709551616, " + _NOT_INT64 + "1.8446744073709552e19 "
     "(line 1, column 6)", "       ^"),
    ("-(2**62*4)", "2**62*4 is 18446744073709551616, " + _NOT_INT64, "         ^"),
    ("(10**10)**2 + x", "(10**10)**2 is 100000000000000000000, " + _NOT_INT64 + "1e20 (line 1, column 9)",
     "          ^^"),
    ("10 ** (2 + 18)", "10 ** (2 + 18) is 100000000000000000000, " + _NOT_INT64 + "10.0 ** (2 + 18) or 1e20",
     "     ^^"),
    ("2**62*2 - 1", "2**62*2 is 9223372036854775808, " + _NOT_INT64, "       ^"),
    ("-9223372036854775808 // -1", "-9223372036854775808 // -1 is 9223372036854775808, " + _NOT_INT64,
     "                       ^^"),
    ("1 << 63", "1 << 63 is 9223372036854775808, " + _NOT_INT64, "    ^^"),
    ("x * (9223372036854775808 * 2)", "9223372036854775808 * 2 is 18446744073709551616, which does not "
     "fit in uint64; write it as a float: 1.8446744073709552e19", " " * 27 + "^"),
    # a power too large to compute is refused from bounds on its size, not its digits
    ("10**10**6*x", "10**10**6 has about 1000001 digits, which do not fit in int64; as a float "
     "(10.0**10**6) it is past float64's range too (line 1, column 3)", "    ^^"),
    ("1 << 10**6", "1 << 10**6 has about 301031 digits, which do not fit in int64; it is past "
     "float64's range too", "    ^^"),
    # a negative exponent written as arithmetic is refused as a negative literal is
    ("2**-10**6*x", "power: an integer raised to the negative integer power -1000000 is not an "
     "integer (int64 ** int64); make one of them a float, as in 2.0 ** -1 (line 1, column 2)", "   ^^"),
    ("2**-3*x", "power: an integer raised to the negative integer power -3 is not an integer", "   ^^"),
    ("n ** -(2 + 1)", "power: an integer raised to the negative integer power -3", "    ^^"),
    # a part named below 'where' is checked where it is used
    ("_1 * 4\nwhere\n  _1 = 2**62", "_1 * 4 is 18446744073709551616, " + _NOT_INT64, "     ^"),
])
def test_integer_arithmetic_of_literals_is_exact_or_refused_at_its_operator(text, message, caret):
    start = time.perf_counter()
    got = refusal(text, shapes={"n": ((), "int64")})
    assert time.perf_counter() - start < 1.0
    assert got.startswith(message), got
    assert got.split("\n")[2] == caret, got


@pytest.mark.parametrize("text, exact", [
    ("2**62", 2**62), ("(10**9)**2", 10**18), ("-2**62 * 2", -(2**63)), ("(-2)**63", -(2**63)),
    ("3**39", 3**39), ("-(2**62)", -(2**62)), ("9223372036854775807 // 2 * 2 + 1", 2**63 - 1),
    ("-7 % 3", 2), ("7 // -2", -4), ("-(-9223372036854775807)", 2**63 - 1), ("1 << 62", 2**62),
    ("-8 >> 70", -1), ("0 ** 10**18", 0), ("(-1) ** (10**18 + 1)", -1), ("2**62 * True", 2**62),
    ("18446744073709551615 - 1", 2**64 - 2), ("9223372036854775808 + 1", 2**63 + 1),
])
def test_integer_arithmetic_of_literals_that_fits_reads_as_before_and_prints_back(text, exact):
    e = sd.parse(text)
    assert e.dtype == (np.uint64 if exact >= 2**63 else np.int64)
    assert sd.evaluate(e, simplify=False) == exact and sd.evaluate(e) == exact
    assert sd.parse(sd.to_text(e)) is e
    f = sd.parse(f"({text}) * x")
    assert sd.evaluate(f, {"x": 1.0}) == float(exact) and sd.parse(sd.to_text(f)) is f
    # the graph keeps the literals and their operators: nothing is folded while reading
    x = sd.var("x")
    assert sd.to_text(sd.parse("2**62 * x")) == "2 ** 62 * x"
    assert sd.parse("2**62 * x") is sd.const(2) ** 62 * x


def test_integer_arithmetic_of_int64_variables_wraps_as_numpys():
    # only literals are checked; n**20 of an int64 variable n is NumPy's int64 power
    n = sd.var("n", dtype="int64")
    e = sd.parse("n ** 20 * 2**40", shapes={"n": n})
    assert e is n ** 20 * sd.const(2) ** 40
    assert sd.evaluate(e, {"n": np.int64(10)}) == np.int64(10) ** 20 * np.int64(2) ** 40
    assert sd.parse("7 // 0").dtype == np.int64  # NumPy's 0 (with its warning), as for arrays


def test_masks_combine_with_and_or_not():
    x, y = sd.symbols("x y")
    e = sd.parse("where((x > 0) & ~(y > 0) | (x > 5), x, y)")
    assert e is sd.where(sd.logical_or(sd.logical_and(x > 0, sd.logical_not(y > 0)), x > 5), x, y)
    assert sd.parse(str(e)) is e


# -- the reader builds Python's own tree ----------------------------------------------------------

_ATOMS = st.sampled_from(["x", "y1", "W", "é", "ﬁ", "0", "7", "1.5", "2e-3", "1_000", "0x1F", "3j",
                          "True", "None", "...", "'ij,jk->ik'", "u's'", "'a' \"b\"", "[1, 2]", "()"])
_BINARY_OPS = st.sampled_from(["+", "-", "*", "/", "//", "%", "@", "**", "|", "&", "^", "<<",
                               "<", "==", ">=", "!="])
_SPACE = st.sampled_from(["", " ", "  ", "\t"])


def _texts() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, _SPACE, _BINARY_OPS, _SPACE, inner).map("".join)
        unary = st.tuples(st.sampled_from(["-", "+", "~", "- "]), inner).map("".join)
        paren = inner.map(lambda t: f"({t})")
        call = st.tuples(st.sampled_from(["sin", "f", "x.sum", "linalg.norm"]),
                         st.lists(inner, max_size=3),
                         st.lists(st.tuples(st.sampled_from(["axis", "k"]), inner), max_size=1),
                         st.booleans()).map(
            lambda p: f"{p[0]}({', '.join(p[1] + [f'{k}={v}' for k, v in p[2]])}{',' if p[3] and (p[1] or p[2]) else ''})")
        part = st.one_of(inner, st.tuples(st.one_of(st.just(""), inner), st.one_of(st.just(""), inner),
                                          st.sampled_from(["", ":", ":2", ": -1"])).map(
            lambda p: f"{p[0]}:{p[1]}{p[2]}"))
        sub = st.tuples(inner, st.lists(part, min_size=1, max_size=3), st.booleans()).map(
            lambda p: f"{p[0]}[{', '.join(p[1])}{',' if p[2] else ''}]")
        tup = st.lists(inner, max_size=3).map(lambda e: "(" + ", ".join(e) + ("," if len(e) == 1 else "") + ")")
        attr = inner.map(lambda t: f"({t}).T")
        multi = st.tuples(inner, inner).map(lambda p: f"({p[0]} +\n  {p[1]})")
        return st.one_of(binary, unary, paren, call, sub, tup, attr, multi)

    return st.recursive(_ATOMS, extend, max_leaves=12)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(_texts())
def test_reader_builds_the_tree_python_builds(text):
    from symdiff.parse import _read_tree

    mine, _ = _read_tree(text)
    try:
        theirs = _ast.parse(text, mode="eval")
    except SyntaxError:
        assert mine is None  # what Python refuses, the reader leaves to Python
        return
    if any(isinstance(n, _ast.Compare) and len(n.ops) > 1 for n in _ast.walk(theirs)):
        return  # a < b < c: left to Python's parser, whose tree the message is worded from
    assert mine is not None, text
    assert _ast.dump(mine, include_attributes=True) == _ast.dump(theirs, include_attributes=True)


def test_array_creation_and_quantiles_read_with_their_string_arguments():
    shapes = {"x": ((4, 3), "float64"), "X": (("n", 3), "float64")}
    cases = {
        "zeros(('n', 3), dtype='int32')": sd.zeros(("n", 3), dtype="int32"),
        "full((2,), 1.5, dtype='float32')": sd.full((2,), 1.5, dtype="float32"),
        "eye('n', 'm', k=-1, dtype='float32')": sd.eye("n", "m", k=-1, dtype="float32"),
        "identity('n') @ X": sd.identity("n") @ sd.var("X", ("n", 3)),
        "linspace(0.0, 10.0, 4, dtype='int64')": sd.linspace(0.0, 10.0, 4, dtype="int64"),
        "quantile(x, [0.25, 0.75], axis=0, method='lower')":
            sd.quantile(sd.var("x", (4, 3)), [0.25, 0.75], axis=0, method="lower"),
        "percentile(x, 90, method='hazen', keepdims=True)":
            sd.percentile(sd.var("x", (4, 3)), 90, method="hazen", keepdims=True),
        "median(x, axis=(0, 1))": sd.median(sd.var("x", (4, 3)), axis=(0, 1)),
    }
    for text, want in cases.items():
        got = sd.parse(text, shapes=shapes)
        assert got is want, text
        assert sd.parse(sd.to_text(got), shapes=shapes) is got, sd.to_text(got)
    with pytest.raises(sd.ParseError, match=r"quantile: q must be constant numbers.*\n.*\n  \^"):
        sd.parse("quantile(x, y)", shapes={"x": ((4,), "float64"), "y": ((), "float64")})
    with pytest.raises(sd.ParseError, match=r"median\(\): a string is not accepted as 'axis'"):
        sd.parse("median(x, axis='n')", shapes=shapes)


@pytest.mark.parametrize("text", ["x +", "x ** ", "sin(x) * ", "x @", "-", "x if"])
def test_text_that_ends_too_early_points_at_its_end(text):
    # Python's parser gives no column for an error at the very end of the text, which
    # showed as column 1 under the first character, and the message said "invalid syntax" twice
    first, shown, marks = refusal(text).split("\n")
    assert first == f"invalid syntax (line 1, column {len(text) + 1})"
    assert shown == "  " + text
    assert marks == " " * (len(text) + 2) + "^"


@pytest.mark.parametrize("text, message, column", [
    ("(" * 200 + "x" + ")" * 199, "invalid syntax: '(' was never closed", 1),
    ("sin(" * 200 + "x" + ")" * 199, "invalid syntax: '(' was never closed", 4),
    ("y + (" + "exp(" * 150 + "x" + ")" * 150, "invalid syntax: '(' was never closed", 5),
    ("(" * 200 + "x" + ")" * 201, "invalid syntax: unmatched ')'", 402),
    ("(" * 200 + "x $" + ")" * 200, "cannot read '$' here", 203),
    ("(" * 200 + "x  ? 1" + ")" * 200, "cannot read '?' here", 204),
], ids=["unclosed", "unclosed-call", "unclosed-inner", "unmatched", "dollar", "question"])
def test_deep_text_with_an_error_points_at_it(text, message, column):
    # brackets nested past Python's parser's limit: an unpaired bracket was reported as
    # "brackets nested more than 100 deep", and a character the tokenizer cannot read after
    # a space as "the expression ends too early" at the space
    first = refusal(text).split("\n")[0]
    assert first.startswith(message) and first.endswith(f"(line 1, column {column})")


def test_functions_giving_a_list_of_parts_are_indexed_like_decompositions():
    # split and array_split return lists: split(v, 2)[1] was "this does not make an expression"
    v = sd.var("v", (4,))
    values = {"v": np.array([0.5, -1.0, 2.0, 3.5])}
    for text, want in [("split(v, 2)[1]", sd.split(v, 2)[1]), ("array_split(v, 3)[2]", sd.array_split(v, 3)[2]),
                       ("split(v, [1, 3])[-1]", sd.split(v, [1, 3])[-1])]:
        got = sd.parse(text, shapes={"v": (4,)})
        assert got is want
        np.testing.assert_array_equal(sd.evaluate(got, values), sd.evaluate(want, values))
    assert "split() gives 2 results; take one with an index" in refusal("split(v, 2)", shapes={"v": (4,)})
    assert "index them with 0 to 1" in refusal("split(v, 2)[2]", shapes={"v": (4,)})


def test_a_string_literal_python_refuses_is_a_parse_error():
    # found by the token-soup fuzz: Python's SyntaxError for the literal escaped from parse
    assert "bytes can only contain ASCII literal characters (line 1, column 5)" in refusal("x + b'α'")
    assert "unknown Unicode character name" in refusal("einsum('\\N{nonsense}', x)")


def test_a_list_nested_deeper_than_numpy_allows_says_so():
    # it was called not rectangular
    assert sd.parse("x * " + "[" * 64 + "1.0" + "]" * 64).ndim == 64
    first = refusal("x * " + "[" * 65 + "1.0" + "]" * 65).split("\n")[0]
    assert first == "a list used as an array has more than 64 dimensions, NumPy's limit (line 1, column 5)"


def test_shapes_that_are_not_a_dict_are_refused_naming_them():
    for shapes, type_name in (([("x", (3,))], "list"), ("x", "str"), (3, "int")):
        with pytest.raises(TypeError, match=rf"parse: shapes must be a dict from variable names to "
                                            rf"shapes, such as {{'x': \(3,\)}}; got {type_name}"):
            sd.parse("x", shapes=shapes)
    with pytest.raises(TypeError, match=r"shapes: names must be strings, got 3"):
        sd.parse("x", shapes={3: (3,)})
    assert sd.parse("x", shapes={"x": (3,)}).shape == (3,)


def test_a_boolean_literal_is_a_value_as_in_numpy():
    x = sd.var("x", shape=(3,))
    X = np.array([-1.0, 0.5, 2.0])
    assert sd.parse("True") is sd.const(True) and sd.parse("False").dtype == np.bool_
    for text, want in (("(x > 0) & True", (X > 0) & True), ("(x > 0) | False", (X > 0) | False),
                       ("x + True", X + True), ("True * x", True * X), ("x < True", X < True)):
        got = sd.evaluate(sd.parse(text, shapes={"x": x}), {"x": X})
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    # what the printer writes reads back: a boolean constant, alone or as an operand
    for e in (sd.const(False), sd.arctan2(sd.const(True) ** (x < 2.0), 3.0), (x > 0) & sd.const(True)):
        assert sd.parse(str(e), shapes={"x": x}) is e


@pytest.mark.parametrize("name", ["concatenate", "concat", "stack", "vstack", "hstack",
                                  "column_stack", "linalg.multi_dot"])
def test_joining_arrays_written_without_brackets_is_refused_at_the_first_argument(name):
    # concatenate(A, A) for concatenate([A, A], axis=0): the error says so, the caret under
    # the first argument, whether the second array lands in axis= or in no parameter at all
    A = sd.var("A", (3, 3))
    text = f"{name}(A, A)"
    with pytest.raises(sd.ParseError, match=rf"^{name} takes a sequence of arrays as its first "
                       rf"argument, got one array 'A' of shape \(3, 3\): put the arrays in brackets") as e:
        sd.parse(text, {"A": A})
    assert f"(line 1, column {len(name) + 2})" in str(e.value)
    assert str(e.value).splitlines()[-1] == " " * (len(name) + 3) + "^"
    assert sd.parse(f"{name}([A, A])", {"A": A}).size in (18, 9)


@pytest.mark.parametrize("name", ["pi", "inf", "nan", "True", "False", "None"])
def test_a_variable_named_like_a_constant_reads_back_as_the_variable(name):
    # bare, the name reads as NumPy's (or Python's) constant: such a variable prints as
    # var('pi'), which reads back as it with or without shapes, beside the constant itself
    v, m = sd.var(name), sd.var(name, (3,))
    e = v * 2.0 + sd.sin(v) + sd.const(np.inf) + np.pi
    assert str(v * 2.0) == f"var({name!r}) * 2.0"
    assert sd.parse(str(e)) is e
    # (shapes naming inf makes the bare name the variable, the constant's text too, as documented)
    assert sd.parse(str(v * 2.0 + np.pi), {name: v}) is v * 2.0 + np.pi
    assert sd.parse(str(m * 2.0), {name: m}) is m * 2.0
    g = sd.grad(sd.sum(m * m), m)
    assert sd.to_text(sd.simplify(g)) == f"2.0 * var({name!r})"
    assert sd.parse(sd.to_text(g), {name: m}) is g
    # a name given in shapes wins over the constant, bare too
    if name in ("pi", "inf", "nan"):
        assert sd.parse(f"{name} * 2.0", {name: m}) is m * 2.0
        assert sd.parse(f"{name} * 2.0").inputs[0].op.name == "const"
        assert sd.parse(f"var({name!r}) + {name}").inputs[1].op.name == "const"


@pytest.mark.parametrize("name", ["sum", "where", "exp", "lambda", "if", "x y", "x-y", "1j", "x\t",
                                  "\ufb01", "\u00b5", "\u210c", "a'b", "__x", "__init__"])
def test_a_variable_whose_bare_name_reads_otherwise_prints_as_var(name):
    # a function's name, a keyword or text that is not a Python name printed bare: sum * 2.0
    # was refused, x-y read as a difference, 1j as a complex constant, and the ligature fi
    # (which Python reads as fi) as another variable; a name beginning with '__', which the
    # text reserves, was printed bare and refused. Each prints as var('...') and reads back
    for shape in [(), (2,)]:
        v = sd.var(name, shape)
        g = sd.grad(sd.sum(sd.sin(v) * v), v)
        for e in [v, v * 2.0, g, sd.simplify(g)]:
            assert f"var({name!r})" in sd.to_text(e)
            assert sd.parse(sd.to_text(e), shapes={name: v}) is e, sd.to_text(e)
            assert sd.parse(sd.to_text(e), shapes={name: shape}) is e, sd.to_text(e)
            if not shape:
                assert sd.parse(sd.to_text(e)) is e, sd.to_text(e)
    for name in ["x", "match", "type", "_", "complex", "var", "\u00e9"]:  # these read as themselves
        assert sd.to_text(sd.var(name) * 2.0) == f"{name} * 2.0"


def test_a_call_of_many_arguments_reads_in_linear_time():
    # each argument looked back over all those before it for a keyword: a call of 30,000
    # arguments took half a minute to refuse
    start = time.process_time()
    assert "too many positional arguments" in refusal("maximum(" + ", ".join(["x"] * 30_000) + ")")
    assert time.process_time() - start < 5


def test_var_in_text_takes_one_quoted_name():
    for text in ['var("a", "b")', 'var("")', 'var("a", axis=0)']:
        with pytest.raises(sd.ParseError, match=r"^var\('name'\) takes one name in quotes"):
            sd.parse(text)
    with pytest.raises(sd.ParseError, match="did you mean variance"):
        sd.parse("var(x)")
    assert sd.parse("var('x y') * 2.0") is sd.var("x y") * 2.0


@pytest.mark.parametrize("text, message", [
    # Python reads a superscript digit in a name as a digit: x² was silently the variable x2
    ("x² + 1", "'x²' would read as the name 'x2' (Python reads a superscript digit as a digit); "
               "write x**2 for a power, or var('x²') for a variable of that name (line 1, column 1)"),
    ("x2 + x²", "'x²' would read as the name 'x2'"),  # not the x2 read before it
    ("u * u\nwhere\n  u = x³ + 1", "'x³' would read as the name 'x3' (Python reads a superscript digit "
                                   "as a digit); write x**3 for a power, or var('x³') for a variable of "
                                   "that name (line 3, column 7)"),
    ("x²y", "write var('x²y') for a variable of that name"),
    # typeset math's operators are characters Python refuses: the refusal says what to write
    ("x − y", "invalid syntax: invalid character '−' (U+2212) (write - for −) (line 1, column 3)"),
    ("x × y", "(write * for ×)"),
    ("x · y", "(write * for ·)"),
    ("x ÷ y", "(write / for ÷)"),
    ("x ≤ y", "(write <= for ≤)"),
    ("√x", "(write sqrt(...) for √)"),
    ("y + ²", "(write ** for a power: x**2)"),
])
def test_typeset_math_is_refused_saying_what_to_write(text, message):
    assert message in refusal(text)


def test_a_variable_spelled_with_a_superscript_reads_as_var():
    v = sd.var("x²")
    assert sd.to_text(v * 2.0) == "var('x²') * 2.0"
    assert sd.parse("var('x²') * 2.0") is v * 2.0
    assert sd.parse("x₁ + 1") is sd.var("x1") + 1  # subscripts read as digits, as Python reads them


def test_derivatives_of_eigenvectors_and_singular_vectors_read_back_from_their_text():
    # their rules weigh by the inverse gaps of the values, masked on the diagonal: a boolean
    # identity, which prints as the eye call that builds it (not as const<bool(3, 3)>)
    S, R = sd.var("S", (3, 3)), sd.var("R", (3, 4))
    shapes = {"S": S, "R": R}
    grads = [sd.grad(sd.sum(sd.linalg.eigh(S)[1] ** 3), S),
             sd.grad(sd.sum(sd.linalg.svd(R, full_matrices=False).U ** 3), R),
             sd.grad(sd.sum(sd.linalg.svd(R, full_matrices=False).Vh ** 3), R)]
    for g in [*grads, *sd.simplify(grads)]:
        text = sd.to_text(g)
        assert "const<" not in text and sd.parse(text, shapes=shapes) is g, text
