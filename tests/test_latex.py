import re

import numpy as np
import pytest

import symdiff as sd


def test_readable_forms():
    x, y = sd.symbols("x y")
    alpha, w1 = sd.var("alpha"), sd.var("w1")
    assert sd.latex(sd.sigmoid(x) / y) == r"\frac{\sigma\left(x\right)}{y}"
    assert sd.latex(x ** 2 * sd.sin(y)) == r"{x}^{2} \cdot \sin\left(y\right)"
    assert sd.latex((x + y) ** 3) == r"{\left(x + y\right)}^{3}"
    assert sd.latex(sd.exp(-x)) == "e^{-x}"
    assert sd.latex(x - (y - x)) == r"x - \left(y - x\right)"
    assert sd.latex(alpha * w1) == r"\alpha \cdot w_{1}"
    assert sd.latex(sd.var("loss_total")) == r"\mathrm{loss}_{total}"
    assert sd.latex(sd.relu(x)) == r"\operatorname{relu}\left(x\right)"
    assert sd.latex(sd.sqrt(sd.abs(x))) == r"\sqrt{\left|x\right|}"
    assert sd.latex(sd.where(x > 0, x, 0)) == (
        r"\begin{cases} x & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}"
    )
    assert sd.latex(x * 1e-8) == r"x \cdot 10^{-8}"
    assert sd.latex(x / 2.5e-8) == r"\frac{x}{2.5 \cdot 10^{-8}}"
    assert sd.latex(sd.stop_gradient(x)) == r"\operatorname{stop\_gradient}\left(x\right)"
    assert sd.latex(sd.logcosh(x - y)) == r"\log\cosh\left(x - y\right)"
    assert sd.latex(sd.logcosh(x) ** 2) == r"{\log\cosh\left(x\right)}^{2}"


def test_no_operator_is_followed_by_a_minus_sign():
    x, y = sd.symbols("x y")
    assert sd.latex(x * -y) == r"x \cdot \left(-y\right)"
    assert sd.latex(x - (-y)) == r"x - \left(-y\right)"
    assert sd.latex(x + (-y)) == r"x + \left(-y\right)"
    assert sd.latex(x * -2.0) == r"x \cdot \left(-2\right)"
    assert sd.latex(x % -y) == r"x \bmod \left(-y\right)"
    assert sd.latex(-x * y) == r"-x \cdot y"  # a leading minus stays as it is
    assert sd.latex(x < -y) == r"x < -y"
    # nor a minus sign: --y read as a decrement, or as one dash
    assert sd.latex(-(-y)) == r"-\left(-y\right)"
    assert sd.latex(-sd.const(-2.0)) == r"-\left(-2\right)"


def test_python_literals_in_parameters_are_written_as_constants_are():
    # None, True, inf and complex(0.0, 1.0) were copied from the text form as they are
    x, v = sd.var("x", (3, 4)), sd.var("v", (3,))
    assert sd.latex(x[None, 1:3]) == r"x\left[\mathrm{None}, 1:3\right]"
    assert sd.latex(sd.argmax(x, axis=0, keepdims=True)) == (
        r"\operatorname{argmax}\left(x, \mathrm{axis}=0, \mathrm{keepdims}=\mathrm{True}\right)"
    )
    assert sd.latex(sd.linspace(1j, 2, 3)) == r"\operatorname{linspace}\left(i, 2, 3\right)"
    assert sd.latex(sd.linspace(0.0, -np.inf, 3)) == r"\operatorname{linspace}\left(0.0, -\infty, 3\right)"
    assert sd.latex(sd.pad(v, 1, constant_values=np.nan)) == (
        r"\operatorname{pad}\left(v, ((1, 1),), \mathrm{constant\_values}=\mathrm{NaN}\right)"
    )
    # quoted text stays text, whatever it says
    dim = sd.var("X", ("inf", 2)).shape[0]
    assert sd.latex(sd.arange(dim)) == r"\operatorname{arange}\left(\text{inf}\right)"


def test_tensors():
    W, h = sd.var("W", (4, 3)), sd.var("h", (3,))
    assert sd.latex(sd.sum(sd.tanh(W @ h))) == r"\sum \tanh\left(W \, h\right)"
    assert sd.latex(sd.sum(W, axis=0)) == r"\sum_{\mathrm{axis}\,0} W"
    assert sd.latex(W.T) == r"{W}^{\top}"
    assert sd.latex(W * W) == r"W \odot W"
    assert sd.latex(W[0, 1:]) == r"W\left[0, 1:\right]"
    assert sd.latex(sd.reshape(W, (12,))) == r"\operatorname{reshape}\left(W, (12,)\right)"


