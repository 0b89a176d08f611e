"""``--format``: the one output option of every command that prints a result.

Each command declares the formats it prints (:func:`add_format_option`); the old boolean flags
(``--json``, ``--markdown``, ``--toml``) stay as deprecated aliases that set the same value and
say so on standard error. Giving two different formats is refused (exit 2), as is an option that
a format cannot show (:func:`refuse`): nothing the user asked for is silently dropped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import TpmFitError

__all__ = ["add_format_option", "refuse"]


class _FormatAction(argparse.Action):
    """``--format NAME`` or a deprecated alias: sets ``format``, refusing a second, different one."""

    def __init__(self, *args: Any, alias_of: str | None = None, **kwargs: Any) -> None:
        self.alias_of = alias_of
        super().__init__(*args, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        chosen = self.alias_of if self.alias_of is not None else str(values)
        if self.alias_of is not None:
            print(
                f"{parser.prog}: note: {option_string} is deprecated; use --format {chosen}",
                file=sys.stderr,
            )
        given = getattr(namespace, "format_given", None)
        if given is not None and given[1] != chosen:
            parser.error(
                f"{option_string} asks for {chosen} but {given[0]} already asked for {given[1]}; "
                "valid: one output format"
            )
        namespace.format_given = (option_string, chosen)
        namespace.format = chosen


def add_format_option(
    parser: argparse.ArgumentParser,
    formats: Sequence[str],
    *,
    default: str = "text",
    what: str = "the result",
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Add ``--format {formats}`` (default ``default``) and the deprecated ``aliases``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    formats : sequence of str
        The formats the command prints, in the order the help lists them.
    default : str, default "text"
        The format without ``--format``.
    what : str
        What is printed, for the help text.
    aliases : mapping of str to str, optional
        Deprecated flags (``"--json"``) and the format each stands for.
    """
    parser.set_defaults(format=default, format_given=None)
    parser.add_argument(
        "--format",
        action=_FormatAction,
        choices=tuple(formats),
        metavar="{" + ",".join(formats) + "}",
        help=f"how to print {what} (default {default})",
    )
    for flag, fmt in (aliases or {}).items():
        parser.add_argument(
            flag,
            action=_FormatAction,
            alias_of=fmt,
            nargs=0,
            help=f"deprecated: use --format {fmt}",
        )


def refuse(args: argparse.Namespace, option: str, formats: Sequence[str], why: str) -> None:
    """Refuse ``option`` when the chosen format is not one of ``formats`` (a TpmFitError: exit 2)."""
    if args.format not in formats:
        raise TpmFitError(
            f"{option} with --format {args.format}: {why}; valid: {option} with --format {', '.join(formats)}"
        )
