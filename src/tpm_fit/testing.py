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

from ._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile
from ._model.rulebook import Rulebook
from ._verify.verifier import verify_rulebook, violation_lines

__all__ = ["check_rulebook", "org_profiles", "rulebooks"]

#: How a rule may be broken when ``allow_axiom_violations=True``.
_MUTATIONS: Final = ("keep", "flip_favours", "reverse", "redraw")
#: Redrawn ramp breakpoints stay this close to the start of the input's range, where profiles are.
_REDRAW_SPAN: Final = 300


def _integers(name: str) -> st.SearchStrategy[int]:
    low, high = NUMERIC_BOUNDS[name]
    # Mostly small, realistic values (where the breakpoints are), sometimes anything in range.
    realistic = {"company_size": 5_000}.get(name, 12)
    return st.one_of(
        st.integers(min_value=low, max_value=max(low, realistic)),
        st.integers(min_value=low, max_value=high),
    )


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
        anywhere in their range; ordered fields take every level.

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
        )
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name in OrgProfile.model_fields:
        if name in fixed:
            value = fixed[name]
            fields[name] = value if isinstance(value, st.SearchStrategy) else st.just(value)
        elif name in ORDERED_INPUTS:
            fields[name] = st.sampled_from(list(ORDERED_INPUTS[name]))
        else:
            fields[name] = _integers(name)
    return st.builds(OrgProfile, **fields)  # shrinks and prints as OrgProfile(...)


def _units() -> st.SearchStrategy[float]:
    # Round values shrink to readable counterexamples; any float in [0, 1] is allowed too.
    return st.one_of(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), st.floats(min_value=0.0, max_value=1.0))


def _reverse(node: dict[str, Any]) -> None:
    """Turn an activation upside down in place: level tables and ramp heights run backwards."""
    if node["kind"] in {"all_of", "any_of"}:
        for term in node["of"]:
            _reverse(term)
    elif node["kind"] == "levels":
        node["values"] = dict(zip(node["values"], reversed(list(node["values"].values())), strict=True))
    else:
        heights = [y for _, y in node["points"]][::-1]
        node["points"] = [[x, y] for (x, _), y in zip(node["points"], heights, strict=True)]


def _redraw(draw: st.DrawFn, node: dict[str, Any]) -> None:
    """Replace an activation's shape in place with random breakpoints and heights."""
    if node["kind"] in {"all_of", "any_of"}:
        for term in node["of"]:
            _redraw(draw, term)
    elif node["kind"] == "levels":
        node["values"] = {level: draw(_units()) for level in node["values"]}
    else:
        low, high = NUMERIC_BOUNDS[node["input"]]
        count = len(node["points"])
        xs = draw(
            st.sets(
                st.integers(min_value=low, max_value=min(high, low + _REDRAW_SPAN)),
                min_size=count,
                max_size=count,
            )
        )
        node["points"] = [[float(x), draw(_units())] for x in sorted(xs)]


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
            _reverse(factor["activation"])
        elif mutation == "redraw":
            _redraw(draw, factor["activation"])
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
        raise ValueError(f"max_relative_change={max_relative_change!r} must be between 0 and 1")
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
