"""Shared pytest setup: the Hypothesis profiles.

``ci`` (the default, used by ``make test``) runs few examples so the whole suite stays within a
couple of minutes on two cores; ``dev`` runs many more, for a thorough local check:

    HYPOTHESIS_PROFILE=dev .venv/bin/python -m pytest
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
