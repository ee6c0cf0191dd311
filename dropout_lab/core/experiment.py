"""The experiment interface every registered kind's module implements.

A module is an experiment when it has ``KIND`` (its kind's name),
``Result`` (its result class, serialized by ``core.results``) and
``run(config, ctx) -> Result``. The CLI, ``reproduce`` and ``runs show``
use nothing else of it. tests/typecheck_experiments.py (generated from the
registry, checked by mypy in CI) assigns every registered module to an
``Experiment``, so a module that drifts from the interface fails the type
check.
"""

from __future__ import annotations

from typing import Any, Protocol

from dropout_lab.core.runs import RunContext


class Experiment(Protocol):
    """What a registered kind's experiment module provides."""

    @property
    def KIND(self) -> str:  # noqa: N802  (a module constant)
        """The kind's name."""
        ...

    @property
    def Result(self) -> type:  # noqa: N802  (a module's class)
        """The result class (``core.results``)."""
        ...

    def run(self, config: Any, ctx: RunContext | None = ...) -> Any:
        """Run the experiment on ``config``; write its run folder under ``ctx.out``."""
        ...
