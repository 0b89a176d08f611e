"""The contract every activation primitive signs, checked for every registered one.

The verifier's proof and the counterfactual search rest on two properties of each primitive
(docs/verification.md): its scalar twin and its batch form agree bit for bit, and along every
integer input it is affine between consecutive breakpoints. One hypothesis property checks both
on random activations of each kind in ``PRIMITIVES`` (a primitive added later is checked without
a new test), alone and as a factor of a random rulebook scored both ways by the kernel; the
test-only primitives of ``broken_primitives.py`` show that a breach makes it fail.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from itertools import pairwise
from typing import Any, Literal, TypeVar

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter

import tpm_fit
from broken_primitives import MinOf, SloppyStep  # a test-only module next to this one
from tpm_fit import Rulebook
from tpm_fit._engine.kernel import compile_rulebook, encode_profile
from tpm_fit._model.loading import kind_tags
from tpm_fit._model.primitives import (
    PRIMITIVE_TAGS,
    PRIMITIVES,
    Activation,
    Primitive,
    compile_activation,
    primitive_kind,
)
from tpm_fit._model.profile import LEVEL_INPUTS, NUMERIC_BOUNDS
from tpm_fit.testing import org_profiles

#: How far from its nearest breakpoint an activation may stray from the straight line (values
#: are in [0, 1]; the lerp's rounding is a few ulps).
AFFINE_TOLERANCE = 1e-9
#: Deepest nesting of combinations in a drawn activation.
MAX_DEPTH = 2
_T = TypeVar("_T")
_ACTIVATION = TypeAdapter(Activation)


class _CannotDrawError(Exception):
    """A kind cannot be drawn here (no input left, or too deep): try another kind."""


class _Source:
    """Hypothesis draws behind ``ActivationSource``: each input is handed out once per tree."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self._draw = draw
        self._integers = list(NUMERIC_BOUNDS)
        self._levels = list(LEVEL_INPUTS)
        self._depth = 0

    def unit(self) -> float:
        value: float = self._draw(
            st.one_of(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), st.floats(min_value=0.0, max_value=1.0))
        )
        return value

    def whole_numbers(self, low: int, high: int, count: int) -> list[int]:
        drawn = self._draw(st.sets(st.integers(low, high), min_size=count, max_size=count))
        return sorted(drawn)

    def count(self, low: int, high: int) -> int:
        value: int = self._draw(st.integers(low, high))
        return value

    def integer_input(self) -> str:
        return self._take(self._integers)

    def level_input(self) -> str:
        return self._take(self._levels)

    def _take(self, free: list[str]) -> str:
        if not free:
            raise _CannotDrawError
        name: str = self._draw(st.sampled_from(free))
        free.remove(name)
        return name

    def activation(self) -> dict[str, Any]:
        if self._depth >= MAX_DEPTH:
            raise _CannotDrawError
        self._depth += 1
        try:
            for cls in self._draw(st.permutations(PRIMITIVES)):
                kept = list(self._integers), list(self._levels)
                try:
                    return cls.drawn_data(self)
                except _CannotDrawError:  # e.g. a combination too deep: its inputs go back
                    self._integers, self._levels = kept
            raise _CannotDrawError
        finally:
            self._depth -= 1


def _drawn(cls: type[Primitive], draw: Callable[[st.SearchStrategy[Any]], Any]) -> Primitive:
    """A random activation of kind ``cls``, validated as a rulebook would validate it."""
    try:
        data = cls.drawn_data(_Source(draw))
    except _CannotDrawError:
        reject()
    # A registered kind goes through the union, exactly as in a rulebook document.
    return _ACTIVATION.validate_python(data) if cls in PRIMITIVES else cls.model_validate(data)


def _bits(value: Any) -> bytes:
    return np.float64(value).tobytes()


