"""``python -m symdiff``: a short demonstration of a derivative graph and its values."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    import symdiff as sd

    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    dfdx, dfdy = sd.grad(f, [x, y])
    print("f(x, y)   =", f)
    print("df/dx     =", dfdx)
    values = sd.evaluate([f, dfdx, dfdy], {"x": 3.0, "y": -4.0})
    print("at x = 3, y = -4:  f = %.7f  df/dx = %.7f  df/dy = %.7f" % tuple(values))
    print("nodes: f alone %d, f with its gradient %d" % (sd.count_nodes(f), sd.count_nodes([f, dfdx, dfdy])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
