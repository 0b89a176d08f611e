"""Errors as RFC 9457 problem details, with the library's located messages.

Every error the service answers has the same JSON shape (:class:`~.models.Problem`); a failure
nobody planned for is a 500 whose detail says nothing about the code, and its traceback goes only
to the server's own log.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._errors import short
from .._model.suggest import did_you_mean
from .models import Problem, ProblemItem

__all__ = [
    "PROBLEM_JSON",
    "ApiProblem",
    "install_handlers",
    "problem_response",
    "problems",
    "validation_items",
]

PROBLEM_JSON: Final = "application/problem+json"
_LOG = logging.getLogger("tpm_fit.server")


class ApiProblem(Exception):  # noqa: N818 - it is an answer, not a failure of the service
    """Raise in a route to answer with problem details."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: tuple[ProblemItem, ...] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem_response(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    errors: tuple[ProblemItem, ...] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem-details response."""
    body = make_problem(status, detail, instance=instance, errors=errors)
    return Response(body.model_dump_json(), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def make_problem(
    status: int, detail: str, *, instance: str | None = None, errors: tuple[ProblemItem, ...] = ()
) -> Problem:
    """The :class:`Problem` for a status and detail."""
    return Problem(
        title=HTTPStatus(status).phrase, status=status, detail=detail, instance=instance, errors=errors
    )


def validation_items(
    exc: ValidationError | RequestValidationError, *, prefix: tuple[str | int, ...] = ()
) -> tuple[ProblemItem, ...]:
    """One item per error, each in the library's grammar ``field=value: what is wrong; what is valid``."""
    items = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        message = str(error.get("msg", "invalid"))
        field = ".".join(str(part) for part in loc if part not in ("body", "query", "path")) or "body"
        if not message.startswith(field):  # pydantic's own words: say which value it is about
            shown = "" if error.get("type") == "missing" else f"={short(error.get('input'))}"
            message = f"{field}{shown}: {message}"
            context = error.get("ctx", {})
            if error.get("type") in ("enum", "literal_error"):  # a misspelt choice: the nearest one
                message += did_you_mean(
                    error.get("input"), re.findall(r"'([^']*)'", str(context.get("expected")))
                )
            elif error.get("type") == "union_tag_invalid":
                tags = re.findall(r"'([^']*)'", str(context.get("expected_tags")))
                message += did_you_mean(context.get("tag"), tags)
        items.append(ProblemItem(loc=(*prefix, *loc), message=message))
    return tuple(items)


def summary(items: tuple[ProblemItem, ...]) -> str:
    """The items' messages on one line."""
    return " | ".join(item.message for item in items) or "the request is not valid"


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error codes, each a Problem."""
    return {
        code: {
            "description": HTTPStatus(code).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


def install_handlers(app: FastAPI) -> None:
    """Answer every error with problem details."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiProblem)
        return problem_response(
            exc.status, exc.detail, instance=request.url.path, errors=exc.errors, headers=exc.headers
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        items = validation_items(exc)
        return problem_response(422, summary(items), instance=request.url.path, errors=items)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = {404: "nothing is here; the API is under /v1 (see /docs)", 405: "method not allowed here"}
        return problem_response(
            exc.status_code,
            detail.get(exc.status_code, HTTPStatus(exc.status_code).phrase),
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    async def on_error(request: Request, exc: Exception) -> Response:
        _LOG.exception("unexpected error answering %s %s", request.method, request.url.path)
        return problem_response(
            500, "the service failed to answer; the error is in the server's log", instance=request.url.path
        )

    app.add_exception_handler(ApiProblem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_error)
