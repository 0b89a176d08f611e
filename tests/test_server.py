"""The decision service through the ASGI test client: every endpoint, role and error shape.

Skipped cleanly when the ``server`` extra is not installed. The security claims of issue 19 are
named tests here: a reviewer cannot review as another name, a requester cannot review, a revoked
token is refused, a cross-site form post is refused, oversized bodies get 413, hostile profiles
get 422 problem details, and no response leaks a stack trace.
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("jinja2")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # starlette suggests another client package; this one is fine
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import tpm_fit
from tpm_fit._server.app import create_app
from tpm_fit._server.settings import ServerSettings
from tpm_fit._server.tokens import TokenStore

PROFILE = {"company_size": 40, "product_complexity": "high", "strategy_coverage": 2}
SEEN: set[tuple[str, str, int]] = set()  # (method, path, status) of every response, for the OpenAPI check


def _client(app: Any) -> TestClient:
    def remember(response: Any) -> None:
        SEEN.add((response.request.method, response.request.url.path, response.status_code))

    client = TestClient(app, raise_server_exceptions=False)
    client.event_hooks["response"].append(remember)
    return client


@pytest.fixture(scope="module")
def log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server") / "decisions.db"


@pytest.fixture(scope="module")
def tokens(log_path: Path) -> dict[str, str]:
    store = TokenStore(log_path)
    made = {role: store.add(name=f"{role}-1", role=role) for role in ("requester", "reviewer", "auditor")}
    made["reviewer2"] = store.add(name="reviewer-2", role="reviewer")
    made["revoked"] = store.add(name="gone-1", role="reviewer")
    store.revoke(name="gone-1")
    return made


@pytest.fixture(scope="module")
def app(log_path: Path, tokens: dict[str, str]) -> Any:
    return create_app(
        ServerSettings(log=str(log_path), max_body_bytes=4096, max_batch_items=50, max_batch_bytes=65536)
    )


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[TestClient]:
    with _client(app) as made:
        yield made


@pytest.fixture(scope="module")
def open_client() -> Iterator[TestClient]:
    with _client(create_app()) as made:
        yield made


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def is_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is RFC 9457 problem details with this status, and leaks no code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance", "errors"} <= set(body)
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    return dict(body)


@pytest.fixture(scope="module")
def decision(client: TestClient, tokens: dict[str, str]) -> str:
    response = client.post(
        "/v1/recommendations",
        json=PROFILE,
        headers=auth(tokens["requester"]),
        params={"label": "team=payments"},
    )
    assert response.status_code == 201
    return str(response.json()["decision_id"])


# -- health -----------------------------------------------------------------------------------


def test_health_and_readiness(client: TestClient, open_client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"ready": True, "rulebook": "verified", "log": "writable"}
    assert open_client.get("/readyz").json() == {"ready": True, "rulebook": "verified", "log": "none"}


def test_readiness_fails_when_the_log_cannot_be_written(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    with _client(create_app(ServerSettings(log=str(path)))) as locked:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            response = locked.get("/readyz")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert response.status_code == 503
    assert response.json() == {"ready": False, "rulebook": "verified", "log": "not writable"}


# -- recommending -----------------------------------------------------------------------------


def test_recommend_without_a_log_is_open_and_stores_nothing(open_client: TestClient) -> None:
    response = open_client.post("/v1/recommendations", json=PROFILE)
    assert response.status_code == 200
    assert "location" not in response.headers
    body = response.json()
    expected = tpm_fit.recommend(**PROFILE)
    assert tpm_fit.Recommendation.model_validate(body["recommendation"]) == expected
    assert body["decision_id"] is None
    assert body["brief"] is None
    assert tpm_fit.Robustness.model_validate(body["robustness"]).verdict == expected.verdict
    brief = open_client.post("/v1/recommendations", json=PROFILE, params={"brief": "1"}).json()["brief"]
    assert tpm_fit.RoleBrief.model_validate(brief) == expected.brief()


def test_recommend_with_a_log_records_it_for_the_token(
    client: TestClient, tokens: dict[str, str], decision: str
) -> None:
    response = client.post("/v1/recommendations", json=PROFILE, headers=auth(tokens["requester"]))
    assert response.status_code == 201
    decision_id = response.json()["decision_id"]
    assert response.headers["location"] == f"/v1/decisions/{decision_id}"
    stored = client.get(response.headers["location"], headers=auth(tokens["auditor"])).json()
    record = tpm_fit.LoggedDecision.model_validate(stored).record
    assert record.requested_by == "requester-1"
    assert record.recommendation == tpm_fit.recommend(**PROFILE)


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (
            {**PROFILE, "age": 41},
            "age=41: not a profile field (fields describe the organisation, never a person)",
        ),
        ({**PROFILE, "product_complexity": "hgh"}, "did you mean 'high'?"),
        ({**PROFILE, "company_size": "40"}, "company_size='40': not an integer"),
        ({**PROFILE, "company_size": True}, "company_size=True: a bool, not an integer"),
        ({**PROFILE, "strategy_coverage": 41}, "strategy_coverage=41: more people than the company has"),
        ([PROFILE], "list given; valid: a JSON object, an organisation profile"),
    ],
)
def test_hostile_profiles_get_422_problem_details(
    client: TestClient, tokens: dict[str, str], profile: Any, message: str
) -> None:
    body = is_problem(
        client.post("/v1/recommendations", json=profile, headers=auth(tokens["requester"])), 422
    )
    assert message in body["detail"]
    assert any(message in item["message"] for item in body["errors"])
    assert body["errors"][0]["loc"][0] == "body"


def test_a_body_that_is_not_json_is_a_located_400(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {**auth(tokens["requester"]), "content-type": "application/json"}
    body = is_problem(client.post("/v1/recommendations", content=b"{not json", headers=headers), 400)
    assert body["detail"].startswith("the body is not JSON (")
    deep = b"[" * 1900 + b"]" * 1900
    assert is_problem(client.post("/v1/recommendations", content=deep, headers=headers), 400)["detail"] == (
        "the body is not JSON (nested too deeply)"
    )


def test_oversized_bodies_get_413(client: TestClient, tokens: dict[str, str]) -> None:
    big = {**PROFILE, "padding": "x" * 5000}
    body = is_problem(client.post("/v1/recommendations", json=big, headers=auth(tokens["requester"])), 413)
    assert body["detail"] == "the body is larger than 4,096 bytes; send less (the limit is configurable)"
    many = [PROFILE] * 51
    body = is_problem(
        client.post("/v1/recommendations/batch", json=many, headers=auth(tokens["requester"])), 413
    )
    assert body["detail"] == "51 items given; at most 50 in one batch"
    huge = [{**PROFILE, "padding": "x" * 2000}] * 40
    is_problem(client.post("/v1/recommendations/batch", json=huge, headers=auth(tokens["requester"])), 413)


def test_a_streamed_body_without_length_is_cut_at_the_limit(
    client: TestClient, tokens: dict[str, str]
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"company_size": 40, "pad": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    headers = {**auth(tokens["requester"]), "content-type": "application/json"}
    is_problem(client.post("/v1/recommendations", content=chunks(), headers=headers), 413)


# -- batches ----------------------------------------------------------------------------------


def test_batch_keeps_order_with_one_result_or_located_problem_per_item(
    client: TestClient, tokens: dict[str, str]
) -> None:
    items = [
        PROFILE,
        {"company_size": 0, "product_complexity": "high"},
        "text",
        {**PROFILE, "company_size": 500},
    ]
    response = client.post("/v1/recommendations/batch", json=items, headers=auth(tokens["requester"]))
    assert response.status_code == 200
    body = response.json()
    assert [item["index"] for item in body["items"]] == [0, 1, 2, 3]
    assert (body["succeeded"], body["failed"]) == (2, 2)
    first, bad, text, last = body["items"]
    assert first["problem"] is None
    assert last["problem"] is None
    assert first["result"]["decision_id"] != last["result"]["decision_id"]
    assert last["result"]["recommendation"]["profile"]["company_size"] == 500
    assert bad["result"] is None
    assert bad["problem"]["status"] == 422
    assert bad["problem"]["errors"][0] == {
        "loc": ["body", 1, "company_size"],
        "message": "company_size=0: too small; valid: a whole number from 1 to 10,000,000",
    }
    assert text["problem"]["errors"][0]["loc"] == ["body", 2]
    for item in (first, last):  # each good item is a decision of its own in the log
        found = client.get(f"/v1/decisions/{item['result']['decision_id']}", headers=auth(tokens["auditor"]))
        assert found.status_code == 200


def test_batch_as_json_lines(client: TestClient, tokens: dict[str, str]) -> None:
    text = json.dumps(PROFILE) + "\n{broken\n\n" + json.dumps({**PROFILE, "age": 3}) + "\n"
    headers = {**auth(tokens["requester"]), "content-type": "application/jsonl"}
    body = client.post("/v1/recommendations/batch", content=text.encode(), headers=headers).json()
    assert [item["index"] for item in body["items"]] == [0, 1, 2]
    assert body["items"][0]["result"]["decision_id"]
    assert body["items"][1]["problem"]["detail"] == "line 2 is not JSON"
    assert "age=3: not a profile field" in body["items"][2]["problem"]["detail"]


def test_batch_must_be_an_array(client: TestClient, tokens: dict[str, str]) -> None:
    body = is_problem(
        client.post("/v1/recommendations/batch", json=PROFILE, headers=auth(tokens["requester"])), 422
    )
    assert body["detail"] == "dict given; valid: a JSON array of profiles"


# -- who may do what --------------------------------------------------------------------------

ROUTES = [  # (method, path template, body, roles allowed)
    ("POST", "/v1/recommendations", PROFILE, {"requester", "reviewer"}),
    ("POST", "/v1/recommendations/batch", [PROFILE], {"requester", "reviewer"}),
    ("GET", "/v1/decisions", None, {"requester", "reviewer", "auditor"}),
    ("GET", "/v1/decisions/{id}", None, {"requester", "reviewer", "auditor"}),
    ("POST", "/v1/decisions/{id}/reviews", {"action": "accept"}, {"reviewer"}),
    ("GET", "/v1/decisions/{id}/replay", None, {"auditor"}),
    ("GET", "/v1/decisions/{id}/brief", None, {"requester", "reviewer", "auditor"}),
    ("GET", "/v1/log/check", None, {"auditor"}),
    ("GET", "/v1/log/export", None, {"auditor"}),
    ("GET", "/v1/rulebook", None, {"requester", "reviewer", "auditor"}),
    ("GET", "/v1/rulebook/verification", None, {"requester", "reviewer", "auditor"}),
    ("GET", "/v1/rulebook/sensitivity", None, {"requester", "reviewer", "auditor"}),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES)
def test_every_endpoint_checks_its_role(
    client: TestClient,
    tokens: dict[str, str],
    decision: str,
    method: str,
    path: str,
    body: Any,
    allowed: set[str],
) -> None:
    url = path.replace("{id}", decision)
    missing = is_problem(client.request(method, url, json=body), 401)
    assert missing["detail"] == "this needs an API token: send Authorization: Bearer <token>"
    assert client.request(method, url, json=body).headers["www-authenticate"] == "Bearer"
    for role in ("requester", "reviewer", "auditor"):
        response = client.request(method, url, json=body, headers=auth(tokens[role]))
        if role in allowed:
            assert response.status_code in (200, 201), (role, response.text)
        else:
            assert is_problem(response, 403)["detail"] == "this token's role may not do this"


def test_a_revoked_token_is_refused_like_an_unknown_one(
    client: TestClient, tokens: dict[str, str], decision: str
) -> None:
    url = f"/v1/decisions/{decision}/reviews"
    revoked = is_problem(client.post(url, json={"action": "accept"}, headers=auth(tokens["revoked"])), 401)
    forged = tokens["reviewer"][:-4] + "AAAA"
    unknown = is_problem(client.post(url, json={"action": "accept"}, headers=auth(forged)), 401)
    garbage = is_problem(client.post(url, json={"action": "accept"}, headers=auth("tpmfit_nonsense")), 401)
    assert revoked["detail"] == unknown["detail"] == garbage["detail"] == "the token is not valid"


def test_a_requester_cannot_review(client: TestClient, tokens: dict[str, str], decision: str) -> None:
    url = f"/v1/decisions/{decision}/reviews"
    is_problem(client.post(url, json={"action": "accept"}, headers=auth(tokens["requester"])), 403)


def test_a_requester_reads_only_the_decisions_it_asked_for(
    client: TestClient, tokens: dict[str, str], decision: str, log_path: Path
) -> None:
    """Another requester's decision answers exactly like an unknown id: nothing about it leaks."""
    store = TokenStore(log_path)
    other = store.add(name="requester-other", role="requester")
    for path in (f"/v1/decisions/{decision}", f"/v1/decisions/{decision}/brief"):
        assert client.get(path, headers=auth(tokens["requester"])).status_code == 200
        hidden = is_problem(client.get(path, headers=auth(other)), 404)
        assert hidden["detail"] == f"decision_id={decision!r} is not in this service's log"
        for role in ("reviewer", "auditor"):
            assert client.get(path, headers=auth(tokens[role])).status_code == 200
    listed = client.get("/v1/decisions", headers=auth(other)).json()
    assert decision not in {item["record"]["decision_id"] for item in listed["decisions"]}
    own = client.get("/v1/decisions", headers=auth(tokens["requester"])).json()
    assert decision in {item["record"]["decision_id"] for item in own["decisions"]}
    assert {item["record"]["requested_by"] for item in own["decisions"]} == {"requester-1"}
    store.revoke(name="requester-other")


