"""Margins in bulk: batch_margins == margin_of, recommend_many(margins=True) == robustness() row by row."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tpm_fit
from tpm_fit import OrgProfile, Rulebook, decision_map, recommend, recommend_many, scenario_grid
from tpm_fit._analysis.robustness import batch_margins, margin_of
from tpm_fit.testing import org_profiles, rulebooks

# Round values make ties (equal contributions, scores on a threshold) common; any float occurs too.
contribution_values = st.one_of(
    st.sampled_from([0.0, -0.0, 0.25, -0.25, 0.5, -0.5, 0.75, -0.75, 1.0, -1.0, 1.5, -1.5]),
    st.floats(min_value=-5.0, max_value=5.0, allow_nan=False),
)


@st.composite
def contribution_matrices(draw: st.DrawFn) -> np.ndarray:
    n_factors = draw(st.integers(1, 6))
    n_rows = draw(st.integers(1, 30))
    values = draw(st.lists(contribution_values, min_size=n_factors * n_rows, max_size=n_factors * n_rows))
    return np.array(values, dtype=np.float64).reshape(n_factors, n_rows)


@given(contribution_matrices(), st.sampled_from([(0.75, -0.75), (0.5, -0.5), (0.0, -1.0), (2.0, 1.5)]))
def test_batch_margins_equal_the_scalar_twin_exactly(
    matrix: np.ndarray, thresholds: tuple[float, float]
) -> None:
    technical_min, traditional_max = thresholds
    score = np.zeros(matrix.shape[1])
    for row in matrix:
        score += row  # kernel order
    margin, factor = batch_margins(
        matrix, score, technical_min=technical_min, traditional_max=traditional_max
    )
    for i in range(matrix.shape[1]):
        expected = margin_of(
            matrix[:, i].tolist(),
            float(score[i]),
            technical_min=technical_min,
            traditional_max=traditional_max,
        )
        assert (float(margin[i]), int(factor[i])) == expected


def test_batch_margins_cross_blocks_and_mark_missing_scores() -> None:
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(4, 40_000))  # more than one block of rows
    score = matrix.sum(axis=0)
    score[5] = np.nan
    margin, factor = batch_margins(matrix, score, technical_min=0.75, traditional_max=-0.75)
    assert math.isnan(margin[5])
    assert factor[5] == -1
    for i in (0, 16_383, 16_384, 39_999):
        assert (margin[i], factor[i]) == margin_of(
            matrix[:, i].tolist(), float(score[i]), technical_min=0.75, traditional_max=-0.75
        )


def frame_of(profiles: list[OrgProfile]) -> pd.DataFrame:
    return pd.DataFrame([p.model_dump(mode="json") for p in profiles])


@given(rulebooks(), st.lists(org_profiles(), min_size=1, max_size=15))
def test_recommend_many_margins_equal_robustness_row_by_row(
    rulebook: Rulebook, profiles: list[OrgProfile]
) -> None:
    result = recommend_many(frame_of(profiles), rulebook=rulebook, margins=True)
    for position, profile in enumerate(profiles):
        robust = recommend(profile, rulebook=rulebook).robustness(samples=1)
        row = result.iloc[position]
        if robust.margin is None:
            assert row["margin"] == math.inf
            assert pd.isna(row["margin_factor"])
        else:
            assert row["margin"] == robust.margin  # bit-identical, not merely close
            assert row["margin_factor"] == robust.margin_factor


def test_margin_columns_follow_the_contributions() -> None:
    grid = scenario_grid(company_size=[5, 50, 500], product_complexity=["low", "high"])
    plain = recommend_many(grid)
    with_margins = recommend_many(grid, margins=True)
    assert "margin" not in plain.columns
    assert list(with_margins.columns) == [*plain.columns, "margin", "margin_factor"]
    pd.testing.assert_frame_equal(with_margins[plain.columns], plain)
    assert with_margins["margin"].dtype == np.float64
    assert list(with_margins["margin_factor"].cat.categories) == list(Rulebook.default().factor_ids)
    assert (with_margins["margin"] >= 0).all()


def test_bad_rows_get_missing_margins() -> None:
    frame = pd.DataFrame({"company_size": [40, 0], "product_complexity": ["high", "high"]})
    result = recommend_many(frame, errors="coerce", margins=True)
    assert not math.isnan(result["margin"].iloc[0])
    assert math.isnan(result["margin"].iloc[1])
    assert pd.isna(result["margin_factor"].iloc[1])
    assert result["error"].iloc[1].startswith("company_size=0")


def test_accessor_and_row_lookup_know_the_margin_columns() -> None:
    grid = scenario_grid(company_size=[5, 500], product_complexity="high")
    scored = grid.tpm_fit.recommend(margins=True)
    pd.testing.assert_frame_equal(scored, recommend_many(grid, margins=True))
    joined = grid.join(scored)
    # Result columns joined to the profiles are ignored when rebuilding a row's recommendation.
    assert joined.tpm_fit.recommendation(1) == recommend(grid.iloc[1].to_dict())


def test_decision_map_shades_margins() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    grid = scenario_grid(company_size=[5, 50, 500, 5000], product_complexity=["low", "moderate", "high"])
    results = grid.join(recommend_many(grid, margins=True))
    table = decision_map(results, values="margin")
    assert table.shape == (3, 4)
    assert table.to_numpy().min() >= 0
    ax = tpm_fit.plot_decision_map(results, values="margin")
    assert "margin" in ax.figure.axes[-1].get_ylabel()  # the colour bar


def test_plot_shows_unflippable_cells() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    results = pd.DataFrame(
        {
            "company_size": [5, 50, 5, 50],
            "product_complexity": ["low", "low", "high", "high"],
            "margin": [0.1, math.inf, 0.4, 2.0],
        }
    )
    ax = tpm_fit.plot_decision_map(results, values="margin")
    mesh = ax.collections[0]
    data = np.ma.getdata(mesh.get_array())
    assert np.isfinite(data).all()  # inf is drawn in the "over" colour, not dropped
    assert mesh.norm.vmax == 2.0


def test_dask_frames_get_margins_too() -> None:
    dd = pytest.importorskip("dask.dataframe")
    grid = scenario_grid(company_size=[3, 30, 300], product_complexity=["low", "high"])
    lazy = recommend_many(dd.from_pandas(grid, npartitions=2), margins=True)
    pd.testing.assert_frame_equal(
        lazy.compute(scheduler="synchronous"), recommend_many(grid, margins=True), check_categorical=False
    )


@pytest.mark.parametrize("threads", [1, 2])
def test_margins_looked_up_per_table_entry_equal_the_margins_of_each_rows_contributions(threads: int) -> None:
    """On the table path each row's margin is its entry's, computed once: the same bits as
    batch_margins over the row's own contributions; bad rows still get none."""
    from tpm_fit._analysis.robustness import batch_margins
    from tpm_fit._batch.encode import encode_frame
    from tpm_fit._engine.kernel import compile_rulebook

    rng = np.random.default_rng(threads)
    n = 70_000  # more than one block of rows
    size = rng.integers(1, 20_000, n)
    frame = pd.DataFrame(
        {
            "company_size": size,
            "technical_coverage": np.minimum(rng.integers(0, 4, n), size),
            "product_team_size": np.minimum(rng.integers(0, 6, n), size),
            "product_complexity": rng.choice(["low", "moderate", "high", "very_high"], n),
            "engineering_capability": rng.choice(["developing", "established", "strong"], n),
        }
    )
    frame.loc[7, "product_complexity"] = "enormous"  # a bad row: coded 0 for the kernel, then dropped
    compiled = compile_rulebook(Rulebook.default())
    encoded = encode_frame(frame)
    assert compiled.table_entries(encoded.columns, encoded.n) is not None  # the lookup path
    result = recommend_many(frame, errors="coerce", margins=True, threads=threads)
    contributions = result.filter(like="contribution.").to_numpy().T.copy()
    margin, factor = batch_margins(
        contributions, result["score"].to_numpy(), technical_min=0.75, traditional_max=-0.75
    )
    assert result["margin"].to_numpy().tobytes() == margin.tobytes()
    assert result["margin_factor"].cat.codes.to_numpy().tolist() == factor.tolist()
    assert math.isnan(result["margin"].iloc[7])
    assert pd.isna(result["margin_factor"].iloc[7])
