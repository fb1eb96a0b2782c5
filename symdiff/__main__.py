"""The ``symdiff`` command: derivatives of an expression given as text.

Without arguments it prints a short demonstration (``python -m symdiff``).
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import os
import re
import sys
import tokenize
import unicodedata
from typing import Any

import numpy as np

from .ir import format_shape

EPILOG = """\
examples:
  symdiff "(x + sigmoid(y)) / (sigmoid(x) + (x + y)**2)" --wrt x,y
  symdiff "x**3 * sin(x)" --wrt x --order 3 --emit latex
  symdiff "sum(tanh(W @ h))" --shape W=4,3 --shape h=3 --wrt W --emit dot > g.dot
  symdiff "sum(x * x)" --shape x=n --dtype x=float32

exit status: 0 on success, 2 for bad input (the message shows where, with a caret line).
"""


class UsageError(Exception):
    """Bad command-line input: reported on one line (plus the caret line), exit status 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="symdiff",
        description="Differentiate an expression written in Python syntax and print the derivatives.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("expression", help='the expression, e.g. "x**3 * sin(x)" (see the grammar in README)')
    p.add_argument("--wrt", action="append", default=[], metavar="NAMES",
                   help="comma-separated variables to differentiate by, repeatable: --wrt x,y "
                        "or --wrt x --wrt y (default: every floating-point variable, in order of "
                        "appearance)")
    p.add_argument("--order", type=int, default=1, metavar="N",
                   help="the order of the derivatives, e.g. --order 2 for all second derivatives "
                        f"(default: 1; 0 prints the expression itself; at most {MAX_DERIVATIVES:,} "
                        "derivatives)")
    p.add_argument("--emit", choices=("text", "latex", "sympy", "numpy", "dot"), default="text",
                   help="output form: text (default), latex, sympy, numpy (generated code), or dot "
                        "(Graphviz source of the derivative graph), e.g. --emit latex")
    p.add_argument("--shape", action="append", default=[], metavar="NAME=DIMS",
                   help="the shape of a variable, repeatable: --shape W=4,3 --shape X=n,3 (also W=(4,3), W=4x3) "
                        "(named dims allowed; NAME= alone is a scalar; unlisted names are scalars)")
    p.add_argument("--dtype", action="append", default=[], metavar="NAME=DTYPE",
                   help="the dtype of a variable, repeatable: --dtype x=float32 (default float64)")
    p.add_argument("--power-caret", action="store_true",
                   help='read ^ as power, so "x^2" means x**2')
    return p


def _shapes(args: argparse.Namespace) -> dict[str, Any]:
    import symdiff as sd

    shapes: dict[str, Any] = {}
    dtypes: dict[str, str] = {}
    for item in args.shape:
        name, eq, dims = item.partition("=")
        if not eq or not name.strip():
            raise UsageError(f"--shape {item!r}: write NAME=DIMS, e.g. --shape W=4,3")
        dims = dims.strip()
        if dims[:1] + dims[-1:] in ("()", "[]"):
            dims = dims[1:-1]  # W=(4,3) as Python writes a shape
        if re.fullmatch(r"\d+(\s*[xX×]\s*\d+)+", dims):
            dims = re.sub(r"\s*[xX×]\s*", ",", dims)  # W=4x3 (named dimensions take commas)
        parts = [d.strip() for d in dims.split(",")] if dims else []
        if parts and not parts[-1] and len(parts) > 1:
            parts.pop()  # W=3, as Python writes a shape of one axis
        if "" in parts:
            raise UsageError(f"--shape {item!r}: a dimension is empty; write NAME=DIMS, e.g. --shape W=4,3")
        shape = tuple(int(d) if d.lstrip("-").isdigit() else d for d in parts)
        _check(sd, "--shape", item, name.strip(), shape=shape)
        _once(shapes, "--shape", item, name.strip(), "shape", shape)
    for item in args.dtype:
        name, eq, dtype = item.partition("=")
        if not eq or not name.strip() or not dtype.strip():
            raise UsageError(f"--dtype {item!r}: write NAME=DTYPE, e.g. --dtype x=float32")
        _check(sd, "--dtype", item, name.strip(), dtype=dtype.strip())
        _once(dtypes, "--dtype", item, name.strip(), "dtype", dtype.strip())
    return {n: (shapes.get(n, ()), dtypes[n]) if n in dtypes else shapes[n] for n in {**shapes, **dtypes}}


