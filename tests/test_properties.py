"""Property-based correctness: random well-typed expressions over scalars and small tensors.

A hypothesis strategy draws an expression of a requested shape out of elementwise functions
(wrapped so their arguments stay in the domain: ``log(a*a + 1)``, ``sqrt(a*a + 0.5)``,
``a / (b*b + 0.5)``), broadcasting binary operations, reductions over axes, matmul, indexing,
reshapes, stacking, softmax and ``where``, together with a NumPy function computing the same
value independently. For each expression:

- the evaluator equals the NumPy reference;
- the gradient of ``sum(e * K)`` (``K`` a fixed random weight) agrees with central finite
  differences along a random direction, and the Hessian-vector product with finite differences
  of the gradient (skipped when a kink of relu/abs/maximum/max/where lies within reach of the
  difference step, see :func:`_kink_distance`);
- ``sd.compile`` equals ``sd.evaluate`` (to rounding, and in dtype and shape);
- ``sd.simplify`` keeps the value wherever the raw graph is finite;
- over scalars, ``to_sympy`` of the gradient equals SymPy's own ``diff`` and ``from_sympy``
  round trips.

The budget is fixed (``derandomize=True``, no example database), so every run checks the same
examples; the whole module takes about 10-20 s on two loaded cores.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

import symdiff as sd
from symdiff.ops.elementwise import Abs, Compare, Maximum, Minimum, Relu
from symdiff.ops.reduce import Max, Min

SETTINGS = settings(
    max_examples=200, deadline=None, derandomize=True, database=None, print_blob=False,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no 'explain': slow on failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# the variables, one per shape; an expression uses a subset of them
SHAPES: dict[tuple[int, ...], str] = {(): "s", (2,): "p", (3,): "v", (2, 3): "M", (3, 3): "Q"}
VARS = {name: sd.var(name, shape) for shape, name in SHAPES.items()}
# shapes that broadcast to the key (operands of a broadcasting binary operation)
BROADCASTS = {
    (): [()],
    (2,): [(), (2,)],
    (3,): [(), (3,)],
    (2, 3): [(), (3,), (2, 3)],
    (3, 3): [(), (3,), (3, 3)],
}
Ref = Callable[[dict[str, np.ndarray]], np.ndarray]
Expr = tuple[sd.Node, Ref]

# elementwise functions with their NumPy twins, wrapped to stay in their domain
UNARY: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
    ("sin", sd.sin, np.sin),
    ("cos", sd.cos, np.cos),
    ("tanh", sd.tanh, np.tanh),
    ("sigmoid", sd.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    ("softplus", sd.softplus, lambda a: np.logaddexp(0, a)),
    ("exp∘tanh", lambda a: sd.exp(sd.tanh(a)), lambda a: np.exp(np.tanh(a))),
    ("log(a²+1)", lambda a: sd.log(a * a + 1), lambda a: np.log(a * a + 1)),
    ("sqrt(a²+½)", lambda a: sd.sqrt(a * a + 0.5), lambda a: np.sqrt(a * a + 0.5)),
    ("sqrt∘exp", lambda a: sd.sqrt(sd.exp(sd.sin(a))), lambda a: np.sqrt(np.exp(np.sin(a)))),
    ("log1p(a²)", lambda a: sd.log1p(a * a), lambda a: np.log1p(a * a)),
    ("expm1∘sin", lambda a: sd.expm1(sd.sin(a)), lambda a: np.expm1(np.sin(a))),
    ("neg", lambda a: -a, lambda a: -a),
    ("square", lambda a: a**2, lambda a: a**2),
    ("cube", lambda a: a**3, lambda a: a**3),
    ("abs", sd.abs, np.abs),
    ("relu", sd.relu, lambda a: np.maximum(a, 0)),
    ("tan(a/4)", lambda a: sd.tan(sd.tanh(a) * 0.5), lambda a: np.tan(np.tanh(a) * 0.5)),
]
BINARY: list[tuple[str, Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = [
    ("add", lambda a, b: a + b, np.add),
    ("sub", lambda a, b: a - b, np.subtract),
    ("mul", lambda a, b: a * b, np.multiply),
    ("div", lambda a, b: a / (b * b + 0.5), lambda a, b: a / (b * b + 0.5)),
    ("pow", lambda a, b: (a * a + 1) ** sd.tanh(b), lambda a, b: (a * a + 1) ** np.tanh(b)),
    ("maximum", sd.maximum, np.maximum),
    ("minimum", sd.minimum, np.minimum),
]
CONSTANTS = [0.0, 1.0, -1.0, 0.5, 2.0, -1.5]


def _softmax(a: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@st.composite
def expressions(draw: Any, shape: tuple[int, ...] = (), depth: int = 3, scalar_only: bool = False) -> Expr:
    """An expression of ``shape`` with its NumPy reference, at most ``depth`` operations deep."""
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        if draw(st.integers(0, 5)) == 0:
            c = draw(st.sampled_from(CONSTANTS))
            if shape:
                return sd.const(np.full(shape, c)), lambda env: np.full(shape, c)
            return sd.const(c), lambda env: np.float64(c)
        name = draw(st.sampled_from(["s", "t"])) if scalar_only else SHAPES[shape]
        node = VARS[name] if not scalar_only else sd.var(name)
        return node, lambda env: env[name]
    sub = lambda s: expressions(s, depth - 1, scalar_only)  # noqa: E731
    kinds = ["unary", "binary", "where"]
    if not scalar_only:
        kinds += ["reduce", "matmul", "shape", "softmax"]
    kind = draw(st.sampled_from(kinds))
    if kind == "unary":
        _, f, g = draw(st.sampled_from(UNARY))
        a, ra = draw(sub(shape))
        return f(a), lambda env: g(ra(env))
    if kind == "binary":
        _, f, g = draw(st.sampled_from(BINARY))
        sa, sb = (draw(st.sampled_from(BROADCASTS[shape])) for _ in range(2))
        if shape not in (sa, sb):
            sa = shape
        (a, ra), (b, rb) = draw(sub(sa)), draw(sub(sb))
        return f(a, b), lambda env: g(ra(env), rb(env))
    if kind == "where":
        sc, sa, sb = (draw(st.sampled_from(BROADCASTS[shape])) for _ in range(3))
        if shape not in (sa, sb):
            sa = shape
        (c1, rc1), (c2, rc2) = draw(sub(sc)), draw(sub(sc))
        (a, ra), (b, rb) = draw(sub(sa)), draw(sub(sb))
        return sd.where(c1 > c2, a, b), lambda env: np.broadcast_to(
            np.where(rc1(env) > rc2(env), ra(env), rb(env)), shape)
    if kind == "reduce":
        # a reduction to ``shape`` from a larger shape, with its axis
        sources = {(): [((3,), None), ((2, 3), None), ((3, 3), (0, 1))], (2,): [((2, 3), 1)],
                   (3,): [((2, 3), 0), ((3, 3), 1)], (2, 3): [((2, 3), 1)], (3, 3): [((3, 3), 0)]}
        src, axis = draw(st.sampled_from(sources[shape]))
        keep = src == shape
        fname = draw(st.sampled_from(["sum", "mean", "max", "min", "logsumexp", "prod"]))
        a, ra = draw(sub(src))
        out = getattr(sd, fname)(a, axis=axis, keepdims=keep)
        npf: dict[str, Callable[..., np.ndarray]] = {
            "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod,
            "logsumexp": lambda t, axis, keepdims: np.log(np.sum(np.exp(t), axis=axis, keepdims=keepdims)),
        }
        if keep:  # keepdims over an axis of the same shape: broadcast back
            return sd.broadcast_to(out, shape), lambda env: np.broadcast_to(npf[fname](ra(env), axis=axis, keepdims=True), shape)
        return out, lambda env: npf[fname](ra(env), axis=axis, keepdims=False)
    if kind == "matmul":
        pairs = {(): [((3,), (3,)), ((2,), (2,))], (2,): [((2, 3), (3,))], (3,): [((3,), (3, 3)), ((2,), (2, 3))],
                 (2, 3): [((2, 3), (3, 3))], (3, 3): [((3, 3), (3, 3))]}
        sa, sb = draw(st.sampled_from(pairs[shape]))
        (a, ra), (b, rb) = draw(sub(sa)), draw(sub(sb))
        return a @ b, lambda env: ra(env) @ rb(env)
    if kind == "shape":
        if shape == ():
            a, ra = draw(sub((3,)))
            k = draw(st.integers(-3, 2))
            return a[k], lambda env: ra(env)[k]
        if shape == (2,):
            a, ra = draw(sub((3,)))
            lo = draw(st.integers(0, 1))
            return a[lo:lo + 2], lambda env: ra(env)[lo:lo + 2]
        if shape == (3,):
            a, ra = draw(sub((2, 3)))
            return a[1], lambda env: ra(env)[1]
        if shape == (2, 3):
            which = draw(st.integers(0, 1))
            if which == 0:
                (a, ra), (b, rb) = draw(sub((3,))), draw(sub((3,)))
                return sd.stack([a, b]), lambda env: np.stack([ra(env), rb(env)])
            a, ra = draw(sub((2, 3)))
            return sd.transpose(sd.reshape(a, (3, 2))), lambda env: ra(env).reshape(3, 2).T
        a, ra = draw(sub((3, 3)))
        return sd.transpose(a), lambda env: ra(env).T
    # softmax over an axis of a matrix or vector (values in (0, 1): also a domain-safe wrapper)
    axis = -1 if len(shape) < 2 else draw(st.sampled_from([0, 1]))
    if shape == ():
        a, ra = draw(sub((3,)))
        return sd.log_softmax(a)[0], lambda env: np.log(_softmax(ra(env), -1))[0]
    a, ra = draw(sub(shape))
    return sd.softmax(a, axis=axis), lambda env: _softmax(ra(env), axis)


# -- helpers ----------------------------------------------------------------------------------------


def expressions_of_shapes(*shapes: tuple[int, ...]) -> st.SearchStrategy[Expr]:
    """Expressions of one of ``shapes``, drawn first."""
    return st.sampled_from(shapes).flatmap(lambda shape: expressions(shape))


def _inputs(expr: sd.Node) -> list[sd.Node]:
    return [n for n in sd.toposort(expr) if n.op.name == "var"]


def _kink_distance(expr: sd.Node, env: dict[str, np.ndarray]) -> float:
    """How far the point is from the nearest kink or jump of a non-smooth op in ``expr``: the
    argument of relu/abs, the gap of maximum/minimum and comparisons, the gap between the two
    largest entries of a max/min reduction."""
    gaps: list[sd.Node] = []
    for n in sd.toposort(expr):
        if isinstance(n.op, (Relu, Abs)):
            gaps.append(n.inputs[0])
        elif isinstance(n.op, (Maximum, Minimum, Compare)):
            gaps.append(n.inputs[0] - n.inputs[1])
        elif isinstance(n.op, (Max, Min)):
            gaps.append(n.inputs[0])  # measured below along its axes
    if not gaps:
        return math.inf
    values = sd.evaluate(gaps, env, simplify=False)
    best = math.inf
    for node, value in zip(gaps, values):
        value = np.asarray(value, dtype=np.float64)
        consumer_is_reduction = any(
            isinstance(c.op, (Max, Min)) and c.inputs[0] is node for c in sd.toposort(expr)
        )
        if consumer_is_reduction and value.size > 1:
            flat = np.sort(value.ravel())
            best = min(best, float(np.min(np.diff(flat))) if flat.size > 1 else math.inf)
        else:
            best = min(best, float(np.min(np.abs(value))) if value.size else math.inf)
    return best


def _flat(values: list[Any]) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for v in values])


def _unflat(vec: np.ndarray, like: list[sd.Node]) -> dict[str, np.ndarray]:
    out, k = {}, 0
    for v in like:
        size = int(np.prod(v.shape))
        out[v.op.var_name] = vec[k : k + size].reshape(v.shape)
        k += size
    return out


def _close(got: Any, want: Any, rtol: float, atol: float) -> bool:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True))


# -- the properties ---------------------------------------------------------------------------------


@SETTINGS
@given(
    st.sampled_from(list(SHAPES)).flatmap(lambda shape: expressions(shape)),
    st.integers(0, 2**32 - 1),
)
def test_random_expressions_evaluate_differentiate_compile_and_simplify_consistently(expr, seed):
    e, ref = expr
    note(f"expression: {sd.to_text(e)}")
    rng = np.random.default_rng(seed)
    variables = _inputs(e)
    env = {v.op.var_name: rng.uniform(-1.5, 1.5, v.shape) for v in variables}

    # forward value against the NumPy reference
    with np.errstate(all="ignore"):
        value = np.asarray(sd.evaluate(e, env, simplify=False))
        want = np.asarray(ref(env), dtype=np.float64)
    assert value.shape == e.shape == want.shape
    assert _close(value, want, rtol=1e-12, atol=1e-12), (value, want)
    if not variables:
        return

    # f = sum(e * K): a scalar whose gradient sees every entry of e
    K = rng.uniform(0.5, 1.5, e.shape)
    f = sd.sum(e * sd.const(K)) if e.shape else e * float(K)
    grads = sd.grad(f, variables)
    u = rng.standard_normal(sum(int(np.prod(v.shape)) for v in variables))
    w = rng.standard_normal(u.size)
    # the Hessian along u, as a graph: d/dx <grad f, u>
    directional = sd.sum(sd.stack([sd.sum(g * sd.const(uu)) for g, uu in
                                   zip(grads, _unflat(u, variables).values())]))
    hess_u = sd.grad(directional, variables)

    x0 = _flat([env[v.op.var_name] for v in variables])
    fx, *gx = sd.evaluate([f, *grads], env, simplify=False)
    hu = _flat(sd.evaluate(hess_u, env, simplify=False))
    gx = _flat(gx)
    if np.all(np.isfinite(gx)) and _kink_distance(e, env) > 1e-3:
        h = 1e-6
        f_plus, f_minus = (float(sd.evaluate(f, _unflat(x0 + s * h * u, variables), simplify=False)) for s in (1, -1))
        fd = (f_plus - f_minus) / (2 * h)
        assert abs(fd - gx @ u) <= 1e-5 * (1 + abs(fd) + abs(float(fx))), (fd, gx @ u)
        h2 = 1e-5
        g_plus, g_minus = (_flat(sd.evaluate(grads, _unflat(x0 + s * h2 * w, variables), simplify=False)) for s in (1, -1))
        fd2 = (g_plus - g_minus) @ u / (2 * h2)
        assert abs(fd2 - hu @ w) <= 1e-4 * (1 + abs(fd2) + float(np.abs(gx).sum())), (fd2, hu @ w)

    # generated code against the evaluator: raw against raw, simplified against simplified
    outs = [f, *grads]
    with np.errstate(all="ignore"):
        raw_values = sd.evaluate(outs, env, simplify=False)
        fn_raw = sd.compile(outs, inputs=variables, simplify=False)
        got_raw = fn_raw(*(env[v.op.var_name] for v in variables))
        simple_values = sd.evaluate(outs, env, simplify=True)
        fn = sd.compile(outs, inputs=variables)
        got = fn(*(env[v.op.var_name] for v in variables))
    # equal to rounding: the scalar path runs math.* instead of np.* (array code agrees bit for
    # bit: the op table's test in test_codegen.py)
    for g_, w_ in zip(got_raw, raw_values):
        assert np.asarray(g_).dtype == np.asarray(w_).dtype
        assert _close(g_, w_, rtol=1e-12, atol=1e-12), (g_, w_)
    for g_, w_ in zip(got, simple_values):
        assert _close(g_, w_, rtol=1e-12, atol=1e-12), (g_, w_)

    # the simplified graph keeps the values wherever the raw graph is finite
    for s_, r_ in zip(simple_values, raw_values):
        s_, r_ = np.asarray(s_, dtype=np.float64), np.asarray(r_, dtype=np.float64)
        finite = np.isfinite(r_)
        scale = 1 + float(np.abs(r_[finite]).max(initial=0))
        assert np.allclose(s_[finite], r_[finite], rtol=1e-9, atol=1e-9 * scale), (s_, r_)


@settings(SETTINGS, max_examples=25)
@given(expressions((), depth=3, scalar_only=True), st.integers(0, 2**32 - 1))
def test_scalar_gradients_agree_with_sympy(expr, seed):
    e, _ = expr
    note(f"expression: {sd.to_text(e)}")
    names = sorted({v.op.var_name for v in _inputs(e)})
    if not names:
        return
    rng = np.random.default_rng(seed)
    point = {n: float(rng.uniform(-1.5, 1.5)) for n in names}
    if _kink_distance(e, point) < 1e-6:
        return  # SymPy's derivative of Max/Abs is undefined at the kink
    fs = sd.to_sympy(e)
    symbols = {sympy.Symbol(n, real=True): point[n] for n in names}
    # the round trip through SymPy computes the same function
    back = sd.from_sympy(fs)
    used = {v.op.var_name for v in _inputs(back)}
    assert math.isclose(float(sd.evaluate(back, {n: point[n] for n in used})),
                        float(sd.evaluate(e, point)), rel_tol=1e-9, abs_tol=1e-12)
    for n in names:
        mine = sd.to_sympy(sd.grad(e, n))
        theirs = sympy.diff(fs, sympy.Symbol(n, real=True))
        a = complex(mine.evalf(subs=symbols))
        b = complex(theirs.evalf(subs=symbols))
        assert abs(a - b) <= 1e-9 * (1 + abs(b)), (n, mine, theirs)


# Minimal cases these properties found are kept as plain regression tests next to the code they
# exercise: test_codegen.py::test_scalar_constant_beside_an_array_constant_in_one_elementwise_op and
# test_sympy_bridge.py::test_nested_where_round_trips_through_boolean_conditions.


def _at_random_point(expr: Expr, seed: int) -> tuple[sd.Node, list[sd.Node], dict[str, Any]] | None:
    """A drawn expression, its variables and values for them in [-1.5, 1.5] (None when it has
    no variables), noted for hypothesis's report."""
    e, _ = expr
    variables = _inputs(e)
    if not variables:
        return None
    note(f"expression: {sd.to_text(e)}")
    rng = np.random.default_rng(seed)
    return e, variables, {v.op.var_name: rng.uniform(-1.5, 1.5, v.shape) for v in variables}


