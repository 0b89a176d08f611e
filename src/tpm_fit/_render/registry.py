"""The one registry of renderers, keyed by (kind of object, format).

Each renderer module of this package registers its functions with :func:`renders`; the kinds are
the result models' class names (``Recommendation``, ``RoleBrief``, ...), matched along the
object's class hierarchy, and :data:`KINDS` names the module that renders each, imported on
first use. Nothing here imports a model: a model's convenience method
(``explain()``, ``to_markdown()``, ``_repr_html_``, ``to_text()``) calls :func:`render` with
itself, and the declarations stay free of presentation (as cattrs keeps formats out of its
data classes).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Final, Literal

from .._errors import InvalidArgumentError, short

__all__ = ["FORMATS", "KINDS", "Format", "formats_of", "kind_of", "render", "renders"]

#: The formats every command and :func:`render` speak, in the order help texts list them.
FORMATS: Final = ("text", "markdown", "html", "csv", "json")
Format = Literal["text", "markdown", "html", "csv", "json", "jsonld", "toml"]

Renderer = Callable[..., str]

#: (kind, format) -> renderer; filled by each renderer module when it is first imported.
_RENDERERS: dict[tuple[str, str], Renderer] = {}

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
        if (kind, format) in _RENDERERS:
            raise RuntimeError(f"two renderers for ({kind!r}, {format!r})")
        _RENDERERS[(kind, format)] = function
        return function

    return register


def kind_of(obj: object) -> str | None:
    """The kind of ``obj``: its class's name or the nearest tpm_fit base class's, else None."""
    for cls in type(obj).__mro__:
        if cls.__name__ in KINDS and cls.__module__.startswith("tpm_fit"):
            return cls.__name__
    return None


def _load(kind: str) -> None:
    importlib.import_module(f"{__package__}.{KINDS[kind]}")


def formats_of(obj: object) -> tuple[str, ...]:
    """The formats ``obj`` can be rendered in (empty when it is not a kind the registry knows)."""
    kind = kind_of(obj)
    if kind is None:
        return ()
    _load(kind)
    found = [fmt for known, fmt in _RENDERERS if known == kind]
    return tuple(sorted(found, key=lambda fmt: (FORMATS.index(fmt) if fmt in FORMATS else len(FORMATS), fmt)))


def render(obj: object, format: str = "text", **options: Any) -> str:
    """``obj`` rendered in ``format``; see :func:`tpm_fit.render` for the parameters.

    Raises
    ------
    TypeError
        ``obj`` is not a kind of object the registry renders (the message lists the kinds).
    InvalidArgumentError
        ``format`` is not available for this kind (the message lists the valid formats).
    """
    kind = kind_of(obj)
    if kind is None:
        raise TypeError(
            f"obj={short(obj)}: a {type(obj).__name__}, which tpm_fit does not render; "
            f"valid: one of {', '.join(KINDS)}"
        )
    _load(kind)
    renderer = _RENDERERS.get((kind, format))
    if renderer is None:
        raise InvalidArgumentError(
            f"format={short(format)}: not available for a {kind}; valid: {', '.join(formats_of(obj))}"
        )
    return renderer(obj, **options)
