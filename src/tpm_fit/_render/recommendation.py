"""A recommendation for people and programs: text, Markdown, HTML, CSV (the trace) and JSON."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._engine.statements import COUNTERFACTUAL_LINE, SEAT_LINE, SEAT_LINE_READS, assumed_note
from .._model.primitives import Primitive
from .._model.rulebook import Rulebook
from .._model.vocab import Favours, Verdict, plain_words
from .cells import csv_table, printable
from .registry import RENDERERS, renders
from .robustness import firmness_line, robustness_html, robustness_markdown, robustness_text

if TYPE_CHECKING:
    from .._analysis.robustness import Robustness
    from .._engine.counterfactual import Counterfactual
    from .._model.result import Recommendation, Risk, TraceStep

__all__ = [
    "describe_activation",
    "printable",
    "render_counterfactual",
    "render_csv",
    "render_html",
    "render_markdown",
    "render_rulebook_table",
    "render_text",
    "render_with",
    "risk_groups",
    "signed",
]


def signed(value: float, digits: int = 2) -> str:
    """``value`` with a sign and ``digits`` decimals, never ``-0.00``."""
    return f"{round(value, digits) + 0.0:+.{digits}f}"


def _g(value: float) -> str:
    """``value`` in ``g`` format, never ``-0``."""
    return f"{value + 0.0:g}"


def _seat_words(result: Recommendation) -> str:
    shape = SEAT_LINE[f"seat_line_{result.role_shape.value}"].text
    if not result.seat:
        return f"{SEAT_LINE['seat_line_empty'].text}; stage: {shape}"
    faces = ", ".join(face.value for face in result.seat)
    return f"{shape}; {SEAT_LINE['seat_line_owns'].text.format(faces=faces)}"


def _opening(result: Recommendation, *, emphasis: str = "") -> list[str]:
    """The first lines: whether to hire first when no hire is indicated, else the verdict; then
    how firm the verdict is (closed-form margins, no sampling) and the seat."""
    verdict = f"{result.verdict.value.upper()} (score {signed(result.score)}; {_band(result)})"
    firmness = firmness_line(result, emphasis=emphasis)
    seat = f"Seat: {_seat_words(result)}.{assumed_note(SEAT_LINE_READS, _assumed_labels(result))}"
    if not result.hire_needed:
        backfill = f"If you hire anyway (a backfill): {verdict}"
        return [result.need_reason, backfill, result.verdict.headline, firmness, seat]
    why = f"Why this seat: {result.need_reason}"
    return [f"Verdict: {verdict}", result.verdict.headline, firmness, seat, why]


def _sides(result: Recommendation, top: int) -> tuple[list[TraceStep], list[TraceStep]]:
    fired = [step for step in result.trace if step.contribution != 0.0]
    pro = sorted((s for s in fired if s.contribution > 0), key=lambda s: -s.contribution)[:top]
    con = sorted((s for s in fired if s.contribution < 0), key=lambda s: s.contribution)[:top]
    return pro, con


def _profile_line(result: Recommendation) -> str:
    assumed = set(result.assumed)
    return ", ".join(
        f"{name}={plain_words(value)}{' (assumed)' if name in assumed else ''}"
        for name, value in result.profile.__dict__.items()
    )


def _notes(result: Recommendation) -> list[str]:
    """Warnings about the inputs, then which inputs were assumed and how to give them."""
    lines = [f"Check the inputs: {printable(text)}" for text in result.warnings]
    if result.assumed:
        values = ", ".join(f"{name}={plain_words(getattr(result.profile, name))}" for name in result.assumed)
        lines.append(
            f"Assumed, not given: {values}. Sentences resting on them say so; pass them to "
            "recommend() (or as tpm-fit flags) to describe the company."
        )
    return lines


def risk_groups(result: Recommendation) -> list[tuple[str, list[tuple[Risk, str]]]]:
    """The risks grouped by the hire they belong to (technical first), each with the mark of
    the inputs it rests on that were not given ("" when none)."""
    reads = _risk_reads(result)
    groups: list[tuple[str, list[tuple[Risk, str]]]] = []
    for side in (Favours.TECHNICAL, Favours.TRADITIONAL):
        items = [
            (risk, assumed_note(reads.get(risk.id, frozenset()), _assumed_labels(result)))
            for risk in result.risks
            if (risk.if_hired or _side_of(result)) is side
        ]
        if items:
            groups.append((f"If you hire a {side.value} PM", items))
    return groups


def _side_of(result: Recommendation) -> Favours:
    """For a risk recorded without if_hired (before 0.3): the side of its verdict."""
    return Favours.TRADITIONAL if result.verdict is Verdict.TRADITIONAL else Favours.TECHNICAL


def _assumed_labels(result: Recommendation) -> dict[str, str]:
    return {
        name: str(getattr(getattr(result.profile, name), "value", getattr(result.profile, name)))
        for name in result.assumed
    }


def _risk_reads(result: Recommendation) -> dict[str, frozenset[str]]:
    """Per risk id, the profile inputs its condition rests on (from the rulebook that made it)."""
    if not result.assumed or not result.risks:
        return {}
    from .._engine.kernel import recently_compiled
    from .._engine.statements import profile_inputs

    rulebook = recently_compiled(result.rulebook_fingerprint) or Rulebook.default()
    if rulebook.fingerprint != result.rulebook_fingerprint:
        return {risk.id: frozenset(result.assumed) for risk in result.risks}  # unknown: assume all
    return {rule.id: profile_inputs(set(rule.when.inputs())) for rule in rulebook.risks}


def _band(result: Recommendation) -> str:
    t = result.thresholds
    return f"technical at >= {_g(t.technical_min)}, traditional at <= {_g(t.traditional_max)}"


def render_text(result: Recommendation, *, top: int = 3) -> str:
    """Plain-text explanation: verdict, strongest reasons on each side, risks, provenance."""
    pro, con = _sides(result, top)
    lines = [
        *_opening(result),
        *_notes(result),
        f"Profile: {_profile_line(result)}",
        "",
        "For a technical PM:",
    ]
    lines += [_step_line(step) for step in pro] or ["  (nothing fired)"]
    lines += ["", "For a traditional PM:"]
    lines += [_step_line(step) for step in con] or ["  (nothing fired)"]
    for heading, items in risk_groups(result):
        lines += ["", f"Risks to manage {heading[0].lower()}{heading[1:]}:"]
        for risk, note in items:
            lines.append(
                f"  ! {printable(risk.title)} [{printable(risk.section)}]: "
                f"{printable(risk.description)}{note}"
            )
            lines.append(f"    Mitigation: {printable(risk.mitigation)}")
    lines += [
        "",
        f"Rulebook: {printable(result.rulebook_name)} {printable(result.rulebook_version)} "
        f"(sha256 {result.rulebook_fingerprint[:12]}); tpm_fit {result.library_version}.",
        "This is a recommendation for a person to weigh, not a decision.",
    ]
    return "\n".join(lines)


def _step_line(step: TraceStep) -> str:
    return (
        f"  {signed(step.contribution)}  {printable(step.title)} "
        f"(weight {_g(step.weight)} x activation {step.activation:.2f}) [{printable(step.section)}]\n"
        f"         {printable(step.reason)}"
    )


def render_markdown(result: Recommendation, *, top: int = 3) -> str:
    """Markdown explanation with the full trace as a table."""
    pro, con = _sides(result, top)
    opening = _opening(result, emphasis="*")
    out = [
        f"**{opening[0]}**  ",
        *(f"{line}  " for line in [*opening[1:], *_notes(result)]),
        "",
        "Strongest reasons: "
        + "; ".join(f"{printable(s.title)} ({signed(s.contribution)})" for s in [*pro, *con]),
        "",
        "| factor | favours | weight | activation | contribution | section |",
        "|---|---|---:|---:|---:|---|",
    ]
    out += [
        f"| {printable(s.title)} | {s.favours.value} | {_g(s.weight)} | {s.activation:.2f} | "
        f"{signed(s.contribution)} | {printable(s.section)} |"
        for s in result.trace
    ]
    for heading, items in risk_groups(result):
        out += ["", f"**Risks {heading[0].lower()}{heading[1:]}**", ""]
        out += [
            f"- **{printable(r.title)}** ({printable(r.section)}): {printable(r.description)}{note} "
            f"*{printable(r.mitigation)}*"
            for r, note in items
        ]
    out += [
        "",
        f"<sub>Rulebook {printable(result.rulebook_name)} {printable(result.rulebook_version)}, "
        f"sha256 {result.rulebook_fingerprint[:12]}</sub>",
    ]
    return "\n".join(out)


def render_html(result: Recommendation) -> str:
    """HTML explanation for notebooks: a headline and the full trace as a table."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(s.title)}</td><td>{e(s.favours.value)}</td><td>{_g(s.weight)}</td>"
        f"<td>{s.activation:.2f}</td><td>{signed(s.contribution)}</td><td>{e(s.section)}</td></tr>"
        for s in result.trace
    )
    risks = "".join(
        f"<p><b>Risks {e(heading[0].lower() + heading[1:])}</b></p><ul>"
        + "".join(
            f"<li><b>{e(r.title)}</b> ({e(r.section)}): {e(r.description + note)} "
            f"<i>{e(r.mitigation)}</i></li>"
            for r, note in items
        )
        + "</ul>"
        for heading, items in risk_groups(result)
    )
    opening = [*_opening(result), *_notes(result)]
    return (
        f"<div><p><b>{e(opening[0])}</b><br>" + "<br>".join(e(line) for line in opening[1:]) + "</p>"
        "<table><thead><tr><th>factor</th><th>favours</th><th>weight</th><th>activation</th>"
        f"<th>contribution</th><th>section</th></tr></thead><tbody>{rows}</tbody></table>"
        + risks
        + f"<p><small>Rulebook {e(result.rulebook_name)} {e(result.rulebook_version)}, sha256 "
        f"{e(result.rulebook_fingerprint[:12])}</small></p></div>"
    )


