"""The decision log's chain check, pinned where mutation testing (tools/mutate.py) found it loose:
entries that are JSON but not an object, and how the chain goes on past an unreadable entry."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import tpm_fit
from tpm_fit import DecisionLog
from tpm_fit._records.chain import readback_problem
from tpm_fit._records.models import GENESIS_HASH, Review


def _raw(path: str | Path) -> sqlite3.Connection:
    """A plain SQLite connection with the append-only triggers dropped, as an attacker would."""
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def _three_records(log: DecisionLog) -> list[tpm_fit.DecisionRecord]:
    return [
        log.record(tpm_fit.recommend(company_size=size, product_complexity="high"), requested_by="req")
        for size in (12, 40, 400)
    ]


def test_an_entry_that_is_json_but_not_an_object_is_unreadable_and_the_chain_goes_on(tmp_path: Path) -> None:
    with DecisionLog(tmp_path / "log.db") as log:
        records = _three_records(log)
        target = str(records[1].decision_id)
        conn = _raw(log.path)
        conn.execute("UPDATE entries SET body = '[1, 2]' WHERE entry_id = ?", (target,))
        conn.close()
        report = log.check()
    assert not report.ok
    assert [(p.entry_id, p.kind, p.position, p.problem) for p in report.problems] == [
        (target, "record", 2, "unreadable")
    ]
    assert report.problems[0].detail == "not a readable record or review (not a JSON object)"
    # The entry after it links to its stored record_hash: no link problem is reported.
    assert report.broken == (target,)
    assert (report.entries, report.records, report.reviews) == (3, 3, 0)


def test_a_review_of_an_unreadable_decision_is_not_an_orphan(tmp_path: Path) -> None:
    with DecisionLog(tmp_path / "log.db") as log:
        records = _three_records(log)
        log.review(records[0].decision_id, reviewer="rev", action="accept")
        target = str(records[0].decision_id)
        conn = _raw(log.path)
        conn.execute("UPDATE entries SET body = 'not json' WHERE entry_id = ?", (target,))
        conn.close()
        report = log.check()
    assert [(p.kind, p.problem) for p in report.problems] == [("record", "unreadable")]
    assert (report.entries, report.records, report.reviews) == (4, 3, 1)
    assert report.head_hash != target


# -- readback_problem: every entry must read back as the model its kind names ------------------


def _stored(log: DecisionLog) -> list[tuple[str, str, str]]:
    """(kind, body, record_hash) of every stored entry, in order."""
    conn = sqlite3.connect(log.path)
    try:
        rows = conn.execute("SELECT kind, body, record_hash FROM entries ORDER BY rowid").fetchall()
    finally:
        conn.close()
    return [(str(kind), str(body), str(record_hash)) for kind, body, record_hash in rows]


def test_readback_problem_is_none_for_entries_as_stored_and_names_the_model_otherwise(tmp_path: Path) -> None:
    with DecisionLog(tmp_path / "log.db") as log:
        record = _three_records(log)[0]
        log.review(record.decision_id, reviewer="rev", action="accept")
        stored = _stored(log)
    version = tpm_fit.__version__
    assert [kind for kind, _, _ in stored] == ["record", "record", "record", "review"]
    assert [readback_problem(kind, body, hashed) for kind, body, hashed in stored] == [None] * 4
    # Read as the other kind, each fails on the first field that kind needs.
    _, record_body, record_hash = stored[0]
    _, review_body, review_hash = stored[3]
    assert readback_problem("review", record_body, record_hash) == (
        f"cannot be read as a Review by tpm_fit {version} (review_id: Field required)"
    )
    assert readback_problem("record", review_body, review_hash) == (
        f"cannot be read as a DecisionRecord by tpm_fit {version} (recorded_at: Field required)"
    )
    assert readback_problem("record", '{"decision_id": "x"}', "f" * 64) == (
        f"cannot be read as a DecisionRecord by tpm_fit {version} (previous_hash: Field required)"
    )


def test_readback_problem_reports_a_parser_that_gives_up_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def too_deep(cls: type, text: str) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(Review, "model_validate_json", classmethod(too_deep))
    assert readback_problem("review", '{"review_id": "r"}', "f" * 64) == (
        "cannot be read as a Review: 'maximum recursion depth exceeded'"
    )


def test_check_reports_the_first_field_that_does_not_read_back(tmp_path: Path) -> None:
    with DecisionLog(tmp_path / "log.db") as log:
        records = _three_records(log)
        target = str(records[2].decision_id)
        body = json.loads(_stored(log)[2][1])
        body["labels"] = 5
        conn = _raw(log.path)
        conn.execute("UPDATE entries SET body = ? WHERE entry_id = ?", (json.dumps(body), target))
        conn.close()
        report = log.check()
    unreadable = [(p.entry_id, p.position, p.detail) for p in report.problems if p.problem == "unreadable"]
    assert unreadable == [
        (
            target,
            3,
            f"cannot be read as a DecisionRecord by tpm_fit {tpm_fit.__version__} "
            "(labels: Input should be an object)",
        )
    ]


# -- the expected head: the hash at its position, not at the end ------------------------------


def test_an_earlier_head_is_reached_by_a_log_that_grew_since(tmp_path: Path) -> None:
    with DecisionLog(tmp_path / "log.db") as log:
        first = _three_records(log)[0]
        head = log.head()
        assert str(head) == f"3:{log.check().head_hash}"
        early = tpm_fit.LogHead(entries=1, head_hash=_stored(log)[0][2])
        log.review(first.decision_id, reviewer="rev", action="accept")
        assert log.check(expected_head=early).ok
        assert log.check(expected_head=head).ok
        wrong = tpm_fit.LogHead(entries=2, head_hash="0" * 64)
        report = log.check(expected_head=wrong)
        second_hash = _stored(log)[1][2]
    assert [(p.entry_id, p.kind, p.problem, p.detail) for p in report.problems] == [
        (
            str(wrong),
            "anchor",
            "head",
            f"entry #2 has record_hash {second_hash}, not the expected head's {'0' * 64}: "
            "the chain was rewritten up to or after that entry",
        )
    ]


def test_a_head_is_checked_from_its_first_entry_and_a_longer_head_means_entries_are_gone(
    tmp_path: Path,
) -> None:
    with DecisionLog(tmp_path / "log.db") as log:
        _three_records(log)
        assert log.check(expected_head=log.head()).ok  # the head of the log as it is
        assert log.check(expected_head=tpm_fit.LogHead(entries=0, head_hash=GENESIS_HASH)).ok
        first_hash = _stored(log)[0][2]
        one_wrong = tpm_fit.LogHead(entries=1, head_hash="1" * 64)
        longer = tpm_fit.LogHead(entries=9, head_hash=first_hash)
        details = [
            [(p.kind, p.problem, p.detail) for p in log.check(expected_head=head).problems]
            for head in (one_wrong, longer)
        ]
    assert details == [
        [
            (
                "anchor",
                "head",
                f"entry #1 has record_hash {first_hash}, not the expected head's {'1' * 64}: "
                "the chain was rewritten up to or after that entry",
            )
        ],
        [
            (
                "anchor",
                "head",
                "the log has 3 entries, fewer than the 9 of the expected head: entries were deleted, "
                "or the file was truncated or replaced",
            )
        ],
    ]
