"""The article's claims, one named test each, on cases of our own choosing.

Section names refer to "What Does a Technical Product Manager Do?" (the source article).
"""

from __future__ import annotations

import itertools

import pytest

import tpm_fit
from tpm_fit import Verdict

CAPABILITIES = ["developing", "established", "strong"]
INTENSITIES = ["low", "moderate", "high"]


@pytest.mark.parametrize("company_size", [1, 2, 5, 10])
def test_three_faces__highly_technical_products_need_a_technical_pm_from_the_beginning(
    company_size: int,
) -> None:
    """Even a tiny company gets 'technical' for a very complex product nobody technical covers."""
    for capability, intensity, strategy, marketing in itertools.product(
        CAPABILITIES, INTENSITIES, [0, 1, 3], [0, 1, 3]
    ):
        result = tpm_fit.recommend(
            company_size=company_size,
            product_complexity="very_high",
            engineering_capability=capability,
            industry_tech_intensity=intensity,
            strategy_coverage=strategy,
            marketing_coverage=marketing,
        )
        assert result.verdict is Verdict.TECHNICAL, result.profile


@pytest.mark.parametrize("company_size", [1, 3, 8, 20])
def test_three_faces__small_companies_share_every_hat_between_few_people(company_size: int) -> None:
    result = tpm_fit.recommend(company_size=company_size, product_complexity="moderate", product_team_size=1)
    assert result.role_shape.value == "generalist"
    assert {face.value for face in result.faces_to_cover} == {"strategy", "marketing", "technical"}
    hats = next(step for step in result.trace if step.factor == "all_hats_generalist")
    assert hats.activation > 0.8
    assert hats.contribution < 0


def test_three_faces__as_companies_grow_each_face_gets_its_own_person() -> None:
    small = tpm_fit.recommend(company_size=12, product_complexity="moderate")
    grown = tpm_fit.recommend(company_size=2_000, product_complexity="moderate")
    assert small.role_shape.value == "generalist"
    assert grown.role_shape.value == "specialist"
    hats = {r.profile.company_size: r.contributions()["all_hats_generalist"] for r in (small, grown)}
    assert hats[2_000] == 0.0 < -hats[12]


@pytest.mark.parametrize("complexity", ["low", "moderate", "high"])
def test_three_faces__a_grown_company_hires_for_the_face_nobody_covers(complexity: str) -> None:
    tech_gap = tpm_fit.recommend(
        company_size=1_500, product_complexity=complexity, strategy_coverage=2, marketing_coverage=2
    )
    business_gap = tpm_fit.recommend(company_size=1_500, product_complexity=complexity, technical_coverage=2)
    assert [f.value for f in tech_gap.faces_to_cover] == ["technical"]
    assert [f.value for f in business_gap.faces_to_cover] == ["strategy", "marketing"]
    assert tech_gap.score > business_gap.score + 2.0
    if complexity != "high":
        assert tech_gap.verdict is not Verdict.TRADITIONAL
        assert business_gap.verdict is Verdict.TRADITIONAL


def test_job_description__tech_is_a_plus_unless_several_specialised_pms_exist() -> None:
    """With specialists on strategy and marketing already, the technical background decides."""
    result = tpm_fit.recommend(
        company_size=400,
        product_complexity="moderate",
        product_team_size=3,
        strategy_coverage=2,
        marketing_coverage=1,
    )
    assert result.role_shape.value == "specialist"
    assert result.verdict is Verdict.TECHNICAL


def test_pros_and_cons__a_technical_pm_is_not_always_better() -> None:
    result = tpm_fit.recommend(company_size=15, product_complexity="low", engineering_capability="strong")
    assert result.verdict is Verdict.TRADITIONAL
    assert result.contributions()["simple_product"] < 0


def test_introduction__technical_pms_are_needed_beyond_the_tech_industry() -> None:
    result = tpm_fit.recommend(
        company_size=300,
        product_complexity="very_high",
        industry_tech_intensity="low",
        strategy_coverage=1,
        marketing_coverage=1,
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
    # Without a technical pick, a developing team is a risk the result must name.
    not_technical = tpm_fit.recommend(
        company_size=500,
        product_complexity="moderate",
        technical_coverage=2,
        engineering_capability="developing",
    )
    assert not_technical.verdict is Verdict.EITHER
    assert "engineering_credibility_gap" in {r.id for r in not_technical.risks}


def test_disadvantages_point_1__a_technical_generalist_risks_neglecting_other_duties() -> None:
    result = tpm_fit.recommend(company_size=6, product_complexity="very_high")
    assert result.verdict is Verdict.TECHNICAL
    risk = next(r for r in result.risks if r.id == "neglects_business_faces")
    assert risk.section == "Disadvantages, point 1"


def test_disadvantages_point_2__strong_engineering_brings_an_over_involvement_risk() -> None:
    strong = tpm_fit.recommend(
        company_size=300, product_complexity="very_high", engineering_capability="strong"
    )
    developing = tpm_fit.recommend(
        company_size=300, product_complexity="very_high", engineering_capability="developing"
    )
    assert strong.verdict is developing.verdict is Verdict.TECHNICAL
    assert "over_involvement" in {r.id for r in strong.risks}
    assert "over_involvement" not in {r.id for r in developing.risks}


def test_disadvantages_point_3__uncovered_business_faces_weigh_against_a_technical_pm() -> None:
    covered = tpm_fit.recommend(
        company_size=300, product_complexity="high", strategy_coverage=2, marketing_coverage=2
    )
    uncovered = tpm_fit.recommend(company_size=300, product_complexity="high")
    assert uncovered.score < covered.score - 2.0
    assert uncovered.verdict is Verdict.TECHNICAL
    assert "weaker_business_knowledge" in {r.id for r in uncovered.risks}
    assert "weaker_business_knowledge" not in {r.id for r in covered.risks}


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("product_team_size", 0, 5),  # the size of the product team
        ("industry_tech_intensity", "low", "high"),  # the industry
        ("engineering_capability", "developing", "strong"),  # the engineering team's capability
    ],
)
def test_job_description__the_three_aspects_each_change_the_outcome(
    field: str, low: object, high: object
) -> None:
    base = {"company_size": 40, "product_complexity": "moderate"}
    a = tpm_fit.recommend(base, **{field: low})
    b = tpm_fit.recommend(base, **{field: high})
    assert (a.score, a.role_shape) != (b.score, b.role_shape)
