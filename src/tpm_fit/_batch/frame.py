"""Score many profiles at once: a DataFrame of profiles in, a DataFrame of results out.

:func:`recommend_many` is a thin wrapper around the kernel, like :func:`~tpm_fit.recommend`:
it validates and encodes whole columns (:mod:`.encode`), calls the same
:class:`~tpm_fit._engine.kernel.CompiledRulebook` evaluation and shapes a frame. No Python code
runs once per row on the normal path. :func:`scenario_grid` lives in :mod:`.grid` and is
importable from here.

Importing this module imports pandas and registers the ``DataFrame.tpm_fit`` accessor
(:mod:`.accessor`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

try:
    import pandas as pd
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "recommend_many and scenario_grid need pandas; install it with: pip install 'tpm-fit[pandas]'"
    ) from exc

from .._engine.kernel import (
    ROLE_SHAPE_NAMES,
    VERDICT_NAMES,
    BatchEvaluation,
    CompiledRulebook,
    compile_rulebook,
)
from .._engine.seat import OPEN_SEATS, WARNINGS
from .._engine.statements import statements_of
from .._errors import short
from .._model.primitives import compile_activation
from .._model.profile import OrgProfile
from .._model.rulebook import Rulebook, as_rulebook
from .._model.vocab import FACES
from .accessor import ProfileFrameAccessor as ProfileFrameAccessor  # importing it registers it
from .encode import (
    CONTRIBUTION_PREFIX,
    RISK_PREFIX,
    SEAT_PREFIX,
    WARNING_PREFIX,
    ExtraColumns,
    _check_columns,
    _Encoded,
    _error_column,
    _frame_error,
    encode_frame,
)
from .encode import LEVEL_DTYPES as LEVEL_DTYPES  # re-exported: decision_map.py imports it from here
from .encode import RESULT_COLUMNS as RESULT_COLUMNS  # re-exported with the column prefixes
from .scenario_grid import DEFAULT_MAX_ROWS, scenario_grid

__all__ = ["DEFAULT_MAX_ROWS", "ProfileFrameAccessor", "recommend_many", "scenario_grid"]

Errors = Literal["raise", "coerce"]
_ERRORS_VALUES: Final = ("raise", "coerce")

#: Verdicts are ordered like scores: a higher score never gives a lower verdict.
VERDICT_DTYPE: Final = pd.CategoricalDtype(list(VERDICT_NAMES), ordered=True)
ROLE_SHAPE_DTYPE: Final = pd.CategoricalDtype(list(ROLE_SHAPE_NAMES), ordered=False)
#: Orders of open seats as text ("technical,strategy"; "" for none), by the seat stage's codes.
OPEN_SEATS_DTYPE: Final = pd.CategoricalDtype(
    [",".join(face.value for face in order) for order in OPEN_SEATS], ordered=False
)
# pandas 3 has a dedicated string dtype whose missing value is NaN; pandas 2 keeps str in object.
_STR_DTYPE: Final[Any] = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


# -- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scored:
    """The kernel's outputs for encoded columns, with bad rows marked."""

    evaluation: BatchEvaluation
    role_shapes: NDArray[np.int8]
    verdicts: NDArray[np.int8]
    bad: NDArray[np.bool_]


def run_kernel(
    compiled: CompiledRulebook, encoded: _Encoded, *, threads: int = 1, margins: bool = False
) -> _Scored:
    """Call the kernel on encoded columns (on ``threads`` threads); bad rows come out missing.

    With ``margins``, the kernel also gathers each row's margin and margin factor when it reads
    a table (:func:`_margin_tables`); otherwise :func:`_margin_columns` computes them.
    """
    gather = _margin_tables(compiled, encoded) if margins else ()
    evaluation = compiled.evaluate(encoded.columns, encoded.n, threads=threads, gather=gather)
    verdicts, role_shapes = evaluation.verdict_codes, evaluation.derived["role_shape"]
    bad = encoded.bad if encoded.bad is not None else np.zeros(encoded.n, dtype=bool)
    # No -0.0 to clean up for CSVs: the kernel adds 0.0 to every contribution (both twins), and
    # a sum that starts at 0.0 is never -0.0.
    if encoded.bad is not None:
        evaluation.contributions[:, bad] = np.nan
        evaluation.score[bad] = np.nan
        verdicts[bad] = -1
        role_shapes = role_shapes.copy()
        role_shapes[bad] = -1
    return _Scored(evaluation, role_shapes, verdicts, bad)


