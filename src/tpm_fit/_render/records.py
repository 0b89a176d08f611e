"""The decision log's objects for people and programs: chain reports (``log check``), replays,
logged decisions (``log show``), reviews and the list of records (``log list``), in text,
Markdown, HTML, CSV and JSON."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from .cells import csv_table, html_table, json_cell, markdown_table, model_json, printable
from .recommendation import render_html, render_markdown, render_text
from .registry import renders

if TYPE_CHECKING:
    from .._records.anchor import LogHead
    from .._records.models import ChainReport, DecisionRecord, LoggedDecision, Replay, Review

__all__ = [
    "chain_csv",
    "chain_html",
    "chain_markdown",
    "chain_text",
    "decision_text",
    "record_rows",
    "records_table",
    "replay_csv",
    "replay_html",
    "replay_markdown",
    "replay_text",
    "review_line",
]


def _inline(text: object) -> str:
    """A value on one line: control characters escaped, newlines and tabs shown as escapes."""
    return printable(str(text)).replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


# -- the chain report (tpm-fit log check) ----------------------------------------------------


def chain_text(report: ChainReport) -> str:
    """A short human-readable summary, one line per problem."""
    head = (
        f"{report.entries} entries ({report.records} records, {report.reviews} reviews), "
        f"{report.rulebooks} rulebooks; head {report.head_hash}"
    )
    if report.ok:
        return f"OK: {head}"
    lines = [f"BROKEN: {len(report.problems)} problem(s) in {head}"]
    for item in report.problems:
        where = f"#{item.position} " if item.position is not None else ""
        lines.append(f"  {where}{item.kind} {item.entry_id}: {item.problem}: {item.detail}")
    return "\n".join(lines)


#: The columns of a chain report's problem table.
PROBLEM_COLUMNS: Final = ("position", "kind", "entry_id", "problem", "detail")


def _problem_rows(report: ChainReport) -> list[tuple[int | None, str, str, str, str]]:
    return [(p.position, p.kind, p.entry_id, p.problem, p.detail) for p in report.problems]


def chain_markdown(report: ChainReport) -> str:
    """The outcome in bold, then the problems as a table (none when the chain checks out)."""
    head, *_ = chain_text(report).splitlines()
    if report.ok:
        return f"**{head}**"
    return f"**{head}**\n\n" + markdown_table(PROBLEM_COLUMNS, _problem_rows(report), right=(0,))


def chain_html(report: ChainReport) -> str:
    """The outcome, then the problems as a table."""
    head = html.escape(chain_text(report).splitlines()[0])
    table = "" if report.ok else html_table(PROBLEM_COLUMNS, _problem_rows(report))
    return f"<div><p><b>{head}</b></p>{table}</div>"


def chain_csv(report: ChainReport) -> str:
    """One row per problem (only the header when the chain checks out; the summary: JSON)."""
    return csv_table(PROBLEM_COLUMNS, _problem_rows(report))


# -- a replay (tpm-fit log replay) -----------------------------------------------------------


def replay_text(replay: Replay) -> str:
    """One line of outcome, then one line per difference."""
    versions = (
        f"recorded with tpm_fit {replay.recorded_library_version}, replayed with {replay.library_version}"
    )
    if replay.same:
        lines = [f"SAME: decision {replay.decision_id} ({versions})"]
    else:
        lines = [
            f"CHANGED: decision {replay.decision_id}: {len(replay.differences)} difference(s) ({versions})"
        ]
    for item in replay.differences:
        lines.append(f"  {item.path}: {json.dumps(item.old)} -> {json.dumps(item.new)} ({item.change})")
    if replay.wording:
        lines.append(f"  worded differently ({len(replay.wording)}), the decision unchanged by it:")
        lines.extend(
            f"    {item.path}: {json.dumps(item.old)} -> {json.dumps(item.new)}" for item in replay.wording
        )
    if replay.new_fields:
        lines.append(
            f"  fields added since format {replay.recorded_schema_version}: {', '.join(replay.new_fields)}"
        )
    return "\n".join(lines)


#: The columns of a replay's difference table: ``part`` is outcome (one row per replay, its
#: ``change`` same or changed), decision, wording or new_field.
DIFFERENCE_COLUMNS: Final = ("decision_id", "same", "part", "path", "change", "old", "new")


def replay_rows(replay: Replay) -> list[tuple[str, bool, str, str, str, str, str]]:
    """The outcome, then one row per difference, wording difference and field added since the
    record's format."""
    outcome = "same" if replay.same else "changed"
    rows: list[tuple[str, bool, str, str, str, str, str]] = [
        (str(replay.decision_id), replay.same, "outcome", "", outcome, "", "")
    ]
    rows += [
        (
            str(replay.decision_id),
            replay.same,
            "decision",
            d.path,
            d.change,
            json_cell(d.old),
            json_cell(d.new),
        )
        for d in replay.differences
    ]
    rows += [
        (
            str(replay.decision_id),
            replay.same,
            "wording",
            d.path,
            d.change,
            json_cell(d.old),
            json_cell(d.new),
        )
        for d in replay.wording
    ]
    rows += [
        (str(replay.decision_id), replay.same, "new_field", path, "added", "", "")
        for path in replay.new_fields
    ]
    return rows


