"""The service's own JSON shapes: thin envelopes around the library's models, and problem details.

Every result inside an envelope is a model the library already has (:class:`~tpm_fit.Recommendation`,
:class:`~tpm_fit.Robustness`, :class:`~tpm_fit.RoleBrief`, :class:`~tpm_fit.LoggedDecision`, ...);
the envelopes only say which of them a response holds. Errors are RFC 9457 problem details.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator
from pydantic_core import PydanticCustomError

from .._analysis.robustness import Robustness
from .._hiring.models import RoleBrief
from .._model.result import Recommendation
from .._model.vocab import Verdict
from .._records.models import MAX_REASON, LoggedDecision, _readable_text

__all__ = [
    "REVIEW_REQUEST",
    "AcceptRequest",
    "BatchItem",
    "BatchResult",
    "DecisionPage",
    "OverrideRequest",
    "Problem",
    "ProblemItem",
    "Readiness",
    "RecommendationResult",
    "ReviewRequest",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProblemItem(_Frozen):
    """One located problem: where in the request, and the library's message for it."""

    loc: tuple[str | int, ...] = Field(
        description="Where: e.g. ['body', 'company_size'] or ['query', 'limit']."
    )
    message: str = Field(description="field=value: what is wrong; what is valid (did you mean ...?).")


class Problem(_Frozen):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(default="about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem (the HTTP status phrase).")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, and what would be valid.")
    instance: str | None = Field(default=None, description="The path of the request.")
    errors: tuple[ProblemItem, ...] = Field(
        default=(), description="Each located problem, for a request with several (e.g. a bad profile)."
    )


class RecommendationResult(_Frozen):
    """What ``POST /v1/recommendations`` answers: the recommendation, how firm it is, and more."""

    recommendation: Recommendation = Field(description="The recommendation with its seat, trace and risks.")
    robustness: Robustness = Field(
        description="How firm the verdict is (weight-flip margins, acceptability)."
    )
    decision_id: UUID | None = Field(
        default=None, description="Id of the recorded decision, when the service keeps a decision log."
    )
    brief: RoleBrief | None = Field(default=None, description="The role brief, when asked for (?brief=1).")


class BatchItem(_Frozen):
    """One item of a batch: its result or its problem, never both."""

    index: int = Field(description="0-based position of the profile in the request.")
    result: RecommendationResult | None = Field(
        default=None, description="The result, when the item is valid."
    )
    problem: Problem | None = Field(default=None, description="Why the item has no result.")


class BatchResult(_Frozen):
    """What ``POST /v1/recommendations/batch`` answers: one item per profile, in request order."""

    items: tuple[BatchItem, ...] = Field(description="One per profile, in the order given.")
    succeeded: int = Field(description="Items with a result.")
    failed: int = Field(description="Items with a problem.")


class DecisionPage(_Frozen):
    """One page of recorded decisions, oldest first, each with its reviews."""

    decisions: tuple[LoggedDecision, ...] = Field(description="The decisions on this page.")
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= for the next page; null on the last page."
    )


def unprintable_class(allowed: str = "\t\n") -> str:
    """A regex class of the basic-plane characters free text may not hold (but ``allowed``):
    what the log refuses (control, format and line/paragraph separator characters),
    so the schema and the log agree. Surrogates (no JSON text decodes to one in a valid string)
    and characters beyond U+FFFF are left to the log."""
    bad = [
        code
        for code in range(0x10000)
        if chr(code) not in allowed and unicodedata.category(chr(code)) in {"Cc", "Cf", "Zl", "Zp"}
    ]
    ranges: list[tuple[int, int]] = []
    for code in bad:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


#: The characters the log refuses in free text, as one regex class (computed once).
_BAD: Final = unprintable_class()
#: Readable text: none of the characters the log refuses (see ``unprintable_class``).
_READABLE: Final = f"^[^{_BAD}]*$"
#: Readable and not blank: holds a character that Python's ``str.strip`` keeps (ECMA-262's ``\s``
#: lacks U+001C-U+001F and U+0085, so they are named: the schema and the log agree on blank).
_NOT_BLANK: Final = f"^[^{_BAD}]*[^\\s\\u001c-\\u001f\\u0085{_BAD}][^{_BAD}]*$"


class AcceptRequest(_Frozen):
    """Accept the recommendation. The reviewer is the token's name, never a field."""

    action: Literal["accept"] = Field(description="accept.")
    reason: str | None = Field(
        default=None,
        max_length=MAX_REASON,
        json_schema_extra={"pattern": _READABLE},
        description="Why (optional).",
    )

    @field_validator("reason")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        # The schema's pattern says the same; the log's own check gives a message in words.
        return None if value is None else _readable_text("reason", value, newlines=True)


class OverrideRequest(_Frozen):
    """Override the recommended verdict, with a reason. The reviewer is the token's name."""

    action: Literal["override"] = Field(description="override.")
    verdict: Verdict = Field(
        description="The verdict chosen instead; it must differ from the recommended one."
    )
    reason: str = Field(
        max_length=MAX_REASON,
        json_schema_extra={"pattern": _NOT_BLANK},
        description="Why (required, not blank). Free text: keep personal data out of it.",
    )

    @field_validator("reason")
    @classmethod
    def _readable_and_not_blank(cls, value: str) -> str:
        # The schema's pattern says the same; the log's own checks give a message in words.
        value = _readable_text("reason", value, newlines=True)
        if not value.strip():
            raise PydanticCustomError(
                "blank", "{message}", {"message": "blank; valid: a reason in words (an override needs one)"}
            )
        return value


#: What ``POST /v1/decisions/{id}/reviews`` takes: an accept or an override, told apart by action.
ReviewRequest = Annotated[AcceptRequest | OverrideRequest, Field(discriminator="action")]
REVIEW_REQUEST: Final[TypeAdapter[AcceptRequest | OverrideRequest]] = TypeAdapter(ReviewRequest)


class Readiness(_Frozen):
    """What ``GET /readyz`` answers."""

    ready: bool = Field(description="True when every check passed.")
    rulebook: Literal["verified", "failed"] = Field(description="The rulebook loaded and verified.")
    log: Literal["writable", "not writable", "none"] = Field(
        description="The decision log can be written (none: the service keeps no log)."
    )
