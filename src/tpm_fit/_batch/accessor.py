"""The ``DataFrame.tpm_fit`` accessor: registered with pandas when this module is imported.

This module imports pandas and nothing else of tpm_fit at module level: ``import tpm_fit``
imports it when pandas is already loaded (registering costs next to nothing), and
:mod:`.frame` imports it so that the first batch call registers it otherwise. The methods load
:func:`~tpm_fit.recommend_many` and the models on first use.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

if TYPE_CHECKING:
    from .._model.result import Recommendation
    from .._model.rulebook import Rulebook
    from .encode import ExtraColumns
    from .frame import Errors

__all__ = ["ProfileFrameAccessor"]


@pd.api.extensions.register_dataframe_accessor("tpm_fit")
class ProfileFrameAccessor:
    """``frame.tpm_fit``: tpm_fit on a DataFrame of profiles.

    Registered by ``import tpm_fit`` when pandas is already imported, else by the first batch call.
    The methods load the batch machinery (and the models) on first use, so registering is cheap.

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
        threads: int | None = None,
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
        threads : int, optional
            See :func:`recommend_many`.

        Returns
        -------
        pandas.DataFrame
            Verdict, score, role shape and contributions, with the frame's index.
        """
        from .frame import recommend_many

        result: pd.DataFrame = recommend_many(
            self._frame,
            rulebook=rulebook,
            errors=errors,
            extra_columns=extra_columns,
            margins=margins,
            threads=threads,
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
        from .._engine.recommend import recommend
        from .._errors import ProfileFrameError
        from .encode import _is_result_column

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
