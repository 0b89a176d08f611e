"""Score many profiles at once: a DataFrame of profiles in, a DataFrame of results out.

:func:`recommend_many` is a thin wrapper around the kernel, like :func:`~tpm_fit.recommend`:
it validates and encodes whole columns, calls the same :class:`~tpm_fit._kernel.CompiledRulebook`
methods (``contributions``, ``score``, ``verdict_codes``, ``role_shape_codes``) and shapes a frame.
No Python code runs once per row on the normal path; only object columns holding a mix of Python
types are inspected value by value, and only to say what is wrong with them.

Importing this module imports pandas and registers the ``DataFrame.tpm_fit`` accessor.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError
from pydantic_core import InitErrorDetails

try:
    import pandas as pd
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "recommend_many and scenario_grid need pandas; install it with: pip install 'tpm-fit[pandas]'"
    ) from exc

from .._engine.kernel import INPUT_NAMES, ROLE_SHAPE_NAMES, VERDICT_NAMES, CompiledRulebook, compile_rulebook
from .._engine.recommend import recommend
from .._errors import ProfileFrameError
from .._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS, OrgProfile
from .._model.rulebook import Rulebook

if TYPE_CHECKING:
    from .._model.result import Recommendation

__all__ = ["ProfileFrameAccessor", "recommend_many", "scenario_grid"]

Errors = Literal["raise", "coerce"]
_ERRORS_VALUES: Final = ("raise", "coerce")

#: Verdicts are ordered like scores: a higher score never gives a lower verdict.
VERDICT_DTYPE: Final = pd.CategoricalDtype(list(VERDICT_NAMES), ordered=True)
ROLE_SHAPE_DTYPE: Final = pd.CategoricalDtype(list(ROLE_SHAPE_NAMES), ordered=False)
#: Levels of each ordered input, lowest first, as an ordered categorical dtype.
LEVEL_DTYPES: Final[dict[str, pd.CategoricalDtype]] = {
    name: pd.CategoricalDtype([level.value for level in levels], ordered=True)
    for name, levels in ORDERED_INPUTS.items()
}
CONTRIBUTION_PREFIX: Final = "contribution."
#: Columns that recommend_many adds (besides one ``contribution.<factor_id>`` per factor).
RESULT_COLUMNS: Final = ("verdict", "score", "role_shape", "error", "margin", "margin_factor")

_FIELDS: Final = tuple(OrgProfile.model_fields)
_REQUIRED: Final = tuple(name for name, info in OrgProfile.model_fields.items() if info.is_required())
# pandas 3 has a dedicated string dtype whose missing value is NaN; pandas 2 keeps str in object.
_STR_DTYPE: Final[Any] = "str" if int(pd.__version__.split(".")[0]) >= 3 else object
_SHOWN_ROWS: Final = 5


def _level_names(name: str) -> list[str]:
    return [level.value for level in ORDERED_INPUTS[name]]


def _default_code(name: str) -> float:
    """The kernel's encoding of a field's default: its value, or its level's rank."""
    default = OrgProfile.model_fields[name].default
    if name in ORDERED_INPUTS:
        return float(_level_names(name).index(default.value))
    return float(default)


@cache
def _pyarrow() -> Any:
    """pyarrow's compute module, or None: it is optional, and strings are faster with it."""
    try:
        pa = import_module("pyarrow")
        import_module("pyarrow.compute")  # makes pa.compute available
    except ImportError:  # pragma: no cover - pyarrow is in the dev extra
        return None
    return pa


# -- validation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Problem:
    """Rows of one column that share what is wrong with them."""

    column: str
    reason: str  # completes "<column>=<value> ..." or "<column> ..."
    rows: NDArray[np.intp]  # positions in the frame
    bad_values: list[Any] | None  # as Python objects; None when they are missing

    def messages(self) -> NDArray[np.object_]:
        """One message per row, formatted once per distinct bad value."""
        if self.bad_values is None:
            return np.full(len(self.rows), f"{self.column} {self.reason}", dtype=object)
        codes, uniques = pd.factorize(np.asarray(self.bad_values, dtype=object), use_na_sentinel=False)
        texts = np.array(
            [f"{self.column}={value!r} {self.reason}" for value in uniques.tolist()], dtype=object
        )
        return cast("NDArray[np.object_]", texts[codes])


