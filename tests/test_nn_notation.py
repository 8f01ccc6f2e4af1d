"""``nn.notation``: the labels nn writes are the ones viz reads, and the ASCII spelling."""

from __future__ import annotations

import pytest

from nn import notation
from nn.module import MLP
from nn.notation import parse_label, to_ascii


def test_labels_are_read_back_into_their_parts() -> None:
    assert parse_label("w_{2,1}^(3)") == ("w", "2", "1", "3")
    assert parse_label("b_{0}^(1)") == ("b", "0", None, "1")
    assert parse_label("z_{12}^(2)") == ("z", "12", None, "2")
    assert parse_label("a_{3}^(0)") == ("a", "3", None, "0")
    for other in ("w_2,1^(3)", "x_{0}^(1)", "w_{2,1}^3", "a_{1}^(1) ", "C", ""):
        assert parse_label(other) is None


@pytest.mark.parametrize(("l", "j", "k"), [(1, 0, 0), (2, 1, 0), (3, 12, 7)])
def test_what_is_written_is_what_is_read(l: int, j: int, k: int) -> None:
    assert parse_label(notation.weight(l, j, k)) == ("w", str(j), str(k), str(l))
    assert parse_label(notation.bias(l, j)) == ("b", str(j), None, str(l))
    assert parse_label(notation.weighted_sum(l, j)) == ("z", str(j), None, str(l))
    assert parse_label(notation.activation(l, j)) == ("a", str(j), None, str(l))


def test_a_network_labels_its_values_through_the_module() -> None:
    model = MLP(2, [3, 1], seed=0)
    assert model.w(2, 0, 1).label == "w_{0,1}^(2)"  # the notes' notation, written out here
    assert model.b(1, 2).label == "b_{2}^(1)"
    out = model.forward([1.0, -2.0])[0]
    assert (out.label, out.parents[0].label) == ("a_{0}^(2)", "z_{0}^(2)")


def test_ascii_spelling() -> None:
    assert to_ascii("∂C/∂w_{1,0}^(2) = σ'(z_0^(2)) · 2(a − y)") == (
        "dC/dw_{1,0}^(2) = sigma'(z_0^(2)) * 2(a - y)"
    )
    assert to_ascii("Σ_m w δ_m, α → 0, |∂C/∂w|") == "sum_m w delta_m, alpha -> 0, |dC/dw|"
    for symbol, spelled in notation.ASCII_SPELLING.items():
        assert spelled.isascii(), symbol


def test_to_theta_swaps_the_indices_and_names_delta_s() -> None:
    from nn.notation import to_theta

    assert to_theta("∂C/∂w_{2,1}^(3) = a_1^(2) · δ_2^(3)") == "∂C/∂Θ_{1,2}^(3) = a_1^(2) · s_2^(3)"
    assert to_theta("Σ_m w_{m,0}^(2) δ_m^(2)") == "Σ_m Θ_{0,m}^(2) s_m^(2)"
    assert to_theta("∂C/∂w_jk^(l)") == "∂C/∂Θ_kj^(l)"
    assert to_theta("Σ_i a_i^(2)(δ_i0 − a_0^(2))") == "Σ_i a_i^(2)(δ_i0 − a_0^(2))"  # Kronecker
    assert to_theta("δ_{0}^(1)") == "s_{0}^(1)"
    assert to_theta("δ^(2) from the layer above") == "s^(2) from the layer above"
