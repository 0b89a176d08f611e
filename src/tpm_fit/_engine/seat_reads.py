"""Which profile inputs the seat reads: declared once, for the seat and everything that explains it.

The seat (:mod:`tpm_fit._engine.seat`) decides from the headcount, the PM team, the product's
complexity and who covers each face. The statements, their sentence check and the result builder
need the same facts (which inputs a derived input rests on, which are the size and team that the
split reads) without importing the seat, which imports them.
"""

from __future__ import annotations

from typing import Final

from .._model.vocab import FACES

__all__ = ["COVERAGE_READS", "DERIVED_READS", "SEAT_READS", "SPLIT_READS"]

#: Who covers each face, in the article's order of the faces.
COVERAGE_READS: Final = tuple(face.coverage_field for face in FACES)
#: The inputs the split into specialist seats reads: headcount, then the PMs on staff.
SPLIT_READS: Final = ("company_size", "product_team_size")
#: Every input the seat reads, in the order its batch code unpacks them.
SEAT_READS: Final = (*SPLIT_READS, "product_complexity", *COVERAGE_READS)
#: The profile inputs each derived input of the seat rests on.
DERIVED_READS: Final[dict[str, tuple[str, ...]]] = {
    "role_shape": SPLIT_READS,
    "hire_needed": (SPLIT_READS[0], *COVERAGE_READS),
    **dict.fromkeys((face.seat_input for face in FACES), SEAT_READS),
}
