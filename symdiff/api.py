"""The user-facing entry points, composed from the layers below, and the Node methods that
need them (``expr.eval``, ``str(expr)``)."""

from __future__ import annotations

from typing import Any

from .autodiff import grad, hessian, hvp, jacobian, jvp, vjp
from .backends.evaluate import evaluate
from .ir import Node, count_nodes, toposort
from .printing import short_repr, to_text


def _eval_method(self: Node, **values: Any) -> Any:
    """This expression's value for the variables given by name: ``f.eval(x=3.0, y=-4.0)``."""
    return evaluate(self, values)


Node.eval = _eval_method  # type: ignore[method-assign]
Node.__str__ = lambda self: to_text(self)  # type: ignore[method-assign]
Node.__repr__ = lambda self: short_repr(self)  # type: ignore[method-assign]

__all__ = [
    "count_nodes", "evaluate", "grad", "hessian", "hvp", "jacobian", "jvp", "to_text",
    "toposort", "vjp",
]
