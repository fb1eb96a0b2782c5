"""Backpropagation explained on the graph: ``explain`` tabulates, node by node in backward
order, upstream gradient × local gradient = downstream gradient; ``why_zero`` says why a
gradient is zero."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..api import _worth_simplifying, evaluate, grad, jvp, simplify
from ..autodiff import _resolve, backward_edges, node_gradients, pullback
from ..ir import Node, as_roots, format_shape, kind_of, toposort
from ..ops import DimSize, Var, astype, broadcast_to, const, reshape, var
from ..ops.base import graph_variables
from ..ops.elementwise import StopGradient
from ..ops.stable import HEADS as STABLE_HEADS
from ..ops.stable import stable_parts
from ..printing import to_text
from ..rewrite.pattern import scalar_constant
from .dot import one_line
from .draw import VALUES_SHOWN, format_value

GATES = {
    "add": "add gate: distributes the upstream gradient unchanged to every input",
    "sub": "subtract gate: passes the gradient on, negated for the second input",
    "mul": "mul gate: switches — each input gets the upstream gradient times the other input",
    "maximum": "max gate: routes the whole gradient to the larger input (the first at a tie)",
    "minimum": "min gate: routes the whole gradient to the smaller input (the first at a tie)",
    "max": "max gate: routes the gradient to the maximum",
    "min": "min gate: routes the gradient to the minimum",
    "relu": "relu gate: passes the gradient where the input is positive, blocks it elsewhere (at 0 too)",
    "stop_gradient": "stop_gradient: passes its input's value on and no gradient back to it",
}


def _name(n: Node, limit: int = 32) -> str:
    if isinstance(n.op, (Var, DimSize)):
        return one_line(n.op.text([]), limit)  # a variable is named, however long its name
    text = _text_within(n, limit)
    if text is not None:
        return text
    args = (_name(i, 12) if isinstance(i.op, (Var, DimSize)) else _text_within(i, 12) or "…" for i in n.inputs)
    return f"{n.op.name}({', '.join(args)})"


def _gate(n: Node) -> str:
    parts = stable_parts(n) if isinstance(n.op, STABLE_HEADS) else None
    if parts is not None:
        return (f"stable form: reverse mode differentiates this as {_name(parts[0])}, so the gradient "
                f"reaching {' and '.join(_name(x) for x in parts[1])} is finite where the chain below this row can give inf × 0")
    return GATES.get(n.op.name, "")


def _text_within(n: Node, limit: int, lines: bool = False) -> str | None:
    """``n`` as text when that fits on one line of ``limit`` characters (or, with ``lines``, in
    ``limit`` characters, shared parts on lines of their own), else None. Every node
    prints at least one character, so a graph of more nodes cannot fit and is not printed:
    naming each row of a deep graph stays linear in its depth, not quadratic."""
    seen = {n}
    stack = [n]
    while stack:
        for i in stack.pop().inputs:
            if i not in seen:
                if len(seen) >= limit:
                    return None
                seen.add(i)
                stack.append(i)
    text = to_text(n)
    if len(text) > limit:
        return None
    if "\n" not in text:
        return one_line(text)
    return text if lines else None


VALUE_CHARS = 40  # a value in the table: a summary of an array, as pictures show, with more room
HTML_ROWS_SHOWN = 200  # a notebook, or repr(), shows the rows nearest the output; str() has them all
TOOLTIP_CHARS = 400  # a node's whole text, up to this long, is the tooltip of its cut name


@dataclass
class Explanation:
    """The rows of a backward pass; prints as text, renders as an HTML table in Jupyter."""

    output: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    unreached: list[str] = field(default_factory=list)  # variables asked for that y does not use
    # a node's name as the rows show it -> its whole text, where the name shows it cut (the
    # HTML table's tooltip)
    texts: dict[str, str] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return self._text(HTML_ROWS_SHOWN)

    def __str__(self) -> str:
        return self._text(None)

    def _text(self, shown: int | None) -> str:
        """The table as text, with the first ``shown`` rows (all with None): a terminal that
        echoes the explanation of a deep graph gets the rows nearest the output, not a wall."""
        rows = self.rows if shown is None else self.rows[:shown]
        head = ("node", "value", "upstream", "input", "local", "downstream")
        table = [head]
        for r in rows:
            for k, (inp, local, down) in enumerate(r["inputs"] or [("", "", "")]):
                first = k == 0
                table.append((r["node"] if first else "", r["value"] if first else "",
                              r["upstream"] if first else "", inp, local, down))
        widths = [max(len(str(row[c])) for row in table) for c in range(len(head))]
        lines = [f"backward pass of {self.output}: downstream = upstream × local"]
        for k, row in enumerate(table):
            lines.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        if len(rows) < len(self.rows):
            lines.append(f"… {len(self.rows) - len(rows)} more nodes, down to the inputs: print the "
                         "explanation, or read its .rows, for all of them")
        for r in rows:
            if r["gate"]:
                lines.append(f"{r['node']}: {r['gate']}")
        lines.extend(self._unreached_lines())
        return "\n".join(lines)

    def _unreached_lines(self) -> list[str]:
        return [f"{name}: {self.output} does not depend on it, so its gradient is 0"
                for name in self.unreached]

    def _repr_html_(self) -> str:
        e = html.escape

        def code(name: str) -> str:
            whole = self.texts.get(name)
            return f"<code title='{e(whole)}'>{e(name)}</code>" if whole else f"<code>{e(name)}</code>"

        out = [
            "<table><caption>backward pass of ", e(self.output),
            ": downstream = upstream × local</caption><tr><th>node</th><th>value</th><th>upstream</th>"
            "<th>input</th><th>local</th><th>downstream</th><th>gate</th></tr>",
        ]
        for r in self.rows[:HTML_ROWS_SHOWN]:
            ins = r["inputs"] or [("", "", "")]
            for k, (inp, local, down) in enumerate(ins):
                out.append("<tr>")
                if k == 0:
                    span = f' rowspan="{len(ins)}"'
                    out.append(f"<td{span}>{code(r['node'])}</td><td{span}>{e(r['value'])}</td>"
                               f"<td{span} style='color:#c62828'>{e(r['upstream'])}</td>")
                out.append(f"<td>{code(inp)}</td><td>{e(local)}</td>"
                           f"<td style='color:#c62828'>{e(down)}</td>")
                if k == 0:
                    out.append(f"<td rowspan='{len(ins)}'>{e(r['gate'])}</td>")
                out.append("</tr>")
        if len(self.rows) > HTML_ROWS_SHOWN:
            out.append(f"<tr><td colspan='7'>… {len(self.rows) - HTML_ROWS_SHOWN} more nodes, down to the "
                       "inputs: print the explanation, or read its .rows, for all of them</td></tr>")
        out.append("</table>")
        out.extend(f"<p>{e(line)}</p>" for line in self._unreached_lines())
        return "".join(out)


def _on_paths(order: Sequence[Node], sources: Sequence[Node]) -> list[Node]:
    """Nodes of ``order`` (a topological order) that some source reaches, in that order."""
    src = set(sources)
    reach: list[Node] = []
    seen: set[Node] = set()
    for n in order:
        if n in src or any(i in seen for i in n.inputs):
            seen.add(n)
            reach.append(n)
    return reach


SUMMED_SHOWN = 4  # the downstream gradients an accumulated row names, at most


def _accumulated(downs: list[str], upstream: str) -> str:
    """The note of a row whose node is used more than once: its upstream gradient is the sum
    of the downstream gradients its uses send it (``downs``, in the table's order)."""
    terms = downs if len(downs) <= SUMMED_SHOWN else [*downs[: SUMMED_SHOWN - 1], "…"]
    return (f"used {len(downs)} times: its upstream gradient accumulates (+=) the downstream gradients "
            f"its uses send it, {' + '.join(terms)} = {upstream}")


def _check_output(y: Any, caller: str) -> None:
    """A TypeError naming ``caller`` when ``y`` is not one expression: read as every function
    reads its outputs (``as_roots``: a str is pointed to ``sd.parse``, a value that is no
    expression is named), and refused here when that gives several."""
    if not isinstance(y, Node):
        roots = as_roots(y, caller)
        raise TypeError(f"{caller}: y must be one expression, got {kind_of(y)} of {len(roots)} "
                        f"expression{'s' if len(roots) != 1 else ''} (explain each output on its own)")


def explain(y: Node, wrt: Any = None, values: Mapping[Any, Any] | None = None) -> Explanation:
    """Backpropagation of a scalar ``y``, one row per node in backward order.

    >>> x, y = sd.symbols("x y")
    >>> print(sd.explain(x * y + x, wrt=[x, y], values={"x": 3, "y": -4}))
    backward pass of x * y + x: downstream = upstream × local
    node       value  upstream  input  local  downstream
    ---------  -----  --------  -----  -----  ----------
    x * y + x  -9     1         x * y  1      1
                                x      1      1
    x * y      -12    1         x      -4     -4
                                y      3      3
    y          -4     3
    x          3      -3
    ...
    """
    _check_output(y, "explain")
    if y.shape != () or not y.type.is_float:
        hint = ("explain sum(y) or one element of it (H[0, 1] of a Hessian)" if y.shape != ()
                else "integer and boolean values carry no gradient")
        raise ValueError(f"explain needs a scalar floating-point expression, got {_name(y)} of dtype "
                         f"{y.dtype} and shape {format_shape(y.shape)}: {hint}")
    if values is None:
        given = (" (the dict given second is read as wrt, the variables to differentiate with respect "
                 "to: explain(y, values={...}) or explain(y, wrt, {...}))") if isinstance(wrt, Mapping) else ""
        raise ValueError(f"explain needs values= for the variables, to show the numbers{given}")
    order = toposort(y)
    if wrt is None:
        sources = [n for n in order if isinstance(n.op, Var) and n.type.is_float]
    else:
        sources = _resolve([y], wrt if isinstance(wrt, (list, tuple)) else [wrt], "explain")
    nodes = [n for n in _on_paths(order, sources) if n.type.is_float]
    node_set = set(nodes)
    passes = backward_edges(y, nodes)
    exprs: list[Node] = [*nodes, *(up for up, _ in passes)]
    # row, input position, the local gradient (its index in exprs, or its text), down index
    local_slots: list[tuple[int, int, int | str, int]] = []
    for r, (n, (_, downs)) in enumerate(zip(nodes, passes)):
        if not n.inputs:
            continue
        # the downstream gradient as reverse mode sends it (summed back over the axes the input
        # was broadcast along, zero to a branch a where does not take); the local gradient
        # elementwise, as the notes draw it, where each output element depends on one element
        # of each input (and for a scalar output, whose Jacobian is one row), else the Jacobian
        # of the edge
        by_element = n.op.elementwise or n.shape == ()
        locals_ = n.op.vjp(_ones_like(n), n, *n.inputs) if by_element else _edge_jacobians(n)
        for k, inp in enumerate(n.inputs):
            if inp not in node_set or downs[k] is None:
                continue
            lo = locals_[k]
            local: int | str = lo if isinstance(lo, str) else len(exprs)
            if not isinstance(lo, str):
                exprs.append(astype(lo, inp.dtype) if lo is not None else const(np.nan))
            exprs.append(downs[k])  # type: ignore[arg-type]
            local_slots.append((r, k, local, len(exprs) - 1))
    vals = evaluate(exprs, values)
    # distinct nodes may shorten to the same text (mul(…, …) all over a derivative graph):
    # number the later ones, so each row and each input column names one node
    names: dict[Node, str] = {}
    taken: dict[str, int] = {}
    texts: dict[str, str] = {}
    for n in nodes:
        base = _name(n)
        taken[base] = taken.get(base, 0) + 1
        names[n] = base if taken[base] == 1 else f"{base} #{taken[base]}"
    for n in nodes[::-1][:HTML_ROWS_SHOWN]:  # the rows the HTML table shows, and their inputs
        for m in (n, *n.inputs):
            whole = None if m not in names or isinstance(m.op, (Var, DimSize)) else _text_within(m, TOOLTIP_CHARS, True)
            if whole is not None and whole != names[m]:
                texts[names[m]] = whole
    rows = []
    for r, n in enumerate(nodes):
        rows.append({
            "node": names[n],
            "value": format_value(vals[r], VALUE_CHARS),
            "upstream": format_value(vals[len(nodes) + r], VALUE_CHARS),
            "gate": _gate(n),
            "inputs": [],
        })
    row_of = {n: r for r, n in enumerate(nodes)}
    received: dict[int, list[str]] = {}  # row -> the downstream gradients its node's uses send it
    for r, k, li, di in local_slots:
        local_text = li if isinstance(li, str) else format_value(vals[li], VALUE_CHARS)
        down_text = format_value(vals[di], VALUE_CHARS)
        rows[r]["inputs"].append((names[nodes[r].inputs[k]], local_text, down_text))
        received.setdefault(row_of[nodes[r].inputs[k]], []).append(down_text)
    for r, downs in received.items():
        if len(downs) > 1:  # used more than once: its gradient is accumulated, dx += ... per use
            rows[r]["gate"] = "; ".join(filter(None, [rows[r]["gate"], _accumulated(downs[::-1], rows[r]["upstream"])]))
    rows.reverse()
    unreached = [_name(s) for s in sources if s not in node_set]
    # the output's text when short; else "the output", not a cut name such as neg(…)
    title = _name(y, 60) if isinstance(y.op, (Var, DimSize)) else _text_within(y, 60)
    return Explanation(title or "the output", rows, unreached, texts)


@dataclass
class ZeroGradient:
    """Why d(output)/d(variable) is zero: ``reason`` is one of ``no_path``, ``stop_gradient``,
    ``flat_op``, ``identically_zero``, ``flat_at_values``, ``empty`` (the variable has no
    elements at the values) or ``not_zero``; ``nodes`` are the
    nodes involved (for ``flat_at_values``, the ops where the variable's changes stop, in
    topological order)."""

    reason: str
    message: str
    nodes: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        # not the fields: .nodes may hold thousands of nodes
        return f"ZeroGradient({self.reason!r}: {self.message})"

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(self.reason)}</b>: {html.escape(self.message)}</p>"