@settings(SETTINGS, max_examples=120)
@given(expressions_of_shapes((2,), (3,), (2, 3), (3, 3)), st.integers(0, 2**32 - 1))
def test_random_jacobians_in_one_batched_pass_equal_one_pass_per_row(expr, seed):
    # sd.jacobian carries every row's cotangent along a leading axis; the rows one reverse pass
    # at a time must give the same numbers, for the function and for its gradient (a Hessian)
    drawn = _at_random_point(expr, seed)
    if drawn is None:
        return
    e, variables, env = drawn
    x = variables[0]
    cases = [e, sd.grad(sd.sum(e * e), x)]
    with np.errstate(all="ignore"):
        for y in cases:
            size = y.type.static_size
            got = np.asarray(sd.evaluate(sd.jacobian(y, x), env, simplify=False)).reshape(size, -1)
            rows = []
            for k in range(size):
                onehot = np.zeros(size)
                onehot[k] = 1.0
                rows.append(np.ravel(sd.evaluate(sd.vjp(y, x, sd.const(onehot.reshape(y.shape))), env,
                                                 simplify=False)))
            assert _close(got, np.stack(rows), rtol=1e-10, atol=1e-12)


@settings(SETTINGS, max_examples=200)
@given(expressions(scalar_only=True), st.integers(0, 2**32 - 1))
def test_grad_in_one_scalar_gives_reverse_modes_values_whichever_sweep_it_keeps(expr, seed):
    # for one scalar variable grad keeps the smaller of the reverse and the forward sweep: the
    # same numbers as reverse mode alone, a NaN where it gives one, at random points and at 0;
    # and of the first derivative differentiated again (a derivative of a derivative, where the
    # forward sweep is the one usually kept)
    drawn = _at_random_point(expr, seed)
    if drawn is None:
        return
    e, variables, env = drawn
    x = variables[0]
    first = sd.grad(e, x, mode="reverse")
    pairs = [(sd.grad(e, x), first), (sd.grad(first, x), sd.grad(first, x, mode="reverse"))]
    for env in (env, {v.op.var_name: 0.0 for v in variables}):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for kept, reverse in pairs:
                got, want = sd.evaluate([kept, reverse], env, simplify=False)
                np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)