@pytest.mark.parametrize("build, text", [
    (lambda M, v, x: v * (M @ v), r"v \odot \left(M \, v\right)"),
    (lambda M, v, x: (v * M) @ v, r"\left(v \odot M\right) \, v"),
    (lambda M, v, x: (M @ v) * v, r"\left(M \, v\right) \odot v"),
    (lambda M, v, x: M @ (v * v), r"M \, \left(v \odot v\right)"),
    (lambda M, v, x: x * (M @ v), r"x \cdot M \, v"),  # a scalar factor associates
    (lambda M, v, x: (v * v) * v, r"v \odot v \odot v"),
])
def test_an_elementwise_product_beside_a_matrix_product_is_bracketed(build, text):
    # v * (M @ v) and (v * M) @ v differ; both printed v \odot M \, v
    M, v, x = sd.var("M", (3, 3)), sd.var("v", (3,)), sd.var("x")
    assert sd.latex(build(M, v, x)) == text


def test_einsum_pi_and_greek_letters():
    A, B, v = sd.var("A", (2, 3)), sd.var("B", (3, 4)), sd.var("v", (3,))
    assert sd.latex(sd.einsum("ij,jk->ik", A, B)) == r"\operatorname{einsum}_{ij,jk \to ik}\left(A, B\right)"
    assert sd.latex(sd.einsum("...j,j", A, v)) == r"\operatorname{einsum}_{\ldots j,j \to \ldots}\left(A, v\right)"
    assert sd.latex(sd.parse("pi * x - pi")) == r"\pi \cdot x - \pi"  # NumPy's pi, by its name
    assert sd.latex(sd.const(3.14)) == "3.14"
    # Greek letters written as such print as LaTeX's; a capital that looks Latin stays a letter
    assert sd.latex(sd.var("λ") + sd.var("σ_1") * sd.var("Δ")) == r"\lambda + \sigma_{1} \cdot \Delta"
    assert sd.latex(sd.var("Α")) == "Α"


def test_arange_and_one_hot_keep_their_arguments():
    # the identity rows a Jacobian starts from: one_hot(arange(3), 3), not one_hot(arange())
    assert sd.latex(sd.one_hot(sd.arange(3), 3)) == (
        r"\operatorname{one\_hot}\left(\operatorname{arange}\left(3\right), 3\right)")
    assert sd.latex(sd.arange(1, 7, 2)) == r"\operatorname{arange}\left(1, 7, 2\right)"


def test_large_dags_name_shared_parts():
    x = sd.var("x")
    e = x
    for _ in range(40):
        e = sd.sin(e) * sd.cos(e)  # each level used twice: a tree would have 2**40 leaves
    text = sd.latex(e)
    assert text.startswith("\\begin{aligned}") and text.endswith("\\end{aligned}")
    assert r"\text{where}" in text and "t_{1} &= " in text
    assert len(text) < 40 * 200


def test_deep_graphs_are_fine():
    x = sd.var("x")
    e = x
    for _ in range(20_000):  # the printers loop over toposort; no recursion
        e = e + 1
    assert len(sd.latex(e)) > 0
    assert len(sd.to_text(e)) > 0


# -- products and linear algebra


def test_linear_algebra():
    A, b = sd.var("A", (3, 3)), sd.var("b", (3,))
    X = sd.var("X", (2, 3, 4))
    assert sd.latex(sd.linalg.inv(A)) == r"{A}^{-1}"
    assert sd.latex(sd.linalg.inv(A + A)) == r"{\left(A + A\right)}^{-1}"
    assert sd.latex(sd.linalg.pinv(A @ A)) == r"{\left(A \, A\right)}^{+}"
    assert sd.latex(sd.linalg.det(A @ A)) == r"\det \left(A \, A\right)"
    assert sd.latex(sd.linalg.slogdet(A)[1]) == r"\log\left|\det A\right|"
    assert sd.latex(sd.linalg.solve(A, b)) == r"{A}^{-1} \, b"
    assert sd.latex(sd.linalg.norm(b)) == r"\left\lVert b \right\rVert"
    assert sd.latex(sd.linalg.norm(X, axis=1)) == r"\left\lVert X \right\rVert_{\mathrm{axis}\,1}"
    assert sd.latex(sd.linalg.norm(A, "nuc")) == r"\sum \sigma\left(A\right)"
    assert sd.latex(sd.linalg.eigh(A)[0]) == r"\lambda\left(A\right)"
    assert sd.latex(sd.linalg.eigvalsh(A)) == r"\lambda\left(A\right)"
    assert sd.latex(sd.linalg.svd(A).S) == sd.latex(sd.linalg.svdvals(A)) == r"\sigma\left(A\right)"
    assert sd.latex(sd.linalg.cholesky(A)) == r"\operatorname{chol}\left(A\right)"
    U, _, Vh = sd.linalg.svd(A)
    assert sd.latex(U @ Vh) == (r"\operatorname{svd}_{U}\left(A\right) \, "
                                r"\operatorname{svd}_{V^{\top}}\left(A\right)")
    assert sd.latex(sd.linalg.qr(A).Q) == r"\operatorname{qr}_{Q}\left(A\right)"
    assert sd.latex(sd.linalg.qr(A, "r")) == r"\operatorname{qr}_{R}\left(A\right)"


