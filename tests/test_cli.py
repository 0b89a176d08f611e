"""The command line, end to end through ``python -m tpm_fit`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import tpm_fit


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tpm_fit", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_recommend_prints_the_explanation() -> None:
    out = run("recommend", "--company-size", "40", "--product-complexity", "high")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Verdict: TECHNICAL")
    assert "For a traditional PM:" in out.stdout
    assert out.stderr == ""


def test_recommend_json_is_the_recommendation() -> None:
    out = run(
        "recommend",
        "--company-size",
        "900",
        "--product-complexity",
        "low",
        "--technical-coverage",
        "2",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    parsed = tpm_fit.Recommendation.model_validate_json(out.stdout)
    assert parsed == tpm_fit.recommend(company_size=900, product_complexity="low", technical_coverage=2)


def test_what_if_lists_counterfactuals() -> None:
    out = run(
        "recommend",
        "--company-size",
        "5",
        "--product-complexity",
        "moderate",
        "--what-if",
        "--format",
        "json",
    )
    payload = json.loads(out.stdout)
    assert [c["field"] for c in payload["counterfactuals"]] == list(tpm_fit.OrgProfile.model_fields)
    text = run("recommend", "--company-size", "5", "--product-complexity", "moderate", "--what-if").stdout
    assert "What would change the verdict" in text


def test_markdown_output_has_the_full_trace() -> None:
    out = run("recommend", "--company-size", "40", "--product-complexity", "high", "--format", "markdown")
    assert out.returncode == 0
    assert out.stdout.count("\n| ") >= len(tpm_fit.Rulebook.default().factors)


def test_out_of_range_value_exits_2_with_one_line() -> None:
    out = run("recommend", "--company-size", "0", "--product-complexity", "high")
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "company_size=0" in lines[0]
    assert lines[0] == "tpm-fit: error: company_size=0: too small; valid: a whole number from 1 to 10,000,000"
    assert "Traceback" not in out.stderr


def test_non_numbers_and_unknown_levels_exit_2() -> None:
    for args in (
        ["--company-size", "ten", "--product-complexity", "high"],
        ["--company-size", "10", "--product-complexity", "extreme"],
        ["--company-size", "10"],
        ["--company-size", "10", "--product-complexity", "high", "--age", "40"],
    ):
        out = run("recommend", *args)
        assert out.returncode == 2, args
        assert "Traceback" not in out.stderr
        assert out.stderr.strip()


def test_missing_required_field_names_it() -> None:
    out = run("recommend", "--product-complexity", "high")
    assert out.returncode == 2
    assert "company_size" in out.stderr


def test_custom_rulebook_and_bad_rulebook(tmp_path: Path) -> None:
    good = tmp_path / "rules.toml"
    good.write_text(
        tpm_fit.Rulebook.default().with_weights({"complex_product": 0.0, "technical_seat": 0.0}).to_toml()
    )
    out = run(
        "recommend", "--company-size", "5", "--product-complexity", "very_high", "--rulebook", str(good)
    )
    assert out.returncode == 0
    assert "Verdict: TECHNICAL" not in out.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [")
    out = run("recommend", "--company-size", "5", "--product-complexity", "low", "--rulebook", str(bad))
    assert out.returncode == 2
    assert "invalid TOML" in out.stderr
    assert "Traceback" not in out.stderr
    out = run(
        "recommend", "--company-size", "5", "--product-complexity", "low", "--rulebook", str(tmp_path / "no")
    )
    assert out.returncode == 2
    assert "cannot read" in out.stderr


def test_console_script_entry_point_is_declared() -> None:
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("tpm-fit") == "tpm_fit._cli.main:main"


def test_output_piped_into_a_closed_reader_is_not_an_error() -> None:
    """`tpm-fit rules | head -0`: the reader is gone before anything is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "tpm_fit", "rules"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert out.stderr == ""
    assert out.returncode == 0
