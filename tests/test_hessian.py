"""Second-order and forward-mode products: the Rosenbrock Hessian against its tridiagonal
closed form, hvp / jvp / jacobian against explicit matrices and differences, Hessian blocks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

import symdiff as sd

rng = np.random.default_rng(3)


def rosenbrock(v):
    return sd.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)


def rosenbrock_gradient(x: np.ndarray) -> np.ndarray:
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def rosenbrock_hessian(x: np.ndarray) -> np.ndarray:
    """Tridiagonal: d2/dv_i^2 = 1200 v_i^2 - 400 v_{i+1} + 2 (i < n-1) + 200 (i > 0),
    d2/dv_i dv_{i+1} = -400 v_i."""
    n = len(x)
    diag = np.zeros(n)
    diag[:-1] = 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    off = -400 * x[:-1]
    return np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)


@pytest.fixture(scope="module")
def rosen():
    v = sd.var("v", shape=(100,))
    f = rosenbrock(v)
    return v, f, sd.hessian(f, v)


def test_rosenbrock_hessian_is_its_tridiagonal_form(rosen):
    v, f, H = rosen
    assert H.shape == (100, 100)
    for x in (rng.uniform(-2, 2, 100), np.ones(100)):
        Hv, gv, fv = sd.evaluate([H, sd.grad(f, v), f], {"v": x})
        np.testing.assert_allclose(gv, rosenbrock_gradient(x), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(Hv, rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)
        assert np.count_nonzero(Hv - np.diag(np.diag(Hv), 0) - np.diag(np.diag(Hv, 1), 1)
                                - np.diag(np.diag(Hv, -1), -1)) == 0
    # at the minimum (all ones) the gradient vanishes and the value is zero
    assert sd.evaluate(f, {"v": np.ones(100)}) == 0.0


def test_rosenbrock_hvp_equals_hessian_times_vector(rosen):
    v, f, _ = rosen
    u = sd.var("u", shape=(100,))
    hu = sd.hvp(f, v, u)
    x, uv = rng.uniform(-2, 2, 100), rng.standard_normal(100)
    np.testing.assert_allclose(sd.evaluate(hu, {"v": x, "u": uv}), rosenbrock_hessian(x) @ uv,
                               rtol=1e-11, atol=1e-8)
    # hvp never builds the 100 x 100 Hessian: its graph stays small
    assert sd.count_nodes(hu) < 200


def test_jvp_equals_jacobian_times_vector():
    x = sd.var("x", shape=(4,))
    A = rng.standard_normal((3, 4))
    y = sd.tanh(sd.const(A) @ x) * sd.sum(x ** 2)
    J = sd.jacobian(y, x)
    t = sd.var("t", shape=(4,))
    jt = sd.jvp(y, x, t)
    xv, tv = rng.standard_normal(4), rng.standard_normal(4)
    Jv, jtv, yv = sd.evaluate([J, jt, y], {"x": xv, "t": tv})
    assert J.shape == (3, 4) and jt.shape == (3,)
    np.testing.assert_allclose(jtv, Jv @ tv, rtol=1e-12)
    # J against central differences, column by column
    h = 1e-6
    fd = np.stack([(sd.evaluate(y, {"x": xv + h * e}) - sd.evaluate(y, {"x": xv - h * e})) / (2 * h)
                   for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(Jv, fd, rtol=1e-6, atol=1e-8)
    # and the jvp graph holds no trace of the seed cotangent used to derive it
    assert all(n.op.name != "seed" for n in sd.toposort(jt))


def test_jacobian_of_matrix_valued_function_and_list_wrt():
    A = sd.var("A", shape=(2, 3))
    b = sd.var("b", shape=(3,))
    y = sd.exp(A) * b  # (2, 3)
    JA, Jb = sd.jacobian(y, [A, b])
    assert JA.shape == (2, 3, 2, 3) and Jb.shape == (2, 3, 3)
    Av, bv = rng.standard_normal((2, 3)), rng.standard_normal(3)
    JAv, Jbv = sd.evaluate([JA, Jb], {"A": Av, "b": bv})
    want_A = np.zeros((2, 3, 2, 3))
    want_b = np.zeros((2, 3, 3))
    for i in range(2):
        for j in range(3):
            want_A[i, j, i, j] = np.exp(Av[i, j]) * bv[j]
            want_b[i, j, j] = np.exp(Av[i, j])
    np.testing.assert_allclose(JAv, want_A, rtol=1e-13)
    np.testing.assert_allclose(Jbv, want_b, rtol=1e-13)


def _central_jacobian(f, xv: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d f / d x by central differences: shape ``f(x).shape + x.shape``."""
    cols = [(f(xv + h * e.reshape(xv.shape)) - f(xv - h * e.reshape(xv.shape))) / (2 * h)
            for e in np.eye(xv.size)]
    return np.moveaxis(np.asarray(cols), 0, -1).reshape(np.shape(f(xv)) + xv.shape)


def test_jacobian_of_several_outputs_gives_one_per_output_as_jacrev_of_a_tuple():
    x, s = sd.var("x", shape=(3,)), sd.var("s")
    A = rng.standard_normal((2, 3))
    outs = [sd.sin(x) * x[0] * s, sd.sum(x ** 2) * s, sd.tanh(sd.const(A) @ x), s ** 3]
    xv, sv = rng.standard_normal(3), 0.8
    vals = {"x": xv, "s": sv}
    # one variable: one Jacobian per output, each of shape output.shape + x.shape
    per_output = sd.jacobian(outs, x)
    assert isinstance(per_output, list)
    assert [j.shape for j in per_output] == [(3, 3), (3,), (2, 3), (3,)]
    for out, J in zip(outs, sd.evaluate(per_output, vals)):
        fd = _central_jacobian(lambda v, out=out: sd.evaluate(out, {"x": v, "s": sv}), xv)
        np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-8)
    # a list of variables: per output, per variable; the same nodes as one output at a time
    nested = sd.jacobian(tuple(outs), [x, "s"])
    assert isinstance(nested, list)
    assert all(isinstance(row, list) and len(row) == 2 for row in nested)
    for out, row in zip(outs, nested):
        assert row == sd.jacobian(out, [x, s])
    assert [[b.shape for b in row] for row in nested] == [[(3, 3), (3,)], [(3,), ()], [(2, 3), (2,)],
                                                           [(3,), ()]]
    for out, (_, Js) in zip(outs, sd.evaluate(nested, vals)):
        fd = _central_jacobian(lambda v, out=out: sd.evaluate(out, {"x": xv, "s": v}), np.asarray(sv))
        np.testing.assert_allclose(Js, fd, rtol=1e-6, atol=1e-8)
    # a variable only some outputs read gives zeros for the others; one output in a list is a list
    assert sd.evaluate(nested[3][0], vals).tolist() == [0.0, 0.0, 0.0]
    assert sd.jacobian([outs[1]], x) == [sd.jacobian(outs[1], x)]
    assert sd.jacobian(outs, []) == [[], [], [], []]


