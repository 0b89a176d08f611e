"""The JSON API under ``/v1``, and the health checks.

Every result is a model the library already has, or a thin envelope of them (:mod:`.models`);
every error is problem details (:mod:`.problems`). Bodies are read here, not by FastAPI, so that
their size is bounded before they are parsed and each batch item fails on its own.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from typing import Annotated, Any, Final, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import AwareDatetime, BeforeValidator, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from .._analysis.robustness import SensitivityReport
from .._engine.recommend import recommend
from .._errors import TpmFitError
from .._hiring.models import RoleBrief
from .._model.verification import VerificationReport
from .._model.vocab import Verdict
from .._records.log import DecisionLog
from .._records.models import (
    LABEL_KEY_PATTERN,
    MAX_LABEL_VALUE,
    MAX_LABELS,
    ChainReport,
    DecisionLogError,
    LoggedDecision,
    Replay,
    Review,
)
from .auth import allow, service_of
from .models import (
    REVIEW_REQUEST,
    BatchItem,
    BatchResult,
    DecisionPage,
    OverrideRequest,
    ProblemItem,
    Readiness,
    RecommendationResult,
    ReviewRequest,
    unprintable_class,
)
from .problems import ApiProblem, make_problem, problems, summary, validation_items
from .service import Service
from .tokens import Role, TokenInfo, may_read

__all__ = ["health", "v1"]

JSON: Final = "application/json"
JSONL: Final = "application/jsonl"
_JSONL_TYPES: Final = ("application/jsonl", "application/x-ndjson", "application/json-seq")

v1 = APIRouter(prefix="/v1")
health = APIRouter()

_ANY_ROLE = allow(Role.REQUESTER, Role.REVIEWER, Role.AUDITOR)
_REQUESTER = allow(Role.REQUESTER, Role.REVIEWER)
_READER = _ANY_ROLE  # requesters read only the decisions they asked for (may_read), the others all
_REVIEWER = allow(Role.REVIEWER)
_AUDITOR = allow(Role.AUDITOR)

_AUTH = problems(401, 403)
_ALWAYS = problems(500)


def _json(model: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # The models are already valid: dump once, without FastAPI validating them again.
    return Response(model.model_dump_json(), status_code=status, media_type=JSON, headers=headers)


# -- reading bodies ---------------------------------------------------------------------------


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, or 413 as soon as it is larger than ``limit`` bytes."""
    too_large = ApiProblem(
        413, f"the body is larger than {limit:,} bytes; send less (the limit is configurable)"
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_json(text: bytes | str, where: str = "the body") -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ApiProblem(400, f"{where} is not JSON ({reason})") from None


# -- recommending -----------------------------------------------------------------------------


def _labels(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs as labels; a key given twice keeps its last value."""
    labels: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            item = ProblemItem(
                loc=("query", "label"),
                message=f"label={pair!r}: not KEY=VALUE; valid: e.g. label=team=payments",
            )
            raise ApiProblem(422, item.message, errors=(item,))
        labels[key] = value
    return labels


def _recommend_one(
    service: Service,
    data: Any,
    *,
    who: TokenInfo | None,
    labels: dict[str, str],
    brief: bool,
    prefix: tuple[str | int, ...] = ("body",),
) -> RecommendationResult:
    """One profile to one result (recorded when the service keeps a log); ApiProblem if bad."""
    if not isinstance(data, dict):
        item = ProblemItem(
            loc=prefix, message=f"{type(data).__name__} given; valid: a JSON object, an organisation profile"
        )
        raise ApiProblem(422, item.message, errors=(item,))
    try:
        result = recommend(data, rulebook=service.rulebook)
    except ValidationError as exc:
        items = validation_items(exc, prefix=prefix)
        raise ApiProblem(422, summary(items), errors=items) from None
    decision_id = None
    if service.log is not None:
        try:
            record = service.log.record(
                result,
                rulebook=service.rulebook,
                requested_by=None if who is None else who.name,
                labels=labels,
            )
        except ValidationError as exc:
            items = validation_items(exc, prefix=("query",))
            raise ApiProblem(422, summary(items), errors=items) from None
        except DecisionLogError as exc:
            raise ApiProblem(503, f"the decision could not be recorded ({exc})") from None
        decision_id = record.decision_id
    return RecommendationResult(
        recommendation=result,
        robustness=service.robustness(result),
        decision_id=decision_id,
        brief=result.brief(rulebook=service.rulebook) if brief else None,
    )


_PROFILE_BODY: Final = {
    "requestBody": {
        "required": True,
        "description": "An organisation profile (OrgProfile); unknown fields are refused.",
        "content": {JSON: {"schema": {"$ref": "#/components/schemas/OrgProfile"}}},
    }
}
_BATCH_BODY: Final = {
    "requestBody": {
        "required": True,
        "description": "Organisation profiles: a JSON array, or JSON Lines (one profile per line).",
        "content": {
            JSON: {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/OrgProfile"}}},
            JSONL: {"schema": {"type": "string"}},
        },
    }
}
_DECISION_LINKS: Final = {
    "GetDecision": {
        "operationId": "get_decision",
        "parameters": {"decision_id": "$response.body#/decision_id"},
    },
    "ReviewDecision": {
        "operationId": "review_decision",
        "parameters": {"decision_id": "$response.body#/decision_id"},
    },
    "ReplayDecision": {
        "operationId": "replay_decision",
        "parameters": {"decision_id": "$response.body#/decision_id"},
    },
}
_LOCATION: Final = {"Location": {"description": "The stored decision.", "schema": {"type": "string"}}}
#: A label as KEY=VALUE: the key as DecisionRecord.labels wants it, a value of at most 256 characters
#: of one line of readable text (what the log accepts; protected words in keys are refused by it).
LABEL_PATTERN: Final = f"{LABEL_KEY_PATTERN[:-1]}=[^{unprintable_class('')}]{{0,{MAX_LABEL_VALUE}}}$"
_Label = Annotated[str, Field(pattern=LABEL_PATTERN)]
_Labels = Annotated[
    list[_Label],
    Query(
        max_length=MAX_LABELS,
        description="Tags for the recorded decision, each KEY=VALUE (repeatable; with a log; a key "
        "given twice keeps its last value).",
    ),
]


@v1.post(
    "/recommendations",
    operation_id="recommend",
    summary="Recommend for one organisation",
    response_model=RecommendationResult,
    responses={
        201: {
            "description": "Recommended and recorded (the service keeps a log).",
            "model": RecommendationResult,
            "headers": _LOCATION,
            "links": _DECISION_LINKS,
        },
        **problems(400, 413, 422, 503),
        **_AUTH,
        **_ALWAYS,
    },
    openapi_extra=_PROFILE_BODY,
)
async def post_recommendation(
    request: Request,
    who: Annotated[TokenInfo | None, Depends(_REQUESTER)],
    label: _Labels = [],  # noqa: B006 - FastAPI copies defaults
    brief: Annotated[bool, Query(description="Add the role brief to the result.")] = False,
) -> Response:
    """A profile in, the recommendation out: verdict, seat, trace, risks and how firm it is.

    With a log the decision is recorded (201, with its ``decision_id`` and a ``Location``).
    """
    service = service_of(request)
    labels = _labels(label)
    data = _parse_json(await _read_body(request, service.settings.max_body_bytes))
    result = await run_in_threadpool(_recommend_one, service, data, who=who, labels=labels, brief=brief)
    if result.decision_id is None:
        return _json(result)
    return _json(result, 201, {"Location": f"/v1/decisions/{result.decision_id}"})


def _batch_items(body: bytes, content_type: str, limit: int) -> list[Any]:
    """The batch's items: values of a JSON array, or one per non-blank line of JSON Lines."""
    if content_type.split(";")[0].strip().lower() in _JSONL_TYPES:
        lines = [line for line in body.splitlines() if line.strip()]
        if len(lines) > limit:
            raise ApiProblem(413, f"{len(lines):,} items given; at most {limit:,} in one batch")
        items: list[Any] = []
        for number, line in enumerate(lines, start=1):
            try:
                items.append(json.loads(line))
            except (ValueError, RecursionError):
                items.append(_Unparsed(number))
        return items
    data = _parse_json(body)
    if not isinstance(data, list):
        item = ProblemItem(
            loc=("body",), message=f"{type(data).__name__} given; valid: a JSON array of profiles"
        )
        raise ApiProblem(422, item.message, errors=(item,))
    if len(data) > limit:
        raise ApiProblem(413, f"{len(data):,} items given; at most {limit:,} in one batch")
    return data


class _Unparsed:
    def __init__(self, line: int) -> None:
        self.line = line


def _run_batch(
    service: Service, items: list[Any], who: TokenInfo | None, labels: dict[str, str]
) -> BatchResult:
    out: list[BatchItem] = []
    for index, data in enumerate(items):
        try:
            if isinstance(data, _Unparsed):
                raise ApiProblem(400, f"line {data.line} is not JSON")
            result = _recommend_one(
                service, data, who=who, labels=labels, brief=False, prefix=("body", index)
            )
            out.append(BatchItem(index=index, result=result))
        except ApiProblem as exc:
            problem = make_problem(exc.status, exc.detail, errors=exc.errors)
            out.append(BatchItem(index=index, problem=problem))
    failed = sum(1 for item in out if item.problem is not None)
    return BatchResult(items=tuple(out), succeeded=len(out) - failed, failed=failed)


@v1.post(
    "/recommendations/batch",
    operation_id="recommend_batch",
    summary="Recommend for many organisations",
    response_model=BatchResult,
    responses={**problems(400, 413, 422), **_AUTH, **_ALWAYS},
    openapi_extra=_BATCH_BODY,
)
async def post_batch(
    request: Request,
    who: Annotated[TokenInfo | None, Depends(_REQUESTER)],
    label: _Labels = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """One result or one located problem per profile, in order; a bad item never fails the others.

    With a log each good item is recorded and carries its own ``decision_id``.
    """
    service = service_of(request)
    settings = service.settings
    labels = _labels(label)
    body = await _read_body(request, settings.max_batch_bytes)
    items = _batch_items(body, request.headers.get("content-type", JSON), settings.max_batch_items)
    return _json(await run_in_threadpool(_run_batch, service, items, who, labels))


# -- decisions --------------------------------------------------------------------------------


def _log(service: Service) -> DecisionLog:
    if service.log is None:
        raise ApiProblem(404, "this service keeps no decision log (start it with --log PATH)")
    return service.log


def _decision(log: DecisionLog, decision_id: UUID, who: TokenInfo | None) -> LoggedDecision:
    """The decision, if ``who`` may read it; otherwise the same 404 as for an unknown id."""
    try:
        found = log.get(decision_id)
    except DecisionLogError:
        found = None
    if found is None or not may_read(who, found.record.requested_by):
        raise ApiProblem(404, f"decision_id={str(decision_id)!r} is not in this service's log")
    return found


def _iso_moment(value: Any) -> Any:
    # pydantic also reads numbers as Unix times ("0.5"); a query bound must be a written date-time.
    if isinstance(value, str) and not _ISO_MOMENT.match(value):
        raise ValueError("not an ISO 8601 date-time with a timezone, e.g. 2026-01-31T09:00:00Z")
    return value


_ISO_MOMENT: Final = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_Moment = Annotated[AwareDatetime, BeforeValidator(_iso_moment)]


@v1.get(
    "/decisions",
    operation_id="list_decisions",
    summary="List recorded decisions",
    response_model=DecisionPage,
    responses={**problems(404, 422), **_AUTH, **_ALWAYS},
)
def list_decisions(
    request: Request,
    who: Annotated[TokenInfo | None, Depends(_READER)],
    since: Annotated[
        _Moment | None, Query(description="Recorded at or after (ISO 8601, with a timezone).")
    ] = None,
    until: Annotated[
        _Moment | None, Query(description="Recorded before (ISO 8601, with a timezone).")
    ] = None,
    verdict: Annotated[Verdict | None, Query(description="Only this recommended verdict.")] = None,
    reviewed: Annotated[
        bool | None, Query(description="true: reviewed only; false: unreviewed only.")
    ] = None,
    label: Annotated[
        list[_Label], Query(max_length=MAX_LABELS, description="KEY=VALUE tags all must carry.")
    ] = [],  # noqa: B006
    cursor: Annotated[UUID | None, Query(description="next_cursor of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Decisions per page.")] = 50,
) -> Response:
    """Decisions oldest first, filtered by time, verdict, review state and labels; cursor pages."""
    log = _log(service_of(request))
    wanted = _labels(label)
    found: list[LoggedDecision] = []
    waiting = cursor is not None
    try:
        for record in log.records(since=since, until=until, verdict=verdict, reviewed=reviewed):
            if waiting:
                waiting = record.decision_id != cursor
                continue
            if any(record.labels.get(key) != value for key, value in wanted.items()):
                continue
            if not may_read(who, record.requested_by):
                continue
            if len(found) == limit:
                return _json(
                    DecisionPage(decisions=tuple(found), next_cursor=str(found[-1].record.decision_id))
                )
            found.append(log.get(record.decision_id))
    except DecisionLogError as exc:
        raise ApiProblem(503, f"the log cannot be read ({exc})") from None
    return _json(DecisionPage(decisions=tuple(found)))


@v1.get(
    "/decisions/{decision_id}",
    operation_id="get_decision",
    summary="One decision with its reviews",
    response_model=LoggedDecision,
    responses={
        200: {
            "description": "The decision: input, result with its trace, rulebook fingerprint, reviews.",
            "links": {
                "ReviewDecision": {
                    "operationId": "review_decision",
                    "parameters": {"decision_id": "$response.body#/record/decision_id"},
                },
                "ReplayDecision": {
                    "operationId": "replay_decision",
                    "parameters": {"decision_id": "$response.body#/record/decision_id"},
                },
            },
        },
        **problems(404, 422),
        **_AUTH,
        **_ALWAYS,
    },
)
def get_decision(
    request: Request, decision_id: UUID, who: Annotated[TokenInfo | None, Depends(_READER)]
) -> Response:
    """The decision as recorded, with every review of it, oldest first."""
    return _json(_decision(_log(service_of(request)), decision_id, who))


@v1.post(
    "/decisions/{decision_id}/reviews",
    operation_id="review_decision",
    summary="Accept or override a decision",
    status_code=201,
    response_model=Review,
    responses={
        201: {
            "description": "The review as stored; the reviewer is the token's name.",
            "headers": _LOCATION,
            "links": {
                "ReplayDecision": {
                    "operationId": "replay_decision",
                    "parameters": {"decision_id": "$response.body#/decision_id"},
                },
            },
        },
        **problems(400, 404, 409, 413, 422),
        **_AUTH,
        **_ALWAYS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                JSON: {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/AcceptRequest"},
                            {"$ref": "#/components/schemas/OverrideRequest"},
                        ],
                        "discriminator": {
                            "propertyName": "action",
                            "mapping": {
                                "accept": "#/components/schemas/AcceptRequest",
                                "override": "#/components/schemas/OverrideRequest",
                            },
                        },
                    }
                }
            },
        }
    },
)
async def post_review(
    request: Request, decision_id: UUID, who: Annotated[TokenInfo | None, Depends(_REVIEWER)]
) -> Response:
    """Accept the recommendation, or override its verdict with a reason."""
    service = service_of(request)
    log = _log(service)
    data = _parse_json(await _read_body(request, service.settings.max_body_bytes))
    try:
        asked = REVIEW_REQUEST.validate_python(data)
    except ValidationError as exc:
        items = validation_items(exc, prefix=("body",))
        raise ApiProblem(422, summary(items), errors=items) from None
    reviewer = "anonymous" if who is None else who.name
    review = await run_in_threadpool(_review, log, decision_id, reviewer, asked)
    return _json(review, 201, {"Location": f"/v1/decisions/{decision_id}"})


