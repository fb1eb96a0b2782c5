"""Every public function, driven by the op table: values against NumPy, errors at build time,
first derivatives against central finite differences in every float argument, the inner-product
identity <v, J u> = <J^T v, u>, and second derivatives against differences of the gradient.
Then the conventions at non-smooth points, which finite differences cannot see."""

from __future__ import annotations

import math
import re
import warnings
import zlib

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import symdiff as sd
from symdiff.ops import ALIASES
from op_table import FAILURES, SAMPLES, SUGAR_ONLY, Sample, cofactor_matrix, idfn

H = 1e-6  # central differences in float64: truncation ~H**2, rounding ~1e-16/H
rng = np.random.default_rng(7)


# NumPy 2's short names are the very functions of their long names: those have the rows
CANONICAL = set(sd.FUNCTIONS) - set(ALIASES)


def test_every_function_has_samples():
    covered = {s.name for s in SAMPLES}
    missing = sorted(CANONICAL - covered)
    assert not missing, f"functions without rows in tests/op_table.py: {missing}"
    unknown = sorted(covered - set(sd.FUNCTIONS) - SUGAR_ONLY)
    assert not unknown, f"op table rows for names that are not public functions: {unknown}"


def test_every_differentiable_function_has_gradient_samples():
    no_grad = {"arange", "one_hot", "less", "less_equal", "greater", "greater_equal", "equal",
               "not_equal", "any", "all", "logical_and", "logical_or", "logical_xor",
               "logical_not", "isnan", "isinf", "isfinite", "isclose", "allclose", "signbit",
               "isposinf", "isneginf", "isreal", "iscomplex", "isin",
               # boolean results: no gradient to compare; integer positions and counts
               "nanargmax", "nanargmin", "count_nonzero", "linalg.matrix_rank",
               "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift",
               "right_shift", "gcd", "lcm",  # integers only
               "tri",  # a constant of its sizes
               "digitize"}  # integer positions
    with_grad = {s.name for s in SAMPLES if s.grad and s.float_args()}
    assert sorted(CANONICAL - no_grad - with_grad) == []


_ALIAS_ARGUMENTS = {"arctan2": "x, y", "power": "x, y", "divide": "x, y", "mod": "x, y",
                    "concatenate": "[v, v]", "transpose": "A, (1, 0)",
                    "invert": "arange(3)", "left_shift": "arange(3), 2", "right_shift": "arange(3), 2"}


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_numpy_other_names_are_the_same_functions(alias):
    name = ALIASES[alias]
    fn = sd.FUNCTIONS[alias]
    assert fn is sd.FUNCTIONS[name] and getattr(sd, alias) is fn and alias in sd.__all__
    assert getattr(np, alias) is getattr(np, name)  # NumPy 2 has the same pair
    shapes = {"v": (2,), "A": (2, 3)}
    args = _ALIAS_ARGUMENTS.get(name, "x")
    e = sd.parse(f"{name}({args})", shapes=shapes)
    assert sd.parse(f"{alias}({args})", shapes=shapes) is e
    assert not re.search(rf"\b{alias}\b", sd.to_text(e))  # printed by the first name (power as **)


@pytest.mark.parametrize("sample", SAMPLES, ids=idfn)
def test_forward_matches_numpy(sample: Sample):
    node, _ = sample.build()
    want = sample.reference()
    assert np.all(np.isfinite(want)), "samples are chosen inside the function's domain"
    # the static type agrees with what NumPy computes
    assert node.shape == want.shape
    assert node.dtype == want.dtype
    got = sd.evaluate(node, sample.inputs())
    assert isinstance(got, np.ndarray)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("failure", FAILURES, ids=idfn)
def test_bad_inputs_fail_to_build(failure):
    with pytest.raises(failure.error, match=failure.match):
        failure.call()


def _grad_samples() -> list[Sample]:
    return [s for s in SAMPLES if s.grad and s.float_args()]


def _perturbed(sample: Sample, k: int, delta: np.ndarray) -> list:
    args = list(sample.args)
    args[k] = args[k] + delta
    return args


def _fd_vjp(sample: Sample, k: int, ct: np.ndarray) -> np.ndarray:
    """d<ct, f>/d arg_k by central differences of the NumPy reference, element by element."""
    x = sample.args[k]
    out = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = H
        up = sample.reference(_perturbed(sample, k, e))
        down = sample.reference(_perturbed(sample, k, -e))
        out[i] = np.sum(ct * (up - down)) / (2 * H)
    return out


def _directions(sample: Sample) -> np.random.Generator:
    """The random cotangents and directions of one sample, the same whichever tests run before
    it (a row added to the table changes no other row's check)."""
    return np.random.default_rng(zlib.crc32(f"{sample.name}[{sample.id}]{sample.kwargs}".encode()))


@pytest.mark.parametrize("sample", _grad_samples(), ids=idfn)
def test_vjp_matches_finite_differences(sample: Sample):
    node, vs = sample.build()
    rng = _directions(sample)
    ct_value = rng.standard_normal(node.shape)
    ct = sd.var("ct", shape=node.shape)
    ks = sample.float_args()
    grads = sd.vjp(node, [vs[k] for k in ks], ct)
    got = sd.evaluate(grads, {**sample.inputs(), "ct": ct_value})
    for k, g in zip(ks, got):
        assert g.shape == sample.args[k].shape and g.dtype == sample.args[k].dtype
        if sample.zero_grad:
            assert np.all(g == 0)
        else:
            np.testing.assert_allclose(g, _fd_vjp(sample, k, ct_value), rtol=1e-6, atol=1e-7, equal_nan=False,
                                       err_msg=f"d/d arg {k}")


@pytest.mark.parametrize("sample", _grad_samples(), ids=idfn)
def test_jvp_inner_product_identity(sample: Sample):
    """<v, J u> = <J^T v, u>, and J u against a directional central difference."""
    node, vs = sample.build()
    rng = _directions(sample)
    ks = sample.float_args()
    us = [rng.standard_normal(sample.args[k].shape) for k in ks]
    v_value = rng.standard_normal(node.shape)
    ju = sd.jvp(node, [vs[k] for k in ks], [sd.const(u) for u in us])
    jtv = sd.vjp(node, [vs[k] for k in ks], sd.const(v_value))
    ju_val, *jtv_val = sd.evaluate([ju, *jtv], sample.inputs())
    assert ju_val.shape == node.shape
    lhs = np.sum(v_value * ju_val)
    rhs = sum(np.sum(g * u) for g, u in zip(jtv_val, us))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)
    up, down = list(sample.args), list(sample.args)
    for k, u in zip(ks, us):
        up[k] = up[k] + H * u
        down[k] = down[k] - H * u
    fd = (sample.reference(up) - sample.reference(down)) / (2 * H)
    if sample.zero_grad:
        assert np.all(ju_val == 0)
    else:
        np.testing.assert_allclose(ju_val, fd, rtol=1e-6, atol=1e-7, equal_nan=False)


@pytest.mark.parametrize("sample", [s for s in _grad_samples() if s.order2 and not s.zero_grad],
                         ids=idfn)
def test_second_derivative_matches_differences_of_gradient(sample: Sample):
    """The Hessian of <ct, f> along u (built by differentiating the gradient graph) against
    a central difference of the evaluated gradient."""
    node, vs = sample.build()
    rng = _directions(sample)
    ks = sample.float_args()
    ct = sd.const(rng.standard_normal(node.shape))
    scalar = sd.sum(sd.real(ct * node))  # a complex output: its real part, as vjp pulls back
    wrt = [vs[k] for k in ks]
    us = [rng.standard_normal(sample.args[k].shape) for k in ks]
    hu = sd.hvp(scalar, wrt, [sd.const(u) for u in us])
    gradient = sd.grad(scalar, wrt)
    got = sd.evaluate(hu, sample.inputs())
    h = 1e-5
    up, down = list(sample.args), list(sample.args)
    for k, u in zip(ks, us):
        up[k] = up[k] + h * u
        down[k] = down[k] - h * u
    g_up = sd.evaluate(gradient, sample.inputs(up))
    g_down = sd.evaluate(gradient, sample.inputs(down))
    for got_k, a, b in zip(got, g_up, g_down):
        np.testing.assert_allclose(got_k, (a - b) / (2 * h), rtol=1e-5, atol=1e-6, equal_nan=False)


# -- non-smooth points: the documented conventions ------------------------------------------------


def _grad_at(f, value, shape=()):
    x = sd.var("x", shape=shape)
    return sd.evaluate(sd.grad(sd.sum(f(x)), x), {"x": value})


def test_relu_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(_grad_at(sd.relu, np.array([-1.0, 0.0, 2.0]), (3,)), [0, 0, 1])


def test_abs_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(_grad_at(sd.abs, np.array([-1.0, 0.0, 2.0]), (3,)), [-1, 0, 1])


def test_sign_derivative_is_zero():
    np.testing.assert_array_equal(_grad_at(sd.sign, np.array([-1.0, 0.0, 2.0]), (3,)), [0, 0, 0])


