"""The kernel's plan: shared activations evaluated once, lookup tables bit-identical to arithmetic."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("hypothesis")  # an extra: the module is skipped on an install without it

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

import budget
from tpm_fit import OrgProfile, Rulebook
from tpm_fit._engine.kernel import INPUT_NAMES, TABLE_LIMIT, CompiledRulebook, encode_profile
from tpm_fit._model.profile import LEVEL_INPUTS, NUMERIC_BOUNDS
from tpm_fit.testing import org_profiles, rulebooks


def columns_of(profiles: list[OrgProfile], *, integer_dtype: Any) -> dict[str, np.ndarray]:
    """Encoded columns, integer inputs as ``integer_dtype`` (int64: tables; float64: arithmetic)."""
    encoded = [encode_profile(p) for p in profiles]
    return {
        name: np.array(
            [row[name] for row in encoded], dtype=integer_dtype if name in NUMERIC_BOUNDS else np.int8
        )
        for name in INPUT_NAMES
    }


def with_factor_activations(activations: list[dict[str, Any]]) -> Rulebook:
    """The default rulebook with its first factors' activations replaced (axioms dropped)."""
    data = Rulebook.default().model_dump(mode="json")
    for factor, activation in zip(data["factors"], activations, strict=False):
        factor["activation"] = activation
    data["axioms"] = []
    return Rulebook.model_validate(data)


def assert_same_bits(left: np.ndarray, right: np.ndarray) -> None:
    assert left.dtype == right.dtype
    assert left.tolist() == right.tolist()  # == on floats: bit for bit (-0.0 == 0.0 aside)


@settings(max_examples=60, deadline=None)
@given(st.lists(org_profiles(), min_size=1, max_size=40), rulebooks(allow_axiom_violations=True))
def test_tables_equal_the_arithmetic_and_the_scalar_twin(
    profiles: list[OrgProfile], rulebook: Rulebook
) -> None:
    """int64 columns take the lookup tables, float64 columns the arithmetic: same bits."""
    compiled = CompiledRulebook(rulebook)
    n = len(profiles)
    tables = compiled.evaluate(columns_of(profiles, integer_dtype=np.int64), n)
    arithmetic = compiled.evaluate(columns_of(profiles, integer_dtype=np.float64), n)
    assert_same_bits(tables.contributions, arithmetic.contributions)
    assert_same_bits(tables.score, arithmetic.score)
    assert_same_bits(tables.verdict_codes, arithmetic.verdict_codes)
    assert_same_bits(tables.risks, arithmetic.risks)
    for name in tables.derived:
        assert_same_bits(tables.derived[name], arithmetic.derived[name])
    for values in (tables.contributions, tables.score):
        assert not np.signbit(values[values == 0]).any()  # no -0.0: frames and CSVs rely on it
    for i, profile in enumerate(profiles):
        ints = encode_profile(profile)  # Python ints: the scalar tables
        floats = {name: float(value) for name, value in encode_profile(profile).items()}  # arithmetic
        by_table, by_arithmetic = compiled.evaluate_one(ints), compiled.evaluate_one(floats)
        assert by_table.activations == by_arithmetic.activations
        assert by_table.contributions == by_arithmetic.contributions == tables.contributions[:, i].tolist()
        assert by_table.score == by_arithmetic.score == tables.score[i]
        assert by_table.risks == by_arithmetic.risks


@settings(max_examples=40, deadline=None)
@given(st.lists(org_profiles(), min_size=1, max_size=40), rulebooks(allow_axiom_violations=True))
def test_every_table_entry_is_the_nodes_own_arithmetic(
    profiles: list[OrgProfile], rulebook: Rulebook
) -> None:
    compiled = CompiledRulebook(rulebook)
    n = len(profiles)
    ints = compiled.with_derived(columns_of(profiles, integer_dtype=np.int64), n)
    floats = {
        name: column.astype(np.float64) if name in NUMERIC_BOUNDS else column for name, column in ints.items()
    }
    for step in compiled.plan.steps:
        if step.table is None:
            continue
        assert step.table.flat.size <= TABLE_LIMIT
        looked_up = step.table.batch(ints)
        assert looked_up is not None
        assert_same_bits(looked_up, step.node.batch(floats))
        if any(step.table.integer):
            assert step.table.batch(floats) is None  # float columns never take the table
        for i in range(n):
            row = {name: int(column[i]) for name, column in ints.items()}
            assert step.one(row) == step.node.one(row) == looked_up[i]


