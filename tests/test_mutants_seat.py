"""Stage one, the seat, pinned where mutation testing (tools/mutate.py) found it loose.

Each test states one behaviour of the seat at the edge where a changed operator or constant
would show: exactly at a size or team threshold, exactly at a need, a rule whose seat is too
large to tabulate, and the single-row and many-row paths of the batch form.
"""

from __future__ import annotations

import pytest

pd = pytest.importorskip("pandas")

from typing import Any

import numpy as np

import tpm_fit
from tpm_fit import Rulebook, recommend, recommend_many
from tpm_fit._engine.seat import _BLOCK_ROWS, OPEN_SEATS, SeatStage, open_code
from tpm_fit._model.primitives import AllOf, AnyOf, Levels, Ramp

FACES = ("strategy", "marketing", "technical")


def _seat(complexity: str = "high", **fields: Any) -> tuple[str, list[str], bool]:
    result = recommend(product_complexity=complexity, **fields)
    return result.role_shape.value, [face.value for face in result.seat], result.hire_needed


def _book(**seat: Any) -> Rulebook:
    data = Rulebook.default().model_dump(mode="json")
    data["seat"].update(seat)
    return Rulebook.from_mapping(data)


#: Need steps the default rulebook no longer has (one person per face there): more people per
#: face at 1,000 and 10,000 people, a documented customisation.
NEED_STEPS = [
    {"from_company_size": 1, "people": 1},
    {"from_company_size": 1_000, "people": 2},
    {"from_company_size": 10_000, "people": 3},
]
#: product_complexity levels by their encoded rank, as the kernel reads them.
RANK = {"low": 0, "moderate": 1, "high": 2, "very_high": 3}


# -- thresholds, exactly at and just below them --------------------------------------------------


def test_the_faces_split_at_exactly_150_people_and_not_at_149() -> None:
    # A highly technical product: the open technical face goes first once the faces split.
    assert _seat(company_size=150, product_team_size=1) == ("specialist", ["technical"], True)
    assert _seat("moderate", company_size=150, product_team_size=1) == ("specialist", ["strategy"], True)
    assert _seat(company_size=149, product_team_size=1) == (
        "generalist",
        ["strategy", "marketing", "technical"],
        True,
    )


def test_the_faces_split_at_exactly_3_pms_and_not_at_2() -> None:
    assert _seat(company_size=40, product_team_size=3) == ("specialist", ["technical"], True)
    assert _seat("moderate", company_size=40, product_team_size=3) == ("specialist", ["strategy"], True)
    assert _seat(company_size=40, product_team_size=2) == (
        "generalist",
        ["strategy", "marketing", "technical"],
        True,
    )


def test_a_grown_company_with_no_pm_gets_open_seats_not_a_generalist() -> None:
    result = recommend(product_complexity="high", company_size=5_000, product_team_size=0)
    assert (result.role_shape.value, [face.value for face in result.seat], result.hire_needed) == (
        "specialist",
        ["technical"],
        True,
    )
    assert [face.value for face in result.open_seats] == ["technical", "strategy", "marketing"]
    moderate = recommend(product_complexity="moderate", company_size=150, product_team_size=0)
    assert [face.value for face in moderate.seat] == ["strategy"]
    assert [face.value for face in moderate.open_seats] == ["strategy", "marketing", "technical"]
    # Below the split size the first PM still wears every hat.
    small = recommend(product_complexity="high", company_size=149, product_team_size=0)
    assert small.role_shape.value == "generalist"
    assert [face.value for face in small.seat] == ["strategy", "marketing", "technical"]


def test_the_default_need_is_one_person_per_face_at_every_size() -> None:
    covered = {f"{face}_coverage": 1 for face in FACES}
    for size in (150, 999, 1_000, 10_000, 10_000_000):
        assert _seat(company_size=size, product_team_size=4, **covered) == ("specialist", [], False)


def test_the_need_grows_at_exactly_1000_and_10000_people_in_a_rule_that_says_so() -> None:
    book = _book(need=NEED_STEPS)

    def seat(**fields: Any) -> tuple[str, list[str], bool]:
        result = recommend(product_complexity="moderate", product_team_size=4, rulebook=book, **fields)
        return result.role_shape.value, [face.value for face in result.seat], result.hire_needed

    covered = {f"{face}_coverage": 1 for face in FACES}
    assert seat(company_size=999, **covered) == ("specialist", [], False)
    assert seat(company_size=1_000, **covered) == ("specialist", ["strategy"], True)
    twice = {f"{face}_coverage": 2 for face in FACES}
    assert seat(company_size=9_999, **twice) == ("specialist", [], False)
    assert seat(company_size=10_000, **twice) == ("specialist", ["strategy"], True)


