"""Cases NumPy's own conventions decide beyond the op table's samples: Python numbers outside an
integer dtype's range, arguments the samples leave at their defaults, and methods whose dtype
differs from the function of the same name. Each result is checked through the evaluator and
the generated code, against NumPy's value, dtype and shape."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import symdiff as sd


def _both_paths(out: sd.Node, **values: np.ndarray) -> list[np.ndarray]:
    """``out`` computed by the evaluator and by the generated code."""
    variables = [v for v in sd.toposort([out]) if v.op.name == "var"]
    fn = sd.compile([out], inputs=variables)
    compiled = fn(*(values[v.op.var_name] for v in variables))[0]  # type: ignore[attr-defined]
    return [np.asarray(sd.evaluate(out, values)), np.asarray(compiled)]


def _assert_numpy(out: sd.Node, expected: np.ndarray, **values: np.ndarray) -> None:
    expected = np.asarray(expected)
    assert (out.dtype, out.shape) == (expected.dtype, expected.shape)
    for got in _both_paths(out, **values):
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-6)


# -- methods ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["conj", "conjugate"])
def test_conj_method_keeps_booleans_as_ndarray_conj_does(method):
    # ndarray.conj of a real array is the array itself; np.conj of booleans gives int8
    b = np.array([[True, False], [False, True]])
    x = sd.var("x", b.shape, dtype="bool")
    _assert_numpy(getattr(x, method)(), getattr(b, method)(), x=b)
    _assert_numpy(sd.conj(x), np.conj(b), x=b)


# -- creation --------------------------------------------------------------------------------------


@pytest.mark.parametrize("num, endpoint", [(0, True), (0, False), (1, True), (1, False), (3, True)])
def test_linspace_step_is_nan_where_numpy_has_no_step(num, endpoint):
    # NumPy's step is nan for no interval to divide: num - 1 <= 0 with the endpoint, num == 0
    _, expected = np.linspace(0.0, 1.0, num, endpoint, retstep=True)
    _, step = sd.linspace(0.0, 1.0, num, endpoint, retstep=True)
    _assert_numpy(step, np.asarray(expected))
    a, b = sd.var("a"), sd.var("b")
    _, step = sd.linspace(a, b, num, endpoint, retstep=True)
    _assert_numpy(step, np.asarray(expected), a=np.array(0.0), b=np.array(1.0))


# -- reductions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, dtype, initial", [
    ("max", "int8", 300), ("min", "int8", -300), ("max", "uint8", -2), ("sum", "uint8", -2),
    ("prod", "uint8", -1), ("max", "int8", 128.0), ("sum", "int64", float("nan")),
    ("max", "int32", 1e300),
])
def test_reduction_initial_beyond_the_integer_result_is_refused(name, dtype, initial):
    # NumPy raises (OverflowError, or ValueError for nan); converting would wrap it around
    a = np.array([1, 2], dtype=dtype)
    with pytest.raises((OverflowError, ValueError)):
        getattr(np, name)(a, initial=initial)
    with pytest.raises(sd.DTypeError, match=re.escape(f"{name}: initial={initial!r} does not fit")):
        getattr(sd, name)(sd.var("x", (2,), dtype), initial=initial)


@pytest.mark.parametrize("name, dtype, initial", [
    ("max", "int8", 127.9), ("max", "int8", -2.7), ("sum", "uint8", -0.5), ("max", "int8", True),
    ("sum", "int8", 300), ("min", "uint8", 255), ("max", "float32", 1e300),
])
def test_reduction_initial_converts_as_numpy_does(name, dtype, initial):
    a = np.array([1, 2], dtype=dtype)
    x = sd.var("x", (2,), dtype)
    with np.errstate(over="ignore"):
        expected = getattr(np, name)(a, initial=initial)
    _assert_numpy(getattr(sd, name)(x, initial=initial), expected, x=a)


# -- Python ints beyond an integer dtype's range -------------------------------------------------


@pytest.mark.parametrize("dtype, a_min, a_max", [
    ("uint8", -1, None), ("uint8", -1, 3), ("int8", 0, 300), ("int8", -1000, 1000),
    ("int8", -300, 2), ("uint8", None, 2**70),
])
def test_clip_drops_an_int_bound_every_value_of_the_dtype_passes(dtype, a_min, a_max):
    # NumPy 2: a lower bound below the dtype's range (an upper one above it) limits nothing
    a = np.array([0, 5, 100, 2], dtype=dtype)
    x = sd.var("x", a.shape, dtype)
    _assert_numpy(sd.clip(x, a_min, a_max), np.clip(a, a_min, a_max), x=a)
    _assert_numpy(x.clip(a_min, a_max), a.clip(a_min, a_max), x=a)


def test_clip_keeps_an_int_bound_the_wider_dtype_of_another_bound_holds():
    a = np.array([0, 5, 100, -2], dtype="int8")
    hi = np.array([4, 4, 4, 4], dtype="int16")
    x, h = sd.var("x", (4,), "int8"), sd.var("h", (4,), "int16")
    _assert_numpy(sd.clip(x, -300, h), np.clip(a, -300, hi), x=a, h=hi)
    _assert_numpy(sd.clip(x, 3, h), np.clip(a, 3, hi), x=a, h=hi)


@pytest.mark.parametrize("dtype, a_min, a_max", [("int8", 300, None), ("uint8", None, -1)])
def test_clip_refuses_an_int_bound_no_value_of_the_dtype_passes(dtype, a_min, a_max):
    with pytest.raises(OverflowError):
        np.clip(np.zeros(2, dtype), a_min, a_max)
    with pytest.raises(sd.DTypeError, match="clip: the Python integer"):
        sd.clip(sd.var("x", (2,), dtype), a_min, a_max)


@pytest.mark.parametrize("dtype, number", [("uint8", -1), ("int8", 300), ("uint8", -3), ("int8", 2**70)])
def test_float_power_takes_any_python_int_beside_an_integer_array(dtype, number):
    # float_power computes in float64, so the int meets no integer dtype (as in arctan2)
    a = np.array([1, 2, 3], dtype=dtype)
    x = sd.var("x", (3,), dtype)
    with np.errstate(over="ignore"):
        _assert_numpy(sd.float_power(x, number), np.float_power(a, number), x=a)
        _assert_numpy(sd.float_power(number, x), np.float_power(number, a), x=a)


def test_float_power_takes_a_python_float_in_float64_beside_float32():
    # 0.1 joins NumPy's float64 loop as the float64 0.1, not as float32(0.1) widened
    a = np.array([2.0, 3.0], dtype="float32")
    x = sd.var("x", (2,), "float32")
    for got in _both_paths(sd.float_power(x, 0.1), x=a):
        np.testing.assert_array_equal(got, np.float_power(a, 0.1))


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("in_dtype, dtype", [
    ("int8", "float32"), ("int64", "float64"), ("float32", "float64"), ("float64", "float32"),
    ("float16", "float32"), ("float64", "complex128"), ("complex64", "complex128"),
    ("bool", "float64"),
])
def test_std_and_var_compute_in_the_dtype_given(name, in_dtype, dtype):
    a = (np.arange(12).reshape(3, 4) % 5 - 1).astype(in_dtype)
    x = sd.var("x", a.shape, in_dtype)
    fn = sd.std if name == "std" else sd.variance
    for kwargs in ({}, {"axis": 0, "ddof": 1}, {"axis": (0, 1), "keepdims": True}):
        expected = getattr(np, name)(a, dtype=dtype, **kwargs)
        _assert_numpy(fn(x, dtype=dtype, **kwargs), expected, x=a)
        _assert_numpy(getattr(x, name)(dtype=dtype, **kwargs), expected, x=a)


@pytest.mark.parametrize("name", ["std", "variance"])
def test_std_and_var_refuse_dtypes_numpy_would_truncate_or_cut_into(name):
    fn = getattr(sd, name)
    with pytest.raises(NotImplementedError, match=f"{name}: dtype=int64 is not supported"):
        fn(sd.var("x", (3,)), dtype="int64")
    with pytest.raises(sd.DTypeError, match=f"{name}: dtype=float64 would drop the imaginary"):
        fn(sd.var("z", (3,), "complex128"), dtype="float64")


def test_std_in_float64_of_float32_values_is_their_float64_std():
    # the point of dtype=: float32 data whose float32 sums lose digits
    a = (1e4 + np.arange(1000) % 7).astype("float32")
    x = sd.var("x", a.shape, "float32")
    for got in _both_paths(sd.std(x, dtype="float64"), x=a):
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, np.std(a.astype("float64")), rtol=1e-12)
    grad = sd.evaluate(sd.grad(sd.std(x, dtype="float64"), x), {"x": a})
    assert grad.dtype == np.float32 and grad.shape == a.shape


# -- products --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtypes, dtype, casting", [
    (("int8", "uint8"), "float32", "safe"), (("int8", "int8"), "int8", "safe"),
    (("float64", "int8"), "float32", "same_kind"), (("float32", "float32"), "complex128", "safe"),
    (("float64", "float64"), "int16", "unsafe"),
])
def test_einsum_computes_in_the_dtype_given(dtypes, dtype, casting):
    a = (np.arange(6).reshape(2, 3) * 7 % 5 + 0.5).astype(dtypes[0])
    b = (np.arange(12).reshape(3, 4) % 4 - 1).astype(dtypes[1])
    x, y = sd.var("x", a.shape, dtypes[0]), sd.var("y", b.shape, dtypes[1])
    expected = np.einsum("ij,jk->ik", a, b, dtype=dtype, casting=casting)
    _assert_numpy(sd.einsum("ij,jk->ik", x, y, dtype=dtype, casting=casting), expected, x=a, y=b)
    _assert_numpy(np.einsum("ij,jk", x, y, dtype=dtype, casting=casting), expected, x=a, y=b)


def test_einsum_refuses_a_dtype_its_casting_rule_forbids():
    x = sd.var("x", (2, 3))
    with pytest.raises(TypeError):
        np.einsum("ij->i", np.ones((2, 3)), dtype="int8")
    with pytest.raises(sd.DTypeError, match="einsum: cannot cast float64 to int8 under casting='safe'"):
        sd.einsum("ij->i", x, dtype="int8")


# -- NumPy 2's linalg.vector_norm and linalg.matrix_norm ------------------------------------------


@pytest.mark.parametrize("kwargs", [
    {}, {"axis": -1}, {"axis": 0, "keepdims": True}, {"axis": (0, 2)}, {"axis": (2, 0), "ord": 1},
    {"ord": np.inf}, {"ord": -np.inf, "axis": 1}, {"ord": 0}, {"ord": 3, "keepdims": True},
    {"axis": None, "keepdims": True, "ord": 0.5}, {"axis": (0, 1, 2), "ord": -1},
])
def test_vector_norm_takes_every_axis_given_as_one_vector(kwargs):
    a = np.random.default_rng(3).standard_normal((2, 3, 4))
    x = sd.var("x", a.shape)
    expected = np.linalg.vector_norm(a, **kwargs)
    _assert_numpy(sd.linalg.vector_norm(x, **kwargs), expected, x=a)
    _assert_numpy(np.linalg.vector_norm(x, **kwargs), expected, x=a)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_matrix_norm_is_the_norm_over_the_last_two_axes(ord):
    a = np.random.default_rng(4).standard_normal((2, 3, 4))
    x = sd.var("x", a.shape)
    for keepdims in (False, True):
        expected = np.linalg.matrix_norm(a, ord=ord, keepdims=keepdims)
        _assert_numpy(sd.linalg.matrix_norm(x, ord=ord, keepdims=keepdims), expected, x=a)
        _assert_numpy(np.linalg.matrix_norm(x, ord=ord, keepdims=keepdims), expected, x=a)


def test_vector_and_matrix_norms_of_integers_and_errors():
    a = np.array([[3, -4], [0, 1]], dtype=np.int8)
    x = sd.var("x", a.shape, "int8")
    _assert_numpy(sd.linalg.vector_norm(x), np.linalg.vector_norm(a), x=a)
    _assert_numpy(sd.linalg.matrix_norm(x), np.linalg.matrix_norm(a), x=a)
    with pytest.raises(sd.ShapeError, match="linalg.matrix_norm: .*at least 2 dimensions"):
        sd.linalg.matrix_norm(sd.var("v", (3,)))
    with pytest.raises(sd.ShapeError, match="linalg.vector_norm: axis 3 is out of bounds"):
        sd.linalg.vector_norm(x, axis=(0, 3))


@pytest.mark.parametrize("ord", [3, 0.5, 2.5])
def test_a_p_norm_of_a_vector_holding_nan_is_nan(ord):
    # the guard giving 0 (with no infinite slope) at a zero sum must not also turn nan into 0
    a = np.array([0.0, -0.0, np.inf, np.nan, 5e-324])
    x = sd.var("x", a.shape)
    for got in _both_paths(sd.linalg.vector_norm(x, ord=ord), x=a):
        np.testing.assert_array_equal(got, np.linalg.vector_norm(a, ord=ord))
    zeros = np.zeros(3)
    g = sd.grad(sd.linalg.vector_norm(x[:3], ord=ord), x)
    np.testing.assert_array_equal(sd.evaluate(g, {"x": np.r_[zeros, 1.0, 2.0]}), np.zeros(5))


# -- indexing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("index, shown", [
    (0.5, "0.5 is"), ((0, 1.5), "1.5 at position 1 is"), (np.float64(1.0), "np.float64(1.0) is"),
    (([0, slice(None)],), "[0, slice(None, None, None)] is"),
])
def test_an_index_of_no_kind_numpy_takes_is_named_with_its_position(index, shown):
    with pytest.raises(IndexError, match="only integers, slices"):
        np.zeros((2, 3))[index]
    with pytest.raises(sd.IndexingError, match=re.escape(f"index: {shown} not an index; only integers")):
        sd.var("x", (2, 3))[index]


def test_the_new_arguments_read_from_text():
    shapes = {"x": ((2, 3, 4), "float64"), "a": ((2, 3), "int8"), "b": ((3, 2), "int8")}
    x, a, b = sd.var("x", (2, 3, 4)), sd.var("a", (2, 3), "int8"), sd.var("b", (3, 2), "int8")
    cases = [
        ('linalg.matrix_norm(x, ord="nuc")', sd.linalg.matrix_norm(x, ord="nuc")),
        ("linalg.vector_norm(x, axis=(0, 2), ord=1)", sd.linalg.vector_norm(x, axis=(0, 2), ord=1)),
        ('x.std(axis=0, dtype="float32")', sd.std(x, axis=0, dtype="float32")),
        ('variance(x, dtype="complex128")', sd.variance(x, dtype="complex128")),
        ('einsum("ij,jk", a, b, dtype="float32")', sd.einsum("ij,jk", a, b, dtype="float32")),
        # NumPy's string keywords are read for every function that takes them (these said "a
        # string is not accepted")
        ('cumsum(x, axis=1, dtype="float32")', sd.cumsum(x, axis=1, dtype="float32")),
        ('x.cumprod(axis=0, dtype="float32")', sd.cumprod(x, axis=0, dtype="float32")),
        ('nansum(x, dtype="float32")', sd.nansum(x, dtype="float32")),
        ('concat([a, a], dtype="int16")', sd.concatenate([a, a], dtype="int16")),
        ('vecdot(x, x, dtype="float32")', sd.vecdot(x, x, dtype="float32")),
        ('sort(x, kind="stable")', sd.sort(x, kind="stable")),
        ('linalg.cond(x[0, :, :3], "fro")', sd.linalg.cond(x[0, :, :3], "fro")),
        ('linalg.trace(x, dtype="float32")', sd.linalg.trace(x, dtype="float32")),
    ]
    for text, expected in cases:
        assert sd.parse(text, shapes=shapes) is expected


# -- NaN-ignoring reductions: all-NaN and empty slices, gradients at the NaNs ------------------------

_ROWS = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 3.0], [2.0, -1.0, 0.5]])


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax",
                                  "nanmin", "nancumsum", "nancumprod"])
def test_an_all_nan_slice_gives_what_numpy_gives(name):
    # nansum 0, nanprod 1, nanmean/var/std and nanmax/min nan (NumPy warns), scans 0 and 1
    x = sd.var("x", _ROWS.shape)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning) if name in (
            "nanmean", "nanvar", "nanstd", "nanmax", "nanmin") else _no_warning():
        want = getattr(np, name)(_ROWS, axis=1)
    out = getattr(sd, name)(x, axis=1)
    for got in _both_paths(out, x=_ROWS):
        np.testing.assert_array_equal(got, want)  # nan where NumPy's is nan
        assert got.dtype == want.dtype


class _no_warning:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
                                  "nancumsum", "nanprod"])
def test_nan_reductions_give_no_gradient_to_the_nans_and_none_from_all_nan_slices(name):
    x = sd.var("x", _ROWS.shape)
    g = sd.evaluate(sd.grad(sd.sum(getattr(sd, name)(x, axis=1)[1:]), x), {"x": _ROWS})
    assert np.all(g[np.isnan(_ROWS)] == 0) and np.all(g[0] == 0)
    # the others' gradient is the plain reduction's over the numbers of each slice
    row = _ROWS[2]
    plain = {"nansum": sd.sum, "nanmean": sd.mean, "nanvar": sd.variance, "nanstd": sd.std,
             "nanmax": sd.max, "nanmin": sd.min, "nancumsum": sd.cumsum, "nanprod": sd.prod}[name]
    v = sd.var("v", (3,))
    want = sd.evaluate(sd.grad(sd.sum(plain(v)), v), {"v": row})
    np.testing.assert_allclose(g[2], want, rtol=1e-12)


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax",
                                  "nanmin"])
@pytest.mark.parametrize("axis", [0, -1])
def test_nan_reductions_of_a_0d_float_take_a_lone_axis_0_or_minus_1_as_numpys(name, axis):
    # np.nanmean(np.array(1.5), axis=0) is 1.5 (and np.nanvar's 0.0): the NaN-ignoring
    # functions reduce with the ufuncs' reduce, which takes a lone 0 or -1 for a 0-d array
    a = np.array(1.5)
    want = getattr(np, name)(a, axis=axis)
    x = sd.var("x")
    for got in _both_paths(getattr(sd, name)(x, axis=axis), x=a):
        np.testing.assert_array_equal(got, want)
        assert got.shape == () and got.dtype == want.dtype


def test_nanvar_is_nan_where_ddof_leaves_no_degrees_of_freedom():
    # NumPy's nanvar gives nan where N - ddof <= 0 (its var would give inf or a negative value)
    x = sd.var("x", _ROWS.shape)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.nanvar(_ROWS, axis=1, ddof=2)
    for got in _both_paths(sd.nanvar(x, axis=1, ddof=2), x=_ROWS):
        np.testing.assert_array_equal(got, want)


_NAN_ORDER = {
    "nanmedian": ((), {}),
    "nanquantile": (([0.0, 0.3, 1.0],), {"method": "hazen"}),
    "nanpercentile": ((40,), {"method": "nearest"}),
}


@pytest.mark.parametrize("name", list(_NAN_ORDER))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_nan_order_statistics_leave_the_nans_out_and_give_nan_for_an_all_nan_slice(name, dtype):
    # the all-NaN row last: NumPy's result takes the dtype of its first row's, and an all-NaN
    # row's is the input's even where q's dtype widens the others (float32 at a float64 q)
    rows = _ROWS[::-1].astype(dtype)
    args, kwargs = _NAN_ORDER[name]
    x = sd.var("x", rows.shape, dtype)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="All-NaN slice"):
        want = getattr(np, name)(rows, *args, axis=1, keepdims=True, **kwargs)
    out = getattr(sd, name)(x, *args, axis=1, keepdims=True, **kwargs)
    assert (out.dtype, out.shape) == (want.dtype, want.shape)
    for got in _both_paths(out, x=rows):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


@pytest.mark.parametrize("name", list(_NAN_ORDER))
def test_nan_order_statistics_give_no_gradient_to_the_nans(name):
    args, kwargs = _NAN_ORDER[name]
    x = sd.var("x", _ROWS.shape)
    out = getattr(sd, name)(x, *args, axis=1, **kwargs)
    g = sd.evaluate(sd.grad(sd.sum(sd.where(sd.isnan(out), 0.0, out)), x), {"x": _ROWS})
    assert np.all(g[np.isnan(_ROWS)] == 0) and np.all(g[0] == 0)
    # the others' gradient is the plain function's over the numbers of each slice
    plain = getattr(sd, name[3:])
    for k in (1, 2):
        kept = ~np.isnan(_ROWS[k])
        v = sd.var("v", (int(kept.sum()),))
        want = sd.evaluate(sd.grad(sd.sum(plain(v, *args, **kwargs)), v), {"v": _ROWS[k][kept]})
        np.testing.assert_array_equal(g[k][kept], want)


@pytest.mark.parametrize("shape, axis", [((0, 3), 0), ((0, 3), 1), ((3, 0), None), ((2, 0, 3), (0, 2))])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_nan_order_statistics_of_no_elements_are_nanmean_as_numpys(shape, axis, dtype):
    # NumPy returns nanmean(a, axis, keepdims=...) for an empty input, whatever q
    a = np.zeros(shape, dtype)
    x = sd.var("x", shape, dtype)
    for name, (args, kwargs) in _NAN_ORDER.items():
        for keepdims in (False, True):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                want = np.asarray(getattr(np, name)(a, *args, axis=axis, keepdims=keepdims, **kwargs))
            _assert_numpy(getattr(sd, name)(x, *args, axis=axis, keepdims=keepdims, **kwargs), want, x=a)


def test_nanquantile_of_a_0d_array_and_of_integers_is_numpys():
    for value in (np.array(2.5), np.array(np.nan)):
        x = sd.var("x", (), value.dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            _assert_numpy(sd.nanquantile(x, [0.2, 0.7]), np.nanquantile(value, [0.2, 0.7]), x=value)
            _assert_numpy(sd.nanmedian(x), np.nanmedian(value), x=value)
    ints = np.array([[5, 1, 4, 2], [3, 3, 0, 7]], np.int16)
    x = sd.var("x", ints.shape, ints.dtype)
    _assert_numpy(sd.nanmedian(x, axis=1), np.nanmedian(ints, axis=1), x=ints)
    _assert_numpy(sd.nanpercentile(x, 30, axis=0, method="lower"),
                  np.nanpercentile(ints, 30, axis=0, method="lower"), x=ints)


def test_nanmedian_of_complex_values_leaves_out_those_with_a_nan_part():
    z = np.array([[1 + 1j, np.nan, 2], [3, 1j, complex(0, np.nan)]])
    x = sd.var("x", z.shape, z.dtype)
    _assert_numpy(sd.nanmedian(x, axis=1), np.nanmedian(z, axis=1), x=z)
    with pytest.raises(TypeError, match="a must be an array of real numbers"):
        np.nanquantile(z, 0.5)
    with pytest.raises(sd.DTypeError, match="^nanquantile: a must be an array of real numbers"):
        sd.nanquantile(x, 0.5)


def test_nan_order_statistics_dispatch_from_numpy_and_read_back_from_text():
    x = sd.var("x", (3, 4))
    assert np.nanmedian(x, axis=1) is sd.nanmedian(x, axis=1)
    assert np.nanquantile(x, [0.1, 0.9], axis=0, method="weibull") is sd.nanquantile(
        x, [0.1, 0.9], axis=0, method="weibull")
    assert np.nanpercentile(x, 50) is sd.nanpercentile(x, 50)
    parsed = sd.parse('nanquantile(x, [0.25, 0.5], axis=1, method="midpoint")', shapes={"x": (3, 4)})
    assert parsed is sd.nanquantile(x, [0.25, 0.5], axis=1, method="midpoint")
    e = sd.nanpercentile(x, [10, 90], axis=0, method="median_unbiased")
    assert sd.parse(sd.to_text(e), shapes={"x": (3, 4)}) is e


@pytest.mark.parametrize("ddof", [0, 1])
def test_float16_variance_where_divides_by_a_count_beyond_2048_as_numpy(ddof):
    # NumPy divides by the per-slice count (an integer array) in a wider dtype; 2051 rounds to
    # 2052 in float16
    a = (np.random.default_rng(1).standard_normal(2051) * 3 + 1).astype(np.float16)
    a[5] = np.nan
    x = sd.var("x", a.shape, np.float16)
    out = sd.variance(x, ddof=ddof, where=sd.logical_not(sd.isnan(x)))
    _assert_numpy(out, np.var(a, ddof=ddof, where=~np.isnan(a)), x=a)
    _assert_numpy(sd.nanvar(x, ddof=ddof), np.nanvar(a, ddof=ddof), x=a)


def test_nanargmax_of_an_all_nan_slice_raises_numpys_error_when_run():
    x = sd.var("x", _ROWS.shape)
    assert sd.evaluate(sd.nanargmax(x[1:], axis=1), {"x": _ROWS}).tolist() == [2, 0]
    assert sd.evaluate(sd.nanargmin(x), {"x": _ROWS}) == np.nanargmin(_ROWS)
    with pytest.raises(ValueError, match="All-NaN slice encountered"):
        sd.evaluate(sd.nanargmax(x, axis=1), {"x": _ROWS})


def test_numpy_nan_functions_and_numpy_2_names_trace_into_graphs():
    a, b = sd.var("a", (2, 3)), sd.var("b", (2, 3))
    assert np.nansum(a, axis=1) is sd.nansum(a, axis=1)
    assert np.nanmax(a) is sd.nanmax(a)
    assert np.vecdot(a, b, axis=0) is sd.vecdot(a, b, axis=0)  # a ufunc with an axis keyword
    assert np.ldexp(a, 3) is sd.ldexp(a, 3) and np.signbit(a) is sd.signbit(a)
    assert np.matrix_transpose(a) is sd.matrix_transpose(a)
    assert np.cov(a) is sd.cov(a) and np.allclose(a, b).shape == ()
    assert np.degrees(a) is sd.rad2deg(a) and np.radians(a) is sd.deg2rad(a)


def test_scipy_special_ufuncs_trace_by_their_own_names():
    from scipy import special

    x = sd.var("x", (3,))
    # scipy.special.digamma is the ufunc "psi", and expit is symdiff's sigmoid
    assert special.digamma(x) is sd.digamma(x) and special.psi(x) is sd.digamma(x)
    assert special.expit(x) is sd.sigmoid(x)
    assert special.gammaln(x) is sd.gammaln(x) and special.erf(x) is sd.erf(x)
    x0 = np.array([0.5, 1.5, 3.0])
    np.testing.assert_allclose(sd.evaluate(special.digamma(x) + special.expit(x), {"x": x0}),
                               special.digamma(x0) + special.expit(x0), rtol=1e-15)
    assert special.i0e(x) is sd.i0e(x) and special.i1e(x) is sd.i1e(x)
    assert special.k0(x) is sd.k0(x) and special.j1(x) is sd.j1(x)
    with pytest.raises(TypeError, match=r"^the ufunc 'dawsn' has no symdiff counterpart"):
        special.dawsn(x)  # SciPy's, not np.dawsn, which does not exist
    with pytest.raises(TypeError, match=r"^the ufunc 'erf': out= cannot hold"):
        special.erf(x, out=np.zeros(3))


def test_ldexp_is_exact_where_two_to_the_power_overflows():
    # 2**1100 is inf in float64, yet ldexp(2**-1074, 1100) is 2**26; a Python int exponent keeps
    # a float32 mantissa float32
    x, n = sd.var("x", (2,)), sd.var("n", (2,), "int64")
    xs, ns = np.array([2.0**-1074, 1e-310]), np.array([1100, 1000])
    _assert_numpy(sd.ldexp(x, n), np.ldexp(xs, ns), x=xs, n=ns)
    f = sd.var("f", (2,), "float32")
    _assert_numpy(sd.ldexp(f, 4), np.ldexp(np.float32([1.5, -2.0]), 4), f=np.float32([1.5, -2.0]))


@pytest.mark.parametrize("exponent", [True, False])
def test_ldexp_takes_a_python_bool_exponent_as_numpy_casts_it_to_an_int(exponent):
    for dtype in ("float16", "float32", "float64"):
        xs = np.array([1.5, -2.0, 0.0], dtype)
        x = sd.var("x", xs.shape, dtype)
        _assert_numpy(sd.ldexp(x, exponent), np.ldexp(xs, exponent), x=xs)


def test_signbit_reads_the_bit_of_negative_zero_and_nan():
    xs = np.array([0.0, -0.0, np.nan, -np.nan, -np.inf, 1.0])
    x = sd.var("x", xs.shape)
    for got in _both_paths(sd.signbit(x), x=xs):
        np.testing.assert_array_equal(got, np.signbit(xs))


def test_cov_without_degrees_of_freedom_is_inf_or_nan_as_numpys():
    xs = np.array([[1.0, 2.0], [3.0, 3.0]])
    x = sd.var("x", xs.shape)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.cov(xs, ddof=2)
    for got in _both_paths(sd.cov(x, ddof=2), x=xs):
        np.testing.assert_array_equal(got, want)
    assert sd.cov(sd.var("e", (0, 3))).shape == (0, 0)


def test_cov_and_corrcoef_of_a_0d_array_are_one_observation_of_one_variable():
    # NumPy reads m as array(m, ndmin=2): a 0-d m is (1, 1)
    c, d = sd.var("c", ()), sd.var("d", ())
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        cases = [(sd.cov(c), np.cov(1.5)), (sd.cov(c, d), np.cov(1.5, 2.5)),
                 (sd.corrcoef(c), np.asarray(np.corrcoef(1.5)))]
    _assert_numpy(sd.cov(c, bias=True), np.cov(1.5, bias=True), c=np.array(1.5))
    for out, want in cases:
        assert (out.shape, out.dtype) == (want.shape, want.dtype)
        for got in _both_paths(out, c=np.array(1.5), d=np.array(2.5)):
            np.testing.assert_array_equal(got, want)


def test_norm_errors_name_the_function_called_and_f_is_the_frobenius_norm():
    x, M = sd.var("x", shape=(3,)), sd.var("M", shape=(2, 3))
    with pytest.raises(ValueError, match=r"^linalg\.vector_norm: invalid norm order 'fro' for vectors$"):
        sd.linalg.vector_norm(x, ord="fro")
    for bad in (3, "x", 0.5):
        with pytest.raises(ValueError, match=rf"^linalg\.matrix_norm: invalid norm order {bad!r} for matrices$"):
            sd.linalg.matrix_norm(M, ord=bad)
    with pytest.raises(sd.ShapeError, match=r"^append: axis 2 is out of bounds"):
        sd.append(M, M, axis=2)
    Mv = np.arange(6.0).reshape(2, 3) - 2
    for order in (2.0, True, "f", "nuc", -np.inf):  # NumPy compares ord by value; 'f' is 'fro'
        assert sd.evaluate(sd.linalg.matrix_norm(M, ord=order), {"M": Mv}) == pytest.approx(
            np.linalg.matrix_norm(Mv, ord=order), rel=1e-14)
        assert sd.evaluate(sd.linalg.norm(M, order), {"M": Mv}) == pytest.approx(np.linalg.norm(Mv, order), rel=1e-14)


# -- float-only functions at the edges of the float range, replacement of NaN and inf -----------

_EDGES = np.array([-3.5, -3.0, -0.0, 0.0, 2.25, np.inf, -np.inf, np.nan, 1e308, 5e-324, -1e-310])


def _assert_bits(out: sd.Node, expected: np.ndarray, **values: np.ndarray) -> None:
    """The same values as NumPy's, NaN where NumPy has NaN and the sign of every zero kept."""
    expected = np.asarray(expected)
    assert (out.dtype, out.shape) == (expected.dtype, expected.shape)
    for got in _both_paths(out, **values):
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
        assert np.array_equal(np.signbit(got), np.signbit(expected))  # -0.0 is not 0.0


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
@pytest.mark.parametrize("name, fn", [
    ("spacing", np.spacing), ("fabs", np.fabs), ("fraction", lambda a: np.modf(a)[0]),
    ("whole", lambda a: np.modf(a)[1]), ("nan_to_num", np.nan_to_num), ("fix", np.fix),
    ("nan_to_num_values", lambda a: np.nan_to_num(a, nan=1e300, posinf=-2, neginf=3.5)),
])
def test_float_functions_give_numpys_bits_at_zeros_infinities_and_nan(name, fn, dtype):
    # spacing(-0.0) is positive and spacing(inf) a positive NaN; NumPy's float16 spacing steps
    # up from every value (spacing(-128) is 0.0625, not -0.125); modf(-3.0) is (-0.0, -3.0) and
    # modf(-inf) is (-0.0, -inf); nan_to_num's 1e300 is inf in float32, as NumPy's copy gives
    a = sd.var("a", shape=_EDGES.shape, dtype=dtype)
    values = np.concatenate([_EDGES[:-1], [-128.0]]).astype(dtype) if dtype == "float16" else _EDGES.astype(dtype)
    with np.errstate(all="ignore"):
        _assert_bits(fn(a), fn(values), a=values)


