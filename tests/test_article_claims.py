"""The article's claims, one named test each, on cases of our own choosing.

Section names refer to "What Does a Technical Product Manager Do?" (the source article). The
decision has two stages in the article's order: first the seat (which faces the hire owns, and
whether to hire at all), then the background that fits it.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tpm_fit
from tpm_fit import Face, OrgProfile, RoleShape, Verdict
from tpm_fit.testing import org_profiles

CAPABILITIES = ["developing", "established", "strong"]
INTENSITIES = ["low", "moderate", "high"]


def faces(result: tpm_fit.Recommendation) -> list[str]:
    return [face.value for face in result.seat]


# -- stage one: the seat ----------------------------------------------------------------------


@pytest.mark.parametrize("company_size", [1, 3, 8, 40, 149])
def test_three_faces__a_small_company_gets_a_generalist_who_owns_the_open_faces(company_size: int) -> None:
    """One or two people wear every hat: the hire takes every face nobody covers yet."""
    for strategy, marketing, technical in itertools.product([0, 1], repeat=3):
        if max(strategy, marketing, technical) > company_size:
            continue
        result = tpm_fit.recommend(
            company_size=company_size,
            product_complexity="moderate",
            strategy_coverage=strategy,
            marketing_coverage=marketing,
            technical_coverage=technical,
            product_team_size=min(1, company_size),
        )
        assert result.role_shape is RoleShape.GENERALIST
        open_faces = [f for f, n in zip(Face, (strategy, marketing, technical), strict=True) if n == 0]
        assert list(result.seat) == open_faces
        assert result.hire_needed is bool(open_faces)


def test_three_faces__a_small_company_with_no_pm_yet_hires_a_generalist() -> None:
    result = tpm_fit.recommend(company_size=20, product_complexity="moderate", product_team_size=0)
    assert result.role_shape is RoleShape.GENERALIST
    assert faces(result) == ["strategy", "marketing", "technical"]


def test_three_faces__a_grown_company_with_no_pm_gets_one_person_per_face_not_one_for_every_hat() -> None:
    result = tpm_fit.recommend(company_size=20_000, product_complexity="moderate", product_team_size=0)
    assert result.role_shape is RoleShape.SPECIALIST
    assert len(result.seat) == 1
    assert [face.value for face in result.open_seats] == ["strategy", "marketing", "technical"]
    assert "every open hat" not in result.explain()


def test_three_faces__as_companies_grow_each_face_gets_its_own_person() -> None:
    small = tpm_fit.recommend(company_size=12, product_complexity="moderate", product_team_size=1)
    grown = tpm_fit.recommend(company_size=2_000, product_complexity="moderate", product_team_size=1)
    assert small.role_shape is RoleShape.GENERALIST
    assert len(small.seat) == 3
    assert grown.role_shape is RoleShape.SPECIALIST
    assert len(grown.seat) == 1
    assert (
        grown.contributions()["generalist_business_hats"]
        == 0.0
        < -small.contributions()["generalist_business_hats"]
    )


def test_three_faces__a_grown_company_whose_only_open_face_is_technical_gets_a_technical_specialist() -> None:
    for complexity in ["low", "moderate", "high", "very_high"]:
        result = tpm_fit.recommend(
            company_size=400,
            product_complexity=complexity,
            strategy_coverage=1,
            marketing_coverage=1,
            product_team_size=2,
        )
        assert result.role_shape is RoleShape.SPECIALIST
        assert faces(result) == ["technical"]
        assert result.verdict is Verdict.TECHNICAL, complexity


def test_three_faces__a_grown_company_whose_only_open_face_is_strategy_gets_a_traditional_specialist() -> (
    None
):
    for complexity, intensity in itertools.product(["low", "moderate", "high", "very_high"], INTENSITIES):
        result = tpm_fit.recommend(
            company_size=3_000,
            product_complexity=complexity,
            industry_tech_intensity=intensity,
            technical_coverage=2,
            marketing_coverage=2,
            strategy_coverage=0,
            product_team_size=6,
        )
        assert result.role_shape is RoleShape.SPECIALIST
        assert faces(result) == ["strategy"]
        assert result.verdict is Verdict.TRADITIONAL, (complexity, intensity)


def test_three_faces__a_company_with_every_face_covered_needs_no_new_pm() -> None:
    result = tpm_fit.recommend(
        company_size=5_000,
        product_complexity="high",
        strategy_coverage=3,
        marketing_coverage=2,
        technical_coverage=4,
        product_team_size=8,
    )
    assert result.hire_needed is False
    assert result.seat == ()
    assert result.explain().startswith("No new PM is indicated")


def test_three_faces__one_person_per_face_whatever_the_size_unless_customised() -> None:
    """The article says one person (or more) per face; more than one is a customisation."""
    fields = {"product_complexity": "moderate", "strategy_coverage": 1, "marketing_coverage": 1}
    for size in (500, 50_000, 5_000_000):
        assert not tpm_fit.recommend(
            company_size=size, technical_coverage=1, product_team_size=2, **fields
        ).hire_needed
    data = tpm_fit.Rulebook.default().model_dump(mode="json")
    data["seat"]["need"] = [{"from_company_size": 1, "people": 1}, {"from_company_size": 10_000, "people": 2}]
    custom = tpm_fit.Rulebook.from_mapping(data)
    big = tpm_fit.recommend(
        company_size=50_000, technical_coverage=1, product_team_size=2, rulebook=custom, **fields
    )
    assert big.hire_needed is True
    assert len(big.seat) == 1


# -- stage two: the background ----------------------------------------------------------------


@pytest.mark.parametrize("company_size", [1, 2, 5, 10])
def test_three_faces__highly_technical_products_need_a_technical_pm_from_the_beginning(
    company_size: int,
) -> None:
    """A tiny company with a very complex product and nobody on the technical face hires technical."""
    for capability, intensity, strategy, marketing in itertools.product(
        CAPABILITIES, INTENSITIES, [0, 1], [0, 1]
    ):
        result = tpm_fit.recommend(
            company_size=company_size,
            product_complexity="very_high",
            engineering_capability=capability,
            industry_tech_intensity=intensity,
            strategy_coverage=min(strategy, company_size),
            marketing_coverage=min(marketing, company_size),
        )
        assert Face.TECHNICAL in result.seat
        assert result.verdict is Verdict.TECHNICAL, result.profile


def test_three_faces__complexity_does_not_argue_for_a_business_seat_when_the_technical_face_is_staffed() -> (
    None
):
    result = tpm_fit.recommend(
        company_size=30,
        product_complexity="very_high",
        technical_coverage=3,
        engineering_capability="developing",
    )
    assert faces(result) == ["strategy", "marketing"]
    assert result.contributions()["complex_product"] == 0.0
    assert result.verdict is Verdict.TRADITIONAL


def test_job_description__tech_is_a_plus_unless_several_specialised_pms_exist() -> None:
    """The same open technical face weighs more for a specialist than for a generalist."""
    base = {"product_complexity": "low", "strategy_coverage": 1, "marketing_coverage": 1}
    generalist = tpm_fit.recommend(company_size=40, product_team_size=1, **base)
    specialist = tpm_fit.recommend(company_size=40, product_team_size=3, **base)
    assert faces(generalist) == faces(specialist) == ["technical"]
    assert generalist.verdict is not Verdict.TECHNICAL  # a plus, not a requirement
    assert specialist.verdict is Verdict.TECHNICAL
    assert (
        specialist.contributions()["technical_specialist_seat"]
        > 0
        == generalist.contributions()["technical_specialist_seat"]
    )


# -- the "plus" rule and a generalist seat of the technical face alone (rulebook 3.1.0) --------

#: A 10-person company whose one PM already covers strategy and marketing: the hire would own
#: the technical face alone, in a generalist seat.
HOW_ONLY = {
    "company_size": 10,
    "product_complexity": "low",
    "product_team_size": 1,
    "strategy_coverage": 1,
    "marketing_coverage": 1,
}
BUSINESS = {Face.STRATEGY, Face.MARKETING}
SIMPLE = {"low", "moderate"}


def factor_lines(result: tpm_fit.Recommendation) -> str:
    """The explanation's factor lines (every line that names a weight)."""
    return "\n".join(line for line in result.explain().splitlines() if "(weight " in line)


