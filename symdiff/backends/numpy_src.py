"""The code generator: graph outputs -> the text of one standalone Python module over NumPy.

The module reads like hand-written staged backprop: one statement per op, each written by the
op's own ``emit`` template (the evaluator compiles the very same template, so the two agree to
the last bit), names taken from the user's variables, a forward then a backward section, input
validation that names the argument, ``del`` of every array as soon as it is dead, and NumPy's
``out=`` form where a dead buffer of the right shape and dtype can take the result. A NumPy call
that several ops take parts of (``np.linalg.svd``'s U, S and Vh) runs once, into a temporary the
parts are read from.

When every input, output and intermediate is a float64 scalar and every op has a Python-float
template (``emit_scalar``), the function runs on ``math`` and Python floats instead; any
``ArithmeticError`` or ``ValueError`` there (``math.exp`` overflow, division by zero, a domain
error) falls back to the NumPy version, so results keep NumPy's inf/nan semantics. Either way
a scalar result is returned as a 0-d array, as the evaluator returns it.

User names only reach the source through :func:`safe_identifier` (identifiers) or ``repr``
(string literals, docstrings), never as raw text.
"""

from __future__ import annotations

import base64
import builtins
import collections
import functools
import keyword
import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError, UnknownVariableError
from ..ir import (
    Dim, Node, Op, flatten_outputs, format_shape, map_nest, substitute, toposort,
    unflatten_outputs,
)
from ..ops.base import (
    HELPERS, Const, Part, Var, _item_source, call_key, const, constant_call, extended_precision,
    helper_source, kernel, literal,
)
from ..ops.diagonals import DiagonalEmbed, FusedSum, fuse_diagonal_sums
from ..ops.elementwise import Binary, Elementwise, StopGradient
from ..ops.nn import LogSoftmax, OneHot, Softmax
from ..ops.products import MatMul
from ..ops.reduce import Reduction
from ..ops.layout import Flip
from ..ops.shape import Arange, BroadcastTo, Concatenate, IndexAdd, Transpose
from ..ops.base import graph_variables
from .inputs import input_array

# Constant arrays up to this many elements are written as literals; larger ones as base64 bytes,
# unless they are runs of equal values (see _runs_source).
INLINE_CONST_LIMIT = 16

# A constant of up to this many runs of equal values (in C order) is written as the runs, however
# small its runs are; a larger number of runs is written so only where they average
# RUN_LENGTH_MIN elements or more.
FEW_RUNS = 8
RUN_LENGTH_MIN = 8

# Ops whose result is always a newly allocated array (for ndim >= 1) that no other name shares,
# so a dead one may be overwritten in place (unless the op says its result may be a view, as
# stop_gradient, real and imag do). Anything else (reshape, transpose, indexing, broadcast_to,
# einsum) may return a view, and its inputs are never overwritten.
_FRESH: tuple[type[Op], ...] = (
    Elementwise, Reduction, Softmax, LogSoftmax, OneHot, IndexAdd, Concatenate, Arange,
    DiagonalEmbed,
)

# Ops whose result is always a view of their first input's array (a reshape or an index may
# copy): one of an input or a constant holds no memory of its own, so it is never deleted.
_ALWAYS_VIEW: tuple[type[Op], ...] = (Transpose, BroadcastTo, Flip)

# Parts of the graph that read no input (a Jacobian's seed rows, the constant terms of a Hessian)
# are computed once, when the code is generated, into module constants of up to this many
# elements; larger ones are left to run time rather than written out as long base64 texts.
FOLD_LIMIT = 1024

# Short words for temporaries; other ops use their own name.
_WORDS = {
    "add": "plus", "sub": "minus", "mul": "times", "div": "over", "pow": "power", "neg": "neg",
    "matmul": "mm", "getitem": "item", "broadcast_to": "bcast", "index_add": "scatter",
    "astype": "cast", "log_softmax": "logp", "softmax": "probs", "transpose": "tr",
    "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le", "equal": "eq",
    "not_equal": "ne", "dimsize": "size", "stop_gradient": "nograd", "maximum": "max",
    "minimum": "min", "logsumexp": "lse", "concatenate": "cat", "sum": "total", "max": "top",
    "min": "bottom", "abs": "absval", "prod": "product", "one_hot": "onehot",
}

_RUNTIME_ARRAY = '''
def _array(value, name, dtype, shape):
    """value as an array of dtype with len(shape) axes and the static sizes of shape."""
    arr = input_array(value, "argument", name, dtype)
    if arr.shape == shape:  # (the common call, checked first)
        return arr
    if arr.ndim != len(shape) or any(
        isinstance(want, int) and want != got for want, got in zip(shape, arr.shape)
    ):
        want = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"argument {name!r} is declared with shape {want} but was given shape {arr.shape}")
    return arr


def _mismatch(name, axis, dim, got, bound, bound_by):
    return ValueError(
        f"argument {name!r}: dimension {dim!r} (axis {axis}) is {got} here but {bound} "
        f"in argument {bound_by!r}"
    )
'''

_RUNTIME_SCALAR = '''

def _scalar(value, name):
    """value as a Python float (a float64 scalar argument)."""
    return float(_array(value, name, np.dtype(np.float64), ()))
'''


def _reserved() -> set[str]:
    words = set(dir(builtins)) | set(keyword.kwlist) | set(getattr(keyword, "softkwlist", []))
    return words | {"np", "math", "base64"} | set(HELPERS)


_RESERVED = _reserved()


def _ascii_part(c: str) -> str:
    if c.isascii():
        return c if c.isalnum() or c == "_" else "_"
    try:  # a Greek or other letter: its Unicode name's last word, e.g. "alpha"
        word = unicodedata.name(c).split()[-1].lower()
    except ValueError:
        return "_"
    return f"_{word}_" if word.isascii() and word.isalnum() else "_"


# A name that safe_identifier returns unchanged, unless it is reserved: ASCII letters and digits
# in runs joined by single underscores, starting with a letter (gradient names "d" + a safe name).
_ALREADY_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*")


