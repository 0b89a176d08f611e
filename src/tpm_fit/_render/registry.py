"""The one registry of renderers, keyed by (kind of object, format).

Each renderer module of this package registers its functions with :func:`renders`; the kinds are
the result models' class names (``Recommendation``, ``RoleBrief``, ...), matched along the
object's class hierarchy, and :data:`KINDS` names the module that renders each, which
:mod:`.dispatch` imports on first use. Nothing here imports a model: a model's convenience
method (``explain()``, ``to_markdown()``, ``_repr_html_``, ``to_text()``) calls
:func:`tpm_fit._render.render` with itself, and the declarations stay free of presentation (as
cattrs keeps formats out of its data classes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal

__all__ = ["FORMATS", "KINDS", "RENDERERS", "Format", "renders"]

#: The formats every command and :func:`render` speak, in the order help texts list them.
FORMATS: Final = ("text", "markdown", "html", "csv", "json")
Format = Literal["text", "markdown", "html", "csv", "json", "jsonld", "toml"]

Renderer = Callable[..., str]

#: (kind, format) -> renderer; filled by each renderer module when it is first imported.
RENDERERS: dict[tuple[str, str], Renderer] = {}

#: Each kind and the module of this package that registers its renderers, imported on the first
#: rendering of that kind (so ``explain()`` loads the recommendation's renderers, not the log's).
KINDS: Final = {
    "Recommendation": "recommendation",
    "Counterfactual": "recommendation",
    "Robustness": "robustness",
    "RoleBrief": "brief",
    "PanelSummary": "panel",
    "VerificationReport": "verification",
    "SensitivityReport": "sensitivity",
    "Rulebook": "tables",
    "ChainReport": "records",
    "Replay": "records",
    "LoggedDecision": "records",
    "Review": "records",
    "LogHead": "records",
}


def renders(kind: str, format: str) -> Callable[[Renderer], Renderer]:
    """Register the decorated function as the renderer of ``kind`` (a class name) in ``format``."""

    def register(function: Renderer) -> Renderer:
        if (kind, format) in RENDERERS:
            raise RuntimeError(f"two renderers for ({kind!r}, {format!r})")
        RENDERERS[(kind, format)] = function
        return function

    return register
