"""Benchmark: Rulebook.verify() on the default rulebook, against baselines from the same run.

Run: ``python benchmarks/bench_verify.py [--repeats 21]``

Prints the median wall-clock time of a full verification, the grid size, and two baselines
measured in the same process, so the figure reads as a ratio rather than bare seconds:

- *one kernel pass*: the vectorised kernel scoring every grid point once
  (``contributions`` + ``score``), the least any grid-based check must do;
- *recommend() x grid*: the median time of one ``recommend()`` call times the grid size, i.e.
  what checking the same points one profile at a time would cost (before neighbours are scored).

Issue 4 asks for the default rulebook to verify in well under a second.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import timeit
from collections.abc import Callable

import numpy as np

import tpm_fit
from tpm_fit import Rulebook, verify_rulebook
from tpm_fit._engine.kernel import compile_rulebook
from tpm_fit._model.profile import ORDERED_INPUTS


def median_seconds(func: Callable[[], object], *, repeats: int, number: int = 1) -> float:
    """Median seconds per call over ``repeats`` runs of ``number`` calls."""
    return statistics.median(timeit.repeat(func, number=number, repeat=repeats)) / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()

    rulebook = Rulebook.default()
    report = verify_rulebook(rulebook)  # warm caches (rulebook load, compile)
    assert report.ok, report.to_text()

    verify = median_seconds(lambda: verify_rulebook(rulebook), repeats=args.repeats)

    # Baseline 1: one vectorised kernel pass over the same grid.
    compiled = compile_rulebook(rulebook)
    axes = [np.asarray(range(len(axis.values))) for axis in report.grid]
    mesh = [m.ravel() for m in np.meshgrid(*axes, indexing="ij")]
    columns: dict[str, np.ndarray] = {}
    for axis, codes in zip(report.grid, mesh, strict=True):
        if axis.input in ORDERED_INPUTS:  # the kernel reads level ranks
            ranks = np.asarray([ORDERED_INPUTS[axis.input](v).rank for v in axis.values])
            columns[axis.input] = ranks[codes]
        else:
            columns[axis.input] = np.asarray(axis.values, dtype=np.float64)[codes]
    n = report.grid_points
    one_pass = median_seconds(
        lambda: compiled.score(compiled.contributions(columns, n)), repeats=args.repeats
    )

    # Baseline 2: recommend() one profile at a time, scaled to the grid size.
    profile = report.verdicts[0].witness
    assert profile is not None
    tpm_fit.recommend(profile, rulebook=rulebook)
    per_call = median_seconds(lambda: tpm_fit.recommend(profile, rulebook=rulebook), repeats=9, number=2_000)

    print(f"tpm_fit {tpm_fit.__version__}, Python {platform.python_version()}, numpy {np.__version__}")
    print(
        f"grid: {report.grid_points:,} points, {report.evaluations:,} kernel evaluations "
        f"(points plus their neighbours for {len(report.axioms)} axioms)"
    )
    print(f"verify_rulebook(default): median {verify * 1e3:.2f} ms over {args.repeats} runs")
    ratio = verify / one_pass
    print(f"baseline, one kernel pass over the grid: {one_pass * 1e3:.2f} ms -> verify = {ratio:.1f}x")
    print(
        f"baseline, recommend() x grid size: {per_call * 1e6:.1f} us x {n:,} = {per_call * n * 1e3:.1f} ms "
        f"-> verify = {verify / (per_call * n):.3f}x ({per_call * n / verify:.0f}x faster)"
    )
    print(f"target: well under 1 s -> {'met' if verify < 0.25 else 'NOT met'} ({verify:.3f} s)")


if __name__ == "__main__":
    main()
