"""Decision records, reviews and the reports about them (description only).

The log that stores these lives in :mod:`tpm_fit._records.log`; replay in
:mod:`tpm_fit._records.replay`.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .._errors import TpmFitError, field_message, short
from .._model.frozen import Frozen
from .._model.result import Recommendation, Verdict, _known_schema_version

__all__ = [
    "GENESIS_HASH",
    "PROTECTED_LABEL_WORDS",
    "RECORD_SCHEMA_VERSION",
    "ChainProblem",
    "ChainReport",
    "DecisionLogError",
    "DecisionRecord",
    "Difference",
    "LoggedDecision",
    "Replay",
    "Review",
    "ReviewAction",
    "canonical_json",
    "entry_hash",
    "text_hash",
]

#: ``previous_hash`` of the first entry of a log.
GENESIS_HASH: Final = "0" * 64
#: The format version of the decision records this tpm_fit writes: 1 is the format of tpm_fit
#: 0.2.0 and earlier (no ``schema_version`` field). Raise it whenever a field is added to
#: :class:`DecisionRecord`; the recommendation inside carries its own ``schema_version``.
RECORD_SCHEMA_VERSION: Final = 2
#: Bounds on labels: keys, characters per value, key pattern.
MAX_LABELS: Final = 32
MAX_LABEL_VALUE: Final = 256
LABEL_KEY_PATTERN: Final = r"^[a-z][-_.a-z0-9]{0,63}$"
#: Opaque ids from the caller's system: no spaces and no ``@``, which keeps names and e-mail
#: addresses out by construction.
OPAQUE_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._:/+\-]{0,127}$"
MAX_REASON: Final = 2_000
#: Words a label key may not contain (split at ``_``, ``.`` and ``-``): protected attributes and
#: words that identify a person. Labels describe the request (team, ticket, region), never a person.
PROTECTED_LABEL_WORDS: Final = frozenset(
    {
        "age", "birth", "birthday", "birthdate", "dob", "born", "sex", "sexual", "gender",
        "orientation", "race", "racial", "ethnic", "ethnicity", "colour", "color", "religion",
        "religious", "belief", "faith", "caste", "nationality", "national", "citizenship",
        "disability", "disabled", "health", "medical", "pregnancy", "pregnant", "maternity",
        "marital", "married", "spouse", "genetic", "veteran", "union", "political", "politics",
        "candidate", "applicant", "employee", "person", "personal", "firstname", "lastname",
        "surname", "fullname", "email", "phone", "address", "ssn", "photo", "salary",
    }
)  # fmt: skip
#: Earliest and latest entry time accepted: keeps every timestamp's arithmetic in range.
EARLIEST: Final = datetime(1970, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(3000, 1, 1, tzinfo=UTC)

_Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
_LABEL_KEY = re.compile(LABEL_KEY_PATTERN.removesuffix("$"))
_OPAQUE_ID = re.compile(OPAQUE_ID_PATTERN.removesuffix("$"))


def _problem(kind: str, field: str, value: object, wrong: str, valid: str) -> PydanticCustomError:
    """A validation error whose text is exactly ``field=value: wrong; valid`` (no pydantic wording)."""
    return PydanticCustomError(kind, "{message}", {"message": field_message(field, value, wrong, valid)})


def _opaque_id(value: str, info: ValidationInfo) -> str:
    field = info.field_name or "id"
    if not _OPAQUE_ID.fullmatch(value):
        raise _problem(
            "opaque_id",
            field,
            value,
            "not an opaque id (it may not be a name or an e-mail address: no spaces, no '@')",
            "valid: 1 to 128 ASCII letters, digits and . _ : / + -, starting with a letter or digit, "
            "e.g. hr:4711",
        )
    return value


#: Unicode categories refused in labels and reasons: controls, format characters (bidi overrides),
#: line and paragraph separators. They could move the cursor or forge lines on a terminal.
_CONTROL: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _readable_text(field: str, value: str, *, newlines: bool) -> str:
    """Refuse text that cannot be written as UTF-8 or that holds control characters."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _problem(
            "text", field, value, "holds a lone surrogate (not a character)", "valid: UTF-8 text"
        ) from None
    if value.isprintable():
        return value
    allowed = "\n\t" if newlines else ""
    bad = next((c for c in value if c not in allowed and unicodedata.category(c) in _CONTROL), None)
    if bad is not None:
        kept = "tabs and newlines allowed" if newlines else "one line"
        raise _problem(
            "text", field, value, f"holds the control character {bad!r}", f"valid: printable text ({kept})"
        )
    return value


def _bounded_time(value: datetime, info: ValidationInfo) -> datetime:
    field = info.field_name or "time"
    if not EARLIEST <= value <= LATEST:
        raise _problem(
            "time", field, value.isoformat(), "out of range", "valid: from 1970-01-01 to 3000-01-01 (UTC)"
        )
    return value.astimezone(UTC)


