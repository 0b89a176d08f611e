"""Counterfactuals: the smallest change to each input that would flip the verdict.

With every other input held fixed, the score is piecewise linear in an integer input, with
kinks only at the breakpoints of the ramps that read it (combinations multiply terms that read
*different* inputs). So between two consecutive breakpoints the verdict can change at most once,
in one direction, and a binary search over whole numbers finds the exact flip point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from .._engine.kernel import INPUT_NAMES, compile_rulebook, encode_profile
from .._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS
from .._model.result import Verdict
from .._model.rulebook import AllOf, AnyOf, Levels, Ramp, Rulebook

if TYPE_CHECKING:
    from .._engine.kernel import CompiledRulebook
    from .._model.result import Recommendation

__all__ = ["Counterfactual", "counterfactuals"]


class Counterfactual(BaseModel):
    """The nearest change to one input that flips the verdict, if any."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(description="The input changed; every other input is held fixed.")
    current: int | str = Field(description="Its value now.")
    proposed: int | str | None = Field(
        description="The nearest value that gives another verdict, or None if none does."
    )
    verdict: Verdict | None = Field(description="The verdict at the proposed value.")
    score: float | None = Field(description="The score at the proposed value.")

    def __str__(self) -> str:
        if self.proposed is None:
            return f"{self.field}: no value flips the verdict"
        return (
            f"{self.field}: {self.current} -> {self.proposed} gives {self.verdict} (score {self.score:+.2f})"
        )


def _breakpoints(node: Ramp | Levels | AllOf | AnyOf, name: str, out: set[int]) -> None:
    if isinstance(node, Ramp):
        if node.input == name:
            out.update(int(x) for x, _ in node.points)
    elif isinstance(node, AllOf | AnyOf):
        for term in node.of:
            _breakpoints(term, name, out)


def _verdict_at(compiled: CompiledRulebook, values: dict[str, float]) -> tuple[str, float]:
    score = compiled.score_one(values)[2]
    return compiled.verdict_one(score), score


def _numeric(
    compiled: CompiledRulebook, values: dict[str, float], name: str, verdict: str
) -> tuple[int, str, float] | None:
    low, high = NUMERIC_BOUNDS[name]
    points: set[int] = {low, high}
    for factor in compiled.rulebook.factors:
        _breakpoints(factor.activation, name, points)
    current = int(values[name])
    best: tuple[int, str, float] | None = None
    for direction in (-1, 1):
        # Walk the breakpoints outward; the first segment whose far end flips holds the answer.
        stops = sorted(p for p in points if low <= p <= high and (p - current) * direction > 0)
        if direction < 0:
            stops.reverse()
        near = current
        for far in stops:
            probe = {**values, name: far}
            if _verdict_at(compiled, probe)[0] != verdict:
                # Affine between near and far: the verdict changes once; find the first flip.
                same, other = near, far
                while abs(other - same) > 1:
                    middle = (same + other) // 2
                    if _verdict_at(compiled, {**values, name: middle})[0] == verdict:
                        same = middle
                    else:
                        other = middle
                found_verdict, found_score = _verdict_at(compiled, {**values, name: other})
                if best is None or abs(other - current) < abs(best[0] - current):
                    best = (other, found_verdict, found_score)
                break
            near = far
    return best


def counterfactuals(
    result: Recommendation, *, rulebook: Rulebook | None = None
) -> tuple[Counterfactual, ...]:
    """For each input of ``result.profile``, the nearest value that flips the verdict."""
    compiled = compile_rulebook(result.used_rulebook(rulebook=rulebook))
    values = encode_profile(result.profile)
    verdict = result.verdict.value
    out = []
    for name in INPUT_NAMES:
        current_value = getattr(result.profile, name)
        current: int | str = getattr(current_value, "value", current_value)
        proposed: int | str | None = None
        new_verdict: str | None = None
        new_score: float | None = None
        if name in ORDERED_INPUTS:
            levels = list(ORDERED_INPUTS[name])
            rank = int(values[name])
            # Nearest level first; on a tie, the higher level.
            for other in sorted(
                (r for r in range(len(levels)) if r != rank), key=lambda r: (abs(r - rank), -r)
            ):
                v, s = _verdict_at(compiled, {**values, name: other})
                if v != verdict:
                    proposed, new_verdict, new_score = levels[other].value, v, s
                    break
        else:
            hit = _numeric(compiled, values, name, verdict)
            if hit is not None:
                proposed, new_verdict, new_score = hit
        out.append(
            Counterfactual(
                field=name,
                current=current,
                proposed=proposed,
                verdict=Verdict(new_verdict) if new_verdict else None,
                score=new_score,
            )
        )
    return tuple(out)
