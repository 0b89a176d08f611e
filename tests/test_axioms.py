"""The rules stay consistent: monotonicity axioms as hypothesis properties.

These hold for the default rulebook and for every rulebook with tuned (non-negative) weights,
since each factor is monotone in every input in the direction the axioms need.
"""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")  # an extra: the module is skipped on an install without it

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import tpm_fit
from tpm_fit import OrgProfile, Rulebook
from tpm_fit._model.profile import DERIVED_INPUTS, NUMERIC_BOUNDS, ORDERED_INPUTS
from tpm_fit.testing import org_profiles, rulebooks

# (input, +1 if the score may only rise with it, -1 if it may only fall)
AXIOMS = [
    ("product_complexity", +1),
    ("technical_coverage", -1),
    ("strategy_coverage", +1),
    ("marketing_coverage", +1),
    ("engineering_capability", -1),
    ("industry_tech_intensity", +1),
]


def raised(profile: OrgProfile, field: str, amount: int) -> Any:
    if field in ORDERED_INPUTS:
        levels = list(ORDERED_INPUTS[field])
        return levels[min(len(levels) - 1, getattr(profile, field).rank + amount)]
    # A count never exceeds the company's headcount (OrgProfile refuses it).
    return min(getattr(profile, field) + amount, NUMERIC_BOUNDS[field][1], profile.company_size)


@pytest.mark.parametrize(("field", "direction"), AXIOMS)
@given(profile=org_profiles(), rulebook=rulebooks(), amount=st.integers(min_value=1, max_value=3))
def test_monotonicity_axiom(
    field: str, direction: int, profile: OrgProfile, rulebook: Rulebook, amount: int
) -> None:
    before = tpm_fit.recommend(profile, rulebook=rulebook).score
    after = tpm_fit.recommend(profile, rulebook=rulebook, **{field: raised(profile, field, amount)}).score
    assert (after - before) * direction >= -1e-12


def test_the_axioms_tested_are_the_axioms_declared() -> None:
    declared = {
        (a.input, 1 if a.direction.value == "non_decreasing" else -1)
        for a in Rulebook.default().axioms
        if a.input not in DERIVED_INPUTS  # checked over derived inputs in test_seat.py
    }
    assert declared == set(AXIOMS)


@given(org_profiles(), rulebooks())
def test_verdict_order_follows_score_order(profile: OrgProfile, rulebook: Rulebook) -> None:
    """A higher score never gives a less technical verdict (verdicts are a monotone cut)."""
    rank = {"traditional": 0, "either": 1, "technical": 2}
    low = tpm_fit.recommend(profile, rulebook=rulebook)
    high = tpm_fit.recommend(profile, rulebook=rulebook, product_complexity="very_high")
    assert high.score >= low.score
    assert rank[high.verdict.value] >= rank[low.verdict.value]
