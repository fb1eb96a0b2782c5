"""Rich Jupyter display of expressions: rendered math for small graphs, a one-line summary for
big ones (never a wall of text)."""

from __future__ import annotations

from ..ir import Node, toposort
from .latex import latex

LATEX_NODE_LIMIT = 80


def _repr_latex_(self: Node) -> str | None:
    count = 0
    for _ in toposort(self):
        count += 1
        if count > LATEX_NODE_LIMIT:
            return None  # Jupyter falls back to the short text repr
    return f"$\\displaystyle {latex(self)}$"


Node._repr_latex_ = _repr_latex_  # type: ignore[attr-defined]
