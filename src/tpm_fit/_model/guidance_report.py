"""What the guidance checks found (description only; the checks live in :mod:`tpm_fit._verify.guidance`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .frozen import Frozen as _Frozen

__all__ = ["GuidanceCheck", "GuidanceProblem", "GuidanceReport"]

GuidanceCheck = Literal[
    "section_cited",
    "competency_present",
    "anchored_levels",
    "question_pool",
    "unknown_input",
    "unknown_face",
    "unknown_competency",
]


class GuidanceProblem(_Frozen):
    """One failed guidance check, located in the guidance document."""

    check: GuidanceCheck = Field(description="Which check failed.")
    location: str = Field(description="Where in the guidance, e.g. 'qualifications[2].competency.anchors'.")
    message: str = Field(description="What is wrong and what would be valid.")


class GuidanceReport(_Frozen):
    """Outcome of the guidance checks. ``ok`` is True when nothing failed."""

    guidance_name: str = Field(description="Name of the guidance checked.")
    guidance_version: str = Field(description="Version of the guidance checked.")
    guidance_fingerprint: str = Field(description="sha256 of the guidance checked.")
    ok: bool = Field(description="True when there are no problems.")
    problems: tuple[GuidanceProblem, ...] = Field(description="Every failed check, located.")
    responsibilities: int = Field(description="Responsibilities checked.")
    qualifications: int = Field(description="Qualifications checked.")
    competencies: int = Field(description="Scorecard competencies checked.")
