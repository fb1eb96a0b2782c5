"""Each error the core promises, with its message: raised when the graph is built (or when a
value is bound), naming the op, the shapes, the variable, and what to do instead."""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np
import pytest

import symdiff as sd


# -- building ---------------------------------------------------------------------------------------


def test_shape_mismatch_names_op_and_both_shapes():
    a, b = sd.var("a", shape=(2, 3)), sd.var("b", shape=(4,))
    with pytest.raises(sd.ShapeError, match=r"^add: shapes \(2, 3\) and \(4,\) do not broadcast"):
        a + b
    with pytest.raises(sd.ShapeError, match=r"^mul: shapes \(2, 3\) and \(4,\) do not broadcast"):
        a * b
    with pytest.raises(ValueError):  # ShapeError is a ValueError
        a - b


def test_matmul_mismatch_names_both_shapes():
    X = sd.var("X", shape=("n", 784))
    W = sd.var("W", shape=(256, 10))
    with pytest.raises(sd.ShapeError, match=r"^matmul: shapes \(n, 784\) and \(256, 10\) do not align"):
        X @ W


def test_grad_of_non_scalar_says_to_use_vjp_or_jacobian():
    x = sd.var("x", shape=(3,))
    with pytest.raises(sd.ShapeError, match=r"grad needs a scalar output, got shape \(3,\); "
                                            r"use sd\.vjp\(y, wrt, cotangent\) or sd\.jacobian"):
        sd.grad(sd.sin(x), x)


def test_grad_wrt_integer_variable_says_not_floating_point():
    labels = sd.var("labels", shape=("n",), dtype="int64")
    x = sd.var("x", shape=("n",))
    loss = sd.sum(x * labels)
    with pytest.raises(sd.NotDifferentiableError,
                       match=r"cannot differentiate with respect to 'labels': its dtype int64 is not "
                             r"floating-point"):
        sd.grad(loss, labels)
    mask = sd.var("m", shape=("n",), dtype="bool")
    with pytest.raises(sd.NotDifferentiableError, match=r"'m': its dtype bool is not floating-point"):
        sd.grad(sd.sum(sd.where(mask, x, 0)), [x, mask])
    with pytest.raises(TypeError):  # NotDifferentiableError is a TypeError
        sd.jacobian(x * 2, labels)


def test_grad_of_integer_output_is_refused():
    i = sd.var("i", shape=(), dtype="int64")
    with pytest.raises(sd.NotDifferentiableError, match=r"grad needs a floating-point output, got dtype int64"):
        sd.grad(i * 2, i)


def test_jacobian_and_hessian_of_integer_output_are_refused_as_grad_refuses_it():
    x = sd.var("x", shape=(3,))
    with pytest.raises(sd.NotDifferentiableError,
                       match=r"^jacobian needs a floating-point output, got dtype int64"):
        sd.jacobian(sd.astype(x, "int64"), x)
    with pytest.raises(sd.NotDifferentiableError, match=r"^jacobian needs a floating-point output, "
                                                        r"got dtype bool"):
        sd.jacobian(x > 0, x)
    with pytest.raises(sd.NotDifferentiableError,
                       match=r"^hessian needs a floating-point output, got dtype int64"):
        sd.hessian(sd.sum(sd.floor(x).astype("int64")), x)
    # vjp and jvp give the zero derivatives of a piecewise-constant output
    cast = sd.astype(x, "int64")
    vals = sd.evaluate([sd.vjp(cast, x, np.ones(3, dtype=np.int64)), sd.jvp(cast, x, np.ones(3))],
                       {"x": np.array([0.5, 1.5, 2.5])})
    for v in vals:
        assert v.dtype == np.float64
        np.testing.assert_array_equal(v, np.zeros(3))


def test_grad_wrt_unknown_name():
    x, y = sd.symbols("x y")
    with pytest.raises(sd.UnknownVariableError) as e:
        sd.grad(x * y, "z")
    # shown as written (a KeyError's message would be quoted), and caught as either builtin
    assert str(e.value) == "grad: no variable named 'z' in the expression (its variables: x, y)"
    assert isinstance(e.value, KeyError) and isinstance(e.value, ValueError)


def test_differentiation_errors_name_the_function_called():
    # these named no function, or grad where hvp was called
    x, k = sd.var("x", (3,)), sd.var("k", dtype="int64")
    calls = {
        "vjp": lambda w: sd.vjp(sd.sin(x) * k, w, np.ones(3)),
        "jvp": lambda w: sd.jvp(sd.sin(x) * k, w, np.ones(3) if w == "x" else 1),
        "grad": lambda w: sd.grad(sd.sum(x) * k, w),
        "jacobian": lambda w: sd.jacobian(sd.sin(x) * k, w),
        "hessian": lambda w: sd.hessian(sd.sum(x) * k, w),
        "hvp": lambda w: sd.hvp(sd.sum(x) * k, w, 1),
        "derivative": lambda w: sd.derivative(sd.sum(x) * k, w, 2),
        "taylor": lambda w: sd.taylor(sd.sum(x) * k, w, 2),
    }
    for name, call in calls.items():
        with pytest.raises(sd.UnknownVariableError, match=rf"^{name}: no variable named 'z'"):
            call("z")
        with pytest.raises(sd.NotDifferentiableError, match=rf"^{name}: cannot differentiate with respect to 'k'"):
            call("k")
        with pytest.raises(TypeError, match=rf"^{name}: can only differentiate with respect to variables"):
            call(3.5)
        with pytest.raises(TypeError, match=rf"^{name}: .* got {{'x': 2.0}}; a dict of values is not what "
                                            r"to differentiate with respect to: sd.evaluate\(expr, values\)"):
            call({"x": 2.0})
        with pytest.raises(TypeError, match=rf"^{name}: .* got {{'x': x}}; give the variables as a list$"):
            call({"x": x})
    with pytest.raises(sd.ShapeError, match=r"^hvp needs a scalar output, got shape \(3,\); take one output"):
        sd.hvp(sd.sin(x), x, np.ones(3))


def test_grad_wrt_a_named_dimension_says_it_is_one():
    X = sd.var("X", ("n", 3))
    with pytest.raises(sd.UnknownVariableError, match=(
            r"no variable named 'n' in the expression \(its variables: X\); 'n' is a named dimension "
            r"of the shape of X \(n, 3\): .* name the dimension otherwise")):
        sd.grad(sd.mean(X), "n")


