"""How long ``verify``, ``sensitivity`` and ``robustness`` will take, estimated before they run.

One work model for the three analyses whose cost the input decides. A unit of work is about a
nanosecond of one core of the project's 2-core machine under the typical load of its recorded
calibration runs (see below). Each analysis refuses, before any scoring, work above its
``max_work`` (``--max-work`` on the command line); the default, :data:`DEFAULT_MAX_WORK`, is
about 20 seconds there.

The model counts what each analysis does, from the rulebook and the grid's axes only (nothing is
scored to count them): :class:`WorkCounts`, and prices each count with a coefficient (below, with
what it pays for). The coefficients are fitted by non-negative least squares on relative error
(``python benchmarks/bench_hostile.py --fit``) to interleaved medians over 15 rulebook shapes
(levels-only, two-point and long ramps, wide combinations, no axioms, small and large grids) and
9 robustness runs, in each of the last three recorded runs; each run gets its own speed factor
(the shared machine's load varied 1.6x between runs) and the units are scaled so that the
factors' geometric mean is 1. The benchmark prints measured against predicted for every shape;
``benchmarks/work_model.json`` keeps the runs, which a test checks the model against (within 2x
of each run's median, each median within 2x of 1, and the counts still those of the shapes).
Refit when an analysis changes what it does per point: run the benchmark with ``--record
benchmarks/work_model.json``, then ``--from-record benchmarks/work_model.json --fit``, and paste
the printed coefficients here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Final, Protocol

from .._errors import RulebookError, TpmFitError

if TYPE_CHECKING:
    from .._model.rulebook import Rulebook

__all__ = [
    "DEFAULT_MAX_WORK",
    "ROBUSTNESS",
    "SAMPLE_BLOCK",
    "SENSITIVITY",
    "VERIFY",
    "WorkCounts",
    "check_max_work",
    "check_work",
    "count_work",
    "price",
    "robustness_features",
    "robustness_work",
    "sensitivity_chunk",
    "sensitivity_chunks",
    "sensitivity_features",
    "sensitivity_work",
    "verification_features",
    "verification_passes",
    "verification_work",
]

#: Most work (about nanoseconds on the reference machine) any one analysis does by default.
DEFAULT_MAX_WORK: Final = 20_000_000_000

# -- the coefficients: nanoseconds per count, fitted by benchmarks/bench_hostile.py --fit ---------
# A coefficient of 0 is a count the fit found no separate cost for (the others carry it); it stays
# so that the next fit can give it one. The fixed per-call terms matter for small grids: without
# them (before issue 20's refit) the default rulebook's 6 ms sensitivity ran at 2.8x its prediction.

#: ``verify_rulebook``, per count of :func:`verification_features`.
VERIFY: Final[Mapping[str, float]] = {
    # Once per call: the guidance check, compiling the rulebook, building the grid, the report.
    "call": 1460000.0,
    # The first pass scores every grid point: per point, per factor or risk, per activation term.
    "point": 158.0,
    "point_activation": 4.1,
    "point_term": 0.836,
    # Each further pass (one per axiom input, three for the seat axioms) rescores the neighbours.
    "pass_point": 35.9,
    "pass_point_activation": 1.56,
    "pass_point_term": 0.0,
    # The sentence check, in Python: per valid profile, one scalar evaluation of every factor and
    # risk (per activation and per term) and the risks' descriptions checked; per distinct seat
    # situation (the inputs the seat and the statements read), the seat's reason and warnings
    # rendered and checked once.
    "valid": 0.0,
    "valid_activation": 0.0,
    "valid_term": 125.0,
    "situation": 0.0,
    # The rendering check (issue 18): explain(), its Markdown, the brief and the counterfactual
    # lines rendered and checked for each rendered profile (one per kind of advice, at most
    # sentences.RENDERED_PROFILES): a fixed cost, plus the counterfactual search per factor or risk.
    # Fitted with the rest (benchmarks/work_model.json, two runs of rulebook 3.1.0). Every shape
    # there renders the 64-profile sample, so "rendered" cannot be told apart from "call": the fit
    # prices the whole check per sample. For renderings="all" that overestimates each further
    # profile about 3x (default rulebook: 696 kinds predicted at about 6 s, measured 1.8 s of CPU),
    # on the safe side of the bound.
    "rendered": 6380000.0,
    "rendered_activation": 54200.0,
    "rendered_term": 39400.0,
}

#: ``Rulebook.sensitivity``, per count of :func:`sensitivity_features`.
SENSITIVITY: Final[Mapping[str, float]] = {
    # Once per call: compiling, the grid, the report.
    "call": 81900.0,
    # Every grid point's factor contributions: per point, per factor and per activation term.
    "point": 122.0,
    "point_factor": 0.478,
    "point_term": 0.0,
    # Per factor and valid profile: the score moved up and down and two verdicts recomputed.
    "valid_factor": 7.44,
    # Per factor and chunk of grid points: the numpy calls of that loop, whatever the chunk's size
    # (a chunk is at most 65,536 points, fewer with many factors: see sensitivity_chunk).
    "chunk_factor": 63300.0,
}

#: ``Recommendation.robustness``, per count of :func:`robustness_features`.
ROBUSTNESS: Final[Mapping[str, float]] = {
    "call": 295000.0,  # the report
    "factor": 14900.0,  # per factor, its closed-form margin and its share of the nearest flip
    "sample": 0.0,  # per sampled weighting: its verdict
    # Per sampled weight: drawn, multiplied and summed. Blocks of 100,000 samples whose weights
    # pass the L2 cache (2 MiB) cost several times more per weight: fresh memory each block.
    "sample_factor": 7.86,
    "sample_factor_beyond_cache": 5.0,
}

#: Bytes of a block of sampled weights above which sampling runs from memory, not cache (L2).
CACHE_BYTES: Final = 2 << 20
#: Weightings ``robustness`` samples per block (its acceptability sampler reads it from here).
SAMPLE_BLOCK: Final = 100_000

#: Factor contributions per chunk of ``rulebook_sensitivity`` (it cuts the grid in chunks of at
#: most 65,536 points and at most this many contributions).
SENSITIVITY_CHUNK_CELLS: Final = 1 << 22


class _Axis(Protocol):
    name: str

    @property
    def codes(self) -> Any: ...


class _Grid(Protocol):
    @property
    def axes(self) -> Sequence[_Axis]: ...

    @property
    def size(self) -> int: ...


@dataclass(frozen=True)
class WorkCounts:
    """What an analysis of ``rulebook`` over a grid will do, counted before any scoring."""

    points: int  #: grid points (the Cartesian product of the axes)
    valid: int  #: grid points that are valid profiles (no count of people above the headcount)
    situations: int  #: distinct valid values of the inputs the seat and the statements read
    factors: int  #: factors
    activations: int  #: factors plus risks
    terms: int  #: activation terms of the factors and risks (a ramp or a table: one per point)
    factor_terms: int  #: activation terms of the factors alone
    passes: int  #: verify's passes over the grid (see :func:`verification_passes`)
    rendered: int = 0  #: profiles whose every rendering the sentence check renders (at most)

    def as_dict(self) -> dict[str, int]:
        """The counts by name (what the benchmark records)."""
        return asdict(self)


def _valid_count(axes: Sequence[_Axis], counted: Iterable[str] | None = None) -> int:
    """How many points of the grid over ``axes`` (only those named in ``counted``, when given; the
    others count once) are valid profiles: every count of people at most the headcount.

    Exact and cheap: per headcount value, the product over each count axis of its values at most
    that headcount (a count axis left out only has to have one).
    """
    import numpy as np

    from .._model.profile import HEADCOUNT, HEADCOUNT_BOUNDED

    names = {axis.name for axis in axes} if counted is None else set(counted)
    by_name = {axis.name: np.sort(np.asarray(axis.codes, dtype=np.float64)) for axis in axes}
    people = {HEADCOUNT, *HEADCOUNT_BOUNDED}
    others = math.prod(len(codes) for name, codes in by_name.items() if name in names and name not in people)
    sizes = by_name.get(HEADCOUNT)
    if sizes is None:
        return others * math.prod(len(by_name[n]) for n in HEADCOUNT_BOUNDED if n in names and n in by_name)
    sizes = sizes if HEADCOUNT in names else sizes[-1:]  # the largest headcount admits the most
    per_size = np.ones(len(sizes), dtype=object)
    for name in HEADCOUNT_BOUNDED:
        if name not in by_name:
            continue
        at_most = np.searchsorted(by_name[name], sizes, side="right").astype(object)
        per_size = per_size * (at_most if name in names else np.minimum(at_most, 1))
    return int(others * sum(per_size))


def _sentence_reads(rulebook: Rulebook) -> frozenset[str]:
    """The inputs that decide the seat's reason and the warnings (as the sentence check keys them)."""
    from .._engine.seat_reads import SEAT_READS
    from .._engine.statements import statements_of

    return frozenset(SEAT_READS).union(*statements_of(rulebook).reads.values())


