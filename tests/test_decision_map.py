"""decision_map and plot_decision_map: where the verdict flips, as a table and as a picture."""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")  # an extra: the module is skipped on an install without it

import sys

import numpy as np
import pandas as pd

from tpm_fit import (
    ProfileFrameError,
    decision_map,
    plot_decision_map,
    recommend,
    recommend_many,
    scenario_grid,
)

SIZES = [5, 50, 500, 5000, 50_000]
LEVELS = ["very_high", "low", "high", "moderate"]  # deliberately out of order


@pytest.fixture(scope="module")
def scored() -> pd.DataFrame:
    grid = scenario_grid(company_size=SIZES[::-1], product_complexity=LEVELS, technical_coverage=[0, 2])
    return grid.join(recommend_many(grid))


def test_the_map_has_one_cell_per_pair_in_reading_order(scored: pd.DataFrame) -> None:
    table = decision_map(scored[scored["technical_coverage"] == 0])
    assert table.index.tolist() == ["low", "moderate", "high", "very_high"]
    assert table.columns.tolist() == SIZES
    assert (table.index.name, table.columns.name) == ("product_complexity", "company_size")
    for level in table.index:
        for size in table.columns:
            expected = recommend(company_size=size, product_complexity=level).verdict.value
            assert table.loc[level, size] == expected


def test_scores_can_be_mapped_and_other_axes_chosen(scored: pd.DataFrame) -> None:
    table = decision_map(
        scored[scored["product_complexity"] == "high"],
        x="company_size",
        y="technical_coverage",
        values="score",
    )
    assert table.index.tolist() == [0, 2]
    assert (
        table.loc[2, 500]
        == recommend(company_size=500, product_complexity="high", technical_coverage=2).score
    )


def test_cells_mixing_scenarios_need_an_aggfunc(scored: pd.DataFrame) -> None:
    with pytest.raises(ProfileFrameError, match="because technical_coverage also varies"):
        decision_map(scored)
    mean = decision_map(scored, values="score", aggfunc="mean")
    rows = scored[(scored["company_size"] == 50) & (scored["product_complexity"] == "low")]
    assert mean.loc["low", 50] == pytest.approx(rows["score"].mean(), abs=1e-12)


def test_bad_arguments_are_named(scored: pd.DataFrame) -> None:
    grid = scenario_grid(company_size=[5], product_complexity="low")
    with pytest.raises(ProfileFrameError, match=r"values='verdict': not a column of the frame.*grid.join"):
        decision_map(grid)
    with pytest.raises(ProfileFrameError, match="the same column as x; valid: two different columns"):
        decision_map(scored, x="company_size", y="company_size")


def test_unscored_rows_leave_their_cell_empty() -> None:
    frame = pd.DataFrame({"company_size": [5.0, np.nan], "product_complexity": ["low", "low"]})
    results = recommend_many(frame, errors="coerce")
    table = decision_map(frame.fillna({"company_size": 50}).join(results))
    assert table.loc["low", 5] == "traditional"
    assert pd.isna(table.loc["low", 50])


@pytest.fixture
def agg() -> None:
    matplotlib = pytest.importorskip("matplotlib")  # the plot extra

    matplotlib.use("Agg", force=True)


@pytest.mark.usefixtures("agg")
def test_the_plot_colours_each_verdict_on_a_log_size_axis(scored: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    subset = scored[scored["technical_coverage"] == 0]
    ax = plot_decision_map(subset)
    try:
        assert isinstance(ax, Axes)
        assert ax.get_xscale() == "log"
        assert ax.get_yscale() == "linear"
        assert [t.get_text() for t in ax.get_yticklabels()] == ["low", "moderate", "high", "very_high"]
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["traditional", "either", "technical"]
        mesh = ax.collections[0]
        codes = np.asarray(mesh.get_array()).reshape(4, len(SIZES))
        table = decision_map(subset)
        names = np.array(["traditional", "either", "technical"])
        assert (names[codes] == table.to_numpy().astype(str)).all()
        # every grid value sits inside its own cell on the log axis
        low, high = ax.get_xlim()
        assert low < SIZES[0]
        assert high > SIZES[-1]
    finally:
        plt.close(ax.figure)


@pytest.mark.usefixtures("agg")
def test_a_score_plot_has_a_colour_bar_and_draws_on_a_given_axes(scored: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        returned = plot_decision_map(scored, values="score", aggfunc="mean", ax=ax, log_x=False, title="t")
        assert returned is ax
        assert ax.get_xscale() == "linear"
        assert ax.get_title() == "t"
        assert len(fig.axes) == 2  # the map and its colour bar
    finally:
        plt.close(fig)


def test_a_missing_matplotlib_gives_an_install_hint(
    scored: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'tpm-fit\[plot\]'"):
        plot_decision_map(scored)
