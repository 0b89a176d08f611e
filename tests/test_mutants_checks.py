"""The verifier's seat checks, each shown a seat that breaks it (issue 22), with exact reports.

The seat stage is the only interpreter of the seat rule and keeps every promise by construction,
so the checks of ``Rulebook.verify()`` never see a broken seat unless a test builds one. Each test
here swaps the batch seat for the real one plus one deliberate fault, verifies, and compares the
report with an independent count over the same grid: which promise breaks (and only that one),
in how many cases of how many, and the first counterexample in grid order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import budget
from tpm_fit import OrgProfile, Rulebook, Verdict, VerificationReport, verify_rulebook
from tpm_fit._engine.seat import SeatStage

FACES = ("strategy", "marketing", "technical")
SEAT = tuple(f"seat_{face}" for face in FACES)
COVERAGE = tuple(f"{face}_coverage" for face in FACES)
COUNTS = (*COVERAGE, "product_team_size")
PROPERTIES = (
    "coverage_never_adds_face",
    "coverage_never_creates_need",
    "specialist_holds_one_face",
    "hire_needed_iff_seat",
    "seat_faces_below_need",
)

Columns = dict[str, np.ndarray]

#: A fault: (columns, the real derived columns, need per row) -> the derived columns, changed.
Fault = Callable[[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray], None]


def _book(need: list[dict[str, int]] | None = None) -> Rulebook:
    # A fresh fingerprint, so that no cached compilation hides the broken seat.
    book = Rulebook.default().with_weights({"technical_seat": 1.0002})
    if need is None:
        return book
    data = book.model_dump(mode="json")
    data["seat"]["need"] = need
    return Rulebook.from_mapping(data)


#: Two people per face at every size: a documented customisation (the default needs one), the
#: only way a face can gain a person and still be below its need.
NEED_TWO = [{"from_company_size": 1, "people": 2}]


def _install(monkeypatch: pytest.MonkeyPatch, fault: Fault) -> None:
    real = SeatStage.batch

    def broken(self: SeatStage, columns: Any, n: int) -> dict[str, np.ndarray]:
        out = {name: column.copy() for name, column in real(self, columns, n).items()}
        full = {name: np.broadcast_to(np.asarray(columns[name]), (n,)) for name in ("company_size", *COUNTS)}
        fault(full, out, self.need_batch(full["company_size"]))
        return out

    monkeypatch.setattr(SeatStage, "batch", broken)


def _grid(report: VerificationReport) -> tuple[dict[str, np.ndarray], tuple[int, ...], list[str]]:
    """Every grid point of the report, in the verifier's (C) order, as float columns."""
    names = [axis.input for axis in report.grid]
    dims = tuple(len(axis.values) for axis in report.grid)
    index = np.indices(dims).reshape(len(dims), -1)
    columns = {}
    for k, axis in enumerate(report.grid):
        if all(isinstance(v, int) for v in axis.values):
            columns[axis.input] = np.asarray(axis.values, dtype=np.float64)[index[k]]
        elif axis.input == "product_complexity":  # the seat reads it, encoded as its rank
            columns[axis.input] = index[k].astype(np.float64)
    return columns, dims, names


class _Oracle:
    """The seat promises counted directly over the whole grid with the faulty seat."""

    def __init__(self, report: VerificationReport, fault: Fault, book: Rulebook | None = None) -> None:
        self.columns, self.dims, self.names = _grid(report)
        stage = SeatStage((book or _book()).seat)
        self.n = len(self.columns["company_size"])
        derived = {k: v.copy() for k, v in stage.arithmetic(self.columns, self.n).items()}
        self.need = stage.need_batch(self.columns["company_size"])
        fault(self.columns, derived, self.need)
        self.derived = derived
        size = self.columns["company_size"]
        self.valid = np.all([self.columns[name] <= size for name in COUNTS], axis=0)
        self.seat = np.stack([derived[name] for name in SEAT]).astype(bool)
        self.hire = derived["hire_needed"].astype(bool)

    def point(self, broken: np.ndarray, valid: np.ndarray) -> int | None:
        shown = np.flatnonzero(broken & valid)
        return int(shown[0]) if len(shown) else None

    def counts(self, prop: str) -> tuple[int, int, int | None, int | None]:
        """(cases, violating, first counterexample's flat index, the face index stepped or None)."""
        if prop == "specialist_holds_one_face":
            broken = (self.derived["role_shape"] == 1) & (self.seat.sum(axis=0) > 1)
        elif prop == "hire_needed_iff_seat":
            broken = self.hire != self.seat.any(axis=0)
        elif prop == "seat_faces_below_need":
            covered = np.stack([self.columns[name] >= self.need for name in COVERAGE])
            broken = (self.seat & covered).any(axis=0)
        else:
            return self._steps(prop)
        return self.n, int(broken.sum()), self.point(broken, self.valid), None

    def _steps(self, prop: str) -> tuple[int, int, int | None, int | None]:
        cases = violating = 0
        first: tuple[int, int] | None = None
        flat = np.arange(self.n).reshape(self.dims)
        for k, name in enumerate(COVERAGE):
            axis = self.names.index(name)
            lower = np.take(flat, range(self.dims[axis] - 1), axis=axis).ravel()
            upper = np.take(flat, range(1, self.dims[axis]), axis=axis).ravel()
            order = np.argsort(lower)
            lower, upper = lower[order], upper[order]
            if prop == "coverage_never_adds_face":
                broken = self.seat[k][upper] & ~self.seat[k][lower]
            else:
                broken = self.hire[upper] & ~self.hire[lower]
            cases += len(lower)
            violating += int(broken.sum())
            found = self.point(broken, self.valid[lower] & self.valid[upper])
            if found is not None and (first is None or lower[found] < first[0]):
                first = (int(lower[found]), k)
        return cases, violating, None if first is None else first[0], None if first is None else first[1]

    def profile(self, flat: int, report: VerificationReport, step: int | None = None) -> OrgProfile:
        index = list(np.unravel_index(flat, self.dims))
        if step is not None:
            index[self.names.index(COVERAGE[step])] += 1
        return OrgProfile.model_validate(
            {axis.input: axis.values[int(i)] for axis, i in zip(report.grid, index, strict=True)}
        )