def safe_identifier(text: str) -> str:
    """An ASCII identifier derived from ``text`` that is never a keyword or builtin, never
    starts with ``_`` (those names belong to the generated module) and never starts with a digit.

    >>> from symdiff.backends.numpy_src import safe_identifier
    >>> safe_identifier("class"), safe_identifier("x\\ny"), safe_identifier("θ")
    ('class_', 'x_y', 'theta')
    """
    if type(text) is str and _ALREADY_SAFE.fullmatch(text) and text not in _RESERVED:
        return text
    return _made_safe(text)


@functools.lru_cache(maxsize=4096)
def _made_safe(text: str) -> str:
    s = re.sub("_+", "_", "".join(_ascii_part(c) for c in str(text))).strip("_")
    if not s:
        s = "v"
    if s[0].isdigit():
        s = "v" + s
    if s in _RESERVED:
        s += "_"
    return s


class _Namer:
    """Hands out unique safe identifiers."""

    def __init__(self, used: set[str] = _RESERVED) -> None:
        self.used = set(used)
        self.next: dict[str, int] = {}  # base -> the next suffix to try (keeps claiming linear)

    def claim(self, wanted: str) -> str:
        base = safe_identifier(wanted)
        name, k = base, self.next.get(base, 2)
        while name in self.used:
            name = f"{base}_{k}"
            k += 1
        self.next[base] = k
        self.used.add(name)
        return name


class _Source(str):
    """Source text that shows as itself inside a container's repr (a returned nest of names)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def _docstring_text(text: str) -> str:
    """``text`` made safe inside a triple-quoted string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _py_float(v: float, mod: str) -> str:
    if v != v:  # a NaN's sign bit is read by copysign, signbit and sign
        return f"(-{mod}.nan)" if math.copysign(1.0, v) < 0 else f"{mod}.nan"
    if v in (float("inf"), float("-inf")):
        return f"{mod}.inf" if v > 0 else f"(-{mod}.inf)"
    text = repr(v)
    return f"({text})" if text.startswith("-") else text


def _py_scalar(value: np.ndarray, mod: str) -> str:
    """A Python literal for a 0-d constant (weakly typed in NumPy 2 promotion)."""
    v = value.item()
    if isinstance(v, float):
        return _py_float(v, mod)
    if isinstance(v, bool):
        return repr(v)
    if isinstance(v, int):
        return f"({v})" if v < 0 else repr(v)
    if not (math.isfinite(v.real) and math.isfinite(v.imag)) or any(
            p == 0 and math.copysign(1.0, p) < 0 for p in (v.real, v.imag)):
        # repr writes (inf+0j) and (nan+nanj), which do not read back, and (-0-1j) and (1-0j),
        # which read back as arithmetic on the zero that loses its sign
        return f"complex({_py_float(v.real, mod)}, {_py_float(v.imag, mod)})"
    return f"({v!r})"  # complex


def _source_value(v: Any) -> Any:
    """The Python value that ``_item_source(v)`` reads back as (a NaN's payload is lost)."""
    if isinstance(v, float) and math.isnan(v):
        return math.copysign(math.nan, v)
    if isinstance(v, complex):
        return complex(_source_value(v.real), _source_value(v.imag))
    return v


def _runs_source(value: np.ndarray) -> str | None:
    """Source building ``value`` (1-d or more) from its runs of equal elements in C order,
    ``np.full(...)`` for one run, ``np.repeat(np.array([...]), [counts]).reshape(...)`` for
    a few, bit for bit (so -0.0 and 0.0 are runs of their own); None where there are too many
    runs for the size, or a value that a literal does not read back exactly (a NaN's payload,
    a long double's extra digits)."""
    size, dt = value.size, value.dtype
    if size < 2 or dt.kind not in "biufc" or extended_precision(dt):
        return None
    cells = np.ascontiguousarray(value).reshape(-1).view(np.uint8).reshape(size, dt.itemsize)
    starts = np.flatnonzero(np.concatenate([[True], np.any(cells[1:] != cells[:-1], axis=1)]))
    runs = len(starts)
    if not (runs * RUN_LENGTH_MIN <= size or runs <= FEW_RUNS and size > INLINE_CONST_LIMIT):
        return None
    firsts = value.reshape(-1)[starts]
    if not _reads_back(firsts):
        return None
    items = firsts.tolist()
    if runs == 1:
        return f"np.full({value.shape!r}, {_item_source(items[0])}, dtype=np.{dt.name})"
    counts = np.diff(np.append(starts, size)).tolist()
    text = f"np.repeat({literal(firsts)}, {counts!r})"
    return text if value.ndim == 1 else f"{text}.reshape({value.shape!r})"


def _array_source(value: np.ndarray) -> str:
    """Exact source for a constant array (1-d or more): by its structure where it has one (runs
    of equal values, a band on one diagonal, a smaller array broadcast), else its elements, as a
    literal up to ``INLINE_CONST_LIMIT`` of them and as base64 bytes beyond."""
    structured = _diagonal_source(value) or _broadcast_source(value) or _runs_source(value)
    if structured is not None:
        return structured
    if value.size <= INLINE_CONST_LIMIT and _reads_back(value):
        return literal(value)
    data = base64.b64encode(np.ascontiguousarray(value).tobytes()).decode("ascii")
    chunks = [data[k : k + 88] for k in range(0, len(data), 88)] or [""]
    body = "\n".join(f'    "{c}"' for c in chunks)
    return f"np.frombuffer(base64.b64decode(\n{body}\n), dtype={value.dtype.str!r}).reshape({value.shape!r})"


def _broadcast_source(value: np.ndarray) -> str | None:
    """``np.broadcast_to(part, shape)`` for a constant whose slices along some axes are all the
    same bits (a mask of one column, a row repeated down a matrix), ``part`` being one of them;
    None for any other."""
    if value.ndim == 0 or value.size <= INLINE_CONST_LIMIT or value.dtype.kind not in "biufc":
        return None
    cells = np.ascontiguousarray(value).view(np.uint8).reshape(value.shape + (-1,))
    part = value
    for axis, length in enumerate(value.shape):
        first = cells.take([0], axis=axis)
        if length > 1 and np.array_equal(cells, np.broadcast_to(first, cells.shape)):
            part, cells = part.take([0], axis=axis), first
    if part.size == value.size:
        return None
    while part.ndim and part.shape[0] == 1:  # (broadcasting adds leading axes itself)
        part = part[0]
    if part.ndim == 0:  # (every element equal: one run, which _runs_source writes)
        return None
    return f"np.broadcast_to({_array_source(part)}, {value.shape!r})"


