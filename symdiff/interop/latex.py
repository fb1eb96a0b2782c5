"""LaTeX for expressions: fractions, exponents, Greek letters and ``\\operatorname`` for the rest,
with shared or long sub-expressions named once (``t_{1} = ...``) as the text printer does."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from ..ir import Node, as_outputs, as_roots, format_shape, toposort
from ..ops.base import TEXT_CONSTANTS, TEXT_LITERAL_NAMES, constant_call
from ..ops.elementwise import Printed
from ..printing import name_shared

_INLINE_LIMIT = 80  # a shared sub-expression longer than this (in LaTeX source) gets a name
_MAX_LENGTH = 300  # any sub-expression longer than this gets a name

ATOM, POWER, NEG, PRODUCT, SUM, COMPARE, LOGIC = 100, 40, 30, 20, 10, 5, 3
# cases have a brace on the left only: an operator or exponent beside them would read as part of
# their last row, so they are bracketed as the operand of any operator
CASES = 1
# a remainder: Python binds % as *, readers of \bmod bind it in no agreed way, so it is
# bracketed inside products and sums, and its operands unless they are atoms or powers
REMAINDER = 7

_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
    "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}


def _greek_letters() -> dict[str, str]:
    """Greek letters written as such (α, Δ) -> their commands' names; a capital that looks
    Latin (Α) has no command and stays a letter."""
    table = {}
    for ch in map(chr, range(0x391, 0x3CA)):
        m = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER (\w+)", unicodedata.name(ch, ""))
        if m:
            word = m[2].lower().replace("lamda", "lambda")  # Unicode spells it lamda
            word = word if m[1] == "SMALL" else word.capitalize()
            if word in _GREEK:
                table[ch] = word
    return table


_GREEK_LETTERS = _greek_letters()

_FUNCTIONS = {"sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "tanh": r"\tanh", "log": r"\log", "sigmoid": r"\sigma"}


# more elementwise functions and reductions
_FUNCTIONS.update({
    "arcsin": r"\arcsin", "arccos": r"\arccos", "arctan": r"\arctan", "sinh": r"\sinh",
    "cosh": r"\cosh", "arcsinh": r"\operatorname{arsinh}", "arccosh": r"\operatorname{arcosh}",
    "arctanh": r"\operatorname{artanh}", "log2": r"\log_{2}", "log10": r"\log_{10}",
    "gamma": r"\Gamma", "gammaln": r"\ln\Gamma", "logcosh": r"\log\cosh",
    # Lambert's W, the complete elliptic integrals of the parameter m, and the regularized
    # incomplete gamma functions P(a, x) and Q(a, x)
    "lambertw": "W", "ellipk": "K", "ellipe": "E", "gammainc": "P", "gammaincc": "Q",
    # Bessel functions of the first, second and third kind (K_n, the modified one)
    "j0": "J_{0}", "j1": "J_{1}", "y0": "Y_{0}", "y1": "Y_{1}", "k0": "K_{0}", "k1": "K_{1}",
})

# no \-escape in math mode: a caret is a circumflex over nothing, which reads as one (\wedge
# read as "and")
_SYMBOLS = {"\\": r"{\backslash}", "^": r"\hat{}", "~": r"{\sim}"}


def _escape(text: str) -> str:
    """``text`` as itself in math mode: LaTeX's special characters escaped, and a character that
    prints as nothing or breaks the line (a newline, a control or zero-width character) written
    as Python writes it in a string, ``\\n`` or ``\\x07``, in typewriter type."""
    return "".join(map(_escape_character, text))


def _escape_character(ch: str) -> str:
    if ch in "_#$%&{}\\^~":
        return _SYMBOLS.get(ch, "\\" + ch)
    if ch == " " or ch.isprintable():
        return ch
    return rf"\mathtt{{{{\backslash}}{repr(ch)[2:-1]}}}"  # \n, \x07, \u200b


def _escape_name(text: str) -> str:
    """``text``, a name, escaped; an apostrophe, which math mode reads as a prime (it's as it′s,
    x' as x′), as text. (The text of parameters keeps its quotes: they mark quoted text.)"""
    return _escape(text).replace("'", r"\text{'}")


def latex_name(name: str) -> str:
    """A variable name in LaTeX: ``x``, ``x_{1}``, ``\\alpha``, ``W_{hidden}``, ``\\mathrm{loss}``;
    never as a constant prints: a variable ``pi`` is ``\\mathrm{pi}``, ``e`` is ``\\mathrm{e}``."""
    base, _, sub = name.partition("_")
    if not base or not sub:  # _x and x_: the underscore is part of the name, not a subscript
        base, sub = name, ""
    if not sub:
        m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
        if m:
            base, sub = m.groups()
    if len(base) == 1 and not base.isascii():
        base = _GREEK_LETTERS.get(base, base)  # α as alpha, so it prints \alpha
    if base in _GREEK:
        head = "\\" + base
    elif len(base) == 1 or not base.isascii():
        head = _escape_name(base)
    else:
        head = rf"\mathrm{{{_escape_name(base)}}}"
    name_tex = f"{head}_{{{_escape_name(sub)}}}" if sub else head
    if name_tex in _CONSTANT_LATEX:
        # a variable pi, π, e or i would read as the constant: written out whole and upright, as
        # the text printer writes var('pi'); True, which is that already, in italics
        name_tex = _whole(name)
        if name_tex in _CONSTANT_LATEX:
            name_tex = rf"\mathit{{{_escape_name(name)}}}"
    return name_tex.replace(" ", r"\ ")  # math mode drops spaces, also in \mathrm


def _whole(name: str) -> str:
    """A variable name written out whole, upright: ``\\mathrm{x\\_1}``."""
    return rf"\mathrm{{{_escape_name(name)}}}".replace(" ", r"\ ")


# Euler's number, as exp(x) is written: e^{x}
_EULER = "e"


def _number(v: object) -> str:
    if isinstance(v, np.generic):  # float32(0.1) as 0.1, its own shortest text, not 0.10000000149011612
        v = type(v.item())(str(v)) if isinstance(v, (np.floating, np.complexfloating)) else v.item()
    if isinstance(v, bool):
        return r"\mathrm{True}" if v else r"\mathrm{False}"
    if isinstance(v, float):
        if v != v:
            return r"\mathrm{NaN}"
        if v in (float("inf"), float("-inf")):
            return r"\infty" if v > 0 else r"-\infty"
        if abs(v) == math.pi:  # NumPy's pi, as the parser reads the name
            return r"\pi" if v > 0 else r"-\pi"
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        r = repr(v)
        if "e" in r:
            mant, exp = r.split("e")
            if abs(float(mant)) == 1:
                return rf"{'-' if mant.startswith('-') else ''}10^{{{int(exp)}}}"
            return rf"{mant} \cdot 10^{{{int(exp)}}}"
        return r
    if isinstance(v, complex):
        if v.imag == 0:
            return _number(v.real)
        imag = _number(v.imag)
        imag = {"1": "i", "-1": "-i"}.get(imag, f"{imag} i")
        if v.real == 0:
            return imag
        return f"{_number(v.real)} {'-' if imag.startswith('-') else '+'} {imag.lstrip('-')}"
    return str(v)


_PYTHON_LITERAL = re.compile(r"'[^']*'|complex\(([^,()]+), ([^,()]+)\)|-?\b(?:True|False|None|inf|nan)\b")


def _literal(text: str) -> str:
    """The literal text of an op's parameters (an index, a keyword's value) in LaTeX: escaped,
    with Python's ``True``, ``None``, ``inf`` and ``complex(0.0, 1.0)`` written as constants are
    (``\\mathrm{True}``, ``\\infty``, ``i``); quoted text is left as it is."""
    def number(m: re.Match[str]) -> str:
        if m[0].startswith("'"):
            return m[0]
        if m[1] is not None:
            return _number(complex(float(m[1]), float(m[2])))
        if m[0].lstrip("-") in ("inf", "nan"):
            return _number(float(m[0]))
        return rf"\mathrm{{{m[0]}}}"

    return _PYTHON_LITERAL.sub(number, _escape(text))


# what constants print as (\pi, e, i, \infty, \mathrm{True}, ...): no variable prints so
_CONSTANT_LATEX = frozenset({
    *(_number(v) for v in TEXT_CONSTANTS.values()), *map(_literal, TEXT_LITERAL_NAMES), _number(1j), _EULER,
})


def _const(value: np.ndarray) -> Printed:
    if value.ndim == 0:
        text = _number(value[()])
        if " + " in text or " - " in text:  # a complex number with both parts
            return Printed(text, SUM)
        return Printed(text, NEG if text.startswith("-") else PRODUCT if r"\cdot" in text or text.endswith(" i") else ATOM)
    if value.ndim <= 2 and value.size <= 12:
        rows = value.reshape(1, -1) if value.ndim == 1 else value
        body = r" \\ ".join(" & ".join(_number(v) for v in row) for row in rows)
        return Printed(rf"\begin{{bmatrix}} {body} \end{{bmatrix}}", ATOM)
    call = constant_call(value)
    if call is None:
        return Printed(rf"\mathrm{{const}}_{{{value.dtype.name}{format_shape(value.shape)}}}", ATOM)
    head = _text_call(call.call, [])
    f = call.factor
    if f == 1:
        return head
    if f == -1:
        return Printed(f"-{head}", NEG)
    return Printed(rf"{_number(f.item())} \cdot {head}", PRODUCT)


def _wrap(arg: str, prec: int, strict: bool = False) -> str:
    p = getattr(arg, "prec", ATOM)
    return rf"\left({arg}\right)" if p < prec or (strict and p == prec) else str(arg)


def _right(arg: str, prec: int, strict: bool = False) -> str:
    """A right operand of a binary operator: bracketed also when it starts with a minus sign, so
    the operator is never followed by one (x \\cdot \\left(-y\\right), x - \\left(-y\\right))."""
    return rf"\left({arg}\right)" if arg.startswith("-") else _wrap(arg, prec, strict)


def _call(name: str, args: Sequence[str], extra: Sequence[str] = ()) -> Printed:
    head = _FUNCTIONS.get(name, rf"\operatorname{{{_escape(name)}}}")
    return Printed(rf"{head}\left({', '.join([*map(str, args), *extra])}\right)", ATOM)


def _axes_sub(op: object) -> str:
    axes = getattr(op, "axes", ())
    return ",".join(map(str, axes))


def _distinct_names(names: Iterable[str]) -> dict[str, str]:
    """Each variable name's LaTeX, distinct for distinct variables: names that ``latex_name``
    writes alike (``x2`` and ``x_2`` both as x_{2}, ``theta`` and ``θ`` as \\theta) are
    written out whole instead, ``\\mathrm{x2}`` and ``\\mathrm{x\\_2}``."""
    by_tex: dict[str, list[str]] = {}
    for name in sorted(names):
        by_tex.setdefault(latex_name(name), []).append(name)
    shown = {}
    for tex, group in by_tex.items():
        for name in group:
            shown[name] = tex if len(group) == 1 else _whole(name)
    return shown


def _elementwise_product(n: Node) -> bool:
    """Whether ``n`` is a product of two arrays, written with \\odot (a product with a scalar is
    \\cdot, which a matrix product associates with)."""
    return n.op.name == "mul" and bool(n.inputs[0].ndim and n.inputs[1].ndim)


def _node_latex(n: Node, a: list[Printed]) -> Printed:
    op, name = n.op, n.op.name
    if name == "var":
        return Printed(latex_name(op.var_name), ATOM)  # type: ignore[attr-defined]
    if name == "const":
        return _const(op.value)  # type: ignore[attr-defined]
    if name == "dimsize":
        return Printed(latex_name(op.dim), ATOM)  # type: ignore[attr-defined]
    if name == "add":
        return Printed(f"{_wrap(a[0], SUM)} + {_right(a[1], SUM)}", SUM)
    if name == "sub":
        return Printed(f"{_wrap(a[0], SUM)} - {_right(a[1], SUM, strict=True)}", SUM)
    if name == "mul":
        if _elementwise_product(n):
            # next to a matrix product, which does not associate with it: v \odot (M v)
            matrix = [i.op.name == "matmul" for i in n.inputs]
            left = _wrap(a[0], PRODUCT, strict=matrix[0])
            right = _wrap(a[1], PRODUCT, strict=True) if matrix[1] else _right(a[1], PRODUCT)
            return Printed(rf"{left} \odot {right}", PRODUCT)
        return Printed(rf"{_wrap(a[0], PRODUCT)} \cdot {_right(a[1], PRODUCT)}", PRODUCT)
    if name == "div":
        return Printed(rf"\frac{{{a[0]}}}{{{a[1]}}}", ATOM)
    if name == "matmul":
        left_product = _elementwise_product(n.inputs[0])  # (v \odot M) v
        return Printed(rf"{_wrap(a[0], PRODUCT, strict=left_product)} \, "
                       rf"{_right(a[1], PRODUCT, strict=True)}", PRODUCT)
    if name == "pow":
        base = a[0]
        if getattr(base, "prec", ATOM) < ATOM or base.startswith(r"\frac") or "^" in base:
            base = Printed(rf"\left({base}\right)", ATOM)
        return Printed(f"{{{base}}}^{{{a[1]}}}", POWER)
    if name == "neg":
        return Printed(f"-{_right(a[0], NEG)}", NEG)
    if name == "exp":
        if len(a[0]) <= 40:
            return Printed(f"{_EULER}^{{{a[0]}}}", POWER)
        return Printed(rf"\exp\left({a[0]}\right)", ATOM)
    if name == "sqrt":
        return Printed(rf"\sqrt{{{a[0]}}}", ATOM)
    if name == "abs":
        return Printed(rf"\left|{a[0]}\right|", ATOM)
    if name == "log1p":
        return Printed(rf"\log\left(1 + {a[0]}\right)", ATOM)
    if name == "expm1":
        return Printed(f"{_EULER}^{{{a[0]}}} - 1", SUM)
    if name == "sign":
        return _call("sgn", a)
    more = _more_latex(n, a)
    if more is not None:
        return more
    if name in ("maximum", "minimum"):
        return Printed(rf"\{name[:3]}\left({a[0]}, {a[1]}\right)", ATOM)
    symbols = {"less": "<", "less_equal": r"\le", "greater": ">", "greater_equal": r"\ge", "equal": "=",
               "not_equal": r"\ne"}
    if name in symbols:
        return Printed(f"{_wrap(a[0], COMPARE, True)} {symbols[name]} {_wrap(a[1], COMPARE, True)}", COMPARE)
    if name in ("logical_and", "logical_or", "logical_xor"):
        sym = {"logical_and": r"\land", "logical_or": r"\lor", "logical_xor": r"\veebar"}[name]
        return Printed(f"{_wrap(a[0], LOGIC, True)} {sym} {_wrap(a[1], LOGIC, True)}", LOGIC)
    if name == "logical_not":
        return Printed(rf"\lnot {_wrap(a[0], ATOM)}", NEG)
    if name == "where":
        return Printed(
            rf"\begin{{cases}} {a[1]} & \text{{if }} {a[0]} \\ {a[2]} & \text{{otherwise}} \end{{cases}}", CASES
        )
    if name == "astype":
        if op.to.kind in "fc" and n.inputs[0].dtype.kind in "biuf":  # type: ignore[attr-defined]
            return a[0]  # the same number in math: n, not float64(n)
        return _call(op.to.name, a)  # type: ignore[attr-defined]
    if name in ("sum", "prod", "max", "min", "logsumexp"):
        head = {"sum": r"\sum", "prod": r"\prod", "max": r"\max", "min": r"\min"}.get(
            name, r"\operatorname{logsumexp}"
        )
        axes = "" if len(op.axes) == n.inputs[0].ndim else rf"_{{\mathrm{{axis}}\,{_axes_sub(op)}}}"  # type: ignore[attr-defined]
        return Printed(rf"{head}{axes} {_wrap(a[0], ATOM)}", PRODUCT)
    if name in ("softmax", "log_softmax"):
        extra = [] if op.axis == n.ndim - 1 else [rf"\mathrm{{axis}}={op.axis}"]  # type: ignore[attr-defined]
        return _call(name, a, extra)
    if name == "transpose" and op.axes == tuple(reversed(range(n.ndim))):  # type: ignore[attr-defined]
        return Printed(f"{{{_wrap(a[0], ATOM)}}}^{{\\top}}", POWER)
    if name == "getitem":
        text = op.text(["#"] + ["#"] * (len(a) - 1))
        inner = _literal(text[text.index("[") + 1 : -1])  # the index's own text; arguments are LaTeX
        for arg in a[1:]:
            inner = inner.replace(r"\#", str(arg), 1)
        return Printed(rf"{_wrap(a[0], ATOM)}\left[{inner}\right]", ATOM)
    linalg = _linalg_latex(n, a)
    if linalg is not None:
        return linalg
    if name in _SHAPE_OPS:
        return _shape_op(n, a)
    if name == "einsum":  # its subscripts below the name: einsum_{ij,jk \to ik}(A, B)
        spec = _escape(op.spec()).replace("...", r"\ldots ").replace("->", r" \to ")  # type: ignore[attr-defined]
        return Printed(rf"\operatorname{{einsum}}_{{{spec.strip()}}}\left({', '.join(map(str, a))}\right)", ATOM)
    params = [_escape(p if isinstance(p, str) else repr(p)) for p in _shown_params(n)]
    return _call(name, a, params)


def _more_latex(n: Node, a: list[Printed]) -> Printed | None:
    """More elementwise functions and reductions: their usual mathematical notation."""
    op, name = n.op, n.op.name
    if name == "exp2":
        return Printed(f"2^{{{a[0]}}}", POWER)
    if name == "reciprocal":
        return Printed(rf"\frac{{1}}{{{a[0]}}}", ATOM)
    if name == "cbrt":
        return Printed(rf"\sqrt[3]{{{a[0]}}}", ATOM)
    if name == "hypot":
        return Printed(rf"\sqrt{{{{{_wrap(a[0], ATOM)}}}^{{2}} + {{{_wrap(a[1], ATOM)}}}^{{2}}}}", ATOM)
    if name in ("mod", "fmod"):
        sym = r"\bmod" if name == "mod" else r"\operatorname{fmod}"
        return Printed(rf"{_wrap(a[0], POWER)} {sym} {_right(a[1], POWER)}", REMAINDER)
    if name in ("floor", "ceil"):
        return Printed(rf"\left\l{name} {a[0]} \right\r{name}", ATOM)
    if name == "floor_divide":
        return Printed(rf"\left\lfloor \frac{{{a[0]}}}{{{a[1]}}} \right\rfloor", ATOM)
    if name == "deg2rad":
        return Printed(rf"\frac{{\pi}}{{180}} \, {_wrap(a[0], PRODUCT)}", PRODUCT)
    if name == "rad2deg":
        return Printed(rf"\frac{{180}}{{\pi}} \, {_wrap(a[0], PRODUCT)}", PRODUCT)
    if name in ("erf", "erfc", "erfinv", "erfcinv"):
        return _call(name, a)
    if name == "polygamma":
        k = op.n  # type: ignore[attr-defined]
        head = r"\psi" if k == 0 else rf"\psi^{{({k})}}"
        return Printed(rf"{head}\left({a[0]}\right)", ATOM)
    if name == "sinc_derivative":
        k = op.n  # type: ignore[attr-defined]
        return Printed(rf"\operatorname{{sinc}}^{{({k})}}\left({a[0]}\right)", ATOM)
    if name == "clip":
        lo = a[1] if op.has_min else r"-\infty"  # type: ignore[attr-defined]
        hi = a[1 + op.has_min] if op.has_max else r"\infty"  # type: ignore[attr-defined]
        return _call("clip", [a[0], lo, hi])
    if name in ("cumsum", "cumprod", "linear_recurrence"):
        extra = [] if n.ndim == 1 else [rf"\mathrm{{axis}}={op.axis}"]  # type: ignore[attr-defined]
        if op.reverse:  # type: ignore[attr-defined]
            extra.append(r"\mathrm{reversed}")
        if getattr(op, "exclusive", False):
            extra.append(r"\mathrm{exclusive}")
        return _call(name, a, extra)
    return None

# -- products and linear algebra


def _linalg_latex(n: Node, a: list[Printed]) -> Printed | None:
    """Linear algebra in its textbook notation: ``{A}^{-1}``, ``\\det A``, ``\\lambda\\left(A\\right)``.

    ``linalg.det_derivative(A)``, det's gradient, is the cofactor matrix
    ``\\operatorname{adj}\\left(A\\right)^{\\top}``. With directions X_1, ..., X_m it is the
    m-th derivative of that matrix along them (the gradient of det's m-th derivative along
    them is the m-th derivative of det's gradient, the derivatives being symmetric), written
    as the derivative of the map A -> adj(A)^T at A applied to the directions,
    ``\\mathrm{D}^{m} \\operatorname{adj}^{\\top}\\left(A\\right)\\left[X_1, \\ldots, X_m\\right]``
    (no exponent for m = 1): a derivative at a point along directions, which neither a
    partial derivative by a variable (the X_i may be expressions in A's variables) nor a
    gradient of an expression (A may be one) would say without ambiguity."""
    name = n.op.name
    if name == "det_derivative":
        if len(a) == 1:
            return Printed(rf"\operatorname{{adj}}\left({a[0]}\right)^{{\top}}", POWER)
        order = "" if len(a) == 2 else f"^{{{len(a) - 1}}}"
        return Printed(rf"\mathrm{{D}}{order} \operatorname{{adj}}^{{\top}}\left({a[0]}\right)"
                       rf"\left[{', '.join(map(str, a[1:]))}\right]", POWER)
    if name == "inv":
        return Printed(f"{{{_wrap(a[0], ATOM)}}}^{{-1}}", POWER)
    if name == "pinv":
        return Printed(f"{{{_wrap(a[0], ATOM)}}}^{{+}}", POWER)
    if name == "det":
        return Printed(rf"\det {_wrap(a[0], ATOM)}", PRODUCT)
    if name == "slogdet_logabsdet":
        return Printed(rf"\log\left|\det {_wrap(a[0], ATOM)}\right|", ATOM)
    if name == "slogdet_sign":
        return Printed(rf"\operatorname{{sgn}}\left(\det {_wrap(a[0], ATOM)}\right)", ATOM)
    if name == "solve":
        return Printed(rf"{{{_wrap(a[0], ATOM)}}}^{{-1}} \, {_wrap(a[1], PRODUCT, strict=True)}", PRODUCT)
    if name == "cholesky":
        return Printed(rf"\operatorname{{chol}}\left({a[0]}\right)", ATOM)
    if name in ("eigvalsh", "eigh_values"):
        return Printed(rf"\lambda\left({a[0]}\right)", ATOM)
    if name == "eigh_vectors":
        return Printed(rf"\operatorname{{eigvecs}}\left({a[0]}\right)", ATOM)
    if name in ("svdvals", "svd_s"):
        return Printed(rf"\sigma\left({a[0]}\right)", ATOM)
    if name in ("qr_q", "qr_r"):
        return Printed(rf"\operatorname{{qr}}_{{{name[-1].upper()}}}\left({a[0]}\right)", ATOM)
    if name in ("svd_u", "svd_vh"):
        factor = "U" if name == "svd_u" else r"V^{\top}"
        return Printed(rf"\operatorname{{svd}}_{{{factor}}}\left({a[0]}\right)", ATOM)
    if name == "norm":
        every = len(n.op.axes) == n.inputs[0].ndim  # type: ignore[attr-defined]
        sub = "" if every else rf"_{{\mathrm{{axis}}\,{_axes_sub(n.op)}}}"
        return Printed(rf"\left\lVert {a[0]} \right\rVert{sub}", ATOM)
    return None


# -- more shape and selection ops: the call as the text printer writes it, in LaTeX

_SHAPE_OPS = {
    "flip", "roll", "tile", "repeat", "pad", "diagonal", "diagonal_embed", "tril", "triu", "sort",
    "argsort", "argmax", "argmin", "take_along_axis", "add_along_axis", "arange", "linspace",
    "one_hot", "round", "index_add", "searchsorted", "convolve",
}


def _shape_op(n: Node, a: list[Printed]) -> Printed:
    """``\\operatorname{roll}\\left(x, 1, \\mathrm{axis}=0\\right)``: the op's own text form with
    the arguments' LaTeX in place, keywords upright; a diagonal read or written as diag."""
    return _text_call(n.op.text(["\x00"] * len(a)), a)


def _text_call(text: str, a: Sequence[str]) -> Printed:
    """The call ``text`` (``name(...)``, each argument's place marked by a NUL) in LaTeX, with
    the arguments ``a`` in those places."""
    head, _, inner = text.partition("(")
    # literal text such as index_add's s_[1:] is not LaTeX; the NULs marking places stay
    inner = "\x00".join(map(_literal, inner[:-1].split("\x00")))
    inner = re.sub(r"((?:[A-Za-z]|\\_)(?:[A-Za-z0-9]|\\_)*)=", lambda m: rf"\mathrm{{{m.group(1)}}}=", inner)
    inner = re.sub(r"'([^']*)'", lambda m: rf"\text{{{m.group(1)}}}", inner)
    for arg in a:
        inner = inner.replace("\x00", str(arg), 1)
    if head == "diagonal":
        head = "diag"
    return Printed(rf"\operatorname{{{_escape(head)}}}\left({inner}\right)", ATOM)


def _shown_params(n: Node) -> list[object]:
    op = n.op
    for attr in ("shape", "axes", "axis"):
        if hasattr(op, attr):
            v = getattr(op, attr)
            return [format_shape(v) if attr == "shape" else v]
    return []


def latex(outputs: Node | Iterable[Node], name_fn: Callable[[int], str] | None = None) -> str:
    """The expression as LaTeX math; large DAGs name their shared parts in an ``aligned`` block.

    >>> x, y = sd.symbols("x y"); sd.latex(sd.sigmoid(x) / y)
    '\\\\frac{\\\\sigma\\\\left(x\\\\right)}{y}'
    """
    if name_fn is not None and not callable(name_fn):
        raise TypeError("latex: name_fn must be a function from a number k to the name of the k-th "
                        f"shared part, such as lambda k: f't_{{{{{{k}}}}}}'; got {type(name_fn).__name__}")
    outputs = as_outputs(outputs)
    order = toposort(as_roots(outputs, "latex"))
    shown = _distinct_names({n.op.var_name for n in order if n.op.name == "var"})  # type: ignore[attr-defined]

    def render(n: Node, a: list[Printed]) -> Printed:
        if n.op.name == "var":
            return Printed(shown[n.op.var_name], ATOM)  # type: ignore[attr-defined]
        return _node_latex(n, a)

    body, definitions = name_shared(
        outputs, render, name_fn or (lambda k: f"t_{{{k}}}"), _INLINE_LIMIT, _MAX_LENGTH, "latex"
    )
    body = [str(b) for b in body]
    lines = [f"{name} &= {t}" for name, t in definitions]
    if not lines:
        return body[0] if len(body) == 1 else r" \\ ".join(body)
    rows = [f"& {b}" for b in body] + [r"& \text{where} \\ " + lines[0], *lines[1:]]
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
