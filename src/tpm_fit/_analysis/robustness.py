"""How firm is a verdict: a result's weight-flip margins (:mod:`.margins`) and acceptability under
uncertain weights (:mod:`.acceptability`) together; their words live in
:mod:`tpm_fit._render.robustness`, rulebook sensitivity in :mod:`.sensitivity`. Every name this
module had before the split (but the words) is still importable from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

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
    "margin_of",
    "robustness",
    "rulebook_sensitivity",
]


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
        from .._render import render

        return render(self, "text")

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