def _flags(values: NDArray[Any], bad: NDArray[np.bool_]) -> pd.arrays.BooleanArray:
    """A nullable boolean column without copying ``values`` (missing for bad rows)."""
    return pd.arrays.BooleanArray(values.view(np.bool_) if values.dtype != np.bool_ else values, bad)


def result_frame(
    compiled: CompiledRulebook,
    scored: _Scored,
    index: pd.Index[Any],
    *,
    errors: NDArray[np.object_] | None,
    margins: bool = False,
    columns: Mapping[str, NDArray[Any]] | None = None,
    given: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Shape the kernel's outputs as the result frame, without copying the float columns.

    ``columns`` (the encoded profile columns) add the ``warning.<id>`` flags, and ``given`` (the
    profile fields the frame has) the ``assumed`` column.
    """
    evaluation = scored.evaluation
    data: dict[str, Any] = {
        # The kernel's codes are in range by construction (-1 for bad rows): no validation pass.
        "verdict": pd.Categorical.from_codes(scored.verdicts, dtype=VERDICT_DTYPE, validate=False),
        "score": evaluation.score,
        "role_shape": pd.Categorical.from_codes(scored.role_shapes, dtype=ROLE_SHAPE_DTYPE, validate=False),
        "hire_needed": _flags(evaluation.derived["hire_needed"], scored.bad),
    }
    for face in FACES:
        data[SEAT_PREFIX + face.value] = _flags(evaluation.derived[face.seat_input], scored.bad)
    data.update(_plan_columns(compiled, scored, columns, given))
    for risk, flags in zip(compiled.rulebook.risks, evaluation.risks, strict=True):
        data[RISK_PREFIX + risk.id] = _flags(flags, scored.bad)
    for factor_id, row in zip(compiled.factor_ids, evaluation.contributions, strict=True):
        data[CONTRIBUTION_PREFIX + factor_id] = row
    if margins:
        data.update(_margin_columns(compiled, scored))
    if errors is not None:
        data["error"] = pd.Series(errors, index=index, dtype=_STR_DTYPE, copy=False)
    return _frame_of(data, index)


def _plan_columns(
    compiled: CompiledRulebook,
    scored: _Scored,
    columns: Mapping[str, NDArray[Any]] | None,
    given: Sequence[str] | None,
) -> dict[str, Any]:
    """``open_seats``, and with the inputs ``assumed`` and one ``warning.<id>`` per warning."""
    evaluation, bad = scored.evaluation, scored.bad
    out: dict[str, Any] = {}
    codes = evaluation.derived.get("open_seats")
    if codes is not None:
        if bad.any():
            codes = np.where(bad, np.int8(-1), codes)
        out["open_seats"] = pd.Categorical.from_codes(codes, dtype=OPEN_SEATS_DTYPE, validate=False)
    if given is not None:
        assumed = ",".join(name for name in OrgProfile.model_fields if name not in set(given))
        constant: NDArray[np.int8] = np.where(bad, np.int8(-1), np.int8(0)).astype(np.int8)
        dtype = pd.CategoricalDtype([assumed], ordered=False)
        out["assumed"] = pd.Categorical.from_codes(constant, dtype=dtype, validate=False)
    if columns is not None:
        for statement_id, flags in warning_flags(compiled, columns, evaluation.derived).items():
            out[WARNING_PREFIX + statement_id] = _flags(flags, bad)
    return out


def warning_flags(
    compiled: CompiledRulebook, columns: Mapping[str, NDArray[Any]], derived: Mapping[str, NDArray[Any]]
) -> dict[str, NDArray[Any]]:
    """Per warning statement of the rulebook, whether it holds for each row: the conditions
    ``Recommendation.warnings`` are said under. The seat stage computes those its classes decide
    (one gather with the seat); the others are computed here from the columns."""
    says = statements_of(compiled.rulebook)
    out: dict[str, NDArray[Any]] = {}
    full: dict[str, NDArray[Any]] | None = None
    for statement_id in WARNINGS:
        spec = says.specs.get(statement_id)
        if spec is None or spec.when is None:
            continue
        found = derived.get(WARNING_PREFIX + statement_id)
        if found is None:
            full = full if full is not None else {**columns, **derived}
            found = compile_activation(spec.when).batch(full) >= spec.min_activation - 1e-9
        out[statement_id] = found
    return out


#: Up to this many rows, the result frame is built from blocks (the float columns copied into
#: one); larger frames keep every column as a view of the kernel's arrays.
_SMALL_FRAME_ROWS: Final = 4096


@lru_cache(maxsize=64)
def _column_index(names: tuple[str, ...]) -> pd.Index[Any]:
    """The result's column labels, built once per set of columns (inferring their dtype is slow)."""
    return pd.Index(list(names))


def _frame_of(data: dict[str, Any], index: pd.Index[Any]) -> pd.DataFrame:
    """A DataFrame of ``data``'s 1-D columns, each kept as it is (no copy for large frames).

    The columns are arrays this module made, of the right length and dtype, so pandas' checks
    of each one cost time and nothing else: on small frames they were most of the fixed cost.
    Small frames are built from their blocks (:func:`_small_frame`); large ones by the public
    constructor, which keeps every column as a view (no copy).
    """
    if len(index) <= _SMALL_FRAME_ROWS:
        # A view: the cached Index is shared, and a caller may set the columns' name.
        columns = _column_index(tuple(data)).view()
        try:
            return _small_frame(list(data.values()), columns, index)
        except (TypeError, ValueError, AttributeError):  # pragma: no cover - pandas internals differ
            pass
    # A dict of 1-D arrays with copy=False keeps each array as it is (rows of `contributions`).
    return pd.DataFrame(data, index=index, copy=False)


def _small_frame(values: list[Any], columns: pd.Index[Any], index: pd.Index[Any]) -> pd.DataFrame:
    """The frame pandas' constructor would build, without its per-column checks.

    pandas 3 takes the blocks themselves (``pandas.api.internals.create_dataframe_from_blocks``):
    one 2-D float64 block for every float column, as pandas consolidates them, and one block per
    extension array (categoricals, nullable booleans, strings). pandas 2 gets the arrays through
    its internal constructor, which forms the same blocks.
    """
    arrays = [value.array if isinstance(value, pd.Series) else value for value in values]
    internals = getattr(pd.api, "internals", None)
    create = getattr(internals, "create_dataframe_from_blocks", None)
    if create is None or any(isinstance(a, np.ndarray) and a.dtype != np.float64 for a in arrays):
        from_arrays: Any = pd.DataFrame._from_arrays  # type: ignore[attr-defined]
        return from_arrays(arrays, columns=columns, index=index, verify_integrity=False)  # type: ignore[no-any-return]
    floats = [position for position, a in enumerate(arrays) if isinstance(a, np.ndarray)]
    blocks: list[tuple[Any, NDArray[np.intp]]] = [
        (a, np.array([position], dtype=np.intp))
        for position, a in enumerate(arrays)
        if not isinstance(a, np.ndarray)
    ]
    if floats:
        block = np.array([arrays[position] for position in floats], dtype=np.float64)
        blocks.insert(0, (block, np.array(floats, dtype=np.intp)))
    return create(blocks, index=index, columns=columns)  # type: ignore[no-any-return]


def _margin_tables(compiled: CompiledRulebook, encoded: _Encoded) -> tuple[NDArray[Any], ...]:
    """Margin and margin factor of every entry of the table the kernel will read, or ().

    A row's margin is a function of its contributions and score alone, and on the table path
    those are exactly its entry's: computed once per entry (and kept with the compiled
    rulebook), they cost one gather per row instead of the passes of ``batch_margins``.
    """
    from .._analysis.margins import batch_margins

    entries = compiled.table_entries(encoded.columns, encoded.n)
    if entries is None:
        return ()
    found = compiled.attachments.get("margin_tables")
    if found is None or found[0] is not entries[1]:
        margin, factor = batch_margins(
            entries[0],
            entries[1],
            technical_min=compiled.technical_min,
            traditional_max=compiled.traditional_max,
        )
        found = compiled.attachments["margin_tables"] = (entries[1], margin, factor)
    return found[1], found[2]


def _margin_columns(compiled: CompiledRulebook, scored: _Scored) -> dict[str, Any]:
    """``margin`` and ``margin_factor`` from the contributions (docs/robustness.md)."""
    from .._analysis.margins import batch_margins

    gathered = scored.evaluation.gathered
    if gathered:  # looked up per row by the kernel; bad rows have no margin
        margin, factor = gathered
        if scored.bad.any():
            margin[scored.bad] = np.nan
            factor[scored.bad] = -1
    else:
        margin, factor = batch_margins(
            scored.evaluation.contributions,
            scored.evaluation.score,
            technical_min=compiled.technical_min,
            traditional_max=compiled.traditional_max,
        )
    dtype = pd.CategoricalDtype(list(compiled.factor_ids), ordered=False)
    return {"margin": margin, "margin_factor": pd.Categorical.from_codes(factor, dtype=dtype)}


def _is_dask(frame: object) -> bool:
    return type(frame).__module__.partition(".")[0] in ("dask", "dask_expr") and hasattr(
        frame, "map_partitions"
    )


def recommend_many(
    frame: Any,
    /,
    *,
    rulebook: Rulebook | str | os.PathLike[str] | None = None,
    errors: Errors = "raise",
    extra_columns: ExtraColumns = "raise",
    margins: bool = False,
    threads: int | None = None,
) -> Any:
    """Recommend a technical or a traditional PM for every row of a DataFrame of profiles.

    Each row is scored exactly as :func:`~tpm_fit.recommend` scores it, through the same
    kernel, but column by column with numpy.

    Parameters
    ----------
    frame : pandas.DataFrame or dask.dataframe.DataFrame
        One organisation per row; columns are :class:`~tpm_fit.OrgProfile` field names.
        Ordered inputs (``product_complexity``, ...) may be strings (object, ``str`` or
        ``string`` dtype) or categoricals; numbers may be integers, or floats holding whole
        numbers. Optional fields may be left out and take their defaults. Any other column
        (``age``, ``verdict``, ...) is refused unless ``extra_columns`` says otherwise.
    rulebook : Rulebook, str or os.PathLike, optional
        The rules to apply, or the path of a TOML rulebook; :meth:`Rulebook.default` when
        omitted.
    errors : {"raise", "coerce"}, default "raise"
        What to do with bad rows (missing, fractional or out-of-range numbers, bools, unknown
        levels). ``"raise"`` raises :class:`~tpm_fit.ProfileFrameError`; ``"coerce"`` scores the
        good rows, leaves the bad rows' results missing and adds an ``error`` column saying
        why (missing for good rows). Messages read ``field=value: what is wrong; what is
        valid``; several problems of one row are joined by ``" | "``.
    extra_columns : {"raise", "ignore", "keep"}, default "raise"
        What to do with columns that are not ``OrgProfile`` fields (an id column, say):
        refuse them, leave them out of the result, or carry them through to the result (as
        its first columns, unchanged). Kept columns may not be named like result columns.
    margins : bool, default False
        Also add ``margin``, the smallest ``abs(relative_change)`` of a single weight that flips
        the row's verdict (``inf`` when none can; missing for bad rows), and ``margin_factor``,
        the factor achieving it (categorical of factor ids). Equal to
        ``Recommendation.robustness()``'s ``margin`` and ``margin_factor`` row by row.
    threads : int, optional
        Threads that share the work: matching string columns and scoring blocks of rows.
        ``None`` (the default) uses every CPU the process may run on (at most 8) for frames of
        at least 131,072 rows and one thread below that; ``1`` never starts a thread. The
        result is the same either way. A dask frame's partitions each use one thread unless a
        number is given.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        Same index, same order as ``frame``, with columns ``verdict`` (categorical:
        traditional < either < technical), ``score``, ``role_shape`` (categorical:
        generalist, specialist), ``hire_needed`` and ``seat.strategy``, ``seat.marketing``,
        ``seat.technical`` (nullable booleans: the faces the hire would own), one
        ``risk.<risk_id>`` per risk (nullable boolean: the risk applies), one
        ``contribution.<factor_id>`` per factor in rulebook order (they sum to ``score``) and,
        with ``margins=True`` ``margin`` and ``margin_factor``, with ``errors="coerce"``,
        ``error``. Every value equals what :func:`~tpm_fit.recommend`
        gives for the same row; bad rows have missing values. A dask frame gives a
        dask frame, computed partition by partition.

    Raises
    ------
    ProfileFrameError
        Missing required columns, unknown or repeated columns (whatever ``errors`` says), or
        bad rows with ``errors="raise"``; the message names the column, the row labels and the
        bad values. A subclass of :class:`ValueError`.
    ValueError
        ``errors`` or ``extra_columns`` is not one of its options, or ``threads`` is not None
        or a whole number of at least 1.
    TypeError
        ``frame`` is not a DataFrame, or ``rulebook`` is neither a Rulebook, a path nor None.

    See Also
    --------
    scenario_grid : A frame of every combination of some field values.
    decision_map : Where the verdict flips, over two inputs.

    Examples
    --------
    >>> import pandas as pd
    >>> import tpm_fit
    >>> frame = pd.DataFrame({"company_size": [8, 4000], "product_complexity": ["very_high", "low"]})
    >>> tpm_fit.recommend_many(frame)["verdict"].tolist()
    ['technical', 'traditional']
    """
    if errors not in _ERRORS_VALUES:
        raise ValueError(f"errors={short(errors)}: not an option; valid: 'raise' or 'coerce'")
    _check_threads(threads)
    book = rulebook if isinstance(rulebook, Rulebook) else as_rulebook(rulebook)
    if _is_dask(frame):
        return _recommend_dask(
            frame, rulebook=book, errors=errors, extra_columns=extra_columns, margins=margins, threads=threads
        )
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"recommend_many() takes a pandas or dask DataFrame, not {type(frame).__name__}; "
            "for a list of profiles use pandas.DataFrame(records)"
        )
    return _recommend_frame(
        frame,
        rulebook=book,
        errors=errors,
        extra_columns=extra_columns,
        margins=margins,
        threads=thread_count(threads, len(frame)),
    )


