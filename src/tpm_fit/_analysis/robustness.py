"""How firm is a verdict: exact weight-flip margins, acceptability under uncertain weights, and
rulebook sensitivity.

The score is linear in the weights: ``score = sum_k s_k * w_k * a_k`` with ``s_k = +1`` for a
factor favouring a technical PM, ``-1`` otherwise, and ``a_k`` the factor's activation. Every
figure here follows from a result's trace and thresholds alone (no rulebook, no re-scoring):

- a factor's *margin* is the relative change of its weight that moves the score onto the nearest
  threshold it can reach, ``(threshold - score) / contribution``; it equals
  ``(flip_weight - weight) / weight``;
- the *nearest flip* moves several weights at once, as little as possible in total (L1); for a
  target threshold this is a fractional knapsack, solved exactly by a greedy pass;
- *acceptability* samples independent uniform weight multipliers (SMAA-2) and counts verdicts;
- *sensitivity* moves one weight of a rulebook by ``±delta`` over the verification grid.

:func:`margin_of` (one profile, plain Python floats) and :func:`batch_margins` (numpy, many rows)
are twins: the same IEEE operations in the same order, so they agree bit for bit (checked by a
property test). The derivations are in ``docs/robustness.md``.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from .._engine.kernel import VERDICT_NAMES, CompiledRulebook, compile_rulebook
from .._errors import InvalidArgumentError, RulebookError, TpmFitError, short
from .._model.result import Verdict
from .._model.rulebook import Favours, Rulebook
from .._verify.work import DEFAULT_MAX_WORK, check_work, robustness_work, sensitivity_work

if TYPE_CHECKING:
    from .._model.result import Recommendation, TraceStep

__all__ = [
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

#: Most weight samples one call may draw (memory is bounded by drawing in blocks).
MAX_SAMPLES: Final = 10_000_000
#: Samples drawn per block; fixed, so a seed gives the same draws whatever ``samples`` is split into.
_SAMPLE_BLOCK: Final = 100_000
#: Normal quantile for a two-sided 95% interval.
_Z95: Final = 1.959963984540054
#: Verdict codes, as in the kernel: indices into ``VERDICT_NAMES``.
_TRADITIONAL, _EITHER, _TECHNICAL = 0, 1, 2
#: Below this margin (10% of one weight) the verdict is called a close call.
_CLOSE_CALL: Final = 0.1


#: Kept under its former name for code that imported it; the class is public now.
_InvalidArgumentError = InvalidArgumentError


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WeightMargin(_Frozen):
    """How far one factor's weight can move, all other weights fixed, before the verdict changes."""

    factor: str = Field(description="The factor's id in the rulebook.")
    title: str = Field(description="The factor's short name.")
    weight: float = Field(description="The factor's weight now.")
    flip_weight: float | None = Field(
        description=(
            "The weight at which the verdict changes, every other weight fixed: the boundary "
            "itself, where the score meets a threshold (the verdict there is the one the "
            "thresholds give at equality: technical at technical_min, traditional at "
            "traditional_max). None when no non-negative weight changes the verdict."
        )
    )
    relative_change: float | None = Field(
        description=(
            "(flip_weight - weight) / weight, computed as (threshold - score) / contribution; "
            "negative when the weight must shrink. None when there is no flip or the weight is 0."
        )
    )
    to_verdict: Verdict | None = Field(
        description="The verdict just past flip_weight; None when there is no flip."
    )


class WeightChange(_Frozen):
    """One weight moved by the nearest flip."""

    factor: str = Field(description="The factor's id in the rulebook.")
    weight: float = Field(description="The factor's weight now.")
    new_weight: float = Field(description="Its weight at the nearest flip (never negative).")


