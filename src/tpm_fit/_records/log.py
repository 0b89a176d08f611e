"""The SQLite-backed decision log: append-only, hash-chained, replayable from the file alone."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import IO, Any, Final, Self, TypeVar

import numpy as np
from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .._engine.recommend import LIBRARY_VERSION
from .._errors import RulebookError, TpmFitError, short
from .._model.loading import shown_path
from .._model.result import Recommendation, Verdict
from .._model.rulebook import Rulebook
from .._model.suggest import did_you_mean
from .anchor import LogHead
from .chain import ChainChecker
from .jsonl import EXPORT_FORMAT, bounded_lines, import_line, open_export
from .models import (
    GENESIS_HASH,
    RECORD_SCHEMA_VERSION,
    ChainReport,
    DecisionLogError,
    DecisionRecord,
    LoggedDecision,
    Replay,
    Review,
    ReviewAction,
    canonical_json,
    text_hash,
)
from .replay import replay_raw
from .storage import APPLICATION_ID, INSERT_ENTRY, SCHEMA, SCHEMA_VERSION, load_entry, microseconds, with_hash

__all__ = ["SCHEMA_VERSION", "DecisionLog"]

_Entry = TypeVar("_Entry", DecisionRecord, Review)
_PAGE: Final = 500


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _as_uuid(value: uuid.UUID | str, name: str = "decision_id") -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise DecisionLogError(
            f"{name}={short(value)}: not a UUID; valid: a decision id such as "
            "1b4e28ba-2fa1-11d2-883f-0016d3cca427 (see `tpm-fit log list`)"
        ) from None


#: Longest wait for another writer accepted (one day); SQLite takes the timeout in milliseconds.
MAX_TIMEOUT: Final = 86_400.0


def _checked_timeout(timeout: object) -> float:
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float | np.integer | np.floating)
        or not 0 <= float(timeout) <= MAX_TIMEOUT
    ):
        raise DecisionLogError(
            f"timeout={short(timeout)}: not a number of seconds in range; "
            f"valid: from 0 to {MAX_TIMEOUT:,.0f} (a day)"
        )
    return float(timeout)


def _checked_path(path: object) -> str:
    if not isinstance(path, str | os.PathLike):
        raise DecisionLogError(f"path={short(path)}: not a path; valid: a file path or ':memory:'")
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip() or "\0" in text:
        raise DecisionLogError(
            f"path={short(text)}: not a usable file path; valid: a file path or ':memory:'"
        )
    return text


def _usable_log_file(path: str, *, must_exist: bool) -> None:
    """A log file is a regular file; opened for reading, it must exist and hold something.

    A read never creates a log, and a FIFO or device is refused before SQLite would block on it.
    """
    name = shown_path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not must_exist:
            return
        raise DecisionLogError(f"{name}: no decision log there (the file does not exist)") from None
    except OSError as exc:
        raise DecisionLogError(f"{name}: cannot open the decision log ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise DecisionLogError(f"{name}: not a regular file; valid: a decision log file")
    if info.st_size == 0 and must_exist:
        raise DecisionLogError(
            f"{name}: the file is empty (0 bytes), not a decision log: it was truncated or never "
            "written; restore it from a backup or an export"
        )


#: Error types whose message is already ``field=value: what is wrong; what is valid``.
_OWN_GRAMMAR: Final = frozenset({"opaque_id", "text", "label_key", "labels", "label", "time"})


def _validated(model: type[_Entry], data: dict[str, Any]) -> _Entry:
    """``model.model_validate(data)``, its errors restated in the one grammar (no pydantic wording)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details: list[InitErrorDetails] = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] not in _OWN_GRAMMAR and loc:  # a whole-model error is worded already
                field = str(loc[-1])
                value = "" if error["type"] == "missing" else f"={short(error.get('input'))}"
                message = f"{field}{value}: {message[:1].lower()}{message[1:]}"
            custom = PydanticCustomError(str(error["type"]), "{message}", {"message": message})
            details.append({"type": custom, "loc": loc, "input": error.get("input")})
        raise ValidationError.from_exception_data(model.__name__, details) from None


