"""A process's children and liveness, read from /proc (Linux)."""

from __future__ import annotations

import os


def children(pid: int) -> set[int]:
    """The pids of ``pid``'s children, over all its threads."""
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as handle:
            found |= {int(p) for p in handle.read().split()}
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
