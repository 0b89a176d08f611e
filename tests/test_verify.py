"""Rulebook.verify(): the exact check over the breakpoint grid, and properties that test the proof."""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")  # an extra: the module is skipped on an install without it

import math
import time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import budget
import tpm_fit
from tpm_fit import OrgProfile, Rulebook, RulebookError, VerificationReport, recommend, verify_rulebook
from tpm_fit._engine.kernel import CompiledRulebook
from tpm_fit._model.profile import DERIVED_INPUTS, HEADCOUNT_BOUNDED, NUMERIC_BOUNDS, ORDERED_INPUTS
from tpm_fit._verify.verifier import TOLERANCE
from tpm_fit.testing import org_profiles, rulebooks


def _data() -> dict[str, Any]:
    return Rulebook.default().model_dump(mode="json")


def _factor(data: dict[str, Any], factor_id: str) -> dict[str, Any]:
    return next(f for f in data["factors"] if f["id"] == factor_id)


def _without_timing(report: VerificationReport) -> dict[str, Any]:
    dumped = report.model_dump()
    dumped.pop("seconds")
    return dumped


def _score(profile: OrgProfile, rulebook: Rulebook) -> float:
    return recommend(profile, rulebook=rulebook).score


def _single_factor_book(ramp: list[list[float]], *, technical_min: float, traditional_max: float) -> Rulebook:
    """A one-factor rulebook over company_size, to reach corner cases of the verdict check."""
    data = _data()
    factor = data["factors"][0]
    factor["activation"] = {"kind": "ramp", "input": "company_size", "points": ramp}
    data["factors"] = [factor]
    data["axioms"] = []
    data["verdict_axioms"] = []
    data["thresholds"] = {"technical_min": technical_min, "traditional_max": traditional_max}
    return Rulebook.from_mapping(data)


# -- the default rulebook ---------------------------------------------------------------------


def test_default_rulebook_verifies_clean_and_fast() -> None:
    # CPU time, not wall time: on a shared, loaded machine the wall clock says little.
    started = time.process_time()
    report = Rulebook.default().verify()
    elapsed = time.process_time() - started
    assert report.ok, report.to_text()
    assert report.violations == ()
    assert elapsed < 2.0  # the sentence check renders every valid grid profile's reason
    assert {a.axiom for a in report.axioms} == {a.id for a in Rulebook.default().axioms}
    assert all(a.holds and a.pairs_checked > 0 for a in report.axioms)
    assert [v.verdict for v in report.verdicts if v.reachable] == ["traditional", "either", "technical"]
    assert all(f.fires and f.bounded for f in report.factors)
    # Every input's axis crossed with every other (an input added to the profile adds its axis
    # without this test changing): 4 company sizes (the split, with the size just below, and the
    # range ends) x 4 complexities x 3^3 coverages (0 to the need of one person, and the range end) x 3
    # capabilities x 5 team sizes x 3 intensities for the inputs of today.
    assert report.grid_points == math.prod(len(axis.values) for axis in report.grid)
    assert {axis.input for axis in report.grid} == set(OrgProfile.model_fields)
    axes = {axis.input: axis.values for axis in report.grid}
    assert axes["company_size"] == (1, 149, 150, 10_000_000)
    assert axes["product_team_size"] == (0, 1, 2, 3, 10_000_000)
    assert axes["technical_coverage"] == (0, 1, 10_000_000)
    assert all(a.holds and a.cases_checked > 0 for a in report.verdict_axioms)
    assert report.sentences is not None
    assert report.sentences.false_phrases == 0
    assert report.sentences.phrases_checked > 0


def test_rulebook_verify_is_verify_rulebook() -> None:
    book = Rulebook.default()
    assert _without_timing(book.verify()) == _without_timing(verify_rulebook(book))


def test_witnesses_really_get_their_verdict() -> None:
    book = Rulebook.default()
    for region in book.verify().verdicts:
        assert region.witness is not None
        result = recommend(region.witness, rulebook=book)
        assert result.verdict.value == region.verdict
        assert result.score == region.witness_score


