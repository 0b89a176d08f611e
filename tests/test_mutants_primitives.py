"""The activation primitives pinned where mutation testing (tools/mutate.py) found them loose.

Exact values at, between and beyond breakpoints, in the scalar twin and the batch form (all three
ramp evaluators: two points, a few segments, many segments); the combinations and their shared
``combine``; breakpoints, work, descriptions, reversed and redrawn data; and the validators'
refusals with their locations.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pytest
from pydantic import Field

from tpm_fit import Rulebook, RulebookError
from tpm_fit._model.primitives import (
    MAX_NESTING,
    AllOf,
    AnyOf,
    Levels,
    Primitive,
    Ramp,
    compile_activation,
    primitive_kind,
    walk,
)


def _ramp(points: list[list[float]], name: str = "company_size") -> Ramp:
    return Ramp.model_validate({"kind": "ramp", "input": name, "points": points})


def _levels(values: dict[str, float], name: str = "product_complexity") -> Levels:
    return Levels.model_validate({"kind": "levels", "input": name, "values": values})


COMPLEXITY = {"low": 0.0, "moderate": 0.25, "high": 0.5, "very_high": 1.0}
CAPABILITY = {"developing": 1.0, "established": 0.5, "strong": 0.0}


def _both(primitive: Any, column: str, xs: list[float]) -> tuple[list[float], list[float]]:
    """(scalar twin, batch form) over ``xs`` of input ``column``."""
    node = compile_activation(primitive)
    level = isinstance(primitive, Levels)
    scalar = [node.one({column: int(x) if level else x}) for x in xs]
    batch = node.batch({column: np.asarray(xs, dtype=np.int64 if level else np.float64)}).tolist()
    return scalar, batch


# -- ramps: every evaluator, exactly ---------------------------------------------------------------

RAMPS = {
    "two points": (
        [[10, 0.0], [30, 1.0]],
        {1: 0.0, 10: 0.0, 15: 0.25, 20: 0.5, 30: 1.0, 31: 1.0, 500: 1.0},
    ),
    "three segments": (
        [[0, 1.0], [4, 0.0], [8, 0.5], [10, 0.25]],
        {0: 1.0, 1: 0.75, 2: 0.5, 4: 0.0, 6: 0.25, 8: 0.5, 9: 0.375, 10: 0.25, 99: 0.25},
    ),
    "six segments": (
        [[0, 0.0], [2, 1.0], [4, 0.0], [6, 1.0], [8, 0.0], [10, 1.0], [12, 0.5]],
        {0: 0.0, 1: 0.5, 2: 1.0, 3: 0.5, 4: 0.0, 5: 0.5, 6: 1.0, 9: 0.5, 11: 0.75, 12: 0.5, 40: 0.5},
    ),
}


@pytest.mark.parametrize("name", sorted(RAMPS))
def test_ramps_give_exact_values_in_both_twins(name: str) -> None:
    points, expected = RAMPS[name]
    ramp = _ramp(points, "technical_coverage")
    xs = [float(x) for x in expected]
    scalar, batch = _both(ramp, "technical_coverage", xs)
    assert scalar == list(expected.values())
    assert batch == list(expected.values())


def test_a_ramp_below_its_first_point_is_flat() -> None:
    ramp = _ramp([[10, 0.25], [20, 0.75], [30, 0.5]])
    scalar, batch = _both(ramp, "company_size", [1.0, 9.0, 10.0])
    assert scalar == batch == [0.25, 0.25, 0.25]


def test_ramp_domain_is_its_first_and_last_point() -> None:
    node = compile_activation(_ramp([[3, 0.0], [7, 1.0], [12, 0.0]]))
    assert node.domain() == {"company_size": (3, 12)}  # type: ignore[attr-defined]


def test_ramp_breakpoints_work_and_description() -> None:
    ramp = _ramp([[10, 1.0], [150, 0.0], [1000, 0.5]])
    assert ramp.breakpoints("company_size") == frozenset({10, 150, 1000})
    assert ramp.breakpoints("product_team_size") == frozenset()
    assert ramp.inputs() == frozenset({"company_size"})
    assert ramp.children() == ()
    assert ramp.work() == 3
    assert ramp.describe() == "ramp(company_size: 10→1, 150→0, 1000→0.5)"
    assert _ramp([[1, -0.0], [2, 1.0]]).describe() == "ramp(company_size: 1→0, 2→1)"


def test_ramp_reversed_data_turns_the_heights_around() -> None:
    ramp = _ramp([[10, 1.0], [150, 0.25], [1000, 0.0]])
    assert ramp.reversed_data() == {
        "kind": "ramp",
        "input": "company_size",
        "points": [[10.0, 0.0], [150.0, 0.25], [1000.0, 1.0]],
    }


class _Source:
    """A DrawSource that records what it was asked for."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, int, int]] = []
        self.drawn = 0

    def unit(self) -> float:
        self.drawn += 1
        return self.drawn / 8

    def whole_numbers(self, low: int, high: int, count: int) -> list[int]:
        self.asked.append((low, high, count))
        return list(range(low, low + count))


