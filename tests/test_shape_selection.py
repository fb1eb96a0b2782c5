"""Shape and selection functions beyond the op table's generic checks: sort's gradient with
ties, the derivatives of the derivative ops (the op table's second-derivative check meets
only their forward ops), named dimensions, and the code generator, the SymPy bridge and the
parser on every op-table sample of these functions."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import symdiff as sd
from op_table import SAMPLES, Sample, idfn

NAMES = {
    "squeeze", "expand_dims", "swapaxes", "moveaxis", "flip", "fliplr", "flipud", "roll", "tile",
    "repeat", "diag", "diagonal", "trace", "tril", "triu", "pad", "atleast_1d", "atleast_2d",
    "atleast_3d", "ravel", "sort", "argsort", "argmax", "argmin", "take", "take_along_axis",
    "split", "array_split",
}
MINE = [s for s in SAMPLES if s.name in NAMES]
rng = np.random.default_rng(3)


def _grad(f, value):
    x = sd.var("x", shape=value.shape)
    return sd.evaluate(sd.grad(f(x), x), {"x": value})


# -- sort: the gradient follows the stable sort's permutation ----------------------------------


def test_sort_gradient_with_ties_goes_to_tied_elements_in_their_original_order():
    # stable order of [2, 1, 2, 1] is positions 1, 3, 0, 2: sorted slot k sends its cotangent there
    x = np.array([2.0, 1.0, 2.0, 1.0])
    weights = sd.const(np.array([10.0, 20.0, 30.0, 40.0]))
    g = _grad(lambda t: sd.sum(weights * sd.sort(t)), x)
    np.testing.assert_array_equal(g, [30.0, 10.0, 40.0, 20.0])
    # never split between ties (max splits them; sort does not)
    g = _grad(lambda t: sd.sort(t)[0], np.array([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(g, [1.0, 0.0, 0.0])
    g = _grad(lambda t: sd.sort(t)[-1], np.array([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])


def test_sort_gradient_with_ties_along_an_axis_and_in_generated_code():
    x = np.array([[1.0, 5.0], [1.0, 5.0], [0.0, 5.0]])
    w = sd.const(np.arange(6.0).reshape(3, 2))
    t = sd.var("x", shape=(3, 2))
    g = sd.grad(sd.sum(w * sd.sort(t, axis=0)), t)
    want = np.array([[2.0, 1.0], [4.0, 3.0], [0.0, 5.0]])  # column 0 sorts to rows 2, 0, 1
    np.testing.assert_array_equal(sd.evaluate(g, {"x": x}), want)
    np.testing.assert_array_equal(sd.compile(g, inputs=[t])(x), want)


def test_sort_second_derivative_matches_differences_of_the_gradient():
    x0 = np.array([0.3, -1.2, 2.0, 0.9])
    w = sd.const(np.array([1.0, -2.0, 0.5, 3.0]))
    t = sd.var("x", shape=(4,))
    f = sd.sum(w * sd.sort(t) ** 3)
    hess = sd.evaluate(sd.hessian(f, t), {"x": x0})
    grad = sd.grad(f, t)
    h = 1e-6
    fd = np.stack([(sd.evaluate(grad, {"x": x0 + h * e}) - sd.evaluate(grad, {"x": x0 - h * e})) / (2 * h)
                   for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(hess, fd, rtol=1e-6, atol=1e-6)
    # and it is diagonal: 6 * w[rank] * x
    rank = np.argsort(np.argsort(x0))
    np.testing.assert_allclose(hess, np.diag(6 * np.array([1.0, -2.0, 0.5, 3.0])[rank] * x0))


def test_sort_method_returns_a_new_expression():
    x = sd.var("x", shape=(3,))
    assert x.sort() is sd.sort(x) and x.sort() is not x


# -- the derivative ops' own derivatives ------------------------------------------------------

LINEAR = {
    "flip": (lambda x: sd.flip(x, (0, 2)), (2, 3, 4)),
    "roll": (lambda x: sd.roll(x, (1, -2), axis=(0, 2)), (2, 3, 4)),
    "roll-flat": (lambda x: sd.roll(x, 5), (2, 3)),
    "tile": (lambda x: sd.tile(x, (2, 1, 3)), (2, 3)),
    "repeat": (lambda x: sd.repeat(x, 3, axis=1), (2, 3)),
    "repeat-counts": (lambda x: sd.repeat(x, [2, 0, 1], axis=1), (2, 3)),
    "diag": (lambda x: sd.diag(x, -1), (3,)),
    "diagonal": (lambda x: sd.diagonal(x, 1, 2, 0), (3, 2, 4)),
    "tril": (lambda x: sd.tril(x, -1), (2, 3, 4)),
    "triu": (lambda x: sd.triu(x), (3,)),
    "pad": (lambda x: sd.pad(x, ((1, 0), (2, 3))), (2, 3)),  # linear with zeros only
    "take": (lambda x: sd.take(x, [[0, 2], [2, 2]], axis=1), (2, 3)),
    "take_along_axis": (lambda x: sd.take_along_axis(x, sd.const(np.array([[0, 0, 2]])), axis=1), (4, 3)),
    "sort": (lambda x: sd.sort(x, axis=0), (3, 4)),
    "moveaxis": (lambda x: sd.moveaxis(x, (0, 1), (2, 0)), (2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_derivative_of_the_derivative_is_the_op_again(name):
    """y = L(x) is linear in x (for sort, locally): its vjp is x -> L^T(ct), and the vjp of
    that with respect to ct along u must be L(u). This differentiates the derivative ops."""
    fn, shape = LINEAR[name]
    x0 = rng.permutation(np.prod(shape)).reshape(shape) * 0.5 + 0.1  # distinct, for sort
    x = sd.var("x", shape=shape)
    y = fn(x)
    ct = sd.var("ct", shape=y.shape)
    u = rng.standard_normal(y.shape)
    g = sd.vjp(y, x, ct)
    w = rng.standard_normal(shape)
    back = sd.vjp(g, ct, sd.const(w))  # the vjp of L^T is L: w pulled back through L^T
    got = sd.evaluate(back, {"x": x0, "ct": u})
    want = sd.evaluate(fn(sd.const(w)) if name != "sort" else _permuted_like(x0, w), {})
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def _permuted_like(x0, w):
    """sort is linear only for a fixed permutation: the one that sorts x0."""
    perm = np.argsort(x0, axis=0, kind="stable")
    return sd.const(np.take_along_axis(w, perm, axis=0))


def test_take_along_axis_repeated_indices_add_up_and_broadcast_axes_sum():
    a = sd.var("a", shape=(1, 4))
    idx = sd.const(np.array([[0, 3, 3], [1, 1, 0]]))
    g = sd.grad(sd.sum(sd.take_along_axis(a, idx, axis=1)), a)
    np.testing.assert_array_equal(sd.evaluate(g, {"a": np.zeros((1, 4))}), [[2.0, 2.0, 0.0, 2.0]])


def test_take_along_axis_with_an_argsort_of_another_axis_adds_its_repeats():
    # an argsort along axis 0 is no permutation along axis 1: the repeats there must add up
    a, b = sd.var("a", shape=(3, 3)), sd.var("b", shape=(3, 3))
    b0 = np.array([[0.0, 0.0, 2.0], [1.0, 1.0, 0.0], [2.0, 2.0, 1.0]])  # argsort rows 0 0 1, ...
    g = sd.grad(sd.sum(sd.take_along_axis(a, sd.argsort(b, axis=0), axis=1)), a)
    np.testing.assert_array_equal(sd.evaluate(g, {"a": np.zeros((3, 3)), "b": b0}),
                                  [[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [1.0, 0.0, 2.0]])


def test_take_gradient_scatters_and_adds_repeats():
    a = sd.var("a", shape=(2, 3))
    g = sd.grad(sd.sum(sd.take(a, [2, 2, 0], axis=1)), a)
    np.testing.assert_array_equal(sd.evaluate(g, {"a": np.zeros((2, 3))}), [[1, 0, 2], [1, 0, 2]])


def test_arg_functions_have_zero_gradient_and_integer_type():
    x = sd.var("x", shape=(3, 4))
    for node in (sd.argsort(x), sd.argmax(x, axis=0), sd.argmin(x, keepdims=True)):
        assert node.dtype == np.intp
        f = sd.sum(x * sd.astype(node, "float64"))  # only the x factor carries a gradient
        value = rng.standard_normal((3, 4))
        g = sd.evaluate(sd.grad(f, x), {"x": value})
        np.testing.assert_array_equal(g, np.broadcast_to(sd.evaluate(sd.astype(node, "float64"), {"x": value}),
                                                         (3, 4)))


# -- named dimensions ---------------------------------------------------------------------------

NAMED = {
    "flip": lambda x: sd.flip(x),
    "roll": lambda x: sd.roll(x, 1, axis=0) + sd.roll(x, -2),
    "tril": lambda x: sd.tril(x, -1),
    "diag": lambda x: sd.diag(sd.diagonal(x)),
    "trace": lambda x: sd.trace(x) * x,
    "sort": lambda x: sd.sort(x, axis=0),
    "argsort": lambda x: sd.take_along_axis(x, sd.argsort(x, axis=1), axis=1),
    "argmax": lambda x: x * sd.argmax(x, axis=0),
    "squeeze": lambda x: sd.squeeze(sd.expand_dims(x, (0, 3))),
    "pad": lambda x: sd.pad(x, ((0, 0), (0, 0))) * 2.0,
    "moveaxis": lambda x: sd.moveaxis(x, 0, 1),
    "ravel": lambda x: sd.reshape(sd.ravel(sd.sum(x, axis=1)), ("n",)),
    "take": lambda x: sd.take(x, [0, 0], axis=1),
    "reversed": lambda x: x[::-1, -1::-1] * x[0:, ::1],
}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_dimensions_work_where_sizes_allow(name):
    x = sd.var("x", shape=("n", "n"))
    y = NAMED[name](x)
    assert "n" in y.shape
    wrt_grad = sd.grad(sd.sum(y * y), x)
    for n in (3, 5):
        value = rng.permutation(n * n).reshape(n, n) * 0.1
        got = sd.evaluate([y, wrt_grad], {"x": value})
        compiled = sd.compile([y, wrt_grad], inputs=[x])(value)
        for a, b in zip(got, compiled):
            np.testing.assert_array_equal(a, b)



def test_a_named_dimension_reversed_by_a_slice_keeps_its_name():
    # x[::-1] takes every element whatever the size, as flip does; other slices of a named
    # dimension would have a size no shape can name
    v, w = sd.var("v", shape=("n",)), sd.var("w", shape=("n",))
    y = v[::-1] * w * v
    assert y.shape == ("n",)
    value, weight = rng.standard_normal(4), rng.standard_normal(4)
    np.testing.assert_array_equal(sd.evaluate(y, {"v": value, "w": weight}),
                                  value[::-1] * weight * value)
    g = sd.grad(sd.sum(y), v)
    want = (weight * value)[::-1] + value[::-1] * weight
    np.testing.assert_allclose(sd.evaluate(g, {"v": value, "w": weight}), want, rtol=1e-15)
    np.testing.assert_array_equal(sd.compile(g, inputs=[v, w])(value, weight),
                                  sd.evaluate(g, {"v": value, "w": weight}))
    for bad, text in ((lambda: v[1:], "1:"), (lambda: v[::2], "::2"), (lambda: v[-2::-1], "-2::-1")):
        with pytest.raises(NotImplementedError, match=f"named dimension 'n' with {text} is not"):
            bad()


def test_zero_gradient_of_a_named_shape_evaluates():
    # the gradient in a variable the output does not depend on is zeros of its shape; with a
    # named dimension the size comes from the variable's value, also in a graph of its own
    X, y = sd.var("X", shape=("n", 3)), sd.var("y")
    g = sd.grad(y * 2, X)
    assert str(g) == "zeros_like(X, 'float64')" and sd.parse(str(g), shapes={"X": ("n", 3)}) is g
    # another dtype than X's prints and reads back, as do ones_like and full_like
    for e in (sd.zeros_like(X, "int64"), sd.ones_like(X, "float32"), sd.full_like(X, 2, "int32")):
        assert sd.parse(str(e), shapes={"X": ("n", 3)}) is e, str(e)
        value = sd.evaluate(e, {"X": np.ones((4, 3))})
        assert value.shape == (4, 3) and value.dtype == e.dtype
    out = sd.evaluate(g, {"X": np.ones((4, 3)), "y": 1.0})
    assert out.shape == (4, 3) and not out.any()
    assert sd.compile(g, inputs=[X, y])(np.ones((5, 3)), 1.0).shape == (5, 3)
    no_path = sd.grad(sd.sum(sd.one_hot(sd.argmax(X, axis=1), 3)), X)  # argmax: no gradient
    assert sd.evaluate(no_path, {"X": np.ones((2, 3))}).shape == (2, 3)
    assert sd.evaluate(sd.imag(X), {"X": np.ones((2, 3))}).shape == (2, 3)

def test_squeeze_keeps_named_dimensions():
    assert sd.squeeze(sd.var("x", shape=("n", 1, 3))).shape == ("n", 3)


# -- every op-table sample through the code generator, SymPy and the parser ------------------------


@pytest.mark.parametrize("sample", MINE, ids=idfn)
def test_generated_code_agrees_with_the_evaluator(sample: Sample):
    node, vs = sample.build()
    wrt = [vs[k] for k in sample.float_args()]
    outs = [node]
    if node.type.is_float and wrt and sample.grad:
        outs += sd.grad(sd.sum(node * node), wrt)
    inputs = [vs[k] for k in sample.arrays()]
    fn = sd.compile(outs, inputs=inputs)
    got = fn(*(sample.args[k] for k in sample.arrays()))
    got = got if isinstance(got, tuple) else (got,)
    want = sd.evaluate(outs, sample.inputs(), simplify=True)
    for g, w in zip(got, want):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_array_equal(g, w)


_NO_SYMPY = {"sort", "argsort", "argmax", "argmin"}


def _sympy_values(expr, values: dict[str, np.ndarray]) -> np.ndarray:
    subs = {}
    for name, v in values.items():
        if v.ndim == 0:
            subs[sympy.Symbol(name, real=True)] = sympy.Float(float(v))
        else:
            base = sympy.IndexedBase(name, shape=v.shape, real=True)
            for idx in np.ndindex(v.shape):
                subs[base[idx]] = sympy.Float(float(v[idx]))
    if isinstance(expr, (sympy.MatrixBase, sympy.NDimArray)):
        items = np.array(expr.tolist(), dtype=object).reshape(-1)
        return np.array([float(sympy.sympify(e).xreplace(subs)) for e in items]).reshape(expr.shape)
    return np.array(float(sympy.sympify(expr).xreplace(subs)))


@pytest.mark.parametrize("sample", [s for s in MINE if s.float_args()], ids=idfn)
def test_sympy_bridge_knows_each_op(sample: Sample):
    node, _ = sample.build()
    uses_order = any(n.op.name in _NO_SYMPY for n in sd.toposort(node))
    int_vars = any(sample.args[k].dtype.kind in "iu" for k in sample.arrays())
    if uses_order or int_vars:
        with pytest.raises(sd.UnsupportedError, match="no SymPy|symbolic integer"):
            sd.to_sympy(node)
        return
    expr = sd.to_sympy(node)
    want = sample.reference()
    got = _sympy_values(expr, {k: np.asarray(v, dtype=float) for k, v in sample.inputs().items()})
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-12, atol=1e-12)


ROUND_TRIP = [
    "flip(A, axis=(0, 1))", "roll(A, 1)", "roll(A, (1, 2), axis=(0, 1))", "tile(v, (2, 1))",
    "repeat(A, 2, axis=0)", "diag(v, 1)", "diag(v)", "diagonal(A, offset=1)", "tril(A, k=-1)",
    "triu(A)", "pad(A, ((1, 0), (0, 2)), constant_values=0.5)", "sort(A, axis=0)",
    "argsort(v, axis=0, kind='stable')", "argmax(A, axis=1, keepdims=True)", "argmin(v)",
    "take_along_axis(A, argsort(A, axis=1), axis=1)", "pad(v, ((2, 0),), constant_values=((1, 2),))",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_parse_of_printed_text_is_the_same_node(text):
    shapes = {"A": (3, 4), "v": (3,)}
    node = sd.parse(text, shapes=shapes)
    assert sd.parse(str(node), shapes=shapes) is node


def test_split_parts_and_parse_error():
    x = sd.var("x", shape=(5, 2))
    parts = sd.array_split(x, 3)
    assert [p.shape for p in parts] == [(2, 2), (2, 2), (1, 2)]
    assert isinstance(sd.split(x, [1]), list)
    with pytest.raises(sd.ParseError):
        sd.parse("split(x, 5)", shapes={"x": (5,)})


def test_arange_builds_without_the_range_and_takes_numpys_dtype():
    # the dtype was read off np.arange(start, stop, step) itself: 8 TB here
    assert sd.arange(10**12).shape == (10**12,) and sd.arange(10**12).dtype == np.int64
    for bounds in [(np.float32(5),), (np.uint8(5),), (5, 6.0), (True, 3), (np.uint64(5),)]:
        assert sd.arange(*bounds).dtype == np.arange(*bounds).dtype, bounds


@pytest.mark.parametrize("width, values", [
    (1, -np.inf),  # max pooling pads with -inf
    ((1, 2), np.nan),
    (1, -0.0),
    (((1, 0), (0, 2)), ((-np.inf, 1.0), (0.5, -0.0))),
    (1, ((0.0, -0.0), (0.0, 0.0))),
])
def test_pad_with_infinities_nan_and_signed_zeros(width, values):
    # the printed text spelled inf as float('inf'), which sd.parse does not read, and -0.0
    # was taken for NumPy's default 0 (and interned as the node padding with +0.0)
    x = sd.var("x", shape=(2, 3))
    given = np.arange(6.0).reshape(2, 3)
    node = sd.pad(x, width, constant_values=values)
    want = np.pad(given, width, constant_values=values)
    for got in (sd.evaluate(node, {"x": given}, simplify=False),
                sd.compile(node, inputs=[x])(given)):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    assert sd.parse(str(node), shapes={"x": (2, 3)}) is node
    assert sd.pad(x, width) is not node
    assert sd.pad(x, 1, constant_values=0.0) is sd.pad(x, 1) is sd.pad(x, 1, constant_values=False)


def test_zero_d_integer_arrays_are_ints_for_axes_and_slice_bounds():
    # NumPy takes a 0-d integer array wherever it takes an int (operator.index)
    A = sd.var("A", shape=(2, 3))
    v = sd.var("v", shape=(5,))
    a = np.arange(6.0).reshape(2, 3)
    w = np.arange(5.0)
    for e, want in [(sd.sum(A, axis=np.array(1)), np.sum(a, axis=np.array(1))),
                    (sd.sum(A, axis=(np.array(0), np.int8(1))), np.sum(a, axis=(0, 1))),
                    (v[np.array(1):np.array(4):np.array(2)], w[np.array(1):np.array(4):np.array(2)]),
                    (v[True:], w[True:])]:
        np.testing.assert_array_equal(sd.evaluate(e, {"A": a, "v": w}), want)
    with pytest.raises(TypeError, match=r"sum: axis must be an int, got array\(1\.\)"):
        sd.sum(A, axis=np.array(1.0))
    with pytest.raises(TypeError, match="slice bounds must be ints or None"):
        v[np.array(1.5):]
    with pytest.raises(TypeError, match="sum: axis must be an int, got True"):
        sd.sum(A, axis=True)



def test_slice_bounds_beyond_int64_are_clamped_as_numpy_does_so_the_text_reads_back():
    # NumPy clamps slice bounds to the index range; kept as written, x[:2**70] printed a
    # literal the parser refuses, and x[:2**70] and x[:2**71] were different nodes
    v = sd.var("v", shape=(5,))
    w = np.arange(5.0)
    for s in (slice(None, 2**70), slice(-2**70, None), slice(None, None, 2**70),
              slice(None, None, -2**70), slice(2**64, -2**64, -1), slice(1, np.uint64(2**64 - 1))):
        e = v[s]
        np.testing.assert_array_equal(sd.evaluate(e, {"v": w}), w[s])
        back = sd.parse(str(e), shapes={"v": (5,)})
        assert back is e
        g = sd.grad(sd.sum(sd.const(np.arange(1.0, 1 + w[s].size)) * e), v)
        want = np.zeros(5)
        want[s] = np.arange(1.0, 1 + w[s].size)
        np.testing.assert_array_equal(sd.evaluate(g, {"v": w}), want)
        assert sd.parse(str(g), shapes={"v": (5,)}) is g
    assert v[:2**70] is v[:2**71]


# -- searchsorted, interp, convolve, correlate, meshgrid, rot90, append, insert, delete ---------------


def test_numpy_functions_of_searching_interpolation_and_layout_build_graphs():
    # np.<name>(expr) reaches the symdiff function of the same name, with NumPy's values
    rng = np.random.default_rng(3)
    x_val, y_val, m_val = rng.standard_normal(5), rng.standard_normal(3), rng.standard_normal((2, 3))
    x, y, m = sd.var("x", (5,)), sd.var("y", (3,)), sd.var("m", (2, 3))
    env = {"x": x_val, "y": y_val, "m": m_val}
    knots = np.array([-1.0, 0.0, 0.5, 2.0])
    cases = [
        (lambda np_, a, b, c: np_.searchsorted(knots, a, side="right")),
        (lambda np_, a, b, c: np_.interp(a, knots, knots ** 2, left=-1.0)),
        (lambda np_, a, b, c: np_.convolve(a, b, "same")),
        (lambda np_, a, b, c: np_.correlate(b, a, "full")),
        (lambda np_, a, b, c: np_.meshgrid(a, b, indexing="ij")[1]),
        (lambda np_, a, b, c: np_.rot90(c, -1)),
        (lambda np_, a, b, c: np_.append(c, b)),
        (lambda np_, a, b, c: np_.insert(c, [0, 3], b[:2], axis=1)),
        (lambda np_, a, b, c: np_.delete(a, slice(1, None, 2))),
    ]
    for case in cases:
        node = case(np, x, y, m)
        assert isinstance(node, sd.Node)
        want = case(np, x_val, y_val, m_val)
        got = sd.evaluate(node, env)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_interp_matches_numpy_at_nan_infinite_points_and_duplicate_knots():
    x_val = np.array([np.nan, -2.0, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, -np.inf, np.inf])
    x = sd.var("x", x_val.shape)
    for xp, fp in (([1.0, 2.0, 3.0], [1.0, np.inf, 3.0]), ([1.0, 2.0, 2.0, 3.0], [1.0, 5.0, 7.0, 3.0]),
                   ([1.0, 2.0, 3.0], [-np.inf, -np.inf, 0.0]), ([2.0], [5.0])):
        e = sd.interp(x, xp, fp, left=-9.0)
        want = np.interp(x_val, xp, fp, left=-9.0)
        np.testing.assert_array_equal(sd.evaluate(e, {"x": x_val}), want)
        np.testing.assert_array_equal(sd.compile(e, [x])(x_val), want)


def test_interp_derivative_is_the_slope_of_the_segment_taken():
    # at a knot, the segment that starts there (the last one's at the end); 0 outside the range
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([2.0, 4.0, 0.0])
    x = sd.var("x", (6,))
    g = sd.grad(sd.sum(sd.interp(x, xp, fp)), x)
    got = sd.evaluate(g, {"x": np.array([-1.0, 0.0, 0.5, 1.0, 3.0, 4.0])})
    np.testing.assert_array_equal(got, [0.0, 2.0, 2.0, -2.0, -2.0, 0.0])


def test_convolve_gradients_reach_both_arguments_whichever_is_longer():
    a, v = sd.var("a", (2,)), sd.var("v", (4,))
    a_val, v_val = np.array([1.0, -2.0]), np.array([0.5, 1.0, 3.0, -1.0])
    for mode in ("full", "same", "valid"):
        ga, gv = sd.grad(sd.sum(sd.convolve(a, v, mode) ** 2), [a, v])
        got_a, got_v = sd.evaluate([ga, gv], {"a": a_val, "v": v_val})
        out = np.convolve(a_val, v_val, mode)
        # d sum(c^2) = 2 c . dc, with dc/da the convolution's columns
        want_a = [2 * out @ np.convolve(np.eye(2)[k], v_val, mode) for k in range(2)]
        want_v = [2 * out @ np.convolve(a_val, np.eye(4)[k], mode) for k in range(4)]
        np.testing.assert_allclose(got_a, want_a, rtol=1e-12)
        np.testing.assert_allclose(got_v, want_v, rtol=1e-12)


def test_searchsorted_has_no_gradient_and_prints_as_it_reads():
    a, v = sd.var("a", (4,)), sd.var("v", (2, 3))
    e = sd.searchsorted(a, v, side="right")
    assert e.dtype == np.intp and e.shape == (2, 3)
    assert sd.to_text(e) == "searchsorted(a, v, side='right')"
    assert sd.parse(sd.to_text(e), shapes={"a": a, "v": v}) is e
    grads = sd.evaluate(sd.vjp(e, [a, v], np.ones((2, 3))), {"a": np.arange(4.0), "v": np.ones((2, 3))})
    assert all(np.all(g == 0) for g in grads)


def test_positions_of_insert_and_delete_must_be_known_when_the_graph_is_built():
    x, i = sd.var("x", (4,)), sd.var("i", (), "int64")
    with pytest.raises(TypeError, match=r"^delete: `obj` must be an int, a slice or ints known"):
        sd.delete(x, i)
    with pytest.raises(sd.ShapeError, match=r"insert: cannot insert along the named dimension 'n'"):
        sd.insert(sd.var("y", ("n",)), 0, 1.0)


def test_convolve_matches_numpy_where_the_kernel_is_infinite():
    # NumPy sums only the products of overlapping entries: a zero padding times inf made nan
    a = sd.var("a", (3,))
    a_val, kernel = np.array([1.0, 2.0, -1.0]), np.array([1.0, np.inf])
    for mode in ("full", "same", "valid"):
        for e, want in ((sd.convolve(a, kernel, mode), np.convolve(a_val, kernel, mode)),
                        (sd.correlate(a, kernel, mode), np.correlate(a_val, kernel, mode))):
            np.testing.assert_array_equal(sd.evaluate(e, {"a": a_val}), want)
            np.testing.assert_array_equal(sd.compile(e, [a])(a_val), want)


def test_convolve_is_one_op_and_its_derivatives_of_any_order_are_convolutions():
    a, v = sd.var("a", (7,)), sd.var("v", (3,))
    rng = np.random.default_rng(5)
    env = {"a": rng.standard_normal(7), "v": rng.standard_normal(3)}
    for e in (sd.convolve(a, v, "same"), sd.correlate(v, a, "valid")):
        y = sd.sum(e ** 3)
        ga, gv = sd.grad(y, [a, v])
        hva = sd.grad(sd.sum(ga * env["a"]), v)  # a mixed second derivative
        graph = sd.toposort([ga, gv, hva])
        assert {n.op.name for n in graph} >= {"convolve"}
        # no window matrix anywhere: every array is at most 1-d
        assert all(n.ndim <= 1 for n in graph)
        for name, d in (("a", ga), ("v", gv)):
            got = sd.evaluate(d, env)
            for k in range(env[name].size):
                step = np.zeros_like(env[name])
                step[k] = 1e-6
                hi = sd.evaluate(y, {**env, name: env[name] + step})
                lo = sd.evaluate(y, {**env, name: env[name] - step})
                np.testing.assert_allclose(got[k], (hi - lo) / 2e-6, rtol=1e-6, atol=1e-8)
        got = sd.evaluate(hva, env)
        for k in range(3):
            step = np.zeros(3)
            step[k] = 1e-6
            hi = sd.evaluate(sd.sum(ga * env["a"]), {**env, "v": env["v"] + step})
            lo = sd.evaluate(sd.sum(ga * env["a"]), {**env, "v": env["v"] - step})
            np.testing.assert_allclose(got[k], (hi - lo) / 2e-6, rtol=1e-6, atol=1e-8)


def test_convolve_jacobians_and_complex_derivatives_are_the_linear_maps():
    # the Jacobian of a convolution by each argument is the matrix of NumPy's convolutions of
    # unit vectors; a batch of cotangents takes the rule row by row
    rng = np.random.default_rng(6)
    for n, m in ((5, 3), (2, 4), (4, 4)):
        for dtype in ("float64", "complex128"):
            a, v = sd.var("a", (n,), dtype), sd.var("v", (m,), dtype)
            a_val = rng.standard_normal(n) + (1j * rng.standard_normal(n) if dtype != "float64" else 0)
            v_val = rng.standard_normal(m) + (1j * rng.standard_normal(m) if dtype != "float64" else 0)
            for fn in (np.convolve, np.correlate):
                for mode in ("full", "same", "valid"):
                    e = sd.FUNCTIONS[fn.__name__](a, v, mode)
                    ja, jv = sd.evaluate(sd.jacobian(e, [a, v]), {"a": a_val, "v": v_val})
                    want_a = np.stack([fn(np.eye(n)[k], v_val, mode) for k in range(n)], axis=1)
                    want_v = np.stack([fn(a_val, np.eye(m)[k], mode) for k in range(m)], axis=1)
                    if fn is np.correlate:  # a holomorphic derivative: correlate conjugates v
                        want_v = np.conj(want_v) if dtype != "float64" else want_v
                    np.testing.assert_allclose(ja, want_a, rtol=1e-12, atol=1e-14)
                    np.testing.assert_allclose(jv, want_v, rtol=1e-12, atol=1e-14)


def test_convolve_prints_as_text_that_reads_back_and_converts_to_sympy():
    shapes = {"a": (5,), "v": (3,)}
    a, v = sd.var("a", (5,)), sd.var("v", (3,))
    for e in (sd.convolve(a, v), sd.convolve(v, a, "same"), sd.convolve(a, v, "valid"),
              sd.correlate(v, a, "same"), sd.correlate(a, v, "full")):
        assert sd.parse(str(e), shapes=shapes) is e
        for d in sd.grad(sd.sum(e ** 2), [a, v]):
            assert sd.parse(str(d), shapes=shapes) is d
    assert str(sd.convolve(a, v, "valid")) == "convolve(a, v, 'valid')"
    assert str(sd.convolve(a, v, "same")) == "convolve(a, v)[1:6]"
    assert sd.latex(sd.convolve(a, v, "valid")) == \
        r"\operatorname{convolve}\left(a, v, \text{valid}\right)"
    s = sd.to_sympy(sd.convolve(a, v, "valid"))
    assert set(str(s[0]).split(" + ")) == {"a[0]*v[2]", "a[1]*v[1]", "a[2]*v[0]"}
