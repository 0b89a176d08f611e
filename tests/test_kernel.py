"""One kernel: the scalar twin used by recommend() equals the vectorised path bit for bit."""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")  # an extra: the module is skipped on an install without it

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tpm_fit import OrgProfile, Rulebook
from tpm_fit._engine.kernel import INPUT_NAMES, compile_rulebook, encode_profile
from tpm_fit.testing import org_profiles, rulebooks


def columns_of(profiles: list[OrgProfile]) -> dict[str, np.ndarray]:
    encoded = [encode_profile(p) for p in profiles]
    return {
        name: np.array([row[name] for row in encoded], dtype=np.float64 if name in _NUMERIC else np.intp)
        for name in INPUT_NAMES
    }


_NUMERIC = {
    "company_size",
    "strategy_coverage",
    "marketing_coverage",
    "technical_coverage",
    "product_team_size",
}


@given(st.lists(org_profiles(), min_size=1, max_size=30), rulebooks())
def test_scalar_twin_equals_vector_path_exactly(profiles: list[OrgProfile], rulebook: Rulebook) -> None:
    """Seat, derived inputs, contributions, score, verdict and risks: bit for bit."""
    compiled = compile_rulebook(rulebook)
    batch = compiled.evaluate(columns_of(profiles), len(profiles))
    for i, profile in enumerate(profiles):
        values = encode_profile(profile)
        one = compiled.evaluate_one(values)
        assert one.contributions == batch.contributions[:, i].tolist()  # bit-identical
        assert one.score == batch.score[i]
        assert one.verdict.code == batch.verdict_codes[i]
        for name, column in batch.derived.items():
            if name.startswith("warning."):  # the flags of Recommendation.warnings (test_batch.py)
                continue
            assert values[name] == column[i], name
        assert one.seat.role_shape.code == batch.derived["role_shape"][i]
        assert [k for k, _ in one.risks] == np.flatnonzero(batch.risks[:, i]).tolist()
        assert all(0.0 <= a <= 1.0 for a in one.activations)


@given(org_profiles())
def test_activations_stay_in_unit_interval_and_contributions_within_weight(profile: OrgProfile) -> None:
    compiled = compile_rulebook(Rulebook.default())
    one = compiled.evaluate_one(encode_profile(profile))
    for factor, a, c in zip(Rulebook.default().factors, one.activations, one.contributions, strict=True):
        assert 0.0 <= a <= 1.0
        assert abs(c) <= factor.weight


def test_ramps_hit_their_breakpoints_exactly() -> None:
    from tpm_fit import Ramp

    ramp = Ramp(kind="ramp", input="company_size", points=((10, 0.1), (150, 0.7), (1000, 0.3)))
    node = ramp.compile([])
    xs = np.array([1.0, 10.0, 150.0, 1000.0, 5000.0])
    batch = node.batch({"company_size": xs})
    assert batch.tolist() == [0.1, 0.1, 0.7, 0.3, 0.3]
    assert [node.one({"company_size": x}) for x in xs.tolist()] == batch.tolist()
    mid = node.one({"company_size": 80})
    assert mid == node.batch({"company_size": np.array([80.0])})[0]
    assert abs(mid - 0.4) < 1e-12
