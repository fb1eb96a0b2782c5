"""Graph rewriting: rules written as patterns in the algebra, applied bottom-up over the DAG in one pass.

>>> from symdiff.rewrite import simplify
>>> simplify(x * 1 + 0)        # x
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from ..ir import Node
from ..ops.base import as_node, is_python_scalar
from .engine import rewrite, rewrite_once
from .pattern import Pat, Rule, RuleSet
from .rules import DEFAULT, merge_same_forms


def simplify(
    outputs: Node | Iterable[Node] | Mapping[str, Node],
    rules: RuleSet | None = None,
    *,
    mapping: dict[Node, Node] | None = None,
) -> Node | list[Node] | dict[str, Node]:
    """An equivalent, smaller graph: one expression in, one out; a list in, a list out (shared
    sub-expressions stay shared across the list); a dict of named outputs (as ``sd.compile``
    takes them) in, a dict with the same keys out. A dict given as ``mapping`` is filled with
    every node of the original graph -> the node it became.

    >>> x = sd.var("x"); sd.simplify(x * 1 + 0)   # x
    """
    if isinstance(outputs, Mapping):
        keys = list(outputs)
        values = simplify([outputs[k] for k in keys], rules, mapping=mapping)
        return dict(zip(keys, values))  # type: ignore[arg-type]
    single = (isinstance(outputs, (Node, np.ndarray, np.generic)) or is_python_scalar(outputs))
    if single:
        roots = [as_node(outputs)]
    else:
        try:
            roots = [as_node(o) for o in outputs]  # type: ignore[union-attr]
        except TypeError as e:
            raise TypeError(f"simplify: expects an expression, a list or a dict of expressions ({e})") from None
    out = rewrite(roots, DEFAULT if rules is None else rules, mapping=mapping)
    if rules is None:
        out = merge_same_forms(out, mapping)
    return out[0] if single else out


__all__ = ["DEFAULT", "Pat", "Rule", "RuleSet", "rewrite", "rewrite_once", "simplify"]
