"""symdiff: symbol-to-symbol differentiation for NumPy-style math.

Expressions are graphs of interned nodes; derivatives are more nodes in the same graph, so they
can be differentiated again, evaluated, or printed.

>>> import symdiff as sd
>>> x, y = sd.symbols("x y")
>>> f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
>>> dfdx, dfdy = sd.grad(f, [x, y])
>>> sd.evaluate([f, dfdx, dfdy], {"x": 3.0, "y": -4.0})
"""

from . import ops as _ops
from .api import (
    codegen, compile, count_nodes, evaluate, grad, hessian, hvp, jacobian, jvp, simplify, to_text,
    toposort, vjp,
)
from .errors import (
    DTypeError, InputError, NotDifferentiableError, OutOfBoundsError, ParseError, ShapeError,
    SymdiffError,
)
from .interop.draw import Drawing, draw
from .interop.explain import Explanation, ZeroGradient, explain, why_zero
from .interop.graph import to_networkx
from .ir import Node, Type, live_node_count
from .ops import *  # noqa: F403 - the op library is the public function namespace
from .ops import FUNCTIONS, const, symbols, var

__version__ = "0.1.0"

__all__ = [
    "DTypeError", "Drawing", "Explanation", "FUNCTIONS", "ZeroGradient", "draw", "explain", "why_zero", "InputError", "Node", "NotDifferentiableError", "OutOfBoundsError",
    "ParseError", "ShapeError", "SymdiffError", "Type", "codegen", "compile", "const", "count_nodes", "evaluate", "grad",
    "hessian", "hvp", "jacobian", "jvp", "live_node_count", "simplify", "symbols", "to_networkx", "to_text",
    "toposort", "var", "vjp", *FUNCTIONS,
]
del _ops
