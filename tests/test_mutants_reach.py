"""The verifier's verdict regions, checked against an independent count over the same grid.

For each verdict the report gives how many grid points reach it, their share, which values of each
input lead there, and a witness: the highest score for technical, the lowest for traditional, the
one nearest the middle of the band for either (the first in grid order among equals). Here the
grid's valid profiles are scored with ``recommend_many`` and every one of those numbers is
recomputed from the scores.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from tpm_fit import OrgProfile, Rulebook, VerificationReport, recommend, recommend_many, verify_rulebook

COUNTS = ("strategy_coverage", "marketing_coverage", "technical_coverage", "product_team_size")
TOLERANCE = 1e-9


def _grid_frame(report: VerificationReport) -> pd.DataFrame:
    names = [axis.input for axis in report.grid]
    rows = list(itertools.product(*(axis.values for axis in report.grid)))
    return pd.DataFrame(rows, columns=names)


def _regions(report: VerificationReport) -> dict[str, Any]:
    return {region.verdict.value: region for region in report.verdicts}


def _check_regions(book: Rulebook, report: VerificationReport) -> None:
    frame = _grid_frame(report)
    assert len(frame) == report.grid_points
    valid = np.all([frame[name] <= frame["company_size"] for name in COUNTS], axis=0)
    scored = recommend_many(frame[valid], rulebook=book)
    verdicts = scored["verdict"].astype(str).to_numpy()
    scores = scored["score"].to_numpy()
    middle = (book.thresholds.traditional_max + book.thresholds.technical_min) / 2
    keys = {"technical": -scores, "traditional": scores, "either": np.abs(scores - middle)}
    valid_frame = frame[valid].reset_index(drop=True)
    for verdict, region in _regions(report).items():
        mask = verdicts == verdict
        assert region.grid_points == int(mask.sum()), verdict
        assert region.share == mask.sum() / report.grid_points, verdict
        if not mask.any():
            continue
        assert region.found_on == "grid_point"
        key = np.where(mask, keys[verdict], np.inf)
        best = int(np.argmax(key <= key.min() + TOLERANCE))  # the first among equals, in grid order
        expected = OrgProfile.model_validate(valid_frame.iloc[best].to_dict())
        assert region.witness == expected, verdict
        assert region.witness_score == recommend(expected, rulebook=book).score
        spans = {span.input: span for span in region.inputs}
        for axis in report.grid:
            seen = set(valid_frame[axis.input][mask])
            assert set(spans[axis.input].values) == seen, (verdict, axis.input)
            assert list(spans[axis.input].values) == [v for v in axis.values if v in seen]
            assert spans[axis.input].unrestricted == (seen == set(axis.values)), (verdict, axis.input)


def test_the_default_regions_are_the_counts_of_the_scored_grid() -> None:
    book = Rulebook.default()
    report = book.verify()
    _check_regions(book, report)
    regions = _regions(report)
    assert sum(r.grid_points for r in regions.values()) < report.grid_points  # invalid points excluded


@pytest.mark.parametrize(
    "weights",
    [
        {"simple_product": 4.0, "business_seat": 3.0},
        {"complex_product": 6.0, "technical_seat": 3.0},
        {"technology_driven_industry": 0.0, "engineering_autonomy": 2.0},
    ],
)
def test_reweighted_regions_are_the_counts_of_the_scored_grid(weights: dict[str, float]) -> None:
    book = Rulebook.default().with_weights(weights)
    _check_regions(book, book.verify())


def test_regions_do_not_depend_on_chunking() -> None:
    book = Rulebook.default().with_weights({"simple_product": 2.5})
    whole = verify_rulebook(book)
    chunked = verify_rulebook(book, chunk_size=4_099)
    assert chunked.verdicts == whole.verdicts


def _one_factor(points: list[list[float]], technical_min: float, traditional_max: float) -> Rulebook:
    data = Rulebook.default().model_dump(mode="json")
    factor = data["factors"][0]
    factor["activation"] = {"kind": "ramp", "input": "company_size", "points": points}
    data["factors"] = [factor]
    data["axioms"] = []
    data["thresholds"] = {"technical_min": technical_min, "traditional_max": traditional_max}
    return Rulebook.from_mapping(data)


def test_an_unreachable_verdict_says_which_bound_stops_it() -> None:
    # Weight 3, activation 0 to 1: scores from 0 to 3.
    high = _one_factor([[1, 0.0], [100, 1.0]], technical_min=3.5, traditional_max=-0.5)
    messages = {v.subject: v.message for v in high.verify().violations if v.check == "verdict_reachable"}
    assert messages == {
        "technical": (
            "verdict 'technical' is unreachable: the highest score any profile gets is 3, "
            "below technical_min=3.5"
        ),
        "traditional": (
            "verdict 'traditional' is unreachable: the lowest score any profile gets is 0, "
            "above traditional_max=-0.5"
        ),
    }
    regions = _regions(high.verify())
    assert not regions["technical"].reachable
    assert regions["technical"].witness is None
    assert regions["technical"].witness_score is None
    assert regions["technical"].found_on is None
    assert regions["technical"].inputs == ()
    assert regions["either"].reachable


def test_an_either_band_that_no_grid_point_hits_is_found_between_grid_points() -> None:
    # Size 1 scores 0 and size 11 scores 3; the band (1, 1.2) holds size 5 (score 1.2 excluded)
    # and size 4 (score 0.9: traditional) -- only sizes 5 and 6 give scores 1.2 and 1.5.
    book = _one_factor([[1, 0.0], [11, 1.0]], technical_min=1.6, traditional_max=1.3)
    report = book.verify()
    either = _regions(report)["either"]
    assert either.grid_points == 0
    assert either.found_on == "grid_edge"
    assert either.witness is not None
    assert either.witness.company_size == 6
    assert recommend(either.witness, rulebook=book).verdict == "either"
    pairs = sum(axiom.pairs_checked for axiom in report.axioms)
    assert report.evaluations > 2 * report.grid_points + pairs  # the edge search scored the grid again
    assert next((span.input, span.values, span.unrestricted) for span in either.inputs) == (
        "company_size",
        (6,),
        False,
    )


def test_a_band_jumped_over_names_both_neighbours_and_their_scores() -> None:
    book = _one_factor([[1, 0.0], [2, 1.0]], technical_min=2.75, traditional_max=0.25)
    (violation,) = [v for v in book.verify().violations if v.check == "verdict_reachable"]
    assert violation.message == (
        "verdict 'either' is unreachable: no profile scores strictly between traditional_max=0.25 "
        "and technical_min=2.75; the score jumps over the band, e.g. from 0 to 3 between these "
        "neighbouring profiles"
    )
    assert (violation.score_before, violation.score_after) == (0.0, 3.0)


def test_an_empty_band_without_a_jump_is_unreachable_without_profiles() -> None:
    # Every score is 0: below the band's bottom, so either and technical are out of reach and
    # no two neighbours cross the band.
    book = _one_factor([[1, 0.0], [2, 0.0]], technical_min=2.0, traditional_max=1.0)
    violations = {v.subject: v for v in book.verify().violations if v.check == "verdict_reachable"}
    assert set(violations) == {"either", "technical"}
    assert violations["either"].message == (
        "verdict 'either' is unreachable: no profile scores strictly between traditional_max=1 "
        "and technical_min=2"
    )
    assert violations["either"].before is None


@pytest.mark.parametrize(("technical_min", "traditional_max"), [(1.5, -0.5), (0.25, -2.0)])
def test_regions_with_a_band_off_centre_are_the_counts_of_the_scored_grid(
    technical_min: float, traditional_max: float
) -> None:
    """The 'either' witness is the one nearest the middle of the band, wherever the band is."""
    data = Rulebook.default().model_dump(mode="json")
    data["thresholds"] = {"technical_min": technical_min, "traditional_max": traditional_max}
    book = Rulebook.from_mapping(data)
    report = book.verify()
    _check_regions(book, report)
    either = _regions(report)["either"]
    assert either.witness_score is not None
    middle = (technical_min + traditional_max) / 2
    assert abs(either.witness_score - middle) < (technical_min - traditional_max) / 2


def test_the_report_counts_every_profile_the_kernel_scored() -> None:
    for book in (Rulebook.default(), Rulebook.default().with_weights({"simple_product": 3.0})):
        report = book.verify()
        pairs = sum(axiom.pairs_checked for axiom in report.axioms)
        assert report.evaluations == report.grid_points + pairs


def _clamped_strategists() -> Rulebook:
    """One factor that reaches technical only for a 149-person company with many strategists:
    on the grid only 10,000,000 strategists (more than the company has) get there."""
    data = Rulebook.default().model_dump(mode="json")
    factor = data["factors"][0]
    factor["weight"] = 1000.0
    factor["activation"] = {
        "kind": "all_of",
        "of": [
            {"kind": "ramp", "input": "strategy_coverage", "points": [[0, 0.0], [10_000_000, 1.0]]},
            {
                "kind": "ramp",
                "input": "company_size",
                "points": [[1, 0.0], [148, 0.0], [149, 1.0], [150, 0.0]],
            },
        ],
    }
    data["factors"] = [factor]
    data["axioms"] = []
    data["thresholds"] = {"technical_min": 0.01, "traditional_max": -0.5}
    return Rulebook.from_mapping(data)


def test_a_verdict_only_invalid_grid_points_reach_is_found_by_cutting_their_counts() -> None:
    """Technical needs a 149-person company with many strategists: on the grid only 10,000,000
    strategists (more than the company has) get there, and cut down to 149 they still do."""
    book = _clamped_strategists()
    technical = _regions(book.verify())["technical"]
    assert (technical.reachable, technical.grid_points, technical.found_on) == (True, 0, "clamped")
    assert technical.witness is not None
    assert (technical.witness.company_size, technical.witness.strategy_coverage) == (149, 149)
    result = recommend(technical.witness, rulebook=book)
    assert result.verdict == "technical"
    assert technical.witness_score == result.score


def test_a_verdict_reached_at_one_grid_point_lists_exactly_its_values() -> None:
    """Technical only where every count is at the top of its range: one grid point."""
    data = Rulebook.default().model_dump(mode="json")
    factor = data["factors"][0]
    top = [[0, 0.0], [9_999_999, 0.0], [10_000_000, 1.0]]
    factor["activation"] = {
        "kind": "all_of",
        "of": [
            {"kind": "ramp", "input": name, "points": [[max(p[0], 1), p[1]] for p in top]}
            if name == "company_size"
            else {"kind": "ramp", "input": name, "points": top}
            for name in ("company_size", *COUNTS)
        ],
    }
    data["factors"] = [factor]
    data["axioms"] = []
    data["verdict_axioms"] = []  # some read engineering_capability and industry_tech_intensity
    data["thresholds"] = {"technical_min": 1.0, "traditional_max": -0.5}
    book = Rulebook.from_mapping(data)
    report = book.verify()
    technical = _regions(report)["technical"]
    # One point in every count; the grid keeps all four product_complexity levels (the seat and
    # the [[statements]] read it) and the score ignores it, so the point shows once per level.
    assert technical.grid_points == 4
    assert technical.share == pytest.approx(4 / report.grid_points)
    spans = {span.input: (span.values, span.unrestricted) for span in technical.inputs}
    assert spans["company_size"] == ((10_000_000,), False)
    for name in COUNTS:
        assert spans[name] == ((10_000_000,), False), name
    assert spans["product_complexity"] == (("low", "moderate", "high", "very_high"), True)
    _check_regions(book, report)


def test_the_either_band_between_grid_points_is_found_where_the_edge_starts_above_zero() -> None:
    # Scores 0.6 + 0.24 * (size - 1) from size 1 to 11: sizes 4 (1.32) and 5 (1.56) are in (1.3, 1.6).
    book = _one_factor([[1, 0.2], [11, 1.0]], technical_min=1.6, traditional_max=1.3)
    either = _regions(book.verify())["either"]
    assert (either.grid_points, either.found_on) == (0, "grid_edge")
    assert either.witness is not None
    assert either.witness.company_size == 4
    assert either.witness_score == pytest.approx(1.32)


def _one_factor_on(
    name: str, points: list[list[float]], technical_min: float, traditional_max: float
) -> Rulebook:
    data = Rulebook.default().model_dump(mode="json")
    factor = data["factors"][0]
    factor["activation"] = {"kind": "ramp", "input": name, "points": points}
    data["factors"] = [factor]
    data["axioms"] = []
    data["thresholds"] = {"technical_min": technical_min, "traditional_max": traditional_max}
    return Rulebook.from_mapping(data)


def test_a_band_jump_is_shown_at_the_first_pair_of_valid_neighbours_in_grid_order() -> None:
    book = _one_factor([[1, 0.0], [2, 1.0]], technical_min=2.75, traditional_max=0.25)
    report = book.verify()
    (violation,) = [v for v in report.violations if v.check == "verdict_reachable"]
    origin = OrgProfile.model_validate({axis.input: axis.values[0] for axis in report.grid})
    assert violation.before == origin
    assert violation.after == origin.model_copy(update={"company_size": 2})
    # Over strategy_coverage the first jump (1 -> 2 people) is valid only from a company of 2 on.
    strategists = _one_factor_on(
        "strategy_coverage", [[1, 0.0], [2, 1.0]], technical_min=2.75, traditional_max=0.25
    )
    (jump,) = [v for v in strategists.verify().violations if v.check == "verdict_reachable"]
    assert jump.before is not None
    assert jump.after is not None
    assert (jump.before.strategy_coverage, jump.after.strategy_coverage) == (1, 2)
    assert jump.after.company_size >= 2


def test_witnesses_do_not_depend_on_chunking_when_many_points_tie() -> None:
    """Every size-1 profile scores 0 (traditional): the first of them, grid point 0, is the witness
    however the grid is cut; the clamped witness likewise comes from the first reaching point."""
    book = _one_factor([[1, 0.0], [2, 1.0]], technical_min=2.75, traditional_max=0.25)
    whole = book.verify()
    origin = OrgProfile.model_validate({axis.input: axis.values[0] for axis in whole.grid})
    for chunk_size in (7, 64):
        chunked = verify_rulebook(book, chunk_size=chunk_size)
        assert _regions(chunked)["traditional"].witness == origin
        assert chunked.verdicts == whole.verdicts
    clamped = _clamped_strategists()
    expected = _regions(clamped.verify())["technical"]
    assert expected.found_on == "clamped"
    assert _regions(verify_rulebook(clamped, chunk_size=97))["technical"] == expected


def test_an_either_band_holding_one_whole_number_between_grid_values_is_found() -> None:
    # Grid sizes 1 and 3 score 0 and 3; only size 2 (1.5) is in the band (1, 2).
    book = _one_factor([[1, 0.0], [3, 1.0]], technical_min=2.0, traditional_max=1.0)
    either = _regions(book.verify())["either"]
    assert (either.reachable, either.grid_points, either.found_on) == (True, 0, "grid_edge")
    assert either.witness is not None
    assert either.witness.company_size == 2


def test_the_edge_search_counts_the_grid_the_wide_edges_and_each_candidate() -> None:
    book = _one_factor([[1, 0.0], [11, 1.0]], technical_min=1.6, traditional_max=1.3)
    report = book.verify()
    sizes = next(axis.values for axis in report.grid if axis.input == "company_size")
    others = report.grid_points // len(sizes)
    wide = sum(1 for a, b in itertools.pairwise(sizes) if b - a > 1) * others
    # The grid scored once by the checks and once by the search, the wide company-size edges,
    # and one candidate (size 6, which is in the band).
    assert report.evaluations == 2 * report.grid_points + wide + 1
    assert _regions(report)["either"].witness.company_size == 6  # type: ignore[union-attr]


# -- the witness among scores equal up to the tolerance ---------------------------------------------


def _verdict_check(tolerance: float) -> Any:
    """A VerdictCheck over a one-axis grid of 8 points, thresholds -1 and 1 (fed by hand)."""
    from types import SimpleNamespace

    from tpm_fit._verify.reach import VerdictCheck

    compiled = SimpleNamespace(traditional_max=-1.0, technical_min=1.0)
    return VerdictCheck(compiled, SimpleNamespace(dims=(8,)), 8, tolerance)  # type: ignore[arg-type]


def _feed(check: Any, flat: list[int], score: list[float], valid: list[bool] | None = None) -> Any:
    """One chunk of technical grid points; returns the technical verdict's state."""
    from types import SimpleNamespace

    from tpm_fit import Verdict

    points = np.asarray(flat, dtype=np.int64)
    chunk = SimpleNamespace(
        flat=points,
        idx=(points.astype(np.intp),),
        score=np.asarray(score, dtype=np.float64),
        codes=np.full(len(flat), Verdict.TECHNICAL.code, dtype=np.int8),
        valid=np.ones(len(flat), dtype=bool) if valid is None else np.asarray(valid),
    )
    check.update(chunk)
    return next(state for state in check.states if state.verdict is Verdict.TECHNICAL)


