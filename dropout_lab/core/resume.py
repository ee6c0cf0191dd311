"""Resumable run folders, for sweeps that must survive an interruption.

A resumable run is written like any run (``dropout_lab.core.runs``) under
``OUT/<kind>/.<run-id>.partial``, but its opening manifest is also kept there as
``resume.json``, so that after an interruption another process can reopen the
folder (``reopen_run``), skip what is complete and finish it.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Iterator

from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.runs import (
    MANIFEST,
    PARTIAL_SUFFIX,
    RunFolder,
    atomic_write_json,
    start_run,
    utc_now,
)

RESUME_FILE = "resume.json"  # opening manifest kept in a resumable run's .partial folder


@contextlib.contextmanager
def resumable_run(out: Path, kind: str, config: dict[str, Any], seed: int | None,
                  command: str, extra: dict[str, Any] | None = None,
                  resume: RunFolder | None = None) -> Iterator[RunFolder]:
    """Like ``new_run``, but an interrupted run keeps its folder and can be continued.

    The opening manifest is saved as ``resume.json`` in the ``.partial`` folder
    (and removed when the run finishes), so ``reopen_run`` can pick the run up
    again in another process; pass its result as ``resume``. On failure the
    ``.partial`` folder is kept, with every file written so far.
    """
    run = resume or start_run(out, kind, config, seed, command, extra)
    if resume is None:
        atomic_write_json(run.path / RESUME_FILE, run.manifest)
    yield run
    (run.path / RESUME_FILE).unlink()
    run.finish()


def reopen_run(path: str | Path, kind: str, command: str) -> RunFolder:
    """Reopen an interrupted ``resumable_run``: ``OUT/<kind>/.<id>.partial``.

    ``path`` may also name the run's final folder ``OUT/<kind>/<id>``, which an
    interrupted run does not have yet. Nothing is written here.

    Raises:
        ConfigError: ``path`` is not an interrupted resumable run of ``kind`` (exit 2).
    """
    path = Path(path)
    if not path.name.endswith(PARTIAL_SUFFIX):
        hidden = path.with_name(f".{path.name}{PARTIAL_SUFFIX}")
        path = hidden if hidden.is_dir() else path
    manifest = _resume_manifest(path, kind)
    manifest.setdefault("resumed", []).append({"at": utc_now(), "command": command})
    final = path.with_name(path.name[1:-len(PARTIAL_SUFFIX)])
    return RunFolder(kind=kind, final_path=final, path=path, manifest=manifest)


def _resume_manifest(path: Path, kind: str) -> dict[str, Any]:
    expected = (f"Invalid value for `--resume`: expected an interrupted {kind} run "
                f"(OUT/{kind}/.<run-id>{PARTIAL_SUFFIX} holding {RESUME_FILE}). "
                f"Received: resume={str(path)!r}")
    if not path.is_dir():
        raise ConfigError(f"{expected}, which is not a folder.", param="resume")
    if (path / MANIFEST).is_file() and not path.name.endswith(PARTIAL_SUFFIX):
        raise ConfigError(f"{expected}, a completed run: nothing to resume.", param="resume")
    if not (path / RESUME_FILE).is_file():
        raise ConfigError(f"{expected}, which has no {RESUME_FILE}.", param="resume")
    try:
        manifest = json.loads((path / RESUME_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ExperimentError(f"Cannot read {path / RESUME_FILE}: {exc}.") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != kind:
        found = manifest.get("kind") if isinstance(manifest, dict) else None
        raise ConfigError(f"{expected}, a {found!r} run.", param="resume")
    return manifest
