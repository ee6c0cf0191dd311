"""Ordinary hostile conditions are one clear line, never an internal error; ``runs list`` keeps
its memory small and its word (issue 16, kinds 7 and 8).

Tests run as root here, so a folder cannot be made unreadable with chmod: an
unreadable kind folder is a file or a FIFO in its place, or ``os.scandir``
raising PermissionError for it (monkeypatched).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropout_lab.core.atomic import dumps, sha256_file
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.reading import MAX_DEPTH, parse_json
from dropout_lab.index import listing


def _error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("text, reason", [
    ("[" * 900 + "]" * 900, f"it nests deeper than {MAX_DEPTH} levels"),
    ("[" * 100000 + "]" * 100000, "it nests too deeply"),  # deeper than the parser's own limit
    ('{"a": [1, ' + "1" + "0" * 400 + "]}", "an integer of 401 digits"),
    ('{"a": 1e999}', "a number too large for a float (read as infinity)"),
    ('{"a": {"b": [-1e400]}}', "a number too large for a float (read as infinity)"),
    ("1e999", "a number too large for a float (read as infinity)"),
    ('{"a": NaN}', "the non-standard number NaN"),
    ('{"a": -Infinity}', "the non-standard number -Infinity"),
])
def test_hostile_json_is_one_line_naming_the_file(text, reason):
    with pytest.raises(ExperimentError) as failed:
        parse_json(text.encode(), Path("run/results.json"))
    assert str(failed.value) == f"Cannot read run/results.json: not valid JSON ({reason})."


def test_what_dropout_lab_writes_is_read_back():
    value = {"a": [[[1, 2.5, None, True, "x"]]], "seed": 2**32 - 1, "big": 2**63, "f": 1e308}
    assert parse_json(dumps(value).encode(), Path("x")) == value
    nested = json.loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert parse_json(json.dumps(nested).encode(), Path("x")) == nested


@pytest.fixture
def trained(cli, out):
    return Path(cli.json("train", "--epochs", "3", "--out", out)["run_dir"])


def _rewrite(run: Path, text: str, name: str = "results.json") -> None:
    (run / name).write_text(text)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["files"][name] = sha256_file(run / name)
    (run / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("value, reason", [
    ("[" * 900 + "]" * 900, "it nests deeper than 64 levels"),
    ("1" + "0" * 400, "an integer of 401 digits"),  # in a float field
    ("1e999", "a number too large for a float (read as infinity)"),
])
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_runs_show_of_hostile_results_is_one_line(cli, out, trained, value, reason, json_flag):
    original = (trained / "results.json").read_text()
    changed = re.sub(r'"train/final_loss": [-0-9.e]+', f'"train/final_loss": {value}', original)
    assert changed != original
    _rewrite(trained, changed)
    result = cli("runs", "show", trained, *json_flag, expect=1)
    assert _error_line(result) == (f"Error: Cannot read {trained / 'results.json'}: not valid "
                                   f"JSON ({reason}).")
    assert result.stdout == ""


def test_one_unreadable_kind_folder_leaves_the_rest_listed(cli, out, trained, monkeypatch):
    (out / "compare").write_text("a file where a kind folder goes")
    os.mkfifo(out / "probe")
    real = os.scandir

    def scandir(path="."):
        if Path(path) == out / "train":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    entries = {e.kind: e for e in listing.index(out)}
    assert entries["train"].status == "complete"
    assert entries["compare"].problem == f"the compare folder {out / 'compare'} is not a folder"
    assert entries["probe"].problem == f"the probe folder {out / 'probe'} is not a folder"
    monkeypatch.setattr(listing.os, "scandir", scandir)
    data = cli.json("runs", "list", "--out", out)
    problems = {run["kind"]: run["problem"] for run in data["runs"]}
    assert problems == {
        "train": f"the train folder {out / 'train'} cannot be read (Permission denied)",
        "compare": f"the compare folder {out / 'compare'} is not a folder",
        "probe": f"the probe folder {out / 'probe'} is not a folder"}


def test_non_utf8_folder_names_give_strict_json_and_escaped_tables(cli, out, trained):
    renamed = os.fsencode(trained.parent) + b"/20261204-000000-abcdef\xff\xfe"
    os.rename(os.fsencode(trained), renamed)
    result = cli("runs", "list", "--out", out, "--json")
    data = json.loads(result.stdout.encode("utf-8").decode("utf-8", "strict"))
    (run,) = data["runs"]
    assert run["run_id"] == "20261204-000000-abcdef\\xff\\xfe"
    assert run["path"].endswith("20261204-000000-abcdef\\xff\\xfe")
    assert "\\udc" not in result.stdout  # no lone surrogate, escaped or raw
    shown = cli("runs", "list", "--out", out).stdout
    assert "abcdef\\xff\\xfe" in shown


@given(st.text())
def test_dumps_never_writes_a_lone_surrogate(text):
    written = dumps({text: [text]})
    written.encode("utf-8")
    assert "\\ud8" not in written.lower() or "\\ud8" in json.dumps(text).lower()


def test_runs_list_says_damaged_when_any_file_differs_from_its_manifest(cli, out, trained):
    data = bytearray((trained / "weights.h5").read_bytes())
    data[-1] ^= 1
    (trained / "weights.h5").write_bytes(bytes(data))
    (run,) = cli.json("runs", "list", "--out", out)["runs"]
    assert run["status"] == "damaged"
    assert run["problem"].startswith(f"{trained / 'weights.h5'} was changed after the run wrote "
                                     "it: sha256 ")
    (trained / "weights.h5").unlink()
    (run,) = cli.json("runs", "list", "--out", out)["runs"]
    assert run["problem"] == f"Run {trained} has no file weights.h5; the run is incomplete."


@pytest.mark.parametrize("text, value", [
    ('{"kind": "x", "config": {"a": [1, {"b": 2}]}, "verdicts": [{"claim": "C1"}], "huge": [',
     [{"claim": "C1"}]),
    ('  {\n "verdicts" : [] }', []),
    ('{"kind": "x", "verdicts": [{"claim": "C1", "outcome": "conf', None),  # cut inside it
    ('{"kind": "x", "config": {"a": "' + "x" * 100 + '", "verdicts": []}', None),  # cut before
    ("[1, 2]", None),
    ('{"kind": "x" "verdicts": []}', None),
])
def test_head_value_reads_the_verdicts_without_the_rest(text, value):
    assert listing.head_value(text, "verdicts") == value


def test_runs_list_of_a_huge_results_json_stays_small(cli, out, trained):
    """A 100 MiB results.json (its hash recorded): ``runs list`` reads its head, hashes it in
    blocks, and stays under 150 MiB of memory (0.2 parsed it all: ~500 MiB for 100 MiB)."""
    results = json.loads((trained / "results.json").read_text())
    with open(trained / "results.json", "w") as handle:
        handle.write(json.dumps(results)[:-1] + ', "padding": [')
        block = ",".join(["0.123456789012345"] * 50000) + ","
        for _ in range((100 << 20) // len(block)):
            handle.write(block)
        handle.write("0]}")
    _rewrite(trained, (trained / "results.json").read_text())
    code = ("import resource, subprocess, sys\n"
            f"done = subprocess.run([sys.executable, '-m', 'dropout_lab', 'runs', 'list', "
            f"'--out', {str(out)!r}, '--json'], capture_output=True, text=True)\n"
            "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
            "print(done.stdout)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    first, rest = done.stdout.split("\n", 1)
    code, kib = map(int, first.split())
    assert code == 0 and kib < 150 * 1024, (kib, done.stderr)
    (run,) = json.loads(rest)["runs"]
    assert run["status"] == "complete" and run["verdicts"] == []
