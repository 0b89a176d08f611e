"""The caches are thread-safe: many threads over many rulebooks give the single-threaded results.

The compiled-rulebook cache is a bounded LRU keyed by fingerprint (64 entries). 200 distinct
rulebooks from 8 threads keep it evicting while other threads read it, which is what crashed the
earlier hand-written FIFO (``dictionary changed size during iteration``).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import tpm_fit
from tpm_fit import Rulebook

PROFILES = [
    {"company_size": 12, "product_complexity": "high"},
    {
        "company_size": 400,
        "product_complexity": "moderate",
        "strategy_coverage": 1,
        "marketing_coverage": 1,
        "product_team_size": 2,
    },
    {
        "company_size": 30,
        "product_complexity": "low",
        "technical_coverage": 3,
        "engineering_capability": "strong",
    },
    {
        "company_size": 5_000,
        "product_complexity": "very_high",
        "strategy_coverage": 2,
        "product_team_size": 7,
    },
]


def _rulebooks(count: int) -> list[Rulebook]:
    base = Rulebook.default()
    ids = base.factor_ids
    return [base.with_weights({ids[k % len(ids)]: 0.5 + k / 100}) for k in range(count)]


def _work(rulebook: Rulebook) -> list[tuple[str, float, bool]]:
    results = [tpm_fit.recommend(profile, rulebook=rulebook) for profile in PROFILES]
    out = [(r.verdict.value, r.score, r.hire_needed) for r in results]
    # Read back from JSON: looks the rulebook up in the cache by fingerprint.
    again = tpm_fit.Recommendation.model_validate_json(results[0].model_dump_json())
    assert again.used_rulebook(rulebook=rulebook) is rulebook
    return out


@pytest.mark.slow  # 200 rulebooks x 8 threads: CI (.ci/run) or -m slow
def test_eight_threads_over_200_rulebooks_match_one_thread() -> None:
    books = _rulebooks(200)
    expected = [_work(book) for book in books]
    start = threading.Barrier(8)

    def run(offset: int) -> list[list[tuple[str, float, bool]]]:
        start.wait()  # all threads hit the caches at once
        order = books[offset:] + books[:offset]  # different threads evict different entries
        got = [_work(book) for book in order]
        return got[len(books) - offset :] + got[: len(books) - offset]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(run, [k * 25 for k in range(8)]))
    for outcome in outcomes:
        assert outcome == expected


def test_threads_scoring_batches_share_the_cache_safely() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([tpm_fit.OrgProfile(**p).model_dump(mode="json") for p in PROFILES])
    books = _rulebooks(80)
    expected = [tpm_fit.recommend_many(frame, rulebook=book)["score"].tolist() for book in books]

    def run(k: int) -> list[float]:
        return tpm_fit.recommend_many(frame, rulebook=books[k])["score"].tolist()  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(run, range(len(books))))
    assert got == expected
