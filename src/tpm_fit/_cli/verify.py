"""``tpm-fit verify [RULEBOOK.toml] [--format F] [--renderings sample|all|N]``: prove a rulebook consistent.

Exit status: 0 when every check passes, 1 when there are violations, 2 when the file cannot be
read or is not a valid rulebook (reported by :func:`tpm_fit._cli.main`).
"""

from __future__ import annotations

import argparse

from .._errors import short
from .common import load_rulebook, positive_int

__all__ = ["add_options", "register"]


def _verify(args: argparse.Namespace) -> int:
    from .._verify.verifier import verify_rulebook

    rulebook = load_rulebook(args.rulebook)
    report = verify_rulebook(
        rulebook, max_grid_points=args.max_grid_points, max_work=args.max_work, renderings=args.renderings
    )
    from .._render import render

    print(render(report, args.format))
    return 0 if report.ok else 1


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``verify`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The parent parser's subcommands.
    """
    parser = subparsers.add_parser(
        "verify",
        help="check a rulebook's axioms, verdicts and factors over every possible profile",
        description=(
            "Check a rulebook exactly over the grid of its breakpoints, which decides every "
            "possible profile: monotonicity axioms, reachable verdicts, dead factors, ordered "
            "thresholds, bounded contributions. Exit 0 when clean, 1 on violations, 2 when the "
            "file cannot be read or is invalid."
        ),
    )
    parser.set_defaults(handler=_verify)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``verify`` subcommand's options (the limits' defaults come from the verifier)."""
    from .._verify.verifier import DEFAULT_MAX_GRID_POINTS

    parser.add_argument(
        "rulebook", nargs="?", metavar="RULEBOOK.toml", help="TOML rulebook (default: built-in)"
    )
    from .output import add_format_option

    add_format_option(
        parser,
        ("text", "markdown", "html", "csv", "json"),
        what="the VerificationReport (csv: the factor table)",
        aliases={"--json": "json"},
    )
    parser.add_argument(
        "--max-grid-points",
        type=positive_int,
        default=DEFAULT_MAX_GRID_POINTS,
        metavar="N",
        help=f"refuse larger verification grids (default {DEFAULT_MAX_GRID_POINTS:,})",
    )
    from .._verify.sentences import RENDERED_PROFILES

    parser.add_argument(
        "--renderings",
        type=_renderings,
        default="sample",
        metavar="sample|all|N",
        help=f"kinds of advice whose explain, brief and counterfactual lines are rendered and checked: "
        f"a sample of at most {RENDERED_PROFILES} (default), all of them (a few seconds for the "
        "default rulebook), or at most N",
    )
    from .sensitivity import add_max_work_option

    add_max_work_option(parser)


def _renderings(text: str) -> str | int:
    """argparse type of ``--renderings``: "sample", "all" or a whole number of at least 1."""
    if text in ("sample", "all"):
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{short(text)}: not a choice of renderings; valid: sample, all or a whole number of at least 1"
        )
    return value
