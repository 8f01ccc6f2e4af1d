"""The worked examples of docs/derivatives.md ("Testing your own derivatives"), as real tests.

Each example checks a derivative written by hand against the engine with ``check_derivative``
or the plugin's ``derivative_check`` fixture: the softmax Jacobian of the notes (right, and with
004's spurious Σ_j, caught), a NumPy backward pass of a small network (right, and with the
factor 2 of the squared error dropped, caught with its ratio), and a custom op's first and
second derivatives. The page shows these very functions: a last test checks that every Python
block of the page is text of this file, so the page cannot drift from what runs.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from autograd import Value, check_derivative

DOC = Path(__file__).resolve().parent.parent / "docs" / "derivatives.md"

# --- softmax ---------------------------------------------------------------------------------


def softmax(z: Sequence[Value]) -> list[Value]:
    """a_j = e^(z_j) / Σ_k e^(z_k), on Values: the engine differentiates this."""
    e = [zk.exp() for zk in z]
    total = Value.sum(e)
    return [ek / total for ek in e]


def softmax_floats(z: Sequence[float]) -> list[float]:
    m = max(z)  # shifted by the largest z: the same a, and no overflow
    e = [math.exp(zk - m) for zk in z]
    return [ek / math.fsum(e) for ek in e]


def test_the_softmax_jacobian_by_hand() -> None:
    """∂a_j/∂z_i = a_j(δ_ij − a_i), one output a_j at a time (check_derivative checks scalar
    functions: row j of the Jacobian is the gradient of a_j)."""
    for j in range(3):

        def a_j(z0: Value, z1: Value, z2: Value, j: int = j) -> Value:
            return softmax([z0, z1, z2])[j]

        def row_j(z0: float, z1: float, z2: float, j: int = j) -> list[float]:
            a = softmax_floats([z0, z1, z2])
            return [a[j] * ((i == j) - a[i]) for i in range(3)]

        report = check_derivative(a_j, row_j, domain=(-4.0, 4.0))
        assert report.ok, str(report)


def test_the_notes_spurious_sum_in_the_softmax_jacobian_is_caught() -> None:
    """004 writes ∂a_j/∂z_i = Σ_j a_j(δ_ij − a_i): that sum is a_i(1 − Σ_j a_j) = 0."""

    def a_0(z0: Value, z1: Value, z2: Value) -> Value:
        return softmax([z0, z1, z2])[0]

    def row_0_with_the_sum(z0: float, z1: float, z2: float) -> list[float]:
        a = softmax_floats([z0, z1, z2])
        return [math.fsum(a[j] * ((i == j) - a[i]) for j in range(3)) for i in range(3)]

    report = check_derivative(a_0, row_0_with_the_sum, domain=(-4.0, 4.0))
    assert not report.ok
    c = report.counterexample
    assert c is not None
    assert abs(c.got) < 1e-15  # the "Jacobian" is zero up to rounding...
    assert abs(c.expected) > 1e-3  # ...where the engine's is not
    assert "BAD ∂f/∂z0" in str(report)


# --- a NumPy backward pass -------------------------------------------------------------------

X = np.array([0.5, -1.2])
Y = np.array([0.3])
SHAPES = [(3, 2), (3,), (1, 3), (1,)]  # W^(1), b^(1), W^(2), b^(2): a 2-3-1 network
SIZE = sum(int(np.prod(s)) for s in SHAPES)  # 13 parameters


def unpack(params: Sequence[float]) -> list[np.ndarray]:
    arrays, start = [], 0
    for shape in SHAPES:
        n = int(np.prod(shape))
        arrays.append(np.array(params[start : start + n], dtype=float).reshape(shape))
        start += n
    return arrays


def cost_on_values(*params: Value) -> Value:
    """C = Σ_j (a_j^(2) − y_j)² of a tanh hidden layer and a sigmoid output, on Values."""
    w1, b1, w2, b2 = unpack(range(SIZE))  # the indices of each parameter in params
    hidden = [
        Value.weighted_sum([params[int(w1[j, k])] for k in range(2)], list(X), params[int(b1[j])])
        .tanh()
        for j in range(3)
    ]  # fmt: skip
    out = Value.weighted_sum([params[int(w2[0, k])] for k in range(3)], hidden, params[int(b2[0])])
    return (out.sigmoid() - float(Y[0])) ** 2


def numpy_backward(*params: float, factor: float = 2.0) -> np.ndarray:
    """The backward pass in NumPy, in the notes' formulas: δ^(L) = ∇_a C ⊙ σ'(z^(L)),
    δ^(l) = (W^(l+1))ᵀ δ^(l+1) ⊙ g'(z^(l)), ∂C/∂w_jk^(l) = δ_j^(l) a_k^(l−1) and
    ∂C/∂b_j^(l) = δ_j^(l)."""
    w1, b1, w2, b2 = unpack(params)
    z1 = w1 @ X + b1
    a1 = np.tanh(z1)
    z2 = w2 @ a1 + b2
    a2 = 1.0 / (1.0 + np.exp(-z2))
    delta2 = factor * (a2 - Y) * a2 * (1.0 - a2)
    delta1 = (w2.T @ delta2) * (1.0 - a1**2)
    grads = [np.outer(delta1, X), delta1, np.outer(delta2, a1), delta2]
    return np.concatenate([g.ravel() for g in grads])


def test_a_numpy_backward_pass_agrees_with_the_engine(
    derivative_check: Callable[..., object],
) -> None:
    derivative_check(cost_on_values, numpy_backward, domain=[(-2.0, 2.0)] * SIZE, rtol=1e-8)


def test_a_numpy_backward_pass_without_the_factor_2_is_caught() -> None:
    """The derivative of (a − y)² is 2(a − y): drop the 2 and every partial is half the
    engine's, which the report says, with the hint."""

    def forgot_the_2(*params: float) -> np.ndarray:
        return numpy_backward(*params, factor=1.0)

    report = check_derivative(cost_on_values, forgot_the_2, domain=[(-2.0, 2.0)] * SIZE)
    assert not report.ok
    c = report.counterexample
    assert c is not None
    assert c.ratio == pytest.approx(0.5, rel=1e-6)
    assert "missing factor 2" in str(report)


