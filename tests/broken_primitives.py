"""Test-only primitives that break the contract, to show that its property test catches them.

Never registered in :data:`tpm_fit._model.primitives.PRIMITIVES`: the tests hand them to the
contract's property directly (and to a rulebook through ``model_copy``, bypassing the union).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from tpm_fit._model.primitives import (
    Activation,
    ActivationSource,
    DrawSource,
    Node,
    Primitive,
    primitive_kind,
)


class _MinOfNode:
    """The smallest of the terms: exact in both twins (``min`` rounds nothing)."""

    def __init__(self, terms: Sequence[Node]) -> None:
        self.terms = tuple(terms)
        ones = tuple(term.one for term in terms)
        self.one = lambda values: min(term(values) for term in ones)

    def batch(self, columns: Mapping[str, NDArray[Any]]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = np.minimum.reduce([term.batch(columns) for term in self.terms])
        return out


class MinOf(Primitive):
    """Fuzzy AND as the minimum of the terms, with the bug the design review found: its
    breakpoints are only the terms' own, not the points where one term overtakes another, so it
    is not affine between its breakpoints and the verifier's grid would miss its kinks."""

    kind: Literal["min_of"] = Field(description="Discriminator: the smallest of the terms.")
    of: tuple[Activation, ...] = Field(min_length=2, description="The activations compared.")

    def inputs(self) -> frozenset[str]:
        return frozenset().union(*(term.inputs() for term in self.of))

    def children(self) -> tuple[Primitive, ...]:
        return tuple(self.of)

    def breakpoints(self, name: str) -> frozenset[int]:
        return frozenset().union(*(term.breakpoints(name) for term in self.of))  # kinks missing

    def work(self) -> int:
        return sum(term.work() for term in self.of)

    def describe(self) -> str:
        return "min of (" + "; ".join(term.describe() for term in self.of) + ")"

    def compile(self, terms: Sequence[Node]) -> Node:
        return _MinOfNode(terms)

    def reversed_data(self) -> dict[str, Any]:
        return {"kind": "min_of", "of": [term.reversed_data() for term in self.of]}

    def redrawn_data(self, source: DrawSource) -> dict[str, Any]:
        return {"kind": "min_of", "of": [term.redrawn_data(source) for term in self.of]}

    @classmethod
    def drawn_data(cls, source: ActivationSource) -> dict[str, Any]:
        return {"kind": primitive_kind(cls), "of": [source.activation(), source.activation()]}


class _StepNode:
    """A step whose two twins round differently: the batch twin adds 0.1 three times."""

    def __init__(self, step: SloppyStep) -> None:
        name, at = step.input, float(step.at)
        self.name, self.at = name, at
        self.one = lambda values: 0.3 if values[name] >= at else 0.0

    def batch(self, columns: Mapping[str, NDArray[Any]]) -> NDArray[np.float64]:
        x = np.asarray(columns[self.name], dtype=np.float64)
        return np.where(x >= self.at, 0.1 + 0.1 + 0.1, 0.0)  # 0.30000000000000004


class SloppyStep(Primitive):
    """A step with breakpoints at the step, whose scalar and batch twins disagree in the last bit."""

    kind: Literal["sloppy_step"] = Field(description="Discriminator.")
    input: str = Field(description="Integer input.")
    at: int = Field(description="Where the step is.")

    def inputs(self) -> frozenset[str]:
        return frozenset({self.input})

    def children(self) -> tuple[Primitive, ...]:
        return ()

    def breakpoints(self, name: str) -> frozenset[int]:
        return frozenset({self.at - 1, self.at}) if name == self.input else frozenset()

    def work(self) -> int:
        return 1

    def describe(self) -> str:
        return f"sloppy step({self.input} at {self.at})"

    def compile(self, terms: Sequence[Node]) -> Node:
        return _StepNode(self)

    def reversed_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def redrawn_data(self, source: DrawSource) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def drawn_data(cls, source: ActivationSource) -> dict[str, Any]:
        name = source.integer_input()
        return {"kind": "sloppy_step", "input": name, "at": source.whole_numbers(2, 40, 1)[0]}
