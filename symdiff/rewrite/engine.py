"""The driver: one bottom-up pass that brings every node of a DAG to normal form.

Nodes are visited in topological order, so a node's inputs are already in normal form when it
is reached. It is rebuilt from them (interning returns the very same node when nothing below
it changed, and keeps every rebuilt sub-expression shared), then the rules for its op are tried
on it. When a rule offers a replacement, the replacement's own new nodes are brought to normal
form the same way (bottom-up, on an explicit stack) and the replacement's normal form becomes
the node's. Every result is remembered per node, so each node is rewritten once and the whole
pass costs time proportional to the graph plus what the rules build: there are no repeated
sweeps over the whole graph. Nodes that no output reaches any more are never visited: dead-node
removal is free.

A pass can build sums and products that term collection, which reads how the graph uses each
node, could only see as they were before: ``rewrite`` repeats the pass until one changes
nothing (``MAX_ROUNDS`` at most), so simplifying a result again finds nothing to do. A later
pass offers term collection only the nodes whose surroundings changed, and rebuilds the rest.

Across calls: a rewrite that ends at a fixpoint notes on every node of its result how it saw
it (its rules, how often the node was used and by which sole consumer). A later rewrite with
the same rules treats such nodes as a later pass treats what an earlier one settled: it offers
them only to the graph-reading rules, and only where their surroundings changed. Simplifying
a simplified graph again, or a graph that grew from one (its derivative appended to it), costs
a look at each settled node and real work only for the new ones.

Termination: a chain of replacements (a node, its replacement, that one's replacement, ...) is
at most ``MAX_LOCAL`` long, and the pass applies at most ``REWRITES_PER_NODE`` rules per node
of the input graph in total; past either budget nodes are only rebuilt, never rewritten, so a
pair of rules that undo each other cannot loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..ir import Node, gc_paused, set_settled, toposort
from ..ops.base import const
from ..ops.elementwise import Add, Div, Mul, Neg, Pow, Sub, astype
from ..ops.shape import broadcast_to
from .pattern import Rule, RuleSet

MAX_LOCAL = 8  # replacements chained from one node before its last one is taken as final
REWRITES_PER_NODE = 8  # replacements in a pass, per node of the graph it started from
MAX_ROUNDS = 6  # passes at most: later ones, for term collection across what earlier ones built
MAX_MERGES = 4  # times ``merge`` may change the graph before the passes stop


class Context:
    """What rules may read about the graph being rewritten (rules get it by naming ``ctx``).

    ``uses[n]``: how many times ``n`` is an input in the graph being rewritten, plus one if it
    is an output; ``new[n]``: the normal form of an already visited node ``n``; ``old``: the
    node of that graph the current node was rebuilt from (None when the current node is a
    rule's replacement, as that is not part of the graph); ``sole[n]``: its one consumer, if it
    has exactly one (None if several or none); ``origin``: when the current node is (part of) a
    replacement that a rule not reading the graph built, the graph node it replaces (or, inside
    what a graph-reading rule built, the node of that which the rule replaced), else None (what
    graph-reading rules build is in normal form already).
    """

    __slots__ = ("uses", "new", "old", "sole", "origin", "rank", "kept", "decided", "again", "cut",
                 "unfinished", "part", "as_left")

    def __init__(self) -> None:
        self.uses: dict[Node, int] = {}
        self.new: dict[Node, Node] = {}
        self.old: Node | None = None
        self.sole: dict[Node, Node | None] = {}
        self.origin: Node | None = None
        # rank[n]: a node's position in the pass's topological order (for the normal form of
        # a node built from it, the least such position): rules order commutative operands by
        # it, so the same product is built the same way wherever it occurs
        self.rank: dict[Node, int] = {}
        # kept[n]: the graph node that normal form ``n`` was rebuilt from when no rule changed
        # it, or None when a graph-reading rule built it
        self.kept: dict[Node, Node | None] = {}
        # decided[n]: for a normal form ``n`` that a graph-reading rule built in place of graph
        # nodes, how often the graph used those nodes: the surroundings the rule read (a
        # collection that merged two of its consumers sees it used less often next pass)
        self.decided: dict[Node, int] = {}
        # again: set by a graph-reading rule that read part of the node only as it was in the
        # graph (a sum that another rule has made a multiple, 2 * t, read as one factor), or
        # that declined as it could not count the uses of an input the graph does not hold yet:
        # the node's normal form, whatever rule builds it, is offered to those rules next pass
        self.again = False
        # cut: whether a budget or the cycle guard stopped a node's rewriting short in the pass
        # (its result then need not be a fixpoint); unfinished: the normal forms so stopped,
        # which the next pass offers every rule again (a rule whose replacement settled back
        # to the node itself kept the rules after it from their turn)
        self.cut = False
        self.unfinished: set[Node] = set()
        # part: whether one earlier rewrite with the same rules settled every node of the pass
        # (the graph is part of its result, so merging finds nothing in it); as_left: and in
        # the same surroundings, so the pass had nothing to do
        self.part = False
        self.as_left = False


def restore_type(replacement: Any, node: Node, rule: Rule) -> Node:
    """``replacement`` with ``node``'s dtype and shape (rules may return a smaller broadcastable
    value, or one NumPy would type differently, or a number: ``lambda node, a: 0.0``)."""
    if not isinstance(replacement, Node):
        if not isinstance(replacement, (bool, int, float, complex, np.number, np.ndarray)):
            raise TypeError(
                f"rule {rule.name} returned {type(replacement).__name__} {replacement!r} for "
                f"{node.op.name}: a rule returns an expression such as sd.zeros_like(node), a "
                f"number such as 0.0, or None to decline"
            )
        replacement = const(replacement)
    if replacement.type != node.type:
        if replacement.dtype != node.dtype:
            replacement = astype(replacement, node.dtype)
        if replacement.shape != node.shape:
            replacement = broadcast_to(replacement, node.shape)
    return replacement


def _count_uses(order: Sequence[Node], roots: Sequence[Node], ctx: Context) -> None:
    uses = ctx.uses
    sole = ctx.sole
    ctx.rank = dict(zip(order, range(len(order))))
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


def rewrite_once(roots: Sequence[Node], rules: RuleSet, graph_rules: RuleSet | None = None
                 ) -> list[Node]:
    """One pass: every node reachable from ``roots`` brought to normal form under ``rules``.

    ``graph_rules``, when given, are the rules tried on the nodes of the graph itself (the
    replacements rules build always get all of ``rules``): a later pass over a graph already
    in normal form offers its nodes only the rules that read the graph around them.
    """
    return _rewrite_pass(roots, rules, graph_rules)[0]


_REGION = (Add, Sub, Neg, Mul, Div, Pow)  # the ops a sum-of-products region is made of
_UNSEEN = object()  # what ``kept`` holds for a node the pass before did not leave as it was


def _sees_new_region(n: Node, old: Node, kept: dict[Node, Node | None]) -> bool:
    """Whether sum or product ``n``, rebuilt from graph node ``old``, has an input that a rule
    made a sum or product (w * (w + w) -> w * (2 * w)): the pass that rebuilt it read that
    input as it was in the graph, a whole term. (An input only rebuilt on the normal forms of
    its own inputs, ``kept``, is the term it was.)"""
    if not isinstance(n.op, _REGION):
        return False
    for i, j in zip(n.inputs, old.inputs):  # (a loop, not any(): this runs for most nodes)
        if i is not j and isinstance(i.op, _REGION) and kept.get(i) is not j:
            return True
    return False


def _changed(order: Sequence[Node], ctx: Context, before: Context) -> set[Node]:
    """The nodes of ``order`` whose view of the graph changed since the pass ``before``, which
    the graph-reading rules must see again: those that a rule not reading the graph built
    (rather than a graph node of that pass, rebuilt on its inputs' normal forms and left as
    it was), those used a different number of times now or by another sole consumer (whose
    region of sums and products may have held them), the consumers of these (which may read
    how often their inputs are used), and the sums and products whose region of sums and
    products reaches one of them. Every other node these rules decided already, in the same
    surroundings."""
    uses, old_uses, kept, decided = ctx.uses, before.uses, before.kept, before.decided
    sole, old_sole = ctx.sole, before.sole
    dirty: set[Node] = set()
    # nodes used more often than before: two that merging made one (the terms a*t and b*u of
    # a sum, t and u now one node, are like terms), whose consumers all look again
    gained: set[Node] = set()
    for n in order:
        old = kept.get(n, _UNSEEN)
        if old is None:  # built by a graph-reading rule: decided in these surroundings...
            then = decided.get(n)
            if then is not None and uses.get(n) != then:  # ...unless they changed since
                dirty.add(n)
                if uses.get(n, 0) > then:
                    gained.add(n)
            continue
        if old is _UNSEEN or uses.get(n) != old_uses.get(old):
            dirty.add(n)
            if old is not _UNSEEN and uses.get(n, 0) > old_uses.get(old, 0):
                gained.add(n)
            continue
        # used by another sole consumer, or by one where it had several (or the other way)
        now, then = sole.get(n), old_sole.get(old)
        if (now is None) != (then is None) or (now is not None and kept.get(now, now) is not then) \
                or (old is not n and _sees_new_region(n, old, kept)):
            dirty.add(n)
    changed: set[Node] = set()
    for n in order:
        if n in dirty:
            changed.add(n)
            continue
        region = isinstance(n.op, _REGION)
        for i in n.inputs:
            # a sum or product reads only the region ops below it, and of any other term
            # which node it is: that is the same node the pass ``before`` showed it; it reads
            # below a region op that other nodes use too only when that is a negation (a
            # term of a deep chain's sum of products is used by the next one, so the chain
            # above a change is not all seen again)
            if (i in changed and isinstance(i.op, _REGION)
                    and (sole.get(i) is n or isinstance(i.op, Neg) or i in gained)) if region \
                    else i in dirty:
                changed.add(n)
                break
    return changed


class _Record:
    """One rewrite's way of working (its rules and merge), noted on the nodes it settled."""

    __slots__ = ("rules", "merge")

    def __init__(self, rules: RuleSet, merge: Any) -> None:
        self.rules = rules
        self.merge = merge


