"""The scoring kernel: the one place where a rulebook is interpreted.

A rulebook compiles into a :class:`CompiledRulebook` that evaluates a profile in two stages, in
the article's order:

1. **The seat** (:mod:`tpm_fit._engine.seat`): role shape, the faces the hire would own, and
   whether a hire is needed. These become derived inputs.
2. **The background**: every factor's activation (over profile and derived inputs), the signed
   contributions, the score, the verdict, and which risks apply to that verdict.

Every part has a batch form over numpy columns (``recommend_many``, the verifier, sweeps) and a
scalar form for one profile (``recommend()``), built to perform *the same floating-point
operations in the same order*, so both give bit-identical results; a hypothesis property test
(``tests/test_kernel.py``) checks it. Nothing else in tpm_fit computes seats, activations,
contributions, scores, verdicts or risk gating.

Inputs are encoded as numbers: integer inputs as their value (float64 in columns), ordered and
derived inputs as the rank of their level (0 for the lowest).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from .._model.primitives import Node, compile_activation
from .._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile
from .._model.rulebook import Rulebook
from .._model.vocab import RoleShape, Verdict
from .seat import SEAT_INPUTS, SeatOne, SeatStage

__all__ = [
    "INPUT_NAMES",
    "ROLE_SHAPE_NAMES",
    "VERDICT_NAMES",
    "BatchEvaluation",
    "CompiledRulebook",
    "OneEvaluation",
    "compile_rulebook",
    "encode_profile",
    "recently_compiled",
]

Float = NDArray[np.float64]
Columns = Mapping[str, NDArray[Any]]

#: Every profile input, in OrgProfile field order.
INPUT_NAMES: Final[tuple[str, ...]] = tuple(
    name for name in OrgProfile.model_fields if name in NUMERIC_BOUNDS or name in ORDERED_INPUTS
)
#: Verdict names by kernel code (derived from :class:`~tpm_fit.Verdict`).
VERDICT_NAMES: Final = tuple(verdict.value for verdict in Verdict)
#: Role-shape names by kernel code (derived from :class:`~tpm_fit.RoleShape`).
ROLE_SHAPE_NAMES: Final = tuple(shape.value for shape in RoleShape)
_VERDICTS: Final = tuple(Verdict)

_RANKS: Final[dict[object, int]] = {
    member: rank for levels in ORDERED_INPUTS.values() for rank, member in enumerate(levels)
}
_ORDERED_NAMES: Final = tuple(ORDERED_INPUTS)


def encode_profile(profile: OrgProfile) -> dict[str, float]:
    """Numbers the kernel reads for one profile: values for integers, ranks for levels."""
    values: dict[str, float] = dict(profile.__dict__)
    for name in _ORDERED_NAMES:
        values[name] = _RANKS[values[name]]
    return values


@dataclass(frozen=True, slots=True)
class OneEvaluation:
    """Everything the kernel computes for one profile."""

    seat: SeatOne
    activations: list[float]
    contributions: list[float]
    score: float
    verdict: Verdict
    #: ``(risk index, strength)`` for every risk that applies, in rulebook order.
    risks: list[tuple[int, float]]


@dataclass(frozen=True, slots=True)
class BatchEvaluation:
    """Everything the kernel computes for a batch of ``n`` profiles (column arrays)."""

    derived: dict[str, NDArray[np.int8]]
    contributions: Float  # (n_factors, n), factor-major
    score: Float
    verdict_codes: NDArray[np.int8]
    risks: NDArray[np.bool_]  # (n_risks, n)


class _CompiledRisk:
    __slots__ = ("applies", "minimum", "node")

    def __init__(self, node: Node, minimum: float, applies: frozenset[Verdict]) -> None:
        self.node = node
        self.minimum = minimum
        self.applies = applies


class CompiledRulebook:
    """A rulebook turned into evaluators. Build with :func:`compile_rulebook`."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self.factor_ids = rulebook.factor_ids
        self.seat = SeatStage(rulebook.seat)
        self.activations: tuple[Node, ...] = tuple(
            compile_activation(factor.activation) for factor in rulebook.factors
        )
        self.signed_weights = tuple(factor.favours.sign * factor.weight for factor in rulebook.factors)
        self._ones = tuple(node.one for node in self.activations)
        self.risks = tuple(
            _CompiledRisk(compile_activation(risk.when), risk.min_activation, frozenset(risk.applies_to))
            for risk in rulebook.risks
        )
        self.technical_min = rulebook.thresholds.technical_min
        self.traditional_max = rulebook.thresholds.traditional_max
        #: Per-rulebook state other layers derive once (e.g. the result builder), same lifetime.
        self.attachments: dict[str, Any] = {}

    # -- one profile --------------------------------------------------------------------

    def evaluate_one(self, values: dict[str, float]) -> OneEvaluation:
        """Both stages for one encoded profile; adds the derived inputs to ``values``."""
        seat = self.seat.one(values)
        activations, contributions, score = self.score_one(values)
        verdict = self.verdict_one(score)
        return OneEvaluation(
            seat, activations, contributions, score, verdict, self.risks_one(values, verdict)
        )

    def score_one(self, values: Mapping[str, float]) -> tuple[list[float], list[float], float]:
        """Activations, signed contributions and score for one profile with derived inputs."""
        activations = [one(values) for one in self._ones]
        contributions = [w * a for w, a in zip(self.signed_weights, activations, strict=True)]
        score = 0.0
        for contribution in contributions:
            score += contribution
        return activations, contributions, score

    def verdict_one(self, score: float) -> Verdict:
        """Verdict for one score."""
        if score >= self.technical_min:
            return Verdict.TECHNICAL
        if score <= self.traditional_max:
            return Verdict.TRADITIONAL
        return Verdict.EITHER

    def risks_one(self, values: Mapping[str, float], verdict: Verdict) -> list[tuple[int, float]]:
        """``(index, strength)`` of the risks that apply to ``verdict`` for one profile."""
        out = []
        for index, risk in enumerate(self.risks):
            if verdict in risk.applies:
                strength = risk.node.one(values)
                if strength >= risk.minimum:
                    out.append((index, strength))
        return out

    def with_seat(self, values: Mapping[str, float]) -> dict[str, float]:
        """A copy of one encoded profile with its derived inputs added."""
        out = dict(values)
        self.seat.one(out)
        return out

    # -- many profiles ------------------------------------------------------------------

    def evaluate(self, columns: Columns, n: int) -> BatchEvaluation:
        """Both stages for ``n`` encoded profiles."""
        full = self.with_derived(columns, n)
        contributions = self.contributions(full, n)
        score = self.score(contributions)
        codes = self.verdict_codes(score)
        derived = {name: full[name] for name in SEAT_INPUTS}
        return BatchEvaluation(derived, contributions, score, codes, self.risk_flags(full, codes, n))

    def with_derived(self, columns: Columns, n: int) -> dict[str, NDArray[Any]]:
        """``columns`` plus the seat's derived inputs (kept as given where already present)."""
        out = dict(columns)
        if any(name not in out for name in SEAT_INPUTS):
            for name, column in self.seat.batch(columns, n).items():
                out.setdefault(name, column)
        return out

    def contributions(self, columns: Columns, n: int) -> Float:
        """Signed contributions, factor-major: shape ``(n_factors, n)``."""
        full = self.with_derived(columns, n)
        out = np.empty((len(self.activations), n), dtype=np.float64)
        # Blocks of rows keep the nodes' temporaries small enough to stay in cache and be reused
        # by the allocator; every operation is elementwise, so blocking cannot change a result.
        for start in range(0, n, _BLOCK_ROWS):
            stop = min(start + _BLOCK_ROWS, n)
            block = full if n <= _BLOCK_ROWS else _rows(full, start, stop, n)
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
        """Verdict codes (:attr:`Verdict.code`) for an array of scores."""
        # 1 + [technical] - [traditional]: the rulebook guarantees traditional_max < technical_min,
        # so at most one of the two holds; NaN satisfies neither and stays 1 (either).
        codes = (score >= self.technical_min).view(np.int8) + np.int8(Verdict.EITHER.code)
        codes -= (score <= self.traditional_max).view(np.int8)
        return codes

    def role_shape_codes(self, columns: Columns, n: int | None = None) -> NDArray[np.int8]:
        """Role-shape codes (:attr:`RoleShape.code`) for encoded columns."""
        rows = len(np.asarray(columns["company_size"])) if n is None else n
        return self.with_derived(columns, rows)["role_shape"]

    def risk_flags(self, columns: Columns, codes: NDArray[np.int8], n: int) -> NDArray[np.bool_]:
        """Which risks apply per row, shape ``(n_risks, n)``; ``columns`` include derived inputs."""
        out = np.zeros((len(self.risks), n), dtype=bool)
        for k, risk in enumerate(self.risks):
            applies = np.isin(codes, [verdict.code for verdict in risk.applies])
            if applies.any():
                np.greater_equal(risk.node.batch(columns), risk.minimum, out=out[k])
                out[k] &= applies
        return out

    # -- structure ------------------------------------------------------------------------

    def breakpoints(self, name: str) -> frozenset[int]:
        """Whole numbers of integer input ``name`` where the score or the seat may bend or step.

        Between consecutive breakpoints every factor is affine in ``name`` and the seat is
        constant: the verifier's grid and the counterfactual search are built on this.
        """
        points = set(self.seat.breakpoints(name))
        for factor in self.rulebook.factors:
            points |= factor.activation.breakpoints(name)
        return frozenset(points)

    def verdict_at(self, values: Mapping[str, float]) -> tuple[Verdict, float]:
        """Verdict and score for one encoded profile without derived inputs."""
        score = self.score_one(self.with_seat(values))[2]
        return self.verdict_one(score), score


