import numpy as np

import symdiff as sd


def test_seed_function_gradient_at_3_minus_4():
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    dfdx, dfdy = sd.grad(f, [x, y])
    fv, gx, gy = sd.evaluate([f, dfdx, dfdy], {"x": 3.0, "y": -4.0})
    assert np.isclose(fv, 1.5456448841066441, rtol=1e-13)
    assert np.isclose(gx, 2.059569795572165, rtol=1e-13)  # SymPy: 2.05956979557216491...
    assert np.isclose(gy, 1.5922327514838093, rtol=1e-13)
