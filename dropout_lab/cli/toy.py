"""``train``, ``reload`` and ``compare``: seed 000's experiment on the toy net."""

from __future__ import annotations

import click

from dropout_lab.cli.common import (Output, config_option, execute, lab_command, out_option,
                                    output_options, read_config_file, reject_combined)

_TRAIN_KEYS = ("rate", "epochs", "learning_rate", "layer")


def train_options(func):
    """Options shared by ``train`` and ``compare`` (all default to the config's values)."""
    options = [
        config_option("TOML file of training settings, e.g. configs/toy.toml."),
        click.option("--rate", type=float, help="Drop probability of the dropout layer [0.5]."),
        click.option("--epochs", type=int, help="Full-batch SGD steps [1000]."),
        click.option("--learning-rate", "--lr", "learning_rate", type=float,
                     help="SGD learning rate [0.001]."),
        click.option("--seed", type=int, help="Seed of the run [0]."),
        click.option("--layer", help="Dropout implementation: keras, vanilla or "
                                     "MODULE:CLASS (a Keras layer of yours) [keras]."),
        out_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _train_config(config_path, **flags):
    from dropout_lab.config import resolve
    from dropout_lab.experiments.train import TrainConfig

    return resolve(TrainConfig, read_config_file(config_path), flags, source=str(config_path))


@click.command("train")
@train_options
@output_options
@lab_command
def train_cmd(config_path, rate, epochs, learning_rate, seed, layer, out, as_json, quiet):
    """Train seed 000's toy net (y = 2*x1 + x2) with dropout; save a run folder.

    The net is Dense(100) -> dropout -> Dense(100) -> Dense(1), trained with
    full-batch SGD on MSE; defaults reproduce the seed exactly.

    \b
    Example:
      dropout-lab train --rate 0.5 --epochs 1000 --seed 0
    """
    from dropout_lab.experiments import train
    from dropout_lab.render import toy as render

    config = _train_config(config_path, rate=rate, epochs=epochs, learning_rate=learning_rate,
                           seed=seed, layer=layer)
    execute(Output(as_json, quiet), out, lambda ctx: train.run(config, ctx), render.train,
            render.train_json)


@click.command("reload")
@click.argument("run_dir", metavar="RUN", type=click.Path(exists=True, file_okay=False))
@click.option("--rate", type=float, help="Drop rate of the rebuilt net [0.0].")
@click.option("--runs", type=int, help="Repeated test-time predictions [10].")
@out_option
@output_options
@lab_command
def reload_cmd(run_dir, rate, runs, out, as_json, quiet):
    """Rebuild a training run's net at another rate and reload its weights.

    Every variable is matched by layer name and shape, or the command fails
    naming the mismatch. The net comes from the run's recorded config.

    \b
    Example:
      dropout-lab reload results/toy/20261125-120000-a1b2c3 --rate 0 --runs 10
    """
    from dropout_lab.config import resolve
    from dropout_lab.experiments import reload
    from dropout_lab.render import toy as render

    config = resolve(reload.ReloadConfig, None, {"rate": rate, "runs": runs})
    execute(Output(as_json, quiet), out, lambda ctx: reload.run(run_dir, config, ctx),
            render.reload, render.reload_json)


@click.command("compare")
@click.argument("run_dir", metavar="[RUN]", required=False,
                type=click.Path(exists=True, file_okay=False))
@train_options
@click.option("--runs", type=int, help="Repeated test-time predictions of each net [10].")
@click.option("--mc-samples", type=int, help="Training-mode passes for the consistency check [2000].")
@click.option("--rtol", type=float, help="Relative tolerance of the equality checks [1e-6].")
@click.option("--expect", type=click.Choice(["inverted", "vanilla"]),
              help="Exit with code 1 unless the verdict is this (for CI).")
@output_options
@lab_command
def compare_cmd(run_dir, config_path, rate, epochs, learning_rate, seed, layer, out, runs,
                mc_samples, rtol, expect, as_json, quiet):
    """Is the dropout inverted or vanilla? Train, save, reload at rate 0, compare.

    Without RUN it trains first (as `train`, same options); with RUN it uses
    that run's weights and recorded config. Verdict: inverted (test-time net =
    rate-0 reload), vanilla (= rate-0 net with x keep), or inconsistent
    (training-mode mean disagrees with the test-time output).

    \b
    Examples:
      dropout-lab compare --runs 10
      dropout-lab compare --layer vanilla --expect vanilla
      dropout-lab compare results/toy/20261125-120000-a1b2c3 --json
    """
    from dropout_lab.config import resolve
    from dropout_lab.experiments import compare
    from dropout_lab.render import toy as render

    given = dict(rate=rate, epochs=epochs, learning_rate=learning_rate, layer=layer)
    config = resolve(compare.CompareConfig, None, dict(runs=runs, mc_samples=mc_samples,
                                                       rtol=rtol, seed=seed))
    if run_dir is not None:
        reject_combined(given, config_path, "RUN", "a run is compared with its recorded config "
                                                   "(RUN/config.toml).")
        source = run_dir
    else:
        source = _train_config(config_path, seed=seed, **given)
    result = execute(Output(as_json, quiet), out, lambda ctx: compare.run(config, source, ctx),
                     render.compare, compare.to_json)
    if expect and result.verdict != expect:
        raise click.ClickException(f"Expected verdict {expect!r}, measured {result.verdict!r}.")


COMMANDS = (train_cmd, reload_cmd, compare_cmd)
