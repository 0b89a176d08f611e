"""``tpm-fit brief``: the role brief for one organisation (Markdown, HTML, JSON or JSON-LD).

Takes the same profile flags as ``recommend``. ``--format json`` prints the :class:`RoleBrief`
(it reads back with ``RoleBrief.model_validate_json``); ``--format jsonld`` prints a schema.org
``JobPosting`` for job boards.
"""

from __future__ import annotations

import argparse
import json
from typing import Final

from .main import add_profile_options, load_rulebook, profile_fields

__all__ = ["add_options", "register"]

FORMATS: Final = ("markdown", "html", "json", "jsonld")


def _brief(args: argparse.Namespace) -> int:
    from .._engine.recommend import recommend
    from .._errors import TpmFitError
    from .._model.guidance import Guidance

    rulebook = load_rulebook(args.rulebook)
    if args.guidance is not None and not args.guidance.strip():
        raise TpmFitError(
            f"--guidance={args.guidance!r}: an empty path; valid: the path of a TOML guidance file"
        )
    guidance = Guidance.default() if args.guidance is None else Guidance.load(args.guidance)
    result = recommend(profile_fields(args), rulebook=rulebook)
    brief = result.brief(guidance=guidance, rulebook=rulebook, weighting=args.weighting)
    match args.format:
        case "markdown":
            print(brief.to_markdown(), end="")
        case "html":
            print(brief.to_html())
        case "json":
            print(brief.model_dump_json(indent=2))
        case _:
            print(json.dumps(brief.to_job_posting(), indent=2, ensure_ascii=False))
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
    parser.add_argument(
        "--format", choices=FORMATS, default="markdown", help="output format (default markdown)"
    )
    parser.add_argument(
        "--weighting",
        choices=("equal", "trace"),
        default="equal",
        help="scorecard weights: equal (default), or raised where the trace leans",
    )
