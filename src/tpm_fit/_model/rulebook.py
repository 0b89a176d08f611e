"""The rulebook: the article's pros and cons as declarative, data-only rules.

This module only *describes* rules (pydantic models and TOML loading). The activation primitives
live in :mod:`tpm_fit._model.primitives`; evaluation lives in :mod:`tpm_fit._engine.kernel`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cached_property
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from .._errors import RulebookError
from .loading import (
    MAX_RULEBOOK_BYTES,
    LocatedError,
    check_counts,
    check_depth,
    parse_toml,
    printable_text,
    read_rulebook_file,
    rulebook_error,
    short,
    shown_path,
    zero_signless,
)
from .primitives import Activation, AllOf, AnyOf, Levels, Ramp
from .profile import LEVEL_INPUTS, NUMERIC_BOUNDS, ProductComplexity
from .suggest import did_you_mean
from .vocab import Direction, Face, Favours, Verdict

if TYPE_CHECKING:  # pragma: no cover - imported lazily by Rulebook.verify
    from .._analysis.sensitivity import SensitivityReport
    from .._verify.verifier import VerificationReport

__all__ = [
    "Activation",
    "AllOf",
    "AnyOf",
    "Assumption",
    "Axiom",
    "ConditionalAxiom",
    "Direction",
    "Factor",
    "Favours",
    "Levels",
    "NeedStep",
    "Ramp",
    "RiskRule",
    "Rulebook",
    "SeatAxiom",
    "SeatProperty",
    "SeatRule",
    "Statement",
    "Thresholds",
    "as_rulebook",
]

#: Hard limits that keep a hostile rulebook file from exhausting memory or time.
MAX_FACTORS: Final = 200
MAX_RISKS: Final = 100
MAX_TEXT: Final = 2_000
#: Most people a face may need: coverage counts up to the largest need are grid points.
MAX_NEED: Final = 50
#: The marker of a field added in rulebook format 3 (rulebook 3.0.0): left out of the
#: fingerprint where it says nothing, so rulebooks written before keep their fingerprints.
_ADDED_IN_3: Final[dict[str, Any]] = {"added_in_format": 3}
#: Largest threshold magnitude: far beyond any score (at most 200 factors x weight 1,000), and
#: small enough that every margin and distance stays a finite float64.
MAX_THRESHOLD: Final = 1_000_000.0

_Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(printable_text)]


def _one_line(text: str) -> str:
    """Names, versions, titles and sections are printed inside one line of output: no line breaks."""
    if "\n" in text or "\r" in text:
        raise ValueError("holds a line break; valid: one line of text (names, titles and sections)")
    return text


_Line = Annotated[_Text, AfterValidator(_one_line)]
_Identifier = Annotated[str, Field(pattern=r"^[a-z][_a-z0-9]{0,63}$")]
# Numbers are strict: a TOML string ("3") or boolean (true) is refused rather than coerced.
_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Unit = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
_Whole = Annotated[int, Field(strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @model_serializer(mode="wrap")
    def _without_none(self, handler: SerializerFunctionWrapHandler) -> Any:
        # An optional part left out (an axiom without `then`) is left out of the dump too:
        # TOML has no null, and the dump must write back as TOML (`to_toml`, tomli_w).
        data = handler(self)
        return (
            {key: value for key, value in data.items() if value is not None}
            if isinstance(data, dict)
            else data
        )


class Factor(_Model):
    """One consideration from the article, with its weight and when it fires."""

    id: _Identifier = Field(description="Stable identifier, lower_snake_case.")
    title: _Line = Field(description="Short human-readable name.")
    favours: Favours = Field(description="Which hire the factor argues for when it fires.")
    weight: _Number = Field(ge=0.0, le=1_000.0, description="Non-negative weight; 0 disables.")
    section: _Line = Field(
        description="Where in the article the factor comes from, e.g. 'Disadvantages, point 2'."
    )
    reason: _Text = Field(description="One sentence, in the project's own words, saying why.")
    activation: Activation = Field(description="How strongly the factor fires, from 0 to 1.")


class Thresholds(_Model):
    """Where the score turns into a verdict.

    ``score >= technical_min`` gives *technical*, ``score <= traditional_max`` gives
    *traditional*, and anything strictly between is *either*.
    """

    technical_min: _Number = Field(
        ge=-MAX_THRESHOLD, le=MAX_THRESHOLD, description="Lowest score that recommends a technical PM."
    )
    traditional_max: _Number = Field(
        ge=-MAX_THRESHOLD, le=MAX_THRESHOLD, description="Highest score that recommends a traditional PM."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.traditional_max < self.technical_min:
            raise ValueError(
                f"traditional_max={self.traditional_max:g}: not below technical_min={self.technical_min:g}; "
                "valid: traditional_max < technical_min"
            )
        return self


class NeedStep(_Model):
    """How many people each face needs from a company size on."""

    from_company_size: _Whole = Field(
        ge=1, le=NUMERIC_BOUNDS["company_size"][1], description="The step applies from this headcount on."
    )
    people: _Whole = Field(ge=1, le=MAX_NEED, description="People each face needs from that size on.")


class Assumption(_Model):
    """A number of the seat rule that the article does not give: a rule of thumb, labelled so."""

    field: Literal["specialist_min_company_size", "specialist_min_product_team", "need"] = Field(
        description="Which number of [seat] is assumed."
    )
    basis: Literal["assumption"] = Field(description="Always 'assumption': not from the article.")
    rationale: _Text = Field(description="One line saying why this number was chosen.")


class SeatRule(_Model):
    """Stage one: which faces the new hire would own, and whether a hire is needed at all.

    The *stage* is ``specialist`` once PMs split the faces: some PM is already on staff and either
    the company has ``specialist_min_company_size`` people or the product team has
    ``specialist_min_product_team`` PMs. Otherwise (always, with no PM yet) it is ``generalist``.
    Each face *needs* ``people`` from the last :class:`NeedStep` whose ``from_company_size`` the
    company has reached. A generalist seat holds every face below its need; a specialist seat
    holds the one face furthest below its need, ties going to the face listed first in
    ``tie_order``. The seat is empty, and no hire is needed, when every face meets its need.
    """

    section: _Line = Field(description="Article section the seat rule comes from.")
    specialist_min_company_size: _Whole = Field(
        ge=1, le=10_000_000, description="From this headcount on, a company with a PM splits the faces."
    )
    specialist_min_product_team: _Whole = Field(
        ge=1, le=10_000_000, description="With this many PMs already on staff, the faces are split."
    )
    need: tuple[NeedStep, ...] = Field(
        min_length=1,
        max_length=32,
        description="People each face needs, by company size; the first step starts at 1.",
    )
    tie_order: tuple[Face, ...] = Field(
        description="Faces in the order that breaks ties for a specialist seat (each face once)."
    )
    technical_first_from: ProductComplexity | None = Field(
        default=None,
        json_schema_extra=_ADDED_IN_3,
        description=(
            "From this product complexity on, an open technical face wins a tie for a specialist "
            "seat whatever tie_order says (a highly technical product needs its technical face "
            "filled first); None: tie_order alone."
        ),
    )
    assumptions: tuple[Assumption, ...] = Field(
        default=(),
        json_schema_extra=_ADDED_IN_3,
        max_length=8,
        description="Which of the seat's numbers the article does not give, each with its rationale.",
    )

    @model_validator(mode="after")
    def _steps_and_order(self) -> Self:
        if self.need[0].from_company_size != 1:
            raise LocatedError(
                f"from_company_size={self.need[0].from_company_size}: the first step must start the range; 1",
                "need[0].from_company_size",
            )
        for i in range(1, len(self.need)):
            if self.need[i].from_company_size <= self.need[i - 1].from_company_size:
                raise LocatedError(
                    f"from_company_size={self.need[i].from_company_size}: not above the step before "
                    f"({self.need[i - 1].from_company_size}); steps must be in increasing size order",
                    f"need[{i}].from_company_size",
                )
        if sorted(self.tie_order) != sorted(Face) or len(self.tie_order) != len(Face):
            shown = [face.value for face in self.tie_order]
            raise LocatedError(
                f"tie_order={shown}: not every face exactly once; "
                f"a permutation of {[face.value for face in Face]}",
                "tie_order",
            )
        return self

    def assumption(self, field: str) -> Assumption | None:
        """The declared assumption behind one of the seat's numbers, if any."""
        return next((item for item in self.assumptions if item.field == field), None)

    @property
    def max_need(self) -> int:
        """The largest number of people any face can need."""
        return max(step.people for step in self.need)


