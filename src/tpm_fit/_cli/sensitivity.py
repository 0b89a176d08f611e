"""``tpm-fit sensitivity [RULEBOOK.toml] [--delta 0.1] [--format F]``: which weights the verdicts hang on.

Also the ``--robustness`` options of ``tpm-fit recommend`` (:func:`add_robustness_options`,
:func:`robustness_of`), kept here so that the main module only wires them in.

Exit status: 0, or 2 when the file cannot be read, is not a valid rulebook, or an option is out of
range (reported by :func:`tpm_fit._cli.main.main`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .common import load_rulebook, positive_int

if TYPE_CHECKING:
    from .._analysis.robustness import Robustness
    from .._model.result import Recommendation

__all__ = ["add_options", "add_robustness_options", "register", "robustness_of"]


def _sensitivity(args: argparse.Namespace) -> int:
    from .._analysis.sensitivity import rulebook_sensitivity

    rulebook = load_rulebook(args.rulebook)
    report = rulebook_sensitivity(
        rulebook, delta=args.delta, max_grid_points=args.max_grid_points, max_work=args.max_work
    )
    from .._render import render

    print(render(report, args.format))
    return 0


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``sensitivity`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The parent parser's subcommands.
    """
    parser = subparsers.add_parser(
        "sensitivity",
        help="per factor, how many grid profiles change verdict when its weight moves by +-delta",
        description=(
            "For each factor, the share of the verification grid's profiles whose verdict changes "
            "when that factor's weight is multiplied by 1 + delta or 1 - delta, one factor at a "
            "time. Exact over the grid (no sampling). Grid points are not a population: the shares "
            "are of the grid, not of organisations. See docs/robustness.md."
        ),
    )
    parser.set_defaults(handler=_sensitivity)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``sensitivity`` subcommand's options (the grid limit's default is the verifier's)."""
    from .._verify.verifier import DEFAULT_MAX_GRID_POINTS

    parser.add_argument(
        "rulebook", nargs="?", metavar="RULEBOOK.toml", help="TOML rulebook (default: built-in)"
    )
    parser.add_argument(
        "--delta",
        type=float,
        default=0.1,
        metavar="D",
        help="relative weight change, above 0 and at most 1 (default 0.1, i.e. +-10%%)",
    )
    from .output import add_format_option

    add_format_option(
        parser,
        ("text", "markdown", "html", "csv", "json"),
        what="the SensitivityReport (csv: one row per factor)",
        aliases={"--json": "json"},
    )
    parser.add_argument(
        "--max-grid-points",
        type=int,
        default=DEFAULT_MAX_GRID_POINTS,
        metavar="N",
        help=f"refuse larger grids (default {DEFAULT_MAX_GRID_POINTS:,})",
    )
    add_max_work_option(parser)


def add_max_work_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--max-work N``: the one bound on analysis time shared by verify, sensitivity and robustness."""
    from .._verify.work import DEFAULT_MAX_WORK

    parser.add_argument(
        "--max-work",
        type=positive_int,
        default=DEFAULT_MAX_WORK,
        metavar="N",
        help=f"refuse an analysis whose predicted work is larger (about nanoseconds; default "
        f"{DEFAULT_MAX_WORK:,}, some 20 s)",
    )


def add_robustness_options(parser: argparse.ArgumentParser) -> None:
    """``--robustness`` and its sampling options, for ``tpm-fit recommend``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``recommend`` subcommand's parser.
    """
    group = parser.add_argument_group("robustness (how firm is the verdict?)")
    group.add_argument(
        "--robustness",
        action="store_true",
        help="also print the weight-flip margins, the nearest flip and the acceptability shares",
    )
    group.add_argument(
        "--spread",
        type=float,
        default=0.5,
        metavar="S",
        help="weights are multiplied by uniform factors in [1-S, 1+S] (default 0.5)",
    )
    group.add_argument("--samples", type=int, default=10_000, metavar="N", help="weightings sampled")
    group.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    add_max_work_option(group)


def robustness_of(result: Recommendation, args: argparse.Namespace) -> Robustness | None:
    """The robustness analysis the options ask for, or None without ``--robustness``."""
    if not args.robustness:
        return None
    from .._analysis.robustness import robustness

    return robustness(
        result, spread=args.spread, samples=args.samples, seed=args.seed, max_work=args.max_work
    )
