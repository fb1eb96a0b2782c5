"""The code generator: generated functions agree with the evaluator to the last bit, validate
their inputs, stay safe with hostile names, and run where symdiff is not installed."""

from __future__ import annotations

import ast
import itertools
import math
import pickle
import subprocess
import sys

import numpy as np
import pytest

import symdiff as sd

RNG = np.random.default_rng(1234)


def _pos(shape):
    return RNG.uniform(0.5, 2.0, shape)


def _any(shape):
    return RNG.standard_normal(shape)


# name -> (build(vars) -> expression, [(var name, shape, dtype, sampler)])
A = ("a", (3, 4), "float64", _any)
B = ("b", (3, 4), "float64", _any)
P = ("p", (3, 4), "float64", _pos)
V = ("v", (4,), "float64", _any)
M = ("m", (4, 5), "float64", _any)
L = ("labels", (3,), "int64", lambda s: RNG.integers(0, 3, s))  # rows of A and one_hot depth 4
OPS = {
    "abs": (lambda a: sd.abs(a), [A]),
    "add": (lambda a, v: sd.add(a, v), [A, V]),
    "arange": (lambda a: a * sd.arange(4), [A]),
    "astype": (lambda a: sd.astype(a, "float32"), [A]),
    "broadcast_to": (lambda v: sd.broadcast_to(v, (2, 4)), [V]),
    "concatenate": (lambda a, b: sd.concatenate([a, b], axis=1), [A, B]),
    "cos": (lambda a: sd.cos(a), [A]),
    "divide": (lambda a, p: sd.divide(a, p), [A, P]),
    "dot": (lambda a, m: sd.dot(a, m), [A, M]),
    "einsum": (lambda a, m: sd.einsum("ij,jk->ik", a, m), [A, M]),
    "equal": (lambda a, b: sd.where(sd.equal(a, b), a, b), [A, B]),
    "exp": (lambda a: sd.exp(a), [A]),
    "expand_dims": (lambda v: sd.expand_dims(v, 0) * 2.0, [V]),
    "expm1": (lambda a: sd.expm1(a), [A]),
    "greater": (lambda a, b: sd.where(sd.greater(a, b), a, b), [A, B]),
    "greater_equal": (lambda a, b: sd.where(sd.greater_equal(a, b), a, 0.0), [A, B]),
    "less": (lambda a, b: sd.where(sd.less(a, b), a, b), [A, B]),
    "less_equal": (lambda a, b: sd.where(sd.less_equal(a, b), b, 1.0), [A, B]),
    "log": (lambda p: sd.log(p), [P]),
    "log1p": (lambda p: sd.log1p(p), [P]),
    "log_softmax": (lambda a: sd.log_softmax(a, axis=1), [A]),
    "logsumexp": (lambda a: sd.logsumexp(a, axis=0), [A]),
    "matmul": (lambda a, m: sd.matmul(a, m), [A, M]),
    "max": (lambda a: sd.max(a, axis=1), [A]),
    "maximum": (lambda a, b: sd.maximum(a, b), [A, B]),
    "mean": (lambda a: sd.mean(a, axis=0), [A]),
    "min": (lambda a: sd.min(a, axis=0, keepdims=True), [A]),
    "minimum": (lambda a, b: sd.minimum(a, b), [A, B]),
    "multiply": (lambda a, b: sd.multiply(a, b), [A, B]),
    "negative": (lambda a: sd.negative(a), [A]),
    "not_equal": (lambda a, b: sd.where(sd.not_equal(a, b), a, b), [A, B]),
    "logical_and": (lambda a, b: sd.where((a > 0) & (b > 0), a, b), [A, B]),
    "logical_or": (lambda a, b: sd.where((a > 0) | (b > 0), a, b), [A, B]),
    "logical_xor": (lambda a, b: sd.where(sd.logical_xor(a, b > 0), a, b), [A, B]),
    "logical_not": (lambda a, b: sd.where(~(a > b), a, b), [A, B]),
    "one_hot": (lambda labels, a: sd.one_hot(labels, 4) * a, [L, A]),
    "power": (lambda p, a: sd.power(p, a), [P, A]),
    "prod": (lambda a: sd.prod(a, axis=1), [A]),
    "relu": (lambda a: sd.relu(a), [A]),
    "reshape": (lambda a: sd.reshape(a, (4, 3)), [A]),
    "sigmoid": (lambda a: sd.sigmoid(a * 10.0), [A]),
    "sign": (lambda a: sd.sign(a) * a, [A]),
    "sin": (lambda a: sd.sin(a), [A]),
    "softmax": (lambda a: sd.softmax(a, axis=0), [A]),
    "softplus": (lambda a: sd.softplus(a), [A]),
    "sqrt": (lambda p: sd.sqrt(p), [P]),
    "stack": (lambda a, b: sd.stack([a, b], axis=1), [A, B]),
    "stop_gradient": (lambda a, b: sd.stop_gradient(a) * b, [A, B]),
    "subtract": (lambda a, v: sd.subtract(a, v), [A, V]),
    "sum": (lambda a: sd.sum(a, axis=(0, 1)), [A]),
    "swapaxes": (lambda a: sd.swapaxes(a, 0, 1), [A]),
    "tan": (lambda a: sd.tan(a * 0.5), [A]),
    "tanh": (lambda a: sd.tanh(a), [A]),
    "transpose": (lambda a: sd.transpose(a) @ a, [A]),
    "where": (lambda a, b: sd.where(a > 0, a, b), [A, B]),
    "index": (lambda a, labels: a[1:3, labels] + a[:2, :1], [A, L]),  # not in FUNCTIONS: indexing
}
# -- products and linear algebra
S = ("s", (2, 3, 3), "float64", lambda shape: _spd(shape))


def _spd(shape):
    m = RNG.standard_normal(shape)
    return m @ np.swapaxes(m, -1, -2) + 3 * np.eye(shape[-1])


OPS.update({
    "tensordot": (lambda a, m: sd.tensordot(a, m, axes=([1], [0])), [A, M]),
    "outer": (lambda v, a: sd.outer(v, a), [V, A]),
    "inner": (lambda a, v: sd.inner(a, v), [A, V]),
    "kron": (lambda v, a: sd.kron(v, a), [V, A]),
    "vdot": (lambda a, b: sd.vdot(a, b), [A, B]),
    "linalg.inv": (lambda s: sd.linalg.inv(s), [S]),
    "linalg.inv_or_nan": (lambda s: sd.linalg.inv_or_nan(s), [S]),
    "linalg.matrix_power": (lambda s: sd.linalg.matrix_power(s, 5) + sd.linalg.matrix_power(s, -1), [S]),
    "linalg.multi_dot": (lambda a, m, v: sd.linalg.multi_dot([a, m, m.T, v]), [A, M, V]),
    "linalg.det": (lambda s: sd.linalg.det(s), [S]),
    "linalg.slogdet": (lambda s: sd.linalg.slogdet(s)[1] * sd.linalg.slogdet(s)[0], [S]),
    "linalg.solve": (lambda s, a: sd.linalg.solve(s, a[:, :2]), [S, A]),
    "linalg.cholesky": (lambda s: sd.linalg.cholesky(s), [S]),
    "linalg.eigh": (lambda s: sd.linalg.eigh(s)[0] + sd.linalg.eigh(s)[1][..., 0], [S]),
    "linalg.eigvalsh": (lambda s: sd.linalg.eigvalsh(s, "U"), [S]),
    "linalg.svdvals": (lambda a: sd.linalg.svdvals(a), [A]),
    "linalg.lstsq": (lambda a: sd.linalg.lstsq(a.T, a[0] * 2.0)[0] + sd.linalg.lstsq(a.T, a[0] * 2.0)[1]
                     * sd.linalg.lstsq(a.T, a[0])[2] - sd.linalg.lstsq(a.T, a[1], 1e-8).s, [A]),
    "linalg.pinv": (lambda a: sd.linalg.pinv(a) + sd.linalg.pinv(a, rcond=1e-8), [A]),
    "linalg.qr": (lambda a: sd.linalg.qr(a.T)[0] @ sd.linalg.qr(a.T).R + sd.linalg.qr(a, "r")[0, :3], [A]),
    "linalg.svd": (lambda a: sd.linalg.svd(a, full_matrices=False)[0] * sd.linalg.svd(a, False)[1]
                   @ sd.linalg.svd(a, False)[2] + sd.linalg.svd(a, compute_uv=False)[0], [A]),
    "linalg.norm": (lambda a: sd.linalg.norm(a, "nuc") + sd.linalg.norm(a, axis=1)[0], [A]),
    "linalg.vector_norm": (lambda s: sd.linalg.vector_norm(s, axis=(0, 2), ord=3)
                           + sd.linalg.vector_norm(s, keepdims=True)[0, 0], [S]),
    "linalg.matrix_norm": (lambda s: sd.linalg.matrix_norm(s, ord=2, keepdims=True) * s, [S]),
    "linalg.cross": (lambda a, b: sd.linalg.cross(a[:, :3], b[:, 1:]), [A, B]),
    "linalg.outer": (lambda v: sd.linalg.outer(v, v * 2.0), [V]),
    "linalg.diagonal": (lambda a: sd.linalg.diagonal(a, offset=1), [A]),
    "linalg.trace": (lambda s: sd.linalg.trace(s, offset=-1), [S]),
    "linalg.matrix_transpose": (lambda a: sd.linalg.matrix_transpose(a), [A]),
    "linalg.vecdot": (lambda a, v: sd.linalg.vecdot(a, v), [A, V]),
    "linalg.matmul": (lambda a, m: sd.linalg.matmul(a, m), [A, M]),
    "linalg.tensordot": (lambda a, m: sd.linalg.tensordot(a, m, axes=1), [A, M]),
    "linalg.cond": (lambda s, a: sd.linalg.cond(s) + sd.linalg.cond(s, 1) + sd.linalg.cond(a)[None], [S, A]),
    "linalg.matrix_rank": (lambda s, a: a * sd.linalg.matrix_rank(s)[0] + sd.linalg.matrix_rank(a), [S, A]),
    "linalg.tensorinv": (lambda s: sd.linalg.tensorinv(sd.reshape(s[0], (3, 1, 3)), ind=2), [S]),
    "linalg.tensorsolve": (lambda s, a: sd.linalg.tensorsolve(sd.reshape(s[0], (3, 3, 1)), a[0, :3]), [S, A]),
})

# -- more shape and selection functions
A3 = ("t", (2, 3, 4), "float64", _any)
I2 = ("idx", (3, 2), "int64", lambda s: np.random.default_rng(5).integers(0, 4, s))
OPS.update({
    "argmax": (lambda a: a * sd.argmax(a, axis=1, keepdims=True), [A]),
    "argmin": (lambda a: sd.take_along_axis(a, sd.argmin(a, axis=0, keepdims=True), axis=0), [A]),
    "argsort": (lambda a: sd.take_along_axis(a, sd.argsort(a, axis=1, kind="stable"), axis=1), [A]),
    "array_split": (lambda a: sd.concatenate([p * 2.0 for p in sd.array_split(a, 2, axis=0)]), [A]),
    "atleast_1d": (lambda a: sd.atleast_1d(sd.sum(a)) * 2.0, [A]),
    "atleast_2d": (lambda v: sd.atleast_2d(v) * 2.0, [V]),
    "atleast_3d": (lambda a: sd.atleast_3d(a) * 2.0, [A]),
    "diag": (lambda v, a: sd.diag(v, 1) * sd.diag(a)[0], [V, A]),
    "diagonal": (lambda t: sd.diagonal(t, -1, 2, 0), [A3]),
    "flip": (lambda t: sd.flip(t, (0, 2)), [A3]),
    "fliplr": (lambda a: sd.fliplr(a), [A]),
    "flipud": (lambda a: sd.flipud(a), [A]),
    "moveaxis": (lambda t: sd.moveaxis(t, 0, -1), [A3]),
    "pad": (lambda a: sd.pad(a, ((1, 0), (2, 1)), constant_values=0.5)
            + sd.pad(a, ((1, 0), (0, 3)), mode="reflect") + sd.pad(a, {0: (0, 1), 1: (2, 1)}, mode="wrap"), [A]),
    "hsplit": (lambda a: sd.concatenate([p * 3.0 for p in sd.hsplit(a, [1, 3])], axis=1), [A]),
    "vsplit": (lambda a: sd.concatenate([p * 3.0 for p in sd.vsplit(a, 3)]), [A]),
    "dsplit": (lambda s: sd.concatenate([p * 3.0 for p in sd.dsplit(s, [2])], axis=2), [S]),
    "ravel": (lambda a: sd.ravel(a, order="F"), [A]),
    "repeat": (lambda a: sd.repeat(a, 2, axis=0) + sd.repeat(a, [1, 2, 0], axis=0)[0], [A]),
    "roll": (lambda t: sd.roll(t, (1, -1), axis=(0, 2)) + sd.roll(t, 3), [A3]),
    "sort": (lambda a: sd.sort(a * a, axis=0), [A]),
    "split": (lambda a: sd.concatenate([p * 3.0 for p in sd.split(a, [1, 3], axis=1)], axis=1), [A]),
    "squeeze": (lambda v: sd.squeeze(sd.reshape(v, (1, 4, 1)), axis=0), [V]),
    "take": (lambda a, idx: sd.take(a, idx, axis=1) + sd.take(a, 0) + sd.take(a, idx - 2, axis=1, mode="clip")
             + sd.take(a, idx * 3, axis=1, mode="wrap"), [A, I2]),
    "take_along_axis": (lambda a: sd.take_along_axis(a, sd.const(np.array([[0, 3, 3]])), axis=1), [A]),
    "tile": (lambda v: sd.tile(v, (2, 2)), [V]),
    "trace": (lambda t: sd.trace(t, 1, 1, 2), [A3]),
    "tril": (lambda a: sd.tril(a, 1), [A]),
    "triu": (lambda t: sd.triu(t, -1), [A3]),
})

