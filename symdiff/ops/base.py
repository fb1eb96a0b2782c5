"""What every op family shares: leaves (variables, constants, dimension sizes), conversion of
Python values to nodes, broadcasting of (symbolic) shapes, axis handling, and the compiled NumPy
kernels that the evaluator runs and the code generator writes out."""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..errors import DTypeError, InputError, ShapeError
from ..ir import Dim, Node, Op, Shape, Type, check_shape, format_shape, function_hint, kind_of

# -- helpers: small NumPy functions shared verbatim by the evaluator and generated code ---------

HELPERS: dict[str, Callable[..., Any]] = {}


def helper(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register a NumPy-only function that op templates may call by its name.

    The evaluator calls it; the code generator copies its source into the generated module.
    It may use only ``np`` and ``math`` and other helpers.
    """
    HELPERS[fn.__name__] = fn
    # read now: the source file may change on disk while the process runs (an upgrade), and
    # inspect would then read the new file at the old line numbers
    _HELPER_SOURCES[fn.__name__] = inspect.getsource(fn)
    return fn


_HELPER_SOURCES: dict[str, str] = {}


def helper_source(name: str) -> str:
    """The source text of a registered helper, for generated modules.

    >>> from symdiff.ops.base import helper_source
    >>> helper_source("sigmoid_kernel").startswith("@helper")
    True
    """
    return _HELPER_SOURCES[name]


# Names expression text reads as constants: NumPy's float constants (unless ``shapes`` declares
# them as variables; Python floats, as the literal 3.14 is, so x + pi keeps a float32 x float32;
# ``e`` stays a variable name, too common for one: write exp(1)) and Python's literal names. A
# variable named like one prints as ``var('pi')`` (printing), which reads as that variable (parse).
TEXT_CONSTANTS: dict[str, float] = {"pi": math.pi, "inf": math.inf, "nan": math.nan}
TEXT_LITERAL_NAMES: dict[str, Any] = {"True": True, "False": False, "None": None}


KERNEL_NAMESPACE: dict[str, Any] = {
    "np": np,
    "math": math,
    "__builtins__": {"slice": slice, "float": float, "complex": complex, "True": True},
}


class Part(Op):
    """An op whose value is one part of what a NumPy call returns several of: ``np.linalg.svd``
    gives U, S and Vh, ``np.linalg.qr`` Q and R. Each part stays a node of its own (the graph,
    rewriting and derivatives see single-output ops); the op declares the call, ``call(args,
    dim)`` (a template as ``emit``'s), and which of its results it is, ``part``. Both backends run
    one call once for all its parts on the same inputs: the call's source text with the inputs
    identifies it (:func:`call_kernel`), so parts whose calls read alike share it."""

    part: int = 0

    def call(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        raise NotImplementedError(f"{type(self).__name__}.call")

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"{self.call(args, dim)}[{self.part}]"


@functools.lru_cache(maxsize=4096)
def kernel(op: Op, nargs: int) -> tuple[Callable[..., Any], tuple[str, ...]]:
    """The op's NumPy expression (or its statements, ``emit_lines``) compiled to a function of
    ``nargs`` arrays.

    Returns the function and the dimension names it reads from its ``_D`` argument. The source
    is built from the op's own template and its validated static attributes only.
    """
    fn, names, _ = _compile(op, op.emit, nargs, statements=True)
    return fn, names


@functools.lru_cache(maxsize=4096)
def call_kernel(op: Part, nargs: int) -> tuple[Callable[..., Any], tuple[str, ...], str]:
    """A part's whole call compiled as :func:`kernel` compiles an op, and the call's source over
    the arguments ``_0, _1, ...``: parts with the same source, on the same inputs, share a call.

    >>> from symdiff.ops.base import call_kernel
    >>> A = sd.var("A", (3, 2))
    >>> call_kernel(sd.linalg.svd(A, full_matrices=False).U.op, 1)[2]
    'np.linalg.svd(_0, full_matrices=False)'
    """
    return _compile(op, op.call, nargs)


def _compile(op: Op, template: Callable[[Sequence[str], Callable[[Dim], str]], str],
             nargs: int, statements: bool = False) -> tuple[Callable[..., Any], tuple[str, ...], str]:
    names: list[str] = []

    def dim(d: Dim) -> str:
        if isinstance(d, int):
            return repr(d)
        if d not in names:
            names.append(d)
        return f"_D[{names.index(d)}]"

    args = [f"_{i}" for i in range(nargs)]
    namespace = dict(KERNEL_NAMESPACE)
    namespace.update(HELPERS)
    lines = op.emit_lines(args, dim, "_out") if statements else None
    if lines is not None:  # statements filling one buffer, run as the function they read as
        body = "".join(f"    {ln}\n" for ln in lines)
        src = f"def _kernel({', '.join([*args, '_D=()'])}):\n{body}    return _out\n"
        exec(compile(src, f"<symdiff kernel {op.name}>", "exec"), namespace)  # noqa: S102
        return namespace["_kernel"], tuple(names), "\n".join(lines)
    expr = template(args, dim)
    src = f"lambda {', '.join([*args, '_D=()'])}: {expr}"
    fn = eval(compile(src, f"<symdiff kernel {op.name}>", "eval"), namespace)  # noqa: S307
    return fn, tuple(names), expr


def call_key(node: Node) -> tuple[Any, ...] | None:
    """What identifies the call a part's node takes its value from (its source and inputs);
    None for a node of any other op."""
    op = node.op
    if not isinstance(op, Part):
        return None
    return (call_kernel(op, len(node.inputs))[2], node.inputs)


@functools.lru_cache(maxsize=4096)
def _dtype_by_running(op: Op, dtypes: tuple[np.dtype, ...], ndims: tuple[int, ...]) -> np.dtype:
    fn, names = kernel(op, len(dtypes))
    dummies = [np.ones((1,) * nd, dtype=dt) for dt, nd in zip(dtypes, ndims)]
    with np.errstate(all="ignore"):
        out = fn(*dummies, _D=(1,) * len(names))
    return np.asarray(out).dtype


def dtype_by_running(op: Op, types: Sequence[Type]) -> np.dtype:
    """The output dtype NumPy itself gives, found by running the kernel once on tiny inputs."""
    try:
        return _dtype_by_running(op, tuple(t.dtype for t in types), tuple(t.ndim for t in types))
    except (TypeError, np.exceptions.DTypePromotionError) as e:
        raise DTypeError(
            f"{op.name}: NumPy cannot apply it to dtypes {', '.join(t.dtype.name for t in types)} ({e})"
        ) from None


# -- leaves --------------------------------------------------------------------------------------


class Var(Op):
    """A named input: ``sd.var("W", shape=(784, 256))``."""

    __slots__ = ("var_name", "shape", "dtype")
    name = "var"

    def __init__(self, var_name: str, shape: Shape, dtype: np.dtype) -> None:
        self.var_name = var_name
        self.shape = shape
        self.dtype = dtype

    def params(self) -> tuple[Any, ...]:
        return (self.var_name, self.shape, self.dtype.str)

    def infer(self) -> Type:
        return Type(self.dtype, self.shape)

    def text(self, args: Sequence[str]) -> str:
        return self.var_name

    def __repr__(self) -> str:
        return f"var({self.var_name!r}, shape={format_shape(self.shape)}, dtype={self.dtype.name})"


def graph_variables(order: Iterable[Node]) -> list[Node]:
    """The variables among ``order``; two different variables may not share a name."""
    found: dict[str, Node] = {}
    for n in order:
        if isinstance(n.op, Var):
            name = n.op.var_name
            other = found.get(name)
            if other is not None and other is not n:
                raise InputError(
                    f"two different variables are named {name!r} ({other.op!r} and {n.op!r}); "
                    "rename one of them"
                )
            found[name] = n
    return list(found.values())


def dimension_owners(name: str, variables: Iterable[Node]) -> list[Node]:
    """The variables whose shape has a dimension named ``name`` (``x`` of shape ``('n',)``)."""
    return [v for v in variables if name in v.shape]


def not_a_variable_hint(name: str, variables: Iterable[Node]) -> str:
    """Why ``name`` cannot be differentiated by when it names a dimension and no variable, and
    what to do ("" when it names no dimension either)."""
    owners = dimension_owners(name, variables)
    if not owners:
        return ""
    shapes = ", ".join(f"{v.op.var_name} {format_shape(v.shape)}" for v in owners)  # type: ignore[attr-defined]
    return (f"; {name!r} is a named dimension of the shape of {shapes}: its value is that length, "
            "a whole number fixed when the graph is evaluated, so nothing is differentiated by it. "
            f"To differentiate by a number {name}, name the dimension otherwise, so that {name} in "
            "the expression is a scalar variable")


class Const(Op):
    """A constant array; equal when dtype, shape and bytes are equal (so -0.0 is not 0.0)."""

    __slots__ = ("value", "_key")
    name = "const"

    def __init__(self, value: np.ndarray) -> None:
        # C order, as generated code writes every constant: NumPy orders a result like its
        # operands, and a reduction adds in memory order, so a transposed array would give the
        # evaluator other last bits than the generated code
        value = np.array(value, copy=True, order="C")
        if extended_precision(value.dtype) and np.finfo(value.dtype).nmant == 63:
            # x87's 80-bit long double in 12 or 16 bytes: the padding holds whatever memory
            # held, and equal constants must have equal bytes
            part = np.finfo(value.dtype).dtype.itemsize
            value.reshape(-1).view(np.uint8).reshape(-1, part)[:, 10:] = 0
        value.flags.writeable = False
        self.value = value
        self._key = (value.dtype.str, value.shape, value.tobytes())

    def params(self) -> tuple[Any, ...]:
        return self._key

    def __hash__(self) -> int:
        return hash(self._key)

    def infer(self) -> Type:
        return Type(self.value.dtype, self.value.shape)

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return literal(self.value)

    def text(self, args: Sequence[str]) -> str:
        v = self.value
        if v.ndim == 0:
            return _scalar_text(v[()])  # a NumPy scalar: float32(0.1) prints 0.1, its own shortest
        call = constant_call(v) if v.size > 6 else None  # one_hot(3, 10) reads better than its list
        if call:
            return call.text()
        if v.size > TEXT_ELEMENTS:
            return placeholder_text(v.dtype, v.shape)
        read_back = np.array(v.tolist())  # what sd.parse (and NumPy) make of the list
        if read_back.shape != v.shape:  # [] of a (0, 2) array reads back as shape (0,)
            return f"broadcast_to({_scalar_text(np.zeros((), v.dtype)[()])}, {format_shape(v.shape)})" \
                if v.dtype in (np.float64, np.int64, np.bool_) else \
                f"broadcast_to(astype(0, {v.dtype.name!r}), {format_shape(v.shape)})"
        # every float as its shortest text that reads back to the same bits, on one line
        # (and booleans and integers without NumPy's column padding: [True, False, True])
        text = np.array2string(v, separator=", ", formatter={"float_kind": _float_text,
                                                             "complex_kind": _complex_text,
                                                             "bool": _scalar_text,
                                                             "int_kind": _scalar_text},
                               max_line_width=1 << 30, threshold=v.size + 1).replace("\n", "") \
            if v.size else repr(v.tolist())
        return text if read_back.dtype == v.dtype and not extended_precision(v.dtype) \
            else f"astype({text}, {v.dtype.name!r})"

    def __repr__(self) -> str:
        return f"const({self.text([])})"


_LABELS_SHOWN = 8  # rows of a one-hot matrix written out as one_hot([2, 0, ...], n)
TEXT_ELEMENTS = 100
"""The most elements of a constant array whose values the text writes out (``[0.5, 2.0, ...]``);
a larger one prints as the call that builds it (``one_hot(3, 1000)``) or else as a placeholder,
``const<float64(300,)>``, which the parser refuses: the values are not in the text."""


def placeholder_text(dtype: np.dtype, shape: tuple[int, ...]) -> str:
    """The text of a constant array too large to write out: ``const<float64(300,)>``."""
    return f"const<{dtype.name}{format_shape(shape)}>"


class ConstantCall(NamedTuple):
    """A constant array as ``factor * call``: ``call`` the source of a creation function's
    call, ``factor`` a number it is multiplied by (1 and -1 print as nothing and as a minus)."""

    factor: Any
    call: str

    def text(self) -> str:
        f = self.factor
        return self.call if f == 1 else "-" + self.call if f == -1 else f"{_scalar_text(f)} * {self.call}"


def constant_call(v: np.ndarray) -> ConstantCall | None:
    """How a creation function builds array ``v`` exactly (its dtype, shape and bits), as the
    parser reads it: ``one_hot(3, 10)``, ``-one_hot(3, 10)`` (whose zeros are -0.0),
    ``0.25 * one_hot([2, 0, 1], 3)``, ``eye(3, k=1)``, ``arange(5)``, ``full((2, 3), 0.5)``,
    with ``dtype=`` where it is not the function's default; None when none does.

    Constant folding turns such calls on constants into arrays (the softmax cross-entropy
    gradient for label 3 is ``softmax(z) - one_hot(3, 10)``); printed this way they read as
    what they are rather than as ``const<float64(10,)>``."""
    if v.ndim == 0 or v.size == 0 or v.dtype.kind not in "biuf":
        return None
    dt, bits = v.dtype, v.tobytes()
    extended = extended_precision(dt)

    def same(c: np.ndarray) -> bool:
        return bool(np.all((c == v) & (np.signbit(c) == np.signbit(v)))) if extended \
            else c.tobytes() == bits  # (the padding bytes of a long double hold no value)

    def exact(f: Any) -> bool:  # a literal reads as float64: more digits than that would be lost
        return not extended or bool(np.float64(f) == f)

    def dtype_kw(default: Any) -> str:
        return "" if dt == np.dtype(default) else f", dtype={dt.name!r}"

    first = v.flat[0]
    if np.isfinite(first) and exact(first) and same(np.full(v.shape, first, dtype=dt)):
        literal_dtype = np.float64 if extended else np.asarray(first.item()).dtype
        return ConstantCall(1, f"full({format_shape(v.shape)}, {_scalar_text(first)}"
                               f"{dtype_kw(literal_dtype)})")
    if dt.kind == "b" or v.ndim > 2:
        return None
    rows, cols = np.nonzero(v) if v.ndim == 2 else (np.zeros(1, int), np.flatnonzero(v))
    if v.ndim == 1 and len(cols) == 1:
        call = f"one_hot({cols[0]}, {v.shape[0]}{dtype_kw(np.float64)})"
        unit = np.zeros(v.shape, dt)
        unit[cols[0]] = 1
    elif v.ndim == 2 and len(cols) and np.all(cols - rows == cols[0] - rows[0]):
        (n, m), k = v.shape, int(cols[0] - rows[0])
        call = f"eye({n}{f', {m}' if m != n else ''}{f', k={k}' if k else ''}{dtype_kw(float)})"
        unit = np.eye(n, m, k, dtype=dt)
    elif v.ndim == 2 and len(rows) == v.shape[0] <= _LABELS_SHOWN and np.all(rows == np.arange(len(rows))):
        call = f"one_hot({cols.tolist()}, {v.shape[1]}{dtype_kw(np.float64)})"
        unit = np.eye(v.shape[1], dtype=dt)[cols]
    elif v.ndim == 1 and same(np.arange(v.size, dtype=dt)):
        return ConstantCall(1, f"arange({v.size}{dtype_kw(np.int64)})")
    else:
        return None
    factor = v[rows[0], cols[0]] if v.ndim == 2 else v[cols[0]]
    for f in (1, -1, factor):
        if not exact(f):
            continue
        with np.errstate(all="ignore"):
            try:
                scaled = np.multiply(f, unit, dtype=dt)  # -1 * 0.0 is -0.0, as in -one_hot(...)
            except (OverflowError, TypeError):  # -1 in an unsigned dtype
                continue
        if same(scaled):
            return ConstantCall(f, call)
    return None


def extended_precision(dtype: np.dtype) -> bool:
    """Whether a float or complex dtype holds more digits than float64 (longdouble where it is
    80 or 128 bits wide): its constants print as ``astype(0.33333333333333333334, 'float128')``,
    whose literal the parser reads at that precision, since a bare literal reads as float64."""
    return dtype.kind in "fc" and np.finfo(dtype).nmant > 52


def _scalar_text(v: Any) -> str:
    if isinstance(v, (complex, np.complexfloating)):
        return _complex_text(v)
    if isinstance(v, (float, np.floating)):
        return _float_text(v)
    return repr(v.item() if isinstance(v, np.generic) else v)


def _complex_text(v: Any) -> str:
    """``complex(re, im)``: the parser's exact spelling of a complex literal (``(-0-1j)`` would
    lose the sign of a zero real part, and nan or inf parts have no literal)."""
    return f"complex({_float_text(v.real)}, {_float_text(v.imag)})"


def _float_text(v: Any) -> str:
    """The shortest text that sd.parse reads back to the same bits: ``1.0`` keeps its '.0' so
    it reads as a float; ``inf`` and ``nan`` are the parser's constants, ``-nan`` keeps its sign."""
    if v != v and np.signbit(v):
        return "-nan"
    return str(v)  # of a NumPy float32 too: its own shortest text ('0.1')


def literal(value: np.ndarray) -> str:
    """Exact Python source for a constant array (floats round-trip; nan and inf spelled out)."""
    value = np.asarray(value)
    dt = value.dtype
    if value.ndim == 0:
        return f"np.{dt.name}({_item_source(value.item())})" if dt.kind != "b" else f"np.bool_({bool(value)})"
    items = ", ".join(_item_source(v) for v in value.ravel().tolist())
    if value.ndim == 1:  # the list's own shape
        return f"np.array([{items}], dtype=np.{dt.name})"
    return f"np.array([{items}], dtype=np.{dt.name}).reshape({value.shape!r})"


def _item_source(v: Any) -> str:
    if isinstance(v, float):
        if math.isnan(v):  # a NaN's sign bit is read by copysign, signbit and sign
            return "-float('nan')" if math.copysign(1.0, v) < 0 else "float('nan')"
        if math.isinf(v):
            return "float('inf')" if v > 0 else "float('-inf')"
        return repr(v)
    if isinstance(v, complex):
        return f"complex({_item_source(v.real)}, {_item_source(v.imag)})"
    return repr(v)


class DimSize(Op):
    """The run-time size of a named dimension, as an int64 scalar (``mean`` over ``n`` rows)."""

    __slots__ = ("dim",)
    name = "dimsize"

    def __init__(self, dim: str) -> None:
        self.dim = dim

    def params(self) -> tuple[Any, ...]:
        return (self.dim,)

    def infer(self) -> Type:
        return Type(np.int64, ())

    def dimension(self) -> Dim:
        return self.dim

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        return f"np.int64({dim(self.dim)})"

    def text(self, args: Sequence[str]) -> str:
        return self.dim


def check_order(op_name: str, order: Any) -> None:
    """NumPy's memory-layout ``order=`` argument, moot for an expression but checked as NumPy checks it."""
    if order not in ("K", "A", "C", "F"):
        raise ValueError(f"{op_name}: order must be 'K', 'A', 'C' or 'F', got {order!r}")


def check_casting(op_name: str, casting: Any, have: Any = None, to: Any = None) -> None:
    """NumPy's ``casting=`` rule: a known name, and (given dtypes) a cast from ``have`` to
    ``to`` that it allows."""
    if casting not in ("no", "equiv", "safe", "same_kind", "unsafe"):
        raise ValueError(f"{op_name}: casting must be one of 'no', 'equiv', 'safe', 'same_kind' or "
                         f"'unsafe', got {casting!r}")
    if have is not None and not np.can_cast(have, to, casting):
        raise DTypeError(f"{op_name}: cannot cast {have} to {to} under casting={casting!r}")


class _Needed:
    """The default of a parameter that must be given, so that a call leaving it out gets the
    function's own error (saying what to do) instead of Python's missing-argument TypeError;
    ``Pat.of`` counts such a parameter as required."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<needed>"


NEEDED: Any = _Needed()


def no_out(op_name: str, out: Any) -> None:
    """NumPy's ``out=`` argument, refused: an expression is a new node, never written into an array."""
    if out is not None:
        raise NotImplementedError(f"{op_name}: the argument 'out' is not supported; use the "
                                  "returned node")


def check_device(op_name: str, device: Any) -> None:
    """NumPy's ``device=`` argument: its arrays live on the CPU only, so None or ``"cpu"``."""
    if device is not None and device != "cpu":
        raise ValueError(f"{op_name}: device must be None or 'cpu', as for NumPy, got {device!r}")


def numeric_dtype(dtype: Any, what: str) -> np.dtype:
    """``dtype`` as a NumPy dtype, refused unless numeric or boolean (``what`` names the user).

    >>> from symdiff.ops.base import numeric_dtype
    >>> numeric_dtype("float32", "astype")
    dtype('float32')
    """
    if isinstance(dtype, Node):  # np.dtype would read the node's own .dtype: a silent no-op cast
        raise DTypeError(f"{what}: the dtype must be a dtype or its name, such as 'float32', "
                         f"not an expression of dtype {dtype.dtype}")
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise DTypeError(f"{what}: {dtype!r} is not a dtype ({e})") from None
    if dt.kind not in "biufc":
        raise DTypeError(f"{what}: dtype {dt} is not numeric or boolean")
    return dt.newbyteorder("=")  # native order: generated code writes np.<name>


def var(name: str, shape: Any = (), dtype: Any = "float64") -> Node:
    """A named input variable: ``sd.var("X", shape=("n", 784))``; dims may be names."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"a variable's name must be a non-empty string, got {name!r}")
    dt = numeric_dtype(dtype, f"variable {name!r}")
    return Node(Var(name, check_shape(shape, f"shape of {name!r}"), dt), ())


def symbols(names: str | Sequence[str], dtype: Any = "float64") -> Node | tuple[Node, ...]:
    """Scalar variables from a space- or comma-separated string: ``x, y = sd.symbols("x y")``.
    As in SymPy, one name alone is one variable (``x = sd.symbols("x")``) and a trailing comma
    makes it a tuple (``sd.symbols("x,")``); ranges read as SymPy's: ``"x:3"`` is x0, x1, x2,
    ``"x1:3"`` is x1, x2 and ``"a:d"`` is a, b, c, d (letters, unlike numbers, include the end).
    A list or tuple of names gives a tuple."""
    if isinstance(names, str):
        items = names.replace(",", " ").split()
        if not items:
            raise ValueError(f"symbols: no names given in {names!r}; write them apart with spaces "
                             f"or commas, as in 'x y'")
        parts = [n for part in items for n in _name_range(part)]
        if len(items) == 1 and "," not in names and ":" not in names:
            return var(parts[0], (), dtype)
    else:
        parts = list(names)
    return tuple(var(n, (), dtype) for n in parts)


def _name_range(part: str) -> list[str]:
    """The names a ``symbols`` item stands for: itself, or the range it writes with a colon."""
    if ":" not in part:
        return [part]
    head, _, stop = part.rpartition(":")
    letters = len(head) == 1 and len(stop) == 1 and head.isalpha() and stop.isalpha()
    if letters:
        if stop < head:
            raise ValueError(f"symbols: the range {part!r} is empty")
        return [chr(c) for c in range(ord(head), ord(stop) + 1)]  # SymPy's letters include stop
    prefix = head.rstrip("0123456789")
    start = head[len(prefix):]
    if not prefix or not stop.isdigit() or ":" in prefix:
        raise ValueError(
            f"symbols: cannot read {part!r}; a range is a name and numbers, 'x:3' or 'x1:4', "
            "or two letters, 'a:d'")
    lo, hi = int(start or 0), int(stop)
    if hi <= lo:
        raise ValueError(f"symbols: the range {part!r} is empty")
    return [f"{prefix}{k}" for k in range(lo, hi)]


MASK_LOST = ("its mask would be lost; give masked.filled(value) with the value the masked entries "
             "stand for, or choose with sd.where(mask, value, expr)")


def is_masked(value: Any) -> bool:
    """Whether ``value`` is a masked array with masked entries, whose mask ``np.asarray`` drops."""
    return isinstance(value, np.ma.MaskedArray) and bool(np.ma.is_masked(value))


def const(value: Any, dtype: Any = None) -> Node:
    """A constant node from a number or array: ``sd.const(np.eye(3))``."""
    if isinstance(value, Node):
        return value if dtype is None else value.astype(dtype)
    if isinstance(value, (list, tuple)) and _holds_node(value):
        raise TypeError(
            "a list holding symdiff expressions is not one value; make one array of them with "
            "sd.stack([...]) (or sd.concatenate), or pass them one by one"
        )
    if is_masked(value):
        raise TypeError(f"a masked array with masked entries cannot be a constant: {MASK_LOST}")
    try:
        arr = np.asarray(value, dtype=dtype)
    except OverflowError:  # a Python integer past the dtype asked for
        raise DTypeError(f"constant {value!r}: does not fit dtype {np.dtype(dtype)}") from None
    except ValueError as e:
        if not isinstance(value, (list, tuple)):
            raise
        raise ShapeError(f"constant {value!r}: the nested lists do not form an array ({e})") from None
    if arr.dtype == object and _holds_big_int(value):  # NumPy keeps such integers as objects
        raise DTypeError(
            f"constant {value!r}: an integer past int64 and uint64, NumPy's widest integers; write "
            f"it as a float (such as 2.0**70) or pass dtype='float64'"
        )
    if arr.dtype.kind not in "biufc":
        raise DTypeError(f"constant {value!r}: dtype {arr.dtype} is not numeric or boolean")
    return Node(Const(arr), ())


def fits_numpy_int(value: int) -> bool:
    """Whether some NumPy integer dtype holds the Python int ``value`` (int64 or uint64, the
    widest); NumPy keeps any other as a Python object, and refuses it beside an array."""
    return -(2**63) <= value < 2**64


def _holds(items: list[Any] | tuple[Any, ...], test: Callable[[Any], bool]) -> bool:
    """Whether nested lists or tuples hold an item ``test`` accepts (an explicit stack: lists
    nest deep)."""
    stack: list[Any] = [items]
    while stack:
        for item in stack.pop():
            if test(item):
                return True
            if isinstance(item, (list, tuple)):
                stack.append(item)
    return False


def _holds_big_int(value: Any) -> bool:
    """Whether a number, or nested lists or tuples, hold an int outside int64 and uint64."""
    return _holds([value], lambda item: isinstance(item, int) and not fits_numpy_int(item))


def _holds_node(items: list[Any] | tuple[Any, ...]) -> bool:
    """Whether nested lists or tuples hold a node anywhere."""
    return _holds(items, lambda item: isinstance(item, Node))


def dim_size(d: Dim) -> Node:
    """A dimension's size as an int64 scalar node (a constant for static dims)."""
    (d,) = check_shape((d,), "dim_size")  # as in a shape: a size of 0 or more, or an identifier
    return const(np.int64(d)) if isinstance(d, int) else Node(DimSize(d), ())


def const_value(node: Node) -> np.ndarray | None:
    """The value of a constant node, else None."""
    return node.op.value if isinstance(node.op, Const) else None


def constant_equals(node: Node, value: int) -> bool:
    """Whether ``node`` is a constant of one element equal to ``value`` (``1.0``, ``[1]``)."""
    v = const_value(node)
    return v is not None and v.size == 1 and bool(v.reshape(()) == value)


def _as_float(value: int) -> float:
    """``float(value)``, inf past float64's range (where float() raises OverflowError)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def is_python_scalar(v: Any) -> bool:
    return isinstance(v, (bool, int, float, complex)) and not isinstance(v, np.generic)


def as_node(value: Any, like: Node | None = None, exact_ints: bool = False, name: str = "") -> Node:
    """A node for ``value``. Python numbers are weakly typed (NumPy 2 rules): beside ``like``
    they take its dtype when they fit its kind, so ``x32 * 2.0`` stays float32.

    A Python int outside the range of ``like``'s integer dtype keeps its own dtype with
    ``exact_ints`` (NumPy compares such a value exactly, and divides by it in float64: ``u8 <
    300``, ``u8 / 256``); otherwise it is an error, as in NumPy (``u8 + 300``), naming the op
    ``name``. So is an int no int64 or uint64 holds beside an integer or boolean array, or one
    past float64's range beside a float or complex one (NumPy's OverflowError)."""
    if isinstance(value, Node):
        return value
    if is_python_scalar(value):
        return _number(value, like, exact_ints, name)
    if isinstance(value, (np.ndarray, np.generic, list, tuple)):
        return const(value)
    if isinstance(value, str):  # most often x.shape[k] of a named dimension
        raise TypeError(
            f"cannot use the string {value!r} in a symdiff expression; the size of a named "
            f"dimension, which x.shape gives by its name, is sd.dim_size({value!r})"
        )
    raise TypeError(f"cannot use {kind_of(value)} ({value!r}) in a symdiff expression{function_hint(value)}")


# The constants Python numbers became beside a dtype, remembered: derivative rules meet the same
# few numbers (0, 1, 0.5, -1) over and over, and making a constant (its array, its bytes) costs
# several times what making its node does. Bounded like the Type table; the ops are kept, not
# the nodes, so a constant node still dies with the last node that uses it.
_NUMBERS_MAX = 4096
_numbers: dict[tuple[Any, ...], Op] = {}


def _number(value: bool | int | float | complex, like: Node | None, exact_ints: bool,
            name: str) -> Node:
    """``as_node`` of a Python number."""
    # what the constant depends on: the number's type and value, the dtype beside it, and
    # exact_ints; not remembered where equal numbers may make different constants (0.0 and
    # -0.0, NaNs of either sign, complex numbers with such parts; subclasses of number types)
    t = type(value)
    key = None
    if t is int or t is bool or (t is float and value == value and value != 0):
        key = (t, value, None if like is None else like.dtype, exact_ints)
        op = _numbers.get(key)
        if op is not None:
            return Node(op, ())
    node = _new_number(value, like, exact_ints, name)
    if key is not None:
        if len(_numbers) >= _NUMBERS_MAX:
            _numbers.clear()
        _numbers[key] = node.op
    return node


def _new_number(value: bool | int | float | complex, like: Node | None, exact_ints: bool,
                name: str) -> Node:
    """The constant a Python number becomes beside ``like``, made anew."""
    if like is None:
        return const(value)
    dt = np.result_type(like.dtype, value)
    at = name + ": " if name else ""
    shown = value if abs(value) < 10**40 else f"of {len(str(abs(value)))} digits"
    if type(value) is int and dt.kind in "iu" and not fits_numpy_int(value):
        raise DTypeError(  # NumPy's OverflowError
            f"{at}the Python integer {shown} does not fit int64 or uint64, so it cannot "
            f"meet an array of {like.dtype}; write it as a float (such as 1e30)"
        )
    if type(value) is int and dt.kind in "fc" and not math.isfinite(_as_float(value)):
        raise DTypeError(  # NumPy's OverflowError
            f"{at}the Python integer {shown} is beyond float64's range, so it cannot "
            f"meet an array of {like.dtype}; write inf or a float literal"
        )
    if type(value) is int and dt.kind in "iu" and not (
            np.iinfo(dt).min <= value <= np.iinfo(dt).max):
        if exact_ints:
            return const(value)
        wider = "float64" if dt.itemsize == 8 else "int64"  # no integer holds all of both
        raise DTypeError(
            f"{name + ': ' if name else ''}the Python integer {value} does not fit {dt}, "
            f"the dtype of the array it meets; convert the array first, such as "
            f"x.astype({wider!r})"
        )
    return const(value, dt)


def as_nodes(*values: Any, exact_ints: bool = False, name: str = "") -> list[Node]:
    """Convert several operands at once; Python scalars take the dtype of the node operands
    (``exact_ints`` and ``name``, the op's, as :func:`as_node`'s)."""
    nodes = [v for v in values if isinstance(v, Node)]
    if len(nodes) == len(values):
        return nodes  # the common case (every op inside a derivative graph): nothing to convert
    # arrays (and lists) have their dtype, as nodes do: a Python number beside one is weak too
    # (NEP 50: an int8 array and 5 give int8), so they are made nodes first
    values = tuple(v if isinstance(v, Node) or is_python_scalar(v) else as_node(v) for v in values)
    nodes = [v for v in values if isinstance(v, Node)]
    if len(nodes) == len(values):
        return nodes
    if not nodes:
        return [as_node(v) for v in values]
    like = nodes[0]
    if len(nodes) > 1:
        dt = np.result_type(*(n.dtype for n in nodes))
        like = Node(Const(np.zeros((), dt)), ())
    return [as_node(v, like, exact_ints, name) for v in values]


# -- shapes and axes -----------------------------------------------------------------------------


def broadcast_shapes(op_name: str, *shapes: Shape) -> Shape:
    """NumPy broadcasting; a named dimension matches itself or 1, never a different size."""
    if len(shapes) == 1 or all(s == shapes[0] for s in shapes):
        return shapes[0] if shapes else ()  # equal shapes, the common case: nothing to check
    ndim = max((len(s) for s in shapes), default=0)
    out: list[Dim] = []
    for axis in range(-ndim, 0):
        d: Dim = 1
        for s in shapes:
            if len(s) < -axis:
                continue
            x = s[axis]
            if x == 1 or x == d:
                continue
            if d == 1:
                d = x
                continue
            shown = " and ".join(format_shape(s) for s in shapes)
            raise ShapeError(
                f"{op_name}: shapes {shown} do not broadcast (axis {axis}: {d!r} vs {x!r})"
            )
        out.append(d)
    return tuple(out)


def index_int(value: Any) -> int | None:
    """``value`` as an int where NumPy takes it as one (an int, a NumPy integer, a 0-d integer
    array; not a bool), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value)
    return None