def test_det_derivative_is_the_cofactor_matrix_and_its_derivatives_along_directions():
    # det's gradient adj(A)^T; with directions the derivative of A -> adj(A)^T at A along them
    A, X, Y = (sd.var(name, (3, 3)) for name in "AXY")
    assert sd.latex(sd.linalg.det_derivative(A)) == r"\operatorname{adj}\left(A\right)^{\top}"
    assert sd.latex(sd.grad(sd.linalg.det(A), A)).endswith(r"\operatorname{adj}\left(A\right)^{\top}")
    assert sd.latex(sd.linalg.det_derivative(A @ A, X)) == \
        r"\mathrm{D} \operatorname{adj}^{\top}\left(A \, A\right)\left[X\right]"
    assert sd.latex(sd.linalg.det_derivative(A, X, Y + 1.0)) == \
        r"\mathrm{D}^{2} \operatorname{adj}^{\top}\left(A\right)\left[X, Y + 1\right]"
    # a superscript on either form is bracketed, a minus sign is not
    assert sd.latex(sd.linalg.det_derivative(A) ** 2) == \
        r"{\left(\operatorname{adj}\left(A\right)^{\top}\right)}^{2}"
    assert sd.latex(-sd.linalg.det_derivative(A, X)) == \
        r"-\mathrm{D} \operatorname{adj}^{\top}\left(A\right)\left[X\right]"


def test_logic():
    x, y = sd.symbols("x y")
    assert sd.latex((x > 0) | ((y > 0) & (x < 1))) == r"x > 0 \lor \left(y > 0 \land x < 1\right)"
    assert sd.latex(~((x > 0) & (y > 0))) == r"\lnot \left(x > 0 \land y > 0\right)"


def test_every_variable_name_is_escaped():
    # names are arbitrary strings; LaTeX's special characters in them must print as themselves
    cases = {
        "a\\b": r"\mathrm{a{\backslash}b}", "a^b": r"\mathrm{a\hat{}b}", "a~b": r"\mathrm{a{\sim}b}",
        "%": r"\%", "$": r"\$", "#": r"\#", "{": r"\{", "a%b": r"\mathrm{a\%b}",
        "_x": r"\mathrm{\_x}", "x_": r"\mathrm{x\_}", "x_^": r"x_{\hat{}}",
        "x": "x", "x_1": "x_{1}", "alpha_i": r"\alpha_{i}", "W_hidden": "W_{hidden}", "loss": r"\mathrm{loss}",
    }
    for name, want in cases.items():
        assert sd.latex(sd.var(name)) == want, name


def test_line_breaks_and_control_characters_in_names_are_written_visibly():
    # a newline went into the LaTeX raw, breaking the line of math (and $...$ in Jupyter) and
    # showing nothing; such characters print as Python writes them in a string, in typewriter type
    cases = {
        "a\nb": r"\mathrm{a\mathtt{{\backslash}n}b}", "a\tb": r"\mathrm{a\mathtt{{\backslash}t}b}",
        "\x07": r"\mathtt{{\backslash}x07}", "x\u200by": r"x\mathtt{{\backslash}u200b}y",
        "x_\r": r"x_{\mathtt{{\backslash}r}}", "a\u2028": r"a\mathtt{{\backslash}u2028}",
        "a\\nb": r"\mathrm{a{\backslash}nb}",  # a backslash the name holds stays a backslash
    }
    for name, want in cases.items():
        assert sd.latex(sd.var(name)) == want, repr(name)
    x = sd.var("loss\tvalue", ("n",))
    shown = x.sum()._repr_latex_() + sd.latex(sd.mean(x))
    assert not any(not ch.isprintable() for ch in shown), repr(shown)
    assert r"\mathtt{{\backslash}t}" in shown


