"""Run folders read back: untrusted data, checked before it is used.

A run folder may come from anyone. Opening one reads only regular files
inside it, no larger than expected; its manifest must have the shape
dropout-lab writes (``manifest_problems``), every file is checked against the
sha256 the manifest records, and JSON documents are parsed strictly: no NaN
or infinity (``1e999`` included), no integer a float cannot hold (``10**400``),
nothing nested deeper than dropout-lab ever writes (``MAX_DEPTH``), each refused
with one line naming the file. The manifest is read only from the folder
itself, never through a link. Nothing read here is ever executed or imported.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dropout_lab.core.atomic import sha256_file
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.files import UnsafeFile, check_regular, inside, read_bytes
from dropout_lab.core.kinds import canonical
from dropout_lab.core.printable import printable
from dropout_lab.core.runs import MANIFEST

#: results.json of the largest sweeps is a few MiB; parsed, a JSON file takes ~20x its size.
MAX_JSON_BYTES = 64 << 20
MAX_MANIFEST_BYTES = 16 << 20  # a manifest is a few KiB (a hash per file)
MAX_DEPTH = 64  # dropout-lab's own JSON nests fewer than 10 levels
MAX_INTEGER = 2**63  # larger integers are no count, size or seed dropout-lab writes
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
    """Strict JSON, or one ExperimentError naming ``where``.

    Refused: NaN and infinity literals, numbers that overflow to infinity
    (``1e999``), integers beyond ``MAX_INTEGER``, nesting deeper than ``MAX_DEPTH``.
    """
    def refuse(constant: str) -> None:
        raise ValueError(f"the non-standard number {constant}")

    try:
        value = json.loads(raw, parse_constant=refuse)
        problem = value_problem(value)
    except (ValueError, RecursionError) as exc:
        problem = "it nests too deeply" if isinstance(exc, RecursionError) else str(exc)
    if problem:
        raise ExperimentError(f"Cannot read {printable(where)}: not valid JSON "
                              f"({printable(problem)}).") from None
    return value


def value_problem(value: Any) -> str | None:
    """Why parsed JSON is not what dropout-lab writes (depth, infinities, huge integers), or None.

    Iterative, so that no nesting can exhaust Python's stack.
    """
    stack = [([value], 0)]  # (a container, its depth); the value itself as a list's item
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            return f"it nests deeper than {MAX_DEPTH} levels"
        for child in children:
            kind = type(child)
            if kind is float:
                if not math.isfinite(child):
                    return "a number too large for a float (read as infinity)"
            elif kind is int:
                if not -MAX_INTEGER <= child <= MAX_INTEGER:
                    return f"an integer of {len(str(abs(child)))} digits"
            elif kind is dict or kind is list:
                stack.append((child, depth + 1))
    return None


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
            raise ExperimentError(f"Cannot read {printable(path)}: {exc}.") from None

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
            raise ExperimentError(f"Run {printable(self.path)} has no usable {printable(name)}: "
                                  f"{printable(exc)}.") from None
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
            raise ExperimentError(f"Run {printable(self.path)} has no file {printable(name)}; the "
                                  "run is incomplete.")
        actual = sha256_file(path)
        if actual != expected:
            raise ExperimentError(
                f"{printable(path)} was changed after the run wrote it: sha256 {actual[:12]}… "
                f"does not match {expected[:12]}… recorded in {MANIFEST}.")
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
                None if os.path.lexists(manifest_path) else f"has no {MANIFEST}")
    except OSError as exc:  # e.g. a name longer than the system allows
        what = f"cannot be read ({exc.strerror})"
    if what:
        raise ConfigError(f"Invalid value for `RUN`: expected {accepted}. "
                          f"Received: RUN={str(path)!r}, which {what}.", param="run")
    try:  # the folder's own manifest: a link to one elsewhere is refused
        manifest = parse_json(read_bytes(manifest_path, MAX_MANIFEST_BYTES, follow_links=False),
                              manifest_path)
    except UnsafeFile as exc:
        raise ExperimentError(f"Cannot read {printable(manifest_path)}: {exc}.") from None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    kind = kind if isinstance(kind, str) else None
    if kind not in kinds and (kind is None or canonical(kind) not in kinds):
        raise ConfigError(f"Invalid value for `RUN`: expected {accepted}. "
                          f"Received: RUN={str(path)!r}, a {kind!r} run.", param="run")
    problems = manifest_problems(manifest)
    if problems:
        raise ExperimentError(f"{printable(manifest_path)} is damaged: " + "; ".join(problems)
                              + ".")
    return Run(path=path, manifest=manifest)
