"""Recommendation.robustness(): exact flip weights, the nearest flip, acceptability, the explain line.

The exact figures are checked against brute force through the public API (``Rulebook.with_weights``
and ``recommend``), on small rulebooks built here and perturbed by ``tpm_fit.testing.rulebooks``,
so the tests do not depend on the default rulebook's content.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import budget
import tpm_fit
from tpm_fit import (
    OrgProfile,
    Recommendation,
    Robustness,
    Rulebook,
    TpmFitError,
    TraceStep,
    Verdict,
    WeightMargin,
    recommend,
)
from tpm_fit.testing import org_profiles, rulebooks

#: Largest weight a rulebook file may hold (Factor.weight); brute force cannot go beyond it.
MAX_WEIGHT = 1_000.0

HEADER = """
name = "robustness test"
version = "0"
source = "tests"

[thresholds]
technical_min = {technical_min}
traditional_max = {traditional_max}

[seat]
section = "s"
specialist_min_company_size = 150
specialist_min_product_team = 3
need = [{{ from_company_size = 1, people = 1 }}]
tie_order = ["strategy", "marketing", "technical"]
"""


def factor(fid: str, favours: str, weight: float, activation: str) -> str:
    return (
        f'\n[[factors]]\nid = "{fid}"\ntitle = "Title of {fid}"\nfavours = "{favours}"\n'
        f'weight = {weight!r}\nsection = "s"\nreason = "r"\nactivation = {activation}\n'
    )


COMPLEXITY = (
    '{ kind = "levels", input = "product_complexity", '
    "values = { low = 0.0, moderate = 0.3, high = 0.75, very_high = 1.0 } }"
)
SMALL_COMPANY = '{ kind = "ramp", input = "company_size", points = [[1, 1.0], [200, 0.0]] }'
JUNIOR_ENGINEERS = (
    '{ kind = "levels", input = "engineering_capability", '
    "values = { developing = 1.0, established = 0.4, strong = 0.0 } }"
)
NO_STRATEGY = '{ kind = "ramp", input = "strategy_coverage", points = [[0, 1.0], [2, 0.0]] }'
ALWAYS = (
    '{ kind = "levels", input = "industry_tech_intensity", '
    "values = { low = 1.0, moderate = 1.0, high = 1.0 } }"
)

SMALL = Rulebook.from_toml(
    HEADER.format(technical_min=0.5, traditional_max=-0.5)
    + factor("complex", "technical", 2.0, COMPLEXITY)
    + factor("small_company", "traditional", 1.5, SMALL_COMPANY)
    + factor("junior_engineers", "technical", 1.0, JUNIOR_ENGINEERS)
    + factor("no_strategy", "traditional", 1.0, NO_STRATEGY)
)
PROFILE = OrgProfile(company_size=40, product_complexity="high")


def small_rulebooks() -> st.SearchStrategy[Rulebook]:
    # Axiom-breaking mutations flip favours and redraw activations: every sign and shape occurs.
    return rulebooks(SMALL, max_relative_change=0.9, allow_axiom_violations=True)


def verdict_at(rulebook: Rulebook, profile: OrgProfile, weights: dict[str, float]) -> Verdict:
    return recommend(profile, rulebook=rulebook.with_weights(weights)).verdict


def score_noise(result: Recommendation) -> float:
    """How far float rounding can move a re-scored score: a few ulps of its largest terms."""
    t = result.thresholds
    scale = sum(abs(s.contribution) for s in result.trace) + abs(t.technical_min) + abs(t.traditional_max)
    return 1e-13 * (1.0 + scale)


# -- flip weights against bisection ------------------------------------------------------------


def bisect(changed: object, same: float, other: float) -> float:
    """The boundary between ``same`` (verdict unchanged) and ``other`` (changed), to 1e-11."""
    assert callable(changed)
    while abs(other - same) > 1e-11:
        middle = (same + other) / 2
        if middle in (same, other):
            break
        if changed(middle):
            other = middle
        else:
            same = middle
    return other


def brute_flips(rulebook: Rulebook, profile: OrgProfile, step: TraceStep, verdict: Verdict) -> list[float]:
    """The weights in [0, MAX_WEIGHT] where the verdict changes, below and above the current one,
    by bisection on re-scoring."""

    def changed(weight: float) -> bool:
        return verdict_at(rulebook, profile, {step.factor: weight}) is not verdict

    found = []
    # The score is monotone in one weight, so along each direction the verdict changes at most
    # once from the current one: a change at the far end brackets the boundary.
    if step.weight > 0 and changed(0.0):
        found.append(bisect(changed, step.weight, 0.0))
    if step.weight < MAX_WEIGHT and changed(MAX_WEIGHT):
        found.append(bisect(changed, step.weight, MAX_WEIGHT))
    return found


def brute_flip(rulebook: Rulebook, profile: OrgProfile, step: TraceStep, verdict: Verdict) -> float | None:
    """The nearest of them (the first, below, on a tie), or None."""
    found = brute_flips(rulebook, profile, step, verdict)
    return min(found, key=lambda w: abs(w - step.weight)) if found else None


def check_margin(
    rulebook: Rulebook, profile: OrgProfile, result: Recommendation, margin: WeightMargin
) -> None:
    step = next(s for s in result.trace if s.factor == margin.factor)
    flip = margin.flip_weight
    # Weight resolution of re-scoring: rounding of the score, divided by the score's slope.
    slack = score_noise(result) / step.activation if step.activation > 0 else math.inf
    if flip is not None and flip > MAX_WEIGHT - slack:
        # Beyond what a rulebook can hold: brute force must not find a change before the cap.
        assert brute_flip(rulebook, profile, step, result.verdict) is None or flip - MAX_WEIGHT < slack
        return
    found = brute_flips(rulebook, profile, step, result.verdict)
    brute = min(found, key=lambda w: abs(w - step.weight)) if found else None
    if flip is None or brute is None:
        # Only a flip exactly at weight 0 (the score on a threshold) may be seen by one side only.
        seen = flip if flip is not None else brute
        assert seen is None or seen <= slack, (margin, brute)
        return
    tolerance = 1e-9 + slack
    # The nearest flip; from "either" both thresholds may be equally near, and either answer is right.
    assert abs(abs(flip - step.weight) - abs(brute - step.weight)) <= tolerance, (margin, found)
    assert any(abs(flip - candidate) <= tolerance for candidate in found), (margin, found)
    assert margin.to_verdict is not None
    if flip != step.weight:
        direction = 1.0 if flip > step.weight else -1.0
    else:  # the score sits on a threshold: move the weight the way that pushes the score off it
        rising = result.verdict is Verdict.TRADITIONAL or margin.to_verdict is Verdict.TECHNICAL
        technical = step.favours.value == "technical"
        direction = 1.0 if rising == technical else -1.0
    nudge = max(1e-7 * max(1.0, flip), 1e3 * slack)
    past = flip + direction * nudge
    if 0.0 <= past <= MAX_WEIGHT:
        assert verdict_at(rulebook, profile, {step.factor: past}) is margin.to_verdict, margin
    short = flip - direction * nudge
    if (short - step.weight) * direction > 0:  # still between the current weight and the flip
        assert verdict_at(rulebook, profile, {step.factor: short}) is result.verdict, margin


@settings(max_examples=budget.examples(8))  # bisection: dozens of rescorings per example
@given(small_rulebooks(), org_profiles())
def test_flip_weight_matches_bisection_on_with_weights(rulebook: Rulebook, profile: OrgProfile) -> None:
    result = recommend(profile, rulebook=rulebook)
    robust = result.robustness(samples=1)
    assert [m.factor for m in robust.margins] == list(rulebook.factor_ids)
    for margin in robust.margins:
        check_margin(rulebook, profile, result, margin)


@given(rulebooks(), org_profiles())
def test_margins_are_consistent_with_each_other(rulebook: Rulebook, profile: OrgProfile) -> None:
    result = recommend(profile, rulebook=rulebook)
    robust = result.robustness(samples=1)
    changes = [abs(m.relative_change) for m in robust.margins if m.relative_change is not None]
    if not changes:
        assert robust.margin is None
        assert robust.margin_factor is None
        return
    assert robust.margin == min(changes)
    chosen = next(m for m in robust.margins if m.factor == robust.margin_factor)
    assert chosen.relative_change is not None
    assert abs(chosen.relative_change) == robust.margin
    for m in robust.margins:
        assert (m.flip_weight is None) == (m.to_verdict is None)
        assert m.to_verdict is not result.verdict
        if m.relative_change is not None:
            assert m.flip_weight is not None
            assert m.flip_weight >= 0
            assert math.isclose(m.flip_weight, m.weight * (1 + m.relative_change), rel_tol=1e-9, abs_tol=1e-9)


def test_flip_weight_of_a_known_case() -> None:
    # complex 2 x 0.75, small_company -1.5 x 160/199, junior 1 x 0.4, no_strategy -1 x 1: about -0.31,
    # nearer traditional_max (-0.5) than technical_min (0.5).
    result = recommend(PROFILE, rulebook=SMALL)
    assert result.verdict is Verdict.EITHER
    robust = result.robustness(samples=1)
    complex_margin = robust.margins[0]
    # Either -> traditional when the score falls to -0.5: the complex weight shrinks by (S + 0.5) / 0.75.
    expected = 2.0 + (-0.5 - result.score) / 0.75
    assert complex_margin.to_verdict is Verdict.TRADITIONAL
    assert complex_margin.flip_weight == pytest.approx(expected, abs=1e-12)
    assert complex_margin.relative_change == pytest.approx((expected - 2.0) / 2.0, abs=1e-12)
    # Just past the flip weight the score is below traditional_max; just short, still "either".
    assert verdict_at(SMALL, PROFILE, {"complex": expected - 1e-9}) is Verdict.TRADITIONAL
    assert verdict_at(SMALL, PROFILE, {"complex": expected + 1e-9}) is Verdict.EITHER
    # The other way, technical is reached only by growing the weight much more.
    up = 2.0 + (0.5 - result.score) / 0.75
    assert verdict_at(SMALL, PROFILE, {"complex": up + 1e-9}) is Verdict.TECHNICAL
    assert abs(up - 2.0) > abs(expected - 2.0)


def test_factor_that_does_not_fire_never_flips() -> None:
    result = recommend(PROFILE.model_copy(update={"strategy_coverage": 5}), rulebook=SMALL)
    margin = result.robustness(samples=1).margins[3]
    assert result.trace[3].activation == 0.0
    assert margin.flip_weight is None
    assert margin.relative_change is None
    assert margin.to_verdict is None


def test_zero_weight_factor_can_still_flip_but_has_no_relative_change() -> None:
    book = SMALL.with_weights({"complex": 0.0})
    result = recommend(PROFILE, rulebook=book)
    margin = result.robustness(samples=1).margins[0]
    assert margin.relative_change is None
    assert margin.flip_weight is not None
    assert margin.flip_weight > 0
    assert verdict_at(book, PROFILE, {"complex": margin.flip_weight * (1 + 1e-9)}) is margin.to_verdict


# -- the nearest flip against vertex enumeration -------------------------------------------------


def brute_nearest(rulebook: Rulebook, profile: OrgProfile, result: Recommendation) -> float | None:
    """Smallest L1 weight change reaching a threshold that flips the verdict, by enumeration.

    A linear program's optimum lies on a vertex: every weight unchanged or at 0, except at most
    one that moves freely. Each vertex is scored with with_weights + recommend.
    """
    t = result.thresholds
    ids = list(rulebook.factor_ids)
    weights = {s.factor: s.weight for s in result.trace}
    slope = {
        s.factor: (s.activation if s.favours.value == "technical" else -s.activation) for s in result.trace
    }
    current = result.verdict
    targets = {
        Verdict.TECHNICAL: [t.technical_min],
        Verdict.TRADITIONAL: [t.traditional_max],
        Verdict.EITHER: [t.technical_min, t.traditional_max],
    }[current]
    best: float | None = None
    tolerance = score_noise(result) * 10
    for size in range(len(ids) + 1):
        for zeroed in itertools.combinations(ids, size):
            moved = dict.fromkeys(zeroed, 0.0)
            base = recommend(profile, rulebook=rulebook.with_weights(moved)).score
            cost = sum(weights[fid] for fid in zeroed)
            for threshold in targets:
                # Zeroing alone crosses (or, from "either", meets) the threshold.
                if current is Verdict.EITHER:
                    crosses = base >= threshold if threshold == t.technical_min else base <= threshold
                else:
                    crosses = base < threshold if current is Verdict.TECHNICAL else base > threshold
                if crosses:
                    best = cost if best is None else min(best, cost)
                for fid in ids:
                    if fid in zeroed or slope[fid] == 0.0:
                        continue
                    change = (threshold - base) / slope[fid]
                    if weights[fid] + change < -tolerance:
                        continue
                    total = cost + abs(change)
                    # At the threshold: from technical/traditional a flip needs some room to pass
                    # it, which exists unless every movable weight is already spent.
                    best = total if best is None else min(best, total)
    return best


@given(small_rulebooks(), org_profiles())
def test_nearest_flip_matches_vertex_enumeration(rulebook: Rulebook, profile: OrgProfile) -> None:
    result = recommend(profile, rulebook=rulebook)
    flip = result.robustness(samples=1).nearest_flip
    brute = brute_nearest(rulebook, profile, result)
    if flip is None:
        # No flip: then no vertex reaches a threshold, except by meeting it exactly with nothing left.
        assert brute is None or brute >= sum(s.weight for s in result.trace if s.contribution) - 1e-9
        return
    assert brute is not None
    scale = 1.0 + sum(s.weight for s in result.trace)
    assert flip.distance == pytest.approx(brute, abs=1e-9 * scale)
    assert flip.distance == pytest.approx(sum(abs(c.new_weight - c.weight) for c in flip.changes), abs=1e-9)
    # Moving every changed weight a little further really gives the promised verdict.
    further = {c.factor: max(0.0, c.new_weight + (c.new_weight - c.weight) * 1e-6) for c in flip.changes}
    if flip.changes and all(w <= MAX_WEIGHT for w in further.values()):
        moved = recommend(profile, rulebook=rulebook.with_weights(further))
        if abs(moved.score - flip.threshold) > score_noise(result) * 10:
            assert moved.verdict is flip.to_verdict


@given(rulebooks(), org_profiles())
def test_nearest_flip_is_never_farther_than_one_weight(rulebook: Rulebook, profile: OrgProfile) -> None:
    robust = recommend(profile, rulebook=rulebook).robustness(samples=1)
    singles = [abs(m.flip_weight - m.weight) for m in robust.margins if m.flip_weight is not None]
    if singles:
        assert robust.nearest_flip is not None
        assert robust.nearest_flip.distance <= min(singles) * (1 + 1e-9) + 1e-12
    if robust.nearest_flip is not None:
        assert robust.nearest_flip.to_verdict is not robust.verdict
        assert all(c.new_weight >= 0 for c in robust.nearest_flip.changes)


def test_nearest_flip_moves_several_weights_when_one_is_not_enough() -> None:
    book = Rulebook.from_toml(
        HEADER.format(technical_min=0.5, traditional_max=-0.5)
        + factor("one", "technical", 2.0, ALWAYS)
        + factor("two", "technical", 2.0, ALWAYS)
    )
    result = recommend(PROFILE, rulebook=book)
    robust = result.robustness(samples=100)
    assert result.score == 4.0
    assert robust.margin is None  # zeroing either weight leaves 2 >= 0.5
    flip = robust.nearest_flip
    assert flip is not None
    assert flip.distance == pytest.approx(3.5)
    assert flip.to_verdict is Verdict.EITHER
    assert flip.threshold == 0.5
    assert [(c.factor, c.new_weight) for c in flip.changes] == [("one", 0.0), ("two", pytest.approx(0.5))]
    assert "no change to one factor alone can flip" in result.explain()


def test_no_flip_at_all() -> None:
    book = Rulebook.from_toml(
        HEADER.format(technical_min=0.5, traditional_max=-0.5) + factor("only", "technical", 2.0, COMPLEXITY)
    )
    result = recommend(company_size=10, product_complexity="low", rulebook=book)  # activation 0
    robust = result.robustness(samples=10)
    assert robust.nearest_flip is None
    assert robust.margin is None
    assert robust.share(result.verdict) == 1.0


# -- acceptability --------------------------------------------------------------------------------


@given(rulebooks(), org_profiles(), st.floats(0.0, 1.0), st.integers(0, 2**32))
def test_shares_add_up_to_one_and_repeat_with_the_seed(
    rulebook: Rulebook, profile: OrgProfile, spread: float, seed: int
) -> None:
    result = recommend(profile, rulebook=rulebook)
    robust = result.robustness(spread=spread, samples=500, seed=seed)
    assert [a.verdict for a in robust.acceptability] == [
        Verdict.TRADITIONAL,
        Verdict.EITHER,
        Verdict.TECHNICAL,
    ]
    assert sum(a.count for a in robust.acceptability) == 500
    assert math.fsum(a.share for a in robust.acceptability) == pytest.approx(1.0, abs=1e-12)
    assert robust == result.robustness(spread=spread, samples=500, seed=seed)
    for a in robust.acceptability:
        assert a.half_width == pytest.approx(1.959963984540054 * math.sqrt(a.share * (1 - a.share) / 500))


@given(rulebooks(), org_profiles())
def test_no_spread_keeps_the_verdict_everywhere(rulebook: Rulebook, profile: OrgProfile) -> None:
    result = recommend(profile, rulebook=rulebook)
    robust = result.robustness(spread=0.0, samples=50)
    assert robust.share(result.verdict) == 1.0
    assert robust.central_weights == {s.factor: s.weight for s in result.trace}


@given(small_rulebooks(), org_profiles(), st.integers(0, 1000))
def test_acceptability_matches_rescoring_the_sampled_weights(
    rulebook: Rulebook, profile: OrgProfile, seed: int
) -> None:
    result = recommend(profile, rulebook=rulebook)
    robust = result.robustness(spread=0.5, samples=30, seed=seed)
    # The documented sampling model: numpy's default generator, one row of uniforms per sample.
    multipliers = np.random.default_rng(seed).uniform(0.5, 1.5, size=(30, len(result.trace)))
    counts = dict.fromkeys(Verdict, 0)
    kept = []
    for row in multipliers:
        weights = {s.factor: min(MAX_WEIGHT, s.weight * u) for s, u in zip(result.trace, row, strict=True)}
        again = recommend(profile, rulebook=rulebook.with_weights(weights))
        if abs(again.score - result.thresholds.technical_min) < 1e-9 or (
            abs(again.score - result.thresholds.traditional_max) < 1e-9
        ):
            return  # a sample on a threshold: rounding decides, nothing to compare
        counts[again.verdict] += 1
        if again.verdict is result.verdict:
            kept.append([weights[f] for f in rulebook.factor_ids])
    assert {a.verdict: a.count for a in robust.acceptability} == counts
    if kept:
        assert robust.central_weights is not None
        assert list(robust.central_weights.values()) == pytest.approx(np.mean(kept, axis=0).tolist())


def test_more_spread_is_less_firm_on_a_close_call() -> None:
    result = recommend(PROFILE, rulebook=SMALL)
    shares = [result.robustness(spread=s, samples=20_000).share(result.verdict) for s in (0.0, 0.2, 0.8)]
    assert shares[0] == 1.0
    assert shares[0] >= shares[1] >= shares[2]
    assert shares[2] < 1.0


# -- records, errors, words -----------------------------------------------------------------------


@given(rulebooks(), org_profiles())
def test_json_round_trip(rulebook: Rulebook, profile: OrgProfile) -> None:
    robust = recommend(profile, rulebook=rulebook).robustness(samples=200)
    assert Robustness.model_validate_json(robust.model_dump_json()) == robust


def test_works_on_a_record_read_back_from_json_without_its_rulebook() -> None:
    result = recommend(PROFILE, rulebook=SMALL)
    again = Recommendation.model_validate_json(result.model_dump_json())
    assert again.robustness() == result.robustness()
    assert again.robustness(rulebook=SMALL) == result.robustness()
    with pytest.raises(TpmFitError, match="fingerprint"):
        again.robustness(rulebook=SMALL.with_weights({"complex": 2.5}))


def test_an_altered_record_is_refused() -> None:
    result = recommend(PROFILE, rulebook=SMALL)
    altered = result.model_copy(update={"verdict": Verdict.TECHNICAL})
    with pytest.raises(TpmFitError, match="does not follow from score"):
        altered.robustness()
    assert "Firmness: unknown" in altered.explain()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"spread": -0.1}, "spread=-0.1: out of range; valid: a number from 0 to 1"),
        ({"spread": 1.5}, "spread=1.5"),
        ({"spread": math.nan}, "spread=nan"),
        ({"spread": True}, "spread=True"),
        ({"samples": 0}, "samples=0: out of range; valid: a whole number from 1 to 10,000,000"),
        ({"samples": 2.5}, "samples=2.5"),
        ({"seed": -1}, "seed=-1: not a seed; valid: a whole number of at least 0"),
    ],
)
def test_bad_arguments_name_the_value_and_what_is_valid(kwargs: dict[str, object], message: str) -> None:
    result = recommend(PROFILE, rulebook=SMALL)
    with pytest.raises(ValueError, match=message) as caught:
        result.robustness(**kwargs)  # type: ignore[arg-type]
    assert isinstance(caught.value, TpmFitError)


def test_explain_markdown_and_html_say_how_firm_the_verdict_is() -> None:
    result = recommend(PROFILE, rulebook=SMALL)
    robust = result.robustness()
    margin = next(m for m in robust.margins if m.factor == robust.margin_factor)
    assert margin.relative_change is not None
    verb = "loses" if margin.relative_change < 0 else "gains"
    line = next(line for line in result.explain().splitlines() if line.startswith("Firmness:"))
    assert f"{margin.title} {verb} {abs(margin.relative_change):.0%} of its weight" in line
    assert f"turns {margin.to_verdict.value}" in line if margin.to_verdict else False
    assert f"*{margin.title}*" in result.to_markdown()
    assert "Firmness:" in result._repr_html_()


def test_explain_calls_a_close_call() -> None:
    book = Rulebook.from_toml(
        HEADER.format(technical_min=0.5, traditional_max=-0.5) + factor("only", "technical", 0.52, ALWAYS)
    )
    text = recommend(PROFILE, rulebook=book).explain()
    assert (
        "Firmness: close call: holds unless Title of only loses 3.8% of its weight, which gives either"
        in text
    )


def test_robustness_text_names_the_rival_verdict_on_a_close_call() -> None:
    robust = recommend(PROFILE, rulebook=SMALL).robustness(spread=1.0)
    rival = max((a for a in robust.acceptability if a.verdict is not robust.verdict), key=lambda a: a.share)
    assert rival.share >= 0.2
    text = str(robust)
    assert text.startswith(f"How firm is the verdict ({robust.verdict.value}")
    assert f"close call: {rival.share:.0%} of plausible weightings say {rival.verdict.value}" in text
    for m in robust.margins:
        assert m.factor in text


def test_exports() -> None:
    for name in ("Robustness", "WeightMargin", "NearestFlip", "WeightChange", "VerdictShare"):
        assert name in tpm_fit.__all__
