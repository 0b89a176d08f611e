"""The verifier's checks as accumulators: each takes scored grid chunks with ``update(chunk)`` and
turns what it saw into report entries and violations with ``result()``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._engine.kernel import CompiledRulebook, encode_profile
from .._model.primitives import Node, compile_activation
from .._model.profile import DERIVED_INPUTS, OrgProfile
from .._model.rulebook import Axiom, ConditionalAxiom, SeatAxiom, SeatProperty
from .._model.verification import (
    TOLERANCE,
    AxiomResult,
    ConditionalAxiomResult,
    FactorResult,
    SeatAxiomResult,
    Violation,
)
from .._model.vocab import FACES
from .breakpoint_grid import Chunk, Grid, exact_score, label

__all__ = ["AxiomCheck", "ConditionalCheck", "FactorCheck", "ScoreRange", "SeatCheck"]


class ScoreRange:
    """Lowest and highest score over the grid box (a superset of the valid profiles: a bound)."""

    def __init__(self) -> None:
        self.low, self.high = math.inf, -math.inf
        self.low_flat = self.high_flat = 0

    def update(self, chunk: Chunk) -> None:
        """Fold in one chunk."""
        low_at, high_at = int(np.argmin(chunk.score)), int(np.argmax(chunk.score))
        if chunk.score[low_at] < self.low:
            self.low, self.low_flat = float(chunk.score[low_at]), int(chunk.flat[low_at])
        if chunk.score[high_at] > self.high:
            self.high, self.high_flat = float(chunk.score[high_at]), int(chunk.flat[high_at])


@dataclass
class _FactorState:
    min_activation: float = math.inf
    max_activation: float = -math.inf
    min_contribution: float = math.inf
    max_contribution: float = -math.inf
    out_of_bounds_flat: int = -1


class FactorCheck:
    """Every factor's activation and contribution range; dead and unbounded factors."""

    def __init__(self, compiled: CompiledRulebook, grid: Grid) -> None:
        self.compiled, self.grid = compiled, grid
        self.states = [_FactorState() for _ in compiled.activations]

    def update(self, chunk: Chunk) -> None:
        """Fold in one chunk (the whole grid box: ranges are bounds over every valid profile)."""
        for k, (node, state) in enumerate(zip(self.compiled.activations, self.states, strict=True)):
            activation = node.batch(chunk.columns)
            contribution = chunk.contributions[k]
            state.min_activation = min(state.min_activation, float(activation.min()))
            state.max_activation = max(state.max_activation, float(activation.max()))
            state.min_contribution = min(state.min_contribution, float(contribution.min()))
            state.max_contribution = max(state.max_contribution, float(contribution.max()))
            outside = (activation < -TOLERANCE) | (activation > 1.0 + TOLERANCE) | ~np.isfinite(activation)
            outside &= chunk.valid
            if state.out_of_bounds_flat < 0 and outside.any():
                state.out_of_bounds_flat = int(chunk.flat[int(np.argmax(outside))])

    def result(self) -> tuple[list[FactorResult], list[Violation]]:
        """Report entries and violations."""
        results, violations = [], []
        for factor, state in zip(self.compiled.rulebook.factors, self.states, strict=True):
            fires = state.max_activation > TOLERANCE
            bounded = state.out_of_bounds_flat < 0
            results.append(
                FactorResult(
                    factor=factor.id,
                    favours=factor.favours,
                    weight=factor.weight,
                    min_activation=state.min_activation,
                    max_activation=state.max_activation,
                    min_contribution=state.min_contribution,
                    max_contribution=state.max_contribution,
                    fires=fires,
                    bounded=bounded,
                )
            )
            if not fires:
                message = (
                    f"factor {factor.id} never fires: its activation is at most "
                    f"{state.max_activation:.3g} for every profile, so it cannot affect any verdict"
                )
                violations.append(Violation(check="dead_factor", subject=factor.id, message=message))
            if not bounded:
                violations.append(self._unbounded(factor.id, factor.weight, state))
        return results, violations

    def _unbounded(self, factor: str, weight: float, state: _FactorState) -> Violation:
        where = self.grid.profile(state.out_of_bounds_flat)
        return Violation(
            check="contribution_bounded",
            subject=factor,
            message=(
                f"factor {factor} has an activation outside [0, 1] (between {state.min_activation:.6g} "
                f"and {state.max_activation:.6g}), so its contribution can exceed its weight {weight:g}"
            ),
            before=where,
            score_before=exact_score(self.compiled, where),
        )


