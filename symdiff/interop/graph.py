"""The graph as a networkx DiGraph, for analysis and drawing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..ir import Node, as_roots, format_shape, toposort

if TYPE_CHECKING:
    import networkx as nx


def to_networkx(outputs: Node | Iterable[Node]) -> nx.DiGraph:
    """The DAG reachable from ``outputs``: node ids are positions in topological order, with
    ``op``, ``label``, ``shape``, ``dtype`` and ``output`` attributes; edges carry the input
    ``positions`` they fill.

    >>> x, y = sd.symbols("x y")
    >>> g = sd.to_networkx(x * y); g.nodes[2]["op"]
    'mul'
    >>> list(g.edges(data="positions"))
    [(0, 2, [0]), (1, 2, [1])]
    """
    import networkx as nx  # imported here: it costs a third of a second at start-up

    roots = as_roots(outputs, "to_networkx")
    order = toposort(roots)
    ids = {n: k for k, n in enumerate(order)}
    out_set = set(roots)
    g = nx.DiGraph()
    for n in order:
        g.add_node(
            ids[n],
            op=n.op.name,
            label=n.op.text(["·"] * len(n.inputs)) if not n.inputs else n.op.name,
            shape=format_shape(n.shape),
            dtype=n.dtype.name,
            output=n in out_set,
        )
        for pos, i in enumerate(n.inputs):
            if g.has_edge(ids[i], ids[n]):
                g.edges[ids[i], ids[n]]["positions"].append(pos)
            else:
                g.add_edge(ids[i], ids[n], positions=[pos])
    return g
