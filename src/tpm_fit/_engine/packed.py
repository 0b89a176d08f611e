"""Byte columns packed as records, so that one gather fetches all of them.

A lookup table with several one-byte outputs (verdict codes, flags, the seat's derived inputs)
is stored as one record per entry; a batch then takes whole records with one gather instead of
one gather per column, and reads each column back as a strided view of the records (no copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["pack", "unpack"]


def pack(columns: Sequence[NDArray[Any]]) -> NDArray[Any]:
    """``k`` one-byte columns of ``m`` entries as ``m`` records (``k`` rounded up to 8 bytes).

    Eight-byte records are ``uint64`` (numpy's fastest gather); wider ones are raw bytes.
    """
    k, m = len(columns), len(columns[0])
    width = max(8, -(-k // 8) * 8)
    table = np.zeros((m, width), dtype=np.int8)
    for j, column in enumerate(columns):
        table[:, j] = np.asarray(column).view(np.int8)
    kind = np.dtype(np.uint64) if width == 8 else np.dtype((np.void, width))
    return table.view(kind).reshape(m)


def unpack(records: NDArray[Any], k: int) -> NDArray[np.int8]:
    """The ``(k, n)`` one-byte columns of ``n`` packed records, as views of them."""
    n = len(records)
    view: NDArray[np.int8] = records.view(np.int8).reshape(n, records.dtype.itemsize)[:, :k].T
    return view
