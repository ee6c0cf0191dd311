"""Closed, full, ASCII-only and zero-width standard streams (issue 16, kind 5).

stderr closed, stdout closed, stdout on a full device (/dev/full),
PYTHONIOENCODING=ascii, COLUMNS=0: one clean line where one can be written,
the right exit code, --json never mixed with tables, and a complete run
folder never reported as a failure (the error line names it).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from dropout_lab.core import streams

FAST = ("numpy-demo", "--samples", "300", "--repeats", "3")  # no TensorFlow: fast
FULL = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


def _shell(args, redirect: str, out: Path, env: dict | None = None):
    """``dropout-lab ARGS --out OUT REDIRECT`` in bash (for ``>&-``, ``2>&-``, ``>/dev/full``)."""
    command = shlex.join([sys.executable, "-m", "dropout_lab", *args, "--out", str(out)])
    return subprocess.run(["bash", "-c", f"{command} {redirect}"], capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})})


def _complete(out: Path, kind: str) -> list[Path]:
    folder = out / kind
    return [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.exists() else []


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


@pytest.mark.parametrize("args, kind, json_flag", [
    (FAST, "numpy-demo", []), (FAST, "numpy-demo", ["--json"]),
    (("train", "--epochs", "3"), "train", ["--json"]),  # TensorFlow's import borrows fd 2
])
def test_stderr_closed_the_run_completes_and_says_nothing(tmp_path, args, kind, json_flag):
    out = tmp_path / "out"
    done = _shell([*args, *json_flag], "2>&-", out)
    assert done.returncode == 0, done.stdout
    assert len(_complete(out, kind)) == 1
    if json_flag:  # stdout: exactly the JSON object, no table
        assert json.loads(done.stdout)["kind"] == kind and done.stdout.endswith("}\n")


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_stdout_closed_is_one_line_naming_the_complete_run(tmp_path, json_flag):
    out = tmp_path / "out"
    done = _shell([*FAST, *json_flag], ">&-", out)
    (run,) = _complete(out, "numpy-demo")
    assert done.returncode == 1
    assert _errors(done.stderr) == [f"Error: Cannot write to stdout (Bad file descriptor: stdout "
                                    f"was closed); the run itself is complete: {run}."]
    assert "Traceback" not in done.stderr and '"kind"' not in done.stderr  # no JSON on stderr


def test_stdout_closed_with_quiet_has_nothing_to_write(tmp_path):
    out = tmp_path / "out"
    done = _shell([*FAST, "--quiet"], ">&-", out)
    assert done.returncode == 0 and done.stderr == "" and len(_complete(out, "numpy-demo")) == 1


@FULL
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_stdout_on_a_full_device_is_one_line_naming_the_complete_run(tmp_path, json_flag):
    out = tmp_path / "out"
    done = _shell([*FAST, *json_flag], ">/dev/full", out)
    (run,) = _complete(out, "numpy-demo")
    assert done.returncode == 1, done.stderr
    assert _errors(done.stderr) == [f"Error: Cannot write to stdout (No space left on device); "
                                    f"the run itself is complete: {run}."]
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


@FULL
def test_runs_list_on_a_full_device_names_no_run(tmp_path):
    done = _shell(["runs", "list"], ">/dev/full", tmp_path)
    assert done.returncode == 1
    assert _errors(done.stderr) == ["Error: Cannot write to stdout (No space left on device)."]


@pytest.mark.parametrize("args", [FAST, ("compare", "--epochs", "3", "--mc-samples", "100",
                                         "--runs", "2")])
def test_an_ascii_terminal_gets_ascii(tmp_path, args):
    out = tmp_path / "out"
    done = _shell(args, "", out, {"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.isascii() and done.stderr.isascii()
    assert "+/-" in done.stdout or "--" in done.stdout  # the symbols, in ASCII
    if args == FAST:
        done = _shell([*args, "--json"], "", tmp_path / "json", {"PYTHONIOENCODING": "ascii"})
        assert done.returncode == 0 and json.loads(done.stdout)["run_dir"]


@pytest.mark.parametrize("columns", ["0", "abc"])
def test_a_terminal_width_that_is_no_width_is_ignored(tmp_path, columns):
    out = tmp_path / "out"
    done = _shell(FAST, "", out, {"COLUMNS": columns, "LINES": columns})
    assert done.returncode == 0 and "Run folder:" in done.stdout, done.stderr
    done = _shell(["runs", "list"], "", out, {"COLUMNS": columns})
    assert done.returncode == 0 and "numpy-demo" in done.stdout


def test_the_ascii_error_handler_writes_symbols_in_ascii():
    assert "± — ≤ ∞ é 日 \ud800".encode("ascii", streams.ERRORS) == \
        b"+/- -- <= inf \\xe9 \\u65e5 \\ud800"
