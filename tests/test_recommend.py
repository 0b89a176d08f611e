"""recommend(): inputs, the trace, the verdict, the record, and errors."""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")  # an extra: the module is skipped on an install without it

import json
from html import escape

from hypothesis import given
from pydantic import ValidationError

import tpm_fit
from tpm_fit import OrgProfile, Recommendation, Rulebook, TpmFitError, Verdict
from tpm_fit.testing import org_profiles, rulebooks

FIELDS = {"company_size": 40, "product_complexity": "high", "technical_coverage": 1}


def test_profile_mapping_and_keywords_give_equal_results() -> None:
    by_model = tpm_fit.recommend(OrgProfile(**FIELDS))
    by_mapping = tpm_fit.recommend(FIELDS)
    by_keywords = tpm_fit.recommend(**FIELDS)
    assert by_model == by_mapping == by_keywords


def test_keywords_override_a_given_profile_and_are_validated() -> None:
    base = OrgProfile(**FIELDS)
    result = tpm_fit.recommend(base, company_size=900)
    assert result.profile.company_size == 900
    with pytest.raises(ValidationError, match="company_size"):
        tpm_fit.recommend(base, company_size=0)


def test_a_non_profile_positional_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="OrgProfile"):
        tpm_fit.recommend(42)  # type: ignore[arg-type]


@given(org_profiles(), rulebooks())
def test_trace_has_one_step_per_factor_and_sums_to_the_score(profile: OrgProfile, rulebook: Rulebook) -> None:
    result = tpm_fit.recommend(profile, rulebook=rulebook)
    assert [s.factor for s in result.trace] == [f.id for f in rulebook.factors]
    total = 0.0
    for step, factor in zip(result.trace, rulebook.factors, strict=True):
        sign = 1.0 if factor.favours.value == "technical" else -1.0
        assert step.contribution == sign * factor.weight * step.activation
        assert step.weight == factor.weight
        assert step.section == factor.section
        assert step.reason == factor.reason
        total += step.contribution
    assert total == result.score


@given(org_profiles(), rulebooks())
def test_verdict_follows_from_score_and_thresholds(profile: OrgProfile, rulebook: Rulebook) -> None:
    result = tpm_fit.recommend(profile, rulebook=rulebook)
    t = rulebook.thresholds
    expected = (
        Verdict.TECHNICAL
        if result.score >= t.technical_min
        else Verdict.TRADITIONAL
        if result.score <= t.traditional_max
        else Verdict.EITHER
    )
    assert result.verdict is expected
    assert result.thresholds == t
    assert result.rulebook_fingerprint == rulebook.fingerprint


@given(org_profiles())
def test_same_input_same_output(profile: OrgProfile) -> None:
    assert tpm_fit.recommend(profile) == tpm_fit.recommend(profile.model_dump())


@given(org_profiles(), rulebooks())
def test_json_round_trip_gives_an_equal_object(profile: OrgProfile, rulebook: Rulebook) -> None:
    result = tpm_fit.recommend(profile, rulebook=rulebook)
    text = result.model_dump_json()
    again = Recommendation.model_validate_json(text)
    assert again == result
    assert json.loads(text)["verdict"] in {"technical", "traditional", "either"}


def test_record_names_the_rulebook_and_library() -> None:
    result = tpm_fit.recommend(**FIELDS)
    book = Rulebook.default()
    assert result.rulebook_name == book.name
    assert result.rulebook_version == book.version
    assert result.rulebook_fingerprint == book.fingerprint
    assert result.library_version == tpm_fit.__version__


def test_recommendation_is_frozen() -> None:
    result = tpm_fit.recommend(**FIELDS)
    with pytest.raises(ValidationError):
        result.score = 0.0  # type: ignore[misc]


def test_role_shape_and_seat() -> None:
    small = tpm_fit.recommend(company_size=6, product_complexity="moderate")
    assert small.role_shape.value == "generalist"
    assert [f.value for f in small.seat] == ["strategy", "marketing", "technical"]
    big = tpm_fit.recommend(
        company_size=800,
        product_complexity="moderate",
        strategy_coverage=1,
        marketing_coverage=2,
        product_team_size=2,
    )
    assert big.role_shape.value == "specialist"
    assert [f.value for f in big.seat] == ["technical"]
    team = tpm_fit.recommend(company_size=30, product_complexity="moderate", product_team_size=3)
    assert team.role_shape.value == "specialist"
    assert len(team.seat) == 1


