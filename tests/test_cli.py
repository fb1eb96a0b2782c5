import math
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "symdiff", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_no_arguments_prints_the_demo():
    r = run()
    assert r.returncode == 0
    assert "at x = 3, y = -4:  f = 1.5456449  df/dx = 2.0595698  df/dy = 1.5922328" in r.stdout


def test_gradient_as_text_and_all_emit_forms():
    r = run("(x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)", "--wrt", "x,y")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("df/dx = ") and "\ndf/dy = " in r.stdout
    r = run("x**3 * sin(x)", "--wrt", "x", "--order", "3", "--emit", "latex")
    assert r.returncode == 0 and r.stdout.startswith(r"\frac{\partial^{3} f}{\partial x^{3}} = ")
    r = run("x**2 * y", "--order", "2", "--emit", "sympy")
    assert r.stdout == "d^2f/dx^2 = 2*y\nd^2f/dx dy = 2*x\nd^2f/dy^2 = 0\n"
    r = run("x**3 * sin(x)", "--wrt", "x", "--order", "2", "--emit", "sympy")
    import sympy

    x = sympy.Symbol("x", real=True)
    got = sympy.sympify(r.stdout.split(" = ", 1)[1], locals={"x": x})
    assert sympy.simplify(got - sympy.diff(x**3 * sympy.sin(x), x, 2)) == 0


def test_shapes_dtypes_and_dot():
    r = run("sum(tanh(W @ h))", "--shape", "W=4,3", "--shape", "h=3", "--wrt", "W", "--emit", "dot")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith('digraph "symdiff" {') and r.stdout.rstrip().endswith("}")
    assert 'label="W\\n(4, 3)"' in r.stdout and 'label="df/dW"' in r.stdout
    r = run("sum(x * 2.0)", "--shape", "x=n", "--dtype", "x=float32")
    assert r.returncode == 0 and r.stdout.startswith("df/dx = ")
    for spelled in ("W=(4,3)", "W=[4, 3]", "W=4x3", "W=4 x 3"):  # other ways a shape is written
        r = run("sum(tanh(W @ h))", "--shape", spelled, "--shape", "h=(3,)", "--wrt", "W", "--emit", "dot")
        assert r.returncode == 0 and 'label="W\\n(4, 3)"' in r.stdout, (spelled, r.stderr)
    r = run("sum(X)", "--shape", "X=(n,3)")
    assert r.returncode == 0, r.stderr
    r = run("x ^ 2", "--power-caret", "--emit", "sympy")
    assert r.stdout == "df/dx = 2*x\n"


def test_bad_input_exits_2_with_one_line_and_a_caret():
    r = run("sinn(x) + 1")
    assert r.returncode == 2 and r.stdout == ""
    # the closest names come first; how many more follow depends on the registry's size
    first, *rest = r.stderr.split("\n")
    assert first.startswith("symdiff: error: unknown function 'sinn'; did you mean sin, ")
    assert first.endswith("? (line 1, column 1)")
    assert rest == ["  sinn(x) + 1", "  ^^^^", ""]
    for args, words in [
        (["__import__('os').system('echo hi')"], "attribute access"),
        (["x", "--wrt", "z"], "--wrt 'z': the expression has no variable of that name (its variables: x)"),
        (["W @ h", "--shape", "W=4,3", "--shape", "h=4"], "matmul: shapes (4, 3) and (4,) do not align"),
        (["W", "--shape", "W=4,3"], "derivatives need a scalar"),
        (["x", "--dtype", "x=float99"], "float99"),
        (["x", "--shape", "W"], "write NAME=DIMS"),
        (["x", "--order", "-1"], "--order must be 0 or more"),
    ]:
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr and words in r.stderr, (args, r.stderr)


def test_wrt_a_named_dimension_says_it_is_one_and_how_to_free_the_name():
    # --wrt n with --shape x=n said only "no variable of that name", though n is in the text
    r = run("sum(x)/n", "--shape", "x=n", "--wrt", "n")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--wrt 'n': the expression has no variable of that name (its variables: x); 'n' is a " \
           "named dimension of the shape of x (n,)" in r.stderr
    assert "name the dimension otherwise" in r.stderr and "(e.g. --shape x=n2)" in r.stderr
    # the suggested --shape works, n is then a scalar variable
    r = run("sum(x)/n", "--shape", "x=n2", "--wrt", "n")
    assert r.returncode == 0 and r.stdout == "df/dn = -(sum(x, axis=0) / n ** 2.0)\n", r.stderr
    r = run("sum(W)/n", "--shape", "W=3,n", "--wrt", "n")
    assert r.returncode == 2 and "of the shape of W (3, n)" in r.stderr and "(e.g. --shape W=3,n2)" in r.stderr