def _forget_simplified(roots: list[sd.Node]) -> None:
    """Clear what earlier simplifies noted on the nodes of ``roots``'s graph (each then looks
    new to the rules)."""
    from symdiff.ir import set_settled, toposort

    for n in toposort(roots):
        set_settled(n, None)


@settings(SETTINGS, max_examples=150)
@given(expressions_of_shapes((), (3,), (2, 3)), st.integers(0, 2**32 - 1))
def test_simplifying_a_graph_grown_from_a_simplified_one_is_as_good_as_from_scratch(expr, seed):
    # simplify notes on the nodes it settles how it saw them, and a later simplify offers those
    # nodes to the rules only where their surroundings changed: a gradient appended to a
    # simplified function simplifies to the same values, and no larger, as when every node is new
    drawn = _at_random_point(expr, seed)
    if drawn is None:
        return
    e, variables, env = drawn
    s = sd.simplify(e)
    grown = [s, sd.grad(sd.sum(s * s), variables[0])]
    seeded = sd.simplify(grown)
    _forget_simplified(grown)
    plain = sd.simplify(grown)
    note(f"seeded: {sd.count_nodes(seeded)} nodes, from scratch: {sd.count_nodes(plain)}")
    assert sd.count_nodes(seeded) <= sd.count_nodes(plain)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = sd.evaluate(seeded, env, simplify=False)
        want = sd.evaluate(plain, env, simplify=False)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)