# more elementwise functions and reductions
U = ("u", (3, 4), "float64", lambda s: RNG.uniform(-0.9, 0.9, s))
Z = ("z", (3, 4), "float64", lambda s: np.where(RNG.random(s) < 0.3, 0.0, RNG.standard_normal(s)))
OPS.update({
    "arccos": (lambda u: sd.arccos(u), [U]),
    "arccosh": (lambda p: sd.arccosh(p + 1.0), [P]),
    "arcsin": (lambda u: sd.arcsin(u), [U]),
    "arcsinh": (lambda a: sd.arcsinh(a), [A]),
    "arctan": (lambda a: sd.arctan(a), [A]),
    "arctan2": (lambda a, v: sd.arctan2(a, v), [A, V]),
    "arctanh": (lambda u: sd.arctanh(u), [U]),
    "average": (lambda a, p: sd.average(a, axis=0, weights=p), [A, P]),
    "cbrt": (lambda a: sd.cbrt(a), [A]),
    "clip": (lambda a, b: sd.clip(a, -0.5, b), [A, B]),
    "cosh": (lambda a: sd.cosh(a), [A]),
    "cumprod": (lambda z: sd.cumprod(z, axis=1), [Z]),
    "cumsum": (lambda a: sd.cumsum(a), [A]),
    "linear_recurrence": (lambda z, a: sd.linear_recurrence(z, a, axis=1)
                          + sd.linear_recurrence(z, a * a, axis=0, reverse=True, exclusive=True), [Z, A]),
    "deg2rad": (lambda a: sd.deg2rad(a), [A]),
    "digamma": (lambda p: sd.digamma(p), [P]),
    "erf": (lambda a: sd.erf(a), [A]),
    "erfc": (lambda a: sd.erfc(a), [A]),
    "erfinv": (lambda a: sd.erfinv(sd.tanh(a)), [A]),
    "erfcinv": (lambda p: sd.erfcinv(sd.exp(-p)), [P]),
    "ndtri": (lambda a: sd.ndtri(sd.sigmoid(a)), [A]),
    "ndtr": (lambda a: sd.ndtr(a), [A]),
    "log_ndtr": (lambda a: sd.log_ndtr(a * 30.0), [A]),
    "logit": (lambda a: sd.logit(sd.sigmoid(a)), [A]),
    "log_expit": (lambda a: sd.log_expit(a), [A]),
    "logcosh": (lambda a: sd.logcosh(a * 400.0), [A]),  # past cosh's overflow too
    "xlogy": (lambda a, p: sd.xlogy(sd.where(a > 0.5, 0.0, a), p), [A, P]),
    "xlog1py": (lambda a, p: sd.xlog1py(a, p), [A, P]),
    "betaln": (lambda p: sd.betaln(p, p + 1.0), [P]),
    "beta": (lambda p: sd.beta(p, p + 1.0), [P]),
    "entr": (lambda p: sd.entr(p), [P]),
    "rel_entr": (lambda p: sd.rel_entr(p, p * p), [P]),
    "kl_div": (lambda p: sd.kl_div(p, p * p), [P]),
    "boxcox": (lambda p, a: sd.boxcox(p, sd.where(a > 0.5, 0.0, a)), [P, A]),
    "inv_boxcox": (lambda a: sd.inv_boxcox(sd.tanh(a), sd.where(a > 0.5, 0.0, 0.3 * sd.tanh(a))), [A]),
    "exp2": (lambda a: sd.exp2(a), [A]),
    "fmod": (lambda a, p: sd.fmod(a, p), [A, P]),
    "gamma": (lambda a: sd.gamma(a), [A]),
    "gammaln": (lambda p: sd.gammaln(p), [P]),
    "hypot": (lambda a, b: sd.hypot(a, b), [A, B]),
    "fmax": (lambda a, v: sd.fmax(a, sd.where(v > 0.5, np.nan, v)), [A, V]),
    "fmin": (lambda a, b: sd.fmin(sd.where(a > 0.5, np.nan, a), b), [A, B]),
    "copysign": (lambda a, z: sd.copysign(a, z) + sd.copysign(z, -z), [A, Z]),
    "heaviside": (lambda z, a: sd.heaviside(z, a), [Z, A]),
    "float_power": (lambda p, a: sd.float_power(p, a) + sd.positive(a), [P, A]),
    "positive": (lambda a: sd.positive(a) * 2.0, [A]),
    "log10": (lambda p: sd.log10(p), [P]),
    "log2": (lambda p: sd.log2(p), [P]),
    "logaddexp": (lambda a, b: sd.logaddexp(a, b), [A, B]),
    "logaddexp2": (lambda a, v: sd.logaddexp2(a, v), [A, V]),
    "mod": (lambda a, p: a % p, [A, P]),
    "divmod": (lambda a, p: sd.stack(sd.divmod(a, p)), [A, P]),
    "polygamma": (lambda p: sd.polygamma(2, p - 3.0), [P]),
    "rad2deg": (lambda a: sd.rad2deg(a), [A]),
    "reciprocal": (lambda p: sd.reciprocal(p), [P]),
    "sinc": (lambda a: sd.sinc(sd.where(a > 1.0, 0.0, a)), [A]),
    "sinh": (lambda a: sd.sinh(a), [A]),
    "square": (lambda a: sd.square(a), [A]),
    "std": (lambda a: sd.std(a, axis=1, ddof=1), [A]),
    "variance": (lambda a: a.var(axis=0, keepdims=True), [A]),
})

# rounding, logical reductions and the complex parts
C = ("c", (3, 4), "complex128", lambda s: RNG.standard_normal(s) + 1j * RNG.standard_normal(s))
OPS.update({
    "round": (lambda a: sd.round(a * 10.0, 1) + a.round(), [A]),
    "any": (lambda a: sd.where(sd.any(a > 0.5, axis=1, keepdims=True), a, 0.0), [A]),
    "all": (lambda a: sd.where((a > -1.0).all(axis=0), a, 1.0), [A]),
    "conj": (lambda c: sd.conj(c * c), [C]),
    "conjugate": (lambda c: sd.conjugate(c) * c, [C]),
    "real": (lambda c: sd.real(c) + c.real * 2.0, [C]),
    "imag": (lambda c, a: sd.imag(c) + a.imag, [C, A]),
})

# NaN-ignoring reductions (NaNs made where a > 0.5) and NumPy's other statistics
OPS.update({
    "nansum": (lambda a: sd.nansum(sd.where(a > 0.5, np.nan, a), axis=1), [A]),
    "nanprod": (lambda a: sd.nanprod(sd.where(a > 0.5, np.nan, a), axis=0), [A]),
    "nanmean": (lambda a: sd.nanmean(sd.where(a > 0.5, np.nan, a), axis=1, keepdims=True), [A]),
    "nanvar": (lambda a: sd.nanvar(sd.where(a > 0.5, np.nan, a), axis=0, ddof=1), [A]),
    "nanstd": (lambda a: sd.nanstd(sd.where(a > 0.5, np.nan, a), axis=1), [A]),
    "nanmax": (lambda a: sd.nanmax(sd.where(a > 0.5, np.nan, a), axis=1), [A]),
    "nanmin": (lambda a: sd.nanmin(sd.where(a > 0.5, np.nan, a), axis=0), [A]),
    "nanargmax": (lambda a: a * sd.nanargmax(sd.where(a > 1.5, np.nan, a)), [A]),
    "nanargmin": (lambda a: a * sd.nanargmin(sd.where(a > 1.5, np.nan, a), axis=1, keepdims=True), [A]),
    "nancumsum": (lambda a: sd.nancumsum(sd.where(a > 0.5, np.nan, a), axis=1), [A]),
    "nancumprod": (lambda a: sd.nancumprod(sd.where(a > 0.5, np.nan, a)), [A]),
    "nanmedian": (lambda a: sd.nanmedian(sd.where(a > 0.5, np.nan, a), axis=1), [A]),
    "nanquantile": (lambda a: sd.nanquantile(sd.where(a > 0.5, np.nan, a), [0.2, 0.9], axis=0,
                                             method="hazen"), [A]),
    "nanpercentile": (lambda a: sd.nanpercentile(sd.where(a > 0.5, np.nan, a), 30, axis=1,
                                                 keepdims=True, method="nearest"), [A]),
    "ptp": (lambda a: sd.ptp(a, axis=1), [A]),
    "isclose": (lambda a, b: sd.where(sd.isclose(a, b * 1e-12 + a, rtol=1e-13), a, b), [A, B]),
    "allclose": (lambda a, b: sd.where(sd.allclose(a, a + 1e-12), a, b), [A, B]),
    "signbit": (lambda a: sd.where(sd.signbit(a), a, 2.0), [A]),
    "nextafter": (lambda a, b: sd.nextafter(a, b), [A, B]),
    "ldexp": (lambda a, labels: sd.ldexp(a, sd.reshape(labels, (3, 1)) - 1), [A, L]),
    "angle": (lambda c, a: sd.angle(c, deg=True) + sd.angle(a), [C, A]),
    "vecdot": (lambda a, b: sd.vecdot(a, b), [A, B]),
    "matrix_transpose": (lambda a: sd.matrix_transpose(a) @ a, [A]),
    "cumulative_sum": (lambda a: sd.cumulative_sum(a, axis=1, include_initial=True), [A]),
    "cumulative_prod": (lambda a: sd.cumulative_prod(a, axis=0), [A]),
    "cov": (lambda a: sd.cov(a), [A]),
    "corrcoef": (lambda a: sd.corrcoef(a, rowvar=False), [A]),
    "spacing": (lambda a: a * sd.spacing(a * 1e10) + sd.spacing(a.astype("float16")), [A]),
    "modf": (lambda a: sd.modf(a * 3.0)[0] * sd.modf(a * 3.0)[1], [A]),
    "nan_to_num": (lambda a, b: sd.nan_to_num(sd.where(a > 0.5, np.nan, sd.log(b)), neginf=-3.0) * a, [A, B]),
    "isposinf": (lambda a: sd.where(sd.isposinf(a / 0.0), a, 0.0), [A]),
    "isneginf": (lambda a: sd.where(sd.isneginf(a / 0.0), a, 0.0), [A]),
    "isreal": (lambda c, a: sd.where(sd.isreal(c * (a[0, 0] > 0)), a, 0.0), [C, A]),
    "iscomplex": (lambda c, a: sd.where(sd.iscomplex(c * (a[0, 0] > 0)), a, 0.0), [C, A]),
    "count_nonzero": (lambda a: a * sd.count_nonzero(a > 0, axis=1, keepdims=True), [A]),
})


