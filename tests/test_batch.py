"""recommend_many, scenario_grid and the DataFrame accessor: batch == scalar, and bad input named."""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")  # an extra: the module is skipped on an install without it
pytest.importorskip("hypothesis")  # an extra: the module is skipped on an install without it

import subprocess
import sys
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import tpm_fit
from tpm_fit import (
    Face,
    OrgProfile,
    ProfileFrameError,
    Rulebook,
    TpmFitError,
    recommend,
    recommend_many,
    scenario_grid,
)
from tpm_fit._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS
from tpm_fit.testing import org_profiles, rulebooks

FACTOR_IDS = Rulebook.default().factor_ids
CONTRIBUTIONS = [f"contribution.{factor_id}" for factor_id in FACTOR_IDS]
SEAT_COLUMNS = ["seat.strategy", "seat.marketing", "seat.technical"]
RISK_COLUMNS = [f"risk.{risk.id}" for risk in Rulebook.default().risks]
RESULT_COLUMNS = [
    "verdict",
    "score",
    "role_shape",
    "hire_needed",
    *SEAT_COLUMNS,
    "open_seats",
    "assumed",
    "warning.warn_pms_without_coverage",
    "warning.warn_grown_without_pm",
    *RISK_COLUMNS,
    *CONTRIBUTIONS,
]


def profiles_frame(profiles: list[OrgProfile], *, index: Any = None) -> pd.DataFrame:
    """Profiles as a frame with enum values as plain strings."""
    return pd.DataFrame([p.model_dump(mode="json") for p in profiles], index=index)


def assert_matches_scalar(
    frame: pd.DataFrame, result: pd.DataFrame, rulebook: Rulebook | None = None
) -> None:
    """Every row of ``result`` equals recommend() on the same row of ``frame``, exactly."""
    assert result.index.equals(frame.index)
    assert list(result.columns[:3]) == ["verdict", "score", "role_shape"]
    for position in range(len(frame)):
        fields = {
            name: (int(value) if isinstance(value, float) else value)
            for name, value in frame.iloc[position].to_dict().items()
        }
        expected = recommend(fields, rulebook=rulebook)
        row = result.iloc[position]
        assert row["verdict"] == expected.verdict.value
        assert row["role_shape"] == expected.role_shape.value
        assert row["score"] == expected.score  # bit-identical, not merely close
        assert bool(row["hire_needed"]) is expected.hire_needed
        for face in Face:
            assert bool(row[f"seat.{face.value}"]) is (face in expected.seat)
        assert row["open_seats"] == ",".join(face.value for face in expected.open_seats)
        assert row["assumed"] == ",".join(expected.assumed)
        warned = [row[f"warning.{name}"] for name in ("warn_pms_without_coverage", "warn_grown_without_pm")]
        assert sum(bool(flag) for flag in warned) == len(expected.warnings)
        risks = {risk.id for risk in expected.risks}
        for risk in (rulebook or Rulebook.default()).risks:
            assert bool(row[f"risk.{risk.id}"]) is (risk.id in risks)
        for step in expected.trace:
            assert row[f"contribution.{step.factor}"] == step.contribution


# -- batch == scalar ---------------------------------------------------------------------------

representations = st.sampled_from(["object", "str", "category", "float64", "string[python]"])
indexes = st.sampled_from(["default", "reversed", "labels", "duplicates"])