def _reads_back(value: np.ndarray) -> bool:
    """Whether ``literal(value)`` builds ``value`` bit for bit (not a NaN's payload, nor a long
    double's extra digits)."""
    if extended_precision(value.dtype):
        return False
    items = [_source_value(v) for v in value.reshape(-1).tolist()]
    return np.array(items, dtype=value.dtype).tobytes() == np.ascontiguousarray(value).tobytes()


def _diagonal_source(value: np.ndarray) -> str | None:
    """Source building a matrix ``value`` that is zero off one diagonal ``k``: ``np.eye(n, m,
    k, dtype=...)`` for ones or a mask, scaled (``0.5 * np.eye(10)``, ``-np.eye(3)`` whose zeros
    are -0.0) for one value along it, ``np.diag([...], k)`` for a square matrix with any values
    there (a Hessian's constant part), ``-np.diag([...], k)`` for one whose zeros are all -0.0;
    None for any other matrix, or where these would not build its bits (zeros of both signs)."""
    if value.ndim != 2 or value.size <= INLINE_CONST_LIMIT or value.dtype.kind not in "biufc" \
            or extended_precision(value.dtype):
        return None
    (n, m), dt = value.shape, value.dtype
    rows, cols = np.nonzero(value != 0)  # (NaN too)
    if not len(rows) or np.any(cols - rows != cols[0] - rows[0]):
        return None
    k = int(cols[0] - rows[0])
    bits = np.ascontiguousarray(value).tobytes()
    band = np.diagonal(value, k)
    eye = f"np.eye({n}{f', {m}' if m != n else ''}{f', k={k}' if k else ''}, dtype=np.{dt.name})"
    unit = np.eye(n, m, k, dtype=dt)
    if unit.tobytes() == bits:
        return eye
    first = _source_value(band[0].item())
    with np.errstate(all="ignore"):
        try:
            scaled = np.multiply(first, unit, dtype=dt)
        except (OverflowError, TypeError):
            scaled = None
    if scaled is not None and scaled.tobytes() == bits:
        return f"{_item_source(first)} * {eye}"
    if n != m:
        return None
    offset = f", {k}" if k else ""
    if np.diag(band, k).tobytes() == bits:
        return f"np.diag({_array_source(band)}{offset})"
    if dt.kind in "fc":  # a negated diagonal (-diag(d) folded), whose zeros are -0.0
        negated = np.negative(band)
        if np.negative(np.diag(negated, k)).tobytes() == bits:
            return f"-np.diag({_array_source(negated)}{offset})"
    return None