def test_an_activation_used_by_several_factors_and_risks_is_one_step_evaluated_once() -> None:
    wide = {"kind": "ramp", "input": "company_size", "points": [[1.0, 0.0], [50000.0, 1.0]]}
    rulebook = with_factor_activations([wide, wide, wide])
    compiled = CompiledRulebook(rulebook)
    steps = {compiled.factor_steps[k] for k in range(3)}
    assert len(steps) == 1
    (step,) = steps
    assert compiled.plan.steps[step].table is None  # 50,000 entries: above the table limit
    node = compiled.plan.steps[step].node
    calls = 0
    original = type(node).batch

    def counting(self: Any, columns: Any) -> Any:
        nonlocal calls
        if self is node:
            calls += 1
        return original(self, columns)

    n = 1000
    columns = {
        name: np.full(
            n, 5 if name in NUMERIC_BOUNDS else 0, dtype=np.int64 if name in NUMERIC_BOUNDS else np.int8
        )
        for name in INPUT_NAMES
    }
    columns["company_size"] = np.arange(1, n + 1, dtype=np.int64) * 40
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(node), "batch", counting)
        result = compiled.evaluate(columns, n)
    assert calls == 1
    expected = np.clip(columns["company_size"].astype(np.float64), 1.0, 50000.0)
    assert np.allclose(result.contributions[0] / compiled.signed_weights[0], (expected - 1.0) / 49999.0)


def test_small_integer_ramps_and_level_combinations_become_tables() -> None:
    ramp = {"kind": "ramp", "input": "company_size", "points": [[10.0, 0.0], [150.0, 1.0]]}
    both = {
        "kind": "all_of",
        "of": [
            {
                "kind": "levels",
                "input": "product_complexity",
                "values": {"low": 0, "moderate": 0.5, "high": 0.8, "very_high": 1},
            },
            {
                "kind": "levels",
                "input": "engineering_capability",
                "values": {"developing": 1, "established": 0.3, "strong": 0.1},
            },
        ],
    }
    compiled = CompiledRulebook(with_factor_activations([ramp, both]))
    first, second = (compiled.plan.steps[compiled.factor_steps[k]] for k in (0, 1))
    assert first.table is not None
    assert first.table.flat.size == 141
    assert second.table is not None
    assert second.table.flat.size == 12
    sizes = np.array([1, 10, 11, 80, 149, 150, 151, 10**6], dtype=np.int64)
    looked_up = first.table.batch({"company_size": sizes})
    assert looked_up is not None
    assert_same_bits(looked_up, first.node.batch({"company_size": sizes.astype(np.float64)}))
    assert looked_up[0] == looked_up[1] == 0.0
    assert looked_up[-1] == looked_up[-3] == 1.0


def test_uint_and_narrow_integer_columns_index_the_tables_like_int64() -> None:
    ramp = {"kind": "ramp", "input": "company_size", "points": [[10.0, 0.2], [150.0, 1.0]]}
    compiled = CompiledRulebook(with_factor_activations([ramp]))
    table = compiled.plan.steps[compiled.factor_steps[0]].table
    assert table is not None
    sizes = np.array([1, 10, 99, 150, 200], dtype=np.int64)
    expected = table.batch({"company_size": sizes})
    for dtype in (np.uint64, np.int32, np.uint8, np.int16):
        found = table.batch({"company_size": sizes.astype(dtype)})
        assert found is not None
        assert_same_bits(found, expected)  # type: ignore[arg-type]


