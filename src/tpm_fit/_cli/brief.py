"""``tpm-fit brief``: the role brief for one organisation (Markdown, text, HTML, CSV, JSON or JSON-LD).

Takes the same profile flags as ``recommend``. ``--format json`` prints the :class:`RoleBrief`
(it reads back with ``RoleBrief.model_validate_json``); ``--format jsonld`` prints a schema.org
``JobPosting`` for job boards.
"""

from __future__ import annotations

import argparse
from typing import Final

from .common import load_rulebook
from .main import add_profile_options, profile_fields

__all__ = ["add_options", "register"]

FORMATS: Final = ("markdown", "text", "html", "csv", "json", "jsonld")


def _brief(args: argparse.Namespace) -> int:
    from .._engine.recommend import recommend
    from .._errors import TpmFitError
    from .._model.guidance import Guidance

    if args.weighting != "equal" and args.format == "jsonld":
        raise TpmFitError(
            f"--weighting {args.weighting} with --format jsonld: a JobPosting has no scorecard "
            "weights; valid: --weighting with --format text, markdown, html, csv, json"
        )
    rulebook = load_rulebook(args.rulebook)
    if args.guidance is not None and not args.guidance.strip():
        raise TpmFitError(
            f"--guidance={args.guidance!r}: an empty path; valid: the path of a TOML guidance file"
        )
    guidance = Guidance.default() if args.guidance is None else Guidance.load(args.guidance)
    result = recommend(profile_fields(args), rulebook=rulebook)
    brief = result.brief(guidance=guidance, rulebook=rulebook, weighting=args.weighting)
    from .._render import render

    print(render(brief, args.format), end="" if args.format == "markdown" else "\n")
    return 0


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``brief`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The parent parser's subcommands.
    """
    parser = subparsers.add_parser(
        "brief",
        help="write the role brief: responsibilities, qualifications, interview scorecard",
        description=(
            "Recommend for one organisation, then turn the decision into a role brief: "
            "responsibilities ordered by emphasis, must-have and nice-to-have qualifications, an "
            "interview scorecard with anchored levels, and probes for the risks."
        ),
    )
    parser.set_defaults(handler=_brief)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``brief`` subcommand's options: the profile flags, rulebook, guidance and format."""
    add_profile_options(parser)
    parser.add_argument("--rulebook", metavar="PATH", help="TOML rulebook (default: built-in)")
    parser.add_argument("--guidance", metavar="PATH", help="TOML hiring guidance (default: built-in)")
    from .output import add_format_option

    add_format_option(
        parser,
        FORMATS,
        default="markdown",
        what="the brief (csv: the scorecard; jsonld: a schema.org JobPosting)",
    )
    parser.add_argument(
        "--weighting",
        choices=("equal", "trace"),
        default="equal",
        help="scorecard weights: equal (default), or raised where the trace leans",
    )
