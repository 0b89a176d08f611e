"""The verifier's breakpoint grid: every input's breakpoints, and chunks of grid points scored by
the kernel. (The scenario grid of ``recommend_many`` is :mod:`tpm_fit._batch.scenario_grid`.)"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._engine.kernel import INPUT_NAMES, CompiledRulebook, encode_profile
from .._model.profile import (
    HEADCOUNT,
    HEADCOUNT_BOUNDED,
    NUMERIC_BOUNDS,
    ORDERED_INPUTS,
    OrgProfile,
    within_headcount,
)
from .._model.verification import Label

__all__ = ["Axis", "Chunk", "Grid", "build_axes", "exact_score", "label", "valid_profiles"]

Index = tuple[NDArray[np.intp], ...]


@dataclass
class Axis:
    """The values of one input on the grid: kernel codes and the labels shown to people."""

    name: str
    codes: NDArray[Any]  # what the kernel reads: float64 values or int64 level ranks
    labels: tuple[Label, ...]
    read_by: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of grid values."""
        return len(self.labels)


def _readers(compiled: CompiledRulebook) -> dict[str, list[str]]:
    readers: dict[str, list[str]] = {name: [] for name in INPUT_NAMES}
    for factor in compiled.rulebook.factors:
        for name in sorted(factor.activation.inputs() & readers.keys()):
            readers[name].append(factor.id)
    for name in NUMERIC_BOUNDS:
        if compiled.seat.breakpoints(name):
            readers[name].append("seat")
    for condition in compiled.conditions:
        for name in sorted(condition.inputs() & readers.keys()):
            if "conditions" not in readers[name]:
                readers[name].append("conditions")
    return readers


def build_axes(compiled: CompiledRulebook) -> list[Axis]:
    """One axis per input: its breakpoints and range ends, every level, or one value if unread."""
    readers = _readers(compiled)
    axes = []
    for name in INPUT_NAMES:
        default = OrgProfile.model_fields[name].default
        if name in ORDERED_INPUTS:
            levels = list(ORDERED_INPUTS[name])
            chosen = levels if readers[name] else [default if default in levels else levels[0]]
            codes = np.asarray([level.rank for level in chosen], dtype=np.int64)
            axes.append(Axis(name, codes, tuple(level.value for level in chosen), readers[name]))
            continue
        low, high = NUMERIC_BOUNDS[name]
        if readers[name]:
            values = sorted(compiled.breakpoints(name) | {low, high})
        else:  # nothing can depend on it: one value stands for all
            values = [default if isinstance(default, int) else low]
        axes.append(Axis(name, np.asarray(values, dtype=np.float64), tuple(values), readers[name]))
    return axes


class Grid:
    """The Cartesian product of the axes, addressed by flat (C-order) index."""

    def __init__(self, axes: Sequence[Axis]) -> None:
        self.axes = list(axes)
        self.dims = tuple(axis.size for axis in axes)
        self.size = math.prod(self.dims)
        self.position = {axis.name: k for k, axis in enumerate(axes)}

    def indices(self, flat: NDArray[np.int64]) -> Index:
        """Per-axis indices of flat grid positions."""
        return tuple(np.unravel_index(flat, self.dims))

    def columns(self, idx: Sequence[NDArray[np.intp]]) -> dict[str, NDArray[Any]]:
        """Encoded profile columns for per-axis indices."""
        return {axis.name: axis.codes[i] for axis, i in zip(self.axes, idx, strict=True)}

    def profile(self, flat: int, *, shift: tuple[int, int] | None = None) -> OrgProfile:
        """The profile at a grid point; ``shift=(axis, steps)`` moves along one axis first."""
        return OrgProfile.model_validate(self.labels(flat, shift=shift))

    def labels(self, flat: int, *, shift: tuple[int, int] | None = None) -> dict[str, Label]:
        """The input values at a grid point, unvalidated (the point need not be a profile)."""
        idx = [int(i) for i in np.unravel_index(flat, self.dims)]
        if shift is not None:
            idx[shift[0]] += shift[1]
        return {axis.name: axis.labels[i] for axis, i in zip(self.axes, idx, strict=True)}

    def values(self, flat: int) -> dict[str, float]:
        """The kernel's encoded values at a grid point (which need not be a valid profile)."""
        idx = np.unravel_index(flat, self.dims)
        return {axis.name: float(axis.codes[int(i)]) for axis, i in zip(self.axes, idx, strict=True)}

    def clamped(self, flat: int) -> OrgProfile:
        """The profile at a grid point with every count cut down to company_size."""
        values = self.labels(flat)
        size = values[HEADCOUNT]
        assert isinstance(size, int)
        for name in HEADCOUNT_BOUNDED:
            count = values[name]
            assert isinstance(count, int)
            values[name] = min(count, size)
        return OrgProfile.model_validate(values)

    def shifted(self, idx: Index, axis: int) -> tuple[NDArray[np.bool_], Index]:
        """Grid points that have a neighbour one step up ``axis``, and that neighbour's indices."""
        movable = idx[axis] < self.dims[axis] - 1
        moved = [i[movable] for i in idx]
        moved[axis] = moved[axis] + 1
        return movable, tuple(moved)

    def chunks(self, size: int) -> Iterator[NDArray[np.int64]]:
        """Flat positions in consecutive chunks of at most ``size``."""
        for start in range(0, self.size, size):
            yield np.arange(start, min(start + size, self.size), dtype=np.int64)


