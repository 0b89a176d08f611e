"""Mutation testing of tpm_fit's core modules: do the tests notice when the code is wrong?

Each mutant changes one thing in one module (an operator, a comparison, a constant, a boolean
operator, a return value, or removes a statement), is written into a temporary copy of the tree
(the working tree is never touched), and the tests that cover that module run against it with a
per-mutant timeout. A mutant is *killed* when a test fails (or it times out), and *survives* when
every test passes. The score of a module is killed / (mutants - equivalent): mutants listed in
``EQUIVALENT`` below cannot change behaviour, each with a line saying why.

    python tools/mutate.py                          # every mutant of every module (the full run)
    python tools/mutate.py --module seat --sample 30 --jobs 2
    python tools/mutate.py --list --module checks   # the mutants, without running anything

Exit status: 0 when every module scores at least ``--fail-under`` (default 90), 1 otherwise, 2
when the unmutated tests already fail. The runs are niced and use one job by default (the
machine may be shared).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
PACKAGE: Final = "src/tpm_fit"

#: Module (relative to src/tpm_fit) -> the test files run against its mutants, fastest killers
#: first (the run stops at the first failing test). Chosen to run in seconds, not minutes.
MODULES: Final[dict[str, tuple[str, ...]]] = {
    "_engine/seat.py": (
        "tests/test_mutants_seat.py",
        "tests/test_seat.py",
        "tests/test_kernel.py",
    ),
    "_engine/kernel.py": (
        "tests/test_mutants_kernel.py",
        "tests/test_kernel.py",
        "tests/test_speed_kernel.py",
    ),
    "_verify/checks.py": (
        "tests/test_mutants_checks.py",
        "tests/test_verify.py",
    ),
    "_verify/reach.py": (
        "tests/test_mutants_reach.py",
        "tests/test_verify.py",
    ),
    "_records/chain.py": (
        "tests/test_mutants_chain.py",
        "tests/test_records.py",
        "tests/test_records_cli.py",
    ),
    "_model/primitives.py": (
        "tests/test_mutants_primitives.py",
        "tests/test_rulebook.py",
        "tests/test_rulebook_errors.py",
        "tests/test_kernel.py",
        "tests/test_one_place.py",
    ),
}

#: Mutants that cannot change behaviour: (module, source line stripped, mutation, why).
#: Keyed by the line's text rather than its number, so that edits elsewhere keep them valid;
#: a mutation names every such mutant on the line, or with ``#2`` only the second of them; a
#: line whose text repeats elsewhere is named ``Class.function: text``.
#: An entry that matches no mutant any more is reported as stale.
EQUIVALENT: Final[tuple[tuple[str, str, str, str], ...]] = (
    # -- _engine/seat.py
    *(
        (
            "_engine/seat.py",
            'if size.dtype.kind in "iu" and size.ndim == 1:',
            mutation,
            "chooses integer comparisons or searchsorted for the need; both give the same need",
        )
        for mutation in ("`and` -> `or`", "`in` -> `not in`", "`==` -> `!=`", "`1` -> `2`")
    ),
    (
        "_engine/seat.py",
        'np.subtract(need, count, dtype=dtype if dtype.kind in "iuf" else np.float64) for count in counts',
        "`in` -> `not in`",
        "integer or float64 gaps: whole numbers far below 2**53 compare the same either way",
    ),
    (
        "_engine/seat.py",
        "chosen_open &= specialist",
        "removed `chosen_open &= specialist`",
        "a generalist's chosen face has a positive gap, so the generalist mask seats it anyway",
    ),
    (
        "_engine/seat.py",
        "n, dtype=np.uint8 if len(self.sizes) <= 40 else np.uint16",
        "`40` -> `41`",
        "41 size steps still fit a byte ((41 * 3 + 2) * 2 + 1 < 256): the counter's width changes no class",
    ),
    (
        "_engine/seat.py",
        "n, dtype=np.uint8 if len(self.sizes) <= 40 else np.uint16",
        "`<=` -> `<`",
        "40 size steps in two bytes instead of one: the counter's width changes no class",
    ),
    (
        "_engine/seat.py",
        "elif name in _COVERAGE and high <= self.cap:",
        "`<=` -> `<`",
        "a count read up to exactly the cap becomes a free axis instead of folding: same index",
    ),
    (
        "_engine/seat.py",
        "if int(np.prod(shape)) > _SEAT_TABLE_LIMIT:  # a rule with very large needs: compute instead",
        "`>` -> `>=`",
        "a seat of exactly the limit's entries is computed instead of tabulated: the same seat",
    ),
    (
        "_engine/seat.py",
        "index = np.indices(shape).reshape(len(shape), -1)",
        "`1` -> `2`",
        "numpy reads any negative size in reshape() as 'the rest': -2 is -1",
    ),
    (
        "_engine/seat.py",
        "points |= {0, 1, self.min_team - 1, self.min_team}",
        "`0` -> `1`",
        "0 is the start of the range, which the grid and the counterfactual search add anyway",
    ),
    (
        "_engine/seat.py",
        "points |= set(range(0, self.rule.max_need + 1))",
        "`0` -> `1`",
        "0 is the start of the range, which the grid and the counterfactual search add anyway",
    ),
    (
        "_engine/seat.py",
        "return frozenset(p for p in points if low <= p <= high)",
        "`<=` -> `<`",
        "drops a step at an end of the range, which the grid and the counterfactual search add anyway",
    ),
    *(
        (
            "_engine/seat.py",
            text,
            "`1` -> `2` #2",
            "max(2, t) differs from max(1, t) only for a specialist team threshold of 1, where a "
            "team of 1 and of 2 have the same seat (both specialists): the same classes",
        )
        for text in (
            "self.team_steps = (1, max(1, stage.min_team))",
            "team_of = [0, 1, max(1, stage.min_team)]  # a team size in each team class",
        )
    ),
    (
        "_engine/seat.py",
        "if n <= _FEW_ROWS:",
        "`<=` -> `<`",
        "classes rows one by one or vectorised: both give the same classes (a test compares them)",
    ),
    (
        "_engine/seat.py",
        "_FEW_ROWS: Final = 8",
        "`8` -> `9`",
        "classes rows one by one or vectorised: both give the same classes (a test compares them)",
    ),
    (
        "_engine/seat.py",
        "k = k * width + (c if c < cap else cap)",
        "`<` -> `<=`",
        "a count equal to the cap gives the cap either way",
    ),
    *(
        (
            "_engine/seat.py",
            "_SEAT_TABLE_LIMIT: Final = 1 << 15",
            mutation,
            "a larger limit tabulates more rules; every entry is the arithmetic's: the same seat",
        )
        for mutation in ("`1` -> `2`", "`15` -> `16`")
    ),
    *(
        (
            "_engine/seat.py",
            "_BLOCK_ROWS: Final = 1 << 16",
            mutation,
            "rows per block: every operation is row-wise, so blocking cannot change a result",
        )
        for mutation in ("`1` -> `2`", "`16` -> `17`")
    ),
    (
        "_engine/seat.py",
        "OPEN_SEATS: Final = tuple(order for size in range(len(FACES) + 1) "
        "for order in permutations(FACES, size))",
        "`1` -> `2`",
        "permutations of more faces than there are yield nothing: the same tuple of orders",
    ),
    (
        "_engine/seat.py",
        "[_OPEN_CODE.get(tuple(FACES[d - 1] for d in (k // 16, k // 4 % 4, k % 4) if d), 0) "
        "for k in range(64)],",
        "`0` -> `1`",
        "the default fills numbers with a repeated face; open seats rank apart, so none is looked up",
    ),
    (
        "_engine/seat.py",
        "ahead = (other_gap > gap) | ((other_gap == gap) & (other_position < position))",
        "`<` -> `<=`",
        "two faces never share a tie position (each order is a permutation; generalists use the "
        "faces' own order), so `<` and `<=` agree for every pair of different faces",
    ),
    *(
        (
            "_engine/seat.py",
            "self.complex_rank = stage.complex_rank if stage.complex_rank is not None else 1 << 30",
            mutation,
            "with no complexity rank, the seat of each class comes from the stage's arithmetic, which "
            "never puts the technical face first: both complexity classes hold the same seats, so the "
            "rank that splits rows between them changes nothing",
        )
        for mutation in ("`1` -> `2`", "`30` -> `31`", "`<<` -> `>>`")
    ),
    (
        "_engine/seat.py",
        "complex_of = [0, stage.complex_rank or 0]  # a complexity rank in each complexity class",
        "`0` -> `1` #2",
        "`or 0` is read only when the rule has no complexity rank (every row in the first class: "
        "the second class' sample is never looked up) or the rank is 0 (every rank is at or past it)",
    ),
    (
        "_engine/seat.py",
        "if len(ranked) > 1:",
        "`>` -> `>=`",
        "sorting a list of one face leaves it as it is",
    ),
    (
        "_engine/seat.py",
        "keys.append((np.where(specialist, gaps[k], 0), position))",
        "`0` -> `1`",
        "a generalist row gives every face the same gap key (0 or 1): the faces' order decides alone",
    ),
    # -- _engine/kernel.py
    *(
        (
            "_engine/kernel.py",
            text,
            "`1` -> `2`",
            "numpy reads any negative size in reshape() as 'the rest': -2 is -1",
        )
        for text in (
            "axes = np.indices(sizes, dtype=np.intp).reshape(len(sizes), -1)",
            "grid_index = np.indices(sizes, dtype=np.intp).reshape(len(sizes), -1)",
        )
    ),
    (
        "_engine/kernel.py",
        "_CompiledRisk.__init__: self.node = node",
        "removed `self.node = node`",
        "_CompiledRisk.node is read nowhere (risks are evaluated through the plan's steps)",
    ),
    (
        "_engine/kernel.py",
        "TABLE_LIMIT: Final = 4096",
        "`4096` -> `4097`",
        "one more entry allowed per activation table: every entry is the node's own arithmetic",
    ),
    *(
        (
            "_engine/kernel.py",
            "size *= high - low + 1",
            mutation,
            "a wrong size only decides which activations are tabulated: every entry is the node's "
            "own arithmetic, the same bits (the default's table path is pinned by test_mutants_kernel.py)",
        )
        for mutation in ("`+` -> `-`", "`-` -> `+`", "`1` -> `2`")
    ),
    (
        "_engine/kernel.py",
        "self, columns: Columns, n: int, *, threads: int = 1, gather: Sequence[NDArray[Any]] = ()",
        "`1` -> `2`",
        "two threads share the blocks of rows, each block written by one thread: the same result",
    ),
    *(
        (
            "_engine/kernel.py",
            "if lo is not None and hi is not None:",
            mutation,
            "a key axis has both bounds (an integer input) or neither (a level): `or` is `and` here",
        )
        for mutation in ("`and` -> `or`",)
    ),
    (
        "_engine/kernel.py",
        "return self._rows(self.with_derived(columns, n), n, risks=False)[0]",
        "`False` -> `True`",
        "the risk flags are then computed too, and dropped: only the contributions are returned",
    ),
    (
        "_engine/kernel.py",
        "continue  # a combination evaluated from its terms: the terms decide",
        "removed `continue`",
        "a rulebook with an untabulated combination then has no key axes: no whole-background "
        "table and no background key, and the plan computes the same bits (a path choice)",
    ),
    (
        "_engine/kernel.py",
        "_key_axes: continue",
        "removed `continue`",
        "a level axis then gets its code range as bounds, which clip nothing: the same table and keys",
    ),
    (
        "_engine/kernel.py",
        "if seen is not None and seen[0] is not None and seen[1] is not None:",
        "`0` -> `1`",
        "a key axis has both bounds or neither: testing the high bound twice is the same test",
    ),
    *(
        (
            "_engine/kernel.py",
            "total *= len(LEVEL_INPUTS[name]) if low is None or high is None else high - low + 1",
            mutation,
            "the size only decides whether the whole-background table is built (both bounds or "
            "neither: `and` is `or` here); each entry is the plan's own result: the same bits",
        )
        for mutation in (
            "removed `total *= len(LEVEL_INPUTS[name]) if low is None or high i...`",
            "`*=` -> `/=`",
            "`or` -> `and`",
            "`+` -> `-`",
            "`-` -> `+`",
            "`1` -> `2`",
        )
    ),
    (
        "_engine/kernel.py",
        "if not key_axes or _fused_size(key_axes) > FUSED_LIMIT:",
        "`or` -> `and`",
        "decides only whether the whole-background table is built: each entry is the plan's own "
        "result, so the same bits either way",
    ),
    (
        "_engine/kernel.py",
        "if low is None or high is None:",
        "`or` -> `and`",
        "a key axis has both bounds (an integer input) or neither (a level): `and` is `or` here",
    ),
    (
        "_engine/kernel.py",
        "bounds.append((name, 0, len(LEVEL_INPUTS[name]) - 1, False))",
        "`False` -> `True`",
        "a level's codes are 0 to n-1: read as an integer axis clipped to that range, the same index",
    ),
    (
        "_engine/kernel.py",
        "threads: int = 1,",
        "`1` -> `2`",
        "two threads share the blocks of rows, each block written by one thread: the same result",
    ),
    (
        "_engine/kernel.py",
        "block = columns if n <= _BLOCK_ROWS else _rows(columns, start, stop, n)",
        "`<=` -> `<`",
        "a batch of exactly one block is sliced into that one block: the same rows",
    ),
    (
        "_engine/kernel.py",
        "return np.int16 if size <= np.iinfo(np.int16).max else np.int32",
        "`return np.int16 if size <= np.iinfo(np.int16).max else np...` -> `return None`",
        "indices are then built in float64, exact for whole numbers this small, and widened to intp",
    ),
    *(
        (
            "_engine/kernel.py",
            text,
            mutation,
            "numpy broadcasts a scalar column into the row-length output of clip/multiply/add anyway",
        )
        for text, mutation in (
            (
                "if column.shape != (n,):  # a scalar for every row (np.broadcast_to costs µs per call)",
                "`!=` -> `==`",
            ),
            ("column = np.broadcast_to(column, (n,))", "removed `column = np.broadcast_to(column, (n,))`"),
        )
    ),
    (
        "_engine/kernel.py",
        "if applies is not True:",
        "`True` -> `False`",
        "for a risk of every verdict the mask is then `&= True`, which changes no flag",
    ),
    (
        "_engine/kernel.py",
        "if size <= TABLE_LIMIT:",
        "`<=` -> `<`",
        "an activation of exactly the limit's entries is computed instead of tabulated: same bits",
    ),
    *(
        (
            "_engine/kernel.py",
            "FUSED_LIMIT: Final = 1 << 16",
            mutation,
            "a larger limit builds larger whole-background tables; each entry is the plan's own result",
        )
        for mutation in ("`1` -> `2`", "`16` -> `17`")
    ),
    (
        "_engine/kernel.py",
        "if not key_axes or _fused_size(key_axes) > FUSED_LIMIT:",
        "`>` -> `>=`",
        "a table of exactly the limit's entries is not built: the plan computes the same bits",
    ),
    *(
        (
            "_engine/kernel.py",
            "_FUSED_EAGER_LIMIT: Final = 1 << 13",
            mutation,
            "a larger table is built by a small batch too, instead of at the first large one: same bits",
        )
        for mutation in ("`1` -> `2`", "`13` -> `14`")
    ),
    (
        "_engine/kernel.py",
        "_FUSED_MIN_ROWS: Final = 4096",
        "`4096` -> `4097`",
        "a large table is built one row later: the plan computes the same bits until then",
    ),
    (
        "_engine/kernel.py",
        "if len(index) < _ROW_GATHER_ROWS:  # one call for every float column: less overhead",
        "`<` -> `<=`",
        "one gather for all float columns or one per column: the same values",
    ),
    (
        "_engine/kernel.py",
        "_ROW_GATHER_ROWS: Final = 1024",
        "`1024` -> `1025`",
        "one gather for all float columns or one per column: the same values",
    ),
    *(
        (
            "_engine/kernel.py",
            "return part.astype(_narrow(int(np.prod([high - low + 1 for _, low, high, _, _ in axes])))), "
            "tuple(free)",
            mutation,
            "a size too large (lows are never negative) only widens the seat part's index type, "
            "int32 for int16: the same whole numbers",
        )
        for mutation in ("`-` -> `+`", "`1` -> `2`")
    ),
    (
        "_engine/kernel.py",
        "return np.int16 if size <= np.iinfo(np.int16).max else np.int32",
        "`<=` -> `<`",
        "a table of exactly 32,767 entries is indexed in int32 instead of int16: the same indices",
    ),
    *(
        (
            "_engine/kernel.py",
            "_BLOCK_ROWS: Final = 1 << 16",
            mutation,
            "rows per block: every operation is row-wise, so blocking cannot change a result",
        )
        for mutation in ("`1` -> `2`", "`16` -> `17`")
    ),
    *(
        (
            "_engine/kernel.py",
            "self.lookup[point[0] if len(point) == 1 else point] = value",
            mutation,
            "the scalar lookup only caches the node's arithmetic: a miss falls back to it, same value",
        )
        for mutation in (
            "removed `self.lookup[point[0] if len(point) == 1 else point] = value`",
            "`==` -> `!=`",
            "`1` -> `2`",
        )
    ),
    (
        "_engine/kernel.py",
        "return fallback(values) if found is None else found",
        "`is` -> `is not`",
        "every whole-number level code is in the lookup; the fallback computes the same value",
    ),
    *(
        (
            "_engine/kernel.py",
            "if a.__class__ is int and b.__class__ is int:",
            mutation,
            "level codes reach the scalar twin as ints only; the fallback computes the same entry",
        )
        for mutation in ("`and` -> `or`", "`is` -> `is not`")
    ),
    (
        "_engine/kernel.py",
        "elif index is not None and stride == 1:",
        "`is not` -> `is`",
        "a level axis of stride 1 is never the first of a table (one level input alone takes the "
        "other path of batch()); with an index, the else branch adds the same column times 1",
    ),
    (
        "_engine/kernel.py",
        "size = 1",
        "`1` -> `2`",
        "tables of more than half the limit are then computed by the arithmetic: the same bits",
    ),
    (
        "_engine/kernel.py",
        "self, full: Columns, n: int, *, risks: bool, fused: bool = True",
        "`True` -> `False`",
        "which of two bit-identical evaluators runs (the background table or the plan): tests "
        "compare them; recommend_many's own table path is pinned by test_mutants_kernel.py",
    ),
    (
        "_engine/kernel.py",
        "block = full if n <= _BLOCK_ROWS else _rows(full, start, stop, n)",
        "`<=` -> `<`",
        "a batch of exactly one block is sliced into that one block: the same rows",
    ),
    (
        "_engine/kernel.py",
        "CompiledRulebook._rows: continue",
        "removed `continue`",
        "after the table fills a block, the plan computes the same bits over it again",
    ),
    *(
        (
            "_engine/kernel.py",
            "if n < _FUSED_MIN_ROWS and _fused_size(self._key_axes) > _FUSED_EAGER_LIMIT:",
            mutation,
            "decides only when a large background table is built; until then the plan computes the same bits",
        )
        for mutation in ("`<` -> `<=`", "`>` -> `>=`")
    ),
    (
        "_engine/kernel.py",
        "return fused if fused is not None and fused.accepts(full, fused.axes) else None",
        "`return fused if fused is not None and fused.accepts(full,...` -> `return None`",
        "_rows() then always runs the plan, which computes the same bits as the table; "
        "recommend_many's whole-table path goes through _whole_for, pinned by test_mutants_kernel.py",
    ),
    # -- clipping to [lo, hi]: at x == lo (or hi) both branches give the same number
    *(
        (module, text, mutation, "clipping: at x == lo (or x == hi) either branch gives the same number")
        for module, text in (
            ("_engine/kernel.py", "found = lookup.get(lo if x < lo else hi if x > hi else x)"),
            ("_engine/kernel.py", "x = lo if x < lo else hi if x > hi else x"),
            ("_model/primitives.py", "x = lo if x < lo else hi if x > hi else x  # == np.clip(x, lo, hi)"),
            ("_model/primitives.py", "x = lo if x < lo else hi if x > hi else x"),
        )
        for mutation in ("`<` -> `<=`", "`>` -> `>=`")
    ),
    (
        "_model/primitives.py",
        'model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)',
        "`False` -> `True`",
        "every float field of a primitive sets allow_inf_nan=False itself (_Number, _Unit)",
    ),
    *(
        (
            "_model/primitives.py",
            "if len(self.dx) > 4:  # many segments: one gather beats one pass per segment",
            mutation,
            "four or five segments by gathers or by one pass each: the same operations per row",
        )
        for mutation in ("`>` -> `>=`", "`4` -> `5`")
    ),
    (
        "_model/primitives.py",
        "np.copyto(out, self._segment(x, j, piece), where=x >= self.inner[j - 1])",
        "`>=` -> `>`",
        "at a breakpoint both segments give exactly its y (the lerp is exact at t=0 and t=1)",
    ),
    *(
        (
            "_model/primitives.py",
            text,
            "`False` -> `True`",
            "the primitives' model config forbids inf and nan for every field as well",
        )
        for text in (
            "_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]",
            "_Unit = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]",
        )
    ),
    (
        "_model/primitives.py",
        "super().__pydantic_init_subclass__(**kwargs)",
        "removed `super().__pydantic_init_subclass__(**kwargs)`",
        "pydantic's BaseModel.__pydantic_init_subclass__ does nothing, and no base in between has one",
    ),
    # -- _verify/checks.py and _verify/reach.py: "not found yet" is any negative index
    *(
        (
            module,
            f"{name}: int = -1",
            "`1` -> `2`",
            "-2 is as negative as -1: every test of the sentinel is `< 0` or `>= 0`",
        )
        for module, name in (
            ("_verify/checks.py", "out_of_bounds_flat"),
            ("_verify/checks.py", "worst_flat"),
            ("_verify/checks.py", "first_flat"),
            ("_verify/reach.py", "best_flat"),
            ("_verify/reach.py", "any_flat"),
        )
    ),
    # -- _verify/reach.py
    (
        "_verify/reach.py",
        "VerdictCheck._edge_candidates: continue",
        "removed `continue`",
        "a guard: candidates are filtered to valid profiles (stepped count included) before they "
        "are built, so the validation error it skips is never raised",
    ),
    *(
        (
            "_verify/reach.py",
            "ok = (slope != 0) & np.isfinite(step) & (step <= gap - 1) & (step < t_hi * gap)",
            mutation,
            "a flat edge (slope 0) has a finite step only when its start scores inside the band, "
            "and the search runs only when no valid grid point does; an infinite step fails both",
        )
        for mutation in ("`&` -> `|` #2", "`&` -> `|` #3")
    ),
    (
        "_verify/reach.py",
        "best_flat: int = -1",
        "`-1` -> `1`",
        "the first chunk with hits sets it anyway (its lowest key is below best_key = inf), and "
        "it is read only once a hit was counted",
    ),
    *(
        (
            "_verify/reach.py",
            "if state.any_flat < 0 and reached.any():",
            mutation,
            "differs only once any_flat is 0, a valid profile (every count 0): a verdict it reaches "
            "has a grid witness, and any_flat is read only for a verdict without one",
        )
        for mutation in ("`<` -> `<=`", "`0` -> `1`")
    ),
    (
        "_verify/reach.py",
        "VerdictCheck.update: continue",
        "removed `continue`",
        "a chunk without hits then sets best_key to inf and best_flat to a point the next chunk "
        "with hits replaces; with no hits at all, count stays 0 and best_flat is never read",
    ),
    (
        "_verify/reach.py",
        "ordered = self.compiled.traditional_max < self.compiled.technical_min",
        "`<` -> `<=`",
        "with equal thresholds no score lies strictly between them: the edge search finds nothing",
    ),
    (
        "_verify/reach.py",
        "elif state.any_flat >= 0 and self._reaches(",
        "`0` -> `1`",
        "any_flat 0 is a valid profile: a verdict it reaches has grid points, so this branch is not taken",
    ),
    *(
        (
            "_verify/reach.py",
            "k for k, axis in enumerate(self.grid.axes) if axis.name in NUMERIC_BOUNDS and axis.size > 1",
            mutation,
            "the axes it adds (levels: consecutive codes; single values: no neighbour) have no edge "
            "wider than one step, so no candidate",
        )
        for mutation in ("`and` -> `or`", "`>` -> `>=`")
    ),
    (
        "_verify/reach.py",
        "elif state.any_flat >= 0 and self._reaches(",
        "`>=` -> `>`",
        "any_flat 0 is a valid profile: a verdict it reaches has grid points, so this branch is not taken",
    ),
    (
        "_verify/reach.py",
        "k for k, axis in enumerate(self.grid.axes) if axis.name in NUMERIC_BOUNDS and axis.size > 1",
        "`1` -> `2`",
        "every integer axis has at least 3 values (the seat reads every integer input)",
    ),
    (
        "_verify/reach.py",
        "wide = gap > 1",
        "`>` -> `>=`",
        "an edge between neighbouring whole numbers has no whole number inside: no candidate either way",
    ),
    (
        "_verify/reach.py",
        "VerdictCheck._band_jump: continue",
        "removed `continue`",
        "with no point that can move up the axis every array below is empty: nothing crosses",
    ),
    # -- _verify/checks.py
    *(
        (
            "_verify/checks.py",
            "if self.grid.dims[axis] < 2:",  # in AxiomCheck and SeatCheck
            mutation,
            "no axis has exactly 2 values: the seat reads every integer input (0, 1 to the largest "
            "need, the range end: 3 or more), levels are 3 or 4, an unread input has 1",
        )
        for mutation in ("`<` -> `<=`", "`2` -> `3`")
    ),
    (
        "_verify/checks.py",
        "continue",
        "removed `continue`",
        "the guard above it is never true (no coverage axis has fewer than 3 values)",
    ),
    *(
        (
            "_verify/checks.py",
            "return np.empty(0), chunk.flat[:0], chunk.valid[:0]",
            mutation,
            "with no changes to fold (the empty array), fold() returns before it reads flat or valid",
        )
        for mutation in ("`0` -> `1` #2", "`0` -> `1` #3")
    ),
    *(
        (
            "_verify/checks.py",
            "self.low_flat = self.high_flat = 0",
            mutation,
            "the first chunk always overwrites it (every score is below inf and above -inf)",
        )
        for mutation in ("removed `self.low_flat = self.high_flat = 0`", "`0` -> `1`")
    ),
    (
        "_verify/checks.py",
        "if chunk.score[low_at] < self.low:",
        "`<` -> `<=`",
        "a later point with an equal lowest score is kept instead: score_min is the same score",
    ),
    (
        "_verify/checks.py",
        "if chunk.score[high_at] > self.high:",
        "`>` -> `>=`",
        "a later point with an equal highest score is kept instead: score_max is the same score",
    ),
    # -- _records/chain.py
    (
        "_records/chain.py",
        "error = exc.errors(include_url=False)[0]",
        "`False` -> `True`",
        "the url is one more key of the error; the message reads only its loc and msg",
    ),
)


@dataclass(frozen=True)
class Mutant:
    """One change to one module: where, what, and the module's whole source with it applied."""

    module: str
    line: int
    text: str  # the original source line, stripped
    description: str
    source: str
    #: The function or class it is in, e.g. ``SeatStage.one`` (empty at module level).
    scope: str = ""
    #: 1 for the first mutant with this description on its line, 2 for the second, ...
    ordinal: int = 1

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line}"

    @property
    def texts(self) -> tuple[str, str]:
        """How the allow-list may name its line: the text, or ``scope: text`` where it repeats."""
        return self.text, f"{self.scope}: {self.text}"

    @property
    def names(self) -> tuple[str, str]:
        """How the allow-list may name it: every such mutant on the line, or this one (``#2``)."""
        return self.description, f"{self.description} #{self.ordinal}"


