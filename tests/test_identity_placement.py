"""Jacobians of linear maps by their matrix: the identity seeds of a batched reverse pass meet
outer products and matrix products, and simplification writes the result straight onto its
diagonal (diagonal_embed) with no k x k identity and no product by its zeros."""

import numpy as np
import pytest

import symdiff as sd

rng = np.random.default_rng(3)


def cases(m, n, p=4):
    W = sd.var("W", (m, n))
    x, u = sd.var("x", (n,)), sd.var("u", (m,))
    X, Y = sd.var("X", (n, p)), sd.var("Y", (p, m))
    b = sd.var("b", (m,))
    return {
        "W @ x by W": (W @ x, W),
        "u @ W by W": (u @ W, W),
        "W @ X by W": (W @ X, W),
        "Y @ W by W": (Y @ W, W),
        "sum(W * x, axis=1) by W": (sd.sum(W * x, axis=1), W),
        "W @ x + b by W": (W @ x + b, W),
        "W @ x + b by b": (W @ x + b, b),
    }


NAMES = list(cases(2, 3))


def variables(e):
    return [n for n in sd.toposort(e) if type(n.op).__name__ == "Var"]


def central_difference(f, wrt, values, h=1e-6):
    """d f / d wrt by central differences, shape f.shape + wrt.shape."""
    base = values[wrt.op.var_name]
    out = np.zeros(f.shape + wrt.shape)
    for idx in np.ndindex(*wrt.shape):
        step = np.zeros_like(base)
        step[idx] = h
        up = sd.evaluate(f, {**values, wrt.op.var_name: base + step}, simplify=False)
        down = sd.evaluate(f, {**values, wrt.op.var_name: base - step}, simplify=False)
        out[(...,) + idx] = (up - down) / (2 * h)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_jacobian_of_a_linear_map_is_placed_not_multiplied(name):
    f, wrt = cases(2, 3)[name]
    j = sd.jacobian(f, wrt)
    s = sd.simplify(j)
    values = {v.op.var_name: rng.normal(size=v.shape) for v in variables(f)}
    want = sd.evaluate(j, values, simplify=False)
    got = sd.evaluate(s, values, simplify=False)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(got, central_difference(f, wrt, values), rtol=1e-7, atol=1e-8)
    fn = sd.compile(j, inputs=variables(f))
    np.testing.assert_array_equal(fn(*(values[v.op.var_name] for v in variables(f))), want)
    ops = {n.op.name for n in sd.toposort(s)}
    if name.endswith("by b"):
        assert s is sd.simplify(sd.eye(2))  # the identity is the Jacobian itself
    else:
        assert ops & {"one_hot", "mul", "matmul", "sum"} == set(), str(s)
    # nothing the size of the output's identity, (output size)^2, but the Jacobian itself and
    # the broadcast views NumPy never fills
    big = f.type.static_size ** 2
    assert all(n is s or n.op.name == "broadcast_to" or n.type.static_size < big
               for n in sd.toposort(s)), str(s)
    assert sd.count_nodes(s) <= sd.count_nodes(j)


@pytest.mark.parametrize("name", NAMES)
def test_placed_jacobian_selects_where_the_product_would_make_nan(name):
    # the product with the identity's zeros turns inf into nan off the diagonal; the placed
    # Jacobian has zeros there and the inf itself on it (the one-hot rules' policy)
    f, wrt = cases(2, 3)[name]
    j = sd.jacobian(f, wrt)
    values = {v.op.var_name: rng.normal(size=v.shape) for v in variables(f)}
    for v in variables(f):
        if v is not wrt:
            values[v.op.var_name].reshape(-1)[0] = np.inf
    with np.errstate(invalid="ignore"):
        raw = sd.evaluate(j, values, simplify=False)
    got = sd.evaluate(sd.simplify(j), values, simplify=False)
    assert not np.isnan(got).any()
    finite = ~np.isnan(raw)
    np.testing.assert_array_equal(got[finite], raw[finite])
    if name.endswith("by W"):
        assert np.isnan(raw).any() and np.isinf(got).any()


