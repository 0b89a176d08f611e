"""The ``tpm-fit`` command line (also ``python -m tpm_fit``).

Each subcommand lives in its own module exposing ``register(subparsers)``; this module wires
them together and turns expected errors into a one-line message with exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from .._errors import TpmFitError
from .._model.profile import ORDERED_INPUTS, OrgProfile
from .._model.rulebook import Rulebook

__all__ = ["main"]

PROG = "tpm-fit"


def format_validation_error(exc: ValidationError) -> str:
    """One line per problem: ``field=value: what is wrong``."""
    parts = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "profile"
        value = error.get("input")
        shown = f"={value!r}" if error["type"] != "missing" else ""
        parts.append(f"{field}{shown}: {error['msg']}")
    return "; ".join(parts)


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    """One ``--field-name`` option per OrgProfile field, with its description as help."""
    group = parser.add_argument_group("organisation profile")
    for name, info in OrgProfile.model_fields.items():
        flag = "--" + name.replace("_", "-")
        if name in ORDERED_INPUTS:
            choices = [level.value for level in ORDERED_INPUTS[name]]
            group.add_argument(flag, dest=name, choices=choices, help=info.description)
        else:
            group.add_argument(flag, dest=name, type=int, metavar="N", help=info.description)


def profile_fields(args: argparse.Namespace) -> dict[str, object]:
    """The profile fields given on the command line (absent ones take the model's defaults)."""
    return {
        name: getattr(args, name) for name in OrgProfile.model_fields if getattr(args, name, None) is not None
    }


def load_rulebook(path: str | None) -> Rulebook:
    """The rulebook at ``path``, or the default one."""
    return Rulebook.load(Path(path)) if path else Rulebook.default()


def _recommend(args: argparse.Namespace) -> int:
    from .._cli.sensitivity import robustness_of
    from .._engine.recommend import recommend

    rulebook = load_rulebook(args.rulebook)
    result = recommend(profile_fields(args), rulebook=rulebook)
    robust = robustness_of(result, args)
    if args.json:
        payload = result.model_dump(mode="json")
        if args.what_if:
            payload["counterfactuals"] = [c.model_dump(mode="json") for c in result.counterfactuals()]
        if robust is not None:
            payload["robustness"] = robust.model_dump(mode="json")
        print(json.dumps(payload, indent=2))
        return 0
    print(result.to_markdown() if args.markdown else result.explain(top=args.top))
    if robust is not None:
        print(f"\n{robust.to_text()}")
    if args.what_if:
        print("\nWhat would change the verdict (one input at a time):")
        for item in result.counterfactuals():
            print(f"  {item}")
    return 0


def _register_recommend(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "recommend",
        help="recommend a technical or traditional PM for one organisation",
        description="Recommend a technical or a traditional PM for one organisation and explain why.",
    )
    add_profile_options(parser)
    parser.add_argument("--rulebook", metavar="PATH", help="TOML rulebook (default: built-in)")
    parser.add_argument("--json", action="store_true", help="print the Recommendation as JSON")
    parser.add_argument("--markdown", action="store_true", help="print Markdown with the full trace")
    parser.add_argument("--top", type=int, default=3, help="reasons to list on each side (default 3)")
    parser.add_argument(
        "--what-if", action="store_true", help="also show the nearest change that flips the verdict"
    )
    from .._cli.sensitivity import add_robustness_options

    add_robustness_options(parser)
    parser.set_defaults(handler=_recommend)


def _rules(args: argparse.Namespace) -> int:
    from .._explain.render import render_rulebook_table

    rulebook = load_rulebook(args.rulebook)
    if args.toml:
        print(rulebook.to_toml(), end="")
        return 0
    print(f"{rulebook.name} {rulebook.version} (sha256 {rulebook.fingerprint})\n")
    print(render_rulebook_table(rulebook))
    t = rulebook.thresholds
    print(f"\nVerdict: technical at score >= {t.technical_min:g}, traditional at <= {t.traditional_max:g}.")
    return 0


def _register_rules(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="show the factors of a rulebook (or print it as TOML to start a custom one)",
        description="Show every factor of the rulebook with its weight, inputs and article section.",
    )
    parser.add_argument("--rulebook", metavar="PATH", help="TOML rulebook (default: built-in)")
    parser.add_argument("--toml", action="store_true", help="print the rulebook as TOML")
    parser.set_defaults(handler=_rules)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    from importlib import import_module

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Decide whether to hire a technical or a traditional product manager.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _register_recommend(subparsers)
    _register_rules(subparsers)
    for module in _SUBCOMMAND_MODULES:
        import_module(f"tpm_fit._cli.{module}").register(subparsers)
    return parser


#: Modules that add further subcommands, each with ``register(subparsers)``.
_SUBCOMMAND_MODULES: tuple[str, ...] = ("sensitivity", "sweep", "verify")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 check failed, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
        sys.stdout.flush()  # surface a closed pipe here rather than at interpreter exit
    except ValidationError as exc:
        print(f"{PROG}: error: {format_validation_error(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into e.g. `head`, which closed early: not an error. Point stdout at devnull
        # so the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (TpmFitError, OSError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    return status
