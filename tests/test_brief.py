"""The role brief: named cases from the article, the guidance data, emphasis, renderings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given

import tpm_fit
from tpm_fit import (
    Face,
    Guidance,
    OrgProfile,
    Priority,
    Recommendation,
    RoleBrief,
    RoleShape,
    Rulebook,
    RulebookError,
    TpmFitError,
    Verdict,
    check_guidance,
    recommend,
    verify_rulebook,
)
from tpm_fit._render.brief import JOB_POSTING_PROPERTIES
from tpm_fit.testing import org_profiles

#: Properties schema.org defines for JobPosting (https://schema.org/JobPosting), kept here so
#: that the test does not trust the code's own list.
SCHEMA_ORG_JOB_POSTING = frozenset(
    {
        "applicantLocationRequirements", "applicationContact", "baseSalary", "datePosted",
        "directApply", "educationRequirements", "eligibilityToWorkRequirement", "employerOverview",
        "employmentType", "employmentUnit", "estimatedSalary", "experienceInPlaceOfEducation",
        "experienceRequirements", "hiringOrganization", "incentiveCompensation", "industry",
        "jobBenefits", "jobImmediateStart", "jobLocation", "jobLocationType", "jobStartDate",
        "jobTitle", "occupationalCategory", "physicalRequirements", "qualifications",
        "relevantOccupation", "responsibilities", "salaryCurrency", "securityClearanceRequirement",
        "sensoryRequirement", "skills", "specialCommitments", "title", "totalJobOpenings",
        "validThrough", "workHours",
        # inherited from Intangible / Thing
        "additionalType", "alternateName", "description", "disambiguatingDescription",
        "identifier", "image", "mainEntityOfPage", "name", "potentialAction", "sameAs",
        "subjectOf", "url",
    }
)  # fmt: skip
JSON_LD_KEYWORDS = frozenset({"@context", "@type"})

STARTUP = {"company_size": 12, "product_complexity": "high"}
STRATEGY_SEAT = {
    "company_size": 3000,
    "product_complexity": "moderate",
    "strategy_coverage": 0,
    "marketing_coverage": 2,
    "technical_coverage": 2,
    "product_team_size": 6,
}
TECHNICAL_SEAT = {
    "company_size": 3000,
    "product_complexity": "high",
    "strategy_coverage": 2,
    "marketing_coverage": 2,
    "technical_coverage": 0,
    "product_team_size": 6,
}


def qualification(brief: RoleBrief, qid: str) -> tpm_fit.Qualification:
    return next(q for q in brief.qualifications if q.id == qid)


def all_questions(brief: RoleBrief) -> str:
    return " ".join([q for c in brief.scorecard for q in c.questions] + [p.question for p in brief.probes])


# -- the article's cases, against the shipped rulebook and guidance ------------------------------


def test_startup_with_complex_product_gets_a_technical_generalists_brief() -> None:
    result = recommend(**STARTUP)
    assert (result.verdict, result.role_shape) == (Verdict.TECHNICAL, RoleShape.GENERALIST)
    brief = result.brief()
    assert brief.title.startswith("Technical Product Manager")
    assert "generalist" in brief.title
    assert qualification(brief, "technical_background").priority is Priority.MUST_HAVE
    assert qualification(brief, "business_acumen").priority is Priority.MUST_HAVE
    business = brief.competency(qualification(brief, "business_acumen").competency)
    spec = next(q.competency for q in Guidance.default().qualifications if q.id == "business_acumen")
    assert spec is not None
    faces_asked = {face for q in spec.questions if q.text in business.questions for face in q.faces}
    assert {Face.STRATEGY, Face.MARKETING} <= faces_asked  # questions about strategy and marketing
    assert "strategy" in all_questions(brief).lower()
    assert not any(item.shared for item in brief.responsibilities)  # a generalist owns every face


def test_strategy_seat_at_a_large_company_gets_a_traditional_specialists_brief() -> None:
    result = recommend(**STRATEGY_SEAT)
    assert (result.verdict, result.role_shape, result.seat) == (
        Verdict.TRADITIONAL,
        RoleShape.SPECIALIST,
        (Face.STRATEGY,),
    )
    brief = result.brief()
    assert "specialist" in brief.title
    assert qualification(brief, "technical_background").priority is Priority.NICE_TO_HAVE
    assert qualification(brief, "business_acumen").priority is Priority.MUST_HAVE
    first = brief.responsibilities[0]
    assert Face.STRATEGY in first.faces
    assert not first.shared
    assert any(item.shared for item in brief.responsibilities)


def test_technical_specialist_seat_needs_a_technical_background_and_leads_with_technical_work() -> None:
    result = recommend(**TECHNICAL_SEAT)
    assert (result.role_shape, result.seat) == (RoleShape.SPECIALIST, (Face.TECHNICAL,))
    brief = result.brief()
    assert qualification(brief, "technical_background").priority is Priority.MUST_HAVE
    in_seat = [item for item in brief.responsibilities if Face.TECHNICAL in item.faces]
    assert brief.responsibilities[: len(in_seat)] == tuple(in_seat)
    assert all(item.shared for item in brief.responsibilities[len(in_seat) :])


def test_no_hire_needed_says_so_first_and_still_describes_the_role() -> None:
    result = recommend(
        company_size=50,
        product_complexity="low",
        strategy_coverage=1,
        marketing_coverage=1,
        technical_coverage=1,
    )
    assert not result.hire_needed
    brief = result.brief()
    assert brief.summary.startswith("No new hire is indicated")
    assert not brief.hire_needed
    assert brief.seat == ()
    assert "backfill" in brief.title
    assert len(brief.responsibilities) == len(Guidance.default().responsibilities)
    assert len(brief.scorecard) == len(brief.qualifications)


# -- the default guidance -------------------------------------------------------------------


def test_default_guidance_holds_the_nine_responsibilities_and_five_qualifications() -> None:
    guidance = Guidance.default()
    sections = [item.section for item in guidance.responsibilities]
    assert sections == [
        f"Technical Product Manager Job Description, responsibility {i}" for i in range(1, 10)
    ]
    assert [q.id for q in guidance.qualifications] == [
        "technical_background",
        "business_acumen",
        "communication",
        "user_centric",
        "systems_thinking",
    ]
    assert all(q.section.startswith("How to Hire, ") for q in guidance.qualifications)
    assert check_guidance(guidance).ok


def test_verify_reports_the_guidance_checks() -> None:
    report = verify_rulebook(Rulebook.default())
    assert report.guidance is not None
    assert report.guidance.ok
    assert report.guidance.qualifications == 5
    assert "Guidance" in report.to_text()


# -- a small rulebook and small guidance, built here ------------------------------------------

RULEBOOK = """
name = "brief test"
version = "0"
source = "tests"

