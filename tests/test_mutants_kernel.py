"""The scoring kernel pinned where mutation testing (tools/mutate.py) found it loose.

- ``recommend_many`` takes the whole-table path for a rulebook that has one (integer columns),
  and the arithmetic path only where it must (float columns, given derived inputs);
- verdicts and risks exactly at their thresholds, in both twins;
- no ``-0.0`` contribution, and the table path's outputs equal the arithmetic's bit for bit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

import tpm_fit
from tpm_fit import Rulebook, recommend, recommend_many
from tpm_fit._engine.kernel import CompiledRulebook, compile_rulebook

FACES = ("strategy", "marketing", "technical")
INTEGERS = ("company_size", "product_team_size", *(f"{face}_coverage" for face in FACES))
LEVELS = {
    "product_complexity": ("low", "moderate", "high", "very_high"),
    "engineering_capability": ("developing", "established", "strong"),
    "industry_tech_intensity": ("low", "moderate", "high"),
}


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` valid profiles covering every level, team class and coverage up to past the need."""
    rng = np.random.default_rng(seed)
    size = rng.choice([1, 3, 40, 149, 150, 999, 1_000, 9_999, 10_000, 60_000], n)
    data: dict[str, Any] = {"company_size": size}
    data["product_team_size"] = np.minimum(rng.integers(0, 6, n), size)
    for face in FACES:
        data[f"{face}_coverage"] = np.minimum(rng.integers(0, 5, n), size)
    for name, levels in LEVELS.items():
        data[name] = rng.choice(list(levels), n)
    return pd.DataFrame(data)


def _floats(columns: dict[str, Any]) -> dict[str, Any]:
    """The same columns with the integer inputs as float64: the kernel then takes the arithmetic."""
    return {
        name: column.astype(np.float64) if name in INTEGERS else column for name, column in columns.items()
    }


def _assert_same_evaluation(fast: Any, other: Any) -> None:
    """Two evaluations agree bit for bit: scores, contributions, verdicts and risk flags."""
    assert fast.score.tobytes() == other.score.tobytes()
    assert fast.contributions.tobytes() == other.contributions.tobytes()
    assert fast.verdict_codes.tolist() == other.verdict_codes.tolist()
    assert fast.risks.tolist() == other.risks.tolist()


