"""Hypothesis strategies and checks for testing rulebooks (extra ``tpm-fit[testing]``).

Examples
--------
>>> from hypothesis import given
>>> from tpm_fit.testing import org_profiles
>>> @given(org_profiles(product_complexity="very_high"))
... def test_complex_products_lean_technical(profile): ...
"""

from __future__ import annotations

from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "tpm_fit.testing needs hypothesis; install it with: pip install 'tpm-fit[testing]'"
    ) from exc

from ._profile import NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile
from ._rulebook import Rulebook

__all__ = ["org_profiles", "rulebooks"]


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

    Raises
    ------
    TypeError
        A keyword that is not an ``OrgProfile`` field.
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
    return st.builds(lambda **kw: OrgProfile.model_validate(kw), **fields)


def rulebooks(
    base: Rulebook | None = None, *, max_relative_change: float = 0.5
) -> st.SearchStrategy[Rulebook]:
    """A strategy of rulebooks whose factor weights are perturbed from ``base``.

    Parameters
    ----------
    base : Rulebook, optional
        The rulebook to perturb; :meth:`Rulebook.default` when omitted.
    max_relative_change : float, default 0.5
        Each weight is multiplied by a factor drawn from
        ``[1 - max_relative_change, 1 + max_relative_change]``.
    """
    if not 0.0 <= max_relative_change <= 1.0:
        raise ValueError(f"max_relative_change={max_relative_change!r} must be between 0 and 1")
    book = base if base is not None else Rulebook.default()
    scales = st.lists(
        st.floats(min_value=1.0 - max_relative_change, max_value=1.0 + max_relative_change),
        min_size=len(book.factors),
        max_size=len(book.factors),
    )
    return scales.map(
        lambda factors: book.with_weights(
            {f.id: f.weight * scale for f, scale in zip(book.factors, factors, strict=True)}
        )
    )
