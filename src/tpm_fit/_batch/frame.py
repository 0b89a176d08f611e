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
import os
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence, Sized
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import import_module
from itertools import islice
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

try:
    import pandas as pd
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "recommend_many and scenario_grid need pandas; install it with: pip install 'tpm-fit[pandas]'"
    ) from exc

from .._engine.kernel import (
    INPUT_NAMES,
    ROLE_SHAPE_NAMES,
    VERDICT_NAMES,
    BatchEvaluation,
    CompiledRulebook,
    compile_rulebook,
)
from .._engine.recommend import recommend
from .._errors import ProfileFrameError, short
from .._model.grammar import Problem
from .._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS, VALUE_RULES, OrgProfile
from .._model.rulebook import Rulebook, as_rulebook
from .._model.suggest import did_you_mean
from .._model.vocab import FACES

if TYPE_CHECKING:
    from .._model.result import Recommendation

__all__ = ["DEFAULT_MAX_ROWS", "ProfileFrameAccessor", "recommend_many", "scenario_grid"]

Errors = Literal["raise", "coerce"]
_ERRORS_VALUES: Final = ("raise", "coerce")
ExtraColumns = Literal["raise", "ignore", "keep"]
_EXTRA_VALUES: Final = ("raise", "ignore", "keep")

#: Verdicts are ordered like scores: a higher score never gives a lower verdict.
VERDICT_DTYPE: Final = pd.CategoricalDtype(list(VERDICT_NAMES), ordered=True)
ROLE_SHAPE_DTYPE: Final = pd.CategoricalDtype(list(ROLE_SHAPE_NAMES), ordered=False)
#: Levels of each ordered input, lowest first, as an ordered categorical dtype.
LEVEL_DTYPES: Final[dict[str, pd.CategoricalDtype]] = {
    name: pd.CategoricalDtype([level.value for level in levels], ordered=True)
    for name, levels in ORDERED_INPUTS.items()
}
CONTRIBUTION_PREFIX: Final = "contribution."
SEAT_PREFIX: Final = "seat."
RISK_PREFIX: Final = "risk."
#: Columns that recommend_many adds besides ``seat.<face>``, ``risk.<risk_id>`` and
#: ``contribution.<factor_id>``.
RESULT_COLUMNS: Final = ("verdict", "score", "role_shape", "hire_needed", "error", "margin", "margin_factor")

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


def _as_objects(values: Any) -> NDArray[np.object_]:
    """A 1-D object array of the values, even when some are lists (np.asarray would nest them)."""
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


@dataclass(frozen=True, slots=True)
class _Problem:
    """Rows of one column that share what is wrong with them."""

    column: str
    problem: Problem
    rows: NDArray[np.intp]  # positions in the frame
    bad_values: NDArray[np.object_] | None  # as Python objects; None when they are missing

    def messages(self) -> NDArray[np.object_]:
        """One message per row (``field=value: what is wrong; what is valid``)."""
        if self.bad_values is None:
            text = VALUE_RULES.message(self.column, None, self.problem)
            return np.full(len(self.rows), text, dtype=object)
        try:  # format each distinct value once
            codes, uniques = pd.factorize(self.bad_values, use_na_sentinel=False)
        except TypeError:  # unhashable cells (lists, dicts): one message per row
            return _as_objects([VALUE_RULES.message(self.column, v, self.problem) for v in self.bad_values])
        texts = _as_objects([VALUE_RULES.message(self.column, v, self.problem) for v in uniques.tolist()])
        return texts[codes]


def _problem(column: str, problem: Problem, mask: NDArray[np.bool_], values: Any) -> _Problem | None:
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return None
    shown: NDArray[np.object_] | None = None
    if isinstance(values, pd.Series):
        shown = _as_objects(values.iloc[rows])  # only the bad rows leave the column's storage
    elif values is not None:
        shown = _as_objects(np.asarray(values)[rows])
    return _Problem(column, problem, rows, shown)


def _integer_problems(
    name: str,
    values: NDArray[Any],
    missing: NDArray[np.bool_] | None,
    *,
    skip: NDArray[np.bool_] | None = None,
    shown: Any = None,
) -> tuple[list[_Problem | None], NDArray[np.bool_] | None]:
    """Problems of a numeric column: missing, fractional, out of range. Also the bad-row mask.

    ``skip`` marks rows that are bad for another reason (not numbers at all), checked elsewhere;
    ``shown`` holds the values to quote in messages (``values`` by default).
    """
    low, high = NUMERIC_BOUNDS[name]
    if _all_valid(values, missing, low, high):
        return [], None
    if missing is None:
        missing = _nan_mask(values)
    present = ~missing if skip is None else ~(missing | skip)
    with np.errstate(invalid="ignore"):
        fractional = _fractional_mask(values) & present
        whole = present & ~fractional
        below = whole & (values < low)
        above = whole & (values > high)
    quoted = values if shown is None else shown
    problems = [
        _problem(name, "missing", missing, None),
        _problem(name, "fractional", fractional, quoted),
        _problem(name, "too_small", below, quoted),
        _problem(name, "too_large", above, quoted),
    ]
    return problems, missing | fractional | below | above


