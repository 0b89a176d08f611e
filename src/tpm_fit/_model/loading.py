"""Reading rulebook documents: bounded TOML parsing, file reading and located error messages.

Kept apart from the rulebook models so that everything that touches raw, possibly hostile text
lives in one place.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final, get_args

from pydantic import BaseModel, ValidationError

from .._errors import RulebookError, field_message, short
from .suggest import closest, did_you_mean

__all__ = [
    "MAX_DOCUMENT_DEPTH",
    "MAX_KEYS",
    "MAX_KEY_LENGTH",
    "MAX_KEY_PARTS",
    "MAX_RULEBOOK_BYTES",
    "MAX_STRING_LENGTH",
    "LocatedError",
    "check_counts",
    "check_depth",
    "format_location",
    "kind_tags",
    "parse_toml",
    "printable_text",
    "read_rulebook_file",
    "rulebook_error",
    "scan_toml",
    "short",
    "shown_path",
    "table_keys",
    "zero_signless",
]

#: Hard limits that keep a hostile rulebook file from exhausting memory or time.
MAX_RULEBOOK_BYTES: Final = 1 << 20
#: Deepest nesting of tables and arrays accepted in a document (a valid rulebook needs ~20).
MAX_DOCUMENT_DEPTH: Final = 40
#: Deepest nesting the raw-text scan lets through to tomllib (which recurses); deeper than
#: MAX_DOCUMENT_DEPTH but within it is refused after parsing, with the document path.
MAX_SCAN_DEPTH: Final = 100
#: Most parts in one dotted key or table header (``a.b.c`` has 3). tomllib is quadratic in this.
MAX_KEY_PARTS: Final = 32
#: Longest key, and longest bare value (a number or date), in characters.
MAX_KEY_LENGTH: Final = 256
#: Longest string token: the longest rulebook text is 2,000 characters, each at most a 10-character
#: escape (\UXXXXXXXX). tomllib takes ~0.2 s to read a string of 1 MB.
MAX_STRING_LENGTH: Final = 20_002
#: Budget of a document's parse: every key, table header and inline table costs KEY_UNITS (so at
#: most 8,000 keys), every inline array INLINE_ARRAY_UNITS, every further array element (a comma,
#: not a trailing one) 1, and quoted text 1 per TEXT_CHARACTERS_PER_UNIT characters, a backslash
#: escape counting as ESCAPE_CHARACTERS. Measured with tomllib and the scan (2-core machine,
#: 2026-12, interleaved): a key costs about 2 numbers, a ramp point [x, y] about 4; a
#: number (one unit) as much as 25-50 characters of a basic string; a \t escape about 5
#: characters, a \uXXXX one about 14 (literal strings are 10x cheaper, counted alike). The
#: bound keeps the parse of any document to about 30-50 ms at the reference baseline and bounds
#: what pydantic is then given to validate; see docs/customizing.md ("When a file is refused")
#: for what a large rulebook takes, and benchmarks/bench_hostile.py for the documents just inside.
MAX_KEYS: Final = 16_000
KEY_UNITS: Final = 2
INLINE_ARRAY_UNITS: Final = 2
TEXT_CHARACTERS_PER_UNIT: Final = 24
ESCAPE_CHARACTERS: Final = 12

# One token of TOML's surface syntax. Strings and comments are whole tokens, so that dots and
# brackets inside them are not counted; possessive quantifiers keep the scan linear.
_TOKEN: Final = re.compile(
    # A whole line "key = value" with a bare key and a number, date, boolean or short string:
    # most lines of any document, read as one token so that the scan stays fast.
    r"(?P<line>(?m:^)[ \t]*+[A-Za-z0-9_-]{1,256}+[ \t]*+=[ \t]*+"
    r'(?:[A-Za-z0-9_:+.-]{1,256}+|"(?:[^"\\\n]|\\.){0,2000}+")[ \t]*+(?:#[^\n]*+)?\n)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*+"""'  # multi-line basic string
    r"|'''(?:[^']|'(?!''))*+'''"  # multi-line literal string
    r'|"(?:[^"\\\n]|\\.)*+"'  # basic string
    r"|'[^'\n]*+')"  # literal string
    r"|(?P<gap>(?:[ \t\r\n]|#[^\n]*+)++)"  # blanks, newlines and comments
    r"|(?P<bare>[^\s\"'#.\[\]{}=,]++)"  # a bare key, number, date, true or false
    r"|(?P<punct>.)",
    re.DOTALL,
)


