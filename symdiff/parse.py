"""Text to graph: a whitelist walk over Python's ``ast``; nothing in the text is ever executed.

The grammar is Python expression syntax restricted to math: numbers, names (variables; ``pi``,
``inf`` and ``nan`` are NumPy's constants unless ``shapes`` declares them), the operators
``+ - * / // % ** @`` and ``& | ^ ~ << >>`` (``^`` a power instead when asked), unary
``-``/``+``, single comparisons, calls of the functions in ``symdiff.FUNCTIONS`` with their own
keyword arguments, the ndarray methods and properties of ``ops.METHODS`` (``x.sum(axis=0)``,
``x.T``: looked up in that table, never with getattr), and indexing with ints, slices, ``None``
and ``...``. Tuples and lists appear as function arguments (shapes, axes, arrays to join) or indices, and a list of
numbers as a value is a constant array; string literals only where a function takes a string
(einsum subscripts, dtype names, dimension names) and in ``var('pi')``, a variable by name. Everything else is a ParseError that points
at the offending text.

The text ``to_text`` prints for a graph with named shared parts reads back too: the expression,
a line ``where``, then one ``name = expression`` line per part, each defined before its use.
Several outputs print one per line above ``where``; ``parse_outputs`` reads them as a list.

The text is read into Python's syntax tree by the reader below, which recurses nowhere: a sum
of 10,000 terms or brackets 10,000 deep read like short text. What the reader does not read
(keywords such as ``not``, starred arguments, f-strings, syntax errors) goes to Python's own
recursive parser, for its tree or its error message; for that parser only, ``MAX_NESTING``
levels of brackets and ``MAX_OPERATORS`` operators and calls (an upper bound on the tree's
depth) are checked first. Every expression is at most ``MAX_LENGTH`` characters, the whole text
at most ``MAX_TEXT_LENGTH``. An integer literal must fit int64 (or, past its largest, uint64, as
NumPy reads it), a float literal float64. Integer arithmetic of literals (``2**62 * 3``) stays the
graph written, NumPy's int64 arithmetic, but its exact value is known while reading, so a result
that dtype cannot hold (``10**20``, which would wrap around) is refused at its operator; a power
too large to compute (``9**9**9**9``) is refused from bounds on its size, its digits never made.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import functools
import inspect
import io
import keyword
import math
import re
import tokenize
import unicodedata
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import DTypeError, ParseError, SymdiffError
from .ir import Node, check_shape, format_shape, with_article
from .ops import FUNCTIONS, METHODS, as_node, dim_size, value_shaped, var
from .ops import index as index_
from .ops import elementwise as ew
from .ops.base import (
    TEXT_CONSTANTS,
    TEXT_ELEMENTS,
    TEXT_LITERAL_NAMES,
    extended_precision,
    fits_numpy_int,
)
from .ops.shape import array_list

MAX_LENGTH = 100_000
"""The longest expression accepted (the text of one output or one named part), in characters."""
MAX_TEXT_LENGTH = 10_000_000
"""The longest text accepted, in characters: a graph 10,000 operations deep prints as a few
thousand named parts, each short, about a million characters in all."""
MAX_NESTING = 100
"""The deepest nesting of brackets ``( [ {`` accepted in text Python's parser reads."""
MAX_OPERATORS = 2_000
"""The most operators, calls and subscripts accepted in one text Python's parser reads (bounds
the syntax tree's depth below the point where that recursive parser gives up)."""

_INT64 = np.iinfo(np.int64)
_WINDOW = 76  # characters of a long line shown around an error

# NumPy's string-valued keywords, taken by every function whose signature has one (cumsum's
# dtype, argsort's kind, quantile's method, pad's mode)
_STRING_NAMES = frozenset({"dtype", "casting", "order", "kind", "side", "method", "mode", "device"})
# the other parameters that take a string literal (or a tuple holding dimension names), by
# function
_STRING_PARAMS: dict[str, frozenset[str]] = {
    "einsum": frozenset({"subscripts"}),
    "one_hot": frozenset({"depth"}),
    "arange": frozenset({"start", "stop"}),
    "reshape": frozenset({"dims", "shape", "newshape"}),
    "broadcast_to": frozenset({"shape"}),
    # the derivative ops, whose shapes hold the inputs' dimension names
    "index_add": frozenset({"shape"}),
    "add_along_axis": frozenset({"shape"}),
    "diagonal_embed": frozenset({"shape"}),
    # products and linear algebra
    "linalg.norm": frozenset({"ord"}),
    "linalg.matrix_norm": frozenset({"ord"}),
    "linalg.eigh": frozenset({"UPLO"}),
    "linalg.eigvalsh": frozenset({"UPLO"}),
    "linalg.cond": frozenset({"p"}),
    "meshgrid": frozenset({"indexing"}),
    # array creation (shapes and sizes may be dimension names)
    "zeros": frozenset({"shape"}),
    "ones": frozenset({"shape"}),
    "full": frozenset({"shape"}),
    "eye": frozenset({"N", "M"}),
    "identity": frozenset({"n"}),
    "linspace": frozenset({"num"}),
}

_BINARY: dict[type, Any] = {
    ast.Add: ew.add,
    ast.Sub: ew.subtract,
    ast.Mult: ew.multiply,
    ast.Div: ew.divide,
    ast.Pow: ew.power,
    ast.MatMult: FUNCTIONS["matmul"],
}
_BINARY[ast.Mod] = FUNCTIONS["mod"]  # NumPy's % (the remainder with the divisor's sign)
# & and | on masks are NumPy's logical functions (on numbers they are bitwise: refused)
_BINARY[ast.BitAnd] = ew.mask_operator("&", ew.logical_and)
_BINARY[ast.BitOr] = ew.mask_operator("|", ew.logical_or)
_INVERT = ew.mask_operator("~", ew.logical_not)
_BINARY[ast.FloorDiv] = FUNCTIONS["floor_divide"]  # NumPy's // (the floor of the quotient)
# << and >> are NumPy's shifts of integers (of booleans too: True << True is an int8)
_BINARY[ast.LShift] = FUNCTIONS["left_shift"]
_BINARY[ast.RShift] = FUNCTIONS["right_shift"]
_MASK_XOR = ew.mask_operator("^", ew.logical_xor)
_POWER_HINT = "write ** for a power (or parse with power_caret=True)"


def _xor(a: Any, b: Any) -> Node:
    """``^`` as Python and NumPy read it, the exclusive or of masks or of integers (unless
    ``power_caret`` makes it a power); on floats, where a power was likely meant, the
    refusal says how to write one."""
    try:
        return _MASK_XOR(a, b)
    except DTypeError as e:
        raise DTypeError(f"{e}; {_POWER_HINT}") from None


_xor.__name__ = _xor.__qualname__ = "^"  # how errors name it
_BINARY[ast.BitXor] = _xor
_COMPARE: dict[type, Any] = {
    ast.Lt: ew.less,
    ast.LtE: ew.less_equal,
    ast.Gt: ew.greater,
    ast.GtE: ew.greater_equal,
    ast.Eq: ew.equal,
    ast.NotEq: ew.not_equal,
}

# how refusals name what they refuse
_CONSTRUCTS: dict[type, str] = {
    ast.Attribute: "attribute access",
    ast.Lambda: "a lambda",
    ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.Starred: "a starred argument",
    ast.BoolOp: "'and'/'or' (use where(cond, a, b) for choices)",
    ast.IfExp: "a conditional expression (use where(cond, a, b))",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
_OPERATORS: dict[type, str] = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~", ast.Not: "not", ast.In: "in",
    ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}

# names of math and other libraries that are not NumPy's, for the hint of an unknown function
_OTHER_NAMES = {"ln": "log", "var": "variance", "sgn": "sign", "logistic": "sigmoid",
                "expit": "sigmoid", "lgamma": "gammaln", "logsoftmax": "log_softmax"}
# SymPy's names of functions the reader spells as NumPy does, with what to write instead (the
# text of sympy's str(expr) then needs only these changes; sd.from_sympy reads the expression)
_SYMPY_NAMES = {
    "Abs": "abs(x)", "ceiling": "ceil(x)", "Mod": "mod(x, y) or x % y",
    "Max": "maximum(x, y), nested for more: maximum(x, maximum(y, z))",
    "Min": "minimum(x, y), nested for more: minimum(x, minimum(y, z))",
    "Heaviside": "heaviside(x, 0.5) (SymPy's value at 0 is 1/2 unless given)",
    "sec": "1 / cos(x)", "csc": "1 / sin(x)", "cot": "1 / tan(x)", "sech": "1 / cosh(x)",
    "csch": "1 / sinh(x)", "coth": "1 / tanh(x)", "asec": "arccos(1 / x)", "acsc": "arcsin(1 / x)",
    "acot": "arctan(1 / x)", "asech": "arccosh(1 / x)", "acsch": "arcsinh(1 / x)",
    "acoth": "arctanh(1 / x)", "root": "x ** (1 / n), or cbrt(x) for the real cube root",
    "real_root": "cbrt(x), or sign(x) * abs(x) ** (1 / n)", "frac": "x - floor(x)",
    "re": "real(z)", "im": "imag(z)", "arg": "angle(z)", "factorial": "gamma(x + 1)",
    "binomial": "gamma(n + 1) / (gamma(k + 1) * gamma(n - k + 1))",
    "besseli": "i0(x) or i1(x) (orders 0 and 1)", "exp_polar": "exp(x)",
    "besselj": "j0(x) or j1(x) (orders 0 and 1)", "bessely": "y0(x) or y1(x) (orders 0 and 1)",
    "besselk": "k0(x) or k1(x) (orders 0 and 1)",
    "Piecewise": "where(condition, a, b), nested for more conditions",
    "Rational": "p / q (a float64 constant)", "Integer": "the number", "Float": "the number",
    "Derivative": "the expression, then sd.grad(expr, x)",
}
# what a call with too many arguments may mean
_CALL_HINTS = {"log": "; a base is SymPy's log(x, b): write log(x) / log(b), or log2(x), log10(x)"}

_Number = (int, float, complex)
# a function's signature, read once (a text of thousands of calls reads the same few)
_signature = functools.lru_cache(maxsize=None)(inspect.signature)

# Names that read as NumPy's float constants unless ``shapes`` declares them as variables (-inf
# reads as one literal).
CONSTANTS = TEXT_CONSTANTS
_COMPLEX = "complex"  # complex(re, im) of two real literals is a complex literal, as the printer writes one
_VAR = "var"  # var('pi') is the variable pi, as the printer writes a variable named like a constant
_QUOTED_CONSTANT = re.compile(r"\bvar\(\s*(['\"])(" + "|".join(CONSTANTS) + r")\1\s*\)")


def _under(shown: str, mark: str) -> str:
    """``mark`` repeated to span ``shown`` as a terminal draws it, so a caret line stays under
    its column: a tab is kept as a tab, a wide character (CJK, fullwidth ``ｘ``) takes two
    marks and a combining accent none."""
    out = []
    for c in shown:
        if c == "\t":
            out.append("\t" if mark == " " else mark)
        elif unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf"):
            continue
        else:
            out.append(mark * (2 if unicodedata.east_asian_width(c) in ("W", "F") else 1))
    return "".join(out)


class _Text:
    """The source text, for messages that point into it."""

    def __init__(self, text: str, caret: bool) -> None:
        self.lines = text.splitlines() or [""]
        self.caret = caret
        self.superscripts = any(c in _SUPERSCRIPT_DIGITS for c in text)

    def spelled(self, node: ast.AST) -> str:
        """The text of ``node`` as written (a name before Python's NFKC reading of it)."""
        line = self.lines[node.lineno - 1].encode("utf-8")  # type: ignore[attr-defined]
        return line[node.col_offset:node.end_col_offset].decode("utf-8", errors="ignore")  # type: ignore[attr-defined]

    def error(self, message: str, line: int, col: int, end_col: int | None = None) -> ParseError:
        """A ParseError at 1-based ``line`` and 0-based character column ``col``."""
        line = max(1, min(line, len(self.lines)))
        src = self.lines[line - 1]
        col = max(0, min(col, len(src)))
        width = 1 if end_col is None else max(1, min(end_col, len(src)) - col)
        text = f"{message} (line {line}, column {col + 1})"
        if self.caret:
            if len(src) > _WINDOW:  # show a window around the column of a long line
                start = max(0, col - _WINDOW // 2)
                shown = src[start : start + _WINDOW]
                prefix = "..." if start else ""
                suffix = "..." if start + _WINDOW < len(src) else ""
                src, col = prefix + shown + suffix, col - start + len(prefix)
                width = min(width, len(shown) - (col - len(prefix)))
            text += f"\n  {src}\n  {_under(src[:col], ' ')}{_under(src[col:col + width], '^') or '^'}"
        err = ParseError(text)
        err.lineno, err.column, err.reason = line, col + 1, message  # type: ignore[attr-defined]
        return err

    def char_col(self, line: int, byte_col: int) -> int:
        """ast columns count UTF-8 bytes; messages count characters."""
        src = self.lines[max(0, min(line, len(self.lines)) - 1)]
        return len(src.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def at(self, node: ast.AST, message: str) -> ParseError:
        line = getattr(node, "lineno", 1)
        col = self.char_col(line, getattr(node, "col_offset", 0))
        end_line = getattr(node, "end_lineno", line)
        end = self.char_col(line, node.end_col_offset) if end_line == line and node.end_col_offset else None  # type: ignore[attr-defined]
        return self.error(message, line, col, end)

    def between(self, left: ast.AST, right: ast.AST, message: str) -> ParseError:
        """An error pointing at the operator between two operands."""
        line = left.end_lineno or 1  # type: ignore[attr-defined]
        if right.lineno == line:
            src = self.lines[line - 1]
            a = self.char_col(line, left.end_col_offset or 0)  # type: ignore[attr-defined]
            b = self.char_col(line, right.col_offset)
            gap = src[a:b]
            stripped = gap.strip().lstrip(")] \t").rstrip("([ \t")
            if stripped:
                start = a + gap.index(stripped)
                return self.error(message, line, start, start + len(stripped))
        return self.at(left, message)


_NUMBER_THEN_NAME = re.compile(r"(\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?)([A-Za-z_]\w*)")


# Python reads x² as the name x2 (NFKC): in a name they are refused, as a power was meant
_SUPERSCRIPT_DIGITS = frozenset("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")

# characters of typeset math that Python refuses, and what to write for them
_MATH_CHARACTERS = {"\u2212": "-", "\u00d7": "*", "\u22c5": "*", "\u2219": "*", "\u00f7": "/",
                    "\u2215": "/", "\u2264": "<=", "\u2265": ">=", "\u2260": "!=", "\u221a": "sqrt(...)",
                    "\u00b7": "*", "\u2013": "-"}


def _product_hint(e: SyntaxError, source: str) -> str:
    """For a number written against a name (``2x``, which Python reads as a bad number), how to
    write the product that was probably meant; for a character of typeset math (``−``, ``×``,
    ``≤``, a superscript after a number), what to write instead."""
    if e.msg.startswith("invalid character"):
        m = re.search(r"'(.)' \(U\+", e.msg)
        if m and m.group(1) in _MATH_CHARACTERS:
            return f" (write {_MATH_CHARACTERS[m.group(1)]} for {m.group(1)})"
        if m and m.group(1) in _SUPERSCRIPT_DIGITS:
            return f" (write ** for a power: x**{unicodedata.normalize('NFKC', m.group(1))})"
        return ""
    if not e.msg.startswith("invalid decimal literal") or not e.lineno:
        return ""
    lines = source.splitlines()
    if e.lineno > len(lines):
        return ""
    at = (e.offset or 1) - 1
    for m in _NUMBER_THEN_NAME.finditer(lines[e.lineno - 1]):
        if m.start() <= at < m.end():
            return f" (for a product write {m.group(1)}*{m.group(2)})"
    return ""


def _unpaired_bracket(source: str) -> tuple[str, tokenize.TokenInfo] | None:
    """The first bracket without its partner, worded as Python's parser words it: a closing
    one that closes nothing or another kind, or, where the text ends inside brackets, the
    innermost one still open. None if the brackets pair up."""
    opened: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type != tokenize.OP:
                continue
            if tok.string in "([{":
                opened.append(tok)
            elif tok.string in ")]}":
                if not opened:
                    return f"unmatched {tok.string!r}", tok
                if "([{".index(opened[-1].string) != ")]}".index(tok.string):
                    return (f"closing parenthesis {tok.string!r} does not match opening "
                            f"parenthesis {opened[-1].string!r}"), tok
                opened.pop()
    except tokenize.TokenError:  # the text ended inside brackets
        return (f"{opened[-1].string!r} was never closed", opened[-1]) if opened else None
    except SyntaxError:
        pass
    return None


def _check_limits(text: str, src: _Text, line_shift: int = 0, col_shift: int = 0) -> None:
    """Nesting and operator limits of one expression that starts at ``line_shift + 1``,
    column ``col_shift`` of the source."""
    depth = 0
    operators = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type != tokenize.OP:
                continue
            line, col = tok.start
            line, col = line + line_shift, col + (col_shift if line == 1 else 0)
            if tok.string in "([{":
                depth += 1
                operators += tok.string != "("
                if depth > MAX_NESTING:
                    raise src.error(f"brackets nested more than {MAX_NESTING} deep", line, col)
            elif tok.string in ")]}":
                depth -= 1
            elif tok.string not in (",", ":", "="):
                operators += 1
            if operators > MAX_OPERATORS:
                raise src.error(
                    f"more than {MAX_OPERATORS} operators; split the expression into parts "
                    "built from the Python API", line, col,
                )
    except (tokenize.TokenError, SyntaxError):
        pass  # Python's parser reports the syntax error itself, with a better message


def _caret_as_power(text: str) -> tuple[str, dict[int, list[int]]]:
    """``text`` with each ``^`` operator written ``**``, and per line (1-based) the character
    columns, in the returned text, of the ``**`` that replaced one.

    Python reads ``^`` as a bitwise operator that binds looser than ``+`` and ``*`` and groups to
    the left, so taking its tree's ``^`` for a power would read ``x^2 + 1`` as ``x**(2 + 1)``;
    written ``**``, it binds and groups as a power. Only operator tokens change, never strings."""
    lines: list[str] = []
    reader = io.StringIO(text).readline

    def readline() -> str:
        lines.append(reader())
        return lines[-1]

    carets: list[tuple[int, int]] = []
    try:
        for tok in tokenize.generate_tokens(readline):
            if tok.type == tokenize.OP and tok.string == "^":
                carets.append(tok.start)
    except (tokenize.TokenError, SyntaxError):
        pass  # Python's parser reports the syntax error itself; a ^ not reached stays and is refused
    widened: dict[int, list[int]] = {}
    for row, col in reversed(carets):  # right to left: earlier columns stay valid
        lines[row - 1] = lines[row - 1][:col] + "**" + lines[row - 1][col + 1:]
        widened.setdefault(row, []).insert(0, col)
    for row, cols in widened.items():  # columns in the widened line: each earlier ** adds one
        widened[row] = [c + k for k, c in enumerate(cols)]
    return "".join(lines) + reader(), widened


def _narrow(col: int, widened: list[int]) -> int:
    """A column of a widened line (``^`` written ``**``) as a column of the line as written."""
    return col - sum(1 for w in widened if w < col)


# -- reading the text into a syntax tree, without recursion ----------------------------------------
# Python's own parser recurses: a sum of a few thousand terms, or brackets nested a few hundred
# deep, exhaust it. The reader below builds the same ``ast`` tree (the same nodes, with the same
# positions) for the expressions symdiff accepts, with explicit stacks (operator precedence
# within a bracket, one frame per open bracket), so text of any depth reads. Anything it does
# not know (keywords such as ``not`` or ``lambda``, starred arguments, f-strings, a syntax error)
# makes it give up, and Python's parser reads the text instead, with its limits and its messages.

_BIN_PRECEDENCE = {"|": 2, "^": 3, "&": 4, "<<": 5, ">>": 5, "+": 6, "-": 6, "*": 7, "/": 7,
                   "//": 7, "%": 7, "@": 7, "**": 9}
_UNARY_PRECEDENCE = 8  # -x**2 is -(x**2), -x*y is (-x)*y
_BIN_AST: dict[str, type] = {
    "|": ast.BitOr, "^": ast.BitXor, "&": ast.BitAnd, "<<": ast.LShift, ">>": ast.RShift,
    "+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "//": ast.FloorDiv, "%": ast.Mod,
    "@": ast.MatMult, "**": ast.Pow,
}
_COMPARE_AST: dict[str, type] = {"<": ast.Lt, ">": ast.Gt, "==": ast.Eq, ">=": ast.GtE,
                                 "<=": ast.LtE, "!=": ast.NotEq}
_UNARY_AST: dict[str, type] = {"-": ast.USub, "+": ast.UAdd, "~": ast.Invert}
_NAME_CONSTANTS = TEXT_LITERAL_NAMES

_Span = tuple[int, int, int, int]  # first line, first column, last line, end column (bytes)


class _GiveUp(Exception):
    """The reader met something it does not read: Python's parser takes over."""


class _Frame:
    """One open bracket (or the whole text): the operators and operands of the item being read,
    the items before it, and what the bracket belongs to."""

    __slots__ = ("kind", "open", "head", "ops", "vals", "items", "comma", "keyword", "parts",
                 "first")

    def __init__(self, kind: str, open_: tuple[int, int] | None,
                 head: tuple[ast.AST, _Span] | None = None) -> None:
        self.kind = kind  # "top", "paren", "list", "call" or "sub"
        self.open = open_
        self.head = head  # the function called or the value indexed
        self.ops: list[tuple[str, int, tuple[int, int], str]] = []  # symbol, precedence, start, kind
        self.vals: list[tuple[ast.AST, _Span]] = []
        self.items: list[tuple[ast.AST, _Span]] = []
        self.comma = False
        self.keyword: tuple[str, tuple[int, int]] | None = None  # name= of the argument being read
        self.parts: list[ast.AST | None] | None = None  # a slice's bounds read so far
        self.first: tuple[int, int] | None = None  # where the item being read starts


def _located(node: ast.AST, span: _Span) -> ast.AST:
    node.lineno, node.col_offset, node.end_lineno, node.end_col_offset = span  # type: ignore[attr-defined]
    return node


def _number_literal(text: str) -> Any:
    t = text.replace("_", "")
    try:
        if t[-1] in "jJ":
            return complex(0.0, float(t[:-1]))
        if t[:2].lower() in ("0x", "0o", "0b"):
            return int(t, 0)
        if any(ch in t for ch in ".eE"):
            return float(t)
        if len(t) > 1 and t[0] == "0" and t.strip("0"):
            raise _GiveUp  # 007: Python refuses leading zeros
        return int(t)
    except ValueError:
        raise _GiveUp from None  # more digits than Python converts: its parser says so


def _string_literal(token: str) -> ast.Constant:
    prefix = token[: len(token) - len(token.lstrip("rRbBuUfF"))].lower()
    if "f" in prefix:
        raise _GiveUp
    # one literal token, read by Python's parser: nothing in it is evaluated
    try:
        return ast.parse(token, mode="eval").body  # type: ignore[return-value]
    except SyntaxError:  # b'α', '\N{nonsense}': the whole text's parse says where and why
        raise _GiveUp from None


class _Reader:
    def __init__(self, source: str) -> None:
        self.lines: list[str] = []
        reader = io.StringIO(source).readline

        def readline() -> str:
            self.lines.append(reader())
            return self.lines[-1]

        skip = (tokenize.NL, tokenize.COMMENT)
        self.at: tokenize.TokenInfo | None = None  # the token being read
        self.byte_offsets: dict[int, list[int]] = {}  # a non-ASCII line's columns in bytes
        try:
            # before a character it cannot read (x $ y) the tokenizer also gives the space as an
            # error token: the reader stops at the character, not at the space
            self.tokens = [t for t in tokenize.generate_tokens(readline) if t.type not in skip
                           and not (t.type == tokenize.ERRORTOKEN and t.string.isspace())]
        except (tokenize.TokenError, SyntaxError):
            raise _GiveUp from None

    def pos(self, at: tuple[int, int]) -> tuple[int, int]:
        """A tokenizer position (characters) as the line and UTF-8 byte column ast uses."""
        row, col = at
        line = self.lines[row - 1] if row <= len(self.lines) else ""
        if line.isascii():
            return row, col
        offsets = self.byte_offsets.get(row)
        if offsets is None:  # once per line: a long line of non-ASCII text stays linear
            offsets = [0]
            for ch in line:
                offsets.append(offsets[-1] + len(ch.encode("utf-8")))
            self.byte_offsets[row] = offsets
        return row, offsets[col] if col < len(offsets) else offsets[-1] + col - len(line)

    def read(self) -> ast.Expression:
        tokens = self.tokens
        stack = [_Frame("top", None)]
        expect = True  # an operand comes next (else an operator, a trailer or a closing bracket)
        last_end = (1, 0)  # where the latest token ends
        k = 0
        while True:
            tok = self.at = tokens[k]
            k += 1
            f = stack[-1]
            kind, s = tok.type, tok.string
            start, end = self.pos(tok.start), self.pos(tok.end)
            if kind == tokenize.OP and s in ")]":
                self.close(stack, s, last_end, end)
                expect = False
                last_end = end
                continue
            if kind == tokenize.OP and s == ",":
                if f.kind == "top":
                    raise _GiveUp  # a tuple is not an expression
                self.end_item(f, last_end, allow_empty=False)
                f.comma = True
                expect = True
                last_end = end
                continue
            if kind == tokenize.OP and s == ":" and f.kind == "sub":
                self.end_bound(f, start)
                expect = True
                last_end = end
                continue
            if f.first is None:
                f.first = start
            if expect:
                if kind == tokenize.NAME:
                    if s in _NAME_CONSTANTS:
                        node: ast.AST = ast.Constant(value=_NAME_CONSTANTS[s])
                    elif keyword.iskeyword(s):
                        raise _GiveUp  # not, lambda, await, ...: Python's parser reads or refuses them
                    elif (f.kind == "call" and f.keyword is None and not f.ops and not f.vals
                          and tokens[k].type == tokenize.OP and tokens[k].string == "="):
                        f.keyword = (s if s.isascii() else unicodedata.normalize("NFKC", s), start)
                        k += 1
                        last_end = self.pos(tokens[k - 1].end)
                        continue
                    else:
                        name = s if s.isascii() else unicodedata.normalize("NFKC", s)
                        node = ast.Name(id=name, ctx=ast.Load())
                    f.vals.append((node, (*start, *end)))
                elif kind == tokenize.NUMBER:
                    f.vals.append((ast.Constant(value=_number_literal(s)), (*start, *end)))
                elif kind == tokenize.STRING:
                    node = _string_literal(s)
                    while tokens[k].type == tokenize.STRING:  # "ab" "cd" is one literal
                        more = _string_literal(tokens[k].string).value
                        if type(more) is not type(node.value):  # type: ignore[attr-defined]
                            raise _GiveUp
                        node.value += more  # type: ignore[attr-defined]
                        end = self.pos(tokens[k].end)
                        k += 1
                    f.vals.append((node, (*start, *end)))
                elif kind == tokenize.OP and s in _UNARY_AST:
                    f.ops.append((s, _UNARY_PRECEDENCE, start, "u"))
                    last_end = end
                    continue
                elif kind == tokenize.OP and s in "([":
                    stack.append(_Frame("paren" if s == "(" else "list", start))
                    last_end = end
                    continue
                elif kind == tokenize.OP and s == "...":
                    f.vals.append((ast.Constant(value=Ellipsis), (*start, *end)))
                else:
                    raise _GiveUp
                for node, span in f.vals[-1:]:
                    _located(node, span)
                expect = False
            elif kind == tokenize.OP and (s in _BIN_PRECEDENCE or s in _COMPARE_AST):
                compare = s in _COMPARE_AST
                precedence = 1 if compare else _BIN_PRECEDENCE[s]
                ops = f.ops
                while ops and (ops[-1][1] > precedence or (ops[-1][1] == precedence and s != "**")):
                    if compare and ops[-1][3] == "c":
                        raise _GiveUp  # a < b < c: Python's tree, whose message names it
                    self.reduce(f)
                ops.append((s, precedence, start, "c" if compare else "b"))
                expect = True
            elif kind == tokenize.OP and s in "([":
                head = f.vals.pop()
                stack.append(_Frame("call" if s == "(" else "sub", start, head))
                expect = True
            elif kind == tokenize.OP and s == ".":
                attr = tokens[k]
                if attr.type != tokenize.NAME or keyword.iskeyword(attr.string):
                    raise _GiveUp
                k += 1
                value, span = f.vals.pop()
                end = self.pos(attr.end)
                name = attr.string if attr.string.isascii() else unicodedata.normalize("NFKC", attr.string)
                node = _located(ast.Attribute(value=value, attr=name, ctx=ast.Load()), (*span[:2], *end))
                f.vals.append((node, (*span[:2], *end)))
            elif kind in (tokenize.NEWLINE, tokenize.ENDMARKER) and f.kind == "top":
                if any(t.type not in (tokenize.NEWLINE, tokenize.ENDMARKER) for t in tokens[k:]):
                    raise _GiveUp
                body, _ = self.finish(f)
                if body is None:
                    raise _GiveUp
                return ast.Expression(body=body)
            else:
                raise _GiveUp
            last_end = end

    def reduce(self, f: _Frame) -> None:
        symbol, _, start, kind = f.ops.pop()
        if kind == "u":
            if not f.vals:
                raise _GiveUp
            operand, span = f.vals.pop()
            node: ast.AST = ast.UnaryOp(op=_UNARY_AST[symbol](), operand=operand)
            out = (*start, *span[2:])
        else:
            if len(f.vals) < 2:
                raise _GiveUp
            (right, rs), (left, ls) = f.vals.pop(), f.vals.pop()
            if kind == "c":
                node = ast.Compare(left=left, ops=[_COMPARE_AST[symbol]()], comparators=[right])
            else:
                node = ast.BinOp(left=left, op=_BIN_AST[symbol](), right=right)
            out = (*ls[:2], *rs[2:])
        f.vals.append((_located(node, out), out))  # type: ignore[arg-type]

    def finish(self, f: _Frame) -> tuple[ast.AST | None, _Span | None]:
        """The expression read since the last comma or colon (None if there is none)."""
        while f.ops:
            self.reduce(f)
        if not f.vals:
            return None, None
        if len(f.vals) != 1:
            raise _GiveUp
        return f.vals.pop()

    def end_bound(self, f: _Frame, colon: tuple[int, int]) -> None:
        """A colon in a subscript: the bound before it is read."""
        if f.keyword is not None:
            raise _GiveUp
        node, _ = self.finish(f)
        if f.parts is None:
            f.parts = []
        if len(f.parts) == 2:
            raise _GiveUp  # a[1:2:3:4]
        f.parts.append(node)
        if f.first is None:
            f.first = colon

    def end_item(self, f: _Frame, last_end: tuple[int, int], allow_empty: bool) -> bool:
        """The item before a comma or closing bracket goes to the frame's items; False when
        there was none (allowed only after a comma or right after the bracket opened)."""
        node, span = self.finish(f)
        if f.parts is not None:  # a slice: lower:upper:step
            parts = [*f.parts, node] + [None] * (2 - len(f.parts))
            lower, upper, step = parts
            assert f.first is not None
            out = (*f.first, *last_end)
            node, span = _located(ast.Slice(lower=lower, upper=upper, step=step), out), out
            f.parts = None
        elif node is not None and f.first is not None:
            span = (*f.first, *last_end) if f.kind == "sub" else span
        if f.keyword is not None:
            name, at = f.keyword
            if node is None:
                raise _GiveUp
            out = (*at, *span[2:])  # type: ignore[index]
            node, span = _located(ast.keyword(arg=name, value=node), out), out
            f.keyword = None
        elif node is not None and f.kind == "call" and f.items and isinstance(f.items[-1][0], ast.keyword):
            raise _GiveUp  # a positional argument after a keyword one (keywords are last)
        f.first = None
        if node is None:
            if not allow_empty:
                raise _GiveUp
            return False
        f.items.append((node, span))  # type: ignore[arg-type]
        return True

    def close(self, stack: list[_Frame], bracket: str, last_end: tuple[int, int],
              end: tuple[int, int]) -> None:
        f = stack.pop()
        if f.kind == "top" or (bracket == ")") != (f.kind in ("paren", "call")):
            raise _GiveUp
        # f(), (), [] and a trailing comma hold no item at the end; a[] is a syntax error
        self.end_item(f, last_end, allow_empty=f.comma or (not f.items and f.kind != "sub"))
        items = f.items
        assert f.open is not None
        parent = stack[-1]
        if f.kind == "paren":
            span = (*f.open, *end)
            if len(items) == 1 and not f.comma:
                node, _ = items[0]  # (x): the node itself, whose operator spans the brackets
            else:
                node = _located(ast.Tuple(elts=[n for n, _ in items], ctx=ast.Load()), span)
        elif f.kind == "list":
            span = (*f.open, *end)
            node = _located(ast.List(elts=[n for n, _ in items], ctx=ast.Load()), span)
        else:
            assert f.head is not None
            head, hs = f.head
            span = (*hs[:2], *end)
            if f.kind == "call":
                node = ast.Call(func=head, args=[n for n, _ in items if not isinstance(n, ast.keyword)],
                                keywords=[n for n, _ in items if isinstance(n, ast.keyword)])
            else:
                if not items:
                    raise _GiveUp  # a[]
                if len(items) == 1 and not f.comma:
                    index = items[0][0]
                else:
                    index = _located(ast.Tuple(elts=[n for n, _ in items], ctx=ast.Load()),
                                     (*items[0][1][:2], *last_end))
                node = ast.Subscript(value=head, slice=index, ctx=ast.Load())
            _located(node, span)
        parent.vals.append((node, span))


def _read_tree(source: str) -> tuple[ast.Expression | None, tokenize.TokenInfo | None]:
    """``source`` as ``ast.parse(source, mode="eval")`` reads it; or None and the token where
    the reader gave up (Python's parser then reads the text)."""
    reader: _Reader | None = None
    try:
        reader = _Reader(source)
        return reader.read(), None
    except (_GiveUp, IndexError):
        return None, reader.at if reader is not None else None


class _IndexValue:
    """``s_[1:, ::2]``: an index written as a value (NumPy's ``np.s_``), accepted only where a
    function takes an index (``index_add``'s third argument)."""

    __slots__ = ("index",)

    def __init__(self, index: Any) -> None:
        self.index = index


_INDEX_ARGS = {"index_add": "idx"}  # the parameters that take an s_[...] index


def _describe(value: Any) -> str:
    if isinstance(value, _IndexValue):
        return "an index s_[...]"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, tuple):
        return "a tuple"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, slice):
        return "a slice"
    if value is None:
        return "None"
    if value is Ellipsis:
        return "'...'"
    if isinstance(value, bool):
        return "a boolean"
    return type(value).__name__


def _holds_string(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            return True
        if isinstance(v, (tuple, list)):
            stack.extend(v)
    return False


def _leaf_variable(name: str, spec: Any, src: _Text, node: ast.AST) -> Node:
    """The variable ``name`` as described by ``shapes[name]``."""
    if isinstance(spec, Node):
        return spec
    dtype: Any = "float64"
    shape = spec
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], (tuple, list)):
        shape, dtype = spec
    try:
        return var(name, check_shape(shape, f"shape of {name!r}"), dtype)
    except (SymdiffError, TypeError, ValueError) as e:
        raise src.at(node, f"shapes[{name!r}]: {e}") from None


_Part = tuple[ast.AST, bool]  # a real literal (a number or the name inf or nan) and its minus sign


def _literal_numbers(node: ast.AST) -> list[tuple[_Part | None, _Part | None]] | None:
    """The numbers of a literal (``0.5``, ``-1``, ``2j``, ``complex(re, im)``, ``inf``, nested
    lists of them) in NumPy's order, each as its real and imaginary parts; None when ``node`` is
    anything else. Walked with a stack: a list nests as deep as the text."""
    numbers: list[tuple[_Part | None, _Part | None]] = []
    stack: list[ast.AST] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.List):
            stack.extend(reversed(item.elts))
            continue
        if isinstance(item, ast.Call) and _function_name(item.func) == _COMPLEX:
            if len(item.args) != 2 or item.keywords:
                return None
            re_, im = (_signed_literal(a) for a in item.args)
            if re_ is None or im is None:
                return None
            numbers.append((re_, im))
            continue
        part = _signed_literal(item)
        if part is None:
            return None
        imaginary = isinstance(part[0], ast.Constant) and isinstance(part[0].value, complex)
        numbers.append((None, part) if imaginary else (part, None))
    return numbers


def _signed_literal(node: ast.AST) -> _Part | None:
    """A number literal or the name inf or nan under any number of signs, or None."""
    negative = False
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        negative ^= isinstance(node.op, ast.USub)
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) in (int, float, complex):
        return node, negative
    if isinstance(node, ast.Name) and node.id in ("inf", "nan"):
        return node, negative
    return None


