"""The documentation site's generators (docs/_ext/tpm_docgen.py) and page structure.

The strict Sphinx build itself runs in CI (.ci/run); these tests check, without Sphinx, that
what the site generates follows the library: every public name, subcommand, option and schema
field appears, and the internal link check reports exactly the broken links.
"""

from __future__ import annotations

import argparse
import enum
import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

import tpm_fit
from tpm_fit._cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load_docgen() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("tpm_docgen", DOCS / "_ext" / "tpm_docgen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("tpm_docgen", module)
    spec.loader.exec_module(module)
    return module


docgen = _load_docgen()


# --- API pages ------------------------------------------------------------------------------


def test_every_name_in_all_gets_exactly_one_api_page() -> None:
    stubs = docgen.api_stubs(tpm_fit)
    assert sorted(stubs) == sorted(f"tpm_fit.{name}.rst" for name in tpm_fit.__all__)
    summary = docgen.api_summary(tpm_fit, toctree="generated")
    listed = re.findall(r"^   (\w+)$", summary, flags=re.MULTILINE)
    assert sorted(listed) == sorted(tpm_fit.__all__)


@pytest.mark.parametrize(
    ("name", "directive"),
    [
        ("recommend", ".. autofunction:: recommend"),
        ("OrgProfile", ".. autopydantic_model:: OrgProfile"),
        ("Verdict", ".. autoclass:: Verdict"),
        ("RulebookError", ".. autoexception:: RulebookError"),
        ("__version__", ".. autodata:: __version__"),
    ],
)
def test_each_kind_of_public_name_is_documented_with_its_directive(name: str, directive: str) -> None:
    page = docgen.api_stubs(tpm_fit)[f"tpm_fit.{name}.rst"]
    assert directive in page
    assert ".. currentmodule:: tpm_fit" in page


def _fake_package() -> types.ModuleType:
    """A package with one public name of every kind, none of them tpm_fit's."""

    class Colour(enum.StrEnum):
        RED = "red"

    class Point(BaseModel):
        model_config = ConfigDict(frozen=True, extra="forbid")
        x: int = Field(description="Across.")

    class BrokenError(ValueError):
        pass

    def draw(*, colour: Colour = Colour.RED) -> Point:
        return Point(x=1)

    class Canvas:
        """A plain class (like a store with a file behind it)."""

    package = types.ModuleType("toy")
    members: dict[str, object] = {
        "Colour": Colour,
        "Point": Point,
        "BrokenError": BrokenError,
        "Canvas": Canvas,
        "draw": draw,
        "LIMIT": 3,
    }
    for key, value in members.items():
        setattr(package, key, value)
    package.__all__ = ["draw", "Point", "LIMIT", "BrokenError", "Canvas", "Colour"]  # type: ignore[attr-defined]
    return package


def test_a_new_public_name_gets_a_page_in_its_group_without_editing_the_docs() -> None:
    package = _fake_package()
    groups = docgen.public_names(package)
    assert list(groups) == list(docgen.Kind)  # every kind, in the order the reference lists them
    assert groups[docgen.Kind.MODEL] == ["Point"]
    stubs = docgen.api_stubs(package)
    assert set(stubs) == {
        "toy.draw.rst",
        "toy.Point.rst",
        "toy.LIMIT.rst",
        "toy.BrokenError.rst",
        "toy.Canvas.rst",
        "toy.Colour.rst",
    }
    assert stubs["toy.Point.rst"].splitlines()[2:4] == ["toy.Point", "========="]
    summary = docgen.api_summary(package, toctree="generated")
    assert summary.index("Functions") < summary.index("draw") < summary.index("Data models")


def test_a_plain_public_class_is_documented_with_autoclass() -> None:
    class Plain:
        pass

    assert docgen.kind_of(Plain) is docgen.Kind.CLASS
    assert ".. autoclass:: Plain" in docgen.api_stub("toy", "Plain", docgen.Kind.CLASS)


# --- CLI reference --------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_cli_reference_has_a_section_for_every_subcommand_and_every_option() -> None:
    parser = build_parser()
    text = docgen.cli_reference(parser)
    for name, sub in _subparsers(parser).items():
        assert f".. _cli-{name}:" in text
        assert f".. program:: tpm-fit {name}" in text
        section = text.split(f".. program:: tpm-fit {name}\n", 1)[1].split(".. program::", 1)[0]
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue  # nested subcommands get sections of their own
            for flag in action.option_strings or [str(action.metavar or action.dest)]:
                assert re.search(rf"^\.\. option:: .*{re.escape(flag)}\b", section, flags=re.MULTILINE), flag


def test_cli_reference_renders_choices_defaults_positionals_and_escapes_markup() -> None:
    parser = argparse.ArgumentParser(prog="toy", description="A *toy* program.")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = subs.add_parser("run", help="run `it`", description="Run the thing.")
    run.add_argument("target", nargs="?", metavar="FILE.toml", help="what to run")
    run.add_argument("--level", choices=["low", "high"], help="how hard")
    run.add_argument("--limit", type=int, default=7, metavar="N", help="stop after %(default)s tries")
    run.add_argument("--quiet", action="store_true", help="say less")
    log = subs.add_parser("log", help="the run log")
    log_subs = log.add_subparsers(dest="action", metavar="ACTION")
    show = log_subs.add_parser("show", help="show one entry")
    show.add_argument("--entry", type=int, metavar="ID", help="which entry")
    text = docgen.cli_reference(parser)
    assert r"A \*toy\* program." in text
    assert ".. _cli-log-show:" in text
    assert ".. program:: toy log show" in text
    assert ".. option:: --entry ID" in text
    assert text.index("toy log\n-------") < text.index("toy log show\n~~~~~~~~~~~~")
    assert r":ref:`cli-run`: run \`it\`" in text
    assert ".. option:: FILE.toml" in text
    assert ".. option:: --level {low,high}" in text
    assert "One of: ``low``, ``high``." in text
    assert "stop after 7 tries" in text
    assert ".. option:: --quiet\n" in text
    assert "usage: toy run [-h]" in text


# --- Formats page ---------------------------------------------------------------------------


class _Kind(enum.StrEnum):
    A = "a"
    B = "b"


class _Inner(BaseModel):
    """An inner part."""

    level: _Kind = Field(description="Which level.")


class _Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="What it is called.")
    parts: tuple[_Inner, ...] = Field(default=(), description="Its parts.")
    size: int = Field(ge=1, le=10_000, description="How big.")


def test_schema_section_lists_every_field_with_its_description_type_and_constraints() -> None:
    seen: set[str] = set()
    text = docgen.schema_section("_Outer", _Outer.model_json_schema(), seen=seen, download="/x.json")
    for name, info in _Outer.model_fields.items():
        assert f"``{name}``" in text
        assert info.description in text
    assert "array of :ref:`_Inner <schema-inner>`" in text
    assert ">= 1; <= 10,000" in text
    assert "Unknown fields are rejected." in text
    assert ".. _schema-inner:" in text
    assert 'one of ``"a"``, ``"b"``' in text
    assert seen == {"_Outer", "_Inner", "_Kind"}
    assert '"title": "_Outer"' in text  # the raw schema is there too
    assert ":download:`x.json </x.json>`" in text


def test_a_definition_shared_by_two_models_is_documented_once() -> None:
    seen: set[str] = set()
    docgen.schema_section("_Outer", _Outer.model_json_schema(), seen=seen, download="/a.json")
    again = docgen.schema_section("_Inner", _Inner.model_json_schema(), seen=seen, download="/b.json")
    assert ".. _schema-kind:" not in again
    assert ":ref:`_Kind <schema-kind>`" in again


# --- internal links ---------------------------------------------------------------------------


def test_the_link_check_reports_missing_files_and_anchors_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "index.html").write_text('<h1 id="top">x</h1>', encoding="utf-8")
    (tmp_path / "other.html").write_text('<section id="here"></section><a name="old"></a>', encoding="utf-8")
    (tmp_path / "index.html").write_text(
        "".join(
            f'<a href="{href}">x</a>'
            for href in [
                "other.html#here",  # fine
                "other.html#old",  # fine: <a name>
                "sub/",  # fine: directory with index.html
                "sub/index.html#top",  # fine
                "#self",  # fine: anchor on this page
                "https://example.org/missing.html",  # external: not checked
                "mailto:someone@example.org",  # external
                "gone.html",  # broken
                "other.html#nowhere",  # broken anchor
            ]
        )
        + '<p id="self"></p><img src="img/missing.png">',
        encoding="utf-8",
    )
    broken = docgen.broken_internal_links(tmp_path)
    assert [(b.page, b.href) for b in broken] == [
        ("index.html", "gone.html"),
        ("index.html", "other.html#nowhere"),
        ("index.html", "img/missing.png"),
    ]
    assert "no id 'nowhere' in other.html" in str(broken[1])


# --- page structure ---------------------------------------------------------------------------


def test_every_top_level_page_is_in_a_toctree() -> None:
    """Sphinx refuses a page no toctree lists (strict build); say so before CI does."""
    listed = {
        entry
        for page in ("index.md", "how-to.md")
        for entry in docgen.toctree_entries((DOCS / page).read_text(encoding="utf-8"))
    }
    pages = {path.stem for path in DOCS.glob("*.md")} | {path.stem for path in DOCS.glob("*.rst")}
    missing = sorted(pages - listed - {"index"})
    assert not missing, f"add these to a toctree in docs/index.md or docs/how-to.md: {missing}"


def test_readme_and_changelog_links_point_at_files_that_exist() -> None:
    for page in (ROOT / "README.md", ROOT / "CHANGELOG.md"):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_the_changelog_has_an_unreleased_section() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## Unreleased$", text, flags=re.MULTILINE)
