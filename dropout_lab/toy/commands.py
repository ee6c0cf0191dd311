"""``train``, ``reload`` and ``compare``: S000's experiment on the toy net (claim C1)."""

from __future__ import annotations

import click

from dropout_lab.core.commands import (
    Output,
    config_option,
    execute,
    lab_command,
    out_option,
    output_options,
    reject_combined,
    resolve_config,
    trust_layer_option,
)
from dropout_lab.toy import render
from dropout_lab.toy.config import CompareConfig, ReloadConfig, TrainConfig

_RUN = click.Path(exists=True, file_okay=False)


def train_options(func):
    """Options shared by ``train`` and ``compare`` (all default to the config's values)."""
    options = [
        config_option("TOML file of settings, e.g. configs/toy.toml; flags override it."),
        click.option("--rate", type=float, help="Drop probability of the dropout layer [0.5]."),
        click.option("--epochs", type=int, help="Full-batch SGD steps [1000]."),
        click.option("--learning-rate", "--lr", "learning_rate", type=float,
                     help="SGD learning rate [0.001]."),
        click.option("--seed", type=int, help="Seed of the run [0]."),
        click.option("--layer", help="Dropout implementation: keras, vanilla, a built-in name "
                                     "such as keras.layers.GaussianDropout or tf.nn.dropout "
                                     "(an unknown name lists them), or MODULE:CLASS (a Keras "
                                     "layer of yours) [keras]."),
        out_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command("train")
@train_options
@output_options
@lab_command
def train_cmd(config_path, rate, epochs, learning_rate, seed, layer, out, as_json, quiet):
    """Train S000's toy net (y = 2*x1 + x2) with dropout; save a run folder.

    The net is Dense(100) -> dropout -> Dense(100) -> Dense(1), trained with
    full-batch SGD on MSE; defaults reproduce S000 exactly.

    \b
    Example:
      dropout-lab train --rate 0.5 --epochs 1000 --seed 0
    """
    from dropout_lab.toy import train

    config = resolve_config(TrainConfig, config_path, dict(
        rate=rate, epochs=epochs, learning_rate=learning_rate, seed=seed, layer=layer))
    execute(Output(as_json, quiet), out, train, config, render.train)


@click.command("reload")
@click.argument("run_dir", metavar="RUN", type=_RUN)
@click.option("--rate", type=float, help="Drop rate of the rebuilt net [0.0].")
@click.option("--runs", type=int, help="Repeated test-time predictions [10].")
@trust_layer_option
@config_option()
@out_option
@output_options
@lab_command
def reload_cmd(run_dir, rate, runs, trust_layer, config_path, out, as_json, quiet):
    """Rebuild a training run's net at another rate and reload its weights.

    Every variable is matched by layer name and shape, or the command fails
    naming the mismatch. The net comes from the run's recorded config.

    \b
    Example:
      dropout-lab reload results/train/20261125-120000-a1b2c3 --rate 0 --runs 10
    """
    from dropout_lab.toy import reload

    config = resolve_config(ReloadConfig, config_path, dict(run=run_dir, rate=rate, runs=runs,
                                                            trust_layer=trust_layer))
    execute(Output(as_json, quiet), out, reload, config, render.reload)


@click.command("compare")
@click.argument("run_dir", metavar="[RUN]", required=False, type=_RUN)
@train_options
@click.option("--runs", type=int, help="Repeated test-time predictions of each net [10].")
@click.option("--mc-samples", type=int,
              help="Training-mode passes for the consistency check [2000].")
@click.option("--rtol", type=float, help="Relative tolerance of the equality checks [1e-6].")
@click.option("--z", type=float, help="Consistency bound in standard errors [4.5].")
@click.option("--expect", type=click.Choice(["inverted", "vanilla"]),
              help="Exit with code 1 unless the classification is this (for CI).")
@click.option("--framework", help="Framework that trains and measures the toy net: keras "
                                  "(in-process, with --layer), torch (torch.nn.Dropout) or "
                                  "jax (flax.nnx.Dropout), each of the last two in a process "
                                  "of its own, from the Keras net's initial weights [keras].")
@trust_layer_option
@output_options
@lab_command
def compare_cmd(run_dir, config_path, rate, epochs, learning_rate, seed, layer, out, runs,
                mc_samples, rtol, z, expect, framework, trust_layer, as_json, quiet):
    """Is the dropout inverted or vanilla? Train, save, reload at rate 0, compare.

    Without RUN it trains first (as `train`, same options); with RUN it uses
    that run's weights and recorded config. Classification: inverted
    (test-time net = rate-0 reload), vanilla (= rate-0 net with x keep),
    inconsistent (training-mode mean disagrees with the test-time output) or
    other; the verdict on C1 when the layer is Keras's Dropout. With
    --framework torch or jax the same net is trained and checked in PyTorch
    or Flax NNX with its own Dropout; the weights file is then in the
    comparison's own run folder. Method: docs/methods.md#compare.

    \b
    Examples:
      dropout-lab compare --runs 10
      dropout-lab compare --layer vanilla --expect vanilla
      dropout-lab compare --layer keras.layers.GaussianDropout --rate 0.3
      dropout-lab compare --framework torch --rate 0.2 --expect inverted
      dropout-lab compare results/train/20261125-120000-a1b2c3 --json
    """
    from dropout_lab.toy import compare

    training = dict(rate=rate, epochs=epochs, learning_rate=learning_rate, layer=layer,
                    framework=framework)
    if run_dir is not None:
        reject_combined(training, config_path, "RUN", "a run is compared with its recorded "
                                                      "config (RUN/config.toml).")
    config = resolve_config(CompareConfig, config_path, dict(
        **training, seed=seed, runs=runs, mc_samples=mc_samples, rtol=rtol, z=z, run=run_dir,
        trust_layer=trust_layer))
    result = execute(Output(as_json, quiet), out, compare, config, render.compare)
    if expect and result.classification != expect:
        raise click.ClickException(f"Expected classification {expect!r}, measured "
                                   f"{result.classification!r}.")


COMMANDS = (train_cmd, reload_cmd, compare_cmd)
