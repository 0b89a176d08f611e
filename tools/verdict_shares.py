"""Verdict shares of generalist seats over a scenario grid, by complexity and the faces in the seat.

The grid is every combination of company sizes 1, 2, 3, 5, 10, 40 and 149 (all below the default
split at 150 people), 0 to 2 PMs on staff, 0 or 1 person covering each face, and every level of
product complexity, engineering capability and industry tech intensity (profiles whose counts
exceed the company size are left out). Rows with no hire needed, or with a specialist seat, are
not counted. ``tests/test_article_claims.py`` asserts the bound on the same grid.

    python tools/verdict_shares.py                       # the shipped default rulebook
    python tools/verdict_shares.py old.toml new.toml     # rulebook files, one table each
"""

from __future__ import annotations

import argparse
import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tpm_fit
from tpm_fit import Face, RoleShape, Rulebook, Verdict

SIZES = (1, 2, 3, 5, 10, 40, 149)
COMPLEXITIES = ("low", "moderate", "high", "very_high")
CAPABILITIES = ("developing", "established", "strong")
INTENSITIES = ("low", "moderate", "high")
#: How the faces in a generalist seat are grouped in the table.
GROUPS = ("business only", "business and technical", "technical only")


def profiles() -> Iterator[dict[str, Any]]:
    """Every profile of the grid, as keyword arguments of :func:`tpm_fit.recommend`."""
    for size, team, strategy, marketing, technical in itertools.product(
        SIZES, (0, 1, 2), (0, 1), (0, 1), (0, 1)
    ):
        if max(team, strategy, marketing, technical) > size:
            continue
        for complexity, capability, intensity in itertools.product(COMPLEXITIES, CAPABILITIES, INTENSITIES):
            yield {
                "company_size": size,
                "product_team_size": team,
                "strategy_coverage": strategy,
                "marketing_coverage": marketing,
                "technical_coverage": technical,
                "product_complexity": complexity,
                "engineering_capability": capability,
                "industry_tech_intensity": intensity,
            }


def group_of(seat: tuple[Face, ...]) -> str:
    """Which of :data:`GROUPS` a generalist seat belongs to."""
    business = bool(set(seat) & {Face.STRATEGY, Face.MARKETING})
    if business:
        return GROUPS[1] if Face.TECHNICAL in seat else GROUPS[0]
    return GROUPS[2]


def verdict_counts(rulebook: Rulebook) -> dict[tuple[str, str], Counter[Verdict]]:
    """Verdicts of the grid's generalist seats, keyed by (complexity, group)."""
    counts: dict[tuple[str, str], Counter[Verdict]] = {}
    for fields in profiles():
        result = tpm_fit.recommend(fields, rulebook=rulebook)
        if result.role_shape is not RoleShape.GENERALIST or not result.hire_needed:
            continue
        key = (str(fields["product_complexity"]), group_of(result.seat))
        counts.setdefault(key, Counter())[result.verdict] += 1
    return counts


def table(rulebook: Rulebook) -> str:
    """The shares as text, one line per (complexity, group), and the business-faces totals."""
    counts = verdict_counts(rulebook)
    lines = [f"{rulebook.name} {rulebook.version}"]
    for complexity, group in itertools.product(COMPLEXITIES, GROUPS):
        found = counts.get((complexity, group), Counter())
        total = sum(found.values())
        shares = "  ".join(f"{v.value} {found[v] / total:6.1%}" for v in Verdict) if total else ""
        lines.append(f"  {complexity:9} {group:22} n={total:4}  {shares}")
    for complexity in ("low", "moderate"):
        business = sum((counts.get((complexity, g), Counter()) for g in GROUPS[:2]), Counter())
        technical = business[Verdict.TECHNICAL] / sum(business.values())
        lines.append(f"  {complexity} complexity, seat with business faces: technical {technical:.1%}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "rulebooks", nargs="*", type=Path, help="rulebook TOML files (default: the shipped one)"
    )
    args = parser.parse_args()
    books = [Rulebook.from_toml(path.read_text(encoding="utf-8")) for path in args.rulebooks]
    for book in books or [Rulebook.default()]:
        print(table(book))


if __name__ == "__main__":
    main()
