"""What the benchmark scripts share: random realistic profiles and interleaved timing (not a benchmark)."""

from __future__ import annotations

import random
import statistics
import time
import timeit
from collections.abc import Callable, Collection


def random_profiles(count: int, *, seed: int = 7, max_log_size: float = 5.0) -> list[dict[str, object]]:
    """``count`` profiles: log-uniform company sizes up to 10**max_log_size, small counts of people
    (never above the headcount, which OrgProfile refuses), every level of the ordered inputs."""
    rng = random.Random(seed)
    profiles = []
    for _ in range(count):
        size = int(10 ** rng.uniform(0, max_log_size))
        profiles.append(
            {
                "company_size": size,
                "product_complexity": rng.choice(["low", "moderate", "high", "very_high"]),
                "strategy_coverage": min(rng.randint(0, 4), size),
                "marketing_coverage": min(rng.randint(0, 4), size),
                "technical_coverage": min(rng.randint(0, 4), size),
                "engineering_capability": rng.choice(["developing", "established", "strong"]),
                "product_team_size": min(rng.randint(0, 6), size),
                "industry_tech_intensity": rng.choice(["low", "moderate", "high"]),
            }
        )
    return profiles


def interleaved_medians(
    cases: list[tuple[str, Callable[[], object], int]], *, repeats: int
) -> dict[str, float]:
    """Median microseconds per call for each ``(name, function, calls per run)`` case.

    Every case is timed once per round, so background load on a shared machine hits them alike
    and the ratios to a baseline stay meaningful.
    """
    samples: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(repeats):
        for name, func, number in cases:
            samples[name].append(timeit.timeit(func, number=number) / number * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def run_medians(
    runs: dict[str, Callable[[], object]],
    *,
    repeats: int,
    pause_after: Collection[str] = (),
    pause: float = 0.0,
) -> dict[str, float]:
    """Median seconds of each run, interleaved round by round after one warm-up each.

    The warm-up absorbs first-touch page faults, caches and lazy imports; interleaving makes a
    busy moment on a shared machine slow every run alike, so ratios stay meaningful. After each
    run named in ``pause_after`` the machine is left idle for ``pause`` seconds (for runs whose
    library threads keep a core busy for a while after they return).
    """
    for run in runs.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
            if name in pause_after:
                time.sleep(pause)
    return {name: statistics.median(values) for name, values in times.items()}
