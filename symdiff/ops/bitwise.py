"""Bitwise ops on integers, as NumPy's ufuncs: ``bitwise_and``, ``bitwise_or``,
``bitwise_xor``, ``invert`` (``bitwise_not``), ``left_shift`` and ``right_shift``, and the
operators ``& | ^ ~ << >>`` on integer expressions; and the integer functions ``gcd`` and ``lcm``.

NumPy's dtype rules hold (a Python int is weakly typed: ``uint8 & 3`` is uint8, ``uint8 & 300``
is refused), and so do its shifts by a negative count or by the bit width or more (0, or -1 for
a negative value shifted right): the kernels are NumPy's own. On booleans ``& | ^ ~`` are the
logical functions, as NumPy's are, so booleans never make bitwise nodes except in shifts
(``True << True`` is an int8, as in NumPy). Floats are refused, as NumPy refuses them. Integer
results carry no gradient, so nothing flows back through these ops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..errors import DTypeError
from ..ir import Node, Type
from .base import as_nodes
from .elementwise import Binary, Unary, _unary, logical_and, logical_not, logical_or, logical_xor


def _integers_only(name: str, logical: str, types: Sequence[Type]) -> None:
    """Refuse an operand that is neither an integer nor a boolean, as NumPy's ufunc does."""
    if all(t.dtype.kind in "biu" for t in types):
        return
    hint = f"; for truth values of numbers use {logical}" if logical else ""
    raise DTypeError(f"{name}: takes integers or booleans, as NumPy's {name}, got "
                     f"{', '.join(t.dtype.name for t in types)}{hint}")


class BitwiseBinary(Binary):
    """A bitwise ufunc of two integers; its result carries no gradient."""

    __slots__ = ()
    logical: ClassVar[str] = ""  # the logical function it is on booleans, for errors' hints

    def infer(self, *types: Type) -> Type:
        _integers_only(self.name, self.logical, types)
        return super().infer(*types)

    def vjp(self, g: Node, out: Node, a: Node, b: Node) -> Sequence[Node | None]:
        return (None, None)


class BitwiseAnd(BitwiseBinary):
    name, numpy, logical = "bitwise_and", "np.bitwise_and({0}, {1})", "logical_and"
    inplace = "np.bitwise_and({0}, {1}, out={out})"


class BitwiseOr(BitwiseBinary):
    name, numpy, logical = "bitwise_or", "np.bitwise_or({0}, {1})", "logical_or"
    inplace = "np.bitwise_or({0}, {1}, out={out})"


class BitwiseXor(BitwiseBinary):
    name, numpy, logical = "bitwise_xor", "np.bitwise_xor({0}, {1})", "logical_xor"
    inplace = "np.bitwise_xor({0}, {1}, out={out})"


class LeftShift(BitwiseBinary):
    name, numpy = "left_shift", "np.left_shift({0}, {1})"
    inplace = "np.left_shift({0}, {1}, out={out})"


class RightShift(BitwiseBinary):
    name, numpy = "right_shift", "np.right_shift({0}, {1})"
    inplace = "np.right_shift({0}, {1}, out={out})"


class Gcd(BitwiseBinary):
    """The greatest common divisor of two integers, never negative (``gcd(0, 0)`` is 0)."""

    name, numpy = "gcd", "np.gcd({0}, {1})"
    inplace = "np.gcd({0}, {1}, out={out})"


class Lcm(BitwiseBinary):
    """The least common multiple of two integers, never negative (0 where either is 0)."""

    name, numpy = "lcm", "np.lcm({0}, {1})"
    inplace = "np.lcm({0}, {1}, out={out})"


class Invert(Unary):
    """The bitwise complement of an integer (``~x``; ``-x - 1`` for signed integers)."""

    name, numpy = "invert", "np.invert({0})"
    inplace = "np.invert({0}, out={out})"

    def infer(self, x: Type) -> Type:
        _integers_only(self.name, "logical_not", (x,))
        return super().infer(x)

    def vjp(self, g: Node, out: Node, x: Node) -> Sequence[Node | None]:
        return (None,)


_bitwise_and, _bitwise_or, _bitwise_xor = BitwiseAnd(), BitwiseOr(), BitwiseXor()
_left_shift, _right_shift, _invert = LeftShift(), RightShift(), Invert()
_gcd, _lcm = Gcd(), Lcm()


def _bitwise(op: BitwiseBinary, logical: Callable[[Any, Any], Node] | None, a: Any, b: Any) -> Node:
    """``op`` of ``a`` and ``b`` (Python numbers weakly typed, as NumPy 2 types them), or the
    logical function ``logical`` where both are booleans."""
    x, y = as_nodes(a, b, name=op.name)
    if logical is not None and x.dtype == np.bool_ and y.dtype == np.bool_:
        return logical(x, y)
    return Node(op, (x, y))


def bitwise_and(x1: Any, x2: Any) -> Node:
    """The bits set in both integers (``x1 & x2``); of booleans, ``logical_and``.

    >>> sd.bitwise_and(sd.var("i", dtype="uint8"), 0x0F).dtype
    dtype('uint8')
    """
    return _bitwise(_bitwise_and, logical_and, x1, x2)


def bitwise_or(x1: Any, x2: Any) -> Node:
    """The bits set in either integer (``x1 | x2``); of booleans, ``logical_or``."""
    return _bitwise(_bitwise_or, logical_or, x1, x2)


def bitwise_xor(x1: Any, x2: Any) -> Node:
    """The bits set in one integer but not both (``x1 ^ x2``); of booleans, ``logical_xor``."""
    return _bitwise(_bitwise_xor, logical_xor, x1, x2)


def left_shift(x1: Any, x2: Any) -> Node:
    """``x1 << x2``: the bits of integer x1 moved up by x2 places, as NumPy's (0 for a count
    that is negative or at least the bit width)."""
    return _bitwise(_left_shift, None, x1, x2)


def right_shift(x1: Any, x2: Any) -> Node:
    """``x1 >> x2``: the bits of integer x1 moved down by x2 places, the sign kept, as NumPy's
    (0, or -1 for a negative x1, for a count that is negative or at least the bit width)."""
    return _bitwise(_right_shift, None, x1, x2)


def invert(x: Any) -> Node:
    """The bitwise complement of an integer (``~x``); of booleans, ``logical_not``.
    ``bitwise_not`` is its other name, as in NumPy."""
    node = x if isinstance(x, Node) else as_nodes(x)[0]
    if node.dtype == np.bool_:
        return logical_not(node)
    return _unary(_invert, node)


def gcd(x1: Any, x2: Any) -> Node:
    """The greatest common divisor of integers, elementwise, as NumPy's: ``sd.gcd(n, 12)``.
    Its result carries no gradient; floats are refused, as NumPy refuses them."""
    return _bitwise(_gcd, None, x1, x2)


def lcm(x1: Any, x2: Any) -> Node:
    """The least common multiple of integers, elementwise, as NumPy's: ``sd.lcm(n, 12)``.
    Its result carries no gradient; floats are refused, as NumPy refuses them."""
    return _bitwise(_lcm, None, x1, x2)


OPERATORS: dict[str, Callable[..., Node]] = {
    "&": bitwise_and, "|": bitwise_or, "^": bitwise_xor, "~": invert,
}
