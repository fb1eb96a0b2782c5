"""The fixpoint driver: apply a rule set over a DAG until nothing changes.

One round is one loop over ``toposort`` of the current outputs: each node is rebuilt from its
rewritten inputs (interning makes an unchanged node come back as itself, and keeps every
rebuilt sub-expression shared), then the rules are tried on it until none applies. Rounds
repeat until the outputs come back unchanged (a fixpoint) or a round limit is reached. Nodes
that no output reaches any more are simply not visited again: dead-node removal is free.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ir import Node, toposort
from ..ops.elementwise import astype
from ..ops.shape import broadcast_to
from .pattern import RuleSet

MAX_ROUNDS = 12
MAX_LOCAL = 8  # rewrites of one node within a round before moving on (later rounds continue)


class Context:
    """What rules may read about the round in progress (rules get it by naming ``ctx``).

    ``uses[n]``: how many times ``n`` is an input in the graph being rewritten, plus one if it
    is an output; ``new[n]``: the rewritten form of an already visited node ``n``; ``old``: the
    node of that graph the current node was rebuilt from (None once a rule has replaced it, as
    the replacement is not part of that graph); ``sole[n]``: its one consumer, if it has
    exactly one (None if several or none).
    """

    __slots__ = ("uses", "new", "old", "sole")

    def __init__(self) -> None:
        self.uses: dict[Node, int] = {}
        self.new: dict[Node, Node] = {}
        self.old: Node | None = None
        self.sole: dict[Node, Node | None] = {}


def restore_type(replacement: Node, node: Node) -> Node:
    """``replacement`` with ``node``'s dtype and shape (rules may return a smaller broadcastable
    value, or one NumPy would type differently)."""
    if replacement.dtype != node.dtype:
        replacement = astype(replacement, node.dtype)
    if replacement.shape != node.shape:
        replacement = broadcast_to(replacement, node.shape)
    return replacement


def rewrite_once(roots: Sequence[Node], rules: RuleSet) -> list[Node]:
    """One round: every node reachable from ``roots`` rebuilt bottom-up with ``rules`` applied."""
    order = toposort(roots)
    ctx = Context()
    uses = ctx.uses
    sole = ctx.sole
    for n in order:
        for i in n.inputs:
            if i in uses:
                uses[i] += 1
                if sole[i] is not n:
                    sole[i] = None
            else:
                uses[i] = 1
                sole[i] = n
    for r in roots:
        uses[r] = uses.get(r, 0) + 1
        sole[r] = None
    new = ctx.new
    for node in order:
        ins = node.inputs
        n = node
        if ins:
            mapped = tuple([new[i] for i in ins])
            for a, b in zip(mapped, ins):
                if a is not b:
                    n = Node(node.op, mapped)
                    break
        ctx.old = node
        for _ in range(MAX_LOCAL):
            r = rules.apply(n, ctx)
            if r is None:
                break
            n = restore_type(r, n)
            ctx.old = None
        new[node] = n
    return [new[r] for r in roots]


def rewrite(roots: Sequence[Node], rules: RuleSet, max_rounds: int = MAX_ROUNDS) -> list[Node]:
    """``roots`` rewritten with ``rules`` to a fixpoint (or ``max_rounds`` rounds).

    >>> rewrite([x * 1 + 0], RuleSet([...]))
    """
    current = list(roots)
    for _ in range(max_rounds):
        nxt = rewrite_once(current, rules)
        if all(a is b for a, b in zip(nxt, current)):
            break
        current = nxt
    return current
