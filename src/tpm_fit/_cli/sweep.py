"""``tpm-fit sweep``: score every combination of some profile values, write or summarise them.

Axes come from options taking several values (``--company-size 5 50 500``) and/or a small TOML
grid file (``--grid grid.toml``) whose keys are ``OrgProfile`` fields::

    company_size = { start = 5, stop = 50000, num = 25, log = true }  # a range of integers
    product_complexity = ["low", "moderate", "high", "very_high"]
    engineering_capability = "strong"                                # one value pins a field

Options override the file's axes. The scored scenarios go to ``--output`` (``.csv``, or
``.parquet`` when pyarrow is installed); a summary is printed either way (``--json`` for machines).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from pathlib import Path
from typing import Any, Final, TextIO

from .._errors import RulebookError, TpmFitError, short
from .common import load_rulebook, positive_int

#: Same default as scenario_grid(max_rows=...); kept here so that --help needs no pandas.
DEFAULT_MAX_ROWS: Final = 50_000_000

__all__ = ["add_options", "register"]

_OUTPUT_SUFFIXES: Final = (".csv", ".parquet")
_RANGE_KEYS: Final = frozenset({"start", "stop", "num", "log"})


def _check_range_keys(where: str, name: str, spec: dict[str, Any]) -> None:
    """A range has ``start`` and ``stop``, maybe ``num`` and ``log``, and is for an integer field."""
    unknown = sorted(set(spec) - _RANGE_KEYS)
    if unknown or not {"start", "stop"} <= set(spec):
        raise TpmFitError(
            f"{where}: a range is a table with start, stop and optionally num (default 10) and "
            f"log (default false); got keys {short(sorted(spec))}"
        )
    from .._model.profile import ORDERED_INPUTS

    if name in ORDERED_INPUTS:
        raise TpmFitError(f"{where}: ranges are for integer fields; list the levels instead")


def _range_bounds(
    where: str, name: str, spec: dict[str, Any], *, max_rows: int
) -> tuple[int, int, int, bool]:
    """``(start, stop, num, log)`` of a range table, checked; a :class:`TpmFitError` names the fault."""
    _check_range_keys(where, name, spec)
    start, stop, num, log = spec["start"], spec["stop"], spec.get("num", 10), spec.get("log", False)
    if not all(type(v) is int for v in (start, stop, num)) or type(log) is not bool:
        raise TpmFitError(
            f"{where}: start={short(start)}, stop={short(stop)}, num={short(num)}, log={short(log)}: "
            "not whole numbers and a boolean; valid: integers for start, stop and num, true or false for log"
        )
    from .._model.profile import NUMERIC_BOUNDS

    low, high = NUMERIC_BOUNDS.get(name, (0, 2**62))
    for key, value in (("start", start), ("stop", stop)):
        if not low <= value <= high:
            raise TpmFitError(
                f"{where}: {key}={short(value)}: out of the range of {name}; valid: a whole number "
                f"from {low:,} to {high:,}"
            )
    if num < 1 or stop < start or (log and start < 1):
        raise TpmFitError(f"{where}: need num >= 1, stop >= start, and start >= 1 for a log range")
    if num > stop - start + 1:
        raise TpmFitError(
            f"{where}: num={num:,}: more values than the {stop - start + 1:,} whole numbers from "
            f"{start:,} to {stop:,}; valid: num of at most {stop - start + 1:,}"
        )
    if num > max_rows:  # checked before numpy allocates num values
        raise TpmFitError(
            f"{where}: num={num:,}: more values than --max-rows={max_rows:,}; valid: num of at most "
            f"{max_rows:,} (or raise --max-rows)"
        )
    return start, stop, num, log


def _integer_range(path: str, name: str, spec: dict[str, Any], *, max_rows: int) -> list[int]:
    """Whole numbers from ``start`` to ``stop`` (both included), ``num`` of them before rounding."""
    import numpy as np

    start, stop, num, log = _range_bounds(f"{path}: {name}", name, spec, max_rows=max_rows)
    points = np.geomspace(start, stop, num) if log else np.linspace(start, stop, num)
    # Rounding can repeat small values on a log range; scenario_grid keeps each value once.
    values: list[int] = np.rint(points).astype(np.int64).tolist()
    return values


def read_grid_file(path: str, *, max_rows: int = DEFAULT_MAX_ROWS) -> dict[str, Any]:
    """Axes from a TOML grid file: field = list, single value, or {start, stop, num, log} range.

    The file is read and parsed with the rulebook's bounds (a regular file of at most 1 MiB,
    bounded keys and nesting), so a hostile grid file is refused in bounded time and memory.
    """
    from .._model.loading import parse_toml, read_rulebook_file, shown_path

    try:
        data = parse_toml(read_rulebook_file(Path(path), what="grid file"), what="grid file")
    except RulebookError as exc:
        where = f" @ {exc.location}" if exc.location else ""
        message = (
            exc.message if exc.message.startswith(shown_path(path)) else f"{shown_path(path)}: {exc.message}"
        )
        raise TpmFitError(message.replace("invalid TOML", "not valid TOML") + where) from None
    for name, value in data.items():  # each range checked (cheaply) before the product, then built
        if isinstance(value, dict):
            _range_bounds(f"{path}: {name}", name, value, max_rows=max_rows)
    _check_file_rows(path, data, max_rows=max_rows)
    return {
        name: _integer_range(path, name, value, max_rows=max_rows) if isinstance(value, dict) else value
        for name, value in data.items()
    }


def _spec_length(value: Any) -> int:
    """Values an axis of a grid file has, from its spec (a range's ``num``), before it is built."""
    if isinstance(value, dict):
        num = value.get("num", 10)
        return num if type(num) is int and num > 0 else 1
    return len(value) if isinstance(value, list) else 1


def _check_file_rows(path: str, data: dict[str, Any], *, max_rows: int) -> None:
    """Refuse a grid file whose axes multiply past ``max_rows``, before any range is built."""
    total = 1
    for value in data.values():
        total *= _spec_length(value)
    if total > max_rows:
        shape = " x ".join(f"{name} ({_spec_length(value):,})" for name, value in data.items())
        raise TpmFitError(
            f"{shown_path_of(path)}: the grid {shape} has {total:,} rows, more than "
            f"--max-rows={max_rows:,}; valid: fewer values (or raise --max-rows)"
        )


def shown_path_of(path: str) -> str:
    from .._model.loading import shown_path

    return shown_path(path)


def _runs(scored: Any, axis: str) -> list[dict[str, Any]]:
    """Stretches of ``axis`` (in order) over which the verdict stays the same."""
    ordered = scored.sort_values(axis, kind="stable")
    verdicts = ordered["verdict"].astype(str)
    starts = verdicts.ne(verdicts.shift()).to_numpy().nonzero()[0].tolist()
    values = ordered[axis].astype(object).tolist()
    ends = [*[s - 1 for s in starts[1:]], len(values) - 1]
    return [
        {"from": _plain(values[s]), "to": _plain(values[e]), "verdict": verdicts.iloc[s]}
        for s, e in zip(starts, ends, strict=True)
    ]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _flips(scored: Any, varying: list[str]) -> dict[str, Any] | None:
    """Where the verdict flips: along one varying axis, or along x for each value of y."""
    if len(varying) == 1:
        return {"axis": varying[0], "runs": _runs(scored, varying[0])}
    if len(varying) != 2:
        return None
    x = "company_size" if "company_size" in varying else varying[1]
    y = varying[0] if varying[1] == x else varying[1]
    by_y = {str(key): _runs(group, x) for key, group in scored.groupby(y, sort=True, observed=True)}
    return {"axis": x, "by": y, "runs": by_y}


def _summary(scored: Any, axes: dict[str, list[Any]], rulebook: Any, output: str | None) -> dict[str, Any]:
    score = scored["score"]
    varying = [name for name, values in axes.items() if len(values) > 1]
    return {
        "scenarios": len(scored),
        "axes": axes,
        "rulebook": {"name": rulebook.name, "version": rulebook.version, "fingerprint": rulebook.fingerprint},
        "verdicts": {str(k): int(v) for k, v in scored["verdict"].value_counts(sort=False).items()},
        "role_shapes": {str(k): int(v) for k, v in scored["role_shape"].value_counts(sort=False).items()},
        "score": {
            "min": float(score.min()),
            "median": float(score.median()),
            "max": float(score.max()),
        },
        "flips": _flips(scored, varying),
        "output": output,
    }


def _write(table: Any, path: str) -> None:
    if path.lower().endswith(".csv"):
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path, index=False)


