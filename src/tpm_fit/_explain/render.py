"""Rendering a Recommendation for people: plain text, Markdown and HTML."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .._analysis.robustness import firmness_line
from .._model.rulebook import Activation, AllOf, Levels, Ramp, Rulebook

if TYPE_CHECKING:
    from .._model.result import Recommendation, TraceStep

__all__ = ["describe_activation", "render_html", "render_markdown", "render_rulebook_table", "render_text"]

_HEADLINES = {
    "technical": "Hire a technical PM (engineering background).",
    "traditional": "Hire a traditional PM (business background).",
    "either": "Either background can work; weigh the candidates themselves.",
}


def _sides(result: Recommendation, top: int) -> tuple[list[TraceStep], list[TraceStep]]:
    fired = [step for step in result.trace if step.contribution != 0.0]
    pro = sorted((s for s in fired if s.contribution > 0), key=lambda s: -s.contribution)[:top]
    con = sorted((s for s in fired if s.contribution < 0), key=lambda s: s.contribution)[:top]
    return pro, con


def _profile_line(result: Recommendation) -> str:
    return ", ".join(
        f"{name}={getattr(value, 'value', value)}" for name, value in result.profile.__dict__.items()
    )


def _band(result: Recommendation) -> str:
    t = result.thresholds
    return f"technical at >= {t.technical_min:g}, traditional at <= {t.traditional_max:g}"


def render_text(result: Recommendation, *, top: int = 3) -> str:
    """Plain-text explanation: verdict, strongest reasons on each side, risks, provenance."""
    pro, con = _sides(result, top)
    faces = ", ".join(face.value for face in result.faces_to_cover)
    lines = [
        f"Verdict: {result.verdict.value.upper()} (score {result.score:+.2f}; {_band(result)})",
        _HEADLINES[result.verdict.value],
        f"Role shape: {result.role_shape.value}; the hire should own: {faces}.",
        f"Profile: {_profile_line(result)}",
        "",
        "For a technical PM:",
    ]
    lines.insert(2, firmness_line(result))  # under the headline; closed form, no sampling
    lines += [_step_line(step) for step in pro] or ["  (nothing fired)"]
    lines += ["", "For a traditional PM:"]
    lines += [_step_line(step) for step in con] or ["  (nothing fired)"]
    if result.risks:
        lines += ["", "Risks to manage:"]
        for risk in result.risks:
            lines.append(f"  ! {risk.title} [{risk.section}]: {risk.description}")
            lines.append(f"    Mitigation: {risk.mitigation}")
    lines += [
        "",
        f"Rulebook: {result.rulebook_name} {result.rulebook_version} "
        f"(sha256 {result.rulebook_fingerprint[:12]}); tpm_fit {result.library_version}.",
        "This is a recommendation for a person to weigh, not a decision.",
    ]
    return "\n".join(lines)


def _step_line(step: TraceStep) -> str:
    return (
        f"  {step.contribution:+.2f}  {step.title} "
        f"(weight {step.weight:g} x activation {step.activation:.2f}) [{step.section}]\n"
        f"         {step.reason}"
    )


def render_markdown(result: Recommendation, *, top: int = 3) -> str:
    """Markdown explanation with the full trace as a table."""
    pro, con = _sides(result, top)
    faces = ", ".join(face.value for face in result.faces_to_cover)
    out = [
        f"**Verdict: {result.verdict.value}** (score {result.score:+.2f}; {_band(result)})  ",
        f"{_HEADLINES[result.verdict.value]} Role shape: *{result.role_shape.value}*, owning {faces}.",
        "",
        "Strongest reasons: " + "; ".join(f"{s.title} ({s.contribution:+.2f})" for s in [*pro, *con]),
        "",
        "| factor | favours | weight | activation | contribution | section |",
        "|---|---|---:|---:|---:|---|",
    ]
    out[2:2] = ["", firmness_line(result, emphasis="*")]
    out += [
        f"| {s.title} | {s.favours.value} | {s.weight:g} | {s.activation:.2f} | "
        f"{s.contribution:+.2f} | {s.section} |"
        for s in result.trace
    ]
    if result.risks:
        out += ["", "**Risks**", ""]
        out += [f"- **{r.title}** ({r.section}): {r.description} *{r.mitigation}*" for r in result.risks]
    out += [
        "",
        f"<sub>Rulebook {result.rulebook_name} {result.rulebook_version}, "
        f"sha256 {result.rulebook_fingerprint[:12]}</sub>",
    ]
    return "\n".join(out)


def render_html(result: Recommendation) -> str:
    """HTML explanation for notebooks: a headline and the full trace as a table."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(s.title)}</td><td>{e(s.favours.value)}</td><td>{s.weight:g}</td>"
        f"<td>{s.activation:.2f}</td><td>{s.contribution:+.2f}</td><td>{e(s.section)}</td></tr>"
        for s in result.trace
    )
    risks = "".join(
        f"<li><b>{e(r.title)}</b> ({e(r.section)}): {e(r.description)} <i>{e(r.mitigation)}</i></li>"
        for r in result.risks
    )
    faces = ", ".join(face.value for face in result.faces_to_cover)
    return (
        f"<div><p><b>Verdict: {e(result.verdict.value)}</b> (score {result.score:+.2f}; "
        f"{e(_band(result))})<br>{e(_HEADLINES[result.verdict.value])} Role shape: "
        f"<i>{e(result.role_shape.value)}</i>, owning {e(faces)}.</p>"
        f"<p>{e(firmness_line(result))}</p>"
        "<table><thead><tr><th>factor</th><th>favours</th><th>weight</th><th>activation</th>"
        f"<th>contribution</th><th>section</th></tr></thead><tbody>{rows}</tbody></table>"
        + (f"<p><b>Risks</b></p><ul>{risks}</ul>" if risks else "")
        + f"<p><small>Rulebook {e(result.rulebook_name)} {e(result.rulebook_version)}, sha256 "
        f"{e(result.rulebook_fingerprint[:12])}</small></p></div>"
    )


def describe_activation(node: Activation) -> str:
    """A compact, human-readable description of an activation tree."""
    if isinstance(node, Ramp):
        points = ", ".join(f"{x:g}→{y:g}" for x, y in node.points)
        return f"ramp({node.input}: {points})"
    if isinstance(node, Levels):
        levels = ", ".join(f"{level} {value:g}" for level, value in node.values.items())
        return f"levels({node.input}: {levels})"
    terms = [describe_activation(term) for term in node.of]
    return " × ".join(terms) if isinstance(node, AllOf) else "any of (" + "; ".join(terms) + ")"


def render_rulebook_table(rulebook: Rulebook) -> str:
    """Markdown table of every factor: id, favours, weight, inputs, section, activation, reason."""
    lines = [
        "| id | favours | weight | inputs | article section | activation | reason |",
        "|---|---|---:|---|---|---|---|",
    ]
    for factor in rulebook.factors:
        inputs = ", ".join(sorted(factor.activation.inputs()))
        lines.append(
            f"| `{factor.id}` | {factor.favours.value} | {factor.weight:g} | {inputs} | {factor.section} "
            f"| {describe_activation(factor.activation)} | {factor.reason} |"
        )
    return "\n".join(lines)
