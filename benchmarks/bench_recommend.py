"""Benchmark: recommend() against a bare OrgProfile.model_validate of the same input.

Run: ``python benchmarks/bench_recommend.py [--repeats 15]``

Prints the median time per call over repeated timing runs and the ratio to the baseline measured
in the same run (machines here are noisy; ratios travel better than microseconds). The target from
issue 2 is recommend() with its full trace within about 15x the baseline.
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable

from _common import interleaved_medians, random_profiles

import tpm_fit
from tpm_fit import OrgProfile
from tpm_fit._engine.kernel import compile_rulebook, encode_profile

FIELDS = {"company_size": 40, "product_complexity": "high", "technical_coverage": 1}


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

    result = tpm_fit.recommend(FIELDS)
    baseline_name = "OrgProfile.model_validate(dict)  [baseline]"
    cases: list[tuple[str, Callable[[], object], int]] = [
        (baseline_name, lambda: OrgProfile.model_validate(FIELDS), number),
        ("recommend(dict), same profile", lambda: tpm_fit.recommend(FIELDS), number),
        (f"recommend(dict), {len(pool):,} distinct profiles", distinct, 1),
        ("recommend(OrgProfile)", lambda: tpm_fit.recommend(profile), number),
        ("kernel evaluate_one (no validation, no result)", lambda: compiled.evaluate_one({**values}), number),
        ("Recommendation.model_dump_json()", result.model_dump_json, number // 5),
        ("Recommendation.counterfactuals()", result.counterfactuals, max(1, number // 50)),
    ]
    medians = interleaved_medians(cases, repeats=repeats)
    medians[f"recommend(dict), {len(pool):,} distinct profiles"] /= len(pool)
    baseline = medians[baseline_name]
    rows = list(medians.items())
    print(f"python {platform.python_version()}, {platform.machine()}, median of {repeats} interleaved rounds")
    print(f"{'case':48s} {'us/call':>9s} {'x baseline':>11s}")
    for name, micros in rows:
        print(f"{name:48s} {micros:9.2f} {micros / baseline:10.1f}x")


if __name__ == "__main__":
    main()