def test_a_face_covered_exactly_to_its_need_is_not_in_the_seat() -> None:
    # Generalist: every face below its need, and only those.
    assert _seat(company_size=40, product_team_size=1, marketing_coverage=1) == (
        "generalist",
        ["strategy", "technical"],
        True,
    )
    # Specialist: the face furthest below its need (a rule with 2 per face from 1,000 people).
    book = _book(need=NEED_STEPS)
    fields = {"strategy_coverage": 0, "marketing_coverage": 1, "technical_coverage": 2}
    result = recommend(
        product_complexity="high", company_size=2_000, product_team_size=4, rulebook=book, **fields
    )
    assert [face.value for face in result.seat] == ["strategy"]
    fields = {"strategy_coverage": 2, "marketing_coverage": 1, "technical_coverage": 0}
    result = recommend(
        product_complexity="low", company_size=2_000, product_team_size=4, rulebook=book, **fields
    )
    assert [face.value for face in result.seat] == ["technical"]


@pytest.mark.parametrize(
    ("counts", "seat", "tied"),
    [
        ((1, 0, 0), "marketing", "marketing (0 of 1), tied with technical"),
        ((0, 1, 0), "strategy", "strategy (0 of 1), tied with technical"),
        ((1, 1, 0), "technical", ""),
        ((0, 0, 0), "strategy", "strategy (0 of 1), tied with marketing and technical"),
        ((0, 0, 1), "strategy", "strategy (0 of 1), tied with marketing"),
    ],
)
def test_a_specialist_takes_the_first_face_in_tie_order_among_the_largest_gaps(
    counts: tuple[int, int, int], seat: str, tied: str
) -> None:
    coverage = {f"{face}_coverage": count for face, count in zip(FACES, counts, strict=True)}
    result = recommend(product_complexity="moderate", company_size=2_000, product_team_size=4, **coverage)
    assert [face.value for face in result.seat] == [seat]
    # The reason names exactly the faces tied with the chosen one, and only when there are some.
    if tied:
        assert f"{tied} and first in the rulebook's tie order." in result.need_reason
    else:
        assert "tied" not in result.need_reason
    assert "the technical face goes first" not in result.need_reason


@pytest.mark.parametrize(
    ("complexity", "counts", "seat", "reason"),
    [
        ("high", (1, 0, 0), "technical", "technical (0 of 1), tied with marketing; the technical face"),
        ("very_high", (0, 1, 0), "technical", "technical (0 of 1), tied with strategy; the technical face"),
        ("high", (0, 0, 0), "technical", "technical (0 of 1), tied with strategy and marketing; the"),
        ("high", (0, 0, 1), "strategy", "strategy (0 of 1), tied with marketing and first in the"),
        ("moderate", (1, 0, 0), "marketing", "marketing (0 of 1), tied with technical and first in the"),
    ],
)
def test_a_highly_technical_product_puts_an_open_technical_face_first_in_a_tie(
    complexity: str, counts: tuple[int, int, int], seat: str, reason: str
) -> None:
    coverage = {f"{face}_coverage": count for face, count in zip(FACES, counts, strict=True)}
    result = recommend(product_complexity=complexity, company_size=2_000, product_team_size=4, **coverage)
    assert [face.value for face in result.seat] == [seat]
    assert reason in result.need_reason
    # the level in plain words: "very high", not "very_high"
    words = complexity.replace("_", " ")
    first = "the technical face goes first because the product's complexity is " + words
    assert (first in result.need_reason) == (seat == "technical")


def test_the_tie_order_of_the_rulebook_decides_a_tie() -> None:
    book = _book(tie_order=["technical", "marketing", "strategy"])
    result = recommend(product_complexity="high", company_size=2_000, product_team_size=4, rulebook=book)
    assert [face.value for face in result.seat] == ["technical"]
    frame = recommend_many(
        pd.DataFrame([{"product_complexity": "high", "company_size": 2_000, "product_team_size": 4}] * 3),
        rulebook=book,
    )
    assert frame["seat.technical"].tolist() == [True] * 3
    assert frame["seat.strategy"].tolist() == [False] * 3


# -- the sentence that explains the seat -----------------------------------------------------------


OPEN = {f"{face}_coverage": 0 for face in FACES}  # given, so no sentence marks them as assumed


def test_the_reason_at_exactly_150_people_names_the_company_size() -> None:
    reason = recommend(product_complexity="high", company_size=150, product_team_size=1, **OPEN).need_reason
    assert reason.startswith(
        "In a company of 150 the faces are split between people, one person (or more) for each; "
        "the split from 150 people is a rule of thumb, not from the article "
        "(set specialist_min_company_size in [seat] to change it). "
    )
    assert "the split from 3 PMs" not in reason
    assert "With 1 PM on staff" not in reason


def test_the_reason_below_150_people_with_3_pms_names_the_team() -> None:
    reason = recommend(product_complexity="high", company_size=149, product_team_size=3, **OPEN).need_reason
    assert reason.startswith(
        "With 3 PMs on staff the faces are split between people; the split from 3 PMs is a rule of "
        "thumb, not from the article (set specialist_min_product_team in [seat] to change it). "
    )
    assert "the split from 150 people" not in reason
    assert "In a company of 149" not in reason