def test_score_range_is_attained() -> None:
    report = Rulebook.default().verify()
    technical = next(r for r in report.verdicts if r.verdict == "technical")
    traditional = next(r for r in report.verdicts if r.verdict == "traditional")
    assert technical.witness_score == pytest.approx(report.score_max, abs=report.tolerance)
    assert traditional.witness_score == pytest.approx(report.score_min, abs=report.tolerance)


def test_region_describes_inputs_reaching_the_verdict() -> None:
    report = Rulebook.default().verify()
    for region in report.verdicts:
        assert region.witness is not None
        spans = {span.input: span for span in region.inputs}
        for name, span in spans.items():
            value = getattr(region.witness, name)
            assert getattr(value, "value", value) in span.values
    traditional = next(r for r in report.verdicts if r.verdict == "traditional")
    complexity = next(span for span in traditional.inputs if span.input == "product_complexity")
    # A seat of business faces outweighs even a very complex product once the technical face is staffed.
    assert "very_high" in complexity.values
    assert complexity.unrestricted


def test_report_round_trips_through_json() -> None:
    report = Rulebook.default().verify()
    assert VerificationReport.model_validate_json(report.model_dump_json()) == report


def _broken_small_book() -> Rulebook:
    """One factor over company_size that dips, an axiom it breaks, and an unreachable verdict:
    6,250 grid points, so that tiny chunks stay quick."""
    data = _data()
    factor = data["factors"][0]
    points = [[1, 1.0], [400, 0.0], [2000, 0.5]]
    factor["activation"] = {"kind": "ramp", "input": "company_size", "points": points}
    data["factors"] = [factor]
    data["axioms"] = [
        {
            "id": "size_never_lowers",
            "input": "company_size",
            "direction": "non_decreasing",
            "statement": "Test axiom: a larger company never lowers the score.",
        }
    ]
    data["verdict_axioms"] = []  # one broken axiom is enough here (test_true_advice breaks these)
    data["thresholds"] = {"technical_min": 2.0, "traditional_max": -1.0}
    return Rulebook.from_mapping(data)


def test_chunked_evaluation_gives_the_same_report() -> None:
    book = Rulebook.default()
    # 1,009 points a chunk: 179 chunks, the last one short.
    assert _without_timing(verify_rulebook(book, chunk_size=1009)) == _without_timing(verify_rulebook(book))


def test_tiny_chunks_give_the_same_violations_and_counterexamples() -> None:
    book = _broken_small_book()
    whole = _without_timing(verify_rulebook(book))
    assert [(v["check"], v["subject"]) for v in whole["violations"]] == [
        ("monotonicity", "size_never_lowers"),
        ("verdict_reachable", "traditional"),
    ]
    for chunk_size in (7, 64):
        assert _without_timing(verify_rulebook(book, chunk_size=chunk_size)) == whole, chunk_size


@pytest.mark.slow
def test_tiny_chunks_over_the_default_grid_give_the_same_report() -> None:
    book = Rulebook.default()
    assert _without_timing(verify_rulebook(book, chunk_size=7)) == _without_timing(verify_rulebook(book))


def test_grid_over_the_limit_is_refused_with_a_location() -> None:
    with pytest.raises(RulebookError) as info:
        verify_rulebook(Rulebook.default(), max_grid_points=1_000)
    assert info.value.location == "factors"
    assert "company_size: 4" in info.value.message


# -- broken rulebooks are caught, with counterexamples that really break the axiom -----------------


