"""Seed 000, step one: train the toy net with dropout and save it as a run.

``dropout-lab train`` reproduces the seed's "code one" on Keras 3: the
y = 2*x1 + x2 net with Dropout(0.5), full-batch SGD(0.001) on MSE for 1000
epochs, then its weights and test-time predictions saved to a run folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dropout_lab import config as cfg
from dropout_lab.layerspec import check_layer_spec
from dropout_lab.runs import RunContext, RunFolder, new_run

KIND = "toy"


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; defaults are seed 000's."""

    rate: float = 0.5  # drop probability of the dropout layer (seed: 0.5)
    epochs: int = 1000  # full-batch SGD steps (seed: nb_epoch=1000, 3 samples = 1 batch)
    learning_rate: float = 0.001  # SGD step size (seed: SGD(0.001))
    seed: int = 0  # seeds Python, NumPy, TF and Keras once per run
    layer: str = "keras"  # dropout implementation: keras, vanilla or MODULE:CLASS

    def __post_init__(self):
        cfg.require_drop_rate("rate", self.rate)
        cfg.require_positive_int("epochs", self.epochs)
        cfg.require_finite("learning_rate", self.learning_rate, "a finite positive number")
        if self.learning_rate <= 0:
            raise cfg.invalid_value("learning_rate", "a finite positive number",
                                    self.learning_rate)
        check_layer_spec(self.layer)


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced.

    Attributes:
        run_dir: the completed run folder.
        losses: MSE before each step, length ``epochs``.
        predictions: test-time outputs on the seed's three inputs.
        inputs: the seed's inputs, (3, 2).
    """

    run_dir: Path
    config: TrainConfig
    losses: list[float]
    predictions: list[float]
    inputs: list[list[float]]

    @property
    def final_loss(self) -> float:
        return self.losses[-1]


def run(config: TrainConfig, ctx: RunContext = RunContext()) -> TrainResult:
    """Seed everything, train, and write ``ctx.out/toy/<run-id>/``."""
    from dropout_lab.tfenv import import_tf, seed_everything

    import_tf()
    seed_everything(config.seed)
    return train_into_run(config, ctx)


def train_into_run(config: TrainConfig, ctx: RunContext) -> TrainResult:
    """Train and save without seeding (the caller has seeded once for its run)."""
    from dropout_lab import layers, toy

    model = toy.build_net(layers.make_layer(config.layer, config.rate, config.seed))
    with new_run(ctx.out, KIND, cfg.to_dict(config), config.seed, ctx.command) as run_folder:
        losses = toy.train(model, config.epochs, config.learning_rate,
                           lambda done, total: ctx.report("train", done, total))
        predictions = toy.predict(model)
        _write(run_folder, config, model, losses, predictions)
    return TrainResult(run_dir=run_folder.path, config=config, losses=losses.tolist(),
                       predictions=predictions.tolist(), inputs=toy.INPUTS.tolist())


def _write(run_folder: RunFolder, config: TrainConfig, model, losses, predictions) -> None:
    from dropout_lab import layers, toy, weights
    from dropout_lab.tfenv import versions

    dropout = model.get_layer("dropout")
    attrs = {"rate": config.rate, "layer": config.layer, "seed": config.seed,
             "layer_class": layers.qualified_name(type(dropout)), "versions": versions()}
    with run_folder.file("weights.h5") as tmp:
        weights.save(model, tmp, attrs)
    run_folder.write_text("config.toml", cfg.to_toml(config, "dropout-lab train: resolved config"))
    run_folder.write_json("results.json", {
        "train/loss": losses.tolist(), "train/final_loss": float(losses[-1]),
        "test/predictions": predictions.tolist(), "inputs": toy.INPUTS.tolist(),
        "targets": toy.TARGETS[:, 0].tolist(), "layer_class": attrs["layer_class"]})
