"""The user-facing entry points, composed from the layers below, and the Node methods that
need them (``expr.eval``, ``str(expr)``)."""

from __future__ import annotations

import builtins
import collections
import functools
import html
import inspect
import itertools
import linecache
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from pathlib import Path
from typing import Any

import numpy as np

from .autodiff import (
    carry_outputs, cotangent_of, derivative, grad, hessian, hvp, jacobian, jvp, records_outputs, taylor, vjp,
)
from .backends.evaluate import evaluate as _evaluate
from .backends.evaluate import given_values
from .backends.numpy_src import GeneratedModule, generate
from .ir import Node, as_outputs, as_roots, count_nodes, flatten_outputs, toposort, unflatten_outputs
from .ops.base import graph_variables
from .printing import short_repr, to_text
from .rewrite import output_nodes
from .rewrite import simplify as _simplify


@functools.wraps(_simplify)
def simplify(outputs: Any, rules: Any = None, *, mapping: dict[Node, Node] | None = None) -> Any:
    # A derivative stays one for pictures, which tell its function's nodes from the rest: the
    # nodes it became are noted as derivatives of the function's nodes in their new forms.
    outputs = as_outputs(outputs)
    if not records_outputs(output_nodes(outputs)):
        return _simplify(outputs, rules, mapping=mapping)
    track: dict[Node, Node] = {} if mapping is None else mapping
    out = _simplify(outputs, rules, mapping=track)
    carry_outputs(track)
    return out


AUTO_SIMPLIFY_NODES = 2000
"""``evaluate(simplify="auto")`` rewrites graphs up to this many nodes (rewriting a graph costs
about 30 us per node the first time, so at most about a sixteenth of a second, and a look at
each node once simplified)..."""
AUTO_SIMPLIFY_ELEMENTS = 100_000
"""... and graphs of any size when an input has at least this many elements (each node then
costs far more to evaluate than to rewrite, and rewriting removes nodes)."""


def evaluate(
    outputs: Node | Sequence[Node],
    inputs: Mapping[Any, Any] | None = None,
    simplify: bool | str = "auto",
) -> Any:
    """Values of ``outputs`` for ``inputs`` (keyed by variable or by name): one node gives one
    array, a list gives a list, a dict of nodes a dict with the same keys (and so on for lists,
    tuples and dicts nested, as ``hessian`` returns its blocks). The graph is
    rewritten first (smaller, stabilized; equal values up to rounding, as ``sd.compile`` does)
    with ``simplify=True``; not with ``False``; with
    ``"auto"``, the default, when rewriting is cheap next to evaluating: the graph has at most
    ``AUTO_SIMPLIFY_NODES`` nodes or an input has ``AUTO_SIMPLIFY_ELEMENTS`` elements or more.

    >>> x, y = sd.symbols("x y")
    >>> sd.evaluate(x * y, {"x": 3.0, "y": -4.0})
    array(-12.)
    >>> sd.evaluate([x * y, sd.grad(x * y, x)], {x: 3.0, y: -4.0})
    [array(-12.), array(-4.)]
    """
    outputs = as_outputs(outputs)
    if simplify == "auto":
        simplify = _worth_simplifying(outputs, inputs)
    elif not isinstance(simplify, (bool, np.bool_)):
        raise ValueError(f"evaluate: simplify must be True, False or 'auto', got {simplify!r}")
    simplify = bool(simplify)
    if isinstance(outputs, Node):
        if not simplify:
            return _evaluate(outputs, inputs)
        return _evaluate(_simplify(outputs), inputs, _variables([outputs]))
    roots, spec = flatten_outputs(outputs, "evaluate")
    if not simplify:
        return unflatten_outputs(spec, _evaluate(roots, inputs))
    return unflatten_outputs(spec, _evaluate(_simplified(roots), inputs, _variables(roots)))


def _variables(roots: Sequence[Node]) -> list[Node]:
    """The variables of ``roots``: rewriting may leave a named dimension without the variable
    that gave it its size, which the evaluator then binds from the value given for it."""
    return graph_variables(toposort(roots))


