"""The panel summary: the evidence per competency, refusals, and no verdict or ranking."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import tpm_fit
from tpm_fit import PanelSummary, Rating, RatingError, RoleBrief, recommend, summarize_panel


@pytest.fixture(scope="module")
def brief() -> RoleBrief:
    return recommend(company_size=12, product_complexity="high").brief()


def rating(competency: str, level: int, *, interviewer: str = "panel-1", **extra: Any) -> dict[str, Any]:
    return {
        "interviewer": interviewer,
        "competency": competency,
        "level": level,
        "evidence": "Gave a concrete example.",
        **extra,
    }


def test_per_competency_figures_and_unrated_competencies(brief: RoleBrief) -> None:
    first, second = brief.scorecard[0], brief.scorecard[1]
    summary = summarize_panel(
        brief,
        [
            rating(first.id, 2, interviewer="a"),
            rating(first.id, 4, interviewer="b"),
            rating(first.id, 5, interviewer="c"),
            rating(second.id, 3, interviewer="a"),
        ],
    )
    one, two = summary.competencies
    assert (one.competency, one.raters, one.median, one.min, one.max) == (first.id, 3, 4.0, 2, 5)
    assert one.disagreement
    assert not two.disagreement
    assert one.gap == 4.0 - first.target
    assert two.gap == 3.0 - second.target
    assert summary.unrated == tuple(c.id for c in brief.scorecard[2:])
    assert (summary.ratings, summary.interviewers) == (4, 3)
    assert "a (2): Gave a concrete example." in one.evidence


def test_the_summary_holds_no_verdict_and_no_ranking() -> None:
    fields = set(PanelSummary.model_fields) | set(tpm_fit.CompetencyPanel.model_fields)
    for word in ("verdict", "hire", "reject", "rank", "score", "overall", "total"):
        assert not any(word in name for name in fields), word


@pytest.mark.parametrize("extra", [{"age": 41}, {"gender": "f"}, {"candidate_name": "x"}])
def test_a_rating_refuses_extra_fields(brief: RoleBrief, extra: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match=next(iter(extra))):
        summarize_panel(brief, [rating(brief.scorecard[0].id, 3, **extra)])


@pytest.mark.parametrize("level", [0, 6, -1, 3.5, "4", True])
def test_a_rating_refuses_levels_outside_one_to_five(brief: RoleBrief, level: object) -> None:
    with pytest.raises(ValidationError, match="level"):
        Rating.model_validate(rating(brief.scorecard[0].id, level))  # type: ignore[arg-type]


@pytest.mark.parametrize("evidence", ["", "   \n"])
def test_a_rating_requires_evidence(brief: RoleBrief, evidence: str) -> None:
    with pytest.raises(ValidationError, match="evidence"):
        summarize_panel(brief, [{**rating(brief.scorecard[0].id, 3), "evidence": evidence}])
    missing = rating(brief.scorecard[0].id, 3)
    del missing["evidence"]
    with pytest.raises(ValidationError, match="evidence"):
        summarize_panel(brief, [missing])


@pytest.mark.parametrize("interviewer", ["Jane Doe", "jane@example.com", ""])
def test_interviewer_ids_are_opaque(brief: RoleBrief, interviewer: str) -> None:
    with pytest.raises(ValidationError, match="interviewer"):
        Rating.model_validate(rating(brief.scorecard[0].id, 3, interviewer=interviewer))


def test_unknown_competency_and_repeated_rating_are_refused(brief: RoleBrief) -> None:
    with pytest.raises(RatingError, match=r"competency='charisma': not on the scorecard; valid: "):
        summarize_panel(brief, [rating("charisma", 3)])
    with pytest.raises(RatingError, match="already rated"):
        summarize_panel(brief, [rating(brief.scorecard[0].id, 3), rating(brief.scorecard[0].id, 4)])
    assert issubclass(RatingError, ValueError)
    assert issubclass(RatingError, tpm_fit.TpmFitError)
    with pytest.raises(TypeError, match="ratings\\[0\\]"):
        summarize_panel(brief, [("a", 3)])  # type: ignore[list-item]


def test_no_ratings_leaves_every_competency_unrated(brief: RoleBrief) -> None:
    summary = brief.summarize_panel([])
    assert summary.competencies == ()
    assert summary.unrated == tuple(c.id for c in brief.scorecard)
    assert "Not rated by anyone" in summary.to_markdown()


def test_summary_round_trips_and_renders(brief: RoleBrief) -> None:
    summary = summarize_panel(brief, [rating(c.id, 3) for c in brief.scorecard])
    assert PanelSummary.model_validate_json(summary.model_dump_json()) == summary
    markdown = summary.to_markdown()
    assert all(c.name in markdown for c in brief.scorecard)
    assert "The panel decides" in markdown


@st.composite
def panels(draw: st.DrawFn, brief: RoleBrief) -> list[Rating]:
    interviewers = draw(
        st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), unique=True, max_size=6)
    )
    ids = [c.id for c in brief.scorecard]
    out = []
    for person in interviewers:
        for competency in draw(st.lists(st.sampled_from(ids), unique=True)):
            level = draw(st.integers(1, 5))
            out.append(Rating(interviewer=person, competency=competency, level=level, evidence="seen"))
    return out


BRIEF = recommend(company_size=12, product_complexity="high").brief()


@given(panels(BRIEF))
def test_counts_add_up_median_in_range_and_flag_exactly_at_a_spread_of_two(ratings: list[Rating]) -> None:
    summary = summarize_panel(BRIEF, ratings)
    assert sum(c.raters for c in summary.competencies) == len(ratings) == summary.ratings
    assert {c.competency for c in summary.competencies} | set(summary.unrated) == {
        c.id for c in BRIEF.scorecard
    }
    assert not {c.competency for c in summary.competencies} & set(summary.unrated)
    for c in summary.competencies:
        levels = [r.level for r in ratings if r.competency == c.competency]
        assert c.raters == len(levels)
        assert (c.min, c.max) == (min(levels), max(levels))
        assert c.min <= c.median <= c.max
        assert c.disagreement == (c.max - c.min >= 2)
        assert c.gap == c.median - BRIEF.competency(c.competency).target


def test_rating_errors_follow_the_one_grammar() -> None:
    with pytest.raises(ValidationError) as caught:
        Rating.model_validate(
            {"interviewer": "jane@example.com", "competency": "c", "level": 6, "evidence": " ", "age": 41}
        )
    text = str(caught.value)
    assert "level=6: too large; valid: a whole number from 1 to 5" in text
    assert "interviewer='jane@example.com': not an opaque id; valid: " in text
    assert "evidence=' ': blank; valid: " in text
    assert "age=41: not a rating field" in text
