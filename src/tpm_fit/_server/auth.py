"""Who may do what: bearer tokens for the API, signed session cookies and CSRF tokens for the page."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Annotated, Final
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .problems import ApiProblem
from .service import Service
from .tokens import Role, TokenInfo

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "allow",
    "csrf_token",
    "csrf_valid",
    "service_of",
    "session_principal",
    "session_value",
]

SESSION_COOKIE: Final = "tpm_fit_session"
CSRF_COOKIE: Final = "tpm_fit_csrf"
SESSION_SECONDS: Final = 8 * 3600

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `tpm-fit tokens add` (needed only when the service keeps a log).",
)


def service_of(request: Request) -> Service:
    """The service of the app answering this request."""
    service: Service = request.app.state.service
    return service


def allow(*roles: Role) -> Callable[..., TokenInfo | None]:
    """A dependency: the caller's token, which must have one of ``roles``.

    Without a log the service keeps no tokens and every computing endpoint is open (None is
    returned). A missing or unknown (or revoked) token is 401, a token of another role 403; the
    messages never say which tokens, names or roles exist.
    """
    allowed = frozenset(roles)

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> TokenInfo | None:
        service = service_of(request)
        if service.tokens is None:
            return None
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None:
            raise ApiProblem(
                401, "this needs an API token: send Authorization: Bearer <token>", headers=challenge
            )
        info = service.tokens.authenticate(credentials.credentials)
        if info is None:
            raise ApiProblem(401, "the token is not valid", headers=challenge)
        if info.role not in allowed:
            raise ApiProblem(403, "this token's role may not do this")
        return info

    return dependency


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def session_value(service: Service, token: TokenInfo) -> str:
    """The session cookie for a signed-in token: its id, an expiry, and a signature."""
    expires = int(time.time()) + SESSION_SECONDS
    body = f"{token.token_id}.{expires}"
    return f"{body}.{_sign(service.session_key, 'session:' + body)}"


def session_principal(service: Service, cookie: str | None) -> TokenInfo | None:
    """The token a session cookie stands for, while it is unexpired, well signed and not revoked."""
    if not cookie or service.tokens is None:
        return None
    parts = cookie.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    token_id, expires, signature = parts
    if not hmac.compare_digest(signature, _sign(service.session_key, f"session:{token_id}.{expires}")):
        return None
    if int(expires) < time.time():
        return None
    found = service.tokens.by_id(token_id)
    return None if found is None else found[0]


def new_csrf_cookie() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(32)


def csrf_token(service: Service, cookie: str) -> str:
    """The token every form carries: bound to the browser's CSRF cookie by the service's key."""
    return _sign(service.session_key, "csrf:" + cookie)


def csrf_valid(service: Service, request: Request, submitted: str | None) -> bool:
    """A form post is the service's own: same-site, and its token matches the CSRF cookie."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    # The host only: behind TLS termination the scheme the service sees is not the browser's.
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        return False
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted or not service.session_key:
        return False
    return hmac.compare_digest(submitted, csrf_token(service, cookie))
