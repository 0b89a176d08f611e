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
from typing import Final

from .._model.primitives import One, compile_activation
from .._model.rulebook import Rulebook, Statement
from .seat_reads import COVERAGE_READS, DERIVED_READS

__all__ = ["ASSUMED_MARK", "Statements", "assumed_note", "profile_inputs", "statements_of"]

#: How a sentence resting on an input that was not given says so (right after the sentence).
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


#: Activations are compared with this slack (float noise).
_SLACK: Final = 1e-9
_PLACEHOLDER: Final = re.compile(r"\{[a-z_]+\}")


class Statements:
    """The statements of one rulebook, compiled: words, conditions and a pattern per statement."""

    __slots__ = ("conditions", "patterns", "reads", "specs")

    def __init__(self, rulebook: Rulebook) -> None:
        specs = rulebook.statements or Rulebook.default().statements
        self.specs: dict[str, Statement] = {spec.id: spec for spec in specs}
        self.conditions: dict[str, One | None] = {
            spec.id: None if spec.when is None else compile_activation(spec.when).one for spec in specs
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
        given (``assumed``: name to value) says so right after its words."""
        if id not in self.specs or not self.holds(id, values):
            return ""
        text = self.specs[id].text.format(**fields)
        return text + assumed_note(self.reads[id], assumed) if assumed else text


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
    """The compiled statements of a rulebook (kept with its compiled form)."""
    from .kernel import compile_rulebook

    compiled = compile_rulebook(rulebook)
    found = compiled.attachments.get("statements")
    if found is None:
        found = compiled.attachments.setdefault("statements", Statements(rulebook))
    return found  # type: ignore[no-any-return]