# -- generating mutants -------------------------------------------------------------------------

_BINOPS: Final[dict[type[ast.operator], tuple[type[ast.operator], ...]]] = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.Div,),
    ast.Div: (ast.Mult,),
    ast.FloorDiv: (ast.Div,),
    ast.Mod: (ast.FloorDiv,),
    ast.Pow: (ast.Mult,),
    ast.BitAnd: (ast.BitOr,),
    ast.BitOr: (ast.BitAnd,),
    ast.BitXor: (ast.BitOr,),
    ast.LShift: (ast.RShift,),
    ast.RShift: (ast.LShift,),
}
_COMPARES: Final[dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]]] = {
    ast.Lt: (ast.LtE,),
    ast.LtE: (ast.Lt,),
    ast.Gt: (ast.GtE,),
    ast.GtE: (ast.Gt,),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_SYMBOLS: Final[dict[type[ast.AST], str]] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<",
    ast.RShift: ">>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
    ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
    ast.And: "and", ast.Or: "or",
}  # fmt: skip
_REMOVABLE: Final = (ast.Expr, ast.Assign, ast.AugAssign, ast.Raise, ast.Continue, ast.Break)


def _segment(node: ast.AST) -> tuple[int, int, int, int]:
    return node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0  # type: ignore[attr-defined]


