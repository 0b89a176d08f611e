"""Benchmark: DecisionLog.record() cost per decision and throughput, against recommend() alone.

Run: ``python benchmarks/bench_records.py [--repeats 9] [--number 300]``

Prints the median time per call over interleaved rounds and the ratio to ``recommend()`` measured
in the same run (machines here are noisy; ratios travel better than microseconds), then the
throughput each median implies. ``record()`` is timed into a SQLite file in WAL mode, with the
default ``durable=True`` (fsync on every append) and with ``durable=False``, and into ``:memory:``
(no disk at all: what the hashing and serialising alone cost). check(), replay() and export are
timed per entry on the log the rounds filled.
"""

from __future__ import annotations

import argparse
import io
import platform
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path

from _common import interleaved_medians

import tpm_fit

FIELDS = {"company_size": 40, "product_complexity": "high", "technical_coverage": 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--number", type=int, default=300)
    args = parser.parse_args()
    repeats, number = args.repeats, args.number

    result = tpm_fit.recommend(FIELDS)  # warm caches (rulebook load, compile)
    with tempfile.TemporaryDirectory() as folder:
        durable = tpm_fit.DecisionLog(Path(folder) / "durable.db")
        fast = tpm_fit.DecisionLog(Path(folder) / "fast.db", durable=False)
        memory = tpm_fit.DecisionLog(":memory:")
        labels = {"team": "payments", "source": "bench"}
        for log in (durable, fast, memory):
            log.record(result)  # stores the rulebook once, outside the timing

        baseline_name = "recommend(dict)  [baseline]"
        cases: list[tuple[str, Callable[[], object], int]] = [
            (baseline_name, lambda: tpm_fit.recommend(FIELDS), number),
            ("record(), file, durable=True (default)", lambda: durable.record(result), number),
            ("record(), file, durable=False", lambda: fast.record(result), number),
            ("record(), :memory:", lambda: memory.record(result), number),
            (
                "record() with requested_by and 2 labels, durable=False",
                lambda: fast.record(result, requested_by="hr:4711", labels=labels),
                number,
            ),
            (
                "recommend() + record(), durable=True",
                lambda: durable.record(tpm_fit.recommend(FIELDS)),
                number,
            ),
        ]
        medians = interleaved_medians(cases, repeats=repeats)

        entries = len(fast)
        ids = list(fast.decision_ids())[: max(1, number // 10)]
        per_entry = {
            f"check(), per entry ({entries:,} entries)": timeit.timeit(fast.check, number=1) / entries * 1e6,
            "replay(), per decision": timeit.timeit(lambda: [fast.replay(i) for i in ids], number=1)
            / len(ids)
            * 1e6,
            "export_jsonl(), per entry": timeit.timeit(lambda: fast.export_jsonl(io.StringIO()), number=1)
            / entries
            * 1e6,
        }
        for log in (durable, fast, memory):
            assert log.check().ok
            log.close()

    baseline = medians[baseline_name]
    print(f"python {platform.python_version()}, {platform.machine()}, median of {repeats} interleaved rounds")
    print(f"{'case':56s} {'us/call':>9s} {'x baseline':>11s} {'per second':>11s}")
    for name, micros in [*medians.items(), *per_entry.items()]:
        print(f"{name:56s} {micros:9.1f} {micros / baseline:10.1f}x {1e6 / micros:11,.0f}")


if __name__ == "__main__":
    main()