def test_vjp_cotangent_shape_checked():
    x = sd.var("x", shape=(3,))
    with pytest.raises(sd.ShapeError, match=r"vjp: cotangent 0 has shape \(2,\), but the output has shape \(3,\)"):
        sd.vjp(sd.sin(x), x, sd.var("v", shape=(2,)))


def test_an_array_for_a_named_shape_is_refused_saying_to_give_an_expression_of_it():
    X = sd.var("X", shape=("n", 3))
    hint = (r"; a named dimension takes its size when the graph is evaluated, so give an "
            r"expression of shape \(n, 3\), such as a variable of that shape$")
    with pytest.raises(sd.ShapeError, match=r"^vjp: cotangent 0 has shape \(2, 3\), but the output "
                                            r"has shape \(n, 3\)" + hint):
        sd.vjp(X * 2, X, np.ones((2, 3)))
    with pytest.raises(sd.ShapeError, match=r"^jvp: the tangent of 'X' has shape \(2, 3\), but 'X' "
                                            r"has shape \(n, 3\)" + hint):
        sd.jvp(X * 2, X, np.ones((2, 3)))
    with pytest.raises(sd.ShapeError, match=r"^hvp: the vector of 'X' has shape \(2, 3\), but 'X' "
                                            r"has shape \(n, 3\)" + hint):
        sd.hvp(sd.sum(X ** 3), X, np.ones((2, 3)))
    # an expression of the named shape is taken
    T = sd.var("T", shape=("n", 3))
    got = sd.evaluate(sd.jvp(sd.sum(X ** 3), X, T), {X: np.ones((2, 3)), T: np.ones((2, 3))})
    assert got == 18.0


def test_truth_value_of_expression_raises():
    x = sd.var("x")
    with pytest.raises(TypeError, match=r"truth value of a symbolic expression .* use sd\.where"):
        if x > 0:
            pass
    # `x in [y]` compares with ==, which builds a node: the message said only to use where
    y = sd.var("y")
    for ask in (lambda: x in [y], lambda: [y].index(x), lambda: x == y and 1):
        with pytest.raises(TypeError, match=r"for a choice made on values; to ask whether two "
                           r"expressions are the same node use `is` \(== builds an elementwise "
                           r"comparison, and `in` on a list"):
            ask()
    assert x in [x] and x in {x} and {y: 1}.get(x) is None  # identity, as the message says
    with pytest.raises(TypeError) as info:
        bool(x > 0)
    assert "`is`" not in str(info.value)


def test_truth_value_error_shows_the_expression_and_how_to_write_a_while_loop():
    # `if x > 0:` and `while x < 10:` in a function given variables: the message named neither
    # the condition nor what replaces a loop that runs until a condition on values fails
    x = sd.var("x")

    def halve_until_small(v):
        while v > 1.0:
            v = v / 2
        return v
    with pytest.raises(TypeError, match=r"^the truth value of a symbolic expression \(x > 1\.0\) "
                       r"is not known until it is evaluated, and Python's if, while, and, or, "
                       r"not and assert ask for it .* a while loop on values runs a fixed number "
                       r"of times instead, each step kept where its condition holds "
                       r"\(x = sd\.where\(cond, step\(x\), x\)\)$"):
        halve_until_small(x)
    v = x
    for _ in range(4):  # what the message says to write
        v = sd.where(v > 1.0, v / 2, v)
    assert float(v.eval(x=5.0)) == 0.625 and float(v.eval(x=0.5)) == 0.5
    deep = x
    for _ in range(300):
        deep = deep * 1.0001 + 1.0
    with pytest.raises(TypeError, match=r"truth value of a symbolic expression \(<symdiff "
                       r"expression greater: .*more than 200 nodes>\)"):
        bool(deep > 0)  # a long one is summarized


def test_len_along_a_named_dimension_says_what_to_write_instead():
    X = sd.var("X", ("n", 3))
    with pytest.raises(TypeError, match=r"^len\(\) of an expression whose first dimension is "
                       r"symbolic \('n'\): its length is known only when it is evaluated; "
                       r"sd\.dim_size\('n'\) is that length as an expression"):
        X.sum(axis=0) / len(X)
    with pytest.raises(TypeError, match=r"^iteration over an expression whose first dimension is "
                       r"symbolic \('n'\): .* use a reduction \(x\.sum\(axis=0\)\) or a scan "
                       r"\(sd\.cumsum, sd\.linear_recurrence\) along that axis$"):
        sum(X)  # sd.scan, which it named, is a module, no function
    mean = X.sum(axis=0) / sd.dim_size("n")
    np.testing.assert_allclose(mean.eval(X=np.arange(6.0).reshape(2, 3)), [1.5, 2.5, 3.5])


def test_builtin_max_min_and_sorted_of_an_expression_name_numpys_functions():
    # they compare elements with > and <, whose truth value is not known: the message said
    # only to use where, not which function does what max(v) meant
    v, a, b = sd.var("v", (3,)), sd.var("a"), sd.var("b")
    for build in (lambda: max(v), lambda: min(v), lambda: sorted(v), lambda: max(a, b),
                  lambda: bool(a <= b), lambda: bool(a >= b)):
        with pytest.raises(TypeError, match=r"sd\.where\(cond, a, b\) for a choice made on values; "
                           r"Python's max\(\), min\(\) and sorted\(\) compare this way: np\.max\(x\), "
                           r"np\.maximum\(a, b\) and np\.sort\(x\) build their expressions"):
            build()
    vv = np.array([0.5, 3.0, -1.0])
    assert sd.evaluate(np.max(v), {"v": vv}) == 3.0
    assert sd.evaluate(np.sort(v), {"v": vv}).tolist() == [-1.0, 0.5, 3.0]
    with pytest.raises(TypeError) as info:
        bool(a == b)
    assert "max()" not in str(info.value)


def test_a_numpy_array_of_expressions_is_refused_naming_stack():
    # np.array([x[0], x[1]]) and a[i] = expr into a NumPy array said what np.array(expr) does
    # wrong, not how an array of expressions is made
    x = sd.var("x", (3,))
    stack = r"np\.stack\(\[\.\.\.\]\) or np\.concatenate\(\[\.\.\.\]\) for one array of expressions"
    with pytest.raises(TypeError, match=rf"np\.array\(\[expr, \.\.\.\]\).*a\[i\] = expr.*{stack}"):
        np.array([x[0], x[1]])
    a = np.zeros(3)
    with pytest.raises(TypeError, match=stack):
        a[:2] = x[:2]
    # NumPy turns float()'s TypeError into its own ValueError, whose cause says what to write
    with pytest.raises(ValueError) as info:
        a[0] = x[0]
    assert re.search(r"^float\(\) of a symbolic expression \(which math\.sin and math's other "
                     r"functions call, as does a\[i\] = expr into a NumPy array\).*" + stack,
                     str(info.value.__cause__))
    np.testing.assert_array_equal(sd.evaluate(np.stack([x[0], x[1]]), {"x": np.arange(3.0)}), [0, 1])



