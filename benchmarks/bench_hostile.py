"""Worst-case hostile input: how fast, and in how little memory, it is refused; and the work model.

Part 1, rulebook documents an attacker could hand to ``Rulebook.from_toml`` (or ``tpm-fit
verify``): the dotted keys and deep table headers that made tomllib take 14 s and 6.3 GB before
any check ran, deep arrays and inline tables, huge keys, numbers and strings, documents of many
tables, and (issue 20) arrays of 340,000 empty tables, over-long arrays and thousands of unknown
keys, and documents just inside the parse budget (sized from it) that tomllib parses before they
are refused, and a near-valid large rulebook. Part 2, the other inputs that decide a cost (issue
20): grid files and scenario grids of huge axes, decision-log imports of deep or endless lines,
and verify / sensitivity / robustness runs whose predicted work is beyond the bound. The budget
is every case refused in under 0.1 s and under 50 MiB.

Time is the median of ``--repeats`` runs; peak memory is measured in a separate run with
tracemalloc (the parsers are Python code; numpy reports its arrays to tracemalloc). The "ref ms"
column scales each time by the same-run baseline (parsing the valid default rulebook) to the
machine lightly loaded (REFERENCE_BASELINE_S).

Part 3 measures the work model of ``tpm_fit._verify.work``: 15 rulebook shapes (verify with and
without its sentence check, sensitivity) and 9 robustness runs, interleaved over ``--repeats``
rounds, against the predicted work (1 ns a unit). ``--record`` adds the run to a JSON record
(the last 3 runs are kept), ``--from-record`` reports a record without measuring, and ``--fit``
prints coefficients fitted over every run of the record (one speed factor per run).

    python benchmarks/bench_hostile.py [--repeats 5] [--no-work | --only-work]
        [--record benchmarks/work_model.json] [--from-record benchmarks/work_model.json --fit]
"""

from __future__ import annotations

import argparse
import copy
import math
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
#: Parsing the default rulebook on the 2-core machine lightly loaded. Parts 1 and 2 scale their
#: times by it ("ref ms"): the refusals are mostly parsing, which slows with the load much as this
#: baseline does. Part 3 does not: the analyses are mostly numpy, which the load slowed less.
REFERENCE_BASELINE_S = 0.010
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
        "2,000 control characters": default.replace('title = "', 'title = "' + "\\u001b" * 2_000, 1),
        "340,000 empty tables in an array (1 MB)": "factors = [" + ",".join(["{}"] * 340_000) + "]",
        "5,000 empty factors (refused unvalidated)": "factors = [" + ",".join(["{}"] * 5_000) + "]",
        "9,000 unknown keys in 150 factors (110 KB)": 'name = "x"\n'
        + ("[[factors]]\n" + "".join(f"tittle_{k} = 1\n" for k in range(60))) * 150,
        "1 MiB of escapes in 52 titles": "".join(
            '[[factors]]\ntitle = "' + "\\t" * 10_000 + '"\n' for _ in range(52)
        ),
        **_under_budget(),
        "near-valid: 200 factors, 50 risks, 1 bad value": _near_valid(200, 50),
    }


def _near_valid(factors: int, risks: int) -> str:
    """A large valid rulebook (100-character texts) with one bad value at its very end: refused
    only once the whole document is parsed and validated, the slowest refusal of a valid shape."""
    words = ("The organisation described here needs this, for reasons its owners wrote down. " * 3)[:100]
    data = Rulebook.default().model_dump(mode="json")
    data["factors"] += [{**_levels_factor(i), "reason": words} for i in range(factors - len(data["factors"]))]
    first = data["risks"][0]
    data["risks"] += [{**copy.deepcopy(first), "id": f"r{i}"} for i in range(risks - len(data["risks"]))]
    for item in [*data["factors"], *data["risks"]]:
        item["reason" if "reason" in item else "description"] = words
    text = Rulebook.from_mapping(data).to_toml()
    at = text.rindex("min_activation = ")
    return text[:at] + 'min_activation = "x"' + text[text.index("\n", at) :]


