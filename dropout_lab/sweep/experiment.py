"""``sweep``: the 2014 paper's rate and data-set-size studies, each (point, seed) one unit.

Each unit is trained by the executor (``--executor local`` in this process,
``ray`` as a Ray task) and written by this process to ``units/<name>/``
(unit.json, weights.h5), whichever executor ran it; ``--resume`` continues
an interrupted sweep, skipping the complete units. Units that fail are
named: the results cover the others, the verdict names the missing points
and the folder stays resumable (``--resume`` tries them again).
"""

from __future__ import annotations

import dataclasses
import secrets
from pathlib import Path
from typing import Any, ClassVar

from pydantic import computed_field

from dropout_lab.core import config as cfg
from dropout_lab.core import results, tensorboard
from dropout_lab.core.errors import ExperimentError, invalid_value
from dropout_lab.core.results import record
from dropout_lab.core.resume import reopen_with_config, resumable_run
from dropout_lab.core.runs import RunContext
from dropout_lab.core.series import Series
from dropout_lab.core.tfenv import seed_everything, versions
from dropout_lab.core.unitdirs import completed_unit_dirs, save_unit_dir
from dropout_lab.core.verdict import Verdict
from dropout_lab.executors.base import Job
from dropout_lab.executors.options import ExecutorChoice
from dropout_lab.executors.threads import pin_threads
from dropout_lab.sweep import units as sweep_units
from dropout_lab.sweep.config import PUBLISHED, SweepConfig
from dropout_lab.sweep.verdicts import Analysis, Gain, PointSummary, analyse

KIND = "sweep"


@record
class SweepResult:
    """A sweep, complete or with units missing.

    Attributes:
        run_dir: the run folder (its ``.partial`` name while units are missing).
        units: every unit computed, in the study's order.
        points, gains, missing: the analysis (``verdicts.analyse``).
        executor: how the units ran (``describe()`` of the executor).
        failed_units: the units that failed this session (``Failure.to_json()``).
        retried_units: unit -> the worker failures it survived this session.
    """

    KIND: ClassVar[str] = KIND
    run_dir: Path
    config: SweepConfig
    verdicts: list[Verdict]
    executor: dict[str, Any]
    failed_units: list[dict[str, Any]]
    retried_units: dict[str, list[str]]
    missing: list[str]
    points: list[PointSummary]
    gains: list[Gain]
    data_source: str
    plots: list[str]
    units: list[sweep_units.Unit]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def claim(self) -> str:
        """The claim the study judges."""
        return self.config.claim

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def published(self) -> str:
        """The shape the paper published, in words."""
        return PUBLISHED[self.config.study]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def reduced(self) -> list[str]:
        """How the training differs from the paper profile's."""
        return self.config.reduced()

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def complete(self) -> bool:
        """Every unit of the study is there."""
        return not self.missing

    @property
    def analysis(self) -> Analysis:
        return Analysis(self.points, self.gains, self.missing, self.verdicts)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return self.failed_units

    @property
    def retried(self) -> dict[str, list[str]]:
        return self.retried_units

    @property
    def resumed_units(self) -> int:
        return sum(unit.resumed for unit in self.units)

    def series(self) -> list[Series]:
        """Each unit's curves, hparams and final numbers (``units.unit_series``)."""
        return [sweep_units.unit_series(u, self.config, self.run_dir.name) for u in self.units]


Result = SweepResult


class _Incomplete(Exception):
    """Leaves ``resumable_run`` without finishing the folder (it stays resumable)."""

    def __init__(self, result: SweepResult):
        super().__init__("incomplete")
        self.result = result


def open_resume(path: Path, command: str):
    """The interrupted sweep at ``path`` and its recorded config (nothing written)."""
    return reopen_with_config(path, KIND, SweepConfig, command)