# rounding: piecewise constant, derivative 0 (the gradient outputs are zeros, also compared)
OPS.update({
    "floor": (lambda a: sd.floor(a * 3.0), [A]),
    "ceil": (lambda a: sd.ceil(a * 3.0) * a, [A]),
    "trunc": (lambda a: sd.trunc(a * 3.0), [A]),
    "rint": (lambda a: sd.rint(a * 3.0) + a, [A]),
    "floor_divide": (lambda a, p, labels: a // p + 7.0 // p + (labels // 2)[:, None], [A, P, L]),
})
# bitwise ops on integers (no gradient): shift counts past the width and below zero included
I8 = ("i", (3, 4), "int8", lambda s: RNG.integers(-128, 128, s))
C8 = ("c", (4,), "int8", lambda s: np.array([-1, 3, 8, 100]))
OPS.update({
    "bitwise_and": (lambda a, i, c: a * (i & c)[0] + (i & 5).astype("float64"), [A, I8, C8]),
    "bitwise_or": (lambda a, i, c: a * (i | c), [A, I8, C8]),
    "bitwise_xor": (lambda a, i, c: a * (i ^ c) + (3 ^ i), [A, I8, C8]),
    "invert": (lambda a, i: a * ~i, [A, I8]),
    "left_shift": (lambda a, i, c: a * (i << c) + (1 << c), [A, I8, C8]),
    "right_shift": (lambda a, i, c: a * (i >> c) + (100 >> c), [A, I8, C8]),
    "gcd": (lambda a, i, c: a * sd.gcd(i, c) + sd.gcd(i, 6), [A, I8, C8]),
    "lcm": (lambda a, i, c: a * sd.lcm(i, c), [A, I8, C8]),
    "fabs": (lambda a, i: sd.fabs(a) + sd.fabs(i), [A, I8]),
})
OPS.update({
    "isnan": (lambda a: sd.where(sd.isnan(sd.where(a > 0.5, np.nan, a)), 0.0, a), [A]),
    "isinf": (lambda a: sd.where(sd.isinf(sd.where(a > 0.0, -np.inf, a)), 1.0, a), [A]),
    "isfinite": (lambda a, b: sd.where(sd.isfinite(sd.where(a > b, np.inf, sd.where(a > 0, np.nan, b))),
                                       a, b), [A, B]),
})
OPS.update({
    "hstack": (lambda a, b: sd.hstack([a, b]), [A, B]),
    "vstack": (lambda a, v: sd.vstack([a, v]), [A, V]),
    "column_stack": (lambda v, m: sd.column_stack([v, m]), [V, M]),
    "diff": (lambda a: sd.diff(a, 2, axis=1, prepend=1.0), [A]),
    "trapezoid": (lambda a, v: sd.trapezoid(a, v, axis=1), [A, V]),
    "cross": (lambda a, b: sd.cross(a[:, :3], b[:, 1:]), [A, B]),
    "polyval": (lambda v, a: sd.polyval(v, a), [V, A]),
})
OPS["ones_like"] = (lambda a, labels: sd.ones_like(a) * a + sd.ones_like(labels, "float32")[:, None], [A, L])
OPS["full_like"] = (lambda a, labels: sd.full_like(a, -2.5) * a + sd.full_like(labels, 7)[:, None], [A, L])
OPS["zeros_like"] = (
    lambda a, labels: sd.zeros_like(a) + sd.zeros_like(labels, "float32")[:, None] * a, [A, L])

OPS.update({
    "zeros": (lambda a: sd.zeros((3, 4), "float32") + a + sd.zeros(4, "int8"), [A]),
    "ones": (lambda a: sd.ones((3, 1)) * a, [A]),
    "full": (lambda a: sd.full((3, 4), [1.5, -2.0, 0.25, 3.0]) * a + sd.full(4, 7), [A]),
    "eye": (lambda a, m: sd.eye(3, 4, k=1) * a + sd.eye(3, 5, k=-2, dtype="int32") @ m.T, [A, M]),
    "identity": (lambda m: sd.identity(4) @ m, [M]),
    # the constant op, and bounds that are variables (each row of `a` a start, `v` the stops)
    "linspace": (lambda a, v: sd.linspace(0.0, 2.0, 4) * a + sd.linspace(a[:, 0], v[:3], 4, axis=1)
                 + sd.linspace(-1.0, v[0], 5, endpoint=False, dtype="int64")[1:], [A, V]),
})

OPS.update({
    "median": (lambda a: sd.median(a, axis=0) * sd.median(a) + sd.median(a, axis=1, keepdims=True), [A]),
    "quantile": (lambda a: sd.quantile(a, [0.1, 0.5, 0.75], axis=1).T
                 + sd.quantile(a, 0.3, method="lower"), [A]),
    "percentile": (lambda a, labels: sd.percentile(a, 40, axis=(0, 1), method="hazen") * a
                   + sd.percentile(labels, [50, 90])[:, None, None], [A, L]),
})

OPS.update({
    "searchsorted": (lambda a, v: a * sd.searchsorted(sd.sort(v), a[0], side="right"), [A, V]),
    "interp": (lambda a, v: sd.interp(a, sd.sort(v), v * 2.0, right=0.5)
               + sd.interp(a, [0.0, 1.0], v[:2], period=1.5), [A, V]),
    "convolve": (lambda a, v: sd.convolve(a[0], v, "same") + sd.convolve(v[:2], a[1], "valid")[0], [A, V]),
    "correlate": (lambda a, v: sd.correlate(a[0], v, "full") * sd.correlate(v[:3], a[1], 2)[1:2], [A, V]),
    "meshgrid": (lambda a, v: a * sd.meshgrid(v, a[:, 0], indexing="xy")[0]
                 + sd.meshgrid(a[:, 1], v, sparse=True, indexing="ij")[1], [A, V]),
    "rot90": (lambda a: sd.rot90(a, 1).T + sd.rot90(a, 2) * sd.rot90(a, -1, axes=(1, 0)).T, [A]),
    "append": (lambda a, v: sd.append(a, v) * sd.append(v, 1.0)[2], [A, V]),
    "insert": (lambda a, v: sd.insert(a, [0, 4, 1], v[:3], axis=1)[:, :4] + sd.insert(a, 1, v, 0)[:3], [A, V]),
    "delete": (lambda a: sd.delete(a, [0, 2], axis=1).sum() + sd.delete(a, slice(None, None, 3)), [A]),
})

OPS.update({
    "gradient": (lambda a, v: sd.gradient(a, 0.5, v, edge_order=2)[1] + sd.gradient(a, axis=0), [A, V]),
    "ediff1d": (lambda a, v: sd.ediff1d(a, to_begin=v[0], to_end=[1.0, 2.0]), [A, V]),
    "unwrap": (lambda a: sd.unwrap(a * 4.0, axis=0) + sd.unwrap(a, period=1.0, discont=0.75), [A]),
    "select": (lambda a, b: sd.select([a < -0.5, a > b], [a, b * 2.0], -1.0), [A, B]),
    "broadcast_arrays": (lambda a, v: sd.broadcast_arrays(v, a[:, :1])[1] * a, [A, V]),
    "unstack": (lambda a: sd.unstack(a, axis=1)[3] + sd.unstack(a)[2][1:], [A]),
    "matvec": (lambda a, v: sd.matvec(a, v), [A, V]),
    "vecmat": (lambda a, m: sd.vecmat(a, m), [A, M]),
    "dstack": (lambda a, b: sd.dstack([a, b]), [A, B]),
    "rollaxis": (lambda a: sd.rollaxis(a[None], 2, 1) + sd.rollaxis(a, 1)[:, None], [A]),
    "diagflat": (lambda v: sd.diagflat(v, -1)[1:, :4] + sd.diagflat(v[:2], 2), [V]),
    "tri": (lambda a: sd.tri(3, 4, 1) * a + sd.tri(4, dtype=int)[1], [A]),
    "logspace": (lambda a, v: sd.logspace(a[:, 0], v[:3], 4, axis=1, base=2.0) + sd.logspace(0.0, 1.0, 4), [A, V]),
    "geomspace": (lambda p: sd.geomspace(p[:, 0], -p[:, 1], 5, axis=-1) + sd.geomspace(1.0, 16.0, 5), [P]),
    "polyder": (lambda v: sd.polyder(v, 2), [V]),
    "polyint": (lambda v: sd.polyint(v, 2, [v[0], 1.5]), [V]),
    "polyadd": (lambda v: sd.polyadd(v, v[:2]), [V]),
    "polysub": (lambda v: sd.polysub(v[1:], v), [V]),
    "polymul": (lambda v: sd.polymul(v, v[:2]), [V]),
    "vander": (lambda v: sd.vander(v) + sd.vander(v, 4, increasing=True), [V]),
    "digitize": (lambda a, v: sd.digitize(a, [-0.5, 0.0, 0.5], right=True) * a
                 + sd.digitize(a[0], sd.sort(v)[::-1]), [A, V]),
    "i0": (lambda a: sd.i0(a * 3.0), [A]),
    "i1": (lambda a: sd.i1(a * 3.0), [A]),
    "i0e": (lambda a: sd.i0e(a * 30.0) + sd.i0e(a), [A]),
    "i1e": (lambda a: sd.i1e(a * 30.0) + sd.i1e(a), [A]),
    "cummax": (lambda a: sd.cummax(a, axis=1) + sd.cummax(a, axis=0, reverse=True), [A]),
    "cummin": (lambda a: sd.cummin(a, axis=-1) + sd.cummin(a, reverse=True)[:4], [A]),
    "choose": (lambda a, b, labels: sd.choose(labels[:, None], [a, b, 0.5]) + sd.choose([1, 0, 1, 0], [a, b], mode="clip"),
               [A, B, L]),
    "compress": (lambda a: sd.compress([True, False, True], a) * sd.compress([0, 1, 1], a, axis=0).sum(), [A]),
    "extract": (lambda a: sd.extract(np.arange(12).reshape(3, 4) % 3, a), [A]),
    "resize": (lambda a, v: sd.resize(a, (2, 5)) + sd.resize(v, 5), [A, V]),
    "block": (lambda a, b, v: sd.block([[a, b[:, :1]], [v, 1.0]]), [A, B, V]),
})

# more of SciPy's special functions
OPS.update({
    "huber": (lambda p, a: sd.huber(p, a), [P, A]),
    "pseudo_huber": (lambda p, a: sd.pseudo_huber(p, a * 100.0), [P, A]),
    "erfcx": (lambda a: sd.erfcx(a * 10.0), [A]),
    # each region of the Bessel kernels: series, Taylor about the nodes, asymptotic forms
    "j0": (lambda a: sd.j0(a * 30.0) + sd.j0(a), [A]),
    "j1": (lambda a: sd.j1(a * 30.0) + sd.j1(a), [A]),
    "y0": (lambda p: sd.y0(p * 15.0) + sd.y0(p), [P]),
    "y1": (lambda p: sd.y1(p * 15.0) + sd.y1(p), [P]),
    "k0": (lambda p: sd.k0(p * 20.0) + sd.k0(p), [P]),
    "k1": (lambda p: sd.k1(p * 20.0) + sd.k1(p), [P]),
    "k0e": (lambda p: sd.k0e(p * 20.0) + sd.k0e(p), [P]),
    "k1e": (lambda p: sd.k1e(p * 20.0) + sd.k1e(p), [P]),
    "exp10": (lambda a: sd.exp10(a), [A]),
    "cosm1": (lambda a: sd.cosm1(a), [A]),
    "powm1": (lambda p, a: sd.powm1(p, a) + sd.powm1(-2.0, sd.round(a * 3.0)), [P, A]),
    "lambertw": (lambda a: sd.lambertw(a * 5.0), [A]),
    "ellipk": (lambda a: sd.ellipk(a * 0.9), [A]),
    "ellipe": (lambda a: sd.ellipe(a * 0.9), [A]),
    # differentiable in x: the first argument held
    "gammainc": (lambda p: sd.gammainc(sd.stop_gradient(p), p * 2.0) + sd.gammainc(20.0, p * 15.0), [P]),
    "gammaincc": (lambda p: sd.gammaincc(sd.stop_gradient(p), p * 0.5) + sd.gammaincc(0.1, p * 0.3), [P]),
    "loggamma": (lambda a: sd.loggamma(a * 3.0), [A]),
    "multigammaln": (lambda p: sd.multigammaln(p + 1.0, 3), [P]),
})

# the functions derivative graphs are made of (scatter-adds, a higher derivative of sinc)
IDX = ("idx", (3, 2), "int64", lambda s: RNG.integers(0, 4, s))
OPS.update({
    "partition": (lambda a: sd.partition(a, 1, axis=0) + sd.partition(a, [0, 3])[:1], [A]),
    "poly": (lambda v: sd.poly(v) * sd.poly(v[:2])[1], [V]),
    "sort_complex": (lambda a, c: sd.real(sd.sort_complex(a) * sd.sort_complex(c)[1]), [A, C]),
    "argpartition": (lambda a: sd.take_along_axis(a, sd.argpartition(a, 2, axis=1), axis=1), [A]),
    "isin": (lambda a, v: sd.where(sd.isin(sd.round(a * 2.0), sd.round(v * 2.0)), a, -a), [A, V]),
    "frexp": (lambda a: sd.frexp(a * 10.0)[0] + sd.frexp(a)[1], [A]),
    "piecewise": (lambda a, b: sd.piecewise(a, [a < -0.5, a > b], [sd.exp, lambda t: sd.sqrt(t), 2.0]),
                  [A, B]),
    "apply_along_axis": (lambda a, v: sd.apply_along_axis(lambda t: sd.outer(t[:2], v), 1, a), [A, V]),
    "apply_over_axes": (lambda a: sd.apply_over_axes(sd.mean, a * a, (0, 1)) + a, [A]),
})
OPS.update({
    "index_add": (lambda a: sd.index_add(a[1:, ::2], (3, 4), np.s_[1:, ::2]) + sd.index_add(a, (5, 4), [0, 2, 2])[1:4],
                  [A]),
    "add_along_axis": (lambda a, idx: sd.add_along_axis(a[:, :2], idx, (3, 4), 1)
                       + sd.add_along_axis(a, sd.argsort(a, axis=0), (3, 4), 0), [A, IDX]),
    "diagonal_embed": (lambda v: sd.diagonal_embed(v[:3], (3, 4), offset=1)
                       + sd.diagonal_embed(v[1:], (3, 4), axis1=1, axis2=0), [V]),
    "sinc_derivative": (lambda a: sd.sinc_derivative(a, 1) + sd.sinc_derivative(a * 0.5, 3), [A]),
    "linalg.det_derivative": (lambda s: sd.linalg.det_derivative(s) + sd.linalg.det_derivative(s * 0.0, s[0])
                              + sd.linalg.det_derivative(s, s[::-1], sd.swapaxes(s, -1, -2)), [S]),
})


def test_every_registered_function_has_a_sample():
    from symdiff.ops import ALIASES  # NumPy 2's short names are the same functions

    missing = sorted(set(sd.FUNCTIONS) - set(ALIASES) - set(OPS))
    assert not missing, f"add code generation samples for {missing}"


def _case(name):
    build, specs = OPS[name]
    vs = [sd.var(n, shape, dtype) for n, shape, dtype, _ in specs]
    values = {n: np.asarray(sample(shape)).astype(dtype) for n, shape, dtype, sample in specs}
    return build(*vs), vs, values


def _assert_bits(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes(), f"{got} != {want}"


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_and_its_gradient_agree_with_the_evaluator_bit_for_bit(name):
    y, vs, values = _case(name)
    outs = [y]
    wrt = [v for v in vs if v.type.is_float]
    if y.type.is_float:
        outs += sd.grad(sd.sum(y * y), wrt)
    fn = sd.compile(outs, inputs=vs, name=f"check_{name}")
    got = fn(*(values[v.op.var_name] for v in vs))
    want = sd.evaluate(outs, values, simplify=True)  # the same rewritten graph compile runs
    for g, w in zip(got, want):
        assert type(g) is type(w) is np.ndarray  # 0-d results too: arrays, never NumPy scalars
        _assert_bits(g, w)


def test_every_zero_d_result_is_a_zero_d_array_as_the_evaluator_gives():
    x, y = sd.symbols("x y")
    n = sd.var("n", (), "int64")
    v, A = sd.var("v", (3,)), sd.var("A", (3, 3))
    b = sd.var("b", (), "bool")
    z = sd.var("z", (), "complex128")
    cases = {  # each kind of 0-d value NumPy makes: scalars from reductions, indexing and
        # arithmetic of scalars, 0-d arrays from where, copies and conversions
        "sum": sd.sum(v), "mean": sd.mean(v * v), "max": sd.max(A), "argmax": sd.argmax(v),
        "dot": v @ v, "det": sd.linalg.det(A + 3.0 * sd.eye(3)), "norm": sd.linalg.norm(v),
        "trace": sd.trace(A), "index": v[1], "index_of_matrix": A[2, 0] * 2.0,
        "float_arithmetic": x * y + sd.sin(x), "int_arithmetic": n * 3 + 1, "compare": x > y,
        "and": (x > y) & b, "where": sd.where(x > y, x, y), "where_mixed": sd.where(b, n, 2),
        "complex": z * z + x, "cast": sd.astype(n, "float32"), "input_itself": x,
        "constant": sd.const(2.5), "scalar_of_vector_sum": sd.sum(v) * x,
        "logsumexp": sd.logsumexp(v), "all": sd.all(v > 0),
    }
    values = {"x": 1.5, "y": -0.5, "n": 4, "v": np.array([0.5, -1.0, 2.0]), "b": True, "z": 1 + 2j,
              "A": np.arange(9.0).reshape(3, 3) / 7}
    for name, e in cases.items():
        want = sd.evaluate(e, values)
        assert type(want) is np.ndarray and want.ndim == 0, name
        fn = sd.compile(e)
        got = fn(**{k: values[k] for k in fn.__code__.co_varnames[:fn.__code__.co_argcount]})
        assert type(got) is np.ndarray and got.ndim == 0, (name, type(got))
        _assert_bits(got, want)
        got[...] = 0  # the caller's own, writable array
    # in a list, a dict and a nest, beside arrays, on the Python-float path and its fallback
    outs = {"f": x * y, "g": {"dx": sd.grad(x * y, x)}, "h": sd.exp(x) * y}
    fn = sd.compile(outs)
    assert "math." in fn.source  # the Python-float path
    for point in [(1.5, -0.5), (800.0, 2.0)]:  # exp(800) overflows: the NumPy version answers
        with np.errstate(over="ignore"):
            got, want = fn(*point), sd.evaluate(outs, dict(zip("xy", point)))
        for g, w in [(got[0], want["f"]), (got[1]["dx"], want["g"]["dx"]), (got[2], want["h"])]:
            assert type(g) is type(w) is np.ndarray and g.ndim == 0
            _assert_bits(g, w)
    mixed = sd.compile([sd.sum(v), v * 2.0, v[0]])
    got = mixed(values["v"])
    assert [type(g) for g in got] == [np.ndarray] * 3 and [g.ndim for g in got] == [0, 1, 0]


def _seed():
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    dfdx, dfdy = sd.grad(f, [x, y])
    return x, y, f, dfdx, dfdy


def test_seed_function_and_gradient_on_the_scalar_path():
    x, y, f, dfdx, dfdy = _seed()
    fn = sd.compile({"f": f, "dfdx": dfdx, "dfdy": dfdy}, inputs=[x, y], name="seed")
    assert "math.exp" in fn.source and "def _seed_numpy" in fn.source
    got = fn(3.0, -4.0)
    assert all(type(v) is np.ndarray and v.dtype == np.float64 and v.shape == () for v in got)
    assert got == pytest.approx((1.5456448841066441, 2.0595697543961287, 1.5922327514838093), rel=1e-6)
    for point in [(3.0, -4.0), (0.1, 0.2), (-2.5, 7.0)]:
        want = sd.evaluate([f, dfdx, dfdy], {"x": point[0], "y": point[1]})
        np.testing.assert_allclose(fn(*point), want, rtol=1e-14, atol=0)
    assert fn(y=-4.0, x=3) == got  # keywords, and an int converted like the evaluator does


def test_scalar_path_falls_back_to_numpy_semantics_on_overflow_and_division_by_zero():
    x, y = sd.symbols("x y")
    fn = sd.compile([sd.exp(x) / y, sd.sigmoid(x)], inputs=[x, y])
    with np.errstate(all="ignore"):
        assert fn(1000.0, 2.0) == (math.inf, 1.0)  # math.exp raised OverflowError
        assert fn(1.0, 0.0)[0] == math.inf  # 1/0 raised ZeroDivisionError
        assert fn(-1000.0, 1.0) == (0.0, 0.0)
        want = sd.evaluate([sd.log(x)], {"x": -1.0})[0]
        assert np.isnan(sd.compile(sd.log(x), inputs=[x])(-1.0)) and np.isnan(want)



def test_numpy_fallback_of_a_scalar_function_is_compiled_when_first_needed():
    # the fallback runs only where math raises: compiling it with the rest would double the
    # time Python takes over a long function; its code still comes from the module's own lines
    x, y = sd.symbols("x y")
    fn = sd.compile([sd.exp(x) / y, sd.sigmoid(x)], inputs=[x, y], name="g")
    namespace = fn.__globals__
    assert namespace["_g_numpy"].__code__.co_name == "first_call"
    assert fn(1.0, 2.0) == (math.exp(1.0) / 2.0, 1 / (1 + math.exp(-1.0)))
    assert namespace["_g_numpy"].__code__.co_name == "first_call"  # math did not raise
    with np.errstate(all="ignore"):
        got = fn(1000.0, 2.0)
    assert got == (math.inf, 1.0)
    compiled = namespace["_g_numpy"].__code__
    assert compiled.co_name == "_g_numpy" and compiled.co_filename == fn.__code__.co_filename
    line = fn.source.splitlines()[compiled.co_firstlineno - 1]
    assert line == "def _g_numpy(x, y):"
    with np.errstate(all="ignore"):
        assert fn(1.0, 0.0)[0] == math.inf  # the compiled fallback, called directly now
    assert pickle.loads(pickle.dumps(fn))(1000.0, 2.0) == got

# where rounding is decided: halves, signed zeros, integers, beyond 2**52 (every float an
# integer), the largest and smallest floats, and inf and nan (math raises; NumPy takes over)
ROUNDING_EDGES = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, -0.49999999999999994, 0.0,
                  -0.0, 0.4, -0.4, 3.0, -3.0, 2.0**52 + 0.5, -(2.0**52) - 1.5, 2.0**53 + 2, 1e300,
                  -1e300, 5e-324, -5e-324, 0.1, 1 / 3, -7.25, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "rint"])
def test_rounding_on_the_scalar_path_gives_numpys_floats_bit_for_bit(name):
    x = sd.var("x")
    y = sd.FUNCTIONS[name](x)
    fn = sd.compile(y, inputs=[x])
    assert "math." in fn.source and f"def _{fn.__name__}_numpy" in fn.source  # the scalar path
    for v in ROUNDING_EDGES:
        got = fn(v)
        # math.floor gives an int; the generated code a float64 array, as the evaluator
        assert type(got) is np.ndarray and got.dtype == np.float64, (v, got)
        _assert_bits(np.float64(got), sd.evaluate(y, {"x": v}))
        _assert_bits(np.float64(got), getattr(np, name)(np.float64(v)))


