"""Rulebook.sensitivity() against re-scoring the grid, and the command line end to end."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import budget
import tpm_fit
from cli_runner import run_cli
from tpm_fit import OrgProfile, Robustness, Rulebook, SensitivityReport, TpmFitError, recommend
from tpm_fit.testing import rulebooks

HEADER = """
name = "sensitivity test"
version = "0"
source = "tests"

[thresholds]
technical_min = 0.5
traditional_max = -0.5

[seat]
section = "s"
specialist_min_company_size = 150
specialist_min_product_team = 3
need = [{ from_company_size = 1, people = 1 }]
tie_order = ["strategy", "marketing", "technical"]
"""
# Weights that are not round numbers, so that no grid point scores exactly on a threshold.
BOOK = Rulebook.from_toml(
    HEADER
    + """
[[factors]]
id = "complex"
title = "Complex product"
favours = "technical"
weight = 1.37
section = "s"
reason = "r"
activation = { kind = "levels", input = "product_complexity", values = { low = 0.0, moderate = 0.3, \
high = 0.75, very_high = 1.0 } }

[[factors]]
id = "small_company"
title = "Small company"
favours = "traditional"
weight = 1.13
section = "s"
reason = "r"
activation = { kind = "ramp", input = "company_size", points = [[1, 1.0], [20, 0.6], [200, 0.0]] }

