"""Stage one of the kernel: the seat (which faces the hire would own) and whether to hire at all.

The rulebook's :class:`~tpm_fit.SeatRule` is data; this module is its only interpreter. Like the
activation nodes, it has a scalar form for ``recommend()`` and a numpy form for batches and the
verifier, computing the same thing. Its outputs become *derived inputs* that the second stage's
level tables read: ``role_shape``, ``seat_strategy``, ``seat_marketing``, ``seat_technical`` and
``hire_needed`` (codes 0/1).

Every output is a step function of the profile with steps only at the whole numbers
:meth:`SeatStage.breakpoints` lists, which is what keeps :func:`~tpm_fit.verify_rulebook` exact.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise, permutations
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from .._model.primitives import Levels, Primitive, Ramp, compile_activation
from .._model.profile import NUMERIC_BOUNDS, ProductComplexity
from .._model.rulebook import SeatRule
from .._model.vocab import FACES, Face, RoleShape
from .packed import pack
from .seat_reads import SEAT_READS

if TYPE_CHECKING:
    from .statements import Statements

__all__ = [
    "OPEN_SEATS",
    "SEAT_INPUTS",
    "SEAT_OUTPUTS",
    "WARNINGS",
    "SeatOne",
    "SeatStage",
    "need_reason",
    "open_code",
    "warnings_of",
]

#: Derived inputs the seat stage adds, in the order the kernel fills them.
SEAT_INPUTS: Final = ("role_shape", *(face.seat_input for face in FACES), "hire_needed")
#: Every order of open seats (ordered subsets of the faces), by their batch code.
OPEN_SEATS: Final = tuple(order for size in range(len(FACES) + 1) for order in permutations(FACES, size))
#: The seat stage's batch outputs: the derived inputs, then the code of the open seats' order.
SEAT_OUTPUTS: Final = (*SEAT_INPUTS, "open_seats")
#: Code of an ordered tuple of faces in OPEN_SEATS.
_OPEN_CODE: Final = {order: code for code, order in enumerate(OPEN_SEATS)}
#: Code in OPEN_SEATS by the base-4 number of face positions (1-based, most significant first).
_OPEN_LOOKUP: Final = np.array(
    [_OPEN_CODE.get(tuple(FACES[d - 1] for d in (k // 16, k // 4 % 4, k % 4) if d), 0) for k in range(64)],
    dtype=np.int8,
)


def open_code(open_seats: tuple[Face, ...]) -> int:
    """The batch code of an order of open seats."""
    return _OPEN_CODE[open_seats]


#: Per face, in FACES order: the coverage field it reads and the derived input it fills.
_COVERAGE: Final = tuple(face.coverage_field for face in FACES)
_SEAT_INPUT: Final = tuple(face.seat_input for face in FACES)


@dataclass(frozen=True, slots=True)
class SeatOne:
    """The seat of one profile."""

    role_shape: RoleShape
    seat: tuple[Face, ...]
    need: int
    #: Faces tied with the chosen one for a specialist seat (empty otherwise).
    tied_with: tuple[Face, ...]
    #: Every face still below its need, in the order to fill them (the seat's faces first).
    open_seats: tuple[Face, ...]
    #: Whether the technical face went first in a tie because the product is highly technical.
    technical_first: bool

    @property
    def hire_needed(self) -> bool:
        """True exactly when the seat holds at least one face."""
        return bool(self.seat)


class SeatStage:
    """The compiled seat rule: scalar and batch forms of the same step functions."""

    __slots__ = (
        "complex_rank",
        "flags",
        "min_size",
        "min_team",
        "need_from",
        "need_people",
        "order",
        "orders",
        "outputs",
        "rule",
        "table",
        "technical_at",
    )

    def __init__(self, rule: SeatRule, flags: Mapping[str, tuple[Primitive, float]] | None = None) -> None:
        """``flags``: conditions (activation, threshold) to compute with the seat, by output name;
        those that the seat's classes decide are kept (the others are left to the caller)."""
        self.rule = rule
        self.min_size = rule.specialist_min_company_size
        self.min_team = rule.specialist_min_product_team
        self.need_from = tuple(step.from_company_size for step in rule.need)
        self.need_people = tuple(step.people for step in rule.need)
        #: Positions in FACES, in tie-break order.
        self.order = tuple(FACES.index(face) for face in rule.tie_order)
        #: From this product_complexity rank on, an open technical face wins ties (never if None).
        first = rule.technical_first_from
        self.complex_rank: int | None = None if first is None else first.rank
        #: Position of the technical face in tie order.
        self.technical_at = rule.tie_order.index(Face.TECHNICAL)
        #: Tie orders (positions in FACES): as declared, and with the technical face first.
        self.orders = (self.order, (_TECHNICAL, *(k for k in self.order if k != _TECHNICAL)))
        #: Conditions computed with the seat, by output name: decided by the seat's classes alone.
        self.flags = {
            name: (compile_activation(condition), minimum)
            for name, (condition, minimum) in (flags or {}).items()
            if self._class_constant(condition)
        }
        #: Batch outputs: the derived inputs, the open seats' code, then the flags.
        self.outputs: tuple[str, ...] = (*SEAT_OUTPUTS, *self.flags)
        self.table = _SeatTable(self)

    def _class_constant(self, condition: Primitive) -> bool:
        """Whether ``condition`` is constant on every class of the seat table: it reads only the
        seat's inputs and derived inputs, and changes only where the class changes."""
        if isinstance(condition, Ramp):
            if condition.input not in _SEAT_READS:
                return False
            cuts = self._cuts(condition.input)
            for (x0, y0), (x1, y1) in pairwise(condition.points):
                if y0 != y1 and not (x1 == x0 + 1 and int(x1) in cuts):
                    return False
            return True
        if isinstance(condition, Levels):
            if condition.input in SEAT_INPUTS:
                return True
            if condition.input != "product_complexity" or self.complex_rank is None:
                return False
            values = list(condition.values.values())
            rank = self.complex_rank
            return len(set(values[:rank])) <= 1 and len(set(values[rank:])) <= 1
        return all(self._class_constant(term) for term in condition.children())

    def _cuts(self, name: str) -> frozenset[int]:
        """Values of integer input ``name`` at which a seat class starts (the value below is in
        another class)."""
        if name == "company_size":
            return frozenset({self.min_size, *self.need_from[1:]})
        if name == "product_team_size":
            return frozenset({1, max(1, self.min_team)})
        return frozenset(range(1, self.rule.max_need + 1))  # coverage: exact up to the largest need

    def technical_first(self, complexity: float) -> bool:
        """Whether an open technical face wins ties at this product_complexity rank."""
        return self.complex_rank is not None and complexity >= self.complex_rank

    # -- one profile ------------------------------------------------------------------------

    def need_at(self, company_size: float) -> int:
        """People each face needs at this company size."""
        return self.need_people[bisect_right(self.need_from, company_size) - 1]

    def one(self, values: dict[str, float]) -> SeatOne:
        """The seat of one encoded profile; adds the derived inputs to ``values`` in place."""
        size, team = values["company_size"], values["product_team_size"]
        need = self.need_at(size)
        specialist = self.splits(size, team)
        gaps = [need - values[field] for field in _COVERAGE]
        first = self.technical_first(values["product_complexity"])
        if specialist:
            held, tied, flags, won = self._specialist_seat(gaps, first)
        else:
            (held, tied, flags), won = _generalist_seat(gaps), False
        values["role_shape"] = int(specialist)
        values.update(zip(_SEAT_INPUT, flags, strict=True))
        values["hire_needed"] = int(bool(held))
        open_seats = self._open_order(gaps, first) if specialist else held
        values["open_seats"] = _OPEN_CODE[open_seats]
        shape = RoleShape.SPECIALIST if specialist else RoleShape.GENERALIST
        return SeatOne(
            role_shape=shape,
            seat=held,
            need=need,
            tied_with=tied,
            open_seats=open_seats,
            technical_first=won,
        )

    def splits(self, size: float, team: float) -> bool:
        """Whether the faces are split between people (a specialist seat) at this size and team.

        Once the company has grown to ``specialist_min_company_size`` the faces split, even
        before its first PM (one person per face, the first of them now); a smaller company
        splits them once it has ``specialist_min_product_team`` PMs.
        """
        return size >= self.min_size or team >= self.min_team

    def _open_order(self, gaps: list[float], first: bool) -> tuple[Face, ...]:
        """Faces below their need, furthest below first, ties in (complexity-aware) tie order."""
        ranked = [k for k in self.orders[first] if gaps[k] > 0]
        if len(ranked) > 1:
            ranked.sort(key=lambda k: -gaps[k])  # stable: ties keep the tie order
        return tuple(FACES[k] for k in ranked)

    def _specialist_seat(
        self, gaps: list[float], first: bool
    ) -> tuple[tuple[Face, ...], tuple[Face, ...], list[int], bool]:
        """The one face furthest below its need (first in tie order, an open technical face first
        for a highly technical product), the faces tied with it, the seat flags, and whether the
        technical face won a tie through the complexity rule."""
        # First face in tie order with the largest gap (as np.argmax in the batch form).
        best = self.order[0]
        for k in self.order[1:]:
            if gaps[k] > gaps[best]:
                best = k
        if gaps[best] <= 0:
            return (), (), [0] * len(FACES), False
        won = first and best != _TECHNICAL and gaps[_TECHNICAL] >= gaps[best]
        if won:
            best = _TECHNICAL
        tied = tuple(FACES[k] for k in self.orders[first] if k != best and gaps[k] == gaps[best])
        return (FACES[best],), tied, [1 if k == best else 0 for k in range(len(FACES))], won

    # -- many profiles ----------------------------------------------------------------------

    def need_batch(self, company_size: NDArray[Any]) -> NDArray[Any]:
        """People each face needs, per row (int64 for integer sizes, else float64)."""
        size = np.asarray(company_size)
        if size.dtype.kind in "iu" and size.ndim == 1:
            # A few comparisons beat a binary search per row: the need starts at the first
            # step's people and moves by each later step's difference from where it begins.
            need = np.full(len(size), self.need_people[0], dtype=np.int64)
            for start, before, after in zip(
                self.need_from[1:], self.need_people, self.need_people[1:], strict=False
            ):
                np.add(need, np.int64(after - before), out=need, where=size >= np.int64(start))
            return need
        steps = np.searchsorted(np.asarray(self.need_from, dtype=np.float64), size, side="right")
        return np.asarray(self.need_people, dtype=np.float64)[steps - 1]

    def batch(self, columns: Mapping[str, NDArray[Any]], n: int) -> dict[str, NDArray[np.int8]]:
        """Derived input columns (int8 codes) for encoded profile columns of length ``n``."""
        looked_up = self.table.batch(columns, n)
        if looked_up is not None:
            return looked_up
        return self.arithmetic(columns, n)

    def arithmetic(self, columns: Mapping[str, NDArray[Any]], n: int) -> dict[str, NDArray[np.int8]]:
        """:meth:`batch` computed step by step (any numeric columns; the table is built from it)."""
        out = {name: np.empty(n, dtype=np.int8) for name in self.outputs}
        # Blocks of rows keep the temporaries (gaps, masks) in cache and their memory flat.
        for start in range(0, n, _BLOCK_ROWS):
            stop = min(start + _BLOCK_ROWS, n)
            block = {name: _block(columns[name], start, stop, n) for name in _SEAT_READS}
            self._batch_block(block, stop - start, {name: column[start:stop] for name, column in out.items()})
            if self.flags:
                rows = {**block, **{name: column[start:stop] for name, column in out.items()}}
                for name, (node, minimum) in self.flags.items():
                    out[name][start:stop] = np.broadcast_to(
                        node.batch(rows) >= minimum - 1e-9, (stop - start,)
                    )
        return out

    def _batch_block(
        self, columns: Mapping[str, NDArray[Any]], n: int, out: dict[str, NDArray[np.int8]]
    ) -> None:
        size = np.broadcast_to(np.asarray(columns["company_size"]), (n,))
        team = np.broadcast_to(np.asarray(columns["product_team_size"]), (n,))
        need = self.need_batch(size)
        specialist = (size >= self.min_size) | (team >= self.min_team)
        counts = [np.asarray(columns[field]) for field in _COVERAGE]
        dtype = np.result_type(need, *counts)
        gaps = [
            np.subtract(need, count, dtype=dtype if dtype.kind in "iuf" else np.float64) for count in counts
        ]
        # The first face in tie order with the largest gap (as the scalar form): a running
        # maximum that only a strictly larger gap replaces.
        first = self.order[0]
        best_gap = gaps[first].copy()
        best = np.zeros(n, dtype=np.int8)  # position in tie order
        for position, k in enumerate(self.order[1:], start=1):
            larger = gaps[k] > best_gap
            np.copyto(best_gap, gaps[k], where=larger)
            np.copyto(best, np.int8(position), where=larger)
        if self.complex_rank is not None:
            # A highly technical product: an open technical face as far below its need as the
            # chosen one takes the seat (the scalar form's ``won``).
            complexity = np.broadcast_to(np.asarray(columns["product_complexity"]), (n,))
            won = (complexity >= self.complex_rank) & (gaps[_TECHNICAL] >= best_gap)
            np.copyto(best, np.int8(self.technical_at), where=won)
        chosen_open = best_gap > 0
        generalist = ~specialist
        out["role_shape"][...] = specialist
        hire = out["hire_needed"].view(np.bool_)
        hire[...] = False
        chosen_open &= specialist
        held = np.empty(n, dtype=bool)
        spare = np.empty(n, dtype=bool)
        for position, k in enumerate(self.order):
            np.equal(best, np.int8(position), out=held)
            held &= chosen_open
            np.greater(gaps[k], 0, out=spare)
            spare &= generalist
            held |= spare
            hire |= held
            out[_SEAT_INPUT[k]].view(np.bool_)[...] = held
        out["open_seats"][...] = self._open_codes(gaps, specialist, columns, n)

    def _open_codes(
        self,
        gaps: list[NDArray[Any]],
        specialist: NDArray[np.bool_],
        columns: Mapping[str, NDArray[Any]],
        n: int,
    ) -> NDArray[np.int8]:
        """The code (in OPEN_SEATS) of each row's open seats, ordered as :meth:`_open_order`
        orders them for a specialist (furthest below its need first, ties in the complexity-aware
        tie order) and in the faces' order for a generalist."""
        if self.complex_rank is not None:
            complexity = np.broadcast_to(np.asarray(columns["product_complexity"]), (n,))
            first = complexity >= self.complex_rank
        else:
            first = np.zeros(n, dtype=bool)
        opened = [gap > 0 for gap in gaps]
        keys = []  # per face: (gap, tie position); a higher gap, then a lower position, goes first
        for k in range(len(FACES)):
            normal, technical_first = self.orders[0].index(k), self.orders[1].index(k)
            position = np.where(specialist, np.where(first, technical_first, normal), k)
            keys.append((np.where(specialist, gaps[k], 0), position))
        number = np.zeros(n, dtype=np.int64)
        for k in range(len(FACES)):
            gap, position = keys[k]
            rank = np.zeros(n, dtype=np.int64)
            for j in range(len(FACES)):
                if j != k:
                    other_gap, other_position = keys[j]
                    ahead = (other_gap > gap) | ((other_gap == gap) & (other_position < position))
                    rank += opened[j] & ahead
            weight = np.where(rank == 0, 16, np.where(rank == 1, 4, 1))
            number += np.where(opened[k], (k + 1) * weight, 0)
        return _OPEN_LOOKUP[number]

    # -- what the verifier and counterfactuals need -----------------------------------------

    def breakpoints(self, name: str) -> frozenset[int]:
        """Whole numbers of integer input ``name`` at and just below which the seat may change.

        A step at ``t`` (the output differs between ``t - 1`` and ``t``) contributes both, so that
        every grid cell between consecutive breakpoints has a constant seat.
        """
        low, high = NUMERIC_BOUNDS[name]
        points: set[int] = set()
        if name == "company_size":
            for step in (self.min_size, *self.need_from[1:]):
                points |= {step - 1, step}
        elif name == "product_team_size":
            points |= {0, 1, self.min_team - 1, self.min_team}
        elif name in {face.coverage_field for face in FACES}:
            points |= set(range(0, self.rule.max_need + 1))
        return frozenset(p for p in points if low <= p <= high)


