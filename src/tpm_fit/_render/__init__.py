"""Rendering in one place: every result in text, Markdown, HTML, CSV and JSON.

One module per kind of object (:mod:`.recommendation`, :mod:`.brief`, :mod:`.panel`,
:mod:`.verification`, :mod:`.sensitivity`, :mod:`.robustness`, :mod:`.records`, :mod:`.tables`
for rulebooks, :mod:`.sweep`), each registering its renderers in :mod:`.registry` under
(kind, format); a kind's module is imported on its first rendering. The models' convenience
methods (``explain()``, ``to_markdown()``, ``_repr_html_``, ``to_text()``) import this package
when called.
"""

from __future__ import annotations

from typing import Any

from .dispatch import formats_of
from .dispatch import render as _render
from .registry import FORMATS

__all__ = ["FORMATS", "render", "render_formats"]


def render(obj: object, format: str = "text", **options: Any) -> str:
    """Render a result of tpm_fit in one of the formats its kind supports.

    Parameters
    ----------
    obj : object
        The object to render: a Recommendation, RoleBrief, PanelSummary, VerificationReport,
        SensitivityReport, Robustness, Replay, ChainReport, LoggedDecision, Review, LogHead,
        Counterfactual or Rulebook.
    format : {"text", "markdown", "html", "csv", "json"}, default "text"
        The output format. Most kinds support all five; :func:`tpm_fit.render_formats` says
        which a given object supports (a RoleBrief adds ``"jsonld"``, a Rulebook ``"toml"``).
    **options
        Passed to the renderer: ``top`` (reasons per side) for a Recommendation or a
        LoggedDecision in text and Markdown.

    Returns
    -------
    str
        The rendering, without a trailing newline (a brief's Markdown ends with one). CSV has a
        header row and ``\\n`` line ends; JSON uses the model's own field names, so
        ``type(obj).model_validate_json`` reads it back.

    Raises
    ------
    TypeError
        ``obj`` is not an object tpm_fit renders; the message lists the kinds that are.
    InvalidArgumentError
        ``format`` is not available for this kind; the message names the kind and the valid
        formats (a ``ValueError`` and a ``TpmFitError``). Also an option this rendering does
        not take (``top`` in HTML, which shows the whole trace).

    Examples
    --------
    >>> import tpm_fit
    >>> result = tpm_fit.recommend(company_size=40, product_complexity="high")
    >>> tpm_fit.render(result, "csv").splitlines()[0]
    'factor,title,favours,weight,activation,contribution,section,reason'
    >>> tpm_fit.render(result, "text") == result.explain()
    True
    """
    return _render(obj, format, **options)


def render_formats(obj: object) -> tuple[str, ...]:
    """The formats :func:`tpm_fit.render` accepts for ``obj``.

    Parameters
    ----------
    obj : object
        Any object; one that tpm_fit does not render has none.

    Returns
    -------
    tuple of str
        In the order ``text``, ``markdown``, ``html``, ``csv``, ``json`` (then any extra format
        of the kind), or ``()``.
    """
    return formats_of(obj)