def _check(sd: Any, option: str, item: str, name: str, **declared: Any) -> None:
    """Refuse a shape or dtype no variable can have, naming the option that gave it."""
    try:
        sd.var(name, **declared)
    except (ValueError, TypeError) as e:
        raise UsageError(f"{option} {item!r}: {e}") from None


def _names_in_text(text: str) -> set[str] | None:
    """The names the text spells as values (as Python reads them, NFKC-normalized; not a called
    function, a keyword argument or a method), or None if it does not tokenize: every variable of
    the expression is among them."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                  if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
    except (tokenize.TokenError, SyntaxError):
        return None
    from .ops import FUNCTIONS

    def dotted(k: int) -> bool:  # linalg in linalg.norm: the first part of a function's name
        return k + 2 < len(tokens) and tokens[k + 1].string == "." \
            and f"{tokens[k].string}.{tokens[k + 2].string}" in FUNCTIONS

    return {unicodedata.normalize("NFKC", t.string) for k, t in enumerate(tokens)
            if t.type == tokenize.NAME and not (k + 1 < len(tokens) and tokens[k + 1].string in ("(", "="))
            and not (k and tokens[k - 1].string == ".") and not dotted(k)}


def _unused(args: argparse.Namespace, known: set[str]) -> None:
    """Refuse a --shape or --dtype for a name the expression does not have (a misspelling, which
    would otherwise surface as an error about the variable it left a scalar)."""
    for option, items in (("--shape", args.shape), ("--dtype", args.dtype)):
        for item in items:
            name = item.partition("=")[0].strip()
            if unicodedata.normalize("NFKC", name) not in known:
                raise UsageError(
                    f"{option} {item!r}: the expression has no variable named {name!r} "
                    f"(its variables: {', '.join(sorted(known)) or 'none'})"
                )


def _once(given: dict[str, Any], option: str, item: str, name: str, what: str, value: Any) -> None:
    """Record ``name``'s ``value``; the same value twice is fine, another one is an error."""
    if name in given and not _same(what, given[name], value):
        shown = format_shape(given[name]) if what == "shape" else given[name]
        raise UsageError(f"{option} {item!r}: {name} is already given the {what} {shown}; give "
                         f"each variable one {what}")
    given.setdefault(name, value)


def _same(what: str, a: Any, b: Any) -> bool:
    """Whether two shapes, or two dtype names, say the same (float64 and f8 do)."""
    if what == "dtype":
        try:
            return bool(np.dtype(a) == np.dtype(b))
        except TypeError:
            pass  # not a dtype: parsing says so
    return bool(a == b)


def _wrt(args: argparse.Namespace) -> list[str]:
    """The names of every --wrt, each once, in the order given; an empty one is refused, as
    ``--wrt ""`` (a variable left unset in a script) would otherwise mean every variable."""
    names = []
    for item in args.wrt:
        for w in item.split(","):
            if not w.strip():
                raise UsageError(
                    f"--wrt {item!r}: an empty variable name; name the variables to differentiate "
                    "by (--wrt x,y), or leave --wrt out for every floating-point variable"
                )
            names.append(w.strip())
    return list(dict.fromkeys(names))


# at most this many derivatives are printed: C(v + N - 1, N) for v variables at order N grows
# past anything readable (and buildable) fast
MAX_DERIVATIVES = 10_000
# up to this order a generated function's name spells every variable once per derivative
# (``d3f_dx_dx_dy``); beyond it a repeated one is counted (``d100f_dx100``)
_SPELLED_ORDER = 16

