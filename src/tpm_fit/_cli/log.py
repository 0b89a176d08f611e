"""``tpm-fit log list|show|review|replay|check|export|import``: work with a decision log.

Every subcommand takes the log file as ``--log PATH``. ``check`` exits 1 when the chain is broken
and ``replay`` exits 1 when a result changed; bad input exits 2 with one line on stderr (see
:func:`tpm_fit._cli.main.main`). ``tpm-fit recommend --log PATH`` records decisions; the helpers
for that are here too (:func:`add_record_options`, :func:`record_decision`).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .._errors import TpmFitError, short
from .._model.vocab import Verdict
from .common import inline, non_negative_int, positive_int
from .output import add_format_option, refuse

if TYPE_CHECKING:
    from .._model.result import Recommendation
    from .._model.rulebook import Rulebook
    from .._records import DecisionLog

__all__ = ["add_options", "add_record_options", "record_decision", "register"]

_VERDICTS = tuple(verdict.value for verdict in Verdict)


# -- tpm-fit recommend --log ----------------------------------------------------------------


def add_record_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--log``, ``--requested-by`` and ``--label`` to ``tpm-fit recommend``."""
    group = parser.add_argument_group("decision log")
    group.add_argument(
        "--log", metavar="PATH", help="record the decision in this log file (created if missing)"
    )
    group.add_argument(
        "--requested-by", metavar="ID", help="opaque id of who asked, from your own system (with --log)"
    )
    group.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="tag the recorded decision (repeatable, with --log)",
    )