def test_jacobian_and_hessian_of_several_outputs_name_the_output_at_fault():
    x = sd.var("x", shape=(2,))
    with pytest.raises(sd.NotDifferentiableError,
                       match=r"^jacobian of output 1 needs a floating-point output, got dtype int64"):
        sd.jacobian([x * 2, sd.astype(x, "int64")], x)
    n = sd.var("n", ("k",))
    with pytest.raises(NotImplementedError,
                       match=r"^jacobian of output 1 needs an output of static shape, got \(k,\)"):
        sd.jacobian([x * 2, n * 2], x)
    with pytest.raises(sd.ShapeError, match=r"^hessian of output 1 needs a scalar output, got shape "
                                            r"\(2,\); use sd.jacobian of a gradient"):
        sd.hessian([sd.sum(x), x ** 2], x)
    with pytest.raises(TypeError, match=r"a list holding symdiff expressions is not one value"):
        sd.jacobian([[x * 2, sd.sum(x)]], x)  # outputs nest one level, as for jvp and vjp


def test_hessian_of_several_scalar_outputs_gives_one_per_output_as_jax_hessian_of_a_tuple():
    v, s = sd.var("v", shape=(3,)), sd.var("s")
    outs = [sd.sum(v ** 3) * s, sd.sum(sd.sin(v)) + s ** 2, rosenbrock(v)]
    vv, sv = rng.standard_normal(3), -0.6
    vals = {"v": vv, "s": sv}
    hs = sd.hessian(outs, v)
    assert isinstance(hs, list) and [h.shape for h in hs] == [(3, 3)] * 3
    got = sd.evaluate(hs, vals)
    np.testing.assert_allclose(got[0], np.diag(6 * vv * sv), rtol=1e-13)
    np.testing.assert_allclose(got[1], np.diag(-np.sin(vv)), rtol=1e-13)
    np.testing.assert_allclose(got[2], rosenbrock_hessian(vv), rtol=1e-12)
    for out, H in zip(outs, got):  # the Jacobian of the evaluated gradient, by differences
        g = sd.grad(out, v)
        fd = _central_jacobian(lambda x, g=g: sd.evaluate(g, {"v": x, "s": sv}), vv)
        np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-6)
    blocks = sd.hessian(outs, [v, s])
    shapes = [[[b.shape for b in row] for row in h] for h in blocks]
    assert shapes == [[[(3, 3), (3,)], [(3,), ()]]] * 3
    for out, h in zip(outs, blocks):
        assert h == sd.hessian(out, [v, s])
    np.testing.assert_allclose(sd.evaluate(blocks[0][0][1], vals), 3 * vv ** 2, rtol=1e-13)
    assert sd.evaluate(blocks[1][1][1], vals) == 2.0


def test_jvp_of_several_outputs_and_variables():
    x, y = sd.var("x", shape=(3,)), sd.var("y")
    outs = [sd.sin(x) * y, sd.sum(x) * y ** 2]
    tx, ty = rng.standard_normal(3), 0.7
    ja, jb = sd.jvp(outs, [x, y], [tx, ty])
    xv, yv = rng.standard_normal(3), 1.3
    got_a, got_b = sd.evaluate([ja, jb], {"x": xv, "y": yv})
    np.testing.assert_allclose(got_a, np.cos(xv) * yv * tx + np.sin(xv) * ty, rtol=1e-13)
    np.testing.assert_allclose(got_b, tx.sum() * yv**2 + xv.sum() * 2 * yv * ty, rtol=1e-13)


def test_hessian_of_a_list_of_variables_gives_blocks():
    a = sd.var("a", shape=(3,))
    B = sd.var("B", shape=(2, 2))
    s = sd.var("s")
    f = sd.sum(sd.exp(a) * s) * sd.sum(B * B) + sd.sum(sd.sin(B)) * s ** 3 + sd.sum(a ** 3)
    blocks = sd.hessian(f, [a, B, s])
    shapes = [[(3, 3), (3, 2, 2), (3,)], [(2, 2, 3), (2, 2, 2, 2), (2, 2)], [(3,), (2, 2), ()]]
    assert [[blk.shape for blk in row] for row in blocks] == shapes
    values = {"a": rng.standard_normal(3), "B": rng.standard_normal((2, 2)), "s": 0.8}
    got = sd.evaluate([blk for row in blocks for blk in row], values)
    # each row is the derivative of one gradient block: compare with central differences
    grads = sd.grad(f, [a, B, s])
    names = ["a", "B", "s"]
    h = 1e-6
    k = 0
    for i in range(3):
        for j in range(3):
            x0 = np.asarray(values[names[j]], dtype=float)
            fd = np.zeros(grads[i].shape + x0.shape)
            for idx in np.ndindex(x0.shape):
                e = np.zeros(x0.shape)
                e[idx] = h
                up = sd.evaluate(grads[i], {**values, names[j]: x0 + e})
                down = sd.evaluate(grads[i], {**values, names[j]: x0 - e})
                fd[(Ellipsis, *idx)] = (up - down) / (2 * h)
            np.testing.assert_allclose(got[k], fd, rtol=1e-6, atol=1e-6, err_msg=f"block {i},{j}")
            k += 1
    # symmetry across blocks: H[a][B] is H[B][a] transposed, to the bit
    np.testing.assert_array_equal(got[1], np.transpose(got[3], (2, 0, 1)))
    np.testing.assert_array_equal(got[5], got[7])
    assert blocks[2][0] is blocks[0][2]  # of a vector and a scalar: the same node


