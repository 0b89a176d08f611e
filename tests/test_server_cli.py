"""``tpm-fit tokens`` and ``tpm-fit serve`` end to end, through ``python -m tpm_fit``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def tpm_fit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tpm_fit", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_tokens_add_list_revoke(tmp_path: Path) -> None:
    log = str(tmp_path / "decisions.db")
    made = tpm_fit("tokens", "add", "--log", log, "--role", "reviewer", "--name", "rev-7")
    assert made.returncode == 0
    token = made.stdout.strip()
    assert token.startswith("tpmfit_")
    assert (
        made.stderr.strip() == "token for rev-7 (reviewer) made; it is shown only this once, keep it secret"
    )
    listed = tpm_fit("tokens", "list", "--log", log)
    assert listed.returncode == 0
    assert token not in listed.stdout
    assert listed.stdout.splitlines()[1].split()[:2] == ["rev-7", "reviewer"]
    assert listed.stdout.splitlines()[1].endswith("active")
    assert (
        tpm_fit("tokens", "revoke", "--log", log, "--name", "rev-7").stdout.strip()
        == "revoked 1 token(s) named rev-7"
    )
    assert "revoked" in tpm_fit("tokens", "list", "--log", log).stdout.splitlines()[1]
    again = tpm_fit("tokens", "revoke", "--log", log, "--name", "rev-7")
    assert again.returncode == 2
    assert again.stderr.strip() == "tpm-fit: error: name='rev-7': no active token has this name"
    checked = tpm_fit("log", "check", "--log", log)  # the token table is outside the chain
    assert checked.returncode == 0
    assert checked.stdout.startswith("OK: 0 entries")


def test_tokens_refuse_a_person_s_name(tmp_path: Path) -> None:
    done = tpm_fit(
        "tokens", "add", "--log", str(tmp_path / "d.db"), "--role", "auditor", "--name", "jane@example.com"
    )
    assert done.returncode == 2
    assert done.stderr.startswith("tpm-fit: error: name='jane@example.com': not an opaque id; valid: letters")


def test_serve_reports_a_bad_rulebook_in_one_line(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    missing = tmp_path / "nope.toml"
    done = tpm_fit("serve", "--rulebook", str(missing), "--port", "1")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("tpm-fit: error: ")
    assert "nope.toml" in done.stderr


def test_serve_refuses_a_bad_port() -> None:
    done = tpm_fit("serve", "--port", "70000")
    assert done.returncode == 2
    assert "argument --port: 70000: too large; valid: 1 to 65535" in done.stderr
