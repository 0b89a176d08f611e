"""Exhaustive verification of a rulebook: a proof over every profile, not a sample.

Every activation primitive is piecewise linear (ramps) or a lookup (level tables), and a
combination reads each input in at most one term. Inside each cell of the grid spanned by every
input's breakpoints, the score is therefore affine in each integer input separately, so its
extremes, and the extremes of the change caused by moving one input between neighbouring
breakpoints, sit on grid points. Checking the grid is checking everything; the argument is
written out in ``docs/verification.md``.

The grid is evaluated with the scoring kernel (:mod:`tpm_fit._engine.kernel`) in bounded chunks; this
module never computes a score itself.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, cast

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from .._engine.kernel import INPUT_NAMES, VERDICT_NAMES, CompiledRulebook, compile_rulebook, encode_profile
from .._errors import RulebookError
from .._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile
from .._model.rulebook import AllOf, AnyOf, Direction, Favours, Levels, Ramp, Rulebook, as_rulebook

__all__ = [
    "DEFAULT_MAX_GRID_POINTS",
    "DEFAULT_MAX_WORK",
    "TOLERANCE",
    "AxiomResult",
    "FactorResult",
    "GridAxis",
    "InputSpan",
    "VerdictRegion",
    "VerificationReport",
    "Violation",
    "verify_rulebook",
]

#: Relative tolerance for floating-point noise. Score comparisons allow
#: ``TOLERANCE * max(1, sum of weights)``; activations (unitless, 0 to 1) allow ``TOLERANCE``.
TOLERANCE: Final = 1e-9
#: Largest grid verified by default; pass ``max_grid_points=`` to allow more.
DEFAULT_MAX_GRID_POINTS: Final = 5_000_000
#: Most work (grid points x activation terms x passes) verified by default: the kernel does
#: about 10^9 units a second on a laptop, so about 20 s.
DEFAULT_MAX_WORK: Final = 20_000_000_000
#: Float64 cells per chunk for the ``(n_factors, chunk)`` contribution array (at most 32 MiB),
#: and at most this many grid points per chunk (columns and temporaries scale with it too).
_CHUNK_CELLS: Final = 1 << 22
_MAX_CHUNK: Final = 1 << 16
#: Candidate witnesses kept for the "either" search along grid edges.
_MAX_EDGE_CANDIDATES: Final = 16

Check = Literal[
    "monotonicity", "verdict_reachable", "dead_factor", "thresholds_ordered", "contribution_bounded"
]
VerdictName = Literal["traditional", "either", "technical"]
Label = int | str


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Violation(_Frozen):
    """One broken promise, with a concrete counterexample where one exists."""

    check: Check = Field(description="Which check failed.")
    subject: str = Field(
        description="What failed: the axiom id, the verdict, the factor id, or 'thresholds'."
    )
    message: str = Field(description="What is wrong, in plain words.")
    before: OrgProfile | None = Field(
        default=None,
        description=(
            "For monotonicity: the profile before the change the axiom talks about. For a factor "
            "or verdict check: the profile that shows the problem, if one exists."
        ),
    )
    after: OrgProfile | None = Field(
        default=None,
        description="For monotonicity: the same profile with the axiom's input one grid step higher.",
    )
    score_before: float | None = Field(
        default=None, description="Score of `before`, exactly as recommend() computes it."
    )
    score_after: float | None = Field(
        default=None, description="Score of `after`, exactly as recommend() computes it."
    )


class GridAxis(_Frozen):
    """The values of one input on the verification grid."""

    input: str = Field(description="Input name (an OrgProfile field).")
    values: tuple[Label, ...] = Field(
        description=(
            "Grid values: the breakpoints of every ramp on the input plus both ends of its range, "
            "or every level of an ordered input. A single value when no factor reads the input."
        )
    )
    read_by: tuple[str, ...] = Field(description="Ids of the factors whose activation reads the input.")


class AxiomResult(_Frozen):
    """Outcome of one monotonicity axiom."""

    axiom: str = Field(description="Axiom id.")
    input: str = Field(description="The input the axiom talks about.")
    direction: Direction = Field(description="How the score may move as the input increases.")
    holds: bool = Field(description="True when no pair of neighbouring grid points breaks the axiom.")
    pairs_checked: int = Field(
        description=(
            "Pairs of grid points one step apart along the input. 0 when no factor reads the input, "
            "in which case the score cannot depend on it and the axiom holds trivially."
        )
    )
    violating_pairs: int = Field(description="How many of those pairs move the score the wrong way.")
    min_change: float | None = Field(
        description=(
            "Smallest score change over the checked pairs, measured in the promised direction "
            "(negative beyond the tolerance means a violation); None when no pair was checked."
        )
    )


class InputSpan(_Frozen):
    """Values of one input among the grid points that reach a verdict."""

    input: str = Field(description="Input name.")
    values: tuple[Label, ...] = Field(
        description="Grid values of the input at which some grid point reaches the verdict."
    )
    unrestricted: bool = Field(
        description="True when every grid value of the input appears (the verdict does not pin it)."
    )


class VerdictRegion(_Frozen):
    """Whether a verdict can be reached, and by which inputs."""

    verdict: VerdictName = Field(description="The verdict.")
    reachable: bool = Field(description="True when some valid profile gets this verdict.")
    grid_points: int = Field(description="Grid points that get this verdict.")
    share: float = Field(description="grid_points as a fraction of the grid (not of all profiles).")
    witness: OrgProfile | None = Field(
        description=(
            "A profile that gets the verdict: the highest-scoring one for technical, the lowest for "
            "traditional, the one nearest the middle of the band for either."
        )
    )
    witness_score: float | None = Field(description="The witness's score, as recommend() computes it.")
    found_on: Literal["grid_point", "grid_edge"] | None = Field(
        description=(
            "'grid_point' when a grid point reaches the verdict; 'grid_edge' when only a profile "
            "between two neighbouring grid points does (possible for the open 'either' band)."
        )
    )
    inputs: tuple[InputSpan, ...] = Field(
        description="Per input, the grid values seen among the grid points reaching the verdict."
    )


class FactorResult(_Frozen):
    """Range of one factor's activation and contribution over every profile."""

    factor: str = Field(description="Factor id.")
    favours: Favours = Field(description="Which hire the factor argues for.")
    weight: float = Field(description="The factor's weight.")
    min_activation: float = Field(description="Smallest activation over all profiles.")
    max_activation: float = Field(description="Largest activation over all profiles.")
    min_contribution: float = Field(description="Smallest signed contribution over all profiles.")
    max_contribution: float = Field(description="Largest signed contribution over all profiles.")
    fires: bool = Field(description="True when the activation exceeds the tolerance somewhere.")
    bounded: bool = Field(
        description="True when the activation stays in [0, 1], so |contribution| <= weight."
    )


