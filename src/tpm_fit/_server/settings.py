"""How one service is configured: the log, the rulebook and the request bounds."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final

from .._errors import TpmFitError

__all__ = ["ENVIRONMENT", "ServerSettings"]

MIB: Final = 1 << 20

#: Environment variables read by :meth:`ServerSettings.from_environment` (how ``tpm-fit serve``
#: passes its options to each worker process).
ENVIRONMENT: Final = {
    "log": "TPM_FIT_LOG",
    "rulebook": "TPM_FIT_RULEBOOK",
    "max_body_bytes": "TPM_FIT_MAX_BODY_BYTES",
    "max_batch_bytes": "TPM_FIT_MAX_BATCH_BYTES",
    "max_batch_items": "TPM_FIT_MAX_BATCH_ITEMS",
}


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Options of one service.

    Parameters
    ----------
    log : str, optional
        The decision log file. With one, every recommendation is recorded and the API needs tokens;
        without one, the service only computes (no token needed, nothing stored).
    rulebook : str, optional
        A TOML rulebook; the built-in one when omitted.
    max_body_bytes : int, default 1 MiB
        Largest request body, except for batches.
    max_batch_bytes : int, default 16 MiB
        Largest batch body.
    max_batch_items : int, default 10,000
        Most profiles in one batch.
    robustness_samples : int, default 1,000
        Weight vectors sampled for each result's acceptability shares.
    """

    log: str | None = None
    rulebook: str | None = None
    max_body_bytes: int = MIB
    max_batch_bytes: int = 16 * MIB
    max_batch_items: int = 10_000
    robustness_samples: int = 1_000

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.startswith(("max_", "robustness")) and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1
            ):
                raise TpmFitError(f"{item.name}={value!r}: not a positive integer; valid: 1 or more")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        """Settings from ``TPM_FIT_*`` variables (see :data:`ENVIRONMENT`)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, variable in ENVIRONMENT.items():
            text = env.get(variable)
            if text is None or text == "":
                continue
            if name.startswith("max_"):
                try:
                    values[name] = int(text)
                except ValueError:
                    raise TpmFitError(f"{variable}={text!r}: not an integer; valid: 1 or more") from None
            else:
                values[name] = text
        return cls(**values)  # type: ignore[arg-type]

    def to_environment(self) -> dict[str, str]:
        """The variables that :meth:`from_environment` reads back to these settings."""
        return {
            variable: str(getattr(self, name))
            for name, variable in ENVIRONMENT.items()
            if getattr(self, name) is not None
        }
