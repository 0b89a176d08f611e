"""The one base of tpm_fit's result models: immutable, and unknown fields refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Frozen"]


class Frozen(BaseModel):
    """A frozen pydantic model that forbids unknown fields (every result, report and record)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
