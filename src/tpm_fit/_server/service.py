"""What one service process holds: settings, the rulebook and its proof, the log and the tokens."""

from __future__ import annotations

import functools
import sqlite3
import threading
from typing import TYPE_CHECKING

from .._analysis.robustness import SensitivityReport
from .._model.rulebook import Rulebook
from .._model.verification import VerificationReport
from .._records.log import DecisionLog
from .settings import ServerSettings
from .tokens import TokenStore

if TYPE_CHECKING:
    from .._analysis.robustness import Robustness
    from .._model.result import Recommendation

__all__ = ["Service"]


class Service:
    """The state shared by every request of one process (thread-safe)."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.rulebook = Rulebook.default() if settings.rulebook is None else Rulebook.load(settings.rulebook)
        self.verification: VerificationReport = self.rulebook.verify()
        self.log: DecisionLog | None = None
        self.tokens: TokenStore | None = None
        self.session_key = b""
        if settings.log is not None:
            self.tokens = TokenStore(settings.log)  # creates the log file first, if missing
            self.session_key = self.tokens.secret("session")
            self.log = DecisionLog(settings.log)
        self._lock = threading.Lock()

    @functools.cached_property
    def sensitivity(self) -> SensitivityReport:
        """The rulebook's sensitivity report, computed on first use."""
        with self._lock:
            return self.rulebook.sensitivity()

    def robustness(self, result: Recommendation) -> Robustness:
        """How firm a result's verdict is (margins exact; acceptability from sampled weights)."""
        return result.robustness(samples=self.settings.robustness_samples, rulebook=self.rulebook)

    def log_writable(self) -> bool:
        """True when the log file takes a write lock now (False without a log)."""
        if self.settings.log is None:
            return False
        try:
            conn = sqlite3.connect(self.settings.log, timeout=1.0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            finally:
                conn.close()
        except sqlite3.Error:
            return False
        return True

    def close(self) -> None:
        """Close the log."""
        if self.log is not None:
            self.log.close()
