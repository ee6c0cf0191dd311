"""S000, step two: rebuild the net at another rate and reload a run's weights.

``dropout-lab reload RUN`` is S000's "code two": the same net with its
dropout layer at ``rate`` (0 by default), the run's weights loaded by layer
name with every variable checked, and ``runs`` repeated test-time predictions.
The net is rebuilt from the run's recorded config, never from today's flags.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, ClassVar

import numpy as np
from pydantic import Field, computed_field

from dropout_lab.core import config as cfg
from dropout_lab.core import results, weights
from dropout_lab.core.atomic import sha256_file
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.reading import Run, open_run
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import MANIFEST, RunContext, new_run
from dropout_lab.core.tfenv import seed_everything
from dropout_lab.dropouts import registry
from dropout_lab.toy.config import ReloadConfig, TrainConfig
from dropout_lab.toy.train import KIND as TRAIN_KIND

KIND = "reload"
SAMPLES = 3  # S000's three inputs


@record
class ReloadResult:
    """Repeated predictions of the reloaded net.

    Attributes:
        layer, train_rate: the training run's dropout implementation and rate.
        predictions: (runs, samples) test-time outputs (``test/predictions``).
        trained_predictions: the trained net's test-time outputs recorded by the run.
    """

    KIND: ClassVar[str] = KIND
    run_dir: Path
    source_run: Path
    config: ReloadConfig
    layer: str
    train_rate: float
    inputs: list[list[float]]
    predictions: Annotated[list[list[Real]], Field(alias="test/predictions")]
    trained_predictions: Annotated[list[Real], Field(alias="trained/test_predictions")]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def spread(self) -> list[float]:
        """Per sample, max - min over the repeated predictions (0 when deterministic)."""
        values = np.asarray(self.predictions)
        return (values.max(axis=0) - values.min(axis=0)).tolist()

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def repeat_spread(self) -> float:
        """The largest spread over the samples."""
        return max(self.spread)


Result = ReloadResult


def open_train_run(path: str | Path, trust_layer: bool = False) -> tuple[Run, TrainConfig]:
    """Open a training run and its recorded config (config errors become exit 2).

    A run folder is data: a ``MODULE:CLASS`` layer it names is imported (which
    runs that module's code) only when the user passes ``trust_layer``.
    """
    run = open_run(path, (TRAIN_KIND,))
    train_config = cfg.resolve(TrainConfig, run.config, source=str(run.path / MANIFEST))
    if registry.is_module_class(train_config.layer) and not trust_layer:
        raise ConfigError(
            f"Invalid value for `RUN`: expected a run whose layer dropout-lab can rebuild "
            f"without running code from it. Received: RUN={str(run.path)!r}, whose layer is "
            f"{train_config.layer!r}, a module of someone's own; importing it runs its code. "
            "Pass --trust-layer if you trust this run folder.", param="run")
    return run, train_config


def rebuild(run: Run, train_config: TrainConfig, rate: float, seed: int,
            layer: str | None = None):
    """The run's net with its dropout layer at ``rate``, the run's weights loaded.

    ``layer`` overrides the run's dropout implementation (e.g. ``"keras"``).
    """
    from dropout_lab.dropouts import appliers  # TensorFlow
    from dropout_lab.toy import net  # TensorFlow

    spec = layer or train_config.layer
    dropout = appliers.make_layer(spec, rate, seed)
    with appliers.layer_errors(spec, "when the toy net was built"):
        model = net.build_net(dropout)
    # Load first, so a damaged file is reported as such; then insist it is the run's own.
    weights.load(model, run.member("weights.h5"))
    run.verified("weights.h5")
    return model


def run(config: ReloadConfig, ctx: RunContext | None = None) -> ReloadResult:
    """Rebuild RUN's net at ``config.rate``, load its weights, predict ``runs`` times."""
    ctx = ctx or RunContext()
    source, train_config = open_train_run(config.run, config.trust_layer)
    recorded = recorded_predictions(source)
    seed_everything(train_config.seed)
    from dropout_lab.dropouts.appliers import layer_errors  # TensorFlow
    from dropout_lab.toy import net  # TensorFlow

    model = rebuild(source, train_config, config.rate, train_config.seed)
    with layer_errors(train_config.layer, "at test time"):
        predictions = np.stack([net.predict(model) for _ in range(config.runs)])
    extra = {"source_run": str(source.path),
             "source_manifest_sha256": sha256_file(source.path / MANIFEST)}
    with new_run(ctx.out, KIND, cfg.to_dict(config), train_config.seed, ctx.command,
                 extra, started=ctx.started) as folder:
        result = ReloadResult(run_dir=folder.final_path, source_run=source.path, config=config,
                              layer=train_config.layer, train_rate=train_config.rate,
                              inputs=net.INPUTS.tolist(), predictions=predictions.tolist(),
                              trained_predictions=recorded)
        folder.write_json("results.json", results.to_json(result))
    return result


def recorded_predictions(run: Run) -> list[float]:
    """The test-time predictions a training run recorded: one finite number per input.

    Raises:
        ExperimentError: results.json lacks them, holds something else, or the run diverged.
    """
    data = run.read_json("results.json")
    found = data.get("test/predictions") if isinstance(data, dict) else None
    if not (isinstance(found, list) and len(found) == SAMPLES
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in found)):
        raise ExperimentError(f"{run.path / 'results.json'} is damaged: expected "
                              f"`test/predictions`, a list of {SAMPLES} numbers. Received: "
                              f"{str(found)[:80]}.")
    if not all(math.isfinite(v) for v in found):
        raise ExperimentError(f"Run {run.path} diverged: its test-time predictions are {found}; "
                              "train again with a smaller learning rate.")
    return [float(v) for v in found]
