"""Run folders read back: untrusted data, checked before it is used.

A run folder may come from anyone. Opening one reads only regular files
inside it, no larger than expected; its manifest must have the shape
dropout-lab writes (``manifest_problems``), every file is checked against the
sha256 the manifest records, and JSON documents are parsed strictly. Nothing
read here is ever executed or imported.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dropout_lab.core.atomic import sha256_file
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.files import UnsafeFile, check_regular, inside, read_bytes
from dropout_lab.core.kinds import canonical
from dropout_lab.core.runs import MANIFEST

MAX_JSON_BYTES = 256 << 20  # results of the largest sweeps are a few MiB
_SHA256 = re.compile(r"[0-9a-f]{64}")


def manifest_problems(manifest: Any) -> list[str]:
    """What keeps ``manifest`` from being one dropout-lab writes (empty when it is)."""
    if not isinstance(manifest, dict):
        return [f"it is a JSON {type(manifest).__name__}, not an object"]
    found = []
    if not isinstance(manifest.get("kind"), str):
        found.append("`kind` is not a string")
    if not isinstance(manifest.get("config"), dict):
        found.append(f"`config` is a {type(manifest.get('config')).__name__}, not an object")
    files = manifest.get("files")
    if not isinstance(files, dict):
        found.append(f"`files` is a {type(files).__name__}, not an object")
    elif not all(isinstance(k, str) and isinstance(v, str) and _SHA256.fullmatch(v)
                 for k, v in files.items()):
        found.append("`files` does not map file names to sha256 hashes")
    return found


def parse_json(raw: bytes, where: Path) -> Any:
    """Strict JSON (no NaN literals), or one ExperimentError naming ``where``."""
    def refuse(constant: str) -> None:
        raise ValueError(f"the non-standard number {constant}")

    try:
        return json.loads(raw, parse_constant=refuse)
    except (ValueError, RecursionError) as exc:
        reason = "it nests too deeply" if isinstance(exc, RecursionError) else exc
        raise ExperimentError(f"Cannot read {where}: not valid JSON ({reason}).") from None


@dataclass(frozen=True)
class Run:
    """A completed run folder, read back.

    Attributes:
        path: the folder.
        manifest: its parsed, checked manifest.
    """

    path: Path
    manifest: dict[str, Any]

    @property
    def config(self) -> dict[str, Any]:
        return self.manifest["config"]

    def read_json(self, name: str) -> Any:
        """Parse a JSON file of the run, after checking its recorded hash."""
        path = self.verified(name)
        try:
            return parse_json(read_bytes(path, MAX_JSON_BYTES), path)
        except UnsafeFile as exc:
            raise ExperimentError(f"Cannot read {path}: {exc}.") from None

    def member(self, name: str) -> Path:
        """Path of file ``name``, checked to be a regular file inside the run (no hash yet).

        Raises:
            ExperimentError: a path or link leading out of the run, or not a regular file.
        """
        try:
            path = inside(self.path, name)
            if os.path.lexists(path):
                check_regular(path)
        except (UnsafeFile, OSError) as exc:
            raise ExperimentError(f"Run {self.path} has no usable {name}: {exc}.") from None
        return path

    def verified(self, name: str) -> Path:
        """Path of file ``name`` after checking it matches its sha256 in the manifest.

        Raises:
            ExperimentError: the file is missing, not a regular file inside the run, or
                differs from what the run wrote.
        """
        expected = self.manifest["files"].get(name)
        path = self.member(name)
        if expected is None or not path.is_file():
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
        ExperimentError: its manifest exists but is damaged (exit 1).
    """
    path = Path(path)
    accepted = " or ".join(f"a {k} run folder" for k in kinds)
    manifest_path = path / MANIFEST
    try:
        what = ("is not a folder" if not path.is_dir() else
                None if manifest_path.exists() else f"has no {MANIFEST}")
    except OSError as exc:  # e.g. a name longer than the system allows
        what = f"cannot be read ({exc.strerror})"
    if what:
        raise ConfigError(f"Invalid value for `RUN`: expected {accepted}. "
                          f"Received: RUN={str(path)!r}, which {what}.", param="run")
    try:
        manifest = parse_json(read_bytes(manifest_path, MAX_JSON_BYTES), manifest_path)
    except UnsafeFile as exc:
        raise ExperimentError(f"Cannot read {manifest_path}: {exc}.") from None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    kind = kind if isinstance(kind, str) else None
    if kind not in kinds and (kind is None or canonical(kind) not in kinds):
        raise ConfigError(f"Invalid value for `RUN`: expected {accepted}. "
                          f"Received: RUN={str(path)!r}, a {kind!r} run.", param="run")
    problems = manifest_problems(manifest)
    if problems:
        raise ExperimentError(f"{manifest_path} is damaged: " + "; ".join(problems) + ".")
    return Run(path=path, manifest=manifest)