class NearestFlip(_Frozen):
    """The smallest total weight change (L1 norm, weights kept non-negative) that flips the verdict."""

    distance: float = Field(
        description="Sum of the absolute weight changes; no smaller total change flips the verdict."
    )
    changes: tuple[WeightChange, ...] = Field(
        description="The weights moved (those with a non-zero change), largest activation first."
    )
    to_verdict: Verdict = Field(description="The verdict just past the moved weights.")
    threshold: float = Field(
        description=(
            "The threshold the moved weights bring the score to. At the threshold itself a "
            "technical or traditional verdict still holds and any further move flips it; from "
            "'either', the threshold already gives the new verdict."
        )
    )


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


class FactorSensitivity(_Frozen):
    """How many grid profiles change verdict when one factor's weight moves by ``±delta``."""

    factor: str = Field(description="The factor's id.")
    title: str = Field(description="The factor's short name.")
    weight: float = Field(description="The factor's weight.")
    share_changed: float = Field(
        description="Share of grid points whose verdict changes with weight * (1 + delta) or * (1 - delta)."
    )
    share_changed_up: float = Field(description="Share whose verdict changes with weight * (1 + delta).")
    share_changed_down: float = Field(description="Share whose verdict changes with weight * (1 - delta).")
    points_changed: int = Field(description="Grid points counted in share_changed.")


class SensitivityReport(_Frozen):
    """Per factor, how often a relative weight change of ``delta`` changes a verdict on the grid.

    Grid points are the breakpoints of the rulebook's ramps crossed with every level (the grid
    of :meth:`tpm_fit.Rulebook.verify`), each counted once: they are not a population of
    organisations, and a share says how much of the grid, not of the world, is affected.
    """

    rulebook_name: str = Field(description="Name of the rulebook analysed.")
    rulebook_version: str = Field(description="Version of the rulebook analysed.")
    rulebook_fingerprint: str = Field(description="sha256 fingerprint of the rulebook analysed.")
    delta: float = Field(description="Relative weight change applied to one factor at a time.")
    grid_points: int = Field(description="Number of grid points (profiles) evaluated.")
    factors: tuple[FactorSensitivity, ...] = Field(description="One entry per factor, in rulebook order.")
    share_any: float = Field(
        description="Share of grid points whose verdict changes for at least one factor's move."
    )
    seconds: float = Field(description="Wall-clock time the analysis took.")

    def to_text(self) -> str:
        """The report as plain text (what ``tpm-fit sensitivity`` prints)."""
        lines = [
            f"Rulebook {self.rulebook_name!r} {self.rulebook_version} "
            f"(fingerprint {self.rulebook_fingerprint[:12]}): each weight moved by ±{self.delta:.0%}, "
            "one at a time",
            f"over the {self.grid_points:,} points of the verification grid, in {self.seconds:.3f} s. "
            "Grid points are not a population: shares are of the grid, not of organisations.",
            "",
            f"{'factor':<40} {'weight':>7} {'changed':>8} {'+delta':>8} {'-delta':>8}",
        ]
        for item in sorted(self.factors, key=lambda f: -f.share_changed):
            lines.append(
                f"{item.factor:<40} {item.weight:>7g} {item.share_changed:>8.1%} "
                f"{item.share_changed_up:>8.1%} {item.share_changed_down:>8.1%}"
            )
        lines += ["", f"Any factor: {self.share_any:.1%} of the grid points change verdict."]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


# -- targets: which threshold each verdict can move to ------------------------------------------


@dataclass(frozen=True, slots=True)
class _Targets:
    """Score changes that reach a threshold, nearest first, and whether the boundary is excluded."""

    near: float  # threshold - score
    near_threshold: float
    near_code: int  # the verdict just past the threshold
    far: float | None  # only from "either", which has a threshold on each side
    far_threshold: float
    far_code: int
    strict: bool  # technical/traditional: the boundary keeps the verdict, so a flip must pass it
    direction: float  # sign of the score change towards the near threshold (+1 up, -1 down)


def _verdict_code(score: float, technical_min: float, traditional_max: float) -> int:
    if score >= technical_min:
        return _TECHNICAL
    if score <= traditional_max:
        return _TRADITIONAL
    return _EITHER