def test_an_expression_into_an_integer_or_complex_numpy_array_is_refused_saying_to_stack():
    # a[0] = x[0] into an int or complex array calls int() or complex(), whose messages named
    # neither the assignment nor how an array of expressions is made
    x = sd.var("x", (3,))
    stack = r"np\.stack\(\[\.\.\.\]\) or np\.concatenate\(\[\.\.\.\]\) for one array of expressions"
    for dtype, call in ((np.int64, "int"), (np.complex128, "complex")):
        a = np.zeros(3, dtype)
        with pytest.raises(TypeError, match=rf"^{call}\(\) of a symbolic expression \(as a\[i\] = "
                                            rf"expr into an? \w+ NumPy array calls\).*{stack}"):
            a[0] = x[0]

def test_a_list_of_expressions_given_to_a_numpy_function_is_refused_saying_to_stack_it():
    # np.mean([x[0], x[1]]), np.sum([a, b]) in code written for arrays: NumPy makes an array of the
    # list before any dispatch, and the message listed no such call, only np.array([expr, ...])
    x = sd.var("x", (3,))
    for call in (lambda: np.mean([x[0], x[1]]), lambda: np.sum([x, x ** 2], axis=0),
                 lambda: np.max((x[0], 1.0))):
        with pytest.raises(TypeError, match=r"a list of expressions given to a NumPy function, "
                           r"which makes an array of it first \(np\.sum\(\[a, b\]\) is "
                           r"np\.sum\(np\.stack\(\[a, b\]\)\)\)"):
            call()
    got = np.sum(np.stack([x, x ** 2]), axis=0)  # what the message says to write
    np.testing.assert_allclose(got.eval(x=np.array([1.0, 2.0, 3.0])), [2.0, 6.0, 12.0])


def test_ndarray_dot_of_an_expression_names_the_product_that_builds_it():
    # ndarray.dot converts its argument to an array without asking it, unlike np.dot and @
    a, x = np.arange(6.0).reshape(2, 3), sd.var("x", (3,))
    with pytest.raises(TypeError, match=r"a\.dot\(expr\) of a NumPy array a \(a @ expr or "
                                        r"np\.dot\(a, expr\) builds the product\)"):
        a.dot(x)
    np.testing.assert_array_equal(sd.evaluate(np.dot(a, x), {"x": np.ones(3)}), a.sum(axis=1))


def test_bad_shapes_and_dtypes_of_variables():
    with pytest.raises(sd.ShapeError, match=r"dimension -1 is negative"):
        sd.var("a", shape=(-1, 2))
    with pytest.raises(sd.ShapeError, match=r"dimension name '2n' must be an identifier"):
        sd.var("a", shape=("2n",))
    with pytest.raises(sd.DTypeError, match=r"variable 'a': dtype object is not numeric or boolean"):
        sd.var("a", dtype=object)


def _out_calls() -> dict[str, Any]:
    """A call of each function that takes NumPy's ``out=``, given one."""
    a, m, i = sd.var("a", (3,)), sd.var("m", (3, 3)), sd.var("i", (2,), "int64")
    out = np.zeros(3)
    calls: dict[str, Any] = {
        name: lambda f=sd.FUNCTIONS[name]: f(a, out=out)
        for name in ("round", "all", "any", "cummax", "cummin", "cumprod", "cumsum", "max", "mean", "min", "prod",
                     "std", "sum", "variance", "median", "argmax", "argmin", "nansum", "nanprod",
                     "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax", "nanargmin",
                     "nancumsum", "nancumprod", "nanmedian", "ptp", "cumulative_sum", "cumulative_prod",
                     "isposinf", "isneginf")
    }
    calls.update({
        "clip": lambda: sd.clip(a, 0.0, 1.0, out=out),
        "quantile": lambda: sd.quantile(a, 0.5, out=out),
        "percentile": lambda: sd.percentile(a, 50, out=out),
        "nanquantile": lambda: sd.nanquantile(a, 0.5, out=out),
        "nanpercentile": lambda: sd.nanpercentile(a, 50, out=out),
        "take": lambda: sd.take(a, i, out=out),
        "trace": lambda: sd.trace(m, out=out),
        "concatenate": lambda: sd.concatenate([a, a], out=out),
        "concat": lambda: sd.concat([a, a], out=out),
        "stack": lambda: sd.stack([a, a], out=out),
        "dot": lambda: sd.dot(a, a, out=out),
        "vecdot": lambda: sd.vecdot(a, a, out=out),
        "outer": lambda: sd.outer(a, a, out=out),
        "einsum": lambda: sd.einsum("i,i->", a, a, out=out),
        "linalg.multi_dot": lambda: sd.FUNCTIONS["linalg.multi_dot"]([m, m], out=out),
        "choose": lambda: sd.choose(i, [a, a], out=out),
        "compress": lambda: sd.compress([True], a, out=out),
    })
    return calls


def test_every_out_argument_is_refused_with_one_message_saying_what_to_do():
    # take, trace, argmax, median, the reductions and the scans said only "is not supported"
    calls = _out_calls()
    takes_out = {name for name, f in sd.FUNCTIONS.items()
                 if callable(f) and "out" in inspect.signature(f).parameters}
    assert takes_out == set(calls)  # a new function with out= joins this table
    for name, call in calls.items():
        said = "concatenate" if name == "concat" else name  # concat is concatenate's other name
        with pytest.raises(NotImplementedError, match=rf"^{re.escape(said)}: the argument 'out' is "
                                                      r"not supported; use the returned node$"):
            call()
    a = sd.var("a", (2, 3))
    for method in ("sum", "mean", "max", "argmax", "cumsum", "std", "var", "prod", "any"):
        with pytest.raises(NotImplementedError, match=r"the argument 'out' is not supported; use "
                                                      r"the returned node$"):
            getattr(a, method)(out=np.zeros(3))


# -- evaluation -------------------------------------------------------------------------------------