def _all_valid(values: NDArray[Any], missing: NDArray[np.bool_] | None, low: int, high: int) -> bool:
    """Whether every value is a whole number in bounds, none missing (the fast path).

    One pass each for min, max and (floats) integrality; NaN fails the comparisons.
    """
    if missing is not None and missing.any():
        return False
    if values.size == 0:
        return True
    in_bounds = bool(values.min() >= low and values.max() <= high)
    return in_bounds and (values.dtype.kind != "f" or np.array_equal(values, np.trunc(values)))


def _nan_mask(values: NDArray[Any]) -> NDArray[np.bool_]:
    """NaN positions of a float array; all False for any other dtype (integers are never NaN)."""
    if values.dtype.kind == "f":
        nan: NDArray[np.bool_] = np.isnan(values)
        return nan
    return np.zeros(values.shape, dtype=bool)


def _fractional_mask(values: NDArray[Any]) -> NDArray[np.bool_]:
    """Where a float array holds a fraction (NaN included); all False for any other dtype."""
    if values.dtype.kind == "f":
        fraction: NDArray[np.bool_] = np.trunc(values) != values
        return fraction
    return np.zeros(values.shape, dtype=bool)


def _number_kind(value: object) -> int:
    """0: a real number, 1: a bool, 2: anything else (missing values are found beforehand)."""
    if isinstance(value, bool | np.bool_):
        return 1
    return 0 if isinstance(value, int | float | np.integer | np.floating) else 2


def _not_numbers(
    name: str, series: pd.Series[Any], problem: Problem
) -> tuple[NDArray[np.float64], list[_Problem | None], NDArray[np.bool_]]:
    """A column none of whose values can be an integer input (bools, strings, dates, ...)."""
    missing = np.asarray(series.isna(), dtype=bool)
    problems = [_problem(name, "missing", missing, None), _problem(name, problem, ~missing, series)]
    return np.full(len(series), np.nan), problems, np.ones(len(series), dtype=bool)


def _encode_integer(name: str, series: pd.Series[Any]) -> tuple[NDArray[Any], list[_Problem | None]]:
    """An integer input for the kernel (int64 as given when every value is valid, else float64)."""
    series = _decoded(series)
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        raw = series.to_numpy()
        problems, bad = _integer_problems(name, raw, None)
        if bad is None and dtype == np.int64:
            # The kernel reads int64 as it is (lookup tables index with it): no float copy, and
            # never written to (bad rows, which get a placeholder, take the copying path below).
            return raw, problems
        values = raw.astype(np.float64)
    else:
        values, problems, bad = _encode_other_numbers(name, series)
    if bad is not None:
        values[bad] = NUMERIC_BOUNDS[name][0]  # placeholder; the row's results are discarded
    return values, problems


def _decoded(series: pd.Series[Any]) -> pd.Series[Any]:
    """The column with Arrow dictionaries decoded and categoricals or sparse values as objects."""
    dtype = series.dtype
    pa = _pyarrow()
    if isinstance(dtype, pd.ArrowDtype) and pa is not None and pa.types.is_dictionary(dtype.pyarrow_dtype):
        series = series.astype(pd.ArrowDtype(dtype.pyarrow_dtype.value_type))  # decode, then as usual
    if isinstance(series.dtype, pd.CategoricalDtype | pd.SparseDtype):
        series = series.astype(object)
    return series