def _targets(score: float, technical_min: float, traditional_max: float) -> _Targets:
    up = technical_min - score
    down = traditional_max - score
    code = _verdict_code(score, technical_min, traditional_max)
    if code == _TECHNICAL:
        return _Targets(up, technical_min, _EITHER, None, math.nan, _EITHER, strict=True, direction=-1.0)
    if code == _TRADITIONAL:
        return _Targets(down, traditional_max, _EITHER, None, math.nan, _EITHER, strict=True, direction=1.0)
    if abs(up) <= abs(down):  # a tie goes to technical
        return _Targets(
            up, technical_min, _TECHNICAL, down, traditional_max, _TRADITIONAL, strict=False, direction=1.0
        )
    return _Targets(
        down, traditional_max, _TRADITIONAL, up, technical_min, _TECHNICAL, strict=False, direction=-1.0
    )


def _relative_change(contribution: float, targets: _Targets) -> tuple[float, bool] | None:
    """Relative weight change onto a threshold, and whether it is the near one; None if none.

    Scaling a weight by ``1 + r`` moves the score by ``r * contribution``. A factor that pushes
    the score towards the near threshold can always get there (``r >= 0``); one that pushes it
    away must shrink, and a weight cannot go below 0 (``r >= -1``), so it reaches the threshold
    only if ``|contribution| >= |needed|``, strictly for technical and traditional, where the
    threshold itself keeps the verdict. From "either", a factor that cannot reach the near
    threshold by shrinking reaches the far one by growing.
    """
    if contribution == 0.0:
        return None
    size = abs(contribution)
    distance = abs(targets.near)
    towards = (contribution > 0.0) == (targets.near > 0.0)
    if towards or size > distance or (not targets.strict and size == distance):
        return targets.near / contribution, True
    if targets.far is None:
        return None
    return targets.far / contribution, False


def _away_reaches(away: float, distance: float, targets: _Targets) -> bool:
    """Shrinking the largest push away from the near threshold gets there (or past it when strict)."""
    return away > distance or (not targets.strict and away == distance)


def _far_margin(away: float, distance: float, targets: _Targets) -> float:
    """From "either": growing the largest push away reaches the far threshold (inf when it cannot)."""
    if targets.far is not None and 0.0 < away < distance:
        return abs(targets.far) / away
    return math.inf


def _smallest_margin(high: float, low: float, targets: _Targets) -> tuple[float, float]:
    """The smallest ``|relative_change|`` given the largest and smallest contribution, and which."""
    distance = abs(targets.near)
    positive = targets.near > 0.0
    towards, toward_contribution = (high, high) if positive else (-low, low)
    away, away_contribution = (-low, low) if positive else (high, high)
    value = towards if towards > 0.0 else 0.0
    chosen = toward_contribution if towards > 0.0 else math.nan
    if _away_reaches(away, distance, targets) and away > value:
        value, chosen = away, away_contribution
    margin = distance / value if value > 0.0 else math.inf
    far = _far_margin(away, distance, targets)
    if far < margin:
        margin, chosen = far, away_contribution
    return margin, chosen


def margin_of(
    contributions: Sequence[float], score: float, *, technical_min: float, traditional_max: float
) -> tuple[float, int]:
    """The smallest ``|relative_change|`` over the factors of one profile, and its factor index.

    The scalar twin of :func:`batch_margins` (same operations, same order): ``(inf, -1)`` when no
    single weight can flip the verdict. ``|relative_change| = |needed| / |contribution|``, so the
    smallest one belongs to the largest contribution that can reach a threshold: on each side of
    zero only the largest ``|contribution|`` matters. Ties go to the factor pushing towards the
    near threshold, then to the first in rulebook order.
    """
    if not contributions:
        return math.inf, -1
    targets = _targets(score, technical_min, traditional_max)
    margin, chosen = _smallest_margin(max(contributions), min(contributions), targets)
    # NaN (no factor chosen) equals no contribution: -1.
    return margin, next((k for k, c in enumerate(contributions) if c == chosen), -1)


