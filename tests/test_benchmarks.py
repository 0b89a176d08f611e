"""The benchmark scripts still run (tiny sizes; figures are not asserted, timing is noisy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"

CASES = [
    ("bench_recommend.py", ["--repeats", "1", "--number", "50"], "x baseline"),
    ("bench_batch.py", ["--rows", "2000", "--repeats", "1", "--max-rows", "1e4"], "matmul"),
    ("bench_verify.py", ["--repeats", "1"], "verify_rulebook(default)"),
    ("bench_records.py", ["--repeats", "1", "--number", "20"], "record(), file, durable=True"),
    ("bench_hostile.py", ["--repeats", "1"], "worst case"),
    ("bench_speed.py", ["--max-rows", "1e3", "--repeats", "1", "--number", "20"], "import tpm_fit"),
    ("bench_robustness.py", ["--repeats", "1", "--profiles", "5", "--rows", "2000"], "sensitivity()"),
    ("bench_brief.py", ["--repeats", "1", "--number", "20"], "brief() / recommend()"),
    (
        "bench_server.py",
        ["--clients", "2", "--requests", "5", "--single", "5", "--workers", "1"],
        "0 records lost",
    ),
]
#: Benchmarks that need an extra, and the module it provides.
NEEDS = {"bench_batch.py": "pandas", "bench_speed.py": "pyarrow", "bench_server.py": "uvicorn"}


@pytest.mark.slow  # each script end to end in its own process: CI (.ci/run) or -m slow
@pytest.mark.parametrize(("script", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_benchmark_script_runs(script: str, args: list[str], expected: str) -> None:
    if script in NEEDS:
        pytest.importorskip(NEEDS[script])
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert expected in out.stdout


def test_every_benchmark_script_is_smoke_tested() -> None:
    assert {p.name for p in BENCHMARKS.glob("bench_*.py")} == {case[0] for case in CASES}