def describe_activation(node: Primitive) -> str:
    """A compact, human-readable description of an activation tree."""
    return node.describe()


def render_counterfactual(item: Counterfactual) -> str:
    """One line for a counterfactual: what flips the verdict, and what flips the need."""
    line, shown = COUNTERFACTUAL_LINE, item.shown()
    if item.proposed is None:
        text = line["cf_never"].format(**shown)
    else:
        text = line["cf_flips"].format(**shown, score=signed(item.score or 0.0))
    if item.hire_proposed is not None:
        text += line["cf_hire" if item.hire_needed else "cf_no_hire"].format(**shown)
    return text


def render_rulebook_table(rulebook: Rulebook) -> str:
    """Markdown table of every factor: id, favours, weight, inputs, section, activation, reason."""
    lines = [
        "| id | favours | weight | inputs | article section | activation | reason |",
        "|---|---|---:|---|---|---|---|",
    ]
    for factor in rulebook.factors:
        inputs = ", ".join(sorted(factor.activation.inputs()))
        lines.append(
            f"| `{factor.id}` | {factor.favours.value} | {_g(factor.weight)} | {inputs} "
            f"| {printable(factor.section)} "
            f"| {describe_activation(factor.activation)} | {printable(factor.reason)} |"
        )
    return "\n".join(lines)


