"""The lean single call and the fast input paths give exactly what the validated paths give."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("hypothesis")  # an extra: the module is skipped on an install without it

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import tpm_fit
from tpm_fit import OrgProfile, Recommendation, Rulebook, recommend
from tpm_fit._engine.kernel import CompiledRulebook, encode_profile
from tpm_fit.testing import org_profiles, rulebooks


@settings(max_examples=80, deadline=None)
@given(org_profiles(), rulebooks(allow_axiom_violations=True))
def test_the_constructed_result_equals_the_validated_one(profile: OrgProfile, rulebook: Rulebook) -> None:
    made = recommend(profile, rulebook=rulebook)
    validated = Recommendation.model_validate(
        {k: v for k, v in made.__dict__.items() if k in Recommendation.model_fields}
    )
    assert made == validated
    assert made.model_fields_set == validated.model_fields_set
    assert repr(made) == repr(validated)
    assert Recommendation.model_validate_json(made.model_dump_json()) == made
    assert made.model_dump_json() == validated.model_dump_json()
    assert recommend(profile, rulebook=rulebook) == made  # the cached background: same result


@settings(max_examples=60, deadline=None)
@given(org_profiles(), rulebooks(allow_axiom_violations=True))
def test_the_cached_background_equals_a_fresh_evaluation(profile: OrgProfile, rulebook: Rulebook) -> None:
    made = recommend(profile, rulebook=rulebook)
    fresh = CompiledRulebook(rulebook).evaluate_one(encode_profile(profile))
    assert [step.activation for step in made.trace] == fresh.activations
    assert [step.contribution for step in made.trace] == fresh.contributions
    assert made.score == fresh.score
    assert made.verdict is fresh.verdict
    assert [risk.activation for risk in made.risks] == [strength for _, strength in fresh.risks]


@given(st.data())
def test_equal_background_keys_mean_equal_backgrounds(data: st.DataObject) -> None:
    compiled = CompiledRulebook(Rulebook.default())
    first = encode_profile(data.draw(org_profiles()))
    second = encode_profile(data.draw(org_profiles()))
    compiled.seat.one(first)
    compiled.seat.one(second)
    key = compiled.background_key(first)
    if key is not None and key == compiled.background_key(second):
        assert compiled.score_one(first) == compiled.score_one(second)


def test_user_constructed_recommendations_are_still_validated() -> None:
    data = recommend(company_size=40, product_complexity="high", technical_coverage=0).model_dump()
    data["hire_needed"] = not data["hire_needed"]
    with pytest.raises(ValidationError, match="hire_needed"):
        Recommendation.model_validate(data)


def test_import_loads_neither_the_robustness_module_nor_optional_dependencies() -> None:
    code = (
        "import sys, tpm_fit; "
        "print(sorted(m for m in ('tpm_fit._analysis.robustness', 'pandas', 'hypothesis', "
        "'matplotlib', 'dask', 'importlib.metadata') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.replace("'", '"'))
    # importlib.metadata may be loaded by pydantic itself; tpm_fit never calls it.
    assert [m for m in loaded if m != "importlib.metadata"] == []


def test_lazy_public_names_resolve_with_their_public_module() -> None:
    for name in ("Robustness", "WeightMargin", "Counterfactual", "FactorSensitivity"):
        value = getattr(tpm_fit, name)
        assert value.__module__ == "tpm_fit"
        assert name in tpm_fit.__all__


def _frame(kind: str) -> object:
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    levels = ["low", "moderate", "high", "very_high", "huge"]  # "huge" is not a level
    rng = np.random.default_rng(3)
    codes = rng.integers(0, len(levels), 300)
    valid = rng.random(300) > 0.1
    values = [levels[c] if ok else None for c, ok in zip(codes, valid, strict=True)]
    frame = pd.DataFrame({"company_size": rng.integers(1, 500, 300), "product_complexity": values})
    if kind == "arrow":
        chunks = [pa.array(values[:120]).dictionary_encode(), pa.array(values[120:]).dictionary_encode()]
        column = pa.chunked_array(chunks)
        frame["product_complexity"] = pd.Series(pd.arrays.ArrowExtensionArray(column), index=frame.index)
    elif kind == "categorical":
        frame["product_complexity"] = pd.Categorical(values, categories=levels)
    return frame


def test_arrow_dictionary_columns_score_like_string_columns() -> None:
    pd = pytest.importorskip("pandas")
    strings = tpm_fit.recommend_many(_frame("string"), errors="coerce")
    for kind in ("arrow", "categorical"):
        found = tpm_fit.recommend_many(_frame(kind), errors="coerce")
        pd.testing.assert_frame_equal(found, strings)


def test_valid_int64_columns_are_read_without_a_copy_and_never_written() -> None:
    pd = pytest.importorskip("pandas")
    from tpm_fit._batch.frame import encode_frame

    sizes = np.arange(1, 1001, dtype=np.int64)
    frame = pd.DataFrame({"company_size": sizes.copy(), "product_complexity": ["high"] * 1000})
    before = frame.copy()
    encoded = encode_frame(frame)
    assert encoded.columns["company_size"].dtype == np.int64
    assert np.shares_memory(encoded.columns["company_size"], frame["company_size"].to_numpy())
    tpm_fit.recommend_many(frame)
    pd.testing.assert_frame_equal(frame, before)
    as_floats = frame.astype({"company_size": np.float64})
    pd.testing.assert_frame_equal(tpm_fit.recommend_many(frame), tpm_fit.recommend_many(as_floats))