def run(config: SweepConfig, ctx: RunContext | None = None) -> SweepResult:
    """Compute every unit not yet done, then analyse, plot and write the run.

    Raises:
        ExperimentError: MNIST unavailable, or the sweep was interrupted (the
            message says how to resume; completed units are kept).
    """
    from dropout_lab.core.data.mnist import load_mnist

    ctx = ctx or RunContext()
    mnist = load_mnist(ctx.data_dir)
    _check_size(config, mnist)
    executor = (ctx.executor or ExecutorChoice()).make(config.threads_per_unit)
    if executor.name == "local":  # before TensorFlow starts its pools
        pin_threads(config.threads_per_unit)
    seed_everything(config.first_seed)
    shared = {"token": secrets.token_hex(8), "x_train": mnist.x_train, "y_train": mnist.y_train,
              "x_test": mnist.x_test, "y_test": mnist.y_test}
    try:
        with resumable_run(ctx.out, KIND, cfg.to_dict(config), config.first_seed, ctx.command,
                           {"data_source": mnist.origin}, ctx.resume,
                           started=ctx.started) as folder:
            if ctx.resume is None:
                folder.write_text("config.toml", cfg.to_toml(config, "dropout-lab sweep: config"))
            result = _sweep(config, folder, shared, ctx, executor, mnist.origin)
            folder.manifest["executor"] = executor.describe()
            if not result.complete:  # results of what there is; the folder stays resumable
                folder.write_json("results.json", results.to_json(result))
                raise _Incomplete(result)
            result = dataclasses.replace(result, run_dir=folder.final_path)
            folder.write_json("results.json", results.to_json(result))
            tensorboard.write(folder, result)
    except _Incomplete as stop:
        return stop.result
    return result


def _check_size(config: SweepConfig, mnist) -> None:
    """ConfigError when a point trains on more images than the loaded data holds."""
    available = len(mnist.x_train)
    largest = max(config.train_images(point) for point in config.points)
    if largest > available:
        name = "sizes" if config.study == "size" else "train_subset"
        raise invalid_value(name, f"training sets of at most {available} images (the loaded "
                            f"data, {mnist.origin}, has {available})",
                            list(config.sizes) if name == "sizes" else config.train_subset)


def _sweep(config, folder, shared, ctx, executor, source: str) -> SweepResult:
    from dropout_lab.sweep import plots  # matplotlib

    found = completed_unit_dirs(folder.path, lambda data, name: sweep_units.unit_problems(
        data, config, name))
    done = {name: sweep_units.Unit(**data, resumed=True) for name, data in found.items()}
    plan = [sweep_units.unit_name(p, s) for p in config.points for s in config.unit_seeds]
    args = {sweep_units.unit_name(p, s): {"config": cfg.to_dict(config), "point": p, "seed": s}
            for p in config.points for s in config.unit_seeds}
    jobs = [Job(name, args[name]) for name in plan if name not in done]

    def write(job: Job, payload: dict) -> None:
        unit = sweep_units.Unit(**payload["unit"])
        attrs = {"point": unit.point, "seed": unit.seed, "widths": unit.widths,
                 "keeps": unit.keeps, "versions": payload.get("versions") or versions()}
        save_unit_dir(folder.path, job.key, unit.to_json(), payload["weights"], attrs)
        done[job.key] = unit

    try:
        outcome = executor.run(sweep_units.TASK, jobs, shared, write, ctx.report,
                               already=len(done), steps=config.steps)
    except KeyboardInterrupt:
        raise ExperimentError(
            f"Interrupted: {len(done)} of {len(plan)} units are complete in {folder.path}. "
            f"Continue with: dropout-lab sweep --resume {folder.path}") from None
    units = [done[name] for name in plan if name in done]
    analysis = analyse(config, units)
    names = plots.draw(folder.path, config, analysis)
    return SweepResult(run_dir=folder.path, config=config, verdicts=analysis.verdicts,
                       executor=executor.describe(),
                       failed_units=[f.to_json() for f in outcome.failed],
                       retried_units=dict(outcome.retried), missing=analysis.missing,
                       points=analysis.points, gains=analysis.gains, data_source=source,
                       plots=names, units=units)