def test_the_reason_of_a_generalist_says_why_the_faces_do_not_split() -> None:
    reason = recommend(product_complexity="high", company_size=149, product_team_size=1, **OPEN).need_reason
    assert reason == (
        "With 1 PM on staff in a company of 149, the hire wears every open hat: "
        "strategy (0 of 1), marketing (0 of 1), technical (0 of 1). "
        "The faces stay with one person below 150 people and 3 PMs (a rule of thumb, not from the "
        "article; set specialist_min_company_size and specialist_min_product_team in [seat] to change it)."
    )
    none = recommend(product_complexity="high", company_size=40, product_team_size=0, **OPEN).need_reason
    assert none.startswith(
        "With no PM on staff yet in a company of 40, the first PM wears every open hat: "
        "strategy (0 of 1), marketing (0 of 1), technical (0 of 1). "
    )
    # Coverage not given: the sentence says it was assumed.
    assumed = recommend(product_complexity="high", company_size=149, product_team_size=1).need_reason
    assert "[not given, assumed: strategy_coverage=0, marketing_coverage=0, technical_coverage=0]" in assumed


def test_the_reason_without_a_hire_counts_every_face_against_its_need() -> None:
    covered = {f"{face}_coverage": 3 for face in FACES}
    book = _book(need=NEED_STEPS)
    result = recommend(
        product_complexity="high", company_size=20_000, product_team_size=9, rulebook=book, **covered
    )
    assert not result.hire_needed
    assert result.need_reason == (
        "No new PM is indicated: every face already has the people it needs "
        "(strategy (3 of 3), marketing (3 of 3), technical (3 of 3))."
    )
    default = recommend(product_complexity="high", company_size=20_000, product_team_size=9, **covered)
    assert "(strategy (3 of 1), marketing (3 of 1), technical (3 of 1))" in default.need_reason
    one = {f"{face}_coverage": 1 for face in FACES}
    single = recommend(product_complexity="high", company_size=40, product_team_size=1, **one)
    assert single.need_reason == (
        "No new PM is indicated: every face already has the people it needs "
        "(strategy (1 of 1), marketing (1 of 1), technical (1 of 1))."
    )


# -- the batch form: the table, its edges, and the arithmetic it falls back to -------------------


def _grid_frame() -> pd.DataFrame:
    rows = []
    for size in (1, 2, 3, 149, 150, 151, 999, 1_000, 1_001, 9_999, 10_000, 10_001):
        for team in (0, 1, 2, 3, 4):
            for counts in ((0, 0, 0), (1, 0, 2), (2, 2, 1), (3, 1, 0), (0, 3, 3), (1, 1, 1), (2, 2, 2)):
                if team > size or max(counts) > size:
                    continue
                rows.append(
                    {
                        "company_size": size,
                        "product_team_size": team,
                        "product_complexity": "high",
                        **{f"{face}_coverage": c for face, c in zip(FACES, counts, strict=True)},
                    }
                )
    return pd.DataFrame(rows)


def _one_by_one(frame: pd.DataFrame, book: Rulebook) -> list[tuple[str, tuple[bool, ...], bool]]:
    out = []
    for row in frame.to_dict("records"):
        result = recommend(row, rulebook=book)
        out.append(
            (result.role_shape.value, tuple(face in result.seat for face in tpm_fit.Face), result.hire_needed)
        )
    return out


def _batch(frame: pd.DataFrame, book: Rulebook) -> list[tuple[str, tuple[bool, ...], bool]]:
    scored = recommend_many(frame, rulebook=book)
    seats = zip(*(scored[f"seat.{face.value}"].tolist() for face in tpm_fit.Face), strict=True)
    return [
        (shape, tuple(seat), hire)
        for shape, seat, hire in zip(
            scored["role_shape"].astype(str).tolist(), seats, scored["hire_needed"].tolist(), strict=True
        )
    ]


