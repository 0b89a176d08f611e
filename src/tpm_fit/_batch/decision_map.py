"""Where the decision flips: verdicts (or scores) over two inputs, as a table and as a plot.

Both functions take scored scenarios: the profile columns joined with the columns that
:func:`~tpm_fit.recommend_many` adds, e.g. ``grid.join(tpm_fit.recommend_many(grid))``.
matplotlib is imported only by :func:`plot_decision_map` (extra ``tpm-fit[plot]``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Final

import numpy as np
import pandas as pd

from .._batch.frame import LEVEL_DTYPES
from .._engine.kernel import INPUT_NAMES, VERDICT_NAMES
from .._errors import ProfileFrameError, short
from .._model.profile import ORDERED_INPUTS
from .._model.suggest import did_you_mean
from .._model.vocab import Verdict

__all__ = ["decision_map", "plot_decision_map"]

#: Verdict colours: traditional and technical at the two ends, "either" neutral in between.
VERDICT_COLOURS: Final = {verdict.value: verdict.colour for verdict in Verdict}

AggFunc = str | Callable[..., Any]


def _sorted_axis(values: pd.Series[Any], name: str) -> list[Any]:
    """Distinct values of an axis in reading order: level order for ordered inputs, else sorted."""
    present = pd.unique(values.dropna())
    if name in ORDERED_INPUTS:
        levels = list(LEVEL_DTYPES[name].categories)
        as_text = {str(v) for v in present}
        return [level for level in levels if level in as_text]
    return sorted(present.tolist())


def _check_columns(results: pd.DataFrame, *, x: str, y: str, values: str) -> None:
    """Two different axes, and every named column present."""
    if x == y:
        raise ProfileFrameError(f"y={short(y)}: the same column as x; valid: two different columns")
    missing = [
        (arg, name) for arg, name in (("x", x), ("y", y), ("values", values)) if name not in results.columns
    ]
    if missing:
        arg, name = missing[0]
        known = [str(column) for column in results.columns]
        raise ProfileFrameError(
            f"{arg}={short(name)}: not a column of the frame{did_you_mean(name, known)}; valid: a column "
            "of the scenarios joined with their results, e.g. grid.join(tpm_fit.recommend_many(grid)) "
            f"(columns: {short(known)})",
            column=name,
        )


def _refuse_shared_cells(results: pd.DataFrame, *, x: str, y: str) -> None:
    """Several scenarios fall in one cell and nothing says how to combine them: name the cause."""
    varying = [
        name
        for name in INPUT_NAMES
        if name in results.columns and name not in (x, y) and len(pd.unique(results[name])) > 1
    ]
    verb = "varies" if len(varying) == 1 else "vary"
    because = f" because {', '.join(varying)} also {verb}" if varying else ""
    raise ProfileFrameError(
        f"several scenarios share an ({x}, {y}) cell{because}; filter the frame to one value of "
        "the other inputs, or pass aggfunc= to combine them",
        column=varying[0] if varying else None,
    )


def decision_map(
    results: pd.DataFrame,
    /,
    *,
    x: str = "company_size",
    y: str = "product_complexity",
    values: str = "verdict",
    aggfunc: AggFunc | None = None,
) -> pd.DataFrame:
    """A pivot of verdicts (or scores) over two inputs: where does the answer flip?

    Parameters
    ----------
    results : pandas.DataFrame
        Scored scenarios: profile columns and result columns side by side, e.g.
        ``grid.join(tpm_fit.recommend_many(grid))``.
    x : str, default "company_size"
        Column whose values become the map's columns.
    y : str, default "product_complexity"
        Column whose values become the map's rows.
    values : str, default "verdict"
        Column to show in the cells: ``"verdict"``, ``"score"``, ``"role_shape"``,
        ``"hire_needed"``, any ``seat.<face>``, ``risk.<risk_id>`` or ``contribution.<factor_id>``,
        or ``"margin"`` / ``"margin_factor"`` (from ``recommend_many(..., margins=True)``) to find
        the fragile regions.
    aggfunc : str or callable, optional
        How to combine several scenarios that fall in one cell because other inputs vary too
        (e.g. ``"mean"`` for scores). Without it, such a frame is refused: filter it first.

    Returns
    -------
    pandas.DataFrame
        Rows are the ``y`` values, columns the ``x`` values, both in reading order (levels
        lowest first, numbers ascending). Cells without a scenario (or whose scenario could
        not be scored) are missing. Verdicts come back as strings.

    Raises
    ------
    ProfileFrameError
        A named column is missing, ``x`` equals ``y``, or cells hold several scenarios and
        no ``aggfunc`` is given.

    Examples
    --------
    >>> import tpm_fit
    >>> grid = tpm_fit.scenario_grid(  # one PM already covers strategy and marketing
    ...     company_size=[10, 1000],
    ...     product_complexity=["low", "high", "very_high"],
    ...     strategy_coverage=1,
    ...     marketing_coverage=1,
    ...     product_team_size=1,
    ... )
    >>> tpm_fit.decision_map(grid.join(tpm_fit.recommend_many(grid)))  # doctest: +NORMALIZE_WHITESPACE
    company_size             10         1000
    product_complexity
    low                    either  technical
    high                technical  technical
    very_high           technical  technical
    """
    _check_columns(results, x=x, y=y, values=values)
    data = results[[y, x, values]]
    cells = data[[y, x]].astype(object)
    if aggfunc is None and cells.duplicated().any():
        _refuse_shared_cells(results, x=x, y=y)
    cell_values = data[values]
    if isinstance(cell_values.dtype, pd.CategoricalDtype):
        cell_values = cell_values.astype(object)  # plain strings in the cells; NaN stays missing
    flat = pd.DataFrame({y: cells[y].to_numpy(), x: cells[x].to_numpy(), values: cell_values.to_numpy()})
    # Without aggfunc every cell holds at most one scenario (checked above): "first" just picks it.
    how: Any = "first" if aggfunc is None else aggfunc
    table = flat.pivot_table(index=y, columns=x, values=values, aggfunc=how, dropna=False)
    table = table.reindex(index=_sorted_axis(data[y], y), columns=_sorted_axis(data[x], x))
    table.index.name, table.columns.name = y, x
    return table


def _import_pyplot() -> Any:
    try:
        return import_module("matplotlib.pyplot")
    except ImportError as exc:
        raise ImportError(
            "plot_decision_map() needs matplotlib; install it with: pip install 'tpm-fit[plot]'"
        ) from exc


def _edges(positions: np.ndarray[Any, np.dtype[np.float64]], *, log: bool) -> np.ndarray[Any, Any]:
    """Cell edges around sorted centres: midpoints (geometric on a log axis), ends mirrored."""
    centres = np.log(positions) if log else positions
    if centres.size == 1:
        half = 0.5 if not log else np.log(2.0) / 2
        inner = np.array([centres[0] - half, centres[0] + half])
    else:
        mids = (centres[1:] + centres[:-1]) / 2
        inner = np.concatenate(
            [[centres[0] - (mids[0] - centres[0])], mids, [centres[-1] + (centres[-1] - mids[-1])]]
        )
    return np.exp(inner) if log else inner


def _axis_layout(labels: list[Any], name: str, log: bool | None) -> tuple[np.ndarray[Any, Any], bool, bool]:
    """Edges for one axis, whether it is numeric, and whether it is log-scaled."""
    numeric = name not in ORDERED_INPUTS and all(
        isinstance(v, int | float | np.integer | np.floating) for v in labels
    )
    if not numeric:
        return np.arange(len(labels) + 1, dtype=np.float64) - 0.5, False, False
    positions = np.asarray(labels, dtype=np.float64)
    use_log = (name == "company_size") if log is None else log
    use_log = use_log and bool((positions > 0).all())
    return _edges(positions, log=use_log), True, use_log


@dataclass(frozen=True)
class _PlotAxis:
    """One axis of the plot: its name, labels, cell edges, and whether it is numeric and log-scaled."""

    name: str
    labels: list[Any]
    edges: np.ndarray[Any, Any]
    numeric: bool
    log: bool

    @classmethod
    def of(cls, labels: list[Any], name: str, log: bool | None) -> _PlotAxis:
        edges, numeric, use_log = _axis_layout(labels, name, log)
        return cls(name=name, labels=labels, edges=edges, numeric=numeric, log=use_log)


@dataclass(frozen=True)
class _Canvas:
    """Where the cells are drawn: pyplot, the axes, and the cell edges along x and y."""

    plt: Any
    ax: Any
    x_edges: np.ndarray[Any, Any]
    y_edges: np.ndarray[Any, Any]


def _draw_margins(canvas: _Canvas, table: pd.DataFrame) -> None:
    """Margins: 0 = fragile (dark); inf = no single weight flips it (light grey)."""
    colors = import_module("matplotlib.colors")
    grid = table.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = grid[np.isfinite(grid)]
    top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    shown = np.ma.masked_invalid(np.where(np.isposinf(grid), 2.0 * top, grid))
    cmap = canvas.plt.get_cmap("magma").with_extremes(over="#e8e8e8")
    mesh = canvas.ax.pcolormesh(
        canvas.x_edges, canvas.y_edges, shown, cmap=cmap, norm=colors.Normalize(vmin=0.0, vmax=top)
    )
    canvas.ax.figure.colorbar(mesh, ax=canvas.ax, extend="max", label="margin (weight change to flip)")


def _draw_scale(canvas: _Canvas, table: pd.DataFrame, values: str) -> None:
    """Numbers (scores, contributions): a diverging scale centred on zero, with a colour bar."""
    colors = import_module("matplotlib.colors")
    grid = table.to_numpy(dtype=np.float64, na_value=np.nan)
    bound = float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0
    mesh = canvas.ax.pcolormesh(
        canvas.x_edges,
        canvas.y_edges,
        np.ma.masked_invalid(grid),
        cmap="RdBu_r",
        norm=colors.Normalize(vmin=-bound or -1.0, vmax=bound or 1.0),
    )
    canvas.ax.figure.colorbar(mesh, ax=canvas.ax, label=f"{values} (positive favours a technical PM)")


def _categories_and_palette(canvas: _Canvas, table: pd.DataFrame, values: str) -> tuple[list[str], list[Any]]:
    """Verdicts in their own order and colours; other labels sorted, in tab10 colours."""
    if values == "verdict":
        categories = list(VERDICT_NAMES)
        return categories, [VERDICT_COLOURS[c] for c in categories]
    categories = sorted({str(v) for v in table.to_numpy().ravel() if pd.notna(v)})
    return categories, [canvas.plt.get_cmap("tab10")(i % 10) for i in range(len(categories))]


def _draw_categories(canvas: _Canvas, table: pd.DataFrame, values: str) -> None:
    """Labels (verdicts, role shapes, faces): one colour each, with a legend."""
    colors = import_module("matplotlib.colors")
    patches = import_module("matplotlib.patches")
    categories, palette = _categories_and_palette(canvas, table, values)
    codes = pd.DataFrame(table).apply(
        lambda column: pd.Categorical(column.astype(object), categories=categories).codes
    )
    grid = np.ma.masked_less(codes.to_numpy(dtype=np.int64), 0)
    canvas.ax.pcolormesh(
        canvas.x_edges,
        canvas.y_edges,
        grid,
        cmap=colors.ListedColormap(palette),
        norm=colors.BoundaryNorm(np.arange(len(categories) + 1) - 0.5, len(categories)),
    )
    handles = [
        patches.Patch(facecolor=colour, label=c) for c, colour in zip(categories, palette, strict=True)
    ]
    canvas.ax.legend(
        handles=handles, title=values, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
    )


def _label_axis(ax: Any, axis: Any, layout: _PlotAxis) -> None:
    """Scale, ticks and label of one axis (``axis`` is ``ax.xaxis`` or ``ax.yaxis``)."""
    ticker = import_module("matplotlib.ticker")
    labels = layout.labels
    if layout.log:
        (ax.set_xscale if axis is ax.xaxis else ax.set_yscale)("log")
        axis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        axis.set_minor_formatter(ticker.NullFormatter())
    if not layout.numeric:
        axis.set_ticks(np.arange(len(labels)), [str(label) for label in labels])
    elif not layout.log and len(labels) <= 15:  # a few counts (coverage, team size): label each one
        axis.set_ticks(np.asarray(labels, dtype=np.float64), [f"{label:,}" for label in labels])
    label = layout.name.replace("_", " ") + (" (log scale)" if layout.log else "")
    (ax.set_xlabel if axis is ax.xaxis else ax.set_ylabel)(label)


def plot_decision_map(
    results: pd.DataFrame,
    /,
    *,
    x: str = "company_size",
    y: str = "product_complexity",
    values: str = "verdict",
    aggfunc: AggFunc | None = None,
    ax: Any = None,
    log_x: bool | None = None,
    log_y: bool | None = None,
    title: str | None = None,
) -> Any:
    """Draw :func:`decision_map` as coloured cells: one colour per verdict, or a score scale.

    Needs matplotlib (``pip install 'tpm-fit[plot]'``).

    Parameters
    ----------
    results : pandas.DataFrame
        Scored scenarios, as for :func:`decision_map`.
    x, y, values, aggfunc
        As for :func:`decision_map`. Numeric ``values`` (scores, contributions) use a
        diverging colour scale centred on zero, with a colour bar.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    log_x, log_y : bool, optional
        Log-scale a numeric axis. By default only ``company_size`` is log-scaled, since
        companies of 5 and of 50,000 people belong on one readable axis.
    title : str, optional
        Axes title; a description of the map when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` is the figure).

    Raises
    ------
    ImportError
        matplotlib is not installed.
    ProfileFrameError
        As for :func:`decision_map`.
    """
    plt = _import_pyplot()
    table = decision_map(results, x=x, y=y, values=values, aggfunc=aggfunc)
    if ax is None:
        _, ax = plt.subplots(
            figsize=(max(5.0, 0.3 * table.shape[1] + 3.0), max(3.0, 0.45 * table.shape[0] + 1.5))
        )
    x_axis = _PlotAxis.of(table.columns.tolist(), x, log_x)
    y_axis = _PlotAxis.of(table.index.tolist(), y, log_y)
    canvas = _Canvas(plt=plt, ax=ax, x_edges=x_axis.edges, y_edges=y_axis.edges)
    numeric_values = pd.api.types.is_numeric_dtype(results[values]) and not isinstance(
        results[values].dtype, pd.CategoricalDtype
    )
    if values == "margin":
        _draw_margins(canvas, table)
    elif numeric_values:
        _draw_scale(canvas, table, values)
    else:
        _draw_categories(canvas, table, values)
    _label_axis(ax, ax.xaxis, x_axis)
    _label_axis(ax, ax.yaxis, y_axis)
    ax.set_title(
        title
        if title is not None
        else f"{values.replace('_', ' ')} by {x.replace('_', ' ')} and {y.replace('_', ' ')}"
    )
    return ax
