"""Rendering a sweep summary for a terminal: what ``tpm-fit sweep`` prints.

The summary is the plain dictionary that ``tpm-fit sweep --format json`` prints (scenario count, axes,
rulebook, verdict and role-shape counts, score range, where the verdict flips, output path); this
module turns it into text, Markdown, HTML or CSV (the verdict counts) and prints nothing itself.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from .cells import csv_table, html_table, markdown_table

__all__ = ["render_sweep_summary", "sweep_summary_as"]


def _run_text(run: Mapping[str, Any]) -> str:
    """One stretch of equal verdicts: ``go for 5 to 50``, or ``go for 5`` when it is one value."""
    span = f" to {run['to']}" if run["to"] != run["from"] else ""
    return f"{run['verdict']} for {run['from']}{span}"


def _flip_lines(flips: Mapping[str, Any] | None) -> list[str]:
    """Where the verdict flips along one axis, or along x for each value of y."""
    if flips is None:
        return ["", "(more than two inputs vary: use --output to get every scenario)"]
    grouped = "by" in flips
    groups: Mapping[str, Sequence[Mapping[str, Any]]] = flips["runs"] if grouped else {"": flips["runs"]}
    heading = f"by {flips['by']}, " if grouped else ""
    lines = ["", f"verdict along {flips['axis']} ({heading}from lowest to highest):"]
    for key, runs in groups.items():
        label = f"{key}: " if key else ""
        lines.append(f"  {label}" + ", ".join(_run_text(run) for run in runs))
    return lines


def _count_lines(summary: Mapping[str, Any]) -> list[str]:
    """The verdict table (highest verdict first), role shapes and the score range."""
    n = summary["scenarios"]
    lines = ["", "verdict        scenarios   share"]
    for verdict, count in reversed(summary["verdicts"].items()):
        lines.append(f"  {verdict:<12}{count:>10}  {count / n:>6.1%}")
    lines.append("role shape: " + ", ".join(f"{k} {v}" for k, v in summary["role_shapes"].items()))
    score = summary["score"]
    lines.append(f"score: min {score['min']:.3f}, median {score['median']:.3f}, max {score['max']:.3f}")
    return lines


def render_sweep_summary(summary: Mapping[str, Any]) -> str:
    """A sweep summary as plain text, one line per fact, without a trailing newline.

    Parameters
    ----------
    summary
        The summary ``tpm-fit sweep --json`` prints: keys ``scenarios``, ``axes``, ``rulebook``
        (``name``, ``version``, ``fingerprint``), ``verdicts``, ``role_shapes``, ``score`` (``min``,
        ``median``, ``max``), ``flips`` (``None`` when more than two axes vary) and ``output``
        (``None`` when nothing was written).

    Returns
    -------
    str
        The header, the verdict table, the role shapes, the score range, where the verdict flips,
        and where the scenarios were written.
    """
    n = summary["scenarios"]
    book = summary["rulebook"]
    lines = [
        f"{n} scenarios scored with {book['name']} {book['version']} (sha256 {book['fingerprint'][:12]})",
        "axes: " + ", ".join(f"{name} ({len(values)})" for name, values in summary["axes"].items()),
        *_count_lines(summary),
        *_flip_lines(summary["flips"]),
    ]
    if summary["output"]:
        lines += ["", f"wrote {n} scenarios to {summary['output']}"]
    return "\n".join(lines)


def _verdict_rows(summary: Mapping[str, Any]) -> list[tuple[str, int, float]]:
    """Highest verdict first: verdict, scenarios, share (from 0 to 1)."""
    n = summary["scenarios"]
    return [(verdict, count, count / n) for verdict, count in reversed(summary["verdicts"].items())]


def sweep_summary_as(summary: Mapping[str, Any], format: str) -> str:
    """The summary in ``format``: text, Markdown, HTML, CSV (one row per verdict: verdict,
    scenarios, share) or JSON (the dictionary itself)."""
    match format:
        case "text":
            return render_sweep_summary(summary)
        case "json":
            return json.dumps(summary, indent=2)
        case "csv":
            return csv_table(("verdict", "scenarios", "share"), _verdict_rows(summary))
    rows = [(verdict, count, f"{share:.1%}") for verdict, count, share in _verdict_rows(summary)]
    others = [
        line for line in render_sweep_summary(summary).split("\n") if line and not _in_table(line, summary)
    ]
    if format == "markdown":
        table = markdown_table(("verdict", "scenarios", "share"), rows, right=(1, 2))
        return "\n".join([f"**{others[0]}**  ", *(f"{line}  " for line in others[1:]), "", table])
    if format == "html":
        lines = "<br>".join(html.escape(line) for line in others[1:])
        return (
            f"<div><p><b>{html.escape(others[0])}</b><br>{lines}</p>"
            + html_table(("verdict", "scenarios", "share"), rows)
            + "</div>"
        )
    raise ValueError(
        f"format={format!r}: not a format of the sweep summary; valid: text, markdown, html, csv, json"
    )


def _in_table(line: str, summary: Mapping[str, Any]) -> bool:
    """Whether a line of the text is the verdict table's (shown as a table in Markdown and HTML)."""
    return line.startswith("verdict        ") or any(
        line.startswith(f"  {v:<12}") for v in summary["verdicts"]
    )