@dataclass
class _AxiomState:
    axiom: Axiom
    pairs: int = 0
    violating: int = 0
    min_change: float = math.inf
    worst_flat: int = -1
    worst: float = math.inf

    def fold(
        self, signed: NDArray[np.float64], flat: NDArray[np.int64], valid: NDArray[np.bool_], tolerance: float
    ) -> None:
        """Fold in the signed score changes of pairs starting at grid points ``flat``.

        Every pair of the grid box counts (a superset of the valid profiles, so a clean result is
        a proof); counterexamples are taken from pairs of valid profiles.
        """
        if not len(signed):
            return
        self.pairs += len(signed)
        self.violating += int((signed < -tolerance).sum())
        self.min_change = min(self.min_change, float(signed.min()))
        if not valid.any():
            return
        shown = np.where(valid, signed, np.inf)
        worst = float(shown.min())
        # Among pairs as bad as the worst (up to float noise), keep the first in grid order: the
        # one with the smallest, most readable inputs.
        if worst < -tolerance and (self.worst_flat < 0 or worst < self.worst - tolerance):
            self.worst_flat = int(flat[int(np.argmax(shown <= worst + tolerance))])
            self.worst = worst


class AxiomCheck:
    """Monotonicity axioms: over a profile input, each grid point against its neighbour one step
    up; over a derived input (such as ``seat_technical``), each grid point with that input set to
    its lower and its higher level."""

    def __init__(self, compiled: CompiledRulebook, grid: Grid, tolerance: float) -> None:
        self.compiled, self.grid, self.tolerance = compiled, grid, tolerance
        self.states = [_AxiomState(axiom) for axiom in compiled.rulebook.axioms]

    def update(self, chunk: Chunk) -> None:
        """Fold in one chunk."""
        changes: dict[str, tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.bool_]]] = {}
        for state in self.states:
            name = state.axiom.input
            if name not in changes:
                changes[name] = self._changes(chunk, name)
            change, flat, valid = changes[name]
            state.fold(state.axiom.direction.sign * change, flat, valid, self.tolerance)

    def _changes(
        self, chunk: Chunk, name: str
    ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.bool_]]:
        if name in DERIVED_INPUTS:
            levels = len(DERIVED_INPUTS[name])
            n = len(chunk.flat)
            low = self._score_with(chunk, name, 0, n)
            return self._score_with(chunk, name, levels - 1, n) - low, chunk.flat, chunk.valid
        axis = self.grid.position[name]
        if self.grid.dims[axis] < 2:
            return np.empty(0), chunk.flat[:0], chunk.valid[:0]
        shift = chunk.neighbours(self.compiled, self.grid, axis)
        return shift.score - chunk.score[shift.movable], chunk.flat[shift.movable], shift.valid

    def _score_with(self, chunk: Chunk, name: str, code: int, n: int) -> NDArray[np.float64]:
        columns = {**chunk.columns, name: np.full(n, code, dtype=np.int8)}
        return self.compiled.score(self.compiled.contributions(columns, n))

    def result(self) -> tuple[list[AxiomResult], list[Violation]]:
        """Report entries and violations."""
        results, violations = [], []
        for state in self.states:
            axiom = state.axiom
            holds = state.violating == 0
            results.append(
                AxiomResult(
                    axiom=axiom.id,
                    input=axiom.input,
                    direction=axiom.direction,
                    holds=holds,
                    pairs_checked=state.pairs,
                    violating_pairs=state.violating,
                    min_change=state.min_change + 0.0 if state.pairs else None,  # no -0.0
                )
            )
            if not holds:
                violations.append(self._violation(state))
        return results, violations

    def _violation(self, state: _AxiomState) -> Violation:
        axiom = state.axiom
        how = f"{axiom.direction.value.replace('_', '-')} in {axiom.input}"
        tally = f"({state.violating:,} of {state.pairs:,} cases break it)"
        if state.worst_flat < 0:
            message = (
                f"the score is not {how} {tally}, though only where a count exceeds company_size, "
                "which no valid profile has; make the rule hold there too"
            )
            return Violation(check="monotonicity", subject=axiom.id, message=message)
        before = self.grid.profile(state.worst_flat)
        if axiom.input in DERIVED_INPUTS:
            levels = list(DERIVED_INPUTS[axiom.input])
            message = (
                f"setting {axiom.input} from {levels[0].value} to {levels[-1].value} moves the score "
                f"by {axiom.direction.sign * state.min_change:+.6g} for this profile, but the axiom says "
                f"the score is {how} {tally}"
            )
            score = exact_score(self.compiled, before)
            return Violation(
                check="monotonicity", subject=axiom.id, message=message, before=before, score_before=score
            )
        after = self.grid.profile(state.worst_flat, shift=(self.grid.position[axiom.input], 1))
        s0, s1 = exact_score(self.compiled, before), exact_score(self.compiled, after)
        message = (
            f"raising {axiom.input} from {label(before, axiom.input)} to {label(after, axiom.input)} "
            f"{'lowers' if s1 < s0 else 'raises'} the score from {s0:.6g} to {s1:.6g}, but the axiom "
            f"says the score is {how} {tally}"
        )
        return Violation(
            check="monotonicity",
            subject=axiom.id,
            message=message,
            before=before,
            after=after,
            score_before=s0,
            score_after=s1,
        )


