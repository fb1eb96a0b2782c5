"""Plain Python functions written for NumPy arrays (augmented assignment, unpacking, loops of a
fixed count, closures, default and keyword arguments, builtins over sequences, comprehensions,
NumPy's functions and methods, indexing) traced by calling them on variables. Each is checked
three ways: its value against the same function run on NumPy arrays (dtype and shape too), its
gradient against central differences of the NumPy run, and the generated code against the
evaluator."""

from __future__ import annotations

import math

import numpy as np
import pytest

import symdiff as sd

FUNCTIONS: list[tuple[object, tuple[tuple[int, ...], ...]]] = []


def traced(*shapes: tuple[int, ...]):  # type: ignore[no-untyped-def]
    def register(f):  # type: ignore[no-untyped-def]
        FUNCTIONS.append((f, shapes))
        return f
    return register


@traced((), ())
def augmented_assignment(x, y):
    a = x
    a += y
    a *= x
    a -= 3
    a /= 2.0
    a **= 2
    return a


@traced(())
def tuple_unpacking_and_powers(x):
    a, b = x * 2, x ** 2
    return a * b + x ** -2 + abs(x) ** 0.5 + 2.0 ** x


@traced((4,))
def unpack_a_vector(x):
    a, b, *rest = x
    return a * b - sum(rest)


