"""Exhaustive verification of a rulebook: a proof over every profile, not a sample.

Every activation primitive is piecewise linear (ramps) or a lookup (level tables), a combination
reads each input in at most one term, and the seat (stage one) is a step function whose steps are
grid points. Inside each cell of the grid spanned by every input's breakpoints, the seat is
therefore constant and the score is affine in each integer input separately, so its extremes, and
the extremes of the change caused by moving one input between neighbouring breakpoints, sit on
grid points. Checking the grid is checking everything; the argument is written out in
``docs/verification.md``.

The grid is evaluated with the scoring kernel (:mod:`tpm_fit._engine.kernel`) in bounded chunks
(:mod:`.grid`); each check is an accumulator (:mod:`.checks`, :mod:`.reach`) fed chunk by chunk.
This module never computes a score itself.
"""

from __future__ import annotations

import os
import time
from typing import Any, Final

from .._engine.kernel import CompiledRulebook, compile_rulebook
from .._errors import RulebookError
from .._model.guidance import Guidance, as_guidance
from .._model.rulebook import Rulebook, as_rulebook
from .._model.verification import (
    TOLERANCE,
    AxiomResult,
    FactorResult,
    GridAxis,
    InputSpan,
    SeatAxiomResult,
    SentenceCheck,
    VerdictRegion,
    VerificationReport,
    Violation,
)
from .breakpoint_grid import Chunk, Grid, build_axes
from .checks import AxiomCheck, ConditionalCheck, FactorCheck, ScoreRange, SeatCheck
from .guidance import check_guidance
from .reach import VerdictCheck
from .sentences import RENDERED_PROFILES, Renderings, check_sentences, rendering_bound
from .work import DEFAULT_MAX_WORK, check_work, verification_passes, verification_work

__all__ = [
    "DEFAULT_MAX_GRID_POINTS",
    "DEFAULT_MAX_WORK",
    "TOLERANCE",
    "AxiomResult",
    "FactorResult",
    "GridAxis",
    "InputSpan",
    "SeatAxiomResult",
    "VerdictRegion",
    "VerificationReport",
    "Violation",
    "verify_rulebook",
]

#: Largest grid verified by default; pass ``max_grid_points=`` to allow more.
DEFAULT_MAX_GRID_POINTS: Final = 5_000_000
#: Float64 cells per chunk for the ``(n_factors, chunk)`` contribution array (at most 32 MiB),
#: and at most this many grid points per chunk (columns and temporaries scale with it too).
_CHUNK_CELLS: Final = 1 << 22
_MAX_CHUNK: Final = 1 << 16


