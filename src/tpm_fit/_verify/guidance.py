"""Checks of the hiring guidance: what pydantic's grammar cannot say about the document.

The loader (:class:`~tpm_fit.Guidance`) refuses malformed documents; these checks report every
*semantic* gap at once, each located: a responsibility or qualification that cites no section of
the article, a qualification without a scorecard competency of exactly five distinct anchored
levels or without at least two questions, an emphasis rule reading an unknown input, an item or
question naming an unknown face, and a probe rated under an unknown competency.
:func:`~tpm_fit.verify_rulebook` runs them and reports them in ``VerificationReport.guidance``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from .._model.guidance import SCALE_LEVELS, EmphasisRule, Guidance, QualificationSpec
from .._model.guidance_report import GuidanceCheck, GuidanceProblem, GuidanceReport
from .._model.profile import LEVEL_INPUTS, NUMERIC_BOUNDS
from .._model.suggest import did_you_mean
from .._model.vocab import Face

__all__ = ["ARTICLE_SECTIONS", "check_guidance"]

#: Headings of the article an item may cite (a citation starts with one of them).
ARTICLE_SECTIONS: Final = (
    "What Does a Technical Product Manager Do?",
    "The Three Faces of Product Management",
    "Technical Product Manager vs. Traditional Product Manager",
    "Technical Product Manager Job Description",
    "Pros and Cons",
    "Advantages",
    "Disadvantages",
    "How to Hire",
    "What's Next?",
)
_INPUTS: Final = frozenset({*NUMERIC_BOUNDS, *LEVEL_INPUTS})
#: Fewest planned questions a competency's pool must offer (the brief asks two or three).
MIN_QUESTIONS: Final = 2


class _Problems:
    def __init__(self) -> None:
        self.items: list[GuidanceProblem] = []

    def add(self, check: GuidanceCheck, location: str, message: str) -> None:
        self.items.append(GuidanceProblem(check=check, location=location, message=message))


def _qualification(problems: _Problems, where: str, qualification: QualificationSpec) -> str | None:
    """Check one qualification and its competency; the competency's id, if it has one."""
    _section(problems, where, qualification.section)
    _faces(problems, f"{where}.faces", qualification.faces)
    _rules(problems, f"{where}.must_have", qualification.must_have)
    competency = qualification.competency
    if competency is None:
        problems.add(
            "competency_present",
            f"{where}.competency",
            f"qualification {qualification.id!r} has no scorecard competency; add a "
            f"[qualifications.competency] table with {SCALE_LEVELS} anchors and questions",
        )
        return None
    anchors = competency.anchors
    if len(anchors) != SCALE_LEVELS or len({a.strip().casefold() for a in anchors}) != len(anchors):
        problems.add(
            "anchored_levels",
            f"{where}.competency.anchors",
            f"anchors: {len(anchors)} given ({len(set(anchors))} distinct); exactly {SCALE_LEVELS} "
            "distinct sentences of observable behaviour, level 1 first",
        )
    if len(competency.questions) < MIN_QUESTIONS:
        problems.add(
            "question_pool",
            f"{where}.competency.questions",
            f"questions: {len(competency.questions)} given; at least {MIN_QUESTIONS} planned questions",
        )
    for k, question in enumerate(competency.questions):
        _faces(problems, f"{where}.competency.questions[{k}].faces", question.faces)
    return competency.id


def check_guidance(guidance: Guidance) -> GuidanceReport:
    """Check hiring guidance for the gaps its loader cannot see, and report every one.

    Parameters
    ----------
    guidance : Guidance
        The guidance to check (:meth:`Guidance.default` for the shipped one).

    Returns
    -------
    GuidanceReport
        ``ok`` is True when nothing failed; each problem is located in the document.

    Examples
    --------
    >>> import tpm_fit
    >>> tpm_fit.check_guidance(tpm_fit.Guidance.default()).ok
    True
    """
    problems = _Problems()
    for i, item in enumerate(guidance.responsibilities):
        where = f"responsibilities[{i}]"
        _section(problems, where, item.section)
        _faces(problems, f"{where}.faces", item.faces)
        _rules(problems, f"{where}.emphasis", item.emphasis)
    competencies = []
    for i, qualification in enumerate(guidance.qualifications):
        competency = _qualification(problems, f"qualifications[{i}]", qualification)
        if competency is not None:
            competencies.append(competency)
    if len(set(competencies)) != len(competencies):
        repeated = sorted({c for c in competencies if competencies.count(c) > 1})
        problems.add(
            "unknown_competency",
            "qualifications",
            f"competency ids {repeated} repeat; one competency per qualification, each id once",
        )
    for i, probe in enumerate(guidance.probes):
        if probe.competency not in competencies:
            problems.add(
                "unknown_competency",
                f"probes[{i}].competency",
                f"competency={probe.competency!r}: not a competency of the guidance; valid: {competencies}",
            )
    return GuidanceReport(
        guidance_name=guidance.name,
        guidance_version=guidance.version,
        guidance_fingerprint=guidance.fingerprint,
        ok=not problems.items,
        problems=tuple(problems.items),
        responsibilities=len(guidance.responsibilities),
        qualifications=len(guidance.qualifications),
        competencies=len(competencies),
    )


def _section(problems: _Problems, where: str, section: str) -> None:
    if not section.strip():
        problems.add(
            "section_cited", f"{where}.section", "section is empty; cite the article section it comes from"
        )
    elif not section.startswith(ARTICLE_SECTIONS):
        problems.add(
            "section_cited",
            f"{where}.section",
            f"section={section[:80]!r}: not a section of the article; "
            f"start with one of {list(ARTICLE_SECTIONS)}",
        )


def _faces(problems: _Problems, where: str, faces: Iterable[object]) -> None:
    valid = [face.value for face in Face]
    for face in faces:
        if str(face) not in valid:
            problems.add(
                "unknown_face",
                where,
                f"face={face!r}: not a face; valid: {', '.join(valid)}{did_you_mean(face, valid)}",
            )


def _rules(problems: _Problems, where: str, rules: Sequence[EmphasisRule]) -> None:
    for k, rule in enumerate(rules):
        if rule.when is None:
            continue
        for name in sorted(rule.when.inputs() - _INPUTS):
            problems.add(
                "unknown_input",
                f"{where}[{k}].when",
                f"input={name!r}: not an input a condition may read; valid: {', '.join(sorted(_INPUTS))}",
            )