def _encode_other_numbers(
    name: str, series: pd.Series[Any]
) -> tuple[NDArray[np.float64], list[_Problem | None], NDArray[np.bool_] | None]:
    """A column that is not of a numpy integer dtype, as float64 with its problems and bad rows."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return _not_numbers(name, series, "bool")
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        # Adding 0.0 copies (the caller's data is never written to) and turns -0.0 into 0.0.
        values = np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64) + 0.0
        problems, bad = _integer_problems(name, values, None, shown=series)
        return values, problems, bad
    if pd.api.types.is_object_dtype(dtype):
        return _encode_object_numbers(name, series)
    # strings, dates, complex numbers, ...: refused like OrgProfile refuses "10", not parsed
    return _not_numbers(name, series, "not_integer")


def _encode_object_numbers(
    name: str, series: pd.Series[Any]
) -> tuple[NDArray[np.float64], list[_Problem | None], NDArray[np.bool_] | None]:
    raw = _as_objects(series.to_numpy(dtype=object))
    inferred = pd.api.types.infer_dtype(raw, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "empty"):
        try:
            values = np.asarray(pd.to_numeric(series), dtype=np.float64) + 0.0
        except (TypeError, ValueError, OverflowError):
            pass
        else:
            problems, bad = _integer_problems(name, values, None, shown=raw)
            return values, problems, bad
    # A mix of Python types (bools, strings, lists, ...): inspect each value to say what is wrong.
    missing = np.fromiter((_is_missing(v) for v in raw), dtype=bool, count=len(raw))
    kinds = np.fromiter((_number_kind(v) for v in raw), dtype=np.int8, count=len(raw))
    kinds[missing] = 0
    numbers = (kinds == 0) & ~missing
    values = np.full(len(raw), np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        values[numbers] = [float(v) for v in raw[numbers]]  # Python ints of any size become floats
    problems, bad = _integer_problems(name, values, missing, skip=kinds != 0, shown=raw)
    problems.append(_problem(name, "bool", kinds == 1, raw))
    problems.append(_problem(name, "not_integer", kinds == 2, raw))
    not_numbers = kinds != 0
    bad = not_numbers if bad is None else bad | not_numbers
    return values, problems, bad


def _is_missing(value: object) -> bool:
    """None, NaN, NaT or pd.NA; never raises (a list is not missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and bool(np.isnan(value))


def _is_text_dtype(dtype: Any) -> bool:
    pa = _pyarrow()
    if isinstance(dtype, pd.StringDtype):
        return True
    if pa is None or not isinstance(dtype, pd.ArrowDtype):
        return False
    kind = dtype.pyarrow_dtype
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _arrow_codes(series: pd.Series[Any], levels: list[str]) -> NDArray[np.int8] | None:
    """Level ranks of a column of strings through pyarrow's hash lookup, or None if not applicable."""
    pa = _pyarrow()
    if pa is None:  # pragma: no cover - pyarrow is in the dev extra
        return None
    try:
        if pd.api.types.is_object_dtype(series.dtype):
            array = pa.array(series.to_numpy(), type=pa.large_string(), from_pandas=True)
        else:
            array = pa.array(series.array)
        if pa.types.is_dictionary(array.type):
            return _dictionary_codes(pa, array, levels)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # not all strings: the caller falls back
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    found = pa.compute.index_in(array, value_set=pa.array(levels, type=array.type))
    # np.array copies: arrow's buffers are read-only, and bad rows get a placeholder written.
    return np.array(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int8)


def _dictionary_codes(pa: Any, array: Any, levels: list[str]) -> NDArray[np.int8] | None:
    """Level ranks of an Arrow dictionary column: map each chunk's dictionary, then take by index.

    The dictionary holds each distinct value once, so matching strings costs nothing per row;
    missing entries (null indices) and values that are not levels come out as -1.
    """
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    out = np.empty(len(array), dtype=np.int8)
    start = 0
    for chunk in chunks:
        dictionary = chunk.dictionary
        if not (pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)):
            return None
        found = pa.compute.index_in(dictionary, value_set=pa.array(levels, type=dictionary.type))
        lookup = np.append(found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int8), np.int8(-1))
        indices = chunk.indices.fill_null(len(dictionary)).to_numpy(zero_copy_only=False)
        np.take(lookup, indices, out=out[start : start + len(chunk)])
        start += len(chunk)
    return out


def _level_codes(series: pd.Series[Any], levels: list[str]) -> NDArray[np.int8]:
    """Rank of each value among ``levels`` (a new, writable array); -1 for anything else."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical_codes(series, levels)
    is_object = pd.api.types.is_object_dtype(dtype)
    inferred = pd.api.types.infer_dtype(series, skipna=True) if is_object else ""
    if _is_text_dtype(dtype) or inferred in ("string", "empty"):
        return _text_codes(series, levels)
    if is_object:
        return _mixed_codes(series, levels)
    return np.full(len(series), -1, dtype=np.int8)  # numbers, dates, bytes, ...: never a level


def _categorical_codes(series: pd.Series[Any], levels: list[str]) -> NDArray[np.int8]:
    """Level ranks of a categorical column: each category is looked up once."""
    categories = cast(pd.CategoricalDtype, series.dtype).categories
    ranks = [levels.index(c) if isinstance(c, str) and c in levels else -1 for c in categories]
    lookup = np.array([*ranks, -1], dtype=np.int8)  # the trailing -1 maps the missing code to "bad"
    codes: NDArray[np.int8] = lookup[series.array.codes]  # numpy codes, no Series built
    return codes


def _text_codes(series: pd.Series[Any], levels: list[str]) -> NDArray[np.int8]:
    """Level ranks of a column of strings: pyarrow's hash lookup, else a pandas Categorical."""
    arrow = _arrow_codes(series, levels)
    if arrow is not None:
        return arrow
    codes = pd.Categorical(series.astype(object), categories=levels).codes
    return np.array(codes, dtype=np.int8)  # a copy: pandas may hand out read-only codes


def _mixed_codes(series: pd.Series[Any], levels: list[str]) -> NDArray[np.int8]:
    """Level ranks of a mix of Python types: strings only, so b"high" or 2 is never a level."""
    table = {level: rank for rank, level in enumerate(levels)}
    return np.fromiter(
        (table.get(v, -1) if isinstance(v, str) else -1 for v in series.to_numpy()),
        dtype=np.int8,
        count=len(series),
    )


