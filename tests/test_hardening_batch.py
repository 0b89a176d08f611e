"""Issue 9, batch path: frames that crashed, grids that allocated first, the accessor, extra columns."""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")  # an extra: the module is skipped on an install without it

import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

import tpm_fit
from tpm_fit import OrgProfile, ProfileFrameError, recommend, recommend_many, scenario_grid
from tpm_fit._batch import frame as frame_module

pa = pytest.importorskip("pyarrow")

SIZES = [5, 40]


def frame_with(column: str, values: Any) -> pd.DataFrame:
    frame = pd.DataFrame({"company_size": SIZES, "product_complexity": ["high", "low"]})
    frame[column] = values
    return frame


def good_rows_match_scalar(frame: pd.DataFrame, result: pd.DataFrame) -> None:
    """Rows without an error equal recommend() on the same row."""
    for position in np.flatnonzero(result["error"].isna().to_numpy()):
        row = frame.iloc[position]
        expected = recommend(
            company_size=int(row["company_size"]), product_complexity=row["product_complexity"]
        )
        assert result["score"].iloc[position] == expected.score


# -- frames that crashed -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ([1, 2], "not a string"),  # read-only Categorical.codes: "assignment destination is read-only"
        (pd.Series(["high", 3], dtype=object), "not a string"),  # a mixed object column
        (pd.Series(["high", "hgh"], dtype=pd.ArrowDtype(pa.large_string())), "not a level"),
        (pd.Series(["high", "hgh"], dtype=pd.ArrowDtype(pa.string())), "not a level"),
        (pd.Series([["high"], "low"], dtype=object), "not a string"),  # an unhashable cell
        (pd.Series([{"a": 1}, "low"], dtype=object), "not a string"),
        ([b"high", "low"], "not a string"),  # bytes are not a level
        (pd.Series([1.5, 2.5]), "not a string"),
        (pd.Series(pd.to_datetime(["2020-01-01", "2021-01-01"])), "not a string"),
        (pd.Categorical([1, 2]), "not a string"),
    ],
    ids=[
        "ints",
        "mixed-object",
        "arrow-large-string",
        "arrow-string",
        "list-cell",
        "dict-cell",
        "bytes",
        "floats",
        "datetimes",
        "int-categorical",
    ],
)
def test_a_bad_level_column_is_reported_never_crashes(values: Any, problem: str) -> None:
    frame = frame_with("product_complexity", values)
    with pytest.raises(ProfileFrameError, match=problem) as caught:
        recommend_many(frame)
    assert caught.value.column == "product_complexity"
    coerced = recommend_many(frame, errors="coerce")
    assert coerced.index.equals(frame.index)
    assert coerced["error"].notna().any()
    assert all(e.startswith("product_complexity") for e in coerced["error"].dropna())
    good_rows_match_scalar(frame, coerced)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (pd.Series([[5], 40], dtype=object), "not an integer"),  # an unhashable cell
        (pd.Series([{5}, 40], dtype=object), "not an integer"),
        (pd.Series([10**30, 40], dtype=object), "too large"),
        (pd.Series(["5", 40], dtype=object), "not an integer"),
        (pd.Series([5, None], dtype=pd.ArrowDtype(pa.int64())), "missing"),
        (pd.array([5, None], dtype="Int64"), "missing"),
        (pd.Series([True, None], dtype=pd.ArrowDtype(pa.bool_())), "a bool"),
        (np.array([1 + 1j, 2]), "not an integer"),
        (pd.Series(["5", "40"], dtype=pd.ArrowDtype(pa.large_string())), "not an integer"),
    ],
    ids=[
        "list-cell",
        "set-cell",
        "huge-int",
        "str",
        "arrow-null",
        "nullable-int",
        "arrow-bool",
        "complex",
        "arrow-str",
    ],
)
def test_a_bad_number_column_is_reported_never_crashes(values: Any, problem: str) -> None:
    frame = frame_with("company_size", values)
    with pytest.raises(ProfileFrameError, match=problem):
        recommend_many(frame)
    coerced = recommend_many(frame, errors="coerce")
    assert len(coerced) == len(frame)
    assert coerced["error"].iloc[0] is not None or coerced["error"].iloc[1] is not None


