"""Unit folders of a sweep: ``units/<name>/`` written whole or not at all, read back on resume.

A unit is written through a temporary ``.<name>.tmp`` folder renamed when
whole, so a folder without the dot is always complete: ``unit.json`` (its
numbers) and ``weights.h5`` (``core.weights`` format, from a snapshot).
Folders are made, removed and read without following a link
(``core.safe_paths``): a resumed folder may come from anyone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dropout_lab.core import weights
from dropout_lab.core.atomic import atomic_write_json
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.files import UnsafeFile, read_bytes
from dropout_lab.core.printable import printable
from dropout_lab.core.reading import MAX_JSON_BYTES, parse_json
from dropout_lab.core.safe_paths import LinkRefused, check_real_dir, make_dirs, remove_tree

UNITS_DIR = "units"
UNIT_FILE = "unit.json"
WEIGHTS_FILE = "weights.h5"
_LEFTOVER = re.compile(r"\..+\.tmp")  # a unit's temporary folder: .<name>.tmp


def save_unit_dir(run_path: Path, name: str, unit: dict[str, Any], saved: dict[str, Any],
                  attrs: dict[str, Any]) -> Path:
    """Write ``units/<name>/`` (unit.json, weights.h5) atomically; return its path.

    Raises:
        ExperimentError: the unit cannot be written; LinkRefused: ``units`` (or the
            temporary folder) is a link.
    """
    final = run_path / UNITS_DIR / name
    tmp = final.with_name(f".{final.name}.tmp")
    try:
        make_dirs(run_path, UNITS_DIR)
        remove_tree(tmp.parent, tmp.name)  # left by an interrupted write; never a link
        make_dirs(run_path, f"{UNITS_DIR}/{tmp.name}")
        weights.save_snapshot(saved, tmp / WEIGHTS_FILE, attrs)
        atomic_write_json(tmp / UNIT_FILE, unit)
        os.rename(tmp, final)
    except LinkRefused:
        raise
    except OSError as exc:
        raise ExperimentError(f"Cannot write unit {printable(final)}: {exc.strerror}.") from None
    return final


def completed_unit_dirs(run_path: Path, check: Callable[[Any, str], list[str]]
                        ) -> dict[str, dict[str, Any]]:
    """unit.json of every complete unit, by folder name; leftovers of a unit in flight removed.

    Args:
        check: ``check(data, folder_name)`` -> what keeps ``data`` from being that unit's.

    Only ``.<name>.tmp`` entries (temporary folders) are removed, and never
    through a link; a unit folder or unit.json that is a link is refused.

    Raises:
        LinkRefused: ``units``, or an entry in it, is a link.
        ExperimentError: a unit.json is unreadable or damaged (the message says what to do).
    """
    found: dict[str, dict[str, Any]] = {}
    units_dir = run_path / UNITS_DIR
    if not os.path.lexists(units_dir):
        return found
    check_real_dir(units_dir, "resume")
    with os.scandir(units_dir) as entries:
        listed = sorted((e.name, e.is_symlink(), e.is_dir(follow_symlinks=False))
                        for e in entries)
    for name, is_link, is_dir in listed:
        path = units_dir / name
        if _LEFTOVER.fullmatch(name):
            remove_tree(units_dir, name)  # a unit interrupted mid-write (refused if a link)
        elif is_link:
            check_real_dir(path, "resume")  # raises: names the link
        elif is_dir and not name.startswith(".") and os.path.lexists(path / UNIT_FILE):
            try:
                data = parse_json(read_bytes(path / UNIT_FILE, MAX_JSON_BYTES,
                                             follow_links=False), path / UNIT_FILE)
            except UnsafeFile as exc:
                raise ExperimentError(f"Cannot read unit {printable(path)}: {exc}.") from None
            problems = check(data, path.name)
            if problems:
                raise ExperimentError(f"Unit {printable(path)} is damaged: "
                                      + "; ".join(printable(p) for p in problems[:3])
                                      + ". Remove its folder and resume again to train it anew.")
            found[path.name] = data
    return found