def test_ramp_redrawn_data_keeps_its_input_and_point_count_near_the_range_start() -> None:
    source = _Source()
    data = _ramp([[10, 1.0], [150, 0.0], [1000, 0.5]]).redrawn_data(source)
    assert source.asked == [(1, 301, 3)]
    assert data == {
        "kind": "ramp",
        "input": "company_size",
        "points": [[1.0, 0.125], [2.0, 0.25], [3.0, 0.375]],
    }
    small = _Source()
    _ramp([[0, 1.0], [2, 0.0]], "technical_coverage").redrawn_data(small)
    assert small.asked == [(0, 300, 2)]


@pytest.mark.parametrize(
    ("points", "where", "message"),
    [
        ([[1.5, 0.0], [4, 1.0]], "points[0][0]", "x=1.5: not a whole number in the range of company_size"),
        ([[0, 0.0], [4, 1.0]], "points[0][0]", "x=0.0: not a whole number in the range of company_size"),
        ([[1, 0.0], [10_000_001, 1.0]], "points[1][0]", "not a whole number in the range"),
        ([[1, 0.0], [1, 1.0]], "points[1][0]", "x=1: not greater than points[0] x=1"),
        ([[1, 0.0], [5, 1.0], [4, 1.0]], "points[2][0]", "x=4: not greater than points[1] x=5"),
    ],
)
def test_ramp_points_are_refused_with_their_location(
    points: list[list[float]], where: str, message: str
) -> None:
    data = Rulebook.default().model_dump(mode="json")
    data["factors"][1]["activation"] = {"kind": "ramp", "input": "company_size", "points": points}
    with pytest.raises(RulebookError) as caught:
        Rulebook.from_mapping(data)
    assert caught.value.location == f"factors[1].activation.{where}"
    assert message in caught.value.message


def test_ramp_points_at_both_ends_of_the_range_are_accepted() -> None:
    ramp = _ramp([[1, 0.0], [10_000_000, 1.0]])
    assert ramp.breakpoints("company_size") == frozenset({1, 10_000_000})
    scalar, batch = _both(ramp, "company_size", [1.0, 10_000_000.0])
    assert scalar == batch == [0.0, 1.0]


def test_a_ramp_over_a_level_input_is_refused_naming_the_integer_inputs() -> None:
    with pytest.raises(ValueError, match="not an integer input; valid: company_size"):
        _ramp([[0, 0.0], [1, 1.0]], "product_complexity")


# -- levels --------------------------------------------------------------------------------------


def test_levels_look_up_each_level_in_both_twins() -> None:
    levels = _levels(COMPLEXITY)
    scalar, batch = _both(levels, "product_complexity", [0, 1, 2, 3])
    assert scalar == batch == [0.0, 0.25, 0.5, 1.0]
    node = compile_activation(levels)
    assert node.domain() == {"product_complexity": (0, 3)}  # type: ignore[attr-defined]
    assert node.batch({"product_complexity": np.array([3, 0], dtype=np.int8)}).tolist() == [1.0, 0.0]


def test_levels_store_their_values_in_level_order() -> None:
    shuffled = _levels({"very_high": 1.0, "low": 0.0, "high": 0.5, "moderate": 0.25})
    assert list(shuffled.values) == ["low", "moderate", "high", "very_high"]
    assert shuffled == _levels(COMPLEXITY)