def test_missing_variable_is_named():
    x, y = sd.symbols("x y")
    with pytest.raises(sd.InputError, match=r"no value given for variable 'y' \(dtype float64, shape \(\)\)"):
        sd.evaluate(x * y, {"x": 1.0})


def test_wrong_shape_names_declared_and_given():
    W = sd.var("W", shape=(784, 256))
    with pytest.raises(sd.InputError, match=r"variable 'W' is declared with shape \(784, 256\) but was "
                                            r"given shape \(784, 255\)"):
        sd.evaluate(W * 2, {"W": np.zeros((784, 255))})
    with pytest.raises(sd.InputError, match=r"variable 'W' is declared with shape \(784, 256\) but was "
                                            r"given shape \(784,\)"):
        sd.evaluate(W * 2, {"W": np.zeros(784)})


def test_wrong_dtype_names_declared_and_given():
    labels = sd.var("labels", shape=(3,), dtype="int64")
    with pytest.raises(sd.InputError, match=r"variable 'labels' is declared int64 but was given float64 values"):
        sd.evaluate(labels + 1, {"labels": np.array([0.5, 1.0, 2.0])})
    x = sd.var("x", shape=(2,))
    with pytest.raises(sd.InputError, match=r"variable 'x' is declared float64 but was given complex128 values"):
        sd.evaluate(x + 1, {"x": np.array([1j, 2])})


def test_inconsistent_named_dimension_across_inputs():
    X = sd.var("X", shape=("n", 3))
    y = sd.var("y", shape=("n",))
    with pytest.raises(sd.InputError, match=r"variable 'y': dimension 'n' \(axis 0\) is 4 here but 5 in "
                                            r"variable 'X' \(axis 0\)"):
        sd.evaluate(sd.sum(X, axis=1) + y, {"X": np.zeros((5, 3)), "y": np.zeros(4)})
    A = sd.var("A", shape=(3, "n", "n"))
    with pytest.raises(sd.InputError, match=r"variable 'A': dimension 'n' \(axis 2\) is 4 here but 2 in "
                                            r"variable 'A' \(axis 1\)"):
        sd.evaluate(A + 1.0, {"A": np.zeros((3, 2, 4))})


def test_two_variables_with_one_name():
    a, b = sd.var("a", shape=(2,)), sd.var("a", shape=(3,))
    with pytest.raises(sd.InputError, match=r"two different variables are named 'a'"):
        sd.evaluate([a, b], {"a": np.zeros(2)})


def test_a_variable_given_by_itself_and_by_its_name_is_refused():
    x = sd.var("x", shape=(2,))
    for inputs in ({"x": np.ones(2), x: np.zeros(2)}, {x: np.zeros(2), "x": np.zeros(2)}):
        with pytest.raises(sd.InputError, match=r"variable 'x' is given two values, one keyed by "
                                                r"the variable and one by its name"):
            sd.evaluate(x * 1.0, inputs)
    assert sd.evaluate(x * 1.0, {x: np.ones(2), "y": 2.0}).tolist() == [1.0, 1.0]


def test_runtime_numpy_error_is_annotated_with_the_op():
    i = sd.var("i", shape=(2,), dtype="int64")
    x = sd.var("x", shape=(3,))
    with pytest.raises(IndexError) as info:
        sd.evaluate(x[i], {"x": np.zeros(3), "i": np.array([0, 7])})
    assert any("while evaluating getitem" in note for note in info.value.__notes__)
    # the node as printed, not the op's internal index parameters (getitem((('a',),),))
    assert info.value.__notes__[-1] == "while evaluating getitem: x[i], on inputs of shapes (3,), (2,)"
    with pytest.raises(np.linalg.LinAlgError) as info:
        sd.evaluate(sd.linalg.inv(sd.var("A", (2, 2))) @ x[:2], {"A": np.ones((2, 2)), "x": np.zeros(3)})
    assert info.value.__notes__[-1] == "while evaluating inv: linalg.inv(A), on inputs of shapes (2, 2)"


def test_casts_to_non_numeric_dtypes_are_refused():
    # astype(x, 'O') built an object-dtype node, and the code generator then wrote np.object
    x = sd.var("x", shape=(3,))
    for dtype in ("O", object, "U3", "M8[ns]", "S2"):
        with pytest.raises(sd.DTypeError, match=r"^astype: dtype \S+ is not numeric or boolean$"):
            sd.astype(x, dtype)
    with pytest.raises(sd.DTypeError, match=r"^one_hot: dtype object is not numeric or boolean$"):
        sd.one_hot(sd.var("l", (2,), "int64"), 3, dtype=object)
    assert sd.astype(x, ">f8") is x  # byte order is not a different dtype
    assert sd.astype(x, "float32").dtype == np.float32


def test_a_list_of_expressions_is_not_taken_for_a_constant():
    x, y = sd.symbols("x y")
    v = sd.var("v", shape=(3,))
    for build in (lambda: sd.sin([x, y]), lambda: x + [[1.0, y]], lambda: sd.grad([x, y], x),
                  lambda: sd.jacobian([[v * 2, sd.sum(v)]], v)):
        with pytest.raises(TypeError, match=r"a list holding symdiff expressions is not one value; "
                           r"make one array of them with sd.stack\(\[...\]\)"):
            build()
    # a list of outputs is a list of outputs, as for vjp and jvp: one Jacobian each
    j2, js = sd.jacobian([v * 2, sd.sum(v)], v)
    assert sd.evaluate(j2, {"v": np.ones(3)}).tolist() == (2 * np.eye(3)).tolist()
    assert sd.evaluate(js, {"v": np.ones(3)}).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(sd.ShapeError,
                       match=r"constant \[\[1, 2\], \[3\]\]: the nested lists do not form an array"):
        v + [[1, 2], [3]]


def test_an_integer_constant_past_numpys_integers_says_so_and_a_dimension_size_is_checked():
    # NumPy keeps 2**70 as an object, and the error was "dtype object is not numeric or
    # boolean"; an int past the dtype asked for raised NumPy's own OverflowError
    for value in (2**70, -(2**63) - 1, [1, 2**70]):
        with pytest.raises(sd.DTypeError, match=r"an integer past int64 and uint64, NumPy's widest "
                           r"integers; write it as a float \(such as 2.0\*\*70\) or pass dtype='float64'"):
            sd.const(value)
    assert sd.const(2**64 - 1).dtype == np.uint64 and sd.const(2**70, dtype="float64").dtype == np.float64
    with pytest.raises(sd.DTypeError, match=r"constant 300: does not fit dtype int8"):
        sd.const(300, dtype="int8")
    # sd.dim_size takes what a shape takes: '1n' was accepted, -1 made a constant, and a NumPy
    # integer failed with AttributeError when printed
    for bad, msg in [("1n", "dimension name '1n' must be an identifier"), (-1, "dimension -1 is negative"),
                     (3.0, "3.0 is neither an int nor a dimension name")]:
        with pytest.raises(sd.ShapeError, match=re.escape(msg)):
            sd.dim_size(bad)
    assert sd.evaluate(sd.dim_size(np.int64(3))) == 3 and str(sd.dim_size("n")) == "n"