def test_mixed_partials_are_one_node_and_exactly_symmetric():
    x, y = sd.symbols("x y")
    beale = (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2
    H = sd.hessian(beale, [x, y])
    assert H[1][0] is H[0][1]
    # of the same variables in the other order: the same blocks, mirrored
    H2 = sd.hessian(beale, [y, x])
    want = sympy.hessian(sympy.sympify("(3/2 - x + x*y)**2 + (9/4 - x + x*y**2)**2 "
                                       "+ (21/8 - x + x*y**3)**2"), sympy.symbols("x y"))
    at = {"x": 0.7, "y": -1.3}
    for i in range(2):
        for j in range(2):
            exact = float(want[i, j].subs({"x": 0.7, "y": -1.3}))
            np.testing.assert_allclose(sd.evaluate(H[i][j], at), exact, rtol=1e-13)
            np.testing.assert_allclose(sd.evaluate(H2[1 - i][1 - j], at), exact, rtol=1e-13)
    # one block of each mixed pair is built: the four blocks hold fewer nodes than the
    # Jacobians of both gradient entries taken whole
    g = sd.grad(beale, [x, y])
    both = [b for gi in g for b in sd.jacobian(gi, [x, y])]
    assert sd.count_nodes([b for row in H for b in row]) < sd.count_nodes(both)


def test_hessian_of_quadratic_form_is_constant():
    x = sd.var("x", shape=(3,))
    A = rng.standard_normal((3, 3))
    H = sd.hessian(x @ sd.const(A) @ x, x)
    np.testing.assert_allclose(sd.evaluate(H, {"x": rng.standard_normal(3)}), A + A.T, rtol=1e-13)


@pytest.mark.parametrize("point", [[2.0, 0.0, 3.0, 0.5], [2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.5]],
                         ids=["one-zero", "two-zeros", "three-zeros"])
def test_prod_hessian_is_exact_at_zeros(point):
    # d2 prod(x) / dx_i dx_j is the product of the elements other than x_i and x_j (0 on the
    # diagonal), also where some of them are zero
    x = np.array(point)
    v = sd.var("v", shape=(2, 4))
    f = sd.prod(v, axis=1) @ np.array([1.0, -2.0])  # two rows: one at the point, one without zeros
    rows = np.stack([x, [1.5, -0.5, 2.0, 0.7]])
    want = np.zeros((2, 4, 2, 4))
    for r, weight in enumerate([1.0, -2.0]):
        for i in range(4):
            for j in range(4):
                if i != j:
                    want[r, i, r, j] = weight * np.prod(np.delete(rows[r], [i, j]))
    for simplify in (False, True):
        got = sd.evaluate(sd.hessian(f, v), {"v": rows}, simplify=simplify)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)



@pytest.mark.parametrize("point", [[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 3.0, 0.5], [0.0, 2.0, 0.0, 0.0],
                                   [1.5, -0.5, 2.0, 0.7]],
                         ids=["one-zero", "two-zeros-first", "three-zeros", "no-zeros"])
def test_cumprod_hessian_is_exact_at_zeros(point):
    # out_k = x_0 ... x_k, so d2 out_k / dx_i dx_j is the product of the elements up to k other
    # than x_i and x_j: past the first zero the gradient was a constant 0, and the Hessian lost
    # d2 / dx_i dx_z (asymmetric: -7 one way, 0 the other, for x = [0, 0, -2] and weights 4 5 6)
    x = np.array(point)
    weights = np.array([1.0, -2.0, 0.5, 3.0])
    v = sd.var("v", shape=(2, 4))
    f = sd.cumprod(v, axis=1) @ weights @ np.array([1.0, -1.5])
    rows = np.stack([x, [1.5, -0.5, 2.0, 0.7]])
    want = np.zeros((2, 4, 2, 4))
    for r, row_weight in enumerate([1.0, -1.5]):
        for k in range(4):
            for i in range(k + 1):
                for j in range(k + 1):
                    if i != j:
                        others = np.prod(np.delete(rows[r, : k + 1], [i, j]))
                        want[r, i, r, j] += row_weight * weights[k] * others
    grad_want = np.array([[sum(w * weights[k] * np.prod(np.delete(rows[r, : k + 1], i))
                               for k in range(i, 4)) for i in range(4)]
                          for r, w in enumerate([1.0, -1.5])])
    for simplify in (False, True):
        got = sd.evaluate([sd.grad(f, v), sd.hessian(f, v)], {"v": rows}, simplify=simplify)
        np.testing.assert_allclose(got[0], grad_want, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got[1], want, rtol=1e-12, atol=1e-15)

