"""docs/records.md stays true: its Python runs, its field tables match the models."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import tpm_fit

DOC = Path(__file__).parents[1] / "docs" / "records.md"


def _section(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("\n#", 1)[0]


def test_python_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    with tpm_fit.DecisionLog(tmp_path / "decisions.db") as log:
        assert log.check().ok
        assert len(log) == 2


@pytest.mark.parametrize(
    ("heading", "model"),
    [("### `DecisionRecord`", tpm_fit.DecisionRecord), ("### `Review`", tpm_fit.Review)],
)
def test_field_tables_list_every_field(heading: str, model: type[tpm_fit.DecisionRecord]) -> None:
    table = _section(DOC.read_text(encoding="utf-8"), heading)
    documented = set(re.findall(r"^\| `([a-z_]+)`", table, flags=re.MULTILINE))
    documented |= set(re.findall(r"^\| `[a-z_]+`, `([a-z_]+)`", table, flags=re.MULTILINE))
    assert documented == set(model.model_fields)


def test_every_log_subcommand_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for action in ("list", "show", "review", "replay", "check", "export", "import"):
        assert f"tpm-fit log {action} " in text, action


def test_the_stored_text_is_what_record_hash_covers(tmp_path: Path) -> None:
    import hashlib
    import sqlite3

    with tpm_fit.DecisionLog(tmp_path / "d.db") as log:
        record = log.record(tpm_fit.recommend(company_size=40, product_complexity="high"))
    conn = sqlite3.connect(tmp_path / "d.db")
    (body,) = conn.execute("SELECT body FROM entries WHERE seq = 1").fetchone()
    conn.close()
    assert "\n" not in body
    assert hashlib.sha256(body.encode("utf-8")).hexdigest() == record.record_hash


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="needs the sqlite3 command")
def test_the_documented_shell_recipe_verifies_an_entry(tmp_path: Path) -> None:
    path = tmp_path / "decisions.db"
    with tpm_fit.DecisionLog(path) as log:
        record = log.record(tpm_fit.recommend(company_size=40, product_complexity="high"))
    recipe = f"sqlite3 {path} \"SELECT body FROM entries WHERE seq = 1\" | tr -d '\\n' | sha256sum"
    out = subprocess.run(recipe, shell=True, capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == record.record_hash
