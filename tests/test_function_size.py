"""Issue 7: no function in ``src/`` is longer than about 60 lines of code (docstring excluded).

A longer function is a sign to name its steps (small helpers, a state object with ``update()``,
a dispatch table). Measured the same way as the issue's figures.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1] / "src" / "tpm_fit"
MAX_CODE_LINES = 60


def _code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    assert node.end_lineno is not None
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        assert first.end_lineno is not None
        lines -= first.end_lineno - first.lineno + 1
    return lines


def long_functions(root: Path, limit: int) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _code_lines(node) > limit:
                found.append(
                    f"{path.relative_to(root)}:{node.lineno} {node.name} ({_code_lines(node)} lines)"
                )
    return found


def test_no_function_in_src_is_longer_than_the_limit() -> None:
    assert long_functions(ROOT, MAX_CODE_LINES) == []


def _assignments(count: int) -> str:
    return "".join(f"    x{i} = {i}\n" for i in range(count))


def test_the_measure_counts_code_and_leaves_out_the_docstring(tmp_path: Path) -> None:
    # The def line and 59 statements: 60 lines of code under a 4-line docstring.
    fits = f'def fits():\n    """Doc.\n\n    More doc.\n    """\n{_assignments(MAX_CODE_LINES - 1)}'
    too_long = f"def too_long():\n{_assignments(MAX_CODE_LINES)}"
    (tmp_path / "m.py").write_text(fits + too_long, encoding="utf-8")
    assert long_functions(tmp_path, MAX_CODE_LINES) == ["m.py:65 too_long (61 lines)"]
    assert long_functions(tmp_path, MAX_CODE_LINES - 1) == [
        "m.py:1 fits (60 lines)",
        "m.py:65 too_long (61 lines)",
    ]