def _index(kind: str, n: int) -> pd.Index[Any] | None:
    if kind == "reversed":
        return pd.Index(range(10 * n, 0, -10))
    if kind == "labels":
        return pd.Index([f"org-{i}" for i in range(n)])
    if kind == "duplicates":
        return pd.Index([i // 2 for i in range(n)])
    return None


@given(st.lists(org_profiles(), min_size=1, max_size=25), representations, indexes)
def test_recommend_many_equals_recommend_row_by_row(
    profiles: list[OrgProfile], representation: str, kind: str
) -> None:
    frame = profiles_frame(profiles, index=_index(kind, len(profiles)))
    if representation == "float64":
        numeric = list(NUMERIC_BOUNDS)
        frame[numeric] = frame[numeric].astype(np.float64)
    else:
        for name in ORDERED_INPUTS:
            frame[name] = frame[name].astype(representation)
    result = recommend_many(frame)
    assert_matches_scalar(frame, result)


@given(rulebooks(), st.lists(org_profiles(), min_size=1, max_size=10))
def test_recommend_many_equals_recommend_for_any_weights(
    rulebook: Rulebook, profiles: list[OrgProfile]
) -> None:
    frame = profiles_frame(profiles)
    assert_matches_scalar(frame, recommend_many(frame, rulebook=rulebook), rulebook)


def test_contributions_sum_to_the_score_in_rulebook_order() -> None:
    grid = scenario_grid(
        company_size=[1, 9, 150, 10_000_000],
        product_complexity=list(ORDERED_INPUTS["product_complexity"]),
        technical_coverage=[0, 1, 5],
    )
    result = recommend_many(grid)
    assert list(result.columns) == RESULT_COLUMNS
    summed = reduce(lambda total, column: total + result[column], CONTRIBUTIONS[1:], result[CONTRIBUTIONS[0]])
    np.testing.assert_array_equal(summed.to_numpy(), result["score"].to_numpy())


def test_verdict_and_role_shape_are_categoricals_with_fixed_categories() -> None:
    result = recommend_many(pd.DataFrame({"company_size": [40], "product_complexity": ["high"]}))
    assert result["verdict"].dtype == pd.CategoricalDtype(
        ["traditional", "either", "technical"], ordered=True
    )
    assert list(result["role_shape"].cat.categories) == ["generalist", "specialist"]
    assert result["score"].dtype == np.float64


def test_absent_optional_columns_take_the_model_defaults() -> None:
    short = pd.DataFrame({"company_size": [3, 300], "product_complexity": ["low", "very_high"]})
    full = pd.DataFrame(
        [OrgProfile.model_validate(r).model_dump(mode="json") for r in short.to_dict("records")]
    )
    assumed = recommend_many(short)
    # The same results, except that the short frame's absent inputs are reported as assumed.
    assert set(assumed["assumed"]) == {
        ",".join(name for name in OrgProfile.model_fields if name not in short)
    }
    assert set(recommend_many(full)["assumed"]) == {""}
    pd.testing.assert_frame_equal(
        assumed.drop(columns="assumed"), recommend_many(full).drop(columns="assumed")
    )


def test_index_and_order_are_kept_even_unsorted_and_duplicated() -> None:
    frame = pd.DataFrame(
        {"company_size": [5000, 5, 50, 5], "product_complexity": ["low", "very_high", "high", "low"]},
        index=pd.Index(["z", "a", "z", "m"], name="org"),
    )
    result = recommend_many(frame)
    assert result.index.equals(frame.index)
    assert result.index.name == "org"
    assert_matches_scalar(frame, result)
    assert result["verdict"].tolist() == ["traditional", "technical", "technical", "traditional"]


def test_whole_floats_score_like_ints_and_the_input_is_not_modified() -> None:
    ints = pd.DataFrame(
        {"company_size": [12, 400], "product_complexity": ["high", "low"], "technical_coverage": [0, 3]}
    )
    floats = ints.astype({"company_size": np.float64, "technical_coverage": np.float64})
    floats.loc[0, "technical_coverage"] = -0.0
    before = floats.copy()
    pd.testing.assert_frame_equal(recommend_many(floats), recommend_many(ints))
    pd.testing.assert_frame_equal(floats, before)


def test_string_enum_members_and_nullable_integers_are_accepted() -> None:
    from tpm_fit import ProductComplexity

    frame = pd.DataFrame(
        {
            "company_size": pd.array([12, 4000], dtype="Int64"),
            "product_complexity": pd.Series([ProductComplexity.HIGH, ProductComplexity.LOW], dtype=object),
        }
    )
    assert_matches_scalar(frame.astype({"company_size": object}), recommend_many(frame))


def test_an_empty_frame_gives_an_empty_result_with_the_right_columns() -> None:
    empty = pd.DataFrame({"company_size": pd.Series([], dtype=np.int64), "product_complexity": []})
    result = recommend_many(empty)
    assert result.empty
    assert list(result.columns) == RESULT_COLUMNS
    assert list(recommend_many(empty, errors="coerce").columns) == [*RESULT_COLUMNS, "error"]


# -- bad input ---------------------------------------------------------------------------------


def test_a_float_column_with_nan_names_the_rows() -> None:
    frame = pd.DataFrame(
        {"company_size": [10.0, np.nan, 30.0, np.nan], "product_complexity": "low"}, index=[7, 8, 9, 10]
    )
    expected = r"row 8: company_size: missing; valid: a whole number from 1 to 10,000,000\n  row 10: "
    with pytest.raises(ProfileFrameError, match=expected) as caught:
        recommend_many(frame)
    assert caught.value.column == "company_size"
    assert caught.value.labels == (8, 10)
    assert "cannot score 2 of 4" in str(caught.value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10, 0], r"row 'b': company_size=0: too small; valid: a whole number from 1 to 10,000,000"),
        ([10, -5], r"row 'b': company_size=-5: too small; valid: a whole number from 1 to"),
        ([10.0, 2.5], r"row 'b': company_size=2\.5: not a whole number; valid: a whole number from 1"),
        ([10, 10_000_001], r"row 'b': company_size=10000001: too large; valid: a whole number from 1"),
        ([10.0, np.inf], r"row 'b': company_size=inf: too large; valid: "),
        ([True, False], r"row 'a': company_size=True: a bool, not an integer; valid: .*\n  row 'b': "),
        (pd.Series([10, True], dtype=object), r"row 'b': company_size=True: a bool, not an integer; valid"),
        (pd.Series([10, "10"], dtype=object), r"row 'b': company_size='10': not an integer; valid: "),
        (["10", "20"], r"row 'a': company_size='10': not an integer; valid: a whole number"),
    ],
)
def test_bad_numbers_are_named_with_label_column_and_value(values: Any, expected: str) -> None:
    frame = pd.DataFrame({"company_size": list(values) if isinstance(values, list) else values.to_numpy()})
    frame["product_complexity"] = "high"
    frame.index = pd.Index(["a", "b"])
    if isinstance(values, pd.Series):
        frame["company_size"] = pd.Series(values.to_numpy(), index=frame.index, dtype=object)
    with pytest.raises(ProfileFrameError, match=expected):
        recommend_many(frame)


