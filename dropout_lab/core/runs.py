"""Run folders: every run writes one, atomically, with a manifest.

Layout: ``OUT/<kind>/<run-id>/`` holding the run's files and a
``manifest.json`` (command, config, seed, framework versions, start/end times,
sha256 of every file). A run is written under ``OUT/<kind>/.<run-id>.partial``
and renamed when complete, so a folder without the ``.partial`` suffix is
always whole; an interrupted run leaves nothing that looks complete. Every file
inside is itself written to a temporary name and renamed.

Below ``--out`` nothing is written, deleted or locked through a symbolic link
(``core.safe_paths``): a kind folder or a folder of a run that is a link is
refused with one line naming it, and a finished run holds no link.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dropout_lab import __version__
from dropout_lab.core.atomic import (
    TEMP_PREFIX,
    atomic_path,
    atomic_write_bytes,
    atomic_write_json,
    sha256_file,
)
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.printable import printable
from dropout_lab.core.safe_paths import (
    LinkRefused,
    check_real_dir,
    links_below,
    make_dirs,
    remove_tree,
)
from dropout_lab.core.signals import checkpoint
from dropout_lab.core.tfenv import USER_ENVIRONMENT, imported, versions

MANIFEST = "manifest.json"
PARTIAL_SUFFIX = ".partial"


def utc_now() -> str:
    """The current UTC time as ISO 8601 with microseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def prepare_out(out: str | Path) -> Path:
    """Check, before any work and without writing, that runs can be written under ``out``.

    The nearest existing folder on the way to ``out`` must be a writable folder;
    ``out`` itself is created only when the first run is written.

    Raises:
        ConfigError: ``out`` is empty, or it (or an ancestor) is a file, not writable,
            or a name the system refuses (exit 2).
    """
    given = str(out)
    problem = "an empty name would write into the current folder" if not given else None
    out = Path(out)
    existing = out
    try:
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if problem is None and not existing.is_dir():
            problem = f"{existing} is not a folder"
        elif problem is None and not os.access(existing, os.W_OK | os.X_OK):
            problem = f"{existing} is not writable"
    except OSError as exc:  # e.g. a name longer than the system allows
        problem = exc.strerror or str(exc)
    if problem:
        raise ConfigError(f"Invalid value for `--out`: expected a writable folder. "
                          f"Received: out={given!r} ({problem})", param="out")
    return out


