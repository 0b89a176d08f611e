"""One bounded, thread-safe LRU for everything compiled from a fingerprinted document.

Equal fingerprints mean equal content, so one compiled object serves every equal document (a
rulebook, a guidance file). Weight sweeps create many rulebooks; the bound keeps memory flat.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

__all__ = ["FingerprintCache"]


class Fingerprinted(Protocol):
    """A document with a content hash."""

    @property
    def fingerprint(self) -> str:
        """sha256 of the canonical content."""


S = TypeVar("S", bound=Fingerprinted)
T = TypeVar("T")


class FingerprintCache(Generic[S, T]):
    """The compiled form of documents, built on first use and kept for the ``size`` latest."""

    def __init__(self, size: int, build: Callable[[S], T]) -> None:
        self._size = size
        self._build = build
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def compiled(self, source: S) -> T:
        """The compiled form of ``source`` (built outside the lock: building may take a while)."""
        key = source.fingerprint
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        built = self._build(source)
        with self._lock:
            found = self._items.setdefault(key, built)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
            return found

    def get(self, fingerprint: str) -> T | None:
        """The compiled form kept for this fingerprint, if any."""
        with self._lock:
            return self._items.get(fingerprint)
