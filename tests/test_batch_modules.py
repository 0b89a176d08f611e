"""The batch package by concern: encode.py validates, scenario_grid.py builds grids, frame.py scores.

frame.py stays the import point for the names other modules (and the benchmarks) use, and the
order in which column problems are reported is pinned, since it is part of each message.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from tpm_fit import ProfileFrameError, recommend_many, scenario_grid
from tpm_fit._batch import encode, frame
from tpm_fit._batch import scenario_grid as grid


def test_frame_keeps_every_name_that_other_modules_import_from_it() -> None:
    for name in ("encode_frame", "LEVEL_DTYPES", "RESULT_COLUMNS"):
        assert getattr(frame, name) is getattr(encode, name)
    for name in ("scenario_grid", "DEFAULT_MAX_ROWS"):
        assert getattr(frame, name) is getattr(grid, name)
    for name in ("recommend_many", "result_frame", "run_kernel", "VERDICT_DTYPE", "ROLE_SHAPE_DTYPE"):
        assert hasattr(frame, name)
    assert set(frame.__all__) <= set(dir(frame))


def test_an_endless_axis_is_read_only_one_value_past_max_rows() -> None:
    with pytest.raises(ProfileFrameError, match="max_rows=5: the company_size axis alone has 6 values"):
        scenario_grid(company_size=itertools.count(1), product_complexity="low", max_rows=5)


def test_an_axis_of_max_rows_values_is_read_whole() -> None:
    built = scenario_grid(company_size=(size for size in (3, 1, 2)), product_complexity="low", max_rows=3)
    assert built["company_size"].tolist() == [3, 1, 2]


@pytest.mark.parametrize(
    ("columns", "extra_columns", "message"),
    [
        # a repeated column is reported before an unknown or a missing one
        (["age", "age"], "raise", "column(s) 'age' appear more than once"),
        # an unknown column is reported before a missing required one
        (["age"], "raise", "unknown column(s) 'age'"),
        # ignored columns leave the missing required columns to report
        (["age"], "ignore", "missing required column(s) 'company_size', 'product_complexity'"),
        # kept columns may not be named like results, whatever else is wrong
        (["verdict"], "keep", "column(s) 'verdict' would be overwritten by results"),
        (["score", "contribution.x"], "keep", "column(s) 'score', 'contribution.x' would be overwritten"),
        # a column named like a result is only an unknown column when it is not kept
        (["verdict"], "raise", "unknown column(s) 'verdict'"),
    ],
)
def test_column_problems_are_reported_in_a_fixed_order(
    columns: list[str], extra_columns: str, message: str
) -> None:
    with pytest.raises(ProfileFrameError) as caught:
        recommend_many(pd.DataFrame([[1] * len(columns)], columns=columns), extra_columns=extra_columns)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)
