"""Untrusted text reaches the terminal printable: no ESC, no bidi, no fake row (issue 16, kind 3).

Run-folder names, manifest fields, results.json strings, verdict text, paths in
error lines, the --out path, config file names and a worker's stderr are data
from anyone; each is shown escaped as ``repr`` would, on a TTY (a pseudo-terminal
drives one here) and off it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dropout_lab.core.atomic import sha256_file
from dropout_lab.core.printable import json_safe, printable, printable_tree
from dropout_lab.workers import parent

OSC_TITLE = "\x1b]0;pwned\x07"  # sets the terminal's title
CLEAR = "\x1b[2J"  # clears the screen (a CSI sequence that is not a colour)
RLO = "\u202e"  # right-to-left override
HOSTILE = f"{OSC_TITLE}{CLEAR}{RLO}evil\u2066\u200f"
#: What must never reach a terminal raw: ESC, BEL, C1 controls, bidi overrides and isolates, marks.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _raw(text: str) -> list[str]:
    """Raw control or bidi characters in ``text`` once rich's own colour codes are removed."""
    return RAW.findall(re.sub(r"\x1b\[[0-9;]*m", "", text))


def _flat(text: str) -> str:
    """``text`` without table borders, spaces and line breaks (cells wrap long values)."""
    return re.sub(r"[\s│┃┆|]", "", text)


@pytest.mark.parametrize("text, shown", [
    ("plain text, é, 日本, ±", "plain text, é, 日本, ±"),
    ("a\x1b[2Jb", "a\\x1b[2Jb"),
    (OSC_TITLE, "\\x1b]0;pwned\\x07"),
    ("x\u202ey", "x\\u202ey"),
    ("x\u2066y\u2069\u200e\u200f", "x\\u2066y\\u2069\\u200e\\u200f"),
    ("row\nfake row", "row\\nfake row"),
    ("tab\tcr\r", "tab\\tcr\\r"),
    ("c1\x85\x9b", "c1\\x85\\x9b"),
    ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
    ("not utf-8 \udcff\udcfe", "not utf-8 \\xff\\xfe"),
    ("zero width \u200b\ufeff", "zero width \\u200b\\ufeff"),
    ("\U000e0001 tag", "\\U000e0001 tag"),
])
def test_printable_escapes_what_repr_escapes(text, shown):
    assert printable(text) == shown


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_printable_output_is_always_printable_and_idempotent(text):
    shown = printable(text)
    assert shown.isprintable()
    assert printable(shown) == shown
    assert not _raw(shown)
    if text.isprintable():
        assert shown == text  # printable text is never changed


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_json_safe_leaves_no_lone_surrogate(text):
    safe = json_safe(text)
    safe.encode("utf-8")  # strict: a lone surrogate would raise
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert safe == text


def test_printable_tree_reaches_keys_and_nested_strings():
    tree = {"a\nb": [{"c": f"x{CLEAR}"}, 1.5, None, True]}
    assert printable_tree(tree) == {"a\\nb": [{"c": "x\\x1b[2J"}, 1.5, None, True]}


@pytest.fixture
def trained(cli, out):
    return Path(cli.json("train", "--epochs", "3", "--out", out)["run_dir"])


def _hostile_copies(run: Path) -> dict[str, Path]:
    names = {"esc": f"20261204-000000-abcdef{OSC_TITLE}{CLEAR}",
             "rlo": f"20261204-000001-abcdef{RLO}gpj.exe",
             "newline": "20261204-000002-abcdef\ncompare fake-row complete"}
    copies = {}
    for label, name in names.items():
        copies[label] = run.parent / name
        shutil.copytree(run, copies[label])
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["command"] = f"dropout-lab {CLEAR}{OSC_TITLE}train"
    manifest["started_at"] = f"2026{RLO}-12-04"
    (run / "manifest.json").write_text(json.dumps(manifest))
    return copies


def test_runs_list_shows_hostile_names_and_manifest_fields_escaped(cli, out, trained):
    _hostile_copies(trained)
    shown = cli("runs", "list", "--out", out).stdout
    assert not _raw(shown), shown
    flat = _flat(shown)
    assert "abcdef\\x1b]0;pwned\\x07\\x1b[2J" in flat and "abcdef\\u202egpj.exe" in flat
    assert "abcdef\\ncomparefake-rowcomplete" in flat
    # the newline drew no row of its own: no line starts a cell with the fake text
    assert not any(line.strip("│ ").startswith("compare fake-row") for line in shown.splitlines())
    assert "dropout-lab\\x1b[2J\\x1b]0;pwned\\x07train" in flat
    assert "2026\\u202e-12-04" in flat


def test_runs_list_json_keeps_names_strict_and_printable_in_tables(cli, out, trained):
    _hostile_copies(trained)
    data = cli.json("runs", "list", "--out", out)
    names = sorted(run["run_id"] for run in data["runs"])
    assert any(OSC_TITLE in name for name in names)  # JSON escapes it itself (\u001b)


