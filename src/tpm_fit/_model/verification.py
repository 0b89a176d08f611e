"""The verification report: what :func:`~tpm_fit.verify_rulebook` checked and found (description only)."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import Field

from .frozen import Frozen as _Frozen
from .guidance_report import GuidanceReport
from .profile import OrgProfile
from .rulebook import SeatProperty
from .vocab import Direction, Favours, Verdict

__all__ = [
    "TOLERANCE",
    "AxiomResult",
    "Check",
    "ConditionalAxiomResult",
    "FactorResult",
    "GridAxis",
    "InputSpan",
    "Label",
    "SeatAxiomResult",
    "SentenceCheck",
    "VerdictRegion",
    "VerificationReport",
    "Violation",
]

#: Relative tolerance for floating-point noise. Score comparisons allow
#: ``TOLERANCE * max(1, sum of weights)``; activations (unitless, 0 to 1) allow ``TOLERANCE``.
TOLERANCE: Final = 1e-9

Check = Literal[
    "monotonicity",
    "seat",
    "verdict_reachable",
    "dead_factor",
    "thresholds_ordered",
    "contribution_bounded",
    "verdict_axiom",
    "sentence",
]
Label = int | str


class Violation(_Frozen):
    """One broken promise, with a concrete counterexample where one exists."""

    check: Check = Field(description="Which check failed.")
    subject: str = Field(
        description="What failed: the axiom id, the verdict, the factor id, or 'thresholds'."
    )
    message: str = Field(description="What is wrong, in plain words.")
    before: OrgProfile | None = Field(
        default=None,
        description=(
            "For monotonicity: the profile before the change the axiom talks about. For a factor "
            "or verdict check: the profile that shows the problem, if one exists."
        ),
    )
    after: OrgProfile | None = Field(
        default=None,
        description="For monotonicity: the same profile with the axiom's input one grid step higher.",
    )
    score_before: float | None = Field(
        default=None, description="Score of `before`, exactly as recommend() computes it."
    )
    score_after: float | None = Field(
        default=None, description="Score of `after`, exactly as recommend() computes it."
    )


class GridAxis(_Frozen):
    """The values of one input on the verification grid."""

    input: str = Field(description="Input name (an OrgProfile field).")
    values: tuple[Label, ...] = Field(
        description=(
            "Grid values: the breakpoints of every ramp on the input and of the seat rule, plus both "
            "ends of its range, or every level of an ordered input. A single value when nothing "
            "reads the input."
        )
    )
    read_by: tuple[str, ...] = Field(
        description="Ids of the factors whose activation reads the input, and 'seat' if the seat does."
    )


class AxiomResult(_Frozen):
    """Outcome of one monotonicity axiom."""

    axiom: str = Field(description="Axiom id.")
    input: str = Field(description="The input the axiom talks about.")
    direction: Direction = Field(description="How the score may move as the input increases.")
    holds: bool = Field(description="True when no pair of neighbouring grid points breaks the axiom.")
    pairs_checked: int = Field(
        description=(
            "Pairs of grid points one step apart along the input. 0 when no factor reads the input, "
            "in which case the score cannot depend on it and the axiom holds trivially."
        )
    )
    violating_pairs: int = Field(description="How many of those pairs move the score the wrong way.")
    min_change: float | None = Field(
        description=(
            "Smallest score change over the checked pairs, measured in the promised direction "
            "(negative beyond the tolerance means a violation); None when no pair was checked."
        )
    )


class SeatAxiomResult(_Frozen):
    """Outcome of one promise about the seat."""

    axiom: str = Field(description="Axiom id.")
    property: SeatProperty = Field(description="The property promised.")
    holds: bool = Field(description="True when no grid point (or pair of neighbours) breaks it.")
    cases_checked: int = Field(description="Grid points, or neighbouring pairs, checked.")
    violating_cases: int = Field(description="How many of those break the promise.")


class ConditionalAxiomResult(_Frozen):
    """Outcome of one of the article's firm claims (a conditional verdict or seat axiom)."""

    axiom: str = Field(description="Axiom id.")
    statement: str = Field(description="The claim in plain words.")
    section: str = Field(description="Article section it comes from.")
    holds: bool = Field(description="True when no grid point where the condition holds breaks it.")
    cases_checked: int = Field(description="Grid points where the condition holds.")
    violating_cases: int = Field(description="How many of those give a verdict or seat it forbids.")


class SentenceCheck(_Frozen):
    """Outcome of the sentence check: every fact-stating phrase rendered for every grid profile
    holds by its declared condition (docs/model.md, "Sentences bound to facts")."""

    profiles: int = Field(
        description="Valid grid profiles whose explanation, risks and reason were rendered."
    )
    phrases_checked: int = Field(description="Fact-stating phrases found in those renderings and checked.")
    false_phrases: int = Field(description="Phrases whose declared condition does not hold for the profile.")
    first_false: str | None = Field(
        default=None, description="The first false phrase, with its profile, when there is one."
    )
    renderings: int = Field(
        default=0,
        description=(
            "Profiles (one per kind of advice) whose explain(), Markdown, brief and counterfactual "
            "lines were rendered and checked in full. Equal to kinds when every kind of advice was "
            "rendered (verify(renderings='all'), or few kinds); fewer when they were a sample."
        ),
    )
    kinds: int | None = Field(
        default=None,
        description=(
            "Distinct kinds of advice among the valid grid profiles (the statements that hold, the "
            "seat, the verdict, the risks raised and which inputs were assumed). None in reports "
            "written before this field, which do not say whether the renderings were a sample."
        ),
    )

    @property
    def every_kind(self) -> bool:
        """True when every kind of advice was rendered in full (not a sample)."""
        return self.kinds is not None and self.renderings >= self.kinds