@pytest.mark.parametrize("name", ["relu", "maximum", "minimum"])
def test_ties_of_signed_zeros_on_the_scalar_path_pick_numpys_zero(name):
    # relu(-0.0) is np.maximum(-0.0, 0), 0.0 (Python's max(-0.0, 0.0) keeps the first, -0.0);
    # np.maximum and np.minimum give their second argument on ties
    x, y = sd.symbols("x y")
    e = sd.relu(x) if name == "relu" else sd.FUNCTIONS[name](x, y)
    fn = sd.compile(e, inputs=[x, y] if name != "relu" else [x])
    assert "def _f_numpy" in fn.source  # the scalar path
    for a in (0.0, -0.0):
        for b in (0.0, -0.0):
            args = (a,) if name == "relu" else (a, b)
            _assert_bits(np.float64(fn(*args)), sd.evaluate(e, dict(zip("xy", args))))


def test_floor_divide_on_the_scalar_path_gives_numpys_floats_bit_for_bit():
    x, y = sd.symbols("x y")
    q = x // y
    fn = sd.compile(q, inputs=[x, y])
    assert "x // y" in fn.source and "def _" in fn.source  # the scalar path, Python's //
    divisors = [2.0, -2.0, 0.1, -0.1, 3.0, 1e-300, 1e300, 0.0, -0.0, math.inf, -math.inf, math.nan]
    with np.errstate(all="ignore"):  # NumPy warns of x // 0.0 (inf or nan), as the evaluator
        for a in ROUNDING_EDGES:
            for b in divisors:
                got = fn(a, b)
                assert type(got) is np.ndarray and got.dtype == np.float64 and got.shape == ()
                _assert_bits(np.float64(got), sd.evaluate(q, {"x": a, "y": b}))
                _assert_bits(np.float64(got), np.floor_divide(np.float64(a), np.float64(b)))


def test_mlp_loss_and_gradients_match_the_evaluator_exactly():
    X, labels = sd.var("X", ("n", 20)), sd.var("labels", ("n",), "int64")
    W1, b1 = sd.var("W1", (20, 16)), sd.var("b1", (16,))
    W2, b2 = sd.var("W2", (16, 5)), sd.var("b2", (5,))
    logits = sd.relu(X @ W1 + b1) @ W2 + b2
    loss = -sd.mean(sd.sum(sd.one_hot(labels, 5) * sd.log_softmax(logits), axis=1))
    ps = [W1, b1, W2, b2]
    gs = sd.grad(loss, ps)
    fn = sd.compile([loss, *gs], inputs=[X, labels, *ps], names=["loss", "dW1", "db1", "dW2", "db2"])
    values = {"X": _any((32, 20)), "labels": RNG.integers(0, 5, 32), "W1": _any((20, 16)),
              "b1": _any(16), "W2": _any((16, 5)), "b2": _any(5)}
    got = fn(**values)
    for g, w in zip(got, sd.evaluate([loss, *gs], values, simplify=True)):
        _assert_bits(g, w)
    src = fn.source
    assert "# forward" in src and "# backward" in src and "del " in src
    assert "+= b1" in src  # the matmul's buffer takes the bias in place
    assert "    X: float64, shape (n, 20)" in src and "    dW1: float64, shape (20, 16)" in src
    assert "n = X.shape[0]" in src



def test_views_of_inputs_are_not_deleted_but_views_of_buffers_are():
    # `del tr_X` after `tr_X = X.T` frees nothing (the caller holds X); deleting the last name
    # of a computed buffer (its own and a transposed view's) does
    X, labels = sd.var("X", ("n", 40)), sd.var("labels", ("n",), "int64")
    W1, W2 = sd.var("W1", (40, 30)), sd.var("W2", (30, 20))
    loss = -sd.mean(sd.log_softmax(sd.relu(X @ W1) @ W2)[sd.arange(X.shape[0]), labels])
    gs = sd.grad(loss, [W1, W2])
    fn = sd.compile([loss, *gs], inputs=[X, labels, W1, W2])
    values = {"X": _any((64, 40)), "labels": RNG.integers(0, 20, 64), "W1": _any((40, 30)),
              "W2": _any((30, 20))}
    for g, w in zip(fn(**values), sd.evaluate([loss, *gs], values, simplify=True)):
        _assert_bits(g, w)
    body = ast.parse(fn.source).body[-1]
    views: dict[str, str] = {}  # name -> the name it is a transposed view of
    deleted: set[str] = set()
    for stmt in ast.walk(body):
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Attribute) \
                and stmt.value.attr == "T" and isinstance(stmt.value.value, ast.Name):
            views[stmt.targets[0].id] = stmt.value.value.id  # type: ignore[attr-defined]
        if isinstance(stmt, ast.Delete):
            deleted.update(t.id for t in stmt.targets)  # type: ignore[attr-defined]
    of_inputs = {v for v, base in views.items() if base in ("X", "W1", "W2")}
    of_buffers = {v for v, base in views.items() if base not in ("X", "W1", "W2")}
    assert of_inputs and of_buffers, fn.source
    assert not of_inputs & deleted, fn.source
    assert of_buffers <= deleted and {views[v] for v in of_buffers} <= deleted, fn.source


def test_vector_constants_are_written_without_a_reshape():
    v = sd.var("v", (3,))
    m = sd.var("m", (2, 2))
    y = [v * np.array([1.0, -0.5, 2.0]), m + np.array([[1.0, 2.0], [3.0, 4.0]])]
    fn = sd.compile(y, inputs=[v, m])
    assert "np.array([1.0, -0.5, 2.0], dtype=np.float64)  #" in fn.source
    assert "dtype=np.float64).reshape((2, 2))" in fn.source
    values = {"v": _any(3), "m": _any((2, 2))}
    for g, w in zip(fn(**values), sd.evaluate(y, values)):
        _assert_bits(g, w)

def test_validation_errors_name_the_argument():
    X, labels = sd.var("X", ("n", 3)), sd.var("labels", ("n",), "int64")
    fn = sd.compile(sd.sum(X, axis=1) * labels, inputs=[X, labels])
    ok = fn(np.ones((4, 3)), np.arange(4))
    assert ok.shape == (4,)
    with pytest.raises(ValueError, match=r"argument 'labels': dimension 'n' \(axis 0\) is 5 here but 4 in argument 'X'"):
        fn(np.ones((4, 3)), np.arange(5))
    with pytest.raises(ValueError, match=r"argument 'X' is declared with shape \(n, 3\) but was given shape \(4, 2\)"):
        fn(np.ones((4, 2)), np.arange(4))
    with pytest.raises(ValueError, match=r"argument 'X' is declared with shape \(n, 3\) but was given shape \(3,\)"):
        fn(np.ones(3), np.arange(4))
    with pytest.raises(ValueError, match=r"argument 'labels' is declared int64 but was given float64 values"):
        fn(np.ones((4, 3)), np.ones(4))
    with pytest.raises(TypeError, match="labels"):
        fn(np.ones((4, 3)))


def test_the_docstring_names_dimensions_as_the_shapes_do():
    # an output named n took the identifier n, and the docstring listed the dimension by the
    # module's own name for it, n_2, beside shapes that read (n, 3)
    X = sd.var("X", ("n", 3))
    fn = sd.compile({"n": sd.dim_size("n"), "total": sd.sum(X)}, inputs=[X])
    assert "X: float64, shape (n, 3)" in fn.__doc__
    assert "Dimension n is read from the arguments' shapes" in fn.__doc__
    assert fn(np.ones((4, 3))) == (4, 12.0)
    two = sd.compile(sd.sum(sd.var("A", ("n", "m"))), inputs=["A"])
    assert "Dimensions n, m are read from the arguments' shapes" in two.__doc__


def test_integer_argument_that_does_not_fit_is_refused_not_wrapped():
    i, u = sd.var("i", dtype="int32"), sd.var("u", shape=(2,), dtype="uint8")
    fn = sd.compile([i * 2, u + 1], inputs=[i, u])
    with pytest.raises(ValueError, match=r"argument 'i' is declared int32 but was given the value "
                       r"1099511627776, outside its range \[-2147483648, 2147483647\]"):
        fn(2**40, [0, 1])
    with pytest.raises(ValueError, match=r"argument 'u' .* given the value -1, outside its range"):
        fn(1, [3, -1])
    doubled, plus_one = fn(3, [0, 254])  # Python ints for unsigned inputs fit: accepted
    assert doubled == 6 and plus_one.dtype == np.uint8 and plus_one.tolist() == [1, 255]


@pytest.mark.parametrize("value", [2.5, 2**40, -2**70, 1 + 2j, "two", [1, 2], object()])
def test_generated_code_and_the_evaluator_refuse_an_input_with_the_same_words(value):
    # one function reads inputs for both: the messages differ only in "variable"/"argument"
    i = sd.var("i", dtype="int32")
    fn = sd.compile(i * 2, inputs=[i])
    with pytest.raises(sd.InputError) as evaluated:
        sd.evaluate(i * 2, {"i": value}, simplify=False)
    with pytest.raises(ValueError) as generated:
        fn(value)
    words = str(evaluated.value).replace("variable 'i'", "argument 'i'", 1)
    assert words == str(generated.value) and "'i'" in words


def test_hostile_names_become_safe_identifiers():
    names = ['"); import os; ("', "class", "np", "x\ny", "__import__", "math", "α", "sum", "_C0",
             "'''", '"""', "a\\", "1x"]
    vs = [sd.var(n) for n in names]
    expr = vs[0]
    for v in vs[1:]:
        expr = expr * 1.5 + v
    fn = sd.compile({'f"{os}"': expr, "return": sd.sin(vs[2])}, inputs=vs, name="import os")
    tree = ast.parse(fn.source)  # valid Python
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert imported <= {"math", "numpy"}
    assert not any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))
    calls = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert "__import__" not in calls and "eval" not in calls and "exec" not in calls
    values = list(np.linspace(0.1, 1.3, len(names)))
    got = fn(*values)
    want = sd.evaluate([expr, sd.sin(vs[2])], dict(zip(names, values)))
    np.testing.assert_allclose(got, want, rtol=1e-14)
    params = list(ast.parse(fn.source).body[-1].args.args)
    assert len({p.arg for p in params}) == len(names)


def test_constants_are_exact_and_large_arrays_are_not_literals():
    x = sd.var("x", (3,))
    big = RNG.standard_normal((40, 3))
    specials = np.array([np.nan, np.inf, -np.inf])
    y = sd.sum(sd.const(big) * x, axis=0) + sd.const(specials) + 0.1 + sd.const(-0.0) * x
    fn = sd.compile(y, inputs=[x])
    assert "base64.b64decode" in fn.source and repr(float(big[0, 0])) not in fn.source
    _assert_bits(fn(np.arange(3.0)), sd.evaluate(y, {"x": np.arange(3.0)}))
    assert "0.1" in fn.source and "float('nan')" in fn.source


def test_the_rosenbrock_hessian_writes_its_constant_as_runs():
    # constant folding left the diagonal's [0.0, 200.0, ..., 200.0] as 999 runs of one value
    # written out in base64: 11 kB of the Hessian's 14 kB of source at n = 1000
    optimize = pytest.importorskip("scipy.optimize")
    x = sd.var("x", (1000,))
    h = sd.hessian(_rosen_numpy(x), x)
    fn = sd.compile(h, inputs=[x])
    assert len(fn.source) < 4000 and "base64" not in fn.source
    assert "np.repeat(np.array([0.0, 200.0], dtype=np.float64), [1, 999])" in fn.source
    _module_is_only_math(fn.source)
    at = np.random.default_rng(7).uniform(-2.0, 2.0, 1000)
    _assert_bits(fn(at), sd.evaluate(h, {"x": at}))
    np.testing.assert_allclose(fn(at), optimize.rosen_hess(at), rtol=1e-12, atol=1e-12)


def test_constants_of_few_runs_keep_their_bits():
    # runs are told apart by their bits: -0.0 and 0.0, and a NaN's sign, make runs of their own
    x = sd.var("x", (4, 6))
    signs = np.repeat([0.0, -0.0, 0.0, -np.nan, np.nan], [5, 7, 4, 4, 4]).reshape(4, 6)
    mask = np.repeat([False, True, False], [3, 18, 3]).reshape(4, 6)
    ones = np.full((4, 6), -128, dtype=np.int8)
    n = sd.var("n", (4, 6), "int8")
    outs = [sd.copysign(x, sd.const(signs)), sd.where(sd.const(mask), x, -x), n + sd.const(ones)]
    fn = sd.compile(outs, inputs=[x, n], simplify=False)
    assert "base64" not in fn.source
    assert "np.repeat(np.array([0.0, -0.0, 0.0, -float('nan'), float('nan')], dtype=np.float64)" \
        ", [5, 7, 4, 4, 4]).reshape((4, 6))" in fn.source
    assert "np.repeat(np.array([False, True, False], dtype=np.bool), [3, 18, 3])" in fn.source
    assert "np.full((4, 6), -128, dtype=np.int8)" in fn.source
    _module_is_only_math(fn.source)
    values = {"x": _any((4, 6)), "n": np.arange(24, dtype=np.int8).reshape(4, 6)}
    with np.errstate(all="ignore"):
        for got, want in zip(fn(**values), sd.evaluate(outs, values, simplify=False)):
            _assert_bits(got, want)
    assert np.signbit(fn(**values)[0]).tolist() == np.signbit(signs).tolist()


def test_diagonal_and_broadcast_constants_are_written_by_their_structure():
    # Griewank's Hessian folds a scaled identity, a diagonal of 1/sqrt(i) and masks of one column
    # into constants, which were written out as base64 text
    x = sd.var("x", (10,))
    f = 0.00025 * sd.sum(x**2) - sd.prod(sd.cos(x / np.sqrt(np.arange(1, 11)))) + 1
    h = sd.hessian(f, x)
    fn = sd.compile(h, inputs=[x])
    assert "base64" not in fn.source
    assert "_C6 = 0.0005 * np.eye(10, dtype=np.float64)" in fn.source
    assert "np.diag(np.array([1.0, 0.7071067811865475," in fn.source
    assert "np.broadcast_to(np.array([True, False, False," in fn.source
    _module_is_only_math(fn.source)
    at = _any(10)
    _assert_bits(fn(at), sd.evaluate(h, {"x": at}))


@pytest.mark.parametrize("value, text", [
    (-0.5 * np.eye(6), "-0.5 * np.eye(6, dtype=np.float64)"),  # its zeros are -0.0, as NumPy's
    (np.eye(5, 7, 2), "np.eye(5, 7, k=2, dtype=np.float64)"),
    (np.eye(6, k=-1, dtype=bool), "np.eye(6, k=-1, dtype=np.bool)"),
    (np.diag(np.arange(1, 7, dtype=np.int16), 1), "np.diag(np.array([1, 2, 3, 4, 5, 6], dtype=np.int16), 1)"),
    (np.diag([1.0, np.nan, -np.inf, -0.0, 2.5]), "np.diag(np.array([1.0, float('nan'), float('-inf'), -0.0, 2.5]"),
    (np.diag(np.full(300, 2.0)), "2.0 * np.eye(300, dtype=np.float64)"),
    (-np.diag([1.0, 2.0, np.nan, -0.0, 0.5]), "-np.diag(np.array([1.0, 2.0, float('nan'), -0.0, 0.5]"),
    (-np.diag(np.arange(1.0, 7.0), -1).astype(np.float32), "-np.diag(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=np.float32), -1)"),
    (np.diag(np.repeat([0.0, 200.0], [1, 299])), "np.diag(np.repeat(np.array([0.0, 200.0], dtype=np.float64), [1, 299]))"),
    (np.tile(np.arange(5.0), (4, 1)), "np.broadcast_to(np.array([0.0, 1.0, 2.0, 3.0, 4.0], dtype=np.float64), (4, 5))"),
    (np.tile([[1.5], [-2.0], [0.25]], (2, 1, 9)).astype(np.float32),
     "np.broadcast_to(np.array([1.5, -2.0, 0.25], dtype=np.float32).reshape((3, 1)), (2, 3, 9))"),
    (np.broadcast_to(RNG.standard_normal(40), (3, 40)), "np.broadcast_to(np.frombuffer(base64.b64decode("),
    (np.diag([1 + 2j, 3j, -1, 0.5, 2]), "np.diag(np.array([complex(1.0, 2.0), complex(0.0, 3.0),"),
])
def test_structured_constants_keep_their_bits(value, text):
    x = sd.var("x", value.shape, value.dtype)
    y = sd.where(sd.const(value) != 0, sd.const(value), x) if value.dtype != bool else x & sd.const(value)
    fn = sd.compile(y, inputs=[x], simplify=False)
    assert text in fn.source, fn.source
    at = np.ones(value.shape, value.dtype) if value.dtype == bool else (
        RNG.standard_normal(value.shape) * 10).astype(value.dtype)
    with np.errstate(all="ignore"):
        _assert_bits(fn(at), sd.evaluate(y, {"x": at}, simplify=False))
        _assert_bits(fn(at), np.where(value != 0, value, at) if value.dtype != bool else at & value)


