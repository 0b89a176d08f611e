"""Shared test configuration: hypothesis profiles and the quick default run.

``python -m pytest`` is the quick run (minutes): the ``dev`` hypothesis profile, and tests marked
``slow`` (end-to-end runs of scripts, the notebook, processes and threads at scale, exhaustive
variants of properties the quick run checks on smaller inputs) left out. ``CI=true`` (what
``bash .ci/run`` sets) runs everything with the thorough ``ci`` profile; ``-m slow`` runs only the
slow tests, and any ``-m`` expression selects as usual.
"""

from __future__ import annotations

import os

import pytest

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

try:  # hypothesis is an extra (tpm-fit[testing]): the core tests run without it
    from hypothesis import HealthCheck, settings
except ImportError:
    pass
else:
    settings.register_profile("dev", max_examples=25, deadline=None)
    settings.register_profile(
        "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    # tools/mutate.py: the same examples every run, so a mutant's result does not depend on luck.
    settings.register_profile("mutate", max_examples=20, deadline=None, derandomize=True, database=None)
    # CI sets CI=true; HYPOTHESIS_PROFILE overrides either way.
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if CI else "dev"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the ``slow`` tests out of the quick run (not under CI, not when ``-m`` is given)."""
    if CI or config.getoption("markexpr", ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]
