"""The docs describe the shipped rulebook as it is."""

from __future__ import annotations

from pathlib import Path

from tpm_fit import Rulebook
from tpm_fit._render.recommendation import render_rulebook_table

ROOT = Path(__file__).parents[1]


def test_model_page_factor_table_matches_the_rulebook() -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    start = text.index("<!-- factor-table:start -->\n") + len("<!-- factor-table:start -->\n")
    end = text.index("\n<!-- factor-table:end -->")
    expected = render_rulebook_table(Rulebook.default())
    assert text[start:end] == expected, "regenerate the table with: tpm-fit rules"


def test_model_page_lists_every_risk_and_axiom() -> None:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    book = Rulebook.default()
    for item in (*book.risks, *book.axioms):
        assert f"`{item.id}`" in text


def test_readme_quick_start_is_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    command = [line for line in block.splitlines() if line.strip()][1].strip()
    assert f"CI=true {command} ||" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_printed_output_in_the_docs_is_what_the_code_prints_now() -> None:
    """Output blocks (<!-- output: expr -->) are generated: regenerate with
    ``python docs/_ext/tpm_outputs.py README.md docs/*.md``."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("tpm_outputs", ROOT / "docs" / "_ext" / "tpm_outputs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("tpm_outputs", module)
    spec.loader.exec_module(module)
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    blocks = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        blocks += text.count("<!-- output: ")
        assert module.regenerate(text) == text, f"{page.name}: regenerate its outputs"
    assert blocks >= 4
