"""The hacker's guide's real-valued circuits, each checked against its hand-written local
gradients (the guide derives them one gate at a time). Run: python examples/circuits.py
"""

import math
import sys

import numpy as np

import symdiff as sd


def check(title: str, expr: sd.Node, values: dict[str, float], by_hand: dict[str, float]) -> bool:
    names = list(by_hand)
    value, *grads = sd.evaluate([expr, *sd.grad(expr, names)], values)
    ok = all(np.isclose(g, by_hand[n], rtol=1e-12, atol=1e-15) for n, g in zip(names, grads))
    shown = ", ".join(f"d/d{n} = {float(g):+.6f}" for n, g in zip(names, grads))
    print(f"{title:32s} value {float(value):+.6f}   {shown}   {'ok' if ok else 'MISMATCH'}")
    return ok


def main() -> int:
    a, b, c, d, x, y = sd.symbols("a b c d x y")
    results = []

    # f = x * y: each input's gradient is the other input
    results.append(check("x * y", x * y, {"x": -2.0, "y": 3.0}, {"x": 3.0, "y": -2.0}))

    # x = a*b + c
    v = {"a": 2.0, "b": -3.0, "c": 5.0}
    results.append(check("a*b + c", a * b + c, v, {"a": v["b"], "b": v["a"], "c": 1.0}))

    # ((a*b + c) * d) ** 2: chain rule through the square, the mul and the add
    v = {"a": 1.0, "b": 2.0, "c": -1.0, "d": 3.0}
    q = v["a"] * v["b"] + v["c"]
    e = q * v["d"]
    de = 2 * e
    results.append(check("((a*b + c) * d)**2", ((a * b + c) * d) ** 2, v,
                         {"a": de * v["d"] * v["b"], "b": de * v["d"] * v["a"], "c": de * v["d"], "d": de * q}))

    # (a + b) / (c + d): the 1/x gate has local gradient -1/x**2
    v = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}
    s, t = v["a"] + v["b"], v["c"] + v["d"]
    results.append(check("(a + b) / (c + d)", (a + b) / (c + d), v,
                         {"a": 1 / t, "b": 1 / t, "c": -s / t**2, "d": -s / t**2}))

    # a * a: both branches of the mul gate add up, 2a
    results.append(check("a * a", a * a, {"a": 3.0}, {"a": 6.0}))

    # the neuron sig(a*x + b*y + c) of the guide, at its own numbers
    v = {"a": 1.0, "b": 2.0, "c": -3.0, "x": -1.0, "y": 3.0}
    z = v["a"] * v["x"] + v["b"] * v["y"] + v["c"]
    s = 1 / (1 + math.exp(-z))
    ds = s * (1 - s)
    results.append(check("sig(a*x + b*y + c)", sd.sigmoid(a * x + b * y + c), v,
                         {"a": v["x"] * ds, "b": v["y"] * ds, "c": ds, "x": v["a"] * ds, "y": v["b"] * ds}))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
