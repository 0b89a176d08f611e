"""The public surface: exports, lazy optional imports, keyword-only options, typing marker."""

from __future__ import annotations

import ast
import importlib
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
    assert stray <= {"annotations", "TYPE_CHECKING", "Any"}, stray


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


# -- lazy loading (issue 13: import tpm_fit defines no model) -----------------------------------


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_tpm_fit_defines_no_model_and_imports_no_optional_dependency() -> None:
    code = (
        "import sys, tpm_fit\n"
        "watched = ('pydantic.main', 'pydantic_core', 'numpy', 'pandas', 'matplotlib', 'dask', "
        "'hypothesis')\n"
        "print(sorted(m for m in sys.modules if m.startswith(watched) or m.startswith('tpm_fit.')))\n"
    )
    assert _run(code) == "['tpm_fit._version']"


def _type_checking_imports() -> dict[str, str]:
    """Public name -> defining module, from the ``if TYPE_CHECKING:`` block of ``__init__.py``."""
    tree = ast.parse(Path(tpm_fit.__file__).read_text(encoding="utf-8"))
    (block,) = (
        node for node in tree.body if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
    )
    found: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.unparse(node)
        for alias in node.names:
            found[alias.asname or alias.name] = f"tpm_fit.{node.module}"
    return found


def test_every_public_name_resolves_to_the_object_its_module_defines() -> None:
    defined = _type_checking_imports()
    # Type checkers see exactly the names that exist at run time (only the version is eager).
    assert sorted(defined) == sorted(set(tpm_fit.__all__) - {"__version__"})
    pytest.importorskip("matplotlib")
    for name, module in defined.items():
        value = getattr(tpm_fit, name)
        assert value is getattr(importlib.import_module(module), name), name
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__ == "tpm_fit", name


def test_loading_one_name_publishes_its_siblings_under_tpm_fit() -> None:
    code = (
        "import tpm_fit\n"
        "result = tpm_fit.recommend(company_size=5, product_complexity='high')\n"
        "print(type(result).__module__, type(result.trace[0]).__module__, type(result.verdict).__module__)\n"
    )
    assert _run(code) == "tpm_fit tpm_fit tpm_fit"


def test_dir_lists_every_public_name() -> None:
    assert set(tpm_fit.__all__) <= set(dir(tpm_fit))


def test_an_unknown_attribute_gives_the_usual_message() -> None:
    with pytest.raises(AttributeError, match=r"^module 'tpm_fit' has no attribute 'no_such_thing'$"):
        tpm_fit.no_such_thing  # noqa: B018
    with pytest.raises(ImportError, match="cannot import name 'no_such_thing' from 'tpm_fit'"):
        exec("from tpm_fit import no_such_thing", {})


def test_star_import_and_from_import_load_on_demand() -> None:
    pytest.importorskip("matplotlib")
    code = (
        "from tpm_fit import recommend\n"
        "print(recommend(company_size=5, product_complexity='high').verdict.value)\n"
        "from tpm_fit import *\n"
        "print(OrgProfile.__module__, callable(recommend_many))\n"
    )
    verdict = tpm_fit.recommend(company_size=5, product_complexity="high").verdict.value
    assert _run(code).splitlines() == [verdict, "tpm_fit True"]


def test_the_version_is_a_constant_read_without_importlib_metadata() -> None:
    code = "import sys, tpm_fit\nprint(tpm_fit.__version__, 'importlib.metadata' in sys.modules)\n"
    assert _run(code) == f"{tpm_fit.__version__} False"
