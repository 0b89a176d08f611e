"""Decision records: round trips, the hash chain, reviews, replay, schema and bounds.

Rulebooks here are the default one or a copy with one weight changed, and every expectation is
derived from what ``recommend()`` returns, so these tests hold for any rulebook content.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import tpm_fit
from tpm_fit import DecisionLog, DecisionLogError, DecisionRecord, Rulebook
from tpm_fit._records.models import GENESIS_HASH, PROTECTED_LABEL_WORDS, canonical_json, entry_hash
from tpm_fit._records.replay import diff_json
from tpm_fit.testing import org_profiles

PROFILES: list[dict[str, Any]] = [
    {"company_size": 40, "product_complexity": "high"},
    {"company_size": 900, "product_complexity": "low", "technical_coverage": 2},
    {"company_size": 8, "product_complexity": "very_high"},
    {"company_size": 150, "product_complexity": "moderate", "strategy_coverage": 2},
]


class Clock:
    """A clock that advances one second per call."""

    def __init__(self, start: datetime = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def custom_rulebook() -> Rulebook:
    """The default rulebook with its first factor's weight changed: another fingerprint."""
    book = Rulebook.default()
    return book.with_weights({book.factor_ids[0]: book.factors[0].weight + 0.5})


@pytest.fixture
def log(tmp_path: Path) -> Iterator[DecisionLog]:
    with DecisionLog(tmp_path / "decisions.db", clock=Clock()) as opened:
        yield opened


def fill(log: DecisionLog) -> list[tpm_fit.DecisionRecord]:
    """Four records and two reviews (an override, then an accept of another decision)."""
    records = [
        log.record(tpm_fit.recommend(p), requested_by=f"req-{i}", labels={"batch": "a", "row": str(i)})
        for i, p in enumerate(PROFILES)
    ]
    first = records[0]
    other = next(v for v in tpm_fit.Verdict if v is not first.verdict)
    log.review(first.decision_id, reviewer="rev-1", action="override", verdict=other, reason="team context")
    log.review(records[1].decision_id, reviewer="rev-2", action="accept")
    return records


def raw(path: str) -> sqlite3.Connection:
    """A plain SQLite connection with the append-only triggers dropped, as an attacker would."""
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn


# -- records --------------------------------------------------------------------------------


def test_record_holds_the_recommendation_and_its_provenance(log: DecisionLog) -> None:
    result = tpm_fit.recommend(company_size=40, product_complexity="high")
    record = log.record(result, requested_by="hr-system:4711", labels={"team": "payments"})
    assert record.recommendation == result
    assert record.rulebook_fingerprint == result.rulebook_fingerprint == Rulebook.default().fingerprint
    assert record.library_version == tpm_fit.__version__
    assert record.recorded_at == datetime(2026, 3, 1, 9, 0, 1, tzinfo=UTC)
    assert record.requested_by == "hr-system:4711"
    assert record.labels == {"team": "payments"}
    assert record.previous_hash == GENESIS_HASH
    assert record.record_hash == entry_hash(record.model_dump(mode="json"))
    assert record.hash_matches
    assert len(log) == 1


def test_each_entry_links_to_the_one_before(log: DecisionLog) -> None:
    fill(log)
    first, second = list(log.records())[:2]
    assert second.previous_hash == first.record_hash
    review = log.get(first.decision_id).reviews[0]
    last_record = list(log.records())[-1]
    assert review.previous_hash == last_record.record_hash


def test_records_and_reviews_round_trip_through_sqlite_and_json(log: DecisionLog) -> None:
    records = fill(log)
    for record in records:
        logged = log.get(record.decision_id)
        assert logged.record == record
        assert DecisionRecord.model_validate_json(record.model_dump_json()) == record
        for review in logged.reviews:
            assert tpm_fit.Review.model_validate_json(review.model_dump_json()) == review
            assert review.hash_matches
    assert list(log.records()) == records


def test_jsonl_export_imports_losslessly(log: DecisionLog, tmp_path: Path) -> None:
    fill(log)
    log.record(tpm_fit.recommend(company_size=12, product_complexity="moderate"), rulebook=Rulebook.default())
    custom = custom_rulebook()
    log.record(
        tpm_fit.recommend(company_size=60, product_complexity="moderate", rulebook=custom), rulebook=custom
    )
    first = io.StringIO()
    assert log.export_jsonl(first) == 8
    with DecisionLog.import_jsonl(io.StringIO(first.getvalue()), tmp_path / "copy.db") as copy:
        again = io.StringIO()
        copy.export_jsonl(again)
        assert again.getvalue() == first.getvalue()
        assert list(copy.records()) == list(log.records())
        for record in log.records():
            assert copy.get(record.decision_id) == log.get(record.decision_id)
            assert copy.replay(record.decision_id).same
        assert copy.check() == log.check()


