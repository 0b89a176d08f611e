"""``tpm-fit tokens add|list|revoke --log PATH``: API tokens of the decision service.

A token is printed once, by ``add``; the log file keeps only its hash (see
:mod:`tpm_fit._server.tokens`). Works with the core install: the ``server`` extra is needed only
to serve.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_options", "register"]

_ROLES = ("requester", "reviewer", "auditor")


def _store(path: str) -> object:
    from .._errors import TpmFitError
    from .._server.tokens import TokenStore

    if not path.strip():
        raise TpmFitError(f"--log={path!r}: an empty path; valid: the path of a decision log file")
    return TokenStore(path)


def _add(args: argparse.Namespace) -> int:
    from .._server.tokens import TokenStore

    store = _store(args.log)
    assert isinstance(store, TokenStore)
    token = store.add(name=args.name, role=args.role)
    print(token)
    print(
        f"token for {args.name} ({args.role}) made; it is shown only this once, keep it secret",
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    from .._server.tokens import TokenStore

    store = _store(args.log)
    assert isinstance(store, TokenStore)
    from .._render.tokens import tokens_table

    text = tokens_table(store.list(), args.format)
    if text:  # JSON Lines of no token: nothing at all
        print(text)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from .._server.tokens import TokenStore

    store = _store(args.log)
    assert isinstance(store, TokenStore)
    count = store.revoke(name=args.name)
    print(f"revoked {count} token(s) named {args.name}")
    return 0


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``tokens`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The parent parser's subcommands.
    """
    return subparsers.add_parser(
        "tokens",
        help="add, list or revoke API tokens of tpm-fit serve",
        description=(
            "API tokens for `tpm-fit serve --log PATH`, kept (as hashes only) in the decision log "
            "file, outside its hash chain. Roles: requester (recommend, brief), reviewer (also "
            "read and review decisions), auditor (read, check, replay, export)."
        ),
    )


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``tokens`` subcommand's own subcommands (add, list, revoke) and their options."""
    commands = parser.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    add = commands.add_parser("add", help="make a token and print it (only this once)")
    add.add_argument(
        "--log", required=True, metavar="PATH", help="the decision log file (created if missing)"
    )
    add.add_argument("--role", required=True, choices=_ROLES, help="what the token may do")
    add.add_argument(
        "--name",
        required=True,
        metavar="NAME",
        help="opaque id of the holder: it becomes the reviewer's name",
    )
    add.set_defaults(handler=_add)
    listing = commands.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument("--log", required=True, metavar="PATH", help="the decision log file")
    from .output import add_format_option

    add_format_option(
        listing,
        ("text", "markdown", "html", "csv", "json"),
        what="the tokens (json: one object per token per line)",
    )
    listing.set_defaults(handler=_list)
    revoke = commands.add_parser("revoke", help="revoke the active token with this name")
    revoke.add_argument("--log", required=True, metavar="PATH", help="the decision log file")
    revoke.add_argument("--name", required=True, metavar="NAME", help="the token's name")
    revoke.set_defaults(handler=_revoke)