@functools.lru_cache(maxsize=1)
def _helper_calls_for(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\(")


def _helper_calls() -> re.Pattern[str]:
    return _helper_calls_for(tuple(sorted(HELPERS)))


SMALL_BYTES = 4096
"""Values of at most this many bytes (by their static shape) are not deleted when they die:
freeing them early saves no memory worth a statement."""


def _small(node: Node) -> bool:
    size = node.type.static_size
    return size is not None and size * node.dtype.itemsize <= SMALL_BYTES


def _is_fresh(op: Op) -> bool:
    return isinstance(op, _FRESH) and not op.view


def _c_ordered(ops: Sequence[Node], fresh_c: set[Node], c_const: Callable[[Node], bool]
               ) -> set[Node]:
    """The nodes of ``ops`` (in topological order) whose arrays are C-ordered, whatever the
    caller's arrays are: ``fresh_c`` (filled into np.zeros), matmul results, diagonals written
    into zeros, and fresh results that are vectors, or are computed from vectors only (one_hot),
    or from a C-ordered input of their own shape, a constant for which ``c_const`` says so
    among them (NumPy orders a result like its inputs and falls back to C order when they
    disagree or say nothing).

    Writing into a buffer in place keeps the buffer's order, where NumPy would have allocated
    the result in the inputs' order; only for a C-ordered buffer are the two the same, and
    with them the order in which a later reduction adds (so the last bits agree with the
    evaluator)."""
    def vector(n: Node) -> bool:
        return sum(1 for d in n.shape if d != 1) <= 1

    c: set[Node] = set()
    for n in ops:
        if n in fresh_c or _is_fresh(n.op) and (
            isinstance(n.op, (MatMul, DiagonalEmbed))
            or vector(n)
            or all(vector(i) for i in n.inputs)
            or any((i in c or c_const(i)) and i.shape == n.shape for i in n.inputs)
        ):
            c.add(n)
    return c


def _group_parts(ops: list[Node]) -> tuple[list[Node], dict[Node, list[Node]]]:
    """``ops`` with the parts of every call that several of them share moved up to the first
    (the parts have the same inputs, so the order stays topological), and each such part ->
    the parts of its call, in order."""
    by_call: dict[Any, list[Node]] = {}
    for n in ops:
        key = call_key(n)
        if key is not None:
            by_call.setdefault(key, []).append(n)
    groups = [g for g in by_call.values() if len(g) > 1]
    if not groups:
        return ops, {}
    first = {g[0]: g for g in groups}
    later = {n for g in groups for n in g[1:]}
    grouped = [m for n in ops if n not in later for m in first.get(n, (n,))]
    return grouped, {n: g for g in groups for n in g}


def _called(call: str) -> str:
    """The name of the function a call's source calls: ``svd`` for ``np.linalg.svd(a)``."""
    found = re.match(r"[\w.]*?(\w+)\(", call)
    return found.group(1) if found else "call"


def _fold_constants(outs: list[Node], order: list[Node]) -> dict[Node, Node]:
    """Each node of ``order`` (topological) that reads no input variable or dimension and that
    a node reading one (or the caller) uses -> a constant of its value, computed with the op's
    own kernel, so the generated function does not rebuild it on every call. Broadcasts and
    ops of no inputs (``arange``) stay, as they cost no more than a constant, and so does
    whatever is larger than ``FOLD_LIMIT`` elements, raises or warns (a constant 1/0 warns
    when the function runs, as the evaluator does)."""
    values: dict[Node, np.ndarray] = {}
    for n in order:
        if isinstance(n.op, Const):
            values[n] = n.op.value  # type: ignore[attr-defined]
            continue
        size = n.type.static_size
        if (isinstance(n.op, (Var, Part)) or size is None or size > FOLD_LIMIT
                or any(i not in values for i in n.inputs)):
            continue
        fn, dims = kernel(n.op, len(n.inputs))
        if dims:
            continue
        try:
            with warnings.catch_warnings(), np.errstate(all="raise"):
                warnings.simplefilter("error")
                value = np.asarray(fn(*(values[i] for i in n.inputs)))
        except Exception:  # noqa: BLE001 - left to fail (or warn) when the function runs
            continue
        if value.dtype != n.dtype or value.shape != n.shape:
            continue
        values[n] = value
    needed = {i for n in order if n not in values for i in n.inputs} | set(outs)
    return {
        n: const(v) for n, v in values.items()
        if n in needed and n.inputs and not isinstance(n.op, BroadcastTo)
    }


@dataclass(frozen=True)
class GeneratedModule:
    """The generated module's text and how to call the function it defines."""

    source: str
    function_name: str
    parameters: tuple[str, ...]
    single_output: bool
    # the input variables' own names, in the parameters' order (``lambda`` for ``lambda_``)
    variable_names: tuple[str, ...] = ()
    # the NumPy fallback of a scalar function (run only where math raises): its name and the
    # first and last (exclusive) of its lines, counted from 0, so that it may be compiled when
    # it is first called rather than with the rest
    fallback: tuple[str, int, int] | None = None


def _normalize_outputs(
    outputs: Node | Sequence[Node] | Mapping[str, Node], names: Sequence[str] | None, what: str
) -> tuple[list[Node], list[str], bool, Any]:
    """The outputs as a flat list, their default names, whether there is a single one, and
    for outputs nested in lists, tuples or dicts the nest they are returned in (else None);
    errors name the public function ``what``."""
    nest = None
    if isinstance(outputs, Node):
        outs, single, default = [outputs], True, ["out"]
    elif isinstance(outputs, Mapping) and all(isinstance(o, Node) for o in outputs.values()):
        outs, single, default = list(outputs.values()), False, [str(k) for k in outputs]
    else:
        outs, spec = flatten_outputs(outputs, what)
        single = False
        paths: list[tuple[Any, ...]] = []
        map_nest(outputs, lambda _, path: paths.append(path), what)
        if all(len(p) == 1 for p in paths) and not isinstance(outputs, Mapping):
            default = [f"out{k}" for k in range(len(outs))]
        else:  # nested: returned in the same nest, each named after where it sits (out1_0)
            for p in paths:
                if not all(isinstance(k, (str, int)) for k in p[1:]):
                    raise TypeError(f"{what}: the keys of a dict inside the outputs must be "
                                    f"strings or integers, got {p[1:]!r}")
            nest = spec
            first = (lambda k: str(k)) if isinstance(outputs, Mapping) else (lambda k: f"out{k}")
            default = ["_".join([first(p[0]), *map(str, p[1:])]) for p in paths]
    if not outs:
        raise ValueError(f"{what}: no outputs given")
    if names is not None:
        names = [str(n) for n in names]
        if len(names) != len(outs):
            raise ValueError(f"{what}: {len(outs)} outputs but {len(names)} names")
        default = names
    return outs, default, single, nest


def _gradient_names(outs: Sequence[Node], defaults: Sequence[str],
                    cotangent_of: Callable[[Node], Node | None]) -> list[str]:
    """A list's outputs that are gradients of variables named ``d<name>`` (``dW1``), the others
    keeping ``out<k>``; a name that two outputs would share stays the default for both."""
    named = []
    for o, default in zip(outs, defaults):
        primal = cotangent_of(o)
        is_var = primal is not None and isinstance(primal.op, Var)
        named.append(f"d{primal.op.var_name}" if is_var else default)  # type: ignore[union-attr]
    counts = collections.Counter(named)
    return [n if counts[n] == 1 else d for n, d in zip(named, defaults)]


def _normalize_inputs(order: Sequence[Node], inputs: Sequence[Node | str] | None, what: str) -> list[Node]:
    present = graph_variables(order)
    by_name = {v.op.var_name: v for v in present}  # type: ignore[attr-defined]
    if inputs is None:
        return present
    if isinstance(inputs, (Node, str)):
        inputs = [inputs]
    result: list[Node] = []
    listed: set[Node] = set()  # nodes hash and compare by identity in sets
    for v in inputs:
        if isinstance(v, str):
            if v not in by_name:
                known = ", ".join(sorted(by_name)) or "none"
                raise UnknownVariableError(f"{what}: no variable named {v!r} in the outputs (their variables: {known})")
            v = by_name[v]
        if not isinstance(v, Node) or not isinstance(v.op, Var):
            raise TypeError(f"{what}: inputs must be variables made with sd.var or sd.symbols, got {v!r}")
        if v in listed:
            raise InputError(f"{what}: variable {v.op.var_name!r} is listed twice in inputs")
        result.append(v)
        listed.add(v)
    graph_variables(result)  # two different variables with one name
    missing = [v for v in present if v not in listed]
    if missing:
        shown = ", ".join(repr(v.op.var_name) for v in missing)  # type: ignore[attr-defined]
        raise InputError(f"{what}: the outputs depend on {shown}, which inputs=[...] does not list")
    for v in result:  # a listed variable must not shadow a different one of the same name
        other = by_name.get(v.op.var_name)  # type: ignore[attr-defined]
        if other is not None and other is not v:
            raise InputError(f"{what}: two different variables are named {v.op.var_name!r}")  # type: ignore[attr-defined]
    return result


class _Emitter:
    """Generates one module. Holds the naming state shared by the NumPy and scalar bodies."""

    def __init__(
        self,
        outs: list[Node],
        out_names: list[str],
        inputs: list[Node],
        name: str,
        order: list[Node],
        cotangent_of: Callable[[Node], Node | None] | None = None,
        what: str = "codegen",
    ) -> None:
        self.what = what  # the public function whose errors these are
        self.outs = outs
        self.cotangent_of = cotangent_of
        self.inputs = inputs
        self.order = order  # toposort(outs), computed once by the caller
        self.namer = _Namer()
        self.fn_name = self.namer.claim(name)
        self.params = self.parameter_names([v.op.var_name for v in inputs])  # type: ignore[attr-defined]
        self.out_names = [self.namer.claim(n) for n in out_names]
        self.dims: dict[str, str] = {}
        for v in inputs:
            for d in v.shape:
                if isinstance(d, str) and d not in self.dims:
                    self.dims[d] = self.namer.claim(d)
        self.module_consts: list[str] = []
        self.const_names: dict[Node, str] = {}
        self.const_sources: dict[Node, str] = {}  # an array constant -> the source building it
        self.helpers: set[str] = set()
        self.fused: dict[Node, FusedSum] = {}  # sums of diagonal embeddings filling one buffer

    def parameter_names(self, users: Sequence[str]) -> list[str]:
        """The parameters for variables named ``users``: each variable's own name where it is a
        safe identifier, else a name that no variable has, so that a keyword means one argument
        whether it is read as a variable's name or as a parameter's (variables named "fi" and
        "ﬁ" are parameters fi and fi_2, whichever comes first)."""
        params: dict[int, str] = {}
        for k, u in enumerate(users):
            if safe_identifier(u) == u and u not in self.namer.used:
                params[k] = self.namer.claim(u)
        self.namer.used.update(users)
        for k, u in enumerate(users):
            if k not in params:
                params[k] = self.namer.claim(u)
        return [params[k] for k in range(len(users))]

    # -- shared pieces ------------------------------------------------------------------------

    def dim(self, d: Dim) -> str:
        if isinstance(d, int):
            return repr(d)
        if d not in self.dims:
            raise InputError(f"{self.what}: dimension {d!r} is used but no input variable has it in its shape")
        return self.dims[d]

    def temp_name(self, node: Node, names: Mapping[Node, str], word: str = "") -> str:
        word = word or _WORDS.get(node.op.name, node.op.name)
        leaves = [i for i in node.inputs if not isinstance(i.op, Const)]
        if leaves and len(leaves) <= 2 and all(isinstance(i.op, Var) for i in leaves):
            parts = [names[i] for i in leaves]
            if sum(map(len, parts)) <= 12:
                if len(parts) == 2:
                    return f"{parts[0]}_{word}_{parts[1]}"
                return f"{word}_{parts[0]}"
        return word

    def fresh_name(self, node: Node, names: Mapping[Node, str]) -> str:
        """A new name for ``node``: ``d<name>`` for the cotangent of a node already named (as
        hand-written backprop names ``dW1``, ``dh1``), else words for its op and operands."""
        primal = self.cotangent_of(node) if self.cotangent_of is not None else None
        if primal is not None and primal is not node and primal in names:
            return self.temps.claim("d" + names[primal])
        return self.temps.claim(self.temp_name(node, names))

    def module_const(self, node: Node) -> str:
        name = self.const_names.get(node)
        if name is None:
            value = node.op.value  # type: ignore[attr-defined]
            name = f"_C{len(self.const_names)}"
            self.const_names[node] = name
            what = f"{value.dtype.name}{format_shape(value.shape)}"
            source = self.const_source(node)
            # (a comment saying what ``np.full(...)`` or ``np.eye(...)`` says already is noise)
            call = None if source.startswith("np.full(") or "np.eye(" in source \
                else constant_call(value)
            if call is not None:
                what += f": {call.text()}"  # made of numbers and a dtype name only
            if source.startswith(("np.frombuffer(", "np.broadcast_to(")):
                what += ", read-only"
            self.module_consts.append(f"{name} = {source}  # {what}")
        return name

    def const_source(self, node: Node) -> str:
        """The source of the module constant for array constant ``node`` (computed once)."""
        source = self.const_sources.get(node)
        if source is None:
            source = self.const_sources[node] = _array_source(node.op.value)  # type: ignore[attr-defined]
        return source

    def c_ordered_const(self, node: Node) -> bool:
        """Whether ``node`` is an array constant the module builds C-ordered: any but a broadcast
        view, as the evaluator's constants are C-ordered copies."""
        return isinstance(node.op, Const) and node.ndim > 0 \
            and not self.const_source(node).startswith("np.broadcast_to(")

    def const_arg(self, c: Node, consumer: Node) -> str:
        value = c.op.value  # type: ignore[attr-defined]
        if value.ndim:
            return self.module_const(c)
        op = consumer.op
        if op.elementwise and not isinstance(op, StopGradient):
            # only 0-d constants can be written as Python numbers; array constants count as arrays
            scalars = [i for i in consumer.inputs if isinstance(i.op, Const) and i.op.value.ndim == 0]  # type: ignore[attr-defined]
            others = [i.dtype for i in consumer.inputs if not any(i is c for c in scalars)]
            pyvals = [i.op.value.item() for i in scalars]  # type: ignore[attr-defined]
            result = np.result_type(*(i.dtype for i in consumer.inputs))
            # a Python complex meeting a NumPy float scalar (a float subclass) computes in Python:
            # 1j / np.float64(0.0) raises ZeroDivisionError, and ordering the result TypeError;
            # where the result is complex128 anyway, a NumPy scalar computes the same in NumPy
            if value.dtype.kind == "c" and result == np.complex128:
                return literal(value)
            # a Python number takes the dtype of another input of its kind (or a higher one),
            # else its own default: the float32 1.0 of ``ldexp(1.0, e)`` meets only an integer
            rank = "biufc".find
            settled = value.dtype == np.result_type(value.item()) or any(
                rank(d.kind) >= rank(value.dtype.kind) for d in others)
            if others and settled and np.result_type(*others, *pyvals) == result:
                return _py_scalar(value, "np")  # a Python number promotes exactly like the constant
        return literal(value)

    def use_helpers(self, text: str) -> None:
        pending = [text]
        while pending:  # helpers may call helpers
            for h in _helper_calls().findall(pending.pop()):
                if h not in self.helpers:
                    self.helpers.add(h)
                    pending.append(helper_source(h))

    # -- the NumPy body -----------------------------------------------------------------------

    def numpy_body(self) -> list[str]:
        self.temps = _Namer(self.namer.used)
        outs = self.outs
        is_out = set(outs)
        names: dict[Node, str] = dict(zip(self.inputs, self.params))
        # a sum of diagonal embeddings fills one buffer, read from its terms: its own add and
        # diagonal_embed nodes are not written
        order, self.fused, _ = fuse_diagonal_sums(self.order, outs)
        inputs_of = {n: f.node.inputs for n, f in self.fused.items()}
        ops = [n for n in order if not isinstance(n.op, (Var, Const))]
        forward = self.forward_nodes() if len(outs) > 1 else set(ops)
        ops = [n for n in ops if n in forward] + [n for n in ops if n not in forward]
        ops, group_of = _group_parts(ops)
        forward = forward | {n for g in group_of.values() if g[0] in forward for n in g}
        call_names: dict[Node, str] = {}  # the first part of a shared call -> the call's result
        last: dict[Node, int] = {}
        shared: set[Node] = set()
        self.c_order = _c_ordered(ops, set(self.fused), self.c_ordered_const)
        for k, n in enumerate(ops):
            for i in inputs_of.get(n, n.inputs):
                last[i] = k
                if not _is_fresh(n.op):
                    shared.add(i)
        out_names: dict[Node, str] = {}
        for o, n in zip(outs, self.out_names):
            out_names.setdefault(o, n)  # an output listed twice is computed once
        borrowed = set()  # the nodes whose arrays are an input's or a constant's (views)
        for n in order:
            if isinstance(n.op, (Var, Const)) or isinstance(n.op, _ALWAYS_VIEW) and n.inputs[0] in borrowed:
                borrowed.add(n)
        # Plan the in-place reuse first: a chain of nodes sharing one buffer is named after its
        # last node, so `relu = X @ W1; relu += b1; np.maximum(relu, 0, out=relu)` reads right.
        targets: dict[Node, Node] = {}
        chain_end: dict[Node, Node] = {}  # the first node of a buffer chain -> its last node
        root: dict[Node, Node] = {}
        for k, node in enumerate(ops):
            t = self.inplace_target(node, k, last, shared, is_out)
            if t is not None:
                targets[node] = t
                # a buffer reused across the forward/backward boundary gets a new name there
                root[node] = root.get(t, t) if (t in forward) == (node in forward) else node
                chain_end[root[node]] = node
        lines: list[str] = []
        section = None
        scanned: set[tuple[Op, bool]] = set()
        for k, node in enumerate(ops):
            sec = "forward" if node in forward else "backward"
            if sec != section and len(outs) > 1:
                if section is not None:
                    lines.append("")
                lines.append(f"# {sec}")
                section = sec
            fused = self.fused.get(node)
            ins = inputs_of.get(node, node.inputs)
            consumers = fused.consumers if fused is not None else (node,) * len(ins)
            args = [
                self.const_arg(i, c) if isinstance(i.op, Const) else names[i]
                for i, c in zip(ins, consumers)
            ]
            op = node.op
            group = group_of.get(node)
            if group is not None and group[0] is node:
                call = op.call(args, self.dim)  # type: ignore[attr-defined]
                call_names[node] = self.temps.claim(self.temp_name(node, names, _called(call)))
                lines.append(f"{call_names[node]} = {call}")
                self.use_helpers(call)
            target = targets.get(node)
            rebind = target is not None and root[node] is node
            if target is not None and fused is not None:  # the sum starts as its first term's array
                op = fused.node.op
                if rebind:
                    end = chain_end.get(node, node)
                    name = out_names.get(end) or self.fresh_name(end, names)
                    stmt = "\n".join([f"{name} = {args[0]}",
                                      *(op.emit_lines([name, *args[1:]], self.dim, name) or ())])
                else:
                    name = args[0]
                    stmt = "\n".join(op.emit_lines(args, self.dim, name) or ())
            elif target is not None and not rebind:
                name = t = names[target]
                sym = getattr(op, "symbol", "")
                if isinstance(op, Binary) and sym and sym in "+-*/" and node.inputs[0] is target:
                    stmt = f"{t} {sym}= {args[1]}"
                else:
                    stmt = op.inplace.format(*args, out=t)  # type: ignore[attr-defined]
            else:
                end = chain_end.get(node, node)
                name = out_names.get(end) or self.fresh_name(end, names)
                if rebind:
                    assert target is not None
                    t = names[target]
                    stmt = f"{name} = {op.inplace.format(*args, out=t)}"  # type: ignore[attr-defined]
                elif group is not None:
                    stmt = f"{name} = {call_names[group[0]]}[{op.part}]"  # type: ignore[attr-defined]
                elif fused is not None:
                    op = fused.node.op
                    stmt = "\n".join(op.emit_lines(args, self.dim, name) or ())
                else:
                    stmt = f"{name} = {op.emit(args, self.dim)}"
            # helpers come only from an op's template (arguments are names and literals), so
            # each (op, template) pair is scanned once
            form = (op, target is not None)
            if form not in scanned:
                scanned.add(form)
                self.use_helpers(stmt)
            names[node] = name
            lines.extend(stmt.split("\n"))
            dead = [
                names[i]
                for i in dict.fromkeys(ins)
                if last[i] == k and (i is not target or rebind) and i not in is_out
                and i not in borrowed and not _small(i)
            ]
            if group is not None and group[-1] is node and not all(map(_small, group)):
                dead.append(call_names[group[0]])
            if dead:
                lines.append(f"del {', '.join(dead)}")
        self.names = names  # the scalar body names each value as this one does
        readonly = self.readonly_nodes()
        returned: set[Node] = set()  # the arrays the outputs so far are (views of)
        results = []
        for o in outs:
            if isinstance(o.op, Const):
                results.append(f"np.array({self.const_arg(o, o) if o.ndim else literal(o.op.value)})")  # type: ignore[attr-defined]
            elif o in readonly:
                results.append(f"np.array({names[o]})")  # a broadcast view or a constant: copy it
            else:
                # an output listed twice, or a view of another output (y and y.T), is copied:
                # no two results share memory, as NumPy's functions returning several arrays
                base = o
                while base.op.view:
                    base = base.inputs[0]
                results.append(f"np.array({names[o]})" if base in returned else names[o])
                returned.add(base)
        # a 0-d result is a 0-d array, as the evaluator gives: NumPy's reductions and its
        # arithmetic on scalars give NumPy scalars, an indexed element or a where of scalars not
        results = [
            f"np.asarray({r})" if o.ndim == 0 and not r.startswith("np.array(") else r
            for o, r in zip(outs, results)
        ]
        lines.append("")
        lines.append(self.return_stmt(results))
        return lines

    def forward_nodes(self) -> set[Node]:
        """The nodes the first output (the loss) depends on: one reverse pass over the order."""
        needed = {self.outs[0]}
        for n in reversed(self.order):
            if n in needed:
                needed.update(n.inputs)
        return needed

    def inplace_target(
        self, node: Node, k: int, last: Mapping[Node, int], shared: set[Node], is_out: set[Node]
    ) -> Node | None:
        op = node.op
        fused = self.fused.get(node)
        if fused is not None:
            # a sum that starts as a copy of its first term may start as that term's own array
            first = fused.node.op.steps[0]  # type: ignore[attr-defined]
            ins = fused.node.inputs
            if first.offset is not None or first.mode != "set" or any(i is ins[0] for i in ins[1:]):
                return None
            candidates: Sequence[Node] = ins[:1]
        elif not getattr(op, "inplace", "") or node.ndim == 0:
            return None
        elif op.name == "mul" and node.dtype.kind == "c" and not (node.type.static_size or 0) > 1:
            # NumPy multiplies a one-element complex array into itself by another loop than
            # into a new array, which rounds differently in the last bit (in about half of
            # random pairs): where the size may be 1, the product is a new array, as the
            # evaluator's
            return None
        else:
            candidates = node.inputs
        for i in candidates:
            if (
                last[i] == k
                and i not in is_out
                and i not in shared
                and _is_fresh(i.op)
                and i.type == node.type
                and i in self.c_order
            ):
                return i
        return None

    def readonly_nodes(self) -> set[Node]:
        """The nodes whose arrays may be a constant, read-only (a broadcast view, a diagonal) or
        the caller's own input array (or a view of one of these): an output among them is
        returned as a copy."""
        ro: set[Node] = set()
        inputs: set[Node] = set()
        for n in self.order:
            if isinstance(n.op, Const) or n.op.readonly:
                ro.add(n)
            elif isinstance(n.op, Var) or (
                    # an index of 0-d arrays is basic indexing, a view, when NumPy reads them as
                    # integers (a NumPy scalar: np.mod(i, 4) of a 0-d i, as take's wrap mode)
                    n.op.view and n.inputs[0] in inputs
                    and all(i.ndim == 0 for i in n.inputs[1:])):
                inputs.add(n)
            elif not _is_fresh(n.op) and not isinstance(n.op, Var) and any(i in ro for i in n.inputs):
                ro.add(n)
        return ro | inputs

    def return_stmt(self, results: list[str]) -> str:
        if self.nest is not None:
            tree = unflatten_outputs(self.nest, [_Source(r) for r in results])
            text = repr(tuple(tree.values()) if isinstance(tree, Mapping) else tuple(tree))
            return f"return {text[1:-1].rstrip(',') if len(tree) > 1 else text[1:-1]}"
        if len(self.outs) == 1 and self.single:
            return f"return {results[0]}"
        return f"return ({', '.join(results)},)" if len(results) == 1 else f"return {', '.join(results)}"

    def validation(self) -> list[str]:
        lines: list[str] = []
        bound: dict[str, tuple[str, str]] = {}  # dim -> (local expression, argument's user name)
        for v, p in zip(self.inputs, self.params):
            op = v.op
            assert isinstance(op, Var)
            user = op.var_name
            lines.append(f"{p} = _array({p}, {user!r}, np.dtype(np.{op.dtype.name}), {op.shape!r})")
            for axis, d in enumerate(op.shape):
                if not isinstance(d, str):
                    continue
                if d not in bound:
                    lines.append(f"{self.dims[d]} = {p}.shape[{axis}]")
                    bound[d] = (self.dims[d], user)
                else:
                    local, by = bound[d]
                    lines.append(f"if {p}.shape[{axis}] != {local}:")
                    lines.append(
                        f"    raise _mismatch({user!r}, {axis}, {d!r}, {p}.shape[{axis}], {local}, {by!r})"
                    )
        return lines

    # -- the scalar body ----------------------------------------------------------------------

    def scalar_possible(self) -> bool:
        """Whether every input, output and intermediate is a float64 scalar (or a boolean one);
        whether every op has a Python-float template is found out by writing the body."""
        f64 = np.dtype(np.float64)
        if any(v.type.shape != () or v.dtype != f64 for v in [*self.inputs, *self.outs]):
            return False
        return all(n.shape == () and n.dtype in (f64, np.dtype(bool)) for n in self.order)

    def scalar_body(self) -> list[str] | None:
        """The body on ``math`` and Python floats, its values named as the NumPy body names them
        (all scalars, so no buffer is shared there and every name is unique), or None where an
        op has no Python-float template."""
        names = self.names
        lines: list[str] = []
        ops = [n for n in self.order if not isinstance(n.op, (Var, Const))]
        forward = self.forward_nodes() if len(self.outs) > 1 else set(ops)
        section = None
        for node in [n for n in ops if n in forward] + [n for n in ops if n not in forward]:
            sec = "forward" if node in forward else "backward"
            if sec != section and len(self.outs) > 1:
                lines.append(f"# {sec}")
                section = sec
            args = [
                _py_scalar(i.op.value, "math") if isinstance(i.op, Const) else names[i]  # type: ignore[attr-defined]
                for i in node.inputs
            ]
            expr = node.op.emit_scalar(args)
            if expr is None:
                return None
            lines.append(f"{names[node]} = {expr}")
        results = [  # 0-d arrays, as the NumPy body returns
            f"np.array({_py_scalar(o.op.value, 'math') if isinstance(o.op, Const) else names[o]})"  # type: ignore[attr-defined]
            for o in self.outs
        ]
        lines.append(self.return_stmt(results))
        return lines

    # -- the module ---------------------------------------------------------------------------

    def docstring(self, names: Sequence[Node]) -> list[str]:
        def row(ident: str, user: str, node: Node) -> str:
            shown = ident if ident == user else f"{ident} (named {user!r})"
            return f"    {_docstring_text(shown)}: {node.dtype.name}, shape {format_shape(node.shape)}"

        sig_out = ", ".join(self.out_names)
        text = [f"{self.fn_name}({', '.join(self.params)}) -> {sig_out}", "", "Inputs:"]
        for v, p in zip(self.inputs, self.params):
            text.append(row(p, v.op.var_name, v))  # type: ignore[attr-defined]
        text.append("Outputs:")
        for o, n, user in zip(self.outs, self.out_names, self.user_out_names):
            text.append(row(n, user, o))
        if self.dims:
            shown = _docstring_text(", ".join(self.dims))  # as the shapes above name them
            text.append(f"Dimension {shown} is read from the arguments' shapes and must agree."
                        if len(self.dims) == 1 else
                        f"Dimensions {shown} are read from the arguments' shapes and must agree.")
        return ['"""' + text[0], *text[1:], '"""']

    def module(self, user_out_names: list[str], single: bool, nest: Any = None) -> GeneratedModule:
        self.user_out_names = user_out_names
        self.single = single
        self.nest = nest
        indent = "    "
        sig = ", ".join(self.params)
        numpy_lines = self.validation() + [""] + self.numpy_body()
        scalar_lines = self.scalar_body() if self.scalar_possible() else None
        scalar = scalar_lines is not None
        doc = self.docstring(self.inputs)
        funcs: list[str] = []
        if scalar_lines is not None:
            numpy_name = f"_{self.fn_name}_numpy"
            funcs.append(f"def {numpy_name}({sig}):")
            funcs.append(f'{indent}"""{self.fn_name} on NumPy float64 scalars (inf and nan where math raises)."""')
            funcs += [indent + ln if ln else "" for ln in numpy_lines]
            funcs.append("")
            funcs.append("")
            funcs.append(f"def {self.fn_name}({sig}):")
            funcs += [indent + ln if ln else "" for ln in doc]
            for v, p in zip(self.inputs, self.params):
                funcs.append(f"{indent}if type({p}) is not float:")
                funcs.append(f"{indent}    {p} = _scalar({p}, {v.op.var_name!r})")  # type: ignore[attr-defined]
            funcs.append(f"{indent}try:")
            funcs += [2 * indent + ln for ln in scalar_lines]
            funcs.append(f"{indent}except (ArithmeticError, ValueError):  # overflow, 1/0, math domain")
            funcs.append(f"{indent}    return {numpy_name}({sig})")
        else:
            funcs.append(f"def {self.fn_name}({sig}):")
            funcs += [indent + ln if ln else "" for ln in doc]
            funcs += [indent + ln if ln else "" for ln in numpy_lines]
        head = [
            f'"""{_docstring_text(self.fn_name)}: generated by symdiff; needs only NumPy."""',
            "",
        ]
        imports = []
        if self.const_names and any("base64" in c for c in self.module_consts):
            imports.append("import base64")
        if scalar or any("math." in helper_source(h) for h in self.helpers):  # helpers may use math
            imports.append("import math")
        imports.append("")
        imports.append("import numpy as np")
        parts = ["\n".join(head + imports)]
        for h in sorted({*self.helpers, input_array.__name__}):  # (_array reads its inputs so)
            src = helper_source(h)
            src = "\n".join(ln for ln in src.splitlines() if not ln.startswith("@"))
            parts.append(src.rstrip())
        parts.append((_RUNTIME_ARRAY + (_RUNTIME_SCALAR if scalar else "")).strip())
        if self.module_consts:
            parts.append("\n".join(self.module_consts))
        fallback = None
        if scalar_lines is not None:
            start = sum(p.count("\n") + 3 for p in parts)  # the functions come last
            fallback = (numpy_name, start, start + 2 + len(numpy_lines))
        parts.append("\n".join(funcs))
        source = "\n\n\n".join(parts) + "\n"
        users = tuple(v.op.var_name for v in self.inputs)  # type: ignore[attr-defined]
        return GeneratedModule(source, self.fn_name, tuple(self.params), single, users, fallback)


def generate(
    outputs: Node | Sequence[Node] | Mapping[str, Node],
    inputs: Sequence[Node | str] | None = None,
    name: str = "f",
    names: Sequence[str] | None = None,
    cotangent_of: Callable[[Node], Node | None] | None = None,
    what: str = "codegen",
) -> GeneratedModule:
    """The standalone module computing ``outputs`` from ``inputs`` (variables, in order).

    ``outputs`` may be one node (the function returns one value), a list, or a dict whose keys
    name the outputs; ``names`` names a list's outputs. ``cotangent_of`` (reverse mode's
    provenance, see ``autodiff.cotangent_of``) lets gradient temporaries be named ``d<name>``;
    errors name the public function ``what``.

    >>> from symdiff.backends.numpy_src import generate
    >>> x, y = sd.symbols("x y")
    >>> module = generate({"f": x * y}, [x, y], name="mul")
    >>> module.function_name, module.parameters
    ('mul', ('x', 'y'))
    >>> print(module.source)
    \"\"\"mul: generated by symdiff; needs only NumPy.\"\"\"
    ...
    def mul(x, y):
    ...
            f = x * y
            return (np.array(f),)
    ...
    """
    outs, out_names, single, nest = _normalize_outputs(outputs, names, what)
    if names is None and not single and nest is None and not isinstance(outputs, Mapping) \
            and cotangent_of is not None:
        out_names = _gradient_names(outs, out_names, cotangent_of)
    order = toposort(outs)
    ins = _normalize_inputs(order, inputs, what)
    folded = _fold_constants(outs, order)
    if folded:
        new_of = dict(zip(order, substitute(order, folded, order)))
        new_outs = [new_of[o] for o in outs]
        old_of = {new: old for old, new in new_of.items()}
        if cotangent_of is not None:
            of = cotangent_of

            def cotangent_of(n: Node) -> Node | None:  # the primal, in the folded graph
                primal = of(old_of.get(n, n))
                return None if primal is None else new_of.get(primal, primal)

        outs, order = new_outs, toposort(new_outs)
    emitter = _Emitter(outs, out_names, ins, name, order, cotangent_of, what)
    return emitter.module(out_names, single, nest)