REASONS_SHOWN = 10  # the ops a message of why_zero names, at most; its .nodes has them all


_FLAT_REASONS = {
    "relu": "relu is flat where its input is ≤ 0",
    "maximum": "the losing side of maximum gets no gradient (at a tie, the second input)",
    "minimum": "the losing side of minimum gets no gradient (at a tie, the second input)",
    "max": "only the maximum gets gradient",
    "min": "only the minimum gets gradient",
    "where": "where sends gradient only to the branch its condition picks",
    "abs": "abs has derivative 0 at 0",
    "sign": "sign is flat",
    "getitem": "a slice or an index keeps only the elements it picks",
    "take_along_axis": "it keeps only the elements its indices pick",
    "mul": "a factor is 0 there",
}


def why_zero(y: Node, wrt: Any, values: Mapping[Any, Any] | None = None) -> ZeroGradient:
    """Why the gradient of ``y`` with respect to ``wrt`` is zero: no dependency path, a
    stop_gradient on every path, an op with no gradient (comparison, sign, integer cast), or,
    at given ``values``, element by element: each op that does not use the elements of an input
    that ``wrt`` moves (a slice or an index leaving them out, relu below 0, the losing side of
    max, the branch a where does not pick, a zero factor), each op where the changes cancel,
    and each where they underflow (derivatives multiplying to less than the dtype holds).
    Without ``values`` the graph is read tensor by tensor, so a gradient a slice makes zero is
    reported as not zero by structure.

    >>> x = sd.var("x")
    >>> print(sd.why_zero(sd.relu(x) * 2, x, values={"x": -1.0}))
    the gradient with respect to x is zero at these values: relu(x) passes no gradient to x
    (relu is flat where its input is ≤ 0)
    """
    _check_output(y, "why_zero")
    (w,) = _resolve([y], [wrt], "why_zero")
    wname = _name(w)
    order = toposort(y)
    if w not in set(order):
        return ZeroGradient("no_path", f"{_name(y)} does not depend on {wname} at all: there is no path", [])
    carries, blocked = _carrying(order, w)
    if y not in carries:
        stops = [n for n in blocked if isinstance(n.op, StopGradient)]
        if stops and len(stops) == len(blocked):
            return ZeroGradient("stop_gradient", f"every path from {wname} to {_name(y)} passes through "
                                f"stop_gradient ({len(stops)} node(s))", stops)
        names = sorted({n.op.name for n in blocked})
        return ZeroGradient("flat_op", f"every path from {wname} to {_name(y)} passes through an op with no "
                            f"gradient: {', '.join(names)}", blocked)
    scalar = y.shape == () and y.type.is_float
    if values is None:
        # gradient flows, but its terms may still cancel (x - x): ask the simplified gradient, and
        # SymPy what simplify keeps for inf and nan (0.0 * cos(x), sin(x)**2 + cos(x)**2)
        simplified = simplify(grad(y, w)) if scalar and _may_vanish(y, w, carries) else None
        zero = None if simplified is None else scalar_constant(simplified)
        if zero is not None and zero == 0:
            return ZeroGradient("identically_zero", f"the gradient of {_name(y)} with respect to {wname} "
                                "is identically zero: it simplifies to 0 (its paths cancel, or a factor "
                                "on them is 0)", [])
        if simplified is not None and _zero_where_finite(simplified):
            return ZeroGradient("identically_zero", f"the gradient of {_name(y)} with respect to {wname} "
                                f"is zero wherever it is finite: it simplifies to {_name(simplified, 60)}, "
                                "which SymPy (taking every value finite) reduces to 0; simplify keeps it, "
                                "as where a part of it is inf or nan it is nan", [])
        if all(n.shape == () for n in carries):
            return ZeroGradient("not_zero", f"gradient flows from {wname} to {_name(y)} (no op blocks every "
                                "path), so it is not zero by the graph's structure; give values= to check "
                                "it at a point", [])
        # the structure is read tensor by tensor: it cannot see which elements a slice keeps
        return ZeroGradient("not_zero", f"gradient flows from {wname} to {_name(y)} tensor by tensor (no op "
                            "blocks every path), so it is not zero by the graph's structure as far as whole "
                            "tensors go; a slice, an index, a where or a zero factor may still leave out "
                            f"every element that depends on {wname}: give values= to check it element by "
                            "element", [])
    if not scalar:
        raise ValueError(f"why_zero at values= needs a scalar floating-point output, got {_name(y)} of "
                         f"dtype {y.dtype} and shape {y.shape}: ask about sum(y) or one element of it")
    path = [n for n in _on_paths(order, [w]) if n in carries]
    # y with it: its variables bind the sizes of named dimensions a gradient (1/n) holds alone
    (gradient,) = node_gradients(y, [w])
    kinds = list({n.type: n for n in path}.values())  # one node of each type, for its sizes
    first = evaluate([y, gradient, *kinds], values, simplify=_rewrite(y, values))
    if np.any(first[1] != 0):
        return ZeroGradient("not_zero", f"the gradient with respect to {wname} is not zero at these values", [])
    if np.size(first[1]) == 0:
        return ZeroGradient("empty", f"{wname} has no elements at these values (shape "
                            f"{format_shape(np.shape(first[1]))}), so its gradient is empty", [])
    drops, cancels = _lost_changes(y, order, w, path, carries, values,
                                   dict(zip((n.type for n in kinds), first[2:])))
    by_edge: dict[tuple[int, int], tuple[Node, Node, int, int]] = {}
    for d in drops:  # an op taking the same input twice (c * c) drops its changes once
        by_edge.setdefault((id(d[0]), id(d[1])), d)
    drops = list(by_edge.values())
    parts = [_dropped_text(m, i, k, total, wname) for m, i, k, total in drops[:REASONS_SHOWN]]
    parts += [_stopped_text(m, reaching, wname) for m, reaching in cancels[:max(0, REASONS_SHOWN - len(parts))]]
    if len(parts) < len(drops) + len(cancels):
        parts.append(f"and {len(drops) + len(cancels) - len(parts)} more ops like these (all of them "
                     "are in .nodes)")
    culprits = list(dict.fromkeys([*(m for m, *_ in drops), *(m for m, _ in cancels)]))
    return ZeroGradient("flat_at_values", f"the gradient with respect to {wname} is zero at these values: "
                        f"{'; '.join(parts) or 'the contributions cancel'}", culprits)