def test_jacobian_rows_come_from_one_batched_pass():
    # the Hessian of an n-dimensional Rosenbrock is one graph of a few dozen nodes whatever n
    # (the cotangents carry the n rows along a leading axis), not n reverse passes
    for n in (10, 1000):
        v = sd.var("v", shape=(n,))
        H = sd.hessian(rosenbrock(v), v)
        assert sd.count_nodes(sd.simplify(H)) < 60
    x = rng.standard_normal(1000)
    np.testing.assert_allclose(sd.compile(H, inputs=[v])(x), rosenbrock_hessian(x), rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda y: sd.pad(y, 1)[:-2] - 2 * y + sd.pad(y, 1)[2:] + y**2 * (1 - y),  # a stencil
    lambda y: sd.pad(y, (1, 2), mode="reflect") * sd.pad(y, (2, 1), mode="edge"),
    lambda y: sd.tile(y, 2) * sd.repeat(y, 2),
    lambda y: sd.cumprod(0.5 + y),
    lambda y: sd.linear_recurrence(0.5 * sd.sin(y), y, reverse=True),
], ids=["pad", "pad-modes", "tile-repeat", "cumprod", "linear_recurrence"])
def test_jacobians_through_pads_tiles_repeats_and_scans_do_not_grow_with_n(make):
    # these ops take the Jacobian's n rows in one node each (the op with a batch axis in front),
    # where one node per row made the graph, and the time to build and run it, grow with n
    counts = []
    for n in (8, 64):
        y = sd.var("y", shape=(n,))
        J = sd.jacobian(make(y), y)
        counts.append(sd.count_nodes(J))
    assert counts[0] == counts[1] < 60
    yv = 0.3 * rng.standard_normal(64)
    got = sd.evaluate(J, {"y": yv}, simplify=False)
    np.testing.assert_allclose(got, _central_jacobian(lambda v: sd.evaluate(make(y), {"y": v}), yv),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(sd.compile(J, inputs=[y])(yv), got, rtol=1e-12, atol=1e-14)


def _spd(*shape: int) -> np.ndarray:
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _normal(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def _well_conditioned(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape) + 2 * shape[-1] * np.eye(shape[-1])


L = sd.linalg


# name: the function, 1 for its Jacobian or 2 for its Hessian, the variable's shape for n, a value
_LINEAR_ALGEBRA = {
    "inv": (L.inv, 1, lambda n: (n, n), _well_conditioned),
    "inv-stack": (L.inv, 1, lambda n: (2, n, n), _well_conditioned),
    "solve-vector": (lambda A: L.solve(A, sd.sin(A[0])), 1, lambda n: (n, n), _well_conditioned),
    "solve-matrix": (lambda A: L.solve(A, sd.cos(A[..., :2])), 1, lambda n: (2, n, n),
                     _well_conditioned),
    "cholesky": (L.cholesky, 1, lambda n: (n, n), _spd),
    "cholesky-upper": (lambda A: L.cholesky(A, upper=True), 1, lambda n: (n, n), _spd),
    "eigvalsh": (L.eigvalsh, 1, lambda n: (n, n), _spd),
    "eigh-values": (lambda A: L.eigh(A, UPLO="U").eigenvalues, 1, lambda n: (n, n), _spd),
    # squares: the eigenvectors' signs are NumPy's choice, which differences must not see
    "eigh-vectors": (lambda A: L.eigh(A).eigenvectors ** 2, 1, lambda n: (n, n), _spd),
    "svdvals": (L.svdvals, 1, lambda n: (n, n + 1), _normal),
    "svdvals-tall": (L.svdvals, 1, lambda n: (2, n + 2, n), _normal),
    "slogdet": (lambda A: L.slogdet(A).logabsdet, 1, lambda n: (n, 2, 2), _well_conditioned),
    "svd-u": (lambda A: L.svd(A, full_matrices=False).U ** 2, 1, lambda n: (n + 1, n), _normal),
    "svd-vh": (lambda A: L.svd(A, full_matrices=False).Vh ** 2, 1, lambda n: (n, n + 1), _normal),
    "qr-r": (lambda A: L.qr(A).R, 1, lambda n: (n + 1, n), _normal),
    "qr-wide-q": (lambda A: L.qr(A).Q, 1, lambda n: (n, n + 2), _normal),
    "pinv": (L.pinv, 1, lambda n: (n + 1, n), _normal),
    "det-hessian": (L.det, 2, lambda n: (n, n), _well_conditioned),
    "slogdet-hessian": (lambda A: L.slogdet(A).logabsdet, 2, lambda n: (n, n), _well_conditioned),
    "inv-hessian": (lambda A: sd.sum(L.inv(A) ** 2), 2, lambda n: (n, n), _well_conditioned),
    "solve-hessian": (lambda A: sd.sum(L.solve(A, sd.sin(A[:, 0])) ** 3), 2, lambda n: (n, n),
                      _well_conditioned),
    "cholesky-hessian": (lambda A: sd.sum(sd.sin(L.cholesky(A))), 2, lambda n: (n, n), _spd),
    "eigvalsh-hessian": (lambda A: sd.sum(L.eigvalsh(A) ** 3), 2, lambda n: (n, n), _spd),
    "eigh-hessian": (lambda A: sd.sum(L.eigh(A).eigenvectors[:, 0] ** 4), 2, lambda n: (n, n),
                     _spd),
    "svdvals-hessian": (lambda A: sd.sum(sd.log(L.svdvals(A))), 2, lambda n: (n + 1, n),
                        _normal),
}


@pytest.mark.parametrize("name", list(_LINEAR_ALGEBRA))
def test_linear_algebra_jacobians_and_hessians_do_not_grow_with_n(name):
    # inv, solve, cholesky, eigh, svd, qr, pinv and the determinants take the Jacobian's rows as
    # one more leading axis of their stack of matrices: one node each, where one reverse pass per
    # row made the graph grow with the n**2 entries of an n x n matrix
    make, order, shape, value = _LINEAR_ALGEBRA[name]
    counts = []
    for n in (3, 5):
        A = sd.var("A", shape=shape(n))
        D = sd.jacobian(make(A), A) if order == 1 else sd.hessian(make(A), A)
        counts.append(sd.count_nodes(D))
    assert counts[0] == counts[1], counts
    f = make(A) if order == 1 else sd.grad(make(A), A)
    av = value(*shape(5))
    got = sd.evaluate(D, {"A": av}, simplify=False)
    assert got.shape == (*f.shape, *A.shape)
    want = _central_jacobian(lambda v: sd.evaluate(f, {"A": v}, simplify=False), av)
    # differences of values as large as det's lose their last digits: atol scales with them
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7 * np.abs(want).max())
    np.testing.assert_allclose(sd.compile(D, inputs=[A])(av), got, rtol=1e-10, atol=1e-12)


def _rows(y: sd.Node, x: sd.Node) -> list[sd.Node]:
    """The Jacobian's rows one reverse pass at a time (the unbatched reference)."""
    size = y.type.static_size
    rows = []
    for k in range(size):
        e = np.zeros(size)
        e[k] = 1.0
        rows.append(sd.vjp(y, x, sd.const(e.reshape(y.shape).astype(y.dtype))))
    return rows


def test_batched_jacobians_equal_row_by_row_ones_for_every_op():
    # every op of the table and each of its floating-point arguments, first (Jacobian of the
    # function) and second order (Jacobian of a gradient, whose graph holds the derivative ops):
    # the batched rules, and the row-by-row fallback of ops without one, give what one reverse
    # pass per row gives. The graphs are evaluated as reverse mode built them: simplify would
    # reassociate the two differently (one_hot(arange) * v becomes diag(v), a constant row's
    # zero is factored out of a product), and where a product overflows (two factors of
    # gamma(150)), 0 * (a * b) is nan where (0 * a) * b is 0
    from op_table import SAMPLES

    checked = second = 0
    for sample in SAMPLES:
        node, variables = sample.build()
        if not sample.grad or not node.type.is_float or node.dtype.kind == "c":
            continue
        size = node.type.static_size
        if not size or size > 24:
            continue
        inputs = sample.inputs()
        for j in sample.float_args():
            x = variables[j]
            if x.type.static_size is None or x.type.static_size > 24:
                continue
            cases = [(node, x)]
            if sample.order2:
                cases.append((sd.grad(sd.sum(sd.sin(node) * node), x), x))
            with np.errstate(all="ignore"):
                for y, wrt in cases:
                    got = np.asarray(sd.evaluate(sd.jacobian(y, wrt), inputs, simplify=False))
                    rows = sd.evaluate(_rows(y, wrt), inputs, simplify=False)
                    want = np.stack([np.ravel(r) for r in rows])
                    assert got.shape == (*y.shape, *wrt.shape) and got.dtype == rows[0].dtype, sample
                    np.testing.assert_allclose(got.reshape(len(want), -1), want, rtol=1e-12,
                                               atol=1e-14, equal_nan=True, err_msg=str(sample))
                    checked += 1
                    second += y is not node
    assert checked > 2000 and second > 1000
    empty = sd.var("e", shape=(0, 2))
    assert sd.evaluate(sd.jacobian(sd.sin(empty), empty), {"e": np.zeros((0, 2))}).shape == (0, 2, 0, 2)


def test_an_op_derived_from_one_with_a_batched_rule_has_one_too():
    # the batched rules are looked up by the op's exact type: a subclass (linalg.cond's
    # inverse that gives NaNs for a singular matrix, derived from inv) without an entry of its
    # own took the batch one row at a time, a larger graph for the same values
    from symdiff.autodiff import _BATCHED_RULES

    missing = []
    for op in list(_BATCHED_RULES):
        below = list(op.__subclasses__())
        while below:
            sub = below.pop()
            below.extend(sub.__subclasses__())
            if sub not in _BATCHED_RULES:
                missing.append(f"{sub.__name__} (a {op.__name__})")
    assert not missing


def test_a_hessian_is_zero_off_its_diagonal_where_products_of_its_terms_overflow():
    # gamma(150) is 3.8e260, so a product of two of its factors overflows: each row's cotangent
    # is zero off the diagonal and is multiplied in first, so the Hessian is exactly 0 there:
    # batched (evaluated as built, simplified to a diag, compiled) or one row at a time
    x = sd.var("x", (6,))
    xv = np.array([-2.5, -0.3, 0.01, 1.0, 2.0, 150.0])
    f = sd.sum(sd.sin(sd.gamma(x)) * sd.gamma(x))
    H = sd.hessian(f, x)
    g = sd.grad(f, x)
    off = ~np.eye(6, dtype=bool)
    with np.errstate(all="ignore"):
        values = [sd.evaluate(H, {"x": xv}, simplify=s) for s in (False, True)]
        values.append(sd.compile(H, inputs=[x])(xv))
        rows = np.stack(sd.evaluate(_rows(g, x), {"x": xv}, simplify=False))
    for h in [*values, rows]:
        np.testing.assert_array_equal(h[off], 0.0)
        assert h[5, 5] == -np.inf
    # the finite part of the diagonal against central differences of the gradient
    with np.errstate(over="ignore"):
        fd = _central_jacobian(lambda v: sd.evaluate(g, {"x": np.append(v, 150.0)})[:5], xv[:5],
                               h=1e-8)
    for h in values:
        np.testing.assert_allclose(np.diag(h)[:5], np.diag(fd), rtol=1e-6)


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 1, 2)])
@pytest.mark.parametrize("f", [lambda v: sd.exp(v) + v ** 3, lambda v: sd.abs(v) ** 3])
def test_a_separable_hessian_of_a_matrix_is_exactly_diagonal_as_a_vectors_is(shape, f):
    # where the diagonal is inf, the unit arrays seeding a matrix's Hessian multiplied it and
    # made the zeros off the diagonal nan, where a vector's identity seed became diag(...)
    v = sd.var("v", shape)
    H = sd.hessian(sd.sum(f(v)), v)
    n = int(np.prod(shape))
    off = ~np.eye(n, dtype=bool)
    for point in (np.full(shape, 1e200), np.full(shape, np.inf), np.linspace(-1, 1, n).reshape(shape)):
        with np.errstate(all="ignore"):
            got = [sd.evaluate(H, {"v": point}, simplify=True), sd.compile(H, inputs=[v])(point)]
            rows = sd.evaluate(H, {"v": point}, simplify=False).reshape(n, n)
        for h in got:
            assert h.shape == shape * 2
            h = h.reshape(n, n)
            np.testing.assert_array_equal(h[off], 0.0)
            np.testing.assert_array_equal(np.diag(h), np.diag(rows))