@dataclass
class RunFolder:
    """A run folder being written. Use through ``new_run``.

    Attributes:
        kind: experiment kind, the folder under OUT (e.g. ``"toy"``).
        final_path: where the folder lands once complete.
        path: where it is being written (``.<id>.partial``).
        manifest: the manifest under construction.
    """

    kind: str
    final_path: Path
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    t0: float = field(default_factory=time.monotonic)  # monotonic start, seconds

    @property
    def run_id(self) -> str:
        return self.final_path.name

    def _target(self, name: str) -> Path:
        """``path / name``, its folders made inside the run without following a link."""
        parent = Path(name).parent
        try:
            if str(parent) != ".":
                make_dirs(self.path, parent)
            else:
                check_real_dir(self.path)
        except OSError as exc:
            raise ExperimentError(f"Cannot write {printable(self.path / name)}: "
                                  f"{exc.strerror}.") from None
        return self.path / name

    def write_json(self, name: str, obj: Any) -> Path:
        """Write ``obj`` as strict JSON to ``name`` inside the run, atomically."""
        target = self._target(name)
        atomic_write_json(target, obj)
        return target

    def write_text(self, name: str, text: str) -> Path:
        """Write ``text`` to ``name`` inside the run, atomically."""
        return self.write_bytes(name, text.encode())

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write ``data`` to ``name`` inside the run, atomically."""
        target = self._target(name)
        atomic_write_bytes(target, data)
        return target

    def file(self, name: str) -> contextlib.AbstractContextManager[Path]:
        """Context manager giving a temporary path that becomes ``name`` on success."""
        return atomic_path(self._target(name))

    def hashes(self) -> dict[str, str]:
        """sha256 of every file of the run, by relative path: not the manifest, nothing hidden.

        Hidden names are temporary files and folders (a unit being written,
        a lock): they are never part of a run's record.

        Raises:
            LinkRefused: the folder holds a symbolic link (a run folder holds none).
        """
        links = links_below(check_real_dir(self.path))
        if links:
            raise LinkRefused(f"Refused: {printable(links[0])} is a symbolic link; a run folder "
                              "holds none, and dropout-lab never reads through one.")
        files = sorted(p for p in self.path.rglob("*") if p.is_file() and p.name != MANIFEST
                       and not any(part.startswith(TEMP_PREFIX)
                                   for part in p.relative_to(self.path).parts))
        return {p.relative_to(self.path).as_posix(): sha256_file(p) for p in files}

    def finish(self, drop: tuple[str, ...] = ()) -> Path:
        """Write the manifest and move the folder to its final name.

        Args:
            drop: files of the folder's own bookkeeping (resume.json, a lock)
                removed once the manifest is written, just before the rename.
        """
        # Read again at the end: TF is usually imported during the run, not before it.
        self.manifest["versions"] = versions()
        self.manifest["frameworks_imported"] = imported()  # did TF/Keras run in this process?
        self.manifest["finished_at"] = utc_now()
        self.manifest["wall_seconds"] = round(time.monotonic() - self.t0, 3)
        self.manifest["files"] = {name: digest for name, digest in self.hashes().items()
                                  if name not in drop}
        if os.path.lexists(self.final_path):
            raise ExperimentError(f"Run folder {printable(self.final_path)} already exists; not "
                                  "overwritten.")
        atomic_write_json(self.path / MANIFEST, self.manifest)
        for name in drop:
            with contextlib.suppress(FileNotFoundError):
                (self.path / name).unlink()
        try:
            os.rename(self.path, self.final_path)
        except OSError as exc:
            raise ExperimentError(f"Cannot finish {printable(self.final_path)}: "
                                  f"{exc.strerror}.") from None
        self.path = self.final_path
        return self.final_path


def _new_run_id() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def start_run(out: Path, kind: str, config: dict[str, Any], seed: int | None,
              command: str, extra: dict[str, Any] | None = None,
              started: float | None = None) -> RunFolder:
    """Create ``OUT/<kind>/.<id>.partial`` and fill in the manifest's opening fields.

    ``started`` is when the run began (``time.monotonic()``; default now): the
    manifest's ``wall_seconds`` counts from it, so it is the run's wall time,
    not only the writing of its files.
    """
    parent = Path(out) / kind
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
        make_dirs(out, kind, follow_root=True)  # OUT/<kind>: a real folder, never a link
    except LinkRefused:
        raise
    except OSError as exc:
        raise ExperimentError(f"Cannot create a run folder in {printable(parent)}: "
                              f"{exc.strerror}.") from None
    while True:
        run_id = _new_run_id()
        final = parent / run_id
        partial = parent / f".{run_id}{PARTIAL_SUFFIX}"
        if not os.path.lexists(final) and not os.path.lexists(partial):
            break
    try:
        partial.mkdir()
    except OSError as exc:
        raise ExperimentError(f"Cannot create {printable(partial)}: {exc.strerror}.") from None
    manifest = {
        "tool": "dropout-lab", "tool_version": __version__, "kind": kind, "run_id": run_id,
        "command": command, "config": config, "seed": seed, "versions": versions(),
        "environment": USER_ENVIRONMENT, "started_at": utc_now(), **(extra or {}),
    }
    folder = RunFolder(kind=kind, final_path=final, path=partial, manifest=manifest)
    if started is not None:
        folder.t0 = started
    return folder


@contextlib.contextmanager
def new_run(out: Path, kind: str, config: dict[str, Any], seed: int | None, command: str,
            extra: dict[str, Any] | None = None,
            started: float | None = None) -> Iterator[RunFolder]:
    """Context manager for a run folder: finished on success, removed on failure.

    Args:
        out: results folder (``--out``).
        kind: experiment kind (sub-folder of ``out``).
        config: the resolved config as a dict (recorded in the manifest).
        seed: the run's seed.
        command: the command line that started the run.
        extra: more manifest fields (e.g. the source run of a comparison).
        started: when the run began (``RunContext.started``), for ``wall_seconds``.

    A sweep that must survive interruption uses ``dropout_lab.core.resume.resumable_run``.
    """
    run = start_run(out, kind, config, seed, command, extra, started)
    try:
        yield run
        run.finish()
    except BaseException:
        if run.path.name.endswith(PARTIAL_SUFFIX):
            with contextlib.suppress(OSError, ExperimentError):
                remove_tree(run.path.parent, run.path.name)  # the folder this run made
        raise


ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RunContext:
    """Where and how an experiment runs; not part of its config.

    Attributes:
        out: results folder; runs land in ``out/<kind>/<run-id>``.
        command: the command line recorded in the manifest.
        progress: optional ``progress(task, done, total)`` callback; experiments
            never print, the CLI turns this into a progress bar.
        resume: an interrupted run folder to continue (``resume.reopen_run``).
        data_dir: a folder with dataset files, tried after the cache (MNIST).
        started: when the run began (``time.monotonic()``), for the manifest's wall time.
        executor: where a sweep's units run (``executors.options.ExecutorChoice``; None: local).
    """

    out: Path = Path("results")
    command: str = "dropout-lab"
    progress: ProgressFn | None = None
    resume: RunFolder | None = None
    data_dir: Path | None = None
    started: float = field(default_factory=time.monotonic)
    executor: Any = None

    def report(self, task: str, done: int, total: int) -> None:
        """Forward progress to the callback, if any; a swallowed Ctrl-C is raised here."""
        checkpoint()
        if self.progress is not None:
            self.progress(task, done, total)
