"""Examples and the code in the docs run, so they cannot rot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)
# Every Markdown page with Python code; pages without any have nothing to run.
DOCS = [
    page
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    if FENCE.search(page.read_text(encoding="utf-8"))
]


#: What code needs from the extras: a pattern in the code, and the module that must be installed.
_EXTRAS = (
    (re.compile(r"\bpandas\b|recommend_many|scenario_grid|decision_map|\.tpm_fit\."), "pandas"),
    (re.compile(r"\bmatplotlib\b|plot_decision_map"), "matplotlib"),
    (re.compile(r"\bhypothesis\b|tpm_fit\.testing"), "hypothesis"),
    (re.compile(r"\bdask\b"), "dask"),
    (re.compile(r"\bpyarrow\b|parquet"), "pyarrow"),
)


def _skip_without_extras(code: str) -> None:
    """Skip (not fail) code that needs an optional dependency which is not installed."""
    for pattern, module in _EXTRAS:
        if pattern.search(code):
            pytest.importorskip(module)


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script: Path) -> None:
    _skip_without_extras(script.read_text(encoding="utf-8"))
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()


def test_quickstart_prints_a_real_recommendation() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")], capture_output=True, text=True, check=True
    )
    assert "Verdict: TECHNICAL" in out.stdout
    assert "What would change the verdict" in out.stdout


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_python_blocks_in_docs_run(doc: Path, tmp_path: Path) -> None:
    blocks = FENCE.findall(doc.read_text(encoding="utf-8"))
    _skip_without_extras("\n".join(blocks))
    script = tmp_path / "doc_blocks.py"
    script.write_text("\n\n".join(blocks), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False
    )
    assert out.returncode == 0, f"{doc.name}:\n{out.stderr}"
