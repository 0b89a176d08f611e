"""Kernel speed, every figure of issue 13 in one run: batch, single call, small frames, import.

Run:  python benchmarks/bench_speed.py                  (10^3 .. 10^6 rows)
      python benchmarks/bench_speed.py --max-rows 1e7   (adds 10^7 rows; needs about 3 GB)

Every figure is a median of interleaved runs, reported with its ratio to a reference measured in
the same run, so that the ratios hold on a busy shared machine:

- ``recommend_many`` on string, categorical and Arrow dictionary level columns, against the
  ``(N x K) @ (K,)`` float64 matmul floor (K factors), and against scikit-criteria's weighted sum
  on the same matrix when scikit-criteria is installed;
- the per-stage split (encode; kernel = both stages as ``recommend_many`` runs them: the seat,
  activations, contributions, score, verdict and risk flags; "(seat)" = the seat stage alone, for
  scale, since the kernel folds it into its table index when it can; output = the result
  DataFrame) and the peak memory per row (tracemalloc, numpy's and pandas' allocations during the
  call, the input frame excluded);
- ``recommend()`` with its full trace against ``OrgProfile.model_validate`` of the same dicts;
- the fixed cost of ``recommend_many`` on a one-row frame;
- ``import tpm_fit`` against ``import numpy, pydantic`` (fresh interpreters); every public name
  loads on first use, so the cost of actually using the API, ``import tpm_fit`` plus a first
  ``recommend()``, is reported next to it in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from _common import random_profiles, run_medians

import tpm_fit
from tpm_fit import OrgProfile, Rulebook, recommend_many
from tpm_fit._batch.frame import PARALLEL_ROWS, encode_frame, result_frame, run_kernel, thread_count
from tpm_fit._engine.kernel import compile_rulebook
from tpm_fit._model.profile import ORDERED_INPUTS

TARGETS = {
    "categorical": 6.0,  # x matmul floor at 1M rows
    "string": 10.0,
    "bytes_per_row": 110.0,  # peak at 10^7 rows
    "recommend": 6.0,  # x OrgProfile.model_validate
    "small_frame_ms": 0.2,
    "import": 1.3,  # x import numpy, pydantic
}
KINDS = ("string", "categorical", "arrow")


def scenarios(n: int, kind: str, *, seed: int = 0) -> pd.DataFrame:
    """``n`` realistic profiles: log-uniform sizes, small counts, level columns of ``kind``."""
    rng = np.random.default_rng(seed)
    size = np.rint(np.exp(rng.uniform(0.0, np.log(100_000), n))).astype(np.int64)
    columns: dict[str, Any] = {
        "company_size": size,
        "strategy_coverage": np.minimum(rng.integers(0, 4, n), size),
        "marketing_coverage": np.minimum(rng.integers(0, 4, n), size),
        "technical_coverage": np.minimum(rng.integers(0, 4, n), size),
        "product_team_size": np.minimum(rng.integers(0, 6, n), size),
    }
    for name, levels in ORDERED_INPUTS.items():
        names = [level.value for level in levels]
        codes = rng.integers(0, len(names), n).astype(np.int8)
        if kind == "categorical":
            columns[name] = pd.Categorical.from_codes(codes, categories=names)
        elif kind == "arrow":
            import pyarrow as pa

            array = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(names))
            columns[name] = pd.array(array, dtype=pd.ArrowDtype(array.type))
        else:
            columns[name] = pd.array(np.array(names)[codes], dtype="str")
    return pd.DataFrame(columns)


#: Runs that call numpy's BLAS. OpenBLAS's worker threads keep spinning on their cores for a
#: while (about 0.1 s) after a call returns, which would take a core from whichever case runs
#: next; the bench waits that out after each of these runs (their own times are unaffected).
_BLAS_RUNS = frozenset({"matmul", "einsum", "skcriteria"})
_BLAS_SETTLE_SECONDS = 0.25


def peak_bytes(run: Callable[[], object]) -> int:
    """Peak bytes allocated (tracemalloc) while ``run`` runs, above what was allocated before."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        run()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def weighted_sum(matrix: np.ndarray, weights: np.ndarray) -> Callable[[], object] | None:
    """scikit-criteria's weighted-sum aggregation on ``matrix``, or None when not installed."""
    try:
        from skcriteria.agg.simple import WeightedSumModel
        from skcriteria.core import mkdm
    except ImportError:
        return None
    dm = mkdm(matrix, objectives=[max] * matrix.shape[1], weights=weights)
    model = WeightedSumModel()
    return lambda: model.evaluate(dm)