@pytest.mark.parametrize("dtype", [object, "str", "string[python]", "category"])
def test_unknown_and_missing_levels_are_named(dtype: Any) -> None:
    frame = pd.DataFrame(
        {"company_size": [5, 6, 7], "product_complexity": pd.Series(["high", "huge", None], dtype=dtype)}
    )
    with pytest.raises(ProfileFrameError) as caught:
        recommend_many(frame)
    message = str(caught.value)
    assert "row 2: product_complexity: missing; valid: one of low, moderate, high, very_high" in message
    assert "row 1: product_complexity='huge': not a level; valid: one of low, moderate, high" in message


def test_a_categorical_with_a_level_from_elsewhere_is_refused() -> None:
    levels = pd.Categorical(["strong", "weak"], categories=["strong", "weak", "unused"])
    frame = pd.DataFrame(
        {"company_size": [5, 6], "product_complexity": "low", "engineering_capability": levels}
    )
    with pytest.raises(
        ProfileFrameError, match=r"row 1: engineering_capability='weak': not a level; valid: one of"
    ):
        recommend_many(frame)


@pytest.mark.parametrize("errors", ["raise", "coerce"])
@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"company_size": [5], "product_complexity": ["low"], "age": [41]}, r"unknown column\(s\) 'age'"),
        (
            {"company_size": [5], "product_complexity": ["low"], "gender": ["x"]},
            r"unknown column\(s\) 'gender'",
        ),
        ({"company_size": [5]}, r"missing required column\(s\) 'product_complexity'"),
        ({"product_complexity": ["low"]}, r"missing required column\(s\) 'company_size'"),
    ],
)
def test_column_problems_raise_whatever_errors_says(
    columns: dict[str, list[Any]], expected: str, errors: Any
) -> None:
    with pytest.raises(ProfileFrameError, match=expected):
        recommend_many(pd.DataFrame(columns), errors=errors)


def test_a_repeated_column_is_refused() -> None:
    frame = pd.DataFrame([[5, "low", 6]], columns=["company_size", "product_complexity", "company_size"])
    with pytest.raises(ProfileFrameError, match="'company_size' appear more than once"):
        recommend_many(frame)


