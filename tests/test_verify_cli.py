"""``tpm-fit verify`` end to end, through ``python -m tpm_fit`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cli_runner import run_cli
from tpm_fit import OrgProfile, Rulebook, recommend


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("verify", *args)  # a process under CI, in-process in the quick run


def _inverted_rulebook(tmp_path: Path) -> Path:
    data = Rulebook.default().model_dump(mode="json")
    table = data["factors"][0]["activation"]["of"][0]
    assert table["input"] == "product_complexity"
    table["values"] = dict(zip(table["values"], reversed(list(table["values"].values())), strict=True))
    path = tmp_path / "inverted.toml"
    path.write_text(Rulebook.from_mapping(data).to_toml(), encoding="utf-8")
    return path


def test_default_rulebook_exits_0() -> None:
    result = _run()
    assert result.returncode == 0, result.stderr
    assert ": OK" in result.stdout.splitlines()[0]
    assert "complexity_never_lowers" in result.stdout
    assert result.stderr == ""


def test_copied_default_rulebook_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "my_rules.toml"
    path.write_text(Rulebook.default().to_toml(), encoding="utf-8")
    assert _run(str(path)).returncode == 0


def test_violations_exit_1_with_counterexample(tmp_path: Path) -> None:
    result = _run(str(_inverted_rulebook(tmp_path)))
    assert result.returncode == 1, result.stderr
    assert "VIOLATION" in result.stdout
    assert "[monotonicity] complexity_never_lowers" in result.stdout
    assert "before:" in result.stdout
    assert "after:" in result.stdout


def test_json_report_is_machine_readable(tmp_path: Path) -> None:
    path = _inverted_rulebook(tmp_path)
    result = _run(str(path), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    violation = report["violations"][0]
    assert violation["check"] == "monotonicity"
    assert violation["subject"] == "complexity_never_lowers"
    # The counterexample in the JSON reproduces with recommend().
    book = Rulebook.load(path)
    before = OrgProfile.model_validate(violation["before"])
    after = OrgProfile.model_validate(violation["after"])
    assert recommend(before, rulebook=book).score == violation["score_before"]
    assert recommend(after, rulebook=book).score == violation["score_after"]
    assert violation["score_after"] < violation["score_before"]


def test_json_clean_report() -> None:
    result = _run("--format", "json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["violations"] == []
    assert report["grid_points"] > 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name = [unclosed", "invalid TOML"),
        ('name = "only a name"', "missing"),
        (None, "cannot read rulebook"),
    ],
    ids=["invalid-toml", "invalid-rulebook", "missing-file"],
)
def test_unreadable_or_invalid_file_exits_2(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "rules.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = _run(str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_weight_names_its_location(tmp_path: Path) -> None:
    text = Rulebook.default().to_toml().replace("weight = 3.0", "weight = -3.0", 1)
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    result = _run(str(path))
    assert result.returncode == 2
    assert "@ factors[0].weight" in result.stderr


def test_grid_limit_exits_2() -> None:
    result = _run("--max-grid-points", "10")
    assert result.returncode == 2
    assert "max_grid_points" in result.stderr
