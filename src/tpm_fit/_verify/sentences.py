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

import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

from .._engine.counterfactual import _valid_range, probe, shared_probes
from .._engine.kernel import CompiledRulebook, compile_rulebook
from .._engine.seat import SEAT_INPUTS, need_reason, warnings_of
from .._engine.seat_reads import SEAT_READS
from .._engine.statements import (
    ASSUMED_MARK,
    COUNTERFACTUAL_LINE,
    SEAT_LINE,
    literal_key,
    profile_inputs,
    statements_of,
)
from .._errors import InvalidArgumentError, short
from .._model.guidance import Guidance
from .._model.primitives import One, Primitive, compile_activation
from .._model.profile import ORDERED_INPUTS, OrgProfile
from .._model.rulebook import Rulebook
from .._model.verification import SentenceCheck
from .._model.vocab import FACES
from .breakpoint_grid import Grid, valid_profiles

__all__ = [
    "RENDERED_PROFILES",
    "PhraseChecker",
    "Renderings",
    "check_sentences",
    "false_counterfactuals",
    "misplaced_marks",
    "profile_without_defaults",
    "rendering_bound",
]

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
    #: The whole phrase when it has no placeholder (found with ``str.find``, not the pattern).
    literal: str | None = None


def _literal_matches(text: str, words: str) -> list[tuple[str, int]]:
    """``(words, end)`` of each occurrence of ``words`` in ``text``, left to right and not
    overlapping: what ``re.finditer`` of the escaped words finds, without scanning per character
    in Python's regular expression engine."""
    out: list[tuple[str, int]] = []
    at = text.find(words)
    while at >= 0:
        out.append((words, at + len(words)))
        at = text.find(words, at + len(words))
    return out


@dataclass
class PhraseChecker:
    """The declared phrases of a rulebook (and guidance), and the check of a rendered text."""

    rulebook: Rulebook
    guidance: Guidance | None = None
    phrases: list[_Phrase] = field(default_factory=list)
    checked: int = 0
    #: Per factor title: its activation (the condition its line asserts) and signed weight.
    factor_titles: dict[str, list[tuple[One, float]]] = field(default_factory=dict)
    #: Per risk title: its condition and the activation from which it holds.
    risk_titles: dict[str, list[tuple[One, float]]] = field(default_factory=dict)

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
                    None if _PLACEHOLDER.search(spec.text) else spec.text,
                )
            )
        for id, spec in SEAT_LINE.items():
            assert spec.when is not None
            self._add(f"seat line {id}", spec.text.split("{")[0], spec.when, spec.min_activation)
        for risk in self.rulebook.risks:
            self._add(f"risk {risk.id}", risk.description, risk.when, risk.min_activation)
            self.risk_titles.setdefault(risk.title, []).append(
                (compile_activation(risk.when).one, risk.min_activation)
            )
        for factor in self.rulebook.factors:
            self.factor_titles.setdefault(factor.title, []).append(
                (compile_activation(factor.activation).one, factor.weight * factor.favours.sign)
            )
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
        self.phrases.append(_Phrase(id, re.compile(re.escape(text)), condition, minimum, reads, text, text))

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
        # Declarations sharing words share the search: the text is searched once per wording.
        matches_of: dict[tuple[str, str | None], list[tuple[str, int]]] = {}
        for phrase in self.phrases:
            if phrase.key not in text:
                continue
            wording = (phrase.pattern.pattern, phrase.literal)
            matches = matches_of.get(wording)
            if matches is None:
                matches = matches_of[wording] = (
                    _literal_matches(text, phrase.literal)
                    if phrase.literal is not None
                    else [(match.group(0), match.end()) for match in phrase.pattern.finditer(text)]
                )
            for words, end in matches:
                self.checked += 1
                if phrase.condition is not None and phrase.condition(values) < phrase.minimum - _SLACK:
                    out.append(f"{phrase.id}: {words!r} is false for {_shown(where, flat)}")
                missing = phrase.reads & assumed
                if missing and not _marked(text, end, missing):
                    out.append(
                        f"{phrase.id}: {words!r} rests on {sorted(missing)}, which were not given, "
                        f"without saying so, for {_shown(where, flat)}"
                    )
        for match in _SHARED.finditer(text):
            self.checked += 1
            for face in match.group(1).split(", "):
                if face in _COVERAGE and values[_COVERAGE[face]] < 1:
                    out.append(
                        f"shared: {match.group(0)!r} but nobody covers {face}, for {_shown(where, flat)}"
                    )
        for match in _OWNS.finditer(text):
            self.checked += 1
            held = [face.value for face in FACES if values[face.seat_input] >= 1]
            if match.group(1).split(", ") != held:
                out.append(
                    f"seat line: {match.group(0)!r} but the seat holds {held}, for {_shown(where, flat)}"
                )
        out += self._false_factor_lines(text, values, where, flat)
        for match in _NOBODY.finditer(text):
            self.checked += 1
            if values[_COVERAGE[match.group(1)]] >= 1:
                out.append(
                    f"{match.group(0)!r} but someone covers {match.group(1)}, for {_shown(where, flat)}"
                )
        return out

    def _false_factor_lines(
        self, text: str, values: Mapping[str, float], where: OrgProfile | Grid, flat: int
    ) -> list[str]:
        """Factor lines (explain's reasons, the Markdown trace, the brief's "in the trace") whose
        shown activation and contribution are not the factor's declared activation for the
        profile, and "in the trace" items naming a factor that did not fire or a risk whose
        condition is false."""
        out: list[str] = []
        for match in _FACTOR_LINE.finditer(text):
            title = match.group("title") or match.group("title2")
            activation = match.group("a") or match.group("a2")
            contribution = match.group("c") or match.group("c2")
            found = self.factor_titles.get(title.strip())
            if found is None:
                continue
            self.checked += 1
            if not any(_factor_shows(rule, values, activation, contribution) for rule in found):
                line = match.group(0).strip()
                out.append(f"factor line: {line!r} is not its activation, for {_shown(where, flat)}")
        for match in _IN_TRACE.finditer(text):
            for item in match.group(1).split("; "):
                self.checked += 1
                if item.startswith("risk: "):
                    risks = self.risk_titles.get(item.removeprefix("risk: "), [])
                    if risks and not any(one(values) >= minimum - _SLACK for one, minimum in risks):
                        out.append(
                            f"in the trace: {item!r} but its condition is false, for {_shown(where, flat)}"
                        )
                    continue
                title = item.rsplit(" (favours ", 1)[0]
                fired = self.factor_titles.get(title, [])
                if fired and not any(one(values) > 0.0 for one, _ in fired):
                    out.append(f"in the trace: {item!r} but it did not fire, for {_shown(where, flat)}")
        return out


