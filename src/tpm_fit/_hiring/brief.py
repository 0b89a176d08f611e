"""Building a :class:`RoleBrief` from a recommendation and the guidance data.

Emphasis and must-have rules are kernel activations: each is compiled once per guidance (by
fingerprint, in a bounded thread-safe cache) with :func:`~tpm_fit._model.primitives.compile_activation`
and evaluated with the node's scalar ``one`` twin on the profile's encoded values plus the seat's
derived inputs (``compile_rulebook(rulebook).with_seat(encode_profile(profile))``). Rules combine
like the kernel's ``any_of``: ``1 - (1 - base) * prod(1 - strength)``. Nothing here interprets a
condition itself.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, assert_never

from .._engine.cache import FingerprintCache
from .._engine.kernel import compile_rulebook, encode_profile
from .._engine.statements import assumed_note, profile_inputs
from .._errors import TpmFitError
from .._model.guidance import (
    EmphasisRule,
    Guidance,
    QualificationSpec,
    QuestionSpec,
    ResponsibilitySpec,
    as_guidance,
)
from .._model.primitives import One, compile_activation
from .._model.result import Recommendation, Risk, TraceStep
from .._model.rulebook import Rulebook
from .._model.suggest import did_you_mean
from .._model.vocab import FACES, Face, Favours, RoleShape, Verdict
from .._version import __version__
from .models import AnchoredLevel, Competency, Priority, Probe, Qualification, Responsibility, RoleBrief

__all__ = ["Weighting", "build_brief"]

Weighting = Literal["equal", "trace"]
_WEIGHTINGS: Final = ("equal", "trace")


@dataclass(frozen=True, slots=True)
class _Rule:
    reason: str
    weight: float
    one: One | None
    verdicts: frozenset[Verdict]
    inputs: tuple[str, ...]
    on_verdict: bool
    #: The profile inputs the condition rests on (derived inputs replaced by what the seat reads).
    rests_on: frozenset[str]

    def strength(self, values: Mapping[str, float], verdict: Verdict) -> float:
        if verdict not in self.verdicts:
            return 0.0
        return self.weight * (1.0 if self.one is None else self.one(values))


def _rules(rules: Sequence[EmphasisRule]) -> tuple[_Rule, ...]:
    return tuple(
        _Rule(
            rule.reason,
            rule.weight,
            None if rule.when is None else compile_activation(rule.when).one,
            frozenset(rule.verdicts),
            tuple(sorted(rule.when.inputs())) if rule.when is not None else (),
            len(rule.verdicts) < len(Verdict),
            profile_inputs(set(rule.when.inputs())) if rule.when is not None else frozenset(),
        )
        for rule in rules
    )


@dataclass(frozen=True, slots=True)
class _CompiledQualification:
    spec: QualificationSpec
    rules: tuple[_Rule, ...]
    levels: tuple[AnchoredLevel, ...]
    competency_id: str


class _CompiledGuidance:
    """Everything per guidance that does not depend on the profile, built once."""

    def __init__(self, guidance: Guidance) -> None:
        from .._verify.guidance import check_guidance

        report = check_guidance(guidance)
        if not report.ok:
            first = report.problems[0]
            raise TpmFitError(
                f"guidance {guidance.name!r} fails {len(report.problems)} check(s); first: "
                f"{first.message} @ {first.location} (see tpm_fit.check_guidance)"
            )
        self.guidance = guidance
        self.responsibilities = tuple((spec, _rules(spec.emphasis)) for spec in guidance.responsibilities)
        self.qualifications = tuple(
            _CompiledQualification(
                spec,
                _rules(spec.must_have),
                tuple(
                    AnchoredLevel(level=i, behaviour=text)
                    for i, text in enumerate(spec.competency.anchors, start=1)
                )
                if spec.competency is not None
                else (),
                spec.competency.id if spec.competency is not None else "",
            )
            for spec in guidance.qualifications
        )
        self.probes = {probe.risk: probe for probe in guidance.probes}
        #: Per competency (by qualification), its questions' conditions (None: any situation).
        self.question_conditions = tuple(
            tuple(
                None
                if question.when is None
                else (compile_activation(question.when).one, profile_inputs(set(question.when.inputs())))
                for question in spec.competency.questions
            )
            if spec.competency is not None
            else ()
            for spec in guidance.qualifications
        )
        self.memo: dict[tuple[object, ...], object] = {}
        self.memo_lock = threading.Lock()


#: Compiled guidance by fingerprint (bounded, thread-safe).
_CACHE: Final[FingerprintCache[Guidance, _CompiledGuidance]] = FingerprintCache(32, _CompiledGuidance)
#: Result parts memoised per compiled guidance (cleared past this many entries).
_MEMO_LIMIT: Final = 4096


def _combine(base: float, strengths: Sequence[float]) -> float:
    rest = 1.0 - base
    for strength in strengths:
        rest *= 1.0 - strength
    return 1.0 - rest


def _fired(
    rules: Sequence[_Rule], strengths: Sequence[float], shown_at: float, assumed: Mapping[str, str]
) -> tuple[str, ...]:
    out = []
    for rule, strength in zip(rules, strengths, strict=True):
        if strength >= shown_at and strength > 0.0:
            reads = f"; reads {', '.join(rule.inputs)}" if rule.inputs else ""
            verdicts = "; verdict" if rule.on_verdict else ""
            note = assumed_note(rule.rests_on, assumed)
            out.append(f"{rule.reason}{note} ({strength:.2f}{reads}{verdicts})")
    return tuple(out)


def _assumed(recommendation: Recommendation) -> dict[str, str]:
    """Inputs that were not given, with the values they took."""
    profile = recommendation.profile
    return {
        name: str(getattr(getattr(profile, name), "value", getattr(profile, name)))
        for name in recommendation.assumed
    }


def _fits(
    condition: tuple[One, frozenset[str]] | None, values: Mapping[str, float], assumed: Mapping[str, str]
) -> bool:
    """Whether a question may be asked: written for any situation, or for this one as given
    (a situation that rests on an input that was not given is not asked about)."""
    if condition is None:
        return True
    one, reads = condition
    return one(values) >= _HOLDS_AT and reads.isdisjoint(assumed)


#: Where a situational question holds (its condition reaching this).
_HOLDS_AT: Final = 0.5 - 1e-9


def _remember(compiled: _CompiledGuidance, key: tuple[object, ...], part: object) -> None:
    """Keep a validated result part for reuse (bounded: cleared when full)."""
    with compiled.memo_lock:
        if len(compiled.memo) >= _MEMO_LIMIT:
            compiled.memo.clear()
        compiled.memo[key] = part


def build_brief(
    recommendation: Recommendation,
    *,
    guidance: Guidance | str | os.PathLike[str] | None = None,
    rulebook: Rulebook | None = None,
    weighting: Weighting = "equal",
) -> RoleBrief:
    """The role brief for a recommendation (see :meth:`tpm_fit.Recommendation.brief`)."""
    if weighting not in _WEIGHTINGS:
        hint = did_you_mean(weighting, _WEIGHTINGS)
        raise ValueError(f"weighting={weighting!r}: not a weighting; valid: {', '.join(_WEIGHTINGS)}{hint}")
    compiled = _CACHE.compiled(as_guidance(guidance))
    used = recommendation.used_rulebook(rulebook=rulebook)
    values = compile_rulebook(used).with_seat(encode_profile(recommendation.profile))
    # A backfill (no hire needed) describes the whole role: every face counts as the hire's.
    role_faces = frozenset(recommendation.seat) if recommendation.hire_needed else frozenset(FACES)

    strengths = _strengths(compiled, values, recommendation.verdict)
    assumed = _assumed(recommendation)
    situation = _Situation(
        assumed,
        tuple(
            tuple(_fits(condition, values, assumed) for condition in conditions)
            for conditions in compiled.question_conditions
        ),
        tuple(int(values[face.coverage_field]) >= 1 for face in FACES),
    )
    key = (*_situation(strengths, recommendation, weighting), situation.key())
    found = compiled.memo.get(key)
    if isinstance(found, RoleBrief):
        return found
    brief = _build(compiled, strengths, recommendation, used, role_faces, weighting, situation)
    _remember(compiled, key, brief)
    return brief


@dataclass(frozen=True, slots=True)
class _Situation:
    """What a brief reads from the profile besides the rules' strengths."""

    #: Inputs not given, with the values they took.
    assumed: Mapping[str, str]
    #: Per competency, which of its questions fit the situation.
    questions: tuple[tuple[bool, ...], ...]
    #: Per face (FACES order), whether someone already covers it.
    covered: tuple[bool, ...]

    def key(self) -> tuple[object, ...]:
        return (tuple(self.assumed.items()), self.questions, self.covered)