class Axiom(_Model):
    """A monotonicity promise the rulebook makes and :meth:`Rulebook.verify` checks."""

    id: _Identifier = Field(description="Stable identifier of the axiom.")
    input: str = Field(description="The input the axiom talks about.")
    direction: Direction = Field(description="How the score may move as the input increases.")
    statement: _Text = Field(description="The promise in plain words.")

    @field_validator("input")
    @classmethod
    def _known_input(cls, value: str) -> str:
        known = sorted({*NUMERIC_BOUNDS, *LEVEL_INPUTS})
        if value not in known:
            raise ValueError(f"input={short(value)}: not an input; valid: {', '.join(known)}")
        return value


class SeatProperty(StrEnum):
    """A promise about the seat that :meth:`Rulebook.verify` checks over every profile."""

    COVERAGE_NEVER_ADDS_FACE = "coverage_never_adds_face"
    COVERAGE_NEVER_CREATES_NEED = "coverage_never_creates_need"
    SPECIALIST_HOLDS_ONE_FACE = "specialist_holds_one_face"
    HIRE_NEEDED_IFF_SEAT = "hire_needed_iff_seat"
    SEAT_FACES_BELOW_NEED = "seat_faces_below_need"


class SeatAxiom(_Model):
    """A promise about stage one (the seat) that :meth:`Rulebook.verify` checks exactly."""

    id: _Identifier = Field(description="Stable identifier of the axiom.")
    property: SeatProperty = Field(description="Which property of the seat is promised.")
    statement: _Text = Field(description="The promise in plain words.")