#: Frames of at least this many rows use every CPU (up to MAX_AUTO_THREADS) unless ``threads``
#: says otherwise.
PARALLEL_ROWS: Final = 1 << 17


def _check_threads(threads: object) -> None:
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ValueError(
            f"threads={short(threads)}: not a thread count; valid: None (automatic) or a whole number "
            "of at least 1"
        )


def thread_count(threads: int | None, rows: int) -> int:
    """The threads ``recommend_many`` uses for a frame of ``rows`` rows (``threads`` checked)."""
    if threads is not None:
        return threads
    return min(_usable_cpus(), MAX_AUTO_THREADS) if rows >= PARALLEL_ROWS else 1


#: The most threads ``threads=None`` starts: the work is bound by memory bandwidth well before.
MAX_AUTO_THREADS: Final = 8


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity where the OS tells it), at least 1."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return os.cpu_count() or 1


def _recommend_frame(
    frame: pd.DataFrame,
    *,
    rulebook: Rulebook,
    errors: Errors,
    extra_columns: ExtraColumns,
    margins: bool,
    threads: int,
) -> pd.DataFrame:
    """:func:`recommend_many` on a pandas frame, its arguments checked: encode, score, shape."""
    compiled = compile_rulebook(rulebook)
    encoded = encode_frame(frame, extra_columns=extra_columns, threads=threads)
    if encoded.bad is not None and errors == "raise":
        raise _frame_error(frame.index, encoded.problems, int(encoded.bad.sum()), encoded.n)
    scored = run_kernel(compiled, encoded, threads=threads, margins=margins)
    result = result_frame(
        compiled,
        scored,
        frame.index,
        errors=_error_column(encoded) if errors == "coerce" else None,
        margins=margins,
        columns=encoded.columns,
        given=[name for name in frame.columns if name in OrgProfile.model_fields],
    )
    if extra_columns == "keep":
        _insert_kept(result, frame)
    return result


