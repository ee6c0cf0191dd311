"""``gradients``: which layers does a Dropout layer affect? (S002, claims C5-C7)."""

from __future__ import annotations

import click

from dropout_lab.core.commands import (
    Output,
    config_option,
    execute,
    lab_command,
    out_option,
    output_options,
    resolve_config,
)
from dropout_lab.gradients import render
from dropout_lab.gradients.config import GradientsConfig


@click.command("gradients")
@click.option("--rate", type=float, help="Drop probability of the Dropout layer, in [0, 1) [0.2].")
@click.option("--seed", type=int, help="Seed of the weights, the batch and the mask [0].")
@click.option("--batch-size", type=int, help="Random images in the batch [32].")
@click.option("--learning-rate", "--lr", "learning_rate", type=float,
              help="RMSprop step size of the one training step [1e-4].")
@click.option("--false-alarm", type=float,
              help="Two-sided error of the drop-fraction interval [1e-4].")
@config_option()
@out_option
@output_options
@lab_command
def gradients_cmd(rate, seed, batch_size, learning_rate, false_alarm, config_path, out, as_json,
                  quiet):
    """Which layers does a Dropout layer affect? S002's net, measured per layer.

    A frozen conv base (trainable=False, random weights) stands in for
    InceptionV3, followed by S002's head: Flatten -> Dense(512, relu) ->
    Dense(1024, relu) -> Dropout(rate) -> Dense(1, sigmoid). One batch goes
    through with and without dropout; the table shows per layer which outputs
    are zeroed (C5), how much each gradient changes (C6), whether one RMSprop
    step moves the weights (C6), what Dropout(rate=1) does to gradients (C7),
    and dropout before vs after ReLU and sigmoid. Method: docs/methods.md#gradients.

    \b
    Example:
      dropout-lab gradients --rate 0.2 --seed 0
      dropout-lab gradients --json > gradients.json
    """
    from dropout_lab.gradients import experiment

    config = resolve_config(GradientsConfig, config_path, dict(
        rate=rate, seed=seed, batch_size=batch_size, learning_rate=learning_rate,
        false_alarm=false_alarm))
    execute(Output(as_json, quiet), out, experiment, config, render.gradients)


COMMANDS = (gradients_cmd,)