@pytest.mark.parametrize("errors", ["ignore", "warn", None, "RAISE"])
def test_other_errors_values_are_refused(errors: Any) -> None:
    frame = pd.DataFrame({"company_size": [5], "product_complexity": ["low"]})
    with pytest.raises(ValueError, match="valid: 'raise' or 'coerce'") as caught:
        recommend_many(frame, errors=errors)
    assert not isinstance(caught.value, ProfileFrameError)


def test_non_frames_are_refused() -> None:
    with pytest.raises(TypeError, match=r"pandas.DataFrame\(records\)"):
        recommend_many([{"company_size": 5, "product_complexity": "low"}])


def test_the_error_is_a_value_error_and_a_tpm_fit_error() -> None:
    assert issubclass(ProfileFrameError, ValueError)
    assert issubclass(ProfileFrameError, TpmFitError)


def test_the_message_shows_five_rows_and_counts_the_rest() -> None:
    frame = pd.DataFrame({"company_size": [0] * 8, "product_complexity": "low"})
    with pytest.raises(ProfileFrameError) as caught:
        recommend_many(frame)
    lines = str(caught.value).splitlines()[1:]
    assert [line.split(":")[0] for line in lines[:5]] == [f"  row {i}" for i in range(5)]
    assert lines[5:] == ["  ... and 3 more row(s) with this problem"]


def test_coerce_scores_good_rows_and_explains_bad_ones() -> None:
    frame = pd.DataFrame(
        {
            "company_size": [12.0, 0.0, 2.5, 400.0],
            "product_complexity": ["high", "huge", "low", "low"],
        },
        index=["a", "b", "c", "d"],
    )
    result = recommend_many(frame, errors="coerce")
    assert list(result.columns) == [*RESULT_COLUMNS, "error"]
    assert result.index.equals(frame.index)
    bad = ["b", "c"]
    assert result.loc[bad, ["verdict", "score", "role_shape", *CONTRIBUTIONS]].isna().all().all()
    assert result.loc["b", "error"] == (
        "company_size=0.0: too small; valid: a whole number from 1 to 10,000,000 | "
        "product_complexity='huge': not a level; valid: one of low, moderate, high, very_high"
    )
    assert result.loc["c", "error"] == (
        "company_size=2.5: not a whole number; valid: a whole number from 1 to 10,000,000"
    )
    assert result.loc[["a", "d"], "error"].isna().all()
    good = frame.loc[["a", "d"]]
    pd.testing.assert_frame_equal(result.loc[["a", "d"], RESULT_COLUMNS], recommend_many(good))


# -- accessor ----------------------------------------------------------------------------------


def test_the_accessor_scores_and_drills_into_one_row() -> None:
    grid = scenario_grid(company_size=[8, 800], product_complexity=["low", "very_high"])
    pd.testing.assert_frame_equal(grid.tpm_fit.recommend(), recommend_many(grid))
    scored = grid.join(grid.tpm_fit.recommend())
    one = scored.tpm_fit.recommendation(3)  # result columns are ignored
    assert one == recommend(grid.loc[3].to_dict())  # every column of the grid given: nothing assumed
    assert one.score == scored.loc[3, "score"]


def test_the_accessor_refuses_ambiguous_labels_and_unknown_columns() -> None:
    frame = pd.DataFrame({"company_size": [5, 6], "product_complexity": "low"}, index=[1, 1])
    with pytest.raises(ProfileFrameError, match="not unique"):
        frame.tpm_fit.recommendation(1)
    with pytest.raises(ValidationError, match="age"):
        frame.reset_index(drop=True).assign(age=40).tpm_fit.recommendation(0)


# -- scenario_grid -----------------------------------------------------------------------------