def test_a_reviewer_cannot_review_as_another_name(
    client: TestClient, tokens: dict[str, str], decision: str
) -> None:
    url = f"/v1/decisions/{decision}/reviews"
    claim = {"action": "accept", "reviewer": "reviewer-2"}
    body = is_problem(client.post(url, json=claim, headers=auth(tokens["reviewer"])), 422)
    assert body["errors"][0]["loc"][-1] == "reviewer"
    assert "reviewer='reviewer-2'" in body["detail"]
    review = client.post(url, json={"action": "accept"}, headers=auth(tokens["reviewer2"]))
    assert review.status_code == 201
    assert review.json()["reviewer"] == "reviewer-2"
    assert review.headers["location"] == f"/v1/decisions/{decision}"


# -- decisions --------------------------------------------------------------------------------


def test_review_errors(client: TestClient, tokens: dict[str, str], decision: str) -> None:
    url = f"/v1/decisions/{decision}/reviews"
    headers = auth(tokens["reviewer"])
    no_reason = is_problem(
        client.post(url, json={"action": "override", "verdict": "either"}, headers=headers), 422
    )
    assert no_reason["detail"] == "override.reason: Field required"
    assert no_reason["errors"][0]["loc"] == ["body", "override", "reason"]
    blank = {"action": "override", "verdict": "either", "reason": "  "}
    assert (
        "override.reason='  ': blank; valid: a reason in words"
        in is_problem(client.post(url, json=blank, headers=headers), 422)["detail"]
    )
    typo = is_problem(client.post(url, json={"action": "overide"}, headers=headers), 422)
    assert typo["detail"].endswith("(did you mean 'override'?)")
    same = is_problem(
        client.post(url, json={"action": "override", "verdict": "technical", "reason": "x"}, headers=headers),
        409,
    )
    assert same["detail"].startswith("verdict='technical' is what decision")
    unknown = "00000000-0000-4000-8000-000000000000"
    is_problem(
        client.post(f"/v1/decisions/{unknown}/reviews", json={"action": "accept"}, headers=headers), 404
    )
    bad_id = is_problem(
        client.post("/v1/decisions/nope/reviews", json={"action": "accept"}, headers=headers), 422
    )
    assert bad_id["errors"][0]["loc"] == ["path", "decision_id"]
    done = client.post(
        url, json={"action": "override", "verdict": "either", "reason": "budget"}, headers=headers
    )
    assert done.status_code == 201
    stored = tpm_fit.LoggedDecision.model_validate(
        client.get(f"/v1/decisions/{decision}", headers=headers).json()
    )
    assert stored.reviews[-1].reviewer == "reviewer-1"
    assert stored.effective_verdict.value == "either"


