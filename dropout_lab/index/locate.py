"""What ``runs show`` accepts: a run folder, or what ``runs list`` prints (a run id, kind/id).

A name is looked up only as ``OUT/<kind>/<id>`` (or the ``.<id>.partial``
folder of an interrupted run) for a registered kind: a name is one path
component, never ``..`` or a path of its own, so nothing outside ``--out``
is reached through it.
"""

from __future__ import annotations

from pathlib import Path

from dropout_lab.core import kinds as registry
from dropout_lab.core.errors import ConfigError
from dropout_lab.core.runs import PARTIAL_SUFFIX

EXPECTED = ("a run folder, or a run id or kind/run-id as `dropout-lab runs list` prints "
            "them")


def run_folder(run: str, out: Path) -> Path:
    """The folder ``run`` names: itself when it is a folder, else found under ``out``.

    Raises:
        ConfigError: no such run under ``out``, or the id is in two kinds' folders
            (the message names them, so that kind/id can say which).
    """
    given = Path(run)
    if given.is_dir():
        return given
    kind, _, run_id = run.rpartition("/") if "/" in run else ("", "", run)
    if kind and kind not in _folder_names():
        raise _invalid(run, f"no folder {run}")
    if not _name(run_id):
        raise _invalid(run, "not a folder, a run id or kind/run-id")
    kinds = [registry.canonical(kind)] if kind else registry.names()
    found = [path for name in kinds for folder in _folders(name)
             for path in (out / folder / run_id, out / folder / f".{run_id}{PARTIAL_SUFFIX}")
             if path.is_dir() and not path.is_symlink()]
    if not found:
        raise _invalid(run, f"no run {run_id} under {out}")
    if len(found) > 1:
        raise _invalid(run, "a run id in " + " and ".join(
            f"{p.parent.name}/" for p in found) + f"; give kind/{run_id}")
    return found[0]


def _name(text: str) -> bool:
    """One plain path component: no separator, not hidden, not ``.`` or ``..``."""
    return bool(text) and "/" not in text and "\\" not in text and not text.startswith(".") \
        and "\0" not in text


def _folder_names() -> set[str]:
    return {folder for name in registry.names() for folder in _folders(name)}


def _folders(kind: str) -> tuple[str, ...]:
    """The folders a kind's runs live in: its name and the names older versions wrote."""
    return (kind, *registry.legacy_names(kind))


def _invalid(run: str, why: str) -> ConfigError:
    return ConfigError(f"Invalid value for `RUN`: expected {EXPECTED}. Received: RUN={run!r} "
                       f"({why}).", param="run")