def verify_rulebook(
    rulebook: Rulebook | str | os.PathLike[str],
    *,
    max_grid_points: int = DEFAULT_MAX_GRID_POINTS,
    chunk_size: int | None = None,
    max_work: int = DEFAULT_MAX_WORK,
    guidance: Guidance | str | os.PathLike[str] | None = None,
    sentence_check: bool = True,
    renderings: Renderings = "sample",
) -> VerificationReport:
    """Check a rulebook's promises over every possible profile, exactly.

    The checks run over the grid of every input's breakpoints (those of the factors' ramps and of
    the seat rule, plus the ends of each range, and every level of the ordered inputs). Because
    each primitive is piecewise linear or a lookup, each combination reads an input only once, and
    the seat only steps at grid points, that grid decides every check for the whole, infinite
    input space; ``docs/verification.md`` gives the proof.

    Checks: every monotonicity axiom (over profile inputs, and over derived inputs such as
    ``seat_technical``); every promise about the seat; every verdict reachable; no dead factor
    (one whose activation never exceeds the tolerance); the thresholds ordered; every contribution
    bounded by its factor's weight.

    Parameters
    ----------
    rulebook : Rulebook, str or os.PathLike
        The rules to verify, or the path of a TOML rulebook.
    max_grid_points : int, default 5_000_000
        Refuse grids larger than this (time grows with the grid; memory does not).
    max_work : int, default 20_000_000_000
        Refuse verifications whose predicted work is larger (about nanoseconds of one core; the
        work model, calibrated within 2x over rulebook shapes by ``benchmarks/bench_hostile.py``,
        is described in ``docs/performance.md``): this bounds the time, where ``max_grid_points``
        alone does not (a rulebook of many factors is slow at a modest grid size).
    guidance : Guidance, str or os.PathLike, optional
        Hiring guidance to check as well (sections cited, five anchored levels per competency,
        known inputs and faces); the shipped guidance when omitted. Reported in ``guidance``.
    sentence_check : bool, default True
        Also render the seat's reason, the risks and the warnings for every valid grid profile and
        check each fact-stating phrase against its declared condition (``sentences``).
    renderings : {"sample", "all"} or int, default "sample"
        Which kinds of advice the sentence check renders in full (``explain()``, its Markdown,
        ``brief().to_markdown()`` and the counterfactual lines; one profile per kind): "sample",
        at most 64 kinds evenly spread (the default rulebook has some 680 kinds); "all", every
        kind (a few seconds for the default rulebook; the work is checked against ``max_work``
        once the kinds are counted, before any is rendered); or at most that many kinds, evenly
        spread. ``report.sentences`` says whether every kind was rendered or a sample of them.
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
    InvalidArgumentError
        ``renderings`` is not "sample", "all" or a whole number of at least 1.

    Examples
    --------
    >>> import tpm_fit
    >>> tpm_fit.verify_rulebook(tpm_fit.Rulebook.default()).ok
    True
    """
    started = time.perf_counter()
    most_rendered = rendering_bound(renderings)
    rulebook = rulebook if isinstance(rulebook, Rulebook) else as_rulebook(rulebook)
    guidance_report = check_guidance(as_guidance(guidance))
    compiled = compile_rulebook(rulebook)
    grid = _checked_grid(compiled, max_grid_points)
    _check_work(rulebook, grid, max_work, most_rendered, sentences=sentence_check)
    chunk = _chunk_size(chunk_size, len(rulebook.factors))
    tolerance = TOLERANCE * max(1.0, sum(factor.weight for factor in rulebook.factors))

    checks = _Checks(compiled, grid, chunk, tolerance)
    evaluations = 0
    for flat in grid.chunks(chunk):
        scored = Chunk.score_points(compiled, grid, flat)
        evaluations += len(flat)
        for check in checks.all():
            check.update(scored)
    scores, axioms, verdicts = checks.scores, checks.axioms, checks.verdicts

    ordered = compiled.traditional_max < compiled.technical_min
    violations = [] if ordered else [_thresholds_violation(compiled)]
    (axiom_results, seat_results, verdict_results, factor_results, claim_results), found = checks.results()
    sentences, sentence_violations = (
        _sentences(rulebook, grid, most_rendered, max_work) if sentence_check else (None, [])
    )
    violations += found + sentence_violations

    return VerificationReport(
        rulebook_name=rulebook.name,
        rulebook_version=rulebook.version,
        rulebook_fingerprint=rulebook.fingerprint,
        ok=not violations and guidance_report.ok,
        violations=tuple(violations),
        thresholds_ordered=ordered,
        score_min=compiled.evaluate_one(grid.values(scores.low_flat)).score,
        score_max=compiled.evaluate_one(grid.values(scores.high_flat)).score,
        axioms=tuple(axiom_results),
        seat_axioms=tuple(seat_results),
        verdicts=tuple(verdict_results),
        factors=tuple(factor_results),
        grid=tuple(GridAxis(input=a.name, values=a.labels, read_by=tuple(a.read_by)) for a in grid.axes),
        grid_points=grid.size,
        evaluations=evaluations + sum(state.pairs for state in axioms.states) + verdicts.evaluations,
        tolerance=tolerance,
        seconds=time.perf_counter() - started,
        guidance=guidance_report,
        verdict_axioms=tuple(claim_results),
        sentences=sentences,
    )


