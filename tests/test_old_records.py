"""Records survive upgrades: every log and export written by an earlier release still reads,
checks and replays with the current code (issue 22).

``tests/data/releases/<version>/`` holds a decision log and its JSON Lines export written by that
release (``tests/data/releases/make_release_fixture.py``, run once per release, before anything
changes the records). A release that cannot read any of them fails here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tpm_fit
from tpm_fit import DecisionLog
from tpm_fit._model.result import RESULT_SCHEMA_VERSION
from tpm_fit._records.models import RECORD_SCHEMA_VERSION
from tpm_fit._records.replay import replay_raw

RELEASES = Path(__file__).parent / "data" / "releases"
VERSIONS = sorted(path.name for path in RELEASES.iterdir() if path.is_dir())


def test_there_is_a_release_to_read() -> None:
    assert "0.2.0" in VERSIONS


@pytest.fixture(params=VERSIONS)
def old_log(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """A copy of a release's log (reading may touch the file: never the one in tests/data)."""
    version = str(request.param)
    copy = tmp_path / "decisions.sqlite"
    shutil.copyfile(RELEASES / version / "decisions.sqlite", copy)
    return version, copy


def _exported(version: str) -> list[dict[str, Any]]:
    """The entries of a release's export, in chain order (records and reviews)."""
    text = (RELEASES / version / "decisions.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    return [{"kind": line["kind"], **line["entry"]} for line in lines if "entry" in line]


def test_an_old_log_checks_ok_and_every_entry_reads_back(old_log: tuple[str, Path]) -> None:
    version, path = old_log
    entries = _exported(version)
    records = [item for item in entries if item["kind"] == "record"]
    with DecisionLog(path, create=False) as log:
        report = log.check()
        assert report.ok, report.to_text()
        assert report.records == len(records)
        read = list(log.records())
        assert [str(record.decision_id) for record in read] == [item["decision_id"] for item in records]
        for record in read:
            assert record.hash_matches  # read back, it still hashes to what was stored
            assert record.recommendation.profile.company_size >= 1
            logged = log.get(record.decision_id)
            assert logged.record == record
        reviewed = [log.get(record.decision_id) for record in read]
        assert sum(len(item.reviews) for item in reviewed) == report.reviews


def test_records_of_0_2_0_read_as_format_1() -> None:
    with DecisionLog(RELEASES / "0.2.0" / "decisions.sqlite", create=False) as log:
        records = list(log.records())
    assert {record.schema_version for record in records} == {1}
    assert {record.recommendation.schema_version for record in records} == {1}


def test_every_old_decision_replays_with_its_stored_rulebook(old_log: tuple[str, Path]) -> None:
    """The decision (verdict, score, seat, trace, risks) is recomputed from the stored rulebook;
    fields added since are listed as new, never reported as a change of the decision."""
    _, path = old_log
    with DecisionLog(path, create=False) as log:
        ids = list(log.decision_ids())
        replays = [log.replay(decision_id) for decision_id in ids]
    assert len(replays) == len(ids) > 0
    for outcome in replays:
        assert outcome.same, outcome.to_text()
        assert outcome.recorded_schema_version <= RESULT_SCHEMA_VERSION
        assert not any(item.change == "added" for item in outcome.differences)


def test_an_old_export_imports_checks_and_exports_again_unchanged(tmp_path: Path) -> None:
    for version in VERSIONS:
        source = RELEASES / version / "decisions.jsonl"
        target = tmp_path / f"{version}.sqlite"
        with DecisionLog.import_jsonl(source, target) as log:
            assert log.check().ok
            again = tmp_path / f"{version}.jsonl"
            log.export_jsonl(again)
        assert again.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tpm_fit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_line_lists_shows_checks_and_replays_an_old_log(old_log: tuple[str, Path]) -> None:
    version, path = old_log
    records = [item for item in _exported(version) if item["kind"] == "record"]
    listed = _cli("log", "list", "--log", path)
    assert listed.returncode == 0, listed.stderr
    for item in records:
        assert item["decision_id"] in listed.stdout
    shown = _cli("log", "show", records[0]["decision_id"], "--log", path)
    assert shown.returncode == 0, shown.stderr
    assert records[0]["recommendation"]["verdict"] in shown.stdout
    checked = _cli("log", "check", "--log", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    replayed = _cli("log", "replay", "--all", "--log", path)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert replayed.stdout.count("SAME: decision") == len(records)
    assert "CHANGED" not in replayed.stdout


def test_new_results_and_records_carry_the_current_format() -> None:
    result = tpm_fit.recommend(company_size=40, product_complexity="high")
    assert result.schema_version == RESULT_SCHEMA_VERSION
    assert json.loads(result.model_dump_json())["schema_version"] == RESULT_SCHEMA_VERSION
    with DecisionLog(":memory:") as log:
        record = log.record(result)
        assert record.schema_version == RECORD_SCHEMA_VERSION
        assert record.hash_matches
        assert log.get(record.decision_id).record == record


@pytest.mark.parametrize("kind", ["result", "record"])
def test_a_newer_format_is_refused_with_a_message_saying_so(kind: str) -> None:
    result = tpm_fit.recommend(company_size=40, product_complexity="high")
    with DecisionLog(":memory:") as log:
        record = log.record(result)
    data: dict[str, Any] = json.loads(record.model_dump_json())
    if kind == "result":
        data = data["recommendation"]
        data["schema_version"] = RESULT_SCHEMA_VERSION + 1
        model: Any = tpm_fit.Recommendation
    else:
        data["schema_version"] = RECORD_SCHEMA_VERSION + 1
        model = tpm_fit.DecisionRecord
    with pytest.raises(ValueError, match=r"written by a newer tpm_fit .*upgrade tpm_fit"):
        model.model_validate(data)


@pytest.mark.parametrize("bad", [True, 0, -5, "2"])
def test_a_schema_version_that_is_no_version_is_refused(bad: object) -> None:
    data = json.loads(tpm_fit.recommend(company_size=40, product_complexity="high").model_dump_json())
    data["schema_version"] = bad
    with pytest.raises(ValueError, match="schema_version"):
        tpm_fit.Recommendation.model_validate(data)


# -- replay compares the decision, per field ---------------------------------------------------


def _recorded(**changes: Any) -> tuple[dict[str, Any], tpm_fit.Rulebook]:
    book = tpm_fit.Rulebook.default()
    data = json.loads(tpm_fit.recommend(company_size=400, product_complexity="high").model_dump_json())
    data.update(changes)
    return data, book


def _replay(data: dict[str, Any], book: tpm_fit.Rulebook) -> tpm_fit.Replay:
    from uuid import uuid4

    return replay_raw(data, book, decision_id=uuid4())


def test_a_field_missing_from_an_older_format_is_new_not_changed() -> None:
    data, book = _recorded(schema_version=1)
    del data["need_reason"]
    for step in data["trace"]:
        del step["section"]  # as if the trace step had gained "section" since
    outcome = _replay(data, book)
    assert outcome.same
    assert outcome.differences == ()
    assert outcome.new_fields == ("trace[].section", "need_reason")
    assert "fields added since format 1: trace[].section, need_reason" in outcome.to_text()


def test_in_the_current_format_a_missing_key_is_a_difference() -> None:
    data, book = _recorded()
    del data["trace"][0]["section"]
    outcome = _replay(data, book)
    assert not outcome.same
    assert [(item.path, item.change) for item in outcome.differences] == [("trace[0].section", "added")]


def test_a_changed_score_and_verdict_are_differences_per_field() -> None:
    data, book = _recorded()
    data["score"] = data["score"] + 1.0
    data["trace"][2]["contribution"] = 99.0
    data["verdict"] = "either" if data["verdict"] != "either" else "technical"
    outcome = _replay(data, book)
    assert not outcome.same
    assert [item.path for item in outcome.differences] == ["verdict", "score", "trace[2].contribution"]
    assert outcome.to_text().startswith(f"CHANGED: decision {outcome.decision_id}: 3 difference(s)")


def test_wording_is_reported_apart_and_leaves_the_decision_the_same() -> None:
    data, book = _recorded(need_reason="Worded otherwise.")
    data["trace"][0]["reason"] = "Said another way."
    outcome = _replay(data, book)
    assert outcome.same
    assert [item.path for item in outcome.wording] == ["trace[0].reason", "need_reason"]
    assert "worded differently (2), the decision unchanged by it:" in outcome.to_text()


def test_fields_that_describe_the_decision_are_not_compared() -> None:
    data, book = _recorded(library_version="0.0.1", rulebook_name="renamed")
    outcome = _replay(data, book)
    assert outcome.same
    assert outcome.wording == ()
    assert outcome.recorded_library_version == "0.0.1"


def _keys_seen(version: str) -> dict[str, set[str]]:
    """The keys each model had in a release's export."""
    seen: dict[str, set[str]] = {name: set() for name in ("record", "result", "step", "risk", "profile")}
    for entry in _exported(version):
        if entry["kind"] != "record":
            continue
        seen["record"] |= set(entry) - {"kind"}
        result = entry["recommendation"]
        seen["result"] |= set(result)
        seen["profile"] |= set(result["profile"])
        for step in result["trace"]:
            seen["step"] |= set(step)
        for risk in result["risks"]:
            seen["risk"] |= set(risk)
    return seen


@pytest.mark.parametrize("version", VERSIONS)
def test_every_field_added_since_a_release_has_a_default_and_says_when_it_came(version: str) -> None:
    """A field added to a stored model without a default, or without ``since``, fails here."""
    from pydantic_core import PydanticUndefined

    from tpm_fit._records.models import _since

    models: dict[str, Any] = {
        "record": tpm_fit.DecisionRecord,
        "result": tpm_fit.Recommendation,
        "step": tpm_fit.TraceStep,
        "risk": tpm_fit.Risk,
        "profile": tpm_fit.OrgProfile,
    }
    seen = _keys_seen(version)
    for name, model in models.items():
        for field, info in model.model_fields.items():
            if field in seen[name]:
                continue
            assert info.default is not PydanticUndefined or info.default_factory is not None, (name, field)
            assert _since(info) >= 2, f"{model.__name__}.{field} needs json_schema_extra={{'since': N}}"


def test_stored_rulebooks_of_a_release_keep_their_fingerprints() -> None:
    """Fields added to the rulebook format later are left out of the fingerprint where they say
    nothing, so a rulebook stored by an older release still has the fingerprint it was stored by."""
    for version in VERSIONS:
        text = (RELEASES / version / "decisions.jsonl").read_text(encoding="utf-8")
        books = [json.loads(line) for line in text.splitlines() if '"kind":"rulebook"' in line]
        assert books
        for book in books:
            assert tpm_fit.Rulebook.from_toml(book["toml"]).fingerprint == book["fingerprint"]


def test_fields_added_to_the_rulebook_count_in_the_fingerprint_once_they_say_something() -> None:
    book = tpm_fit.Rulebook.default()
    assert book.verdict_axioms
    assert book.statements
    assert book.model_copy(update={"verdict_axioms": ()}).fingerprint != book.fingerprint
    assert book.model_copy(update={"statements": ()}).fingerprint != book.fingerprint
    seat = book.seat.model_copy(update={"technical_first_from": None})
    assert book.model_copy(update={"seat": seat}).fingerprint != book.fingerprint
    risk = book.risks[0]
    other = tpm_fit.Favours.TRADITIONAL if risk.if_hired == "technical" else tpm_fit.Favours.TECHNICAL
    changed = book.model_copy(
        update={"risks": (risk.model_copy(update={"if_hired": other}), *book.risks[1:])}
    )
    assert changed.fingerprint != book.fingerprint
