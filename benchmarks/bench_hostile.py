"""Worst-case rulebook parsing: how fast, and in how little memory, hostile documents are refused.

Each case is a document an attacker could hand to ``Rulebook.from_toml`` (or ``tpm-fit verify``):
the dotted keys and deep table headers that made tomllib take 14 s and 6.3 GB before any check
ran, deep arrays and inline tables, huge keys, numbers and strings, and documents of many
tables. The budget (issue 9) is every case refused in under 0.1 s and under 50 MiB.

Time is the median of ``--repeats`` runs; peak memory is measured in a separate run with
tracemalloc (every parser involved is Python code or allocates through Python). The ratio column
compares each case's time with parsing the valid default rulebook in the same run.

    python benchmarks/bench_hostile.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable

from tpm_fit import Rulebook, RulebookError

MIB = 1 << 20
BUDGET_SECONDS = 0.1
BUDGET_MIB = 50.0


def _cases() -> dict[str, str]:
    default = Rulebook.default().to_toml()
    factor = default[
        default.index("[[factors]]") : default.index("[[factors]]", default.index("[[factors]]") + 1)
    ]
    big = 1 << 20
    return {
        "dotted key, 40,000 parts (80 KB)": "a" + ".a" * 40_000 + " = 1\n",
        "dotted key, 1 MiB": "a" + ".a" * (big // 2 - 8) + " = 1\n",
        "table header, 100,000 levels": "[" + ".".join(["a"] * 100_000) + "]\n",
        "table header, 1 MiB": "[" + ".".join(["a"] * (big // 2 - 8)) + "]\n",
        "array of tables header, 1 MiB": "[[" + ".".join(["a"] * (big // 2 - 8)) + "]]\n",
        "nested arrays, 1 MiB": "a = " + "[" * (big // 2 - 8) + "]" * (big // 2 - 8),
        "nested inline tables, 1 MiB": "a = " + "{b = " * (big // 6 - 8) + "1" + "}" * (big // 6 - 8),
        "quoted dotted key, 1 MiB": '"a"' + '."a"' * (big // 4 - 8) + " = 1\n",
        "bare key, 1 MiB": "a" * (big - 8) + " = 1\n",
        "quoted key, 1 MiB": '"' + "a" * (big - 10) + '" = 1\n',
        "integer literal, 1 MiB": "a = " + "1" * (big - 8) + "\n",
        "string value, 900 KB title": default.replace('title = "', 'title = "' + "x" * 900_000, 1),
        "100,000 unknown keys (1 MiB)": "".join(f"k{i} = 1\n" for i in range(100_000))[: big - 8],
        "5,000 factors (1 MiB)": default + factor * max(1, (big - len(default)) // len(factor)),
        "9,900 keys in 330 tables (parsed)": "".join(
            f"[t{t}]\n" + "".join(f"k{k} = 1\n" for k in range(29)) for t in range(330)
        ),
        "2,000 control characters": default.replace('title = "', 'title = "' + "\\u001b" * 2_000, 1),
    }


def _refuse(text: str) -> str:
    try:
        Rulebook.from_toml(text)
    except RulebookError as exc:
        return exc.message[:60]
    return "ACCEPTED"


def _median_seconds(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _peak_mib(call: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per case (median reported)")
    args = parser.parse_args()

    default = Rulebook.default().to_toml()
    baseline = _median_seconds(lambda: Rulebook.from_toml(default), args.repeats)
    print(f"parse the default rulebook ({len(default):,} bytes): {baseline * 1e3:.2f} ms (baseline)\n")
    print(f"{'case':<34} {'bytes':>10} {'ms':>8} {'x base':>7} {'MiB':>7}  refused with")
    worst_seconds, worst_mib = 0.0, 0.0
    for name, text in _cases().items():
        message = _refuse(text)
        seconds = _median_seconds(lambda text=text: _refuse(text), args.repeats)
        mib = _peak_mib(lambda text=text: _refuse(text))
        worst_seconds, worst_mib = max(worst_seconds, seconds), max(worst_mib, mib)
        print(
            f"{name:<34} {len(text.encode()):>10,} {seconds * 1e3:>8.2f} {seconds / baseline:>7.1f} "
            f"{mib:>7.2f}  {message}"
        )
    within = worst_seconds < BUDGET_SECONDS and worst_mib < BUDGET_MIB
    print(
        f"\nworst case: {worst_seconds * 1e3:.1f} ms, {worst_mib:.1f} MiB peak "
        f"(budget {BUDGET_SECONDS * 1e3:.0f} ms, {BUDGET_MIB:.0f} MiB: {'within' if within else 'OVER'})"
    )


if __name__ == "__main__":
    main()
