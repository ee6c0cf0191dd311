"""Resumable run folders, for sweeps that must survive an interruption.

A resumable run is written like any run (``dropout_lab.core.runs``) under
``OUT/<kind>/.<run-id>.partial``, but its opening manifest is also kept there as
``resume.json``, so that after an interruption another process can reopen the
folder (``reopen_run``), skip what is complete and finish it. While a process
works in the folder it holds an exclusive lock on ``.lock`` in it (``fcntl``),
so a second ``--resume`` of the same folder is refused at once instead of
racing the first.

An interrupted folder may come from someone else: the folder, its kind folder,
``resume.json`` and ``.lock`` must be what they say, never symbolic links
(``core.safe_paths``); a resumed run finishes beside its ``.partial`` folder,
so ``--out`` naming another folder is refused (``resume_out``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dropout_lab.core import config as cfg
from dropout_lab.core.atomic import atomic_write_json
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.printable import printable
from dropout_lab.core.reading import MAX_MANIFEST_BYTES, parse_json
from dropout_lab.core.runs import MANIFEST, PARTIAL_SUFFIX, RunFolder, start_run, utc_now
from dropout_lab.core.safe_paths import LinkRefused, check_real_dir, links_below, open_lock

RESUME_FILE = "resume.json"  # opening manifest kept in a resumable run's .partial folder
LOCK_FILE = ".lock"  # hidden: never recorded in the manifest


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (refused at once if another process holds it)."""
    import fcntl  # POSIX: imported here so that importing this module (every --help) works anywhere

    lock = folder / LOCK_FILE
    fd = open_lock(folder)  # never through a link: a dangling one would create its target
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"Invalid value for `--resume`: {printable(folder)} is being "
                              "written by another dropout-lab process; wait for it or stop it "
                              "first.",
                              param="resume") from None
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)


@contextlib.contextmanager
def resumable_run(out: Path, kind: str, config: dict[str, Any], seed: int | None,
                  command: str, extra: dict[str, Any] | None = None,
                  resume: RunFolder | None = None,
                  started: float | None = None) -> Iterator[RunFolder]:
    """Like ``new_run``, but an interrupted run keeps its folder and can be continued.

    The opening manifest is saved as ``resume.json`` in the ``.partial`` folder
    (and removed when the run finishes), so ``reopen_run`` can pick the run up
    again in another process; pass its result as ``resume``. On failure the
    ``.partial`` folder is kept, with every file written so far.
    """
    run = resume or start_run(out, kind, config, seed, command, extra, started)
    with _locked(run.path):
        if resume is None:
            atomic_write_json(run.path / RESUME_FILE, run.manifest)
        yield run
        # resume.json goes only once the manifest is written: a failure leaves it resumable
        run.finish(drop=(RESUME_FILE, LOCK_FILE))


def reopen_run(path: str | Path, kind: str, command: str) -> RunFolder:
    """Reopen an interrupted ``resumable_run``: ``OUT/<kind>/.<id>.partial``.

    ``path`` may also name the run's final folder ``OUT/<kind>/<id>``, which an
    interrupted run does not have yet. Nothing is written here.

    Raises:
        ConfigError: ``path`` is not an interrupted resumable run of ``kind`` (exit 2).
    """
    path = Path(path)
    if path.name in ("", ".", ".."):
        path = path.resolve()
    if path.name and not path.name.endswith(PARTIAL_SUFFIX):
        hidden = path.with_name(f".{path.name}{PARTIAL_SUFFIX}")
        path = hidden if _is_dir(hidden) else path
    manifest = _resume_manifest(path, kind)
    manifest.setdefault("resumed", []).append({"at": utc_now(), "command": command})
    stem = path.name[:-len(PARTIAL_SUFFIX)]
    final = path.with_name(stem[1:] if stem.startswith(".") else stem)
    if _is_dir(final) or os.path.lexists(final):
        raise ConfigError(f"Invalid value for `--resume`: {printable(path)} cannot be finished "
                          f"because {printable(final)} already exists; move one of them.",
                          param="resume")
    return RunFolder(kind=kind, final_path=final, path=path, manifest=manifest)


def resume_out(folder: RunFolder, out: str | Path | None) -> Path:
    """The results folder a resumed run finishes in: the one its ``.partial`` folder is in.

    Args:
        folder: the reopened run.
        out: ``--out`` when the user gave it, else None.

    Raises:
        ConfigError: ``out`` names another folder: a resumed run cannot move there.
    """
    home = folder.path.parent.parent
    if out is not None and _same(Path(out), home) is False:
        raise ConfigError(f"Invalid value for `--out`: expected the folder the resumed run is "
                          f"in, {printable(home)}, or no --out (a resumed run finishes beside its "
                          f".partial folder). Received: out={str(out)!r}", param="out")
    return home


def _same(first: Path, second: Path) -> bool:
    try:
        return first.resolve() == second.resolve() or (
            first.exists() and second.exists() and os.path.samefile(first, second))
    except OSError:
        return False


def reopen_with_config(path: str | Path, kind: str, config_class: type, command: str):
    """``reopen_run`` and the config the interrupted run recorded, resolved as ``config_class``.

    Raises:
        ConfigError: not an interrupted run of ``kind``, or its recorded config is invalid
            (named as the folder's resume file).
    """
    folder = reopen_run(path, kind, command)
    source = str(folder.path / RESUME_FILE)
    return folder, cfg.resolve(config_class, folder.manifest.get("config"), source=source)


def _link(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a name longer than the system allows
        return False


def _resume_manifest(path: Path, kind: str) -> dict[str, Any]:
    expected = (f"Invalid value for `--resume`: expected an interrupted {kind} run "
                f"(OUT/{kind}/.<run-id>{PARTIAL_SUFFIX} holding {RESUME_FILE}). "
                f"Received: resume={str(path)!r}")
    if not _is_dir(path):
        raise ConfigError(f"{expected}, which is not a folder.", param="resume")
    try:  # the folder and its kind folder themselves, never links to elsewhere
        check_real_dir(path, "resume")
        check_real_dir(path.absolute().parent, "resume")
    except LinkRefused as exc:
        raise ConfigError(f"Invalid value for `--resume`: {exc}", param="resume") from None
    if (path / MANIFEST).is_file() and not path.name.endswith(PARTIAL_SUFFIX):
        raise ConfigError(f"{expected}, a completed run: nothing to resume.", param="resume")
    if not path.name.endswith(PARTIAL_SUFFIX) or not (path / RESUME_FILE).exists():
        raise ConfigError(f"{expected}, which has no {RESUME_FILE}.", param="resume")
    try:
        manifest = parse_json(read_bytes(path / RESUME_FILE, MAX_MANIFEST_BYTES,
                                         follow_links=False), path / RESUME_FILE)
    except UnsafeFile as exc:
        raise ExperimentError(f"Cannot read {printable(path / RESUME_FILE)}: {exc}.") from None
    found = manifest.get("kind") if isinstance(manifest, dict) else None
    if found != kind:
        raise ConfigError(f"{expected}, a {found!r} run.", param="resume")
    links = links_below(path)  # refused now, not after hours of work (a run holds no link)
    if links:
        raise ConfigError(f"Invalid value for `--resume`: {printable(links[0])} is a symbolic "
                          f"link (to {printable(_link(links[0]))}); dropout-lab never resumes a "
                          "folder holding links.", param="resume")
    if not isinstance(manifest.get("config"), dict):
        raise ExperimentError(f"{printable(path / RESUME_FILE)} is damaged: its `config` is not "
                              "an object.")
    return manifest
