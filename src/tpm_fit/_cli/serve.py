"""``tpm-fit serve``: the decision service (JSON API, OpenAPI document and HR page) over HTTP.

Needs the ``server`` extra. Binds to 127.0.0.1 unless ``--host`` says otherwise. The options reach
each worker process as ``TPM_FIT_*`` environment variables (see
:class:`tpm_fit._server.settings.ServerSettings`), so ``--workers N`` runs N processes that share
the log file and its tokens.
"""

from __future__ import annotations

import argparse
import os
import sys

from .common import positive_int

__all__ = ["add_options", "register"]

_LOCAL = ("127.0.0.1", "localhost", "::1")


def _port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value}: too large; valid: 1 to 65535")
    return value


def _serve(args: argparse.Namespace) -> int:
    try:
        import fastapi  # noqa: F401
        import jinja2  # noqa: F401
        import uvicorn
    except ImportError as exc:
        from .._errors import TpmFitError

        raise TpmFitError(
            f"tpm-fit serve needs the server extra ({exc.name} is missing): pip install 'tpm-fit[server]'"
        ) from None
    from .._server.service import Service
    from .._server.settings import ServerSettings

    settings = ServerSettings(
        log=args.log,
        rulebook=args.rulebook,
        max_body_bytes=args.max_body_bytes,
        max_batch_bytes=args.max_batch_bytes,
        max_batch_items=args.max_batch_items,
    )
    Service(settings).close()  # bad rulebook or log: one line now, not a traceback in each worker
    os.environ.update(settings.to_environment())
    if args.host not in _LOCAL:
        print(
            f"tpm-fit serve: serving to other hosts on {args.host}; put it behind TLS termination",
            file=sys.stderr,
        )
    uvicorn.run(
        "tpm_fit._server.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=True,
    )
    return 0


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``serve`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The parent parser's subcommands.
    """
    parser = subparsers.add_parser(
        "serve",
        help="serve recommendations over HTTP: JSON API, OpenAPI document, HR page (server extra)",
        description=(
            "Serve the JSON API under /v1 (OpenAPI at /openapi.json, interactive docs at /docs), "
            "health checks, and the HR page at /. With --log every recommendation is recorded and "
            "requests need tokens from `tpm-fit tokens add`. Binds to 127.0.0.1 unless --host says "
            "otherwise; put it behind TLS termination to serve other hosts."
        ),
    )
    parser.set_defaults(handler=_serve)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``serve`` subcommand's options."""
    from .._server.settings import MIB

    parser.add_argument(
        "--log", metavar="PATH", help="decision log file: record every decision (needs tokens)"
    )
    parser.add_argument("--rulebook", metavar="PATH", help="TOML rulebook (default: built-in)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=_port, default=8000, metavar="N", help="port (default 8000)")
    parser.add_argument(
        "--workers", type=positive_int, default=1, metavar="N", help="worker processes (default 1)"
    )
    parser.add_argument(
        "--max-body-bytes",
        type=positive_int,
        default=MIB,
        metavar="N",
        help="largest request body (default 1 MiB)",
    )
    parser.add_argument(
        "--max-batch-bytes",
        type=positive_int,
        default=16 * MIB,
        metavar="N",
        help="largest batch body (default 16 MiB)",
    )
    parser.add_argument(
        "--max-batch-items",
        type=positive_int,
        default=10_000,
        metavar="N",
        help="most profiles in a batch (default 10,000)",
    )
    parser.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        default="info",
        help="uvicorn's log level (default info)",
    )
