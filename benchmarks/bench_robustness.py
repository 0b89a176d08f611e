"""How much do the robustness figures cost? Three targets from issue 11, measured in one run.

Run:  python benchmarks/bench_robustness.py

- ``Recommendation.robustness()`` with 10,000 samples, per profile (target: at most 5 ms), over
  distinct random profiles, next to ``recommend()`` of the same profiles for scale;
- ``recommend_many(frame, margins=True)`` on 1,000,000 rows against the same call without margins
  (target: at most 1.5x), runs interleaved so that a busy moment slows both alike;
- ``Rulebook.sensitivity()`` on the default rulebook (target: under 1 s).

Times are medians.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import tpm_fit
from tpm_fit import Rulebook, recommend, recommend_many

sys.path.insert(0, str(Path(__file__).parent))
from _common import run_medians
from bench_batch import scenarios

TARGET_MS_PER_PROFILE = 5.0
TARGET_MARGIN_RATIO = 1.5
TARGET_SENSITIVITY_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=200, help="distinct profiles for robustness()")
    parser.add_argument("--samples", type=int, default=10_000, help="weight samples per robustness()")
    parser.add_argument("--rows", type=float, default=1e6, help="rows for recommend_many (default 1e6)")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per figure (default 7)")
    args = parser.parse_args()

    print(
        f"tpm_fit {tpm_fit.__version__}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; medians of {args.repeats} runs\n"
    )

    frame = scenarios(args.profiles, seed=3)
    profiles = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]
    results = [recommend(p) for p in profiles]
    per = run_medians(
        {
            "recommend": lambda: [recommend(p) for p in profiles],
            "robustness": lambda: [r.robustness(samples=args.samples) for r in results],
        },
        repeats=args.repeats,
    )
    ms = per["robustness"] / len(results) * 1e3
    verdict = "within" if ms <= TARGET_MS_PER_PROFILE else "ABOVE"
    print(f"robustness(samples={args.samples:,}), {len(results)} distinct profiles: {ms:.3f} ms per profile")
    print(f"  recommend() of the same profiles:             {per['recommend'] / len(results) * 1e3:.3f} ms")
    print(f"  ({verdict} the {TARGET_MS_PER_PROFILE:g} ms target)\n")

    n = int(args.rows)
    big = scenarios(n)
    batch = run_medians(
        {
            "plain": lambda: recommend_many(big),
            "margins": lambda: recommend_many(big, margins=True),
        },
        repeats=args.repeats,
    )
    ratio = batch["margins"] / batch["plain"]
    verdict = "within" if ratio <= TARGET_MARGIN_RATIO else "ABOVE"
    print(f"recommend_many, {n:,} rows, margins=False: {batch['plain'] * 1e3:.1f} ms")
    print(f"recommend_many, {n:,} rows, margins=True:  {batch['margins'] * 1e3:.1f} ms")
    print(f"ratio: {ratio:.2f}x ({verdict} the {TARGET_MARGIN_RATIO:g}x target)\n")

    book = Rulebook.default()
    sens = run_medians({"sensitivity": lambda: book.sensitivity()}, repeats=args.repeats)["sensitivity"]
    report = book.sensitivity()
    verdict = "within" if sens < TARGET_SENSITIVITY_S else "ABOVE"
    print(
        f"Rulebook.default().sensitivity(): {sens * 1e3:.1f} ms over {report.grid_points:,} grid points "
        f"({verdict} the {TARGET_SENSITIVITY_S:g} s target)"
    )


if __name__ == "__main__":
    main()