def _carrying(order: Sequence[Node], w: Node) -> tuple[set[Node], list[Node]]:
    """The nodes of ``order`` (a topological order) that ``w``'s changes reach along edges that
    carry gradient (a vjp rule that returns None for an input blocks it), and the nodes that
    block every such edge into them. Each rule is probed once per node; an op applied to one
    input alone (sin(z), z * z) gives the same answer for every input of the same type, so a
    chain of such ops costs one probe per op, not one per node."""
    ones: dict[Any, Node] = {}  # the probing cotangent of each type, built once
    known: dict[tuple[Any, Any], bool] = {}
    carries: set[Node] = {w}
    blocked: list[Node] = []
    for n in order:
        if n is w or not any(i in carries for i in n.inputs):
            continue
        if isinstance(n.op, StopGradient) or not n.type.is_float:
            blocked.append(n)
            continue
        first = n.inputs[0]
        key = (n.op, first.type) if all(i is first for i in n.inputs) else None
        flows = known.get(key) if key is not None else None
        if flows is None:
            cotangent = ones.get(n.type)
            if cotangent is None:
                cotangent = ones[n.type] = _ones_like(n)
            probe = n.op.vjp(cotangent, n, *n.inputs)
            flows = any(i in carries and g is not None for i, g in zip(n.inputs, probe))
            if key is not None:
                known[key] = flows
        if flows:
            carries.add(n)
        else:
            blocked.append(n)
    return carries, blocked