#: Rows per block in ``CompiledRulebook.contributions`` (512 KiB per float64 temporary).
_BLOCK_ROWS: Final = 1 << 16


def _rows(columns: Columns, start: int, stop: int, n: int) -> dict[str, NDArray[Any]]:
    """Rows ``start:stop`` of every full-length column (anything else, e.g. a scalar, as is)."""
    return {
        name: column[start:stop] if np.ndim(column) == 1 and len(column) == n else column
        for name, column in columns.items()
    }


class _FingerprintCache:
    """A bounded, thread-safe LRU of compiled rulebooks keyed by fingerprint.

    Equal fingerprints mean equal rules, so one compiled object serves every equal rulebook.
    Weight sweeps create many rulebooks; the bound keeps memory flat.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, CompiledRulebook] = OrderedDict()
        self._lock = threading.Lock()

    def compiled(self, rulebook: Rulebook) -> CompiledRulebook:
        key = rulebook.fingerprint
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        built = CompiledRulebook(rulebook)  # outside the lock: compiling may take a while
        with self._lock:
            found = self._items.setdefault(key, built)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
            return found

    def get(self, fingerprint: str) -> CompiledRulebook | None:
        with self._lock:
            return self._items.get(fingerprint)


_CACHE: Final = _FingerprintCache(64)


def compile_rulebook(rulebook: Rulebook) -> CompiledRulebook:
    """The compiled form of a rulebook, cached by fingerprint (bounded, thread-safe)."""
    return _CACHE.compiled(rulebook)


def recently_compiled(fingerprint: str) -> Rulebook | None:
    """A rulebook with this fingerprint that was used recently in this process, if any."""
    compiled = _CACHE.get(fingerprint)
    return compiled.rulebook if compiled is not None else None