def test_jacobian_of_a_complex_output_by_a_real_variable_keeps_its_imaginary_part():
    # a real variable keeps only the real part of a complex cotangent; the Jacobian still holds
    # dy/dx whole, as jvp gives it, for a vector and for a scalar output
    b, z = sd.var("b", (2,)), sd.var("z", (2,), "complex128")
    y = b * (1 + 2j) + sd.sin(b) * 1j * z[0]
    vals = {"b": np.array([0.3, -0.7]), "z": np.array([0.3 + 1j, -0.7])}
    want = np.diag(1 + 2j + np.cos(vals["b"]) * 1j * vals["z"][0])
    jb, jz = sd.evaluate(sd.jacobian(y, [b, z]), vals)
    np.testing.assert_allclose(jb, want, rtol=1e-14)
    np.testing.assert_allclose(jz[:, 0], np.sin(vals["b"]) * 1j, rtol=1e-14)
    np.testing.assert_allclose(sd.evaluate(sd.jacobian(y[1], b), vals), want[1], rtol=1e-14)
    for k in range(2):
        t = np.eye(2)[k]
        np.testing.assert_allclose(sd.evaluate(sd.jvp(y, b, t), vals), want[:, k], rtol=1e-14)
    f = sd.var("f", (2,), "float32")
    jf = sd.jacobian(f * (1 + 1j), f)
    assert jf.dtype == np.complex64
    np.testing.assert_array_equal(sd.evaluate(jf, {"f": np.ones(2, np.float32)}), np.eye(2) * (1 + 1j))


def test_grad_of_a_complex_output_by_a_real_variable_is_refused_where_jacobian_gives_it_whole():
    # the gradient was d(Re y)/dx alone: grad(exp(1j x)) gave -sin(x), jacobian i exp(1j x)
    x = sd.var("x")
    y = sd.exp(1j * x)
    np.testing.assert_allclose(sd.evaluate(sd.jacobian(y, x), {"x": 0.5}), 1j * np.exp(0.5j),
                               rtol=1e-15)
    for differentiate, what in [(sd.grad, "grad"), (sd.hessian, "hessian"),
                                (lambda f, v: sd.hvp(f, v, 1.0), "hvp")]:
        with pytest.raises(sd.NotDifferentiableError,
                           match=rf"^{what} of a complex output \(complex128\) with respect to the "
                                 r"real 'x' \(float64\): the derivative is complex.*sd\.jacobian"):
            differentiate(y, x)
    # a real output of a complex variable, and a complex output of a complex one, keep theirs
    z = sd.var("z", dtype="complex128")
    vals = {"x": 0.5, "z": 1.0 + 2.0j}
    np.testing.assert_allclose(sd.evaluate(sd.grad(sd.exp(z) * x, z), vals), 0.5 * np.exp(1 + 2j),
                               rtol=1e-15)
    np.testing.assert_allclose(sd.evaluate(sd.grad(sd.abs(z) ** 2, z), vals), 2 * (1 - 2j),
                               rtol=1e-15)


def test_hessian_of_a_real_output_refuses_a_complex_variable_and_hvp_is_the_gradients_derivative():
    # the Hessian was the holomorphic Jacobian of the gradient, whose rows keep d(df/da) alone:
    # for |z|**2 it gave 2 * I, while the gradient 2 * conj(z) moves by 2 * conj(v) along v
    z = sd.var("z", (3,), "complex128")
    f = sd.sum(sd.abs(z) ** 2 + sd.abs(z) ** 3 * sd.real(z)) + sd.real(sd.sum(sd.exp(z)))
    x = sd.var("x", (2,))
    for wrt in (z, [x, z]):
        with pytest.raises(sd.NotDifferentiableError,
                           match=r"^hessian of a real output with respect to the complex 'z' "
                                 r"\(complex128\): .*not complex-linear.*sd\.hvp"):
            sd.hessian(f + sd.sum(x), wrt)
    rng = np.random.default_rng(7)
    z0, v0 = (rng.standard_normal(3) + 1j * rng.standard_normal(3) for _ in range(2))
    g = sd.grad(f, z)
    h = 1e-6
    moved = (sd.evaluate(g, {"z": z0 + h * v0}) - sd.evaluate(g, {"z": z0 - h * v0})) / (2 * h)
    hv = sd.hvp(f, z, v0)
    np.testing.assert_allclose(sd.evaluate(hv, {"z": z0}), moved, rtol=1e-6)
    np.testing.assert_array_equal(sd.compile(hv, inputs=[z])(z0), sd.evaluate(hv, {"z": z0}))
    # a holomorphic (complex) output keeps its Hessian, f''(z)
    s = sd.var("s", dtype="complex128")
    np.testing.assert_allclose(sd.evaluate(sd.hessian(s ** 3, s), {"s": 0.3 + 0.7j}), 6 * (0.3 + 0.7j),
                               rtol=1e-15)


