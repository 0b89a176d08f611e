"""OrgProfile: the public input contract."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tpm_fit import EngineeringCapability, IndustryTechIntensity, OrgProfile, ProductComplexity

REQUIRED = {"company_size": 40, "product_complexity": "high"}


def error_fields(exc: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.errors()}


def test_defaults_are_documented_values() -> None:
    profile = OrgProfile(**REQUIRED)
    assert profile.strategy_coverage == profile.marketing_coverage == profile.technical_coverage == 0
    assert profile.engineering_capability is EngineeringCapability.ESTABLISHED
    assert profile.industry_tech_intensity is IndustryTechIntensity.MODERATE
    assert profile.product_team_size == 0
    assert profile.product_complexity is ProductComplexity.HIGH


@pytest.mark.parametrize("field", ["company_size", "product_complexity"])
def test_required_fields(field: str) -> None:
    data = dict(REQUIRED)
    del data[field]
    with pytest.raises(ValidationError) as info:
        OrgProfile(**data)
    assert error_fields(info.value) == {field}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company_size", "ten"),
        ("company_size", "10"),
        ("company_size", True),
        ("company_size", 10.0),
        ("company_size", 0),
        ("company_size", 10_000_001),
        ("strategy_coverage", -1),
        ("technical_coverage", False),
        ("marketing_coverage", 1.5),
        ("product_team_size", None),
        ("product_complexity", "extreme"),
        ("product_complexity", 2),
        ("engineering_capability", "weak"),
        ("industry_tech_intensity", "HIGH"),
    ],
)
def test_bad_values_are_rejected_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        OrgProfile.model_validate({**REQUIRED, field: value})
    assert error_fields(info.value) == {field}
    assert repr(value) in str(info.value) or str(value) in str(info.value)


@pytest.mark.parametrize("field", ["age", "gender", "race", "religion", "sex", "nationality", "cmpany_size"])
def test_unknown_and_protected_fields_are_forbidden(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        OrgProfile.model_validate({**REQUIRED, field: 1})
    assert error_fields(info.value) == {field}
    assert info.value.errors()[0]["type"] == "extra_forbidden"


def test_bounds_are_inclusive() -> None:
    assert OrgProfile(company_size=1, product_complexity="low").company_size == 1
    assert OrgProfile(company_size=10_000_000, product_complexity="low").company_size == 10_000_000


def test_profile_is_frozen_and_hashable() -> None:
    profile = OrgProfile(**REQUIRED)
    with pytest.raises(ValidationError):
        profile.company_size = 3  # type: ignore[misc]
    assert hash(profile) == hash(OrgProfile(**REQUIRED))


def test_json_round_trip() -> None:
    profile = OrgProfile(**REQUIRED, technical_coverage=2, engineering_capability="strong")
    assert OrgProfile.model_validate_json(profile.model_dump_json()) == profile


def test_levels_are_ordered_lowest_first() -> None:
    assert [level.rank for level in ProductComplexity] == [0, 1, 2, 3]
    assert ProductComplexity.VERY_HIGH.rank > ProductComplexity.LOW.rank
    assert [c.value for c in EngineeringCapability] == ["developing", "established", "strong"]


def test_every_field_is_described_in_the_json_schema() -> None:
    schema = OrgProfile.model_json_schema()
    assert schema["additionalProperties"] is False
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