def test_jacobian_forms():
    W, x = sd.var("W", (2, 3)), sd.var("x", (3,))
    assert str(sd.simplify(sd.jacobian(W @ x, W))) == (
        "diagonal_embed(broadcast_to(reshape(x, (3, 1)), (3, 2)), (2, 2, 3), offset=0, axis1=0, "
        "axis2=1)")
    X = sd.var("X", (3, 4))
    assert str(sd.simplify(sd.jacobian(W @ X, W))) == (
        "diagonal_embed(broadcast_to(reshape(X.T, (4, 3, 1)), (4, 3, 2)), (2, 4, 2, 3), offset=0, "
        "axis1=0, axis2=2)")


@pytest.mark.parametrize("make", [
    lambda: sd.eye(3)[:, :, None] * sd.var("v", (4,)),
    lambda: sd.var("v", (4, 1)) * sd.eye(3)[:, None, :],
    lambda: sd.reshape(sd.eye(3), (3, 1, 3, 1)) * sd.var("v", (2, 1, 5, 1, 1)),
    lambda: sd.reshape(sd.eye(3), (3, 1, 3)) * sd.var("v", (3, 2, 1)),  # varies along one axis
    lambda: sd.reshape(sd.eye(3, dtype="float32"), (1, 3, 3)) * sd.var("v", (4, 1, 3)),
])
def test_spread_identity_times_v_is_placed(make):
    e = make()
    s = sd.simplify(e)
    assert {n.op.name for n in sd.toposort(s)} & {"one_hot", "mul"} == set(), str(s)
    assert s.dtype == e.dtype and s.shape == e.shape
    v = next(n for n in sd.toposort(e) if type(n.op).__name__ == "Var")
    vv = rng.normal(size=v.shape)
    want = sd.evaluate(e, {"v": vv}, simplify=False)
    np.testing.assert_array_equal(sd.evaluate(s, {"v": vv}, simplify=False), want)
    np.testing.assert_array_equal(sd.compile(e, inputs=[v])(vv), want)


def test_hessian_seed_contracted_with_a_vector_is_placed():
    # d2/dW2 of sum((W @ x)**2): the seeds E_ij times x summed over j are delta_ik x_j
    W, x = sd.var("W", (2, 3)), sd.var("x", (3,))
    h = sd.hessian(sd.sum((W @ x) ** 2), W)
    s = sd.simplify(h)
    assert "one_hot" not in {n.op.name for n in sd.toposort(s)}, str(s)
    values = {"W": rng.normal(size=(2, 3)), "x": rng.normal(size=3)}
    want = 2 * np.einsum("ik,j,l->ijkl", np.eye(2), values["x"], values["x"])
    np.testing.assert_allclose(sd.evaluate(s, values, simplify=False), want, rtol=1e-14)
    np.testing.assert_allclose(sd.evaluate(h, values, simplify=False), want, rtol=1e-14)


@pytest.mark.parametrize("axes", [(1,), (2,), (1, 2), (1, 3), (2, 3), (1, 2, 3)])
def test_seeds_summed_over_all_axes_but_one(axes):
    seeds = sd.reshape(sd.eye(24), (24, 2, 3, 4))
    v = sd.var("v", (3, 4))
    e = sd.sum(seeds * v, axis=axes)
    s = sd.simplify(e)
    vv = rng.normal(size=(3, 4))
    np.testing.assert_array_equal(sd.evaluate(s, {"v": vv}, simplify=False),
                                  sd.evaluate(e, {"v": vv}, simplify=False))
    if len(axes) >= 2:
        assert "one_hot" not in {n.op.name for n in sd.toposort(s)}, str(s)


def test_identity_products_left_alone():
    # the identity times what varies along both its axes masks it (left to the sum rules), a
    # seed varying along the batch is not a placement, and named sizes are not rewritten
    B = sd.var("B", (2, 3, 3))
    across = sd.sum(sd.eye(3) * B, axis=0)
    assert sd.simplify(across) is across
    v = sd.var("v", (6, 1, 3))
    e = sd.sum(sd.reshape(sd.eye(6), (6, 2, 3)) * v, axis=2)
    s = sd.simplify(e)
    vv = rng.normal(size=(6, 1, 3))
    np.testing.assert_array_equal(sd.evaluate(s, {"v": vv}, simplify=False),
                                  sd.evaluate(e, {"v": vv}, simplify=False))
    x = sd.var("x", ("n",))
    e = sd.reshape(sd.eye("n"), ("n", "n", 1)) * x
    assert sd.simplify(e) is e or "diagonal_embed" not in str(sd.simplify(e))