class VerificationReport(_Frozen):
    """What :func:`verify_rulebook` checked and found. ``ok`` is True when nothing failed."""

    rulebook_name: str = Field(description="Name of the rulebook verified.")
    rulebook_version: str = Field(description="Version of the rulebook verified.")
    rulebook_fingerprint: str = Field(description="sha256 fingerprint of the rulebook verified.")
    ok: bool = Field(description="True when there are no violations.")
    violations: tuple[Violation, ...] = Field(description="Every failed check, with counterexamples.")
    thresholds_ordered: bool = Field(description="True when traditional_max < technical_min.")
    score_min: float = Field(description="Lowest score any profile can get.")
    score_max: float = Field(description="Highest score any profile can get.")
    axioms: tuple[AxiomResult, ...] = Field(description="Outcome of every declared axiom.")
    verdicts: tuple[VerdictRegion, ...] = Field(description="Reachability of each verdict.")
    factors: tuple[FactorResult, ...] = Field(description="Activation and contribution range per factor.")
    grid: tuple[GridAxis, ...] = Field(description="The verification grid, one axis per input.")
    grid_points: int = Field(description="Number of grid points (product of the axis sizes).")
    evaluations: int = Field(description="Profiles scored by the kernel, counting shifted neighbours.")
    tolerance: float = Field(description="Absolute tolerance used for score comparisons.")
    seconds: float = Field(description="Wall-clock time the verification took.")

    def to_text(self) -> str:
        """The report as plain text for a terminal (what ``tpm-fit verify`` prints)."""
        return _render(self)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        """Notebook display: the outcome, violations, axioms, verdicts and factors as tables."""
        from .._explain.tables import report_html

        return report_html(self)


# -- the grid ---------------------------------------------------------------------------------


@dataclass
class _Axis:
    name: str
    codes: NDArray[Any]  # what the kernel reads: float64 values or int64 level ranks
    labels: tuple[Label, ...]
    read_by: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.labels)