def replay_markdown(replay: Replay) -> str:
    """The outcome in bold, then every difference as a table."""
    head = replay_text(replay).splitlines()[0]
    rows = [row[2:] for row in replay_rows(replay)[1:]]
    if not rows:
        return f"**{head}**"
    return f"**{head}**\n\n" + markdown_table(DIFFERENCE_COLUMNS[2:], rows)


def replay_html(replay: Replay) -> str:
    """The outcome, then every difference as a table."""
    head = html.escape(replay_text(replay).splitlines()[0])
    rows = [row[2:] for row in replay_rows(replay)[1:]]
    return (
        f"<div><p><b>{head}</b></p>" + (html_table(DIFFERENCE_COLUMNS[2:], rows) if rows else "") + "</div>"
    )


def replay_csv(replay: Replay | Sequence[Replay]) -> str:
    """The outcome of each replay, then one row per difference (old and new as JSON values)."""
    replays = list(replay) if isinstance(replay, Sequence) else [replay]
    return csv_table(DIFFERENCE_COLUMNS, [row for one in replays for row in replay_rows(one)])


def replay_line(replay: Replay) -> str:
    """The replay as JSON on one line, without the recomputed recommendation (``log replay``)."""
    return replay.model_dump_json(exclude={"recomputed"})


# -- a logged decision (tpm-fit log show) and a review ---------------------------------------


def review_line(review: Review) -> str:
    """One review on one line: when, who, what, and why."""
    change = f" -> {review.verdict.value}" if review.verdict is not None else ""
    why = f": {_inline(review.reason)}" if review.reason else ""
    return f"  {review.reviewed_at.isoformat()} {_inline(review.reviewer)} {review.action.value}{change}{why}"


def _record_lines(logged: LoggedDecision) -> list[str]:
    record = logged.record
    rec = record.recommendation
    labels = ", ".join(f"{_inline(k)}={_inline(v)}" for k, v in record.labels.items()) or "-"
    return [
        f"Decision {record.decision_id}",
        f"Recorded at:  {record.recorded_at.isoformat()} by tpm_fit {record.library_version}",
        f"Requested by: {_inline(record.requested_by or '-')}",
        f"Labels:       {labels}",
        f"Rulebook:     {_inline(rec.rulebook_name)} {_inline(rec.rulebook_version)} "
        f"(sha256 {record.rulebook_fingerprint})",
        f"Record hash:  {record.record_hash}",
    ]


def _in_force(logged: LoggedDecision) -> str:
    overridden = logged.effective_verdict is not logged.record.verdict
    return f"Verdict in force: {logged.effective_verdict.value}{' (overridden)' if overridden else ''}"


def decision_text(logged: LoggedDecision, *, top: int = 3) -> str:
    """A logged decision for people: who and when, the rulebook, the explanation, the reviews."""
    lines = [
        *_record_lines(logged)[:-1],
        _record_lines(logged)[-1] + "\n",
        render_text(logged.record.recommendation, top=top),
        "\nReviews:" if logged.reviews else "\nReviews: none",
        *(review_line(review) for review in logged.reviews),
        _in_force(logged),
    ]
    return "\n".join(lines)


def decision_markdown(logged: LoggedDecision, *, top: int = 3) -> str:
    """A logged decision as Markdown: the record's facts, the explanation, the reviews."""
    first, *facts = _record_lines(logged)
    reviews = [f"- {line.strip()}" for line in map(review_line, logged.reviews)] or ["none"]
    return "\n".join(
        [
            f"### {first}",
            "",
            *(f"{_md_line(line)}  " for line in facts),
            "",
            render_markdown(logged.record.recommendation, top=top),
            "",
            "**Reviews**",
            "",
            *reviews,
            "",
            f"**{_in_force(logged)}**",
        ]
    )


def _md_line(text: str) -> str:
    return text.replace("|", "\\|")


def decision_html(logged: LoggedDecision) -> str:
    """A logged decision as an HTML fragment."""
    first, *facts = _record_lines(logged)
    e = html.escape
    reviews = "".join(f"<li>{e(review_line(r).strip())}</li>" for r in logged.reviews)
    return (
        f"<div><h3>{e(first)}</h3><p>"
        + "<br>".join(e(line) for line in facts)
        + "</p>"
        + render_html(logged.record.recommendation)
        + (f"<p><b>Reviews</b></p><ul>{reviews}</ul>" if reviews else "<p><b>Reviews</b>: none</p>")
        + f"<p><b>{e(_in_force(logged))}</b></p></div>"
    )


