"""One place per concept: the vocabulary is declared once, and a primitive declares itself whole.

A toy ``step`` primitive, declared only here, goes through compilation, verification,
counterfactuals, descriptions and the test strategies' mutations without any other module
knowing about it; a primitive that forgets a part cannot be instantiated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pytest
from pydantic import Field

import tpm_fit
from tpm_fit import Face, Favours, OrgProfile, Primitive, RoleShape, Rulebook, Verdict
from tpm_fit._engine.kernel import ROLE_SHAPE_NAMES, VERDICT_NAMES, compile_rulebook
from tpm_fit._model.primitives import (
    PRIMITIVE_TAGS,
    PRIMITIVES,
    ActivationSource,
    DrawSource,
    Node,
    primitive_kind,
)
from tpm_fit._model.profile import DERIVED_INPUTS
from tpm_fit._model.vocab import Direction
from tpm_fit._render.recommendation import describe_activation

# -- one vocabulary ----------------------------------------------------------------------------


def test_every_verdict_has_a_code_a_headline_and_a_colour() -> None:
    assert [verdict.code for verdict in Verdict] == [0, 1, 2]
    assert tuple(verdict.value for verdict in Verdict) == VERDICT_NAMES
    assert len({verdict.headline for verdict in Verdict}) == len(Verdict)
    assert len({verdict.colour for verdict in Verdict}) == len(Verdict)
    assert all(verdict.colour.startswith("#") for verdict in Verdict)


def test_every_role_shape_and_face_maps_everywhere() -> None:
    assert tuple(shape.value for shape in RoleShape) == ROLE_SHAPE_NAMES
    assert all(shape.description for shape in RoleShape)
    for face in Face:
        assert face.coverage_field in OrgProfile.model_fields
        assert face.seat_input in DERIVED_INPUTS
        assert face.question in {"where", "why", "how"}
    assert {face.question for face in Face} == {"where", "why", "how"}
    assert DERIVED_INPUTS["role_shape"] is RoleShape


def test_signs_cover_every_member() -> None:
    assert {favours.sign for favours in Favours} == {1.0, -1.0}
    assert {direction.sign for direction in Direction} == {1.0, -1.0}


def test_batch_and_plot_vocabularies_derive_from_the_enums() -> None:
    pytest.importorskip("pandas")
    from tpm_fit._batch.decision_map import VERDICT_COLOURS
    from tpm_fit._batch.frame import ROLE_SHAPE_DTYPE, VERDICT_DTYPE

    assert list(VERDICT_DTYPE.categories) == [verdict.value for verdict in Verdict]
    assert list(ROLE_SHAPE_DTYPE.categories) == [shape.value for shape in RoleShape]
    assert {verdict.value: verdict.colour for verdict in Verdict} == VERDICT_COLOURS


def test_the_document_path_skips_every_primitive_tag() -> None:
    assert frozenset(primitive_kind(cls) for cls in PRIMITIVES) == PRIMITIVE_TAGS


# -- a primitive declares itself whole -----------------------------------------------------------


class _StepNode:
    def __init__(self, step: Step) -> None:
        name, at, below, above = step.input, float(step.at), step.below, step.above
        self.name, self.at, self.below, self.above = name, at, below, above
        self.one = lambda values: above if values[name] >= at else below

    def batch(self, columns: Mapping[str, Any]) -> Any:
        return np.where(np.asarray(columns[self.name]) >= self.at, self.above, self.below)


class Step(Primitive):
    """Toy primitive: ``below`` under ``at``, ``above`` from ``at`` on (an integer input)."""

    kind: Literal["step"] = Field(description="Discriminator.")
    input: str = Field(description="Integer input.")
    at: int = Field(description="Where the step is.")
    below: float = Field(ge=0.0, le=1.0, description="Activation below ``at``.")
    above: float = Field(ge=0.0, le=1.0, description="Activation from ``at`` on.")

    def inputs(self) -> frozenset[str]:
        return frozenset({self.input})

    def children(self) -> tuple[Primitive, ...]:
        return ()

    def breakpoints(self, name: str) -> frozenset[int]:
        return frozenset({self.at - 1, self.at}) if name == self.input else frozenset()

    def work(self) -> int:
        return 1

    def describe(self) -> str:
        return f"step({self.input} at {self.at}: {self.below:g}→{self.above:g})"

    def compile(self, terms: Sequence[Node]) -> Node:
        return _StepNode(self)

    def reversed_data(self) -> dict[str, Any]:
        return {**self.model_dump(mode="json"), "below": self.above, "above": self.below}

    def redrawn_data(self, source: DrawSource) -> dict[str, Any]:
        return {**self.model_dump(mode="json"), "below": source.unit(), "above": source.unit()}

    @classmethod
    def drawn_data(cls, source: ActivationSource) -> dict[str, Any]:
        at = source.whole_numbers(1, 300, 1)[0]
        return {"kind": "step", "input": source.integer_input(), "at": at, "below": 0.0, "above": 1.0}


# The toy is not in the rulebook format's union, so pydantic warns when it serialises it for the
# fingerprint; that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")


def _with_step(step: Step, *, weight: float) -> Rulebook:
    """The default rulebook plus one factor built on the toy primitive (bypassing the union)."""
    book = Rulebook.default()
    factor = book.factors[0].model_copy(
        update={"id": "toy_step", "title": "Toy step", "weight": weight, "activation": step}
    )
    return book.model_copy(update={"factors": (*book.factors, factor)})


def test_a_new_primitive_is_compiled_verified_and_explained_through_its_own_declaration() -> None:
    # The score drops by the toy's weight at company_size 777, breaking a declared axiom there.
    step = Step(kind="step", input="company_size", at=777, below=1.0, above=0.0)
    book = _with_step(step, weight=5.0).model_copy(
        update={
            "axioms": (
                tpm_fit.Axiom(
                    id="size_never_lowers",
                    input="company_size",
                    direction=Direction.NON_DECREASING,
                    statement="Test axiom: a larger company never lowers the score.",
                ),
            )
        }
    )
    compiled = compile_rulebook(book)
    assert {776, 777} <= compiled.breakpoints("company_size")
    report = tpm_fit.verify_rulebook(book)
    grid = {axis.input: axis.values for axis in report.grid}
    assert {776, 777} <= set(grid["company_size"])
    violation = next(v for v in report.violations if v.subject == "size_never_lowers")
    assert violation.before is not None
    assert violation.after is not None
    assert (violation.before.company_size, violation.after.company_size) == (776, 777)
    assert "toy_step" in {f.factor for f in report.factors}
    assert describe_activation(step) == "step(company_size at 777: 1→0)"


def test_counterfactuals_find_a_new_primitives_step_exactly() -> None:
    step = Step(kind="step", input="company_size", at=777, below=0.0, above=1.0)
    book = _with_step(step, weight=20.0)
    result = tpm_fit.recommend(company_size=700, product_complexity="low", rulebook=book)
    assert result.verdict is not Verdict.TECHNICAL
    change = {c.field: c for c in result.counterfactuals(rulebook=book)}["company_size"]
    assert change.proposed == 777
    assert change.verdict is Verdict.TECHNICAL


def test_the_test_strategies_mutate_a_new_primitive_through_its_declaration() -> None:
    step = Step(kind="step", input="company_size", at=10, below=0.25, above=1.0)
    assert step.reversed_data()["below"] == 1.0
    assert step.reversed_data()["above"] == 0.25

    class Halves:
        def unit(self) -> float:
            return 0.5

        def whole_numbers(self, low: int, high: int, count: int) -> list[int]:
            return list(range(low, low + count))

    assert step.redrawn_data(Halves())["below"] == 0.5


def test_the_toy_primitive_keeps_the_contract() -> None:
    # The same property test that runs for every registered primitive (test_primitive_contract).
    from test_primitive_contract import _run

    _run(Step, max_examples=20)
