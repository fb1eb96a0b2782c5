"""The Deep Learning book's figure 6.10: z = f(f(f(w))) and its symbol-to-symbol derivative.

Back-propagation does not compute numbers here: it appends nodes describing dz/dw to the same
graph, dz/dw = f'(y) f'(x) f'(w) with x = f(w), y = f(x). Because the result is a graph, running
back-propagation on it again gives d²z/dw². Both are checked against SymPy.
Run: python examples/deep_chain.py [--plot]   (--plot saves the graphs as SVG)
"""

import argparse
import sys

import sympy

import symdiff as sd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", action="store_true", help="save deep_chain_dz.svg and deep_chain_d2z.svg")
    parser.add_argument("--quick", action="store_true", help="accepted for uniformity; this example is fast")
    args = parser.parse_args(argv)

    f = sd.sin
    w = sd.var("w")
    x = f(w)
    y = f(x)
    z = f(y)
    dz = sd.grad(z, w)  # new nodes: cos(y) * cos(x) * cos(w), sharing x and y with z
    d2z = sd.grad(dz, w)  # back-propagation applied to the derivative graph itself
    print("z       =", z)
    print("dz/dw   =", sd.simplify(dz))
    print("d2z/dw2 =", sd.simplify(d2z))
    print(f"nodes: z {sd.count_nodes(z)}, z with dz/dw {sd.count_nodes([z, dz])}, "
          f"with d2z/dw2 too {sd.count_nodes([z, dz, d2z])}")

    ws = sympy.Symbol("w")
    zs = sympy.sin(sympy.sin(sympy.sin(ws)))
    point = 0.7
    ours = sd.evaluate([z, dz, d2z], {"w": point})
    theirs = [float(e.subs(ws, point)) for e in (zs, sympy.diff(zs, ws), sympy.diff(zs, ws, 2))]
    ok = True
    for name, a, b in zip(["z", "dz/dw", "d2z/dw2"], ours, theirs):
        good = abs(float(a) - b) <= 1e-13 * max(1.0, abs(b))
        ok &= good
        print(f"{name:8s} symdiff {float(a):+.15f}   SymPy {b:+.15f}   {'ok' if good else 'MISMATCH'}")
    if args.plot:
        sd.draw([z, dz]).save("deep_chain_dz.svg")
        sd.draw([z, dz, d2z]).save("deep_chain_d2z.svg")
        print("saved deep_chain_dz.svg and deep_chain_d2z.svg")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
