"""The rulebook: the article's pros and cons as declarative, data-only factors.

This module only *describes* rules (pydantic models and TOML loading). Evaluation lives in
:mod:`tpm_fit._engine.kernel`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, Self, cast

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .._errors import RulebookError
from .._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS
from .loading import LocatedError, check_depth, parse_toml, read_rulebook_file, rulebook_error, short

if TYPE_CHECKING:  # pragma: no cover - imported lazily by Rulebook.verify
    from .._analysis.robustness import SensitivityReport
    from .._verify.verifier import VerificationReport

__all__ = [
    "Activation",
    "AllOf",
    "AnyOf",
    "Axiom",
    "Direction",
    "Factor",
    "Favours",
    "Levels",
    "Ramp",
    "RiskRule",
    "RoleShapeRule",
    "Rulebook",
    "Thresholds",
]

#: Hard limits that keep a hostile rulebook file from exhausting memory or time.
MAX_FACTORS: Final = 200
MAX_RISKS: Final = 100
MAX_RAMP_POINTS: Final = 64
MAX_COMBINATION_TERMS: Final = 16
MAX_NESTING: Final = 6
MAX_TEXT: Final = 2_000

_Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
_Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# Numbers are strict: a TOML string ("3") or boolean (true) is refused rather than coerced.
_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Unit = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
_Whole = Annotated[int, Field(strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Favours(StrEnum):
    """Which hire a factor argues for when it fires."""

    TECHNICAL = "technical"
    TRADITIONAL = "traditional"


class Direction(StrEnum):
    """Direction of a monotonicity axiom: how the score may move as the input increases."""

    NON_DECREASING = "non_decreasing"
    NON_INCREASING = "non_increasing"


class Ramp(_Model):
    """Piecewise-linear activation over one integer input, flat beyond the end points.

    ``points`` are ``[x, y]`` pairs with strictly increasing whole-number ``x`` inside the
    input's range and ``y`` between 0 and 1.
    """

    kind: Literal["ramp"] = Field(description="Discriminator: a piecewise-linear ramp.")
    input: str = Field(description=f"Integer input the ramp reads: one of {sorted(NUMERIC_BOUNDS)}.")
    points: tuple[tuple[_Number, _Unit], ...] = Field(
        min_length=2,
        max_length=MAX_RAMP_POINTS,
        description="Breakpoints as [x, y] pairs; x strictly increasing whole numbers, y in [0, 1].",
    )

    @field_validator("input")
    @classmethod
    def _known_input(cls, value: str) -> str:
        if value not in NUMERIC_BOUNDS:
            raise ValueError(
                f"input={short(value)} is not an integer input; valid: {', '.join(sorted(NUMERIC_BOUNDS))}"
            )
        return value

    @model_validator(mode="after")
    def _increasing_whole_numbers(self) -> Self:
        low, high = NUMERIC_BOUNDS[self.input]
        xs = [x for x, _ in self.points]
        for i, x in enumerate(xs):
            if not math.isfinite(x) or x != int(x) or not low <= x <= high:
                raise LocatedError(
                    f"x={x!r} must be a whole number from {low} to {high} (the range of {self.input})",
                    f"points[{i}][0]",
                )
        for i in range(1, len(xs)):
            if xs[i] <= xs[i - 1]:
                raise LocatedError(
                    f"x={xs[i]:g} must be greater than points[{i - 1}] x={xs[i - 1]:g}: "
                    "breakpoints must be strictly increasing",
                    f"points[{i}][0]",
                )
        return self

    def inputs(self) -> frozenset[str]:
        """Inputs the activation reads."""
        return frozenset({self.input})


class Levels(_Model):
    """Activation looked up from a table over the levels of one ordered input."""

    kind: Literal["levels"] = Field(description="Discriminator: a table of values per level.")
    input: str = Field(description=f"Ordered input the table reads: one of {sorted(ORDERED_INPUTS)}.")
    values: dict[str, _Unit] = Field(
        description="Activation for every level of the input, each between 0 and 1.",
    )

    @field_validator("input")
    @classmethod
    def _known_input(cls, value: str) -> str:
        if value not in ORDERED_INPUTS:
            raise ValueError(
                f"input={short(value)} is not an ordered input; valid: {', '.join(sorted(ORDERED_INPUTS))}"
            )
        return value

    @model_validator(mode="after")
    def _every_level(self) -> Self:
        levels = [level.value for level in ORDERED_INPUTS[self.input]]
        unknown = sorted(set(self.values) - set(levels))
        missing = [level for level in levels if level not in self.values]
        if unknown or missing:
            raise LocatedError(
                f"values for {self.input} must give exactly the levels {levels}; "
                + (f"unknown {short(unknown)} " if unknown else "")
                + (f"missing {missing}" if missing else ""),
                "values",
            )
        # Store in level order so that dumps and fingerprints are canonical.
        object.__setattr__(self, "values", {level: self.values[level] for level in levels})
        return self

    def inputs(self) -> frozenset[str]:
        """Inputs the activation reads."""
        return frozenset({self.input})


class _Combination(_Model):
    of: tuple[Activation, ...] = Field(
        min_length=2,
        max_length=MAX_COMBINATION_TERMS,
        description="The activations combined; each input may appear in at most one of them.",
    )

    @model_validator(mode="after")
    def _distinct_inputs(self) -> Self:
        seen: set[str] = set()
        for i, term in enumerate(self.of):
            inputs = term.inputs()
            shared = seen & inputs
            if shared:
                raise LocatedError(
                    f"reads {sorted(shared)} again: each input may appear in only one "
                    "term of a combination (this keeps the score multilinear, see docs/verification.md)",
                    f"of[{i}]",
                )
            seen |= inputs
        if _depth(cast("AllOf | AnyOf", self)) > MAX_NESTING:
            raise ValueError(f"combinations may nest at most {MAX_NESTING} deep")
        return self

    def inputs(self) -> frozenset[str]:
        """Inputs read anywhere in this combination."""
        return frozenset().union(*(term.inputs() for term in self.of))


class AllOf(_Combination):
    """Fuzzy AND: the product of the terms' activations (1 only when every term is 1)."""

    kind: Literal["all_of"] = Field(description="Discriminator: product of the terms.")


