"""recommend_many on frames of arbitrary pandas dtypes and values: batch input never crashes (issue 9).

Properties, for any frame of profile columns:

- the only exception is the documented one, :class:`~tpm_fit.ProfileFrameError`;
- with ``errors="coerce"`` no row is lost or reordered, and the bad rows are exactly those with
  an ``error``;
- the good rows score the same under ``coerce`` as under ``raise`` (on the good rows alone), and
  ``raise`` on the whole frame either raises or equals ``coerce`` without the error column.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")  # an extra: the module is skipped on an install without it
pytest.importorskip("hypothesis")  # an extra: the module is skipped on an install without it

import decimal
import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tpm_fit import ProfileFrameError, recommend_many
from tpm_fit._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile

pa = pytest.importorskip("pyarrow")

LEVELS = sorted({level.value for levels in ORDERED_INPUTS.values() for level in levels})

#: Python values of every kind a cell may hold: valid ones and everything else.
ANY_CELL = st.one_of(
    st.integers(min_value=-5, max_value=20),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5.0, 2.5, float("nan")]),
    st.booleans(),
    st.none(),
    st.sampled_from(LEVELS),
    st.text(max_size=5),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.tuples(st.integers()),
    st.just(decimal.Decimal("3")),
    st.just(pd.NA),
    st.just(pd.NaT),
    st.just(1 + 2j),
)


def _numbers(draw: st.DrawFn, name: str, n: int) -> list[int]:
    low, high = NUMERIC_BOUNDS[name]
    # One value in ten is out of range (an explicit draw: one_of does not weigh its branches).
    return [
        draw(st.integers(min_value=low, max_value=min(high, 60)))
        if draw(st.integers(0, 9))
        else draw(st.integers(min_value=low - 2, max_value=low - 1))
        for _ in range(n)
    ]


def _levels(draw: st.DrawFn, name: str, n: int) -> list[Any]:
    valid = [level.value for level in ORDERED_INPUTS[name]]
    return [
        draw(st.sampled_from(valid)) if draw(st.integers(0, 9)) else draw(st.sampled_from(["huge", "", None]))
        for _ in range(n)
    ]


@st.composite
def columns(draw: st.DrawFn, name: str, n: int) -> Any:
    """One column for ``name``: a dtype pandas can hold, with valid and invalid values."""
    is_level = name in ORDERED_INPUTS
    sensible = ["natural", "nullable", "category", "arrow", "arrow-large", "arrow-dict"]
    sensible += ["string"] if is_level else ["float", "uint8"]
    hostile = ["object", "bool", "datetime", *(["float", "uint8"] if is_level else ["string"])]
    kind = draw(st.sampled_from(sensible if draw(st.integers(0, 7)) else hostile))  # one column in eight
    if kind == "object":
        return pd.Series(draw(st.lists(ANY_CELL, min_size=n, max_size=n)), dtype=object)
    if kind == "bool":
        return pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if kind == "datetime":
        return pd.Series(
            pd.to_datetime(draw(st.lists(st.integers(0, 10**9), min_size=n, max_size=n)), unit="s")
        )
    if kind == "uint8":
        return pd.Series(draw(st.lists(st.integers(0, 255), min_size=n, max_size=n)), dtype=np.uint8)
    values = _levels(draw, name, n) if is_level else _numbers(draw, name, n)
    if kind == "natural":
        return pd.Series(values, dtype=object if is_level else None) if not is_level else values
    if kind == "float":
        floats = [math.nan if v is None or isinstance(v, str) else float(v) for v in values]
        return pd.Series(floats, dtype=np.float64)
    if kind == "nullable":
        if is_level:
            return pd.array(values, dtype="string")
        return pd.array(
            [None if draw(st.booleans()) and i == 0 else v for i, v in enumerate(values)], dtype="Int64"
        )
    if kind == "category":
        return pd.Categorical(values)
    if kind == "string":
        return pd.Series([None if v is None else str(v) for v in values], dtype="string")
    arrow_type = {
        "arrow": pa.string() if is_level else pa.int64(),
        "arrow-large": pa.large_string() if is_level else pa.int32(),
        "arrow-dict": pa.dictionary(pa.int32(), pa.string() if is_level else pa.int64()),
    }[kind]
    array = pa.array(values, type=arrow_type.value_type if kind == "arrow-dict" else arrow_type)
    if kind == "arrow-dict":
        array = array.dictionary_encode()
    return pd.Series(pd.array(array, dtype=pd.ArrowDtype(array.type)))


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=0, max_value=6))
    names = draw(
        st.lists(st.sampled_from(list(OrgProfile.model_fields)), unique=True, min_size=1, max_size=5).map(
            lambda chosen: sorted(
                {"company_size", "product_complexity", *chosen}, key=list(OrgProfile.model_fields).index
            )
        )
    )
    data = {name: draw(columns(name, n)) for name in names}
    index_kind = draw(st.sampled_from(["range", "labels", "duplicates", "reversed"]))
    index: pd.Index[Any] = {
        "range": pd.RangeIndex(n),
        "labels": pd.Index([f"row{i}" for i in range(n)]),
        "duplicates": pd.Index([i // 2 for i in range(n)]),
        "reversed": pd.Index(list(range(n))[::-1]),
    }[index_kind]
    frame = pd.DataFrame(data)
    frame.index = index
    return frame


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # examples: the conftest profile
@given(frames())
def test_any_frame_is_scored_or_reported_never_crashes(frame: pd.DataFrame) -> None:
    coerced = recommend_many(frame, errors="coerce")  # only ProfileFrameError may escape, and not here
    # never a lost or reordered row
    assert len(coerced) == len(frame)
    assert coerced.index.equals(frame.index)
    bad = coerced["error"].notna().to_numpy()
    event(
        "no rows" if not len(frame) else "all good" if not bad.any() else "all bad" if bad.all() else "mixed"
    )
    assert coerced["score"].isna().to_numpy()[bad].all()
    assert coerced["score"].notna().to_numpy()[~bad].all()
    assert all(isinstance(e, str) and e for e in coerced["error"][bad])

    # raise on the whole frame: the documented error naming the bad rows, or the same results
    if bad.any():
        with pytest.raises(ProfileFrameError) as caught:
            recommend_many(frame)
        assert set(caught.value.labels) <= set(frame.index[bad])
    else:
        pd.testing.assert_frame_equal(recommend_many(frame), coerced.drop(columns="error"))

    # coerce == raise on the good rows
    good = frame.iloc[np.flatnonzero(~bad)]
    alone = recommend_many(good)
    pd.testing.assert_frame_equal(alone, coerced.iloc[np.flatnonzero(~bad)].drop(columns="error"))
