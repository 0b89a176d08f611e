"""``tpm-fit sweep`` end to end, through ``python -m tpm_fit`` in a subprocess."""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")  # an extra: the module is skipped on an install without it

import json
import subprocess
from pathlib import Path

import pandas as pd

from cli_runner import run_cli
from tpm_fit import recommend_many, scenario_grid


def sweep(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("sweep", *args, cwd=cwd)  # a process under CI, in-process in the quick run


def test_axes_as_options_write_every_scored_scenario_to_csv(tmp_path: Path) -> None:
    done = sweep(
        "--company-size", "5", "50", "500", "5000", "--product-complexity", "low", "high",
        "--output", "out.csv", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "8 scenarios scored with tpm_fit default" in done.stdout
    assert "wrote 8 scenarios to out.csv" in done.stdout
    assert "verdict along company_size (by product_complexity" in done.stdout
    written = pd.read_csv(tmp_path / "out.csv")
    grid = scenario_grid(company_size=[5, 50, 500, 5000], product_complexity=["low", "high"])
    expected = grid.join(recommend_many(grid))
    assert list(written.columns) == list(expected.columns)
    assert written["verdict"].tolist() == expected["verdict"].astype(str).tolist()
    pd.testing.assert_series_equal(written["score"], expected["score"], rtol=0, atol=1e-15)


def test_a_toml_grid_with_a_range_and_json_summary(tmp_path: Path) -> None:
    (tmp_path / "grid.toml").write_text(
        "company_size = { start = 5, stop = 50000, num = 9, log = true }\n"
        'product_complexity = ["low", "moderate", "high", "very_high"]\n'
        'engineering_capability = "strong"\n'
        "technical_coverage = [0, 1, 2]\n",
        encoding="utf-8",
    )
    # the option overrides the file's technical_coverage axis
    done = sweep("--grid", "grid.toml", "--technical-coverage", "1", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    sizes = [5, 16, 50, 158, 500, 1581, 5000, 15811, 50000]
    assert summary["axes"]["company_size"] == sizes
    assert summary["axes"]["technical_coverage"] == [1]
    assert summary["scenarios"] == 36
    grid = scenario_grid(
        company_size=sizes,
        product_complexity=["low", "moderate", "high", "very_high"],
        engineering_capability="strong",
        technical_coverage=1,
    )
    verdicts = recommend_many(grid)["verdict"].value_counts()
    assert summary["verdicts"] == {
        name: int(verdicts[name]) for name in ["traditional", "either", "technical"]
    }
    assert summary["flips"]["axis"] == "company_size"
    assert set(summary["flips"]["runs"]) == {"low", "moderate", "high", "very_high"}
    assert summary["rulebook"]["name"] == "tpm_fit default"
    assert summary["output"] is None


def test_parquet_output_keeps_categoricals(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    done = sweep(
        "--company-size", "10", "100", "--product-complexity", "high", "--output", "o.parquet", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    table = pd.read_parquet(tmp_path / "o.parquet")
    assert len(table) == 2
    assert list(table["verdict"].cat.categories) == ["traditional", "either", "technical"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--company-size", "0", "5", "--product-complexity", "low"],
            "company_size=0: too small; valid: a whole number from 1 to 10,000,000 (value 1 of the "
            "company_size axis)",
        ),
        (["--company-size", "5"], "product_complexity: missing; valid: one of low, moderate"),
        (
            ["--company-size", "5", "--product-complexity", "low", "--output", "o.xlsx"],
            "--output='o.xlsx': not a .csv or .parquet path",
        ),
        (["--grid", "bad.toml"], "bad.toml: not valid TOML"),
        (["--grid", "range.toml"], "range.toml: product_complexity: ranges are for integer fields"),
        (["--grid", "missing.toml"], "No such file or directory"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "bad.toml").write_text("company_size = [5,\n", encoding="utf-8")
    (tmp_path / "range.toml").write_text("product_complexity = { start = 1, stop = 3 }\n", encoding="utf-8")
    done = sweep(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.startswith("tpm-fit: error:")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "o.xlsx").exists()
