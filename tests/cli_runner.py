"""Run ``tpm-fit`` for a test: in this process in the quick run, as ``python -m tpm_fit`` under CI.

Starting a Python process costs a second or more per call (several on a loaded machine), and the
command-line tests make about a hundred calls. In the quick run they call ``main(argv)`` here,
with standard input, output and error redirected, and get the same ``CompletedProcess`` back;
with ``CI=true`` (``bash .ci/run``) every call is a real process again, end to end. Tests of
process-level behaviour (a closed stdout, signals, what a fresh interpreter imports) start their
own processes in ``test_cli.py`` and ``test_hardening_cli.py`` either way.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

#: Real processes under CI (CI=true), in-process calls otherwise.
IN_PROCESS = os.environ.get("CI", "").lower() not in {"1", "true", "yes"}


@contextlib.contextmanager
def _cwd(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(
    *args: str | Path, stdin: str | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``tpm-fit ARGS``: its exit status, standard output and standard error."""
    argv = [str(arg) for arg in args]
    if not IN_PROCESS:
        return subprocess.run(
            [sys.executable, "-m", "tpm_fit", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            input=stdin,
            cwd=cwd,
        )
    from tpm_fit._cli.main import main

    out, err = io.StringIO(), io.StringIO()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin or ""), out, err
    try:
        with _cwd(cwd):
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code
                status = code if isinstance(code, int) else (0 if code is None else 1)
                if isinstance(code, str):
                    print(code, file=sys.stderr)
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
    return subprocess.CompletedProcess(["tpm-fit", *argv], status, out.getvalue(), err.getvalue())
