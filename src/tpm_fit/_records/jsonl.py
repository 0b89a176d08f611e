"""The JSON Lines form of a decision log: what :meth:`DecisionLog.export_jsonl` writes, read back."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from typing import IO, Any, Final

import numpy as np

from .._engine.recommend import LIBRARY_VERSION
from .._errors import short
from .chain import readback_problem
from .models import GENESIS_HASH, DecisionLogError, canonical_json, text_hash
from .storage import INSERT_ENTRY, SCHEMA_VERSION, index_columns

__all__ = [
    "EXPORT_FORMAT",
    "MAX_JSON_DEPTH",
    "MAX_LINE_CHARACTERS",
    "bounded_lines",
    "import_line",
    "open_export",
]

#: First line of a JSON Lines export.
EXPORT_FORMAT: Final = "tpm_fit-decision-log"
#: Longest line read: a stored rulebook (at most 1 MiB of TOML) escaped as JSON takes at most
#: about 2.1 MiB (every character escaped), a record some 20 KB.
MAX_LINE_CHARACTERS: Final = 4 << 20
#: Deepest nesting of arrays and objects in a line (a record needs about 10).
MAX_JSON_DEPTH: Final = 64

_STRING: Final = re.compile(r'"(?:[^"\\]|\\.)*+"', re.DOTALL)
_DEPTH_STEP: Final = np.zeros(256, dtype=np.int8)
_DEPTH_STEP[[ord("["), ord("{")]] = 1
_DEPTH_STEP[[ord("]"), ord("}")]] = -1


def open_export(path: str | os.PathLike[str]) -> IO[str]:
    """An export file opened for reading; a FIFO, device or directory is refused, never waited on."""
    name = short(os.fspath(path))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError) as exc:
        raise DecisionLogError(
            f"source={name}: cannot open ({getattr(exc, 'strerror', None) or exc})"
        ) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DecisionLogError(
            f"source={name}: not a regular file (a FIFO, device or directory); valid: an export "
            "file, or '-' for standard input"
        )
    os.set_blocking(fd, True)
    return os.fdopen(fd, encoding="utf-8", newline="\n")


def bounded_lines(stream: IO[str], name: str) -> Iterator[str]:
    """The stream's lines, each refused when longer than MAX_LINE_CHARACTERS (before it is kept whole)."""
    number = 0
    while True:
        try:
            line = stream.readline(MAX_LINE_CHARACTERS + 1)
        except UnicodeDecodeError as exc:
            raise DecisionLogError(f"{name} line {number + 1}: not UTF-8 text ({exc.reason})") from None
        except (OSError, ValueError) as exc:  # a closed stream
            raise DecisionLogError(f"{name}: cannot read ({exc})") from None
        number += 1
        if not line:
            return
        if len(line) > MAX_LINE_CHARACTERS:
            raise DecisionLogError(
                f"{name} line {number}: longer than {MAX_LINE_CHARACTERS:,} characters; valid: lines "
                "as export_jsonl() writes them"
            )
        yield line


def _check_nesting(line: str, where: str) -> None:
    """Refuse a line nested deeper than MAX_JSON_DEPTH before the (recursive) JSON parser sees it."""
    if line.count("[") + line.count("{") <= MAX_JSON_DEPTH:
        return
    skeleton = _STRING.sub("", line).encode("utf-8", "surrogatepass")
    steps = _DEPTH_STEP[np.frombuffer(skeleton, dtype=np.uint8)]
    if steps.size and int(np.cumsum(steps, dtype=np.int32).max()) > MAX_JSON_DEPTH:
        raise DecisionLogError(
            f"{where}: arrays or objects nested more than {MAX_JSON_DEPTH} deep; valid: lines as "
            "export_jsonl() writes them"
        )


def _check_header(item: Any, kind: object, where: str) -> None:
    """The first line names the export format and a schema version this tpm_fit reads."""
    if kind != "header" or item.get("format") != EXPORT_FORMAT:
        raise DecisionLogError(f"{where}: not a tpm_fit decision-log export (no header line)")
    version = item.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DecisionLogError(
            f"{where}: schema_version={short(version)}: not a schema version; valid: a whole number "
            f"from 1 to {SCHEMA_VERSION}"
        )
    if version > SCHEMA_VERSION:
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
    if not isinstance(body, dict):
        raise DecisionLogError(f"{where}: the {kind} entry is not a JSON object")
    try:
        columns = index_columns(body)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise DecisionLogError(f"{where}: the {kind} entry is incomplete ({exc})") from None
    version = body.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DecisionLogError(
            f"{where}: {kind} schema_version={short(version)}: not a schema version; "
            "valid: a whole number from 1"
        )
    if columns[0] != kind:
        raise DecisionLogError(f"{where}: kind={kind!r} but the entry is a {columns[0]}")
    text = canonical_json({key: value for key, value in body.items() if key != "record_hash"})
    if text_hash(text) != body.get("record_hash"):
        raise DecisionLogError(f"{where}: {kind} {columns[1]}: record_hash does not match its content")
    if body.get("previous_hash") != previous:
        raise DecisionLogError(
            f"{where}: {kind} {columns[1]}: previous_hash does not link to the entry before"
        )
    problem = readback_problem(kind, text, str(body["record_hash"]))
    if problem is not None:  # the same models as record() and review(): only what reads back
        raise DecisionLogError(f"{where}: {kind} {short(columns[1])}: {problem}")
    conn.execute(INSERT_ENTRY, (*columns, text, body["record_hash"], previous))
    return str(body["record_hash"])


def import_line(conn: sqlite3.Connection, line: str, where: str, previous: str | None) -> str:
    """Check and insert one line of an export; returns the chain head after it."""
    _check_nesting(line, where)
    try:
        item = json.loads(line)
    except (ValueError, RecursionError) as exc:
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