def batch_margins(
    contributions: NDArray[np.float64],
    score: NDArray[np.float64],
    *,
    technical_min: float,
    traditional_max: float,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per row, the smallest ``|relative_change|`` of one weight that flips the verdict.

    A pure numpy function over the kernel's output, without validation; the twin of
    :func:`margin_of`. Two reductions over the contributions (largest and smallest per row) and
    one pass to find the factor; everything else works on single columns.

    Parameters
    ----------
    contributions : ndarray of float64, shape (n_factors, n)
        Signed contributions, factor-major, as ``CompiledRulebook.contributions`` returns them.
    score : ndarray of float64, shape (n,)
        Row scores (the contributions summed in kernel order).
    technical_min, traditional_max : float
        The rulebook's thresholds.

    Returns
    -------
    margin : ndarray of float64, shape (n,)
        ``inf`` where no single weight can flip the verdict, NaN where the score is NaN.
    factor : ndarray of int64, shape (n,)
        Index of the factor achieving the margin, -1 where there is none.
    """
    n = score.shape[0]
    margin = np.empty(n, dtype=np.float64)
    factor = np.empty(n, dtype=np.int64)
    # Blocks of rows keep every temporary in cache (and reused by the allocator); each row is
    # computed on its own, so blocking cannot change a result.
    for start in range(0, n, _MARGIN_BLOCK):
        stop = min(start + _MARGIN_BLOCK, n)
        margin[start:stop], factor[start:stop] = _margins_block(
            contributions[:, start:stop], score[start:stop], technical_min, traditional_max
        )
    return margin, factor


#: Rows per block in ``batch_margins``.
_MARGIN_BLOCK: Final = 1 << 14


def _margins_block(
    contributions: NDArray[np.float64],
    score: NDArray[np.float64],
    technical_min: float,
    traditional_max: float,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    # Masked copies rather than np.where, and signs by exact multiplication by +-1: fewer,
    # cheaper passes. The values are those margin_of computes, operation for operation.
    up = technical_min - score
    down = traditional_max - score
    technical = score >= technical_min
    either = ~technical & ~(score <= traditional_max) & ~np.isnan(score)
    near_up = technical | (either & (np.abs(up) <= np.abs(down)))
    distance = down.copy()
    np.copyto(distance, up, where=near_up)
    sign = (distance > 0.0) * 2.0 - 1.0  # +1 where the near threshold is above the score
    np.abs(distance, out=distance)
    high = contributions.max(axis=0)
    high *= sign
    low = contributions.min(axis=0)
    low *= sign
    towards = np.maximum(high, low)  # largest push towards the threshold (margin_of: `towards`)
    away = np.minimum(high, low, out=low)
    np.negative(away, out=away)  # largest push away from it (margin_of: `away`)
    value = np.maximum(towards, 0.0, out=towards)
    on_away = ((away > distance) | (either & (away == distance))) & (away > value)
    np.copyto(value, away, where=on_away)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        margin = distance / value
        if either.any():
            far = up.copy()
            np.copyto(far, down, where=near_up)
            np.abs(far, out=far)
            far /= away
            take_far = either & (away > 0.0) & (away < distance) & (far < margin)
            np.copyto(margin, far, where=take_far)
            np.copyto(value, away, where=take_far)
            on_away |= take_far
    found = value > 0.0
    np.copyto(margin, np.inf, where=~found)
    chosen = np.multiply(value, sign, out=value)  # the chosen contribution, signed
    np.negative(chosen, out=chosen, where=on_away)
    np.copyto(chosen, np.nan, where=~found)
    # Index of the first factor whose contribution is the chosen one: the largest (K - k) matching.
    n_factors = contributions.shape[0]
    best = np.zeros(score.shape[0], dtype=np.int16)
    match = np.empty(score.shape[0], dtype=bool)
    rank = np.empty(score.shape[0], dtype=np.int16)
    for k in range(n_factors):
        np.equal(contributions[k], chosen, out=match)
        np.multiply(match, np.int16(n_factors - k), out=rank)
        np.maximum(best, rank, out=best)
    factor = n_factors - best.astype(np.int64)
    factor[best == 0] = -1
    missing = np.isnan(score)
    margin[missing] = np.nan
    factor[missing] = -1
    return margin, factor


# -- one result ----------------------------------------------------------------------------------


def _checked_targets(result: Recommendation) -> _Targets:
    t = result.thresholds
    code = _verdict_code(result.score, t.technical_min, t.traditional_max)
    if VERDICT_NAMES[code] != result.verdict.value:
        raise TpmFitError(
            f"verdict={result.verdict.value!r} does not follow from score={result.score!r} and the "
            f"thresholds (technical_min={t.technical_min:g}, traditional_max={t.traditional_max:g}), "
            f"which give {VERDICT_NAMES[code]!r}; the record has been altered"
        )
    return _targets(result.score, t.technical_min, t.traditional_max)


def _signed_activation(step: TraceStep) -> float:
    return step.activation if step.favours is Favours.TECHNICAL else -step.activation


def _flip_by_scaling(
    step: TraceStep, targets: _Targets, per_weight: float
) -> tuple[float | None, float | None, int | None]:
    """``(flip_weight, relative_change, to_code)`` for a factor of positive weight."""
    found = _relative_change(step.contribution, targets)
    if found is None:
        return None, None, None
    relative, is_near = found
    needed = targets.near if is_near else targets.far
    assert needed is not None
    return (
        max(0.0, step.weight + needed / per_weight),
        relative,
        targets.near_code if is_near else targets.far_code,
    )


def _flip_from_zero(per_weight: float, targets: _Targets) -> tuple[float | None, int | None]:
    """From weight 0 the weight can only grow: the threshold in the direction it moves the score."""
    options = (
        (targets.near, targets.near_code, targets.direction),
        (targets.far, targets.far_code, -targets.direction),
    )
    for needed, code, direction in options:
        if needed is not None and per_weight * direction > 0.0:
            return needed / per_weight + 0.0, code  # + 0.0: no -0.0
    return None, None


def _weight_margin(step: TraceStep, targets: _Targets) -> WeightMargin:
    flip: float | None = None
    relative: float | None = None
    to_code: int | None = None
    per_weight = _signed_activation(step)  # score change per unit of weight
    if step.weight > 0.0:
        flip, relative, to_code = _flip_by_scaling(step, targets, per_weight)
    elif per_weight != 0.0:
        flip, to_code = _flip_from_zero(per_weight, targets)
    return WeightMargin(
        factor=step.factor,
        title=step.title,
        weight=step.weight,
        flip_weight=flip,
        relative_change=relative,
        to_verdict=Verdict(VERDICT_NAMES[to_code]) if to_code is not None else None,
    )


#: A factor that can move the score: (|rate|, factor index, cap on the weight change, sign).
_Candidate = tuple[float, int, float, float]


def _candidates(trace: Sequence[TraceStep], direction: float) -> list[_Candidate]:
    """Factors whose weight can move the score in ``direction``, and by how much at most."""
    candidates = []
    for k, step in enumerate(trace):
        rate = _signed_activation(step) * direction  # > 0: growing the weight helps
        if rate == 0.0:
            continue
        cap = math.inf if rate > 0.0 else step.weight
        if cap > 0.0:
            candidates.append((abs(rate), k, cap, 1.0 if rate > 0.0 else -1.0))
    return candidates


def _take_greedily(candidates: list[_Candidate], remaining: float) -> tuple[float, list[tuple[int, float]]]:
    """The fractional knapsack: the fastest factors first until ``remaining`` is covered."""
    candidates.sort(key=lambda item: -item[0])  # stable: rulebook order on ties
    moves: list[tuple[int, float]] = []
    total = 0.0
    for rate, k, cap, sign in candidates:
        if remaining <= 0.0:
            break
        if rate * cap >= remaining:  # this factor covers the rest
            size, remaining = remaining / rate, 0.0
        else:
            size, remaining = cap, remaining - rate * cap
        moves.append((k, sign * size))
        total += size
    return total, moves


def _cheapest(
    trace: Sequence[TraceStep], needed: float, direction: float, *, strict: bool
) -> tuple[float, list[tuple[int, float]]] | None:
    """Least total |weight change| moving the score by ``needed`` (signed by ``direction``).

    Minimise ``sum x_k`` subject to ``sum |a_k| x_k >= |needed|`` and ``0 <= x_k <= cap_k``, where
    ``x_k`` is factor k's weight change in the direction that moves the score the right way and
    ``cap_k`` is its weight when that means shrinking it (unbounded when growing). This is a
    fractional knapsack: taking factors by decreasing ``|a_k|`` is optimal (an exchange argument,
    written out in docs/robustness.md). With ``strict``, the threshold must be passed, not met.
    """
    remaining = abs(needed)
    candidates = _candidates(trace, direction)
    capacity = math.fsum(rate * cap for rate, _, cap, _ in candidates)
    if not candidates or capacity < remaining or (strict and capacity == remaining):
        return None
    return _take_greedily(candidates, remaining)


def _nearest_flip(result: Recommendation, targets: _Targets) -> NearestFlip | None:
    options = [(targets.near, targets.near_threshold, targets.near_code, targets.direction)]
    if targets.far is not None:
        options.append((targets.far, targets.far_threshold, targets.far_code, -targets.direction))
    best: tuple[float, list[tuple[int, float]], float, int] | None = None
    for needed, threshold, code, direction in options:
        found = _cheapest(result.trace, needed, direction, strict=targets.strict)
        if found is not None and (best is None or found[0] < best[0]):  # a tie keeps the near one
            best = (found[0], found[1], threshold, code)
    if best is None:
        return None
    distance, moves, threshold, code = best
    changes = tuple(
        WeightChange(
            factor=result.trace[k].factor,
            weight=result.trace[k].weight,
            new_weight=max(0.0, result.trace[k].weight + change),
        )
        for k, change in moves
        if change != 0.0
    )
    return NearestFlip(
        distance=distance, changes=changes, to_verdict=Verdict(VERDICT_NAMES[code]), threshold=threshold
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
    for start in range(0, samples, _SAMPLE_BLOCK):
        size = min(_SAMPLE_BLOCK, samples - start)
        multipliers = rng.uniform(1.0 - spread, 1.0 + spread, size=(size, len(weights)))
        # score + sum_k c_k (u_k - 1): with spread=0 every u_k is exactly 1 and the score exact.
        scores = result.score + (multipliers - 1.0) @ contributions
        codes = (scores >= t.technical_min).view(np.int8) + np.int8(1)
        codes -= (scores <= t.traditional_max).view(np.int8)
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


# -- a rulebook over the verification grid --------------------------------------------------------


class _SensitivityCounts:
    """Per factor, how many valid grid profiles change verdict when its weight moves; fed by chunk."""

    def __init__(self, compiled: CompiledRulebook, n_factors: int, *, delta: float) -> None:
        self.compiled, self.delta = compiled, delta
        self.up = np.zeros(n_factors, dtype=np.int64)
        self.down = np.zeros(n_factors, dtype=np.int64)
        self.either_way = np.zeros(n_factors, dtype=np.int64)
        self.any_change_total = 0
        self.size = 0  # valid profiles among the grid points (no count above company_size)

    def update(self, columns: Mapping[str, NDArray[Any]], n: int) -> None:
        """Count one chunk of grid points (as kernel input columns, ``n`` rows)."""
        from .._verify.grid import valid_profiles

        compiled = self.compiled
        valid = valid_profiles(columns)
        self.size += int(valid.sum())
        contributions = compiled.contributions(columns, n)[:, valid]
        score = compiled.score(contributions)
        codes = compiled.verdict_codes(score)
        any_change = np.zeros(len(score), dtype=bool)
        for k, contribution in enumerate(contributions):
            shift = self.delta * contribution
            raised = compiled.verdict_codes(score + shift) != codes
            lowered = compiled.verdict_codes(score - shift) != codes
            changed = raised | lowered
            self.up[k] += int(raised.sum())
            self.down[k] += int(lowered.sum())
            self.either_way[k] += int(changed.sum())
            any_change |= changed
        self.any_change_total += int(any_change.sum())

    def result(self) -> tuple[int, NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], int]:
        """``(profiles, raised, lowered, either way, any factor)``; profiles is at least 1."""
        return max(self.size, 1), self.up, self.down, self.either_way, self.any_change_total


def rulebook_sensitivity(
    rulebook: Rulebook,
    *,
    delta: float = 0.1,
    max_grid_points: int | None = None,
    max_work: int = DEFAULT_MAX_WORK,
) -> SensitivityReport:
    """Per factor, the share of verification-grid profiles whose verdict changes when its weight
    is multiplied by ``1 + delta`` or ``1 - delta`` (one factor at a time).

    Exact over the grid: each point's score moves by ``±delta * contribution`` in closed form.

    Parameters
    ----------
    rulebook : Rulebook
        The rules to analyse.
    delta : float, default 0.1
        Relative weight change, greater than 0 and at most 1.
    max_grid_points : int, optional
        Refuse larger grids; the verifier's default when omitted.
    max_work : int, default 20_000_000_000
        Refuse an analysis whose predicted work is larger (about nanoseconds; see
        ``docs/performance.md``), before any scoring.

    Returns
    -------
    SensitivityReport

    Raises
    ------
    InvalidArgumentError
        ``delta`` outside ``(0, 1]`` (also a ``ValueError``).
    RulebookError
        The grid is larger than ``max_grid_points``, or the work than ``max_work``.
    """
    from .._verify.grid import Grid, build_axes
    from .._verify.verifier import DEFAULT_MAX_GRID_POINTS

    if not _number(delta) or not 0.0 < float(delta) <= 1.0:
        raise InvalidArgumentError(
            f"delta={short(delta)}: out of range; valid: a number greater than 0 and at most 1"
        )
    delta = float(delta)
    started = time.perf_counter()
    limit = DEFAULT_MAX_GRID_POINTS if max_grid_points is None else max_grid_points
    compiled = compile_rulebook(rulebook)
    grid = Grid(build_axes(compiled))
    if grid.size > limit:
        raise RulebookError(
            f"the verification grid has {grid.size:,} points, more than max_grid_points={limit:,}",
            location="factors",
        )
    check_work(
        "sensitivity",
        sensitivity_work(rulebook, grid.size),
        max_work,
        f"{grid.size:,} grid points x {len(rulebook.factors)} factors",
        flag="tpm-fit sensitivity --max-work N",
    )
    counts = _SensitivityCounts(compiled, len(rulebook.factors), delta=delta)
    chunk = max(1024, min(1 << 16, (1 << 22) // max(1, len(rulebook.factors))))
    for flat in grid.chunks(chunk):
        counts.update(grid.columns(grid.indices(flat)), len(flat))
    size, up, down, either_way, any_change_total = counts.result()
    return SensitivityReport(
        rulebook_name=rulebook.name,
        rulebook_version=rulebook.version,
        rulebook_fingerprint=rulebook.fingerprint,
        delta=float(delta),
        grid_points=size,
        factors=tuple(
            FactorSensitivity(
                factor=factor.id,
                title=factor.title,
                weight=factor.weight,
                share_changed=int(either_way[k]) / size,
                share_changed_up=int(up[k]) / size,
                share_changed_down=int(down[k]) / size,
                points_changed=int(either_way[k]),
            )
            for k, factor in enumerate(rulebook.factors)
        ),
        share_any=any_change_total / size,
        seconds=time.perf_counter() - started,
    )
