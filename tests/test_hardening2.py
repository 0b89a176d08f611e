"""Issue 20, library side: every input-decided cost bounded before work, and friendly edges.

Each test names the repro of the adversarial review it answers. CLI and decision-log repros
live in ``test_hardening2_log.py`` and ``test_hardening2_cli.py``.
"""

from __future__ import annotations

import copy
import re
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import budget
import tpm_fit
from tpm_fit import (
    DecisionLog,
    Guidance,
    InvalidArgumentError,
    ProfileFrameError,
    Rulebook,
    RulebookError,
    recommend,
)
from tpm_fit._model.loading import MAX_RULEBOOK_BYTES
from tpm_fit._verify.work import DEFAULT_MAX_WORK, verification_work
from tpm_fit.testing import rulebooks

DEFAULT = Rulebook.default()
LEVELS = {"low": 0.0, "moderate": 0.0, "high": 1.0, "very_high": 1.0}
BASE: dict[str, Any] = DEFAULT.model_dump(mode="json")


def _seconds(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _refusal(text: str | dict[str, Any]) -> RulebookError:
    load = Rulebook.from_toml if isinstance(text, str) else Rulebook.from_mapping
    with pytest.raises(RulebookError) as caught:
        load(text)  # type: ignore[arg-type]
    return caught.value


def _levels_factor(i: int) -> dict[str, Any]:
    return {
        "id": f"extra_{i}",
        "title": f"Extra {i}",
        "favours": "technical",
        "weight": 0.001,
        "section": "Test",
        "reason": "A test factor.",
        "activation": {"kind": "levels", "input": "product_complexity", "values": LEVELS},
    }


def _with_factors(extra: int) -> Rulebook:
    data = copy.deepcopy(BASE)
    data["factors"] += [_levels_factor(i) for i in range(extra)]
    return Rulebook.from_mapping(data)


# -- 1. budgets counted before work --------------------------------------------------------------


def test_340000_empty_tables_in_an_array_are_refused_by_the_prescan() -> None:
    text = "factors = [" + ",".join(["{}"] * 340_000) + "]"  # 1 MB; took 15-22 s and 2.4 GiB
    seconds = _seconds(lambda: _refusal(text))
    error = _refusal(text)
    assert error.message == (
        "more than 8,000 keys and tables, or 16,000 array elements (a key counts as 2, 24 characters "
        "of quoted text as 1, an escape as 1/2); valid: a smaller document (docs/customizing.md lists "
        "what fits)"
    )
    assert error.location.startswith("line 1, column ")
    assert seconds < 1.0


def _large(factors: int, risks: int, text: int, points: int = 0) -> str:
    """A valid rulebook's TOML: the default plus level-table (or ramp) factors, copies of its
    first risk, every reason and description ``text`` characters long."""
    words = ("The organisation described here needs this, for reasons its owners wrote down. " * 30)[:text]
    data = copy.deepcopy(BASE)
    for item in [*data["factors"], *data["risks"]]:
        item["reason" if "reason" in item else "description"] = words
    for i in range(factors - len(data["factors"])):
        factor = {**_levels_factor(i), "reason": words}
        if points:
            ramp = [[1 + i + 1000 * k, float(k % 2)] for k in range(points)]
            factor["activation"] = {"kind": "ramp", "input": "company_size", "points": ramp}
        data["factors"].append(factor)
    first = data["risks"][0]
    data["risks"] += [{**copy.deepcopy(first), "id": f"risk_{i}"} for i in range(risks - len(data["risks"]))]
    return Rulebook.from_mapping(data).to_toml()


@pytest.mark.parametrize(
    ("factors", "risks", "text", "points"),
    [(200, 50, 100, 0), (200, 30, 100, 2), (150, 50, 200, 0), (100, 30, 300, 16), (100, 20, 1000, 0)],
)
def test_large_valid_rulebooks_within_the_documented_parse_budget_load(
    factors: int, risks: int, text: int, points: int
) -> None:
    # docs/customizing.md lists these as fitting the budget of 16,000 units.
    book = Rulebook.from_toml(_large(factors, risks, text, points))
    assert (len(book.factors), len(book.risks)) == (factors, risks)


def test_200_factors_and_100_risks_exceed_the_parse_budget_as_documented() -> None:
    error = _refusal(_large(200, 100, 100))
    assert error.message.startswith("more than 8,000 keys and tables, or 16,000 array elements (a key ")
    assert error.location.startswith("line ")


def test_quoted_text_and_escapes_count_against_the_parse_budget() -> None:
    # 1 MiB of backslash escapes in 52 titles took tomllib 0.2-0.3 s before any check ran.
    escapes = "".join('[[factors]]\ntitle = "' + "\\t" * 10_000 + '"\n' for _ in range(52))
    assert _refusal(escapes).message.startswith("more than 8,000 keys and tables")
    assert _refusal(escapes).location == "line 6, column 9"  # the third title passes 16,000
    plain = "".join('[[factors]]\ntitle = "' + "x" * 20_000 + '"\n' for _ in range(52))
    assert _refusal(plain).message.startswith("more than 8,000 keys and tables")
    # An inline array counts 2: 5,000 ramp points [x, y] (10,000 units before) are over the budget.
    points = "points = [" + ",".join(f"[{i}, 0.5]" for i in range(5_000)) + "]\n"
    assert _refusal(points).message.startswith("more than 8,000 keys and tables")


def test_an_over_long_array_is_refused_before_any_item_is_validated() -> None:
    error = _refusal("factors = [" + ",".join(["{}"] * 5_000) + "]")
    assert error.message == "factors=<5,000 items>: too many; valid: at most 200"
    assert error.location == "factors"
    assert error.problems == ("factors=<5,000 items>: too many; valid: at most 200 @ factors",)


def test_guidance_arrays_are_counted_before_validation_too() -> None:
    text = "responsibilities = [" + ",".join(["{}"] * 500) + "]"
    with pytest.raises(RulebookError) as caught:
        Guidance.from_toml(text)
    assert caught.value.message == "responsibilities=<500 items>: too many; valid: at most 100"


def test_many_unknown_keys_do_not_make_did_you_mean_quadratic() -> None:
    # 110 KB of unknown keys next to missing ones: 13-19 s of "did you mean" before.
    table = "[[factors]]\n" + "".join(f"tittle_{k} = 1\n" for k in range(60))
    text = 'name = "x"\n' + table * 150
    assert len(text) > 100_000
    assert _seconds(lambda: _refusal(text)) < 1.0
    parsed = 'name = "x"\n' + table * 100  # under the key budget: parsed, then refused unvalidated
    seconds = _seconds(lambda: _refusal(parsed))
    error = _refusal(parsed)
    assert error.message.startswith("tittle_0: unknown key (one of more than 100 unknown keys); valid: ")
    assert error.message.endswith("(did you mean 'title'?)")
    assert error.location == "factors[0].tittle_0"
    assert seconds < 1.0


def test_a_need_step_beyond_int64_is_refused_where_it_is() -> None:
    data = copy.deepcopy(BASE)
    step = len(data["seat"]["need"])
    data["seat"]["need"].append({"from_company_size": 9_223_372_036_854_775_808, "people": 1})
    error = _refusal(data)
    assert error.location == f"seat.need[{step}].from_company_size"
    assert error.message == ("from_company_size=9223372036854775808: too large; valid: at most 10000000")


def test_risk_applies_to_is_bounded_and_each_verdict_once() -> None:
    data = copy.deepcopy(BASE)
    data["risks"][0]["applies_to"] = ["technical"] * 10_000
    assert _refusal(data).message == "applies_to=<10,000 items>: too many; valid: at most 3"
    data["risks"][0]["applies_to"] = ["technical", "technical"]
    assert "a verdict repeats" in _refusal(data).message


def test_thresholds_are_bounded_to_keep_margins_finite() -> None:
    data = copy.deepcopy(BASE)
    data["thresholds"]["technical_min"] = 1e300
    error = _refusal(data)
    assert error.location == "thresholds.technical_min"
    assert error.message == "technical_min=1e+300: too large; valid: at most 1000000.0"


def test_a_compact_document_that_would_not_fit_written_back_is_refused() -> None:
    data = copy.deepcopy(BASE)
    long_text = "x" * 2_000
    for i in range(200 - len(data["factors"])):  # up to the 200 factors allowed
        factor = _levels_factor(i)
        factor["title"] = factor["section"] = factor["reason"] = long_text
        data["factors"].append(factor)
    error = _refusal(data)
    assert error.message.startswith("rulebook=<")
    assert "too large to read back or to log" in error.message


def _round_trips_and_logs(rulebook: Rulebook) -> None:
    text = rulebook.to_toml()
    assert len(text.encode()) <= MAX_RULEBOOK_BYTES
    again = Rulebook.from_toml(text)
    assert again.fingerprint == rulebook.fingerprint
    result = recommend(company_size=40, product_complexity="high", rulebook=rulebook)
    with DecisionLog(":memory:") as log:
        record = log.record(result, rulebook=rulebook, labels={"team": "payments"})
        assert log.get(record.decision_id).record == record
        assert log.rulebook(rulebook.fingerprint).fingerprint == rulebook.fingerprint
        assert log.check().ok


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rulebooks(allow_axiom_violations=True))
def test_any_generated_rulebook_can_be_written_back_and_logged(rulebook: Rulebook) -> None:
    _round_trips_and_logs(rulebook)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    weight=st.sampled_from([0.0, -0.0, 1_000.0, 5e-324, 999.9999999999999]),
    threshold=st.sampled_from([1_000_000.0, 999_999.0]),
    text_length=st.sampled_from([1, 2_000]),
    step=st.sampled_from([10_000_000, 9_999_999]),
)
def test_rulebooks_at_every_bound_can_be_written_back_and_logged(
    weight: float, threshold: float, text_length: int, step: int
) -> None:
    data = copy.deepcopy(BASE)
    data["factors"][0]["weight"] = weight
    data["factors"][0]["reason"] = "r" * text_length
    data["thresholds"]["technical_min"] = threshold
    data["thresholds"]["traditional_max"] = -threshold
    data["seat"]["need"].append({"from_company_size": step, "people": 50})
    data["risks"][0]["applies_to"] = ["traditional", "either", "technical"]
    _round_trips_and_logs(Rulebook.from_mapping(data))


