"""Hypothesis strategies and checks for testing rulebooks (extra ``tpm-fit[testing]``).

- :func:`org_profiles`: valid organisation profiles, any field pinnable.
- :func:`rulebooks`: rulebooks with perturbed weights, optionally with broken rules too (to test
  code that must notice them).
- :func:`check_rulebook`: an assertion for a test suite; fails with every violation listed.

Examples
--------
>>> from hypothesis import given
>>> from tpm_fit.testing import check_rulebook, org_profiles, rulebooks
>>> @given(rulebooks())
... def test_tuned_weights_keep_every_promise(rulebook):
...     check_rulebook(rulebook)
"""

from __future__ import annotations

from typing import Any, Final

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "tpm_fit.testing needs hypothesis; install it with: pip install 'tpm-fit[testing]'"
    ) from exc

from pydantic import TypeAdapter

from ._model.primitives import Activation, Primitive
from ._model.profile import HEADCOUNT, HEADCOUNT_BOUNDED, NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile
from ._model.rulebook import Rulebook
from ._model.suggest import did_you_mean
from ._render.verification import violation_lines
from ._verify.verifier import verify_rulebook

__all__ = ["check_rulebook", "org_profiles", "rulebooks"]

_ACTIVATION: Final = TypeAdapter(Activation)


def _activation(data: dict[str, Any]) -> Primitive:
    """An activation primitive from its TOML data."""
    return _ACTIVATION.validate_python(data)


#: How a rule may be broken when ``allow_axiom_violations=True``.
_MUTATIONS: Final = ("keep", "flip_favours", "reverse", "redraw")


def _integers(name: str, high: int | None = None) -> st.SearchStrategy[int]:
    low, top = NUMERIC_BOUNDS[name]
    high = top if high is None else min(top, high)
    # Mostly small, realistic values (where the breakpoints are), sometimes anything in range.
    realistic = 5_000 if name == HEADCOUNT else 12
    return st.one_of(
        st.integers(min_value=low, max_value=max(low, min(high, realistic))),
        st.integers(min_value=low, max_value=high),
    )


@st.composite
def _profiles(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]], floor: int) -> OrgProfile:
    size = draw(fields.get(HEADCOUNT, _integers(HEADCOUNT).filter(lambda s: s >= floor)))
    values = {HEADCOUNT: size}
    for name in OrgProfile.model_fields:
        if name == HEADCOUNT:
            continue
        if name in fields:
            value = draw(fields[name])
            # A count drawn from a caller's strategy is cut down to the company's headcount.
            values[name] = min(value, size) if name in HEADCOUNT_BOUNDED and isinstance(value, int) else value
        else:
            values[name] = draw(_integers(name, size if name in HEADCOUNT_BOUNDED else None))
    return OrgProfile.model_validate(values)


def org_profiles(**fixed: Any) -> st.SearchStrategy[OrgProfile]:
    """A strategy of valid :class:`~tpm_fit.OrgProfile` objects.

    Parameters
    ----------
    **fixed
        Field values to pin, e.g. ``org_profiles(company_size=12)``. A value may also be a
        strategy, to narrow a field instead of pinning it.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of OrgProfile
        Integer fields are mostly small (where rulebooks put their breakpoints) and sometimes
        anywhere in their range, counts never above ``company_size``; ordered fields take every
        level.

    Raises
    ------
    TypeError
        A keyword that is not an ``OrgProfile`` field.

    Examples
    --------
    >>> from hypothesis import strategies as st
    >>> strategy = org_profiles(product_complexity="low", company_size=st.integers(1, 50))
    """
    unknown = sorted(set(fixed) - set(OrgProfile.model_fields))
    if unknown:
        raise TypeError(
            f"org_profiles() got unknown field(s) {unknown}; valid: {', '.join(OrgProfile.model_fields)}"
            + did_you_mean(sorted(unknown)[0], OrgProfile.model_fields)
        )
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, value in fixed.items():
        fields[name] = value if isinstance(value, st.SearchStrategy) else st.just(value)
    for name in ORDERED_INPUTS:
        fields.setdefault(name, st.sampled_from(list(ORDERED_INPUTS[name])))
    # Pinned counts need a company at least that large.
    floor = max([1, *(fixed[name] for name in HEADCOUNT_BOUNDED if isinstance(fixed.get(name), int))])
    return _profiles(fields, floor)