def test_a_huge_integer_is_quoted_as_given() -> None:
    frame = frame_with("company_size", pd.Series([10**30, 40], dtype=object))
    error = recommend_many(frame, errors="coerce")["error"].iloc[0]
    assert error.startswith(f"company_size={10**30}: too large; valid: ")


def test_arrow_dictionary_and_nullable_string_levels_are_encoded() -> None:
    dictionary = pd.Series(
        pd.array(
            pa.array(["high", "low"]).dictionary_encode(),
            dtype=pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())),
        )
    )
    for values in (dictionary, pd.array(["high", "low"], dtype="string")):
        result = recommend_many(frame_with("product_complexity", values))
        expected = recommend_many(frame_with("product_complexity", ["high", "low"]))
        pd.testing.assert_frame_equal(result, expected)


def test_no_negative_zero_in_contributions() -> None:
    grid = scenario_grid(company_size=[5, 5000], product_complexity=["low", "very_high"])
    result = recommend_many(grid)
    contributions = result.filter(like="contribution.").to_numpy()
    assert not np.signbit(contributions[contributions == 0]).any()
    assert "-0.0" not in result.to_csv()


# -- one grammar, three places --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"), [("company_size", 0), ("company_size", True), ("product_complexity", "hgh")]
)
def test_the_batch_and_the_api_say_the_same_words(field: str, value: Any) -> None:
    fields: dict[str, Any] = {"company_size": 5, "product_complexity": "low", field: value}
    with pytest.raises(ValidationError) as caught:
        OrgProfile.model_validate(fields)
    api_message = caught.value.errors()[0]["msg"]
    frame = pd.DataFrame({name: pd.Series([v], dtype=object, index=["x"]) for name, v in fields.items()})
    assert recommend_many(frame, errors="coerce")["error"].iloc[0] == api_message
    with pytest.raises(ProfileFrameError) as raised:
        recommend_many(frame)
    assert f"  row 'x': {api_message}" in str(raised.value).splitlines()


# -- extra columns ---------------------------------------------------------------------------------


def test_extra_columns_raise_by_default_with_a_suggestion() -> None:
    frame = frame_with("stratgy_coverage", [1, 2])
    with pytest.raises(ProfileFrameError, match=r"did you mean 'strategy_coverage'\?.*extra_columns="):
        recommend_many(frame)


def test_extra_columns_ignore_and_keep() -> None:
    frame = frame_with("team_id", ["a", "b"])
    frame["note"] = [None, {"x": 1}]
    profiles = frame[["company_size", "product_complexity"]]
    ignored = recommend_many(frame, extra_columns="ignore")
    pd.testing.assert_frame_equal(ignored, recommend_many(profiles))
    kept = recommend_many(frame, extra_columns="keep")
    assert list(kept.columns[:2]) == ["team_id", "note"]
    assert kept["team_id"].tolist() == ["a", "b"]
    pd.testing.assert_frame_equal(kept.drop(columns=["team_id", "note"]), ignored)


def test_kept_columns_survive_a_duplicated_index_and_may_not_shadow_results() -> None:
    frame = frame_with("team_id", ["a", "b"])
    frame.index = [7, 7]
    assert recommend_many(frame, extra_columns="keep")["team_id"].tolist() == ["a", "b"]
    with pytest.raises(ProfileFrameError, match="overwritten by results"):
        recommend_many(frame_with("score", [1, 2]), extra_columns="keep")
    with pytest.raises(ValueError, match="extra_columns='drop': not an option"):
        recommend_many(frame, extra_columns="drop")  # type: ignore[arg-type]


def test_recommend_many_accepts_a_rulebook_path_and_refuses_other_types(tmp_path: Any) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(tpm_fit.Rulebook.default().to_toml(), encoding="utf-8")
    frame = frame_with("product_complexity", ["high", "low"])
    pd.testing.assert_frame_equal(recommend_many(frame, rulebook=path), recommend_many(frame))
    with pytest.raises(TypeError, match="valid: a Rulebook, a path"):
        recommend_many(frame, rulebook=42)  # type: ignore[arg-type]


# -- grids: sizes checked first, values checked with arrays ----------------------------------------


