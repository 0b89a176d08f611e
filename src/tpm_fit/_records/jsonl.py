"""The JSON Lines form of a decision log: what :meth:`DecisionLog.export_jsonl` writes, read back."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Final

from .._engine.recommend import LIBRARY_VERSION
from .models import GENESIS_HASH, DecisionLogError, canonical_json, text_hash
from .storage import INSERT_ENTRY, SCHEMA_VERSION, index_columns

__all__ = ["EXPORT_FORMAT", "import_line"]

#: First line of a JSON Lines export.
EXPORT_FORMAT: Final = "tpm_fit-decision-log"


def _check_header(item: Any, kind: object, where: str) -> None:
    """The first line names the export format and a schema version this tpm_fit reads."""
    if kind != "header" or item.get("format") != EXPORT_FORMAT:
        raise DecisionLogError(f"{where}: not a tpm_fit decision-log export (no header line)")
    version = item.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise DecisionLogError(
            f"{where}: schema_version={version!r} is newer than the {SCHEMA_VERSION} that "
            f"tpm_fit {LIBRARY_VERSION} reads; upgrade tpm_fit"
        )


def _insert_rulebook(conn: sqlite3.Connection, item: dict[str, Any], where: str) -> None:
    fingerprint, text = item.get("fingerprint"), item.get("toml")
    if not (isinstance(fingerprint, str) and isinstance(text, str)):
        raise DecisionLogError(f"{where}: a rulebook line needs string fingerprint and toml")
    conn.execute("INSERT INTO rulebooks (fingerprint, toml) VALUES (?, ?)", (fingerprint, text))


def _insert_entry(conn: sqlite3.Connection, kind: str, body: Any, where: str, previous: str) -> str:
    """Check a record or review against its hash and the chain head, insert it, return its hash."""
    try:
        columns = index_columns(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DecisionLogError(f"{where}: the {kind} entry is incomplete ({exc})") from None
    if columns[0] != kind:
        raise DecisionLogError(f"{where}: kind={kind!r} but the entry is a {columns[0]}")
    text = canonical_json({key: value for key, value in body.items() if key != "record_hash"})
    if text_hash(text) != body.get("record_hash"):
        raise DecisionLogError(f"{where}: {kind} {columns[1]}: record_hash does not match its content")
    if body.get("previous_hash") != previous:
        raise DecisionLogError(
            f"{where}: {kind} {columns[1]}: previous_hash does not link to the entry before"
        )
    conn.execute(INSERT_ENTRY, (*columns, text, body["record_hash"], previous))
    return str(body["record_hash"])


def import_line(conn: sqlite3.Connection, line: str, where: str, previous: str | None) -> str:
    """Check and insert one line of an export; returns the chain head after it."""
    try:
        item = json.loads(line)
    except ValueError as exc:
        raise DecisionLogError(f"{where}: not JSON ({exc})") from None
    kind = item.get("kind") if isinstance(item, dict) else None
    if previous is None:
        _check_header(item, kind, where)
        return GENESIS_HASH
    if kind == "rulebook":
        _insert_rulebook(conn, item, where)
        return previous
    if kind not in ("record", "review"):
        raise DecisionLogError(f"{where}: kind={kind!r} is not header, rulebook, record or review")
    return _insert_entry(conn, kind, item.get("entry"), where, previous)