def _scalar_and_batch_agree(primitive: Primitive, rows: list[dict[str, int]]) -> None:
    node = compile_activation(primitive)
    for integer_type in (np.int64, np.float64):  # frames give int64, the verifier's grid float64
        columns = {
            name: np.asarray(
                [row[name] for row in rows], dtype=integer_type if name in NUMERIC_BOUNDS else np.int64
            )
            for name in rows[0]
        }
        batch = node.batch(columns)
        for i, row in enumerate(rows):
            for values in (row, {name: float(value) for name, value in row.items()}):
                one = node.one(values)
                assert _bits(one) == _bits(batch[i]), (
                    f"{primitive.describe()}: scalar {one!r} != batch {float(batch[i])!r} at {row} "
                    f"({integer_type.__name__} columns)"
                )


def _off_the_line(xs: np.ndarray, values: np.ndarray, a: int, b: int) -> float:
    """How far the values strictly between positions ``a`` and ``b`` of ``xs`` stray from the
    straight line through the values at ``a`` and ``b``."""
    inner = slice(a + 1, b)
    expected = values[a] + (xs[inner] - xs[a]) / (xs[b] - xs[a]) * (values[b] - values[a])
    return float(np.max(np.abs(values[inner] - expected), initial=0.0))


def _affine_between_breakpoints(primitive: Primitive, row: dict[str, int]) -> None:
    node = compile_activation(primitive)
    for name in sorted(primitive.inputs() & NUMERIC_BOUNDS.keys()):
        low, high = NUMERIC_BOUNDS[name]
        points = sorted({low, *(p for p in primitive.breakpoints(name) if low <= p <= high)})
        end = min(high, points[-1] + 3)
        # Every whole number up to just past the last breakpoint, then a point halfway to the
        # end of the range and the end itself (one more segment: the activation must be affine
        # there too, e.g. flat).
        xs = np.asarray([*range(low, end + 1), (end + high) // 2, high], dtype=np.float64)
        columns = {key: np.full(len(xs), value) for key, value in row.items()}
        columns[name] = xs
        values = node.batch(columns)
        stops = [p - low for p in sorted({*points, end})] + [len(xs) - 1]
        for a, b in pairwise(stops):
            worst = _off_the_line(xs, values, a, b)
            assert worst <= AFFINE_TOLERANCE, (
                f"{primitive.describe()}: not affine in {name} between breakpoints {xs[a]:g} and "
                f"{xs[b]:g} (off the line by {worst:.3g}, other inputs {row}); a kink needs a breakpoint"
            )


def _with_factor(primitive: Primitive) -> Rulebook:
    """The default rulebook plus one factor built on ``primitive`` (bypassing the union)."""
    book = Rulebook.default()
    factor = book.factors[0].model_copy(
        update={"id": "contract_check", "title": "Contract check", "weight": 3.0, "activation": primitive}
    )
    return book.model_copy(update={"factors": (*book.factors, factor)})


def _kernel_twins_agree(primitive: Primitive, profiles: list[tpm_fit.OrgProfile]) -> None:
    with warnings.catch_warnings():  # an unregistered primitive serialises with a warning
        warnings.simplefilter("ignore", UserWarning)
        compiled = compile_rulebook(_with_factor(primitive))
    encoded = [encode_profile(profile) for profile in profiles]
    columns = {name: np.asarray([values[name] for values in encoded]) for name in encoded[0]}
    batch = compiled.evaluate(columns, len(encoded))
    for i, values in enumerate(encoded):
        one = compiled.evaluate_one(dict(values))
        assert _bits(one.score) == _bits(batch.score[i]), f"{primitive.describe()}: kernel score differs"
        assert [_bits(c) for c in one.contributions] == [_bits(c) for c in batch.contributions[:, i]]


def _rows(primitive: Primitive) -> st.SearchStrategy[dict[str, int]]:
    """Values of every input the activation reads: integers mostly near the breakpoints."""
    fields: dict[str, st.SearchStrategy[int]] = {}
    for name in sorted(primitive.inputs()):
        if name in NUMERIC_BOUNDS:
            low, high = NUMERIC_BOUNDS[name]
            fields[name] = st.one_of(st.integers(low, low + 320), st.integers(low, high))
        else:
            fields[name] = st.integers(0, len(LEVEL_INPUTS[name]) - 1)
    return st.fixed_dictionaries(fields)


def contract_holds(cls: type[Primitive], data: st.DataObject) -> None:
    """The contract for one random activation of kind ``cls`` (raises AssertionError if broken)."""
    primitive = _drawn(cls, data.draw)
    rows = data.draw(st.lists(_rows(primitive), min_size=1, max_size=6), label="rows")
    _scalar_and_batch_agree(primitive, rows)
    _affine_between_breakpoints(primitive, rows[0])
    profiles = data.draw(st.lists(org_profiles(), min_size=1, max_size=4), label="profiles")
    _kernel_twins_agree(primitive, profiles)


def _run(cls: type[Primitive], **options: Any) -> None:
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], **options)
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        contract_holds(cls, data)

    prop()


