"""The sentence check (stub replaced below)."""

from __future__ import annotations

from .._model.rulebook import Rulebook
from .._model.verification import SentenceCheck
from .grid import Grid


def check_sentences(rulebook: Rulebook, grid: Grid) -> SentenceCheck | None:
    return None
