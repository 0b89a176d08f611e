"""Checking a decision log's hash chain: one pass over the entries, as a small state object."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import ValidationError

from .._engine.recommend import LIBRARY_VERSION
from .._errors import RulebookError, short
from .._model.rulebook import Rulebook
from .anchor import LogHead
from .models import GENESIS_HASH, ChainProblem, ChainReport, DecisionRecord, Review, text_hash
from .storage import COLUMNS, index_columns, with_hash

__all__ = ["ChainChecker", "readback_problem"]


def readback_problem(kind: str, text: str, record_hash: str) -> str | None:
    """Why a stored entry cannot be read back as a record or review by this tpm_fit, or None.

    ``check()`` runs this on every entry, so that "OK" also means every entry is readable by
    ``get()``, ``records()`` and ``tpm-fit log list``.
    """
    model: type[DecisionRecord | Review] = Review if kind == "review" else DecisionRecord
    try:
        model.model_validate_json(with_hash(text, record_hash))
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        first = f"{'.'.join(map(str, error['loc']))}: {str(error['msg']).removeprefix('Value error, ')}"
        return f"cannot be read as a {model.__name__} by tpm_fit {LIBRARY_VERSION} ({first[:300]})"
    except (ValueError, RecursionError) as exc:
        return f"cannot be read as a {model.__name__}: {short(str(exc))}"
    return None


class ChainChecker:
    """State of one pass over the chain: feed rows in order, then ask for the report."""

    def __init__(self, expected_head: LogHead | None = None) -> None:
        self.expected_head = expected_head
        self.hash_at_head: str | None = None  # record_hash at the expected head's position
        self.problems: list[ChainProblem] = []
        self.hashes: set[str] = set()
        self.decisions: set[str] = set()
        self.fingerprints_used: dict[str, tuple[str, int]] = {}
        self.counts = {"record": 0, "review": 0}
        self.expected_previous = GENESIS_HASH
        self.previous_name = "the start of the log"
        self.position = 0

    def _report(self, name: str, kind: Literal["record", "review"], problem: Any, detail: str) -> None:
        self.problems.append(
            ChainProblem(entry_id=name, kind=kind, position=self.position, problem=problem, detail=detail)
        )

    def feed(self, row: tuple[Any, ...]) -> None:
        """Check one entry (a row of the entries table) against itself and the one before."""
        kind, entry_id, _, _, _, text, record_hash, _ = row
        self.position += 1
        if self.expected_head is not None and self.position == self.expected_head.entries:
            self.hash_at_head = str(record_hash)
        self.counts["review" if kind == "review" else "record"] += 1
        try:
            body = json.loads(text)
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            columns = index_columns(body)
        except (ValueError, KeyError, TypeError, RecursionError, OverflowError) as exc:
            self._unreadable(kind, str(entry_id), str(record_hash), exc)
            return
        model_problem = readback_problem(columns[0], text, str(record_hash))
        # Named by the id the row is stored and queried under, even if the body's id was edited.
        name = str(entry_id)
        tag: Literal["record", "review"] = "review" if columns[0] == "review" else "record"
        self._check_hashes(name, tag, text, str(record_hash), body)
        if model_problem is not None:
            self._report(name, tag, "unreadable", model_problem)
        self._check_index(name, tag, row, (*columns, body.get("previous_hash")))
        if tag == "record":
            self.decisions.add(name)
            self.fingerprints_used.setdefault(str(body.get("rulebook_fingerprint")), (name, self.position))
        elif columns[2] not in self.decisions:
            self._report(
                name, tag, "orphan", f"reviews decision {columns[2]}, which is not earlier in the log"
            )
        self.hashes.add(str(record_hash))
        self.expected_previous = str(record_hash)
        self.previous_name = f"#{self.position} ({name})"

    def _unreadable(self, kind: str, name: str, record_hash: str, exc: Exception) -> None:
        """An entry whose text is not a record or review: reported, and the chain goes on from it."""
        tag: Literal["record", "review"] = "review" if kind == "review" else "record"
        self._report(name, tag, "unreadable", f"not a readable record or review ({exc})")
        if tag == "record":  # its reviews are not orphans: the decision is there, unreadable
            self.decisions.add(name)
        self.expected_previous, self.previous_name = record_hash, f"#{self.position} ({name})"

    def _check_hashes(
        self, name: str, tag: Literal["record", "review"], text: str, record_hash: str, body: dict[str, Any]
    ) -> None:
        """The entry's text hashes to its record_hash, and it links to the entry before."""
        actual = text_hash(text)
        if actual != record_hash:
            self._report(
                name, tag, "content", f"content hashes to {actual}, but record_hash is {record_hash}"
            )
        if body.get("previous_hash") != self.expected_previous:
            self._report(
                name,
                tag,
                "link",
                f"previous_hash is {body.get('previous_hash')}, but the entry before, "
                f"{self.previous_name}, has record_hash {self.expected_previous}",
            )

    def _check_index(
        self, name: str, tag: Literal["record", "review"], row: tuple[Any, ...], derived: tuple[Any, ...]
    ) -> None:
        """The stored index columns agree with the ones derived from the entry's text."""
        kind, entry_id, decision_id, at_us, verdict, _, _, previous_hash = row
        stored = (kind, entry_id, decision_id, at_us, verdict, previous_hash)
        if stored != derived:
            wrong = [n for n, a, b in zip(COLUMNS, stored, derived, strict=True) if a != b]
            self._report(name, tag, "index", f"column(s) {', '.join(wrong)} disagree with the stored entry")

    def _rulebook_problems(self, books: list[tuple[str, str]]) -> Iterator[ChainProblem]:
        for fingerprint, text in books:
            try:
                actual = Rulebook.from_toml(text).fingerprint
            except RulebookError as exc:
                detail = f"the stored text is not a rulebook tpm_fit {LIBRARY_VERSION} reads ({exc.message})"
                yield ChainProblem(
                    entry_id=fingerprint, kind="rulebook", position=None, problem="unreadable", detail=detail
                )
                continue
            if actual != fingerprint:
                detail = f"the stored text has fingerprint {actual}, not {fingerprint}"
                yield ChainProblem(
                    entry_id=fingerprint, kind="rulebook", position=None, problem="content", detail=detail
                )
        stored = {fingerprint for fingerprint, _ in books}
        for fingerprint, (name, where) in self.fingerprints_used.items():
            if fingerprint not in stored:
                detail = f"its rulebook {fingerprint} is not stored, so it cannot be replayed"
                yield ChainProblem(
                    entry_id=name, kind="record", position=where, problem="missing", detail=detail
                )

    def _head_problems(self) -> Iterator[ChainProblem]:
        """The chain reaches the expected head: as many entries at least, the same hash there."""
        head = self.expected_head
        if head is None or head.entries == 0:
            return
        if self.position < head.entries:
            detail = (
                f"the log has {self.position} entries, fewer than the {head.entries} of the expected "
                "head: entries were deleted, or the file was truncated or replaced"
            )
        elif self.hash_at_head != head.head_hash:
            detail = (
                f"entry #{head.entries} has record_hash {self.hash_at_head}, not the expected head's "
                f"{head.head_hash}: the chain was rewritten up to or after that entry"
            )
        else:
            return
        yield ChainProblem(entry_id=str(head), kind="anchor", position=None, problem="head", detail=detail)

    def result(self, books: list[tuple[str, str]], *, anchors: Iterable[str]) -> ChainReport:
        """The report, once every entry was fed; also checks the stored rulebooks and anchors."""
        problems = [*self.problems, *self._rulebook_problems(books), *self._head_problems()]
        for anchor in anchors:
            if anchor != GENESIS_HASH and anchor not in self.hashes:
                detail = (
                    "this head hash of an earlier check is no longer in the chain: the log was "
                    "rewritten or truncated since"
                )
                problems.append(
                    ChainProblem(
                        entry_id=anchor, kind="anchor", position=None, problem="missing", detail=detail
                    )
                )
        broken = tuple(dict.fromkeys(item.entry_id for item in problems if item.kind in ("record", "review")))
        return ChainReport(
            ok=not problems,
            entries=self.position,
            records=self.counts["record"],
            reviews=self.counts["review"],
            rulebooks=len(books),
            head_hash=self.expected_previous,
            broken=broken,
            problems=tuple(problems),
        )
