"""The decision service's API tokens as ``tpm-fit tokens list`` prints them (never a secret)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from .cells import csv_table, html_table, markdown_table

if TYPE_CHECKING:
    from .._server.tokens import TokenInfo

__all__ = ["tokens_table"]

#: The columns of the token list (also the keys of each JSON line).
TOKEN_COLUMNS: Final = ("name", "role", "token_id", "created_at", "revoked_at")


def _rows(tokens: Sequence[TokenInfo]) -> list[tuple[str, str, str, str, str | None]]:
    return [(t.name, t.role.value, t.token_id, t.created_at, t.revoked_at) for t in tokens]


def _line(item: TokenInfo) -> str:
    state = "active" if item.active else f"revoked {item.revoked_at[:19] if item.revoked_at else ''}"
    return f"{item.name:<24} {item.role.value:<10} {item.token_id:<16} {item.created_at[:19]:<19} {state}"


def tokens_table(tokens: Sequence[TokenInfo], format: str) -> str:
    """The tokens in ``format``: text (a table, or a hint when there is none), Markdown, HTML,
    CSV or JSON Lines (one object per token; nothing when there is none)."""
    match format:
        case "text":
            if not tokens:
                return "no tokens; make one with tpm-fit tokens add --log PATH --role ROLE --name NAME"
            header = f"{'name':<24} {'role':<10} {'id':<16} {'created (UTC)':<19} state"
            return "\n".join([header, *map(_line, tokens)])
        case "json":
            return "\n".join(json.dumps(dict(zip(TOKEN_COLUMNS, row, strict=True))) for row in _rows(tokens))
        case "csv":
            return csv_table(TOKEN_COLUMNS, _rows(tokens))
        case "markdown":
            return markdown_table(TOKEN_COLUMNS, _rows(tokens))
        case "html":
            return html_table(TOKEN_COLUMNS, _rows(tokens))
    raise ValueError(
        f"format={format!r}: not a format of the token list; valid: text, markdown, html, csv, json"
    )
