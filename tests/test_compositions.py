"""Random compositions of ops over variables of different shapes (so broadcasting, reductions
and where-masks interact), differentiated to first and second order and checked against
central differences of NumPy evaluations of the same composition."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import symdiff as sd

SHAPES = {"a": (3,), "b": (2, 3), "s": ()}


def _last3(x) -> bool:
    """Whether the last axis has the 3 entries that gather and _MIX expect."""
    return len(x.shape) > 0 and x.shape[-1] == 3


_MIX = np.array([[0.5, -1.0, 0.25], [1.5, 0.5, -0.5], [0.0, 1.0, 2.0]])
VARS = {k: sd.var(k, shape=shp) for k, shp in SHAPES.items()}

# each entry: (symdiff builder, NumPy builder); all smooth where evaluated (kinks have measure 0)
UNARY = {
    "sin": (sd.sin, np.sin),
    "tanh": (sd.tanh, np.tanh),
    "sigmoid": (sd.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "softplus": (sd.softplus, lambda x: np.logaddexp(0, x)),
    "square": (lambda x: x ** 2, lambda x: x ** 2),
    "safe_sqrt": (lambda x: sd.where(x > 0, sd.sqrt(x), 0.0), lambda x: np.where(x > 0, np.sqrt(np.abs(x)), 0.0)),
    "safe_log": (lambda x: sd.where(x > 0, sd.log(x), -x), lambda x: np.where(x > 0, np.log(np.abs(x) + (x == 0)), -x)),
    "sum_last": (lambda x: sd.sum(x, axis=-1, keepdims=True) if x.ndim else x,
                 lambda x: np.sum(x, axis=-1, keepdims=True) if x.ndim else x),
    "max_last": (lambda x: sd.max(x, axis=-1, keepdims=True) if x.ndim else x,
                 lambda x: np.max(x, axis=-1, keepdims=True) if x.ndim else x),
    "softmax": (lambda x: sd.softmax(x) if x.ndim else x,
                lambda x: np.exp(x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))) if x.ndim else x),
    # shape-preserving uses of the shape and product ops (last axis 3, or a scalar kept as is)
    "reverse": (lambda x: x[..., ::-1] if x.ndim else x, lambda x: x[..., ::-1] if x.ndim else x),
    "gather": (lambda x: x[..., np.array([0, 0, 2])] if _last3(x) else x,
               lambda x: x[..., np.array([0, 0, 2])] if _last3(x) else x),
    "rejoin": (lambda x: sd.concatenate([x[..., :1] * 2, x[..., 1:]], axis=-1) if x.ndim else x,
               lambda x: np.concatenate([x[..., :1] * 2, x[..., 1:]], axis=-1) if x.ndim else x),
    "matvec": (lambda x: x @ sd.const(_MIX) if _last3(x) else x, lambda x: x @ _MIX if _last3(x) else x),
    "einsum": (lambda x: sd.einsum("...i,ij->...j", x, sd.const(_MIX)) if _last3(x) else x,
               lambda x: np.einsum("...i,ij->...j", x, _MIX) if _last3(x) else x),
    "flip_T": (lambda x: x.T.reshape(x.shape[::-1]).T, lambda x: x.T.reshape(x.shape[::-1]).T),
    "logsumexp": (lambda x: sd.logsumexp(x, axis=-1, keepdims=True) if x.ndim else x,
                  lambda x: np.log(np.sum(np.exp(x), axis=-1, keepdims=True)) if x.ndim else x),
    "prod": (lambda x: sd.prod(x, axis=-1, keepdims=True) if x.ndim else x,
             lambda x: np.prod(x, axis=-1, keepdims=True) if x.ndim else x),
    "mean_first": (lambda x: sd.mean(x, axis=0, keepdims=True) if x.ndim else x,
                   lambda x: np.mean(x, axis=0, keepdims=True) if x.ndim else x),
}
BINARY = {
    "add": (lambda x, y: x + y, lambda x, y: x + y),
    "sub": (lambda x, y: x - y, lambda x, y: x - y),
    "mul": (lambda x, y: x * y, lambda x, y: x * y),
    "div": (lambda x, y: x / (1 + y * y), lambda x, y: x / (1 + y * y)),
    "maximum": (sd.maximum, np.maximum),
    "select": (lambda x, y: sd.where(x > y, x * y, y - x), lambda x, y: np.where(x > y, x * y, y - x)),
}

_leaf = st.sampled_from(sorted(SHAPES))


def _extend(children):
    return st.one_of(st.tuples(st.sampled_from(sorted(UNARY)), children),
                     st.tuples(st.sampled_from(sorted(BINARY)), children, children))


def build(tree, leaves, table_index):
    """Build ``tree`` with either symdiff (0) or NumPy (1) from the leaves given."""
    if isinstance(tree, str):
        return leaves[tree]
    op, *kids = tree
    args = [build(k, leaves, table_index) for k in kids]
    fn = (UNARY if len(args) == 1 else BINARY)[op][table_index]
    return fn(*args)


def _numpy_scalar(tree, values):
    out = build(tree, values, 1)
    return float(np.sum(out * _weights(np.shape(out))))


def _weights(shape):
    return np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape) if shape else 1.0


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(tree=st.recursive(_leaf, _extend, max_leaves=6), seed=st.integers(0, 2**16))
def test_random_composition_gradients(tree, seed):
    rng = np.random.default_rng(seed)
    values = {k: rng.uniform(-2, 2, shp) for k, shp in SHAPES.items()}
    out = build(tree, VARS, 0)
    scalar = sd.sum(out * sd.const(_weights(out.shape)))
    names = sorted(SHAPES)
    wrt = [VARS[k] for k in names]
    grads = sd.grad(scalar, wrt)
    us = [rng.standard_normal(SHAPES[k]) for k in names]
    hu = sd.hvp(scalar, wrt, [sd.const(u) for u in us])
    with np.errstate(all="ignore"):
        got_f, *got = sd.evaluate([scalar, *grads, *hu], values)
        g_vals, h_vals = got[:3], got[3:]
        np.testing.assert_allclose(got_f, _numpy_scalar(tree, values), rtol=1e-12, atol=1e-12)
        h = 1e-6
        for k, g in zip(names, g_vals):
            assert g.shape == SHAPES[k]
            fd = np.zeros(SHAPES[k])
            for i in np.ndindex(SHAPES[k]):
                e = np.zeros(SHAPES[k])
                e[i] = h
                fd[i] = (_numpy_scalar(tree, {**values, k: values[k] + e})
                         - _numpy_scalar(tree, {**values, k: values[k] - e})) / (2 * h)
            np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6, err_msg=f"d/d{k} of {tree}")
        # second order: the Hessian along u against a difference of the evaluated gradient
        step = 1e-5
        up = sd.evaluate(grads, {k: values[k] + step * u for k, u in zip(names, us)})
        down = sd.evaluate(grads, {k: values[k] - step * u for k, u in zip(names, us)})
    for k, hk, a, b in zip(names, h_vals, up, down):
        np.testing.assert_allclose(hk, (a - b) / (2 * step), rtol=1e-4, atol=1e-4,
                                   err_msg=f"Hessian row {k} of {tree}")