class AnyOf(_Combination):
    """Fuzzy OR: ``1 - prod(1 - a)`` over the terms (0 only when every term is 0)."""

    kind: Literal["any_of"] = Field(description="Discriminator: probabilistic sum of the terms.")


Activation = Annotated[Ramp | Levels | AllOf | AnyOf, Field(discriminator="kind")]

AllOf.model_rebuild()
AnyOf.model_rebuild()


def _depth(node: Ramp | Levels | AllOf | AnyOf) -> int:
    if isinstance(node, AllOf | AnyOf):
        return 1 + max(_depth(term) for term in node.of)
    return 0


class Factor(_Model):
    """One consideration from the article, with its weight and when it fires."""

    id: _Identifier = Field(description="Stable identifier, lower_snake_case.")
    title: _Text = Field(description="Short human-readable name.")
    favours: Favours = Field(description="Which hire the factor argues for when it fires.")
    weight: _Number = Field(ge=0.0, le=1_000.0, description="Non-negative weight; 0 disables.")
    section: _Text = Field(
        description="Where in the article the factor comes from, e.g. 'Disadvantages, point 2'."
    )
    reason: _Text = Field(description="One sentence, in the project's own words, saying why.")
    activation: Activation = Field(description="How strongly the factor fires, from 0 to 1.")


