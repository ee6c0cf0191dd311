"""What runs inside a Ray worker: one unit, and the check a sweep makes before its first unit.

Ray pickles these functions by reference, so a worker imports this module:
a worker without dropout-lab (or with another version) fails the check,
which the driver turns into one line saying what to install.
"""

from __future__ import annotations

import platform
from typing import Any

from dropout_lab import __version__
from dropout_lab.executors.base import resolve_task
from dropout_lab.executors.threads import pin_threads


def run_unit(task: str, args: dict[str, Any], shared: dict[str, Any],
             threads: int) -> dict[str, Any]:
    """Compute one unit with ``threads`` TensorFlow threads; its payload goes back to the driver."""
    used = pin_threads(threads)
    if used != threads:  # a worker reused after a task with another count: refuse, not drift
        raise RuntimeError(f"this worker's TensorFlow runs {used} threads, the unit needs "
                           f"{threads}")
    return resolve_task(task)(args, shared, lambda step: None)


def preflight() -> dict[str, str]:
    """The versions a worker runs (compared with the driver's before any unit is sent)."""
    import ray

    return {"dropout-lab": __version__, "ray": ray.__version__,
            "python": platform.python_version()}