@dataclass
class _SeatState:
    axiom: SeatAxiom
    cases: int = 0
    violating: int = 0
    first_flat: int = -1
    first_shift: tuple[int, int] | None = None

    def fold(
        self,
        broken: NDArray[np.bool_],
        flat: NDArray[np.int64],
        valid: NDArray[np.bool_],
        shift: tuple[int, int] | None,
    ) -> None:
        """Fold in which cases (starting at grid points ``flat``) break the promise.

        Every case of the grid box counts; the counterexample shown is a valid profile's.
        """
        self.cases += len(broken)
        self.violating += int(broken.sum())
        shown = broken & valid
        if self.first_flat < 0 and shown.any():
            self.first_flat, self.first_shift = int(flat[int(np.argmax(shown))]), shift


class SeatCheck:
    """Promises about stage one, the seat, over every grid point and coverage step."""

    def __init__(self, compiled: CompiledRulebook, grid: Grid) -> None:
        self.compiled, self.grid = compiled, grid
        self.states = [_SeatState(axiom) for axiom in compiled.rulebook.seat_axioms]

    def update(self, chunk: Chunk) -> None:
        """Fold in one chunk."""
        seat = np.stack([chunk.columns[face.seat_input] for face in FACES]).astype(bool)
        hire = chunk.columns["hire_needed"].astype(bool)
        for state in self.states:
            match state.axiom.property:
                case SeatProperty.SPECIALIST_HOLDS_ONE_FACE:
                    broken = (chunk.columns["role_shape"] == 1) & (seat.sum(axis=0) > 1)
                    state.fold(broken, chunk.flat, chunk.valid, None)
                case SeatProperty.HIRE_NEEDED_IFF_SEAT:
                    state.fold(np.asarray(hire != seat.any(axis=0)), chunk.flat, chunk.valid, None)
                case SeatProperty.SEAT_FACES_BELOW_NEED:
                    need = self.compiled.seat.need_batch(chunk.columns["company_size"])
                    covered = np.stack([chunk.columns[face.coverage_field] >= need for face in FACES])
                    state.fold(np.asarray((seat & covered).any(axis=0)), chunk.flat, chunk.valid, None)
                case SeatProperty.COVERAGE_NEVER_ADDS_FACE | SeatProperty.COVERAGE_NEVER_CREATES_NEED:
                    self._coverage_steps(chunk, state, seat, hire)

    def _coverage_steps(
        self, chunk: Chunk, state: _SeatState, seat: NDArray[np.bool_], hire: NDArray[np.bool_]
    ) -> None:
        for k, face in enumerate(FACES):
            axis = self.grid.position[face.coverage_field]
            if self.grid.dims[axis] < 2:
                continue
            shift = chunk.neighbours(self.compiled, self.grid, axis)
            after, movable, valid = shift.columns, shift.movable, shift.valid
            if state.axiom.property is SeatProperty.COVERAGE_NEVER_ADDS_FACE:
                broken = (after[face.seat_input] == 1) & ~seat[k][movable]
            else:
                broken = (after["hire_needed"] == 1) & ~hire[movable]
            state.fold(broken, chunk.flat[movable], valid, (axis, 1))

    def result(self) -> tuple[list[SeatAxiomResult], list[Violation]]:
        """Report entries and violations."""
        results, violations = [], []
        for state in self.states:
            results.append(
                SeatAxiomResult(
                    axiom=state.axiom.id,
                    property=state.axiom.property,
                    holds=state.violating == 0,
                    cases_checked=state.cases,
                    violating_cases=state.violating,
                )
            )
            if state.violating:
                violations.append(self._violation(state))
        return results, violations

    def _violation(self, state: _SeatState) -> Violation:
        tally = f"({state.violating:,} of {state.cases:,} cases)"
        if state.first_flat < 0:
            message = (
                f"the seat breaks '{state.axiom.statement}' {tally}, though only where a count "
                "exceeds company_size, which no valid profile has"
            )
            return Violation(check="seat", subject=state.axiom.id, message=message)
        before = self.grid.profile(state.first_flat)
        after = self.grid.profile(state.first_flat, shift=state.first_shift) if state.first_shift else None
        shown = self._seat_text(before) + (f"; after: {self._seat_text(after)}" if after is not None else "")
        return Violation(
            check="seat",
            subject=state.axiom.id,
            message=(
                f"the seat breaks '{state.axiom.statement}' ({state.violating:,} of {state.cases:,} "
                f"cases); seat: {shown}"
            ),
            before=before,
            after=after,
        )

    def _seat_text(self, profile: OrgProfile) -> str:
        values = encode_profile(profile)
        one = self.compiled.seat.one(values)
        faces = ", ".join(face.value for face in one.seat) or "empty"
        return f"{one.role_shape.value} [{faces}], hire_needed={one.hire_needed}"


