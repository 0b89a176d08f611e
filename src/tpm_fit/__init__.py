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

from ._engine.recommend import LIBRARY_VERSION, recommend
from ._errors import ProfileFrameError, RulebookError, TpmFitError
from ._model.primitives import AllOf, AnyOf, Levels, Primitive, Ramp
from ._model.profile import EngineeringCapability, IndustryTechIntensity, OrgProfile, ProductComplexity
from ._model.result import Recommendation, Risk, TraceStep
from ._model.rulebook import (
    Axiom,
    Factor,
    NeedStep,
    RiskRule,
    Rulebook,
    SeatAxiom,
    SeatProperty,
    SeatRule,
    Thresholds,
)
from ._model.vocab import Direction, Face, Favours, Presence, RoleShape, Verdict

if TYPE_CHECKING:  # pragma: no cover - resolved lazily at run time, see __getattr__
    from ._analysis.robustness import (
        FactorSensitivity,
        NearestFlip,
        Robustness,
        SensitivityReport,
        VerdictShare,
        WeightChange,
        WeightMargin,
    )
    from ._batch.decision_map import decision_map, plot_decision_map
    from ._batch.frame import recommend_many, scenario_grid
    from ._engine.counterfactual import Counterfactual
    from ._hiring.models import (
        AnchoredLevel,
        Competency,
        Priority,
        Probe,
        Qualification,
        Responsibility,
        RoleBrief,
    )
    from ._hiring.panel import CompetencyPanel, PanelSummary, Rating, RatingError, summarize_panel
    from ._model.guidance import Guidance
    from ._model.guidance_report import GuidanceProblem, GuidanceReport
    from ._model.verification import VerificationReport, Violation
    from ._records import (
        ChainProblem,
        ChainReport,
        DecisionLog,
        DecisionLogError,
        DecisionRecord,
        Difference,
        LoggedDecision,
        Replay,
        Review,
        ReviewAction,
        replay,
    )
    from ._verify.guidance import check_guidance
    from ._verify.verifier import verify_rulebook

__all__ = [
    "AllOf",
    "AnchoredLevel",
    "AnyOf",
    "Axiom",
    "ChainProblem",
    "ChainReport",
    "Competency",
    "CompetencyPanel",
    "Counterfactual",
    "DecisionLog",
    "DecisionLogError",
    "DecisionRecord",
    "Difference",
    "Direction",
    "EngineeringCapability",
    "Face",
    "Factor",
    "FactorSensitivity",
    "Favours",
    "Guidance",
    "GuidanceProblem",
    "GuidanceReport",
    "IndustryTechIntensity",
    "Levels",
    "LoggedDecision",
    "NearestFlip",
    "NeedStep",
    "OrgProfile",
    "PanelSummary",
    "Presence",
    "Primitive",
    "Priority",
    "Probe",
    "ProductComplexity",
    "ProfileFrameError",
    "Qualification",
    "Ramp",
    "Rating",
    "RatingError",
    "Recommendation",
    "Replay",
    "Responsibility",
    "Review",
    "ReviewAction",
    "Risk",
    "RiskRule",
    "Robustness",
    "RoleBrief",
    "RoleShape",
    "Rulebook",
    "RulebookError",
    "SeatAxiom",
    "SeatProperty",
    "SeatRule",
    "SensitivityReport",
    "Thresholds",
    "TpmFitError",
    "TraceStep",
    "Verdict",
    "VerdictShare",
    "VerificationReport",
    "Violation",
    "WeightChange",
    "WeightMargin",
    "__version__",
    "check_guidance",
    "decision_map",
    "plot_decision_map",
    "recommend",
    "recommend_many",
    "replay",
    "scenario_grid",
    "summarize_panel",
    "verify_rulebook",
]

#: The installed version of tpm_fit; every Recommendation records it as ``library_version``.
__version__ = LIBRARY_VERSION

#: Public names defined in modules that import optional dependencies, loaded on first access.
_LAZY: dict[str, str] = {
    "recommend_many": "tpm_fit._batch.frame",
    "scenario_grid": "tpm_fit._batch.frame",
    "decision_map": "tpm_fit._batch.decision_map",
    "plot_decision_map": "tpm_fit._batch.decision_map",
    "VerificationReport": "tpm_fit._model.verification",
    "Violation": "tpm_fit._model.verification",
    "verify_rulebook": "tpm_fit._verify.verifier",
    # Loaded on first use to keep `import tpm_fit` short (docs/performance.md).
    "Counterfactual": "tpm_fit._engine.counterfactual",
    "FactorSensitivity": "tpm_fit._analysis.robustness",
    "NearestFlip": "tpm_fit._analysis.robustness",
    "Robustness": "tpm_fit._analysis.robustness",
    "SensitivityReport": "tpm_fit._analysis.robustness",
    "VerdictShare": "tpm_fit._analysis.robustness",
    "WeightChange": "tpm_fit._analysis.robustness",
    "WeightMargin": "tpm_fit._analysis.robustness",
    # The decision log loads sqlite3 only when used.
    "ChainProblem": "tpm_fit._records",
    "ChainReport": "tpm_fit._records",
    "DecisionLog": "tpm_fit._records",
    "DecisionLogError": "tpm_fit._records",
    "DecisionRecord": "tpm_fit._records",
    "Difference": "tpm_fit._records",
    "LoggedDecision": "tpm_fit._records",
    "Replay": "tpm_fit._records",
    "Review": "tpm_fit._records",
    "ReviewAction": "tpm_fit._records",
    "replay": "tpm_fit._records",
    # The role brief and the panel summary (issue 10).
    "AnchoredLevel": "tpm_fit._hiring.models",
    "Competency": "tpm_fit._hiring.models",
    "Priority": "tpm_fit._hiring.models",
    "Probe": "tpm_fit._hiring.models",
    "Qualification": "tpm_fit._hiring.models",
    "Responsibility": "tpm_fit._hiring.models",
    "RoleBrief": "tpm_fit._hiring.models",
    "Guidance": "tpm_fit._model.guidance",
    "GuidanceProblem": "tpm_fit._model.guidance_report",
    "GuidanceReport": "tpm_fit._model.guidance_report",
    "CompetencyPanel": "tpm_fit._hiring.panel",
    "PanelSummary": "tpm_fit._hiring.panel",
    "Rating": "tpm_fit._hiring.panel",
    "RatingError": "tpm_fit._hiring.panel",
    "summarize_panel": "tpm_fit._hiring.panel",
    "check_guidance": "tpm_fit._verify.guidance",
}


def _public(value: Any) -> Any:
    """Show the public import path in reprs, docs and pickles (as httpx does)."""
    if getattr(value, "__module__", "").startswith("tpm_fit._"):
        value.__module__ = "tpm_fit"
    return value


for _name in __all__:
    if _name in globals() and _name != "__version__":
        _public(globals()[_name])


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
    value = _public(getattr(loaded, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
