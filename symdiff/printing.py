"""Readable text for expressions: infix math, with shared or long sub-expressions named once
(``_1 = ...``) so that a DAG never explodes into a tree."""

from __future__ import annotations

from collections.abc import Iterable

from .ir import Node, consumers, toposort
from .ops.elementwise import Neg, Printed

_INLINE_LIMIT = 60  # a shared sub-expression longer than this gets a name
_MAX_LENGTH = 240  # any sub-expression longer than this gets a name
_NEG_PRECEDENCE = Neg.precedence


def to_text(outputs: Node | Iterable[Node]) -> str:
    """The expression as text; several outputs are listed one per line.

    >>> x, y = sd.symbols("x y"); print(sd.to_text(x * y + 1))
    x * y + 1
    """
    roots = [outputs] if isinstance(outputs, Node) else list(outputs)
    order = toposort(roots)
    uses = consumers(order)
    root_set = set(roots)
    for r in roots:
        uses[r] += 1
    texts: dict[Node, str] = {}
    lines: list[str] = []
    for n in order:
        text = n.op.text([texts[i] for i in n.inputs])
        # a negative literal binds like unary minus: (-2.0) ** x, not -2.0 ** x
        prec = _NEG_PRECEDENCE if not n.inputs and text.startswith("-") else n.op.precedence
        t = Printed(text, prec)
        shared = uses[n] > 1 and len(t) > _INLINE_LIMIT
        if n.inputs and n not in root_set and (shared or len(t) > _MAX_LENGTH):
            name = f"_{len(lines) + 1}"
            lines.append(f"{name} = {t}")
            t = Printed(name, 100)
        texts[n] = t
    body = [texts[r] for r in roots]
    if not lines:
        return "\n".join(body)
    return "\n".join([*body, "where", *(f"  {line}" for line in lines)])


def short_repr(node: Node, limit: int = 200) -> str:
    """``repr`` of a node: its text when short, else a one-line summary."""
    order_size = 0
    for _ in toposort(node):
        order_size += 1
        if order_size > limit:
            break
    if order_size > limit:
        return f"<symdiff expression {node.op.name}: {node.type!r}, more than {limit} nodes>"
    text = to_text(node)
    if len(text) > 2000:
        return f"<symdiff expression {node.op.name}: {node.type!r}, {order_size} nodes>"
    return text
