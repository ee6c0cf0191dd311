"""S000, step one: train the toy net with dropout and save it as a run.

``dropout-lab train`` reproduces S000's "code one" on Keras 3: the
y = 2*x1 + x2 net with Dropout(0.5), full-batch SGD(0.001) on MSE for 1000
epochs, then its weights and test-time predictions saved to a run folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar

import numpy as np
from pydantic import Field, computed_field

from dropout_lab.core import config as cfg
from dropout_lab.core import results, tensorboard, weights
from dropout_lab.core.results import Real, record
from dropout_lab.core.runs import RunContext, RunFolder, new_run
from dropout_lab.core.series import Series, points
from dropout_lab.core.tfenv import seed_everything, versions
from dropout_lab.toy.config import TrainConfig

KIND = "train"


@record
class TrainResult:
    """What a training run produced.

    Attributes:
        run_dir: the completed run folder.
        losses: MSE before each step, length ``epochs`` (``train/loss``).
        predictions: test-time outputs on S000's three inputs (``test/predictions``).
        inputs: S000's inputs, (3, 2); targets: (3,).
        layer_class: public name of the dropout layer's class.
    """

    KIND: ClassVar[str] = KIND
    run_dir: Path
    config: TrainConfig
    losses: Annotated[list[Real], Field(alias="train/loss")]
    predictions: Annotated[list[Real], Field(alias="test/predictions")]
    inputs: list[list[float]]
    targets: list[float]
    layer_class: str

    # computed_field over a property: pydantic's documented form, which mypy does not type
    @computed_field(alias="train/first_loss")  # type: ignore[prop-decorator]
    @property
    def first_loss(self) -> float:
        """The loss before the first step."""
        return self.losses[0]

    # computed_field over a property: pydantic's documented form, which mypy does not type
    @computed_field(alias="train/final_loss")  # type: ignore[prop-decorator]
    @property
    def final_loss(self) -> float:
        """The loss before the last step."""
        return self.losses[-1]

    def series(self) -> list[Series]:
        """The training loss per step, for TensorBoard and MLflow (``core.series``)."""
        return [Series("", {"train/loss": points(list(range(len(self.losses))), self.losses)})]


Result = TrainResult


def run(config: TrainConfig, ctx: RunContext | None = None) -> TrainResult:
    """Seed everything, train, and write ``ctx.out/train/<run-id>/``."""
    seed_everything(config.seed)
    return train_into_run(config, ctx or RunContext())


def initial_weights(config: TrainConfig) -> dict[str, np.ndarray]:
    """The weights ``run(config)`` starts training from, by ``layer/variable`` name.

    Seeds and builds the Keras net exactly as ``run`` does, so ``compare
    --framework torch|jax`` starts from the Keras net's initial weights.
    """
    seed_everything(config.seed)
    return {key: np.asarray(variable.numpy())
            for key, variable in weights.model_variables(_build(config)).items()}


def _build(config: TrainConfig):
    from dropout_lab.dropouts import appliers  # TensorFlow
    from dropout_lab.toy import net  # TensorFlow

    layer = appliers.make_layer(config.layer, config.rate, config.seed)
    with appliers.layer_errors(config.layer, "when the toy net was built"):
        return net.build_net(layer)


def train_into_run(config: TrainConfig, ctx: RunContext) -> TrainResult:
    """Train and save without seeding (the caller has seeded once for its run)."""
    from dropout_lab.dropouts import appliers  # TensorFlow
    from dropout_lab.toy import net  # TensorFlow

    model = _build(config)
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command,
                 started=ctx.started) as folder:
        with appliers.layer_errors(config.layer, "in training mode"):
            losses = net.train(model, config.epochs, config.learning_rate,
                               lambda done, total: ctx.report("train", done, total))
        net.require_finite_training(losses, model, config.learning_rate)
        with appliers.layer_errors(config.layer, "at test time"):
            predictions = net.predict(model)
        result = TrainResult(
            run_dir=folder.final_path, config=config, losses=losses.tolist(),
            predictions=predictions.tolist(), inputs=net.INPUTS.tolist(),
            targets=net.TARGETS[:, 0].tolist(),
            layer_class=appliers.public_name(model.get_layer("dropout")))
        _write(folder, result, model)
    return result


def _write(folder: RunFolder, result: TrainResult, model) -> None:
    config = result.config
    attrs = {"rate": config.rate, "layer": config.layer, "seed": config.seed,
             "layer_class": result.layer_class, "versions": versions()}
    folder.write_bytes("weights.h5", weights.to_bytes(model, attrs))
    folder.write_text("config.toml", cfg.to_toml(config, "dropout-lab train: resolved config"))
    folder.write_json("results.json", results.to_json(result))
    tensorboard.write(folder, result)
