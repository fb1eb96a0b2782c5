"""Taylor mode (``sd.taylor``, ``sd.derivative``): every op's coefficients against nested
forward mode, closed forms, SymPy, the seed function's sizes, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

import symdiff as sd
from symdiff.autodiff import _jvp_by_transpose
from symdiff.ops.base import const_value
from op_table import SAMPLES, Sample, idfn

rng = np.random.default_rng(7)


def _nested_jvp(node: sd.Node, wrt: list[sd.Node], us: list[sd.Node], order: int) -> list[sd.Node]:
    """d^k/dt^k node(wrt + t*us) for k = 0..order, by reverse mode k times (each jvp the
    transpose of a vjp): independent of Taylor mode."""
    out = [node]
    for _ in range(order):
        y = out[-1]
        out.append(_jvp_by_transpose(y, wrt, us) if y.type.is_float else sd.zeros(y.shape))
    return out


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.grad and s.float_args() and s.order2],
                         ids=idfn)
def test_every_op_matches_nested_forward_mode(sample: Sample):
    """The coefficients up to order 3 along a random direction in every float argument are the
    derivatives of repeated jvp, divided by k!."""
    node, vs = sample.build()
    ks = sample.float_args()
    wrt = [vs[k] for k in ks]
    us = [sd.const(rng.standard_normal(sample.args[k].shape)) for k in ks]
    coeffs = sd.taylor(node, wrt, 3, direction=us)
    assert len(coeffs) == 4 and coeffs[0] is node
    want = sd.evaluate(_nested_jvp(node, wrt, us, 3), sample.inputs())
    got = sd.evaluate(coeffs, sample.inputs())
    for k, (g, w) in enumerate(zip(got, want)):
        # the derivatives of an integer output (argsort) are float64 zeros
        dtype = node.dtype if k == 0 or node.type.is_float else np.float64
        assert g.shape == node.shape and g.dtype == dtype
        np.testing.assert_allclose(g * math.factorial(k), w, rtol=1e-8, atol=1e-9,
                                   err_msg=f"order {k}")
    # the placeholders of the jvp-derived rules never reach the result
    assert not any(n.op.name == "slot" for n in sd.toposort(coeffs))


x_, y_ = sd.symbols("x y")
SEED = (x_ + sd.sigmoid(y_)) / (sd.sigmoid(x_) + (x_ + y_) ** 2)


@pytest.mark.parametrize("build", [
    lambda x: SEED,
    lambda x: sd.sin(x) * x,
    lambda x: sd.exp(sd.sin(x)) / (1 + x ** 2),
    lambda x: sd.log(1 + x ** 2) * sd.tanh(x) ** 3,
    lambda x: sd.sqrt(1 + x ** 2) - sd.cos(x) ** 4,
    lambda x: sd.sigmoid(x * y_) ** 2 + x ** 2.5,
    lambda x: sd.arctan(x) + sd.softplus(x) * sd.erf(x),
], ids=["seed", "x sin x", "exp sin / (1+x^2)", "log tanh^3", "sqrt cos^4", "sigmoid x^2.5",
        "arctan softplus erf"])
def test_derivatives_up_to_order_6_match_sympy(build):
    f = build(x_)
    ds = [sd.derivative(f, x_, k) for k in range(1, 7)]
    values = {"x": 0.7, "y": -0.4}
    got = sd.evaluate(ds, values)
    fs = sd.to_sympy(f)
    syms = {s.name: s for s in fs.free_symbols}
    at = {syms[name]: v for name, v in values.items() if name in syms}
    for k, g in enumerate(got, start=1):
        want = float(sympy.diff(fs, syms["x"], k).subs(at).evalf(30))
        assert g == pytest.approx(want, rel=1e-9, abs=1e-9), f"order {k}"


def test_closed_forms():
    x = sd.var("x")
    c = sd.evaluate(sd.taylor(sd.exp(2 * x), x, 4), {"x": 0.3})
    np.testing.assert_allclose(c, np.exp(0.6) * np.array([1, 2, 2, 4 / 3, 2 / 3]), rtol=1e-14)
    c = sd.evaluate(sd.taylor(1 / (1 - x), x, 6), {"x": 0.5})
    np.testing.assert_allclose(c, 2.0 ** np.arange(1, 8), rtol=1e-14)
    c = sd.evaluate(sd.taylor(sd.log(x), x, 5), {"x": 2.0})
    np.testing.assert_allclose(c[1:], [(-1) ** (k + 1) / (k * 2.0 ** k) for k in range(1, 6)],
                               rtol=1e-14)
    # an integer power is a Cauchy product: exact at 0, where a recurrence dividing by x fails
    c = sd.evaluate(sd.taylor(x ** 3, x, 5), {"x": 0.0})
    np.testing.assert_array_equal(c, [0, 0, 0, 1, 0, 0])
    c = sd.evaluate(sd.taylor(sd.sin(x), x, 5), {"x": 0.0})
    np.testing.assert_allclose(c, [0, 1, 0, -1 / 6, 0, 1 / 120], atol=1e-16)


def test_seed_derivatives_grow_less_than_twice_per_order():
    """The k-th derivative in x of the seed function, simplified: Taylor mode builds the
    orders together, so each order adds a few products per node instead of doubling."""
    sizes = [sd.count_nodes(SEED)]
    for k in range(1, 7):
        sizes.append(sd.count_nodes(sd.simplify(sd.derivative(SEED, x_, k))))
    growth = [b / a for a, b in zip(sizes, sizes[1:])]
    assert max(growth) < 2, sizes
    assert growth[-1] < 1.5, sizes  # the quadratic regime: (k+1)^2 / k^2 -> 1
    values = {"x": 3.0, "y": -4.0}
    d = SEED
    for k in range(1, 4):
        d = sd.grad(d, x_)
        np.testing.assert_allclose(sd.evaluate(sd.derivative(SEED, "x", k), values),
                                   sd.evaluate(d, values), rtol=1e-12)


def test_tensors_directions_and_several_variables():
    A = sd.var("A", shape=(3, 3))
    v = sd.var("v", shape=(3,))
    f = sd.sum(sd.tanh(A @ v) ** 2)
    # its own generator: the draws of the module's one depend on the size of the op table
    own = np.random.default_rng(8)
    a, u = own.standard_normal((3, 3)), own.standard_normal(3)
    da, du = own.standard_normal((3, 3)), own.standard_normal(3)
    c = sd.taylor(f, [A, v], 2, direction=[da, du])
    got = sd.evaluate(c, {"A": a, "v": u})

    def line(t: float) -> float:
        return float(np.sum(np.tanh((a + t * da) @ (u + t * du)) ** 2))

    def central(h: float) -> float:
        return (line(h) - line(-h)) / (2 * h)

    h = 1e-4
    # Richardson's extrapolation of the central difference: error O(h^4), not O(h^2)
    np.testing.assert_allclose(got[1], (4 * central(h / 2) - central(h)) / 3, rtol=1e-7)
    np.testing.assert_allclose(got[2], (line(h) - 2 * line(0) + line(-h)) / (2 * h * h), rtol=1e-5)
    # float32 in, float32 coefficients out
    z = sd.var("z", shape=(4,), dtype="float32")
    c32 = sd.taylor(sd.sigmoid(z) * z, z, 3, direction=np.ones(4, np.float32))
    assert all(ci.dtype == np.float32 for ci in c32)
    out = sd.evaluate(c32, {"z": np.linspace(-1, 1, 4, dtype=np.float32)})
    assert all(o.dtype == np.float32 for o in out)


def test_generated_code_agrees_with_the_evaluator():
    ds = [sd.derivative(SEED, x_, k) for k in range(1, 5)]
    fn = sd.compile(ds, inputs=[x_, y_])
    np.testing.assert_allclose(fn(0.3, 1.2), sd.evaluate(ds, {"x": 0.3, "y": 1.2}), rtol=1e-12)


def test_constant_and_order_zero():
    x = sd.var("x")
    w = sd.var("w", shape=(2,))
    c = sd.taylor(sd.sum(w), x, 2)
    assert [sd.evaluate(ci, {"w": np.ones(2)}) for ci in c] == [2.0, 0.0, 0.0]
    assert sd.derivative(sd.sin(x), x, 0) is sd.sin(x)
    (only,) = sd.taylor(sd.sin(x), x, 0)
    assert only is sd.sin(x)



def test_zero_coefficients_of_a_named_shape_evaluate():
    X, y = sd.var("X", shape=("n", 3)), sd.var("y")
    T = sd.var("T", shape=("n", 3))
    values = {"X": np.ones((2, 3)), "y": 1.0, "T": np.ones((2, 3))}
    for zero in (sd.jvp(X * 2, y, 1.0), sd.taylor(X * y, y, 2)[2], sd.jvp(sd.stop_gradient(X), X, T)):
        out = sd.evaluate(zero, values)
        assert out.shape == (2, 3) and not out.any()

def test_a_deep_chain_is_walked_without_recursion():
    x = sd.var("x")
    z = x
    for _ in range(20_000):  # 20 times Python's recursion limit
        z = sd.sin(z)
    d2 = sd.derivative(z, x, 2)
    assert float(sd.evaluate(d2, {"x": 0.0}, simplify=False)) == 0.0  # sin^(n) is odd


@pytest.mark.parametrize("call, error, match", [
    (lambda: sd.taylor(sd.var("x") ** 2, "x", -1), ValueError, "order must be a non-negative integer"),
    (lambda: sd.taylor(sd.var("x") ** 2, "x", 1.5), ValueError, "order must be a non-negative integer"),
    (lambda: sd.derivative(sd.sum(sd.var("v", shape=(3,))), "v", 2), ValueError,
     r"^derivative: 'v' has shape \(3,\); give a direction of that shape"),
    (lambda: sd.derivative(sd.var("x") ** 2, "x", -1), ValueError,
     "^derivative: order must be a non-negative integer, got -1"),
    (lambda: sd.derivative(sd.sum(sd.var("v", shape=(3,))), "v", 2, direction=np.ones(2)),
     sd.ShapeError,
     r"^derivative: the direction of 'v' has shape \(2,\), but 'v' has shape \(3,\)"),
    (lambda: sd.taylor(sd.var("x") ** 2, "x", 2.0), ValueError, "^taylor: order must be"),
    (lambda: sd.taylor(sd.sum(sd.var("v", shape=(3,))), "v", 2, direction=np.ones(2)), sd.ShapeError,
     r"^taylor: the direction of 'v' has shape \(2,\), but 'v' has shape \(3,\)"),
    (lambda: sd.taylor(sd.var("x") * sd.var("y"), ["x", "y"], 2, direction=[1.0]), ValueError,
     "2 variables but 1 directions"),
    (lambda: sd.derivative(sd.var("k", dtype="int64") * 2, "k", 1), sd.NotDifferentiableError,
     "dtype int64 is not floating-point"),
])
def test_errors_name_the_problem(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_stable_forms_and_untaken_branches_stay_finite():
    """log(sigmoid(x)) goes through -softplus(-x), so no coefficient divides by a sigmoid that
    underflowed; where() picks coefficients, so the branch not taken leaves no NaN."""
    x = sd.var("x", shape=(3,))
    at = {"x": np.array([-800.0, 0.0, 800.0])}
    c = sd.evaluate(sd.taylor(sd.log(sd.sigmoid(x)), x, 3, direction=np.ones(3)), at)
    s = 1 / (1 + np.exp(-np.array([-800.0, 0.0, 800.0])))
    np.testing.assert_allclose(c[1], 1 - s)
    np.testing.assert_allclose(c[2], -s * (1 - s) / 2)
    assert np.all(np.isfinite(c[3]))
    guarded = sd.where(x > 0, sd.sqrt(x), 0.0)
    d = sd.evaluate(sd.jvp(guarded, x, np.ones(3)), {"x": np.array([-1.0, 0.0, 4.0])})
    np.testing.assert_array_equal(d, [0.0, 0.0, 0.25])


def test_integer_and_boolean_values_of_linear_ops_have_zero_coefficients():
    # x concatenated with integers, or where(c, x, i) with an integer i: the integer part is
    # constant, but its values were carried into every coefficient (jvp gave [1, 1, 3, 4])
    x = sd.var("x", (2,))
    i, b = sd.var("i", (2,), "int64"), sd.var("b", (2,), "bool")
    values = {"x": np.array([1.0, 2.0]), "i": np.array([3, 4]), "b": np.array([True, False])}
    u = np.array([0.5, -2.0])
    for f in [sd.concatenate([x, i]), sd.stack([i, x]), sd.concatenate([b, x]), sd.where(b, x, i),
              sd.where(b, i, x), sd.where(b, x, b), sd.concatenate([x, i])[i - 3] * x]:
        first = sd.evaluate(sd.jacobian(f, x), values) @ u
        second = sd.evaluate(sd.jacobian(sd.jacobian(f, x) @ u, x), values) @ u  # reverse mode
        got = sd.evaluate(sd.taylor(f, x, 2, direction=u)[1:], values)
        np.testing.assert_allclose(got[0], first, err_msg=str(f))
        np.testing.assert_allclose(got[1] * 2, second, err_msg=str(f))
        np.testing.assert_allclose(sd.evaluate(sd.jvp(f, x, u), values), first, err_msg=str(f))


def test_a_node_moved_with_a_variable_below_it_adds_its_tangent_as_the_jacobian_does():
    # jvp is the Jacobian reverse mode gives for the same list times the tangents; a tangent of
    # exp(s) or of the sigmoid inside log(sigmoid(s)) was dropped when s was listed too
    s = sd.var("s")
    vals = {"s": 0.3}
    for inner, outer in [(sd.exp(s), lambda z: sd.sin(z) + s), (sd.sigmoid(s), sd.log)]:
        y = outer(inner)
        gs, gz = sd.evaluate(sd.grad(y, [s, inner]), vals)
        for ts, tz in [(1.0, 0.0), (0.0, 1.0), (0.5, -2.0)]:
            got = sd.evaluate(sd.jvp(y, [s, inner], [ts, tz]), vals)
            np.testing.assert_allclose(got, gs * ts + gz * tz, rtol=1e-14)
    # along the line: s + t and exp(s + t) + 2t
    z = sd.exp(s)
    zv, dz = np.exp(0.3), np.exp(0.3) + 2.0
    want = -np.sin(zv) * dz ** 2 + np.cos(zv) * zv
    got = sd.evaluate(sd.derivative(sd.sin(z) + s, [s, z], 2, direction=[1.0, 2.0]), vals)
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_a_stable_form_over_operands_that_depend_on_each_other_counts_each_path_once():
    # log(exp(x) + exp(2x)) is taken through logaddexp(x, 2x), whose operands are the series
    # given; 2x is one of them and below it x is another, so it must not move by x twice
    x = sd.var("x")
    vals = {"x": 0.3}
    for y in (sd.log(sd.exp(x) + sd.exp(2 * x)), sd.log2(2 ** x + 2 ** (x * x))):
        want = sd.evaluate([sd.grad(y, x), sd.grad(sd.grad(y, x), x)], vals)
        got = sd.evaluate([sd.jvp(y, x, 1.0), sd.derivative(y, x, 2)], vals)
        np.testing.assert_allclose(got, want, rtol=1e-13)
    a, b = np.exp(0.3), np.exp(0.6)
    np.testing.assert_allclose(sd.evaluate(sd.jvp(sd.log(sd.exp(x) + sd.exp(2 * x)), x, 1.0), vals),
                               (a + 2 * b) / (a + b), rtol=1e-14)


def test_linear_recurrence_never_multiplies_by_its_unused_first_a():
    # h[0] is b[0], so an infinite a[0] changes nothing and the first derivatives reverse mode
    # gives are finite; but the vjp wrote b's cotangent as g + R_excl(a, a * g), so jvp, Taylor
    # mode (which transpose it) and second reverse derivatives multiplied by a[0]: inf * 0 = nan
    a, b = sd.var("a", (3,)), sd.var("b", (3,))
    values = {"a": np.array([np.inf, 2.0, -0.5]), "b": np.array([1.0, 0.5, 3.0])}
    for kw in ({}, {"exclusive": True}):
        y = sd.sum(sd.linear_recurrence(a, b, **kw) ** 2)
        flipped = sd.sum(sd.linear_recurrence(a[::-1], b[::-1], reverse=True, **kw) ** 2)
        for f in (y, flipped):
            want = sd.evaluate(sd.grad(f, [a, b]), values)
            assert np.all(np.isfinite(want[0])) and want[0][0] == 0
            for u in (np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, -2.0])):
                got = sd.evaluate(sd.jvp(f, [a, b], [u, u]), values)
                np.testing.assert_allclose(got, want[0] @ u + want[1] @ u, rtol=1e-14)
            # second and third derivatives along b (the recurrence is linear in b, h in a)
            t = sd.var("t")
            line = sd.linear_recurrence(a + t * np.array([0.0, 1.0, 1.0]), b + t, **kw)
            g = sd.sum(line ** 2)
            nested = [g]
            for _ in range(3):
                nested.append(sd.grad(nested[-1], t, mode="reverse"))
            at = {**values, "t": 0.0}
            want = sd.evaluate(nested[1:], at)
            got = sd.evaluate([sd.derivative(g, t, k) for k in (1, 2, 3)], at)
            assert np.all(np.isfinite(got))
            np.testing.assert_allclose(got, want, rtol=1e-13)
            forward = sd.evaluate(sd.grad(sd.grad(g, t, mode="forward"), t, mode="forward"), at)
            np.testing.assert_allclose(forward, want[1], rtol=1e-13)


def test_an_integer_power_of_a_narrower_base_is_expanded_in_the_powers_dtype():
    # a float32 x to a float64 power 3 is float64: its Taylor coefficients are computed in
    # float64 (they were float32 products, 1e-8 off, in a float64 result)
    x = sd.var("x", dtype="float32")
    f = x ** sd.const(np.array(3.0))
    xv = np.float32(1.1)
    a = float(xv)
    for k, want in [(1, 3 * a * a), (2, 6 * a), (3, 6.0)]:
        d = sd.derivative(f, x, k)
        assert d.dtype == np.float64
        got = sd.evaluate(d, {"x": xv}, simplify=False)
        np.testing.assert_allclose(got, want, rtol=1e-15)


def _chain(w: sd.Node, depth: int) -> sd.Node:
    """Ops without a Taylor rule of their own (softplus, maximum, relu), so every level takes
    its jvp from reverse mode."""
    z = w
    for k in range(depth):
        z = sd.softplus(z) * 0.9 - 0.6 if k % 2 else sd.maximum(z, 0.5 * z) + sd.relu(z - 0.2)
    return z


def test_an_op_without_a_rule_is_transposed_once_per_op_types_and_moving_inputs(monkeypatch):
    from symdiff import autodiff

    calls: list[sd.Node] = []

    def counted(y, xs, ts):
        calls.append(y)
        return _jvp_by_transpose(y, xs, ts)

    monkeypatch.setattr(autodiff, "_templates", {})
    monkeypatch.setattr(autodiff, "_jvp_by_transpose", counted)
    w = sd.var("w")
    z = _chain(w, 200)
    d1 = sd.jvp(z, w, 1.0)
    # softplus, maximum (its second operand moves too) and relu: once each, not per level
    assert sorted(c.op.name for c in calls) == ["maximum", "relu", "softplus"]
    d1_again, d2, d3 = (sd.derivative(z, w, k) for k in (1, 2, 3))
    assert len(calls) == 3  # every order reuses them
    assert d1_again is d1
    v = sd.var("v", shape=(4,))
    sd.jvp(sd.relu(v), v, np.ones(4))
    assert len(calls) == 4 and calls[-1].shape == (4,)  # other input types: a template of their own

    at, h = 0.4, 1e-5
    f = lambda t: float(sd.evaluate(z, {"w": t}, simplify=False))  # noqa: E731
    g = lambda t: float(sd.evaluate(d1, {"w": t}, simplify=False))  # noqa: E731
    got = [float(x) for x in sd.evaluate([d1, d2, d3], {"w": at}, simplify=False)]
    assert got[0] == pytest.approx((f(at + h) - f(at - h)) / (2 * h), rel=1e-6)
    assert got[1] == pytest.approx((g(at + h) - g(at - h)) / (2 * h), rel=1e-6)
    d2_nested = sd.grad(sd.grad(z, w), w)
    assert got[1] == pytest.approx(float(sd.evaluate(d2_nested, {"w": at}, simplify=False)), rel=1e-12)
    d3_nested = sd.grad(d2_nested, w)
    assert got[2] == pytest.approx(float(sd.evaluate(d3_nested, {"w": at}, simplify=False)), rel=1e-9)


def _table_cases() -> list[tuple[sd.Node, list[sd.Node], list[sd.Node]]]:
    """(output, its float variables, a tangent of each) for every differentiable sample."""
    cases = []
    for sample in SAMPLES:
        if sample.grad and sample.float_args() and sample.order2:
            node, vs = sample.build()
            ks = sample.float_args()
            us = [sd.const(np.full(sample.args[k].shape, 0.5)) for k in ks]
            cases.append((node, [vs[k] for k in ks], us))
    return cases


def test_kept_templates_give_the_nodes_a_transpose_per_node_gives(monkeypatch):
    """Every op of the table, its jvp and Taylor coefficients: with no template kept (one
    transpose per node, as without the table), the same nodes as from a table that all the
    other ops' templates went through first (a key too coarse would hand one op another's)."""
    from symdiff import autodiff

    cases = _table_cases()

    def build(node, wrt, us):
        return [sd.jvp(node, wrt, us), *sd.taylor(node, wrt, 2, direction=us)]

    monkeypatch.setattr(autodiff, "_templates", {})
    monkeypatch.setattr(autodiff, "_TEMPLATE_ELEMENTS", -1)
    fresh = [build(*case) for case in cases]
    assert not autodiff._templates
    monkeypatch.setattr(autodiff, "_TEMPLATE_ELEMENTS", 4096)
    # the table is cleared when full: here it holds every op's templates at once (the op table
    # outgrew the bound, which left one template by the end)
    monkeypatch.setattr(autodiff, "_TEMPLATES_MAX", 100_000)
    for case in cases:
        build(*case)
    assert len(autodiff._templates) > 500
    for case, want in zip(cases, fresh):
        got = build(*case)
        assert all(a is b for a, b in zip(got, want)), case[0]


def _is_ones(n: sd.Node) -> bool:
    """A constant of ones, or ones reshaped or broadcast."""
    while n.inputs and n.op.name in ("broadcast_to", "reshape"):
        (n,) = n.inputs
    return not n.inputs and n.op.name == "const" and bool(np.all(const_value(n) == 1))


def test_templates_hold_no_products_by_ones(monkeypatch):
    """The template of every op of the table is the transpose applied to the tangents, not the
    derivative of sum(<vjp, tangent>) in the cotangent, whose gradient put a product by ones
    (1.0 * t, or broadcast ones for arrays) into all but a few of them: every node filling a
    template in would carry one."""
    from symdiff import autodiff

    monkeypatch.setattr(autodiff, "_templates", {})
    monkeypatch.setattr(autodiff, "_TEMPLATES_MAX", 100_000)
    for node, wrt, us in _table_cases():
        sd.jvp(node, wrt, us)
    assert len(autodiff._templates) > 400
    for key, template in autodiff._templates.items():
        products = [n for n in template.order if n.op.name == "mul" and any(map(_is_ones, n.inputs))]
        assert not products, (key[0].name, template.jvp)


@pytest.mark.parametrize("f, per_level", [
    (sd.relu, 2), (sd.abs, 2), (sd.softplus, 2), (lambda u: sd.maximum(u, 0.25 * u), 5), (sd.sin, 2),
], ids=["relu", "abs", "softplus", "maximum", "sin"])
def test_forward_mode_through_a_template_adds_as_few_nodes_per_level_as_a_rule(f, per_level):
    """Per level of z = f(f(...f(w))) + 0.5: relu, abs and softplus (templates) add as many
    nodes to the jvp as sin (a rule of its own), the test and the product or where (they added
    3, maximum 7, with the products by ones); sd.grad keeps a sweep no larger. The jvp is still
    reverse mode's gradient."""
    w = sd.var("w")

    def sizes(depth: int) -> tuple[int, int]:
        z = w
        for _ in range(depth):
            z = f(z) + 0.5
        base = sd.count_nodes(z)
        return (sd.count_nodes([z, sd.jvp(z, w, 1.0)]) - base,
                sd.count_nodes([z, sd.grad(z, w)]) - base)

    (j1, g1), (j2, g2) = sizes(20), sizes(40)
    assert (j2 - j1) / 20 == per_level
    assert (g2 - g1) / 20 <= per_level
    z = w
    for _ in range(30):
        z = f(z) + 0.5
    at = {w: 0.3}
    got, want = sd.evaluate([sd.jvp(z, w, 1.0), sd.grad(z, w, mode="reverse")], at, simplify=False)
    assert got == pytest.approx(want, rel=1e-13) and got != 0


def test_a_template_holding_a_big_constant_is_not_kept(monkeypatch):
    from symdiff import autodiff

    monkeypatch.setattr(autodiff, "_templates", {})
    for n in (8, 70):  # the rule of a diagonal holds eye(n): 64 and 4,900 elements
        A = sd.var("A", shape=(n, n))
        T = rng.standard_normal((n, n))
        out = sd.evaluate(sd.jvp(sd.einsum("ii->i", A), A, T), {"A": np.zeros((n, n))})
        np.testing.assert_array_equal(out, np.diagonal(T))
        assert [key[-1].shape for key in autodiff._templates] == [(8, 8)]
