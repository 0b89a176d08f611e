"""The application factory: the API, the health checks, the HR page and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from .._model.profile import OrgProfile
from .._version import __version__
from .api import health, v1
from .models import AcceptRequest, OverrideRequest, Problem
from .pages import pages
from .problems import install_handlers
from .service import Service
from .settings import ServerSettings

__all__ = ["app_from_environment", "create_app"]

_DESCRIPTION = """\
Recommendations (technical or traditional product manager, and the seat to fill) for HR systems
over HTTP, with the decision log, reviews and replay. Every error is RFC 9457 problem details.
With a decision log, requests need a bearer token from `tpm-fit tokens add`: `requester`
(recommend, brief), `reviewer` (also read and review decisions), `auditor` (read, check, replay,
export). Results are recommendations for a person to weigh, never decisions.
"""


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The ASGI application of one service.

    Parameters
    ----------
    settings : ServerSettings, optional
        The log, rulebook and request bounds; no log and the built-in rulebook when omitted.

    Returns
    -------
    fastapi.FastAPI
        Ready to run with uvicorn, or to test with an ASGI client.
    """
    # The log stays open for the life of the process (a test client may start the app twice);
    # every append is committed before its response, so nothing waits for a close.
    service = Service(settings or ServerSettings())
    app = FastAPI(title="tpm_fit decision service", version=__version__, description=_DESCRIPTION)
    app.state.service = service
    install_handlers(app)
    app.include_router(health)
    app.include_router(v1)
    app.include_router(pages)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            # Bodies are read by hand (bounded, item by item); their schemas are added here.
            _, extra = models_json_schema(
                [
                    (OrgProfile, "validation"),
                    (AcceptRequest, "validation"),
                    (OverrideRequest, "validation"),
                    (Problem, "serialization"),
                ],
                ref_template="#/components/schemas/{model}",
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in extra.get("$defs", {}).items():
                schemas.setdefault(name, schema)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """The application configured by ``TPM_FIT_*`` variables: what each ``tpm-fit serve`` worker runs."""
    return create_app(ServerSettings.from_environment())
