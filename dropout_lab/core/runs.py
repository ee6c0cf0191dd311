"""Run folders: every run writes one, atomically, with a manifest.

Layout: ``OUT/<kind>/<run-id>/`` holding the run's files and a
``manifest.json`` (command, config, seed, framework versions, start/end times,
sha256 of every file). A run is written under ``OUT/<kind>/.<run-id>.partial``
and renamed when complete, so a folder without the ``.partial`` suffix is
always whole; an interrupted run leaves nothing that looks complete. Every file
inside is itself written to a temporary name and renamed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from dropout_lab import __version__
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.tfenv import versions

MANIFEST = "manifest.json"
PARTIAL_SUFFIX = ".partial"
#: Kinds written by dropout-lab 0.1, read as today's (the kind is now the command's name).
LEGACY_KINDS = {"toy": "train", "noise_shape": "noise-shape", "numpy_demo": "numpy-demo"}


def utc_now() -> str:
    """The current UTC time as ISO 8601 with microseconds."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def to_jsonable(value: Any) -> Any:
    """Convert NumPy scalars/arrays, tuples and Paths into JSON-ready values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(obj: Any) -> str:
    """JSON text for ``obj`` (NaN/inf kept as JS literals, keys in given order)."""
    return json.dumps(to_jsonable(obj), indent=2)


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON to ``path`` atomically."""
    atomic_write_bytes(path, (dumps(obj) + "\n").encode())


def prepare_out(out: Path) -> Path:
    """Check, before any work and without writing, that runs can be written under ``out``.

    The nearest existing folder on the way to ``out`` must be a writable folder;
    ``out`` itself is created only when the first run is written.

    Raises:
        ConfigError: ``out`` (or an ancestor) is a file, or not writable (exit 2).
    """
    out = Path(out)
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    problem = None
    if not existing.is_dir():
        problem = f"{existing} is not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"{existing} is not writable"
    if problem:
        raise ConfigError(f"Invalid value for `--out`: expected a writable folder. "
                          f"Received: out={str(out)!r} ({problem})", param="out")
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

    def write_json(self, name: str, obj: Any) -> Path:
        """Write ``obj`` as JSON to ``name`` inside the run, atomically."""
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(target, obj)
        return target

    def write_text(self, name: str, text: str) -> Path:
        """Write ``text`` to ``name`` inside the run, atomically."""
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, text.encode())
        return target

    def file(self, name: str) -> contextlib.AbstractContextManager[Path]:
        """Context manager giving a temporary path that becomes ``name`` on success."""
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return atomic_path(target)

    def hashes(self) -> dict[str, str]:
        """sha256 of every file in the run except the manifest, by relative path."""
        files = sorted(p for p in self.path.rglob("*")
                       if p.is_file() and p.name != MANIFEST and not p.name.endswith(".tmp"))
        return {p.relative_to(self.path).as_posix(): sha256_file(p) for p in files}

    def finish(self) -> Path:
        """Write the manifest and move the folder to its final name."""
        # Read again at the end: TF is usually imported during the run, not before it.
        self.manifest["versions"] = versions()
        self.manifest["finished_at"] = utc_now()
        self.manifest["wall_seconds"] = round(time.monotonic() - self.t0, 3)
        self.manifest["files"] = self.hashes()
        atomic_write_json(self.path / MANIFEST, self.manifest)
        if self.final_path.exists():
            raise ExperimentError(f"Run folder {self.final_path} already exists; not overwritten.")
        os.rename(self.path, self.final_path)
        self.path = self.final_path
        return self.final_path


def _new_run_id() -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def start_run(out: Path, kind: str, config: dict[str, Any], seed: int | None,
              command: str, extra: dict[str, Any] | None = None) -> RunFolder:
    """Create ``OUT/<kind>/.<id>.partial`` and fill in the manifest's opening fields."""
    parent = Path(out) / kind
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExperimentError(f"Cannot create a run folder in {parent}: {exc.strerror}.") from exc
    while True:
        run_id = _new_run_id()
        final = parent / run_id
        partial = parent / f".{run_id}{PARTIAL_SUFFIX}"
        if not final.exists() and not partial.exists():
            break
    partial.mkdir()
    manifest = {
        "tool": "dropout-lab", "tool_version": __version__, "kind": kind, "run_id": run_id,
        "command": command, "config": config, "seed": seed, "versions": versions(),
        "environment": {k: os.environ.get(k) for k in
                        ("TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES")},
        "started_at": utc_now(), **(extra or {}),
    }
    return RunFolder(kind=kind, final_path=final, path=partial, manifest=manifest)