# A derivative's variables as (name, times) pairs in the order taken, each name once, times > 0:
# order 100000000 is (("x", 100000000),), not a tuple of a hundred million names.
Wrt = tuple[tuple[str, int], ...]


def _label(wrt: Wrt, emit: str) -> str:
    n = sum(k for _, k in wrt)
    if n == 0:  # --order 0: the expression itself
        return "f"
    if emit == "latex":
        top = r"\partial f" if n == 1 else rf"\partial^{{{n}}} f"
        from .interop.latex import latex_name

        bottom = r" \, ".join(
            rf"\partial {latex_name(w)}" + (f"^{{{k}}}" if k > 1 else "") for w, k in wrt
        )
        return rf"\frac{{{top}}}{{{bottom}}}"
    top = "df" if n == 1 else f"d^{n}f"
    return f"{top}/" + " ".join(f"d{w}" + (f"^{k}" if k > 1 else "") for w, k in wrt)


def _identifier(wrt: Wrt) -> str:
    """A Python name for a derivative: ``f``, ``df_dx``, ``d2f_dx_dy``."""
    n = sum(k for _, k in wrt)
    if not n:
        return "f"
    head = "df" if n == 1 else f"d{n}f"
    if n <= _SPELLED_ORDER:
        return "_".join([head, *(f"d{w}" for w, k in wrt for _ in range(k))])
    return "_".join([head, *(f"d{w}" + (str(k) if k > 1 else "") for w, k in wrt)])


def _count_vectors(v: int, order: int) -> Any:
    """How often each of ``v`` variables is taken, for every derivative of exactly ``order``, in
    the order of ``itertools.combinations_with_replacement(range(v), order)``: the first count
    falls from ``order`` to 0, then the second within what is left, and so on."""
    if v == 0:
        if order == 0:
            yield ()
        return
    counts = [order] + [0] * (v - 1)
    while True:
        yield tuple(counts)
        # the next one: move one from the last count that can give (not the final one) to the
        # count after it, which also takes everything that lay beyond
        i = next((i for i in range(v - 2, -1, -1) if counts[i]), None)
        if i is None:
            return
        rest = sum(counts[i + 1:])
        counts[i] -= 1
        counts[i + 1:] = [rest + 1] + [0] * (v - i - 2)


def _too_many(count: int) -> str:
    """``count`` written out, or in scientific notation once it is long, or a lower bound once a
    float cannot hold it."""
    if count < 10**15:
        return f"{count:,}"
    if count.bit_length() < 1000:
        return f"{float(count):.1e}"
    return f"more than 10^{int((count.bit_length() - 1) * math.log10(2))}"


def derivatives(expr: Any, names: list[str], order: int) -> list[tuple[Wrt, Any]]:
    """Every derivative of ``expr`` of exactly ``order``, one per multiset of ``names``."""
    import symdiff as sd

    # resolved once: a variable may vanish from a derivative (d(x**2)/dy) and still be asked for
    by_name = {n.op.var_name: n for n in sd.toposort(expr) if n.op.name == "var"}

    if order > 0 and expr.shape != ():
        raise UsageError(
            f"the expression has shape {expr.shape}; derivatives need a scalar, e.g. sum(...) of it"
        )
    count = math.comb(len(names) + order - 1, order) if names else int(order == 0)
    if count > MAX_DERIVATIVES:
        raise UsageError(
            f"--order {order} of {len(names)} variables asks for {_too_many(count)} derivatives, "
            f"more than the {MAX_DERIVATIVES:,} symdiff prints; lower --order or name fewer "
            f"variables with --wrt"
        )

    # chains[id(d), w]: d and its successive derivatives by w, computed as far as asked; derivatives
    # that share their first steps (d3f/dx2 dy and d3f/dx2 dz) share them. A chain that reaches a
    # fixed point (a constant zero differentiates to itself) ends there: every higher one is it.
    chains: dict[tuple[int, str], tuple[list[Any], list[bool]]] = {}

    def differentiate(d: Any, w: str, times: int) -> Any:
        steps, fixed = chains.setdefault((id(d), w), ([d], [False]))
        while len(steps) <= times and not fixed[0]:
            last = steps[-1]
            if last.shape == ():
                nxt = sd.grad(last, by_name[w])
            else:
                size = last.type.static_size
                if size is None or size > 10_000:
                    raise UsageError("higher derivatives of tensors need small static shapes")
                nxt = sd.jacobian(last, by_name[w])
            if nxt is last:
                fixed[0] = True
            else:
                steps.append(nxt)
        return steps[min(times, len(steps) - 1)]

    out = []
    for counts in _count_vectors(len(names), order):
        d = expr
        for w, k in zip(names, counts):
            if k:
                d = differentiate(d, w, k)
        out.append((tuple((w, k) for w, k in zip(names, counts) if k), d))
    return out