def test_the_technical_witness_is_the_first_point_within_the_tolerance_of_the_highest_score() -> None:
    check = _verdict_check(0.25)
    state = _feed(check, [0, 1, 2], [2.0, 2.25, 2.125])
    # 2.0 is exactly the tolerance below the highest score (2.25): as good, and first.
    assert (state.best_flat, state.best_key, state.count) == (0, -2.25, 3)
    assert state.seen[0].tolist() == [True, True, True, False, False, False, False, False]


def test_a_later_chunk_better_only_by_the_tolerance_keeps_the_witness() -> None:
    check = _verdict_check(0.25)
    _feed(check, [1], [2.0])
    state = _feed(check, [4], [2.25])
    assert (state.best_flat, state.best_key, state.count) == (1, -2.25, 2)
    state = _feed(check, [6], [2.5625])  # better by more than the tolerance: the new witness
    assert (state.best_flat, state.best_key, state.count) == (6, -2.5625, 3)


def test_the_witness_is_a_valid_profile_and_an_invalid_point_only_marks_the_verdict_reached() -> None:
    check = _verdict_check(0.25)
    state = _feed(check, [3, 5], [9.0, 2.0], valid=[False, True])
    assert (state.best_flat, state.best_key, state.count, state.any_flat) == (5, -2.0, 1, 3)
    assert state.seen[0].tolist() == [False] * 5 + [True, False, False]


