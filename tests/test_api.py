"""The public surface: exports, lazy optional imports, keyword-only options, typing marker."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import tpm_fit


def test_all_matches_what_the_package_exports() -> None:
    assert sorted(tpm_fit.__all__) == tpm_fit.__all__
    assert len(set(tpm_fit.__all__)) == len(tpm_fit.__all__)
    for name in tpm_fit.__all__:
        try:
            value = getattr(tpm_fit, name)
        except ImportError as exc:  # a core install: the message names the extra to install
            assert "pip install 'tpm-fit[" in str(exc), name  # noqa: PT017
            continue
        assert value is not None, name
    public = {name for name in vars(tpm_fit) if not name.startswith("_")}
    # Everything public at module level is either exported or a submodule.
    stray = {name for name in public - set(tpm_fit.__all__) if not inspect.ismodule(getattr(tpm_fit, name))}
    assert stray <= {"annotations", "TYPE_CHECKING", "Any", "LIBRARY_VERSION"}, stray


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        tpm_fit.no_such_thing  # noqa: B018


def test_importing_tpm_fit_does_not_import_optional_dependencies() -> None:
    code = (
        "import sys, tpm_fit\n"
        "tpm_fit.recommend(company_size=10, product_complexity='low')\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'dask', 'hypothesis') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _public_callables() -> list[tuple[str, object]]:
    items: list[tuple[str, object]] = [("recommend", tpm_fit.recommend)]
    for cls in (tpm_fit.Rulebook, tpm_fit.Recommendation):
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member):
                items.append((f"{cls.__name__}.{name}", member))
    return items


@pytest.mark.parametrize(("name", "func"), _public_callables())
def test_arguments_with_defaults_are_keyword_only(name: str, func: object) -> None:
    target = getattr(func, "__func__", func)
    if not callable(target):
        return
    for param in inspect.signature(target).parameters.values():
        if param.default is not inspect.Parameter.empty:
            assert param.kind in (param.KEYWORD_ONLY, param.POSITIONAL_ONLY), f"{name}({param.name})"


def test_py_typed_marker_is_shipped() -> None:
    assert (Path(tpm_fit.__file__).parent / "py.typed").is_file()


def test_public_functions_have_numpydoc_docstrings() -> None:
    for func in (tpm_fit.recommend, tpm_fit.Rulebook.from_toml, tpm_fit.Rulebook.with_weights):
        doc = inspect.getdoc(func) or ""
        assert "Parameters\n----------" in doc
        assert "Returns\n-------" in doc or "Raises\n------" in doc


def test_error_hierarchy() -> None:
    assert issubclass(tpm_fit.RulebookError, tpm_fit.TpmFitError)
    assert issubclass(tpm_fit.RulebookError, ValueError)


def test_result_schema_describes_every_field() -> None:
    schema = tpm_fit.Recommendation.model_json_schema()
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
    for model in ("TraceStep", "Risk", "OrgProfile", "Thresholds"):
        for name, prop in schema["$defs"][model]["properties"].items():
            assert prop.get("description"), f"{model}.{name}"
