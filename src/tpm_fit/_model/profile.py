"""The input: an organisation's situation, described without reference to any person."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final, Self, TypedDict, TypeVar

import numpy as np
from annotated_types import Ge, Le
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictInt,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from .grammar import ValueRules
from .vocab import OrderedLevel, Presence, RoleShape

__all__ = [
    "DERIVED_INPUTS",
    "HEADCOUNT",
    "HEADCOUNT_BOUNDED",
    "IS_HEADCOUNT",
    "LEVEL_INPUTS",
    "NUMERIC_BOUNDS",
    "ORDERED_INPUTS",
    "VALUE_RULES",
    "WITHIN_HEADCOUNT",
    "EngineeringCapability",
    "Headcount",
    "IndustryTechIntensity",
    "Level",
    "OrgProfile",
    "PeopleCount",
    "ProductComplexity",
    "ProfileFields",
    "above_headcount",
    "within_headcount",
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


@dataclass(frozen=True, repr=False)
class _Role:
    """Field metadata naming what an integer input counts (read by the registries below).

    A dataclass, so that tools reading field metadata (autodoc-pydantic's constraint tables)
    find its fields the way they find pydantic's own metadata classes'.
    """

    meaning: str

    def __repr__(self) -> str:
        return f"<{self.meaning}>"


#: Field metadata: the company's headcount, which bounds every count of its people.
IS_HEADCOUNT: Final = _Role("the company's headcount")
#: Field metadata: a count of the company's people, at most the headcount in a valid profile.
WITHIN_HEADCOUNT: Final = _Role("people of the company: at most its headcount")


def _text_only(value: Any, info: ValidationInfo) -> Any:
    # pydantic would decode b"high" to a level: levels are strings only.
    if isinstance(value, str):
        return value
    raise VALUE_RULES.not_text(info.field_name or "?", value)


_L = TypeVar("_L", bound=OrderedLevel)

#: An ordered input: one of the levels of an :class:`OrderedLevel` enum, given as a string.
Level = Annotated[_L, BeforeValidator(_text_only)]
# The constraints come before the validator that unwraps numpy integers (which runs first all the
# same), so that the JSON Schema says minimum and maximum.
#: The company's headcount (one field only).
Headcount = Annotated[StrictInt, Field(ge=1, le=MAX_HEADCOUNT), BeforeValidator(_plain_int), IS_HEADCOUNT]
#: A count of the company's people: never above the headcount.
PeopleCount = Annotated[
    StrictInt, Field(ge=0, le=MAX_HEADCOUNT), BeforeValidator(_plain_int), WITHIN_HEADCOUNT
]


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

    # Every field is an input, declared as Headcount, PeopleCount or Level[...]: the registries
    # below (and through them the kernel, the verifier, the batch path, counterfactuals and
    # the test strategies) read what each one is from this declaration alone.
    company_size: Headcount = Field(
        description="Total headcount of the company, from 1 to 10,000,000.",
    )
    product_complexity: Level[ProductComplexity] = Field(
        description=(
            "How technically complex the product is: low, moderate, high or very_high. "
            "Highly technical products call for a technical PM early."
        ),
    )
    strategy_coverage: PeopleCount = Field(
        default=0,
        description=(
            "People who already cover product strategy (the 'where' face). One person may "
            "count towards several faces."
        ),
    )
    marketing_coverage: PeopleCount = Field(
        default=0,
        description="People who already cover product marketing (the 'why' face).",
    )
    technical_coverage: PeopleCount = Field(
        default=0,
        description="People who already cover technical product management (the 'how' face).",
    )
    engineering_capability: Level[EngineeringCapability] = Field(
        default=EngineeringCapability.ESTABLISHED,
        description="How capable the engineering team is: developing, established or strong.",
    )
    product_team_size: PeopleCount = Field(
        default=0,
        description=(
            "Product managers already on staff, before this hire. The size of the product team "
            "shapes the role (a team of three or more can split the faces between people)."
        ),
    )
    industry_tech_intensity: Level[IndustryTechIntensity] = Field(
        default=IndustryTechIntensity.MODERATE,
        description=(
            "How much the industry competes on technology: low, moderate or high. Technical "
            "PMs are useful in every industry; the more technology drives it, the more so."
        ),
    )

    @model_validator(mode="after")
    def _counts_within_headcount(self) -> Self:
        # People covering a face, and PMs on staff, are people of the company.
        size = getattr(self, HEADCOUNT)
        for name in HEADCOUNT_BOUNDED:
            value = getattr(self, name)
            if value > size:  # a custom error: its text is the message, no pydantic wording around it
                message = VALUE_RULES.message(name, (value, size), "above_headcount")
                raise PydanticCustomError("above_headcount", "{message}", {"message": message})
        return self

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


def _bound(info: FieldInfo, kind: type[Ge] | type[Le]) -> int | None:
    found = [getattr(item, "ge" if kind is Ge else "le") for item in info.metadata if isinstance(item, kind)]
    return int(found[0]) if found else None


def _is_level(info: FieldInfo) -> bool:
    kind = info.annotation
    return isinstance(kind, type) and issubclass(kind, OrderedLevel)


def _registries(
    model: type[BaseModel],
) -> tuple[dict[str, type[OrderedLevel]], dict[str, tuple[int, int]], tuple[str, ...], str]:
    """What each input of ``model`` is, read from its field declarations, or TypeError.

    Returns the ordered inputs with their levels, the integer inputs with their bounds, the
    counts bounded by the headcount, and the headcount's name.
    """
    levels: dict[str, type[OrderedLevel]] = {}
    bounds: dict[str, tuple[int, int]] = {}
    within: list[str] = []
    headcount: list[str] = []
    for name, info in model.model_fields.items():
        where = f"{model.__name__}.{name}"
        if _is_level(info):
            if not any(
                isinstance(item, BeforeValidator) and item.func is _text_only for item in info.metadata
            ):
                raise TypeError(
                    f"{where}: declare an ordered input as Level[...], so that only text is a level"
                )
            assert isinstance(info.annotation, type)
            levels[name] = info.annotation
            continue
        low, high = _bound(info, Ge), _bound(info, Le)
        if info.annotation is not int or low is None or high is None:
            raise TypeError(f"{where}: an input is a Headcount, a PeopleCount or a Level[...]")
        bounds[name] = (low, high)
        if WITHIN_HEADCOUNT in info.metadata:
            within.append(name)
        if IS_HEADCOUNT in info.metadata:
            headcount.append(name)
    if len(headcount) != 1:
        raise TypeError(f"{model.__name__}: exactly one field is the Headcount, not {headcount}")
    return levels, bounds, tuple(within), headcount[0]


_LEVELS, _BOUNDS, _WITHIN, _HEADCOUNT = _registries(OrgProfile)

#: Ordered inputs and their levels, lowest first: the rulebook's level tables key on these.
ORDERED_INPUTS: Final[dict[str, type[OrderedLevel]]] = _LEVELS

#: Integer inputs and their inclusive bounds: the rulebook's ramps range over these.
NUMERIC_BOUNDS: Final[dict[str, tuple[int, int]]] = _BOUNDS

#: The field that is the company's headcount.
HEADCOUNT: Final[str] = _HEADCOUNT

#: Counts of the company's people: none may exceed the headcount in a valid profile.
HEADCOUNT_BOUNDED: Final[tuple[str, ...]] = _WITHIN


def above_headcount(columns: Mapping[str, Any]) -> Iterator[tuple[str, NDArray[np.bool_]]]:
    """Per count of people, the rows of encoded ``columns`` where it exceeds the headcount.

    The one vectorised form of :class:`OrgProfile`'s rule; NaN (a row already refused for
    another reason) compares False.
    """
    size = np.asarray(columns[HEADCOUNT])
    for name in HEADCOUNT_BOUNDED:
        above: NDArray[np.bool_] = np.asarray(columns[name]) > size
        yield name, above


def within_headcount(columns: Mapping[str, Any]) -> NDArray[np.bool_]:
    """Which rows of encoded ``columns`` are valid profiles: no count above the headcount."""
    valid = np.ones(np.shape(columns[HEADCOUNT]), dtype=bool)
    for _, above in above_headcount(columns):
        valid &= ~above
    return valid


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
