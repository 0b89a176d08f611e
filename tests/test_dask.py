"""recommend_many on a dask DataFrame: partition by partition, same result as pandas."""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")  # an extra: the module is skipped on an install without it

import pandas as pd

from tpm_fit import ProfileFrameError, recommend_many, scenario_grid

dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    frame = scenario_grid(
        company_size=[3, 30, 300, 3000], product_complexity=["low", "high"], technical_coverage=[0, 1, 4]
    )
    frame.index = frame.index * 10 + 7  # not a RangeIndex, to see it survive
    frame["product_complexity"] = frame["product_complexity"].astype(str)  # strings, like most files
    return frame


def test_a_dask_frame_gives_a_dask_frame_equal_to_the_pandas_result(grid: pd.DataFrame) -> None:
    lazy = recommend_many(dd.from_pandas(grid, npartitions=3))
    assert isinstance(lazy, dd.DataFrame)
    expected = recommend_many(grid)
    meta = pytest.importorskip("dask.dataframe.utils").make_meta(lazy)
    pd.testing.assert_frame_equal(meta, expected.iloc[:0])  # metadata matches the real thing
    pd.testing.assert_frame_equal(lazy.compute(scheduler="synchronous"), expected)


def test_coerce_works_per_partition(grid: pd.DataFrame) -> None:
    broken = grid.astype({"company_size": "float64"})
    broken.loc[broken.index[[1, 17]], "company_size"] = [0.5, float("nan")]
    result = recommend_many(dd.from_pandas(broken, npartitions=4), errors="coerce").compute(
        scheduler="synchronous"
    )
    pd.testing.assert_frame_equal(result, recommend_many(broken, errors="coerce"))
    assert result["error"].notna().sum() == 2


def test_column_problems_raise_before_anything_runs(grid: pd.DataFrame) -> None:
    with pytest.raises(ProfileFrameError, match="unknown column"):
        recommend_many(dd.from_pandas(grid.assign(age=40), npartitions=2))


def test_bad_rows_raise_when_computed(grid: pd.DataFrame) -> None:
    lazy = recommend_many(dd.from_pandas(grid.assign(company_size=0), npartitions=2))
    with pytest.raises(ProfileFrameError, match="company_size=0: too small; valid: a whole number"):
        lazy.compute(scheduler="synchronous")