def test_job_description__the_plus_rule_does_not_make_a_how_only_generalist_seat_traditional() -> None:
    """Technical depth is "just a plus" for one person who also wears the business hats; when the
    company's PM already covers strategy and marketing, the article gives no reason to prefer a
    business background for the "how" alone: neither background is required."""
    result = tpm_fit.recommend(**HOW_ONLY)  # type: ignore[arg-type]
    assert result.role_shape is RoleShape.GENERALIST
    assert faces(result) == ["technical"]
    assert result.verdict is Verdict.EITHER
    assert result.score == pytest.approx(0.2125)
    assert result.contributions()["technical_is_a_plus"] == 0.0
    lines = factor_lines(result)
    assert "Technical depth as a plus" not in lines
    # Why: the technical face is in the seat (a plus), against a simple product and an
    # established team's autonomy.
    assert "+1.00  Technical face in the seat" in lines
    assert "-1.50  Product simplicity" in lines
    assert "-0.19  Engineering team's autonomy" in lines


def test_advantages_points_1_and_3__a_how_only_generalist_seat_gets_technical_where_they_apply() -> None:
    """The same seat with a developing engineering team in an industry that competes on technology:
    credibility with engineering (point 3) and reading technology trends (point 1) tip it."""
    result = tpm_fit.recommend(
        **HOW_ONLY,  # type: ignore[arg-type]
        engineering_capability="developing",
        industry_tech_intensity="high",
    )
    assert faces(result) == ["technical"]
    assert result.verdict is Verdict.TECHNICAL
    assert result.score == pytest.approx(1.75)
    lines = factor_lines(result)
    partner = "+1.25  Engineering team's need for a technical partner (weight 1.25 x activation 1.00)"
    assert f"{partner} [Advantages, point 3]" in lines
    industry = "+1.00  Industry's reliance on technology (weight 1 x activation 1.00)"
    assert f"{industry} [Advantages, point 1]" in lines
    assert "Technical depth as a plus" not in lines
    assert result.contributions()["technical_is_a_plus"] == 0.0


