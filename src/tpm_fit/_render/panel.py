"""A panel summary (the ratings per competency, never a verdict): text, Markdown, HTML, CSV (the
evidence grid, one row per rating) and JSON."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Final

from .cells import csv_table, html_table, model_json
from .registry import renders

if TYPE_CHECKING:
    from .._hiring.panel import PanelSummary

__all__ = ["panel_csv", "panel_html", "panel_markdown", "panel_text"]


def panel_markdown(summary: PanelSummary) -> str:
    """The summary as a Markdown table, with disagreements and unrated competencies named."""
    lines = [
        f"## Panel summary: {summary.title}",
        "",
        f"{summary.ratings} ratings from {summary.interviewers} interviewers. The panel decides; this "
        "summary only lays out the evidence.",
        "",
        "| Competency | Raters | Median | Range | Target | Gap | Disagreement |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for c in summary.competencies:
        flag = "yes, discuss" if c.disagreement else "no"
        lines.append(
            f"| {c.name} | {c.raters} | {c.median:g} | {c.min}-{c.max} | {c.target} | "
            f"{c.gap + 0.0:+g} | {flag} |"
        )
    if summary.unrated:
        lines += ["", f"Not rated by anyone: {', '.join(summary.unrated)}."]
    return "\n".join(lines) + "\n"


def _intro(summary: PanelSummary) -> str:
    return (
        f"{summary.ratings} ratings from {summary.interviewers} interviewers. The panel decides; this "
        "summary only lays out the evidence."
    )


def panel_text(summary: PanelSummary) -> str:
    """The summary as plain text: one block per competency with its spread and its evidence."""
    lines = [f"Panel summary: {summary.title}", _intro(summary)]
    for c in summary.competencies:
        flag = "; raters disagree, discuss it" if c.disagreement else ""
        lines += [
            "",
            f"{c.name}: median {c.median:g} (range {c.min}-{c.max}, {c.raters} raters), target {c.target}, "
            f"gap {c.gap + 0.0:+g}{flag}",
            *(f"  - {item}" for item in c.evidence),
        ]
    if summary.unrated:
        lines += ["", f"Not rated by anyone: {', '.join(summary.unrated)}."]
    return "\n".join(lines)


_COLUMNS: Final = ("Competency", "Raters", "Median", "Range", "Target", "Gap", "Disagreement")


def panel_html(summary: PanelSummary) -> str:
    """The summary as an HTML fragment: the table, each competency's evidence, the unrated ones."""
    e = html.escape
    rows = [
        (
            c.name,
            c.raters,
            f"{c.median:g}",
            f"{c.min}-{c.max}",
            c.target,
            f"{c.gap + 0.0:+g}",
            "yes, discuss" if c.disagreement else "no",
        )
        for c in summary.competencies
    ]
    evidence = "".join(
        f"<h4>{e(c.name)}</h4><ul>" + "".join(f"<li>{e(item)}</li>" for item in c.evidence) + "</ul>"
        for c in summary.competencies
    )
    unrated = f"<p>Not rated by anyone: {e(', '.join(summary.unrated))}.</p>" if summary.unrated else ""
    return (
        f'<div class="tpm-fit-panel"><h3>Panel summary: {e(summary.title)}</h3><p>{e(_intro(summary))}</p>'
        + html_table(_COLUMNS, rows)
        + evidence
        + unrated
        + "</div>"
    )


#: The columns of the evidence grid: one row per rating, with its competency's spread.
EVIDENCE_COLUMNS: Final = (
    "competency",
    "name",
    "raters",
    "median",
    "min",
    "max",
    "target",
    "gap",
    "disagreement",
    "evidence",
)


def panel_csv(summary: PanelSummary) -> str:
    """The evidence grid: one row per rating (``interviewer (level): evidence``); unrated
    competencies get one row with empty figures."""
    rows: list[
        tuple[
            str,
            str,
            int | None,
            float | None,
            int | None,
            int | None,
            int | None,
            float | None,
            bool | None,
            str,
        ]
    ] = [
        (c.competency, c.name, c.raters, c.median, c.min, c.max, c.target, c.gap, c.disagreement, item)
        for c in summary.competencies
        for item in c.evidence
    ]
    rows += [(cid, "", 0, None, None, None, None, None, None, "") for cid in summary.unrated]
    return csv_table(EVIDENCE_COLUMNS, rows)


renders("PanelSummary", "text")(panel_text)
renders("PanelSummary", "markdown")(panel_markdown)
renders("PanelSummary", "html")(panel_html)
renders("PanelSummary", "csv")(panel_csv)
renders("PanelSummary", "json")(model_json)