def test_remainders_are_bracketed_where_a_reader_could_group_them_otherwise():
    # Python binds % as tightly as *, a reader of x mod y \cdot z does not: no grouping is left implicit
    x, y, z = sd.symbols("x y z")
    assert sd.latex(x % y) == r"x \bmod y"
    assert sd.latex(x % y * z) == r"\left(x \bmod y\right) \cdot z"
    assert sd.latex(x * (y % z)) == r"x \cdot \left(y \bmod z\right)"
    assert sd.latex(-x % y) == r"\left(-x\right) \bmod y"
    assert sd.latex((x * y) % z) == r"\left(x \cdot y\right) \bmod z"
    assert sd.latex(x % y + 1) == r"\left(x \bmod y\right) + 1"
    assert sd.latex(x % y ** 2) == r"x \bmod {y}^{2}"
    assert sd.latex(sd.fmod(x, y) / 2) == r"\frac{x \operatorname{fmod} y}{2}"
    assert sd.latex((x % y) < 1) == r"x \bmod y < 1"
    # and a comparison on the left of a sum: x < y + 1 would read as x < (y + 1)
    assert sd.latex((x < y) + 1.0) == r"\left(x < y\right) + 1"
    assert sd.latex((x < y) - 1.0) == r"\left(x < y\right) - 1"


def test_complex_constants_are_written_with_i():
    z = sd.var("z", dtype="complex128")
    assert sd.latex(z * 1j) == r"z \cdot i"
    assert sd.latex(z * 2.5j) == r"z \cdot 2.5 i"
    assert sd.latex(z * (1 - 2j)) == r"z \cdot \left(1 - 2 i\right)"
    assert sd.latex(z + complex(0, -1)) == r"z + \left(-i\right)"
    assert sd.latex(z - (0.5 + 1e-8j)) == r"z - \left(0.5 + 10^{-8} i\right)"
    assert sd.latex(sd.const(np.array([1j, 2]))) == r"\begin{bmatrix} i & 2 \end{bmatrix}"


def test_casts_to_floating_point_are_left_out_but_not_truncations():
    # a mean over a named dimension divides by n cast to float64: in math that is n
    X = sd.var("X", ("n", 3))
    assert sd.latex(sd.mean(X, axis=0)) == r"\frac{\sum_{\mathrm{axis}\,0} X}{n}"
    k, x = sd.var("k", dtype="int64"), sd.var("x", dtype="float32")
    assert sd.latex(k.astype("float32") * 2.0) == r"k \cdot 2"
    assert sd.latex((k + 1).astype("float64")) == r"k + 1"
    assert sd.latex(x.astype("float64") + 1.0) == r"x + 1"
    assert sd.latex(x.astype("int32")) == r"\operatorname{int32}\left(x\right)"


def test_parameters_beyond_axes_and_shapes_are_printed():
    # round's decimals and index_add's index were dropped: round(x, 2) printed as round(x)
    x = sd.var("x")
    assert sd.latex(sd.round(x, 2)) == r"\operatorname{round}\left(x, 2\right)"
    assert sd.latex(sd.round(x, -1)) == r"\operatorname{round}\left(x, -1\right)"
    assert sd.latex(sd.index_add(x, (5,), (slice(1, None),))) == (
        r"\operatorname{index\_add}\left(x, (5,), s\_[1:]\right)"
    )
    assert sd.latex(sd.pad(sd.var("v", (3,)), 1, constant_values=2.0)) == (
        r"\operatorname{pad}\left(v, ((1, 1),), \mathrm{constant\_values}=2.0\right)"
    )


def test_spaces_in_names_are_kept():
    # math mode drops spaces, also inside \mathrm: "my var" rendered as "myvar"
    assert sd.latex(sd.var("my var") * 2.0) == r"\mathrm{my\ var} \cdot 2"
    assert sd.latex(sd.var("a b_c d")) == r"\mathrm{a\ b}_{c\ d}"


def test_cases_are_bracketed_as_operands():
    # a brace on the left only: {cases}^{2} and cases + 1 read as part of the last row
    x, y = sd.symbols("x y")
    cases = r"\begin{cases} x & \text{if } x < y \\ y & \text{otherwise} \end{cases}"
    w = sd.where(x < y, x, y)
    assert sd.latex(w) == cases
    assert sd.latex(w ** 2) == rf"{{\left({cases}\right)}}^{{2}}"
    assert sd.latex(w + 1.0) == rf"\left({cases}\right) + 1"
    assert sd.latex(x * w) == rf"x \cdot \left({cases}\right)"
    assert sd.latex(sd.sin(w)) == rf"\sin\left({cases}\right)"