def test_numpy_emit_writes_a_working_module():
    r = run("x**2 * sin(y)", "--emit", "numpy")
    assert r.returncode == 0, r.stderr
    namespace = {}
    exec(compile(r.stdout, "<generated>", "exec"), namespace)  # our own generated module
    dfdx, dfdy = namespace["derivatives"](x=3.0, y=0.5)
    assert math.isclose(dfdx, 6.0 * math.sin(0.5)) and math.isclose(dfdy, 9.0 * math.cos(0.5))


def test_numpy_emit_takes_every_variable_of_the_expression():
    # d/dx (x*y + z) = y and d3/dx3 x**3 = 6 no longer hold x: the function still takes them all
    for args, call, want in [(("x*y + z", "--wrt", "x"), dict(x=1.0, y=2.0, z=3.0), 2.0),
                             (("x**3", "--order", "3"), dict(x=5.0), 6.0)]:
        r = run(*args, "--emit", "numpy")
        assert r.returncode == 0, r.stderr
        namespace = {}
        exec(compile(r.stdout, "<generated>", "exec"), namespace)  # our own generated module
        (got,) = namespace["derivatives"](*call.values())
        assert got == want


def test_help_documents_every_option_with_examples():
    r = run("--help")
    assert r.returncode == 0
    for option in ("--wrt", "--order", "--emit", "--shape", "--dtype", "--power-caret"):
        assert option in r.stdout
    assert 'symdiff "x**3 * sin(x)" --wrt x --order 3 --emit latex' in r.stdout


def test_a_closed_pipe_ends_quietly():
    # symdiff ... | head -1: the reader is gone before symdiff writes. Like a command killed by
    # SIGPIPE: no traceback, no "Exception ignored" at exit, the shell's status 141.
    for args in ([], ["x**3 * sin(x)", "--order", "3"]):
        read, write = os.pipe()
        os.close(read)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        r = subprocess.run([sys.executable, "-m", "symdiff", *args], stdout=write, stderr=subprocess.PIPE,
                           text=True, cwd=ROOT, env=env, timeout=120)
        os.close(write)
        assert (r.returncode, r.stderr) == (141, ""), args


def test_derivatives_are_printed_simplified():
    r = run("x**2 + sin(y)")
    assert r.stdout == "df/dx = 2.0 * x\ndf/dy = cos(y)\n"


def test_order_0_prints_the_expression_in_every_form():
    for emit, want in [("text", "f = x * y ** 2.0\n"), ("latex", "f = x \\cdot {y}^{2}\n"),
                       ("sympy", "f = x*y**2\n")]:
        r = run("x * y**2", "--order", "0", "--emit", emit)
        assert (r.returncode, r.stdout) == (0, want), (emit, r.stdout, r.stderr)


def test_nothing_to_differentiate_is_an_error_not_an_empty_line():
    for args in (["1.0"], ["i * 2", "--dtype", "i=int64"]):
        r = run(*args)
        assert r.returncode == 2 and r.stdout == "", (args, r.stdout)
        assert "no floating-point variable to differentiate by" in r.stderr, (args, r.stderr)
    r = run("1.0", "--order", "0")
    assert (r.returncode, r.stdout) == (0, "f = 1.0\n")


def test_an_order_too_large_to_build_is_bad_input_not_a_traceback():
    # C(2 + N - 1, N) derivatives of x*y at order N: refused before any is built, naming the count
    r = run("x * y", "--order", "100000000000")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == ("symdiff: error: --order 100000000000 of 2 variables asks for 100,000,000,001 "
                        "derivatives, more than the 10,000 symdiff prints; lower --order or name fewer "
                        "variables with --wrt\n")
    r = run("x * y * z", "--order", "100000000000")
    assert r.returncode == 2 and "asks for 5.0e+21 derivatives" in r.stderr and r.stderr.count("\n") == 1
    r = run("x * y * z", "--order", "1" + "0" * 400)  # C(10**400 + 2, 2), about 5e799: beyond a float
    assert r.returncode == 2 and "asks for more than 10^799 derivatives" in r.stderr
    r = run("x**2 * y * z", "--order", "40")  # 861 derivatives: within the limit
    assert r.returncode == 0 and r.stdout.count("\n") == 861, r.stderr


