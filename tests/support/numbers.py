"""How the engine's tests compare a float with its closed form: ``close`` and its tolerances."""

from __future__ import annotations

#: Closed form against engine: about 450 ulps. Engine and closed form round differently, a few
#: ulps per operation; the worst seen in 1000 examples per test (HYPOTHESIS_PROFILE=dev) was
#: under 5e-15 (a third derivative of tanh, three graph levels deep): a factor 20 to spare.
REL = 1e-13
#: Absolute floor, relative to the size of the terms whose difference is the expected value
#: (``scale``): cancellation leaves an error of a few ulps of those terms, not of the result.
ABS = 1e-14


def close(actual: float, expected: float, scale: float = 1.0) -> bool:
    """|actual − expected| <= REL·|expected| + ABS·scale."""
    return abs(actual - expected) <= REL * abs(expected) + ABS * scale