def batch_row(n: int, kind: str, *, repeats: int) -> dict[str, float]:
    frame = scenarios(n, kind)
    compiled = compile_rulebook(Rulebook.default())
    k = len(compiled.factor_ids)
    rng = np.random.default_rng(1)
    matrix, weights = rng.random((n, k)), rng.random(k)
    threads = thread_count(None, n)  # as recommend_many chooses
    encoded = encode_frame(frame)
    scored = run_kernel(compiled, encoded)
    runs: dict[str, Callable[[], object]] = {
        "total": lambda: recommend_many(frame),
        "encode": lambda: encode_frame(frame, threads=threads),
        "seat": lambda: compiled.seat.batch(encoded.columns, n),
        "kernel": lambda: compiled.evaluate(encoded.columns, n, threads=threads),
        "output": lambda: result_frame(compiled, scored, frame.index, errors=None),
        "matmul": lambda: matrix @ weights,
        "einsum": lambda: np.einsum("nk,k->n", matrix, weights),
    }
    skc = weighted_sum(matrix, weights) if n <= 10**6 else None
    if skc is not None:
        runs["skcriteria"] = skc
    out = run_medians(
        runs, repeats=repeats, pause_after=_BLAS_RUNS if threads > 1 else (), pause=_BLAS_SETTLE_SECONDS
    )
    out["floor"] = min(out["matmul"], out["einsum"])
    out["peak"] = peak_bytes(lambda: recommend_many(frame)) / n
    return out


def single_call(*, repeats: int, number: int) -> dict[str, float]:
    pool = random_profiles(number)
    tpm_fit.recommend(pool[0])
    one_row = scenarios(1, "categorical")
    recommend_many(one_row)

    def validate() -> None:
        for fields in pool:
            OrgProfile.model_validate(fields)

    def recommend() -> None:
        for fields in pool:
            tpm_fit.recommend(fields)

    out = run_medians({"validate": validate, "recommend": recommend}, repeats=repeats)
    out = {name: seconds / number for name, seconds in out.items()}
    small = run_medians({"one_row": lambda: recommend_many(one_row)}, repeats=repeats * 20)
    out.update(small)
    return out


_IMPORT = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"