def test_advantages__a_how_only_generalist_seat_moves_towards_technical_as_they_fire() -> None:
    """Each advantage that fires raises the score of the how-only seat, from "either" upwards."""
    scores = [
        tpm_fit.recommend(
            **HOW_ONLY,  # type: ignore[arg-type]
            engineering_capability=capability,
            industry_tech_intensity=intensity,
        ).score
        for capability, intensity in (
            ("established", "moderate"),
            ("developing", "moderate"),
            ("developing", "high"),
        )
    ]
    assert scores == sorted(scores)
    assert scores[0] < 0.75 <= scores[-1]


@given(org_profiles())
def test_job_description__the_plus_counterweight_never_fires_for_a_seat_without_business_faces(
    profile: OrgProfile,
) -> None:
    result = tpm_fit.recommend(profile)
    weight = result.contributions()["technical_is_a_plus"]
    if not set(result.seat) & BUSINESS:
        assert weight == 0.0
    elif result.role_shape is RoleShape.GENERALIST and profile.product_complexity.value in SIMPLE:
        assert weight == -5.5  # the all-hats generalist keeps it in full


@given(
    org_profiles(
        company_size=st.integers(1, 149),
        product_team_size=st.integers(0, 2),
        product_complexity=st.sampled_from(["low", "moderate"]),
    )
)
def test_advantages__a_how_only_generalist_seat_is_never_traditional_where_they_clearly_apply(
    profile: OrgProfile,
) -> None:
    result = tpm_fit.recommend(profile)
    developing = profile.engineering_capability.value == "developing"
    tech_industry = profile.industry_tech_intensity.value == "high"
    not_strong = profile.engineering_capability.value != "strong"
    if result.seat == (Face.TECHNICAL,) and (developing or (tech_industry and not_strong)):
        assert result.verdict is not Verdict.TRADITIONAL