#: Sweeps of more rows than this (about a second of scoring) show progress on a terminal.
_PROGRESS_ROWS: Final = 2_000_000
_CHUNK_ROWS: Final = 1 << 20


class _PlainProgress:
    """A one-line progress report on stderr, for when tqdm is not installed."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.stream, self.shown = total, 0, stream, 0.0

    def update(self, rows: int) -> None:
        self.done += rows
        now = time.monotonic()
        if now - self.shown >= 0.5 or self.done >= self.total:
            self.shown = now
            self.stream.write(
                f"\rscored {self.done:,} of {self.total:,} scenarios ({self.done / self.total:.0%})"
            )
            self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def progress_bar(total: int, *, stream: TextIO) -> Any:
    """tqdm's bar when tqdm is installed (the ecosystem's convention), else a plain line."""
    try:
        tqdm = importlib.import_module("tqdm").tqdm
    except ImportError:
        return _PlainProgress(total, stream)
    return tqdm(total=total, unit=" scenarios", unit_scale=True, file=stream, leave=False)


def _score(grid: Any, rulebook: Any, *, progress: bool) -> Any:
    """recommend_many over the grid, in chunks with a progress bar when asked and worth it."""
    import pandas as pd

    from .._batch.frame import recommend_many

    if not progress or len(grid) <= _PROGRESS_ROWS:
        return recommend_many(grid, rulebook=rulebook)
    # The bar's own \r and colours go to the terminal as they are: it prints no user input.
    bar = progress_bar(len(grid), stream=getattr(sys.stderr, "unescaped", sys.stderr))
    parts = []
    try:
        for start in range(0, len(grid), _CHUNK_ROWS):
            parts.append(recommend_many(grid.iloc[start : start + _CHUNK_ROWS], rulebook=rulebook))
            bar.update(len(parts[-1]))
    finally:
        bar.close()
    return pd.concat(parts)


def _require_pandas() -> None:
    try:
        importlib.import_module("pandas")
    except ImportError:
        raise TpmFitError(
            "tpm-fit sweep needs pandas; install it with: pip install 'tpm-fit[pandas]'"
        ) from None


def _check_output(output: str | None) -> None:
    """Refuse an ``--output`` path that cannot be written: a wrong suffix, or Parquet without pyarrow."""
    if output is None:
        return
    if not output.lower().endswith(_OUTPUT_SUFFIXES):
        raise TpmFitError(
            f"--output={short(output)}: not a .csv or .parquet path; valid: a path ending in one"
        )
    if Path(output).is_fifo():  # writing would wait for a reader
        raise TpmFitError(f"--output={short(output)}: a FIFO; valid: a file path")
    if output.lower().endswith(".parquet") and importlib.util.find_spec("pyarrow") is None:
        raise TpmFitError("writing Parquet needs pyarrow; install it with: pip install pyarrow (or use .csv)")


def _axes(args: argparse.Namespace) -> dict[str, Any]:
    """The grid file's axes (if any), overridden by the axes given as options."""
    from .._model.profile import OrgProfile

    axes: dict[str, Any] = read_grid_file(args.grid, max_rows=args.max_rows) if args.grid is not None else {}
    for name in OrgProfile.model_fields:
        given = getattr(args, name, None)
        if given is not None:
            axes[name] = given
    return axes


