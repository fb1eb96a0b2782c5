"""The interpreter: run a graph on NumPy inputs, each node once, freeing values early."""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.lib.array_utils import byte_bounds

from ..errors import InputError
from ..ir import Node, format_shape, toposort
from ..ops import Const, Var
from ..ops.base import MASK_LOST, call_kernel, call_key, graph_variables, is_masked, kernel
from ..ops.diagonals import fuse_diagonal_sums
from .inputs import input_array


def bind_input(v: Node, value: Any, dims: dict[str, int],
               bound_by: dict[str, tuple[str, int]]) -> np.ndarray:
    """``value`` as an array of ``v``'s dtype and shape, binding its named dimensions in
    ``dims``, and in ``bound_by`` the variable and axis each was first bound by."""
    op = v.op
    assert isinstance(op, Var)
    if is_masked(value):
        raise InputError(f"variable {op.var_name!r} was given a masked array with masked entries: {MASK_LOST}")
    try:
        arr = input_array(value, "variable", op.var_name, op.dtype)
    except ValueError as e:
        raise InputError(str(e)) from None
    if arr.ndim != len(op.shape):
        raise InputError(
            f"variable {op.var_name!r} is declared with shape {format_shape(op.shape)} but was given "
            f"shape {format_shape(arr.shape)}"
        )
    for axis, (want, got) in enumerate(zip(op.shape, arr.shape)):
        if isinstance(want, str):
            bound = dims.setdefault(want, got)
            by, by_axis = bound_by.setdefault(want, (op.var_name, axis))
            if bound != got:
                raise InputError(
                    f"variable {op.var_name!r}: dimension {want!r} (axis {axis}) is {got} here but "
                    f"{bound} in variable {by!r} (axis {by_axis})"
                )
        elif want != got:
            raise InputError(
                f"variable {op.var_name!r} is declared with shape {format_shape(op.shape)} but was given "
                f"shape {format_shape(arr.shape)}"
            )
    return arr


def given_values(values: Any, keywords: Mapping[str, Any], caller: str, what: str = "values"
                 ) -> dict[Any, Any]:
    """The values given to ``caller`` as one dict: ``values``, a dict keyed by variable or by
    name (None for none), with ``keywords`` (by name) added; a name given in both is an error,
    as a variable named like a parameter (``self``) can only come in the dict."""
    if values is not None and not isinstance(values, Mapping):
        raise TypeError(
            f"{caller}: {what} must be a dict from variables (or their names) to values, such as "
            f"{{'x': 3.0}}; got {type(values).__name__}"
        )
    merged = dict(values or {})
    if keywords:
        names = {k.op.var_name if isinstance(k, Node) and isinstance(k.op, Var) else k
                 for k in merged}
        for name in keywords:
            if name in names:
                raise InputError(f"{caller}: a value for {name!r} is given twice, in the dict and "
                                 f"as a keyword; give it once")
        merged.update(keywords)
    return merged


def _lookup(inputs: Mapping[Any, Any], v: Node, variables: Sequence[Node] = ()) -> Any:
    """The value ``inputs`` give ``v``; missing, an error naming it and, of the names given,
    those that are not among ``variables`` (the graph's), with a close match to ``name``."""
    name = v.op.var_name  # type: ignore[attr-defined]
    if v in inputs:
        if name in inputs:
            raise InputError(f"variable {name!r} is given two values, one keyed by the variable "
                             "and one by its name; give it once")
        return inputs[v]
    if name in inputs:
        return inputs[name]
    others = [k for k in inputs if isinstance(k, Node) and isinstance(k.op, Var)
              and k.op.var_name == name]
    hint = (f"; a different variable of that name was given, {others[0].op!r}: key the value by "
            f"this expression's variable, or by its name" if others
            else _unknown_names(inputs, name, variables))
    raise InputError(
        f"no value given for variable {name!r} (dtype {v.dtype}, shape {format_shape(v.shape)})"
        f"{hint}"
    )