def _has_content(path: str | os.PathLike[str]) -> bool:
    """Whether a path names a file with something in it (an import must not delete such a file)."""
    try:
        return os.fspath(path) == ":memory:" or os.path.getsize(path) > 0
    except (OSError, TypeError, ValueError):
        return False


def _remove_log_files(path: str | os.PathLike[str]) -> None:
    """Remove a log file this process just created, with SQLite's journal files."""
    with contextlib.suppress(OSError, TypeError, ValueError):
        text = os.fspath(path)
        if text != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(text + suffix)


def _record_filters(
    *, since: datetime | None, until: datetime | None, verdict: Verdict | str | None, reviewed: bool | None
) -> tuple[list[str], list[Any]]:
    """SQL clauses and their parameters for :meth:`DecisionLog.records` (after the page cursor)."""
    clauses = ["e.kind = 'record'", "e.seq > ?"]
    params: list[Any] = []
    for name, bound, op in (("since", since, ">="), ("until", until, "<")):
        if bound is not None:
            if not isinstance(bound, datetime) or bound.utcoffset() is None:
                raise DecisionLogError(
                    f"{name}={short(bound)}: not a timezone-aware datetime; valid: e.g. "
                    "datetime(2026, 1, 31, tzinfo=UTC)"
                )
            clauses.append(f"e.at_us {op} ?")
            params.append(microseconds(bound))
    if verdict is not None:
        try:
            clauses.append("e.verdict = ?")
            params.append(Verdict(verdict).value)
        except ValueError:
            names = [v.value for v in Verdict]
            raise DecisionLogError(
                f"verdict={short(verdict)}: not a verdict; "
                f"valid: {', '.join(names)}{did_you_mean(verdict, names)}"
            ) from None
    if reviewed is not None:
        exists = "EXISTS (SELECT 1 FROM entries r WHERE r.kind = 'review' AND r.decision_id = e.entry_id)"
        clauses.append(exists if reviewed else f"NOT {exists}")
    return clauses, params