def _may_vanish(y: Node, w: Node, carries: set[Node]) -> bool:
    """Whether simplifying the gradient of scalar ``y`` with respect to ``w`` might give 0, so
    that it must be simplified to tell. Not when ``y`` reaches ``w`` by one path of scalar
    elementwise ops, each taking the path's node below it and otherwise only leaves (sin(z),
    z * z, z * 0.5, z + v): the gradient is then a product of the ops' own derivatives, with
    no terms to cancel, and it simplifies to 0 only where one of them does alone. Each op is
    asked once, on a variable standing for the path's node: a chain 100,000 deep costs a walk
    down it, not a simplification of its gradient."""
    flat: dict[tuple[Any, ...], bool] = {}  # an op with its leaves -> its derivative simplifies to 0
    n = y
    while n is not w:
        below = {i for i in n.inputs if i in carries}
        if (len(below) != 1 or not n.op.elementwise or n.shape != () or isinstance(n.op, StopGradient)
                or any(i.inputs for i in n.inputs if i not in below)):
            return True
        (first,) = below
        key = (n.op, first.type, *(None if i is first else i for i in n.inputs))
        if key not in flat:
            # not named as one of the op's other inputs, which that name would be
            alone = _stand_in("x", {getattr(i.op, "var_name", None) for i in n.inputs}, first)
            local = simplify(grad(Node(n.op, tuple(alone if i is first else i for i in n.inputs)), alone))
            flat[key] = scalar_constant(local) == 0
        if flat[key]:
            return True
        n = first
    return False