def test_export_to_a_path_and_import_from_a_path(log: DecisionLog, tmp_path: Path) -> None:
    fill(log)
    log.export_jsonl(tmp_path / "log.jsonl")
    lines = (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"format": "tpm_fit-decision-log", "kind": "header", "schema_version": 1}
    assert [json.loads(line)["kind"] for line in lines[1:]] == ["rulebook"] + ["record"] * 4 + ["review"] * 2
    with DecisionLog.import_jsonl(tmp_path / "log.jsonl", tmp_path / "copy.db") as copy:
        assert copy.check().ok
        assert copy.check().head_hash == log.check().head_hash


def test_import_refuses_a_tampered_export_and_writes_nothing(log: DecisionLog, tmp_path: Path) -> None:
    records = fill(log)
    text = io.StringIO()
    log.export_jsonl(text)
    lines = text.getvalue().splitlines()
    item = json.loads(lines[3])
    item["entry"]["labels"]["row"] = "forged"
    lines[3] = canonical_json(item)
    with pytest.raises(DecisionLogError, match=rf"line 4: record {records[1].decision_id}: record_hash"):
        DecisionLog.import_jsonl(io.StringIO("\n".join(lines)), tmp_path / "copy.db")
    with DecisionLog(tmp_path / "copy.db") as copy:
        assert len(copy) == 0
    original = text.getvalue().splitlines()
    swapped = [original[0], original[1], original[3], original[2], *original[4:]]
    with pytest.raises(DecisionLogError, match=r"line 3: .*previous_hash does not link"):
        DecisionLog.import_jsonl(io.StringIO("\n".join(swapped)), tmp_path / "copy2.db")