def test_a_small_constant_a_literal_loses_is_bytes():
    # a NaN's payload: a literal writes float('nan'), which has another
    payload = np.array([1.0, np.array(0x7FF8000000000001, np.uint64).view(np.float64), 2.0])
    x = sd.var("x", (3,))
    y = sd.copysign(x, sd.const(payload)) + sd.const(payload)
    fn = sd.compile(y, inputs=[x], simplify=False)
    assert "base64" in fn.source
    _assert_bits(fn(np.ones(3)), sd.evaluate(y, {"x": np.ones(3)}, simplify=False))


def test_constants_whose_values_a_literal_loses_stay_bytes():
    # a NaN's payload and a long double's extra digits do not survive a literal: base64 keeps them
    x = sd.var("x", (20,))
    payload = np.full(20, np.array(0x7FF8000000000001, np.uint64).view(np.float64))
    y = sd.copysign(x, sd.const(payload)) + sd.const(payload)
    fn = sd.compile(y, inputs=[x], simplify=False)
    assert "base64" in fn.source
    value = _any(20)
    _assert_bits(fn(value), sd.evaluate(y, {"x": value}, simplify=False))


def test_a_transposed_constant_sums_like_the_evaluator_bit_for_bit():
    # generated code writes a constant in C order; the evaluator ran on the array as given, whose
    # transposed layout made the product, and so the order the sum adds in, another one
    c = RNG.standard_normal((3, 64, 8)).transpose(1, 2, 0)
    x = sd.var("x", (3,))
    y = sd.sum(x * c, axis=(0, 1))
    value = RNG.standard_normal(3)
    for simplify in (False, True):
        _assert_bits(sd.compile(y, inputs=[x], simplify=simplify)(value),
                     sd.evaluate(y, {"x": value}, simplify=simplify))


def test_outputs_are_fresh_arrays_and_one_output_returns_one_value():
    x = sd.var("x", (3,))
    zero_grad = sd.grad(sd.sum(sd.stop_gradient(x)), x)  # a broadcast zero
    fn = sd.compile([zero_grad, sd.const(np.arange(3.0)), x], inputs=[x])
    z, c, same = fn(np.ones(3))
    z[0] = 5.0
    c[0] = 5.0
    assert fn(np.ones(3))[0][0] == 0.0 and fn(np.ones(3))[1][0] == 0.0
    assert same.flags.writeable
    single = sd.compile(x * 2.0, inputs=[x])
    assert single(np.ones(3)).shape == (3,)


def test_a_diagonal_is_returned_as_an_array_of_its_own():
    # np.diagonal's result is a read-only view; the gradient of sum(diag(v)) took the diagonal
    # of a product and returned it as it was, where the evaluator returns a writeable copy
    v = sd.var("v", (3,))
    A = sd.var("A", (3, 3))
    outs = [sd.grad(sd.sum(sd.diag(v) * 1.5), v), sd.diagonal(A * 2.0), sd.diagonal(A * 2.0).T]
    for simplify in (False, True):
        got = sd.compile(outs, inputs=[v, A], simplify=simplify)(np.arange(3.0), np.eye(3))
        for g, w in zip(got, sd.evaluate(outs, {"v": np.arange(3.0), "A": np.eye(3)})):
            assert g.flags.writeable
            _assert_bits(g, w)


def test_no_two_outputs_share_memory():
    # an output listed twice (or two that simplify to one node) was one array returned twice,
    # and a view of another output (y.T beside y) wrote through to it; outputs that are already
    # distinct arrays are returned as computed, with no copy
    x = sd.var("x", (2, 3))
    y = sd.sin(x)
    X = np.arange(6.0).reshape(2, 3)
    cases = [[y, y], [sd.sin(x) * 1.0, y], [y, y.T], [y.T, y], [y[0], y], [x, x], [x, x.T, y, y]]
    for outs in cases:
        for got in (sd.compile(outs, inputs=[x])(X), sd.evaluate(outs, {"x": X})):
            assert not any(np.shares_memory(a, b) for k, a in enumerate(got) for b in got[:k])
            want = [g.copy() for g in got]
            got[0][...] = -7.0
            for g, w in zip(got[1:], want[1:]):
                np.testing.assert_array_equal(g, w)
    p, (q, r) = sd.compile({"p": y, "q": [y, {"r": y}]}, inputs=[x])(X)  # returned as values
    assert p is not q and q is not r["r"] and p is not r["r"]
    assert "np.array(" not in sd.compile([y, y.T * 2.0, sd.cos(x)], inputs=[x]).source.split("def f(")[1]


def test_no_two_outputs_of_any_op_share_memory():
    # every op's result beside itself and beside its computed arguments (an op whose NumPy
    # result may be a view of its argument must say so, or both would be returned as they are)
    from op_table import SAMPLES

    checked = 0
    for sample in SAMPLES:
        vs = sample.variables()
        made = {k: -(-v) if v.dtype.kind in "iufc" else ~(~v) for k, v in vs.items()}
        node, _ = sample.build(made)
        outs = [node, node, *made.values()]
        got = sd.compile(outs, inputs=list(vs.values()), simplify=False)(*sample.inputs().values())
        want = sd.evaluate(outs, sample.inputs(), simplify=False)
        for results in (got, want):
            shared = [(j, k) for k, a in enumerate(results) for j in range(k)
                      if np.shares_memory(a, results[j])]
            assert not shared, f"{sample}: outputs {shared} share memory"
        checked += 1
    assert checked == len(SAMPLES)


def test_generated_code_never_writes_into_or_returns_the_callers_arrays():
    # np.real(z) is a view of z: writing the next ops into it in place changed the caller's z;
    # and an output that is an input (the gradient of sum(x * y) with respect to x is y) or a
    # view of one was the caller's array itself, where the evaluator returns a copy
    z = sd.var("z", (50,), "complex128")
    x, y = sd.var("x", (3, 4)), sd.var("y", (3, 4))
    Z = np.arange(50) * (1 + 2j)
    X, Y = np.arange(12.0).reshape(3, 4), np.ones((3, 4))
    env = {"z": Z.copy(), "x": X.copy(), "y": Y.copy()}
    outs = [sd.real(z) * 2.0 + 1.0, sd.exp(sd.imag(z) * 1e-3) + 1.0, z.real,
            sd.grad(sd.sum(x * y), x), x.T, x.reshape(12), x[1], sd.stop_gradient(y)]
    for simplify in (True, False):
        fn = sd.compile(outs, inputs=[z, x, y], simplify=simplify)
        args = [env["z"], env["x"], env["y"]]
        got = fn(*args)
        for arg, original in zip(args, [Z, X, Y]):
            assert np.array_equal(arg, original)
            assert not any(np.may_share_memory(g, arg) for g in got)
        for g, w in zip(got, sd.evaluate(outs, {"z": Z, "x": X, "y": Y}, simplify=False)):
            np.testing.assert_array_equal(g, w)


def test_read_only_fortran_and_repeated_arguments_stay_untouched_and_agree_bit_for_bit():
    # buffers are reused in place (relu's chain, the gradient's sums) beside views of the inputs
    # and of those buffers: whether the caller's arrays are read-only, Fortran-ordered or one
    # array passed for both parameters, they are left as they were, the results are the
    # evaluator's on the same arrays, and writing into the results changes no later call
    x, y = sd.var("x", (4, 4)), sd.var("y", (4, 4))
    h = sd.maximum(x @ y + x.T, 0.0)
    f = sd.sum(sd.tanh(h) * y[::-1] + sd.sin(x[1:]).sum())
    outs = [f, *sd.grad(f, [x, y]), h, h.T, x[::-1], sd.const(np.arange(16.0).reshape(4, 4)),
            sd.hessian(sd.sum(sd.sin(x) * 0.5), x)]
    X, Y = RNG.standard_normal((4, 4)), RNG.standard_normal((4, 4))
    read_only = X.copy(), Y.copy()
    for a in read_only:
        a.setflags(write=False)
    same = X.copy()
    for simplify in (True, False):
        fn = sd.compile(outs, inputs=[x, y], simplify=simplify)
        for args in (read_only, (np.asfortranarray(X), np.asfortranarray(Y)), (same, same)):
            kept = [a.copy(order="K") for a in args]  # Fortran order kept: it orders the sums
            want = sd.evaluate(outs, dict(zip("xy", kept)), simplify=simplify)
            got = fn(*args)
            for g, w in zip(got, want):
                _assert_bits(g, w)
                assert g.flags.writeable and not any(np.shares_memory(g, a) for a in args)
                g[...] = -1.0
            for a, k in zip(args, kept):
                _assert_bits(a, k)
            for g, w in zip(fn(*args), want):
                _assert_bits(g, w)


def test_an_index_by_a_computed_scalar_is_not_a_view_of_the_callers_array():
    # np.mod(i, 4) of a 0-d i is a NumPy scalar, so A[np.mod(i, 4)] is basic indexing: a view
    # of the caller's A, returned as it was (writing into A after the call changed the result)
    A, i = sd.var("A", (4, 3)), sd.var("i", (), "int64")
    for f in [sd.take(A, i, axis=0, mode="wrap"), A[i % 4], A[sd.abs(i)], A[i + 1, 1:], A[i]]:
        fn = sd.compile(f, inputs=[A, i])
        values = np.arange(12.0).reshape(4, 3)
        got = fn(values, -2)
        want = sd.evaluate(f, {"A": values, "i": -2})
        assert not np.may_share_memory(got, values)
        values[...] = -1.0
        _assert_bits(got, want)


def test_signature_is_the_written_expressions_whatever_simplification_removes():
    # x ** 0 is 1 and one_hot(l, 3) * 0.0 zeros of shape (n, 3): the simplified graph reads
    # neither variable, so the function took no argument (or failed on 'n', which only l sizes)
    x, l = sd.var("x"), sd.var("l", ("n",), "int64")
    assert sd.compile(x ** 0)(2.0) == 1.0
    np.testing.assert_array_equal(sd.compile(sd.one_hot(l, 3) * 0.0)(np.array([0, 1])),
                                  np.zeros((2, 3)))
    fn = sd.compile([x ** 0, sd.one_hot(l, 3) * 0.0], inputs=["l", "x"])
    one, zeros = fn(np.array([2, 0, 1]), 5.0)
    assert one == 1.0 and zeros.shape == (3, 3)
    with pytest.raises(sd.InputError, match=r"no variable named 'q' in the outputs"):
        sd.compile(x ** 0, inputs=["q"])


def test_saved_module_runs_where_symdiff_cannot_be_imported(tmp_path):
    x, y, f, dfdx, dfdy = _seed()
    X = sd.var("X", ("n", 3))
    fn = sd.compile({"f": f, "dfdx": dfdx, "dfdy": dfdy}, inputs=[x, y], name="seed_grad")
    fn.save(tmp_path / "seed_grad.py")
    g = sd.compile({"s": sd.softmax(X, axis=1), "big": X * sd.const(np.arange(30.0).reshape(10, 3))[:1]},
                   inputs=[X], name="soft")
    g.save(tmp_path / "soft.py")
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"  # -I: no cwd, no PYTHONPATH, no user site
        # symdiff may be installed in this environment: make importing it fail, so the saved
        # modules are shown to need nothing of it
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'symdiff':\n"
        "            raise ImportError('symdiff is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "try:\n    import symdiff\nexcept ImportError:\n    pass\nelse:\n    raise SystemExit('symdiff importable')\n"
        "import numpy as np, seed_grad, soft\n"
        "r = seed_grad.seed_grad(3.0, -4.0)\n"
        "print(repr(tuple(v.item() for v in r)), sorted({type(v).__name__ for v in r}))\n"
        "s, big = soft.soft(np.ones((2, 3)))\n"
        "print(round(float(s.sum()), 12), big.sum())\n"
    )
    out = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    values, kinds = lines[0].rsplit(" ", 1)
    assert ast.literal_eval(values) == tuple(v.item() for v in fn(3.0, -4.0))
    assert kinds == "['ndarray']"  # 0-d arrays there too
    assert lines[1] == "2.0 6.0"


def test_rosenbrock_with_scipy_minimize_jac_and_hess():
    optimize = pytest.importorskip("scipy.optimize")
    v = sd.var("v", (2,))
    a, b = v[0], v[1]
    f = (1 - a) ** 2 + 100 * (b - a**2) ** 2
    fun = sd.compile([f, sd.grad(f, v)], inputs=[v], name="rosen")
    hess = sd.compile(sd.hessian(f, v), inputs=[v], name="rosen_hess")
    res = optimize.minimize(fun, np.array([-1.2, 1.0]), jac=True, hess=hess, method="trust-exact",
                            options={"gtol": 1e-10})
    assert res.success and np.allclose(res.x, [1.0, 1.0], atol=1e-8)
    np.testing.assert_allclose(hess(np.array([1.0, 1.0])), [[802.0, -400.0], [-400.0, 200.0]])


