"""S000, step two: rebuild the net at another rate and reload a run's weights.

``dropout-lab reload RUN`` is S000's "code two": the same net with its
dropout layer at ``rate`` (0 by default), the run's weights loaded by layer
name with every variable checked, and ``runs`` repeated test-time predictions.
The net is rebuilt from the run's recorded config, never from today's flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dropout_lab.core import config as cfg
from dropout_lab.core import results, weights
from dropout_lab.core.runs import MANIFEST, Run, RunContext, new_run, open_run, sha256_file
from dropout_lab.core.tfenv import seed_everything
from dropout_lab.toy.config import ReloadConfig, TrainConfig
from dropout_lab.toy.train import KIND as TRAIN_KIND

KIND = "reload"


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


def open_train_run(path: str | Path) -> tuple[Run, TrainConfig]:
    """Open a training run and its recorded config (config errors become exit 2)."""
    run = open_run(path, (TRAIN_KIND,))
    return run, cfg.resolve(TrainConfig, run.config, source=str(run.path / MANIFEST))


def rebuild(run: Run, train_config: TrainConfig, rate: float, seed: int,
            layer: str | None = None):
    """The run's net with its dropout layer at ``rate``, the run's weights loaded.

    ``layer`` overrides the run's dropout implementation (e.g. ``"keras"``).
    """
    from dropout_lab.dropouts import appliers  # TensorFlow
    from dropout_lab.toy import net  # TensorFlow

    model = net.build_net(appliers.make_layer(layer or train_config.layer, rate, seed))
    # Load first, so a damaged file is reported as such; then insist it is the run's own.
    weights.load(model, run.path / "weights.h5")
    run.verified("weights.h5")
    return model


def run(config: ReloadConfig, ctx: RunContext = RunContext()) -> ReloadResult:
    """Rebuild RUN's net at ``config.rate``, load its weights, predict ``runs`` times."""
    source, train_config = open_train_run(config.run)
    seed_everything(train_config.seed)
    from dropout_lab.toy import net  # TensorFlow

    model = rebuild(source, train_config, config.rate, train_config.seed)
    recorded = source.read_json("results.json")["test/predictions"]
    predictions = np.stack([net.predict(model) for _ in range(config.runs)])
    extra = {"source_run": str(source.path),
             "source_manifest_sha256": sha256_file(source.path / MANIFEST)}
    with new_run(ctx.out, KIND, cfg.to_dict(config), train_config.seed, ctx.command,
                 extra) as folder:
        result = ReloadResult(run_dir=folder.final_path, source_run=source.path, config=config,
                              train_config=train_config, inputs=net.INPUTS.tolist(),
                              predictions=predictions.tolist(), trained_predictions=recorded)
        folder.write_json("results.json", to_json(result))
    return result


def to_json(result: ReloadResult) -> dict:
    """The JSON object of ``reload --json``, also the run's results.json."""
    return results.result(
        KIND, result.run_dir, cfg.to_dict(result.config), [], result.source_run,
        **{"test/predictions": result.predictions,
           "trained/test_predictions": result.trained_predictions},
        layer=result.train_config.layer, train_rate=result.train_config.rate,
        inputs=result.inputs, spread=result.spread, repeat_spread=max(result.spread))
