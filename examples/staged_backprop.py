"""The lecture notes' staged backpropagation, done by symdiff.

f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x + y)**2) at x = 3, y = -4. The notes compute the
forward pass in eight stages and the backward pass by hand, accumulating with ``dx += ...``.
symdiff builds the same gradient as graph nodes, and its code generator writes it out as a
plain Python function. Run: python examples/staged_backprop.py
"""

import math
import sys

import symdiff as sd


def staged(x: float, y: float) -> tuple[float, float, float]:
    """The notes' hand-written forward and backward pass, stage by stage."""
    sigy = 1.0 / (1 + math.exp(-y))  # (1)
    num = x + sigy  # (2)
    sigx = 1.0 / (1 + math.exp(-x))  # (3)
    xpy = x + y  # (4)
    xpysqr = xpy**2  # (5)
    den = sigx + xpysqr  # (6)
    invden = 1.0 / den  # (7)
    f = num * invden  # (8)
    dnum = invden  # (8)
    dinvden = num  # (8)
    dden = (-1.0 / (den**2)) * dinvden  # (7)
    dsigx = (1) * dden  # (6)
    dxpysqr = (1) * dden  # (6)
    dxpy = (2 * xpy) * dxpysqr  # (5)
    dx = (1) * dxpy  # (4)
    dy = (1) * dxpy  # (4)
    dx += ((1 - sigx) * sigx) * dsigx  # (3)
    dx += (1) * dnum  # (2)
    dsigy = (1) * dnum  # (2)
    dy += ((1 - sigy) * sigy) * dsigy  # (1)
    return f, dx, dy


def main() -> int:
    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    dfdx, dfdy = sd.grad(f, [x, y])
    fn = sd.compile([f, dfdx, dfdy], inputs=[x, y], name="f_and_grad")

    ours = [float(v) for v in fn(3.0, -4.0)]
    theirs = staged(3.0, -4.0)
    print("             f                    df/dx                df/dy")
    print("symdiff   ", "  ".join(f"{v:.17g}" for v in ours))
    print("by hand   ", "  ".join(f"{v:.17g}" for v in theirs))
    worst = max(abs(a - b) / abs(b) for a, b in zip(ours, theirs))
    print(f"largest relative difference: {worst:.1e}")
    print()
    print("The generated function:")
    print(fn.source)
    ok = worst <= 4 * sys.float_info.epsilon
    print("agree to the last digit:" if ok else "DISAGREE:", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