def _bench() -> Any:
    """benchmarks/bench_hostile.py, whose rulebook shapes calibrate the work model."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_hostile.py"
    spec = importlib.util.spec_from_file_location("bench_hostile", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _grid(book: Rulebook) -> Any:
    from tpm_fit._engine.kernel import compile_rulebook
    from tpm_fit._verify.breakpoint_grid import Grid, build_axes

    return Grid(build_axes(compile_rulebook(book)))


def _situations(book: Rulebook, grid: Any) -> int:
    """Distinct seat situations among the valid grid points, keyed as check_sentences keys them."""
    from tpm_fit._engine.seat_reads import SEAT_READS
    from tpm_fit._engine.statements import statements_of
    from tpm_fit._verify.sentences import valid_points

    reads = sorted(frozenset(SEAT_READS).union(*statements_of(book).reads.values()))
    return len({tuple(grid.values(flat)[name] for name in reads) for flat in valid_points(grid)})


@pytest.mark.parametrize("extra", [0, 150])
def test_the_work_model_counts_what_verify_and_sensitivity_do(extra: int) -> None:
    # The model prices counts taken from the rulebook and the grid's axes before any scoring;
    # each must equal what the analyses then actually iterate over.
    from tpm_fit._verify.sentences import valid_points
    from tpm_fit._verify.work import count_work, sensitivity_chunk, sensitivity_chunks

    book = _with_factors(extra)
    grid = _grid(book)
    counts = count_work(book, grid)
    assert counts.points == grid.size == 19_440
    assert counts.valid == len(valid_points(grid)) == 7_740
    assert counts.situations == _situations(book, grid) == 860
    assert (counts.factors, counts.activations) == (11 + extra, 16 + extra)
    assert (counts.terms, counts.factor_terms) == (43 + extra, 26 + extra)
    assert sensitivity_chunks(counts) == len(list(grid.chunks(sensitivity_chunk(counts.factors))))


@settings(max_examples=budget.scale(5, 15), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=rulebooks(allow_axiom_violations=True))
def test_the_work_models_valid_profile_counts_are_exact(book: Rulebook) -> None:
    from tpm_fit._verify.sentences import valid_points
    from tpm_fit._verify.work import count_work

    grid = _grid(book)
    counts = count_work(book, grid)
    assert counts.valid == len(valid_points(grid))
    assert counts.situations == _situations(book, grid)


def test_the_work_model_is_within_2x_of_every_recorded_measurement() -> None:
    # Timing is measured by the benchmark, not here: benchmarks/work_model.json holds the medians
    # of its last runs (python benchmarks/bench_hostile.py --repeats 5 --fit --record ...), each
    # under whatever load the shared machine had. This checks, without timing anything, that
    # (1) the recorded counts still price the shapes as they are now, within 5% (else the
    # calibration is stale: re-run the benchmark), and (2) the coefficients predict every
    # recorded time within 2x, for
    # verify (with and without its sentence check), sensitivity and robustness, in every run, once
    # the run's own speed (the median ratio: the load of the shared machine varied 1.6x between
    # runs) is taken out; and that speed is itself within 2x of a nanosecond a unit.
    import json
    from pathlib import Path

    from tpm_fit._verify.work import (
        SENSITIVITY,
        VERIFY,
        WorkCounts,
        count_work,
        price,
        sensitivity_features,
        verification_features,
    )

    bench = _bench()
    runs = json.loads((Path(bench.__file__).parent / "work_model.json").read_text())["runs"]
    shapes = dict([*bench.SHAPES, *bench.LARGE_SHAPES])
    counts = {name: count_work(make(), _grid(make())).as_dict() for name, make in shapes.items()}
    assert runs
    for run in runs:
        assert len(run["shapes"]) >= 10
        for item in run["shapes"]:
            # A run recorded before a count existed predates the work it counts (the rendering
            # check's `rendered`): it reads as 0 there (WorkCounts' default), so only the
            # recorded counts are compared.
            # A small change of the rulebook since (rulebook 3.1.0 added two activation terms)
            # leaves a calibration usable: the shape's prediction must move by at most 5%.
            now = {key: counts[item["shape"]][key] for key in item["counts"]}
            recorded, current = WorkCounts(**item["counts"]), WorkCounts(**now)
            for coefficients, features in (
                (VERIFY, verification_features),
                (SENSITIVITY, sensitivity_features),
            ):
                was, is_now = price(coefficients, features(recorded)), price(coefficients, features(current))
                assert abs(is_now - was) <= 0.05 * was, (item["shape"], now, item["counts"])
        assert [(r["factors"], r["samples"]) for r in run["robustness"]] == bench._robustness_runs()
        rows = bench._rows(run)
        ratios = [seconds / bench.predicted_seconds(name, features) for name, _, features, seconds in rows]
        speed = sorted(ratios)[len(ratios) // 2]  # the machine's speed in that run, against 1 ns a unit
        assert 0.5 <= speed <= 2.0, run["date"]
        checked = 0
        for (analysis, case, features, _), ratio in zip(rows, ratios, strict=True):
            # The bound is there to stop long runs. Below 10 ms the shared machine's scheduling
            # noise dominates (the same 100-sample robustness run measured 0.4 to 5 ms), so those
            # rows are reported by the benchmark but not held to 2x here.
            if bench.predicted_seconds(analysis, features) * speed < 0.010:
                continue
            checked += 1
            assert 0.5 <= ratio / speed <= 2.0, (run["date"], analysis, case, ratio, speed)
        assert checked >= 30  # verify, sensitivity and robustness over at least 10 shapes


def test_verify_refuses_beyond_its_work_bound_before_scoring() -> None:
    book = _with_factors(150)
    with pytest.raises(RulebookError) as caught:
        tpm_fit.verify_rulebook(book, max_work=1_000_000)
    assert caught.value.message.startswith("max_work=1,000,000: verification would take about ")
    assert "tpm-fit verify --max-work N" in caught.value.message
    assert tpm_fit.verify_rulebook(DEFAULT).ok  # the default rulebook is far inside the default bound
    assert verification_work(DEFAULT, _grid(DEFAULT)) < DEFAULT_MAX_WORK / 20  # under a second


def test_verify_and_sensitivity_beyond_the_default_work_bound_are_refused_before_scoring() -> None:
    # 200 factors, 80 long ramps: about 21 million grid points (sensitivity ran 49 s in the review
    # with no bound, verify 40-123 s under the old undercounting model). Both are predicted above
    # the default bound and refused from the counts alone, before any point is scored.
    from tpm_fit._analysis.sensitivity import rulebook_sensitivity

    slow = _bench()._spread(levels=200 - 11 - 80, ramps=80, points=64)
    with pytest.raises(RulebookError, match=r"^max_work=20,000,000,000: verification would take"):
        tpm_fit.verify_rulebook(slow, max_grid_points=10**8)
    with pytest.raises(RulebookError, match=r"^max_work=20,000,000,000: sensitivity would take"):
        rulebook_sensitivity(slow, max_grid_points=10**8)


def test_sensitivity_has_a_work_bound() -> None:
    from tpm_fit._analysis.robustness import rulebook_sensitivity

    with pytest.raises(RulebookError, match=r"^max_work=1,000: sensitivity would take about "):
        rulebook_sensitivity(DEFAULT, max_work=1_000)
    assert DEFAULT.sensitivity().grid_points > 0
    with pytest.raises(RulebookError, match=r"^max_work=10: sensitivity would take"):
        DEFAULT.sensitivity(max_work=10)


def test_robustness_of_ten_million_samples_over_200_factors_is_refused_at_once() -> None:
    book = _with_factors(200 - len(BASE["factors"]))
    result = recommend(company_size=40, product_complexity="high", rulebook=book)
    with pytest.raises(RulebookError) as caught:
        assert _seconds(lambda: result.robustness(samples=10**7)) < 0  # never reached
    assert "robustness would take about" in caught.value.message
    assert "10,000,000 samples x 200 factors" in caught.value.message
    assert result.robustness(samples=1_000, max_work=10**15).samples == 1_000


# -- 6. friendly at the edges --------------------------------------------------------------------


def test_numpy_scalars_are_accepted_wherever_python_numbers_are() -> None:
    as_python = recommend(company_size=40, product_complexity="high", technical_coverage=1)
    as_numpy = recommend(company_size=np.int64(40), product_complexity="high", technical_coverage=np.uint8(1))
    assert as_numpy == as_python
    assert as_numpy.profile.company_size == 40
    assert type(as_numpy.profile.company_size) is int
    assert DEFAULT.with_weights({"complex_product": np.int64(2)}).factors[0].weight == 2.0
    assert as_python.robustness(samples=np.int64(100), seed=np.int64(1)).samples == 100
    assert len(tpm_fit.scenario_grid(company_size=[5], product_complexity="low", max_rows=np.int64(10))) == 1
    with DecisionLog(":memory:", timeout=np.float64(1.5)) as log:
        assert len(log) == 0
    with pytest.raises(ValueError, match="not an integer"):
        recommend(company_size=np.float64(40), product_complexity="high")  # floats stay refused


def test_scenario_grid_bounds_ranges_and_max_rows_without_overflow() -> None:
    with pytest.raises(
        ProfileFrameError, match=r"the company_size axis alone has 99,999,999,999,999,999,999"
    ):
        tpm_fit.scenario_grid(company_size=range(1, 10**20), product_complexity="low")
    with pytest.raises(
        ProfileFrameError, match=r"^max_rows=1,000,000,000,000,000,000,000,000,000,000: too large"
    ):
        tpm_fit.scenario_grid(company_size=[5], product_complexity="low", max_rows=10**30)
    axes = {name: range(10**7) for name in ("company_size", "strategy_coverage", "marketing_coverage")}
    started = time.perf_counter()
    with pytest.raises(ProfileFrameError, match="has 1,000,000,000,000,000,000,000 rows"):
        tpm_fit.scenario_grid(product_complexity="low", **axes)
    assert time.perf_counter() - started < 0.5  # six range(10**7) axes took 7 s and 1 GiB before


def test_decision_map_answers_a_misspelt_column() -> None:
    grid = tpm_fit.scenario_grid(company_size=[5, 50], product_complexity=["low", "high"])
    scored = grid.join(tpm_fit.recommend_many(grid))
    with pytest.raises(
        ProfileFrameError, match=r"values='verdikt': not a column of the frame \(did you mean 'verdict'\?\)"
    ):
        tpm_fit.decision_map(scored, values="verdikt")


def test_messages_follow_one_grammar_with_public_classes_only() -> None:
    data = copy.deepcopy(BASE)
    data["thresholds"]["traditional_max"] = 99.0
    message = str(_refusal(data))
    assert "Value error" not in message
    data = copy.deepcopy(BASE)
    data["factors"][0]["id"] = "Not An Id"
    message = _refusal(data).message
    assert message.startswith("id='Not An Id': not an identifier; valid: a lower-case letter")
    assert "^" not in message
    assert "{0,63}" not in message
    result = recommend(company_size=40, product_complexity="high")
    with pytest.raises(InvalidArgumentError) as caught:
        result.robustness(samples=0)
    assert type(caught.value).__name__ == "InvalidArgumentError"
    assert type(caught.value) is tpm_fit.InvalidArgumentError
    with DecisionLog(":memory:") as log, pytest.raises(ValueError, match="requested_by") as bad_id:
        log.record(result, requested_by="jane@x.com")
    text = str(bad_id.value)
    assert "requested_by='jane@x.com': not an opaque id" in text
    assert "errors.pydantic.dev" not in text
    assert "[A-Za-z0-9]" not in text


def test_guidance_fingerprint_ignores_the_sign_of_zero() -> None:
    data = Guidance.default().model_dump(mode="json")
    data["shown_at"] = 0.0
    positive = Guidance.from_mapping(data)
    data["shown_at"] = -0.0
    assert Guidance.from_mapping(data).fingerprint == positive.fingerprint


def test_an_older_result_keeps_its_rulebook_for_brief_and_counterfactuals() -> None:
    custom = DEFAULT.with_weights({"complex_product": 3.25})
    result = recommend(company_size=40, product_complexity="high", rulebook=custom)
    for i in range(70):  # more rulebooks than the compiled-rulebook cache holds
        recommend(
            company_size=40,
            product_complexity="low",
            rulebook=DEFAULT.with_weights({"complex_product": 1.0 + i / 100}),
        )
    assert result.brief().rulebook_fingerprint == custom.fingerprint
    assert isinstance(result.counterfactuals(), list | tuple)
    assert result.used_rulebook() is custom
    # a result read from JSON still needs rulebook= (as documented), and equality ignores the link
    again = tpm_fit.Recommendation.model_validate_json(result.model_dump_json())
    assert again == result


def test_reprs_are_one_short_line() -> None:
    result = recommend(company_size=40, product_complexity="high")
    for thing in (result, result.brief(), DEFAULT):
        text = repr(thing)
        assert "\n" not in text, text
        assert len(text) < 300, text
    assert repr(result).startswith("Recommendation(verdict='technical', score=+")
    factors = len(DEFAULT.factors)
    assert re.match(rf"Rulebook\(name='tpm_fit default', version='[^']+', {factors} factors, ", repr(DEFAULT))
    assert repr(result.brief()).startswith("RoleBrief(title=")


def test_a_count_above_the_headcount_reads_in_the_grammar_without_pydantic_wording() -> None:
    with pytest.raises(ValueError, match="strategy_coverage") as caught:
        recommend(company_size=5, strategy_coverage=10, product_complexity="low")
    text = str(caught.value)
    assert "strategy_coverage=10: more people than the company has (company_size=5); valid: at most" in text
    assert "Value error" not in text
    assert "errors.pydantic.dev" not in text
    data = Guidance.default().model_dump(mode="json")
    data["targets"] = {"must_have": 2, "nice_to_have": 4}
    with pytest.raises(RulebookError) as guidance:
        Guidance.from_mapping(data)
    assert guidance.value.message.startswith("nice_to_have=4: above must_have=2;")


def test_accepting_numpy_integers_keeps_the_json_schema_bounds() -> None:
    """HR tools validate against the published schema: its counts keep minimum and maximum."""
    properties = tpm_fit.OrgProfile.model_json_schema()["properties"]
    assert (properties["company_size"]["minimum"], properties["company_size"]["maximum"]) == (1, 10_000_000)
    for name in ("strategy_coverage", "marketing_coverage", "technical_coverage", "product_team_size"):
        assert (properties[name]["minimum"], properties[name]["maximum"]) == (0, 10_000_000), name
        assert "ge" not in properties[name]
