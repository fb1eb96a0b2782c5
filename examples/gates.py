"""Gates of the lecture notes and the hacker's guide: how each one passes the gradient on.

The add gate distributes the upstream gradient to all its inputs, the mul gate switches (each
input gets the upstream gradient times the other input), the max gate routes it to the larger
input, and ReLU passes it only where its input is positive. ``sd.explain`` shows each as
upstream × local = downstream. Run: python examples/gates.py
"""

import sys

import numpy as np

import symdiff as sd


def show(title: str, expr: sd.Node, values: dict[str, float], expect: dict[str, float]) -> bool:
    print(f"== {title}")
    print(sd.explain(expr, values=values))
    names = sorted(expect)
    grads = sd.evaluate(sd.grad(expr, names), values)
    ok = all(np.isclose(g, expect[n]) for n, g in zip(names, grads))
    print("gradients:", {n: float(g) for n, g in zip(names, grads)}, "as expected" if ok else "WRONG")
    print()
    return ok


def main() -> int:
    x, y, z = sd.symbols("x y z")
    w = sd.var("w")
    results = [
        # the notes' example: (x + y) * max(z, w) upstream of a scale by 2
        show("add gate distributes", x + y, {"x": 3.0, "y": -4.0}, {"x": 1.0, "y": 1.0}),
        show("mul gate switches", x * y, {"x": -2.0, "y": 3.0}, {"x": 3.0, "y": -2.0}),
        show("max gate routes", sd.maximum(z, w), {"z": 2.0, "w": -1.0}, {"z": 1.0, "w": 0.0}),
        show("relu passes where positive", sd.relu(x) + sd.relu(y), {"x": 2.0, "y": -1.0}, {"x": 1.0, "y": 0.0}),
        show(
            "the notes' circuit 2 * (x*y + max(z, w))",
            2 * (x * y + sd.maximum(z, w)),
            {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0},
            {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0},
        ),
    ]
    print("why is d/dw zero?", sd.why_zero(2 * (x * y + sd.maximum(z, w)), w, values={"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0}))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
