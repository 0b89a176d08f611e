"""Validate and encode a DataFrame of profiles as the kernel's input columns.

Each column is checked with array operations (levels matched against the level lists; numbers
checked for type, range and wholeness) and every bad row is recorded with what is wrong with it,
in the words of :class:`~tpm_fit.OrgProfile`, instead of raising from numpy. Only object columns
holding a mix of Python types are inspected value by value, and only to say what is wrong.

Imported through :mod:`tpm_fit._batch.frame`, which says which extra to install without pandas.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from itertools import pairwise
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._engine.kernel import INPUT_NAMES
from .._errors import ProfileFrameError, short
from .._model.grammar import Problem
from .._model.profile import (
    HEADCOUNT,
    NUMERIC_BOUNDS,
    ORDERED_INPUTS,
    VALUE_RULES,
    OrgProfile,
    above_headcount,
)
from .._model.suggest import did_you_mean

ExtraColumns = Literal["raise", "ignore", "keep"]
_EXTRA_VALUES: Final = ("raise", "ignore", "keep")

#: Levels of each ordered input, lowest first, as an ordered categorical dtype.
LEVEL_DTYPES: Final[dict[str, pd.CategoricalDtype]] = {
    name: pd.CategoricalDtype([level.value for level in levels], ordered=True)
    for name, levels in ORDERED_INPUTS.items()
}
CONTRIBUTION_PREFIX: Final = "contribution."
SEAT_PREFIX: Final = "seat."
RISK_PREFIX: Final = "risk."
WARNING_PREFIX: Final = "warning."
#: Columns that recommend_many adds besides ``seat.<face>``, ``risk.<risk_id>``,
#: ``warning.<statement_id>`` and ``contribution.<factor_id>``.
RESULT_COLUMNS: Final = (
    "verdict",
    "score",
    "role_shape",
    "hire_needed",
    "open_seats",
    "assumed",
    "error",
    "margin",
    "margin_factor",
)

_FIELDS: Final = tuple(OrgProfile.model_fields)
_REQUIRED: Final = tuple(name for name, info in OrgProfile.model_fields.items() if info.is_required())
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


def _arrow_codes(values: Any, levels: list[str]) -> NDArray[np.int8] | None:
    """Level ranks of a column of strings through pyarrow's hash lookup, or None if not applicable."""
    pa = _pyarrow()
    if pa is None:  # pragma: no cover - pyarrow is in the dev extra
        return None
    try:
        if pd.api.types.is_object_dtype(values.dtype):
            array = pa.array(values, type=pa.large_string(), from_pandas=True)
        else:
            array = pa.array(values)
        if pa.types.is_dictionary(array.type):
            return _dictionary_codes(pa, array, levels)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # not all strings: the caller falls back
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    found = pa.compute.index_in(array, value_set=pa.array(levels, type=array.type))
    if found.null_count:  # values that are no level (or missing) rank -1
        found = found.fill_null(-1)
    # np.array copies: arrow's buffers are read-only, and bad rows get a placeholder written.
    return np.array(found.to_numpy(zero_copy_only=False), dtype=np.int8)


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


def _level_codes(values: Any, levels: list[str]) -> NDArray[np.int8]:
    """Rank of each value among ``levels``; -1 for anything else.

    ``values`` is a column's stored values: a numpy array or a pandas ExtensionArray. The result
    is read-only to the caller: for a categorical column in level order it is pandas' own codes.
    """
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical_codes(values, levels)
    is_object = pd.api.types.is_object_dtype(dtype)
    inferred = pd.api.types.infer_dtype(values, skipna=True) if is_object else ""
    if _is_text_dtype(dtype) or inferred in ("string", "empty"):
        return _text_codes(values, levels)
    if is_object:
        return _mixed_codes(values, levels)
    return np.full(len(values), -1, dtype=np.int8)  # numbers, dates, bytes, ...: never a level


#: Level ranks of each categories Index seen lately, keyed by its id (the Index is kept, so
#: the id stays its own): a frame scored again, or columns sharing a dtype, skip the lookup.
_CATEGORY_RANKS: dict[int, tuple[pd.Index[Any], tuple[str, ...], NDArray[np.int8], bool]] = {}
_CATEGORY_RANKS_SIZE: Final = 64


def _categorical_codes(values: pd.Categorical, levels: list[str]) -> NDArray[np.int8]:
    """Level ranks of a categorical column: each category is looked up once."""
    lookup, in_order = _category_lookup(values.dtype.categories, levels)
    codes = np.asarray(values.codes)  # numpy codes, no Series built
    if in_order and codes.dtype == np.int8:
        # Categories in level order (a prefix of it): codes are ranks, and -1 (missing) stays -1.
        # pandas' own array, not a copy: nothing downstream writes to an encoded column.
        return codes
    return _take_blocks(lookup, codes)


def _take_blocks(table: NDArray[np.int8], codes: NDArray[Any]) -> NDArray[np.int8]:
    """``table[codes]`` (negative codes count from the end), block by block.

    numpy widens an index to intp before a lookup; blocks keep that temporary small and in cache
    instead of a fresh array eight times the size of the codes.
    """
    n = len(codes)
    out = np.empty(n, dtype=np.int8)
    for start in range(0, n, _BLOCK):
        table.take(codes[start : start + _BLOCK], out=out[start : start + _BLOCK], mode="wrap")
    return out


