"""The ``tpm-fit`` command line (also ``python -m tpm_fit``).

Each subcommand lives in its own module exposing ``register(subparsers)`` (the subcommand, its
help and handler) and ``add_options(parser)``; this module wires them together and turns expected
errors into a one-line message with exit status 2. Only the subcommand being run gets its
options (several are built from ``OrgProfile``'s fields), so ``tpm-fit --help`` and
``tpm-fit --version`` load neither pydantic nor the models.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Collection, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from .._errors import RulebookError, TpmFitError, short
from .common import escape_unsafe, load_rulebook, positive_int

if TYPE_CHECKING:
    from pydantic import ValidationError

    from .._analysis.robustness import Robustness
    from .._model.result import Recommendation

__all__ = ["main"]

PROG = "tpm-fit"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit status 2), like every other."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {_one_line(message)} (see {self.prog} --help)\n")


def _one_line(text: str, *, limit: int = 2000) -> str:
    line = " | ".join(part.strip() for part in text.splitlines() if part.strip())
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)  # no escapes reach a terminal
    return line if len(line) <= limit else line[: limit - 3] + "..."


def format_validation_error(exc: ValidationError) -> str:
    """The problems on one line, each ``field=value: what is wrong; what is valid``."""
    parts = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        message = str(error["msg"])
        if loc and not message.startswith(str(loc[0])):  # not yet in the grammar
            value = error.get("input")
            shown = f"={short(value)}" if error["type"] != "missing" else ""
            message = f"{'.'.join(map(str, loc))}{shown}: {message}"
        if len(loc) == 2 and isinstance(loc[1], int):  # a value of a sweep axis
            message += f" (value {loc[1] + 1} of the {loc[0]} axis)"
        parts.append(message)
    return " | ".join(parts)


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    """One ``--field-name`` option per OrgProfile field, with its description as help."""
    from .._model.profile import ORDERED_INPUTS, OrgProfile

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
    from .._model.profile import OrgProfile

    return {
        name: getattr(args, name) for name in OrgProfile.model_fields if getattr(args, name, None) is not None
    }


def _recommend(args: argparse.Namespace) -> int:
    from .._engine.recommend import recommend
    from .log import record_decision
    from .sensitivity import robustness_of

    _check_recommend_options(args)
    rulebook = load_rulebook(args.rulebook)
    result = recommend(profile_fields(args), rulebook=rulebook)
    robust = robustness_of(result, args)
    recorded = record_decision(args, result, rulebook)  # None without --log
    _print_recommendation(args, result, robust)
    if recorded:  # on stderr but for text, so that standard output stays one document
        print(recorded, file=sys.stdout if args.format == "text" else sys.stderr)
    return 0


def _check_recommend_options(args: argparse.Namespace) -> None:
    """Refuse, before any work, an option that the chosen format cannot show."""
    from .output import refuse

    if args.top is not None:
        refuse(args, "--top", ("text", "markdown"), "the other formats show every factor of the trace")
    tables = ("text", "markdown", "html", "json")
    if args.what_if:
        refuse(
            args, "--what-if", tables, "that format is one table, the trace; the counterfactuals are another"
        )
    if args.robustness:
        refuse(args, "--robustness", tables, "that format is one table, the trace; the margins are another")


def _print_recommendation(
    args: argparse.Namespace, result: Recommendation, robust: Robustness | None
) -> None:
    from .._render.recommendation import render_with

    counterfactuals = result.counterfactuals() if args.what_if else None
    top = 3 if args.top is None else args.top
    print(render_with(result, args.format, top=top, counterfactuals=counterfactuals, robustness=robust))


def _register_recommend(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "recommend",
        help="recommend a technical or traditional PM for one organisation",
        description="Recommend a technical or a traditional PM for one organisation and explain why.",
    )
    parser.set_defaults(handler=_recommend)
    return parser


def _recommend_options(parser: argparse.ArgumentParser) -> None:
    add_profile_options(parser)
    parser.add_argument("--rulebook", metavar="PATH", help="TOML rulebook (default: built-in)")
    from .output import add_format_option

    add_format_option(
        parser,
        ("text", "markdown", "html", "csv", "json"),
        what="the recommendation (csv: the trace)",
        aliases={"--json": "json", "--markdown": "markdown"},
    )
    parser.add_argument(
        "--top",
        type=positive_int,
        metavar="N",
        help="reasons to list on each side (default 3; text and markdown)",
    )
    parser.add_argument(
        "--what-if", action="store_true", help="also show the nearest change that flips the verdict"
    )
    from .log import add_record_options
    from .sensitivity import add_robustness_options

    add_record_options(parser)
    add_robustness_options(parser)


def _rules(args: argparse.Namespace) -> int:
    from .._render import render

    rulebook = load_rulebook(args.rulebook)
    print(render(rulebook, args.format), end="" if args.format == "toml" else "\n")
    return 0


def _register_rules(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "rules",
        help="show the factors of a rulebook (or print it as TOML to start a custom one)",
        description="Show every factor of the rulebook with its weight, inputs and article section.",
    )
    parser.set_defaults(handler=_rules)
    return parser


def _rules_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rulebook", metavar="PATH", help="TOML rulebook (default: built-in)")
    from .output import add_format_option

    add_format_option(
        parser,
        ("text", "markdown", "html", "csv", "json", "toml"),
        what="the rulebook (csv: one row per factor; toml: a file to start a custom rulebook)",
        aliases={"--toml": "toml"},
    )


if TYPE_CHECKING:  # argparse's _SubParsersAction is not subscriptable at run time
    _Register = Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], argparse.ArgumentParser]
    _AddOptions = Callable[[argparse.ArgumentParser], None]


def _subcommands() -> list[tuple[str, _Register, _AddOptions]]:
    """Every subcommand in ``--help`` order: its name, ``register`` and ``add_options``."""
    found: list[tuple[str, _Register, _AddOptions]] = [
        ("recommend", _register_recommend, _recommend_options),
        ("rules", _register_rules, _rules_options),
    ]
    for name in _SUBCOMMAND_MODULES:
        module = import_module(f"tpm_fit._cli.{name}")
        found.append((name, module.register, module.add_options))
    return found


def build_parser(*, commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser: every subcommand with its options, or only ``commands``' options.

    :func:`main` passes the subcommand being run, so that the others' options (some built from
    ``OrgProfile``'s fields) are not built; the documentation uses the full parser.
    """
    from .._version import __version__

    parser = _Parser(
        prog=PROG,
        description="Decide whether to hire a technical or a traditional product manager.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for name, register, add_options in _subcommands():
        subparser = register(subparsers)
        if commands is None or name in commands:
            add_options(subparser)
    return parser


#: Modules that add further subcommands, each with ``register(subparsers)`` and ``add_options``.
_SUBCOMMAND_MODULES: tuple[str, ...] = ("sweep", "verify", "log", "sensitivity", "brief", "serve", "tokens")


class _SafeStream:
    """Standard output or error as the CLI writes it: escaped, and quiet once its reader has gone.

    Every write passes through :func:`escape_unsafe`, so no input echoed by any subcommand can
    move the cursor or recolour the terminal. When the reader closes the pipe (``| head``), later
    writes are dropped instead of raising, so the command runs to its end and keeps its real exit
    status (a failed check piped into ``head`` still exits 1).
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.closed_pipe = False

    def write(self, text: str) -> int:
        if not self.closed_pipe:
            try:
                self._stream.write(escape_unsafe(text))
            except BrokenPipeError:
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self.closed_pipe:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    def _reader_gone(self) -> None:
        self.closed_pipe = True
        # Point the descriptor at /dev/null so that the interpreter's final flush stays quiet.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())

    @property
    def unescaped(self) -> TextIO:
        """The stream itself, for output the CLI makes up entirely (a progress bar's ``\\r``)."""
        return self._stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 check failed, 2 bad input).

    Every expected error is one line on standard error and exit status 2; an unexpected one is
    reported the same way (naming it an internal error), never as a traceback.
    """
    if sys.stdout is None:  # started with stdout closed (>&-): nowhere to write the answer
        return _fail("standard output is closed; redirect it to a file or /dev/null instead")
    saved = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, _SafeStream(sys.stdout))
    if sys.stderr is not None:
        sys.stderr = cast(TextIO, _SafeStream(sys.stderr))
    try:
        return _main(argv)
    except RecursionError:
        return _fail("input nested too deep to process; valid: the formats as documented")
    except Exception as exc:  # the last line of defence: never a traceback
        return _fail(f"internal error ({type(exc).__name__}: {short(str(exc))}); please report it")
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        sys.stdout, sys.stderr = saved


def _main(argv: Sequence[str] | None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    # The top-level options take no values, so the first other word names the subcommand.
    command = next((word for word in arguments if not word.startswith("-")), None)
    try:
        args = build_parser(commands={command} if command else ()).parse_args(arguments)
    except SystemExit as exc:  # --help, --version, or a usage error: argparse's own status
        sys.stdout.flush()
        return exc.code if isinstance(exc.code, int) else 2
    from pydantic import ValidationError  # here: --help and --version exit above without pydantic

    try:
        status: int = args.handler(args)
        sys.stdout.flush()  # surface a closed pipe here rather than at interpreter exit
    except ValidationError as exc:
        return _fail(format_validation_error(exc))
    except BrokenPipeError:  # a write that bypassed the guarded stream: the reader has gone
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except RulebookError as exc:
        where = f" @ {exc.location}" if exc.location else ""
        return _fail(f"{exc.message}{where}")
    except (TpmFitError, OSError, ValueError) as exc:  # ValueError: e.g. a file that is not UTF-8
        return _fail(str(exc) or type(exc).__name__)
    except (MemoryError, OverflowError) as exc:
        what = "out of memory" if isinstance(exc, MemoryError) else f"a number out of range ({exc})"
        return _fail(f"{what}; use a smaller grid, rulebook or value")
    except ImportError as exc:
        return _fail(f"{exc}; install the extra it needs, e.g. pip install 'tpm-fit[pandas]'")
    return status


def _fail(message: str) -> int:
    """Report an expected error as one line on stderr; exit status 2."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr closed too: the status says it
        print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)
    return 2
