"""Helpers every subcommand shares: argument types, the default rulebook, safe one-line values.

Kept apart from :mod:`.main` (which imports the subcommands' modules to wire them in) so that a
subcommand's module never imports the module that imports it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING, Final

from .._errors import TpmFitError, short

if TYPE_CHECKING:
    from .._model.rulebook import Rulebook

__all__ = ["escape_unsafe", "inline", "load_rulebook", "non_negative_int", "positive_int"]


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{short(text)}: not an integer; valid: 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: too small; valid: 1 or more")
    return value


def load_rulebook(path: str | None) -> Rulebook:
    """The rulebook at ``path``, or the default one when no path is given (never for "")."""
    from .._model.rulebook import Rulebook

    if path is None:
        return Rulebook.default()
    if not path.strip():
        # An unset shell variable ("$RULES") must not silently mean the built-in rulebook.
        raise TpmFitError(f"--rulebook={path!r}: an empty path; valid: the path of a TOML rulebook")
    return Rulebook.load(Path(path))


#: Characters never written to a terminal as they are: C0 and C1 controls (but newline and tab),
#: bidirectional overrides and invisible marks, line separators, lone surrogates.
_UNSAFE: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff\ud800-\udfff]"
)


def escape_unsafe(text: str) -> str:
    """``text`` with every control character shown as its escape (``\\x1b``); newlines and tabs kept."""
    return _UNSAFE.sub(lambda match: repr(match.group())[1:-1].replace("'", ""), text)


def inline(text: object) -> str:
    """A user-supplied value for one line of output: control characters, newlines and tabs escaped."""
    return escape_unsafe(str(text)).replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def non_negative_int(text: str) -> int:
    """argparse type: an integer of at least 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{short(text)}: not an integer; valid: 0 or more") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: too small; valid: 0 or more")
    return value