#: Rows per block where a lookup would otherwise widen a whole column at once.
_BLOCK: Final = 1 << 16


def _category_lookup(categories: pd.Index[Any], levels: list[str]) -> tuple[NDArray[np.int8], bool]:
    """Rank of each category among ``levels`` (-1 if none), then -1 for the missing code; and
    whether the categories are the levels in order (a prefix of them), so codes are ranks."""
    key = tuple(levels)
    cached = _CATEGORY_RANKS.get(id(categories))
    if cached is not None and cached[0] is categories and cached[1] == key:
        return cached[2], cached[3]
    ranks = [levels.index(c) if isinstance(c, str) and c in levels else -1 for c in categories]
    lookup = np.array([*ranks, -1], dtype=np.int8)  # the trailing -1 maps the missing code to "bad"
    in_order = ranks == list(range(len(ranks)))
    if len(_CATEGORY_RANKS) >= _CATEGORY_RANKS_SIZE:
        _CATEGORY_RANKS.clear()
    _CATEGORY_RANKS[id(categories)] = (categories, key, lookup, in_order)
    return lookup, in_order


def _text_codes(values: Any, levels: list[str]) -> NDArray[np.int8]:
    """Level ranks of a column of strings: pyarrow's hash lookup, else a pandas Categorical."""
    arrow = _arrow_codes(values, levels)
    if arrow is not None:
        return arrow
    codes = pd.Categorical(np.asarray(values, dtype=object), categories=levels).codes
    return np.array(codes, dtype=np.int8)  # a copy: pandas may hand out read-only codes


def _mixed_codes(values: NDArray[np.object_], levels: list[str]) -> NDArray[np.int8]:
    """Level ranks of a mix of Python types: strings only, so b"high" or 2 is never a level."""
    table = {level: rank for rank, level in enumerate(levels)}
    return np.fromiter(
        (table.get(v, -1) if isinstance(v, str) else -1 for v in values),
        dtype=np.int8,
        count=len(values),
    )


def _encode_ordered(name: str, series: pd.Series[Any]) -> tuple[NDArray[np.int8], list[_Problem | None]]:
    """An ordered input as level ranks (0 = lowest) for the kernel, with its problems."""
    codes = _level_codes(_stored(series), _level_names(name))
    return _ordered_problems(name, codes, series)


def _ordered_problems(
    name: str, codes: NDArray[np.int8], series: pd.Series[Any]
) -> tuple[NDArray[np.int8], list[_Problem | None]]:
    """The problems of the rows whose code is -1 (``codes`` gets a placeholder there)."""
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
    # A placeholder rank for bad rows (their results are discarded), in a new array: ``codes``
    # may be the column's own categorical codes.
    return np.where(unknown, np.int8(0), codes), problems


def _stored(series: pd.Series[Any]) -> Any:
    """A Series' values as pandas stores them: a numpy array or an ExtensionArray (no copy)."""
    return series.to_numpy() if isinstance(series.dtype, np.dtype) else series.array


def _column_values(frame: pd.DataFrame, position: int) -> Any:
    """The stored values of a frame's column, without building a Series (a fixed cost per column).

    ``DataFrame._get_column_array`` (pandas 1.3 to 3.x) hands out the block's values; a pandas
    without it gets the same values through a Series.
    """
    getter = getattr(frame, "_get_column_array", None)
    if getter is not None:
        return getter(position)
    return _stored(frame.iloc[:, position])  # pragma: no cover - every supported pandas has it


def _encode_column(
    name: str, frame: pd.DataFrame, position: int, matched: NDArray[np.int8] | None = None
) -> tuple[NDArray[Any], list[_Problem | None]]:
    """One input column for the kernel: straight from the stored values when they are all valid.

    Only a column with a bad row (or of an unusual dtype) builds a Series, and then takes the
    path that names every problem; a valid column gives the same array either way. ``matched``
    holds the level ranks of a string column already matched (:func:`_match_text_columns`).
    """
    values = _column_values(frame, position)
    if name in ORDERED_INPUTS:
        codes = matched if matched is not None else _level_codes(values, _level_names(name))
        if codes.size == 0 or codes.min() >= 0:
            return codes, []
        return _ordered_problems(name, codes, frame.iloc[:, position])
    whole = _valid_numbers(name, values)
    if whole is not None:
        return whole, []
    return _encode_integer(name, frame.iloc[:, position])


def _arrow_text_columns(frame: pd.DataFrame, positions: Mapping[str, int]) -> dict[str, Any]:
    """The stored values of the level columns that are Arrow-backed strings, by name."""
    return {
        name: values
        for name in ORDERED_INPUTS
        if name in positions and _is_arrow_text(values := _column_values(frame, positions[name]))
    }


