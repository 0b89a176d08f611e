"""Reading rulebook documents: bounded TOML parsing, file reading and located error messages.

Kept apart from the rulebook models so that everything that touches raw, possibly hostile text
lives in one place.
"""

from __future__ import annotations

import reprlib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from .._errors import RulebookError

__all__ = [
    "MAX_DOCUMENT_DEPTH",
    "MAX_RULEBOOK_BYTES",
    "LocatedError",
    "check_depth",
    "format_location",
    "parse_toml",
    "read_rulebook_file",
    "rulebook_error",
    "short",
]

#: Hard limits that keep a hostile rulebook file from exhausting memory or time.
MAX_RULEBOOK_BYTES: Final = 1 << 20
#: Deepest nesting of tables and arrays accepted in a document (a valid rulebook needs ~20).
MAX_DOCUMENT_DEPTH: Final = 40

#: Discriminator tags of the activation primitives: not part of a document path.
PRIMITIVE_TAGS: frozenset[str] = frozenset({"ramp", "levels", "all_of", "any_of"})


def parse_toml(text: str | bytes) -> dict[str, Any]:
    """Parse a rulebook document, refusing oversized or malformed text with a RulebookError."""
    # Every character takes at least one byte: refuse an oversized str before encoding it.
    size = len(text)
    if size <= MAX_RULEBOOK_BYTES and isinstance(text, str):
        text = text.encode("utf-8")
        size = len(text)
    if size > MAX_RULEBOOK_BYTES:
        raise RulebookError(
            f"rulebook is {size:,} {'bytes' if isinstance(text, bytes) else 'characters'}; "
            f"at most {MAX_RULEBOOK_BYTES:,} bytes are accepted"
        )
    try:
        return tomllib.loads(text if isinstance(text, str) else text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RulebookError(f"rulebook is not UTF-8 text: {exc.reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"invalid TOML: {exc}") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise RulebookError(
            f"invalid TOML: arrays or inline tables nested too deep (at most {MAX_DOCUMENT_DEPTH} levels)"
        ) from None


def read_rulebook_file(file: Path) -> bytes:
    """Read at most MAX_RULEBOOK_BYTES + 1 bytes of a rulebook file."""
    try:
        size = file.stat().st_size
        if size > MAX_RULEBOOK_BYTES:
            raise RulebookError(
                f"{file}: rulebook is {size:,} bytes; at most {MAX_RULEBOOK_BYTES:,} are accepted"
            )
        with file.open("rb") as handle:
            raw = handle.read(MAX_RULEBOOK_BYTES + 1)
    except OSError as exc:
        raise RulebookError(f"{file}: cannot read rulebook: {exc.strerror}") from None
    return raw


class LocatedError(ValueError):
    """Raised inside validators that know a more precise location than pydantic would give."""

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.location = location


def format_location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in PRIMITIVE_TAGS:
            continue  # discriminator tags are not part of the document's path
        else:
            out += f".{part}" if out else str(part)
    return out


_SHORT = reprlib.Repr()  # keyword arguments need Python 3.12
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 2, 60, 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = 4


def short(value: object) -> str:
    """A bounded repr for messages: hostile input may be huge or deeply nested."""
    return _SHORT.repr(value)


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
        if isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(value, Mapping | list | tuple):
                    name = str(key)[:64]
                    stack.append((value, depth + 1, f"{path}.{name}" if path else name))
        elif isinstance(node, list | tuple):
            for i, value in enumerate(node):
                if isinstance(value, Mapping | list | tuple):
                    stack.append((value, depth + 1, f"{path}[{i}]"))


def rulebook_error(exc: ValidationError) -> RulebookError:
    first = exc.errors(include_url=False)[0]
    location = format_location(tuple(first["loc"]))
    context = first.get("ctx") or {}
    inner = context.get("error")
    if isinstance(inner, LocatedError):
        location = f"{location}.{inner.location}" if location else inner.location
        message = str(inner)
    elif first["type"] in {"union_tag_invalid", "union_tag_not_found"}:
        location = f"{location}.kind" if location else "kind"
        tag = context.get("tag")
        shown = f"kind={short(tag)} is not a primitive" if tag is not None else "kind is missing"
        message = f"{shown}; valid: {context.get('expected_tags', 'ramp, levels, all_of, any_of')}"
    elif first["type"] == "missing":
        message = "missing required field"
    else:
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] != "model_type" and "input" in first:
            message = f"{message} (got {short(first['input'])})"
    # An error at a container that also has an error inside it (a tuple "too short" because an
    # item failed) is a consequence of the inner one: do not count it as another problem.
    locs = [tuple(error["loc"]) for error in exc.errors(include_url=False)]
    containers = {loc[:i] for loc in locs for i in range(len(loc))}
    more = sum(1 for loc in locs[1:] if loc not in containers)
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return RulebookError(message, location=location)