def _generalist_verdicts(complexity: str) -> dict[str, Counter[Verdict]]:
    """Verdicts of generalist seats over a grid of small companies (as tools/verdict_shares.py),
    by whether the seat holds a business face."""
    counts: dict[str, Counter[Verdict]] = {"business": Counter(), "how only": Counter()}
    for size, team, strategy, marketing, technical, capability, intensity in itertools.product(
        (1, 2, 3, 5, 10, 40, 149), (0, 1, 2), (0, 1), (0, 1), (0, 1), CAPABILITIES, INTENSITIES
    ):
        if max(team, strategy, marketing, technical) > size:
            continue
        result = tpm_fit.recommend(
            company_size=size,
            product_team_size=team,
            strategy_coverage=strategy,
            marketing_coverage=marketing,
            technical_coverage=technical,
            product_complexity=complexity,  # type: ignore[arg-type]
            engineering_capability=capability,  # type: ignore[arg-type]
            industry_tech_intensity=intensity,  # type: ignore[arg-type]
        )
        if result.role_shape is RoleShape.GENERALIST and result.hire_needed:
            counts["business" if set(result.seat) & BUSINESS else "how only"][result.verdict] += 1
    return counts


def test_job_description__business_hat_generalists_with_a_moderate_product_are_not_mostly_technical() -> None:
    """The bug rulebook 3.0.0 fixed stays fixed: over the grid, a generalist seat that holds a
    business face with a moderate product is not mostly technical (2.0.0: 27.8% technical, the
    all-hats seats 55.6%; 3.0.1 and 3.1.0: 0%, which the verdict axiom proves everywhere)."""
    counts = _generalist_verdicts("moderate")
    business = counts["business"]
    assert sum(business.values()) == 1080
    assert business[Verdict.TECHNICAL] / sum(business.values()) < 0.5
    assert business[Verdict.TECHNICAL] == 0
    # The how-only seats are what 3.1.0 changed: from all traditional (3.0.1) to technical where
    # the advantages apply, either where they do not.
    how_only = counts["how only"]
    assert sum(how_only.values()) == 180
    assert how_only[Verdict.TRADITIONAL] == 0
    assert how_only[Verdict.EITHER] == 20


def test_job_description__how_only_generalist_seats_with_a_simple_product_are_no_longer_all_traditional() -> (
    None
):
    how_only = _generalist_verdicts("low")["how only"]
    assert sum(how_only.values()) == 180
    # 3.0.1: all 180 traditional. 3.1.0, per (engineering, industry) situation: traditional only
    # for a strong team outside tech-driven industries (2 of 9, over-involvement and simplicity),
    # either in 3, technical in 4.
    assert how_only == {Verdict.TRADITIONAL: 40, Verdict.EITHER: 60, Verdict.TECHNICAL: 80}


def test_pros_and_cons__a_technical_pm_is_not_always_better() -> None:
    result = tpm_fit.recommend(
        company_size=15, product_complexity="low", engineering_capability="strong", technical_coverage=1
    )
    assert result.verdict is Verdict.TRADITIONAL
    assert result.contributions()["simple_product"] < 0


def test_introduction__technical_pms_are_needed_beyond_the_tech_industry() -> None:
    result = tpm_fit.recommend(
        company_size=300,
        product_complexity="very_high",
        industry_tech_intensity="low",
        strategy_coverage=1,
        marketing_coverage=1,
        product_team_size=2,
    )
    assert result.verdict is Verdict.TECHNICAL


