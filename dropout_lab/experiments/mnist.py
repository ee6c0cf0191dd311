"""Seeds 003 and 001 on the real MNIST: dropout, L2, both, neither, over many seeds.

Seed 003 trained one MLP per setting (784-256-128-64-32-10, Dropout(0.5)
after the first two layers, Adam(0.01), batch 128, 10 passes = 4690 steps)
and read "dropout + L2 is worse than either alone" (C9) off single runs
(0.9496 vs 0.9635 / 0.9652); it also said dropout makes training "a little
faster" (C11). Seed 001's overfitting demo (300 training images, six hidden
layers of 100 ReLU, SGD(0.01), batch 100, ~300 epochs) said that without
dropout the train set overfits while test accuracy stalls and with dropout
(drop 0.2) test accuracy keeps rising (C4).

Here each (arm, seed) is one independent *unit*: a model trained from the
unit's own seed (same seed = same initial weights and batch order in every
arm, so arms are compared paired by seed), evaluated every ``eval_every``
steps, written atomically to ``units/<arm>_seed<k>/`` (curves, timings,
weights). ``--resume`` continues an interrupted sweep, skipping completed
units. The verdicts (``mnist_verdicts``) are tests on the per-seed numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from dropout_lab import config as cfg
from dropout_lab.errors import ExperimentError, invalid_value
from dropout_lab.runs import RunContext

KIND = "mnist"
ARMS = ("none", "dropout", "l2", "dropout+l2")
#: Which seed's experiment a config reproduces, and the claims it carries.
SETTINGS = {"seed003": ("C9", "C11"), "seed001": ("C4", "C11")}
#: Seed 003's published final test accuracies (single runs; "none" was not published).
PUBLISHED = {"seed003": {"dropout": 0.9635, "dropout+l2": 0.9496, "l2": 0.9652}, "seed001": {}}
MNIST_TRAIN_IMAGES = 60000
KERNEL_INITS = ("glorot_uniform", "glorot_normal", "he_normal", "he_uniform")


@dataclass(frozen=True)
class MnistConfig:
    """A sweep; defaults are seed 003's experiment (configs/mnist.toml)."""

    setting: str = "seed003"  # seed003 (C9, C11; published numbers beside) or seed001 (C4, C11)
    arms: tuple[str, ...] = ARMS  # none, dropout, l2, dropout+l2
    seeds: int = 5  # units per arm; unit seeds are first_seed .. first_seed + seeds - 1
    first_seed: int = 0
    steps: int = 4690  # parameter updates per unit (seed 003: 10 passes x 469 batches)
    eval_every: int = 500  # steps between evaluations (seed 003: 500); the last step is always
    train_subset: int | None = None  # train on the first N training images (None: all 60000)
    batch_size: int = 128  # images per step (seed 003: 128); a pass's last batch may be smaller
    hidden_units: tuple[int, ...] = (256, 128, 64, 32)  # ReLU layer widths (seed 003)
    drop_rates: tuple[float, ...] = (0.5, 0.5, 0.0, 0.0)  # dropout arms: rate after each layer
    l2_weight: float = 1e-4  # l2 arms: coefficient of sum(tf.nn.l2_loss) over all variables
    optimizer: str = "adam"  # adam or sgd (seed 003: Adam; seed 001: SGD)
    learning_rate: float = 0.01  # (seed 003 and seed 001: 0.01)
    kernel_init: str = "glorot_uniform"  # Keras Dense default (seed 003); seed 001: he_normal
    train_eval_size: int = 10000  # training images (the first ones) for train accuracy
    confidence: float = 0.95  # coverage of every interval

    def __post_init__(self):
        cfg.require_choice("setting", self.setting, SETTINGS)
        _check_arms(self.arms)
        for name in ("seeds", "steps", "eval_every", "batch_size", "train_eval_size"):
            cfg.require_positive_int(name, getattr(self, name))
        if self.train_subset is not None and not 1 <= self.train_subset <= MNIST_TRAIN_IMAGES:
            raise invalid_value("train_subset", f"an integer in [1, {MNIST_TRAIN_IMAGES}] (MNIST "
                                f"has {MNIST_TRAIN_IMAGES} training images)", self.train_subset)
        _check_layers(self.hidden_units, self.drop_rates, self.arms)
        _check_positive("learning_rate", self.learning_rate)
        if any(arm.endswith("l2") for arm in self.arms):
            _check_positive("l2_weight", self.l2_weight, " when an l2 arm is run")
        cfg.require_choice("optimizer", self.optimizer, ("adam", "sgd"))
        cfg.require_choice("kernel_init", self.kernel_init, KERNEL_INITS)
        if not 0 < self.confidence < 1:
            raise invalid_value("confidence", "a number in (0, 1)", self.confidence)

    @property
    def train_images(self) -> int:
        """Training images used (derived: train_subset or all)."""
        return self.train_subset or MNIST_TRAIN_IMAGES

    @property
    def steps_per_pass(self) -> int:
        """Batches per pass over the training images (derived)."""
        return math.ceil(self.train_images / min(self.batch_size, self.train_images))

    @property
    def passes(self) -> float:
        """Passes over the training images per unit (derived; seed 003: 10)."""
        return self.steps / self.steps_per_pass

    @property
    def eval_steps(self) -> list[int]:
        """Steps after which a unit is evaluated: every eval_every, and the last."""
        return sorted(set(range(self.eval_every, self.steps, self.eval_every)) | {self.steps})

    @property
    def unit_seeds(self) -> list[int]:
        """The seed of each unit of an arm (derived)."""
        return list(range(self.first_seed, self.first_seed + self.seeds))

    @property
    def claims(self) -> tuple[str, ...]:
        """The claims this setting's verdicts are about."""
        return SETTINGS[self.setting]

    def arm_drop_rates(self, arm: str) -> tuple[float, ...]:
        """Drop rate after each hidden layer in ``arm`` (zeros without dropout)."""
        return self.drop_rates if arm.startswith("dropout") else (0.0,) * len(self.hidden_units)

    def arm_l2_weight(self, arm: str) -> float:
        """Coefficient of the L2 term in ``arm`` (0 without L2)."""
        return self.l2_weight if arm.endswith("l2") else 0.0