def _review(log: DecisionLog, decision_id: UUID, reviewer: str, asked: ReviewRequest) -> Review:
    verdict = asked.verdict if isinstance(asked, OverrideRequest) else None
    _decision(log, decision_id, None)  # reviewers read every decision
    try:
        return log.review(
            decision_id, reviewer=reviewer, action=asked.action, verdict=verdict, reason=asked.reason
        )
    except ValidationError as exc:
        items = validation_items(exc, prefix=("body",))
        raise ApiProblem(422, summary(items), errors=items) from None
    except DecisionLogError as exc:
        raise ApiProblem(409, str(exc)) from None


@v1.get(
    "/decisions/{decision_id}/replay",
    operation_id="replay_decision",
    summary="Recompute a decision",
    response_model=Replay,
    responses={**problems(404, 409, 422), **_AUTH, **_ALWAYS},
)
def get_replay(
    request: Request, decision_id: UUID, who: Annotated[TokenInfo | None, Depends(_AUDITOR)]
) -> Response:
    """The decision recomputed with its stored rulebook and this tpm_fit, with every difference."""
    log = _log(service_of(request))
    _decision(log, decision_id, who)
    try:
        return _json(log.replay(decision_id))
    except DecisionLogError as exc:
        raise ApiProblem(409, str(exc)) from None


