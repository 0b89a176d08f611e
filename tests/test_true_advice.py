"""Issue 18, true advice: every sentence holds for its input, and the article's firm claims hold
over every profile. One named test per example of the issue, written as the behaviour over
valid profiles (hypothesis), not as the one input the issue happened to show."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tpm_fit
from tpm_fit import Face, OrgProfile, Recommendation, RoleShape, Rulebook, Verdict
from tpm_fit._engine.kernel import compile_rulebook, encode_profile
from tpm_fit._hiring.models import Priority
from tpm_fit._verify.breakpoint_grid import Grid, build_axes
from tpm_fit._verify.sentences import PhraseChecker, profile_without_defaults, valid_points
from tpm_fit.testing import org_profiles

BOOK = Rulebook.default()
COMPILED = compile_rulebook(BOOK)
CHECKER = PhraseChecker(BOOK, tpm_fit.Guidance.default())
OPTIONAL = [name for name, info in OrgProfile.model_fields.items() if not info.is_required()]


@st.composite
def partial_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """Profiles as a user gives them: the required fields and any subset of the others."""
    profile = draw(org_profiles())
    given_fields = draw(st.sets(st.sampled_from(OPTIONAL)))
    return {
        name: value
        for name, value in profile.__dict__.items()
        if name in given_fields or OrgProfile.model_fields[name].is_required()
    }


def everything_said(result: Recommendation) -> str:
    """Every rendering of a recommendation a reader sees: explain(), Markdown, the brief."""
    return "\n".join([result.explain(), result.to_markdown(), result.brief().to_markdown()])


def false_phrases(result: Recommendation) -> list[str]:
    values = COMPILED.with_seat(encode_profile(result.profile))
    return CHECKER.false_phrases(everything_said(result), values, frozenset(result.assumed), result.profile)


# -- 1. sentences bound to facts ------------------------------------------------------------------


# Every profile of the grid (some 15 s): CI. The quick run renders one profile of every kind of
# advice through verify(renderings="all") (tests/test_verify_renderings.py).
@pytest.mark.slow  # CI (.ci/run) or -m slow
def test_every_phrase_of_every_rendering_holds_over_the_whole_verification_grid() -> None:
    """explain(), need_reason, the risks and brief().to_markdown() for every valid grid profile,
    with the inputs at their defaults left out (assumed): zero false phrases."""
    grid = Grid(build_axes(COMPILED))
    checker = PhraseChecker(BOOK, tpm_fit.Guidance.default())
    false: list[str] = []
    points = valid_points(grid)
    for flat in points:
        profile = profile_without_defaults(grid.profile(flat))
        result = tpm_fit.recommend(profile)
        rendered = "\n".join(
            [result.explain(), result.to_markdown(), result.need_reason, result.brief().to_markdown()]
        )
        values = COMPILED.with_seat(encode_profile(profile))
        false += checker.false_phrases(rendered, values, frozenset(result.assumed), profile)
        # The risks as fields: true of the profile (the renderings above add their marks).
        fields = "\n".join(risk.description for risk in result.risks)
        false += checker.false_phrases(fields, values, frozenset(), profile)
    assert len(points) > 5_000
    assert checker.checked > 100_000
    assert false == []


@given(partial_profiles())
def test_graded_reasons_name_the_actual_level(fields: dict[str, Any]) -> None:
    result = tpm_fit.recommend(fields)
    text = result.brief().to_markdown()
    profile = result.profile
    if "engineering team is still developing" in text:
        assert profile.engineering_capability.value == "developing"
    if "engineering team is established" in text:
        assert profile.engineering_capability.value == "established"
    for level in ("moderate", "high", "very high"):
        if f"the product's complexity is {level}" in text:
            assert profile.product_complexity.value == level.replace(" ", "_")
    if "the industry competes on technology" in text:
        assert profile.industry_tech_intensity.value == "high"
    if "150 people or more" in text:
        assert profile.company_size >= 150
    assert "needs a close partner (0.24" not in text  # the false reason for `established`


@given(partial_profiles())
def test_shared_means_someone_covers_that_face(fields: dict[str, Any]) -> None:
    result = tpm_fit.recommend(fields)
    brief = result.brief()
    for item in brief.responsibilities:
        said = "\n".join(item.why)
        for match in re.finditer(r"shared: people already cover ([a-z, ]+)", said):
            for face in match.group(1).split(", "):
                assert getattr(result.profile, f"{face}_coverage") >= 1
                assert f"nobody covers {face} yet" not in said
        if item.shared:
            assert any(getattr(result.profile, face.coverage_field) >= 1 for face in item.faces)


@given(partial_profiles())
def test_the_seat_reason_states_only_what_holds(fields: dict[str, Any]) -> None:
    result = tpm_fit.recommend(fields)
    profile, seat = result.profile, BOOK.seat
    reason = result.need_reason
    if "the faces are split between people; the split from" in reason:
        assert profile.product_team_size >= seat.specialist_min_product_team
    if re.search(r"In a company of [\d,]+ the faces are split", reason):
        assert profile.company_size >= seat.specialist_min_company_size
    assert "in at least" not in reason  # the "With 3 PMs on staff in at least 3 PMs"
    for size in re.findall(r"company of (\d{1,3}(?:,\d{3})*)", reason + " ".join(result.warnings)):
        assert size == f"{profile.company_size:,}"
    for team in re.findall(r"(\d{1,3}(?:,\d{3})*) PMs? on staff", reason + " ".join(result.warnings)):
        assert team == f"{profile.product_team_size:,}"
    for face, count in re.findall(r"(strategy|marketing|technical) \((\d+) of 1\)", reason):
        assert getattr(profile, f"{face}_coverage") == int(count)


# -- 2. given versus assumed ----------------------------------------------------------------------


@given(partial_profiles())
def test_assumed_inputs_are_named_and_never_stated_as_facts(fields: dict[str, Any]) -> None:
    result = tpm_fit.recommend(fields)
    assert set(result.assumed) == set(OrgProfile.model_fields) - set(fields)
    assert false_phrases(result) == []
    if result.assumed:
        assert "Assumed, not given:" in result.explain()


def test_a_one_person_company_nobody_described_is_not_told_its_engineering_team_is_established() -> None:
    result = tpm_fit.recommend(company_size=1, product_complexity="very_high")
    text = result.explain()
    assert "engineering_capability" in result.assumed
    for line in text.splitlines():
        if "engineering team is established" in line:
            assert "not given, assumed: engineering_capability=established" in line


@given(
    org_profiles(
        product_team_size=st.integers(1, 50), strategy_coverage=0, marketing_coverage=0, technical_coverage=0
    )
)
def test_pms_on_staff_covering_no_face_give_a_warning(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    assert any("nobody is counted as covering any face" in text for text in result.warnings)
    assert "Check the inputs:" in result.explain()


@given(org_profiles(company_size=st.integers(150, 10_000_000), product_team_size=0))
def test_a_grown_company_with_no_pm_is_warned_and_never_told_one_person_wears_every_hat(
    profile: OrgProfile,
) -> None:
    result = tpm_fit.recommend(profile)
    assert any("no PM on staff is unusual" in text for text in result.warnings)
    assert "every open hat" not in result.explain()
    assert result.role_shape is RoleShape.SPECIALIST
    assert len(result.seat) <= 1


@given(org_profiles(company_size=st.integers(1, 149), product_team_size=st.integers(1, 2)))
def test_a_small_company_whose_pms_cover_faces_gets_no_warning(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    covered = profile.strategy_coverage + profile.marketing_coverage + profile.technical_coverage
    assert (result.warnings == ()) is (covered > 0)


# -- 3. the article's firm claims, over every profile ---------------------------------------------


@given(org_profiles())
def test_a_seat_with_business_faces_and_without_the_technical_face_is_never_technical(
    profile: OrgProfile,
) -> None:
    result = tpm_fit.recommend(profile)
    if set(result.seat) & {Face.STRATEGY, Face.MARKETING} and Face.TECHNICAL not in result.seat:
        assert result.verdict is not Verdict.TECHNICAL
        assert not result.brief().title.startswith("Technical Product Manager,")


@given(org_profiles())
def test_a_technical_specialist_seat_is_technical(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    if result.role_shape is RoleShape.SPECIALIST and result.seat == (Face.TECHNICAL,):
        assert result.verdict is Verdict.TECHNICAL


@given(org_profiles(product_complexity=st.sampled_from(["low", "moderate"])))
def test_a_generalist_seat_with_business_faces_and_a_low_or_moderate_product_is_never_technical(
    profile: OrgProfile,
) -> None:
    """Rulebook 3.1.0: the claim covers the generalist who also wears a business hat; a seat of
    the technical face alone is tested in test_article_claims.py."""
    result = tpm_fit.recommend(profile)
    if result.role_shape is RoleShape.GENERALIST and set(result.seat) & {Face.STRATEGY, Face.MARKETING}:
        assert result.verdict is not Verdict.TECHNICAL
        technical = next(q for q in result.brief().qualifications if q.id == "technical_background")
        if result.verdict is Verdict.TRADITIONAL:
            assert technical.priority is Priority.NICE_TO_HAVE  # a plus


@given(org_profiles(product_complexity="very_high", technical_coverage=0))
def test_a_very_complex_product_with_nobody_on_the_technical_face_is_technical_with_that_face(
    profile: OrgProfile,
) -> None:
    result = tpm_fit.recommend(profile)
    assert result.verdict is Verdict.TECHNICAL
    assert Face.TECHNICAL in result.seat


@given(
    org_profiles(
        product_complexity=st.sampled_from(["high", "very_high"]),
        technical_coverage=0,
        company_size=st.integers(150, 100_000),
    )
)
def test_once_faces_split_a_highly_technical_product_fills_an_open_technical_face_first(
    profile: OrgProfile,
) -> None:
    result = tpm_fit.recommend(profile)
    assert result.seat == (Face.TECHNICAL,)
    assert result.open_seats[0] is Face.TECHNICAL


def test_verify_proves_every_claim_of_the_default_rulebook() -> None:
    report = BOOK.verify()
    assert report.ok, report.to_text()
    assert {a.axiom for a in report.verdict_axioms} == {
        "business_seat_never_technical",
        "technical_specialist_is_technical",
        "generalist_simple_never_technical",
        "technical_only_generalist_with_tpm_advantages_never_traditional",
        "very_complex_open_technical_is_technical",
        "technical_face_first_when_complex",
    }
    assert all(a.holds and a.cases_checked > 0 for a in report.verdict_axioms)
    assert "The article's firm claims" in report.to_text()
    assert "Sentences: ok" in report.to_text()


def test_a_rulebook_without_the_business_seat_factor_fails_verify_with_a_counterexample() -> None:
    report = BOOK.with_weights({"business_seat": 0.0}).verify()
    assert not report.ok
    violation = next(v for v in report.violations if v.subject == "business_seat_never_technical")
    assert violation.check == "verdict_axiom"
    assert violation.before is not None
    broken = tpm_fit.recommend(violation.before, rulebook=BOOK.with_weights({"business_seat": 0.0}))
    assert broken.verdict is Verdict.TECHNICAL
    assert set(broken.seat) & {Face.STRATEGY, Face.MARKETING}
    assert Face.TECHNICAL not in broken.seat


def test_a_plus_counterweight_on_how_only_generalist_seats_fails_verify_with_a_counterexample() -> None:
    """Rulebook 3.0.1's technical_is_a_plus, which fired for every generalist seat whatever its
    faces, breaks the 3.1.0 claim that a how-only seat is never traditional where the article's
    advantages apply."""
    data = BOOK.model_dump(mode="json", exclude_none=True)
    factor = next(f for f in data["factors"] if f["id"] == "technical_is_a_plus")
    factor["activation"]["of"] = factor["activation"]["of"][:2]  # drop the business-faces term
    book = Rulebook.from_mapping(data)
    report = book.verify()
    violation = next(
        v
        for v in report.violations
        if v.subject == "technical_only_generalist_with_tpm_advantages_never_traditional"
    )
    assert violation.before is not None
    broken = tpm_fit.recommend(violation.before, rulebook=book)
    assert broken.verdict is Verdict.TRADITIONAL
    assert broken.seat == (Face.TECHNICAL,)
    assert broken.role_shape is RoleShape.GENERALIST


def test_a_seat_rule_whose_ties_ignore_complexity_fails_the_seat_axiom() -> None:
    data = BOOK.model_dump(mode="json", exclude_none=True)
    del data["seat"]["technical_first_from"]
    report = Rulebook.from_mapping(data).verify()
    violation = next(v for v in report.violations if v.subject == "technical_face_first_when_complex")
    assert violation.before is not None
    assert violation.before.product_complexity.value in {"high", "very_high"}
    assert "the seat [strategy]" in violation.message


def test_a_statement_is_never_said_where_its_condition_is_false() -> None:
    data = BOOK.model_dump(mode="json", exclude_none=True)
    for statement in data["statements"]:
        if statement["id"] == "seat_generalist":  # now claims "no PM" for its words about PMs
            statement["when"] = {"kind": "ramp", "input": "product_team_size", "points": [[0, 1.0], [1, 0.0]]}
    book = Rulebook.from_mapping(data)
    result = tpm_fit.recommend(company_size=20, product_complexity="low", product_team_size=1, rulebook=book)
    assert "on staff in a company of" not in result.need_reason
    report = book.verify()
    assert report.sentences is not None
    assert report.sentences.false_phrases == 0


def test_a_graded_reason_shown_where_its_level_does_not_hold_is_caught() -> None:
    """The issue's bug: a reason about a developing team shown for an established one."""
    data = tpm_fit.Guidance.default().model_dump(mode="json", exclude_none=True)
    for item in data["responsibilities"]:
        for rule in item.get("emphasis", []):
            if rule["reason"] == "the engineering team is still developing and needs a close partner":
                rule["when"]["values"] = {"developing": 1.0, "established": 0.4, "strong": 0.0}
    guidance = tpm_fit.Guidance.from_mapping(data)
    result = tpm_fit.recommend(
        company_size=40, product_complexity="high", engineering_capability="established"
    )
    text = result.brief(guidance=guidance).to_markdown()
    checker = PhraseChecker(BOOK, guidance)
    found = checker.false_phrases(
        text, COMPILED.with_seat(encode_profile(result.profile)), frozenset(result.assumed), result.profile
    )
    assert any("still developing and needs a close partner" in line for line in found)