def test_a_static_shape_numpy_cannot_index_is_refused_naming_the_function():
    # these built graphs, where NumPy refuses the array ("Maximum allowed dimension exceeded",
    # "array is too big")
    big = np.iinfo(np.intp).max
    for build, shape, where in [
        (lambda: sd.zeros(2**70), (2**70,), "zeros: shape"),
        (lambda: sd.var("x", shape=(2**40, 2**40)), (2**40, 2**40), "shape of 'x'"),
        (lambda: sd.linspace(0, 1, 2**70), (2**70,), "linspace: num"),
        (lambda: sd.linspace(sd.var("a"), 1.0, big + 1), (big + 1,), "linspace: num"),
        (lambda: sd.full((big + 1,), 1.0), (big + 1,), "full: shape"),
        (lambda: sd.var("v", (4,)).reshape(2**40, 2**40), (2**40, 2**40), "reshape target shape"),
    ]:
        with pytest.raises(ValueError):
            np.empty(shape)
        count = int(np.prod(shape, dtype=object))
        with pytest.raises(sd.ShapeError, match=rf"^{re.escape(where)} {re.escape(repr(shape))}: "
                           rf"{count} elements, more than NumPy can index in one array "
                           rf"\(at most {big}\)$"):
            build()
    # NumPy multiplies the sizes other than 0, and refuses an empty array of such sizes too
    with pytest.raises(ValueError, match="array is too big"):
        np.empty((0, 2**62, 2**62))
    with pytest.raises(sd.ShapeError, match=rf"^shape of 'e' \(0, {2**62}, {2**62}\): sizes other "
                       rf"than 0 that multiply to {2**124}, more than NumPy can index"):
        sd.var("e", (0, 2**62, 2**62))
    # at the limit, and beside a named dimension (its size is known only when run), shapes build
    assert sd.var("x", (big,)).shape == (big,) and sd.linspace(0, 1, big).shape == (big,)
    assert sd.var("x", ("n", 2**62)).shape == ("n", 2**62) and sd.zeros((0, 2**40)).shape == (0, 2**40)


def test_a_shape_of_more_dimensions_than_numpy_has_is_refused_when_built():
    # these built, and only evaluation failed, with NumPy's "maximum supported dimension for an
    # ndarray is currently 64" or an IndexError from indexing
    with pytest.raises(ValueError):
        np.empty((1,) * 65)
    x = sd.var("x")
    for build, where in [
        (lambda: sd.var("v", (1,) * 65), "shape of 'v'"),
        (lambda: sd.reshape(x, (1,) * 70), "reshape target shape"),
        (lambda: sd.broadcast_to(x, (1,) * 65), "broadcast_to shape"),
        (lambda: sd.zeros((2,) * 65), "zeros: shape"),
        (lambda: x[(None,) * 65], "getitem: the result of () has shape"),
        (lambda: sd.expand_dims(sd.var("a", (1,) * 64), 0), "reshape target shape"),
    ]:
        with pytest.raises(sd.ShapeError, match=rf"^{re.escape(where)} .*: (6[5-9]|70) dimensions, "
                           r"more than a NumPy array has \(at most 64\)$"):
            build()
    with pytest.raises(sd.ParseError, match=r"70 dimensions, more than a NumPy array has"):
        sd.parse("x[" + "None, " * 70 + "]")
    # 64 is NumPy's own limit, and builds and evaluates as NumPy does
    y = sd.reshape(sd.var("w", (2,)), (2,) + (1,) * 63)
    assert np.array_equal(sd.evaluate(y * 2.0, {"w": np.array([1.0, 3.0])}),
                          np.array([2.0, 6.0]).reshape((2,) + (1,) * 63))


