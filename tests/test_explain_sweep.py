"""The sweep summary renderer: a pure function from the ``--json`` summary to the printed text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tpm_fit._render.sweep import render_sweep_summary

BASE: dict[str, Any] = {
    "scenarios": 8,
    "axes": {"company_size": [5, 50, 500, 5000], "product_complexity": ["low", "high"]},
    "rulebook": {"name": "toy", "version": "1.2.3", "fingerprint": "0123456789abcdef0123"},
    "verdicts": {"no": 2, "maybe": 2, "yes": 4},
    "role_shapes": {"generalist": 6, "specialist": 2},
    "score": {"min": -1.25, "median": 0.5, "max": 2.0},
    "flips": None,
    "output": None,
}


def test_header_table_shapes_and_score_range() -> None:
    text = render_sweep_summary(BASE)
    assert text.splitlines() == [
        "8 scenarios scored with toy 1.2.3 (sha256 0123456789ab)",
        "axes: company_size (4), product_complexity (2)",
        "",
        "verdict        scenarios   share",
        "  yes                  4   50.0%",
        "  maybe                2   25.0%",
        "  no                   2   25.0%",
        "role shape: generalist 6, specialist 2",
        "score: min -1.250, median 0.500, max 2.000",
        "",
        "(more than two inputs vary: use --output to get every scenario)",
    ]
    assert not text.endswith("\n")


def test_runs_along_one_axis_and_the_output_path() -> None:
    runs = [{"from": 5, "to": 50, "verdict": "no"}, {"from": 500, "to": 500, "verdict": "yes"}]
    text = render_sweep_summary({**BASE, "flips": {"axis": "company_size", "runs": runs}, "output": "o.csv"})
    assert text.splitlines()[-5:] == [
        "",
        "verdict along company_size (from lowest to highest):",
        "  no for 5 to 50, yes for 500",
        "",
        "wrote 8 scenarios to o.csv",
    ]


def test_runs_along_x_for_each_value_of_y() -> None:
    flips = {
        "axis": "company_size",
        "by": "product_complexity",
        "runs": {
            "low": [{"from": 5, "to": 5000, "verdict": "no"}],
            "high": [{"from": 5, "to": 5, "verdict": "yes"}],
        },
    }
    text = render_sweep_summary({**BASE, "flips": flips})
    assert text.splitlines()[-3:] == [
        "verdict along company_size (by product_complexity, from lowest to highest):",
        "  low: no for 5 to 5000",
        "  high: yes for 5",
    ]


def test_the_cli_prints_exactly_the_rendered_json_summary(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    args = ["sweep", "--company-size", "5", "500", "--product-complexity", "low", "high"]

    def run(*extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "tpm_fit", *args, *extra],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run() == render_sweep_summary(json.loads(run("--format", "json"))) + "\n"
