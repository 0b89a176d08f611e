"""Categorical level columns: every order of categories encodes like the strings it stands for."""

from __future__ import annotations

import pytest

pd = pytest.importorskip("pandas")

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import budget
from tpm_fit import recommend_many
from tpm_fit._batch.encode import encode_frame
from tpm_fit._model.profile import ORDERED_INPUTS

LEVELS = {name: [level.value for level in levels] for name, levels in ORDERED_INPUTS.items()}


def frame_of(columns: dict[str, object], n: int) -> pd.DataFrame:
    base = {
        "company_size": np.full(n, 500, dtype=np.int64),
        "strategy_coverage": np.zeros(n, dtype=np.int64),
        "marketing_coverage": np.ones(n, dtype=np.int64),
        "technical_coverage": np.zeros(n, dtype=np.int64),
        "product_team_size": np.full(n, 2, dtype=np.int64),
    }
    for name, levels in LEVELS.items():
        base[name] = pd.Categorical.from_codes(np.arange(n) % len(levels), categories=levels)
    base.update(columns)
    return pd.DataFrame(base)


@settings(max_examples=budget.examples(8, cap=40), deadline=None)
@given(
    st.sampled_from(sorted(LEVELS)),
    st.data(),
    st.sampled_from([1, 7, 70_000]),  # 70,000 rows: more than one block of the lookup
)
def test_categories_in_any_order_encode_like_their_strings(name: str, data: st.DataObject, n: int) -> None:
    levels = LEVELS[name]
    # Any order, with or without a category that is no level (its rows are errors).
    categories = data.draw(
        st.permutations([*levels, "not a level"]).map(
            lambda c: c[: data.draw(st.sampled_from([len(c) - 1, len(c)]))]
        )
    )
    rng = np.random.default_rng(n)
    codes = rng.integers(-1, len(categories), n)  # -1: missing
    column = pd.Categorical.from_codes(codes, categories=categories)
    as_strings = pd.Series(column).astype(object)
    by_category = recommend_many(frame_of({name: column}, n), errors="coerce")
    by_string = recommend_many(frame_of({name: as_strings}, n), errors="coerce")
    pd.testing.assert_frame_equal(by_category, by_string)


def test_categories_in_level_order_are_taken_as_they_are() -> None:
    """The common case (categories are the levels, in order) needs no lookup: same codes."""
    name, levels = "product_complexity", LEVELS["product_complexity"]
    codes = np.array([0, 3, -1, 2, 1], dtype=np.int8)
    frame = frame_of({name: pd.Categorical.from_codes(codes, categories=levels)}, len(codes))
    encoded = encode_frame(frame)
    assert encoded.columns[name].tolist() == [0, 3, 0, 2, 1]  # the missing row: placeholder 0
    assert encoded.bad is not None
    assert encoded.bad.tolist() == [False, False, True, False, False]