def _encode_ordered(name: str, series: pd.Series[Any]) -> tuple[NDArray[np.int8], list[_Problem | None]]:
    """An ordered input as level ranks (0 = lowest) for the kernel, with its problems."""
    codes = _level_codes(series, _level_names(name))
    unknown = codes < 0
    if not unknown.any():
        return codes, []
    rows = np.flatnonzero(unknown)
    bad = _as_objects(series.iloc[rows].to_numpy(dtype=object))
    missing = np.zeros(len(series), dtype=bool)
    text = np.zeros(len(series), dtype=bool)
    missing[rows] = np.fromiter((_is_missing(v) for v in bad), dtype=bool, count=len(bad))
    text[rows] = np.fromiter((isinstance(v, str) for v in bad), dtype=bool, count=len(bad))
    problems = [
        _problem(name, "missing", missing, None),
        _problem(name, "not_level", unknown & text, series),
        _problem(name, "not_text", unknown & ~text & ~missing, series),
    ]
    codes[unknown] = 0  # placeholder; the row's results are discarded
    return codes, problems


def _check_columns(columns: Sequence[Hashable], *, extra_columns: ExtraColumns = "raise") -> list[Hashable]:
    """Errors about the columns themselves (not about rows), whatever ``errors`` says.

    Returns the columns that are not profile fields (empty unless ``extra_columns`` allows them).
    """
    if extra_columns not in _EXTRA_VALUES:
        raise ValueError(
            f"extra_columns={short(extra_columns)}: not an option; "
            f"valid: {', '.join(map(repr, _EXTRA_VALUES))}"
        )
    _refuse_repeated(columns)
    unknown = [c for c in columns if c not in OrgProfile.model_fields]
    if extra_columns == "raise":
        _refuse_unknown(unknown)
    if extra_columns == "keep":
        _refuse_clashes(unknown)
    _refuse_missing(columns)
    return unknown


def _refuse_repeated(columns: Sequence[Hashable]) -> None:
    repeated = [column for column, count in Counter(columns).items() if count > 1]
    if repeated:
        raise ProfileFrameError(
            f"column(s) {', '.join(map(short, repeated))} appear more than once; keep one of each",
            column=str(repeated[0]),
        )


def _refuse_unknown(unknown: list[Hashable]) -> None:
    if unknown:
        hints = "".join(did_you_mean(c, _FIELDS) for c in unknown[:3])
        raise ProfileFrameError(
            f"unknown column(s) {', '.join(map(short, unknown[:10]))}{hints}: a profile frame holds "
            f"OrgProfile fields, which describe the organisation and never a person ({', '.join(_FIELDS)}); "
            "select those columns first, or pass extra_columns='ignore' or 'keep'",
            column=str(unknown[0]),
        )


def _refuse_clashes(unknown: list[Hashable]) -> None:
    """Kept columns named like result columns would be overwritten: refuse them."""
    clashes = [c for c in unknown if _is_result_column(c)]
    if clashes:
        raise ProfileFrameError(
            f"column(s) {', '.join(map(short, clashes[:10]))} would be overwritten by results; rename "
            "or drop them, or pass extra_columns='ignore'",
            column=str(clashes[0]),
        )


def _refuse_missing(columns: Sequence[Hashable]) -> None:
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


def encode_frame(frame: pd.DataFrame, *, extra_columns: ExtraColumns = "raise") -> _Encoded:
    """Validate a profile frame and encode it as the kernel's columns (values and level ranks)."""
    _check_columns(list(frame.columns), extra_columns=extra_columns)
    n = len(frame)
    columns: dict[str, NDArray[Any]] = {}
    found: list[_Problem | None] = []
    for name in INPUT_NAMES:
        if name not in frame.columns:
            code = _default_code(name)
            columns[name] = np.full(n, code, dtype=np.int8 if name in ORDERED_INPUTS else np.int64)
            continue
        series = frame[name]
        values: NDArray[Any]
        if name in ORDERED_INPUTS:
            values, column_problems = _encode_ordered(name, series)
        else:
            values, column_problems = _encode_integer(name, series)
        columns[name] = values
        found.extend(column_problems)
    found.extend(_headcount_problems(columns))
    problems = [p for p in found if p is not None]
    bad: NDArray[np.bool_] | None = None
    if problems:
        bad = np.zeros(n, dtype=bool)
        for p in problems:
            bad[p.rows] = True
    return _Encoded(columns, n, problems, bad)


def _headcount_problems(columns: dict[str, NDArray[Any]]) -> list[_Problem | None]:
    """Rows whose coverage counts or product team exceed the company's headcount (as OrgProfile)."""
    size = columns["company_size"]
    out: list[_Problem | None] = []
    for name in ("strategy_coverage", "marketing_coverage", "technical_coverage", "product_team_size"):
        count = columns[name]
        rows = np.flatnonzero(count > size)  # NaN (rows already reported) compares False
        if rows.size:
            pairs = np.empty(rows.size, dtype=object)  # (count, company_size) per bad row
            for k, (c, s) in enumerate(zip(count[rows], size[rows], strict=True)):
                pairs[k] = (int(c), int(s))
            out.append(_Problem(name, "above_headcount", rows, pairs))
    return out