#: The columns of :func:`render_csv`, one row per factor of the trace.
TRACE_COLUMNS = ("factor", "title", "favours", "weight", "activation", "contribution", "section", "reason")


def render_csv(result: Recommendation) -> str:
    """The full trace as CSV: one row per factor, in rulebook order (numbers unrounded)."""
    return csv_table(
        TRACE_COLUMNS,
        (
            (s.factor, s.title, s.favours.value, s.weight, s.activation, s.contribution, s.section, s.reason)
            for s in result.trace
        ),
    )


def render_json(result: Recommendation) -> str:
    """The recommendation as JSON: its own fields (``Recommendation.model_validate_json`` reads it)."""
    return result.model_dump_json(indent=2)


def counterfactual_json(item: Counterfactual) -> str:
    """A counterfactual as JSON."""
    return item.model_dump_json(indent=2)


#: The heading of the counterfactuals (``tpm-fit recommend --what-if``).
WHAT_IF_HEADING = "What would change the verdict (one input at a time)"


def render_with(
    result: Recommendation,
    format: str,
    *,
    top: int = 3,
    counterfactuals: Sequence[Counterfactual] | None = None,
    robustness: Robustness | None = None,
) -> str:
    """The recommendation with the parts ``tpm-fit recommend`` adds: its robustness analysis
    (``--robustness``) and its counterfactuals (``--what-if``), each in ``format``.

    CSV (as any other format registered for a Recommendation) is one table, the trace: a caller
    asking for another part in it is refused before (``ValueError`` here).
    """
    cf = list(counterfactuals) if counterfactuals is not None else None
    match format:
        case "json":
            payload = result.model_dump(mode="json")
            if cf is not None:
                payload["counterfactuals"] = [c.model_dump(mode="json") for c in cf]
            if robustness is not None:
                payload["robustness"] = robustness.model_dump(mode="json")
            return json.dumps(payload, indent=2)
        case "text" | "markdown":
            lines = [render_text(result, top=top) if format == "text" else render_markdown(result, top=top)]
            if robustness is not None:
                shown = robustness_text(robustness) if format == "text" else robustness_markdown(robustness)
                lines += ["", shown]
            if cf is not None and format == "text":
                lines += ["", f"{WHAT_IF_HEADING}:", *(f"  {render_counterfactual(c)}" for c in cf)]
            elif cf is not None:
                lines += ["", f"**{WHAT_IF_HEADING}**", "", *(f"- {render_counterfactual(c)}" for c in cf)]
            return "\n".join(lines)
        case "html":
            out = render_html(result)
            if robustness is not None:
                out += robustness_html(robustness)
            if cf is not None:
                items = "".join(f"<li>{html.escape(render_counterfactual(c))}</li>" for c in cf)
                out += f"<div><p><b>{WHAT_IF_HEADING}</b></p><ul>{items}</ul></div>"
            return out
        case _ if cf is None and robustness is None and ("Recommendation", format) in RENDERERS:
            return RENDERERS[("Recommendation", format)](result)  # CSV, and any format added later
    raise ValueError(f"format={format!r} cannot show these parts; valid: text, markdown, html, json")


renders("Recommendation", "text")(render_text)
renders("Recommendation", "markdown")(render_markdown)
renders("Recommendation", "html")(render_html)
renders("Recommendation", "csv")(render_csv)
renders("Recommendation", "json")(render_json)
renders("Counterfactual", "text")(render_counterfactual)
renders("Counterfactual", "json")(counterfactual_json)
