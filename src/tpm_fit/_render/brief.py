"""Renderings of a role brief: text, Markdown and HTML for people, CSV (the scorecard) and JSON
for programs, schema.org JSON-LD for job boards."""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any, Final

from .cells import csv_table, model_json, printable
from .registry import renders

if TYPE_CHECKING:
    from .._hiring.models import Probe, RoleBrief

__all__ = [
    "JOB_POSTING_PROPERTIES",
    "brief_csv",
    "brief_html",
    "brief_jsonld",
    "brief_markdown",
    "brief_text",
    "job_posting",
]

#: Priority values (``tpm_fit.Priority``), compared by value so that rendering imports no model.
_MUST_HAVE: Final = "must_have"
_NICE_TO_HAVE: Final = "nice_to_have"

#: The schema.org JobPosting properties :func:`job_posting` may emit (besides ``@context``/``@type``).
JOB_POSTING_PROPERTIES: Final = frozenset(
    {"title", "description", "responsibilities", "qualifications", "experienceRequirements", "skills"}
)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return printable(text).replace("|", "\\|").replace("\n", " ")


def brief_markdown(brief: RoleBrief) -> str:
    """The brief as Markdown: summary, responsibilities, qualifications, scorecard and probes."""
    lines = [f"# {_md(brief.title)}", "", _md(brief.summary), ""]
    lines += _md_responsibilities(brief)
    lines += _md_qualifications(brief)
    lines += _md_scorecard(brief)
    lines += _md_probes(brief)
    lines.append(
        f"*Guidance {_md(brief.guidance_name)} {_md(brief.guidance_version)}; rulebook sha256 "
        f"{brief.rulebook_fingerprint[:12]}; tpm_fit {brief.library_version}.*"
    )
    return "\n".join(lines) + "\n"


def _md_responsibilities(brief: RoleBrief) -> list[str]:
    """Each responsibility with its emphasis, section and reasons."""
    lines = ["## Responsibilities", ""]
    for item in brief.responsibilities:
        shared = " *(shared with the people who already cover it)*" if item.shared else ""
        lines.append(f"- **{_md(item.text)}**{shared} — emphasis {item.emphasis:.2f}; {_md(item.section)}")
        lines.extend(f"  - {_md(reason)}" for reason in item.why)
    return lines


#: Qualification headings in the order they appear.
_PRIORITY_HEADINGS: Final = (("Must-have", _MUST_HAVE), ("Nice-to-have", _NICE_TO_HAVE))


def _md_qualifications(brief: RoleBrief) -> list[str]:
    """Must-haves, then nice-to-haves; a heading only where there is something under it."""
    lines = ["", "## Qualifications", ""]
    for title, priority in _PRIORITY_HEADINGS:
        chosen = [q for q in brief.qualifications if q.priority == priority]
        if chosen:
            lines += [f"### {title}", ""]
            lines += [f"- **{_md(q.text)}** ({_md(q.section)}): {_md('; '.join(q.why))}" for q in chosen]
            lines.append("")
    return lines


def _md_scorecard(brief: RoleBrief) -> list[str]:
    """Per competency: weight, target, the anchored levels as a table, and the questions."""
    lines = ["## Interview scorecard", ""]
    for c in brief.scorecard:
        lines += [
            f"### {_md(c.name)} (weight {c.weight:.0%}, target level {c.target})",
            "",
            f"Weight: {_md(c.weight_reason)}.",
            "",
            "| Level | Observable behaviour |",
            "|---:|---|",
            *(f"| {level.level} | {_md(level.behaviour)} |" for level in c.levels),
            "",
            "Questions:",
            "",
            *(f"{i}. {_md(question)}" for i, question in enumerate(c.questions, start=1)),
            "",
        ]
    return lines


def _md_probes(brief: RoleBrief) -> list[str]:
    """The risk probes, or nothing when the seat carries no risk."""
    if not brief.probes:
        return []
    lines = ["## Risk probes", ""]
    for heading, probes in probe_groups(brief):
        lines += [f"### {heading}", ""]
        lines += [
            f"- **{_md(p.risk_title)}** ({_md(p.section)}; rate under {_md(p.competency)}): {_md(p.question)}"
            for p in probes
        ]
        lines.append("")
    return lines


def probe_groups(brief: RoleBrief) -> list[tuple[str, list[Probe]]]:
    """The probes grouped by the hire whose risk they test (technical first)."""
    groups = []
    for side in ("technical", "traditional"):
        probes = [p for p in brief.probes if (p.if_hired.value if p.if_hired else _side(brief)) == side]
        if probes:
            groups.append((f"If you hire a {side} PM", probes))
    return groups


def _side(brief: RoleBrief) -> str:
    return "traditional" if brief.verdict.value == "traditional" else "technical"


def _h(text: str) -> str:
    return html.escape(printable(text))


def brief_html(brief: RoleBrief) -> str:
    """The brief as an HTML fragment; every text is escaped."""
    out = [f'<div class="tpm-fit-brief"><h2>{_h(brief.title)}</h2>', f"<p>{_h(brief.summary)}</p>"]
    out += _html_responsibilities(brief)
    out += _html_qualifications(brief)
    out += _html_scorecard(brief)
    out += _html_probes(brief)
    out.append("</div>")
    return "".join(out)


def _html_responsibilities(brief: RoleBrief) -> list[str]:
    out = ["<h3>Responsibilities</h3><ol>"]
    for item in brief.responsibilities:
        shared = " <em>(shared)</em>" if item.shared else ""
        why = "".join(f"<li>{_h(reason)}</li>" for reason in item.why)
        out.append(
            f"<li><strong>{_h(item.text)}</strong>{shared} <small>emphasis {item.emphasis:.2f}; "
            f"{_h(item.section)}</small><ul>{why}</ul></li>"
        )
    out.append("</ol>")
    return out


