"""The local executor: every unit in this process, one after another (as dropout-lab always did)."""

from __future__ import annotations

from typing import Any

from dropout_lab.executors.base import (
    Failure,
    Job,
    Outcome,
    Report,
    Tally,
    Writer,
    describe,
    resolve_task,
)
from dropout_lab.executors.threads import pin_threads


class LocalExecutor:
    """Runs the units in-process; a unit that raises is a failure, the others go on.

    KeyboardInterrupt stops at once (between two chunks of a unit's steps): the
    units written so far stay, the family says how to resume.
    """

    name = "local"

    def __init__(self, threads_per_unit: int | None = None):
        self.threads_per_unit = threads_per_unit
        self.threads_used: int | None = None  # set by run: what TensorFlow used

    def describe(self) -> dict[str, Any]:
        """What the manifest records about how the units ran."""
        return {"name": self.name, "threads_per_unit": self.threads_used}

    def run(self, task: str, jobs: list[Job], shared: dict[str, Any], write: Writer,
            report: Report, already: int = 0, steps: int | None = None) -> Outcome:
        """Compute every job with ``task`` and ``write`` its payload.

        Args:
            task: the unit task's name (``base.resolve_task``).
            jobs: the units still to compute.
            shared: the data every unit reads.
            write: ``write(job, payload)`` in this process, after each unit.
            report: the progress callback (``ctx.report``).
            already: units of the sweep completed before (a resume), counted done.
            steps: a unit's steps, for the step shown while one runs (None: not shown).
        """
        function = resolve_task(task)
        self.threads_used = pin_threads(self.threads_per_unit)
        tally, outcome = Tally(self.name, already + len(jobs), already, report), Outcome()
        tally.show()
        for job in jobs:
            tally.running = 1

            def step(done: int, key: str = job.key) -> None:
                tally.note = f"{key} at step {done}/{steps}" if steps else ""
                tally.show()

            step(0)
            try:
                payload = function(job.args, shared, step)
            except Exception as exc:  # noqa: BLE001  (a unit's failure is reported, not fatal)
                outcome.failed.append(Failure(job.key, describe(exc), 1))
                tally.failed += 1
            else:
                write(job, payload)
                outcome.done.append(job.key)
                tally.done += 1
            tally.running, tally.note = 0, ""
            tally.show()
        return outcome