def _generalist_seat(gaps: list[float]) -> tuple[tuple[Face, ...], tuple[Face, ...], list[int]]:
    """Every face below its need, no ties, and the seat flags, for a generalist."""
    flags = [1 if gap > 0 else 0 for gap in gaps]
    return tuple(face for face, flag in zip(FACES, flags, strict=True) if flag), (), flags


class _SeatTable:
    """The seat of every class of profile, looked up instead of computed (integer columns only).

    The seat depends on the company size only through which of the rule's size thresholds it has
    reached, on the product team only through "none", "below the specialist threshold" or "at or
    above it", and on each coverage count only up to the largest need (a count at or above it
    leaves its face out whatever the need, and cannot win a tie for a seat). So the seat of every
    profile is one entry of a small table, and each entry is computed by the arithmetic itself.
    """

    __slots__ = ("cap", "columns", "complex_rank", "outputs", "packed", "points", "sizes", "team_steps")

    def __init__(self, stage: SeatStage) -> None:
        self.sizes = tuple(sorted({stage.min_size, *stage.need_from[1:]}))
        self.team_steps = (1, max(1, stage.min_team))
        self.cap = stage.rule.max_need
        self.outputs = stage.outputs
        #: product_complexity rank from which the technical face wins ties (past every rank if never).
        self.complex_rank = stage.complex_rank if stage.complex_rank is not None else 1 << 30
        size_of = [1, *self.sizes]  # a company size in each size class
        team_of = [0, 1, max(1, stage.min_team)]  # a team size in each team class
        complex_of = [0, stage.complex_rank or 0]  # a complexity rank in each complexity class
        width = self.cap + 1
        shape = (len(size_of), len(team_of), 2, width, width, width)
        self.columns: dict[str, NDArray[np.int8]] | None = None
        #: Per class, a profile of that class (coverage counts at most ``cap``).
        self.points: dict[str, NDArray[np.int64]] = {}
        self.packed: NDArray[Any] | None = None
        if int(np.prod(shape)) > _SEAT_TABLE_LIMIT:  # a rule with very large needs: compute instead
            return
        index = np.indices(shape).reshape(len(shape), -1)
        self.points = {
            "company_size": np.asarray(size_of, dtype=np.int64)[index[0]],
            "product_team_size": np.asarray(team_of, dtype=np.int64)[index[1]],
            "product_complexity": np.asarray(complex_of, dtype=np.int64)[index[2]],
            **{field: index[3 + k].astype(np.int64) for k, field in enumerate(_COVERAGE)},
        }
        self.columns = stage.arithmetic(self.points, index.shape[1])
        #: The outputs of each class as one record (in the stage's output order), for one gather.
        self.packed = pack([self.columns[name] for name in stage.outputs])

    def accepts(self, columns: Mapping[str, NDArray[Any]], n: int) -> bool:
        """Whether the table can serve these columns (integer-typed, full length)."""
        if self.columns is None:
            return False
        for name in _SEAT_READS:
            array = np.asarray(columns[name])
            if array.dtype.kind not in "iu" or array.shape != (n,):
                return False  # floats (the verifier's grid) or broadcast scalars: the arithmetic
        return True

    def classes(self, columns: Mapping[str, NDArray[Any]], n: int) -> NDArray[np.intp]:
        """The class (table entry) of each of ``n`` rows; the columns must be :meth:`accepts`-ed."""
        size, team, complexity, *counts = (np.asarray(columns[name]) for name in _SEAT_READS)
        if n <= _FEW_ROWS:
            return self._few_classes(size, team, complexity, counts)
        # The size, team and complexity classes in one byte per row (numpy's byte loops are its
        # fastest; a rule with over 40 size steps takes two bytes), then the counts in intp.
        flag = np.empty(n, dtype=bool)
        small: NDArray[np.unsignedinteger[Any]] = np.zeros(
            n, dtype=np.uint8 if len(self.sizes) <= 40 else np.uint16
        )
        for step in self.sizes:  # the size class: how many thresholds the size has reached
            np.greater_equal(size, step, out=flag)
            small += flag.view(np.uint8)
        small *= 3
        for step in self.team_steps:
            np.greater_equal(team, step, out=flag)
            small += flag.view(np.uint8)
        small *= 2
        np.greater_equal(complexity, self.complex_rank, out=flag)
        small += flag.view(np.uint8)
        index = small.astype(np.intp)
        part = np.empty(n, dtype=np.intp)
        for count in counts:
            index *= self.cap + 1
            np.minimum(count, self.cap, out=part, casting="unsafe")
            index += part
        return index

    def _few_classes(
        self, size: NDArray[Any], team: NDArray[Any], complexity: NDArray[Any], counts: list[NDArray[Any]]
    ) -> NDArray[np.intp]:
        """:meth:`classes` for a few rows, row by row in Python (two dozen numpy calls cost more)."""
        width, cap, (one, many), rank = self.cap + 1, self.cap, self.team_steps, self.complex_rank
        out = []
        rows = zip(
            size.tolist(), team.tolist(), complexity.tolist(), *(c.tolist() for c in counts), strict=True
        )
        for s, t, c0, *cs in rows:
            k = (bisect_right(self.sizes, s) * 3 + (t >= one) + (t >= many)) * 2 + (c0 >= rank)
            for c in cs:
                k = k * width + (c if c < cap else cap)
            out.append(k)
        return np.array(out, dtype=np.intp)

    def batch(self, columns: Mapping[str, NDArray[Any]], n: int) -> dict[str, NDArray[np.int8]] | None:
        """The derived columns looked up, or None where the arithmetic must run instead."""
        if not self.accepts(columns, n):
            return None
        assert self.columns is not None
        out = {name: np.empty(n, dtype=np.int8) for name in self.columns}
        for start in range(0, n, _BLOCK_ROWS):
            stop = min(start + _BLOCK_ROWS, n)
            block = {name: np.asarray(columns[name])[start:stop] for name in _SEAT_READS}
            self.take(
                self.classes(block, stop - start), {name: column[start:stop] for name, column in out.items()}
            )
        return out

    def determined(self, name: str, low: int, high: int) -> NDArray[np.int64] | None:
        """Per class, input ``name`` clipped to ``[low, high]``, when the class alone decides it.

        That holds for the derived inputs, and for a coverage count clipped at or below ``cap``
        (a class keeps the count up to ``cap``); None for anything else.
        """
        if self.columns is None:
            return None
        values: NDArray[Any]
        if name in self.columns:
            values = self.columns[name]
        elif name in _COVERAGE and high <= self.cap:
            values = self.points[name]
        else:
            return None
        return np.clip(values.astype(np.int64), low, high)

    def take(self, classes: NDArray[np.intp], out: Mapping[str, NDArray[np.int8]]) -> None:
        """Write the derived columns of rows of these classes into ``out``."""
        assert self.columns is not None
        for name, column in self.columns.items():
            column.take(classes, out=out[name], mode="clip")