_OpaqueId = Annotated[str, AfterValidator(_opaque_id)]
_Moment = Annotated[AwareDatetime, AfterValidator(_bounded_time)]


class DecisionLogError(TpmFitError, ValueError):
    """A decision log cannot do what was asked.

    Raised for an unknown decision id, a log file written by a newer schema, a file that is not
    a decision log, a stored rulebook whose text no longer matches its fingerprint, a review that
    contradicts its record, or a JSON Lines file that does not import losslessly. The message
    names the file or id, the bad value and what would be valid.
    """


def canonical_json(value: Any) -> str:
    """The canonical JSON text that hashes are taken over.

    Sorted keys, compact separators (``","`` and ``":"``), non-ASCII escaped, NaN and
    infinities refused: the same rules as :attr:`tpm_fit.Rulebook.fingerprint`.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def text_hash(text: str) -> str:
    """sha256 (hex) of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(body: dict[str, Any]) -> str:
    """sha256 (hex) of an entry's canonical JSON, taken over every field except ``record_hash``."""
    return text_hash(canonical_json({key: item for key, item in body.items() if key != "record_hash"}))


def _since(info: Any) -> int:
    """The format version that added a field (1 unless its json_schema_extra says ``since``)."""
    extra = info.json_schema_extra
    since = extra.get("since", 1) if isinstance(extra, dict) else 1
    return since if isinstance(since, int) else 1


def in_own_format(model: BaseModel, dumped: Any, version: int = 1) -> Any:
    """``dumped`` (``model``'s JSON form) without the fields its format did not have yet.

    A model with a ``schema_version`` sets the version for itself and what it holds; one
    without inherits it. Lists and mappings are walked alongside the objects they dump.
    """
    own = getattr(model, "schema_version", version)
    version = own if isinstance(own, int) else version
    for name, info in type(model).model_fields.items():
        if name not in dumped:
            continue
        if _since(info) > version:
            del dumped[name]
            continue
        _walk(getattr(model, name), dumped[name], version)
    return dumped


def _walk(value: Any, dumped: Any, version: int) -> None:
    if isinstance(value, BaseModel) and isinstance(dumped, dict):
        in_own_format(value, dumped, version)
    elif isinstance(value, tuple | list) and isinstance(dumped, list):
        for item, item_dumped in zip(value, dumped, strict=False):
            _walk(item, item_dumped, version)
    elif isinstance(value, dict) and isinstance(dumped, dict):
        for key, item in value.items():
            if key in dumped:
                _walk(item, dumped[key], version)


def _label_key(key: str) -> None:
    """A label key: a lower-case identifier that names no protected attribute (see PROTECTED_LABEL_WORDS)."""
    valid = (
        "valid: a lower-case letter, then up to 63 lower-case letters, digits, '_', '.' or '-', "
        "naming no protected attribute or person (e.g. team, ticket, region)"
    )
    if not _LABEL_KEY.fullmatch(key):
        raise _problem("label_key", "labels key", key, "not a label key", valid)
    words = set(re.split(r"[-_.]", key))
    protected = sorted(words & PROTECTED_LABEL_WORDS)
    if protected:
        raise _problem(
            "label_key",
            "labels key",
            key,
            f"names a protected attribute or a person ({protected[0]}); labels describe the request, "
            "never a person",
            valid,
        )


class _Frozen(Frozen):
    model_config = ConfigDict(allow_inf_nan=False)  # records hold no inf or NaN


class _Chained(_Frozen):
    """Fields and helpers shared by every entry of a log's hash chain."""

    record_hash: _Hash = Field(
        description="sha256 of this entry's canonical JSON, taken over every field except this one."
    )
    previous_hash: _Hash = Field(
        description="record_hash of the entry before this one in its log (64 zeros for the first)."
    )

    def stored_text(self) -> str:
        """The canonical JSON text that is stored, and hashed into ``record_hash``.

        Written in the entry's own format: a field added in a later format (declared with
        ``since`` in its ``json_schema_extra``) is left out of an entry, or of a recommendation
        inside it, whose ``schema_version`` is older, so an entry read back from an older log
        hashes to exactly what was stored when it was written.
        """
        body = self.model_dump(mode="json", exclude={"record_hash"})
        return canonical_json(in_own_format(self, body))

    def computed_hash(self) -> str:
        """The hash this entry's content should have (compare with ``record_hash``)."""
        return text_hash(self.stored_text())

    @property
    def hash_matches(self) -> bool:
        """Whether ``record_hash`` is the hash of the entry's content as this library dumps it."""
        return self.computed_hash() == self.record_hash