def _unknown_names(inputs: Mapping[Any, Any], name: str, variables: Sequence[Node]) -> str:
    """The part of a missing value's message naming the given names that are not variables of
    the graph: most often a misspelling, as ``y=3`` for ``x``."""
    known = {v.op.var_name for v in variables}  # type: ignore[attr-defined]
    unknown = [k for k in inputs if isinstance(k, str) and k not in known]
    if not unknown:
        return ""
    close = difflib.get_close_matches(name, unknown, n=1, cutoff=0.5)
    listed = ", ".join(repr(k) for k in unknown)
    which = "is not a variable" if len(unknown) == 1 else "are not variables"
    mean = f"; is {close[0]!r} a misspelling of {name!r}?" if close else ""
    names = sorted(known)
    shown = ", ".join(repr(n) for n in names[:10]) + (", ..." if len(names) > 10 else "")
    return f"; {listed} {which} of the expression, whose variables are {shown}{mean}"


def evaluate(outputs: Node | Sequence[Node], inputs: Mapping[Any, Any] | None = None,
             variables: Iterable[Node] = ()) -> Any:
    """Values of ``outputs`` for ``inputs`` (keyed by variable or by name): one node gives one
    array, a list gives a list. Named dimensions bind from the outputs' variables, from
    ``variables`` given a value (those of the graph the outputs were rewritten from) and from
    variables used as keys of ``inputs``.

    >>> from symdiff.backends.evaluate import evaluate
    >>> x, y = sd.symbols("x y")
    >>> evaluate(x * y, {"x": 3.0, "y": -4.0})
    array(-12.)
    >>> evaluate([x * y, x], {x: 3.0, y: -4.0})
    [array(-12.), array(3.)]
    """
    single = isinstance(outputs, Node)
    if not single and not isinstance(outputs, (list, tuple)):
        raise TypeError(
            f"evaluate: outputs must be a symdiff expression or a list of them, got {type(outputs).__name__}"
        )
    outs = [outputs] if single else list(outputs)
    for o in outs:
        if not isinstance(o, Node):
            raise TypeError(f"evaluate: outputs must be symdiff expressions, got {type(o).__name__}")
    inputs = given_values(inputs, {}, "evaluate", "inputs")
    order = toposort(outs)
    dims: dict[str, int] = {}
    bound_by: dict[str, tuple[str, int]] = {}
    env: dict[Node, Any] = {}
    variables_of_graph = graph_variables(order)
    for v in variables_of_graph:
        env[v] = bind_input(v, _lookup(inputs, v, variables_of_graph), dims, bound_by)
    # the arrays bound to the variables, the caller's own memory wherever np.asarray did not copy:
    # an ndarray, and as well a memoryview or any object with __array__ (a tensor, a Series)
    given = [a for a in env.values() if a.size]
    # A size may outlive its variable: arange(X.shape[0]) reads no X, and one_hot(l, 3) * 0.0
    # simplifies to zeros of shape (n, 3). Such variables, when given, bind their dimensions.
    keys = [k for k in inputs if isinstance(k, Node) and isinstance(k.op, Var)]
    for v in graph_variables([*env, *variables, *keys]):
        if v not in env and any(isinstance(d, str) for d in v.shape) and (
                v in inputs or v.op.var_name in inputs):  # type: ignore[attr-defined]
            bind_input(v, _lookup(inputs, v), dims, bound_by)
    # a sum of diagonal embeddings fills one buffer, read from its terms: its own add and
    # diagonal_embed nodes are not computed
    keep: set[Node] = set(outs)  # type: ignore[arg-type]  # all nodes, checked above
    order, fused, uses = fuse_diagonal_sums(order, keep)  # uses: counted down to free values
    inputs_of = {n: f.node.inputs for n, f in fused.items()}
    parts: dict[Any, int] = {}  # a shared call's key -> how many of its parts are still to take
    for n in order:
        key = call_key(n)
        if key is not None:
            parts[key] = parts.get(key, 0) + 1
    calls: dict[Any, Any] = {}  # a shared call's key -> its result, until its last part is taken
    for node in order:
        op = node.op
        if node in env:
            continue
        if isinstance(op, Const):
            # a 0-d constant as a NumPy scalar, as generated code writes it: NumPy's scalar
            # arithmetic (taken when every operand is a scalar) may round differently from a
            # ufunc on 0-d arrays (a power of a reduced sum, in the last bit)
            env[node] = op.value[()] if op.value.ndim == 0 else op.value
            continue
        key = call_key(node)
        ins = node.inputs
        if node in fused:
            op, ins = fused[node].node.op, inputs_of[node]
        fn, names = kernel(op, len(ins)) if key is None else call_kernel(op, len(ins))[:2]
        d = tuple(_dim(dims, name, node) for name in names)
        try:
            if key is None:
                env[node] = fn(*(env[i] for i in ins), _D=d)
            else:  # one part of a call that runs once for all its parts
                if key not in calls:
                    calls[key] = fn(*(env[i] for i in ins), _D=d)
                env[node] = calls[key][op.part]  # type: ignore[attr-defined]
                parts[key] -= 1
                if not parts[key]:
                    del calls[key]
        except Exception as e:
            if hasattr(e, "add_note"):
                shapes = ", ".join(format_shape(np.shape(env[i])) for i in ins)
                # the node as the user reads it (its text, or a summary when long), not the
                # op's internal parameters (an index was shown as getitem((('a',),),))
                e.add_note(f"while evaluating {op.name}: {node!r}, on inputs of shapes {shapes}")
            raise
        for i in ins:
            uses[i] -= 1
            if uses[i] == 0 and i not in keep:
                del env[i]
    returned: dict[int, _Returned] = {}  # the results so far, by the array owning their memory
    spans = _spans(given)
    results = [_finish(env[o], spans, returned) for o in outs]
    return results[0] if single else results


