"""Shared test configuration: Hypothesis profiles.

* ``ci`` (default): bounded, so the whole suite stays fast on a 2-core machine;
* ``deep``: 100,000 examples per property, run on demand with
  ``pytest -m property --hypothesis-profile=deep``;
* ``dev``: a quick local loop.

Repository paths, loading a ``tools/`` script and golden-file comparison are in
``tests/_support.py`` (plain names, usable at import time).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    max_examples=100_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci")
