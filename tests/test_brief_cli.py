"""``tpm-fit brief`` end to end, through ``python -m tpm_fit`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cli_runner import run_cli
from tpm_fit import RoleBrief, recommend

PROFILE = ["--company-size", "12", "--product-complexity", "high"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("brief", *args)  # a process under CI, in-process in the quick run


def test_json_is_the_same_brief_as_the_api() -> None:
    out = run(*PROFILE, "--format", "json")
    assert out.returncode == 0, out.stderr
    brief = RoleBrief.model_validate_json(out.stdout)
    expected = recommend(company_size=12, product_complexity="high").brief()
    assert brief.model_dump(exclude={"library_version"}) == expected.model_dump(exclude={"library_version"})


def test_markdown_is_the_default() -> None:
    out = run(*PROFILE)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("# Technical Product Manager") or out.stdout.startswith("# ")
    assert "## Interview scorecard" in out.stdout


def test_html_and_jsonld() -> None:
    page = run(*PROFILE, "--format", "html")
    assert page.returncode == 0
    assert page.stdout.startswith('<div class="tpm-fit-brief">')
    posting = json.loads(run(*PROFILE, "--format", "jsonld").stdout)
    assert posting["@type"] == "JobPosting"
    assert posting["responsibilities"]


def test_trace_weighting_from_the_command_line() -> None:
    out = run(*PROFILE, "--format", "json", "--weighting", "trace")
    brief = RoleBrief.model_validate_json(out.stdout)
    assert sum(c.weight for c in brief.scorecard) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--company-size", "0", "--product-complexity", "high"], "company_size=0"),
        ([*PROFILE, "--format", "pdf"], "invalid choice: 'pdf'"),
        ([*PROFILE, "--guidance", "/no/such/file.toml"], "cannot read guidance"),
        ([*PROFILE, "--guidance", ""], "an empty path"),
    ],
)
def test_bad_input_is_one_line_and_status_2(args: list[str], message: str) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_invalid_guidance_file_names_the_location(tmp_path: Path) -> None:
    path = tmp_path / "guidance.toml"
    path.write_text('name = "x"\nversion = "1"\nsource = "s"\nresponsibilities = 3\n', encoding="utf-8")
    out = run(*PROFILE, "--guidance", str(path))
    assert out.returncode == 2
    assert "guidance.toml" in out.stderr
    assert "responsibilities" in out.stderr