def test_levels_parts() -> None:
    levels = _levels(COMPLEXITY)
    assert levels.breakpoints("product_complexity") == frozenset()
    assert levels.inputs() == frozenset({"product_complexity"})
    assert levels.children() == ()
    assert levels.work() == 1
    assert levels.describe() == "levels(product_complexity: low 0, moderate 0.25, high 0.5, very_high 1)"
    assert levels.reversed_data() == {
        "kind": "levels",
        "input": "product_complexity",
        "values": {"low": 1.0, "moderate": 0.5, "high": 0.25, "very_high": 0.0},
    }
    assert levels.redrawn_data(_Source()) == {
        "kind": "levels",
        "input": "product_complexity",
        "values": {"low": 0.125, "moderate": 0.25, "high": 0.375, "very_high": 0.5},
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"low": 0.0, "moderate": 0.1, "high": 0.2}, "missing ['very_high']"),
        ({**COMPLEXITY, "extreme": 1.0}, "unknown ['extreme']"),
    ],
)
def test_levels_must_name_exactly_the_levels(values: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=r"must give exactly the levels") as caught:
        _levels(values)
    assert message in str(caught.value)


def test_levels_over_an_integer_input_are_refused() -> None:
    with pytest.raises(ValueError, match="not an ordered or derived input; valid: "):
        _levels({"a": 1.0}, "company_size")


# -- combinations ----------------------------------------------------------------------------------


def _all_of(*terms: Any) -> AllOf:
    return AllOf.model_validate({"kind": "all_of", "of": [t.model_dump() for t in terms]})


def _any_of(*terms: Any) -> AnyOf:
    return AnyOf.model_validate({"kind": "any_of", "of": [t.model_dump() for t in terms]})


def _grid() -> dict[str, np.ndarray]:
    complexity, capability, coverage = np.meshgrid(
        np.arange(4), np.arange(3), np.array([0.0, 1.0, 2.0, 3.0, 4.0]), indexing="ij"
    )
    return {
        "product_complexity": complexity.ravel(),
        "engineering_capability": capability.ravel(),
        "technical_coverage": coverage.ravel(),
    }


THREE = (
    _levels(COMPLEXITY),
    _levels(CAPABILITY, "engineering_capability"),
    _ramp([[0, 1.0], [4, 0.0]], "technical_coverage"),
)


@pytest.mark.parametrize("count", [2, 3])
def test_all_of_is_the_product_and_any_of_the_probabilistic_sum(count: int) -> None:
    terms = THREE[:count]
    columns = _grid()
    n = len(columns["product_complexity"])
    parts = [compile_activation(t).batch(columns) for t in terms]
    product = np.prod(parts, axis=0)
    union = 1.0 - np.prod([1.0 - p for p in parts], axis=0)
    for combination, expected in ((_all_of(*terms), product), (_any_of(*terms), union)):
        node = compile_activation(combination)
        batch = node.batch(columns)
        np.testing.assert_allclose(batch, expected, rtol=0, atol=1e-15)
        rows = [{name: float(col[i]) for name, col in columns.items()} for i in range(n)]
        for name in ("product_complexity", "engineering_capability"):
            for row in rows:
                row[name] = int(row[name])
        assert [node.one(row) for row in rows] == batch.tolist()
        # combine(): the same result from already evaluated terms, which it must not change.
        evaluated = [compile_activation(t).batch(columns) for t in terms]
        copies = [e.copy() for e in evaluated]
        assert node.combine(evaluated).tolist() == batch.tolist()  # type: ignore[attr-defined]
        assert all((a == b).all() for a, b in zip(evaluated, copies, strict=True))


