"""The index of run folders under ``--out``: what each is, when, how it ended, what it found.

Every folder is read as untrusted data (``core.reading``): a damaged one is
listed as ``damaged`` with the reason, never a crash, and one folder that
cannot be read (a kind folder that is a file, unreadable, or a link) is one
such entry: the index shows the rest. Links are listed, never followed.

A run is ``complete`` only when every file its manifest records is there
and matches its sha256 (read in blocks: memory stays small however large a
file is). Its verdicts come from the head of its results.json: the first
``HEAD_BYTES`` at most, where the verdicts stand, after the fixed first keys
(``core.results.HEAD``); the measurements after them are never parsed here.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dropout_lab.core import kinds as registry
from dropout_lab.core.errors import DropoutLabError, ExperimentError
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.reading import MAX_MANIFEST_BYTES, Run, open_run, parse_json, value_problem
from dropout_lab.core.resume import RESUME_FILE
from dropout_lab.core.runs import PARTIAL_SUFFIX
from dropout_lab.core.verdict import CLAIMS

SORTS = ("when", "kind", "status")
HEAD_BYTES = 1 << 20  # of a results.json, read for its verdicts
RESULTS = "results.json"


@dataclass(frozen=True)
class RunEntry:
    """One run folder as the index shows it.

    Attributes:
        status: ``complete`` (every file matches the manifest), ``partial``
            (interrupted; ``resumable`` when it can be continued with --resume)
            or ``damaged`` (``problem`` says why).
        verdicts: (claim, outcome) pairs from its results.json: the sources' claims only
            (``CLAIMS``), not dropout-lab's own checks (expectation, order, docs:...).
    """

    kind: str
    run_id: str
    path: Path
    status: str
    started_at: str | None = None
    command: str | None = None
    verdicts: list[tuple[str, str]] = field(default_factory=list)
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "run_id": self.run_id, "path": str(self.path),
                "status": self.status, "started_at": self.started_at, "command": self.command,
                "verdicts": [{"claim": c, "outcome": o} for c, o in self.verdicts],
                "problem": self.problem}


def index(out: Path, kind: str | None = None, sort: str = "when") -> list[RunEntry]:
    """Every run folder under ``out`` (of ``kind`` only, when given), sorted by ``sort``."""
    wanted = [k for k in registry.kinds() if kind is None or k.name == kind]
    folders = [(k.name, name) for k in wanted for name in (k.name, *k.legacy)]
    entries = []
    for kind_name, name in folders:
        entries += _kind_folder(kind_name, Path(out) / name)
    keys = {"when": lambda e: e.started_at or "", "kind": lambda e: (e.kind, e.started_at or ""),
            "status": lambda e: (e.status, e.started_at or "")}
    return sorted(entries, key=keys[sort], reverse=sort == "when")


def _kind_folder(kind: str, folder: Path) -> list[RunEntry]:
    """The entries of one kind folder; one damaged entry when the folder itself cannot be read."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [_unreadable(kind, folder, f"cannot be read ({exc.strerror})")]
    if stat.S_ISLNK(info.st_mode):
        return [_unreadable(kind, folder, f"is a symbolic link (to {_link(folder)}); not "
                                          "followed")]
    if not stat.S_ISDIR(info.st_mode):
        return [_unreadable(kind, folder, "is not a folder")]
    try:
        with os.scandir(folder) as found:
            names = [(entry.name, entry.is_symlink(), entry.is_dir(follow_symlinks=False))
                     for entry in found]
    except OSError as exc:
        return [_unreadable(kind, folder, f"cannot be read ({exc.strerror})")]
    entries = []
    for name, is_link, is_dir in names:
        path = folder / name
        if is_link:
            entries.append(RunEntry(kind, name, path, "damaged",
                                    problem=f"a symbolic link (to {_link(path)}); not followed"))
        elif is_dir:
            entries.append(_entry(kind, path))
    return entries


def _unreadable(kind: str, folder: Path, why: str) -> RunEntry:
    """The entry of a kind folder that cannot be listed: ``why`` says what it is instead."""
    return RunEntry(kind, f"{folder.name}/", folder, "damaged",
                    problem=f"the {kind} folder {folder} {why}")


def _link(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _entry(kind: str, path: Path) -> RunEntry:
    if path.name.startswith(".") and path.name.endswith(PARTIAL_SUFFIX):
        return _partial(kind, path)
    if path.name.startswith("."):
        return RunEntry(kind, path.name, path, "damaged", problem="a hidden folder that is not "
                                                                  "a run being written")
    try:
        run = open_run(path, (kind,))
        for name in run.manifest["files"]:
            run.verified(name)  # every file, as the run wrote it
        verdicts = _verdicts(run)
    except DropoutLabError as exc:
        return RunEntry(kind, path.name, path, "damaged", problem=str(exc))
    except OSError as exc:  # a file that vanished or cannot be read while it is checked
        return RunEntry(kind, path.name, path, "damaged", problem=f"{exc.strerror}: "
                                                                  f"{exc.filename}")
    manifest = run.manifest
    return RunEntry(kind, path.name, path, "complete", _text(manifest.get("started_at")),
                    _text(manifest.get("command")), verdicts)


def _verdicts(run: Run) -> list[tuple[str, str]]:
    """(claim, outcome) of every verdict in the head of the run's results.json (checked)."""
    if RESULTS not in run.manifest["files"]:
        return []
    path = run.member(RESULTS)
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise ExperimentError(f"Cannot read {path}: {exc.strerror}.") from None
    found = head_value(head.decode("utf-8", "replace"), "verdicts")
    if not isinstance(found, list) or value_problem(found):
        return []
    return [(str(v.get("claim")), str(v.get("outcome"))) for v in found
            if isinstance(v, dict) and v.get("claim") in CLAIMS]


def head_value(text: str, key: str) -> Any:
    """The value of top-level ``key`` of the JSON object ``text`` begins, or None.

    ``text`` may be cut anywhere after that value: the members before it are
    parsed one by one, and nothing after it is read.
    """
    decoder = json.JSONDecoder(parse_constant=lambda name: None)
    index = _skip(text, 0)
    if not text.startswith("{", index):
        return None
    index = _skip(text, index + 1)
    try:
        while index < len(text) and text[index] == '"':
            name, index = decoder.raw_decode(text, index)
            index = _skip(text, index)
            if not text.startswith(":", index):
                return None
            value, index = decoder.raw_decode(text, _skip(text, index + 1))
            if name == key:
                return value
            index = _skip(text, index)
            if not text.startswith(",", index):
                return None
            index = _skip(text, index + 1)
    except (ValueError, RecursionError):
        return None  # cut before the value's end, or not JSON
    return None


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _partial(kind: str, path: Path) -> RunEntry:
    run_id = path.name[1:-len(PARTIAL_SUFFIX)]
    try:
        opening = parse_json(read_bytes(path / RESUME_FILE, MAX_MANIFEST_BYTES,
                                        follow_links=False), path / RESUME_FILE)
    except (UnsafeFile, DropoutLabError):
        return RunEntry(kind, run_id, path, "partial")
    opening = opening if isinstance(opening, dict) else {}
    return RunEntry(kind, run_id, path, "partial (resumable)", _text(opening.get("started_at")),
                    _text(opening.get("command")))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