class Thresholds(_Model):
    """Where the score turns into a verdict.

    ``score >= technical_min`` gives *technical*, ``score <= traditional_max`` gives
    *traditional*, and anything strictly between is *either*.
    """

    technical_min: _Number = Field(description="Lowest score that recommends a technical PM.")
    traditional_max: _Number = Field(description="Highest score that recommends a traditional PM.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.traditional_max < self.technical_min:
            raise ValueError(
                f"traditional_max={self.traditional_max:g} must be below technical_min={self.technical_min:g}"
            )
        return self


class RoleShapeRule(_Model):
    """When the role splits into one person per face (specialist) rather than all hats."""

    specialist_min_company_size: _Whole = Field(
        ge=1, description="From this headcount on, each face can have its own person."
    )
    specialist_min_product_team: _Whole = Field(
        ge=0, description="With this many product managers already on staff, the role specialises."
    )
    section: _Text = Field(description="Article section the rule comes from.")


class Axiom(_Model):
    """A monotonicity promise the rulebook makes and :meth:`Rulebook.verify` checks."""

    id: _Identifier = Field(description="Stable identifier of the axiom.")
    input: str = Field(description="The input the axiom talks about.")
    direction: Direction = Field(description="How the score may move as the input increases.")
    statement: _Text = Field(description="The promise in plain words.")

    @field_validator("input")
    @classmethod
    def _known_input(cls, value: str) -> str:
        known = sorted({*NUMERIC_BOUNDS, *ORDERED_INPUTS})
        if value not in known:
            raise ValueError(f"input={short(value)} is not an input; valid: {', '.join(known)}")
        return value


class RiskRule(_Model):
    """A drawback the article names, raised when a verdict meets the situation that triggers it."""

    id: _Identifier = Field(description="Stable identifier of the risk.")
    title: _Text = Field(description="Short name of the risk.")
    section: _Text = Field(description="Where in the article the risk comes from.")
    applies_to: tuple[Literal["technical", "traditional", "either"], ...] = Field(
        min_length=1, description="Verdicts for which the risk is considered."
    )
    when: Activation = Field(description="How strongly the situation triggers the risk.")
    min_activation: _Unit = Field(
        default=0.5, description="The risk is reported when `when` reaches this value."
    )
    description: _Text = Field(description="What could go wrong, in the project's own words.")
    mitigation: _Text = Field(description="What to do about it, in the project's own words.")


class Rulebook(_Model):
    """A complete, data-only rule set: factors, thresholds, role shape, axioms and risks.

    The TOML file's structure is this model's structure, so
    ``Rulebook.model_validate(tomllib.loads(text))`` builds one and ``model_dump(mode="json")``
    gives the same shape back.
    """

    name: _Text = Field(description="Name of the rulebook.")
    version: _Text = Field(description="Version of the rulebook's content.")
    source: _Text = Field(description="The article the rules encode.")
    thresholds: Thresholds = Field(description="Score thresholds for each verdict.")
    role_shape: RoleShapeRule = Field(description="Rule for a generalist versus specialist role.")
    factors: tuple[Factor, ...] = Field(
        min_length=1, max_length=MAX_FACTORS, description="The weighted factors."
    )
    axioms: tuple[Axiom, ...] = Field(
        default=(), max_length=50, description="Monotonicity axioms the rules must satisfy."
    )
    risks: tuple[RiskRule, ...] = Field(
        default=(), max_length=MAX_RISKS, description="Drawbacks reported with a verdict."
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        groups: tuple[tuple[str, tuple[Factor | Axiom | RiskRule, ...]], ...] = (
            ("factors", self.factors),
            ("axioms", self.axioms),
            ("risks", self.risks),
        )
        for kind, items in (*groups,):
            seen: dict[str, int] = {}
            for i, item in enumerate(items):
                if item.id in seen:
                    raise LocatedError(
                        f"id={item.id!r} repeats {kind}[{seen[item.id]}].id; ids must be unique",
                        f"{kind}[{i}].id",
                    )
                seen[item.id] = i
        return self

    # -- construction -------------------------------------------------------------------

    @classmethod
    def default(cls) -> Rulebook:
        """The rulebook shipped with tpm_fit, encoding the article.

        Returns
        -------
        Rulebook
            The same (cached) object on every call.
        """
        return _default_rulebook()

    @classmethod
    def from_toml(cls, text: str | bytes) -> Rulebook:
        """Build a rulebook from TOML text.

        Parameters
        ----------
        text : str or bytes
            The document. At most 1 MiB.

        Returns
        -------
        Rulebook

        Raises
        ------
        RulebookError
            Invalid TOML, too large, or content that breaks a rule; the error's ``location``
            says where (``factors[3].weight``).
        """
        data = parse_toml(text)
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Rulebook:
        """Build a rulebook from already-parsed data (for example ``tomllib.loads`` output).

        Raises
        ------
        RulebookError
            With the location of the first problem.
        """
        if not isinstance(data, Mapping):
            raise RulebookError(f"a rulebook must be a table (mapping), got {type(data).__name__}")
        check_depth(data)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise rulebook_error(exc) from None

    @classmethod
    def load(cls, path: str | Path) -> Rulebook:
        """Read a rulebook from a TOML file.

        Raises
        ------
        RulebookError
            The file cannot be read or is not a valid rulebook; the message names the file.
        """
        file = Path(path)
        raw = read_rulebook_file(file)
        try:
            return cls.from_toml(raw)
        except RulebookError as exc:
            raise RulebookError(f"{file}: {exc.message}", location=exc.location) from None

    def to_toml(self) -> str:
        """The rulebook as TOML text that :meth:`from_toml` reads back to an equal rulebook."""
        return tomli_w.dumps(self.model_dump(mode="json"))

    def with_weights(self, weights: Mapping[str, float]) -> Rulebook:
        """A copy with some factors' weights replaced.

        Parameters
        ----------
        weights : mapping of str to float
            Factor id to new weight (finite, at least 0).

        Raises
        ------
        RulebookError
            An id that is not a factor of this rulebook, or an invalid weight.
        """
        known = {factor.id for factor in self.factors}
        unknown = sorted(set(weights) - known)
        if unknown:
            raise RulebookError(
                f"unknown factor id(s) {unknown}; valid: {', '.join(sorted(known))}",
                location="weights",
            )
        data = self.model_dump(mode="json")
        for item in data["factors"]:
            if item["id"] in weights:
                item["weight"] = weights[item["id"]]
        return Rulebook.from_mapping(data)

    # -- derived ------------------------------------------------------------------------

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the canonical JSON content: equal rules give equal fingerprints."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), allow_nan=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def factor_ids(self) -> tuple[str, ...]:
        """Ids of the factors, in rulebook order."""
        return tuple(factor.id for factor in self.factors)

    def verify(self) -> VerificationReport:
        """Prove the rules consistent over every possible profile.

        Returns
        -------
        VerificationReport
            Same as :func:`tpm_fit.verify_rulebook` with default settings; see
            ``docs/verification.md``.
        """
        from .._verify.verifier import verify_rulebook

        return verify_rulebook(self)

    def sensitivity(self, *, delta: float = 0.1) -> SensitivityReport:
        """Per factor, the share of verification-grid profiles whose verdict a ``±delta`` change
        of its weight (relative, one factor at a time) would change. Exact, no sampling.

        Parameters
        ----------
        delta : float, default 0.1
            Relative weight change, greater than 0 and at most 1.

        Returns
        -------
        SensitivityReport
            Grid points are not a population: see ``docs/robustness.md``.
        """
        from .._analysis.robustness import rulebook_sensitivity

        return rulebook_sensitivity(self, delta=delta)


def _default_rulebook() -> Rulebook:
    global _DEFAULT
    if _DEFAULT is None:
        text = resources.files("tpm_fit").joinpath("rulebooks/default.toml").read_text("utf-8")
        _DEFAULT = Rulebook.from_toml(text)
    return _DEFAULT


_DEFAULT: Rulebook | None = None
