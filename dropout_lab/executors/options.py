"""``--executor``, ``--address`` and ``--retries``: how a sweep's units are run (not its numbers).

Light: no Ray, no TensorFlow. The choice is not part of a run's config (the
same config gives the same units on every executor); the manifest records it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import click

from dropout_lab.core.errors import ConfigError, invalid_value
from dropout_lab.executors.base import EXECUTORS
from dropout_lab.executors.local import LocalExecutor
from dropout_lab.executors.ray_executor import RayExecutor, check_address, import_ray

MAX_RETRIES = 10


@dataclass(frozen=True)
class ExecutorChoice:
    """Which executor, where, and how often a dead worker's unit is tried again."""

    name: str = "local"
    address: str | None = None
    retries: int = 2

    def __post_init__(self):
        if self.name not in EXECUTORS:
            raise invalid_value("executor", "one of " + ", ".join(EXECUTORS), self.name)
        if self.address is not None and self.name != "ray":
            raise ConfigError("Invalid value for `--address`: it names a Ray cluster, so it "
                              "needs --executor ray. Received: address="
                              f"{self.address!r} with executor={self.name!r}", param="address")
        if not 0 <= self.retries <= MAX_RETRIES:
            raise invalid_value("retries", f"an integer in [0, {MAX_RETRIES}]", self.retries)

    def make(self, threads_per_unit: int | None):
        """The executor, computing each unit with ``threads_per_unit`` TF threads.

        None keeps the process's count locally (``mnist``'s numbers as ever) and
        gives Ray tasks one thread each.
        """
        if self.name == "local":
            return LocalExecutor(threads_per_unit)
        return RayExecutor(self.address, threads_per_unit or 1, self.retries)


#: ``--executor``, ``--address``, ``--retries`` as click decorators (a command receives
#: ``executor``, ``address`` and ``retries``; ``choice`` turns them into one checked choice).
EXECUTOR_OPTIONS = (
    click.option("--executor", type=click.Choice(EXECUTORS), default="local",
                 help="Run the units in this process (local) or as Ray tasks (ray; the [ray] "
                      "extra). [default: local]"),
    click.option("--address", help="Join the Ray cluster at HOST:PORT (or auto) instead of "
                                   "starting one on this machine."),
    click.option("--retries", type=int, default=2,
                 help="Times a unit is tried again when its Ray worker dies. [default: 2]"),
)


def executor_options(func: Callable) -> Callable:
    """Add ``--executor``, ``--address`` and ``--retries`` to a click command."""
    for decorator in reversed(EXECUTOR_OPTIONS):
        func = decorator(func)
    return func


def choice(executor: str, address: str | None, retries: int) -> ExecutorChoice:
    """The three options as one checked ``ExecutorChoice``, before any work is done.

    Raises:
        ConfigError: a bad combination, Ray not installed, or no cluster at ``address``.
    """
    chosen = ExecutorChoice(executor, address, retries)
    if chosen.name == "ray":
        import_ray()
        if chosen.address is not None:
            check_address(chosen.address)
    return chosen