_ELSEWHERE = object()  # a sole consumer that is no longer this graph's


def _note_settled(ctx: Context, record: _Record) -> None:
    """Note on each node of the pass ``ctx`` (a fixpoint) how that pass saw it: ``record``, its
    use count and the id of its sole consumer (0 if none). Ids, not nodes: a node keeps no
    reference to its consumers (nodes form no cycles). A consumer's id is trusted later only
    on a node that this same record settled, which was alive with it, so it cannot be an id
    reused by another node."""
    uses, sole = ctx.uses, ctx.sole
    for n in ctx.rank:
        c = sole.get(n)
        set_settled(n, (record, uses.get(n, 0), 0 if c is None else id(c)))


def _settled_before(order: Sequence[Node], ctx: Context, record: _Record
                    ) -> tuple[Context | None, bool]:
    """What earlier rewrites with ``record``'s rules and merge settled among ``order``, as the
    context of a pass that left those nodes as they are (None if there are none): the
    surroundings they had then, for ``_changed`` to compare with ``ctx``'s. Leaves alone (a
    variable every simplify sees) are not worth it: then the pass is an ordinary first one.
    Also whether one earlier rewrite settled every node (the graph is part of its result)."""
    rules, merge = record.rules, record.merge
    before = Context()
    kept, uses, sole, now = before.kept, before.uses, before.sole, ctx.sole
    inner = False
    records = set()
    for n in order:
        mark = n._settled
        if mark is None:
            continue
        then, count, consumer = mark
        if then.rules is not rules or then.merge is not merge:
            continue
        kept[n] = n
        uses[n] = count
        inner = inner or bool(n.inputs)
        records.add(then)
        if consumer == 0:
            sole[n] = None
        else:
            c = now.get(n)
            same = c is not None and id(c) == consumer and c._settled is not None \
                and c._settled[0] is then
            sole[n] = c if same else _ELSEWHERE
    if not inner:
        return None, False
    return before, len(records) == 1 and len(kept) == len(order)