def test_distinct_variables_never_print_alike():
    # x2 and x_2 both printed as x_{2}, theta and θ both as \theta: two variables read as one
    cases = [(sd.var("x2") + sd.var("x_2"), r"\mathrm{x2} + \mathrm{x\_2}"),
             (sd.var("theta") * sd.var("θ"), r"\mathrm{theta} \cdot \mathrm{θ}"),
             (sd.var("alpha1") - sd.var("α_1"), r"\mathrm{alpha1} - \mathrm{α\_1}")]
    for expr, want in cases:
        assert sd.latex(expr) == want
    # alone, or beside names printed differently, a name keeps its short form
    assert sd.latex(sd.var("x2") * sd.var("theta") + sd.var("x_1")) == r"x_{2} \cdot \theta + x_{1}"
    # across several outputs too
    assert sd.latex([sd.sin(sd.var("x2")), sd.var("x_2")]) == r"\sin\left(\mathrm{x2}\right) \\ \mathrm{x\_2}"


def test_a_variable_named_as_a_constant_prints_apart_from_the_constant():
    # a variable pi or π printed \pi as the constant does, i as the imaginary unit, e ** x as exp(x)
    from symdiff.interop.latex import _CONSTANT_LATEX, latex_name

    x = sd.var("x")
    pi, greek_pi, i, e = sd.var("pi"), sd.var("π"), sd.var("i", dtype="int64"), sd.var("e")
    assert sd.latex(sd.parse("pi")) == r"\pi" and sd.latex(x * 1j) == r"x \cdot i"
    assert sd.latex(sd.exp(x)) == "e^{x}" and sd.latex(sd.parse("inf + nan")) == r"\infty + \mathrm{NaN}"
    assert sd.latex(pi * sd.parse("pi")) == r"\mathrm{pi} \cdot \pi"
    assert sd.latex(greek_pi + pi) == r"\mathrm{π} + \mathrm{pi}"
    assert sd.latex(i * 1j) == r"\mathrm{i} \cdot i"
    assert sd.latex(e**x + sd.exp(x)) == r"{\mathrm{e}}^{x} + e^{x}"
    # True is upright already, as the constant: in italics
    assert sd.latex(sd.var("True", dtype="bool") | sd.var("b", dtype="bool")) == r"\mathit{True} \lor b"
    # only the whole name: subscripted and longer names are as before
    assert [latex_name(n) for n in ("pi_1", "e1", "i_j", "E", "nan", "inf")] == [
        r"\pi_{1}", "e_{1}", "i_{j}", "E", r"\mathrm{nan}", r"\mathrm{inf}"]
    # distinct variables stay distinct from each other and from every constant
    names = ["pi", "π", "e", "i", "True", "False", "None", "nan", "inf", "NaN", "infty", "mathrm"]
    shown = sd.latex(sum((sd.var(n) for n in names), start=x)).split(" + ")
    assert len(set(shown)) == len(shown) and not set(shown) & _CONSTANT_LATEX, shown
    # the command line labels its derivatives with the same names
    from symdiff.__main__ import _label

    assert _label((("e", 2),), "latex") == r"\frac{\partial^{2} f}{\partial \mathrm{e}^{2}}"


def test_a_caret_in_a_name_prints_as_a_caret_and_special_characters_stay_valid():
    # ^ printed as \wedge, which reads as "and": x_1^2 read as x sub 1-and-2
    cases = {
        "x_1^2": r"x_{1\hat{}2}", 'a<b & "c"': r'\mathrm{a<b\ \&\ "c"}',
        "a{b}\\c": r"\mathrm{a\{b\}{\backslash}c}", "a^b": r"\mathrm{a\hat{}b}",
    }
    for name, want in cases.items():
        got = sd.latex(sd.var(name))
        assert got == want, name
        depth = 0  # braces balance, counting neither \{ nor \}
        for part in re.split(r"\\[{}]", got):
            for ch in part:
                depth += {"{": 1, "}": -1}.get(ch, 0)
                assert depth >= 0, name
        assert depth == 0, name


def test_an_apostrophe_in_a_name_prints_as_an_apostrophe_not_a_prime():
    # in math mode ' is a superscript prime: it's printed as it′s, x' as x′ (a derivative's mark)
    assert sd.latex(sd.var("it's")) == r"\mathrm{it\text{'}s}"
    assert sd.latex(sd.var("x'")) == r"\mathrm{x\text{'}}"
    assert sd.latex(sd.var("w_i'")) == r"w_{i\text{'}}"
    assert "'" not in sd.latex(sd.var("it's")).replace(r"\text{'}", "")
