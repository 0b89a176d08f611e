"""Activation primitives: each one declares, in one class, everything the rest of tpm_fit needs.

A primitive is a pydantic model (its TOML form) *and* the description every consumer reads:

- :meth:`~Primitive.inputs` and :meth:`~Primitive.children`: what it reads and what it combines;
- :meth:`~Primitive.breakpoints`: the whole numbers at which it may bend or step on an integer
  input (the verifier's grid and the counterfactual search are built from these);
- :meth:`~Primitive.describe`: how it reads in words;
- :meth:`~Primitive.compile`: its evaluator, a node with a numpy ``batch`` method and a scalar
  ``one`` twin that performs the *same floating-point operations in the same order*;
- :meth:`~Primitive.reversed_data` and :meth:`~Primitive.redrawn_data`: how the hypothesis
  strategies in :mod:`tpm_fit.testing` turn it upside down or redraw it;
- :meth:`~Primitive.drawn_data`: a random activation of its kind, from which the contract's
  property test (``tests/test_primitive_contract.py``) draws.

Every method is abstract on :class:`Primitive`, and a class that declares a ``kind`` is checked
when it is created: one that forgets a part, or whose ``kind`` is not one string tag, raises
``TypeError`` at import, and ``mypy --strict`` reports it as an abstract class. The contract the
verifier's proof rests on (scalar and batch agree bit for bit; the activation is affine between
consecutive breakpoints) is checked by one property test over every registered primitive.

:data:`PRIMITIVES` is the one declaration of which primitives a rulebook may use: the
``Activation`` union and :data:`PRIMITIVE_TAGS` derive from it. Nothing outside this module
inspects a primitive's concrete type.
"""

from __future__ import annotations

import math
import operator
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from functools import reduce
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, Protocol, Self, TypeAlias, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .loading import LocatedError, short
from .profile import LEVEL_INPUTS, NUMERIC_BOUNDS

__all__ = [
    "PRIMITIVES",
    "PRIMITIVE_TAGS",
    "Activation",
    "ActivationSource",
    "AllOf",
    "AnyOf",
    "DrawSource",
    "Levels",
    "Node",
    "Primitive",
    "Ramp",
    "primitive_kind",
]

MAX_RAMP_POINTS: Final = 64
MAX_COMBINATION_TERMS: Final = 16
MAX_NESTING: Final = 6

_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_Unit = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]

Float = NDArray[np.float64]
Columns = Mapping[str, NDArray[Any]]
One = Callable[[Mapping[str, float]], float]


class Node(Protocol):
    """A compiled activation: a numpy evaluator and its bit-identical scalar twin."""

    @property
    def one(self) -> One:
        """Scalar twin: a closure specialised for the node's shape (recommend()'s hot path)."""

    def batch(self, columns: Columns) -> Float:
        """Activation for every row of ``columns``; a fresh array the caller may overwrite."""


class DrawSource(Protocol):
    """Where :meth:`Primitive.redrawn_data` gets random values (hypothesis draws, in testing)."""

    def unit(self) -> float:
        """A number from 0 to 1."""

    def whole_numbers(self, low: int, high: int, count: int) -> list[int]:
        """``count`` distinct whole numbers from ``low`` to ``high``, sorted."""


