"""Shared test configuration: hypothesis profiles (``dev`` fast, ``ci`` thorough)."""

from __future__ import annotations

import os

try:  # hypothesis is an extra (tpm-fit[testing]): the core tests run without it
    from hypothesis import HealthCheck, settings
except ImportError:
    pass
else:
    settings.register_profile("dev", max_examples=60, deadline=None)
    settings.register_profile(
        "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    # CI sets CI=true; HYPOTHESIS_PROFILE overrides either way.
    _default = "ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev"
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))