def _stepwise(node: Activation, where: str) -> None:
    """Refuse a ramp whose neighbouring points are more than one apart: a condition must be
    constant between whole numbers, so that the grid decides it exactly."""
    if isinstance(node, Ramp):
        xs = [x for x, _ in node.points]
        if any(b - a != 1 for a, b in pairwise(xs)):
            raise LocatedError(
                f"ramp over {node.input} with points {[int(x) for x in xs]}: a condition's ramp must step "
                "between neighbouring whole numbers (e.g. [[0, 1.0], [1, 0.0]])",
                where,
            )
    for term in node.children():
        _stepwise(term, where)


class ConditionalAxiom(_Model):
    """A firm claim of the article: under a condition, only some verdicts (and a seat) are allowed.

    ``when`` is an activation over profile inputs and the seat's derived inputs; the condition
    holds where it reaches ``min_activation``. ``verdicts`` lists the verdicts allowed there (a
    contiguous run in score order: traditional, either, technical); ``then``, if given, must
    hold there too (an activation over the same inputs, holding at ``min_activation``).
    :meth:`Rulebook.verify` proves both over every profile.
    """

    id: _Identifier = Field(description="Stable identifier of the axiom.")
    section: _Text = Field(description="Where in the article the claim comes from.")
    statement: _Text = Field(description="The claim in plain words.")
    when: Activation = Field(description="The condition, in the activation grammar.")
    min_activation: _Unit = Field(default=0.5, description="The condition holds from this activation on.")
    verdicts: tuple[Verdict, ...] = Field(
        default=tuple(Verdict), min_length=1, max_length=3, description="Verdicts allowed where it holds."
    )
    then: Activation | None = Field(
        default=None, description="A further condition that must hold wherever `when` does (the seat)."
    )

    @model_validator(mode="after")
    def _exact(self) -> Self:
        _stepwise(self.when, "when")
        if self.then is not None:
            _stepwise(self.then, "then")
        ranks = sorted({verdict.rank for verdict in self.verdicts})
        if ranks != list(range(ranks[0], ranks[-1] + 1)):
            raise LocatedError(
                f"verdicts={[v.value for v in self.verdicts]}: not a contiguous run in score order "
                "(traditional, either, technical)",
                "verdicts",
            )
        if len(ranks) == len(Verdict) and self.then is None:
            raise LocatedError("allows every verdict and has no `then`: it promises nothing", "verdicts")
        return self