[[factors]]
id = "no_strategy"
title = "Nobody on strategy"
favours = "traditional"
weight = 0.61
section = "s"
reason = "r"
activation = { kind = "ramp", input = "strategy_coverage", points = [[0, 1.0], [2, 0.0]] }
"""
)


def grid_profiles(rulebook: Rulebook) -> list[OrgProfile]:
    """Every verification grid point that is a valid profile (no count above company_size)."""
    axes = rulebook.verify().grid
    points = (
        dict(zip([a.input for a in axes], values, strict=True))
        for values in itertools.product(*(a.values for a in axes))
    )
    counts = ("strategy_coverage", "marketing_coverage", "technical_coverage", "product_team_size")
    return [
        OrgProfile.model_validate(point)
        for point in points
        if all(point[name] <= point["company_size"] for name in counts)  # type: ignore[operator]
    ]


def brute_sensitivity(rulebook: Rulebook, delta: float) -> dict[str, tuple[int, int, int]]:
    profiles = grid_profiles(rulebook)
    base = [recommend(p, rulebook=rulebook).verdict for p in profiles]
    out = {}
    for factor in rulebook.factors:
        moved = [
            [
                recommend(p, rulebook=rulebook.with_weights({factor.id: factor.weight * m})).verdict
                for p in profiles
            ]
            for m in (1 + delta, 1 - delta)
        ]
        up = [a is not b for a, b in zip(moved[0], base, strict=True)]
        down = [a is not b for a, b in zip(moved[1], base, strict=True)]
        out[factor.id] = (sum(up), sum(down), sum(u or d for u, d in zip(up, down, strict=True)))
    return out


# Each delta rescores the whole grid (some 8 s): the quick run takes a small and the largest.
@pytest.mark.parametrize("delta", [0.05, 0.1, 0.3, 1.0] if budget.CI else [0.1, 1.0])
def test_sensitivity_equals_rescoring_every_grid_point(delta: float) -> None:
    report = BOOK.sensitivity(delta=delta)
    expected = brute_sensitivity(BOOK, delta)
    assert report.grid_points == len(grid_profiles(BOOK))
    for item in report.factors:
        up, down, either_way = expected[item.factor]
        assert item.points_changed == either_way
        assert item.share_changed == either_way / report.grid_points
        assert item.share_changed_up == up / report.grid_points
        assert item.share_changed_down == down / report.grid_points
    assert report.delta == delta
    if delta >= 0.3:
        assert any(item.points_changed for item in report.factors)  # the test can see something


@settings(max_examples=20)
@given(rulebooks(), st.floats(0.01, 0.5))
def test_a_larger_move_changes_at_least_as_many_verdicts(rulebook: Rulebook, delta: float) -> None:
    small = rulebook.sensitivity(delta=delta)
    large = rulebook.sensitivity(delta=min(1.0, 2 * delta))
    for a, b in zip(small.factors, large.factors, strict=True):
        assert a.factor == b.factor
        assert a.share_changed_up <= b.share_changed_up
        assert a.share_changed_down <= b.share_changed_down
        assert max(a.share_changed_up, a.share_changed_down) <= a.share_changed <= 1.0
    assert small.share_any >= max(f.share_changed for f in small.factors)


def test_default_rulebook_sensitivity_is_fast_and_round_trips() -> None:
    report = Rulebook.default().sensitivity()
    assert report.seconds < 1.0
    assert [f.factor for f in report.factors] == list(Rulebook.default().factor_ids)
    assert SensitivityReport.model_validate_json(report.model_dump_json()) == report
    assert "not a population" in report.to_text()


@pytest.mark.parametrize("delta", [0.0, -0.1, 1.5, float("nan"), True])
def test_bad_delta_is_refused(delta: float) -> None:
    with pytest.raises(ValueError, match=r"delta=.*: out of range; valid: a number greater than 0") as caught:
        BOOK.sensitivity(delta=delta)
    assert isinstance(caught.value, TpmFitError)


# -- command line -------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)  # a process under CI, in-process in the quick run


PROFILE_ARGS = ("--company-size", "40", "--product-complexity", "high")


def test_recommend_with_robustness_prints_margins_and_acceptability() -> None:
    out = run("recommend", *PROFILE_ARGS, "--robustness")
    assert out.returncode == 0, out.stderr
    assert "Firmness:" in out.stdout
    assert "How firm is the verdict" in out.stdout
    assert "Acceptability (each weight x uniform [0.5, 1.5], 10,000 samples, seed 0)" in out.stdout
    for factor_id in Rulebook.default().factor_ids:
        assert factor_id in out.stdout


def test_recommend_json_includes_the_robustness_analysis() -> None:
    out = run(
        "recommend", *PROFILE_ARGS, "--robustness", "--format", "json", "--samples", "2000", "--seed", "3"
    )
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    robust = Robustness.model_validate(payload.pop("robustness"))
    result = tpm_fit.Recommendation.model_validate(payload)
    assert robust == result.robustness(samples=2000, seed=3)
    plain = json.loads(run("recommend", *PROFILE_ARGS, "--format", "json").stdout)
    assert "robustness" not in plain


def test_recommend_robustness_with_a_custom_rulebook(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(BOOK.to_toml(), encoding="utf-8")
    out = run("recommend", *PROFILE_ARGS, "--rulebook", str(path), "--robustness", "--format", "json")
    assert out.returncode == 0, out.stderr
    robust = Robustness.model_validate(json.loads(out.stdout)["robustness"])
    assert [m.factor for m in robust.margins] == list(BOOK.factor_ids)
    assert robust.rulebook_fingerprint == BOOK.fingerprint


def test_recommend_refuses_a_bad_spread_in_one_line() -> None:
    out = run("recommend", *PROFILE_ARGS, "--robustness", "--spread", "2")
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.strip().splitlines() == [
        "tpm-fit: error: spread=2.0: out of range; valid: a number from 0 to 1 (weights are multiplied "
        "by a factor in [1 - spread, 1 + spread] and must stay non-negative)"
    ]


def test_sensitivity_command_prints_the_table(tmp_path: Path) -> None:
    out = run("sensitivity")
    assert out.returncode == 0, out.stderr
    assert "Grid points are not a population" in out.stdout
    for factor_id in Rulebook.default().factor_ids:
        assert factor_id in out.stdout
    path = tmp_path / "rules.toml"
    path.write_text(BOOK.to_toml(), encoding="utf-8")
    out = run("sensitivity", str(path), "--delta", "0.3", "--format", "json")
    assert out.returncode == 0, out.stderr
    report = SensitivityReport.model_validate_json(out.stdout)
    expected = BOOK.sensitivity(delta=0.3)
    assert report.model_dump(exclude={"seconds"}) == expected.model_dump(exclude={"seconds"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--delta", "0"], "delta=0.0: out of range; valid: a number greater than 0 and at most 1"),
        (["no/such/file.toml"], "no/such/file.toml"),
        (["--max-grid-points", "10"], "more than max_grid_points=10"),
    ],
)
def test_sensitivity_command_errors_exit_2(args: list[str], message: str) -> None:
    out = run("sensitivity", *args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr
