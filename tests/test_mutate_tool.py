"""tools/mutate.py: the mutants it makes, and what it leaves alone (nothing here runs a mutant)."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mutate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tpm_fit_mutate_tool", ROOT / "tools" / "mutate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


SOURCE = '''"""Docstring: never mutated."""
from typing import Final

LIMIT: Final = 3


def f(a: int, b: int = 2) -> bool:
    """Docstring: never mutated."""
    assert a >= 0  # never mutated
    total = a + b
    total += 1
    if total < LIMIT and not a:
        return True
    print(f"total={total + 1}")  # the f-string is never mutated
    return a == b
'''


def test_each_operator_comparison_constant_and_statement_gives_one_mutant(mutate: ModuleType) -> None:
    found = [(m.line, m.description) for m in mutate.mutants_of("m.py", SOURCE)]
    assert found == [
        (4, "`3` -> `4`"),
        (7, "`2` -> `3`"),
        (10, "removed `total = a + b`"),
        (10, "`+` -> `-`"),
        (11, "removed `total += 1`"),
        (11, "`+=` -> `-=`"),
        (11, "`1` -> `2`"),
        (12, "`and` -> `or`"),
        (12, "`<` -> `<=`"),
        (12, "`not a` -> `a`"),
        (13, "`return True` -> `return None`"),
        (13, "`True` -> `False`"),
        (14, "removed `print(f'total={total + 1}')`"),
        (15, "`return a == b` -> `return None`"),
        (15, "`==` -> `!=`"),
    ]


def test_a_mutant_changes_only_its_own_site_and_still_parses(mutate: ModuleType) -> None:
    original = SOURCE.splitlines()
    for mutant in mutate.mutants_of("m.py", SOURCE):
        ast.parse(mutant.source)
        changed = [
            k + 1 for k, (a, b) in enumerate(zip(original, mutant.source.splitlines(), strict=True)) if a != b
        ]
        assert changed == [mutant.line], mutant.description
    comparison = next(m for m in mutate.mutants_of("m.py", SOURCE) if m.description == "`<` -> `<=`")
    assert "if (total <= LIMIT) and not a:" in comparison.source


def test_every_core_module_has_mutants_and_fast_test_files_that_exist(mutate: ModuleType) -> None:
    assert set(mutate.MODULES) == {
        "_engine/seat.py",
        "_engine/kernel.py",
        "_verify/checks.py",
        "_verify/reach.py",
        "_records/chain.py",
        "_model/primitives.py",
    }
    for module, source in mutate.iter_modules():
        assert len(mutate.mutants_of(module, source)) > 50, module
        for test_file in mutate.MODULES[module]:
            assert (ROOT / test_file).is_file(), test_file


def test_each_allow_list_entry_gives_a_reason(mutate: ModuleType) -> None:
    for module, text, description, why in mutate.EQUIVALENT:
        assert module in mutate.MODULES
        assert text
        assert description.startswith(("`", "removed `"))
        assert len(why.split()) >= 5, why


def test_module_names_select_modules_and_unknown_ones_are_refused(mutate: ModuleType) -> None:
    args = mutate._parser().parse_args(["--module", "seat", "--module", "_verify/checks.py"])
    assert mutate._select(args) == ["_engine/seat.py", "_verify/checks.py"]
    with pytest.raises(SystemExit, match=r"--module nowhere: not a core module; valid: _engine/seat\.py"):
        mutate._select(mutate._parser().parse_args(["--module", "nowhere"]))