def _emit(items: list[tuple[Wrt, Any]], emit: str, inputs: list[Any]) -> str:
    """The derivatives in the form ``emit``; generated code takes every variable of ``inputs``
    (the expression's), also those a derivative no longer depends on."""
    import symdiff as sd

    if emit == "dot":
        return sd.to_dot([d for _, d in items], names=[_label(w, "text") for w, _ in items])
    if emit == "numpy":
        codegen = getattr(sd, "codegen", None)
        if codegen is None:
            raise UsageError("--emit numpy needs symdiff's code generator, which this version does not have")
        names = [_identifier(w) for w, _ in items]
        source = codegen([d for _, d in items], inputs=inputs, name="derivatives", names=names)
        return str(source).rstrip("\n") + "\n"
    lines = []
    for wrt, d in items:
        if emit == "latex":
            lines.append(f"{_label(wrt, emit)} = {sd.latex(d)}")
        elif emit == "sympy":
            lines.append(f"{_label(wrt, emit)} = {sd.to_sympy(d)}")
        else:
            lines.append(f"{_label(wrt, emit)} = {sd.to_text(d)}")
    return "\n".join(lines) + "\n"


def _dimension_hint(name: str, variables: list[Any]) -> str:
    """Why a --wrt name that names a dimension is not a variable, with the --shape that frees it."""
    from .ops.base import dimension_owners, not_a_variable_hint

    owners = dimension_owners(name, variables)
    if not owners:
        return ""
    taken = {d for v in variables for d in v.shape if isinstance(d, str)} | {v.op.var_name for v in variables}
    other = next(f"{name}{k}" for k in itertools.count(2) if f"{name}{k}" not in taken)
    example = " ".join(
        f"--shape {v.op.var_name}={','.join(other if d == name else str(d) for d in v.shape)}" for v in owners)
    return f"{not_a_variable_hint(name, variables)} (e.g. {example})"


