"""``recommend()``: validate, call the kernel, shape the result."""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any, Final, Unpack

from .._errors import short
from .._model.profile import OrgProfile, ProfileFields
from .._model.result import MADE_WITH, RESULT_SCHEMA_VERSION, Recommendation, Risk, TraceStep
from .._model.rulebook import Rulebook, as_rulebook
from .._model.vocab import Verdict
from .._version import __version__
from .kernel import CompiledRulebook, compile_rulebook, encode_profile
from .seat import SEAT_OUTPUTS, SeatOne, need_reason, warnings_of
from .seat_reads import SEAT_READS, SPLIT_READS
from .statements import statements_of

__all__ = ["recommend"]

LIBRARY_VERSION: Final = __version__


class _StepMemo:
    """Validated, immutable result parts keyed by activation, so the hot path reuses them.

    A trace step (or risk) is fully determined by its rulebook entry and its activation, and
    activations take few distinct values in practice (level tables, small coverage counts).
    Bounded: cleared when it grows past ``limit`` entries.
    """

    __slots__ = ("cache", "limit", "model", "static")

    def __init__(self, model: type[TraceStep] | type[Risk], static: dict[str, Any]) -> None:
        self.model = model
        self.static = static
        self.cache: dict[float, Any] = {}
        self.limit = 4096

    def get(self, activation: float, **extra: float) -> Any:
        item = self.cache.get(activation)
        if item is None:
            if len(self.cache) >= self.limit:
                self.cache.clear()
            item = self.cache[activation] = self.model.model_validate(
                {**self.static, "activation": activation, **extra}
            )
        return item


class _Shaper:
    """Per-rulebook constants for building results, computed once per compiled rulebook."""

    def __init__(self, compiled: CompiledRulebook) -> None:
        rulebook = compiled.rulebook
        self.compiled = compiled
        self.steps = tuple(
            _StepMemo(
                TraceStep,
                {
                    "factor": f.id,
                    "title": f.title,
                    "favours": f.favours,
                    "weight": f.weight,
                    "section": f.section,
                    "reason": f.reason,
                },
            )
            for f in rulebook.factors
        )
        self.risks = tuple(
            _StepMemo(
                Risk,
                {
                    "id": risk.id,
                    "title": risk.title,
                    "section": risk.section,
                    "description": risk.description,
                    "mitigation": risk.mitigation,
                    "if_hired": risk.side,
                },
            )
            for risk in rulebook.risks
        )
        #: Backgrounds by :meth:`CompiledRulebook.background_key` (exact: equal keys, equal results).
        self.backgrounds: dict[tuple[int, ...], _Background] = {}
        self.thresholds = rulebook.thresholds
        self.rulebook_name = rulebook.name
        self.rulebook_version = rulebook.version
        self.rulebook_fingerprint = rulebook.fingerprint
        self.says = statements_of(rulebook)
        #: Sentences by situation (see :meth:`sentences`), bounded like the backgrounds.
        self.said: dict[tuple[object, ...], tuple[SeatOne, dict[str, float], str, tuple[str, ...]]] = {}
        # Company size and team size enter the sentences through their class (between two
        # breakpoints the seat and every statement's condition are constant) and as numbers.
        self.size_points = sorted(compiled.breakpoints("company_size"))
        self.team_points = sorted(compiled.breakpoints("product_team_size"))
        reads = frozenset().union(*self.says.reads.values(), SEAT_READS)
        self.exact_reads = tuple(sorted(reads - set(SPLIT_READS)))

    def background(self, values: dict[str, float]) -> _Background:
        """Verdict, score, trace and risks of one encoded profile with its derived inputs."""
        compiled = self.compiled
        activations, contributions, score = compiled.score_one(values)
        verdict = compiled.verdict_one(score)
        trace = tuple(
            memo.get(a, contribution=c)
            for memo, a, c in zip(self.steps, activations, contributions, strict=True)
        )
        risks = tuple(
            self.risks[index].get(strength) for index, strength in compiled.risks_one(values, verdict)
        )
        return verdict, score, trace, risks

    def situation(
        self, values: dict[str, float], assumed: tuple[str, ...], org: OrgProfile
    ) -> tuple[SeatOne, str, tuple[str, ...]]:
        """The seat (its derived inputs added to ``values``), the seat's reason and the warnings
        of one profile, memoised by situation.

        Equal situations (the size and team classes, between whose breakpoints the seat and
        every statement's condition are constant; every other input the seat and the sentences
        read; and which inputs were assumed) have the same seat and say the same words, with the
        size and team filled in: built once per situation, then only those two numbers are put in.
        """
        size, team = values["company_size"], values["product_team_size"]
        key = (
            bisect_right(self.size_points, size),
            bisect_right(self.team_points, team),
            team == 1,
            assumed,
            *[values[name] for name in self.exact_reads],
        )
        found = self.said.get(key)
        if found is None:
            seat = self.compiled.seat.one(values)
            shown = (_SIZE_TEXT, _TEAM_TEXT)
            labels = {name: _label(getattr(org, name)) for name in assumed} if assumed else None
            reason = need_reason(self.compiled.seat, seat, values, self.says, labels, shown)
            warnings = warnings_of(values, self.says, labels, shown)
            if len(self.said) >= _BACKGROUNDS:
                self.said.clear()
            derived = {name: values[name] for name in SEAT_OUTPUTS}
            found = self.said[key] = (seat, derived, reason, warnings)
        else:
            values.update(found[1])
        seat, _, reason, warnings = found
        shown_size, shown_team = f"{int(size):,}", f"{int(team):,}"
        reason = reason.replace(_SIZE_TEXT, shown_size).replace(_TEAM_TEXT, shown_team)
        if warnings:
            warnings = tuple(
                text.replace(_SIZE_TEXT, shown_size).replace(_TEAM_TEXT, shown_team) for text in warnings
            )
        return seat, reason, warnings