def _rosen_numpy(x):
    """SciPy's Rosenbrock as a user writes it in NumPy: arrays and symbolic vectors alike."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0)


@pytest.mark.parametrize("n", [2, 10, 1000])
def test_rosenbrock_derivatives_equal_scipys_analytic_ones(n):
    optimize = pytest.importorskip("scipy.optimize")
    x, p = sd.var("x", (n,)), sd.var("p", (n,))
    f = _rosen_numpy(x)
    fun = sd.compile([f, sd.grad(f, x)], inputs=[x])
    hess = sd.compile(sd.hessian(f, x), inputs=[x])
    hessp = sd.compile(sd.hvp(f, x, p), inputs=[x, p])
    for generated in (fun, hess, hessp):  # NumPy and the standard library only
        tree = ast.parse(generated.source)
        imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        assert imported <= {"numpy", "math", "base64"}
        assert not any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))
    rng = np.random.default_rng(n)
    at, along = rng.uniform(-2.0, 2.0, n), rng.normal(size=n)
    value, gradient = fun(at)
    np.testing.assert_allclose(value, optimize.rosen(at), rtol=1e-14)
    np.testing.assert_allclose(gradient, optimize.rosen_der(at), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hess(at), optimize.rosen_hess(at), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hessp(at, along), optimize.rosen_hess_prod(at, along), rtol=1e-12,
                               atol=1e-12)
    if n > 10:  # at n = 1000 one ulp in a gradient moves the count by dozens of iterations
        return
    start = np.full(n, -1.2) if n == 2 else np.zeros(n)
    for method, derivative in [("Newton-CG", "hessp"), ("trust-krylov", "hessp"),
                               ("trust-exact", "hess"), ("trust-constr", "hess")]:
        ours = {"hess": hess, "hessp": hessp}[derivative]
        theirs = {"hess": optimize.rosen_hess, "hessp": optimize.rosen_hess_prod}[derivative]
        got = optimize.minimize(fun, start, jac=True, method=method, **{derivative: ours})
        want = optimize.minimize(optimize.rosen, start, jac=optimize.rosen_der, method=method,
                                 **{derivative: theirs})
        assert got.success and abs(got.nit - want.nit) <= 1, (method, got.nit, want.nit)
        np.testing.assert_allclose(got.x, want.x, atol=1e-6)


def test_missing_inputs_and_unbound_dimensions_are_reported():
    x, y = sd.symbols("x y")
    with pytest.raises(sd.InputError, match="depend on 'y'"):
        sd.codegen(x * y, inputs=[x])
    n_only = sd.var("z", ("m",))
    with pytest.raises(sd.InputError, match="dimension 'k'"):
        sd.codegen(sd.mean(sd.broadcast_to(x, ("k",))), inputs=[x])
    assert "def f(z)" in sd.codegen(sd.sum(n_only), inputs=["z"])


def test_deep_chain_generates_without_recursion():
    x = sd.var("x", (2,))
    y = x
    for _ in range(20000):
        y = sd.sin(y)
    fn = sd.compile(y, inputs=[x])
    _assert_bits(fn(np.ones(2)), sd.evaluate(y, {"x": np.ones(2)}))


def test_traceback_sources_are_kept_for_recent_functions_only():
    import linecache

    from symdiff import api

    x = sd.var("x")
    first = sd.compile(x * 2.0, inputs=[x])
    name = first.__code__.co_filename
    assert name in linecache.cache
    for k in range(api._REGISTERED_LIMIT):
        sd.compile(x * float(k + 3), inputs=[x])
    assert name not in linecache.cache
    assert len([f for f in linecache.cache if f.startswith("<symdiff ")]) <= api._REGISTERED_LIMIT


def test_gradient_temporaries_are_named_after_what_they_are_the_cotangent_of():
    X, W1 = sd.var("X", ("n", 3)), sd.var("W1", (3, 4))
    h = sd.relu(X @ W1)
    loss = sd.sum(h * h)
    dW1 = sd.grad(loss, W1)
    src = sd.codegen({"loss": loss, "g": dW1}, inputs=[X, W1], simplify=False)
    body = src[src.index("# backward"):]
    # h's cotangent is named after h's own name in the forward section
    assert "    drelu = " in body, body
    rng = np.random.default_rng(0)
    fn = sd.compile({"loss": loss, "g": dW1}, inputs=[X, W1], simplify=False)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    want = sd.evaluate([loss, dW1], {"X": x, "W1": w})
    for got, exp in zip(fn(x, w), want):
        np.testing.assert_array_equal(got, exp)


def test_gradient_names_survive_simplification():
    # simplification rebuilds the cotangents (it folds the 1/n and merges the softmax terms);
    # the rebuilt nodes are still named after what they are the gradient of
    X, W1, W2 = sd.var("X", ("n", 3)), sd.var("W1", (3, 4)), sd.var("W2", (4, 2))
    labels = sd.var("labels", ("n",), "int64")
    logits = sd.relu(X @ W1) @ W2
    loss = -sd.mean(sd.sum(sd.one_hot(labels, 2) * sd.log_softmax(logits, axis=1), axis=1))
    g1, g2 = sd.grad(loss, [W1, W2])
    src = sd.codegen({"loss": loss, "dW1": g1, "dW2": g2}, inputs=[X, labels, W1, W2])
    body = src[src.index("# backward"):]
    assert "    drelu = " in body, body
    assert "where = " not in body and "minus = " not in body, body
    # a cotangent that simplifies to a value the forward pass computes keeps the forward name
    x = sd.var("x")
    f = sd.sin(x) * sd.cos(x)
    src = sd.codegen({"f": f, "g": sd.grad(f, x)}, inputs=[x])
    forward = src[src.index("# forward"): src.index("# backward")]
    assert "sin_x = " in forward and "cos_x = " in forward, forward
    # one that simplifies to a value only the gradients compute is named after the gradient:
    # 1 * cos(W1) is cos(W1), the local derivative, which was returned as out1
    W = sd.var("W1", (2, 3))
    g = sd.sum(sd.sin(W))
    assert "-> out0, dW1" in sd.codegen([g, sd.grad(g, W)])
    assert "-> dx" in sd.codegen([sd.grad(sd.exp(x), x)])
    assert "-> out0, out1" in sd.codegen([sd.exp(x), sd.grad(sd.exp(x), x)])  # exp(x) is out0


def test_a_lists_gradient_outputs_are_named_after_their_variables():
    X, W1, b1 = sd.var("X", ("n", 3)), sd.var("W1", (3, 4)), sd.var("b1", (4,))
    loss = sd.sum(sd.tanh(X @ W1 + b1) ** 2)
    g = sd.grad(loss, [W1, b1])
    for simplify in (True, False):
        src = sd.codegen([loss, *g], inputs=[X, W1, b1], name="fit", simplify=simplify)
        assert "-> out0, dW1, db1" in src and "return np.asarray(out0), dW1, db1" in src, src
        fn = sd.compile([loss, *g], inputs=[X, W1, b1], simplify=simplify)
        values = [np.ones((2, 3)), np.full((3, 4), 0.1), np.zeros(4)]
        for got, want in zip(fn(*values), sd.evaluate([loss, *g], dict(zip(["X", "W1", "b1"], values)))):
            np.testing.assert_allclose(got, want, rtol=1e-12)
    # names given, or a name two outputs would share, are kept as they are (an output listed
    # twice is returned the second time as a copy)
    assert "return np.asarray(a), b, c" in sd.codegen([loss, *g], inputs=[X, W1, b1], names=["a", "b", "c"])
    assert "return np.asarray(out0), out1, np.array(out1)" in sd.codegen([loss, g[0], g[0]], inputs=[X, W1, b1])


def test_cotangent_provenance_keeps_no_node_alive():
    import gc

    from symdiff.autodiff import cotangent_of

    before = sd.live_node_count()
    x = sd.var("x_provenance", (3,))
    y = sd.sum(sd.sin(x) * sd.exp(x))
    g = sd.grad(y, x)
    assert cotangent_of(g) is x
    del x, y, g
    gc.collect()
    assert sd.live_node_count() == before


HOSTILE = [
    '"); import os; ("', "');import os;('", "x\ny", "x\r\ny", "'''", '"""', "\\", "a\\", '\\"""',
    "class", "lambda", "None", "True", "match", "case", "type", "_", "__", "1x", "",
    "np", "math", "base64", "__builtins__", "__import__", "float", "ValueError", "print",
    "_array", "_scalar", "_mismatch", "_C0", "_C1", "_f_numpy", "f", "out", "out0", "plus", "times",
    "over", "power", "x_plus_y", "cast", "del", "return", "#", "x # y", "{x}", "%s", "\x00", "\t",
    "ﬁ", "fi", "ｘ", "x", "𝐱", "х", "x\u200b", "ℌ", "Ⅸ", "µ", "μ",  # NFKC twins and confusables
]


def _module_is_only_math(source: str) -> ast.Module:
    """The generated text parses, imports only NumPy, math and base64, calls nothing but its own
    functions, NumPy/math attributes and a few builtins, and has one docstring per function."""
    tree = ast.parse(source)
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert imported <= {"math", "numpy", "base64"}
    assert not any(isinstance(node, (ast.ImportFrom, ast.Global, ast.Nonlocal)) for node in ast.walk(tree))
    defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    safe_builtins = {"float", "type", "ValueError", "isinstance", "len", "any", "all", "zip", "map", "str",
                     "tuple", "int", "range", "slice", "complex"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id in defined | safe_builtins, node.func.id
        if isinstance(node, ast.Attribute):
            assert not node.attr.startswith("__"), node.attr
        if isinstance(node, ast.Name):
            assert node.id not in {"eval", "exec", "compile", "open", "getattr", "__import__", "globals"}
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        strings = [s for s in fn.body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)]
        assert len(strings) <= 1 and (not strings or fn.body[0] is strings[0])  # nothing ended it early
    return tree


def test_hostile_names_everywhere_give_valid_code_that_computes_the_right_values():
    vs = [sd.var(n if n else "empty", shape=(2,) if k % 3 == 0 else ()) for k, n in enumerate(HOSTILE)]
    names = [v.op.var_name for v in vs]
    assert len(set(names)) == len(names)  # "ﬁ" and "fi", "ｘ" and "x" are different variables
    total = vs[0]
    for v in vs[1:]:
        total = total * 0.5 + sd.sin(v)
    outs = {n: sd.exp(v) * 2.0 for n, v in zip(HOSTILE[:12], vs)}
    outs['"); import os; (" total'] = sd.sum(total)
    fn = sd.compile(outs, inputs=vs, name='f"""); import os; ("""')
    tree = _module_is_only_math(fn.source)
    params = [a.arg for a in tree.body[-1].args.args]
    assert len(set(params)) == len(vs) and all(p.isascii() and p.isidentifier() for p in params)
    # the user's names appear in the docstring, as repr inside escaped text, and cannot end it
    doc = ast.get_docstring(tree.body[-1])
    assert "(named '\"); import os; (\"')" in doc and "(named 'ﬁ')" in doc and "(named 'ｘ')" in doc
    rng = np.random.default_rng(7)
    values = {n: rng.uniform(0.1, 1.0, v.shape) for n, v in zip(names, vs)}
    got = fn(*(values[n] for n in names))
    want = sd.evaluate(list(outs.values()), values, simplify=True)
    for g, w in zip(got, want):
        _assert_bits(g, w)
    by_keyword = fn(**{p: values[n] for p, n in zip(params, names)})
    _assert_bits(by_keyword[-1], got[-1])
    by_name = fn(**values)  # the dict the evaluator took, keyed by the variables' own names
    for g, w in zip(by_name, want):
        _assert_bits(g, w)


def test_a_function_of_many_variables_takes_keywords_in_linear_time():
    # CPython matches each keyword argument by a scan of the parameter names: fn(**values)
    # of 20,000 variables took 2 s (8 s at 40,000), against 1 ms given positionally
    import time
    n = 20_000
    xs = [sd.var(f"x{i}") for i in range(n)]
    terms = xs
    while len(terms) > 1:
        terms = [sum(terms[i:i + 2]) for i in range(0, len(terms), 2)]
    fn = sd.compile(terms[0] * 2.0, simplify=False)
    values = {f"x{i}": float(i) for i in range(n)}
    start = time.process_time()
    got = fn(**values)
    took = time.process_time() - start
    assert got == 2.0 * sum(range(n)) and fn(*values.values()) == got
    assert took < 0.5, took
    with pytest.raises(TypeError, match="unexpected keyword argument 'y'"):
        fn(**values, y=1.0)
    with pytest.raises(TypeError, match="missing 1 required argument: 'x7'"):
        fn(**{k: v for k, v in values.items() if k != "x7"})


def test_compiled_functions_take_keywords_by_the_variables_own_names():
    lam, x, lam_ = sd.var("lambda"), sd.var("x", (2,)), sd.var("lambda_")
    odd, self_ = sd.var("x[0]", (2,)), sd.var("self")
    outputs = [lam * x + lam_, sd.sum(odd * x) * self_]
    fn = sd.compile(outputs, inputs=[lam, x, lam_, odd, self_])
    params = [a.arg for a in ast.parse(fn.source).body[-1].args.args]
    # identifiers in the source; a renamed one is no variable's name (lambda_ is the variable's)
    assert params == ["lambda__2", "x", "lambda_", "x_0", "self"]
    assert "lambda=" not in fn.source and "x[0]=" not in fn.source
    values = {"lambda": 0.5, "x": np.array([1.0, -2.0]), "lambda_": 3.0, "x[0]": np.array([4.0, 5.0]),
              "self": 2.0}
    want = sd.evaluate(outputs, values)
    for got in (fn(**values), fn(*values.values()), fn(0.5, np.array([1.0, -2.0]), **{
            "lambda_": 3.0, "x[0]": np.array([4.0, 5.0]), "self": 2.0})):
        for g, w in zip(got, want):
            _assert_bits(g, w)
    # the parameters' names are taken too, as the signature and docstring show them
    got = fn(lambda__2=0.5, x_0=[4.0, 5.0], lambda_=3.0, x=[1.0, -2.0], self=2.0)
    for g, w in zip(got, want):
        _assert_bits(g, w)
    with pytest.raises(TypeError, match=r"f\(\) got an unexpected keyword argument 'y'; its inputs "
                                        r"are 'lambda', 'x', 'lambda_', 'x\[0\]', 'self'"):
        fn(**values, y=1.0)
    with pytest.raises(TypeError, match=r"f\(\) missing 2 required arguments: 'lambda', 'x\[0\]'"):
        fn(x=[1.0, 2.0], lambda_=1.0, self=1.0)
    with pytest.raises(TypeError, match=r"f\(\) missing 1 required argument: 'self'"):
        fn(0.5, [1.0, 2.0], 3.0, [4.0, 5.0])
    with pytest.raises(TypeError, match=r"f\(\) got multiple values for 'lambda'$"):
        fn(x=[1.0, 2.0], lambda__2=3.0, **{"x[0]": [4.0, 5.0], "self": 1.0, "lambda": 1.0})
    with pytest.raises(TypeError, match=r"f\(\) got multiple values for 'lambda' \(as 'lambda__2'\)"):
        fn(**{"lambda": 1.0, "x": [1.0, 2.0], "x[0]": [4.0, 5.0], "self": 1.0}, lambda__2=3.0)
    with pytest.raises(TypeError, match=r"f\(\) takes 5 arguments \('lambda', .*\) but 6 were given"):
        fn(0.5, [1.0, 2.0], 3.0, [4.0, 5.0], 1.0, 1.0)
    # values are checked under the variables' names, and pickling keeps the keywords
    with pytest.raises(ValueError, match=r"argument 'x\[0\]' is declared with shape \(2,\) but was given shape \(3,\)"):
        fn(**{**values, "x[0]": np.ones(3)})
    import pickle
    back = pickle.loads(pickle.dumps(fn))
    _assert_bits(back(**values)[1], want[1])
    # a function whose parameters are its variables' names is called as they are
    plain = sd.compile(sd.sum(x), inputs=[x])
    with pytest.raises(TypeError, match=r"f\(\) got an unexpected keyword argument 'y'"):
        plain(y=[1.0, 2.0])
    with pytest.raises(TypeError, match=r"f\(\) missing 1 required positional argument: 'x'"):
        plain()


def test_a_function_of_no_variable_refuses_arguments_saying_why_and_inputs_keeps_them():
    # the gradient of floor is 0 whatever x is: the outputs as written use no variable, so the
    # function has no parameters, and a value given for x is refused saying so
    x, y = sd.var("x"), sd.var("y")
    g = sd.grad(sd.floor(x), x)
    fn = sd.compile(g)
    _assert_bits(fn(), sd.evaluate(g))
    with pytest.raises(TypeError, match=r"^f\(\) takes no arguments: its outputs depend on no "
                       r"variable, so 'x' is not a parameter; compile with inputs=\[x\] to keep "
                       r"variables the outputs do not use as parameters$"):
        fn(x=1.5)
    with pytest.raises(TypeError, match=r"so 'x', 'y' are not parameters; compile with inputs=\[x, y\]"):
        fn(x=1.5, y=2.0)
    with pytest.raises(TypeError, match=r"^f\(\) takes no arguments: its outputs depend on no "
                       r"variable, but 1 positional argument was given; compile with inputs=\[\.\.\.\]"):
        fn(1.5)
    import pickle
    with pytest.raises(TypeError, match=r"'x' is not a parameter"):
        pickle.loads(pickle.dumps(fn))(x=1.5)
    # inputs= keeps x, and a function with parameters is the generated function, called directly
    kept = sd.compile([g, sd.grad(x * y, y)], inputs=[x, y])
    assert type(kept) is sd.CompiledFunction
    for got, want in zip(kept(x=1.5, y=2.0), sd.evaluate([g, sd.grad(x * y, y)], {"x": 1.5, "y": 2.0})):
        _assert_bits(got, want)
    with pytest.raises(TypeError, match=r"^f\(\) got an unexpected keyword argument 'z'$"):
        kept(x=1.5, y=2.0, z=0.0)


def test_hostile_names_on_the_scalar_path_and_in_dimensions():
    xs = [sd.var(n) for n in ("ﬁ", "fi", "math", "_scalar", '"""\\', "float")]
    f = xs[0] * xs[1] + sd.exp(xs[2]) / (1 + xs[3] ** 2) - sd.sigmoid(xs[4]) * xs[5]
    fn = sd.compile({"math": f, "_f_numpy": sd.grad(f, xs[2])}, inputs=xs, name="_f")
    assert "import math" in fn.source
    _module_is_only_math(fn.source)
    point = [0.3, 0.7, 0.1, -0.4, 0.9, 1.3]
    np.testing.assert_allclose(fn(*point), sd.evaluate([f, sd.grad(f, xs[2])], dict(zip(
        [x.op.var_name for x in xs], point))), rtol=1e-14)
    big = point[:2] + [800.0] + point[3:]  # math.exp overflows: the NumPy version answers
    with np.errstate(all="ignore"):
        want = sd.evaluate([f, sd.grad(f, xs[2])], dict(zip([x.op.var_name for x in xs], big)))
        assert fn(*big) == (math.inf, math.inf) == tuple(float(w) for w in want)
    # dimension names are identifiers, but may collide with anything the module defines
    X = sd.var("X", ("np", "ﬁ"))
    Y = sd.var("Y", ("_array", "ﬁ"))
    g = sd.compile(sd.sum(X, axis=0) + sd.sum(Y, axis=0), inputs=[X, Y])
    _module_is_only_math(g.source)
    np.testing.assert_allclose(g(np.ones((2, 3)), np.ones((4, 3))), np.full(3, 6.0))
    with pytest.raises(ValueError, match=r"argument 'Y': dimension 'ﬁ' \(axis 1\) is 2 here but 3"):
        g(np.ones((2, 3)), np.ones((4, 2)))


def test_hostile_constants_are_exact():
    x = sd.var("x", (4,))
    specials = [
        np.array([np.nan, np.inf, -np.inf, -0.0]), np.array([5e-324, 1.7976931348623157e308, -1e-310, 0.1]),
        np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0, -1]),
        np.array([np.iinfo(np.uint64).max, 0, 1, 2], dtype=np.uint64),
        np.array([1e-45, 3.4028235e38, np.nan, -0.0], dtype=np.float32),
        np.array([True, False, True, False]),
    ]
    outs = [sd.astype(sd.const(c), "float64") * x for c in specials]
    outs += [x + float(np.float32(0.1)), x * sd.const(np.float32(0.1)), sd.const(np.int64(-2**63)) + 0 * x]
    fn = sd.compile(outs, inputs=[x], simplify=False)
    _module_is_only_math(fn.source)
    with np.errstate(all="ignore"):
        for g, w in zip(fn(np.arange(4.0)), sd.evaluate(outs, {"x": np.arange(4.0)}, simplify=False)):
            _assert_bits(g, w)


