"""Worst-case hostile input: how fast, and in how little memory, it is refused; and the work model.

Part 1, rulebook documents an attacker could hand to ``Rulebook.from_toml`` (or ``tpm-fit
verify``): the dotted keys and deep table headers that made tomllib take 14 s and 6.3 GB before
any check ran, deep arrays and inline tables, huge keys, numbers and strings, documents of many
tables, and (issue 20) arrays of 340,000 empty tables, over-long arrays and thousands of unknown
keys. Part 2, the other inputs that decide a cost (issue 20): grid files and scenario grids of
huge axes, decision-log imports of deep or endless lines, and verify / sensitivity / robustness
runs whose predicted work is beyond the bound. The budget is every case refused in under 0.1 s
and under 50 MiB.

Time is the median of ``--repeats`` runs; peak memory is measured in a separate run with
tracemalloc (the parsers are Python code; numpy reports its arrays to tracemalloc). The ratio
column compares each case's time with parsing the valid default rulebook in the same run.

Part 3 calibrates the work model of ``tpm_fit._verify.work`` on this machine: for each of 11
rulebook shapes it times ``verify_rulebook`` and ``Rulebook.sensitivity`` and compares with the
predicted work, scaled by one factor per analysis (the median of measured / predicted). The
model's shape is right when every ratio lies within 2x; the scale says how many nanoseconds one
unit takes here.

    python benchmarks/bench_hostile.py [--repeats 5] [--shapes 11]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tpm_fit
from tpm_fit import Rulebook, RulebookError, TpmFitError

MIB = 1 << 20
BUDGET_SECONDS = 0.1
BUDGET_MIB = 50.0


def _cases() -> dict[str, str]:
    default = Rulebook.default().to_toml()
    factor = default[
        default.index("[[factors]]") : default.index("[[factors]]", default.index("[[factors]]") + 1)
    ]
    big = 1 << 20
    return {
        "dotted key, 40,000 parts (80 KB)": "a" + ".a" * 40_000 + " = 1\n",
        "dotted key, 1 MiB": "a" + ".a" * (big // 2 - 8) + " = 1\n",
        "table header, 100,000 levels": "[" + ".".join(["a"] * 100_000) + "]\n",
        "table header, 1 MiB": "[" + ".".join(["a"] * (big // 2 - 8)) + "]\n",
        "array of tables header, 1 MiB": "[[" + ".".join(["a"] * (big // 2 - 8)) + "]]\n",
        "nested arrays, 1 MiB": "a = " + "[" * (big // 2 - 8) + "]" * (big // 2 - 8),
        "nested inline tables, 1 MiB": "a = " + "{b = " * (big // 6 - 8) + "1" + "}" * (big // 6 - 8),
        "quoted dotted key, 1 MiB": '"a"' + '."a"' * (big // 4 - 8) + " = 1\n",
        "bare key, 1 MiB": "a" * (big - 8) + " = 1\n",
        "quoted key, 1 MiB": '"' + "a" * (big - 10) + '" = 1\n',
        "integer literal, 1 MiB": "a = " + "1" * (big - 8) + "\n",
        "string value, 900 KB title": default.replace('title = "', 'title = "' + "x" * 900_000, 1),
        "100,000 unknown keys (1 MiB)": "".join(f"k{i} = 1\n" for i in range(100_000))[: big - 8],
        "5,000 factors (1 MiB)": default + factor * max(1, (big - len(default)) // len(factor)),
        "9,900 keys in 330 tables (parsed)": "".join(
            f"[t{t}]\n" + "".join(f"k{k} = 1\n" for k in range(29)) for t in range(330)
        ),
        "2,000 control characters": default.replace('title = "', 'title = "' + "\\u001b" * 2_000, 1),
        "340,000 empty tables in an array (1 MB)": "factors = [" + ",".join(["{}"] * 340_000) + "]",
        "5,000 empty factors (refused unvalidated)": "factors = [" + ",".join(["{}"] * 5_000) + "]",
        "9,000 unknown keys in 150 factors (110 KB)": 'name = "x"\n'
        + ("[[factors]]\n" + "".join(f"tittle_{k} = 1\n" for k in range(60))) * 150,
        "7,930 unknown keys in 130 factors (parsed)": 'name = "x"\n'
        + ("[[factors]]\n" + "".join(f"tittle_{k} = 1\n" for k in range(60))) * 130,
        "15,900 numbers in one array (parsed)": "factors = [" + ",".join(["1"] * 15_900) + "]\n",
    }


def _refuse(text: str) -> str:
    try:
        Rulebook.from_toml(text)
    except RulebookError as exc:
        return exc.message[:60]
    return "ACCEPTED"


def _median_seconds(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _peak_mib(call: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def _levels_factor(i: int, *, favours: str = "technical") -> dict[str, Any]:
    values = {"low": 0.0, "moderate": 0.3, "high": 0.7, "very_high": 1.0}
    activation = {"kind": "levels", "input": "product_complexity", "values": values}
    return {"id": f"x{i}", "title": f"X {i}", "favours": favours, "weight": 0.001, "section": "S",
            "reason": "R.", "activation": activation}  # fmt: skip


def _ramp(name: str, points: int, low: int, high: int) -> dict[str, Any]:
    import numpy as np

    xs = sorted({int(v) for v in np.geomspace(low, high, points)})
    return {"kind": "ramp", "input": name, "points": [[x, float(i % 2)] for i, x in enumerate(xs)]}


ENGINEERING = {"developing": 1.0, "established": 0.5, "strong": 0.0}
INDUSTRY = {"low": 0.0, "moderate": 0.5, "high": 1.0}
COUNTS = ("company_size", "strategy_coverage", "marketing_coverage", "technical_coverage")


def _shape(
    *, levels: int = 0, ramps: int = 0, points: int = 2, combos: int = 0, axioms: bool = True
) -> Rulebook:
    """The default rulebook plus extra factors of one kind (tiny weights, so the verdicts stay)."""
    data = Rulebook.default().model_dump(mode="json")
    extra = [_levels_factor(i) for i in range(levels)]
    extra += [
        {**_levels_factor(1000 + i), "activation": _ramp("company_size", points, 1, 100_000)}
        for i in range(ramps)
    ]
    terms = [
        _levels_factor(0)["activation"],
        {"kind": "levels", "input": "engineering_capability", "values": ENGINEERING},
        {"kind": "levels", "input": "industry_tech_intensity", "values": INDUSTRY},
        _ramp("company_size", 2, 1, 100_000),
        _ramp("technical_coverage", 2, 1, 5),
        _ramp("product_team_size", 2, 1, 9),
    ]  # fmt: skip
    extra += [
        {**_levels_factor(2000 + i), "activation": {"kind": "all_of", "of": terms}} for i in range(combos)
    ]
    data["factors"] += extra
    if not axioms:
        data["axioms"], data["seat_axioms"] = [], []
    return Rulebook.from_mapping(data)


#: Factors that fit beside the default rulebook's under the 200-factor limit.
_ROOM = 200 - len(Rulebook.default().factors)

#: Rulebook shapes the work model is calibrated over: (name, how to build it).
SHAPES: list[tuple[str, Callable[[], Rulebook]]] = [
    ("default", Rulebook.default),
    ("+60 two-level factors", lambda: _shape(levels=60)),
    ("+150 two-level factors", lambda: _shape(levels=150)),
    ("+40 two-point ramps", lambda: _shape(ramps=40, points=2)),
    ("+20 ramps of 16 points", lambda: _shape(ramps=20, points=16)),
    ("+5 ramps of 64 points", lambda: _shape(ramps=5, points=64)),
    ("+60 all_of of 4 terms", lambda: _shape(combos=60)),
    ("+120 all_of of 6 terms", lambda: _shape(combos=120)),
    ("+100 two-level, no axioms", lambda: _shape(levels=100, axioms=False)),
    (f"+{_ROOM} two-level factors", lambda: _shape(levels=_ROOM)),
    ("default, no axioms", lambda: _shape(axioms=False)),
]


def _other_cases() -> dict[str, Callable[[], object]]:
    """Hostile inputs other than rulebook text: each call must raise a TpmFitError."""
    from tpm_fit._analysis.robustness import rulebook_sensitivity
    from tpm_fit._cli.sweep import read_grid_file

    folder = Path(tempfile.mkdtemp(prefix="bench_hostile_"))
    grid = folder / "grid.toml"
    grid.write_text(
        'company_size = { start = 1, stop = 10000000, num = 50000000 }\nproduct_complexity = "low"\n'
    )
    wide = folder / "wide.toml"
    wide.write_text("".join(f"{n} = {{ start = 0, stop = 10000000, num = 10000000 }}\n" for n in COUNTS))
    header = '{"format":"tpm_fit-decision-log","kind":"header","schema_version":1}\n'
    deep = header + '{"kind":"record","entry":' + "[" * 500_000 + "]" * 500_000 + "}\n"
    long_line = header + '{"kind":"rulebook","toml":"' + "x" * (9 << 20) + '"}\n'
    many = _shape(levels=_ROOM)
    big_result = tpm_fit.recommend(company_size=40, product_complexity="high", rulebook=many)
    axes = {n: range(10**7) for n in (*COUNTS, "product_team_size", "engineering_capability")}
    # 40 long ramps over company_size: a grid of about 10 million points whose predicted work is
    # above the default bound for verify and sensitivity alike (8 ramps, under it since rulebook
    # 3.0.0 made the coverage axes shorter, ran for 47 s).
    spread = copy.deepcopy(_shape(levels=_ROOM - 40).model_dump(mode="json"))
    spread["factors"] += [
        {**_levels_factor(5000 + i), "activation": _ramp("company_size", 60, 1 + i, 9_000_000 - i)}
        for i in range(40)
    ]
    slow = Rulebook.from_mapping(spread)

    def import_of(text: str) -> Callable[[], object]:
        source = folder / f"export{len(text)}.jsonl"
        source.write_text(text, encoding="utf-8")

        def run() -> object:
            target = folder / f"import{time.perf_counter_ns()}.db"
            return tpm_fit.DecisionLog.import_jsonl(source, target)

        return run

    def grid_of(**axes: Any) -> Callable[[], object]:
        return lambda: tpm_fit.scenario_grid(product_complexity="low", **axes)

    return {
        "grid file: num = 50,000,000": lambda: read_grid_file(str(grid)),
        "grid file: four 10**7 ranges": lambda: read_grid_file(str(wide)),
        "scenario_grid: six range(10**7) axes": grid_of(**axes),
        "scenario_grid: range(1, 10**20)": grid_of(company_size=range(1, 10**20)),
        "log import: 500,000-deep line (file)": import_of(deep),
        "log import: 9 MiB line (from a file)": import_of(long_line),
        "verify: 200 factors, 10M (work)": lambda: tpm_fit.verify_rulebook(slow, max_grid_points=10**8),
        "sensitivity: 200 factors, 10M (work)": lambda: rulebook_sensitivity(slow, max_grid_points=10**8),
        "robustness: 10**7 samples x 200": lambda: big_result.robustness(samples=10**7),
    }  # fmt: skip


def _refuse_call(call: Callable[[], object]) -> str:
    try:
        call()
    except (TpmFitError, ValueError) as exc:
        return str(exc).splitlines()[0][:60]
    return "ACCEPTED"


def _calibrate_robustness(repeats: int, makers: list[Callable[[], Rulebook]]) -> float:
    """Robustness sampling against its work model: the worst ratio after one scale factor."""
    from tpm_fit._verify.work import robustness_work

    rows = []
    for make in makers[::3]:  # a few factor counts are enough: the cost is per sample and factor
        result = tpm_fit.recommend(company_size=40, product_complexity="high", rulebook=make())
        factors = len(result.trace)
        for samples in (100_000, 400_000):  # where the bound matters; tiny runs take milliseconds
            seconds = _median_seconds(lambda r=result, n=samples: r.robustness(samples=n), repeats)
            rows.append((factors, samples, seconds, robustness_work(factors, samples)))
    scale = statistics.median(seconds / work for _, _, seconds, work in rows)
    ratios = [seconds / (scale * work) for _, _, seconds, work in rows]
    shown = ", ".join(f"{f} factors x {n:,}: {r:.2f}" for (f, n, _, _), r in zip(rows, ratios, strict=True))
    print(f"robustness ({scale * 1e9:.2f} ns per unit): {shown}")
    return max(max(ratios), 1 / min(ratios))


def _calibrate(repeats: int, count: int) -> bool:
    """Part 3: measured time against the work model, per shape; True when every ratio is within 2x."""
    from tpm_fit._analysis.robustness import rulebook_sensitivity
    from tpm_fit._engine.kernel import compile_rulebook
    from tpm_fit._verify.breakpoint_grid import Grid, build_axes
    from tpm_fit._verify.work import sensitivity_work, verification_work

    rows = []
    if count < 1:
        return True
    for name, make in SHAPES[:count]:
        book = make()
        size = Grid(build_axes(compile_rulebook(book))).size
        verify = _median_seconds(lambda book=book: tpm_fit.verify_rulebook(book, max_work=10**15), repeats)
        sensitivity = _median_seconds(lambda book=book: rulebook_sensitivity(book, max_work=10**15), repeats)
        rows.append(
            (name, size, verify, verification_work(book, size), sensitivity, sensitivity_work(book, size))
        )
    verify_scale = statistics.median(v / w for _, _, v, w, _, _ in rows)
    sens_scale = statistics.median(s / w for _, _, _, _, s, w in rows)
    print(f"\nwork model over {len(rows)} rulebook shapes (measured / (scale x predicted); bar: within 2x)")
    print(f"{'shape':<28} {'grid':>10} {'verify ms':>10} {'ratio':>6} {'sensitivity ms':>15} {'ratio':>6}")
    worst = 1.0
    for name, size, verify, vwork, sensitivity, swork in rows:
        vr, sr = verify / (verify_scale * vwork), sensitivity / (sens_scale * swork)
        worst = max(worst, vr, 1 / vr, sr, 1 / sr)
        print(
            f"{name:<28} {size:>10,} {verify * 1e3:>10.1f} {vr:>6.2f} {sensitivity * 1e3:>15.1f} {sr:>6.2f}"
        )
    robust = _calibrate_robustness(repeats, [make for _, make in SHAPES[:count]])
    print(f"robustness: worst ratio {robust:.2f}x (informational: the bar is for verify and sensitivity)")
    print(
        f"scale: {verify_scale * 1e9:.2f} ns per verify unit, {sens_scale * 1e9:.2f} ns per sensitivity unit "
        f"(1.0 = the reference machine); worst ratio {worst:.2f}x ({'within' if worst <= 2 else 'OVER'} 2x)"
    )
    return worst <= 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per case (median reported)")
    parser.add_argument("--shapes", type=int, default=len(SHAPES), help="rulebook shapes to calibrate over")
    args = parser.parse_args()

    default = Rulebook.default().to_toml()
    baseline = _median_seconds(lambda: Rulebook.from_toml(default), args.repeats)
    print(f"parse the default rulebook ({len(default):,} bytes): {baseline * 1e3:.2f} ms (baseline)\n")
    print(f"{'case':<34} {'bytes':>10} {'ms':>8} {'x base':>7} {'MiB':>7}  refused with")
    worst_seconds, worst_mib = 0.0, 0.0
    for name, text in _cases().items():
        message = _refuse(text)
        seconds = _median_seconds(lambda text=text: _refuse(text), args.repeats)
        mib = _peak_mib(lambda text=text: _refuse(text))
        worst_seconds, worst_mib = max(worst_seconds, seconds), max(worst_mib, mib)
        print(
            f"{name:<34} {len(text.encode()):>10,} {seconds * 1e3:>8.2f} {seconds / baseline:>7.1f} "
            f"{mib:>7.2f}  {message}"
        )
    print(f"\n{'other hostile input':<40} {'ms':>8} {'x base':>7} {'MiB':>7}  refused with")
    for name, call in _other_cases().items():
        message = _refuse_call(call)
        seconds = _median_seconds(lambda call=call: _refuse_call(call), args.repeats)
        mib = _peak_mib(lambda call=call: _refuse_call(call))
        worst_seconds, worst_mib = max(worst_seconds, seconds), max(worst_mib, mib)
        print(f"{name:<40} {seconds * 1e3:>8.2f} {seconds / baseline:>7.1f} {mib:>7.2f}  {message}")
    within = worst_seconds < BUDGET_SECONDS and worst_mib < BUDGET_MIB
    print(
        f"\nworst case: {worst_seconds * 1e3:.1f} ms, {worst_mib:.1f} MiB peak "
        f"(budget {BUDGET_SECONDS * 1e3:.0f} ms, {BUDGET_MIB:.0f} MiB: {'within' if within else 'OVER'})"
    )
    _calibrate(args.repeats, args.shapes)


if __name__ == "__main__":
    main()
