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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from .._model.primitives import Node, Primitive
from .._model.profile import LEVEL_INPUTS, NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile
from .._model.rulebook import Rulebook
from .._model.vocab import RoleShape, Verdict
from .cache import FingerprintCache
from .packed import pack, unpack
from .parallel import run_shares
from .seat import SEAT_INPUTS, WARNINGS, SeatOne, SeatStage, _SeatTable
from .statements import seat_bound

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
    "sum_contributions",
    "verdict_codes_of",
    "verdict_of",
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

_RANKS: Final[dict[object, int]] = {
    member: rank for levels in ORDERED_INPUTS.values() for rank, member in enumerate(levels)
}
_ORDERED_NAMES: Final = tuple(ORDERED_INPUTS)


def verdict_of(score: float, technical_min: float, traditional_max: float) -> Verdict:
    """The verdict rule: technical at or above ``technical_min``, traditional at or below
    ``traditional_max``, else either (also for NaN). :func:`verdict_codes_of` is its twin."""
    if score >= technical_min:
        return Verdict.TECHNICAL
    if score <= traditional_max:
        return Verdict.TRADITIONAL
    return Verdict.EITHER


def verdict_codes_of(score: Float, technical_min: float, traditional_max: float) -> NDArray[np.int8]:
    """Verdict codes (:attr:`Verdict.code`) of an array of scores: :func:`verdict_of` for each."""
    # 1 + [technical] - [traditional]: a rulebook guarantees traditional_max < technical_min, so
    # at most one of the two holds; NaN satisfies neither and stays 1 (either).
    codes = (score >= technical_min).view(np.int8) + np.int8(_EITHER_CODE)
    codes -= (score <= traditional_max).view(np.int8)
    return codes


def sum_contributions(contributions: Float, out: Float | None = None) -> Float:
    """Row scores: the contributions ``(n_factors, n)`` summed factor by factor, in rulebook
    order (the order :meth:`CompiledRulebook.score_one` adds them in), into ``out`` if given."""
    score = np.zeros(contributions.shape[1], dtype=np.float64) if out is None else out
    if out is not None:
        score[...] = 0.0
    for row in contributions:
        score += row
    return score


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
    #: Per row, the entries of the per-entry arrays passed as ``gather`` (table path only).
    gathered: tuple[NDArray[Any], ...] = ()


class _CompiledRisk:
    __slots__ = ("applies", "minimum", "node")

    def __init__(self, node: Node, minimum: float, applies: frozenset[Verdict]) -> None:
        self.node = node
        self.minimum = minimum
        self.applies = applies


#: Largest lookup table (entries) the plan builds for one activation; larger ones stay arithmetic.
TABLE_LIMIT: Final = 4096