def _factor_shows(
    rule: tuple[One, float], values: Mapping[str, float], activation: str, contribution: str
) -> bool:
    one, signed_weight = rule
    a = one(values)
    shown = f"{a:.2f}" == activation
    if contribution:
        shown = shown and f"{round(signed_weight * a, 2) + 0.0:+.2f}" == contribution
    return shown


#: A factor's line in explain() (``+2.25  Title (weight 3 x activation 0.75)``) or a row of the
#: Markdown trace (``| Title | technical | 3 | 0.75 | +2.25 |``).
_FACTOR_LINE: Final = re.compile(
    r"^ +(?P<c>[+-]\d+\.\d\d) +(?P<title>.+?) \(weight [^ ]+ x activation (?P<a>\d+\.\d\d)\)"
    r"|^\| (?P<title2>[^|]+?) \| (?:technical|traditional) \| [^|]+ "
    r"\| (?P<a2>\d+\.\d\d) \| (?P<c2>[+-]\d+\.\d\d) \|",
    re.MULTILINE,
)
_IN_TRACE: Final = re.compile(r"in the trace: ([^\n]+)")
_OWNS: Final = re.compile(re.escape(SEAT_LINE["seat_line_owns"].text.split("{")[0]) + r"([a-z, ]+)")


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


#: Which kinds of advice :func:`check_sentences` renders in full: ``"sample"`` (at most
#: :data:`RENDERED_PROFILES`, evenly spread), ``"all"`` (every kind), or at most that many.
Renderings: TypeAlias = Literal["sample", "all"] | int

#: Most profiles the default ``renderings="sample"`` renders in full (a few ms each: 64 keep the
#: default rulebook's verify within its 2 s bar; ``renderings="all"`` renders every kind).
RENDERED_PROFILES: Final = 64