def test_modf_and_nan_to_num_gradients_pass_where_the_value_moves_with_x():
    x = sd.var("x", shape=(4,))
    at = np.array([-2.25, 0.5, np.inf, np.nan])
    with np.errstate(all="ignore"):
        g_frac = sd.evaluate(sd.grad(sd.sum(sd.modf(x)[0]), x), {x: at})
        g_whole = sd.evaluate(sd.grad(sd.sum(sd.modf(x)[1]), x), {x: at})
        g_n2n = sd.evaluate(sd.grad(sd.sum(sd.nan_to_num(x)), x), {x: at})
    np.testing.assert_array_equal(g_frac, [1.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(g_whole, [0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(g_n2n, [1.0, 1.0, 0.0, 0.0])  # a replaced value has no slope


def test_numpy_names_of_these_functions_trace_into_graphs():
    a, n = sd.var("a", (2, 3)), sd.var("n", (3,), dtype="int32")
    assert np.fix(a) is sd.trunc(a) and np.degrees(a) is sd.rad2deg(a) and np.radians(a) is sd.deg2rad(a)
    assert np.fabs(a) is sd.fabs(a) and np.spacing(a) is sd.spacing(a)
    assert np.isposinf(a) is sd.isposinf(a) and np.isneginf(a) is sd.isneginf(a)
    assert np.isreal(a) is sd.isreal(a) and np.iscomplex(a) is sd.iscomplex(a)
    assert np.nan_to_num(a, nan=2.0) is sd.nan_to_num(a, nan=2.0)
    assert np.count_nonzero(a, axis=1) is sd.count_nonzero(a, axis=1)
    assert np.gcd(n, 4) is sd.gcd(n, 4) and np.lcm(n, 4) is sd.lcm(n, 4)
    frac, whole = np.modf(a)
    assert (frac, whole) == sd.modf(a)
    A = sd.var("A", (3, 3))
    assert np.linalg.cond(A) is sd.linalg.cond(A) and np.linalg.trace(A) is sd.linalg.trace(A)
    assert np.linalg.matrix_rank(A) is sd.linalg.matrix_rank(A)


def test_condition_number_of_a_zero_or_singular_matrix_is_inf_as_numpys():
    A = sd.var("A", (2, 2))
    for value in (np.zeros((2, 2)), np.array([[1.0, 2.0], [0.0, 0.0]])):
        with np.errstate(all="ignore"):
            want = np.linalg.cond(value)
            for got in _both_paths(sd.linalg.cond(A), A=value):
                np.testing.assert_array_equal(got, want)


def _singular_stack(dtype: str) -> np.ndarray:
    """Invertible, singular (exactly, and zero), nearly singular and NaN-holding 2 x 2 matrices."""
    r = np.random.default_rng(23)
    good = r.standard_normal((2, 2, 2)) + 2 * np.eye(2)
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    near = np.array([[1.0, 2.0], [1.0, 2.0 + 1e-15]])
    with_nan = np.array([[np.nan, 1.0], [1.0, 1.0]])
    stack = np.stack([good[0], singular, np.zeros((2, 2)), near, with_nan, good[1]])
    return (stack * (1 - 2j) if dtype.startswith("complex") else stack).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "complex64"])
@pytest.mark.parametrize("p", [1, -1, np.inf, -np.inf, "fro", None, 2, -2])
def test_condition_number_of_a_stack_with_singular_matrices_is_numpys(p, dtype):
    # norm(A) * norm(inv(A)) raised LinAlgError for the whole stack; NumPy's cond gives inf for
    # each singular matrix and NaN for one holding NaN
    value = _singular_stack(dtype)
    if p in (None, 2, -2):  # NumPy's SVD refuses the NaN matrix; symdiff's has no complex SVD
        if dtype.startswith("complex"):
            return
        value = value[[0, 1, 2, 3, 5]]
    A = sd.var("A", value.shape, dtype)
    with np.errstate(all="ignore"):
        want = np.linalg.cond(value, p)
        got = _both_paths(sd.linalg.cond(A, p), A=value)
    for g in got:
        assert g.dtype == want.dtype
        np.testing.assert_allclose(g, want, rtol=1e-6 if dtype in ("float32", "complex64") else 1e-13)


def test_condition_number_in_the_nuclear_norm_of_a_singular_matrix_raises_as_numpys():
    # the singular values of the singular matrix's inverse, NaNs, do not converge in NumPy's SVD
    value = np.array([[1.0, 2.0], [2.0, 4.0]])
    A = sd.var("A", (2, 2))
    with np.errstate(all="ignore"), pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
        np.linalg.cond(value, "nuc")
    with np.errstate(all="ignore"), pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
        sd.evaluate(sd.linalg.cond(A, "nuc"), {"A": value})


@pytest.mark.parametrize("p", [1, -1, np.inf, -np.inf, "fro"])
def test_condition_number_gradient_is_exact_where_invertible_and_raises_nowhere(p):
    value = _singular_stack("float64")[[0, 1, 2, 5]]
    A = sd.var("A", value.shape)
    grad = sd.grad(sd.sum(sd.linalg.cond(A, p)), A)
    got = _both_paths(grad, A=value)
    h = 1e-6
    for k in (0, 3):  # invertible: central differences of NumPy's cond
        fd = np.zeros((2, 2))
        for i in np.ndindex(2, 2):
            e = np.zeros((2, 2))
            e[i] = h
            fd[i] = (np.linalg.cond(value[k] + e, p) - np.linalg.cond(value[k] - e, p)) / (2 * h)
        for g in got:
            np.testing.assert_allclose(g[k], fd, rtol=1e-6, atol=1e-8)
    for g in got:  # singular: undefined, and no LinAlgError; 0 (the slope of the replacing
        # inf) or NaN (the inverse's), as simplification finds the expression
        assert np.all(np.isnan(g[1:3]) | (g[1:3] == 0))


@pytest.mark.parametrize("shape", [(0, 0), (3, 0), (2, 0, 0)])
def test_condition_number_of_empty_matrices_is_refused_as_numpy_refuses_it(shape):
    with pytest.raises(np.linalg.LinAlgError, match="cond is not defined on empty arrays"):
        np.linalg.cond(np.zeros(shape))
    for p in (None, 1, "fro"):
        with pytest.raises(sd.ShapeError, match=re.escape(
                f"linalg.cond: not defined for empty matrices, got shape {shape}")):
            sd.linalg.cond(sd.var("A", shape), p)


def test_matrix_rank_of_matrices_with_no_singular_values_is_zero():
    for shape in ((0, 0), (3, 0), (2, 0, 4)):
        A = sd.var("A", shape)
        for got in _both_paths(sd.linalg.matrix_rank(A), A=np.zeros(shape)):
            np.testing.assert_array_equal(got, np.linalg.matrix_rank(np.zeros(shape)))
            assert got.dtype == np.linalg.matrix_rank(np.zeros(shape)).dtype


def test_text_of_the_new_functions_reads_back():
    x = sd.var("x", (3,))
    for e in (sd.fabs(x), sd.spacing(x), sd.modf(x)[0], sd.nan_to_num(x), sd.isposinf(x),
              sd.count_nonzero(x), sd.linalg.cond(sd.var("A", (3, 3)))):
        assert sd.parse(str(e), shapes={"x": (3,), "A": (3, 3)}) is e


def test_scipy_special_functions_trace_and_keep_scipys_dtypes():
    from scipy import special

    x, y = sd.var("x", (3,)), sd.var("y", (3,))
    for name in ("xlogy", "xlog1py", "betaln", "beta", "rel_entr", "kl_div", "boxcox", "inv_boxcox"):
        assert getattr(special, name)(x, y) is sd.FUNCTIONS[name](x, y)
    for name in ("logit", "log_expit", "ndtr", "log_ndtr", "entr", "erfinv", "erfcinv", "ndtri"):
        assert getattr(special, name)(x) is sd.FUNCTIONS[name](x)
    # float32 stays float32, integers and float16 give float64, as SciPy's loops
    for dtype in ("float32", "float64", "int64", "float16"):
        v = sd.var("v", (3,), dtype=dtype)
        assert sd.ndtr(v).dtype == special.ndtr(np.ones(3, dtype)).dtype
        assert sd.xlogy(v, v).dtype == special.xlogy(np.ones(3, dtype), np.ones(3, dtype)).dtype
    # log_ndtr where log(ndtr) underflows to -inf
    z = np.array([-40.0, -1e3])
    np.testing.assert_allclose(sd.evaluate(sd.log_ndtr(x[:2]), {"x": np.r_[z, 0.0]}), special.log_ndtr(z),
                               rtol=1e-15)


def test_scipy_functions_listing_float32_first_compute_small_types_in_float32():
    # erfinv, entr, boxcox, ... take booleans, float16 and 8- and 16-bit integers to float32, as
    # SciPy's loop order does; a Python number beside float32 keeps float32, beside integers not
    from scipy import special

    dtypes = ("bool", "int8", "uint16", "int32", "float16", "float32", "float64")
    for name in ("erfinv", "erfcinv", "ndtri", "entr", "logit", "ndtr"):
        for dtype in dtypes:
            want = getattr(special, name)(np.ones(2, dtype)).dtype
            assert sd.FUNCTIONS[name](sd.var("v", (2,), dtype=dtype)).dtype == want, (name, dtype)
    for name in ("rel_entr", "kl_div", "boxcox", "inv_boxcox", "xlogy", "betaln"):
        for a in dtypes:
            for b in (*dtypes, 0.5, 3):
                want = getattr(special, name)(np.ones(2, a), b if isinstance(b, (int, float)) else np.ones(2, b))
                y = b if isinstance(b, (int, float)) else sd.var("b", (2,), dtype=b)
                assert sd.FUNCTIONS[name](sd.var("a", (2,), dtype=a), y).dtype == want.dtype, (name, a, b)
    v = np.array([0.25, -0.5], np.float16)
    got = sd.evaluate(sd.erfinv(sd.var("v", (2,), dtype="float16")), {"v": v})
    np.testing.assert_array_equal(got, special.erfinv(v))


def test_boxcox_near_lmbda_zero_keeps_its_second_derivative_and_edges():
    from scipy import special

    x, lm = sd.var("x", ()), sd.var("lm", ())
    for f, ref, t in ((sd.boxcox, special.boxcox, 2.0), (sd.inv_boxcox, special.inv_boxcox, 0.7)):
        e = f(x, lm)
        d2 = sd.grad(sd.grad(e, lm), lm)
        for lv in (1e-7, -1e-7, 1e-4, 0.0):
            h = 1e-4  # central second difference of SciPy's values, exact to about 1e-7 here
            fd = (ref(t, lv + h) - 2 * ref(t, lv) + ref(t, lv - h)) / h**2
            np.testing.assert_allclose(sd.evaluate(d2, {"x": t, "lm": lv}), fd, rtol=1e-6)
    # log(0) = -inf and exp(+-inf) at lmbda = 0, as SciPy's (not 0 * inf = nan)
    v = np.array([0.0, np.inf, -np.inf, 2.0])
    zero = np.zeros(4)
    X, L = sd.var("X", (4,)), sd.var("L", (4,))
    for f, ref, arg in ((sd.boxcox, special.boxcox, np.abs(v)), (sd.inv_boxcox, special.inv_boxcox, v)):
        for got in _both_paths(f(X, L), X=arg, L=zero):
            np.testing.assert_array_equal(got, ref(arg, zero))


def test_binary_ufunc_outer_and_logaddexp_reduce():
    a, b = sd.var("a", (2, "n")), sd.var("b", (3,))
    av, bv = np.array([[0.5, -1.0, 2.0, 3.0], [1.0, 2.0, -3.0, 0.25]]), np.array([1.0, -2.0, 0.5])
    for ufunc in (np.add, np.multiply, np.subtract, np.arctan2, np.maximum, np.logaddexp):
        e = ufunc.outer(a, b)
        assert e.shape == (2, "n", 3)
        np.testing.assert_allclose(sd.evaluate(e, {"a": av, "b": bv}), ufunc.outer(av, bv), rtol=1e-15)
    assert np.logaddexp.reduce(b) is sd.logsumexp(b, axis=0)
    assert np.maximum.accumulate(b) is sd.cummax(b, axis=0)
    with pytest.raises(TypeError, match=r"np.logaddexp.accumulate is not supported"):
        np.logaddexp.accumulate(b)
    with pytest.raises(TypeError, match=r"^np.add.outer: dtype= is not supported"):
        np.add.outer(a, b, dtype="float32")


@pytest.mark.parametrize("ufunc, sign", [(np.add, 1.0), (np.subtract, -1.0)])
def test_ufunc_at_is_refused_naming_the_index_add_that_builds_its_result(ufunc, sign):
    a, idx, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 0, 2]), sd.var("b", (3,))
    op = "+" if sign > 0 else "-"
    with pytest.raises(TypeError, match=rf"^np\.{ufunc.__name__}\.at changes its first argument in "
                                        rf"place, .*; a {re.escape(op)} sd\.index_add\(b, a\.shape, "
                                        r"indices\) is the array it makes"):
        ufunc.at(a, idx, b)
    bv = np.array([0.5, -1.0, 2.0])
    expected = a.copy()
    ufunc.at(expected, idx, bv)
    built = a + sd.index_add(b, a.shape, idx) if sign > 0 else a - sd.index_add(b, a.shape, idx)
    for got in _both_paths(built, b=bv):
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(TypeError, match=r"^np\.maximum\.at changes its first argument in place"):
        np.maximum.at(a, idx, b)