def _rewrite_pass(roots: Sequence[Node], rules: RuleSet, graph_rules: RuleSet | None,
                  before: Context | None = None, record: _Record | None = None
                  ) -> tuple[list[Node], Context]:
    order = toposort(roots)
    ctx = Context()
    _count_uses(order, roots, ctx)
    fresh: set[Node] | frozenset[Node] = frozenset()  # graph nodes new to every rule
    whole = False
    if before is None and record is not None:
        # a first pass over nodes that earlier rewrites settled treats them as a later pass
        # treats what an earlier one did; the rest are new to every rule
        before, whole = _settled_before(order, ctx, record)
        if before is not None:
            graph_rules = rules.contextual()
            fresh = {n for n in order if n not in before.kept}
    elif before is not None and before.unfinished:
        fresh = before.unfinished
    # a later pass offers the graph-reading rules only what changed around them
    changed = _changed(order, ctx, before) if before is not None else None
    ctx.part = whole
    if whole and not changed:
        ctx.as_left = True
        return list(roots), ctx
    memo = ctx.new
    kept = ctx.kept
    budget = REWRITES_PER_NODE * len(order) + 64
    find = rules.find
    find_graph = find if graph_rules is None else graph_rules.find
    # The explicit stack holds frames (node, old, hops, waiting, origin): ``node`` to bring to
    # normal form; ``old`` the graph node it stands for (or None); ``hops`` how many
    # replacements led to it; ``waiting`` the replacement it resolves to once that is settled,
    # or None; ``origin`` as ``Context.origin``.
    stack: list[tuple[Node, Node | None, int, Node | None, Node | None]] = []
    active: set[Node] = set()  # nodes whose replacement is being settled (a rule cycle guard)
    for top in order:
        if top in memo:
            # Already reached as part of an earlier replacement; it is in normal form, but only
            # rules that read the graph (ctx.old) did not see it: give them their turn.
            if memo[top] is not top or not top.inputs:
                continue
        elif changed is not None and top not in changed:
            # a graph node that no rule needs to see again, on inputs no rule changed: it is
            # its own normal form (what the frame below would find, without the frame)
            for i in top.inputs:
                if memo[i] is not i:
                    break
            else:
                memo[top] = kept[top] = top
                continue
        stack.append((top, top, 0, None, None))
        while stack:
            node, old, hops, waiting, origin = stack.pop()
            if waiting is not None:
                settled = memo[waiting]
                memo[node] = settled
                active.discard(node)
                if old is not None and old is not node:  # the rebuilt form, kept in ``old``
                    active.discard(old)
                    memo.setdefault(old, settled)
                continue
            if old is None and node in memo:
                continue
            ins = node.inputs
            n = node
            if ins:
                two = len(ins) == 2  # the common case spelled out: this runs for every node
                try:
                    if two:
                        a, b = ins
                        ma, mb = memo[a], memo[b]
                    else:
                        mapped = tuple([memo[i] for i in ins])
                except KeyError:  # a replacement's new inputs: settle them first
                    stack.append((node, old, hops, None, origin))
                    stack.extend((i, None, hops, None, origin) for i in ins if i not in memo)
                    continue
                if two:
                    if ma is not a or mb is not b:
                        n = Node(node.op, (ma, mb))
                else:
                    for a, b in zip(mapped, ins):
                        if a is not b:
                            n = Node(node.op, mapped)
                            break
            if n is not node and n in memo:
                memo[node] = memo[n]
                continue
            if n is node and changed is not None and old is not None and node not in changed:
                memo[node] = kept[node] = node
                continue
            if hops >= MAX_LOCAL or budget <= 0 or n in active:
                ctx.cut = True
                ctx.unfinished.add(n)
                memo[node] = n
                if n is not node:
                    memo[n] = n
                continue
            ctx.old = old
            ctx.origin = origin
            ctx.again = False
            # a graph node rebuilt on changed inputs is new to every rule
            found = (find(n, ctx) if old is None or n is not node or node in fresh
                     else find_graph(n, ctx))
            if found is None:
                memo[node] = n
                if n is not node:
                    memo[n] = n
                if old is not None:
                    kept[n] = old
                elif origin is None and n is node and not ctx.again:
                    # built by a graph-reading rule: in normal form for them (unless another
                    # rule changed one of its inputs: (v**3)**2 * v**2 collected, then v**6,
                    # or one of them declined for what it could not read of the graph yet:
                    # how often a node that rule built is used, which the next pass counts)
                    kept[n] = None
                continue
            budget -= 1
            r = restore_type(found[0], n, found[1])
            if r in memo:
                memo[node] = memo[r]
                if n is not node and n not in memo:
                    memo[n] = memo[r]
                continue
            active.add(node)
            active.add(n)
            # While the replacement settles, the finished frame needs only the rebuilt form.
            stack.append((node, n, hops, r, origin))
            # what a settled rule builds from a graph node needs no second look from the
            # graph-reading rules; from another rule's replacement, it keeps that one's origin,
            # unless that was a graph-reading rule's (origin None) and this rule does not
            # settle: it builds what the graph-reading rule never read (collection's
            # 2.0 * (0.9 * t), rebuilt through a reshape), so the next pass offers it to them
            settles = found[1].settled and not ctx.again
            stack.append((r, None, hops + 1, None,
                          (None if settles else old) if old is not None
                          else origin if origin is not None or settles else node))
    decided, uses = ctx.decided, ctx.uses
    for g in order:
        f = memo[g]
        if f is not g and kept.get(f, g) is None:
            decided[f] = decided.get(f, 0) + uses[g]
    return [memo[r] for r in roots], ctx


