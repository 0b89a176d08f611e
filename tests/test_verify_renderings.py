"""``verify(renderings=...)``: the sentence check renders every kind of advice on request, says
plainly whether it checked all of them or a sample, and its work stays bounded by ``max_work``.

By default verify() renders explain(), its Markdown, the brief and the counterfactual lines for at
most 64 kinds of advice (the default rulebook has some 700); ``renderings="all"`` renders every
kind, so a lie that only shows in a kind outside the sample is caught, and a report of the
sample says it is one.
"""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path
from typing import Any

import pytest

from cli_runner import run_cli
from tpm_fit import InvalidArgumentError, Rulebook, RulebookError, render, verify_rulebook
from tpm_fit._engine.kernel import compile_rulebook
from tpm_fit._model.verification import SentenceCheck, VerificationReport
from tpm_fit._verify import sentences
from tpm_fit._verify.breakpoint_grid import Grid, build_axes
from tpm_fit._verify.work import verification_work

BOOK = Rulebook.default()


@functools.cache
def sample() -> VerificationReport:
    """The default rulebook's report with the default, sampled renderings (verified once)."""
    return BOOK.verify()


@functools.cache
def kinds() -> int:
    """The number of kinds of advice of the default rulebook."""
    check = sample().sentences
    assert check is not None
    assert check.kinds is not None
    return check.kinds


def _levels(input: str, level: str, levels: tuple[str, ...]) -> dict[str, Any]:
    return {"kind": "levels", "input": input, "values": {name: float(name == level) for name in levels}}


def lying_rulebook() -> Rulebook:
    """The default rulebook and one risk whose description says "the product's complexity is very
    high" (the guidance's words, true only of a very highly complex product) where the product is
    of moderate complexity: raised only for an "either" verdict with 3 or more PMs on staff, a
    developing engineering team and an industry of moderate tech intensity. Those are a few of
    the 696 kinds of advice, none among the 64 the default sample renders (if a change of the
    default rulebook moves one into the sample, narrow the condition again: the sample test below
    says so)."""
    data = BOOK.model_dump(mode="json", exclude_none=True)
    data["risks"].append(
        {
            "id": "lying_complexity",
            "title": "Design calls pile up",
            "section": "Disadvantages, point 1",
            "applies_to": ["either"],
            "if_hired": "technical",
            "min_activation": 0.5,
            "description": "Where the product's complexity is very high, design calls pile up.",
            "mitigation": "Agree who makes which call.",
            "when": {
                "kind": "all_of",
                "of": [
                    _levels("product_complexity", "moderate", ("low", "moderate", "high", "very_high")),
                    _levels("engineering_capability", "developing", ("developing", "established", "strong")),
                    _levels("industry_tech_intensity", "moderate", ("low", "moderate", "high")),
                    {"kind": "ramp", "input": "product_team_size", "points": [[2, 0.0], [3, 1.0]]},
                ],
            },
        }
    )
    return Rulebook.from_mapping(data)


# -- the default rulebook, every kind ----------------------------------------------------------


def test_the_default_rulebooks_every_rendering_of_every_kind_of_advice_is_true() -> None:
    started = time.process_time()
    report = BOOK.verify(renderings="all")
    elapsed = time.process_time() - started
    check = report.sentences
    assert check is not None
    assert report.ok, report.to_text()
    assert check.false_phrases == 0
    assert check.kinds is not None
    assert check.kinds > 64
    assert check.renderings == check.kinds
    assert check.every_kind
    # Every kind renders more phrases than the sample: the extra kinds were really checked.
    assert check.phrases_checked > sample().sentences.phrases_checked  # type: ignore[union-attr]
    assert check.kinds == kinds()
    assert f"checked for all {check.kinds:,} kinds of advice" in report.to_text()
    assert "sample" not in report.to_text().split("Sentences:")[1].splitlines()[0]
    assert f"checked for all {check.kinds:,} kinds of advice." in render(report, "markdown")
    assert elapsed < 8.0  # some 2 s of CPU on the reference machine (4 s before it was made faster)


def test_the_sample_report_says_it_is_a_sample_of_how_many_kinds() -> None:
    check = sample().sentences
    assert check is not None
    assert (check.renderings, check.kinds, check.every_kind) == (sentences.RENDERED_PROFILES, kinds(), False)
    line = f"a sample of 64 of {kinds():,} kinds of advice, not all"
    assert line in sample().to_text()
    assert line in render(sample(), "markdown")
    assert line in render(sample(), "html")
    assert (
        "verify(renderings='all') or tpm-fit verify --renderings all checks every kind" in sample().to_text()
    )


def test_the_docs_give_the_default_rulebooks_number_of_kinds_and_profiles() -> None:
    text = (Path(__file__).parent.parent / "docs" / "verification.md").read_text(encoding="utf-8")
    check = sample().sentences
    assert check is not None
    assert f"The default rulebook has {kinds():,} kinds over {check.profiles:,} valid grid profiles." in text
    assert f"checked for\nall {kinds():,} kinds of advice" in text


def test_a_number_renders_at_most_that_many_kinds_evenly_spread() -> None:
    report = verify_rulebook(BOOK, renderings=5)
    check = report.sentences
    assert check is not None
    assert (check.renderings, check.kinds) == (5, kinds())
    assert f"a sample of 5 of {kinds():,} kinds of advice, not all" in report.to_text()


def test_a_sample_that_covers_every_kind_says_all() -> None:
    check = SentenceCheck(profiles=10, phrases_checked=40, false_phrases=0, renderings=7, kinds=7)
    assert check.every_kind
    from tpm_fit._render.tables import rendered_clause as _rendered

    assert (
        _rendered(check)
        == "; every rendering (explain, brief, counterfactuals) checked for all 7 kinds of advice"
    )