class _Table:
    """An activation tabulated over every whole-number point of its inputs' domains.

    Exact by construction: each entry *is* the node's arithmetic at that point, and the node is
    flat outside its domain (a ramp clips), so looking up the clipped point gives the same bits.
    Used only on integer-typed columns; float columns go through the arithmetic.
    """

    __slots__ = ("fallback", "flat", "highs", "integer", "lookup", "lows", "names", "one", "strides")

    def __init__(self, node: Node, domain: dict[str, tuple[int, int]]) -> None:
        self.names = names = tuple(sorted(domain))
        self.lows = tuple(domain[name][0] for name in names)
        self.highs = tuple(domain[name][1] for name in names)
        self.integer = tuple(name in NUMERIC_BOUNDS for name in names)
        sizes = [high - low + 1 for low, high in zip(self.lows, self.highs, strict=True)]
        strides = [1] * len(sizes)
        for k in range(len(sizes) - 2, -1, -1):
            strides[k] = strides[k + 1] * sizes[k + 1]
        self.strides = tuple(strides)
        axes = np.indices(sizes, dtype=np.intp).reshape(len(sizes), -1)
        grid = {name: axes[k] + low for k, (name, low) in enumerate(zip(names, self.lows, strict=True))}
        self.flat: Float = np.ascontiguousarray(node.batch(grid), dtype=np.float64)
        self.fallback = node.one
        #: Scalar form: the same entries keyed by the (clipped) input values.
        self.lookup: dict[Any, float] = {}
        for i, value in enumerate(self.flat.tolist()):
            point = tuple(int(grid[name][i]) for name in names)
            self.lookup[point[0] if len(point) == 1 else point] = value
        self.one: Any = self._scalar()

    def _scalar(self) -> Any:
        lookup, fallback = self.lookup, self.fallback
        if len(self.names) == 1:
            (name,), (lo,), (hi,) = self.names, self.lows, self.highs
            if self.integer[0]:

                def one_ramp(values: Mapping[str, float]) -> float:
                    x = values[name]
                    found = lookup.get(lo if x < lo else hi if x > hi else x)
                    return fallback(values) if found is None else found

                return one_ramp

            def one_level(values: Mapping[str, float]) -> float:
                found = lookup.get(values[name])
                return fallback(values) if found is None else found

            return one_level
        # Several inputs: a mixed-radix index into the flat table, for whole-number (int) inputs
        # only; anything else (floats from the verifier's grid) takes the node's arithmetic.
        flat = self.flat.tolist()
        axes = tuple(
            (name, lo, hi, stride, integer)
            for name, lo, hi, stride, integer in zip(
                self.names, self.lows, self.highs, self.strides, self.integer, strict=True
            )
        )
        if len(axes) == 2 and not axes[0][4] and not axes[1][4]:
            (first, _, _, stride, _), (second, _, _, _, _) = axes

            def one_two_levels(values: Mapping[str, float]) -> float:
                a, b = values[first], values[second]
                if a.__class__ is int and b.__class__ is int:
                    return flat[a * stride + b]  # type: ignore[no-any-return]
                return fallback(values)

            return one_two_levels

        def one(values: Mapping[str, float]) -> float:
            index = 0
            for name, lo, hi, stride, integer in axes:
                x = values[name]
                if x.__class__ is not int:
                    return fallback(values)
                if integer:
                    x = lo if x < lo else hi if x > hi else x
                index += (x - lo) * stride
            return flat[index]  # type: ignore[no-any-return]

        return one

    def batch(self, columns: Columns) -> Float | None:
        """Looked-up activations, or None when a column is not integer-typed (use arithmetic)."""
        if len(self.names) == 1 and not self.integer[0]:
            codes = np.asarray(columns[self.names[0]])
            return self.flat.take(codes) if codes.dtype.kind in "iu" else None
        index: NDArray[np.intp] | None = None
        for name, lo, hi, stride, integer in zip(
            self.names, self.lows, self.highs, self.strides, self.integer, strict=True
        ):
            column = np.asarray(columns[name])
            if column.dtype.kind not in "iu":
                return None
            index = _accumulate(index, column, (lo, hi, stride, integer))
        assert index is not None
        out: Float = self.flat.take(index)
        return out


def _accumulate(
    index: NDArray[np.intp] | None, column: NDArray[Any], axis: tuple[int, int, int, bool]
) -> NDArray[np.intp]:
    """``index`` plus one input's part of the flat table index (a fresh array when ``index`` is
    None, so the caller's column is never written to)."""
    lo, hi, stride, integer = axis
    part: NDArray[np.intp]
    if integer:  # clip to the tabulated range, then shift and scale
        part = np.clip(column, np.intp(lo), np.intp(hi), dtype=np.intp, casting="unsafe")
        if lo:
            part -= lo
        if stride != 1:
            part *= stride
    elif index is not None and stride == 1:
        index += column
        return index
    else:
        part = np.multiply(column, np.intp(stride), dtype=np.intp)
    if index is None:
        return part
    index += part
    return index


class _Step:
    """One distinct activation node of a compiled rulebook's plan."""

    __slots__ = ("combine", "node", "one", "table", "terms")

    def __init__(self, node: Node, terms: tuple[int, ...], table: _Table | None) -> None:
        self.node = node
        self.terms = terms
        self.table = table
        self.one = table.one if table is not None else node.one
        #: How a combination joins its terms' shared results, if its node says (else: batch).
        self.combine: Any = getattr(node, "combine", None) if terms else None