def _frame_error(index: pd.Index[Any], problems: list[_Problem], bad_rows: int, n: int) -> ProfileFrameError:
    lines = [
        f"cannot score {bad_rows:,} of {n:,} row(s); pass errors='coerce' to score the others "
        "and get an 'error' column:"
    ]
    for p in problems:
        shown = p.rows[:_SHOWN_ROWS]
        for label, message in zip(index[shown].tolist(), p.messages()[: len(shown)], strict=True):
            lines.append(f"  row {short(label)}: {message}")
        if p.rows.size > shown.size:
            lines.append(f"  ... and {p.rows.size - shown.size:,} more row(s) with this problem")
    first = problems[0]
    return ProfileFrameError("\n".join(lines), column=first.column, labels=tuple(index[first.rows].tolist()))


def _error_column(encoded: _Encoded) -> NDArray[np.object_]:
    """The ``error`` column: every problem of a row, joined by " | ", None for good rows."""
    errors = np.full(encoded.n, None, dtype=object)
    for p in encoded.problems:
        messages = p.messages()
        earlier = errors[p.rows]
        has = pd.notna(earlier)
        if has.any():
            messages[has] = earlier[has] + " | " + messages[has]
        errors[p.rows] = messages
    return errors


# -- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scored:
    """The kernel's outputs for encoded columns, with bad rows marked."""

    evaluation: BatchEvaluation
    role_shapes: NDArray[np.int8]
    verdicts: NDArray[np.int8]
    bad: NDArray[np.bool_]


def run_kernel(compiled: CompiledRulebook, encoded: _Encoded) -> _Scored:
    """Call the kernel on encoded columns; bad rows (if any) come out missing."""
    evaluation = compiled.evaluate(encoded.columns, encoded.n)
    verdicts, role_shapes = evaluation.verdict_codes, evaluation.derived["role_shape"]
    bad = encoded.bad if encoded.bad is not None else np.zeros(encoded.n, dtype=bool)
    np.add(evaluation.contributions, 0.0, out=evaluation.contributions)  # no -0.0 in CSVs
    np.add(evaluation.score, 0.0, out=evaluation.score)
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
) -> pd.DataFrame:
    """Shape the kernel's outputs as the result frame, without copying the float columns."""
    evaluation = scored.evaluation
    data: dict[str, Any] = {
        "verdict": pd.Categorical.from_codes(scored.verdicts, dtype=VERDICT_DTYPE),
        "score": evaluation.score,
        "role_shape": pd.Categorical.from_codes(scored.role_shapes, dtype=ROLE_SHAPE_DTYPE),
        "hire_needed": _flags(evaluation.derived["hire_needed"], scored.bad),
    }
    for face in FACES:
        data[SEAT_PREFIX + face.value] = _flags(evaluation.derived[face.seat_input], scored.bad)
    for risk, flags in zip(compiled.rulebook.risks, evaluation.risks, strict=True):
        data[RISK_PREFIX + risk.id] = _flags(flags, scored.bad)
    for factor_id, row in zip(compiled.factor_ids, evaluation.contributions, strict=True):
        data[CONTRIBUTION_PREFIX + factor_id] = row
    if margins:
        data.update(_margin_columns(compiled, scored))
    if errors is not None:
        data["error"] = pd.Series(errors, index=index, dtype=_STR_DTYPE, copy=False)
    return _frame_of(data, index)


#: Up to this many rows, the result frame is built by pandas' internal constructor.
_SMALL_FRAME_ROWS: Final = 4096


def _frame_of(data: dict[str, Any], index: pd.Index[Any]) -> pd.DataFrame:
    """A DataFrame of ``data``'s 1-D columns, each kept as it is (no copy).

    The columns are arrays this module made, of the right length and dtype, so pandas' checks
    of each one cost time and nothing else: on small frames they were most of the fixed cost.
    pandas' internal constructor consolidates the float columns into one block (a copy), so it
    is used for small frames only; large ones keep every column as a view (no copy). Falls back
    to the public constructor if pandas lacks the internal one.
    """
    from_arrays = getattr(pd.DataFrame, "_from_arrays", None)
    if from_arrays is not None and len(index) <= _SMALL_FRAME_ROWS:
        try:
            arrays = [value.array if isinstance(value, pd.Series) else value for value in data.values()]
            return from_arrays(arrays, columns=pd.Index(list(data)), index=index, verify_integrity=False)  # type: ignore[no-any-return]
        except (TypeError, ValueError):  # pragma: no cover - a pandas whose internals differ
            pass
    # A dict of 1-D arrays with copy=False keeps each array as it is (rows of `contributions`).
    return pd.DataFrame(data, index=index, copy=False)


def _margin_columns(compiled: CompiledRulebook, scored: _Scored) -> dict[str, Any]:
    """``margin`` and ``margin_factor`` from the contributions (docs/robustness.md)."""
    from .._analysis.robustness import batch_margins

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
        ``errors`` or ``extra_columns`` is not one of its options.
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
    book = rulebook if isinstance(rulebook, Rulebook) else as_rulebook(rulebook)
    if _is_dask(frame):
        return _recommend_dask(
            frame, rulebook=book, errors=errors, extra_columns=extra_columns, margins=margins
        )
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"recommend_many() takes a pandas or dask DataFrame, not {type(frame).__name__}; "
            "for a list of profiles use pandas.DataFrame(records)"
        )
    return _recommend_frame(frame, rulebook=book, errors=errors, extra_columns=extra_columns, margins=margins)


