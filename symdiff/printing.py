"""Readable text for expressions: infix math, with shared or long sub-expressions named once
(``_1 = ...``) so that a DAG never explodes into a tree."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .ir import Node, consumers, toposort
from .ops.elementwise import Neg, Printed

_INLINE_LIMIT = 60  # a shared sub-expression longer than this gets a name
_MAX_LENGTH = 240  # any sub-expression longer than this gets a name
_NEG_PRECEDENCE = Neg.precedence


def name_shared(
    outputs: Node | Iterable[Node],
    render: Callable[[Node, list[Printed]], Printed],
    name_of: Callable[[int], str],
    inline_limit: int = _INLINE_LIMIT,
    max_length: int = _MAX_LENGTH,
) -> tuple[list[Printed], list[tuple[str, Printed]]]:
    """Render every node bottom-up with ``render``; a shared sub-expression longer than
    ``inline_limit``, or any longer than ``max_length``, is named once by ``name_of(k)``.

    Returns the outputs' texts and the ``(name, text)`` definitions they refer to. Text and LaTeX
    printing both use it, so a DAG never explodes into a tree in either.
    """
    roots = [outputs] if isinstance(outputs, Node) else list(outputs)
    order = toposort(roots)
    uses = consumers(order)
    root_set = set(roots)
    for r in roots:
        uses[r] += 1
    texts: dict[Node, Printed] = {}
    definitions: list[tuple[str, Printed]] = []
    for n in order:
        t = render(n, [texts[i] for i in n.inputs])
        shared = uses[n] > 1 and len(t) > inline_limit
        if n.inputs and n not in root_set and (shared or len(t) > max_length):
            name = name_of(len(definitions) + 1)
            definitions.append((name, t))
            t = Printed(name, 100)
        texts[n] = t
    return [texts[r] for r in roots], definitions


def _text(n: Node, args: list[Printed]) -> Printed:
    text = n.op.text(args)
    # a negative literal binds like unary minus: (-2.0) ** x, not -2.0 ** x
    return Printed(text, _NEG_PRECEDENCE if not n.inputs and text.startswith("-") else n.op.precedence)


def to_text(outputs: Node | Iterable[Node]) -> str:
    """The expression as text; several outputs are listed one per line.

    >>> x, y = sd.symbols("x y"); print(sd.to_text(x * y + 1))
    x * y + 1
    """
    body, definitions = name_shared(outputs, _text, lambda k: f"_{k}")
    if not definitions:
        return "\n".join(body)
    return "\n".join([*body, "where", *(f"  {name} = {t}" for name, t in definitions)])


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