class _Spy:
    """Records what ``CompiledRulebook.evaluate`` returned (which path it took)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.evaluations: list[Any] = []
        real = CompiledRulebook.evaluate

        def evaluate(compiled: CompiledRulebook, *args: Any, **kwargs: Any) -> Any:
            out = real(compiled, *args, **kwargs)
            self.evaluations.append(out)
            return out

        monkeypatch.setattr(CompiledRulebook, "evaluate", evaluate)


# -- the fast table path ----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 9, 2_000, 70_000])  # one row, a few, one block, two blocks
def test_recommend_many_takes_the_table_path_for_the_default_rulebook(
    monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    frame = _frame(rows)
    plain = recommend_many(frame)  # the table is built on first use
    spy = _Spy(monkeypatch)
    scored = recommend_many(frame, margins=True)
    (evaluation,) = spy.evaluations
    # On the table path the kernel gathers each row's margin from the table: ``gathered`` holds
    # them. Off it, ``gathered`` is empty (and the margins are computed another way).
    assert len(evaluation.gathered) == 2
    assert all(len(values) == rows for values in evaluation.gathered)
    assert scored["margin"].to_numpy().tolist() == evaluation.gathered[0].tolist()
    pd.testing.assert_frame_equal(scored.drop(columns=["margin", "margin_factor"]), plain)


def test_the_kernel_reports_the_table_it_will_read_only_for_integer_columns() -> None:
    compiled = compile_rulebook(Rulebook.default())
    frame = _frame(500)
    from tpm_fit._batch.encode import encode_frame

    encoded = encode_frame(frame)
    entries = compiled.table_entries(encoded.columns, encoded.n)
    assert entries is not None
    contributions, score = entries
    assert contributions.shape == (len(compiled.factor_ids), score.size)
    floats = _floats(encoded.columns)
    assert compiled.table_entries(floats, encoded.n) is None
    with_seat = compiled.with_derived(encoded.columns, encoded.n)
    assert compiled.table_entries(with_seat, encoded.n) is None  # derived inputs given: no table


def test_each_row_gathers_the_table_entry_of_its_own_score() -> None:
    compiled = compile_rulebook(Rulebook.default())
    from tpm_fit._batch.encode import encode_frame

    encoded = encode_frame(_frame(3_000, seed=4))
    entries = compiled.table_entries(encoded.columns, encoded.n)
    assert entries is not None
    _, score = entries
    positions = np.arange(score.size, dtype=np.int64)
    evaluation = compiled.evaluate(encoded.columns, encoded.n, gather=(positions, score))
    where, gathered_score = evaluation.gathered
    assert gathered_score.tolist() == evaluation.score.tolist()
    assert score[where].tolist() == evaluation.score.tolist()
    # Off the table path (floats), nothing is gathered: the same scores come from the arithmetic.
    floats = _floats(encoded.columns)
    computed = compiled.evaluate(floats, encoded.n, gather=(positions, score))
    assert computed.gathered == ()
    assert computed.score.tolist() == evaluation.score.tolist()


@pytest.mark.parametrize("rows", [5, 5_000, 70_000])
def test_the_table_path_equals_the_arithmetic_bit_for_bit(rows: int) -> None:
    compiled = compile_rulebook(Rulebook.default())
    from tpm_fit._batch.encode import encode_frame

    encoded = encode_frame(_frame(rows, seed=rows))
    fast = compiled.evaluate(encoded.columns, encoded.n)
    floats = _floats(encoded.columns)
    slow = compiled.evaluate(floats, encoded.n)
    _assert_same_evaluation(fast, slow)
    for name, column in slow.derived.items():
        assert fast.derived[name].tolist() == column.tolist(), name


def test_a_rulebook_whose_table_is_too_large_scores_like_recommend() -> None:
    # A ramp over company_size with many whole-number steps: no lookup table, the arithmetic runs.
    data = Rulebook.default().model_dump(mode="json")
    data["factors"][0]["activation"] = {
        "kind": "ramp",
        "input": "company_size",
        "points": [[1, 0.0], [5_000, 1.0]],
    }
    book = Rulebook.from_mapping(data)
    frame = _frame(300, seed=2)
    scored = recommend_many(frame, rulebook=book)
    expected = [recommend(row, rulebook=book).score for row in frame.to_dict("records")]
    assert scored["score"].tolist() == expected


# -- verdicts and risks at their thresholds ---------------------------------------------------------


def _threshold_book(weight: float) -> Rulebook:
    """Two factors of weight ``weight``: technical on a very complex product, traditional on a
    strong engineering team; thresholds at +-weight. Scores are -weight, 0 or +weight exactly."""
    data = Rulebook.default().model_dump(mode="json")
    technical, traditional = data["factors"][1], data["factors"][-1]
    technical["activation"] = {
        "kind": "levels",
        "input": "product_complexity",
        "values": {"low": 0.0, "moderate": 0.0, "high": 0.0, "very_high": 1.0},
    }
    traditional["activation"] = {
        "kind": "levels",
        "input": "engineering_capability",
        "values": {"developing": 0.0, "established": 0.0, "strong": 1.0},
    }
    technical["weight"] = traditional["weight"] = weight
    data["factors"] = [technical, traditional]
    data["axioms"] = []
    data["thresholds"] = {"technical_min": weight, "traditional_max": -weight}
    return Rulebook.from_mapping(data)


@pytest.mark.parametrize(
    ("complexity", "capability", "verdict", "score"),
    [
        ("very_high", "developing", "technical", 0.75),
        ("low", "strong", "traditional", -0.75),
        ("low", "developing", "either", 0.0),
        ("very_high", "strong", "either", 0.0),
    ],
)
def test_a_score_exactly_at_a_threshold_gets_that_threshold_s_verdict(
    complexity: str, capability: str, verdict: str, score: float
) -> None:
    book = _threshold_book(0.75)
    profile = {"company_size": 40, "product_complexity": complexity, "engineering_capability": capability}
    result = recommend(profile, rulebook=book)
    assert (result.verdict.value, result.score) == (verdict, score)
    for rows in (1, 4_100):
        scored = recommend_many(pd.DataFrame([profile] * rows), rulebook=book)
        assert set(scored["verdict"].astype(str)) == {verdict}
        assert set(scored["score"]) == {score}


def test_a_risk_applies_exactly_at_its_minimum_strength() -> None:
    data = Rulebook.default().model_dump(mode="json")
    risk = next(r for r in data["risks"] if r["id"] == "over_involvement")
    assert risk["min_activation"] == 0.5  # its strength for an established team is exactly 0.5
    book = Rulebook.from_mapping(data)
    profile = {
        "company_size": 40,
        "product_complexity": "very_high",
        "engineering_capability": "established",
    }
    result = recommend(profile, rulebook=book)
    assert result.verdict.value in risk["applies_to"]
    assert "over_involvement" in [r.id for r in result.risks]
    developing = recommend({**profile, "engineering_capability": "developing"}, rulebook=book)
    assert "over_involvement" not in [r.id for r in developing.risks]
    for rows in (1, 4_100):
        scored = recommend_many(pd.DataFrame([profile] * rows), rulebook=book)
        assert scored["risk.over_involvement"].all()


def test_risks_apply_only_to_their_verdicts_in_both_twins() -> None:
    frame = _frame(6_000, seed=9)
    scored = recommend_many(frame)
    book = Rulebook.default()
    for risk in book.risks:
        column = scored[f"risk.{risk.id}"].to_numpy(dtype=bool)
        allowed = scored["verdict"].astype(str).isin([v.value for v in risk.applies_to]).to_numpy()
        assert not (column & ~allowed).any(), risk.id
        assert column.any(), risk.id  # each risk applies somewhere in this frame
    sample = frame.iloc[::97]
    for (_, row), (_, out) in zip(sample.iterrows(), scored.iloc[::97].iterrows(), strict=True):
        result = recommend(row.to_dict())
        assert sorted(r.id for r in result.risks) == sorted(
            risk.id for risk in book.risks if out[f"risk.{risk.id}"]
        )
        assert result.score == out["score"]
        assert result.verdict.value == out["verdict"]


# -- signs, sums and the scalar twin -----------------------------------------------------------------


def test_a_traditional_factor_that_does_not_fire_contributes_plus_zero() -> None:
    result = recommend(company_size=40, product_complexity="very_high", engineering_capability="developing")
    zeros = [step for step in result.trace if step.activation == 0.0]
    assert any(step.favours.value == "traditional" for step in zeros)
    assert all(math.copysign(1.0, step.contribution) == 1.0 for step in zeros)
    frame = pd.DataFrame(
        [{"company_size": 40, "product_complexity": "very_high", "engineering_capability": "developing"}] * 3
    )
    scored = recommend_many(frame)
    for step in zeros:
        column = scored[f"contribution.{step.factor}"].to_numpy()
        assert (np.copysign(1.0, column) == 1.0).all(), step.factor


def test_the_score_is_the_sum_of_the_contributions_in_rulebook_order() -> None:
    for row in _frame(40, seed=5).to_dict("records"):
        result = recommend(row)
        total = 0.0
        for step in result.trace:
            total += step.contribution
        assert result.score == total
        assert [step.factor for step in result.trace] == list(Rulebook.default().factor_ids)
        weights = {f.id: f.weight * f.favours.sign for f in Rulebook.default().factors}
        for step in result.trace:
            assert step.contribution == weights[step.factor] * step.activation + 0.0


def test_the_background_key_repeats_results_only_for_equal_keys() -> None:
    compiled = compile_rulebook(Rulebook.default())
    from tpm_fit._engine.kernel import encode_profile

    seen: dict[tuple[int, ...], float] = {}
    for row in _frame(300, seed=6).to_dict("records"):
        values = compiled.with_seat(encode_profile(tpm_fit.OrgProfile.model_validate(row)))
        key = compiled.background_key(values)
        assert key is not None
        score = compiled.score_one(values)[2]
        assert seen.setdefault(key, score) == score
    assert len(seen) > 20
    floats = compiled.with_seat(
        {
            **encode_profile(tpm_fit.OrgProfile(company_size=40, product_complexity="high")),
            "company_size": 40.0,
        }
    )
    floats["strategy_coverage"] = 0.0
    assert compiled.background_key(floats) is None


def test_a_table_over_an_integer_and_a_level_input_gives_recommend_s_values() -> None:
    """A product of a ramp that starts above the range's start and a level table (the integer
    input first in the table's axes): the scalar twin clips and shifts the integer input before
    it indexes the table; the batch does the same."""
    data = Rulebook.default().model_dump(mode="json")
    data["factors"][1]["activation"] = {
        "kind": "all_of",
        "of": [
            {"kind": "ramp", "input": "company_size", "points": [[2, 0.0], [5, 1.0]]},
            {"kind": "levels", "input": "product_complexity", "values": LEVEL_VALUES},
        ],
    }
    # And the level input first: a product of a level table and a ramp over the team.
    data["factors"][2]["activation"] = {
        "kind": "all_of",
        "of": [
            {"kind": "levels", "input": "product_complexity", "values": LEVEL_VALUES},
            {"kind": "ramp", "input": "product_team_size", "points": [[2, 0.0], [5, 1.0]]},
        ],
    }
    book = Rulebook.from_mapping(data)
    weight = data["factors"][1]["weight"]
    rows = [
        {"company_size": size, "product_complexity": level, "product_team_size": min(size, team)}
        for size in (1, 2, 3, 4, 5, 6, 9, 400)
        for level in LEVEL_VALUES
        for team in (0, 3, 7)
    ]
    for row in rows:
        trace = recommend(row, rulebook=book).trace
        ramp = min(max(row["company_size"] - 2, 0), 3) / 3
        assert trace[1].activation == ramp * LEVEL_VALUES[row["product_complexity"]], row
        assert trace[1].contribution == weight * trace[1].activation
        team = min(max(row["product_team_size"] - 2, 0), 3) / 3
        assert trace[2].activation == LEVEL_VALUES[row["product_complexity"]] * team, row
    scored = recommend_many(pd.DataFrame(rows), rulebook=book)
    expected = [recommend(row, rulebook=book).score for row in rows]
    assert scored["score"].tolist() == expected


LEVEL_VALUES = {"low": 0.0, "moderate": 0.25, "high": 0.5, "very_high": 1.0}


def test_contributions_of_integer_columns_with_the_seat_given_equal_the_evaluation() -> None:
    """``contributions()`` reads integer columns that carry the seat through the background table."""
    compiled = compile_rulebook(Rulebook.default())
    from tpm_fit._batch.encode import encode_frame

    encoded = encode_frame(_frame(70_000, seed=8))  # two blocks of rows
    full = compiled.with_derived(encoded.columns, encoded.n)
    expected = compiled.evaluate(encoded.columns, encoded.n)
    assert compiled.contributions(full, encoded.n).tobytes() == expected.contributions.tobytes()


def test_the_scalar_twin_without_any_cache_equals_the_batch_for_counts_past_every_table() -> None:
    from tpm_fit._batch.encode import encode_frame
    from tpm_fit._engine.kernel import encode_profile

    compiled = compile_rulebook(Rulebook.default())
    frame = _frame(400, seed=11)
    frame["technical_coverage"] = np.minimum(np.tile([0, 1, 2, 3, 7, 50], 67)[:400], frame["company_size"])
    encoded = encode_frame(frame)
    batch = compiled.evaluate(encoded.columns, encoded.n)
    for k, row in enumerate(frame.to_dict("records")):
        one = compiled.evaluate_one(encode_profile(tpm_fit.OrgProfile.model_validate(row)))
        assert one.score == batch.score[k], row
        assert one.contributions == batch.contributions[:, k].tolist(), row


def test_row_scores_sum_the_contributions_factor_by_factor_into_a_new_array_or_out() -> None:
    from tpm_fit._engine.kernel import sum_contributions

    contributions = np.array([[0.1, -1.0, 2.0], [0.2, 0.5, -2.0], [0.3, 0.25, 0.0]])
    expected = [(0.1 + 0.2) + 0.3, (-1.0 + 0.5) + 0.25, (2.0 + -2.0) + 0.0]
    score = CompiledRulebook.score(contributions)
    assert score.tolist() == expected
    assert score.shape == (3,)
    out = np.full(3, 7.0)  # overwritten, not added to
    assert sum_contributions(contributions, out=out) is out
    assert out.tolist() == expected


def test_the_background_key_clips_counts_past_every_table_to_one_key() -> None:
    """The key holds the clipped inputs the tables read: profiles that differ only past every
    table's range share one key (and so one cached result), and the key's entries stay within
    the ranges."""
    from tpm_fit._engine.kernel import encode_profile

    compiled = compile_rulebook(Rulebook.default())
    axes = compiled._key_axes
    assert axes is not None
    keys = set()
    for size in (60_000, 70_000, 10_000_000):
        profile = tpm_fit.OrgProfile(
            company_size=size, product_complexity="high", technical_coverage=size // 2
        )
        values = compiled.with_seat(encode_profile(profile))
        key = compiled.background_key(values)
        assert key is not None
        for (_, lo, hi), x in zip(axes, key, strict=True):
            assert lo is None or hi is None or lo <= x <= hi
        keys.add(key)
    assert len(keys) == 1
    assert any(lo is not None and hi is not None and hi < 60_000 for _, lo, hi in axes)


# -- structure: what the verifier's grid and the counterfactual search are built on ---------------


def test_the_conditions_are_every_claim_s_when_and_then_and_every_statement_s_when() -> None:
    book = Rulebook.default()
    expected = []
    for axiom in book.verdict_axioms:
        expected += [axiom.when] if axiom.then is None else [axiom.when, axiom.then]
    expected += [statement.when for statement in book.statements if statement.when is not None]
    found = compile_rulebook(book).conditions
    assert found == tuple(expected)
    assert len(found) == 6 + 2 + 10  # six claims (two with a then), ten statements with a condition


def test_breakpoints_join_the_seat_s_the_factors_and_the_conditions() -> None:
    """A factor ramp bending at 37 and a claim stepping at 40-41: both are breakpoints of
    company_size, with the seat's own (150 and 10,000, where the need changes)."""
    data = Rulebook.default().model_dump(mode="json")
    data["factors"][0]["activation"] = {
        "kind": "ramp",
        "input": "company_size",
        "points": [[1, 0.0], [37, 1.0]],
    }
    claim = data["verdict_axioms"][0]
    claim["when"] = {
        "kind": "all_of",
        "of": [claim["when"], {"kind": "ramp", "input": "company_size", "points": [[40, 0.0], [41, 1.0]]}],
    }
    compiled = compile_rulebook(Rulebook.from_mapping(data))
    points = compiled.breakpoints("company_size")
    seat = set(compiled.seat.breakpoints("company_size"))
    assert {1, 37, 40, 41} <= points
    assert seat <= points
    assert points == seat | {1, 37, 40, 41}