@contextlib.contextmanager
def new_run(out: Path, kind: str, config: dict[str, Any], seed: int | None, command: str,
            extra: dict[str, Any] | None = None) -> Iterator[RunFolder]:
    """Context manager for a run folder: finished on success, removed on failure.

    Args:
        out: results folder (``--out``).
        kind: experiment kind (sub-folder of ``out``).
        config: the resolved config as a dict (recorded in the manifest).
        seed: the run's seed.
        command: the command line that started the run.
        extra: more manifest fields (e.g. the source run of a comparison).

    A sweep that must survive interruption uses ``dropout_lab.resume.resumable_run``.
    """
    run = start_run(out, kind, config, seed, command, extra)
    try:
        yield run
        run.finish()
    except BaseException:
        if run.path.name.endswith(PARTIAL_SUFFIX):
            shutil.rmtree(run.path, ignore_errors=True)
        raise


@dataclass(frozen=True)
class Run:
    """A completed run folder, read back.

    Attributes:
        path: the folder.
        manifest: its parsed manifest.
    """

    path: Path
    manifest: dict[str, Any]

    @property
    def config(self) -> dict[str, Any]:
        return self.manifest.get("config", {})

    def read_json(self, name: str) -> Any:
        """Parse a JSON file of the run, after checking its recorded hash."""
        path = self.verified(name)
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ExperimentError(f"Cannot read {path}: {exc}.") from exc

    def verified(self, name: str) -> Path:
        """Path of file ``name`` after checking it matches its sha256 in the manifest.

        Raises:
            ExperimentError: the file is missing or differs from what the run wrote.
        """
        path = self.path / name
        expected = self.manifest.get("files", {}).get(name)
        if not path.is_file() or expected is None:
            raise ExperimentError(f"Run {self.path} has no file {name}; the run is incomplete.")
        actual = sha256_file(path)
        if actual != expected:
            raise ExperimentError(
                f"{path} was changed after the run wrote it: sha256 {actual[:12]}… does not "
                f"match {expected[:12]}… recorded in {MANIFEST}.")
        return path


def open_run(path: str | Path, kinds: tuple[str, ...]) -> Run:
    """Open a completed run of one of ``kinds``.

    Raises:
        ConfigError: ``path`` is not a completed dropout-lab run of those kinds (exit 2).
        ExperimentError: its manifest exists but cannot be parsed (exit 1).
    """
    path = Path(path)
    accepted = " or ".join(f"a {k} run folder" for k in kinds)
    manifest_path = path / MANIFEST
    if not path.is_dir() or not manifest_path.is_file():
        what = "is not a folder" if not path.is_dir() else f"has no {MANIFEST}"
        raise ConfigError(f"Invalid value for `RUN`: expected {accepted}. "
                          f"Received: RUN={str(path)!r}, which {what}.", param="run")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as exc:
        raise ExperimentError(f"Cannot read {manifest_path}: {exc}.") from exc
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    kind = kind if isinstance(kind, str) else None
    if kind not in kinds and LEGACY_KINDS.get(kind) not in kinds:
        raise ConfigError(f"Invalid value for `RUN`: expected {accepted}. "
                          f"Received: RUN={str(path)!r}, a {kind!r} run.", param="run")
    return Run(path=path, manifest=manifest)


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
    """

    out: Path = Path("results")
    command: str = "dropout-lab"
    progress: ProgressFn | None = None
    resume: RunFolder | None = None
    data_dir: Path | None = None

    def report(self, task: str, done: int, total: int) -> None:
        """Forward progress to the callback, if any."""
        if self.progress is not None:
            self.progress(task, done, total)