def _recommend_frame(
    frame: pd.DataFrame, *, rulebook: Rulebook, errors: Errors, extra_columns: ExtraColumns, margins: bool
) -> pd.DataFrame:
    """:func:`recommend_many` on a pandas frame, its arguments checked: encode, score, shape."""
    compiled = compile_rulebook(rulebook)
    encoded = encode_frame(frame, extra_columns=extra_columns)
    if encoded.bad is not None and errors == "raise":
        raise _frame_error(frame.index, encoded.problems, int(encoded.bad.sum()), encoded.n)
    scored = run_kernel(compiled, encoded)
    result = result_frame(
        compiled,
        scored,
        frame.index,
        errors=_error_column(encoded) if errors == "coerce" else None,
        margins=margins,
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
    frame: Any, *, rulebook: Rulebook, errors: Errors, extra_columns: ExtraColumns, margins: bool
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
    }
    meta = recommend_many(make_meta(frame), **options)
    return frame.map_partitions(recommend_many, **options, meta=meta)


# -- grids -----------------------------------------------------------------------------------

#: Largest grid :func:`scenario_grid` (and ``tpm-fit sweep``) builds unless ``max_rows`` allows more.
DEFAULT_MAX_ROWS: Final = 50_000_000
#: Bad values reported per axis; the rest are counted.
_MAX_REPORTED: Final = 20
#: The pydantic error type of each problem, as OrgProfile would report it.
_ERROR_TYPES: Final[dict[Problem, str]] = {
    "missing": "missing",
    "not_integer": "int_type",
    "bool": "int_type",
    "fractional": "int_type",
    "too_small": "greater_than_equal",
    "too_large": "less_than_equal",
    "not_level": "enum",
    "not_text": "level_type",
    "above_headcount": "value_error",
}


def _detail(loc: tuple[str | int, ...], value: Any, kind: str, message: str) -> InitErrorDetails:
    return {"type": PydanticCustomError(kind, "{message}", {"message": message}), "loc": loc, "input": value}


def _too_many(name: str, rows: int, max_rows: int) -> ProfileFrameError:
    return ProfileFrameError(
        f"max_rows={max_rows:,}: the {name} axis alone has {rows:,} values; give fewer values or raise "
        "max_rows",
        column=name,
    )


def _axis_array(name: str, raw: Any, max_rows: int) -> NDArray[Any]:
    """An axis as a 1-D array (integers stay an integer array), bounded before it is built."""
    if isinstance(raw, AbstractSet | Mapping):
        raise TypeError(
            f"{name}={short(raw)}: a {type(raw).__name__} has no order, so the grid's row order would "
            "change from run to run; valid: a list, tuple, range, numpy array or pandas Series "
            "(e.g. sorted(values))"
        )
    if isinstance(raw, str | bytes | Enum) or not isinstance(raw, Iterable):
        return _as_objects([raw])
    if isinstance(raw, Sized) and len(raw) > max_rows:  # a range is Sized too
        raise _too_many(name, len(raw), max_rows)
    if isinstance(raw, range):
        return np.arange(raw.start, raw.stop, raw.step, dtype=np.int64)
    if isinstance(raw, np.ndarray | pd.Series | pd.Index | pd.api.extensions.ExtensionArray):
        return _array_axis(raw)
    return _iterated_axis(name, raw, max_rows)


def _array_axis(raw: Any) -> NDArray[Any]:
    """An axis given as an array: a 1-D integer array as it is, anything else as objects."""
    array = np.asarray(raw) if getattr(raw, "ndim", 1) == 1 else None
    if array is not None and array.dtype.kind in "iu":
        return array
    return _as_objects(raw.tolist() if hasattr(raw, "tolist") else list(raw))


def _iterated_axis(name: str, raw: Iterable[Any], max_rows: int) -> NDArray[Any]:
    """An axis given as an iterable of unknown length: read at most one value past ``max_rows``."""
    items = list(islice(raw, max_rows + 1))
    if len(items) > max_rows:
        raise _too_many(name, len(items), max_rows)
    return _as_objects(items)


def _integer_axis(name: str, array: NDArray[Any]) -> tuple[NDArray[np.int64], list[InitErrorDetails]]:
    """Validate an integer axis with array operations; Python objects only for mixed lists."""
    low, high = NUMERIC_BOUNDS[name]
    if array.dtype.kind in "iu":
        numbers = array
        is_int = np.ones(len(array), dtype=bool)
        problem = np.zeros(len(array), dtype=np.int8)
    else:  # Python objects: only real ints (not bools, not floats) are integers, as in OrgProfile
        is_int = np.fromiter(
            (isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in array),
            dtype=bool,
            count=len(array),
        )
        is_bool = np.fromiter((isinstance(v, bool | np.bool_) for v in array), dtype=bool, count=len(array))
        numbers = np.zeros(len(array), dtype=np.float64)
        numbers[is_int] = [float(v) for v in array[is_int]]
        problem = np.where(is_bool, 2, np.where(is_int, 0, 1)).astype(np.int8)
    with np.errstate(invalid="ignore"):
        problem[is_int & (numbers < low)] = 3
        problem[is_int & (numbers > high)] = 4
    names: tuple[Problem, ...] = ("missing", "not_integer", "bool", "too_small", "too_large")
    details = [
        _detail(
            (name, int(i)),
            array[i].item() if hasattr(array[i], "item") else array[i],
            _ERROR_TYPES[names[problem[i]]],
            VALUE_RULES.message(name, array[i], names[problem[i]]),
        )
        for i in np.flatnonzero(problem)[:_MAX_REPORTED]
    ]
    if details:
        return np.zeros(0, dtype=np.int64), details
    valid = array if array.dtype.kind in "iu" else np.array(array.tolist(), dtype=np.int64)
    return valid.astype(np.int64, copy=False), []