def test_a_report_written_before_kinds_were_counted_never_claims_a_full_check() -> None:
    old = SentenceCheck.model_validate_json(
        '{"profiles": 10, "phrases_checked": 40, "false_phrases": 0, "renderings": 64}'
    )
    assert old.kinds is None
    assert not old.every_kind
    from tpm_fit._render.tables import rendered_clause as _rendered

    assert "all" not in _rendered(old).split("(")[0]
    assert "a sample, or all: this report does not say" in _rendered(old)


# -- a lie outside the sample ------------------------------------------------------------------


def test_a_lie_only_in_kinds_outside_the_sample_passes_the_sample_which_says_so() -> None:
    report = lying_rulebook().verify()
    check = report.sentences
    assert check is not None
    assert check.false_phrases == 0, "the lie moved into the sample: narrow lying_rulebook()'s condition"
    assert report.ok
    assert not check.every_kind
    assert f"a sample of 64 of {check.kinds:,} kinds of advice, not all" in report.to_text()


def test_a_lie_only_in_kinds_outside_the_sample_is_caught_by_rendering_every_kind() -> None:
    report = lying_rulebook().verify(renderings="all")
    check = report.sentences
    assert check is not None
    assert not report.ok
    assert check.every_kind
    assert check.false_phrases > 0
    violation = next(v for v in report.violations if v.check == "sentence")
    assert '"the product\'s complexity is very high" is false for' in violation.message
    assert "product_complexity=moderate" in violation.message
    assert "engineering_capability=developing" in violation.message
    assert check.first_false is not None
    assert "guidance" in check.first_false


# -- refusals and the work bound ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["ALL", "every", "", 0, -1, True, 2.5, None, "64"], ids=repr)
def test_a_bad_renderings_value_is_refused_naming_it_and_what_is_valid(value: object) -> None:
    with pytest.raises(InvalidArgumentError) as raised:
        BOOK.verify(renderings=value)  # type: ignore[arg-type]
    message = str(raised.value)
    assert message.startswith(f"renderings={value!r}: not a choice of renderings; valid: ")
    assert "'sample'" in message
    assert "'all'" in message
    assert "a whole number of at least 1" in message


def test_a_bad_renderings_value_is_refused_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("scored before refusing")

    monkeypatch.setattr(sentences, "_survey", never)
    with pytest.raises(InvalidArgumentError):
        verify_rulebook(BOOK, renderings="everything")  # type: ignore[arg-type]


def test_the_work_model_counts_the_renderings_chosen() -> None:
    grid = Grid(build_axes(compile_rulebook(BOOK)))
    one, sample, every = (verification_work(BOOK, grid, renderings=n) for n in (1, 64, 680))
    assert verification_work(BOOK, grid) == sample  # the default is the sample's bound
    assert every - sample == pytest.approx((sample - one) * (680 - 64) / 63, rel=1e-6)
    assert every > 2 * sample


def test_max_work_refuses_every_kind_once_counted_before_rendering_any(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    grid = Grid(build_axes(compile_rulebook(BOOK)))
    bound = verification_work(BOOK, grid, renderings=64) + 1  # enough for the sample, not for every kind
    assert verify_rulebook(BOOK, max_work=bound).ok

    def never(self: object, flat: int) -> list[str]:
        raise AssertionError("rendered before refusing")

    monkeypatch.setattr(sentences._Renderer, "false_phrases", never)
    with pytest.raises(RulebookError) as raised:
        verify_rulebook(BOOK, max_work=bound, renderings="all")
    message = str(raised.value)
    assert message.startswith(f"max_work={bound:,}: verification would take about ")
    assert f"every rendering of {kinds():,} kinds of advice" in message
    assert "renderings='sample'" in message
    assert "--renderings sample|N" in message


# -- the command line --------------------------------------------------------------------------


def _lying_toml(tmp_path: Path) -> Path:
    path = tmp_path / "lying.toml"
    path.write_text(lying_rulebook().to_toml(), encoding="utf-8")
    return path


@pytest.mark.slow  # a complete check end to end, some 2-4 s each: CI or -m slow
def test_cli_renderings_all_in_json_renders_every_kind_and_catches_the_lie(tmp_path: Path) -> None:
    result = run_cli("verify", _lying_toml(tmp_path), "--renderings", "all", "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    check = report["sentences"]
    assert check["renderings"] == check["kinds"] > 64
    assert check["false_phrases"] > 0
    assert [v["check"] for v in report["violations"]] == ["sentence"]
    assert "the product's complexity is very high" in report["violations"][0]["message"]


@pytest.mark.slow  # a complete check end to end, some 2-4 s each: CI or -m slow
def test_cli_renderings_all_in_text_says_every_kind_and_the_default_says_sample() -> None:
    every = run_cli("verify", "--renderings", "all")
    assert every.returncode == 0, every.stderr
    assert f"checked for all {kinds():,} kinds of advice" in every.stdout
    sampled = run_cli("verify")
    assert sampled.returncode == 0, sampled.stderr
    assert f"checked for a sample of 64 of {kinds():,} kinds of advice, not all" in sampled.stdout


@pytest.mark.parametrize("value", ["0", "-3", "every", "2.5", ""])
def test_cli_refuses_a_bad_renderings_value_in_one_line(value: str) -> None:
    result = run_cli("verify", "--renderings", value)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"tpm-fit: error: argument --renderings: {value!r}: not a choice of renderings; valid: sample, "
        "all or a whole number of at least 1 (see tpm-fit verify --help)\n"
    )
