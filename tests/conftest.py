"""Shared pytest setup: the Hypothesis profiles, and one summary line for the browser skips.

``ci`` (the default, used by ``make test``) runs few examples so the whole suite stays within a
couple of minutes on two cores; ``dev`` runs many more, for a thorough local check:

    HYPOTHESIS_PROFILE=dev .venv/bin/python -m pytest
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.support.browser import fold_skip

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Without Chromium, the browser tests' skips make one line of the summary, not one each."""
    outcome = yield
    fold_skip(outcome.get_result())
