"""tpm_fit: decide whether to hire a technical or a traditional product manager.

The rules encode the article "What Does a Technical Product Manager Do?" as weighted factors
over an organisation's situation. :func:`recommend` returns a :class:`Recommendation` with a
verdict and a trace of every factor that explains it.

Every public name is loaded on first access (PEP 562, the Scientific Python SPEC 1 pattern), so
``import tpm_fit`` defines no pydantic model and imports neither numpy's users nor pandas,
matplotlib, dask or hypothesis; ``tpm_fit.recommend`` (or ``from tpm_fit import recommend``)
loads what it needs. The ``DataFrame.tpm_fit`` accessor is registered on import when pandas is
already imported, and otherwise by the first batch call.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

from ._version import __version__ as _installed_version

if TYPE_CHECKING:  # pragma: no cover - the same names, resolved lazily at run time (__getattr__)
    from ._analysis.acceptability import VerdictShare
    from ._analysis.margins import NearestFlip, WeightChange, WeightMargin
    from ._analysis.robustness import Robustness
    from ._analysis.sensitivity import FactorSensitivity, SensitivityReport
    from ._batch.decision_map import decision_map, plot_decision_map
    from ._batch.frame import recommend_many, scenario_grid
    from ._engine.counterfactual import Counterfactual
    from ._engine.recommend import recommend
    from ._errors import InvalidArgumentError, ProfileFrameError, RulebookError, TpmFitError
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
    from ._model.verification import VerificationReport, Violation
    from ._model.vocab import Direction, Face, Favours, Presence, RoleShape, Verdict
    from ._records import (
        ChainProblem,
        ChainReport,
        DecisionLog,
        DecisionLogError,
        DecisionRecord,
        Difference,
        LoggedDecision,
        LogHead,
        Replay,
        Review,
        ReviewAction,
        replay,
    )
    from ._render import render, render_formats
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
    "InvalidArgumentError",
    "Levels",
    "LogHead",
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
    "render",
    "render_formats",
    "replay",
    "scenario_grid",
    "summarize_panel",
    "verify_rulebook",
]

#: The installed version of tpm_fit; every Recommendation records it as ``library_version``.
__version__ = _installed_version

#: Where each public name is defined. Nothing is imported until a name is first used; the
#: ``TYPE_CHECKING`` imports above give type checkers and IDEs the same names with their types.
_SUBMODULES: dict[str, tuple[str, ...]] = {
    "_errors": ("InvalidArgumentError", "ProfileFrameError", "RulebookError", "TpmFitError"),
    "_model.vocab": ("Direction", "Face", "Favours", "Presence", "RoleShape", "Verdict"),
    "_model.profile": ("EngineeringCapability", "IndustryTechIntensity", "OrgProfile", "ProductComplexity"),
    "_model.primitives": ("AllOf", "AnyOf", "Levels", "Primitive", "Ramp"),
    "_model.rulebook": (
        "Axiom",
        "Factor",
        "NeedStep",
        "RiskRule",
        "Rulebook",
        "SeatAxiom",
        "SeatProperty",
        "SeatRule",
        "Thresholds",
    ),
    "_model.result": ("Recommendation", "Risk", "TraceStep"),
    "_model.verification": ("VerificationReport", "Violation"),
    "_model.guidance": ("Guidance",),
    "_model.guidance_report": ("GuidanceProblem", "GuidanceReport"),
    "_engine.recommend": ("recommend",),
    "_engine.counterfactual": ("Counterfactual",),
    "_verify.verifier": ("verify_rulebook",),
    "_verify.guidance": ("check_guidance",),
    "_analysis.margins": ("NearestFlip", "WeightChange", "WeightMargin"),
    "_analysis.acceptability": ("VerdictShare",),
    "_analysis.robustness": ("Robustness",),
    "_analysis.sensitivity": ("FactorSensitivity", "SensitivityReport"),
    # These two import pandas (the extra ``tpm-fit[pandas]``).
    "_batch.frame": ("recommend_many", "scenario_grid"),
    "_batch.decision_map": ("decision_map", "plot_decision_map"),
    # The decision log loads sqlite3 only when used.
    "_records": (
        "ChainProblem",
        "ChainReport",
        "DecisionLog",
        "DecisionLogError",
        "DecisionRecord",
        "Difference",
        "LoggedDecision",
        "LogHead",
        "Replay",
        "Review",
        "ReviewAction",
        "replay",
    ),
    "_hiring.models": (
        "AnchoredLevel",
        "Competency",
        "Priority",
        "Probe",
        "Qualification",
        "Responsibility",
        "RoleBrief",
    ),
    "_hiring.panel": ("CompetencyPanel", "PanelSummary", "Rating", "RatingError", "summarize_panel"),
    "_render": ("render", "render_formats"),
}
_LAZY: dict[str, str] = {
    name: f"{__name__}.{module}" for module, names in _SUBMODULES.items() for name in names
}
#: Modules that need an optional dependency, and the extra that provides it.
_EXTRAS: dict[str, str] = {"_batch.frame": "pandas", "_batch.decision_map": "pandas"}


def _publish() -> None:
    """Cache every public name whose module is loaded, showing ``tpm_fit`` as its module.

    Public classes and functions say where users import them from, in reprs, docs and pickles
    (as httpx does). Whichever name loaded a module, its siblings are published with it, so a
    ``Recommendation`` returned by ``tpm_fit.recommend`` shows ``tpm_fit`` too.
    """
    namespace = globals()
    for name, module_name in _LAZY.items():
        module = sys.modules.get(module_name)
        if name in namespace or module is None:
            continue
        value = getattr(module, name, None)
        if value is None:  # the module is still being imported
            continue
        if getattr(value, "__module__", "").startswith(f"{__name__}._"):
            value.__module__ = __name__
        namespace[name] = value


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        importlib.import_module(module)
    except ImportError as exc:  # an optional dependency is missing: name the extra to install
        extra = _EXTRAS.get(module.removeprefix(f"{__name__}."))
        if extra is None:
            raise
        extra = "plot" if name == "plot_decision_map" else extra
        raise ImportError(
            f"{__name__}.{name} needs {exc.name or 'an optional dependency'}; install it with: "
            f"pip install 'tpm-fit[{extra}]'"
        ) from exc
    _publish()
    return globals()[name]


def __dir__() -> list[str]:
    return sorted(__all__)


if "pandas" in sys.modules:
    # pandas is loaded already: register the DataFrame.tpm_fit accessor now. It is a small class
    # whose methods load the batch module on first use; otherwise the first batch call registers it.
    from ._batch import accessor as _accessor  # noqa: F401