def normalize_axis(op_name: str, axis: Any, ndim: int) -> int:
    a = index_int(axis)
    if a is None:
        raise TypeError(f"{op_name}: axis must be an int, got {axis!r}")
    if not -ndim <= a < ndim:
        raise ShapeError(f"{op_name}: axis {a} is out of bounds for an array of {ndim} dimensions")
    return a % ndim


def lone_axis_of_0d(axis: Any, ndim: int) -> bool:
    """Whether ``axis`` is a lone 0 or -1 given for a 0-d array, which NumPy accepts there (not
    in a tuple, and no other axis): its reductions then reduce nothing (``np.sum(np.array(2.0),
    axis=0)`` is 2.0), and argmax, argmin and the scans read the array as one of shape (1,)."""
    return ndim == 0 and not isinstance(axis, (tuple, list)) and index_int(axis) in (0, -1)


def normalize_axes(op_name: str, axis: Any, ndim: int, lists: bool = False) -> tuple[int, ...]:
    """``None`` means every axis; negative axes count from the end; repeats are errors. A list
    is taken only with ``lists``, as NumPy's functions that read ``axis`` with
    ``normalize_axis_tuple`` (median, quantile, average, flip); its reductions refuse one."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, list) and not lists:
        raise TypeError(f"{op_name}: axis must be an int or a tuple of ints, got the list {axis!r}; "
                        f"pass a tuple, axis={tuple(axis)!r}")
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(normalize_axis(op_name, a, ndim) for a in items)
    if len(set(axes)) != len(axes):
        raise ShapeError(f"{op_name}: repeated axis in {axis!r}")
    return tuple(sorted(axes))


def dims_equal(a: Dim, b: Dim) -> bool:
    return a == b


def require_float(op_name: str, node: Node) -> None:
    if not node.type.is_float:
        raise DTypeError(f"{op_name} needs a floating-point input, got {node.dtype}")


def shape_text(shape: Shape) -> str:
    return format_shape(shape)
