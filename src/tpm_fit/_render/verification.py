"""A verification report: text (what ``tpm-fit verify`` prints), Markdown, CSV (the factor table) and
JSON; its HTML is in :mod:`.tables`."""

from __future__ import annotations

from collections.abc import Sequence

from .._engine.kernel import INPUT_NAMES
from .._model.guidance_report import GuidanceReport
from .._model.profile import ORDERED_INPUTS, OrgProfile
from .._model.verification import Label, VerdictRegion, VerificationReport, Violation
from .cells import csv_table, markdown_table, model_json
from .registry import renders
from .tables import rendered_clause, report_html, sentence_summary

__all__ = [
    "guidance_text",
    "render_report",
    "report_csv",
    "report_markdown",
    "violation_lines",
]


def _label(profile: OrgProfile, name: str) -> Label:
    value = getattr(profile, name)
    return value.value if name in ORDERED_INPUTS else int(value)


def _profile_text(profile: OrgProfile) -> str:
    return ", ".join(f"{name}={_label(profile, name)}" for name in INPUT_NAMES)


def _values_text(values: Sequence[Label]) -> str:
    return ", ".join(f"{v:,}" if isinstance(v, int) else v for v in values)


def render_report(report: VerificationReport) -> str:
    """The report as plain text: grid, thresholds, axioms, seat, verdicts, factors, violations."""
    status = "OK" if report.ok else f"{len(report.violations)} VIOLATION(S)"
    lines = [
        f"Rulebook {report.rulebook_name!r} {report.rulebook_version} "
        f"(fingerprint {report.rulebook_fingerprint[:12]}): {status}",
        f"Checked exactly over {report.grid_points:,} grid points ({report.evaluations:,} kernel "
        f"evaluations) in {report.seconds:.3f} s; score tolerance {report.tolerance:.2g}.",
        *_grid_lines(report),
        "",
        f"Thresholds: {'ok' if report.thresholds_ordered else 'NOT ORDERED'}",
        f"Score range over every profile: {report.score_min:+.4g} to {report.score_max:+.4g}",
        *_axiom_lines(report),
        *_seat_lines(report),
        *_claim_lines(report),
        *_sentence_lines(report),
        *_verdict_lines(report),
        *_factor_lines(report),
    ]
    if report.violations:
        lines += ["", "Violations:", *violation_lines(report.violations)]
    if report.guidance is not None:
        lines += ["", guidance_text(report.guidance)]
    return "\n".join(lines)


def _grid_lines(report: VerificationReport) -> list[str]:
    lines = ["", "Grid (breakpoints and range ends; these decide every profile, see docs/verification.md):"]
    for axis in report.grid:
        if axis.read_by:
            lines.append(f"  {axis.input}: {_values_text(axis.values)}")
        else:
            lines.append(f"  {axis.input}: not read by any rule (nothing depends on it)")
    return lines


def _mark(ok: bool) -> str:
    return "ok  " if ok else "FAIL"


def _axiom_lines(report: VerificationReport) -> list[str]:
    lines = ["", "Axioms:"]
    if not report.axioms:
        lines.append("  (the rulebook declares none)")
    for axiom in report.axioms:
        detail = (
            f"{axiom.pairs_checked:,} pairs, smallest change {axiom.min_change:+.4g}"
            if axiom.min_change is not None
            else "input not read: holds trivially"
        )
        lines.append(
            f"  {_mark(axiom.holds)} {axiom.axiom} ({axiom.input} {axiom.direction.value}): {detail}"
        )
    return lines


def _seat_lines(report: VerificationReport) -> list[str]:
    if not report.seat_axioms:
        return []
    lines = ["", "Seat:"]
    for axiom in report.seat_axioms:
        lines.append(
            f"  {_mark(axiom.holds)} {axiom.axiom} ({axiom.property.value}): "
            f"{axiom.cases_checked:,} cases, {axiom.violating_cases:,} broken"
        )
    return lines


def _claim_lines(report: VerificationReport) -> list[str]:
    if not report.verdict_axioms:
        return []
    lines = ["", "The article's firm claims (verdict and seat axioms):"]
    for axiom in report.verdict_axioms:
        lines.append(
            f"  {_mark(axiom.holds)} {axiom.axiom} [{axiom.section}]: "
            f"{axiom.cases_checked:,} cases, {axiom.violating_cases:,} broken"
        )
    return lines


def _sentence_lines(report: VerificationReport) -> list[str]:
    check = report.sentences
    if check is None:
        return []
    return [
        "",
        f"Sentences: {_mark(not check.false_phrases)} {check.phrases_checked:,} fact-stating phrases "
        f"over {check.profiles:,} profiles, {check.false_phrases:,} false" + rendered_clause(check),
    ]


def _region_lines(region: VerdictRegion) -> list[str]:
    """One verdict's reachability: where, an example profile, and the inputs it needs."""
    if not region.reachable:
        return [f"  FAIL {region.verdict.value}: unreachable"]
    on_grid = region.found_on == "grid_point"
    where = (
        f"{region.grid_points:,} grid points ({region.share:.1%})" if on_grid else "only between grid points"
    )
    lines = [f"  ok   {region.verdict.value}: reachable, {where}"]
    if region.witness is not None and region.witness_score is not None:
        lines.append(f"         e.g. {_profile_text(region.witness)} (score {region.witness_score:+.4g})")
    pinned = [span for span in region.inputs if not span.unrestricted]
    if pinned and on_grid:
        lines.append(
            "         only with "
            + "; ".join(f"{span.input} in {{{_values_text(span.values)}}}" for span in pinned)
        )
    return lines


