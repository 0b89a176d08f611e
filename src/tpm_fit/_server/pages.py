"""The HR page: server-rendered HTML that works without JavaScript.

The form's fields come from the profile's own registries (:data:`~tpm_fit._model.profile.ORDERED_INPUTS`,
:data:`~tpm_fit._model.profile.NUMERIC_BOUNDS` and ``OrgProfile.model_fields``), so a new input
appears here without a change to this module. The form is a GET (it stores nothing); every POST
(sign in, sign out, record, review) carries a CSRF token bound to a cookie, and a post from
another site is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import ValidationError
from pydantic_core import PydanticUndefined
from starlette.concurrency import run_in_threadpool

from .._engine.recommend import recommend
from .._model.profile import HEADCOUNT_BOUNDED, NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile
from .._model.result import Recommendation
from .._model.vocab import Verdict, plain_words
from .._records.models import DecisionLogError, LoggedDecision
from .auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    csrf_token,
    csrf_valid,
    new_csrf_cookie,
    service_of,
    session_principal,
    session_value,
)
from .models import RecommendationResult
from .service import Service
from .tokens import Role, TokenInfo, may_read

__all__ = ["pages"]

pages = APIRouter(include_in_schema=False)

_TEMPLATES: Final = Environment(
    loader=PackageLoader("tpm_fit._server", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_HEADERS: Final = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
_RECORDERS: Final = frozenset({Role.REQUESTER, Role.REVIEWER})


@dataclass(frozen=True, slots=True)
class _Field:
    """One input of the form, read from the profile's registries."""

    name: str
    label: str
    description: str
    kind: str  # "level" or "count"
    required: bool
    default: str
    levels: tuple[str, ...]
    low: int
    high: int
    bounded: bool
    value: str

    @property
    def assumed(self) -> bool:
        return not self.required


def _fields(values: dict[str, str]) -> list[_Field]:
    found = []
    for name, info in OrgProfile.model_fields.items():
        default = info.default
        required = default is PydanticUndefined
        shown_default = "" if required else str(getattr(default, "value", default))
        levels = tuple(level.value for level in ORDERED_INPUTS[name]) if name in ORDERED_INPUTS else ()
        low, high = NUMERIC_BOUNDS.get(name, (0, 0))
        found.append(
            _Field(
                name=name,
                label=name.replace("_", " ").capitalize(),
                description=info.description or "",
                kind="level" if levels else "count",
                required=required,
                default=shown_default,
                levels=levels,
                low=low,
                high=high,
                bounded=name in HEADCOUNT_BOUNDED,
                value=values.get(name, shown_default),
            )
        )
    return found


def _profile_data(values: dict[str, str]) -> dict[str, Any]:
    """The given fields as profile data: numbers as ints (text kept, so the grammar names it)."""
    data: dict[str, Any] = {}
    for name in OrgProfile.model_fields:
        text = values.get(name, "").strip()
        if not text:
            continue
        if name in NUMERIC_BOUNDS:
            try:
                data[name] = int(text)
            except ValueError:
                data[name] = text
        else:
            data[name] = text
    return data


def _field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        key = str(loc[0]) if loc else "company_size"
        errors.setdefault(key, str(error.get("msg")))
    return errors


def _render(
    request: Request, template: str, *, status: int = 200, title: str, who: TokenInfo | None, **context: Any
) -> Response:
    service = service_of(request)
    cookie = request.cookies.get(CSRF_COOKIE)
    fresh = cookie is None and bool(service.session_key)
    if fresh:
        cookie = new_csrf_cookie()
    csrf = csrf_token(service, cookie) if cookie and service.session_key else ""
    text = _TEMPLATES.get_template(template).render(
        title=title, who=who, has_log=service.log is not None, csrf=csrf, **context
    )
    response = HTMLResponse(text, status_code=status, headers=_HEADERS)
    if fresh and cookie:
        _set_cookie(request, response, CSRF_COOKIE, cookie, max_age=None)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _who(request: Request) -> TokenInfo | None:
    service = service_of(request)
    return session_principal(service, request.cookies.get(SESSION_COOKIE))


def _error(request: Request, status: int, title: str, message: str) -> Response:
    return _render(request, "error.html", status=status, title=title, who=_who(request), message=message)


def _refused(request: Request) -> Response:
    return _error(
        request,
        403,
        "Refused",
        "This form did not come from this page (or it expired); reload and try again.",
    )


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=64, max_part_size=16_384)
    return {key: value for key, value in form.items() if isinstance(value, str)}


# -- the form and its result ------------------------------------------------------------------


@pages.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    """The form, with every profile input."""
    values = dict(request.query_params)
    return _render(
        request, "index.html", title="Recommend", who=_who(request), fields=_fields(values), errors={}
    )


def _verdict_text(result: Recommendation) -> str:
    return {
        Verdict.TECHNICAL: "Hire a technical PM (engineering background).",
        Verdict.TRADITIONAL: "Hire a traditional PM (business background).",
        Verdict.EITHER: "Either background fits: decide on the people in front of you.",
    }[result.verdict]


