"""``tpm-fit recommend --log`` and ``tpm-fit log ...``, end to end through ``python -m tpm_fit``."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

import tpm_fit
from cli_runner import run_cli
from tpm_fit import DecisionLog, Rulebook

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
PROFILE = ("--company-size", "40", "--product-complexity", "high")


def run(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, stdin=stdin)  # a process under CI, in-process in the quick run


def one_error_line(out: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert re.search(pattern, lines[0]), lines[0]


@pytest.fixture
def logged(tmp_path: Path) -> tuple[Path, str]:
    """A log with one decision recorded through the command line, and its id."""
    path = tmp_path / "decisions.db"
    out = run("recommend", *PROFILE, "--log", path, "--requested-by", "hr:17", "--label", "team=payments")
    assert out.returncode == 0, out.stderr
    match = re.search(rf"Decision ({UUID}) recorded in ", out.stdout.splitlines()[-1])
    assert match, out.stdout
    return path, match.group(1)


def test_recommend_log_records_the_decision_and_prints_its_id(logged: tuple[Path, str]) -> None:
    path, decision_id = logged
    with DecisionLog(path) as log:
        record = log.get(decision_id).record
    assert record.requested_by == "hr:17"
    assert record.labels == {"team": "payments"}
    assert record.recommendation == tpm_fit.recommend(company_size=40, product_complexity="high")


def test_recommend_json_keeps_stdout_one_recommendation(tmp_path: Path) -> None:
    out = run("recommend", *PROFILE, "--format", "json", "--log", tmp_path / "d.db")
    assert out.returncode == 0, out.stderr
    tpm_fit.Recommendation.model_validate_json(out.stdout)
    assert re.fullmatch(rf"Decision {UUID} recorded in .*d\.db\n", out.stderr)


def test_recommend_log_with_a_custom_rulebook_replays(tmp_path: Path) -> None:
    book = Rulebook.default()
    custom = book.with_weights({book.factor_ids[0]: book.factors[0].weight + 0.5})
    (tmp_path / "rules.toml").write_text(custom.to_toml(), encoding="utf-8")
    out = run("recommend", *PROFILE, "--rulebook", tmp_path / "rules.toml", "--log", tmp_path / "d.db")
    assert out.returncode == 0, out.stderr
    (tmp_path / "rules.toml").unlink()  # the log alone is enough to replay
    replayed = run("log", "replay", "--all", "--log", tmp_path / "d.db", "--format", "json")
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout)["rulebook_fingerprint"] == custom.fingerprint


def test_list_and_show(logged: tuple[Path, str]) -> None:
    path, decision_id = logged
    listing = run("log", "list", "--log", path)
    assert listing.returncode == 0, listing.stderr
    assert decision_id in listing.stdout
    assert "hr:17" in listing.stdout
    assert listing.stdout.rstrip().endswith("(1 decision(s))")
    rows = [
        json.loads(line) for line in run("log", "list", "--log", path, "--format", "json").stdout.splitlines()
    ]
    assert [row["decision_id"] for row in rows] == [decision_id]
    assert run("log", "list", "--log", path, "--reviewed", "--format", "json").stdout == ""
    assert run("log", "list", "--log", path, "--since", "2999-01-01", "--format", "json").stdout == ""
    shown = run("log", "show", decision_id, "--log", path)
    assert shown.returncode == 0, shown.stderr
    assert f"Decision {decision_id}" in shown.stdout
    assert "Reviews: none" in shown.stdout
    payload = json.loads(run("log", "show", decision_id, "--log", path, "--format", "json").stdout)
    assert payload["record"]["decision_id"] == decision_id
    assert payload["reviews"] == []


def test_review_accept_and_override(logged: tuple[Path, str]) -> None:
    path, decision_id = logged
    with DecisionLog(path) as log:
        recommended = log.get(decision_id).record.verdict
    other = next(v for v in tpm_fit.Verdict if v is not recommended).value
    accepted = run("log", "review", decision_id, "--log", path, "--reviewer", "rev-1", "--accept")
    assert accepted.returncode == 0, accepted.stderr
    assert re.match(rf"Review {UUID} recorded: accept of decision {decision_id}", accepted.stdout)
    overridden = run(
        "log", "review", decision_id, "--log", path, "--reviewer", "rev-2",
        "--override", other, "--reason", "the team already has a strong tech lead", "--format", "json",
    )  # fmt: skip
    assert overridden.returncode == 0, overridden.stderr
    assert json.loads(overridden.stdout)["verdict"] == other
    shown = run("log", "show", decision_id, "--log", path).stdout
    assert f"Verdict in force: {other} (overridden)" in shown
    assert "strong tech lead" in shown
    assert run("log", "list", "--log", path, "--reviewed", "--format", "json").stdout.count(decision_id) == 1


def test_override_without_a_reason_exits_2(logged: tuple[Path, str]) -> None:
    path, decision_id = logged
    with DecisionLog(path) as log:
        other = next(v for v in tpm_fit.Verdict if v is not log.get(decision_id).record.verdict).value
    out = run("log", "review", decision_id, "--log", path, "--reviewer", "rev-1", "--override", other)
    one_error_line(out, f"--override {other} needs --reason")
    with DecisionLog(path) as log:
        assert log.get(decision_id).reviews == ()


def test_check_exits_1_naming_an_edited_entry(logged: tuple[Path, str]) -> None:
    path, decision_id = logged
    clean = run("log", "check", "--log", path)
    assert clean.returncode == 0
    assert clean.stdout.startswith("OK: 1 entries")
    anchor = json.loads(run("log", "check", "--log", path, "--format", "json").stdout)["head_hash"]
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER entries_append_only_update")
    conn.execute("UPDATE entries SET body = replace(body, 'hr:17', 'hr:18')")
    conn.commit()
    conn.close()
    broken = run("log", "check", "--log", path, "--anchor", anchor)
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN")
    assert decision_id in broken.stdout
    report = json.loads(run("log", "check", "--log", path, "--format", "json").stdout)
    assert report["broken"] == [decision_id]


def test_replay_exits_1_on_a_changed_result(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    result = tpm_fit.recommend(company_size=40, product_complexity="high")
    with DecisionLog(path) as log:
        same = log.record(result)
        changed = log.record(result.model_copy(update={"score": result.score + 1.0}))
    ok = run("log", "replay", str(same.decision_id), "--log", path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("SAME")
    out = run("log", "replay", "--all", "--log", path)
    assert out.returncode == 1
    assert "CHANGED" in out.stdout
    assert "score:" in out.stdout
    lines = run(
        "log", "replay", str(changed.decision_id), "--log", path, "--format", "json"
    ).stdout.splitlines()
    payload = json.loads(lines[0])
    assert payload["same"] is False
    assert [d["path"] for d in payload["differences"]] == ["score"]


def test_export_and_import_round_trip(logged: tuple[Path, str], tmp_path: Path) -> None:
    path, _decision_id = logged
    exported = run("log", "export", "--log", path)
    assert exported.returncode == 0, exported.stderr
    assert "exported 1 entries" in exported.stderr
    (tmp_path / "out.jsonl").write_text(exported.stdout, encoding="utf-8")
    imported = run("log", "import", tmp_path / "out.jsonl", "--log", tmp_path / "copy.db")
    assert imported.returncode == 0, imported.stderr
    piped = run("log", "import", "-", "--log", tmp_path / "copy2.db", stdin=exported.stdout)
    assert piped.returncode == 0, piped.stderr
    again = run("log", "export", "--log", tmp_path / "copy.db", "--output", tmp_path / "again.jsonl")
    assert again.returncode == 0
    assert (tmp_path / "again.jsonl").read_text(encoding="utf-8") == exported.stdout


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("log", "check", "--log", "{missing}"), "no decision log there"),
        (("log", "show", "not-a-uuid", "--log", "{log}"), "decision_id='not-a-uuid': not a UUID"),
        (("log", "show", "00000000-0000-0000-0000-000000000000", "--log", "{log}"), "is not in the log"),
        (("log", "list", "--log", "{log}", "--since", "yesterday"), "--since='yesterday' is not an ISO 8601"),
        (
            ("log", "list", "--log", "{log}", "--limit", "-1"),
            "--limit: -1: too small; valid: 0 or more",
        ),
        (("log", "replay", "--log", "{log}"), "give one or more decision ids, or --all"),
        (("log", "check", "--log", "{text}"), "cannot use this file as a decision log"),
        (("log", "import", "{text}", "--log", "{new}"), "not JSON"),
        (("recommend", *PROFILE, "--log", "{log}", "--label", "team"), "--label='team': not KEY=VALUE"),
        (
            ("recommend", *PROFILE, "--log", "{log}", "--label", "Team=x"),
            "key='Team': not a label key",
        ),
        (("recommend", *PROFILE, "--log", "{log}", "--requested-by", "Jane Doe"), "requested_by='Jane Doe'"),
        (("recommend", *PROFILE, "--label", "team=x"), "add --log PATH"),
        (("recommend", *PROFILE, "--log", "{nodir}"), "cannot open the decision log"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    logged: tuple[Path, str], tmp_path: Path, args: tuple[str, ...], pattern: str
) -> None:
    path, _ = logged
    (tmp_path / "text.txt").write_text("hello\n", encoding="utf-8")
    places = {
        "log": path,
        "missing": tmp_path / "missing.db",
        "text": tmp_path / "text.txt",
        "new": tmp_path / "new.db",
        "nodir": tmp_path / "no" / "dir.db",
    }
    out = run(*(arg.format(**places) for arg in args))
    one_error_line(out, pattern)
    assert not (tmp_path / "missing.db").exists()


def test_a_newer_schema_exits_2(logged: tuple[Path, str]) -> None:
    path, _ = logged
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    one_error_line(run("log", "list", "--log", path), "schema version 7, newer than")