def _walk(node: Ramp | Levels | AllOf | AnyOf) -> Iterator[Ramp | Levels]:
    if isinstance(node, AllOf | AnyOf):
        for term in node.of:
            yield from _walk(term)
    else:
        yield node


def _build_axes(rulebook: Rulebook) -> list[_Axis]:
    breakpoints: dict[str, set[int]] = {name: set() for name in NUMERIC_BOUNDS}
    readers: dict[str, list[str]] = {name: [] for name in INPUT_NAMES}
    for factor in rulebook.factors:
        for leaf in _walk(factor.activation):
            if factor.id not in readers[leaf.input]:
                readers[leaf.input].append(factor.id)
            if isinstance(leaf, Ramp):
                breakpoints[leaf.input].update(int(x) for x, _ in leaf.points)
    axes = []
    for name in INPUT_NAMES:
        default = OrgProfile.model_fields[name].default
        if name in ORDERED_INPUTS:
            levels = list(ORDERED_INPUTS[name])
            chosen = levels if readers[name] else [default if default in levels else levels[0]]
            axes.append(
                _Axis(
                    name,
                    np.asarray([level.rank for level in chosen], dtype=np.int64),
                    tuple(level.value for level in chosen),
                    readers[name],
                )
            )
        else:
            low, high = NUMERIC_BOUNDS[name]
            if readers[name]:
                values = sorted(breakpoints[name] | {low, high})
            else:  # the score cannot depend on it: one value stands for all
                values = [default if isinstance(default, int) else low]
            axes.append(_Axis(name, np.asarray(values, dtype=np.float64), tuple(values), readers[name]))
    return axes


class _Grid:
    """The Cartesian product of the axes, addressed by flat (C-order) index."""

    def __init__(self, axes: Sequence[_Axis]) -> None:
        self.axes = list(axes)
        self.dims = tuple(axis.size for axis in axes)
        self.size = math.prod(self.dims)
        self.strides = tuple(math.prod(self.dims[k + 1 :]) for k in range(len(self.dims)))
        self.position = {axis.name: k for k, axis in enumerate(axes)}

    def indices(self, flat: NDArray[np.int64]) -> tuple[NDArray[np.intp], ...]:
        return tuple(np.unravel_index(flat, self.dims))

    def columns(self, idx: Sequence[NDArray[np.intp]]) -> dict[str, NDArray[Any]]:
        return {axis.name: axis.codes[i] for axis, i in zip(self.axes, idx, strict=True)}

    def profile(self, flat: int, *, shift: tuple[int, int] | None = None) -> OrgProfile:
        """The profile at a grid point; ``shift=(axis, steps)`` moves along one axis first."""
        idx = [int(i) for i in np.unravel_index(flat, self.dims)]
        if shift is not None:
            idx[shift[0]] += shift[1]
        return OrgProfile.model_validate(
            {axis.name: axis.labels[i] for axis, i in zip(self.axes, idx, strict=True)}
        )


def _exact_score(compiled: CompiledRulebook, profile: OrgProfile) -> float:
    """The score as recommend() computes it (the kernel's scalar twin)."""
    return compiled.score_one(encode_profile(profile))[2]


def _scores(compiled: CompiledRulebook, columns: Mapping[str, NDArray[Any]], n: int) -> NDArray[np.float64]:
    return compiled.score(compiled.contributions(columns, n))


# -- accumulators -------------------------------------------------------------------------------


@dataclass
class _AxiomState:
    axis: int
    sign: float  # +1 when the score may only rise with the input, -1 when it may only fall
    pairs: int = 0
    violating: int = 0
    min_change: float = math.inf
    worst_flat: int = -1


@dataclass
class _VerdictState:
    count: int = 0
    seen: list[NDArray[np.bool_]] = field(default_factory=list)
    best_key: float = math.inf
    best_flat: int = -1


@dataclass
class _FactorState:
    min_activation: float = math.inf
    max_activation: float = -math.inf
    min_contribution: float = math.inf
    max_contribution: float = -math.inf
    out_of_bounds_flat: int = -1


def _terms(node: Ramp | Levels | AllOf | AnyOf) -> int:
    """Work of one activation per grid point: one per table, one per ramp segment."""
    return sum(len(leaf.points) if isinstance(leaf, Ramp) else 1 for leaf in _walk(node))


