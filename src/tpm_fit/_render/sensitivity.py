"""A rulebook's sensitivity report: text, Markdown, HTML, CSV (one row per factor) and JSON."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Final

from .cells import csv_table, html_table, markdown_table
from .registry import renders

if TYPE_CHECKING:
    from .._analysis.sensitivity import FactorSensitivity, SensitivityReport

__all__ = ["sensitivity_csv", "sensitivity_html", "sensitivity_markdown", "sensitivity_text"]


def sensitivity_text(report: SensitivityReport) -> str:
    """The report as plain text (what ``tpm-fit sensitivity`` prints)."""
    lines = [
        f"Rulebook {report.rulebook_name!r} {report.rulebook_version} "
        f"(fingerprint {report.rulebook_fingerprint[:12]}): each weight moved by ±{report.delta:.0%}, "
        "one at a time",
        f"over the {report.grid_points:,} points of the verification grid, in {report.seconds:.3f} s. "
        "Grid points are not a population: shares are of the grid, not of organisations.",
        "",
        f"{'factor':<40} {'weight':>7} {'changed':>8} {'+delta':>8} {'-delta':>8}",
    ]
    for item in sorted(report.factors, key=lambda f: -f.share_changed):
        lines.append(
            f"{item.factor:<40} {item.weight:>7g} {item.share_changed:>8.1%} "
            f"{item.share_changed_up:>8.1%} {item.share_changed_down:>8.1%}"
        )
    lines += ["", f"Any factor: {report.share_any:.1%} of the grid points change verdict."]
    return "\n".join(lines)


#: The columns of the factor table.
FACTOR_COLUMNS: Final = (
    "factor",
    "weight",
    "share_changed",
    "share_changed_up",
    "share_changed_down",
    "points_changed",
)


def _ranked(report: SensitivityReport) -> list[FactorSensitivity]:
    return sorted(report.factors, key=lambda f: -f.share_changed)


def _intro(report: SensitivityReport) -> list[str]:
    return sensitivity_text(report).split("\n\n", 1)[0].splitlines()


def _share_rows(report: SensitivityReport) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            f.factor,
            f"{f.weight:g}",
            f"{f.share_changed:.1%}",
            f"{f.share_changed_up:.1%}",
            f"{f.share_changed_down:.1%}",
        )
        for f in _ranked(report)
    ]


def sensitivity_markdown(report: SensitivityReport) -> str:
    """The report as Markdown: what was moved, then the factors, most sensitive first."""
    table = markdown_table(
        ("factor", "weight", "changed", "+delta", "-delta"), _share_rows(report), right=(1, 2, 3, 4)
    )
    any_line = f"Any factor: {report.share_any:.1%} of the grid points change verdict."
    return "\n".join([*(line + "  " for line in _intro(report)), "", table, "", any_line])


def sensitivity_html(report: SensitivityReport) -> str:
    """The report as an HTML fragment."""
    intro = "<br>".join(html.escape(line) for line in _intro(report))
    any_line = f"Any factor: {report.share_any:.1%} of the grid points change verdict."
    return (
        f"<div><p>{intro}</p>"
        + html_table(("factor", "weight", "changed", "+delta", "-delta"), _share_rows(report))
        + f"<p>{html.escape(any_line)}</p></div>"
    )


def sensitivity_csv(report: SensitivityReport) -> str:
    """One row per factor in rulebook order, shares unrounded (from 0 to 1)."""
    return csv_table(
        FACTOR_COLUMNS,
        (
            (f.factor, f.weight, f.share_changed, f.share_changed_up, f.share_changed_down, f.points_changed)
            for f in report.factors
        ),
    )


def sensitivity_json(report: SensitivityReport) -> str:
    """The report as JSON (``SensitivityReport.model_validate_json`` reads it)."""
    return report.model_dump_json(indent=2)


renders("SensitivityReport", "text")(sensitivity_text)
renders("SensitivityReport", "markdown")(sensitivity_markdown)
renders("SensitivityReport", "html")(sensitivity_html)
renders("SensitivityReport", "csv")(sensitivity_csv)
renders("SensitivityReport", "json")(sensitivity_json)