def _stand_in(name: str, taken: set[Any], like: Node) -> Node:
    """A variable of ``like``'s type named ``name``, primed until no name in ``taken`` is its
    (variables are interned by name: one named as a graph's own would be that variable)."""
    while name in taken:
        name += "'"
    return var(name, like.shape, like.dtype)


def _rewrite(y: Node, values: Mapping[Any, Any]) -> bool | str:
    """How ``evaluate`` is to treat a graph holding ``y`` and nodes built from it at ``values``:
    ``"auto"`` where it may rewrite it, False where ``y`` alone is already too big for that
    (``"auto"`` would then count the whole graph, a walk of up to a few times ``y``'s nodes,
    to decide the same)."""
    return "auto" if _worth_simplifying([y], values) else False


def _lost_changes(y: Node, order: Sequence[Node], w: Node, path: list[Node], carries: set[Node],
                  values: Mapping[Any, Any], samples: dict[Any, Any]
                  ) -> tuple[list[tuple[Node, Node, int, int]], list[Node]]:
    """Where, element by element, the changes of ``w`` stop on their way to ``y`` at ``values``
    (``order``: y's graph in topological order; ``samples`` holds a value of each type on
    ``path``, for its sizes). Forward mode along a
    random direction marks the elements of each node that ``w`` moves; a random cotangent
    pulled back through each node alone marks the elements of its inputs it uses (a zero
    column of its Jacobian there: a slice leaves them out, relu is flat, a where does not
    pick them, a factor is 0). An edge drops the elements its input moves but its node does
    not use; a node whose moving inputs it uses all but that does not move cancels them (or,
    reached by one input of an elementwise op, rounds them to 0: an underflow).
    Random directions find every zero that holds for all directions, with probability 1.
    Returns (node, input, elements dropped, elements moved) for each edge that drops some,
    and (node, how many distinct inputs bring it changes) for the nodes where the changes stop
    though no edge drops them, in topological order."""
    variables = graph_variables(order)
    taken = {v.op.var_name for v in variables}  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    probes: dict[Node, Any] = {}

    def probe(like: Node, sample: Any) -> Node:
        p = _stand_in(f"random {like.dtype.name}{format_shape(like.shape)} #{len(probes)}", taken, like)
        probes[p] = rng.uniform(0.5, 1.5, np.shape(sample)).astype(like.dtype)
        return p

    direction = probe(w, samples[w.type])
    cotangents = {t: probe(n, samples[t]) for t, n in {n.type: n for n in path}.items()}
    moves = jvp(path, w, direction)
    edges = [(m, k) for m in path if m is not w for k, i in enumerate(m.inputs) if i in carries]
    inputs = {**values, **probes}

    def pulled(edges: list[tuple[Node, int]]) -> list[Node | None]:
        """What each edge's node sends its input from a random cotangent (one pullback a node)."""
        by_node = {m: pullback(m, cotangents[m.type]) for m in dict.fromkeys(m for m, _ in edges)}
        return [by_node[m][k] for m, k in edges]

    # y with the values asked for, where its variables bind the sizes of named dimensions (a
    # node alone may hold a size its own variables do not bind: 1/n); else not, so that the
    # rules of a few edges near w do not evaluate the whole graph above them
    sizes = [y] if any(isinstance(d, str) for v in variables for d in v.shape) else []

    def values_of(exprs: list[Node | None], rewrite: bool | str, roots: list[Node]) -> list[Any]:
        got = [e if e is not None else const(0.0) for e in exprs]
        return evaluate([*roots, *got], inputs, simplify=rewrite)[len(roots):] if got else []

    rewrite = _rewrite(y, inputs)
    if rewrite:
        # a graph rewritten before it is evaluated (small, or of big arrays): all of it at once,
        # so that it is rewritten as one graph
        sent = pulled(edges)
        vals = values_of([*moves, *sent], rewrite, [y])
        changes = {n: np.asarray(v) for n, v in zip(path, vals)}
        moved = {n: v != 0 for n, v in changes.items()}
        used = dict(zip(edges, zip(sent, vals[len(path):])))
    else:
        # a big graph: pulled back only along the edges whose input moves somewhere, as an edge
        # whose input moves nowhere drops nothing (in a deep chain flat near its variable, the
        # first few edges of tens of thousands)
        changes = {n: np.asarray(v) for n, v in zip(path, values_of(moves, False, sizes))}
        moved = {n: v != 0 for n, v in changes.items()}
        edges = [(m, k) for m, k in edges if moved[m.inputs[k]].any()]
        sent = pulled(edges)
        used = dict(zip(edges, zip(sent, values_of(sent, False, sizes))))
    drops: list[tuple[Node, Node, int, int]] = []
    kept_inputs: dict[Node, set[Node]] = {}  # node -> its inputs some moving element of which it uses
    for (m, k), (rule, got) in used.items():
        i = m.inputs[k]
        moving = moved[i]
        if rule is None:
            lost = moving
        else:
            lost = moving & (np.asarray(got) == 0)
        if lost.any():
            drops.append((m, i, int(lost.sum()), int(moving.sum())))
        if (moving & ~lost).any():
            kept_inputs.setdefault(m, set()).add(i)
    cancels = [(m, len(kept_inputs[m])) for m in path if m in kept_inputs and not moved[m].any()]
    if not drops and not cancels:
        cancels = _rounded_cancels(path, kept_inputs, changes)
    return drops, cancels


