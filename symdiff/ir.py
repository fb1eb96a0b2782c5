"""The graph itself: types, interned immutable nodes, the op interface, and the one toposort.

Everything else in symdiff (ops, differentiation, rewriting, evaluation, code generation,
printing) is a loop over `toposort`'s result; nothing here knows any particular op.
"""

from __future__ import annotations

import functools
import gc
import threading
import weakref
from _weakref import _remove_dead_weakref  # the helper WeakValueDictionary uses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Union

import numpy as np

from .errors import ShapeError

Dim = Union[int, str]
"""One dimension: a static size, or a named symbolic size such as ``"n"``."""
Shape = tuple[Dim, ...]


def format_shape(shape: Shape) -> str:
    """``(n, 784)``: a shape as a user would write it."""
    inner = ", ".join(str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def with_article(name: str) -> str:
    """``name`` (of a type or a dtype) with its article as it is spoken, for error messages:
    ``a float``, ``an int64``, ``an ndarray``, ``a uint8``."""
    spoken_vowel = name[:1].lower() in ("a", "e", "i", "o") or name.startswith("nd")
    return f"{'an' if spoken_vowel else 'a'} {name}"


def function_hint(value: Any) -> str:
    """For a callable given where an expression goes (``sd.grad(f, x)`` as ``jax.grad(f)`` takes a
    function), how to give its expression instead; else ""."""
    if not callable(value) or isinstance(value, type):
        return ""
    return ("; symdiff works on expressions, not Python functions: call the function on variables "
            "and pass what it returns (sd.grad(f(x), x) with x = sd.var('x'))")


def kind_of(value: Any) -> str:
    """The type of ``value`` with its article, for error messages: ``a float``, ``an int``."""
    return with_article(type(value).__name__)


def shape_text(shape: Shape) -> str:
    """``('n', 784)``: a shape as printed text writes it, so that it reads back (a bare ``n``
    would read as a variable)."""
    inner = ", ".join(repr(d) if isinstance(d, str) else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def as_dim(size: Any) -> Any:
    """A size as a shape holds it: the size of a named dimension as a node (``sd.dim_size("n")``,
    ``v.size`` of a vector ``v`` of ``n`` elements) as the name ``"n"``; anything else as it is."""
    if isinstance(size, Node) and not size.inputs:
        name = size.op.dimension()
        if name is not None:
            return name
    return size


MAX_SIZE = int(np.iinfo(np.intp).max)
"""The most elements NumPy can index in one array; a larger static shape is refused when built."""

MAX_NDIM = 64
"""The most dimensions a NumPy 2 array has; a shape of more is refused when built."""


def check_shape(shape: Any, what: str = "shape") -> Shape:
    """Normalize a user-given shape to a tuple of non-negative ints and dimension names (a
    node of a dimension's size stands for its name), whose static sizes NumPy can index."""
    shape = as_dim(shape)
    if isinstance(shape, (int, np.integer, str, Node)):
        shape = (shape,)
    try:
        items = tuple(as_dim(d) for d in shape)
    except TypeError:
        raise ShapeError(f"{what} must be a tuple of ints and dimension names, got {shape!r}") from None
    out: list[Dim] = []
    for d in items:
        if isinstance(d, Node):
            raise ShapeError(
                f"{what} {items!r}: {d!r} is an expression, and a shape holds only ints and "
                "dimension names (X.shape[0], sd.dim_size('n')), not arithmetic on them or "
                "values computed at run time"
            )
        if isinstance(d, (bool, np.bool_)):
            raise ShapeError(f"{what} {items!r}: {d!r} is not a dimension")
        if isinstance(d, (int, np.integer)):
            if d < 0:
                raise ShapeError(f"{what} {items!r}: dimension {int(d)} is negative")
            out.append(int(d))
        elif isinstance(d, str):
            if not d.isidentifier():
                raise ShapeError(
                    f"{what} {items!r}: dimension name {d!r} must be an identifier such as 'n'"
                )
            out.append(d)
        else:
            raise ShapeError(f"{what} {items!r}: {d!r} is neither an int nor a dimension name")
    shape = tuple(out)
    beyond = too_many_elements(shape)
    if beyond is not None:
        raise ShapeError(f"{what} {items!r}: {beyond}")
    return shape


def too_many_elements(shape: Shape) -> str | None:
    """Why NumPy could not hold an array of ``shape`` (its element count, or its number of
    dimensions, said for an error message), or None when it can. NumPy multiplies the static
    sizes other than 0 and refuses a product beyond ``MAX_SIZE`` even for a zero-size array, so
    a named dimension (which may be 0 at run time) is refused in the same way."""
    if len(shape) > MAX_NDIM:
        return f"{len(shape)} dimensions, more than a NumPy array has (at most {MAX_NDIM})"
    size = 1
    for d in shape:
        if d and not isinstance(d, str):
            size *= d
    if size <= MAX_SIZE:
        return None
    count = f"{size} elements" if 0 not in shape else f"sizes other than 0 that multiply to {size}"
    return f"{count}, more than NumPy can index in one array (at most {MAX_SIZE})"


_TYPES_MAX = 4096
_types: dict[tuple[np.dtype, Shape], Type] = {}


class Type:
    """A dtype and a shape; symbolic dimensions are strings and unify by name."""

    __slots__ = ("dtype", "shape", "is_float", "_hash")
    dtype: np.dtype
    shape: Shape
    # whether the dtype is floating-point or complex, the values derivatives flow through: read
    # for every node differentiated, so stored rather than computed on each reading
    is_float: bool

    def __new__(cls, dtype: Any, shape: Shape = ()) -> Type:
        # Every node holds a Type and almost all of them are alike (float64 scalars, a few
        # tensor shapes), so equal Types are shared through a small table. It is cleared when
        # full rather than kept forever, so it stays bounded across any number of graphs.
        dt = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
        shape = tuple(shape)
        key = (dt, shape)
        typ = _types.get(key)
        if typ is None:
            typ = object.__new__(cls)
            object.__setattr__(typ, "dtype", dt)
            object.__setattr__(typ, "shape", shape)
            object.__setattr__(typ, "is_float", dt.kind in "fc")
            object.__setattr__(typ, "_hash", hash(key))
            if len(_types) >= _TYPES_MAX:
                _types.clear()
            _types[key] = typ
        return typ

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Type is immutable")

    def __reduce__(self) -> Any:
        return (Type, (self.dtype, self.shape))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def static_size(self) -> int | None:
        """The number of elements, or None when a dimension is symbolic."""
        size = 1
        for d in self.shape:
            if isinstance(d, str):
                return None
            size *= d
        return size

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, Type) and self.dtype == other.dtype and self.shape == other.shape)

    def __hash__(self) -> int:
        return self._hash  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"{self.dtype.name}[{', '.join(str(d) for d in self.shape)}]"


