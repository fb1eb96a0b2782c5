"""The user-facing entry points, composed from the layers below, and the Node methods that
need them (``expr.eval``, ``str(expr)``)."""

from __future__ import annotations

from typing import Any

from .autodiff import grad, hessian, hvp, jacobian, jvp, vjp
from collections.abc import Mapping, Sequence

from .backends.evaluate import evaluate as _evaluate
from .ir import Node, count_nodes, toposort
from .printing import short_repr, to_text
from .rewrite import simplify


def evaluate(
    outputs: Node | Sequence[Node], inputs: Mapping[Any, Any] | None = None, simplify: bool = True
) -> Any:
    """Values of ``outputs`` for ``inputs`` (keyed by variable or by name), after rewriting the
    graph (pass ``simplify=False`` to run it exactly as built): one node gives one array, a list
    gives a list.

    >>> x, y = sd.symbols("x y"); sd.evaluate(x * y, {"x": 3.0, "y": -4.0})
    """
    if simplify:
        if isinstance(outputs, Node):
            outputs = _simplify_for_run(outputs)
        elif isinstance(outputs, (list, tuple)) and all(isinstance(o, Node) for o in outputs):
            outputs = _simplify_for_run(list(outputs))
    return _evaluate(outputs, inputs)


_simplify_for_run = simplify


def _eval_method(self: Node, **values: Any) -> Any:
    """This expression's value for the variables given by name: ``f.eval(x=3.0, y=-4.0)``."""
    return evaluate(self, values)


Node.eval = _eval_method  # type: ignore[method-assign]
Node.__str__ = lambda self: to_text(self)  # type: ignore[method-assign]
Node.__repr__ = lambda self: short_repr(self)  # type: ignore[method-assign]

__all__ = [
    "count_nodes", "evaluate", "grad", "hessian", "hvp", "jacobian", "jvp", "simplify", "to_text",
    "toposort", "vjp",
]