def test_the_either_band_is_found_past_candidates_whose_count_would_exceed_the_headcount() -> None:
    """Score 3 * strategy_coverage / 100: only coverage 51 (1.53) lies in the band (1.5, 1.56).
    The first 32 edges in grid order start at company_size 1, where coverage 51 is not a profile;
    the search skips them (they used to fill its 16 candidates, and 'either' was reported
    unreachable) and finds company_size 149, coverage 51, however the grid is cut."""
    book = _one_factor_on(
        "strategy_coverage", [[0, 0.0], [100, 1.0]], technical_min=1.56, traditional_max=1.5
    )
    for chunk_size in (None, 400, 4_099):
        report = verify_rulebook(book, chunk_size=chunk_size)
        either = _regions(report)["either"]
        assert (either.reachable, either.grid_points, either.found_on) == (True, 0, "grid_edge")
        assert either.witness is not None
        assert (either.witness.company_size, either.witness.strategy_coverage) == (149, 51)
        assert either.witness_score == recommend(either.witness, rulebook=book).score == pytest.approx(1.53)
        assert not [v for v in report.violations if v.check == "verdict_reachable"]


@pytest.mark.parametrize(
    ("points", "technical_min", "traditional_max"),
    [
        # Scores 0.6 + 0.24 * (size - 1): sizes 4 (1.32) and 5 (1.56) straddle the band.
        ([[1, 0.2], [11, 1.0]], 1.55, 1.33),
        # Scores 0.3 * (size - 1) up to 3.0 at size 11: the line would reach the band past the edge.
        ([[1, 0.0], [11, 1.0]], 3.9, 3.3),
        # The same line reaches the band (3.05, 3.4) one step past the edge's end, size 12.
        ([[1, 0.0], [11, 1.0]], 3.4, 3.05),
        # The same line meets the band's upper end exactly at a whole number (size 6, 1.5).
        ([[1, 0.0], [11, 1.0]], 1.5, 1.3),
    ],
)
def test_an_edge_whose_band_holds_no_whole_number_gives_no_candidate(
    points: list[list[float]], technical_min: float, traditional_max: float
) -> None:
    """No whole number of the edge lies in the band: the edge search scores the grid and its
    wide edges, tries no candidate, and 'either' is unreachable."""
    book = _one_factor(points, technical_min=technical_min, traditional_max=traditional_max)
    report = book.verify()
    wide = 0
    for axis in report.grid:
        if len(axis.values) > 1 and all(isinstance(v, int) for v in axis.values):
            pairs = sum(1 for a, b in itertools.pairwise(axis.values) if b - a > 1)  # type: ignore[operator]
            wide += pairs * (report.grid_points // len(axis.values))
    assert report.evaluations == 2 * report.grid_points + wide
    either = _regions(report)["either"]
    assert (either.reachable, either.witness, either.found_on) == (False, None, None)


def test_an_edge_of_slope_exactly_one_is_searched() -> None:
    # Weight 2 and a ramp from 0 to 0.5 over sizes 1 to 11: the score rises by exactly 1.0 along
    # the edge (0.1 per person); size 6 (0.5) is the one whole number in the band (0.42, 0.58).
    book = _one_factor([[1, 0.0], [11, 0.5]], technical_min=0.58, traditional_max=0.42)
    book = book.with_weights({book.factors[0].id: 2.0})
    either = _regions(book.verify())["either"]
    assert (either.reachable, either.grid_points, either.found_on) == (True, 0, "grid_edge")
    assert either.witness is not None
    assert either.witness.company_size == 6


def test_the_edge_search_tries_at_most_16_candidates_per_chunk_and_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The search's work is bounded: when every candidate is refused (here: the kernel is made
    to score each one outside the band), it tries 16 per chunk of the grid and integer input,
    never more, however many edges cross the band. Past the first, candidates start at points
    that are not profiles (2 PMs in a company of 1, stepped to 6 people): the search builds each
    candidate from the stepped point alone (it used to validate the start, and raised)."""
    from tpm_fit._verify import reach
    from tpm_fit._verify.verifier import verify_rulebook

    book = _one_factor([[1, 0.0], [11, 1.0]], technical_min=1.6, traditional_max=1.3)
    tried: list[int] = []
    real = reach.exact_score

    def refused(compiled: Any, profile: Any) -> float:
        tried.append(profile.company_size)
        return real(compiled, profile) + 10.0  # technical: outside the band

    monkeypatch.setattr(reach, "exact_score", refused)
    report = verify_rulebook(book, sentence_check=False)
    sizes = next(axis.values for axis in report.grid if axis.input == "company_size")
    edges = sum(1 for a, b in itertools.pairwise(sizes) if b - a > 1) * (report.grid_points // len(sizes))
    assert edges > 16  # more edges cross the band than the search tries
    # Each candidate is size 6, the first whole number in the band (the other sizes scored are
    # the other verdicts' witnesses and the band's jump).
    assert tried.count(6) == 16
    assert not _regions(report)["either"].reachable