class Op:
    """One operation. Subclasses define, in one place, everything symdiff knows about it.

    - ``infer(*types)``: the output Type, or a ShapeError / DTypeError naming the op and shapes.
    - ``emit(args, dim)``: a NumPy expression (Python source) computing the op from argument
      expressions; the evaluator compiles it and the code generator writes it out, so the two
      cannot disagree. ``dim(d)`` renders a dimension (a size, or the name bound to it).
      ``view``: whether that NumPy result may share the first input's memory; ``readonly``:
      whether it may be a read-only array.
    - ``emit_lines(args, dim, out)``: statements computing the op into a new array named
      ``out``, for an op one expression cannot write (filling one buffer step by step); None
      (the default) for the ops ``emit`` writes. Both backends run these too.
    - ``emit_scalar(args)``: the same operation on Python floats (``math`` functions), or None
      when the op has no such form; the code generator's fast path for all-scalar functions.
    - ``vjp(g, out, *inputs)``: the cotangent of each input, as nodes built from symdiff ops
      (``None`` for no contribution); broadcasting is undone by the caller.
    - ``text(args)`` and ``precedence``: how it prints.

    Static attributes are returned by ``params()``; two ops are equal when their classes and
    params are, which is what lets nodes be interned.
    """

    __slots__ = ("_hash",)
    name: ClassVar[str] = "op"
    precedence: ClassVar[int] = 100  # atoms and calls bind tightest
    elementwise: ClassVar[bool] = False
    # whether the NumPy result may be a view of the first input's array (np.real, a reshape):
    # the code generator then never writes into it, and copies it before returning it when that
    # input is the caller's
    view: ClassVar[bool] = False
    # whether the NumPy result may be read-only (np.broadcast_to, np.diagonal): the code
    # generator copies it before returning it, as the caller expects an array of its own
    readonly: ClassVar[bool] = False
    # the inputs (by position) whose derivative the op does not give, with why: its vjp gives
    # None there, and reverse mode refuses, saying why, only where a variable being
    # differentiated reaches such an input (a held parameter needs no derivative)
    no_derivative: ClassVar[Mapping[int, str]] = {}

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # An op class without an __init__ has no static attributes: all its instances are
        # equal, so one shared instance serves (less memory, and interning compares the op
        # by identity instead of calling __eq__).
        shared = cls.__dict__.get("_shared")
        if shared is not None:
            return shared
        op = object.__new__(cls)
        if cls.__init__ is object.__init__:
            type.__setattr__(cls, "_shared", op)
        return op

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Every Node() hashes its op. A class whose instances are all the one shared instance
        # (no __init__) is equal only to itself, so it takes the identity hash and equality,
        # which run in C; a class with static attributes keeps the comparison of params, even
        # below a shared-instance class.
        if "__eq__" in cls.__dict__ or "__hash__" in cls.__dict__:
            return
        if cls.__init__ is object.__init__:
            cls.__eq__ = object.__eq__  # type: ignore[method-assign]
            cls.__hash__ = object.__hash__  # type: ignore[method-assign]
        elif cls.__eq__ is object.__eq__:
            cls.__eq__ = Op.__eq__  # type: ignore[method-assign]
            cls.__hash__ = Op.__hash__  # type: ignore[method-assign]

    def params(self) -> tuple[Any, ...]:
        return ()

    def __eq__(self, other: object) -> bool:
        return self is other or (
            type(self) is type(other) and self.params() == other.params()  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        # Ops are immutable once built and hashed on every Node() call: compute it once.
        try:
            return self._hash
        except AttributeError:
            h = hash((type(self), self.params()))
            object.__setattr__(self, "_hash", h)
            return h

    def __repr__(self) -> str:
        ps = self.params()
        return f"{self.name}{ps!r}" if ps else self.name

    def infer(self, *types: Type) -> Type:
        raise NotImplementedError(f"{type(self).__name__}.infer")

    def dimension(self) -> Dim | None:
        """The named dimension whose size this op's value is (``sd.dim_size("n")``), else None."""
        return None

    def emit(self, args: Sequence[str], dim: Callable[[Dim], str]) -> str:
        raise NotImplementedError(f"{type(self).__name__}.emit")

    def emit_lines(self, args: Sequence[str], dim: Callable[[Dim], str], out: str) -> list[str] | None:
        return None

    def emit_scalar(self, args: Sequence[str]) -> str | None:
        return None

    def vjp(self, g: Node, out: Node, *inputs: Node) -> Sequence[Node | None]:
        raise NotImplementedError(f"no derivative rule for {self.name}")

    def text(self, args: Sequence[str]) -> str:
        ps = [repr(p) for p in self.params()]
        return f"{self.name}({', '.join([*args, *ps])})"


class _Entry(weakref.ref):
    """The intern table's weak reference to a node; it knows its key so the node's death can
    remove it."""

    __slots__ = ("key",)
    key: tuple[Any, ...]


def _forget(entry: _Entry) -> None:
    # Runs as the node dies, before its inputs (whose ids are in the key) can. It must not take
    # _lock: a node may die inside the locked region of Node.__new__. The C helper deletes the
    # key only if it still maps to a dead reference, so a node that another thread has just
    # interned under the same key is never dropped.
    _remove_dead_weakref(_table, entry.key)


# (op, id(input0), id(input1), ...) -> weak reference to the node. A plain dict of weak
# references rather than a WeakValueDictionary: the lookup is then a dict.get and a call,
# with no Python-level code, and that is on the path of every node built.
_table: dict[tuple[Any, ...], _Entry] = {}
_lock = threading.Lock()


_INFERRED_MAX = 4096
_inferred: dict[tuple[Any, ...], Type] = {}


def _holdable(typ: Type, op: Op, types: Sequence[Type]) -> Type:
    """``typ``, the type ``op`` gives its inputs' ``types``, when NumPy can hold an array of it;
    else a ShapeError naming the op and the shapes. Every node's type passes here once (a type
    rule's result is remembered), so no op, however its shape arises (broadcasting, an outer
    product, a size of an identity), builds a node its evaluation could never make."""
    beyond = too_many_elements(typ.shape)
    if beyond is None:
        return typ
    given = "".join(f"{' and' if k else ' of'} {format_shape(t.shape)}" for k, t in enumerate(types))
    raise ShapeError(f"{op.name}: the result{given} has shape {format_shape(typ.shape)}: {beyond}")


def _infer(op: Op, inputs: tuple[Node, ...]) -> Type:
    """``op.infer`` on the inputs' types, remembered: a type rule is a pure function of the op
    and the input types, and a graph applies the same few ops to the same few types over and
    over. Bounded like the Type table; leaves (whose rule is trivial) are not remembered."""
    if not inputs:
        typ = op.infer()
        return _holdable(typ, op, ()) if typ.shape else typ  # most leaves are scalar constants
    types = [i.type for i in inputs]
    key = (op, *types)
    typ = _inferred.get(key)
    if typ is None:
        typ = _holdable(op.infer(*types), op, types)  # a type error raises here, nothing stored
        if len(_inferred) >= _INFERRED_MAX:
            _inferred.clear()
        _inferred[key] = typ
    return typ


# how an array of expressions is made, where a NumPy array cannot hold one
_ASSEMBLE = ("np.stack([...]) or np.concatenate([...]) for one array of expressions (sd.stack, "
             "sd.concatenate)")


class Node:
    """An immutable, interned graph node: an op applied to input nodes, with its Type.

    ``Node(op, inputs)`` returns the existing node when one with an equal op and the same inputs
    is alive, so equal sub-expressions are one object and identity is equality. Arithmetic
    operators, indexing and NumPy-style methods are installed by ``symdiff.ops``.
    """

    # ``_settled``: how the last rewrite that found the node in normal form saw it (the rewrite
    # engine writes and reads it, to pass over what an earlier simplify settled); not part of
    # the node's value, so it does not make the node mutable in any way a user sees.
    __slots__ = ("op", "inputs", "type", "_settled", "__weakref__")
    op: Op
    inputs: tuple[Node, ...]
    type: Type
    _settled: Any

    def __new__(cls, op: Op, inputs: Iterable[Node] = ()) -> Node:
        # This runs for every node ever built, so the common shapes (one or two inputs) are
        # spelled out. Keyed by the inputs' ids: a live node keeps its inputs alive, so the ids
        # are unambiguous, and the lookup never calls the inputs' (elementwise) __eq__. A key
        # with the id of something that is not a node cannot match, so inputs are checked on a
        # miss.
        if type(inputs) is not tuple:
            inputs = tuple(inputs)
        n = len(inputs)
        if n == 2:
            a, b = inputs
            key: tuple[Any, ...] = (op, id(a), id(b))
        elif n == 1:
            a = inputs[0]
            key = (op, id(a))
        else:
            key = (op, *map(id, inputs))
        entry = _table.get(key)
        if entry is not None:
            node = entry()
            if node is not None:
                return node
        if n == 2 and isinstance(a, Node) and isinstance(b, Node):
            tkey: tuple[Any, ...] = (op, a.type, b.type)
        elif n == 1 and isinstance(a, Node):
            tkey = (op, a.type)
        else:
            for i in inputs:
                if not isinstance(i, Node):
                    raise TypeError(f"{op.name}: inputs must be nodes, got {type(i).__name__}")
            tkey = (op, *[i.type for i in inputs])
        typ = _inferred.get(tkey) if n else None
        if typ is None:
            typ = _infer(op, inputs)
        node = object.__new__(cls)
        _set_op(node, op)
        _set_inputs(node, inputs)
        _set_type(node, typ)
        set_settled(node, None)
        entry = _Entry(node, _forget)
        entry.key = key
        # setdefault is atomic, so of two threads building the same node only one enters it;
        # the other returns that one. A dead entry left for this key (its node died and the
        # callback has not removed it yet) is replaced under the lock.
        found = _table.setdefault(key, entry)
        if found is not entry:
            with _lock:
                other = found()
                if other is not None:
                    return other
                found = _table.get(key)
                other = None if found is None else found()
                if other is not None:
                    return other
                _table[key] = entry
        return node

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("nodes are immutable; build a new node instead")

    def __reduce__(self) -> Any:
        # The graph below the node, flat: its ops in topological order and each one's inputs as
        # positions in that order. Pickle never recurses through it, however deep, and loading
        # builds the nodes again (interned, so in the same process they are these nodes).
        order = toposort([self])
        at = {n: k for k, n in enumerate(order)}
        return (_unpickle, (tuple(n.op for n in order),
                            tuple(tuple(at[i] for i in n.inputs) for n in order)))

    # Immutable and interned: a copy is the node itself (as for tuples), so copy.copy and
    # copy.deepcopy of structures holding nodes work and keep sharing them.
    def __copy__(self) -> Node:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Node:
        return self

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        same = ""
        if self.op.name in ("equal", "not_equal"):  # also `x in [y]`, list.index, list.remove
            same = ("; to ask whether two expressions are the same node use `is` (== builds an "
                    "elementwise comparison, and `in` on a list, list.index and list.remove call "
                    "it; sets and dicts of nodes go by identity)")
        elif self.op.name in ("less", "less_equal", "greater", "greater_equal"):
            same = ("; Python's max(), min() and sorted() compare this way: np.max(x), "
                    "np.maximum(a, b) and np.sort(x) build their expressions")
        raise TypeError(
            f"the truth value of a symbolic expression ({self!r}) is not known until it is "
            "evaluated, and Python's if, while, and, or, not and assert ask for it while the "
            f"graph is built; use sd.where(cond, a, b) for a choice made on values{same}; a "
            "while loop on values runs a fixed number of times instead, each step kept where "
            "its condition holds (x = sd.where(cond, step(x), x))"
        )

    def _no_number(self, use: str, in_graph: str = "expr.astype(...) for a conversion") -> Any:
        raise TypeError(
            f"{use}: it has no value until it is evaluated; use sd.evaluate(expr, values) or "
            f"expr.eval(x=...) for a number, or {in_graph} in the graph"
        )

    def __float__(self) -> float:
        # also what math.sin(expr) and math's other functions of floats meet, and a[i] = expr
        # into a float array (NumPy raises its own ValueError from this one)
        return self._no_number(  # type: ignore[no-any-return]
            "float() of a symbolic expression (which math.sin and math's other functions call, "
            "as does a[i] = expr into a NumPy array)",
            "expr.astype(...) for a conversion, symdiff's functions for math's (sd.sin(expr) "
            f"or np.sin(expr) for math.sin(expr)), and {_ASSEMBLE},")

    # an array's (and a torch tensor's) ways to its numbers, which an expression does not have yet
    def item(self, *args: Any) -> Any:
        return self._no_number("item() of a symbolic expression")

    def tolist(self) -> Any:
        return self._no_number("tolist() of a symbolic expression")

    def __trunc__(self) -> int:
        return self._no_number("math.trunc() of a symbolic expression",  # type: ignore[no-any-return]
                               "sd.trunc(expr)")

    def __floor__(self) -> int:
        return self._no_number("math.floor() of a symbolic expression",  # type: ignore[no-any-return]
                               "sd.floor(expr)")

    def __ceil__(self) -> int:
        return self._no_number("math.ceil() of a symbolic expression",  # type: ignore[no-any-return]
                               "sd.ceil(expr)")

    # also what a[i] = expr into an integer or a complex NumPy array meets
    def __int__(self) -> int:
        return self._no_number(  # type: ignore[no-any-return]
            "int() of a symbolic expression (as a[i] = expr into an integer NumPy array calls)",
            f"expr.astype(...) for a conversion, and {_ASSEMBLE},")

    def __complex__(self) -> complex:
        return self._no_number(  # type: ignore[no-any-return]
            "complex() of a symbolic expression (as a[i] = expr into a complex NumPy array calls)",
            f"expr.astype(...) for a conversion, and {_ASSEMBLE},")

    def __index__(self) -> int:
        use = "a symbolic expression used as a Python int (an index or a size)"
        return self._no_number(use)  # type: ignore[no-any-return]

    @property
    def shape(self) -> Shape:
        return self.type.shape

    @property
    def dtype(self) -> np.dtype:
        return self.type.dtype

    @property
    def ndim(self) -> int:
        return len(self.type.shape)

    def __len__(self) -> int:
        if not self.type.shape:
            raise TypeError("len() of a 0-d expression")
        d = self.type.shape[0]
        if isinstance(d, str):
            raise TypeError(f"len() of an expression whose first dimension is symbolic ({d!r}): "
                            f"its length is known only when it is evaluated; sd.dim_size({d!r}) "
                            f"is that length as an expression, and a reduction (x.sum(axis=0)) or a "
                            f"scan (sd.cumsum, sd.linear_recurrence) works along the axis where "
                            f"a loop over range(len(x)) would")
        return d

    def __iter__(self) -> Iterator[Node]:
        # as a NumPy array's: the subarrays along the first axis, so `a, b = v` unpacks a vector
        # of 2 and `for row in W` walks the rows, each an expression self[k]
        if not self.type.shape:
            raise TypeError("iteration over a 0-d expression: it is one value, not a sequence")
        d = self.type.shape[0]
        if isinstance(d, str):
            raise TypeError(f"iteration over an expression whose first dimension is symbolic "
                            f"({d!r}): its length is known only when it is evaluated; index it, or "
                            f"use a reduction (x.sum(axis=0)) or a scan (sd.cumsum, "
                            f"sd.linear_recurrence) along that axis")
        return (self[k] for k in range(d))

    def __contains__(self, item: Any) -> bool:
        raise TypeError(
            "`in` of a symbolic expression: it holds no values until it is evaluated; test the "
            "evaluated array (`v in expr.eval(...)`), or build the test in the graph with "
            "sd.any(expr == v)"
        )

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            "symbolic expressions are immutable, so `expr[index] = value` cannot change one; "
            "build a new expression instead: sd.where(mask, value, expr) replaces the elements "
            "where a boolean mask is true, and expr + sd.index_add(value - expr[index], "
            "expr.shape, index) the elements at an index that repeats none (as JAX's "
            "expr.at[index].set(value))"
        )

    def __delitem__(self, index: Any) -> None:
        raise TypeError(
            "symbolic expressions are immutable, so `del expr[index]` cannot change one; "
            "symdiff has no delete: index the elements to keep instead (expr[mask] with a "
            "constant boolean mask, or sd.take(expr, indices, axis))"
        )

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(
            "a symbolic expression is not a NumPy array (np.array(expr), np.asarray(expr), "
            "np.array([expr, ...]), a list of expressions given to a NumPy function, which "
            "makes an array of it first (np.sum([a, b]) is np.sum(np.stack([a, b]))), "
            "a[i] = expr into a NumPy array, a.dot(expr) of a NumPy "
            "array a (a @ expr or np.dot(a, expr) builds the product), or a NumPy function "
            "symdiff has no counterpart for): NumPy's functions of the same name as symdiff's (np.exp, "
            "np.dot, np.where, np.linalg.norm, ...) build expressions; use "
            f"{_ASSEMBLE}; sd.evaluate(expr, values) gives its value"
        )

    if TYPE_CHECKING:  # installed by symdiff.ops from one table
        def __add__(self, other: Any) -> Node: ...
        def __radd__(self, other: Any) -> Node: ...
        def __sub__(self, other: Any) -> Node: ...
        def __rsub__(self, other: Any) -> Node: ...
        def __mul__(self, other: Any) -> Node: ...
        def __rmul__(self, other: Any) -> Node: ...
        def __truediv__(self, other: Any) -> Node: ...
        def __rtruediv__(self, other: Any) -> Node: ...
        def __pow__(self, other: Any) -> Node: ...
        def __rpow__(self, other: Any) -> Node: ...
        def __matmul__(self, other: Any) -> Node: ...
        def __rmatmul__(self, other: Any) -> Node: ...
        def __neg__(self) -> Node: ...
        def __pos__(self) -> Node: ...
        def __abs__(self) -> Node: ...
        def __lt__(self, other: Any) -> Node: ...
        def __le__(self, other: Any) -> Node: ...
        def __gt__(self, other: Any) -> Node: ...
        def __ge__(self, other: Any) -> Node: ...
        def __eq__(self, other: Any) -> Node: ...  # type: ignore[override]
        def __ne__(self, other: Any) -> Node: ...  # type: ignore[override]
        def __getitem__(self, index: Any) -> Node: ...
        def sum(self, axis: Any = None, keepdims: bool = False, *, dtype: Any = None,
                out: Any = None, initial: Any = None, where: Any = None) -> Node: ...
        def mean(self, axis: Any = None, keepdims: bool = False, *, dtype: Any = None,
                 out: Any = None, where: Any = None) -> Node: ...
        def max(self, axis: Any = None, keepdims: bool = False, *, out: Any = None,
                initial: Any = None, where: Any = None) -> Node: ...
        def min(self, axis: Any = None, keepdims: bool = False, *, out: Any = None,
                initial: Any = None, where: Any = None) -> Node: ...
        def prod(self, axis: Any = None, keepdims: bool = False, *, dtype: Any = None,
                 out: Any = None, initial: Any = None, where: Any = None) -> Node: ...
        def reshape(self, *shape: Any) -> Node: ...
        def transpose(self, *axes: Any) -> Node: ...
        def astype(self, dtype: Any) -> Node: ...
        def squeeze(self, axis: Any = None) -> Node: ...
        def swapaxes(self, axis1: int, axis2: int) -> Node: ...
        def ravel(self, order: str = "C") -> Node: ...
        def flatten(self, order: str = "C") -> Node: ...
        def repeat(self, repeats: Any, axis: Any = None) -> Node: ...
        def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Node: ...
        def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
                  out: Any = None) -> Node: ...
        def take(self, indices: Any, axis: Any = None, mode: str = "raise") -> Node: ...
        def sort(self, axis: Any = -1, kind: Any = None, order: Any = None) -> Node: ...
        def argsort(self, axis: Any = -1, kind: Any = None, order: Any = None) -> Node: ...
        def argmax(self, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Node: ...
        def argmin(self, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Node: ...
        def dot(self, other: Any) -> Node: ...
        def clip(self, a_min: Any = None, a_max: Any = None) -> Node: ...
        def cumsum(self, axis: Any = None) -> Node: ...
        def cumprod(self, axis: Any = None) -> Node: ...
        def std(self, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Node: ...
        def var(self, axis: Any = None, ddof: Any = 0, keepdims: bool = False) -> Node: ...
        def eval(self, values: Any = None, /, **keywords: Any) -> Any: ...
        @property
        def T(self) -> Node: ...
        @property
        def mT(self) -> Node: ...


# Nodes are immutable: their slots are written once, in Node.__new__, through the slot
# descriptors (a third faster than object.__setattr__, and that is on every node's path).
_set_op = Node.op.__set__  # type: ignore[attr-defined]
_set_inputs = Node.inputs.__set__  # type: ignore[attr-defined]
_set_type = Node.type.__set__  # type: ignore[attr-defined]
set_settled = Node._settled.__set__  # type: ignore[attr-defined]


def gc_paused(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run with Python's cyclic garbage collector paused (and restored to how it was).

    Passes that build a graph allocate one object per node and keep them all; the collector,
    triggered by allocation counts, would scan the growing heap again and again (over half the
    time of differentiating a 100,000-node graph). Nodes form no reference cycles (the intern
    table holds weak references), so pausing it loses nothing; cycles made meanwhile elsewhere
    are collected once it runs again.
    """
    @functools.wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> Any:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


def live_node_count() -> int:
    """How many interned nodes are alive (a measure for leak tests and benchmarks)."""
    return len(_table)


def _unpickle(ops: tuple[Op, ...], inputs: tuple[tuple[int, ...], ...]) -> Node:
    """The last node of a graph saved by ``Node.__reduce__``."""
    nodes: list[Node] = []
    for op, ins in zip(ops, inputs):
        nodes.append(Node(op, tuple(nodes[k] for k in ins)))
    return nodes[-1]


def toposort(roots: Node | Iterable[Node]) -> list[Node]:
    """Every node reachable from ``roots``, each once, inputs before the nodes that use them.

    Iterative (an explicit stack), so graphs of any depth are fine.
    """
    if isinstance(roots, Node):
        roots = [roots]
    elif isinstance(roots, (str, bytes)) or not hasattr(roots, "__iter__"):
        raise TypeError(f"toposort: roots must be an expression or an iterable of expressions, "
                        f"got {kind_of(roots)} ({roots!r})")
    order: list[Node] = []
    seen: set[Node] = set()
    # A depth-first walk with two parallel stacks: the path of nodes and, for each, the index
    # of the next input to look at. Small ints are shared objects, so a step allocates nothing.
    path: list[Node] = []
    next_input: list[int] = []
    for k, root in enumerate(roots):
        if not isinstance(root, Node):
            raise TypeError(f"toposort: item {k} of roots is {kind_of(root)} ({root!r}), not an "
                            "expression")
        if root in seen:
            continue
        seen.add(root)
        path.append(root)
        next_input.append(0)
        while path:
            inputs = path[-1].inputs
            k = next_input[-1]
            n = len(inputs)
            while k < n and inputs[k] in seen:
                k += 1
            if k < n:
                child = inputs[k]
                next_input[-1] = k + 1
                seen.add(child)
                path.append(child)
                next_input.append(0)
            else:
                order.append(path.pop())
                next_input.pop()
    return order


def consumers(order: Sequence[Node]) -> dict[Node, int]:
    """How many times each node of ``order`` is used as an input within ``order``."""
    uses: dict[Node, int] = dict.fromkeys(order, 0)
    for node in order:
        for i in node.inputs:
            uses[i] += 1
    return uses


def substitute(roots: Sequence[Node], mapping: Mapping[Node, Node],
               order: Sequence[Node] | None = None) -> list[Node]:
    """``roots`` with every node in ``mapping`` replaced, rebuilding only what changed.
    ``order``: the nodes that may change, inputs first (``toposort(roots)`` when not given)."""
    new: dict[Node, Node] = dict(mapping)
    for node in toposort(roots) if order is None else order:
        if node in new:
            continue
        ins = tuple(new.get(i, i) for i in node.inputs)
        if any(a is not b for a, b in zip(ins, node.inputs)):
            new[node] = Node(node.op, ins)
    return [new.get(r, r) for r in roots]


def count_nodes(outputs: Node | Iterable[Node]) -> int:
    """The number of distinct nodes reachable from ``outputs`` (shared nodes count once): one
    expression, or lists, tuples and dicts of them, nested as ``hessian`` returns its blocks."""
    return len(toposort(as_roots(outputs, "count_nodes")))


def _is_nest(item: Any) -> bool:
    return isinstance(item, (list, tuple, Mapping))


def _path_text(path: tuple[Any, ...]) -> str:
    """Where an item sits in nested outputs: ``1`` (a list's second), ``1[0]``, ``'loss'``."""
    return repr(path[0]) + "".join(f"[{k!r}]" for k in path[1:])


def map_nest(tree: Any, leaf: Callable[[Any, tuple[Any, ...]], Any], what: str) -> Any:
    """``tree`` with every item that is not a list, tuple or dict replaced by ``leaf(item,
    path)``, keeping the nesting (lists stay lists, tuples tuples, dicts keep their keys; a
    ``tree`` that is not a nest is itself the one item, at path ``()``). Iterative: a nest
    may be deep; one that contains itself is an error naming ``what``."""
    if not _is_nest(tree):
        return leaf(tree, ())

    def opened(c: Any, path: tuple[Any, ...], outer: frozenset[int]) -> list[Any]:
        if id(c) in outer:
            raise ValueError(f"{what}: the outputs contain themselves at item {_path_text(path)}")
        keys = list(c) if isinstance(c, Mapping) else None
        items = [c[k] for k in keys] if keys is not None else list(c)
        return [c, keys, items, [], path, outer | {id(c)}]

    stack = [opened(tree, (), frozenset())]
    while True:
        c, keys, items, done, path, outer = stack[-1]
        k = len(done)
        if k < len(items):
            item, at = items[k], path + (keys[k] if keys is not None else k,)
            if _is_nest(item):
                stack.append(opened(item, at, outer))
            else:
                done.append(leaf(item, at))
            continue
        if keys is not None:
            built: Any = dict(zip(keys, done))
        elif isinstance(c, tuple):
            built = type(c)(*done) if hasattr(c, "_fields") else tuple(done)  # namedtuples too
        else:
            built = done
        stack.pop()
        if not stack:
            return built
        stack[-1][3].append(built)


def flatten_outputs(outputs: Any, what: str, convert: Callable[[Any], Node | None] | None = None
                    ) -> tuple[list[Node], Any]:
    """The expressions of ``outputs`` (one, or lists, tuples and dicts of them, nested; any other
    iterable is read as a list) in order, and the nest with each replaced by its position, for
    ``unflatten_outputs``. ``convert`` turns an item that is not an expression into one, or
    gives None; an item left that is not an expression is a TypeError naming ``what`` and
    where the item sits, and a str given as the outputs one pointing to ``sd.parse``.

    >>> from symdiff.ir import flatten_outputs
    >>> a, b, c = sd.symbols("a b c")
    >>> flatten_outputs([[a, b], {"c": c}], "f")
    ([a, b, c], [[0, 1], {'c': 2}])
    """
    leaves: list[Node] = []

    def leaf(item: Any, path: tuple[Any, ...]) -> int:
        node = item if isinstance(item, Node) or convert is None else convert(item)
        if not isinstance(node, Node):
            raise TypeError(f"{what}: item {_path_text(path)} is {kind_of(item)}, not an "
                            "expression (sd.const makes a constant one)")
        leaves.append(node)
        return len(leaves) - 1

    if isinstance(outputs, str):  # else read as its characters, blamed one by one
        shown = repr(outputs) if len(outputs) <= 40 else repr(outputs[:37]) + "..."
        raise TypeError(f"{what}: expects an expression, a list or a dict of expressions, got the "
                        f"str {shown}; sd.parse(text) reads an expression from text")
    if isinstance(outputs, (set, frozenset)):
        raise TypeError(f"{what}: a set of expressions has no order, so the results could not be "
                        "told apart; pass a list or a dict")
    if not _is_nest(outputs) and not isinstance(outputs, Node):
        try:  # any other iterable (a generator, ...) is read as a list
            outputs = list(outputs)
        except TypeError:
            raise TypeError(f"{what}: expects an expression, a list or a dict of expressions, got "
                            f"{type(outputs).__name__}{function_hint(outputs)}") from None
    return leaves, map_nest(outputs, leaf, what)


def unflatten_outputs(spec: Any, values: Sequence[Any]) -> Any:
    """``values`` (one per expression of ``flatten_outputs``) in the nest ``spec`` describes."""
    return map_nest(spec, lambda k, _: values[k], "unflatten_outputs")


def as_outputs(outputs: Any) -> Any:
    """``outputs`` in a form that can be read more than once: a one-shot iterator (a
    generator, ``map(...)``) as the list it yields, anything else as it is."""
    return list(outputs) if isinstance(outputs, Iterator) else outputs


def as_roots(outputs: Any, what: str) -> list[Node]:
    """One expression, or an iterable of them (lists, tuples and dicts may nest), as a flat list;
    anything else is a TypeError that names the function ``what`` and the item at fault."""
    if isinstance(outputs, Node):
        return [outputs]
    if isinstance(outputs, (set, frozenset)):
        outputs = list(outputs)  # counting and ordering nodes need no order of the roots
    return flatten_outputs(outputs, what)[0]