def test_combinations_report_their_parts() -> None:
    ramp = _ramp([[0, 1.0], [2, 0.5], [4, 0.0]], "technical_coverage")
    both = _all_of(_levels(COMPLEXITY), _any_of(_levels(CAPABILITY, "engineering_capability"), ramp))
    assert both.inputs() == frozenset({"product_complexity", "engineering_capability", "technical_coverage"})
    assert both.breakpoints("technical_coverage") == frozenset({0, 2, 4})
    assert both.breakpoints("company_size") == frozenset()
    assert both.work() == 1 + 1 + 3
    assert [type(p).__name__ for p in walk(both)] == ["AllOf", "Levels", "AnyOf", "Levels", "Ramp"]
    assert both.describe() == (
        "levels(product_complexity: low 0, moderate 0.25, high 0.5, very_high 1) × any of ("
        "levels(engineering_capability: developing 1, established 0.5, strong 0); "
        "ramp(technical_coverage: 0→1, 2→0.5, 4→0))"
    )
    node = compile_activation(both)
    assert node.domain() == {  # type: ignore[attr-defined]
        "product_complexity": (0, 3),
        "engineering_capability": (0, 2),
        "technical_coverage": (0, 4),
    }
    reversed_data = both.reversed_data()
    assert reversed_data["kind"] == "all_of"
    assert reversed_data["of"][1]["kind"] == "any_of"
    assert reversed_data["of"][1]["of"][1]["points"] == [[0.0, 0.0], [2.0, 0.5], [4.0, 1.0]]
    redrawn = both.redrawn_data(_Source())
    assert [term["kind"] for term in redrawn["of"]] == ["levels", "any_of"]


def test_a_combination_reading_an_input_twice_is_refused_at_that_term() -> None:
    data = Rulebook.default().model_dump(mode="json")
    data["factors"][1]["activation"] = {
        "kind": "any_of",
        "of": [
            {"kind": "ramp", "input": "technical_coverage", "points": [[0, 1.0], [1, 0.0]]},
            {"kind": "levels", "input": "product_complexity", "values": COMPLEXITY},
            {"kind": "ramp", "input": "technical_coverage", "points": [[0, 1.0], [2, 0.0]]},
        ],
    }
    with pytest.raises(RulebookError) as caught:
        Rulebook.from_mapping(data)
    assert caught.value.location == "factors[1].activation.of[2]"
    assert "reads ['technical_coverage'] again" in caught.value.message


def _nested(depth: int) -> dict[str, Any]:
    """A chain of combinations ``depth`` deep, each with a fresh input in its other term."""
    inputs = ["company_size", "product_team_size", "strategy_coverage", "marketing_coverage"]
    inputs += ["technical_coverage", "product_complexity", "engineering_capability"]
    leaf: dict[str, Any] = {"kind": "levels", "input": "industry_tech_intensity", "values": {}}
    leaf["values"] = {"low": 0.0, "moderate": 0.5, "high": 1.0}
    node = leaf
    for name in inputs[:depth]:
        if name in ("product_complexity",):
            other: dict[str, Any] = {"kind": "levels", "input": name, "values": COMPLEXITY}
        elif name == "engineering_capability":
            other = {"kind": "levels", "input": name, "values": CAPABILITY}
        else:
            other = {"kind": "ramp", "input": name, "points": [[1, 0.0], [2, 1.0]]}
        node = {"kind": "all_of", "of": [other, node]}
    return node


def test_combinations_nest_at_most_the_limit() -> None:
    deepest = AllOf.model_validate(_nested(MAX_NESTING))
    assert len([p for p in walk(deepest) if p.children()]) == MAX_NESTING
    with pytest.raises(ValueError, match=f"combinations may nest at most {MAX_NESTING} deep"):
        AllOf.model_validate(_nested(MAX_NESTING + 1))


def test_a_combination_needs_two_terms() -> None:
    with pytest.raises(ValueError, match="at least 2 items"):
        AllOf.model_validate({"kind": "all_of", "of": [_levels(COMPLEXITY).model_dump()]})


def test_a_ramp_takes_at_most_64_points() -> None:
    points = [[x, 0.5] for x in range(1, 65)]
    assert _ramp(points).work() == 64
    with pytest.raises(ValueError, match="at most 64 items"):
        _ramp([*points, [65, 0.5]])


def test_a_combination_takes_at_most_16_terms() -> None:
    term = _levels(COMPLEXITY).model_dump()
    with pytest.raises(ValueError, match="at most 16 items"):
        AllOf.model_validate({"kind": "all_of", "of": [term] * 17})
    with pytest.raises(ValueError, match="reads \\['product_complexity'\\] again"):
        AllOf.model_validate({"kind": "all_of", "of": [term] * 16})  # 16 is allowed by length


def test_primitives_are_frozen() -> None:
    from pydantic import ValidationError

    ramp = _ramp([[1, 0.0], [2, 1.0]])
    with pytest.raises(ValidationError, match="frozen"):
        ramp.input = "product_team_size"
    assert ramp.input == "company_size"