# -- finite differences, polynomials, layout and creation functions NumPy users reach for --------


def test_numpy_names_of_the_array_functions_trace_into_graphs():
    y, A, x = sd.var("y", (5, 4)), sd.var("A", (2, 3)), sd.var("x", (3,))
    yv, Av, xv = np.arange(20.0).reshape(5, 4) ** 2, np.arange(6.0).reshape(2, 3), np.array([1.0, -2.0, 0.5])
    cases = [
        (np.gradient(y, 0.5, axis=1), np.gradient(yv, 0.5, axis=1)),
        (np.ediff1d(x, to_begin=0.0), np.ediff1d(xv, to_begin=0.0)),
        (np.unwrap(x * 4.0), np.unwrap(xv * 4.0)),
        (np.select([x > 0], [x], -1.0), np.select([xv > 0], [xv], -1.0)),
        (np.broadcast_arrays(A, x)[1], np.broadcast_arrays(Av, xv)[1]),
        (np.unstack(A)[1], np.unstack(Av)[1]),
        (np.matvec(A, x), np.matvec(Av, xv)),
        (np.vecmat(x, A.T), np.vecmat(xv, Av.T)),
        (np.dstack([A, A]), np.dstack([Av, Av])),
        (np.rollaxis(A, 1), np.rollaxis(Av, 1)),
        (np.diagflat(x, 1), np.diagflat(xv, 1)),
        (np.vander(x, 4), np.vander(xv, 4)),
        (np.polyder(x), np.polyder(xv)),
        (np.polyint(x, 2, 1.5), np.polyint(xv, 2, 1.5)),
        (np.polyadd(x, A[0, :2]), np.polyadd(xv, Av[0, :2])),
        (np.polysub(x, A[0, :2]), np.polysub(xv, Av[0, :2])),
        (np.polymul(x, A[1]), np.polymul(xv, Av[1])),
        (np.polymul(x, [0.0, 0.0, 2.0, 1.0]), np.polymul(xv, [0.0, 0.0, 2.0, 1.0])),
        (np.polymul(x, [0, 0]), np.polymul(xv, [0, 0])),
        (np.logspace(x, 2.0, 3), np.logspace(xv, 2.0, 3)),
        (np.geomspace(A[0] + 1.0, 5.0, 3), np.geomspace(Av[0] + 1.0, 5.0, 3)),
    ]
    for out, expected in cases:
        assert isinstance(out, sd.Node)
        _assert_numpy(out, expected, y=yv, A=Av, x=xv)


