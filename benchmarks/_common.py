"""Random but realistic profiles shared by the benchmark scripts (not a benchmark itself)."""

from __future__ import annotations

import random


def random_profiles(count: int, *, seed: int = 7, max_log_size: float = 5.0) -> list[dict[str, object]]:
    """``count`` profiles: log-uniform company sizes up to 10**max_log_size, small counts of people
    (never above the headcount, which OrgProfile refuses), every level of the ordered inputs."""
    rng = random.Random(seed)
    profiles = []
    for _ in range(count):
        size = int(10 ** rng.uniform(0, max_log_size))
        profiles.append(
            {
                "company_size": size,
                "product_complexity": rng.choice(["low", "moderate", "high", "very_high"]),
                "strategy_coverage": min(rng.randint(0, 4), size),
                "marketing_coverage": min(rng.randint(0, 4), size),
                "technical_coverage": min(rng.randint(0, 4), size),
                "engineering_capability": rng.choice(["developing", "established", "strong"]),
                "product_team_size": min(rng.randint(0, 6), size),
                "industry_tech_intensity": rng.choice(["low", "moderate", "high"]),
            }
        )
    return profiles
