"""Graph rewriting: rules written as patterns in the algebra, applied bottom-up over the DAG.

>>> from symdiff.rewrite import simplify
>>> x = sd.var("x")
>>> simplify(x * 1 + 0)
x
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..ir import Node, flatten_outputs, unflatten_outputs
from ..ops.base import as_node, is_python_scalar
from .engine import rewrite, rewrite_once
from .pattern import Pat, Rule, RuleSet
from .rules import DEFAULT, merge_same_forms


def simplify(
    outputs: Node | Iterable[Node],
    rules: Rule | RuleSet | Sequence[Rule | RuleSet] | None = None,
    *,
    mapping: dict[Node, Node] | None = None,
) -> Node | list[Node]:
    """An equivalent, smaller graph: one expression in, one out; a list in, a list out (shared
    sub-expressions stay shared across the list; lists, tuples and dicts may nest, as
    ``hessian``'s blocks do, and come back nested the same way). A dict given as ``mapping`` is filled with
    every node of the original graph -> the node it became. ``rules`` replaces the default
    rules: a ``RuleSet``, one ``Rule`` or a list of them (``DEFAULT + rule`` adds to them).

    The result's nodes remember that these rules settled them: simplifying it again (as
    ``evaluate`` and ``compile`` do by default) returns it at once, and a graph grown from it
    (a derivative appended) offers the rules only its new nodes and those now used otherwise.

    >>> x = sd.var("x")
    >>> sd.simplify(x * 1 + 0)
    x
    >>> sd.simplify([sd.log(sd.exp(x)), 2 * x + 3 * x])
    [x, 5.0 * x]
    """
    rule_set = DEFAULT if rules is None else RuleSet.of(rules, "simplify")
    roots, spec = _roots(outputs)
    single = spec is None
    # sums and products that hold the same terms become one node (merge_same_forms), and the
    # rules see what that changed: simplifying the result again finds nothing to do
    out = rewrite(roots, rule_set, mapping=mapping,
                  merge=merge_same_forms if rules is None else None)
    return out[0] if single else unflatten_outputs(spec, out)


def output_nodes(outputs: Node | Iterable[Node]) -> list[Node]:
    """The nodes ``simplify`` takes for outputs (one, or the items of nested lists, tuples and
    dicts, numbers as constants)."""
    return _roots(outputs)[0]


def _roots(outputs: Node | Iterable[Node]) -> tuple[list[Node], object | None]:
    """The output nodes, and how to nest results like ``outputs`` (None for one output)."""
    if isinstance(outputs, Node) or _as_output(outputs) is not None:
        return [as_node(outputs)], None
    return flatten_outputs(outputs, "simplify", _as_output)


def _as_output(item: object) -> Node | None:
    """A number or an array as a constant expression, else None."""
    if is_python_scalar(item) or isinstance(item, (np.ndarray, np.generic)):
        return as_node(item)
    return None


__all__ = ["DEFAULT", "Pat", "Rule", "RuleSet", "output_nodes", "rewrite", "rewrite_once", "simplify"]
