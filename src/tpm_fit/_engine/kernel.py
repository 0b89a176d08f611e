"""The scoring kernel: the one place where a rulebook is evaluated.

A rulebook compiles into a tree of nodes per factor. Every node has two methods that perform the
*same floating-point operations in the same order*:

- ``batch(columns)`` works on whole numpy columns (the batch path, verification, sweeps);
- ``one(values)`` works on Python floats for a single profile (the ``recommend()`` hot path,
  where numpy's per-call overhead would dominate).

Because IEEE-754 arithmetic is deterministic, the two give bit-identical results; a hypothesis
property test (``tests/test_kernel.py``) checks it. Nothing else in tpm_fit computes activations,
contributions, scores or verdicts.

Inputs are encoded as numbers: integer inputs as their value (float64 in columns), ordered inputs
as the rank of their level (0 for the lowest).

The batch methods work in place where they can (sweeps score millions of rows): every ``batch``
returns a fresh array that its caller may overwrite. In-place forms keep the scalar twin's
operations per element; where operands are swapped (``a * w`` for ``w * a``), IEEE-754
multiplication and addition are commutative, so the results stay bit-identical.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise
from typing import Any, Final, Protocol

import numpy as np
from numpy.typing import NDArray

from .._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile
from .._model.rulebook import AllOf, AnyOf, Favours, Levels, Ramp, Rulebook

__all__ = [
    "INPUT_NAMES",
    "VERDICT_NAMES",
    "CompiledRulebook",
    "compile_rulebook",
    "encode_profile",
    "recently_compiled",
]

Float = NDArray[np.float64]
Columns = Mapping[str, NDArray[Any]]

#: Every input, in OrgProfile field order.
INPUT_NAMES: Final[tuple[str, ...]] = tuple(
    name for name in OrgProfile.model_fields if name in NUMERIC_BOUNDS or name in ORDERED_INPUTS
)
#: Verdict codes used by the kernel: index into this tuple.
VERDICT_NAMES: Final = ("traditional", "either", "technical")
ROLE_SHAPE_NAMES: Final = ("generalist", "specialist")

_RANKS: Final[dict[object, int]] = {
    member: rank for levels in ORDERED_INPUTS.values() for rank, member in enumerate(levels)
}


def encode_profile(profile: OrgProfile) -> dict[str, float]:
    """Numbers the kernel reads for one profile: values for integers, ranks for levels."""
    values: dict[str, float] = dict(profile.__dict__)
    for name in _ORDERED_NAMES:
        values[name] = _RANKS[values[name]]
    return values


_ORDERED_NAMES: Final = tuple(ORDERED_INPUTS)

One = Callable[[Mapping[str, float]], float]


class _Node(Protocol):
    @property
    def one(self) -> One:
        """Scalar twin: a closure specialised for the node's shape (recommend()'s hot path)."""

    def batch(self, columns: Columns) -> Float: ...


class _RampNode:
    __slots__ = ("dx", "inner", "input", "one", "xs", "ys")

    def __init__(self, ramp: Ramp) -> None:
        self.input = name = ramp.input
        self.xs = xs = tuple(float(x) for x, _ in ramp.points)
        self.ys = ys = tuple(float(y) for _, y in ramp.points)
        self.dx = dxs = tuple(b - a for a, b in pairwise(xs))
        self.inner = inner = xs[1:-1]  # breakpoints that select a segment
        lo, hi = xs[0], xs[-1]

        if len(xs) == 2:
            x0, dx, y0, y1 = xs[0], dxs[0], ys[0], ys[1]

            def one(values: Mapping[str, float]) -> float:
                x = values[name]
                x = lo if x < lo else hi if x > hi else x  # == np.clip(x, lo, hi)
                t = (x - x0) / dx
                # Lerp in this form gives exactly y0 at t=0 and y1 at t=1.
                return y0 * (1.0 - t) + y1 * t

        else:

            def one(values: Mapping[str, float]) -> float:
                x = values[name]
                x = lo if x < lo else hi if x > hi else x
                j = bisect_right(inner, x)
                t = (x - xs[j]) / dxs[j]
                return ys[j] * (1.0 - t) + ys[j + 1] * t

        self.one: One = one

    def batch(self, columns: Columns) -> Float:
        x: Float = np.clip(columns[self.input], self.xs[0], self.xs[-1], dtype=np.float64)
        if len(self.xs) == 2:
            return self._segment(x, 0, x)
        if len(self.dx) > 4:  # many segments: one gather beats one pass per segment
            seg = np.searchsorted(np.asarray(self.inner), x, side="right")
            xs, ys, dx = np.asarray(self.xs), np.asarray(self.ys), np.asarray(self.dx)
            t = (x - xs[seg]) / dx[seg]
            return ys[seg] * (1.0 - t) + ys[seg + 1] * t  # type: ignore[no-any-return]
        # Evaluate every segment over all rows and keep, per row, the one bisect_right selects:
        # the last segment whose left breakpoint is <= x. Cheaper than searchsorted + gathers.
        out = self._segment(x, 0, np.empty_like(x))
        piece = np.empty_like(x)
        for j in range(1, len(self.dx)):
            np.copyto(out, self._segment(x, j, piece), where=x >= self.inner[j - 1])
        return out

    def _segment(self, x: Float, j: int, out: Float) -> Float:
        """``ys[j] * (1 - t) + ys[j + 1] * t`` with ``t = (x - xs[j]) / dx[j]``, into ``out``."""
        t = np.subtract(x, self.xs[j], out=out)
        np.divide(t, self.dx[j], out=t)
        rest = np.subtract(1.0, t)
        np.multiply(rest, self.ys[j], out=rest)
        np.multiply(t, self.ys[j + 1], out=t)
        return np.add(rest, t, out=t)


class _LevelsNode:
    __slots__ = ("input", "one", "table")

    def __init__(self, levels: Levels) -> None:
        self.input = name = levels.input
        table = tuple(levels.values.values())  # level order, lowest first
        self.table = np.asarray(table, dtype=np.float64)
        self.one: One = lambda values: table[int(values[name])]

    def batch(self, columns: Columns) -> Float:
        return self.table.take(columns[self.input])  # faster than fancy indexing for small codes


class _AllOfNode:
    """Product of the terms, left to right."""

    __slots__ = ("one", "terms")

    def __init__(self, terms: Sequence[_Node]) -> None:
        self.terms = tuple(terms)
        ones = tuple(term.one for term in terms)

        def one(values: Mapping[str, float]) -> float:
            out = ones[0](values)
            for term in ones[1:]:
                out = out * term(values)
            return out

        def one_of_two(values: Mapping[str, float]) -> float:
            return first(values) * second(values)

        first, second = ones[0], ones[1]
        self.one: One = one_of_two if len(ones) == 2 else one

    def batch(self, columns: Columns) -> Float:
        out = self.terms[0].batch(columns)  # a fresh array: safe to multiply into
        for term in self.terms[1:]:
            out *= term.batch(columns)
        return out


class _AnyOfNode:
    """``1 - prod(1 - a)`` over the terms, left to right."""

    __slots__ = ("one", "terms")

    def __init__(self, terms: Sequence[_Node]) -> None:
        self.terms = tuple(terms)
        ones = tuple(term.one for term in terms)

        def one(values: Mapping[str, float]) -> float:
            rest = 1.0 - ones[0](values)
            for term in ones[1:]:
                rest = rest * (1.0 - term(values))
            return 1.0 - rest

        self.one: One = one

    def batch(self, columns: Columns) -> Float:
        rest = np.subtract(1.0, self.terms[0].batch(columns))
        for term in self.terms[1:]:
            value = term.batch(columns)
            rest *= np.subtract(1.0, value, out=value)
        return np.subtract(1.0, rest, out=rest)


def _compile(node: Ramp | Levels | AllOf | AnyOf) -> _Node:
    if isinstance(node, Ramp):
        return _RampNode(node)
    if isinstance(node, Levels):
        return _LevelsNode(node)
    terms = [_compile(term) for term in node.of]
    return _AllOfNode(terms) if isinstance(node, AllOf) else _AnyOfNode(terms)


class CompiledRulebook:
    """A rulebook turned into evaluable nodes. Build with :func:`compile_rulebook`."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self.factor_ids = rulebook.factor_ids
        self.activations = tuple(_compile(factor.activation) for factor in rulebook.factors)
        self.signed_weights = tuple(
            factor.weight if factor.favours is Favours.TECHNICAL else -factor.weight
            for factor in rulebook.factors
        )
        self._ones = tuple(node.one for node in self.activations)
        self.risk_conditions = tuple(_compile(risk.when) for risk in rulebook.risks)
        self.technical_min = rulebook.thresholds.technical_min
        self.traditional_max = rulebook.thresholds.traditional_max
        self.specialist_min_company_size = rulebook.role_shape.specialist_min_company_size
        self.specialist_min_product_team = rulebook.role_shape.specialist_min_product_team

    # -- one profile --------------------------------------------------------------------

    def score_one(self, values: Mapping[str, float]) -> tuple[list[float], list[float], float]:
        """Activations, signed contributions and score for one encoded profile."""
        activations = [one(values) for one in self._ones]
        contributions = [w * a for w, a in zip(self.signed_weights, activations, strict=True)]
        score = 0.0
        for contribution in contributions:
            score += contribution
        return activations, contributions, score

    def verdict_one(self, score: float) -> str:
        """Verdict name for one score."""
        if score >= self.technical_min:
            return "technical"
        if score <= self.traditional_max:
            return "traditional"
        return "either"

    def role_shape_one(self, values: Mapping[str, float]) -> str:
        """Role shape for one encoded profile."""
        specialist = (
            values["company_size"] >= self.specialist_min_company_size
            or values["product_team_size"] >= self.specialist_min_product_team
        )
        return "specialist" if specialist else "generalist"

    # -- many profiles ------------------------------------------------------------------

    def contributions(self, columns: Columns, n: int) -> Float:
        """Signed contributions, factor-major: shape ``(n_factors, n)``."""
        out = np.empty((len(self.activations), n), dtype=np.float64)
        # Blocks of rows keep the nodes' temporaries small enough to stay in cache and be reused
        # by the allocator; every operation is elementwise, so blocking cannot change a result.
        for start in range(0, n, _BLOCK_ROWS):
            stop = min(start + _BLOCK_ROWS, n)
            block = columns if n <= _BLOCK_ROWS else _rows(columns, start, stop, n)
            for k, (node, weight) in enumerate(zip(self.activations, self.signed_weights, strict=True)):
                np.multiply(node.batch(block), weight, out=out[k, start:stop])
        return out

    @staticmethod
    def score(contributions: Float) -> Float:
        """Row scores: contributions summed factor by factor, in the order ``score_one`` uses."""
        score = np.zeros(contributions.shape[1], dtype=np.float64)
        for row in contributions:
            score += row
        return score

    def verdict_codes(self, score: Float) -> NDArray[np.int8]:
        """Verdict codes (indices into ``VERDICT_NAMES``) for an array of scores."""
        # 1 + [technical] - [traditional]: the rulebook guarantees traditional_max < technical_min,
        # so at most one of the two holds; NaN satisfies neither and stays 1, as before.
        codes = (score >= self.technical_min).view(np.int8) + np.int8(1)
        codes -= (score <= self.traditional_max).view(np.int8)
        return codes

    def role_shape_codes(self, columns: Columns) -> NDArray[np.int8]:
        """Role-shape codes (indices into ``ROLE_SHAPE_NAMES``) for encoded columns."""
        size: Float = np.asarray(columns["company_size"], dtype=np.float64)
        team: Float = np.asarray(columns["product_team_size"], dtype=np.float64)
        specialist = (size >= self.specialist_min_company_size) | (team >= self.specialist_min_product_team)
        return specialist.astype(np.int8)


#: Rows per block in ``CompiledRulebook.contributions`` (512 KiB per float64 temporary).
_BLOCK_ROWS: Final = 1 << 16


def _rows(columns: Columns, start: int, stop: int, n: int) -> dict[str, NDArray[Any]]:
    """Rows ``start:stop`` of every full-length column (anything else, e.g. a scalar, as is)."""
    return {
        name: column[start:stop] if np.ndim(column) == 1 and len(column) == n else column
        for name, column in columns.items()
    }


_CACHE: dict[str, CompiledRulebook] = {}


def compile_rulebook(rulebook: Rulebook) -> CompiledRulebook:
    """The compiled form of a rulebook, cached by fingerprint."""
    key = rulebook.fingerprint
    compiled = _CACHE.get(key)
    if compiled is None:
        if len(_CACHE) >= 64:  # bounded: weight sweeps create many rulebooks
            _CACHE.pop(next(iter(_CACHE)))
        compiled = _CACHE[key] = CompiledRulebook(rulebook)
    return compiled


def recently_compiled(fingerprint: str) -> Rulebook | None:
    """A rulebook with this fingerprint that was used recently in this process, if any."""
    compiled = _CACHE.get(fingerprint)
    return compiled.rulebook if compiled is not None else None