def _under_budget() -> dict[str, str]:
    """Documents just inside the parse budget (the pre-scan lets them through to tomllib), each
    refused after parsing: the slowest refusals there are, sized from the budget itself."""
    from tpm_fit._model.loading import scan_toml

    def largest(make: Callable[[int], str]) -> tuple[int, str]:
        low, high = 1, 1
        while _scans(scan_toml, make(high)):
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if _scans(scan_toml, make(middle)) else (low, middle)
        return low, make(low)

    table = "[[factors]]\n" + "".join(f"tittle_{k} = 1\n" for k in range(60))
    makers: dict[str, Callable[[int], str]] = {
        "{:,} unknown-key factors (parsed)": lambda n: 'name = "x"\n' + table * n,
        "{:,} keys in tables of 29 (parsed)": lambda n: "".join(
            f"[t{t}]\n" + "".join(f"k{k} = 1\n" for k in range(29)) for t in range(n)
        ),
        "{:,} numbers in one array (parsed)": lambda n: "factors = [" + ",".join(["1"] * n) + "]\n",
        "{:,} ramp points (parsed)": lambda n: (
            "points = [" + ",".join([f"[{i}, 0.5]" for i in range(n)]) + "]\n"
        ),
        "{:,} titles of 20,000 characters (parsed)": lambda n: "".join(
            '[[factors]]\ntitle = "' + "x" * 20_000 + '"\n' for _ in range(n)
        ),
        "{:,} titles of 10,000 \\t escapes (parsed)": lambda n: "".join(
            '[[factors]]\ntitle = "' + "\\t" * 10_000 + '"\n' for _ in range(n)
        ),
        "{:,} titles of 3,333 \\u escapes (parsed)": lambda n: "".join(
            '[[factors]]\ntitle = "' + "\\u0041" * 3_333 + '"\n' for _ in range(n)
        ),
    }
    found = {}
    for name, make in makers.items():
        n, text = largest(make)
        found[name.format(n)] = text
    return found


def _scans(scan: Callable[[str], None], text: str) -> bool:
    if len(text.encode()) > 1 << 20:
        return False
    try:
        scan(text)
    except RulebookError:
        return False
    return True


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


def _without(*inputs: str) -> Rulebook:
    """The default rulebook without the factors and axioms that read ``inputs``: a smaller grid."""
    data = Rulebook.default().model_dump(mode="json")

    def reads(activation: dict[str, Any]) -> set[str]:
        found = {activation["input"]} if "input" in activation else set()
        return found.union(*(reads(term) for term in activation.get("of", [])))

    data["factors"] = [f for f in data["factors"] if not reads(f["activation"]) & set(inputs)]
    data["axioms"] = [a for a in data["axioms"] if a["input"] not in inputs]
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
    ("7 factors (grid of 2,160)", lambda: _without("engineering_capability", "industry_tech_intensity")),
    (
        "4 factors (grid of 2,160)",
        lambda: _without("engineering_capability", "industry_tech_intensity", "product_complexity"),
    ),
]

#: Shapes of large grids, timed for sensitivity and for verify without its sentence check only
#: (the sentence check's terms are fitted on SHAPES; with it, each would take a minute).
LARGE_SHAPES: list[tuple[str, Callable[[], Rulebook]]] = [
    ("+150 levels, 4 spread ramps", lambda: _spread(levels=150, ramps=4)),
    ("+2 spread ramps of 64 points", lambda: _spread(levels=0, ramps=2)),
]