class _Plan:
    """Every distinct activation of a rulebook, evaluated once per batch (shared subexpressions).

    Activations are keyed by the JSON dump of their primitive, so the same ramp over the same
    input used by several factors and risks is one step. Each step is a lookup table where one
    is exact and small (:class:`_Table`), else the node's arithmetic; a combination that is not
    tabulated combines its terms' shared results.
    """

    def __init__(self) -> None:
        self.steps: list[_Step] = []
        self._keys: dict[str, int] = {}

    def add(self, primitive: Primitive) -> int:
        """The step of ``primitive`` (compiled on first sight), with its whole subtree."""
        key = primitive.model_dump_json()
        found = self._keys.get(key)
        if found is not None:
            return found
        terms = tuple(self.add(term) for term in primitive.children())
        node = primitive.compile([self.steps[term].node for term in terms])
        table = None
        domain = getattr(node, "domain", None)
        found_domain = domain() if domain is not None else None
        if found_domain is not None:
            size = 1
            for low, high in found_domain.values():
                size *= high - low + 1
            if size <= TABLE_LIMIT:
                table = _Table(node, found_domain)
        self.steps.append(_Step(node, terms, table))
        self._keys[key] = len(self.steps) - 1
        return len(self.steps) - 1

    def run(self, step: int, columns: Columns, memo: dict[int, Float]) -> Float:
        """Activations of ``step`` for the rows of ``columns``; shared results come from ``memo``.

        The returned array belongs to ``memo``: callers must not write to it.
        """
        found = memo.get(step)
        if found is not None:
            return found
        entry = self.steps[step]
        value = entry.table.batch(columns) if entry.table is not None else None
        if value is None:
            if entry.combine is not None:
                value = entry.combine([self.run(term, columns, memo) for term in entry.terms])
            else:
                value = entry.node.batch(columns)
        memo[step] = value
        return value