def assert_large_batch_matches_the_arithmetic(
    rulebook: Rulebook, seed: int, dtype: type[np.integer[Any]] = np.int64, n: int = 70_000
) -> CompiledRulebook:
    """Integer columns of a large batch (tables, the seat folded in) == float columns (arithmetic).

    70,000 rows: more than one block of rows, the last one large.
    """
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 400, n)
    columns: dict[str, np.ndarray] = {"company_size": size.astype(dtype)}
    for name in ("strategy_coverage", "marketing_coverage", "technical_coverage", "product_team_size"):
        columns[name] = np.minimum(rng.integers(0, 7, n), size).astype(dtype)
    for name in INPUT_NAMES:
        if name not in columns:
            levels = len(LEVEL_INPUTS[name])
            columns[name] = rng.integers(0, levels, n).astype(np.int8)
    floats = {name: c.astype(np.float64) if name in NUMERIC_BOUNDS else c for name, c in columns.items()}
    compiled = CompiledRulebook(rulebook)
    fused = compiled.evaluate(columns, n)
    arithmetic = compiled.evaluate(floats, n)
    assert_same_bits(fused.contributions, arithmetic.contributions)
    assert_same_bits(fused.score, arithmetic.score)
    assert_same_bits(fused.verdict_codes, arithmetic.verdict_codes)
    assert_same_bits(fused.risks, arithmetic.risks)
    assert_same_bits(compiled.contributions(columns, n), arithmetic.contributions)
    for values in (fused.contributions, fused.score, arithmetic.contributions, arithmetic.score):
        assert not np.signbit(values[values == 0]).any()  # no -0.0: frames and CSVs rely on it
    assert fused.derived.keys() == arithmetic.derived.keys()
    for name, derived in arithmetic.derived.items():
        assert_same_bits(fused.derived[name], derived)
    return compiled


@settings(max_examples=budget.examples(5, cap=15), deadline=None)
@given(rulebooks(allow_axiom_violations=True), st.integers(0, 2**32 - 1))
def test_the_whole_background_table_equals_the_arithmetic_on_large_batches(
    rulebook: Rulebook, seed: int
) -> None:
    """Batches of thousands of rows take the fused tables (when they fit); same bits as floats."""
    compiled = assert_large_batch_matches_the_arithmetic(rulebook, seed)
    fused = compiled._fused
    event("whole-background table" if fused else "per-activation plan")
    if fused and fused.seat_part is not None:
        event(f"seat folded in, {len(fused.free_axes)} free axes")


RAMPS_AROUND_THE_SEAT = [
    # A coverage count read past the largest need: the seat's class does not decide it.
    {"kind": "ramp", "input": "technical_coverage", "points": [[0.0, 0.0], [4.0, 1.0]]},
    # Inputs the seat reads only through thresholds: always free axes.
    {"kind": "ramp", "input": "product_team_size", "points": [[1.0, 0.0], [2.0, 1.0]]},
    {"kind": "ramp", "input": "company_size", "points": [[20.0, 0.0], [21.0, 1.0]]},
    # Read within the largest need: decided by the seat's class.
    {"kind": "ramp", "input": "strategy_coverage", "points": [[0.0, 1.0], [1.0, 0.0]]},
]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint16, np.uint64])
def test_the_seat_folds_into_the_background_table_only_where_its_class_decides(
    dtype: type[np.integer[Any]],
) -> None:
    """Axes the seat's class decides are folded into one number per class; the others are read."""
    rulebook = with_factor_activations(RAMPS_AROUND_THE_SEAT)
    compiled = assert_large_batch_matches_the_arithmetic(rulebook, 3, dtype)
    fused = compiled._fused
    assert fused
    assert fused.seat_part is not None
    free = {name for name, *_ in fused.free_axes}
    assert {"technical_coverage", "product_team_size", "company_size"} <= free
    assert "strategy_coverage" not in free
    assert not free & {"role_shape", "seat_strategy", "seat_marketing", "seat_technical"}


def test_a_short_last_block_gathers_the_same_as_the_arithmetic() -> None:
    """65,546 rows: a last block of 10 rows, whose floats are gathered in one call."""
    assert_large_batch_matches_the_arithmetic(Rulebook.default(), 5, n=65_546)