def _worth_simplifying(outputs: Any, inputs: Mapping[Any, Any] | None) -> bool:
    if not isinstance(inputs, (Mapping, type(None))):
        return False  # not inputs: the evaluator says so
    for value in (inputs or {}).values():
        size = getattr(value, "size", None)  # arrays only: other values are small or scalars
        if isinstance(size, int) and size >= AUTO_SIMPLIFY_ELEMENTS:
            return True
    try:
        roots = as_roots(outputs, "evaluate")
    except (TypeError, ValueError):
        return False  # not outputs: evaluation says so
    # One toposort (under a microsecond per node) against evaluation's several per node.
    return count_nodes(roots) <= AUTO_SIMPLIFY_NODES


def _simplified(outputs: Any, mapping: dict[Node, Node] | None = None) -> Any:
    """``outputs`` (a node, or lists, tuples and dicts of nodes, nested) with their graph
    rewritten together (``mapping`` as in ``simplify``); anything else as it is (the caller
    names what is wrong with it)."""
    if isinstance(outputs, Node):
        return _simplify(outputs, mapping=mapping)
    try:
        roots, spec = flatten_outputs(outputs, "simplify")
    except (TypeError, ValueError):
        return outputs
    return unflatten_outputs(spec, _simplify(roots, mapping=mapping))


def _codegen_options(caller: str, inputs: Any, name: Any, names: Any, simplify: Any) -> Any:
    """``inputs`` as a list (or None, a node or a name), once ``codegen``'s and ``compile``'s
    arguments are checked: a wrong kind of value is named, never read in some other way (a set
    of inputs in an arbitrary order, ``simplify="no"`` as true, ``name=3`` as ``v3``)."""
    if not isinstance(simplify, (bool, np.bool_)):
        raise ValueError(f"{caller}: simplify must be True or False, got {simplify!r}")
    if not isinstance(name, str) or not name:
        raise TypeError(f"{caller}: name must be a non-empty string (the function's name), "
                        f"got {name!r}")
    if names is not None and (isinstance(names, str) or not isinstance(names, Iterable)
                              or isinstance(names, (Set, Mapping))):
        raise TypeError(f"{caller}: names must be a list of strings, one per output, got "
                        f"{type(names).__name__} {names!r}"[:200])
    if names is not None:
        names = list(names)
        for k, n in enumerate(names):
            if not isinstance(n, str):
                raise TypeError(f"{caller}: names[{k}] must be a string, got {type(n).__name__}")
    if inputs is None or isinstance(inputs, (Node, str)):
        return inputs, names
    if isinstance(inputs, (Set, Mapping)) or not isinstance(inputs, Iterable):
        why = (" (a set has no order: the parameters would come in an arbitrary one)"
               if isinstance(inputs, Set) else "")
        raise TypeError(f"{caller}: inputs must be a list of variables (or their names), in the "
                        f"order of the parameters, got {type(inputs).__name__}{why}")
    return list(inputs), names


def _codegen_inputs(outputs: Any, inputs: Sequence[Node | str] | Node | str | None,
                    caller: str) -> Sequence[Node | str] | Node | str | None:
    """The generated function's inputs: by default the variables of the outputs as written,
    and names looked up among them, so that simplification removing a variable (x ** 0,
    one_hot(l, 3) * 0.0, whose size n only l gives) changes no signature."""
    try:
        present = _variables(as_roots(outputs, caller))  # not outputs: a TypeError naming caller
    except ValueError:
        return inputs  # generate names what is wrong
    if inputs is None:
        return present
    if isinstance(inputs, (Node, str)):
        inputs = [inputs]
    by_name = {v.op.var_name: v for v in present}  # type: ignore[attr-defined]
    return [by_name.get(v, v) if isinstance(v, str) else v for v in inputs]