def test_gradient_of_several_axes_is_a_tuple_as_numpy_2s_and_of_one_an_array():
    f, fv = sd.var("f", (3, 4)), np.arange(12.0).reshape(3, 4) ** 1.5
    both = sd.gradient(f, 2.0, [0.0, 1.0, 3.0, 6.0])
    assert isinstance(both, tuple) and isinstance(np.gradient(fv), tuple) and len(both) == 2
    for got, expected in zip(both, np.gradient(fv, 2.0, [0.0, 1.0, 3.0, 6.0])):
        _assert_numpy(got, expected, f=fv)
    assert isinstance(sd.gradient(f, axis=-1), sd.Node)
    _assert_numpy(sd.gradient(f, axis=(-1, 0))[1], np.gradient(fv, axis=(-1, 0))[1], f=fv)


def test_gradient_in_the_coordinates_matches_finite_differences():
    # the weights of uneven spacings are differentiable: d/dx of gradient(f, x) at uneven x
    f, x = sd.var("f", (5,)), sd.var("x", (5,))
    fv, xv = np.array([1.0, -0.5, 2.0, 0.25, 3.0]), np.array([0.0, 0.4, 1.1, 1.5, 2.6])
    w = np.array([0.3, -1.2, 0.7, 2.0, -0.4])
    for edge_order in (1, 2):
        out = sd.sum(sd.gradient(f, x, edge_order=edge_order) * w)
        got = sd.evaluate(sd.grad(out, x), {"f": fv, "x": xv})
        h, fd = 1e-6, np.zeros(5)
        for i in range(5):
            e = np.eye(5)[i] * h
            fd[i] = (np.sum(np.gradient(fv, xv + e, edge_order=edge_order) * w)
                     - np.sum(np.gradient(fv, xv - e, edge_order=edge_order) * w)) / (2 * h)
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


def test_gradient_and_unwrap_along_a_named_dimension_are_refused_by_name():
    f = sd.var("f", ("n", 3))
    with pytest.raises(sd.ShapeError, match=r"^gradient: cannot take differences along the named dimension 'n'"):
        sd.gradient(f, axis=0)
    assert sd.gradient(f, axis=1).shape == ("n", 3)
    with pytest.raises(sd.ShapeError, match=r"^unwrap: cannot unwrap along the named dimension 'n'"):
        sd.unwrap(f, axis=0)


def test_unwrap_derivative_is_the_identity():
    p = sd.var("p", (6,))
    pv = np.array([0.0, 3.0, 6.5, 0.2, -3.0, 2.9])
    g = sd.evaluate(sd.grad(sd.sum(sd.unwrap(p) * np.arange(6.0)), p), {"p": pv})
    np.testing.assert_array_equal(g, np.arange(6.0))


@pytest.mark.parametrize("name", ["nonzero", "argwhere", "flatnonzero", "unique", "trim_zeros", "bincount",
                                  "intersect1d", "union1d", "setdiff1d", "setxor1d"])
def test_functions_whose_shape_depends_on_values_are_refused_saying_why(name):
    x = sd.var("x", (4,), dtype="int64" if name == "bincount" else "float64")
    with pytest.raises(TypeError, match=rf"^np.{name}: the shape of its result depends on the values, .*; use "):
        getattr(np, name)(*(x, x)[:2 if name.endswith("1d") else 1])


def test_i1_the_derivative_of_i0_is_scipys_across_its_range():
    special = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(-713.0, 713.0, 4001), np.geomspace(1e-300, 700.0, 400),
                        -np.geomspace(1e-8, 30.0, 50), [0.0, -0.0, np.nan, np.inf]])
    v = sd.var("x", x.shape)
    with np.errstate(all="ignore"):
        expected = special.i1(x)
        for got in _both_paths(sd.i1(v), x=x):
            finite = np.isfinite(expected)
            np.testing.assert_allclose(got[finite], expected[finite], rtol=2e-14, atol=0)
            assert np.array_equal(np.isnan(got), np.isnan(expected))
            nonzero = finite & (expected != 0)  # (of -0.0, SciPy's is 0.0; this odd function's -0.0)
            assert np.array_equal(np.signbit(got[nonzero]), np.signbit(expected[nonzero]))
        # and the derivative of i0 is i1, of i1 i0 - i1/x (1/2 at 0), to the third order
        d1, d2, d3 = (sd.derivative(sd.i0(sd.var("t")), sd.var("t"), k) for k in (1, 2, 3))
        t = np.array([0.0, 1e-3, 0.7, -2.5, 40.0])
        for k, d in enumerate((d1, d2, d3), 1):
            got = np.array([sd.evaluate(d, {"t": ti}) for ti in t])
            if k == 1:
                want = special.i1(t)
            elif k == 2:
                want = special.ivp(1, t)
            else:
                want = special.ivp(1, t, 2)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"order {k}")


@pytest.mark.parametrize("dtype", ["int8", "int64"])
def test_choose_refuses_a_negative_index_when_it_runs_as_numpy(dtype):
    """mode='raise' (the default): np.choose raises for -1 instead of reading the last choice."""
    i, a, b = sd.var("i", (3,), dtype), sd.var("a", (3,)), sd.var("b", (3,))
    out = sd.choose(i, [a, b])
    values = {"i": np.array([0, -1, 1], dtype), "a": np.zeros(3), "b": np.ones(3)}
    with pytest.raises(ValueError):
        np.choose(values["i"], [values["a"], values["b"]])
    fn = sd.compile([out], inputs=[i, a, b])
    with pytest.raises(IndexError, match="out of bounds"):
        sd.evaluate(out, values)
    with pytest.raises(IndexError, match="out of bounds"):
        fn(values["i"], values["a"], values["b"])
    good = {**values, "i": np.array([0, 1, 1], dtype)}
    expected = np.choose(good["i"], [good["a"], good["b"]])
    for got in _both_paths(out, **good):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(sd.evaluate(sd.grad(sd.sum(out * np.arange(3.0)), b), good),
                                  [0.0, 1.0, 2.0])


@pytest.mark.parametrize("fn", ["linspace", "logspace"])
@pytest.mark.parametrize("start, stop", [
    (np.array([0.0, 0.5], np.float16), 2),  # a Python number beside an array is weak
    (np.array([0.0, 1.0], np.float32), 2.5),
    (np.array([1, 2], np.int8), np.float32(3.0)),  # int8 with float32 is float32, not float64
])
def test_linspace_and_logspace_take_the_dtype_of_array_bounds(fn, start, stop):
    expected = getattr(np, fn)(start, stop, 4)
    _assert_numpy(getattr(sd, fn)(start, stop, 4), expected)
    x = sd.var("x", start.shape, start.dtype)
    _assert_numpy(getattr(sd, fn)(x, stop, 4), expected, x=start)


@pytest.mark.parametrize("name,ufunc", [("cummax", np.maximum), ("cummin", np.minimum)])
def test_running_extrema_propagate_nan_and_route_gradients_to_the_first_extreme(name, ufunc):
    # ties go to the first equal element in the scan's direction, nan to the first nan, as argmax
    x = np.array([[1.0, 3.0, 3.0, -2.0, 5.0, 5.0], [4.0, np.nan, 5.0, 1.0, np.nan, 7.0]])
    if name == "cummin":
        x = -x
    v = sd.var("x", x.shape)
    weights = np.arange(12.0).reshape(2, 6)
    forward = np.array([[0.0, 1 + 2 + 3, 0.0, 0.0, 4 + 5, 0.0], [6.0, 7 + 8 + 9 + 10 + 11, 0.0, 0.0, 0.0, 0.0]])
    backward = np.array([[0.0, 0.0, 0.0, 0.0, 0.0, 0 + 1 + 2 + 3 + 4 + 5], [0.0, 0.0, 0.0, 0.0, 6 + 7 + 8 + 9 + 10, 11.0]])
    for reverse, want in ((False, forward), (True, backward)):
        y = ufunc.accumulate(v, axis=-1) if not reverse else sd.FUNCTIONS[name](v, axis=1, reverse=True)
        expected = ufunc.accumulate(x, axis=-1) if not reverse else np.flip(ufunc.accumulate(np.flip(x, 1), axis=1), 1)
        for got in _both_paths(y, x=x):
            np.testing.assert_array_equal(got, expected)
        g = sd.grad(sd.sum(y * weights), v)
        for got in _both_paths(g, x=x):
            np.testing.assert_array_equal(np.nan_to_num(got, nan=-1.0), want, err_msg=f"reverse={reverse}")


@pytest.mark.parametrize("dtype", ["int8", "uint16", "bool", "float16", "float32", "complex64"])
def test_running_extrema_keep_numpys_dtypes(dtype):
    x = (np.array([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]]) * (1 + 1j if dtype.startswith("complex") else 1)).astype(dtype)
    v = sd.var("x", x.shape, dtype=dtype)
    for ufunc in (np.maximum, np.minimum):
        for axis in (0, 1, -2):
            _assert_numpy(ufunc.accumulate(v, axis=axis), ufunc.accumulate(x, axis=axis), x=x)


def test_running_maximum_second_derivative_is_zero_and_first_matches_differences():
    x = np.array([0.3, -1.2, 0.9, 0.8, 2.1, 1.7])
    v = sd.var("x", x.shape)
    f = sd.sum(sd.cummax(v) ** 2)
    g = sd.grad(f, v)
    h = 1e-6
    fd = np.array([(np.sum(np.maximum.accumulate(x + h * e) ** 2) - np.sum(np.maximum.accumulate(x - h * e) ** 2))
                   / (2 * h) for e in np.eye(6)])
    np.testing.assert_allclose(sd.evaluate(g, {"x": x}), fd, rtol=1e-8)
    hess = sd.evaluate(sd.hessian(f, v), {"x": x})
    want = np.zeros((6, 6))
    for i, k in enumerate((0, 0, 2, 2, 4, 4)):  # each position's maximum: d2/dx_k^2 of sum of squares
        want[k, k] += 2.0
    np.testing.assert_array_equal(hess, want)


def test_logsumexp_weights_and_sign_as_scipys_without_overflow():
    special = pytest.importorskip("scipy.special")
    x = np.array([[1000.0, 999.0, -5.0], [1.0, 2.0, 3.0], [np.inf, 1.0, 2.0], [-np.inf, -np.inf, -np.inf]])
    b = np.array([[1.0, -3.0, 2.0], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    xv, bv = sd.var("x", x.shape), sd.var("b", b.shape)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, sgn = special.logsumexp(x, axis=1, b=b, return_sign=True)
        plain = special.logsumexp(x, axis=1, b=b)
        got_out, got_sign = sd.evaluate(list(sd.logsumexp(xv, axis=1, b=bv, return_sign=True)), {"x": x, "b": b})
        got_plain = sd.evaluate(sd.logsumexp(xv, axis=1, b=bv), {"x": x, "b": b})
    np.testing.assert_allclose(got_out, out, rtol=1e-15)
    np.testing.assert_array_equal(got_sign, sgn)
    assert np.isnan(got_plain[0]) and np.isnan(plain[0])  # a negative sum, as SciPy's: nan
    np.testing.assert_allclose(got_plain[1:], plain[1:], rtol=1e-15)
    # gradients: d/dx_i = b_i exp(x_i) / s, d/db_i = exp(x_i) / s, s the signed sum
    y = sd.logsumexp(xv[:2], axis=1, b=bv[:2], return_sign=True)[0]
    gx, gb = sd.evaluate(sd.grad(sd.sum(y), [xv, bv]), {"x": x, "b": b})
    shift = np.max(x[:2], axis=1, keepdims=True)
    e = np.exp(x[:2] - shift)
    s = np.sum(b[:2] * e, axis=1, keepdims=True)
    np.testing.assert_allclose(gx[:2], b[:2] * e / s, rtol=1e-13)
    np.testing.assert_allclose(gb[:2], e / s, rtol=1e-13)


def test_plain_logsumexp_keeps_its_one_node():
    x = sd.var("x", (3, 4))
    assert sd.logsumexp(x, axis=1).op.name == "logsumexp"
    assert sd.logsumexp(x, 1, True) is sd.logsumexp(x, axis=1, keepdims=True)
    with pytest.raises(TypeError, match=r"^logsumexp: keepdims must be True or False, got array"):
        sd.logsumexp(x, 1, np.ones(4))  # SciPy's third positional argument b, here keepdims
    out, sgn = sd.logsumexp(x, axis=1, return_sign=True)
    assert out is sd.logsumexp(x, axis=1)


@pytest.mark.parametrize("name", ["i0e", "i1e"])
def test_scaled_bessel_functions_are_scipys_to_a_few_ulp(name):
    special = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(-60.0, 60.0, 2401), np.geomspace(1e-300, 1e300, 600),
                        -np.geomspace(1e-8, 1e8, 100), [0.0, -0.0, 29.999999, 30.0, np.inf, -np.inf, np.nan]])
    v = sd.var("x", x.shape)
    expected = getattr(special, name)(x)
    for got in (*_both_paths(sd.FUNCTIONS[name](v), x=x), getattr(special, name)(v).eval(x=x)):
        finite = np.isfinite(expected)
        ulp = np.abs(got[finite] - expected[finite]) / np.spacing(np.maximum(np.abs(expected[finite]), 1e-300))
        assert ulp.max() <= 8, (ulp.max(), x[finite][ulp.argmax()])
        assert np.array_equal(np.isnan(got), np.isnan(expected))
        nonzero = finite & (expected != 0)  # (of -0.0, SciPy's i1e is 0.0; this odd function's -0.0)
        assert np.array_equal(np.signbit(got[nonzero]), np.signbit(expected[nonzero]))
    # derivatives: i0e' = i1e - sign(x) i0e, i1e' = i0e - i1e/x - sign(x) i1e (1/2 at 0), against
    # SciPy's derivative of I_n times exp(-|x|)
    t = np.array([0.0, 1e-3, 0.7, -2.5, 40.0, -300.0])
    order = int(name[1])
    d1 = sd.derivative(sd.FUNCTIONS[name](sd.var("t")), sd.var("t"), 1)
    got = np.array([sd.evaluate(d1, {"t": ti}) for ti in t])
    want = (special.ivp(order, t) - np.sign(t) * special.iv(order, t)) * np.exp(-np.abs(t))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)