def rendering_bound(renderings: object) -> int | None:
    """The most kinds of advice to render for ``renderings`` (None: every kind).

    Raises
    ------
    InvalidArgumentError
        ``renderings`` is not "sample", "all" or a whole number of at least 1.
    """
    if isinstance(renderings, str) and renderings in ("sample", "all"):
        return RENDERED_PROFILES if renderings == "sample" else None
    if isinstance(renderings, numbers.Integral) and not isinstance(renderings, bool) and int(renderings) >= 1:
        return int(renderings)
    raise InvalidArgumentError(
        f"renderings={short(renderings)}: not a choice of renderings; valid: 'sample' (one profile "
        f"of each kind of advice, at most {RENDERED_PROFILES}, evenly spread), 'all' (every kind) "
        "or a whole number of at least 1 (at most that many kinds, evenly spread)"
    )


def check_sentences(
    rulebook: Rulebook,
    grid: Grid,
    *,
    renderings: int | None = RENDERED_PROFILES,
    before_rendering: Callable[[int], None] | None = None,
) -> SentenceCheck:
    """Check every sentence the library can say about the organisation, over the grid.

    For every valid grid profile (inputs equal to their defaults counted as not given): the
    seat's reason and the warnings (built exactly as ``recommend()`` builds them, from the
    kernel's values, without validating a profile per point), the risks, and each factor's
    activation as the trace shows it against the activation declared beside its words. Then,
    for one profile of each distinct kind of advice (the statements that hold, the seat, the
    verdict and the risks raised, and which inputs were assumed), every rendering a reader sees:
    ``explain()``, its Markdown, ``brief().to_markdown()`` and the counterfactual lines. Every
    kind when ``renderings`` is None; else at most ``renderings`` kinds, evenly spread.
    ``before_rendering`` is called with the number of profiles about to be rendered, once the
    kinds are known and before any is rendered (the verifier's work bound refuses there).
    """
    survey = _survey(rulebook, grid)
    kinds = sorted(survey.kinds.values())
    chosen = kinds if renderings is None else _spread(kinds, renderings)
    if before_rendering is not None:
        before_rendering(len(chosen))
    false = survey.false
    renderer = _Renderer(rulebook, grid, survey.checker)
    for flat in chosen:
        false += renderer.false_phrases(flat)
    return SentenceCheck(
        profiles=survey.profiles,
        phrases_checked=survey.checker.checked,
        false_phrases=len(false),
        first_false=false[0] if false else None,
        renderings=len(chosen),
        kinds=len(kinds),
    )


@dataclass
class _Survey:
    """The pass over every valid grid point: what was false, and one point per kind of advice."""

    checker: PhraseChecker
    profiles: int
    false: list[str]
    #: Per kind of advice, its first grid point.
    kinds: dict[tuple[object, ...], int]


def _survey(rulebook: Rulebook, grid: Grid) -> _Survey:
    """Check, at every valid grid point, the seat's reason, the warnings, the risks and the
    factors' trace activations, and find one point of each kind of advice."""
    checker = PhraseChecker(rulebook)
    compiled = compile_rulebook(rulebook)
    says = statements_of(rulebook)
    descriptions = [risk.description for risk in rulebook.risks]
    activations = [compile_activation(factor.activation).one for factor in rulebook.factors]
    titles = [factor.title for factor in rulebook.factors]
    defaults = _encoded_defaults()
    # The seat's reason and the warnings read only the seat's inputs and the statements' inputs:
    # points equal in those (and in which of them took defaults) say and check the same thing.
    reads = sorted(frozenset(SEAT_READS).union(*says.reads.values()))
    said_before: dict[tuple[object, ...], list[str]] = {}
    kinds: dict[tuple[object, ...], int] = {}
    false: list[str] = []
    points = valid_points(grid)
    for flat in points:
        values = grid.values(flat)
        labels = {name: label for name, (code, label) in defaults.items() if values[name] == code}
        evaluation = compiled.evaluate_one(values)  # adds the seat's derived inputs
        # Risks are checked for truth only here; the renderers add their marks.
        risks = "\n".join(descriptions[index] for index, _ in evaluation.risks)
        false += checker.false_phrases(risks, values, frozenset(), grid, flat)
        for k, one in enumerate(activations):  # the trace's activation is the declared one
            checker.checked += 1
            if f"{evaluation.activations[k]:.2f}" != f"{one(values):.2f}":
                false.append(
                    f"factor {titles[k]!r}: the trace shows another activation, for {_shown(grid, flat)}"
                )
        key = (tuple(values[name] for name in reads), frozenset(labels).intersection(reads))
        found = said_before.get(key)
        if found is None:
            reason = need_reason(compiled.seat, evaluation.seat, values, says, labels)
            said = "\n".join([reason, *warnings_of(values, says, labels)])
            found = checker.false_phrases(said, values, frozenset(labels), grid, flat)
            found += [f"{line}, for {_shown(grid, flat)}" for line in misplaced_marks(said)]
            said_before[key] = found
        false += found
        kind = (
            tuple(id for id in says.specs if says.holds(id, values)),
            tuple(values[name] for name in SEAT_INPUTS),
            evaluation.verdict,
            tuple(index for index, _ in evaluation.risks),
            frozenset(labels),
        )
        kinds.setdefault(kind, flat)
    return _Survey(checker, len(points), false, kinds)


