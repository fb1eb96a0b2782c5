"""symdiff: symbol-to-symbol differentiation for NumPy-style math.

Expressions are graphs of interned nodes; derivatives are more nodes in the same graph, so they
can be differentiated again, evaluated, or printed.

>>> import symdiff as sd
>>> x, y = sd.symbols("x y")
>>> f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
>>> dfdx, dfdy = sd.grad(f, [x, y])
>>> sd.evaluate([f, dfdx, dfdy], {"x": 3.0, "y": -4.0})
[array(1.54564488), array(2.0595698), array(1.59223275)]
"""

import numpy as np

from . import ops as _ops
from .api import (
    CompiledFunction, codegen, compile, count_nodes, derivative, evaluate, grad, hessian, hvp, jacobian, jvp,
    simplify, taylor, to_text, toposort, vjp,
)
from .errors import (
    DTypeError, IndexingError, InputError, NotDifferentiableError, OutOfBoundsError, ParseError, ShapeError,
    SymdiffError, UnknownVariableError, UnsupportedError,
)
from .interop.dot import to_dot
from .interop.draw import Drawing, draw
from .interop.explain import Explanation, ZeroGradient, explain, why_zero
from .interop.graph import to_networkx
from .interop.latex import latex
from .ir import Node, Type, live_node_count
from .ops import *  # noqa: F403 - the op library is the public function namespace
from .ops import FUNCTIONS, const, symbols, var
from .parse import parse, parse_outputs

# imported for its effect: it installs Node._repr_latex_, Jupyter's rendered math
from .interop import jupyter as _jupyter

del _jupyter

__version__ = "0.1.0"

# NumPy's constants, as NumPy has them: Python floats (and None for a new axis, x[:, newaxis])
pi, e, euler_gamma, inf, nan, newaxis = np.pi, np.e, np.euler_gamma, np.inf, np.nan, None

__all__ = [
    "CompiledFunction", "DTypeError", "Drawing", "Explanation", "FUNCTIONS", "InputError", "Node",
    "IndexingError", "NotDifferentiableError", "OutOfBoundsError", "ParseError", "ShapeError", "SymdiffError", "Type",
    "UnknownVariableError", "UnsupportedError", "ZeroGradient", "codegen", "compile", "const", "count_nodes", "derivative",
    "draw", "evaluate", "explain", "from_sympy", "grad", "hessian", "hvp", "jacobian", "jvp",
    "latex", "live_node_count", "parse", "parse_outputs", "simplify", "symbols", "taylor", "to_dot",
    "to_networkx", "to_sympy", "to_text", "why_zero",
    "toposort", "var", "vjp", "pi", "e", "euler_gamma", "inf", "nan", "newaxis", *(name for name in FUNCTIONS if name.isidentifier()),
]
del _ops, np

# SymPy takes about half a second to import: load the bridge when it is first used
_LAZY = {"to_sympy": "symdiff.interop.sympy", "from_sympy": "symdiff.interop.sympy"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'symdiff' has no attribute {name!r}")