def _for_codegen(outputs: Any, simplify: bool, caller: str
                 ) -> tuple[Any, Callable[[Node], Node | None]]:
    """The outputs to generate code for, and the provenance that names gradient temporaries
    ``d<name>``: reverse mode's, carried through simplification (a rewritten cotangent keeps
    naming itself after the rewritten form of its primal, unless it became a value that the
    outputs which are not gradients compute)."""
    if not simplify:
        return outputs, cotangent_of
    mapping: dict[Node, Node] = {}
    result = _simplified(outputs, mapping)
    if not mapping:  # not simplified (outputs that are not nodes: generate names the culprit)
        return result, cotangent_of
    roots = as_roots(outputs, caller)
    carried: dict[Node, Node] = {}
    for old in toposort(roots):
        primal = cotangent_of(old)
        new = mapping.get(old, old)
        if primal is not None and new not in carried:
            carried[new] = mapping.get(primal, primal)
    # a value the outputs that are not gradients compute keeps its forward name (the gradient
    # of exp(x) beside exp(x) is that node); one that only the gradients compute is named
    # after the gradient it became (1 * cos(W1) -> cos(W1) is dW1)
    for old in toposort([r for r in roots if cotangent_of(r) is None]):
        carried.pop(mapping.get(old, old), None)
    return result, carried.get


Outputs = Node | Sequence[Node] | Mapping[str, Node]


def _eval_method(self: Node, values: Mapping[Any, Any] | None = None, /, **keywords: Any) -> Any:
    """This expression's value for the variables given by name, ``f.eval(x=3.0, y=-4.0)``, or
    in a dict keyed by variable or name, for any name: ``f.eval({"self": 1.0})``."""
    return evaluate(self, given_values(values, keywords, "eval"))


Node.eval = _eval_method  # type: ignore[method-assign]
Node.__str__ = lambda self: to_text(self)  # type: ignore[method-assign]
Node.__repr__ = lambda self: short_repr(self)  # type: ignore[method-assign]


def _format_method(self: Node, spec: str) -> str:
    """``f"{expr}"`` is the expression's text; a number format (``f"{expr:.3f}"``) needs a value."""
    if not spec:
        return to_text(self)
    return self._no_number(f"the format {spec!r} of a symbolic expression")  # type: ignore[no-any-return]


Node.__format__ = _format_method  # type: ignore[method-assign]


def codegen(
    outputs: Outputs,
    inputs: Sequence[Node | str] | None = None,
    name: str = "f",
    names: Sequence[str] | None = None,
    simplify: bool = True,
) -> str:
    """The text of a standalone Python module (NumPy only) defining ``name(*inputs)``.

    >>> x, y = sd.symbols("x y")
    >>> print(sd.codegen({"value": x * y, "dx": y}, inputs=[x, y]))
    \"\"\"f: generated by symdiff; needs only NumPy.\"\"\"
    ...
    def f(x, y):
        \"\"\"f(x, y) -> value, dx
    ...
            value = x * y
            return np.array(value), np.array(y)
    ...
    """
    inputs, names = _codegen_options("codegen", inputs, name, names, simplify)
    outputs = as_outputs(outputs)
    inputs = _codegen_inputs(outputs, inputs, "codegen")
    outputs, provenance = _for_codegen(outputs, bool(simplify), "codegen")
    return generate(outputs, inputs, name, names, provenance).source


_counter = itertools.count()
# the sources registered for tracebacks: the newest few hundred, and no more text than
# _REGISTERED_CHARS in all (large constants make long sources), so the cache stays bounded
_registered: collections.deque[tuple[str, int]] = collections.deque()
_REGISTERED_LIMIT = 512
_REGISTERED_CHARS = 8_000_000
_registered_chars = 0