def test_a_shape_numpy_cannot_index_is_refused_however_an_op_arrives_at_it():
    # shapes no user gave whole, which never met check_shape: they built, and
    # sd.arange(2**70) said "unsupported dtype object"
    big, n = np.iinfo(np.intp).max, 2**40
    square = rf"\({n}, {n}\): {n * n} elements, more than NumPy can index in one array \(at most {big}\)$"
    a, b = sd.var("a", (n, 1)), sd.var("b", (1, n))
    u, w = sd.var("u", (n,)), sd.var("w", (n,))
    for build, message in [
        (lambda: a + b, rf"^add: the result of \({n}, 1\) and \(1, {n}\) has shape {square}"),
        (lambda: sd.maximum(a, b * 2.0), rf"^maximum: the result of \({n}, 1\) and \(1, {n}\) has shape "),
        (lambda: sd.outer(u, w), rf"^einsum: the result of \({n},\) and \({n},\) has shape {square}"),
        (lambda: sd.eye(n), rf"^eye: N and M {square}"),
        (lambda: sd.identity(n), rf"^identity: N and M {square}"),
        (lambda: sd.eye(n, n, k=1), rf"^eye: N and M {square}"),
        (lambda: sd.linspace(np.zeros(n // 2**20), 1.0, 2**50),
         rf"^linspace: num and the bounds' shape \({2**50}, {2**20}\): {2**70} elements"),
        (lambda: sd.linspace(sd.var("s", (2**20,)), 1.0, 2**50), r"^linspace: num and the bounds' shape"),
        # beside a named dimension (it may be 0 when run) NumPy refuses an empty array too
        (lambda: sd.var("p", ("m", n, 1)) * sd.var("q", (1, n)),
         rf"^mul: the result of \('?m'?, {n}, 1\) and \(1, {n}\) has shape \('?m'?, {n}, {n}\)"),
        (lambda: sd.arange(2**70), rf"^arange\(start=0, stop={2**70}, step=1\): the range would have "
                                   rf"about 1.18e\+21 elements, more than the largest array NumPy allows \({big}\)$"),
        (lambda: sd.arange(-(2**70), 2**70, 2), r"^arange\(start=-1180591620717411303424, stop=1180591620717411303424"),
        (lambda: sd.arange(10**400), r"the range would have more than 1e308 elements"),
    ]:
        with pytest.raises(sd.ShapeError, match=message):
            build()
    with pytest.raises(ValueError, match="Maximum allowed size exceeded"):
        np.arange(2**70)  # NumPy's own refusal: a size, not a dtype
    # nothing half-built, and at the limit, or one size alone, every one of these still builds
    assert (u + w).shape == (n,) and sd.eye(n, 1).shape == (n, 1) and sd.outer(u, np.ones(2)).shape == (n, 2)
    assert (sd.var("c", (big, 1)) * sd.var("d", (1, 1))).shape == (big, 1)
    assert sd.linspace(np.zeros(2), 1.0, 2**61).shape == (2**61, 2)
    assert sd.arange(2**62, 2**62 + 3).shape == (3,)


@pytest.mark.parametrize(
    "fn", ["simplify", "to_text", "latex", "to_sympy", "count_nodes", "to_dot", "to_networkx", "draw",
           "evaluate", "codegen"])
def test_functions_of_expressions_name_what_is_not_one(fn):
    x = sd.var("x")
    with pytest.raises(TypeError, match=rf"{fn}: expects an expression, a list or a dict of expressions"):
        getattr(sd, fn)(None)
    # text is not read as its characters ("item 0 is a str") but pointed to sd.parse, by every
    # function reading outputs, not only by the printers
    with pytest.raises(TypeError, match=rf"^{fn}: expects an expression, a list or a dict of expressions, "
                       r"got the str 'x \+ 1'; sd.parse\(text\) reads an expression from text$"):
        getattr(sd, fn)("x + 1")
    with pytest.raises(TypeError, match=r"got the str '(x \+ ){9}x'\.\.\.; sd.parse"):
        getattr(sd, fn)(" + ".join(["x"] * 30))
    if fn != "simplify":  # simplify takes numbers as constants
        with pytest.raises(TypeError, match=rf"{fn}: item 1 is a float, not an expression"):
            getattr(sd, fn)([x, 2.0])
    else:
        assert sd.simplify(3.0) is sd.const(3.0)


def test_where_of_one_argument_says_nonzero_has_no_op_and_what_to_use():
    x = sd.var("x", (3,))
    # NumPy's where(cond) is nonzero(cond), a length known only from the values
    for one in (lambda: sd.where(x > 0), lambda: np.where(x > 0), lambda: sd.where(cond=x > 0)):
        with pytest.raises(TypeError, match=r"where: .* given only cond; NumPy's one-argument "
                                            r"where\(cond\) is nonzero\(cond\).*where\(cond, a, b\)"):
            one()
    with pytest.raises(sd.ParseError, match=r"where: .* given only cond"):
        sd.parse("where(x > 0)", shapes={"x": (3,)})
    with pytest.raises(TypeError, match=r"where: takes cond and both branches, .* but b was not given"):
        sd.where(x > 0, x)
    with pytest.raises(TypeError, match=r"where: .* but a was not given"):
        sd.where(x > 0, b=x)
    assert sd.where(x > 0, a=x, b=0.0) is sd.where(x > 0, x, 0.0)


def test_numpy_given_an_expression_builds_one_or_says_why_not():
    x, A = sd.var("x", (3,)), sd.var("A", (3, 3))
    # NumPy's functions and ufuncs of symdiff's names dispatch to them: the very same nodes
    assert np.dot(A, x) is sd.dot(A, x) and np.where(x > 0, x, 0) is sd.where(x > 0, x, 0)
    assert np.linalg.norm(x) is sd.linalg.norm(x) and np.concatenate([x, x]) is sd.concatenate([x, x])
    assert np.exp(x) is sd.exp(x) and np.abs(x) is sd.abs(x) and np.var(x) is sd.variance(x)
    assert np.amax(A, axis=0) is sd.max(A, axis=0) and np.around(x, 2) is sd.round(x, 2)
    assert np.add.reduce(A) is sd.sum(A, axis=0) and np.multiply.accumulate(x) is sd.cumprod(x, axis=0)
    assert np.ones(3) * x is sd.const(np.ones(3)) * x  # ndarray operators too
    assert np.shape(A) == (3, 3) and np.ndim(x) == 1 and np.size(A) == A.size == 9
    assert np.copy(x) is x.copy() is x  # immutable: a copy is the expression itself
    X = sd.var("X", ("n", 3))
    assert str(X.size) == "n * 3" and np.size(X, 1) == 3 and str(np.size(X, 0)) == "n"
    assert sd.evaluate(X.sum() / X.size, {"X": np.full((5, 3), 2.0)}) == 2.0
    # in text too: a static size is a number, a named one an expression
    assert sd.parse("x.sum() / x.size", shapes={"x": (3,)}) is sd.sum(x) / 3
    assert sd.parse("X.sum() / X.size", shapes={"X": ("n", 3)}) is X.sum() / X.size
    q, r = divmod(x, 2.0)
    assert q is x // 2.0 and r is x % 2.0
    acc = np.zeros(3)
    acc += x  # in-place on an ndarray: the name now holds the expression
    assert acc is sd.const(np.zeros(3)) + x
    with pytest.raises(TypeError, match=r"not a NumPy array \(np.array\(expr\), np.asarray"):
        np.array(x)
    with pytest.raises(TypeError, match=r"np.bitwise_count has no symdiff counterpart"):
        np.bitwise_count(x.astype("int64"))
    with pytest.raises(TypeError, match=r"np.add: out= cannot hold a symbolic result"):
        np.add(x, 1.0, out=np.zeros(3))
    with pytest.raises(TypeError, match=r"np.sin: where= is not supported"):
        np.sin(x, where=np.ones(3, bool))
    with pytest.raises(TypeError, match=r"np.exp: dtype= is not supported"):
        np.exp(x, dtype=np.float32)
    # a ufunc's keywords at their defaults, and a memory layout, ask for nothing
    assert np.exp(x, dtype=None, where=True, casting="same_kind", subok=True) is sd.exp(x)
    assert np.add(x, 1.0, order="C", signature=None) is x + 1.0
    with pytest.raises(TypeError, match=r"np.add.reduceat is not supported"):
        np.add.reduceat(x, [0, 1])
    with pytest.raises(TypeError, match=r"np.histogram has no symdiff counterpart"):
        np.histogram(x)


def test_a_name_shared_by_two_variables_is_refused_by_grad_as_by_evaluate():
    a = sd.parse("sum(x)", shapes={"x": (3,)})
    b = sd.parse("x")  # another variable named x, a scalar
    for call in (lambda: sd.grad(a + b, "x"), lambda: sd.jvp(a + b, "x", 1.0),
                 lambda: sd.evaluate(a + b, {"x": np.ones(3)})):
        with pytest.raises(sd.InputError, match="two different variables are named 'x'"):
            call()
    assert sd.grad(a + b, b) is not None  # the variable itself is not ambiguous


def test_a_named_dimension_used_as_a_value_names_dim_size():
    X = sd.var("X", ("n", 3))
    with pytest.raises(TypeError, match=r"the string 'n' .* is sd.dim_size\('n'\)"):
        sd.sum(X, axis=0) / X.shape[0]  # x.shape holds the name of a named dimension
    mean = sd.sum(X, axis=0) / sd.dim_size("n")
    assert np.allclose(mean.eval(X=np.arange(6.0).reshape(2, 3)), [1.5, 2.5, 3.5])


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "max", "min", "logsumexp", "any", "all"])
def test_reduction_refuses_a_dtype_given_where_keepdims_is(name):
    # NumPy's third positional argument is dtype (or out); here it is keepdims, and
    # np.float32 or 'int8' there was read as keepdims=True, a result of another shape and dtype
    x = sd.var("x", shape=(2, 3))
    arg = x > 0 if name in ("any", "all") else x
    for dtype in (np.float32, "int8"):
        with pytest.raises(TypeError, match=rf"^{name}: keepdims must be True or False, got "
                                            r".*give those by keyword"):
            sd.FUNCTIONS[name](arg, 0, dtype)
    assert sd.FUNCTIONS[name](arg, 0, 1).shape == (1, 3)  # an int or None is NumPy's keepdims
    assert sd.FUNCTIONS[name](arg, 0, None).shape == (3,)
    if name != "logsumexp":
        with pytest.raises(TypeError, match=rf"^{name}: keepdims must be True or False"):
            getattr(arg, name)(0, np.float32)  # the ndarray method's order is NumPy's too


