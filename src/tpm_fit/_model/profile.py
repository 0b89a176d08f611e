"""The input: an organisation's situation, described without reference to any person."""

from __future__ import annotations

from typing import Annotated, Any, Final, Self, TypedDict

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .grammar import ValueRules
from .vocab import OrderedLevel, Presence, RoleShape

__all__ = [
    "DERIVED_INPUTS",
    "LEVEL_INPUTS",
    "NUMERIC_BOUNDS",
    "ORDERED_INPUTS",
    "VALUE_RULES",
    "EngineeringCapability",
    "IndustryTechIntensity",
    "OrgProfile",
    "ProductComplexity",
    "ProfileFields",
]


class ProductComplexity(OrderedLevel):
    """How technically complex the product is, lowest first."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    VERY_HIGH = "very_high"


class EngineeringCapability(OrderedLevel):
    """How capable and self-directed the engineering team is, weakest first."""

    DEVELOPING = "developing"
    ESTABLISHED = "established"
    STRONG = "strong"


class IndustryTechIntensity(OrderedLevel):
    """How much the company's industry competes on technology, lowest first."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


MAX_HEADCOUNT: Final = 10_000_000


def _plain_int(value: Any) -> Any:
    """A numpy integer (``df.at[...]`` gives one) as the Python int it holds; anything else as is."""
    # Checked by the type's module and dtype, so that validating a profile never imports numpy.
    if type(value).__module__ == "numpy" and getattr(getattr(value, "dtype", None), "kind", "") in ("i", "u"):
        return int(value)
    return value


_Headcount = Annotated[StrictInt, BeforeValidator(_plain_int), Field(ge=1, le=MAX_HEADCOUNT)]
_Count = Annotated[StrictInt, BeforeValidator(_plain_int), Field(ge=0, le=MAX_HEADCOUNT)]


class OrgProfile(BaseModel):
    """An organisation's situation, as the inputs to a recommendation.

    Every field describes the organisation, never a person: unknown fields (``age``,
    ``gender``, ...) are rejected. Numbers must be real integers: ``"10"``, ``10.0`` and
    ``True`` are refused rather than coerced.

    Examples
    --------
    >>> OrgProfile(company_size=40, product_complexity="high").product_complexity
    <ProductComplexity.HIGH: 'high'>
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    company_size: _Headcount = Field(
        description="Total headcount of the company, from 1 to 10,000,000.",
    )
    product_complexity: ProductComplexity = Field(
        description=(
            "How technically complex the product is: low, moderate, high or very_high. "
            "Highly technical products call for a technical PM early."
        ),
    )
    strategy_coverage: _Count = Field(
        default=0,
        description=(
            "People who already cover product strategy (the 'where' face). One person may "
            "count towards several faces."
        ),
    )
    marketing_coverage: _Count = Field(
        default=0,
        description="People who already cover product marketing (the 'why' face).",
    )
    technical_coverage: _Count = Field(
        default=0,
        description="People who already cover technical product management (the 'how' face).",
    )
    engineering_capability: EngineeringCapability = Field(
        default=EngineeringCapability.ESTABLISHED,
        description="How capable the engineering team is: developing, established or strong.",
    )
    product_team_size: _Count = Field(
        default=0,
        description=(
            "Product managers already on staff, before this hire. The size of the product team "
            "shapes the role (a team of three or more can split the faces between people)."
        ),
    )
    industry_tech_intensity: IndustryTechIntensity = Field(
        default=IndustryTechIntensity.MODERATE,
        description=(
            "How much the industry competes on technology: low, moderate or high. Technical "
            "PMs are useful in every industry; the more technology drives it, the more so."
        ),
    )

    @model_validator(mode="after")
    def _counts_within_headcount(self) -> Self:
        # People covering a face, and PMs on staff, are people of the company.
        size = self.company_size
        for name in _HEADCOUNT_BOUNDED:
            value = getattr(self, name)
            if value > size:  # a custom error: its text is the message, no pydantic wording around it
                message = VALUE_RULES.message(name, (value, size), "above_headcount")
                raise PydanticCustomError("above_headcount", "{message}", {"message": message})
        return self

    @field_validator("product_complexity", "engineering_capability", "industry_tech_intensity", mode="before")
    @classmethod
    def _levels_are_text(cls, value: Any, info: Any) -> Any:
        # pydantic would decode b"high" to a level: levels are strings only.
        if isinstance(value, str):
            return value
        raise VALUE_RULES.not_text(info.field_name, value)

    @model_validator(mode="wrap")
    @classmethod
    def _one_grammar(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        # Restate errors as "<field>=<value>: <what is wrong>; <what is valid>" (did you mean ...?).
        try:
            return handler(data)
        except ValidationError as exc:
            raise VALUE_RULES.restate(exc, title=cls.__name__) from None


class ProfileFields(TypedDict, total=False):
    """OrgProfile's fields as keyword arguments (``recommend(**fields)``), so IDEs complete them."""

    company_size: int
    product_complexity: ProductComplexity | str
    strategy_coverage: int
    marketing_coverage: int
    technical_coverage: int
    engineering_capability: EngineeringCapability | str
    product_team_size: int
    industry_tech_intensity: IndustryTechIntensity | str


#: Ordered inputs and their levels, lowest first: the rulebook's level tables key on these.
ORDERED_INPUTS: Final[dict[str, type[OrderedLevel]]] = {
    "product_complexity": ProductComplexity,
    "engineering_capability": EngineeringCapability,
    "industry_tech_intensity": IndustryTechIntensity,
}

#: Integer inputs and their inclusive bounds: the rulebook's ramps range over these.
NUMERIC_BOUNDS: Final[dict[str, tuple[int, int]]] = {
    "company_size": (1, MAX_HEADCOUNT),
    "strategy_coverage": (0, MAX_HEADCOUNT),
    "marketing_coverage": (0, MAX_HEADCOUNT),
    "technical_coverage": (0, MAX_HEADCOUNT),
    "product_team_size": (0, MAX_HEADCOUNT),
}

#: Counts that cannot exceed the company's headcount.
_HEADCOUNT_BOUNDED: Final = (
    "strategy_coverage",
    "marketing_coverage",
    "technical_coverage",
    "product_team_size",
)

#: Inputs the kernel derives from a profile in its first stage (the seat) and that rulebooks read
#: like ordered inputs, through level tables: the role shape, whether the seat holds each face,
#: and whether a hire is needed at all.
DERIVED_INPUTS: Final[dict[str, type[OrderedLevel]]] = {
    "role_shape": RoleShape,
    "seat_strategy": Presence,
    "seat_marketing": Presence,
    "seat_technical": Presence,
    "hire_needed": Presence,
}

#: Every input a level table may read: the profile's ordered inputs and the derived ones.
LEVEL_INPUTS: Final[dict[str, type[OrderedLevel]]] = {**ORDERED_INPUTS, **DERIVED_INPUTS}

#: What is valid for each field, and the words for what is wrong: one grammar everywhere.
VALUE_RULES: Final = ValueRules(
    fields=tuple(OrgProfile.model_fields),
    bounds=NUMERIC_BOUNDS,
    levels={name: tuple(level.value for level in levels) for name, levels in ORDERED_INPUTS.items()},
)