def _spread(*, levels: int, ramps: int, points: int = 64) -> Rulebook:
    """Extra two-level factors, and ramps over company_size whose breakpoints all differ (each
    adds about ``points`` values to the grid's company_size axis)."""
    data = copy.deepcopy(_shape(levels=levels).model_dump(mode="json"))
    data["factors"] += [
        {**_levels_factor(5000 + i), "activation": _ramp("company_size", points, 1 + i, 9_000_000 - i)}
        for i in range(ramps)
    ]
    return Rulebook.from_mapping(data)


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
    # 80 long ramps over company_size: a grid of about 21 million points (max_grid_points raised)
    # whose predicted work is above the default bound for verify (about 2,000 s) and sensitivity
    # (about 26 s) alike. 40 ramps (10 million points) are not: their sensitivity takes about
    # 12 s, and it ran for 12-26 s here depending on the load, within the bound's 20 s.
    slow = _spread(levels=_ROOM - 80, ramps=80, points=64)

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
        "verify: 200 factors, 21M (work)": lambda: tpm_fit.verify_rulebook(slow, max_grid_points=10**8),
        "sensitivity: 200 factors, 21M (work)": lambda: rulebook_sensitivity(slow, max_grid_points=10**8),
        "robustness: 10**7 samples x 200": lambda: big_result.robustness(samples=10**7),
    }  # fmt: skip


def _refuse_call(call: Callable[[], object]) -> str:
    try:
        call()
    except (TpmFitError, ValueError) as exc:
        return str(exc).splitlines()[0][:60]
    return "ACCEPTED"


def _robustness_runs() -> list[tuple[int, int]]:
    """(factors, samples) of the robustness runs the work model is calibrated over."""
    return [(f, n) for f in (len(Rulebook.default().factors), 71, 200) for n in (100, 10_000, 300_000)]


def _measure(repeats: int) -> dict[str, Any]:
    """Part 3's measurements: per shape the work counts and the medians of verify (with and
    without its sentence check) and sensitivity; per (factors, samples) robustness's median.

    The runs are interleaved: each round times every case once, and a case's figure is its
    median over the rounds, so that load from other work on the machine falls on every case
    alike. Each round also parses the default rulebook, the same-run baseline: its spread over
    the rounds says how much the load varied.
    """
    from tpm_fit._analysis.robustness import rulebook_sensitivity
    from tpm_fit._engine.kernel import compile_rulebook
    from tpm_fit._verify.breakpoint_grid import Grid, build_axes
    from tpm_fit._verify.work import count_work

    bound = 10**15
    cases: list[tuple[dict[str, Any], str, Callable[[], object]]] = []
    shapes: list[dict[str, Any]] = []
    for name, make in [*SHAPES, *LARGE_SHAPES]:
        book = make()
        item: dict[str, Any] = {
            "shape": name,
            "counts": count_work(book, Grid(build_axes(compile_rulebook(book)))).as_dict(),
            "verify_s": None,
        }
        shapes.append(item)
        if (name, make) not in LARGE_SHAPES:
            cases.append((item, "verify_s", lambda book=book: tpm_fit.verify_rulebook(book, max_work=bound)))
        cases.append(
            (item, "verify_core_s",
             lambda book=book: tpm_fit.verify_rulebook(book, max_work=bound, sentence_check=False))
        )  # fmt: skip
        cases.append((item, "sensitivity_s", lambda book=book: rulebook_sensitivity(book, max_work=bound)))
    robustness: list[dict[str, Any]] = []
    for factors, samples in _robustness_runs():
        book = _shape(levels=factors - len(Rulebook.default().factors))
        result = tpm_fit.recommend(company_size=40, product_complexity="high", rulebook=book)
        item = {"factors": factors, "samples": samples}
        robustness.append(item)
        cases.append(
            (item, "robustness_s", lambda r=result, n=samples: r.robustness(samples=n, max_work=bound))
        )
    default = Rulebook.default().to_toml()
    baseline: dict[str, Any] = {}
    cases.append((baseline, "seconds", lambda: Rulebook.from_toml(default)))
    times: dict[tuple[int, str], list[float]] = {}
    for _ in range(repeats):
        for item, key, call in cases:
            started = time.perf_counter()
            call()
            times.setdefault((id(item), key), []).append(time.perf_counter() - started)
    for item, key, _ in cases:
        item[key] = statistics.median(times[id(item), key])
    rounds = times[id(baseline), "seconds"]
    return {
        "shapes": shapes,
        "robustness": robustness,
        "baseline": {"what": "parse the default rulebook, once per round", "median_s": baseline["seconds"],
                     "min_s": min(rounds), "max_s": max(rounds)},
    }  # fmt: skip