def _problem(column: str, reason: str, mask: NDArray[np.bool_], values: Any) -> _Problem | None:
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return None
    shown: list[Any] | None = None
    if isinstance(values, pd.Series):
        shown = values.iloc[rows].tolist()  # only the bad rows leave the column's storage
    elif values is not None:
        shown = np.asarray(values)[rows].tolist()
    return _Problem(column, reason, rows, shown)


def _integer_problems(
    name: str,
    values: NDArray[Any],
    missing: NDArray[np.bool_] | None,
    *,
    skip: NDArray[np.bool_] | None = None,
) -> tuple[list[_Problem | None], NDArray[np.bool_] | None]:
    """Problems of a numeric column: missing, fractional, out of range. Also the bad-row mask.

    ``skip`` marks rows that are bad for another reason (not numbers at all), checked elsewhere.
    """
    low, high = NUMERIC_BOUNDS[name]
    is_float = values.dtype.kind == "f"
    # Fast path: one pass each for min, max and (floats) integrality; NaN fails the comparisons.
    if (
        values.size == 0
        or (
            values.min() >= low
            and values.max() <= high
            and (not is_float or np.array_equal(values, np.trunc(values)))
        )
    ) and (missing is None or not missing.any()):
        return [], None
    if missing is None:
        missing = np.isnan(values) if is_float else np.zeros(values.shape, dtype=bool)
    present = ~missing if skip is None else ~(missing | skip)
    fractional = (np.trunc(values) != values) & present if is_float else np.zeros(values.shape, dtype=bool)
    whole = present & ~fractional
    with np.errstate(invalid="ignore"):
        below = whole & (values < low)
        above = whole & (values > high)
    problems = [
        _problem(name, "is missing", missing, None),
        _problem(name, "is not a whole number", fractional, values),
        _problem(name, f"must be at least {low}", below, values),
        _problem(name, f"must be at most {high:_}".replace("_", ","), above, values),
    ]
    return problems, missing | fractional | below | above


def _number_kind(value: object) -> int:
    """0: a real number, 1: a bool, 2: anything else (missing values are found beforehand)."""
    if isinstance(value, bool | np.bool_):
        return 1
    return 0 if isinstance(value, int | float | np.integer | np.floating) else 2