class DecisionRecord(_Chained):
    """One recommendation as it was made: input, rules, result, when, and for whom.

    Records are created by :meth:`tpm_fit.DecisionLog.record`, never edited, and read back
    equal from SQLite and from JSON (``model_validate_json(record.model_dump_json())``).
    """

    schema_version: int = Field(
        default=1,
        ge=1,
        le=RECORD_SCHEMA_VERSION,
        strict=True,
        json_schema_extra={"since": 2},
        description="Format version of this record: 1 for records written by tpm_fit 0.2.0 and "
        f"earlier (which lack this field), {RECORD_SCHEMA_VERSION} for this tpm_fit.",
    )
    decision_id: UUID = Field(description="Unique id of the decision (a random UUID).")
    recorded_at: _Moment = Field(description="When the decision was recorded, in UTC.")
    recommendation: Recommendation = Field(
        description="The full recommendation, with its profile, trace and risks."
    )
    rulebook_fingerprint: _Hash = Field(
        description="sha256 fingerprint of the rulebook used; its TOML is stored once in the log."
    )
    library_version: str = Field(
        min_length=1, max_length=64, description="tpm_fit version that recorded the decision."
    )
    requested_by: _OpaqueId | None = Field(
        default=None,
        description="Opaque id of whoever asked, from the caller's system (no names or e-mail "
        "addresses: letters, digits and ._:/+- only, at most 128 characters).",
    )
    labels: dict[str, str] = Field(
        default_factory=dict,
        description=f"Caller's tags (at most {MAX_LABELS} keys matching {LABEL_KEY_PATTERN}, "
        f"values of at most {MAX_LABEL_VALUE} characters), sorted by key.",
    )

    @model_validator(mode="before")
    @classmethod
    def _not_newer(cls, data: Any) -> Any:
        if isinstance(data, dict):
            _known_schema_version("decision record", data.get("schema_version"), RECORD_SCHEMA_VERSION)
        return data

    @field_validator("labels")
    @classmethod
    def _bounded_labels(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_LABELS:
            raise _problem(
                "labels", "labels", f"<{len(value)} labels>", "too many", f"valid: at most {MAX_LABELS}"
            )
        for key, item in value.items():
            _label_key(key)
            _readable_text(f"labels[{short(key)}]", item, newlines=False)
            if len(item) > MAX_LABEL_VALUE:
                raise _problem(
                    "label",
                    f"labels[{short(key)}]",
                    item,
                    f"{len(item):,} characters",
                    f"valid: at most {MAX_LABEL_VALUE}",
                )
        return dict(sorted(value.items()))

    @model_validator(mode="after")
    def _same_fingerprint(self) -> Self:
        if self.rulebook_fingerprint != self.recommendation.rulebook_fingerprint:
            raise ValueError(
                f"rulebook_fingerprint={self.rulebook_fingerprint!r} differs from the "
                f"recommendation's {self.recommendation.rulebook_fingerprint!r}; they must be equal"
            )
        return self

    @property
    def verdict(self) -> Verdict:
        """The recommended verdict."""
        return self.recommendation.verdict


class ReviewAction(StrEnum):
    """What a reviewer did: ``accept`` the recommendation, or ``override`` its verdict."""

    ACCEPT = "accept"
    OVERRIDE = "override"


class Review(_Chained):
    """A person's action on a recorded decision, appended to the same hash chain.

    Reviews are never edited either: a later review of the same decision supersedes an earlier
    one (see :attr:`LoggedDecision.effective_verdict`).
    """

    review_id: UUID = Field(description="Unique id of the review (a random UUID).")
    decision_id: UUID = Field(description="The decision reviewed; it is earlier in the same log.")
    reviewer: _OpaqueId = Field(
        description="Opaque id of the reviewer, from the caller's system (same rules as requested_by)."
    )
    action: ReviewAction = Field(description="accept or override.")
    verdict: Verdict | None = Field(
        default=None,
        description="For an override: the verdict chosen instead (it differs from the recommended "
        "one). Empty for an accept.",
    )
    reason: str | None = Field(
        default=None,
        max_length=MAX_REASON,
        description="Why: required (not blank) for an override, optional for an accept. Free text: "
        "keep personal data out of it.",
    )
    reviewed_at: _Moment = Field(description="When the review was recorded, in UTC.")

    @field_validator("reason")
    @classmethod
    def _readable_reason(cls, value: str | None) -> str | None:
        return None if value is None else _readable_text("reason", value, newlines=True)

    @model_validator(mode="after")
    def _override_needs_verdict_and_reason(self) -> Self:
        if self.action is ReviewAction.OVERRIDE:
            if self.verdict is None:
                raise ValueError("action='override' needs verdict (the verdict chosen instead)")
            if self.reason is None or not self.reason.strip():
                raise ValueError(f"action='override' needs a non-blank reason; got reason={self.reason!r}")
        elif self.verdict is not None:
            raise ValueError(
                f"action='accept' takes no verdict (got verdict={self.verdict.value!r}); "
                "use action='override' to choose another verdict"
            )
        return self


class LoggedDecision(_Frozen):
    """A record with every review of it, oldest first (what :meth:`DecisionLog.get` returns)."""

    record: DecisionRecord = Field(description="The decision as recorded.")
    reviews: tuple[Review, ...] = Field(description="Its reviews, in the order they were appended.")

    @property
    def effective_verdict(self) -> Verdict:
        """The verdict in force (the latest override's, else the recommended one)."""
        if self.reviews and self.reviews[-1].verdict is not None:
            return self.reviews[-1].verdict
        return self.record.verdict


class ChainProblem(_Frozen):
    """One entry (or stored rulebook) that does not check out."""

    entry_id: str = Field(
        description="decision_id of a record, review_id of a review, fingerprint of a rulebook, "
        "or the anchor hash that was not found."
    )
    kind: Literal["record", "review", "rulebook", "anchor"] = Field(description="What the id names.")
    position: int | None = Field(description="1-based position in the chain (None for rulebooks, anchors).")
    problem: Literal["content", "link", "index", "unreadable", "orphan", "missing", "head"] = Field(
        description="content: the hash does not match; link: previous_hash does not match the "
        "entry before; index: a query column disagrees with the stored entry; unreadable: not "
        "valid JSON; orphan: a review of a decision not earlier in the log; missing: an anchor "
        "hash is not in the chain; head: the chain does not reach the expected head (entries deleted, the "
        "tail rewritten or the file truncated)."
    )
    detail: str = Field(description="What was expected and what was found.")


class ChainReport(_Frozen):
    """The result of :meth:`tpm_fit.DecisionLog.check`: every entry re-hashed and re-linked."""

    ok: bool = Field(description="True when no problem was found.")
    entries: int = Field(description="Entries checked (records plus reviews).")
    records: int = Field(description="Records checked.")
    reviews: int = Field(description="Reviews checked.")
    rulebooks: int = Field(description="Stored rulebooks checked against their fingerprints.")
    head_hash: str = Field(
        description="record_hash of the last entry (64 zeros for an empty log): keep it elsewhere "
        "and pass it back as an anchor to detect a rewritten or truncated log."
    )
    broken: tuple[str, ...] = Field(description="Ids of every entry with a problem, in chain order.")
    problems: tuple[ChainProblem, ...] = Field(description="Every problem, in chain order.")

    def to_text(self) -> str:
        """A short human-readable summary, one line per problem."""
        from .._render import render

        return render(self, "text")


class Difference(_Frozen):
    """One field that differs between the recorded and the recomputed recommendation."""

    path: str = Field(description="Field path in the JSON form, e.g. 'verdict' or 'trace[3].contribution'.")
    change: Literal["changed", "added", "removed"] = Field(
        description="changed: both have the field; added: only the new result; removed: only the old."
    )
    old: JsonValue = Field(description="The recorded value (null when added).")
    new: JsonValue = Field(description="The recomputed value (null when removed).")


class Replay(_Frozen):
    """A recorded decision recomputed with its stored rulebook and the installed library."""

    decision_id: UUID = Field(description="The decision replayed.")
    same: bool = Field(description="True when the recomputed decision has no difference.")
    differences: tuple[Difference, ...] = Field(
        description="Each differing field of the decision (verdict, score, thresholds, role shape, "
        "seat, hire_needed, trace, risks) with its old and new value."
    )
    wording: tuple[Difference, ...] = Field(
        default=(),
        description="Differences in how the decision is worded (need_reason, and the titles, "
        "reasons, descriptions and mitigations in the trace and risks); they leave same alone.",
    )
    new_fields: tuple[str, ...] = Field(
        default=(),
        description="Fields that the recomputed result has because its format is newer than the "
        "record's (paths with [] for every list index); not differences.",
    )
    rulebook_fingerprint: str = Field(description="Fingerprint of the rulebook both results used.")
    recorded_library_version: str = Field(description="tpm_fit version that made the recorded result.")
    library_version: str = Field(description="tpm_fit version that recomputed it.")
    recorded_schema_version: int = Field(
        default=1, description="Format version of the recorded result (1: tpm_fit 0.2.0 or earlier)."
    )
    float_tolerance: float = Field(description="Absolute tolerance used when comparing numbers (0: exact).")
    recomputed: Recommendation = Field(description="The recomputed recommendation.")

    def to_text(self) -> str:
        """One line of outcome, then one line per difference."""
        from .._render import render

        return render(self, "text")
