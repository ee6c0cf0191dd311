"""Files written whole or not at all, and strict JSON.

Every file is written to a hidden temporary name beside its target and
renamed onto it, so a reader never sees half a file; a failed write (a full
disk, a read-only folder) removes the temporary file and raises one
``ExperimentError`` naming the file and the reason. The temporary file is
created exclusively, never through a link (``O_EXCL | O_NOFOLLOW``), and the
rename replaces a link at the target rather than writing through it. JSON is
strict: NaN and infinities, which ``jq`` and ``JSON.parse`` reject, are written
as ``null``; a lone surrogate (a file name that was not UTF-8) as the byte it
stands for, ``\\xNN``.
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
from dropout_lab.core.printable import json_safe, printable
from dropout_lab.core.safe_paths import create_exclusive

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

    The temporary file exists, empty, when the path is yielded: created
    exclusively and without following a link, so the name is this process's own.

    Raises:
        ExperimentError: writing or renaming failed (e.g. the disk is full).
    """
    tmp = path.with_name(f"{TEMP_PREFIX}{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        os.close(create_exclusive(tmp))
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise ExperimentError(f"Cannot write {printable(path)}: {exc.strerror or exc}."
                              ) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file, fsync and an atomic rename."""
    with atomic_path(path) as tmp, open(
            os.open(tmp, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def to_jsonable(value: Any) -> Any:
    """NumPy scalars and arrays, tuples and Paths as JSON values; NaN and infinities as None."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return json_safe(value)
    if isinstance(value, dict):
        return {json_safe(str(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return json_safe(str(value))
    return value


def dumps(obj: Any) -> str:
    """Strict JSON text for ``obj`` (keys in the given order)."""
    return json.dumps(to_jsonable(obj), indent=2, allow_nan=False)


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as strict JSON to ``path`` atomically."""
    atomic_write_bytes(path, (dumps(obj) + "\n").encode())