class InputSpan(_Frozen):
    """Values of one input among the grid points that reach a verdict."""

    input: str = Field(description="Input name.")
    values: tuple[Label, ...] = Field(
        description="Grid values of the input at which some grid point reaches the verdict."
    )
    unrestricted: bool = Field(
        description="True when every grid value of the input appears (the verdict does not pin it)."
    )


class VerdictRegion(_Frozen):
    """Whether a verdict can be reached, and by which inputs."""

    verdict: Verdict = Field(description="The verdict.")
    reachable: bool = Field(description="True when some valid profile gets this verdict.")
    grid_points: int = Field(description="Grid points that get this verdict.")
    share: float = Field(description="grid_points as a fraction of the grid (not of all profiles).")
    witness: OrgProfile | None = Field(
        description=(
            "A profile that gets the verdict: the highest-scoring one for technical, the lowest for "
            "traditional, the one nearest the middle of the band for either."
        )
    )
    witness_score: float | None = Field(description="The witness's score, as recommend() computes it.")
    found_on: Literal["grid_point", "grid_edge", "clamped"] | None = Field(
        description=(
            "'grid_point' when a grid point reaches the verdict; 'grid_edge' when only a profile "
            "between two neighbouring grid points does (possible for the open 'either' band); "
            "'clamped' when only grid points with a count above company_size do, and the valid "
            "profile with those counts cut down to company_size does too."
        )
    )
    inputs: tuple[InputSpan, ...] = Field(
        description="Per input, the grid values seen among the grid points reaching the verdict."
    )


class FactorResult(_Frozen):
    """Range of one factor's activation and contribution over every profile."""

    factor: str = Field(description="Factor id.")
    favours: Favours = Field(description="Which hire the factor argues for.")
    weight: float = Field(description="The factor's weight.")
    min_activation: float = Field(description="Smallest activation over all profiles.")
    max_activation: float = Field(description="Largest activation over all profiles.")
    min_contribution: float = Field(description="Smallest signed contribution over all profiles.")
    max_contribution: float = Field(description="Largest signed contribution over all profiles.")
    fires: bool = Field(description="True when the activation exceeds the tolerance somewhere.")
    bounded: bool = Field(
        description="True when the activation stays in [0, 1], so |contribution| <= weight."
    )


class VerificationReport(_Frozen):
    """What :func:`verify_rulebook` checked and found. ``ok`` is True when nothing failed."""

    rulebook_name: str = Field(description="Name of the rulebook verified.")
    rulebook_version: str = Field(description="Version of the rulebook verified.")
    rulebook_fingerprint: str = Field(description="sha256 fingerprint of the rulebook verified.")
    ok: bool = Field(description="True when there are no violations.")
    violations: tuple[Violation, ...] = Field(description="Every failed check, with counterexamples.")
    thresholds_ordered: bool = Field(description="True when traditional_max < technical_min.")
    score_min: float = Field(description="Lowest score any profile can get.")
    score_max: float = Field(description="Highest score any profile can get.")
    axioms: tuple[AxiomResult, ...] = Field(description="Outcome of every declared axiom.")
    seat_axioms: tuple[SeatAxiomResult, ...] = Field(
        default=(), description="Outcome of every declared promise about the seat."
    )
    verdicts: tuple[VerdictRegion, ...] = Field(description="Reachability of each verdict.")
    factors: tuple[FactorResult, ...] = Field(description="Activation and contribution range per factor.")
    grid: tuple[GridAxis, ...] = Field(description="The verification grid, one axis per input.")
    grid_points: int = Field(description="Number of grid points (product of the axis sizes).")
    evaluations: int = Field(description="Profiles scored by the kernel, counting shifted neighbours.")
    tolerance: float = Field(description="Absolute tolerance used for score comparisons.")
    seconds: float = Field(description="Wall-clock time the verification took.")
    guidance: GuidanceReport | None = Field(
        default=None, description="Outcome of the hiring-guidance checks (docs/brief.md); ok counts it."
    )
    verdict_axioms: tuple[ConditionalAxiomResult, ...] = Field(
        default=(),
        description="Outcome of every conditional verdict or seat axiom (the article's firm claims).",
    )
    sentences: SentenceCheck | None = Field(
        default=None, description="Outcome of the sentence check (every phrase true of its profile)."
    )

    def to_text(self) -> str:
        """The report as plain text for a terminal (what ``tpm-fit verify`` prints)."""
        from .._render import render

        return render(self, "text")

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        """Notebook display: the outcome, violations, axioms, verdicts and factors as tables."""
        from .._render import render

        return render(self, "html")
