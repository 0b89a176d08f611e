"""Hiring guidance as data: responsibilities, qualifications and interview material (description only).

The guidance is a TOML document shipped beside the default rulebook
(``rulebooks/guidance.toml``) and read with the rulebook's own loader: bounded parsing, a 1 MiB
limit, pydantic validation and located :class:`~tpm_fit.RulebookError` messages. It holds no
code. *When* an item matters is declared as :class:`EmphasisRule` s whose conditions are the
kernel's activation primitives (:class:`~tpm_fit.Ramp`, :class:`~tpm_fit.Levels`,
:class:`~tpm_fit.AllOf`, :class:`~tpm_fit.AnyOf`), evaluated by :mod:`tpm_fit._hiring.brief`
with the kernel's compiled nodes. Semantic checks (sections cited, five anchored levels, known
faces and inputs) live in :mod:`tpm_fit._verify.guidance`, so that every problem is reported at
once.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from .._errors import RulebookError, short
from .._model.loading import (
    check_counts,
    check_depth,
    parse_toml,
    printable_text,
    read_rulebook_file,
    rulebook_error,
    shown_path,
    zero_signless,
)
from .._model.primitives import Activation
from .._model.vocab import Face, Favours, Verdict

__all__ = [
    "CompetencySpec",
    "EmphasisRule",
    "Guidance",
    "ProbeSpec",
    "QualificationSpec",
    "QuestionSpec",
    "ResponsibilitySpec",
    "Targets",
    "as_guidance",
]

MAX_ITEMS: Final = 100
MAX_RULES: Final = 32
MAX_TEXT: Final = 2_000
#: Levels of an anchored rating scale; the checks require exactly this many anchors.
SCALE_LEVELS: Final = 5

_Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(printable_text)]
# A section may be given empty in the document: the guidance checks report it with its location.
_Section = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(printable_text)]
_Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
_Unit = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
_Level = Annotated[int, Field(strict=True, ge=1, le=SCALE_LEVELS)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class EmphasisRule(_Model):
    """One reason an item matters more in a situation.

    The rule's strength is ``weight`` times the activation of ``when`` (1 without ``when``), and
    0 when the verdict is not among ``verdicts``. Conditions read profile inputs and the seat's
    derived inputs (``role_shape``, ``seat_strategy``, ``seat_marketing``, ``seat_technical``,
    ``hire_needed``) exactly as a rulebook factor does.
    """

    reason: _Text = Field(description="Why the item matters when the rule fires, in plain words.")
    weight: _Unit = Field(default=1.0, description="Largest strength of the rule, from 0 to 1.")
    when: Activation | None = Field(
        default=None, description="Condition, as a kernel activation; always 1 when omitted."
    )
    verdicts: tuple[Verdict, ...] = Field(
        default=tuple(Verdict),
        min_length=1,
        max_length=3,
        description="Verdicts under which the rule applies (all three by default).",
    )


class ResponsibilitySpec(_Model):
    """A responsibility from the article's job description, with when it weighs more."""

    id: _Identifier = Field(description="Stable identifier, lower_snake_case.")
    text: _Text = Field(description="The responsibility in the project's own words.")
    section: _Section = Field(description="Article section it comes from.")
    faces: tuple[Face, ...] = Field(
        min_length=1, max_length=3, description="Faces of product management it belongs to."
    )
    base: _Unit = Field(default=0.2, description="Emphasis when no rule fires, from 0 to 1.")
    emphasis: tuple[EmphasisRule, ...] = Field(
        default=(), max_length=MAX_RULES, description="Rules that raise its emphasis."
    )


class QuestionSpec(_Model):
    """An interview question, with the faces that make it relevant."""

    text: _Text = Field(description="The question, as asked.")
    faces: tuple[Face, ...] = Field(
        default=(),
        max_length=3,
        description="Faces the question probes; preferred when the seat holds one of them. "
        "Empty: relevant to any seat.",
    )
    when: Activation | None = Field(
        default=None,
        description=(
            "The situation the question is written for (an activation over the profile and the "
            "seat, holding from 0.5): asked first where it holds, never where it does not."
        ),
    )


class CompetencySpec(_Model):
    """How a qualification is assessed: an anchored rating scale and interview questions."""

    id: _Identifier = Field(description="Competency id used in ratings.")
    name: _Text = Field(description="Short name shown on the scorecard.")
    anchors: tuple[_Text, ...] = Field(
        min_length=1,
        max_length=10,
        description="Observable behaviour at levels 1 to 5, lowest first (the checks require five).",
    )
    questions: tuple[QuestionSpec, ...] = Field(
        min_length=1, max_length=12, description="Question pool; the brief picks two or three."
    )


class QualificationSpec(_Model):
    """A qualification from the article's hiring section, with when it is a must-have."""

    id: _Identifier = Field(description="Stable identifier, lower_snake_case.")
    text: _Text = Field(description="The qualification in the project's own words.")
    section: _Section = Field(description="Article section it comes from.")
    faces: tuple[Face, ...] = Field(default=(), max_length=3, description="Faces it mostly serves.")
    must_have: tuple[EmphasisRule, ...] = Field(
        default=(),
        max_length=MAX_RULES,
        description="Rules that make it a must-have; without one firing it is nice-to-have.",
    )
    nice_to_have_reason: _Text = Field(
        default="Helpful, but this seat does not depend on it.",
        description="Why it is only nice-to-have when no must-have rule fires.",
    )
    leans: Favours | None = Field(
        default=None,
        description="Which side of the trace raises its scorecard weight under trace weighting "
        "(technical, traditional, or none).",
    )
    competency: CompetencySpec | None = Field(
        default=None, description="How it is assessed (the checks require one)."
    )


