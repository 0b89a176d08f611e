"""Quick start: one recommendation, its explanation, the audit record and what-if analysis.

Run with ``python examples/quickstart.py``; the test suite runs it too.
"""

from __future__ import annotations

import json

import tpm_fit

# A 40-person company building a technically demanding product. Two people already cover
# strategy, nobody covers marketing or the technical face, and the engineering team is young.
result = tpm_fit.recommend(
    company_size=40,
    product_complexity="high",
    strategy_coverage=2,
    engineering_capability="developing",
)

print(result.explain())

# Stage one, the seat: two people cover strategy, so the hire would own marketing and technical.
assert [face.value for face in result.seat] == ["marketing", "technical"]
assert result.hire_needed

# Every factor's weight, activation and signed contribution; they add up to the score.
print("\nTrace:")
for step in result.trace:
    print(f"  {step.factor:32s} {step.contribution:+.3f}  [{step.section}]")
assert abs(sum(step.contribution for step in result.trace) - result.score) < 1e-12

# The record an HR tool stores: plain JSON that reads back to an equal object.
record = result.model_dump_json()
assert tpm_fit.Recommendation.model_validate_json(record) == result
print(f"\nAudit record: {len(record)} bytes of JSON, rulebook sha256 {result.rulebook_fingerprint[:12]}")
print("Fields:", ", ".join(json.loads(record)))

# What would have to change, one input at a time, for the verdict to flip?
print("\nWhat would change the verdict (or the need for a hire):")
for change in result.counterfactuals():
    print(f"  {change}")
