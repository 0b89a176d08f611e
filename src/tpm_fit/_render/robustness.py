"""How firm a verdict is, in words: the firmness line of an explanation and the robustness
analysis as text, Markdown, HTML, CSV (the margin table) and JSON."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Final

from .._analysis.margins import WeightMargin, _targets, _verdict_code, _weight_margin, margin_of
from .._engine.kernel import VERDICT_NAMES
from .._model.vocab import Verdict
from .cells import csv_table, html_table, markdown_table
from .registry import renders

if TYPE_CHECKING:
    from .._analysis.robustness import Robustness
    from .._model.result import Recommendation

__all__ = ["firmness_line", "robustness_csv", "robustness_html", "robustness_markdown", "robustness_text"]

#: Below this margin (10% of one weight) the verdict is called a close call.
_CLOSE_CALL: Final = 0.1


def _percent(fraction: float) -> str:
    return f"{fraction:.0%}" if fraction >= _CLOSE_CALL or fraction == 0.0 else f"{fraction * 100:.2g}%"


def _single_weight_phrase(result: Recommendation, margin: WeightMargin, *, emphasis: str = "") -> str:
    assert margin.relative_change is not None
    assert margin.to_verdict is not None
    change = margin.relative_change
    verb = "loses" if change < 0 else "gains"
    title = f"{emphasis}{margin.title}{emphasis}"
    amount = f"{_percent(abs(change))} of its weight"
    if result.verdict is Verdict.EITHER:
        return f"turns {margin.to_verdict.value} if {title} {verb} {amount}"
    return f"holds unless {title} {verb} {amount}, which gives {margin.to_verdict.value}"


def firmness_line(result: Recommendation, *, emphasis: str = "") -> str:
    """One line on how firm the verdict is, from the closed-form margins only (no sampling).

    Parameters
    ----------
    result : Recommendation
        The result to describe.
    emphasis : str, optional
        Put around the factor's title, e.g. ``"*"`` for Markdown.
    """
    t = result.thresholds
    if VERDICT_NAMES[_verdict_code(result.score, t.technical_min, t.traditional_max)] != result.verdict.value:
        return "Firmness: unknown, because the verdict does not follow from the recorded score."
    targets = _targets(result.score, t.technical_min, t.traditional_max)
    margin, index = margin_of(
        [step.contribution for step in result.trace],
        result.score,
        technical_min=t.technical_min,
        traditional_max=t.traditional_max,
    )
    if index < 0:
        return "Firmness: no change to one factor alone can flip this verdict."
    phrase = _single_weight_phrase(result, _weight_margin(result.trace[index], targets), emphasis=emphasis)
    close = "close call: " if margin < _CLOSE_CALL else ""
    # Worded without "weight " so that counting trace lines in the text stays simple.
    return f"Firmness: {close}{phrase}; no smaller change to a single factor does."


def _headline(robust: Robustness) -> str:
    own = robust.share(robust.verdict)
    others = sorted(
        (item for item in robust.acceptability if item.verdict is not robust.verdict), key=lambda i: -i.share
    )
    rival = others[0]
    if rival.share >= 0.2:
        return f"close call: {rival.share:.0%} of plausible weightings say {rival.verdict.value}"
    if own >= 0.95:
        return f"firm: {own:.1%} of plausible weightings agree"
    return f"fairly firm: {own:.0%} of plausible weightings agree"


def _one_weight_line(robust: Robustness) -> str:
    """The smallest change to one weight that flips the verdict, if any."""
    if robust.margin_factor is None or robust.margin is None:
        return "  One weight: no change to a single weight can flip this verdict."
    margin = next(m for m in robust.margins if m.factor == robust.margin_factor)
    assert margin.flip_weight is not None
    assert margin.to_verdict is not None
    return (
        f"  One weight: {margin.factor} {margin.weight:g} -> {margin.flip_weight:.4g} "
        f"({margin.relative_change:+.1%}) gives {margin.to_verdict.value}."
    )


def _all_weights_line(robust: Robustness) -> str:
    """The nearest set of non-negative weights that flips the verdict, if any."""
    flip = robust.nearest_flip
    if flip is None:
        return "  All weights: no non-negative weights flip this verdict."
    moved = ", ".join(f"{c.factor} {c.weight:g} -> {c.new_weight:.4g}" for c in flip.changes) or "none"
    return (
        f"  All weights: a total change of {flip.distance:.4g} ({moved}) reaches "
        f"{flip.threshold:g}, then {flip.to_verdict.value}."
    )


def _margin_row(m: WeightMargin) -> str:
    """One factor's row of the margin table."""
    if m.flip_weight is None:
        return f"  {m.factor:<40} {m.weight:>7g} {'never':>9}"
    change = f"{m.relative_change:+.1%}" if m.relative_change is not None else "n/a"
    to = m.to_verdict.value if m.to_verdict is not None else ""
    return f"  {m.factor:<40} {m.weight:>7g} {m.flip_weight:>9.4g} {change:>8}  {to}"