def _offsets(source: str) -> list[int]:
    """Character offset of the start of each line (1-based lines; index 0 unused)."""
    starts, total = [0, 0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def _utf8_col(line: str, col: int) -> int:
    """ast column offsets count UTF-8 bytes; turn one into a character offset within ``line``."""
    return len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


class _Collector(ast.NodeVisitor):
    """Walks a module and yields (node, replacement source, description) for every mutation."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.AST, str, str, str]] = []
        self.top_level: list[ast.stmt] = []
        self.scope: list[str] = []

    def _add(self, node: ast.AST, replacement: str, description: str) -> None:
        self.found.append((node, replacement, description, ".".join(self.scope)))

    # Subtrees that never change behaviour, or whose positions cannot be trusted.
    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:  # f-strings: messages, not logic
        return

    def visit_Assert(self, node: ast.Assert) -> None:  # type narrowing for mypy
        return

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg != "strict":  # zip(strict=True) asserts equal lengths, which always hold
            self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._statement(node)
            self.visit(node.value)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for default in (*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)):
            self.visit(default)
        self.scope.append(node.name)
        self._body(node.body)
        self.scope.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        self._body(node.body)
        self.scope.pop()

    def visit_Module(self, node: ast.Module) -> None:
        self.top_level = list(node.body)
        self._body(node.body)

    def _body(self, body: list[ast.stmt]) -> None:
        for k, statement in enumerate(body):
            if k == 0 and _is_docstring(statement):
                continue
            if _is_type_checking(statement) or _is_dunder_assignment(statement):
                continue
            self.visit(statement)

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        self._body(node.body)
        self._body(node.orelse)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            self._statement(node)
        for name, value in ast.iter_fields(node):
            if name in {"annotation", "returns", "decorator_list", "type_comment"}:
                continue
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self._body(value)
                else:
                    for item in value:
                        if isinstance(item, ast.AST):
                            self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def _statement(self, node: ast.stmt) -> None:
        if node in self.top_level and _is_type_alias(node):
            return  # `Float = NDArray[np.float64]`: read by annotations only (postponed)
        if isinstance(node, _REMOVABLE) and not _is_docstring(node):
            self._add(node, "pass", f"removed `{_short(ast.unparse(node))}`")
        value = node.value if isinstance(node, ast.Return) else None
        # `return None` for a value that is already None or false (False, 0, "") changes nothing
        # a caller testing it can see; the constant's own mutant (False -> True) covers those.
        if value is not None and not (isinstance(value, ast.Constant) and not value.value):
            self._add(node, "return None", f"`{_short(ast.unparse(node))}` -> `return None`")
        if isinstance(node, ast.AugAssign):
            for new in _BINOPS.get(type(node.op), ()):
                mutated = ast.AugAssign(target=node.target, op=new(), value=node.value)
                self._add(node, ast.unparse(mutated), f"`{_SYMBOLS[type(node.op)]}=` -> `{_SYMBOLS[new]}=`")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        for new in _BINOPS.get(type(node.op), ()):
            mutated = ast.BinOp(left=node.left, op=new(), right=node.right)
            self._add(node, f"({ast.unparse(mutated)})", f"`{_SYMBOLS[type(node.op)]}` -> `{_SYMBOLS[new]}`")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for k, op in enumerate(node.ops):
            for new in _COMPARES.get(type(op), ()):
                ops = [*node.ops[:k], new(), *node.ops[k + 1 :]]
                mutated = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
                self._add(node, f"({ast.unparse(mutated)})", f"`{_SYMBOLS[type(op)]}` -> `{_SYMBOLS[new]}`")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        new: type[ast.boolop] = ast.Or if isinstance(node.op, ast.And) else ast.And
        mutated = ast.BoolOp(op=new(), values=node.values)
        self._add(node, f"({ast.unparse(mutated)})", f"`{_SYMBOLS[type(node.op)]}` -> `{_SYMBOLS[new]}`")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not | ast.USub | ast.Invert):
            operand = ast.unparse(node.operand)
            self._add(node, f"({operand})", f"`{_short(ast.unparse(node))}` -> `{_short(operand)}`")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, repr(not value), f"`{value}` -> `{not value}`")
        elif isinstance(value, int | float) and not isinstance(value, complex):
            new = value + 1
            self._add(node, f"({new!r})", f"`{value!r}` -> `{new!r}`")


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_docstring(node: ast.stmt) -> bool:
    value = node.value if isinstance(node, ast.Expr) else None
    return isinstance(value, ast.Constant) and isinstance(value.value, str)


def _is_type_alias(node: ast.stmt) -> bool:
    """A module-level ``Name = Something[...]`` (a generic type), such as ``Float = NDArray[...]``."""
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Subscript)
    )


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _is_dunder_assignment(node: ast.stmt) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else []
    return any(isinstance(t, ast.Name) and t.id.startswith("__") for t in targets)


def mutants_of(module: str, source: str) -> list[Mutant]:
    """Every mutant of one module's ``source``, in source order."""
    tree = ast.parse(source)
    collector = _Collector()
    collector.visit(tree)
    lines = source.splitlines(keepends=True)
    starts = _offsets(source)
    out = []
    for node, replacement, description, scope in collector.found:
        line, col, end_line, end_col = _segment(node)
        begin = starts[line] + _utf8_col(lines[line - 1], col)
        end = starts[end_line] + _utf8_col(lines[end_line - 1], end_col)
        mutated = source[:begin] + replacement + source[end:]
        out.append(Mutant(module, line, lines[line - 1].strip(), description, mutated, scope))
    out.sort(key=lambda m: m.line)  # stable: source order within a line
    seen: dict[tuple[int, str], int] = {}
    for k, mutant in enumerate(out):
        ordinal = seen[mutant.line, mutant.description] = seen.get((mutant.line, mutant.description), 0) + 1
        out[k] = dataclasses.replace(mutant, ordinal=ordinal)
    return out


def equivalent_reason(mutant: Mutant) -> str | None:
    """Why this mutant cannot change behaviour, if the allow-list says so."""
    for module, text, description, why in EQUIVALENT:
        if module == mutant.module and text in mutant.texts and description in mutant.names:
            return why
    return None


def stale_allow_list(all_mutants: Sequence[Mutant], modules: Sequence[str]) -> list[tuple[str, str, str]]:
    """Allow-list entries (of the given modules) that match no mutant any more."""
    seen = {(m.module, text, name) for m in all_mutants for text in m.texts for name in m.names}
    return [
        (module, text, description)
        for module, text, description, _ in EQUIVALENT
        if module in modules and (module, text, description) not in seen
    ]


# -- running them -------------------------------------------------------------------------------
#
# The tests of each mutant run in a child forked from this process after it imported the heavy
# libraries the tests use (pytest, numpy, pandas, pydantic, hypothesis), but never tpm_fit: each
# child imports tpm_fit afresh from its workspace. That saves a second or two per mutant.


@dataclass
class _Workspace:
    """A private copy of the tree that one child at a time writes its mutant into."""

    root: Path
    cache: Path = field(init=False)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.cache = self.root.parent / (self.root.name + "-pyc")
        self.log = self.root.parent / (self.root.name + ".log")

    def write(self, module: str, source: str) -> None:
        path = self.root / PACKAGE / module
        path.write_text(source, encoding="utf-8")
        # Bytecode is keyed by mtime and size: a same-size mutant written within the second
        # could run stale bytecode. Drop the cached bytecode of the module's package every time.
        shutil.rmtree(self.cache / path.parent.relative_to(path.anchor), ignore_errors=True)


def _copy_tree(destination: Path) -> None:
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache", "_build"
    )
    shutil.copytree(ROOT, destination, ignore=ignore, symlinks=True)


