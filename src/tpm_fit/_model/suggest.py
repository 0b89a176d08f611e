""" "Did you mean ...?": the closest known name to a misspelt one, with :mod:`difflib`.

Used for unknown profile fields, frame columns, level names and rulebook keys, so that every
typo is answered the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

__all__ = ["closest", "did_you_mean"]

#: Names longer than this are not compared: difflib is quadratic in the length.
_MAX_COMPARED: Final = 200
#: Similarity difflib requires (its default, 0.6, misses e.g. "stratgy" for "strategy" rarely).
_CUTOFF: Final = 0.6


def closest(name: object, known: Iterable[str]) -> str | None:
    """The known name closest to ``name``, or None when nothing is close.

    Examples
    --------
    >>> closest("stratgy_coverage", ["strategy_coverage", "company_size"])
    'strategy_coverage'
    >>> closest("age", ["strategy_coverage", "company_size"]) is None
    True
    """
    if not isinstance(name, str) or not name or len(name) > _MAX_COMPARED:
        return None
    candidates = [k for k in known if len(k) <= _MAX_COMPARED]
    lowered = {k.lower(): k for k in candidates}
    if name.lower() in lowered:  # a different case is the likeliest slip
        return lowered[name.lower()]
    import difflib  # only on the error path: not a cost of importing the models

    matches = difflib.get_close_matches(name, candidates, n=1, cutoff=_CUTOFF)
    return matches[0] if matches else None


def did_you_mean(name: object, known: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest known name, or an empty string.

    Examples
    --------
    >>> did_you_mean("favors", ["favours", "weight"])
    " (did you mean 'favours'?)"
    """
    match = closest(name, known)
    return f" (did you mean {match!r}?)" if match is not None else ""
