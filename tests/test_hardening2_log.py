"""Issue 20, decision log: it accepts only what it can read back, and an anchor guards its tail."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import tpm_fit
from tpm_fit import DecisionLog, DecisionLogError
from tpm_fit._records.anchor import LogHead
from tpm_fit._records.jsonl import MAX_LINE_CHARACTERS
from tpm_fit._records.models import GENESIS_HASH, PROTECTED_LABEL_WORDS, entry_hash

RESULT = tpm_fit.recommend(company_size=40, product_complexity="high")


@pytest.fixture
def log(tmp_path: Path) -> DecisionLog:
    opened = DecisionLog(tmp_path / "decisions.db")
    yield opened  # type: ignore[misc]
    opened.close()


def _fill(log: DecisionLog, records: int = 3) -> list[str]:
    ids = [str(log.record(RESULT, labels={"team": f"t{i}"}).decision_id) for i in range(records)]
    log.review(ids[0], reviewer="rev:1", action="accept")
    return ids


def _export(log: DecisionLog) -> list[dict[str, Any]]:
    text = io.StringIO()
    log.export_jsonl(text)
    return [json.loads(line) for line in text.getvalue().splitlines()]


def _rechained(items: list[dict[str, Any]], edit: Callable[[dict[str, Any]], None], at: int) -> str:
    """The export with entry ``at`` edited and every hash and link after it made to add up again."""
    previous = GENESIS_HASH
    position = 0
    lines = []
    for item in items:
        if item["kind"] in ("record", "review"):
            body = dict(item["entry"])
            if position == at:
                edit(body)
            body["previous_hash"] = previous
            body["record_hash"] = entry_hash(body)
            previous = body["record_hash"]
            item = {"kind": item["kind"], "entry": body}
            position += 1
        lines.append(json.dumps(item))
    return "\n".join(lines) + "\n"


def _import_refused(text: str, destination: Path, match: str) -> None:
    with pytest.raises(DecisionLogError, match=match):
        DecisionLog.import_jsonl(io.StringIO(text), destination)
    assert not destination.exists()  # nothing half-imported, not even an empty log


# -- labels and reasons: only what reads back ----------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"team": "\udcff"}, r"labels\['team'\]='\\udcff': holds a lone surrogate"),  # --label team=\xff
        ({"team": "a\ud800"}, "holds a lone surrogate"),
        ({"team": "\x1b[2J"}, r"holds the control character '\\x1b'"),
        ({"team": "a\nRulebook: forged"}, r"holds the control character '\\n'"),
        ({"team": "\u202e"}, "holds the control character"),
        ({"gender": "f"}, r"labels key='gender': names a protected attribute or a person \(gender\)"),
        ({"age": "41"}, r"labels key='age': names a protected attribute"),
        ({"candidate_name": "x"}, r"names a protected attribute or a person \(candidate\)"),
        ({"team\n": "x"}, r"labels key='team\\n': not a label key"),
    ],
)
def test_labels_that_could_not_be_read_back_or_name_a_person_are_refused(
    log: DecisionLog, labels: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        log.record(RESULT, labels=labels)
    assert len(log) == 0
    record = log.record(RESULT, labels={"team": "payments", "stage": "series-b"})  # allowed words pass
    assert [r.labels for r in log.records()] == [record.labels]
    assert log.check().ok


def test_the_protected_words_are_documented() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "records.md").read_text()
    for word in ("gender", "age", "race", "religion", "candidate"):
        assert word in PROTECTED_LABEL_WORDS
        assert f"`{word}`" in text


def test_review_reasons_are_readable_text(log: DecisionLog) -> None:
    (decision,) = _fill(log, 1)[:1]
    with pytest.raises(ValidationError, match=r"reason='\\x1b\[31mOK': holds the control character"):
        log.review(decision, reviewer="rev:2", action="accept", reason="\x1b[31mOK")
    review = log.review(decision, reviewer="rev:2", action="override", verdict="either", reason="Two\nlines.")
    assert log.get(decision).reviews[-1] == review


def test_a_failed_record_does_not_forget_to_store_its_rulebook(log: DecisionLog) -> None:
    custom = tpm_fit.Rulebook.default().with_weights({"complex_product": 2.0})
    result = tpm_fit.recommend(company_size=40, product_complexity="high", rulebook=custom)
    with pytest.raises(ValidationError):
        log.record(result, rulebook=custom, labels={"gender": "x"})
    log.record(result, rulebook=custom)
    assert log.check().ok


# -- import: the same models as record(), bounded, atomic -----------------------------------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda body: body.update(gender="female"), r"gender: Extra inputs are not permitted"),
        (lambda body: body.update(recommendation=None), r"recommendation"),
        (
            lambda body: body.update(recorded_at="9999-12-31T23:59:59Z"),
            r"recorded_at='9999-12-31T23:59:59\+00:00': out of range",
        ),
        (lambda body: body.update(schema_version=True), r"schema_version=True: not a schema version"),
        (lambda body: body.update(schema_version=-5), r"schema_version=-5: not a schema version"),
        (lambda body: body.update(labels={"gender": "f"}), r"names a protected attribute"),
        (lambda body: body.update(labels={"team": "\x1b[2J"}), r"holds the control character"),
    ],
)
def test_import_refuses_entries_whose_hashes_add_up_but_do_not_read_back(
    log: DecisionLog, tmp_path: Path, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    _fill(log)
    text = _rechained(_export(log), edit, at=1)
    _import_refused(text, tmp_path / "copy.db", message)


def test_import_refuses_a_header_schema_version_that_is_not_a_version(
    log: DecisionLog, tmp_path: Path
) -> None:
    _fill(log)
    items = _export(log)
    for bad in (True, -5, "1"):
        items[0]["schema_version"] = bad
        text = "\n".join(json.dumps(item) for item in items)
        _import_refused(text, tmp_path / "copy.db", rf"schema_version={bad!r}: not a schema version")


def test_deeply_nested_json_is_refused_before_parsing(log: DecisionLog, tmp_path: Path) -> None:
    _fill(log)
    lines = [json.dumps(item) for item in _export(log)]
    lines[-1] = '{"kind": "record", "entry": ' + "[" * 100_000 + "]" * 100_000 + "}"
    _import_refused("\n".join(lines), tmp_path / "copy.db", "nested more than 64 deep")


def test_an_overlong_line_is_refused_without_being_kept_whole(log: DecisionLog, tmp_path: Path) -> None:
    _fill(log)
    lines = [json.dumps(item) for item in _export(log)]
    lines.insert(1, '{"kind": "rulebook", "toml": "' + "x" * (MAX_LINE_CHARACTERS + 10) + '"}')
    _import_refused("\n".join(lines), tmp_path / "copy.db", "longer than 4,194,304 characters")


def test_import_fails_and_leaves_nothing_when_its_check_fails(log: DecisionLog, tmp_path: Path) -> None:
    _fill(log)
    items = [item for item in _export(log) if item["kind"] != "rulebook"]  # records without their rulebook
    text = "\n".join(json.dumps(item) for item in items)
    expected = "does not check out .*: missing: its rulebook .* is not stored.*nothing imported"
    _import_refused(text, tmp_path / "copy.db", expected)


def test_import_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "export.fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(DecisionLogError, match="not a regular file"):
        DecisionLog.import_jsonl(fifo, tmp_path / "copy.db")
    assert time.monotonic() - started < 5


def test_import_of_a_closed_stdin_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DecisionLogError, match="standard input is closed"):
        DecisionLog.import_jsonl(None, tmp_path / "copy.db")  # type: ignore[arg-type]


def test_a_good_export_still_imports_entry_for_entry(log: DecisionLog, tmp_path: Path) -> None:
    _fill(log)
    text = io.StringIO()
    log.export_jsonl(text)
    with DecisionLog.import_jsonl(io.StringIO(text.getvalue()), tmp_path / "copy.db") as copy:
        assert copy.head() == log.head()
        assert copy.check().ok


def test_the_release_0_2_0_export_still_imports(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parent / "data" / "releases" / "0.2.0" / "decisions.jsonl"
    with DecisionLog.import_jsonl(source, tmp_path / "copy.db") as copy:
        assert copy.check().ok


# -- check() reads every entry back -------------------------------------------------------------


def _raw_insert(path: str, body: str, entry_id: str, record_hash: str, previous: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO entries (kind, entry_id, decision_id, at_us, verdict, body, record_hash, previous_hash) "
        "VALUES ('record', ?, ?, 0, 'technical', ?, ?, ?)",
        (entry_id, entry_id, body, record_hash, previous),
    )
    conn.commit()
    conn.close()


def test_check_reports_an_entry_that_cannot_be_read_back(log: DecisionLog) -> None:
    _fill(log, 1)
    head = log.head()
    body = json.dumps(
        {"decision_id": "x", "recorded_at": "2026-01-01T00:00:00Z", "previous_hash": head.head_hash}
    )
    _raw_insert(log.path, body, "x", "f" * 64, head.head_hash)
    report = log.check()
    assert not report.ok
    problems = {p.problem: p.detail for p in report.problems if p.entry_id == "x"}
    assert problems["unreadable"].startswith("cannot be read as a DecisionRecord by tpm_fit")


def test_check_and_export_survive_deeply_nested_stored_json(log: DecisionLog) -> None:
    _fill(log, 1)
    head = log.head()
    _raw_insert(log.path, "[" * 100_000 + "]" * 100_000, "deep", "e" * 64, head.head_hash)
    report = log.check()
    assert [p.problem for p in report.problems] == ["unreadable"]
    with pytest.raises(DecisionLogError, match="unreadable text"):
        log.export_jsonl(io.StringIO())


# -- the anchor: head() and check(expected_head=...) -------------------------------------------------


def _drop_triggers_and(path: str, statement: str) -> None:
    conn = sqlite3.connect(path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(statement)
    conn.commit()
    conn.close()


def test_head_is_the_count_and_last_hash_and_parses_back(log: DecisionLog) -> None:
    assert log.head() == LogHead(entries=0, head_hash=GENESIS_HASH)
    _fill(log)
    head = log.head()
    assert head.entries == 4
    assert head.head_hash == log.check().head_hash
    assert LogHead.parse(str(head)) == head
    assert log.check(expected_head=str(head)).ok
    log.record(RESULT)  # appending keeps an old head valid
    assert log.check(expected_head=head).ok
    with pytest.raises(DecisionLogError, match="not a log head"):
        log.check(expected_head="4:xyz")


def test_a_shortened_tail_is_detected_with_the_head(log: DecisionLog) -> None:
    _fill(log)
    head = log.head()
    _drop_triggers_and(log.path, "DELETE FROM entries WHERE seq = (SELECT max(seq) FROM entries)")
    assert log.check().ok  # the chain alone cannot tell
    report = log.check(expected_head=head)
    assert not report.ok
    assert report.problems[-1].problem == "head"
    assert "has 3 entries, fewer than the 4 of the expected head" in report.problems[-1].detail


def test_a_rewritten_tail_is_detected_with_the_head(log: DecisionLog, tmp_path: Path) -> None:
    ids = _fill(log)
    head = log.head()
    # Rebuild the log with the last review replaced by another, hashes and links recomputed.
    items = _export(log)
    forged = _rechained(items, lambda body: body.update(reviewer="rev:9"), at=3)
    with DecisionLog.import_jsonl(io.StringIO(forged), tmp_path / "forged.db") as other:
        assert other.check().ok
        report = other.check(expected_head=head)
    assert not report.ok
    assert "the chain was rewritten" in report.problems[-1].detail
    assert ids


def test_deleting_every_entry_is_detected_with_the_head(log: DecisionLog) -> None:
    _fill(log)
    head = log.head()
    _drop_triggers_and(log.path, "DELETE FROM entries")
    assert log.check().ok
    assert not log.check(expected_head=head).ok


@pytest.mark.parametrize("state", ["empty", "missing"])
def test_a_truncated_or_missing_file_is_an_error_never_a_new_log(tmp_path: Path, state: str) -> None:
    path = tmp_path / "decisions.db"
    with DecisionLog(path) as log:
        _fill(log)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if state == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
    expected = "the file is empty" if state == "empty" else "the file does not exist"
    with pytest.raises(DecisionLogError, match=expected):
        DecisionLog(path, create=False)
    assert (path.stat().st_size == 0) if state == "empty" else not path.exists()


# -- small bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", [float("inf"), float("nan"), -1, 10**9, True, "30"])
def test_a_timeout_out_of_range_is_refused(tmp_path: Path, timeout: object) -> None:
    with pytest.raises(
        DecisionLogError, match=r"^timeout=.*: not a number of seconds in range; valid: from 0"
    ):
        DecisionLog(tmp_path / "x.db", timeout=timeout)  # type: ignore[arg-type]


def test_a_huge_id_gives_a_short_message(log: DecisionLog) -> None:
    with pytest.raises(DecisionLogError) as caught:
        log.get("x" * 10**6)
    assert len(str(caught.value)) < 300
    assert str(caught.value).startswith("decision_id='xxxxxxxx")


def test_export_to_a_fifo_is_refused_at_once(log: DecisionLog, tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    with pytest.raises(DecisionLogError, match="a FIFO; valid: a file path, or a stream"):
        log.export_jsonl(fifo)


def test_review_errors_are_one_grammar_without_pydantic_urls(log: DecisionLog) -> None:
    (decision,) = _fill(log, 1)[:1]
    with pytest.raises(ValidationError) as caught:
        log.review(decision, reviewer="rev:1", action="bogus")
    text = str(caught.value)
    assert "action='bogus': input should be 'accept' or 'override'" in text
    assert "errors.pydantic.dev" not in text
    assert "Value error" not in text
