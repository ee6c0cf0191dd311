"""Seed 000, step two: rebuild the net at another rate and reload a run's weights.

``dropout-lab reload RUN`` is the seed's "code two": the same net with its
dropout layer at ``rate`` (0 by default), the run's weights loaded by layer
name with every variable checked, and ``runs`` repeated test-time predictions.
The net is rebuilt from the run's recorded config, never from today's flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropout_lab import config as cfg
from dropout_lab.experiments.train import KIND as TOY_KIND, TrainConfig
from dropout_lab.runs import Run, RunContext, new_run, open_run

KIND = "reload"


@dataclass(frozen=True)
class ReloadConfig:
    """Reload settings."""

    rate: float = 0.0  # drop rate of the rebuilt net (seed's code two: 0)
    runs: int = 10  # repeated test-time predictions (seed: 10)

    def __post_init__(self):
        cfg.require_drop_rate("rate", self.rate)
        cfg.require_positive_int("runs", self.runs)


@dataclass(frozen=True)
class ReloadResult:
    """Repeated predictions of the reloaded net.

    Attributes:
        predictions: (runs, samples) test-time outputs.
        trained_predictions: the trained net's test-time outputs recorded by the run.
    """

    run_dir: Path
    source_run: Path
    config: ReloadConfig
    train_config: TrainConfig
    inputs: list[list[float]]
    predictions: list[list[float]]
    trained_predictions: list[float]

    @property
    def spread(self) -> list[float]:
        """Per sample, max - min over the repeated predictions (0 when deterministic)."""
        values = np.asarray(self.predictions)
        return (values.max(axis=0) - values.min(axis=0)).tolist()


def open_toy_run(path: Path) -> tuple[Run, TrainConfig]:
    """Open a training run and its recorded config (config errors become exit 2)."""
    run = open_run(path, (TOY_KIND,))
    return run, cfg.resolve(TrainConfig, run.config, source=str(run.path / "manifest.json"))


def rebuild(run: Run, train_config: TrainConfig, rate: float, seed: int,
            layer: str | None = None):
    """The run's net with its dropout layer at ``rate``, the run's weights loaded.

    ``layer`` overrides the run's dropout implementation (e.g. ``"keras"``).
    """
    from dropout_lab import layers, toy, weights

    model = toy.build_net(layers.make_layer(layer or train_config.layer, rate, seed))
    # Load first, so a damaged file is reported as such; then insist it is the run's own.
    weights.load(model, run.path / "weights.h5")
    run.verified("weights.h5")
    return model


def run(source: Path, config: ReloadConfig = ReloadConfig(),
        ctx: RunContext = RunContext()) -> ReloadResult:
    """Rebuild RUN's net at ``config.rate``, load its weights, predict ``runs`` times."""
    from dropout_lab import toy
    from dropout_lab.tfenv import import_tf, seed_everything

    source_run, train_config = open_toy_run(source)
    import_tf()
    seed_everything(train_config.seed)
    model = rebuild(source_run, train_config, config.rate, train_config.seed)
    recorded = source_run.read_json("results.json")["test/predictions"]
    predictions = np.stack([toy.predict(model) for _ in range(config.runs)])
    extra = {"source_run": str(source_run.path),
             "source_manifest_sha256": _manifest_sha(source_run)}
    with new_run(ctx.out, KIND, cfg.to_dict(config), train_config.seed, ctx.command,
                 extra) as folder:
        folder.write_json("results.json", {"test/predictions": predictions.tolist(),
                                           "trained/test_predictions": recorded})
    return ReloadResult(run_dir=folder.path, source_run=source_run.path, config=config,
                        train_config=train_config, inputs=toy.INPUTS.tolist(),
                        predictions=predictions.tolist(), trained_predictions=recorded)


def _manifest_sha(run: Run) -> str:
    from dropout_lab.runs import MANIFEST, sha256_file

    return sha256_file(run.path / MANIFEST)
