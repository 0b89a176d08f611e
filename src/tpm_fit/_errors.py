"""The exception hierarchy, and the one grammar every message about a bad value follows.

One root (:class:`TpmFitError`) and subclasses that are also the built-in a caller catches.
Messages about a value read ``<field>=<value>: <what is wrong>; <what is valid>``, whether they
come from :class:`~tpm_fit.OrgProfile`, from :func:`~tpm_fit.recommend_many` (with the row
label in front) or from the command line; :func:`field_message` is the one place that writes it.
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from typing import Final

__all__ = [
    "MAX_PROBLEMS_SHOWN",
    "InvalidArgumentError",
    "ProfileFrameError",
    "RulebookError",
    "TpmFitError",
    "field_message",
    "short",
]

#: Problems spelled out in a RulebookError's message; the rest are counted.
MAX_PROBLEMS_SHOWN: Final = 10

_SHORT = reprlib.Repr()  # keyword arguments need Python 3.12
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 2, 60, 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 4


def short(value: object) -> str:
    """A bounded repr for messages: hostile input may be huge, deeply nested or hold escapes.

    ``repr`` escapes control characters and lone surrogates, so the result is safe to print.
    """
    try:
        return _SHORT.repr(value)
    except Exception:  # a hostile __repr__ must not hide the real error
        return f"<{type(value).__name__} object>"


def field_message(field: str, value: object, wrong: str, valid: str, *, missing: bool = False) -> str:
    """``<field>=<value>: <what is wrong>; <what is valid>`` (no ``=<value>`` for a missing value).

    Examples
    --------
    >>> field_message("company_size", 0, "below the minimum", "valid: a whole number from 1 to 10")
    'company_size=0: below the minimum; valid: a whole number from 1 to 10'
    """
    head = field if missing else f"{field}={short(value)}"
    return f"{head}: {wrong}; {valid}"


class TpmFitError(Exception):
    """Root of every error that tpm_fit raises on purpose.

    Bad profile input is reported as :class:`pydantic.ValidationError` instead, since that is
    what callers of a pydantic model expect.
    """


class RulebookError(TpmFitError, ValueError):
    """A rulebook could not be read or is not valid.

    Parameters
    ----------
    message : str
        What is wrong and what would be valid (the first problem, when there are several).
    location : str, optional
        Where in the rulebook the problem is, in the form ``factors[3].weight`` (or ``line 3,
        column 7`` for problems found in the raw text); empty when the problem concerns the
        whole document.
    problems : sequence of str, optional
        Every problem found, each as ``"message @ path"``; by default the one problem given by
        ``message`` and ``location``. The error's text lists the first
        ``MAX_PROBLEMS_SHOWN`` of them and counts the rest.
    """

    def __init__(self, message: str, *, location: str = "", problems: Sequence[str] = ()) -> None:
        self.location = location
        self.message = message
        first = f"{message} @ {location}" if location else message
        self.problems: tuple[str, ...] = tuple(problems) or (first,)
        super().__init__(_join_problems(first, self.problems))


def _join_problems(first: str, problems: tuple[str, ...]) -> str:
    if len(problems) <= 1:
        return first
    shown = problems[:MAX_PROBLEMS_SHOWN]
    lines = [f"{len(problems)} problems:", *(f"  {p}" for p in shown)]
    if len(problems) > len(shown):
        lines.append(f"  (and {len(problems) - len(shown)} more)")
    return "\n".join(lines)


class ProfileFrameError(TpmFitError, ValueError):
    """A frame of profiles (or a scenario grid) cannot be scored as given.

    Raised by :func:`~tpm_fit.recommend_many` for missing or unknown columns and, with
    ``errors="raise"``, for bad rows; the message names the row labels, the column, the bad
    value and what is valid.

    Parameters
    ----------
    message : str
        What is wrong and what would be valid.
    column : str, optional
        The column of the first problem, if the problem concerns one column.
    labels : tuple, optional
        Row labels of the first problem's rows (all of them, not only those in the message).
    """

    def __init__(self, message: str, *, column: str | None = None, labels: tuple[object, ...] = ()) -> None:
        self.column = column
        self.labels = labels
        super().__init__(message)


class InvalidArgumentError(TpmFitError, ValueError):
    """An argument of an analysis outside its valid range (``samples``, ``spread``, ``delta``, ...).

    Also a ``ValueError``; the message reads ``<argument>=<value>: <what is wrong>; <what is valid>``.
    """