def _units() -> st.SearchStrategy[float]:
    # Round values shrink to readable counterexamples; any float in [0, 1] is allowed too.
    return st.one_of(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), st.floats(min_value=0.0, max_value=1.0))


class _Draws:
    """Hypothesis draws behind :class:`~tpm_fit._model.primitives.DrawSource`."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def unit(self) -> float:
        return self._draw(_units())

    def whole_numbers(self, low: int, high: int, count: int) -> list[int]:
        return sorted(self._draw(st.sets(st.integers(low, high), min_size=count, max_size=count)))


@st.composite
def _perturbed(
    draw: st.DrawFn, book: Rulebook, max_relative_change: float, allow_axiom_violations: bool
) -> Rulebook:
    data = book.model_dump(mode="json")
    for factor in data["factors"]:
        scale = draw(st.floats(min_value=1.0 - max_relative_change, max_value=1.0 + max_relative_change))
        factor["weight"] = min(1_000.0, factor["weight"] * scale)
        if not allow_axiom_violations:
            continue
        mutation = draw(st.sampled_from(_MUTATIONS))
        if mutation == "flip_favours":
            factor["favours"] = "traditional" if factor["favours"] == "technical" else "technical"
        elif mutation == "reverse":
            factor["activation"] = _activation(factor["activation"]).reversed_data()
        elif mutation == "redraw":
            factor["activation"] = _activation(factor["activation"]).redrawn_data(_Draws(draw))
    return Rulebook.from_mapping(data)


def rulebooks(
    base: Rulebook | None = None,
    *,
    max_relative_change: float = 0.5,
    allow_axiom_violations: bool = False,
) -> st.SearchStrategy[Rulebook]:
    """A strategy of rulebooks whose factor weights are perturbed from ``base``.

    Parameters
    ----------
    base : Rulebook, optional
        The rulebook to perturb; :meth:`Rulebook.default` when omitted.
    max_relative_change : float, default 0.5
        Each weight is multiplied by a factor drawn from
        ``[1 - max_relative_change, 1 + max_relative_change]`` (capped at the maximum weight).
        The default rulebook's monotone and seat axioms hold for any weights; its firm claims
        (``verdict_axioms``) weigh factors against each other and hold for every tuning within
        0.2 of its weights, not beyond.
    allow_axiom_violations : bool, default False
        Also break rules at random, to test code that must notice broken rulebooks: each factor
        is kept, has its ``favours`` flipped, has its activation reversed (level tables and ramp
        heights run backwards), or has its activation redrawn (random ramp breakpoints near the
        start of the input's range and random heights). The result is still a valid rulebook,
        but it may break its axioms, leave a verdict unreachable or have a dead factor.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Rulebook

    Raises
    ------
    ValueError
        ``max_relative_change`` outside ``[0, 1]``.
    """
    if not 0.0 <= max_relative_change <= 1.0:
        raise ValueError(f"max_relative_change={max_relative_change!r}: out of range; valid: from 0 to 1")
    book = base if base is not None else Rulebook.default()
    return _perturbed(book, max_relative_change, allow_axiom_violations)


def check_rulebook(rulebook: Rulebook) -> None:
    """Assert that a rulebook passes :func:`tpm_fit.verify_rulebook`.

    For use in a test suite: the check is exact over every profile, not a sample.

    Parameters
    ----------
    rulebook : Rulebook
        The rules to check.

    Raises
    ------
    AssertionError
        The rulebook has violations; the message lists each one with its counterexample.

    Examples
    --------
    >>> from tpm_fit import Rulebook
    >>> check_rulebook(Rulebook.default())
    """
    report = verify_rulebook(rulebook)
    if not report.ok:
        count = len(report.violations)
        raise AssertionError(
            f"rulebook {rulebook.name!r} {rulebook.version} has {count} violation"
            f"{'s' if count > 1 else ''}:\n" + "\n".join(violation_lines(report.violations))
        )
