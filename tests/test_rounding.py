"""floor, ceil, trunc, rint and floor_divide beyond the op table: NumPy's dtypes and division by
zero, derivative 0 at every order (also at the jumps), and their SymPy, LaTeX and command-line
forms. (Values and finite differences are in the op table; the generated scalar path against
the evaluator bit for bit in test_codegen.py; parsing in test_parse.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy

import symdiff as sd

ROUNDING = ["floor", "ceil", "trunc", "rint"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ROUNDING)
@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64", "float16", "float32", "float64"])
def test_result_dtypes_are_numpys(name, dtype):
    x = sd.var("x", (3,), dtype)
    value = np.array([1, 0, 1]).astype(dtype)
    want = getattr(np, name)(value)
    y = sd.FUNCTIONS[name](x)
    assert y.dtype == want.dtype
    got = sd.evaluate(y, {"x": value})
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("a, b", [("int64", "int64"), ("int8", "int8"), ("bool", "bool"),
                                  ("uint8", "int8"), ("float32", "float32"), ("int64", "float32"),
                                  ("float32", "float64")])
def test_floor_divide_dtypes_are_numpys(a, b):
    x, y = sd.var("x", (2,), a), sd.var("y", (2,), b)
    want = np.floor_divide(np.array([7, 1]).astype(a), np.array([2, 1]).astype(b))
    assert (x // y).dtype == want.dtype
    got = sd.evaluate(x // y, {"x": np.array([7, 1]).astype(a), "y": np.array([2, 1]).astype(b)})
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    assert (x // 2).dtype == (np.array([7, 1]).astype(a) // 2).dtype  # a Python int is weak


def test_floor_divide_by_zero_gives_numpys_values_and_warning():
    x, i = sd.var("x", (3,)), sd.var("i", (3,), "int64")
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        got = sd.evaluate(x // 0.0, {"x": np.array([1.0, -1.0, 0.0])})
    with np.errstate(all="ignore"):
        want = np.floor_divide(np.array([1.0, -1.0, 0.0]), 0.0)
    assert got.tobytes() == want.tobytes()  # inf, -inf, nan
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert sd.evaluate(i // 0, {"i": np.array([5, -5, 0])}).tolist() == [0, 0, 0]
    fn = sd.compile(i // sd.var("j", (3,), "int64"), inputs=[i, sd.var("j", (3,), "int64")])
    with np.errstate(divide="ignore"):
        assert fn(np.array([5, -5, 7]), np.array([0, 2, -2])).tolist() == [0, -3, -4]


@pytest.mark.parametrize("name", ROUNDING + ["round"])
def test_derivatives_are_zero_at_every_order_also_at_the_jumps(name):
    x = sd.var("x", (6,))
    f = sd.FUNCTIONS[name]
    y = sd.sum(f(x) * x)  # d/dx = f(x), d2/dx2 = 0 (f is flat where it is differentiable)
    g = sd.grad(y, x)
    h = sd.hessian(y, x)
    at = np.array([0.5, 1.0, -1.5, 2.5, -0.0, 3.7])  # jumps of floor/ceil/trunc and of rint
    got_g, got_h = sd.evaluate([g, h], {"x": at})
    np.testing.assert_array_equal(got_g, getattr(np, name)(at))
    assert got_h.shape == (6, 6) and not got_h.any()
    assert sd.why_zero(f(x), x).reason == "flat_op"


def test_floor_divide_gradient_is_zero_in_both_arguments():
    a, b = sd.var("a", (2, 3)), sd.var("b", (3,))
    ga, gb = sd.grad(sd.sum((a // b) * a), [a, b])
    av, bv = np.arange(6.0).reshape(2, 3) - 2.5, np.array([0.7, -1.3, 2.0])
    got_a, got_b = sd.evaluate([ga, gb], {"a": av, "b": bv})
    np.testing.assert_array_equal(got_a, av // bv)  # only the outer factor a contributes
    assert got_b.shape == (3,) and not got_b.any()
    assert "floor_divide" in str(sd.why_zero(a // b, b))


def test_sympy_forms_and_back():
    x, y = sd.symbols("x y")
    X, Y = sympy.Symbol("x", real=True), sympy.Symbol("y", real=True)
    assert sd.to_sympy(sd.floor(x)) == sympy.floor(X)
    assert sd.to_sympy(sd.ceil(x)) == sympy.ceiling(X)
    assert sd.to_sympy(x // y) == sympy.floor(X / Y)
    trunc = sd.to_sympy(sd.trunc(x))
    for point in (2.7, -2.7, -0.5, 3.0):
        assert float(trunc.subs(X, point)) == np.trunc(point)
    a = sympy.Symbol("a")
    assert sd.from_sympy(sympy.floor(a)) is sd.floor(sd.var("a"))
    back = sd.from_sympy(sympy.ceiling(a) + sympy.floor(a / 2))
    assert back is sd.ceil(sd.var("a")) + sd.floor(0.5 * sd.var("a"))
    with pytest.raises(sd.UnsupportedError, match=r"to_sympy: the op 'rint' has no SymPy equivalent "
                       r"\(SymPy has no function rounding halves to even"):
        sd.to_sympy(sd.rint(x))


def test_latex_forms():
    x, y = sd.symbols("x y")
    assert sd.latex(sd.floor(x)) == r"\left\lfloor x \right\rfloor"
    assert sd.latex(sd.ceil(x + y)) == r"\left\lceil x + y \right\rceil"
    assert sd.latex(x // y) == r"\left\lfloor \frac{x}{y} \right\rfloor"
    assert sd.latex(sd.trunc(x)) == r"\operatorname{trunc}\left(x\right)"
    assert sd.latex(sd.rint(x)) == r"\operatorname{rint}\left(x\right)"
    assert sd.latex(sd.asin(x)) == r"\arcsin\left(x\right)"  # an alias prints as its function


def test_printing_uses_the_operator_and_reads_back():
    x, y = sd.symbols("x y")
    for e, text in [(x // y, "x // y"), (2 // x, "2.0 // x"),
                    ((x + 1) // (y * 2), "(x + 1.0) // (y * 2.0)"),
                    (x // y // 2, "x // y // 2.0"), (x // (y // 2), "x // (y // 2.0)"),
                    (-(x // y), "-(x // y)"), (x // y ** 2, "x // y ** 2.0"),
                    (sd.floor(x) + sd.rint(y), "floor(x) + rint(y)")]:
        assert sd.to_text(e) == text
        assert sd.parse(text) is e


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symdiff", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_command_line():
    r = _cli("sin(pi * x) + x // 2 + floor(x) * x", "--wrt", "x")
    assert r.returncode == 0, r.stderr
    head, text = r.stdout.split(" = ", 1)
    assert head == "df/dx" and "pi" not in text  # pi is the constant, printed as its value
    d = sd.parse(text)
    for at in (0.3, -1.7, 2.0):
        want = np.pi * np.cos(np.pi * at) + np.floor(at)
        assert sd.evaluate(d, {"x": at}) == pytest.approx(want, rel=1e-15)
    r = _cli("ceil(x) * y + asin(x)", "--wrt", "y", "--emit", "latex")
    assert r.stdout == r"\frac{\partial f}{\partial y} = \left\lceil x \right\rceil" + "\n"
    r = _cli("pi * x", "--shape", "pi=", "--wrt", "pi", "--emit", "sympy")  # declared: a variable
    assert r.returncode == 0 and r.stdout == "df/dpi = x\n"