class ActivationSource(DrawSource, Protocol):
    """Where :meth:`Primitive.drawn_data` gets random choices (the contract's property test).

    One source draws one activation tree: it hands out each input at most once, so the terms of
    a combination never share an input.
    """

    def integer_input(self) -> str:
        """An integer input not yet read by the activation being drawn."""

    def level_input(self) -> str:
        """An ordered or derived input not yet read by the activation being drawn."""

    def count(self, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high``."""

    def activation(self) -> dict[str, Any]:
        """TOML data of a random activation of any registered kind (a combination's term)."""


class Primitive(BaseModel, ABC):
    """Base of every activation primitive: a value from 0 to 1 computed from the inputs.

    A subclass that declares a ``kind`` field is a primitive and must declare every part; one
    without ``kind`` is an abstract base shared by primitives (it may leave parts abstract).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # pydantic's class-creation hook (``__init_subclass__`` runs before the fields and the
        # abstract methods are known): check the declaration once, at import.
        super().__pydantic_init_subclass__(**kwargs)
        missing = sorted(cls.__abstractmethods__)
        kind = cls.model_fields.get("kind")
        if kind is None:
            if not missing:
                raise TypeError(f"primitive {cls.__name__}: declares no kind (kind: Literal['<tag>'])")
            return  # an abstract base of primitives
        tags = get_args(kind.annotation)
        if len(tags) != 1 or not isinstance(tags[0], str):
            raise TypeError(
                f"primitive {cls.__name__}: kind must be Literal['<tag>'] with one tag, not {tags}"
            )
        if missing:
            raise TypeError(
                f"primitive {cls.__name__} (kind {tags[0]!r}) does not declare {', '.join(missing)}; "
                "every part of Primitive is required (see docs/architecture.md)"
            )

    @abstractmethod
    def inputs(self) -> frozenset[str]:
        """Inputs the activation reads, anywhere in its tree."""

    @abstractmethod
    def children(self) -> tuple[Primitive, ...]:
        """The activations this one combines (empty for a leaf)."""

    @abstractmethod
    def breakpoints(self, name: str) -> frozenset[int]:
        """Whole numbers where the activation may bend or step along integer input ``name``.

        Between two consecutive breakpoints (of every primitive reading ``name``) the activation
        must be affine in ``name``; the verifier's proof and the counterfactual search rely on it.
        """

    @abstractmethod
    def work(self) -> int:
        """Evaluation terms per profile (bounds the verifier's work before it runs)."""

    @abstractmethod
    def describe(self) -> str:
        """A compact description in words, e.g. ``ramp(company_size: 10→1, 150→0)``."""

    @abstractmethod
    def compile(self, terms: Sequence[Node]) -> Node:
        """The evaluator, given the compiled ``children()`` in order."""

    @abstractmethod
    def reversed_data(self) -> dict[str, Any]:
        """TOML data of the activation turned upside down (it then argues the other way)."""

    @abstractmethod
    def redrawn_data(self, source: DrawSource) -> dict[str, Any]:
        """TOML data of an activation of the same kind and inputs with a random shape."""

    @classmethod
    @abstractmethod
    def drawn_data(cls, source: ActivationSource) -> dict[str, Any]:
        """TOML data of a random activation of this kind (inputs, shape and terms all drawn)."""


def primitive_kind(cls: type[Primitive]) -> str:
    """The ``kind`` tag that selects a primitive class in a rulebook document."""
    (tag,) = get_args(cls.model_fields["kind"].annotation)
    return str(tag)


# -- leaves -----------------------------------------------------------------------------------


class Ramp(Primitive):
    """Piecewise-linear activation over one integer input, flat beyond the end points.

    ``points`` are ``[x, y]`` pairs with strictly increasing whole-number ``x`` inside the
    input's range and ``y`` between 0 and 1.
    """

    kind: Literal["ramp"] = Field(description="Discriminator: a piecewise-linear ramp.")
    input: str = Field(description=f"Integer input the ramp reads: one of {sorted(NUMERIC_BOUNDS)}.")
    points: tuple[tuple[_Number, _Unit], ...] = Field(
        min_length=2,
        max_length=MAX_RAMP_POINTS,
        description="Breakpoints as [x, y] pairs; x strictly increasing whole numbers, y in [0, 1].",
    )

    @field_validator("input")
    @classmethod
    def _known_input(cls, value: str) -> str:
        if value not in NUMERIC_BOUNDS:
            raise ValueError(
                f"input={short(value)}: not an integer input; valid: {', '.join(sorted(NUMERIC_BOUNDS))}"
            )
        return value

    @model_validator(mode="after")
    def _increasing_whole_numbers(self) -> Self:
        low, high = NUMERIC_BOUNDS[self.input]
        xs = [x for x, _ in self.points]
        for i, x in enumerate(xs):
            if not math.isfinite(x) or x != int(x) or not low <= x <= high:
                raise LocatedError(
                    f"x={x!r}: not a whole number in the range of {self.input}; "
                    f"a whole number from {low} to {high}",
                    f"points[{i}][0]",
                )
        for i in range(1, len(xs)):
            if xs[i] <= xs[i - 1]:
                raise LocatedError(
                    f"x={xs[i]:g}: not greater than points[{i - 1}] x={xs[i - 1]:g}; "
                    "breakpoints must be strictly increasing",
                    f"points[{i}][0]",
                )
        return self

    def inputs(self) -> frozenset[str]:
        return frozenset({self.input})

    def children(self) -> tuple[Primitive, ...]:
        return ()

    def breakpoints(self, name: str) -> frozenset[int]:
        return frozenset(int(x) for x, _ in self.points) if name == self.input else frozenset()

    def work(self) -> int:
        return len(self.points)

    def describe(self) -> str:
        points = ", ".join(f"{_g(x)}→{_g(y)}" for x, y in self.points)
        return f"ramp({self.input}: {points})"

    def compile(self, terms: Sequence[Node]) -> Node:
        return _RampNode(self)

    def reversed_data(self) -> dict[str, Any]:
        heights = [y for _, y in self.points][::-1]
        points = [[x, y] for (x, _), y in zip(self.points, heights, strict=True)]
        return {"kind": "ramp", "input": self.input, "points": points}

    def redrawn_data(self, source: DrawSource) -> dict[str, Any]:
        return _ramp_data(self.input, len(self.points), source)

    @classmethod
    def drawn_data(cls, source: ActivationSource) -> dict[str, Any]:
        return _ramp_data(source.integer_input(), source.count(2, 6), source)


def _ramp_data(name: str, count: int, source: DrawSource) -> dict[str, Any]:
    """A ramp over ``name`` with ``count`` random points near the start of the input's range."""
    low, high = NUMERIC_BOUNDS[name]
    xs = source.whole_numbers(low, min(high, low + _REDRAW_SPAN), count)
    return {"kind": "ramp", "input": name, "points": [[float(x), source.unit()] for x in xs]}


#: Redrawn ramps put their breakpoints near the start of the input's range.
_REDRAW_SPAN: Final = 300


class Levels(Primitive):
    """Activation looked up from a table over the levels of one ordered or derived input."""

    kind: Literal["levels"] = Field(description="Discriminator: a table of values per level.")
    input: str = Field(
        description=f"Ordered or derived input the table reads: one of {sorted(LEVEL_INPUTS)}."
    )
    values: dict[str, _Unit] = Field(
        description="Activation for every level of the input, each between 0 and 1.",
    )

    @field_validator("input")
    @classmethod
    def _known_input(cls, value: str) -> str:
        if value not in LEVEL_INPUTS:
            raise ValueError(
                f"input={short(value)}: not an ordered or derived input; "
                f"valid: {', '.join(sorted(LEVEL_INPUTS))}"
            )
        return value

    @model_validator(mode="after")
    def _every_level(self) -> Self:
        levels = [level.value for level in LEVEL_INPUTS[self.input]]
        unknown = sorted(set(self.values) - set(levels))
        missing = [level for level in levels if level not in self.values]
        if unknown or missing:
            raise LocatedError(
                f"values for {self.input} must give exactly the levels {levels}; "
                + (f"unknown {short(unknown)} " if unknown else "")
                + (f"missing {missing}" if missing else ""),
                "values",
            )
        # Store in level order so that dumps and fingerprints are canonical.
        object.__setattr__(self, "values", {level: self.values[level] for level in levels})
        return self

    def inputs(self) -> frozenset[str]:
        return frozenset({self.input})

    def children(self) -> tuple[Primitive, ...]:
        return ()

    def breakpoints(self, name: str) -> frozenset[int]:
        return frozenset()  # ordered and derived inputs are enumerated level by level

    def work(self) -> int:
        return 1

    def describe(self) -> str:
        levels = ", ".join(f"{level} {_g(value)}" for level, value in self.values.items())
        return f"levels({self.input}: {levels})"

    def compile(self, terms: Sequence[Node]) -> Node:
        return _LevelsNode(self)

    def reversed_data(self) -> dict[str, Any]:
        values = dict(zip(self.values, reversed(list(self.values.values())), strict=True))
        return {"kind": "levels", "input": self.input, "values": values}

    def redrawn_data(self, source: DrawSource) -> dict[str, Any]:
        return {"kind": "levels", "input": self.input, "values": {k: source.unit() for k in self.values}}

    @classmethod
    def drawn_data(cls, source: ActivationSource) -> dict[str, Any]:
        name = source.level_input()
        return {
            "kind": "levels",
            "input": name,
            "values": {k.value: source.unit() for k in LEVEL_INPUTS[name]},
        }


# -- combinations -----------------------------------------------------------------------------


class _Combination(Primitive):
    of: tuple[Activation, ...] = Field(
        min_length=2,
        max_length=MAX_COMBINATION_TERMS,
        description="The activations combined; each input may appear in at most one of them.",
    )

    @model_validator(mode="after")
    def _distinct_inputs(self) -> Self:
        seen: set[str] = set()
        for i, term in enumerate(self.of):
            inputs = term.inputs()
            shared = seen & inputs
            if shared:
                raise LocatedError(
                    f"reads {sorted(shared)} again: each input may appear in only one "
                    "term of a combination (this keeps the score multilinear, see docs/verification.md)",
                    f"of[{i}]",
                )
            seen |= inputs
        if _depth(self) > MAX_NESTING:
            raise ValueError(f"combinations may nest at most {MAX_NESTING} deep")
        return self

    def inputs(self) -> frozenset[str]:
        return frozenset().union(*(term.inputs() for term in self.of))

    def children(self) -> tuple[Primitive, ...]:
        return tuple(self.of)

    def breakpoints(self, name: str) -> frozenset[int]:
        return frozenset().union(*(term.breakpoints(name) for term in self.of))

    def work(self) -> int:
        return sum(term.work() for term in self.of)

    def reversed_data(self) -> dict[str, Any]:
        return {"kind": primitive_kind(type(self)), "of": [term.reversed_data() for term in self.of]}

    def redrawn_data(self, source: DrawSource) -> dict[str, Any]:
        return {"kind": primitive_kind(type(self)), "of": [term.redrawn_data(source) for term in self.of]}

    @classmethod
    def drawn_data(cls, source: ActivationSource) -> dict[str, Any]:
        return {"kind": primitive_kind(cls), "of": [source.activation() for _ in range(source.count(2, 3))]}


class AllOf(_Combination):
    """Fuzzy AND: the product of the terms' activations (1 only when every term is 1)."""

    kind: Literal["all_of"] = Field(description="Discriminator: product of the terms.")

    def describe(self) -> str:
        return " × ".join(term.describe() for term in self.of)

    def compile(self, terms: Sequence[Node]) -> Node:
        return _AllOfNode(terms)


class AnyOf(_Combination):
    """Fuzzy OR: ``1 - prod(1 - a)`` over the terms (0 only when every term is 0)."""

    kind: Literal["any_of"] = Field(description="Discriminator: probabilistic sum of the terms.")

    def describe(self) -> str:
        return "any of (" + "; ".join(term.describe() for term in self.of) + ")"

    def compile(self, terms: Sequence[Node]) -> Node:
        return _AnyOfNode(terms)


#: Every primitive a rulebook may use: the one declaration. Adding a class here is the whole
#: change; the ``Activation`` union and the tags below derive from it.
PRIMITIVES: Final[tuple[type[Primitive], ...]] = (Ramp, Levels, AllOf, AnyOf)

#: Discriminator tags of the primitives (a rulebook document's ``kind`` values).
PRIMITIVE_TAGS: Final = frozenset(primitive_kind(cls) for cls in PRIMITIVES)

if TYPE_CHECKING:  # for type checkers every activation is a Primitive
    Activation: TypeAlias = Primitive
else:  # for pydantic, the tagged union of PRIMITIVES
    Activation = Annotated[reduce(operator.or_, PRIMITIVES), Field(discriminator="kind")]

AllOf.model_rebuild()
AnyOf.model_rebuild()


def _g(value: float) -> str:
    """``value`` in ``g`` format, never ``-0``."""
    return f"{value + 0.0:g}"


def _depth(node: Primitive) -> int:
    children = node.children()
    return 1 + max(_depth(term) for term in children) if children else 0


def compile_activation(node: Primitive) -> Node:
    """Compile an activation tree bottom-up through each primitive's :meth:`~Primitive.compile`."""
    return node.compile([compile_activation(term) for term in node.children()])


def walk(node: Primitive) -> list[Primitive]:
    """Every primitive in an activation tree, the root first (depth first)."""
    out = [node]
    for term in node.children():
        out.extend(walk(term))
    return out


# -- evaluators -------------------------------------------------------------------------------
# The batch methods work in place where they can (sweeps score millions of rows): every
# ``batch`` returns a fresh array that its caller may overwrite. In-place forms keep the scalar
# twin's operations per element; where operands are swapped (``a * w`` for ``w * a``), IEEE-754
# multiplication and addition are commutative, so the results stay bit-identical.


class _RampNode:
    __slots__ = ("dx", "inner", "input", "one", "xs", "ys")

    def __init__(self, ramp: Ramp) -> None:
        self.input = name = ramp.input
        self.xs = xs = tuple(float(x) for x, _ in ramp.points)
        self.ys = ys = tuple(float(y) for _, y in ramp.points)
        self.dx = dxs = tuple(b - a for a, b in pairwise(xs))
        self.inner = inner = xs[1:-1]  # breakpoints that select a segment
        lo, hi = xs[0], xs[-1]

        if len(xs) == 2:
            x0, dx, y0, y1 = xs[0], dxs[0], ys[0], ys[1]

            def one(values: Mapping[str, float]) -> float:
                x = values[name]
                x = lo if x < lo else hi if x > hi else x  # == np.clip(x, lo, hi)
                t = (x - x0) / dx
                # Lerp in this form gives exactly y0 at t=0 and y1 at t=1.
                return y0 * (1.0 - t) + y1 * t

        else:

            def one(values: Mapping[str, float]) -> float:
                x = values[name]
                x = lo if x < lo else hi if x > hi else x
                j = bisect_right(inner, x)
                t = (x - xs[j]) / dxs[j]
                return ys[j] * (1.0 - t) + ys[j + 1] * t

        self.one: One = one

    def domain(self) -> dict[str, tuple[int, int]] | None:
        """Whole numbers of the input outside which the ramp is flat (what a table must cover)."""
        return {self.input: (int(self.xs[0]), int(self.xs[-1]))}

    def batch(self, columns: Columns) -> Float:
        x: Float = np.clip(columns[self.input], self.xs[0], self.xs[-1], dtype=np.float64)
        if len(self.xs) == 2:
            return self._segment(x, 0, x)
        if len(self.dx) > 4:  # many segments: one gather beats one pass per segment
            seg = np.searchsorted(np.asarray(self.inner), x, side="right")
            xs, ys, dx = np.asarray(self.xs), np.asarray(self.ys), np.asarray(self.dx)
            t = (x - xs[seg]) / dx[seg]
            return ys[seg] * (1.0 - t) + ys[seg + 1] * t  # type: ignore[no-any-return]
        # Evaluate every segment over all rows and keep, per row, the one bisect_right selects:
        # the last segment whose left breakpoint is <= x. Cheaper than searchsorted + gathers.
        out = self._segment(x, 0, np.empty_like(x))
        piece = np.empty_like(x)
        for j in range(1, len(self.dx)):
            np.copyto(out, self._segment(x, j, piece), where=x >= self.inner[j - 1])
        return out

    def _segment(self, x: Float, j: int, out: Float) -> Float:
        """``ys[j] * (1 - t) + ys[j + 1] * t`` with ``t = (x - xs[j]) / dx[j]``, into ``out``."""
        t = np.subtract(x, self.xs[j], out=out)
        np.divide(t, self.dx[j], out=t)
        rest = np.subtract(1.0, t)
        np.multiply(rest, self.ys[j], out=rest)
        np.multiply(t, self.ys[j + 1], out=t)
        return np.add(rest, t, out=t)


class _LevelsNode:
    __slots__ = ("input", "one", "table")

    def __init__(self, levels: Levels) -> None:
        self.input = name = levels.input
        table = tuple(levels.values.values())  # level order, lowest first
        self.table = np.asarray(table, dtype=np.float64)
        self.one: One = lambda values: table[int(values[name])]

    def domain(self) -> dict[str, tuple[int, int]] | None:
        """Codes of the levels the table reads."""
        return {self.input: (0, len(self.table) - 1)}

    def batch(self, columns: Columns) -> Float:
        return self.table.take(columns[self.input])  # faster than fancy indexing for small codes


def _terms_domain(terms: Sequence[Node]) -> dict[str, tuple[int, int]] | None:
    """The domains of a combination's terms together, or None if a term has none (no table)."""
    out: dict[str, tuple[int, int]] = {}
    for term in terms:
        found = getattr(term, "domain", None)
        part = found() if found is not None else None
        if part is None:
            return None
        out.update(part)
    return out


class _AllOfNode:
    """Product of the terms, left to right."""

    __slots__ = ("one", "terms")

    def __init__(self, terms: Sequence[Node]) -> None:
        self.terms = tuple(terms)
        ones = tuple(term.one for term in terms)

        def one(values: Mapping[str, float]) -> float:
            out = ones[0](values)
            for term in ones[1:]:
                out = out * term(values)
            return out

        def one_of_two(values: Mapping[str, float]) -> float:
            return first(values) * second(values)

        first, second = ones[0], ones[1]
        self.one: One = one_of_two if len(ones) == 2 else one

    def domain(self) -> dict[str, tuple[int, int]] | None:
        """The terms' domains together (each input appears in one term only), or None."""
        return _terms_domain(self.terms)

    def batch(self, columns: Columns) -> Float:
        out = self.terms[0].batch(columns)  # a fresh array: safe to multiply into
        for term in self.terms[1:]:
            out *= term.batch(columns)
        return out

    @staticmethod
    def combine(values: Sequence[Float]) -> Float:
        """The product of the terms' evaluated ``values``, without writing to any of them.

        The kernel's plan uses it for activations shared between factors (evaluated once).
        """
        out = np.multiply(values[0], values[1])
        for value in values[2:]:
            out *= value
        return out


class _AnyOfNode:
    """``1 - prod(1 - a)`` over the terms, left to right."""

    __slots__ = ("one", "terms")

    def __init__(self, terms: Sequence[Node]) -> None:
        self.terms = tuple(terms)
        ones = tuple(term.one for term in terms)

        def one(values: Mapping[str, float]) -> float:
            rest = 1.0 - ones[0](values)
            for term in ones[1:]:
                rest = rest * (1.0 - term(values))
            return 1.0 - rest

        self.one: One = one

    def domain(self) -> dict[str, tuple[int, int]] | None:
        """The terms' domains together (each input appears in one term only), or None."""
        return _terms_domain(self.terms)

    def batch(self, columns: Columns) -> Float:
        rest = np.subtract(1.0, self.terms[0].batch(columns))
        for term in self.terms[1:]:
            value = term.batch(columns)
            rest *= np.subtract(1.0, value, out=value)
        return np.subtract(1.0, rest, out=rest)

    @staticmethod
    def combine(values: Sequence[Float]) -> Float:
        """``1 - prod(1 - a)`` of the terms' evaluated ``values``, without writing to any of them."""
        rest = np.subtract(1.0, values[0])
        scratch = np.empty_like(rest)
        for value in values[1:]:
            rest *= np.subtract(1.0, value, out=scratch)
        return np.subtract(1.0, rest, out=rest)
