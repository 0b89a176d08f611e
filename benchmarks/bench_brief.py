"""Benchmark: Recommendation.brief() against recommend() for the same profiles, in the same run.

Run: ``python benchmarks/bench_brief.py [--repeats 15] [--number 500]``

Prints the median microseconds per call over repeated, interleaved timing runs and the ratio of
each case to ``recommend()`` measured in the same run (machines here are noisy; ratios travel
better than microseconds). The target from issue 10 is ``brief()`` at most 3x ``recommend()``.
The profiles are drawn at random, so the per-profile parts of the brief are really computed;
what depends only on the guidance (compiled conditions, anchored levels) is cached by the
guidance's fingerprint.
"""

from __future__ import annotations

import argparse
import platform
import timeit

from _common import interleaved_medians, random_profiles

import tpm_fit

TARGET_RATIO = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--number", type=int, default=500, help="distinct profiles per timing run")
    args = parser.parse_args()

    pool = random_profiles(args.number, seed=11, max_log_size=4.5)
    results = [tpm_fit.recommend(fields) for fields in pool]
    results[0].brief()  # warm caches: default guidance loaded, compiled and checked once

    def recommend_all() -> None:
        for fields in pool:
            tpm_fit.recommend(fields)

    def brief_all() -> None:
        for result in results:
            result.brief()

    def brief_trace_all() -> None:
        for result in results:
            result.brief(weighting="trace")

    def both_all() -> None:
        for fields in pool:
            tpm_fit.recommend(fields).brief()

    baseline = "recommend()  [baseline]"
    cases = [
        (baseline, recommend_all),
        ("result.brief()", brief_all),
        ("result.brief(weighting='trace')", brief_trace_all),
        ("recommend().brief()", both_all),
    ]
    per_run = interleaved_medians([(name, run, 1) for name, run in cases], repeats=args.repeats)
    medians = {name: us / len(pool) for name, us in per_run.items()}  # each run covers the pool
    print(f"python {platform.python_version()}, {len(pool)} distinct profiles, {args.repeats} repeats")
    print(f"{'case':<36} {'median us/call':>15} {'x baseline':>11}")
    for name, _ in cases:
        print(f"{name:<36} {medians[name]:>15.1f} {medians[name] / medians[baseline]:>11.2f}")
    ratio = medians["result.brief()"] / medians[baseline]
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"brief() / recommend() = {ratio:.2f}: {verdict} the {TARGET_RATIO:g}x target")
    # Briefs are remembered per situation (docs/brief.md). First calls: profiles never seen before,
    # timed once each, against recommend() of the same profiles.
    fresh = [tpm_fit.recommend(fields) for fields in random_profiles(args.number, seed=97, max_log_size=4.5)]
    seen = {result.profile for result in results}
    fresh = [result for result in fresh if result.profile not in seen]
    first = timeit.timeit(lambda: [result.brief() for result in fresh], number=1) / len(fresh) * 1e6
    again = timeit.timeit(lambda: [tpm_fit.recommend(result.profile) for result in fresh], number=1)
    again = again / len(fresh) * 1e6
    print(
        f"first brief() of {len(fresh)} new profiles: {first:.1f} us = {first / again:.2f}x their "
        f"recommend() ({again:.1f} us)"
    )


if __name__ == "__main__":
    main()
