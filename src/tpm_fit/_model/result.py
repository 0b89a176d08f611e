"""The output: a recommendation with its full explanation trace (description only)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from .._model.profile import OrgProfile
from .._model.rulebook import Favours, Rulebook, Thresholds

if TYPE_CHECKING:
    from .._analysis.robustness import Robustness
    from .._engine.counterfactual import Counterfactual

__all__ = ["Face", "Recommendation", "Risk", "RoleShape", "TraceStep", "Verdict"]


class Verdict(StrEnum):
    """Which PM to hire: ``technical``, ``traditional``, or ``either`` (too close to call)."""

    TECHNICAL = "technical"
    TRADITIONAL = "traditional"
    EITHER = "either"


class RoleShape(StrEnum):
    """``generalist``: the hire covers every face; ``specialist``: one person per face."""

    GENERALIST = "generalist"
    SPECIALIST = "specialist"


class Face(StrEnum):
    """The three faces of product management."""

    STRATEGY = "strategy"
    MARKETING = "marketing"
    TECHNICAL = "technical"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


class Recommendation(_Frozen):
    """A recommendation for a human to weigh, with everything needed to audit it.

    ``score`` is the sum of the trace's contributions; positive favours a technical PM. The
    verdict follows from the score and the rulebook's thresholds.
    """

    verdict: Verdict = Field(description="technical, traditional or either.")
    score: float = Field(description="Sum of the contributions; positive favours technical.")
    thresholds: Thresholds = Field(description="The thresholds that turned the score into a verdict.")
    role_shape: RoleShape = Field(description="generalist (all hats) or specialist (one face).")
    faces_to_cover: tuple[Face, ...] = Field(
        description="Faces the hire should own: all three for a generalist, otherwise the ones "
        "nobody covers yet (or the least covered)."
    )
    trace: tuple[TraceStep, ...] = Field(description="One step per factor, in rulebook order.")
    risks: tuple[Risk, ...] = Field(description="Drawbacks that apply to this verdict here.")
    profile: OrgProfile = Field(description="The input, as validated.")
    rulebook_name: str = Field(description="Name of the rulebook used.")
    rulebook_version: str = Field(description="Version of the rulebook used.")
    rulebook_fingerprint: str = Field(description="sha256 of the rulebook's canonical content.")
    library_version: str = Field(description="tpm_fit version that produced the result.")

    def explain(self, *, top: int = 3) -> str:
        """Readable text: verdict, the strongest reasons for and against, and the risks.

        Parameters
        ----------
        top : int, default 3
            How many reasons to list on each side.
        """
        from .._explain.render import render_text

        return render_text(self, top=top)

    def to_markdown(self, *, top: int = 3) -> str:
        """The explanation as Markdown, with the full trace as a table."""
        from .._explain.render import render_markdown

        return render_markdown(self, top=top)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from .._explain.render import render_html

        return render_html(self)

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

        Returns
        -------
        Robustness
            Per-factor margins, the nearest flip, acceptability shares and central weights.

        Raises
        ------
        ValueError
            An argument out of range (also a ``TpmFitError``).
        TpmFitError
            ``rulebook`` has another fingerprint, or the verdict does not follow from the score.
        """
        from .._analysis.robustness import robustness

        return robustness(self, spread=spread, samples=samples, seed=seed, rulebook=rulebook)

    def used_rulebook(self, *, rulebook: Rulebook | None = None) -> Rulebook:
        """The rulebook that produced this result, checked against its fingerprint."""
        from .._engine.kernel import recently_compiled
        from .._errors import TpmFitError

        candidate = rulebook or recently_compiled(self.rulebook_fingerprint) or Rulebook.default()
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