def test_a_single_variables_vector_may_be_a_list_of_numbers_in_jvp_hvp_and_taylor():
    # for one variable a list of numbers is its vector, also [2.0] for a variable of shape (1,)
    b, x = sd.var("b", (2,)), sd.var("x", (1,))
    ones = {"b": np.ones(2), "x": np.ones(1)}
    np.testing.assert_array_equal(sd.evaluate(sd.hvp(sd.sum(b ** 3), b, [1.0, 2.0]), ones), [6.0, 12.0])
    np.testing.assert_array_equal(sd.evaluate(sd.hvp(sd.sum(x ** 3), x, [2.0]), ones), [12.0])
    np.testing.assert_array_equal(sd.evaluate(sd.jvp(x ** 3, x, [2.0]), ones), [6.0])
    np.testing.assert_array_equal(sd.evaluate(sd.jvp(x ** 3, x, [np.array([2.0])]), ones), [6.0])
    np.testing.assert_array_equal(sd.evaluate(sd.taylor(sd.sum(x ** 3), x, 1, direction=[2.0]), ones)[1], 6.0)
    with pytest.raises(ValueError, match="2 variables but 1 vectors"):
        sd.hvp(sd.sum(b) * x[0], [b, x], [1.0])


def test_a_single_outputs_cotangent_may_be_a_list_of_numbers_in_vjp_as_a_tangent_in_jvp():
    b, x = sd.var("b", (3,)), sd.var("x", (1,))
    vals = {"b": np.array([0.5, 1.0, 2.0]), "x": np.ones(1)}
    np.testing.assert_allclose(sd.evaluate(sd.vjp(sd.sin(b), b, [1.0, 2.0, 3.0]), vals),
                               np.array([1.0, 2.0, 3.0]) * np.cos(vals["b"]), rtol=1e-15)
    np.testing.assert_array_equal(sd.evaluate(sd.vjp(x ** 3, x, [2.0]), vals), [6.0])
    np.testing.assert_array_equal(sd.evaluate(sd.vjp([x ** 3], x, [np.array([2.0])]), vals), [6.0])
    with pytest.raises(ValueError, match="vjp: 2 outputs but 1 cotangents"):
        sd.vjp([b, x], b, [np.ones(3)])


def test_a_real_variable_refuses_a_complex_tangent_direction_or_vector():
    # a cast would keep the real part alone: jvp(sin(x), x, 1j) gave 0, not 1j * cos(x)
    x = sd.var("x", (2,))
    for build, noun in [(lambda: sd.jvp(sd.sin(x), x, np.array([1j, 1.0])), "jvp: the tangent"),
                        (lambda: sd.hvp(sd.sum(x ** 3), x, np.array([1j, 1.0])), "hvp: the vector"),
                        (lambda: sd.derivative(sd.sum(x ** 3), x, 2, direction=sd.const(
                            np.array([1j, 1.0]))), "derivative: the direction")]:
        with pytest.raises(sd.DTypeError, match=rf"^{noun} of 'x' is complex128, but 'x' is real "
                                                r"\(float64\); give a real"):
            build()
    # a complex variable takes real and complex tangents
    z = sd.var("z", (2,), dtype="complex128")
    zv = np.array([1 + 1j, 2 - 1j])
    np.testing.assert_allclose(sd.evaluate(sd.jvp(z * z, z, np.array([1.0, 1j])), {"z": zv}),
                               2 * zv * np.array([1.0, 1j]), rtol=1e-15)


def test_a_cotangent_takes_its_outputs_dtype_as_a_tangent_takes_its_variables():
    # a float64 cotangent of a float32 output made the whole pullback float64 (a float64
    # array in generated code) and a complex one was cut to its real part without a word
    v = sd.var("v", (3,), dtype="float32")
    y = sd.softmax(v)
    back = sd.vjp(y, v, np.array([1.0, -2.0, 0.5]))
    simplified = sd.simplify(back)
    floats = {n.dtype for n in sd.ir.toposort([simplified]) if n.dtype.kind == "f"}
    assert floats == {np.dtype("float32")}
    x = np.array([0.1, 0.7, -0.3], dtype=np.float32)
    s = np.exp(x) / np.exp(x).sum()
    c = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    got = sd.compile(back, inputs=[v])(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, s * (c - s @ c), rtol=1e-6)
    with pytest.raises(sd.DTypeError, match=r"^vjp: the cotangent of output 0 is complex128, but "
                                            r"output 0 is real \(float32\); give a real"):
        sd.vjp(y, v, np.array([1j, 1.0, 1.0]))
    # a complex output takes a real cotangent, an integer output any (its pullback is zero)
    z = sd.var("z", (2,), dtype="complex128")
    zv = np.array([1 + 1j, 2 - 1j])
    np.testing.assert_allclose(sd.evaluate(sd.vjp(z * z, z, np.ones(2)), {"z": zv}), 2 * zv,
                               rtol=1e-15)
    assert sd.vjp(sd.astype(v, "int64"), v, np.ones(3, dtype=np.int64)).dtype == np.float32


def test_a_vector_of_the_wrong_shape_names_its_variable():
    a, b = sd.var("a", (2,)), sd.var("b", (3,))
    f = sd.sum(sd.outer(a, b) ** 2)
    with pytest.raises(sd.ShapeError, match=r"^hvp: the vector of 'b' has shape \(2,\), but 'b' "
                                            r"has shape \(3,\)$"):
        sd.hvp(f, [a, b], [np.ones(2), np.ones(2)])
    with pytest.raises(sd.ShapeError, match=r"^jvp: the tangent of 'a' has shape \(3,\), but 'a' "
                                            r"has shape \(2,\)$"):
        sd.jvp(f, [a, b], [np.ones(3), np.ones(3)])
    with pytest.raises(sd.ShapeError, match=r"^taylor: the direction of 'b' has shape \(\), but "
                                            r"'b' has shape \(3,\)$"):
        sd.taylor(f, [a, b], 2, direction=[np.ones(2), sd.var("t")])


def test_no_variables_give_no_results():
    v = sd.var("v", (3,))
    assert sd.grad(sd.sum(v), []) == [] and sd.hessian(sd.sum(v), []) == []
    assert sd.hvp(sd.sum(v ** 3), [], []) == [] and sd.jacobian(sd.sin(v), []) == []


