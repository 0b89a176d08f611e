"""The sentence check: every fact-stating phrase, rendered for a profile, holds for that profile.

Each phrase about the organisation is declared in the data beside the condition that makes it
true, in the kernel's activation grammar: the rulebook's ``[[statements]]`` (the seat's reason,
the plan, the warnings), its risks' descriptions (true where ``when`` reaches
``min_activation``), and the guidance's emphasis and must-have reasons (true where ``when``
reaches 0.5). :class:`PhraseChecker` finds every declared phrase in a rendered text and checks its
condition on the profile's encoded values and seat; a phrase resting on an input that was not
given must carry the "not given, assumed" mark right after it. ``shared: people already cover
...`` must name only faces someone covers.

:func:`check_sentences` (part of :func:`~tpm_fit.verify_rulebook`) renders the seat's reason,
the warnings and the risks for every valid profile of the verification grid, with the inputs
equal to their defaults left out (so that they are assumed); the test suite does the same for
``explain()`` and ``brief().to_markdown()``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from .._engine.kernel import compile_rulebook
from .._engine.seat import need_reason, warnings_of
from .._engine.seat_reads import SEAT_READS
from .._engine.statements import ASSUMED_MARK, literal_key, profile_inputs, statements_of
from .._model.guidance import Guidance
from .._model.primitives import One, Primitive, compile_activation
from .._model.profile import OrgProfile
from .._model.rulebook import Rulebook
from .._model.verification import SentenceCheck
from .._model.vocab import FACES
from .breakpoint_grid import Grid, valid_profiles

__all__ = ["PhraseChecker", "check_sentences", "misplaced_marks", "profile_without_defaults"]

_SLACK: Final = 1e-9
_SHARED: Final = re.compile(r"shared: people already cover ([a-z, ]+)")
_NOBODY: Final = re.compile(r"nobody covers (strategy|marketing|technical) yet")
_COVERAGE: Final = {face.value: face.coverage_field for face in FACES}


@dataclass(frozen=True)
class _Phrase:
    id: str
    pattern: re.Pattern[str]
    condition: One | None
    minimum: float
    reads: frozenset[str]
    key: str


@dataclass
class PhraseChecker:
    """The declared phrases of a rulebook (and guidance), and the check of a rendered text."""

    rulebook: Rulebook
    guidance: Guidance | None = None
    phrases: list[_Phrase] = field(default_factory=list)
    checked: int = 0

    def __post_init__(self) -> None:
        says = statements_of(self.rulebook)
        for id, spec in says.specs.items():
            if not says.reads[id]:
                continue  # neither a condition nor a value of the profile: nothing to check
            self.phrases.append(
                _Phrase(
                    f"statement {id}",
                    says.patterns[id],
                    says.conditions[id],
                    spec.min_activation,
                    says.reads[id],
                    literal_key(spec.text),
                )
            )
        for risk in self.rulebook.risks:
            self._add(f"risk {risk.id}", risk.description, risk.when, risk.min_activation)
        if self.guidance is not None:
            for responsibility in self.guidance.responsibilities:
                for rule in responsibility.emphasis:
                    if rule.when is not None:
                        self._add(f"guidance {responsibility.id}", rule.reason, rule.when, 0.5)
            for qualification in self.guidance.qualifications:
                for rule in qualification.must_have:
                    if rule.when is not None:
                        self._add(f"guidance {qualification.id}", rule.reason, rule.when, 0.5)
            for qualification in self.guidance.qualifications:
                if qualification.competency is None:
                    continue
                for question in qualification.competency.questions:
                    if question.when is not None:
                        self._add(
                            f"question {qualification.competency.id}", question.text, question.when, 0.5
                        )

    def _add(self, id: str, text: str, when: Primitive, minimum: float) -> None:
        condition = compile_activation(when).one
        reads = profile_inputs(set(when.inputs()))
        self.phrases.append(_Phrase(id, re.compile(re.escape(text)), condition, minimum, reads, text))

    def false_phrases(
        self,
        text: str,
        values: Mapping[str, float],
        assumed: frozenset[str],
        where: OrgProfile | Grid,
        flat: int = 0,
    ) -> list[str]:
        """Every phrase of ``text`` that is false for the profile (``values`` encoded, with the
        seat's derived inputs) or that rests on an assumed input without saying so. ``where`` is
        the profile, or the grid and ``flat`` its point (built only when a phrase is false)."""
        out: list[str] = []
        if not text:
            return out
        for phrase in self.phrases:
            if phrase.key not in text:
                continue
            for match in phrase.pattern.finditer(text):
                self.checked += 1
                if phrase.condition is not None and phrase.condition(values) < phrase.minimum - _SLACK:
                    out.append(f"{phrase.id}: {match.group(0)!r} is false for {_shown(where, flat)}")
                missing = phrase.reads & assumed
                if missing and not _marked(text, match.end(), missing):
                    out.append(
                        f"{phrase.id}: {match.group(0)!r} rests on {sorted(missing)}, which were not given, "
                        f"without saying so, for {_shown(where, flat)}"
                    )
        for match in _SHARED.finditer(text):
            self.checked += 1
            for face in match.group(1).split(", "):
                if face in _COVERAGE and values[_COVERAGE[face]] < 1:
                    out.append(
                        f"shared: {match.group(0)!r} but nobody covers {face}, for {_shown(where, flat)}"
                    )
        for match in _NOBODY.finditer(text):
            self.checked += 1
            if values[_COVERAGE[match.group(1)]] >= 1:
                out.append(
                    f"{match.group(0)!r} but someone covers {match.group(1)}, for {_shown(where, flat)}"
                )
        return out


def _marked(text: str, end: int, missing: frozenset[str]) -> bool:
    """Whether the assumed mark right after position ``end`` names every input of ``missing``."""
    # The mark follows the phrase's own sentence (after its full stop), or the phrase itself
    # where it is a clause without one: a mark after a later sentence does not count.
    line_end = text.find("\n", end)
    rest = text[end : line_end if line_end >= 0 else len(text)]
    at = rest.find(ASSUMED_MARK)
    if at < 0:
        return False
    before = rest[:at].rstrip()
    if ". " in before.removesuffix("."):
        return False
    close = rest.find("]", at)
    named = {part.split("=")[0] for part in rest[at + len(ASSUMED_MARK) : close].split(", ")}
    return missing <= named


def misplaced_marks(text: str) -> list[str]:
    """Marks for inputs not given that are not said once per sentence after its full stop, in
    prose (the seat's reason, the warnings): each must follow a "." directly, and one sentence
    carries at most one."""
    out: list[str] = []
    for match in re.finditer(re.escape(ASSUMED_MARK), text):
        if not text[: match.start()].endswith("."):
            close = text.find("]", match.end())
            out.append(f"mark inside a sentence: {text[max(0, match.start() - 40) : close + 1]!r}")
    return out


def _shown(where: OrgProfile | Grid, flat: int = 0) -> str:
    profile = where if isinstance(where, OrgProfile) else where.profile(flat)
    return ", ".join(f"{k}={getattr(v, 'value', v)}" for k, v in profile.__dict__.items())


def profile_without_defaults(profile: OrgProfile) -> OrgProfile:
    """The same profile with every input equal to its default left out (so it counts as assumed)."""
    given = {
        name: value
        for name, value in profile.__dict__.items()
        if OrgProfile.model_fields[name].is_required() or value != OrgProfile.model_fields[name].default
    }
    return OrgProfile.model_validate(given)


def valid_points(grid: Grid) -> list[int]:
    """Flat positions of the grid points that are valid profiles."""
    out: list[int] = []
    for flat in grid.chunks(1 << 16):
        columns = grid.columns(grid.indices(flat))
        out += flat[valid_profiles(columns)].tolist()
    return out


def check_sentences(rulebook: Rulebook, grid: Grid) -> SentenceCheck:
    """Render the seat's reason, the warnings and the risks of every valid grid profile (inputs
    equal to their defaults counted as not given) and check every declared phrase in them.

    The sentences are built exactly as ``recommend()`` builds them (the same functions on the
    kernel's values), without validating a profile per grid point.
    """
    checker = PhraseChecker(rulebook)
    compiled = compile_rulebook(rulebook)
    says = statements_of(rulebook)
    descriptions = [risk.description for risk in rulebook.risks]
    defaults = _encoded_defaults()
    # The seat's reason and the warnings read only the seat's inputs and the statements' inputs:
    # points equal in those (and in which of them took defaults) say and check the same thing.
    reads = sorted(frozenset(SEAT_READS).union(*says.reads.values()))
    said_before: dict[tuple[object, ...], list[str]] = {}
    false: list[str] = []
    points = valid_points(grid)
    for flat in points:
        values = grid.values(flat)
        labels = {name: label for name, (code, label) in defaults.items() if values[name] == code}
        evaluation = compiled.evaluate_one(values)  # adds the seat's derived inputs
        # Risks are checked for truth only here; the renderers add their marks.
        risks = "\n".join(descriptions[index] for index, _ in evaluation.risks)
        false += checker.false_phrases(risks, values, frozenset(), grid, flat)
        key = (tuple(values[name] for name in reads), frozenset(labels).intersection(reads))
        found = said_before.get(key)
        if found is None:
            reason = need_reason(compiled.seat, evaluation.seat, values, says, labels)
            said = "\n".join([reason, *warnings_of(values, says, labels)])
            found = checker.false_phrases(said, values, frozenset(labels), grid, flat)
            found += [f"{line}, for {_shown(grid, flat)}" for line in misplaced_marks(said)]
            said_before[key] = found
        false += found
    return SentenceCheck(
        profiles=len(points),
        phrases_checked=checker.checked,
        false_phrases=len(false),
        first_false=false[0] if false else None,
    )


def _encoded_defaults() -> dict[str, tuple[float, str]]:
    """Per input with a default: its kernel code and its label."""
    out: dict[str, tuple[float, str]] = {}
    for name, info in OrgProfile.model_fields.items():
        if info.is_required():
            continue
        value = info.default
        code = getattr(value, "rank", value)
        out[name] = (float(code), str(getattr(value, "value", value)))
    return out
