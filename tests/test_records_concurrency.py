"""Concurrent writers in separate processes never lose, interleave or fork decision records."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import budget
from tpm_fit import DecisionLog

WRITER = textwrap.dedent(
    """
    import sys
    import tpm_fit

    path, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    result = tpm_fit.recommend(company_size=40, product_complexity="high")
    with tpm_fit.DecisionLog(path) as log:
        for i in range(count):
            log.record(result, requested_by=f"worker-{worker}", labels={"i": str(i)})
    print("done", worker)
    """
)


#: Records each process writes: 500 under CI, 100 in the quick run (the same interleavings, fewer).
COUNT = budget.scale(100, 500)


def test_four_processes_times_500_records_keep_one_valid_chain(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(worker), str(COUNT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(4)
    ]
    outputs = [writer.communicate(timeout=300) for writer in writers]
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert err == ""
        assert out.startswith("done")
    with DecisionLog(path, create=False) as log:
        assert len(log) == 4 * COUNT
        report = log.check()
        assert report.ok, report.to_text()
        assert (report.entries, report.records) == (4 * COUNT, 4 * COUNT)
        records = list(log.records())
    # Every worker's records are all there, each exactly once and in its own order.
    for worker in range(4):
        mine = [r.labels["i"] for r in records if r.requested_by == f"worker-{worker}"]
        assert mine == [str(i) for i in range(COUNT)]
    assert len({r.decision_id for r in records}) == 4 * COUNT