@gc_paused
def rewrite(
    roots: Sequence[Node],
    rules: RuleSet,
    max_rounds: int = MAX_ROUNDS,
    mapping: dict[Node, Node] | None = None,
    merge: Callable[[list[Node], dict[Node, Node] | None, dict[Node, Node]], list[Node]] | None = None,
) -> list[Node]:
    """``roots`` rewritten with ``rules`` to normal form (``max_rounds`` passes at most, stopping
    early when a pass changes nothing). ``mapping``, when given, is filled with every node of the
    graph of ``roots`` -> its normal form. ``merge``, when given, is applied to each normal form
    (with ``mapping``, which it keeps up to date); where it changed the graph, passes go on from
    there, ``MAX_MERGES`` times at most, offering the rules only what it changed and what is
    around that.

    >>> from symdiff.rewrite import Pat, Rule, RuleSet, rewrite
    >>> x = Pat.var("x")
    >>> rules = RuleSet([Rule(x * 1, lambda x: x), Rule(x + 0, lambda x: x)])
    >>> y = sd.var("y")
    >>> rewrite([y * 1 + 0], rules)
    [y]
    """
    current = list(roots)
    graph_rules: RuleSet | None = None
    before: Context | None = None
    first = True
    rounds = merges = 0
    record = _Record(rules, merge)
    while True:
        nxt, ctx = _rewrite_pass(current, rules, graph_rules, before, record)
        if ctx.as_left:  # simplified already, by the same rules: nothing to do
            if mapping is not None:
                mapping.update((n, n) for n in ctx.rank)
            return nxt
        if mapping is not None:
            if first:
                mapping.update(ctx.new)
            else:  # compose: a node of the first graph -> its form after this pass
                later = ctx.new
                for old, mid in mapping.items():
                    mapping[old] = later.get(mid, mid)
        first = False
        rounds += 1
        settled = all(a is b for a, b in zip(nxt, current))  # simplifying again changes nothing
        fixpoint = settled and not ctx.cut  # every node of nxt was offered its rules, in vain
        if fixpoint and ctx.part:  # part of one result, used otherwise: as it was
            _note_settled(ctx, record)
            return nxt
        # the nodes a pass stopped short (ctx.unfinished) have their turn at every rule next
        stopped_short = settled and ctx.cut
        if (settled and not stopped_short) or rounds >= max_rounds:
            if merge is None:
                if fixpoint:
                    _note_settled(ctx, record)
                return nxt
            rebuilt: dict[Node, Node] = {}
            merged = merge(nxt, mapping, rebuilt)
            unmerged = all(a is b for a, b in zip(merged, nxt))
            if merges >= MAX_MERGES or unmerged:
                if fixpoint and unmerged:
                    _note_settled(ctx, record)
                return merged
            kept = ctx.kept
            for m, n in rebuilt.items():  # the same expression over merged inputs
                # unless two of its inputs became one: x + x, x - x and x * x are new to rules
                if n in kept and len({id(i) for i in m.inputs}) == len({id(i) for i in n.inputs}):
                    kept[m] = kept[n]
            # what merged is new to every rule (a product held twice is a term that collects:
            # y*x + x*y is 2*(y*x) once the two products are one node); the rest is settled
            merges += 1
            rounds = 0
            current, graph_rules, before = merged, None, ctx
            continue
        current = nxt
        # Every node is now in normal form for the rules that look only at it and below; what
        # a later pass can still find is for the rules that read how the graph uses a node
        # (term collection), whose view changed as sums merged their terms.
        graph_rules = rules.contextual()
        before = ctx