#: Every emphasis rule's strength: per responsibility, then per qualification, rule by rule.
_Strengths = tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]


def _strengths(compiled: _CompiledGuidance, values: Mapping[str, float], verdict: Verdict) -> _Strengths:
    """The strength of every emphasis and must-have rule for this profile (each computed once)."""
    return (
        tuple(
            tuple([rule.strength(values, verdict) for rule in rules])
            for _, rules in compiled.responsibilities
        ),
        tuple(
            tuple([rule.strength(values, verdict) for rule in item.rules]) for item in compiled.qualifications
        ),
    )


def _situation(
    strengths: _Strengths, recommendation: Recommendation, weighting: Weighting
) -> tuple[object, ...]:
    """Everything a brief is computed from, as a memo key: equal keys give equal briefs.

    The rules' strengths (from the profile, its seat and the verdict), the seat, which factors
    fired and which risks were raised (with their strengths), the rulebook (its titles appear in
    the reasons) and, for ``weighting="trace"``, the contributions.
    """
    verdict = recommendation.verdict
    trace = recommendation.trace
    return (
        "brief",
        recommendation.rulebook_fingerprint,
        weighting,
        verdict,
        recommendation.seat,
        recommendation.open_seats,
        recommendation.role_shape,
        recommendation.hire_needed,
        recommendation.need_reason if not recommendation.hire_needed else "",
        strengths,
        tuple(step.activation > 0.0 for step in trace),
        tuple((risk.id, risk.activation) for risk in recommendation.risks),
        tuple(step.contribution for step in trace) if weighting == "trace" else (),
    )


