"""Benchmark: the decision service under load, with logging on, for 1 and 2 worker processes.

Run: ``python benchmarks/bench_server.py [--clients 8] [--requests 500] [--workers 1 2]``

For each worker count, starts ``tpm-fit serve --log`` on 127.0.0.1 (a fresh log, a requester
token), then ``--clients`` threads each send ``--requests`` ``POST /v1/recommendations`` over one
keep-alive connection, with random realistic profiles. Every response must be 201. Afterwards the
log is checked: every decision is there (0 lost) and the hash chain is intact. Prints requests per
second and p50 and p99 latency under load, and, from ``--single`` requests sent one at a time
first, the overhead per request over a direct ``recommend()`` call measured in the same run (next
to the same work done in-process: recommend, robustness, durable record). Bounded: at most
``--max-seconds`` per worker count; localhost only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import urllib.request
from pathlib import Path

from _common import random_profiles

import tpm_fit
from tpm_fit._server.tokens import TokenStore


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(base: str, server: subprocess.Popen[bytes], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the service did not become ready") from None
            time.sleep(0.2)


def _client(
    port: int, token: str, bodies: list[bytes], deadline: float, latencies: list[float], errors: list[str]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        for body in bodies:
            if time.monotonic() > deadline:
                errors.append("time limit reached")
                return
            start = time.perf_counter()
            conn.request("POST", "/v1/recommendations", body=body, headers=headers)
            answer = conn.getresponse()
            answer.read()
            latencies.append(time.perf_counter() - start)
            if answer.status != 201:
                errors.append(f"status {answer.status}")
    except OSError as exc:
        errors.append(repr(exc))
    finally:
        conn.close()


def run_load(workers: int, clients: int, requests: int, single: int, max_seconds: float) -> dict[str, float]:
    """One load run against a fresh service; returns its figures (raises if anything is lost)."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "decisions.db"
        token = TokenStore(log).add(name="bench-1", role="requester")
        port = _free_port()
        command = [sys.executable, "-m", "tpm_fit", "serve", "--log", str(log), "--port", str(port)]
        command += ["--workers", str(workers), "--log-level", "warning"]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_ready(f"http://127.0.0.1:{port}", server)
            profiles = random_profiles(clients * requests + single, seed=11)
            bodies = [json.dumps(p).encode() for p in profiles]
            deadline = time.monotonic() + max_seconds
            alone: list[float] = []
            errors: list[str] = []
            _client(port, token, bodies[clients * requests :], deadline, alone, errors)  # one at a time
            latencies: list[float] = []
            threads = [
                threading.Thread(
                    target=_client,
                    args=(
                        port,
                        token,
                        bodies[i * requests : (i + 1) * requests],
                        deadline,
                        latencies,
                        errors,
                    ),
                )
                for i in range(clients)
            ]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(timeout=30)
        with tpm_fit.DecisionLog(log) as opened:
            report = opened.check()
        sent = clients * requests
        lost = sent + single - report.records
        if errors or lost or not report.ok:
            raise SystemExit(
                f"FAILED with {workers} worker(s): {len(errors)} errors {errors[:3]}, {lost} records lost, "
                f"chain {'intact' if report.ok else 'BROKEN'}"
            )
        ordered = sorted(latencies)
        return {
            "requests": float(sent),
            "seconds": elapsed,
            "rps": sent / elapsed,
            "p50": statistics.median(ordered) * 1e3,
            "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e3,
            "records": float(report.records),
            "alone_p50": statistics.median(alone) * 1e3,
        }


def in_process_costs(number: int) -> tuple[float, float]:
    """Microseconds per call: recommend() alone, and recommend + robustness + durable record()."""
    profiles = random_profiles(number, seed=11)
    for fields in profiles[:20]:
        tpm_fit.recommend(fields)  # warm the caches
    direct = min(timeit.repeat(lambda: [tpm_fit.recommend(p) for p in profiles], number=1, repeat=3)) / number
    with tempfile.TemporaryDirectory() as folder, tpm_fit.DecisionLog(Path(folder) / "d.db") as log:
        log.record(tpm_fit.recommend(profiles[0]))

        def same_work() -> None:
            for fields in profiles:
                result = tpm_fit.recommend(fields)
                result.robustness(samples=1_000)
                log.record(result, requested_by="bench-1")

        work = min(timeit.repeat(same_work, number=1, repeat=3)) / number
    return direct * 1e6, work * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=500, help="requests per client")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--single", type=int, default=200, help="sequential requests first, for the overhead")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="limit per worker count")
    args = parser.parse_args()

    direct_us, work_us = in_process_costs(min(500, args.clients * args.requests))
    print(f"tpm_fit {tpm_fit.__version__}, Python {platform.python_version()}, {platform.machine()}")
    print(f"{args.clients} clients x {args.requests} requests, POST /v1/recommendations with a durable log")
    print(
        f"in-process: recommend() {direct_us:,.0f} us; recommend + robustness + record() {work_us:,.0f} us\n"
    )
    print(f"{'workers':>7} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'1 client p50 ms':>16} {'overhead':>10}")
    for workers in args.workers:
        figures = run_load(workers, args.clients, args.requests, args.single, args.max_seconds)
        # One request at a time: what the service adds to a direct recommend() call.
        overhead_us = figures["alone_p50"] * 1e3 - direct_us
        print(
            f"{workers:>7} {figures['rps']:>7,.0f} {figures['p50']:>7.2f} {figures['p99']:>7.2f} "
            f"{figures['alone_p50']:>16.2f} {overhead_us:>7,.0f} us"
        )
    print("\n0 errors, 0 records lost, chain intact after every run (DecisionLog.check()).")


if __name__ == "__main__":
    main()
