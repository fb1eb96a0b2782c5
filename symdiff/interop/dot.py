"""Graphviz DOT text of a graph, written without graphviz (render it with ``dot -Tsvg``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from ..ir import Node, as_roots, format_shape, toposort

LABEL_CHARS = 24  # a longer name is cut to this many characters in a picture; its tooltip has it whole


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # control characters but tab and line feed


def _shown(c: re.Match[str]) -> str:
    return f"\\x{ord(c.group()):02x}"


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on one line (line breaks, tabs and other control characters, which names may
    hold, written as escapes: ``\\n``, ``\\x00``), cut off with … after ``limit`` characters."""
    text = _CONTROL.sub(_shown, text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"))
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def dot_escape(text: str) -> str:
    """``text`` as the inside of a DOT double-quoted string (quotes, backslashes, newlines; a
    NUL or another control character, which Graphviz would end the text at or drop, shown as
    ``\\x00``)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return _CONTROL.sub(lambda c: "\\" + _shown(c), text)


def input_order_matters(n: Node) -> bool:
    """Whether a picture numbers the edges into ``n`` by input position: for an op of several
    inputs whose order matters (x / y, x ** y, where(c, a, b); not x + y or x * y)."""
    return len(n.inputs) > 1 and n.op.name not in ("add", "mul", "maximum", "minimum")


def _label(n: Node) -> tuple[str, str]:
    """The node's label, and the whole name of a leaf (variable, constant, dimension) whose
    label shows it cut or on one line, for a tooltip ("" when the label shows it as it is)."""
    op = n.op
    whole = ""
    if not n.inputs:
        name = op.var_name if op.name == "var" else op.text([])  # type: ignore[attr-defined]
        head = one_line(name, LABEL_CHARS)
        whole = name if head != name else ""
    else:
        head = op.text(["·"] * len(n.inputs))
        if len(head) > 40:
            head = op.name
    shape = "" if n.shape == () else f"\n{format_shape(n.shape)}"
    label = f"{head}{shape}\n{n.dtype.name}" if n.dtype.name != "float64" else f"{head}{shape}"
    return label, whole


def to_dot(outputs: Node | Iterable[Node], names: Sequence[str] | None = None, title: str = "symdiff") -> str:
    """The DAG reachable from ``outputs`` in the DOT language; ``names`` label the outputs (by
    default the keys of a dict of outputs).

    >>> x = sd.var("x")
    >>> print(sd.to_dot(sd.sin(x) * x))
    digraph "symdiff" {
      rankdir=BT;
      node [shape=box, fontname="Helvetica"];
      n0 [label="x", shape=ellipse, style=filled, fillcolor=lightblue];
      n1 [label="sin(·)"];
    ...
      n2 -> out0;
    }
    """
    roots = as_roots(outputs, "to_dot")
    if names is None and isinstance(outputs, Mapping) and all(isinstance(v, Node) for v in outputs.values()):
        names = [str(k) for k in outputs]  # outputs given as a dict are named by its keys, as everywhere
    if names is not None and len(names) != len(roots):
        raise ValueError(f"to_dot: {len(roots)} outputs but {len(names)} names")
    order = toposort(roots)
    ids = {n: k for k, n in enumerate(order)}
    lines = [f'digraph "{dot_escape(title)}" {{', "  rankdir=BT;", '  node [shape=box, fontname="Helvetica"];']
    for n in order:
        style = ""
        if n.op.name == "var":
            style = ", shape=ellipse, style=filled, fillcolor=lightblue"
        elif not n.inputs:
            style = ", shape=plaintext"
        label, whole = _label(n)
        if whole:
            style += f', tooltip="{dot_escape(whole)}"'
        lines.append(f'  n{ids[n]} [label="{dot_escape(label)}"{style}];')
        for pos, i in enumerate(n.inputs):
            edge = f' [label="{pos}"]' if input_order_matters(n) else ""
            lines.append(f"  n{ids[i]} -> n{ids[n]}{edge};")
    for k, r in enumerate(roots):
        label = names[k] if names is not None else f"output {k}" if len(roots) > 1 else "output"
        lines.append(f'  out{k} [label="{dot_escape(label)}", shape=doubleoctagon, style=filled, fillcolor=palegreen];')
        lines.append(f"  n{ids[r]} -> out{k};")
    lines.append("}")
    return "\n".join(lines) + "\n"