def _encode_integer(name: str, series: pd.Series[Any]) -> tuple[NDArray[np.float64], list[_Problem | None]]:
    """An integer input as float64 values for the kernel, with its problems."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
        dtype = series.dtype
    problems: list[_Problem | None] = []
    bad: NDArray[np.bool_] | None = None
    if pd.api.types.is_bool_dtype(dtype):
        missing = series.isna().to_numpy()
        problems = [
            _problem(name, "is missing", missing, None),
            _problem(name, "is a bool, not an integer", ~missing, series.to_numpy(dtype=object)),
        ]
        values = np.full(len(series), np.nan)
        bad = np.ones(len(series), dtype=bool)
    elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
        raw = series.to_numpy()
        problems, bad = _integer_problems(name, raw, None)
        values = raw.astype(np.float64)
    elif pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        # Adding 0.0 copies (the caller's data is never written to) and turns -0.0 into 0.0.
        values = series.to_numpy(dtype=np.float64, na_value=np.nan) + 0.0
        problems, bad = _integer_problems(name, values, None)
    elif pd.api.types.is_object_dtype(dtype):
        values, problems, bad = _encode_object_numbers(name, series)
    else:  # strings, dates, ...: refused like OrgProfile refuses "10", not parsed
        missing = series.isna().to_numpy()
        problems = [
            _problem(name, "is missing", missing, None),
            _problem(name, f"is not an integer (the column holds {dtype} values)", ~missing, series),
        ]
        values = np.full(len(series), np.nan)
        bad = np.ones(len(series), dtype=bool)
    if bad is not None:
        values[bad] = NUMERIC_BOUNDS[name][0]  # placeholder; the row's results are discarded
    return values, problems


def _encode_object_numbers(
    name: str, series: pd.Series[Any]
) -> tuple[NDArray[np.float64], list[_Problem | None], NDArray[np.bool_] | None]:
    raw = series.to_numpy()
    inferred = pd.api.types.infer_dtype(raw, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "empty"):
        try:
            values = np.asarray(pd.to_numeric(series), dtype=np.float64) + 0.0
        except (TypeError, ValueError, OverflowError):
            pass
        else:
            problems, bad = _integer_problems(name, values, None)
            return values, problems, bad
    # A mix of Python types (bools, strings, ...): inspect each value to name what is wrong.
    missing = pd.isna(raw)
    kinds = np.fromiter((_number_kind(v) for v in raw), dtype=np.int8, count=len(raw))
    kinds[missing] = 0
    numbers = (kinds == 0) & ~missing
    values = np.full(len(raw), np.nan)
    values[numbers] = raw[numbers].astype(np.float64)
    problems, bad = _integer_problems(name, values, missing, skip=kinds != 0)
    problems.append(_problem(name, "is a bool, not an integer", kinds == 1, raw))
    problems.append(_problem(name, "is not an integer", kinds == 2, raw))
    not_numbers = kinds != 0
    bad = not_numbers if bad is None else bad | not_numbers
    return values, problems, bad


def _arrow_codes(series: pd.Series[Any], levels: list[str]) -> NDArray[np.int8] | None:
    """Level ranks of a string column through pyarrow's hash lookup, or None if not applicable."""
    pa = _pyarrow()
    if pa is None:  # pragma: no cover - pyarrow is in the dev extra
        return None
    dtype = series.dtype
    try:
        if isinstance(dtype, pd.StringDtype) or (
            isinstance(dtype, pd.ArrowDtype) and pa.types.is_string(dtype.pyarrow_dtype)
        ):
            array = pa.array(series.array)
        elif pd.api.types.is_object_dtype(dtype):
            array = pa.array(series.to_numpy(), type=pa.large_string(), from_pandas=True)
        else:
            return None
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all strings: the caller falls back
        return None
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    found = pa.compute.index_in(array, value_set=pa.array(levels, type=array.type))
    return cast("NDArray[np.int8]", found.fill_null(-1).to_numpy().astype(np.int8))


def _encode_ordered(name: str, series: pd.Series[Any]) -> tuple[NDArray[np.int8], list[_Problem | None]]:
    """An ordered input as level ranks (0 = lowest) for the kernel, with its problems."""
    levels = _level_names(name)
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        # Look up each category once; the trailing -1 maps the missing code (-1) to "bad".
        ranks = [levels.index(c) if isinstance(c, str) and c in levels else -1 for c in dtype.categories]
        lookup = np.array([*ranks, -1], dtype=np.int8)
        codes = lookup[series.cat.codes.to_numpy()]
    else:
        arrow = _arrow_codes(series, levels)
        codes = (
            arrow
            if arrow is not None
            else pd.Categorical(series, categories=levels).codes.astype(np.int8, copy=False)
        )
    unknown = codes < 0
    if not unknown.any():
        return codes, []
    missing = series.isna().to_numpy() & unknown
    allowed = ", ".join(levels)
    problems = [
        _problem(name, "is missing", missing, None),
        _problem(name, f"is not one of: {allowed}", unknown & ~missing, series),
    ]
    codes[unknown] = 0  # placeholder; the row's results are discarded
    return codes, problems


