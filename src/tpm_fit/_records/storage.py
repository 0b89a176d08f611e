"""The decision log's file layout: tables, schema version, and the columns kept beside each entry.

Each entry's ``body`` is exactly the canonical JSON that its ``record_hash`` is the sha256 of; the
other columns are copied out of the body for queries, and :mod:`.chain` checks that they agree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .models import DecisionLogError

__all__ = [
    "APPLICATION_ID",
    "COLUMNS",
    "INSERT_ENTRY",
    "SCHEMA",
    "SCHEMA_VERSION",
    "index_columns",
    "load_entry",
    "microseconds",
    "with_hash",
]

#: Version of the file layout; a file with a higher one is refused rather than misread.
SCHEMA_VERSION: Final = 1
#: Stored in the SQLite header (``PRAGMA application_id``) so other tools can tell the file apart.
APPLICATION_ID: Final = 0x54504D46  # "TPMF"

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

SCHEMA: Final = (
    """CREATE TABLE entries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('record', 'review')),
        entry_id TEXT NOT NULL UNIQUE,
        decision_id TEXT NOT NULL,
        at_us INTEGER NOT NULL,
        verdict TEXT,
        body TEXT NOT NULL,
        record_hash TEXT NOT NULL UNIQUE,
        previous_hash TEXT NOT NULL
    )""",
    "CREATE INDEX entries_by_decision ON entries (decision_id, seq)",
    "CREATE INDEX entries_by_time ON entries (kind, at_us)",
    """CREATE TABLE rulebooks (
        fingerprint TEXT PRIMARY KEY,
        toml TEXT NOT NULL
    )""",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # Append-only for every ordinary client; check() still catches anyone who drops these.
    """CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
       BEGIN SELECT RAISE(ABORT, 'decision log entries are append-only'); END""",
    """CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
       BEGIN SELECT RAISE(ABORT, 'decision log entries are append-only'); END""",
    """CREATE TRIGGER rulebooks_append_only_update BEFORE UPDATE ON rulebooks
       BEGIN SELECT RAISE(ABORT, 'stored rulebooks are append-only'); END""",
    """CREATE TRIGGER rulebooks_append_only_delete BEFORE DELETE ON rulebooks
       BEGIN SELECT RAISE(ABORT, 'stored rulebooks are append-only'); END""",
)

#: Columns copied out of each body (and checked against it), in table order.
COLUMNS: Final = ("kind", "entry_id", "decision_id", "at_us", "verdict", "previous_hash")
INSERT_ENTRY: Final = (
    "INSERT INTO entries (kind, entry_id, decision_id, at_us, verdict, body, record_hash, previous_hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def microseconds(moment: datetime) -> int:
    """Microseconds since the Unix epoch: an exact, sortable time column."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def load_entry(text: str, what: str) -> dict[str, Any]:
    """A stored entry's JSON object, or a DecisionLogError saying it is unreadable."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the parser goes
        value = None
    if not isinstance(value, dict):
        raise DecisionLogError(f"{what} is stored as unreadable text; run check() to find every such entry")
    return value


def with_hash(body: str, record_hash: str) -> str:
    """The stored JSON object with its record_hash added back (a JSON object ends with ``}``)."""
    return f'{body[:-1]},"record_hash":{json.dumps(record_hash)}}}'


def index_columns(body: Mapping[str, Any]) -> tuple[str, str, str, int, str | None]:
    """(kind, entry_id, decision_id, at_us, verdict) as stored next to an entry's body."""
    if "review_id" in body:
        return (
            "review",
            str(body["review_id"]),
            str(body["decision_id"]),
            microseconds(_parse_time(str(body["reviewed_at"]))),
            body.get("verdict"),
        )
    recommendation = body.get("recommendation")
    verdict = recommendation.get("verdict") if isinstance(recommendation, Mapping) else None
    return (
        "record",
        str(body["decision_id"]),
        str(body["decision_id"]),
        microseconds(_parse_time(str(body["recorded_at"]))),
        verdict,
    )
