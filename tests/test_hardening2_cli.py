"""Issue 20, command line: no traceback, the right exit status, escaped output, bounded input.

Most cases run :func:`tpm_fit._cli.main.main` in this process (fast); the ones about pipes,
closed standard input, ``kill -9`` and a fresh folder run a real subprocess.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import tpm_fit
from tpm_fit._cli.common import escape_unsafe, inline
from tpm_fit._cli.main import main

PROFILE = ["--company-size", "40", "--product-complexity", "high"]
ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def one_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    status, _, err = cli(capsys, *args)
    assert status == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tpm-fit: error: ")
    assert "internal error" not in lines[0], lines[0]
    return lines[0]


def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tpm_fit", *args],
        capture_output=True,
        text=True,
        check=False,
        env=ENV,
        timeout=120,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    path = tmp_path / "decisions.db"
    with tpm_fit.DecisionLog(path) as log:
        result = tpm_fit.recommend(company_size=40, product_complexity="high")
        for i in range(3):
            log.record(result, labels={"team": f"t{i}"})
    return path


# -- safe terminal output --------------------------------------------------------------------------


def test_escaping_shows_control_characters_and_keeps_lines() -> None:
    assert escape_unsafe("a\x1b[2Jb\r\u202ec\n\td") == "a\\x1b[2Jb\\r\\u202ec\n\td"
    assert inline("x\nRulebook: forged\t") == "x\\nRulebook: forged\\t"
    assert escape_unsafe("\udcff") == "\\udcff"


def test_log_show_cannot_be_made_to_print_a_forged_line(
    tmp_path: Path, logged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with tpm_fit.DecisionLog(logged) as log:
        decision = str(next(log.decision_ids()))
        log.review(
            decision,
            reviewer="rev:1",
            action="override",
            verdict="either",
            reason="Fine.\nVerdict in force: x",
        )
    status, out, _ = cli(capsys, "log", "show", decision, "--log", str(logged))
    assert status == 0
    assert [line for line in out.splitlines() if line.startswith("Verdict in force:")] == [
        "Verdict in force: either (overridden)"
    ]
    assert "override -> either: Fine.\\nVerdict in force: x" in out
    # A name with a line break cannot even be loaded, so no explanation can be forged with one.
    data = tpm_fit.Rulebook.default().model_dump(mode="json")
    data["name"] = "custom"
    rules = tmp_path / "rules.toml"
    rules.write_text(
        tpm_fit.Rulebook.from_mapping(data)
        .to_toml()
        .replace('name = "custom"', 'name = "x\\nRulebook: forged"')
    )
    assert "holds a line break" in one_error(capsys, "rules", "--rulebook", str(rules))


def test_a_label_of_invalid_utf8_from_the_shell_is_refused_and_the_log_stays_readable(logged: Path) -> None:
    command = [sys.executable.encode(), b"-m", b"tpm_fit", b"recommend", *(a.encode() for a in PROFILE)]
    done = subprocess.run(
        [*command, b"--log", str(logged).encode(), b"--label", b"team=\xff"],
        capture_output=True,
        check=False,
        env=ENV,
        timeout=120,
    )
    assert done.returncode == 2
    assert b"holds a lone surrogate" in done.stderr
    assert b"Traceback" not in done.stderr
    listed = run("log", "list", "--log", str(logged))
    assert listed.returncode == 0
    assert "(3 decision(s))" in listed.stdout


# -- exit codes ---------------------------------------------------------------------------------------


def _broken_rulebook(tmp_path: Path) -> Path:
    """A rulebook that loads but breaks its axioms (every factor flipped): verify exits 1."""
    data = tpm_fit.Rulebook.default().model_dump(mode="json")
    for factor in data["factors"]:
        factor["favours"] = "traditional" if factor["favours"] == "technical" else "technical"
    path = tmp_path / "broken.toml"
    path.write_text(tpm_fit.Rulebook.from_mapping(data).to_toml(), encoding="utf-8")
    return path


def test_a_closed_pipe_keeps_the_failed_checks_exit_status(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tpm_fit", "verify", str(_broken_rulebook(tmp_path)), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert process.stdout is not None
    fcntl.fcntl(process.stdout.fileno(), 1031, 4096)  # F_SETPIPE_SZ: the report overflows the pipe
    process.stdout.readline()  # like `| head -1`
    process.stdout.close()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert b"Traceback" not in err


def test_help_into_a_closed_pipe_exits_0() -> None:
    done = subprocess.run(
        f"{sys.executable} -m tpm_fit --help | head -c 1",
        shell=True,
        capture_output=True,
        env=ENV,
        check=False,
    )
    assert done.returncode == 0
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["recommend", *PROFILE, "--log", ""], "--log='': an empty path"),
        (["recommend", *PROFILE, "--log", " ", "--label", "team=x"], "an empty path"),
        (
            ["log", "show", "00000000-0000-0000-0000-000000000000", "--log", "{log}", "--top", "-5"],
            "--top: -5: too small",
        ),
        (["log", "list", "--log", "{log}", "--limit", "-1"], "--limit: -1: too small"),
        (["log", "import", "", "--log", "{new}"], "source='': an empty path"),
        (
            ["log", "check", "--log", "{log}", "--expect", "nonsense"],
            "expected_head='nonsense': not a log head",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], logged: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    places = {"log": str(logged), "new": str(tmp_path / "new.db")}
    line = one_error(capsys, *(arg.format(**places) for arg in args))
    assert message in line


@pytest.mark.parametrize("command", ["list", "check", "head", "export", "replay"])
def test_every_read_command_refuses_an_empty_file_and_leaves_it_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    path = tmp_path / "decisions.db"
    path.write_bytes(b"")
    extra = ["--all"] if command == "replay" else []
    line = one_error(capsys, "log", command, "--log", str(path), *extra)
    assert "the file is empty (0 bytes), not a decision log" in line
    assert path.stat().st_size == 0
    missing = one_error(capsys, "log", command, "--log", str(tmp_path / "missing.db"), *extra)
    assert "the file does not exist" in missing
    assert not (tmp_path / "missing.db").exists()


def test_check_expect_detects_a_shortened_tail(capsys: pytest.CaptureFixture[str], logged: Path) -> None:
    status, head, _ = cli(capsys, "log", "head", "--log", str(logged))
    assert status == 0
    assert re.fullmatch(r"3:[0-9a-f]{64}\n", head)
    assert cli(capsys, "log", "check", "--log", str(logged), "--expect", head.strip())[0] == 0
    conn = sqlite3.connect(logged)
    conn.execute("DROP TRIGGER entries_append_only_delete")
    conn.execute("DELETE FROM entries WHERE seq = (SELECT max(seq) FROM entries)")
    conn.commit()
    conn.close()
    assert cli(capsys, "log", "check", "--log", str(logged))[0] == 0  # the chain alone: still OK
    status, out, _ = cli(capsys, "log", "check", "--log", str(logged), "--expect", head.strip())
    assert status == 1
    assert "head: the log has 2 entries, fewer than the 3 of the expected head" in out


def test_nested_json_in_import_check_and_export_gives_no_traceback(
    capsys: pytest.CaptureFixture[str], logged: Path, tmp_path: Path
) -> None:
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"kind": "header", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    assert "nested more than 64 deep" in one_error(
        capsys, "log", "import", str(deep), "--log", str(tmp_path / "n.db")
    )
    assert not (tmp_path / "n.db").exists()
    conn = sqlite3.connect(logged)
    head = conn.execute("SELECT record_hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()[0]
    conn.execute(
        "INSERT INTO entries (kind, entry_id, decision_id, at_us, verdict, body, record_hash, previous_hash) "
        "VALUES ('record', 'deep', 'deep', 0, 'technical', ?, ?, ?)",
        ("[" * 100_000 + "]" * 100_000, "d" * 64, head),
    )
    conn.commit()
    conn.close()
    status, out, err = cli(capsys, "log", "check", "--log", str(logged))
    assert status == 1
    assert "unreadable" in out
    assert "Traceback" not in err
    assert "unreadable text" in one_error(
        capsys, "log", "export", "--log", str(logged), "--output", str(tmp_path / "e")
    )


def test_import_of_a_fifo_and_of_a_closed_stdin_exit_2_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "export.fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    done = run("log", "import", str(fifo), "--log", str(tmp_path / "a.db"))
    assert done.returncode == 2
    assert "not a regular file" in done.stderr
    assert time.monotonic() - started < 60
    closed = subprocess.run(
        f"exec {sys.executable} -m tpm_fit log import - --log {tmp_path / 'b.db'} 0<&-",
        shell=True,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
        timeout=120,
    )
    assert closed.returncode == 2
    assert "standard input is closed" in closed.stderr
    assert "Traceback" not in closed.stderr
    assert not (tmp_path / "b.db").exists()


def test_import_exits_nonzero_when_its_check_fails(
    capsys: pytest.CaptureFixture[str], logged: Path, tmp_path: Path
) -> None:
    export = tmp_path / "e.jsonl"
    assert cli(capsys, "log", "export", "--log", str(logged), "--output", str(export))[0] == 0
    lines = [line for line in export.read_text().splitlines() if '"kind":"rulebook"' not in line]
    export.write_text("\n".join(lines) + "\n")
    line = one_error(capsys, "log", "import", str(export), "--log", str(tmp_path / "copy.db"))
    assert "does not check out" in line
    assert not (tmp_path / "copy.db").exists()


def test_sweep_edge_cases_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    huge = tmp_path / "huge.toml"
    huge.write_text(
        'company_size = { start = 1, stop = 9223372036854775808, num = 5 }\nproduct_complexity = "low"\n'
    )
    assert "stop=9223372036854775808: out of the range of company_size" in one_error(
        capsys, "sweep", "--grid", str(huge)
    )
    many = tmp_path / "many.toml"
    many.write_text('company_size = { start = 1, stop = 10, num = 50000000 }\nproduct_complexity = "low"\n')
    started = time.perf_counter()
    assert "num=50,000,000: more values than the 10 whole numbers" in one_error(
        capsys, "sweep", "--grid", str(many)
    )
    assert time.perf_counter() - started < 1.0
    line = one_error(
        capsys, "sweep", "--company-size", "1", "--product-complexity", "low", "--technical-coverage", "5"
    )
    assert "every combination has a count" in line


# -- the CLI fuzz: every subcommand, hostile arguments and files ----------------------------------------

_DEEP = False


def _hostile_files(folder: Path) -> list[str]:
    folder.mkdir()
    files = {
        "empty.toml": b"",
        "binary.toml": bytes(range(256)) * 4,
        "deep.toml": b"a = " + b"[" * 5_000 + b"]" * 5_000,
        "keys.toml": b"factors = [" + b",".join([b"{}"] * 30_000) + b"]",
        "json.jsonl": b'{"kind": "header", "format": "tpm_fit-decision-log", "schema_version": true}\n',
        "text.txt": "caf\u00e9 \x1b[2J\n".encode(),
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    with tpm_fit.DecisionLog(folder / "good.db") as log:
        log.record(tpm_fit.recommend(company_size=40, product_complexity="high"), labels={"team": "x"})
    return [str(folder / name) for name in [*files, "good.db"]] + [
        str(folder),
        "/dev/null",
        str(folder / "nope"),
    ]


_WORDS = [
    "", " ", "-1", "0", "1", "3", "-5", "1e999", "nan", "inf", "9223372036854775808", "10" * 30,
    "\x1b[2J", "a\nb", "\udcff", "x" * 5_000, "team=\x1b", "gender=f", "=", "technical", "strong",
    "00000000-0000-0000-0000-000000000000", "3:" + "0" * 64, "-", "high",
]  # fmt: skip

_COMMANDS: list[list[str]] = [
    ["recommend", "--company-size", "{w}", "--product-complexity", "high"],
    ["recommend", *PROFILE, "--rulebook", "{f}"],
    ["recommend", *PROFILE, "--log", "{f}", "--label", "{w}"],
    ["recommend", *PROFILE, "--log", "{new}", "--requested-by", "{w}"],
    ["recommend", *PROFILE, "--robustness", "--samples", "{w}", "--max-work", "{w}"],
    ["recommend", *PROFILE, "--top", "{w}", "--what-if"],
    ["rules", "--rulebook", "{f}"],
    ["verify", "{f}", "--max-work", "{w}"],
    ["sensitivity", "{f}", "--delta", "{w}"],
    ["sweep", "--grid", "{f}"],
    ["sweep", "--company-size", "{w}", "--product-complexity", "low", "--max-rows", "{w}"],
    ["brief", *PROFILE, "--guidance", "{f}"],
    ["log", "list", "--log", "{f}", "--since", "{w}"],
    ["log", "show", "{w}", "--log", "{f}"],
    ["log", "review", "{w}", "--log", "{f}", "--reviewer", "{w}", "--accept"],
    ["log", "replay", "{w}", "--log", "{f}"],
    ["log", "check", "--log", "{f}", "--expect", "{w}"],
    ["log", "head", "--log", "{f}"],
    ["log", "export", "--log", "{f}", "--output", "{new}"],
    ["log", "import", "{f}", "--log", "{new}"],
    ["{w}"],
]


def test_cli_fuzz_finds_no_traceback_and_no_exit_status_outside_0_1_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deep = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    rounds = 40 if deep else 8
    files = _hostile_files(tmp_path / "files")
    rng = random.Random(20)
    started = time.monotonic()
    calls = 0
    for n in range(rounds):
        for template in _COMMANDS:
            new = str(tmp_path / f"new{calls}.db")
            args = [
                part.format(w=rng.choice(_WORDS), f=rng.choice(files), new=new) if "{" in part else part
                for part in template
            ]
            status = main(args)
            out, err = capsys.readouterr()
            calls += 1
            assert status in (0, 1, 2), (args, status, err)
            assert "Traceback" not in err, (args, err)
            assert "internal error" not in err, (args, err)
            assert "Value error" not in err, (args, err)
            assert "errors.pydantic.dev" not in err, (args, err)
            assert "\x1b" not in out + err, args
            if status == 2:
                assert len(err.strip().splitlines()) == 1, (args, err)
        assert time.monotonic() - started < (600 if deep else 240), f"{calls} calls after round {n}"
    assert calls == rounds * len(_COMMANDS)


# -- kill -9 during writes, then --expect ---------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys
    import tpm_fit
    result = tpm_fit.recommend(company_size=40, product_complexity="high")
    with tpm_fit.DecisionLog(sys.argv[1]) as log:
        for i in range(100_000):
            record = log.record(result, labels={"n": str(i)})
            print(record.decision_id, log.head(), flush=True)
    """
)