def test_primitives_refuse_unknown_fields() -> None:
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        Ramp.model_validate(
            {"kind": "ramp", "input": "company_size", "points": [[1, 0.0], [2, 1.0]], "slope": 1}
        )


# -- drawn data: what each kind asks its source for ---------------------------------------------


class _ActivationSource(_Source):
    """An ActivationSource that records its counts and hands out fixed inputs and terms."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: list[tuple[int, int]] = []

    def integer_input(self) -> str:
        return "company_size"

    def level_input(self) -> str:
        return "product_complexity"

    def count(self, low: int, high: int) -> int:
        self.counts.append((low, high))
        return low

    def activation(self) -> dict[str, Any]:
        return {"kind": "levels", "input": "product_complexity", "values": dict(COMPLEXITY)}


def test_drawn_data_of_each_kind_asks_for_its_point_and_term_counts() -> None:
    source = _ActivationSource()
    assert Ramp.drawn_data(source) == {
        "kind": "ramp",
        "input": "company_size",
        "points": [[1.0, 0.125], [2.0, 0.25]],
    }
    assert (source.counts, source.asked) == ([(2, 6)], [(1, 301, 2)])
    levels = Levels.drawn_data(source)
    assert levels == {
        "kind": "levels",
        "input": "product_complexity",
        "values": {"low": 0.375, "moderate": 0.5, "high": 0.625, "very_high": 0.75},
    }
    term = source.activation()
    for cls, tag in ((AllOf, "all_of"), (AnyOf, "any_of")):
        source.counts.clear()
        assert cls.drawn_data(source) == {"kind": tag, "of": [term, term]}
        assert source.counts == [(2, 3)]


# -- the class-creation check: a primitive declares a kind with one tag and every part ----------


class _Complete:
    """Every part of a primitive, for classes that test the kind check alone."""

    def inputs(self) -> frozenset[str]:
        return frozenset()

    def children(self) -> tuple[Primitive, ...]:
        return ()

    def breakpoints(self, name: str) -> frozenset[int]:
        return frozenset()

    def work(self) -> int:
        return 1

    def describe(self) -> str:
        return "complete"

    def compile(self, terms: Any) -> Any:
        raise NotImplementedError

    def reversed_data(self) -> dict[str, Any]:
        return {}

    def redrawn_data(self, source: Any) -> dict[str, Any]:
        return {}

    @classmethod
    def drawn_data(cls, source: Any) -> dict[str, Any]:
        return {}


def test_an_abstract_base_without_kind_is_allowed_and_a_complete_one_is_refused() -> None:
    class Base(Primitive):  # parts left abstract, no kind: a base shared by primitives
        pass

    assert Base.__abstractmethods__
    with pytest.raises(TypeError) as refused:

        class Kindless(_Complete, Primitive):
            pass

    assert str(refused.value) == "primitive Kindless: declares no kind (kind: Literal['<tag>'])"


def test_a_kind_must_be_one_string_tag() -> None:
    with pytest.raises(TypeError) as two:

        class TwoTags(_Complete, Primitive):
            kind: Literal["a", "b"] = Field(description="Discriminator.")

    assert str(two.value) == "primitive TwoTags: kind must be Literal['<tag>'] with one tag, not ('a', 'b')"
    with pytest.raises(TypeError) as number:

        class NumberTag(_Complete, Primitive):
            kind: Literal[1] = Field(description="Discriminator.")

    assert str(number.value) == "primitive NumberTag: kind must be Literal['<tag>'] with one tag, not (1,)"

    class OneTag(_Complete, Primitive):
        kind: Literal["one_tag"] = Field(description="Discriminator.")

    assert primitive_kind(OneTag) == "one_tag"


def test_a_primitive_missing_parts_is_refused_naming_them() -> None:
    with pytest.raises(TypeError) as refused:

        class Partial(Primitive):
            kind: Literal["partial"] = Field(description="Discriminator.")

            def inputs(self) -> frozenset[str]:
                return frozenset()

    assert str(refused.value) == (
        "primitive Partial (kind 'partial') does not declare breakpoints, children, compile, "
        "describe, drawn_data, redrawn_data, reversed_data, work; every part of Primitive is "
        "required (see docs/architecture.md)"
    )