def test_max_routes_gradient_to_the_maximum():
    x = np.array([[1.0, 5.0, 3.0], [2.0, 0.0, -1.0]])
    np.testing.assert_array_equal(_grad_at(sd.max, x, (2, 3)), [[0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(_grad_at(lambda t: sd.max(t, axis=1), x, (2, 3)),
                                  [[0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(_grad_at(lambda t: sd.min(t, axis=0), x, (2, 3)),
                                  [[1, 0, 0], [0, 1, 1]])


def test_max_splits_ties_evenly():
    x = np.array([[3.0, 1.0, 3.0, 3.0], [2.0, 2.0, 0.0, 1.0]])
    np.testing.assert_allclose(_grad_at(lambda t: sd.max(t, axis=1), x, (2, 4)),
                               [[1 / 3, 0, 1 / 3, 1 / 3], [0.5, 0.5, 0, 0]])
    np.testing.assert_allclose(_grad_at(sd.max, np.array([4.0, 4.0]), (2,)), [0.5, 0.5])
    np.testing.assert_allclose(_grad_at(lambda t: sd.min(t, axis=0, keepdims=True), x, (2, 4)),
                               [[0, 1, 0, 0], [1, 0, 1, 1]])


@pytest.mark.parametrize("fn", [sd.maximum, sd.minimum])
def test_maximum_minimum_ties_go_to_first_argument(fn):
    a, b = sd.var("a", shape=(3,)), sd.var("b", shape=(3,))
    ga, gb = sd.evaluate(sd.grad(sd.sum(fn(a, b)), [a, b]), {"a": np.ones(3), "b": np.ones(3)})
    np.testing.assert_array_equal(ga, [1, 1, 1])
    np.testing.assert_array_equal(gb, [0, 0, 0])
    # and with broadcasting, the scalar side collects the ties it wins
    s = sd.var("s")
    ga, gs = sd.evaluate(sd.grad(sd.sum(fn(s, a)), [s, a]), {"s": 2.0, "a": np.array([2.0, 2.0, 2.0])})
    assert ga == 3 and np.all(gs == 0)


def test_where_untaken_branch_gives_exact_zero():
    x = sd.var("x")
    f = sd.where(x > 0, sd.sqrt(x), 0)
    g = sd.grad(f, x)
    with np.errstate(all="ignore"):
        assert sd.evaluate(g, {"x": -1.0}) == 0.0
        assert sd.evaluate(g, {"x": 4.0}) == 0.25
        # also when the untaken branch is inf rather than nan, and for the second derivative
        f2 = sd.where(x > 0, sd.log(x) * x, x * x)
        g2 = sd.grad(sd.grad(f2, x), x)
        assert sd.evaluate(g2, {"x": 0.0}) == 2.0
        assert sd.evaluate(g2, {"x": -1.0}) == 2.0
        np.testing.assert_allclose(sd.evaluate(g2, {"x": 2.0}), 0.5)


def test_where_untaken_branch_zero_in_arrays_and_through_reductions():
    x = sd.var("x", shape=(4,))
    value = np.array([-1.0, 0.0, 1.0, 4.0])
    for f in (sd.sum(sd.where(x > 0, sd.sqrt(x), 0)),
              sd.sum(sd.where(x > 0, sd.sqrt(x), 0) * 3),
              sd.sum(sd.where(x <= 0, 0.0, 1 / x))):
        with np.errstate(all="ignore"):
            g = sd.evaluate(sd.grad(f, x), {"x": value})
        assert np.all(np.isfinite(g)), (str(f), g)
        assert g[0] == 0 and g[1] == 0



@pytest.mark.parametrize("case", ["condition_broadcast", "branch_broadcast", "rows_not_taken",
                                  "not_taken_with_false_branch", "batched_jacobian"])
def test_where_untaken_branch_zero_when_the_branch_is_broadcast(case):
    """A branch smaller than where's result (broadcast into it) still gets exact zeros where
    no copy of an element is taken: 0 * inf must not come back as nan below the broadcast."""
    x = sd.var("x", shape=(4,))
    value = np.array([-1.0, 0.0, 2.0, 0.5])
    rows = sd.const(np.array([[True], [False]]))
    f = {
        "condition_broadcast": lambda: sd.where(rows & (x > 0), sd.log(x), 0.0),
        "branch_broadcast": lambda: sd.where(sd.const(np.ones((3, 1))) * x > 0, sd.log(x), 0.0),
        "rows_not_taken": lambda: sd.where(rows, sd.where(x > 0, sd.log(x), 0.0) * 2, 0.0),
        "not_taken_with_false_branch": lambda: sd.where(~rows | (x <= 0), 0.0, sd.log(x)),
        "batched_jacobian": lambda: sd.where(rows & (x > 0), sd.log(x), 0.0),
    }[case]()
    scale = {"rows_not_taken": 2.0}.get(case, 1.0)
    want = np.where(value > 0, scale / np.where(value > 0, value, 1), 0.0)
    want2 = np.diag(np.where(value > 0, -scale / np.where(value > 0, value, 1) ** 2, 0.0))
    if case == "batched_jacobian":
        jac = sd.jacobian(f, x)  # cotangents with a leading batch axis
        with np.errstate(all="ignore"):
            got = sd.evaluate(jac, {"x": value})
        np.testing.assert_array_equal(got[0], np.diag(want))
        np.testing.assert_array_equal(got[1], np.zeros((4, 4)))
        return
    g = sd.grad(sd.sum(f), x)
    with np.errstate(all="ignore"):
        got, hess = sd.evaluate([g, sd.hessian(sd.sum(f), x)], {"x": value})
        compiled = sd.compile([g], inputs=[x])(value)[0]
    np.testing.assert_allclose(got, want * (3 if case == "branch_broadcast" else 1), rtol=1e-15)
    np.testing.assert_allclose(hess, want2 * (3 if case == "branch_broadcast" else 1), rtol=1e-15)
    np.testing.assert_array_equal(compiled, got)


@pytest.mark.parametrize("inner", ["norm", "matmul", "stack_sum", "sort", "cumsum", "reshape"])
def test_where_untaken_branch_zero_through_any_op_under_a_scalar_condition(inner):
    """A scalar condition zeroes the whole cotangent of its branch, so its mask travels through
    every op (reductions, products, stacking), not only elementwise ones: the branch not taken
    gets exact zeros in every order, as Taylor mode gives them."""
    x = sd.var("x")
    r = sd.sqrt(x)  # nan and inf derivatives at x <= 0
    v = sd.stack([x, r])
    branch = {
        "norm": lambda: sd.linalg.norm(v),
        "matmul": lambda: v @ sd.const(np.array([2.0, 3.0])),
        "stack_sum": lambda: sd.sum(v * v),
        "sort": lambda: sd.sort(v)[1],
        "cumsum": lambda: sd.cumsum(v)[1],
        "reshape": lambda: sd.reshape(v, (2, 1))[1, 0],
    }[inner]()
    f = sd.where(x > 0, branch, x * x)
    nested = [sd.grad(f, x, mode="reverse")]
    for _ in range(2):
        nested.append(sd.grad(nested[-1], x, mode="reverse"))
    for at in (-1.0, 0.0):
        with np.errstate(all="ignore"):
            got = sd.evaluate(nested, {"x": at})
            compiled = sd.compile(nested, inputs=[x])(at)
            taylor = [sd.evaluate(sd.derivative(f, x, k), {"x": at}) for k in (1, 2, 3)]
        np.testing.assert_array_equal(got, [2 * at, 2.0, 0.0])
        np.testing.assert_array_equal(compiled, got)
        np.testing.assert_array_equal(taylor, got)
    # where the branch is taken, its derivatives are untouched
    with np.errstate(all="ignore"):
        got = sd.evaluate(nested[0], {"x": 4.0})
        h = 1e-6
        fd = (sd.evaluate(f, {"x": 4.0 + h}) - sd.evaluate(f, {"x": 4.0 - h})) / (2 * h)
    np.testing.assert_allclose(got, fd, rtol=1e-7)

def test_stop_gradient_blocks_only_its_path():
    x = sd.var("x")
    f = x * sd.stop_gradient(x * x)
    assert sd.evaluate(sd.grad(f, x), {"x": 3.0}) == 9.0


def test_gradient_of_unrelated_variable_is_zero_of_its_shape():
    x, w = sd.var("x", shape=(2,)), sd.var("w", shape=(3, 2))
    g = sd.grad(sd.sum(x * x), w)
    value = sd.evaluate(g, {"x": np.ones(2)})
    assert value.shape == (3, 2) and np.all(value == 0)


def test_integer_inputs_flow_without_gradients():
    logits = sd.var("z", shape=(4, 3))
    y = sd.var("y", shape=(4,), dtype="int64")
    loss = -sd.sum(sd.log_softmax(logits, axis=1) * sd.one_hot(y, 3))
    loss2 = -sd.sum(sd.log_softmax(logits, axis=1)[sd.arange(4), y])
    zv = rng.standard_normal((4, 3))
    yv = np.array([0, 2, 1, 2])
    g1, g2 = sd.evaluate([sd.grad(loss, logits), sd.grad(loss2, logits)], {"z": zv, "y": yv})
    p = np.exp(zv) / np.exp(zv).sum(1, keepdims=True)
    want = p - np.eye(3)[yv]
    np.testing.assert_allclose(g1, want, rtol=1e-12)
    np.testing.assert_allclose(g2, want, rtol=1e-12)


def test_prod_gradient_with_zeros_is_exact():
    x = sd.var("x", shape=(4,))
    g = sd.grad(sd.prod(x), x)
    np.testing.assert_array_equal(sd.evaluate(g, {"x": np.array([2.0, 0.0, 3.0, 4.0])}), [0, 24, 0, 0])
    np.testing.assert_array_equal(sd.evaluate(g, {"x": np.array([2.0, 0.0, 0.0, 4.0])}), [0, 0, 0, 0])
    np.testing.assert_array_equal(sd.evaluate(g, {"x": np.array([2.0, 1.0, 3.0, 4.0])}), [12, 24, 8, 6])


def test_power_derivative_in_exponent_at_zero_base():
    a, b = sd.symbols("a b")
    ga, gb = sd.evaluate(sd.grad(a ** b, [a, b]), {"a": 0.0, "b": 2.0})
    assert ga == 0.0 and gb == 0.0


def _float32_samples() -> list[Sample]:
    out = []
    for s in SAMPLES:
        if s.grad and s.float_args() and all(s.args[k].dtype == np.float64 for k in s.arrays()):
            args = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in s.args)
            out.append(Sample(s.name, args, s.ref, s.call, s.kwargs, id=s.id or "float32"))
    return out


@pytest.mark.parametrize("sample", _float32_samples(), ids=idfn)
def test_float32_stays_float32_through_first_and_second_derivatives(sample: Sample):
    node, vs = sample.build()
    with np.errstate(all="ignore"):
        want = sample.reference()
    assert node.dtype == want.dtype
    if node.dtype != np.float32:
        return  # e.g. astype to float64: NumPy's own promotion
    wrt = [vs[k] for k in sample.float_args()]
    scalar = sd.sum(node)
    grads = sd.grad(scalar, wrt)
    second = sd.hvp(scalar, wrt, [sd.const(np.ones(w.shape, np.float32)) for w in wrt])
    # float64 arithmetic on values computed from the float32 ones; an integer or boolean node
    # (isnan, a count, a position) carries no value on, so index arithmetic done in a float64
    # q's dtype, as NumPy's quantiles place their positions, is not counted
    carried = set()
    for n in sd.toposort([*grads, *second]):
        if n.dtype.kind in "fc" and (any(n is w for w in wrt) or any(i in carried for i in n.inputs)):
            carried.add(n)
    wide = sorted({n.op.name for n in carried if n.dtype == np.float64})
    assert wide == [], f"float64 nodes in a float32 derivative graph: {wide}"
    for g in sd.evaluate(grads, sample.inputs()):
        assert g.dtype == np.float32


_BROADCAST_OPS = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "divide": lambda a, b: a / (b * b + 1), "maximum": np.maximum,
}


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       name=st.sampled_from(sorted(_BROADCAST_OPS)), seed=st.integers(0, 2**16))
def test_broadcast_gradients_sum_back_to_each_shape(shapes, name, seed):
    """For any pair of broadcastable shapes, each cotangent has its input's shape and equals
    the finite-difference gradient (broadcasting undone by summation)."""
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    r = np.random.default_rng(seed)
    a_val, b_val = r.standard_normal(sa), r.standard_normal(sb)
    a, b = sd.var("a", shape=sa), sd.var("b", shape=sb)
    if name == "divide":
        node = a / (b * b + 1)
    else:
        node = sd.FUNCTIONS[name](a, b)
    assert node.shape == out_shape
    ct = r.standard_normal(out_shape)
    ga, gb = sd.evaluate(sd.vjp(node, [a, b], sd.const(ct)), {"a": a_val, "b": b_val})
    assert ga.shape == sa and gb.shape == sb
    sample = Sample(name, (a_val, b_val), _BROADCAST_OPS[name])
    np.testing.assert_allclose(ga, _fd_vjp(sample, 0, ct), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gb, _fd_vjp(sample, 1, ct), rtol=1e-6, atol=1e-7)


def test_power_zero_exponent_has_zero_derivative_at_zero_base():
    x, p = sd.symbols("x p")
    for f in (x ** 0, x ** p):
        g = sd.grad(f, x)
        with np.errstate(divide="ignore", invalid="ignore"):  # the branch not taken is inf
            values = sd.evaluate([g, sd.grad(g, x)], {"x": 0.0, "p": 0.0})
        assert values == [0.0, 0.0]
    # and elsewhere the variable exponent is unaffected
    g = sd.grad(x ** p, [x, p])
    np.testing.assert_allclose(sd.evaluate(g, {"x": 2.0, "p": 3.0}), [12.0, 8 * np.log(2.0)])


@pytest.mark.parametrize("inner", ["maximum", "nested_where", "identity"])
def test_where_untaken_branch_zero_in_second_derivative_through_other_selections(inner):
    """The mask of an outer where must survive an inner selection (maximum's routing, another
    where) all the way down, or 0 * nan comes back in the Hessian."""
    a = sd.var("a", shape=(2,))
    x = {"maximum": sd.maximum(a, a), "nested_where": sd.where(a < 10, a, 2 * a),
         "identity": a}[inner]
    f = sd.sum(sd.where(x > 0, sd.sqrt(x), 0.0))
    H = sd.hessian(f, a)
    with np.errstate(all="ignore"):
        got = sd.evaluate(H, {"a": np.array([-1.0, 4.0])})
    np.testing.assert_array_equal(got, [[0.0, 0.0], [0.0, -0.25 / 8]])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_where_kernel_gives_np_where_bits(dtype: str) -> None:
    """The branch-free path (one branch +0) must give np.where's bits exactly, nan, inf and
    -0.0 included, under broadcasting and for transposed operands; -0.0 and strongly typed
    zeros take np.where itself."""
    from symdiff.ops.elementwise import where_kernel

    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 5)).astype(dtype)
    x[0, :4] = [np.nan, np.inf, -0.0, -np.inf]
    c = rng.standard_normal((6, 5)) > 0
    c[0, :4] = [False, True, True, False]
    cases = [
        (c, x, 0.0), (c, 0.0, x), (c, x, 0), (c, 0, x), (c[:1], x, 0.0), (c, x[:1], 0.0),
        (c, x[:, :1], 0.0), (c.T, x.T, 0.0), (c, x, -0.0), (c, x, np.float64(0)), (c, x, 1.0),
        (c, np.arange(30).reshape(6, 5), 0), (c[0, 0], x, 0.0),
    ]
    for cond, a, b in cases:
        want, got = np.where(cond, a, b), where_kernel(cond, a, b)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes(), (cond.shape, np.shape(a), b)
        # in place, into the non-constant operand when it has the result's shape and dtype
        for k, operand in ((1, a), (2, b)):
            if isinstance(operand, np.ndarray) and operand.shape == want.shape and operand.dtype == want.dtype:
                buf = operand.copy()
                args = [cond, a, b]
                args[k] = buf
                assert where_kernel(*args, out=buf) is buf
                assert buf.tobytes() == want.tobytes(), (cond.shape, np.shape(a), b, k)


# -- products and linear algebra: the documented conventions -----------------------------------------


def test_norm_derivative_at_zero_is_zero():
    with np.errstate(all="ignore"):  # x / |x| is computed, then not taken
        for f in (sd.linalg.norm, lambda t: sd.linalg.norm(t, 3), lambda t: sd.linalg.norm(t, axis=0)):
            g = _grad_at(f, np.zeros(3), (3,))
            np.testing.assert_array_equal(g, [0, 0, 0])
        x = sd.var("x", (3,))
        h = sd.evaluate(sd.hessian(sd.linalg.norm(x), x), {"x": np.zeros(3)})
    np.testing.assert_array_equal(h, np.zeros((3, 3)))


def test_triangle_read_by_cholesky_and_eigh_gets_the_whole_gradient():
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    for f in (sd.linalg.cholesky, sd.linalg.eigvalsh, lambda t: sd.linalg.eigh(t)[1] ** 2):
        g = _grad_at(f, a, (3, 3))
        assert np.all(np.triu(g, 1) == 0) and np.any(np.tril(g, -1) != 0)
    g = _grad_at(lambda t: sd.linalg.eigvalsh(t, UPLO="U"), a, (3, 3))
    assert np.all(np.tril(g, -1) == 0) and np.any(np.triu(g, 1) != 0)


@pytest.mark.parametrize("build", [
    sd.linalg.cholesky, lambda t: sd.linalg.cholesky(t, upper=True), sd.linalg.eigvalsh,
    lambda t: sd.linalg.eigvalsh(t, "U"), lambda t: sd.linalg.eigh(t)[0], lambda t: sd.linalg.eigh(t)[1],
    lambda t: sd.linalg.eigh(t, "U")[1],
], ids=["cholesky", "cholesky-upper", "eigvalsh", "eigvalsh-upper", "eigh-values", "eigh-vectors",
        "eigh-vectors-upper"])
def test_triangle_read_derivatives_take_a_named_matrix_size(build):
    # the masks onto the read triangle (and eigh's identity) are built for a size named 'n',
    # so first and second derivatives are those of the same graph over a static size
    q, _ = np.linalg.qr(rng.standard_normal((2, 4, 4)))
    a = np.einsum("...ij,j,...kj->...ik", q, [1.0, 2.0, 3.5, 5.0], q)  # symmetric, both triangles read alike
    u = rng.standard_normal(a.shape)
    named, static = sd.var("A", ("b", "n", "n")), sd.var("A", a.shape)
    results = []
    for x in (named, static):
        y = sd.sum(sd.sin(build(x)))
        results.append((sd.grad(y, x), sd.hvp(y, x, sd.var("U", x.shape))))
    (g_n, h_n), (g_s, h_s) = results
    got = sd.evaluate([g_n, h_n], {"A": a, "U": u})
    want = sd.evaluate([g_s, h_s], {"A": a, "U": u})
    for gv, wv in zip(got, want):
        np.testing.assert_allclose(gv, wv, rtol=1e-12, atol=1e-12)
    compiled = sd.compile([g_n, h_n], inputs=[named, sd.var("U", named.shape)])(a, u)
    for cv, gv in zip(compiled, got):
        np.testing.assert_allclose(cv, gv, rtol=1e-12, atol=1e-12)
    # and the second derivative against central differences of the first
    step = 1e-6
    up, down = (sd.evaluate(g_s, {"A": a + s * u}) for s in (step, -step))
    np.testing.assert_allclose(got[1], (up - down) / (2 * step), rtol=1e-5, atol=1e-6)


def test_repeated_eigenvalues():
    """Eigenvalue derivatives stay finite where eigenvalues repeat; eigenvector derivatives do
    not exist there (the eigenvectors are not unique) and come out inf or nan."""
    a = np.diag([1.0, 1.0, 3.0])
    g = _grad_at(lambda t: sd.linalg.eigvalsh(t) * np.array([1.0, 2.0, 3.0]), a, (3, 3))
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(np.trace(g), 6.0)
    with np.errstate(all="ignore"):
        g = _grad_at(lambda t: sd.linalg.eigh(t)[1] * np.arange(9.0).reshape(3, 3), a, (3, 3))
    assert not np.all(np.isfinite(g))


def test_higher_eigenvalue_derivatives_at_eigenvalues_repeated_up_to_rounding_are_not_finite():
    # a matrix with a repeated eigenvalue, not diagonal: LAPACK returns the pair ~1e-15 apart,
    # and the second and higher derivatives came out as 1 / that gap, 1e15, 1e30, 1e46: finite
    # and meaningless, where exactly repeated values give inf or nan
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    b = rng.standard_normal((3, 3))
    b = b + b.T
    weights = np.array([1.0, 2.0, 5.0])
    t = sd.var("t")
    for repeated in ([1.0, 1.0, 3.0], [2.0, 2.0, 2.0], [-4.0, 0.5, 0.5]):
        a = q @ np.diag(repeated) @ q.T
        gaps = np.diff(np.linalg.eigvalsh(a))[np.diff(repeated) == 0]
        assert 0 < gaps.max() < 1e-14  # repeated up to rounding, not exactly
        for eigenvalues in (sd.linalg.eigvalsh, lambda m: sd.linalg.eigh(m)[0]):
            y = sd.sum(eigenvalues(sd.const(a) + t * sd.const(b)) * weights)
            by_grad = [y]
            for _ in range(4):
                by_grad.append(sd.grad(by_grad[-1], t))
            with np.errstate(all="ignore"):
                got = [float(sd.evaluate(d, {"t": 0.0})) for d in by_grad[1:]]
                taylor = [float(sd.evaluate(sd.derivative(y, t, k), {"t": 0.0})) for k in (1, 2, 3, 4)]
            assert np.isfinite(got[0]) and got[0] == pytest.approx(taylor[0]), repeated
            assert not np.isfinite(got[1:]).any() and not np.isfinite(taylor[1:]).any(), (repeated, got, taylor)
    # away from repeated eigenvalues the derivatives stay, against finite differences of NumPy
    a = q @ np.diag([1.0, 1.5, 3.0]) @ q.T
    f = lambda s: np.linalg.eigvalsh(a + s * b) @ weights  # noqa: E731
    h = 5e-4
    fd = [(f(h) - f(-h)) / (2 * h), (f(h) - 2 * f(0) + f(-h)) / h ** 2,
          (f(2 * h) - 2 * f(h) + 2 * f(-h) - f(-2 * h)) / (2 * h ** 3)]
    y = sd.sum(sd.linalg.eigvalsh(sd.const(a) + t * sd.const(b)) * weights)
    got = [float(sd.evaluate(sd.derivative(y, t, k), {"t": 0.0})) for k in (1, 2, 3)]
    np.testing.assert_allclose(got, fd, rtol=2e-3)


def _central_gradient(f, x: np.ndarray) -> np.ndarray:
    out = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = H
        out[i] = (f(x + e) - f(x - e)) / (2 * H)
    return out


_mT = lambda t: sd.swapaxes(t, -1, -2)  # noqa: E731
# losses that do not change when a pair of singular vectors (u_k, v_k) changes sign
_SIGN_INVARIANT_SVD_LOSSES = {
    "USVh": lambda U, S, Vh, np_: np_.sum(((U * S[..., None, :]) @ Vh) * np.arange(1.0, 1.0 + Vh.shape[-1])),
    "UUt": lambda U, S, Vh, np_: np_.sum(np_.sin(U @ np_.swapaxes(U, -1, -2))),
    "VtV": lambda U, S, Vh, np_: np_.sum(np_.cos(np_.swapaxes(Vh, -1, -2) @ Vh)),
    "U2": lambda U, S, Vh, np_: np_.sum(U**2 * np.arange(1.0, 1.0 + U.shape[-1]) * S[..., None, :]),
    "Vh2": lambda U, S, Vh, np_: np_.sum(np_.exp(Vh**2) * np.arange(1.0, 1.0 + Vh.shape[-2])[:, None]),
    "u1v1": lambda U, S, Vh, np_: np_.sum((U[..., :, :1] * Vh[..., :1, :]) ** 3),
}


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 5), (2, 3, 2), (2, 2, 3)], ids=str)
@pytest.mark.parametrize("loss", sorted(_SIGN_INVARIANT_SVD_LOSSES))
def test_svd_gradients_of_sign_invariant_losses_match_finite_differences(shape, loss):
    """Each singular vector pair is unique up to its sign: a loss that does not see the signs
    has one gradient, in the evaluator and in generated code alike."""
    f = _SIGN_INVARIANT_SVD_LOSSES[loss]
    a = sd.var("a", shape)
    g = sd.grad(f(*sd.linalg.svd(a, full_matrices=False), sd), a)
    x = rng.standard_normal(shape)
    want = _central_gradient(lambda t: f(*np.linalg.svd(t, full_matrices=False), np), x)
    np.testing.assert_allclose(sd.evaluate(g, {"a": x}), want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(sd.compile(g, [a])(x), want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)], ids=str)
