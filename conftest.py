"""Collection rules for the whole repository (the package's doctests included).

Doctests of modules that import an optional dependency are left out when it is missing, so a
core install (``pip install tpm-fit pytest``) runs the core tests and skips the rest cleanly.
"""

from __future__ import annotations

from importlib.util import find_spec

#: Modules whose import needs an extra, and the module that extra provides.
_NEEDS_EXTRA: dict[str, str] = {
    "src/tpm_fit/_batch/frame.py": "pandas",
    "src/tpm_fit/_batch/decision_map.py": "pandas",
    "src/tpm_fit/testing.py": "hypothesis",
    **{f"src/tpm_fit/_server/{name}.py": "fastapi" for name in ("app", "api", "auth", "pages", "problems")},
}

collect_ignore = [path for path, module in _NEEDS_EXTRA.items() if find_spec(module) is None]