@dataclass(frozen=True)
class Shift:
    """Neighbours one step up an axis: which points have one, and their columns and scores."""

    movable: NDArray[np.bool_]
    columns: dict[str, NDArray[Any]]
    score: NDArray[np.float64]
    #: Both the point and its neighbour are valid profiles.
    valid: NDArray[np.bool_]


@dataclass
class Chunk:
    """Grid points scored by the kernel: what every accumulator's ``update`` reads."""

    flat: NDArray[np.int64]
    idx: Index
    columns: dict[str, NDArray[Any]]  # profile inputs and the seat's derived inputs
    contributions: NDArray[np.float64]
    score: NDArray[np.float64]
    codes: NDArray[np.int8]
    #: Grid points that are valid profiles (no count above company_size).
    valid: NDArray[np.bool_]
    _shifts: dict[int, Shift] = field(default_factory=dict)

    def neighbours(self, compiled: CompiledRulebook, grid: Grid, axis: int) -> Shift:
        """The grid points one step up ``axis`` from this chunk's points, scored (memoised, since
        several checks compare the same neighbours)."""
        found = self._shifts.get(axis)
        if found is None:
            movable, moved = grid.shifted(self.idx, axis)
            n = int(movable.sum())
            columns = compiled.with_derived(grid.columns(moved), n)
            score = compiled.score(compiled.contributions(columns, n))
            valid = self.valid[movable] & valid_profiles(columns)
            found = self._shifts[axis] = Shift(movable, columns, score, valid)
        return found

    @classmethod
    def score_points(cls, compiled: CompiledRulebook, grid: Grid, flat: NDArray[np.int64]) -> Chunk:
        """Score the grid points at ``flat`` with the kernel."""
        idx = grid.indices(flat)
        columns = compiled.with_derived(grid.columns(idx), len(flat))
        contributions = compiled.contributions(columns, len(flat))
        score = compiled.score(contributions)
        codes = compiled.verdict_codes(score)
        return cls(flat, idx, columns, contributions, score, codes, valid_profiles(columns))


def valid_profiles(columns: Mapping[str, NDArray[Any]]) -> NDArray[np.bool_]:
    """Which rows are valid profiles: every count at most the headcount (see OrgProfile)."""
    return within_headcount(columns)


def scores(compiled: CompiledRulebook, grid: Grid, idx: Index) -> NDArray[np.float64]:
    """Kernel scores of the grid points at per-axis indices."""
    n = len(idx[0])
    return compiled.score(compiled.contributions(grid.columns(idx), n))


def exact_score(compiled: CompiledRulebook, profile: OrgProfile) -> float:
    """The score as recommend() computes it (the kernel's scalar twin)."""
    return compiled.evaluate_one(encode_profile(profile)).score


def label(profile: OrgProfile, name: str) -> Label:
    """The value of one input of a profile as shown to people."""
    value = getattr(profile, name)
    return value.value if name in ORDERED_INPUTS else int(value)
