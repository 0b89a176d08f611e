"""Scenario grids: every combination of some field values, as a frame of profiles.

Axes are validated up front with array operations, in the words of :class:`~tpm_fit.OrgProfile`,
and the grid's size is bounded before anything is allocated.

Imported through :mod:`tpm_fit._batch.frame`, which says which extra to install without pandas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sized
from collections.abc import Set as AbstractSet
from enum import Enum
from itertools import islice
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .._errors import ProfileFrameError, short
from .._model.grammar import Problem
from .._model.profile import NUMERIC_BOUNDS, ORDERED_INPUTS, VALUE_RULES, OrgProfile, within_headcount
from .encode import _FIELDS, _REQUIRED, LEVEL_DTYPES, _as_objects, _default_code, _level_names

__all__ = ["DEFAULT_MAX_ROWS", "scenario_grid"]

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


#: Largest ``max_rows`` accepted: far beyond any memory, and within what islice and numpy take.
MAX_MAX_ROWS: Final = 10**12


def _range_length(raw: range) -> int:
    """``len(raw)`` without OverflowError for ranges longer than sys.maxsize."""
    if raw.step > 0:
        return max(0, (raw.stop - raw.start + raw.step - 1) // raw.step)
    return max(0, (raw.start - raw.stop - raw.step - 1) // -raw.step)


def _spec_length(raw: Any) -> int | None:
    """How many values an axis has, read from its spec without building it (None: not known)."""
    if isinstance(raw, str | bytes | Enum) or not isinstance(raw, Iterable):
        return 1
    if isinstance(raw, range):
        return _range_length(raw)
    return len(raw) if isinstance(raw, Sized) else None


def check_spec_rows(axes: Mapping[str, Any], max_rows: int) -> None:
    """Refuse, before any axis is built, a grid whose axis lengths multiply past ``max_rows``.

    Lengths come from the specs (``len``, a range's arithmetic), so six ``range(10**7)`` axes are
    refused at once rather than after building each of them.
    """
    lengths = {name: _spec_length(raw) for name, raw in axes.items()}
    known = {name: size for name, size in lengths.items() if size is not None}
    for name, size in known.items():
        if size > max_rows:
            raise _too_many(name, size, max_rows)
    total = math.prod(known.values())
    if total > max_rows:
        shape = " x ".join(f"{name} ({size:,})" for name, size in known.items())
        least = "at least " if len(known) < len(lengths) else ""
        raise ProfileFrameError(
            f"max_rows={max_rows:,}: the grid {shape} has {least}{total:,} rows (about "
            f"{_grid_bytes(total) / 2**30:,.1f} GiB before scoring); give fewer values or raise max_rows"
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
    size = _spec_length(raw)
    if size is not None and size > max_rows:
        raise _too_many(name, size, max_rows)
    if isinstance(raw, range):
        if all(-(2**63) <= end < 2**63 for end in (raw.start, raw.stop)):
            return np.arange(raw.start, raw.stop, raw.step, dtype=np.int64)
        return _as_objects(list(raw))  # beyond int64: each value is refused as too large
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
        as ordered categoricals listing all their levels. Combinations in which a count of
        people (a coverage count, ``product_team_size``) exceeds ``company_size`` describe no
        organisation and are left out.

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
    if not isinstance(max_rows, int | np.integer) or isinstance(max_rows, bool) or max_rows < 1:
        raise TypeError(f"max_rows={short(max_rows)}: not a positive integer; valid: an int of at least 1")
    if max_rows > MAX_MAX_ROWS:
        raise ProfileFrameError(
            f"max_rows={max_rows:,}: too large; valid: a whole number from 1 to {MAX_MAX_ROWS:,}"
        )
    max_rows = int(max_rows)
    check_spec_rows(axes, max_rows)
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
    keep = within_headcount({name: grid[name].to_numpy() for name in NUMERIC_BOUNDS})
    if keep.all():
        return grid
    return grid.loc[keep].reset_index(drop=True)