def _level_axis(name: str, array: NDArray[Any]) -> tuple[NDArray[np.int8], list[InitErrorDetails]]:
    """Validate an ordered axis: level ranks, or errors naming the bad values."""
    table = {level: rank for rank, level in enumerate(_level_names(name))}
    ranks = np.fromiter(
        (table.get(v, -1) if isinstance(v, str) else -2 for v in array.tolist()),
        dtype=np.int8,
        count=len(array),
    )
    details = []
    for i in np.flatnonzero(ranks < 0)[:_MAX_REPORTED]:
        problem: Problem = "not_level" if ranks[i] == -1 else "not_text"
        details.append(
            _detail(
                (name, int(i)), array[i], _ERROR_TYPES[problem], VALUE_RULES.message(name, array[i], problem)
            )
        )
    return ranks, details


def _grid_bytes(rows: int) -> int:
    """Bytes of a grid frame: an int64 per integer field, an int8 code per ordered field."""
    return rows * sum(1 if name in ORDERED_INPUTS else 8 for name in _FIELDS)


def scenario_grid(*, max_rows: int = DEFAULT_MAX_ROWS, **axes: Any) -> pd.DataFrame:
    """Every combination of the given field values, as a frame ready for :func:`recommend_many`.

    Parameters
    ----------
    max_rows : int, default 50_000_000
        Refuse, before allocating anything, a grid of more rows than this (50M rows take about
        2.2 GB as a grid and more once scored).
    **axes
        ``OrgProfile`` field names mapped to the values to combine: a list, tuple, range,
        numpy array or pandas Series (anything ordered; a ``set`` is refused because its order
        changes from run to run), or a single value to pin the field. ``company_size`` and
        ``product_complexity`` are required; other fields not given take their defaults.
        Values are validated up front with array operations, in the words of
        :class:`~tpm_fit.OrgProfile`; a value repeated on an axis is kept once.

    Returns
    -------
    pandas.DataFrame
        One row per combination (the first axis varies slowest), a ``RangeIndex`` and every
        ``OrgProfile`` field as a column in field order: integers as ``int64``, ordered inputs
        as ordered categoricals listing all their levels. Combinations in which a coverage
        count or ``product_team_size`` exceeds ``company_size`` describe no organisation and
        are left out.

    Raises
    ------
    pydantic.ValidationError
        A value is invalid (its location is ``(field, position on the axis)``; at most 20 are
        reported per axis), a field is unknown, or a required field is not given.
    ProfileFrameError
        An axis has no values, or the grid would have more than ``max_rows`` rows (the message
        gives the rows and bytes it would take).
    TypeError
        An axis is a set or a mapping, or ``max_rows`` is not an integer.

    Examples
    --------
    >>> import tpm_fit
    >>> grid = tpm_fit.scenario_grid(company_size=[10, 1000], product_complexity=["low", "high"])
    >>> grid[["company_size", "product_complexity"]].values.tolist()
    [[10, 'low'], [10, 'high'], [1000, 'low'], [1000, 'high']]
    """
    if not isinstance(max_rows, int) or isinstance(max_rows, bool) or max_rows < 1:
        raise TypeError(f"max_rows={short(max_rows)}: not a positive integer; valid: an int of at least 1")
    chosen = _validated_axes(axes, max_rows)
    sizes = [len(values) for values in chosen.values()]
    total = math.prod(sizes)
    if total > max_rows:
        shape = " x ".join(f"{name} ({size:,})" for name, size in zip(chosen, sizes, strict=True))
        raise ProfileFrameError(
            f"max_rows={max_rows:,}: the grid {shape} has {total:,} rows (about "
            f"{_grid_bytes(total) / 2**30:,.1f} GiB before scoring); give fewer values or raise max_rows"
        )
    columns = {name: _grid_column(name, chosen, sizes, total) for name in _FIELDS}
    return _within_headcount(pd.DataFrame(columns, index=pd.RangeIndex(total), copy=False))