def import_times(*, repeats: int) -> dict[str, float]:
    """Median seconds of each import in fresh interpreters, interleaved."""
    cases = {
        "numpy, pydantic": "import numpy, pydantic",
        # What any package pays to define one pydantic model (pydantic then loads its schema
        # machinery and its plugin loader, which imports importlib.metadata).
        "one model": "import numpy, pydantic; pydantic.create_model('M', x=(int, 0))",
        "tpm_fit": "import tpm_fit",
        # The import alone loads no model: this is what a first call actually costs.
        "tpm_fit + recommend": "import tpm_fit; tpm_fit.recommend(company_size=40, product_complexity='low')",
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, statement in cases.items():
            done = subprocess.run(
                [sys.executable, "-c", _IMPORT.format(statement)],
                capture_output=True,
                text=True,
                check=True,
            )
            times[name].append(float(done.stdout))
    return {name: statistics.median(values) for name, values in times.items()}


def verdict(value: float, target: float) -> str:
    return f"{'within' if value <= target else 'ABOVE'} {target:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-rows", type=float, default=1e6, help="largest row count (default 1e6)")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per figure (default 7)")
    parser.add_argument("--number", type=int, default=2_000, help="profiles per recommend() round")
    parser.add_argument("--kinds", default=",".join(KINDS), help="level column kinds to measure")
    args = parser.parse_args()
    kinds = [kind for kind in args.kinds.split(",") if kind]
    k = len(Rulebook.default().factor_ids)
    print(
        f"tpm_fit {tpm_fit.__version__}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {k} factors; medians of "
        f"{args.repeats} interleaved runs after a warm-up"
    )
    print(
        f"recommend_many matches string columns on {thread_count(None, PARALLEL_ROWS)} thread(s) from "
        f"{PARALLEL_ROWS:,} rows (threads=None); the floor's matmul uses numpy's BLAS threads"
    )
    print(
        f"on threaded cases the bench waits {_BLAS_SETTLE_SECONDS} s after each BLAS run (OpenBLAS's "
        "workers spin on the cores for about 0.1 s after a call)"
    )

    print("\n## recommend_many, DataFrame to DataFrame (ms; ratios to the same-run floor)")
    print(
        f"{'levels':>11} {'rows':>11} {'total':>9} {'encode':>8} {'kernel':>8} {'(seat)':>7} {'output':>8} "
        f"{'floor':>7} {'x floor':>8} {'x skc':>6} {'B/row':>6}"
    )
    headline: dict[str, dict[str, float]] = {}
    biggest: float | None = None
    size = 1_000
    while size <= int(args.max_rows):
        for kind in kinds:
            repeats = args.repeats if size < 10**7 else 3
            row = batch_row(size, kind, repeats=repeats)
            skc = f"{row['skcriteria'] / row['total']:>5.1f}x" if "skcriteria" in row else "     -"
            print(
                f"{kind:>11} {size:>11,} {row['total'] * 1e3:>9.2f} {row['encode'] * 1e3:>8.2f} "
                f"{row['kernel'] * 1e3:>8.2f} {row['seat'] * 1e3:>7.2f} {row['output'] * 1e3:>8.2f} "
                f"{row['floor'] * 1e3:>7.3f} {row['total'] / row['floor']:>7.1f}x {skc} {row['peak']:>6.0f}"
            )
            if size == 10**6:
                headline[kind] = row
            if size == 10**7:
                biggest = max(biggest or 0.0, row["peak"])
        size *= 10
    print("kernel: the seat and the background, as recommend_many runs them; (seat): the seat alone")
    print("x skc: how many times faster than scikit-criteria's weighted sum ('-': not installed)")

    single = single_call(repeats=args.repeats, number=args.number)
    ratio = single["recommend"] / single["validate"]
    imports = import_times(repeats=max(5, args.repeats))
    import_ratio = imports["tpm_fit"] / imports["numpy, pydantic"]

    print("\n## Targets (issue 13)")
    for kind in ("categorical", "string"):
        if kind in headline:
            row = headline[kind]
            value = row["total"] / row["floor"]
            print(f"1M rows, {kind} levels: {value:.1f}x the matmul floor ({verdict(value, TARGETS[kind])})")
    if biggest is not None:
        print(f"10^7 rows, peak: {biggest:.0f} bytes/row ({verdict(biggest, TARGETS['bytes_per_row'])})")
    print(
        f"recommend(), full trace: {single['recommend'] * 1e6:.2f} us, {ratio:.1f}x "
        f"OrgProfile.model_validate {single['validate'] * 1e6:.2f} us "
        f"({verdict(ratio, TARGETS['recommend'])})"
    )
    print(
        f"recommend_many, one row: {single['one_row'] * 1e3:.3f} ms "
        f"({verdict(single['one_row'] * 1e3, TARGETS['small_frame_ms'])} ms)"
    )
    print(
        f"import tpm_fit: {imports['tpm_fit'] * 1e3:.1f} ms, {import_ratio:.2f}x import numpy, pydantic "
        f"{imports['numpy, pydantic'] * 1e3:.1f} ms ({verdict(import_ratio, TARGETS['import'])})"
    )
    print(
        f"  for scale: import numpy, pydantic and define one model: {imports['one model'] * 1e3:.1f} ms "
        f"({imports['one model'] / imports['numpy, pydantic']:.2f}x); tpm_fit is "
        f"{imports['tpm_fit'] / imports['one model']:.2f}x that"
    )
    used = imports["tpm_fit + recommend"]
    print(
        f"  when used: import tpm_fit + first recommend(): {used * 1e3:.1f} ms "
        f"({used / imports['numpy, pydantic']:.2f}x import numpy, pydantic; "
        f"{used / imports['one model']:.2f}x defining one model)"
    )


if __name__ == "__main__":
    main()
