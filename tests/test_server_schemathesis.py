"""schemathesis against the decision service: every operation, and the stateful links.

Every operation of the OpenAPI document gets positive and negative examples with all of
schemathesis's checks (no server error, every status code, content type, header and body as
documented, bad data rejected, good data accepted, auth enforced); then the state machine follows
the document's links: recommend -> get -> review -> replay. Each call carries a token of a role
allowed to make it.

Bounded (a few examples per operation, a few state-machine runs); runs in CI (``CI=true``) or
when asked for: ``TPM_FIT_E2E=1 pytest -m e2e tests/test_server_schemathesis.py``.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tpm_fit._server.app import create_app
from tpm_fit._server.settings import ServerSettings
from tpm_fit._server.tokens import TokenStore

pytestmark = pytest.mark.e2e

#: The role each operation is called with: the least one allowed to make it.
ROLE_OF = {
    "recommend": "requester",
    "recommend_batch": "requester",
    "review_decision": "reviewer",
    "replay_decision": "auditor",
    "check_log": "auditor",
    "export_log": "auditor",
}
#: Each schema's tokens by role, keyed by the schema's id: every app has a log of its own.
TOKENS: dict[int, dict[str, str]] = {}
EXAMPLES = int(os.environ.get("TPM_FIT_SCHEMATHESIS_EXAMPLES", "50"))


if os.environ.get("CI", "").lower() not in {"1", "true", "yes"} and os.environ.get("TPM_FIT_E2E") != "1":
    pytest.skip(
        "end-to-end service test: runs in CI (CI=true) or with TPM_FIT_E2E=1", allow_module_level=True
    )


def _api_schema() -> Any:
    """The service's schema, over an app with a fresh log and one token per role."""
    folder = tempfile.mkdtemp(prefix="tpm-fit-schemathesis-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    log = Path(folder) / "decisions.db"
    store = TokenStore(log)
    tokens: dict[str, str] = {}
    for role in ("requester", "reviewer", "auditor"):
        tokens[role] = store.add(name=f"{role}-1", role=role)
    # Small limits, so that the fuzzer reaches them too.
    app = create_app(ServerSettings(log=str(log), max_batch_items=20, max_body_bytes=64 << 10))
    made = schemathesis.openapi.from_asgi("/openapi.json", app)
    TOKENS[id(made)] = tokens
    return made


def headers_for(case: Any, schema_tokens: dict[str, str] | None = None) -> dict[str, str]:
    role = ROLE_OF.get(case.operation.definition.raw.get("operationId", ""), "auditor")
    tokens = schema_tokens if schema_tokens is not None else TOKENS[id(schema)]
    return {"Authorization": f"Bearer {tokens[role]}"}


@schemathesis.serializer("application/jsonl")
def _jsonl(ctx: Any, value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else json.dumps(value).encode("utf-8")


schema = _api_schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation(case: Any) -> None:
    headers = headers_for(case)
    response = case.call(headers=headers)
    validate(case, response, headers)


def validate(case: Any, response: Any, headers: dict[str, str], *, walking: bool = False) -> None:
    """All of schemathesis's checks, but for two documented departures from JSON Schema."""
    operation = case.operation.definition.raw.get("operationId")
    if walking and operation != "recommend":
        # On the stateful walks, unknown query parameters are ignored as HTTP APIs usually do
        # (OpenAPI cannot forbid them); negative data is checked per operation by the test above.
        case.validate_response(response, excluded_checks=[negative_data_rejection], headers=headers)
    elif operation == "recommend_batch":
        # A bad item gets its own problem in a 200 answer, by design: the batch never fails whole.
        case.validate_response(response, excluded_checks=[negative_data_rejection], headers=headers)
    elif operation == "recommend":
        # OrgProfile is stricter than JSON Schema can say: no count may exceed company_size, and
        # 1.0 is not an integer; a label key may not name a protected attribute (age, sex, ...).
        # A schema-valid request may be refused for these reasons alone.
        case.validate_response(response, excluded_checks=[positive_data_acceptance], headers=headers)
        if not case.meta.generation.mode.is_negative and response.status_code == 422:
            messages = [item["message"] for item in response.json()["errors"]]
            assert messages, response.text
            allowed = (
                "more people than the company has (company_size=",
                ": not an integer; valid:",
                "names a protected attribute or a person",
            )
            assert all(any(words in m for words in allowed) for m in messages), messages
    else:
        case.validate_response(response, headers=headers)


def test_the_stateful_links() -> None:
    # A fresh app and log: what test_every_operation recorded must not steer these walks.
    fresh = _api_schema()
    tokens = TOKENS[id(fresh)]
    document = fresh.raw_schema
    links = document["paths"]["/v1/recommendations"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "get_decision",
        "review_decision",
        "replay_decision",
    }

    seen: set[tuple[str, int]] = set()

    class Workflow(fresh.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers_for(case, tokens)}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            seen.add((case.operation.definition.raw["operationId"], response.status_code))
            validate(case, response, headers_for(case, tokens), walking=True)

    Workflow.run(
        settings=settings(
            max_examples=max(30, EXAMPLES),  # enough walks to reach the end of the links
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )
    # The links were followed to the end: a recorded decision was read, reviewed and replayed.
    assert {
        ("recommend", 201),
        ("get_decision", 200),
        ("review_decision", 201),
        ("replay_decision", 200),
    } <= seen, [item for item in sorted(seen) if item[0] == "review_decision"]
