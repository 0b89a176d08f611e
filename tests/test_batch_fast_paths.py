"""The batch path's shortcuts give what the general path gives, on random columns and frames.

Valid columns are encoded from their stored arrays (no Series), level strings of any storage are
matched exactly, and small result frames are built from blocks: each is compared with the path
that builds Series and with pandas' public constructor.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")
pytest.importorskip("hypothesis")
pa = pytest.importorskip("pyarrow")

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tpm_fit import ProfileFrameError, recommend_many
from tpm_fit._batch import encode
from tpm_fit._batch.frame import _frame_of

LEVELS = ["low", "moderate", "high", "very_high"]
# Levels, near misses (prefixes, case, padding, non-ASCII, longer than two 8-byte words) and "".
TEXTS = [*LEVELS, "", "lo", "LOW", "low ", "very_hig", "very_highs", "höch", "very_high_and_more", "\x00"]
cells = st.one_of(st.sampled_from(TEXTS), st.none(), st.text(max_size=12))


def _reference_codes(values: list[str | None]) -> np.ndarray:
    return np.array([LEVELS.index(v) if v in LEVELS else -1 for v in values], dtype=np.int8)


def _arrow_column(values: list[str | None], *, large: bool, chunks: int, offset: int) -> Any:
    """An Arrow string column of ``values``: sliced (a non-zero array offset) and chunked."""
    kind = pa.large_string() if large else pa.string()
    padded = pa.array(["pad"] * offset + values, type=kind).slice(offset)
    cut = len(values) // max(chunks, 1)
    pieces = [padded.slice(k * cut, cut) for k in range(chunks - 1)]
    pieces.append(padded.slice((chunks - 1) * cut))
    return pd.array(pa.chunked_array(pieces, type=kind), dtype=pd.ArrowDtype(kind))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(cells, max_size=40),
    st.booleans(),
    st.integers(1, 3),
    st.integers(0, 5),
)
def test_level_codes_of_every_string_storage_are_exact(
    values: list[str | None], large: bool, chunks: int, offset: int
) -> None:
    expected = _reference_codes(values)
    columns = [
        _arrow_column(values, large=large, chunks=chunks, offset=offset),
        pd.array(values, dtype=pd.StringDtype("python")),
        pd.array(values, dtype=pd.StringDtype("pyarrow")),
        np.array(values, dtype=object),
    ]
    for column in columns:
        codes = encode._level_codes(column, LEVELS)
        np.testing.assert_array_equal(codes, expected)
        assert codes.flags.writeable


def _series_path(name: str, series: pd.Series[Any]) -> tuple[np.ndarray, list[Any]]:
    if name in encode.ORDERED_INPUTS:
        return encode._encode_ordered(name, series)
    return encode._encode_integer(name, series)


def _assert_same_encoding(name: str, series: pd.Series[Any]) -> None:
    frame = series.to_frame(name)
    fast, fast_problems = encode._encode_column(name, frame, 0)
    slow, slow_problems = _series_path(name, series)
    assert fast.dtype == slow.dtype
    np.testing.assert_array_equal(fast, slow)
    assert [(p.column, p.problem, p.rows.tolist()) for p in fast_problems if p] == [
        (p.column, p.problem, p.rows.tolist()) for p in slow_problems if p
    ]


numbers = st.one_of(st.integers(-3, 10**6), st.floats(allow_nan=True), st.none())


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # building float32 data
@settings(max_examples=80, deadline=None)
@given(
    st.lists(numbers, max_size=20),
    st.sampled_from(["int64", "int32", "uint8", "float64", "float32", "object"]),
)
def test_number_columns_encode_alike_from_arrays_and_from_series(values: list[Any], dtype: str) -> None:
    try:
        series = pd.Series(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        return  # a value this dtype cannot hold: nothing to compare
    _assert_same_encoding("company_size", series)


@settings(max_examples=80, deadline=None)
@given(st.lists(cells, max_size=20), st.sampled_from(["object", "str", "string", "category"]))
def test_level_columns_encode_alike_from_arrays_and_from_series(values: list[Any], dtype: str) -> None:
    _assert_same_encoding("product_complexity", pd.Series(values, dtype=dtype))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 12), st.booleans(), st.booleans())
def test_small_result_frames_equal_the_public_constructor(n: int, with_error: bool, many: bool) -> None:
    rows = 5000 if many else n  # above the small-frame bound: the public constructor itself
    rng = np.random.default_rng(n)
    bad = rng.random(rows) < 0.3
    data: dict[str, Any] = {
        "verdict": pd.Categorical.from_codes(rng.integers(-1, 3, rows), categories=["a", "b", "c"]),
        "score": rng.random(rows),
        "flag": pd.arrays.BooleanArray(rng.random(rows) < 0.5, bad),
        "contribution.x": rng.random(rows),
        "contribution.y": rng.random(rows),
    }
    if with_error:
        data["error"] = pd.Series(np.full(rows, None, dtype=object), dtype="str")
    index = pd.RangeIndex(rows) if n % 2 else pd.Index([f"r{k}" for k in range(rows)])
    built = _frame_of(dict(data), index)
    expected = pd.DataFrame(data, index=index)
    pd.testing.assert_frame_equal(built, expected, check_exact=True)
    assert built.index is index
    built.columns.name = "renamed"  # the cached labels are not shared with later frames
    assert _frame_of(dict(data), index).columns.name is None


@pytest.mark.parametrize("rows", [0, 1, 10])
@pytest.mark.parametrize("dtype", ["category", "str", "object"])
def test_tiny_frames_score_and_report_like_larger_ones(rows: int, dtype: str) -> None:
    base = pd.DataFrame(
        {
            "company_size": [50] * 12,
            "product_complexity": pd.Series(["high"] * 11 + ["nope"], dtype=dtype),
            "strategy_coverage": 1,
            "marketing_coverage": 1,
            "product_team_size": 3,
        }
    )
    good = base.iloc[:rows]
    whole = recommend_many(base.iloc[:11])
    pd.testing.assert_frame_equal(recommend_many(good), whole.iloc[:rows], check_exact=True)
    with pytest.raises(ProfileFrameError, match=r"row 11: product_complexity='nope'"):
        recommend_many(base)