def _assert_real_counterexample(report: VerificationReport, axiom_id: str, book: Rulebook) -> None:
    violation = next(v for v in report.violations if v.check == "monotonicity" and v.subject == axiom_id)
    axiom = next(a for a in book.axioms if a.id == axiom_id)
    assert violation.before is not None
    assert violation.after is not None
    before, after = violation.before.model_dump(), violation.after.model_dump()
    # The two profiles differ in the axiom's input only, and the input goes up.
    assert {k for k in before if before[k] != after[k]} == {axiom.input}
    if axiom.input in ORDERED_INPUTS:
        assert getattr(violation.after, axiom.input).rank > getattr(violation.before, axiom.input).rank
    else:
        assert after[axiom.input] > before[axiom.input]
    s0, s1 = _score(violation.before, book), _score(violation.after, book)
    assert (s0, s1) == (violation.score_before, violation.score_after)
    assert s1 < s0 if axiom.direction.value == "non_decreasing" else s1 > s0


def test_inverted_level_table_is_caught() -> None:
    data = _data()
    table = _factor(data, "complex_product")["activation"]["of"][0]
    assert table["input"] == "product_complexity"
    table["values"] = dict(zip(table["values"], reversed(list(table["values"].values())), strict=True))
    book = Rulebook.from_mapping(data)
    report = book.verify()
    assert not report.ok
    assert [a.axiom for a in report.axioms if not a.holds] == ["complexity_never_lowers"]
    _assert_real_counterexample(report, "complexity_never_lowers", book)
    assert "complexity_never_lowers" in report.to_text()


def test_reversed_ramp_is_caught() -> None:
    data = _data()
    ramp = _factor(data, "complex_product")["activation"]["of"][1]["of"][1]
    assert ramp["input"] == "technical_coverage"
    ramp["points"] = [[0, 0.0], [1, 0.25], [2, 1.0]]
    book = Rulebook.from_mapping(data)
    report = book.verify()
    _assert_real_counterexample(report, "technical_coverage_never_raises", book)


def test_flipped_favours_is_caught() -> None:
    data = _data()
    _factor(data, "business_seat")["favours"] = "technical"
    book = Rulebook.from_mapping(data)
    _assert_real_counterexample(book.verify(), "strategy_coverage_never_lowers", book)


def test_violation_far_beyond_the_realistic_range_is_found() -> None:
    # A dip between 5,000,000 and 6,000,000 staff: no sample of realistic sizes would see it.
    data = _data()
    _factor(data, "complex_product")["activation"] = {
        "kind": "ramp",
        "input": "company_size",
        "points": [[1, 0.0], [5_000_000, 1.0], [6_000_000, 0.2], [10_000_000, 1.0]],
    }
    data["axioms"] = [
        {
            "id": "size_never_lowers",
            "input": "company_size",
            "direction": "non_decreasing",
            "statement": "Test axiom: a larger company never lowers the score.",
        }
    ]
    # The seat also changes with company size; silence the factors that read it.
    for factor in data["factors"]:
        reads = str(factor["activation"])
        if factor["id"] != "complex_product" and ("seat_" in reads or "role_shape" in reads):
            factor["weight"] = 0.0
    book = Rulebook.from_mapping(data)
    report = book.verify()
    violation = next(v for v in report.violations if v.subject == "size_never_lowers")
    assert violation.before is not None
    assert violation.after is not None
    assert (violation.before.company_size, violation.after.company_size) == (5_000_000, 6_000_000)
    _assert_real_counterexample(report, "size_never_lowers", book)


def test_dead_factor_is_reported_and_disabled_factor_is_not() -> None:
    data = _data()
    _factor(data, "complex_product")["activation"]["of"][0]["values"] = dict.fromkeys(
        ["low", "moderate", "high", "very_high"], 0.0
    )
    _factor(data, "simple_product")["weight"] = 0.0
    report = Rulebook.from_mapping(data).verify()
    dead = [v.subject for v in report.violations if v.check == "dead_factor"]
    assert dead == ["complex_product"]
    simple = next(f for f in report.factors if f.factor == "simple_product")
    assert simple.fires
    assert simple.max_contribution == 0.0


def test_unreachable_technical_verdict() -> None:
    data = _data()
    data["thresholds"] = {"technical_min": 50.0, "traditional_max": -0.75}
    report = Rulebook.from_mapping(data).verify()
    violation = next(v for v in report.violations if v.check == "verdict_reachable")
    assert violation.subject == "technical"
    assert f"{report.score_max:.6g}" in violation.message
    region = next(r for r in report.verdicts if r.verdict == "technical")
    assert not region.reachable
    assert region.witness is None
    assert region.grid_points == 0