def _define(module: GeneratedModule) -> Callable[..., Any]:
    """The function ``module`` defines, its source compiled under a pseudo-file of its own that
    is registered with linecache, so tracebacks show the source."""
    global _registered_chars
    filename = f"<symdiff {module.function_name} #{next(_counter)}>"
    lines = module.source.splitlines(True)
    fallback = _fallback_span(module, lines)
    if fallback is None:
        code = builtins.compile(module.source, filename, "exec")
    else:
        # the NumPy fallback of a scalar function runs only where math raises: it is compiled
        # when first called (half the time of a long function), under the same file and lines
        name, start, end = fallback
        blank = "\n" * (end - start)
        code = builtins.compile("".join([*lines[:start], blank, *lines[end:]]), filename, "exec")
    linecache.cache[filename] = (len(module.source), None, lines, filename)
    _registered.append((filename, len(module.source)))
    _registered_chars += len(module.source)
    while len(_registered) > 1 and (
        len(_registered) > _REGISTERED_LIMIT or _registered_chars > _REGISTERED_CHARS
    ):
        old_name, size = _registered.popleft()
        _registered_chars -= size
        linecache.cache.pop(old_name, None)
    namespace: dict[str, Any] = {"__name__": f"symdiff_generated_{module.function_name}"}
    exec(code, namespace)  # noqa: S102 - generated source; user names only appear escaped
    if fallback is not None:
        namespace[name] = _compiled_on_first_call(
            namespace, name, "\n" * start + "".join(lines[start:end]), filename)
    return namespace[module.function_name]  # type: ignore[no-any-return]


def _fallback_span(module: GeneratedModule, lines: Sequence[str]) -> tuple[str, int, int] | None:
    """The name and lines of the module's NumPy fallback, where they are as recorded (a module
    pickled before they were recorded has none: it is compiled whole)."""
    fallback = getattr(module, "fallback", None)
    if fallback is None:
        return None
    name, start, end = fallback
    if not (0 <= start < end <= len(lines) and lines[start].startswith(f"def {name}(")):
        return None
    return fallback


def _compiled_on_first_call(namespace: dict[str, Any], name: str, text: str,
                            filename: str) -> Callable[..., Any]:
    """A stand-in for the function ``name`` defined by ``text``: its first call compiles the
    function into ``namespace``, in its place, and calls it."""
    def first_call(*args: Any) -> Any:
        exec(builtins.compile(text, filename, "exec"), namespace)  # noqa: S102 - as _define
        return namespace[name](*args)

    first_call.__name__ = first_call.__qualname__ = name
    return first_call


_KEYWORDS_SCANNED = 256  # parameters beyond which keywords are looked up in a dict


