"""The role brief: what the seat does, what the hire needs, and how to interview (description only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import Field, model_validator

from .._errors import short
from .._model.frozen import Frozen as _Frozen
from .._model.suggest import did_you_mean
from .._model.vocab import Face, Favours, RoleShape, Verdict, check_hire_follows_seat

if TYPE_CHECKING:
    from .panel import PanelSummary, Rating

__all__ = [
    "AnchoredLevel",
    "Competency",
    "Priority",
    "Probe",
    "Qualification",
    "Responsibility",
    "RoleBrief",
]

_Level = Annotated[int, Field(ge=1, le=5)]


class Priority(StrEnum):
    """How much a qualification matters for this seat."""

    MUST_HAVE = "must_have"
    NICE_TO_HAVE = "nice_to_have"


class Responsibility(_Frozen):
    """A responsibility of the role, with how much this seat stresses it and why."""

    id: str = Field(description="The responsibility's id in the guidance.")
    text: str = Field(description="What the role does, in plain words.")
    faces: tuple[Face, ...] = Field(description="Faces of product management it belongs to.")
    section: str = Field(description="Article section it comes from.")
    emphasis: float = Field(ge=0.0, le=1.0, description="How much this seat stresses it, from 0 to 1.")
    shared: bool = Field(
        description="True when none of its faces is in the seat: the hire shares it with the "
        "people who already cover those faces."
    )
    why: tuple[str, ...] = Field(description="The rules that raised its emphasis, with the inputs they read.")


class Qualification(_Frozen):
    """A qualification the hire needs, as a must-have or a nice-to-have."""

    id: str = Field(description="The qualification's id in the guidance.")
    text: str = Field(description="What to look for, in plain words.")
    section: str = Field(description="Article section it comes from.")
    priority: Priority = Field(description="must_have or nice_to_have for this seat.")
    competency: str = Field(description="Id of the scorecard competency that assesses it.")
    why: tuple[str, ...] = Field(description="Why it has this priority here.")


class AnchoredLevel(_Frozen):
    """One level of a behaviourally anchored rating scale."""

    level: _Level = Field(description="The level, from 1 (lowest) to 5.")
    behaviour: str = Field(description="Observable behaviour that earns this level.")


class Competency(_Frozen):
    """One scorecard line: a competency rated on an anchored scale from planned questions."""

    id: str = Field(description="Competency id; ratings name it.")
    name: str = Field(description="Short name.")
    qualification: str = Field(description="Id of the qualification it assesses.")
    weight: float = Field(ge=0.0, le=1.0, description="Share of the scorecard; the weights add up to 1.")
    weight_reason: str = Field(description="Why the weight is what it is (equal, or from the trace).")
    levels: tuple[AnchoredLevel, ...] = Field(
        min_length=5, max_length=5, description="Anchors for levels 1 to 5, in order."
    )
    questions: tuple[str, ...] = Field(
        min_length=2, max_length=3, description="Two or three planned interview questions."
    )
    target: _Level = Field(description="The level this seat needs.")

    @model_validator(mode="after")
    def _levels_in_order(self) -> Self:
        if [item.level for item in self.levels] != [1, 2, 3, 4, 5]:
            raise ValueError(
                f"levels={[item.level for item in self.levels]}: not the levels 1 to 5 in order; "
                "[1, 2, 3, 4, 5]"
            )
        return self


class Probe(_Frozen):
    """A question that tests the mitigation of one risk of the recommendation."""

    risk: str = Field(description="Id of the risk in the rulebook.")
    risk_title: str = Field(description="Short name of the risk.")
    section: str = Field(description="Article section the risk comes from.")
    mitigation: str = Field(description="The mitigation the question tests.")
    competency: str = Field(description="Competency the answer is rated under.")
    question: str = Field(description="The question, as asked.")
    if_hired: Favours | None = Field(
        default=None, description="Which hire the risk belongs to: technical or traditional."
    )


class RoleBrief(_Frozen):
    """A role brief for one recommendation: responsibilities, qualifications and a scorecard.

    Build it with :meth:`tpm_fit.Recommendation.brief`. When no hire is needed, ``summary``
    says so first and the brief still describes the role, for a backfill.
    """

    title: str = Field(description="Job title for the seat.")
    summary: str = Field(description="What the seat is and why, in plain words.")
    hire_needed: bool = Field(description="As in the recommendation: False means a backfill brief.")
    seat: tuple[Face, ...] = Field(description="Faces the hire would own, as in the recommendation.")
    role_shape: RoleShape = Field(description="generalist or specialist, as in the recommendation.")
    verdict: Verdict = Field(description="Background the seat calls for, as in the recommendation.")
    responsibilities: tuple[Responsibility, ...] = Field(
        description="Seat responsibilities first, then shared ones; each group by emphasis."
    )
    qualifications: tuple[Qualification, ...] = Field(description="Must-haves first, then nice-to-haves.")
    scorecard: tuple[Competency, ...] = Field(description="One competency per qualification, same order.")
    probes: tuple[Probe, ...] = Field(description="One question per risk of the recommendation.")
    backgrounds: tuple[str, ...] = Field(
        default=(), description="Backgrounds to look for, as the article lists them for this verdict."
    )
    rulebook_fingerprint: str = Field(description="sha256 of the rulebook behind the recommendation.")
    guidance_name: str = Field(description="Name of the guidance used.")
    guidance_version: str = Field(description="Version of the guidance used.")
    guidance_fingerprint: str = Field(description="sha256 of the guidance's canonical content.")
    library_version: str = Field(description="tpm_fit version that built the brief.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_hire_follows_seat(self.hire_needed, self.seat)
        ids = [item.id for item in self.scorecard]
        if len(set(ids)) != len(ids):
            raise ValueError(f"scorecard={ids}: competency ids repeat; each competency once")
        unknown = sorted({probe.competency for probe in self.probes} - set(ids))
        if unknown:
            raise ValueError(f"probes name competencies {unknown} not on the scorecard; valid: {ids}")
        return self

    def competency(self, id: str) -> Competency:
        """The scorecard competency with this id.

        Raises
        ------
        KeyError
            No competency has this id; the message lists the valid ones.
        """
        for item in self.scorecard:
            if item.id == id:
                return item
        known = [c.id for c in self.scorecard]
        raise KeyError(f"competency={id!r}: not on the scorecard; valid: {known}{did_you_mean(id, known)}")

    def must_haves(self) -> tuple[Qualification, ...]:
        """The must-have qualifications, in brief order."""
        return tuple(q for q in self.qualifications if q.priority is Priority.MUST_HAVE)

    def to_markdown(self) -> str:
        """The brief as Markdown, ready to paste into a document."""
        from .._render import render

        return render(self, "markdown")

    def to_html(self) -> str:
        """The brief as an HTML fragment (no scripts, every text escaped)."""
        from .._render import render

        return render(self, "html")

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        """One line: title, verdict, seat and counts (the full brief: ``to_markdown()``)."""
        seat = "+".join(face.value for face in self.seat) or "none"
        return (
            f"RoleBrief(title={short(self.title)}, verdict={self.verdict.value!r}, seat={seat!r}, "
            f"{len(self.responsibilities)} responsibilities, {len(self.qualifications)} qualifications, "
            f"{len(self.probes)} probes)"
        )

    def to_job_posting(self) -> dict[str, Any]:
        """The brief as a schema.org ``JobPosting`` in JSON-LD (a dict ready for ``json.dumps``).

        Uses only properties schema.org defines for JobPosting: ``title``, ``description``,
        ``responsibilities``, ``qualifications``, ``experienceRequirements`` and ``skills``.
        """
        from .._render.brief import job_posting

        return job_posting(self)

    def summarize_panel(self, ratings: Iterable[Rating | Mapping[str, Any]]) -> PanelSummary:
        """Same as :func:`tpm_fit.summarize_panel` with this brief."""
        from .panel import summarize_panel

        return summarize_panel(self, ratings)