def _rows(measured: dict[str, Any]) -> list[tuple[str, str, dict[str, float], float]]:
    """(analysis, case, features, measured seconds) for every measurement of one run."""
    from tpm_fit._verify.work import (
        WorkCounts,
        robustness_features,
        sensitivity_features,
        verification_features,
    )

    rows = []
    for item in measured["shapes"]:
        counts = WorkCounts(**item["counts"])
        if item["verify_s"] is not None:
            rows.append(("verify", item["shape"], verification_features(counts), item["verify_s"]))
        core = verification_features(counts, sentences=False)
        rows.append(("verify, no sentence check", item["shape"], core, item["verify_core_s"]))
        rows.append(("sensitivity", item["shape"], sensitivity_features(counts), item["sensitivity_s"]))
    for item in measured["robustness"]:
        case = f"{item['factors']} factors x {item['samples']:,} samples"
        features = robustness_features(item["factors"], item["samples"])
        rows.append(("robustness", case, features, item["robustness_s"]))
    return rows


def _nnls(features: list[dict[str, float]], seconds: list[float]) -> dict[str, float]:
    """Non-negative least squares on relative error: ns per count, each coefficient >= 0.

    Each row is divided by its measured time (so a 5 ms run weighs as much as a 5 s one). Exact
    by enumeration: the best least-squares fit, over every subset of the counts, whose
    coefficients are all non-negative (at most 2**11 small solves).
    """
    import itertools

    import numpy as np

    names = list(features[0])
    matrix = np.array([[row[n] for n in names] for row in features], dtype=np.float64)
    matrix /= np.array(seconds)[:, None] * 1e9
    norms = np.linalg.norm(matrix, axis=0)
    usable = [k for k in range(len(names)) if norms[k] > 0]
    target = np.ones(len(seconds))
    best: tuple[float, tuple[int, ...], Any] = (math.inf, (), None)
    for size in range(1, len(usable) + 1):
        for subset in itertools.combinations(usable, size):
            scaled = matrix[:, subset] / norms[list(subset)]
            solution, *_ = np.linalg.lstsq(scaled, target, rcond=None)
            if (solution >= 0).all():
                residual = float(np.sum((scaled @ solution - target) ** 2))
                if residual < best[0]:
                    best = (residual, subset, solution / norms[list(subset)])
    found = dict.fromkeys(names, 0.0)
    for k, value in zip(best[1], best[2], strict=True):
        found[names[k]] = float(f"{value:.3g}")
    return found


def _fit(runs: list[list[tuple[str, str, dict[str, float], float]]]) -> None:
    """Print the fitted coefficients of each analysis (paste them into tpm_fit/_verify/work.py).

    One run sees one load of the shared machine: each run gets its own speed factor (the median
    of its measured / predicted), the coefficients are fitted to every run's times divided by its
    factor, and the factors are refitted from the new coefficients, a few times over. The result
    is scaled so that the factors' geometric mean is 1: a unit is about a nanosecond under the
    recorded runs' typical load.
    """
    analyses = {"VERIFY": ("verify", "verify, no sentence check"), "SENSITIVITY": ("sensitivity",),
                "ROBUSTNESS": ("robustness",)}  # fmt: skip
    for constant, names in analyses.items():
        chosen = [[row for row in rows if row[0] in names] for rows in runs]
        speeds = [1.0] * len(chosen)
        for _ in range(6):
            coefficients = _nnls(
                [row[2] for rows in chosen for row in rows],
                [row[3] / speed for rows, speed in zip(chosen, speeds, strict=True) for row in rows],
            )
            speeds = [
                statistics.median(row[3] / (_price(coefficients, row[2]) / 1e9) for row in rows)
                for rows in chosen
            ]
        mean = math.exp(statistics.fmean(math.log(speed) for speed in speeds))
        coefficients = {name: float(f"{value * mean:.3g}") for name, value in coefficients.items()}
        shown = ", ".join(f'"{name}": {value!r}' for name, value in coefficients.items())
        print(f"{constant} = {{{shown}}}")


