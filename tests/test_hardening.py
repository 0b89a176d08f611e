"""Issue 9, core install: hostile rulebooks, friendlier errors, the one error grammar, packaging.

Every test here reproduces a defect the adversarial review or the newcomer's walk-through found;
rulebooks are built in the test from small edits, never from facts of the default rules.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
import typing
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from pydantic import ValidationError

import tpm_fit
from tpm_fit import OrgProfile, Rulebook, RulebookError, recommend, verify_rulebook
from tpm_fit._errors import MAX_PROBLEMS_SHOWN
from tpm_fit._model.loading import KEY_UNITS, MAX_KEY_PARTS, MAX_KEYS, scan_toml
from tpm_fit._model.profile import ProfileFields
from tpm_fit._model.suggest import closest
from tpm_fit._render.recommendation import printable, render_markdown, render_text, signed

ROOT = Path(__file__).parents[1]
TEMPLATE: dict[str, Any] = Rulebook.default().model_dump(mode="json")


def tiny_data(*, weight: float = 1.0, title: str = "Complex product") -> dict[str, Any]:
    """A one-factor rulebook in the current format (everything else copied from the default)."""
    data = copy.deepcopy(TEMPLATE)
    data.update(axioms=[], risks=[])
    data["factors"] = [
        {
            "id": "complex",
            "title": title,
            "favours": "technical",
            "weight": weight,
            "section": "Test section",
            "reason": "A test reason.",
            "activation": {
                "kind": "levels",
                "input": "product_complexity",
                "values": {"low": 0.0, "moderate": 0.25, "high": 0.75, "very_high": 1.0},
            },
        }
    ]
    return data


def tiny(**changes: Any) -> Rulebook:
    return Rulebook.from_mapping(tiny_data(**changes))


# -- hostile rulebooks: refused before tomllib, located ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a" + ".a" * 40_000 + " = 1\n",  # 80 KB: took 14 s and 6.3 GB
        "[" + ".".join(["a"] * 100_000) + "]\n",  # took 4 s
        "[[" + ".".join(["a"] * 500_000) + "]]\n",  # ~1 MiB: took minutes
        '"a"' + '."a"' * 50_000 + " = 1\n",
    ],
    ids=["dotted-key", "table-header", "array-of-tables-header", "quoted-dotted-key"],
)
def test_long_dotted_keys_are_refused_before_tomllib_sees_them(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def parse(_: str) -> dict[str, Any]:
        raise AssertionError("tomllib must not see this document")

    monkeypatch.setattr(tomllib, "loads", parse)
    with pytest.raises(RulebookError) as caught:
        Rulebook.from_toml(text)
    assert f"more than {MAX_KEY_PARTS} parts" in caught.value.message
    assert caught.value.location.startswith("line 1, column ")


def test_a_dotted_key_at_the_limit_still_parses() -> None:
    scan_toml("a" + ".a" * (MAX_KEY_PARTS - 1) + " = 1\n")
    with pytest.raises(RulebookError):
        scan_toml("a" + ".a" * MAX_KEY_PARTS + " = 1\n")


def test_dots_and_brackets_inside_strings_and_comments_are_not_counted() -> None:
    dotted = ".".join(["x"] * 200)
    scan_toml(f'a = "{dotted}"\nb = \'{dotted}\'\nc = """{dotted}\n{"[" * 500}"""\n# {dotted} {"{" * 500}\n')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("k" * 5_000 + " = 1\n", "a key or value of 5,000 characters"),
        ('"' + "k" * 5_000 + '" = 1\n', "a key of 5,000 characters"),
        ("a = " + "1" * 5_000 + "\n", "a key or value of 5,000 characters"),  # int() digit limit
        ('a = "' + "x" * 30_000 + '"\n', "a string of 30,002 characters"),
        (
            "".join(f"k{i} = 1\n" for i in range(MAX_KEYS + 1)),
            f"more than {MAX_KEYS // KEY_UNITS:,} keys and tables",
        ),
        ("a = " + "[" * 150 + "]" * 150, "nested too deep"),
    ],
    ids=["bare-key", "quoted-key", "integer", "string", "keys", "nesting"],
)
def test_other_oversized_tokens_are_refused_with_a_line(text: str, expected: str) -> None:
    with pytest.raises(RulebookError) as caught:
        Rulebook.from_toml(text)
    assert expected in caught.value.message
    assert caught.value.location.startswith("line ")


def test_the_location_counts_lines_and_columns() -> None:
    with pytest.raises(RulebookError) as caught:
        Rulebook.from_toml('name = "x"\n# a comment\n\n  ' + "b." * 40 + "c = 1\n")
    assert caught.value.location == "line 4, column 3"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    with pytest.raises(RulebookError, match="not a regular file"):
        Rulebook.load(fifo)


def test_a_directory_and_a_device_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="a directory"):
        Rulebook.load(tmp_path)
    if Path("/dev/zero").exists():  # reading it would never end
        with pytest.raises(RulebookError, match="not a regular file"):
            Rulebook.load("/dev/zero")


def test_a_nul_byte_in_the_path_is_a_rulebook_error() -> None:
    with pytest.raises(RulebookError, match="cannot read rulebook"):
        Rulebook.load("a\x00b")


def test_a_lone_surrogate_in_the_text_is_a_rulebook_error() -> None:
    with pytest.raises(RulebookError, match="lone surrogate"):
        Rulebook.from_toml('name = "\ud800"\n')


def test_control_characters_in_rulebook_text_are_refused() -> None:
    with pytest.raises(RulebookError, match="control character") as caught:
        tiny(title="\x1b[2J\x1b[31mowned")
    assert caught.value.location == "factors[0].title"
    tiny(title="No\u00a0break\tand tab")  # printable spacing stays allowed


def test_renderings_escape_control_characters() -> None:
    assert printable("a\x1b[2Jb\u202e") == "a\\x1b[2Jb\\u202e"
    assert printable("line\nnext\ttab") == "line\nnext\ttab"


def test_weights_minus_zero_and_zero_give_one_fingerprint() -> None:
    positive, negative = tiny(weight=0.0), tiny(weight=-0.0)
    assert positive == negative
    assert positive.fingerprint == negative.fingerprint


# -- friendlier errors ----------------------------------------------------------------------------


def test_unknown_profile_field_suggests_the_closest() -> None:
    with pytest.raises(ValidationError) as caught:
        recommend(company_size=40, product_complexity="high", stratgy_coverage=2)  # type: ignore[call-arg]
    (error,) = caught.value.errors()
    assert error["loc"] == ("stratgy_coverage",)
    assert "did you mean 'strategy_coverage'?" in error["msg"]


def test_unknown_level_suggests_the_closest() -> None:
    with pytest.raises(ValidationError, match=r"did you mean 'very_high'\?"):
        OrgProfile(company_size=4, product_complexity="veryhigh")


def test_a_rulebook_typo_names_the_unknown_key_and_suggests_the_right_one() -> None:
    data = tiny_data()
    data["factors"][0]["favors"] = data["factors"][0].pop("favours")
    with pytest.raises(RulebookError) as caught:
        Rulebook.from_mapping(data)
    error = caught.value
    assert error.location == "factors[0].favors"
    assert "unknown key" in error.message
    assert "did you mean 'favours'?" in error.message
    assert "missing" not in str(error)  # the missing favours is the same typo, not another problem


def test_an_optional_key_typo_is_suggested_from_the_tables_keys() -> None:
    data = tiny_data()
    data["factors"][0]["activation"]["valuez"] = {}
    with pytest.raises(RulebookError) as caught:
        Rulebook.from_mapping(data)
    assert any("did you mean 'values'?" in p for p in caught.value.problems)


def test_every_problem_is_listed_as_message_at_path_and_the_message_is_bounded() -> None:
    data = tiny_data()
    data["factors"] = [dict(data["factors"][0], id=f"f{i}", weight=-1.0) for i in range(30)]
    with pytest.raises(RulebookError) as caught:
        Rulebook.from_mapping(data)
    problems = caught.value.problems
    assert len(problems) == 30
    assert all(re.fullmatch(r".+ @ factors\[\d+\]\.weight", p) for p in problems)
    text = str(caught.value)
    assert text.startswith("30 problems:")
    assert text.count(" @ factors[") == MAX_PROBLEMS_SHOWN
    assert text.endswith(f"(and {30 - MAX_PROBLEMS_SHOWN} more)")


def test_closest_ignores_huge_names_and_prefers_case() -> None:
    assert closest("COMPANY_SIZE", ["company_size"]) == "company_size"
    assert closest("x" * 10_000, ["company_size"]) is None


# -- one grammar ------------------------------------------------------------------------------------

GRAMMAR = re.compile(r"^(?P<field>[a-z_]+)(=(?P<value>.+?))?: (?P<wrong>[^;]+); valid: (?P<valid>.+)$")


@pytest.mark.parametrize(
    ("fields", "field", "value"),
    [
        ({"company_size": 0}, "company_size", "0"),
        ({"company_size": 10.5}, "company_size", "10.5"),
        ({"company_size": True}, "company_size", "True"),
        ({"company_size": "10"}, "company_size", "'10'"),
        ({"strategy_coverage": 10**8}, "strategy_coverage", "100000000"),
        ({"product_complexity": "huge"}, "product_complexity", "'huge'"),
        ({"product_complexity": b"high"}, "product_complexity", "b'high'"),
        ({"age": 40}, "age", "40"),
    ],
)
def test_every_profile_message_follows_the_grammar(fields: dict[str, Any], field: str, value: str) -> None:
    base: dict[str, Any] = {"company_size": 5, "product_complexity": "low"}
    with pytest.raises(ValidationError) as caught:
        OrgProfile.model_validate({**base, **fields})
    (error,) = caught.value.errors()
    match = GRAMMAR.match(error["msg"])
    assert match is not None, error["msg"]
    assert (match["field"], match["value"]) == (field, value)


def test_a_missing_field_follows_the_grammar_without_a_value() -> None:
    with pytest.raises(ValidationError) as caught:
        OrgProfile.model_validate({"product_complexity": "low"})
    assert caught.value.errors()[0]["msg"] == (
        "company_size: missing; valid: a whole number from 1 to 10,000,000"
    )


def test_bytes_are_not_a_level() -> None:
    with pytest.raises(ValidationError, match="not a string"):
        recommend(company_size=5, product_complexity=b"high")  # type: ignore[arg-type]


# -- the Python API -------------------------------------------------------------------------------


def test_recommend_accepts_a_rulebook_path(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(tiny(weight=2.0).to_toml(), encoding="utf-8")
    by_path = recommend(company_size=5, product_complexity="high", rulebook=str(path))
    by_pathlike = recommend(company_size=5, product_complexity="high", rulebook=path)
    by_object = recommend(company_size=5, product_complexity="high", rulebook=tiny(weight=2.0))
    assert by_path == by_pathlike == by_object
    assert verify_rulebook(path).rulebook_fingerprint == tiny(weight=2.0).fingerprint


@pytest.mark.parametrize("bad", [3, {"factors": []}, b"rules.toml"])
def test_recommend_refuses_anything_else_as_a_rulebook_with_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="valid: a Rulebook, a path"):
        recommend(company_size=5, product_complexity="high", rulebook=bad)  # type: ignore[arg-type]


def test_an_empty_rulebook_path_is_refused() -> None:
    with pytest.raises(RulebookError, match="empty path"):
        recommend(company_size=5, product_complexity="high", rulebook="")


def test_keyword_fields_are_typed_for_ides() -> None:
    assert set(typing.get_type_hints(ProfileFields)) == set(OrgProfile.model_fields)
    hint = typing.get_type_hints(recommend)["fields"]
    assert typing.get_origin(hint) is typing.Unpack
    assert typing.get_args(hint) == (ProfileFields,)


def test_with_weights_suggests_a_factor_id() -> None:
    with pytest.raises(RulebookError, match=r"did you mean 'complex'\?"):
        tiny().with_weights({"complx": 2.0})


def test_verify_bounds_the_work_and_says_how_to_raise_the_bound() -> None:
    with pytest.raises(RulebookError) as caught:
        verify_rulebook(tiny(), max_work=1)
    assert "max_work=1" in caught.value.message
    assert "tpm-fit verify --max-work" in caught.value.message
    assert verify_rulebook(tiny()).grid_points > 1  # the default bound lets a small rulebook through


# -- renderings and notebook displays --------------------------------------------------------------


def test_no_negative_zero_in_renderings() -> None:
    assert signed(-0.0) == "+0.00"
    assert signed(-0.004) == "+0.00"
    data = tiny_data()
    data["factors"][0]["favours"] = "traditional"  # contribution -w x 0.0 is -0.0 at "low"
    result = recommend(company_size=5, product_complexity="low", rulebook=Rulebook.from_mapping(data))
    assert result.trace[0].contribution == 0.0  # -0.0 or 0.0: the renderings must not care
    for text in (render_text(result), render_markdown(result), result._repr_html_()):
        assert "-0.00" not in text
        assert "-0 " not in text


def test_rulebook_and_report_render_in_notebooks_with_escaped_text() -> None:
    book = tiny(title="<script>alert(1)</script>")
    html = book._repr_html_()
    assert "<table>" in html
    assert "complex" in html
    report = book.verify()
    report_html = report._repr_html_()
    assert ("all checks pass" in report_html) == report.ok
    assert report_html.count("<tr><td>") >= len(report.violations) + len(report.factors)
    assert "<script>" not in html + report_html


# -- packaging ------------------------------------------------------------------------------------


def test_the_license_file_matches_the_project_metadata() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert "example.invalid" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert isinstance(tpm_fit.__version__, str)
    assert tpm_fit.__version__


def test_load_keeps_every_problem_and_names_the_file(tmp_path: Path) -> None:
    data = tiny_data()
    data["factors"] = [dict(data["factors"][0], id=f"f{i}", weight=-1.0) for i in range(3)]
    path = tmp_path / "rules.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    with pytest.raises(RulebookError) as caught:
        Rulebook.load(path)
    assert len(caught.value.problems) == 3
    assert all(p.startswith(f"{path}: ") for p in caught.value.problems)