def _dim(dims: Mapping[str, int], name: str, node: Node) -> int:
    if name not in dims:
        raise InputError(
            f"dimension {name!r} used by {node.op!r} is not bound by any input variable; no "
            f"variable of the expression has it, so key the value of one that does by the "
            f"variable itself ({{X: value}}, not {{'X': value}})"
        )
    return dims[name]


class _Returned:
    """The results returned so far whose memory one array owns, and the end of the highest
    byte any of them reaches (results taken in order along that memory, as the rows of a
    matrix, need no comparison with the others)."""

    __slots__ = ("arrays", "end")

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.end = 0


def _spans(given: Sequence[np.ndarray]) -> tuple[list[int], list[int]]:
    """The memory of the arrays ``given`` as sorted disjoint byte ranges: the starts and the
    ends. Finding whether an array may share memory with one of them is then a binary search,
    not a comparison with each (a function of thousands of scalar variables has as many
    inputs, and often as many outputs)."""
    bounds = sorted(byte_bounds(a) for a in given if a.size)
    starts: list[int] = []
    ends: list[int] = []
    for lo, hi in bounds:
        if ends and lo < ends[-1]:
            ends[-1] = max(ends[-1], hi)
        else:
            starts.append(lo)
            ends.append(hi)
    return starts, ends


def _may_share(arr: np.ndarray, spans: tuple[list[int], list[int]]) -> bool:
    """``np.may_share_memory(arr, g)`` for any ``g`` of the arrays ``spans`` was made from."""
    if not arr.size:
        return False
    starts, ends = spans
    lo, hi = byte_bounds(arr)
    k = bisect.bisect_left(starts, hi) - 1  # the last range starting below arr's end
    return k >= 0 and ends[k] > lo


def _finish(value: Any, spans: tuple[list[int], list[int]], returned: dict[int, _Returned]
            ) -> np.ndarray:
    """The caller's own array: never a read-only constant or broadcast view, never a view of an
    input array (``x.reshape(6)`` would otherwise write through to ``x``; ``spans`` holds the
    inputs' memory), and sharing no memory with another result (an output listed twice, or
    ``y`` and ``y.T``), as NumPy's functions returning several arrays. Only results with one
    owner of their memory can share it."""
    arr = np.asarray(value)
    owner = arr.base if arr.base is not None else arr
    if not arr.flags.writeable or _may_share(arr, spans) or _shares_returned(arr, returned.get(id(owner))):
        arr = np.array(arr)
        owner = arr
    seen = returned.get(id(owner))
    if seen is None:
        seen = returned[id(owner)] = _Returned()
    seen.arrays.append(arr)
    if arr.size:
        seen.end = max(seen.end, byte_bounds(arr)[1])
    return arr


def _shares_returned(arr: np.ndarray, seen: _Returned | None) -> bool:
    if seen is None or not arr.size:
        return False
    if byte_bounds(arr)[0] >= seen.end:  # past every byte of the others
        return False
    return any(np.shares_memory(arr, r) for r in seen.arrays)
