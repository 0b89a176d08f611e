"""Replay: recompute a recorded decision and compare the two results field by field."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final
from uuid import UUID

from pydantic import ValidationError

from .._engine.recommend import LIBRARY_VERSION, recommend
from .._model.result import RESULT_SCHEMA_VERSION, Recommendation
from .._model.rulebook import Rulebook
from .models import DecisionLogError, DecisionRecord, Difference, Replay, canonical_json

__all__ = ["diff_json", "replay", "replay_raw"]

#: The decision itself: the fields replay compares. The others describe it (the profile it was
#: made for, versions, fingerprints) or word it.
DECISION_FIELDS: Final = (
    "verdict",
    "score",
    "thresholds",
    "role_shape",
    "seat",
    "hire_needed",
    "trace",
    "risks",
)
#: Keys, at any depth of the decision, that word it rather than decide it, and top-level fields
#: that do: their differences are reported apart (``Replay.wording``) and leave ``same`` alone.
WORDING_KEYS: Final = frozenset({"title", "reason", "description", "mitigation"})
WORDING_FIELDS: Final = ("need_reason",)
_INDEX = re.compile(r"\[\d+\]")
_LAST_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _key_path(prefix: str, key: str) -> str:
    if _IDENTIFIER.match(key):
        return f"{prefix}.{key}" if prefix else key
    return f'{prefix}["{key}"]'


def _equal_scalars(old: Any, new: Any, tolerance: float) -> bool:
    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    if number(old) and number(new):
        if tolerance > 0:
            return math.isclose(old, new, rel_tol=0.0, abs_tol=tolerance)
        return bool(old == new)
    # Otherwise JSON equality: true is not 1, "1" is not 1.
    return type(old) is type(new) and bool(old == new)


def _diff_mappings(
    old: Mapping[Any, Any], new: Mapping[Any, Any], path: str, float_tolerance: float
) -> Iterator[Difference]:
    for key in old:
        child = _key_path(path, str(key))
        if key in new:
            yield from diff_json(old[key], new[key], path=child, float_tolerance=float_tolerance)
        else:
            yield Difference(path=child, change="removed", old=old[key], new=None)
    for key in new:
        if key not in old:
            yield Difference(path=_key_path(path, str(key)), change="added", old=None, new=new[key])


def _diff_lists(old: list[Any], new: list[Any], path: str, float_tolerance: float) -> Iterator[Difference]:
    for index in range(max(len(old), len(new))):
        child = f"{path}[{index}]"
        if index >= len(new):
            yield Difference(path=child, change="removed", old=old[index], new=None)
        elif index >= len(old):
            yield Difference(path=child, change="added", old=None, new=new[index])
        else:
            yield from diff_json(old[index], new[index], path=child, float_tolerance=float_tolerance)


def diff_json(old: Any, new: Any, *, path: str = "", float_tolerance: float = 0.0) -> Iterator[Difference]:
    """Every difference between two JSON values, depth first, as field paths.

    Mappings are compared key by key (old keys in order, then keys only the new one has), lists
    index by index; numbers differ when further apart than ``float_tolerance`` (exact when 0).
    """
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        yield from _diff_mappings(old, new, path, float_tolerance)
    elif isinstance(old, list) and isinstance(new, list):
        yield from _diff_lists(old, new, path, float_tolerance)
    elif not _equal_scalars(old, new, float_tolerance):
        yield Difference(path=path, change="changed", old=old, new=new)


def _recorded_profile(
    recommendation: Mapping[str, Any], rulebook: Rulebook, *, decision_id: UUID, float_tolerance: float
) -> Mapping[str, Any]:
    """The recorded profile, once the tolerance is valid and the rulebook is the one recorded."""
    if not (math.isfinite(float_tolerance) and float_tolerance >= 0):
        raise DecisionLogError(f"float_tolerance={float_tolerance!r} must be a finite number >= 0")
    recorded_fingerprint = recommendation.get("rulebook_fingerprint")
    if rulebook.fingerprint != recorded_fingerprint:
        raise DecisionLogError(
            f"decision {decision_id}: the rulebook given has fingerprint {rulebook.fingerprint}, "
            f"but the decision was made with {recorded_fingerprint}; replay needs the same rulebook"
        )
    profile = recommendation.get("profile")
    if not isinstance(profile, Mapping):
        raise DecisionLogError(f"decision {decision_id}: the recorded recommendation has no profile")
    # Inputs recorded as assumed were not given: leave them out again, so they are assumed again.
    assumed = recommendation.get("assumed")
    if isinstance(assumed, list) and assumed:
        return {name: value for name, value in profile.items() if name not in assumed}
    return profile


def _recompute(profile: Mapping[str, Any], rulebook: Rulebook, *, decision_id: UUID) -> Recommendation:
    try:
        return recommend(profile, rulebook=rulebook)
    except ValidationError as exc:
        raise DecisionLogError(
            f"decision {decision_id}: the recorded profile is not valid for tpm_fit {LIBRARY_VERSION} "
            f"({exc.error_count()} problem(s): {exc.errors(include_url=False)[0]['msg']})"
        ) from None


def _last_key(path: str) -> str:
    found = _LAST_KEY.search(path)
    return found.group(1) if found else ""


def _compare(
    old: Mapping[str, Any], new: Mapping[str, Any], *, older_schema: bool, float_tolerance: float
) -> tuple[tuple[Difference, ...], tuple[Difference, ...], tuple[str, ...]]:
    """Decision differences, wording differences, and fields a newer format added."""
    decision: list[Difference] = []
    wording: list[Difference] = []
    added: dict[str, None] = {}
    for field in (*DECISION_FIELDS, *WORDING_FIELDS):
        if field not in old:  # a field this record's format did not have yet
            if field in new:
                added[field] = None
            continue
        if canonical_json(old[field]) == canonical_json(new.get(field)):
            continue  # identical texts need no walk (the common case)
        for item in diff_json(old[field], new.get(field), path=field, float_tolerance=float_tolerance):
            if older_schema and item.change == "added":
                added[_INDEX.sub("[]", item.path)] = None
            elif field in WORDING_FIELDS or _last_key(item.path) in WORDING_KEYS:
                wording.append(item)
            else:
                decision.append(item)
    return tuple(decision), tuple(wording), tuple(added)


def replay_raw(
    recommendation: Mapping[str, Any],
    rulebook: Rulebook,
    *,
    decision_id: UUID,
    float_tolerance: float = 0.0,
) -> Replay:
    """Replay from the recorded recommendation's JSON form (works across format changes).

    Only the decision is compared (:data:`DECISION_FIELDS`). A field or key that a newer format
    added is not a difference when the record is of an older format: it is listed in
    ``new_fields``. Differences in wording (reasons, titles, descriptions) are listed in
    ``wording`` and leave ``same`` alone.
    """
    profile = _recorded_profile(
        recommendation, rulebook, decision_id=decision_id, float_tolerance=float_tolerance
    )
    recomputed = _recompute(profile, rulebook, decision_id=decision_id)
    recorded_schema = recommendation.get("schema_version", 1)
    if not isinstance(recorded_schema, int) or isinstance(recorded_schema, bool) or recorded_schema < 1:
        raise DecisionLogError(
            f"decision {decision_id}: schema_version={recorded_schema!r} is not a format version "
            f"(a whole number from 1 to {RESULT_SCHEMA_VERSION})"
        )
    differences, wording, new_fields = _compare(
        recommendation,
        recomputed.model_dump(mode="json"),
        older_schema=recorded_schema < RESULT_SCHEMA_VERSION,
        float_tolerance=float_tolerance,
    )
    return Replay(
        decision_id=decision_id,
        same=not differences,
        differences=differences,
        wording=wording,
        new_fields=new_fields,
        rulebook_fingerprint=rulebook.fingerprint,
        recorded_library_version=str(recommendation.get("library_version", "unknown")),
        library_version=LIBRARY_VERSION,
        recorded_schema_version=recorded_schema,
        float_tolerance=float_tolerance,
        recomputed=recomputed,
    )


def replay(record: DecisionRecord, rulebook: Rulebook, *, float_tolerance: float = 0.0) -> Replay:
    """Recompute a recorded decision with ``rulebook`` and the installed tpm_fit, and compare.

    Use this for a record held outside a log (for example read from an export);
    :meth:`tpm_fit.DecisionLog.replay` does the same with the rulebook stored in the log.

    Parameters
    ----------
    record : DecisionRecord
        The decision as recorded.
    rulebook : Rulebook
        The rulebook the decision was made with: its fingerprint must equal
        ``record.rulebook_fingerprint``.
    float_tolerance : float, default 0.0
        Absolute tolerance for numbers. The default compares exactly: the same rules on the same
        platform give bit-identical scores.

    Returns
    -------
    Replay
        ``same`` and every difference of the decision (verdict, score, thresholds, seat, trace,
        risks) as a field path (``trace[3].contribution``) with the old and new value. Wording
        differences are listed apart in ``wording``, and fields added by a newer format in
        ``new_fields``; neither makes the replay differ. Versions are reported, not compared.

    Raises
    ------
    DecisionLogError
        The rulebook's fingerprint differs from the record's (the message names both), or the
        recorded profile is not valid for the installed tpm_fit.

    Examples
    --------
    >>> import tpm_fit
    >>> book = tpm_fit.Rulebook.default()
    >>> result = tpm_fit.recommend(company_size=12, product_complexity="moderate", rulebook=book)
    >>> with tpm_fit.DecisionLog(":memory:") as log:
    ...     record = log.record(result, rulebook=book)
    >>> tpm_fit.replay(record, book).same
    True
    """
    return replay_raw(
        record.recommendation.model_dump(mode="json"),
        rulebook,
        decision_id=record.decision_id,
        float_tolerance=float_tolerance,
    )
