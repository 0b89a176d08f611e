"""How much the quick run does versus CI: the full count under CI=true, a few in the quick run.

The quick run (``python -m pytest``) checks every property, on fewer examples where each example
is itself expensive (a whole verification, a 70,000-row frame). ``CI=true`` (``bash .ci/run``)
gives them their full count. Tests import this module as ``budget`` (the tests folder is on the
path).
"""

from __future__ import annotations

import os

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def examples(quick: int, cap: int | None = None) -> int:
    """Examples for a costly hypothesis property: the loaded profile's (at most ``cap``) under CI,
    and at most ``quick`` otherwise."""
    from hypothesis import settings

    full = settings().max_examples if cap is None else min(settings().max_examples, cap)
    return full if CI else min(full, quick)


def scale(quick: int, full: int) -> int:
    """A size for the quick run and one for CI (e.g. records written by each process)."""
    return full if CI else quick
