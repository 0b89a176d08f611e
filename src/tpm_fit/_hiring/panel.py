"""Summarising a panel's completed scorecards: the evidence laid out, never a verdict.

A structured interview rates every candidate on the same competencies, with anchored scales and
planned questions; the people on the panel then decide together. :func:`summarize_panel` puts
the ratings side by side per competency (how many raters, median, range, where raters disagree,
distance to the seat's target) and lists what nobody rated. It computes no overall score, no
hire/reject verdict and no ranking of candidates, and a rating cannot carry anything about the
candidate as a person: unknown fields (age, gender, ...) are refused.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Final, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictInt,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from .._errors import TpmFitError, field_message, short
from .._model.frozen import Frozen as _Frozen
from .._model.loading import printable_text
from .models import Competency, RoleBrief

__all__ = ["CompetencyPanel", "PanelSummary", "Rating", "RatingError", "summarize_panel"]

#: Spread (max - min) at which raters are said to disagree.
DISAGREEMENT_SPREAD: Final = 2
MAX_RATINGS: Final = 10_000


def _evidence(text: str) -> str:
    if not text.strip():
        raise ValueError("blank")
    return printable_text(text)


class RatingError(TpmFitError, ValueError):
    """Ratings that cannot be summarised against a brief (unknown competency, a repeated rating)."""


class Rating(BaseModel):
    """One interviewer's rating of one competency, with the evidence behind it.

    Only these four fields are accepted: anything about the candidate as a person (age,
    gender, ...) is refused.

    Examples
    --------
    >>> Rating(interviewer="panel-1", competency="communication", level=4,
    ...        evidence="Explained a trade-off to both audiences.").level
    4
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    interviewer: str = Field(
        pattern=r"^[A-Za-z0-9][-_.:A-Za-z0-9]{0,63}$",
        description="Opaque interviewer id such as 'panel-1' (letters, digits, '_', '.', ':', '-'; "
        "no names or e-mail addresses).",
    )
    competency: str = Field(description="Id of a competency on the brief's scorecard.")
    level: StrictInt = Field(ge=1, le=5, description="Level on the anchored scale, from 1 to 5.")
    evidence: Annotated[str, AfterValidator(_evidence)] = Field(
        min_length=1, max_length=2_000, description="What the candidate said or did that earns the level."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _one_grammar(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        # Restate errors as "<field>=<value>: <what is wrong>; <what is valid>".
        try:
            return handler(data)
        except ValidationError as exc:
            raise _restated(exc) from None


#: What is valid for each rating field, in the project's one error grammar.
_VALID: Final = {
    "interviewer": "valid: an opaque id such as 'panel-1' (letters, digits, '_', '.', ':', '-'; "
    "at most 64 characters; no names or e-mail addresses)",
    "competency": "valid: the id of a competency on the brief's scorecard",
    "level": "valid: a whole number from 1 to 5",
    "evidence": "valid: a short note (at most 2,000 characters) of what the candidate said or did",
}


#: pydantic's error types, in the grammar's words.
_WRONG: Final = {
    "missing": "missing",
    "string_pattern_mismatch": "not an opaque id",
    "less_than_equal": "too large",
    "greater_than_equal": "too small",
    "int_type": "not a whole number",
    "int_from_float": "not a whole number",
    "string_type": "not a string",
    "string_too_short": "empty",
    "string_too_long": "too long",
}


def _restated(exc: ValidationError) -> ValidationError:
    details: list[InitErrorDetails] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        value = error.get("input")
        field = str(loc[0]) if loc else ""
        if error["type"] == "extra_forbidden":
            text = field_message(
                field[:64],
                value,
                "not a rating field (a rating records what the candidate showed, never who they are)",
                f"valid: {', '.join(_VALID)}",
            )
        elif field in _VALID:
            wrong = _WRONG.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
            text = field_message(field, value, wrong, _VALID[field], missing=error["type"] == "missing")
        else:
            text = str(error["msg"])
        details.append(
            {
                "type": PydanticCustomError(error["type"], "{message}", {"message": text}),
                "loc": loc,
                "input": value,
            }
        )
    return ValidationError.from_exception_data("Rating", details)


class CompetencyPanel(_Frozen):
    """The panel's ratings of one competency."""

    competency: str = Field(description="Competency id.")
    name: str = Field(description="Competency name.")
    raters: int = Field(ge=1, description="How many interviewers rated it.")
    median: float = Field(ge=1.0, le=5.0, description="Median level.")
    min: int = Field(ge=1, le=5, description="Lowest level given.")
    max: int = Field(ge=1, le=5, description="Highest level given.")
    disagreement: bool = Field(
        description=f"True when max - min is {DISAGREEMENT_SPREAD} or more: discuss it."
    )
    target: int = Field(ge=1, le=5, description="The level the seat needs.")
    gap: float = Field(description="median - target: negative below the target, positive above.")
    evidence: tuple[str, ...] = Field(description="Each rating as 'interviewer (level): evidence'.")


class PanelSummary(_Frozen):
    """The evidence per competency, for the panel to discuss. It holds no verdict and no ranking."""

    title: str = Field(description="Title of the brief the ratings belong to.")
    ratings: int = Field(description="Ratings summarised.")
    interviewers: int = Field(description="Distinct interviewers.")
    competencies: tuple[CompetencyPanel, ...] = Field(description="Rated competencies, in scorecard order.")
    unrated: tuple[str, ...] = Field(description="Scorecard competencies nobody rated.")

    def to_markdown(self) -> str:
        """The summary as a Markdown table, with disagreements and unrated competencies named."""
        from .._render import render

        return render(self, "markdown")


def _as_rating(item: object, index: int) -> Rating:
    if isinstance(item, Rating):
        return item
    if isinstance(item, Mapping):
        return Rating.model_validate(item)
    raise TypeError(f"ratings[{index}]={short(item)}: a {type(item).__name__}; valid: a Rating or a mapping")


def summarize_panel(brief: RoleBrief, ratings: Iterable[Rating | Mapping[str, Any]]) -> PanelSummary:
    """Lay out a panel's ratings per competency, without a verdict or a ranking.

    Parameters
    ----------
    brief : RoleBrief
        The brief whose scorecard the panel used.
    ratings : iterable of Rating or mapping
        Completed ratings; mappings are validated as :class:`Rating` (extra fields refused).

    Returns
    -------
    PanelSummary
        Per rated competency: raters, median, min, max, a disagreement flag (spread of 2 or
        more) and the gap to the seat's target; and the competencies nobody rated.

    Raises
    ------
    pydantic.ValidationError
        A rating with a level outside 1 to 5, blank evidence, a non-opaque interviewer id or an
        extra field.
    RatingError
        A rating names a competency not on the scorecard, or an interviewer rates the same
        competency twice (also a ``ValueError``).

    Examples
    --------
    >>> import tpm_fit
    >>> brief = tpm_fit.recommend(company_size=12, product_complexity="high").brief()
    >>> summary = tpm_fit.summarize_panel(brief, [
    ...     {"interviewer": "a", "competency": "communication", "level": 4, "evidence": "clear"},
    ...     {"interviewer": "b", "competency": "communication", "level": 2, "evidence": "vague"},
    ... ])
    >>> summary.competencies[0].disagreement
    True
    """
    if not isinstance(brief, RoleBrief):
        raise TypeError(f"brief={short(brief)}: a {type(brief).__name__}; valid: a RoleBrief")
    checked = _checked(ratings)
    by_id = {c.id: c for c in brief.scorecard}
    grouped = _grouped(checked, by_id)
    return PanelSummary(
        title=brief.title,
        ratings=len(checked),
        interviewers=len({r.interviewer for r in checked}),
        competencies=tuple(_competency_panel(by_id[cid], given) for cid, given in grouped.items() if given),
        unrated=tuple(cid for cid, given in grouped.items() if not given),
    )


def _checked(ratings: Iterable[Rating | Mapping[str, Any]]) -> list[Rating]:
    """Every rating validated, refusing more than :data:`MAX_RATINGS` before reading them all."""
    checked: list[Rating] = []
    for index, item in enumerate(ratings):
        if index >= MAX_RATINGS:
            raise RatingError(f"ratings: more than {MAX_RATINGS:,}; valid: at most {MAX_RATINGS:,} ratings")
        checked.append(_as_rating(item, index))
    return checked


def _grouped(checked: Iterable[Rating], by_id: Mapping[str, Competency]) -> dict[str, list[Rating]]:
    """The ratings per scorecard competency (in scorecard order), refusing unknown or repeated ones."""
    grouped: dict[str, list[Rating]] = {cid: [] for cid in by_id}
    seen: set[tuple[str, str]] = set()
    for index, rating in enumerate(checked):
        if rating.competency not in by_id:
            raise RatingError(
                f"ratings[{index}].competency={short(rating.competency)}: not on the scorecard; "
                f"valid: {', '.join(by_id)}"
            )
        key = (rating.interviewer, rating.competency)
        if key in seen:
            raise RatingError(
                f"ratings[{index}]: interviewer={rating.interviewer!r} already rated "
                f"competency={rating.competency!r}; valid: one rating per interviewer and competency"
            )
        seen.add(key)
        grouped[rating.competency].append(rating)
    return grouped


def _competency_panel(competency: Competency, given: Sequence[Rating]) -> CompetencyPanel:
    """The spread of one competency's ratings and its distance to the seat's target."""
    levels = [r.level for r in given]
    low, high = min(levels), max(levels)
    median = float(statistics.median(levels))
    return CompetencyPanel(
        competency=competency.id,
        name=competency.name,
        raters=len(given),
        median=median,
        min=low,
        max=high,
        disagreement=high - low >= DISAGREEMENT_SPREAD,
        target=competency.target,
        gap=median - competency.target,
        evidence=tuple(f"{r.interviewer} ({r.level}): {r.evidence}" for r in given),
    )