def _build(
    compiled: _CompiledGuidance,
    strengths: _Strengths,
    recommendation: Recommendation,
    used: Rulebook,
    role_faces: frozenset[Face],
    weighting: Weighting,
    situation: _Situation,
) -> RoleBrief:
    spec = compiled.guidance
    verdict = recommendation.verdict
    responsibilities = _responsibilities(compiled, strengths[0], recommendation, used, role_faces, situation)
    qualifications, scorecard = _qualifications(
        compiled, strengths[1], recommendation, role_faces, weighting, situation
    )
    backgrounds = _backgrounds(spec, verdict)
    return RoleBrief.model_validate(
        {
            "title": _title(recommendation),
            "summary": _summary(recommendation, qualifications, scorecard, backgrounds),
            "hire_needed": recommendation.hire_needed,
            "seat": recommendation.seat,
            "role_shape": recommendation.role_shape,
            "verdict": verdict,
            "responsibilities": responsibilities,
            "qualifications": qualifications,
            "scorecard": scorecard,
            "probes": tuple(_probe(compiled, risk, scorecard) for risk in recommendation.risks),
            "backgrounds": backgrounds,
            "rulebook_fingerprint": recommendation.rulebook_fingerprint,
            "guidance_name": spec.name,
            "guidance_version": spec.version,
            "guidance_fingerprint": spec.fingerprint,
            "library_version": __version__,
        }
    )


def _links(
    compiled: _CompiledGuidance, rulebook: Rulebook, index: int, rules: Sequence[_Rule]
) -> tuple[tuple[int, ...], frozenset[str]]:
    """Factors and risks of the rulebook that read an input the item's rules read (cached)."""
    key = ("links", rulebook.fingerprint, index)
    found = compiled.memo.get(key)
    if isinstance(found, tuple):
        return found
    inputs = frozenset().union(*(rule.inputs for rule in rules))
    links = (
        tuple(k for k, factor in enumerate(rulebook.factors) if factor.activation.inputs() & inputs),
        frozenset(risk.id for risk in rulebook.risks if risk.when.inputs() & inputs),
    )
    _remember(compiled, key, links)
    return links