def test_import_refuses_a_non_empty_log_and_a_foreign_file(log: DecisionLog, tmp_path: Path) -> None:
    fill(log)
    text = io.StringIO()
    log.export_jsonl(text)
    with pytest.raises(DecisionLogError, match="already holds entries"):
        DecisionLog.import_jsonl(io.StringIO(text.getvalue()), log.path)
    with pytest.raises(DecisionLogError, match="line 1: not a tpm_fit decision-log export"):
        DecisionLog.import_jsonl(io.StringIO('{"kind": "record"}\n'), tmp_path / "other.db")
    newer = text.getvalue().replace('"schema_version":1', '"schema_version":99', 1)
    with pytest.raises(DecisionLogError, match="schema_version=99 is newer"):
        DecisionLog.import_jsonl(io.StringIO(newer), tmp_path / "newer.db")


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    profiles=st.lists(org_profiles(), min_size=1, max_size=5),
    labels=st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
            lambda key: not set(key.split("_")) & PROTECTED_LABEL_WORDS
        ),
        st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp")), max_size=20),
        max_size=4,
    ),
)
def test_any_profiles_and_labels_round_trip_and_chain(
    profiles: list[tpm_fit.OrgProfile], labels: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    with DecisionLog(folder / "a.db") as log:
        records = [log.record(tpm_fit.recommend(p), labels=labels) for p in profiles]
        assert log.check().ok
        assert list(log.records()) == records
        assert all(log.replay(r.decision_id).same for r in records)
        text = io.StringIO()
        log.export_jsonl(text)
    with DecisionLog.import_jsonl(io.StringIO(text.getvalue()), folder / "b.db") as copy:
        assert list(copy.records()) == records


# -- bounds and refusals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({f"k{i}": "v" for i in range(33)}, "labels='<33 labels>': too many; valid: at most 32"),
        ({"team": "x" * 257}, "257 characters; valid: at most 256"),
        ({"Team": "x"}, "labels key='Team': not a label key"),
        ({"": "x"}, "labels key='': not a label key"),
        ({"a b": "x"}, "labels key='a b': not a label key"),
    ],
)
def test_labels_are_bounded(log: DecisionLog, labels: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        log.record(tpm_fit.recommend(company_size=40, product_complexity="moderate"), labels=labels)
    assert len(log) == 0


def test_labels_at_the_bounds_are_accepted_and_sorted(log: DecisionLog) -> None:
    labels = {f"k{i:02d}": "x" * 256 for i in reversed(range(32))}
    record = log.record(tpm_fit.recommend(company_size=40, product_complexity="moderate"), labels=labels)
    assert list(record.labels) == sorted(labels)


@pytest.mark.parametrize("requested_by", ["Jane Doe", "jane@example.com", "", "x" * 129, "-lead"])
def test_requested_by_must_be_an_opaque_id(log: DecisionLog, requested_by: str) -> None:
    with pytest.raises(ValidationError, match="requested_by"):
        log.record(
            tpm_fit.recommend(company_size=40, product_complexity="moderate"), requested_by=requested_by
        )


def test_models_refuse_extra_fields(log: DecisionLog) -> None:
    records = fill(log)
    record_data = records[0].model_dump(mode="json")
    with pytest.raises(ValidationError, match="employee_name"):
        DecisionRecord.model_validate({**record_data, "employee_name": "x"})
    review_data = log.get(records[0].decision_id).reviews[0].model_dump(mode="json")
    with pytest.raises(ValidationError, match="age"):
        tpm_fit.Review.model_validate({**review_data, "age": 41})
    with pytest.raises(ValidationError, match="extra"):
        tpm_fit.LoggedDecision.model_validate({"record": record_data, "reviews": [], "note": "x"})


def test_record_refuses_a_fingerprint_that_differs_from_its_recommendation(log: DecisionLog) -> None:
    data = fill(log)[0].model_dump(mode="json")
    with pytest.raises(ValidationError, match="rulebook_fingerprint="):
        DecisionRecord.model_validate({**data, "rulebook_fingerprint": "f" * 64})


def test_record_with_another_rulebook_needs_that_rulebook(log: DecisionLog) -> None:
    custom = custom_rulebook()
    result = tpm_fit.recommend(company_size=40, product_complexity="moderate", rulebook=custom)
    with pytest.raises(DecisionLogError, match=f"{Rulebook.default().fingerprint}.*{custom.fingerprint}"):
        log.record(result, rulebook=Rulebook.default())
    record = log.record(result, rulebook=custom)
    assert log.rulebook(record.rulebook_fingerprint) == custom
    # Once stored, the rulebook is not needed again.
    assert log.record(result).rulebook_fingerprint == custom.fingerprint


def test_record_refuses_what_is_not_a_recommendation(log: DecisionLog) -> None:
    with pytest.raises(TypeError, match="Recommendation"):
        log.record({"verdict": "technical"})  # type: ignore[arg-type]


# -- clock ----------------------------------------------------------------------------------


def test_the_clock_is_injectable_and_times_are_utc(tmp_path: Path) -> None:
    tokyo = timezone(timedelta(hours=9))
    with DecisionLog(tmp_path / "a.db", clock=lambda: datetime(2026, 5, 1, 18, 0, tzinfo=tokyo)) as log:
        record = log.record(tpm_fit.recommend(company_size=40, product_complexity="moderate"))
    assert record.recorded_at == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    assert record.recorded_at.utcoffset() == timedelta(0)
    assert record.model_dump(mode="json")["recorded_at"] == "2026-05-01T09:00:00Z"


def test_a_naive_clock_is_refused(tmp_path: Path) -> None:
    with DecisionLog(tmp_path / "a.db", clock=lambda: datetime(2026, 5, 1)) as log:
        with pytest.raises(DecisionLogError, match="timezone-aware"):
            log.record(tpm_fit.recommend(company_size=40, product_complexity="moderate"))
        assert len(log) == 0


def test_the_default_clock_is_now_in_utc(tmp_path: Path) -> None:
    before = datetime.now(UTC)
    with DecisionLog(tmp_path / "a.db") as log:
        record = log.record(tpm_fit.recommend(company_size=40, product_complexity="moderate"))
    assert before <= record.recorded_at <= datetime.now(UTC)


# -- querying -------------------------------------------------------------------------------


def test_records_filters_by_time_verdict_and_review(log: DecisionLog) -> None:
    records = fill(log)
    times = [r.recorded_at for r in records]
    assert list(log.records(since=times[1])) == records[1:]
    assert list(log.records(until=times[2])) == records[:2]
    assert list(log.records(since=times[1], until=times[3])) == records[1:3]
    for verdict in tpm_fit.Verdict:
        assert list(log.records(verdict=verdict)) == [r for r in records if r.verdict is verdict]
        assert list(log.records(verdict=verdict.value)) == list(log.records(verdict=verdict))
    assert list(log.records(reviewed=True)) == records[:2]
    assert list(log.records(reviewed=False)) == records[2:]


def test_records_pages_through_a_large_log(log: DecisionLog) -> None:
    result = tpm_fit.recommend(company_size=40, product_complexity="moderate")
    made = [log.record(result) for _ in range(1_203)]
    assert [r.decision_id for r in log.records()] == [r.decision_id for r in made]
    assert list(log.decision_ids()) == [r.decision_id for r in made]


def test_records_refuses_bad_filters(log: DecisionLog) -> None:
    with pytest.raises(DecisionLogError, match=r"since=.*timezone-aware"):
        list(log.records(since=datetime(2026, 1, 1)))
    with pytest.raises(
        DecisionLogError, match="verdict='maybe': not a verdict; valid: traditional, either, technical"
    ):
        list(log.records(verdict="maybe"))


def test_get_refuses_unknown_and_malformed_ids(log: DecisionLog) -> None:
    fill(log)
    with pytest.raises(DecisionLogError, match="is not in the log"):
        log.get("00000000-0000-0000-0000-000000000000")
    with pytest.raises(DecisionLogError, match="decision_id='42': not a UUID"):
        log.get("42")


# -- reviews --------------------------------------------------------------------------------


def test_override_without_a_reason_is_refused(log: DecisionLog) -> None:
    record = fill(log)[2]
    other = next(v for v in tpm_fit.Verdict if v is not record.verdict)
    for reason in (None, "", "   "):
        with pytest.raises(ValidationError, match="needs a non-blank reason"):
            log.review(record.decision_id, reviewer="rev-1", action="override", verdict=other, reason=reason)
    assert log.get(record.decision_id).reviews == ()


def test_override_needs_another_verdict(log: DecisionLog) -> None:
    record = fill(log)[2]
    with pytest.raises(ValidationError, match="needs verdict"):
        log.review(record.decision_id, reviewer="rev-1", action="override", reason="why")
    with pytest.raises(DecisionLogError, match="already recommends; an override must choose another"):
        log.review(
            record.decision_id, reviewer="rev-1", action="override", verdict=record.verdict, reason="x"
        )


def test_accept_takes_no_verdict(log: DecisionLog) -> None:
    record = fill(log)[2]
    with pytest.raises(ValidationError, match="action='accept' takes no verdict"):
        log.review(record.decision_id, reviewer="rev-1", action="accept", verdict=record.verdict)
    with pytest.raises(ValidationError, match="action"):
        log.review(record.decision_id, reviewer="rev-1", action="approve")


def test_review_of_an_unknown_decision_is_refused(log: DecisionLog) -> None:
    with pytest.raises(DecisionLogError, match="is not in the log"):
        log.review("00000000-0000-0000-0000-000000000000", reviewer="rev-1", action="accept")


def test_the_latest_review_is_in_force(log: DecisionLog) -> None:
    record = fill(log)[3]
    other = next(v for v in tpm_fit.Verdict if v is not record.verdict)
    assert log.get(record.decision_id).effective_verdict is record.verdict
    override = log.review(record.decision_id, reviewer="r-1", action="override", verdict=other, reason="x")
    assert override.verdict is other
    assert override.reason == "x"
    assert log.get(record.decision_id).effective_verdict is other
    log.review(record.decision_id, reviewer="r-2", action="accept", reason="recommendation stands")
    logged = log.get(record.decision_id)
    assert [r.action for r in logged.reviews] == ["override", "accept"]
    assert logged.effective_verdict is record.verdict
    assert logged.record == record  # the record itself never changes


# -- the hash chain -------------------------------------------------------------------------


def test_an_untouched_log_checks_clean(log: DecisionLog) -> None:
    assert log.check().ok
    assert log.check().head_hash == GENESIS_HASH
    fill(log)
    report = log.check()
    assert report.ok, report.to_text()
    assert (report.entries, report.records, report.reviews, report.rulebooks) == (6, 4, 2, 1)
    assert report.broken == ()
    assert report.problems == ()
    assert report.to_text().startswith("OK: 6 entries")


def test_entries_are_append_only_for_ordinary_clients(log: DecisionLog) -> None:
    fill(log)
    conn = sqlite3.connect(log.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE entries SET verdict = 'either'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM entries")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE rulebooks SET toml = ''")
    conn.close()


def _edits() -> list[tuple[str, Callable[[dict[str, Any]], None]]]:
    def score(body: dict[str, Any]) -> None:
        body["recommendation"]["score"] += 0.001

    def contribution(body: dict[str, Any]) -> None:
        body["recommendation"]["trace"][0]["contribution"] += 0.5

    def requester(body: dict[str, Any]) -> None:
        body["requested_by"] = "someone-else"

    def label(body: dict[str, Any]) -> None:
        body["labels"]["row"] = "99"

    def time(body: dict[str, Any]) -> None:
        body["recorded_at"] = "2020-01-01T00:00:00Z"

    return [
        ("score", score),
        ("trace", contribution),
        ("requester", requester),
        ("label", label),
        ("time", time),
    ]


@pytest.mark.parametrize(("name", "edit"), _edits(), ids=[name for name, _ in _edits()])
@pytest.mark.parametrize("index", [0, 1, 3])
def test_editing_a_stored_record_is_reported_with_its_id(
    log: DecisionLog, name: str, edit: Callable[[dict[str, Any]], None], index: int
) -> None:
    records = fill(log)
    target = str(records[index].decision_id)
    conn = raw(log.path)
    (text,) = conn.execute("SELECT body FROM entries WHERE entry_id = ?", (target,)).fetchone()
    body = json.loads(text)
    edit(body)
    conn.execute("UPDATE entries SET body = ? WHERE entry_id = ?", (canonical_json(body), target))
    conn.close()
    report = log.check()
    assert not report.ok
    assert report.broken == (target,)
    assert next((p.kind, p.problem) for p in report.problems) == ("record", "content")
    assert target in report.to_text()


@pytest.mark.parametrize("field", ["reason", "verdict", "reviewer", "action"])
def test_editing_a_stored_review_is_reported_with_its_id(log: DecisionLog, field: str) -> None:
    records = fill(log)
    review = log.get(records[0].decision_id).reviews[0]
    conn = raw(log.path)
    (text,) = conn.execute("SELECT body FROM entries WHERE entry_id = ?", (str(review.review_id),)).fetchone()
    body = json.loads(text)
    body[field] = {
        "reason": "edited",
        "verdict": records[0].verdict.value,
        "reviewer": "x-9",
        "action": "accept",
    }[field]
    conn.execute(
        "UPDATE entries SET body = ? WHERE entry_id = ?", (canonical_json(body), str(review.review_id))
    )
    conn.close()
    report = log.check()
    assert str(review.review_id) in report.broken
    assert any(p.problem == "content" and p.kind == "review" for p in report.problems)


def test_editing_a_query_column_is_reported(log: DecisionLog) -> None:
    records = fill(log)
    target = str(records[2].decision_id)
    other = next(v for v in tpm_fit.Verdict if v is not records[2].verdict)
    conn = raw(log.path)
    conn.execute("UPDATE entries SET verdict = ? WHERE entry_id = ?", (other.value, target))
    conn.close()
    report = log.check()
    assert report.broken == (target,)
    assert report.problems[0].problem == "index"
    assert "verdict" in report.problems[0].detail


def test_deleting_entries_breaks_the_link(log: DecisionLog) -> None:
    records = fill(log)
    conn = raw(log.path)
    conn.execute("DELETE FROM entries WHERE entry_id = ?", (str(records[2].decision_id),))
    conn.close()
    report = log.check()
    assert report.broken == (str(records[3].decision_id),)
    assert report.problems[0].problem == "link"
    assert str(records[1].decision_id) in report.problems[0].detail
    # A review whose decision was deleted is an orphan as well as a broken link.
    conn = raw(log.path)
    conn.execute("DELETE FROM entries WHERE entry_id = ?", (str(records[0].decision_id),))
    conn.close()
    review = log.get(records[1].decision_id)  # still there
    report = log.check()
    assert ("review", "orphan") in {(p.kind, p.problem) for p in report.problems}
    assert str(records[1].decision_id) in report.broken
    assert review.record == records[1]


def test_a_rehashed_edit_is_caught_by_the_next_link(log: DecisionLog) -> None:
    records = fill(log)
    target = str(records[1].decision_id)
    conn = raw(log.path)
    (text,) = conn.execute("SELECT body FROM entries WHERE entry_id = ?", (target,)).fetchone()
    body = json.loads(text)
    body["requested_by"] = "forged"
    text = canonical_json(body)
    conn.execute(
        "UPDATE entries SET body = ?, record_hash = ? WHERE entry_id = ?",
        (text, hashlib.sha256(text.encode()).hexdigest(), target),
    )
    conn.close()
    report = log.check()
    assert report.broken == (str(records[2].decision_id),)
    assert report.problems[0].problem == "link"
    assert target in report.problems[0].detail


def test_a_rewritten_chain_needs_an_anchor_to_be_caught(log: DecisionLog) -> None:
    records = fill(log)
    anchor = log.check().head_hash
    # Rewrite every entry from the second on, re-hashing and re-linking all of them.
    conn = raw(log.path)
    rows = conn.execute("SELECT seq, body FROM entries ORDER BY seq").fetchall()
    previous = GENESIS_HASH
    for seq, text in rows:
        body = json.loads(text)
        if body.get("decision_id") == str(records[1].decision_id) and "review_id" not in body:
            body["requested_by"] = "forged"
        body["previous_hash"] = previous
        text = canonical_json(body)
        previous = hashlib.sha256(text.encode()).hexdigest()
        conn.execute(
            "UPDATE entries SET body = ?, record_hash = ?, previous_hash = ? WHERE seq = ?",
            (text, previous, body["previous_hash"], seq),
        )
    conn.close()
    assert log.check().ok  # the documented limit: a consistent rewrite is not detectable alone
    report = log.check(anchors=[anchor])
    assert not report.ok
    assert report.problems[0].kind == "anchor"
    assert report.problems[0].entry_id == anchor


def test_an_anchor_catches_truncation(log: DecisionLog) -> None:
    fill(log)
    anchor = log.check().head_hash
    assert log.check(anchors=[anchor, GENESIS_HASH]).ok
    conn = raw(log.path)
    conn.execute("DELETE FROM entries WHERE seq = (SELECT max(seq) FROM entries)")
    conn.close()
    assert log.check().ok
    assert [p.problem for p in log.check(anchors=[anchor]).problems] == ["missing"]


def test_unreadable_and_orphan_entries_are_reported(log: DecisionLog) -> None:
    records = fill(log)
    conn = raw(log.path)
    conn.execute("UPDATE entries SET body = 'not json' WHERE entry_id = ?", (str(records[3].decision_id),))
    conn.close()
    report = log.check()
    assert report.broken[0] == str(records[3].decision_id)
    assert report.problems[0].problem == "unreadable"


# -- replay ---------------------------------------------------------------------------------


def test_replay_of_an_untouched_log_is_the_same(log: DecisionLog) -> None:
    records = fill(log)
    custom = custom_rulebook()
    records.append(
        log.record(
            tpm_fit.recommend(company_size=40, product_complexity="moderate", rulebook=custom),
            rulebook=custom,
        )
    )
    for record in records:
        outcome = log.replay(record.decision_id)
        assert outcome.same
        assert outcome.differences == ()
        assert outcome.recomputed == record.recommendation
        assert outcome.rulebook_fingerprint == record.rulebook_fingerprint
        assert outcome.library_version == outcome.recorded_library_version == tpm_fit.__version__
        assert outcome.to_text().startswith("SAME")


def test_replay_reports_each_changed_field_with_old_and_new_values(log: DecisionLog) -> None:
    result = tpm_fit.recommend(company_size=40, product_complexity="high")
    step = result.trace[1]
    changed_step = step.model_copy(update={"contribution": step.contribution + 0.25})
    as_if_older = result.model_copy(
        update={"score": result.score + 0.25, "trace": (result.trace[0], changed_step, *result.trace[2:])}
    )
    record = log.record(as_if_older)
    outcome = log.replay(record.decision_id)
    assert not outcome.same
    assert [(d.path, d.change, d.old, d.new) for d in outcome.differences] == [
        ("score", "changed", as_if_older.score, result.score),
        ("trace[1].contribution", "changed", changed_step.contribution, step.contribution),
    ]
    assert "trace[1].contribution" in outcome.to_text()
    assert log.replay(record.decision_id, float_tolerance=0.3).same
    with pytest.raises(DecisionLogError, match="float_tolerance"):
        log.replay(record.decision_id, float_tolerance=-1.0)


def test_replay_reports_the_library_version_apart(log: DecisionLog) -> None:
    result = tpm_fit.recommend(company_size=40, product_complexity="moderate")
    record = log.record(result.model_copy(update={"library_version": "0.0.1"}))
    outcome = log.replay(record.decision_id)
    assert outcome.same
    assert (outcome.recorded_library_version, outcome.library_version) == ("0.0.1", tpm_fit.__version__)


def test_replay_under_an_altered_stored_rulebook_names_both_fingerprints(log: DecisionLog) -> None:
    record = fill(log)[0]
    fingerprint = record.rulebook_fingerprint
    book = Rulebook.default()
    altered = book.with_weights({book.factor_ids[0]: book.factors[0].weight + 1.0})
    conn = raw(log.path)
    conn.execute("UPDATE rulebooks SET toml = ? WHERE fingerprint = ?", (altered.to_toml(), fingerprint))
    conn.close()
    with DecisionLog(log.path) as reopened:  # a fresh instance: nothing cached
        with pytest.raises(
            DecisionLogError, match=f"{fingerprint} now has fingerprint {altered.fingerprint}"
        ):
            reopened.replay(record.decision_id)
        report = reopened.check()
    assert [(p.kind, p.entry_id, p.problem) for p in report.problems] == [
        ("rulebook", fingerprint, "content")
    ]


def test_replay_with_a_missing_or_unreadable_stored_rulebook_is_a_clear_error(log: DecisionLog) -> None:
    record = fill(log)[0]
    conn = raw(log.path)
    conn.execute("UPDATE rulebooks SET toml = 'name = 3'")
    conn.close()
    with DecisionLog(log.path) as reopened:
        with pytest.raises(DecisionLogError, match="cannot be read by tpm_fit"):
            reopened.replay(record.decision_id)
        assert reopened.check().problems[0].problem == "unreadable"
    conn = raw(log.path)
    conn.execute("DELETE FROM rulebooks")
    conn.close()
    with DecisionLog(log.path) as reopened:
        with pytest.raises(DecisionLogError, match="no rulebook with fingerprint"):
            reopened.replay(record.decision_id)
        assert {p.problem for p in reopened.check().problems} == {"missing"}


def test_replay_of_a_record_held_outside_a_log(log: DecisionLog) -> None:
    custom = custom_rulebook()
    record = log.record(
        tpm_fit.recommend(company_size=40, product_complexity="moderate", rulebook=custom), rulebook=custom
    )
    outside = DecisionRecord.model_validate_json(record.model_dump_json())
    assert tpm_fit.replay(outside, custom).same
    with pytest.raises(DecisionLogError, match=f"{Rulebook.default().fingerprint}.*{custom.fingerprint}"):
        tpm_fit.replay(outside, Rulebook.default())


def test_diff_is_generic_over_added_removed_and_nested_fields() -> None:
    old = {"verdict": "technical", "trace": [{"a": 1.0}, {"a": 2.0}], "gone": 1, "flag": True}
    new = {"verdict": "either", "trace": [{"a": 1.0}], "seat": ["strategy"], "flag": 1, "odd key": None}
    found = [(d.path, d.change, d.old, d.new) for d in diff_json(old, new)]
    assert found == [
        ("verdict", "changed", "technical", "either"),
        ("trace[1]", "removed", {"a": 2.0}, None),
        ("gone", "removed", 1, None),
        ("flag", "changed", True, 1),
        ("seat", "added", None, ["strategy"]),
        ('["odd key"]', "added", None, None),
    ]
    assert list(diff_json({"x": 1}, {"x": 1.0})) == []
    assert list(diff_json({"x": 0.1 + 0.2}, {"x": 0.3})) != []
    assert list(diff_json({"x": 0.1 + 0.2}, {"x": 0.3}, float_tolerance=1e-12)) == []


# -- files, schema, concurrency -------------------------------------------------------------


def test_a_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    DecisionLog(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    with pytest.raises(DecisionLogError, match=r"schema version 2, newer than the 1 .* upgrade tpm_fit"):
        DecisionLog(path)


def test_the_file_uses_wal_and_records_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    DecisionLog(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_files_that_are_not_decision_logs_are_refused(tmp_path: Path) -> None:
    (tmp_path / "text.db").write_text("hello", encoding="utf-8")
    with pytest.raises(DecisionLogError, match=r"text.db: cannot use this file as a decision log"):
        DecisionLog(tmp_path / "text.db")
    conn = sqlite3.connect(tmp_path / "other.db")
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.close()
    with pytest.raises(DecisionLogError, match="not a tpm_fit decision log"):
        DecisionLog(tmp_path / "other.db")
    with pytest.raises(DecisionLogError, match="no decision log there"):
        DecisionLog(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(DecisionLogError, match="cannot open"):
        DecisionLog(tmp_path / "no" / "such" / "folder.db")


def test_reopening_keeps_everything(tmp_path: Path) -> None:
    with DecisionLog(tmp_path / "a.db", clock=Clock()) as log:
        records = fill(log)
    with DecisionLog(tmp_path / "a.db", create=False) as log:
        assert list(log.records()) == records
        assert log.check().ok
        assert "a.db" in repr(log)


@pytest.mark.parametrize("shared", [True, False], ids=["one-instance", "instance-per-thread"])
def test_threads_never_fork_the_chain(tmp_path: Path, shared: bool) -> None:
    path = tmp_path / "threads.db"
    result = tpm_fit.recommend(company_size=40, product_complexity="moderate")
    common = DecisionLog(path)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            log = common if shared else DecisionLog(path)
            for _ in range(50):
                log.record(result)
            if not shared:
                log.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(common) == 200
    assert common.check().ok
    common.close()


def test_memory_log_works_for_quick_use() -> None:
    with DecisionLog(":memory:") as log:
        record = log.record(tpm_fit.recommend(company_size=40, product_complexity="moderate"))
        assert log.get(record.decision_id).record == record
        assert log.check().ok


def test_unreadable_entries_give_clear_errors_not_crashes(log: DecisionLog) -> None:
    records = fill(log)
    conn = raw(log.path)
    conn.execute("UPDATE entries SET body = 'garbage' WHERE entry_id = ?", (str(records[0].decision_id),))
    review = log.get(records[1].decision_id).reviews[0]
    conn.execute("UPDATE entries SET body = '{\"x\":1}' WHERE entry_id = ?", (str(review.review_id),))
    conn.close()
    with pytest.raises(DecisionLogError, match=r"cannot be read as a DecisionRecord.*run check"):
        log.get(records[0].decision_id)
    with pytest.raises(DecisionLogError, match="cannot be read as a Review"):
        log.get(records[1].decision_id)
    with pytest.raises(DecisionLogError, match="unreadable text; run check"):
        log.replay(records[0].decision_id)
    with pytest.raises(DecisionLogError, match="unreadable text"):
        log.export_jsonl(io.StringIO())
    assert log.replay(records[2].decision_id).same  # the rest of the log still works
    assert set(log.check().broken) == {str(records[0].decision_id), str(review.review_id)}


def _public_methods() -> list[tuple[str, Callable[..., Any]]]:
    items: list[tuple[str, Callable[..., Any]]] = [("replay", tpm_fit.replay)]
    for name in vars(DecisionLog):
        if not name.startswith("_"):
            items.append((f"DecisionLog.{name}", getattr(DecisionLog, name)))
    items.append(("DecisionLog", DecisionLog.__init__))
    return items


@pytest.mark.parametrize(("name", "func"), _public_methods(), ids=[n for n, _ in _public_methods()])
def test_arguments_with_defaults_are_keyword_only(name: str, func: Callable[..., Any]) -> None:
    import inspect

    for param in inspect.signature(func).parameters.values():
        if param.default is not inspect.Parameter.empty:
            assert param.kind is param.KEYWORD_ONLY, f"{name}({param.name})"


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_one_character_edit_is_reported_with_the_entrys_id(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("edit") / "d.db"
    with DecisionLog(path, clock=Clock()) as log:
        fill(log)
    conn = raw(str(path))
    rows = conn.execute("SELECT entry_id, body FROM entries ORDER BY seq").fetchall()
    entry_id, body = data.draw(st.sampled_from(rows), label="entry")
    at = data.draw(st.integers(0, len(body) - 1), label="position")
    new = data.draw(st.characters(codec="ascii").filter(lambda c: c != body[at]), label="character")
    conn.execute(
        "UPDATE entries SET body = ? WHERE entry_id = ?", (body[:at] + new + body[at + 1 :], entry_id)
    )
    conn.close()
    with DecisionLog(path) as log:
        report = log.check()
    assert not report.ok
    assert entry_id in report.broken
