"""One table, three formats: CSV, Markdown and HTML from the same header and rows.

Every text cell is made safe for where it goes: control characters escaped (:func:`printable`),
``|`` escaped in Markdown, HTML-escaped in HTML, and in CSV a text starting with ``=``, ``+``,
``-``, ``@`` (a spreadsheet formula) is prefixed with ``'`` (numbers are left alone).
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["csv_table", "html_table", "json_cell", "markdown_table", "model_json", "printable"]

Cell = str | int | float | bool | None

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
_FORMULA: Final = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates escaped, so no escape sequence from a
    hostile rulebook or record reaches a terminal (newlines and tabs are kept)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_cell(value: Cell) -> Cell:
    if isinstance(value, str):
        text = printable(value)
        return f"'{text}" if text.startswith(_FORMULA) and not _is_number(text) else text
    return value


def model_json(model: BaseModel) -> str:
    """A model as indented JSON, with its own field names (its ``model_validate_json`` reads it)."""
    return model.model_dump_json(indent=2)


def json_cell(value: object) -> str:
    """A JSON value in one cell (for old and new values of a difference)."""
    return json.dumps(value, ensure_ascii=False)


def csv_table(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """RFC 4180 CSV with a header row and ``\\n`` line ends, without a trailing newline."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue().removesuffix("\n")


def _md(value: Cell) -> str:
    text = "" if value is None else printable(str(value))
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, right: Sequence[int] = ()
) -> str:
    """A Markdown table; ``right`` are the indexes of right-aligned (numeric) columns."""
    lines = [
        "| " + " | ".join(_md(name) for name in header) + " |",
        "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def html_table(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """An HTML table; every cell is escaped."""
    e = html.escape
    head = "".join(f"<th>{e(name)}</th>" for name in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{e('' if cell is None else str(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
