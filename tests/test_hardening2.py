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
        "more than 8,000 keys and tables, or 16,000 array elements (a key counts as 2); "
        "no rulebook needs as many"
    )
    assert error.location.startswith("line 1, column ")
    assert seconds < 1.0


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


def test_verify_predicts_the_cost_of_two_level_factors_and_refuses_before_scoring() -> None:
    # 150 two-level factors: the old model counted 1 term each and let 40-123 s runs through.
    book = _with_factors(150)

    # Measured (bench_hostile, rulebook 3.0.0): 150 more two-level factors cost 2.0x the default's
    # verify, whose per-point sentence check is the same for both (5.1x before that check). The
    # prediction must count the factors (the old term count saw almost none) and stay within 2x.
    # Per grid point: the rendering check's cost is per verify, not per point (issue 18).
    def per_point(rulebook: Rulebook) -> int:
        return verification_work(rulebook, 100_001) - verification_work(rulebook, 100_000)

    ratio = per_point(book) / per_point(DEFAULT)
    assert 2.0 < ratio < 4.0
    with pytest.raises(RulebookError) as caught:
        tpm_fit.verify_rulebook(book, max_work=1_000_000)
    assert caught.value.message.startswith("max_work=1,000,000: verification would take about ")
    assert "tpm-fit verify --max-work N" in caught.value.message
    assert tpm_fit.verify_rulebook(DEFAULT).ok  # the default rulebook is far inside the default bound
    assert verification_work(DEFAULT, 180_000) < DEFAULT_MAX_WORK / 10


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