def test_a_huge_order_of_one_variable_is_quick_once_the_derivative_is_zero():
    # x**3 at order 10**8 looped 10**8 times (and built a tuple of 10**8 names): the 4th
    # derivative is a constant 0, which differentiates to itself
    import time

    start = time.monotonic()
    r = run("x**3", "--order", "100000000")
    assert (r.returncode, r.stdout) == (0, "d^100000000f/dx^100000000 = 0.0\n"), r.stderr
    r = run("x**3 * y**2", "--order", "9999", "--emit", "latex")  # 10,000 derivatives, all 0
    assert r.returncode == 0 and r.stdout.count("\n") == 10_000, r.stderr
    assert r.stdout.startswith(r"\frac{\partial^{9999} f}{\partial x^{9999}} = 0")
    r = run("x**3", "--order", "100000000", "--emit", "numpy")
    assert r.returncode == 0 and "d100000000f_dx100000000" in r.stdout and len(r.stdout) < 5_000
    assert time.monotonic() - start < 60


def test_derivatives_are_those_of_repeated_grad_in_the_order_of_combinations():
    import itertools

    import symdiff as sd
    from symdiff.__main__ import _count_vectors, _identifier, derivatives

    for v in range(4):
        for n in range(5):
            want = [tuple(c.count(i) for i in range(v)) for c in
                    itertools.combinations_with_replacement(range(v), n)]
            assert list(_count_vectors(v, n)) == want, (v, n)
    x, y, z = sd.symbols("x y z")
    f = x**3 * sd.sin(y) + y * z**2
    got = derivatives(f, ["x", "y", "z"], 3)
    for (wrt, d), combo in zip(got, itertools.combinations_with_replacement("xyz", 3), strict=True):
        assert wrt == tuple((w, combo.count(w)) for w in dict.fromkeys(combo))
        want = f
        for w in combo:
            want = sd.grad(want, {"x": x, "y": y, "z": z}[w])
        assert d is want, combo  # the same node: shared first steps change nothing
    assert _identifier((("x", 2), ("y", 1))) == "d3f_dx_dx_dy"
    assert _identifier((("x", 16),)) == "d16f_" + "_".join(["dx"] * 16)
    assert _identifier((("x", 20), ("y", 1))) == "d21f_dx20_dy"


def test_wrt_repeats_and_a_name_given_two_shapes_or_dtypes_is_refused():
    joined = run("x**2 * y + sin(z)", "--wrt", "x,y")
    assert joined.returncode == 0, joined.stderr
    assert joined.stdout.startswith("df/dx = ") and "\ndf/dy = " in joined.stdout
    for repeated in (["--wrt", "x", "--wrt", "y"], ["--wrt", "x", "--wrt", "y,x"]):
        r = run("x**2 * y + sin(z)", *repeated)
        assert (r.returncode, r.stdout) == (0, joined.stdout), (repeated, r.stderr)
    # the same shape or dtype twice, however written, is fine
    r = run("sum(W @ h)", "--shape", "W=4,3", "--shape", "W=(4, 3)", "--shape", "h=3",
            "--dtype", "h=float64", "--dtype", "h=f8", "--wrt", "h")
    assert r.returncode == 0 and r.stdout.startswith("df/dh = "), r.stderr
    for args, words in [
        (["sum(W @ h)", "--shape", "W=4,3", "--shape", "h=3", "--shape", "W=3,3"],
         "--shape 'W=3,3': W is already given the shape (4, 3)"),
        (["sum(x)", "--shape", "x=n", "--shape", "x=m"], "--shape 'x=m': x is already given the shape (n,)"),
        (["x * 2", "--dtype", "x=float32", "--dtype", "x=float64"],
         "--dtype 'x=float64': x is already given the dtype float32"),
    ]:
        r = run(*args)
        assert r.returncode == 2 and r.stdout == "", (args, r.stdout)
        assert "Traceback" not in r.stderr and words in r.stderr, (args, r.stderr)