def count_work(rulebook: Rulebook, grid: _Grid) -> WorkCounts:
    """The counts the work model prices, for ``rulebook`` over ``grid`` (nothing is scored)."""
    factor_terms = sum(factor.activation.work() for factor in rulebook.factors)
    return WorkCounts(
        points=grid.size,
        valid=_valid_count(grid.axes),
        situations=_valid_count(grid.axes, _sentence_reads(rulebook)),
        factors=len(rulebook.factors),
        activations=len(rulebook.factors) + len(rulebook.risks),
        terms=factor_terms + sum(risk.when.work() for risk in rulebook.risks),
        factor_terms=factor_terms,
        passes=verification_passes(rulebook),
        rendered=_rendered(grid.size),
    )


def _rendered(points: int) -> int:
    """At most how many profiles the sentence check renders in full (one per kind of advice)."""
    from .sentences import RENDERED_PROFILES  # the sentence check's bound, declared there

    return min(points, RENDERED_PROFILES)


def verification_passes(rulebook: Rulebook) -> int:
    """Passes over the grid: one, plus one per axiom input, plus three for the seat axioms."""
    return 1 + len({axiom.input for axiom in rulebook.axioms}) + (3 if rulebook.seat_axioms else 0)


def verification_features(c: WorkCounts, *, sentences: bool = True) -> dict[str, float]:
    """What :data:`VERIFY`'s coefficients multiply (without the sentence check's when not ``sentences``)."""
    more = c.passes - 1
    checked = 1 if sentences else 0
    return {
        "call": 1.0,
        "point": c.points,
        "point_activation": c.points * c.activations,
        "point_term": c.points * c.terms,
        "pass_point": more * c.points,
        "pass_point_activation": more * c.points * c.activations,
        "pass_point_term": more * c.points * c.terms,
        "valid": checked * c.valid,
        "valid_activation": checked * c.valid * c.activations,
        "valid_term": checked * c.valid * c.terms,
        "situation": checked * c.situations,
        "rendered": checked * c.rendered,
        "rendered_activation": checked * c.rendered * c.activations,
        "rendered_term": checked * c.rendered * c.terms,
    }