@dataclass
class _ConditionalState:
    axiom: ConditionalAxiom
    when: Node
    then: Node | None
    cases: int = 0
    violating: int = 0
    first_flat: int = -1


class ConditionalCheck:
    """The article's firm claims: where a condition holds, only the allowed verdicts (and, if
    given, the ``then`` condition on the seat). Exact: a condition reads levels, derived inputs
    and ramps that step between neighbouring whole numbers (all grid points), so it is constant
    in every grid cell, and the allowed verdicts are a contiguous run of scores, whose bounds the
    cell's corners decide (the score is multilinear in a cell)."""

    def __init__(self, compiled: CompiledRulebook, grid: Grid) -> None:
        self.compiled, self.grid = compiled, grid
        self.states = [
            _ConditionalState(
                axiom,
                compile_activation(axiom.when),
                None if axiom.then is None else compile_activation(axiom.then),
            )
            for axiom in compiled.rulebook.verdict_axioms
        ]

    def update(self, chunk: Chunk) -> None:
        """Fold in one chunk (every grid point counts; the counterexample is a valid profile)."""
        for state in self.states:
            minimum = state.axiom.min_activation - TOLERANCE
            holds = state.when.batch(chunk.columns) >= minimum
            allowed = np.zeros(len(chunk.flat), dtype=bool)
            for verdict in state.axiom.verdicts:
                allowed |= chunk.codes == verdict.code
            broken = holds & ~allowed
            if state.then is not None:
                broken |= holds & (state.then.batch(chunk.columns) < minimum)
            state.cases += int(holds.sum())
            state.violating += int(broken.sum())
            shown = broken & chunk.valid
            if state.first_flat < 0 and shown.any():
                state.first_flat = int(chunk.flat[int(np.argmax(shown))])

    def result(self) -> tuple[list[ConditionalAxiomResult], list[Violation]]:
        """Report entries and violations."""
        results, violations = [], []
        for state in self.states:
            axiom = state.axiom
            results.append(
                ConditionalAxiomResult(
                    axiom=axiom.id,
                    statement=axiom.statement,
                    section=axiom.section,
                    holds=state.violating == 0,
                    cases_checked=state.cases,
                    violating_cases=state.violating,
                )
            )
            if state.violating:
                violations.append(self._violation(state))
        return results, violations

    def _violation(self, state: _ConditionalState) -> Violation:
        axiom = state.axiom
        tally = f"({state.violating:,} of {state.cases:,} cases break it)"
        if state.first_flat < 0:
            message = (
                f"the rules break '{axiom.statement}' {tally}, though only where a count exceeds "
                "company_size, which no valid profile has"
            )
            return Violation(check="verdict_axiom", subject=axiom.id, message=message)
        before = self.grid.profile(state.first_flat)
        evaluation = self.compiled.evaluate_one(encode_profile(before))
        faces = ", ".join(face.value for face in evaluation.seat.seat) or "empty"
        allowed = ", ".join(verdict.value for verdict in axiom.verdicts)
        message = (
            f"this profile gets the verdict {evaluation.verdict.value} (score {evaluation.score:+.6g}) "
            f"with the seat [{faces}], but '{axiom.statement}' ({axiom.section}) allows only "
            f"{allowed}{' and needs its `then` to hold' if axiom.then is not None else ''} {tally}"
        )
        return Violation(
            check="verdict_axiom",
            subject=axiom.id,
            message=message,
            before=before,
            score_before=evaluation.score,
        )