# names whose bare text reads otherwise (printed as var('...')), and names that read as themselves
_NAMES = ["pi", "sum", "x y", "lambda", "_1", "e", "inf", "True", "ﬁ", "α", "n", "where", "s_"]
# constants the text must carry exactly: signed zeros and NaNs, infinities, subnormals, float32,
# integer and complex scalars, 0-d against 1-element arrays
_SPECIAL = [np.float64(-0.0), np.inf, -np.inf, np.nan, -np.nan, np.float32(0.1), np.array([0.5]),
            np.int32(3), np.float64(1e-310), np.array(1 / 3), complex(-0.0, 1.0),
            np.array([np.float32(-0.0)]), np.uint8(200)]


@settings(SETTINGS, max_examples=60)
@given(st.sampled_from(list(SHAPES)).flatmap(lambda shape: expressions(shape)),
       st.permutations(_NAMES), st.lists(st.booleans(), min_size=5, max_size=5),
       st.lists(st.booleans(), min_size=5, max_size=5), st.sampled_from(_SPECIAL),
       st.integers(0, 2**32 - 1))
def test_printed_text_of_random_graphs_and_their_derivatives_parses_to_the_same_values(
        expr, names, renamed, float32, special, seed):
    # to_text of several outputs (a function, one of its constants, its gradient and Hessian, raw
    # and simplified) read back by parse_outputs, given the variables: the same values to the
    # bit, shapes and dtypes, with variables renamed to names that need var('...') and retyped
    e, _ = expr
    rng = np.random.default_rng(seed)
    old = _inputs(e)
    if not old:
        return
    new = [sd.var(names[k] if renamed[k] else v.op.var_name, v.shape,
                  "float32" if float32[k] else "float64") for k, v in enumerate(old)]
    try:
        e = sd.ir.substitute([e], dict(zip(old, new)))[0]
    except (sd.SymdiffError, TypeError):  # an op that refuses the mixed dtypes
        return
    weights = sd.const(rng.standard_normal(e.shape))  # up to 9 values written out
    count = sd.var(names[-1], (), ["int32", "int64", "uint8"][seed % 3])  # an integer variable
    outputs = [e, e * special, e * count,
               sd.reshape(e, (-1,))[sd.const(rng.integers(0, max(e.size, 1), 10))]]
    loss = sd.sum(e * weights)
    outputs += sd.grad(loss, new)
    outputs.append(sd.hessian(sd.sum(e * e), new[0]))
    outputs += sd.simplify(outputs)
    text = sd.to_text(outputs)
    note(f"text:\n{text}")
    back = sd.parse_outputs(text, shapes={v.op.var_name: v for v in [*new, count]})
    assert len(back) == len(outputs)
    env = {v.op.var_name: rng.uniform(-1.5, 1.5, v.shape).astype(v.dtype) for v in new}
    env[names[-1]] = count.dtype.type(seed % 7)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = sd.evaluate(outputs, env, simplify=False)
        got = sd.evaluate(back, env, simplify=False)
    for w, g, o, b in zip(want, got, outputs, back):
        w, g = np.asarray(w), np.asarray(g)
        assert (g.shape, g.dtype) == (w.shape, w.dtype), (sd.to_text(o), sd.to_text(b))
        np.testing.assert_array_equal(g, w)  # NaN where NaN
        if w.dtype.kind in "fc":
            assert np.array_equal(np.signbit(g.real), np.signbit(w.real)), sd.to_text(o)