def test_a_huge_grid_is_refused_before_allocating(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_allocation(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("scenario_grid allocated before checking the size")

    axes = {"company_size": range(1, 100_001), "product_complexity": "low"}
    axes.update(
        {name: range(10) for name in ("strategy_coverage", "marketing_coverage", "technical_coverage")}
    )
    monkeypatch.setattr(frame_module.np, "tile", no_allocation)
    with pytest.raises(ProfileFrameError, match=r"max_rows=50,000,000: the grid .* has 100,000,000 rows"):
        scenario_grid(**axes)


def test_max_rows_is_a_keyword_and_an_axis_over_it_is_refused_unbuilt() -> None:
    with pytest.raises(ProfileFrameError, match="the company_size axis alone has 10,000,000,000 values"):
        scenario_grid(company_size=range(10**10), product_complexity="low")
    assert len(scenario_grid(company_size=[1, 2, 3], product_complexity="low", max_rows=3)) == 3
    with pytest.raises(ProfileFrameError, match="max_rows=2"):
        scenario_grid(company_size=[1, 2, 3], product_complexity="low", max_rows=2)


def test_axes_are_validated_without_one_model_call_per_value(monkeypatch: pytest.MonkeyPatch) -> None:
    def one_at_a_time(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("validated one value at a time")

    monkeypatch.setattr(OrgProfile, "model_validate", one_at_a_time)
    grid = scenario_grid(company_size=np.arange(1, 200_001), product_complexity=["low", "high"])
    assert len(grid) == 400_000
    assert grid["company_size"].iloc[-1] == 200_000


def test_bad_axis_values_are_located_and_bounded() -> None:
    with pytest.raises(ValidationError) as caught:
        scenario_grid(company_size=np.arange(-100, 5), product_complexity=["low", b"high", "hgh"])
    errors = caught.value.errors()
    locations = [e["loc"] for e in errors]
    assert locations[:2] == [("company_size", 0), ("company_size", 1)]
    assert sum(1 for loc in locations if loc[0] == "company_size") == 20  # bounded, not 101
    assert ("product_complexity", 1) in locations
    messages = {e["loc"]: e["msg"] for e in errors}
    assert messages[("product_complexity", 2)].endswith("(did you mean 'high'?)")
    assert "not a string" in messages[("product_complexity", 1)]


@pytest.mark.parametrize("axis", [{5, 50, 500}, frozenset({5, 50}), {5: "a", 50: "b"}])
def test_unordered_axes_are_refused(axis: Any) -> None:
    with pytest.raises(TypeError, match="has no order"):
        scenario_grid(company_size=axis, product_complexity="low")


def test_any_ordered_iterable_gives_one_grid() -> None:
    expected = scenario_grid(company_size=[5, 50, 500], product_complexity="low")
    for axis in ((5, 50, 500), np.array([5, 50, 500]), pd.Series([5, 50, 500]), iter([5, 50, 500])):
        pd.testing.assert_frame_equal(scenario_grid(company_size=axis, product_complexity="low"), expected)


# -- the accessor ------------------------------------------------------------------------------------


def test_the_accessor_is_there_when_pandas_was_imported_first() -> None:
    code = (
        "import pandas as pd, tpm_fit\n"
        "frame = pd.DataFrame({'company_size': [5], 'product_complexity': ['high']})\n"
        "print(frame.tpm_fit.recommend()['verdict'].iloc[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == recommend(company_size=5, product_complexity="high").verdict.value


def test_registering_the_accessor_at_import_loads_no_model() -> None:
    code = (
        "import sys, pandas as pd, tpm_fit\n"
        "print(sorted(m for m in sys.modules if m.startswith(('tpm_fit.', 'pydantic.main'))))\n"
        "frame = pd.DataFrame({'company_size': [5, 500], 'product_complexity': ['high', 'low']})\n"
        "print(frame.tpm_fit.recommend()['verdict'].tolist())\n"
        "print(frame.tpm_fit.recommendation(1).verdict.value)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded, verdicts, one = done.stdout.strip().splitlines()
    assert loaded == "['tpm_fit._batch', 'tpm_fit._batch.accessor', 'tpm_fit._version']"
    expected = [
        recommend(company_size=s, product_complexity=c).verdict.value for s, c in ((5, "high"), (500, "low"))
    ]
    assert verdicts == str(expected)
    assert one == expected[1]
