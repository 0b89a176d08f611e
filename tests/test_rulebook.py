"""The rulebook as data: loading, round trips, fingerprints, weight changes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tpm_fit import Rulebook, RulebookError, TpmFitError

ARTICLE_SECTIONS = {
    "What Does a Technical Product Manager Do?",
    "The Three Faces of Product Management",
    "Technical Product Manager vs. Traditional Product Manager",
    "Technical Product Manager Job Description",
    "Pros and cons",
    "How to Hire a Technical Product Manager",
}
POINTED = re.compile(r"^(Advantages|Disadvantages), point [123]$")


def test_default_rulebook_loads_and_is_cached() -> None:
    book = Rulebook.default()
    assert book is Rulebook.default()
    assert len(book.factors) >= 8
    assert {f.favours.value for f in book.factors} == {"technical", "traditional"}


def test_toml_round_trip_gives_an_equal_rulebook() -> None:
    book = Rulebook.default()
    again = Rulebook.from_toml(book.to_toml())
    assert again == book
    assert again.fingerprint == book.fingerprint


def test_the_file_structure_is_the_model_structure() -> None:
    text = Path(__file__).parents[1].joinpath("src/tpm_fit/rulebooks/default.toml").read_text()
    parsed = tomllib.loads(text)
    book = Rulebook.model_validate(parsed)
    assert book == Rulebook.default()
    assert tomllib.loads(book.to_toml()) == book.model_dump(mode="json", exclude_none=True)


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(Rulebook.default().to_toml())
    assert Rulebook.load(path) == Rulebook.default()


def test_load_of_a_missing_file_is_a_rulebook_error(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="cannot read"):
        Rulebook.load(tmp_path / "absent.toml")


def test_with_weights_returns_a_new_rulebook() -> None:
    book = Rulebook.default()
    tuned = book.with_weights({"complex_product": 2.0, "simple_product": 0.0})
    assert tuned is not book
    weights = {f.id: f.weight for f in tuned.factors}
    assert weights["complex_product"] == 2.0
    assert weights["simple_product"] == 0.0
    assert {f.id: f.weight for f in book.factors}["complex_product"] == 3.0  # original untouched
    assert tuned.fingerprint != book.fingerprint


def test_with_weights_names_an_unknown_factor() -> None:
    with pytest.raises(RulebookError, match="no_such_factor") as info:
        Rulebook.default().with_weights({"no_such_factor": 1.0})
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, TpmFitError)


@pytest.mark.parametrize("weight", [-1.0, float("nan"), float("inf")])
def test_with_weights_rejects_invalid_weights(weight: float) -> None:
    with pytest.raises(RulebookError) as info:
        Rulebook.default().with_weights({"complex_product": weight})
    assert info.value.location == "factors[0].weight"


def test_fingerprint_is_content_based() -> None:
    book = Rulebook.default()
    assert re.fullmatch(r"[0-9a-f]{64}", book.fingerprint)
    same = Rulebook.model_validate(book.model_dump(mode="json"))
    assert same.fingerprint == book.fingerprint
    assert book.with_weights({"complex_product": 3.0}).fingerprint == book.fingerprint


def test_every_factor_cites_an_article_section_and_gives_a_reason() -> None:
    for factor in Rulebook.default().factors:
        assert factor.section in ARTICLE_SECTIONS or POINTED.match(factor.section), factor.section
        assert factor.reason.endswith("."), factor.id
    for risk in Rulebook.default().risks:
        assert risk.section in ARTICLE_SECTIONS or POINTED.match(risk.section), risk.section


def test_every_disadvantage_of_the_article_is_a_factor_and_a_risk() -> None:
    book = Rulebook.default()
    for point in (1, 2, 3):
        section = f"Disadvantages, point {point}"
        assert any(f.section == section for f in book.factors), section
        assert any(r.section == section for r in book.risks), section
    for point in (1, 2, 3):
        assert any(f.section == f"Advantages, point {point}" for f in book.factors)


def test_rulebook_declares_the_four_monotonicity_axioms() -> None:
    declared = {(a.input, a.direction.value) for a in Rulebook.default().axioms}
    assert {
        ("product_complexity", "non_decreasing"),
        ("technical_coverage", "non_increasing"),
        ("strategy_coverage", "non_decreasing"),
        ("marketing_coverage", "non_decreasing"),
        ("engineering_capability", "non_increasing"),
    } <= declared


def test_rulebook_models_forbid_unknown_keys() -> None:
    data = Rulebook.default().model_dump(mode="json")
    data["factors"][2]["eval"] = "__import__('os')"
    with pytest.raises(RulebookError) as info:
        Rulebook.from_mapping(data)
    assert info.value.location == "factors[2].eval"