@pytest.mark.parametrize("steps", [False, True])  # the default need, and need steps at 1,000 and 10,000
@pytest.mark.parametrize("rows", [3, 8, 9, None])  # a few rows one by one; many vectorised
def test_the_batch_seat_equals_recommend_at_every_threshold(rows: int | None, steps: bool) -> None:
    frame = _grid_frame()
    # Half the rows with a moderate product: the technical face goes first in a tie only for high.
    frame = frame.assign(
        product_complexity=["high", "moderate"] * (len(frame) // 2) + ["high"] * (len(frame) % 2)
    )
    frame = frame if rows is None else frame.iloc[::37].head(rows)
    book = _book(need=NEED_STEPS) if steps else Rulebook.default()
    assert _batch(frame, book) == _one_by_one(frame, book)


def test_a_seat_too_large_to_tabulate_is_computed_and_equals_recommend() -> None:
    # A need of 40 people per face: more seat classes than the table holds, so the batch form
    # computes every row with the arithmetic instead.
    book = _book(need=[{"from_company_size": 1, "people": 2}, {"from_company_size": 1000, "people": 40}])
    frame = _grid_frame()
    more = frame.assign(company_size=frame["company_size"] + 2_000)
    both = pd.concat([frame, more], ignore_index=True)
    assert _batch(both, book) == _one_by_one(both, book)
    assert _batch(both.head(5), book) == _one_by_one(both.head(5), book)


def test_coverage_far_above_the_largest_need_counts_as_covered_in_a_batch() -> None:
    frame = pd.DataFrame(
        [
            {
                "company_size": 50_000,
                "product_team_size": 12,
                "product_complexity": "high",
                "strategy_coverage": 40_000,
                "marketing_coverage": 3,
                "technical_coverage": 2,
            }
        ]
        * 20
    )
    # The need of the rule with 3 people per face from 10,000 people (the default needs 1).
    book = _book(need=NEED_STEPS)
    assert _batch(frame, book) == [("specialist", (False, False, True), True)] * 20
    assert _batch(frame.head(2), book) == [("specialist", (False, False, True), True)] * 2
    assert _batch(frame, Rulebook.default()) == [("specialist", (False, False, False), False)] * 20
    assert _batch(frame.head(2), Rulebook.default()) == [("specialist", (False, False, False), False)] * 2


def test_integer_and_float_columns_give_the_same_seat_in_the_kernel() -> None:
    from tpm_fit._engine.kernel import compile_rulebook

    stage = compile_rulebook(Rulebook.default()).seat
    frame = _grid_frame()
    names = ("company_size", "product_team_size", *(f"{face}_coverage" for face in FACES))
    ints = {name: frame[name].to_numpy(dtype=np.int64) for name in names}
    ints["product_complexity"] = frame["product_complexity"].map(RANK).to_numpy(dtype=np.int64)
    floats = {name: column.astype(np.float64) for name, column in ints.items()}
    n = len(frame)
    looked_up, computed = stage.batch(ints, n), stage.batch(floats, n)
    assert set(looked_up) == set(computed)
    for name in looked_up:
        assert looked_up[name].tolist() == computed[name].tolist(), name


def test_the_seat_arithmetic_over_more_than_one_block_equals_the_table() -> None:
    """70,000 rows: the arithmetic works block by block (65,536 rows each), the table at once."""
    from tpm_fit._engine.kernel import compile_rulebook

    stage = compile_rulebook(Rulebook.default()).seat
    rng = np.random.default_rng(3)
    n = 70_000
    size = rng.choice([1, 149, 150, 999, 1_000, 9_999, 10_000, 50_000], n)
    ints = {
        "company_size": size,
        "product_team_size": np.minimum(rng.integers(0, 5, n), size),
        "product_complexity": rng.integers(0, 4, n),
        **{f"{face}_coverage": np.minimum(rng.integers(0, 5, n), size) for face in FACES},
    }
    floats = {name: column.astype(np.float64) for name, column in ints.items()}
    looked_up = stage.batch(ints, n)
    computed = stage.arithmetic(floats, n)
    for name, column in computed.items():
        assert looked_up[name].tolist() == column.tolist(), name
    # The last rows (in the second block) too, compared with the scalar seat.
    for row in range(n - 3, n):
        values = {name: float(column[row]) for name, column in floats.items()}
        one = stage.one(values)
        assert computed["hire_needed"][row] == int(one.hire_needed)
        assert computed["role_shape"][row] == int(one.role_shape is tpm_fit.RoleShape.SPECIALIST)


def test_the_seat_arithmetic_takes_scalar_columns_as_every_row() -> None:
    from tpm_fit._engine.kernel import compile_rulebook
    from tpm_fit._engine.seat import SeatStage

    # The seat alone (no warning flags): the kernel's compiled stage also evaluates the
    # [[statements]] conditions, and their ramps refuse 0-d columns (TypeError in Ramp._segment).
    stage = SeatStage(Rulebook.default().seat)
    compiled = compile_rulebook(Rulebook.default()).seat
    n = 6
    size = np.array([1.0, 149.0, 150.0, 1_000.0, 10_000.0, 20_000.0])
    scalars = {
        "company_size": size,
        "product_team_size": np.float64(3.0),
        "product_complexity": np.float64(RANK["high"]),
        "strategy_coverage": np.float64(1.0),
        "marketing_coverage": np.float64(0.0),
        "technical_coverage": np.float64(2.0),
    }
    full = {name: np.broadcast_to(np.asarray(value), (n,)).copy() for name, value in scalars.items()}
    by_scalars, by_columns = stage.arithmetic(scalars, n), stage.arithmetic(full, n)
    for name, column in by_columns.items():
        assert by_scalars[name].tolist() == column.tolist(), name
    # The same seat as the kernel's compiled stage computes from full columns.
    with_flags = compiled.arithmetic(full, n)
    assert set(with_flags) >= set(by_columns)
    for name, column in by_columns.items():
        assert with_flags[name].tolist() == column.tolist(), name
    assert by_columns["seat_marketing"].tolist() == [1, 1, 1, 1, 1, 1]
    # With the technical face as open as marketing, a highly technical product takes it instead.
    tied = {**scalars, "technical_coverage": np.float64(0.0)}
    high = stage.arithmetic(tied, n)
    assert high["seat_technical"].tolist() == [1, 1, 1, 1, 1, 1]
    assert high["seat_marketing"].tolist() == [0, 0, 0, 0, 0, 0]
    moderate = stage.arithmetic({**tied, "product_complexity": np.float64(RANK["moderate"])}, n)
    assert moderate["seat_marketing"].tolist() == [1, 1, 1, 1, 1, 1]
    assert moderate["seat_technical"].tolist() == [0, 0, 0, 0, 0, 0]


# -- where the seat may change: the verifier's grid, and custom rules at small sizes ----------------


def _grid(book: Rulebook) -> Any:
    """The verifier's grid as its report gives it (the sentence check, which does not change
    the grid, left out: it would take most of the time)."""
    from tpm_fit._verify.verifier import verify_rulebook

    return verify_rulebook(book, sentence_check=False).grid


def test_the_seat_steps_are_grid_values_of_the_verifier() -> None:
    axes = {axis.input: axis.values for axis in _grid(Rulebook.default())}
    assert axes["company_size"] == (1, 149, 150, 10_000_000)
    assert axes["product_team_size"] == (0, 1, 2, 3, 10_000_000)
    for face in FACES:
        assert axes[f"{face}_coverage"] == (0, 1, 10_000_000)
    assert axes["product_complexity"] == ("low", "moderate", "high", "very_high")
    stepped = {axis.input: axis.values for axis in _grid(_book(need=NEED_STEPS))}
    assert stepped["company_size"] == (1, 149, 150, 999, 1_000, 9_999, 10_000, 10_000_000)
    for face in FACES:
        assert stepped[f"{face}_coverage"] == (0, 1, 2, 3, 10_000_000)


def test_a_custom_seat_rule_moves_the_grid_with_it() -> None:
    book = _book(
        specialist_min_company_size=2,
        specialist_min_product_team=6,
        need=[{"from_company_size": 1, "people": 1}, {"from_company_size": 500, "people": 4}],
    )
    axes = {axis.input: axis.values for axis in _grid(book)}
    # The default [[statements]] conditions (seat_split_by_size, seat_split_by_team,
    # warn_grown_without_pm) step at the rulebook's own [seat] values (seat_steps), not 150 and 3.
    assert axes["company_size"] == (1, 2, 499, 500, 10_000_000)
    assert axes["product_team_size"] == (0, 1, 5, 6, 10_000_000)
    assert axes["technical_coverage"] == (0, 1, 2, 3, 4, 10_000_000)


def test_a_seat_step_at_the_end_of_the_range_is_on_the_grid_once() -> None:
    book = _book(need=[{"from_company_size": 1, "people": 1}, {"from_company_size": 10_000_000, "people": 2}])
    axes = {axis.input: axis.values for axis in _grid(book)}
    assert axes["company_size"] == (1, 149, 150, 9_999_999, 10_000_000)


@pytest.mark.parametrize(("min_size", "min_team"), [(2, 2), (1, 1), (150, 1), (2, 10), (3, 2)])
def test_seat_rules_with_low_thresholds_give_the_same_seat_in_a_batch(min_size: int, min_team: int) -> None:
    book = _book(specialist_min_company_size=min_size, specialist_min_product_team=min_team)
    frame = _grid_frame()
    assert _batch(frame, book) == _one_by_one(frame, book)
    small = frame[frame["company_size"] <= 3]
    assert _batch(small.head(8), book) == _one_by_one(small.head(8), book)


# -- conditions computed with the seat: kept only where the seat's classes decide them ---------


def _ramp(name: str, points: list[list[float]]) -> Any:
    return Ramp.model_validate({"kind": "ramp", "input": name, "points": points})


def _levels(name: str, values: dict[str, float]) -> Any:
    return Levels.model_validate({"kind": "levels", "input": name, "values": values})


def _kept(book: Rulebook, conditions: dict[str, Any]) -> set[str]:
    stage = SeatStage(book.seat, {name: (condition, 0.5) for name, condition in conditions.items()})
    return set(stage.flags)


def test_a_ramp_is_computed_with_the_seat_only_if_it_steps_where_a_seat_class_starts() -> None:
    # Default rule: classes start at 150 people, at 1 and 3 PMs, and at a coverage of 1.
    conditions = {
        "at_150": _ramp("company_size", [[149, 0.0], [150, 1.0]]),
        "at_100": _ramp("company_size", [[99, 0.0], [100, 1.0]]),
        "sloped": _ramp("company_size", [[100, 0.0], [150, 1.0]]),
        "flat": _ramp("company_size", [[10, 0.5], [500, 0.5]]),
        "first_pm": _ramp("product_team_size", [[0, 0.0], [1, 1.0]]),
        "three_pms": _ramp("product_team_size", [[2, 1.0], [3, 0.0]]),
        "two_pms": _ramp("product_team_size", [[1, 0.0], [2, 1.0]]),
        "covered": _ramp("technical_coverage", [[0, 1.0], [1, 0.0]]),
        "twice_covered": _ramp("technical_coverage", [[1, 1.0], [2, 0.0]]),
    }
    assert _kept(Rulebook.default(), conditions) == {"at_150", "flat", "first_pm", "three_pms", "covered"}
    # A rule that needs two people per face from 1,000 people: 1,000 and a coverage of 2 are cuts.
    grown = _book(need=NEED_STEPS[:2])
    assert _kept(grown, conditions) == {"at_150", "flat", "first_pm", "three_pms", "covered", "twice_covered"}
    at_1000 = {"at_1000": _ramp("company_size", [[999, 0.0], [1000, 1.0]])}
    assert (_kept(Rulebook.default(), at_1000), _kept(grown, at_1000)) == (set(), {"at_1000"})
    # An integer input the seat does not read (none yet: the guard for one added later).
    unread = Ramp.model_construct(kind="ramp", input="office_count", points=((1.0, 0.0), (2.0, 1.0)))
    assert _kept(Rulebook.default(), {"unread": unread}) == set()
    # A team threshold of 1 leaves one cut, at 1 PM.
    assert _kept(_book(specialist_min_product_team=1), conditions) == {
        "at_150",
        "flat",
        "first_pm",
        "covered",
    }


def test_levels_are_computed_with_the_seat_if_they_read_its_outputs_or_split_at_the_complexity_rank() -> None:
    complexity = dict.fromkeys(("low", "moderate"), 0.0) | dict.fromkeys(("high", "very_high"), 1.0)
    conditions = {
        "specialist": _levels("role_shape", {"generalist": 0.0, "specialist": 1.0}),
        "technical_open": _levels("seat_technical", {"no": 0.0, "yes": 1.0}),
        "at_the_rank": _levels("product_complexity", complexity),
        "within_a_side": _levels("product_complexity", {**complexity, "very_high": 0.5}),
        "below_the_rank": _levels("product_complexity", {**complexity, "moderate": 1.0}),
        "capability": _levels(
            "engineering_capability", {"developing": 1.0, "established": 0.0, "strong": 0.0}
        ),
        # Constant on either side of the complexity rank's position, but not product_complexity.
        "capability_split": _levels(
            "engineering_capability", {"developing": 0.0, "established": 0.0, "strong": 1.0}
        ),
        "both": AllOf.model_validate(
            {"kind": "all_of", "of": [conditions_part("role_shape"), conditions_part("product_complexity")]}
        ),
        "one_of_two": AnyOf.model_validate(
            {
                "kind": "any_of",
                "of": [conditions_part("role_shape"), conditions_part("engineering_capability")],
            }
        ),
    }
    kept = {"specialist", "technical_open", "at_the_rank", "both"}
    assert _kept(Rulebook.default(), conditions) == kept
    # Without a complexity rank the seat never reads product_complexity: only its own outputs.
    assert _kept(_book(technical_first_from=None), conditions) == {"specialist", "technical_open"}


def conditions_part(name: str) -> dict[str, Any]:
    """TOML data of a two-valued levels condition over ``name`` (split at the complexity rank)."""
    values = {
        "role_shape": {"generalist": 0.0, "specialist": 1.0},
        "product_complexity": {"low": 0.0, "moderate": 0.0, "high": 1.0, "very_high": 1.0},
        "engineering_capability": {"developing": 1.0, "established": 0.0, "strong": 0.0},
    }[name]
    return {"kind": "levels", "input": name, "values": values}


def test_open_code_is_the_position_of_the_order_in_open_seats() -> None:
    assert [open_code(order) for order in OPEN_SEATS] == list(range(len(OPEN_SEATS)))
    assert len(OPEN_SEATS) == 16  # no face, 3 of one, 6 of two, 6 of three
    assert open_code(()) == 0


# -- the order of open seats: furthest below the need first, then the tie order -----------------

#: (complexity, strategy, marketing, technical coverage) -> open seats, with two people per face.
OPEN_ORDERS = {
    ("moderate", 1, 0, 1): ("marketing", "strategy", "technical"),
    ("high", 1, 0, 1): ("marketing", "technical", "strategy"),
    ("moderate", 0, 1, 1): ("strategy", "marketing", "technical"),
    ("high", 0, 1, 1): ("strategy", "technical", "marketing"),
    ("moderate", 1, 0, 2): ("marketing", "strategy"),
    ("high", 2, 1, 0): ("technical", "marketing"),
}


def test_open_seats_are_ordered_by_gap_then_tie_order_one_by_one_and_in_a_batch() -> None:
    book = _book(need=NEED_STEPS[:2])
    rows = [
        {
            "company_size": 1_000,
            "product_team_size": 3,
            "product_complexity": complexity,
            "strategy_coverage": strategy,
            "marketing_coverage": marketing,
            "technical_coverage": technical,
        }
        for complexity, strategy, marketing, technical in OPEN_ORDERS
    ]
    one_by_one = [tuple(face.value for face in recommend(row, rulebook=book).open_seats) for row in rows]
    assert one_by_one == list(OPEN_ORDERS.values())
    scored = recommend_many(pd.DataFrame(rows * 5), rulebook=book)  # many rows: the vectorised path
    assert (
        scored["open_seats"].astype(str).tolist() == [",".join(order) for order in OPEN_ORDERS.values()] * 5
    )


def test_a_condition_computed_with_the_seat_holds_from_exactly_its_minimum() -> None:
    half = _levels("role_shape", {"generalist": 0.0, "specialist": 0.5})
    stage = SeatStage(Rulebook.default().seat, {"flag": (half, 0.5), "never": (half, 0.75)})
    columns = {
        "company_size": np.array([10, 200, 40]),
        "product_team_size": np.array([1, 3, 3]),
        "product_complexity": np.array([2, 2, 0]),
        **{f"{face}_coverage": np.array([0, 0, 0]) for face in FACES},
    }
    out = stage.arithmetic(columns, 3)
    assert (out["role_shape"].tolist(), out["flag"].tolist(), out["never"].tolist()) == (
        [0, 1, 1],
        [0, 1, 1],
        [0, 0, 0],
    )
    # A tolerance of 1e-9 below the minimum, inclusive.
    edge = _levels("role_shape", {"generalist": 0.0, "specialist": 0.5 - 1e-9})
    assert SeatStage(Rulebook.default().seat, {"edge": (edge, 0.5)}).arithmetic(columns, 3)[
        "edge"
    ].tolist() == [
        0,
        1,
        1,
    ]


def test_a_condition_computed_with_the_seat_over_more_than_one_block_of_rows() -> None:
    half = _levels("role_shape", {"generalist": 0.0, "specialist": 0.5})
    stage = SeatStage(Rulebook.default().seat, {"flag": (half, 0.5)})
    n = _BLOCK_ROWS + 5
    sizes = np.where(np.arange(n) % 2 == 0, 10, 200)
    columns = {
        "company_size": sizes,
        "product_team_size": np.ones(n, dtype=np.int64),
        "product_complexity": np.full(n, 2),
        **{f"{face}_coverage": np.zeros(n, dtype=np.int64) for face in FACES},
    }
    out = stage.arithmetic(columns, n)
    assert out["flag"].tolist() == (sizes >= 150).astype(np.int8).tolist()


# -- the seat of one profile: the complexity rule's flag, and the need of float sizes -------------


def _one(stage: SeatStage, complexity: str, size: int, team: int, coverage: tuple[int, int, int]) -> Any:
    values: dict[str, float] = {
        "company_size": size,
        "product_team_size": team,
        "product_complexity": RANK[complexity],
        **{f"{face}_coverage": count for face, count in zip(FACES, coverage, strict=True)},
    }
    return stage.one(values)


def test_the_complexity_rule_is_said_to_decide_only_a_specialist_tie_it_broke() -> None:
    """``technical_first`` is True only when the technical face won a tie through the
    complexity rule: never for a generalist seat, nor when no hire is needed, nor when the
    technical face was the only face open."""
    stage = SeatStage(Rulebook.default().seat)
    tie = _one(stage, "very_high", 200, 1, (0, 0, 0))
    assert (tie.seat, tie.technical_first) == ((tpm_fit.Face.TECHNICAL,), True)
    alone = _one(stage, "very_high", 200, 1, (1, 1, 0))
    assert (alone.seat, alone.technical_first) == ((tpm_fit.Face.TECHNICAL,), False)
    order = _one(stage, "low", 200, 1, (0, 0, 0))
    assert (order.seat, order.technical_first) == ((tpm_fit.Face.STRATEGY,), False)
    generalist = _one(stage, "very_high", 20, 1, (0, 0, 0))
    assert generalist.role_shape is tpm_fit.RoleShape.GENERALIST
    assert (len(generalist.seat), generalist.technical_first) == (3, False)
    covered = _one(stage, "very_high", 200, 1, (1, 1, 1))
    assert (covered.seat, covered.hire_needed, covered.technical_first) == ((), False, False)


def test_the_need_of_float_sizes_is_the_step_each_size_has_reached() -> None:
    """The verifier reads sizes as floats: the need is looked up by binary search, the people of
    the last step whose size the company has reached (as for whole-number sizes)."""
    stage = SeatStage(_book(need=NEED_STEPS).seat)
    sizes = [1, 999, 1_000, 9_999, 10_000, 10_000_000]
    expected = [1, 1, 2, 2, 3, 3]
    floats = stage.need_batch(np.asarray(sizes, dtype=np.float64))
    assert floats.dtype == np.float64
    assert floats.tolist() == expected
    assert stage.need_batch(np.asarray(sizes, dtype=np.int64)).tolist() == expected
    assert [stage.need_at(size) for size in sizes] == expected


def test_the_seat_s_own_breakpoints_are_where_its_thresholds_and_needs_step() -> None:
    """The seat alone, without the statements' conditions that add the same values to the
    verifier's grid: its team steps at 1 (a first PM) and at the split team, each with the
    value just below; sizes at the split size and each need step; coverage at every count
    up to the largest need."""
    default = SeatStage(Rulebook.default().seat)
    assert default.breakpoints("product_team_size") == {0, 1, 2, 3}
    assert default.breakpoints("company_size") == {149, 150}
    assert default.breakpoints("technical_coverage") == {0, 1}
    custom = SeatStage(
        _book(specialist_min_company_size=2, specialist_min_product_team=6, need=NEED_STEPS).seat
    )
    assert custom.breakpoints("product_team_size") == {0, 1, 5, 6}
    assert custom.breakpoints("company_size") == {1, 2, 999, 1_000, 9_999, 10_000}
    assert custom.breakpoints("strategy_coverage") == {0, 1, 2, 3}
    assert SeatStage(_book(specialist_min_product_team=1).seat).breakpoints("product_team_size") == {0, 1}


def test_without_the_complexity_rule_the_tie_order_alone_decides_in_a_batch_too() -> None:
    """``technical_first_from = None``: even a very highly technical product leaves a tie to the
    declared order, row by row and through the seat table."""
    book = _book(technical_first_from=None)
    frame = pd.DataFrame(
        {
            "company_size": [200, 200, 200, 20],
            "product_team_size": [1, 1, 1, 1],
            "product_complexity": ["low", "high", "very_high", "very_high"],
        }
    )
    scored = recommend_many(frame, rulebook=book)
    assert scored["seat.strategy"].tolist() == [True, True, True, True]
    assert scored["seat.technical"].tolist() == [False, False, False, True]
    for row, (_, out) in zip(frame.to_dict("records"), scored.iterrows(), strict=True):
        result = recommend(row, rulebook=book)
        assert [face.value for face in result.seat] == [f for f in FACES if out[f"seat.{f}"]]
    # The default rule puts the technical face first from a high product on.
    default = recommend_many(frame)
    assert default["seat.technical"].tolist() == [False, True, True, True]


@pytest.mark.parametrize("first_from", ["low", "moderate", "high", "very_high", None])
def test_the_technical_face_wins_a_tie_from_exactly_the_declared_complexity_in_a_batch(
    first_from: str | None,
) -> None:
    """A specialist seat with every face open: the technical face goes first from the rule's
    ``technical_first_from`` on, and the tie order (strategy first) decides below it, through
    the seat table as for one profile."""
    book = _book(technical_first_from=first_from)
    levels = list(RANK)
    frame = pd.DataFrame({"company_size": 200, "product_team_size": 1, "product_complexity": levels})
    scored = recommend_many(frame, rulebook=book)
    start = len(levels) if first_from is None else RANK[first_from]
    expected = ["technical" if RANK[level] >= start else "strategy" for level in levels]
    found = [next(f for f in FACES if row[f"seat.{f}"]) for _, row in scored.iterrows()]
    assert found == expected
    assert [recommend(row, rulebook=book).seat[0].value for row in frame.to_dict("records")] == expected


# -- the seat's sentences: the plan of open seats, and the warnings' numbers ----------------------


def test_the_plan_of_open_seats_is_said_exactly_when_more_than_one_face_is_open() -> None:
    plan = "Open seats, in the order to fill them: "
    two = recommend(company_size=1_234, product_team_size=3, product_complexity="high", strategy_coverage=1)
    assert len(two.open_seats) == 2
    assert f"{plan}technical (0 of 1) and marketing (0 of 1);" in two.need_reason
    one = recommend(
        company_size=1_234,
        product_team_size=3,
        product_complexity="high",
        strategy_coverage=1,
        marketing_coverage=1,
    )
    assert len(one.open_seats) == 1
    assert plan not in one.need_reason
    generalist = recommend(company_size=40, product_team_size=1, product_complexity="high")
    assert len(generalist.open_seats) == 3
    assert plan not in generalist.need_reason  # one person wears every hat: no plan of seats


def test_the_warnings_name_the_company_s_size_and_its_pms() -> None:
    grown = recommend(company_size=1_234, product_team_size=0, product_complexity="high")
    assert grown.warnings == (
        "A company of 1,234 with no PM on staff is unusual (check product_team_size), so the plan "
        "fills one face now and lists the others as open seats, not as hats for one person.",
    )
    uncovered = recommend(company_size=60, product_team_size=2, product_complexity="high")
    assert len(uncovered.warnings) == 1
    assert uncovered.warnings[0].startswith("2 PMs on staff, yet nobody is counted as covering any face")