def test_numpy_einsum_keywords_for_speed_and_layout_are_accepted():
    # NumPy code passes optimize=True (or 'optimal', 'greedy') for speed; it was a TypeError
    A, v = sd.var("A", (2, 3)), sd.var("v", (3,))
    for kw in [{"optimize": True}, {"optimize": "optimal"}, {"optimize": "greedy"}, {"order": "C"}]:
        assert np.einsum("ij,j->i", A, v, **kw) is sd.einsum("ij,j->i", A, v)
    with pytest.raises(sd.DTypeError,
                       match="einsum: cannot cast float64 to float32 under casting='safe'"):
        np.einsum("ij,j->i", A, v, dtype=np.float32)
    with pytest.raises(NotImplementedError,
                       match="einsum: the argument 'out' is not supported; use the returned node$"):
        sd.einsum("ij,j->i", A, v, out=np.zeros(2))


JOINING = [("concatenate", ", axis=0"), ("concat", ", axis=0"), ("stack", ", axis=0"), ("vstack", ""),
           ("hstack", ""), ("column_stack", ""), ("linalg.multi_dot", "")]


def _function(name):
    fn = sd
    for part in name.split("."):
        fn = getattr(fn, part)
    return fn


@pytest.mark.parametrize("name, axis", JOINING)
def test_joining_one_array_instead_of_a_list_says_to_put_the_arrays_in_brackets(name, axis):
    # concatenate(A, A) for concatenate([A, A]): NumPy takes the arrays as one sequence, whether
    # the second array lands in axis= or in out= (the signatures are NumPy's: vstack(A, A) is
    # Python's own error, that vstack takes one positional argument)
    fn, A = _function(name), sd.var("A", (3, 3))
    called = "concatenate" if name == "concat" else name  # one function under two names
    message = (rf"^{re.escape(called)} takes a sequence of arrays as its first argument, got one "
               rf"array 'A' of shape \(3, 3\): put the arrays in brackets, as in "
               rf"{re.escape(called)}\(\[a, b\]{axis}\)")
    for arrays in ([A], [A, A], [A, A, A]) if axis else ([A],):
        with pytest.raises(TypeError, match=message):
            fn(*arrays)
    with pytest.raises(TypeError, match=r"got one array of shape \(3, 3\)"):
        fn(A + 1.0)  # not a variable: named by its shape alone
    assert fn([A, A]).size == (9 if name == "linalg.multi_dot" else 18)
    assert fn((A, A, A)) is fn([A, A, A])


@pytest.mark.parametrize("generate", [sd.compile, sd.codegen], ids=["compile", "codegen"])
def test_code_generation_arguments_of_the_wrong_kind_are_named_not_read_otherwise(generate):
    x, y = sd.symbols("x y")
    what = generate.__name__
    cases = [  # each was read some other way: a set in arbitrary order, "no" as true, 3 as v3
        (dict(inputs={x, y}), TypeError, rf"{what}: inputs must be a list of variables .* got set "
                                         r"\(a set has no order"),
        (dict(inputs=3), TypeError, rf"{what}: inputs must be a list of variables .* got int$"),
        (dict(simplify="no"), ValueError, rf"{what}: simplify must be True or False, got 'no'"),
        (dict(simplify=None), ValueError, rf"{what}: simplify must be True or False, got None"),
        (dict(name=3), TypeError, rf"{what}: name must be a non-empty string .* got 3"),
        (dict(name=""), TypeError, rf"{what}: name must be a non-empty string .* got ''"),
        (dict(names="fg"), TypeError, rf"{what}: names must be a list of strings, one per output, "
                                      r"got str 'fg'"),
        (dict(names=["f", None]), TypeError, rf"{what}: names\[1\] must be a string, got NoneType"),
    ]
    for options, error, message in cases:
        with pytest.raises(error, match=message):
            generate([x * y, x + y], **options)
    # what is right is taken: tuples and generators of inputs, NumPy's booleans, names as tuples
    fn = sd.compile([x * y, x + y], inputs=(v for v in (y, x)), simplify=np.True_, names=("p", "s"))
    assert fn(2.0, 3.0) == (6.0, 5.0) and fn.__doc__.startswith("f(y, x) -> p, s")


