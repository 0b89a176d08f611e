"""tpm_fit: decide whether to hire a technical or a traditional product manager.

The rules encode the article "What Does a Technical Product Manager Do?" as weighted factors
over an organisation's situation. :func:`recommend` returns a :class:`Recommendation` with a
verdict and a trace of every factor that explains it.

Importing this package does not import pandas, matplotlib, dask or hypothesis; the batch
functions load pandas on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._analysis.robustness import (
    FactorSensitivity,
    NearestFlip,
    Robustness,
    SensitivityReport,
    VerdictShare,
    WeightChange,
    WeightMargin,
)
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
    "FactorSensitivity",
    "IndustryTechIntensity",
    "NearestFlip",
    "OrgProfile",
    "ProductComplexity",
    "ProfileFrameError",
    "Recommendation",
    "Risk",
    "Robustness",
    "RoleShape",
    "Rulebook",
    "RulebookError",
    "SensitivityReport",
    "TpmFitError",
    "TraceStep",
    "Verdict",
    "VerdictShare",
    "VerificationReport",
    "Violation",
    "WeightChange",
    "WeightMargin",
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tpm_fit' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