def test_advantages_point_1__technology_driven_industries_favour_a_technical_pm() -> None:
    scores = [
        tpm_fit.recommend(company_size=80, product_complexity="moderate", industry_tech_intensity=i).score
        for i in INTENSITIES
    ]
    assert scores[0] < scores[1] < scores[2]


def test_advantages_point_2__deeper_competitive_analysis_needs_complexity_and_tech_competition() -> None:
    def factor(**fields: str) -> float:
        result = tpm_fit.recommend(company_size=80, **fields)  # type: ignore[arg-type]
        return result.contributions()["technical_competitive_analysis"]

    assert factor(product_complexity="low", industry_tech_intensity="high") == 0.0
    assert factor(product_complexity="very_high", industry_tech_intensity="high") == 0.5
    assert 0 < factor(product_complexity="very_high", industry_tech_intensity="low") < 0.5


def test_advantages_point_3__a_developing_engineering_team_favours_a_technical_pm() -> None:
    scores = {
        c: tpm_fit.recommend(company_size=80, product_complexity="moderate", engineering_capability=c).score
        for c in CAPABILITIES
    }
    assert scores["developing"] > scores["established"] > scores["strong"]
    # A business hire in a company where nobody covers the technical face would still work with
    # engineering directly: the risk is named.
    not_technical = tpm_fit.recommend(
        company_size=60,
        product_complexity="low",
        engineering_capability="developing",
        marketing_coverage=1,
        product_team_size=3,
    )
    assert faces(not_technical) == ["strategy"]
    assert not_technical.verdict is Verdict.TRADITIONAL
    assert "engineering_credibility_gap" in {r.id for r in not_technical.risks}


def test_disadvantages_point_1__a_technical_generalist_risks_neglecting_other_duties() -> None:
    result = tpm_fit.recommend(company_size=6, product_complexity="very_high")
    assert result.verdict is Verdict.TECHNICAL
    risk = next(r for r in result.risks if r.id == "neglects_business_faces")
    assert risk.section == "Disadvantages, point 1"


def test_disadvantages_point_2__strong_engineering_brings_an_over_involvement_risk() -> None:
    fields = {
        "company_size": 300,
        "product_complexity": "very_high",
        "product_team_size": 2,
        "strategy_coverage": 1,
        "marketing_coverage": 1,
    }
    strong = tpm_fit.recommend(engineering_capability="strong", **fields)  # type: ignore[arg-type]
    developing = tpm_fit.recommend(engineering_capability="developing", **fields)  # type: ignore[arg-type]
    assert strong.verdict is developing.verdict is Verdict.TECHNICAL
    assert "over_involvement" in {r.id for r in strong.risks}
    assert "over_involvement" not in {r.id for r in developing.risks}


def test_disadvantages_point_3__business_seats_weigh_against_a_technical_pm() -> None:
    technical_seat = tpm_fit.recommend(
        company_size=300,
        product_complexity="high",
        strategy_coverage=1,
        marketing_coverage=1,
        product_team_size=2,
    )
    business_seat = tpm_fit.recommend(
        company_size=300,
        product_complexity="high",
        technical_coverage=1,
        marketing_coverage=1,
        product_team_size=2,
    )
    assert faces(technical_seat) == ["technical"]
    assert faces(business_seat) == ["strategy"]
    assert business_seat.score < technical_seat.score - 2.0
    assert business_seat.contributions()["business_seat"] < 0


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("product_team_size", 1, 5),  # the size of the product team
        ("industry_tech_intensity", "low", "high"),  # the industry
        ("engineering_capability", "developing", "strong"),  # the engineering team's capability
    ],
)
def test_job_description__the_three_aspects_each_change_the_outcome(
    field: str, low: object, high: object
) -> None:
    base = {"company_size": 40, "product_complexity": "moderate", "strategy_coverage": 1}
    a = tpm_fit.recommend(base, **{field: low})
    b = tpm_fit.recommend(base, **{field: high})
    assert a.score != b.score
