"""Unit folders of a sweep: ``units/<name>/`` written whole or not at all, read back on resume.

A unit is written through a temporary ``.<name>.tmp`` folder renamed when
whole, so a folder without the dot is always complete: ``unit.json`` (its
numbers) and ``weights.h5`` (``core.weights`` format, from a snapshot).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dropout_lab.core import weights
from dropout_lab.core.atomic import atomic_write_json
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.reading import MAX_JSON_BYTES, parse_json

UNITS_DIR = "units"
UNIT_FILE = "unit.json"
WEIGHTS_FILE = "weights.h5"


def save_unit_dir(run_path: Path, name: str, unit: dict[str, Any], saved: dict[str, Any],
                  attrs: dict[str, Any]) -> Path:
    """Write ``units/<name>/`` (unit.json, weights.h5) atomically; return its path."""
    final = run_path / UNITS_DIR / name
    tmp = final.with_name(f".{final.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        weights.save_snapshot(saved, tmp / WEIGHTS_FILE, attrs)
        atomic_write_json(tmp / UNIT_FILE, unit)
        tmp.rename(final)
    except OSError as exc:
        raise ExperimentError(f"Cannot write unit {final}: {exc.strerror}.") from None
    return final


def completed_unit_dirs(run_path: Path, check: Callable[[Any, str], list[str]]
                        ) -> dict[str, dict[str, Any]]:
    """unit.json of every complete unit, by folder name; leftovers of a unit in flight removed.

    Args:
        check: ``check(data, folder_name)`` -> what keeps ``data`` from being that unit's.

    Raises:
        ExperimentError: a unit.json is unreadable or damaged (the message says what to do).
    """
    found: dict[str, dict[str, Any]] = {}
    units_dir = run_path / UNITS_DIR
    if not units_dir.is_dir():
        return found
    for path in sorted(units_dir.iterdir()):
        if path.name.startswith("."):
            shutil.rmtree(path, ignore_errors=True)  # a unit interrupted mid-write
        elif (path / UNIT_FILE).is_file() and not path.is_symlink():
            try:
                data = parse_json(read_bytes(path / UNIT_FILE, MAX_JSON_BYTES), path / UNIT_FILE)
            except UnsafeFile as exc:
                raise ExperimentError(f"Cannot read unit {path}: {exc}.") from None
            problems = check(data, path.name)
            if problems:
                raise ExperimentError(f"Unit {path} is damaged: " + "; ".join(problems[:3])
                                      + ". Remove its folder and resume again to train it anew.")
            found[path.name] = data
    return found