def _spread(items: list[int], most: int) -> list[int]:
    """At most ``most`` of ``items``, evenly spread (all of them when there are few)."""
    if len(items) <= most:
        return items
    return [items[k * len(items) // most] for k in range(most)]


class _Renderer:
    """Renders what a reader sees of one grid profile and checks every phrase of it."""

    def __init__(self, rulebook: Rulebook, grid: Grid, checker: PhraseChecker) -> None:
        self.rulebook = rulebook
        self.compiled = compile_rulebook(rulebook)
        self.grid = grid
        #: Counts every phrase checked (the survey's checker, so one total is reported).
        self.checker = checker
        #: The rulebook's phrases and the shipped guidance's (the brief's words).
        self.briefing = _brief_checker(rulebook)

    def false_phrases(self, flat: int) -> list[str]:
        """Every false or unmarked phrase in explain(), its Markdown, the brief's Markdown and
        the counterfactual lines of grid point ``flat`` (each line must be a declared sentence)."""
        from .._engine.recommend import recommend

        grid, compiled = self.grid, self.compiled
        profile = profile_without_defaults(grid.profile(flat))
        result = recommend(profile, rulebook=self.rulebook)
        explained = result.explain()
        text = "\n".join([explained, result.to_markdown(), result.brief().to_markdown()])
        values = compiled.with_seat(grid.values(flat))
        before = self.briefing.checked
        out = self.briefing.false_phrases(text, values, frozenset(result.assumed), profile)
        self.checker.checked += self.briefing.checked - before
        out += [f"{line}, for {_shown(profile)}" for line in misplaced_marks(explained)]
        with shared_probes(compiled):  # the check probes what the search probed: once each
            lines = [str(item) for item in result.counterfactuals(rulebook=self.rulebook)]
            checked, found = false_counterfactuals("\n".join(lines), compiled, grid.values(flat), profile)
        self.checker.checked += checked
        if checked != len(lines):
            found.append(
                f"counterfactual lines: {len(lines) - checked} not a declared sentence, for {_shown(profile)}"
            )
        return out + found


def _brief_checker(rulebook: Rulebook) -> PhraseChecker:
    """A checker of the rulebook's phrases and the shipped guidance's (the brief's words)."""
    compiled = compile_rulebook(rulebook)
    found = compiled.attachments.get("brief_checker")
    if found is None:
        found = compiled.attachments.setdefault("brief_checker", PhraseChecker(rulebook, Guidance.default()))
    return found  # type: ignore[no-any-return]


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


# -- counterfactual lines --------------------------------------------------------------------------


def _line_pattern(text: str) -> str:
    """A counterfactual sentence as a regular expression, one named group per placeholder."""
    out, at = [], 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(re.escape(text[at : match.start()]))
        out.append(f"(?P<{match.group(0)[1:-1]}>[^;\\n]+?)")
        at = match.end()
    out.append(re.escape(text[at:]))
    return "".join(out)


_PLACEHOLDER: Final = re.compile(r"\{[a-z_]+\}")
#: A whole counterfactual line: the verdict part, then optionally the need part.
_CF_LINE: Final = re.compile(
    "^(?:"
    + _line_pattern(COUNTERFACTUAL_LINE["cf_flips"])
    + "|"
    + _line_pattern(COUNTERFACTUAL_LINE["cf_never"]).replace("(?P<field>", "(?P<never>")
    + ")(?:"
    + _line_pattern(COUNTERFACTUAL_LINE["cf_hire"]).replace("(?P<hire_proposed>", "(?P<hire_at>")
    + "|"
    + _line_pattern(COUNTERFACTUAL_LINE["cf_no_hire"])
    + ")?$",
    re.MULTILINE,
)


def false_counterfactuals(
    text: str,
    compiled: CompiledRulebook,
    values: Mapping[str, float],
    where: OrgProfile | Grid,
    flat: int = 0,
) -> tuple[int, list[str]]:
    """Check every counterfactual line of ``text`` against the conditions declared beside its
    words (:data:`~tpm_fit._engine.statements.COUNTERFACTUAL_LINE`), on the profile's encoded
    ``values`` (without derived inputs): the value shown now is the profile's; a flip gives the
    verdict and score shown, another verdict than now, and no value nearer to the current one
    does; "no value flips" holds at every breakpoint and bound of the valid range (between them
    the score is affine, so the verdict cannot change unless it does at one of them); the need
    part names a value where the need is as shown and differs from now. Returns the number of
    lines checked and the false ones."""
    out: list[str] = []
    checked = 0
    if not text:
        return checked, out
    first = next(iter(values))
    now, _, hire_now = probe(compiled, values, first, values[first])
    for match in _CF_LINE.finditer(text):
        name = match.group("field") or match.group("never")
        if name not in values:
            continue
        checked += 1
        line = match.group(0)

        def false(why: str, line: str = line) -> None:
            out.append(f"counterfactual {line!r}: {why}, for {_shown(where, flat)}")

        current = match.group("current")
        if current is not None and _code(name, current) != values[name]:
            false("the current value is not the profile's")
        reach = _reachable(compiled, values, name)
        if match.group("never") is not None:
            flips = [x for x in reach if probe(compiled, values, name, x)[0] is not now]
            if flips:
                false(f"{name}={flips[0]} flips it")
        else:
            proposed = _code(name, match.group("proposed"))
            verdict, score, _ = probe(compiled, values, name, proposed)
            if verdict.value != match.group("verdict") or verdict is now:
                false(f"the value shown gives {verdict.value}")
            elif signed(score) != match.group("score"):
                false(f"the score there is {signed(score)}")
            distance = abs(proposed - values[name])
            nearer = [x for x in reach if abs(x - values[name]) < distance]
            nearer += _between(compiled, values, name, proposed)
            if any(probe(compiled, values, name, x)[0] is not now for x in nearer):
                false("a nearer value flips the verdict")
        hire_at = match.group("hire_at") or match.group("hire_proposed")
        if hire_at is not None:
            hire = probe(compiled, values, name, _code(name, hire_at))[2]
            if hire is hire_now or hire is not (match.group("hire_at") is not None):
                false(f"at {hire_at} a hire is {'' if hire else 'not '}needed, as now or unlike the line")
    return checked, out


def signed(value: float) -> str:
    """A score as the lines show it: sign and two decimals, never -0.00."""
    return f"{round(value, 2) + 0.0:+.2f}"


def _code(name: str, shown: str) -> float:
    """The kernel's number for a value shown in a line (a level in plain words, or a count)."""
    levels = ORDERED_INPUTS.get(name)
    if levels is not None:
        return float(next((level.rank for level in levels if level.words == shown), -1))
    return float(shown.replace(",", ""))


def _reachable(compiled: CompiledRulebook, values: Mapping[str, float], name: str) -> list[float]:
    """Every level of an ordered input; for a count, its breakpoints and bounds in the valid range."""
    levels = ORDERED_INPUTS.get(name)
    if levels is not None:
        return [float(level.rank) for level in levels]
    low, high = _valid_range(dict(values), name)
    return [float(x) for x in sorted({low, high, *compiled.breakpoints(name)}) if low <= x <= high]


def _between(
    compiled: CompiledRulebook, values: Mapping[str, float], name: str, proposed: float
) -> list[float]:
    """For a count, the whole numbers nearest to ``proposed`` that are still nearer to the current
    value, on both sides of it (with the breakpoints, they decide every value in between)."""
    if name in ORDERED_INPUTS:
        return []
    current = values[name]
    gap = abs(proposed - current) - 1
    low, high = _valid_range(dict(values), name)
    return [x for x in (current - gap, current + gap) if gap > 0 and low <= x <= high]