def _validated_axes(axes: Mapping[str, Any], max_rows: int) -> dict[str, NDArray[Any]]:
    """Each axis's distinct values (level ranks for ordered inputs), in first-occurrence order.

    Every bad value, unknown field and missing required field is reported in one
    ``ValidationError``.
    """
    line_errors: list[InitErrorDetails] = []
    chosen: dict[str, NDArray[Any]] = {}
    for name, raw in axes.items():
        if name not in OrgProfile.model_fields:
            line_errors.append(_detail((name,), raw, "extra_forbidden", VALUE_RULES.unknown_field(name, raw)))
            continue
        values, errors = _axis_values(name, _axis_array(name, raw, max_rows))
        line_errors.extend(errors)
        if not errors:
            chosen[name] = pd.unique(values)  # first occurrence order, in O(n)
    line_errors.extend(
        _detail((name,), None, "missing", VALUE_RULES.message(name, None, "missing"))
        for name in _REQUIRED
        if name not in axes
    )
    if line_errors:
        raise ValidationError.from_exception_data("scenario_grid", line_errors)
    return chosen


def _axis_values(name: str, array: NDArray[Any]) -> tuple[NDArray[Any], list[InitErrorDetails]]:
    """A non-empty axis validated as its field's kind: level ranks or int64 values, or errors."""
    if array.size == 0:
        raise ProfileFrameError(
            f"scenario_grid(): the {name} axis has no values; give at least one", column=name
        )
    if name in ORDERED_INPUTS:
        return _level_axis(name, array)
    return _integer_axis(name, array)


def _grid_column(name: str, chosen: dict[str, NDArray[Any]], sizes: list[int], total: int) -> Any:
    """The grid's column for one field: its axis repeated in place, or its default on every row."""
    if name in chosen:
        axis = list(chosen).index(name)
        inner, outer = math.prod(sizes[axis + 1 :]), math.prod(sizes[:axis])
        positions = np.tile(np.repeat(np.arange(sizes[axis]), inner), outer)
        values = chosen[name][positions]
    else:
        values = np.full(
            total, int(_default_code(name)), dtype=np.int8 if name in ORDERED_INPUTS else np.int64
        )
    if name in ORDERED_INPUTS:
        return pd.Categorical.from_codes(values, dtype=LEVEL_DTYPES[name])
    return values


def _within_headcount(grid: pd.DataFrame) -> pd.DataFrame:
    """Leave out combinations in which a count exceeds company_size: they describe no company."""
    size = grid["company_size"].to_numpy()
    keep = np.ones(len(grid), dtype=bool)
    for name in ("strategy_coverage", "marketing_coverage", "technical_coverage", "product_team_size"):
        keep &= grid[name].to_numpy() <= size
    if keep.all():
        return grid
    return grid.loc[keep].reset_index(drop=True)


# -- the DataFrame accessor ------------------------------------------------------------------


def _is_result_column(column: Hashable) -> bool:
    return isinstance(column, str) and (
        column in RESULT_COLUMNS or column.startswith((CONTRIBUTION_PREFIX, SEAT_PREFIX, RISK_PREFIX))
    )


@pd.api.extensions.register_dataframe_accessor("tpm_fit")
class ProfileFrameAccessor:
    """``frame.tpm_fit``: tpm_fit on a DataFrame of profiles.

    Registered by ``import tpm_fit`` when pandas is already imported, else by the first batch call.

    Examples
    --------
    >>> import tpm_fit
    >>> grid = tpm_fit.scenario_grid(
    ...     company_size=[10, 1000],
    ...     product_complexity="low",
    ...     strategy_coverage=1,
    ...     marketing_coverage=1,
    ...     product_team_size=1,
    ... )
    >>> grid.tpm_fit.recommend()["verdict"].tolist()
    ['either', 'technical']
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def recommend(
        self,
        *,
        rulebook: Rulebook | str | os.PathLike[str] | None = None,
        errors: Errors = "raise",
        extra_columns: ExtraColumns = "raise",
        margins: bool = False,
    ) -> pd.DataFrame:
        """Score every row: ``recommend_many(frame, ...)`` with the same keyword arguments.

        Parameters
        ----------
        rulebook : Rulebook, str or os.PathLike, optional
            The rules to apply, or the path of a TOML rulebook; :meth:`Rulebook.default` when
            omitted.
        errors : {"raise", "coerce"}, default "raise"
            See :func:`recommend_many`.
        extra_columns : {"raise", "ignore", "keep"}, default "raise"
            See :func:`recommend_many`.
        margins : bool, default False
            See :func:`recommend_many`.

        Returns
        -------
        pandas.DataFrame
            Verdict, score, role shape and contributions, with the frame's index.
        """
        result: pd.DataFrame = recommend_many(
            self._frame, rulebook=rulebook, errors=errors, extra_columns=extra_columns, margins=margins
        )
        return result

    def recommendation(
        self, label: Hashable, /, *, rulebook: Rulebook | str | os.PathLike[str] | None = None
    ) -> Recommendation:
        """The full :class:`~tpm_fit.Recommendation` (with its trace) for the row ``label``.

        Result columns joined to the profiles (``verdict``, ``score``, ``contribution.*``, ...)
        are ignored; any other column must be an ``OrgProfile`` field.

        Parameters
        ----------
        label : hashable
            The row's index label; it must be unique.
        rulebook : Rulebook, str or os.PathLike, optional
            The rules to apply, or the path of a TOML rulebook; :meth:`Rulebook.default` when
            omitted.

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
