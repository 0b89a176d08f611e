"""Hostile or broken rulebooks fail fast with a located RulebookError, never hang, never run code."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import tpm_fit._model.loading as rulebook_module
from tpm_fit import Rulebook, RulebookError, TpmFitError

# A fixed rulebook whose places the tests point at (factors[0] is a level table, factors[7] a
# ramp, factors[1] a combination), independent of the shipped default.
SAMPLE = Rulebook.load(Path(__file__).parent / "data" / "sample_rulebook.toml")
DEFAULT_TOML = SAMPLE.to_toml()
DEFAULT_DATA: dict[str, Any] = SAMPLE.model_dump(mode="json")


@contextmanager
def _fast(seconds: float = 1.0) -> Iterator[None]:
    started = time.perf_counter()
    yield
    assert time.perf_counter() - started < seconds


def _error_from_toml(text: str | bytes) -> RulebookError:
    with _fast(), pytest.raises(RulebookError) as info:
        Rulebook.from_toml(text)
    return info.value


def _error_from(edit: Callable[[dict[str, Any]], object]) -> RulebookError:
    data = copy.deepcopy(DEFAULT_DATA)
    edit(data)
    with _fast(), pytest.raises(RulebookError) as info:
        Rulebook.from_mapping(data)
    return info.value


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """An edit that sets ``factors.0.weight``-style paths (list indices as numbers)."""

    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


def test_default_round_trip_is_unchanged() -> None:
    again = Rulebook.from_toml(DEFAULT_TOML)
    assert again == SAMPLE
    assert again.fingerprint == SAMPLE.fingerprint
    shipped = Rulebook.from_toml(Rulebook.default().to_toml())
    assert shipped == Rulebook.default()
    assert shipped.fingerprint == Rulebook.default().fingerprint


def test_rulebook_error_is_a_value_error_and_a_tpm_fit_error() -> None:
    error = _error_from_toml("not toml at all [")
    assert isinstance(error, ValueError)
    assert isinstance(error, TpmFitError)


# -- the document itself -------------------------------------------------------------------------


def test_invalid_toml() -> None:
    error = _error_from_toml(DEFAULT_TOML + "\n[[[broken")
    assert error.location == ""
    assert error.message.startswith("invalid TOML")


def test_not_utf8() -> None:
    error = _error_from_toml(b'name = "\xff\xfe"')
    assert error.location == ""
    assert "UTF-8" in error.message


@pytest.mark.parametrize("kind", [str, bytes])
def test_over_one_mebibyte_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch, kind: type[str] | type[bytes]
) -> None:
    def parse(_: str) -> dict[str, Any]:
        raise AssertionError("tomllib must not see an oversized document")

    monkeypatch.setattr(rulebook_module.tomllib, "loads", parse)
    text = "# " + "x" * (1 << 20) + "\n"
    error = _error_from_toml(text if kind is str else text.encode())
    assert error.location == ""
    assert "at most 1,048,576 bytes" in error.message


def test_multibyte_text_counts_bytes_not_characters() -> None:
    # 600,000 two-byte characters: under the limit in characters, over it in bytes.
    error = _error_from_toml('a = "' + "é" * 600_000 + '"')
    assert "1,200,00" in error.message


def test_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_bytes(b"#" * (2 << 20))
    with _fast(), pytest.raises(RulebookError) as info:
        Rulebook.load(path)
    assert str(path) in info.value.message
    assert "at most" in info.value.message


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(RulebookError) as info:
        Rulebook.load(tmp_path / "absent.toml")
    assert info.value.location == ""
    assert "cannot read rulebook" in info.value.message
    with pytest.raises(RulebookError):
        Rulebook.load(tmp_path)  # a directory


def test_load_names_the_file_and_keeps_the_location(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(DEFAULT_TOML.replace("weight = 3.0", "weight = -1.0", 1), encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        Rulebook.load(path)
    assert info.value.location == "factors[0].weight"
    assert info.value.message.startswith(str(path))


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 100_000 + "]" * 100_000,
        "a = " + "{b = " * 50_000 + "1" + "}" * 50_000,
    ],
    ids=["arrays", "inline-tables"],
)
def test_deeply_nested_toml_does_not_crash_or_hang(text: str) -> None:
    error = _error_from_toml(text)
    assert error.location.startswith("line 1, column ")  # refused by the scan, before parsing
    assert "nested too deep" in error.message


def test_moderately_nested_data_is_refused_with_its_path() -> None:
    error = _error_from_toml("bad = " + "[" * 60 + "]" * 60)
    assert error.location.startswith("bad[0][0]")
    assert "nest more than 40 levels" in error.message


def test_deep_python_data_is_refused_without_recursion() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    error = _error_from(_set("factors.0.activation", {"kind": "all_of", "of": deep}))
    assert error.location.startswith("factors[0].activation.of[0]")


def test_not_a_mapping() -> None:
    with pytest.raises(RulebookError) as info:
        Rulebook.from_mapping([1, 2, 3])  # type: ignore[arg-type]
    assert "table" in info.value.message


def test_unknown_top_level_key_is_refused() -> None:
    error = _error_from(_set("exec", "import os"))
    assert error.location == "exec"
    assert "unknown key" in error.message


def test_missing_field() -> None:
    error = _error_from(lambda data: data["factors"][2].pop("favours"))
    assert error.location == "factors[2].favours"
    assert error.message == "missing required field"


# -- limits -------------------------------------------------------------------------------------


def test_too_many_factors() -> None:
    def edit(data: dict[str, Any]) -> None:
        template = data["factors"][0]
        data["factors"] = [dict(template, id=f"factor_{i}") for i in range(201)]

    error = _error_from(edit)
    assert error.location == "factors"
    assert "at most 200" in error.message


def test_huge_string_is_refused_quickly_with_a_short_message() -> None:
    error = _error_from_toml(
        DEFAULT_TOML.replace('title = "Technically complex product"', 'title = "' + "x" * 900_000 + '"', 1)
    )
    line = DEFAULT_TOML[: DEFAULT_TOML.index('title = "Technically complex product"')].count("\n") + 1
    assert error.location.startswith(f"line {line}, ")  # refused by the scan, before parsing
    assert "at most 2000 characters" in error.message
    assert len(str(error)) < 300


def test_huge_input_name_gives_a_short_message() -> None:
    error = _error_from(_set("factors.0.activation.input", "y" * 500_000))
    assert error.location == "factors[0].activation.input"
    assert len(str(error)) < 400


def test_combinations_nested_too_deep() -> None:
    inputs = [
        "company_size",
        "strategy_coverage",
        "marketing_coverage",
        "technical_coverage",
        "product_team_size",
        "product_complexity",
        "engineering_capability",
        "industry_tech_intensity",
    ]

    def leaf(name: str) -> dict[str, Any]:
        if name in {"product_complexity", "engineering_capability", "industry_tech_intensity"}:
            levels = {
                "product_complexity": ["low", "moderate", "high", "very_high"],
                "engineering_capability": ["developing", "established", "strong"],
                "industry_tech_intensity": ["low", "moderate", "high"],
            }[name]
            return {"kind": "levels", "input": name, "values": dict.fromkeys(levels, 0.5)}
        return {"kind": "ramp", "input": name, "points": [[1, 0.0], [2, 1.0]]}

    node: dict[str, Any] = {"kind": "any_of", "of": [leaf(inputs[-1]), leaf(inputs[-2])]}
    for name in reversed(inputs[:-2]):  # six more levels: seven combinations deep
        node = {"kind": "all_of", "of": [leaf(name), node]}
    error = _error_from(_set("factors.0.activation", node))
    assert error.location == "factors[0].activation"
    assert "at most 6 deep" in error.message


# -- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_weight(value: str) -> None:
    error = _error_from_toml(DEFAULT_TOML.replace("weight = 3.0", f"weight = {value}", 1))
    assert error.location == "factors[0].weight"
    assert "finite" in error.message


def test_non_finite_threshold() -> None:
    error = _error_from_toml(DEFAULT_TOML.replace("technical_min = 0.75", "technical_min = nan", 1))
    assert error.location == "thresholds.technical_min"


def test_nan_in_a_level_table() -> None:
    error = _error_from(_set("factors.0.activation.values.high", float("nan")))
    assert error.location == "factors[0].activation.values.high"


def test_infinite_breakpoint() -> None:
    error = _error_from(_set("factors.7.activation.points.1", [float("inf"), 0.0]))
    assert error.location == "factors[7].activation.points[1][0]"


def test_negative_weight() -> None:
    error = _error_from(_set("factors.3.weight", -0.5))
    assert error.location == "factors[3].weight"
    assert error.message == "weight=-0.5: too small; valid: at least 0.0"


@pytest.mark.parametrize("value", ["3", "1+1", True])
def test_weight_must_be_a_number_not_text_or_boolean(value: object) -> None:
    error = _error_from(_set("factors.3.weight", value))
    assert error.location == "factors[3].weight"
    assert "not a number; valid: a number" in error.message


def test_level_value_above_one() -> None:
    error = _error_from(_set("factors.0.activation.values.low", 1.5))
    assert error.location == "factors[0].activation.values.low"


# -- names ------------------------------------------------------------------------------------------


def test_unknown_favours() -> None:
    error = _error_from(_set("factors.1.favours", "both"))
    assert error.location == "factors[1].favours"
    assert "favours='both': not a valid choice; valid: technical or traditional" in error.message


@pytest.mark.parametrize("kind", ["python", "eval", "lambda"])
def test_unknown_primitive(kind: str) -> None:
    error = _error_from(_set("factors.0.activation.kind", kind))
    assert error.location == "factors[0].activation.kind"
    assert f"kind={kind!r}: not a primitive" in error.message
    assert "ramp" in error.message


def test_missing_primitive_kind() -> None:
    error = _error_from(lambda data: data["factors"][0]["activation"].pop("kind"))
    assert error.location == "factors[0].activation.kind"
    assert "missing" in error.message


def test_unknown_input_in_a_level_table() -> None:
    error = _error_from(_set("factors.0.activation.input", "age"))
    assert error.location == "factors[0].activation.input"
    assert "input='age': not an ordered or derived input" in error.message


def test_ordered_input_in_a_ramp() -> None:
    error = _error_from(_set("factors.7.activation.input", "product_complexity"))
    assert error.location == "factors[7].activation.input"
    assert "not an integer input" in error.message


def test_unknown_input_in_an_axiom() -> None:
    error = _error_from(_set("axioms.0.input", "salary"))
    assert error.location == "axioms[0].input"


def test_unknown_level() -> None:
    def edit(data: dict[str, Any]) -> None:
        values = data["factors"][0]["activation"]["values"]
        values["extreme"] = values.pop("very_high")

    error = _error_from(edit)
    assert error.location == "factors[0].activation.values"
    assert "unknown ['extreme']" in error.message
    assert "missing ['very_high']" in error.message


def test_duplicate_factor_id() -> None:
    error = _error_from(_set("factors.4.id", DEFAULT_DATA["factors"][1]["id"]))
    assert error.location == "factors[4].id"
    assert "repeats factors[1].id" in error.message


def test_duplicate_axiom_id() -> None:
    error = _error_from(_set("axioms.2.id", DEFAULT_DATA["axioms"][0]["id"]))
    assert error.location == "axioms[2].id"


def test_invalid_identifier() -> None:
    error = _error_from(_set("factors.0.id", "Bad Id!"))
    assert error.location == "factors[0].id"


# -- ramps and combinations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "where"),
    [
        ([[10, 1.0], [10, 0.0]], "points[1][0]"),  # equal
        ([[150, 1.0], [10, 0.0]], "points[1][0]"),  # decreasing
        ([[10, 1.0], [20, 0.5], [15, 0.0]], "points[2][0]"),
    ],
    ids=["equal", "decreasing", "decreasing-later"],
)
def test_breakpoints_not_increasing(points: list[list[float]], where: str) -> None:
    error = _error_from(_set("factors.7.activation.points", points))
    assert error.location == f"factors[7].activation.{where}"
    assert "strictly increasing" in error.message


@pytest.mark.parametrize("x", [1.5, 0, 10_000_001])
def test_breakpoint_not_a_whole_number_in_range(x: float) -> None:
    error = _error_from(_set("factors.7.activation.points.0", [x, 1.0]))
    assert error.location == "factors[7].activation.points[0][0]"
    assert "whole number from 1 to 10000000" in error.message


def test_single_breakpoint() -> None:
    error = _error_from(_set("factors.7.activation.points", [[10, 1.0]]))
    assert error.location == "factors[7].activation.points"


def test_combination_reading_an_input_twice() -> None:
    error = _error_from(_set("factors.1.activation.of.1.input", "technical_coverage"))
    assert error.location == "factors[1].activation.of[1]"
    assert "reads ['technical_coverage'] again" in error.message


def test_nested_location_points_into_the_combination() -> None:
    error = _error_from(_set("factors.1.activation.of.0.points.1", [0, 0.25]))
    assert error.location == "factors[1].activation.of[0].points[1][0]"
    assert "and 1 more" not in error.message  # a consequence of the same problem is not counted


def test_several_problems_are_counted() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["factors"][0]["weight"] = -1.0
        data["factors"][1]["favours"] = "both"

    error = _error_from(edit)
    assert error.location == "factors[0].weight"
    assert "(and 1 more problem)" in error.message


# -- data only -------------------------------------------------------------------------------------


def test_text_that_looks_like_code_stays_text(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    # A JSON string of ASCII text is also a TOML basic string.
    text = DEFAULT_TOML.replace('title = "Technically complex product"', f"title = {json.dumps(payload)}", 1)
    book = Rulebook.from_toml(text)
    book.verify()
    assert not marker.exists()
    assert "__import__" in book.factors[0].title


def test_with_weights_refuses_bad_values() -> None:
    book = Rulebook.default()
    with pytest.raises(RulebookError) as info:
        book.with_weights({"complex_product": float("nan")})
    assert info.value.location == "factors[0].weight"
    with pytest.raises(RulebookError) as info:
        book.with_weights({"no_such_factor": 1.0})
    assert info.value.location == "weights"