def test_bessel_functions_near_the_largest_float_are_scipys():
    # 2 pi x overflows from x ~ 2.9e307: the asymptotic series' 1/sqrt(2 pi x) must not become 0
    # there (i0e, i1e were 0 and i1, inf times that 0, nan)
    special = pytest.importorskip("scipy.special")
    x = np.array([3e307, -5e307, 1e308, -np.finfo(np.float64).max])
    v = sd.var("x", x.shape)
    for name in ("i0e", "i1e", "i1"):
        expected = getattr(special, name)(x)
        for got in _both_paths(sd.FUNCTIONS[name](v), x=x):
            np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_betaln_and_beta_at_large_arguments_and_their_derivatives():
    # gammaln(a) + gammaln(b) - gammaln(a + b) cancelled to 0 at betaln(1e300, 1)
    from scipy import special

    a, b = sd.var("a", (6,)), sd.var("b", (6,))
    av = np.array([1e300, 2.0, 1e5, 1e10, 1e15, 1e300])
    bv = np.array([1.0, 1e300, 0.5, 2.5, 3.0, 1e300])
    # exact values (mpmath); SciPy's own betaln(1e5, 0.5) keeps only 11 digits
    exact = np.array([-690.7755278982137, -1381.5510557964274, -5.184096539560414, -57.27994445456572,
                      -102.9231820041721, -1.3862943611198906e300])
    want = {"betaln": exact, "beta": np.exp(exact)}
    for name in ("betaln", "beta"):
        for got in _both_paths(sd.FUNCTIONS[name](a, b), a=av, b=bv):
            np.testing.assert_allclose(got, want[name], rtol=4e-16 if name == "betaln" else 1e-13)
    x, y = sd.var("x", ()), sd.var("y", ())
    e = sd.betaln(x, y)
    da, db = sd.grad(e, x), sd.grad(e, y)
    # central differences of exact values (SciPy's own lose digits here), to about 1e-10
    mp = pytest.importorskip("mpmath")

    def exact(p: float, q: float) -> Any:
        return mp.log(abs(mp.beta(p, q)))

    with mp.workdps(60):
        for xv, yv in ((1e5, 0.5), (1e10, 2.5), (30.0, 20.0), (12.0, 0.3), (1e6, -0.5)):
            h, k = mp.mpf(xv) * mp.mpf("1e-12"), mp.mpf("1e-12")
            fd_a = float((exact(xv + h, yv) - exact(xv - h, yv)) / (2 * h))
            fd_b = float((exact(xv, yv + k) - exact(xv, yv - k)) / (2 * k))
            np.testing.assert_allclose(sd.evaluate(da, {"x": xv, "y": yv}), fd_a, rtol=1e-10)
            np.testing.assert_allclose(sd.evaluate(db, {"x": xv, "y": yv}), fd_b, rtol=1e-10)
    # psi(a) - psi(a + 2) = -1/a - 1/(a + 1) at a = 1e300, where 2 / a^2 underflows
    np.testing.assert_allclose(sd.evaluate(da, {"x": 1e300, "y": 2.0}), -2e-300, rtol=1e-14)


def test_betaln_and_beta_at_the_poles_take_scipys_values():
    # SciPy's conventions where Gamma(a) or Gamma(b) has a pole: B(n, m) = (-1)^m B(1 - n - m, m)
    # for a positive integer m < 1 - n, +inf otherwise, (-1)^b inf when both are poles; inf as
    # an argument gives the limits
    from scipy import special

    av = np.array([0.0, -1.0, 3.0, -1.0, -2.0, 0.0, -3.0, -0.5, -1.5, np.inf, np.inf, -np.inf, 1e300])
    bv = np.array([0.0, 1.0, -1.0, -1.0, 1.0, 1.0, 2.0, -0.5, -0.5, 1.0, -0.5, 1.0, 1e-300])
    a, b = sd.var("a", av.shape), sd.var("b", bv.shape)
    for name in ("betaln", "beta"):
        want = getattr(special, name)(av, bv)
        for got in _both_paths(sd.FUNCTIONS[name](a, b), a=av, b=bv):
            np.testing.assert_allclose(got, want, rtol=1e-15)
            np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_kl_div_rel_entr_and_inv_boxcox_do_not_overflow_on_the_way():
    # kl_div(inf, 0) was inf - inf; x / y and 1 + lmbda y overflowed where the result does not
    from scipy import special

    x, y = sd.var("x", (5,)), sd.var("y", (5,))
    xv = np.array([1e300, 1e-300, 5e-324, 2.0, 1e300])
    yv = np.array([1e-300, 1e300, 1e300, 0.5, 5e-324])
    for got in _both_paths(sd.rel_entr(x, y), x=xv, y=yv):
        np.testing.assert_allclose(got, special.rel_entr(xv, yv), rtol=1e-15)
    xk, yk = np.array([np.inf, 0.0, 1e300, 2.0, 1e300]), np.array([0.0, np.inf, 1e-300, 0.5, 1e300])
    # SciPy's kl_div, unlike its rel_entr, overflows x / y at (1e300, 1e-300): rel_entr - x + y
    want = special.kl_div(xk, yk)
    want[2] = special.rel_entr(1e300, 1e-300) - 1e300
    for got in _both_paths(sd.kl_div(x, y), x=xk, y=yk):
        np.testing.assert_allclose(got, want, rtol=1e-15)
    yb, lb = np.array([1e300, -1e300, 1e200, 1e10, 3.0]), np.array([1e300, -1e300, 1e200, 1e10, 0.5])
    for got in _both_paths(sd.inv_boxcox(x, y), x=yb, y=lb):
        np.testing.assert_allclose(got, special.inv_boxcox(yb, lb), rtol=1e-15)
    # derivatives where the new forms are taken, against central differences of exact values
    mp = pytest.importorskip("mpmath")
    s, t = sd.var("s", ()), sd.var("t", ())
    exact_rel_entr = lambda p, q: p * mp.log(p / q)  # noqa: E731
    exact_inv_boxcox = lambda p, q: mp.power(1 + q * p, 1 / q)  # noqa: E731
    with mp.workdps(80):
        for f, ref, sv, tv in ((sd.rel_entr, exact_rel_entr, 1e300, 1e-300),
                               (sd.rel_entr, exact_rel_entr, 1e-300, 1e300),
                               (sd.inv_boxcox, exact_inv_boxcox, 1e20, 2.0),
                               (sd.inv_boxcox, exact_inv_boxcox, 3.0, 1e17)):
            e = f(s, t)
            ds, dt = sd.evaluate([sd.grad(e, s), sd.grad(e, t)], {"s": sv, "t": tv})
            p, q = mp.mpf(sv), mp.mpf(tv)
            hs, ht = p * mp.mpf("1e-20"), q * mp.mpf("1e-20")
            np.testing.assert_allclose(ds, float((ref(p + hs, q) - ref(p - hs, q)) / (2 * hs)), rtol=1e-13)
            np.testing.assert_allclose(dt, float((ref(p, q + ht) - ref(p, q - ht)) / (2 * ht)), rtol=1e-13)


@pytest.mark.parametrize("build, error, message", [
    (lambda: sd.linalg.tensorinv(sd.var("T", ("n", 3, 6))), sd.ShapeError,
     r"^linalg.tensorinv: needs a known shape, got \(n, 3, 6\)$"),
    (lambda: sd.linalg.tensorsolve(sd.var("T", ("n", 3, 6)), sd.var("b", ("n", 3))), sd.ShapeError,
     r"^linalg.tensorsolve: needs a known shape, got \(n, 3, 6\)$"),
    (lambda: sd.linalg.tensorinv(sd.var("T", (2, 2)), ind=0), ValueError,
     r"^linalg.tensorinv: ind must be a positive integer, got 0$"),
    (lambda: sd.linalg.matrix_rank(sd.var("A", ("n", "n"))), sd.ShapeError,
     r"^linalg.matrix_rank: the default tolerance needs the matrix size, got named dimensions "
     r"\(n, n\); give rtol$"),
    (lambda: sd.linalg.matrix_rank(sd.var("A", (2, 2)), tol=1.0, rtol=1.0), ValueError,
     r"^linalg.matrix_rank: give tol or rtol, not both$"),
    (lambda: sd.nan_to_num(sd.var("x"), copy=1), TypeError, r"^nan_to_num: copy must be True or False, got 1$"),
])
def test_errors_of_the_new_linalg_and_replacement_functions_name_them(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_matrix_rank_takes_a_tolerance_per_matrix():
    A = sd.var("A", (2, 2, 2))
    a = np.array([np.diag([1e-3, 1.0]), np.diag([0.5, 1.0])])
    for kwargs in ({"rtol": np.array([1e-2, 0.6])}, {"tol": np.array([1e-2, 0.6])}):
        np.testing.assert_array_equal(sd.evaluate(sd.linalg.matrix_rank(A, **kwargs), {"A": a}),
                                      np.linalg.matrix_rank(a, **kwargs))


@pytest.mark.parametrize(
    "build",
    [
        lambda m, x: m.argsort(x),
        lambda m, x: m.argsort(x, axis=0),
        lambda m, x: m.repeat(x, 2, axis=0),
        lambda m, x: m.repeat(x, [3], axis=-1),
        lambda m, x: m.take(x, [0, -1], axis=0),
        lambda m, x: m.take(x, 0, axis=-1),
        lambda m, x: m.take(x, [[2]], axis=0, mode="wrap"),
        lambda m, x: m.compress([True, False], x, axis=-1),
        lambda m, x: m.squeeze(x, axis=0),
        lambda m, x: m.squeeze(x, axis=-1),
    ],
)
def test_a_lone_axis_0_or_minus_1_of_a_0d_array_reads_it_as_one_element(build):
    # NumPy's array methods (argsort, repeat, take, compress, squeeze) read a 0-d array as shape
    # (1,) for a lone axis 0 or -1, as its reductions, scans and argmax already do here
    a = np.array(1.5)
    x = sd.var("x", (), "float64")
    _assert_numpy(build(sd, x), build(np, a), x=a)


def test_a_0d_array_keeps_refusing_other_axes_and_sort_along_one():
    x = sd.var("x", (), "float64")
    for build in (lambda: sd.argsort(x, axis=1), lambda: sd.take(x, [0], axis=1),
                  lambda: sd.repeat(x, 2, axis=-2), lambda: sd.sort(x), lambda: sd.sort(x, axis=0),
                  lambda: sd.squeeze(x, axis=(0,))):
        with pytest.raises(ValueError, match="axis"):
            build()


def test_logsumexp_of_complex_values_takes_the_principal_logarithm():
    # the shift that keeps exp from overflowing is the largest real part: shifting by a complex
    # maximum would add its imaginary part outside log's range (-pi, pi]
    a = np.array([[0.03 + 3.6356j, 0.5 + 2.0j, -1.0 - 3.0j], [1.0 + 3.0j, 0.2 - 3.1j, 0.0 + 0.0j]])
    x = sd.var("x", a.shape, "complex128")
    for axis, keepdims in ((None, False), (1, False), (0, True)):
        expected = np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))
        _assert_numpy(sd.logsumexp(x, axis=axis, keepdims=keepdims), expected, x=a)
    lone = np.array(0.03 + 3.6356j)
    z = sd.var("z", (), "complex128")
    _assert_numpy(sd.logsumexp(z), np.log(np.exp(lone)), z=lone)


def test_logsumexp_refuses_return_sign_of_complex_values():
    # SciPy's sign of a complex sum is the complex unit s / |s| beside a real log|s|; refused, as
    # with b=, rather than a complex log beside a sign of 1
    with pytest.raises(NotImplementedError, match="complex x"):
        sd.logsumexp(sd.var("x", (3,), "complex128"), return_sign=True)


@pytest.mark.parametrize("fn, shown", [
    (np.emath.sqrt, "np.emath.sqrt"), (np.emath.log, "np.emath.log"),
    (np.emath.arccos, "np.emath.arccos"), (lambda x: np.emath.power(x, 0.5), "np.emath.power"),
])
def test_numpys_complex_valued_math_is_refused_not_taken_for_the_real_function(fn, shown):
    # np.emath.sqrt(-4.0) is 2j, where np.sqrt(-4.0) is nan: its dtype depends on the values
    x = sd.var("x", shape=(2,))
    with pytest.raises(TypeError, match=rf"^{re.escape(shown)}: its result is complex where "
                                        r"an input is out of the real domain.*astype\(complex\)"):
        fn(x)
    # the replacement the message names gives NumPy's values
    name = shown.rsplit(".", 1)[1]
    args = (x.astype(complex), 0.5) if name == "power" else (x.astype(complex),)
    v = np.array([-4.0, 0.25])
    expected = getattr(np.emath, name)(*((v, 0.5) if name == "power" else (v,)))
    for got in _both_paths(getattr(np, name)(*args), x=v):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("fn, shown", [
    (np.strings.multiply, "np.strings.multiply"), (np.strings.mod, "np.strings.mod"),
    (np.lib.stride_tricks.sliding_window_view, "np.lib.stride_tricks.sliding_window_view"),
])
def test_functions_of_numpys_submodules_are_named_as_written_and_not_taken_for_others(fn, shown):
    x = sd.var("x", shape=(4,))
    with pytest.raises(TypeError, match=rf"^{re.escape(shown)} has no symdiff counterpart"):
        fn(x, 2)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "fft2", "fftn", "irfft", "hfft"])
def test_numpys_fourier_transforms_are_refused_naming_the_dft_as_a_product(name):
    x = sd.var("x", shape=(4,))
    with pytest.raises(TypeError, match=rf"^np\.fft\.{name}: symdiff has no FFT; .*"
                                        r"np\.exp\(-2j \* np\.pi \* np\.outer\(k, k\) / n\) @ x"):
        getattr(np.fft, name)(x)
    # the product the message names is NumPy's transform, and differentiable
    v = np.array([1.0, 2.0, -0.5, 3.0])
    k = np.arange(4)
    dft = np.exp(-2j * np.pi * np.outer(k, k) / 4) @ x
    for got in _both_paths(dft, x=v):
        np.testing.assert_allclose(got, np.fft.fft(v), atol=1e-12)
    power = sd.sum(np.abs(dft) ** 2)  # Parseval: n * |x|^2, gradient 2 n x
    np.testing.assert_allclose(sd.evaluate(sd.grad(power, x), {"x": v}), 8 * v, rtol=1e-12)


# -- NumPy code that asks about its arrays, and the functions it calls ------------------------------


_QUERY_DTYPES = ["float64", "float32", "float16", "int8", "int64", "uint16", "bool", "complex64"]