def _verdict_lines(report: VerificationReport) -> list[str]:
    return ["", "Verdicts:", *(line for region in report.verdicts for line in _region_lines(region))]


def _factor_lines(report: VerificationReport) -> list[str]:
    lines = ["", "Factors (activation range; contribution range):"]
    for factor in report.factors:
        note = " (weight 0: disabled)" if factor.weight == 0 else ""
        lines.append(
            f"  {_mark(factor.fires and factor.bounded)} {factor.factor}: "
            f"{factor.min_activation + 0.0:.3g} to {factor.max_activation:.3g}; "
            f"{factor.min_contribution + 0.0:+.3g} to {factor.max_contribution + 0.0:+.3g}{note}"
        )
    return lines


def violation_lines(violations: Sequence[Violation]) -> list[str]:
    """Numbered lines describing violations and their counterexamples (shared with testing)."""
    lines = []
    for number, violation in enumerate(violations, start=1):
        lines.append(f"  {number}. [{violation.check}] {violation.subject}: {violation.message}")
        for label, profile, score in (
            ("before:", violation.before, violation.score_before),
            ("after: ", violation.after, violation.score_after),
        ):
            if profile is not None:
                shown = f" (score {score:+.6g})" if score is not None else ""
                lines.append(f"     {label} {_profile_text(profile)}{shown}")
    return lines


def guidance_text(report: GuidanceReport) -> str:
    """The guidance checks as plain text (a section of ``tpm-fit verify``'s output)."""
    head = (
        f"Guidance {report.guidance_name} {report.guidance_version}: {report.responsibilities} "
        f"responsibilities, {report.qualifications} qualifications, {report.competencies} competencies: "
        + ("OK" if report.ok else f"{len(report.problems)} problem(s)")
    )
    return "\n".join([head, *(f"  [{p.check}] {p.message} @ {p.location}" for p in report.problems)])


#: The columns of the factor table in CSV.
FACTOR_COLUMNS = (
    "factor",
    "favours",
    "weight",
    "min_activation",
    "max_activation",
    "min_contribution",
    "max_contribution",
    "fires",
    "bounded",
)


def report_csv(report: VerificationReport) -> str:
    """The factor table as CSV: one row per factor, ranges unrounded (the outcome: JSON or text)."""
    return csv_table(
        FACTOR_COLUMNS,
        (
            (
                f.factor,
                f.favours.value,
                f.weight,
                f.min_activation,
                f.max_activation,
                f.min_contribution,
                f.max_contribution,
                f.fires,
                f.bounded,
            )
            for f in report.factors
        ),
    )


def report_markdown(report: VerificationReport) -> str:
    """The report as Markdown: the outcome, then axioms, verdicts, factors and violations as tables."""
    head, checked = render_report(report).splitlines()[:2]
    parts = [f"**{head}**  ", checked, ""]
    if report.violations:
        parts += [
            "Violations:",
            "",
            markdown_table(
                ("check", "subject", "what is wrong"),
                ((v.check, v.subject, v.message) for v in report.violations),
            ),
            "",
        ]
    parts += [
        markdown_table(
            ("axiom", "input", "direction", "holds", "pairs checked"),
            (
                (a.axiom, a.input, a.direction.value, "yes" if a.holds else "**no**", f"{a.pairs_checked:,}")
                for a in report.axioms
            ),
            right=(4,),
        ),
        *_seat_and_claim_tables(report),
        markdown_table(
            ("verdict", "reachable", "grid points", "share"),
            (
                (v.verdict.value, "yes" if v.reachable else "**no**", f"{v.grid_points:,}", f"{v.share:.1%}")
                for v in report.verdicts
            ),
            right=(2, 3),
        ),
        "",
        markdown_table(
            ("factor", "activation", "contribution", "ok"),
            (
                (
                    f.factor,
                    f"{f.min_activation + 0.0:.3g} to {f.max_activation:.3g}",
                    f"{f.min_contribution + 0.0:+.3g} to {f.max_contribution + 0.0:+.3g}",
                    "yes" if f.fires and f.bounded else "**no**",
                )
                for f in report.factors
            ),
        ),
    ]
    if report.guidance is not None:
        parts += ["", "```", guidance_text(report.guidance), "```"]
    return "\n".join(parts)


def _yes(holds: bool) -> str:
    return "yes" if holds else "**no**"


def _seat_and_claim_tables(report: VerificationReport) -> list[str]:
    """The seat axioms, the article's firm claims and the sentence check, where the report has them."""
    parts = [""]
    if report.seat_axioms:
        rows = [
            (a.axiom, a.property.value, _yes(a.holds), f"{a.cases_checked:,}", f"{a.violating_cases:,}")
            for a in report.seat_axioms
        ]
        parts += [
            markdown_table(("seat axiom", "property", "holds", "cases", "broken"), rows, right=(3, 4)),
            "",
        ]
    if report.verdict_axioms:
        rows = [
            (a.axiom, a.section, _yes(a.holds), f"{a.cases_checked:,}", f"{a.violating_cases:,}")
            for a in report.verdict_axioms
        ]
        parts += [markdown_table(("claim", "section", "holds", "cases", "broken"), rows, right=(3, 4)), ""]
    if report.sentences is not None:
        check = report.sentences
        parts += [sentence_summary(check), ""]
    return parts


renders("VerificationReport", "text")(render_report)
renders("VerificationReport", "markdown")(report_markdown)
renders("VerificationReport", "csv")(report_csv)
renders("VerificationReport", "json")(model_json)
renders("VerificationReport", "html")(report_html)