[thresholds]
technical_min = 0.5
traditional_max = -0.5

[seat]
section = "s"
specialist_min_company_size = 150
specialist_min_product_team = 3
need = [{ from_company_size = 1, people = 1 }]
tie_order = ["strategy", "marketing", "technical"]

[[factors]]
id = "complex"
title = "Complexity"
favours = "technical"
weight = 2.0
section = "s"
reason = "r"
activation.kind = "levels"
activation.input = "product_complexity"
activation.values = { low = 0.0, moderate = 0.0, high = 1.0, very_high = 1.0 }

[[factors]]
id = "simple"
title = "Simplicity"
favours = "traditional"
weight = 1.0
section = "s"
reason = "r"
activation.kind = "levels"
activation.input = "product_complexity"
activation.values = { low = 1.0, moderate = 0.0, high = 0.0, very_high = 0.0 }

[[risks]]
id = "custom_risk"
title = "A custom risk"
section = "s"
applies_to = ["technical"]
min_activation = 0.5
description = "d"
mitigation = "Name a custom counterpart."
when.kind = "levels"
when.input = "engineering_capability"
when.values = { developing = 1.0, established = 1.0, strong = 1.0 }
"""

GUIDANCE = """
name = "small guidance"
version = "0"
source = "tests"

[[responsibilities]]
id = "grow"
text = "Grow with the company."
section = "Technical Product Manager Job Description, responsibility 1"
faces = ["strategy"]
base = 0.1
emphasis = [
    { reason = "large", when = { kind = "ramp", input = "company_size", points = [[10, 0], [1000, 1]] } },
]

