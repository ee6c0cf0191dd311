"""Files written whole or not at all, and strict JSON.

Every file is written to a hidden temporary name beside its target and
renamed onto it, so a reader never sees half a file; a failed write (a full
disk, a read-only folder) removes the temporary file and raises one
``ExperimentError`` naming the file and the reason. JSON is strict: NaN and
infinities, which ``jq`` and ``JSON.parse`` reject, are written as ``null``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dropout_lab.core.errors import ExperimentError

TEMP_PREFIX = "."  # temporary files and folders are hidden: never part of a run's record


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    Raises:
        ExperimentError: writing or renaming failed (e.g. the disk is full).
    """
    tmp = path.with_name(f"{TEMP_PREFIX}{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise ExperimentError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file, fsync and an atomic rename."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def to_jsonable(value: Any) -> Any:
    """NumPy scalars and arrays, tuples and Paths as JSON values; NaN and infinities as None."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(obj: Any) -> str:
    """Strict JSON text for ``obj`` (keys in the given order)."""
    return json.dumps(to_jsonable(obj), indent=2, allow_nan=False)


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as strict JSON to ``path`` atomically."""
    atomic_write_bytes(path, (dumps(obj) + "\n").encode())