def test_hessian_blocks_evaluate_simplify_and_compile_as_they_nest():
    a = sd.var("a", shape=(2,))
    s = sd.var("s")
    f = sd.sum(a ** 2) * s ** 3 + sd.sum(sd.sin(a)) * s
    blocks = sd.hessian(f, [a, s])
    x = np.array([0.3, -1.2])
    sv = 0.7
    want = [[np.diag(2 * sv ** 3 - np.sin(x) * sv), 6 * x * sv ** 2 + np.cos(x)],
            [6 * x * sv ** 2 + np.cos(x), 6 * sv * np.sum(x ** 2)]]
    for simplify in (True, False):
        got = sd.evaluate(blocks, {"a": x, "s": sv}, simplify=simplify)
        assert isinstance(got, list) and all(isinstance(row, list) and len(row) == 2 for row in got)
        for gr, wr in zip(got, want):
            for g, w in zip(gr, wr):
                np.testing.assert_allclose(g, w, rtol=1e-12)
    small = sd.simplify(blocks)
    assert [[b.shape for b in row] for row in small] == [[(2, 2), (2,)], [(2,), ()]]
    assert sd.count_nodes(small) <= sd.count_nodes(blocks)
    fn = sd.compile({"f": f, "H": blocks}, inputs=[a, s], name="model")
    value, H = fn(x, sv)
    # the nest as given; the mixed blocks simplify to one node, returned twice as two arrays
    # (0-d ones as arrays: np.sum and arithmetic on its result give NumPy scalars)
    assert "return np.asarray(f), [[H_0_0, H_0_1], [np.array(H_0_1), np.asarray(H_1_1)]]" in fn.source
    assert type(value) is type(H[1][1]) is np.ndarray and value.shape == H[1][1].shape == ()
    assert H[0][1] is not H[1][0]
    np.testing.assert_allclose(value, np.sum(x ** 2) * sv ** 3 + np.sum(np.sin(x)) * sv)
    for gr, wr in zip(H, want):
        for g, w in zip(gr, wr):
            np.testing.assert_allclose(g, w, rtol=1e-12)
    tup = sd.compile((f, (s * 2,)), inputs=[a, s])
    assert tup(x, sv)[1] == (1.4,)


def test_nested_outputs_that_are_not_expressions_are_named_where_they_sit():
    x = sd.var("x")
    with pytest.raises(TypeError, match=r"count_nodes: item 1\[0\] is a str, not an expression"):
        sd.count_nodes([x, ["x"]])
    with pytest.raises(TypeError, match=r"compile: item 'g'\[1\] is a NoneType, not an expression"):
        sd.compile({"f": x, "g": [x, None]})
    loop: list = [x]
    loop.append(loop)
    with pytest.raises(ValueError, match=r"simplify: the outputs contain themselves at item 1"):
        sd.simplify(loop)
    with pytest.raises(TypeError, match=r"^compile: the keys of a dict inside the outputs must be "
                                        r"strings or integers"):
        sd.compile([x, {(1, 2): x}])
    with pytest.raises(TypeError, match=r"^codegen: the keys of a dict inside the outputs must be "):
        sd.codegen([x, {(1, 2): x}])
    assert sd.simplify((x * 1, [x + 0, {"k": 2.0}])) == (x, [x, {"k": sd.const(2.0)}])


def test_hessian_errors_name_hessian_and_say_what_to_use():
    # the errors came from the grad and jacobian that hessian calls: "jacobian needs an output
    # of static shape, got (n,)" for a scalar loss, whose output is not (n,) at all
    v = sd.var("v", ("n",))
    with pytest.raises(NotImplementedError, match=r"hessian needs variables of static shape, got 'v' of shape \(n,\); use sd.hvp"):
        sd.hessian(sd.sum(v ** 3), v)
    w = sd.var("w", (2,))
    with pytest.raises(sd.ShapeError, match=r"hessian needs a scalar output, got shape \(2,\); use sd.jacobian"):
        sd.hessian(w ** 2, w)
    # an hvp needs no static shape
    p = sd.var("p", ("n",))
    hvp = sd.hvp(sd.sum(v ** 3), v, p)
    assert sd.evaluate(hvp, {"v": np.array([1.0, 2.0]), "p": np.array([1.0, -1.0])}).tolist() == [6.0, -12.0]


@pytest.mark.parametrize("what", ["grad", "jacobian", "hessian", "hvp", "jvp", "vjp"])
def test_differentiating_by_a_constant_is_refused_naming_it(what):
    # constants are interned by value, so the derivative by sd.const(2.0) was the derivative by
    # every 2.0 in the graph at once: d(2x + 2)/d(2.0) came out x + 1
    x = sd.var("x", (3,))
    y = sd.sum(x * 2.0 + 2.0)
    calls = {
        "grad": lambda w: sd.grad(y, w), "jacobian": lambda w: sd.jacobian(x * 2.0, w),
        "hessian": lambda w: sd.hessian(y, w), "hvp": lambda w: sd.hvp(y, [x, w], [x, 1.0]),
        "jvp": lambda w: sd.jvp(y, w, np.ones(w.shape)), "vjp": lambda w: sd.vjp(y, [x, w], 1.0),
    }
    for w in (sd.const(2.0), sd.zeros(3), sd.eye(3)):
        with pytest.raises(TypeError, match=rf"{what}: cannot differentiate with respect to the "
                                            r"constant .*declare a variable \(sd.var\)"):
            calls[what](w)
    # a node that depends on a variable still may be differentiated by
    h = x * 2.0
    assert sd.evaluate(sd.grad(sd.sum(h ** 2), h), {"x": np.ones(3)}).tolist() == [4.0] * 3


def test_hvp_with_a_vector_that_depends_on_the_variable_is_still_the_hessian_times_it():
    # hvp differentiated <grad f, v> in x, so a v built from x (the gradient itself, for the
    # curvature along the steepest-descent direction) also contributed J_v^T grad f: H g came
    # out as 2 H g. The vector is held fixed, as jvp and vjp hold theirs.
    x = sd.var("x", (2,))
    f = sd.sum(x ** 3) + x[0] * x[1]
    g = sd.grad(f, x)
    x0 = np.array([1.0, 2.0])
    H, gv = sd.evaluate([sd.hessian(f, x), g], {"x": x0})
    np.testing.assert_allclose(sd.evaluate(sd.hvp(f, x, g), {"x": x0}), H @ gv, rtol=1e-14)
    np.testing.assert_allclose(sd.evaluate(sd.hvp(f, x, x * x), {"x": x0}), H @ (x0 * x0), rtol=1e-14)
    # several variables, each vector built from the other
    a, b = sd.var("a", (2,)), sd.var("b")
    f2 = sd.sum(sd.exp(a) * b ** 2)
    va, vb = sd.evaluate(sd.hvp(f2, [a, b], [a * b, sd.sum(a)]), {"a": x0, "b": 0.5})
    ea = np.exp(x0)
    Haa, Hab, Hbb = np.diag(ea * 0.25), 2 * 0.5 * ea, 2 * ea.sum()
    np.testing.assert_allclose(va, Haa @ (x0 * 0.5) + Hab * x0.sum(), rtol=1e-14)
    np.testing.assert_allclose(vb, Hab @ (x0 * 0.5) + Hbb * x0.sum(), rtol=1e-14)