def test_float32_stays_float32():
    W, x = sd.var("W", (2, 3), "float32"), sd.var("x", (3,), "float32")
    s = sd.simplify(sd.jacobian(W @ x, W))
    assert s.dtype == np.float32
    xv = rng.normal(size=3).astype("float32")
    got = sd.compile(s, inputs=[x])(xv)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.eye(2, dtype="float32")[:, :, None] * xv)


def test_generated_code_writes_into_the_placed_jacobian():
    # diagonal_embed returns a new array: generated code neither copies it on return nor
    # fears to reuse it in place, and still computes the evaluator's values
    W, x = sd.var("W", (3, 4)), sd.var("x", (4,))
    j = sd.jacobian(W @ x, W)
    e = sd.simplify(2.0 * j + 1.0)
    src = sd.codegen(e, inputs=[x])
    assert "diagonal_embed_kernel(" in src and "np.array(" not in src.split("def f(")[-1]
    xv = rng.normal(size=4)
    got = sd.compile(e, inputs=[x])(xv)
    np.testing.assert_array_equal(got, sd.evaluate(2.0 * j + 1.0, {"x": xv}, simplify=False))
    alone = sd.compile(j, inputs=[x])(xv)
    assert alone.flags.writeable and alone.flags.owndata


def test_random_placements_agree_with_the_dense_products():
    # identities spread over random axes times arrays constant along one of them, and batches
    # of unit matrices against vectors and matrices on either side: every placement against
    # the graph as written
    pick = np.random.default_rng(5)
    for _ in range(40):
        k = int(pick.integers(2, 5))
        nd = int(pick.integers(2, 5))
        a1, a2 = sorted(pick.choice(nd, 2, replace=False))
        shape = [1] * nd
        shape[a1] = shape[a2] = k
        eye = sd.reshape(sd.eye(k), tuple(shape))
        vshape = [int(pick.integers(1, 4)) if a not in (a1, a2) else 1 for a in range(nd)]
        vshape[(a1, a2)[int(pick.integers(0, 2))]] = int(pick.choice([1, k]))
        vshape = vshape[int(pick.integers(0, nd - 1)):]  # fewer axes broadcast too
        v = sd.var("v", tuple(vshape))
        e = eye * v if pick.integers(0, 2) else v * eye
        s = sd.simplify(e)
        assert "one_hot" not in str(s), (str(e), str(s))
        vv = pick.normal(size=v.shape)
        np.testing.assert_array_equal(sd.evaluate(s, {"v": vv}, simplify=False),
                                      sd.evaluate(e, {"v": vv}, simplify=False))
    for _ in range(40):
        r, c = int(pick.integers(1, 4)), int(pick.integers(1, 4))
        seeds = sd.reshape(sd.eye(r * c), (r * c, r, c))
        other = int(pick.integers(1, 4))
        if pick.integers(0, 2):
            b = sd.var("b", (c, other) if pick.integers(0, 2) else (c,))
            e = seeds @ b
        else:
            b = sd.var("b", (other, r) if pick.integers(0, 2) else (r,))
            e = b @ seeds
        s = sd.simplify(e)
        if r * c > 1:
            assert "one_hot" not in str(s), (str(e), str(s))
        bv = pick.normal(size=b.shape)
        np.testing.assert_array_equal(sd.evaluate(s, {"b": bv}, simplify=False),
                                      sd.evaluate(e, {"b": bv}, simplify=False))
        np.testing.assert_array_equal(sd.compile(e, inputs=[b])(bv),
                                      sd.evaluate(e, {"b": bv}, simplify=False))


def test_jacobian_of_a_linear_layer_by_both():
    W, x, b = sd.var("W", (3, 5)), sd.var("x", (5,)), sd.var("b", (3,))
    jW, jb = sd.simplify(sd.jacobian(W @ x + b, [W, b]))
    assert "one_hot" not in str(jW) and "mul" not in {n.op.name for n in sd.toposort(jW)}
    xv = rng.normal(size=5)
    np.testing.assert_array_equal(sd.evaluate(jW, {"x": xv}), np.eye(3)[:, :, None] * xv)
    np.testing.assert_array_equal(sd.evaluate(jb, {}), np.eye(3))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["jacobian of sqrt(M)", "hessian of sum(log(M))"])