@pytest.mark.parametrize("dtype", _QUERY_DTYPES)
def test_dtype_queries_answer_as_numpy_does_for_an_array_of_that_dtype(dtype):
    x, like = sd.var("x", (3, 3), dtype), np.zeros((3, 3), dtype)
    for other in (1.0, 2, 1j, True, np.float32, np.int16, np.zeros(2, np.float32)):
        assert np.result_type(x, other) == np.result_type(like, other), other
    assert np.result_type(x, sd.var("y", (2,), "float32")) == np.result_type(like, np.float32)
    for to in (np.float32, np.float64, np.int32, np.complex128, np.bool_):
        for casting in ("safe", "same_kind", "unsafe"):
            assert np.can_cast(x, to, casting) == np.can_cast(like, to, casting), (to, casting)
    assert np.iscomplexobj(x) == np.iscomplexobj(like) and np.isrealobj(x) == np.isrealobj(like)
    if dtype != "bool":  # NumPy's common_type refuses booleans
        assert np.common_type(x) is np.common_type(like)
    assert np.min_scalar_type(x) == np.min_scalar_type(like) == x.dtype
    assert np.isscalar(x) is np.isscalar(like) is False


def test_python_scalars_are_weak_in_result_type_as_numpy_2s():
    f = sd.var("f", (3,), "float32")
    assert np.result_type(f, 2.0) == np.float32 and np.result_type(sd.var("i", (), "int8"), 300) == np.int8
    assert np.result_type(f, sd.var("d", (3,))) == np.float64  # an array is never weak, 0-d or not


def test_shape_queries_answer_from_the_shape_as_numpy_does():
    x, A = sd.var("x", (3, 3)), sd.var("A", (3, 5))
    xv, Av = np.zeros((3, 3)), np.zeros((3, 5))
    assert (np.ndim(x), np.size(x), np.shape(x)) == (2, 9, (3, 3))
    assert np.size(A, 1) == np.size(A, -1) == 5 and np.size(A, (0, 1)) == np.size(Av, (0, 1)) == 15
    assert np.size(A, [1, 0]) == 15 and np.size(A, ()) == np.size(Av, ()) == 1
    with pytest.raises(sd.ShapeError, match=r"np.size: axis 2 is out of bounds"):
        np.size(A, 2)
    X = sd.var("X", ("n", "m", 3))
    assert str(np.size(X, (0, 2))) == "n * 3" and str(np.size(X, (1, 0))) == "n * m"
    assert np.einsum_path("ij,jk,kl", x, A, A.T, optimize="greedy") == \
        np.einsum_path("ij,jk,kl", xv, Av, Av.T, optimize="greedy")
    for fn in (np.diag_indices_from, np.tril_indices_from, np.triu_indices_from):
        for got, want in zip(fn(x), fn(xv)):
            np.testing.assert_array_equal(got, want)
    assert np.triu_indices_from(A, 1)[1].tolist() == np.triu_indices_from(Av, 1)[1].tolist()
    # the indices index the expression as they index the array
    xs = np.arange(9.0).reshape(3, 3)
    lower = sd.evaluate(x[np.tril_indices_from(x)], {"x": xs})
    assert lower.tolist() == xs[np.tril_indices_from(xs)].tolist()
    with pytest.raises(TypeError, match=r"np.einsum_path: .* has named dimensions, whose sizes are known "
                                        r"only when the graph runs"):
        np.einsum_path("ij,jk", X[..., 0], A)
    assert np.result_type(X, 1.0) == np.float64  # a dtype query needs no sizes


def test_min_scalar_type_of_a_0d_expression_is_refused_as_it_reads_the_value():
    with pytest.raises(TypeError, match=r"np.min_scalar_type: of a 0-d array .* value, which a graph is "
                                        r"built without; x.dtype"):
        np.min_scalar_type(sd.var("s"))


def test_empty_like_is_an_array_of_the_shape_and_dtype():
    x = sd.var("x", (2, 3), "float32")
    e = np.empty_like(x, dtype="int8")
    assert (e.shape, e.dtype) == ((2, 3), np.int8) and np.empty_like(x) is sd.zeros_like(x)


def test_partition_puts_numpys_kth_elements_in_place_with_smaller_before_and_larger_after():
    rng = np.random.default_rng(5)
    xv = rng.normal(size=(5, 7))
    x = sd.var("x", (5, 7))
    for kth, axis in ((3, 1), ([0, 4], 0), (-2, -1), ((1, 5), None)):
        got, = _both_paths(np.partition(x, kth, axis=axis), x=xv)[:1]
        want = np.partition(xv, kth, axis=axis)
        flat = axis is None
        g, w = (got, want) if not flat else (got[None], want[None])
        ax = -1 if flat or axis == -1 else axis
        for k in np.atleast_1d(kth):
            np.testing.assert_array_equal(np.take(g, k, ax), np.take(w, k, ax))
            kk = k % g.shape[ax]
            assert np.all(np.take(g, range(kk), ax) <= np.take(g, [kk], ax))
            assert np.all(np.take(g, range(kk, g.shape[ax]), ax) >= np.take(g, [kk], ax))
        positions = sd.evaluate(np.argpartition(x, kth, axis=axis), {"x": xv})
        taken = np.take_along_axis(xv.ravel() if flat else xv, positions, -1 if flat else axis)
        np.testing.assert_array_equal(taken, got)