#: The [seat] parameters a statement's condition can step at.
SeatThreshold = Literal["specialist_min_company_size", "specialist_min_product_team"]


class Statement(_Model):
    """A sentence about the organisation, with the condition under which it is true.

    ``text`` may hold ``{placeholders}`` the renderer fills from the profile and the seat rule;
    wherever it is rendered, ``when`` must reach ``min_activation`` for that profile (the
    sentence check of :meth:`Rulebook.verify` and the test suite prove it over every grid profile).
    """

    id: _Identifier = Field(description="Stable identifier the renderer asks for.")
    text: _Text = Field(description="The words, with {placeholders}.")
    when: Activation | None = Field(default=None, description="When the words are true; always if omitted.")
    min_activation: _Unit = Field(default=0.5, description="The condition holds from this activation on.")
    seat_steps: dict[str, SeatThreshold] = Field(
        default_factory=dict,
        json_schema_extra=_ADDED_IN_3,
        description=(
            "Inputs whose step in `when` sits at a [seat] parameter, whatever the rulebook sets it to: "
            'input name to parameter (company_size = "specialist_min_company_size"). Each ramp over '
            "such an input must be one step between neighbouring whole numbers; the numbers written "
            "are replaced by the parameter's value (the step from value - 1 to value)."
        ),
    )

    @model_validator(mode="after")
    def _single_steps(self) -> Self:
        if self.seat_steps and self.when is None:
            raise LocatedError("seat_steps without `when`: there is no condition to place", "seat_steps")
        for name in self.seat_steps:
            if name not in NUMERIC_BOUNDS:
                raise LocatedError(
                    f"seat_steps key {short(name)}: not an integer input; "
                    f"valid: {', '.join(sorted(NUMERIC_BOUNDS))}",
                    f"seat_steps.{name}",
                )
        if self.when is not None:
            _seat_steps_are_single(self.when, frozenset(self.seat_steps), "when")
        return self


def _seat_steps_are_single(node: Activation, inputs: frozenset[str], where: str) -> None:
    """Every ramp over one of ``inputs`` is a single step between neighbouring whole numbers."""
    if isinstance(node, Ramp) and node.input in inputs:
        xs = [x for x, _ in node.points]
        if len(xs) != 2 or xs[1] - xs[0] != 1:
            raise LocatedError(
                f"ramp over {node.input} with points {[int(x) for x in xs]}: a condition that steps at a "
                "[seat] parameter needs one step between neighbouring whole numbers "
                "(e.g. [[149, 0.0], [150, 1.0]])",
                where,
            )
    for term in node.children():
        _seat_steps_are_single(term, inputs, where)