def test_kill_9_loses_no_acknowledged_record_and_the_last_head_still_checks(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    acknowledged: list[tuple[str, str]] = []
    for _ in range(3):  # three crashes into the same log
        writer = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=ENV
        )
        assert writer.stdout is not None
        for _ in range(15):
            decision, head = writer.stdout.readline().split()
            acknowledged.append((decision, head))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)
        writer.stdout.close()
    with tpm_fit.DecisionLog(path, create=False) as log:
        stored = {str(i) for i in log.decision_ids()}
        assert {decision for decision, _ in acknowledged} <= stored
        assert log.check().ok
        last_head = acknowledged[-1][1]
        assert log.check(expected_head=last_head).ok
    done = run("log", "check", "--log", str(path), "--expect", last_head)
    assert done.returncode == 0, done.stdout + done.stderr
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER entries_append_only_delete")
    conn.execute("DELETE FROM entries WHERE seq > (SELECT max(seq) - 2 FROM entries)")
    conn.commit()
    conn.close()
    tampered = run("log", "check", "--log", str(path), "--expect", last_head)
    assert tampered.returncode == 1
    assert "head:" in tampered.stdout


# -- the docs/testing.md example, copied into an empty folder ------------------------------------------


# A fresh interpreter runs the example's 25 verified tunings (some 90 s on a loaded machine); the
# same code runs in-process in tests/test_testing_kit.py, which checks it is the docs' code.
@pytest.mark.slow  # CI (.ci/run) or -m slow
def test_the_testing_docs_example_passes_in_an_empty_folder(tmp_path: Path) -> None:
    pytest.importorskip("hypothesis")
    doc = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    block = re.search(r"## A downstream test file.*?```python\n(.*?)```", doc, re.S)
    assert block is not None
    (tmp_path / "test_our_rules.py").write_text(block.group(1), encoding="utf-8")
    env = {k: v for k, v in ENV.items() if not k.startswith(("HYPOTHESIS", "PYTEST"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_our_rules.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "3 passed" in done.stdout
    assert not list(tmp_path.glob("conftest.py"))


def test_json_output_is_unchanged_by_the_guarded_stream(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, "recommend", *PROFILE, "--format", "json")
    assert status == 0
    assert json.loads(out)["verdict"] == "technical"


def test_sweep_refuses_a_fifo_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    line = one_error(
        capsys, "sweep", "--company-size", "5", "--product-complexity", "low", "--output", str(fifo)
    )
    assert "a FIFO; valid: a file path" in line
