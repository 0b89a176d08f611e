"""The server extra stays optional: the core imports and runs without it, and says what to install.

Runs with or without the extra: a subprocess hides FastAPI, Starlette, uvicorn and Jinja2 behind
an import hook, as on a core install.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_HIDE = """
import sys
HIDDEN = {"fastapi", "starlette", "uvicorn", "jinja2", "multipart", "python_multipart"}
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Hide())
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _HIDE + code], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_core_runs_without_the_server_extra(tmp_path: Path) -> None:
    log = tmp_path / "decisions.db"
    done = _run(
        "import tpm_fit\n"
        "print(tpm_fit.recommend(company_size=40, product_complexity='high').verdict.value)\n"
        "from tpm_fit._cli.main import main\n"
        f"print(main(['tokens', 'add', '--log', {str(log)!r}, '--role', 'auditor', '--name', 'audit-1']))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in HIDDEN))\n"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "technical"
    assert lines[1].startswith("tpmfit_")
    assert lines[2:] == ["0", "[]"]


def test_serve_without_the_extra_names_it() -> None:
    done = _run("from tpm_fit._cli.main import main\nraise SystemExit(main(['serve']))\n")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "tpm-fit: error: tpm-fit serve needs the server extra (fastapi is missing): "
        "pip install 'tpm-fit[server]'"
    )


def test_importing_tpm_fit_loads_no_server_library() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, tpm_fit; tpm_fit.recommend(company_size=4, product_complexity='low'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'fastapi', 'starlette', 'uvicorn', 'jinja2', 'tpm_fit._server'}))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]"
