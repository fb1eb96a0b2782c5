"""Graph rewriting: rules written as patterns in the algebra, applied bottom-up over the DAG in one pass.

>>> from symdiff.rewrite import simplify
>>> simplify(x * 1 + 0)        # x
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..ir import Node
from ..ops.base import as_node, is_python_scalar
from .engine import rewrite, rewrite_once
from .pattern import Pat, Rule, RuleSet
from .rules import DEFAULT, merge_same_forms


def simplify(
    outputs: Node | Iterable[Node],
    rules: RuleSet | None = None,
    *,
    mapping: dict[Node, Node] | None = None,
) -> Node | list[Node]:
    """An equivalent, smaller graph: one expression in, one out; a list in, a list out (shared
    sub-expressions stay shared across the list). A dict given as ``mapping`` is filled with
    every node of the original graph -> the node it became.

    >>> x = sd.var("x"); sd.simplify(x * 1 + 0)   # x
    """
    single = isinstance(outputs, Node) or is_python_scalar(outputs) or isinstance(outputs, np.ndarray)
    if single:
        roots = [as_node(outputs)]
    else:
        try:
            roots = [as_node(o) for o in outputs]  # type: ignore[union-attr]
        except TypeError as e:
            raise TypeError(f"simplify: expects an expression or a list of expressions ({e})") from None
    out = rewrite(roots, DEFAULT if rules is None else rules, mapping=mapping)
    if rules is None:
        out = merge_same_forms(out, mapping)
    return out[0] if single else out


__all__ = ["DEFAULT", "Pat", "Rule", "RuleSet", "rewrite", "rewrite_once", "simplify"]
