"""The decision log's chain check, pinned where mutation testing (tools/mutate.py) found it loose:
entries that are JSON but not an object, and how the chain goes on past an unreadable entry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import tpm_fit
from tpm_fit import DecisionLog


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
