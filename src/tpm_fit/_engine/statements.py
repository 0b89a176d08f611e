"""Sentences about the organisation, each bound to the condition that makes it true.

The rulebook's ``[[statements]]`` hold the words and, beside them, a condition in the kernel's
activation grammar. Renderers ask for a statement by id, fill its placeholders, and get it only
with the condition checked; the sentence check (:mod:`tpm_fit._verify.sentences`) then finds
every statement in rendered text and proves its condition for the profile. A rulebook without
statements uses the default rulebook's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from pydantic import TypeAdapter

from .._model.primitives import Activation, One, Primitive, compile_activation
from .._model.profile import NUMERIC_BOUNDS
from .._model.rulebook import Rulebook, SeatRule, Statement
from .cache import FingerprintCache
from .seat_reads import COVERAGE_READS, DERIVED_READS

__all__ = ["ASSUMED_MARK", "Statements", "assumed_note", "profile_inputs", "seat_bound", "statements_of"]

#: How a sentence resting on an input that was not given says so: once, after its full stop (a
#: clause without one, such as a brief's reason, right after its words).
ASSUMED_MARK: Final = " [not given, assumed: "


def profile_inputs(names: frozenset[str] | set[str]) -> frozenset[str]:
    """The profile inputs behind some inputs, derived ones replaced by what the seat reads."""
    out: set[str] = set()
    for name in names:
        out.update(DERIVED_READS.get(name, (name,)))
    return frozenset(out)


def assumed_note(reads: frozenset[str], assumed: Mapping[str, str]) -> str:
    """The mark for a sentence that reads ``reads``, naming those of them that were assumed
    (``assumed``: input name to the value it took), or "" when it rests on given inputs only."""
    if not assumed:
        return ""
    names = [f"{name}={value}" for name, value in assumed.items() if name in reads]
    return f"{ASSUMED_MARK}{', '.join(names)}]" if names else ""


def seat_bound(spec: Statement, seat: SeatRule) -> Primitive | None:
    """A statement's condition with each ramp over an input of ``seat_steps`` moved to step at
    the [seat] parameter it names (``value - 1`` to ``value``), so that the sentence follows a
    custom [seat] section instead of the numbers written beside it."""
    if spec.when is None or not spec.seat_steps:
        return spec.when
    at: dict[str, int] = {name: int(getattr(seat, parameter)) for name, parameter in spec.seat_steps.items()}
    return _TREE.validate_python(_moved(spec.when.model_dump(mode="json"), at))


def _moved(node: object, at: Mapping[str, int]) -> object:
    """The dumped activation ``node`` with its ramps over ``at``'s inputs stepping there."""
    if isinstance(node, list):
        return [_moved(item, at) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {key: _moved(value, at) for key, value in node.items()}
    if out.get("kind") == "ramp" and out.get("input") in at:
        (_, low), (_, high) = out["points"]
        step = at[str(out["input"])]
        lowest = NUMERIC_BOUNDS[str(out["input"])][0]
        # A step at the input's lowest value: the condition's upper side holds everywhere.
        out["points"] = [[step - 1, low], [step, high]] if step > lowest else [[step, high], [step + 1, high]]
    return out


_TREE: Final = TypeAdapter(Activation)

#: Activations are compared with this slack (float noise).
_SLACK: Final = 1e-9
_PLACEHOLDER: Final = re.compile(r"\{[a-z_]+\}")


class Statements:
    """The statements of one rulebook, compiled: words, conditions and a pattern per statement."""

    __slots__ = ("conditions", "patterns", "reads", "specs", "whens")

    def __init__(self, rulebook: Rulebook) -> None:
        specs = rulebook.statements or Rulebook.default().statements
        self.specs: dict[str, Statement] = {spec.id: spec for spec in specs}
        #: Per statement, its condition with every seat step placed at this rulebook's [seat].
        self.whens: dict[str, Primitive | None] = {spec.id: seat_bound(spec, rulebook.seat) for spec in specs}
        self.conditions: dict[str, One | None] = {
            id: None if when is None else compile_activation(when).one for id, when in self.whens.items()
        }
        self.patterns: dict[str, re.Pattern[str]] = {spec.id: _pattern(spec.text) for spec in specs}
        #: Per statement, the profile inputs it rests on: what its condition reads, and what its
        #: placeholders show (the counts of people covering each face, the size, the team).
        self.reads: dict[str, frozenset[str]] = {
            spec.id: (profile_inputs(set(spec.when.inputs())) if spec.when is not None else frozenset())
            | _shown_inputs(spec.text)
            for spec in specs
        }

    def holds(self, id: str, values: Mapping[str, float]) -> bool:
        """Whether statement ``id`` is true of a profile (encoded values with derived inputs)."""
        condition = self.conditions[id]
        return condition is None or condition(values) >= self.specs[id].min_activation - _SLACK

    def say(
        self, id: str, values: Mapping[str, float], assumed: Mapping[str, str] | None = None, **fields: object
    ) -> str:
        """The statement's words with ``fields`` filled in, or "" where its condition is false
        (so that no renderer can state it there). A statement resting on an input that was not
        given (``assumed``: name to value) says so after its words (a whole sentence: the mark
        follows its full stop)."""
        if id not in self.specs or not self.holds(id, values):
            return ""
        text = self.specs[id].text.format(**fields)
        return text + assumed_note(self.reads[id], assumed) if assumed else text

    def sentence(
        self,
        parts: list[tuple[str, Mapping[str, object]]],
        values: Mapping[str, float],
        assumed: Mapping[str, str] | None = None,
        end: str = ".",
    ) -> str:
        """One sentence built from statements (id and fields, in order; those whose condition is
        false left out), closed with ``end`` unless it already ends with it, then one mark for
        the inputs that were not given among those every part rests on: said once per sentence,
        after its full stop. "" when the first part is not said (the sentence has no subject)."""
        said = [(id, self.say(id, values, None, **fields)) for id, fields in parts]
        if not said or not said[0][1]:
            return ""
        text = "".join(words for _, words in said)
        if not text.endswith(end):
            text += end
        if assumed:
            text += assumed_note(frozenset().union(*(self.reads[id] for id, words in said if words)), assumed)
        return text


#: The profile inputs each placeholder of a statement shows.
_PLACEHOLDER_READS: Final = {
    "{size}": ("company_size",),
    "{team}": ("product_team_size",),
    "{complexity}": ("product_complexity",),
    **dict.fromkeys(("{held}", "{standing}", "{open}", "{tied}"), COVERAGE_READS),
}


def _shown_inputs(text: str) -> frozenset[str]:
    """The profile inputs a statement's placeholders show."""
    return frozenset(name for key, names in _PLACEHOLDER_READS.items() if key in text for name in names)


def _parts(text: str) -> list[str]:
    """The literal runs of a statement's words (a placeholder at either end left out)."""
    parts = _PLACEHOLDER.split(text)
    while len(parts) > 1 and not parts[0].strip():
        parts = parts[1:]
    while len(parts) > 1 and not parts[-1].strip():
        parts = parts[:-1]
    return parts


def _pattern(text: str) -> re.Pattern[str]:
    """A regular expression matching the statement's words with any placeholder values (on
    one line; a placeholder at either end is left out: the words around it find it)."""
    return re.compile(_ANY.join(re.escape(part) for part in _parts(text)))


def literal_key(text: str) -> str:
    """The longest literal run of a statement's words: a text without it cannot match."""
    return max(_parts(text), key=len)


#: What a placeholder matches: some text on the same line.
_ANY: Final = r"[^\n]+?"


def statements_of(rulebook: Rulebook) -> Statements:
    """The compiled statements of a rulebook, built once per fingerprint (kept in a cache of their
    own, so that this module, which the kernel imports, never imports the kernel)."""
    return _COMPILED.compiled(rulebook)


# -- sentences the renderers build from a result's fields ----------------------------------------
# The "Seat:" line and the counterfactual lines are not a rulebook's to word: they are declared
# here, each beside the condition it asserts (the activation grammar, over the profile and the
# seat's derived inputs, for the seat line; the verdict and need at the changed input for a
# counterfactual). The sentence check (:mod:`tpm_fit._verify.sentences`) finds them in rendered
# text and proves each condition for the profile.


def _statement(id: str, text: str, when: dict[str, object] | None = None) -> Statement:
    return Statement.model_validate({"id": id, "text": text, "when": when})


def _is(input: str, level: str, levels: tuple[str, ...]) -> dict[str, object]:
    return {"kind": "levels", "input": input, "values": {name: float(name == level) for name in levels}}


_YES_NO: Final = ("no", "yes")
#: The seat line's sentences: the role shape, what the hire would own, or that no face is open.
#: ``{faces}`` names exactly the faces in the seat (the sentence check compares them).
SEAT_LINE: Final = {
    "seat_line_generalist": _statement(
        "seat_line_generalist",
        "generalist (one person wears every open hat)",
        _is("role_shape", "generalist", ("generalist", "specialist")),
    ),
    "seat_line_specialist": _statement(
        "seat_line_specialist",
        "specialist (the faces are split between people; the hire owns one)",
        _is("role_shape", "specialist", ("generalist", "specialist")),
    ),
    "seat_line_owns": _statement(
        "seat_line_owns", "the hire would own: {faces}", _is("hire_needed", "yes", _YES_NO)
    ),
    "seat_line_empty": _statement(
        "seat_line_empty", "empty, every face meets its need", _is("hire_needed", "no", _YES_NO)
    ),
}

#: The profile inputs the seat line rests on (its mark names those that were not given).
SEAT_LINE_READS: Final = frozenset().union(
    *(profile_inputs(set(spec.when.inputs())) for spec in SEAT_LINE.values() if spec.when is not None)
)

#: A counterfactual line's sentences. Their conditions are on the profile with ``{field}``
#: changed to the value shown: ``cf_flips`` holds where that value gives ``{verdict}`` (another
#: verdict than now) with ``{score}``, and no value nearer to ``{current}`` changes the verdict;
#: ``cf_never`` where no valid value of ``{field}`` changes it; ``cf_hire`` and ``cf_no_hire``
#: where the value shown needs (or does not need) a hire, unlike now. Checked by
#: :func:`tpm_fit._verify.sentences.false_counterfactuals`.
COUNTERFACTUAL_LINE: Final = {
    "cf_flips": "{field}: {current} -> {proposed} gives {verdict} (score {score})",
    "cf_never": "{field}: no value flips the verdict",
    "cf_hire": "; at {hire_proposed}, a new hire becomes needed",
    "cf_no_hire": "; at {hire_proposed}, no new hire is needed",
}


#: Compiled statements by rulebook fingerprint (as many as the kernel keeps compiled rulebooks).
_COMPILED: Final[FingerprintCache[Rulebook, Statements]] = FingerprintCache(64, Statements)