class CompiledRulebook:
    """A rulebook turned into evaluators. Build with :func:`compile_rulebook`."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        self.factor_ids = rulebook.factor_ids
        self.seat = SeatStage(rulebook.seat, flags=_warning_conditions(rulebook))
        self.plan = plan = _Plan()
        self.factor_steps = tuple(plan.add(factor.activation) for factor in rulebook.factors)
        self.risk_steps = tuple(plan.add(risk.when) for risk in rulebook.risks)
        self.activations: tuple[Node, ...] = tuple(plan.steps[k].node for k in self.factor_steps)
        self.signed_weights = tuple(factor.favours.sign * factor.weight for factor in rulebook.factors)
        self._ones = tuple(plan.steps[k].one for k in self.factor_steps)
        self.risks = tuple(
            _CompiledRisk(plan.steps[step].node, risk.min_activation, frozenset(risk.applies_to))
            for step, risk in zip(self.risk_steps, rulebook.risks, strict=True)
        )
        #: Per verdict: ``(risk index, scalar evaluator, minimum)`` of the risks that apply to it.
        self._risks_by_verdict: dict[Verdict, tuple[tuple[int, Any, float], ...]] = {
            verdict: tuple(
                (index, plan.steps[step].one, risk.min_activation)
                for index, (step, risk) in enumerate(zip(self.risk_steps, rulebook.risks, strict=True))
                if verdict in risk.applies_to
            )
            for verdict in Verdict
        }
        self._key_axes = _key_axes(plan.steps)
        #: The whole background as one table (built on the first large batch; False: none).
        self._fused: _Fused | Literal[False] | None = None
        self.technical_min = rulebook.thresholds.technical_min
        self.traditional_max = rulebook.thresholds.traditional_max
        #: Per-rulebook state other layers derive once (e.g. the result builder), same lifetime.
        self.attachments: dict[str, Any] = {}
        #: :meth:`breakpoints` per input, and :attr:`conditions`, derived once (the counterfactual
        #: search asks for them per field and profile; the rulebook is frozen).
        self._breakpoints: dict[str, frozenset[int]] = {}
        self._conditions: tuple[Primitive, ...] | None = None

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
        # + 0.0 turns -0.0 (a traditional factor that does not fire) into 0.0, in both twins.
        contributions = [w * a + 0.0 for w, a in zip(self.signed_weights, activations, strict=True)]
        score = 0.0
        for contribution in contributions:
            score += contribution
        return activations, contributions, score

    def background_key(self, values: Mapping[str, float]) -> tuple[int, ...] | None:
        """What the background stage of one profile (with derived inputs) depends on, or None.

        When every activation is tabulated, activations, score, verdict and risks are a
        function of the clipped whole-number inputs the tables read: equal keys give equal
        results, so callers may reuse them (``recommend()`` caches its trace this way). None
        when an activation is arithmetic or an input is not an ``int``.
        """
        axes = self._key_axes
        if axes is None:
            return None
        key: list[int] = []
        for name, lo, hi in axes:
            x: Any = values[name]
            if x.__class__ is not int:
                return None
            if lo is not None and hi is not None:
                x = lo if x < lo else hi if x > hi else x
            key.append(x)
        return tuple(key)

    def verdict_one(self, score: float) -> Verdict:
        """Verdict for one score (:func:`verdict_of` with this rulebook's thresholds)."""
        return verdict_of(score, self.technical_min, self.traditional_max)

    def risks_one(self, values: Mapping[str, float], verdict: Verdict) -> list[tuple[int, float]]:
        """``(index, strength)`` of the risks that apply to ``verdict`` for one profile."""
        out = []
        for index, one, minimum in self._risks_by_verdict[verdict]:
            strength = one(values)
            if strength >= minimum:
                out.append((index, strength))
        return out

    def with_seat(self, values: Mapping[str, float]) -> dict[str, float]:
        """A copy of one encoded profile with its derived inputs added."""
        out = dict(values)
        self.seat.one(out)
        return out

    # -- many profiles ------------------------------------------------------------------

    def evaluate(
        self, columns: Columns, n: int, *, threads: int = 1, gather: Sequence[NDArray[Any]] = ()
    ) -> BatchEvaluation:
        """Both stages for ``n`` encoded profiles.

        ``threads`` above 1 shares the blocks of rows of the table path among that many threads
        (each block's rows are written by one thread only: the same result). ``gather`` holds
        arrays with one value per entry of :meth:`table_entries`; on the table path each row's
        values come back in ``gathered`` (else ``gathered`` is empty).
        """
        whole = self._whole_for(columns, n)
        if whole is not None:
            return whole.evaluate(self.seat.table, columns, n, threads=threads, gather=gather)
        full = self.with_derived(columns, n)
        contributions, score, codes, flags = self._rows(full, n, risks=True)
        derived = {name: full[name] for name in self.seat.outputs if name in full}
        return BatchEvaluation(derived, contributions, score, codes, flags)

    def _rows(
        self, full: Columns, n: int, *, risks: bool, fused: bool = True
    ) -> tuple[Float, Float, NDArray[np.int8], NDArray[np.bool_]]:
        """Contributions, score, verdict codes and (with ``risks``) risk flags, block by block.

        Each block evaluates every distinct activation once (the plan's memo), or, when the
        whole background is one lookup table (:class:`_Fused`), takes everything from it.
        """
        floats = np.empty((len(self.factor_steps) + 1, n), dtype=np.float64)
        contributions, score = floats[:-1], floats[-1]  # the layout the whole-background table gathers
        codes = np.empty(n, dtype=np.int8)
        flags = np.zeros((len(self.risks) if risks else 0, n), dtype=bool)
        table = self._fused_for(full, n) if fused else None
        # Blocks of rows keep the temporaries small enough to stay in cache and be reused by the
        # allocator, and the memory flat; every operation is elementwise, so blocking cannot
        # change a result.
        for start in range(0, n, _BLOCK_ROWS):
            stop = min(start + _BLOCK_ROWS, n)
            block = full if n <= _BLOCK_ROWS else _rows(full, start, stop, n)
            rows = slice(start, stop)
            if table is not None:
                table.fill(block, stop - start, floats[:, rows], codes[rows], flags[:, rows])
                continue
            memo: dict[int, Float] = {}
            for k, (step, weight) in enumerate(zip(self.factor_steps, self.signed_weights, strict=True)):
                out = contributions[k, rows]
                np.multiply(self.plan.run(step, block, memo), weight, out=out)
                np.add(out, 0.0, out=out)  # no -0.0, as in score_one
            part = sum_contributions(contributions[:, rows], out=score[rows])
            codes[rows] = self.verdict_codes(part)
            if risks:
                strengths = [self.plan.run(step, block, memo) for step in self.risk_steps]
                self._flag_block(flags[:, rows], codes[rows], strengths)
        return contributions, score, codes, flags

    def table_entries(self, columns: Columns, n: int) -> tuple[Float, Float] | None:
        """The contributions ``(n_factors, entries)`` and scores of the table that
        :meth:`evaluate` will read for these columns, or None when it computes them instead.

        Anything that is a function of a row's contributions and score alone can be computed
        once per entry and passed to :meth:`evaluate` as ``gather``: same values, one gather.
        """
        whole = self._whole_for(columns, n)
        return None if whole is None else (whole.contributions, whole.score)

    def _fused_table(self, n: int) -> _Fused | None:
        """The whole-background table, or None when the rules have none.

        Built on first use: by any batch when it is small (a millisecond or two), else by the
        first batch of at least ``_FUSED_MIN_ROWS`` rows, so that a few small calls with a
        custom rulebook never pay for a large table they would not repay.
        """
        if self._key_axes is None:
            return None
        if self._fused is None:
            if n < _FUSED_MIN_ROWS and _fused_size(self._key_axes) > _FUSED_EAGER_LIMIT:
                return None
            self._fused = _Fused.build(self)
        return self._fused or None

    def _fused_for(self, full: Columns, n: int) -> _Fused | None:
        """The whole-background table, if this rulebook has one and these columns can use it."""
        fused = self._fused_table(n)
        return fused if fused is not None and fused.accepts(full, fused.axes) else None

    def _whole_for(self, columns: Columns, n: int) -> _Fused | None:
        """The whole-background table with the seat folded in, when both stages can use it.

        That is: the columns carry no derived inputs of their own, the seat is a table and its
        inputs are integer-typed, and the background table exists with integer-typed free axes.
        """
        if any(name in columns for name in SEAT_INPUTS) or not self.seat.table.accepts(columns, n):
            return None
        fused = self._fused_table(n)
        if fused is None or fused.seat_part is None:
            return None
        return fused if fused.accepts(columns, fused.free_axes) else None

    def _flag_block(self, out: NDArray[np.bool_], codes: NDArray[np.int8], strengths: list[Float]) -> None:
        for k, (risk, strength) in enumerate(zip(self.risks, strengths, strict=True)):
            applies = _applies(codes, risk.applies)
            if applies is not None:
                np.greater_equal(strength, risk.minimum, out=out[k])
                if applies is not True:
                    out[k] &= applies

    def with_derived(self, columns: Columns, n: int) -> dict[str, NDArray[Any]]:
        """``columns`` plus the seat's derived inputs (kept as given where already present)."""
        out = dict(columns)
        if any(name not in out for name in SEAT_INPUTS):
            for name, column in self.seat.batch(columns, n).items():
                out.setdefault(name, column)
        return out

    def contributions(self, columns: Columns, n: int) -> Float:
        """Signed contributions, factor-major: shape ``(n_factors, n)``."""
        return self._rows(self.with_derived(columns, n), n, risks=False)[0]

    @staticmethod
    def score(contributions: Float) -> Float:
        """Row scores: contributions summed factor by factor, in the order ``score_one`` uses."""
        return sum_contributions(contributions)

    def verdict_codes(self, score: Float) -> NDArray[np.int8]:
        """Verdict codes (:attr:`Verdict.code`) for an array of scores (:func:`verdict_codes_of`)."""
        return verdict_codes_of(score, self.technical_min, self.traditional_max)

    # -- structure ------------------------------------------------------------------------

    def breakpoints(self, name: str) -> frozenset[int]:
        """Whole numbers of integer input ``name`` where the score or the seat may bend or step.

        Between consecutive breakpoints every factor is affine in ``name`` and the seat is
        constant: the verifier's grid and the counterfactual search are built on this.
        """
        found = self._breakpoints.get(name)
        if found is not None:
            return found
        points = set(self.seat.breakpoints(name))
        for factor in self.rulebook.factors:
            points |= factor.activation.breakpoints(name)
        for condition in self.conditions:
            points |= condition.breakpoints(name)
        return self._breakpoints.setdefault(name, frozenset(points))

    @property
    def conditions(self) -> tuple[Primitive, ...]:
        """The conditions of the verdict axioms and statements: the grid must decide them too."""
        if self._conditions is not None:
            return self._conditions
        rulebook = self.rulebook
        found: list[Primitive] = []
        for axiom in rulebook.verdict_axioms:
            found += [axiom.when] if axiom.then is None else [axiom.when, axiom.then]
        found += [
            when
            for statement in rulebook.statements
            if (when := seat_bound(statement, rulebook.seat)) is not None
        ]
        self._conditions = tuple(found)
        return self._conditions

    def verdict_at(self, values: Mapping[str, float]) -> tuple[Verdict, float]:
        """Verdict and score for one encoded profile without derived inputs."""
        score = self.score_one(self.with_seat(values))[2]
        return self.verdict_one(score), score


def _key_axes(steps: list[_Step]) -> tuple[tuple[str, int | None, int | None], ...] | None:
    """``(input, low, high)`` for every input the tables read (low/high None for level codes)."""
    axes: dict[str, tuple[int | None, int | None]] = {}
    for step in steps:
        table = step.table
        if table is None:
            if step.terms:
                continue  # a combination evaluated from its terms: the terms decide
            return None
        for name, lo, hi, integer in zip(table.names, table.lows, table.highs, table.integer, strict=True):
            if not integer:
                axes[name] = (None, None)
                continue
            seen = axes.get(name)
            if seen is not None and seen[0] is not None and seen[1] is not None:
                # Clipping to the union of the ranges keeps every table's clipped point.
                lo, hi = min(lo, seen[0]), max(hi, seen[1])
            axes[name] = (lo, hi)
    return tuple((name, lo, hi) for name, (lo, hi) in sorted(axes.items()))


_VERDICT_CODES: Final = {verdict: verdict.code for verdict in Verdict}
_EITHER_CODE: Final = Verdict.EITHER.code


def _applies(codes: NDArray[np.int8], verdicts: frozenset[Verdict]) -> NDArray[np.bool_] | bool | None:
    """Rows whose verdict is in ``verdicts``: True for all of them, None for none, else a mask."""
    if len(verdicts) == len(_VERDICT_CODES):
        return True
    if not verdicts:
        return None
    if len(verdicts) == 1:
        (verdict,) = verdicts
        mask = codes == _VERDICT_CODES[verdict]
    else:
        (missing,) = set(_VERDICT_CODES) - verdicts
        mask = codes != _VERDICT_CODES[missing]
    return mask if mask.any() else None


#: Largest whole-background table (entries); batches of fewer rows than the minimum skip it.
FUSED_LIMIT: Final = 1 << 16
#: Tables up to this many entries are built by the first batch of any size.
_FUSED_EAGER_LIMIT: Final = 1 << 13
_FUSED_MIN_ROWS: Final = 4096


def _fused_size(key_axes: tuple[tuple[str, int | None, int | None], ...]) -> int:
    """Entries of the whole-background table over these key axes (levels: one per level)."""
    total = 1
    for name, low, high in key_axes:
        total *= len(LEVEL_INPUTS[name]) if low is None or high is None else high - low + 1
    return total


#: One axis of a whole-background table: input, low, high, whether an integer input, stride.
_Axis = tuple[str, int, int, bool, int]


class _Fused:
    """The whole background stage as lookup tables over every input the activations read.

    When every activation is tabulated, each factor's contribution, the score, the verdict and
    every risk flag are functions of the clipped inputs (:meth:`CompiledRulebook.background_key`).
    Their tables are computed by the plan itself on the grid of all such points, so a lookup
    returns exactly what the plan would compute for the row; a batch then costs one mixed-radix
    index and one gather per output column.

    When the seat is a table too, the seat folds in: the axes the seat's class decides (its
    derived inputs, and coverage counts clipped within what a class keeps) add up to one number
    per seat class (``seat_part``), so a row's index is that number plus its free axes.
    """

    __slots__ = (
        "axes",
        "contributions",
        "floats",
        "free_axes",
        "packed",
        "score",
        "seat_part",
        "small_columns",
    )

    def __init__(self, axes: tuple[_Axis, ...], compiled: CompiledRulebook) -> None:
        self.axes = axes
        sizes = [high - low + 1 for _, low, high, _, _ in axes]
        grid_index = np.indices(sizes, dtype=np.intp).reshape(len(sizes), -1)
        grid = {name: grid_index[k] + low for k, (name, low, _, _, _) in enumerate(axes)}
        size = grid_index.shape[1]
        contributions, score, codes, flags = compiled._rows(grid, size, risks=True, fused=False)
        #: The contributions and then the score of each entry, one row per output column.
        self.floats = np.vstack([contributions, score[np.newaxis]])
        self.contributions, self.score = self.floats[:-1], self.floats[-1]  # views of it
        #: The verdict code and risk flags of each entry as one record (one gather per row).
        self.packed = pack([codes, *flags])
        self.small_columns = 1 + len(flags)
        self.seat_part, self.free_axes = _fold_seat(axes, compiled.seat.table)

    @classmethod
    def build(cls, compiled: CompiledRulebook) -> _Fused | Literal[False]:
        """The tables of ``compiled``, or False when they would be too large."""
        key_axes = compiled._key_axes
        assert key_axes is not None
        if not key_axes or _fused_size(key_axes) > FUSED_LIMIT:
            return False
        bounds = []
        for name, low, high in key_axes:
            if low is None or high is None:
                bounds.append((name, 0, len(LEVEL_INPUTS[name]) - 1, False))
            else:
                bounds.append((name, low, high, True))
        strides = [1] * len(bounds)
        for k in range(len(bounds) - 2, -1, -1):
            strides[k] = strides[k + 1] * (bounds[k + 1][2] - bounds[k + 1][1] + 1)
        axes = tuple((*bound, stride) for bound, stride in zip(bounds, strides, strict=True))
        return cls(axes, compiled)

    @staticmethod
    def accepts(columns: Columns, axes: tuple[_Axis, ...]) -> bool:
        """Whether every column these axes read is integer-typed (else: the plan)."""
        return all(np.asarray(columns[name]).dtype.kind in "iu" for name, *_ in axes)

    def fill(
        self,
        block: Columns,
        n: int,
        floats: Float,
        codes: NDArray[np.int8],
        flags: NDArray[np.bool_],
    ) -> None:
        """Write the outputs of one block of rows (derived inputs included) through the tables:
        ``floats`` holds the contributions and then the score, ``flags`` may have no rows."""
        index = _add_axes(np.zeros(n, dtype=_narrow(self.score.size)), block, self.axes)
        small = np.empty(n, dtype=self.packed.dtype)
        self._gather_block(index.astype(np.intp), floats, small)
        outputs = unpack(small, self.small_columns)
        codes[...] = outputs[0]
        if len(flags):
            flags[...] = outputs[1:].view(np.bool_)

    def evaluate(
        self,
        seat: _SeatTable,
        columns: Columns,
        n: int,
        *,
        threads: int = 1,
        gather: Sequence[NDArray[Any]] = (),
    ) -> BatchEvaluation:
        """Both stages for ``n`` profiles whose seat inputs and free axes are integer columns.

        The one-byte outputs (the seat's derived inputs; the verdict code and risk flags) come
        as packed records, one gather each, and are returned as views of them. Blocks of rows
        are independent, so ``threads`` may share them.
        """
        seat_part, packed_seats = self.seat_part, seat.packed
        assert seat_part is not None
        assert packed_seats is not None
        seats = np.empty(n, dtype=packed_seats.dtype)
        small = np.empty(n, dtype=self.packed.dtype)
        floats = np.empty((len(self.floats), n), dtype=np.float64)  # contributions, then score
        gathered = tuple(np.empty(n, dtype=values.dtype) for values in gather)

        def blocks(starts: Sequence[int]) -> None:
            for start in starts:
                stop = min(start + _BLOCK_ROWS, n)
                block = columns if n <= _BLOCK_ROWS else _rows(columns, start, stop, n)
                rows = slice(start, stop)
                classes = seat.classes(block, stop - start)
                packed_seats.take(classes, out=seats[rows], mode="clip")
                index = _add_axes(seat_part.take(classes), block, self.free_axes).astype(np.intp)
                self._gather_block(index, floats[:, rows], small[rows])
                for values, out in zip(gather, gathered, strict=True):
                    values.take(index, out=out[rows], mode="clip")

        run_shares(blocks, range(0, n, _BLOCK_ROWS), threads)
        derived = dict(zip(seat.outputs, unpack(seats, len(seat.outputs)), strict=True))
        outputs = unpack(small, self.small_columns)
        return BatchEvaluation(
            derived, floats[:-1], floats[-1], outputs[0], outputs[1:].view(np.bool_), gathered
        )

    def _gather_block(self, index: NDArray[np.intp], floats: Float, small: NDArray[Any]) -> None:
        """Every output of one block of rows, by table index."""
        if len(index) < _ROW_GATHER_ROWS:  # one call for every float column: less overhead
            self.floats.take(index, axis=1, out=floats, mode="clip")
        else:  # one gather per column: faster per row
            for k, table in enumerate(self.floats):
                table.take(index, out=floats[k], mode="clip")
        self.packed.take(index, out=small, mode="clip")


def _narrow(size: int) -> type[np.signedinteger[Any]]:
    """The narrowest integer type holding every index into a table of ``size`` entries.

    Indices are built in it (numpy's loops then move less memory) and widened once to gather.
    """
    return np.int16 if size <= np.iinfo(np.int16).max else np.int32


def _add_axes(index: NDArray[Any], block: Columns, axes: tuple[_Axis, ...]) -> NDArray[Any]:
    """``index`` (written in place and returned) plus each axis' part of the table index."""
    n = len(index)
    part: NDArray[Any] = np.empty(n, dtype=index.dtype)
    kind = index.dtype.type
    for name, low, high, integer, stride in axes:
        column = np.asarray(block[name])
        if column.shape != (n,):  # a scalar for every row (np.broadcast_to costs µs per call)
            column = np.broadcast_to(column, (n,))
        if integer:
            # Clip in the column's own type, so large values never wrap in the narrow one.
            np.clip(column, np.int64(low), np.int64(high), out=part, casting="unsafe")
            if low:
                part -= kind(low)
            if stride != 1:
                part *= kind(stride)
            index += part
        elif stride != 1:
            np.multiply(column, kind(stride), out=part, dtype=index.dtype, casting="unsafe")
            index += part
        else:
            np.add(index, column, out=index, dtype=index.dtype, casting="unsafe")
    return index


def _fold_seat(
    axes: tuple[_Axis, ...], seat: _SeatTable
) -> tuple[NDArray[np.signedinteger[Any]] | None, tuple[_Axis, ...]]:
    """Per seat class, its part of the table index, and the axes the class does not decide.

    ``(None, axes)`` when the seat is not a table.
    """
    if seat.columns is None:
        return None, axes
    part: NDArray[np.intp] | None = None
    free = []
    for axis in axes:
        name, low, high, _, stride = axis
        values = seat.determined(name, low, high)
        if values is None:
            free.append(axis)
            continue
        share = (values - low) * stride
        part = share if part is None else part + share
    if part is None:  # the background reads nothing the seat decides
        part = np.zeros(len(next(iter(seat.columns.values()))), dtype=np.int64)
    return part.astype(_narrow(int(np.prod([high - low + 1 for _, low, high, _, _ in axes])))), tuple(free)


#: Below this many rows, a block gathers every float column in one call (``take(axis=1)``).
_ROW_GATHER_ROWS: Final = 1024

#: Rows per block in ``CompiledRulebook.contributions`` (512 KiB per float64 temporary).
_BLOCK_ROWS: Final = 1 << 16


def _rows(columns: Columns, start: int, stop: int, n: int) -> dict[str, NDArray[Any]]:
    """Rows ``start:stop`` of every full-length column (anything else, e.g. a scalar, as is)."""
    return {
        name: column[start:stop] if np.ndim(column) == 1 and len(column) == n else column
        for name, column in columns.items()
    }


def _warning_conditions(rulebook: Rulebook) -> dict[str, tuple[Primitive, float]]:
    """The warning statements' conditions by batch column (``warning.<id>``), for the seat stage
    to compute with the seat where its classes decide them (a rulebook without statements uses
    the default rulebook's, as the renderers do)."""
    specs = {spec.id: spec for spec in rulebook.statements or Rulebook.default().statements}
    return {
        f"warning.{name}": (seat_bound(specs[name], rulebook.seat), specs[name].min_activation)  # type: ignore[misc]
        for name in WARNINGS
        if name in specs and specs[name].when is not None
    }


#: Compiled rulebooks by fingerprint (bounded, thread-safe).
_CACHE: Final[FingerprintCache[Rulebook, CompiledRulebook]] = FingerprintCache(64, CompiledRulebook)


def compile_rulebook(rulebook: Rulebook) -> CompiledRulebook:
    """The compiled form of a rulebook, cached by fingerprint (bounded, thread-safe)."""
    return _CACHE.compiled(rulebook)


def recently_compiled(fingerprint: str) -> Rulebook | None:
    """A rulebook with this fingerprint that was used recently in this process, if any."""
    compiled = _CACHE.get(fingerprint)
    return compiled.rulebook if compiled is not None else None
