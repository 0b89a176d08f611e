"""Adding an input is a change to the profile model and the rulebook only.

``test_a_new_count_and_a_new_level_input_reach_every_consumer`` makes that change for real, in a
copy of the package: a count of people bounded by headcount (``data_team_size``) and an ordered
input (``data_maturity``) declared in ``_model/profile.py``, and a factor reading both appended to
``rulebooks/default.toml``; nothing else is edited. A script run on the copy then checks that
every consumer handles them alike: ``recommend()``, ``recommend_many``, ``scenario_grid``,
``Rulebook.default().verify()``, counterfactuals, the command line and the test strategies all
refuse 50 people on the data team of a company of 10, all refuse ``b"yes"`` as a level, and the
batch path gives the scalar path's bits. A consumer that keeps its own list of inputs fails it.

``test_no_module_names_profile_fields_by_hand`` keeps such lists from coming back.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tpm_fit import OrgProfile

SRC = Path(__file__).parents[1] / "src" / "tpm_fit"

#: The new inputs, as the architecture page's recipe declares them.
_ENUM = '''

class DataMaturity(OrderedLevel):
    """How far the company's data practice has come, lowest first (a test-only input)."""

    NONE = "none"
    SOME = "some"
    YES = "yes"
'''
_FIELDS = """
    data_team_size: PeopleCount = Field(
        default=0, description="People on the company's data team (a test-only input)."
    )
    data_maturity: Level[DataMaturity] = Field(
        default=DataMaturity.SOME, description="How far the data practice has come (a test-only input)."
    )
"""
_TYPED = """    data_team_size: int
    data_maturity: DataMaturity | str
"""
_FACTOR = """

[[factors]]
id = "data_team"
title = "Data team and practice"
favours = "technical"
weight = 0.5
section = "The Three Faces of Product Management"
reason = "A test-only factor: a large data team with a mature practice asks for engineering depth."
activation = { kind = "all_of", of = [
    { kind = "ramp", input = "data_team_size", points = [[0, 0.0], [20, 1.0]] },
    { kind = "levels", input = "data_maturity", values = { none = 0.0, some = 0.5, yes = 1.0 } },
] }
"""

#: Run against the edited copy: every consumer, the same refusals, the same bits.
_CHECKS = r"""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from pydantic import ValidationError

import tpm_fit
from tpm_fit import ProfileFrameError, Rulebook, recommend, recommend_many, scenario_grid
from tpm_fit.testing import org_profiles

base = {"company_size": 10, "product_complexity": "high"}

# recommend(): the count is bounded by headcount, the level is text only.
too_many = r"data_team_size=50: more people than the company has \(company_size=10\)"
with pytest.raises(ValidationError, match=too_many):
    recommend(**base, data_team_size=50)
with pytest.raises(ValidationError, match=r"data_maturity=b'yes': not a string"):
    recommend(**base, data_maturity=b"yes")
result = recommend(**base, data_team_size=10, data_maturity="yes")
assert "data_team" in {step.factor for step in result.trace}

# recommend_many: the same refusals, per row, and the scalar path's bits for the good rows.
frame = pd.DataFrame(
    {"company_size": [10, 10, 40], "product_complexity": ["high"] * 3,
     "data_team_size": [50, 3, 40], "data_maturity": ["yes", b"yes", "none"]}
)
with pytest.raises(ProfileFrameError, match="data_team_size=50: more people"):
    recommend_many(frame)
scored = recommend_many(frame, errors="coerce")
assert "data_team_size=50: more people than the company has" in scored["error"][0]
assert "data_maturity=b'yes': not a string" in scored["error"][1]
assert pd.isna(scored["error"][2])
one = recommend(company_size=40, product_complexity="high", data_team_size=40, data_maturity="none")
assert scored["score"][2] == one.score and scored["verdict"][2] == one.verdict.value

# scenario_grid: combinations with too many people are left out; bytes are no level.
grid = scenario_grid(company_size=[10, 60], product_complexity="high", data_team_size=[5, 50],
                     data_maturity=["none", "yes"])
kept = sorted(zip(grid["company_size"], grid["data_team_size"]))
assert kept == [(10, 5)] * 2 + [(60, 5)] * 2 + [(60, 50)] * 2
with pytest.raises(ValidationError, match=r"data_maturity=b'yes': not a string"):
    scenario_grid(company_size=[10], product_complexity="high", data_maturity=[b"yes"])
with pytest.raises(ValidationError, match="data_team_size"):
    scenario_grid(company_size=[10], product_complexity="high", data_team_size=[-1])
batch = recommend_many(grid)
for i, row in enumerate(grid.to_dict("records")):
    single = recommend(**row)
    assert np.float64(batch["score"][i]).tobytes() == np.float64(single.score).tobytes(), row
    assert batch["verdict"][i] == single.verdict.value

# verify(): the grid crosses the new inputs' breakpoints and levels, on valid profiles only.
report = Rulebook.default().verify()
axes = {axis.input: list(axis.values) for axis in report.grid}
assert axes["data_team_size"][:3] == [0, 20, 10_000_000], axes["data_team_size"]
assert axes["data_maturity"] == ["none", "some", "yes"]
assert report.ok, [violation.subject for violation in report.violations]

# counterfactuals: a count never proposed above the headcount; a level by name.
changes = {c.field: c for c in result.counterfactuals()}
assert changes["data_team_size"].proposed is None or 0 <= changes["data_team_size"].proposed <= 10
assert changes["data_maturity"].current == "yes"

# The test strategies draw the new inputs, counts never above the headcount.
@settings(max_examples=50, deadline=None)
@given(org_profiles())
def drawn(profile):
    assert 0 <= profile.data_team_size <= profile.company_size
    assert profile.data_maturity.value in {"none", "some", "yes"}

drawn()
print("every consumer handles the new inputs")
"""


def _copy_with_new_inputs(root: Path) -> Path:
    """A copy of the package with the two inputs added the recipe's way; returns its parent."""
    package = root / "tpm_fit"
    shutil.copytree(SRC, package, ignore=shutil.ignore_patterns("__pycache__"))
    profile = package / "_model" / "profile.py"
    text = profile.read_text(encoding="utf-8")
    anchor = "\n\nMAX_HEADCOUNT: Final"
    validator = '\n    @model_validator(mode="after")\n    def _counts_within_headcount'
    typed = "    industry_tech_intensity: IndustryTechIntensity | str\n"
    for part in (anchor, validator, typed):
        assert part in text, f"profile.py no longer has {part!r}: update this test's recipe"
    text = text.replace(anchor, _ENUM + anchor, 1).replace(validator, _FIELDS + validator, 1)
    profile.write_text(text.replace(typed, typed + _TYPED, 1), encoding="utf-8")
    rulebook = package / "rulebooks" / "default.toml"
    rulebook.write_text(rulebook.read_text(encoding="utf-8") + _FACTOR, encoding="utf-8")
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=600, env=env, check=False
    )


def test_a_new_count_and_a_new_level_input_reach_every_consumer(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    pytest.importorskip("hypothesis")
    root = _copy_with_new_inputs(tmp_path)
    script = tmp_path / "checks.py"
    script.write_text(textwrap.dedent(_CHECKS), encoding="utf-8")
    done = _run(root, str(script))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "every consumer handles the new inputs" in done.stdout
    # The command line offers both, and refuses the same values.
    cli = _run(
        root,
        "-m",
        "tpm_fit",
        "recommend",
        "--company-size",
        "10",
        "--product-complexity",
        "high",
        "--data-team-size",
        "50",
    )
    assert cli.returncode != 0
    assert "data_team_size=50: more people than the company has (company_size=10)" in cli.stderr + cli.stdout
    shown = _run(root, "-m", "tpm_fit", "recommend", "--help")
    assert "--data-maturity {none,some,yes}" in shown.stdout


# -- no hand-written lists of inputs ------------------------------------------------------------

#: Modules that may name several profile fields together: the profile model itself, and the seat,
#: whose rules read the headcount, the PM team and the coverage counts by name (declared in
#: seat_reads.py for the modules that explain the seat).
_ALLOWED = {"_model/profile.py", "_engine/seat.py", "_engine/seat_reads.py"}


def _hand_lists(tree: ast.AST, fields: set[str]) -> list[int]:
    """Lines of tuple, list or set displays and of calls that name two or more profile fields."""
    lines = []
    for node in ast.walk(tree):
        items: list[ast.expr] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        elif isinstance(node, ast.Call):
            items = node.args
        named = [item.value for item in items if isinstance(item, ast.Constant) and item.value in fields]
        if len(named) >= 2:
            lines.append(node.lineno)
    return lines


def test_no_module_names_profile_fields_by_hand() -> None:
    # A list of inputs written out by hand is what a new input is forgotten in: every consumer
    # reads the registries of _model/profile.py instead.
    fields = set(OrgProfile.model_fields)
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        where = path.relative_to(SRC).as_posix()
        if where in _ALLOWED:
            continue
        lines = _hand_lists(ast.parse(path.read_text(encoding="utf-8")), fields)
        if lines:
            found[where] = lines
    assert found == {}
