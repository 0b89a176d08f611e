"""Issue 18, the rest of "true advice": the seat line, the counterfactual lines and the factor
lines are bound to declared conditions; verify() checks every rendering and names each kind of
lie; statements follow a custom [seat]; the "not given" mark is said once per sentence, after
its full stop; and levels read as plain words wherever people read them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tpm_fit
from tpm_fit import OrgProfile, Recommendation, RoleShape, Rulebook
from tpm_fit._engine.kernel import compile_rulebook, encode_profile
from tpm_fit._engine.statements import ASSUMED_MARK
from tpm_fit._verify.breakpoint_grid import Grid, build_axes
from tpm_fit._verify.sentences import (
    PhraseChecker,
    false_counterfactuals,
    misplaced_marks,
    profile_without_defaults,
    valid_points,
)
from tpm_fit.testing import org_profiles

BOOK = Rulebook.default()
COMPILED = compile_rulebook(BOOK)
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


def with_seat(**seat: Any) -> Rulebook:
    data = BOOK.model_dump(mode="json", exclude_none=True)
    data["seat"].update(seat)
    return Rulebook.from_mapping(data)


def with_statement(id: str, **changes: Any) -> Rulebook:
    data = BOOK.model_dump(mode="json", exclude_none=True)
    for statement in data["statements"]:
        if statement["id"] == id:
            statement.update(changes)
    return Rulebook.from_mapping(data)


def counterfactual_lines(result: Recommendation) -> str:
    return "\n".join(str(item) for item in result.counterfactuals())


# -- 1. the seat line, the counterfactual lines and the factor lines are bound ---------------------


@given(partial_profiles())
def test_the_seat_line_names_exactly_the_seat_and_its_shape(fields: dict[str, Any]) -> None:
    result = tpm_fit.recommend(fields)
    line = next(line for line in result.explain().splitlines() if line.startswith("Seat: "))
    assert result.role_shape.value in line
    assert f"({result.role_shape.description})" in line
    if result.seat:
        assert f"the hire would own: {', '.join(face.value for face in result.seat)}." in line
    else:
        assert "empty, every face meets its need" in line
    checker = PhraseChecker(BOOK)
    values = COMPILED.with_seat(encode_profile(result.profile))
    assert checker.false_phrases(line, values, frozenset(result.assumed), result.profile) == []
    assert checker.checked >= 2


@given(org_profiles())
def test_every_counterfactual_line_holds_for_its_profile(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    lines = counterfactual_lines(result)
    checked, false = false_counterfactuals(lines, COMPILED, encode_profile(profile), profile)
    assert false == []
    assert checked == len(lines.splitlines()) == len(OrgProfile.model_fields)


@pytest.mark.slow  # every grid profile's eight counterfactual searches, about 40 s: CI or -m slow
def test_every_counterfactual_line_holds_over_the_whole_verification_grid() -> None:
    grid = Grid(build_axes(COMPILED))
    false: list[str] = []
    checked = 0
    for flat in valid_points(grid):
        result = tpm_fit.recommend(grid.profile(flat))
        count, found = false_counterfactuals(
            counterfactual_lines(result), COMPILED, grid.values(flat), grid, flat
        )
        checked += count
        false += found
    assert checked > 50_000
    assert false == []


def test_a_counterfactual_line_that_lies_is_caught() -> None:
    result = tpm_fit.recommend(company_size=400, product_complexity="very_high", product_team_size=3)
    lines = counterfactual_lines(result)
    values = encode_profile(result.profile)
    assert "product_complexity: very high -> moderate gives traditional" in lines
    for lie, why in (
        (lines.replace("very high -> moderate", "very high -> high"), "the value shown gives technical"),
        (lines.replace("technical_coverage: 0 -> 1", "technical_coverage: 0 -> 2"), "a nearer value flips"),
        (
            lines.replace(
                "company_size: no value flips the verdict",
                "company_size: 400 -> 1 gives technical (score +1.00)",
            ),
            "",
        ),
    ):
        _, false = false_counterfactuals(lie, COMPILED, values, result.profile)
        assert false
        assert why in false[0]


def test_a_factor_line_showing_another_activation_than_its_declared_one_is_caught() -> None:
    result = tpm_fit.recommend(company_size=40, product_complexity="high")
    text = result.explain() + "\n" + result.to_markdown() + "\n" + result.brief().to_markdown()
    checker = PhraseChecker(BOOK, tpm_fit.Guidance.default())
    values = COMPILED.with_seat(encode_profile(result.profile))
    assert checker.false_phrases(text, values, frozenset(result.assumed), result.profile) == []
    lie = text.replace("(weight 3 x activation 0.75)", "(weight 3 x activation 1.00)")
    assert any(
        "factor line" in line
        for line in checker.false_phrases(lie, values, frozenset(result.assumed), result.profile)
    )
    # the brief's "in the trace" names a factor that did not fire
    lie = text.replace("in the trace: ", "in the trace: Product simplicity (favours traditional); ", 1)
    found = checker.false_phrases(lie, values, frozenset(result.assumed), result.profile)
    assert any("did not fire" in line for line in found)


# -- 2. verify() checks every rendering and names each kind of lie ----------------------------------


def test_verify_renders_explain_brief_and_counterfactuals_and_finds_nothing_false() -> None:
    check = BOOK.verify().sentences
    assert check is not None
    assert check.false_phrases == 0
    assert check.renderings == 64
    assert check.phrases_checked > 90_000
    assert check.kinds is not None
    assert check.kinds > 64
    assert (
        f"every rendering (explain, brief, counterfactuals) checked for a sample of 64 of {check.kinds:,} "
        "kinds of advice, not all"
    ) in BOOK.verify().to_text()


def _first_false(book: Rulebook) -> str:
    report = book.verify()
    assert not report.ok
    violation = next(v for v in report.violations if v.check == "sentence")
    assert report.sentences is not None
    assert report.sentences.first_false is not None
    return violation.message


def test_verify_reports_a_statement_whose_words_are_said_under_a_weaker_condition() -> None:
    """Words of "the first PM" reused by a statement whose condition is another: wherever the words
    appear, one of the two conditions is false."""
    first_pm = next(s for s in BOOK.statements if s.id == "seat_generalist_first_pm").text
    book = with_statement("seat_generalist", text=first_pm)
    message = _first_false(book)
    assert "statement seat_generalist" in message
    assert "the first PM wears every open hat" in message


def test_verify_reports_a_risk_that_repeats_another_risks_words_under_another_condition() -> None:
    """ "The engineering team is established or strong" said wherever the industry is high-tech."""
    data = BOOK.model_dump(mode="json", exclude_none=True)
    words = next(r for r in data["risks"] if r["id"] == "over_involvement")["description"]
    next(r for r in data["risks"] if r["id"] == "misses_technology_trends")["description"] = words
    message = _first_false(Rulebook.from_mapping(data))
    assert "risk over_involvement" in message
    assert "engineering_capability=developing" in message


def test_verify_reports_a_seat_line_that_lies(monkeypatch: pytest.MonkeyPatch) -> None:
    from tpm_fit._render import recommendation as render

    swapped = {**render.SEAT_LINE}
    swapped["seat_line_generalist"], swapped["seat_line_specialist"] = (
        swapped["seat_line_specialist"],
        swapped["seat_line_generalist"],
    )
    monkeypatch.setattr(render, "SEAT_LINE", swapped)
    assert "seat line seat_line_" in _first_false(BOOK.with_weights({"simple_product": 1.5}))


def test_verify_reports_a_factor_line_that_lies(monkeypatch: pytest.MonkeyPatch) -> None:
    from tpm_fit._render import recommendation as render

    honest = render._step_line
    monkeypatch.setattr(
        render, "_step_line", lambda step: honest(step.model_copy(update={"activation": 0.123}))
    )
    assert "factor line" in _first_false(BOOK.with_weights({"simple_product": 1.5}))


def test_verify_reports_a_counterfactual_that_lies(monkeypatch: pytest.MonkeyPatch) -> None:
    from tpm_fit._engine import counterfactual

    monkeypatch.setattr(counterfactual, "_ordered_flip", lambda levels, rank, probe: None)
    assert "counterfactual" in _first_false(BOOK.with_weights({"simple_product": 1.5}))


def test_verify_reports_a_counterfactual_line_worded_off_its_declaration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tpm_fit._render import recommendation as render

    lines = {**render.COUNTERFACTUAL_LINE, "cf_never": "{field}: nothing you change matters"}
    monkeypatch.setattr(render, "COUNTERFACTUAL_LINE", lines)
    assert "not a declared sentence" in _first_false(BOOK.with_weights({"simple_product": 1.5}))


def test_verify_reports_a_rendering_that_drops_the_not_given_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    from tpm_fit._render import recommendation as render

    monkeypatch.setattr(render, "assumed_note", lambda reads, assumed: "")
    assert "without saying so" in _first_false(BOOK.with_weights({"simple_product": 1.5}))


# -- 3. statements follow a custom [seat] ----------------------------------------------------------


@settings(max_examples=25)
@given(
    min_size=st.integers(1, 400),
    min_team=st.integers(1, 6),
    profile=org_profiles(company_size=st.integers(1, 1_000), product_team_size=st.integers(0, 8)),
)
def test_with_any_seat_section_every_sentence_is_true_and_the_expected_ones_are_said(
    min_size: int, min_team: int, profile: OrgProfile
) -> None:
    book = with_seat(specialist_min_company_size=min_size, specialist_min_product_team=min_team)
    fields = profile_without_defaults(profile)
    result = tpm_fit.recommend(fields, rulebook=book)
    checker = PhraseChecker(book, tpm_fit.Guidance.default())
    values = compile_rulebook(book).with_seat(encode_profile(result.profile))
    text = "\n".join([result.explain(), result.need_reason, result.brief().to_markdown()])
    assert checker.false_phrases(text, values, frozenset(result.assumed), result.profile) == []
    reason, size, team = result.need_reason, profile.company_size, profile.product_team_size
    if result.role_shape is RoleShape.SPECIALIST and result.hire_needed:
        if size >= min_size:
            assert f"the split from {min_size:,} people is a rule of thumb" in reason
        else:
            assert f"the split from {min_team} PMs is a rule of thumb" in reason
    if result.role_shape is RoleShape.GENERALIST and result.hire_needed:
        assert f"The faces stay with one person below {min_size:,} people and {min_team} PMs" in reason
    grown_without_pm = any("with no PM on staff is unusual" in text for text in result.warnings)
    assert grown_without_pm is (size >= min_size and team == 0)


def test_a_seat_that_splits_from_two_people_says_why_and_warns_of_a_company_without_a_pm() -> None:
    book = with_seat(specialist_min_company_size=2)
    result = tpm_fit.recommend(company_size=5, product_complexity="high", rulebook=book)
    assert result.role_shape is RoleShape.SPECIALIST
    assert result.need_reason.startswith("In a company of 5 the faces are split between people")
    assert "the split from 2 people is a rule of thumb" in result.need_reason
    assert result.warnings
    assert result.warnings[0].startswith("A company of 5 with no PM on staff is unusual")
    pd = pytest.importorskip("pandas")
    frame = tpm_fit.recommend_many(
        pd.DataFrame({"company_size": [5, 1], "product_complexity": ["high", "high"]}), rulebook=book
    )
    assert frame["warning.warn_grown_without_pm"].tolist() == [True, False]  # batch = scalar
    report = book.verify()
    assert report.sentences is not None
    assert report.sentences.false_phrases == 0, report.sentences


def test_a_seat_step_must_be_one_step_between_neighbouring_whole_numbers() -> None:
    data = BOOK.model_dump(mode="json", exclude_none=True)
    for statement in data["statements"]:
        if statement["id"] == "seat_split_by_size":
            statement["when"]["of"][1]["points"] = [[100, 0.0], [150, 1.0]]
    with pytest.raises(tpm_fit.RulebookError, match="one step between neighbouring whole numbers"):
        Rulebook.from_mapping(data)


# -- 4. the "not given" mark: once per sentence, after its full stop --------------------------------


@given(partial_profiles())
def test_the_not_given_mark_is_said_once_per_sentence_after_its_full_stop(fields: dict[str, Any]) -> None:
    result = tpm_fit.recommend(fields)
    for text in (result.need_reason, *result.warnings, result.explain()):
        assert misplaced_marks(text) == []
    sentences = [part for part in re.split(r"(?<=\.) (?=[A-Z\[])", result.need_reason) if part]
    assert all(part.count(ASSUMED_MARK) <= 1 for part in sentences)
    assert result.need_reason.count(ASSUMED_MARK) <= result.need_reason.count(". ") + 1


def test_a_specialist_reason_with_a_tie_carries_one_mark_for_its_sentence() -> None:
    reason = tpm_fit.recommend(company_size=400, product_complexity="very_high").need_reason
    takes = reason[reason.index("The hire takes") :]
    takes = takes[: takes.index("]") + 1]
    assert takes.count(ASSUMED_MARK) == 1
    assert takes.endswith(
        "from the start. [not given, assumed: "
        "strategy_coverage=0, marketing_coverage=0, technical_coverage=0]"
    )


# -- 5. levels in plain words for people, enum values in JSON ----------------------------------------

_RAW_LEVEL = re.compile(r"\bvery_high\b")


@given(org_profiles(product_complexity="very_high"))
def test_people_read_very_high_while_json_keeps_very_high(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    brief = result.brief()
    for text in (
        result.explain(),
        result.to_markdown(),
        result._repr_html_(),
        result.need_reason,
        *result.warnings,
        counterfactual_lines(result),
        brief.to_markdown(),
        brief.to_html(),
        json.dumps(brief.to_job_posting()),
    ):
        assert not _RAW_LEVEL.search(text), text
    assert "product_complexity=very high" in result.explain()
    assert json.loads(result.model_dump_json())["profile"]["product_complexity"] == "very_high"
    assert result.counterfactuals()[1].current == "very_high"


def test_a_seat_step_on_an_input_that_is_not_a_count_is_refused_with_its_name() -> None:
    data = BOOK.model_dump(mode="json", exclude_none=True)
    for statement in data["statements"]:
        if statement["id"] == "seat_split_by_size":
            statement["seat_steps"] = {"industry_tech_intensity": "specialist_min_company_size"}
    with pytest.raises(
        tpm_fit.RulebookError, match="seat_steps key 'industry_tech_intensity': not an integer"
    ):
        Rulebook.from_mapping(data)