def test_risks_match_the_verdict() -> None:
    technical = tpm_fit.recommend(company_size=8, product_complexity="very_high")
    assert technical.verdict is Verdict.TECHNICAL
    assert "neglects_business_faces" in {r.id for r in technical.risks}
    for risk in technical.risks:
        assert risk.mitigation
        assert risk.section
    traditional = tpm_fit.recommend(
        company_size=500, product_complexity="low", technical_coverage=3, industry_tech_intensity="high"
    )
    assert traditional.verdict is Verdict.TRADITIONAL
    assert {r.id for r in traditional.risks} == {"misses_technology_trends"}


def test_explain_lists_verdict_reasons_both_sides_and_risks() -> None:
    result = tpm_fit.recommend(company_size=8, product_complexity="very_high")
    text = result.explain()
    assert text.startswith("Verdict: TECHNICAL")
    assert "For a technical PM:" in text
    assert "For a traditional PM:" in text
    assert "Product complexity, where the technical face is open" in text
    assert "Business hats in a generalist seat" in text
    assert "Mitigation:" in text
    assert "[Disadvantages, point 1]" in text
    assert str(result) == text
    assert result.explain(top=1).count("weight ") == 2


def test_notebook_reprs_show_the_full_trace() -> None:
    result = tpm_fit.recommend(**FIELDS)
    markdown = result._repr_markdown_()
    html = result._repr_html_()
    for step in result.trace:
        assert step.title in markdown
        assert escape(step.title) in html
    assert html.startswith("<div>")
    assert "<table>" in html


@given(org_profiles())
def test_counterfactuals_really_flip_and_are_nearest(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    changes = result.counterfactuals()
    assert [c.field for c in changes] == list(OrgProfile.model_fields)
    for change in changes:
        if change.proposed is None:
            continue
        flipped = tpm_fit.recommend(profile, **{change.field: change.proposed})
        assert flipped.verdict is change.verdict
        assert flipped.verdict is not result.verdict
        assert flipped.score == change.score
        if isinstance(change.proposed, int):
            assert isinstance(change.current, int)
            step = 1 if change.proposed > change.current else -1
            closer = change.proposed - step
            if closer != change.current:
                # One unit closer to the current value does not flip yet.
                assert tpm_fit.recommend(profile, **{change.field: closer}).verdict is result.verdict


def test_counterfactual_finds_the_size_where_the_verdict_tips() -> None:
    # One PM covers strategy and marketing; the open seat is technical. Once the company is big
    # enough for PMs to split the faces, the hire becomes a technical specialist.
    result = tpm_fit.recommend(
        company_size=40,
        product_complexity="low",
        strategy_coverage=1,
        marketing_coverage=1,
        product_team_size=1,
    )
    # A generalist seat of the technical face alone with a simple product: neither background is
    # required (rulebook 3.1.0; 3.0 said traditional).
    assert result.verdict is Verdict.EITHER
    change = {c.field: c for c in result.counterfactuals()}["company_size"]
    assert change.verdict is Verdict.TECHNICAL
    assert change.proposed == Rulebook.default().seat.specialist_min_company_size
    assert tpm_fit.recommend(result.profile, company_size=change.proposed).verdict is Verdict.TECHNICAL
    assert tpm_fit.recommend(result.profile, company_size=change.proposed - 1).verdict is Verdict.EITHER


def test_counterfactuals_after_json_need_the_custom_rulebook() -> None:
    custom = Rulebook.default().with_weights({"complex_product": 2.5})
    result = tpm_fit.recommend(FIELDS, rulebook=custom)
    again = Recommendation.model_validate_json(result.model_dump_json())
    assert again.counterfactuals(rulebook=custom) == result.counterfactuals()
    with pytest.raises(TpmFitError, match="fingerprint"):
        again.counterfactuals(rulebook=Rulebook.default())


def test_no_negative_zero_in_the_record_or_the_explanation() -> None:
    # Traditional factors that do not fire contribute 0.0, not -0.0, so no "-0.0" reaches a record.
    result = tpm_fit.recommend(company_size=12, product_complexity="high")
    assert any(step.contribution == 0.0 and step.favours.value == "traditional" for step in result.trace)
    assert "-0.0" not in result.model_dump_json()
    assert "-0.00" not in result.explain()
    assert "-0.00" not in result.to_markdown()