#: Up to this many rows, :meth:`_SeatTable.classes` works row by row in Python.
_FEW_ROWS: Final = 8

#: The profile inputs the seat reads, in the order of the table's axes.
_SEAT_READS: Final = SEAT_READS
#: Position of the technical face in FACES.
_TECHNICAL: Final = FACES.index(Face.TECHNICAL)

#: Largest seat table (entries; class numbers must fit int16); the default rule needs 384.
_SEAT_TABLE_LIMIT: Final = 1 << 15

#: Rows per block in :meth:`SeatStage.batch`.
_BLOCK_ROWS: Final = 1 << 16


def _block(column: NDArray[Any], start: int, stop: int, n: int) -> NDArray[Any]:
    """Rows ``start:stop`` of a full-length column (a scalar or broadcast column as is)."""
    array = np.asarray(column)
    return array[start:stop] if array.ndim == 1 and len(array) == n else array


def _standing(face: Face, values: Mapping[str, float], need: int) -> str:
    return f"{face.value} ({int(values[face.coverage_field])} of {need})"


def _pms(team: int, shown: str | None = None) -> str:
    return f"{f'{team:,}' if shown is None else shown} PM{'s' if team != 1 else ''}"


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def need_reason(
    stage: SeatStage,
    seat: SeatOne,
    values: Mapping[str, float],
    says: Statements,
    assumed: Mapping[str, str] | None = None,
    shown: tuple[str, str] | None = None,
) -> str:
    """Why the seat is what it is, from the rulebook's statements, each true of this profile.

    ``values`` are the encoded profile with the seat's derived inputs (as :meth:`SeatStage.one`
    leaves them). ``assumed`` (input name to the value it took) marks each statement that rests
    on an input that was not given. ``shown`` replaces the company size and the number of PMs in
    the words (the result builder memoises the sentences and fills them in later).
    """
    size, team, need = int(values["company_size"]), int(values["product_team_size"]), seat.need
    fields: dict[str, object] = {
        "size": f"{size:,}" if shown is None else shown[0],
        "team": _pms(team, None if shown is None else shown[1]),
        "min_size": f"{stage.min_size:,}",
        "min_team": stage.min_team,
        "held": ", ".join(_standing(face, values, need) for face in seat.seat),
        "standing": ", ".join(_standing(face, values, need) for face in FACES),
    }
    if not seat.hire_needed:
        return says.sentence([("seat_no_hire", fields)], values, assumed)
    if seat.role_shape is RoleShape.GENERALIST:
        first = says.sentence([("seat_generalist_first_pm", fields)], values, assumed) or says.sentence(
            [("seat_generalist", fields)], values, assumed
        )
        return _join(first, says.sentence([("seat_not_split", fields)], values, assumed))
    split = says.sentence([("seat_split_by_size", fields)], values, assumed) or says.sentence(
        [("seat_split_by_team", fields)], values, assumed
    )
    takes: list[tuple[str, Mapping[str, object]]] = [("seat_specialist_takes", fields)]
    if seat.tied_with:
        tied = {**fields, "tied": _words([face.value for face in seat.tied_with])}
        if seat.technical_first:
            level = _COMPLEXITY_NAMES[int(values["product_complexity"])]
            takes.append(("seat_tie_technical_first", {**tied, "complexity": level}))
        else:
            takes.append(("seat_tie_order", tied))
    sentences = [split, says.sentence(takes, values, assumed)]
    if len(seat.open_seats) > 1:
        plan = _words([_standing(face, values, need) for face in seat.open_seats])
        sentences.append(says.sentence([("seat_open_plan", {**fields, "open": plan})], values, assumed))
    return _join(*sentences)


def _join(*sentences: str) -> str:
    return " ".join(sentence for sentence in sentences if sentence)


def warnings_of(
    values: Mapping[str, float],
    says: Statements,
    assumed: Mapping[str, str] | None = None,
    shown: tuple[str, str] | None = None,
) -> tuple[str, ...]:
    """Implausible but legal combinations of inputs, in words (empty for most profiles)."""
    team = int(values["product_team_size"])
    size = f"{int(values['company_size']):,}" if shown is None else shown[0]
    fields = {"team": _pms(team, None if shown is None else shown[1]), "size": size}
    found = (says.sentence([(id, fields)], values, assumed) for id in WARNINGS)
    return tuple(text for text in found if text)


#: Statements that are warnings, in the order shown.
WARNINGS: Final = ("warn_pms_without_coverage", "warn_grown_without_pm")
#: Names of the product_complexity levels by rank.
_COMPLEXITY_NAMES: Final = tuple(level.words for level in ProductComplexity)