def test_list_decisions_filters_and_pages(client: TestClient, tokens: dict[str, str], decision: str) -> None:
    headers = auth(tokens["auditor"])
    everything = client.get("/v1/decisions", params={"limit": 500}, headers=headers).json()
    ids = [item["record"]["decision_id"] for item in everything["decisions"]]
    assert decision in ids
    assert everything["next_cursor"] is None
    first = client.get("/v1/decisions", params={"limit": 2}, headers=headers).json()
    second = client.get(
        "/v1/decisions", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    assert [d["record"]["decision_id"] for d in first["decisions"] + second["decisions"]] == ids[:4]
    labelled = client.get("/v1/decisions", params={"label": "team=payments"}, headers=headers).json()
    assert [d["record"]["decision_id"] for d in labelled["decisions"]] == [decision]
    reviewed = client.get("/v1/decisions", params={"reviewed": "true", "limit": 500}, headers=headers).json()
    assert all(item["reviews"] for item in reviewed["decisions"])
    unreviewed = client.get(
        "/v1/decisions", params={"reviewed": "false", "limit": 500}, headers=headers
    ).json()
    assert not any(item["reviews"] for item in unreviewed["decisions"])
    assert (
        client.get("/v1/decisions", params={"verdict": "traditional"}, headers=headers).json()["decisions"]
        == []
    )
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert client.get("/v1/decisions", params={"since": later}, headers=headers).json()["decisions"] == []
    assert len(
        client.get("/v1/decisions", params={"until": later, "limit": 500}, headers=headers).json()[
            "decisions"
        ]
    ) == len(ids)
    naive = is_problem(
        client.get("/v1/decisions", params={"since": "2026-01-01T00:00:00"}, headers=headers), 422
    )
    assert naive["errors"][0]["loc"] == ["query", "since"]
    is_problem(client.get("/v1/decisions", params={"limit": 0}, headers=headers), 422)
    misspelt = is_problem(client.get("/v1/decisions", params={"verdict": "tecnical"}, headers=headers), 422)
    assert misspelt["detail"].startswith("verdict='tecnical': Input should be")
    assert misspelt["detail"].endswith(" (did you mean 'technical'?)")


def test_replay_brief_check_export(client: TestClient, tokens: dict[str, str], decision: str) -> None:
    headers = auth(tokens["auditor"])
    replay = tpm_fit.Replay.model_validate(
        client.get(f"/v1/decisions/{decision}/replay", headers=headers).json()
    )
    assert replay.same
    assert str(replay.decision_id) == decision
    expected = tpm_fit.recommend(**PROFILE).brief()
    url = f"/v1/decisions/{decision}/brief"
    assert tpm_fit.RoleBrief.model_validate(client.get(url, headers=headers).json()) == expected
    jsonld = client.get(url, params={"format": "jsonld"}, headers=headers)
    assert jsonld.headers["content-type"] == "application/ld+json"
    assert jsonld.json() == json.loads(json.dumps(expected.to_job_posting()))
    markdown = client.get(url, params={"format": "markdown"}, headers=headers)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text == expected.to_markdown()
    html = client.get(url, params={"format": "html"}, headers=headers)
    assert html.headers["content-type"].startswith("text/html")
    assert html.text == expected.to_html()
    is_problem(client.get(url, params={"format": "pdf"}, headers=headers), 422)
    report = tpm_fit.ChainReport.model_validate(client.get("/v1/log/check", headers=headers).json())
    assert report.ok
    assert report.records >= 1
    export = client.get("/v1/log/export", headers=headers)
    assert export.headers["content-type"].startswith("application/jsonl")
    lines = export.text.splitlines()
    assert json.loads(lines[0])["kind"] == "header"
    assert len(lines) == 1 + report.rulebooks + report.entries


def test_rulebook_endpoints(client: TestClient, tokens: dict[str, str]) -> None:
    headers = auth(tokens["requester"])
    book = tpm_fit.Rulebook.default()
    response = client.get("/v1/rulebook", headers=headers)
    assert response.headers["x-rulebook-fingerprint"] == book.fingerprint
    assert response.headers["etag"] == f'"{book.fingerprint}"'
    assert tpm_fit.Rulebook.from_toml(response.text) == book
    verification = tpm_fit.VerificationReport.model_validate(
        client.get("/v1/rulebook/verification", headers=headers).json()
    )
    assert verification.ok
    assert verification.rulebook_fingerprint == book.fingerprint
    sensitivity = tpm_fit.SensitivityReport.model_validate(
        client.get("/v1/rulebook/sensitivity", headers=headers).json()
    )
    assert sensitivity.model_copy(update={"seconds": 0.0}) == book.sensitivity().model_copy(
        update={"seconds": 0.0}
    )


def test_log_endpoints_without_a_log_are_404(open_client: TestClient) -> None:
    body = is_problem(open_client.get("/v1/log/check"), 404)
    assert body["detail"] == "this service keeps no decision log (start it with --log PATH)"
    assert open_client.get("/v1/rulebook/verification").status_code == 200


def test_unknown_paths_and_methods_are_problems(open_client: TestClient) -> None:
    is_problem(open_client.get("/v1/nothing"), 404)
    is_problem(open_client.delete("/v1/recommendations"), 405)


def test_no_response_leaks_a_stack_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app()

    def explode(result: Any) -> Any:
        raise RuntimeError("secret internals at /srv/app.py line 12")

    monkeypatch.setattr(app.state.service, "robustness", explode)
    with _client(app) as broken:
        response = broken.post("/v1/recommendations", json=PROFILE)
    body = is_problem(response, 500)
    assert body["detail"] == "the service failed to answer; the error is in the server's log"
    assert "RuntimeError" not in response.text
    assert "secret" not in response.text


# -- tokens -----------------------------------------------------------------------------------


def test_tokens_are_stored_only_as_hashes_outside_the_chain(
    log_path: Path, tokens: dict[str, str], client: TestClient
) -> None:
    data = log_path.read_bytes() + (
        Path(f"{log_path}-wal").read_bytes() if Path(f"{log_path}-wal").exists() else b""
    )
    for token in tokens.values():
        secret = token[len("tpmfit_") + 17 :]  # after the prefix and the 16-digit id
        assert len(secret) == 43
        assert secret.encode() not in data
    with tpm_fit.DecisionLog(log_path) as log:
        assert log.check().ok
        assert "server_tokens" not in json.dumps(list(_export(log)))


def _export(log: tpm_fit.DecisionLog) -> list[str]:
    import io

    stream = io.StringIO()
    log.export_jsonl(stream)
    return stream.getvalue().splitlines()


def test_token_store_refuses_bad_names_and_roles(tmp_path: Path) -> None:
    from tpm_fit._server.tokens import TokenError

    store = TokenStore(tmp_path / "t.db")
    with pytest.raises(TokenError, match=r"name='Jane Doe': not an opaque id"):
        store.add(name="Jane Doe", role="reviewer")
    with pytest.raises(TokenError, match=r"role='boss': not a role; valid: requester, reviewer, auditor"):
        store.add(name="x-1", role="boss")
    store.add(name="x-1", role="auditor")
    with pytest.raises(TokenError, match="an active token already has this name"):
        store.add(name="x-1", role="auditor")
    assert [(t.name, t.role.value, t.active) for t in store.list()] == [("x-1", "auditor", True)]


# -- the HR page ------------------------------------------------------------------------------


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_form_has_every_profile_input_labelled_with_bounds_and_assumed_defaults(
    open_client: TestClient,
) -> None:
    from tpm_fit._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS

    page = open_client.get("/").text
    for name, info in tpm_fit.OrgProfile.model_fields.items():
        assert f'<label for="{name}">' in page
        if name in ORDERED_INPUTS:
            select = re.search(rf'<select id="{name}".*?</select>', page, re.S)
            assert select is not None
            assert re.findall(r'option value="([a-z_]+)"', select.group(0)) == [
                lv.value for lv in ORDERED_INPUTS[name]
            ]
        else:
            low, high = NUMERIC_BOUNDS[name]
            assert re.search(
                rf'id="{name}" name="{name}" type="number"[^>]*min="{low}" max="{high}"', page, re.S
            )
        if not info.is_required():
            default = getattr(info.default, "value", info.default)
            assert f"Default {default}: assumed unless you change it." in page
    assert "<script" not in page


def test_the_result_page_shows_seat_verdict_explanation_risks_firmness_and_brief_links(
    open_client: TestClient,
) -> None:
    page = open_client.get("/result", params=PROFILE).text
    result = tpm_fit.recommend(**PROFILE)
    assert "Hire a technical PM (engineering background)." in page
    assert "A generalist seat owning: marketing, technical." in page
    assert result.need_reason.replace("'", "&#39;") in page
    assert "firm: 100.0% of plausible weightings agree." in page
    for step in result.trace:
        assert step.title.replace("'", "&#39;") in page
    for risk in result.risks:
        assert risk.title in page
    assert 'format=html">Role brief (HTML)' in page
    assert 'download="role-brief.jsonld"' in page
    brief = open_client.get("/brief", params={**PROFILE, "format": "jsonld"})
    assert brief.json() == json.loads(json.dumps(result.brief().to_job_posting()))
    assert "attachment" in brief.headers["content-disposition"]
    assert "Record this decision" not in page  # no log, nothing to record


def test_a_bad_form_is_shown_again_with_the_located_messages(open_client: TestClient) -> None:
    response = open_client.get("/result", params={"company_size": "0", "product_complexity": "hgh"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "company_size=0: too small; valid: a whole number from 1 to 10,000,000" in response.text
    assert "(did you mean &#39;high&#39;?)" in response.text


def _sign_in(client: TestClient, token: str, nxt: str = "/decisions") -> Any:
    csrf = _csrf(client.get("/signin").text)
    return client.post(
        "/signin", data={"csrf_token": csrf, "token": token, "next": nxt}, follow_redirects=False
    )


def test_page_sign_in_record_and_review(app: Any, tokens: dict[str, str]) -> None:
    with _client(app) as browser:
        assert (
            browser.get("/decisions", follow_redirects=False).headers["location"]
            == "/signin?next=%2Fdecisions"
        )
        signed = _sign_in(browser, tokens["requester"], "//evil.example/")
        assert signed.status_code == 303
        assert signed.headers["location"] == "/decisions"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "tpm_fit_session=" in cookie
        page = browser.get("/result", params=PROFILE).text
        recorded = browser.post(
            "/decisions",
            data={"csrf_token": _csrf(page), **{k: str(v) for k, v in PROFILE.items()}},
            follow_redirects=False,
        )
        assert recorded.status_code == 303
        where = recorded.headers["location"]
        view = browser.get(where).text
        assert "Not reviewed yet." in view
        assert "Save review" not in view
        refused = browser.post(f"{where}/reviews", data={"csrf_token": _csrf(view), "action": "accept"})
        assert refused.status_code == 403
        browser.post("/signout", data={"csrf_token": _csrf(view)})
        _sign_in(browser, tokens["reviewer"])
        view = browser.get(where).text
        form = {
            "csrf_token": _csrf(view),
            "action": "override",
            "verdict": "either",
            "reason": "budget for one hire",
        }
        done = browser.post(f"{where}/reviews", data=form)
        assert done.status_code == 200
        assert "<strong>override</strong> to either by reviewer-1" in done.text
        assert "budget for one hire" in done.text
        listing = browser.get("/decisions").text
        assert "override by reviewer-1" in listing


def test_a_cross_site_form_post_is_refused(app: Any, tokens: dict[str, str], decision: str) -> None:
    with _client(app) as browser:
        _sign_in(browser, tokens["reviewer"])
        view = browser.get(f"/decisions/{decision}").text
        form = {"csrf_token": _csrf(view), "action": "accept"}
        url = f"/decisions/{decision}/reviews"
        assert browser.post(url, data=form, headers={"Origin": "https://evil.example"}).status_code == 403
        assert browser.post(url, data=form, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
        assert browser.post(url, data={"action": "accept"}).status_code == 403  # no CSRF token
        assert browser.post(url, data={**form, "csrf_token": "0" * 64}).status_code == 403
        own = browser.post(url, data=form, follow_redirects=False)
        assert own.status_code == 303, own.text  # its own post works


def test_a_revoked_tokens_session_ends(log_path: Path, app: Any) -> None:
    store = TokenStore(log_path)
    token = store.add(name="brief-visitor", role="auditor")
    with _client(app) as browser:
        _sign_in(browser, token)
        assert browser.get("/decisions").status_code == 200
        store.revoke(name="brief-visitor")
        assert browser.get("/decisions", follow_redirects=False).status_code == 303
    with _client(app) as browser:
        assert _sign_in(browser, token).status_code == 401


# -- the OpenAPI document ---------------------------------------------------------------------


def test_every_status_code_seen_is_in_the_openapi_document(
    client: TestClient, tokens: dict[str, str], decision: str
) -> None:
    # Its own traffic (every route with each role and none), and whatever the other tests sent.
    for method, path, body, _ in ROUTES:
        url = path.replace("{id}", decision)
        for headers in ({}, *(auth(tokens[role]) for role in ("requester", "reviewer", "auditor"))):
            client.request(method, url, json=body, headers=headers)
    for url in ("/v1/decisions/nope", f"/v1/decisions/{decision[:-1]}0/replay", "/healthz", "/readyz"):
        client.get(url, headers=auth(tokens["auditor"]))
    document = client.get("/openapi.json").json()
    templates = {
        path: re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$") for path in document["paths"]
    }
    checked = 0
    for method, path, status in sorted(SEEN):
        matches = [
            p for p, rx in templates.items() if rx.match(path) and method.lower() in document["paths"][p]
        ]
        if not matches:
            continue  # the HTML page, or an unknown path
        operation = document["paths"][matches[-1]][method.lower()]
        assert str(status) in operation["responses"], (method, path, status)
        checked += 1
    assert checked >= 30
    for item in document["paths"].values():
        for operation in item.values():
            assert "500" in operation["responses"]
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")) and code != "503":
                    assert "application/problem+json" in response["content"], code


def test_the_openapi_document_in_the_docs_is_the_one_served(client: TestClient) -> None:
    served = create_app().openapi()
    shipped = json.loads((Path(__file__).parents[1] / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert shipped == served, "regenerate docs/openapi.json with the command in docs/openapi.md"
    page = (Path(__file__).parents[1] / "docs" / "openapi.md").read_text(encoding="utf-8")
    service = (Path(__file__).parents[1] / "docs" / "service.md").read_text(encoding="utf-8")
    for path, item in served["paths"].items():
        for method, operation in item.items():
            assert f"`{operation['operationId']}` | `{method.upper()} {path}`" in page
            example = re.sub(r"\{[^}]+\}", "$ID", path)
            assert f"curl -s{' -X POST' if method == 'post' else ''}" in service
            assert f"8000{example}" in service, path


def test_page_briefs_of_a_decision_and_missing_pages(app: Any, tokens: dict[str, str], decision: str) -> None:
    expected = tpm_fit.recommend(**PROFILE).brief()
    with _client(app) as browser:
        assert browser.get(f"/decisions/{decision}/brief", follow_redirects=False).status_code == 303
        _sign_in(browser, tokens["auditor"])
        html = browser.get(f"/decisions/{decision}/brief")
        assert html.headers["content-type"].startswith("text/html")
        assert expected.to_html() in html.text
        jsonld = browser.get(f"/decisions/{decision}/brief", params={"format": "jsonld"})
        assert jsonld.json() == json.loads(json.dumps(expected.to_job_posting()))
        missing = browser.get("/decisions/00000000-0000-4000-8000-000000000000")
        assert missing.status_code == 404
        assert "There is no decision" in missing.text
        assert browser.get("/decisions/not-a-uuid").status_code == 404
        assert (
            "Record this decision" not in browser.get("/result", params=PROFILE).text
        )  # auditors do not record


def test_pages_without_a_log_and_the_docs_page(open_client: TestClient) -> None:
    for path in ("/signin", "/decisions", "/decisions/00000000-0000-4000-8000-000000000000"):
        response = open_client.get(path)
        assert response.status_code == 404
        assert "This service keeps no decision log" in response.text
    assert open_client.get("/docs").status_code == 200
    assert open_client.get("/openapi.json").json()["info"]["title"] == "tpm_fit decision service"
    bad = open_client.get("/brief", params={"company_size": "x", "product_complexity": "high"})
    assert bad.status_code == 422
    assert "company_size=&#39;x&#39;: not an integer" in bad.text