def robustness_text(robust: Robustness) -> str:
    """The analysis as plain text (what ``tpm-fit recommend --robustness`` prints)."""
    shares = ", ".join(
        f"{item.verdict.value} {item.share:.1%} (±{item.half_width:.1%})" for item in robust.acceptability
    )
    lines = [
        f"How firm is the verdict ({robust.verdict.value}, score {robust.score:+.2f})? {_headline(robust)}.",
        _one_weight_line(robust),
        _all_weights_line(robust),
        f"  Acceptability (each weight x uniform [{1 - robust.spread:g}, {1 + robust.spread:g}], "
        f"{robust.samples:,} samples, seed {robust.seed}): {shares}.",
        "",
        f"  {'factor':<40} {'weight':>7} {'flips at':>9} {'change':>8}  to",
        *(_margin_row(m) for m in robust.margins),
    ]
    if robust.central_weights is not None:
        central = ", ".join(f"{factor} {w:.3g}" for factor, w in robust.central_weights.items())
        lines += ["", f"  Central weights (mean over samples keeping the verdict): {central}."]
    return "\n".join(lines)


#: The columns of the margin table, one row per factor.
MARGIN_COLUMNS: Final = ("factor", "title", "weight", "flip_weight", "relative_change", "to_verdict")


def _margin_cells(robust: Robustness) -> list[tuple[str, str, float, float | None, float | None, str | None]]:
    return [
        (
            m.factor,
            m.title,
            m.weight,
            m.flip_weight,
            m.relative_change,
            m.to_verdict.value if m.to_verdict is not None else None,
        )
        for m in robust.margins
    ]


def _summary_lines(robust: Robustness) -> list[str]:
    """The headline, the nearest flips and the acceptability shares (the text's first lines)."""
    return robustness_text(robust).split("\n\n", 1)[0].splitlines()


def robustness_markdown(robust: Robustness) -> str:
    """The analysis as Markdown: the summary lines, then the margin table."""
    lines = [line.strip() + "  " for line in _summary_lines(robust)]
    table = markdown_table(
        ("factor", "weight", "flips at", "change", "to"),
        (
            (
                m.factor,
                f"{m.weight:g}",
                "never" if m.flip_weight is None else f"{m.flip_weight:.4g}",
                "" if m.relative_change is None else f"{m.relative_change:+.1%}",
                "" if m.to_verdict is None else m.to_verdict.value,
            )
            for m in robust.margins
        ),
        right=(1, 2, 3),
    )
    return "\n".join(["**" + lines[0].strip() + "**", *lines[1:], "", table])


def robustness_html(robust: Robustness) -> str:
    """The analysis as an HTML fragment: the summary lines, then the margin table."""
    lines = [html.escape(line.strip()) for line in _summary_lines(robust)]
    return (
        f"<div><p><b>{lines[0]}</b><br>"
        + "<br>".join(lines[1:])
        + "</p>"
        + html_table(MARGIN_COLUMNS, _margin_cells(robust))
        + "</div>"
    )


def robustness_csv(robust: Robustness) -> str:
    """The margin table as CSV, one row per factor (an empty flip_weight: no weight flips it)."""
    return csv_table(MARGIN_COLUMNS, _margin_cells(robust))


def robustness_json(robust: Robustness) -> str:
    """The analysis as JSON (``Robustness.model_validate_json`` reads it)."""
    return robust.model_dump_json(indent=2)


renders("Robustness", "text")(robustness_text)
renders("Robustness", "markdown")(robustness_markdown)
renders("Robustness", "html")(robustness_html)
renders("Robustness", "csv")(robustness_csv)
renders("Robustness", "json")(robustness_json)