def _encode_threaded(
    frame: pd.DataFrame, positions: Mapping[str, int], threads: int
) -> dict[str, tuple[NDArray[Any], list[_Problem | None]]]:
    """:func:`_encode_present` with the Arrow string columns matched on ``threads`` threads.

    Matching strings (pyarrow's hash lookup, which releases the GIL) is the costly part of
    encoding. Each such column is cut into row ranges (zero-copy slices); pool threads take
    ranges one at a time from a shared queue, and this thread joins them once it has encoded
    the other columns, so the work balances whatever the mix. Ranks are per row, so joining the
    ranges gives exactly the ranks of the whole column.
    """
    text = _arrow_text_columns(frame, positions)
    n = len(frame)
    if not text or n < 2 * threads:
        return _encode_present(frame, positions)
    from concurrent.futures import ThreadPoolExecutor

    pieces = 2 * threads  # ranges per column: enough to balance, few enough to amortise a call
    cuts = [n * k // pieces for k in range(pieces + 1)]
    tasks = [(name, start, stop) for name in text for start, stop in pairwise(cuts)]
    matched = {name: np.empty(n, dtype=np.int8) for name in text}
    queue = iter(tasks)  # next() on it is atomic: each range is taken once

    def match() -> None:
        for name, start, stop in queue:
            matched[name][start:stop] = _level_codes(text[name][start:stop], _level_names(name))

    with ThreadPoolExecutor(threads - 1, thread_name_prefix="tpm_fit") as pool:
        helpers = [pool.submit(match) for _ in range(threads - 1)]
        encoded = _encode_present(frame, {k: v for k, v in positions.items() if k not in text})
        match()
        for helper in helpers:
            helper.result()
    encoded.update(_encode_present(frame, {name: positions[name] for name in text}, matched))
    return encoded


def _encode_present(
    frame: pd.DataFrame, positions: Mapping[str, int], matched: Mapping[str, NDArray[np.int8]] | None = None
) -> dict[str, tuple[NDArray[Any], list[_Problem | None]]]:
    """Every input column of ``positions`` encoded (:func:`_encode_column`), by name."""
    return {
        name: _encode_column(name, frame, positions[name], (matched or {}).get(name))
        for name in INPUT_NAMES
        if name in positions
    }


def _is_arrow_text(values: Any) -> bool:
    """Whether ``values`` are Arrow-backed strings (not a dictionary: those are matched cheaply)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return dtype.storage == "pyarrow"
    return _is_text_dtype(dtype) and not _is_dictionary(dtype)


def _is_dictionary(dtype: Any) -> bool:
    pa = _pyarrow()
    return (
        pa is not None
        and isinstance(dtype, pd.ArrowDtype)
        and bool(pa.types.is_dictionary(dtype.pyarrow_dtype))
    )


def _valid_numbers(name: str, values: Any) -> NDArray[Any] | None:
    """A numpy integer or float column every value of which is valid, as the kernel reads it.

    int64 as it is; other integers and floats as float64, exactly as :func:`_encode_integer`
    converts them. None when a value is not valid (or for any other dtype).
    """
    if not isinstance(values, np.ndarray) or values.dtype.kind not in "iuf":
        return None
    array: NDArray[Any] = values
    if array.dtype.kind == "f":
        array = np.asarray(array, dtype=np.float64) + 0.0  # as _encode_other_numbers: a copy, no -0.0
    low, high = NUMERIC_BOUNDS[name]
    if not _all_valid(array, None, low, high):
        return None
    if array.dtype.kind in "iu" and array.dtype != np.int64:
        return array.astype(np.float64)
    return array


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


def encode_frame(frame: pd.DataFrame, *, extra_columns: ExtraColumns = "raise", threads: int = 1) -> _Encoded:
    """Validate a profile frame and encode it as the kernel's columns (values and level ranks).

    With ``threads`` above 1, Arrow string columns are matched on that many threads while the
    other columns are encoded (:func:`_encode_threaded`); the result is the same.
    """
    names = frame.columns.tolist()
    _check_columns(names, extra_columns=extra_columns)
    positions = {name: position for position, name in enumerate(names) if isinstance(name, str)}
    n = len(frame)
    encoded = (
        _encode_threaded(frame, positions, threads) if threads > 1 else _encode_present(frame, positions)
    )
    columns: dict[str, NDArray[Any]] = {}
    found: list[_Problem | None] = []
    for name in INPUT_NAMES:
        if name not in encoded:
            code = _default_code(name)
            columns[name] = np.full(n, code, dtype=np.int8 if name in ORDERED_INPUTS else np.int64)
            continue
        columns[name], column_problems = encoded[name]
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
    """Rows in which a count of people exceeds the company's headcount (as OrgProfile)."""
    size = columns[HEADCOUNT]
    out: list[_Problem | None] = []
    for name, above in above_headcount(columns):  # NaN (rows already reported) compares False
        count = columns[name]
        if above.any():
            rows = np.flatnonzero(above)
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


def _is_result_column(column: Hashable) -> bool:
    return isinstance(column, str) and (
        column in RESULT_COLUMNS
        or column.startswith((CONTRIBUTION_PREFIX, SEAT_PREFIX, RISK_PREFIX, WARNING_PREFIX))
    )
