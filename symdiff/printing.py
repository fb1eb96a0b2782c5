"""Readable text for expressions: infix math, with shared or long sub-expressions named once
(``_1 = ...``) so that a DAG never explodes into a tree."""

from __future__ import annotations

import keyword
import unicodedata
from collections.abc import Callable, Iterable

import numpy as np

from .ir import Node, as_outputs, as_roots, consumers, toposort
from .ops import FUNCTIONS
from .ops.base import TEXT_CONSTANTS, TEXT_LITERAL_NAMES, Const, Var, extended_precision
from .ops.elementwise import Elementwise, Mul, Neg, Printed

_INLINE_LIMIT = 60  # a shared sub-expression longer than this gets a name
_MAX_LENGTH = 240  # any sub-expression longer than this gets a name
_NEG_PRECEDENCE = Neg.precedence
_PRODUCT_PRECEDENCE = Mul.precedence


def name_shared(
    outputs: Node | Iterable[Node],
    render: Callable[[Node, list[Printed]], Printed],
    name_of: Callable[[int], str],
    inline_limit: int = _INLINE_LIMIT,
    max_length: int = _MAX_LENGTH,
    what: str = "to_text",
) -> tuple[list[Printed], list[tuple[str, Printed]]]:
    """Render every node bottom-up with ``render``; a shared sub-expression longer than
    ``inline_limit``, or any longer than ``max_length``, is named once by ``name_of(k)``.

    Returns the outputs' texts and the ``(name, text)`` definitions they refer to. Text and LaTeX
    printing both use it, so a DAG never explodes into a tree in either.
    """
    roots = as_roots(outputs, what)
    order = toposort(roots)
    uses = consumers(order)
    root_set = set(roots)
    for r in roots:
        uses[r] += 1
    # a variable may print as a name of the series (a variable called _1, or t_1 in LaTeX)
    taken = {str(render(n, [])) for n in order if not n.inputs}
    texts: dict[Node, Printed] = {}
    definitions: list[tuple[str, Printed]] = []
    k = 0
    for n in order:
        t = render(n, [texts[i] for i in n.inputs])
        shared = uses[n] > 1 and len(t) > inline_limit
        if n.inputs and n not in root_set and (shared or len(t) > max_length):
            k += 1
            while name_of(k) in taken:
                k += 1
            name = name_of(k)
            definitions.append((name, t))
            t = Printed(name, 100)
        texts[n] = t
    return [texts[r] for r in roots], definitions


def _literal_dtypes(n: Node) -> dict[int, np.dtype]:
    """For each 0-d constant input of ``n`` whose bare literal the parser would read with another
    dtype, that constant's position and dtype (it prints as ``astype(1.0, 'float32')``).

    The parser types a literal as ``as_nodes`` does: beside the other operands of an elementwise
    op it takes their dtype when it fits their kind (NumPy 2's weak scalars), elsewhere its own
    (float64, int64, complex128, bool). A constant written with its dtype is such an operand too,
    so the choice is repeated until it settles."""
    consts = [k for k, i in enumerate(n.inputs) if isinstance(i.op, Const) and not i.shape]
    typed: dict[int, np.dtype] = {}
    if not consts:
        return typed
    context = isinstance(n.op, Elementwise)
    infix = bool(getattr(n.op, "symbol", ""))
    while True:
        others = [i.dtype for k, i in enumerate(n.inputs) if k not in consts or k in typed]
        changed = False
        for k in consts:
            value = n.inputs[k].op.value.item()  # type: ignore[attr-defined]
            beside = others
            if not others and infix and k == 1:
                # two bare literals around an operator (3.0 ** -3): the parser reads the left one
                # by itself, the right one beside it
                beside = [n.inputs[0].dtype]
            reads_as = np.result_type(np.result_type(*beside), value) if context and beside \
                else np.result_type(value)
            if k not in typed and (reads_as != n.inputs[k].dtype
                                   or extended_precision(n.inputs[k].dtype)):
                typed[k] = n.inputs[k].dtype
                changed = True
        if not changed:
            return typed


CONSTANT_NAMES = frozenset({*TEXT_CONSTANTS, *TEXT_LITERAL_NAMES})
"""Names the text reads as constants (NumPy's pi, inf and nan, Python's True, False and None):
a variable so named prints as ``var('pi')``, which reads back as that variable."""


def _reads_as_itself(name: str) -> bool:
    """Whether the bare name reads back as the variable of that name: a Python name as Python
    reads it (not a keyword, not changed by NFKC, as ``ﬁ`` reads as ``fi``), neither a constant's
    nor a function's, nor reserved by the text (``__x``). Other variables print as
    ``var('x y')``."""
    return (name.isidentifier() and not keyword.iskeyword(name) and name not in CONSTANT_NAMES
            and not name.startswith("__")
            and name not in FUNCTIONS and (name.isascii() or unicodedata.normalize("NFKC", name) == name))


def _text(n: Node, args: list[Printed]) -> Printed:
    if isinstance(n.op, Var) and not _reads_as_itself(n.op.var_name):
        return Printed(f"var({n.op.var_name!r})", 100)
    typed = _literal_dtypes(n)
    if typed:
        args = list(args)
        for k, dt in typed.items():
            args[k] = Printed(f"astype({args[k]}, {dt.name!r})", 100)
    text = n.op.text(args)
    if n.inputs:
        return Printed(text, n.op.precedence)
    if isinstance(n.op, Const) and " * " in text:  # 0.25 * one_hot(3, 10), a constant's call
        return Printed(text, _PRODUCT_PRECEDENCE)
    # a negative literal binds like unary minus: (-2.0) ** x, not -2.0 ** x
    return Printed(text, _NEG_PRECEDENCE if text.startswith("-") else n.op.precedence)


def to_text(outputs: Node | Iterable[Node]) -> str:
    """The expression as text; several outputs are listed one per line.

    >>> x, y = sd.symbols("x y")
    >>> print(sd.to_text(x * y + 1))
    x * y + 1.0
    >>> print(sd.to_text([x * y, sd.sin(x) / y]))
    x * y
    sin(x) / y
    """
    outputs = as_outputs(outputs)
    body, definitions = name_shared(outputs, _text, lambda k: f"_{k}")
    roots = as_roots(outputs, "to_text")
    body = [f"astype({t}, {r.dtype.name!r})" if isinstance(r.op, Const) and not r.shape
            and (np.result_type(r.op.value.item()) != r.dtype  # type: ignore[attr-defined]
                 or extended_precision(r.dtype)) else t
            for r, t in zip(roots, body)]
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