def _rounded_cancels(path: list[Node], kept_inputs: dict[Node, set[Node]],
                     changes: dict[Node, Any]) -> list[tuple[Node, int]]:
    """Where the changes cancel but for rounding, for a gradient that is exactly 0 though
    forward mode left a residue at every node (``sum(v - mean(v))``: the random direction's
    ``sum(d) - n * mean(d)`` rounds to a few ulps, not 0): the first node whose change is
    within rounding of the changes that meet in it (a sum of k terms rounds by at most about
    k epsilons of their total size: taken as 4 (k + 4) epsilons, k the elements meeting).
    Asked only when no op drops changes and none cancels them exactly."""
    for m in path:
        meeting = kept_inputs.get(m)
        if not meeting or not m.type.is_float:
            continue
        total = sum(float(np.sum(np.abs(changes[i]))) for i in meeting)
        terms = sum(int(np.size(changes[i])) for i in meeting)
        rounding = 4 * (terms + 4) * float(np.finfo(m.dtype).eps)
        if total > 0 and float(np.max(np.abs(changes[m]), initial=0.0)) <= rounding * total:
            return [(m, len(meeting))]
    return []


def _stopped_text(m: Node, reaching: int, wname: str) -> str:
    """A node that uses the changes of the variable reaching it, yet does not change: by
    several inputs (or within one input's elements, in an op that combines them) they cancel;
    by one input of an elementwise op, each change is a nonzero times a nonzero that rounds
    to 0, too small for the dtype (a long product of small derivatives)."""
    if reaching == 1 and m.op.elementwise:
        return (f"the changes {wname} makes reach {_name(m)} too small for {m.dtype.name}: they "
                "underflow to 0 there (the derivatives along the way multiply to less than the "
                "smallest number it holds)")
    how = "by several inputs and cancel there" if reaching > 1 else "and cancel there, combined over its input's elements"
    return f"the changes {wname} makes reach {_name(m)} {how}"