def _check_work(rulebook: Rulebook, grid: _Grid, max_work: int) -> None:
    """Refuse, before any scoring, a verification whose work exceeds ``max_work``."""
    per_point = sum(_terms(f.activation) for f in rulebook.factors) + sum(
        _terms(r.when) for r in rulebook.risks
    )
    passes = 1 + len({axiom.input for axiom in rulebook.axioms})  # one pass, plus neighbours per axiom input
    work = grid.size * per_point * passes
    if work > max_work:
        raise RulebookError(
            f"max_work={max_work:,}: verification would take {work:,} units of work "
            f"({grid.size:,} grid points x {per_point:,} activation terms x {passes} passes); "
            "pass max_work= (tpm-fit verify --max-work N) to allow it, or use fewer factors and "
            "ramp breakpoints",
            location="factors",
        )


def _chunks(size: int, chunk: int) -> Iterator[NDArray[np.int64]]:
    for start in range(0, size, chunk):
        yield np.arange(start, min(start + chunk, size), dtype=np.int64)


def verify_rulebook(
    rulebook: Rulebook | str | os.PathLike[str],
    *,
    max_grid_points: int = DEFAULT_MAX_GRID_POINTS,
    chunk_size: int | None = None,
    max_work: int = DEFAULT_MAX_WORK,
) -> VerificationReport:
    """Check a rulebook's promises over every possible profile, exactly.

    The checks run over the grid of every input's breakpoints (plus the ends of each range, and
    every level of the ordered inputs). Because each primitive is piecewise linear or a lookup and
    each combination reads an input only once, that grid decides every check for the whole,
    infinite input space; ``docs/verification.md`` gives the proof.

    Checks: every monotonicity axiom the rulebook declares; every verdict reachable; no dead
    factor (one whose activation never exceeds the tolerance); the thresholds ordered; every
    contribution bounded by its factor's weight.

    Parameters
    ----------
    rulebook : Rulebook, str or os.PathLike
        The rules to verify, or the path of a TOML rulebook.
    max_grid_points : int, default 5_000_000
        Refuse grids larger than this (time grows with the grid; memory does not).
    max_work : int, default 20_000_000_000
        Refuse verifications whose work (grid points x activation terms per point x kernel
        passes per point) is larger: this bounds the time, where ``max_grid_points`` alone
        does not (a rulebook of many long ramps is slow at a modest grid size).
    chunk_size : int, optional
        Grid points evaluated per kernel call; by default at most 65,536, and fewer when the
        rulebook has so many factors that one chunk's contributions would pass 32 MiB.

    Returns
    -------
    VerificationReport
        ``ok`` is True when nothing failed; each violation carries a counterexample.

    Raises
    ------
    RulebookError
        The grid would exceed ``max_grid_points``, or the work ``max_work``; the message says
        which inputs have how many breakpoints, and how to raise the bound.

    Examples
    --------
    >>> import tpm_fit
    >>> tpm_fit.verify_rulebook(tpm_fit.Rulebook.default()).ok
    True
    """
    started = time.perf_counter()
    rulebook = rulebook if isinstance(rulebook, Rulebook) else as_rulebook(rulebook)
    compiled = compile_rulebook(rulebook)
    grid = _Grid(_build_axes(rulebook))
    if grid.size > max_grid_points:
        sizes = ", ".join(f"{axis.name}: {axis.size}" for axis in grid.axes if axis.size > 1)
        raise RulebookError(
            f"verification grid has {grid.size:,} points ({sizes}), more than "
            f"max_grid_points={max_grid_points:,}; use fewer distinct ramp breakpoints or raise the limit",
            location="factors",
        )
    _check_work(rulebook, grid, max_work)
    n_factors = len(rulebook.factors)
    chunk = (
        chunk_size
        if chunk_size is not None
        else max(1024, min(_MAX_CHUNK, _CHUNK_CELLS // max(1, n_factors)))
    )
    if chunk < 1:
        raise ValueError(f"chunk_size={chunk_size!r} must be at least 1")
    total_weight = sum(factor.weight for factor in rulebook.factors)
    tolerance = TOLERANCE * max(1.0, total_weight)
    lower = rulebook.thresholds.traditional_max
    upper = rulebook.thresholds.technical_min
    middle = (lower + upper) / 2.0

    axioms = [
        _AxiomState(grid.position[axiom.input], 1.0 if axiom.direction is Direction.NON_DECREASING else -1.0)
        for axiom in rulebook.axioms
    ]
    shift_axes = sorted({state.axis for state in axioms if grid.dims[state.axis] > 1})
    verdicts = [_VerdictState(seen=[np.zeros(d, dtype=bool) for d in grid.dims]) for _ in VERDICT_NAMES]
    factors = [_FactorState() for _ in rulebook.factors]
    score_min, score_max = math.inf, -math.inf
    min_flat = max_flat = 0
    evaluations = 0

    for flat in _chunks(grid.size, chunk):
        n = len(flat)
        idx = grid.indices(flat)
        columns = grid.columns(idx)
        contributions = compiled.contributions(columns, n)
        score = compiled.score(contributions)
        evaluations += n

        # Range of the score, and of each factor's activation and contribution.
        low_at, high_at = int(np.argmin(score)), int(np.argmax(score))
        if score[low_at] < score_min:
            score_min, min_flat = float(score[low_at]), int(flat[low_at])
        if score[high_at] > score_max:
            score_max, max_flat = float(score[high_at]), int(flat[high_at])
        for k, (node, fstate) in enumerate(zip(compiled.activations, factors, strict=True)):
            activation = node.batch(columns)
            fstate.min_activation = min(fstate.min_activation, float(activation.min()))
            fstate.max_activation = max(fstate.max_activation, float(activation.max()))
            fstate.min_contribution = min(fstate.min_contribution, float(contributions[k].min()))
            fstate.max_contribution = max(fstate.max_contribution, float(contributions[k].max()))
            outside = (activation < -TOLERANCE) | (activation > 1.0 + TOLERANCE) | ~np.isfinite(activation)
            if fstate.out_of_bounds_flat < 0 and outside.any():
                fstate.out_of_bounds_flat = int(flat[int(np.argmax(outside))])

        # Which verdict each grid point gets, and which input values lead there.
        codes = compiled.verdict_codes(score)
        for code, vstate in enumerate(verdicts):
            mask = codes == code
            hits = int(mask.sum())
            if not hits:
                continue
            vstate.count += hits
            for k, seen in enumerate(vstate.seen):
                seen |= np.bincount(idx[k][mask], minlength=grid.dims[k]) > 0
            key = -score if code == 2 else score if code == 0 else np.abs(score - middle)
            masked = np.where(mask, key, np.inf)
            lowest = float(masked.min())
            if vstate.best_flat < 0 or lowest < vstate.best_key - tolerance:
                vstate.best_flat = int(flat[int(np.argmax(masked <= lowest + tolerance))])
            vstate.best_key = min(vstate.best_key, lowest)

        # Every axiom: the change from each grid point to its neighbour one step up its input.
        for axis in shift_axes:
            movable = idx[axis] < grid.dims[axis] - 1
            if not movable.any():
                continue
            moved = [i[movable] for i in idx]
            moved[axis] = moved[axis] + 1
            after = _scores(compiled, grid.columns(moved), len(moved[axis]))
            evaluations += len(after)
            change = after - score[movable]
            for astate in axioms:
                if astate.axis != axis:
                    continue
                signed = astate.sign * change
                worst = float(signed.min())
                astate.pairs += len(signed)
                astate.violating += int((signed < -tolerance).sum())
                # Among pairs as bad as the worst (up to float noise), show the first in grid
                # order: the one with the smallest, most readable inputs.
                if astate.worst_flat < 0 or worst < astate.min_change - tolerance:
                    first = int(np.argmax(signed <= worst + tolerance))
                    astate.worst_flat = int(flat[movable][first])
                astate.min_change = min(astate.min_change, worst)

    violations: list[Violation] = []

    ordered = lower < upper
    if not ordered:
        violations.append(
            Violation(
                check="thresholds_ordered",
                subject="thresholds",
                message=f"traditional_max={lower:g} must be below technical_min={upper:g}",
            )
        )

    axiom_results = []
    for axiom, astate in zip(rulebook.axioms, axioms, strict=True):
        holds = astate.violating == 0
        axiom_results.append(
            AxiomResult(
                axiom=axiom.id,
                input=axiom.input,
                direction=axiom.direction,
                holds=holds,
                pairs_checked=astate.pairs,
                violating_pairs=astate.violating,
                min_change=astate.min_change + 0.0 if astate.pairs else None,  # no -0.0
            )
        )
        if not holds:
            before = grid.profile(astate.worst_flat)
            after_profile = grid.profile(astate.worst_flat, shift=(astate.axis, 1))
            s0, s1 = _exact_score(compiled, before), _exact_score(compiled, after_profile)
            verb = "lowers" if s1 < s0 else "raises"
            violations.append(
                Violation(
                    check="monotonicity",
                    subject=axiom.id,
                    message=(
                        f"raising {axiom.input} from {_label(before, axiom.input)} to "
                        f"{_label(after_profile, axiom.input)} {verb} the score from {s0:.6g} to {s1:.6g}, "
                        f"but the axiom says the score is {axiom.direction.value.replace('_', '-')} "
                        f"in {axiom.input} ({astate.violating:,} of {astate.pairs:,} neighbouring "
                        "grid pairs break it)"
                    ),
                    before=before,
                    after=after_profile,
                    score_before=s0,
                    score_after=s1,
                )
            )

    verdict_results = []
    for name, vstate in zip(VERDICT_NAMES, verdicts, strict=True):
        found_on: Literal["grid_point", "grid_edge"] | None = None
        witness: OrgProfile | None = None
        if vstate.count:
            found_on, witness = "grid_point", grid.profile(vstate.best_flat)
        elif name == "either" and ordered:
            witness, extra = _either_on_edges(compiled, grid, chunk)
            found_on = "grid_edge" if witness is not None else None
            evaluations += extra
        spans = tuple(
            InputSpan(
                input=axis.name,
                values=tuple(label for label, hit in zip(axis.labels, seen, strict=True) if hit),
                unrestricted=bool(seen.all()),
            )
            for axis, seen in zip(grid.axes, vstate.seen, strict=True)
            if vstate.count
        )
        if witness is not None and not spans:
            spans = tuple(
                InputSpan(input=axis.name, values=(_label(witness, axis.name),), unrestricted=False)
                for axis in grid.axes
            )
        witness_score = _exact_score(compiled, witness) if witness is not None else None
        verdict_results.append(
            VerdictRegion(
                verdict=cast("VerdictName", name),
                reachable=witness is not None,
                grid_points=vstate.count,
                share=vstate.count / grid.size,
                witness=witness,
                witness_score=witness_score,
                found_on=found_on,
                inputs=spans,
            )
        )
        if witness is None:
            violations.append(_unreachable(name, compiled, grid, chunk, score_min, score_max))

    factor_results = []
    for factor, fstate in zip(rulebook.factors, factors, strict=True):
        fires = fstate.max_activation > TOLERANCE
        bounded = fstate.out_of_bounds_flat < 0
        factor_results.append(
            FactorResult(
                factor=factor.id,
                favours=factor.favours,
                weight=factor.weight,
                min_activation=fstate.min_activation,
                max_activation=fstate.max_activation,
                min_contribution=fstate.min_contribution,
                max_contribution=fstate.max_contribution,
                fires=fires,
                bounded=bounded,
            )
        )
        if not fires:
            violations.append(
                Violation(
                    check="dead_factor",
                    subject=factor.id,
                    message=(
                        f"factor {factor.id} never fires: its activation is at most "
                        f"{fstate.max_activation:.3g} for every profile, so it cannot affect any verdict"
                    ),
                )
            )
        if not bounded:
            where = grid.profile(fstate.out_of_bounds_flat)
            violations.append(
                Violation(
                    check="contribution_bounded",
                    subject=factor.id,
                    message=(
                        f"factor {factor.id} has an activation outside [0, 1] (between "
                        f"{fstate.min_activation:.6g} and {fstate.max_activation:.6g}), so its "
                        f"contribution can exceed its weight {factor.weight:g}"
                    ),
                    before=where,
                    score_before=_exact_score(compiled, where),
                )
            )

    return VerificationReport(
        rulebook_name=rulebook.name,
        rulebook_version=rulebook.version,
        rulebook_fingerprint=rulebook.fingerprint,
        ok=not violations,
        violations=tuple(violations),
        thresholds_ordered=ordered,
        score_min=_exact_score(compiled, grid.profile(min_flat)),
        score_max=_exact_score(compiled, grid.profile(max_flat)),
        axioms=tuple(axiom_results),
        verdicts=tuple(verdict_results),
        factors=tuple(factor_results),
        grid=tuple(
            GridAxis(input=axis.name, values=axis.labels, read_by=tuple(axis.read_by)) for axis in grid.axes
        ),
        grid_points=grid.size,
        evaluations=evaluations,
        tolerance=tolerance,
        seconds=time.perf_counter() - started,
    )


def _label(profile: OrgProfile, name: str) -> Label:
    value = getattr(profile, name)
    return value.value if name in ORDERED_INPUTS else int(value)


def _either_on_edges(compiled: CompiledRulebook, grid: _Grid, chunk: int) -> tuple[OrgProfile | None, int]:
    """A profile strictly inside the 'either' band lying on a grid edge, if there is one.

    Called only when no grid point is inside the band. Along an edge (one integer input between
    two neighbouring breakpoints, the others on grid values) the score is affine, so the integer
    steps that land inside the band follow in closed form; each candidate is then scored by the
    kernel and kept only if it really gets the verdict. Also returns the profiles scored.
    """
    lower = compiled.traditional_max
    upper = compiled.technical_min
    numeric = [k for k, axis in enumerate(grid.axes) if axis.name in NUMERIC_BOUNDS and axis.size > 1]
    evaluations = 0
    for flat in _chunks(grid.size, chunk):
        idx = grid.indices(flat)
        score = _scores(compiled, grid.columns(idx), len(flat))
        evaluations += len(flat)
        for k in numeric:
            codes = grid.axes[k].codes
            movable = idx[k] < grid.dims[k] - 1
            gap_all = np.zeros(len(flat))
            gap_all[movable] = codes[idx[k][movable] + 1] - codes[idx[k][movable]]
            movable &= gap_all > 1
            if not movable.any():
                continue
            moved = [i[movable] for i in idx]
            moved[k] = moved[k] + 1
            s0 = score[movable]
            s1 = _scores(compiled, grid.columns(moved), len(s0))
            evaluations += len(s0)
            gap = gap_all[movable]
            slope = s1 - s0
            with np.errstate(divide="ignore", invalid="ignore"):
                t_a = (lower - s0) / slope
                t_b = (upper - s0) / slope
            t_lo, t_hi = np.minimum(t_a, t_b), np.maximum(t_a, t_b)
            step = np.maximum(np.floor(t_lo * gap) + 1, 1.0)
            ok = (slope != 0) & np.isfinite(step) & (step >= 1) & (step <= gap - 1) & (step < t_hi * gap)
            for j in np.flatnonzero(ok)[:_MAX_EDGE_CANDIDATES]:
                base = grid.profile(int(flat[movable][j]))
                name = grid.axes[k].name
                candidate = OrgProfile.model_validate(
                    {**base.__dict__, name: int(getattr(base, name) + step[j])}
                )
                evaluations += 1
                if compiled.verdict_one(_exact_score(compiled, candidate)) == "either":
                    return candidate, evaluations
    return None, evaluations


def _unreachable(
    name: str,
    compiled: CompiledRulebook,
    grid: _Grid,
    chunk: int,
    score_min: float,
    score_max: float,
) -> Violation:
    lower, upper = compiled.traditional_max, compiled.technical_min
    if name == "technical":
        why = f"the highest score any profile gets is {score_max:.6g}, below technical_min={upper:g}"
    elif name == "traditional":
        why = f"the lowest score any profile gets is {score_min:.6g}, above traditional_max={lower:g}"
    else:
        jump = _band_jump(compiled, grid, chunk)
        why = f"no profile scores strictly between traditional_max={lower:g} and technical_min={upper:g}"
        if jump is not None:
            before, after = jump
            s0, s1 = _exact_score(compiled, before), _exact_score(compiled, after)
            return Violation(
                check="verdict_reachable",
                subject=name,
                message=(
                    f"verdict 'either' is unreachable: {why}; the score jumps over the band, e.g. "
                    f"from {s0:.6g} to {s1:.6g} between these neighbouring profiles"
                ),
                before=before,
                after=after,
                score_before=s0,
                score_after=s1,
            )
    return Violation(
        check="verdict_reachable", subject=name, message=f"verdict {name!r} is unreachable: {why}"
    )


def _band_jump(compiled: CompiledRulebook, grid: _Grid, chunk: int) -> tuple[OrgProfile, OrgProfile] | None:
    """Two neighbouring grid points whose scores lie on opposite sides of the 'either' band."""
    for flat in _chunks(grid.size, chunk):
        idx = grid.indices(flat)
        score = _scores(compiled, grid.columns(idx), len(flat))
        for k in range(len(grid.axes)):
            movable = idx[k] < grid.dims[k] - 1
            if not movable.any():
                continue
            moved = [i[movable] for i in idx]
            moved[k] = moved[k] + 1
            s0 = score[movable]
            s1 = _scores(compiled, grid.columns(moved), len(s0))
            codes0, codes1 = compiled.verdict_codes(s0), compiled.verdict_codes(s1)
            crossing = np.flatnonzero(codes0 != codes1)
            if len(crossing):
                start = int(flat[movable][crossing[0]])
                return grid.profile(start), grid.profile(start, shift=(k, 1))
    return None


# -- rendering --------------------------------------------------------------------------------


def _profile_text(profile: OrgProfile) -> str:
    return ", ".join(f"{name}={_label(profile, name)}" for name in INPUT_NAMES)


def _values_text(values: Sequence[Label]) -> str:
    return ", ".join(f"{v:,}" if isinstance(v, int) else v for v in values)


def _render(report: VerificationReport) -> str:
    status = "OK" if report.ok else f"{len(report.violations)} VIOLATION(S)"
    lines = [
        f"Rulebook {report.rulebook_name!r} {report.rulebook_version} "
        f"(fingerprint {report.rulebook_fingerprint[:12]}): {status}",
        f"Checked exactly over {report.grid_points:,} grid points ({report.evaluations:,} kernel "
        f"evaluations) in {report.seconds:.3f} s; score tolerance {report.tolerance:.2g}.",
        "",
        "Grid (breakpoints and range ends; these decide every profile, see docs/verification.md):",
    ]
    for axis in report.grid:
        if axis.read_by:
            lines.append(f"  {axis.input}: {_values_text(axis.values)}")
        else:
            lines.append(f"  {axis.input}: not read by any factor (the score does not depend on it)")
    lines += [
        "",
        f"Thresholds: {'ok' if report.thresholds_ordered else 'NOT ORDERED'}",
        f"Score range over every profile: {report.score_min:+.4g} to {report.score_max:+.4g}",
        "",
        "Axioms:",
    ]
    if not report.axioms:
        lines.append("  (the rulebook declares none)")
    for axiom in report.axioms:
        detail = (
            f"{axiom.pairs_checked:,} pairs, smallest change {axiom.min_change:+.4g}"
            if axiom.min_change is not None
            else "input not read: holds trivially"
        )
        mark = "ok  " if axiom.holds else "FAIL"
        lines.append(f"  {mark} {axiom.axiom} ({axiom.input} {axiom.direction.value}): {detail}")
    lines += ["", "Verdicts:"]
    for region in report.verdicts:
        if not region.reachable:
            lines.append(f"  FAIL {region.verdict}: unreachable")
            continue
        where = (
            f"{region.grid_points:,} grid points ({region.share:.1%})"
            if region.found_on == "grid_point"
            else "only between grid points"
        )
        lines.append(f"  ok   {region.verdict}: reachable, {where}")
        if region.witness is not None and region.witness_score is not None:
            lines.append(f"         e.g. {_profile_text(region.witness)} (score {region.witness_score:+.4g})")
        pinned = [span for span in region.inputs if not span.unrestricted]
        if pinned and region.found_on == "grid_point":
            lines.append(
                "         only with "
                + "; ".join(f"{span.input} in {{{_values_text(span.values)}}}" for span in pinned)
            )
    lines += ["", "Factors (activation range; contribution range):"]
    for factor in report.factors:
        mark = "ok  " if factor.fires and factor.bounded else "FAIL"
        note = " (weight 0: disabled)" if factor.weight == 0 else ""
        lines.append(
            f"  {mark} {factor.factor}: {factor.min_activation + 0.0:.3g} to {factor.max_activation:.3g}; "
            f"{factor.min_contribution + 0.0:+.3g} to {factor.max_contribution + 0.0:+.3g}{note}"
        )
    if report.violations:
        lines += ["", "Violations:", *violation_lines(report.violations)]
    return "\n".join(lines)


def violation_lines(violations: Sequence[Violation]) -> list[str]:
    """Numbered lines describing violations and their counterexamples (shared with testing)."""
    lines = []
    for number, violation in enumerate(violations, start=1):
        lines.append(f"  {number}. [{violation.check}] {violation.subject}: {violation.message}")
        for label, profile, score in (
            ("before:", violation.before, violation.score_before),
            ("after: ", violation.after, violation.score_after),
        ):
            if profile is not None:
                shown = f" (score {score:+.6g})" if score is not None else ""
                lines.append(f"     {label} {_profile_text(profile)}{shown}")
    return lines
