"""Node methods behave as the ndarray methods of the same name (values checked against NumPy)."""

import numpy as np
import pytest

import symdiff as sd

rng = np.random.default_rng(7)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((4, 2))

CASES = [
    ("sum", (), {"axis": 1, "keepdims": True}),
    ("mean", (0,), {}),
    ("max", (), {"axis": -1}),
    ("min", (), {}),
    ("prod", (1,), {}),
    ("std", (), {"axis": 0, "ddof": 1}),
    ("var", (), {"keepdims": True}),
    ("cumsum", (), {"axis": 1}),
    ("cumprod", (), {}),
    ("clip", (-0.5, 0.5), {}),
    ("reshape", (4, 3), {}),
    ("transpose", ((1, 0),), {}),
    ("swapaxes", (0, 1), {}),
    ("ravel", (), {}),
    ("flatten", (), {}),
    ("repeat", (2,), {"axis": 0}),
    ("diagonal", (), {"offset": 1}),
    ("trace", (), {}),
    ("take", ([0, 2],), {"axis": 1}),
    ("sort", (), {"axis": 0}),
    ("argsort", (), {}),
    ("argmax", (), {"axis": 1}),
    ("argmin", (), {}),
    ("astype", ("float32",), {}),
    ("dot", (B,), {}),
]


@pytest.mark.parametrize("method, args, kwargs", CASES, ids=[c[0] for c in CASES])
def test_method_matches_ndarray(method, args, kwargs):
    a = sd.var("a", shape=A.shape)
    got = sd.evaluate(getattr(a, method)(*args, **kwargs), {"a": A})
    want = getattr(A.copy(), method)(*args, **kwargs)
    if method == "sort":  # ndarray.sort sorts in place and returns None
        want = np.sort(A, *args, **kwargs)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.asarray(got).dtype == np.asarray(want).dtype


@pytest.mark.parametrize("attr", ["T", "mT"])
def test_transpose_properties(attr):
    a = sd.var("a", shape=(2,) + A.shape)
    stacked = np.stack([A, 2 * A])
    np.testing.assert_array_equal(sd.evaluate(getattr(a, attr), {"a": stacked}), getattr(stacked, attr))
