"""Rulebook sensitivity: how many verification-grid profiles change verdict when one factor's
weight moves by ``±delta``.

Exact over the breakpoint grid (:mod:`tpm_fit._verify.breakpoint_grid`): each point's score
moves by ``±delta * contribution`` in closed form, and verdicts come from the kernel.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from .._engine.kernel import CompiledRulebook, compile_rulebook
from .._errors import InvalidArgumentError, RulebookError, short
from .._model.frozen import Frozen as _Frozen
from .._model.profile import within_headcount
from .._model.rulebook import Rulebook
from .._verify.work import DEFAULT_MAX_WORK, check_work, sensitivity_chunk, sensitivity_work
from .acceptability import _number

__all__ = ["FactorSensitivity", "SensitivityReport", "rulebook_sensitivity"]


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
        from .._render import render

        return render(self, "text")

    def __str__(self) -> str:
        return self.to_text()


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
        compiled = self.compiled
        valid = within_headcount(columns)
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
    from .._verify.breakpoint_grid import Grid, build_axes
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
        sensitivity_work(rulebook, grid),
        max_work,
        f"{grid.size:,} grid points x {len(rulebook.factors)} factors",
        flag="tpm-fit sensitivity --max-work N",
    )
    counts = _SensitivityCounts(compiled, len(rulebook.factors), delta=delta)
    chunk = sensitivity_chunk(len(rulebook.factors))
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
