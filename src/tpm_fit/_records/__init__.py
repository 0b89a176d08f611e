"""Decision records: an append-only, hash-chained log of recommendations and their reviews.

:class:`DecisionLog` (SQLite) stores :class:`DecisionRecord` and :class:`Review` entries;
:func:`replay` recomputes a recorded decision. See ``docs/records.md``.
"""

from __future__ import annotations

from .anchor import LogHead
from .log import DecisionLog
from .models import (
    ChainProblem,
    ChainReport,
    DecisionLogError,
    DecisionRecord,
    Difference,
    LoggedDecision,
    Replay,
    Review,
    ReviewAction,
)
from .replay import replay

__all__ = [
    "ChainProblem",
    "ChainReport",
    "DecisionLog",
    "DecisionLogError",
    "DecisionRecord",
    "Difference",
    "LogHead",
    "LoggedDecision",
    "Replay",
    "Review",
    "ReviewAction",
    "replay",
]