class _Checks:
    """The accumulators of one verification, fed the same chunks."""

    def __init__(self, compiled: CompiledRulebook, grid: Grid, chunk: int, tolerance: float) -> None:
        self.scores = ScoreRange()
        self.factors = FactorCheck(compiled, grid)
        self.axioms = AxiomCheck(compiled, grid, tolerance)
        self.seat = SeatCheck(compiled, grid)
        self.verdicts = VerdictCheck(compiled, grid, chunk, tolerance)
        self.claims = ConditionalCheck(compiled, grid)

    def results(self) -> tuple[tuple[Any, Any, Any, Any, Any], list[Violation]]:
        """Every check's report entries (axioms, seat, verdicts, factors, claims) and violations."""
        parts = (
            self.axioms.result(),
            self.seat.result(),
            self.verdicts.result(self.scores.low, self.scores.high),
            self.factors.result(),
            self.claims.result(),
        )
        found = [violation for _, violations in parts for violation in violations]
        entries = tuple(entries for entries, _ in parts)
        return (entries[0], entries[1], entries[2], entries[3], entries[4]), found

    def all(
        self,
    ) -> tuple[ScoreRange, FactorCheck, AxiomCheck, SeatCheck, VerdictCheck, ConditionalCheck]:
        return self.scores, self.factors, self.axioms, self.seat, self.verdicts, self.claims


def _sentences(
    rulebook: Rulebook, grid: Grid, most_rendered: int | None, max_work: int
) -> tuple[SentenceCheck, list[Violation]]:
    """The sentence check, and its violation when a phrase is false. The work is checked again
    once the kinds of advice are counted, with the number about to be rendered."""

    def before_rendering(count: int) -> None:
        _check_work(rulebook, grid, max_work, count, counted=True)

    check = check_sentences(rulebook, grid, renderings=most_rendered, before_rendering=before_rendering)
    if not check.false_phrases:
        return check, []
    message = f"{check.false_phrases:,} false phrase(s); first: {check.first_false}"
    return check, [Violation(check="sentence", subject="sentences", message=message)]


def _checked_grid(compiled: CompiledRulebook, max_grid_points: int) -> Grid:
    grid = Grid(build_axes(compiled))
    if grid.size > max_grid_points:
        sizes = ", ".join(f"{axis.name}: {axis.size}" for axis in grid.axes if axis.size > 1)
        raise RulebookError(
            f"verification grid has {grid.size:,} points ({sizes}), more than "
            f"max_grid_points={max_grid_points:,}; use fewer distinct ramp breakpoints or raise the limit",
            location="factors",
        )
    return grid


def _check_work(
    rulebook: Rulebook,
    grid: Grid,
    max_work: int,
    renderings: int | None,
    *,
    counted: bool = False,
    sentences: bool = True,
) -> None:
    """Refuse a verification whose predicted work exceeds ``max_work``: before any scoring, with
    ``renderings`` profiles rendered (the sample's bound when None, for ``renderings="all"``),
    and, once the kinds of advice are ``counted``, with the number about to be rendered (none
    without the ``sentences`` check)."""
    passes = verification_passes(rulebook)
    rendered = renderings if renderings is not None else RENDERED_PROFILES
    detail = (
        f"{grid.size:,} grid points x {len(rulebook.factors) + len(rulebook.risks)} factors and risks "
        f"x {passes} passes"
    )
    if counted:
        detail += f", and every rendering of {rendered:,} kinds of advice"
    check_work(
        "verification",
        verification_work(rulebook, grid, sentences=sentences, renderings=rendered),
        max_work,
        detail,
        flag="tpm-fit verify --max-work N; or render fewer kinds: renderings='sample' or a number, "
        "--renderings sample|N",
    )


def _chunk_size(chunk_size: int | None, n_factors: int) -> int:
    if chunk_size is None:
        return max(1024, min(_MAX_CHUNK, _CHUNK_CELLS // max(1, n_factors)))
    if chunk_size < 1:
        raise ValueError(f"chunk_size={chunk_size!r}: not a positive number; at least 1")
    return chunk_size


def _thresholds_violation(compiled: CompiledRulebook) -> Violation:
    lower, upper = compiled.traditional_max, compiled.technical_min
    return Violation(
        check="thresholds_ordered",
        subject="thresholds",
        message=f"traditional_max={lower:g} must be below technical_min={upper:g}",
    )