@traced((4,))
def loop_over_range_len(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * (i + 1)
    return s


@traced(())
def while_with_a_counter(x):
    i, y = 0, x
    while i < 4:
        y = np.sin(y) + x
        i += 1
    return y


@traced(())
def closure_default_and_keyword_arguments(x):
    k = 3.0

    def inner(z, p=2, *, shift=0.0):
        return z ** p * k + shift

    return inner(x) + inner(x, p=3) + inner(x, 4, shift=x)


@traced((4,), (4,))
def builtins_over_sequences(x, y):
    return (sum(a * b for a, b in zip(x, y)) + sum(i * v for i, v in enumerate(x))
            + sum([v ** 2 for v in reversed(y)], 1.0) + math.prod(x[:2]))


@traced((3, 4))
def rows_of_a_matrix(x):
    total = 0.0
    for row in x:
        total = total + np.dot(row, row)
    n, m = x.shape
    return total / (n * m) + x.shape[0] * x[0, 0]


@traced((3, 4), (4,))
def matrix_products(x, v):
    return x @ v + np.dot(x, v) + (x @ x.T).sum(axis=1) + x.dot(np.ones(4))


@traced((3, 4))
def indexing(x):
    return (x[::-1, 1:][..., 0] + x[None][0, :, -1] + x[:, np.newaxis, :][:, 0, 2]
            + x[[0, 2, 1], [1, 1, 3]] + x[1, [0, 2, 3]][:3])


@traced((3, 4))
def numpy_functions(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    softmax = e / np.sum(e, axis=1, keepdims=True)
    return (np.tanh(np.reshape(softmax, (4, 3))).T + np.mean(x, axis=1)[:, None]
            + np.maximum(x, 0.0) + np.where(x > 0, x, 0.1 * x))


@traced((3, 4))
def numpy_reductions_positional(x):
    return np.sum(x, 0, np.float64) + np.max(x, 0, None, False) + np.mean(a=x, axis=0)


@traced((4,))
def list_built_in_a_loop(x):
    out = []
    for i in range(len(x)):
        out.append(x[i] * (i + 1))
    ys = [np.stack(out)]
    for _ in range(3):
        ys.append(np.tanh(ys[-1]) * 1.5)
    return ys[-1] + ys[1]


@traced((4,))
def ndarray_on_the_left_and_in_place(x):
    acc = np.zeros(4)
    acc += x
    acc *= np.arange(1.0, 5.0)
    return np.eye(4) @ acc + np.ones(4) - x + np.array([1.0, 2.0, 3.0, 4.0]) ** 2 * x


@traced((5,))
def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


@traced((3, 3), (3,))
def recurrent_loop(w, h0):
    inputs = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    hs = [h0]
    for t in range(inputs.shape[0]):
        hs.append(np.tanh(w @ hs[-1] + inputs[t]))
    return sum(np.sum(h ** 2) for h in hs[1:])


@traced((4, 4))
def power_iteration(a):
    m = a @ a.T + np.eye(4)
    v = np.ones(4) / 2.0
    for _ in range(4):
        v = m @ v
        v = v / np.linalg.norm(v)
    return v @ m @ v


@traced((6,))
def running_mean_and_variance(x):
    mean = m2 = 0.0
    for n, v in enumerate(x, start=1):
        delta = v - mean
        mean = mean + delta / n
        m2 = m2 + delta * (v - mean)
    return m2 / (len(x) - 1) + mean


@traced((3,))
def keyword_arguments_from_a_dict(p):
    params = {"a": p[0], "b": p[1], "c": p[2]}

    def quadratic(t, a, b, c):
        return a * t ** 2 + b * t + c

    return sum(quadratic(t, **params) for t in (0.0, 0.5, 1.0))


@traced((4,))
def piecewise_and_apply_along_axis(x):
    pieces = np.piecewise(x, [x < 0, x >= 0], [lambda t: -t, lambda t: t ** 2])
    rows = np.apply_along_axis(lambda r: r * r.sum(), 1, x.reshape(2, 2))
    return pieces + rows.ravel()


def _flat(value):  # type: ignore[no-untyped-def]
    return list(value) if isinstance(value, (tuple, list)) else [value]


@pytest.mark.parametrize("f, shapes", FUNCTIONS, ids=[f.__name__ for f, _ in FUNCTIONS])
def test_traced_function_matches_numpy_differences_and_generated_code(f, shapes):
    rng = np.random.default_rng(len(f.__name__))
    variables = [sd.var(f"a{k}", s) for k, s in enumerate(shapes)]
    arrays = [rng.uniform(0.5, 1.5, s) for s in shapes]
    given = [a if a.ndim else float(a) for a in arrays]
    outputs = _flat(f(*variables))
    expected = [np.asarray(e) for e in _flat(f(*given))]
    values = dict(zip(variables, arrays))
    got = _flat(sd.evaluate(outputs, values))
    for g, e in zip(got, expected, strict=True):
        g = np.asarray(g)
        assert (g.dtype, g.shape) == (e.dtype, e.shape)
        np.testing.assert_allclose(g, e, rtol=1e-12)

    weights = [rng.standard_normal(e.shape) for e in expected]

    def loss(*args):  # type: ignore[no-untyped-def]
        return sum(float(np.sum(o * w)) for o, w in zip(_flat(f(*args)), weights))

    gradients = sd.grad(sum(sd.sum(o * w) for o, w in zip(outputs, weights)), variables)
    gradient_values = [np.asarray(g) for g in sd.evaluate(gradients, values)]
    h = 1e-6
    for k, a in enumerate(arrays):
        u = rng.standard_normal(a.shape)
        up = [b + h * u if j == k else b for j, b in enumerate(arrays)]
        down = [b - h * u if j == k else b for j, b in enumerate(arrays)]
        up = [b if b.ndim else float(b) for b in up]
        down = [b if b.ndim else float(b) for b in down]
        difference = (loss(*up) - loss(*down)) / (2 * h)
        assert float(np.sum(gradient_values[k] * u)) == pytest.approx(difference, rel=1e-6,
                                                                       abs=1e-7)

    compiled = sd.compile(outputs + gradients, inputs=variables)(*arrays)
    for c, e in zip(compiled, got + gradient_values, strict=True):
        np.testing.assert_allclose(c, e, rtol=1e-12, atol=1e-14)


def test_what_tracing_cannot_do_fails_at_the_line_saying_what_to_write():
    x, v = sd.var("x"), sd.var("v", (3,))

    def branch_on_a_value(t):
        if t > 0:
            return t
        return -t

    cases = [
        (lambda: branch_on_a_value(x), r"truth value of a symbolic expression \(x > 0\.0\).*"
                                       r"sd\.where\(cond, a, b\)"),
        (lambda: float(x) * 2, r"^float\(\) of a symbolic expression.*sd\.sin\(expr\)"),
        (lambda: math.exp(x), r"^float\(\) of a symbolic expression \(which math\.sin"),
        (lambda: max(v), r"np\.max\(x\), np\.maximum\(a, b\) and np\.sort\(x\)"),
        (lambda: [1.0, 2.0][v.astype(int)[0]], r"used as a Python int \(an index or a size\)"),
        (lambda: np.array([v[0], v[1]]), r"np\.stack\(\[\.\.\.\]\)"),
        (lambda: v.fill(0.0), r"^ndarray\.fill of a symbolic expression: it changes the array"),
    ]
    for build, message in cases:
        with pytest.raises((TypeError, AttributeError), match=message) as info:
            build()
        # the traceback passes through this file's line that asked, not only symdiff's own
        assert any(entry.path.name == "test_trace_functions.py" for entry in info.traceback)
