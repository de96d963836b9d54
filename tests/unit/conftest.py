"""Hypothesis profiles for the property tests (test_properties.py).

`default`: 100 examples a test, a few seconds in all. `ci` (chosen when CI is set): the same
number, derandomized, so a CI run is the same run every time and a failure is one anyone
reproduces; new cases are found by the random runs on people's machines, not in CI.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "default")