def test_a_bad_shape_or_dtype_or_an_unused_name_is_blamed_on_its_option(capsys):
    from symdiff.__main__ import main

    for args, words in [
        (["x", "--dtype", "x=float99"], "--dtype 'x=float99': variable 'x': 'float99' is not a dtype"),
        (["x", "--shape", "x=-1,3"], "--shape 'x=-1,3': shape of 'x' (-1, 3): dimension -1 is negative"),
        (["sum(x)", "--shape", "x=2,,3"], "--shape 'x=2,,3': a dimension is empty"),
        (["sum(x)", "--shape", "x=,3"], "--shape 'x=,3': a dimension is empty"),
        (["sum(W @ h)", "--shape", "w=4,3", "--shape", "h=3"],  # a misspelling, not a scalar W
         "--shape 'w=4,3': the expression has no variable named 'w' (its variables: W, h)"),
        (["x * 2", "--dtype", "y=float32"], "--dtype 'y=float32': the expression has no variable named 'y'"),
        (["linalg.norm(x)", "--shape", "A=3,3"],  # linalg is part of a function's name
         "--shape 'A=3,3': the expression has no variable named 'A' (its variables: x)"),
    ]:
        assert main(args) == 2, args
        out, err = capsys.readouterr()
        # one line naming the option; no caret under the expression, which is not at fault
        assert out == "" and err == f"symdiff: error: {err[16:]}" and err.count("\n") == 1, (args, err)
        assert words in err, (args, err)
    assert main(["sum(x)", "--shape", "x=3,"]) == 0  # a trailing comma, as Python writes (3,)
    assert capsys.readouterr().out == "df/dx = broadcast_to(1.0, (3,))\n"


def test_an_expression_starting_with_a_minus_is_the_expression():
    # argparse took "-x**2 + y" for an unknown option and said the expression was missing
    for args in [("-x**2 + y", "--wrt", "x"), ("--wrt", "x", "-x**2 + y"), ("--wrt=x", "-x**2 + y"),
                 ("-x**2 + y", "--wr", "x"), ("--wrt", "x", "--", "-x**2 + y")]:
        r = run(*args)
        assert (r.returncode, r.stdout) == (0, "df/dx = -(2.0 * x)\n"), args
    r = run("-x", "--order", "-1")  # an option's value that starts with a minus stays its value
    assert (r.returncode, r.stderr) == (2, "symdiff: error: --order must be 0 or more, got -1\n")
    # a misspelled long option is still refused, not read as the expression --bogus
    for args, message in [(("--bogus",), "required: expression"), (("-x", "--bogus"), "unrecognized arguments: --bogus"),
                          (("-x", "-y"), "unrecognized arguments: -y")]:
        r = run(*args)
        assert r.returncode == 2 and message in r.stderr and r.stdout == "", args


def test_an_empty_wrt_name_is_refused_not_read_as_every_variable():
    # --wrt "" (a shell variable left unset) differentiated by every variable without a word
    for wrt in ["", "x,", ",", " ", "x,,y"]:
        r = run("x*y", "--wrt", wrt)
        assert r.returncode == 2 and r.stdout == "", (wrt, r.stdout)
        assert f"--wrt {wrt!r}: an empty variable name" in r.stderr, (wrt, r.stderr)
    r = run("x*y", "--wrt", " x , y ")
    assert r.returncode == 0 and r.stdout == "df/dx = y\ndf/dy = x\n", r.stderr


def test_integer_arithmetic_that_leaves_int64_is_refused_not_wrapped():
    # 10**20*x printed df/dx = 7766279631452241920: int64 arithmetic of the literals wrapped
    r = run("10**20*x", "--wrt", "x")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.split("\n") == [
        "symdiff: error: 10**20 is 100000000000000000000, which does not fit in int64; write it as "
        "a float: 10.0**20 or 1e20 (line 1, column 3)", "  10**20*x", "    ^^", ""]
    r = run("10.0**20*x", "--wrt", "x")
    assert r.returncode == 0 and r.stdout == "df/dx = 1e+20\n"
