"""Exact weight-flip margins: how far weights can move before a verdict changes.

The score is linear in the weights: ``score = sum_k s_k * w_k * a_k`` with ``s_k = +1`` for a
factor favouring a technical PM, ``-1`` otherwise, and ``a_k`` the factor's activation. Every
figure here follows from a result's trace and thresholds alone (no rulebook, no re-scoring):

- a factor's *margin* is the relative change of its weight that moves the score onto the nearest
  threshold it can reach, ``(threshold - score) / contribution``; it equals
  ``(flip_weight - weight) / weight``;
- the *nearest flip* moves several weights at once, as little as possible in total (L1); for a
  target threshold this is a fractional knapsack, solved exactly by a greedy pass.

:func:`margin_of` (one profile, plain Python floats) and :func:`batch_margins` (numpy, many rows)
are twins: the same IEEE operations in the same order, so they agree bit for bit (checked by a
property test). Verdicts come from the kernel's one rule (:func:`~tpm_fit._engine.kernel.verdict_of`
and its twin). The derivations are in ``docs/robustness.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from .._engine.kernel import VERDICT_NAMES, verdict_codes_of, verdict_of
from .._errors import TpmFitError
from .._model.frozen import Frozen as _Frozen
from .._model.result import Verdict
from .._model.rulebook import Favours

if TYPE_CHECKING:
    from .._model.result import Recommendation, TraceStep

__all__ = ["NearestFlip", "WeightChange", "WeightMargin", "batch_margins", "margin_of"]

#: Verdict codes (:attr:`Verdict.code`), as the kernel's verdict rule gives them.
_TRADITIONAL: Final = Verdict.TRADITIONAL.code
_EITHER: Final = Verdict.EITHER.code
_TECHNICAL: Final = Verdict.TECHNICAL.code


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
    return verdict_of(score, technical_min, traditional_max).code


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
    codes = verdict_codes_of(score, technical_min, traditional_max)
    technical = codes == _TECHNICAL
    either = (codes == _EITHER) & ~np.isnan(score)
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