@pytest.mark.parametrize("verdicts", [["technical", "traditional"], ["traditional", "technical"]])
def test_a_verdict_axiom_must_allow_a_contiguous_run_of_verdicts(verdicts: list[str]) -> None:
    data = BOOK.model_dump(mode="json", exclude_none=True)
    data["verdict_axioms"][0]["verdicts"] = verdicts
    with pytest.raises(tpm_fit.RulebookError, match="contiguous"):
        Rulebook.from_mapping(data)


def test_a_condition_ramp_must_step_between_neighbouring_whole_numbers() -> None:
    data = BOOK.model_dump(mode="json", exclude_none=True)
    data["verdict_axioms"][0]["when"] = {
        "kind": "ramp",
        "input": "company_size",
        "points": [[10, 0.0], [50, 1.0]],
    }
    with pytest.raises(tpm_fit.RulebookError, match="neighbouring whole numbers"):
        Rulebook.from_mapping(data)


# -- 4. both sides under "either" -----------------------------------------------------------------


@given(org_profiles())
def test_either_shows_the_drawbacks_of_both_backgrounds_whose_premise_holds(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    assert all(risk.if_hired in {"technical", "traditional"} for risk in result.risks)
    if result.verdict is not Verdict.EITHER:
        return
    values = COMPILED.with_seat(encode_profile(profile))
    from tpm_fit._model.primitives import compile_activation

    holding = {
        rule.id for rule in BOOK.risks if compile_activation(rule.when).one(values) >= rule.min_activation
    }
    assert {risk.id for risk in result.risks} == holding
    text = result.explain()
    for side in ("technical", "traditional"):
        if any(risk.if_hired == side for risk in result.risks):
            assert f"Risks to manage if you hire a {side} PM:" in text


# -- 5. staffing as the article describes it ------------------------------------------------------


@given(org_profiles())
def test_open_seats_list_every_face_below_its_need_with_the_seat_first(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    open_faces = {face for face in Face if getattr(profile, face.coverage_field) < 1}
    assert set(result.open_seats) == open_faces
    assert result.open_seats[: len(result.seat)] == result.seat or result.role_shape is RoleShape.GENERALIST


def test_numbers_the_article_never_gives_are_labelled_assumptions_where_they_decide() -> None:
    assumptions = {item.field: item for item in BOOK.seat.assumptions}
    assert set(assumptions) == {"specialist_min_company_size", "specialist_min_product_team"}
    assert all(item.basis == "assumption" and item.rationale for item in assumptions.values())
    assert [step.people for step in BOOK.seat.need] == [1]  # one person per face, as the article says
    for size in (149, 150):  # one person more flips the seat: the reason says a rule of thumb did it
        reason = tpm_fit.recommend(
            company_size=size, product_complexity="high", product_team_size=1
        ).need_reason
        assert "rule of thumb, not from the article" in reason
        assert "[seat]" in reason


# -- 6. the brief follows the article ---------------------------------------------------------------


@given(org_profiles())
def test_a_technical_hire_must_have_every_trait_the_article_requires(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    if result.verdict is not Verdict.TECHNICAL:
        return
    musts = {q.id for q in result.brief().must_haves()}
    assert musts == {
        "technical_background",
        "business_acumen",
        "communication",
        "user_centric",
        "systems_thinking",
    }


@given(org_profiles())
def test_a_traditional_hire_treats_the_technical_background_as_a_plus_and_names_the_backgrounds(
    profile: OrgProfile,
) -> None:
    result = tpm_fit.recommend(profile)
    if result.verdict is not Verdict.TRADITIONAL:
        return
    brief = result.brief()
    technical = next(q for q in brief.qualifications if q.id == "technical_background")
    assert technical.priority is Priority.NICE_TO_HAVE
    assert "plus" in technical.why[0]
    assert brief.backgrounds == ("sales", "marketing", "management", "communications", "economics")
    assert "economics" in brief.to_markdown()


def test_interview_questions_vary_with_team_industry_and_engineering_capability() -> None:
    base = {"company_size": 400, "product_complexity": "high", "product_team_size": 4}
    first, second = (
        {q for c in tpm_fit.recommend(**base, **situation).brief().scorecard for q in c.questions}
        for situation in (
            {"engineering_capability": "developing", "industry_tech_intensity": "high"},
            {"engineering_capability": "strong", "industry_tech_intensity": "low"},
        )
    )
    assert first != second
    assert any("still developing" in q for q in first)
    assert any("strong and self-directed" in q for q in second)
    first_pm = tpm_fit.recommend(company_size=20, product_complexity="low", product_team_size=0).brief()
    assert any("first product manager" in q for c in first_pm.scorecard for q in c.questions)


@given(partial_profiles())
def test_situational_questions_are_never_asked_on_assumed_inputs(fields: dict[str, Any]) -> None:
    result = tpm_fit.recommend(fields)
    questions = [q for c in result.brief().scorecard for q in c.questions]
    if "engineering_capability" in result.assumed:
        assert not any("Our engineering team" in q or "Our engineers" in q for q in questions)
    if "product_team_size" in result.assumed:
        assert not any("first product manager" in q for q in questions)


# -- results keep the new fields --------------------------------------------------------------------


@given(partial_profiles())
def test_the_new_fields_survive_the_json_round_trip(fields: dict[str, Any]) -> None:
    result = tpm_fit.recommend(fields)
    again = Recommendation.model_validate_json(result.model_dump_json())
    assert again == result
    assert (again.assumed, again.warnings, again.open_seats) == (
        result.assumed,
        result.warnings,
        result.open_seats,
    )
    assert [risk.if_hired for risk in again.risks] == [risk.if_hired for risk in result.risks]


def test_a_recommendation_written_before_the_new_fields_still_reads() -> None:
    data = tpm_fit.recommend(company_size=40, product_complexity="high").model_dump(mode="json")
    for name in ("assumed", "warnings", "open_seats"):
        del data[name]
    for risk in data["risks"]:
        del risk["if_hired"]
    old = Recommendation.model_validate(data)
    assert (old.assumed, old.warnings, old.open_seats) == ((), (), ())
    assert "Risks to manage if you hire a technical PM:" in old.explain()