class CompiledFunction(functools.partial[Any]):
    """A function made by :func:`compile`, called as the generated function itself, with the
    inputs' values in order or as keywords named after the variables, ``fn(**{"lambda": 0.5})``
    even where the generated code calls the parameter ``lambda_``. It carries
    ``.source`` (the module text) and ``.save(path)``, and pickles as its generated module,
    compiled again where it is loaded, so it goes to ``multiprocessing``, joblib and SciPy's
    ``workers`` (a plain function pickles by name, which a generated one does not have). The
    source is symdiff's own, user names in it escaped; as any pickle, load only one you trust.

    >>> import pickle
    >>> x = sd.var("x"); fn = sd.compile(x * 2.0)
    >>> pickle.loads(pickle.dumps(fn))(x=3.0)
    array(6.)
    """

    # A partial with nothing bound, so a call goes to the generated function in C: a method
    # __call__ would add a Python frame, about a quarter of a call of the generated code. Only
    # a function whose parameters are not all its variables' names (a keyword, a builtin, not
    # an identifier) takes that frame, to read keywords by the variables' names, and one with
    # no parameters (outputs of no variable, as a gradient that is constant), to say so when
    # called with arguments, and one of many parameters: CPython matches each keyword by a scan
    # of the parameter names, so fn(**values) of 40,000 variables took 8 s, and a dict takes 5 ms.

    _module: GeneratedModule
    source: str

    def __new__(cls, module: GeneratedModule) -> CompiledFunction:  # noqa: PYI034 - a leaf class
        users = _variable_names(module)
        if cls is CompiledFunction and (users != module.parameters or not users
                                        or len(users) > _KEYWORDS_SCANNED):
            cls = _RenamedParameters
        self = super().__new__(cls, _define(module))
        if cls is _RenamedParameters:
            # a keyword is a variable's name or a parameter's; the generator names a renamed
            # parameter as no variable is named (variables lambda and lambda_ are parameters
            # lambda__2 and lambda_), so the two readings never disagree
            position = {u: k for k, u in enumerate(users)}
            for k, p in enumerate(module.parameters):
                position.setdefault(p, k)
            self._position = position  # type: ignore[attr-defined]
        self._module = module
        self.source = module.source
        # __name__, __doc__ (inputs and outputs with shapes and dtypes) and __wrapped__, which
        # inspect.signature follows
        functools.update_wrapper(self, self.func)
        return self

    def __getattr__(self, name: str) -> Any:
        """The generated function's other attributes (``__code__``, ``__defaults__``)."""
        return getattr(self.func, name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (CompiledFunction, (self._module,))

    def __repr__(self) -> str:
        return f"<compiled {self._module.function_name}({', '.join(self._module.parameters)})>"

    def save(self, path: str | Path) -> Path:
        """Write the module to ``path``; it imports only NumPy."""
        p = Path(path)
        p.write_text(self.source, encoding="utf-8")
        return p

    def _repr_html_(self) -> str:
        """In Jupyter: its signature, its docstring (inputs and outputs with shapes and dtypes),
        and the first lines of its source under a fold."""
        module = self._module
        doc = inspect.cleandoc(self.func.__doc__ or "")
        lines = module.source.splitlines()
        shown = "\n".join(lines[:SOURCE_LINES_SHOWN])
        if len(lines) > SOURCE_LINES_SHOWN:
            shown += f"\n# ... {len(lines) - SOURCE_LINES_SHOWN} more lines: print(fn.source)"
        signature = f"{module.function_name}({', '.join(module.parameters)})"
        return (
            f"<div><b>compiled</b> <code>{html.escape(signature)}</code>"
            f" &mdash; {len(lines)} lines of NumPy"
            + (f"<pre>{html.escape(doc)}</pre>" if doc else "")
            + f"<details><summary>source</summary><pre>{html.escape(shown)}</pre></details></div>"
        )


SOURCE_LINES_SHOWN = 200


def _variable_names(module: GeneratedModule) -> tuple[str, ...]:
    return module.variable_names or module.parameters  # a module pickled before they were kept


_NOT_GIVEN: Any = object()


class _RenamedParameters(CompiledFunction):
    """A compiled function some of whose parameters are renamed from their variables' names
    (``lambda`` is the parameter ``lambda_``): it takes keywords by either name. A function
    with no parameters is one too, so that arguments given to it are refused saying why."""

    _position: dict[str, int]  # a keyword -> the position of the argument it gives

    def __call__(self, /, *args: Any, **keywords: Any) -> Any:
        if not keywords and len(args) == len(self._module.parameters):
            return self.func(*args)
        return self.func(*self._arguments(args, keywords))

    def _arguments(self, args: tuple[Any, ...], keywords: Mapping[str, Any]) -> list[Any]:
        """The arguments in order; a missing, unknown or repeated one named as the variable is."""
        module = self._module
        users = _variable_names(module)
        fn = f"{module.function_name}()"
        if not users:  # as sd.grad(sd.floor(x), x): Python would say only that x is unexpected
            head = f"{fn} takes no arguments: its outputs depend on no variable"
            if keywords:
                names = list(keywords)
                plural = len(names) > 1
                raise TypeError(
                    f"{head}, so {_listed(names)} {'are' if plural else 'is'} not "
                    f"{'parameters' if plural else 'a parameter'}; compile with "
                    f"inputs=[{', '.join(names)}] to keep variables the outputs do not use as "
                    "parameters")
            raise TypeError(f"{head}, but {len(args)} positional argument"
                            f"{' was' if len(args) == 1 else 's were'} given; compile with "
                            "inputs=[...] to keep variables the outputs do not use as parameters")
        if len(args) > len(users):
            raise TypeError(f"{fn} takes {len(users)} arguments ({_listed(users)}) but "
                            f"{len(args)} were given")
        values = [*args, *[_NOT_GIVEN] * (len(users) - len(args))]
        for key, value in keywords.items():
            k = self._position.get(key)
            if k is None:
                raise TypeError(f"{fn} got an unexpected keyword argument {key!r}; its inputs "
                                f"are {_listed(users)}")
            if values[k] is not _NOT_GIVEN:
                also = "" if key == users[k] else f" (as {key!r})"
                raise TypeError(f"{fn} got multiple values for {users[k]!r}{also}")
            values[k] = value
        missing = [u for u, v in zip(users, values) if v is _NOT_GIVEN]
        if missing:
            raise TypeError(f"{fn} missing {len(missing)} required argument"
                            f"{'s' if len(missing) > 1 else ''}: {_listed(missing)}")
        return values


def _listed(names: Sequence[str]) -> str:
    return ", ".join(map(repr, names))


def compile(  # noqa: A001 - the natural name; builtins.compile is used explicitly above
    outputs: Outputs,
    inputs: Sequence[Node | str] | None = None,
    name: str = "f",
    names: Sequence[str] | None = None,
    simplify: bool = True,
) -> CompiledFunction:
    """A function computing ``outputs`` from ``inputs`` (positional or keyword arguments),
    generated by :func:`codegen`: a :class:`CompiledFunction`, called as a plain Python function,
    with ``.source`` (the module text) and ``.save(path)`` (writes a module importable without
    symdiff); it pickles, so it goes to worker processes.

    Keywords are the variables' own names, whatever they are: ``fn(**values)`` takes a dict
    keyed by name, as ``sd.evaluate`` does. The generated code's parameters are Python
    identifiers, so a name that is not one, or is a keyword or a builtin (``lambda``, ``sum``),
    is renamed there (``lambda_``, as the docstring lists); that name is taken too.

    The parameters are ``inputs`` in order, or else the variables the outputs use as written
    (simplification removing one, as ``x ** 0``, changes no signature). A variable the outputs
    do not use is no parameter: a gradient that does not depend on ``x``, as
    ``sd.grad(sd.floor(x), x)``, compiles to a function of no arguments, which refuses ``x=1.5``
    saying its outputs depend on no variable; ``inputs=[x]`` keeps ``x`` as a parameter, as
    calls passing every variable's value (``fn(**values)``) need. (A function that does take
    parameters refuses an unknown keyword with Python's own message: its calls go straight to
    the generated code.)

    Every result is a NumPy array, one of shape () for a scalar output, as ``sd.evaluate``
    gives: of the output's dtype, the caller's own and writable. NumPy's functions give a NumPy
    scalar for a 0-d result of a reduction or of arithmetic on scalars, and a 0-d array from
    others (``np.where`` of scalars, a copy), so generated code written as NumPy would return
    either kind by the op at the end; ``float(r)`` or ``r.item()`` gives the Python number.

    >>> x, y = sd.symbols("x y")
    >>> fn = sd.compile([x * y, sd.grad(x * y, x)], inputs=[x, y]); fn
    <compiled f(x, y)>
    >>> fn(3.0, -4.0)
    (array(-12.), array(-4.))
    """
    inputs, names = _codegen_options("compile", inputs, name, names, simplify)
    outputs = as_outputs(outputs)
    inputs = _codegen_inputs(outputs, inputs, "compile")
    outputs, provenance = _for_codegen(outputs, bool(simplify), "compile")
    return CompiledFunction(generate(outputs, inputs, name, names, provenance, "compile"))


__all__ = [
    "CompiledFunction", "codegen", "compile", "count_nodes", "derivative", "evaluate", "grad",
    "hessian", "hvp", "jacobian", "jvp", "simplify", "taylor", "to_text", "toposort", "vjp",
]
