"""The seed example f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x + y)**2) at (3, -4), staged
as in the backpropagation lecture notes: every forward intermediate and every backward gate
computed by hand with ``math``, then compared with symdiff's nodes for the same stages."""

from __future__ import annotations

import math

import pytest

import symdiff as sd

X0, Y0 = 3.0, -4.0


def staged_by_hand() -> dict[str, float]:
    x, y = X0, Y0
    s: dict[str, float] = {}
    # forward pass
    s["sigy"] = 1.0 / (1 + math.exp(-y))
    s["num"] = x + s["sigy"]
    s["sigx"] = 1.0 / (1 + math.exp(-x))
    s["xpy"] = x + y
    s["xpysqr"] = s["xpy"] ** 2
    s["den"] = s["sigx"] + s["xpysqr"]
    s["invden"] = 1.0 / s["den"]
    s["f"] = s["num"] * s["invden"]
    # backward pass, gate by gate
    s["dnum"] = s["invden"]
    s["dinvden"] = s["num"]
    s["dden"] = (-1.0 / s["den"] ** 2) * s["dinvden"]
    s["dsigx"] = 1 * s["dden"]
    s["dxpysqr"] = 1 * s["dden"]
    s["dxpy"] = (2 * s["xpy"]) * s["dxpysqr"]
    dx = 1 * s["dxpy"]
    dy = 1 * s["dxpy"]
    dx += ((1 - s["sigx"]) * s["sigx"]) * s["dsigx"]
    dx += 1 * s["dnum"]
    s["dsigy"] = 1 * s["dnum"]
    dy += ((1 - s["sigy"]) * s["sigy"]) * s["dsigy"]
    s["dx"], s["dy"] = dx, dy
    return s


HAND = staged_by_hand()


def test_hand_values_are_the_seed_numbers():
    # reference digits from SymPy at 20 significant figures
    assert HAND["f"] == pytest.approx(1.5456448841066441, rel=1e-14)
    assert HAND["dx"] == pytest.approx(2.059569795572165, rel=1e-14)
    assert HAND["dy"] == pytest.approx(1.5922327514838093, rel=1e-14)


@pytest.fixture(scope="module")
def stages():
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    # the same stages written out separately are the very nodes inside f (interning)
    st = {"x": x, "y": y, "sigy": sd.sigmoid(y)}
    st["num"] = x + st["sigy"]
    st["sigx"] = sd.sigmoid(x)
    st["xpy"] = x + y
    st["xpysqr"] = st["xpy"] ** 2
    st["den"] = st["sigx"] + st["xpysqr"]
    st["invden"] = 1.0 / st["den"]
    st["f"] = f
    assert f.inputs[0] is st["num"] and f.inputs[1] is st["den"]
    assert st["den"].inputs[0] is st["sigx"] and st["den"].inputs[1] is st["xpysqr"]
    return st


@pytest.mark.parametrize("name", ["sigy", "num", "sigx", "xpy", "xpysqr", "den", "invden", "f"])
def test_forward_stage(stages, name):
    assert sd.evaluate(stages[name], {"x": X0, "y": Y0}) == pytest.approx(HAND[name], rel=1e-14)


@pytest.mark.parametrize("stage, gate", [("num", "dnum"), ("den", "dden"), ("sigx", "dsigx"),
                                         ("xpysqr", "dxpysqr"), ("xpy", "dxpy"), ("sigy", "dsigy"),
                                         ("x", "dx"), ("y", "dy")])
def test_backward_gate(stages, stage, gate):
    # the gradient of f with respect to an intermediate node is that gate's upstream value
    g = sd.grad(stages["f"], stages[stage])
    assert sd.evaluate(g, {"x": X0, "y": Y0}) == pytest.approx(HAND[gate], rel=1e-13)


def test_dinvden_through_the_staged_product(stages):
    # the notes multiply num by invden; that form has the same gradient and a dinvden gate
    f2 = stages["num"] * stages["invden"]
    dinvden, dx, dy = sd.grad(f2, [stages["invden"], stages["x"], stages["y"]])
    values = sd.evaluate([f2, dinvden, dx, dy], {"x": X0, "y": Y0})
    assert values == pytest.approx([HAND["f"], HAND["dinvden"], HAND["dx"], HAND["dy"]], rel=1e-13)


def test_gradient_of_the_gradient_against_differences(stages):
    x, y, f = stages["x"], stages["y"], stages["f"]
    dfdx, dfdy = sd.grad(f, [x, y])
    d2fdxdy = sd.grad(dfdx, y)
    d2fdydx = sd.grad(dfdy, x)
    h = 1e-5
    fd = (sd.evaluate(dfdx, {"x": X0, "y": Y0 + h}) - sd.evaluate(dfdx, {"x": X0, "y": Y0 - h})) / (2 * h)
    a, b = sd.evaluate([d2fdxdy, d2fdydx], {"x": X0, "y": Y0})
    assert a == pytest.approx(b, rel=1e-12)
    assert a == pytest.approx(fd, rel=1e-7)