class RiskRule(_Model):
    """A drawback the article names, raised when a verdict meets the situation that triggers it."""

    id: _Identifier = Field(description="Stable identifier of the risk.")
    title: _Line = Field(description="Short name of the risk.")
    section: _Line = Field(description="Where in the article the risk comes from.")
    applies_to: tuple[Verdict, ...] = Field(
        min_length=1,
        max_length=len(Verdict),
        description="Verdicts for which the risk is considered (each at most once).",
    )
    when: Activation = Field(description="How strongly the situation triggers the risk.")
    min_activation: _Unit = Field(
        default=0.5, description="The risk is reported when `when` reaches this value."
    )
    description: _Text = Field(description="What could go wrong, in the project's own words.")
    mitigation: _Text = Field(description="What to do about it, in the project's own words.")
    if_hired: Favours | None = Field(
        default=None,
        json_schema_extra=_ADDED_IN_3,
        description=(
            "Which hire the drawback belongs to (technical or traditional); inferred from "
            "applies_to when omitted (technical for risks of technical/either verdicts only, "
            "traditional for traditional/either)."
        ),
    )

    def _implied(self, name: str) -> Any:
        """What a field says when it is left out (the fingerprint leaves it out when equal)."""
        if name == "if_hired":
            return _inferred_side(self.applies_to)
        return type(self).model_fields[name].get_default(call_default_factory=True)

    @model_validator(mode="after")
    def _side(self) -> Self:
        if self.if_hired is None:
            side = _inferred_side(self.applies_to)
            if side is None:
                raise LocatedError(
                    f"applies_to={[v.value for v in self.applies_to]}: cannot tell which hire the risk "
                    "belongs to; give if_hired = 'technical' or 'traditional'",
                    "if_hired",
                )
            object.__setattr__(self, "if_hired", side)
        return self

    @property
    def side(self) -> Favours:
        """Which hire the drawback belongs to (always set after validation)."""
        assert self.if_hired is not None
        return self.if_hired

    @field_validator("applies_to")
    @classmethod
    def _each_verdict_once(cls, value: tuple[Verdict, ...]) -> tuple[Verdict, ...]:
        if len(set(value)) != len(value):
            shown = [verdict.value for verdict in value]
            raise ValueError(
                f"applies_to={shown}: a verdict repeats; valid: each of {', '.join(Verdict)} at most once"
            )
        return value