ZERO_CHECK_NODES = 500  # a bigger simplified gradient is not converted to SymPy to test it


def _zero_where_finite(g: Node) -> bool:
    """Whether SymPy, whose symbols are finite, reduces ``g`` to 0 (``0.0 * cos(a)``,
    ``cos(a) - cos(a)``: simplify keeps them, as inf or nan there gives nan)."""
    from .sympy import to_sympy  # the sibling bridge, imported when a gradient needs it

    if len(toposort(g)) > ZERO_CHECK_NODES:
        return False
    try:
        return bool(to_sympy(g) == 0)
    except Exception:  # noqa: BLE001 - an op SymPy has no form of: no answer, not an error
        return False


def _dropped_text(m: Node, i: Node, lost: int, moved: int, wname: str) -> str:
    """One edge that drops changes of the variable, with the reason its op drops them."""
    reason = _FLAT_REASONS.get(m.op.name, f"the derivative of {m.op.name} is 0 there")
    if moved == 1 and i.shape == ():
        text = f"{_name(m)} passes no gradient to {_name(i)}"
    elif moved == 1:
        text = f"{_name(m)} does not use the element of {_name(i)} that {wname} moves"
    elif lost == moved:
        text = f"{_name(m)} uses none of the {moved} elements of {_name(i)} that {wname} moves"
    else:
        text = f"{_name(m)} drops {lost} of the {moved} elements of {_name(i)} that {wname} moves"
    return f"{text} ({reason})"


def _edge_jacobians(n: Node) -> list[Node | str | None]:
    """d n / d input along each input edge of ``n`` (shape ``n.shape + input.shape``): the
    rows of the identity pulled back in one batched pass when the Jacobian is small enough
    to show, else its dtype and shape as text; None where no gradient flows."""
    shapes = [n.shape, *(i.shape for i in n.inputs)]
    described = [f"{n.dtype.name}{format_shape((*n.shape, *i.shape))}" for i in n.inputs]
    if not all(isinstance(d, int) for s in shapes for d in s):
        return list(described)  # named dimensions: sizes known only at run time
    rows, *sizes = (math.prod(int(d) for d in s) for s in shapes)
    if rows * max(sizes) > VALUES_SHOWN:
        return list(described)
    eye = const(np.eye(rows, dtype=n.dtype).reshape((rows, *n.shape)))
    return [None if j is None else reshape(j, (*n.shape, *i.shape))
            for i, j in zip(n.inputs, pullback(n, eye, batch=rows))]


def _ones_like(n: Node) -> Node:
    return broadcast_to(const(np.ones((), n.dtype)), n.shape)