def _expression_last(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``argv`` with an expression that starts with a minus (``symdiff "-x**2" --wrt x``) moved
    after ``--``, where argparse reads it as the expression rather than as an unknown option.
    An unknown ``--name`` stays an option, which argparse refuses (not the expression --name)."""
    options = [s for a in parser._actions for s in a.option_strings]
    valued = [s for a in parser._actions if a.nargs != 0 for s in a.option_strings]
    out: list[str] = []
    moved: list[str] = []
    k = 0
    while k < len(argv):
        item = argv[k]
        if item == "--":
            out.extend(argv[k:])
            break
        name = item.partition("=")[0]
        known = name.startswith("--") and any(o.startswith(name) for o in options) or name in options
        if item.startswith("-") and not item.startswith("--") and len(item) > 1 and not known:
            moved.append(item)
        else:
            out.append(item)
            takes_value = known and "=" not in item and [o for o in valued if o.startswith(name)]
            if takes_value and k + 1 < len(argv):
                out.append(argv[k + 1])  # an option's value, as --order -1
                k += 1
        k += 1
    if moved and "--" in out:
        return argv  # given with -- already: argparse reports what is wrong
    return out + (["--", *moved] if moved else [])


def run(argv: list[str]) -> int:
    import symdiff as sd

    parser = _parser()
    args = parser.parse_args(_expression_last(parser, argv))
    if args.order < 0:
        raise UsageError(f"--order must be 0 or more, got {args.order}")
    shapes = _shapes(args)
    spelled = _names_in_text(args.expression)
    if spelled is not None:
        _unused(args, spelled)  # before parsing, which would fail on the scalar left in its place
    expr = sd.parse(args.expression, shapes=shapes, power_caret=args.power_caret)
    variables = [n for n in sd.toposort(expr) if n.op.name == "var"]
    _unused(args, {n.op.var_name for n in variables})
    names = _wrt(args)
    if names:
        known = {n.op.var_name for n in variables}
        for w in names:
            if w not in known:
                raise UsageError(
                    f"--wrt {w!r}: the expression has no variable of that name "
                    f"(its variables: {', '.join(sorted(known)) or 'none'}){_dimension_hint(w, variables)}"
                )
    else:
        names = [n.op.var_name for n in variables if n.type.is_float]
        if not names and args.order > 0:
            raise UsageError("the expression has no floating-point variable to differentiate by "
                             "(--order 0 prints it)")
    items = derivatives(expr, names, args.order)
    # printed as a reader would write them: 2.0 * x, not 1.0 * (2.0 * x) as reverse mode built it
    simplified = sd.simplify([d for _, d in items])
    sys.stdout.write(_emit([(w, d) for (w, _), d in zip(items, simplified)], args.emit, variables))
    return 0


def demo() -> int:
    """The quick-start demonstration: a derivative graph, its values and its generated code."""
    import symdiff as sd

    x, y = sd.symbols("x y")
    f = (x + sd.sigmoid(y)) / (sd.sigmoid(x) + (x + y) ** 2)
    dfdx, dfdy = sd.grad(f, [x, y])
    print("f(x, y) =", f)
    print("df/dx   =", sd.simplify(dfdx))
    values = sd.evaluate([f, dfdx, dfdy], {"x": 3.0, "y": -4.0})
    print("at x = 3, y = -4:  f = %.7f  df/dx = %.7f  df/dy = %.7f" % tuple(values))
    print("nodes: f alone %d; f with its gradient %d, simplified %d" % (
        sd.count_nodes(f), sd.count_nodes([f, dfdx, dfdy]), sd.count_nodes(sd.simplify([f, dfdx, dfdy]))))
    print()
    print("The generated function (needs only NumPy; here only math, as every value is a scalar):")
    print(sd.codegen({"f": f, "dfdx": dfdx, "dfdy": dfdy}, inputs=[x, y], name="f_and_grad"))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``symdiff`` and ``python -m symdiff``; returns the exit status."""
    from .errors import SymdiffError

    argv = sys.argv[1:] if argv is None else argv
    try:
        status = run(argv) if argv else demo()
        sys.stdout.flush()  # a reader that went away shows here, not in the flush at exit
        return status
    except (UsageError, SymdiffError, ValueError, TypeError, KeyError, IndexError, NotImplementedError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
        print(f"symdiff: error: {message}", file=sys.stderr)
        return 2
    except MemoryError:  # --order 100000000000: bad input, reported as such, not a traceback
        print("symdiff: error: out of memory: the derivatives asked for are too large to build; "
              "lower --order or name fewer variables with --wrt", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (symdiff ... | head -1): stop quietly, as a command killed by
        # SIGPIPE does. Later writes, including the interpreter's final flush, go to devnull so
        # Python does not report the closed pipe once more at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13  # the shell's status for SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