class ProbeSpec(_Model):
    """A probe question for a risk of the recommendation: it tests the risk's mitigation."""

    risk: _Identifier = Field(description="Id of the rulebook risk it probes.")
    competency: _Identifier = Field(description="Competency the answer is rated under.")
    question: _Text = Field(description="The question, as asked.")


class Targets(_Model):
    """Scorecard target levels by priority."""

    must_have: _Level = Field(default=4, description="Target level of a must-have competency.")
    nice_to_have: _Level = Field(default=3, description="Target level of a nice-to-have competency.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.nice_to_have > self.must_have:
            raise ValueError(
                f"nice_to_have={self.nice_to_have}: above must_have={self.must_have}; "
                "a nice-to-have target at most the must-have one"
            )
        return self


class Guidance(_Model):
    """Responsibilities, qualifications, scorecard material and probes: the data behind a brief.

    Examples
    --------
    >>> from tpm_fit import Guidance
    >>> len(Guidance.default().responsibilities)
    9
    """

    name: _Text = Field(description="Name of the guidance document.")
    version: _Text = Field(description="Version of its content.")
    source: _Text = Field(description="The article the guidance draws on.")
    must_have_at: _Unit = Field(
        default=0.5, description="A qualification is a must-have when a rule fires at least this much."
    )
    shown_at: _Unit = Field(
        default=0.05, description="Rules firing at least this much are listed in an item's 'why'."
    )
    targets: Targets = Field(default_factory=Targets, description="Scorecard targets by priority.")
    responsibilities: tuple[ResponsibilitySpec, ...] = Field(
        min_length=1, max_length=MAX_ITEMS, description="Responsibilities, in the article's order."
    )
    qualifications: tuple[QualificationSpec, ...] = Field(
        min_length=1, max_length=MAX_ITEMS, description="Qualifications, in the article's order."
    )
    probes: tuple[ProbeSpec, ...] = Field(
        default=(), max_length=MAX_ITEMS, description="Probe questions for rulebook risks."
    )
    backgrounds: dict[Favours, tuple[_Text, ...]] = Field(
        default_factory=dict,
        description=(
            "Backgrounds the hire typically comes from, by background (technical, traditional); "
            "the brief names them for its verdict (both for 'either')."
        ),
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        tables: dict[str, list[str]] = {
            "responsibilities": [item.id for item in self.responsibilities],
            "qualifications": [item.id for item in self.qualifications],
        }
        for table, ids in tables.items():
            seen: dict[str, int] = {}
            for i, id_ in enumerate(ids):
                if id_ in seen:
                    raise ValueError(
                        f"{table}[{i}].id={short(id_)}: already used by {table}[{seen[id_]}]; "
                        "ids must be unique"
                    )
                seen[id_] = i
        return self

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def default(cls) -> Guidance:
        """The guidance shipped with tpm_fit (``rulebooks/guidance.toml``); cached."""
        return _default_guidance()

    @classmethod
    def from_toml(cls, text: str | bytes) -> Guidance:
        """Build guidance from TOML text (at most 1 MiB).

        Raises
        ------
        RulebookError
            Invalid TOML, too large, or content that breaks a rule, located (``qualifications[1].id``).
        """
        return cls.from_mapping(parse_toml(text, what="guidance"))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Guidance:
        """Build guidance from already-parsed data.

        Raises
        ------
        RulebookError
            With the location of every problem.
        """
        if not isinstance(data, Mapping):
            raise RulebookError(f"guidance=<{type(data).__name__}>: not a table; valid: a table (mapping)")
        check_depth(data)
        check_counts(data, cls)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise rulebook_error(exc, schema=cls) from None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Guidance:
        """Read guidance from a TOML file.

        Raises
        ------
        RulebookError
            The file cannot be read or is not valid guidance; the message names the file.
        """
        file = Path(path)
        raw = read_rulebook_file(file, what="guidance")
        try:
            return cls.from_toml(raw)
        except RulebookError as exc:
            name = shown_path(file)
            raise RulebookError(
                f"{name}: {exc.message}", location=exc.location, problems=exc.problems
            ) from None

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the canonical JSON content; equal guidance gives equal fingerprints."""
        canonical = json.dumps(
            zero_signless(self.model_dump(mode="json")), sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, with ``update`` applied; the copy's fingerprint is computed afresh."""
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("fingerprint", None)  # a cached_property of the original's content
        return copy


def as_guidance(guidance: object, *, argument: str = "guidance") -> Guidance:
    """Guidance from a Guidance, a path to a TOML file, or None (the default).

    Raises
    ------
    TypeError
        For anything else.
    RulebookError
        The file cannot be read or is not valid guidance.
    """
    if guidance is None:
        return Guidance.default()
    if isinstance(guidance, Guidance):
        return guidance
    if isinstance(guidance, str | os.PathLike):
        if isinstance(guidance, str) and not guidance.strip():
            raise RulebookError(f"{argument}='': an empty path; valid: a Guidance or a path to a TOML file")
        return Guidance.load(guidance)
    raise TypeError(
        f"{argument}={short(guidance)}: a {type(guidance).__name__}; valid: a Guidance, a path to a "
        "TOML file (str or os.PathLike), or None for the default"
    )


_DEFAULT: Guidance | None = None
_LOCK: Final = threading.Lock()


def _default_guidance() -> Guidance:
    global _DEFAULT
    if _DEFAULT is None:
        text = resources.files("tpm_fit").joinpath("rulebooks/guidance.toml").read_text("utf-8")
        built = Guidance.from_toml(text)
        with _LOCK:
            if _DEFAULT is None:
                _DEFAULT = built
    return _DEFAULT