def _assert_exact(
    report: VerificationReport, fault: Fault, broken: set[str], book: Rulebook | None = None
) -> None:
    """The seat part of ``report`` is what the oracle counts, property by property."""
    book = book or _book()
    oracle = _Oracle(report, fault, book)
    results = {result.property.value: result for result in report.seat_axioms}
    assert set(results) == set(PROPERTIES)
    violations = {v.subject: v for v in report.violations if v.check == "seat"}
    assert set(violations) == broken
    statements = {axiom.id: axiom.statement for axiom in book.seat_axioms}
    for prop in PROPERTIES:
        cases, violating, first, step = oracle.counts(prop)
        result = results[prop]
        assert (result.cases_checked, result.violating_cases, result.holds) == (
            cases,
            violating,
            violating == 0,
        ), prop
        assert (prop in broken) == (violating > 0), prop
        if prop not in broken:
            continue
        violation = violations[prop]
        assert violation.message.startswith(
            f"the seat breaks '{statements[prop]}' ({violating:,} of {cases:,} cases)"
        ), violation.message
        if first is None:
            assert violation.before is None
            assert "only where a count exceeds company_size" in violation.message
            continue
        assert violation.before == oracle.profile(first, report)
        if step is None:
            assert violation.after is None
            assert violation.message.endswith(f"; seat: {_seat_text(violation.before, book)}")
        else:
            assert violation.after == oracle.profile(first, report, step)
            assert violation.message.endswith(
                f"; seat: {_seat_text(violation.before, book)}; after: {_seat_text(violation.after, book)}"
            )


def _seat_text(profile: OrgProfile, book: Rulebook) -> str:
    """How a violation shows the (real) seat of a profile."""
    from tpm_fit import recommend

    result = recommend(profile, rulebook=book)
    faces = ", ".join(face.value for face in result.seat) or "empty"
    return f"{result.role_shape.value} [{faces}], hire_needed={result.hire_needed}"


def _verify(
    monkeypatch: pytest.MonkeyPatch, fault: Fault, book: Rulebook | None = None, **options: Any
) -> VerificationReport:
    _install(monkeypatch, fault)
    return verify_rulebook(book or _book(), **options)


# -- one fault per promise ------------------------------------------------------------------------


def _two_faces_for_specialists(columns: Columns, out: Columns, need: Any) -> None:
    """A specialist seat takes strategy and marketing when both are below their need."""
    both = (
        (out["role_shape"] == 1)
        & (columns["strategy_coverage"] < need)
        & (columns["marketing_coverage"] < need)
    )
    out["seat_strategy"][both] = 1
    out["seat_marketing"][both] = 1
    out["seat_technical"][both] = 0
    out["hire_needed"][both] = 1


