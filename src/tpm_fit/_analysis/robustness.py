"""How firm is a verdict: a result's weight-flip margins (:mod:`.margins`) and acceptability under
uncertain weights (:mod:`.acceptability`) together, and their words; rulebook sensitivity lives in
:mod:`.sensitivity`. Every name this module had before the split is still importable from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from pydantic import Field

from .._engine.kernel import VERDICT_NAMES
from .._model.frozen import Frozen as _Frozen
from .._model.result import Verdict
from .._model.rulebook import Rulebook
from .._verify.work import DEFAULT_MAX_WORK, check_work, robustness_work
from .acceptability import MAX_SAMPLES, VerdictShare, _acceptability, _check_arguments
from .margins import (
    NearestFlip,
    WeightChange,
    WeightMargin,
    _checked_targets,
    _nearest_flip,
    _targets,
    _verdict_code,
    _weight_margin,
    batch_margins,
    margin_of,
)
from .sensitivity import FactorSensitivity, SensitivityReport, rulebook_sensitivity

if TYPE_CHECKING:
    from .._model.result import Recommendation

__all__ = [
    "MAX_SAMPLES",
    "FactorSensitivity",
    "NearestFlip",
    "Robustness",
    "SensitivityReport",
    "VerdictShare",
    "WeightChange",
    "WeightMargin",
    "batch_margins",
    "firmness_line",
    "margin_of",
    "robustness",
    "rulebook_sensitivity",
]

#: Below this margin (10% of one weight) the verdict is called a close call.
_CLOSE_CALL: Final = 0.1


class Robustness(_Frozen):
    """How firm a verdict is against changes of the rulebook's weights.

    Built by :meth:`tpm_fit.Recommendation.robustness`; see ``docs/robustness.md``.
    """

    verdict: Verdict = Field(description="The verdict analysed.")
    score: float = Field(description="Its score.")
    margins: tuple[WeightMargin, ...] = Field(description="One entry per factor, in rulebook order.")
    margin: float | None = Field(
        description=(
            "Smallest absolute relative_change over the factors: the fraction of its weight that the "
            "most fragile factor may gain or lose. None when no single weight can flip the verdict."
        )
    )
    margin_factor: str | None = Field(
        description="The factor that achieves margin (the first in rulebook order on a tie)."
    )
    nearest_flip: NearestFlip | None = Field(
        description="The smallest total weight change that flips the verdict; None if none can."
    )
    acceptability: tuple[VerdictShare, ...] = Field(
        description="Per verdict (traditional, either, technical), its share of the sampled weightings."
    )
    central_weights: dict[str, float] | None = Field(
        description=(
            "Mean weight vector over the samples that keep the verdict (SMAA-2 central weights), "
            "factor id to weight; None when no sample keeps it."
        )
    )
    spread: float = Field(
        description="Each weight was multiplied by an independent uniform factor in [1 - spread, 1 + spread]."
    )
    samples: int = Field(description="Number of weight vectors sampled.")
    seed: int = Field(description="Seed of numpy's default generator: the same seed gives the same figures.")
    rulebook_fingerprint: str = Field(description="sha256 fingerprint of the rulebook of the result.")

    def share(self, verdict: Verdict | str) -> float:
        """Acceptability of one verdict: the share of sampled weightings that give it.

        Parameters
        ----------
        verdict : Verdict or str
            ``"technical"``, ``"traditional"`` or ``"either"``.

        Returns
        -------
        float
        """
        wanted = Verdict(verdict)
        return next(item.share for item in self.acceptability if item.verdict is wanted)

    def to_text(self) -> str:
        """The analysis as plain text (what ``tpm-fit recommend --robustness`` prints)."""
        return _render(self)

    def __str__(self) -> str:
        return self.to_text()


def robustness(
    result: Recommendation,
    *,
    spread: float = 0.5,
    samples: int = 10_000,
    seed: int = 0,
    rulebook: Rulebook | None = None,
    max_work: int = DEFAULT_MAX_WORK,
) -> Robustness:
    """How firm ``result``'s verdict is against changes of the weights.

    Uses only the result's trace, score and thresholds; see
    :meth:`tpm_fit.Recommendation.robustness` for the parameters. ``max_work`` bounds the
    sampling's predicted work (see ``docs/performance.md``); above it, a ``RulebookError``.
    """
    _check_arguments(spread, samples, seed)
    samples, seed, spread = int(samples), int(seed), float(spread)
    check_work(
        "robustness",
        robustness_work(len(result.trace), samples),
        max_work,
        f"{samples:,} samples x {len(result.trace)} factors",
        flag="tpm-fit recommend --robustness --max-work N",
    )
    if rulebook is not None:
        result.used_rulebook(rulebook=rulebook)  # refuses a rulebook with another fingerprint
    targets = _checked_targets(result)
    margins = tuple(_weight_margin(step, targets) for step in result.trace)
    t = result.thresholds
    margin, index = margin_of(
        [step.contribution for step in result.trace],
        result.score,
        technical_min=t.technical_min,
        traditional_max=t.traditional_max,
    )
    acceptability, central = _acceptability(result, spread=float(spread), samples=samples, seed=seed)
    return Robustness(
        verdict=result.verdict,
        score=result.score,
        margins=margins,
        margin=margin if index >= 0 else None,
        margin_factor=result.trace[index].factor if index >= 0 else None,
        nearest_flip=_nearest_flip(result, targets),
        acceptability=acceptability,
        central_weights=central,
        spread=float(spread),
        samples=samples,
        seed=seed,
        rulebook_fingerprint=result.rulebook_fingerprint,
    )


# -- words ------------------------------------------------------------------------------------


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


def _render(robust: Robustness) -> str:
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
