"""Sphinx configuration of the tpm_fit documentation site.

Build it strictly (warnings are errors, every cross-reference must resolve), as CI does::

    python -m sphinx -W --keep-going -n -b html docs docs/_build/html

The API pages, the CLI reference, the Formats page's schemas and the notebook gallery are
generated at build time by ``_ext/tpm_sphinx.py`` from the installed package, so nothing here
lists a public name, a subcommand or a schema field by hand.
"""

from __future__ import annotations

import builtins
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import tpm_fit  # noqa: E402  (after the path set-up above, like every Sphinx conf.py)

project = "tpm_fit"
author = "tpm_fit developers"
copyright = "tpm_fit developers"
release = tpm_fit.__version__
version = release

extensions = [
    "myst_nb",  # MyST Markdown pages and executed notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",  # the numpydoc-style docstrings
    "sphinxcontrib.autodoc_pydantic",  # model fields with their pydantic descriptions
    "tpm_sphinx",  # generated API pages, CLI reference, schemas, internal link check
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# --- strictness: every reference resolves, or the build fails ------------------------------
nitpicky = True
# The build runs offline, so there are no intersphinx inventories for Python or third-party
# libraries: references to their objects (from type hints and docstrings) cannot resolve.
# Only those are ignored here; every tpm_fit reference must resolve.
_PY_ROLES = ("py:class", "py:exc", "py:obj", "py:func", "py:data", "py:meth", "py:attr", "py:mod")
nitpick_ignore = [(role, name) for role in _PY_ROLES for name in dir(builtins) if not name.startswith("_")]
nitpick_ignore_regex = [
    # The standard library (typing constructs, abc, enum, pathlib, argparse, ...).
    (r"py:.*", r"(typing|typing_extensions|collections|collections\.abc|enum|pathlib|argparse|os)\..*"),
    (r"py:.*", r"(Any|Self|Mapping|Sequence|Iterable|Callable|Hashable|Literal|Annotated|Path|StrEnum)"),
    # Third-party libraries the API accepts or returns (no inventories offline).
    (
        r"py:.*",
        r"(pydantic|pydantic_core|annotated_types|numpy|np|pandas|pd|matplotlib|dask|hypothesis)(\..*)?",
    ),
    (r"py:.*", r"(DataFrame|Series|Axes|SearchStrategy|ValidationError|BaseModel|ndarray|NoneType)"),
    # The standard library's value types that fields and parameters use.
    (r"py:class", r"(uuid\.)?UUID|(datetime\.)?datetime|path|text stream"),
    # pydantic's annotated types shown by their own names.
    (r"py:class", r"AwareDatetime|JsonValue"),
    # Internal protocols and aliases in the signatures of public classes (the rulebook format's
    # ``Activation`` union, a compiled ``Node``, the ``DrawSource`` of the test strategies, and the
    # TypedDict that types ``recommend(**fields)``): documented where they are used.
    (r"py:class", r"(tpm_fit\._model\.[a-z_.]+\.)?(Node|DrawSource|Activation|ProfileFields)"),
    # The profile's field declarations (``Headcount``, ``PeopleCount``, ``Level[...]``: what each
    # input is, for the registries) and the primitives' ``ActivationSource`` of random instances:
    # described on the model and contributing pages.
    (r"py:class", r"(tpm_fit\._model\.[a-z_.]+\.)?(Headcount|PeopleCount|Level|ActivationSource)"),
    # The guidance format's item models and the brief's option alias, documented on the Formats
    # page and in docs/brief.md rather than as API pages of their own.
    (r"py:class", r"(ResponsibilitySpec|QualificationSpec|ProbeSpec|Targets|Weighting)"),
    # pydantic's constrained-type markers.
    (r"py:class", r"(StrictInt|AfterValidator)"),
    # Private type aliases of constrained values (``_Count``, ``_Text``): each field's page
    # shows the constraints themselves, and the Formats page shows them in its JSON Schema.
    (r"py:class", r"_[A-Za-z]\w*"),
    # Plain words that numpydoc type descriptions use ("mapping, optional", "default 3").
    (r"py:class", r"(optional|default|mapping|sequence|iterable|callable|strategy|array-like|path-like)"),
]

# --- MyST and notebooks -----------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # "[text](usage.md#the-input-orgprofile)" links resolve as on GitHub
nb_execution_mode = "force"  # the stored notebooks have no outputs: run them on every build
# A failing cell is a warning, not an abort: -W fails the build once --keep-going has reported all.
nb_execution_raise_on_error = False
nb_execution_timeout = 300
nb_execution_show_tb = True
nb_merge_streams = True

# --- API reference ----------------------------------------------------------------------------
autosummary_generate = False  # the pages come from tpm_fit.__all__ (see _ext/tpm_sphinx.py)
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_preprocess_types = True

autodoc_pydantic_model_show_json = False  # the Formats page renders the schemas
autodoc_pydantic_model_show_config_summary = False
autodoc_pydantic_model_show_validator_summary = False
autodoc_pydantic_model_show_validator_members = False
autodoc_pydantic_model_show_field_summary = True
# "bysource" fails for fields inherited from a base model (AllOf.of); alphabetical always works.
autodoc_pydantic_model_summary_list_order = "alphabetical"
autodoc_pydantic_model_member_order = "bysource"
autodoc_pydantic_model_signature_prefix = "model"
autodoc_pydantic_field_list_validators = False
autodoc_pydantic_field_doc_policy = "description"
autodoc_pydantic_field_show_constraints = True
autodoc_pydantic_field_show_alias = False

# --- HTML -------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"tpm_fit {release}"
html_static_path: list[str] = []
html_copy_source = False  # the link check then covers everything a reader can follow
html_show_sourcelink = False