def _price(coefficients: dict[str, float], features: dict[str, float]) -> float:
    return sum(coefficients[name] * value for name, value in features.items())


def predicted_seconds(analysis: str, features: dict[str, float]) -> float:
    """The work model's prediction for one row of :func:`_rows`, in seconds (1 ns a unit)."""
    from tpm_fit._verify.work import ROBUSTNESS, SENSITIVITY, VERIFY, price

    coefficients = {"verify": VERIFY, "verify, no sentence check": VERIFY, "sensitivity": SENSITIVITY,
                    "robustness": ROBUSTNESS}  # fmt: skip
    return price(coefficients[analysis], features) / 1e9


def _report(rows: list[tuple[str, str, dict[str, float], float]]) -> float:
    """Print measured against predicted per row; return the worst ratio (either way)."""
    print(f"\n{'analysis':<26} {'case':<34} {'measured ms':>12} {'predicted ms':>13} {'ratio':>6}")
    worst, ratios = 1.0, []
    for analysis, case, features, seconds in rows:
        predicted = predicted_seconds(analysis, features)
        ratio = seconds / predicted if predicted > 0 else math.inf
        ratios.append(ratio)
        worst = max(worst, ratio, 1 / ratio)
        print(f"{analysis:<26} {case:<34} {seconds * 1e3:>12.1f} {predicted * 1e3:>13.1f} {ratio:>6.2f}")
    scale = statistics.median(ratios)
    spread = max(max(r / scale, scale / r) for r in ratios)
    for analysis in dict.fromkeys(row[0] for row in rows):
        mine = [r for row, r in zip(rows, ratios, strict=True) if row[0] == analysis]
        print(f"{analysis}: {len(mine)} runs, ratios {min(mine):.2f}-{max(mine):.2f}")
    print(
        f"ratio = measured / predicted (1 ns a unit); "
        f"worst {worst:.2f}x ({'within' if worst <= 2 else 'OVER'} 2x); median {scale:.2f}; "
        f"worst against that median {spread:.2f}x"
    )
    return worst


#: Runs kept in the record: the fit spans several load conditions of the shared machine.
KEPT_RUNS = 3