def test_a_grid_is_the_cross_product_first_axis_slowest_with_defaults() -> None:
    grid = scenario_grid(product_complexity=["low", "high"], company_size=np.array([5, 50, 500]))
    assert list(grid.columns) == list(OrgProfile.model_fields)
    assert grid.index.equals(pd.RangeIndex(6))
    assert grid["product_complexity"].astype(str).tolist() == ["low"] * 3 + ["high"] * 3
    assert grid["company_size"].tolist() == [5, 50, 500] * 2
    assert grid["company_size"].dtype == np.int64
    defaults = OrgProfile(company_size=5, product_complexity="low")
    assert (grid["engineering_capability"] == defaults.engineering_capability.value).all()
    assert (grid["technical_coverage"] == defaults.technical_coverage).all()
    assert list(grid["product_complexity"].cat.categories) == ["low", "moderate", "high", "very_high"]
    for row in grid.to_dict("records"):  # every row is a valid profile
        OrgProfile.model_validate(row)


def test_grid_values_may_be_single_values_enum_members_or_repeated() -> None:
    grid = scenario_grid(
        company_size=[5, 5, 7], product_complexity=tpm_fit.ProductComplexity.HIGH, strategy_coverage=range(2)
    )
    assert len(grid) == 4
    assert grid["company_size"].tolist() == [5, 5, 7, 7]
    assert (grid["product_complexity"] == "high").all()


def test_grid_values_are_validated_with_the_models_messages() -> None:
    with pytest.raises(ValidationError) as caught:
        scenario_grid(company_size=[5, 0, 2.5], product_complexity=["huge"], age=[30])
    errors = {(e["loc"], e["type"]) for e in caught.value.errors()}
    assert errors == {
        (("company_size", 1), "greater_than_equal"),
        (("company_size", 2), "int_type"),
        (("product_complexity", 0), "enum"),
        (("age",), "extra_forbidden"),
    }


def test_a_grid_needs_the_required_fields_and_non_empty_axes() -> None:
    with pytest.raises(ValidationError, match="product_complexity"):
        scenario_grid(company_size=[5])
    with pytest.raises(ProfileFrameError, match="company_size axis has no values"):
        scenario_grid(company_size=[], product_complexity="low")


# -- optional things stay optional -------------------------------------------------------------


def test_importing_tpm_fit_does_not_import_pandas_and_batch_does_not_import_plotting() -> None:
    code = (
        "import sys, tpm_fit\n"
        "assert 'pandas' not in sys.modules\n"
        "tpm_fit.recommend_many\n"
        "assert 'pandas' in sys.modules\n"
        "heavy = [m for m in ('matplotlib', 'dask', 'hypothesis') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the kernel's in-place batch paths -----------------------------------------------------------


@given(
    st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=2, max_size=8),
    st.lists(st.integers(min_value=0, max_value=12_000), min_size=1, max_size=40),
)
def test_ramps_of_any_length_batch_like_their_scalar_twin(ys: list[float], xs: list[int]) -> None:
    from tpm_fit import Ramp

    # breakpoints 1, 4, 16, ...: 2 to 8 points cover the per-segment path and the gather fallback
    points = tuple((4**i, y) for i, y in enumerate(ys))
    node = Ramp(kind="ramp", input="company_size", points=points).compile([])
    column = np.array(xs, dtype=np.float64)
    batch = node.batch({"company_size": column})
    assert batch.tolist() == [node.one({"company_size": x}) for x in column.tolist()]
    assert column.tolist() == [float(x) for x in xs]  # the input column is not written to


def test_large_frames_scored_in_row_blocks_equal_small_frames_and_recommend() -> None:
    from tpm_fit._engine.kernel import _BLOCK_ROWS

    n = 2 * _BLOCK_ROWS + 1_234  # crosses two block boundaries
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "company_size": rng.integers(4, 20_000, n),
            "technical_coverage": rng.integers(0, 3, n),
            "product_team_size": rng.integers(0, 4, n),
            "product_complexity": rng.choice(["low", "moderate", "high", "very_high"], n),
            "engineering_capability": rng.choice(["developing", "established", "strong"], n),
        }
    )
    whole = recommend_many(frame)
    pieces = pd.concat([recommend_many(frame.iloc[s : s + 50_000]) for s in range(0, n, 50_000)])
    pd.testing.assert_frame_equal(whole, pieces, check_exact=True)
    edges = [0, _BLOCK_ROWS - 1, _BLOCK_ROWS, 2 * _BLOCK_ROWS, n - 1]
    sample = sorted({*edges, *rng.integers(0, n, 40).tolist()})
    assert_matches_scalar(frame.iloc[sample], whole.iloc[sample])