#: After a quoted key: optional blanks, then a dot, an equals sign or the end of a header.
_KEY_END: Final = re.compile(r"[ \t]*[.=\]]")
#: Longest text field of a rulebook (its MAX_TEXT), for messages.
MAX_TEXT_CHARACTERS: Final = 2_000


class _ScanState:
    """Where one linear pass over the tokens of a document stands, and the bounds it checks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.depth = 0
        self.keys = 0
        self.characters = 0  # quoted text so far, escapes weighted (see TEXT_CHARACTERS_PER_UNIT)
        self.parts = 1  # parts of the current dotted chain (a.b.c)
        self.chain_start = 0
        self.line, self.line_start = 1, 0
        self.previous = ""  # kind of the previous significant token: "key", "dot", "[" or another punct
        self.header = False  # inside a [table] header
        self.first_on_line = True

    def refuse(self, message: str, offset: int) -> RulebookError:
        return RulebookError(message, location=f"line {self.line}, column {offset - self.line_start + 1}")

    def feed(self, match: re.Match[str]) -> None:
        """Take one token; raise a located RulebookError when it breaks a bound."""
        kind = match.lastgroup
        if kind == "line":
            self._whole_line(match)
        elif kind == "gap":
            self._gap(match)
        else:
            if kind == "string" or kind == "bare":
                self._word(match, is_string=kind == "string")
            elif match.group() == ".":
                self._dot()
            else:
                self._punct(match)
            self.first_on_line = False

    def _count_key(self, offset: int, units: int = KEY_UNITS) -> None:
        self.keys += units
        if self.keys > MAX_KEYS:
            raise self.refuse(
                f"more than {MAX_KEYS // KEY_UNITS:,} keys and tables, or {MAX_KEYS:,} array elements (a key "
                f"counts as {KEY_UNITS}, {TEXT_CHARACTERS_PER_UNIT} characters of quoted text as 1, "
                f"an escape as 1/{TEXT_CHARACTERS_PER_UNIT // ESCAPE_CHARACTERS}); valid: a smaller "
                "document (docs/customizing.md lists what fits)",
                offset,
            )

    def _count_text(self, token: str, offset: int) -> None:
        """Charge quoted text (a string token, or a whole short line) to the budget."""
        before = self.characters // TEXT_CHARACTERS_PER_UNIT
        self.characters += len(token) + (ESCAPE_CHARACTERS - 1) * token.count("\\")
        added = self.characters // TEXT_CHARACTERS_PER_UNIT - before
        if added:
            self._count_key(offset, units=added)

    def _whole_line(self, match: re.Match[str]) -> None:
        self._count_key(match.start())
        if '"' in match.group():  # a short string value: its text is charged like any string's
            self._count_text(match.group(), match.start())
        self.line, self.line_start, self.first_on_line, self.previous = (
            self.line + 1,
            match.end(),
            True,
            "line",
        )

    def _gap(self, match: re.Match[str]) -> None:
        token = match.group()
        newlines = token.count("\n")
        if newlines:
            self.line, self.first_on_line = self.line + newlines, True
            self.line_start = match.start() + token.rfind("\n") + 1

    def _word(self, match: re.Match[str], *, is_string: bool) -> None:
        if self.previous != "dot":
            self.parts, self.chain_start = 1, match.start()
        if is_string:
            self._check_string(match)
        elif len(match.group()) > MAX_KEY_LENGTH:
            raise self.refuse(
                f"a key or value of {len(match.group()):,} characters; at most {MAX_KEY_LENGTH} are accepted",
                match.start(),
            )
        self.previous = "key"

    def _check_string(self, match: re.Match[str]) -> None:
        size = len(match.group())
        if size > MAX_STRING_LENGTH:
            raise self.refuse(
                f"a string of {size:,} characters; rulebook text is at most {MAX_TEXT_CHARACTERS} characters",
                match.start(),
            )
        if size > MAX_KEY_LENGTH + 2 and (
            self.header or self.previous == "dot" or _KEY_END.match(self.text, match.end())
        ):
            raise self.refuse(
                f"a key of {size - 2:,} characters; at most {MAX_KEY_LENGTH} are accepted", match.start()
            )
        self._count_text(match.group(), match.start())

    def _dot(self) -> None:
        if self.previous == "key":
            self.parts += 1
            if self.parts > MAX_KEY_PARTS:
                raise self.refuse(
                    f"a dotted key or table header with more than {MAX_KEY_PARTS} parts; "
                    f"at most {MAX_KEY_PARTS} are accepted",
                    self.chain_start,
                )
        self.previous = "dot"

    def _punct(self, match: re.Match[str]) -> None:
        token = match.group()
        opens_header = token == "[" and self.depth == 0 and self.first_on_line
        if token in "={" or opens_header:  # every key and table, and below every array element
            self._count_key(match.start())
        elif token == "[" and not self.header:  # an inline array: a ramp point [x, y] and its comma
            self._count_key(match.start(), units=INLINE_ARRAY_UNITS)  # cost 4, as measured
        elif token == ",":
            self._count_key(match.start(), units=1)
        if token in "[{":
            self.header = self.header or opens_header
            self.depth += 1
            if self.depth > MAX_SCAN_DEPTH:
                raise self.refuse(
                    f"arrays or tables nested too deep (more than {MAX_SCAN_DEPTH} levels); "
                    f"at most {MAX_DOCUMENT_DEPTH} are accepted",
                    match.start(),
                )
        elif token in "]}":
            if self.previous == ",":  # a trailing comma (to_toml writes them) adds no element
                self.keys -= 1
            self.depth = max(0, self.depth - 1)
            if self.depth == 0:
                self.header = False
        self.previous = token


def scan_toml(text: str) -> None:
    """Refuse, before tomllib sees it, text whose keys or nesting would make parsing blow up.

    One linear pass over the tokens bounds the parts of every dotted key and table header
    (tomllib takes quadratic time and memory in them), the length of every key, bare value and
    string, the number of keys, and how deep arrays and tables nest. Valid rulebooks are far
    inside every bound.

    Raises
    ------
    RulebookError
        Located by line and column.
    """
    state = _ScanState(text)
    for match in _TOKEN.finditer(text):
        state.feed(match)


def _utf8_text(text: str | bytes, *, what: str) -> str:
    """The document as text, refused when oversized or not UTF-8 (checked before decoding)."""
    # Every character takes at least one byte: refuse an oversized str before encoding it.
    size = len(text)
    if size <= MAX_RULEBOOK_BYTES and isinstance(text, str):
        try:
            text = text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate cannot be a TOML character
            raise RulebookError(
                f"{what} text holds {short(exc.object[exc.start : exc.end])}, which is not a "
                "Unicode character (a lone surrogate); valid: UTF-8 text",
                location=f"character {exc.start}",
            ) from None
        size = len(text)
    if size > MAX_RULEBOOK_BYTES:
        raise RulebookError(
            f"{what} is {size:,} {'bytes' if isinstance(text, bytes) else 'characters'}; "
            f"at most {MAX_RULEBOOK_BYTES:,} bytes are accepted"
        )
    try:
        return text if isinstance(text, str) else text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulebookError(f"{what} is not UTF-8 text: {exc.reason}") from None


def parse_toml(text: str | bytes, *, what: str = "rulebook") -> dict[str, Any]:
    """Parse a rulebook document, refusing oversized, hostile or malformed text with a RulebookError."""
    decoded = _utf8_text(text, what=what)
    scan_toml(decoded)
    try:
        return tomllib.loads(decoded)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"invalid TOML: {exc}") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise RulebookError(
            f"invalid TOML: arrays or inline tables nested too deep (at most {MAX_DOCUMENT_DEPTH} levels)"
        ) from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise RulebookError(f"invalid TOML: {short(str(exc))}") from None


def zero_signless(data: Any) -> Any:
    """Dumped data with -0.0 as 0.0: equal documents must give equal fingerprints."""
    if isinstance(data, float):
        return data + 0.0  # -0.0 + 0.0 is 0.0
    if isinstance(data, dict):
        return {key: zero_signless(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [zero_signless(value) for value in data]
    return data


def shown_path(path: object) -> str:
    """A path as text safe to print: as is when printable, else its escaped repr."""
    text = str(path)
    return text if text.isprintable() and len(text) <= 4096 else short(text)


def read_rulebook_file(file: Path, *, what: str = "rulebook") -> bytes:
    """Read at most MAX_RULEBOOK_BYTES + 1 bytes of a regular file (never a FIFO or device)."""
    name = shown_path(file)
    try:
        info = file.stat()
    except OSError as exc:
        raise RulebookError(f"{name}: cannot read {what}: {exc.strerror}") from None
    except ValueError as exc:  # an embedded NUL byte in the path
        raise RulebookError(f"{name}: cannot read {what}: {exc}; valid: a file path") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file (a FIFO or device)"
        raise RulebookError(f"{name}: cannot read {what}: {kind}; valid: a TOML file")
    if info.st_size > MAX_RULEBOOK_BYTES:
        raise RulebookError(
            f"{name}: {what} is {info.st_size:,} bytes; at most {MAX_RULEBOOK_BYTES:,} are accepted"
        )
    try:
        # O_NONBLOCK: should the path become a FIFO after the check, open() still returns at once.
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise RulebookError(f"{name}: cannot read {what}: not a regular file; valid: a TOML file")
            return handle.read(MAX_RULEBOOK_BYTES + 1)
    except OSError as exc:
        raise RulebookError(f"{name}: cannot read {what}: {exc.strerror}") from None


def printable_text(text: str) -> str:
    """Refuse rulebook text with control or format characters (other than tab and newline).

    A rulebook is printed on terminals (``tpm-fit rules``); an escape sequence in a title could
    rewrite the screen.
    """
    if text.isprintable():
        return text
    for position, character in enumerate(text):
        if (
            not character.isprintable()
            and character not in "\t\n\r"
            and unicodedata.category(character) != "Zs"  # no-break and other spaces are fine
        ):
            raise ValueError(
                f"holds the control character {character!r} at position {position}; valid: printable "
                "text (tabs and newlines allowed)"
            )
    return text


class LocatedError(ValueError):
    """Raised inside validators that know a more precise location than pydantic would give."""

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.location = location


def format_location(loc: tuple[int | str, ...], tags: frozenset[str] = frozenset()) -> str:
    """A pydantic location as a document path (``factors[2].activation.points``); ``tags`` are
    the discriminator tags in the schema (:func:`kind_tags`), which are not part of the path."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in tags:
            continue  # discriminator tags are not part of the document's path
        else:
            out += f".{part}" if out else str(part)
    return out