_X = sympy.symbols("x0:4")
_W = [1.0, -2.0, 0.5, 3.0]


@pytest.mark.parametrize("point", [[0.0, 0.0, 2.0, 3.0], [0.0, 0.0, 0.0, 1.0], [2.0, 0.0, 3.0, 0.0],
                                   [0.0, 0.0, 0.0, 0.0], [1.5, -0.5, 2.0, 0.7]])
@pytest.mark.parametrize("name", ["prod", "cumprod"])
def test_prod_and_cumprod_third_derivatives_are_exact_with_several_zeros(name, point):
    # with k zeros, derivatives of order k + 1 were lost: the rule stood for the product of
    # the other zeros by a constant 0 from the third zero on (and past two at the first order)
    x = sd.var("x", shape=(4,))
    if name == "prod":
        f, fs = sd.prod(x), sympy.Mul(*_X)
    else:
        f = sd.sum(sd.cumprod(x) * np.array(_W))
        fs = sum(w * sympy.Mul(*_X[: k + 1]) for k, w in enumerate(_W))
    at = dict(zip(_X, point))
    want = [np.array([float(sympy.diff(fs, _X[i]).subs(at)) for i in range(4)]),
            np.array([[[float(sympy.diff(fs, _X[i], _X[j], _X[k]).subs(at)) for k in range(4)]
                       for j in range(4)] for i in range(4)])]
    grad = sd.grad(f, x)
    third = sd.stack([sd.hessian(grad[i], x) for i in range(4)])  # d3 f / dx_i dx_j dx_k
    for simplify in (False, True):
        got = sd.evaluate([grad, third], {"x": np.array(point)}, simplify=simplify)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-14, atol=0)


@pytest.mark.parametrize("t0", [0.0, 1.0, -2.0])
def test_prod_and_cumprod_of_a_packed_scalar_to_the_fourth_order(t0):
    # f(t) = prod([t, t, t - 1, 3]) has a double zero at t = 0 and a triple one in cumprod's
    # terms; Taylor mode and nested gradients against SymPy
    t, T = sd.var("t"), sympy.Symbol("t")
    packed = sd.stack([t, t, t - 1.0, sd.const(3.0)])
    cases = [(sd.prod(packed), T * T * (T - 1) * 3),
             (sd.sum(sd.cumprod(packed) * np.array(_W)),
              sum(w * sympy.Mul(*[T, T, T - 1, 3][: k + 1]) for k, w in enumerate(_W)))]
    for f, fs in cases:
        nested = f
        for order in range(1, 5):
            nested = sd.grad(nested, t)
            want = float(sympy.diff(fs, T, order).subs(T, t0))
            got = sd.evaluate([nested, sd.derivative(f, t, order)], {"t": t0})
            np.testing.assert_allclose(got, [want, want], rtol=1e-14, atol=0, err_msg=f"{order} {fs}")


@pytest.mark.parametrize("axis", [None, 1, (0, 1)])
def test_prod_over_several_axes_third_derivatives_at_zeros(axis):
    m = sd.var("m", shape=(2, 3))
    values = np.array([[0.0, 2.0, 0.0], [1.5, 0.0, -1.0]])
    syms = np.array(sympy.symbols("m0:6")).reshape(2, 3)
    f = sd.sum(sd.prod(m, axis=axis) * 0.5) if axis == 1 else sd.prod(m, axis=axis)
    fs = sum(sympy.Mul(*row) for row in syms) * 0.5 if axis == 1 else sympy.Mul(*syms.ravel())
    at = dict(zip(syms.ravel(), values.ravel()))
    flat = list(syms.ravel())
    grad = sd.reshape(sd.grad(f, m), (6,))
    third = sd.stack([sd.reshape(sd.hessian(grad[i], m), (6, 6)) for i in range(6)])
    want = np.array([[[float(sympy.diff(fs, a, b, c).subs(at)) for c in flat] for b in flat]
                     for a in flat])
    np.testing.assert_allclose(sd.evaluate(third, {"m": values}), want, rtol=1e-14, atol=0)


def test_reversed_cumprod_derivatives_are_exact_at_zeros():
    # the reversed scan had no derivative rule; it is the mirror of the forward one
    from symdiff.ops.scan import Cumprod

    x = sd.var("x", shape=(4,))
    f = sd.sum(sd.Node(Cumprod(0, True), (x,)) * np.array(_W))
    fs = sum(w * sympy.Mul(*_X[k:]) for k, w in enumerate(_W))
    point = [2.0, 0.0, 0.0, 3.0]
    at = dict(zip(_X, point))
    grad = sd.grad(f, x)
    third = sd.stack([sd.hessian(grad[i], x) for i in range(4)])
    want = np.array([[[float(sympy.diff(fs, _X[i], _X[j], _X[k]).subs(at)) for k in range(4)]
                      for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(sd.evaluate(third, {"x": np.array(point)}), want, rtol=1e-14, atol=0)


def test_hessian_of_pairwise_products_builds_no_cube_of_the_size():
    # each Hessian row summed a diagonal embedding of n x n x n elements along one of its
    # diagonal axes: work cubic in n for n**2 values
    n = 40
    v = sd.var("v", (n,))
    c = np.arange(n * n, dtype=float).reshape(n, n) % 7 - 3
    h = sd.simplify(sd.hessian(sd.sum(v[:, None] * v[None, :] * c), v))
    assert max(math.prod(m.shape) for m in sd.toposort(h)) <= n * n
    np.testing.assert_array_equal(sd.evaluate(h, {v: np.ones(n)}, simplify=False), c + c.T)
    for axis1, axis2, axis in [(0, 2, 0), (0, 2, 2), (2, 0, -1), (1, 3, 1), (1, 3, -1)]:
        shape = [5] * 4
        shape[axis1] = shape[axis2] = 4
        shape = tuple(shape[:3] if max(axis1, axis2) < 3 else shape)
        rest = [d for k, d in enumerate(shape) if k not in (axis1, axis2)]
        y = sd.var("y", (*rest, 4))
        e = sd.sum(sd.diagonal_embed(y, shape, 0, axis1, axis2), axis=axis, keepdims=axis == 2)
        s = sd.simplify(e)
        assert "diagonal_embed" not in sd.to_text(s)
        val = np.random.default_rng(axis1).normal(size=y.shape)
        np.testing.assert_array_equal(sd.evaluate(s, {y: val}, simplify=False),
                                      sd.evaluate(e, {y: val}, simplify=False))
