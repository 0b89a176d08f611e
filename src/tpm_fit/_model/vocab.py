"""One vocabulary: verdicts, role shapes, faces and the other closed sets of names.

Everything that depends on one of these sets (kernel codes, headlines, colours, level tables,
dtypes) is derived from the enum here, through properties that dispatch with an exhaustive
``match`` so that ``mypy --strict`` names any member a mapping forgets.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Final, assert_never

__all__ = [
    "Direction",
    "Face",
    "Favours",
    "OrderedLevel",
    "Presence",
    "RoleShape",
    "Verdict",
    "check_hire_follows_seat",
    "plain_words",
]


class OrderedLevel(StrEnum):
    """A str enum whose members are ordered by declaration (lowest first).

    The kernel reads such a value as its :attr:`rank`; level tables in a rulebook list one
    activation per member.
    """

    @property
    def rank(self) -> int:
        """Position of the level, 0 for the lowest."""
        return _rank(self)

    @property
    def words(self) -> str:
        """The level in plain words for people (``very high`` for ``very_high``); JSON and
        the command line's flags keep :attr:`value`."""
        return self.value.replace("_", " ")


def plain_words(value: object) -> str:
    """A value as people read it: a level name's underscores as spaces (``very_high`` ->
    ``very high``); any other value as ``str`` gives it."""
    return value.words if isinstance(value, OrderedLevel) else str(value)


def _rank(member: OrderedLevel) -> int:
    return list(type(member)).index(member)


class Verdict(OrderedLevel):
    """Which background the seat calls for: ``traditional``, ``either`` or ``technical``.

    Members are declared in score order, so ``rank`` is the kernel's verdict code
    (0 traditional, 1 either, 2 technical).
    """

    TRADITIONAL = "traditional"
    EITHER = "either"
    TECHNICAL = "technical"

    @property
    def code(self) -> int:
        """The kernel's code for this verdict (0, 1 or 2)."""
        return self.rank

    @property
    def headline(self) -> str:
        """One sentence that states the verdict for a reader."""
        match self:
            case Verdict.TECHNICAL:
                return "Hire a technical PM (engineering background)."
            case Verdict.TRADITIONAL:
                return "Hire a traditional PM (business background)."
            case Verdict.EITHER:
                return "Either background can work; weigh the candidates themselves."
            case _:
                assert_never(self)

    @property
    def colour(self) -> str:
        """Colour of the verdict in decision-map plots (a hex RGB string)."""
        match self:
            case Verdict.TECHNICAL:
                return "#e1812c"
            case Verdict.TRADITIONAL:
                return "#3b75af"
            case Verdict.EITHER:
                return "#d9d9d9"
            case _:
                assert_never(self)


class RoleShape(OrderedLevel):
    """``generalist``: the hire wears every open hat; ``specialist``: the hire owns one face."""

    GENERALIST = "generalist"
    SPECIALIST = "specialist"

    @property
    def code(self) -> int:
        """The kernel's code for this shape (0 generalist, 1 specialist)."""
        return self.rank

    @property
    def description(self) -> str:
        """What the shape means for the seat, in a few words."""
        match self:
            case RoleShape.GENERALIST:
                return "one person wears every open hat"
            case RoleShape.SPECIALIST:
                return "the faces are split between people; the hire owns one"
            case _:
                assert_never(self)


class Face(StrEnum):
    """The three faces of product management, in the article's order."""

    STRATEGY = "strategy"
    MARKETING = "marketing"
    TECHNICAL = "technical"

    @property
    def coverage_field(self) -> str:
        """The :class:`~tpm_fit.OrgProfile` field counting the people who already cover it."""
        return f"{self.value}_coverage"

    @property
    def seat_input(self) -> str:
        """The derived input a rulebook reads to ask whether the seat holds this face."""
        return f"seat_{self.value}"

    @property
    def question(self) -> str:
        """The question the face answers (where, why or how)."""
        match self:
            case Face.STRATEGY:
                return "where"
            case Face.MARKETING:
                return "why"
            case Face.TECHNICAL:
                return "how"
            case _:
                assert_never(self)

    @property
    def is_business(self) -> bool:
        """True for strategy and marketing, the faces a business background serves."""
        return self is not Face.TECHNICAL


class Presence(OrderedLevel):
    """Levels of a yes/no derived input, such as whether the seat holds a face."""

    NO = "no"
    YES = "yes"


class Favours(StrEnum):
    """Which hire a factor argues for when it fires."""

    TECHNICAL = "technical"
    TRADITIONAL = "traditional"

    @property
    def sign(self) -> float:
        """The sign of the factor's contribution (+1.0 for technical, -1.0 for traditional)."""
        match self:
            case Favours.TECHNICAL:
                return 1.0
            case Favours.TRADITIONAL:
                return -1.0
            case _:
                assert_never(self)


class Direction(StrEnum):
    """Direction of a monotonicity axiom: how the score may move as the input increases."""

    NON_DECREASING = "non_decreasing"
    NON_INCREASING = "non_increasing"

    @property
    def sign(self) -> float:
        """The promised sign of a score change (+1.0 for non-decreasing, -1.0 for non-increasing)."""
        match self:
            case Direction.NON_DECREASING:
                return 1.0
            case Direction.NON_INCREASING:
                return -1.0
            case _:
                assert_never(self)


#: Faces in the article's order.
FACES: Final = tuple(Face)


def check_hire_follows_seat(hire_needed: bool, seat: Collection[Face]) -> None:
    """Stage one's rule tying its outputs together: a hire is needed exactly when the seat holds
    a face. Raises ``ValueError`` (inside a model validator: a ``ValidationError``) otherwise."""
    if hire_needed != bool(seat):
        raise ValueError(
            f"hire_needed={hire_needed}: contradicts seat={[face.value for face in seat]}; "
            "hire_needed is True exactly when the seat holds a face"
        )
