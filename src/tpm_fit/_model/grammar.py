"""One grammar for bad profile values, shared by OrgProfile, recommend_many and the command line.

Every message reads ``<field>=<value>: <what is wrong>; <what is valid>`` (see
:func:`tpm_fit._errors.field_message`). :class:`ValueRules` knows what is valid for each field
and words each kind of problem once; :class:`~tpm_fit.OrgProfile` restates pydantic's errors
through it, and the batch path writes its row messages with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .._errors import field_message
from .suggest import did_you_mean

__all__ = ["Problem", "ValueRules"]

Problem = Literal[
    "missing",
    "not_integer",
    "bool",
    "fractional",
    "too_small",
    "too_large",
    "not_level",
    "not_text",
    "above_headcount",
]

_WRONG: Final[dict[Problem, str]] = {
    "missing": "missing",
    "not_integer": "not an integer",
    "bool": "a bool, not an integer",
    "fractional": "not a whole number",
    "too_small": "too small",
    "too_large": "too large",
    "not_level": "not a level",
    "not_text": "not a string",
    "above_headcount": "more people than the company has",
}

#: pydantic's error types for a single field, as the problem they mean.
_PYDANTIC: Final[dict[str, Problem]] = {
    "missing": "missing",
    "int_type": "not_integer",
    "int_parsing": "not_integer",
    "int_from_float": "not_integer",
    "greater_than_equal": "too_small",
    "less_than_equal": "too_large",
    "enum": "not_level",
}


@dataclass(frozen=True, slots=True)
class ValueRules:
    """What is valid for each profile field, and how to say what is wrong with a value."""

    fields: tuple[str, ...]
    bounds: Mapping[str, tuple[int, int]]
    levels: Mapping[str, Sequence[str]]

    def valid(self, field: str) -> str:
        """``valid: ...`` for one field."""
        if field in self.bounds:
            low, high = self.bounds[field]
            return f"valid: a whole number from {low:,} to {high:,}"
        return f"valid: one of {', '.join(self.levels[field])}"

    def message(self, field: str, value: object, problem: Problem) -> str:
        """The message for one bad value of one field.

        For ``above_headcount`` the value is a ``(count, company_size)`` pair: the message names
        both fields and both values.
        """
        if problem == "above_headcount":
            count, size = value if isinstance(value, tuple) else (value, "?")
            return field_message(
                field, count, f"{_WRONG[problem]} (company_size={size})", "valid: at most company_size"
            )
        valid = self.valid(field)
        if problem == "not_level":
            valid += did_you_mean(value, self.levels[field])
        return field_message(field, value, _WRONG[problem], valid, missing=problem == "missing")

    def unknown_field(self, field: str, value: object) -> str:
        """The message for a field that is not a profile field."""
        return field_message(
            field,
            value,
            "not a profile field (fields describe the organisation, never a person)",
            f"valid: {', '.join(self.fields)}{did_you_mean(field, self.fields)}",
        )

    def _restated(self, error: Any) -> str | None:
        """This grammar's message for one pydantic error about one field, or None to keep it."""
        loc = tuple(error["loc"])
        if len(loc) != 1 or not isinstance(loc[0], str):
            return None
        field, value = loc[0], error.get("input")
        if error["type"] == "extra_forbidden":
            return self.unknown_field(field, value)
        if field in self.fields and error["type"] in _PYDANTIC:
            problem = _PYDANTIC[error["type"]]
            if problem == "not_integer" and isinstance(value, bool):
                problem = "bool"
            return self.message(field, value, problem)
        if error["type"] == "level_type":
            return str(error["msg"])
        return None

    def restate(self, exc: ValidationError, *, title: str) -> ValidationError:
        """``exc`` with every single-field message in this grammar (other errors unchanged)."""
        details: list[InitErrorDetails] = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            value = error.get("input")
            text = self._restated(error)
            if text is None and not loc:  # a whole-profile error (a count above the headcount)
                text = str(error["msg"]).removeprefix("Value error, ")
            detail: InitErrorDetails
            if text is not None:
                detail = {
                    "type": PydanticCustomError(error["type"], "{message}", {"message": text}),
                    "loc": loc,
                    "input": value,
                }
            else:
                detail = {"type": error["type"], "loc": loc, "input": value}
                if "ctx" in error:
                    detail["ctx"] = error["ctx"]
            details.append(detail)
        return ValidationError.from_exception_data(title, details)

    def not_text(self, field: str, value: Any) -> PydanticCustomError:
        """The error for a level given as something other than a string (``b"high"``, 2)."""
        return PydanticCustomError(
            "level_type", "{message}", {"message": self.message(field, value, "not_text")}
        )
