"""The output: a recommendation with its full explanation trace (description only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Self

from pydantic import Field, model_validator

from .._errors import short
from .frozen import Frozen as _Frozen
from .profile import OrgProfile
from .rulebook import Rulebook, Thresholds
from .vocab import Face, Favours, RoleShape, Verdict, check_hire_follows_seat

if TYPE_CHECKING:
    import os

    from .._analysis.robustness import Robustness
    from .._engine.counterfactual import Counterfactual
    from .._hiring.brief import Weighting
    from .._hiring.models import RoleBrief
    from .._model.guidance import Guidance

__all__ = [
    "MADE_WITH",
    "RESULT_SCHEMA_VERSION",
    "Face",
    "Recommendation",
    "Risk",
    "RoleShape",
    "TraceStep",
    "Verdict",
]

#: The format version of the results this tpm_fit makes. 1 is the format of tpm_fit 0.2.0 and
#: earlier, which had no ``schema_version`` field; raise it whenever a field is added to
#: :class:`Recommendation`, :class:`TraceStep` or :class:`Risk` (every new field has a default,
#: so a result of an older version still reads, with the new fields at their defaults). Declare
#: the version that added a field as ``json_schema_extra={"since": N}``: a decision log hashes an
#: entry in its own format (``tpm_fit._records.models.in_own_format``), so that entries written
#: before the field existed still check out.
RESULT_SCHEMA_VERSION: Final = 2

#: Key under which recommend() keeps the rulebook object in a result's ``__dict__`` (not a field).
MADE_WITH: Final = "_made_with"


def _known_schema_version(kind: str, value: Any, current: int) -> None:
    """Refuse a result or record written by a newer tpm_fit, with a message saying so."""
    if isinstance(value, int) and not isinstance(value, bool) and value > current:
        raise ValueError(
            f"schema_version={value}: this {kind} was written by a newer tpm_fit (format "
            f"{value}); this tpm_fit reads formats 1 to {current}; upgrade tpm_fit to read it"
        )


class TraceStep(_Frozen):
    """How one factor moved the score."""

    factor: str = Field(description="The factor's id in the rulebook.")
    title: str = Field(description="The factor's short name.")
    favours: Favours = Field(description="Which hire the factor argues for.")
    weight: float = Field(description="The factor's weight in the rulebook.")
    activation: float = Field(description="How strongly it fired, from 0 to 1.")
    contribution: float = Field(
        description="Signed effect on the score: weight times activation, negative if it "
        "favours a traditional PM."
    )
    section: str = Field(description="Article section the factor comes from.")
    reason: str = Field(description="Why the factor matters, in one sentence.")


class Risk(_Frozen):
    """A drawback of the recommended hire in this situation, with what to do about it."""

    id: str = Field(description="The risk's id in the rulebook.")
    title: str = Field(description="Short name of the risk.")
    section: str = Field(description="Article section the risk comes from.")
    description: str = Field(description="What could go wrong.")
    mitigation: str = Field(description="What to do about it.")
    activation: float = Field(description="How strongly the situation triggers it, from 0 to 1.")
    if_hired: Favours | None = Field(
        default=None,
        json_schema_extra={"since": 2},
        description=(
            "Which hire the drawback belongs to: technical or traditional. Set on every risk from "
            "release 0.3 on; None only in records written before."
        ),
    )


class Recommendation(_Frozen):
    """A recommendation for a human to weigh, with everything needed to audit it.

    Two stages, in the article's order: the **seat** (``role_shape``, ``seat``, ``hire_needed``,
    ``need_reason``) says which faces the new hire would own and whether a hire is needed at all;
    the **background** (``verdict``, ``score``, ``trace``, ``risks``) says which background fits
    that seat. ``score`` is the sum of the trace's contributions; positive favours a technical PM.
    When no hire is needed the verdict still answers "if you hire anyway (a backfill), which
    background?": the seat factors stay at zero and the company-wide factors decide.
    """

    schema_version: int = Field(
        default=1,
        ge=1,
        le=RESULT_SCHEMA_VERSION,
        strict=True,
        json_schema_extra={"since": 2},
        description="Format version of this result: 1 for results made by tpm_fit 0.2.0 and "
        f"earlier (which lack this field), {RESULT_SCHEMA_VERSION} for this tpm_fit. Fields added "
        "since an older result was made read as their defaults.",
    )
    verdict: Verdict = Field(description="technical, traditional or either.")
    score: float = Field(description="Sum of the contributions; positive favours technical.")
    thresholds: Thresholds = Field(description="The thresholds that turned the score into a verdict.")
    role_shape: RoleShape = Field(
        description=(
            "generalist (one person wears every open hat) or specialist (the faces are split between people)."
        )
    )
    seat: tuple[Face, ...] = Field(
        description="Faces the new hire would own, in the article's order: for a generalist every "
        "face below its need, for a specialist the one furthest below it; empty when every face "
        "already has the people it needs."
    )
    hire_needed: bool = Field(description="True exactly when the seat holds at least one face.")
    need_reason: str = Field(description="One sentence saying why the seat is what it is.")
    trace: tuple[TraceStep, ...] = Field(description="One step per factor, in rulebook order.")
    risks: tuple[Risk, ...] = Field(description="Drawbacks that apply to this verdict here.")
    profile: OrgProfile = Field(description="The input, as validated.")
    rulebook_name: str = Field(description="Name of the rulebook used.")
    rulebook_version: str = Field(description="Version of the rulebook used.")
    rulebook_fingerprint: str = Field(description="sha256 of the rulebook's canonical content.")
    library_version: str = Field(description="tpm_fit version that produced the result.")
    open_seats: tuple[Face, ...] = Field(
        default=(),
        json_schema_extra={"since": 2},
        description=(
            "Every face still below its need, in the order to fill them; the seat is the first of "
            "them for a specialist, all of them for a generalist. Empty when no hire is needed."
        ),
    )
    assumed: tuple[str, ...] = Field(
        default=(),
        json_schema_extra={"since": 2},
        description=(
            "Inputs that were not given and took their defaults (OrgProfile field order); no "
            "sentence states them as facts about the company."
        ),
    )
    warnings: tuple[str, ...] = Field(
        default=(),
        json_schema_extra={"since": 2},
        description="Implausible but legal combinations of inputs, in words (PMs on staff covering nothing).",
    )

    @model_validator(mode="before")
    @classmethod
    def _not_newer(cls, data: Any) -> Any:
        if isinstance(data, dict):
            _known_schema_version("result", data.get("schema_version"), RESULT_SCHEMA_VERSION)
        return data

    @model_validator(mode="after")
    def _hire_follows_seat(self) -> Self:
        check_hire_follows_seat(self.hire_needed, self.seat)
        return self

    @classmethod
    def _from_parts(cls, parts: dict[str, Any]) -> Self:
        """A Recommendation from parts that are already valid, without revalidating them.

        For the kernel's output only (``recommend()``): ``parts`` holds every field, in field
        order, with values of the validated types, and ``hire_needed == bool(seat)``. Equal to
        the validated object (``tests/test_speed_recommend.py``).
        """
        made = cls.__new__(cls)
        object.__setattr__(made, "__dict__", parts)
        object.__setattr__(made, "__pydantic_fields_set__", set(_FIELD_NAMES))
        object.__setattr__(made, "__pydantic_extra__", None)
        object.__setattr__(made, "__pydantic_private__", None)
        return made

    def explain(self, *, top: int = 3) -> str:
        """Readable text: verdict, the strongest reasons for and against, and the risks.

        Parameters
        ----------
        top : int, default 3
            How many reasons to list on each side.
        """
        from .._render import render

        return render(self, "text", top=top)

    def to_markdown(self, *, top: int = 3) -> str:
        """The explanation as Markdown, with the full trace as a table."""
        from .._render import render

        return render(self, "markdown", top=top)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from .._render import render

        return render(self, "html")

    def counterfactuals(self, *, rulebook: Rulebook | None = None) -> tuple[Counterfactual, ...]:
        """For each input, the smallest change that would flip the verdict (or none).

        Parameters
        ----------
        rulebook : Rulebook, optional
            Needed only for a result read back from JSON that was made with a rulebook other
            than the default; it must have the recorded fingerprint.

        Returns
        -------
        tuple of Counterfactual
            One entry per input, in ``OrgProfile`` field order.
        """
        from .._engine.counterfactual import counterfactuals

        return counterfactuals(self, rulebook=rulebook)

    def robustness(
        self,
        *,
        spread: float = 0.5,
        samples: int = 10_000,
        seed: int = 0,
        rulebook: Rulebook | None = None,
        max_work: int = 20_000_000_000,
    ) -> Robustness:
        """How firm the verdict is: exact weight-flip margins and acceptability (docs/robustness.md).

        Needs only the trace, score and thresholds, so it works on a result read back from JSON.

        Parameters
        ----------
        spread : float, default 0.5
            Each weight is multiplied by an independent uniform factor in
            ``[1 - spread, 1 + spread]`` for the acceptability shares; from 0 to 1.
        samples : int, default 10_000
            Weight vectors sampled.
        seed : int, default 0
            Seed of numpy's default generator; equal seeds give equal figures.
        rulebook : Rulebook, optional
            If given, it must have the recorded fingerprint (a check, nothing is re-scored).
        max_work : int, default 20_000_000_000
            Refuse sampling whose predicted work (about nanoseconds) is larger, before it starts.

        Returns
        -------
        Robustness
            Per-factor margins, the nearest flip, acceptability shares and central weights.

        Raises
        ------
        InvalidArgumentError
            An argument out of range (a ``ValueError`` and a ``TpmFitError``).
        RulebookError
            The predicted work exceeds ``max_work``.
        TpmFitError
            ``rulebook`` has another fingerprint, or the verdict does not follow from the score.
        """
        from .._analysis.robustness import robustness

        return robustness(
            self, spread=spread, samples=samples, seed=seed, rulebook=rulebook, max_work=max_work
        )

    def brief(
        self,
        *,
        guidance: Guidance | str | os.PathLike[str] | None = None,
        rulebook: Rulebook | None = None,
        weighting: Weighting = "equal",
    ) -> RoleBrief:
        """The role brief: responsibilities, qualifications, an interview scorecard and probes.

        Parameters
        ----------
        guidance : Guidance, str or os.PathLike, optional
            The hiring guidance, or the path of a TOML guidance file; :meth:`Guidance.default`
            when omitted.
        rulebook : Rulebook, optional
            Needed only for a result read back from JSON that was made with a rulebook other
            than the default; it must have the recorded fingerprint.
        weighting : {"equal", "trace"}, default "equal"
            Scorecard weights: equal, or raised for qualifications the trace leans towards
            (each unequal weight says which factors raised it).

        Returns
        -------
        RoleBrief
            See ``docs/brief.md``.

        Raises
        ------
        RulebookError
            ``guidance`` is a path that cannot be read or is not valid guidance.
        TpmFitError
            The guidance fails its checks, or ``rulebook`` has another fingerprint.
        """
        from .._hiring.brief import build_brief

        return build_brief(self, guidance=guidance, rulebook=rulebook, weighting=weighting)

    def used_rulebook(self, *, rulebook: Rulebook | None = None) -> Rulebook:
        """The rulebook that produced this result, checked against its fingerprint."""
        from .._engine.kernel import recently_compiled
        from .._errors import TpmFitError

        made_with = self.__dict__.get(MADE_WITH)
        candidate = (
            rulebook or made_with or recently_compiled(self.rulebook_fingerprint) or Rulebook.default()
        )
        if candidate.fingerprint != self.rulebook_fingerprint:
            raise TpmFitError(
                f"rulebook fingerprint {candidate.fingerprint[:12]}... does not match the "
                f"recorded {self.rulebook_fingerprint[:12]}...; pass the rulebook that made "
                "this recommendation (rulebook=...)"
            )
        return candidate

    def contributions(self) -> dict[str, float]:
        """Factor id to signed contribution, in rulebook order."""
        return {step.factor: step.contribution for step in self.trace}

    def __str__(self) -> str:
        return self.explain()

    def __repr__(self) -> str:
        """One line: verdict, score, seat and rulebook (the full detail: ``explain()``, ``_repr_html_``)."""
        seat = "+".join(face.value for face in self.seat) or "none"
        return (
            f"Recommendation(verdict={self.verdict.value!r}, score={self.score:+.3f}, "
            f"role_shape={self.role_shape.value!r}, seat={seat!r}, {len(self.trace)} factors, "
            f"{len(self.risks)} risks, rulebook={short(self.rulebook_name)} {short(self.rulebook_version)})"
        )


_FIELD_NAMES = tuple(Recommendation.model_fields)
