"""The head of a decision log's chain: how many entries it has and the hash of the last one.

A hash chain proves that no entry was edited *inside* the chain, but a log whose tail was
rewritten, shortened, emptied or truncated is still a valid chain. Keeping the head somewhere
else (a ticket, a second log, a CI artefact) and passing it back to
:meth:`~tpm_fit.DecisionLog.check` closes that gap. See ``docs/records.md``.
"""

from __future__ import annotations

import re
from typing import Final, Self

from pydantic import BaseModel, ConfigDict, Field

from .._errors import short
from .models import GENESIS_HASH, DecisionLogError

__all__ = ["LogHead"]

_TEXT: Final = re.compile(r"([0-9]{1,18}):([0-9a-f]{64})")


class LogHead(BaseModel):
    """Entry count and last ``record_hash`` of a log: ``str(head)`` is ``"<entries>:<hash>"``.

    Examples
    --------
    >>> head = LogHead.parse("2:" + "ab" * 32)
    >>> head.entries, str(head) == "2:" + "ab" * 32
    (2, True)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    entries: int = Field(ge=0, le=10**18, description="Entries (records plus reviews) in the chain.")
    head_hash: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="record_hash of the last entry (64 zeros for an empty log).",
    )

    def __str__(self) -> str:
        return f"{self.entries}:{self.head_hash}"

    @classmethod
    def parse(cls, value: LogHead | str) -> Self:
        """A head from its text form ``<entries>:<hash>`` (what ``tpm-fit log head`` prints).

        Raises
        ------
        DecisionLogError
            The text is not of that form.
        """
        if isinstance(value, cls):
            return value
        match = _TEXT.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise DecisionLogError(
                f"expected_head={short(value)}: not a log head; valid: <entries>:<64 hex digits>, "
                "as printed by `tpm-fit log head` or str(DecisionLog.head())"
            )
        entries, head_hash = int(match.group(1)), match.group(2)
        if (entries == 0) != (head_hash == GENESIS_HASH):
            raise DecisionLogError(
                f"expected_head={short(value)}: an empty log has the hash of 64 zeros and only it; "
                "valid: a head as printed by `tpm-fit log head`"
            )
        return cls(entries=entries, head_hash=head_hash)
