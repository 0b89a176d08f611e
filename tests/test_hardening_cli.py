"""Issue 9, the command line: every bad input is one line on stderr and exit status 2, never a traceback.

End to end through ``python -m tpm_fit`` in a subprocess.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

import tpm_fit
from tpm_fit import Rulebook

SMALL = ["--company-size", "5", "--product-complexity", "low"]


def run(*args: str, cwd: Path | None = None, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tpm_fit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
        **options,  # type: ignore[call-overload]
    )


def one_error_line(done: subprocess.CompletedProcess[str], expected: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("tpm-fit: error: ")
    assert expected in lines[0]


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"tpm-fit {tpm_fit.__version__}"


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_load_no_model(flag: str) -> None:
    code = (
        "import sys\n"
        "from tpm_fit._cli.main import main\n"
        "try:\n"
        f"    main([{flag!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in sys.modules if m.startswith(('pydantic', 'numpy', 'tpm_fit._model.profile'))]\n"
        "print(sorted(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stderr.strip() == "[]"
    assert done.stdout.strip()


def test_each_subcommand_gets_the_same_options_when_built_alone() -> None:
    from tpm_fit._cli.main import build_parser

    full = build_parser()
    (commands,) = (a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in commands.choices.items():
        alone = build_parser(commands={name})
        (only,) = (a for a in alone._actions if isinstance(a, argparse._SubParsersAction))
        assert only.choices[name].format_help() == parser.format_help(), name
        others = [sub for other, sub in only.choices.items() if other != name]
        assert all(len(sub._actions) == 1 for sub in others), name  # only -h


@pytest.mark.parametrize("command", ["recommend", "rules", "sweep"])
def test_an_empty_rulebook_path_is_refused(command: str) -> None:
    args = SMALL if command != "rules" else []
    one_error_line(run(command, *args, "--rulebook", ""), "empty path")


def test_verify_with_an_unset_variable_does_not_pass() -> None:
    one_error_line(run("verify", ""), "empty path")  # tpm-fit verify "$RULES" with RULES unset


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_rulebook_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)
    one_error_line(run("verify", str(fifo)), "not a regular file")


@pytest.mark.parametrize("top", ["0", "-1", "x"])
def test_top_must_be_at_least_one(top: str) -> None:
    one_error_line(run("recommend", *SMALL, "--top", top), "--top")


def test_two_different_formats_are_refused() -> None:
    one_error_line(
        run("recommend", *SMALL, "--format", "json", "--format", "markdown"),
        "--format asks for markdown but --format already asked for json; valid: one output format",
    )


def test_usage_errors_are_one_line() -> None:
    one_error_line(run("recommend", "--company-size", "many"), "invalid int value")
    one_error_line(run("no-such-command"), "invalid choice")


def test_a_closed_stdout_is_one_line_not_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tpm_fit", "rules"],
        stdout=None,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == "tpm-fit: error: standard output is closed; redirect it to a file or /dev/null instead"
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "tpm_fit", "rules"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_rules_escapes_what_it_prints(tmp_path: Path) -> None:
    # The rulebook refuses control characters in its text; what it prints is escaped anyway.
    data = Rulebook.default().model_dump(mode="json")
    data["name"] = "evil\x1b[2J"
    path = tmp_path / "evil.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    done = run("rules", "--rulebook", str(path))
    one_error_line(done, "control character")
    assert "\x1b" not in done.stderr


# -- sweep ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"company_size = [5, 50]\nproduct_complexity = '\xff'\n", "not UTF-8"),
        (b"a = " + b"[" * 5_000 + b"]" * 5_000, "nested too deep"),
        (b"company_size = { start = 1, stop = 5, num = 1000000000 }\nproduct_complexity = 'low'\n", "num="),
        (b"x" + b".x" * 5_000 + b" = 1\n", "parts"),
    ],
    ids=["not-utf8", "deep", "huge-num", "dotted"],
)
def test_bad_grid_files_are_one_line(tmp_path: Path, content: bytes, expected: str) -> None:
    pytest.importorskip("pandas")
    (tmp_path / "grid.toml").write_bytes(content)
    one_error_line(run("sweep", "--grid", "grid.toml", cwd=tmp_path), expected)


def test_a_sweep_over_max_rows_is_refused_before_it_runs() -> None:
    pytest.importorskip("pandas")
    done = run("sweep", "--company-size", "5", "50", "500", "--product-complexity", "low", "--max-rows", "2")
    one_error_line(done, "max_rows=2")
    one_error_line(run("sweep", *SMALL, "--max-rows", "0"), "--max-rows")


def test_sweep_without_pandas_names_the_extra(tmp_path: Path) -> None:
    # A core install: make `import pandas` fail in the child, as on an install without the extra.
    (tmp_path / "pandas.py").write_text("raise ImportError('No module named pandas')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    one_error_line(run("sweep", *SMALL, env=env), "pip install 'tpm-fit[pandas]'")


def test_sweep_prints_no_progress_when_stderr_is_not_a_terminal() -> None:
    pytest.importorskip("pandas")
    done = run("sweep", *SMALL)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert run("sweep", *SMALL, "--quiet").returncode == 0


def test_the_plain_progress_line_counts_to_the_total(monkeypatch: pytest.MonkeyPatch) -> None:
    from tpm_fit._cli import sweep

    monkeypatch.setattr(sweep.importlib, "import_module", _no_tqdm)
    stream = io.StringIO()
    bar = sweep.progress_bar(3_000_000, stream=stream)
    for _ in range(3):
        bar.update(1_000_000)
    bar.close()
    text = stream.getvalue()
    assert text.endswith("scored 3,000,000 of 3,000,000 scenarios (100%)\n")
    assert text.startswith("\r")


def _no_tqdm(name: str) -> object:
    raise ImportError(name)


def test_long_sweeps_score_in_chunks_with_identical_results(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas")
    from tpm_fit import recommend_many, scenario_grid
    from tpm_fit._cli import sweep

    grid = scenario_grid(company_size=range(1, 3001), product_complexity=["low", "high"])
    monkeypatch.setattr(sweep, "_PROGRESS_ROWS", 100)
    monkeypatch.setattr(sweep, "_CHUNK_ROWS", 1000)
    monkeypatch.setattr(sweep.sys, "stderr", io.StringIO())
    chunked = sweep._score(grid, Rulebook.default(), progress=True)
    assert chunked.equals(recommend_many(grid))


def test_verify_names_the_work_bound_and_how_to_raise_it() -> None:
    one_error_line(run("verify", "--max-work", "1"), "--max-work N")
    one_error_line(run("verify", "--max-work", "0"), "--max-work")


def test_a_hostile_rulebook_is_one_located_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("a" + ".a" * 40_000 + " = 1\n", encoding="utf-8")
    one_error_line(run("recommend", *SMALL, "--rulebook", str(path)), "@ line 1, column 1")


def test_several_rulebook_problems_are_one_line_with_a_count(tmp_path: Path) -> None:
    data = Rulebook.default().model_dump(mode="json")
    for factor in data["factors"][:3]:
        factor["weight"] = -1.0
    path = tmp_path / "rules.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    one_error_line(run("rules", "--rulebook", str(path)), "(and 2 more problems) @ factors[0].weight")
