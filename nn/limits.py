"""How big a network and its file may be: the limits every way of building one shares.

``--arch``, ``--hidden`` and ``--model`` are held to the same number of parameters, and a
model file is refused by its size on disk before a byte of it is read.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

#: The largest network the tools will build. Each parameter is a Python object (about 150
#: bytes, and a fraction of a microsecond per training step), so past this a typo such as
#: ``--arch 2,99999999`` would exhaust the machine's memory instead of failing.
MAX_PARAMETERS = 1_000_000
#: The name the command line has always used for it.
CLI_MAX_PARAMETERS = MAX_PARAMETERS

#: The most bytes a saved parameter takes in a model file: its shortest repr (at most 24
#: characters, ``-2.2250738585072014e-308``), its separator, and the brackets and layer entries
#: of the thinnest network (one neuron per layer) spread over its two parameters.
BYTES_PER_PARAMETER = 40
#: Room for the keys and the format line of any model file.
FILE_OVERHEAD_BYTES = 4096


def parameter_count(sizes: Sequence[int]) -> int:
    """Σ_l n_l (n_(l−1) + 1): the weights and biases of an MLP with layer sizes ``sizes``."""
    return sum(n * (m + 1) for m, n in itertools.pairwise(sizes))


def max_file_bytes(limit: int = MAX_PARAMETERS) -> int:
    """The largest model file that can hold a network of at most ``limit`` parameters."""
    return FILE_OVERHEAD_BYTES + BYTES_PER_PARAMETER * limit


def refuse_huge(sizes: Sequence[int], limit: int = MAX_PARAMETERS) -> None:
    """ValueError if an MLP with layer sizes ``sizes`` would have more than ``limit`` parameters."""
    count = parameter_count(sizes)
    if count > limit:
        # A file of a million layers must not make a message of a million numbers.
        shown = ",".join(map(str, sizes[:8]))
        if len(sizes) > 8:
            shown = f"{shown},... ({len(sizes):,} sizes)"
        raise ValueError(
            f"a {shown} network would have {count:,} parameters, more than the {limit:,} a "
            "scalar engine can hold and train in reasonable time and memory"
        )