def test_verdict_at_scores_a_profile_without_derived_inputs_like_recommend() -> None:
    from tpm_fit._engine.kernel import encode_profile

    compiled = compile_rulebook(Rulebook.default())
    verdicts = set()
    for row in _frame(60, seed=9).to_dict("records"):
        profile = tpm_fit.OrgProfile.model_validate(row)
        result = recommend(profile)
        assert compiled.verdict_at(encode_profile(profile)) == (result.verdict, result.score)
        verdicts.add(result.verdict)
    assert len(verdicts) == 3


def test_risks_of_one_verdict_or_of_every_verdict_apply_alike_in_both_twins() -> None:
    data = Rulebook.default().model_dump(mode="json")
    data["risks"][0]["applies_to"] = ["technical"]
    data["risks"][1]["applies_to"] = ["traditional", "either", "technical"]
    book = Rulebook.from_mapping(data)
    frame = _frame(3_000, seed=4)
    scored = recommend_many(frame, rulebook=book)
    for risk in book.risks[:2]:
        column = scored[f"risk.{risk.id}"].to_numpy(dtype=bool)
        allowed = scored["verdict"].astype(str).isin([v.value for v in risk.applies_to]).to_numpy()
        assert not (column & ~allowed).any(), risk.id
        assert column.any(), risk.id
    for (_, row), (_, out) in zip(frame.iloc[::37].iterrows(), scored.iloc[::37].iterrows(), strict=True):
        result = recommend(row.to_dict(), rulebook=book)
        assert sorted(r.id for r in result.risks) == sorted(
            risk.id for risk in book.risks if out[f"risk.{risk.id}"]
        )