@pages.get("/result", response_class=HTMLResponse)
def result_page(request: Request) -> Response:
    """The recommendation for the profile in the query: seat, verdict, explanation, risks, firmness."""
    service = service_of(request)
    who = _who(request)
    values = dict(request.query_params)
    try:
        result = recommend(_profile_data(values), rulebook=service.rulebook)
    except ValidationError as exc:
        return _render(
            request,
            "index.html",
            status=422,
            title="Recommend: check the profile",
            who=who,
            fields=_fields(values),
            errors=_field_errors(exc),
        )
    robust = service.robustness(result)
    profile = result.profile.model_dump(mode="json")
    query = urlencode(profile)
    return _render(
        request,
        "result.html",
        title=f"Recommendation: {result.verdict.value}",
        who=who,
        r=RecommendationResult(recommendation=result, robustness=robust),
        verdict_text=_verdict_text(result),
        seat_text=", ".join(face.value for face in result.seat),
        firmness=robust.to_text().splitlines()[0],
        brief_url=f"/brief?{query}",
        query=query,
        here=f"/result?{query}",
        profile_items=sorted(profile.items()),
        can_record=who is not None and who.role in _RECORDERS,
    )


def _brief_response(result: Recommendation, service: Service, form: str, rulebook: Any = None) -> Response:
    brief = result.brief(rulebook=rulebook or service.rulebook)
    if form == "jsonld":
        return Response(
            json.dumps(brief.to_job_posting(), ensure_ascii=False, indent=2),
            media_type="application/ld+json",
            headers={"Content-Disposition": 'attachment; filename="role-brief.jsonld"'},
        )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Role brief · tpm_fit</title>'
        f'</head><body><main>{brief.to_html()}<p><a href="/">Back to the form</a></p></main></body></html>'
    )
    return HTMLResponse(page, headers=_HEADERS)


@pages.get("/brief")
def brief_page(request: Request) -> Response:
    """The role brief for the profile in the query: ``format=html`` (default) or ``jsonld``."""
    service = service_of(request)
    try:
        result = recommend(_profile_data(dict(request.query_params)), rulebook=service.rulebook)
    except ValidationError as exc:
        return _error(request, 422, "Check the profile", " | ".join(_field_errors(exc).values()))
    return _brief_response(result, service, request.query_params.get("format", "html"))


# -- signing in -------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an absolute URL or a scheme-relative one ("//evil").
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/decisions"


@pages.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request) -> Response:
    """The sign-in form (a service with a log only)."""
    if service_of(request).log is None:
        return _error(
            request,
            404,
            "No decision log",
            "This service keeps no decision log, so there is nothing to sign in to.",
        )
    nxt = _safe_next(request.query_params.get("next"))
    return _render(request, "signin.html", title="Sign in", who=_who(request), next=nxt, error=None)


@pages.post("/signin")
async def signin(request: Request) -> Response:
    """Check the token; on success, a session cookie (HttpOnly, SameSite=Strict) and a redirect."""
    service = service_of(request)
    if service.tokens is None:
        return _error(request, 404, "No decision log", "This service keeps no decision log.")
    form = await _form(request)
    if not csrf_valid(service, request, form.get("csrf_token")):
        return _refused(request)
    nxt = _safe_next(form.get("next"))
    info = service.tokens.authenticate(form.get("token", "").strip())
    if info is None:
        return _render(
            request,
            "signin.html",
            status=401,
            title="Sign in",
            who=None,
            next=nxt,
            error="That token is not valid.",
        )
    response = RedirectResponse(nxt, status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, session_value(service, info), max_age=SESSION_SECONDS)
    return response


@pages.post("/signout")
async def signout(request: Request) -> Response:
    """End the session."""
    service = service_of(request)
    form = await _form(request)
    if not csrf_valid(service, request, form.get("csrf_token")):
        return _refused(request)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


# -- decisions --------------------------------------------------------------------------------


def _signed_in(request: Request) -> tuple[Service, TokenInfo | None, Response | None]:
    """The service and the signed-in token, or a page saying why not."""
    service = service_of(request)
    if service.log is None:
        return service, None, _error(request, 404, "No decision log", "This service keeps no decision log.")
    who = _who(request)
    if who is None:
        target = urlencode({"next": request.url.path})
        return service, None, RedirectResponse(f"/signin?{target}", status_code=303)
    return service, who, None