def _labels(pairs: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise TpmFitError(f"--label={short(pair)}: not KEY=VALUE; valid: e.g. --label team=payments")
        if key in labels:
            raise TpmFitError(
                f"--label={short(pair)}: the key {short(key)} is given twice; valid: each key once"
            )
        labels[key] = value
    return labels


def record_decision(args: argparse.Namespace, result: Recommendation, rulebook: Rulebook) -> str | None:
    """Record ``result`` when ``--log`` was given; returns the line announcing its id (else None)."""
    if args.log is None:
        if args.requested_by is not None or args.label:
            raise TpmFitError("--requested-by and --label describe a recorded decision; add --log PATH")
        return None
    if not args.log.strip():  # an unset shell variable ("$LOG") must not silently log nothing
        raise TpmFitError(f"--log={short(args.log)}: an empty path; valid: the path of a decision log file")
    from .._records import DecisionLog

    labels = _labels(args.label)
    with DecisionLog(args.log) as log:
        record = log.record(result, rulebook=rulebook, requested_by=args.requested_by, labels=labels)
    return f"Decision {record.decision_id} recorded in {inline(args.log)}"


# -- tpm-fit log ... ------------------------------------------------------------------------


def _open(args: argparse.Namespace, *, create: bool = False) -> DecisionLog:
    from .._records import DecisionLog

    return DecisionLog(args.log, create=create)


def _moment(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TpmFitError(
            f"{option}={text!r} is not an ISO 8601 date or time, e.g. 2026-01-31 or 2026-01-31T09:00Z"
        ) from None
    # A time without an offset is read as UTC, the log's own time zone.
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def _list(args: argparse.Namespace) -> int:
    from .._render.records import records_table

    with _open(args) as log:
        records = log.records(
            since=_moment(args.since, "--since"),
            until=_moment(args.until, "--until"),
            verdict=args.verdict,
            reviewed=args.reviewed,
        )
        shown = list(records if args.limit is None else itertools.islice(records, args.limit))
    text = records_table(shown, args.format)
    if text:  # JSON Lines of no record: nothing at all
        print(text)
    return 0


def _show(args: argparse.Namespace) -> int:
    from .._render import render
    from .._render.records import decision_json

    if args.top is not None:
        refuse(args, "--top", ("text", "markdown"), "the other formats show every factor of the trace")
    with _open(args) as log:
        logged = log.get(args.decision_id)
    if args.format == "json":
        print(decision_json(logged))
    elif args.format == "html":
        print(render(logged, "html"))
    else:
        print(render(logged, args.format, top=3 if args.top is None else args.top))
    return 0


def _review(args: argparse.Namespace) -> int:
    action = "override" if args.override else "accept"
    if args.override and not (args.reason or "").strip():
        raise TpmFitError(f"--override {args.override} needs --reason TEXT saying why (not blank)")
    with _open(args) as log:
        review = log.review(
            args.decision_id, reviewer=args.reviewer, action=action, verdict=args.override, reason=args.reason
        )
    from .._render import render

    print(render(review, args.format))
    return 0


def _replay(args: argparse.Namespace) -> int:
    if bool(args.decision_ids) == bool(args.all):
        raise TpmFitError("give one or more decision ids, or --all (not both)")
    from .._render import render
    from .._render.records import replay_csv, replay_line

    changed = 0
    table = []  # CSV: one table for every replay, printed at the end
    with _open(args) as log:
        ids = log.decision_ids() if args.all else args.decision_ids
        for decision_id in ids:
            outcome = log.replay(decision_id, float_tolerance=args.float_tolerance)
            changed += not outcome.same
            if args.format == "csv":
                table.append(outcome)
            else:
                print(replay_line(outcome) if args.format == "json" else render(outcome, args.format))
    if args.format == "csv":
        print(replay_csv(table))
    return 1 if changed else 0


def _check(args: argparse.Namespace) -> int:
    with _open(args) as log:
        report = log.check(anchors=args.anchor, expected_head=args.expect)
    from .._render import render

    print(render(report, args.format))
    return 0 if report.ok else 1


def _head(args: argparse.Namespace) -> int:
    with _open(args) as log:
        head = log.head()
    from .._render import render

    print(render(head, args.format))
    return 0


def _export(args: argparse.Namespace) -> int:
    with _open(args) as log:
        count = log.export_jsonl(sys.stdout if args.output in (None, "-") else args.output)
    print(f"exported {count} entries from {inline(args.log)}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace) -> int:
    from .._records import DecisionLog

    if not args.source.strip():
        raise TpmFitError(
            f"source={short(args.source)}: an empty path; valid: an export file, or '-' for stdin"
        )
    source = sys.stdin if args.source == "-" else args.source  # None when stdin is closed: refused
    with DecisionLog.import_jsonl(source, args.log) as log:  # checked before it commits
        head = log.head()
    print(f"imported {head.entries} entries into {inline(args.log)}; head {head}")
    return 0


def _subcommand(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name, help=help_text, description=help_text[0].upper() + help_text[1:] + "."
    )
    parser.add_argument("--log", metavar="PATH", required=True, help="the decision log file (SQLite)")
    return parser


def _add_list(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = _subcommand(commands, "list", "list recorded decisions, oldest first")
    listing.add_argument("--since", metavar="TIME", help="recorded at or after (ISO 8601; UTC if no offset)")
    listing.add_argument("--until", metavar="TIME", help="recorded before (ISO 8601; UTC if no offset)")
    listing.add_argument("--verdict", choices=_VERDICTS, help="only this recommended verdict")
    reviewed = listing.add_mutually_exclusive_group()
    reviewed.add_argument(
        "--reviewed", dest="reviewed", action="store_const", const=True, help="only reviewed"
    )
    reviewed.add_argument(
        "--unreviewed", dest="reviewed", action="store_const", const=False, help="only not yet reviewed"
    )
    listing.add_argument("--limit", type=non_negative_int, metavar="N", help="show at most N decisions")
    add_format_option(
        listing,
        ("text", "markdown", "html", "csv", "json"),
        what="the decisions (json: one object per decision per line)",
        aliases={"--json": "json"},
    )
    listing.set_defaults(handler=_list, reviewed=None)


def _add_show(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = _subcommand(commands, "show", "show a decision, its explanation and its reviews")
    show.add_argument("decision_id", metavar="ID", help="the decision's id (see `tpm-fit log list`)")
    show.add_argument(
        "--top",
        type=positive_int,
        metavar="N",
        help="reasons to list on each side (default 3; text and markdown)",
    )
    add_format_option(
        show,
        ("text", "markdown", "html", "json"),
        what="the record, its explanation and its reviews",
        aliases={"--json": "json"},
    )
    show.set_defaults(handler=_show)


def _add_review(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    review = _subcommand(commands, "review", "accept or override a recorded decision")
    review.add_argument("decision_id", metavar="ID", help="the decision's id (see `tpm-fit log list`)")
    review.add_argument("--reviewer", required=True, metavar="ID", help="opaque id of the reviewer")
    action = review.add_mutually_exclusive_group(required=True)
    action.add_argument("--accept", action="store_true", help="accept the recommendation")
    action.add_argument(
        "--override",
        choices=_VERDICTS,
        metavar="VERDICT",
        help=f"choose this verdict instead ({', '.join(_VERDICTS)})",
    )
    review.add_argument("--reason", metavar="TEXT", help="why (required with --override)")
    add_format_option(review, ("text", "json"), what="the recorded Review", aliases={"--json": "json"})
    review.set_defaults(handler=_review)


def _add_replay(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = _subcommand(commands, "replay", "recompute decisions and compare (exit 1 if any changed)")
    replay.add_argument("decision_ids", nargs="*", metavar="ID", help="decision ids to replay (or --all)")
    replay.add_argument("--all", action="store_true", help="replay every decision in the log")
    replay.add_argument(
        "--float-tolerance",
        type=float,
        default=0.0,
        metavar="X",
        help="absolute tolerance for numbers (default 0: exact)",
    )
    add_format_option(
        replay,
        ("text", "markdown", "html", "csv", "json"),
        what="each Replay (json: one per line, without the recomputed result; csv: one row per difference)",
        aliases={"--json": "json"},
    )
    replay.set_defaults(handler=_replay)


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = _subcommand(commands, "check", "re-hash and re-link every entry (exit 1 if broken)")
    check.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="HASH",
        help="a head hash kept from an earlier check; it must still be in the chain (repeatable)",
    )
    check.add_argument(
        "--expect",
        metavar="HEAD",
        help="a head printed earlier by `tpm-fit log head` (ENTRIES:HASH), kept outside the log: the "
        "check fails if entries were deleted or the tail rewritten since",
    )
    add_format_option(
        check,
        ("text", "markdown", "html", "csv", "json"),
        what="the ChainReport (csv: one row per problem)",
        aliases={"--json": "json"},
    )
    check.set_defaults(handler=_check)


def _add_head(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    head = _subcommand(commands, "head", "print the chain's head (ENTRIES:HASH) to keep outside the log")
    add_format_option(head, ("text", "json"), what="the head", aliases={"--json": "json"})
    head.set_defaults(handler=_head)


def _add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = _subcommand(commands, "export", "write the whole log as JSON Lines")
    export.add_argument("--output", metavar="PATH", help="file to write (default: standard output)")
    export.set_defaults(handler=_export)


def _add_import(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = _subcommand(commands, "import", "rebuild a log in a new file from a JSON Lines export")
    importer.add_argument("source", metavar="EXPORT.jsonl", help="the export ('-' for standard input)")
    importer.set_defaults(handler=_import)


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``log`` subcommand and its own subcommands.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The parent parser's subcommands.
    """
    parser = subparsers.add_parser(
        "log",
        help="list, show, review, replay, check, head, export or import recorded decisions",
        description=(
            "Work with a decision log written by `tpm-fit recommend --log PATH`: an append-only, "
            "hash-chained SQLite file. `check` exits 1 on a broken chain and `replay` exits 1 on a "
            "changed result; bad input exits 2."
        ),
    )
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``log`` subcommand's own subcommands (list, show, review, ...) and their options."""
    commands = parser.add_subparsers(dest="log_command", required=True, metavar="ACTION")
    _add_list(commands)
    _add_show(commands)
    _add_review(commands)
    _add_replay(commands)
    _add_check(commands)
    _add_head(commands)
    _add_export(commands)
    _add_import(commands)
