"""How fast is recommend_many, DataFrame to DataFrame, against a plain float64 matmul?

Run:  python benchmarks/bench_batch.py                 (1,000,000 rows, then 10^3 .. 10^6)
      python benchmarks/bench_batch.py --max-rows 1e7  (the scaling table up to 10^7 rows)

The input frame has string enum columns (pandas' default string dtype, as read from a CSV) and
int64 numbers; the output has every column (verdict, score, role_shape, one contribution per
factor). The reference is ``(N x K) @ (K,)`` in float64 for the rulebook's K factors, measured in
the same run, so the ratio does not depend on the machine's speed. Times are medians.
"""

from __future__ import annotations

import argparse
import os
import platform
from typing import Any

import numpy as np
import pandas as pd
from _common import run_medians

import tpm_fit
from tpm_fit import Rulebook, recommend_many
from tpm_fit._batch.frame import encode_frame, result_frame, run_kernel
from tpm_fit._engine.kernel import compile_rulebook
from tpm_fit._model.profile import ORDERED_INPUTS

TARGET_RATIO = 60.0


def scenarios(n: int, *, seed: int = 0) -> pd.DataFrame:
    """``n`` random but realistic profiles: log-uniform company sizes, small counts, string levels."""
    rng = np.random.default_rng(seed)
    size = np.rint(np.exp(rng.uniform(np.log(1), np.log(100_000), n))).astype(np.int64)
    columns: dict[str, Any] = {
        "company_size": size,
        # Counts of people never exceed the headcount (OrgProfile refuses it).
        "strategy_coverage": np.minimum(rng.integers(0, 4, n), size),
        "marketing_coverage": np.minimum(rng.integers(0, 4, n), size),
        "technical_coverage": np.minimum(rng.integers(0, 4, n), size),
        "product_team_size": np.minimum(rng.integers(0, 6, n), size),
    }
    for name, levels in ORDERED_INPUTS.items():
        names = np.array([level.value for level in levels])
        columns[name] = pd.array(names[rng.integers(0, len(names), n)], dtype="str")
    return pd.DataFrame(columns)


def measure(n: int, *, repeats: int) -> dict[str, float]:
    frame = scenarios(n)
    compiled = compile_rulebook(Rulebook.default())
    k = len(compiled.factor_ids)
    rng = np.random.default_rng(1)
    matrix, weights = rng.random((n, k)), rng.random(k)
    encoded = encode_frame(frame)
    scored = run_kernel(compiled, encoded)
    return run_medians(
        {
            "total": lambda: recommend_many(frame),
            "encode": lambda: encode_frame(frame),
            "kernel": lambda: run_kernel(compiled, encoded),
            "frame": lambda: result_frame(compiled, scored, frame.index, errors=None),
            "matmul": lambda: matrix @ weights,
        },
        repeats=repeats,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=1e6, help="rows for the headline figure (default 1e6)")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per figure (default 7)")
    parser.add_argument("--max-rows", type=float, default=1e6, help="largest row count of the scaling table")
    args = parser.parse_args()

    k = len(Rulebook.default().factor_ids)
    print(
        f"tpm_fit {tpm_fit.__version__}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print(f"{k} factors; median of {args.repeats} runs after one warm-up\n")

    n = int(args.rows)
    head = measure(n, repeats=args.repeats)
    ratio = head["total"] / head["matmul"]
    print(f"recommend_many, {n:,} rows, DataFrame to DataFrame: {head['total'] * 1e3:.1f} ms")
    print(f"float64 ({n:,} x {k}) @ ({k},) matmul:               {head['matmul'] * 1e3:.2f} ms")
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"ratio: {ratio:.1f}x the matmul ({verdict} the {TARGET_RATIO:.0f}x target)\n")

    print(f"{'rows':>12} {'total ms':>10} {'ns/row':>8} {'encode':>8} {'kernel':>8} {'frame':>8} "
          f"{'matmul':>8} {'ratio':>7}")  # fmt: skip
    size = 1_000
    while size <= int(args.max_rows):
        row = head if size == n else measure(size, repeats=args.repeats if size < 10**7 else 3)
        print(
            f"{size:>12,} {row['total'] * 1e3:>10.2f} {row['total'] / size * 1e9:>8.0f} "
            f"{row['encode'] * 1e3:>8.2f} {row['kernel'] * 1e3:>8.2f} {row['frame'] * 1e3:>8.2f} "
            f"{row['matmul'] * 1e3:>8.3f} {row['total'] / row['matmul']:>6.1f}x"
        )
        size *= 10
    print("\nencode = validation + encoding of the input columns; kernel = contributions, score, verdict and")
    print("role-shape codes; frame = building the output DataFrame (milliseconds, medians).")


if __name__ == "__main__":
    main()