def test_piecewise_gives_no_nan_from_the_pieces_not_taken_to_value_or_gradient():
    x = sd.var("x", (6,))
    xv = np.array([-2.0, -0.5, 0.0, 0.25, 1.0, 4.0])
    y = np.piecewise(x, [x > 0, x <= 0], [np.log, lambda t: np.sqrt(-t)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the untaken pieces' own log(-2) and sqrt(-4)
        value = _both_paths(y, x=xv)
        g = sd.evaluate(sd.grad(sd.sum(y), x), {"x": xv})
    want = np.piecewise(xv, [xv > 0, xv <= 0], [np.log, lambda t: np.sqrt(-t)])
    for got in value:
        np.testing.assert_allclose(got, want, rtol=1e-15)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(g, np.where(xv > 0, 1 / xv, -0.5 / np.sqrt(-xv)), rtol=1e-12)
    assert np.isinf(g[2]) and np.all(np.isfinite(np.delete(g, 2)))  # sqrt's own slope at 0: no nan


def test_piecewise_later_conditions_win_and_the_extra_function_fills_the_rest():
    x = sd.var("x", (5,))
    xv = np.array([-3.0, -1.0, 0.5, 2.0, 5.0])
    funcs = [lambda t, s: 10 * t, lambda t, s: t * s, lambda t, s: -t * s]
    for conds in (lambda a: [a > 0, a > 1], lambda a: [a > 1, a > 0]):
        got = sd.evaluate(np.piecewise(x, conds(x), funcs, 2.0), {"x": xv})
        np.testing.assert_array_equal(got, np.piecewise(xv, conds(xv), funcs, 2.0))
    # no extra function: 0 where no condition holds, in x's dtype (NumPy writes into zeros_like(x))
    got = sd.evaluate(np.piecewise(x, [x > 1], [np.exp]), {"x": xv})
    np.testing.assert_array_equal(got, np.piecewise(xv, [xv > 1], [np.exp]))
    xi = sd.var("i", (3,), "int64")
    assert np.piecewise(xi, [xi > 0], [lambda t: t * 0.5]).dtype == np.int64


def test_frexp_of_infinities_and_nan_and_its_text():
    x = sd.var("x", (5,))
    xv = np.array([np.inf, -np.inf, np.nan, -0.0, 6.0])
    m, e = np.frexp(x)
    for got, want in zip(_both_paths(m, x=xv), [np.frexp(xv)[0]] * 2):
        assert got.tobytes() == want.tobytes()
    np.testing.assert_array_equal(sd.evaluate(e, {"x": xv}), np.frexp(xv)[1])
    assert str(e) == "frexp(x)[1]" and sd.parse(str(m), shapes={"x": (5,)}) is m


_IN_PLACE_CALLS = {
    "fill_diagonal": lambda a, b: np.fill_diagonal(a, 7.0),
    "put_along_axis": lambda a, b: np.put_along_axis(a, np.array([[1], [0], [3]]), b[:, :1], 1),
    "put": lambda a, b: np.put(a, [0, 5, 7], [1.0, 2.0, 3.0]),
    "place": lambda a, b: np.place(a, a > 0, [1.0]),
    "putmask": lambda a, b: np.putmask(a, a > 0, b),
    "copyto": lambda a, b: np.copyto(a, b),
}


@pytest.mark.parametrize("name", sorted(_IN_PLACE_CALLS))
def test_functions_writing_in_place_are_refused_saying_what_to_write(name):
    a, b = sd.var("a", (3, 4)), sd.var("b", (3, 4))
    with pytest.raises(TypeError, match=rf"^np.{name}: it changes its first argument in place, which an "
                                        r"expression .* cannot take part in; .* is the array it makes"):
        _IN_PLACE_CALLS[name](a, b)
    if name in ("putmask", "copyto"):  # an expression written into a NumPy array
        with pytest.raises(TypeError, match=rf"^np.{name}: it changes its first argument in place"):
            _IN_PLACE_CALLS[name](np.zeros((3, 4)), b)


def test_the_expressions_the_in_place_refusals_suggest_make_numpys_arrays():
    rng = np.random.default_rng(3)
    a = sd.var("a", (3, 4))
    av, vals = rng.normal(size=(3, 4)), np.array([[10.0], [20.0], [30.0]])
    idx, ind, v = np.array([[1], [0], [3]]), np.array([0, 5, 7]), np.array([1.0, 2.0, 3.0])
    made = {
        "fill_diagonal": sd.where(sd.eye(3, 4, dtype=bool), 7.0, a),
        "fill_diagonal-embed": a + sd.diagonal_embed(7.0 - sd.diagonal(a), a.shape),
        "put_along_axis": a + sd.add_along_axis(vals - sd.take_along_axis(a, idx, 1), idx, a.shape, 1),
        "put": a + sd.index_add(v - a.ravel()[ind], (a.size,), ind).reshape(a.shape),
    }
    wants = {}
    for name, write in (("fill_diagonal", lambda t: np.fill_diagonal(t, 7.0)),
                        ("put_along_axis", lambda t: np.put_along_axis(t, idx, vals, 1)),
                        ("put", lambda t: np.put(t, ind, v))):
        wants[name] = av.copy()
        write(wants[name])
    wants["fill_diagonal-embed"] = wants["fill_diagonal"]
    for name, e in made.items():
        np.testing.assert_allclose(sd.evaluate(e, {"a": av}), wants[name], rtol=1e-15, err_msg=name)


def test_functions_answering_from_the_values_are_refused_saying_what_to_write():
    x, z = sd.var("x", (3,)), sd.var("z", (3,), "complex128")
    with pytest.raises(TypeError, match=r"^np.array_equal: its result is a Python bool of the values, .*; "
                                        r"sd.all\(a1 == a2\)"):
        np.array_equal(x, x)
    with pytest.raises(TypeError, match=r"^np.array_equiv: its result is a Python bool"):
        np.array_equiv(x, np.ones(3))
    with pytest.raises(TypeError, match=r"^np.real_if_close: of complex values its dtype depends on the "
                                        r"values .*; use np.real\(x\)"):
        np.real_if_close(z)
    assert np.real_if_close(x) is x  # a real array is its own answer, as NumPy's


def test_isin_with_expressions_on_both_sides_is_numpys():
    rng = np.random.default_rng(2)
    a, t = sd.var("a", (4, 5), "int64"), sd.var("t", (3,), "int64")
    av, tv = rng.integers(0, 6, (4, 5)), rng.integers(0, 6, 3)
    for invert in (False, True):
        out = np.isin(a, t, invert=invert)
        assert (out.shape, out.dtype) == ((4, 5), np.bool_)
        for got in _both_paths(out.astype("int8"), a=av, t=tv):
            np.testing.assert_array_equal(got, np.isin(av, tv, invert=invert))


def test_poly_of_real_roots_is_numpys_to_the_bit():
    rng = np.random.default_rng(4)
    for dtype in ("float64", "float32"):
        rv = rng.normal(size=6).astype(dtype)
        r = sd.var("r", (6,), dtype)
        for got in _both_paths(np.poly(r), r=rv):
            assert got.dtype == dtype and got.tobytes() == np.poly(rv).tobytes()
    assert sd.poly(np.zeros(0)) == np.poly(np.zeros(0)) == 1.0


# -- more of SciPy's special functions: huber, erfcx, lambertw, ellipk, gammainc, ... --------------


def _ulps(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """The distance in units of the last place where ``want`` is finite and not 0; and that got
    has nan, +-inf exactly where want has them."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert np.array_equal(np.isnan(got), np.isnan(want)), (got[np.isnan(got) != np.isnan(want)],
                                                          want[np.isnan(got) != np.isnan(want)])
    infinite = np.isinf(want)
    assert np.array_equal(got[infinite], want[infinite])
    finite = np.isfinite(want) & (want != 0)
    assert np.all(np.abs(got[want == 0]) < 1e-300)  # (a subnormal where the reference underflows)
    return np.abs(got[finite] - want[finite]) / np.spacing(np.abs(want[finite]))


def test_scipy_special_losses_and_functions_trace_into_symdiffs():
    # each was "the ufunc 'huber' has no symdiff counterpart" (lambertw: the ufunc '_lambertw')
    from scipy import special

    v, w = sd.var("v", (5,)), sd.var("w", (5,))
    assert special.huber(v, w) is sd.huber(v, w) and special.pseudo_huber(v, w) is sd.pseudo_huber(v, w)
    assert special.powm1(v, w) is sd.powm1(v, w)
    assert special.gammainc(v, w) is sd.gammainc(v, w) and special.gammaincc(v, w) is sd.gammaincc(v, w)
    for name in ("erfcx", "exp10", "cosm1", "ellipk", "ellipe", "loggamma"):
        assert getattr(special, name)(v) is sd.FUNCTIONS[name](v), name
    assert special.lambertw(v) is sd.lambertw(v)  # SciPy's Python function calls the ufunc _lambertw
    with pytest.raises(ValueError, match=r"^lambertw: only the principal branch k=0 is real and supported, "
                                         r"got k=array\(1\)"):
        special.lambertw(v, 1)
    x = np.array([0.3, 1.5, 2.0, 5.0, 0.01])
    y = np.array([0.5, -2.0, 3.0, 4.5, 1.0])
    loss = special.huber(1.0, v - w).sum() + special.pseudo_huber(0.5, v - w).sum()
    np.testing.assert_allclose(loss.eval(v=x, w=y), special.huber(1.0, x - y).sum()
                               + special.pseudo_huber(0.5, x - y).sum(), rtol=1e-15)
    # a Poisson log-likelihood's distribution function, differentiated in the rate
    lam = sd.var("lam", (5,))
    cdf = special.gammaincc(np.array([1.0, 2.0, 3.0, 5.0, 8.0]), lam)
    np.testing.assert_allclose(cdf.eval(lam=x + 1), special.pdtr([0, 1, 2, 4, 7], x + 1), rtol=1e-14)
    # d/dlam Q(k + 1, lam) = -lam^k exp(-lam) / k!, the Poisson probability of k
    k = np.array([0, 1, 2, 4, 7])
    pmf = np.exp(k * np.log(x + 1) - (x + 1) - special.gammaln(k + 1.0))
    np.testing.assert_allclose(sd.grad(cdf.sum(), lam).eval(lam=x + 1), -pmf, rtol=1e-13)


def test_scipy_special_python_functions_have_symdiff_counterparts():
    # scipy.special.polygamma and multigammaln are Python functions that take np.asarray of
    # their arguments, which no expression can become: sd.polygamma and sd.multigammaln are theirs
    from scipy import special

    v = sd.var("v", (5,))
    with pytest.raises(TypeError, match=r"^a symbolic expression is not a NumPy array"):
        special.polygamma(1, v)
    x = np.array([1.2, 2.5, 3.0, 7.5, 20.0])
    np.testing.assert_allclose(sd.polygamma(1, v).eval(v=x), special.polygamma(1, x), rtol=1e-14)
    np.testing.assert_allclose(sd.multigammaln(v, 3).eval(v=x), special.multigammaln(x, 3), rtol=1e-14)
    # where SciPy refuses a <= (d - 1) / 2, the value is nan
    assert np.isnan(sd.multigammaln(v, 3).eval(v=np.full(5, 0.9))).all()
    for d in (2.5, np.inf, 0, True):
        with pytest.raises(ValueError, match=rf"^multigammaln: the dimension d must be a positive integer, got {d}"):
            sd.multigammaln(v, d)
    assert sd.multigammaln(v, np.array(3)) is sd.multigammaln(v, 3)  # SciPy's d may be a 0-d array
    x5 = sd.var("x", (5,))
    assert sd.parse("loggamma(x) + lambertw(x)", shapes={"x": (5,)}) is sd.loggamma(x5) + sd.lambertw(x5)
    # loggamma of real x is gammaln for x >= 0 and nan below, as SciPy's
    x = np.array([-2.5, -1.0, -0.0, 0.0, 1e-300, 0.5, 3.0, 200.0, np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(sd.loggamma(sd.var("x", x.shape)).eval(x=x),
                                  np.where(x < 0, np.nan, sd.gammaln(sd.var("x", x.shape)).eval(x=x)))
    normal = x != 1e-300  # (SciPy's loggamma is inf there, its gammaln 713.8)
    np.testing.assert_allclose(sd.loggamma(sd.var("x", x.shape)).eval(x=x)[normal], special.loggamma(x)[normal],
                               rtol=1e-15)


_RNG = np.random.default_rng(63)


def _wide(n: int) -> np.ndarray:
    """Random values of every magnitude and sign, with the special ones."""
    huge = np.sign(_RNG.standard_normal(n)) * np.exp(_RNG.uniform(-700, 700, n))
    return np.concatenate([_RNG.standard_normal(n) * 3, huge, [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -1e-310]])


@pytest.mark.parametrize("name", ["erfcx", "ellipk", "ellipe", "lambertw", "exp10", "cosm1"])
def test_new_special_functions_are_scipys_to_a_few_ulp(name):
    from scipy import special

    uniform = _RNG.uniform
    m = np.concatenate([1 - np.exp(uniform(-700, 0, 1000)), -np.exp(uniform(-700, 700, 1000)), uniform(-5, 1, 1000),
                        [0.0, 1.0, 1.5, -np.inf, np.inf, np.nan, 0.5, 1e-300]])
    x = {"erfcx": np.concatenate([_wide(1000), uniform(-26.6, 30.0, 1000), [-26.7, 9.99999, 10.0]]),
         "ellipk": m, "ellipe": m,
         "lambertw": np.concatenate([np.abs(_wide(1000)), uniform(-1 / np.e, 3, 1000), [-0.5, -1 / np.e, -np.inf]]),
         "exp10": np.concatenate([_wide(1000), uniform(-330, 310, 1000)]),
         # (SciPy's cosm1 is cos(x) - 1 beyond pi/4, which cancels near 2 pi k: mpmath below)
         "cosm1": np.concatenate([uniform(-0.78, 0.78, 1000), np.exp(uniform(-300, -0.25, 1000)), [-np.inf, np.nan]]),
         }[name]
    want = special.lambertw(x).real if name == "lambertw" else getattr(special, name)(x)
    if name == "lambertw":
        want = np.where(x < -1 / np.e, np.nan, want)  # SciPy's is complex there: here nan
        # near the branch point at -1/e, W's condition number grows as 1 / (x + 1/e), and
        # SciPy's values carry errors of that size (1e-8 at 1e-16 from it; mpmath below)
        keep = ~(np.abs(x + 1 / np.e) < 0.05)
        x, want = x[keep], want[keep]
    if name == "erfcx":
        # SciPy forms exp(x^2) of a rounded x^2 for x < 0 (400 ulp off at x = -24: mpmath below)
        keep = x >= -1.0
        x, want = x[keep], want[keep]
    v = sd.var("x", x.shape)
    for got in _both_paths(sd.FUNCTIONS[name](v), x=x):
        ulps = _ulps(got, want)
        bound = {"exp10": 1}.get(name, 6)
        assert ulps.max() <= bound, (ulps.max(), x[np.isfinite(want) & (want != 0)][ulps.argmax()])


def test_erfcx_lambertw_and_cosm1_where_scipy_is_off_are_mpmaths():
    mpmath = pytest.importorskip("mpmath")
    x = np.concatenate([np.linspace(-26.6, -1.0, 200), [-24.201230549599394, -20.0]])
    with mpmath.workdps(40):
        want = np.array([float(mpmath.exp(mpmath.mpf(t) ** 2) * mpmath.erfc(mpmath.mpf(t))) for t in x])
    assert _ulps(sd.erfcx(sd.var("x", x.shape)).eval(x=x), want).max() <= 4
    x = np.concatenate([2 * np.pi * np.arange(1, 6) + 1e-3, [6.252214181133754, np.pi, 1e3, -40.0]])
    with mpmath.workdps(40):
        want = np.array([float(-2 * mpmath.sin(mpmath.mpf(t) / 2) ** 2) for t in x])
    assert _ulps(sd.cosm1(sd.var("x", x.shape)).eval(x=x), want).max() <= 2
    # near -1/e the error is the condition number's: about 1 / (2 (1 + W)^2) ulp of x
    x = -np.exp(-1) + np.exp(np.linspace(-36, -2, 200))
    with mpmath.workdps(40):
        want = np.array([float(mpmath.lambertw(mpmath.mpf(t)).real) for t in x])
    got = sd.lambertw(sd.var("x", x.shape)).eval(x=x)
    condition = 1.0 / (1.0 + want) ** 2
    assert (_ulps(got, want) / condition).max() <= 2


def test_incomplete_gamma_is_scipys_within_its_condition():
    from scipy import special

    a = np.concatenate([np.exp(_RNG.uniform(-10, 10, 800)), _RNG.uniform(0, 20, 800),
                        [0.0, 0.0, 1.0, -1.0, 1.0, np.inf, 2.0]])
    x = np.concatenate([a[:800] * np.exp(_RNG.uniform(-3, 3, 800)), _RNG.uniform(0, 40, 800),
                        [0.0, 1.0, -1.0, 1.0, np.inf, 1.0, 0.0]])
    va, vx = sd.var("a", a.shape), sd.var("x", x.shape)
    for name in ("gammainc", "gammaincc"):
        want = getattr(special, name)(a, x)
        got = sd.FUNCTIONS[name](va, vx).eval(a=a, x=x)
        ulps = _ulps(got, want)
        # the relative condition of P and Q grows with a |x/a - 1 - log(x/a)| (the exponent of
        # their factor x^a exp(-x)); both SciPy's and these values carry rounding of that size
        finite = np.isfinite(want) & (want != 0)
        with np.errstate(all="ignore"):
            condition = 1.0 + a * np.abs(x / a - 1 - np.log(x / a)) + np.abs(x - a)
        inner = np.isfinite(condition[finite])  # (at a = 0 or x = 0 the values are exact: 0 ulp)
        assert (ulps[inner] / condition[finite][inner]).max() <= 40, name  # SciPy's errors and these
        assert np.median(ulps) <= 2
        # against mpmath, within 10 times that condition (measured: 8)
        mpmath = pytest.importorskip("mpmath")
        some = np.flatnonzero(finite & np.isfinite(condition))[::12]
        with mpmath.workdps(40):
            exact = np.array([float(mpmath.gammainc(mpmath.mpf(a[i]), *((0, mpmath.mpf(x[i])) if name == "gammainc"
                                                                          else (mpmath.mpf(x[i]), mpmath.inf)),
                                                    regularized=True)) for i in some])
        assert (_ulps(got[some], exact) / condition[some]).max() <= 10, name
    # small a, small x: Q by its own series, not 1 - P (which kept 4 digits at a = 5e-5)
    mpmath = pytest.importorskip("mpmath")
    a, x = np.array([4.779722834783006e-05, 1e-3, 0.3, 1.0]), np.array([9.067706594745443e-04, 0.2, 0.4, 1.05])
    with mpmath.workdps(40):
        want = [float(mpmath.gammainc(mpmath.mpf(s), mpmath.mpf(t), mpmath.inf, regularized=True))
                for s, t in zip(a, x)]
    assert _ulps(sd.gammaincc(sd.var("a", (4,)), sd.var("x", (4,))).eval(a=a, x=x), np.array(want)).max() <= 8


def test_robust_losses_and_powm1_are_scipys_and_exact_where_scipys_overflow():
    from scipy import special

    d = np.concatenate([np.exp(_RNG.uniform(-30, 30, 1000)), _RNG.uniform(0, 3, 1000),
                        [0.0, -1.0, np.inf, np.nan, 1.0, 1.0, 1.0, 0.0]])
    r = np.concatenate([_RNG.standard_normal(1000) * np.exp(_RNG.uniform(-30, 30, 1000)), _RNG.standard_normal(1000),
                        [1.0, 2.0, 1.0, 1.0, np.inf, np.nan, 0.0, np.nan]])
    vd, vr = sd.var("d", d.shape), sd.var("r", r.shape)
    assert _ulps(sd.huber(vd, vr).eval(d=d, r=r), special.huber(d, r)).max() == 0
    # SciPy's pseudo_huber forms sqrt(1 + u^2) - 1, which cancels for a small u = r / d
    # (30 ulp off at u = 1e-8, nothing left at 1e-9); this one is within 2 ulp of the exact value
    ours = sd.pseudo_huber(vd, vr).eval(d=d, r=r)
    assert _ulps(ours, special.pseudo_huber(d, r)).max() <= 40
    with np.errstate(all="ignore"):
        exact = np.where(d > 0, np.abs(r) * d * (np.abs(r) / (np.hypot(d, r) + d)), np.inf)
    small = np.abs(r / d) < 1e-9
    assert small.sum() > 10 and _ulps(ours[small], (0.5 * r * r / d * d)[small]).max() <= 2
    np.testing.assert_allclose(ours[np.isfinite(exact)], exact[np.isfinite(exact)], rtol=4e-16)
    assert sd.pseudo_huber(1.0, 1e200).eval() == 1e200  # SciPy's is inf: (r / d)^2 overflows
    x = np.concatenate([np.exp(_RNG.uniform(-20, 20, 1000)), 1 + _RNG.standard_normal(1000) * 1e-6,
                        -np.floor(_RNG.uniform(0, 5, 200)), [0, 0, 0, -2, -2, np.nan, 1, np.inf, 2, 0, -0.0, -8]])
    y = np.concatenate([_RNG.standard_normal(1000) * 5, _RNG.standard_normal(1000) * np.exp(_RNG.uniform(-20, 3, 1000)),
                        np.floor(_RNG.uniform(-4, 5, 200)), [1, -1, 0, 2, 0.5, 0, np.nan, 1, -np.inf, 2, -1, 1 / 3]])
    vx, vy = sd.var("x", x.shape), sd.var("y", y.shape)
    for got in _both_paths(sd.powm1(vx, vy), x=x, y=y):
        assert _ulps(got, special.powm1(x, y)).max() <= 2


def test_new_special_functions_keep_float32_and_refuse_complex():
    from scipy import special

    for dtype in ("float32", "float64", "int64", "float16", "bool"):
        v = sd.var("v", (3,), dtype=dtype)
        ones = np.ones(3, dtype)
        for name in ("erfcx", "exp10", "cosm1", "ellipk", "ellipe", "loggamma"):
            assert sd.FUNCTIONS[name](v).dtype == getattr(special, name)(ones).dtype, (name, dtype)
        for name in ("huber", "pseudo_huber", "powm1", "gammainc", "gammaincc"):
            assert sd.FUNCTIONS[name](v, v).dtype == getattr(special, name)(ones, ones).dtype, (name, dtype)
    # SciPy's lambertw is complex; its real part here keeps float32 as the others do
    assert sd.lambertw(sd.var("v", (3,), dtype="float32")).dtype == np.float32
    x = np.array([0.5, 1.0, 3.0], np.float32)
    got = sd.erfcx(sd.var("v", (3,), dtype="float32")).eval(v=x)
    assert got.dtype == np.float32 and np.array_equal(got, special.erfcx(x))


def test_new_special_functions_at_their_edges_are_scipys():
    from scipy import special

    cases = {
        "huber": ([-1.0, np.inf, np.nan, 1.0, 0.0, np.inf], [2.0, 1.0, 1.0, np.inf, 0.0, np.inf]),
        "pseudo_huber": ([-1.0, 0.0, 1.0, np.nan, 0.0, np.inf, 1.0], [2.0, 2.0, 0.0, 0.0, np.nan, 1.0, np.inf]),
        "powm1": ([-2.0, -2.0, -8.0, 0.0, -0.0, 0.0, np.nan, 1.0, np.inf, 2.0],
                  [2.0, 3.0, 1 / 3, -1.0, -1.0, 2.0, 0.0, np.nan, 0.0, -np.inf]),
        "gammainc": ([0.0, 0.0, 1.0, -1.0, 1.0, np.inf, 2.0, np.inf, np.nan, 1.0],
                     [0.0, 1.0, -1.0, 1.0, np.inf, 1.0, 0.0, np.inf, 1.0, np.nan]),
    }
    cases["gammaincc"] = cases["gammainc"]
    for name, (a, b) in cases.items():
        a, b = np.array(a), np.array(b)
        got = sd.FUNCTIONS[name](sd.var("a", a.shape), sd.var("b", b.shape)).eval(a=a, b=b)
        np.testing.assert_array_equal(got, getattr(special, name)(a, b), err_msg=name)
    x = np.array([-np.inf, -30.0, np.inf, np.nan, 1e300, 0.0, -0.0, -1.0, 1.0, 1.5])
    for name in ("erfcx", "exp10", "cosm1", "ellipk", "ellipe", "loggamma"):
        got = sd.FUNCTIONS[name](sd.var("x", x.shape)).eval(x=x)
        want = getattr(special, name)(x)
        if name == "cosm1":
            want[x == 1e300] = np.cos(1e300) - 1  # the same to an ulp
        # (loggamma is gammaln, math.lgamma's, whose last digits near its zeros differ)
        np.testing.assert_allclose(got, want, rtol=2e-15 if name == "loggamma" else 2e-16, err_msg=name)
    got = sd.lambertw(sd.var("x", x.shape)).eval(x=x)
    np.testing.assert_allclose(got, np.where(x < -1 / np.e, np.nan, special.lambertw(x).real), rtol=2e-16)


def test_new_special_functions_derivatives_are_their_closed_forms():
    from scipy import special

    t = sd.var("t")

    def slope(f, at, order=1):  # elementwise: the gradient of the sum
        at = np.asarray(at, np.float64)
        v = sd.var("v", at.shape)
        e = f(v)
        for _ in range(order):
            e = sd.grad(sd.sum(e), v)
        return e.eval(v=at)

    x = np.array([-3.0, -0.5, 1e-8, 2.0, 9.9, 10.5, 40.0])
    np.testing.assert_allclose(slope(sd.erfcx, x), 2 * x * special.erfcx(x) - 2 / np.sqrt(np.pi), rtol=1e-12,
                               atol=1e-13)
    # far out that difference cancels (at 1e8 to nothing): -1 / (sqrt(pi) x^2) (1 - 3 / (2 x^2) + ...)
    x = np.array([1e4, 1e8, 1e100])
    np.testing.assert_allclose(slope(sd.erfcx, x), -1 / (np.sqrt(np.pi) * x * x) * (1 - 1.5 / (x * x)), rtol=1e-15)
    x = x[:2]
    np.testing.assert_allclose(slope(sd.erfcx, x, 2), 2 / (np.sqrt(np.pi) * x**3), rtol=1e-7)
    x = np.array([-0.36, -0.2, 0.0, 1e-9, 2.0, 3.5, 1e5])
    w = special.lambertw(x).real
    np.testing.assert_allclose(slope(sd.lambertw, x), np.exp(-w) / (1 + w), rtol=1e-14)
    np.testing.assert_allclose(slope(sd.lambertw, x[x != 0]), (w / (x * (1 + w)))[x != 0], rtol=1e-13)
    np.testing.assert_allclose(slope(sd.lambertw, x, 2), -np.exp(-2 * w) * (w + 2) / (1 + w) ** 3, rtol=1e-13)
    m = np.array([-1e5, -0.3, -1e-9, 0.0, 1e-6, 0.1, 0.24, 0.26, 0.5, 0.9, 1 - 1e-9])
    k, e = special.ellipk(m), special.ellipe(m)
    with np.errstate(all="ignore"):
        dk = np.where(m == 0, np.pi / 8, (e - (1 - m) * k) / (2 * m * (1 - m)))
        de = np.where(m == 0, -np.pi / 8, (e - k) / (2 * m))
    far = np.abs(m) > 0.25  # the closed forms cancel near 0: there the series is exact to rounding
    np.testing.assert_allclose(slope(sd.ellipk, m)[far], dk[far], rtol=1e-13)
    np.testing.assert_allclose(slope(sd.ellipe, m)[far], de[far], rtol=1e-13)
    np.testing.assert_allclose(slope(sd.ellipk, m)[~far], dk[~far], rtol=1e-6)
    mpmath = pytest.importorskip("mpmath")
    at = np.array([-0.3, 1e-6, 0.24, 0.26, 0.9])  # both sides of the series' bound
    for f, g in ((sd.ellipk, mpmath.ellipk), (sd.ellipe, mpmath.ellipe)):
        for order in (1, 2):
            want = [float(mpmath.diff(g, mpmath.mpf(float(s)), order)) for s in at]
            np.testing.assert_allclose(slope(f, at, order), want, rtol=1e-12)
    # exp10 in x; cosm1; powm1 in both arguments
    x = np.array([-3.0, 0.5, 2.0])
    np.testing.assert_allclose(slope(sd.exp10, x), np.log(10) * 10**x, rtol=1e-15)
    np.testing.assert_allclose(slope(sd.cosm1, x, 2), -np.cos(x), rtol=1e-15)
    y = sd.var("y")
    g = sd.grad(sd.powm1(t, y), [t, y])
    for a, b in ((2.0, 1e-9), (1.0 + 1e-12, 3.0), (3.0, -2.0), (-2.0, 2.0)):
        got = [sd.evaluate(gi, {"t": a, "y": b}) for gi in g]
        np.testing.assert_allclose(got[0], b * a ** (b - 1), rtol=1e-14)
        if a > 0:
            np.testing.assert_allclose(got[1], a**b * np.log(a), rtol=1e-14)
    # huber and pseudo_huber in both arguments
    g = sd.grad(sd.huber(t, y), [t, y])
    for d, r in ((1.0, 0.3), (1.0, -2.5), (0.5, 4.0)):
        got = [sd.evaluate(gi, {"t": d, "y": r}) for gi in g]
        inside = abs(r) <= d
        assert got == [0.0 if inside else abs(r) - d, r if inside else d * np.sign(r)]
    g = sd.grad(sd.pseudo_huber(t, y), [t, y])
    for d, r in ((1.0, 0.3), (2.0, -1e-9), (1e-3, 5.0), (3.0, 0.0)):
        s = np.sqrt(1 + (r / d) ** 2)
        got = [sd.evaluate(gi, {"t": d, "y": r}) for gi in g]
        # d/dd = 2 d (s - 1) - r^2 / (d s), with s - 1 = u^2 / (s + 1) (u = r / d) to keep its digits
        u = r / d
        want = [r * r / d * u * u / (s * (s + 1) ** 2), r / s]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)


def test_gammainc_is_differentiable_in_x_and_refuses_a_varying_a():
    a, x = sd.var("a", (3,)), sd.var("x", (3,))
    xs, a0 = np.array([0.5, 2.0, 30.0]), np.array([0.5, 3.0, 25.0])
    from scipy import special

    density = np.exp((a0 - 1) * np.log(xs) - xs - special.gammaln(a0))
    for name, sign in (("gammainc", 1), ("gammaincc", -1)):
        f = sd.FUNCTIONS[name]
        np.testing.assert_allclose(sd.grad(f(a0, x).sum(), x).eval(x=xs), sign * density, rtol=1e-13)
        held = sd.grad(f(sd.stop_gradient(a), x).sum(), x).eval(x=xs, a=a0)  # a held
        np.testing.assert_allclose(held, sign * density, rtol=1e-13)
        with pytest.raises(sd.NotDifferentiableError,
                           match=rf"^{name}: the derivative in its first argument a has no closed form here"):
            sd.grad(f(a, x).sum(), a)
        # at x = 0, the limit of x^(a-1) / Gamma(a)
        at0 = sd.grad(f(np.array([0.5, 1.0, 2.0]), x).sum(), x).eval(x=np.zeros(3))
        np.testing.assert_array_equal(at0, sign * np.array([np.inf, 1.0, 0.0]))
        # second derivatives in x
        h = sd.hessian(f(a0[0], x[0]), x)
        want = sign * density[0] * ((a0[0] - 1) / xs[0] - 1)
        np.testing.assert_allclose(h.eval(x=xs)[0, 0], want, rtol=1e-12)



def test_gammainc_higher_derivatives_at_x_0_are_the_one_sided_limits():
    # d^2 P / dx^2 = ((a - 1) x^(a-2) - x^(a-1)) e^-x / Gamma(a): at x = 0 the limit is -inf below
    # a = 1, -1 at a = 1, inf between 1 and 2, 1 at a = 2, 0 above (it was 0 for every a, the
    # slope of the constant that stood for the first derivative there); d^3 at a = 3 is 1
    x = sd.var("x", (6,))
    av = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.5])
    for name, sign in (("gammainc", 1), ("gammaincc", -1)):
        f = sd.FUNCTIONS[name](av, x).sum()
        second = np.diagonal(sd.hessian(f, x).eval(x=np.zeros(6)))
        np.testing.assert_array_equal(second, sign * np.array([-np.inf, -1.0, np.inf, 1.0, 0.0, 0.0]))
        t = sd.var("t")
        third = sd.derivative(sd.FUNCTIONS[name](3.0, t), t, 3).eval(t=0.0)
        assert float(third) == pytest.approx(sign * 1.0, rel=1e-15)  # (x^2 e^-x / 2)'' at 0
        a = sd.var("a")  # a variable a, held out of the differentiation
        g = sd.derivative(sd.FUNCTIONS[name](a, t), t, 2)
        assert float(g.eval(a=2.0, t=0.0)) == sign * 1.0
        assert float(g.eval(a=1.0, t=0.0)) == sign * -1.0

def test_an_input_without_a_derivative_is_refused_only_where_a_variable_reaches_it():
    # gammainc(a, x) gives no derivative in a: with a a variable held out of the
    # differentiation, the gradient in x is asked of x alone, and the rule is not refused
    a, x = sd.symbols("a x")
    values = {"a": 2.5, "x": 2.0}
    from scipy import special

    density = np.exp(1.5 * np.log(2.0) - 2.0 - special.gammaln(2.5))  # x^(a-1) e^-x / Gamma(a)
    for name, sign in (("gammainc", 1), ("gammaincc", -1)):
        f = sd.FUNCTIONS[name](a, x)
        assert float(sd.grad(f, x).eval(values)) == pytest.approx(sign * density, rel=1e-13)
        second = sign * density * (1.5 / 2.0 - 1)  # times (a - 1) / x - 1
        assert float(sd.hessian(f, x).eval(values)) == pytest.approx(second, rel=1e-12)
        assert float(sd.jvp(f, x, 1.0).eval(values)) == pytest.approx(sign * density, rel=1e-13)
        assert float(sd.derivative(f, x, 2).eval(values)) == pytest.approx(second, rel=1e-12)
        for wrt in (a, [a, x]):
            with pytest.raises(sd.NotDifferentiableError, match=rf"^{name}: the derivative in its first argument a"):
                sd.grad(f, wrt)
        # a reached by x: the derivative in a is needed
        with pytest.raises(sd.NotDifferentiableError, match=rf"^{name}: the derivative in its first argument a"):
            sd.grad(sd.FUNCTIONS[name](x * 2.0, x), x)


_INT8 = np.array([1, -2], np.int8)
_FLOAT32 = np.array([1.5, -2.25], np.float32)


@pytest.mark.parametrize("build, reference", [
    (lambda: sd.add(_INT8, 5), lambda: np.add(_INT8, 5)),
    (lambda: sd.multiply(3, _INT8), lambda: np.multiply(3, _INT8)),
    (lambda: sd.maximum(_FLOAT32, 0.5), lambda: np.maximum(_FLOAT32, 0.5)),
    (lambda: sd.power(_FLOAT32, 2), lambda: np.power(_FLOAT32, 2)),
    (lambda: sd.where(np.array([True, False]), _INT8, 5), lambda: np.where([True, False], _INT8, 5)),
    (lambda: sd.where(sd.var("c", (2,), "bool"), _INT8, 5), lambda: np.where([True, False], _INT8, 5)),
    (lambda: sd.clip(_INT8, 0, 5), lambda: np.clip(_INT8, 0, 5)),
    (lambda: sd.clip(_FLOAT32, -1.0, None), lambda: np.clip(_FLOAT32, -1.0, None)),
    (lambda: sd.dot(_FLOAT32, 2.0), lambda: np.dot(_FLOAT32, 2.0)),
], ids=["add", "multiply", "maximum", "power", "where", "where-of-a-mask", "clip", "clip-float",
        "dot"])
def test_a_python_number_beside_an_array_constant_is_weak_as_numpys(build, reference):
    # NEP 50: an array given as a NumPy array, not a node, keeps its dtype beside a Python
    # number (int8 and 5 give int8), as it does beside the number when it is a node
    want = reference()
    e = build()
    got = sd.evaluate(e, {"c": np.array([True, False])}, simplify=False)
    assert e.dtype == want.dtype and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["dot", "inner", "outer", "kron", "tensordot"])
@pytest.mark.parametrize("value, number", [(_FLOAT32, 2.0), (_INT8, 3)], ids=["float32", "int8"])
def test_products_read_a_python_number_as_an_array_of_its_own_dtype_as_numpys(name, value, number):
    # np.dot and the products like it call np.asarray on their arguments, so a Python number is
    # float64 or int64 there, not weak as beside a ufunc: np.dot(float32 array, 2.0) is float64
    ref = getattr(np, name)
    fn = getattr(sd, name)
    if name == "tensordot":
        ref = lambda a, b, f=ref: f(a, b, 0)  # noqa: E731
        fn = lambda a, b, f=fn: f(a, b, 0)  # noqa: E731
    x = sd.var("x", value.shape, value.dtype)
    for e, want in [(fn(x, number), ref(value, number)), (fn(number, x), ref(number, value)),
                    (fn(value, number), ref(value, number))]:
        got = sd.evaluate(e, {"x": value}, simplify=False)
        assert e.dtype == want.dtype and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


# -- NumPy's in-place arithmetic on an ndarray given an expression ----------------------------------


def test_in_place_arithmetic_on_an_ndarray_keeps_its_dtype_and_shape_as_numpy():
    # acc += expr is np.add(acc, expr, out=(acc,)): NumPy writes the result into acc, so it has
    # acc's dtype (cast under 'same_kind') and shape. The name was bound to the float64 sum of a
    # float32 accumulator, and an int accumulator took a float expression NumPy refuses.
    x = sd.var("x", (3,))
    values = np.array([0.25, -1.5, 2.0])
    acc = np.zeros(3, np.float32)
    acc += x
    expected = np.zeros(3, np.float32)
    expected += values
    _assert_numpy(acc, expected, x=values)
    small = np.ones(3, np.int8)
    small *= sd.var("k", (3,), dtype="int64")
    assert small.dtype == np.int8
    with pytest.raises(TypeError, match=r"^np\.add: cannot cast the result from float64 to "
                       r"out=\(int64\) under casting='same_kind', as NumPy refuses"):
        counts = np.zeros(3, np.int64)
        counts += x
    with pytest.raises(TypeError, match=r"^np\.divide: cannot cast the result from float64"):
        counts = np.ones(3, np.int64)
        counts /= 2 * sd.var("n", (3,), dtype="int64")
    with pytest.raises(ValueError, match=r"^np\.add: the result's shape \(2, 3\) is not out=\(3,\)"):
        row = np.zeros(3)
        row += sd.var("X", (2, 3))
    # an expression given as out= is one of the inputs too: the same rules
    with pytest.raises(TypeError, match=r"^np\.add: cannot cast the result from float64"):
        k = sd.var("k", (3,), dtype="int64")
        np.add(k, x, out=k)
    assert np.add(x, 1.0, out=x) is x + 1.0
    total = np.zeros(3)
    total += x
    assert total is sd.const(np.zeros(3)) + x  # of the result's dtype and shape: no cast


def test_a_python_int_beyond_an_int64_array_is_refused_naming_a_dtype_that_holds_it():
    # x + 2**63 of an int64 x: the message said to convert x to int64, the dtype it already has
    x = sd.var("x", (3,), dtype="int64")
    with pytest.raises(sd.DTypeError, match=r"^add: the Python integer 9223372036854775808 does "
                       r"not fit int64, .* such as x\.astype\('float64'\)$"):
        x + 2**63
    u = sd.var("u", (3,), dtype="uint64")
    with pytest.raises(sd.DTypeError, match=r"such as x\.astype\('float64'\)$"):
        u * -1
    small = sd.var("s", (3,), dtype="int8")
    with pytest.raises(sd.DTypeError, match=r"^add: the Python integer 300 does not fit int8, .* "
                       r"such as x\.astype\('int64'\)$"):
        small + 300
    _assert_numpy(x.astype("float64") + 2**63, np.arange(3) + 2.0**63, x=np.arange(3))


@pytest.mark.parametrize("call", [
    lambda a: np.sum(a, 0, np.float32), lambda a: np.sum(a, 1, None, None, True),
    lambda a: np.mean(a, 1, np.float32), lambda a: np.mean(a, 0, None, None, True),
    lambda a: np.prod(a, 1, None, None, True), lambda a: np.max(a, 1, None, True),
    lambda a: np.min(a, 0, None, False), lambda a: np.all(a > 0, 0, None, True),
    lambda a: np.any(a > 0, 1, None, True), lambda a: np.sum(a=a, axis=0),
    lambda a: np.mean(a=a), lambda a: np.transpose(a=a), lambda a: np.expand_dims(a=a, axis=0),
    lambda a: np.std(a, 0, None, None, 1), lambda a: np.max(a=a, axis=1, keepdims=True),
])
def test_numpy_functions_read_their_arguments_by_numpys_signature(call):
    # np.sum(x, 0, np.float32) passes dtype third, which sd.sum takes as keepdims, and
    # np.max(x, 1, None, True) gave sd.max four positional arguments: a function called through
    # NumPy takes its arguments where NumPy's signature puts them, np.sum(a=x) too
    values = np.array([[0.5, -1.25, 2.0, 3.0], [1.5, 0.25, -2.0, 4.0], [1.0, 2.0, 3.0, -0.5]])
    _assert_numpy(call(sd.var("x", (3, 4))), call(values), x=values)