def _sweep(args: argparse.Namespace) -> int:
    rulebook = load_rulebook(args.rulebook)
    _require_pandas()
    from .._batch.frame import scenario_grid

    output: str | None = args.output
    _check_output(output)
    axes = _axes(args)
    grid = scenario_grid(max_rows=args.max_rows, **axes)
    if len(grid) == 0:
        raise TpmFitError(
            "every combination has a count (coverage or product team) above company_size, so no "
            "scenario describes a company; valid: counts of at most the company sizes swept"
        )
    show = not args.quiet and sys.stderr is not None and sys.stderr.isatty()
    scored = grid.join(_score(grid, rulebook, progress=show))
    if output is not None:
        _write(scored, output)
    chosen = {name: list(dict.fromkeys(grid[name].astype(object).tolist())) for name in axes}
    summary = _summary(scored, chosen, rulebook, output)
    from .._render.sweep import sweep_summary_as

    print(sweep_summary_as(summary, args.format))
    if output is not None and args.format == "csv":  # the table has no row for it: say it aside
        print(f"wrote {summary['scenarios']} scenarios to {output}", file=sys.stderr)
    return 0


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``sweep`` subcommand."""
    parser = subparsers.add_parser(
        "sweep",
        help="score every combination of some profile values (a scenario grid)",
        description=(
            "Score every combination of the given profile values and summarise where the verdict "
            "flips. Fields not given take their defaults; company size and product complexity are "
            "required (as options or in --grid)."
        ),
        epilog=(
            "example: tpm-fit sweep --company-size 5 50 500 5000 --product-complexity low high "
            "--output scenarios.csv"
        ),
    )
    parser.set_defaults(handler=_sweep)
    return parser


def add_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``sweep`` subcommand's options: one axis option per OrgProfile field, then the rest."""
    from .._model.profile import ORDERED_INPUTS, OrgProfile

    group = parser.add_argument_group("axes (each option takes one or more values)")
    for name, info in OrgProfile.model_fields.items():
        flag = "--" + name.replace("_", "-")
        if name in ORDERED_INPUTS:
            choices = [level.value for level in ORDERED_INPUTS[name]]
            group.add_argument(
                flag, dest=name, nargs="+", choices=choices, metavar="LEVEL", help=info.description
            )
        else:
            group.add_argument(flag, dest=name, nargs="+", type=int, metavar="N", help=info.description)
    parser.add_argument(
        "--grid",
        metavar="PATH",
        help="TOML file of axes: field = [values], field = value, or field = {start, stop, num, log}",
    )
    parser.add_argument("--output", metavar="PATH", help="write every scored scenario to .csv or .parquet")
    parser.add_argument("--rulebook", metavar="PATH", help="TOML rulebook (default: built-in)")
    from .output import add_format_option

    add_format_option(
        parser,
        ("text", "markdown", "html", "csv", "json"),
        what="the summary (csv: the verdict counts; the scenarios: --output)",
        aliases={"--json": "json"},
    )
    parser.add_argument(
        "--max-rows",
        type=positive_int,
        default=DEFAULT_MAX_ROWS,
        metavar="N",
        help=f"refuse grids of more scenarios than this (default {DEFAULT_MAX_ROWS:,})",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar (shown on a terminal for long sweeps)"
    )
