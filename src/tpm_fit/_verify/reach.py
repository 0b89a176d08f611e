"""Verdict reachability: which verdicts some profile gets, with witnesses, and why one cannot."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from .._engine.kernel import CompiledRulebook
from .._model.profile import NUMERIC_BOUNDS, OrgProfile
from .._model.verification import InputSpan, VerdictRegion, Violation
from .._model.vocab import Verdict
from .breakpoint_grid import Chunk, Grid, exact_score, label, scores, valid_profiles

__all__ = ["VerdictCheck"]

Found = Literal["grid_point", "grid_edge", "clamped"]

#: Candidate witnesses kept for the "either" search along grid edges.
_MAX_EDGE_CANDIDATES: Final = 16


@dataclass
class _VerdictState:
    verdict: Verdict
    count: int = 0
    seen: list[NDArray[np.bool_]] = field(default_factory=list)
    best_key: float = math.inf
    best_flat: int = -1
    #: Some grid point of the box (maybe not a valid profile) that reaches the verdict.
    any_flat: int = -1


class VerdictCheck:
    """Which verdicts the grid reaches, which input values lead there, and the best witness."""

    def __init__(self, compiled: CompiledRulebook, grid: Grid, chunk_size: int, tolerance: float) -> None:
        self.compiled, self.grid, self.chunk_size, self.tolerance = compiled, grid, chunk_size, tolerance
        self.middle = (compiled.traditional_max + compiled.technical_min) / 2.0
        self.states = [
            _VerdictState(verdict, seen=[np.zeros(d, dtype=bool) for d in grid.dims]) for verdict in Verdict
        ]
        self.evaluations = 0

    def _key(self, verdict: Verdict, score: NDArray[np.float64]) -> NDArray[np.float64]:
        # Witness: the highest score for technical, the lowest for traditional, the one nearest the
        # middle of the band for either.
        match verdict:
            case Verdict.TECHNICAL:
                return -score
            case Verdict.TRADITIONAL:
                return score
            case Verdict.EITHER:
                return np.abs(score - self.middle)

    def update(self, chunk: Chunk) -> None:
        """Fold in one chunk."""
        for state in self.states:
            reached = chunk.codes == state.verdict.code
            if state.any_flat < 0 and reached.any():
                state.any_flat = int(chunk.flat[int(np.argmax(reached))])
            mask = reached & chunk.valid
            hits = int(mask.sum())
            if not hits:
                continue
            state.count += hits
            for k, seen in enumerate(state.seen):
                seen |= np.bincount(chunk.idx[k][mask], minlength=self.grid.dims[k]) > 0
            masked = np.where(mask, self._key(state.verdict, chunk.score), np.inf)
            lowest = float(masked.min())
            if state.best_flat < 0 or lowest < state.best_key - self.tolerance:
                state.best_flat = int(chunk.flat[int(np.argmax(masked <= lowest + self.tolerance))])
            state.best_key = min(state.best_key, lowest)

    def result(self, score_min: float, score_max: float) -> tuple[list[VerdictRegion], list[Violation]]:
        """Report entries, and a violation per unreachable verdict."""
        regions, violations = [], []
        ordered = self.compiled.traditional_max < self.compiled.technical_min
        for state in self.states:
            found_on: Found | None = None
            witness: OrgProfile | None = None
            if state.count:
                found_on, witness = "grid_point", self.grid.profile(state.best_flat)
            elif state.any_flat >= 0 and self._reaches(
                clamped := self.grid.clamped(state.any_flat), state.verdict
            ):
                found_on, witness = "clamped", clamped
            if witness is None and state.verdict is Verdict.EITHER and ordered:
                witness = self._either_on_edges()
                found_on = "grid_edge" if witness is not None else None
            regions.append(self._region(state, witness, found_on))
            if witness is None:
                violations.append(self._unreachable(state.verdict, score_min, score_max))
        return regions, violations

    def _reaches(self, profile: OrgProfile, verdict: Verdict) -> bool:
        return self.compiled.verdict_one(exact_score(self.compiled, profile)) is verdict

    def _region(
        self, state: _VerdictState, witness: OrgProfile | None, found_on: Found | None
    ) -> VerdictRegion:
        spans = tuple(
            InputSpan(
                input=axis.name,
                values=tuple(value for value, hit in zip(axis.labels, seen, strict=True) if hit),
                unrestricted=bool(seen.all()),
            )
            for axis, seen in zip(self.grid.axes, state.seen, strict=True)
            if state.count
        )
        if witness is not None and not spans:
            spans = tuple(
                InputSpan(input=axis.name, values=(label(witness, axis.name),), unrestricted=False)
                for axis in self.grid.axes
            )
        return VerdictRegion(
            verdict=state.verdict,
            reachable=witness is not None,
            grid_points=state.count,
            share=state.count / self.grid.size,
            witness=witness,
            witness_score=exact_score(self.compiled, witness) if witness is not None else None,
            found_on=found_on,
            inputs=spans,
        )

    def _either_on_edges(self) -> OrgProfile | None:
        """A profile strictly inside the 'either' band lying on a grid edge, if there is one.

        Called only when no grid point is inside the band. Along an edge (one integer input
        between two neighbouring breakpoints, the others on grid values) the score is affine, so
        the integer steps that land inside the band follow in closed form; each candidate is then
        scored by the kernel and kept only if it really gets the verdict.
        """
        numeric = [
            k for k, axis in enumerate(self.grid.axes) if axis.name in NUMERIC_BOUNDS and axis.size > 1
        ]
        for flat in self.grid.chunks(self.chunk_size):
            idx = self.grid.indices(flat)
            score = scores(self.compiled, self.grid, idx)
            self.evaluations += len(flat)
            for k in numeric:
                found = self._edge_candidates(flat, idx, score, k)
                if found is not None:
                    return found
        return None

    def _edge_candidates(
        self, flat: NDArray[np.int64], idx: tuple[NDArray[np.intp], ...], score: NDArray[np.float64], k: int
    ) -> OrgProfile | None:
        codes = self.grid.axes[k].codes
        movable, moved = self.grid.shifted(idx, k)
        gap = codes[moved[k]] - codes[idx[k][movable]]
        wide = gap > 1
        if not wide.any():
            return None
        s0 = score[movable][wide]
        s1 = scores(self.compiled, self.grid, tuple(i[wide] for i in moved))
        self.evaluations += len(s0)
        lower, upper, gap = self.compiled.traditional_max, self.compiled.technical_min, gap[wide]
        slope = s1 - s0
        with np.errstate(divide="ignore", invalid="ignore"):
            t_a, t_b = (lower - s0) / slope, (upper - s0) / slope
        t_lo, t_hi = np.minimum(t_a, t_b), np.maximum(t_a, t_b)
        step = np.maximum(np.floor(t_lo * gap) + 1, 1.0)
        ok = (slope != 0) & np.isfinite(step) & (step <= gap - 1) & (step < t_hi * gap)
        starts = flat[movable][wide]
        name = self.grid.axes[k].name
        # Candidates are valid profiles, their stepped count included: a count stepped past
        # company_size is not a profile and must not take one of the capped candidates' places
        # (rows that are not ``ok`` may step by inf or nan: they are not candidates anyway).
        columns = self.grid.columns(tuple(i[movable][wide] for i in idx))
        columns[name] = columns[name] + step
        valid = valid_profiles(columns)
        for j in np.flatnonzero(ok & valid)[:_MAX_EDGE_CANDIDATES]:
            # The edge's start need not be a profile (a count above a size the step then
            # raises): only the stepped point is.
            values = self.grid.labels(int(starts[j]))
            values[name] = int(values[name] + step[j])
            try:
                candidate = OrgProfile.model_validate(values)
            except ValidationError:  # a guard: the filter above keeps only valid profiles
                continue
            self.evaluations += 1
            if self.compiled.verdict_one(exact_score(self.compiled, candidate)) is Verdict.EITHER:
                return candidate
        return None

    def _unreachable(self, verdict: Verdict, score_min: float, score_max: float) -> Violation:
        lower, upper = self.compiled.traditional_max, self.compiled.technical_min
        match verdict:
            case Verdict.TECHNICAL:
                why = f"the highest score any profile gets is {score_max:.6g}, below technical_min={upper:g}"
            case Verdict.TRADITIONAL:
                why = f"the lowest score any profile gets is {score_min:.6g}, above traditional_max={lower:g}"
            case Verdict.EITHER:
                why = (
                    f"no profile scores strictly between traditional_max={lower:g} "
                    f"and technical_min={upper:g}"
                )
                jump = self._band_jump()
                if jump is not None:
                    return self._jump_violation(why, *jump)
        return Violation(
            check="verdict_reachable",
            subject=verdict.value,
            message=f"verdict {verdict.value!r} is unreachable: {why}",
        )

    def _jump_violation(self, why: str, before: OrgProfile, after: OrgProfile) -> Violation:
        s0, s1 = exact_score(self.compiled, before), exact_score(self.compiled, after)
        return Violation(
            check="verdict_reachable",
            subject=Verdict.EITHER.value,
            message=(
                f"verdict 'either' is unreachable: {why}; the score jumps over the band, e.g. "
                f"from {s0:.6g} to {s1:.6g} between these neighbouring profiles"
            ),
            before=before,
            after=after,
            score_before=s0,
            score_after=s1,
        )

    def _band_jump(self) -> tuple[OrgProfile, OrgProfile] | None:
        """Two neighbouring grid points whose scores lie on opposite sides of the 'either' band."""
        for flat in self.grid.chunks(self.chunk_size):
            idx = self.grid.indices(flat)
            score = scores(self.compiled, self.grid, idx)
            for k in range(len(self.grid.axes)):
                movable, moved = self.grid.shifted(idx, k)
                if not movable.any():
                    continue
                after = scores(self.compiled, self.grid, moved)
                valid = valid_profiles(self.grid.columns(idx))[movable] & valid_profiles(
                    self.grid.columns(moved)
                )
                crossing = np.flatnonzero(
                    valid
                    & (self.compiled.verdict_codes(score[movable]) != self.compiled.verdict_codes(after))
                )
                if len(crossing):
                    start = int(flat[movable][crossing[0]])
                    return self.grid.profile(start), self.grid.profile(start, shift=(k, 1))
        return None