def test_either_band_between_grid_points_is_found_on_an_edge() -> None:
    # Scores on the grid: 0 at size 1, 1 at size 3 and beyond. Size 2 scores 0.5: inside the band.
    book = _single_factor_book([[1, 0.0], [3, 1.0]], technical_min=2.75, traditional_max=1.25)
    report = book.verify()
    either = next(r for r in report.verdicts if r.verdict == "either")
    assert report.ok, report.to_text()
    assert either.found_on == "grid_edge"
    assert either.grid_points == 0
    assert either.witness is not None
    assert either.witness.company_size == 2
    assert recommend(either.witness, rulebook=book).verdict == "either"


def test_either_band_jumped_over_is_unreachable() -> None:
    # Size 1 scores 0 and size 2 scores 3 (the weight): no integer size lands in the band.
    book = _single_factor_book([[1, 0.0], [2, 1.0]], technical_min=2.75, traditional_max=0.25)
    report = book.verify()
    violation = next(v for v in report.violations if v.check == "verdict_reachable")
    assert violation.subject == "either"
    assert violation.before is not None
    assert violation.after is not None
    assert (violation.before.company_size, violation.after.company_size) == (1, 2)
    assert recommend(violation.before, rulebook=book).verdict == "traditional"
    assert recommend(violation.after, rulebook=book).verdict == "technical"


def test_unordered_thresholds_are_reported() -> None:
    # The model refuses unordered thresholds; model_construct bypasses it to test the check.
    book = Rulebook.default()
    broken = book.model_copy(
        update={"thresholds": book.thresholds.model_construct(technical_min=-1.0, traditional_max=1.0)}
    )
    report = verify_rulebook(broken)
    assert not report.thresholds_ordered
    assert "thresholds_ordered" in {v.check for v in report.violations}


def test_out_of_range_activation_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    # Guards the verifier against a kernel change that lets an activation leave [0, 1].
    import tpm_fit._verify.verifier as verify_module

    class _Doubled:
        def __init__(self, node: Any) -> None:
            self.node, self.one = node, node.one

        def batch(self, columns: Any) -> Any:
            return 2.0 * self.node.batch(columns)

    def compile_doubled(rulebook: Rulebook) -> CompiledRulebook:
        compiled = CompiledRulebook(rulebook)
        compiled.activations = (_Doubled(compiled.activations[0]), *compiled.activations[1:])
        return compiled

    monkeypatch.setattr(verify_module, "compile_rulebook", compile_doubled)
    report = verify_rulebook(Rulebook.default())
    violation = next(v for v in report.violations if v.check == "contribution_bounded")
    assert violation.subject == "complex_product"
    assert violation.before is not None
    assert not next(f for f in report.factors if f.factor == "complex_product").bounded


def test_axiom_on_an_input_no_factor_reads_holds_trivially() -> None:
    data = _data()
    data["factors"] = [f for f in data["factors"] if "industry_tech_intensity" not in str(f["activation"])]
    # A verdict axiom that reads the industry would put it on the grid too.
    data["verdict_axioms"] = [
        a for a in data["verdict_axioms"] if "industry_tech_intensity" not in str(a["when"])
    ]
    data["axioms"] = [
        {
            "id": "industry_irrelevant",
            "input": "industry_tech_intensity",
            "direction": "non_increasing",
            "statement": "Test axiom: the industry never raises the score.",
        }
    ]
    result = Rulebook.from_mapping(data).verify().axioms[0]
    assert result.holds
    assert result.pairs_checked == 0
    assert result.min_change is None


def test_importing_verify_keeps_hypothesis_and_pandas_out() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tpm_fit; tpm_fit.Rulebook.default().verify(); "
        "print(sorted(m for m in ('hypothesis', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- properties: random profiles never find what the exact check missed ----------------------------


