"""What every executor shares: jobs, failures, the outcome of a sweep, its progress line.

A unit task is a function ``task(args, shared, report) -> payload`` named
``dropout_lab.<module>:<function>``: ``args`` is the job's JSON-able dict,
``shared`` the data every unit reads (a dict of NumPy arrays and a ``token``
string naming that data), ``report(step)`` its progress inside the unit (only
the local executor shows it). The payload is a dict of numbers, lists and
NumPy arrays; it must not depend on which process computed it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dropout_lab.core.errors import ExperimentError

#: A task name: a function of a dropout_lab module (so a worker imports nothing else).
TASK_NAME = re.compile(r"(dropout_lab(?:\.\w+)+):(\w+)")
EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class Job:
    """One unit of a sweep.

    Attributes:
        key: the unit's name (its folder under ``units/``), unique in the sweep.
        args: what the task needs to compute it (JSON-able: the config, point, seed).
    """

    key: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Failure:
    """A unit that did not complete: why, and after how many attempts."""

    key: str
    error: str
    attempts: int

    def to_json(self) -> dict[str, Any]:
        """The failure as JSON (``failed_units`` of a result)."""
        return {"unit": self.key, "error": self.error, "attempts": self.attempts}


@dataclass
class Outcome:
    """What an executor did with the jobs it was given.

    Attributes:
        done: keys of the units computed and written, in the order they completed.
        failed: the units that did not complete (each tried ``attempts`` times).
        retried: unit key -> the worker failures it survived (``"worker died: ..."``).
    """

    done: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    retried: dict[str, list[str]] = field(default_factory=dict)


Writer = Callable[[Job, dict[str, Any]], None]
Report = Callable[[str, int, int], None]


class Tally:
    """The one progress bar of a sweep: units done of all, with failed and running beside.

    The bar's task is ``units [<executor>]``; what follows `` | `` is its changing
    detail (``core.commands`` keeps one bar per task and shows the detail).
    """

    def __init__(self, executor: str, total: int, already: int, report: Report):
        self.executor, self.total, self.report = executor, total, report
        self.done, self.failed, self.running, self.retries = already, 0, 0, 0
        self.note = ""

    def show(self) -> None:
        """Report the counts now."""
        parts = [f"{self.failed} failed", f"{self.running} running"]
        if self.retries:
            parts.append(f"{self.retries} retried")
        detail = ", ".join(parts) + (f" ({self.note})" if self.note else "")
        self.report(f"units [{self.executor}] | {detail}", self.done, self.total)


def resolve_task(name: str) -> Callable[..., dict[str, Any]]:
    """The function a task name (``dropout_lab.<module>:<function>``) names.

    Raises:
        ExperimentError: not a task name, or no such function.
    """
    found = TASK_NAME.fullmatch(name)
    function = getattr(importlib.import_module(found[1]), found[2], None) if found else None
    if not callable(function):
        raise ExperimentError(f"Unknown unit task {name!r}: expected "
                              "dropout_lab.<module>:<function>.")
    return function


def describe(exc: BaseException) -> str:
    """One line naming an exception and its message."""
    text = str(exc).strip().splitlines()
    first = text[0].rstrip(". ") if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