_BRIEF_TYPES: Final = {
    "json": JSON,
    "jsonld": "application/ld+json",
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


@v1.get(
    "/decisions/{decision_id}/brief",
    operation_id="decision_brief",
    summary="The role brief of a decision",
    response_model=RoleBrief,
    responses={
        200: {
            "description": "The brief: RoleBrief (json), schema.org JobPosting (jsonld), Markdown or HTML.",
            "content": {
                "application/ld+json": {"schema": {"type": "object"}},
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        **problems(404, 409, 422),
        **_AUTH,
        **_ALWAYS,
    },
)
def get_brief(
    request: Request,
    decision_id: UUID,
    who: Annotated[TokenInfo | None, Depends(_ANY_ROLE)],
    format: Annotated[
        Literal["json", "jsonld", "markdown", "html"], Query(description="Output format.")
    ] = "json",
) -> Response:
    """The role brief for the recorded decision, in the format asked for."""
    log = _log(service_of(request))
    record = _decision(log, decision_id, who).record
    try:
        brief = record.recommendation.brief(rulebook=log.rulebook(record.rulebook_fingerprint))
    except TpmFitError as exc:
        raise ApiProblem(409, str(exc)) from None
    match format:
        case "json":
            text = brief.model_dump_json()
        case "jsonld":
            text = json.dumps(brief.to_job_posting(), ensure_ascii=False)
        case "markdown":
            text = brief.to_markdown()
        case _:
            text = brief.to_html()
    return Response(text, media_type=_BRIEF_TYPES[format])


# -- the log ----------------------------------------------------------------------------------


@v1.get(
    "/log/check",
    operation_id="check_log",
    summary="Check the hash chain",
    response_model=ChainReport,
    responses={**problems(404), **_AUTH, **_ALWAYS},
)
def get_check(request: Request, who: Annotated[TokenInfo | None, Depends(_AUDITOR)]) -> Response:
    """Every entry re-hashed and re-linked, every stored rulebook checked."""
    return _json(_log(service_of(request)).check())


@v1.get(
    "/log/export",
    operation_id="export_log",
    summary="Export the log as JSON Lines",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The export (see docs/records.md).",
            "content": {JSONL: {"schema": {"type": "string"}}},
        },
        **problems(404),
        **_AUTH,
        **_ALWAYS,
    },
)
def get_export(request: Request, who: Annotated[TokenInfo | None, Depends(_AUDITOR)]) -> StreamingResponse:
    """The whole log, streamed: a header line, the rulebooks, then every entry in chain order."""
    log = _log(service_of(request))
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8")  # noqa: SIM115
    log.export_jsonl(spool)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(64 << 10):
                yield block.encode("utf-8")

    return StreamingResponse(chunks(), media_type=JSONL)


# -- the rulebook -----------------------------------------------------------------------------


@v1.get(
    "/rulebook",
    operation_id="get_rulebook",
    summary="The rulebook in use",
    response_class=Response,
    responses={
        200: {
            "description": "The rulebook's canonical TOML.",
            "content": {"application/toml": {"schema": {"type": "string"}}},
            "headers": {
                "X-Rulebook-Fingerprint": {
                    "description": "sha256 fingerprint.",
                    "schema": {"type": "string"},
                },
            },
        },
        **_AUTH,
        **_ALWAYS,
    },
)
def get_rulebook(request: Request, who: Annotated[TokenInfo | None, Depends(_ANY_ROLE)]) -> Response:
    """The rulebook as TOML, its fingerprint in ``X-Rulebook-Fingerprint`` (and the ETag)."""
    book = service_of(request).rulebook
    fingerprint = book.fingerprint
    return Response(
        book.to_toml(),
        media_type="application/toml",
        headers={"X-Rulebook-Fingerprint": fingerprint, "ETag": f'"{fingerprint}"'},
    )


@v1.get(
    "/rulebook/verification",
    operation_id="verify_rulebook",
    summary="The rulebook's verification",
    response_model=VerificationReport,
    responses={**_AUTH, **_ALWAYS},
)
def get_verification(request: Request, who: Annotated[TokenInfo | None, Depends(_ANY_ROLE)]) -> Response:
    """The proof, made when the service started: every axiom and check over the breakpoint grid."""
    return _json(service_of(request).verification)


@v1.get(
    "/rulebook/sensitivity",
    operation_id="rulebook_sensitivity",
    summary="The rulebook's sensitivity",
    response_model=SensitivityReport,
    responses={**_AUTH, **_ALWAYS},
)
def get_sensitivity(request: Request, who: Annotated[TokenInfo | None, Depends(_ANY_ROLE)]) -> Response:
    """Per factor, how often a 10% weight change changes a verdict on the grid."""
    return _json(service_of(request).sensitivity)


# -- health -----------------------------------------------------------------------------------


@health.get("/healthz", operation_id="healthz", summary="The process answers", responses=_ALWAYS)
def healthz() -> dict[str, str]:
    """Always ``{"status": "ok"}`` while the process answers."""
    return {"status": "ok"}


@health.get(
    "/readyz",
    operation_id="readyz",
    summary="Ready to serve",
    response_model=Readiness,
    responses={503: {"description": "Not ready.", "model": Readiness}, **_ALWAYS},
)
def readyz(request: Request) -> Response:
    """Ready when the rulebook is loaded and verified and the log (if any) is writable."""
    service = service_of(request)
    log_state: Literal["writable", "not writable", "none"] = "none"
    if service.settings.log is not None:
        log_state = "writable" if service.log_writable() else "not writable"
    verified = service.verification.ok
    ready = verified and log_state != "not writable"
    body = Readiness(ready=ready, rulebook="verified" if verified else "failed", log=log_state)
    return _json(body, 200 if ready else 503)