def _responsibilities(
    compiled: _CompiledGuidance,
    all_strengths: tuple[tuple[float, ...], ...],
    recommendation: Recommendation,
    rulebook: Rulebook,
    role_faces: frozenset[Face],
    situation: _Situation,
) -> tuple[Responsibility, ...]:
    present = {risk.id: risk.title for risk in recommendation.risks}
    built: list[tuple[bool, float, int, Responsibility]] = []
    for index, ((spec, rules), strengths) in enumerate(
        zip(compiled.responsibilities, all_strengths, strict=True)
    ):
        outside = role_faces.isdisjoint(spec.faces)
        # Shared means someone covers it: the faces of an item outside the seat that someone covers.
        covered = (
            tuple(face for face in spec.faces if situation.covered[FACES.index(face)]) if outside else ()
        )
        fired, raised = (
            _in_trace(compiled, rulebook, index, rules, recommendation.trace, present)
            if any(strengths)
            else ((), ())
        )
        # The words of ``fired`` are the rulebook's titles: the memo outlives one rulebook.
        key = ("r", index, strengths, outside, covered, fired, raised, rulebook.fingerprint, situation.key())
        item = compiled.memo.get(key)
        if not isinstance(item, Responsibility):
            linked = _linked(recommendation.trace, fired, raised)
            item = _responsibility(compiled, spec, rules, strengths, (outside, covered), linked, situation)
            _remember(compiled, key, item)
        built.append((outside, -item.emphasis, index, item))
    built.sort(key=lambda entry: entry[:3])
    return tuple(entry[3] for entry in built)