def _html_qualifications(brief: RoleBrief) -> list[str]:
    out = ["<h3>Qualifications</h3><ul>"]
    for q in brief.qualifications:
        label = "must-have" if q.priority == _MUST_HAVE else "nice-to-have"
        out.append(
            f"<li><strong>{_h(q.text)}</strong> <em>{label}</em> <small>{_h(q.section)}</small>: "
            f"{_h('; '.join(q.why))}</li>"
        )
    out.append("</ul>")
    return out


def _html_scorecard(brief: RoleBrief) -> list[str]:
    out = ["<h3>Interview scorecard</h3>"]
    for c in brief.scorecard:
        rows = "".join(f"<tr><td>{level.level}</td><td>{_h(level.behaviour)}</td></tr>" for level in c.levels)
        questions = "".join(f"<li>{_h(question)}</li>" for question in c.questions)
        out.append(
            f"<h4>{_h(c.name)} (weight {c.weight:.0%}, target level {c.target})</h4>"
            f"<p>Weight: {_h(c.weight_reason)}.</p>"
            f"<table><thead><tr><th>Level</th><th>Observable behaviour</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><ol>{questions}</ol>"
        )
    return out


def _html_probes(brief: RoleBrief) -> list[str]:
    if not brief.probes:
        return []
    out = ["<h3>Risk probes</h3>"]
    for heading, probes in probe_groups(brief):
        out.append(f"<h4>{_h(heading)}</h4><ul>")
        out.extend(
            f"<li><strong>{_h(p.risk_title)}</strong> <small>{_h(p.section)}; rate under "
            f"{_h(p.competency)}</small>: {_h(p.question)}</li>"
            for p in probes
        )
        out.append("</ul>")
    return out


def job_posting(brief: RoleBrief) -> dict[str, Any]:
    """A schema.org ``JobPosting`` (JSON-LD) built from the brief, with JobPosting properties only."""
    must = [q.text for q in brief.qualifications if q.priority == _MUST_HAVE]
    nice = [q.text for q in brief.qualifications if q.priority == _NICE_TO_HAVE]
    posting: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": brief.title,
        "description": brief.summary,
        "responsibilities": [item.text for item in brief.responsibilities],
        "qualifications": must,
        "skills": [c.name for c in brief.scorecard],
    }
    if nice:
        posting["experienceRequirements"] = [f"Nice to have: {text}" for text in nice]
    return posting


def brief_text(brief: RoleBrief) -> str:
    """The brief as plain text: the Markdown without its marks (headings underlined, no tables)."""
    lines = [
        printable(brief.title),
        "=" * len(brief.title),
        "",
        printable(brief.summary),
        "",
        "Responsibilities:",
    ]
    for item in brief.responsibilities:
        shared = " (shared with the people who already cover it)" if item.shared else ""
        lines.append(
            f"  - {printable(item.text)}{shared}; emphasis {item.emphasis:.2f}; {printable(item.section)}"
        )
        lines.extend(f"      {printable(reason)}" for reason in item.why)
    for title, priority in _PRIORITY_HEADINGS:
        chosen = [q for q in brief.qualifications if q.priority == priority]
        if chosen:
            lines += ["", f"{title} qualifications:"]
            lines += [
                f"  - {printable(q.text)} ({printable(q.section)}): {printable('; '.join(q.why))}"
                for q in chosen
            ]
    lines += ["", "Interview scorecard:"]
    for c in brief.scorecard:
        lines += [
            f"  {printable(c.name)} (weight {c.weight:.0%}, target level {c.target}); "
            f"weight: {printable(c.weight_reason)}",
            *(f"    {level.level}. {printable(level.behaviour)}" for level in c.levels),
            "    Questions:",
            *(f"      - {printable(question)}" for question in c.questions),
        ]
    for heading, probes in probe_groups(brief):
        lines += ["", f"Risk probes {heading[0].lower()}{heading[1:]}:"]
        lines += [
            f"  - {printable(p.risk_title)} ({printable(p.section)}; rate under {printable(p.competency)}): "
            f"{printable(p.question)}"
            for p in probes
        ]
    lines += [
        "",
        f"Guidance {printable(brief.guidance_name)} {printable(brief.guidance_version)}; rulebook sha256 "
        f"{brief.rulebook_fingerprint[:12]}; tpm_fit {brief.library_version}.",
    ]
    return "\n".join(lines)


#: The scorecard's columns in CSV: one row per competency.
SCORECARD_COLUMNS: Final = (
    "competency",
    "name",
    "qualification",
    "weight",
    "target",
    "weight_reason",
    "questions",
)


def brief_csv(brief: RoleBrief) -> str:
    """The interview scorecard as CSV: one row per competency (questions separated by newlines)."""
    return csv_table(
        SCORECARD_COLUMNS,
        (
            (c.id, c.name, c.qualification, c.weight, c.target, c.weight_reason, "\n".join(c.questions))
            for c in brief.scorecard
        ),
    )


def brief_jsonld(brief: RoleBrief) -> str:
    """The schema.org ``JobPosting`` of :func:`job_posting` as indented JSON-LD."""
    return json.dumps(job_posting(brief), indent=2, ensure_ascii=False)


renders("RoleBrief", "text")(brief_text)
renders("RoleBrief", "markdown")(brief_markdown)
renders("RoleBrief", "html")(brief_html)
renders("RoleBrief", "csv")(brief_csv)
renders("RoleBrief", "json")(model_json)
renders("RoleBrief", "jsonld")(brief_jsonld)