def decision_json(logged: LoggedDecision) -> str:
    """The record, its reviews and the verdict in force, as JSON (what ``tpm-fit log show`` prints)."""
    payload = {
        "record": logged.record.model_dump(mode="json"),
        "reviews": [review.model_dump(mode="json") for review in logged.reviews],
        "effective_verdict": logged.effective_verdict.value,
    }
    return json.dumps(payload, indent=2)


def review_text(review: Review) -> str:
    """What ``tpm-fit log review`` prints once the review is recorded."""
    change = f" -> {review.verdict.value}" if review.verdict is not None else ""
    return (
        f"Review {review.review_id} recorded: {review.action.value}{change} of decision {review.decision_id}"
    )


def head_text(head: LogHead) -> str:
    """The chain's head as ``ENTRIES:HASH`` (what ``--expect`` takes back)."""
    return str(head)


def head_json(head: LogHead) -> str:
    """The chain's head as JSON, on one line."""
    return head.model_dump_json()


# -- the list of records (tpm-fit log list) --------------------------------------------------


#: The columns of ``tpm-fit log list`` (also the keys of each of its JSON lines).
RECORD_COLUMNS: Final = (
    "decision_id",
    "recorded_at",
    "verdict",
    "score",
    "requested_by",
    "labels",
    "rulebook_fingerprint",
)


def record_summary(record: DecisionRecord) -> dict[str, Any]:
    """One record as the JSON object of one line of ``tpm-fit log list --format json``."""
    return {
        "decision_id": str(record.decision_id),
        "recorded_at": record.recorded_at.isoformat().replace("+00:00", "Z"),
        "verdict": record.verdict.value,
        "score": record.recommendation.score,
        "requested_by": record.requested_by,
        "labels": record.labels,
        "rulebook_fingerprint": record.rulebook_fingerprint,
    }


def record_rows(records: Iterable[DecisionRecord]) -> list[tuple[str, str, str, float, str, str, str]]:
    """The records as rows of :data:`RECORD_COLUMNS` (labels as one JSON object)."""
    rows = []
    for record in records:
        item = record_summary(record)
        rows.append(
            (
                item["decision_id"],
                item["recorded_at"],
                item["verdict"],
                item["score"],
                item["requested_by"] or "",
                json_cell(item["labels"]),
                item["rulebook_fingerprint"],
            )
        )
    return rows


_LIST_HEADER: Final = (
    f"{'recorded at (UTC)':<20}  {'decision id':<36}  {'verdict':<11}  {'score':>7}  requested by"
)


def record_line(record: DecisionRecord) -> str:
    """One record as one line of the text table."""
    when = record.recorded_at.strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"{when:<20}  {record.decision_id!s:<36}  {record.verdict.value:<11}  "
        f"{record.recommendation.score:>7.3f}  {_inline(record.requested_by or '-')}"
    )


def records_table(records: Sequence[DecisionRecord], format: str) -> str:
    """The records in ``format``: text (a header, a line each, a count), Markdown, HTML, CSV or JSON
    Lines (one object per record). Without a trailing newline."""
    match format:
        case "text":
            return "\n".join([_LIST_HEADER, *map(record_line, records), f"({len(records)} decision(s))"])
        case "json":
            return "\n".join(json.dumps(record_summary(record)) for record in records)
        case "csv":
            return csv_table(RECORD_COLUMNS, record_rows(records))
        case "markdown":
            return markdown_table(RECORD_COLUMNS, record_rows(records), right=(3,))
        case "html":
            return html_table(RECORD_COLUMNS, record_rows(records))
    raise ValueError(
        f"format={format!r}: not a format of the record list; valid: text, markdown, html, csv, json"
    )


renders("ChainReport", "text")(chain_text)
renders("ChainReport", "markdown")(chain_markdown)
renders("ChainReport", "html")(chain_html)
renders("ChainReport", "csv")(chain_csv)
renders("ChainReport", "json")(model_json)
renders("Replay", "text")(replay_text)
renders("Replay", "markdown")(replay_markdown)
renders("Replay", "html")(replay_html)
renders("Replay", "csv")(replay_csv)
renders("Replay", "json")(model_json)
renders("LoggedDecision", "text")(decision_text)
renders("LoggedDecision", "markdown")(decision_markdown)
renders("LoggedDecision", "html")(decision_html)
renders("LoggedDecision", "json")(model_json)
renders("Review", "text")(review_text)
renders("Review", "json")(model_json)
renders("LogHead", "text")(head_text)
renders("LogHead", "json")(head_json)
