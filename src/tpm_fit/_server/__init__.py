"""The decision service (``tpm-fit serve``): a JSON API, roles, and an HR web page.

Needs the ``server`` extra (``pip install "tpm-fit[server]"``: FastAPI, uvicorn, Jinja2). See
``docs/service.md``.
"""

from __future__ import annotations

from .app import app_from_environment, create_app
from .settings import ServerSettings

__all__ = ["ServerSettings", "app_from_environment", "create_app"]
