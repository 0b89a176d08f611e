"""Stage one, the seat: which faces the hire would own, whether to hire at all, and a verdict and
explanation that follow from it. One named test per contradiction the seat model removed."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import tpm_fit
from tpm_fit import Face, OrgProfile, RoleShape, Rulebook, Verdict
from tpm_fit._engine.kernel import compile_rulebook, encode_profile
from tpm_fit._engine.seat import SeatStage
from tpm_fit.testing import org_profiles, rulebooks

QUICK_START = {
    "company_size": 40,
    "product_complexity": "high",
    "strategy_coverage": 2,
    "engineering_capability": "developing",
}


# -- the contradictions the seat model removes ------------------------------------------------


def test_a_face_two_people_cover_is_not_in_the_seat_and_no_risk_says_nobody_covers_it() -> None:
    result = tpm_fit.recommend(**QUICK_START)
    assert Face.STRATEGY not in result.seat
    for risk in result.risks:
        assert "nobody else covers strategy" not in risk.description.lower()


def test_a_200_person_company_without_a_pm_gets_one_face_now_and_the_others_as_open_seats() -> None:
    # Grown past the split (a rule of thumb): one person per face, not one person for every hat.
    result = tpm_fit.recommend(company_size=200, product_complexity="moderate")
    assert result.role_shape is RoleShape.SPECIALIST
    assert len(result.seat) == 1
    assert result.open_seats[0] == result.seat[0]
    assert set(result.open_seats) == set(Face)
    assert any("no PM on staff" in text for text in result.warnings)


def test_a_200_person_company_with_a_pm_gets_a_specialist_owning_one_face() -> None:
    result = tpm_fit.recommend(company_size=200, product_complexity="moderate", product_team_size=1)
    assert result.role_shape is RoleShape.SPECIALIST
    assert len(result.seat) == 1


def test_a_small_company_with_a_team_of_five_gets_a_specialist_and_no_every_hat_factor() -> None:
    result = tpm_fit.recommend(company_size=20, product_complexity="moderate", product_team_size=5)
    assert result.role_shape is RoleShape.SPECIALIST
    assert result.contributions()["generalist_business_hats"] == 0.0
    assert "every open hat" not in result.explain()


def test_a_grown_company_whose_only_open_seat_is_strategy_is_told_traditional() -> None:
    result = tpm_fit.recommend(
        company_size=600,
        product_complexity="very_high",
        technical_coverage=2,
        marketing_coverage=2,
        product_team_size=4,
    )
    assert result.seat == (Face.STRATEGY,)
    assert result.verdict is Verdict.TRADITIONAL


def test_a_30_person_company_with_the_technical_face_staffed_is_told_traditional() -> None:
    result = tpm_fit.recommend(company_size=30, product_complexity="high", technical_coverage=3)
    assert result.seat == (Face.STRATEGY, Face.MARKETING)
    assert result.verdict is Verdict.TRADITIONAL


def test_a_50000_person_company_with_every_face_staffed_needs_no_new_pm() -> None:
    result = tpm_fit.recommend(
        company_size=50_000,
        product_complexity="high",
        strategy_coverage=20,
        marketing_coverage=20,
        technical_coverage=20,
        product_team_size=40,
    )
    assert result.hire_needed is False
    assert result.seat == ()
    assert result.need_reason.startswith("No new PM is indicated")
    assert result.explain().splitlines()[0].startswith("No new PM is indicated")
    assert "If you hire anyway" in result.explain()


def test_product_team_size_moves_the_score() -> None:
    base = {
        "company_size": 60,
        "product_complexity": "moderate",
        "strategy_coverage": 1,
        "marketing_coverage": 1,
    }
    scores = {team: tpm_fit.recommend(base, product_team_size=team).score for team in (0, 1, 2, 3, 6)}
    assert len(set(scores.values())) > 1
    assert scores[3] > scores[2]  # from three PMs the faces split: the technical seat is a specialist's


@pytest.mark.parametrize("capability", ["developing", "established", "strong"])
@pytest.mark.parametrize("complexity", ["low", "moderate", "high", "very_high"])
def test_no_title_names_a_level_the_input_may_not_have(capability: str, complexity: str) -> None:
    """Titles name a consideration, never a level: 'Strong engineering team' fired for established."""
    result = tpm_fit.recommend(
        company_size=80, product_complexity=complexity, engineering_capability=capability
    )
    levels = r"\b(strong|weak|developing|established|simple|complex|low|moderate|high|very high)\b"
    for step in result.trace:
        assert not re.search(levels, step.title, flags=re.IGNORECASE), step.title


def test_coverage_above_the_headcount_is_refused_naming_both_fields_and_values() -> None:
    with pytest.raises(ValidationError) as caught:
        OrgProfile(company_size=3, product_complexity="low", strategy_coverage=50)
    message = str(caught.value)
    assert "strategy_coverage=50" in message
    assert "company_size=3" in message
    with pytest.raises(ValidationError, match="product_team_size=4"):
        OrgProfile(company_size=3, product_complexity="low", product_team_size=4)


def test_batch_refuses_coverage_above_the_headcount_with_the_row_label() -> None:
    frame = pd.DataFrame(
        {"company_size": [3, 10], "product_complexity": ["low", "low"], "marketing_coverage": [50, 2]},
        index=["tiny", "fine"],
    )
    with pytest.raises(tpm_fit.ProfileFrameError) as caught:
        tpm_fit.recommend_many(frame)
    message = str(caught.value)
    assert "'tiny'" in message
    assert "marketing_coverage" in message
    assert "company_size=3" in message
    coerced = tpm_fit.recommend_many(frame, errors="coerce")
    assert pd.isna(coerced.loc["tiny", "verdict"])
    assert (
        coerced.loc["fine", "verdict"]
        == tpm_fit.recommend(company_size=10, product_complexity="low", marketing_coverage=2).verdict
    )


# -- properties of the seat -------------------------------------------------------------------


@given(org_profiles(), rulebooks())
def test_seat_properties_hold_for_every_profile(profile: OrgProfile, rulebook: Rulebook) -> None:
    result = tpm_fit.recommend(profile, rulebook=rulebook)
    need = compile_rulebook(rulebook).seat.need_at(profile.company_size)
    assert result.hire_needed is bool(result.seat)
    for face in result.seat:
        assert getattr(profile, face.coverage_field) < need  # a covered face is never in the seat
    seat = rulebook.seat
    open_faces = [f for f in Face if getattr(profile, f.coverage_field) < need]
    if result.role_shape is RoleShape.SPECIALIST:
        assert len(result.seat) <= 1
        assert (
            profile.company_size >= seat.specialist_min_company_size
            or profile.product_team_size >= seat.specialist_min_product_team
        )
        assert sorted(result.open_seats, key=list(Face).index) == open_faces
        assert result.open_seats[:1] == result.seat
    else:
        assert list(result.seat) == open_faces == list(result.open_seats)
    assert list(result.seat) == sorted(result.seat, key=list(Face).index)


@given(org_profiles())
def test_every_sentence_of_the_explanation_is_true_of_the_profile(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    risks = {risk.id for risk in result.risks}
    business_open = profile.strategy_coverage == 0 or profile.marketing_coverage == 0
    business_in_seat = any(face.is_business for face in result.seat)
    technical_reach = Face.TECHNICAL in result.seat or profile.technical_coverage == 0
    if "weaker_business_knowledge" in risks:
        assert business_open
    if "neglects_business_faces" in risks:
        assert business_in_seat or business_open
    if "over_involvement" in risks:
        assert profile.engineering_capability.value in {"established", "strong"}
    if "engineering_credibility_gap" in risks:
        assert profile.engineering_capability.value == "developing" or profile.product_complexity.value in {
            "high",
            "very_high",
        }
        assert technical_reach
    if "misses_technology_trends" in risks:
        assert profile.industry_tech_intensity.value == "high"
    contributions = result.contributions()
    if contributions["generalist_business_hats"] != 0.0:
        assert result.role_shape is RoleShape.GENERALIST
        assert business_in_seat
    if contributions["business_seat"] != 0.0:
        assert business_in_seat
        assert Face.TECHNICAL not in result.seat
    # The need sentence states the real counts of the faces it names.
    for face, count, need in re.findall(
        r"(strategy|marketing|technical) \((\d+) of (\d+)\)", result.need_reason
    ):
        assert getattr(profile, f"{face}_coverage") == int(count)
        assert int(need) == compile_rulebook(Rulebook.default()).seat.need_at(profile.company_size)


@given(org_profiles())
def test_gaining_the_technical_face_never_lowers_the_score(profile: OrgProfile) -> None:
    compiled = compile_rulebook(Rulebook.default())
    values = compiled.with_seat(encode_profile(profile))
    without = compiled.score_one({**values, "seat_technical": 0})[2]
    with_it = compiled.score_one({**values, "seat_technical": 1})[2]
    assert with_it >= without


@given(org_profiles())
def test_counterfactuals_say_what_would_make_a_hire_unnecessary_or_necessary(profile: OrgProfile) -> None:
    result = tpm_fit.recommend(profile)
    for change in result.counterfactuals():
        if change.hire_proposed is None:
            continue
        flipped = tpm_fit.recommend(profile, **{change.field: change.hire_proposed})
        assert flipped.hire_needed is change.hire_needed is (not result.hire_needed)
        if isinstance(change.hire_proposed, int):
            assert isinstance(change.current, int)
            step = 1 if change.hire_proposed > change.current else -1
            closer = change.hire_proposed - step
            if closer != change.current:
                assert tpm_fit.recommend(profile, **{change.field: closer}).hire_needed is result.hire_needed


def test_counterfactual_names_the_coverage_that_makes_the_hire_unnecessary() -> None:
    result = tpm_fit.recommend(
        company_size=300, product_complexity="low", strategy_coverage=1, marketing_coverage=1
    )
    change = {c.field: c for c in result.counterfactuals()}["technical_coverage"]
    assert result.hire_needed is True
    assert change.hire_proposed == 1
    assert change.hire_needed is False
    assert "no new hire is needed" in str(change)


# -- verification of the seat -----------------------------------------------------------------


def test_the_default_seat_keeps_every_promise_over_the_whole_grid() -> None:
    report = Rulebook.default().verify()
    assert report.ok
    assert {a.property.value for a in report.seat_axioms} == {
        "coverage_never_adds_face",
        "coverage_never_creates_need",
        "specialist_holds_one_face",
        "hire_needed_iff_seat",
        "seat_faces_below_need",
    }
    assert all(a.holds and a.cases_checked > 0 for a in report.seat_axioms)
    derived = next(a for a in report.axioms if a.input == "seat_technical")
    assert derived.holds
    assert derived.pairs_checked == report.grid_points


def test_a_broken_seat_that_keeps_covered_faces_is_caught_with_a_counterexample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_batch = SeatStage.batch

    def every_face(self: SeatStage, columns: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        out = real_batch(self, columns, n)
        for face in Face:
            out[face.seat_input] = np.ones(n, dtype=np.int8)
        out["hire_needed"] = np.ones(n, dtype=np.int8)
        return out

    monkeypatch.setattr(SeatStage, "batch", every_face)
    # A fresh rulebook (new fingerprint) so that nothing cached hides the broken seat.
    rulebook = Rulebook.default().with_weights({"technical_seat": 1.0001})
    report = rulebook.verify()
    assert not report.ok
    broken = {v.subject: v for v in report.violations if v.check == "seat"}
    assert {"seat_faces_below_need", "specialist_holds_one_face"} <= set(broken)
    example = broken["seat_faces_below_need"].before
    assert example is not None
    assert "seat_faces_below_need" in report.to_text()


def test_the_seat_rule_is_validated_with_locations() -> None:
    data = Rulebook.default().model_dump(mode="json")
    data["seat"]["tie_order"] = ["strategy", "strategy", "technical"]
    with pytest.raises(tpm_fit.RulebookError) as caught:
        Rulebook.from_mapping(data)
    assert caught.value.location == "seat.tie_order"
    data = Rulebook.default().model_dump(mode="json")
    data["seat"]["need"] = [{"from_company_size": 5, "people": 1}]
    with pytest.raises(tpm_fit.RulebookError, match="from_company_size=5"):
        Rulebook.from_mapping(data)


@given(
    rulebooks(max_relative_change=0.3),
    st.lists(org_profiles(), min_size=1, max_size=40),
)
def test_the_seat_table_equals_the_seat_arithmetic(rulebook: Rulebook, profiles: list[OrgProfile]) -> None:
    """Integer columns look the seat up in a table built from the arithmetic: same codes."""
    stage = compile_rulebook(rulebook).seat
    columns = {
        name: np.array([encode_profile(p)[name] for p in profiles], dtype=np.int64)
        for name in (
            "company_size",
            "product_team_size",
            "product_complexity",
            *(face.coverage_field for face in Face),
        )
    }
    looked_up = stage.table.batch(columns, len(profiles))
    assert looked_up is not None
    computed = stage.arithmetic(columns, len(profiles))
    for name, column in computed.items():
        assert looked_up[name].tolist() == column.tolist(), name
    floats = {name: column.astype(np.float64) for name, column in columns.items()}
    assert stage.table.batch(floats, len(profiles)) is None  # floats take the arithmetic


@given(
    rulebooks(max_relative_change=0.3),
    st.lists(org_profiles(), min_size=1, max_size=8),
    st.sampled_from([np.int64, np.int32, np.uint64]),  # types that hold every valid profile
)
def test_seat_classes_of_a_few_rows_equal_the_vectorised_classes(
    rulebook: Rulebook, profiles: list[OrgProfile], dtype: type[np.integer[Any]]
) -> None:
    """A few rows are classed one by one in Python; many rows in numpy: the same classes."""
    table = compile_rulebook(rulebook).seat.table
    fields = (
        "company_size",
        "product_team_size",
        "product_complexity",
        *(face.coverage_field for face in Face),
    )
    few = {name: np.array([encode_profile(p)[name] for p in profiles], dtype=dtype) for name in fields}
    many = {name: np.tile(column, 9) for name, column in few.items()}  # past the row-by-row path
    n = len(profiles)
    assert table.classes(few, n).tolist() == table.classes(many, 9 * n)[:n].tolist()
