"""From a recommendation to a hiring plan: the role brief, a job posting and a panel summary.

Run: ``python examples/hiring_brief.py``
"""

from __future__ import annotations

import json

import tpm_fit


def main() -> None:
    # A 12-person startup with a complex product: the first PM wears every hat.
    result = tpm_fit.recommend(
        company_size=12, product_complexity="high", engineering_capability="developing"
    )
    brief = result.brief()
    print(brief.title)
    print(brief.summary, "\n")

    print("Responsibilities, seat faces first, by emphasis:")
    for item in brief.responsibilities:
        marker = " (shared)" if item.shared else ""
        print(f"  {item.emphasis:.2f} {item.text}{marker}")

    print("\nQualifications:")
    for q in brief.qualifications:
        print(f"  {q.priority.value:<12} {q.id}: {q.why[0]}")

    print("\nScorecard:")
    for c in brief.scorecard:
        print(f"  {c.name}: weight {c.weight:.0%}, target level {c.target}; first question: {c.questions[0]}")
    for probe in brief.probes:
        print(f"  probe for '{probe.risk_title}': {probe.question}")

    # For a job board: schema.org JobPosting as JSON-LD.
    posting = brief.to_job_posting()
    print("\nJSON-LD keys:", ", ".join(posting))
    json.dumps(posting)

    # After the interviews: every rating needs evidence; the summary gives no verdict.
    ratings = [
        tpm_fit.Rating(
            interviewer="panel-1",
            competency="technical_depth",
            level=4,
            evidence="Walked through a queue redesign and its trade-offs.",
        ),
        tpm_fit.Rating(
            interviewer="panel-2",
            competency="technical_depth",
            level=2,
            evidence="Could not say why the cache was added.",
        ),
        tpm_fit.Rating(
            interviewer="panel-1",
            competency="business_judgement",
            level=3,
            evidence="Tied a pricing change to churn figures.",
        ),
    ]
    summary = tpm_fit.summarize_panel(brief, ratings)
    print()
    print(summary.to_markdown())
    assert summary.competencies[0].disagreement  # 4 and 2: the panel should talk it through


if __name__ == "__main__":
    main()
