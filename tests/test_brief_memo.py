"""The brief's memo of result parts never carries one rulebook's words into another's brief."""

from __future__ import annotations

from tpm_fit import Guidance, Rulebook, recommend

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
