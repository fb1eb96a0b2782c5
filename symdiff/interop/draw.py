"""Pictures of the graph: a layered left-to-right drawing as SVG (pure Python, or Graphviz's
``dot`` program when it is installed), DOT text, and PNG.

Inputs sit on the left, outputs on the right. Variables, constants, forward ops, derivative
ops and outputs have distinct styles; with values, each node shows its forward value above it
(green) and the gradient of the output with respect to it below (red), as in the figures of
the backpropagation lecture notes.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..api import evaluate
from ..autodiff import appended_nodes, node_gradients
from ..ir import Node, as_roots, format_shape, toposort
from ..ops import Const, DimSize, Var
from .dot import LABEL_CHARS, dot_escape, input_order_matters, one_line

_SYMBOLS = {
    "add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "^", "neg": "−", "matmul": "@",
    "less": "<", "less_equal": "≤", "greater": ">", "greater_equal": "≥", "equal": "=",
    "not_equal": "≠", "getitem": "[ ]", "index_add": "[ ]+=", "transpose": "ᵀ",
}

STYLE = {
    "var": ("#d9f2d9", "#2e7d32"),
    "const": ("#eeeeee", "#9e9e9e"),
    "forward": ("#ffffff", "#37474f"),
    "derivative": ("#fde4e4", "#c62828"),
    "elided": ("#ffffff", "#bdbdbd"),
    "output": ("#dcedc8", "#33691e"),  # an output's name, when the outputs are named
}
# the `graphviz` package on PyPI is only a Python interface to the program, which it does not install
INSTALL_GRAPHVIZ = ("`apt install graphviz`, `brew install graphviz` or `conda install graphviz` "
                    "(`pip install graphviz` alone does not provide it)")
CHAR_WIDTH = 7.0  # the width of one character of a label or a value, in pixels, as the layout reckons it
VALUE_COLOUR, GRADIENT_COLOUR = "#2e7d32", "#c62828"  # forward values green, gradients red


def node_label(n: Node) -> str:
    """A short label: the variable's name, the constant, or the op's math symbol."""
    op = n.op
    if isinstance(op, (Var, DimSize)):
        return op.text([])
    if isinstance(op, Const):
        text = op.text([])
        return text if len(text) <= 12 else f"const {format_shape(n.shape)}"
    return _SYMBOLS.get(op.name, op.name)


VALUES_SHOWN = 3  # an array of more elements shows as a summary of its entries
VALUE_CHARS = 30  # the longest summary a picture shows beside a node; explain's table takes more


def format_value(v: Any, limit: int = VALUE_CHARS) -> str:
    """A value short enough for a label: a scalar or a small array in full, a larger array as
    its shape (and dtype, unless float64) with the most of its first entries, last entry, and
    least and greatest entries that fit in ``limit`` characters (``(4, 3) [0, 1, …, 11]
    min 0 max 11``; ``(4, 3) all 1`` when they are all the same)."""
    a = np.asarray(v)
    if a.ndim == 0:
        x = a.item()
        return f"{x:.4g}" if isinstance(x, (float, complex)) else str(x)
    if 0 < a.size <= VALUES_SHOWN or a.shape == (0,):
        # nested as NumPy prints it, so that a (1, 3) or a (2, 1) (a broadcast or kept
        # axis) does not read as a (3,) or a (2,)
        texts = [format_value(e) for e in a.ravel()]
        for d in reversed(a.shape):
            texts = ["[" + ", ".join(texts[k : k + d]) + "]" for k in range(0, max(len(texts), 1), max(d, 1))]
        return texts[0]
    head = f"{a.dtype.name if a.dtype != np.float64 else ''}{format_shape(a.shape)}"
    if a.size == 0:
        return head
    flat = a.ravel()
    same = flat == flat[0]
    if a.dtype.kind in "fc":
        same |= np.isnan(flat) & np.isnan(flat[0])
    if np.all(same):
        return f"{head} all {format_value(flat[0])}"
    entries = f"[{format_value(flat[0])}, {format_value(flat[1])}, …, {format_value(flat[-1])}]"
    short = f"[{format_value(flat[0])}, …, {format_value(flat[-1])}]"
    if a.dtype.kind == "b":
        spread = f"{int(np.count_nonzero(flat))} of {flat.size} true"
    elif a.dtype.kind in "iuf":
        nans = int(np.count_nonzero(np.isnan(flat))) if a.dtype.kind == "f" else 0
        spread = f"{nans} nan" if nans else ""
        if nans < flat.size:  # the range of the numbers, nan aside
            lo, hi = np.nanmin(flat), np.nanmax(flat)
            spread = f"min {format_value(lo)} max {format_value(hi)}{', ' if nans else ''}{spread}"
    else:  # complex numbers have no order
        spread = ""
    for text in (f"{head} {entries} {spread}", f"{head} {short} {spread}", f"{head} {spread}",
                 f"{head} {entries}", f"{head} {short}"):
        text = text.rstrip()
        if len(text) <= limit and text != head:
            return text
    return head


@dataclass
class _Item:
    key: int
    label: str  # as drawn: one line of at most LABEL_CHARS characters
    kind: str
    output: bool = False
    value: str = ""
    gradient: str = ""
    node: Node | None = None
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    width: float = 40.0
    title: str = ""  # the whole label, when the drawn one is cut: a tooltip where the format has them


@dataclass
class Drawing:
    """A drawn graph: ``.svg``, ``.dot``, ``.save(path)``; shows itself inline in Jupyter."""

    items: list[_Item]
    edges: list[tuple[int, int, str, str]]  # source, target, text above, text below
    engine: str = "auto"
    _svg: str | None = field(default=None, repr=False)

    @property
    def dot(self) -> str:
        """The graph as Graphviz DOT text."""
        lines = ["digraph symdiff {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];']
        for it in self.items:
            fill, stroke = STYLE[it.kind]
            shape = {"var": "box", "const": "box", "output": "doubleoctagon"}.get(it.kind, "ellipse")
            pen = 2.5 if it.output else 1.0
            extra = [t for t in (it.value, it.gradient and f"∂ {it.gradient}") if t]
            label = "\\n".join([dot_escape(it.label), *(dot_escape(t) for t in extra)])
            tooltip = f', tooltip="{dot_escape(it.title)}"' if it.title else ""
            lines.append(
                f'  n{it.key} [label="{label}", shape={shape}, style="filled", '
                f'fillcolor="{fill}", color="{stroke}", penwidth={pen}{tooltip}];'
            )
        for s, t, above, below in self.edges:
            attrs = []
            if above:
                attrs.append(f'label="{dot_escape(above)}", fontcolor="{VALUE_COLOUR}"')
            if below:
                attrs.append(f'xlabel="{dot_escape(below)}", fontcolor="{GRADIENT_COLOUR}"')
            lines.append(f"  n{s} -> n{t}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
        lines.append("}")
        return "\n".join(lines)

    @property
    def svg(self) -> str:
        """The picture as SVG text (Graphviz when available and chosen, else pure Python)."""
        if self._svg is None:
            use_dot = self.engine == "graphviz" or (self.engine == "auto" and shutil.which("dot"))
            if use_dot:
                if not shutil.which("dot"):
                    raise RuntimeError(f"engine='graphviz' needs Graphviz's `dot` program on the PATH: install it with {INSTALL_GRAPHVIZ}; "
                                       "or draw with engine='python', which needs nothing installed")
                self._svg = _run_dot(self.dot, "svg").decode()
            else:
                self._svg = _svg(self.items, self.edges)
        return self._svg

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        nodes = sum(1 for it in self.items if it.kind not in ("elided", "output"))
        return f"<Drawing of {nodes} nodes: .svg, .dot, .save('graph.svg' | '.png' | '.dot')>"

    def save(self, path: str | Path) -> Path:
        """Write the picture; the suffix chooses the format: ``.svg``, ``.dot`` or ``.png``."""
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix == ".svg":
            p.write_text(self.svg, encoding="utf-8")
        elif suffix in (".dot", ".gv"):
            p.write_text(self.dot, encoding="utf-8")
        elif suffix == ".png":
            p.write_bytes(self._png())
        else:
            raise ValueError(f"cannot save a drawing as {suffix or 'a file without suffix'}: use .svg, .png or .dot")
        return p

    def _png(self) -> bytes:
        if shutil.which("dot"):
            return _run_dot(self.dot, "png")
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise RuntimeError(
                "saving PNG needs Graphviz's `dot` program or matplotlib: install the first with "
                f"{INSTALL_GRAPHVIZ}, or the second with `pip install 'symdiff[viz]'`; .svg and .dot always work"
            ) from None
        return _png_matplotlib(plt, self.items, self.edges)


def _run_dot(dot: str, fmt: str) -> bytes:
    done = subprocess.run(["dot", f"-T{fmt}"], input=dot.encode(), capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Graphviz failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _select(order: list[Node], roots: list[Node], max_nodes: int) -> tuple[list[Node], set[Node]]:
    """The nodes nearest the outputs, at most ``max_nodes``; the rest are elided."""
    if len(order) <= max_nodes:
        return order, set()
    keep: set[Node] = set()
    frontier = list(roots)
    while frontier and len(keep) < max_nodes:
        nxt: list[Node] = []
        for n in frontier:
            if n in keep or len(keep) >= max_nodes:
                continue
            keep.add(n)
            nxt.extend(n.inputs)
        frontier = nxt
    warnings.warn(
        f"the graph has {len(order)} nodes; drawing the {len(keep)} nearest the outputs "
        "(pass max_nodes= to draw more)",
        stacklevel=3,
    )
    return [n for n in order if n in keep], keep


def draw(
    outputs: Node | Iterable[Node],
    values: Mapping[Any, Any] | None = None,
    gradients: bool = False,
    forward: Node | Iterable[Node] | None = None,
    max_nodes: int = 150,
    engine: str = "auto",
    names: Sequence[str] | None = None,
) -> Drawing:
    """Draw the graph of ``outputs`` left to right.

    Derivative nodes are drawn apart from forward ones. By default the derivative nodes are
    those reverse mode appended to build a gradient in the picture (``sd.grad``, ``sd.vjp``,
    ``sd.jacobian``, ``sd.hessian``): nodes of the gradient that are not nodes of the function
    it differentiates, and the nodes computed from them; so ``draw(sd.grad(f, x))`` alone tells
    them apart. A picture holding no such gradient (one rebuilt by ``simplify``, say) takes its
    first output, when there are several, as the forward function. With ``forward`` given, the
    nodes reachable from it are the forward nodes and all others derivative. With ``values``
    each edge shows the value flowing along it; with ``gradients=True`` also the gradient of
    the (scalar) first output with respect to it. Graphs over ``max_nodes`` are cut to the
    nodes nearest the outputs, with a warning. A name longer than ``LABEL_CHARS`` characters
    is cut with …, so a box stays narrow; the whole name is the node's tooltip in SVG (and in
    DOT, for Graphviz). Outputs given as a dict are named by its keys (or by ``names``, one
    per output): each name is drawn as a box the output's node points to.

    >>> x, y = sd.symbols("x y"); f = x * y + sd.sin(x)
    >>> picture = sd.draw([f, *sd.grad(f, [x, y])]); picture
    <Drawing of 11 nodes: .svg, .dot, .save('graph.svg' | '.png' | '.dot')>
    >>> picture.save("f.svg")  # doctest: +SKIP
    PosixPath('f.svg')
    >>> print(sd.draw({"f": f, "df/dx": sd.grad(f, x)}).dot)
    digraph symdiff {
      rankdir=LR;
    ...
    }
    """
    if engine not in ("auto", "graphviz", "python"):
        raise ValueError(f"engine must be 'auto', 'graphviz' or 'python', got {engine!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, (int, np.integer)) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a whole number of nodes, at least 1, got {max_nodes!r}")
    # no outputs draw an empty picture, as to_dot and to_networkx give an empty graph and
    # evaluate an empty list
    roots = as_roots(outputs, "draw")
    if names is None and isinstance(outputs, Mapping):
        names = [str(k) for k in outputs]  # outputs given as a dict are named by its keys, as in to_dot
    if names is not None:
        if isinstance(names, str) or not all(isinstance(k, str) for k in names):
            raise TypeError(f"draw: names must be a list of strings, one per output, got {names!r}")
        if len(names) != len(roots):
            raise ValueError(f"draw: {len(roots)} outputs but {len(names)} names")
    order = toposort(roots)
    derivative = appended_nodes(order) if forward is None else None
    if derivative is None:
        if forward is None:
            fwd_roots = roots[:1] if len(roots) > 1 else roots
        else:
            fwd_roots = [forward] if isinstance(forward, Node) else list(forward)
        forward_set = set(toposort(fwd_roots))
        derivative = {n for n in order if n not in forward_set}
    shown, kept = _select(order, roots, max_nodes)
    shown_set = set(shown)

    vals: dict[Node, Any] = {}
    grads: dict[Node, Any] = {}
    if values is not None:
        targets: list[Node] = []
        gs: list[Node] = []
        if gradients:
            if not roots:
                raise ValueError("gradients=True needs a scalar floating-point first output, got no "
                                 "outputs: draw one, or leave gradients out")
            y = roots[0]
            if y.shape != () or not y.type.is_float:
                hint = ("draw sum(y) or one element of it first" if y.shape != ()
                        else "integer and boolean values carry no gradient")
                raise ValueError(
                    f"gradients=True needs a scalar floating-point first output, got dtype {y.dtype} and "
                    f"shape {format_shape(y.shape)}: {hint}, or leave gradients out"
                )
            targets = [n for n in shown if n.type.is_float and n is not y and not isinstance(n.op, Const)]
            gs = list(node_gradients(y, targets)) if targets else []
        # one evaluation of values and gradients: a gradient such as 1/n may hold no variable
        # itself, and takes the size of a named dimension from the variables of the values
        out = evaluate([*shown, *gs], values)
        vals = dict(zip(shown, out[: len(shown)]))
        if gradients:
            grads = dict(zip(targets, out[len(shown):]))
            grads[roots[0]] = np.ones(())
    elif gradients:
        raise ValueError("gradients=True needs values= to evaluate them")

    ids = {n: k for k, n in enumerate(shown)}
    items: list[_Item] = []
    root_set = set(roots)
    for n in shown:
        if isinstance(n.op, Var):
            kind = "var"
        elif isinstance(n.op, (Const, DimSize)):
            kind = "const"
        else:
            kind = "derivative" if n in derivative else "forward"
        value = format_value(vals[n]) if n in vals else ""
        gradient = format_value(grads[n]) if n in grads else ""
        label = one_line(node_label(n), LABEL_CHARS)
        # a leaf's whole text (a long name, a constant drawn as its shape) is its tooltip
        whole = n.op.text([]) if not n.inputs else label
        items.append(_Item(ids[n], label, kind, n in root_set, node=n, value=value, gradient=gradient,
                           title=whole if label != whole else ""))
    edges: list[tuple[int, int, str, str]] = []
    elided: dict[Node, int] = {}
    for n in shown:
        # one edge per distinct input, marked with the positions it fills where the order of
        # the inputs matters (x / y: 0 from x, 1 from y), or with how often it is used (x * x: ×2)
        places: dict[Node, list[int]] = {}
        for pos, i in enumerate(n.inputs):
            places.setdefault(i, []).append(pos)
        for i, where in places.items():
            mark = ", ".join(map(str, where)) if input_order_matters(n) else f"×{len(where)}" if len(where) > 1 else ""
            if i not in shown_set:
                if i not in elided:
                    elided[i] = len(items)
                    items.append(_Item(len(items), "…", "elided"))
                edges.append((elided[i], ids[n], mark, ""))
                continue
            shape = format_shape(i.shape) if i.shape and not vals else ""
            edges.append((ids[i], ids[n], ": ".join(filter(None, (mark, shape))), ""))
    for name, r in zip(names or (), roots):
        label = one_line(name, LABEL_CHARS)
        items.append(_Item(len(items), label, "output", title=name if label != name else ""))
        edges.append((ids[r], len(items) - 1, "", ""))
    _layout(items, edges)
    return Drawing(items, edges, engine)


def _layout(items: list[_Item], edges: list[tuple[int, int, str, str]]) -> None:
    """Layers by longest path from the inputs; order within layers by barycenter sweeps."""
    preds: dict[int, list[int]] = {it.key: [] for it in items}
    succs: dict[int, list[int]] = {it.key: [] for it in items}
    for s, t, _, _ in edges:
        preds[t].append(s)
        succs[s].append(t)
    by_key = {it.key: it for it in items}
    # items are in topological order except elided stubs, which have no predecessors
    for it in sorted(items, key=lambda i: (bool(preds[i.key]), i.key)):
        it.layer = max((by_key[p].layer + 1 for p in preds[it.key]), default=0)
    # pull sources (variables, constants) right next to their first consumer
    for it in items:
        if not preds[it.key] and succs[it.key]:
            it.layer = max(0, min(by_key[s].layer for s in succs[it.key]) - 1)
    layers: dict[int, list[_Item]] = {}
    for it in items:
        layers.setdefault(it.layer, []).append(it)
        it.width = max(36.0, CHAR_WIDTH * len(it.label) + 18.0)
    for k in sorted(layers):
        for rank, it in enumerate(layers[k]):
            it.y = float(rank)
    for _sweep in range(4):
        for k in sorted(layers):
            for it in layers[k]:
                ps = [by_key[p].y for p in preds[it.key]] or [by_key[s].y for s in succs[it.key]] or [it.y]
                it.y = sum(ps) / len(ps) + 1e-3 * it.key
            layers[k].sort(key=lambda i: i.y)
            for rank, it in enumerate(layers[k]):
                it.y = float(rank)
    x = 20.0
    tallest = max(len(v) for v in layers.values()) if layers else 1
    for k in sorted(layers):
        col = layers[k]
        # a column is as wide as its widest box or the widest value or gradient centred above
        # or below one (an array's summary is wider than its node), so that no text reaches
        # into the next column or past the picture's left edge
        w = max(max(it.width, CHAR_WIDTH * max(len(it.value), len(it.gradient))) for it in col)
        offset = (tallest - len(col)) * 40.0
        for rank, it in enumerate(col):
            it.x = x + (w - it.width) / 2
            it.y = 30.0 + offset + rank * 80.0
        x += w + 110.0


# characters XML 1.0 does not allow (a variable may be named with any string): one invalid
# character makes the whole SVG unreadable to a browser or Jupyter
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    """``text`` as SVG character data: escaped, with characters XML cannot hold replaced by �."""
    return html.escape(_NOT_XML.sub("\ufffd", text))


def _annotations(
    items: list[_Item], edges: list[tuple[int, int, str, str]]
) -> list[tuple[float, float, str, str]]:
    """The small texts of a drawing, as (x, baseline y, text, colour), centred on x: each
    edge's texts above and below its midpoint, each node's value above it and its gradient
    below. Every renderer places them from here."""
    by_key = {it.key: it for it in items}
    out: list[tuple[float, float, str, str]] = []
    for s, t, above, below in edges:
        a, b = by_key[s], by_key[t]
        lx, ly = (a.x + a.width + b.x) / 2, (a.y + b.y) / 2 + 14  # the curve's midpoint
        if above:
            out.append((lx, ly - 5, above, VALUE_COLOUR))
        if below:
            out.append((lx, ly + 14, below, GRADIENT_COLOUR))
    for it in items:
        cx = it.x + it.width / 2
        if it.value:
            out.append((cx, it.y - 6, it.value, VALUE_COLOUR))
        if it.gradient:
            out.append((cx, it.y + 42, it.gradient, GRADIENT_COLOUR))
    return out


def _svg(items: list[_Item], edges: list[tuple[int, int, str, str]]) -> str:
    by_key = {it.key: it for it in items}
    width = max((it.x + it.width for it in items), default=100) + 30
    height = max((it.y for it in items), default=0) + 70
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#607d8b"/></marker></defs>',
    ]
    for s, t, _, _ in edges:
        a, b = by_key[s], by_key[t]
        x1, y1 = a.x + a.width, a.y + 14
        x2, y2 = b.x, b.y + 14
        mx = (x1 + x2) / 2
        out.append(
            f'<path d="M {x1:.1f} {y1:.1f} C {mx:.1f} {y1:.1f}, {mx:.1f} {y2:.1f}, {x2:.1f} {y2:.1f}" '
            'fill="none" stroke="#607d8b" stroke-width="1.2" marker-end="url(#arrow)"/>'
        )
    for it in items:
        fill, stroke = STYLE[it.kind]
        pen = 2.5 if it.output else 1.2
        rx = 4 if it.kind in ("var", "const") else 14
        title = f"<title>{_xml(it.title)}</title>" if it.title else ""
        out.append(
            f'<g class="node {it.kind}">{title}<rect x="{it.x:.1f}" y="{it.y:.1f}" width="{it.width:.1f}" height="28" '
            f'rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="{pen}"/>'
            f'<text x="{it.x + it.width / 2:.1f}" y="{it.y + 18:.1f}" text-anchor="middle">'
            f"{_xml(it.label)}</text></g>"
        )
    for x, y, text, colour in _annotations(items, edges):
        out.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="{colour}">{_xml(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _png_matplotlib(plt: Any, items: list[_Item], edges: list[tuple[int, int, str, str]]) -> bytes:
    import io

    by_key = {it.key: it for it in items}
    width = max((it.x + it.width for it in items), default=100) + 30
    height = max((it.y for it in items), default=0) + 70
    fig = plt.figure(figsize=(width / 72, height / 72), dpi=144)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    for s, t, _, _ in edges:
        a, b = by_key[s], by_key[t]
        ax.annotate("", xy=(b.x, b.y + 14), xytext=(a.x + a.width, a.y + 14),
                    arrowprops={"arrowstyle": "->", "color": "#607d8b"})
    for it in items:
        fill, stroke = STYLE[it.kind]
        ax.add_patch(plt.Rectangle((it.x, it.y), it.width, 28, facecolor=fill, edgecolor=stroke,
                                   linewidth=2.5 if it.output else 1.2))
        ax.text(it.x + it.width / 2, it.y + 14, it.label, ha="center", va="center", fontsize=9)
    for x, y, text, colour in _annotations(items, edges):
        ax.text(x, y, text, ha="center", va="baseline", color=colour, fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()