class Rulebook(_Model):
    """A complete, data-only rule set: factors, thresholds, role shape, axioms and risks.

    The TOML file's structure is this model's structure, so
    ``Rulebook.model_validate(tomllib.loads(text))`` builds one and ``model_dump(mode="json")``
    gives the same shape back.
    """

    name: _Line = Field(description="Name of the rulebook.")
    version: _Line = Field(description="Version of the rulebook's content.")
    source: _Text = Field(description="The article the rules encode.")
    thresholds: Thresholds = Field(description="Score thresholds for each verdict.")
    seat: SeatRule = Field(description="Stage one: the faces the hire would own, and whether to hire.")
    factors: tuple[Factor, ...] = Field(
        min_length=1, max_length=MAX_FACTORS, description="The weighted factors."
    )
    axioms: tuple[Axiom, ...] = Field(
        default=(), max_length=50, description="Monotonicity axioms the rules must satisfy."
    )
    seat_axioms: tuple[SeatAxiom, ...] = Field(
        default=(), max_length=50, description="Promises about the seat the rules must keep."
    )
    risks: tuple[RiskRule, ...] = Field(
        default=(), max_length=MAX_RISKS, description="Drawbacks reported with a verdict."
    )
    verdict_axioms: tuple[ConditionalAxiom, ...] = Field(
        default=(),
        json_schema_extra=_ADDED_IN_3,
        max_length=50,
        description="The article's firm claims: verdicts (and seats) allowed under a condition.",
    )
    statements: tuple[Statement, ...] = Field(
        default=(),
        json_schema_extra=_ADDED_IN_3,
        max_length=MAX_RISKS,
        description=(
            "Sentences about the organisation with the conditions that make them true; a rulebook "
            "without them uses the default rulebook's."
        ),
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        groups: tuple[
            tuple[str, tuple[Factor | Axiom | SeatAxiom | RiskRule | ConditionalAxiom | Statement, ...]], ...
        ] = (
            ("factors", self.factors),
            ("axioms", self.axioms),
            ("seat_axioms", self.seat_axioms),
            ("risks", self.risks),
            ("verdict_axioms", self.verdict_axioms),
            ("statements", self.statements),
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
            raise RulebookError(f"rulebook=<{type(data).__name__}>: not a table; valid: a table (mapping)")
        check_depth(data)
        check_counts(data, cls)
        try:
            book = cls.model_validate(data)
        except ValidationError as exc:
            raise rulebook_error(exc, schema=cls) from None
        _check_written_size(book)
        return book

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
            name = shown_path(file)
            problems = [f"{name}: {p}" for p in exc.problems] if len(exc.problems) > 1 else []
            raise RulebookError(f"{name}: {exc.message}", location=exc.location, problems=problems) from None

    def to_toml(self) -> str:
        """The rulebook as TOML text that :meth:`from_toml` reads back to an equal rulebook
        (fields that are None, such as an axiom without ``then``, are left out: TOML has no null)."""
        import tomli_w  # only for writing: not a cost of recommend()

        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))

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
        if not isinstance(weights, Mapping):
            raise TypeError(
                f"weights={short(weights)}: a {type(weights).__name__}; "
                "valid: a mapping of factor id to weight"
            )
        known = {factor.id for factor in self.factors}
        unknown = sorted(set(weights) - known, key=str)
        if unknown:
            raise RulebookError(
                f"weights={short(unknown)}: unknown factor id(s); valid: {', '.join(sorted(known))}"
                + did_you_mean(unknown[0], known),
                location="weights",
            )
        data = self.model_dump(mode="json")
        for item in data["factors"]:
            if item["id"] in weights:
                weight = weights[item["id"]]
                # numpy numbers (a weight read from a frame) count as the Python numbers they hold
                kind = getattr(getattr(weight, "dtype", None), "kind", "")
                is_number = type(weight).__module__ == "numpy" and kind in ("i", "u", "f")
                item["weight"] = float(weight) if is_number else weight
        return Rulebook.from_mapping(data)

    # -- derived ------------------------------------------------------------------------

    @cached_property
    def fingerprint(self) -> str:
        """The sha256 of the canonical JSON content; equal rules give equal fingerprints."""
        canonical = json.dumps(
            zero_signless(_without_unsaid_additions(self, self.model_dump(mode="json"))),
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, with ``update`` applied; the copy's fingerprint is computed afresh."""
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("fingerprint", None)  # a cached_property of the original's content
        return copy

    def __repr__(self) -> str:
        """One line: name, version, counts and fingerprint (every rule: ``to_toml()``, ``_repr_html_``)."""
        return (
            f"Rulebook(name={short(self.name)}, version={short(self.version)}, {len(self.factors)} factors, "
            f"{len(self.risks)} risks, {len(self.axioms) + len(self.seat_axioms)} axioms, "
            f"fingerprint={self.fingerprint[:12]!r})"
        )

    def _repr_html_(self) -> str:
        """Notebook display: name, version, thresholds and every factor as a table."""
        from .._render import render

        return render(self, "html")

    @property
    def factor_ids(self) -> tuple[str, ...]:
        """Ids of the factors, in rulebook order."""
        return tuple(factor.id for factor in self.factors)

    def verify(self, *, renderings: Literal["sample", "all"] | int = "sample") -> VerificationReport:
        """Prove the rules consistent over every possible profile.

        Parameters
        ----------
        renderings : {"sample", "all"} or int, default "sample"
            Which kinds of advice the sentence check renders in full (explain(), its Markdown,
            the brief and the counterfactual lines): at most 64 evenly spread, every kind
            ("all": a few seconds for the default rulebook), or at most that many.
            ``report.sentences`` says which.

        Returns
        -------
        VerificationReport
            Same as :func:`tpm_fit.verify_rulebook` with default settings otherwise; see
            ``docs/verification.md``.

        Raises
        ------
        InvalidArgumentError
            ``renderings`` is not "sample", "all" or a whole number of at least 1.
        """
        from .._verify.verifier import verify_rulebook

        return verify_rulebook(self, renderings=renderings)

    def sensitivity(self, *, delta: float = 0.1, max_work: int = 20_000_000_000) -> SensitivityReport:
        """Per factor, the share of verification-grid profiles whose verdict a ``±delta`` change
        of its weight (relative, one factor at a time) would change. Exact, no sampling.

        Parameters
        ----------
        delta : float, default 0.1
            Relative weight change, greater than 0 and at most 1.
        max_work : int, default 20_000_000_000
            Refuse an analysis whose predicted work (about nanoseconds) is larger, before it starts.

        Returns
        -------
        SensitivityReport
            Grid points are not a population: see ``docs/robustness.md``.
        """
        from .._analysis.sensitivity import rulebook_sensitivity

        return rulebook_sensitivity(self, delta=delta, max_work=max_work)


def _inferred_side(applies_to: Iterable[Verdict]) -> Favours | None:
    """The hire a risk belongs to when it does not say: the one side its verdicts name."""
    applies = set(applies_to)
    if applies <= {Verdict.TECHNICAL, Verdict.EITHER} and Verdict.TECHNICAL in applies:
        return Favours.TECHNICAL
    if applies <= {Verdict.TRADITIONAL, Verdict.EITHER} and Verdict.TRADITIONAL in applies:
        return Favours.TRADITIONAL
    return None


def _without_unsaid_additions(model: BaseModel, dumped: Any) -> Any:
    """``dumped`` (``model``'s JSON form) without the fields added in rulebook format 3 that say
    nothing (equal to what leaving them out implies), at any depth.

    A rulebook written before those fields existed keeps the fingerprint it was recorded with, so
    decision logs that store it still check and replay; a rulebook that uses them is hashed with
    them. Mark every field added from now on with ``json_schema_extra=_ADDED_IN_3`` (or a later
    marker) and a default.
    """
    for name, info in type(model).model_fields.items():
        if name not in dumped:
            continue
        value = getattr(model, name)
        extra = info.json_schema_extra
        if isinstance(extra, dict) and "added_in_format" in extra:
            implied = getattr(model, "_implied", None)
            said = implied(name) if implied is not None else info.get_default(call_default_factory=True)
            if value == said:
                del dumped[name]
                continue
        if isinstance(value, BaseModel):
            _without_unsaid_additions(value, dumped[name])
        elif isinstance(value, tuple | list):
            for item, item_dumped in zip(value, dumped[name], strict=False):
                if isinstance(item, BaseModel):
                    _without_unsaid_additions(item, item_dumped)
    return dumped


#: Below this much JSON, the TOML form is far below MAX_RULEBOOK_BYTES: not worth writing out.
_WRITE_CHECK_FROM: Final = MAX_RULEBOOK_BYTES // 8


def _check_written_size(book: Rulebook) -> None:
    """Refuse a rulebook whose TOML form would be too large to read back (or to store in a log).

    Written-out TOML can be longer than a compact document that loaded (spaces around ``=``,
    one value per line), so a document just under the limit could load and then fail to
    round-trip through :meth:`Rulebook.to_toml` and a decision log.
    """
    if len(book.model_dump_json()) < _WRITE_CHECK_FROM:
        return
    size = len(book.to_toml().encode("utf-8"))
    if size > MAX_RULEBOOK_BYTES:
        raise RulebookError(
            f"rulebook=<{size:,} bytes as written by to_toml()>: too large to read back or to log; "
            f"valid: at most {MAX_RULEBOOK_BYTES:,} bytes written out (shorten texts or remove factors)"
        )


def as_rulebook(rulebook: object, *, argument: str = "rulebook") -> Rulebook:
    """A Rulebook from a Rulebook, a path to a TOML file (str or PathLike), or None (the default).

    Raises
    ------
    TypeError
        For anything else.
    RulebookError
        The file cannot be read or is not a valid rulebook.
    """
    if rulebook is None:
        return Rulebook.default()
    if isinstance(rulebook, Rulebook):
        return rulebook
    if isinstance(rulebook, str | os.PathLike):
        if isinstance(rulebook, str) and not rulebook:
            raise RulebookError(f"{argument}='': an empty path; valid: a Rulebook or a path to a TOML file")
        return Rulebook.load(Path(rulebook))
    raise TypeError(
        f"{argument}={short(rulebook)}: a {type(rulebook).__name__}; valid: a Rulebook, a path to a "
        "TOML file (str or os.PathLike), or None for the default"
    )


def _default_rulebook() -> Rulebook:
    global _DEFAULT
    if _DEFAULT is None:
        text = resources.files("tpm_fit").joinpath("rulebooks/default.toml").read_text("utf-8")
        _DEFAULT = Rulebook.from_toml(text)
    return _DEFAULT


_DEFAULT: Rulebook | None = None
