"""Every command that prints a result takes ``--format``, and every option combines with every
format: the output holds each part the options ask for, or the command refuses (exit 2) with a
message that names the option and the format. Nothing is silently dropped.

The walk is a table: per command, its formats and its options, each option with the marker of
its part in each format (or None: the combination is refused). Runs in-process
(``tests/cli_runner.py``); about a hundred calls.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import tpm_fit
from cli_runner import run_cli as run

PROFILE = ("--company-size", "40", "--product-complexity", "high")
FORMATS = ("text", "markdown", "html", "csv", "json")

Check = Callable[[str], bool]


def has(text: str) -> Check:
    return lambda out: text in out


def json_key(key: str) -> Check:
    return lambda out: key in json.loads(out)


def csv_header(*columns: str) -> Check:
    return lambda out: tuple(next(csv.reader(io.StringIO(out)))[: len(columns)]) == columns


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (done.args, done.stderr)
    return done.stdout


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    stderr = done.stderr
    assert done.returncode == 2, (done.args, done.stdout)
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("tpm-fit: error: ")
    assert "Traceback" not in stderr
    assert all(word in last for word in words), last


# -- recommend -------------------------------------------------------------------------------

#: The explanation itself, per format.
RECOMMENDATION: dict[str, Check] = {
    "text": has("Verdict: TECHNICAL"),
    "markdown": has("**Verdict: TECHNICAL"),
    "html": has("<th>contribution</th>"),
    "csv": csv_header("factor", "title", "favours", "weight", "activation", "contribution"),
    "json": json_key("trace"),
}

#: Per option of recommend: the marker of its part per format; a format missing is refused.
RECOMMEND_PARTS: dict[tuple[str, ...], dict[str, Check]] = {
    ("--what-if",): {
        "text": has("What would change the verdict (one input at a time):\n  company_size:"),
        "markdown": has("**What would change the verdict (one input at a time)**\n\n- company_size:"),
        "html": has("<b>What would change the verdict (one input at a time)</b></p><ul><li>company_size:"),
        "json": json_key("counterfactuals"),
    },
    ("--robustness", "--samples", "200"): {
        "text": has("How firm is the verdict (technical"),
        "markdown": has("**How firm is the verdict (technical"),
        "html": has("<p><b>How firm is the verdict (technical"),
        "json": json_key("robustness"),
    },
    ("--top", "1"): {
        "text": lambda out: len(re.findall(r"^  [+-]\d", out, flags=re.M)) == 2,
        "markdown": lambda out: out.split("Strongest reasons: ")[1].split("\n")[0].count(";") == 1,
    },
}


@pytest.mark.parametrize("fmt", list(RECOMMENDATION))
def test_recommend_in_every_format(fmt: str) -> None:
    out = ok(run("recommend", *PROFILE, "--format", fmt))
    assert RECOMMENDATION[fmt](out), out[:400]
    assert out.endswith("\n")
    assert not out.endswith("\n\n")


@pytest.mark.parametrize("fmt", list(RECOMMENDATION))
@pytest.mark.parametrize("option", list(RECOMMEND_PARTS), ids=" ".join)
def test_recommend_shows_every_part_in_every_format_or_refuses(option: tuple[str, ...], fmt: str) -> None:
    done = run("recommend", *PROFILE, *option, "--format", fmt)
    check = RECOMMEND_PARTS[option].get(fmt)
    if check is None:
        refused(done, option[0], f"--format {fmt}", "valid:")
        return
    out = ok(done)
    assert RECOMMENDATION[fmt](out), out[:400]
    assert check(out), out[-600:]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_recommend_with_every_part_at_once(fmt: str, tmp_path: Path) -> None:
    options = [o for o in RECOMMEND_PARTS if fmt in RECOMMEND_PARTS[o]]
    done = run(
        "recommend", *PROFILE, *(w for o in options for w in o), "--log", tmp_path / "d.db", "--format", fmt
    )
    out = ok(done)
    assert RECOMMENDATION[fmt](out)
    assert all(RECOMMEND_PARTS[o][fmt](out) for o in options)
    # The recorded decision's id: on stdout under text, else on stderr (stdout stays one document).
    recorded = re.compile(r"Decision [0-9a-f-]{36} recorded in ")
    assert bool(recorded.search(out)) is (fmt == "text")
    assert bool(recorded.search(done.stderr)) is (fmt != "text")


def test_recommend_csv_with_a_log_keeps_stdout_one_table(tmp_path: Path) -> None:
    done = run("recommend", *PROFILE, "--log", tmp_path / "d.db", "--format", "csv")
    rows = list(csv.reader(io.StringIO(ok(done))))
    assert rows[0][0] == "factor"
    assert len({len(row) for row in rows}) == 1
    assert "recorded in" in done.stderr


@pytest.mark.parametrize(
    ("old", "new"), [("--json", "json"), ("--markdown", "markdown")], ids=["json", "markdown"]
)
def test_old_flags_still_work_and_say_they_are_deprecated(old: str, new: str) -> None:
    done = run("recommend", *PROFILE, old, "--what-if")
    assert ok(done) == ok(run("recommend", *PROFILE, "--format", new, "--what-if"))
    assert done.stderr == f"tpm-fit recommend: note: {old} is deprecated; use --format {new}\n"


def test_an_old_flag_and_another_format_are_refused() -> None:
    refused(run("recommend", *PROFILE, "--json", "--format", "csv"), "--format asks for csv", "--json")


# -- rules, brief, verify, sensitivity, sweep ------------------------------------------------


@pytest.fixture(scope="module")
def custom_rulebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default rulebook with the first factor's reason reworded: the marker of --rulebook."""
    book = tpm_fit.Rulebook.default()
    first = book.factors[0].model_copy(update={"reason": "Walk test reason."})
    path = tmp_path_factory.mktemp("rules") / "rules.toml"
    path.write_text(
        book.model_copy(update={"factors": (first, *book.factors[1:])}).to_toml(), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize("fmt", [*FORMATS, "toml"])
def test_rules_reads_the_given_rulebook_in_every_format(fmt: str, custom_rulebook: Path) -> None:
    out = ok(run("rules", "--rulebook", custom_rulebook, "--format", fmt))
    assert "Walk test reason." in out
    if fmt == "csv":
        assert csv_header("id", "title", "favours", "weight")(out)
    if fmt == "toml":
        assert tpm_fit.Rulebook.from_toml(out).factors[0].reason == "Walk test reason."


BRIEF: dict[str, Check] = {
    "markdown": has("## Interview scorecard"),
    "text": has("Interview scorecard:"),
    "html": has("<h3>Interview scorecard</h3>"),
    "csv": csv_header("competency", "name", "qualification", "weight", "target", "weight_reason"),
    "json": json_key("scorecard"),
    "jsonld": lambda out: json.loads(out)["@type"] == "JobPosting",
}


@pytest.mark.parametrize("fmt", BRIEF)
@pytest.mark.parametrize("weighting", ["equal", "trace"])
def test_brief_shows_the_weighting_in_every_format_or_refuses(fmt: str, weighting: str) -> None:
    done = run("brief", *PROFILE, "--weighting", weighting, "--format", fmt)
    if fmt == "jsonld" and weighting == "trace":
        refused(done, "--weighting trace", "--format jsonld", "valid:")
        return
    out = ok(done)
    assert BRIEF[fmt](out)
    if fmt != "jsonld":  # the weights' reasons are part of every other format
        assert ("equal weights (the default)" in out) is (weighting == "equal")
        assert ("raised by" in out) is (weighting == "trace")


VERIFY: dict[str, Check] = {
    "text": has("Rulebook 'tpm_fit default'"),
    "markdown": has("**Rulebook 'tpm_fit default'"),
    "html": has("all checks pass"),
    "csv": csv_header("factor", "favours", "weight", "min_activation"),
    "json": json_key("violations"),
}


@pytest.mark.parametrize("fmt", list(VERIFY))
def test_verify_in_every_format(fmt: str) -> None:
    assert VERIFY[fmt](ok(run("verify", "--format", fmt)))


SENSITIVITY: dict[str, Check | None] = {
    "text": has("each weight moved by ±20%"),
    "markdown": has("each weight moved by ±20%"),
    "html": has("each weight moved by ±20%"),
    "csv": None,  # one row per factor: the delta is the caller's own argument
    "json": lambda out: json.loads(out)["delta"] == 0.2,
}


@pytest.mark.parametrize("fmt", list(SENSITIVITY))
def test_sensitivity_shows_the_delta_in_every_format(fmt: str) -> None:
    out = ok(run("sensitivity", "--delta", "0.2", "--format", fmt))
    check = SENSITIVITY[fmt]
    if check is None:
        assert csv_header("factor", "weight", "share_changed")(out)
    else:
        assert check(out)


SWEEP_AXES = ("--company-size", "5", "50", "--product-complexity", "low", "high", "--quiet")


@pytest.mark.parametrize("fmt", FORMATS)
def test_sweep_shows_the_summary_and_the_output_file_in_every_format(fmt: str, tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    target = tmp_path / "s.csv"
    done = run("sweep", *SWEEP_AXES, "--output", target, "--format", fmt)
    out = ok(done)
    assert target.exists()
    if fmt == "json":
        assert json.loads(out)["output"] == str(target)
    elif fmt == "csv":
        assert csv_header("verdict", "scenarios", "share")(out)
        assert f"wrote 4 scenarios to {target}" in done.stderr
    else:
        assert "4 scenarios scored" in out
        assert f"wrote 4 scenarios to {target}" in out


# -- log ... ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A log with one decision, accepted once; and the decision's id."""
    path = tmp_path_factory.mktemp("log") / "d.db"
    with tpm_fit.DecisionLog(path) as log:
        record = log.record(
            tpm_fit.recommend(company_size=40, product_complexity="high"), requested_by="hr-1"
        )
        log.review(record.decision_id, reviewer="lead-1", action="accept")
    return path, str(record.decision_id)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("limit", [None, "0"])
def test_log_list_honours_the_filters_in_every_format(
    fmt: str, limit: str | None, logged: tuple[Path, str]
) -> None:
    path, decision_id = logged
    out = ok(
        run(
            "log",
            "list",
            "--log",
            path,
            "--verdict",
            "technical",
            *(("--limit", limit) if limit else ()),
            "--format",
            fmt,
        )
    )
    assert (decision_id in out) is (limit is None)
    assert ("traditional" in out) is False


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json", "csv"])
@pytest.mark.parametrize("top", [None, "1"])
def test_log_show_in_every_format(fmt: str, top: str | None, logged: tuple[Path, str]) -> None:
    path, decision_id = logged
    done = run("log", "show", decision_id, "--log", path, *(("--top", top) if top else ()), "--format", fmt)
    if fmt == "csv":
        refused(done, "invalid choice: 'csv'")
        return
    if top and fmt not in ("text", "markdown"):
        refused(done, "--top", f"--format {fmt}", "valid:")
        return
    out = ok(done)
    assert decision_id in out
    assert "lead-1" in out
    assert "accept" in out
    if top and fmt == "text":
        assert len(re.findall(r"^  [+-]\d", out, flags=re.M)) == 2
    if fmt == "json":
        assert json.loads(out)["effective_verdict"] == "technical"


@pytest.mark.parametrize("fmt", FORMATS)
def test_log_replay_check_head_in_every_format(fmt: str, logged: tuple[Path, str]) -> None:
    path, decision_id = logged
    replay = ok(run("log", "replay", "--all", "--log", path, "--format", fmt))
    assert decision_id in replay
    assert {
        "text": "SAME:",
        "markdown": "**SAME:",
        "html": "<b>SAME:",
        "csv": ",True,outcome,,same,",
        "json": '"same":true',
    }[fmt] in replay
    check = ok(run("log", "check", "--log", path, "--format", fmt))
    if fmt == "csv":
        assert check == "position,kind,entry_id,problem,detail\n"  # no problem
    else:
        assert "2 entries" in check if fmt != "json" else json.loads(check)["entries"] == 2
    head = run("log", "head", "--log", path, "--format", fmt)
    if fmt in ("text", "json"):
        assert ok(head).startswith("2:" if fmt == "text" else "{")
    else:
        refused(head, f"invalid choice: '{fmt}'")


def test_log_check_expect_shows_the_broken_head_in_every_format(logged: tuple[Path, str]) -> None:
    path, _ = logged
    wrong = "3:" + "a" * 64
    for fmt, marker in {
        "text": "head",
        "markdown": "| head |",
        "html": "<td>head</td>",
        "csv": ",head,",
        "json": '"head"',
    }.items():
        done = run("log", "check", "--log", path, "--expect", wrong, "--format", fmt)
        assert done.returncode == 1, (fmt, done.stderr)
        assert marker in done.stdout, (fmt, done.stdout)


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_log_review_in_its_formats(fmt: str, logged: tuple[Path, str]) -> None:
    path, decision_id = logged
    done = run(
        "log", "review", decision_id, "--log", path, "--reviewer", "lead-2", "--accept", "--format", fmt
    )
    if fmt == "csv":
        refused(done, "invalid choice: 'csv'")
        return
    out = ok(done)
    assert decision_id in out
    assert "accept" in out


def _choices(*command: str) -> tuple[str, ...]:
    """The ``--format`` choices the parser offers for ``command`` (a subcommand path)."""
    from tpm_fit._cli.main import build_parser

    parser = build_parser()
    for word in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]  # type: ignore[index]
    action = next(a for a in parser._actions if "--format" in a.option_strings)
    return tuple(action.choices or ())


def test_the_walk_covers_every_format_every_command_offers() -> None:
    """A new format fails here until the walk above says what each option shows in it."""
    assert _choices("recommend") == tuple(RECOMMENDATION)
    assert _choices("rules") == (*FORMATS, "toml")
    assert set(_choices("brief")) == set(BRIEF)
    assert _choices("verify") == tuple(VERIFY)
    assert _choices("sensitivity") == tuple(SENSITIVITY)
    assert _choices("sweep") == FORMATS
    assert _choices("log", "list") == FORMATS
    assert _choices("log", "show") == ("text", "markdown", "html", "json")
    assert _choices("log", "replay") == _choices("log", "check") == FORMATS
    assert _choices("log", "review") == _choices("log", "head") == ("text", "json")
    assert _choices("tokens", "list") == FORMATS


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_list_in_every_format(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    assert ok(run("tokens", "add", "--log", path, "--role", "auditor", "--name", "audit-bot"))
    out = ok(run("tokens", "list", "--log", path, "--format", fmt))
    assert "audit-bot" in out
    assert "auditor" in out
    if fmt == "json":
        assert json.loads(out)["role"] == "auditor"
    if fmt == "csv":
        assert csv_header("name", "role", "token_id", "created_at", "revoked_at")(out)


def test_no_command_keeps_a_boolean_output_flag_but_as_a_deprecated_alias() -> None:
    from tpm_fit._cli.main import build_parser

    def parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
        found = [parser]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    found += parsers(sub)
        return found

    for parser in parsers(build_parser()):
        for action in parser._actions:
            for flag in set(action.option_strings) & {"--json", "--markdown", "--toml", "--html", "--csv"}:
                assert action.help is not None
                assert action.help.startswith("deprecated: use --format"), (parser.prog, flag)
