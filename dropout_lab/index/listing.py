"""The index of run folders under ``--out``: what each is, when, how it ended, what it found.

Every folder is read as untrusted data (``core.reading``): a damaged one is
listed as ``damaged`` with the reason, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dropout_lab.core import kinds as registry
from dropout_lab.core.errors import DropoutLabError
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.reading import MAX_JSON_BYTES, open_run, parse_json
from dropout_lab.core.resume import RESUME_FILE
from dropout_lab.core.runs import PARTIAL_SUFFIX

SORTS = ("when", "kind", "status")


@dataclass(frozen=True)
class RunEntry:
    """One run folder as the index shows it.

    Attributes:
        status: ``complete``, ``partial`` (interrupted; ``resumable`` when it
            can be continued with --resume) or ``damaged`` (``problem`` says why).
        verdicts: (claim, outcome) pairs from its results.json.
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
        folder = out / name
        if folder.is_dir() and not folder.is_symlink():
            entries += [_entry(kind_name, path) for path in folder.iterdir()
                        if path.is_dir() and not path.is_symlink()]
    keys = {"when": lambda e: e.started_at or "", "kind": lambda e: (e.kind, e.started_at or ""),
            "status": lambda e: (e.status, e.started_at or "")}
    return sorted(entries, key=keys[sort], reverse=sort == "when")


def _entry(kind: str, path: Path) -> RunEntry:
    if path.name.startswith(".") and path.name.endswith(PARTIAL_SUFFIX):
        return _partial(kind, path)
    if path.name.startswith("."):
        return RunEntry(kind, path.name, path, "damaged", problem="a hidden folder that is not "
                                                                  "a run being written")
    try:
        run = open_run(path, (kind,))
        data = run.read_json("results.json")
        found = data.get("verdicts", []) if isinstance(data, dict) else []
        verdicts = [(str(v.get("claim")), str(v.get("outcome"))) for v in found
                    if isinstance(v, dict)]
    except DropoutLabError as exc:
        return RunEntry(kind, path.name, path, "damaged", problem=str(exc))
    manifest = run.manifest
    return RunEntry(kind, path.name, path, "complete", _text(manifest.get("started_at")),
                    _text(manifest.get("command")), verdicts)


def _partial(kind: str, path: Path) -> RunEntry:
    run_id = path.name[1:-len(PARTIAL_SUFFIX)]
    try:
        opening = parse_json(read_bytes(path / RESUME_FILE, MAX_JSON_BYTES), path / RESUME_FILE)
    except (UnsafeFile, DropoutLabError):
        return RunEntry(kind, run_id, path, "partial")
    opening = opening if isinstance(opening, dict) else {}
    return RunEntry(kind, run_id, path, "partial (resumable)", _text(opening.get("started_at")),
                    _text(opening.get("command")))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