class DecisionLog:
    """An append-only, tamper-evident log of decisions and their reviews, in one SQLite file.

    Every record and review is one entry of a single hash chain, in the order it was appended;
    each distinct rulebook's canonical TOML is stored once, by fingerprint, so that any decision
    can be replayed from the file alone. The file uses WAL mode and a busy timeout, and appends
    take the write lock first (``BEGIN IMMEDIATE``), so concurrent threads and processes never
    fork the chain. See ``docs/records.md``.

    Parameters
    ----------
    path : str or path-like
        The SQLite file (created if missing and ``create`` is true), or ``":memory:"``.
    clock : callable, optional
        Returns the current time as a timezone-aware ``datetime``; defaults to the system clock
        in UTC. Inject one in tests.
    create : bool, default True
        Create the file if it does not exist. With False a missing file is an error.
    timeout : float, default 30.0
        Seconds to wait for another writer to finish before giving up.
    durable : bool, default True
        Flush every append to disk before returning (``PRAGMA synchronous=FULL``). False keeps
        appends safe from a crash of the program but not from power loss (``NORMAL``), and is
        faster.

    Raises
    ------
    DecisionLogError
        The file is missing (with ``create=False``), is not a tpm_fit decision log, or was written
        by a newer schema version.

    Examples
    --------
    >>> import tpm_fit
    >>> result = tpm_fit.recommend(company_size=40, product_complexity="high")
    >>> with tpm_fit.DecisionLog(":memory:") as log:
    ...     record = log.record(result, requested_by="hr:4711", labels={"team": "payments"})
    ...     log.check().ok
    True
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        create: bool = True,
        timeout: float = 30.0,
        durable: bool = True,
    ) -> None:
        self.path = _checked_path(path)
        self._clock = clock or _utc_now
        self._lock = threading.RLock()
        self._known_rulebooks: set[str] = set()
        self._parsed_rulebooks: dict[str, Rulebook] = {}
        self._create = create
        if self.path != ":memory:":
            _usable_log_file(self.path, must_exist=not create)
        self._timeout = _checked_timeout(timeout)
        try:
            self._conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise DecisionLogError(f"{self.path}: cannot open the decision log ({exc})") from None
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
            self._open_schema()
        except sqlite3.Error as exc:
            self._conn.close()
            raise DecisionLogError(f"{self.path}: cannot use this file as a decision log ({exc})") from None
        except TpmFitError:
            self._conn.close()
            raise

    # -- opening ------------------------------------------------------------------------

    def _wal_mode(self) -> None:
        """Switch a new file to WAL mode. SQLite may answer "database is locked" at once, without
        waiting for the busy timeout, while other processes open the same new file: retry until
        the timeout, with a short pause."""
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)

    def _pragma(self, name: str) -> int:
        value = self._conn.execute(f"PRAGMA {name}").fetchone()[0]
        return int(value)

    def _open_schema(self) -> None:
        version = self._pragma("user_version")
        if version == 0 and not self._create and self.path != ":memory:":
            raise DecisionLogError(
                f"{shown_path(self.path)}: not a decision log (an empty or foreign SQLite file); "
                "valid: a log written by tpm_fit (a read never creates one)"
            )
        if version == 0:
            if self.path != ":memory:":
                self._wal_mode()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                version = self._pragma("user_version")  # another process may have won the race
                if version == 0:
                    if self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                        raise DecisionLogError(
                            f"{self.path} is a SQLite database but not a tpm_fit decision log "
                            "(it has tables and no decision-log schema version); use another file"
                        )
                    for statement in SCHEMA:
                        self._conn.execute(statement)
                    self._conn.execute(
                        "INSERT INTO meta (key, value) VALUES ('created_by', ?)",
                        (f"tpm_fit {LIBRARY_VERSION}",),
                    )
                    self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    version = SCHEMA_VERSION
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        if self._pragma("application_id") != APPLICATION_ID:
            raise DecisionLogError(
                f"{self.path} is not a tpm_fit decision log (SQLite application_id is "
                f"{self._pragma('application_id'):#x}, expected {APPLICATION_ID:#x})"
            )
        if version > SCHEMA_VERSION:
            raise DecisionLogError(
                f"{self.path} has decision-log schema version {version}, newer than the "
                f"{SCHEMA_VERSION} that tpm_fit {LIBRARY_VERSION} reads; upgrade tpm_fit to open it"
            )
        if version < 1:
            raise DecisionLogError(f"{self.path} has an invalid decision-log schema version {version}")

    # -- context management -------------------------------------------------------------

    def close(self) -> None:
        """Close the file. The log cannot be used afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DecisionLog({self.path!r})"

    def __len__(self) -> int:
        """The number of decisions recorded (reviews not counted)."""
        with self._lock, self._sqlite_errors():
            row = self._conn.execute("SELECT count(*) FROM entries WHERE kind = 'record'").fetchone()
        return int(row[0])

    # -- plumbing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _sqlite_errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise DecisionLogError(f"{self.path}: {exc}") from None

    @contextlib.contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        with self._lock, self._sqlite_errors():
            self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._known_rulebooks.clear()  # a rulebook stored in this transaction is gone
                raise
            self._conn.execute("COMMIT")

    def _now(self) -> datetime:
        moment = self._clock()
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise DecisionLogError(f"clock returned {moment!r}; it must return a timezone-aware datetime")
        return moment.astimezone(UTC)

    @staticmethod
    def _head(conn: sqlite3.Connection) -> str:
        row = conn.execute("SELECT record_hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        return str(row[0]) if row else GENESIS_HASH

    def _store_rulebook(
        self, conn: sqlite3.Connection, result: Recommendation, rulebook: Rulebook | None
    ) -> None:
        fingerprint = result.rulebook_fingerprint
        if rulebook is not None and rulebook.fingerprint != fingerprint:
            raise DecisionLogError(
                f"rulebook has fingerprint {rulebook.fingerprint}, but the recommendation was made "
                f"with {fingerprint}; pass the rulebook that made it"
            )
        if fingerprint in self._known_rulebooks:
            return
        if conn.execute("SELECT 1 FROM rulebooks WHERE fingerprint = ?", (fingerprint,)).fetchone() is None:
            try:
                book = rulebook if rulebook is not None else result.used_rulebook()
            except TpmFitError as exc:
                raise DecisionLogError(
                    f"cannot store the rulebook of this recommendation ({exc}); pass rulebook=... to record()"
                ) from None
            text = book.to_toml()
            if Rulebook.from_toml(text).fingerprint != fingerprint:  # pragma: no cover - to_toml contract
                raise DecisionLogError(f"rulebook {fingerprint} does not read back from its TOML unchanged")
            conn.execute(
                "INSERT OR IGNORE INTO rulebooks (fingerprint, toml) VALUES (?, ?)", (fingerprint, text)
            )
        self._known_rulebooks.add(fingerprint)

    # -- appending ----------------------------------------------------------------------

    def record(
        self,
        result: Recommendation,
        *,
        rulebook: Rulebook | None = None,
        requested_by: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> DecisionRecord:
        """Append a recommendation to the log as a new decision.

        Parameters
        ----------
        result : Recommendation
            What :func:`tpm_fit.recommend` returned.
        rulebook : Rulebook, optional
            The rulebook that made ``result``. Needed only the first time a custom rulebook is
            recorded in this log and when it is no longer the most recently used one; its TOML is
            stored once, by fingerprint.
        requested_by : str, optional
            An opaque id of whoever asked, from your own system (not a name or an e-mail address).
        labels : mapping of str to str, optional
            Your own tags: at most 32 keys (lower-case, e.g. ``"team"``), values of at most 256
            characters.

        Returns
        -------
        DecisionRecord
            The record as stored, with its ``decision_id``, ``record_hash`` and ``previous_hash``.

        Raises
        ------
        pydantic.ValidationError
            ``requested_by`` or ``labels`` break their bounds.
        DecisionLogError
            The rulebook cannot be found or does not match the result, or the file is locked for
            longer than the timeout.
        """
        if not isinstance(result, Recommendation):
            raise TypeError(f"result={short(result)}: a {type(result).__name__}; valid: a Recommendation")
        decision_id = uuid.uuid4()
        with self._transaction(write=True) as conn:
            self._store_rulebook(conn, result, rulebook)
            previous = self._head(conn)
            now = self._now()
            draft = _validated(
                DecisionRecord,
                {
                    "schema_version": RECORD_SCHEMA_VERSION,
                    "decision_id": decision_id,
                    "recorded_at": now,
                    "recommendation": result,
                    "rulebook_fingerprint": result.rulebook_fingerprint,
                    "library_version": LIBRARY_VERSION,
                    "requested_by": requested_by,
                    "labels": dict(labels or {}),
                    "record_hash": GENESIS_HASH,
                    "previous_hash": previous,
                },
            )
            # The stored text is exactly the canonical JSON that record_hash is the sha256 of.
            text = draft.stored_text()
            record = draft.model_copy(update={"record_hash": text_hash(text)})
            conn.execute(
                INSERT_ENTRY,
                (
                    "record",
                    str(decision_id),
                    str(decision_id),
                    microseconds(now),
                    result.verdict.value,
                    text,
                    record.record_hash,
                    previous,
                ),
            )
        return record

    def review(
        self,
        decision_id: uuid.UUID | str,
        *,
        reviewer: str,
        action: ReviewAction | str,
        verdict: Verdict | str | None = None,
        reason: str | None = None,
    ) -> Review:
        """Append a person's review of a recorded decision.

        Parameters
        ----------
        decision_id : UUID or str
            A decision recorded in this log.
        reviewer : str
            An opaque id of the reviewer from your own system.
        action : {"accept", "override"}
            Accept the recommendation, or override its verdict.
        verdict : {"technical", "traditional", "either"}, optional
            For an override: the verdict chosen instead; it must differ from the recommended one.
        reason : str, optional
            Why. Required (not blank) for an override.

        Returns
        -------
        Review
            The review as stored. The latest review of a decision is the one in force.

        Raises
        ------
        pydantic.ValidationError
            An override without a verdict or a reason, an accept with a verdict, a bad reviewer id.
        DecisionLogError
            The decision is not in this log, or the override repeats the recommended verdict.
        """
        did = _as_uuid(decision_id)
        with self._transaction(write=True) as conn:
            row = conn.execute(
                "SELECT verdict FROM entries WHERE kind = 'record' AND entry_id = ?", (str(did),)
            ).fetchone()
            if row is None:
                raise DecisionLogError(f"decision_id={str(did)!r} is not in the log {self.path}")
            previous = self._head(conn)
            draft = _validated(
                Review,
                {
                    "review_id": uuid.uuid4(),
                    "decision_id": did,
                    "reviewer": reviewer,
                    "action": action,
                    "verdict": verdict,
                    "reason": reason,
                    "reviewed_at": self._now(),
                    "record_hash": GENESIS_HASH,
                    "previous_hash": previous,
                },
            )
            if draft.verdict is not None and draft.verdict.value == row[0]:
                others = ", ".join(v.value for v in Verdict if v.value != row[0])
                raise DecisionLogError(
                    f"verdict={draft.verdict.value!r} is what decision {did} already recommends; an "
                    f"override must choose another verdict ({others}), or use action='accept'"
                )
            text = draft.stored_text()
            review = draft.model_copy(update={"record_hash": text_hash(text)})
            conn.execute(
                INSERT_ENTRY,
                (
                    "review",
                    str(review.review_id),
                    str(did),
                    microseconds(review.reviewed_at),
                    None if review.verdict is None else review.verdict.value,
                    text,
                    review.record_hash,
                    previous,
                ),
            )
        return review

    # -- reading ------------------------------------------------------------------------

    def _parse_record(self, body: str, record_hash: str) -> DecisionRecord:
        return self._parse(DecisionRecord, body, record_hash)

    def _parse(self, model: type[_Entry], body: str, record_hash: str) -> _Entry:
        try:
            return model.model_validate_json(with_hash(body, record_hash))
        except ValueError as exc:
            # An older format (Recommendation changed since), or an edited entry: check() tells which.
            first = str(exc).splitlines()[0]
            raise DecisionLogError(
                f"{self.path}: a stored entry cannot be read as a {model.__name__} by tpm_fit "
                f"{LIBRARY_VERSION} ({first}); run check() to see whether it was edited. "
                "export_jsonl(), check() and replay() work on entries of older formats"
            ) from None

    def get(self, decision_id: uuid.UUID | str) -> LoggedDecision:
        """The record of a decision and all its reviews, oldest first.

        Raises
        ------
        DecisionLogError
            The id is not a UUID or is not in this log.
        """
        did = _as_uuid(decision_id)
        with self._transaction(write=False) as conn:
            rows = conn.execute(
                "SELECT kind, body, record_hash FROM entries WHERE decision_id = ? ORDER BY seq", (str(did),)
            ).fetchall()
        record = next((row for row in rows if row[0] == "record"), None)
        if record is None:
            raise DecisionLogError(f"decision_id={str(did)!r} is not in the log {self.path}")
        reviews = tuple(self._parse(Review, body, hash_) for kind, body, hash_ in rows if kind == "review")
        return LoggedDecision(record=self._parse_record(record[1], record[2]), reviews=reviews)

    def records(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        verdict: Verdict | str | None = None,
        reviewed: bool | None = None,
    ) -> Iterator[DecisionRecord]:
        """The recorded decisions, oldest first, optionally filtered.

        Parameters
        ----------
        since, until : datetime, optional
            Timezone-aware bounds on ``recorded_at``: ``since`` inclusive, ``until`` exclusive.
        verdict : {"technical", "traditional", "either"}, optional
            Only decisions with this *recommended* verdict.
        reviewed : bool, optional
            True: only decisions with at least one review; False: only those with none.

        Yields
        ------
        DecisionRecord
            Read in pages, so a large log is not loaded into memory at once.
        """
        clauses, params = _record_filters(since=since, until=until, verdict=verdict, reviewed=reviewed)
        where = " AND ".join(clauses)
        sql = f"SELECT e.seq, e.body, e.record_hash FROM entries e WHERE {where} ORDER BY e.seq LIMIT {_PAGE}"
        after = 0
        while True:
            with self._lock, self._sqlite_errors():
                rows = self._conn.execute(sql, (after, *params)).fetchall()
            for seq, body, record_hash in rows:
                after = seq
                yield self._parse_record(body, record_hash)
            if len(rows) < _PAGE:
                return

    def decision_ids(self) -> Iterator[uuid.UUID]:
        """Ids of every recorded decision, oldest first (readable whatever the record format)."""
        after = 0
        while True:
            with self._lock, self._sqlite_errors():
                rows = self._conn.execute(
                    "SELECT seq, entry_id FROM entries WHERE kind = 'record' AND seq > ? "
                    "ORDER BY seq LIMIT ?",
                    (after, _PAGE),
                ).fetchall()
            for seq, entry_id in rows:
                after = seq
                yield uuid.UUID(entry_id)
            if len(rows) < _PAGE:
                return

    # -- replay -------------------------------------------------------------------------

    def rulebook(self, fingerprint: str) -> Rulebook:
        """The stored rulebook with this fingerprint, parsed and checked.

        Raises
        ------
        DecisionLogError
            No rulebook with that fingerprint is stored, its text no longer parses, or it parses to
            a rulebook with another fingerprint (the message names both).
        """
        cached = self._parsed_rulebooks.get(fingerprint)
        if cached is not None:
            return cached
        with self._lock, self._sqlite_errors():
            row = self._conn.execute(
                "SELECT toml FROM rulebooks WHERE fingerprint = ?", (fingerprint,)
            ).fetchone()
        if row is None:
            raise DecisionLogError(f"{self.path}: no rulebook with fingerprint {fingerprint} is stored")
        try:
            book = Rulebook.from_toml(row[0])
        except RulebookError as exc:
            raise DecisionLogError(
                f"{self.path}: the stored rulebook {fingerprint} cannot be read by tpm_fit "
                f"{LIBRARY_VERSION}: {exc}"
            ) from None
        if book.fingerprint != fingerprint:
            raise DecisionLogError(
                f"{self.path}: the stored rulebook text for fingerprint {fingerprint} now has "
                f"fingerprint {book.fingerprint}: the text was altered, or this tpm_fit "
                f"({LIBRARY_VERSION}) reads the rulebook format differently"
            )
        self._parsed_rulebooks[fingerprint] = book
        return book

    def replay(self, decision_id: uuid.UUID | str, *, float_tolerance: float = 0.0) -> Replay:
        """Recompute a recorded decision with its stored rulebook and the installed tpm_fit.

        Parameters
        ----------
        decision_id : UUID or str
            A decision recorded in this log.
        float_tolerance : float, default 0.0
            Absolute tolerance for numbers; 0 compares exactly.

        Returns
        -------
        Replay
            ``same``, and each difference as a field path with its old and new value.

        Raises
        ------
        DecisionLogError
            Unknown id, or the stored rulebook is missing, unreadable or no longer has its
            fingerprint (the message names both fingerprints).
        """
        did = _as_uuid(decision_id)
        with self._lock, self._sqlite_errors():
            row = self._conn.execute(
                "SELECT body FROM entries WHERE kind = 'record' AND entry_id = ?", (str(did),)
            ).fetchone()
        if row is None:
            raise DecisionLogError(f"decision_id={str(did)!r} is not in the log {self.path}")
        body = load_entry(row[0], f"{self.path}: decision {did}")
        recommendation = body.get("recommendation")
        if not isinstance(recommendation, dict):
            raise DecisionLogError(f"{self.path}: decision {did} has no recommendation; run check()")
        book = self.rulebook(str(body.get("rulebook_fingerprint")))
        return replay_raw(recommendation, book, decision_id=did, float_tolerance=float_tolerance)

    # -- integrity ----------------------------------------------------------------------

    def head(self) -> LogHead:
        """The chain's head: how many entries the log has and the ``record_hash`` of the last.

        Keep it outside the log (a ticket, a second log, a CI artefact; ``str(head)`` is one
        short line) and pass it back to :meth:`check` as ``expected_head``: a chain alone cannot
        tell that its tail was rewritten, shortened or deleted, the head can.

        Returns
        -------
        LogHead
            ``entries`` and ``head_hash``; ``str()`` gives ``"<entries>:<hash>"``.
        """
        with self._transaction(write=False) as conn:
            count = int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])
            head_hash = self._head(conn)
        return LogHead(entries=count, head_hash=head_hash)

    def check(
        self, *, anchors: Iterable[str] = (), expected_head: LogHead | str | None = None
    ) -> ChainReport:
        """Re-hash every entry, re-link the chain, read every entry back, and check every stored rulebook.

        Parameters
        ----------
        anchors : iterable of str, optional
            ``head_hash`` values of earlier checks kept outside the log. Each must still be the
            hash of some entry; one that is not reveals a log rewritten or truncated since.
        expected_head : LogHead or str, optional
            A :meth:`head` kept outside the log (or its text ``"<entries>:<hash>"``). The log must
            still have at least that many entries, and the entry at that position must still have
            that hash; otherwise the report names a ``head`` problem (entries deleted, the tail
            rewritten, or the file replaced).

        Returns
        -------
        ChainReport
            ``ok``, and the id and kind of problem of every entry that does not check out: content
            edited, link broken (an entry removed, reordered or inserted), query columns edited,
            unreadable (not JSON, or not a record or review this tpm_fit reads), a review of an
            unknown decision, the expected head not reached.
        """
        head = None if expected_head is None else LogHead.parse(expected_head)
        with self._transaction(write=False) as conn:
            return self._check_in(conn, anchors=anchors, expected_head=head)

    @staticmethod
    def _check_in(
        conn: sqlite3.Connection, *, anchors: Iterable[str], expected_head: LogHead | None
    ) -> ChainReport:
        checker = ChainChecker(expected_head)
        cursor = conn.execute(
            "SELECT kind, entry_id, decision_id, at_us, verdict, body, record_hash, previous_hash "
            "FROM entries ORDER BY seq"
        )
        while rows := cursor.fetchmany(_PAGE):
            for row in rows:
                checker.feed(row)
        books = conn.execute("SELECT fingerprint, toml FROM rulebooks ORDER BY fingerprint").fetchall()
        return checker.result(books, anchors=anchors)

    # -- export and import --------------------------------------------------------------

    def export_jsonl(self, destination: str | os.PathLike[str] | IO[str]) -> int:
        """Write the whole log as JSON Lines; :meth:`import_jsonl` reads it back losslessly.

        The first line is a header, then one line per stored rulebook, then one line per entry
        in chain order; see ``docs/records.md`` for the format.

        Parameters
        ----------
        destination : path or text stream
            A file path (overwritten) or an open text stream.

        Returns
        -------
        int
            The number of entries (records plus reviews) written.
        """
        if isinstance(destination, str | os.PathLike):
            fifo = False
            with contextlib.suppress(OSError, ValueError):
                fifo = stat.S_ISFIFO(os.stat(destination).st_mode)  # open() would wait for a reader
            if fifo:
                raise DecisionLogError(
                    f"destination={shown_path(destination)}: a FIFO; valid: a file path, or a stream"
                )
            with open(destination, "w", encoding="utf-8", newline="\n") as stream:
                return self.export_jsonl(stream)
        count = 0
        with self._transaction(write=False) as conn:
            header = {"kind": "header", "format": EXPORT_FORMAT, "schema_version": SCHEMA_VERSION}
            destination.write(canonical_json(header) + "\n")
            for fingerprint, text in conn.execute(
                "SELECT fingerprint, toml FROM rulebooks ORDER BY fingerprint"
            ):
                destination.write(
                    canonical_json({"kind": "rulebook", "fingerprint": fingerprint, "toml": text}) + "\n"
                )
            cursor = conn.execute("SELECT kind, body, record_hash FROM entries ORDER BY seq")
            while rows := cursor.fetchmany(_PAGE):
                for kind, body, record_hash in rows:
                    entry = {**load_entry(body, f"{self.path}: a {kind}"), "record_hash": record_hash}
                    destination.write(canonical_json({"kind": kind, "entry": entry}) + "\n")
                    count += 1
        return count

    @classmethod
    def import_jsonl(
        cls,
        source: str | os.PathLike[str] | IO[str],
        destination: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> DecisionLog:
        """Rebuild a log from an export, entry for entry, hashes and chain unchanged.

        Parameters
        ----------
        source : path or text stream
            What :meth:`export_jsonl` wrote.
        destination : path
            A new (or empty) log file.
        clock : callable, optional
            Passed to the returned log.

        Returns
        -------
        DecisionLog
            The new log, open.

        Raises
        ------
        DecisionLogError
            The destination already holds entries, or a line is not valid: not JSON, an unknown
            kind, a newer schema version, an entry whose hash or chain link does not match (the
            message names the line and the id). Nothing is written then.
        """
        existed = _has_content(destination)
        try:
            if not isinstance(source, str | os.PathLike):
                if source is None:
                    raise DecisionLogError(
                        "source=None: standard input is closed; valid: an export file or stream"
                    )
                return cls._import_lines(bounded_lines(source, "<stream>"), "<stream>", destination, clock)
            name = shown_path(source)
            with open_export(source) as stream:
                return cls._import_lines(bounded_lines(stream, name), name, destination, clock)
        except BaseException:
            if not existed:  # nothing half-imported: not even an empty log is left behind
                _remove_log_files(destination)
            raise

    @classmethod
    def _import_lines(
        cls,
        lines: Iterable[str],
        name: str,
        destination: str | os.PathLike[str],
        clock: Callable[[], datetime] | None,
    ) -> DecisionLog:
        log = cls(destination, clock=clock)
        try:
            with log._transaction(write=True) as conn:
                count = "SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM rulebooks)"
                if conn.execute(count).fetchone()[0]:
                    raise DecisionLogError(f"{log.path} already holds entries; import into a new file")
                previous: str | None = None  # None until the header line is read
                for number, line in enumerate(lines, start=1):
                    if line.strip():
                        previous = import_line(conn, line, f"{name} line {number}", previous)
                if previous is None:
                    raise DecisionLogError(f"{name}: empty; not a tpm_fit decision-log export")
                report = log._check_in(conn, anchors=(), expected_head=None)
                if not report.ok:  # inside the transaction: a failed check leaves nothing behind
                    first = report.problems[0]
                    raise DecisionLogError(
                        f"{name}: the imported log does not check out ({len(report.problems)} "
                        f"problem(s); first: {first.kind} {first.entry_id}: {first.problem}: "
                        f"{first.detail}); nothing imported"
                    )
        except BaseException:
            log.close()
            raise
        return log