def test_singular_value_gradients_are_exact_for_ill_conditioned_matrices(shape):
    # d sigma_k / dX = u_k v_k^T, from the SVD's own vectors: the eigenvectors of the Gram matrix
    # X^T X, which this read before, lost the small singular directions (relative error 7e-6 of
    # the gradient at cond(X) = 1e8, and 1e-5 of linalg.cond's)
    k = min(shape[-2:])
    u, _ = np.linalg.qr(rng.standard_normal((*shape[:-2], shape[-2], k)))
    v, _ = np.linalg.qr(rng.standard_normal((*shape[:-2], shape[-1], k)))
    sigma = np.logspace(0, -8, k)
    x = (u * sigma) @ np.swapaxes(v, -1, -2)
    a = sd.var("a", shape)
    w = np.arange(1.0, k + 1.0)
    U, S, Vh = np.linalg.svd(x, full_matrices=False)
    want = (U * w) @ Vh
    for loss in (sd.sum(sd.linalg.svdvals(a) * w), sd.sum(sd.linalg.svd(a, full_matrices=False).S * w)):
        g = sd.grad(loss, a)
        np.testing.assert_allclose(sd.evaluate(g, {"a": x}), want, rtol=0, atol=1e-13)
        np.testing.assert_allclose(sd.compile(g, [a])(x), want, rtol=0, atol=1e-13)
    if len(shape) == 2:  # the condition number s_max / s_min, to rounding
        c = sd.evaluate(sd.grad(sd.linalg.cond(a), a), {"a": x})
        exact = np.outer(U[:, 0], Vh[0]) / S[-1] - S[0] / S[-1] ** 2 * np.outer(U[:, -1], Vh[-1])
        np.testing.assert_allclose(c, exact, rtol=1e-12 * np.abs(exact).max())


def test_singular_values_of_a_named_square_matrix_have_derivatives():
    # the derivative read eigh's vectors reversed by a slice, which a named size cannot take
    S = sd.var("S", ("n", "n"))
    x = rng.standard_normal((4, 4))
    U, _, Vh = np.linalg.svd(x)
    for loss in (sd.sum(sd.linalg.svdvals(S)), sd.linalg.norm(S, 2), sd.sum(sd.linalg.svd(S).S)):
        np.testing.assert_allclose(sd.evaluate(sd.grad(loss, S), {"S": x}),
                                   U @ Vh if loss.op.name != "max" else np.outer(U[:, 0], Vh[0]),
                                   rtol=1e-12, atol=1e-13)
        t = rng.standard_normal((4, 4))
        np.testing.assert_allclose(sd.evaluate(sd.jvp(loss, S, sd.var("T", ("n", "n"))), {"S": x, "T": t}),
                                   np.sum(sd.evaluate(sd.grad(loss, S), {"S": x}) * t), rtol=1e-12)


def test_svd_full_matrices_of_a_non_square_matrix_refuse_a_derivative():
    a = sd.var("a", (4, 2))
    U, S, Vh = sd.linalg.svd(a)
    assert U.shape == (4, 4) and Vh.shape == (2, 2)
    with pytest.raises(sd.NotDifferentiableError, match=r"linalg.svd: with full_matrices=True .* shape "
                       r"\(4, 2\), .* use full_matrices=False"):
        sd.grad(sd.sum(U), a)
    # a square matrix has one SVD: full_matrices=True is the same nodes, and differentiable
    b = sd.var("b", (3, 3))
    assert sd.linalg.svd(b) == sd.linalg.svd(b, full_matrices=False)
    g = sd.grad(sd.sum(sd.linalg.svd(b).U ** 3), b)
    x = rng.standard_normal((3, 3))
    np.testing.assert_allclose(sd.evaluate(g, {"b": x}),
                               _central_gradient(lambda t: np.sum(np.linalg.svd(t)[0] ** 3), x),
                               rtol=1e-6, atol=1e-7)


