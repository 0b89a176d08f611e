"""Finding the renderer of an object: its kind (a class name along its hierarchy), the kind's
module loaded on first use, and the refusal of a kind or format the registry does not have.

Apart from :mod:`.registry` so that the renderer modules, which import the registry to register
themselves, are never imported by a module they import.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from .._errors import InvalidArgumentError, short
from .registry import FORMATS, KINDS, RENDERERS

__all__ = ["formats_of", "kind_of", "render"]


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
    found = [fmt for known, fmt in RENDERERS if known == kind]
    return tuple(sorted(found, key=lambda fmt: (FORMATS.index(fmt) if fmt in FORMATS else len(FORMATS), fmt)))


def render(obj: object, format: str = "text", **options: Any) -> str:
    """``obj`` rendered in ``format``; see :func:`tpm_fit.render` for the parameters.

    Raises
    ------
    TypeError
        ``obj`` is not a kind of object the registry renders (the message lists the kinds).
    InvalidArgumentError
        ``format`` is not available for this kind (the message lists the valid formats), or an
        option is not one of this rendering's (the message lists those that are).
    """
    kind = kind_of(obj)
    if kind is None:
        raise TypeError(
            f"obj={short(obj)}: a {type(obj).__name__}, which tpm_fit does not render; "
            f"valid: one of {', '.join(KINDS)}"
        )
    _load(kind)
    renderer = RENDERERS.get((kind, format))
    if renderer is None:
        raise InvalidArgumentError(
            f"format={short(format)}: not available for a {kind}; valid: {', '.join(formats_of(obj))}"
        )
    accepted = list(inspect.signature(renderer).parameters)[1:] if options else []
    for name in options:
        if name not in accepted:
            raise InvalidArgumentError(
                f"{name}={short(options[name])}: not an option of a {kind} in {format}; "
                f"valid: {', '.join(accepted) or 'no options'}"
            )
    return renderer(obj, **options)