def _check_columns(columns: Sequence[Hashable]) -> None:
    """Errors about the columns themselves (not about rows), whatever ``errors`` says."""
    repeated = [column for column, count in Counter(columns).items() if count > 1]
    if repeated:
        raise ProfileFrameError(
            f"column(s) {', '.join(map(repr, repeated))} appear more than once; keep one of each",
            column=str(repeated[0]),
        )
    unknown = [c for c in columns if c not in OrgProfile.model_fields]
    if unknown:
        raise ProfileFrameError(
            f"unknown column(s) {', '.join(map(repr, unknown))}: a profile frame holds only OrgProfile "
            f"fields, which describe the organisation and never a person ({', '.join(_FIELDS)}); "
            "select those columns first",
            column=str(unknown[0]),
        )
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        raise ProfileFrameError(
            f"missing required column(s) {', '.join(map(repr, missing))}; optional fields may be left "
            "out and take their defaults",
            column=missing[0],
        )


@dataclass(frozen=True, slots=True)
class _Encoded:
    """Kernel input columns for a frame, with what is wrong with its rows."""

    columns: dict[str, NDArray[Any]]
    n: int
    problems: list[_Problem]
    bad: NDArray[np.bool_] | None  # rows with any problem; None when there are none


def encode_frame(frame: pd.DataFrame) -> _Encoded:
    """Validate a profile frame and encode it as the kernel's columns (values and level ranks)."""
    _check_columns(list(frame.columns))
    n = len(frame)
    columns: dict[str, NDArray[Any]] = {}
    found: list[_Problem | None] = []
    for name in INPUT_NAMES:
        if name not in frame.columns:
            code = _default_code(name)
            columns[name] = np.full(n, code, dtype=np.int8 if name in ORDERED_INPUTS else np.float64)
            continue
        series = frame[name]
        values: NDArray[Any]
        if name in ORDERED_INPUTS:
            values, column_problems = _encode_ordered(name, series)
        else:
            values, column_problems = _encode_integer(name, series)
        columns[name] = values
        found.extend(column_problems)
    problems = [p for p in found if p is not None]
    bad: NDArray[np.bool_] | None = None
    if problems:
        bad = np.zeros(n, dtype=bool)
        for p in problems:
            bad[p.rows] = True
    return _Encoded(columns, n, problems, bad)


def _frame_error(index: pd.Index[Any], problems: list[_Problem], bad_rows: int, n: int) -> ProfileFrameError:
    lines = [
        f"cannot score {bad_rows} of {n} row(s); pass errors='coerce' to score the others "
        "and get an 'error' column:"
    ]
    for p in problems:
        shown = p.rows[:_SHOWN_ROWS]
        labels = index[shown].tolist()
        if p.bad_values is None:
            rows = ", ".join(repr(label) for label in labels)
        else:
            rows = ", ".join(
                f"{label!r} ({value!r})" for label, value in zip(labels, p.bad_values, strict=False)
            )
        more = f" and {p.rows.size - shown.size} more" if p.rows.size > shown.size else ""
        lines.append(f"  {p.column} {p.reason}: row(s) {rows}{more}")
    first = problems[0]
    return ProfileFrameError("\n".join(lines), column=first.column, labels=tuple(index[first.rows].tolist()))


def _error_column(encoded: _Encoded) -> NDArray[np.object_]:
    """The ``error`` column: every problem of a row, joined by "; ", None for good rows."""
    errors = np.full(encoded.n, None, dtype=object)
    for p in encoded.problems:
        messages = p.messages()
        earlier = errors[p.rows]
        has = pd.notna(earlier)
        if has.any():
            messages[has] = earlier[has] + "; " + messages[has]
        errors[p.rows] = messages
    return errors


# -- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scored:
    """The kernel's outputs for encoded columns: factor-major contributions and per-row codes."""

    contributions: NDArray[np.float64]  # (n_factors, n)
    score: NDArray[np.float64]
    verdicts: NDArray[np.int8]
    role_shapes: NDArray[np.int8]


def run_kernel(compiled: CompiledRulebook, encoded: _Encoded) -> _Scored:
    """Call the kernel on encoded columns; bad rows (if any) come out missing."""
    contributions = compiled.contributions(encoded.columns, encoded.n)
    score = compiled.score(contributions)
    verdicts = compiled.verdict_codes(score)
    role_shapes = compiled.role_shape_codes(encoded.columns)
    if encoded.bad is not None:
        contributions[:, encoded.bad] = np.nan
        score[encoded.bad] = np.nan
        verdicts[encoded.bad] = -1
        role_shapes[encoded.bad] = -1
    return _Scored(contributions, score, verdicts, role_shapes)


