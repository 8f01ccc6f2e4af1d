"""The notes' names of a network's values, written and read in one place.

nn labels its Values ``w_{j,k}^(l)``, ``b_{j}^(l)``, ``z_{j}^(l)`` and ``a_{j}^(l)``
(docs/notation.md); viz reads those labels back to typeset them. Both go through this module,
so that the label format lives in one pattern and four small functions. ``to_ascii`` spells
the notes' symbols in ASCII for a terminal that cannot show them.

>>> weight(2, 1, 0), bias(1, 2), parse_label("w_{1,0}^(2)")
('w_{1,0}^(2)', 'b_{2}^(1)', NotesLabel(letter='w', j='1', k='0', layer='2'))
>>> to_ascii("∂C/∂w_{1,0}^(2) = σ'(z)")
"dC/dw_{1,0}^(2) = sigma'(z)"
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The labels below, exactly as they are written: letter, j, optional k, layer l.
LABEL_PATTERN = re.compile(r"^(w|b|z|a)_\{(\d+)(?:,(\d+))?\}\^\((\d+)\)$")


def weight(l: int, j: int, k: int) -> str:
    """w_jk^(l): the weight into neuron j of layer l from neuron k of layer l − 1."""
    return f"w_{{{j},{k}}}^({l})"


def bias(l: int, j: int) -> str:
    """b_j^(l): the bias of neuron j of layer l."""
    return f"b_{{{j}}}^({l})"


def weighted_sum(l: int, j: int) -> str:
    """z_j^(l): the weighted input of neuron j of layer l."""
    return f"z_{{{j}}}^({l})"


def activation(l: int, j: int) -> str:
    """a_j^(l): the activation of neuron j of layer l (layer 0: the inputs)."""
    return f"a_{{{j}}}^({l})"


class NotesLabel(NamedTuple):
    """A label in the notes' notation, split up: ``w_{2,1}^(3)`` is ("w", "2", "1", "3")."""

    letter: str
    j: str
    k: str | None
    layer: str


def parse_label(label: str) -> NotesLabel | None:
    """The parts of a label written by the functions above, or None for any other label."""
    m = LABEL_PATTERN.match(label)
    if m is None:
        return None
    letter, j, k, layer = m.groups()
    return NotesLabel(letter, j, k, layer)


#: The notes' symbols as they are spelled in ASCII (``dC/dw``, ``sigma'``).
ASCII_SPELLING: dict[str, str] = {
    "∂": "d",
    "σ": "sigma",
    "Σ": "sum",
    "δ": "delta",
    "α": "alpha",
    "θ": "theta",
    "η": "eta",
    "·": "*",
    "×": "x",
    "−": "-",
    "–": "-",
    "—": "-",
    "→": "->",
    "←": "<-",
    "≈": "~",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "√": "sqrt",
    "²": "^2",
    "ᵀ": "^T",
    "⊙": "(*)",
    "…": "...",
    "’": "'",
    "“": '"',
    "”": '"',
    "₀": "0",
    "₁": "1",
    "₂": "2",
}
_SPELLING = str.maketrans(ASCII_SPELLING)


def to_ascii(text: str) -> str:
    """``text`` with each symbol of ``ASCII_SPELLING`` spelled in ASCII; the rest unchanged."""
    return text.translate(_SPELLING)


#: The index conventions: the notes' w_jk^(l), or note 002's Θ_kj^(l) (the same number).
CONVENTIONS = ("w", "theta")

_W_BRACED = re.compile(r"w_\{([^,{}]+),([^{}]+)\}")
_W_BARE = re.compile(r"w_([a-z0-9])([a-z0-9])\^")
_DELTA = re.compile(r"δ_(\{[^{}]*\}|[a-z0-9]+)\^")


def to_theta(text: str) -> str:
    """``text`` in note 002's convention: w_{j,k}^(l) as Θ_{k,j}^(l), δ_j^(l) as s_j^(l).

    002 writes the weight into neuron j of layer l from neuron k as Θ_kj^(l), indices swapped
    (docs/notation.md), and the error δ as s. A Kronecker δ_ij (no ^ after it) is left alone.
    """
    text = _W_BRACED.sub(lambda m: f"Θ_{{{m[2]},{m[1]}}}", text)
    text = _W_BARE.sub(lambda m: f"Θ_{m[2]}{m[1]}^", text)
    return _DELTA.sub(lambda m: f"s_{m[1]}^", text).replace("δ^(", "s^(")