def test_two_tables_over_one_count_share_the_union_of_their_ranges() -> None:
    """Ramps over company_size from 1 to 5 and from 3 to 9: the whole-background table clips
    company_size to 1..9, so sizes 1 and 2 keep the first ramp's values on the table path."""
    data = Rulebook.default().model_dump(mode="json")
    data["factors"][0]["activation"] = {
        "kind": "ramp",
        "input": "company_size",
        "points": [[1, 0.0], [5, 1.0]],
    }
    data["factors"][1]["activation"] = {
        "kind": "ramp",
        "input": "company_size",
        "points": [[3, 0.0], [9, 1.0]],
    }
    book = Rulebook.from_mapping(data)
    axes = compile_rulebook(book)._key_axes
    assert axes is not None
    assert ("company_size", 1, 9) in axes
    # Enough rows that the table is built (a large table is built by a large batch only).
    frame = pd.DataFrame({"company_size": np.resize(np.arange(1, 13), 4_104), "product_complexity": "high"})
    scored = recommend_many(frame, rulebook=book)
    for size, score in zip(frame["company_size"][:12], scored["score"][:12], strict=True):
        assert (
            score == recommend({"company_size": int(size), "product_complexity": "high"}, rulebook=book).score
        )


# -- the whole-background table: every path of its index ------------------------------------------