def test_seeds_divided_by_an_elementwise_derivative_are_a_diagonal(name, dtype):
    # the batched seeds of a matrix input divided by what does not vary along the batch (the
    # derivative of sqrt is 0.5 / sqrt(M), of log's gradient -1 / M**2): the quotient's zeros
    # are the seed's structure, zeros where M is 0 (the dense quotient made them 0 / 0 = nan)
    M = sd.var("M", (2, 3), dtype)
    if name.startswith("jacobian"):
        e, f = sd.jacobian(sd.sqrt(M), M), lambda m: 0.5 / np.sqrt(m)
    else:
        e, f = sd.hessian(sd.sum(sd.log(M)), M), lambda m: -1 / m ** 2
    s = sd.simplify(e)
    assert "one_hot" not in {n.op.name for n in sd.toposort(s)}, str(s)
    assert s.dtype == e.dtype == np.dtype(dtype)
    mv = np.array([[0.0, 1.0, 4.0], [9.0, 0.25, 2.0]], dtype=dtype)
    with np.errstate(divide="ignore"):
        want = np.einsum("ik,jl,kl->ijkl", np.eye(2), np.eye(3), f(mv)).astype(dtype)
        want[np.einsum("ik,jl->ijkl", np.eye(2), np.eye(3)) == 0] = 0.0  # not inf * 0
        got = sd.evaluate(s, {"M": mv}, simplify=False)
        assert np.isnan(sd.evaluate(e, {"M": mv}, simplify=False)).any()
        np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == "float32" else 1e-15)
        assert got[0, 0, 0, 0] == (np.inf if name.startswith("jacobian") else -np.inf)
        assert not np.isnan(got).any()
        fn = sd.compile(e, inputs=[M])
        out = fn(mv)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, got)


@pytest.mark.parametrize("make", [
    lambda v: sd.eye(3)[:, :, None] / v,
    lambda v: sd.reshape(sd.eye(3), (3, 1, 3)) / sd.reshape(v[:2], (2, 1)),
    lambda v: sd.reshape(sd.eye(3), (1, 3, 3)) / sd.reshape(v[:3], (3, 1, 1)),
    lambda v: sd.reshape(sd.eye(3, dtype="float32"), (3, 3, 1)) / sd.astype(v, "float32"),
    lambda v: sd.reshape(sd.reshape(sd.eye(4), (4, 2, 2)), (4, 4)) / v[:4],
])
def test_seeds_divided_by_v_are_placed(make):
    v = sd.var("v", (4,))
    e = make(v)
    s = sd.simplify(e)
    names = {n.op.name for n in sd.toposort(s)}
    assert "one_hot" not in names, str(s)
    assert s.dtype == e.dtype and s.shape == e.shape
    vv = np.array([0.0, 2.0, -0.5, 4.0])
    seeds = sd.evaluate(next(n for n in sd.toposort(e) if n.op.name == "div").inputs[0], {})
    with np.errstate(divide="ignore", invalid="ignore"):
        dense = sd.evaluate(e, {"v": vv}, simplify=False)
        got = sd.evaluate(s, {"v": vv}, simplify=False)
        out = sd.compile(e, inputs=[v])(vv)
    want = np.where(np.broadcast_to(seeds, dense.shape) != 0, dense, 0)
    assert not np.isnan(got).any()
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(out, got)
    # a seed in the divisor, or divided by what varies along the batch, is not a placement
    left = sd.simplify(v[:3] / sd.eye(3)[:, :, None])
    assert "one_hot" in {n.op.name for n in sd.toposort(left)}
    B = sd.var("B", (4, 2, 2))
    assert "one_hot" in {n.op.name for n in sd.toposort(sd.simplify(sd.reshape(sd.eye(4), (4, 2, 2)) / B))}