[[responsibilities]]
id = "build"
text = "Build with engineers."
section = "Technical Product Manager Job Description, responsibility 3"
faces = ["technical"]
base = 0.1
emphasis = [{ reason = "a technical verdict", weight = 0.8, verdicts = ["technical"] }]

[[responsibilities]]
id = "pair"
text = "Pair with a developing team."
section = "Technical Product Manager Job Description, responsibility 6"
faces = ["marketing"]

[[responsibilities.emphasis]]
reason = "developing"
when.kind = "levels"
when.input = "engineering_capability"
when.values = { developing = 1.0, established = 0.5, strong = 0.0 }

[[qualifications]]
id = "tech"
text = "Tech."
section = "How to Hire, Technical Background"
leans = "technical"
must_have = [{ reason = "technical verdict", verdicts = ["technical"] }]

[qualifications.competency]
id = "tech_depth"
name = "Tech depth"
anchors = ["one", "two", "three", "four", "five"]
questions = [{ text = "Q1?" }, { text = "Q2?" }, { text = "Q3 on strategy?", faces = ["strategy"] }]

[[qualifications]]
id = "biz"
text = "Biz."
section = "How to Hire, Strong Business Acumen"
leans = "traditional"

[qualifications.competency]
id = "biz_sense"
name = "Business sense"
anchors = ["a1", "a2", "a3", "a4", "a5"]
questions = [{ text = "B1?" }, { text = "B2?" }]
"""


@pytest.fixture(scope="module")
def small() -> tuple[Rulebook, Guidance]:
    return Rulebook.from_toml(RULEBOOK), Guidance.from_toml(GUIDANCE)


def test_a_technical_verdict_makes_the_technical_background_a_must_have(
    small: tuple[Rulebook, Guidance],
) -> None:
    rulebook, guidance = small
    technical = recommend(company_size=10, product_complexity="high", rulebook=rulebook)
    traditional = recommend(company_size=10, product_complexity="low", rulebook=rulebook)
    assert (technical.verdict, traditional.verdict) == (Verdict.TECHNICAL, Verdict.TRADITIONAL)
    assert qualification(technical.brief(guidance=guidance), "tech").priority is Priority.MUST_HAVE
    brief = traditional.brief(guidance=guidance)
    assert qualification(brief, "tech").priority is Priority.NICE_TO_HAVE
    assert (
        brief.competency("tech_depth").target
        < technical.brief(guidance=guidance).competency("tech_depth").target
    )
    assert technical.brief(guidance=guidance).qualifications[0].id == "tech"  # must-haves first


def test_emphasis_follows_the_declared_conditions(small: tuple[Rulebook, Guidance]) -> None:
    rulebook, guidance = small
    emphasis = []
    for size in (10, 100, 500, 1000):
        brief = recommend(company_size=size, product_complexity="low", rulebook=rulebook).brief(
            guidance=guidance
        )
        grow = next(item for item in brief.responsibilities if item.id == "grow")
        emphasis.append(grow.emphasis)
    assert emphasis == sorted(emphasis)
    assert emphasis[0] == pytest.approx(0.1)
    assert emphasis[-1] == pytest.approx(1.0)
    assert "company_size" in " ".join(grow.why)
    build_low = next(i for i in brief.responsibilities if i.id == "build")
    high = recommend(company_size=10, product_complexity="high", rulebook=rulebook).brief(guidance=guidance)
    build_high = next(i for i in high.responsibilities if i.id == "build")
    assert build_low.emphasis == pytest.approx(0.1)  # the verdict-gated rule does not fire
    assert build_high.emphasis == pytest.approx(1 - 0.9 * 0.2)
    assert "a technical verdict" in build_high.why[0]


def test_a_risk_without_a_probe_in_the_guidance_gets_one_from_its_mitigation(
    small: tuple[Rulebook, Guidance],
) -> None:
    rulebook, guidance = small
    result = recommend(company_size=10, product_complexity="high", rulebook=rulebook)
    brief = result.brief(guidance=guidance)
    assert [p.risk for p in brief.probes] == [risk.id for risk in result.risks] == ["custom_risk"]
    assert "Name a custom counterpart." in brief.probes[0].question
    assert brief.probes[0].competency in {c.id for c in brief.scorecard}


def test_questions_on_the_seats_faces_come_first(small: tuple[Rulebook, Guidance]) -> None:
    rulebook, guidance = small
    brief = recommend(company_size=10, product_complexity="low", rulebook=rulebook).brief(guidance=guidance)
    assert brief.competency("tech_depth").questions[0] == "Q3 on strategy?"
    assert 2 <= len(brief.competency("biz_sense").questions) <= 3


def test_trace_weighting_is_unequal_and_says_why(small: tuple[Rulebook, Guidance]) -> None:
    rulebook, guidance = small
    result = recommend(company_size=10, product_complexity="high", rulebook=rulebook)
    equal = result.brief(guidance=guidance)
    assert {c.weight for c in equal.scorecard} == {0.5}
    traced = result.brief(guidance=guidance, weighting="trace")
    assert sum(c.weight for c in traced.scorecard) == pytest.approx(1.0)
    tech = traced.competency("tech_depth")
    assert tech.weight > traced.competency("biz_sense").weight
    assert "Complexity" in tech.weight_reason
    with pytest.raises(ValueError, match="weighting='heavy'"):
        result.brief(guidance=guidance, weighting="heavy")  # type: ignore[arg-type]


def test_a_result_read_back_from_json_makes_the_same_brief(small: tuple[Rulebook, Guidance]) -> None:
    rulebook, guidance = small
    result = recommend(company_size=10, product_complexity="high", rulebook=rulebook)
    again = Recommendation.model_validate_json(result.model_dump_json())
    assert again.brief(guidance=guidance, rulebook=rulebook) == result.brief(guidance=guidance)
    with pytest.raises(TpmFitError, match="fingerprint"):
        again.brief(guidance=guidance, rulebook=Rulebook.default())


def test_guidance_from_a_file_path(tmp_path: Any, small: tuple[Rulebook, Guidance]) -> None:
    rulebook, guidance = small
    path = tmp_path / "guidance.toml"
    path.write_text(GUIDANCE, encoding="utf-8")
    result = recommend(company_size=10, product_complexity="high", rulebook=rulebook)
    assert result.brief(guidance=str(path)) == result.brief(guidance=guidance)
    with pytest.raises(TypeError, match="guidance=3"):
        result.brief(guidance=3)  # type: ignore[arg-type]


# -- loading and checking guidance ----------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "location", "message"),
    [
        (('faces = ["strategy"]', 'faces = ["stratgy"]'), "responsibilities[0].faces[0]", "stratgy"),
        (("base = 0.1\nemphasis", "bse = 0.1\nemphasis"), "responsibilities[0].bse", "did you mean"),
        (
            ('input = "company_size"', 'input = "headcount"'),
            "responsibilities[0].emphasis[0].when.input",
            "headcount",
        ),
        (('id = "build"', 'id = "grow"'), "", "ids must be unique"),
        (
            ('verdicts = ["technical"] }]', 'verdicts = ["techie"] }]'),
            "responsibilities[1].emphasis[0].verdicts[0]",
            "techie",
        ),
    ],
)
def test_invalid_guidance_is_refused_with_a_located_error(
    edit: tuple[str, str], location: str, message: str
) -> None:
    old, new = edit
    assert old in GUIDANCE
    with pytest.raises(RulebookError, match=message) as caught:
        Guidance.from_toml(GUIDANCE.replace(old, new, 1))
    assert caught.value.location == location


def test_oversized_guidance_is_refused() -> None:
    with pytest.raises(RulebookError, match="guidance is"):
        Guidance.from_toml(GUIDANCE + "#" * (1 << 20))


def test_guidance_checks_report_every_gap_with_its_location() -> None:
    broken = (
        GUIDANCE.replace('section = "How to Hire, Technical Background"', 'section = ""')
        .replace(
            'section = "Technical Product Manager Job Description, responsibility 3"', 'section = "Chapter 9"'
        )
        .replace('anchors = ["a1", "a2", "a3", "a4", "a5"]', 'anchors = ["a1", "a2", "a3", "a4"]')
        .replace('questions = [{ text = "B1?" }, { text = "B2?" }]', 'questions = [{ text = "B1?" }]')
    )
    broken += '\n[[probes]]\nrisk = "x"\ncompetency = "nobody"\nquestion = "Q?"\n'
    broken += '\n[[qualifications]]\nid = "bare"\ntext = "t"\nsection = "How to Hire, System Thinker"\n'
    report = check_guidance(Guidance.from_toml(broken))
    assert not report.ok
    found = {(p.check, p.location) for p in report.problems}
    assert found == {
        ("section_cited", "qualifications[0].section"),
        ("section_cited", "responsibilities[1].section"),
        ("anchored_levels", "qualifications[1].competency.anchors"),
        ("question_pool", "qualifications[1].competency.questions"),
        ("competency_present", "qualifications[2].competency"),
        ("unknown_competency", "probes[0].competency"),
    }
    verified = verify_rulebook(Rulebook.from_toml(RULEBOOK), guidance=Guidance.from_toml(broken))
    assert not verified.ok
    assert verified.guidance == report
    with pytest.raises(TpmFitError, match="fails 6 check"):
        recommend(company_size=10, product_complexity="low").brief(guidance=Guidance.from_toml(broken))


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
def test_guidance_checks_catch_an_unknown_input_in_guidance_built_without_validation() -> None:
    good = Guidance.from_toml(GUIDANCE)
    reads_verdict = tpm_fit.Levels.model_construct(kind="levels", input="verdict", values={"technical": 1.0})
    rule = good.responsibilities[0].emphasis[0].model_copy(update={"when": reads_verdict})
    item = good.responsibilities[0].model_copy(update={"emphasis": (rule,), "faces": ("sales",)})
    bad = good.model_copy(update={"responsibilities": (item, *good.responsibilities[1:])})
    found = {(p.check, p.location) for p in check_guidance(bad).problems}
    assert found == {
        ("unknown_input", "responsibilities[0].emphasis[0].when"),
        ("unknown_face", "responsibilities[0].faces"),
    }


# -- properties over any profile ------------------------------------------------------------


@given(org_profiles())
def test_brief_properties_hold_for_any_profile(profile: OrgProfile) -> None:
    result = recommend(profile)
    brief = result.brief()
    assert RoleBrief.model_validate_json(brief.model_dump_json()) == brief
    assert (brief.seat, brief.role_shape, brief.verdict, brief.hire_needed) == (
        result.seat,
        result.role_shape,
        result.verdict,
        result.hire_needed,
    )
    role = set(result.seat) if result.hire_needed else set(Face)
    keys = [(not set(item.faces) & role, -item.emphasis) for item in brief.responsibilities]
    assert keys == sorted(keys)
    for item in brief.responsibilities:
        # Shared means someone covers it: outside the seat, and a face of it is covered.
        covered = any(getattr(profile, face.coverage_field) >= 1 for face in item.faces)
        assert item.shared == (not set(item.faces) & role and covered)
    assert [c.qualification for c in brief.scorecard] == [q.id for q in brief.qualifications]
    assert sum(c.weight for c in brief.scorecard) == pytest.approx(1.0)
    assert all(2 <= len(c.questions) <= 3 and len(c.levels) == 5 for c in brief.scorecard)
    assert [p.risk for p in brief.probes] == [risk.id for risk in result.risks]
    priorities = [q.priority for q in brief.qualifications]
    assert priorities == sorted(priorities, key=lambda p: p is Priority.NICE_TO_HAVE)
    for q, c in zip(brief.qualifications, brief.scorecard, strict=True):
        assert c.target == (4 if q.priority is Priority.MUST_HAVE else 3)
    tech = qualification(brief, "technical_background").priority is Priority.MUST_HAVE
    assert tech == (
        result.verdict is Verdict.TECHNICAL
        or (
            result.verdict is not Verdict.TRADITIONAL
            and result.role_shape is RoleShape.SPECIALIST
            and Face.TECHNICAL in result.seat
        )
    )
    business = qualification(brief, "business_acumen").priority is Priority.MUST_HAVE
    assert business == (
        bool({Face.STRATEGY, Face.MARKETING} & set(result.seat)) or result.verdict is Verdict.TECHNICAL
    )
    if result.verdict is Verdict.TECHNICAL:  # the article's required traits (How to Hire)
        assert {q.id for q in brief.must_haves()} == {
            "technical_background",
            "business_acumen",
            "communication",
            "user_centric",
            "systems_thinking",
        }


# -- renderings -----------------------------------------------------------------------------


def test_markdown_and_html_carry_every_part_of_the_brief() -> None:
    brief = recommend(**STARTUP).brief()
    markdown = brief.to_markdown()
    page = brief.to_html()
    assert brief._repr_html_() == page
    for item in brief.responsibilities:
        assert item.text in markdown
    for c in brief.scorecard:
        assert c.name in markdown
        assert c.name in page
        assert c.levels[4].behaviour in markdown
    assert markdown.startswith(f"# {brief.title}")
    assert "## Risk probes" in markdown


def test_html_escapes_guidance_text(small: tuple[Rulebook, Guidance]) -> None:
    rulebook, _ = small
    hostile = Guidance.from_toml(GUIDANCE.replace("Grow with the company.", "<script>alert(1)</script>"))
    page = (
        recommend(company_size=10, product_complexity="low", rulebook=rulebook)
        .brief(guidance=hostile)
        .to_html()
    )
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_job_posting_uses_only_schema_org_job_posting_properties() -> None:
    for fields in (STARTUP, STRATEGY_SEAT, TECHNICAL_SEAT):
        posting = recommend(**fields).brief().to_job_posting()
        assert posting["@context"] == "https://schema.org"
        assert posting["@type"] == "JobPosting"
        assert set(posting) - JSON_LD_KEYWORDS <= SCHEMA_ORG_JOB_POSTING
        assert JOB_POSTING_PROPERTIES <= SCHEMA_ORG_JOB_POSTING
        json.dumps(posting)
    posting = recommend(**STRATEGY_SEAT).brief().to_job_posting()
    assert any("Nice to have" in text for text in posting["experienceRequirements"])


def test_brief_is_exported_with_its_public_module() -> None:
    assert RoleBrief.__module__ == "tpm_fit"
    assert tpm_fit.summarize_panel.__module__ == "tpm_fit"


def test_compiled_guidance_is_cached_by_fingerprint_and_bounded(small: tuple[Rulebook, Guidance]) -> None:
    from tpm_fit._hiring import brief as builder

    rulebook, guidance = small
    result = recommend(company_size=10, product_complexity="high", rulebook=rulebook)
    first = result.brief(guidance=guidance)
    for version in range(40):
        variant = guidance.model_copy(update={"version": f"v{version}"})
        assert variant.fingerprint != guidance.fingerprint
        assert result.brief(guidance=variant).guidance_version == f"v{version}"
    assert len(builder._CACHE._items) <= 32
    assert result.brief(guidance=Guidance.from_toml(GUIDANCE)) == first


def test_why_names_the_trace_factors_and_risks_that_read_the_same_inputs(
    small: tuple[Rulebook, Guidance],
) -> None:
    rulebook, guidance = small
    technical = recommend(company_size=10, product_complexity="high", rulebook=rulebook).brief(
        guidance=guidance
    )
    pair = next(item for item in technical.responsibilities if item.id == "pair")
    assert pair.why[-1] == "in the trace: risk: A custom risk"
    quiet = recommend(company_size=10, product_complexity="low", rulebook=rulebook).brief(guidance=guidance)
    assert not any("in the trace" in line for item in quiet.responsibilities for line in item.why)