@pages.post("/decisions")
async def record_page(request: Request) -> Response:
    """Record the decision for the posted profile (requesters and reviewers)."""
    service, who, refusal = _signed_in(request)
    if refusal is not None:
        return refusal
    assert who is not None
    assert service.log is not None
    form = await _form(request)
    if not csrf_valid(service, request, form.get("csrf_token")):
        return _refused(request)
    if who.role not in _RECORDERS:
        return _error(request, 403, "Refused", "Your role may not record decisions.")
    try:
        result = recommend(_profile_data(form), rulebook=service.rulebook)
    except ValidationError as exc:
        return _error(request, 422, "Check the profile", " | ".join(_field_errors(exc).values()))
    log = service.log
    record = await run_in_threadpool(log.record, result, rulebook=service.rulebook, requested_by=who.name)
    return RedirectResponse(f"/decisions/{record.decision_id}", status_code=303)


@pages.get("/decisions", response_class=HTMLResponse)
def decisions_page(request: Request) -> Response:
    """Recorded decisions with their review state (any signed-in role)."""
    service, who, refusal = _signed_in(request)
    if refusal is not None:
        return refusal
    assert service.log is not None
    reviewed = {"true": True, "false": False}.get(request.query_params.get("reviewed", ""))
    cursor = request.query_params.get("cursor")
    found: list[LoggedDecision] = []
    next_cursor = None
    waiting = bool(cursor)
    for record in service.log.records(reviewed=reviewed):
        if waiting:
            waiting = str(record.decision_id) != cursor
            continue
        if not may_read(who, record.requested_by):
            continue
        if len(found) == 50:
            next_cursor = str(found[-1].record.decision_id)
            break
        found.append(service.log.get(record.decision_id))
    return _render(
        request,
        "decisions.html",
        title="Decisions",
        who=who,
        decisions=found,
        reviewed=reviewed,
        next_cursor=next_cursor,
    )


def _decision_or_page(
    request: Request, service: Service, decision_id: str, who: TokenInfo | None
) -> LoggedDecision | Response:
    """The decision if ``who`` may read it; otherwise the same page as for an unknown id."""
    assert service.log is not None
    try:
        found = service.log.get(UUID(decision_id))
    except (ValueError, DecisionLogError):
        found = None
    if found is None or not may_read(who, found.record.requested_by):
        return _error(request, 404, "Not found", f"There is no decision {decision_id[:64]!r} in this log.")
    return found


def _decision_view(
    request: Request,
    service: Service,
    who: TokenInfo,
    found: LoggedDecision,
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    recommended = found.record.verdict
    return _render(
        request,
        "decision.html",
        status=status,
        title=f"Decision {found.record.decision_id}",
        who=who,
        d=found,
        profile_items=[  # levels in plain words ("very high"); the JSON keeps "very_high"
            (name, plain_words(value)) for name, value in found.record.recommendation.profile.__dict__.items()
        ],
        can_review=who.role is Role.REVIEWER,
        other_verdicts=[v.value for v in Verdict if v is not recommended],
        error=error,
    )


@pages.get("/decisions/{decision_id}", response_class=HTMLResponse)
def decision_page(request: Request, decision_id: str) -> Response:
    """One decision, its reviews, and (for reviewers) the review form."""
    service, who, refusal = _signed_in(request)
    if refusal is not None:
        return refusal
    assert who is not None
    found = _decision_or_page(request, service, decision_id, who)
    if isinstance(found, Response):
        return found
    return _decision_view(request, service, who, found)


@pages.get("/decisions/{decision_id}/brief")
def decision_brief_page(request: Request, decision_id: str) -> Response:
    """The brief of a recorded decision: ``format=html`` (default) or ``jsonld``."""
    service, who, refusal = _signed_in(request)
    if refusal is not None:
        return refusal
    found = _decision_or_page(request, service, decision_id, who)
    if isinstance(found, Response):
        return found
    assert service.log is not None
    book = service.log.rulebook(found.record.rulebook_fingerprint)
    return _brief_response(
        found.record.recommendation, service, request.query_params.get("format", "html"), book
    )


@pages.post("/decisions/{decision_id}/reviews")
async def review_page(request: Request, decision_id: str) -> Response:
    """Accept or override (reviewers only); the reviewer is the signed-in token's name."""
    service, who, refusal = _signed_in(request)
    if refusal is not None:
        return refusal
    assert who is not None
    assert service.log is not None
    form = await _form(request)
    if not csrf_valid(service, request, form.get("csrf_token")):
        return _refused(request)
    if who.role is not Role.REVIEWER:
        return _error(request, 403, "Refused", "Only a reviewer may review decisions.")
    found = _decision_or_page(request, service, decision_id, who)
    if isinstance(found, Response):
        return found
    action = form.get("action", "")
    try:
        service.log.review(
            found.record.decision_id,
            reviewer=who.name,
            action=action,
            verdict=(form.get("verdict") or None) if action == "override" else None,
            reason=form.get("reason") or None,
        )
    except (ValidationError, DecisionLogError) as exc:
        message = " | ".join(_field_errors(exc).values()) if isinstance(exc, ValidationError) else str(exc)
        return _decision_view(request, service, who, found, status=422, error=message)
    return RedirectResponse(f"/decisions/{found.record.decision_id}", status_code=303)