def _preload() -> None:
    """Import what every child needs except tpm_fit (children inherit it through fork)."""
    import importlib

    for name in ("pytest", "numpy", "pydantic", "hypothesis", "pandas", "pyarrow", "sqlite3", "tomllib"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    if "tpm_fit" in sys.modules:
        raise SystemExit("tpm_fit was imported before the mutants ran: they would not be seen")


def _start(workspace: _Workspace, tests: Sequence[str]) -> int:
    """Fork a child that runs ``tests`` in ``workspace`` (niced, output to the workspace log)."""
    pid = os.fork()
    if pid:
        return pid
    code = 3
    try:
        os.setpgid(0, 0)  # its own process group, so a timeout can stop whatever it started
        os.nice(max(0, 10 - os.nice(0)))  # niceness 10, like the other test runs on the machine
        log = os.open(workspace.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(workspace.root)
        source = str(workspace.root / "src")
        sys.path[:] = [source, *(p for p in sys.path if Path(p).resolve() != (ROOT / "src").resolve())]
        sys.pycache_prefix = str(workspace.cache)
        sys.dont_write_bytecode = False  # the private prefix: reused by the next mutant's child
        os.environ["PYTHONPATH"] = source  # subprocesses the tests start see the mutant too
        os.environ["PYTHONPYCACHEPREFIX"] = str(workspace.cache)
        os.environ["HYPOTHESIS_PROFILE"] = "mutate"  # derandomized: the same mutant, the same result
        os.environ.pop("CI", None)
        import pytest

        code = int(
            pytest.main(
                [
                    "-x",
                    "-q",
                    "--no-header",
                    "-p",
                    "no:cacheprovider",
                    "-o",
                    "addopts=--strict-markers",  # no doctests of the whole package: these tests decide
                    *tests,
                ]
            )
        )
    except BaseException:  # anything at all: the child must end here
        code = 3
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


@dataclass
class _Running:
    pid: int
    started: float
    workspace: _Workspace
    mutant: Mutant | None


def _finish(pid: int, *, block: bool) -> int | None:
    """The exit code of child ``pid``, or None while it runs (with ``block=False``)."""
    done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
    if not done:
        return None
    return os.waitstatus_to_exitcode(status)


def _run_all(
    module: str,
    jobs: list[tuple[Mutant | None, str]],
    workspaces: list[_Workspace],
    tests: Sequence[str],
    timeout: float,
) -> Iterator[tuple[Mutant | None, str, float, _Workspace]]:
    """Run each (mutant, source) in a free workspace; yield (mutant, status, seconds, workspace).

    Status: 'passed', 'failed' or 'timeout'. The workspace's file is restored after each run.
    """
    original = (ROOT / PACKAGE / module).read_text(encoding="utf-8")
    free, running, pending = list(workspaces), [], list(jobs)
    try:
        while pending or running:
            while pending and free:
                mutant, source = pending.pop(0)
                workspace = free.pop()
                workspace.write(module, source)
                running.append(_Running(_start(workspace, tests), time.perf_counter(), workspace, mutant))
            time.sleep(0.02)
            for child in list(running):
                elapsed = time.perf_counter() - child.started
                code = _finish(child.pid, block=False)
                if code is None and elapsed <= timeout:
                    continue
                if code is None:  # over its time: stop it and whatever it started
                    os.killpg(child.pid, signal.SIGKILL)
                    _finish(child.pid, block=True)
                    status = "timeout"
                else:
                    status = "passed" if code == 0 else "failed"
                running.remove(child)
                child.workspace.write(module, original)
                free.append(child.workspace)
                yield child.mutant, status, elapsed, child.workspace
    finally:
        for child in running:
            os.killpg(child.pid, signal.SIGKILL)
            _finish(child.pid, block=True)
            child.workspace.write(module, original)


@dataclass
class _Outcome:
    mutant: Mutant
    status: str  # killed, survived, timeout, equivalent
    seconds: float = 0.0


def _select(args: argparse.Namespace) -> list[str]:
    if not args.module:
        return list(MODULES)
    chosen = []
    for wanted in args.module:
        found = [m for m in MODULES if wanted in (m, Path(m).stem, m.removesuffix(".py"))]
        if not found:
            raise SystemExit(f"--module {wanted}: not a core module; valid: {', '.join(MODULES)}")
        chosen.extend(found)
    return list(dict.fromkeys(chosen))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--module", action="append", help="a core module (e.g. seat, _verify/checks.py)")
    parser.add_argument("--sample", type=int, help="run this many randomly chosen mutants per module")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="per mutant: this many times the unmutated run (default 5)"
    )
    parser.add_argument("--fail-under", type=float, default=90.0, help="lowest passing score (default 90)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--line", type=int, action="append", help="only mutants on these lines")
    parser.add_argument(
        "--tests", action="append", help="run these test files instead of the module's own (repeatable)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    modules = _select(args)
    plan: dict[str, list[Mutant]] = {}
    everything: list[Mutant] = []
    for module in modules:
        found = mutants_of(module, (ROOT / PACKAGE / module).read_text(encoding="utf-8"))
        everything.extend(found)
        if args.line:
            found = [m for m in found if m.line in args.line]
        if args.sample is not None and args.sample < len(found):
            found = sorted(random.Random(args.seed).sample(found, args.sample), key=lambda m: m.line)
        plan[module] = found
    for module, text, description in stale_allow_list(everything, modules):
        print(f"stale allow-list entry (matches no mutant): {module}: {text!r}: {description}")
    if args.list:
        for found in plan.values():
            for mutant in found:
                mark = "  (equivalent)" if equivalent_reason(mutant) else ""
                print(f"{mutant.where}: {mutant.description}{mark}")
        return 0
    # Stopped with SIGTERM: unwind, so that running children are stopped and the copies removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"  # before numpy loads: one thread per child on a shared machine
    _preload()
    with tempfile.TemporaryDirectory(prefix="tpm_fit-mutate-") as temporary:
        workspaces = []
        for k in range(max(1, args.jobs)):
            workspace = _Workspace(Path(temporary) / f"tree{k}")
            _copy_tree(workspace.root)
            workspaces.append(workspace)
        outcomes = {module: _run_module(module, found, workspaces, args) for module, found in plan.items()}
    return _report(outcomes, args)


def _run_module(
    module: str, found: list[Mutant], workspaces: list[_Workspace], args: argparse.Namespace
) -> list[_Outcome]:
    tests = tuple(args.tests) if args.tests else MODULES[module]
    original = (ROOT / PACKAGE / module).read_text(encoding="utf-8")
    ((_, status, baseline, workspace),) = _run_all(module, [(None, original)], workspaces[:1], tests, 3600)
    if status != "passed":
        print(workspace.log.read_text(encoding="utf-8", errors="replace")[-3000:])
        raise SystemExit(f"{module}: the tests fail before any mutation ({' '.join(tests)})")
    timeout = max(20.0, args.timeout * baseline)
    print(
        f"{module}: {len(found)} mutants; {' '.join(tests)} take {baseline:.1f} s unmutated "
        f"(timeout {timeout:.0f} s)",
        flush=True,
    )
    outcomes = [_Outcome(m, "equivalent") for m in found if equivalent_reason(m) is not None]
    pending: list[tuple[Mutant | None, str]] = [(m, m.source) for m in found if equivalent_reason(m) is None]
    started = time.perf_counter()
    for done, (mutant, status, seconds, _) in enumerate(
        _run_all(module, pending, workspaces, tests, timeout), start=1
    ):
        assert mutant is not None
        outcome = _Outcome(mutant, {"passed": "survived", "failed": "killed"}.get(status, status), seconds)
        outcomes.append(outcome)
        if outcome.status == "survived":
            print(f"  survived {mutant.where}: {mutant.names[1]}    [{mutant.text}]", flush=True)
        if done % 50 == 0:
            print(f"  {done}/{len(pending)} run in {time.perf_counter() - started:.0f} s", flush=True)
    return outcomes


def _report(outcomes: dict[str, list[_Outcome]], args: argparse.Namespace) -> int:
    print()
    print("| module | mutants | killed | equivalent (allow-listed) | survived | score |")
    print("|---|---:|---:|---:|---:|---:|")
    failing = False
    for module, found in outcomes.items():
        killed = sum(o.status in ("killed", "timeout") for o in found)
        equivalent = sum(o.status == "equivalent" for o in found)
        survived = sum(o.status == "survived" for o in found)
        judged = len(found) - equivalent
        score = 100.0 * killed / judged if judged else 100.0
        failing |= score < args.fail_under
        print(f"| `{module}` | {len(found)} | {killed} | {equivalent} | {survived} | {score:.1f}% |")
    survivors = [o for found in outcomes.values() for o in found if o.status == "survived"]
    if survivors:
        print("\nsurvivors:")
        for outcome in sorted(survivors, key=lambda o: (o.mutant.module, o.mutant.line)):
            print(f"  {outcome.mutant.where}: {outcome.mutant.names[1]}    [{outcome.mutant.text}]")
    return 1 if failing else 0


def iter_modules() -> Iterator[tuple[str, str]]:
    """(module, source) of every core module (for tests of this script)."""
    for module in MODULES:
        yield module, (ROOT / PACKAGE / module).read_text(encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
