"""A Rulebook in every format (what ``tpm-fit rules`` prints, HTML, CSV, JSON, TOML) and the HTML
of a VerificationReport (the notebook displays, ``_repr_html_``).

Every string from a rulebook is HTML-escaped (a rulebook may come from anyone) and no number
is shown as ``-0``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .cells import csv_table, model_json
from .recommendation import _g, describe_activation, render_rulebook_table, signed
from .registry import renders

if TYPE_CHECKING:
    from .._model.rulebook import Rulebook
    from .._model.verification import SentenceCheck
    from .._verify.verifier import VerificationReport

__all__ = [
    "rendered_clause",
    "report_html",
    "rulebook_csv",
    "rulebook_html",
    "rulebook_text",
    "sentence_summary",
]


def _e(value: object) -> str:
    return html.escape(str(value))


def _number(value: float | None) -> str:
    return "" if value is None else f"{value + 0.0:.4g}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; cells are already escaped."""
    head = "".join(f"<th>{_e(name)}</th>" for name in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def rulebook_html(rulebook: Rulebook) -> str:
    """A rulebook as HTML: name, version, fingerprint, thresholds and one row per factor."""
    t = rulebook.thresholds
    rows = [
        (
            f"<code>{_e(f.id)}</code>",
            _e(f.favours.value),
            _number(f.weight),
            _e(", ".join(sorted(f.activation.inputs()))),
            _e(f.section),
            _e(describe_activation(f.activation)),
            _e(f.reason),
        )
        for f in rulebook.factors
    ]
    return (
        f"<div><p><b>{_e(rulebook.name)}</b> {_e(rulebook.version)} "
        f"<small>(sha256 {_e(rulebook.fingerprint[:12])})</small><br>"
        f"Technical at score &ge; {_number(t.technical_min)}, traditional at &le; "
        f"{_number(t.traditional_max)}; {len(rulebook.factors)} factors, {len(rulebook.axioms)} axioms, "
        f"{len(rulebook.risks)} risks.</p>"
        + _table(("id", "favours", "weight", "inputs", "article section", "activation", "reason"), rows)
        + "</div>"
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "<b>no</b>"


def _axiom_table(report: VerificationReport) -> str:
    return _table(
        ("axiom", "input", "direction", "holds", "pairs checked", "violating pairs"),
        (
            (
                _e(a.axiom),
                _e(a.input),
                _e(a.direction.value),
                _yes(a.holds),
                f"{a.pairs_checked:,}",
                f"{a.violating_pairs:,}",
            )
            for a in report.axioms
        ),
    )


def _verdict_table(report: VerificationReport) -> str:
    return _table(
        ("verdict", "reachable", "grid points", "share"),
        ((_e(v.verdict), _yes(v.reachable), f"{v.grid_points:,}", f"{v.share:.1%}") for v in report.verdicts),
    )


def _factor_table(report: VerificationReport) -> str:
    return _table(
        ("factor", "favours", "weight", "activation", "contribution", "fires"),
        (
            (
                f"<code>{_e(f.factor)}</code>",
                _e(f.favours.value),
                _number(f.weight),
                f"{_number(f.min_activation)} to {_number(f.max_activation)}",
                f"{signed(f.min_contribution)} to {signed(f.max_contribution)}",
                _yes(f.fires),
            )
            for f in report.factors
        ),
    )


def sentence_summary(check: SentenceCheck) -> str:
    """The sentence check in one line (the Markdown and HTML reports' wording)."""
    return (
        f"Sentences: {check.phrases_checked:,} fact-stating phrases over {check.profiles:,} profiles, "
        f"{check.false_phrases:,} false{rendered_clause(check)}."
    )


def rendered_clause(check: SentenceCheck) -> str:
    """How many kinds of advice had every rendering checked: all of them, or a sample (said as
    one, with how to check them all), so that a sample never reads as a full check."""
    if not check.renderings:
        return "; no rendering (explain, brief, counterfactuals) checked"
    said = "; every rendering (explain, brief, counterfactuals) checked"
    if check.kinds is None:
        return f"{said} for {check.renderings:,} profiles (a sample, or all: this report does not say)"
    if check.every_kind:
        return f"{said} for all {check.kinds:,} kinds of advice"
    return (
        f"{said} for a sample of {check.renderings:,} of {check.kinds:,} kinds of advice, not all "
        "(verify(renderings='all') or tpm-fit verify --renderings all checks every kind)"
    )


def report_html(report: VerificationReport) -> str:
    """A verification report as HTML: the outcome, every violation, axioms, verdicts, factors."""
    status = "all checks pass" if report.ok else f"{len(report.violations)} violation(s)"
    parts = [
        f"<div><p><b>{_e(report.rulebook_name)} {_e(report.rulebook_version)}: {_e(status)}</b> "
        f"<small>(sha256 {_e(report.rulebook_fingerprint[:12])}; {report.grid_points:,} grid points, "
        f"{report.evaluations:,} evaluations, {report.seconds:.2f} s)</small><br>"
        f"Scores range from {signed(report.score_min, 3)} to {signed(report.score_max, 3)}.</p>"
    ]
    if report.violations:
        parts.append(
            _table(
                ("check", "subject", "what is wrong"),
                ((_e(v.check), _e(v.subject), _e(v.message)) for v in report.violations),
            )
        )
    if report.sentences is not None:
        parts.append(f"<p>{_e(sentence_summary(report.sentences))}</p>")
    parts += [_axiom_table(report), _verdict_table(report), _factor_table(report)]
    return "".join(parts) + "</div>"


def rulebook_text(rulebook: Rulebook) -> str:
    """What ``tpm-fit rules`` prints: name, version and fingerprint, the factor table, the thresholds."""
    from .cells import printable

    t = rulebook.thresholds
    return (
        f"{printable(rulebook.name)} {printable(rulebook.version)} (sha256 {rulebook.fingerprint})\n\n"
        + render_rulebook_table(rulebook)
        + f"\n\nVerdict: technical at score >= {_g(t.technical_min)}, "
        f"traditional at <= {_g(t.traditional_max)}."
    )


#: The columns of a rulebook's factor table in CSV.
RULEBOOK_COLUMNS = ("id", "title", "favours", "weight", "inputs", "section", "activation", "reason")


def rulebook_csv(rulebook: Rulebook) -> str:
    """One row per factor: id, title, favours, weight, inputs (space-separated), section,
    activation and reason."""
    return csv_table(
        RULEBOOK_COLUMNS,
        (
            (
                f.id,
                f.title,
                f.favours.value,
                f.weight,
                " ".join(sorted(f.activation.inputs())),
                f.section,
                describe_activation(f.activation),
                f.reason,
            )
            for f in rulebook.factors
        ),
    )


def rulebook_toml(rulebook: Rulebook) -> str:
    """The rulebook as TOML (``Rulebook.from_toml`` reads it; needs ``tomli-w``)."""
    return rulebook.to_toml()


renders("Rulebook", "text")(rulebook_text)
renders("Rulebook", "markdown")(rulebook_text)
renders("Rulebook", "html")(rulebook_html)
renders("Rulebook", "csv")(rulebook_csv)
renders("Rulebook", "json")(model_json)
renders("Rulebook", "toml")(rulebook_toml)
