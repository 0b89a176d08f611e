"""How long ``verify``, ``sensitivity`` and ``robustness`` will take, estimated before they run.

One work model for the three analyses whose cost the input decides. A unit of work is about a
nanosecond of one core of the 2026 reference machine; ``benchmarks/bench_hostile.py`` calibrates
the coefficients over rulebook shapes (levels-only, two-point ramps, long ramps, wide
combinations, no axioms) and checks that the prediction stays within 2x of the measured time.
Each analysis refuses, before any scoring, work above its ``max_work`` (``--max-work`` on the
command line); the default, :data:`DEFAULT_MAX_WORK`, is about 20 seconds there.

The costs, per grid point (verify, sensitivity) or per sample (robustness), with ``F`` the
number of factors plus risks and ``T`` their activation terms (a ramp or a level table is one
term per point of it, a combination the sum of its terms), fitted by least squares on relative
error over the benchmark's shapes:

- verify: one full pass ``5 + 6.9 F + 2.2 T``, plus ``47 + 2.0 F`` for each further pass (one per
  axiom input, three for the seat axioms). A factor costs mostly for being there: a two-level
  lookup costs nearly what a long ramp does (counting only terms undercounted them about 5x).
- sensitivity: ``20 + 10.3 F + 0.2 T`` (two verdict recomputations per factor and point).
- robustness: ``200 + 20 F`` per sampled weighting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._errors import RulebookError, TpmFitError

if TYPE_CHECKING:
    from .._model.rulebook import Rulebook

__all__ = [
    "DEFAULT_MAX_WORK",
    "check_max_work",
    "check_work",
    "robustness_work",
    "sensitivity_work",
    "verification_passes",
    "verification_work",
]

#: Most work (about nanoseconds on the reference machine) any one analysis does by default.
DEFAULT_MAX_WORK: Final = 20_000_000_000

#: (per point, per factor or risk, per activation term) of each kind of pass.
_VERIFY_FIRST: Final = (5.0, 6.9, 2.2)
_VERIFY_MORE: Final = (47.0, 2.0, 0.0)
_SENSITIVITY: Final = (20.0, 10.3, 0.2)
_ROBUSTNESS: Final = (200.0, 20.0)
#: The sentence check (rulebook 3.0.0): each valid grid point's seat reason, warnings and risks
#: rendered and checked once, in Python; a fixed cost a point plus a little per activation.
#: Fitted by hand on two shapes (the default, and 100 more two-level factors, without axioms).
_SENTENCES: Final = (1450.0, 2.5, 0.0)


#: The rendering check (issue 18): explain(), Markdown, brief and counterfactual lines rendered
#: and checked for one profile of each kind of advice (at most RENDERED_PROFILES of them for
#: renderings="sample", every kind for "all"); per rendered profile, a fixed cost plus the
#: counterfactual search's cost per factor or risk, times the number of profiles rendered.
#: Fitted by hand on the default rulebook (64 rendered profiles: 0.35 s; 256: 1.3 s; 680: 3.7 s CPU)
#: before the rendering check was made faster (680: about 1.4 s CPU since): it now overestimates
#: some 2.5x, on the safe side; left for the calibration in benchmarks/bench_hostile.py to refit.
_RENDERINGS: Final = (3_000_000.0, 150_000.0)


def _activations(rulebook: Rulebook) -> int:
    return len(rulebook.factors) + len(rulebook.risks)


def _terms(rulebook: Rulebook, *, risks: bool = True) -> int:
    factors = sum(factor.activation.work() for factor in rulebook.factors)
    return factors + (sum(risk.when.work() for risk in rulebook.risks) if risks else 0)


def _cost(coefficients: tuple[float, float, float], activations: int, terms: int) -> float:
    base, per_activation, per_term = coefficients
    return base + per_activation * activations + per_term * terms


def verification_passes(rulebook: Rulebook) -> int:
    """Passes over the grid: one, plus one per axiom input, plus three for the seat axioms."""
    return 1 + len({axiom.input for axiom in rulebook.axioms}) + (3 if rulebook.seat_axioms else 0)


def verification_work(rulebook: Rulebook, grid_points: int, renderings: int | None = None) -> int:
    """Predicted work of :func:`tpm_fit.verify_rulebook` over a grid of ``grid_points``, with
    ``renderings`` profiles rendered in full by the sentence check (by default the sample's
    bound; with ``renderings="all"`` the verifier asks again once it has counted the kinds of
    advice, before rendering any)."""
    f, t = _activations(rulebook), _terms(rulebook)
    more = (verification_passes(rulebook) - 1) * _cost(_VERIFY_MORE, f, t)
    if renderings is None:
        from .sentences import RENDERED_PROFILES  # the sentence check's bound, declared there

        renderings = RENDERED_PROFILES
    rendered = min(grid_points, renderings) * (_RENDERINGS[0] + _RENDERINGS[1] * f)
    return int(grid_points * (_cost(_VERIFY_FIRST, f, t) + more + _cost(_SENTENCES, f, t)) + rendered)


def sensitivity_work(rulebook: Rulebook, grid_points: int) -> int:
    """Predicted work of :meth:`tpm_fit.Rulebook.sensitivity` over a grid of ``grid_points``."""
    cost = _cost(_SENSITIVITY, len(rulebook.factors), _terms(rulebook, risks=False))
    return int(grid_points * cost)


def robustness_work(factors: int, samples: int) -> int:
    """Predicted work of sampling ``samples`` weightings of ``factors`` weights."""
    return int(samples * (_ROBUSTNESS[0] + _ROBUSTNESS[1] * factors))


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
