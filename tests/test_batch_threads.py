"""recommend_many(threads=...): the columns encoded on several threads give the same frame."""

from __future__ import annotations

import pytest

pd = pytest.importorskip("pandas")

import numpy as np

from tpm_fit import ProfileFrameError, recommend_many
from tpm_fit._batch.frame import MAX_AUTO_THREADS, PARALLEL_ROWS, thread_count
from tpm_fit._model.profile import ORDERED_INPUTS


def profiles(n: int, *, seed: int = 0, bad: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 20_000, n)
    frame = pd.DataFrame(
        {
            "company_size": size,
            "strategy_coverage": np.minimum(rng.integers(0, 4, n), size),
            "marketing_coverage": np.minimum(rng.integers(0, 4, n), size),
            "technical_coverage": np.minimum(rng.integers(0, 4, n), size),
            "product_team_size": np.minimum(rng.integers(0, 6, n), size),
        }
    )
    for name, levels in ORDERED_INPUTS.items():  # strings: the costly columns to match
        names = np.array([level.value for level in levels], dtype=object)
        frame[name] = pd.array(names[rng.integers(0, len(names), n)], dtype="str")
    if bad:
        frame.loc[3, "product_complexity"] = "huge"
        frame.loc[5, "company_size"] = 0
    return frame


@pytest.mark.parametrize("threads", [2, 3, 8])
def test_threads_give_the_same_frame_as_one_thread(threads: int) -> None:
    frame = profiles(5_000)
    expected = recommend_many(frame, threads=1)
    pd.testing.assert_frame_equal(recommend_many(frame, threads=threads), expected)


def test_threads_report_the_same_bad_rows() -> None:
    frame = profiles(2_000, bad=True)
    coerced = recommend_many(frame, errors="coerce", threads=4)
    pd.testing.assert_frame_equal(coerced, recommend_many(frame, errors="coerce", threads=1))
    assert coerced["error"].notna().sum() == 2
    with pytest.raises(ProfileFrameError) as on_threads:
        recommend_many(frame, threads=4)
    with pytest.raises(ProfileFrameError) as on_one:
        recommend_many(frame, threads=1)
    assert str(on_threads.value) == str(on_one.value)


def test_large_frames_use_every_cpu_by_default_and_give_the_same_frame() -> None:
    assert thread_count(None, PARALLEL_ROWS - 1) == 1
    assert 1 <= thread_count(None, PARALLEL_ROWS) <= MAX_AUTO_THREADS
    assert thread_count(3, 10) == 3
    frame = profiles(PARALLEL_ROWS, seed=1)
    pd.testing.assert_frame_equal(recommend_many(frame), recommend_many(frame, threads=1))


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_a_bad_thread_count_is_refused_naming_it(threads: object) -> None:
    with pytest.raises(ValueError, match=r"threads=.*not a thread count; valid: None \(automatic\)"):
        recommend_many(profiles(3), threads=threads)  # type: ignore[arg-type]


def test_the_accessor_passes_threads_through() -> None:
    frame = profiles(50)
    pd.testing.assert_frame_equal(frame.tpm_fit.recommend(threads=2), recommend_many(frame))


@pytest.mark.parametrize("threads", [2, 3, 5])
def test_the_kernel_shares_blocks_of_rows_among_threads_with_the_same_result(threads: int) -> None:
    from tpm_fit import Rulebook
    from tpm_fit._batch.encode import encode_frame
    from tpm_fit._engine.kernel import compile_rulebook

    frame = profiles(200_000, seed=threads)  # four blocks of rows, and a part block
    encoded = encode_frame(frame)
    compiled = compile_rulebook(Rulebook.default())
    one = compiled.evaluate(encoded.columns, encoded.n)
    many = compiled.evaluate(encoded.columns, encoded.n, threads=threads)
    for name in ("contributions", "score", "verdict_codes", "risks"):
        assert np.array_equal(getattr(many, name), getattr(one, name)), name
    for name, column in one.derived.items():
        assert np.array_equal(many.derived[name], column), name


def test_shares_cover_every_item_once_in_order_and_raise_what_a_share_raises() -> None:
    from tpm_fit._engine.parallel import run_shares

    for threads in (1, 2, 3, 7, 20):
        seen: list[list[int]] = []
        run_shares(lambda share, seen=seen: seen.append(list(share)), range(10), threads)
        assert sorted(item for share in seen for item in share) == list(range(10))
        assert all(share == sorted(share) for share in seen)
        assert len(seen) == min(threads, 10)

    def fail(share: object) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        run_shares(fail, range(4), 2)