# -- the special functions added last: every mode of differentiation agrees at their edges ------


def _orders(y: sd.Node, x: sd.Node, n: int) -> tuple[list[Any], list[Any]]:
    """Derivatives 1..3 of an elementwise ``y`` by nested reverse grads and by Taylor mode
    (``sd.taylor`` times k!), each evaluated raw, simplified and compiled (which must agree)."""
    nested, d = [], y
    for _ in range(3):
        d = sd.grad(sd.sum(d), x)
        nested.append(d)
    taylor = [c * float(math.factorial(k)) for k, c in enumerate(sd.taylor(y, x, 3, np.ones(n)))][1:]
    return nested, taylor


def _values(exprs: list[sd.Node], x: sd.Node, at: np.ndarray) -> list[np.ndarray]:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = sd.evaluate(exprs, {x: at}, simplify=False)
        for other in (sd.evaluate(exprs, {x: at}), sd.compile(exprs, inputs=[x])(at)):
            for r, o in zip(raw, other):
                np.testing.assert_allclose(o, r, rtol=1e-12, atol=1e-305)  # subnormals may go
    return [np.asarray(r) for r in raw]


def test_gammainc_higher_derivatives_in_x_stay_exact_where_its_density_underflows():
    # P(a, x)'s derivatives in x are those of the density x^(a-1) exp(-x) / Gamma(a); near 0
    # they are powers of x, huge or exact where the density itself has underflowed (at
    # x = 1e-300, a = 2.5: P''' = 0.75 x^-0.5 / Gamma(2.5)); before, the log form gave 0 times
    # 1/x there: 0, or nan at the subnormal 5e-324 and in Taylor mode
    at = np.array([5e-324, 1e-300, 1e-100, 1e-5, 0.5, 3.0])
    x = sd.var("x", at.shape)
    for a in (1.0, 2.5, 30.0):
        lgam = math.lgamma(a)
        want3 = [math.exp(-t - lgam) * (_term((a - 1) * (a - 2), t, a - 3) + _term(-2 * (a - 1), t, a - 2)
                                         + _term(1.0, t, a - 1)) for t in at]
        for fn, sign in ((sd.gammainc, 1.0), (sd.gammaincc, -1.0)):
            nested, taylor = _orders(fn(a, x), x, at.size)
            values = _values(nested + taylor, x, at)
            for got in (values[2], values[5]):
                np.testing.assert_allclose(got, sign * np.array(want3), rtol=1e-9, err_msg=f"a={a}")
            np.testing.assert_allclose(values[4], values[1], rtol=1e-12, err_msg=f"a={a}")