def sensitivity_chunk(factors: int) -> int:
    """Grid points per chunk in ``rulebook_sensitivity``: fewer when there are many factors."""
    return max(1024, min(1 << 16, SENSITIVITY_CHUNK_CELLS // max(1, factors)))


def sensitivity_chunks(c: WorkCounts) -> int:
    """Chunks of grid points ``rulebook_sensitivity`` scores."""
    return -(-c.points // sensitivity_chunk(c.factors))


def sensitivity_features(c: WorkCounts) -> dict[str, float]:
    """What :data:`SENSITIVITY`'s coefficients multiply."""
    return {
        "call": 1.0,
        "point": c.points,
        "point_factor": c.points * c.factors,
        "point_term": c.points * c.factor_terms,
        "valid_factor": c.valid * c.factors,
        "chunk_factor": sensitivity_chunks(c) * c.factors,
    }


def robustness_features(factors: int, samples: int) -> dict[str, float]:
    """What :data:`ROBUSTNESS`'s coefficients multiply."""
    beyond = min(samples, SAMPLE_BLOCK) * factors * 8 > CACHE_BYTES
    return {
        "call": 1.0,
        "factor": factors,
        "sample": samples,
        "sample_factor": samples * factors,
        "sample_factor_beyond_cache": samples * factors if beyond else 0,
    }


def price(coefficients: Mapping[str, float], features: Mapping[str, float]) -> int:
    """Work: the sum of each count times its coefficient."""
    return int(sum(coefficients[name] * value for name, value in features.items()))


def verification_work(
    rulebook: Rulebook, grid: _Grid, *, sentences: bool = True, renderings: int | None = None
) -> int:
    """Predicted work of :func:`tpm_fit.verify_rulebook` over ``grid`` (``sentences``: with the
    sentence check, rendering ``renderings`` profiles in full: by default the sample's bound; with
    ``renderings="all"`` the verifier asks again once it has counted the kinds of advice, before
    rendering any)."""
    counts = count_work(rulebook, grid)
    if renderings is not None:
        counts = replace(counts, rendered=min(grid.size, renderings))
    return price(VERIFY, verification_features(counts, sentences=sentences))


def sensitivity_work(rulebook: Rulebook, grid: _Grid) -> int:
    """Predicted work of :meth:`tpm_fit.Rulebook.sensitivity` over ``grid``."""
    return price(SENSITIVITY, sensitivity_features(count_work(rulebook, grid)))


def robustness_work(factors: int, samples: int) -> int:
    """Predicted work of sampling ``samples`` weightings of ``factors`` weights."""
    return price(ROBUSTNESS, robustness_features(factors, samples))


def check_max_work(max_work: object) -> int:
    """``max_work`` as an int, refused when it is not a positive whole number."""
    import numbers

    if isinstance(max_work, bool) or not isinstance(max_work, numbers.Integral) or int(max_work) < 1:
        raise TpmFitError(
            f"max_work={max_work!r}: not a positive whole number; valid: 1 or more "
            f"(default {DEFAULT_MAX_WORK:,}, about 20 s)"
        )
    return int(max_work)


def check_work(what: str, work: int, max_work: object, detail: str, *, flag: str = "--max-work N") -> None:
    """Refuse, before any scoring, an analysis whose predicted work exceeds ``max_work``.

    Raises
    ------
    RulebookError
        Naming the analysis, the predicted work and seconds, what drives it, and how to allow it.
    """
    bound = check_max_work(max_work)
    if work > bound:
        raise RulebookError(
            f"max_work={bound:,}: {what} would take about {work:,} units of work (~{work / 1e9:,.0f} s; "
            f"{detail}); valid: a smaller rulebook or fewer samples, or raise max_work= ({flag})",
            location="factors",
        )