def test_in_place_reuse_of_a_transposed_result_sums_like_the_evaluator():
    # found by tests/test_properties.py: `times = np.exp(A.T); times *= K; np.sum(times)` added
    # an F-ordered buffer, the evaluator's exp(A.T) * K a C-ordered one; only C-ordered
    # buffers are reused in place now
    A = sd.var("A", (3, 40))
    f = sd.sum(sd.exp(A.T) * sd.const(np.random.default_rng(0).uniform(0.5, 1.5, (40, 3))))
    fn = sd.compile(f, inputs=[A], simplify=False)
    for seed in range(20):
        a = np.random.default_rng(seed).standard_normal((3, 40))
        _assert_bits(fn(a), sd.evaluate(f, {"A": a}, simplify=False))


def test_scalar_constant_beside_an_array_constant_in_one_elementwise_op():
    x = sd.var("x", (2, 2))
    y = sd.where(sd.const(np.eye(2, dtype=bool)), 0.0, x)
    fn = sd.compile(y, inputs=[x], name="mask_diagonal")
    np.testing.assert_array_equal(fn(np.ones((2, 2))), [[0.0, 1.0], [1.0, 0.0]])


def test_generated_code_does_not_read_symdiff_sources_from_disk(tmp_path):
    # helper sources were read with inspect when a module was generated: once the installed
    # files changed (an upgrade while the process runs), generated code held the wrong lines
    import shutil
    from pathlib import Path

    shutil.copytree(Path(sd.__file__).parent, tmp_path / "symdiff")
    script = (
        "import linecache, pathlib, sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import numpy as np, symdiff as sd\n"
        "x = sd.var('x', (3,))\n"
        "for p in pathlib.Path(sd.__file__).parent.rglob('*.py'):\n"
        "    p.write_text('# moved\\n' * 7 + p.read_text())\n"
        "linecache.clearcache()\n"
        "fn = sd.compile([sd.sigmoid(x) * 3.0, sd.softplus(x)], inputs=[x])\n"
        "print(fn(np.zeros(3))[0].tolist())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[1.5, 1.5, 1.5]"


@pytest.mark.parametrize("simplify", [True, False])
def test_an_output_that_is_not_an_expression_is_named(simplify):
    # named by the function called (it was codegen, which compile calls)
    x = sd.var("x")
    with pytest.raises(TypeError, match="^compile: item 1 is a float, not an expression"):
        sd.compile([x * 2, 1.0], inputs=[x], simplify=simplify)


def test_logic_of_scalars_takes_the_scalar_path():
    x, y = sd.symbols("x y")
    masks = [sd.logical_and(x, y), sd.logical_or(x, y), sd.logical_xor(x, y), sd.logical_not(x)]
    e = sd.where((x > 0) & ~(y > 0), x * y, y)
    outs = [e, sd.grad(e, x), *(sd.where(m, x, y) for m in masks)]
    fn = sd.compile(outs, inputs=[x, y])
    assert "math" in fn.source and "(bool(x) and bool(y))" in fn.source
    for xv, yv in [(0.0, 1.0), (float("nan"), 0.0), (2.0, -1.0), (0.0, 0.0), (1.0, -2.0)]:
        got = fn(xv, yv)
        assert all(type(g) is np.ndarray and g.shape == () for g in got)  # as the evaluator's
        np.testing.assert_array_equal(got, sd.evaluate(outs, {"x": xv, "y": yv}))


def test_real_and_imaginary_parts_are_views_never_overwritten():
    # np.real and np.imag of a complex array are views into it: writing a dead part in place
    # wrote into the caller's array (the gradient of arctan2(imag z, real z) changed z itself)
    z = sd.var("z", (3,), "complex128")
    given = np.array([1 + 2j, -0.5 + 0.3j, 0.7 - 1.1j])
    kept = given.copy()
    angle = sd.sum(sd.arctan2(sd.imag(z), sd.real(z)))
    for outputs in [sd.grad(angle, z), sd.real(z) * 2.0 + sd.imag(z), sd.exp(sd.imag(z)) - 1.0,
                    sd.stop_gradient(sd.real(z)) * 3.0]:
        for simplify in (True, False):
            got = sd.compile(outputs, inputs=[z], simplify=simplify)(given)
            np.testing.assert_array_equal(given, kept)
            np.testing.assert_allclose(got, sd.evaluate(outputs, {"z": kept}))


def test_power_of_a_reduced_scalar_agrees_with_the_evaluator_bit_for_bit():
    # np.sum gives a NumPy scalar; `total ** 2.5` then takes NumPy's scalar power, which can
    # differ in the last bit from the power ufunc of a 0-d array (the evaluator held its
    # constants as 0-d arrays, so it ran the ufunc)
    x = sd.var("x", (2,))
    y = sd.sum(x) ** 2.5
    fn = sd.compile(y, inputs=[x], simplify=False)
    for v in [[2.0, 2.123457], *np.random.default_rng(0).uniform(0.5, 2.0, (50, 2))]:
        _assert_bits(fn(np.array(v)), sd.evaluate(y, {"x": np.array(v)}, simplify=False))


def test_complex_infinities_and_nans_are_written_as_numbers():
    # repr(complex(inf, 0)) is (inf+0j), which the generated module cannot read back
    z = sd.var("z", (3,), "complex128")
    t = sd.var("t", (3,))
    given = {"z": np.array([1 + 2j, 3, 4j]), "t": np.array([1.0, -1.0, -2.0])}
    for other in [complex(np.inf, 0), complex(np.nan, -np.inf), complex(0, np.nan)]:
        e = sd.where(t > 0, z, other)
        for simplify in (True, False):
            got = sd.compile(e, inputs=[z, t], simplify=simplify)(given["z"], given["t"])
            np.testing.assert_array_equal(got, sd.evaluate(e, given))


def test_complex_constants_compute_in_numpy_next_to_scalars():
    # 1j / (s * s): a Python complex meeting the NumPy float scalar s * s computed in Python,
    # which raised ZeroDivisionError at s = 0 and TypeError when the result was compared
    s = sd.var("s")
    for e in [1j / (s * s), sd.where(sd.power(1j, s * s) > complex(-1.0, 0.0), 1.0, 0.0)]:
        fn = sd.compile(e, inputs=[s], simplify=False)
        for value in (0.0, 0.5, -2.0):
            with np.errstate(all="ignore"):
                got, want = fn(value), sd.evaluate(e, {"s": value}, simplify=False)
            np.testing.assert_array_equal(got, want)
            assert np.asarray(got).dtype == np.asarray(want).dtype


def _decomposition_cases():
    """name -> (parts of one decomposition, NumPy's values for them, the call's source text, input)."""
    # large enough that the values-only calls (svdvals, eigvalsh: another LAPACK method) differ
    # from the full calls' values in the last bits (test_values_are_the_full_calls_bit_for_bit)
    a = RNG.standard_normal((12, 8))
    s = RNG.standard_normal((8, 8))
    s = s @ s.T + 4 * np.eye(8)
    W = sd.var("W", (12, 8))
    S = sd.var("S", (8, 8))
    return {
        "svd": (list(sd.linalg.svd(W, full_matrices=False)), list(np.linalg.svd(a, full_matrices=False)),
                "np.linalg.svd(W, full_matrices=False)", {"W": a}),
        "svd_full": (list(sd.linalg.svd(W)), list(np.linalg.svd(a)), "np.linalg.svd(W)", {"W": a}),
        "eigh": (list(sd.linalg.eigh(S)), list(np.linalg.eigh(s)), "np.linalg.eigh(S, UPLO='L')", {"S": s}),
        "eigh_upper": (list(sd.linalg.eigh(S, "U")), list(np.linalg.eigh(s, "U")),
                       "np.linalg.eigh(S, UPLO='U')", {"S": s}),
        "slogdet": (list(sd.linalg.slogdet(S)), list(np.linalg.slogdet(s)), "np.linalg.slogdet(S)",
                    {"S": s}),
        "qr": (list(sd.linalg.qr(W)), list(np.linalg.qr(a)), "np.linalg.qr(W)", {"W": a}),
        "qr_complete": (list(sd.linalg.qr(W, mode="complete")), list(np.linalg.qr(a, mode="complete")),
                        "np.linalg.qr(W, mode='complete')", {"W": a}),
    }


@pytest.mark.parametrize("name", list(_decomposition_cases()))
def test_a_decomposition_runs_once_for_all_its_parts(name):
    parts, expected, call, values = _decomposition_cases()[name]
    source = sd.codegen(parts)
    assert source.count(call) == 1, source
    # no other call for any part (svd's S is not svdvals', eigh's eigenvalues not eigvalsh's)
    assert source.count("np.linalg.") == 1, source
    # the call's result is a temporary each part is read from, not a call per part
    assert f"{call}[" not in source
    got = sd.compile(parts)(*values.values())
    evaluated = sd.evaluate(parts, values)
    for g, e, n in zip(got, evaluated, expected):
        assert np.array_equal(g, e) and np.array_equal(g, n)


def test_values_are_the_full_calls_bit_for_bit():
    """svd's S is np.linalg.svd(a)[1] and eigh's eigenvalues np.linalg.eigh(a)[0], in both
    backends, not the values-only calls (which differ in the last bits here)."""
    a = RNG.standard_normal((3, 12, 8))
    s = RNG.standard_normal((8, 8))
    s = s + s.T
    W, S = sd.var("W", (3, 12, 8)), sd.var("S", (8, 8))
    cases = [(sd.linalg.svd(W, full_matrices=False).S, np.linalg.svd(a, full_matrices=False)[1],
              np.linalg.svd(a, compute_uv=False), {"W": a}),
             (sd.linalg.svd(W).S, np.linalg.svd(a)[1], np.linalg.svd(a, compute_uv=False), {"W": a}),
             (sd.linalg.eigh(S).eigenvalues, np.linalg.eigh(s)[0], np.linalg.eigvalsh(s), {"S": s}),
             (sd.linalg.eigh(S, "U")[0], np.linalg.eigh(s, "U")[0], np.linalg.eigvalsh(s, "U"), {"S": s})]
    for e, full_call, values_only, values in cases:
        assert not np.array_equal(full_call, values_only)  # else this case could not fail
        got = sd.compile(e)(*values.values())
        evaluated = sd.evaluate(e, values)
        assert np.array_equal(got, full_call) and np.array_equal(evaluated, full_call)


def test_a_decomposition_used_by_a_gradient_runs_once_there_too():
    W = sd.var("W", (6, 4))
    u, s, vh = sd.linalg.svd(W, full_matrices=False)
    a = RNG.standard_normal((6, 4))
    # S's derivative, U diag(gbar) Vh, reads the same call's U and Vh: no other decomposition
    for loss in [sd.sum(u[:, 0] ** 2 * 3) + sd.sum(vh * vh[::-1]) + sd.sum(s),
                 sd.sum(u[:, 0] ** 2 * 3) + sd.sum(vh * vh[::-1])]:
        outputs = [loss, sd.grad(loss, W)]
        source = sd.codegen(outputs)
        assert source.count("np.linalg.svd(") == 1, source
        assert source.count("np.linalg.") == 1, source
        for g, e in zip(sd.compile(outputs)(a), sd.evaluate(outputs, {"W": a})):
            assert np.array_equal(g, e)
    S = sd.var("S", (4, 4))
    w, v = sd.linalg.eigh(S)
    loss = sd.sum(v[:, 0] ** 3) + sd.sum(w * w)
    source = sd.codegen([loss, sd.grad(loss, S)])
    assert source.count("np.linalg.") == 1 and "np.linalg.eigh(S, UPLO='L')" in source, source


def test_one_part_of_a_decomposition_is_one_expression():
    S = sd.var("S", (4, 4))
    source = sd.codegen(sd.linalg.qr(S).R)
    assert "= np.linalg.qr(S)[1]" in source


def test_parts_of_calls_on_different_matrices_or_options_are_not_shared():
    S, T = sd.var("S", (4, 4)), sd.var("T", (4, 4))
    parts = [*sd.linalg.eigh(S), sd.linalg.eigh(S, "U")[1], sd.linalg.eigh(T)[1]]
    source = sd.codegen(parts)
    for call in ("np.linalg.eigh(S, UPLO='L')", "np.linalg.eigh(S, UPLO='U')", "np.linalg.eigh(T, UPLO='L')"):
        assert source.count(call) == 1, source
    s, t = RNG.standard_normal((2, 4, 4))
    got = sd.compile(parts)(s, t)
    assert np.array_equal(got[2], np.linalg.eigh(s, UPLO="U")[1])
    assert np.array_equal(got[3], np.linalg.eigh(t)[1])
    for g, e in zip(got, sd.evaluate(parts, {"S": s, "T": t})):
        assert np.array_equal(g, e)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int8", "uint16", "bool", "complex64"])
def test_zero_padding_is_one_allocation_and_one_copy(dtype):
    # np.pad's bookkeeping costs ~10 us a call, more than the banded Hessians' arithmetic
    # around it: padding with NumPy's default zeros is written as zeros and a copy; other
    # values keep np.pad (its casting of the value is NumPy's)
    x = sd.var("x", (2, 3), dtype)
    xv = (np.arange(6).reshape(2, 3) % 3).astype(dtype)
    for widths in [((1, 0), (2, 3)), ((0, 0), (1, 1)), 2]:
        e = sd.pad(x, widths)
        src = sd.codegen(e, inputs=[x])
        assert "pad_zeros(" in src and "np.pad(" not in src
        want = np.pad(xv, widths)
        for got in (sd.compile(e, inputs=[x])(xv), sd.evaluate(e, {"x": xv})):
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
    if dtype != "bool":
        e = sd.pad(x, 1, constant_values=-0.0)
        assert "np.pad(" in sd.codegen(e, inputs=[x])
        want = np.pad(xv, 1, constant_values=-0.0)
        got = sd.compile(e, inputs=[x])(xv)
        np.testing.assert_array_equal(got, want)
        if want.dtype.kind == "f":
            assert np.array_equal(np.signbit(got), np.signbit(want))
    named = sd.var("y", ("n", 3), dtype)
    e = sd.pad(named, ((0, 0), (1, 1)))
    yv = np.ones((4, 3), dtype)
    np.testing.assert_array_equal(sd.compile(e, inputs=[named])(yv), np.pad(yv, ((0, 0), (1, 1))))


def test_flip_is_a_slice_and_an_argument_as_declared_is_taken_at_once():
    # the gradient of a convolution flips both operands: np.flip's Python-level call cost
    # ~1.5 us each, beside the 20 us of the convolutions; a slice is the same view
    a, v = sd.var("a", (20,)), sd.var("v", (4,))
    y = sd.sum(sd.convolve(a, v) ** 2)
    outs = [y, *sd.grad(y, [a, v])]
    src = sd.codegen(outs, inputs=[a, v])
    assert "np.flip(" not in src and "= v[::-1]\n" in src and "= a[::-1]\n" in src
    # an argument of the declared dtype and static shape is returned before any other check
    reader = src[src.index("def input_array("):]
    assert reader.index("if arr.dtype == dtype:\n        return arr") < reader.index("np.can_cast(")
    array = src[src.index("def _array("):src.index("def _mismatch(")]
    assert array.index("input_array(") < array.index("if arr.shape == shape:") < array.index("arr.ndim")
    rng = np.random.default_rng(7)
    av, vv = rng.standard_normal(20), rng.standard_normal(4)
    c = np.convolve(av, vv)
    want = [c @ c, np.convolve(2 * c, vv[::-1], "valid"), np.convolve(2 * c, av[::-1], "valid")]
    got = sd.compile(outs, inputs=[a, v])(av, vv)
    for g, e, w in zip(got, sd.evaluate(outs, {"a": av, "v": vv}), want):
        np.testing.assert_array_equal(g, e)
        np.testing.assert_allclose(g, w, rtol=1e-12)
    x = sd.var("x", (2, 3, 4))
    xv = rng.standard_normal((2, 3, 4))
    for axis in [0, 1, 2, -1, (0, 2), (1, 2), None]:
        e = sd.flip(x, axis)
        assert "np.flip(" not in sd.codegen(e, inputs=[x])
        for got in (sd.compile(e, inputs=[x])(xv), sd.evaluate(e, {"x": xv})):
            np.testing.assert_array_equal(got, np.flip(xv, axis))
            assert not np.may_share_memory(got, xv)


def _loss_and_gradient():
    """A small model's loss and gradient, with a constant too large to be written inline."""
    X, W = sd.var("X", ("n", 5)), sd.var("W", (5, 4))
    labels = sd.var("labels", ("n",), "int64")
    scale = sd.const(np.linspace(0.5, 1.5, 20).reshape(5, 4))  # written as base64 bytes
    logits = sd.tanh(X @ (W * scale)) @ sd.const(np.arange(8.0).reshape(4, 2) / 8)
    loss = -sd.mean(sd.sum(sd.one_hot(labels, 2) * sd.log_softmax(logits, axis=1), axis=1))
    return loss, W, [X, labels, W]


def test_compiled_functions_pickle_as_their_source_and_compute_the_same():
    import inspect
    import pickle

    # a generated function pickled by name, which it has not: "Can't pickle <function f>"
    loss, W, inputs = _loss_and_gradient()
    fn = sd.compile({"loss": loss, "dW": sd.grad(loss, W)}, inputs=inputs, name="model")
    assert "base64.b64decode" in fn.source
    x, w = RNG.standard_normal((6, 5)), RNG.standard_normal((5, 4))
    lab = RNG.integers(0, 2, 6)
    want = sd.evaluate([loss, sd.grad(loss, W)], {"X": x, "labels": lab, "W": w})
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(fn, protocol))
        assert isinstance(back, sd.CompiledFunction) and back is not fn
        assert back.source == fn.source and back.__name__ == "model" and back.__doc__ == fn.__doc__
        assert str(inspect.signature(back)) == "(X, labels, W)" == str(inspect.signature(fn))
        value, gradient = back(x, lab, W=w)  # the dict's outputs, named, in its order
        np.testing.assert_allclose(value, want[0], rtol=1e-14)
        np.testing.assert_allclose(gradient, want[1], rtol=1e-13)
    # the gradient of the loaded function against central differences
    h, dW = 1e-6, np.zeros_like(w)
    for k in np.ndindex(*w.shape):
        e = np.zeros_like(w)
        e[k] = h
        dW[k] = (back(x, lab, w + e)[0] - back(x, lab, w - e)[0]) / (2 * h)
    np.testing.assert_allclose(back(x, lab, w)[1], dW, rtol=1e-6, atol=1e-9)
    # loaded again and again: the same function; tracebacks still show its source
    twice = pickle.loads(pickle.dumps(pickle.loads(pickle.dumps(fn))))
    _assert_bits(twice(x, lab, w)[1], fn(x, lab, w)[1])
    import linecache
    assert twice.__code__.co_filename in linecache.cache