def _levels(name: str, values: dict[str, float]) -> dict[str, Any]:
    return {"kind": "levels", "input": name, "values": values}


COMPLEXITY = _levels("product_complexity", {"low": 0.0, "moderate": 0.3, "high": 0.6, "very_high": 1.0})
CAPABILITY = _levels("engineering_capability", {"developing": 1.0, "established": 0.5, "strong": 0.0})
SEAT_TECHNICAL = _levels("seat_technical", {"no": 0.0, "yes": 1.0})


def _book_reading(*activations: dict[str, Any], need: list[list[int]] | None = None) -> Rulebook:
    """The default rulebook with its factors reading only ``activations`` (one factor each,
    weights 2.0, 1.5, ...) and one risk over product complexity; ``need``: the seat's need steps."""
    data = Rulebook.default().model_dump(mode="json")
    template = data["factors"]
    data["factors"] = [
        {**template[k], "activation": activation, "weight": 2.0 - 0.5 * k}
        for k, activation in enumerate(activations)
    ]
    data["risks"] = [{**data["risks"][0], "when": COMPLEXITY, "min_activation": 0.5}]
    if need is not None:
        data["seat"]["need"] = [{"from_company_size": size, "people": people} for size, people in need]
    return Rulebook.from_mapping(data)


def _three_paths_agree(book: Rulebook, frame: pd.DataFrame) -> tuple[Any, Any]:
    """The whole-table path (seat folded in), the background table with the seat given, and
    the arithmetic (float columns) give the same outputs bit for bit; returns (compiled, whole)."""
    from tpm_fit._batch.encode import encode_frame

    compiled = compile_rulebook(book)
    encoded = encode_frame(frame)
    n = encoded.n
    whole = compiled._whole_for(encoded.columns, n)
    assert whole is not None  # the fast path is the one under test
    fast = compiled.evaluate(encoded.columns, n)
    full = compiled.with_derived(encoded.columns, n)
    assert compiled._fused_for(full, n) is whole  # the seat given: the background table alone
    given = compiled.evaluate(full, n)
    floats = _floats(encoded.columns)
    assert compiled.table_entries(floats, n) is None
    slow = compiled.evaluate(floats, n)
    for other in (given, slow):
        _assert_same_evaluation(fast, other)
    for name, column in slow.derived.items():
        assert fast.derived[name].tolist() == column.tolist(), name
    # And each agrees with recommend(), row by row, on a spread of rows.
    for k in range(0, len(frame), max(1, len(frame) // 40)):
        result = recommend(frame.iloc[k].to_dict(), rulebook=book)
        assert result.score == fast.score[k]
        assert [r.id for r in result.risks] == [
            risk.id for risk, flags in zip(book.risks, fast.risks, strict=True) if flags[k]
        ]
    return compiled, whole


def test_the_background_table_with_the_seat_given_gives_each_row_its_verdict_and_risks() -> None:
    """With the derived inputs given, ``evaluate`` reads the background table alone (``fill``):
    every verdict and every risk flag come from it, and equal the other two paths'."""
    frame = _frame(5_000, seed=21)
    compiled, _ = _three_paths_agree(Rulebook.default(), frame)
    from tpm_fit._batch.encode import encode_frame

    encoded = encode_frame(frame)
    given = compiled.evaluate(compiled.with_derived(encoded.columns, encoded.n), encoded.n)
    assert set(given.verdict_codes.tolist()) == {verdict.code for verdict in tpm_fit.Verdict}
    assert given.risks.shape == (len(compiled.risks), encoded.n)
    assert all(row.any() for row in given.risks[:3])  # flags set, and not everywhere
    assert not given.risks.all()


def test_a_background_that_reads_nothing_the_seat_decides_folds_to_zero() -> None:
    """Factors over two levels only: the seat adds nothing to the table index (every class's
    part is 0), and the last axis, a level of stride 1, is added to the index as it is."""
    book = _book_reading(CAPABILITY, COMPLEXITY)
    compiled, whole = _three_paths_agree(book, _frame(2_000, seed=22))
    assert whole.seat_part is not None
    assert not whole.seat_part.any()
    assert [(name, stride) for name, *_, stride in whole.free_axes] == [
        ("engineering_capability", 4),
        ("product_complexity", 1),
    ]
    assert compiled.risks  # the risk reads product complexity: flags through the table too


def test_a_level_axis_of_stride_two_is_scaled_into_the_index() -> None:
    """Factors over product complexity and the seat's technical face: complexity is the free
    axis, with stride 2 (the seat face's two values after it)."""
    book = _book_reading(COMPLEXITY, SEAT_TECHNICAL)
    _, whole = _three_paths_agree(book, _frame(2_000, seed=23))
    assert [(name, stride) for name, *_, stride in whole.free_axes] == [("product_complexity", 2)]
    assert whole.seat_part is not None
    assert sorted(set(whole.seat_part.tolist())) == [0, 1]


def test_a_coverage_range_starting_above_zero_folds_into_the_seat_from_its_low_end() -> None:
    """A seat that needs up to three people per face keeps coverage counts up to 3 in its
    classes; a factor ramping over technical coverage from 1 to 3 reads an axis 1..3 that the
    seat decides, counted from its low end (1), not from 0."""
    ramp = {"kind": "ramp", "input": "technical_coverage", "points": [[1, 0.0], [3, 1.0]]}
    book = _book_reading(ramp, COMPLEXITY, need=[[1, 1], [40, 3]])
    compiled, whole = _three_paths_agree(book, _frame(3_000, seed=24))
    axes = {name: (low, high) for name, low, high, *_ in whole.axes}
    assert axes["technical_coverage"] == (1, 3)
    assert "technical_coverage" not in [name for name, *_ in whole.free_axes]
    # Each class's part is its clipped coverage minus 1, times the axis' stride.
    (stride,) = [stride for name, *_, stride in whole.axes if name == "technical_coverage"]
    assert stride == 1
    assert sorted(set(whole.seat_part.tolist())) == [0, 1, 2]
    assert compiled.seat.table.cap == 3


def test_warnings_are_computed_with_the_seat_from_the_rulebook_s_own_statements() -> None:
    """The seat stage flags each warning with the rulebook's own condition; a rulebook without
    statements uses the default rulebook's, as the renderers do."""
    from tpm_fit._batch.encode import encode_frame

    default = compile_rulebook(Rulebook.default())
    names = ["warning.warn_pms_without_coverage", "warning.warn_grown_without_pm"]
    assert [name for name in default.seat.outputs if name.startswith("warning.")] == names
    data = Rulebook.default().model_dump(mode="json")
    data["statements"] = []
    bare = compile_rulebook(Rulebook.from_mapping(data))
    assert [name for name in bare.seat.outputs if name.startswith("warning.")] == names
    # A rulebook whose grown-without-a-PM warning starts at 20,000 people instead of the split.
    data = Rulebook.default().model_dump(mode="json")
    (spec,) = [s for s in data["statements"] if s["id"] == "warn_grown_without_pm"]
    spec["when"]["of"][0]["points"] = [[19_999, 0.0], [20_000, 1.0]]
    spec["seat_steps"] = {}
    own = compile_rulebook(Rulebook.from_mapping(data))
    frame = pd.DataFrame(
        {"company_size": [149, 150, 9_999, 25_000], "product_team_size": 0, "product_complexity": "high"}
    )
    encoded = encode_frame(frame)
    column = "warning.warn_grown_without_pm"
    for compiled in (default, bare):
        assert compiled.evaluate(encoded.columns, encoded.n).derived[column].tolist() == [0, 1, 1, 1]
    # The seat's classes do not decide a step at 20,000: the frame computes it from the columns.
    assert column not in own.seat.outputs
    scored = recommend_many(frame, rulebook=own.rulebook)
    assert scored[column].tolist() == [False, False, False, True]


# -- the compiled-rulebook cache ------------------------------------------------------------------


def _variant(k: int) -> Rulebook:
    data = Rulebook.default().model_dump(mode="json")
    data["thresholds"]["technical_min"] = 0.75 + k / 1024
    return Rulebook.from_mapping(data)


def test_a_result_read_back_finds_the_custom_rulebook_that_made_it_in_this_process() -> None:
    from tpm_fit._engine.kernel import recently_compiled

    book = _variant(1)
    result = recommend({"company_size": 40, "product_complexity": "high"}, rulebook=book)
    read_back = tpm_fit.Recommendation.model_validate_json(result.model_dump_json())
    assert recently_compiled(book.fingerprint) == book
    assert read_back.used_rulebook() == book
    assert recently_compiled("0" * 64) is None


def test_the_cache_keeps_the_64_latest_rulebooks() -> None:
    from tpm_fit._engine.kernel import recently_compiled

    books = [_variant(100 + k) for k in range(65)]
    for book in books[:64]:
        compile_rulebook(book)
    assert all(recently_compiled(book.fingerprint) == book for book in books[:64])
    compile_rulebook(books[64])  # one more: the oldest goes
    assert recently_compiled(books[0].fingerprint) is None
    assert all(recently_compiled(book.fingerprint) == book for book in books[1:])
    compile_rulebook(Rulebook.default())  # leave the default cached for the other tests


def test_breakpoints_are_derived_once_per_input_and_returned_again() -> None:
    compiled = CompiledRulebook(Rulebook.default())  # a fresh one: nothing derived yet
    first = compiled.breakpoints("company_size")
    assert first == {149, 150}
    again = compiled.breakpoints("company_size")
    assert again is first
    assert compiled.breakpoints("product_team_size") == {0, 1, 2, 3}


def test_a_background_table_with_a_seat_too_large_to_tabulate_scores_like_recommend() -> None:
    """A need of 40 people per face: the seat is computed, not tabulated, so the background
    table cannot fold it in; batches read the table with the computed seat."""
    data = Rulebook.default().model_dump(mode="json")
    data["seat"]["need"] = [{"from_company_size": 1, "people": 1}, {"from_company_size": 5_000, "people": 40}]
    book = Rulebook.from_mapping(data)
    compiled = compile_rulebook(book)
    assert compiled.seat.table.columns is None
    frame = _frame(300, seed=31)
    frame["technical_coverage"] = np.minimum(np.tile([0, 1, 39, 40, 41], 60), frame["company_size"])
    scored = recommend_many(frame, rulebook=book)
    fused = compiled._fused_table(len(frame))
    assert fused is not None
    assert fused.seat_part is None
    assert fused.free_axes == fused.axes
    for k, row in enumerate(frame.to_dict("records")):
        result = recommend(row, rulebook=book)
        assert (result.score, result.verdict.value) == (scored["score"][k], scored["verdict"][k]), row


@pytest.mark.parametrize("floats", [False, True])
def test_a_scalar_column_counts_for_every_row_of_every_block(floats: bool) -> None:
    """A column given as one value (a 0-d array) applies to every row, over more than one
    block of rows, on the table path and in the arithmetic alike."""
    from tpm_fit._batch.encode import encode_frame

    compiled = compile_rulebook(Rulebook.default())
    frame = _frame(70_000, seed=32)
    frame["product_complexity"] = "very_high"
    encoded = encode_frame(frame)
    columns = dict(encoded.columns)
    if floats:
        columns = _floats(columns)
    expected = compiled.evaluate(columns, encoded.n)
    scalar = {**columns, "product_complexity": np.asarray(columns["product_complexity"][0])}
    assert scalar["product_complexity"].ndim == 0
    found = compiled.evaluate(scalar, encoded.n)
    assert found.score.tobytes() == expected.score.tobytes()
    assert found.verdict_codes.tolist() == expected.verdict_codes.tolist()
    assert found.risks.tolist() == expected.risks.tolist()


def test_a_warning_without_a_condition_is_not_computed_with_the_seat() -> None:
    """A warning statement with no condition has nothing for the seat (or the frame) to compute:
    the batch has no column for it, and the other warning is still computed with the seat."""
    data = Rulebook.default().model_dump(mode="json")
    (spec,) = [s for s in data["statements"] if s["id"] == "warn_grown_without_pm"]
    spec["when"] = None
    spec["seat_steps"] = {}
    book = Rulebook.from_mapping(data)
    compiled = compile_rulebook(book)
    assert [name for name in compiled.seat.outputs if name.startswith("warning.")] == [
        "warning.warn_pms_without_coverage"
    ]
    frame = pd.DataFrame(
        {"company_size": [40, 400], "product_team_size": [1, 0], "product_complexity": "low"}
    )
    scored = recommend_many(frame, rulebook=book)
    assert "warning.warn_grown_without_pm" not in scored.columns
    assert scored["warning.warn_pms_without_coverage"].tolist() == [True, False]
