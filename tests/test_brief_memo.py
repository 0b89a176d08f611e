"""The brief's memo of result parts never carries one rulebook's words into another's brief."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import tpm_fit
from tpm_fit import Guidance, OrgProfile, Rulebook, recommend
from tpm_fit.testing import org_profiles, rulebooks

RULEBOOK = """
name = "memo test"
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
title = "TITLE"
favours = "technical"
weight = 2.0
section = "s"
reason = "r"
activation.kind = "levels"
activation.input = "product_complexity"
activation.values = { low = 0.0, moderate = 0.0, high = 1.0, very_high = 1.0 }
"""

GUIDANCE = """
name = "memo guidance"
version = "0"
source = "tests"

[[responsibilities]]
id = "build"
text = "Build with engineers."
section = "Technical Product Manager Job Description, responsibility 3"
faces = ["technical"]
base = 0.1

[[responsibilities.emphasis]]
reason = "a complex product"
when.kind = "levels"
when.input = "product_complexity"
when.values = { low = 0.0, moderate = 0.0, high = 1.0, very_high = 1.0 }

[[qualifications]]
id = "tech"
text = "Tech."
section = "How to Hire, Technical Background"
leans = "technical"

[qualifications.competency]
id = "tech_depth"
name = "Tech depth"
anchors = ["one", "two", "three", "four", "five"]
questions = [{ text = "Q1?" }, { text = "Q2?" }]
"""


def _trace_reason(title: str, guidance: Guidance) -> str:
    rulebook = Rulebook.from_toml(RULEBOOK.replace("TITLE", title))
    result = recommend(company_size=10, product_complexity="high", rulebook=rulebook)
    (build,) = result.brief(guidance=guidance).responsibilities
    return build.why[-1]


def test_two_rulebooks_differing_only_in_a_factor_title_each_get_their_own_title() -> None:
    guidance = Guidance.from_toml(GUIDANCE)
    first = _trace_reason("Product complexity", guidance)
    second = _trace_reason("Complexity of the product", guidance)
    assert first == "in the trace: Product complexity (favours technical)"
    assert second == "in the trace: Complexity of the product (favours technical)"
    assert _trace_reason("Product complexity", guidance) == first


@given(org_profiles(), rulebooks(max_relative_change=0.3), st.sampled_from(["equal", "trace"]))
def test_a_remembered_brief_equals_one_built_afresh(
    profile: OrgProfile, rulebook: Rulebook, weighting: str
) -> None:
    """Briefs are remembered per situation (everything they are computed from); the remembered one
    is the brief the builder would make now."""
    from tpm_fit._hiring import brief as builder

    result = tpm_fit.recommend(profile, rulebook=rulebook)
    first = result.brief(rulebook=rulebook, weighting=weighting)  # type: ignore[arg-type]
    compiled = builder._CACHE.compiled(builder.as_guidance(None))
    with compiled.memo_lock:
        compiled.memo.clear()
    fresh = result.brief(rulebook=rulebook, weighting=weighting)  # type: ignore[arg-type]
    assert fresh == first
    assert fresh.model_dump_json() == first.model_dump_json()
