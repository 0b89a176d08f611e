"""The exception hierarchy: one root, and subclasses that are also the built-in a caller catches."""

from __future__ import annotations

__all__ = ["ProfileFrameError", "RulebookError", "TpmFitError"]


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
        What is wrong and what would be valid.
    location : str, optional
        Where in the rulebook the problem is, in the form ``factors[3].weight``; empty when the
        problem concerns the whole document (for example, invalid TOML).
    """

    def __init__(self, message: str, *, location: str = "") -> None:
        self.location = location
        self.message = message
        super().__init__(f"{message} @ {location}" if location else message)


class ProfileFrameError(TpmFitError, ValueError):
    """A frame of profiles (or a scenario grid) cannot be scored as given.

    Raised by :func:`~tpm_fit.recommend_many` for missing or unknown columns and, with
    ``errors="raise"``, for bad rows; the message names the column, the row labels and the
    bad values.

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