def test_qr_complete_q_of_a_tall_matrix_refuses_a_derivative_and_its_r_has_one():
    a = sd.var("a", (4, 2))
    Q, R = sd.linalg.qr(a, "complete")
    assert Q.shape == (4, 4) and R.shape == (4, 2)
    with pytest.raises(sd.NotDifferentiableError, match=r"linalg.qr: with mode='complete' .* shape "
                       r"\(4, 2\), .* use mode='reduced'"):
        sd.grad(sd.sum(Q), a)
    # a wide matrix has one QR: 'complete' is the same nodes as 'reduced'
    b = sd.var("b", (2, 3))
    assert sd.linalg.qr(b, "complete") == sd.linalg.qr(b)
    x = rng.standard_normal((4, 2))
    np.testing.assert_allclose(sd.evaluate(sd.grad(sd.sum(R**3), a), {"a": x}),
                               _central_gradient(lambda t: np.sum(np.linalg.qr(t, "complete")[1] ** 3), x),
                               rtol=1e-6, atol=1e-7)


def test_pinv_derivative_along_matrices_of_constant_rank():
    """At a 4x3 matrix of rank 2, the derivative along a curve of rank-2 matrices B(t) C(t)
    matches the central difference (off that set the pseudo-inverse is not continuous)."""
    b, c, db, dc = (rng.standard_normal(s) for s in [(4, 2), (2, 3), (4, 2), (2, 3)])
    w = rng.standard_normal((3, 4))
    a = sd.var("a", (4, 3))
    g = sd.evaluate(sd.grad(sd.sum(sd.linalg.pinv(a) * w), a), {"a": b @ c})

    def along(t: float) -> float:
        return float(np.sum(np.linalg.pinv((b + t * db) @ (c + t * dc)) * w))

    np.testing.assert_allclose(np.sum(g * (db @ c + b @ dc)), (along(H) - along(-H)) / (2 * H), rtol=1e-6)


def test_det_gradient_is_the_cofactor_matrix_and_slogdet_sign_has_none():
    a = np.array([[2.0, 1.0], [0.5, -3.0]])
    np.testing.assert_allclose(_grad_at(sd.linalg.det, a, (2, 2)), [[-3.0, -0.5], [-1.0, 2.0]])
    np.testing.assert_array_equal(_grad_at(lambda t: sd.linalg.slogdet(t)[0], a, (2, 2)), np.zeros((2, 2)))


def _of_rank(rank: int, n: int, *batch: int, dtype: str = "float64") -> np.ndarray:
    return (rng.standard_normal((*batch, n, rank)) @ rng.standard_normal((*batch, rank, n))).astype(dtype)


def test_det_gradient_at_singular_matrices_is_their_cofactor_matrix():
    # det(A) inv(A)^T, the gradient's old form, raised LinAlgError here; the cofactor matrix is
    # finite for every matrix: of rank one at rank n - 1, zero at rank n - 2 and below
    A = sd.var("A", (3, 3))
    g = sd.grad(sd.linalg.det(A), A)
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    exact = np.array(sympy.Matrix(a.astype(int).tolist()).adjugate().T, dtype=float)
    np.testing.assert_allclose(exact, [[4, 4, -4], [-2, -2, 2], [0, 0, 0]])
    got = sd.evaluate(g, {"A": a})
    np.testing.assert_allclose(got, exact, atol=1e-13)
    np.testing.assert_array_equal(sd.compile(g, inputs=[A])(a), got)
    for rank, want_rank in [(2, 1), (1, 0), (0, 0)]:
        m = _of_rank(rank, 3)
        got = sd.evaluate(g, {"A": m})
        np.testing.assert_allclose(got, cofactor_matrix(m), atol=1e-12)
        assert np.linalg.matrix_rank(got, tol=1e-9) == want_rank
    # a stack of them, with the invertible ones still det(A) inv(A)^T
    B = sd.var("B", (4, 3, 3))
    b = np.stack([_of_rank(3, 3), _of_rank(2, 3), _of_rank(1, 3), np.zeros((3, 3))])
    got = sd.evaluate(sd.grad(sd.sum(sd.linalg.det(B) * np.arange(1.0, 5.0)), B), {"B": b})
    np.testing.assert_allclose(got, cofactor_matrix(b) * np.arange(1.0, 5.0)[:, None, None], atol=1e-12)
    np.testing.assert_allclose(got[0], np.linalg.det(b[0]) * np.linalg.inv(b[0]).T, rtol=1e-10)


@pytest.mark.parametrize("rank", [4, 3, 2, 1])
def test_det_hessian_and_third_derivatives_at_any_rank_match_finite_differences(rank):
    # the Hessian against central differences of the cofactor matrix (minors by NumPy), and
    # derivatives of every order along a line against the exact polynomial det(A + tB)
    a = _of_rank(rank, 4)
    A = sd.var("A", (4, 4))
    y = sd.linalg.det(A)
    h = sd.evaluate(sd.hessian(y, A), {"A": a}).reshape(16, 16)
    fd = np.empty((16, 16))
    for k in range(16):
        e = np.zeros(16)
        e[k] = H
        up, down = (cofactor_matrix(a + s * e.reshape(4, 4)) for s in (1, -1))
        fd[:, k] = ((up - down) / (2 * H)).ravel()
    np.testing.assert_allclose(h, fd, atol=1e-6)
    np.testing.assert_allclose(h, h.T, atol=1e-12)
    b = rng.standard_normal((4, 4))
    ts = np.arange(5.0)
    coefficients = np.linalg.solve(np.vander(ts, increasing=True), [np.linalg.det(a + t * b) for t in ts])
    t = sd.var("t")
    line = sd.linalg.det(a + t * b)
    by_grad = [line]
    for k in range(1, 6):
        by_grad.append(sd.grad(by_grad[-1], t))
        want = math.factorial(k) * (coefficients[k] if k < 5 else 0.0)
        got = float(sd.evaluate(by_grad[-1], {"t": 0.0}))
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (k, got, want)
        by_taylor = float(sd.evaluate(sd.derivative(line, t, k), {"t": 0.0}))
        assert by_taylor == pytest.approx(want, rel=1e-9, abs=1e-9), (k, by_taylor, want)
    # past the fourth derivative det's rule adds no more nodes: the fifth is a zero
    assert not any(n.op.name == "det_derivative" and len(n.inputs) > 4 for n in sd.toposort(by_grad[-1]))


def test_det_gradient_keeps_float32_and_complex_and_named_sizes():
    A32 = sd.var("A", (2, 3, 3), dtype="float32")
    a = np.stack([_of_rank(2, 3), _of_rank(3, 3)])
    y = sd.sum(sd.linalg.det(A32))
    g, hv = sd.grad(y, A32), sd.hvp(y, A32, sd.const(np.ones((2, 3, 3), np.float32)))
    assert g.dtype == hv.dtype == np.float32
    got = sd.evaluate([g, hv], {"A": a.astype(np.float32)})
    assert got[0].dtype == got[1].dtype == np.float32
    np.testing.assert_allclose(got[0], cofactor_matrix(a), rtol=1e-4, atol=1e-4)
    # complex (holomorphic): the gradient is the cofactor matrix, no conjugate, at rank 2 too
    Z = sd.var("Z", (3, 3), dtype="complex128")
    z = _of_rank(2, 3) + 1j * _of_rank(2, 3)
    z = z @ np.diag([1.0, 1.0, 0.0]) @ rng.standard_normal((3, 3))  # rank 2 over the complex numbers
    jac = sd.evaluate(sd.jacobian(sd.linalg.det(Z), Z), {"Z": z})
    np.testing.assert_allclose(jac, cofactor_matrix(z), atol=1e-12)
    assert np.abs(jac).max() > 0.1
    # a named size: the same values, and the generated code agrees with the evaluator
    N = sd.var("N", ("n", "n"))
    gn = sd.grad(sd.linalg.det(N), N)
    hn = sd.hvp(sd.linalg.det(N), N, sd.var("U", ("n", "n")))
    m, u = _of_rank(3, 4), rng.standard_normal((4, 4))
    got = sd.evaluate([gn, hn], {"N": m, "U": u})
    np.testing.assert_allclose(got[0], cofactor_matrix(m), atol=1e-12)
    step = 1e-6
    fd = (cofactor_matrix(m + step * u) - cofactor_matrix(m - step * u)) / (2 * step)
    np.testing.assert_allclose(got[1], fd, atol=1e-6)
    compiled = sd.compile([gn, hn], inputs=[N, sd.var("U", ("n", "n"))])(m, u)
    for c, e in zip(compiled, got):
        np.testing.assert_array_equal(c, e)


def test_det_gradient_of_a_matrix_holding_nan_or_inf_is_nan_and_slogdet_still_needs_an_invertible_one():
    A = sd.var("A", (2, 2))
    g = sd.grad(sd.linalg.det(A), A)
    for bad_value in (np.nan, np.inf):
        got = sd.evaluate(g, {"A": np.array([[1.0, bad_value], [0.0, 2.0]])})
        assert np.all(np.isnan(got))
    # log|det| goes to -inf at a singular matrix: its gradient has no value there
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        sd.evaluate(sd.grad(sd.linalg.slogdet(A)[1], A), {"A": np.ones((2, 2))})


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int64", "bool"])
def test_shifted_kernels_do_not_wrap_integer_inputs(dtype):
    # logsumexp and softmax subtract the maximum; in uint8, 3 - 10 would wrap around to 249,
    # and sigmoid negates its input: -3 in uint8 is 253 (and -x of a bool is refused)
    values = np.array([0, 1, 1, 0] if dtype == "bool" else [3, 10, 1, 0], dtype=dtype)
    x = sd.var("x", shape=(4,), dtype=dtype)
    exact = values.astype(np.float64)
    want = {"logsumexp": np.log(np.sum(np.exp(exact))),
            "softmax": np.exp(exact) / np.sum(np.exp(exact)),
            "log_softmax": exact - np.log(np.sum(np.exp(exact))),
            "sigmoid": 1 / (1 + np.exp(-exact))}
    for name, ref in want.items():
        e = sd.FUNCTIONS[name](x)
        assert e.dtype == np.exp(np.zeros(0, dtype)).dtype  # NumPy's float type for exp of it
        got = sd.evaluate(e, {"x": values})
        assert got.dtype == e.dtype
        half = e.dtype == np.float16  # 1 + 1e-3 is at the edge of its precision
        np.testing.assert_allclose(got, ref, rtol=2e-3 if half else 1e-12, atol=2e-3 if half else 0)
        np.testing.assert_array_equal(sd.compile(e, inputs=[x])(values), got)


def test_softmax_and_logsumexp_of_empty_slices_are_numpys():
    x, m = sd.var("x", shape=(0,)), sd.var("m", shape=(2, 0))
    with np.errstate(divide="ignore"):
        assert sd.evaluate(sd.logsumexp(x), {"x": np.zeros(0)}) == -np.inf  # log(sum of nothing)
        np.testing.assert_array_equal(sd.evaluate(sd.logsumexp(m, axis=1), {"m": np.zeros((2, 0))}),
                                      [-np.inf, -np.inf])
    for fn in (sd.softmax, sd.log_softmax):
        assert sd.evaluate(fn(m, axis=1), {"m": np.zeros((2, 0))}).shape == (2, 0)
        with np.errstate(divide="ignore"):
            assert sd.evaluate(sd.grad(sd.sum(fn(x)), x), {"x": np.zeros(0)}).shape == (0,)