def _term(c: float, t: float, p: float) -> float:
    """c t**p in floats (0 when c is), inf where it overflows."""
    if c == 0:
        return 0.0
    return c * math.exp(p * math.log(t)) if p * math.log(t) < 709.7 else math.copysign(math.inf, c)


def test_erfcx_higher_derivatives_keep_their_values_through_simplify_far_out():
    # erfcx's slope beyond x = 10 is a series in w = 1/x^2, written (1/x)^2: its derivatives
    # hold only powers of 1/x, which simplify may collect without overflow. Written 1/(x*x),
    # they held x over x^4, collected into (x * c) / x^4: inf / inf = nan at x = 1e300, and
    # x^4 = inf, a 0 in place of 1.1e-300, for the second derivative at x = 1e100
    at = np.array([1e300, 1e160, 1e100, 1e30, 50.0])
    x = sd.var("x", at.shape)
    nested, taylor = _orders(sd.erfcx(x), x, at.size)
    values = _values(nested + taylor, x, at)
    np.testing.assert_allclose(values[0][2:4], -1 / (math.sqrt(math.pi) * at[2:4] ** 2), rtol=1e-12)
    np.testing.assert_allclose(values[1][2], 2 / (math.sqrt(math.pi) * 1e300), rtol=1e-12)
    for k in range(3):
        np.testing.assert_allclose(values[3 + k], values[k], rtol=1e-9)


