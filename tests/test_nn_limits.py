"""``nn.limits``: the parameter limit, and a file-size bound that every saved model fits."""

from __future__ import annotations

from pathlib import Path

import pytest

from nn.limits import (
    BYTES_PER_PARAMETER,
    FILE_OVERHEAD_BYTES,
    MAX_PARAMETERS,
    max_file_bytes,
    parameter_count,
    refuse_huge,
)
from nn.module import MLP

#: The longest repr a finite float has (24 characters): what makes a model file biggest.
LONGEST = -2.2250738585072014e-308


def test_the_bound_is_linear_in_the_parameters() -> None:
    assert max_file_bytes(0) == FILE_OVERHEAD_BYTES
    assert max_file_bytes() == FILE_OVERHEAD_BYTES + BYTES_PER_PARAMETER * MAX_PARAMETERS
    assert len(repr(LONGEST)) == 24


@pytest.mark.parametrize(
    "sizes",
    [
        [1] * 60,  # the thinnest network: one neuron per layer, brackets on every weight
        [1, 200, 1],
        [30, 1],
        [2, 3, 2],
    ],
)
def test_every_saved_model_fits_the_bound(tmp_path: Path, sizes: list[int]) -> None:
    model = MLP(sizes[0], sizes[1:], seed=0)
    for p in model.parameters():
        p.data = LONGEST
    path = tmp_path / "m.json"
    model.save(path)
    assert path.stat().st_size <= max_file_bytes(parameter_count(sizes))
    assert MLP.load(path).sizes == sizes  # and it is read back under its own limit


def test_refuse_huge_shows_a_long_architecture_briefly() -> None:
    with pytest.raises(ValueError, match=r"a 1,1,1,1,1,1,1,1,\.\.\. \(1,000,001 sizes\) network"):
        refuse_huge([1] * 1_000_001)