def test_log_softmax_with_infinities_is_x_minus_logsumexp_as_scipys():
    # an infinite maximum shifts by 0, as logsumexp's does: log_softmax([1, inf, 2]) is
    # [1 - inf, inf - inf, 2 - inf], over one axis as over several, where shifting by inf
    # made every element nan
    from scipy import special

    values = np.array([[1.0, np.inf, 2.0], [-np.inf, 0.5, -np.inf], [-np.inf] * 3, [3.0, -1.0, 0.0]])
    A = sd.var("A", (4, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        for axis in (1, -1, 0, (0, 1), None):
            e = sd.log_softmax(A, axis=axis)
            want = special.log_softmax(values, axis=axis)
            np.testing.assert_array_equal(sd.evaluate(e, {"A": values}, simplify=False), want)
            np.testing.assert_array_equal(sd.evaluate(e, {"A": values}), want)
            np.testing.assert_array_equal(sd.compile(e, inputs=[A])(values), want)
            np.testing.assert_array_equal(sd.evaluate(sd.exp(e), {"A": values}),
                                          sd.evaluate(sd.softmax(A, axis=axis), {"A": values}))


def test_softmax_over_every_axis_is_scipys():
    # axis=None normalizes over all elements and keeps the shape, as scipy.special.softmax:
    # the same graph as naming every axis, in the evaluator, generated code, SymPy and LaTeX
    import sympy
    from scipy import special

    A, s, v = sd.var("A", (2, 3)), sd.var("s"), sd.var("v", (4,))
    a = 300 * np.random.default_rng(3).standard_normal((2, 3))  # exp alone would overflow
    for fn, ref in ((sd.softmax, special.softmax), (sd.log_softmax, special.log_softmax)):
        assert fn(A, axis=None) is fn(A, axis=(0, 1)) and fn(v, axis=None) is fn(v, axis=0)
        e = fn(A, axis=None)
        assert e.shape == (2, 3)
        got = sd.evaluate(e, {"A": a})
        np.testing.assert_allclose(got, ref(a), rtol=1e-12, atol=1e-300)
        np.testing.assert_array_equal(sd.compile(e, inputs=[A])(a), got)
        for value in (1.5, np.inf):  # a 0-d array is its one element: 1 (nan at inf), as SciPy
            np.testing.assert_array_equal(sd.evaluate(fn(s, axis=None), {"s": value}), ref(value))
    assert sd.latex(sd.softmax(A, axis=None)) == r"e^{A - \operatorname{logsumexp} A}"
    b = a / 300
    base = sympy.IndexedBase("A", shape=(2, 3), real=True)
    subs = {base[i, j]: b[i, j] for i in range(2) for j in range(3)}
    sym = sympy.Array(sd.to_sympy(sd.softmax(A, axis=None))).subs(subs)
    np.testing.assert_allclose(np.array(sym.tolist(), dtype=float), special.softmax(b), rtol=1e-12)
    # the Hessian of one output against second central differences of SciPy's values
    hess = sd.evaluate(sd.hessian(sd.log_softmax(A, axis=None)[1, 2], A), {"A": b}).reshape(6, 6)

    def at(i, di, j, dj):
        x = b.copy().ravel()
        x[i] += di
        x[j] += dj
        return special.log_softmax(x.reshape(2, 3), axis=None)[1, 2]

    h = 1e-4
    fd = [[(at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h)) / (4 * h * h)
           for j in range(6)] for i in range(6)]
    np.testing.assert_allclose(hess, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_with_initial_over_a_named_dimension_are_numpys(name):
    # a named dimension may be empty when the function runs: NumPy's max then gives initial,
    # where the reduction without it raised "zero-size array to reduction operation maximum"
    fn, ref = sd.FUNCTIONS[name], getattr(np, name)
    X, I, B = sd.var("X", ("n", 3)), sd.var("I", ("n", 3), "int32"), sd.var("B", ("n", 3), "bool")
    shapes = {"X": X, "I": I, "B": B}
    r = np.random.default_rng(5)
    cases = [(X, {"axis": 0, "initial": 0.5}), (X, {"initial": -1.0}),
             (X, {"axis": 0, "keepdims": True, "initial": 2.0}), (X, {"axis": (0, 1), "initial": np.inf}),
             (X, {"axis": 0, "initial": -0.25, "where": "mask"}), (I, {"axis": 0, "initial": 7}),
             (B, {"axis": 0, "initial": True})]
    for v, kwargs in cases:
        for n in (0, 1, 4):
            value = {"X": r.standard_normal((n, 3)), "I": r.integers(-9, 9, (n, 3), np.int32),
                     "B": r.random((n, 3)) < 0.5}[v.op.var_name]
            mask = value > 0 if v is X else None
            e = fn(v, **{**kwargs, "where": X > 0}) if "where" in kwargs else fn(v, **kwargs)
            want = ref(value, **{**kwargs, "where": mask}) if "where" in kwargs else ref(value, **kwargs)
            assert sd.parse(sd.to_text(e), shapes=shapes) is e, sd.to_text(e)
            got = sd.evaluate(e, {v: value})
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(sd.compile(e, inputs=[v])(value), want)
    # the gradient is that of the same reduction over a static shape (checked against finite
    # differences in the op table), and empty for no rows
    S = sd.var("S", (4, 3))
    for kwargs in ({"axis": 0, "initial": 0.5}, {"initial": -np.inf}):
        named, static = (sd.grad(sd.sum(fn(a, **kwargs) ** 2), a) for a in (X, S))
        value = r.standard_normal((4, 3))
        np.testing.assert_array_equal(sd.evaluate(named, {X: value}), sd.evaluate(static, {S: value}))
        np.testing.assert_array_equal(sd.compile(sd.simplify(named), inputs=[X])(value),
                                      sd.evaluate(static, {S: value}))
        with np.errstate(invalid="ignore"):
            assert sd.evaluate(named, {X: np.zeros((0, 3))}).shape == (0, 3)
    # rewriting and batched derivatives rebuild the reduction with other keepdims: it keeps
    # where it starts from
    kept = sd.reshape(fn(X, axis=0, keepdims=True, initial=-np.inf if name == "max" else np.inf), (3,))
    assert sd.simplify(kept) is fn(X, axis=0, initial=-np.inf if name == "max" else np.inf)
    jac = sd.jacobian(fn(X, axis=0, initial=0.5), X)
    with np.errstate(invalid="ignore"):
        assert sd.evaluate(jac, {X: np.zeros((0, 3))}).shape == (3, 0, 3)


def test_round_passes_no_gradient_and_builtin_round_works():
    x = sd.var("x", shape=(3,))
    values = np.array([0.4, 1.5, -2.6])
    for e in (sd.round(x), round(x), round(x, 1), x.round(decimals=-1)):
        assert np.all(sd.evaluate(sd.grad(sd.sum(e * x), x), {"x": values}) == sd.evaluate(e, {"x": values}))
    np.testing.assert_array_equal(sd.evaluate(round(x, 1), {"x": values}), np.round(values, 1))


def test_complex_parts_follow_the_real_pair_convention():
    # for f: C -> R, the gradient is df/da - i df/db at z = a + ib (JAX's convention)
    z = sd.var("z", shape=(2,), dtype="complex128")
    f = sd.sum(sd.real(z * z) + 3 * z.imag + sd.real(sd.conj(z) * 1j))
    z0 = np.array([1 + 2j, -3 + 0.5j])

    def ref(v):
        return np.sum((v * v).real + 3 * v.imag + (np.conj(v) * 1j).real)
    h = 1e-6
    da = np.array([(ref(z0 + h * e) - ref(z0 - h * e)) / (2 * h) for e in np.eye(2)])
    db = np.array([(ref(z0 + 1j * h * e) - ref(z0 - 1j * h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(sd.evaluate(sd.grad(f, z), {"z": z0}), da - 1j * db, rtol=1e-8)
    # of a real input: the input itself, and zeros (also where the input is inf)
    x = sd.var("x", shape=(2,))
    assert sd.conj(x) is x and sd.real(x) is x and x.conj() is x and x.real is x
    np.testing.assert_array_equal(sd.evaluate(x.imag, {"x": np.array([np.inf, 1.0])}), [0.0, 0.0])


_COMPLEX_CASES = {
    "abs": lambda z: sd.sum(sd.abs(z)),
    "abs-squared": lambda z: sd.sum(sd.abs(z) ** 2),
    "abs-of-product": lambda z: sd.abs(z @ z),
    "sign": lambda z: sd.sum(sd.real(sd.sign(z) * z) + sd.imag(sd.sign(z))),
    "vdot": lambda z: sd.real(sd.vdot(z, z * z)) + sd.imag(sd.vdot(z * 1j, z)),
    "holomorphic": lambda z: sd.sum(sd.real(sd.exp(z) * sd.tanh(z) / (z * z + 2.0)) + sd.imag(sd.log(z) ** 3)),
    "mixed": lambda z: sd.sum(sd.abs(sd.exp(z) + sd.conj(z)) * sd.real(z)),
    "norms": lambda z: sd.linalg.norm(z) + sd.linalg.norm(z, ord=3) + sd.linalg.norm(z * z, ord=np.inf),
    "variance": lambda z: sd.variance(z * z) + sd.std(sd.exp(z), ddof=1),
    # the derivative's kernel took the real part of a complex input
    "sinc": lambda z: sd.sum(sd.real(sd.sinc(z)) + sd.imag(sd.sinc(z * 0.01) * z)),
    # arctan's derivative was written with hypot, which has no complex kernel
    "arctan": lambda z: sd.sum(sd.imag(sd.arctan(z)) + sd.real(sd.arctan(z * 0.5) ** 2)),
    "inv-det-solve": lambda z: sd.abs(sd.linalg.det(sd.outer(z, z) + 3.0 * np.eye(3)))
    + sd.real(sd.sum(sd.linalg.inv(sd.outer(z, sd.conj(z)) + 2.0 * np.eye(3))))
    + sd.imag(sd.sum(sd.linalg.solve(sd.outer(sd.exp(z), z) + 4.0 * np.eye(3), z * z))),
}


@pytest.mark.parametrize("name", list(_COMPLEX_CASES))
def test_complex_gradients_and_tangents_match_finite_differences(name):
    # every op on the same convention, non-holomorphic ones (abs, sign, conj, vdot) included:
    # the gradient of a real f is df/da - i df/db at z = a + ib, and a tangent t moves the
    # value by the directional derivative along t; no step casts away an imaginary part
    z = sd.var("z", shape=(3,), dtype="complex128")
    f = _COMPLEX_CASES[name](z)
    rng = np.random.default_rng(3)
    z0 = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    t0 = rng.standard_normal(3) + 1j * rng.standard_normal(3)

    def at(v):
        return sd.evaluate(f, {"z": v})
    h = 1e-6
    da = np.array([(at(z0 + h * e) - at(z0 - h * e)) / (2 * h) for e in np.eye(3)])
    db = np.array([(at(z0 + 1j * h * e) - at(z0 - 1j * h * e)) / (2 * h) for e in np.eye(3)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complex-to-real cast would warn
        grad = sd.evaluate(sd.grad(f, z), {"z": z0})
        tangent = sd.evaluate(sd.jvp(f, z, t0), {"z": z0})
    np.testing.assert_allclose(grad, da - 1j * db, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tangent, (at(z0 + h * t0) - at(z0 - h * t0)) / (2 * h), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("power", [sd.power, sd.float_power])
def test_a_real_base_to_a_complex_power_differentiates_in_the_exponent_at_negative_bases(power):
    # NumPy raises a negative real base to a complex power as a complex number; the derivative
    # in the exponent took the real log of the base, nan there
    x, z = sd.var("x", shape=(3,)), sd.var("z", shape=(3,), dtype="complex128")
    f = sd.sum(sd.real(power(x, z)) + sd.imag(power(x, z * z)))
    vals = {"x": np.array([-2.0, -0.5, 1.5]), "z": np.array([0.3 + 1j, -1.2 + 0.4j, 0.7 - 0.2j])}

    def at(**moved):
        return sd.evaluate(f, {**vals, **moved})
    h = 1e-6
    z0 = vals["z"]
    da = np.array([(at(z=z0 + h * e) - at(z=z0 - h * e)) / (2 * h) for e in np.eye(3)])
    db = np.array([(at(z=z0 + 1j * h * e) - at(z=z0 - 1j * h * e)) / (2 * h) for e in np.eye(3)])
    x0 = vals["x"]
    dx = np.array([(at(x=x0 + h * e) - at(x=x0 - h * e)) / (2 * h) for e in np.eye(3)])
    gx, gz = sd.grad(f, [x, z])
    np.testing.assert_allclose(sd.evaluate(gz, vals), da - 1j * db, rtol=1e-6)
    np.testing.assert_allclose(sd.evaluate(gx, vals), dx, rtol=1e-6)
    compiled = sd.compile([gx, gz], inputs=[x, z])(vals["x"], vals["z"])
    for got, want in zip(compiled, sd.evaluate([gx, gz], vals)):
        np.testing.assert_array_equal(got, want)


def test_norms_variances_and_deviations_of_complex_arrays_are_numpys():
    rng = np.random.default_rng(4)
    Z = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    z = sd.var("z", shape=(3, 4), dtype="complex64")
    for kw in ({}, {"ord": "fro"}, {"ord": 1}, {"ord": -np.inf}, {"axis": 1}, {"axis": 0, "ord": 3},
               {"axis": 1, "ord": 0}, {"ord": np.inf, "axis": (1, 0)}, {"axis": 1, "keepdims": True}):
        got, want = sd.evaluate(sd.linalg.norm(z, **kw), {"z": Z.astype(np.complex64)}), np.linalg.norm(
            Z.astype(np.complex64), **kw)
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5)
    with pytest.raises(NotImplementedError, match=r"linalg.norm: ord=2 of complex matrices \(their singular"):
        sd.linalg.norm(z, ord=2)
    for kw in ({}, {"axis": 1}, {"axis": 0, "ddof": 1}, {"axis": 1, "keepdims": True}):
        for fn, ref in ((sd.variance, np.var), (sd.std, np.std)):
            got, want = sd.evaluate(fn(z, **kw), {"z": Z.astype(np.complex64)}), ref(Z.astype(np.complex64), **kw)
            assert got.dtype == want.dtype == np.float32
            np.testing.assert_allclose(got, want, rtol=1e-5)


_MASKED_ROWS = np.array([[0.5, -1.0, 2.0, 1.5], [-0.7, -1.2, -0.4, -2.0], [1.1, 0.9, -0.3, 1.6]])


@pytest.mark.parametrize("function, ref", [(sd.variance, np.var), (sd.std, np.std)])
@pytest.mark.parametrize("symbolic", [False, True], ids=["constant-mask", "expression-mask"])
@pytest.mark.parametrize("kwargs", [{"axis": 1}, {"axis": -1, "ddof": 1, "keepdims": True},
                                    {"axis": (1,), "correction": 1}])
def test_variance_where_a_slice_takes_nothing_is_nan_as_numpys(function, ref, symbolic, kwargs):
    """where= leaves the middle row no elements: NumPy's value there is nan (0 / 0) with a
    RuntimeWarning, and so is symdiff's, evaluated and compiled; the other rows keep theirs and
    their gradients, and the empty row's gradient is 0 (its value does not move)."""
    x = sd.var("x", (3, 4))
    mask = _MASKED_ROWS > 0
    node = function(x, where=x > 0 if symbolic else mask, **kwargs)
    with pytest.warns(RuntimeWarning):
        want = ref(_MASKED_ROWS, where=mask, **kwargs)
    for run in (lambda: sd.evaluate(node, {"x": _MASKED_ROWS}, simplify=False),
                lambda: sd.evaluate(node, {"x": _MASKED_ROWS}),
                lambda: sd.compile(node, inputs=[x])(_MASKED_ROWS)):
        with pytest.warns(RuntimeWarning, match="invalid value"):
            got = run()
        assert got.shape == want.shape and got.dtype == want.dtype
        assert np.isnan(got.reshape(3)[1]) and np.isfinite(np.delete(got.reshape(3), 1)).all()
        np.testing.assert_allclose(got, want, rtol=1e-14, equal_nan=True)

    def finite(a):  # the rows' values with the nan one taken out, as a loss would
        v = ref(a, where=a > 0 if symbolic else mask, **kwargs)
        return np.where(np.isnan(v), 0.0, v)

    ct = rng.standard_normal(node.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fd = _fd_vjp(Sample(function.__name__, (_MASKED_ROWS,), ref=finite), 0, ct)
        (g,) = sd.evaluate(sd.vjp(sd.where(sd.isnan(node), 0.0, node), [x], ct), {"x": _MASKED_ROWS})
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)
    assert not g[1].any() and (g[[0, 2]] != 0).sum() == 6  # the elements taken, and only those


@pytest.mark.parametrize("function, ref", [(sd.any, np.any), (sd.all, np.all)])
@pytest.mark.parametrize("symbolic", [False, True], ids=["constant-mask", "expression-mask"])
def test_any_and_all_where_a_slice_takes_nothing_are_numpys(function, ref, symbolic):
    """A slice where= leaves empty is False for any and True for all, as NumPy's."""
    x = sd.var("x", (3, 4))
    mask = _MASKED_ROWS > 0
    for kwargs in ({"axis": 1}, {"axis": -1, "keepdims": True}, {}, {"axis": (0, 1)}):
        node = function(x > 1.0, where=x > 0 if symbolic else mask, **kwargs)
        want = ref(_MASKED_ROWS > 1.0, where=mask, **kwargs)
        for got in (sd.evaluate(node, {"x": _MASKED_ROWS}, simplify=False), sd.evaluate(node, {"x": _MASKED_ROWS}),
                    sd.compile(node, inputs=[x])(_MASKED_ROWS)):
            assert got.shape == want.shape and got.dtype == want.dtype == np.bool_
            np.testing.assert_array_equal(got, want)
    empty = function(x, axis=1, where=x > 5.0 if symbolic else np.zeros(4, bool))
    assert (sd.evaluate(empty, {"x": _MASKED_ROWS}) == (function is sd.all)).all()


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("axis, weights, keepdims", [(None, None, False), (1, None, True), ((0, 2), None, False),
                                                     (1, (3,), False), (-1, (4,), True), (None, (2, 3, 4), False),
                                                     ((2, 0), (2, 3, 4), True)])
def test_average_returned_is_the_pair_numpy_gives(dtype, axis, weights, keepdims):
    """average(..., returned=True) is (average, sum of weights), the sum broadcast to the
    average's shape and dtype; both evaluated and compiled as NumPy's, with the weight sum's
    gradient (ones) reaching the weights."""
    a = sd.var("a", (2, 3, 4), dtype)
    values = (rng.standard_normal((2, 3, 4)) * 4).astype(dtype)
    inputs, args = {"a": values}, {}
    if weights is not None:
        w = sd.var("w", weights, dtype)
        inputs["w"] = args["weights"] = rng.uniform(1, 3, weights).astype(dtype)
    pair = sd.average(a, axis, w if weights is not None else None, returned=True, keepdims=keepdims)
    want = np.average(values, axis, returned=True, keepdims=keepdims, **args)
    assert isinstance(pair, tuple) and len(pair) == 2
    fn = sd.compile(list(pair), inputs=[a] if weights is None else [a, w])
    for got in (sd.evaluate(list(pair), inputs), fn(*inputs.values())):
        for g, n, x in zip(got, pair, want):
            assert g.shape == n.shape == np.shape(x) and g.dtype == n.dtype == np.asarray(x).dtype
            np.testing.assert_allclose(g, x, rtol=1e-6 if dtype == "float32" else 1e-13)
    assert pair[0] is sd.average(a, axis, w if weights is not None else None, keepdims=keepdims)
    if weights is not None and dtype == "float64":
        # a weight along one axis is in every element of the broadcast sum, a full one in one
        gw = sd.evaluate(sd.grad(sd.sum(pair[1]), w), inputs)
        np.testing.assert_array_equal(gw, np.full(weights, pair[1].size if len(weights) == 1 else 1.0))


def test_average_returned_counts_a_named_dimension_when_it_runs():
    x = sd.var("x", ("n", 3))
    mean, count = sd.average(x, axis=0, returned=True)
    assert count.shape == (3,) and count.dtype == np.float64
    for n in (1, 4):
        values = rng.standard_normal((n, 3))
        want = np.average(values, axis=0, returned=True)
        for got in (sd.evaluate([mean, count], {"x": values}), sd.compile([mean, count], inputs=[x])(values)):
            np.testing.assert_allclose(got[0], want[0], rtol=1e-14)
            np.testing.assert_array_equal(got[1], want[1])


def test_concatenate_with_axis_none_flattens_first():
    a, s = sd.var("a", shape=(2, 3)), sd.var("s")
    e = sd.concatenate([a, s, 2 * a], axis=None)
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(sd.evaluate(e, {"a": A, "s": 7.0}), np.concatenate([A, 7.0, 2 * A], axis=None))
    np.testing.assert_array_equal(sd.evaluate(sd.grad(sd.sum(e), a), {"a": A, "s": 7.0}), np.full((2, 3), 3.0))


def test_empty_list_index_selects_nothing_as_in_numpy():
    x = sd.var("x", shape=(4, 3))
    X = np.arange(12.0).reshape(4, 3)
    for e, want in ((x[[]], X[[]]), (x[:, []], X[:, []])):
        got = sd.evaluate(e, {"x": X})
        assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(sd.evaluate(sd.grad(sd.sum(x[[]]), x), {"x": X}), np.zeros((4, 3)))



def test_a_zero_d_integer_array_indexes_as_the_int_it_holds():
    x, v = sd.var("x", shape=(3, 4, 5)), sd.var("v", shape=("n",))
    X = np.arange(60.0).reshape(3, 4, 5)
    for as_int, as_array in (
            ((2,), (np.array(2),)), ((-1,), (np.array(-1, np.int8),)), ((1, 2), (np.int64(1), np.array(2))),
            ((slice(None), 1, [0, 2]), (slice(None), np.array(1, np.uint8), [0, 2])),
            (([0, 1], slice(None), 1), ([0, 1], slice(None), np.array(1)))):
        e = x[as_array]
        assert e is x[as_int]  # the same node: a static int, not an index array
        want = X[as_array]
        for got in (sd.evaluate(e, {x: X}), sd.compile(e, inputs=[x])(X)):
            assert got.shape == want.shape
            np.testing.assert_array_equal(got, want)
    assert v[np.array(0)] is v[0]
    assert sd.take(x, np.array(2), axis=1) is sd.take(x, 2, axis=1)
    with pytest.raises(sd.OutOfBoundsError, match=r"index 3 is out of bounds for axis 0 with size 3"):
        x[np.array(3)]
    with pytest.raises(sd.OutOfBoundsError, match=r"take: index 5 is out of bounds for axis 2"):
        sd.take(x, np.array(5), axis=2)


def test_one_hot_text_keeps_its_dtype_and_named_depth():
    labels = sd.var("l", shape=(3,), dtype="int64")
    for e, text in ((sd.one_hot(labels, 4, dtype="float32"), "one_hot(l, 4, dtype='float32')"),
                    (sd.one_hot(labels, "k"), "one_hot(l, 'k')")):
        assert str(e) == text
        assert sd.parse(text, shapes={"l": labels}) is e


def test_gradient_of_roll_is_the_roll_a_user_would_write():
    x = sd.var("x", shape=(5,))
    g = sd.vjp(sd.roll(x, 2), x, sd.var("g", shape=(5,)))
    assert g is sd.roll(sd.var("g", shape=(5,)), 3)  # -2 normalized, as roll(g, -2) is


def _numpy_namesake(name: str):
    """NumPy's function or ufunc of the same name, or None."""
    if name.startswith("linalg."):
        return getattr(np.linalg, name[len("linalg."):], None)
    return getattr(np, {"variance": "var"}.get(name, name), None)


def test_numpy_functions_given_variables_build_the_same_nodes():
    # np.<name>(variables) dispatches to sd.<name>: for every sample of a function NumPy has,
    # the same node (interning makes equal graphs one object), so code written with np.* traces
    checked = 0
    for sample in SAMPLES:
        np_fn = _numpy_namesake(sample.name)
        if sample.call is not None or np_fn is None or not callable(np_fn):
            continue
        node, variables = sample.build()
        if not any(isinstance(a, sd.Node) for a in [variables.get(k) for k in range(len(sample.args))]):
            continue
        args = [variables.get(k, a) for k, a in enumerate(sample.args)]
        if not isinstance(args[0], sd.Node) and not isinstance(np_fn, np.ufunc):
            continue  # NumPy dispatches on the arguments it knows as arrays, the first of them here
        assert np_fn(*args, **sample.kwargs) is node, str(sample)
        checked += 1
    assert checked > 300


def test_a_function_written_with_numpy_traces_into_a_graph():
    def loss(W, b, x, t):  # plain NumPy, as for arrays
        h = np.tanh(W @ x + b)
        return np.mean((h - t) ** 2) + 0.01 * np.linalg.norm(W) ** 2

    rng = np.random.default_rng(3)
    values = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(4),
              "x": rng.standard_normal(3), "t": rng.standard_normal(4)}
    variables = {k: sd.var(k, shape=v.shape) for k, v in values.items()}
    f = loss(**variables)
    assert isinstance(f, sd.Node)
    np.testing.assert_allclose(sd.evaluate(f, values), loss(**values), rtol=1e-14)
    gW = sd.grad(f, variables["W"])
    eps = 1e-6
    bumped = {**values, "W": values["W"].copy()}
    bumped["W"][1, 2] += eps
    lowered = {**values, "W": values["W"].copy()}
    lowered["W"][1, 2] -= eps
    fd = (loss(**bumped) - loss(**lowered)) / (2 * eps)
    np.testing.assert_allclose(sd.evaluate(gW, values)[1, 2], fd, rtol=1e-6)


def test_quantiles_of_slices_with_nan_are_nan_as_numpys():
    values = np.array([[1.0, np.nan, 2.0, 0.5], [3.0, 1.0, -2.0, 0.0]])
    x = sd.var("x", (2, 4))
    for method in ("linear", "lower", "midpoint", "inverted_cdf"):
        got = sd.evaluate(sd.quantile(x, [0.1, 0.5], axis=1, method=method), {"x": values})
        np.testing.assert_array_equal(got, np.quantile(values, [0.1, 0.5], axis=1, method=method))
    assert np.isnan(sd.evaluate(sd.median(x), {"x": values}))
    # the gradient still reaches the row without nan, and only its two middle values
    g = sd.evaluate(sd.grad(sd.sum(sd.median(x, axis=1) * [0.0, 1.0]), x), {"x": values})
    np.testing.assert_array_equal(g, [[0, 0, 0, 0], [0, 0.5, 0, 0.5]])


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int8", "bool"])
@pytest.mark.parametrize("shape, axis, keepdims", [((3, 0), 1, False), ((3, 0), -1, True), ((0, 3), 0, False),
                                                   ((0, 3), None, False), ((0,), None, True),
                                                   ((2, 0, 3), (1, 2), False)])
def test_median_of_no_values_is_nan_as_numpys(dtype, shape, axis, keepdims):
    """np.median is the mean of the middle values: of none, nan in mean's dtype (float64 for
    integers and booleans), with a RuntimeWarning; quantile and percentile refuse (op_table)."""
    x = sd.var("x", shape, dtype)
    node = sd.median(x, axis=axis, keepdims=keepdims)
    values = np.zeros(shape, dtype)
    with pytest.warns(RuntimeWarning):
        want = np.median(values, axis=axis, keepdims=keepdims)
    assert node.shape == want.shape and node.dtype == want.dtype
    with np.errstate(invalid="ignore"):
        for got in (sd.evaluate(node, {"x": values}, simplify=False), sd.evaluate(node, {"x": values}),
                    sd.compile(node)(values)):
            assert got.dtype == want.dtype and got.shape == want.shape
            assert np.isnan(want).all() and np.isnan(got).all()
    if x.type.is_float:  # no values to differentiate by: an empty gradient
        g = sd.evaluate(sd.grad(sd.sum(node), x), {"x": values})
        assert g.shape == shape and g.dtype == values.dtype


_QUANTILE_VALUES = {name: np.array([4.0, -1.5, 2.5, 9.0, 0.0, 7.25]).astype(name)
                    for name in ("float64", "float32", "float16", "int64", "int8", "uint8")}
_QUANTILE_VALUES["bool"] = np.array([True, False, True, True, False, True])
# NumPy's dtype depends on q's form: a Python number is weakly typed, a NumPy scalar or array
# is not, and an integer q keeps linear's positions integer (no mix). (An unsigned integer
# array q is left out: NumPy overflows on it with some methods, computing its positions.)
_QUANTILE_QS = {"float": 0.3, "int": 1, "zero": 0, "bool": True, "float64-scalar": np.float64(0.3),
                "float32-scalar": np.float32(0.3), "float16-scalar": np.float16(0.3), "list": [0.3, 1.0],
                "int-list": [0, 1], "float32-array": np.array([0.3, 0.8], np.float32),
                "float16-array": np.array([0.3, 0.8], np.float16), "int-0d": np.array(1),
                "bool-array": np.array([True, False])}


@pytest.mark.parametrize("function, scale", [(sd.quantile, 1), (sd.percentile, 100)])
@pytest.mark.parametrize("dtype", list(_QUANTILE_VALUES))
def test_quantile_dtypes_values_and_refusals_are_numpys(function, scale, dtype):
    values = _QUANTILE_VALUES[dtype]
    x = sd.var("x", values.shape, dtype)
    reference = getattr(np, function.__name__)
    for q_name, q in _QUANTILE_QS.items():
        if scale != 1:  # the same forms, scaled (a Python number stays one)
            q = (type(q)(q * scale) if isinstance(q, (int, float)) and not isinstance(q, bool) else
                 q if isinstance(q, bool) else (np.asarray(q) * scale).astype(np.asarray(q).dtype)
                 if np.asarray(q).dtype.kind != "b" else q)
        for method in sd.ops.order.METHODS:
            where = f"{function.__name__}({dtype}, q={q_name}, {method})"
            try:
                want = np.asarray(reference(values, q, method=method))
            except TypeError as e:  # booleans mixed: refused when the graph is built
                assert dtype == "bool" and "boolean subtract" in str(e), where
                with pytest.raises(sd.DTypeError, match=rf"^{function.__name__}: method='{method}' mixes "
                                   r"two neighbouring values, which NumPy cannot do for dtype bool"):
                    function(x, q, method=method)
                continue
            node = function(x, q, method=method)
            assert node.dtype == want.dtype and node.shape == want.shape, where
            got = sd.evaluate(node, {"x": values}, simplify=False)
            assert got.dtype == want.dtype, where
            np.testing.assert_array_equal(got, want, err_msg=where)
            np.testing.assert_array_equal(sd.compile(node, simplify=False)(values), got, err_msg=where)


@pytest.mark.parametrize("q", [0.37, [0.1, 0.37, 0.9], np.array([0.1, 0.37, 0.9], np.float16),
                               np.array([0.1, 0.37, 0.9], np.float32), np.float16(0.37)],
                         ids=["float", "list", "float16-array", "float32-array", "float16-scalar"])
def test_float16_quantiles_round_as_numpys(q):
    """NumPy subtracts the two neighbours in float16, the values' dtype, and mixes them in the
    result's (float64 for a list q), and places them in q's own dtype, grouped as it does."""
    values = (rng.standard_normal((40, 9)) * 30).astype(np.float16)
    x = sd.var("x", values.shape, "float16")
    for method in sd.ops.order.METHODS:
        node = sd.quantile(x, q, axis=1, method=method)
        want = np.quantile(values, q, axis=1, method=method)
        got = sd.evaluate(node, {"x": values}, simplify=False)
        assert got.dtype == want.dtype, method
        np.testing.assert_array_equal(got, want, err_msg=method)
        np.testing.assert_array_equal(sd.compile(node, simplify=False)(values), want, err_msg=method)


def test_quantile_gradient_in_a_wider_result_dtype_is_the_inputs():
    # float32 values mixed in float64 (a list q): the gradient comes back in float32, with the
    # weights of the float64 values' gradient
    values = np.array([[4.0, -1.5, 2.5, 9.0], [0.0, 7.25, -3.0, 1.0]])
    wide, narrow = sd.var("w", (2, 4)), sd.var("n", (2, 4), "float32")
    ct = np.array([[1.0, -2.0], [0.5, 3.0]])
    for method in ("linear", "hazen", "midpoint"):
        g_wide = sd.evaluate(sd.grad(sd.sum(sd.quantile(wide, [0.3, 0.8], axis=1, method=method) * ct), wide),
                             {"w": values})
        node = sd.quantile(narrow, [0.3, 0.8], axis=1, method=method)
        assert node.dtype == np.float64
        g = sd.evaluate(sd.grad(sd.sum(node * ct), narrow), {"n": values.astype(np.float32)})
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, g_wide, rtol=1e-6)
        assert np.count_nonzero(g) > 0


def test_median_gradient_picks_the_middle_values():
    x = sd.var("x", (5,))
    values = np.array([4.0, -1.0, 2.5, 9.0, 0.0])
    np.testing.assert_array_equal(sd.evaluate(sd.grad(sd.median(x), x), {"x": values}), [0, 0, 1, 0, 0])
    y = sd.var("y", (4,))
    g = sd.evaluate(sd.grad(sd.median(y), y), {"y": values[:4]})
    np.testing.assert_array_equal(g, [0.5, 0, 0.5, 0])  # (2.5 + 4) / 2


def test_percentile_is_quantile_of_q_over_100():
    x = sd.var("x", (3, 4))
    assert sd.percentile(x, [25, 50], axis=0) is sd.quantile(x, [0.25, 0.5], axis=0)
    assert sd.median(x, axis=0) is sd.quantile(x, 0.5, axis=0)  # an odd count: the middle value


@pytest.mark.parametrize("simplify", [False, True])
def test_median_is_the_mean_of_the_middle_values_as_numpys(simplify):
    """np.median averages the two middle values, where np.quantile mixes them from the nearer
    end: they differ at infinities (the median of [1, inf] is inf, its 0.5-quantile inf - inf)
    and in float16, whose mean NumPy takes in float32."""
    values = np.array([[1.0, np.inf], [np.inf, np.inf], [-np.inf, -np.inf], [-np.inf, np.inf],
                       [2.0, -1.0]])
    x = sd.var("x", (5, 2))
    with np.errstate(invalid="ignore"):
        for node in (sd.median(x, axis=1), sd.median(x.T, axis=0, keepdims=True)):
            got = sd.evaluate(node, {"x": values}, simplify=simplify)
            np.testing.assert_array_equal(got, np.median(values.T if node.ndim == 2 else values,
                                                         axis=0 if node.ndim == 2 else 1,
                                                         keepdims=node.ndim == 2))
            np.testing.assert_array_equal(sd.compile(node)(values), got)
    halves = np.array([0.991, -3.91, -1.611, 1.743], np.float16)  # -1.46 by quantile's mix
    h = sd.var("h", (2, 2), "float16")
    got = sd.evaluate(sd.median(h, axis=1), {"h": halves.reshape(2, 2)}, simplify=simplify)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, np.median(halves.reshape(2, 2), axis=1))


def _fd_gradient(f, values: np.ndarray, ct: np.ndarray) -> np.ndarray:
    """d<ct, f(values)>/d values by central differences, element by element."""
    out = np.zeros(values.shape)
    for i in np.ndindex(values.shape):
        e = np.zeros(values.shape)
        e[i] = H
        out[i] = np.sum(ct * (f(values + e) - f(values - e))) / (2 * H)
    return out


# along a named dimension, and along a static axis of an array with a named one elsewhere
_ALONG_NAMED = {
    "median": (lambda x: sd.median(x, axis=0), lambda a: np.median(a, axis=0)),
    "median-keepdims": (lambda x: sd.median(x.T, axis=-1, keepdims=True),
                        lambda a: np.median(a.T, axis=-1, keepdims=True)),
    "quantile": (lambda x: sd.quantile(x, [0.0, 0.3, 0.5, 0.75, 1.0], axis=0),
                 lambda a: np.quantile(a, [0.0, 0.3, 0.5, 0.75, 1.0], axis=0)),
    "quantile-float32-q": (lambda x: sd.quantile(x, np.float32(0.3), axis=0, method="hazen"),
                           lambda a: np.quantile(a, np.float32(0.3), axis=0, method="hazen")),
    "percentile-midpoint": (lambda x: sd.percentile(x, [10, 60], axis=(0,), method="midpoint"),
                            lambda a: np.percentile(a, [10, 60], axis=(0,), method="midpoint")),
    "median-static-axis": (lambda x: sd.median(x, axis=1), lambda a: np.median(a, axis=1)),
    "quantile-static-axis": (lambda x: sd.quantile(x, 0.3, axis=-1, keepdims=True),
                             lambda a: np.quantile(a, 0.3, axis=-1, keepdims=True)),
    "trapezoid": (lambda x: sd.trapezoid(x, axis=0), lambda a: np.trapezoid(a, axis=0)),
    "trapezoid-dx": (lambda x: sd.trapezoid(x.T, dx=0.25), lambda a: np.trapezoid(a.T, dx=0.25)),
    "trapezoid-x1d": (lambda x: sd.trapezoid(x.T, x[:, 0] ** 3), lambda a: np.trapezoid(a.T, a[:, 0] ** 3)),
    "trapezoid-x2d": (lambda x: sd.trapezoid(x, sd.exp(x), axis=0),
                      lambda a: np.trapezoid(a, np.exp(a), axis=0)),
    "trapezoid-static-axis": (lambda x: sd.trapezoid(x, axis=1), lambda a: np.trapezoid(a, axis=1)),
    "diff-static-axis": (lambda x: sd.diff(x, 2, axis=1), lambda a: np.diff(a, 2, axis=1)),
}


@pytest.mark.parametrize("name", sorted(_ALONG_NAMED))
def test_order_statistics_and_integrals_along_a_named_dimension_are_numpys(name):
    """median, quantile, percentile and trapezoid along a named dimension of n values: the
    positions picked (and the last term of the integral) computed from n when the function runs.
    Values as NumPy's for several n (evaluated without rewriting to the bit, compiled within the
    rounding of q's dtype, as rewriting regroups the positions' arithmetic), and gradients
    against central differences."""
    build, ref = _ALONG_NAMED[name]
    x = sd.var("x", ("n", 4))
    node = build(x)
    assert ("n" in node.shape) == name.endswith("static-axis")
    fn = sd.compile(node, inputs=[x])
    ct = sd.var("ct", node.shape)
    (g,) = sd.vjp(node, [x], ct)
    exact = name.startswith(("median", "quantile", "percentile"))  # values picked, not summed
    for n in (1, 2, 5, 6):
        values = rng.permutation(4 * n).reshape(n, 4) * 0.1 + rng.uniform(0, 0.01, (n, 4))
        want = ref(values)
        got = sd.evaluate(node, {"x": values}, simplify=False)
        assert got.dtype == want.dtype and got.shape == want.shape, n
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
        tol = 1e-6 if "float32" in name else 1e-14
        np.testing.assert_allclose(fn(values), want, rtol=tol, atol=tol)
        ct_value = rng.standard_normal(want.shape)
        # keyed by variable: a gradient that does not read x still learns n from it
        np.testing.assert_allclose(sd.evaluate(g, {x: values, ct: ct_value}), _fd_gradient(ref, values, ct_value),
                                   rtol=1e-6, atol=1e-7, err_msg=f"n={n}")


def test_trapezoid_along_a_named_dimension_of_no_values_or_one_is_zero():
    y, t = sd.var("y", (2, "n")), sd.var("t", ("n",))
    node = sd.trapezoid(y, t)
    for n in (0, 1):
        values, points = rng.standard_normal((2, n)), rng.standard_normal(n)
        want = np.trapezoid(values, points)
        compiled = sd.compile(node, inputs=[y, t])(values, points)
        for got in (sd.evaluate(node, {"y": values, "t": points}), compiled):
            np.testing.assert_array_equal(got, want)
            assert got.dtype == want.dtype and not want.any()


def test_an_infinite_last_value_stays_out_of_a_trapezoid_along_a_named_dimension_as_numpys():
    # the last position has no next value: its term is left out, not 0 * (inf + inf) = nan
    y = sd.var("y", ("n",))
    values = np.array([1.0, 2.0, np.inf])
    np.testing.assert_array_equal(sd.evaluate(sd.trapezoid(y), {"y": values}), np.trapezoid(values))
    values = np.array([1.0, 2.0, 4.0])
    g = sd.evaluate(sd.grad(sd.trapezoid(y, dx=2.0), y), {y: values})  # by variable: g reads only n
    np.testing.assert_array_equal(g, [1.0, 2.0, 1.0])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_linspace_between_expressions_is_numpys_arithmetic(dtype):
    starts = rng.standard_normal(4).astype(dtype) * 100
    stops = rng.standard_normal((3, 1)).astype(dtype)
    a, b = sd.var("a", (4,), dtype), sd.var("b", (3, 1), dtype)
    for num, endpoint, axis in [(7, True, 0), (50, True, -1), (6, False, 1), (1, True, 0), (2, True, 2)]:
        node = sd.linspace(a, b, num, endpoint=endpoint, axis=axis)
        got = sd.evaluate(node, {"a": starts, "b": stops}, simplify=False)
        want = np.linspace(starts, stops, num, endpoint=endpoint, axis=axis)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        # simplify reassociates the arithmetic (x / 6 -> x * (1/6)), as everywhere: to rounding
        compiled = sd.compile(node, inputs=[a, b])(starts, stops)
        scale = np.finfo(dtype).eps * 1000  # bounds of size 100: a few roundings of them
        np.testing.assert_allclose(compiled, want, rtol=scale, atol=scale)


# -- cases from NumPy's own behaviour at the edges ------------------------------------------------


def _against_numpy(build, values: dict[str, np.ndarray]) -> None:
    """``build`` applied to variables of the values' shapes and dtypes computes, in the evaluator
    and in generated code, what it computes on the NumPy arrays themselves: value, shape, dtype."""
    vs = [sd.var(k, v.shape, v.dtype) for k, v in values.items()]
    node = build(*vs)
    want = build(*values.values())
    for got in (sd.evaluate(node, values), sd.compile(node, inputs=vs)(*values.values())):
        got = np.asarray(got)
        assert (got.shape, got.dtype) == (want.shape, want.dtype)
        np.testing.assert_array_equal(got, want)


def test_vdot_of_booleans_is_boolean_as_numpys():
    # the conjugate was taken of every input, and NumPy's conjugate of booleans is int8
    a, b = np.array([[True, False], [True, True]]), np.array([[True, True], [False, True]])
    _against_numpy(lambda a, b: np.vdot(a, b) if isinstance(a, np.ndarray) else sd.vdot(a, b),
                   {"a": a, "b": b})
    _against_numpy(lambda a, b: np.vdot(a, b) if isinstance(a, np.ndarray) else sd.vdot(a, b),
                   {"a": a.astype(np.int8), "b": (b * 3).astype(np.uint8)})


def test_unary_plus_of_booleans_is_refused_as_numpys():
    with pytest.raises(TypeError, match="positive"):
        +np.array([True])
    with pytest.raises(TypeError, match="positive: booleans"):
        +sd.var("b", (2,), "bool")
    x = sd.var("x", (2,), "int8")
    assert +x is x


ZERO_D_BOOLEANS = [
    True, False, np.True_, np.array(False), (0, True), (True, 0), (Ellipsis, True),
    (True, Ellipsis, False), (slice(None), True, 1), (np.array([0, 1]), True),
    (np.array([0, 1]), slice(None), True), (True, np.array([[0], [1]]), None, slice(1, 3)),
    (None, True, None), (True, True), (0, 0, 0, True), (Ellipsis, 1, False, slice(None, None, -1)),
]


@pytest.mark.parametrize("idx", ZERO_D_BOOLEANS, ids=repr)
def test_a_constant_0d_boolean_index_adds_an_axis_as_numpys(idx):
    # NumPy reads it as a new axis of length 1 under the mask [True] or [False]
    x = rng.standard_normal((2, 3, 4))
    _against_numpy(lambda x: x[idx], {"x": x})


def test_indexing_a_0d_array_with_a_0d_boolean_as_numpys():
    for idx in (True, False, (Ellipsis, True), (None, False)):
        _against_numpy(lambda x: x[idx], {"x": np.array(3.0)})


def test_a_0d_boolean_index_passes_the_gradient_back():
    x = sd.var("x", (2, 3, 4))
    at = rng.standard_normal((2, 3, 4))
    weights = rng.standard_normal((2, 3, 1, 4))
    f = sd.sum(sd.sin(x[:, :, True]) * weights) + sd.sum(sd.exp(x[0, False]))
    g = sd.evaluate(sd.grad(f, x), {"x": at})
    np.testing.assert_allclose(g, np.cos(at) * weights[:, :, 0], rtol=1e-12)
    d = rng.standard_normal(at.shape)
    fd = (sd.evaluate(f, {"x": at + H * d}) - sd.evaluate(f, {"x": at - H * d})) / (2 * H)
    np.testing.assert_allclose(np.sum(g * d), fd, rtol=1e-6)


def test_too_many_indices_beside_a_0d_boolean_name_the_shape_as_given():
    with pytest.raises(sd.OutOfBoundsError, match=r"shape \(2, 3\): 3 were given"):
        sd.var("x", (2, 3))[True, True, 0, 0, 0]
    with pytest.raises(NotImplementedError, match="symbolic boolean mask"):
        sd.var("x", (2, 3))[sd.var("b", (), "bool")]


@pytest.mark.parametrize("dtype", ["float64", "float32", "int8", "uint8", "complex64"])
def test_where_takes_a_condition_of_numbers_as_their_truth_as_numpys(dtype):
    cond = np.array([[0, 1, -2], [0.5, np.nan, 0]]) if dtype[0] in "fc" else np.array([[0, 1, 2], [3, 0, 0]])
    cond = (cond * (1 - 1j) if dtype[0] == "c" else cond).astype(dtype)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    _against_numpy(lambda c, a, b: np.where(c, a, b) if isinstance(c, np.ndarray) else sd.where(c, a, b),
                   {"c": cond, "a": a, "b": b})
    x = sd.var("a", (2, 3))  # the gradient goes to the branch the condition picks
    g = sd.evaluate(sd.grad(sd.sum(sd.where(sd.const(cond), x * x, 0.0)), x), {"a": a})
    np.testing.assert_array_equal(g, np.where(cond, 2 * a, 0.0))


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
def test_pad_gradient_adds_every_copy_back_to_the_element_it_copies(mode):
    # the positions each padded element copies, from NumPy's own padding of the positions; the
    # gradient of sum(w * pad(x)) is then, at each element, the sum of w over its copies
    x = sd.var("x", (3, 4))
    widths = ((4, 1), (2, 6))
    w = np.random.default_rng(0).standard_normal((8, 12))
    g = sd.evaluate(sd.grad(sd.sum(sd.pad(x, widths, mode=mode) * w), x), {"x": np.zeros((3, 4))})
    positions = np.pad(np.arange(12).reshape(3, 4), widths, mode=mode)
    expected = np.bincount(positions.ravel(), weights=w.ravel(), minlength=12).reshape(3, 4)
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    assert sd.to_text(sd.pad(x, 1, mode=mode)) == f"pad(x, ((1, 1), (1, 1)), mode='{mode}')"


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric", "wrap"])
def test_pad_modes_convert_to_sympy_as_numpy_pads(mode):
    x = sd.var("x", (3,))
    expr = sd.to_sympy(sd.pad(x, (2, 4), mode=mode))
    names = np.array([f"x[{k}]" for k in range(3)], dtype=object)
    assert [str(e) for e in np.asarray(expr).ravel()] == np.pad(names, (2, 4), mode=mode).tolist()


@pytest.mark.parametrize("mode", ["wrap", "clip"])
def test_take_with_variable_indices_wraps_or_clips_them_when_it_runs(mode):
    x, i = sd.var("x", (5, 2)), sd.var("i", (7,), dtype="int64")
    expr = sd.take(x, i, axis=0, mode=mode)
    xv = np.arange(10.0).reshape(5, 2)
    iv = np.array([-11, -6, -1, 0, 4, 5, 12])
    for run in (lambda: sd.evaluate(expr, {"x": xv, "i": iv}), lambda: sd.compile(expr, inputs=[x, i])(xv, iv)):
        np.testing.assert_array_equal(run(), np.take(xv, iv, axis=0, mode=mode))
    g = sd.evaluate(sd.grad(sd.sum(expr), x), {"x": xv, "i": iv})
    picked = np.mod(iv, 5) if mode == "wrap" else np.clip(iv, 0, 4)
    np.testing.assert_array_equal(g[:, 0], np.bincount(picked, minlength=5))


# -- complex values in order-based functions -----------------------------------------------------

_ORDERED_COMPLEX = {
    "sort": lambda z: sd.sort(z, axis=1), "sort_flat": lambda z: sd.sort(z, axis=None),
    "max": lambda z: sd.max(z, axis=0), "min": lambda z: sd.min(z, axis=1, keepdims=True),
    "max_all": lambda z: sd.max(z), "median_odd": lambda z: sd.median(z, axis=0),
    "median_even": lambda z: sd.median(z, axis=1),
}


@pytest.mark.parametrize("name", sorted(_ORDERED_COMPLEX))
def test_complex_order_functions_differentiate_as_jax_convention(name):
    # for real f of z = a + ib, grad is df/da - i df/db; the order (by real part, then imaginary
    # part) is constant near distinct real parts, where finite differences see it
    rng = np.random.default_rng(7)
    Z = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    C = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    z = sd.var("z", (3, 4), "complex128")
    y = _ORDERED_COMPLEX[name](z)
    c = C.reshape(-1)[:math.prod(y.shape)].reshape(y.shape)  # weights of each output's parts
    loss = sd.sum(sd.real(y * c))
    got = sd.evaluate(sd.grad(loss, z), {"z": Z})
    assert np.array_equal(sd.compile(sd.grad(loss, z), inputs=[z])(Z), got)

    def f(values):
        return float(sd.evaluate(loss, {"z": values}))

    h = 1e-6
    want = np.zeros_like(Z)
    for k in np.ndindex(Z.shape):
        for unit, part in ((1.0, 1.0), (1j, -1j)):
            step = np.zeros_like(Z)
            step[k] = unit * h
            want[k] += part * (f(Z + step) - f(Z - step)) / (2 * h)
    np.testing.assert_allclose(got, want, atol=1e-7)


def test_complex_order_functions_agree_with_numpy_at_nan_and_ties():
    Z = np.array([[1 + 2j, 1 + 3j, 9j, 1 + 3j], [complex(1, np.nan), 2, -1j, 3 + 1j],
                  [complex(np.nan, 0), 5j, 1, complex(np.inf, -1)]])
    z = sd.var("z", Z.shape, "complex128")
    for name in ("sort", "argsort", "argmax", "argmin", "max", "min", "median"):
        for kw in ({}, {"axis": 0}, {"axis": 1}):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                want = getattr(np, name)(Z, **kw)
                e = sd.FUNCTIONS[name](z, **kw)
                got = sd.evaluate(e, {"z": Z})
                compiled = sd.compile(e, inputs=[z])(Z)
            for out in (got, compiled):
                assert out.dtype == want.dtype == e.dtype and out.shape == np.shape(want), (name, kw)
                np.testing.assert_array_equal(out, want, err_msg=f"{name} {kw}")
    with pytest.raises(sd.DTypeError, match=r"^quantile: a must be an array of real numbers"):
        sd.quantile(z, 0.5)
    # equal real parts: the imaginary part decides which element the gradient goes to
    v = sd.var("v", (3,), "complex128")
    V = np.array([1 + 1j, 1 + 2j, 5j])
    for e, want in [(sd.max(v), [0, 1, 0]), (sd.min(v), [0, 0, 1]), (sd.sort(v)[1], [1, 0, 0])]:
        np.testing.assert_array_equal(sd.evaluate(sd.grad(sd.real(e), v), {"v": V}), want)