def test_a_specialist_seat_with_two_faces_breaks_only_that_promise(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _verify(monkeypatch, _two_faces_for_specialists)
    assert not report.ok
    _assert_exact(report, _two_faces_for_specialists, {"specialist_holds_one_face"})


def _no_hire_with_a_seat_in_large_companies(
    columns: dict[str, np.ndarray], out: dict[str, np.ndarray], need: Any
) -> None:
    """From 1,000 people on, the seat keeps its faces but says no hire is needed."""
    out["hire_needed"][columns["company_size"] >= 1_000] = 0


def test_a_seat_without_a_hire_breaks_only_hire_needed_iff_seat(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _verify(monkeypatch, _no_hire_with_a_seat_in_large_companies)
    _assert_exact(report, _no_hire_with_a_seat_in_large_companies, {"hire_needed_iff_seat"})


def _covered_technical_face_kept(
    columns: dict[str, np.ndarray], out: dict[str, np.ndarray], need: Any
) -> None:
    """A generalist with a PM keeps the technical face even when it is covered."""
    rows = (out["role_shape"] == 0) & (columns["product_team_size"] >= 1)
    out["seat_technical"][rows] = 1
    out["hire_needed"][rows] = 1


def test_a_covered_face_in_the_seat_breaks_only_seat_faces_below_need(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = _verify(monkeypatch, _covered_technical_face_kept)
    _assert_exact(report, _covered_technical_face_kept, {"seat_faces_below_need"})


def _technical_face_added_by_one_person(
    columns: dict[str, np.ndarray], out: dict[str, np.ndarray], need: Any
) -> None:
    """A generalist needing two or more people per face takes the technical face only once one
    person covers it (while a business face is open, so a hire is needed either way)."""
    business_open = (columns["strategy_coverage"] < need) | (columns["marketing_coverage"] < need)
    rows = (out["role_shape"] == 0) & (need >= 2) & business_open
    out["seat_technical"][rows] = columns["technical_coverage"][rows] == 1


def test_coverage_that_adds_a_face_breaks_only_coverage_never_adds_face(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = _book(NEED_TWO)
    report = _verify(monkeypatch, _technical_face_added_by_one_person, book)
    _assert_exact(report, _technical_face_added_by_one_person, {"coverage_never_adds_face"}, book)
    violation = next(v for v in report.violations if v.subject == "coverage_never_adds_face")
    assert violation.before is not None
    assert violation.after is not None
    assert (violation.before.technical_coverage, violation.after.technical_coverage) == (0, 1)


def _no_hire_at_exactly_enough_marketing(
    columns: dict[str, np.ndarray], out: dict[str, np.ndarray], need: Any
) -> None:
    """A generalist whose marketing is one person short of its need gets an empty seat, though
    strategy may be open: one more marketer (covering marketing) then brings the need back.
    (Past the need the grid's next coverage value exceeds every size below the split.)"""
    rows = (out["role_shape"] == 0) & (columns["marketing_coverage"] == need - 1)
    for name in (*SEAT, "hire_needed"):
        out[name][rows] = 0


def test_coverage_that_creates_a_need_breaks_only_coverage_never_creates_need(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = _verify(monkeypatch, _no_hire_at_exactly_enough_marketing)
    _assert_exact(report, _no_hire_at_exactly_enough_marketing, {"coverage_never_creates_need"})
    violation = next(v for v in report.violations if v.subject == "coverage_never_creates_need")
    assert violation.before is not None
    assert violation.after is not None
    assert violation.after.marketing_coverage == violation.before.marketing_coverage + 1


def _broken_only_past_the_headcount(
    columns: dict[str, np.ndarray], out: dict[str, np.ndarray], need: Any
) -> None:
    """Two faces for a specialist, but only where a count exceeds the company size."""
    rows = (out["role_shape"] == 1) & (columns["strategy_coverage"] > columns["company_size"])
    out["seat_strategy"][rows] = 1
    out["seat_marketing"][rows] = 1
    out["hire_needed"][rows] = 1


def test_a_fault_only_outside_valid_profiles_is_reported_without_a_counterexample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = _verify(monkeypatch, _broken_only_past_the_headcount)
    oracle = _Oracle(report, _broken_only_past_the_headcount)
    broken = {prop for prop in PROPERTIES if oracle.counts(prop)[1]}
    assert "specialist_holds_one_face" in broken
    assert all(oracle.counts(prop)[2] is None for prop in broken)
    _assert_exact(report, _broken_only_past_the_headcount, broken)
    assert not report.ok


# The default chunk (65,536) is what every other verify() in the suite uses; CI runs it here too.
@pytest.mark.parametrize("chunk_size", [4_099, 65_536] if budget.CI else [4_099])
def test_chunks_give_the_same_seat_report(monkeypatch: pytest.MonkeyPatch, chunk_size: int) -> None:
    for fault in (_technical_face_added_by_one_person, _no_hire_at_exactly_enough_marketing):
        whole = _verify(monkeypatch, fault, chunk_size=200_000)
        chunked = verify_rulebook(_book(), chunk_size=chunk_size)
        assert chunked.seat_axioms == whole.seat_axioms
        assert chunked.violations == whole.violations


def test_the_clean_seat_checks_every_case_of_the_grid() -> None:
    report = Rulebook.default().verify()
    dims = {axis.input: len(axis.values) for axis in report.grid}
    points = report.grid_points
    steps = sum(points // dims[name] * (dims[name] - 1) for name in COVERAGE)
    expected = {
        "coverage_never_adds_face": steps,
        "coverage_never_creates_need": steps,
        "specialist_holds_one_face": points,
        "hire_needed_iff_seat": points,
        "seat_faces_below_need": points,
    }
    assert {r.property.value: r.cases_checked for r in report.seat_axioms} == expected
    assert all(r.holds and r.violating_cases == 0 for r in report.seat_axioms)
    assert not [v for v in report.violations if v.check == "seat"]


def test_the_oracle_grid_is_the_verifier_grid() -> None:
    report = Rulebook.default().verify()
    columns, dims, names = _grid(report)
    assert int(np.prod(dims)) == report.grid_points
    # C order: the last axis moves fastest.
    last = names[-1]
    first_values = next(axis.values for axis in report.grid if axis.input == last)
    if all(isinstance(v, int) for v in first_values):
        assert columns[last][: len(first_values)].tolist() == list(first_values)
    assert list(itertools.islice(iter(columns["company_size"]), 1)) == [1.0]


# -- factor ranges: bounded within the tolerance, dead at it, valid profiles only -------------------


def _verify_with_first_activation(
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[np.ndarray, dict[str, Any]], np.ndarray],
    chunk_size: int | None = None,
) -> VerificationReport:
    """Verify the default rules with factor 0's batch activation passed through ``change``."""
    import tpm_fit._verify.verifier as verifier
    from tpm_fit._engine.kernel import CompiledRulebook

    class _Changed:
        def __init__(self, node: Any) -> None:
            self.node, self.one = node, node.one

        def batch(self, columns: Any) -> Any:
            return change(self.node.batch(columns), columns)

    def compile_changed(rulebook: Rulebook) -> CompiledRulebook:
        compiled = CompiledRulebook(rulebook)
        compiled.activations = (_Changed(compiled.activations[0]), *compiled.activations[1:])
        return compiled

    monkeypatch.setattr(verifier, "compile_rulebook", compile_changed)
    return verify_rulebook(_book(), chunk_size=chunk_size)


def _factor(report: VerificationReport, factor: str = "complex_product") -> Any:
    return next(f for f in report.factors if f.factor == factor)


def test_an_activation_within_the_tolerance_of_the_unit_interval_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tpm_fit._model.verification import TOLERANCE

    def edges(a: np.ndarray, _: Any) -> np.ndarray:
        return np.where(a == 1.0, 1.0 + TOLERANCE, np.where(a == 0.0, -TOLERANCE, a))

    report = _verify_with_first_activation(monkeypatch, edges)
    factor = _factor(report)
    assert (factor.min_activation, factor.max_activation) == (-TOLERANCE, 1.0 + TOLERANCE)
    assert factor.bounded
    assert not [v for v in report.violations if v.check == "contribution_bounded"]


@pytest.mark.parametrize("past", ["above", "below", "nan"])
def test_an_activation_past_the_tolerance_is_unbounded_at_the_first_such_profile(
    monkeypatch: pytest.MonkeyPatch, past: str
) -> None:
    from tpm_fit._model.verification import TOLERANCE

    def beyond(a: np.ndarray, _: Any) -> np.ndarray:
        if past == "above":
            return np.where(a == 1.0, 1.0 + 3 * TOLERANCE, a)
        if past == "below":
            return np.where(a == 0.0, -3 * TOLERANCE, a)
        return np.where(a == 1.0, np.nan, a)

    report = _verify_with_first_activation(monkeypatch, beyond)
    assert not _factor(report).bounded
    (violation,) = [v for v in report.violations if v.check == "contribution_bounded"]
    assert violation.subject == "complex_product"
    assert violation.message.startswith("factor complex_product has an activation outside [0, 1]")
    assert violation.message.endswith("so its contribution can exceed its weight 3")
    assert violation.before is not None
    # The first valid grid point where the changed activation leaves the interval.
    from tpm_fit._engine.kernel import compile_rulebook, encode_profile

    compiled = compile_rulebook(_book())
    values = compiled.with_seat(encode_profile(violation.before))
    assert compiled.activations[0].one(values) == (1.0 if past != "below" else 0.0)
    assert violation.score_before == compiled.evaluate_one(encode_profile(violation.before)).score


def test_an_activation_out_of_range_only_past_the_headcount_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def only_invalid(a: np.ndarray, columns: Any) -> np.ndarray:
        invalid = np.asarray(columns["strategy_coverage"]) > np.asarray(columns["company_size"])
        return np.where(invalid, 5.0, a)

    report = _verify_with_first_activation(monkeypatch, only_invalid)
    factor = _factor(report)
    assert factor.max_activation == 5.0  # the range is over the whole grid box
    assert factor.bounded  # but only a valid profile makes a factor unbounded
    assert not [v for v in report.violations if v.check == "contribution_bounded"]


def test_a_factor_whose_activation_never_exceeds_the_tolerance_is_dead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tpm_fit._model.verification import TOLERANCE

    report = _verify_with_first_activation(monkeypatch, lambda a, _: np.minimum(a, TOLERANCE))
    factor = _factor(report)
    assert factor.max_activation == TOLERANCE
    assert not factor.fires
    (violation,) = [v for v in report.violations if v.check == "dead_factor"]
    assert violation.subject == "complex_product"
    assert violation.message == (
        "factor complex_product never fires: its activation is at most 1e-09 for every profile, "
        "so it cannot affect any verdict"
    )
    live = _verify_with_first_activation(monkeypatch, lambda a, _: np.minimum(a, 2 * TOLERANCE))
    assert _factor(live).fires


def test_factor_ranges_are_the_extremes_over_the_grid() -> None:
    report = _book().verify()
    ranges = {
        f.factor: (f.min_activation, f.max_activation, f.min_contribution, f.max_contribution)
        for f in report.factors
    }
    assert ranges["complex_product"] == (0.0, 1.0, 0.0, 3.0)
    assert ranges["simple_product"] == (0.0, 1.0, -1.5, 0.0)
    assert ranges["engineering_autonomy"] == (0.0, 1.0, -0.75, 0.0)


def test_the_first_counterexample_is_kept_when_it_is_the_first_grid_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Out of range everywhere, in chunks: the counterexample is grid point 0, not a later one."""
    report = _verify_with_first_activation(monkeypatch, lambda a, _: a + 2.0, chunk_size=4_099)
    (violation,) = [v for v in report.violations if v.check == "contribution_bounded"]
    first = OrgProfile.model_validate({axis.input: axis.values[0] for axis in report.grid})
    assert violation.before == first


def _hire_flipped(columns: Columns, out: Columns, need: Any) -> None:
    """hire_needed says the opposite of the seat, everywhere."""
    out["hire_needed"][...] = 1 - out["hire_needed"]


def test_a_seat_broken_from_the_first_grid_point_is_shown_there(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _verify(monkeypatch, _hire_flipped, chunk_size=4_099)
    _assert_exact(report, _hire_flipped, {"hire_needed_iff_seat", "coverage_never_creates_need"})
    violation = next(v for v in report.violations if v.subject == "hire_needed_iff_seat")
    assert violation.before == OrgProfile.model_validate({axis.input: axis.values[0] for axis in report.grid})


# -- monotonicity axioms: exact pair counts, smallest change and counterexample ---------------------


def _scores(
    book: Rulebook, report: VerificationReport, **fixed: int
) -> tuple[np.ndarray, list[str], tuple[int, ...]]:
    """The kernel's score at every grid point (valid or not), in grid order."""
    from tpm_fit._engine.kernel import compile_rulebook
    from tpm_fit._model.profile import ORDERED_INPUTS

    names = [axis.input for axis in report.grid]
    dims = tuple(len(axis.values) for axis in report.grid)
    index = np.indices(dims).reshape(len(dims), -1)
    columns: dict[str, np.ndarray] = {}
    for k, axis in enumerate(report.grid):
        if axis.input in ORDERED_INPUTS:
            codes = [[level.value for level in ORDERED_INPUTS[axis.input]].index(v) for v in axis.values]
            columns[axis.input] = np.asarray(codes, dtype=np.int64)[index[k]]
        else:
            columns[axis.input] = np.asarray(axis.values, dtype=np.int64)[index[k]]
    compiled = compile_rulebook(book)
    n = index.shape[1]
    full = compiled.with_derived(columns, n)
    for name, code in fixed.items():
        full[name] = np.full(n, code, dtype=np.int8)
    return compiled.score(compiled.contributions(full, n)), names, dims


def _assert_axioms_exact(book: Rulebook, report: VerificationReport) -> None:
    score, names, dims = _scores(book, report)
    frame_valid = _Oracle(report, lambda *_: None).valid
    results = {result.axiom: result for result in report.axioms}
    violations = {v.subject: v for v in report.violations if v.check == "monotonicity"}
    flat = np.arange(len(score)).reshape(dims)
    for axiom in book.axioms:
        sign = 1.0 if axiom.direction.value == "non_decreasing" else -1.0
        if axiom.input in names:
            axis = names.index(axiom.input)
            lower = np.take(flat, range(dims[axis] - 1), axis=axis).ravel()
            upper = np.take(flat, range(1, dims[axis]), axis=axis).ravel()
            order = np.argsort(lower)
            lower, upper = lower[order], upper[order]
            change = sign * (score[upper] - score[lower])
            valid = frame_valid[lower] & frame_valid[upper]
        else:  # a derived input: its lowest and highest level at every grid point
            low = _scores(book, report, **{axiom.input: 0})[0]
            high = _scores(book, report, **{axiom.input: 1})[0]
            lower = np.arange(len(score))
            change, valid = sign * (high - low), frame_valid
        result = results[axiom.id]
        broken = int((change < -report.tolerance).sum())
        assert (result.pairs_checked, result.violating_pairs, result.holds) == (
            len(change),
            broken,
            not broken,
        )
        assert result.min_change == float(change.min()) + 0.0, axiom.id
        assert math.copysign(1.0, result.min_change) == math.copysign(
            1.0, float(change.min()) + 0.0
        )  # no -0.0
        if not broken:
            assert axiom.id not in violations
            continue
        violation = violations[axiom.id]
        assert f"({broken:,} of {len(change):,} cases break it)" in violation.message
        shown = np.where(valid, change, np.inf)
        if not np.isfinite(shown.min()) or shown.min() >= -report.tolerance:
            assert violation.before is None
            assert "only where a count exceeds company_size" in violation.message
            continue
        first = int(lower[int(np.argmax(shown <= shown.min() + report.tolerance))])
        expected = OrgProfile.model_validate(
            {
                axis.input: axis.values[int(i)]
                for axis, i in zip(report.grid, np.unravel_index(first, dims), strict=True)
            }
        )
        assert violation.before == expected, axiom.id


def _data() -> dict[str, Any]:
    return Rulebook.default().model_dump(mode="json")


def _default_factor(data: dict[str, Any], factor_id: str) -> dict[str, Any]:
    return next(f for f in data["factors"] if f["id"] == factor_id)


def test_the_default_axioms_hold_over_exactly_the_grid_pairs() -> None:
    book = Rulebook.default()
    _assert_axioms_exact(book, book.verify())


def test_an_inverted_level_table_breaks_its_axiom_in_exactly_the_counted_pairs() -> None:
    data = _data()
    table = _default_factor(data, "complex_product")["activation"]["of"][0]
    table["values"] = dict(zip(table["values"], reversed(list(table["values"].values())), strict=True))
    book = Rulebook.from_mapping(data)
    report = book.verify()
    assert [a.axiom for a in report.axioms if not a.holds] == ["complexity_never_lowers"]
    _assert_axioms_exact(book, report)


def test_a_factor_turned_around_breaks_the_seat_axiom_in_exactly_the_counted_cases() -> None:
    data = _data()
    _default_factor(data, "technical_seat")["favours"] = "traditional"
    book = Rulebook.from_mapping(data)
    report = book.verify()
    assert "technical_seat_never_lowers" in [a.axiom for a in report.axioms if not a.holds]
    _assert_axioms_exact(book, report)
    violation = next(v for v in report.violations if v.subject == "technical_seat_never_lowers")
    assert violation.message.startswith("setting seat_technical from no to yes moves the score by ")
    assert violation.after is None


def test_an_axiom_broken_only_past_the_headcount_has_no_counterexample() -> None:
    # Raising strategy_coverage from 9,999,999 to 10,000,000 lowers the score, but only while the
    # company is smaller than that: both counts then exceed company_size.
    data = _data()
    factor = _default_factor(data, "technology_driven_industry")
    factor["activation"] = {
        "kind": "all_of",
        "of": [
            {
                "kind": "ramp",
                "input": "strategy_coverage",
                "points": [[0, 1.0], [9_999_999, 1.0], [10_000_000, 0.0]],
            },
            {
                "kind": "ramp",
                "input": "company_size",
                "points": [[1, 1.0], [9_999_999, 1.0], [10_000_000, 0.0]],
            },
        ],
    }
    book = Rulebook.from_mapping(data)
    report = book.verify()
    violation = next(v for v in report.violations if v.subject == "strategy_coverage_never_lowers")
    assert violation.before is None
    assert violation.message.startswith("the score is not non-decreasing in strategy_coverage (")
    assert violation.message.endswith(
        "though only where a count exceeds company_size, which no valid profile has; "
        "make the rule hold there too"
    )
    _assert_axioms_exact(book, report)


def _hire_without_a_seat(columns: Columns, out: Columns, need: Any) -> None:
    """A hire is needed even where the seat is empty."""
    out["hire_needed"][...] = 1


def test_a_hire_with_an_empty_seat_shows_the_empty_seat(monkeypatch: pytest.MonkeyPatch) -> None:
    report = _verify(monkeypatch, _hire_without_a_seat)
    _assert_exact(report, _hire_without_a_seat, {"hire_needed_iff_seat"})
    violation = next(v for v in report.violations if v.subject == "hire_needed_iff_seat")
    assert violation.message.endswith("[empty], hire_needed=False")


def test_among_equally_bad_pairs_the_first_in_grid_order_is_shown_in_any_chunking() -> None:
    """simple_product turned technical, every other factor off: every low -> moderate step lowers
    the score by exactly 0.9, so the first such pair (at grid point 0) is the one shown."""
    data = _data()
    _default_factor(data, "simple_product")["favours"] = "technical"
    for factor in data["factors"]:
        if factor["id"] != "simple_product":
            factor["weight"] = 0.0
    book = Rulebook.from_mapping(data)
    first = None
    for chunk_size in (None, 4_099):
        report = verify_rulebook(book, chunk_size=chunk_size)
        violation = next(v for v in report.violations if v.subject == "complexity_never_lowers")
        origin = OrgProfile.model_validate({axis.input: axis.values[0] for axis in report.grid})
        assert violation.before == origin
        assert violation.after is not None
        assert violation.after.product_complexity == "moderate"
        assert violation.score_before is not None
        assert violation.score_after == pytest.approx(violation.score_before - 0.9)
        first = first or violation
        assert violation == first


# -- the tolerance of the monotonicity check: a change of exactly -tolerance is float noise ---------


def _axiom_state() -> Any:
    from tpm_fit._verify.checks import _AxiomState

    return _AxiomState(Rulebook.default().axioms[0])


def test_a_score_change_of_exactly_minus_the_tolerance_is_not_a_violation() -> None:
    state = _axiom_state()
    signed = np.array([0.0, -0.125, -0.25, -1.0])
    state.fold(signed, np.arange(4, dtype=np.int64), np.ones(4, dtype=bool), 0.25)
    # Only -1.0 lies beyond the tolerance; -0.25 is exactly on it (noise, not a violation).
    assert (state.pairs, state.violating, state.min_change) == (4, 1, -1.0)
    assert (state.worst_flat, state.worst) == (3, -1.0)


def test_a_valid_pair_exactly_at_minus_the_tolerance_is_no_counterexample() -> None:
    """The counterexample is taken only from a valid pair beyond the tolerance: one exactly on it
    is not shown, even when pairs outside the valid profiles break the axiom."""
    state = _axiom_state()
    signed = np.array([-0.5, -2.0])
    state.fold(signed, np.array([7, 8], dtype=np.int64), np.array([True, False]), 0.5)
    assert (state.pairs, state.violating) == (2, 1)
    assert (state.worst_flat, state.worst) == (-1, math.inf)


def test_a_later_pair_worse_only_by_the_tolerance_does_not_replace_the_counterexample() -> None:
    """Equally bad up to float noise: the first in grid order stays (the one with the smallest
    inputs); a pair worse by more than the tolerance replaces it."""
    state = _axiom_state()
    one = np.ones(1, dtype=bool)
    state.fold(np.array([-1.0]), np.array([4], dtype=np.int64), one, 0.25)
    state.fold(np.array([-1.25]), np.array([9], dtype=np.int64), one, 0.25)
    assert (state.worst_flat, state.worst, state.violating) == (4, -1.0, 2)
    state.fold(np.array([-1.5]), np.array([11], dtype=np.int64), one, 0.25)
    assert (state.worst_flat, state.worst, state.violating) == (11, -1.5, 3)


def test_within_one_chunk_a_pair_as_bad_as_the_worst_up_to_the_tolerance_is_shown_first() -> None:
    state = _axiom_state()
    state.fold(np.array([-0.75, -1.0]), np.array([2, 3], dtype=np.int64), np.ones(2, dtype=bool), 0.25)
    # -0.75 is within the tolerance of the worst, -1.0, and comes first in grid order.
    assert (state.worst_flat, state.worst, state.violating) == (2, -1.0, 2)


# -- the conditional verdict axioms: where a condition holds, up to the tolerance ---------------


class _Condition:
    """A stand-in condition whose activation per grid point is given."""

    def __init__(self, activation: np.ndarray) -> None:
        self.activation = activation

    def batch(self, columns: Any) -> np.ndarray:
        return self.activation


def _claims(
    activation: list[float], codes: list[int], valid: list[bool], then: list[float] | None = None
) -> Any:
    """A ConditionalCheck of the default's first claim, its condition and ``then`` replaced,
    after one chunk of grid points 5, 6, 7, ... with these verdict codes."""
    from types import SimpleNamespace

    from tpm_fit._engine.kernel import compile_rulebook
    from tpm_fit._verify.checks import ConditionalCheck, _ConditionalState

    compiled = compile_rulebook(Rulebook.default())
    check = ConditionalCheck(compiled, None)  # type: ignore[arg-type]  # update() reads no grid
    axiom = compiled.rulebook.verdict_axioms[0]
    check.states = [
        _ConditionalState(
            axiom,
            _Condition(np.asarray(activation)),  # type: ignore[arg-type]
            None if then is None else _Condition(np.asarray(then)),  # type: ignore[arg-type]
        )
    ]
    n = len(activation)
    chunk = SimpleNamespace(
        flat=np.arange(5, 5 + n, dtype=np.int64),
        columns={},
        codes=np.asarray(codes, dtype=np.int8),
        valid=np.asarray(valid, dtype=bool),
    )
    check.update(chunk)  # type: ignore[arg-type]
    return check


def test_a_condition_holds_from_its_minimum_less_the_tolerance() -> None:
    from tpm_fit._model.verification import TOLERANCE

    minimum = Rulebook.default().verdict_axioms[0].min_activation  # 0.5: traditional or either only
    technical, traditional = Verdict.TECHNICAL.code, Verdict.TRADITIONAL.code
    (state,) = _claims(
        [minimum, minimum - TOLERANCE, minimum - 3 * TOLERANCE, 1.0],
        [technical, technical, technical, traditional],
        [False, True, True, True],
    ).states
    # Holds at the minimum and at exactly the tolerance below it; not further below.
    assert (state.cases, state.violating) == (3, 2)
    # The first broken valid grid point: the second one (the first is not a valid profile).
    assert state.first_flat == 6


def test_a_claim_broken_only_by_its_then_is_counted_from_the_first_broken_point() -> None:
    """The claim allows these verdicts; its ``then`` fails only below its minimum less the
    tolerance, and only where the condition holds."""
    from tpm_fit._model.verification import TOLERANCE

    then = [1.0, 0.0, 0.0, 0.5 - TOLERANCE]  # 0.5: the claim's minimum
    codes = [Verdict.TRADITIONAL.code, Verdict.EITHER.code, Verdict.TECHNICAL.code, Verdict.TRADITIONAL.code]
    (state,) = _claims([1.0, 1.0, 0.0, 1.0], codes, [True, True, True, True], then=then).states
    assert (state.cases, state.violating, state.first_flat) == (3, 1, 6)


def test_a_broken_claim_is_counted_over_the_whole_grid_and_shown_at_its_first_valid_profile() -> None:
    """Without the factors that keep simple products traditional, generalist seats for simple
    products get technical verdicts: the claim that they never do breaks. The report's counts are
    the kernel's over every grid point (scored at once here, in chunks by the verifier), and the
    counterexample is the first valid profile in grid order that breaks it."""
    from tpm_fit import RoleShape, recommend
    from tpm_fit._engine.kernel import compile_rulebook

    book = Rulebook.default().with_weights({"technical_is_a_plus": 0.0, "simple_product": 0.0})
    report = verify_rulebook(book, chunk_size=4_099)
    dims = tuple(len(axis.values) for axis in report.grid)
    index = np.indices(dims).reshape(len(dims), -1)
    columns = {
        axis.input: np.asarray(axis.values, dtype=np.int64)[index[k]]
        if all(isinstance(v, int) for v in axis.values)
        else index[k].astype(np.int64)  # a level, encoded as its rank
        for k, axis in enumerate(report.grid)
    }
    n = index.shape[1]
    evaluation = compile_rulebook(book).evaluate(columns, n)
    business = (evaluation.derived["seat_strategy"] == 1) | (evaluation.derived["seat_marketing"] == 1)
    holds = (
        (evaluation.derived["role_shape"] == RoleShape.GENERALIST.code)
        & (columns["product_complexity"] <= 1)
        & business  # the claim is about a seat that wears a business hat (rulebook 3.1.0)
    )
    broken = holds & (evaluation.verdict_codes == Verdict.TECHNICAL.code)
    valid = np.all([columns[name] <= columns["company_size"] for name in COUNTS], axis=0)
    assert 0 < int((broken & valid).sum()) < int(broken.sum())  # broken at valid and invalid points

    results = {result.axiom: result for result in report.verdict_axioms}
    claim = results.pop("generalist_simple_never_technical")
    assert (claim.holds, claim.cases_checked, claim.violating_cases) == (
        False,
        int(holds.sum()),
        int(broken.sum()),
    )
    assert all(result.holds and result.violating_cases == 0 for result in results.values())
    (violation,) = report.violations
    first = np.unravel_index(int(np.flatnonzero(broken & valid)[0]), dims)
    expected = OrgProfile.model_validate(
        {axis.input: axis.values[int(i)] for axis, i in zip(report.grid, first, strict=True)}
    )
    assert (violation.check, violation.subject) == ("verdict_axiom", "generalist_simple_never_technical")
    assert violation.before == expected
    shown = recommend(expected, rulebook=book)
    assert violation.score_before == shown.score
    assert violation.after is None
    # The message names the verdict and the seat of the counterexample (here every face).
    assert shown.verdict is Verdict.TECHNICAL
    assert len(shown.seat) == 3
    assert f"[{', '.join(face.value for face in shown.seat)}]" in violation.message
    assert f"({claim.violating_cases:,} of {claim.cases_checked:,} cases break it)" in violation.message


def test_a_claim_broken_only_past_the_headcount_is_reported_without_a_counterexample() -> None:
    technical = Verdict.TECHNICAL.code
    check = _claims([1.0, 1.0, 0.0], [technical, technical, technical], [False, False, True])
    (result,), (violation,) = check.result()
    axiom = Rulebook.default().verdict_axioms[0]
    assert (result.axiom, result.holds, result.cases_checked, result.violating_cases) == (
        axiom.id,
        False,
        2,
        2,
    )
    assert (violation.check, violation.subject, violation.before, violation.after) == (
        "verdict_axiom",
        axiom.id,
        None,
        None,
    )
    assert "(2 of 2 cases break it)" in violation.message
    assert "no valid profile" in violation.message