def _calibrate(args: argparse.Namespace) -> None:
    """Part 3: the work model against measured time; refit (--fit) and record (--record).

    The record keeps the last KEPT_RUNS runs; --fit fits over all of them, since one run on a
    shared machine sees one load; each run is reported apart, with its same-run baseline.
    """
    import json

    if args.from_record:
        runs = json.loads(Path(args.from_record).read_text())["runs"]
    else:
        measured = _measure(args.repeats)
        measured["command"] = f"python benchmarks/bench_hostile.py --repeats {args.repeats}"
        measured["date"] = time.strftime("%Y-%m-%d %H:%M")
        kept = Path(args.record) if args.record else None
        earlier = json.loads(kept.read_text())["runs"] if kept is not None and kept.exists() else []
        runs = [*earlier, measured][-KEPT_RUNS:]
    if args.fit:
        _fit([_rows(run) for run in runs])
    for run in runs:
        base = run["baseline"]
        print(
            f"\nwork model, run of {run.get('date', '?')}: {len(run['shapes'])} rulebook shapes, "
            f"{len(run['robustness'])} robustness runs, interleaved; same-run baseline (default rulebook "
            f"parse, per round): median {base['median_s'] * 1e3:.2f} ms, "
            f"{base['min_s'] * 1e3:.2f}-{base['max_s'] * 1e3:.2f} ms"
        )
        _report(_rows(run))
    if args.record and not args.from_record:
        Path(args.record).write_text(json.dumps({"runs": runs}, indent=1) + "\n")
        print(f"recorded in {args.record}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per case (median reported)")
    parser.add_argument("--fit", action="store_true", help="print work-model coefficients fitted to this run")
    parser.add_argument(
        "--record", metavar="JSON", help="write the work-model measurements (benchmarks/work_model.json)"
    )
    parser.add_argument("--only-work", action="store_true", help="skip parts 1 and 2")
    parser.add_argument("--no-work", action="store_true", help="skip part 3 (the work model)")
    parser.add_argument(
        "--from-record", metavar="JSON", help="report (and --fit) recorded measurements, measure nothing"
    )
    args = parser.parse_args()
    if args.only_work or args.from_record:
        _calibrate(args)
        return

    default = Rulebook.default().to_toml()
    baseline = _median_seconds(lambda: Rulebook.from_toml(default), args.repeats)
    to_reference = REFERENCE_BASELINE_S / baseline
    print(
        f"parse the default rulebook ({len(default):,} bytes): {baseline * 1e3:.2f} ms (baseline; "
        f"{REFERENCE_BASELINE_S * 1e3:.0f} ms on the reference machine: 'ref ms' = ms x {to_reference:.2f})\n"
    )
    print(f"{'case':<44} {'bytes':>10} {'ms':>8} {'ref ms':>7} {'MiB':>6}  refused with")
    worst_seconds, worst_mib = 0.0, 0.0
    for name, text in _cases().items():
        message = _refuse(text)
        seconds = _median_seconds(lambda text=text: _refuse(text), args.repeats)
        mib = _peak_mib(lambda text=text: _refuse(text))
        worst_seconds, worst_mib = max(worst_seconds, seconds), max(worst_mib, mib)
        reference = seconds * to_reference
        print(
            f"{name:<44} {len(text.encode()):>10,} {seconds * 1e3:>8.2f} {reference * 1e3:>7.1f} "
            f"{mib:>6.2f}  {message[:50]}"
        )
    print(f"\n{'other hostile input':<44} {'':>10} {'ms':>8} {'ref ms':>7} {'MiB':>6}  refused with")
    for name, call in _other_cases().items():
        message = _refuse_call(call)
        seconds = _median_seconds(lambda call=call: _refuse_call(call), args.repeats)
        mib = _peak_mib(lambda call=call: _refuse_call(call))
        worst_seconds, worst_mib = max(worst_seconds, seconds), max(worst_mib, mib)
        print(
            f"{name:<44} {'':>10} {seconds * 1e3:>8.2f} {seconds * to_reference * 1e3:>7.1f} {mib:>6.2f}  "
            f"{message[:50]}"
        )
    within = worst_seconds < BUDGET_SECONDS and worst_mib < BUDGET_MIB
    within_reference = worst_seconds * to_reference < BUDGET_SECONDS and worst_mib < BUDGET_MIB
    verdicts = (
        f"{'within' if within else 'OVER'} as measured, {'within' if within_reference else 'OVER'} at it"
    )
    print(
        f"\nworst case: {worst_seconds * 1e3:.1f} ms ({worst_seconds * to_reference * 1e3:.1f} ms at the "
        f"reference baseline), {worst_mib:.1f} MiB peak (budget {BUDGET_SECONDS * 1e3:.0f} ms, "
        f"{BUDGET_MIB:.0f} MiB: {verdicts})"
    )
    if not args.no_work:
        _calibrate(args)


if __name__ == "__main__":
    main()