def _in_trace(
    compiled: _CompiledGuidance,
    rulebook: Rulebook,
    index: int,
    rules: Sequence[_Rule],
    trace: Sequence[TraceStep],
    present: Mapping[str, str],
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The linked factors that fired (trace indices) and the titles of the linked risks raised."""
    factors, risks = _links(compiled, rulebook, index, rules)
    fired = tuple(k for k in factors if trace[k].activation > 0.0)
    raised = tuple(sorted(present[r] for r in risks if r in present))
    return fired, raised


def _linked(trace: Sequence[TraceStep], fired: Sequence[int], raised: Sequence[str]) -> list[str]:
    """The fired factors (with the side they favour) and the raised risks, in words."""
    linked = [f"{trace[k].title} (favours {trace[k].favours.value})" for k in fired]
    linked += [f"risk: {title}" for title in raised]
    return linked


def _responsibility(
    compiled: _CompiledGuidance,
    spec: ResponsibilitySpec,
    rules: Sequence[_Rule],
    strengths: Sequence[float],
    placement: tuple[bool, tuple[Face, ...]],
    linked: Sequence[str],
    situation: _Situation,
) -> Responsibility:
    outside, covered = placement
    why = _fired(rules, strengths, compiled.guidance.shown_at, situation.assumed) or (
        f"no rule fires in this situation; base emphasis {spec.base:g}",
    )
    if covered:
        reads = frozenset(face.coverage_field for face in covered)
        note = assumed_note(reads, situation.assumed)
        why = (*why, f"shared: people already cover {', '.join(face.value for face in covered)}{note}")
    elif outside:
        open_faces = ", ".join(face.value for face in spec.faces)
        why = (*why, f"outside this seat: {open_faces} not in it (see the open seats)")
    if linked:
        why = (*why, f"in the trace: {'; '.join(linked)}")
    return Responsibility(
        id=spec.id,
        text=spec.text,
        faces=spec.faces,
        section=spec.section,
        emphasis=_combine(spec.base, strengths),
        shared=bool(covered),
        why=why,
    )


def _qualifications(
    compiled: _CompiledGuidance,
    all_strengths: tuple[tuple[float, ...], ...],
    recommendation: Recommendation,
    role_faces: frozenset[Face],
    weighting: Weighting,
    situation: _Situation,
) -> tuple[tuple[Qualification, ...], tuple[Competency, ...]]:
    weights, reasons = _weights(compiled, recommendation, weighting)
    rows: list[tuple[int, int, Qualification, Competency]] = []
    for index, (item, strengths) in enumerate(zip(compiled.qualifications, all_strengths, strict=True)):
        must = bool(item.rules) and _combine(0.0, strengths) >= compiled.guidance.must_have_at
        qualification = _qualification(compiled, index, item, strengths, must, situation)
        competency = _competency(
            compiled, index, item, (weights[index], reasons[index]), must, role_faces, situation
        )
        rows.append((0 if must else 1, index, qualification, competency))
    rows.sort(key=lambda row: row[:2])
    return tuple(row[2] for row in rows), tuple(row[3] for row in rows)


def _qualification(
    compiled: _CompiledGuidance,
    index: int,
    item: _CompiledQualification,
    strengths: tuple[float, ...],
    must: bool,
    situation: _Situation,
) -> Qualification:
    """The qualification as a must-have (with the rules that made it one) or a nice-to-have (memoised)."""
    key = ("q", index, strengths, must, tuple(situation.assumed.items()))
    found = compiled.memo.get(key)
    if isinstance(found, Qualification):
        return found
    qualification = Qualification(
        id=item.spec.id,
        text=item.spec.text,
        section=item.spec.section,
        priority=Priority.MUST_HAVE if must else Priority.NICE_TO_HAVE,
        competency=item.competency_id,
        why=_fired(item.rules, strengths, compiled.guidance.shown_at, situation.assumed)
        if must
        else (item.spec.nice_to_have_reason,),
    )
    _remember(compiled, key, qualification)
    return qualification


def _competency(
    compiled: _CompiledGuidance,
    index: int,
    item: _CompiledQualification,
    weight: tuple[float, str],
    must: bool,
    role_faces: frozenset[Face],
    situation: _Situation,
) -> Competency:
    """The scorecard line assessing the qualification, with its weight and reason (memoised)."""
    fits = situation.questions[index]
    key = ("c", index, *weight, must, role_faces, fits)
    found = compiled.memo.get(key)
    if isinstance(found, Competency):
        return found
    spec = item.spec.competency
    assert spec is not None  # the guidance checks guarantee a competency
    targets = compiled.guidance.targets
    competency = Competency(
        id=spec.id,
        name=spec.name,
        qualification=item.spec.id,
        weight=weight[0],
        weight_reason=weight[1],
        levels=item.levels,
        questions=_questions(spec.questions, role_faces, fits),
        target=targets.must_have if must else targets.nice_to_have,
    )
    _remember(compiled, key, competency)
    return competency


def _questions(
    pool: Sequence[QuestionSpec], role_faces: frozenset[Face], fits: Sequence[bool]
) -> tuple[str, ...]:
    """Two or three questions: those written for this situation first (product team, industry,
    engineering team), then those on the seat's faces, then general ones, then the rest; a
    question written for another situation is never asked."""

    def rank(entry: tuple[int, QuestionSpec]) -> tuple[int, int, int]:
        index, question = entry
        faces = question.faces
        situational = 0 if question.when is not None else 1
        return (situational, 0 if role_faces.intersection(faces) else 1 if not faces else 2, index)

    usable = [(index, question) for index, question in enumerate(pool) if fits[index]]
    ordered = sorted(usable, key=rank)
    return tuple(question.text for _, question in ordered[:3])


def _weights(
    compiled: _CompiledGuidance, recommendation: Recommendation, weighting: Weighting
) -> tuple[list[float], list[str]]:
    count = len(compiled.qualifications)
    if weighting == "equal":
        return [1.0 / count] * count, ["equal weights (the default)"] * count
    total = sum(abs(step.contribution) for step in recommendation.trace)
    shares = [_trace_share(item.spec.leans, recommendation.trace, total) for item in compiled.qualifications]
    raw = [1.0 + share for share, _ in shares]
    scale = sum(raw)
    return [value / scale for value in raw], [reason for _, reason in shares]


def _trace_share(leans: Favours | None, trace: Sequence[TraceStep], total: float) -> tuple[float, str]:
    """The share of the trace's weight that leans the qualification's way, and the reason in words."""
    steps = [s for s in trace if leans is not None and s.favours is leans and s.contribution]
    share = sum(abs(s.contribution) for s in steps) / total if total > 0.0 else 0.0
    if share > 0.0:
        top = sorted(steps, key=lambda s: -abs(s.contribution))[:3]
        named = ", ".join(f"{s.title} ({s.contribution:+.2f})" for s in top)
        side = "technical" if leans is Favours.TECHNICAL else "traditional"
        return share, f"raised by {share:.0%} of the trace favouring a {side} PM: {named}"
    return share, "base weight: no factor of the trace leans its way"


def _probe(compiled: _CompiledGuidance, risk: Risk, scorecard: Sequence[Competency]) -> Probe:
    ids = {item.id for item in scorecard}
    spec = compiled.probes.get(risk.id)
    if spec is not None and spec.competency in ids:
        competency, question = spec.competency, spec.question
    else:  # a rulebook risk the guidance has no probe for: ask about its mitigation directly
        competency = scorecard[0].id
        question = (
            f"This seat carries a risk ({risk.title.lower()}). The plan against it: {risk.mitigation} "
            "How would you make that plan work? Give an example from your own work."
        )
    return Probe(
        if_hired=risk.if_hired,
        risk=risk.id,
        risk_title=risk.title,
        section=risk.section,
        mitigation=risk.mitigation,
        competency=competency,
        question=question,
    )


def _backgrounds(guidance: Guidance, verdict: Verdict) -> tuple[str, ...]:
    """The backgrounds the article lists for the hire the verdict calls for (both for either)."""
    sides = {
        Verdict.TECHNICAL: (Favours.TECHNICAL,),
        Verdict.TRADITIONAL: (Favours.TRADITIONAL,),
        Verdict.EITHER: (Favours.TECHNICAL, Favours.TRADITIONAL),
    }[verdict]
    return tuple(item for side in sides for item in guidance.backgrounds.get(side, ()))


def _title(recommendation: Recommendation) -> str:
    match recommendation.verdict:
        case Verdict.TECHNICAL:
            role = "Technical Product Manager"
        case Verdict.TRADITIONAL:
            role = "Product Manager (business background)"
        case Verdict.EITHER:
            role = "Product Manager (technical or business background)"
        case _:
            assert_never(recommendation.verdict)
    if not recommendation.hire_needed:
        return f"{role}, backfill"
    faces = [face.value for face in recommendation.seat]
    match recommendation.role_shape:
        case RoleShape.GENERALIST:
            return f"{role}, generalist ({_words(faces)})"
        case RoleShape.SPECIALIST:
            return f"{role}, {faces[0]} specialist"
        case _:
            assert_never(recommendation.role_shape)


def _words(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _summary(
    recommendation: Recommendation,
    qualifications: Sequence[Qualification],
    scorecard: Sequence[Competency],
    backgrounds: Sequence[str],
) -> str:
    names = {c.id: c.name for c in scorecard}
    parts = []
    if not recommendation.hire_needed:
        parts.append(
            f"No new hire is indicated. {recommendation.need_reason} "
            "This brief still describes the role, for a backfill should someone leave."
        )
    if recommendation.seat:
        owned = _words([f"{face.value} (the '{face.question}')" for face in recommendation.seat])
        parts.append(
            f"The seat is a {recommendation.role_shape.value}'s ({recommendation.role_shape.description}); "
            f"the hire would own {owned}."
        )
    parts.append(f"Background: {recommendation.verdict.headline}")
    if backgrounds:
        parts.append(f"Typical backgrounds: {_words(list(backgrounds))}.")
    if len(recommendation.open_seats) > len(recommendation.seat):
        later = [face.value for face in recommendation.open_seats if face not in recommendation.seat]
        parts.append(f"Open seats after this one: {_words(later)}.")
    musts = [names[q.competency].lower() for q in qualifications if q.priority is Priority.MUST_HAVE]
    if musts:
        parts.append(f"Must-haves: {_words(musts)}.")
    return " ".join(parts)