def _nested(node: object, path: str) -> Iterator[tuple[object, str]]:
    """The tables and arrays directly inside ``node``, each with its document path."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(value, Mapping | list | tuple):
                name = str(key)[:64]
                yield value, f"{path}.{name}" if path else name
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            if isinstance(value, Mapping | list | tuple):
                yield value, f"{path}[{i}]"


def check_depth(data: Mapping[str, Any]) -> None:
    """Refuse documents nested deeper than MAX_DOCUMENT_DEPTH, without recursing."""
    stack: list[tuple[object, int, str]] = [(data, 0, "")]
    while stack:
        node, depth, path = stack.pop()
        if depth > MAX_DOCUMENT_DEPTH:
            shown = path if len(path) <= 120 else f"{path[:60]}...{path[-50:]}"
            raise RulebookError(
                f"tables and arrays nest more than {MAX_DOCUMENT_DEPTH} levels deep", location=shown
            )
        stack.extend((child, depth + 1, where) for child, where in _nested(node, path))


#: Problems kept in RulebookError.problems; beyond this they are only counted.
MAX_PROBLEMS_KEPT: Final = 100


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        yield from _models_in(argument)


@cache
def table_keys(schema: type[BaseModel]) -> dict[str, frozenset[str]]:
    """Keys valid in each table of a document, by the table's name (``""`` for the top level).

    Tables are named by the field that holds them (``factors``, ``thresholds``) or by their
    primitive tag (``ramp``), which is how they appear in a validation error's location.
    """
    keys: dict[str, set[str]] = {"": set(schema.model_fields)}
    seen: set[type[BaseModel]] = set()
    stack = [schema]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            for sub in _models_in(info.annotation):
                keys.setdefault(name, set()).update(sub.model_fields)
                tag = sub.model_fields.get("kind")
                for literal in get_args(tag.annotation) if tag is not None else ():
                    keys.setdefault(str(literal), set()).update(sub.model_fields)
                stack.append(sub)
    return {name: frozenset(found) for name, found in keys.items()}


@cache
def kind_tags(schema: type[BaseModel]) -> frozenset[str]:
    """The ``kind`` tags of the tagged tables anywhere in ``schema`` (the activation primitives,
    read from the ``Activation`` union, so they follow its one declaration)."""
    tags: set[str] = set()
    seen: set[type[BaseModel]] = set()
    stack = [schema]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        tag = model.model_fields.get("kind")
        tags.update(str(literal) for literal in (get_args(tag.annotation) if tag is not None else ()))
        for info in model.model_fields.values():
            stack.extend(_models_in(info.annotation))
    return frozenset(tags)


def _table_of(loc: tuple[int | str, ...]) -> str:
    return next((part for part in reversed(loc[:-1]) if isinstance(part, str)), "")


def _tag_problem(context: Mapping[str, Any], location: str, tags: frozenset[str]) -> tuple[str, str]:
    """A ``kind`` that names no primitive, or is missing."""
    tag = context.get("tag")
    shown = f"kind={short(tag)}: not a primitive" if tag is not None else "kind: missing"
    valid = str(context.get("expected_tags", ", ".join(sorted(tags)))).replace("'", "")
    return f"{shown}; valid: {valid}{did_you_mean(tag, valid.replace(' ', '').split(','))}", (
        f"{location}.kind" if location else "kind"
    )


def _unknown_key_problem(error: Any, key: int | str, valid_keys: frozenset[str]) -> str:
    return field_message(
        str(key)[:64],
        error.get("input"),
        "unknown key",
        f"valid: {', '.join(sorted(valid_keys))}{did_you_mean(key, valid_keys)}",
    )


#: pydantic's error types, as ``(what is wrong, what is valid)`` given the error's context.
_PLAIN: Final[dict[str, tuple[str, str]]] = {
    "less_than_equal": ("too large", "valid: at most {le}"),
    "less_than": ("too large", "valid: below {lt}"),
    "greater_than_equal": ("too small", "valid: at least {ge}"),
    "greater_than": ("too small", "valid: above {gt}"),
    "too_long": ("too many items", "valid: at most {max_length}"),
    "too_short": ("too few items", "valid: at least {min_length}"),
    "string_too_long": ("too long", "valid: at most {max_length} characters"),
    "string_too_short": ("empty", "valid: at least {min_length} character(s)"),
    "string_pattern_mismatch": (
        "not an identifier",
        "valid: a lower-case letter, then lower-case letters, digits or '_' (at most 64 in all)",
    ),
    "string_type": ("not a string", "valid: text in quotes"),
    "float_type": ("not a number", "valid: a number (no quotes)"),
    "int_type": ("not an integer", "valid: a whole number (no quotes)"),
    "bool_type": ("not a boolean", "valid: true or false"),
    "finite_number": ("not a finite number", "valid: a finite number"),
    "enum": ("not a valid choice", "valid: {expected}"),
    "literal_error": ("not a valid choice", "valid: {expected}"),
    "tuple_type": ("not an array", "valid: an array [...]"),
    "list_type": ("not an array", "valid: an array [...]"),
    "dict_type": ("not a table", "valid: a table"),
    "model_type": ("not a table", "valid: a table"),
}


_IN_GRAMMAR: Final = re.compile(r"[A-Za-z_][\w.\[\]']*=")


def _field_of(loc: tuple[int | str, ...], tags: frozenset[str]) -> str:
    """The name of the field a location ends in; ``tags`` (the schema's kind tags) are not fields."""
    return next((str(p) for p in reversed(loc) if isinstance(p, str) and p not in tags), "value")


def _plain_problem(error: Any, loc: tuple[int | str, ...] = (), tags: frozenset[str] = frozenset()) -> str:
    """``field=value: what is wrong; what is valid`` for one pydantic error (no pydantic wording)."""
    if error["type"] == "missing":
        return "missing required field"
    field, value = _field_of(loc, tags), error.get("input")
    context = error.get("ctx") or {}
    if error["type"] in _PLAIN:
        wrong, valid = _PLAIN[error["type"]]
        try:
            valid = valid.format(**{k: short(v) if not isinstance(v, str) else v for k, v in context.items()})
        except (KeyError, IndexError, ValueError):
            valid = valid.split(" {")[0]
        if error["type"] in {"enum", "literal_error"}:
            options = str(context.get("expected", "")).replace("'", "").replace(" or ", ", ").split(", ")
            valid = valid.replace("'", "") + did_you_mean(value, options)
        if error["type"] in {"too_long", "too_short"} and isinstance(value, list | tuple):
            return f"{field}=<{len(value):,} items>: {wrong}; {valid}"
        return field_message(field, value, wrong, valid)
    message = str(error["msg"]).removeprefix("Value error, ")
    if message.startswith(f"{field}:") or _IN_GRAMMAR.match(message):  # already field=value: ...
        return message
    return f"{field}={short(value)}: {message[:1].lower()}{message[1:]}"


def _problem(
    error: Any, loc: tuple[int | str, ...], valid_keys: frozenset[str] | None, tags: frozenset[str]
) -> tuple[str, str]:
    """(message, location) for one pydantic error."""
    location = format_location(loc, tags)
    context = error.get("ctx") or {}
    inner = context.get("error")
    if isinstance(inner, LocatedError):
        return str(inner), f"{location}.{inner.location}" if location else inner.location
    if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
        return _tag_problem(context, location, tags)
    if error["type"] == "extra_forbidden" and valid_keys is not None:
        return _unknown_key_problem(error, loc[-1], valid_keys), location
    return _plain_problem(error, loc, tags), location


_Loc = tuple[int | str, ...]


def _typo_locations(locs: list[_Loc], errors: list[Any]) -> set[_Loc]:
    """Missing keys that an unknown key next to them resembles: reported once, as the unknown key.

    Bounded: the missing keys are grouped by table in one pass, and only the first
    ``MAX_PROBLEMS_KEPT`` unknown keys are compared (each with the few keys missing beside it),
    so a document of thousands of unknown keys costs no more than one of a hundred.
    """
    missing: dict[_Loc, list[str]] = {}
    for loc, error in zip(locs, errors, strict=True):
        if error["type"] == "missing" and loc:
            missing.setdefault(loc[:-1], []).append(str(loc[-1]))
    explained: set[_Loc] = set()
    compared = 0
    for loc, error in zip(locs, errors, strict=True):
        if error["type"] != "extra_forbidden" or not loc or loc[:-1] not in missing:
            continue
        compared += 1
        if compared > MAX_PROBLEMS_KEPT:
            break
        match = closest(loc[-1], missing[loc[:-1]])
        if match is not None:
            explained.add((*loc[:-1], match))
    return explained


def _max_length(info: Any) -> int | None:
    """The ``max_length`` a model field declares, if any."""
    return next((int(m.max_length) for m in info.metadata if hasattr(m, "max_length")), None)


def _model_for(annotation: Any, raw: object) -> type[BaseModel] | None:
    """The model a raw table is validated as: the only model of the field, or the one its ``kind`` names."""
    models = list(dict.fromkeys(_models_in(annotation)))
    if len(models) == 1:
        return models[0]
    kind = raw.get("kind") if isinstance(raw, Mapping) else None
    for model in models:
        tag = model.model_fields.get("kind")
        if tag is not None and kind in get_args(tag.annotation):
            return model
    return None


def check_counts(data: Mapping[str, Any], schema: type[BaseModel]) -> None:
    """Refuse an over-long array, or a flood of unknown keys, before anything is validated.

    pydantic validates (and reports) every item of an over-long array before it checks the
    length, and every unknown key of every table; 9,000 empty factors took half a second. Walks
    the document and the schema together, without recursing, and stops at the first array that
    is too long, or once more than ``MAX_PROBLEMS_KEPT`` unknown keys are found.
    """
    stack: list[tuple[object, type[BaseModel], str]] = [(data, schema, "")]
    unknown: list[tuple[str, str, frozenset[str]]] = []
    while stack:
        node, model, path = stack.pop()
        if not isinstance(node, Mapping):
            continue
        fields = model.model_fields
        unknown.extend((str(key), path, frozenset(fields)) for key in node if key not in fields)
        if len(unknown) > MAX_PROBLEMS_KEPT:
            key, where, valid = unknown[0]
            raise RulebookError(
                f"{key[:64]}: unknown key (one of more than {MAX_PROBLEMS_KEPT} unknown keys); "
                f"valid: {', '.join(sorted(valid))}{did_you_mean(key, valid)}",
                location=f"{where}.{key[:64]}" if where else key[:64],
            )
        children: list[tuple[object, type[BaseModel], str]] = []
        for name, info in fields.items():
            raw = node.get(name)
            where = f"{path}.{name}" if path else name
            items = raw if isinstance(raw, list) else [raw] if isinstance(raw, Mapping) else []
            limit = _max_length(info)
            if isinstance(raw, list) and limit is not None and len(raw) > limit:
                raise RulebookError(
                    f"{name}=<{len(raw):,} items>: too many; valid: at most {limit:,}", location=where
                )
            for i, item in enumerate(items):
                sub = _model_for(info.annotation, item)
                if sub is not None:
                    children.append((item, sub, f"{where}[{i}]" if isinstance(raw, list) else where))
        stack.extend(reversed(children))  # popped in document order: the first problem is reported


def _problems(
    locs: list[_Loc], errors: list[Any], keys: Mapping[str, frozenset[str]], tags: frozenset[str]
) -> tuple[list[tuple[str, str]], int]:
    """The (message, location) of the first problems kept, and how many problems there are."""
    explained = _typo_locations(locs, errors)
    # An error at a container that also has an error inside it (a tuple "too short" because an
    # item failed) is a consequence of the inner one: do not count it as another problem.
    containers = {loc[:i] for loc in locs for i in range(len(loc))}
    problems: list[tuple[str, str]] = []
    counted = 0
    for loc, error in zip(locs, errors, strict=True):
        if loc in explained or (loc in containers and problems):
            continue
        counted += 1
        if len(problems) < MAX_PROBLEMS_KEPT:
            problems.append(_problem(error, loc, keys.get(_table_of(loc)), tags))
    return problems, counted


def rulebook_error(exc: ValidationError, *, schema: type[BaseModel] | None = None) -> RulebookError:
    """One RulebookError for every problem pydantic found, each located, typos answered.

    An unknown key next to a missing one it resembles (``favors`` for ``favours``) is reported
    once, as the unknown key with "did you mean"; ``schema`` (the document's model) supplies
    the valid keys of each table.
    """
    errors = exc.errors(include_url=False)
    locs = [tuple(error["loc"]) for error in errors]
    keys = table_keys(schema) if schema is not None else {}
    tags = kind_tags(schema) if schema is not None else frozenset()
    problems, counted = _problems(locs, list(errors), keys, tags)
    message, location = problems[0]
    if counted > 1:
        message += f" (and {counted - 1} more problem{'s' if counted > 2 else ''})"
    listed = [f"{m} @ {where}" if where else m for m, where in problems]
    if counted > len(listed):
        listed.append(f"(and {counted - len(listed)} more problems not listed)")
    return RulebookError(message, location=location, problems=listed)
