"""Benchmark: recommend() against a bare OrgProfile.model_validate of the same input.

Run: ``python benchmarks/bench_recommend.py [--repeats 15]``

Prints the median time per call over repeated timing runs and the ratio to the baseline measured
in the same run (machines here are noisy; ratios travel better than microseconds). The target from
issue 2 is recommend() with its full trace within about 15x the baseline.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import timeit
from collections.abc import Callable

import tpm_fit
from tpm_fit import OrgProfile
from tpm_fit._kernel import compile_rulebook, encode_profile

FIELDS = {"company_size": 40, "product_complexity": "high", "technical_coverage": 1}


def median_us(func: Callable[[], object], *, number: int, repeats: int) -> float:
    """Median microseconds per call over ``repeats`` runs of ``number`` calls."""
    return statistics.median(timeit.repeat(func, number=number, repeat=repeats)) / number * 1e6


def random_profiles(count: int, *, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "company_size": int(10 ** rng.uniform(0, 5)),
            "product_complexity": rng.choice(["low", "moderate", "high", "very_high"]),
            "strategy_coverage": rng.randint(0, 4),
            "marketing_coverage": rng.randint(0, 4),
            "technical_coverage": rng.randint(0, 4),
            "engineering_capability": rng.choice(["developing", "established", "strong"]),
            "product_team_size": rng.randint(0, 6),
            "industry_tech_intensity": rng.choice(["low", "moderate", "high"]),
        }
        for _ in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--number", type=int, default=5_000)
    args = parser.parse_args()
    repeats, number = args.repeats, args.number

    profile = OrgProfile.model_validate(FIELDS)
    compiled = compile_rulebook(tpm_fit.Rulebook.default())
    values = encode_profile(profile)
    pool = random_profiles(number)
    tpm_fit.recommend(FIELDS)  # warm caches (rulebook load, compile)

    def distinct() -> None:
        for fields in pool:
            tpm_fit.recommend(fields)

    baseline = median_us(lambda: OrgProfile.model_validate(FIELDS), number=number, repeats=repeats)
    rows = [
        ("OrgProfile.model_validate(dict)  [baseline]", baseline),
        (
            "recommend(dict), same profile",
            median_us(lambda: tpm_fit.recommend(FIELDS), number=number, repeats=repeats),
        ),
        (
            "recommend(dict), 5,000 distinct profiles",
            median_us(distinct, number=1, repeats=repeats) / len(pool),
        ),
        (
            "recommend(OrgProfile)",
            median_us(lambda: tpm_fit.recommend(profile), number=number, repeats=repeats),
        ),
        (
            "kernel score_one (no validation, no result)",
            median_us(lambda: compiled.score_one(values), number=number, repeats=repeats),
        ),
    ]
    result = tpm_fit.recommend(FIELDS)
    rows += [
        (
            "Recommendation.model_dump_json()",
            median_us(result.model_dump_json, number=number // 5, repeats=repeats),
        ),
        (
            "Recommendation.counterfactuals()",
            median_us(result.counterfactuals, number=max(1, number // 50), repeats=repeats),
        ),
    ]
    print(f"python {platform.python_version()}, {platform.machine()}, median of {repeats} runs")
    print(f"{'case':48s} {'us/call':>9s} {'x baseline':>11s}")
    for name, micros in rows:
        print(f"{name:48s} {micros:9.2f} {micros / baseline:10.1f}x")


if __name__ == "__main__":
    main()