@pytest.mark.parametrize("cls", PRIMITIVES, ids=primitive_kind)
def test_every_registered_primitive_keeps_the_contract(cls: type[Primitive]) -> None:
    _run(cls)


#: Settings that look for one failure of a broken primitive, reproducibly, and stop there.
_FIND_ONE: dict[str, Any] = {
    "max_examples": 200,
    "derandomize": True,
    "database": None,
    "report_multiple_bugs": False,
    "phases": [Phase.explicit, Phase.generate],
}


def test_a_primitive_without_breakpoints_at_its_kinks_breaks_the_contract() -> None:
    # min(ramp(x), c) bends where the ramp crosses c: no breakpoint of its own says so.
    with pytest.raises(AssertionError, match="not affine in"):
        _run(MinOf, **_FIND_ONE)


def test_a_primitive_whose_twins_round_differently_breaks_the_contract() -> None:
    with pytest.raises(AssertionError, match=re.escape("scalar 0.3 != batch 0.30000000000000004")):
        _run(SloppyStep, **_FIND_ONE)


# -- one declaration -------------------------------------------------------------------------


def _subclasses(cls: type[_T]) -> Iterator[type[_T]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_primitive_of_the_package_is_registered_and_the_union_and_tags_follow() -> None:
    ours = [cls for cls in _subclasses(Primitive) if cls.__module__.partition(".")[0] == "tpm_fit"]
    declared = {cls for cls in ours if "kind" in cls.model_fields}
    assert declared == set(PRIMITIVES)
    assert {primitive_kind(cls) for cls in PRIMITIVES} == PRIMITIVE_TAGS
    assert kind_tags(Rulebook) == PRIMITIVE_TAGS  # document paths skip exactly these tags
    for cls in PRIMITIVES:  # the union accepts each kind, and only those
        assert primitive_kind(cls) in str(_ACTIVATION.json_schema())
    with pytest.raises(ValueError, match="min_of"):
        _ACTIVATION.validate_python({"kind": "min_of", "of": []})


def test_a_primitive_is_checked_when_its_class_is_created() -> None:
    with pytest.raises(
        TypeError, match=r"primitive Forgetful \(kind 'forgetful'\) does not declare breakpoints, drawn_data"
    ):

        class Forgetful(Primitive):  # no breakpoints(): verify() could not stay a proof
            kind: Literal["forgetful"] = Field(description="Discriminator.")

            def inputs(self) -> frozenset[str]:
                return frozenset()

            def children(self) -> tuple[Primitive, ...]:
                return ()

            def work(self) -> int:
                return 1

            def describe(self) -> str:
                return "forgetful"

            def compile(self, terms: Any) -> Any:
                raise NotImplementedError

            def reversed_data(self) -> dict[str, Any]:
                return {}

            def redrawn_data(self, source: Any) -> dict[str, Any]:
                return {}

    with pytest.raises(TypeError, match="kind must be Literal"):

        class TwoTags(MinOf):
            kind: Literal["a", "b"] = Field(description="Discriminator.")  # type: ignore[assignment]
