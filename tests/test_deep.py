"""A chain 100,000 nodes deep through every pass: no RecursionError, values right, memory
released. The reference values come from the same recurrence run in plain Python."""

from __future__ import annotations

import gc
import math
import sys

import networkx as nx
import numpy as np
import pytest

import symdiff as sd

DEPTH = 100_000
W = 0.9


def _sin_chain(w: sd.Node, depth: int) -> sd.Node:
    z = w
    for _ in range(depth):
        z = sd.sin(z)
    return z


def _reference(w: float, depth: int) -> tuple[float, float, float]:
    """z, dz/dw and d2z/dw2 of the chain, by forward-mode recurrence."""
    z, d1, d2 = w, 1.0, 0.0
    for _ in range(depth):
        s, c = math.sin(z), math.cos(z)
        z, d1, d2 = s, c * d1, -s * d1 * d1 + c * d2
    return z, d1, d2


@pytest.fixture(scope="module")
def state():
    """The chain and its gradient, built once; the last test deletes them and checks release."""
    assert sys.getrecursionlimit() <= 10_000  # the passes must not rely on a raised limit
    gc.collect()
    before = sd.live_node_count()
    w = sd.var("w")
    z = _sin_chain(w, DEPTH)
    return {"before": before, "chain": (w, z, sd.grad(z, w))}


@pytest.fixture
def chain(state):
    if "chain" not in state:
        pytest.skip("the chain was released by an earlier test")
    return state["chain"]


def test_toposort_and_count(chain):
    w, z, g = chain
    order = sd.toposort(z)
    assert len(order) == DEPTH + 1 and sd.count_nodes(z) == DEPTH + 1
    assert order[0] is w and order[-1] is z
    assert all(order[k].inputs[0] is order[k - 1] for k in (1, DEPTH // 2, DEPTH))
    # the gradient is appended to the same graph: it reuses every forward node, adding two per step
    total = sd.count_nodes([z, g])
    assert DEPTH + 1 < total <= 3 * (DEPTH + 1)


def test_gradient_and_evaluate(chain):
    w, z, g = chain
    zv, gv = sd.evaluate([z, g], {"w": W})
    z_ref, d1_ref, _ = _reference(W, DEPTH)
    np.testing.assert_allclose(zv, z_ref, rtol=1e-12)
    np.testing.assert_allclose(gv, d1_ref, rtol=1e-9)


def test_second_derivative_of_shorter_chain():
    depth = 10_000
    w = sd.var("w")
    z = _sin_chain(w, depth)
    d1 = sd.grad(z, w)
    d2 = sd.grad(d1, w)
    values = sd.evaluate([z, d1, d2], {"w": W})
    np.testing.assert_allclose(values, _reference(W, depth), rtol=1e-9)


def test_to_text(chain):
    _, z, _ = chain
    text = sd.to_text(z)
    assert text.count("sin(") == DEPTH
    assert repr(z).startswith("<symdiff expression sin")


def test_pickle(chain):
    import pickle

    w, z, _ = chain
    assert pickle.loads(pickle.dumps(z)) is z  # saved flat: pickle never recurses through it


def test_to_networkx(chain):
    w, z, _ = chain
    graph = sd.to_networkx(z)
    assert graph.number_of_nodes() == DEPTH + 1 and graph.number_of_edges() == DEPTH
    assert nx.is_directed_acyclic_graph(graph)
    assert graph.nodes[0]["op"] == "var" and graph.nodes[DEPTH]["op"] == "sin"


def test_explain_draw_and_dot(chain):
    w, z, _ = chain
    _, d1_ref, _ = _reference(W, DEPTH)
    rows = sd.explain(z, values={"w": W}).rows
    assert len(rows) == DEPTH + 1 and rows[-1]["node"] == "w"
    assert float(rows[-1]["upstream"]) == pytest.approx(d1_ref, rel=1e-3)  # shown to 4 digits
    with pytest.warns(UserWarning, match="drawing the 150 nearest"):
        drawing = sd.draw(z, values={"w": W}, gradients=True)
    assert drawing.svg.count("<text") > 150
    assert sd.to_dot(z).count(" -> ") == DEPTH + 1  # the edges and the output's


def test_release_after_delete(state):
    """Runs last: once nothing references the chain, its 300,000 nodes are released."""
    assert sd.live_node_count() >= state["before"] + 3 * DEPTH
    del state["chain"]
    gc.collect()
    assert sd.live_node_count() <= state["before"] + 10


def test_forward_mode_through_ops_without_a_rule_of_their_own():
    """Each level's jvp comes from abs's reverse-mode rule, transposed once for the whole chain
    (transposed at every level, it cost about 130 us per level). Runs after the release check:
    the template it keeps is not the chain's."""
    w = sd.var("w")
    z = w
    for _ in range(DEPTH):
        z = sd.abs(z) - 0.3
    dz = sd.jvp(z, w, 2.0)
    # from w = 0.2, z stays in [-0.3, 0): each level but the first flips the tangent's sign
    u, du = 0.2, 2.0
    for _ in range(DEPTH):
        u, du = abs(u) - 0.3, math.copysign(du, u * du)
    zv, dv = sd.evaluate([z, dz], {"w": 0.2}, simplify=False)
    np.testing.assert_allclose(zv, u, rtol=1e-12)
    assert dv == du == -2.0
