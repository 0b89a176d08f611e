"""tpm_fit: decide whether to hire a technical or a traditional product manager.

The rules encode the article "What Does a Technical Product Manager Do?" as weighted factors
over an organisation's situation. :func:`recommend` returns a :class:`Recommendation` with a
verdict and a trace of every factor that explains it.

Importing this package does not import pandas, matplotlib, dask or hypothesis; the batch
functions load pandas on first use. The ``DataFrame.tpm_fit`` accessor is registered on import
when pandas is already imported, and otherwise by the first batch call.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ._engine.counterfactual import Counterfactual
from ._engine.recommend import LIBRARY_VERSION, recommend
from ._errors import ProfileFrameError, RulebookError, TpmFitError
from ._model.profile import EngineeringCapability, IndustryTechIntensity, OrgProfile, ProductComplexity
from ._model.result import Face, Recommendation, Risk, RoleShape, TraceStep, Verdict
from ._model.rulebook import Rulebook

if TYPE_CHECKING:  # pragma: no cover - resolved lazily at run time, see __getattr__
    from ._batch.decision_map import decision_map, plot_decision_map
    from ._batch.frame import recommend_many, scenario_grid
    from ._verify.verifier import VerificationReport, Violation, verify_rulebook

__all__ = [
    "Counterfactual",
    "EngineeringCapability",
    "Face",
    "IndustryTechIntensity",
    "OrgProfile",
    "ProductComplexity",
    "ProfileFrameError",
    "Recommendation",
    "Risk",
    "RoleShape",
    "Rulebook",
    "RulebookError",
    "TpmFitError",
    "TraceStep",
    "Verdict",
    "VerificationReport",
    "Violation",
    "__version__",
    "decision_map",
    "plot_decision_map",
    "recommend",
    "recommend_many",
    "scenario_grid",
    "verify_rulebook",
]

__version__ = LIBRARY_VERSION

#: Public names defined in modules that import optional dependencies, loaded on first access.
_LAZY: dict[str, str] = {
    "recommend_many": "tpm_fit._batch.frame",
    "scenario_grid": "tpm_fit._batch.frame",
    "decision_map": "tpm_fit._batch.decision_map",
    "plot_decision_map": "tpm_fit._batch.decision_map",
    "VerificationReport": "tpm_fit._verify.verifier",
    "Violation": "tpm_fit._verify.verifier",
    "verify_rulebook": "tpm_fit._verify.verifier",
}


if "pandas" in sys.modules:
    # pandas is loaded already, so loading the batch module costs little: register the
    # DataFrame.tpm_fit accessor now. Otherwise the first batch call registers it.
    from ._batch import frame as _frame  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tpm_fit' has no attribute {name!r}")
    from importlib import import_module

    try:
        loaded = import_module(module)
    except ImportError as exc:  # an optional dependency is missing: name the extra to install
        extra = "plot" if name == "plot_decision_map" else "pandas"
        raise ImportError(
            f"tpm_fit.{name} needs {exc.name or 'an optional dependency'}; install it with: "
            f"pip install 'tpm-fit[{extra}]'"
        ) from exc
    value = getattr(loaded, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