@pytest.mark.parametrize("make", [
    lambda v: sd.sqrt(v)[:, None] * sd.ones((1, 2)),
    lambda v: sd.sqrt(v)[None, :] * sd.ones((2, 1)),
    lambda v: sd.broadcast_to(sd.sqrt(v)[:, None], (3, 2)),
    lambda v: sd.sqrt(sd.broadcast_to(v[:, None], (3, 2))),
])
def test_jacobian_of_a_broadcast_is_placed(make):
    # the seeds summed over the broadcast axis (index_add of a new axis is a reshape) and
    # divided by 2 sqrt(v): each row of the output depends on one element of v only
    v = sd.var("v", (3,))
    f = make(v)
    j = sd.jacobian(f, v)
    s = sd.simplify(j)
    assert "one_hot" not in {n.op.name for n in sd.toposort(s)}, str(s)
    assert all(n.type.static_size < 36 or n is s or n.op.name == "broadcast_to"
               for n in sd.toposort(s)), str(s)
    vv = np.array([0.0, 1.0, 4.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        got = sd.evaluate(s, {"v": vv}, simplify=False)
        assert np.isnan(sd.evaluate(j, {"v": vv}, simplify=False)).any()
        out = sd.compile(j, inputs=[v])(vv)
        d = 0.5 / np.sqrt(vv)
    spread = np.eye(3)[:, None, :] if f.shape == (3, 2) else np.eye(3)[None, :, :]
    want = np.where(spread != 0, np.broadcast_to(spread * 0 + d, j.shape), 0.0)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(out, got)
    vv = rng.uniform(0.5, 2.0, 3)
    np.testing.assert_allclose(sd.evaluate(s, {"v": vv}, simplify=False),
                               central_difference(f, v, {"v": vv}), rtol=1e-7, atol=1e-9)


def test_index_add_of_only_unit_axes_is_a_reshape():
    g = sd.var("g", (3, 1, 2))
    e = sd.index_add(g, (3, 2), np.s_[:, None, :])
    s = sd.simplify(e)
    assert s.op.name == "reshape", str(s)
    gv = rng.normal(size=(3, 1, 2))
    np.testing.assert_array_equal(sd.evaluate(s, {"g": gv}, simplify=False), gv.reshape(3, 2))
    np.testing.assert_array_equal(sd.compile(e, inputs=[g])(gv), gv.reshape(3, 2))
    # g broadcast into the index, or an index taking part of an axis, is no reshape
    for e in (sd.index_add(sd.var("g", (3, 1, 1)), (3, 2), np.s_[:, None, :]),
              sd.index_add(sd.var("g", (2, 1, 2)), (3, 2), np.s_[1:, None, :])):
        assert "index_add" in {n.op.name for n in sd.toposort(sd.simplify(e))}


@pytest.mark.parametrize("divide", [False, True])
@pytest.mark.parametrize("by_shape, reshaped", [
    ((2, 1), False), ((3,), False), ((3, 1, 1), False), ((1, 2, 1), False), ((3, 2, 3), False),
    ((3,), True), ((6, 1), True), ((1, 1), True)])
def test_diagonals_of_more_axes_scaled_take_each_its_part(by_shape, reshaped, divide):
    # diagonal_embed(d) over axes 0 and 2 of (3, 2, 3), seen as it is or reshaped to (6, 3),
    # times or divided by what varies along at most one of the diagonal's axes: the diagonal
    # scaled, no dense product (by what varies along both, or along a split axis: left alone)
    d = sd.var("d", (2, 3))
    m = sd.diagonal_embed(d, (3, 2, 3), 0, 0, 2)
    if reshaped:
        m = sd.reshape(m, (6, 3))
    by = sd.var("m", by_shape)
    e = m / by if divide else m * by
    s = sd.simplify(e)
    values = {"d": rng.normal(size=(2, 3)), "m": rng.uniform(0.5, 2.0, by_shape)}
    want = sd.evaluate(e, values, simplify=False)
    np.testing.assert_allclose(sd.evaluate(s, values, simplify=False), want, rtol=1e-15)
    np.testing.assert_allclose(sd.compile(e, inputs=[d, by])(*values.values()), want, rtol=1e-15)
    placed = s.op.name in ("diagonal_embed", "reshape") and {"mul", "div"} & {
        n.op.name for n in sd.toposort(s) if n.type.static_size >= 18} == set()
    dense = by_shape in ((3, 2, 3), (6, 1))  # along both diagonal axes; along the split one
    assert placed != dense, str(s)
    # a zero or inf divisor leaves zeros off the diagonal
    values["m"] = np.zeros(by_shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        got = sd.evaluate(s, values, simplify=False)
    if divide and not dense:
        assert not np.isnan(got).any()