def _rewrite_results(run: Path, change) -> None:
    results = json.loads((run / "results.json").read_text())
    change(results)
    (run / "results.json").write_text(json.dumps(results))
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["files"]["results.json"] = sha256_file(run / "results.json")
    (run / "manifest.json").write_text(json.dumps(manifest))


def test_runs_show_escapes_verdict_text_and_strings_read_back(cli, out, trained):
    compared = Path(cli.json("compare", trained, "--runs", "2", "--mc-samples", "100", "--out",
                             out)["run_dir"])

    def change(results):
        results["verdicts"][0]["evidence"] = f"fine{HOSTILE}\nfake line"
        results["verdicts"][0]["statement"] = f"claim{OSC_TITLE}"
        results["layer_class"] = f"keras{CLEAR}.layers.Dropout"

    _rewrite_results(compared, change)
    shown = cli("runs", "show", compared).stdout
    assert not _raw(shown), shown
    flat = _flat(shown)
    assert "fine\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil\\u2066\\u200f\\nfakeline" in flat
    assert "claim\\x1b]0;pwned\\x07" in flat and "keras\\x1b[2J.layers.Dropout" in flat
    data = cli.json("runs", "show", compared)  # --json: the file as it is (JSON escapes it)
    assert data["verdicts"][0]["evidence"].startswith(f"fine{OSC_TITLE}")


def test_error_lines_escape_paths_and_config_file_names(cli, tmp_path):
    weird = tmp_path / f"run{CLEAR}{RLO}"
    weird.mkdir()
    result = cli("reload", weird, "--out", tmp_path / "o", expect=2)
    assert not _raw(result.stderr) and "\\x1b[2J\\u202e" in _flat(result.stderr)
    config = tmp_path / f"c{CLEAR}{RLO}.toml"
    config.write_text("rate = [")
    result = cli("train", "--config", config, "--out", tmp_path / "o", expect=2)
    assert not _raw(result.stderr)
    assert "c\\x1b[2J\\u202e.tomlisnotvalidTOML" in _flat(result.stderr)
    config.write_bytes(b"\xff\xfe")
    result = cli("train", "--config", config, "--out", tmp_path / "o", expect=2)
    assert not _raw(result.stderr) and "is not UTF-8 text" in result.stderr


def test_clicks_own_errors_are_escaped_too(cli):
    result = cli("runs", "list", f"extra{RLO}{CLEAR}", expect=2)
    assert not _raw(result.stderr) and "extra\\u202e\\x1b[2J" in _flat(result.stderr)
    result = cli(f"--bogus{RLO}", expect=2)
    assert not _raw(result.stderr) and "--bogus\\u202e" in _flat(result.stderr)


def test_the_out_path_is_escaped_where_it_is_shown(cli, tmp_path):
    out = tmp_path / f"o{OSC_TITLE}{RLO}"
    result = cli("train", "--epochs", "3", "--out", out)
    assert not _raw(result.stdout) and "o\\x1b]0;pwned\\x07\\u202e" in _flat(result.stdout)


def test_a_workers_stderr_tail_is_escaped_in_its_error():
    with pytest.raises(Exception) as failed:
        parent._answer("torch", 1, b"", [f"boom {HOSTILE}", "second\rline"])
    assert not _raw(str(failed.value)) and "\\x1b]0;pwned\\x07" in str(failed.value)
    with pytest.raises(Exception) as failed:
        parent._answer("torch", 0, json.dumps({"error": f"bad{CLEAR}"}).encode(), [])
    assert str(failed.value) == "The torch worker failed: bad\\x1b[2J"


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
@pytest.mark.parametrize("args", [("runs", "list"), ("runs", "show")])
def test_on_a_pseudo_terminal_no_raw_escape_or_bidi_arrives(out, trained, cli, args):
    """The command runs on a real (pseudo-)terminal, as a user's would: rich colours it, but
    nothing from the folder moves the cursor, sets the title or reorders text."""
    copies = _hostile_copies(trained)
    _rewrite_results(copies["esc"], lambda results: results.update(run_dir=f"x{HOSTILE}"))
    target = [str(copies["esc"])] if args[1] == "show" else ["--out", str(out)]
    code = ("import os, pty, sys\n"
            "pid, fd = pty.fork()\n"
            "if pid == 0:\n"
            f"    os.execvpe({sys.executable!r}, [{sys.executable!r}, '-m', 'dropout_lab', "
            f"*{list(args)!r}, *{target!r}], dict(os.environ, TERM='xterm-256color', "
            "COLUMNS='100'))\n"
            "data = b''\n"
            "while True:\n"
            "    try:\n"
            "        chunk = os.read(fd, 65536)\n"
            "    except OSError:\n"
            "        break\n"
            "    if not chunk:\n"
            "        break\n"
            "    data += chunk\n"
            "sys.stdout.buffer.write(data)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    shown = done.stdout.decode("utf-8", "replace").replace("\r\n", "\n")  # the tty's onlcr
    assert "\x1b[" in shown  # a terminal: rich did colour its output
    assert not _raw(shown), shown
    assert "\\x1b]0;pwned\\x07" in shown