def _check_arms(arms: tuple[str, ...]) -> None:
    expected = "a non-empty list of distinct arms from " + ", ".join(ARMS)
    if not arms or len(set(arms)) != len(arms) or any(a not in ARMS for a in arms):
        raise invalid_value("arms", expected, ",".join(arms))


def _check_layers(units: tuple[int, ...], rates: tuple[float, ...], arms) -> None:
    if not units or any(u < 1 for u in units):
        raise invalid_value("hidden_units", "a non-empty list of integers >= 1", list(units))
    if len(rates) != len(units):
        raise invalid_value("drop_rates", f"one rate per hidden layer ({len(units)} rates)",
                            list(rates))
    if any(not 0 <= r < 1 for r in rates):
        raise invalid_value("drop_rates", "rates in [0, 1)", list(rates))
    if any(a.startswith("dropout") for a in arms) and not any(r > 0 for r in rates):
        raise invalid_value("drop_rates", "at least one rate > 0 when a dropout arm is run",
                            list(rates))


def _check_positive(name: str, value: float, when: str = "") -> None:
    if not (math.isfinite(value) and value > 0):
        raise invalid_value(name, f"a finite number > 0{when}", value)


def parse_arms(text: str) -> tuple[str, ...]:
    """``"none,dropout"`` -> ("none", "dropout"); ConfigError for unknown arms."""
    arms = tuple(a.strip() for a in text.split(",") if a.strip())
    _check_arms(arms)
    return arms


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
    analysis: object
    plots: list[str]
    data_source: str

    @property
    def resumed_units(self) -> int:
        """Units read back from an earlier session rather than trained now."""
        return sum(unit.resumed for unit in self.units)