_Background = tuple[Verdict, float, tuple[TraceStep, ...], tuple[Risk, ...]]
#: Stand-ins for the company size and the number of PMs in memoised sentences.
_SIZE_TEXT: Final = "\x00size\x00"
_TEAM_TEXT: Final = "\x00team\x00"
#: The profile inputs the seat reads.
#: Bound of a rulebook's cache of backgrounds (cleared when full).
_BACKGROUNDS: Final = 4096


def _shaper(rulebook: Rulebook) -> _Shaper:
    """The result builder of a rulebook, kept with its compiled form (one cache for both)."""
    compiled = compile_rulebook(rulebook)
    shaper = compiled.attachments.get("shaper")
    if shaper is None:
        shaper = compiled.attachments.setdefault("shaper", _Shaper(compiled))
    return shaper  # type: ignore[no-any-return]


def _as_profile(profile: OrgProfile | Mapping[str, Any] | None, fields: dict[str, Any]) -> OrgProfile:
    if isinstance(profile, OrgProfile):
        if fields:
            # model_copy(update=...) would skip validation; revalidate the merged fields.
            return OrgProfile.model_validate({**profile.__dict__, **fields})
        return profile
    if profile is None:
        return OrgProfile.model_validate(fields)
    if isinstance(profile, Mapping):
        return OrgProfile.model_validate({**profile, **fields} if fields else profile)
    raise TypeError(
        f"profile={short(profile)}: a {type(profile).__name__}; valid: an OrgProfile, a mapping of its "
        "fields, or omitted in favour of keyword fields"
    )


def _assumed(org: OrgProfile) -> tuple[str, ...]:
    """The inputs of ``org`` that were not given and took their defaults, in field order."""
    given = org.__pydantic_fields_set__
    if len(given) == len(_FIELDS):
        return ()
    return tuple(name for name in _FIELDS if name not in given)


_FIELDS: Final = tuple(OrgProfile.model_fields)


def _label(value: object) -> str:
    return str(getattr(value, "value", value))


def recommend(
    profile: OrgProfile | Mapping[str, Any] | None = None,
    /,
    *,
    rulebook: Rulebook | str | os.PathLike[str] | None = None,
    **fields: Unpack[ProfileFields],
) -> Recommendation:
    """Recommend a technical or a traditional PM for an organisation, and say why.

    Parameters
    ----------
    profile : OrgProfile or mapping, optional
        The organisation. A mapping is validated as an :class:`OrgProfile`. Omit it to pass
        the fields as keywords instead; keywords given with a profile override its fields.
    rulebook : Rulebook, str or os.PathLike, optional
        The rules to apply, or the path of a TOML rulebook to load; :meth:`Rulebook.default`
        when omitted.
    **fields
        ``OrgProfile`` fields, e.g. ``company_size=40, product_complexity="high"``.

    Returns
    -------
    Recommendation
        Verdict, score, the trace of every factor, role shape, risks, and the fingerprint of
        the rulebook used.

    Raises
    ------
    pydantic.ValidationError
        The profile is invalid; the error names the field, the value and what is valid.
    TypeError
        ``rulebook`` is neither a Rulebook, a path nor None.
    RulebookError
        ``rulebook`` is a path that cannot be read or is not a valid rulebook.

    Examples
    --------
    >>> import tpm_fit
    >>> tpm_fit.recommend(company_size=8, product_complexity="very_high").verdict
    <Verdict.TECHNICAL: 'technical'>
    """
    org = _as_profile(profile, dict(fields))
    book = rulebook if isinstance(rulebook, Rulebook) else as_rulebook(rulebook)
    shaper = _shaper(book)
    values = encode_profile(org)
    compiled = shaper.compiled
    assumed = _assumed(org)
    seat, reason, warnings = shaper.situation(values, assumed, org)  # adds the derived inputs
    key = compiled.background_key(values)
    background = shaper.backgrounds.get(key) if key is not None else None
    if background is None:
        background = shaper.background(values)
        if key is not None:
            if len(shaper.backgrounds) >= _BACKGROUNDS:
                shaper.backgrounds.clear()
            shaper.backgrounds[key] = background
    verdict, score, trace, risks = background
    # Every part is already valid (the profile validated, the steps and risks built by
    # model_validate, the kernel's outputs typed), and hire_needed follows the seat by
    # construction: skip revalidating them (tests/test_speed_recommend.py proves the object
    # equals the validated one and survives the JSON round trip).
    result = Recommendation._from_parts(
        {
            "schema_version": RESULT_SCHEMA_VERSION,
            "verdict": verdict,
            "score": score,
            "thresholds": shaper.thresholds,
            "role_shape": seat.role_shape,
            "seat": seat.seat,
            "hire_needed": bool(seat.seat),
            "need_reason": reason,
            "trace": trace,
            "risks": risks,
            "profile": org,
            "rulebook_name": shaper.rulebook_name,
            "rulebook_version": shaper.rulebook_version,
            "rulebook_fingerprint": shaper.rulebook_fingerprint,
            "library_version": LIBRARY_VERSION,
            "open_seats": seat.open_seats,
            "assumed": assumed,
            "warnings": warnings,
        }
    )
    # The rulebook rides along (not a field: not dumped, not compared), so brief() and
    # counterfactuals() find it however many other rulebooks the cache has seen since.
    result.__dict__[MADE_WITH] = book
    return result