def _astype_target(node: ast.Call) -> np.dtype | None:
    """The dtype of ``astype(literal, dtype)`` when it is written as a literal string."""
    if _function_name(node.func) != "astype" or not node.args:
        return None
    given = node.args[1] if len(node.args) > 1 else next(
        (k.value for k in node.keywords if k.arg == "dtype"), None)
    if not isinstance(given, ast.Constant) or not isinstance(given.value, str):
        return None
    try:
        return np.dtype(given.value)
    except TypeError:
        return None


def _integers_only(value: list[Any]) -> bool:
    """Whether a (nested) list holds Python ints only (no bools, floats or complex numbers)."""
    stack: list[Any] = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
        elif type(v) is not int:
            return False
    return True


def _function_name(func: ast.AST) -> str | None:
    """``sin`` or ``linalg.inv``: a called name, dotted only as a registry key is; the text
    is looked up in FUNCTIONS, never resolved as an attribute."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        dotted = f"{func.value.id}.{func.attr}"
        if dotted in FUNCTIONS or any(k.startswith(func.value.id + ".") for k in FUNCTIONS):
            return dotted
    return None


def _method_name(func: ast.AST) -> str | None:
    """``sum`` in ``x.sum(...)``: a method of METHODS (not a registered dotted function name)."""
    if isinstance(func, ast.Attribute) and _function_name(func) is None:
        fn = METHODS.get(func.attr)
        if fn is not None and not isinstance(fn, property):
            return func.attr
    return None


def _registered_name(fn: Any) -> str | None:
    return next((k for k, f in FUNCTIONS.items() if f is fn), None)


# names of modules users prefix functions with (np.sum(x)): in text the functions are bare
_MODULES = frozenset({"np", "numpy", "sd", "symdiff", "math", "cmath", "jnp", "jax", "scipy", "sympy"})


def _module_path(node: ast.Attribute) -> list[str] | None:
    """``['np', 'linalg', 'inv']`` for ``np.linalg.inv``: a dotted name under a module name."""
    parts: list[str] = []
    at: ast.AST = node
    while isinstance(at, ast.Attribute):
        parts.append(at.attr)
        at = at.value
    if isinstance(at, ast.Name) and at.id in _MODULES:
        return [at.id, *reversed(parts)]
    return None


def _module_hint(path: list[str]) -> str:
    """How to write ``np.sum``, ``np.linalg.inv``, ``np.pi`` or ``np.float32`` in text."""
    for k in range(1, len(path)):
        name, prefix = ".".join(path[k:]), ".".join(path[:k]) + "."
        if name in FUNCTIONS:
            return f"; write {name}(...) without the {prefix!r} prefix"
        if name in CONSTANTS:
            return f"; write {name} without the {prefix!r} prefix"
    last = path[-1]
    if last in ("e", "E"):
        return "; write exp(1) for Euler's number (a bare e is a variable)"
    try:
        dtype = np.dtype(last) if last not in ("object", "str", "bytes", "void") else None
    except TypeError:
        dtype = None
    if dtype is not None and dtype.kind in "biufc":
        return f"; write a dtype by its name in quotes, as in {dtype.name!r}"
    return f"; {'.'.join(path)} has no symdiff counterpart (symdiff.FUNCTIONS lists the functions)"


def _attribute_refusal(node: ast.Attribute) -> str:
    hint = ""
    path = _module_path(node)
    if path is not None:
        hint = _module_hint(path)
    elif isinstance(METHODS.get(node.attr), property):
        hint = f"; {node.attr!r} is a property, not a method: write x.{node.attr}"
    elif node.attr in METHODS:
        hint = f"; {node.attr!r} is a method: call it, as in x.{node.attr}()"
    elif not node.attr.startswith("_"):
        hint = f" (the methods and properties accepted: {', '.join(sorted(METHODS))})"
    return f"attribute access is not allowed in a symdiff expression{hint}"


_MAX_ARRAY_DIMS = 64  # NumPy's limit (np.array of lists nested deeper raises ValueError)


class _Results(tuple):  # type: ignore[type-arg]
    """The several results of one call (``linalg.eigh``, ``linalg.slogdet``, ``split``): only indexing
    with an integer literal takes one of them."""

    fn_name: str

    def __new__(cls, fn_name: str, items: tuple[Node, ...]) -> _Results:
        out = super().__new__(cls, items)
        out.fn_name = fn_name
        return out

    def unpicked(self) -> str:
        return (f"{self.fn_name}() gives {len(self)} results; take one with an index, as in "
                f"{self.fn_name}(...)[0]")

    def pick(self, src: _Text, at: ast.AST, index: Any) -> Node:
        if isinstance(index, int) and not isinstance(index, bool) and -len(self) <= index < len(self):
            return self[index]  # type: ignore[no-any-return]
        raise src.at(at, f"{self.fn_name}() gives {len(self)} results; index them with 0 to {len(self) - 1}")


# integer arithmetic whose exact value is known while reading literals (Python's ints agree with
# NumPy's integers wherever the result fits the dtype), with how a message writes each operator
_EXACT_OPERATORS: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
    ast.LShift: "<<", ast.RShift: ">>",
}
_EXACT_ARITHMETIC: dict[type, Any] = {
    ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__,
    ast.FloorDiv: int.__floordiv__, ast.Mod: int.__mod__, ast.Pow: int.__pow__,
    ast.LShift: int.__lshift__, ast.RShift: int.__rshift__,
}
_WRITTEN_ARITHMETIC = re.compile(r"[\d_ ()+\-*/%<>^]+")
_EXACT_BITS = 128  # a power past this many bits fits no integer dtype: not computed


def _int_text(value: int) -> str:
    """An int as an operand in a message: a negative one in brackets, ``(-2) ** 63``."""
    return f"({value})" if value < 0 else str(value)


class _Parser:
    def __init__(self, text: str, shapes: Mapping[str, Any] | None, caret: bool, power_caret: bool):
        self.src = _Text(text, caret)
        self.power_caret = power_caret
        self.shapes: dict[str, Any] = {}
        if shapes is not None and not isinstance(shapes, Mapping):
            raise TypeError("parse: shapes must be a dict from variable names to shapes, such as "
                            f"{{'x': (3,)}}; got {type(shapes).__name__}")
        for k, v in (shapes or {}).items():
            if not isinstance(k, str):
                raise TypeError(f"shapes: names must be strings, got {k!r}")
            self.shapes[unicodedata.normalize("NFKC", k)] = v  # as Python's parser reads names
        self.variables: dict[str, Node] = {}
        self.pending: set[str] = set()  # names defined further down, after 'where'
        self.unused: set[str] = set()  # names defined after 'where' that nothing has read yet
        self.dimensions = self.dimension_names()
        self.defining: str | None = None  # the name whose definition is being read
        self.negated: set[ast.AST] = set()  # the literal 2**63 under a minus sign
        # the exact value of each node that integer arithmetic of literals made (2 ** 62 * 3):
        # checked against its dtype, so none wraps around unseen
        self.exact: dict[Node, int] = {}
        # literals of astype(literal, 'float128'): read from their digits at that precision,
        # so their float64 range does not apply
        self.extended: set[ast.AST] = set()
        # the s_[...] written as an index argument (index_add's), an index whatever s_ names
        self.index_args: set[ast.AST] = set()
        self.line_starts: list[int] | None = None  # where each line of the text starts
        # the constants' names the text also writes as variables, var('inf'), as to_text prints
        # a variable so named: there the bare name is the constant, whatever shapes lists
        self.quoted_constants: set[str] = set() if _VAR in self.shapes else {
            m.group(2) for m in _QUOTED_CONSTANT.finditer(text)}

    def line_of(self, text: str, offset: int) -> tuple[int, int]:
        """The 0-based line of ``text`` that ``offset`` is on, and where that line starts (found
        by bisection: a text of thousands of named parts is not scanned once per part)."""
        if self.line_starts is None:
            self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line, self.line_starts[line]

    def children(self, node: ast.AST) -> list[ast.AST]:
        """The sub-trees whose values ``combine`` needs; refuses nodes outside the whitelist."""
        src = self.src
        if isinstance(node, ast.Expression):
            return [node.body]
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                op = _OPERATORS.get(type(node.op), type(node.op).__name__)
                raise src.between(node.left, node.right, f"the operator {op!r} is not supported")
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
                op = _OPERATORS.get(type(node.op), type(node.op).__name__)
                raise src.at(node, f"the operator {op!r} is not supported")
            operand = node.operand
            if (isinstance(node.op, ast.USub) and isinstance(operand, ast.Constant)
                    and type(operand.value) is int and operand.value >= -_INT64.min):
                if operand.value > -_INT64.min:  # a negative number no integer dtype holds
                    raise self.src.at(node, "integer literal does not fit in int64; write it as "
                                            "a float (-1e30)")
                self.negated.add(operand)  # -9223372036854775808, int64's least value, fits
            return [node.operand]
        if isinstance(node, ast.Compare):
            if len(node.ops) > 1:
                masks = any(isinstance(c, ast.BinOp) and isinstance(c.op, (ast.BitAnd, ast.BitOr))
                            for c in node.comparators)
                hint = " (& and | bind tighter than comparisons: write (a > 0) & (b < 1))" if masks else ""
                raise src.at(node, "chained comparisons (a < b < c) are not supported; compare two "
                                   "values" + hint)
            if type(node.ops[0]) not in _COMPARE:
                op = _OPERATORS.get(type(node.ops[0]), type(node.ops[0]).__name__)
                raise src.between(node.left, node.comparators[0], f"the operator {op!r} is not supported")
            return [node.left, node.comparators[0]]
        if isinstance(node, ast.Call):
            self.check_call(node)
            target = _astype_target(node)
            if target is not None and extended_precision(target) and "astype" not in self.shapes:
                for number in _literal_numbers(node.args[0]) or ():
                    self.extended.update(part[0] for part in number if part is not None)
            receiver = [node.func.value] if _method_name(node.func) else []  # type: ignore[attr-defined]
            called = _function_name(node.func) or ""
            taker = _INDEX_ARGS.get(called)
            if taker is not None:  # index_add(g, (3,), s_[1]): an index, even beside a variable s_
                position = list(_signature(FUNCTIONS[called]).parameters).index(taker)
                given = node.args[position] if len(node.args) > position else next(
                    (k.value for k in node.keywords if k.arg == taker), None)
                if isinstance(given, ast.Subscript) and isinstance(given.value, ast.Name) \
                        and given.value.id == "s_":
                    self.index_args.add(given)
            return [*receiver, *node.args, *(k.value for k in node.keywords)]
        if isinstance(node, ast.Attribute):  # .T and .mT: properties from the method table
            if isinstance(METHODS.get(node.attr), property):
                return [node.value]
            raise src.at(node, _attribute_refusal(node))
        if isinstance(node, ast.Subscript):
            if self.index_value(node):
                return [node.slice]
            return [node.value, node.slice]
        if isinstance(node, ast.Slice):
            return [p for p in (node.lower, node.upper, node.step) if p is not None]
        if isinstance(node, (ast.Tuple, ast.List)):
            for e in node.elts:
                if isinstance(e, ast.Starred):
                    raise src.at(e, "a starred item is not supported")
            return list(node.elts)
        if isinstance(node, (ast.Name, ast.Constant)):
            return []
        what = _CONSTRUCTS.get(type(node), type(node).__name__)
        raise src.at(node, f"{what} is not allowed in a symdiff expression")

    def check_call(self, node: ast.Call) -> None:
        src = self.src
        method = _method_name(node.func)
        name = _function_name(node.func) if method is None else f".{method}"
        if method is not None and _module_path(node.func) is not None \
                and node.func.value.id not in self.shapes:  # type: ignore[attr-defined]
            name = None  # np.sum(x) is sum(x) misspelled, not the method sum of a variable np
        if name is None:
            if isinstance(node.func, ast.Attribute):
                raise src.at(node.func, _attribute_refusal(node.func))
            raise src.at(node.func, "only functions called by name, such as sin(x), are supported")
        if name == _COMPLEX and name not in self.shapes:
            if len(node.args) != 2 or node.keywords:
                raise src.at(node, "complex(re, im) takes two number literals")
            return
        quoted = [a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if name == _VAR and name not in self.shapes and quoted:  # var(x) is refused below: variance?
            if len(node.args) != 1 or node.keywords or not quoted[0].value:
                raise src.at(node, "var('name') takes one name in quotes: the variable of that name, "
                                   "as the text of a variable named like a constant (var('pi')) reads")
            return
        if method is None and name not in FUNCTIONS:
            near = difflib.get_close_matches(name, list(FUNCTIONS), n=3, cutoff=0.6)
            if name in _OTHER_NAMES:
                near = [_OTHER_NAMES[name], *(n for n in near if n != _OTHER_NAMES[name])]
            if f"linalg.{name}" in FUNCTIONS:  # norm(x) for linalg.norm(x), as NumPy spells it
                near = [f"linalg.{name}", *(n for n in near if n != f"linalg.{name}")]
            hint = f"; did you mean {', '.join(near)}?" if near else "; see symdiff.FUNCTIONS for the list"
            if name in _SYMPY_NAMES:
                hint = f"; that is SymPy's name: write {_SYMPY_NAMES[name]}"
            if value_shaped(name):  # as np.nonzero(expr) says
                hint = f": {value_shaped(name)}"
            if name in CONSTANTS and name not in self.shapes:
                hint = f"; {name!r} is a constant (NumPy's {name}), not a function"
            raise src.at(node.func, f"unknown function {name!r}{hint}")
        # for a method too, the first parameter is the receiver (x in x.sum(...))
        params = _signature(METHODS[method] if method else FUNCTIONS[name]).parameters
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise src.at(a, "starred arguments (*args) are not supported")
        named = [p for p in params.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        seen: set[str] = set()
        for k in node.keywords:
            if k.arg is None:
                raise src.at(k, "keyword unpacking (**kwargs) is not supported")
            if k.arg in seen:
                raise src.at(k, f"{name}(): keyword argument {k.arg!r} is repeated")
            seen.add(k.arg)
            if k.arg not in params or params[k.arg].kind not in (
                inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
            ):
                near = difflib.get_close_matches(k.arg, [p.name for p in named], n=2, cutoff=0.5)
                accepted = ", ".join(f"{p.name}=" for p in named[1:]
                                     if p.default is not p.empty and p.name != "out")  # no arrays in text
                hint = f"; did you mean {near[0]}=?" if near else ""
                raise src.at(
                    k, f"{name}() takes no keyword argument {k.arg!r}{hint} "
                    f"(it accepts {accepted or 'positional arguments only'})",
                )

    def combine(self, node: ast.AST, values: list[Any]) -> Any:
        src = self.src
        if isinstance(node, ast.Expression):
            return self.operand(node.body, values[0])
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            v = values[0]
            if isinstance(node.op, ast.Invert):
                return self.build(node, _INVERT, self.operand(node.operand, v))
            if isinstance(v, _Number) and not isinstance(v, bool):
                signed = -v if isinstance(node.op, ast.USub) else v  # a signed literal stays a literal
                if not isinstance(signed, int) or _INT64.min <= signed <= _INT64.max:
                    return signed  # (else -(-9223372036854775808): an int64 negation, as NumPy's)
            x = self.operand(node.operand, v)
            if not isinstance(node.op, ast.USub):
                return x
            negated = self.build(node, ew.negative, x)
            exact = self.exact_of(x)
            if exact is not None:
                self.integer_result(node, negated, -exact, f"-({_int_text(exact)})")
            return negated
        if isinstance(node, (ast.BinOp, ast.Compare)):
            left, right = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.left, node.comparators[0])
            fn = _BINARY[type(node.op)] if isinstance(node, ast.BinOp) else _COMPARE[type(node.ops[0])]
            a, b = self.operand(left, values[0]), self.operand(right, values[1])
            exact = (self.exact_of(a), self.exact_of(b))
            if not isinstance(a, Node) and not isinstance(b, Node):
                a = as_node(a)  # two literals: a constant node (nothing is computed here)
            out = self.build(node, fn, a, b, between=(left, right))
            if isinstance(node, ast.BinOp) and isinstance(out, Node):
                self.integer_arithmetic(node, out, *exact)
            return out
        if isinstance(node, ast.Call):
            return self.call(node, values)
        if isinstance(node, ast.Attribute):
            x = self.operand(node.value, values[0])
            # a property may give a number (x.size of a static shape), a literal as NumPy's
            return self.build(node, METHODS[node.attr].fget, as_node(x), number_ok=True)
        if isinstance(node, ast.Subscript):
            if self.index_value(node):
                if _holds_string(values[0]):
                    raise src.at(node.slice, "strings cannot be indices")
                return _IndexValue(values[0])
            x = values[0]
            if isinstance(x, _Results):
                return x.pick(src, node.slice, values[1])
            if isinstance(x, list):  # a constant array, as printed: [[0.5, 0.5]][:, [0, 1]]
                x = self.operand(node.value, x)
            if not isinstance(x, Node):
                raise src.at(node.value, f"only expressions can be indexed, not {_describe(x)}")
            index = values[1]
            if _holds_string(index):
                raise src.at(node.slice, "strings cannot be indices")
            if any(isinstance(i, _IndexValue) for i in (index if isinstance(index, tuple) else (index,))):
                raise src.at(node.slice, "an index s_[...] is only index_add's index; index with "
                                         "what is inside the brackets (x[1:3], not x[s_[1:3]])")
            return self.build(node, index_, x, index)
        if isinstance(node, ast.Slice):
            parts: list[Any] = []
            it = iter(values)
            for p in (node.lower, node.upper, node.step):
                if p is None:
                    parts.append(None)
                    continue
                v = next(it)
                if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                    raise src.at(p, f"slice bounds must be integer literals, not {_describe(v)}")
                parts.append(v)
            return slice(*parts)
        if isinstance(node, ast.Tuple):
            return tuple(values)
        if isinstance(node, ast.List):
            return list(values)
        raise src.at(node, f"{type(node).__name__} is not allowed in a symdiff expression")

    def exact_of(self, value: Any) -> int | None:
        """The exact value of an integer literal (a bool as 0 or 1), or of a node integer
        arithmetic of literals made; else None."""
        if isinstance(value, Node):
            return self.exact.get(value)
        return int(value) if isinstance(value, int) else None

    def integer_arithmetic(self, node: ast.BinOp, out: Node, x: int | None, y: int | None) -> None:
        """Checks ``out``, the node of ``x op y`` the text writes, against the exact value of
        the arithmetic: integer literals are int64 (uint64 past its largest), whose NumPy
        arithmetic wraps around silently; text meaning 10 ** 20 is refused, not read as
        7766279631452241920. A negative exponent known now is refused as a constant one is."""
        if out.dtype.kind not in "iu":  # a float or boolean result: NumPy's, as written
            return
        op = type(node.op)
        symbol = _EXACT_OPERATORS.get(op)
        if op is ast.Pow and y is not None and y < 0:
            error = ew.negative_integer_power(out.inputs[0].dtype, out.inputs[1].dtype, y)
            raise self.src.between(node.left, node.right, str(error))
        if symbol is None or x is None or y is None:
            return
        operands = f"{_int_text(x)} {symbol} {_int_text(y)}"
        if (op is ast.Pow and abs(x) > 1 and y * (abs(x).bit_length() - 1) > _EXACT_BITS
                or op is ast.LShift and x != 0 and y > _EXACT_BITS):
            # too large to compute (10 ** 10 ** 6), and to fit any integer dtype
            digits = (y * math.log10(abs(x)) if op is ast.Pow
                      else y * math.log10(2) + math.log10(abs(x))) + 1
            as_float = self.floated(node)
            hint = f"as a float ({as_float}) it is" if as_float else "it is"
            raise self.src.between(node.left, node.right,
                                   f"{self.arithmetic_text(node, operands)} has about {digits:.0f} "
                                   f"digits, which do not fit in {out.dtype}; {hint} past float64's "
                                   f"range too")
        if op in (ast.FloorDiv, ast.Mod) and y == 0:
            return  # NumPy's 0, with its warning, as for arrays
        if op in (ast.LShift, ast.RShift) and y < 0:
            return  # NumPy's 0; Python's shift refuses it
        self.integer_result(node, out, _EXACT_ARITHMETIC[op](x, y), operands)

    def integer_result(self, node: ast.BinOp | ast.UnaryOp, out: Node, exact: int, operands: str) -> None:
        """Records ``exact`` as the value of ``out`` when its dtype holds it; else refuses the
        text at the operator, saying the exact value (of ``operands``, the arithmetic with its
        operands' values) and how to write it as a float."""
        if out.dtype.kind not in "iu":
            return
        info = np.iinfo(out.dtype)
        if info.min <= exact <= info.max:
            self.exact[out] = exact
            return
        try:
            literal = repr(float(exact)).replace("e+", "e")
        except OverflowError:
            literal = None
        spelled = [s for s in (self.floated(node), literal) if s]
        how = (f"write it as a float: {' or '.join(spelled)}" if literal
               else f"as a float ({spelled[0]}) it is past float64's range too" if spelled
               else "it is past float64's range too")
        message = f"{self.arithmetic_text(node, operands)} is {exact}, which does not fit in {out.dtype}; {how}"
        if isinstance(node, ast.BinOp):
            raise self.src.between(node.left, node.right, message)
        line = node.lineno
        col = self.src.char_col(line, node.col_offset)
        raise self.src.error(message, line, col, col + 1)  # at the minus sign

    def arithmetic_text(self, node: ast.AST, values: str) -> str:
        """Integer arithmetic as a message shows it: as written when that is short and of
        literals only (``2**62*4``), else as ``values``, its operands' values (said only in an
        error: reading a long line's text once per operator would cost its length each time)."""
        if node.lineno == node.end_lineno:  # type: ignore[attr-defined]
            written = self.src.spelled(node)
            if len(written) <= 60 and _WRITTEN_ARITHMETIC.fullmatch(written):
                return written
        return values

    def floated(self, node: ast.AST) -> str | None:
        """A power of a decimal integer literal spelled with a float base, as written:
        ``10**20`` as ``10.0**20``; else None."""
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)
                and isinstance(node.left, ast.Constant) and node.lineno == node.end_lineno):
            return None
        written, base = self.src.spelled(node), self.src.spelled(node.left)
        if not (written.startswith(base) and re.fullmatch(r"\d[\d_]*", base)):
            return None
        return f"{base}.0{written[len(base):]}"

    def index_value(self, node: ast.Subscript) -> bool:
        """Whether ``node`` is ``s_[...]``, an index as a value (unless ``s_`` is a variable)."""
        return node in self.index_args or (
            isinstance(node.value, ast.Name) and node.value.id == "s_"
            and "s_" not in self.shapes and "s_" not in self.variables)

    def constant(self, node: ast.Constant) -> Any:
        v = node.value
        src = self.src
        if v is None or v is Ellipsis or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int):
            # past int64's largest, NumPy reads an int as uint64 (np.asarray(2**63)), as here
            if not fits_numpy_int(v) and node not in self.negated:
                raise src.at(node, "integer literal does not fit in int64 or uint64; write it as "
                                   "a float (1e30)")
            return v
        if isinstance(v, (float, complex)):
            if not (math.isfinite(v.real) and math.isfinite(v.imag)) and node not in self.extended:
                raise src.at(node, f"{type(v).__name__} literal is out of the float64 range")
            return v
        raise src.at(node, f"{_describe(v)} literal is not supported")

    def name(self, node: ast.Name | ast.Constant, quoted: bool = False) -> Node | float:
        """The value a name reads as; ``quoted`` (``var('pi')``), always a variable's."""
        name = node.value if quoted else node.id  # type: ignore[union-attr]
        src = self.src
        if src.superscripts and not quoted:
            spelled = src.spelled(node)
            if any(c in _SUPERSCRIPT_DIGITS for c in spelled):
                base = spelled.rstrip("".join(_SUPERSCRIPT_DIGITS))
                power = unicodedata.normalize("NFKC", spelled[len(base):])
                hint = f"{base}**{power} for a power, or " if base and power else ""
                raise src.at(node, f"{spelled!r} would read as the name {name!r} (Python reads a "
                                   f"superscript digit as a digit); write {hint}var({spelled!r}) for "
                                   f"a variable of that name")
        found = None if quoted else self.variables.get(name)  # (not a definition's name)
        if found is not None:
            self.unused.discard(name)
            return found
        if name.startswith("__") and not quoted:  # var('__x') is only a variable's name
            raise src.at(node, f"names beginning with '__' are reserved: {name!r}; write "
                               f"var({name!r}) for a variable of that name")
        if name in self.pending and not quoted:
            raise src.at(node, f"{name!r} is used before its definition below 'where'")
        if name == self.defining and not quoted:
            raise src.at(node, f"{name!r} is used in its own definition")
        if name in self.shapes and name in self.dimensions:
            # the text n of a variable n and of a dimension n's size would read back as one
            owner = self.dimensions[name]
            spec = self.shapes[owner]
            if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], (tuple, list)):
                spec = spec[0]  # (shape, dtype)
            shown = format_shape(spec.shape) if isinstance(spec, Node) else repr(spec)
            raise src.at(node, f"{name!r} is both a variable (shapes[{name!r}]) and a named dimension "
                               f"in the shape {shown} of {owner!r}; a name in the text is one or the "
                               f"other: rename the variable or the dimension (a dimension's name "
                               f"that shapes does not list reads as the dimension's size)")
        key = unicodedata.normalize("NFKC", name) if quoted else name  # shapes' keys are read so
        if name in self.quoted_constants and not quoted:
            return CONSTANTS[name]  # the text writes the variable var('inf'): bare, the constant
        if key in self.shapes:
            found = _leaf_variable(name, self.shapes[key], src, node)
        elif name in CONSTANTS and not quoted:
            return CONSTANTS[name]
        elif name in FUNCTIONS and not quoted:
            raise src.at(node, f"{name!r} is a function; call it, as in {name}(x)")
        elif name in self.dimensions and not quoted:
            found = dim_size(name)  # the run-time size of a named dimension, as text prints it
        else:
            found = var(name)
        if not quoted:  # a bare pi after var('pi') is still NumPy's pi
            self.variables[name] = found
        return found

    def dimension_names(self) -> dict[str, str]:
        """The named dimensions of the variables ``shapes`` declares, each with the first
        variable whose shape holds it."""
        names: dict[str, str] = {}
        for variable, spec in self.shapes.items():
            shape = spec.shape if isinstance(spec, Node) else spec
            if isinstance(shape, tuple) and len(shape) == 2 and isinstance(shape[0], (tuple, list)):
                shape = shape[0]  # (shape, dtype)
            if isinstance(shape, (tuple, list)):
                for d in shape:
                    if isinstance(d, str):
                        names.setdefault(d, variable)
            elif isinstance(shape, str):
                names.setdefault(shape, variable)
        return names

    def operand(self, node: ast.AST, value: Any) -> Any:
        """An arithmetic operand: an expression or a number literal."""
        if isinstance(value, _Results):
            raise self.src.at(node, value.unpicked())
        if isinstance(value, (Node, _Number)):  # True and False too: NumPy's booleans
            return value
        if isinstance(value, list):  # [1.0, 2.0] * x: a constant array, as NumPy reads the list
            return as_node(self.array_literal(node, value))
        raise self.src.at(node, f"{_describe(value)} cannot be used as a value here")

    def extended_literal(self, node: ast.AST, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
        """A literal read from its digits into ``dtype`` (longdouble or clongdouble), which holds
        more of them than the float64 the literal is otherwise read as."""
        numbers = _literal_numbers(node)
        assert numbers is not None and len(numbers) == math.prod(shape)  # array_literal read it
        parts = np.zeros((2, len(numbers)), dtype=np.finfo(dtype).dtype)  # real, imaginary
        for k, number in enumerate(numbers):
            for side, part in enumerate(number):
                if part is None:
                    continue
                leaf, negative = part
                if isinstance(leaf, ast.Name):
                    digits = leaf.id
                else:
                    assert isinstance(leaf, ast.Constant)
                    line = self.src.lines[leaf.lineno - 1].encode("utf-8")  # ast counts bytes
                    digits = line[leaf.col_offset:leaf.end_col_offset].decode("ascii")
                    digits = digits.replace("_", "").rstrip("jJ")
                    if digits[:2].lower() in ("0x", "0o", "0b"):
                        digits = str(int(digits, 0))
                with warnings.catch_warnings():  # 1e5000 is inf, as NumPy reads it
                    warnings.simplefilter("ignore", RuntimeWarning)
                    value = parts.dtype.type(digits)
                parts[side, k] = -value if negative else value
        if dtype.kind == "f":
            if parts[1].any():
                raise self.src.at(node, f"astype: a complex literal cannot be "
                                        f"{with_article(dtype.name)} constant; give a complex dtype")
            return parts[0].reshape(shape)
        out = np.empty(len(numbers), dtype=dtype)
        out.real, out.imag = parts[0], parts[1]
        return out.reshape(shape)

    def array_literal(self, node: ast.AST, value: list[Any]) -> np.ndarray:
        """A (nested) list of number literals as the array NumPy makes of it."""
        stack: list[tuple[Any, int]] = [(value, 1)]
        deepest = 0
        while stack:
            v, depth = stack.pop()
            if isinstance(v, list):
                deepest = max(deepest, depth)
                stack.extend((item, depth + 1) for item in v)
            elif not isinstance(v, _Number):  # bools are ints
                what = "an expression" if isinstance(v, Node) else _describe(v)
                hint = "; join expressions with stack([...]) or concatenate([...])" if isinstance(v, Node) else ""
                raise self.src.at(node, f"a list used as an array holds numbers only, not {what}{hint}")
        if deepest > _MAX_ARRAY_DIMS:
            raise self.src.at(node, f"a list used as an array has more than {_MAX_ARRAY_DIMS} "
                                    "dimensions, NumPy's limit")
        try:
            return np.array(value)
        except ValueError:
            raise self.src.at(node, "a list used as an array must be rectangular (each row as long)") from None

    def build(self, node: ast.AST, fn: Any, *args: Any, between: tuple[ast.AST, ast.AST] | None = None,
              number_ok: bool = False, **kwargs: Any) -> Any:
        """Call an op function, turning its complaints (shapes, dtypes, axes) into ParseErrors."""
        try:
            out = fn(*args, **kwargs)
        except (SymdiffError, TypeError, ValueError, IndexError, NotImplementedError) as e:
            what = getattr(fn, "__name__", "expression")
            msg = str(e) if str(e).startswith(what) else f"{what}: {e}"
            raise (self.src.between(*between, msg) if between else self.src.at(node, msg)) from e
        if isinstance(out, (tuple, list)) and out and all(isinstance(o, Node) for o in out):
            registered = next((k for k, f in FUNCTIONS.items() if f is fn), getattr(fn, "__name__", "call"))
            return _Results(registered, out)  # type: ignore[return-value]
        if number_ok and isinstance(out, int) and not isinstance(out, bool):
            return out
        if not isinstance(out, Node):
            raise self.src.at(node, "this does not make an expression")
        return out

    def call(self, node: ast.Call, values: list[Any]) -> Node | complex:
        method = _method_name(node.func)
        if method is None and _function_name(node.func) == _COMPLEX and _COMPLEX not in self.shapes:
            for a, v in zip(node.args, values):
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    what = "an expression" if isinstance(v, Node) else _describe(v)
                    raise self.src.at(a, f"complex(re, im) takes two real number literals, not {what}")
            return complex(values[0], values[1])  # a literal: nothing is computed
        if method is None and _function_name(node.func) == _VAR and _VAR not in self.shapes:
            return self.name(node.args[0], quoted=True)  # type: ignore[arg-type]
        arg_asts = list(node.args)
        if method is None:
            name = _function_name(node.func)
            assert name is not None  # checked in check_call
            fn = FUNCTIONS[name]
        else:  # x.sum(axis=0) is sum(x, axis=0): the receiver is the first argument
            receiver: ast.AST = node.func.value  # type: ignore[attr-defined]
            values = [as_node(self.operand(receiver, values[0])), *values[1:]]
            arg_asts.insert(0, receiver)
            fn = METHODS[method]
            name = _registered_name(fn) or method
        sig = _signature(fn)
        n = len(arg_asts)
        args, kwargs = values[:n], dict(zip((k.arg for k in node.keywords), values[n:]))
        asts = dict(zip((k.arg for k in node.keywords), (k.value for k in node.keywords)))
        shown = name if method is None else f".{method}"
        first = next(iter(sig.parameters.values()), None)
        if method is None and args and isinstance(args[0], Node) and first is not None \
                and str(first.annotation).startswith("Sequence"):
            try:  # concatenate(A, B) for concatenate([A, B]): said at the first argument
                array_list(name, args[0])
            except TypeError as e:
                raise self.src.at(arg_asts[0], str(e)) from None
        try:
            bound = sig.bind(*arg_asts, **asts)
        except TypeError as e:
            raise self.src.at(node, f"{shown}(): {e}{_CALL_HINTS.get(shown, '')}") from None
        allowed = _STRING_PARAMS.get(name, frozenset()) | (_STRING_NAMES & set(sig.parameters))
        by_ast = {id(a): v for a, v in zip([*arg_asts, *asts.values()], [*args, *kwargs.values()])}
        for param, given in bound.arguments.items():
            for a in given if isinstance(given, tuple) else (given,):
                v = by_ast[id(a)]
                if param not in allowed and _holds_string(v):
                    raise self.src.at(a, f"{shown}(): a string is not accepted as {param!r}")
                if isinstance(v, slice) or v is Ellipsis or (
                        isinstance(v, _IndexValue) and _INDEX_ARGS.get(name) != param):
                    raise self.src.at(a, f"{shown}(): {_describe(v)} is not accepted as {param!r}")
                if isinstance(v, _IndexValue):
                    by_ast[id(a)] = v.index
        args = [by_ast[id(a)] for a in arg_asts]
        kwargs = {k: by_ast[id(a)] for k, a in asts.items()}
        if name == "astype" and args and isinstance(args[0], (list, *_Number)):
            # a constant of a given dtype, as the printer writes one: astype([0.5], 'float32'),
            # astype(0.5, 'float32')
            listed = args[0]
            args[0] = self.array_literal(arg_asts[0], listed) if isinstance(listed, list) \
                else np.asarray(listed)
            target = _astype_target(node)
            if target is not None and extended_precision(target):
                # astype(0.33333333333333333334, 'float128'): all its digits
                args[0] = self.extended_literal(arg_asts[0], target, args[0].shape)
            elif (target is not None and target.kind in "iu" and args[0].dtype.kind == "f"
                  and isinstance(listed, list) and _integers_only(listed)):
                # astype([18446744073709551615, 0], 'uint64'): NumPy reads the list as float64
                # (no one integer dtype holds both), which loses digits; read it in the target
                try:
                    args[0] = np.array(listed, dtype=target)
                except OverflowError:  # astype([300, -1], 'uint8') wraps, as NumPy's astype
                    pass
        return self.build(node, fn, *args, **kwargs)

    def run(self, tree: ast.Expression) -> Node:
        # post-order with an explicit stack: the walk never recurses, whatever the depth
        values: dict[int, Any] = {}
        stack: list[tuple[ast.AST, list[ast.AST] | None]] = [(tree, None)]
        while stack:
            node, kids = stack.pop()
            if kids is None:
                kids = self.children(node)
                stack.append((node, kids))
                stack.extend((k, None) for k in reversed(kids))
                continue
            values[id(node)] = self.combine(node, [values.pop(id(k)) for k in kids])
        out = values[id(tree)]
        if type(out) is int:  # a part defined below 'where' as a literal: _1 = 4611686018427387904
            node = as_node(out)
            if node.dtype.kind in "iu":
                self.exact[node] = out
            return node
        if isinstance(out, _Results):
            raise self.src.at(tree.body, out.unpicked())
        if isinstance(out, _IndexValue):
            raise self.src.at(tree.body, "an index s_[...] is not an expression; it is index_add's index")
        return out if isinstance(out, Node) else as_node(out)


def parse(text: str, shapes: Mapping[str, Any] | None = None, caret: bool = True,
          power_caret: bool = False) -> Node:
    """An expression from text; names not in ``shapes`` are float64 scalars, except ``pi``,
    ``inf`` and ``nan``, which are NumPy's constants (``e`` is a variable: write ``exp(1)``),
    and the named dimensions of the shapes given, which are their sizes (int64 scalars).
    ``var('pi')`` is the variable named pi, as a variable named like a constant prints (and one
    whose bare name would read otherwise: ``var('sum')``, ``var('x-y')``); in a text that writes
    ``var('inf')``, a bare ``inf`` is the constant even where ``shapes`` lists a variable inf.

    ``shapes`` maps a name to a shape (``(4, 3)``, ``("n", 3)``), to ``(shape, dtype)``, or to a
    variable node. ``caret`` adds the offending line and a caret line to error messages;
    ``power_caret`` reads ``^`` as ``**`` (else it is Python's exclusive or, of integers or masks).
    A text of several expressions, one per line (as ``to_text`` prints several outputs), is
    read by :func:`parse_outputs`.

    >>> g = sd.parse("sum(tanh(W @ h + b))", shapes={"W": (4, 3), "h": (3,), "b": (4,)}); g
    sum(tanh(W @ h + b), axis=0)
    >>> g.shape, g.dtype
    ((), dtype('float64'))
    """
    return _parse_text(text, shapes, caret, power_caret, several=False)[0]


def parse_outputs(text: str, shapes: Mapping[str, Any] | None = None, caret: bool = True,
                  power_caret: bool = False) -> list[Node]:
    """The expressions of a text, one per line, as ``to_text`` prints several outputs (their
    shared parts named once below ``where`` stay shared); read as :func:`parse` reads one. A
    blank text, as ``to_text([])`` prints, is no expressions.

    >>> f, g = sd.parse_outputs("_1 * 2\\n_1 + 1\\nwhere\\n  _1 = sin(x) * x", shapes={"x": (3,)})
    >>> f, g
    (sin(x) * x * 2.0, sin(x) * x + 1.0)
    >>> f.inputs[0] is g.inputs[0]   # sin(x) * x, shared
    True
    """
    return _parse_text(text, shapes, caret, power_caret, several=True)


def _parse_text(text: str, shapes: Mapping[str, Any] | None, caret: bool, power_caret: bool,
                several: bool) -> list[Node]:
    if not isinstance(text, str):
        what = "parse_outputs" if several else "parse"
        raise TypeError(f"{what} expects a string, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:  # a lone surrogate: not text Python's parser can read
        shown = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
        before = text[: e.start]
        raise _Text(shown, caret).error(
            f"the text holds an unpaired surrogate U+{ord(text[e.start]):04X}, which is not valid Unicode",
            before.count("\n") + 1, e.start - (before.rfind("\n") + 1),
        ) from None
    parser = _Parser(text, shapes, caret, power_caret)
    src = parser.src
    if not text.strip():
        if several:  # to_text([]) is the empty text
            return []
        raise src.error("empty expression", 1, 0)
    if len(text) > MAX_TEXT_LENGTH:
        raise src.error(f"the text has {len(text)} characters, more than the limit of "
                        f"{MAX_TEXT_LENGTH}", 1, 0)
    body, definitions = _split_definitions(text, src)
    parser.pending = {name for name, *_ in definitions}
    parser.unused = set(parser.pending)
    for name, (begin, end), line, col in definitions:
        parser.pending.discard(name)
        if name.startswith("__") or name in FUNCTIONS or name in parser.shapes or name in parser.variables:
            what = ("a reserved name" if name.startswith("__") else "a function" if name in FUNCTIONS
                    else "a variable given in shapes" if name in parser.shapes else "already defined")
            raise src.error(f"{name!r} cannot be defined here: it is {what}", line, col, col + len(name))
        parser.defining = name
        parser.variables[name] = _parse_piece(parser, text, begin, end)
    parser.defining = None
    outputs = []
    pieces = _split_expressions(text, *body)
    for begin, end in pieces:  # each read first, so that text that is no expression says why
        outputs.append(_parse_piece(parser, text, begin, end))
    if len(pieces) > 1 and not several:
        begin, end = pieces[1]
        lead = text[: end - len(text[begin:end].lstrip())]
        raise src.error(f"the text holds {len(pieces)} expressions, one per line; parse reads one: "
                        f"read a list of them with sd.parse_outputs(text, shapes=...)",
                        lead.count("\n") + 1, len(lead) - (lead.rfind("\n") + 1))
    for name, _, line, col in definitions:
        if name in parser.unused:  # most likely a misspelled use, read as a new variable
            raise src.error(f"{name!r} is defined below 'where' but nothing reads it; a misspelled "
                            f"use of it would read as a new variable", line, col, col + len(name))
    return outputs


def _split_expressions(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """The spans of the expressions in ``text[begin:end]``, one per logical line as Python
    splits lines (a line break inside brackets, or after a backslash, continues the line); text
    the tokenizer cannot read is one span, whose reading says what is wrong with it."""
    piece = text[begin:end]
    if "\n" not in piece.strip() and "\r" not in piece.strip():
        return [(begin, end)]
    starts = [0]  # where each physical line of the piece starts
    for ln in piece.splitlines(keepends=True):
        starts.append(starts[-1] + len(ln))
    spans, at = [], 0
    try:
        for t in tokenize.generate_tokens(io.StringIO(piece).readline):
            if t.type == tokenize.NEWLINE:
                row, col = t.end
                stop = starts[row - 1] + col if row <= len(starts) - 1 else len(piece)
                if piece[at:stop].strip():
                    spans.append((begin + at, begin + stop))
                at = stop
    except (tokenize.TokenError, SyntaxError):
        return [(begin, end)]
    if piece[at:].strip():
        spans.append((begin + at, end))
    return spans or [(begin, end)]


_DEFINITION = re.compile(r"[ \t]*([^\W\d]\w*)[ \t]*=(?!=)")


def _split_definitions(
    text: str, src: _Text,
) -> tuple[tuple[int, int], list[tuple[str, tuple[int, int], int, int]]]:
    """Text as ``to_text`` prints a graph with shared parts: the expression, then a line
    ``where`` and one ``name = expression`` line per part. Returns the expression's span and,
    in order, each definition's name, span, line and column (spans index ``text``)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln))
    at = next((k for k, ln in enumerate(lines) if ln.strip() == "where"), None)
    if at is None:
        return (0, len(text)), []
    definitions = []
    for k in range(at + 1, len(lines)):
        if not lines[k].strip():
            continue
        m = _DEFINITION.match(lines[k])
        if m is None:
            raise src.error("after 'where' each line defines one part: name = expression", k + 1,
                            len(lines[k]) - len(lines[k].lstrip()))
        definitions.append((m.group(1), (offsets[k] + m.end(), offsets[k + 1]), k + 1, m.start(1)))
    if not text[: offsets[at]].strip():
        raise src.error("the expression is missing before 'where'", at + 1, 0)
    return (0, offsets[at]), definitions


# what to_text prints for a constant array too large to write out (ops.base.placeholder_text)
_PLACEHOLDER = re.compile(r"const<\w+\([\d, ]*\)>")


def _parse_piece(parser: _Parser, text: str, begin: int, end: int) -> Node:
    """The expression ``text[begin:end]``; error positions count in the whole ``text``. A
    placeholder of a constant, which no expression holds, is refused as what it is."""
    try:
        return _read_piece(parser, text, begin, end)
    except ParseError:
        found = _PLACEHOLDER.search(text, begin, end)
        if found is None:
            raise
    lead = text[: found.start()]
    raise parser.src.error(
        f"{found.group()} stands for a constant array whose values are not in the text (to_text "
        f"writes out the values of constants of up to {TEXT_ELEMENTS} elements); write the values, "
        f"or a variable in its place, given in shapes, whose values are passed when evaluating",
        lead.count("\n") + 1, len(lead) - (lead.rfind("\n") + 1),
        len(lead) - (lead.rfind("\n") + 1) + len(found.group())) from None


def _read_piece(parser: _Parser, text: str, begin: int, end: int) -> Node:
    src = parser.src
    piece = text[begin:end]
    # Python refuses leading indentation; parse the piece without it and shift positions back
    body = piece.lstrip()
    start = begin + len(piece) - len(body)
    line_shift, line_start = parser.line_of(text, start)
    col_shift = start - line_start
    byte_shift = len(text[line_start:start].encode("utf-8"))
    if len(body.rstrip()) > MAX_LENGTH:
        raise src.error(f"the expression has {len(body.rstrip())} characters, more than the limit "
                        f"of {MAX_LENGTH} (name parts of it below 'where')", line_shift + 1, col_shift)
    source, widened = _caret_as_power(body) if parser.power_caret else (body, {})
    tree, stop = _read_tree(source)
    try:
        if tree is None:  # Python's parser reads the rest, and words its syntax errors
            try:
                _check_limits(body, src, line_shift, col_shift)
            except ParseError:
                if stop is None:
                    unpaired = _unpaired_bracket(source)  # deep, and a bracket is unpaired
                    if unpaired is None:
                        raise
                    what, bracket = unpaired
                    line, col = bracket.start
                    col = _narrow(col, widened.get(line, [])) + (col_shift if line == 1 else 0)
                    raise src.error(f"invalid syntax: {what}", line + line_shift, col) from None
                # too long for Python's parser: say where the reader stopped
                line, col = stop.start
                what = f"cannot read {stop.string!r} here" if stop.string.strip() else \
                    "the expression ends too early"
                col = _narrow(col, widened.get(line, [])) + (col_shift if line == 1 else 0)
                raise src.error(f"{what} (invalid or unsupported syntax)", line + line_shift,
                                col) from None
            tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        e = error
        if not e.offset:  # an error at the very end: Python gives no column unless the line ends
            try:
                ast.parse(source + "\n", mode="eval")
            except SyntaxError as at_end:
                e = at_end
        line = e.lineno or 1
        shift = col_shift if line == 1 else 0
        col = _narrow((e.offset or 1) - 1, widened.get(line, [])) + shift
        end_col = None
        if e.end_offset and e.end_lineno == e.lineno and e.end_offset > (e.offset or 0):
            end_col = _narrow(e.end_offset - 1, widened.get(line, [])) + shift
        what = e.msg if e.msg.startswith("invalid syntax") else f"invalid syntax: {e.msg}"
        raise src.error(f"{what}{_product_hint(e, source)}", line + line_shift,
                        col, end_col) from None
    except (RecursionError, MemoryError):
        raise src.error(
            "the expression is nested too deeply for Python's parser; split it into parts", 1, 0
        ) from None
    if line_shift or byte_shift or widened:
        for n in ast.walk(tree):  # ast.walk is iterative (a queue)
            if not hasattr(n, "lineno"):
                continue
            if widened:  # ** and ^ are ASCII: columns in bytes shift as they do in characters
                n.col_offset = _narrow(n.col_offset, widened.get(n.lineno, []))  # type: ignore[attr-defined]
                if getattr(n, "end_lineno", None) is not None and n.end_col_offset is not None:  # type: ignore[attr-defined]
                    n.end_col_offset = _narrow(n.end_col_offset, widened.get(n.end_lineno, []))  # type: ignore[attr-defined]
            if n.lineno == 1:  # type: ignore[attr-defined]
                n.col_offset += byte_shift  # type: ignore[attr-defined]
            if getattr(n, "end_lineno", None) == 1 and n.end_col_offset is not None:  # type: ignore[attr-defined]
                n.end_col_offset += byte_shift  # type: ignore[attr-defined]
            n.lineno += line_shift  # type: ignore[attr-defined]
            if getattr(n, "end_lineno", None) is not None:
                n.end_lineno += line_shift  # type: ignore[attr-defined]
    try:
        return parser.run(tree)
    except (RecursionError, MemoryError):
        raise src.error("the expression is too large to build", 1, 0) from None