# --- a custom op -----------------------------------------------------------------------------

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: Value) -> Value:
    """GELU's tanh approximation, ½x(1 + tanh(√(2/π)(x + 0.044715x³))), as a new op of yours."""
    return 0.5 * x * (1.0 + (SQRT_2_OVER_PI * (x + 0.044715 * x**3)).tanh())


def d_gelu(x: float) -> float:
    """Its derivative by hand: ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²), t = tanh(u)."""
    t = math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 0.134145 * x**2)


def d2_gelu(x: float) -> float:
    """And its second derivative: u' = √(2/π)(1 + 0.134145x²), u'' = √(2/π)·0.26829x,
    f'' = (1 − t²)u' − x t (1 − t²) u'² + ½x(1 − t²)u''."""
    t = math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3))
    du = SQRT_2_OVER_PI * (1.0 + 0.134145 * x**2)
    d2u = SQRT_2_OVER_PI * 0.26829 * x
    s = 1.0 - t * t
    return s * du - x * t * s * du**2 + 0.5 * x * s * d2u


def test_a_custom_op_s_first_and_second_derivatives(
    derivative_check: Callable[..., object],
) -> None:
    # 1 − t² loses digits where tanh saturates: compare to 1e-12 of the scale, not of 0.
    derivative_check(gelu, d_gelu, domain=(-6.0, 6.0), atol=1e-12)
    derivative_check(gelu, d2_gelu, domain=(-6.0, 6.0), order=2, rtol=1e-8, atol=1e-10)


def test_a_slip_in_the_custom_op_s_derivative_is_shrunk_to_a_small_input() -> None:
    """3·0.044715 written 0.044715 (the chain rule forgot the exponent of x³)."""

    def slipped(x: float) -> float:
        t = math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3))
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 0.044715 * x**2)

    report = check_derivative(gelu, slipped, domain=(-6.0, 6.0))
    c = report.counterexample
    assert c is not None
    assert c.got == slipped(*c.inputs)
    assert c.expected == pytest.approx(d_gelu(*c.inputs), rel=1e-12)
    assert abs(c.inputs[0]) <= 2.0  # shrunk towards 0, where the slip still shows


# --- the page -------------------------------------------------------------------------------


def test_every_block_of_the_page_is_text_of_these_tests() -> None:
    """docs/derivatives.md shows code that runs here, unchanged."""
    page = DOC.read_text(encoding="utf-8")
    source = Path(__file__).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) >= 4
    for block in blocks:
        assert textwrap.dedent(block).strip() in source, block


def test_the_readme_section_runs_and_prints_what_it_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """README.md's "Testing your own derivatives" block: ok on the right df, ratio −1 on the
    sign error (to 6 digits: the closed form and the engine's tanh' round differently)."""
    readme = DOC.parent.parent / "README.md"
    section = readme.read_text(encoding="utf-8").split("## Testing your own derivatives", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    names: dict[str, object] = {}
    exec(compile(code.group(1), "README.md", "exec"), names)
    assert capsys.readouterr().out.split() == ["True", "-1"]
    assert "sign error" in str(names["report"])