def result_frame(
    compiled: CompiledRulebook,
    scored: _Scored,
    index: pd.Index[Any],
    *,
    errors: NDArray[np.object_] | None,
    margins: bool = False,
) -> pd.DataFrame:
    """Shape the kernel's outputs as the result frame, without copying the float columns."""
    data: dict[str, Any] = {
        "verdict": pd.Categorical.from_codes(scored.verdicts, dtype=VERDICT_DTYPE),
        "score": scored.score,
        "role_shape": pd.Categorical.from_codes(scored.role_shapes, dtype=ROLE_SHAPE_DTYPE),
    }
    for factor_id, row in zip(compiled.factor_ids, scored.contributions, strict=True):
        data[CONTRIBUTION_PREFIX + factor_id] = row
    if margins:
        data.update(_margin_columns(compiled, scored))
    if errors is not None:
        data["error"] = pd.Series(errors, index=index, dtype=_STR_DTYPE, copy=False)
    # A dict of 1-D arrays with copy=False keeps each array as it is (rows of `contributions`).
    return pd.DataFrame(data, index=index, copy=False)


def _margin_columns(compiled: CompiledRulebook, scored: _Scored) -> dict[str, Any]:
    """``margin`` and ``margin_factor`` from the contributions (docs/robustness.md)."""
    from .._analysis.robustness import batch_margins

    margin, factor = batch_margins(
        scored.contributions,
        scored.score,
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
    frame: Any, /, *, rulebook: Rulebook | None = None, errors: Errors = "raise", margins: bool = False
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
        (``age``, ``verdict``, ...) is refused.
    rulebook : Rulebook, optional
        The rules to apply; :meth:`Rulebook.default` when omitted.
    errors : {"raise", "coerce"}, default "raise"
        What to do with bad rows (missing, fractional or out-of-range numbers, bools, unknown
        levels). ``"raise"`` raises :class:`~tpm_fit.ProfileFrameError`; ``"coerce"`` scores the
        good rows, leaves the bad rows' results missing and adds an ``error`` column saying
        why (missing for good rows).
    margins : bool, default False
        Also add ``margin``, the smallest ``abs(relative_change)`` of a single weight that flips
        the row's verdict (``inf`` when none can; missing for bad rows), and ``margin_factor``,
        the factor achieving it (categorical of factor ids). Equal to
        ``Recommendation.robustness()``'s ``margin`` and ``margin_factor`` row by row.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        Same index, same order as ``frame``, with columns ``verdict`` (categorical:
        traditional < either < technical), ``score``, ``role_shape`` (categorical:
        generalist, specialist), one ``contribution.<factor_id>`` per factor in rulebook order
        (they sum to ``score``), with ``margins=True`` ``margin`` and ``margin_factor`` and,
        with ``errors="coerce"``, ``error``. A dask frame gives a
        dask frame, computed partition by partition.

    Raises
    ------
    ProfileFrameError
        Missing required columns, unknown or repeated columns (whatever ``errors`` says), or
        bad rows with ``errors="raise"``; the message names the column, the row labels and the
        bad values. A subclass of :class:`ValueError`.
    ValueError
        ``errors`` is neither ``"raise"`` nor ``"coerce"``.
    TypeError
        ``frame`` is not a DataFrame.

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
        raise ValueError(f"errors={errors!r} is not supported; use 'raise' or 'coerce'")
    if _is_dask(frame):
        return _recommend_dask(frame, rulebook=rulebook, errors=errors, margins=margins)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"recommend_many() takes a pandas or dask DataFrame, not {type(frame).__name__}; "
            "for a list of profiles use pandas.DataFrame(records)"
        )
    compiled = compile_rulebook(rulebook if rulebook is not None else Rulebook.default())
    encoded = encode_frame(frame)
    if encoded.bad is not None and errors == "raise":
        raise _frame_error(frame.index, encoded.problems, int(encoded.bad.sum()), encoded.n)
    scored = run_kernel(compiled, encoded)
    return result_frame(
        compiled,
        scored,
        frame.index,
        errors=_error_column(encoded) if errors == "coerce" else None,
        margins=margins,
    )


