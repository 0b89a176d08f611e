"""Acceptability under uncertain weights (SMAA-2): how often each verdict wins when every
weight is multiplied by an independent uniform factor.

The score is linear in the weights, so each sampled weighting moves a result's score by
``sum_k c_k (u_k - 1)``: no rulebook and no re-scoring, only the result's trace and thresholds.
Verdicts come from the kernel's one rule (:func:`~tpm_fit._engine.kernel.verdict_codes_of`).
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Final

import numpy as np
from pydantic import Field

from .._engine.kernel import VERDICT_NAMES, verdict_codes_of
from .._errors import InvalidArgumentError, short
from .._model.frozen import Frozen as _Frozen
from .._model.result import Verdict
from .._verify.work import SAMPLE_BLOCK as _WORK_SAMPLE_BLOCK

if TYPE_CHECKING:
    from .._model.result import Recommendation

__all__ = ["MAX_SAMPLES", "VerdictShare"]

#: Most weight samples one call may draw (memory is bounded by drawing in blocks).
MAX_SAMPLES: Final = 10_000_000
#: Samples drawn per block (declared with the work model, which prices blocks beyond the cache);
#: fixed, so a seed gives the same draws whatever ``samples`` is split into.
SAMPLE_BLOCK: Final = _WORK_SAMPLE_BLOCK
#: Normal quantile for a two-sided 95% interval.
_Z95: Final = 1.959963984540054


#: Kept under its former name for code that imported it; the class is public now.
_InvalidArgumentError = InvalidArgumentError


class VerdictShare(_Frozen):
    """How often one verdict wins among the sampled weight vectors."""

    verdict: Verdict = Field(description="The verdict.")
    share: float = Field(description="Share of the sampled weight vectors that give this verdict.")
    count: int = Field(description="How many sampled weight vectors give it.")
    half_width: float = Field(
        description=(
            "Half-width of the Monte Carlo 95% interval of the share (normal approximation, "
            "1.96 * sqrt(share * (1 - share) / samples)); 0 when every sample agrees."
        )
    )


def _number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _check_arguments(spread: object, samples: object, seed: object) -> None:
    if not _number(spread) or not 0.0 <= float(spread) <= 1.0:  # type: ignore[arg-type]
        raise InvalidArgumentError(
            f"spread={short(spread)}: out of range; valid: a number from 0 to 1 (weights are "
            "multiplied by a factor in [1 - spread, 1 + spread] and must stay non-negative)"
        )
    if not _whole(samples) or not 1 <= int(samples) <= MAX_SAMPLES:  # type: ignore[call-overload]
        raise InvalidArgumentError(
            f"samples={short(samples)}: out of range; valid: a whole number from 1 to {MAX_SAMPLES:,}"
        )
    if not _whole(seed) or int(seed) < 0:  # type: ignore[call-overload]
        raise InvalidArgumentError(f"seed={short(seed)}: not a seed; valid: a whole number of at least 0")


def _acceptability(
    result: Recommendation, *, spread: float, samples: int, seed: int
) -> tuple[tuple[VerdictShare, ...], dict[str, float] | None]:
    t = result.thresholds
    contributions = np.array([step.contribution for step in result.trace], dtype=np.float64)
    weights = np.array([step.weight for step in result.trace], dtype=np.float64)
    keep = VERDICT_NAMES.index(result.verdict.value)
    rng = np.random.default_rng(seed)
    counts = np.zeros(3, dtype=np.int64)
    kept_sum = np.zeros(len(weights))
    for start in range(0, samples, SAMPLE_BLOCK):
        size = min(SAMPLE_BLOCK, samples - start)
        multipliers = rng.uniform(1.0 - spread, 1.0 + spread, size=(size, len(weights)))
        # score + sum_k c_k (u_k - 1): with spread=0 every u_k is exactly 1 and the score exact.
        scores = result.score + (multipliers - 1.0) @ contributions
        codes = verdict_codes_of(scores, t.technical_min, t.traditional_max)
        counts += np.bincount(codes, minlength=3)
        kept_sum += multipliers[codes == keep].sum(axis=0)
    shares = []
    for code, count in enumerate(counts.tolist()):
        share = count / samples
        shares.append(
            VerdictShare(
                verdict=Verdict(VERDICT_NAMES[code]),
                share=share,
                count=count,
                half_width=_Z95 * math.sqrt(share * (1.0 - share) / samples),
            )
        )
    kept = int(counts[keep])
    central = (
        {step.factor: float(w) for step, w in zip(result.trace, weights * (kept_sum / kept), strict=True)}
        if kept
        else None
    )
    return tuple(shares), central