def test_loggamma_forward_and_reverse_modes_agree_where_it_is_nan():
    # loggamma is nan for x < 0; its slope there was 0 in reverse mode but nan in forward mode
    # (a 0 tangent times digamma of the nan put inside gammaln); now 0 in both, and the
    # derivatives elsewhere are digamma's and trigamma's
    at = np.array([-2.5, -1e-8, 0.5, 3.0])
    x = sd.var("x", at.shape)
    y = sd.loggamma(x)
    values = _values([sd.jvp(y, x, np.ones(4)), sd.vjp(y, x, np.ones(4)),
                      sd.derivative(y, x, 2, np.ones(4)), sd.hvp(sd.sum(y), x, np.ones(4))], x, at)
    np.testing.assert_array_equal(values[0], values[1])
    np.testing.assert_array_equal(values[2], values[3])
    np.testing.assert_allclose(values[0], [0.0, 0.0, -1.9635100260214235, 0.9227843350984671], rtol=1e-13)
    np.testing.assert_allclose(values[2], [0.0, 0.0, math.pi**2 / 2, math.pi**2 / 6 - 1.25], rtol=1e-13)


def test_two_argument_kernels_keep_float32_with_a_float32_constant_when_compiled():
    # the generated code writes a 0-d float32 constant as a Python number, weak in promotion as
    # in any ufunc; the kernels of gammainc and pseudo_huber made it a float64 array first, so
    # the compiled function returned float64 where the graph (and the evaluator) say float32
    f = sd.var("f", (3,), dtype="float32")
    at = np.array([0.3, 1.0, 2.0], np.float32)
    half = np.float32(0.5)
    for y in (sd.gammainc(half, f), sd.gammaincc(f, half),
              sd.pseudo_huber(half, f), sd.pseudo_huber(f, half)):
        want = sd.evaluate(y, {f: at}, simplify=False)
        for simplify in (False, True):
            got = sd.compile(y, inputs=[f], simplify=simplify)(at)
            assert (got.dtype, want.dtype, y.dtype) == (np.float32,) * 3, sd.to_text(y)
            np.testing.assert_array_equal(got, want)


def test_pseudo_huber_slope_in_r_keeps_its_value_when_simplify_reorders_the_chain_rule():
    # the slope in r is delta (r / h), bounded by delta; written r (delta / h), simplify's
    # product collection put the huge r beside the huge outer value (x * pseudo_huber(1, x)):
    # inf at x = -1e308, where the slope of the composition is -1.3 (and -1.3 raw)
    at = np.array([-1e308, -1e200, -3.0, 0.0, 2.0])
    x = sd.var("x", at.shape)
    y = sd.pseudo_huber(1.3, sd.pseudo_huber(1.0, x))
    slope = _values([sd.grad(sd.sum(y), x)], x, at)[0]
    inner = np.abs(at) * (np.abs(at) / (np.hypot(1.0, at) + 1.0))
    want = 1.3 * inner / np.hypot(1.3, inner) * at / np.hypot(1.0, at)
    np.testing.assert_allclose(slope, want, rtol=1e-14)