def test_pickled_scalar_and_nested_functions_and_hostile_names_compute_the_same():
    import copy
    import pickle

    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    scalar = sd.compile([f, *sd.grad(f, [x, y])], inputs=[x, y])
    assert "math." in scalar.source  # the Python-float path, with its NumPy fallback
    back = pickle.loads(pickle.dumps(scalar))
    assert back(3.0, -4.0) == scalar(3.0, -4.0)
    assert back(np.float64(3.0), -4.0) == scalar(3.0, -4.0)
    odd = sd.var("x'); import os #", (2,))
    nested = sd.compile({"H": sd.hessian(sd.sum(odd ** 3), [odd]), "g": (sd.grad(sd.sum(odd ** 3), odd),)})
    loaded = pickle.loads(pickle.dumps(nested))
    (got_h, got_g), (want_h, want_g) = loaded(np.array([1.0, 2.0])), nested(np.array([1.0, 2.0]))
    _assert_bits(got_h[0][0], want_h[0][0])
    _assert_bits(got_g[0], want_g[0])
    assert copy.deepcopy(nested).source == nested.source
    assert repr(loaded) == f"<compiled f({loaded.__code__.co_varnames[0]})>"


def test_compiled_functions_run_in_a_spawned_process_pool():
    import multiprocessing

    v = sd.var("v", (3,))
    fn = sd.compile([sd.sum(sd.sin(v) * v), sd.grad(sd.sum(sd.sin(v) * v), v)], inputs=[v])
    points = [RNG.standard_normal(3) for _ in range(4)]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        results = pool.map(fn, points)
    for p, (value, gradient) in zip(points, results):
        want_value, want_gradient = fn(p)
        _assert_bits(value, want_value)
        _assert_bits(gradient, want_gradient)
        np.testing.assert_allclose(gradient, np.sin(p) + p * np.cos(p), rtol=1e-14)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "complex128"])
def test_a_power_of_a_half_is_np_power_in_generated_code_as_in_the_evaluator(dtype):
    # x ** 0.5 with a Python number took NumPy's fast path to np.sqrt: a float16 -inf gave nan
    # where np.power (the evaluator, holding the exponent as a NumPy scalar) gives inf
    x = sd.var("x", (5,), dtype)
    v = np.array([-np.inf, -0.0, 0.0, 4.0, -4.0], dtype)
    for y in [x ** 0.5, x ** 2, x ** -1.0]:
        want = np.power(v, y.inputs[1].op.value[()])
        for simplify in (False, True):
            with np.errstate(all="ignore"):
                got = sd.compile(y, inputs=[x], simplify=simplify)(v)
                evaluated = sd.evaluate(y, {"x": v}, simplify=simplify)
            _assert_bits(got, evaluated)
            if not simplify:
                _assert_bits(got, want)
    if dtype == "float16":  # C's pow, as np.power takes a float16 power
        with np.errstate(all="ignore"):
            assert sd.compile(x ** 0.5, simplify=False)(v)[0] == np.inf


def test_complex_constants_keep_the_signs_of_their_zero_parts():
    # repr(complex(-0.0, -1.0)) is (-0-1j), which Python reads as 0 - 1j: a real part of +0.0
    z = sd.var("z", (2,), "complex64")
    v = np.array([0j, 1 + 0j], np.complex64)
    for c in [complex(-0.0, -1.0), complex(1.0, -0.0), complex(-0.0, -0.0)]:
        f = z * sd.const(np.complex64(c))
        for simplify in (False, True):
            _assert_bits(sd.compile(f, simplify=simplify)(v), sd.evaluate(f, {"z": v}, simplify=simplify))
    f = z * sd.const(np.complex64(complex(-0.0, -1.0)))
    assert np.signbit(sd.compile(f, simplify=False)(v)[0].imag)  # 0 * (-0 - 1j) is 0 - 0j


def test_constants_keep_the_sign_bit_of_a_nan():
    # copysign reads the sign of a NaN: -nan was written as nan, so copysign(x, -nan) gave +|x|
    negative_nan = -np.nan
    for dtype in ("float64", "float32", "float16"):
        x = sd.var("x", (2,), dtype)
        v = np.array([1.0, 2.0], dtype)
        for c in [np.array([negative_nan, 1.0], dtype), np.array(negative_nan, dtype)]:
            f = sd.copysign(x, c)
            got = sd.compile(f, simplify=False)(v)
            assert np.signbit(got[0])
            _assert_bits(got, sd.evaluate(f, {"x": v}))
    s = sd.var("s")  # the scalar path's math.nan
    f = sd.copysign(s, np.array(negative_nan))
    _assert_bits(sd.compile(f)(2.0), np.array(-2.0))
    z = sd.var("z", (2,), "complex128")
    f = z + np.array([complex(negative_nan, 1.0), 1j])
    got = sd.compile(f, simplify=False)(np.zeros(2, complex))
    assert np.signbit(got.real).tolist() == [True, False]


def test_clip_on_the_scalar_path_picks_numpys_zero_on_ties():
    # np.clip with one bound is np.maximum (or np.minimum), which gives the bound on a tie:
    # clip(0.0, -0.0, None) is -0.0; with both bounds, the clip ufunc keeps a on 0-d arrays
    a, lo, hi = sd.symbols("a lo hi")
    edges = [0.0, -0.0, 1.0, -1.0, math.inf, math.nan]
    for f, ins in [(sd.clip(a, lo, None), [a, lo]), (sd.clip(a, None, hi), [a, hi]),
                   (sd.clip(a, lo, hi), [a, lo, hi])]:
        fn = sd.compile(f, inputs=ins, simplify=False)
        assert "except (ArithmeticError, ValueError)" in fn.source  # the scalar path
        for values in itertools.product(edges, repeat=len(ins)):
            with np.errstate(all="ignore"):
                want = sd.evaluate(f, dict(zip(["a", *(v.op.var_name for v in ins[1:])], values)),
                                   simplify=False)
            got = fn(*values)
            assert got.tobytes() == want.tobytes() or np.isnan(got) and np.isnan(want), (f, values)


def test_parts_reading_no_input_are_module_constants_computed_once():
    # an ODE right-hand side and its Jacobian: the seed rows of the Jacobian (and of its
    # second derivative terms) read no input, so they are written once, not rebuilt per call
    u, p = sd.var("u", (3,)), sd.var("p", (3,))
    rhs = sd.stack([p[0] * u[0] - u[0] * u[1], u[0] * u[1] - p[1] * u[1] + sd.sin(u[2]),
                    -p[2] * u[2] + u[0] ** 2])
    outs = {"rhs": rhs, "J": sd.jacobian(rhs, u)}
    src = sd.codegen(outs, inputs=[u, p])
    body = src[src.index("def f("):]
    assert "diagonal_embed_kernel(" not in body and "broadcast_to(" not in body
    assert "_C0 = np.array([1.0, 0.0, 0.0]" in src
    fn = sd.compile(outs, inputs=[u, p])
    uv, pv = _any(3), _any(3)
    for got, want in zip(fn(uv, pv), sd.evaluate(list(outs.values()), {"u": uv, "p": pv})):
        np.testing.assert_array_equal(got, want)
    # a constant output (the Jacobian of a linear map) is its module constant, copied
    A = np.arange(6.0).reshape(2, 3)
    jac = sd.compile(sd.jacobian(sd.const(A) @ u, u), inputs=[u])
    first, second = jac(uv), jac(pv)
    np.testing.assert_array_equal(first, A)
    first[0, 0] = 99.0
    np.testing.assert_array_equal(second, A)
    assert "return np.array(_C" in jac.source


def test_constant_parts_that_warn_or_are_large_are_left_to_run_time():
    x = sd.var("x", (3,))
    y = x * (sd.const(np.zeros(3)) / 0.0)  # as written, not simplified
    assert "/ 0.0" in sd.codegen(y, inputs=[x], simplify=False)
    fn = sd.compile(y, inputs=[x], simplify=False)  # its warning comes when it runs, as evaluate's
    with pytest.warns(RuntimeWarning, match="invalid value"):
        assert np.isnan(fn(np.ones(3))).all()
    for k, folded in [(10, True), (40, False)]:  # a triangle of ones, 100 or 1600 elements
        v = sd.var("v", (k,))
        src = sd.codegen(sd.jacobian(sd.cumsum(sd.sin(v)), v), inputs=[v])
        assert ("np.cumsum" not in src) == folded and ("base64" in src) == folded
        assert "np.arange(" in src or folded  # an arange alone is not written out


@pytest.mark.parametrize("fn", [sd.compile, sd.codegen], ids=["compile", "codegen"])
def test_errors_of_the_generator_name_the_function_called(fn):
    x = sd.var("x")
    what = fn.__name__
    with pytest.raises(ValueError, match=rf"^{what}: no outputs given$"):
        fn([], [x])
    with pytest.raises(ValueError, match=rf"^{what}: 2 outputs but 1 names$"):
        fn([x * 2.0, x], [x], names=["a"])
    with pytest.raises(sd.InputError, match=rf"^{what}: dimension 'n' is used but no input variable has it"):
        fn(sd.dim_size("n") * x, [x])


@pytest.mark.parametrize("shape", [(1,), ("n",), (1, 1), (3,)])
def test_complex_products_of_one_element_keep_the_evaluators_bits(shape):
    # NumPy multiplies a one-element complex array into itself by another loop than into a new
    # array, and the two differ in the last bit for about half of random pairs: the generated
    # code multiplied in place where the evaluator makes a new array
    a, b, c = (sd.var(n, shape, "complex128") for n in "abc")
    e = (a * b) * c + a
    fn = sd.compile(e, inputs=[a, b, c])
    rng = np.random.default_rng(5)
    size = tuple(1 if d == "n" else d for d in shape)
    for _ in range(60):
        at = [rng.normal(size=size) + 1j * rng.normal(size=size) for _ in range(3)]
        _assert_bits(fn(*at), sd.evaluate(e, dict(zip("abc", at))))
    if shape == (3,):  # a larger product is still computed in place
        assert "out=" in fn.source or "*=" in fn.source