def _recommend_dask(frame: Any, *, rulebook: Rulebook | None, errors: Errors, margins: bool) -> Any:
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
    _check_columns(list(frame.columns))  # fail now, not when the graph runs
    meta = recommend_many(make_meta(frame), rulebook=rulebook, errors=errors, margins=margins)
    return frame.map_partitions(recommend_many, rulebook=rulebook, errors=errors, margins=margins, meta=meta)


# -- grids -----------------------------------------------------------------------------------

#: Valid values for the required fields, so that one field can be validated on its own.
_PLACEHOLDER: Final[dict[str, Any]] = {"company_size": 1, "product_complexity": "low"}


def _axis_values(raw: Any) -> list[Any]:
    if isinstance(raw, str | bytes | Enum) or not hasattr(raw, "__iter__"):
        return [raw]
    tolist = getattr(raw, "tolist", None)  # numpy arrays, pandas Series/Index: native Python values
    return list(tolist() if callable(tolist) else raw)


def scenario_grid(**axes: Any) -> pd.DataFrame:
    """Every combination of the given field values, as a frame ready for :func:`recommend_many`.

    Parameters
    ----------
    **axes
        ``OrgProfile`` field names mapped to the values to combine: a list, range, numpy array
        or pandas Series, or a single value to pin the field. ``company_size`` and
        ``product_complexity`` are required; other fields not given take their defaults.
        Values are validated up front, with the messages of :class:`~tpm_fit.OrgProfile`; a
        value repeated on an axis is kept once.

    Returns
    -------
    pandas.DataFrame
        One row per combination (the first axis varies slowest), a ``RangeIndex`` and every
        ``OrgProfile`` field as a column in field order: integers as ``int64``, ordered inputs
        as ordered categoricals listing all their levels.

    Raises
    ------
    pydantic.ValidationError
        A value is invalid (its location is ``(field, position on the axis)``), a field is
        unknown, or a required field is not given.
    ProfileFrameError
        An axis has no values.

    Examples
    --------
    >>> import tpm_fit
    >>> grid = tpm_fit.scenario_grid(company_size=[10, 1000], product_complexity=["low", "high"])
    >>> grid[["company_size", "product_complexity"]].values.tolist()
    [[10, 'low'], [10, 'high'], [1000, 'low'], [1000, 'high']]
    """
    line_errors: list[InitErrorDetails] = []
    chosen: dict[str, list[Any]] = {}
    for name, raw in axes.items():
        if name not in OrgProfile.model_fields:
            line_errors.append({"type": "extra_forbidden", "loc": (name,), "input": raw})
            continue
        values = _axis_values(raw)
        if not values:
            raise ProfileFrameError(
                f"scenario_grid(): the {name} axis has no values; give at least one", column=name
            )
        valid: list[Any] = []
        for position, value in enumerate(values):
            try:
                profile = OrgProfile.model_validate({**_PLACEHOLDER, name: value})
            except ValidationError as exc:
                for error in exc.errors(include_url=False):
                    detail: InitErrorDetails = {
                        "type": error["type"],
                        "loc": (name, position),
                        "input": value,
                    }
                    if "ctx" in error:
                        detail["ctx"] = error["ctx"]
                    line_errors.append(detail)
                continue
            checked = getattr(profile, name)
            valid.append(checked.value if isinstance(checked, Enum) else checked)
        chosen[name] = list(dict.fromkeys(valid))
    line_errors.extend(
        {"type": "missing", "loc": (name,), "input": axes} for name in _REQUIRED if name not in axes
    )
    if line_errors:
        raise ValidationError.from_exception_data("scenario_grid", line_errors)

    sizes = [len(values) for values in chosen.values()]
    total = math.prod(sizes)
    columns: dict[str, Any] = {}
    for name in _FIELDS:
        if name in chosen:
            axis = list(chosen).index(name)
            inner, outer = math.prod(sizes[axis + 1 :]), math.prod(sizes[:axis])
            positions = np.tile(np.repeat(np.arange(sizes[axis]), inner), outer)
            if name in ORDERED_INPUTS:
                ranks = np.array([_level_names(name).index(v) for v in chosen[name]], dtype=np.int8)
                columns[name] = pd.Categorical.from_codes(ranks[positions], dtype=LEVEL_DTYPES[name])
            else:
                columns[name] = np.array(chosen[name], dtype=np.int64)[positions]
        elif name in ORDERED_INPUTS:
            code = int(_default_code(name))
            columns[name] = pd.Categorical.from_codes(
                np.full(total, code, dtype=np.int8), dtype=LEVEL_DTYPES[name]
            )
        else:
            columns[name] = np.full(total, int(_default_code(name)), dtype=np.int64)
    return pd.DataFrame(columns, index=pd.RangeIndex(total), copy=False)