def open_resume(path: Path, command: str):
    """The interrupted run at ``path`` and its recorded config (nothing written)."""
    from dropout_lab.resume import reopen_run

    folder = reopen_run(path, KIND, command)
    source = str(folder.path / "resume.json")
    return folder, cfg.resolve(MnistConfig, folder.manifest.get("config"), source=source)


def run(config: MnistConfig, ctx: RunContext = RunContext(), resume=None,
        data_dir: Path | None = None) -> MnistResult:
    """Train every (arm, seed) not yet done, then analyse, plot and write the run.

    Args:
        resume: a RunFolder from ``open_resume`` to continue (its config must be ``config``).
        data_dir: optional folder with the MNIST idx files (see ``load_mnist``).

    Raises:
        ExperimentError: MNIST unavailable, or the sweep was interrupted (the
            message says how to resume; completed units are kept).
    """
    from dropout_lab import mnist_units
    from dropout_lab.data.mnist import load_mnist
    from dropout_lab.resume import resumable_run
    from dropout_lab.tfenv import import_tf, seed_everything

    mnist = load_mnist(data_dir)
    import_tf()
    ctx.report("starting TensorFlow", 1, 1)
    seed_everything(config.first_seed)
    data = mnist_units.unit_data(config, mnist)
    with resumable_run(ctx.out, KIND, cfg.to_dict(config), config.first_seed, ctx.command,
                       {"data_source": mnist.source}, resume) as folder:
        if resume is None:
            folder.write_text("config.toml", cfg.to_toml(config, "dropout-lab mnist: config"))
        units = _sweep(config, folder, data, ctx)
        result = _finish(config, folder, units, mnist.source)
    return result


def _sweep(config: MnistConfig, folder, data, ctx: RunContext) -> list:
    """Run the units seed by seed (all arms of a seed adjacent in time, for C11)."""
    from dropout_lab import mnist_units

    done = mnist_units.completed_units(folder.path)
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
    from dropout_lab import plots
    from dropout_lab.experiments.mnist_verdicts import analyse

    analysis = analyse(config, units)
    names = plots.mnist_curves(folder.path, config, units)
    result = MnistResult(run_dir=folder.final_path, config=config, units=units,
                         analysis=analysis, plots=names, data_source=source)
    folder.write_json("results.json", to_json(result))
    return result


def to_json(result: MnistResult) -> dict:
    """The JSON object of ``mnist --json`` (also the run's results.json)."""
    from dropout_lab.experiments.mnist_verdicts import interval_json, verdict_json

    analysis = result.analysis
    arms = [{"arm": u.arm, "seed": u.seed, "final_test_accuracy": u.final_test_accuracy,
             "final_train_accuracy": u.final_train_accuracy,
             "steps_per_second": u.steps_per_second, "wall_seconds": u.wall_seconds,
             "train_seconds": u.train_seconds, "resumed": u.resumed} for u in result.units]
    summaries = [{"arm": s.arm, "seeds": s.seeds, "published_test_accuracy": s.published,
                  **{k: interval_json(getattr(s, k)) for k in
                     ("test_accuracy", "train_accuracy", "gap", "steps_per_second")}}
                 for s in analysis.arms]
    differences = [{"first": d.first, "second": d.second, "seeds": d.seeds,
                    "difference": interval_json(d.interval), "published": d.published}
                   for d in analysis.differences]
    return {"run_dir": str(result.run_dir), "config": cfg.to_dict(result.config),
            "derived": {"train_images": result.config.train_images,
                        "steps_per_pass": result.config.steps_per_pass,
                        "passes": result.config.passes},
            "data_source": result.data_source, "arms": arms, "summary": summaries,
            "differences": differences,
            "verdicts": {k: verdict_json(v) for k, v in analysis.verdicts.items()},
            "plots": result.plots, "curves": {
                f"{u.arm}_seed{u.seed}": {"steps": u.steps, **u.curves} for u in result.units}}