def _insert_kept(result: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Put the frame's non-profile columns first in ``result``, unchanged."""
    kept = [c for c in frame.columns if c not in OrgProfile.model_fields]
    for position, column in enumerate(kept):  # by position: no alignment on the index
        result.insert(position, column, frame[column].array)


def _recommend_dask(
    frame: Any,
    *,
    rulebook: Rulebook,
    errors: Errors,
    extra_columns: ExtraColumns,
    margins: bool,
    threads: int | None,
) -> Any:
    try:
        dd: Any = import_module("dask.dataframe")
        make_meta: Any = import_module("dask.dataframe.utils").make_meta
    except ImportError as exc:  # pragma: no cover - a dask frame implies dask is there
        raise ImportError(
            "recommend_many() on a dask DataFrame needs dask[dataframe]; install it with: "
            "pip install 'tpm-fit[dask]'"
        ) from exc
    if not isinstance(frame, dd.DataFrame):
        raise TypeError(f"recommend_many() takes a pandas or dask DataFrame, not {type(frame).__name__}")
    _check_columns(list(frame.columns), extra_columns=extra_columns)  # fail now, not when the graph runs
    options: dict[str, Any] = {
        "rulebook": rulebook,
        "errors": errors,
        "extra_columns": extra_columns,
        "margins": margins,
        "threads": 1 if threads is None else threads,  # dask runs the partitions in parallel
    }
    meta = recommend_many(make_meta(frame), **options)
    return frame.map_partitions(recommend_many, **options, meta=meta)
