"""Write a release's decision log and its JSON Lines export into ``tests/data/releases/<version>/``.

Run once per release, with that release installed, *before* anything changes the records:
``python tests/data/releases/make_release_fixture.py``. The tests in ``tests/test_old_records.py``
read, check and replay every folder here with the current code, so a later release that cannot
read an older log fails them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import tpm_fit

HERE = Path(__file__).resolve().parent

#: The situations recorded: different seats, verdicts and inputs given or left out.
PROFILES: list[dict[str, object]] = [
    {
        "company_size": 40,
        "product_complexity": "high",
        "strategy_coverage": 2,
        "engineering_capability": "developing",
    },
    {"company_size": 3, "product_complexity": "very_high"},
    {"company_size": 400, "product_complexity": "very_high", "product_team_size": 3},
    {"company_size": 12, "product_complexity": "moderate"},
    {
        "company_size": 2000,
        "product_complexity": "low",
        "product_team_size": 6,
        "strategy_coverage": 2,
        "marketing_coverage": 2,
        "technical_coverage": 2,
    },
]


def main() -> None:
    out = HERE / tpm_fit.__version__
    if out.exists():  # a release's files are written once, by that release, and never again
        raise SystemExit(f"{out} exists: the files of release {tpm_fit.__version__} are written once")
    out.mkdir()
    now = [datetime(2026, 12, 6, 9, 0, tzinfo=UTC)]

    def clock() -> datetime:
        now[0] += timedelta(seconds=1)
        return now[0]

    log_path = out / "decisions.sqlite"
    log_path.unlink(missing_ok=True)
    default = tpm_fit.Rulebook.default()
    custom = default.with_weights({factor.id: factor.weight * 1.5 for factor in default.factors[:2]})
    with tpm_fit.DecisionLog(log_path, clock=clock) as log:
        ids = []
        for index, profile in enumerate(PROFILES):
            result = tpm_fit.recommend(**profile)  # type: ignore[arg-type]
            record = log.record(result, requested_by=f"hr:{4700 + index}", labels={"team": f"team-{index}"})
            ids.append(record.decision_id)
        result = tpm_fit.recommend(company_size=40, product_complexity="high", rulebook=custom)
        record = log.record(result, rulebook=custom, requested_by="hr:4799", labels={"team": "custom"})
        ids.append(record.decision_id)
        log.review(ids[0], reviewer="rev:1", action="accept")
        log.review(ids[1], reviewer="rev:2", action="override", verdict="either", reason="Both kinds.")
        print(log.check())
        print(log.export_jsonl(out / "decisions.jsonl"), "entries exported to", out)


if __name__ == "__main__":
    main()
