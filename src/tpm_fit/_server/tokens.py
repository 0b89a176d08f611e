"""API tokens: roles, and a store that keeps only their hashes.

A token reads ``tpmfit_<id>_<secret>``. The store keeps the id, the token's name and role, and
the sha256 of the secret; the secret itself is shown once, when the token is made, and never
stored. A presented token is found by its id and its secret compared in constant time.

The tokens live in the decision log's SQLite file, in a table of their own (``server_tokens``)
that is not part of the decision hash chain: :meth:`tpm_fit.DecisionLog.check` and
:meth:`~tpm_fit.DecisionLog.export_jsonl` never read it. The same table keeps the secret that
signs session cookies, so that every worker process of one service agrees on it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Final

from .._errors import TpmFitError
from .._records.log import DecisionLog
from .._records.models import OPAQUE_ID_PATTERN

__all__ = ["Role", "TokenError", "TokenInfo", "TokenStore"]

_NAME: Final = re.compile(OPAQUE_ID_PATTERN)
_TOKEN: Final = re.compile(r"^tpmfit_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS server_tokens (
        token_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        secret_sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    )""",
    "CREATE TABLE IF NOT EXISTS server_secrets (purpose TEXT PRIMARY KEY, secret TEXT NOT NULL)",
)


class TokenError(TpmFitError, ValueError):
    """A token cannot be made or revoked as asked (bad name or role, unknown or duplicate name)."""


class Role(StrEnum):
    """What a token may do.

    ``requester``: recommend and write briefs. ``reviewer``: also read decisions and review them.
    ``auditor``: read decisions, check the chain, replay and export; never write.
    """

    REQUESTER = "requester"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """One token as listed: never its secret."""

    token_id: str
    name: str
    role: Role
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        """True until the token is revoked."""
        return self.revoked_at is None


def may_read(who: TokenInfo | None, requested_by: str | None) -> bool:
    """Whether ``who`` may read a decision that ``requested_by`` asked for.

    Reviewers and auditors read every decision; a requester reads only the decisions recorded in
    its own name, so one team's requests are not another's to browse. Without a token store
    (``who`` is None) the service keeps no log, and there is nothing to read.
    """
    return who is None or who.role is not Role.REQUESTER or requested_by == who.name


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        valid = ", ".join(role.value for role in Role)
        raise TokenError(f"role={value!r}: not a role; valid: {valid}") from None


class TokenStore:
    """The ``server_tokens`` table of one decision log file.

    Parameters
    ----------
    path : str or path-like
        The decision log file; created (as an empty decision log) if missing.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path == ":memory:":
            raise TokenError("tokens need a decision log file, not ':memory:'")
        DecisionLog(self.path).close()  # creates the log, or refuses a file that is not one
        with self._connect() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)

    @contextmanager
    def _connect(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise TokenError(f"{self.path}: cannot use the token table ({exc})") from None
        finally:
            conn.close()

    def add(self, *, name: str, role: Role | str) -> str:
        """Make a token and return it: the only time its secret is seen.

        Raises
        ------
        TokenError
            The name is not an opaque id, is taken by an active token, or the role is unknown.
        """
        if not isinstance(name, str) or not _NAME.match(name):
            raise TokenError(
                f"name={name!r}: not an opaque id; valid: letters, digits and ._:/+- only, "
                "at most 128 characters (no spaces and no @: names of systems or ids, not people)"
            )
        chosen = _role(str(role))
        token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self._connect() as conn:
            taken = conn.execute(
                "SELECT 1 FROM server_tokens WHERE name = ? AND revoked_at IS NULL", (name,)
            ).fetchone()
            if taken:
                raise TokenError(f"name={name!r}: an active token already has this name; revoke it first")
            conn.execute(
                "INSERT INTO server_tokens VALUES (?, ?, ?, ?, ?, NULL)",
                (token_id, name, chosen.value, _sha256(secret), datetime.now(UTC).isoformat()),
            )
        return f"tpmfit_{token_id}_{secret}"

    def list(self) -> list[TokenInfo]:
        """Every token, active and revoked, oldest first."""
        with self._connect(write=False) as conn:
            rows = conn.execute(
                "SELECT token_id, name, role, created_at, revoked_at FROM server_tokens ORDER BY created_at"
            ).fetchall()
        return [TokenInfo(row[0], row[1], Role(row[2]), row[3], row[4]) for row in rows]

    def revoke(self, *, name: str) -> int:
        """Revoke the active tokens with this name; returns how many.

        Raises
        ------
        TokenError
            No active token has this name.
        """
        with self._connect() as conn:
            done = conn.execute(
                "UPDATE server_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(), name),
            ).rowcount
        if not done:
            raise TokenError(f"name={name!r}: no active token has this name")
        return int(done)

    def authenticate(self, token: str) -> TokenInfo | None:
        """The active token this text is, or None (malformed, unknown, wrong secret, revoked)."""
        match = _TOKEN.match(token)
        if match is None:
            return None
        found = self.by_id(match.group(1))
        if found is None:
            return None
        info, stored = found
        if not hmac.compare_digest(stored, _sha256(match.group(2))):
            return None
        return info

    def by_id(self, token_id: str) -> tuple[TokenInfo, str] | None:
        """The active token with this id and its secret's hash, or None."""
        with self._connect(write=False) as conn:
            row = conn.execute(
                "SELECT token_id, name, role, created_at, revoked_at, secret_sha256 FROM server_tokens "
                "WHERE token_id = ? AND revoked_at IS NULL",
                (token_id,),
            ).fetchone()
        if row is None:
            return None
        return TokenInfo(row[0], row[1], Role(row[2]), row[3], row[4]), str(row[5])

    def secret(self, purpose: str) -> bytes:
        """A random key kept in the file (made on first use), e.g. for signing session cookies."""
        with self._connect() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO server_secrets VALUES (?, ?)", (purpose, secrets.token_hex(32))
            )
            row = conn.execute("SELECT secret FROM server_secrets WHERE purpose = ?", (purpose,)).fetchone()
        return bytes.fromhex(row[0])