def test_a_masked_array_with_masked_entries_is_refused_not_taken_without_its_mask():
    # np.asarray drops the mask: x * masked gave x * [1.0, 2.0], the masked entry computed
    x = sd.var("x")
    masked = np.ma.array([1.0, 2.0], mask=[True, False])
    for build in (lambda: x * masked, lambda: sd.const(masked), lambda: np.add(masked, x),
                  lambda: sd.exp(masked), lambda: sd.where(x > 0, masked, 0.0),
                  lambda: x + np.ma.masked):
        with pytest.raises(TypeError, match=r"a masked array with masked entries cannot be a "
                           r"constant: its mask would be lost; give masked\.filled\(value\)"):
            build()
    # nothing masked: the values are all there, and it is the plain array's constant
    assert x * np.ma.array([1.0, 2.0]) is x * np.array([1.0, 2.0])
    assert sd.const(masked.filled(0.0)) is sd.const(np.array([0.0, 2.0]))
    # nor is it taken as a variable's value
    v = sd.var("v", shape=(2,))
    with pytest.raises(sd.InputError, match=r"^variable 'v' was given a masked array with masked "
                                            r"entries: its mask would be lost"):
        sd.evaluate(v * 2.0, {"v": masked})
    np.testing.assert_array_equal(sd.evaluate(v * 2.0, {"v": np.ma.array([1.0, 2.0])}), [2.0, 4.0])


def test_a_python_function_given_where_an_expression_goes_says_how_to_get_one():
    x = sd.var("x")
    hint = r"symdiff works on expressions, not Python functions: call the function on variables"
    with pytest.raises(TypeError, match=r"^cannot use a function .* in a symdiff expression; " + hint):
        sd.grad(lambda t: t**2, x)
    with pytest.raises(TypeError, match=r"^compile: expects an expression, .* got function; " + hint):
        sd.compile(lambda t: t)
    with pytest.raises(TypeError, match=r"^evaluate: expects an expression, .* got ufunc; " + hint):
        sd.evaluate(np.sin, {})
    with pytest.raises(TypeError, match=r"^cannot use a type \(<class 'numpy.float64'>\) in a symdiff expression$"):
        x + np.float64  # a class is callable, but not a function of expressions


BUILT_ON_OTHERS = ["ptp", "count_nonzero", "nansum", "nanprod", "nanmax", "nanmin", "nancumsum",
                   "nancumprod", "cumulative_sum", "cumulative_prod"]


@pytest.mark.parametrize("name", BUILT_ON_OTHERS)
@pytest.mark.parametrize("axis", [2, -3])
def test_a_bad_axis_of_a_function_built_on_another_names_the_function_called(name, axis):
    # ptp is max - min, nansum a sum, cumulative_sum a cumsum: the error is the caller's
    x = sd.var("x", shape=(2, 3))
    with pytest.raises(sd.ShapeError, match=rf"^{name}: axis {axis} is out of bounds for an array "
                                             r"of 2 dimensions$"):
        sd.FUNCTIONS[name](x, axis=axis)
    with pytest.raises(TypeError, match=rf"^{name}: axis must be an int"):
        sd.FUNCTIONS[name](x, axis=1.0)
    # a 0-d array takes a lone axis 0 or -1, as NumPy's reductions and scans do
    assert sd.FUNCTIONS[name](sd.var("s"), axis=0).eval(s=2.0) == getattr(np, name)(np.array(2.0), axis=0)


@pytest.mark.parametrize("name", ["xlogy", "xlog1py", "beta", "betaln", "rel_entr", "kl_div", "boxcox",
                                  "inv_boxcox"])
def test_shapes_that_do_not_broadcast_in_a_special_function_name_it_not_its_parts(name):
    # xlogy is built of where, logical_and, mul, ...: the error is the function's
    a, b = sd.var("a", shape=(2, 3)), sd.var("b", shape=(4,))
    with pytest.raises(sd.ShapeError, match=rf"^{name}: shapes \(2, 3\) and \(4,\) do not broadcast"):
        sd.FUNCTIONS[name](a, b)


_A, _B = sd.var("a", shape=(2, 3)), sd.var("b", shape=(4,))
COMPOSED_MISMATCHES = [
    ("isclose", lambda: sd.isclose(_A, _B), r"^isclose: shapes \(2, 3\) and \(4,\) do not broadcast"),
    ("allclose", lambda: sd.allclose(_A, _B), r"^allclose: shapes \(2, 3\) and \(4,\) do not broadcast"),
    ("divmod", lambda: sd.divmod(_A, _B), r"^divmod: shapes \(2, 3\) and \(4,\) do not broadcast"),
    ("logspace", lambda: sd.logspace(_A, _B, 3), r"^logspace: shapes \(2, 3\) and \(4,\) do not broadcast"),
    ("geomspace", lambda: sd.geomspace(_A, _B, 3),
     r"^geomspace: shapes \(2, 3\) and \(4,\) do not broadcast"),
    ("cross", lambda: sd.cross(sd.var("p", shape=(2, 3)), sd.var("q", shape=(4, 3))),
     r"^cross: shapes \(2, 3\) and \(4, 3\) do not broadcast outside the vector axes$"),
    ("trapezoid", lambda: sd.trapezoid(_A, x=sd.var("x", shape=(2, 2))),
     r"^trapezoid: shapes \(2, 3\) and \(2, 2\) do not broadcast"),
    ("trapezoid-1d", lambda: sd.trapezoid(_A, x=_B),
     r"^trapezoid: x of shape \(4,\) does not run along axis 1 of y, of shape \(2, 3\)"),
]


@pytest.mark.parametrize("name, build, message", COMPOSED_MISMATCHES, ids=[c[0] for c in COMPOSED_MISMATCHES])
def test_a_mismatch_in_a_function_built_of_others_names_the_function_called(name, build, message):
    # not the sub, div, mul or linspace the function is built of
    with pytest.raises(sd.ShapeError, match=message):
        build()


def test_pad_given_an_expression_for_its_widths_says_they_must_be_known_when_built():
    with pytest.raises(TypeError, match=r"^pad: `pad_width` must be ints known when the graph is built, "
                                        r"got the expression b"):
        sd.pad(_A, _B)


@pytest.mark.parametrize("index", [1.0, "a", [0, 1.0], np.array([0.0]), np.array([True, False]),
                                   (0, 0)], ids=["float", "str", "float-list", "float-array",
                                                 "mask-shape", "too-many"])
def test_an_index_numpy_refuses_is_an_index_error_as_numpys(index):
    # NumPy's test suites expect IndexError for each of these; x[1.0] was a TypeError and a
    # mask of the wrong shape a ShapeError
    with pytest.raises(IndexError):
        np.zeros(3)[index]
    with pytest.raises(IndexError, match=r"index|indices"):
        sd.var("x", (3,))[index]