def _values_above(name: str, current: Any) -> st.SearchStrategy[Any]:
    if name in ORDERED_INPUTS:
        higher = [level for level in ORDERED_INPUTS[name] if level.rank > current.rank]
        return st.sampled_from(higher) if higher else st.nothing()
    _, high = NUMERIC_BOUNDS[name]
    if current >= high:
        return st.nothing()
    # Mostly near the start of the range, where the (possibly redrawn) breakpoints are.
    return st.one_of(
        st.integers(min_value=current + 1, max_value=min(high, current + 400)),
        st.integers(min_value=current + 1, max_value=high),
    )


def _profiles_near_breakpoints() -> st.SearchStrategy[OrgProfile]:
    near = {
        name: st.one_of(st.integers(low, low + 350), st.integers(low, high))
        for name, (low, high) in NUMERIC_BOUNDS.items()
    }
    return org_profiles(**near)


# Each example verifies a whole rulebook (180,000 grid points, about 0.2 s): the thorough CI
# profile's 300 examples would take minutes per test for little gain, since every example is
# itself an exhaustive check. CI runs 60; the quick run 5.
_VERIFYING = settings(max_examples=budget.examples(5, cap=60))


@_VERIFYING
@given(
    rulebook=rulebooks(allow_axiom_violations=True),
    before=_profiles_near_breakpoints(),
    data=st.data(),
)
def test_no_axiom_violation_escapes_the_exact_check(
    rulebook: Rulebook, before: OrgProfile, data: st.DataObject
) -> None:
    report = rulebook.verify()
    reported = {v.subject for v in report.violations if v.check == "monotonicity"}
    for axiom in rulebook.axioms:
        if axiom.input in DERIVED_INPUTS:  # checked against the kernel in test_seat.py
            continue
        current = getattr(before, axiom.input)
        higher = data.draw(st.one_of(_values_above(axiom.input, current), st.none()), label=axiom.id)
        if higher is None:
            continue
        if axiom.input in HEADCOUNT_BOUNDED:
            higher = min(higher, before.company_size)
            if higher <= current:
                continue
        after = OrgProfile.model_validate({**before.model_dump(), axiom.input: higher})
        change = _score(after, rulebook) - _score(before, rulebook)
        signed = change if axiom.direction.value == "non_decreasing" else -change
        if signed < -report.tolerance:
            assert axiom.id in reported, (axiom.id, before, after, change)


@_VERIFYING
@given(rulebook=rulebooks(allow_axiom_violations=True), profile=_profiles_near_breakpoints())
def test_no_profile_falls_outside_the_reported_ranges(rulebook: Rulebook, profile: OrgProfile) -> None:
    report = rulebook.verify()
    result = recommend(profile, rulebook=rulebook)
    assert report.score_min - report.tolerance <= result.score <= report.score_max + report.tolerance
    reachable = {r.verdict for r in report.verdicts if r.reachable}
    assert result.verdict.value in reachable
    dead = {v.subject for v in report.violations if v.check == "dead_factor"}
    ranges = {f.factor: f for f in report.factors}
    for step in result.trace:
        factor = ranges[step.factor]
        assert factor.min_activation - TOLERANCE <= step.activation <= factor.max_activation + TOLERANCE
        if step.activation > TOLERANCE:
            assert step.factor not in dead


@_VERIFYING
@given(rulebook=rulebooks(max_relative_change=1.0))
def test_reweighting_the_default_rules_keeps_every_axiom(rulebook: Rulebook) -> None:
    # Every default factor moves the score one way in each input it reads, so weights alone
    # cannot break an axiom (they can only make a verdict unreachable or a factor disabled).
    report = rulebook.verify()
    assert all(axiom.holds for axiom in report.axioms), report.to_text()
    assert not math.isnan(report.score_min)


def test_public_names_are_exported() -> None:
    assert tpm_fit.verify_rulebook is verify_rulebook
    assert {"VerificationReport", "Violation", "verify_rulebook"} <= set(tpm_fit.__all__)