# -- the DataFrame accessor ------------------------------------------------------------------


def _is_result_column(column: Hashable) -> bool:
    return isinstance(column, str) and (column in RESULT_COLUMNS or column.startswith(CONTRIBUTION_PREFIX))


@pd.api.extensions.register_dataframe_accessor("tpm_fit")
class ProfileFrameAccessor:
    """``frame.tpm_fit``: tpm_fit on a DataFrame of profiles (registered on import of pandas use).

    Examples
    --------
    >>> import tpm_fit
    >>> grid = tpm_fit.scenario_grid(
    ...     company_size=[10, 1000], product_complexity="moderate", marketing_coverage=1
    ... )
    >>> grid.tpm_fit.recommend()["verdict"].tolist()
    ['either', 'technical']
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def recommend(
        self, *, rulebook: Rulebook | None = None, errors: Errors = "raise", margins: bool = False
    ) -> pd.DataFrame:
        """Score every row: ``recommend_many(frame, rulebook=..., errors=..., margins=...)``.

        Parameters
        ----------
        rulebook : Rulebook, optional
            The rules to apply; :meth:`Rulebook.default` when omitted.
        errors : {"raise", "coerce"}, default "raise"
            See :func:`recommend_many`.
        margins : bool, default False
            See :func:`recommend_many`.

        Returns
        -------
        pandas.DataFrame
            Verdict, score, role shape and contributions, with the frame's index.
        """
        result: pd.DataFrame = recommend_many(self._frame, rulebook=rulebook, errors=errors, margins=margins)
        return result

    def recommendation(self, label: Hashable, /, *, rulebook: Rulebook | None = None) -> Recommendation:
        """The full :class:`~tpm_fit.Recommendation` (with its trace) for the row ``label``.

        Result columns joined to the profiles (``verdict``, ``score``, ``contribution.*``, ...)
        are ignored; any other column must be an ``OrgProfile`` field.

        Parameters
        ----------
        label : hashable
            The row's index label; it must be unique.
        rulebook : Rulebook, optional
            The rules to apply; :meth:`Rulebook.default` when omitted.

        Returns
        -------
        Recommendation
            Call ``.explain()`` on it for the reasons.

        Raises
        ------
        KeyError
            No row has this label.
        ProfileFrameError
            Several rows have this label.
        pydantic.ValidationError
            The row is not a valid profile.
        """
        row = cast(Any, self._frame).loc[label]
        if isinstance(row, pd.DataFrame):
            raise ProfileFrameError(
                f"row label {label!r} is not unique ({len(row)} rows); use a unique label, e.g. after "
                "frame.reset_index()",
                labels=(label,),
            )
        fields: dict[str, Any] = {}
        for column, value in row.to_dict().items():  # to_dict gives native Python values
            if _is_result_column(column):
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # a float64 column holding whole numbers, as recommend_many accepts
            fields[str(column)] = value
        return recommend(fields, rulebook=rulebook)
