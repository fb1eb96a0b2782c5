"""Second derivatives at work: Newton's method on the Rosenbrock function with the symbolic
Hessian, and SciPy's trust-region Newton-CG with generated gradient and Hessian-vector
product, compared with BFGS (first derivatives only) by iterations. The function is written
once, in plain NumPy: given a symbolic vector it builds the graph, given an array its value.
Run: python examples/newton.py [--quick]
"""

import argparse
import sys

import numpy as np
from scipy.optimize import minimize, rosen

import symdiff as sd


def rosenbrock(v):
    """Plain NumPy: for arrays and for symdiff expressions alike."""
    return np.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller problem")
    args = parser.parse_args(argv)
    n = 10 if args.quick else 100

    v = sd.var("v", shape=(n,))
    p = sd.var("p", shape=(n,))
    f = rosenbrock(v)  # the graph of the NumPy function
    g = sd.grad(f, v)
    H = sd.hessian(f, v)
    Hp = sd.hvp(f, v, p)
    fun_and_grad = sd.compile([f, g], inputs=[v])
    hess = sd.compile(H, inputs=[v])
    hessp = sd.compile(Hp, inputs=[v, p])

    x = np.zeros(n)
    start = x.copy()
    probe = np.linspace(-1.0, 2.0, n)
    same = np.isclose(fun_and_grad(probe)[0], rosenbrock(probe), rtol=1e-14) and \
        np.isclose(rosenbrock(probe), rosen(probe), rtol=1e-14)
    print("the NumPy function, its graph and SciPy's rosen agree:", same)
    print(f"Rosenbrock in {n} dimensions, from the origin")
    steps = 0
    for steps in range(1, 200):
        fx, gx = fun_and_grad(x)
        if np.linalg.norm(gx) < 1e-10:
            break
        Hx, shift = hess(x), 0.0
        while True:  # Newton's step, shifted towards gradient descent where H is not positive definite
            try:
                np.linalg.cholesky(Hx + shift * np.eye(n))
                break
            except np.linalg.LinAlgError:
                shift = max(1e-3, 10 * shift)
        step = np.linalg.solve(Hx + shift * np.eye(n), -gx)
        t = 1.0
        while fun_and_grad(x + t * step)[0] > fx + 1e-4 * t * (gx @ step):
            t /= 2
        x = x + t * step
    newton_err = np.abs(x - 1).max()
    print(f"Newton (symbolic Hessian):  {steps:4d} iterations, max |x - 1| = {newton_err:.1e}")

    tncg = minimize(fun_and_grad, start, jac=True, hessp=hessp, method="trust-ncg", options={"gtol": 1e-8})
    bfgs = minimize(fun_and_grad, start, jac=True, method="BFGS", options={"gtol": 1e-8})
    print(f"trust-ncg (generated hessp): {tncg.nit:4d} iterations, max |x - 1| = {np.abs(tncg.x - 1).max():.1e}")
    print(f"BFGS (gradient only):        {bfgs.nit:4d} iterations, max |x - 1| = {np.abs(bfgs.x - 1).max():.1e}")
    ok = same and newton_err < 1e-6 and np.abs(tncg.x - 1).max() < 1e-5 and steps < bfgs.nit
    print("Newton with the symbolic Hessian needs fewer iterations than BFGS:", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
